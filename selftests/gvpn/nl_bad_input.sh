#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Malformed netlink requests are rejected cleanly. Each request of a table
# of well over 50 (nl_bad_input.py: missing, oversized, out-of-range,
# wrongly typed, truncated or mis-nested attributes, read-only attributes,
# unknown commands, attributes and objects, semantic errors in policies and
# SAs, duplicates) fails with the expected errno and an extended ACK message
# pointing at the offending attribute where the kernel can, and leaves every
# group, policy and SA of the namespace exactly as it was, without sending
# any event.
#
#   netns: d0 (attached to group 1) --veth-- d1 (attached nowhere)

source "$(dirname "$0")/lib.sh"

cd "$(dirname "$0")" || exit $ksft_fail
gvpn_load || skip "gvpn.ko does not load"
setup_ns NS || exit $ksft_fail
ip -n "$NS" link add d0 type veth peer name d1 || exit $ksft_fail

ip netns exec "$NS" /usr/bin/python3 nl_bad_input.py || EXIT_STATUS=$ksft_fail

exit $EXIT_STATUS
