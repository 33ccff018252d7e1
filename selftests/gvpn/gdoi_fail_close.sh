#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
#   hostA - gmA =\                /= gmB - hostB
#   (fail-close)  core (br0) <-- capture
#                   |
#                  ks1 192.168.0.10 (started late)
#
# Cisco fail-close on gmA ("crypto map M gdoi fail-close" + "activate"):
# before its first registration nothing of the group leaves gmA, in clear
# or otherwise; its registration to the key server (UDP 848) still goes
# out, and once it holds keys the sites talk through group ESP.

source "$(dirname "$0")/lib.sh"
gdoi_require

gvpn_load
gdoi_topo || { log_test "topology" 1; exit $EXIT_STATUS; }

ks_conf ks1
gm_conf gmA A extra='fail-mode = "close"; fail-close-activate = true;'
gm_conf gmB B
for n in ks1 gmA gmB; do
	gvpnd_check "$n" || log_test "$n configuration passes gvpnd --check" 1
done

# gmA starts alone: no key server yet
gvpnd_start "$gmA" gmA || { log_test "gmA starts" 1; exit $EXIT_STATUS; }
check "gmA's group is fail-closed before registration" \
	busywait 10000 test "$(group_keys "$gmA")" = fail-closed

pcap=$TMPDIR_TEST/closed.pcap
capture_start "$pcap"
check_fail "hostA -> hostB is dropped before registration" \
	ping_ok "$hostA" 10.2.0.2
capture_stop
check "nothing from hostA on the WAN while closed" \
	test "$(wan_count "$pcap" '10\.1\.0\.2\.?[0-9]* > ')" -eq 0
check "gmA counted the drops (drop_no_keys)" \
	counter_ge "$gmA" drop_no_keys 2 group show $GDOI_GROUP

# the key server comes up; gmA's registration goes through fail-close
gvpnd_start "$ks1" ks1 || { log_test "key server starts" 1; exit $EXIT_STATUS; }
gvpnd_start "$gmB" gmB
check "gmB registers" gvpnd_log_wait gmB "GDOI-5-GM_REGS_COMPL"
# gmA may be between retries: ask it to register now (gvpn gm register)
gm_registered gmA || gctl gmA gm register group $GDOI_GROUP >/dev/null
check "gmA registers through its own fail-close" \
	gvpnd_log_wait gmA "GDOI-5-GM_REGS_COMPL" 60
check "gmA's group has keys: fail-close lifted" \
	busywait 10000 test "$(group_keys "$gmA")" = up

pcap=$TMPDIR_TEST/open.pcap
capture_start "$pcap"
check "hostA -> hostB after registration" ping_ok "$hostA" 10.2.0.2
check "hostB -> hostA after registration" ping_ok "$hostB" 10.1.0.2
capture_stop
check "the WAN carries their ESP" \
	test "$(wan_count "$pcap" '10\.1\.0\.2 > 10\.2\.0\.2: ESP')" -ge 2
check "and nothing of theirs in clear" test "$(wan_count "$pcap" \
	'10\.[12]\.0\.2\.?[0-9]* > 10\.[12]\.0\.2\.?[0-9]*: [^E]')" -eq 0

exit $EXIT_STATUS
