#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# 10,000 policies and 10,000 AES-GCM SAs, added and then flushed, leave
# slab and per-CPU memory at their baseline: every slab cache's object
# count, Slab: and Percpu: in /proc/meminfo return to what they were after
# a warm-up cycle (nl_slab_baseline.py explains the tolerances and why
# none of them can hide a leak of 10,000 objects).

source "$(dirname "$0")/lib.sh"

cd "$(dirname "$0")" || exit $ksft_fail
[ -r /proc/slabinfo ] || skip "no /proc/slabinfo"
gvpn_load || skip "gvpn.ko does not load"
setup_ns NS || exit $ksft_fail

ip netns exec "$NS" /usr/bin/python3 nl_slab_baseline.py || EXIT_STATUS=$ksft_fail

exit $EXIT_STATUS
