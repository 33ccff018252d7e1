#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
#   hostA - gmA =\                /= gmB - hostB
#                 core (br0) <-- capture, replay (pcap_replay.py)
#   hostC - gmC =/
#
# Sender IDs on a shared AES-GCM key (RFC 6054, issue 11). Three members
# with SIDs 1, 2, 3 in an 8-bit SID space:
# - every ESP IV on the WAN is the sender's SID || a counter, and no IV
#   repeats across the group, over thousands of packets;
# - an exact replay of a captured packet inside the TBAR window is dropped
#   by the receiver's per-sender window and counted (sender_replay);
# - an SA whose counter starts 3 short of 2^56 sends 3 packets and then
#   stops (iv_exhausted, one sa-iv-exhausted event), never wrapping;
# - a GCM SA without SID sends nothing (no_sid) unless the group is
#   legacy-iv, and then sends.

source "$(dirname "$0")/lib.sh"
require_cmd tcpdump

gvpn_load
topo_setup
KEY2=$(hexkey 20 2) KEY3=$(hexkey 20 3)

# TBAR SAs, wall clock (the members share the VM's), 30-second window:
# what TBAR alone would let through, the per-sender windows must stop.
for s in $SITES; do
	gm=gm$s
	gm_group_nosa "$s" &&
	$GVPN -n "${!gm}" group set 1 tbar-window 30 &&
	$GVPN -n "${!gm}" sa add group 1 policy 10 spi 0x1000 \
		aead 'rfc4106(gcm(aes))' "$GROUP_KEY" 128 tbar $(gm_sid "$s") ||
		{ log_test "configure gm$s" 1; exit $EXIT_STATUS; }
done
json_is "sa show -j: sender-id, sid-bits, next counter, window" \
	'd[0]["sender_id"] == 2 and d[0]["sid_bits"] == 8 and
	 d[0]["iv_counter"] == 1 and d[0]["replay_window"] == 128 and
	 d[0]["senders"] == 0' $GVPN -n "$gmB" -j sa show group 1 spi 0x1000
check "sa show: sender-id 2 sid-bits 8 iv-counter 1 replay-window 128" \
	sh -c "$GVPN -n $gmB sa show | grep -q ' sender-id 2 sid-bits 8 iv-counter 1 replay-window 128 senders 0 '"

# --- IVs: SID || counter, unique across the group ------------------------
pcap=$TMPDIR_TEST/wan.pcap
capture_start "$pcap" esp
pids=()
for pair in "$hostA 10.2.0.2" "$hostB 10.3.0.2" "$hostC 10.1.0.2"; do
	set -- $pair
	ip netns exec "$1" ping -q -i 0.002 -c 700 -W 2 "$2" \
		>"$TMPDIR_TEST/ping.$1" 2>&1 &
	pids+=($!)
done
wait "${pids[@]}"	# not the capture's tcpdump
capture_stop
cat "$TMPDIR_TEST"/ping.* | grep transmitted | sed 's/^/# /'

# iv_check PCAP: the ESP IVs of the capture, by outer source (10.N.0.2
# sends with SID N): every IV starts with its sender's SID, none repeats
# under one SPI; prints the packet count.
iv_check() {
	/usr/bin/python3 - "$1" <<'EOF'
import struct, sys
data = open(sys.argv[1], 'rb').read()
link = struct.unpack('<I', data[20:24])[0]
off, seen, n, bad = 24, set(), 0, []
while off + 16 <= len(data):
    caplen = struct.unpack('<I', data[off + 8:off + 12])[0]
    pkt = data[off + 16:off + 16 + caplen]
    off += 16 + caplen
    if link == 1:
        if pkt[12:14] != b'\x08\x00':
            continue
        pkt = pkt[14:]
    ihl = (pkt[0] & 15) * 4
    if pkt[9] != 50:
        continue
    src = pkt[12:16]
    spi, = struct.unpack('!I', pkt[ihl:ihl + 4])
    iv, = struct.unpack('!Q', pkt[ihl + 8:ihl + 16])
    n += 1
    if src[0] != 10 or src[2:] != b'\x00\x02' or iv >> 56 != src[1]:
        bad.append('%s: iv %016x' % ('.'.join(map(str, src)), iv))
    if (spi, iv) in seen:
        bad.append('repeated iv %016x' % iv)
    seen.add((spi, iv))
for b in bad[:10]:
    print('#', b, file=sys.stderr)
print(n)
sys.exit(1 if bad else 0)
EOF
}
n=$(iv_check "$pcap")
log_test "every IV is its sender's SID || counter, none repeats" $?
check "... over thousands of ESP packets from three senders" \
	test "${n:-0}" -ge 3000
json_is "gmB keeps a window for each of its 2 senders" \
	'd[0]["senders"] == 2' $GVPN -n "$gmB" -j sa show group 1 spi 0x1000
json_is "gmA's next counter moved on" 'd[0]["iv_counter"] > 1000' \
	$GVPN -n "$gmA" -j sa show group 1 spi 0x1000

