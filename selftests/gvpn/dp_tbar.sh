#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
#   hostA - gmA =\                /= gmB - hostB      WAN MTU 1400
#                 core (br0) <-- capture, replay (pcap_replay.py)
#   hostC - gmC =/
#
# Time-based anti-replay: with TBAR SAs traffic flows; ESP captured on the
# WAN and replayed inside the window is accepted, after it dropped and
# counted; a receiver whose clock is outside the window drops everything
# and reports both times; window 0 accepts all; pseudotime updates take
# effect; the wall clock works too; fragments carry their own timestamps.

source "$(dirname "$0")/lib.sh"
require_cmd tcpdump

gvpn_load
topo_setup 1400

# Both gateways: TBAR SA, pseudotime clock, 8-second window (room for a
# replay tool that starts slowly under TCG), 100 ms tick.
# The clocks are set back to back, as a key server's rekey would.
# This test is about TBAR alone: the SAs have sender IDs (GCM needs them)
# but replay-window 0, so no per-sender window drops the exact replays
# TBAR lets through (dp_sender_id.sh tests the windows).
pt=1000000
for s in A B; do
	gm=gm$s
	gm_group_nosa "$s" &&
	$GVPN -n "${!gm}" sa add group 1 policy 10 spi 0x1000 \
		aead 'rfc4106(gcm(aes))' "$GROUP_KEY" 128 tbar \
		$(gm_sid "$s") replay-window 0 ||
		{ log_test "configure gm$s" 1; exit $EXIT_STATUS; }
done
for s in A B; do
	gm=gm$s
	$GVPN -n "${!gm}" group set 1 tbar-window 8 clock pseudotime $pt tick 100
done

replay_start "$gmB"
pcap=$TMPDIR_TEST/wan.pcap
capture_start "$pcap"
check "traffic flows with timestamps (pseudotime)" ping_ok "$hostA" 10.2.0.2
capture_stop
check "gmB checked the timestamps" counter_ge "$gmB" replay_ok 2 group show 1
check "gmA stamped what it sent" \
	counter_ge "$gmA" tx_timestamped 2 sa show group 1 spi 0x1000

# A replay inside the window is accepted (TBAR only bounds the delay).
before=$(counter "$gmB" rx_packets group show 1)
check "replay within the window: sent" test \
	"$(replay "$pcap" 10.1.0.2 10.2.0.2)" -ge 2
check "replay within the window: accepted" busywait 5000 \
	counter_ge "$gmB" rx_packets $((before + 2)) group show 1

# The same packets after the window are dropped and counted.
sleep 8.5
before=$(counter "$gmB" drop_replay group show 1)
monitor_start "$gmB" "$TMPDIR_TEST/events"
replay "$pcap" 10.1.0.2 10.2.0.2 >/dev/null
monitor_stop
check "replay after the window: dropped and counted" busywait 5000 \
	counter_ge "$gmB" drop_replay $((before + 2)) group show 1
check "REPLAY_FAILED event with both times, 8.5 s or more apart" \
	/usr/bin/python3 -c '
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
ev = [e for e in ev if e.get("event") == "replay-failed"]
ok = ev and all(e["local_time_ms"] - e["sender_time_ms"] >= 8500 and
                e["src"] == "10.1.0.2" and e["dst"] == "10.2.0.2" for e in ev)
sys.exit(not ok)' "$TMPDIR_TEST/events"

# A receiver whose clock is 1000 s ahead drops everything.
$GVPN -n "$gmB" group set 1 clock pseudotime $((pt + 1000))
check_fail "clock outside the window: traffic dropped" \
	ping_ok "$hostA" 10.2.0.2
check "... and counted" counter_ge "$gmB" drop_replay $((before + 3)) group show 1

# Window 0 turns the check off.
$GVPN -n "$gmB" group set 1 tbar-window 0
$GVPN -n "$gmA" group set 1 tbar-window 0
check "window 0 accepts all, clocks 1000 s apart" ping_ok "$hostA" 10.2.0.2

# New pseudotime on both takes effect at once.
$GVPN -n "$gmA" group set 1 tbar-window 8 clock pseudotime 5000
$GVPN -n "$gmB" group set 1 tbar-window 8 clock pseudotime 5000
check "pseudotime update realigns the members" ping_ok "$hostA" 10.2.0.2
check "group shows the pseudotime clock near 5000 s" sh -c \
	"$GVPN -n $gmB -j group show 1 | /usr/bin/python3 -c '
import json, sys
g = json.load(sys.stdin)[0]
sys.exit(not (g[\"clock\"] == \"pseudotime\" and 5000 <= g[\"clock_ms\"] / 1000 < 5100))'"

# Fragmented before encryption: every fragment has its own timestamp.
before=$(counter "$gmB" replay_ok group show 1)
check "3000-byte pings with timestamps over a 1400-byte WAN" \
	ping_ok "$hostA" 10.2.0.2 -s 3000
check "each of the 3 ESP packets per ping was checked" \
	counter_ge "$gmB" replay_ok $((before + 6)) group show 1

# The wall clock (members share the VM's clock, as NTP would keep them).
$GVPN -n "$gmA" group set 1 clock wallclock
$GVPN -n "$gmB" group set 1 clock wallclock
check "traffic flows with timestamps (wall clock)" ping_ok "$hostA" 10.2.0.2

exit $EXIT_STATUS
