#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The gvpn command line against gvpn.ko: add, show and delete each object,
# in text and JSON, with counters; a dump that spans many messages; events
# from "gvpn monitor"; errors: a bad command line exits 2 and changes
# nothing, a refused request prints the kernel's message with the
# attribute at fault and exits 1. Keys never appear in any output.
# (cli_settings.sh: the settings of time-based anti-replay, fail modes,
# passive, receive-only and timed SAs.)
#
#   NS0: wan0, wan1 (dummy devices, attached to groups 10 and 11)
#   NS1: empty, to see that objects stay in their namespace

source "$(dirname "$0")/lib.sh"

require_cmd python3
[ -x "$GVPN" ] || skip "gvpn CLI not built ($GVPN)"

KEY=0x0102030405060708090a0b0c0d0e0f1011121314
ENC_KEY=0x000102030405060708090a0b0c0d0e0f
AUTH_KEY=0x202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f

out=$(mktemp -d)
defer rm -rf "$out"
CLI_LOG=$out/all

setup_ns NS0 NS1
ip -n "$NS0" link add wan0 type dummy
ip -n "$NS0" link add wan1 type dummy

# g ARGS...: gvpn in NS0, its stdout and stderr also kept for the key check
g() {
	"$GVPN" -n "$NS0" "$@" 2>>"$CLI_LOG" | tee -a "$CLI_LOG"
	return "${PIPESTATUS[0]}"
}

# gv ARGS...: gvpn in NS0, output untouched
gv() {
	"$GVPN" -n "$NS0" "$@"
}

# sa show without the age, which moves
sa_show() {
	g "$@" sa show | sed 's/ age [0-9]*s$//'
}

# group show [ID] without the clock's value, which moves
group_show() {
	g group show "$@" | sed -E 's/( clock [a-z]+) [0-9]+\.[0-9]{3}/\1/'
}

# The JSON of groups without clock_ms, which moves.
NOCLOCK='[{k: v for k, v in o.items() if k != "clock_ms"} for o in d]'

gvpn_load

# --- groups and devices
check "group add" g group add 10
check "group add with df-bit" g group add 11 df-bit copy
check "dev add" g dev add wan0 group 10
check "dev add (second group)" g dev add wan1 group 11
DEFAULTS="tbar-window 0 clock wallclock tick 1 fail-mode none keys none passive off receive-only off legacy-iv off"
out_is "group show" "group 10 df-bit clear $DEFAULTS dev wan0
group 11 df-bit copy $DEFAULTS dev wan1" group_show
out_is "group show ID" "group 11 df-bit copy $DEFAULTS dev wan1" group_show 11
json_is "group show -j" \
	"$NOCLOCK"' == [{"id": 10, "df_bit": "clear", "tbar_window": 0,
		"clock": "wallclock", "tick": 1, "fail_mode": "none",
		"keys": "none", "passive": False, "receive_only": False,
		"legacy_iv": False, "devs": ["wan0"]},
	       {"id": 11, "df_bit": "copy", "tbar_window": 0,
		"clock": "wallclock", "tick": 1, "fail_mode": "none",
		"keys": "none", "passive": False, "receive_only": False,
		"legacy_iv": False, "devs": ["wan1"]}]' g -j group show
check "group set df-bit" g group set 10 df-bit set
out_is "group set took effect" "group 10 df-bit set $DEFAULTS dev wan0" \
	group_show 10
json_is "group show -s -j has all counters" \
	'len(d) == 1 and len(d[0]["stats"]) == 31 and
	 d[0]["stats"]["drop_no_sa"] == 0 and d[0]["stats"]["replay_ok"] == 0 and
	 d[0]["stats"]["keys_down"] == 0 and d[0]["stats"]["clear_ipv6"] == 0' \
	g -s -j group show 10
out_is "group show -s prints counter lines" 11 \
	sh -c "'$GVPN' -n '$NS0' -s group show 10 | grep -c '^    [a-z]'"
check "dev del" g dev del wan1 group 11
out_is "device detached" "group 11 df-bit copy $DEFAULTS" group_show 11
check "dev add again" g dev add wan1 group 11
out_is "objects stay in their namespace" "[]" "$GVPN" -n "$NS1" -j group show

