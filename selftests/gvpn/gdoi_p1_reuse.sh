#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
#   hostA - gmA == core (br0) == ks1 192.168.0.10
#
# A member keeps its Phase 1 SA with the key server and re-registers over
# it (RFC 6407 3: several pulls on one SA): three "gvpn gm register" after
# the first registration negotiate no Phase 1, and each side ends with one
# Phase 1 SA for the other ("gvpn daemon show"). "gvpn clear group" starts
# from scratch: a new Phase 1, the old SA deleted on both sides with a
# Delete. A key server that crashed and came back lost the member's SA:
# the next registration over it gets no answer, and the member registers
# again at once over a new one. When the member stops, its Delete leaves
# the key server none. "gvpn ike sa show", "daemon show" and "gm show
# detail" show the same SA; "gvpn ks member remove" forgets the member
# until it registers again.

source "$(dirname "$0")/lib.sh"
gdoi_require

gvpn_load
gdoi_topo || { log_test "topology" 1; exit $EXIT_STATUS; }
SITES=A

ks_conf ks1
gm_conf gmA A
for n in ks1 gmA; do
	check "$n configuration passes gvpnd --check" gvpnd_check "$n"
done
gvpnd_start "$ks1" ks1 || { log_test "key server starts" 1; exit $EXIT_STATUS; }
gvpnd_start "$gmA" gmA || { log_test "gmA starts" 1; exit $EXIT_STATUS; }

# regs NAME: registrations completed so far
regs() {
	grep -cE "GDOI-5-GM_REGS_COMPL: Registration to KS 192\.168\.0\.10" \
		"$TMPDIR_TEST/$1.log"
}

# regs_is NAME N: N registrations completed
regs_is() {
	[ "$(regs "$1")" -eq "$2" ]
}

# p1 NAME PEER ROLE [STATE]: Phase 1 SAs of gvpnd NAME with PEER (A.B.C.D)
# in ROLE, established unless STATE says otherwise ("." for any)
p1() {
	gctl "$1" daemon show |
		grep -cE "^ *phase1 ${2//./\\.}:848 peer [^ ]+ role $3 state ${4:-established}( |$)"
}

# p1_is NAME PEER ROLE COUNT: p1 says COUNT
p1_is() {
	[ "$(p1 "$1" "$2" "$3")" -eq "$4" ]
}

check "gmA registers with ks1" slowwait 30 regs_is gmA 1 ||
	gvpnd_log_dump gmA
check "gmA holds one Phase 1 SA with ks1" p1_is gmA 192.168.0.10 initiator 1
check "ks1 holds one Phase 1 SA with gmA" p1_is ks1 192.168.0.1 responder 1

for i in 2 3 4; do
	check "gvpn gm register ($((i - 1)) of 3)" \
		gctl gmA gm register group $GDOI_GROUP
	check "registration $i completes" slowwait 20 regs_is gmA $i ||
		gvpnd_log_dump gmA
done
check "the three re-registrations ran over the kept SA" test "$(grep -c \
	'over the Phase 1 SA kept with KS 192\.168\.0\.10' "$TMPDIR_TEST/gmA.log")" -eq 3
check "gmA negotiated Phase 1 once" test "$(grep -c \
	'Phase 1 established: main mode initiator' "$TMPDIR_TEST/gmA.log")" -eq 1
check "ks1 answered Phase 1 once" test "$(grep -c \
	'Phase 1 established: main mode responder' "$TMPDIR_TEST/ks1.log")" -eq 1
check "gmA still holds one Phase 1 SA with ks1" p1_is gmA 192.168.0.10 initiator 1
check "ks1 still holds one Phase 1 SA with gmA" p1_is ks1 192.168.0.1 responder 1
check "gvpn -j daemon show counts one Phase 1 SA on ks1" \
	bash -c "'$GVPN' -S '$TMPDIR_TEST/ks1.sock' -j daemon show | grep -q '\"phase1_sas\":1,'"

# cookies NAME CMD...: the cookies of the Phase 1 lines gvpn CMD prints
cookies() {
	local name=$1
	shift
	gctl "$name" "$@" | grep -E '^ *phase1 ' | grep -oE 'cookies [0-9a-f:]+'
}

# same_sa NAME: ike sa show, daemon show and gm show detail show one SA
same_sa() {
	local a b c
	a=$(cookies "$1" ike sa show) && b=$(cookies "$1" daemon show) &&
		c=$(cookies "$1" gm show group $GDOI_GROUP detail) &&
		[ -n "$a" ] && [ "$a" = "$b" ] && [ "$a" = "$c" ] && return 0
	echo "# ike sa show: $a; daemon show: $b; gm show detail: $c"
	return 1
}
check "gmA: ike sa show, daemon show and gm show detail: the same SA" \
	same_sa gmA
