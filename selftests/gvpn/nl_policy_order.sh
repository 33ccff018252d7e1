#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Which policy a packet matches, seen through the kernel's own per-policy
# counters (MATCH_PACKETS) and the fate of a ping: local policies come
# before key-server ones whatever their priority, then lower priority, then
# lower id; the first match wins and is the only one counted; prefix
# length plays no part (a /0 or /8 first in that order beats a /32), and
# the order in which policies were added plays none either. Bypass and drop
# actions make the winner visible without any SA: drop, the ping fails;
# bypass, it passes.
#
#   A: wan 10.0.0.1/24 (group 1) --veth-- B: wan 10.0.0.2/24

source "$(dirname "$0")/lib.sh"

gvpn_load || skip "gvpn.ko does not load"
setup_ns A B || exit $ksft_fail
ip -n "$A" link add wan type veth peer name wan netns "$B" || exit $ksft_fail
ip -n "$A" addr add 10.0.0.1/24 dev wan
ip -n "$B" addr add 10.0.0.2/24 dev wan
ip -n "$A" link set wan up
ip -n "$B" link set wan up
ping_b() {
	ip netns exec "$A" ping -c 1 -W 1 -q 10.0.0.2 >/dev/null
}
check "ping before any group" slowwait 10 ping_b
check "group 1 attached to A's wan" \
	sh -c "$GVPN -n '$A' group add 1 && $GVPN -n '$A' dev add wan group 1"

COUNT=2		# echo requests per ping; A sends nothing else over IPv4

# counters: "id:match_packets ..." of every policy of group 1, by id (the
# CLI's JSON has each policy's id first and its counters last).
counters() {
	$GVPN -n "$A" -s -j policy show group 1 |
		grep -oE '"(id|match_packets)":[0-9]+' | cut -d: -f2 |
		paste -d: - - | xargs
}

# scenario NAME pass|fail WINNER POLICY...: with only these policies (each
# the arguments of "gvpn policy add group 1", in the order given), a ping
# from A to B passes or fails, and policy WINNER (or "none") alone counts
# the echo requests.
scenario() {
	local name=$1 expect=$2 winner=$3 spec ids want got rc
	shift 3
	$GVPN -n "$A" policy flush group 1 || return 1
	for spec in "$@"; do
		$GVPN -n "$A" policy add group 1 $spec || {
			log_test "$name: policy add $spec" 1
			return
		}
	done
	ip netns exec "$A" ping -c $COUNT -i 0.2 -W 1 -q 10.0.0.2 >/dev/null
	rc=$?
	if [ "$expect" = pass ]; then
		log_test "$name: ping passes" $rc
	else
		log_test "$name: ping fails" $((!rc))
	fi
	ids=$(for spec in "$@"; do set -- $spec; echo "$2"; done | sort -n)
	want=$(for id in $ids; do
		[ "$id" = "$winner" ] && echo "$id:$COUNT" || echo "$id:0"
	done | xargs)
	got=$(counters)
	[ "$got" = "$want" ] || echo "# $name: counters $got, expected $want"
	log_test "$name: policy $winner alone matched" \
		$([ "$got" = "$want" ]; echo $?)
}

D=dst\ 10.0.0.2/32

scenario "local drop beats ks bypass of lower prio" fail 2 \
	"id 1 prio 0 $D action bypass" \
	"id 2 prio 100 $D action drop origin local"
scenario "local bypass beats ks drop of lower prio" pass 2 \
	"id 1 prio 0 $D action drop" \
	"id 2 prio 100 $D action bypass origin local"
scenario "local /0 with prio 2^32-1 beats ks /32 prio 0" fail 9 \
	"id 1 prio 0 $D action bypass" \
	"id 9 prio 4294967295 action drop origin local"
scenario "ks: lower prio first" pass 2 \
	"id 1 prio 20 $D action drop" \
	"id 2 prio 10 $D action bypass"
scenario "ks: lower prio first, actions swapped" fail 2 \
	"id 1 prio 20 $D action bypass" \
	"id 2 prio 10 $D action drop"
scenario "local: lower prio first" fail 2 \
	"id 1 prio 20 $D action bypass origin local" \
	"id 2 prio 10 $D action drop origin local"
scenario "same prio: lower id first (added last)" pass 5 \
	"id 7 prio 10 $D action drop" \
	"id 5 prio 10 $D action bypass"
scenario "same prio: lower id first, actions swapped" fail 5 \
	"id 7 prio 10 $D action bypass" \
	"id 5 prio 10 $D action drop"
scenario "a /8 of lower prio beats a /32" fail 1 \
	"id 1 prio 1 dst 10.0.0.0/8 action drop" \
	"id 2 prio 2 $D action bypass"
scenario "a /32 of lower prio beats a /8" pass 1 \
	"id 1 prio 1 $D action bypass" \
	"id 2 prio 2 dst 10.0.0.0/8 action drop"
scenario "same prio: a /0 of lower id beats a /32" fail 3 \
	"id 4 prio 5 $D action bypass" \
	"id 3 prio 5 action drop"
scenario "source /32 against destination /24: prio decides" pass 11 \
	"id 10 prio 5 src 10.0.0.1/32 action drop" \
	"id 11 prio 3 dst 10.0.0.0/24 action bypass"
scenario "local /24 beats ks /32 and /0 of prio 0" pass 30 \
	"id 1 prio 0 $D action drop" \
	"id 2 prio 0 action drop" \
	"id 30 prio 50 dst 10.0.0.0/24 action bypass origin local"
scenario "policies that do not match are skipped" pass 3 \
	"id 1 prio 0 dst 10.9.9.9/32 action drop" \
	"id 2 prio 1 proto udp action drop" \
	"id 3 prio 2 $D action bypass" \
	"id 4 prio 3 action drop"
scenario "no policy matches: passes, nothing counted" pass none \
	"id 1 dst 10.9.0.0/16 action drop" \
	"id 2 src 10.0.0.2/32 dst 10.0.0.1/32 proto tcp action drop"

# Nine prefix lengths from /0 to /32 at once (nine classifier tuples, which
# it probes longest first): the order still decides, whichever length
# comes first in it. all_lengths WINNER ORDER WIN-ACTION OTHERS-ACTION:
# policy id = length / 4 + 1; ORDER 0: prio = length, 1: prio = 32 - length.
all_lengths() {
	local winner=$1 l prio action net
	for l in 0 4 8 12 16 20 24 28 32; do
		prio=$(($2 == 0 ? l : 32 - l))
		action=$([ $((l / 4 + 1)) = "$winner" ] && echo "$3" || echo "$4")
		net=$(((10 << 24 | 2) & (0xffffffff << (32 - l)) & 0xffffffff))
		printf 'id %d prio %d action %s dst %d.%d.%d.%d/%d\n' \
			$((l / 4 + 1)) "$prio" "$action" $((net >> 24)) \
			$((net >> 16 & 255)) $((net >> 8 & 255)) $((net & 255)) "$l"
	done
}
mapfile -t specs < <(all_lengths 1 0 drop bypass)
scenario "nine prefix lengths, the /0 first in order" fail 1 "${specs[@]}"
mapfile -t specs < <(all_lengths 9 1 bypass drop)
scenario "nine prefix lengths, the /32 first in order" pass 9 "${specs[@]}"
mapfile -t specs < <(all_lengths 5 0 drop bypass |
	sed 's/^id 5 prio 16 /id 5 prio 16 origin local /')
scenario "nine prefix lengths, a local /16 first" fail 5 "${specs[@]}"

exit $EXIT_STATUS
