#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The "events" multicast group reports SAs added and removed (by delete,
# policy delete, flush and group delete, one event each, with group, SPI
# and policy), soft expiry and hard expiry at their lifetimes (soft 2 s,
# hard 3 s: not earlier, in that order), and nothing for a refused request;
# hard expiry removes the SA. gvpn monitor prints the same SA events in the
# same order, and a monitor in another netns sees none of them.
#
#   NS: groups 1 and 2, listeners: nl_events.py, gvpn -j monitor
#   NS2: gvpn -j monitor only

source "$(dirname "$0")/lib.sh"

cd "$(dirname "$0")" || exit $ksft_fail
gvpn_load || skip "gvpn.ko does not load"
setup_ns NS NS2 || exit $ksft_fail
tmp=$(mktemp -d) || exit $ksft_fail
defer rm -rf "$tmp"

PY=/usr/bin/python3
SYNC_GROUP=999	# nl_events.py leaves this group's events out
KEY=0x0102030405060708090a0b0c0d0e0f1011121314

# monitor_start NS FILE: gvpn -j monitor in NS, writing to FILE, and only
# once it is listening: a probe SA of group SYNC_GROUP is added and deleted
# until the monitor reports it.
monitor_start() {
	local ns=$1 file=$2
	ip netns exec "$ns" "$GVPN" -j monitor >"$file" 2>&1 &
	defer kill $!
	$GVPN -n "$ns" group add $SYNC_GROUP &&
	$GVPN -n "$ns" policy add group $SYNC_GROUP id 1 action encrypt ||
		return 1
	probe() {
		$GVPN -n "$ns" sa add group $SYNC_GROUP policy 1 spi 0x100 \
			aead 'rfc4106(gcm(aes))' $KEY 128 &&
		$GVPN -n "$ns" sa del group $SYNC_GROUP spi 0x100 &&
		grep -q '"sa-removed".*"group":'$SYNC_GROUP "$file"
	}
	slowwait 10 probe && $GVPN -n "$ns" group del $SYNC_GROUP
}

check "gvpn monitor listens in NS" monitor_start "$NS" "$tmp/ns.json"
check "gvpn monitor listens in NS2" monitor_start "$NS2" "$tmp/ns2.json"

ip netns exec "$NS" $PY nl_events.py run "$tmp/seq.json" ||
	EXIT_STATUS=$ksft_fail

sleep 1		# the monitors have printed everything
$PY nl_events.py monitor "$tmp/ns.json" "$tmp/seq.json" ||
	EXIT_STATUS=$ksft_fail
check_fail "the monitor in NS2 saw none of NS's events" \
	grep -v -e '"group":'$SYNC_GROUP -e '"group":{"id":'$SYNC_GROUP \
	"$tmp/ns2.json"

exit $EXIT_STATUS
