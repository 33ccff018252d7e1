#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# What a namespace may hold, and who pays for it.
#
# Limits: with the module parameters lowered to 3 groups per namespace, 20
# policies and 10 SAs per group, the request beyond each limit fails with
# ENOSPC and an extended ACK naming the parameter, and adds nothing; a
# deleted object makes room again; another group (and another namespace)
# has its own room. So for root in NS, and for nobody in a user and network
# namespace of its own, who cannot raise the limits either.
#
# Accounting: the policies and SAs a process adds are charged to its memory
# cgroup (cgroup v2, mounted here if the system has not): memory.stat
# shows their slab objects and their per-CPU counters.
#
#   NS2: a process in cgroup gvpn-test-PID adds 1,000 policies and SAs
#   NS: root fills it to the limits
#   nobody's own userns + netns: the same, while NS is full

source "$(dirname "$0")/lib.sh"

require_cmd setpriv unshare nsenter
cd "$(dirname "$0")" || exit $ksft_fail
gvpn_load || skip "gvpn.ko does not load"
setup_ns NS NS2 || exit $ksft_fail

PY="/usr/bin/python3 $PWD/nl_limits.py"
NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all"
params=/sys/module/gvpn/parameters

# A memory cgroup of our own, on cgroup v2.
memcg_setup() {
	local root=/sys/fs/cgroup
	if ! grep -q "^[^ ]* $root cgroup2 " /proc/mounts; then
		mount -t cgroup2 none "$root" || return 1
		defer umount "$root"
	fi
	grep -qw memory "$root/cgroup.subtree_control" ||
		echo +memory >"$root/cgroup.subtree_control" || return 1
	CG=$root/gvpn-test-$$
	mkdir "$CG" && defer rmdir "$CG"
}
check "a memory cgroup of our own" memcg_setup
# nsenter, not ip netns exec, which would hide the cgroup mount under a new
# /sys
sh -c "echo \$\$ >'$CG/cgroup.procs' &&
	exec nsenter --net=/run/netns/$NS2 $PY memcg" || EXIT_STATUS=$ksft_fail

# limit NAME VALUE: set a module parameter until the test ends.
limit() {
	defer "echo $(cat "$params/$1") >$params/$1"
	echo "$2" >"$params/$1"
}
limit max_groups 3 && limit max_policies 20 && limit max_sas 10 ||
	{ log_test "set the module's limits" 1; exit $EXIT_STATUS; }

ip netns exec "$NS" $PY caps "root" || EXIT_STATUS=$ksft_fail
if [ "$(sysctl -n kernel.unprivileged_userns_clone 2>/dev/null || echo 1)" = 1 ]; then
	$NOBODY unshare --user --map-root-user --net $PY caps-userns \
		"nobody, own userns and netns" || EXIT_STATUS=$ksft_fail
else
	log_test "nobody, own userns and netns" $ksft_skip
fi

exit $EXIT_STATUS
