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
# - gvpn -s sa show of one SA lists its per-sender windows (SID, highest
#   counter, packets accepted, replays dropped);
# - an SA's sender table holds 256 senders (GVPN_MAX_SENDERS): packets of
#   further senders pass on TBAR alone, counted in senders_overflow;
# - a GCM SA without SID sends nothing (no_sid) unless the group is
#   legacy-iv, and then sends.

source "$(dirname "$0")/lib.sh"
require_cmd tcpdump

gvpn_load
topo_setup
KEY2=$(hexkey 20 2) KEY3=$(hexkey 20 3) KEY4=$(hexkey 20 4)
MAX_SENDERS=256		# GVPN_MAX_SENDERS, per SA

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

# --- the per-sender listing ------------------------------------------------
# gmB has a window for gmA (SID 1) and gmC (SID 3); the replays were all
# gmA's. One reading for the SA's counters and its windows.
$GVPN -n "$gmB" -j -s sa show group 1 spi 0x1000 >"$TMPDIR_TEST/w.json"
next_a=$(counter "$gmA" iv_counter sa show group 1 spi 0x1000)
windows_are() {
	python3 -c "import json, sys
sa = json.load(open('$TMPDIR_TEST/w.json'))[0]
w = {x['sid']: x for x in sa.get('sender_windows', [])}
ok = ($1)
if not ok:
    print('# windows:', sorted(w.values(), key=lambda x: x['sid']),
          'stats:', sa['stats'])
sys.exit(not ok)"
}
check "gmB lists a window for SIDs 1 and 3, each with packets" \
	windows_are 'sorted(w) == [1, 3] and w[1]["rx_packets"] > 0 and
	w[3]["rx_packets"] > 0'
check "sender 1's replay count is the SA's replays dropped, sender 3's 0" \
	windows_are 'w[1]["sender_replay"] == sa["stats"]["sender_replay"] >=
	500 and w[3]["sender_replay"] == 0'
check "the windows accepted what the SA accepted" \
	windows_are 'w[1]["rx_packets"] + w[3]["rx_packets"] ==
	sa["stats"]["rx_packets"]'
check "sender 1's top is the last counter gmA used" \
	windows_are "w[1]['top'] == ${next_a:-0} - 1"
replays=$(counter "$gmB" sender_replay sa show group 1 spi 0x1000)
check "text: one line per sender, in SID order" sh -c "$GVPN -n $gmB -s \
	sa show group 1 spi 0x1000 | grep -oE '^    sender [0-9]+ ' | tr -s ' ' |
	tr '\n' , | grep -qx ' sender 1 , sender 3 ,'"
check "text: sender 1 top N rx N replay $replays" sh -c "$GVPN -n $gmB -s \
	sa show group 1 spi 0x1000 |
	grep -qE '^    sender 1 top [0-9]+ rx [1-9][0-9]* replay $replays\$'"
check "without -s: no sender lines" sh -c "! $GVPN -n $gmB \
	sa show group 1 spi 0x1000 | grep -q '^    sender '"

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

# --- more senders than the table holds -------------------------------------
# SA 0x4000 with 12-bit SIDs: gmA sends one packet under each of SIDs
# 1..260 (the SA deleted and added again with the next SID each time;
# there is no "sa set sender-id"), gmB keeps the same SA throughout. The first 256 get a
# window; the last 4 find the table full and pass on TBAR alone.
nsid=$((MAX_SENDERS + 4))
$GVPN -n "$gmB" sa add group 1 policy 10 spi 0x4000 \
	aead 'rfc4106(gcm(aes))' "$KEY4" 128 sender-id 2 sid-bits 12
