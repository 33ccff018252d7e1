#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
#   gmA 192.168.0.1 ---- core (br0) ---- ks1 192.168.0.10
#   (wireshark pcap)                     (wireshark pcap)
#
# A push rekey as Wireshark sees it: gvpnd's `wireshark { pcap }` file
# holds the push before encryption (key server) and after decryption
# (member), and the member's RFC 8263 ACK. tshark, an independent decoder,
# reads both files with no [Malformed] and no error, and finds the push
# (exchange 33) with SEQ, SA, KD and SIG last, and the ACK (exchange 35).
# The files hold keys: this test never prints a decode.

source "$(dirname "$0")/lib.sh"
gdoi_require
require_cmd jq tshark

push_start sites=A || { log_test "key server and gmA up" 1; exit $EXIT_STATUS; }
ks_rekey
seq=$(ks_seq)
check "gmA accepted the push (seq $seq)" busywait 10000 all_gms_seq "$seq" A
check "and acknowledged it" busywait 10000 members_acked "$seq" A
gvpnd_stop gmA
gvpnd_stop ks1

F=(isakmp.exchangetype _ws.malformed _ws.expert.severity isakmp.typepayload
   isakmp.seq.seq)
for side in ks1 gmA; do
	f=$TMPDIR_TEST/$side.pcap
	pcap_fields "$f" "${F[@]}"
	check "$side: tshark finds no [Malformed] and no error" \
		test "$(pcap_problems "$f.fields")" -eq 0
	p=$(awk -F'|' '$1 == 33 { print $4 }' "$f.fields" | tr -d ' ')
	check "$side: a push (exchange 33) in the pcap" grep -q . <<<"$p"
	check "$side: the push is SEQ first, SA and KD, SIG last" \
		grep -qE '^18,1,.*17,9$' <<<"$p" || sed 's/^/# /' <<<"$p"
	check "$side: its SEQ is $seq" grep -qx "$seq" <<<"$(awk -F'|' \
		'$1 == 33 { print $5 }' "$f.fields" | tr -d ' ')"
	check "$side: the ACK (exchange 35) in the pcap" \
		test "$(awk -F'|' '$1 == 35' "$f.fields" | wc -l)" -ge 1
done

exit $EXIT_STATUS
