#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# gvpnd and strongSwan's charon establish Phase 1 with RSA signatures and
# X.509 certificates (one CA made here with strongSwan's pki; identities
# are the certificates' DNs), in both directions: main mode for MODP-2048
# and ECP-256 with AES-256/SHA-256 and for 3DES/SHA-1/MODP-1024, and
# aggressive mode. Each side verifies the other's chain and signature;
# pass as in interop_psk.sh, including identical encryption keys. In
# aggressive mode, as in interop_psk.sh, gvpnd initiates with message 3
# encrypted and in the clear (aggressive-msg3), and a protected DELETE
# each way must verify after establishment (the same IV base).
#
#   ks 10.99.0.1 --------- 10.99.0.2 gm
#   charon :500 (resp.)    gvpnd :848 (init.)
#   gvpnd  :848 (resp.)    charon :500 (init.)

source "$(dirname "$0")/lib.sh"

topo || exit 1
pki_init || exit 1
charon_start "$ks" cks || exit 1
charon_start "$gm" cgm || exit 1

# case MODE ENC HASH GROUP [MSG3]
case_() {
	local mode=$1 enc=$2 hash=$3 group=$4 prop=$2-$3-$4 legacy=false aggr=no
	local msg3=${5:-} m=$1
	[ "$enc" = 3des ] && legacy=true
	[ "$mode" = aggressive ] && aggr=yes
	[ -n "$msg3" ] && m="$mode (message 3 $msg3)"

	charon_reset cks
	charon_swanctl cks local=$KS_IP remote=$GM_IP proposal=$prop \
		aggressive=$aggr auth=pubkey cert=ks
	rm -f "$T/i.keys"
	gvpnd_conf "$T/i.conf" role=initiator port=$CHARON_PORT enc=$enc \
		hash=$hash group=$group legacy=$legacy mode=$mode auth=rsa \
		cert=gm rid="dn:$KS_DN" keylog="$T/i.keys" msg3=$msg3
	gvpnd_start "$gm" gi "$T/i.conf"
	check "$m $prop: gvpnd initiator established" \
		log_has gi "Phase 1 established: $mode mode initiator with $KS_IP:500 .*id dn:$KS_DN\), .*/rsa-sig"
	check "$m $prop: charon responder established, verified our certificate" \
		charon_established cks
	check "$m $prop: same keys (gvpnd initiator)" \
		same_key "$T/i.keys" cks
	if [ "$mode" = aggressive ]; then
		swanctl cks --terminate --ike t --timeout 2 >/dev/null 2>&1
		check "$m $prop: charon's protected DELETE verifies at gvpnd" \
			log_has gi "peer $KS_IP:500 \(peer \"initiator-peer\"\) deleted the Phase 1 SA"
	fi
	gvpnd_stop gi

	charon_reset cgm
	charon_swanctl cgm local=$GM_IP remote=$KS_IP proposal=$prop \
		aggressive=$aggr auth=pubkey cert=gm
	rm -f "$T/r.keys"
	gvpnd_conf "$T/r.conf" role=responder enc=$enc hash=$hash \
		group=$group legacy=$legacy mode=$mode auth=rsa cert=ks \
		keylog="$T/r.keys"
	gvpnd_start "$ks" gr "$T/r.conf"
	charon_initiate cgm
	check "$mode $prop: gvpnd responder established" \
		log_has gr "Phase 1 established: $mode mode responder with $GM_IP:500 .*id dn:$GM_DN\), .*/rsa-sig"
	check "$mode $prop: charon initiator established, verified our certificate" \
		charon_established cgm
	check "$mode $prop: same keys (gvpnd responder)" \
		same_key "$T/r.keys" cgm
	if [ "$mode" = aggressive ]; then
		echo "# charon's aggressive mode message 3:" \
			"$(grep -oE 'aggressive mode message 3 from [^ ]+ (encrypted|in the clear)' \
			   "$T/gr.log" | sed 's/.*: //')"
		check "$mode $prop: charon's message 3 logged" \
			log_has gr "aggressive mode message 3 from $GM_IP:500: (encrypted|in the clear)"
	fi
	gvpnd_stop gr
	if [ "$mode" = aggressive ]; then
		check "$mode $prop: gvpnd's protected DELETE verifies at charon" \
			slowwait 5 grep -qE 'received DELETE for IKE_SA t\[[0-9]+\]' \
			"$T/cgm/charon.log"
	fi
}

case_ main aes256 sha256 modp2048
case_ main aes256 sha256 ecp256
case_ main 3des sha1 modp1024
case_ aggressive aes256 sha256 ecp256 encrypted
case_ aggressive aes256 sha256 ecp256 clear

exit $EXIT_STATUS
