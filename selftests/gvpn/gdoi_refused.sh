#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
#   hostA - gmA =\   right PSK, authorized        (registers)
#   hostB - gmB ==  core (br0) -- ks1 192.168.0.10
#   hostC - gmC =/   wrong PSK / unauthorized address
#
# The key server authorizes 192.168.0.1 and .2 only. gmB authenticates
# with a wrong pre-shared key: Phase 1 fails on both sides. gmC has the
# right key but an address outside the authorization list: the key server
# refuses the pull with %GDOI-1-UNAUTHORIZED_IPADDR. Neither gets anything
# into gvpn.ko, while gmA registers normally before and after them.

source "$(dirname "$0")/lib.sh"
gdoi_require

gvpn_load
gdoi_topo || { log_test "topology" 1; exit $EXIT_STATUS; }

ks_conf ks1 auth='"192.168.0.1/32", "192.168.0.2/32"'
gm_conf gmA A
gm_conf gmB B psk=not-the-group-pre-shared-key-42
gm_conf gmC C
for n in ks1 gmA gmB gmC; do
	gvpnd_check "$n" || log_test "$n configuration passes gvpnd --check" 1
done

gvpnd_start "$ks1" ks1 || { log_test "key server starts" 1; exit $EXIT_STATUS; }
gvpnd_start "$gmB" gmB
gvpnd_start "$gmC" gmC

# wrong PSK: the key server cannot decrypt message 5 and says why
check "ks1 logs gmB's Phase 1 failure (wrong pre-shared key?)" \
	gvpnd_log_wait ks1 "Phase 1 .*responder with 192\.168\.0\.2:848 .*failed: .*wrong pre-shared key"
check "gmB logs its failed registration" gvpnd_log_wait gmB \
	"Phase 1 .*initiator with 192\.168\.0\.10:848 .*failed|GDOI-[0-9]-GM_REGISTER"

# unauthorized address: Cisco's message, with the group and the address
check "ks1 logs UNAUTHORIZED_IPADDR for gmC" gvpnd_log_wait ks1 \
	"GDOI-1-UNAUTHORIZED_IPADDR: Group g$GDOI_GROUP received registration from unauthorized ip address: 192\.168\.0\.3"
check "gmC logs that the key server refused it" gvpnd_log_wait gmC \
	"192\.168\.0\.10.*(refused|not authorized|UNAUTHORIZED|denied)"

# the authorized member registers in the meantime: refusals hurt nobody
gvpnd_start "$gmA" gmA
check "gmA registers (GM_REGS_COMPL)" gvpnd_log_wait gmA \
	"GDOI-5-GM_REGS_COMPL: Registration to KS 192\.168\.0\.10 complete"

# let the refused members finish their retries
sleep 3
for s in B C; do
	ns=gm$s
	check_fail "gm$s logs no GM_REGS_COMPL" gm_registered "gm$s"
	check "gm$s: no SA in gvpn.ko" test "$(sa_count "${!ns}")" -eq 0
	check "gm$s: no group $GDOI_GROUP keys in gvpn.ko" \
		test "$(group_keys "${!ns}")" != up
done
check "gmA: SAs in gvpn.ko" test "$(sa_count "$gmA")" -gt 0
check_fail "ks1 did not log GDOI-1-UNAUTHORIZED_IPADDR for gmA" \
	gvpnd_log_has ks1 "UNAUTHORIZED_IPADDR.*192\.168\.0\.1$"

members=$(gctl ks1 ks members)
check "ks members lists gmA" grep -qE '192\.168\.0\.1\b' <<<"$members"
check_fail "ks members does not list gmB or gmC" \
	grep -qE '192\.168\.0\.[23]\b' <<<"$members"
check "ks1 still runs" gvpnd_up ks1

exit $EXIT_STATUS
