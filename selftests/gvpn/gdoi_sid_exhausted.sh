#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
#   gmA, gmB, gmC ---- core (br0) ---- ks1 192.168.0.10
#
# Sender ID exhaustion (RFC 6054 3): a group of AES-GCM with
# sender-id-bits = 1 has two SIDs. gmA and gmB register and get SID 0 and
# SID 1; gmC's registration is refused with a clear log on the key server
# (%GDOI-3-KS_SID_EXHAUSTED naming gmC), the key server lists two members,
# and gmC installs no SA. A refusal changes nothing for the others: their
# SIDs stay as they were.

source "$(dirname "$0")/lib.sh"
gdoi_require
require_cmd jq

gvpn_load
gdoi_topo || { log_test "topology" 1; exit $EXIT_STATUS; }
ks_conf ks1 kek=1 extra="sender-id-bits = 1;"
check "sender-id-bits = 1 passes gvpnd --check" gvpnd_check ks1
for s in $SITES; do
	gm_conf "gm$s" "$s"
done
gvpnd_start "$ks1" ks1 || { log_test "key server starts" 1; exit $EXIT_STATUS; }
for s in A B; do
	ns=gm$s
	gvpnd_start "${!ns}" "gm$s" || log_test "gm$s starts" 1
	check "gm$s registers" gvpnd_log_wait "gm$s" "GDOI-5-GM_REGS_COMPL"
done
sids=$(gctl ks1 -j ks members | jq -r '[.[].sender_id] | sort | join(",")')
check "gmA and gmB hold SIDs 0 and 1" test "$sids" = 0,1

gvpnd_start "$gmC" gmC || log_test "gmC starts" 1
check "ks1 refuses gmC: KS_SID_EXHAUSTED" gvpnd_log_wait ks1 \
	"%GDOI-3-KS_SID_EXHAUSTED: Group g$GDOI_GROUP has no free Sender ID for GM 192\.168\.0\.3 \(sender-id-bits 1: 2 held by members, 0 waiting for their TEKs to expire\): registration refused"
check "gmC hears the refusal" gvpnd_log_wait gmC "GROUPKEY-PULL.*failed"
check "gmC is not registered" bash -c "! grep -q GM_REGS_COMPL $TMPDIR_TEST/gmC.log"
check "gmC holds no SA" test "$(sa_count "$gmC")" -eq 0
check "ks1 lists two members" test "$(gctl ks1 -j ks members | jq length)" -eq 2
check "gmA and gmB keep SIDs 0 and 1" test \
	"$(gctl ks1 -j ks members | jq -r '[.[].sender_id] | sort | join(",")')" = 0,1
check "ks show: 2 SIDs held of 2" test \
	"$(ks_jq ks1 '"\(.sids_held)/\(.sids_total)"')" = 2/2

exit $EXIT_STATUS
