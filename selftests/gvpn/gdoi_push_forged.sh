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
#   - the last push gmA took again (the same seq): what a key server's
#     retransmission looks like, so it is not refused but dropped as a
#     duplicate (counted, acknowledged again, nothing installed)
#   - the last push a cipher block short (its length field matching)
#   - the last push with one bit of its ciphertext flipped
#   - the last push under cookies naming a KEK gmA does not have (another
#     group's, or none)
#   - a push that decrypts and decodes, with the next seq, signed with
#     another RSA key: push_forge (daemon/tests) rebuilds the captured push
#     with the KEK key gmA got at registration (read from gmA's own
#     plaintext pcap by push_kek.py) and the wrong key
#   - a push signed with ks1's own key, with the next seq, whose TEKs'
#     pseudotime is more than the TBAR window (10 s) behind ks1's clock
#     (PSEUDO_TIME_TOO_OLD, TB-12, GM-19)
# and, the control that the forgery is sound but for what is wrong with
# it, the captured push signed again with ks1's key, with the next seq and
# ks1's current pseudotime, is accepted. Also a datagram shorter than its ISAKMP
# header says changes nothing.

source "$(dirname "$0")/lib.sh"
gdoi_require
require_cmd jq openssl

FORGE=$GVPN_TOP/build/daemon/tests/push_forge
A=192.168.0.1

TBAR=10

push_start tbar=$TBAR rekey='retransmit-period = 1; retransmissions = 1;' ||
	{ log_test "key server and three members up" 1; exit $EXIT_STATUS; }

pcap=$TMPDIR_TEST/wan.pcap
capture_start "$pcap" udp port 848
ks_rekey
s1=$(ks_seq)
check "first rekey (seq $s1) acknowledged by all" busywait 10000 members_acked "$s1"
ks_rekey
s2=$(ks_seq)
check "second rekey (seq $s2) acknowledged by all" busywait 10000 members_acked "$s2"
capture_stop
push_send_start "$gmA"

# the tools: push_kek.py reads the KEK key from gmA's own pcap, push_forge
# opens the captured push with it and signs it again
check "push_forge is built" test -x "$FORGE"
read -r spi key <<<"$(/usr/bin/python3 "$GVPN_TOP/selftests/gvpn/push_kek.py" \
	"$TMPDIR_TEST/gmA.pcap")"
check "gmA's pcap holds the KEK gmA uses (push_kek.py)" \
	test "${spi:-x}" = "$(gm_kek_spi gmA)"
last=$TMPDIR_TEST/last.push
push_send "$pcap" 192.168.0.10 $A -1 "dump:$last" >/dev/null
out=$("$FORGE" "$key" "$TMPDIR_TEST/rekey.pem" <"$last")
check "push_forge opens the captured push (seq $s2, SA and KD, pseudotime)" \
	out_has "^seq $s2 sa 1 ack 1 pst [0-9]+$"
# forge SEQ KEY OUT [AGE_MS]: the captured push with SEQ, signed with KEY,
# its pseudotime ks1's now (less AGE_MS)
forge() {
	local pst
	pst=$(ks_jq ks1 .pseudotime_ms) || return 1
	"$FORGE" -p $((pst - ${4:-0})) "$key" "$TMPDIR_TEST/rekey.pem" "$2" "$1" \
		<"$last" >"$3" && test -s "$3"
}

# the control: the captured push signed again with ks1's key, the next
# seq and ks1's pseudotime is a valid push
s3=$((s2 + 1))
check "push_forge signs seq $s3 with ks1's key" \
	forge $s3 "$TMPDIR_TEST/rekey.pem" "$TMPDIR_TEST/good.push"
check "the control push (seq $s3, ks1's key): sent" test "$(push_send "$pcap" \
	192.168.0.10 $A 1 "file:$TMPDIR_TEST/good.push")" = 1
