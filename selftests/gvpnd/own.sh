#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Two gvpnd, one key server (responder) and one member (initiator),
# establish Phase 1 over real sockets: main and aggressive mode, with a
# pre-shared key and with certificates; both key logs hold the same key.
# "gvpn ike sa show" lists the SA on both sides with the key log's cookies.
# Then the member stops: its protected delete removes the key server's SA.
#
#   ks 10.99.0.1 (gvpnd responder) ---- 10.99.0.2 gm (gvpnd initiator)

source "$(dirname "$0")/lib.sh"

GVPN=${GVPN:-$GVPN_TOP/build/daemon/gvpn}
[ -x "$GVPN" ] || skip "$GVPN not built (make)"

topo || exit 1
pki_init || exit 1

same_keys() {
	local a b
	a=$(cut -d, -f2 "$T/i.keys")
	b=$(cut -d, -f2 "$T/r.keys")
	[ -n "$a" ] && [ "$a" = "$b" ] &&
	[ "$(cut -d, -f1 "$T/i.keys")" = "$(cut -d, -f1 "$T/r.keys")" ]
}

# gvpn ike sa show: one established SA each side, initiator and
# responder, with the key log's cookies; -j: the same SA in JSON
ike_sa_show() {
	local ck out
	ck=$(cut -d, -f1 "$T/i.keys")
	out=$("$GVPN" -S "$T/i.conf.sock" ike sa show) &&
	grep -qE "^phase1 $KS_IP:848 peer initiator-peer role initiator state established expires-in [0-9]+ cookies ${ck,,}:[0-9a-f]{16}$" <<<"$out" &&
	out=$("$GVPN" -S "$T/r.conf.sock" ike sa) &&
	grep -qE "^phase1 $GM_IP:848 peer responder-peer role responder state established expires-in [0-9]+ cookies ${ck,,}:" <<<"$out" &&
	"$GVPN" -S "$T/r.conf.sock" -j ike sa show | python3 -c '
import json, sys
sas = json.load(sys.stdin)
assert len(sas) == 1, sas
sa = sas[0]
assert sa["schema_version"] == 1 and sa["role"] == "responder", sa
assert sa["icookie"] == sys.argv[1].lower(), (sa, sys.argv[1])
assert isinstance(sa["expires_in_ms"], int) and 0 < sa["expires_in_ms"] <= 3600000, sa' "$ck" && return 0
	echo "# ike sa show: $out"
	return 1
}

case_() {
	local mode=$1 auth=$2 group=$3 lid=
	[ "$auth" = rsa ] || lid="fqdn:gm.test"
	rm -f "$T/i.keys" "$T/r.keys"
	gvpnd_conf "$T/r.conf" role=responder mode=$mode auth=$auth cert=ks \
		group=$group keylog="$T/r.keys"
	gvpnd_conf "$T/i.conf" role=initiator mode=$mode auth=$auth cert=gm \
		group=$group keylog="$T/i.keys" lid=$lid
	gvpnd_start "$ks" gr "$T/r.conf"
	gvpnd_start "$gm" gi "$T/i.conf"
	check "$mode $auth $group: member established" \
		log_has gi "Phase 1 established: $mode mode initiator with $KS_IP:848"
	check "$mode $auth $group: key server established" \
		log_has gr "Phase 1 established: $mode mode responder with $GM_IP:848"
	check "$mode $auth $group: same cookies and key" same_keys
	check "$mode $auth $group: gvpn ike sa show on both sides" ike_sa_show
	gvpnd_stop gi
	check "$mode $auth $group: the member's delete reached the key server" \
		log_has gr "peer $GM_IP:848 \(peer \"responder-peer\"\) deleted the Phase 1 SA"
	gvpnd_stop gr
}

case_ main psk ecp384
case_ main rsa modp3072
case_ aggressive psk ecp521
case_ aggressive rsa modp4096

exit $EXIT_STATUS
