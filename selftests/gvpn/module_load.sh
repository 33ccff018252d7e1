#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# gvpn.ko loads and unloads cleanly, repeatedly, and leaves nothing behind.
# (scripts/vmtest fails the run on any oops or WARN in the kernel log.)

source "$(dirname "$0")/lib.sh"

gvpn_loaded && gvpn_unload

check "module loads" gvpn_load
check "module is live" grep -qx live /sys/module/gvpn/initstate
check "module is ours" test "$(modinfo -F description gvpn)" = \
	"Group ESP (GDOI) with address preservation"
check "module unloads" gvpn_unload
check_fail "module is gone" gvpn_loaded

for i in $(seq 1 20); do
	gvpn_load && gvpn_unload || break
done
log_test "20 load/unload cycles" $?
check_fail "nothing left loaded" gvpn_loaded

exit $EXIT_STATUS
