#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Every gvpn command needs CAP_NET_ADMIN in the user namespace that owns
# the network namespace (GENL_UNS_ADMIN_PERM): changes, and reads too (GET,
# dump, STATS), and so does joining the "events" multicast group
# (GENL_MCAST_CAP_NET_ADMIN).
#
# Denied, with EPERM on every command and on joining the events group,
# nothing changed:
#   - nobody (uid 65534, no capabilities), over netlink and with the CLI;
#   - root without CAP_NET_ADMIN;
#   - root of a new user namespace, in a netns owned by the initial one.
# Allowed, the same requests:
#   - root (the control: the requests are valid);
#   - root of a new user namespace in a new netns it owns (unshare -Urn);
#   - nobody, likewise in a user and network namespace of its own.
#
#   NS: d0 (group 1) --veth-- d1

source "$(dirname "$0")/lib.sh"

require_cmd setpriv unshare
cd "$(dirname "$0")" || exit $ksft_fail
gvpn_load || skip "gvpn.ko does not load"
setup_ns NS || exit $ksft_fail
ip -n "$NS" link add d0 type veth peer name d1 || exit $ksft_fail

PY="/usr/bin/python3 $PWD/nl_permissions.py"
NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all"
NO_NET_ADMIN="setpriv --inh-caps=-net_admin --bounding-set=-net_admin"

# run CMD...: a Python part; its TEST lines are ours, its failure too.
run() {
	"$@" || EXIT_STATUS=$ksft_fail
}

own_netns() {
	ip link add d0 type veth peer name d1 && exec $PY own "$1"
}

ip netns exec "$NS" $PY setup || exit $ksft_fail
ip netns exec "$NS" $PY covered || EXIT_STATUS=$ksft_fail
ip netns exec "$NS" $PY snapshot >"$TMPDIR_TEST/before" || exit $ksft_fail

run ip netns exec "$NS" $NOBODY $PY denied "nobody"
run ip netns exec "$NS" $NO_NET_ADMIN $PY denied "root without NET_ADMIN"
run ip netns exec "$NS" unshare --user --map-root-user \
	$PY denied-userns "userns root, init netns"

# The CLI reports the refusal, for changes and reads alike (a monitor that
# is let in would listen until killed).
cli_denied() {
	local out
	out=$(ip netns exec "$NS" $NOBODY timeout 10 "$GVPN" "$@" 2>&1) && return 1
	echo "$out" | grep -q "Operation not permitted"
}
check "nobody: gvpn group add fails with EPERM" cli_denied group add 7
check "nobody: gvpn policy flush fails with EPERM" cli_denied policy flush
check "nobody: gvpn sa del fails with EPERM" \
	cli_denied sa del group 1 spi 0x1000
check "nobody: gvpn group show fails with EPERM" cli_denied group show
check "nobody: gvpn sa show fails with EPERM" cli_denied sa show
check "nobody: gvpn stats fails with EPERM" cli_denied stats
check "nobody: gvpn monitor fails with EPERM" cli_denied monitor

ip netns exec "$NS" $PY snapshot >"$TMPDIR_TEST/after"
check "the refused callers changed nothing" \
	cmp -s "$TMPDIR_TEST/before" "$TMPDIR_TEST/after"

run ip netns exec "$NS" $PY allowed "root"

export -f own_netns
export PY
run unshare --user --map-root-user --net \
	bash -c 'own_netns "userns root, own netns"'
if [ "$(sysctl -n kernel.unprivileged_userns_clone 2>/dev/null || echo 1)" = 1 ]; then
	run $NOBODY unshare --user --map-root-user --net \
		bash -c 'own_netns "nobody, own userns and netns"'
else
	log_test "nobody, own userns and netns" $ksft_skip
fi

exit $EXIT_STATUS
