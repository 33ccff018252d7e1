#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# gvpnd and libreswan's pluto (4.10, IKEv1, its default ikepad) establish
# aggressive mode Phase 1 with a pre-shared key, in both directions, with
# doi = "ipsec" (libreswan has no GDOI). This is about aggressive mode
# message 3 (gvpnd's per-peer aggressive-msg3):
#
# - gvpnd initiates with message 3 encrypted (the default): pluto is
#   established and its protected DELETE (whack --delete) verifies at
#   gvpnd, so both took the last block of message 3 as the IV base of
#   later messages (RFC 2409 appendix B).
# - gvpnd initiates with message 3 in the clear: pluto is established, but
#   its protected DELETE does not decrypt at gvpnd (pluto's IV base is not
#   hash(g^xi | g^xr)): why the default is "encrypted".
# - pluto initiates: gvpnd logs the form of pluto's message 3 (encrypted)
#   and gvpnd's protected DELETE on shutdown is taken by pluto.
#
#   ks 10.99.0.1 --------- 10.99.0.2 gm
#   pluto :500 (resp.)     gvpnd :848 (init.)
#   gvpnd :848 (resp.)     pluto :500 (init.)
#
# libreswan is not installed system-wide (Debian's package conflicts with
# strongSwan's): scripts/fetch-libreswan extracts it under
# build/libreswan/root (LIBRESWAN_ROOT), and pluto runs there, in its
# namespace's own mount namespace, /usr/libexec/ipsec bound to the copy
# (pluto runs addconn from its built-in path).

source "$(dirname "$0")/lib.sh"

LSROOT=${LIBRESWAN_ROOT:-$GVPN_TOP/build/libreswan/root}
PLUTO=$LSROOT/usr/libexec/ipsec/pluto
[ -x "$PLUTO" ] ||
	skip "libreswan not extracted in $LSROOT (scripts/fetch-libreswan)"
LSLIB=$LSROOT/usr/lib/x86_64-linux-gnu

# ls_run NS CMD ARGS...: a libreswan program in NS, with its libraries
ls_run() {
	local ns=$1
	shift
	ip netns exec "$ns" env LD_LIBRARY_PATH="$LSLIB" "$@"
}

# pluto_start NS NAME LOCAL REMOTE PORT: pluto in NS with one connection
# "t" (aggressive mode, PSK, AES-256/SHA-256/ECP-256, the peer's IKE PORT);
# its pid in ${NAME}_pid
pluto_start() {
	local ns=$1 name=$2 local=$3 remote=$4 port=$5 d=$T/$2
	mkdir -p "$d/nss" "$d/run" "$d/ipsec.d"
	ls_run "$ns" "$LSROOT/usr/bin/certutil" -N -d "sql:$d/nss" \
		--empty-password || return 1
	cat >"$d/ipsec.conf" <<-EOC
	config setup
	  ikev1-policy=accept
	conn t
	  ikev2=no
	  aggressive=yes
	  authby=secret
	  left=$local
	  right=$remote
	  $([ "$port" = 500 ] || echo "rightikeport=$port")
	  ike=aes256-sha2_256;dh19
	  auto=add
	EOC
	secret "$d/ipsec.secrets" "$local $remote : PSK \"$PSK\""
	ip netns exec "$ns" sh -c "mount -t tmpfs none /run && mkdir /run/pluto &&
		mount -t tmpfs none /usr/libexec && mkdir /usr/libexec/ipsec &&
		mount --bind '$LSROOT/usr/libexec/ipsec' /usr/libexec/ipsec &&
		LD_LIBRARY_PATH='$LSLIB' exec '$PLUTO' --nofork --stderrlog \
		--config '$d/ipsec.conf' --secretsfile '$d/ipsec.secrets' \
		--ipsecdir '$d/ipsec.d' --nssdir '$d/nss' --rundir '$d/run'" \
		>"$d/pluto.log" 2>&1 &
	defer kill "$!"
	printf -v "${name}_pid" '%s' "$!"
	printf -v "${name}_ns" '%s' "$ns"
	busywait 10000 test -S "$d/run/pluto.ctl" || return 1
	ls_run "$ns" "$LSROOT/usr/libexec/ipsec/addconn" --config "$d/ipsec.conf" \
		--ctlsocket "$d/run/pluto.ctl" t >"$d/addconn.out" 2>&1 &&
	whack "$name" --listen >/dev/null
}

