#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
#   hostA - gmA =\                /= gmB - hostB
#                 core (br0) --> esp_inject.py out of gmB's port
#   hostC - gmC =/
#
# ESP crafted independently of gvpn (esp_inject.py, Python's AES-GCM) is
# accepted when well-formed, and each broken kind is dropped and counted
# under its own reason, nothing else counted, no kernel warning: bad ICV,
# truncated, unknown SPI, inner addresses differing from the outer ones,
# inner packet outside the SA's policy, bad padding, bad next header, bad
# inner checksum, bad inner length, and a pad length longer than the
# payload behind a valid ICV (which once made gvpn read the padding from
# before the packet: only KASAN sees that read, the drop looked the same).
# Dropped packets carry the kernel's drop reason closest to their counter.
# Events are rate-limited per kind: a flood of unknown SPIs, at once
# followed by a bad ICV, leaves the latter's auth-failed event through, and
# puts no "callbacks suppressed" line in the kernel log.

source "$(dirname "$0")/lib.sh"

gvpn_load
topo_setup
for s in $SITES; do
	gm_group "$s" || { log_test "configure gm$s" 1; exit $EXIT_STATUS; }
done
mac=$(ip -n "$gmB" -br link show wan | awk '{ print $3 }')

# counters: every counter of gmB's group, one "name value" per line.
counters() {
	$GVPN -n "$gmB" -j -s group show 1 |
		grep -oE '"[a-z_]+":[0-9]+' | tr -d '"' | tr ':' ' '
}

coproc INJECT { ip netns exec "$core" /usr/bin/python3 ./esp_inject.py pB \
	"$mac" "$GROUP_KEY"; }
defer kill "$INJECT_PID"

# inject CASE COUNTER: 3 packets of CASE raise COUNTER by 3, and no other
# drop counter moves.
inject() {
	local case=$1 want=$2 before after reply
	before=$(counters)
	echo "$case 3" >&"${INJECT[1]}"
	read -r -t 30 reply <&"${INJECT[0]}" && [ "$reply" = sent ] || return 1
	sleep 0.3
	after=$(counters)
	join <(sort <<<"$before") <(sort <<<"$after") | awk -v want="$want" '
		$1 == want { if ($3 - $2 != 3) { print want " moved by " $3 - $2; bad = 1 } next }
		$1 ~ /^drop_/ && $3 != $2 { print $1 " moved too"; bad = 1 }
		END { exit bad }'
}

check "well-formed ESP from an independent encoder is accepted" \
	inject good rx_packets
check "bad ICV: dropped, counted as drop_auth" inject bad_icv drop_auth
check "truncated: dropped, counted as drop_malformed" \
	inject truncated drop_malformed
check "unknown SPI: dropped, counted as drop_unknown_spi" \
	inject unknown_spi drop_unknown_spi
check "inner source differs from outer: drop_addr_mismatch" \
	inject addr_mismatch drop_addr_mismatch
check "inner packet outside the SA's policy: drop_selector" \
	inject selector drop_selector
check "bad padding bytes: drop_malformed" inject bad_padding drop_malformed
check "next header not IPv4: drop_malformed" \
	inject bad_next_header drop_malformed
check "bad inner header checksum: drop_malformed" \
	inject bad_inner_csum drop_malformed
check "inner length disagrees with the payload: drop_malformed" \
	inject bad_inner_len drop_malformed
check "pad length 255 on a short payload, valid ICV: drop_malformed" \
	inject pad_overrun drop_malformed
# The kernel's drop reasons name what happened (the skb:kfree_skb event):
# no longer netfilter's generic NETFILTER_DROP.
tracing=/sys/kernel/tracing
[ -d $tracing/events ] || mount -t tracefs tracefs $tracing 2>/dev/null
# drop_reason CASE REASON: CASE's packets are freed with drop reason REASON
drop_reason() {
	local ev=$tracing/events/skb/kfree_skb found
	echo 1 >$ev/enable && echo >$tracing/trace || return 1
	inject "$1" "drop_${2,,}" >/dev/null
	echo 0 >$ev/enable
	found=$(grep -c "reason: $3" $tracing/trace)
	[ "$found" -ge 3 ] && return 0
	echo "# $found of 3 packets with reason $3; reasons seen:"
	grep -oE 'reason: [A-Z_]+' $tracing/trace | sort | uniq -c | sed 's/^/# /'
	return 1
}
if [ -d $tracing/events/skb/kfree_skb ]; then
	check "malformed ESP is freed with drop reason INVALID_PROTO" \
		drop_reason bad_next_header MALFORMED INVALID_PROTO
	check "a bad ICV is freed with drop reason XFRM_POLICY" \
		drop_reason bad_icv AUTH XFRM_POLICY
else
	log_test "drop reasons (no tracefs)" "$ksft_skip"
fi

# events_seen KIND MIN: the monitor printed at least MIN KIND events.
events_seen() {
	[ "$(grep -c "\"event\":\"$1\"" "$TMPDIR_TEST/events")" -ge "$2" ]
}
suppressed() {
	dmesg | grep -c 'callbacks suppressed'
}
monitor_start "$gmB" "$TMPDIR_TEST/events"
echo "unknown_spi 1" >&"${INJECT[1]}"
read -r -t 30 _ <&"${INJECT[0]}"
check "the monitor listens" busywait 5000 events_seen unknown-spi 1
logged=$(suppressed)
# the flood and the bad ICV in one go: well within the flood's second
printf 'unknown_spi 200\nbad_icv 1\n' >&"${INJECT[1]}"
read -r -t 30 _ <&"${INJECT[0]}" && read -r -t 30 _ <&"${INJECT[0]}"
check "after a flood of unknown SPIs, the auth failure is announced" \
	busywait 5000 events_seen auth-failed 1
check_fail "the flood itself was rate-limited" events_seen unknown-spi 201
# the next event after the flood's second is when a log line would come
sleep 1.1
echo "unknown_spi 1" >&"${INJECT[1]}"
read -r -t 30 _ <&"${INJECT[0]}"
monitor_stop
check "no \"callbacks suppressed\" in the kernel log" test "$(suppressed)" -eq "$logged"

check "the SA counted the authentication failures" \
	counter_ge "$gmB" drop_auth 3 sa show group 1 spi 0x1000
check "and still decrypts real traffic" ping_ok "$hostA" 10.2.0.2

exit $EXIT_STATUS
