#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The settings of gvpn(8) for time-based anti-replay, fail modes, passive
# and receive-only groups and timed SAs round-trip through gvpn.ko: what
# "group set", "policy add ... origin fail", "sa add ... activate-in" and
# "sa set" change, "group show" and "sa show" show, in text and JSON; the
# module activates and deactivates SAs by itself and "gvpn monitor"
# reports it with the group's keys going up and down; a replay failure is
# reported with both clocks and both addresses and counted on the replay
# line of "gvpn -s group show". Bad settings are refused by the command
# line (exit 2) or with the kernel's message (exit 1), and change nothing.
# Keys never appear in any output.
#
#   NS: group 12 (no device: settings and SAs only)
#
#   NS2 (10.9.0.1) ---- veth ---- NS3 (10.9.0.2)
#   group 20, pseudotime 1000     group 20, pseudotime 9000, window 1 s

source "$(dirname "$0")/lib.sh"

require_cmd python3 ping
[ -x "$GVPN" ] || skip "gvpn CLI not built ($GVPN)"

KEY=0x0102030405060708090a0b0c0d0e0f1011121314

out=$(mktemp -d)
defer rm -rf "$out"
CLI_LOG=$out/all

setup_ns NS

# g ARGS...: gvpn in NS, its stdout and stderr also kept for the key check
g() {
	"$GVPN" -n "$NS" "$@" 2>>"$CLI_LOG" | tee -a "$CLI_LOG"
	return "${PIPESTATUS[0]}"
}

# gv ARGS...: gvpn in NS, output untouched
gv() {
	"$GVPN" -n "$NS" "$@"
}

# group show [ID] without the clock's value, which moves
group_show() {
	g group show "$@" | sed -E 's/( clock [a-z]+) [0-9]+\.[0-9]{3}/\1/'
}

# jq1 KEY ARGS...: KEY of the first object of "gvpn -j ARGS", as JSON; a
# scalar found with grep, since Python takes seconds to start under TCG
jq1() {
	local key=$1 v
	shift
	v=$("$GVPN" -n "$NS" -j "$@" |
		grep -oE "\"$key\":(\"[^\"]*\"|[0-9]+|true|false)" | head -n 1)
	[ -n "$v" ] || return 1
	echo "${v#*:}"
}

# all_events [FILE]: every event so far, as one JSON array
all_events() {
	python3 -c "import json
print(json.dumps(list(map(json.loads, open('${1:-$out/events}')))))"
}

gvpn_load

# --- the monitor of NS, subscribed before anything happens
"$GVPN" -n "$NS" -j monitor >"$out/events" 2>&1 &
defer kill "$!"
"$GVPN" -n "$NS" group add 99
"$GVPN" -n "$NS" policy add group 99 id 1 action encrypt
# an SA of group 99 until its events arrive: the monitor has subscribed
probe() {
	"$GVPN" -n "$NS" sa add group 99 policy 1 spi 0x999 \
		aead 'rfc4106(gcm(aes))' "$KEY" 128 &&
	"$GVPN" -n "$NS" sa del group 99 spi 0x999 &&
	grep -q '"spi":2457' "$out/events"
}
slowwait 10 probe
log_test "monitor receives events" $?
"$GVPN" -n "$NS" group del 99

# --- time-based anti-replay, fail modes, passive, timed SAs
check "group add with settings" g group add 12 tbar-window 100 \
	clock pseudotime 1000 tick 100 fail-mode close passive on
out_is "group add: settings shown" \
	"group 12 df-bit clear tbar-window 100 clock pseudotime tick 100 fail-mode close keys none passive on receive-only off legacy-iv off" \
	group_show 12
json_is "group show -j: pseudotime in ms from VALUE" \
	'd[0]["clock"] == "pseudotime" and 1000000 <= d[0]["clock_ms"] < 1100000 and
	 d[0]["tick"] == 100 and d[0]["tbar_window"] == 100' g -j group show 12
pt_advances() {
	local a b
	a=$(jq1 clock_ms group show 12) && sleep 1 &&
		b=$(jq1 clock_ms group show 12) && [ $((b - a)) -ge 1000 ]
}
check "pseudotime advances by itself" pt_advances
check "group set clock pseudotime VALUE with decimals" \
	g group set 12 clock pseudotime 5000.5
json_is "pseudotime moved to 5000.500 s" \
	'5000500 <= d[0]["clock_ms"] < 5100000' g -j group show 12
check "text: clock in seconds with milliseconds" \
	sh -c "'$GVPN' -n '$NS' group show 12 | grep -qE ' clock pseudotime 50[0-9]{2}\.[0-9]{3} tick 100 '"