# whack NAME ARGS...: whack on that pluto
whack() {
	local name=$1 ns_var=${1}_ns
	shift
	ls_run "${!ns_var}" "$LSROOT/usr/libexec/ipsec/whack" \
		--ctlsocket "$T/$name/run/pluto.ctl" "$@"
}

# pluto_log NAME: its log from line ${NAME}_from on (the current case)
pluto_log() {
	local from=${1}_from
	tail -n "+${!from:-1}" "$T/$1/pluto.log"
}

# pluto_mark NAME: the current case starts now
pluto_mark() {
	printf -v "${1}_from" '%s' "$(($(wc -l <"$T/$1/pluto.log") + 1))"
}

# pluto_has NAME PATTERN: in the current case's log
pluto_has() {
	slowwait 10 pluto_grep "$1" "$2"
}

pluto_grep() {
	pluto_log "$1" | grep -qaE "$2"
}

topo || exit 1
pluto_start "$ks" lks "$KS_IP" "$GM_IP" 848 ||
	{ log_test "pluto starts (ks)" 1; exit 1; }

# gvpnd initiates with aggressive-msg3 = MSG3
initiator() {
	local msg3=$1 m="aggressive (message 3 $1)"

	gvpnd_conf "$T/i-$msg3.conf" role=initiator port=500 mode=aggressive \
		enc=aes256 hash=sha256 group=ecp256 doi=ipsec msg3=$msg3
	pluto_mark lks
	gvpnd_start "$gm" gi "$T/i-$msg3.conf"
	check "$m: gvpnd initiator established" \
		log_has gi "Phase 1 established: aggressive mode initiator with $KS_IP:500"
	check "$m: pluto responder established" \
		pluto_has lks '"t" #[0-9]+: (IKE SA|ISAKMP SA) established'
	whack lks --terminate --name t >/dev/null 2>&1
	if [ "$msg3" = encrypted ]; then
		check "$m: pluto's protected DELETE verifies at gvpnd" \
			log_has gi "peer $KS_IP:500 \(peer \"initiator-peer\"\) deleted the Phase 1 SA"
	else
		check "$m: pluto's protected DELETE does not decrypt at gvpnd (pluto's IV base differs)" \
			log_has gi "dropped protected informational message from $KS_IP:500: does not decrypt to HASH and payloads"
	fi
	gvpnd_stop gi
}

initiator encrypted
initiator clear

# pluto initiates to gvpnd, which listens on 500 here: libreswan sends to
# any other port from its NAT-T socket, with the non-ESP marker, as charon
# does (see Documentation/gvpnd.rst)
kill "$lks_pid"
pluto_start "$gm" lgm "$GM_IP" "$KS_IP" 500 ||
	{ log_test "pluto starts (gm)" 1; exit 1; }
gvpnd_conf "$T/r.conf" role=responder mode=aggressive enc=aes256 \
	hash=sha256 group=ecp256 doi=ipsec
sed -i 's/listen = { port = 848; };/listen = { port = 500; };/' "$T/r.conf"
busywait 5000 sh -c "! ip netns exec '$ks' ss -Hlun 'sport = :500' | grep -q ."
gvpnd_start "$ks" gr "$T/r.conf"
whack lgm --initiate --name t --asynchronous >/dev/null 2>&1
check "pluto initiator: gvpnd responder established" \
	log_has gr "Phase 1 established: aggressive mode responder with $GM_IP:500"
check "pluto initiator established" \
	pluto_has lgm '"t" #[0-9]+: (IKE SA|ISAKMP SA) established'
check "pluto's message 3 is encrypted (gvpnd's log)" \
	log_has gr "aggressive mode message 3 from $GM_IP:500: encrypted"
gvpnd_stop gr
check "gvpnd's protected DELETE taken by pluto" \
	pluto_has lgm 'received Delete SA payload: (self-)?deleting ISAKMP State'

exit $EXIT_STATUS
