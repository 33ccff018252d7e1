#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# gvpn objects vanish with their network namespace, and devices leave their
# group when they leave the namespace.
#
# A netns holding 3 groups with attached devices, 10,000 policies and
# 10,000 SAs is deleted: slab usage returns to the baseline taken after an
# identical warm-up netns, and per-CPU usage while filled repeats (so the
# warm-up left nothing allocated; nl_netns_cleanup.py, with the tolerances
# of nl_slab_baseline.py); then the module's reference count is 0 and it
# unloads, with no kernel warning.
#
# Then, in NSA:  a0 --veth-- a1   (a0 in group 1)
#                m0 --veth-- m1   (m0 in group 2)       NSB: (empty)
# Deleting a0 detaches it; a new device given a0's ifindex is not attached
# (but can be). Moving m0 to NSB detaches it, NSB has no group, and moving
# it back does not reattach it. Deleting a group frees its devices.

source "$(dirname "$0")/lib.sh"

cd "$(dirname "$0")" || exit $ksft_fail
[ -r /proc/slabinfo ] || skip "no /proc/slabinfo"
gvpn_load || skip "gvpn.ko does not load"

PY=/usr/bin/python3
dmesg_start=$(dmesg | wc -l)

no_kernel_warning() {
	! dmesg | tail -n +"$((dmesg_start + 1))" |
		grep -E 'WARNING|BUG|Oops|leak|refcount|gvpn.*(error|fail)'
}

$PY nl_netns_cleanup.py memory || EXIT_STATUS=$ksft_fail
check "module reference count is 0" test "$(cat /sys/module/gvpn/refcnt)" = 0
check "module unloads" gvpn_unload
check_fail "module is gone" gvpn_loaded
check "no kernel warning" no_kernel_warning
check "module loads again" gvpn_load

setup_ns NSA NSB || exit $ksft_fail
ip -n "$NSA" link add a0 type veth peer name a1
ip -n "$NSA" link add m0 type veth peer name m1

ifindex() {
	ip -n "$1" -o link show dev "$2" | cut -d: -f1
}

# attached NS GROUP: the ifindexes attached to GROUP, or "none".
attached() {
	ip netns exec "$1" $PY nl_netns_cleanup.py devs "$2"
}

$GVPN -n "$NSA" group add 1 && $GVPN -n "$NSA" group add 2 &&
	$GVPN -n "$NSA" dev add a0 group 1 && $GVPN -n "$NSA" dev add m0 group 2
log_test "groups 1 and 2 with a0 and m0 attached" $?
a0=$(ifindex "$NSA" a0)
m0=$(ifindex "$NSA" m0)
check "group 1 shows a0" test "$(attached "$NSA" 1)" = "$a0"

ip -n "$NSA" link del a0
check "deleting a0 detaches it" test "$(attached "$NSA" 1)" = none
ip -n "$NSA" link add b0 index "$a0" type veth peer name b1
check "a new device with a0's ifindex is not attached" \
	test "$(attached "$NSA" 1)" = none
check "the new device can be attached" $GVPN -n "$NSA" dev add b0 group 1
check "group 1 shows it" test "$(attached "$NSA" 1)" = "$a0"

ip -n "$NSA" link set m0 netns "$NSB"
check "moving m0 to another netns detaches it" \
	test "$(attached "$NSA" 2)" = none
check "the other netns has no group" \
	test "$($GVPN -n "$NSB" -j group show)" = "[]"
ip -n "$NSB" link set m0 netns "$NSA"
check "moved back, m0 is still detached" test "$(attached "$NSA" 2)" = none
check "m0 can be attached again" $GVPN -n "$NSA" dev add m0 group 2
check "group 2 shows m0" \
	test "$(attached "$NSA" 2)" = "$(ifindex "$NSA" m0)"

check "deleting group 1 works" $GVPN -n "$NSA" group del 1
check "its device can then join group 2" $GVPN -n "$NSA" dev add b0 group 2
check "group 2 shows both devices" test "$(attached "$NSA" 2 | wc -w)" = 2
check "no kernel warning at the end" no_kernel_warning

exit $EXIT_STATUS
