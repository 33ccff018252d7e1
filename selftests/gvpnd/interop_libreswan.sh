#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# gvpnd and libreswan's pluto (4.10, IKEv1, its default ikepad: every
# message padded to a multiple of 4 bytes, the zeros counted in the
# header Length) establish Phase 1 with AES-256/SHA-256/ECP-256, in both
# directions, with doi = "ipsec" (libreswan has no GDOI): main mode with a
# pre-shared key, main mode with RSA signatures (certificates of one CA
# made with strongSwan's pki, identities the DNs) and aggressive mode with
# a pre-shared key. One pluto holds the three connections for all cases.
#
# After each, a protected DELETE must verify on the other side, so the IV
# chains agree after the padded messages:
# - gvpnd initiates: pluto's DELETE (whack --terminate) verifies at gvpnd.
#   In aggressive mode with message 3 encrypted (aggressive-msg3, the
#   default) both took its last block as the IV base of later messages
#   (RFC 2409 appendix B); with message 3 in the clear pluto's DELETE
#   does not decrypt at gvpnd (pluto's IV base is not hash(g^xi | g^xr)):
#   why the default is "encrypted".
# - pluto initiates: gvpnd's DELETE on shutdown is taken by pluto; gvpnd
#   logs the form of pluto's aggressive mode message 3 (encrypted).
#
#   ks 10.99.0.1 --------- 10.99.0.2 gm
#   pluto :500             gvpnd :500 (initiator, then responder)
#
# gvpnd listens on 500: pluto sends to any other port from its NAT-T
# socket, with the non-ESP marker, as charon does (Documentation/gvpnd.rst).
# libreswan is not installed system-wide (Debian's package conflicts with
# strongSwan's): scripts/fetch-libreswan extracts it under
# build/libreswan/root (LIBRESWAN_ROOT), and pluto runs there, in its
# namespace's own mount namespace, /usr/libexec/ipsec bound to the copy
# (pluto runs addconn from its built-in path).

source "$(dirname "$0")/lib.sh"
require_cmd openssl

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

# pluto_start NS NAME LOCAL REMOTE: pluto in NS with the connections
# below, all with AES-256/SHA-256/ECP-256, libreswan's default ikepad and
# one keying try; its pid in ${NAME}_pid.
#   agg: aggressive mode, PSK    psk: main mode, PSK
#   rsa: main mode, RSA signatures, the certificate ks in $PKI (imported
#        into pluto's NSS database with the CA), the peer's DN as its ID
pluto_start() {
	local ns=$1 name=$2 local=$3 remote=$4 d=$T/$2 conn
	mkdir -p "$d/nss" "$d/run" "$d/ipsec.d"
	ls_run "$ns" "$LSROOT/usr/bin/certutil" -N -d "sql:$d/nss" \
		--empty-password || return 1
	openssl pkcs12 -export -in "$PKI/ks.pem" -inkey "$PKI/ks.key" \
		-name ks -passout pass: -out "$d/ks.p12" &&
	ls_run "$ns" "$LSROOT/usr/bin/pk12util" -i "$d/ks.p12" \
		-d "sql:$d/nss" -W "" >"$d/nss.out" 2>&1 &&
	ls_run "$ns" "$LSROOT/usr/bin/certutil" -A -d "sql:$d/nss" -n ca \
		-t "CT,," -i "$PKI/ca.pem" >>"$d/nss.out" 2>&1 ||
		{ cat "$d/nss.out"; return 1; }
	cat >"$d/ipsec.conf" <<-EOC
	config setup
	  ikev1-policy=accept
	conn %default
	  ikev2=no
	  left=$local
	  right=$remote
	  ike=aes256-sha2_256;dh19
	  keyingtries=1
	  auto=add
	conn agg
	  aggressive=yes
	  authby=secret
	conn psk
	  authby=secret
	conn rsa
	  authby=rsasig
	  leftcert=ks
	  leftid=%fromcert
	  leftsendcert=always
	  rightid="$GM_DN"
	  rightca=%same
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
	for conn in agg psk rsa; do
		ls_run "$ns" "$LSROOT/usr/libexec/ipsec/addconn" \
			--config "$d/ipsec.conf" --ctlsocket "$d/run/pluto.ctl" \
			"$conn" >>"$d/addconn.out" 2>&1 ||
			{ cat "$d/addconn.out"; return 1; }
	done
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
pki_init || exit 1
pluto_start "$ks" lks "$KS_IP" "$GM_IP" ||
	{ log_test "pluto starts" 1; exit 1; }

# gconf FILE ARGS...: gvpnd_conf with AES-256/SHA-256/ECP-256 and
# doi = ipsec, listening on port 500
gconf() {
	local f=$1
	shift
	gvpnd_conf "$f" enc=aes256 hash=sha256 group=ecp256 doi=ipsec "$@"
	sed -i 's/listen = { port = 848; };/listen = { port = 500; };/' "$f"
}

# CONN: pluto's connection for MODE and AUTH
conn_of() {
	case $1-$2 in
	aggressive-psk) echo agg ;;
	main-psk) echo psk ;;
	main-rsa) echo rsa ;;
	esac
}