# --- policies
check "policy add (full)" g policy add group 10 id 1 prio 5 \
	src 10.1.0.0/16 dst 10.2.0.0/16 proto tcp sport 1024-65535 dport 80 \
	action encrypt
check "policy add (minimal)" g policy add group 10 id 2 action bypass \
	origin local
check "policy add (other group)" g policy add group 11 id 1 proto icmp \
	action drop
out_is "policy show" "policy 1 group 10 prio 5 src 10.1.0.0/16 dst 10.2.0.0/16 proto tcp sport 1024-65535 dport 80 action encrypt origin ks
policy 2 group 10 prio 0 src 0.0.0.0/0 dst 0.0.0.0/0 action bypass origin local
policy 1 group 11 prio 0 src 0.0.0.0/0 dst 0.0.0.0/0 proto icmp action drop origin ks" \
	g policy show
out_is "policy show group" 2 sh -c "'$GVPN' -n '$NS0' policy show group 10 | wc -l"
json_is "policy show -j ID" \
	'd == [{"id": 1, "group": 10, "prio": 5, "src": "10.1.0.0/16",
		"dst": "10.2.0.0/16", "proto": "tcp", "sport_min": 1024,
		"sport_max": 65535, "dport_min": 80, "dport_max": 80,
		"action": "encrypt", "origin": "ks"}]' g -j policy show group 10 id 1
json_is "policy show -s -j has match counters" \
	'd[0]["stats"] == {"match_packets": 0, "match_bytes": 0}' \
	g -s -j policy show group 10 id 2
check "policy del" g policy del group 10 id 2
out_is "policy gone" 1 sh -c "'$GVPN' -n '$NS0' policy show group 10 | wc -l"

# A dump longer than one netlink message (32 KiB, about 190 policies) is
# read to its end.
for i in $(seq 1 250); do
	echo "policy add group 11 id $((i + 100)) proto udp dport $i action drop"
done | while read -r line; do
	# shellcheck disable=SC2086
	"$GVPN" -n "$NS0" $line || exit 1
done
log_test "250 policies added" $?
out_is "dump of 251 policies" 251 sh -c "'$GVPN' -n '$NS0' policy show group 11 | wc -l"
json_is "dump of 251 policies -j, in order" \
	'len(d) == 251 and [p["id"] for p in d] == [1] + list(range(101, 351))' \
	g -j policy show group 11
check "policy flush group" g policy flush group 11
out_is "group flushed, the other kept" "1" \
	sh -c "'$GVPN' -n '$NS0' policy show | wc -l"

# --- SAs and events
"$GVPN" -n "$NS0" -j monitor >"$out/events" 2>&1 &
mon=$!
defer kill "$mon"

# Events of SPI 0x999 until one arrives: the monitor has subscribed.
probe() {
	"$GVPN" -n "$NS0" sa add group 10 policy 1 spi 0x999 \
		aead 'rfc4106(gcm(aes))' "$KEY" 128 &&
	"$GVPN" -n "$NS0" sa del group 10 spi 0x999 &&
	grep -q '"spi":2457' "$out/events"
}
slowwait 10 probe
log_test "monitor receives events" $?

check "sa add (aead)" g sa add group 10 policy 1 spi 0x1234 \
	aead 'rfc4106(gcm(aes))' "$KEY" 128
check "sa add (enc + auth)" g sa add group 10 policy 1 spi 4661 \
	enc 'cbc(aes)' "$ENC_KEY" auth-trunc 'hmac(sha256)' "$AUTH_KEY" 128 \
	dir in lifetime-soft 100 lifetime-hard 200
out_is "sa show" "sa 0x1234 group 10 policy 1 dir both aead rfc4106(gcm(aes)) 128 key-bits 128 tbar off passive off active on replay-window 128 senders 0
sa 0x1235 group 10 policy 1 dir in enc cbc(aes) auth-trunc hmac(sha256) 128 key-bits 128 lifetime-soft 100 lifetime-hard 200 tbar off passive off active on" \
	sa_show