# --- exact replays inside the TBAR window ---------------------------------
replay_start "$gmB"
rx=$(counter "$gmB" rx_packets group show 1)
n=$(replay "$pcap" 10.1.0.2 10.2.0.2)
echo "# replayed $n packets"
check "hostA's packets replayed seconds later (inside TBAR's 30 s)" \
	test "${n:-0}" -ge 500
check "every replay dropped by gmB's window and counted" busywait 10000 \
	counter_ge "$gmB" sender_replay "$n" sa show group 1 spi 0x1000
check "... counted for the group too" \
	counter_ge "$gmB" sender_replay "$n" group show 1
check "none was accepted" \
	test "$(counter "$gmB" rx_packets group show 1)" -eq "$rx"
check "TBAR dropped none of them (inside its window)" \
	test "$(counter "$gmB" drop_replay group show 1)" -eq 0
check "traffic still flows after the replays" ping_ok "$hostA" 10.2.0.2

# --- a counter that would wrap stops the SA -------------------------------
# SA 0x2000 on gmA starts its counter 3 short of 2^56 (SID 1, 8 bits).
lim=$((1 << 56))
monitor_start "$gmA" "$TMPDIR_TEST/events"
$GVPN -n "$gmA" sa add group 1 policy 10 spi 0x2000 \
	aead 'rfc4106(gcm(aes))' "$KEY2" 128 $(gm_sid A) iv-counter $((lim - 3))
$GVPN -n "$gmB" sa add group 1 policy 10 spi 0x2000 \
	aead 'rfc4106(gcm(aes))' "$KEY2" 128 $(gm_sid B)
capture_start "$pcap.2" esp
ip netns exec "$hostA" ping -q -c 6 -i 0.2 -W 1 10.2.0.2 \
	>"$TMPDIR_TEST/ping.wrap" 2>&1
capture_stop
monitor_stop
check "3 of 6 pings passed: the IVs left" \
	grep -q '6 packets transmitted, 3 received' "$TMPDIR_TEST/ping.wrap"
check "gmA sent 3 packets with the SA" \
	test "$(counter "$gmA" tx_packets sa show group 1 spi 0x2000)" -eq 3
check "and refused 3: iv_exhausted" \
	test "$(counter "$gmA" iv_exhausted sa show group 1 spi 0x2000)" -eq 3
json_is "the next counter shows the limit, 2^56" "d[0]['iv_counter'] == $lim" \
	$GVPN -n "$gmA" -j sa show group 1 spi 0x2000
check "the WAN saw IVs 01fffffffffffffd..ff from hostA, none wrapped" \
	/usr/bin/python3 -c '
import subprocess, sys
out = subprocess.run(["tcpdump", "-nn", "-x", "-r", sys.argv[1],
		      "src 10.1.0.2 and esp"], capture_output=True,
		     text=True).stdout
ivs, cur = [], ""
for line in out.splitlines() + ["x"]:
    if line.startswith("\t"):
        cur += "".join(line.split(":", 1)[1].split())
        continue
    if cur:
        ivs.append(cur[56:72])	# IP header 20, SPI 4, seq 4 bytes
    cur = ""
want = ["01fffffffffffffd", "01fffffffffffffe", "01ffffffffffffff"]
sys.exit(ivs != want and (print("#", ivs) or 1))' "$pcap.2"
check "one sa-iv-exhausted event for SPI 0x2000" /usr/bin/python3 -c '
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
ev = [e for e in ev if e.get("event") == "sa-iv-exhausted"]
sys.exit(not (len(ev) == 1 and ev[0]["sa"]["spi"] == 0x2000))' \
	"$TMPDIR_TEST/events"

# --- a GCM SA without a SID ------------------------------------------------
$GVPN -n "$gmA" sa add group 1 policy 10 spi 0x3000 \
	aead 'rfc4106(gcm(aes))' "$KEY3" 128
$GVPN -n "$gmB" sa add group 1 policy 10 spi 0x3000 \
	aead 'rfc4106(gcm(aes))' "$KEY3" 128 $(gm_sid B)
capture_start "$pcap.3" esp
check_fail "no SID, group not legacy-iv: gmA sends nothing" \
	ping_ok "$hostA" 10.2.0.2
capture_stop
check "... counted as no_sid" \
	counter_ge "$gmA" no_sid 2 sa show group 1 spi 0x3000
check "... and nothing of SPI 0x3000 left gmA" test "$(wan_count "$pcap.3" \
	'10\.1\.0\.2 > 10\.2\.0\.2: ESP\(spi=0x00003000')" -eq 0
# A group whose key server assigns no SIDs is legacy-iv on every member:
# random IVs, and no per-sender windows (they would misread them).
$GVPN -n "$gmA" group set 1 legacy-iv on
$GVPN -n "$gmB" group set 1 legacy-iv on
check "legacy-iv on: it sends (random IVs)" ping_ok "$hostA" 10.2.0.2
check "... with SA 0x3000" \
	counter_ge "$gmA" tx_packets 2 sa show group 1 spi 0x3000
json_is "group show -j flags legacy_iv" 'd[0]["legacy_iv"] is True' \
	$GVPN -n "$gmA" -j group show 1

gvpn_unload
exit $EXIT_STATUS
