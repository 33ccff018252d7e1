#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
#   hostA - gmA =\                /= gmB - hostB
#                 core (br0) ----+
#   hostC - gmC =/      |
#                      ks1 192.168.0.10   netem: 30 % loss both ways
#
# Rekeys over a lossy path (RK-10): ks1's WAN loses 30 % of the packets in
# each direction, pushes and ACKs alike. ks1 retransmits each unicast push
# up to 8 times, 1 s apart, until the member acknowledges; the GAP's
# activation time (10 s) is longer than the retransmissions take, so a
# member that only got a late copy has the new SA before anybody encrypts
# with it. Three rekeys while the sites ping each other 100 times a
# second: every member gets every TEK, no ping is lost, nobody is ejected
# or registers again, and ks1 did retransmit.
# (A member misses a push only if all 9 copies are lost: 0.3^9, 2e-5; with
# 6 copies and a 6 s activation time a slow TCG guest on 6.12 lost a
# member's push window once in two runs.)

source "$(dirname "$0")/lib.sh"
gdoi_require
require_cmd jq tc

REKEYS=3
ATD=10

push_start atd=$ATD rekey='retransmit-period = 1; retransmissions = 8;' ||
	{ log_test "key server and three members up" 1; exit $EXIT_STATUS; }
modprobe -q sch_netem
tc -n "$ks1" qdisc add dev wan root netem loss 30% &&
	tc -n "$core" qdisc add dev pks1 root netem loss 30%
log_test "30 % loss both ways on ks1's WAN (netem)" $?

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
	busywait 15000 all_gms_seq "$seq" &&
		busywait 5000 all_kernels_have "$new" || {
		echo "# rekey $i (seq $seq, SPI $new) did not reach every member"
		ok=1
		break
	}
	sleep_until $((t0 + (ATD + 1) * 1000))
done
log_test "$REKEYS rekeys reached every member through the loss" $ok
check "the pings still ran after the last activation" traffic_running
traffic_wait
check "no member lost connectivity: not one ping lost" traffic_lossless
check "ks1 retransmitted" test "$(ks_counter ks1 retransmitted)" -ge 1
check "no member was ejected" test "$(gctl ks1 -j ks members |
	jq '[.[] | select(.state == "active")] | length')" -eq 3
check "no member registered again" test "$(cat "$TMPDIR_TEST"/gm[ABC].log |
	grep -c GM_REGS_COMPL)" -eq 3
# Each member retires the old SA its deactivation time after the push
# reached it; a member that only got a late retransmission retires it up
# to 8 s after the others.
gms_agree() {
	same_sas "$gmB" "$(sa_list "$gmA")" >/dev/null &&
		same_sas "$gmC" "$(sa_list "$gmA")" >/dev/null
}
busywait 20000 gms_agree
check "the members hold the same SAs" same_sas "$gmB" "$(sa_list "$gmA")"
check "gmC holds them too" same_sas "$gmC" "$(sa_list "$gmA")"

exit $EXIT_STATUS