json_is "sa show -j ID" \
	'len(d) == 1 and d[0]["spi"] == 0x1235 and d[0]["enc"] == "cbc(aes)" and
	 d[0]["auth_trunc"] == "hmac(sha256)" and d[0]["trunc_bits"] == 128 and
	 d[0]["lifetime_hard"] == 200 and d[0]["dir"] == "in" and
	 d[0]["tbar"] is False and d[0]["passive"] is False and
	 d[0]["active"] is True and d[0]["activate_in_ms"] == 0 and
	 d[0]["deactivate_in_ms"] == 0 and "age" in d[0]' \
	g -j sa show group 10 spi 4661
json_is "sa show -s -j has SA counters" \
	'set(d[0]["stats"]) == {"tx_packets", "tx_bytes", "rx_packets",
				"rx_bytes", "drop_auth", "tx_timestamped",
				"iv_exhausted", "no_sid", "sender_replay",
				"senders_overflow"}' \
	g -s -j sa show group 10 spi 0x1234
check "sa del" g sa del group 10 spi 0x1235
out_is "sa gone" 1 sh -c "'$GVPN' -n '$NS0' sa show | wc -l"
# events: the SA events but those of the probe
events() {
	python3 -c "import json
print(json.dumps([e for e in map(json.loads, open('$out/events'))
		  if 'sa' in e and e['sa']['spi'] != 0x999]))"
}
# all_events: every event so far
all_events() {
	python3 -c "import json
print(json.dumps(list(map(json.loads, open('$out/events')))))"
}
busywait 5000 sh -c "[ \$(grep '\"sa\"' '$out/events' | grep -vc '\"spi\":2457') -ge 3 ]"
json_is "monitor: one JSON line per event" \
	'd == [{"event": "sa-added", "sa": {"spi": 0x1234, "group": 10, "policy": 1}},
	       {"event": "sa-added", "sa": {"spi": 0x1235, "group": 10, "policy": 1}},
	       {"event": "sa-removed", "sa": {"spi": 0x1235, "group": 10, "policy": 1}}]' \
	events
json_is "monitor: keys-up and keys-down carry the group" \
	'{"event": "keys-up", "group": {"id": 10}} in d and
	 {"event": "keys-down", "group": {"id": 10}} in d' \
	all_events

# 31 counters and the schema version (Documentation/gvpn-json.rst)
json_is "stats -j" \
	'len(d) == 32 and d["schema_version"] == 1 and d["drop_policy"] == 0' \
	g -j stats

# --- errors
fails_with "bad SPI: exit 2, word named" 2 'invalid SPI "12"' \
	gv sa add group 10 policy 1 spi 12 aead 'rfc4106(gcm(aes))' "$KEY" 128
fails_with "unknown keyword: exit 2" 2 'unknown keyword "colour"' \
	gv policy add group 10 id 9 action drop colour red
fails_with "unknown object: exit 2" 2 'unknown object "frob"' gv frob
out_is "bad command lines changed nothing" "1 1" \
	sh -c "echo \$('$GVPN' -n '$NS0' sa show | wc -l) \$('$GVPN' -n '$NS0' policy show group 10 | wc -l)"
fails_with "kernel range error names the attribute" 1 \
	'(attribute sa.aead-icv-bits' \
	gv sa add group 10 policy 1 spi 0x2000 aead 'rfc4106(gcm(aes))' "$KEY" 300
fails_with "existing group: exit 1" 1 'exists' gv group add 10
fails_with "missing group names group.id" 1 '(attribute group.id)' \
	gv group show 99
fails_with "missing device" 1 'device "nosuch" does not exist' \
	gv dev add nosuch group 10
out_is "help: exit 0" "Usage: gvpn sa add group ID policy PID spi SPI ALGO [ dir DIR ]" \
	sh -c "'$GVPN' sa help | head -1"

# --- teardown
check "sa flush" g sa flush
check "group del" g group del 10
check "group del (other)" g group del 11
out_is "everything gone" "[] [] []" \
	sh -c "echo \$('$GVPN' -n '$NS0' -j group show) \$('$GVPN' -n '$NS0' -j policy show) \$('$GVPN' -n '$NS0' -j sa show)"

no_key() {
	[ -s "$out/all" ] && [ -s "$out/events" ] &&
		! grep -qiE "${KEY#0x}|${ENC_KEY#0x}|${AUTH_KEY#0x}" \
			"$out/all" "$out/events"
}
check "no key in any output" no_key

exit $EXIT_STATUS
