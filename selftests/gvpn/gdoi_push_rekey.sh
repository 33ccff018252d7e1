#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
#   hostA - gmA =\                /= gmB - hostB
#                 core (br0) <-- capture
#   hostC - gmC =/      |
#                      ks1 192.168.0.10   push (unicast) --> gmA, gmB, gmC
#                                         <-- ACK
#
# Lossless push rekeys (GROUPKEY-PUSH, RFC 6407 4, unicast with RFC 8263
# ACKs): three members registered once, then five TEK rekeys in a row,
# forced with "gvpn ks rekey", while hostA pings hostB and hostC pings
# hostA 100 times a second each. After every rekey each member accepted
# the push (its sequence number), installed the new TEK (the same SPI on
# all three, in gm show and in gvpn.ko) and acknowledged it (gvpn ks
# members); the new SA takes over at the GAP's activation time with not
# one ping lost, the WAN shows every new SPI from every site, and after
# the deactivation time only the newest SA is left. No member registers
# again: the push replaced the registration.

source "$(dirname "$0")/lib.sh"
gdoi_require
require_cmd jq

REKEYS=5

push_start || { log_test "key server and three members up" 1; exit $EXIT_STATUS; }
check "ks1 lists three members" test "$(gctl ks1 ks members |
	grep -cE '192\.168\.0\.[123]\b')" -eq 3

pcap=$TMPDIR_TEST/wan.pcap
# the pushes, and one ESP packet in 16 (those whose sequence number ends
# in 4 zero bits): a few per SPI and site, little for tcpdump to read
capture_start "$pcap" 'udp port 848 or (esp and ip[27] & 15 = 0)'
traffic_start
sleep 1

ok=0 news=() seq=$(ks_seq) spis=$(ks_tek_spis)
for i in $(seq 1 $REKEYS); do
	t0=$(date +%s%3N)
	ks_rekey || { echo "# gvpn ks rekey failed"; ok=1; break; }
	show=$(ks_jq ks1 '.kek.seq, .sas[].spi')
	new=$(comm -13 <(sort <<<"$spis") <(tail -n +2 <<<"$show" | sort))
	if [ "$(head -n 1 <<<"$show")" != $((seq + 1)) ] ||
	   [ "$(wc -w <<<"$new")" -ne 1 ]; then
		echo "# rekey $i: seq $seq -> $(head -n 1 <<<"$show"), new TEKs '$new'"
		ok=1
		break
	fi
	seq=$((seq + 1)) spis=$(tail -n +2 <<<"$show")
	news+=("$new")
	# a member acknowledges a push once it has accepted and installed it
	busywait 10000 members_acked "$seq" || {
		echo "# rekey $i: not every member acknowledged seq $seq"; ok=1; break; }
	busywait 5000 all_kernels_have "$new" || {
		echo "# rekey $i: SPI $new is not in every gvpn.ko"; ok=1; break; }
	# past the activation time: every gateway encrypts with the new SA
	sleep_until $((t0 + (PUSH_ATD + 1) * 1000))
done
log_test "$REKEYS rekeys pushed, accepted, installed and acknowledged" $ok
if [ $ok -ne 0 ]; then
	for n in ks1 gmA gmB gmC; do
		gvpnd_log_dump $n
	done
fi
check "the pings still ran after the last activation" traffic_running
traffic_wait
capture_stop

check "not one ping was lost" traffic_lossless
for s in $SITES; do
	ns=gm$s
	check "gm$s: nothing dropped for an unknown SPI" test \
		"$(counter "${!ns}" drop_unknown_spi group show $GDOI_GROUP)" -eq 0
done

# every site encrypted with every new SA: the same SPI on all members
for s in $SITES; do
	spis=$(wan_spis "$pcap" "10\.$(site_n "$s")\.0\.2")
	miss=0
	for x in "${news[@]}"; do
		grep -qx "$x" <<<"$spis" || miss=1
	done
	check "host$s's ESP used each of the $REKEYS new SPIs" \
		test $miss -eq 0 -a ${#news[@]} -eq $REKEYS
done

# after the deactivation time only the newest SA is left, everywhere
last=${news[-1]:-none}
check "after DTD each member holds only the newest SA" \
	slowwait $((3 * PUSH_ATD + 5)) only_spi "$last"
only_spi "$last" || show_sas

check "ks1's seq is $seq" test "$(ks_seq)" = "$seq"
check "gvpn ks members: every member ACKed the last seq ($seq)" \
	members_acked "$seq"
check "gvpn gm show: every member's last seq is $seq" all_gms_seq "$seq"
for s in $SITES; do
	check "gvpn gm show: gm$s lists the newest TEK" gm_has_tek "gm$s" "$last"
done
check "gvpn ks members: every member active" test "$(gctl ks1 -j ks members |
	jq '[.[] | select(.state == "active")] | length')" -eq 3
for s in $SITES; do
	check "gm$s: GM_RECV_REKEY logged for each rekey" test \
		"$(grep -c 'GM_RECV_REKEY' "$TMPDIR_TEST/gm$s.log")" -ge $REKEYS
	check "gm$s registered once (the pushes replaced re-registration)" \
		test "$(grep -c 'GM_REGS_COMPL' "$TMPDIR_TEST/gm$s.log")" -eq 1
done
check "ks1 logged KS_SEND_UNICAST_REKEY" gvpnd_log_has ks1 KS_SEND_UNICAST_REKEY
check "no log holds the PSK" bash -c "! grep -qs -- '$GDOI_PSK' $TMPDIR_TEST/*.log"

exit $EXIT_STATUS
