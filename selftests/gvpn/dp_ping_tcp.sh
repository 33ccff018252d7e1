#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
#   hostA - gmA =\                /= gmB - hostB
#                 core (br0) <-- capture
#   hostC - gmC =/
#
# Every pair of hosts talks through group ESP, ping and TCP, with one SA
# shared by all three gateways. On the WAN their traffic is ESP only, whose
# outer header carries the hosts' own addresses (address preservation), and
# Wireshark's ESP code decrypts it to the same inner packets.

source "$(dirname "$0")/lib.sh"
require_cmd tcpdump tshark socat

gvpn_load
topo_setup
for s in $SITES; do
	gm_group "$s" || { log_test "configure gm$s" 1; exit $EXIT_STATUS; }
done

pcap=$TMPDIR_TEST/wan.pcap
head -c 300000 /dev/urandom >"$TMPDIR_TEST/payload"
capture_start "$pcap"
check_pings "$SITES" "$SITES"
# TCP: a 300 kB transfer arrives intact in each direction of one pair.
for pair in "A B" "B C" "C A"; do
	set -- $pair
	src=host$1 dst=host$2
	rm -f "$TMPDIR_TEST/out"
	ip netns exec "${!dst}" socat -u TCP-LISTEN:5001,reuseaddr \
		"OPEN:$TMPDIR_TEST/out,creat,trunc" &
	srv=$!
	wait_listen "${!dst}" 5001
	timeout 60 ip netns exec "${!src}" socat -u \
		"FILE:$TMPDIR_TEST/payload" "TCP:10.$(site_n "$2").0.2:5001"
	wait "$srv"
	check "TCP host$1 -> host$2 delivers the data intact" \
		cmp -s "$TMPDIR_TEST/payload" "$TMPDIR_TEST/out"
done
capture_stop

check_preserved "$pcap" 101

# Wireshark decrypts our ESP; the inner header repeats the outer addresses.
inner=$(tshark_esp "$pcap" "AES-GCM with 16 octet ICV [RFC4106]" "$GROUP_KEY" \
	NULL "" "ip.src ip.dst" "esp && icmp")
check "Wireshark decrypts the ICMP inside" test -n "$inner"
check "inner addresses equal the outer ones" awk '
	{ split($1, s, ","); split($2, d, ",") }
	s[1] != s[2] || d[1] != d[2] { bad = 1 }
	END { exit bad }' <<<"$inner"

exit $EXIT_STATUS
