#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
#   hostA - gmA =\   <-- gvpn daemon reload
#                 core (br0) --- ks1 192.168.0.10
#   hostB - gmB =/ , hostC - gmC
#
# A member applies a changed configuration with no re-registration while
# the sites ping each other 100 times a second: gmA gets a second key
# server (ks9, 192.168.0.99, not there) and fail-mode "close", applied with
# "gvpn daemon reload": gvpn.ko's group is fail-closed at once with a fail
# rule and a clear path for ks9, its SAs stay, not one ping is lost, nobody
# registers again. Then a change of interfaces is refused (exit 1) and
# changes nothing.

source "$(dirname "$0")/lib.sh"
gdoi_require
require_cmd jq

# ka_fail_mode MODE: gmA's group in gvpn.ko has fail mode MODE
ka_fail_mode() {
	$GVPN -n "$gmA" -j group show "$GDOI_GROUP" | grep -q "\"fail_mode\":\"$1\""
}

# ks9_rules: gmA's policies in gvpn.ko that name ks9's address
ks9_rules() {
	$GVPN -n "$gmA" -j policy show | grep -o '192\.168\.0\.99' | wc -l
}

push_start ||
	{ log_test "key server and three members up" 1; exit $EXIT_STATUS; }
sas=$(sa_list "$gmA")
kek=$(gm_kek_spi gmA)

check "before: gvpn.ko has no rule for ks9" test "$(ks9_rules)" -eq 0
check "before: gmA's group is not fail-closed" ka_fail_mode none
traffic_start
sleep 1
gm_conf gmA A servers="ks1:192.168.0.10 ks9:192.168.0.99" \
	extra='fail-mode = "close";'
lab_timers gmA
check "gmA: gvpn daemon reload (a key server added, fail-mode close)" \
	gctl gmA daemon reload
check "gvpn.ko: gmA's group is fail-closed" ka_fail_mode close
check "gvpn.ko: a clear path and a fail rule for ks9" test "$(ks9_rules)" -eq 2
check "gmA's SAs are the same" test "$(sa_list "$gmA")" = "$sas"
traffic_wait
check "not one ping was lost" traffic_lossless
check "no member registered again" test "$(cat "$TMPDIR_TEST"/gm[ABC].log |
	grep -c GM_REGS_COMPL)" -eq 3
check "gmA kept its KEK" test "$(gm_kek_spi gmA)" = "$kek"

sed -i 's|interfaces = \[ "wan" \];|interfaces = [ "wan", "lo" ];|' \
	"$TMPDIR_TEST/gmA.conf"
fails_with "gmA: changing interfaces is refused (exit 1)" 1 \
	"changing 'interfaces' needs a restart: restart gvpnd" \
	gctl gmA daemon reload
check "... its SAs stay" test "$(sa_list "$gmA")" = "$sas"
check "hostA -> hostB after it all" ping_ok "$hostA" 10.2.0.2

exit $EXIT_STATUS
