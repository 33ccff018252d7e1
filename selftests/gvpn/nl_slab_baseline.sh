#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# 10,000 policies and 10,000 AES-GCM SAs, added and then flushed, leave
# memory at its baseline: after a warm-up cycle, every slab cache's object
# count and Slab: in /proc/meminfo come back to what they were, and per-CPU
# memory while loaded (Percpu:) is what it was in the warm-up, so nothing
# stayed allocated. nl_slab_baseline.py explains the tolerances, why none
# can hide a leak of 10,000 objects, and how that was checked.

source "$(dirname "$0")/lib.sh"

cd "$(dirname "$0")" || exit $ksft_fail
[ -r /proc/slabinfo ] || skip "no /proc/slabinfo"
gvpn_load || skip "gvpn.ko does not load"
setup_ns NS || exit $ksft_fail

ip netns exec "$NS" /usr/bin/python3 nl_slab_baseline.py || EXIT_STATUS=$ksft_fail

exit $EXIT_STATUS