check "group set clock wallclock" g group set 12 clock wallclock
wall_ok() {
	local before after v
	before=$(date +%s%3N)
	v=$(jq1 clock_ms group show 12)
	after=$(date +%s%3N)
	[ "$v" -ge "$before" ] && [ "$v" -le "$after" ]
}
check "wallclock reads the real-time clock" wall_ok
check "group set tbar-window 3600 (the maximum)" g group set 12 tbar-window 3600
fails_with "tbar-window 3601: exit 2" 2 \
	'Error: invalid tbar-window "3601": expected 0..3600 seconds (0 = no check).' \
	gv group set 12 tbar-window 3601
fails_with "tick 0: exit 2" 2 \
	'Error: invalid tick "0": expected 1..60000 milliseconds.' \
	gv group set 12 tick 0
fails_with "clock pseudotime without VALUE: exit 2" 2 \
	'Error: "clock pseudotime" needs VALUE, the pseudotime in seconds.' \
	gv group set 12 clock pseudotime tick 5
fails_with "group set without a setting: exit 2" 2 \
	'Error: nothing to set: give df-bit, tbar-window, clock, tick, fail-mode, passive, receive-only or legacy-iv.' \
	gv group set 12
fails_with "activate without fail-mode close: exit 2" 2 \
	'Error: "activate" must follow "fail-mode close".' \
	gv group set 12 fail-mode open activate
fails_with "passive yes: exit 2" 2 \
	'Error: invalid passive "yes": expected on or off.' \
	gv group set 12 tbar-window 5 passive yes
out_is "bad settings changed nothing" \
	"group 12 df-bit clear tbar-window 3600 clock wallclock tick 100 fail-mode close keys none passive on receive-only off legacy-iv off" \
	group_show 12
check "group set passive off receive-only on" \
	g group set 12 passive off receive-only on
json_is "passive and receive-only are booleans in JSON" \
	'd[0]["passive"] is False and d[0]["receive_only"] is True' \
	g -j group show 12
check "group set legacy-iv on" g group set 12 legacy-iv on
json_is "legacy-iv is a boolean in JSON" 'd[0]["legacy_iv"] is True' \
	g -j group show 12
check "group show: legacy-iv on" \
	sh -c "'$GVPN' -n '$NS' group show 12 | grep -q ' legacy-iv on'"
check "group set legacy-iv off" g group set 12 legacy-iv off
check "group set fail-mode open" g group set 12 fail-mode open
out_is "fail-mode open" '"open"' jq1 fail_mode group show 12
check "group set fail-mode close activate" \
	g group set 12 fail-mode close activate receive-only off
out_is "fail-close armed: keys fail-closed" '"fail-closed"' \
	jq1 keys group show 12

check "policy add origin fail" g policy add group 12 id 1 dst 192.0.2.1 \
	proto tcp dport 22 action bypass origin fail
out_is "policy show origin fail" \
	"policy 1 group 12 prio 0 src 0.0.0.0/0 dst 192.0.2.1/32 proto tcp dport 22 action bypass origin fail" \
	g policy show group 12 id 1
fails_with "fail rule with action drop: the kernel's message, exit 1" 1 \
	'Error: gvpn: fail rules pass traffic in clear: action bypass.' \
	gv policy add group 12 id 2 action drop origin fail
fail_rules() {
	local i
	for i in $(seq 2 10); do
		"$GVPN" -n "$NS" policy add group 12 id "$i" \
			dst "192.0.2.$i" action bypass origin fail || return 1
	done
}
check "ten fail rules" fail_rules
fails_with "an eleventh fail rule: the kernel's message, exit 1" 1 \
	'Error: gvpn: at most 10 fail rules per group.' \
	gv policy add group 12 id 11 action bypass origin fail
fails_with "unknown origin: exit 2" 2 \
	'Error: invalid origin "remote": expected ks, local or fail.' \
	gv policy add group 12 id 12 action bypass origin remote
out_is "10 fail rules, none more" 10 \
	sh -c "'$GVPN' -n '$NS' policy show group 12 | grep -c 'origin fail$'"
check "policy add (encrypt)" g policy add group 12 id 100 action encrypt

# 0x2000 waits an hour for its activation, 0x2001 a second
check "sa add tbar passive activate-in deactivate-in" \
	g sa add group 12 policy 100 spi 0x2000 aead 'rfc4106(gcm(aes))' \
	"$KEY" 128 tbar passive activate-in 3600 deactivate-in 7200
check "sa show: tbar on passive on active off activate-in S.mmm" \
	sh -c "'$GVPN' -n '$NS' sa show group 12 | grep -qE ' tbar on passive on active off activate-in 3[0-9]{3}\.[0-9]{3} deactivate-in 7[0-9]{3}\.[0-9]{3} '"
