#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
#   hostA - gmA =\                /= gmB - hostB
#                 core (br0) <-- capture
#   hostC - gmC =/
#
# The outer header copies the inner TOS/DSCP and TTL, gets a fresh IP ID,
# and sets DF as the group says: clear (the default), set, or copied from
# the inner header.

source "$(dirname "$0")/lib.sh"
require_cmd tcpdump

gvpn_load
topo_setup
for s in $SITES; do
	gm_group "$s" || { log_test "configure gm$s" 1; exit $EXIT_STATUS; }
done

# outer_flags PCAP: the "tos, ttl, id, flags" of the ESP from hostA.
esp_from_a() {
	wan_count "$1" . >/dev/null
	grep -E '10\.1\.0\.2 > 10\.2\.0\.2: ESP' "$1.txt"
}

# all_esp_have PCAP WHAT: hostA's ESP was captured, and every packet of it
# shows WHAT (a tcpdump -v fragment); prints the packets otherwise.
all_esp_have() {
	local pkts n
	pkts=$(esp_from_a "$1")
	n=$(grep -c . <<<"$pkts")
	[ "$n" -ge 1 ] && [ "$(grep -cF -- "$2" <<<"$pkts")" -eq "$n" ] ||
		{ echo "$pkts"; return 1; }
}

# ping_capture NAME PING-ARGS...: three pings hostA -> hostB, captured.
ping_capture() {
	local pcap=$TMPDIR_TEST/$1.pcap
	shift
	capture_start "$pcap"
	ip netns exec "$hostA" ping -q -c 3 -i 0.2 -W 2 "$@" 10.2.0.2 \
		>/dev/null 2>&1
	local rc=$?
	capture_stop
	return $rc
}

check "ping with DSCP EF" ping_capture tos -Q 0xb8
check "outer TOS is the inner DSCP EF" \
	all_esp_have "$TMPDIR_TEST/tos.pcap" 'tos 0xb8,'
check "outer TTL is the inner TTL (63 after gmA forwarded it)" \
	all_esp_have "$TMPDIR_TEST/tos.pcap" 'ttl 63,'
check "each outer header has its own IP ID" test "$(esp_from_a \
	"$TMPDIR_TEST/tos.pcap" | grep -oE 'id [0-9]+' | sort -u | wc -l)" -eq \
	"$(esp_from_a "$TMPDIR_TEST/tos.pcap" | wc -l)"

check "df-bit clear (default), inner DF" ping_capture clear -M do
check_fail "outer DF is clear" grep -q 'flags \[DF\]' \
	<(esp_from_a "$TMPDIR_TEST/clear.pcap")

all_gms group set 1 df-bit set
check "df-bit set, inner without DF" ping_capture set -M dont
check "outer DF is set" all_esp_have "$TMPDIR_TEST/set.pcap" 'flags [DF]'
check "group shows df-bit set" sh -c "$GVPN -n $gmA group show 1 | grep -q 'df-bit set'"

all_gms group set 1 df-bit copy
check "df-bit copy, inner DF" ping_capture copy-df -M do
check "outer DF copied when set" \
	all_esp_have "$TMPDIR_TEST/copy-df.pcap" 'flags [DF]'
check "df-bit copy, inner without DF" ping_capture copy-nodf -M dont
check_fail "outer DF copied when clear" grep -q 'flags \[DF\]' \
	<(esp_from_a "$TMPDIR_TEST/copy-nodf.pcap")

exit $EXIT_STATUS
