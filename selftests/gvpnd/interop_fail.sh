#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Phase 1 between gvpnd and strongSwan's charon fails cleanly, in both
# directions, for a wrong pre-shared key, an expired certificate, a
# certificate from a CA the other side does not trust, and proposals
# with nothing in common: no side establishes an SA, gvpnd logs why
# ("Phase 1 ... failed: REASON"), and charon logs its own reason.
#
#   ks 10.99.0.1 --------- 10.99.0.2 gm
#   charon :500 (resp.)    gvpnd :848 (init.)
#   gvpnd  :848 (resp.)    charon :500 (init.)

source "$(dirname "$0")/lib.sh"

topo || exit 1
pki_init || exit 1
charon_start "$ks" cks || exit 1
charon_start "$gm" cgm || exit 1

# show FILE PATTERN: the first line that matched, for the record
show() {
	grep -m1 -E "$2" "$T/$1" | sed 's/^/#   /'
}

not_established() {
	! grep -qE "$2" "$T/$1" 2>/dev/null
}

# init_case DESC CHARON-ARGS -- GVPND-ARGS: gvpnd initiates to charon;
# then WHY (ours) and THEIRS (charon's) must show
init_case() {
	local desc=$1 why=$2 theirs=$3
	shift 3
	local cargs=() gargs=()
	while [ "$1" != -- ]; do cargs+=("$1"); shift; done
	shift
	gargs=("$@")
	charon_reset cks
	charon_swanctl cks local=$KS_IP remote=$GM_IP "${cargs[@]}"
	gvpnd_conf "$T/i.conf" role=initiator port=$CHARON_PORT "${gargs[@]}"
	gvpnd_start "$gm" gi "$T/i.conf"
	check "$desc, gvpnd initiator: gvpnd fails, says why" \
		log_has gi "Phase 1 main mode initiator with $KS_IP:500 \(peer \"initiator-peer\"\) failed: .*$why" 10
	show gi.log "failed: .*$why"
	check "$desc, gvpnd initiator: charon fails, says why" \
		slowwait 5 grep -qE "$theirs" "$T/cks/charon.log"
	show cks/charon.log "$theirs"
	check "$desc, gvpnd initiator: nothing established" \
		not_established gi.log "Phase 1 established"
	check "$desc, gvpnd initiator: nothing established at charon" \
		not_established cks/charon.log "IKE_SA t\[[0-9]+\] established"
	gvpnd_stop gi
	keep "$desc-init" gi.log cks/charon.log
}

# keep DESC FILES...: a copy of the logs of a case (GVPND_TEST_KEEP)
keep() {
	local d=$T/cases/${1// /-} f
	shift
	mkdir -p "$d"
	for f in "$@"; do
		cp "$T/$f" "$d/"
	done
}

# resp_case DESC WHY THEIRS CHARON-ARGS -- GVPND-ARGS: charon initiates
resp_case() {
	local desc=$1 why=$2 theirs=$3
	shift 3
	local cargs=() gargs=()
	while [ "$1" != -- ]; do cargs+=("$1"); shift; done
	shift
	gargs=("$@")
	charon_reset cgm
	charon_swanctl cgm local=$GM_IP remote=$KS_IP "${cargs[@]}"
	gvpnd_conf "$T/r.conf" role=responder "${gargs[@]}"
	gvpnd_start "$ks" gr "$T/r.conf"
	charon_initiate cgm
	check "$desc, gvpnd responder: gvpnd fails, says why" \
		log_has gr "Phase 1 main mode responder with $GM_IP:500 \(peer \"responder-peer\"\) failed: .*$why" 10
	show gr.log "failed: .*$why"
	check "$desc, gvpnd responder: charon fails, says why" \
		slowwait 5 grep -qE "$theirs" "$T/cgm/charon.log"
	show cgm/charon.log "$theirs"
	check "$desc, gvpnd responder: nothing established" \
		not_established gr.log "Phase 1 established"
	check "$desc, gvpnd responder: nothing established at charon" \
		not_established cgm/charon.log "IKE_SA t\[[0-9]+\] established"
	gvpnd_stop gr
	keep "$desc-resp" gr.log cgm/charon.log
}

# the initiator's key is not the responder's: what does not decrypt is
# dropped, the negotiation ends when its retransmissions do (issue 13)
init_case "wrong PSK" \
	"does not decrypt with our keys \(wrong pre-shared key\?\)" \
	"decryption failed\?" \
	psk=another-key-for-the-test -- psk=$PSK
resp_case "wrong PSK" \
	"timed out waiting for message 5; message 5 does not decrypt with our keys \(wrong pre-shared key\?\)" \
	"N\(AUTH_FAILED\)" \
	psk=another-key-for-the-test -- psk=$PSK

# a certificate that expired in 2021
init_case "expired certificate" \
	"the peer refused: AUTHENTICATION-FAILED" \
	"subject certificate invalid \(valid from .* 2020 to .* 2021\)" \
	auth=pubkey cert=ks -- auth=rsa cert=gm-expired
resp_case "expired certificate" \
	"certificate .*CN=gm.test: certificate has expired" \
	"received INVALID_CERTIFICATE error notify" \
	auth=pubkey cert=gm-expired -- auth=rsa cert=ks

# a certificate from a CA the other side does not trust
init_case "untrusted CA" \
	"the peer refused: AUTHENTICATION-FAILED" \
	"no issuer certificate found for \"C=CH, O=gvpn test, CN=gm.test\"" \
	auth=pubkey cert=ks -- auth=rsa cert=gm-rogue
resp_case "untrusted CA" \
	"certificate .*CN=gm.test: unable to get local issuer certificate" \
	"received INVALID_CERTIFICATE error notify" \
	auth=pubkey cert=gm-rogue -- auth=rsa cert=ks

# proposals with nothing in common
init_case "proposal mismatch" \
	"the peer refused: NO-PROPOSAL-CHOSEN" \
	"no proposal found" \
	proposal=aes128-sha1-ecp256 -- enc=aes256 hash=sha256 group=modp2048
resp_case "proposal mismatch" \
	"none of the 1 offered transforms is acceptable: aes256-sha256-ecp384/psk" \
	"received NO_PROPOSAL_CHOSEN" \
	proposal=aes256-sha256-ecp384 -- enc=aes256 hash=sha256 group=modp2048

exit $EXIT_STATUS