json_is "sa show -j: flags, not active yet, times to go" \
	'd[0]["tbar"] is True and d[0]["passive"] is True and
	 d[0]["active"] is False and
	 3500000 < d[0]["activate_in_ms"] <= 3600000 and
	 7100000 < d[0]["deactivate_in_ms"] <= 7200000' \
	g -j sa show group 12 spi 0x2000
out_is "an SA not yet active gives no keys" '"fail-closed"' \
	jq1 keys group show 12
check "sa add activate-in 1" g sa add group 12 policy 100 spi 0x2001 \
	aead 'rfc4106(gcm(aes))' "$KEY" 128 activate-in 1
sa_active() {
	[ "$(jq1 active sa show group 12 spi 0x2001)" = true ]
}
check "the SA activates by itself" slowwait 30 sa_active
out_is "keys up once active" '"up"' jq1 keys group show 12
check "sa set dir in passive on" \
	g sa set group 12 spi 0x2001 dir in passive on
json_is "sa set took effect" \
	'd[0]["dir"] == "in" and d[0]["passive"] is True and
	 d[0]["tbar"] is False' g -j sa show group 12 spi 0x2001
check "sa set deactivate-in 1000" \
	g sa set group 12 spi 0x2001 deactivate-in 1000
json_is "deactivation moved" '900000 < d[0]["deactivate_in_ms"] <= 1000000' \
	g -j sa show group 12 spi 0x2001
check "sa set deactivate-in 0 cancels it" \
	g sa set group 12 spi 0x2001 deactivate-in 0
out_is "no deactivation" 0 jq1 deactivate_in_ms sa show group 12 spi 0x2001
fails_with "sa set without a change: exit 2" 2 \
	'Error: nothing to set: give deactivate-in, dir or passive.' \
	gv sa set group 12 spi 0x2001
fails_with "sa set of a missing SA: the kernel's message, exit 1" 1 \
	'no SA with this SPI in the group (attribute sa.spi)' \
	gv sa set group 12 spi 0x2999 dir in
fails_with "deactivate-in before activate-in: exit 2" 2 \
	'Error: "deactivate-in" must be later than "activate-in".' \
	gv sa add group 12 policy 100 spi 0x2002 aead 'rfc4106(gcm(aes))' \
	"$KEY" 128 activate-in 2 deactivate-in 1.5
fails_with "activate-in finer than a millisecond: exit 2" 2 \
	'Error: invalid activate-in "0.0005": expected seconds, 0..4294967.295 with at most 3 decimals.' \
	gv sa add group 12 policy 100 spi 0x2002 aead 'rfc4106(gcm(aes))' \
	"$KEY" 128 activate-in 0.0005
json_is "bad SA commands changed nothing" \
	'[(s["spi"], s["dir"], s["passive"], s["active"]) for s in d] ==
	 [(0x2000, "both", True, False), (0x2001, "in", True, True)] and
	 d[1]["deactivate_in_ms"] == 0' g -j sa show group 12
check "sa set deactivate-in 0.5" g sa set group 12 spi 0x2001 deactivate-in 0.5
check "the SA goes at its deactivation" slowwait 10 \
	sh -c "[ \"\$('$GVPN' -n '$NS' sa show group 12 | wc -l)\" = 1 ]"
out_is "keys none again; fail-close was lifted by the keys" '"none"' \
	jq1 keys group show 12
out_is "group show -s: the replay line" \
	"    replay window 3600 clock wallclock ok 0 failed 0 timestamped-sent 0" \
	sh -c "'$GVPN' -n '$NS' -s group show 12 | grep '^    replay' | sed -E 's/ [0-9]+\.[0-9]{3}//'"
out_is "group show -s: keys up 1 down 1" "    keys up 1 down 1" \
	sh -c "'$GVPN' -n '$NS' -s group show 12 | grep '^    keys'"
busywait 5000 grep -q '"event":"keys-down","group":{"id":12}' "$out/events"
json_is "monitor: an SA's activation and deactivation, the group's keys" \
	'[e for e in d if e.get("sa", {}).get("group") == 12 or
			e.get("group", {}).get("id") == 12] ==
	 [{"event": "sa-added", "sa": {"spi": 0x2000, "group": 12, "policy": 100}},
	  {"event": "sa-added", "sa": {"spi": 0x2001, "group": 12, "policy": 100}},
	  {"event": "sa-activated", "sa": {"spi": 0x2001, "group": 12, "policy": 100}},
	  {"event": "keys-up", "group": {"id": 12}},
	  {"event": "sa-deactivated", "sa": {"spi": 0x2001, "group": 12, "policy": 100}},
	  {"event": "keys-down", "group": {"id": 12}}]' all_events
