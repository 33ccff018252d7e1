#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
#   hostA - gmA =\                /= gmB - hostB
#                 core (br0) <-- capture (a plain L2 segment: the bridge
#   hostC - gmC =/      |          floods multicast, no snooping)
#                      ks1 192.168.0.10  push --> 239.1.1.1:848
#
# Multicast rekeys (RK-05): ks1 sends one copy of each push, and a
# retransmitted copy, to the group address 239.1.1.1 from its WAN
# address; members join the address on their WAN device by themselves
# (the SA KEK's destination is multicast), acknowledge nothing, and are
# never ejected. Two TEK rekeys while the sites ping each other 100 times
# a second: every member installs each new TEK, not one ping is lost,
# every site encrypts with each new SPI, the old SA is gone after DTD.

source "$(dirname "$0")/lib.sh"
gdoi_require
require_cmd jq

REKEYS=2
MG=239.1.1.1

push_start rekey="transport = \"multicast\"; multicast-group = \"$MG\";
		  retransmit-period = 1; retransmissions = 1;" ||
	{ log_test "key server and three members up" 1; exit $EXIT_STATUS; }
for s in $SITES; do
	ns=gm$s
	check "gm$s joined $MG on its WAN" busywait 5000 sh -c \
		"ip -n '${!ns}' maddr show dev wan | grep -qw '$MG'"
done

pcap=$TMPDIR_TEST/wan.pcap
# the pushes, and one ESP packet in 16 (those whose sequence number ends
# in 4 zero bits): a few per SPI and site, little for tcpdump to read
capture_start "$pcap" 'udp port 848 or (esp and ip[27] & 15 = 0)'
traffic_start
sleep 1
ok=0 news=()
for i in $(seq 1 $REKEYS); do
	before=$(ks_tek_spis)
	t0=$(date +%s%3N)
	ks_rekey || { ok=1; break; }
	seq=$(ks_seq)
	new=$(new_tek "$before")
	news+=("$new")
	busywait 10000 all_gms_seq "$seq" &&
		busywait 5000 all_kernels_have "$new" || {
		echo "# rekey $i (seq $seq, SPI $new) did not reach every member"
		ok=1
		break
	}
	sleep_until $((t0 + (PUSH_ATD + 1) * 1000))
done
log_test "$REKEYS multicast rekeys installed by every member" $ok
[ $ok -eq 0 ] || for n in ks1 gmA; do gvpnd_log_dump $n; done
check "the pings still ran after the last activation" traffic_running
traffic_wait
capture_stop

check "not one ping was lost" traffic_lossless
check "the pushes went to $MG (a copy and a retransmission each)" \
	test "$(wan_count "$pcap" "192\.168\.0\.10\.848 > ${MG//./\\.}\.848: ")" -ge $((2 * REKEYS))
check "no push went to a member's own address" test "$(wan_count "$pcap" \
	'192\.168\.0\.10\.848 > 192\.168\.0\.[0-9]+\.848: ')" -eq 0
check "no member acknowledged (no ACK requested)" test "$(wan_count "$pcap" \
	'192\.168\.0\.[0-9]+\.848 > 192\.168\.0\.10\.848: ')" -eq 0
for s in $SITES; do
	spis=$(wan_spis "$pcap" "10\.$(site_n "$s")\.0\.2")
	miss=0
	for x in "${news[@]}"; do
		grep -qx "$x" <<<"$spis" || miss=1
	done
	check "host$s's ESP used each new SPI" test $miss -eq 0 -a ${#news[@]} -eq $REKEYS
done
check "after DTD each member holds only the newest SA" \
	slowwait $((3 * PUSH_ATD + 5)) only_spi "${news[-1]:-none}"
only_spi "${news[-1]:-none}" || show_sas
check "ks1 logged KS_SEND_MCAST_REKEY" gvpnd_log_has ks1 KS_SEND_MCAST_REKEY
for s in $SITES; do
	check "gm$s: gvpn gm show says the rekeys came by multicast" \
		test "$(gm_jq "gm$s" .transport)" = multicast
done
check "no member was ejected" test "$(gctl ks1 -j ks members |
	jq '[.[] | select(.state == "ejected")] | length')" -eq 0
check "no member registered again" test "$(cat "$TMPDIR_TEST"/gm[ABC].log |
	grep -c GM_REGS_COMPL)" -eq 3

exit $EXIT_STATUS
