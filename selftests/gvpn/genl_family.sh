#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The generic netlink family "gvpn" is visible once the module is loaded,
# is autoloaded on first use, lives in every network namespace, and goes
# away with the module.

source "$(dirname "$0")/lib.sh"

require_cmd genl

gvpn_loaded && gvpn_unload

family_visible() {
	local out
	out=$(ip netns exec "$1" genl ctrl get name gvpn 2>&1) || return 1
	grep -q 'Name: gvpn' <<<"$out" && grep -q 'multicast groups:' <<<"$out" &&
		grep -q 'events' <<<"$out"
}

setup_ns NS0 NS1

check_fail "module not loaded at start" gvpn_loaded
check "family lookup autoloads gvpn.ko" family_visible "$NS0"
check "module was autoloaded" gvpn_loaded
check "family visible in another netns" family_visible "$NS1"
check "module unloads with netns alive" gvpn_unload
# A dump does not autoload, unlike a lookup by name.
check_fail "family gone after unload" \
	sh -c 'genl ctrl list | grep -q "Name: gvpn"'

exit $EXIT_STATUS