check "sa del (the SA still waiting)" g sa del group 12 spi 0x2000

# --- a replay failure, as "gvpn monitor" reports it: NS3's pseudotime is
# 8000 s ahead of NS2's, far outside its 1-second window.
setup_ns NS2 NS3
ip link add veth2 netns "$NS2" type veth peer name veth3 netns "$NS3"
ip -n "$NS2" addr add 10.9.0.1/24 dev veth2
ip -n "$NS3" addr add 10.9.0.2/24 dev veth3
ip -n "$NS2" link set veth2 up
ip -n "$NS3" link set veth3 up
tbar_member() {
	"$GVPN" -n "$1" group add 20 tbar-window 1 clock pseudotime "$3" &&
	"$GVPN" -n "$1" dev add "$2" group 20 &&
	"$GVPN" -n "$1" policy add group 20 id 1 src 10.9.0.0/24 \
		dst 10.9.0.0/24 proto icmp action encrypt &&
	"$GVPN" -n "$1" sa add group 20 policy 1 spi 0x3000 tbar \
		aead 'rfc4106(gcm(aes))' "$KEY" 128 sender-id "$4" sid-bits 8
}
check "NS2: group 20 at pseudotime 1000, TBAR SA" tbar_member "$NS2" veth2 1000 2
check "NS3: group 20 at pseudotime 9000, TBAR SA" tbar_member "$NS3" veth3 9000 3
"$GVPN" -n "$NS3" -j monitor >"$out/events3" 2>&1 &
defer kill "$!"
"$GVPN" -n "$NS3" monitor >"$out/events3.txt" 2>&1 &
defer kill "$!"
"$GVPN" -n "$NS3" group add 21
"$GVPN" -n "$NS3" policy add group 21 id 1 action encrypt
# an SA of another group until both monitors saw it: they have subscribed
probe3() {
	"$GVPN" -n "$NS3" sa add group 21 policy 1 spi 0x999 \
		aead 'rfc4106(gcm(aes))' "$KEY" 128 &&
	"$GVPN" -n "$NS3" sa del group 21 spi 0x999 &&
	grep -q '"spi":2457' "$out/events3" &&
	grep -q '^sa-removed sa 0x999' "$out/events3.txt"
}
slowwait 10 probe3
log_test "NS3's monitors receive events" $?
ip netns exec "$NS2" ping -c 2 -i 0.3 -W 1 10.9.0.2 >/dev/null
pong() {
	ip netns exec "$NS2" ping -q -c 1 -W 1 10.9.0.2 >/dev/null
}
check_fail "no reply across the replay check" pong
busywait 5000 grep -q replay-failed "$out/events3"
json_is "monitor -j: replay-failed with both clocks and addresses" \
	'[{k: e[k] for k in ("sa", "src", "dst")} for e in d
	  if e["event"] == "replay-failed"][0] ==
	 {"sa": {"spi": 0x3000, "group": 20, "policy": 1},
	  "src": "10.9.0.1", "dst": "10.9.0.2"} and
	 all(1000000 <= e["sender_time_ms"] < 1300000 and
	     9000000 <= e["local_time_ms"] < 9300000
	     for e in d if e["event"] == "replay-failed")' \
	all_events "$out/events3"
check "monitor: replay-failed line with sender-time and local-time" \
	grep -qE '^replay-failed sa 0x3000 group 20 policy 1 src 10\.9\.0\.1 dst 10\.9\.0\.2 sender-time 1[0-2][0-9]{2}\.[0-9]{3} local-time 9[0-2][0-9]{2}\.[0-9]{3}$' \
	"$out/events3.txt"
check "NS2 counted timestamped packets" \
	counter_ge "$NS2" tx_timestamped 3 group show 20
check "NS3 counted the replay failures" \
	counter_ge "$NS3" drop_replay 3 group show 20
check "NS3's replay line shows them as failed" \
	sh -c "'$GVPN' -n '$NS3' -s group show 20 | grep -qE '^    replay window 1 clock pseudotime [0-9.]+ ok 0 failed [3-9]'"

# --- teardown
check "group del" g group del 12
out_is "everything gone" "[] [] []" \
	sh -c "echo \$('$GVPN' -n '$NS' -j group show) \$('$GVPN' -n '$NS' -j policy show) \$('$GVPN' -n '$NS' -j sa show)"

no_key() {
	[ -s "$out/all" ] && [ -s "$out/events" ] &&
		! grep -qi "${KEY#0x}" "$out/all" "$out/events" "$out/events3" \
			"$out/events3.txt"
}
check "no key in any output" no_key

exit $EXIT_STATUS
