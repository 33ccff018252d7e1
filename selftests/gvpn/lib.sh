#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Helpers shared by the gvpn selftests, modelled on the kernel's
# tools/testing/selftests/net/lib.sh: network namespaces that clean up after
# themselves, polling waits, and per-check result lines.

# kselftest exit codes
ksft_pass=0
ksft_fail=1
ksft_xfail=2
ksft_skip=4

EXIT_STATUS=$ksft_pass
NS_LIST=()
CLEANUP_CMDS=()

GVPN_TOP=${GVPN_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
GVPN=${GVPN:-$GVPN_TOP/build/daemon/gvpn}

# setup_ns NAME...: create one namespace per NAME with a unique suffix,
# loopback up, and store its name in the variable NAME.
setup_ns() {
	local var ns
	for var in "$@"; do
		ns="${var,,}-$(mktemp -u XXXXXX)"
		ip netns add "$ns" || return 1
		ip -n "$ns" link set lo up || return 1
		NS_LIST+=("$ns")
		printf -v "$var" '%s' "$ns"
	done
}

cleanup_ns() {
	local ns pids
	for ns in "$@"; do
		pids=$(ip netns pids "$ns" 2>/dev/null)
		[ -n "$pids" ] && kill -9 $pids 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
}

# defer CMD...: run CMD at exit, latest first (like the newer net/lib.sh).
defer() {
	CLEANUP_CMDS+=("$*")
}

cleanup_all() {
	local i
	for ((i = ${#CLEANUP_CMDS[@]} - 1; i >= 0; i--)); do
		eval "${CLEANUP_CMDS[i]}" 2>/dev/null
	done
	CLEANUP_CMDS=()
	cleanup_ns "${NS_LIST[@]}"
	NS_LIST=()
}
trap cleanup_all EXIT

# busywait TIMEOUT_MS CMD...: retry CMD until it succeeds or time runs out.
busywait() {
	local timeout_ms=$1 start now
	shift
	start=$(date +%s%3N)
	while true; do
		"$@" && return 0
		now=$(date +%s%3N)
		[ $((now - start)) -ge "$timeout_ms" ] && return 1
		sleep 0.05
	done
}

slowwait() {
	local timeout_s=$1
	shift
	busywait $((timeout_s * 1000)) "$@"
}

# log_test DESC [RC]: print one check's result; a failure fails the script.
log_test() {
	local desc=$1 rc=${2:-$?}
	if [ "$rc" -eq 0 ]; then
		printf "TEST: %-60s [ OK ]\n" "$desc"
	elif [ "$rc" -eq "$ksft_skip" ]; then
		printf "TEST: %-60s [SKIP]\n" "$desc"
	else
		printf "TEST: %-60s [FAIL]\n" "$desc"
		EXIT_STATUS=$ksft_fail
	fi
	return 0
}

# check DESC CMD...: run CMD and log its success as DESC.
check() {
	local desc=$1
	shift
	"$@"
	log_test "$desc" $?
}

# check_fail DESC CMD...: CMD must fail.
check_fail() {
	local desc=$1
	shift
	! "$@"
	log_test "$desc" $?
}

skip() {
	echo "SKIP: $*"
	exit $ksft_skip
}

require_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null || skip "$c not installed"
	done
}

# gvpn_load / gvpn_unload: the module under test, by name (scripts/vmtest
# installs the build for the running kernel where modprobe finds it).
gvpn_load() {
	modprobe gvpn
}

gvpn_unload() {
	modprobe -r gvpn
}

gvpn_loaded() {
	[ -d /sys/module/gvpn ]
}
