#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
#   hostA - gmA =\                /= gmB - hostB
#                 core (br0)
#   hostC - gmC =/      |
#                      ks1 192.168.0.10
#
# Sender IDs (RFC 6054, RFC 6407 5.5.2 and 5.6.3) end to end: a key server
# with an AES-GCM ipsec-sa and a KEK, three members. Each asks for a Sender
# ID at registration and gets one of its own: "gvpn -j ks members" lists
# three distinct SIDs, "gvpn -j gm show" and each gvpn.ko SA of the member
# ("gvpn -j sa show", sender_id) carry the SID the key server lists for
# it. After a TEK rekey pushed with "gvpn ks rekey group ID", every
# member installs the new SA with its SID, still three distinct ones, and
# hosts still talk through the group (the receivers accept every sender's
# SID || counter IVs).

source "$(dirname "$0")/lib.sh"
gdoi_require
require_cmd jq

push_start || { log_test "key server and three members up" 1; exit $EXIT_STATUS; }

# ks_sid ADDR: the SID ks1 lists for the member at ADDR
ks_sid() {
	gctl ks1 -j ks members group "$GDOI_GROUP" |
		jq -r ".[] | select(.address == \"$1\") | .sender_id"
}

# sa_sid NS SPI: the sender_id of NS's gvpn.ko SA SPI (decimal)
sa_sid() {
	$GVPN -n "$1" -j sa show |
		jq -r ".[] | select(.spi == $2) | .sender_id // \"none\""
}

# every member's SA SPI carries the SID ks1 lists for that member
sids_on_sas() {
	local s ns want got
	for s in $SITES; do
		ns=gm$s
		want=$(ks_sid "192.168.0.$(site_n "$s")")
		got=$(sa_sid "${!ns}" "$1")
		[ -n "$want" ] && [ "$want" != null ] && [ "$got" = "$want" ] ||
			{ echo "# gm$s SA $1: sender_id '$got', ks1 lists '$want'"; return 1; }
	done
}

three_distinct() {
	local sids
	sids=$(gctl ks1 -j ks members group "$GDOI_GROUP" | jq -r '.[].sender_id')
	[ "$(grep -cE '^[0-9]+$' <<<"$sids")" -eq 3 ] &&
		[ "$(sort -u <<<"$sids" | wc -l)" -eq 3 ] && return 0
	echo "# SIDs: $(echo $sids)"
	return 1
}

check "ks members: three members, three distinct SIDs" three_distinct
check "ks members: 8-bit SIDs (the default sender-id-bits)" test \
	"$(gctl ks1 -j ks members | jq -r '[.[].sender_id_bits] | unique | join(",")')" = 8
check "ks show: 3 SIDs held of 256" test \
	"$(ks_jq ks1 '"\(.sids_held)/\(.sids_total)"')" = 3/256
for s in $SITES; do
	check "gm$s: gm show has the SID ks1 gave it" test \
		"$(gm_jq "gm$s" '.sender_id')" = "$(ks_sid "192.168.0.$(site_n "$s")")"
	check "gm$s logged its Sender ID" gvpnd_log_wait "gm$s" \
		"group g$GDOI_GROUP: Sender ID [0-9]+ \\(8 bits\\)" 5
done
spi=$(ks_tek_spis | tail -1)
check "each member's SA $spi carries its own SID" sids_on_sas "$spi"

before=$(ks_tek_spis)
check "gvpn ks rekey group $GDOI_GROUP" ks_rekey
new=$(new_tek "$before")
check "the rekey made one new TEK" test "$(wc -w <<<"$new")" -eq 1
check "every member installed the new TEK" \
	busywait 15000 all_gms_have_tek "$new"
check "after the rekey: still three distinct SIDs" three_distinct
check "each member's new SA $new carries its SID" sids_on_sas "$new"

check_pings "A B" "B C"
for s in $SITES; do
	check "gm$s: no GM_NO_SENDER_ID" \
		bash -c "! grep -q GM_NO_SENDER_ID $TMPDIR_TEST/gm$s.log"
done

exit $EXIT_STATUS