# One process (Python starts slowly under TCG, but gvpn twice per SID took
# 45 s): netlink in gmA's namespace adds the SA again with the next SID,
# one UDP datagram from hostA's goes out under it, and gmA must have sent
# it (tx_packets 1) before the SA goes.
t0=$SECONDS
ip netns exec "$gmA" /usr/bin/python3 - "$nsid" "$KEY4" "$hostA" <<'EOF'
import ctypes, os, socket, sys, time
sys.path.insert(0, os.getcwd())
from gvpn_nl import A, SA, attr, cstr, parse_attrs, u8, u16, u32
from nl_util import GCM, Conn, enum_values, get_u, uapi_enums

n, key, host = int(sys.argv[1]), bytes.fromhex(sys.argv[2][2:]), sys.argv[3]
TX = enum_values(uapi_enums(), 'gvpn_stats_attr')['GVPN_A_STATS_TX_PACKETS']
ID = [(SA['GROUP_ID'], u16(1)), (SA['SPI'], u32(0x4000))]
conn = Conn()                   # gmA's, where we started
libc = ctypes.CDLL(None, use_errno=True)
with open('/run/netns/' + host) as f:
    if libc.setns(f.fileno(), 0x40000000):      # CLONE_NEWNET
        sys.exit('setns: ' + os.strerror(ctypes.get_errno()))
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)     # hostA's


def tx_packets():
    replies, ack = conn.ask('SA_GET', attr(A['SA'], ID))
    sa = parse_attrs(replies[0][A['SA']][0])
    st = parse_attrs(sa[SA['STATS']][0])
    return get_u(st[TX][0]) if TX in st else 0


for sid in range(1, n + 1):
    if sid > 1:
        conn.ok('SA_DEL', attr(A['SA'], ID))
    conn.ok('SA_NEW', attr(A['SA'], ID + [
        (SA['POLICY_ID'], u32(10)), (SA['AEAD_NAME'], cstr(GCM)),
        (SA['AEAD_KEY'], key), (SA['AEAD_ICV_BITS'], u32(128)),
        (SA['SENDER_ID'], u32(sid)), (SA['SID_BITS'], u8(12))]))
    udp.sendto(b'x', ('10.2.0.2', 9))
    deadline = time.monotonic() + 5
    while tx_packets() < 1:
        if time.monotonic() > deadline:
            sys.exit(f'# SID {sid}: gmA sent nothing')
        time.sleep(0.001)
EOF
log_test "gmA sent one packet from each of $nsid SIDs ($((SECONDS - t0)) s)" $?
sa4_rx_is() {
	[ "$(counter "$gmB" rx_packets sa show group 1 spi 0x4000)" = "$1" ]
}
check "gmB accepted all $nsid packets" busywait 5000 sa4_rx_is $nsid
check "gmB keeps windows for $MAX_SENDERS senders, the cap" test \
	"$(counter "$gmB" senders sa show group 1 spi 0x4000)" -eq $MAX_SENDERS
check "the 4 packets beyond the cap counted in senders_overflow" test \
	"$(counter "$gmB" senders_overflow sa show group 1 spi 0x4000)" -eq 4
check "... for the group too" \
	counter_ge "$gmB" senders_overflow 4 group show 1
check "none was taken for a replay" test \
	"$(counter "$gmB" sender_replay sa show group 1 spi 0x4000)" -eq 0
$GVPN -n "$gmB" -s sa show group 1 spi 0x4000 >"$TMPDIR_TEST/w.txt"
seq 1 $MAX_SENDERS >"$TMPDIR_TEST/sids.want"
check "the listing shows $MAX_SENDERS senders, SIDs 1..$MAX_SENDERS in order" \
	sh -c "grep -oE '^    sender [0-9]+ ' $TMPDIR_TEST/w.txt |
	awk '{ print \$2 }' | cmp -s - $TMPDIR_TEST/sids.want"
check "... each with one packet at counter 1, no replay" test \
	"$(grep -cx '    sender [0-9]* top 1 rx 1 replay 0' "$TMPDIR_TEST/w.txt")" \
	-eq $MAX_SENDERS

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
