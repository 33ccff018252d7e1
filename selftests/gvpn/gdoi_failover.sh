#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
#   hostA - gmA =\                /= gmB - hostB
#                 core (br0) ----+
#                  |         |
#     ks1 192.168.0.10     ks2 192.168.0.11
#     (down: link off)     (up)
#
# Members list ks1 then ks2 (Cisco "server address ipv4", Juniper
# server-address). ks1 does not answer: each member tries it
# register-retries times register-interval seconds apart (GM-05; short
# timers here, 3 x 10 s by default), then registers with ks2, and the
# sites talk with ks2's keys.

source "$(dirname "$0")/lib.sh"
gdoi_require

RETRIES=2
INTERVAL=2

gvpn_load
gdoi_topo ks2 || { log_test "topology" 1; exit $EXIT_STATUS; }
# ks1 is down: its link is off, nothing answers for 192.168.0.10
ip -n "$ks1" link set wan down

ks_conf ks2 addr=192.168.0.11
for s in A B; do
	gm_conf "gm$s" "$s" servers="ks1:192.168.0.10 ks2:192.168.0.11" \
		retries=$RETRIES interval=$INTERVAL.0
done
for n in ks2 gmA gmB; do
	gvpnd_check "$n" || log_test "$n configuration passes gvpnd --check" 1
done

gvpnd_start "$ks2" ks2 || { log_test "ks2 starts" 1; exit $EXIT_STATUS; }
t0=$(date +%s%3N)
gvpnd_start "$gmA" gmA
gvpnd_start "$gmB" gmB

check "gmA registers with ks2" gvpnd_log_wait gmA \
	"GDOI-5-GM_REGS_COMPL: Registration to KS 192\.168\.0\.11 complete" 60 ||
	gvpnd_log_dump gmA
t1=$(date +%s%3N)
check "gmB registers with ks2" gvpnd_log_wait gmB \
	"GDOI-5-GM_REGS_COMPL: Registration to KS 192\.168\.0\.11 complete" 60

check "gmA tried ks1 first" gvpnd_log_has gmA "192\.168\.0\.10"
check_fail "gmA never registered with ks1" \
	gvpnd_log_has gmA "GM_REGS_COMPL: Registration to KS 192\.168\.0\.10"
# ks1 had its tries (RETRIES x INTERVAL s, the first at once) before ks2
min=$(((RETRIES - 1) * INTERVAL * 1000))
check "gmA waited for the failover delay (>= $min ms) before ks2" \
	test $((t1 - t0)) -ge "$min"
# every try to ks1, then ks2, in this order
tries_in_order() {
	awk -v r=$RETRIES '
		/registering with KS 192\.168\.0\.10 \(peer "ks1"\), try/ {
			if (ks2) bad = 1; n1++ }
		/registering with KS 192\.168\.0\.11 \(peer "ks2"\), try 1 of/ {
			ks2 = 1 }
		END { exit !(n1 == r && ks2 && !bad) }' "$TMPDIR_TEST/gmA.log"
}
check "gmA tried ks1 $RETRIES times, then ks2" tries_in_order

check "ks2 lists both members" test "$(gctl ks2 ks members |
	grep -cE '192\.168\.0\.[12]\b')" -eq 2
check "gmA and gmB hold the same SAs" same_sas "$gmB" "$(sa_list "$gmA")"
check "hostA -> hostB through the group" ping_ok "$hostA" 10.2.0.2
check "hostB -> hostA through the group" ping_ok "$hostB" 10.1.0.2
check "gmB decrypted gmA's ESP" counter_ge "$gmB" rx_packets 2 sa show

exit $EXIT_STATUS