check "the control push: accepted" waitfor 5 '[ "$(gm_seq gmA)" = $s3 ]' ||
	grep -E 'GDOI|PSEUDO' "$TMPDIR_TEST/gmA.log" | tail -n 3 | sed 's/^/# /'

# the baseline once the older SAs left after their deactivation time
check "gmA holds only the newest SA after DTD" \
	waitfor $((3 * PUSH_ATD + 5)) '[ "$(sa_count "$gmA")" -eq 1 ]'
sas=$(sa_list "$gmA")
kek=$(gm_kek_spi gmA)
unchanged() {
	same_sas "$gmA" "$sas" &&
		[ "$(gm_jq gmA '"\(.seq) \(.kek_spi)"')" = "$s3 $kek" ]
}

# refused DESC N MODE [PCAP]: push_send the N-th push to gmA of PCAP (the
# capture) changed by MODE; gmA refuses it, counts it, installs nothing
refused() {
	local desc=$1 rej
	rej=$(gm_counter gmA rejected)
	check "$desc: sent to gmA" \
		test "$(push_send "${4:-$pcap}" 192.168.0.10 $A "$2" "$3")" = 1
	check "$desc: refused and counted" \
		waitfor 5 '[ "$(gm_counter gmA rejected)" -gt "${rej:-0}" ]'
	check "$desc: nothing installed" unchanged
}

refused "replay of the older push (seq $s1)" 1 replay
check "GDOI_REKEY_SEQ_FAILURE logged" gvpnd_log_has gmA GDOI_REKEY_SEQ_FAILURE
refused "replay of the last push (seq $s2)" -1 replay
dup=$(gm_counter gmA duplicates) acks=$(gm_counter gmA acks_sent)
rej=$(gm_counter gmA rejected)
check "the control push again (seq $s3): sent to gmA" test "$(push_send \
	"$pcap" 192.168.0.10 $A 1 "file:$TMPDIR_TEST/good.push")" = 1
check "the control push again: dropped as a duplicate and counted" \
	waitfor 5 '[ "$(gm_counter gmA duplicates)" -gt "${dup:-0}" ]'
check "the control push again: acknowledged again (RFC 8263: a lost ACK)" \
	test "$(gm_counter gmA acks_sent)" -gt "${acks:-0}"
check "the control push again: not counted as refused" \
	test "$(gm_counter gmA rejected)" = "$rej"
check "the control push again: nothing installed" unchanged
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
check "push_forge signs seq $((s3 + 1)) with another key" \
	forge $((s3 + 1)) "$other" "$TMPDIR_TEST/forged.push"
refused "push with the next seq signed with another RSA key" 1 \
	"file:$TMPDIR_TEST/forged.push"

# a stale pseudotime: signed by ks1, the next seq, but TBAR + 5 s old
check "push_forge signs seq $((s3 + 1)) with ks1's key, a stale pseudotime" \
	forge $((s3 + 1)) "$TMPDIR_TEST/rekey.pem" "$TMPDIR_TEST/stale.push" \
	$(((TBAR + 5) * 1000))
pst=$(gm_jq gmA .counters.rejected_by.pseudo_time_too_old)
refused "push with a stale pseudotime" 1 "file:$TMPDIR_TEST/stale.push"
check "counted as pseudo_time_too_old" \
	test "$(gm_jq gmA .counters.rejected_by.pseudo_time_too_old)" -gt "${pst:-0}"
check "PSEUDO_TIME_TOO_OLD logged" gvpnd_log_has gmA PSEUDO_TIME_TOO_OLD

check "gmB and gmC saw none of it (seq $s2)" test \
	"$(gm_seq gmB) $(gm_seq gmC)" = "$s2 $s2"
check "hostA -> hostB through the group after it all" ping_ok "$hostA" 10.2.0.2
check "no log holds the KEK key" bash -c \
	"! grep -qsi -- '${key:-none}' $TMPDIR_TEST/*.log"

exit $EXIT_STATUS
