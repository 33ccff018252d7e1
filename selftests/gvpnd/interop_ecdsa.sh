#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# gvpnd and strongSwan's charon establish Phase 1 with ECDSA signatures
# (RFC 4754: method 9 with P-256 keys, method 10 with P-384 keys; the
# signature is r | s of the curve's size) over X.509 certificates issued
# by interop_rsa.sh's RSA CA (strongSwan's pki), in both directions, main
# and aggressive mode; identities are the certificates' DNs. Each side
# verifies the other's chain and signature; pass as in interop_rsa.sh,
# including identical encryption keys. With a proposal hash other than the
# method's (SHA-1 with ECDSA-256, SHA-256 with ECDSA-384), HASH_I and
# HASH_R still use the method's SHA-2, keyed with SKEYID, as charon does.
#
#   ks 10.99.0.1 --------- 10.99.0.2 gm
#   charon :500 (resp.)    gvpnd :848 (init.)
#   gvpnd  :848 (resp.)    charon :500 (init.)

source "$(dirname "$0")/lib.sh"

topo || exit 1
pki_init || exit 1
charon_start "$ks" cks || exit 1
charon_start "$gm" cgm || exit 1

# $T/pki-ecSIZE: the RSA CA, ks and gm with ECDSA keys of SIZE bits
RSA_PKI=$PKI
for size in 256 384; do
	d=$T/pki-ec$size
	mkdir -p "$d"
	cp "$RSA_PKI/ca.pem" "$RSA_PKI/ca.key" "$d/"
	(
	cd "$d" || exit 1
	umask 077
	for n in ks gm; do
		pki --gen --type ecdsa --size "$size" --outform pem >"$n.key" ||
			exit 1
	done
	issue ca ks ks "$KS_IP" --lifetime 30 &&
	issue ca gm gm "$GM_IP" --lifetime 30
	) >"$T/pki-ec$size.out" 2>&1 || { cat "$T/pki-ec$size.out"; exit 1; }
	chmod 644 "$d"/*.pem
done

# case SIZE MODE ENC HASH GROUP
case_() {
	local size=$1 mode=$2 prop=$3-$4-$5 aggr=no m
	m="$mode ecdsa-$size"
	[ "$mode" = aggressive ] && aggr=yes
	PKI=$T/pki-ec$size

	charon_reset cks
	charon_swanctl cks local=$KS_IP remote=$GM_IP proposal=$prop \
		aggressive=$aggr auth=pubkey cert=ks
	rm -f "$T/i.keys"
	gvpnd_conf "$T/i.conf" role=initiator port=$CHARON_PORT enc=$3 \
		hash=$4 group=$5 mode=$mode auth=ecdsa cert=gm \
		rid="dn:$KS_DN" keylog="$T/i.keys"
	gvpnd_start "$gm" gi "$T/i.conf"
	check "$m $prop: gvpnd initiator established" \
		log_has gi "Phase 1 established: $mode mode initiator with $KS_IP:500 .*id dn:$KS_DN\), .*/ecdsa-$size"
	check "$m $prop: charon responder established, verified our signature" \
		charon_established cks
	check "$m $prop: same keys (gvpnd initiator)" \
		same_key "$T/i.keys" cks
	gvpnd_stop gi

	charon_reset cgm
	charon_swanctl cgm local=$GM_IP remote=$KS_IP proposal=$prop \
		aggressive=$aggr auth=pubkey cert=gm
	rm -f "$T/r.keys"
	gvpnd_conf "$T/r.conf" role=responder enc=$3 hash=$4 group=$5 \
		mode=$mode auth=ecdsa cert=ks keylog="$T/r.keys"
	gvpnd_start "$ks" gr "$T/r.conf"
	charon_initiate cgm
	check "$m $prop: gvpnd responder established" \
		log_has gr "Phase 1 established: $mode mode responder with $GM_IP:500 .*id dn:$GM_DN\), .*/ecdsa-$size"
	check "$m $prop: charon initiator established, verified our signature" \
		charon_established cgm
	check "$m $prop: same keys (gvpnd responder)" \
		same_key "$T/r.keys" cgm
	gvpnd_stop gr
	PKI=$RSA_PKI
}

case_ 256 main aes256 sha256 ecp256
case_ 384 main aes256 sha384 ecp384
case_ 256 main aes128 sha1 modp2048
case_ 256 aggressive aes256 sha256 ecp256
case_ 384 aggressive aes256 sha256 modp2048

exit $EXIT_STATUS
