#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
#   hostA - gmA =\                /= gmB - hostB
#                 core (br0) <-- capture, push_send.py (attacker)
#   hostC - gmC =/      |
#                      ks1 192.168.0.10
#
# Adversarial pushes (RFC 6407 4, GM-18, RK-17): after two genuine TEK
# rekeys, an attacker on the WAN sends gmA, from ks1's address and port,
# pushes that must each be refused, counted (gvpn gm show) and logged
# with a Cisco name, with nothing installed (gvpn.ko's SAs, the sequence
# number and the KEK as they were):
#   - the older push again (replay, lower seq: GDOI_REKEY_SEQ_FAILURE)
#   - the last push again (the same seq): what a key server's retransmission
#     looks like, so it is not refused but dropped as a duplicate (counted,
#     acknowledged again, nothing installed)
#   - the last push a cipher block short (its length field matching)
#   - the last push with one bit of its ciphertext flipped
#   - the last push under cookies naming a KEK gmA does not have (another
#     group's, or none)
#   - a push that decrypts and decodes, with the next seq, signed with
#     another RSA key: push_forge (daemon/tests) rebuilds the captured push
#     with the KEK key gmA got at registration (read from gmA's own
#     plaintext pcap by push_kek.py) and the wrong key
# and, the control that the forgery is sound but for its signature, the
# same push signed with ks1's key is accepted. Also a datagram shorter
# than its ISAKMP header says changes nothing.
# (A push with a stale pseudotime needs TBAR and a key server that lies
# about time: the GM unit tests cover it.)

source "$(dirname "$0")/lib.sh"
gdoi_require
require_cmd jq openssl

FORGE=$GVPN_TOP/build/daemon/tests/push_forge
A=192.168.0.1

push_start rekey='retransmit-period = 1; retransmissions = 1;' ||
	{ log_test "key server and three members up" 1; exit $EXIT_STATUS; }

pcap=$TMPDIR_TEST/wan.pcap
capture_start "$pcap"
ks_rekey
s1=$(ks_seq)
check "first rekey (seq $s1) acknowledged by all" busywait 10000 members_acked "$s1"
ks_rekey
s2=$(ks_seq)
check "second rekey (seq $s2) acknowledged by all" busywait 10000 members_acked "$s2"
capture_stop

push_send_start "$gmA"
# the baseline once the older SAs left after their deactivation time
check "gmA holds only the newest SA after DTD" \
	waitfor $((3 * PUSH_ATD + 5)) '[ "$(sa_count "$gmA")" -eq 1 ]'
sas=$(sa_list "$gmA")
kek=$(gm_kek_spi gmA)
unchanged() {
	same_sas "$gmA" "$sas" && [ "$(gm_seq gmA)" = "$s2" ] &&
		[ "$(gm_kek_spi gmA)" = "$kek" ]
}

# refused DESC N MODE: push_send the N-th push to gmA changed by MODE;
# gmA refuses it, counts it and installs nothing
refused() {
	local desc=$1 rej
	rej=$(gm_counter gmA rejected)
	check "$desc: sent to gmA" \
		test "$(push_send "$pcap" 192.168.0.10 $A "$2" "$3")" = 1
	check "$desc: refused and counted" \
		waitfor 5 '[ "$(gm_counter gmA rejected)" -gt "${rej:-0}" ]'
	check "$desc: nothing installed" unchanged
}

refused "replay of the older push (seq $s1)" 1 replay
check "GDOI_REKEY_SEQ_FAILURE logged" gvpnd_log_has gmA GDOI_REKEY_SEQ_FAILURE
dup=$(gm_counter gmA duplicates)
check "replay of the last push (seq $s2): sent to gmA" \
	test "$(push_send "$pcap" 192.168.0.10 $A -1 replay)" = 1
check "replay of the last push: dropped as a duplicate and counted" \
	waitfor 5 '[ "$(gm_counter gmA duplicates)" -gt "${dup:-0}" ]'
check "replay of the last push: nothing installed" unchanged
refused "last push a block short" -1 trunc:16
refused "last push with a ciphertext bit flipped" -1 flip:-40
refused "last push with another KEK's cookies" -1 cookies
check "GDOI_REKEY_FAILURE logged" gvpnd_log_has gmA GDOI_REKEY_FAILURE

check "a datagram shorter than its ISAKMP length: sent" \
	test "$(push_send "$pcap" 192.168.0.10 $A -1 cut:5)" = 1
sleep 1
check "a datagram shorter than its ISAKMP length: nothing installed" unchanged

# a push signed with another RSA key: the key made at install time (RSA
# key generation takes long under TCG), else now
other=$GVPN_TOP/build/kselftest/gdoi-other.pem
if [ ! -s "$other" ]; then
	other=$TMPDIR_TEST/other.pem
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
		-out "$other" 2>/dev/null
fi
check "push_forge is built" test -x "$FORGE"
read -r spi key <<<"$(/usr/bin/python3 "$GVPN_TOP/selftests/gvpn/push_kek.py" \
	"$TMPDIR_TEST/gmA.pcap")"
check "gmA's pcap holds the KEK gmA uses (push_kek.py)" test "${spi:-x}" = "$kek"
last=$TMPDIR_TEST/last.push
push_send "$pcap" 192.168.0.10 $A -1 "dump:$last" >/dev/null
out=$("$FORGE" "$key" "$TMPDIR_TEST/rekey.pem" <"$last")
check "push_forge opens the captured push (seq $s2, SA and KD)" \
	out_has "^seq $s2 sa 1 "
"$FORGE" "$key" "$TMPDIR_TEST/rekey.pem" "$other" $((s2 + 1)) <"$last" \
	>"$TMPDIR_TEST/forged.push"
check "push_forge signs seq $((s2 + 1)) with another key" test -s "$TMPDIR_TEST/forged.push"
refused "push with the next seq signed with another RSA key" 1 \
	"file:$TMPDIR_TEST/forged.push"

# the control: the same forgery signed with ks1's key is a valid push
"$FORGE" "$key" "$TMPDIR_TEST/rekey.pem" "$TMPDIR_TEST/rekey.pem" $((s2 + 1)) \
	<"$last" >"$TMPDIR_TEST/good.push"
check "the same push signed with ks1's key: sent" test "$(push_send "$pcap" \
	192.168.0.10 $A 1 "file:$TMPDIR_TEST/good.push")" = 1
check "the same push signed with ks1's key: accepted (seq $((s2 + 1)))" \
	waitfor 5 '[ "$(gm_seq gmA)" = $((s2 + 1)) ]'

check "gmB and gmC saw none of it (seq $s2)" test \
	"$(gm_seq gmB) $(gm_seq gmC)" = "$s2 $s2"
check "hostA -> hostB through the group after it all" ping_ok "$hostA" 10.2.0.2
check "no log holds the KEK key" bash -c \
	"! grep -qsi -- '${key:-none}' $TMPDIR_TEST/*.log"

echo "# $SECONDS s"
exit $EXIT_STATUS
