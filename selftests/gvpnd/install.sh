#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
#   make install DESTDIR=$T/install        build/deb/gvpnd_V_amd64.deb
#            |                             (make deb), dpkg-deb -x $T/deb
#            +------------+   +-------------------+
#                         v   v
#        the installed files and their gvpnd.service
#
# What "make install" and the gvpnd package put on a gateway: /etc/gvpn
# made 0750 and empty, no key or PSK file anywhere, nothing others may
# write; gvpnd.service passes systemd-analyze verify (every directive
# known, ExecStart and the man pages it cites present) and keeps its
# hardening: capabilities bounded to CAP_NET_ADMIN and CAP_NET_BIND_SERVICE
# and an exposure systemd-analyze security rates "OK" or better.

source "$(dirname "$0")/lib.sh"
require_cmd systemd-analyze

# silent DESC OUT: OUT (what a command or a search printed) is empty; else
# it is printed, as comments, and the check fails
silent() {
	[ -z "$2" ] && { log_test "$1" 0; return; }
	sed 's/^/# /' <<<"$2"
	log_test "$1" 1
}

# installed WHAT ROOT: the checks of one installed tree
installed() {
	local what=$1 root=$2 unit out level

	check "$what: /etc/gvpn is 0750 and empty" \
		test "$(stat -c %a "$root/etc/gvpn")" = 750 -a \
		-z "$(ls -A "$root/etc/gvpn")"
	out=$(find "$root" -type f \( -name '*.psk' -o -name '*.pem' -o \
		-name '*.key' \))
	silent "$what: no key or PSK file" "$out"
	silent "$what: nothing others may write" \
		"$(find "$root" ! -type l -perm -o+w)"

	unit=$(find "$root" -name gvpnd.service)
	check "$what: gvpnd.service installed" test -n "$unit" || return
	# systemd-analyze sees the host's /usr/sbin: point ExecStart at this
	# tree's gvpnd, and man at its pages; any message is a finding
	mkdir -p "$T/$what"
	sed "s|^ExecStart=/usr/sbin/gvpnd|ExecStart=$root/usr/sbin/gvpnd|" \
		"$unit" >"$T/$what/gvpnd.service"
	out=$(MANPATH=$root/usr/share/man systemd-analyze verify \
		"$T/$what/gvpnd.service" 2>&1 || echo "exit status $?")
	silent "$what: systemd-analyze verify gvpnd.service: silent" "$out"
	check "$what: CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_BIND_SERVICE" \
		grep -qx 'CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_BIND_SERVICE' "$unit"
	# SIGHUP is gvpnd's reload (ctl.sh tests what it does)
	check "$what: systemctl reload sends gvpnd SIGHUP" \
		grep -qx 'ExecReload=/bin/kill -HUP $MAINPID' "$unit"
	check "$what: ProtectSystem=strict, NoNewPrivileges=yes, UMask=0077" \
		test "$(grep -cxE 'ProtectSystem=strict|NoNewPrivileges=yes|UMask=0077' "$unit")" -eq 3
	out=$(systemd-analyze security --offline=yes "$T/$what/gvpnd.service" 2>&1 |
		grep 'Overall exposure level')
	level=$(grep -oE '[0-9]+\.[0-9]+ [A-Z]+' <<<"$out")
	echo "# $what: exposure $level"
	check "$what: systemd-analyze security rates the unit OK or better" \
		grep -qE ' (OK|SAFE)$' <<<"$level"
}

out=$(make -s -C "$GVPN_TOP" install DESTDIR="$T/install" 2>&1 ||
	echo "exit status $?")
silent "make install DESTDIR=..." "$out"
installed install "$T/install"

deb=$(ls "$GVPN_TOP"/build/deb/gvpnd_*_amd64.deb 2>/dev/null | tail -n 1)
if [ -n "$deb" ]; then
	mkdir -p "$T/deb"
	check "dpkg-deb -x gvpnd" dpkg-deb -x "$deb" "$T/deb"
	installed deb "$T/deb"
else
	log_test "gvpnd package (make deb)" "$ksft_skip"
fi

exit $EXIT_STATUS