check "ks1: ike sa show lists gmA's SA as responder" \
	bash -c "'$GVPN' -S '$TMPDIR_TEST/ks1.sock' ike sa show | grep -qE '^phase1 192\.168\.0\.1:848 peer [^ ]+ role responder state established'"
check "gmA: gm show detail marks ks1 in use" \
	bash -c "'$GVPN' -S '$TMPDIR_TEST/gmA.sock' gm show detail | grep -qE '^ +server 192\.168\.0\.10 peer [^ ]+ in-use on$'"

# ks member remove: gmA leaves ks1's table (and says what cuts it off);
# its next registration (the clear below) puts it back
check "ks member remove group ID gmA" \
	bash -c "'$GVPN' -S '$TMPDIR_TEST/ks1.sock' ks member remove group $GDOI_GROUP 192.168.0.1 | grep -q 'hint:'"
check "gmA is no longer in ks members" \
	bash -c "! '$GVPN' -S '$TMPDIR_TEST/ks1.sock' ks members group $GDOI_GROUP | grep -q '192\.168\.0\.1 '"
# removed NAME: removing gmA again fails (exit 1), saying why
removed() {
	local out
	out=$(gctl "$1" ks member remove group $GDOI_GROUP 192.168.0.1 2>&1)
	[ $? -eq 1 ] && grep -q "not a registered member" <<<"$out"
}
check "removing it again: exit 1, not a member" removed ks1

# clear: new keys, new Phase 1; the old SA goes on both sides
check "gvpn clear group" gctl gmA clear group $GDOI_GROUP
check "registration after clear completes" slowwait 20 regs_is gmA 5
check "clear negotiated a new Phase 1" test "$(grep -c \
	'Phase 1 established: main mode initiator' "$TMPDIR_TEST/gmA.log")" -eq 2
check "ks1 heard the old SA's Delete" gvpnd_log_wait ks1 \
	'peer 192\.168\.0\.1:848 \(peer "members"\) deleted the Phase 1 SA' 10
check "ks1 holds one Phase 1 SA with gmA after clear" \
	slowwait 10 p1_is ks1 192.168.0.1 responder 1
check "gmA holds one Phase 1 SA with ks1 after clear" \
	p1_is gmA 192.168.0.10 initiator 1
check "gmA is in ks members again after registering" \
	bash -c "'$GVPN' -S '$TMPDIR_TEST/ks1.sock' ks members group $GDOI_GROUP | grep -q '192\.168\.0\.1 '"

# ks1 crashes (no Delete) and comes back: the member's kept SA is stale;
# the pull over it gets no answer, and the member registers again at once
# over a new SA, without counting a failed try
kill -9 "$ks1_pid" 2>/dev/null
wait "$ks1_pid" 2>/dev/null
rm -f "$TMPDIR_TEST/ks1.sock"
gvpnd_start "$ks1" ks1 || { log_test "ks1 restarts" 1; exit $EXIT_STATUS; }
check "gmA still holds its (stale) SA with ks1" p1_is gmA 192.168.0.10 initiator 1
check "gvpn gm register after the key server's restart" \
	gctl gmA gm register group $GDOI_GROUP
check "registration over a new SA completes" slowwait 60 regs_is gmA 6 ||
	gvpnd_log_dump gmA
check "gmA noticed the lost SA" gvpnd_log_has gmA \
	'no answer over the kept Phase 1 SA with KS 192\.168\.0\.10: registering again over a new one'
check "gmA counted no failed registration" bash -c \
	"'$GVPN' -S '$TMPDIR_TEST/gmA.sock' gm show | grep -q 'failures 0'"
check "gmA holds one Phase 1 SA with ks1 after the restart" \
	slowwait 10 p1_is gmA 192.168.0.10 initiator 1
check "ks1 holds one Phase 1 SA with gmA after the restart" \
	p1_is ks1 192.168.0.1 responder 1

# the member stops: its Delete leaves ks1 nothing
gvpnd_stop gmA
check "ks1 holds no Phase 1 SA with gmA once gmA stopped" \
	slowwait 10 p1_is ks1 192.168.0.1 responder 0
check "ks1 deleted nothing over max-sas-per-peer" \
	bash -c "'$GVPN' -S '$TMPDIR_TEST/ks1.sock' daemon show | grep -q 'per-peer-deleted 0'"

exit $EXIT_STATUS