# initiator MODE AUTH [MSG3]: gvpnd initiates (aggressive-msg3 = MSG3);
# pluto's protected DELETE (whack --terminate) must verify at gvpnd, but
# after a clear message 3 it does not decrypt (pluto's IV base is not
# hash(g^xi | g^xr))
initiator() {
	local mode=$1 auth=$2 msg3=${3:-} conn m="$1 mode $2" extra=()
	conn=$(conn_of "$mode" "$auth")
	[ -n "$msg3" ] && m+=" (message 3 $msg3)" && extra+=(msg3="$msg3")
	[ "$auth" = rsa ] && extra+=(cert=gm rid="dn:$KS_DN")

	gconf "$T/i.conf" role=initiator port=500 mode="$mode" auth="$auth" \
		"${extra[@]}"
	pluto_mark lks
	gvpnd_start "$gm" gi "$T/i.conf"
	check "$m: gvpnd initiator established" \
		log_has gi "Phase 1 established: $mode mode initiator with $KS_IP:500 .*/$( [ "$auth" = rsa ] && echo rsa-sig || echo psk)"
	check "$m: pluto responder established" \
		pluto_has lks "\"$conn\" #[0-9]+: (IKE SA|ISAKMP SA) established"
	whack lks --terminate --name "$conn" >/dev/null 2>&1
	if [ "$msg3" = clear ]; then
		check "$m: pluto's protected DELETE does not decrypt at gvpnd (pluto's IV base differs)" \
			log_has gi "dropped protected informational message from $KS_IP:500: does not decrypt to HASH and payloads"
	else
		check "$m: pluto's protected DELETE verifies at gvpnd" \
			log_has gi "peer $KS_IP:500 \(peer \"initiator-peer\"\) deleted the Phase 1 SA"
	fi
	gvpnd_stop gi
}

# responder MODE AUTH: pluto initiates; gvpnd's protected DELETE on
# shutdown must be taken by pluto
responder() {
	local mode=$1 auth=$2 conn m="pluto initiator, $1 mode $2" extra=()
	conn=$(conn_of "$mode" "$auth")
	[ "$auth" = rsa ] && extra+=(cert=gm)

	gconf "$T/r.conf" role=responder mode="$mode" auth="$auth" \
		"${extra[@]}"
	pluto_mark lks
	gvpnd_start "$gm" gr "$T/r.conf"
	whack lks --initiate --name "$conn" --asynchronous >/dev/null 2>&1
	check "$m: gvpnd responder established" \
		log_has gr "Phase 1 established: $mode mode responder with $KS_IP:500 .*/$( [ "$auth" = rsa ] && echo rsa-sig || echo psk)"
	check "$m: pluto initiator established" \
		pluto_has lks "\"$conn\" #[0-9]+: (IKE SA|ISAKMP SA) established"
	[ "$mode" = aggressive ] &&
		check "$m: pluto's message 3 is encrypted (gvpnd's log)" \
			log_has gr "aggressive mode message 3 from $KS_IP:500: encrypted"
	gvpnd_stop gr
	check "$m: gvpnd's protected DELETE taken by pluto" \
		pluto_has lks 'received Delete SA payload: (self-)?deleting ISAKMP State'
	whack lks --terminate --name "$conn" >/dev/null 2>&1
}

initiator aggressive psk encrypted
initiator aggressive psk clear
initiator main psk
initiator main rsa
responder aggressive psk
responder main psk
responder main rsa

exit $EXIT_STATUS
