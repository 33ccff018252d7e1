#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Dumps are resumable and handle 100,000 objects: 100,000 policies over
# four groups (ids up to 2^32-1, group ids up to 65535) are added from one
# socket, 256 requests per sendmsg; a dump returns each of them exactly
# once, with its own selector, in (group, id) order, over hundreds of
# resumed parts; dumps filtered by group return exactly that group's; a
# dump that runs while policies behind and ahead of its position are
# deleted and added returns every unchanged policy exactly once and none
# that never existed, and says so (NLM_F_DUMP_INTR, which a dump without
# changes does not carry); a flush leaves none.

source "$(dirname "$0")/lib.sh"

cd "$(dirname "$0")" || exit $ksft_fail
gvpn_load || skip "gvpn.ko does not load"
setup_ns NS || exit $ksft_fail
# 25,000 policies per group, and a hundred more while the dump runs: more
# than the default max_policies
max=/sys/module/gvpn/parameters/max_policies
defer "echo $(cat $max) >$max"
echo 32768 >$max

start=$(date +%s)
ip netns exec "$NS" /usr/bin/python3 nl_dump_scale.py || EXIT_STATUS=$ksft_fail
echo "# $(($(date +%s) - start)) s"

exit $EXIT_STATUS
