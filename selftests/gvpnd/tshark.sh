#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Wireshark as an independent decoder of what gvpnd sends and receives.
# Two gvpnd negotiate main mode; each writes its pcap of decrypted
# messages, the initiator its ikev1_decryption_table key log, and tcpdump
# records the wire. tshark 4.0 (-d udp.port==848,isakmp) must decode the
# decrypted pcaps without [Malformed], for the GDOI DOI and the IPsec DOI,
# with pre-shared keys and with certificates; and with the IPsec-DOI
# compatibility option (tshark only derives IKEv1 keys for DOI 1) it must
# decrypt main mode messages 5 and 6 of the wire capture with our key log,
# finding the same identities and hashes as in our pcap.
#
#   ks 10.99.0.1 (gvpnd responder, tcpdump) ---- 10.99.0.2 gm (gvpnd init.)

source "$(dirname "$0")/lib.sh"

require_cmd tshark tcpdump
topo || exit 1
pki_init || exit 1

TS=(tshark -n -d udp.port==848,isakmp)

# fields FILE FIELD [TSHARK-ARGS...]: one line per frame
fields() {
	local f=$1 field=$2
	shift 2
	"${TS[@]}" -r "$f" "$@" -T fields -e "$field" 2>/dev/null
}

no_malformed() {
	local n
	n=$("${TS[@]}" -r "$1" -Y "_ws.malformed || _ws.expert.severity >= error" \
		2>/dev/null | wc -l)
	[ "$n" -eq 0 ] && [ "$("${TS[@]}" -r "$1" 2>/dev/null | wc -l)" -ge 6 ]
}

# run NAME DOI AUTH: a negotiation, captured
run() {
	local name=$1 doi=$2 auth=$3
	rm -f "$T/$name".*
	# (Debian's AppArmor profile lets tcpdump write *.pcap files only)
	ip netns exec "$ks" tcpdump -i veth0 -nn -U --immediate-mode -w "$T/$name.wire.pcap" \
		udp port 848 >/dev/null 2>"$T/$name.tcpdump" &
	local tcpdump=$!
	busywait 5000 grep -qs "listening on" "$T/$name.tcpdump"
	gvpnd_conf "$T/r.conf" role=responder doi=$doi auth=$auth cert=ks \
		group=ecp256 pcap="$T/$name.r.pcap"
	gvpnd_conf "$T/i.conf" role=initiator doi=$doi auth=$auth cert=gm \
		group=ecp256 pcap="$T/$name.i.pcap" keylog="$T/$name.keys"
	gvpnd_start "$ks" gr "$T/r.conf"
	gvpnd_start "$gm" gi "$T/i.conf"
	log_has gi "Phase 1 established"
	log_test "$name: negotiated" $?
	gvpnd_stop gi
	gvpnd_stop gr
	sleep 0.3
	kill "$tcpdump"
	wait "$tcpdump" 2>/dev/null
}

for auth in psk rsa; do
	for doi in gdoi ipsec; do
		n=$doi-$auth
		run "$n" $doi $auth
		check "$n: initiator's pcap decodes, no [Malformed]" \
			no_malformed "$T/$n.i.pcap"
		check "$n: responder's pcap decodes, no [Malformed]" \
			no_malformed "$T/$n.r.pcap"
		# messages 5 and 6 in clear in our pcaps: identities
		ids=$(fields "$T/$n.i.pcap" isakmp.id.type | grep -c .)
		[ "$ids" -eq 2 ]
		log_test "$n: pcap shows the identities of messages 5 and 6" $?
	done
done

# The wire, decrypted by tshark with our key log (IPsec DOI only)
for auth in psk rsa; do
	n=ipsec-$auth
	key=$(head -n 1 "$T/$n.keys")
	ids=$(fields "$T/$n.wire.pcap" isakmp.id.type | grep -c .)
	[ "$ids" -eq 0 ]
	log_test "$n: the wire alone hides messages 5 and 6" $?
	ids=$(fields "$T/$n.wire.pcap" isakmp.id.type \
		-o "uat:ikev1_decryption_table:$key" | grep -c .)
	[ "$ids" -eq 2 ]
	log_test "$n: tshark decrypts messages 5 and 6 with our key log" $?
	check "$n: decrypted wire has no [Malformed]" no_malformed "$T/$n.wire.pcap" \
		-o "uat:ikev1_decryption_table:$key"
	field=isakmp.hash
	[ "$auth" = rsa ] && field=isakmp.sig
	a=$(fields "$T/$n.wire.pcap" $field -o "uat:ikev1_decryption_table:$key" | grep .)
	b=$(fields "$T/$n.i.pcap" $field | grep .)
	[ -n "$a" ] && [ "$a" = "$b" ]
	log_test "$n: the decrypted ${field#isakmp.} payloads are those of our pcap" $?
done
[ "$(fields "$T/ipsec-rsa.i.pcap" isakmp.cert.encoding | grep -c .)" -eq 2 ]
log_test "ipsec-rsa: certificates in messages 5 and 6" $?
[ "$(fields "$T/ipsec-rsa.i.pcap" isakmp.certreq.type | grep -c .)" -ge 2 ]
log_test "ipsec-rsa: certificate requests in messages 3 and 4" $?

exit $EXIT_STATUS
