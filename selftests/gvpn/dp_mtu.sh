#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
#   hostA - gmA =\                /= gmB - hostB      WAN MTU 1400
#                 core (br0) <-- capture
#   hostC - gmC =/
#
# Packets that would exceed the WAN MTU once encrypted are fragmented
# before encryption, so every ESP packet on the WAN is whole and fits; with
# DF set they are refused with ICMP fragmentation-needed carrying the MTU
# left for the inner packet (1346 bytes with AES-GCM-128 on a 1400-byte
# link: 1400 - 20 IP - 8 ESP - 8 IV - 16 ICV, aligned to 4, minus 2 for
# the trailer). 3000-byte pings and TCP work across the small MTU.

source "$(dirname "$0")/lib.sh"
require_cmd tcpdump socat

gvpn_load
topo_setup 1400
for s in $SITES; do
	gm_group "$s" || { log_test "configure gm$s" 1; exit $EXIT_STATUS; }
done

pcap=$TMPDIR_TEST/wan.pcap
capture_start "$pcap"
check "ping with 3000-byte payloads hostA -> hostB" \
	ping_ok "$hostA" 10.2.0.2 -s 3000
check "ping with 3000-byte payloads hostC -> hostA" \
	ping_ok "$hostC" 10.1.0.2 -s 3000

head -c 500000 /dev/urandom >"$TMPDIR_TEST/payload"
ip netns exec "$hostB" socat -u TCP-LISTEN:5001,reuseaddr \
	"OPEN:$TMPDIR_TEST/out,creat,trunc" &
srv=$!
wait_listen "$hostB" 5001
timeout 120 ip netns exec "$hostA" socat -u "FILE:$TMPDIR_TEST/payload" \
	TCP:10.2.0.2:5001
wait "$srv"
check "TCP across the 1400-byte WAN delivers 500 kB intact" \
	cmp -s "$TMPDIR_TEST/payload" "$TMPDIR_TEST/out"
capture_stop

check "ESP packets were large" test \
	"$(wan_count "$pcap" 'proto ESP \(50\), length 1[34][0-9][0-9]\)')" -gt 0
check "no ESP packet exceeds the WAN MTU" test "$(wan_count "$pcap" \
	'proto ESP \(50\), length (140[1-9]|14[1-9][0-9]|1[5-9][0-9]{2}|[2-9][0-9]{3})\)')" -eq 0
check_fail "no ESP packet is an IP fragment" test "$(wan_count "$pcap" \
	'(flags \[\+\]|offset [1-9][0-9]*), .*proto ESP')" -gt 0
check "gmA fragmented before encrypting" \
	counter_ge "$gmA" fragmented 2 group show 1

# 1400 bytes fit the WAN, not the WAN once encrypted. (Bigger packets meet
# the forwarding MTU check first, which answers with the link MTU.)
ip netns exec "$hostA" ip route flush cache	# forget the TCP's PMTU
out=$(ip netns exec "$hostA" ping -c 1 -W 2 -M do -s 1372 10.2.0.2 2>&1)
check "DF set and too big: ICMP fragmentation-needed from gmA" \
	grep -q 'From 10.1.0.1 .*mtu = 1346' <<<"$out" || { echo "$out"; false; }
check "gmA counted it" counter_ge "$gmA" frag_needed 1 group show 1
check "DF set and exactly fitting: the ping passes" \
	ping_ok "$hostA" 10.2.0.2 -M do -s 1318
ip netns exec "$hostA" ip route flush cache
check "one byte more does not" bash -c "ip netns exec $hostA ping -c 1 -W 2 \
	-M do -s 1319 10.2.0.2 2>&1 | grep -q 'mtu = 1346'"

exit $EXIT_STATUS
