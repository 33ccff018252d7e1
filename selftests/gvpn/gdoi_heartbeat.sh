#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
#   hostA - gmA =\                /= gmB - hostB
#                 core (br0) ----+
#   hostC - gmC =/   |        |
#       ks1 192.168.0.10    ks2 192.168.0.11
#       (heartbeat 2 s;     (standby: members list it second)
#        killed)
#
# Heartbeats (Juniper HB-01/HB-02): ks1 sends a push with only a SEQ every
# 2 s (lab timers; 60..3600 s otherwise), not acknowledged; members with
# heartbeat-threshold 2 count them and stay registered. Then ks1 dies
# (SIGKILL: no goodbye): every member notices within threshold x interval
# (+ slack for the retransmission period and TCG), logs GM_RE_REGISTER,
# fails over to ks2 and the sites talk again with ks2's keys.

source "$(dirname "$0")/lib.sh"
gdoi_require
require_cmd jq

HB=2
THRESHOLD=2
SLACK=4		# retransmit period (1 s) + scheduling under TCG

push_start ks2=1 rekey="retransmit-period = 1; retransmissions = 1; heartbeat = $HB;" \
	gm_extra="heartbeat-threshold = $THRESHOLD;" ||
	{ log_test "key servers and three members up" 1; exit $EXIT_STATUS; }
check "every member registered with ks1" test "$(grep -l \
	'GM_REGS_COMPL: Registration to KS 192\.168\.0\.10' "$TMPDIR_TEST"/gm[ABC].log |
	wc -l)" -eq 3

# heartbeats come and keep the members registered
hb=$(gm_counter gmA heartbeats)
seq=$(gm_seq gmA)
check "gmA counts ks1's heartbeats" \
	waitfor $((3 * HB + SLACK)) '[ "$(gm_counter gmA heartbeats)" -ge $((hb + 2)) ]'
check "each heartbeat has a new sequence number" test "$(gm_seq gmA)" -gt "$seq"
check "ks1's heartbeats are not acknowledged" test \
	"$(ks_member ks1 192.168.0.1 last_acked_seq)" != "$(ks_seq)"
check_fail "no member re-registered while ks1 lived" \
	grep -q GM_RE_REGISTER "$TMPDIR_TEST"/gm[ABC].log

t0=$(date +%s%3N)
{ kill -9 "$ks1_pid" && wait "$ks1_pid"; } 2>/dev/null
# when each member logged GM_RE_REGISTER, all three watched at once
declare -A gone=([A]=none [B]=none [C]=none)
end=$((t0 + (THRESHOLD * HB + SLACK + 5) * 1000))
while now=$(date +%s%3N); [ "$now" -lt "$end" ]; do
	left=0
	for s in $SITES; do
		[ "${gone[$s]}" = none ] || continue
		if grep -q GM_RE_REGISTER "$TMPDIR_TEST/gm$s.log"; then
			gone[$s]=$((now - t0))
		else
			left=1
		fi
	done
	[ $left = 0 ] && break
	sleep 0.1
done
echo "# GM_RE_REGISTER after ks1 died (ms): ${gone[A]} ${gone[B]} ${gone[C]}"
max=$(((THRESHOLD * HB + SLACK) * 1000))
for s in $SITES; do
	check "gm$s logged GM_RE_REGISTER within $THRESHOLD x $HB s (+$SLACK s)" \
		test "${gone[$s]}" != none -a "${gone[$s]/none/0}" -le "$max"
done
check "gvpn gm show counts the heartbeat loss" \
	test "$(gm_counter gmA heartbeat_losses)" -ge 1
for s in $SITES; do
	check "gm$s failed over to ks2" gvpnd_log_wait "gm$s" \
		"GM_REGS_COMPL: Registration to KS 192\.168\.0\.11" 40 ||
		gvpnd_log_dump "gm$s"
done
check "ks2 lists the three members" waitfor 5 '[ "$(gctl ks2 ks members |
	grep -cE "192\.168\.0\.[123]\b")" -eq 3 ]'
check "every member holds ks2's KEK" test "$(gm_kek_spi gmA) $(gm_kek_spi gmB) $(gm_kek_spi gmC)" = \
	"$(k=$(ks_kek_spi ks2); echo "$k $k $k")"
# ks1's SAs leave 2 x ATD after each member's registration with ks2
check "the members hold the same SAs (ks2's)" waitfor $((3 * PUSH_ATD + 5)) \
	'[ -n "$(sa_list "$gmA")" ] && [ "$(sa_list "$gmA")" = "$(sa_list "$gmB")" ] &&
	 [ "$(sa_list "$gmA")" = "$(sa_list "$gmC")" ]'
same_sas "$gmB" "$(sa_list "$gmA")" >/dev/null || show_sas
check "hostA -> hostB with ks2's keys" slowwait 10 ping_ok "$hostA" 10.2.0.2
check "hostC -> hostA with ks2's keys" ping_ok "$hostC" 10.1.0.2

exit $EXIT_STATUS
