#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
#   hostA - gmA =\                /= gmB - hostB
#                 core (br0) ----+
#   hostC - gmC =/      |
#                      ks1 192.168.0.10  <-- gvpn daemon reload
#
# A configuration change on the key server reaches every member by push,
# with no re-registration (features.md 3: a changed ipsec-sa transform or
# an added policy triggers a rekey). ks1's configuration changes twice
# while the sites ping each other 100 times a second, each applied with
# "gvpn daemon reload":
#   1. the TEK algorithm, AES-GCM-128 -> AES-GCM-256: a rekey whose new
#      SA every member installs (256-bit key in gvpn.ko); the 128-bit SA
#      leaves after the deactivation time; not one ping lost
#   2. a second permit policy (172.16.0.0/16): a rekey that gives every
#      member the policy in gvpn.ko.
# Every member registered once, and kept its KEK.

source "$(dirname "$0")/lib.sh"
gdoi_require
require_cmd jq

REKEY='retransmit-period = 1; retransmissions = 2;'
POL10='{ action = "permit"; protocol = "any"; source = "10.0.0.0/8";
	 destination = "10.0.0.0/8"; sa = "tek1"; }'
POL172='{ action = "permit"; protocol = "any"; source = "172.16.0.0/16";
	  destination = "172.16.0.0/16"; sa = "tek1"; }'

push_start rekey="$REKEY" ||
	{ log_test "key server and three members up" 1; exit $EXIT_STATUS; }
kek=$(ks_kek_spi)

# reconf KEY=VALUE...: ks1's configuration as push_start wrote it, changed
reconf() {
	ks_conf ks1 kek=1 atd=$PUSH_ATD extra="rekey = { $REKEY };" "$@" &&
		lab_timers ks1
}

# all_kernels_keybits BITS: every member's gvpn.ko holds one SA, BITS long
all_kernels_keybits() {
	local s gm l
	for s in $SITES; do
		gm=gm$s
		l=$(sa_list "${!gm}")
		[ "$(grep -c . <<<"$l")" = 1 ] &&
			grep -q "\"key_bits\":$1\b" <<<"$l" || return 1
	done
}

traffic_start
sleep 1
seq=$(ks_seq)
reconf tek=aes-gcm-256
check "gvpn daemon reload (TEK algorithm AES-GCM-256)" gctl ks1 daemon reload
check "ks1 pushed a rekey for it" waitfor 10 '[ "$(ks_seq)" -gt "$seq" ]'
seq=$(ks_seq)
check "every member acknowledged it (seq $seq)" busywait 10000 members_acked "$seq"
check "every member ends with one SA, AES-GCM-256" \
	slowwait $((3 * PUSH_ATD + 8)) all_kernels_keybits 256 || show_sas
traffic_wait
check "not one ping was lost" traffic_lossless

reconf policies="$POL10, $POL172"
check "gvpn daemon reload (a policy added)" gctl ks1 daemon reload
check "ks1 pushed a rekey for it" waitfor 10 '[ "$(ks_seq)" -gt "$seq" ]'
seq=$(ks_seq)
check "every member acknowledged it (seq $seq)" busywait 10000 members_acked "$seq"
for s in $SITES; do
	ns=gm$s
	check "gm$s: gvpn.ko has the 172.16.0.0/16 policy" waitfor 5 \
		"$GVPN -n '${!ns}' -j policy show | grep -q '172\.16\.0\.0/16'"
done

check "no member registered again" test "$(cat "$TMPDIR_TEST"/gm[ABC].log |
	grep -c GM_REGS_COMPL)" -eq 3
check "every member kept the KEK" test "$(gm_kek_spi gmA) $(gm_kek_spi gmB) $(gm_kek_spi gmC)" = \
	"$kek $kek $kek"
check "hostA -> hostB after it all" ping_ok "$hostA" 10.2.0.2

exit $EXIT_STATUS
