#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
#   hostA - gmA =\                /= gmB - hostB
#                 core (br0) <-- capture, push_send.py (attacker)
#   hostC - gmC =/      |
#                      ks1 192.168.0.10
#
# KEK rekey (RFC 6407 4, RK-03, RK-11, GM-18): "gvpn ks rekey group ID
# kek" pushes, under the old KEK, a new KEK (new SPI, the push's cookies
# from then on). Every member moves to it (gvpn gm show), acknowledges,
# and the next TEK rekey, under the new KEK, starts again at sequence
# number 1 and is accepted. A TEK rekey captured before, encrypted with
# the old KEK, sent again afterwards is refused and counted, nothing
# installed; a late copy of the KEK rekey itself changes nothing either.

source "$(dirname "$0")/lib.sh"
gdoi_require
require_cmd jq

push_start || { log_test "key server and three members up" 1; exit $EXIT_STATUS; }

kek0=$(ks_kek_spi)
same_kek() {
	local s
	for s in $SITES; do
		[ "$(gm_kek_spi "gm$s")" = "$1" ] || return 1
	done
}
check "every member holds ks1's KEK ($kek0)" same_kek "$kek0"

# a TEK rekey under the first KEK: the attacker records it
old=$TMPDIR_TEST/old.pcap
capture_start "$old"
ks_rekey
seq=$(ks_seq)
check "TEK rekey under the first KEK accepted (seq $seq)" \
	busywait 10000 all_gms_seq "$seq"
check "and acknowledged" busywait 10000 members_acked "$seq"
capture_stop

# the KEK rekey
kekp=$TMPDIR_TEST/kek.pcap
capture_start "$kekp"
check "gvpn ks rekey group $GDOI_GROUP kek" ks_rekey kek
kek1=$(ks_kek_spi)
check "ks1 has a new KEK SPI" test -n "$kek1" -a "$kek1" != "$kek0" -a \
	"$kek1" != null
check "every member moved to the new KEK" busywait 10000 same_kek "$kek1" ||
	gm_jq gmA . | sed 's/^/# /'
# it went out with the old KEK's next sequence number (ks show's seq is
# the new KEK's from then on)
check "the KEK rekey (seq $((seq + 1))) was acknowledged by every member" \
	busywait 10000 members_acked $((seq + 1))
capture_stop
for s in $SITES; do
	check "gm$s: the KEK rekey went out under the old KEK's cookies" \
		test "$(tcpdump -nn -r "$kekp" -x \
			"udp and src host 192.168.0.10 and dst host 192.168.0.$(site_n "$s") and udp[8:4] = 0x${kek0:0:8} and udp[12:4] = 0x${kek0:8:8}" \
			2>/dev/null | grep -c '^[0-9]')" -ge 1
done

# the first TEK rekey under the new KEK: seq 1 again
before=$(ks_tek_spis)
check "TEK rekey under the new KEK" ks_rekey
new=$(new_tek "$before")
check "ks1 restarted the sequence at 1" test "$(ks_seq)" = 1
check "every member accepted seq 1" busywait 10000 all_gms_seq 1
check "every member installed the new TEK" busywait 10000 all_gms_have_tek "$new"
check "every member acknowledged seq 1" busywait 10000 members_acked 1

# the baseline once the TEK it replaced left after the deactivation
# time (2 x ATD): from then on gmA's SAs change only if a push is taken
check "gmA holds only the new TEK after the deactivation time" \
	waitfor $((3 * PUSH_ATD + 5)) '[ "$(sa_count "$gmA")" -eq 1 ]'
sas=$(sa_list "$gmA")

# the attacker sends gmA the old pushes again
push_send_start "$gmA"
rej=$(gm_counter gmA rejected)
check "the TEK rekey of the old KEK sent to gmA again" \
	test "$(push_send "$old" 192.168.0.10 192.168.0.1 1 replay)" = 1
check "gmA refused it and counted it" \
	waitfor 5 '[ "$(gm_counter gmA rejected)" -gt "$rej" ]'
# RK-11: a member keeps the old KEK only to know such copies and drop
# them (a multicast retransmission looks the same)
check "a late copy of the KEK rekey sent to gmA" \
	test "$(push_send "$kekp" 192.168.0.10 192.168.0.1 1 replay)" = 1
sleep 1
check "gmA still holds the new KEK" test "$(gm_kek_spi gmA)" = "$kek1"
check "gmA's sequence number is still 1" test "$(gm_seq gmA)" = 1
check "gmA's SAs are unchanged" same_sas "$gmA" "$sas"
check "gmA logged the refusal with a Cisco name" gvpnd_log_has gmA \
	'GDOI_REKEY_FAILURE|GDOI_REKEY_SEQ_FAILURE'

check "hostA -> hostB through the group after it all" ping_ok "$hostA" 10.2.0.2
check "hostC -> hostA through the group after it all" ping_ok "$hostC" 10.1.0.2
check "no member registered again" test "$(cat "$TMPDIR_TEST"/gm[ABC].log |
	grep -c GM_REGS_COMPL)" -eq 3

exit $EXIT_STATUS
