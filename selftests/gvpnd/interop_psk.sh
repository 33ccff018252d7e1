#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# gvpnd and strongSwan's charon (an independent IKEv1 implementation)
# establish Phase 1 with a pre-shared key in both directions, in main mode
# for MODP-2048 and ECP-256 with AES-256/SHA-256 and for the legacy
# 3DES/SHA-1/MODP-1024, and in aggressive mode. Pass means: charon logs
# the IKE SA established, gvpnd logs "Phase 1 established", and the
# encryption key charon derived (its log, level 4) is the one in gvpnd's
# ikev1_decryption_table key log. charon then starts Quick Mode (exchange
# 32, GROUPKEY-PULL's number), which gvpnd, no key server here, drops and logs.
#
# Aggressive mode message 3 (gvpnd's aggressive-msg3): gvpnd initiates once
# with it encrypted and once in the clear; each time charon must be
# established and its protected DELETE (swanctl --terminate) must decrypt
# and verify at gvpnd, which proves both ends took the same IV base for
# informational and Phase 2 messages (RFC 2409 appendix B). As responder,
# gvpnd logs the form charon sends, and its protected DELETE on shutdown
# must reach charon.
#
#   ks 10.99.0.1 --------- 10.99.0.2 gm
#   charon :500 (resp.)    gvpnd :848 (init.)
#   gvpnd  :848 (resp.)    charon :500 (init.)

source "$(dirname "$0")/lib.sh"

topo || exit 1
charon_start "$ks" cks || exit 1
charon_start "$gm" cgm || exit 1

# case MODE ENC HASH GROUP [MSG3]
case_() {
	local mode=$1 enc=$2 hash=$3 group=$4 prop=$2-$3-$4 legacy=false aggr=no
	local msg3=${5:-} m=$1
	[ "$enc" = 3des ] && legacy=true
	[ "$mode" = aggressive ] && aggr=yes
	[ -n "$msg3" ] && m="$mode (message 3 $msg3)"

	# gvpnd initiates to charon
	charon_reset cks
	charon_swanctl cks local=$KS_IP remote=$GM_IP proposal=$prop \
		aggressive=$aggr
	rm -f "$T/i.keys"
	gvpnd_conf "$T/i.conf" role=initiator port=$CHARON_PORT enc=$enc \
		hash=$hash group=$group legacy=$legacy mode=$mode \
		keylog="$T/i.keys" msg3=$msg3
	gvpnd_start "$gm" gi "$T/i.conf"
	check "$m $prop: gvpnd initiator established" \
		log_has gi "Phase 1 established: $mode mode initiator with $KS_IP:500"
	check "$m $prop: charon responder established" \
		charon_established cks
	check "$m $prop: same keys (gvpnd initiator)" \
		same_key "$T/i.keys" cks
	if [ "$mode" = aggressive ]; then
		swanctl cks --terminate --ike t --timeout 2 >/dev/null 2>&1
		check "$m $prop: charon's protected DELETE verifies at gvpnd" \
			log_has gi "peer $KS_IP:500 \(peer \"initiator-peer\"\) deleted the Phase 1 SA"
	fi
	gvpnd_stop gi

	# charon initiates to gvpnd
	charon_reset cgm
	charon_swanctl cgm local=$GM_IP remote=$KS_IP proposal=$prop \
		aggressive=$aggr
	rm -f "$T/r.keys"
	gvpnd_conf "$T/r.conf" role=responder enc=$enc hash=$hash \
		group=$group legacy=$legacy mode=$mode keylog="$T/r.keys"
	gvpnd_start "$ks" gr "$T/r.conf"
	charon_initiate cgm
	check "$mode $prop: gvpnd responder established" \
		log_has gr "Phase 1 established: $mode mode responder with $GM_IP:500"
	check "$mode $prop: charon initiator established" \
		charon_established cgm
	check "$mode $prop: same keys (gvpnd responder)" \
		same_key "$T/r.keys" cgm
	check "$mode $prop: Quick Mode refused, logged" \
		log_has gr "dropped GROUPKEY-PULL message from $GM_IP:500: no exchange with M-ID 0x[0-9a-f]{8} \(no key server role\)"
	if [ "$mode" = aggressive ]; then
		# which form charon sends (the gvpnd log says; either is accepted)
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
case_ aggressive aes128 sha1 modp2048

exit $EXIT_STATUS
