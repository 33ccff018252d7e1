#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
#   hostA - gmA =\                /= gmB - hostB
#                 core (br0) <-- capture, replay
#   hostC - gmC =/
#
# Lossless rekeys: hostA pings hostB 100 times a second while, 10 times in
# a row, both gateways install a new SA that activates 1 s later and set
# the old one to deactivate 2 s later, as a key server's ATD and DTD would
# (the margins cover the gateways' commands being a few hundred ms apart
# under TCG, as a rekey reaches members at slightly different times).
# The module switches at those moments by its own clock: not one ping is
# lost, the WAN shows every SPI in turn, and after deactivation an old
# SPI is rejected.

source "$(dirname "$0")/lib.sh"
require_cmd tcpdump

# 10 switches, each about 3 s under TCG: the 50 s of pings outlast them
REKEYS=10

gvpn_load
topo_setup
for s in A B; do
	gm_group_nosa "$s" || { log_test "configure gm$s" 1; exit $EXIT_STATUS; }
done
# all_sa CMD...: "gvpn sa CMD..." on gmA and gmB; SAs are added with the
# gateway's sender ID (GCM needs one), spelt out: no subshell may widen
# the gap between the two gateways' commands.
all_sa() {
	local gm sid
	for gm in "$gmA" "$gmB"; do
		sid=()
		if [ "$1" = add ]; then
			sid=(sender-id 1 sid-bits 8)
			[ "$gm" = "$gmB" ] && sid=(sender-id 2 sid-bits 8)
		fi
		$GVPN -n "$gm" sa "$@" "${sid[@]}" || return 1
	done
}
key() { hexkey 20 "$1"; }
SITES="A B" all_sa add group 1 policy 10 spi 0x1000 aead 'rfc4106(gcm(aes))' \
	"$(key 0)" 128
replay_start "$gmB"
monitor_start "$gmB" "$TMPDIR_TEST/events"

pcap=$TMPDIR_TEST/wan.pcap
capture_start "$pcap"
ip netns exec "$hostA" ping -q -i 0.01 -c 5000 -W 2 10.2.0.2 \
	>"$TMPDIR_TEST/ping" 2>&1 &
ping=$!
sleep 1

ok=0
for i in $(seq 1 $REKEYS); do
	old=$((0x1000 + i - 1)) new=$((0x1000 + i))
	all_sa add group 1 policy 10 spi "$new" aead 'rfc4106(gcm(aes))' \
		"$(key "$i")" 128 activate-in 1 &&
	all_sa set group 1 spi "$old" deactivate-in 2 || { ok=1; break; }
	sleep 2.2
done
log_test "$REKEYS rekeys issued" $ok
check "the ping was still running at the last rekey" kill -0 "$ping"
wait "$ping"
capture_stop
monitor_stop

cat "$TMPDIR_TEST/ping"
check "not one of the pings was lost" \
	grep -qE '^([0-9]+) packets transmitted, \1 received, 0% packet loss' \
	"$TMPDIR_TEST/ping" || $GVPN -n "$gmA" -s group show 1
check "nothing was dropped for an unknown SPI meanwhile" test \
	"$(counter "$gmA" drop_unknown_spi group show 1)" -eq 0 -a \
	"$(counter "$gmB" drop_unknown_spi group show 1)" -eq 0
check "the WAN carried all $((REKEYS + 1)) SPIs from hostA" test "$(wan_count "$pcap" . >/dev/null;
	grep -oE '10\.1\.0\.2 > 10\.2\.0\.2: ESP\(spi=0x[0-9a-f]+' "$pcap.txt" |
	sort -u | wc -l)" -eq $((REKEYS + 1))
check "only the newest SA is left" test "$($GVPN -n "$gmB" sa show | wc -l)" -eq 1
check "$REKEYS SAs activated and $REKEYS deactivated (events)" /usr/bin/python3 -c '
import json, sys
ev = [json.loads(l).get("event") for l in open(sys.argv[1]) if l.startswith("{")]
n = int(sys.argv[2])
sys.exit(not (ev.count("sa-activated") >= n and ev.count("sa-deactivated") >= n))' \
	"$TMPDIR_TEST/events" $REKEYS

before=$(counter "$gmB" drop_unknown_spi group show 1)
check "the first SA's packets replayed" test \
	"$(replay "$pcap" 10.1.0.2 10.2.0.2 0x1000)" -ge 1
check "after deactivation its SPI is rejected" busywait 5000 \
	counter_ge "$gmB" drop_unknown_spi $((before + 1)) group show 1

exit $EXIT_STATUS
