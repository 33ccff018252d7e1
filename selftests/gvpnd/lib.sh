#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Helpers for the gvpnd selftests, which run on the host (they need no
# gvpn.ko): two network namespaces joined by a veth pair, gvpnd and
# strongSwan's charon in them, certificates made with strongSwan's pki.
#
#   ks 10.99.0.1 (veth0) ------------ (veth0) 10.99.0.2 gm
#
# The netns helpers (setup_ns, defer, busywait, log_test, check, ...) come
# from selftests/gvpn/lib.sh.

# the tree, from this file's real location (the runner reaches it through
# a symlink)
HERE=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")
GVPN_TOP=${GVPN_TOP:-$(cd "$HERE/../.." && pwd)}
export GVPN_TOP
source "$HERE/../gvpn/lib.sh"

GVPND=${GVPND:-$GVPN_TOP/build/daemon/gvpnd}
KS_IP=10.99.0.1
GM_IP=10.99.0.2
PSK=gvpn-test-pre-shared-key-0123
# charon keeps port 500: it frames traffic between two other ports as
# NAT-T (non-ESP marker), which GDOI on 848 does not use
CHARON_PORT=500
CHARON=${CHARON:-/usr/lib/ipsec/charon}

# GVPND_TEST_KEEP=1 keeps the logs and files for a look after the test
T=$(mktemp -d /tmp/gvpnd-test.XXXXXX)
chmod 700 "$T"
if [ -n "${GVPND_TEST_KEEP:-}" ]; then
	echo "# files in $T"
else
	defer rm -rf "$T"
fi

require_cmd ip python3
[ -x "$GVPND" ] || skip "$GVPND not built (make)"

# topo: the two namespaces of the picture above, in $ks and $gm
topo() {
	setup_ns ks gm || return 1
	ip link add veth0 netns "$ks" type veth peer name veth0 netns "$gm" &&
	ip -n "$ks" addr add "$KS_IP/24" dev veth0 &&
	ip -n "$gm" addr add "$GM_IP/24" dev veth0 &&
	ip -n "$ks" link set veth0 up &&
	ip -n "$gm" link set veth0 up
}

# secret FILE CONTENT: a file only we can read
secret() {
	(umask 077 && printf '%s' "$2" >"$1")
}

# gvpnd_start NS NAME CONF: gvpnd in the foreground of NS, its log in
# $T/NAME.log, its pid in ${NAME}_pid; stopped (TERM) at exit
gvpnd_start() {
	local ns=$1 name=$2 conf=$3 pid
	chmod 600 "$conf"
	# a previous instance's log must not answer our waits
	rm -f "$T/$name.log"
	ip netns exec "$ns" "$GVPND" -f -c "$conf" >"$T/$name.log" 2>&1 &
	pid=$!
	printf -v "${name}_pid" '%s' "$pid"
	defer kill "$pid"
	busywait 10000 grep -qs 'started' "$T/$name.log" && return 0
	sed 's/^/# /' "$T/$name.log"
	return 1
}

gvpnd_stop() {
	local pid_var=${1}_pid
	kill "${!pid_var}" 2>/dev/null
	wait "${!pid_var}" 2>/dev/null
	return 0
}

# log_has NAME PATTERN [TIMEOUT_S]: an extended regex appears in a log.
# (Timeouts are generous: the machine may be busy; nothing here measures
# speed.)
log_has() {
	slowwait "${3:-10}" grep -qsE "$2" "$T/$1.log"
}

# log_count NAME PATTERN
log_count() {
	grep -cE "$2" "$T/$1.log"
}

# --- strongSwan ---------------------------------------------------------------

# charon_start NS NAME: a charon of its own (configuration, vici socket,
# log in $T/NAME/charon.log with the IKE keys at level 4) in NS, with a
# private /run for its pid file
charon_start() {
	local ns=$1 name=$2 d=$T/$2 pid
	[ -x "$CHARON" ] || skip "strongSwan charon not installed"
	mkdir -p "$d/private" "$d/x509" "$d/x509ca"
	cat >"$d/strongswan.conf" <<-EOS
	charon {
		port = $CHARON_PORT
		port_nat_t = 4500
		install_routes = no
		install_virtual_ip = no
		retransmit_timeout = 1
		retransmit_tries = 1
		i_dont_care_about_security_and_use_aggressive_mode_psk = yes
		load = random nonce openssl pem pkcs1 pkcs8 x509 pubkey revocation constraints kernel-netlink socket-default vici
		plugins {
			vici { socket = unix://$d/charon.vici }
			revocation { enable_ocsp = no
				enable_crl = no }
		}
		syslog { daemon { default = -1 }
			auth { default = -1 } }
		filelog {
			log { path = $d/charon.log
				default = 1
				ike = 4
				cfg = 2
				flush_line = yes }
		}
	}
	swanctl { load = pem pkcs1 pkcs8 x509 pubkey openssl random }
	pki { load = random pem pkcs1 pkcs8 x509 pubkey openssl }
	EOS
	ip netns exec "$ns" sh -c \
		"mount -t tmpfs none /run && STRONGSWAN_CONF='$d/strongswan.conf' exec '$CHARON'" \
		>"$d/charon.out" 2>&1 &
	pid=$!
	printf -v "${name}_pid" '%s' "$pid"
	printf -v "${name}_ns" '%s' "$ns"
	defer kill "$pid"
	busywait 10000 test -S "$d/charon.vici"
}

# swanctl NAME ARGS...: swanctl on that charon
swanctl() {
	local name=$1 ns_var=${1}_ns d=$T/$1
	shift
	STRONGSWAN_CONF=$d/strongswan.conf SWANCTL_DIR=$d \
		ip netns exec "${!ns_var}" swanctl "$@" --uri "unix://$d/charon.vici"
}

# charon_conf NAME: load $T/NAME/swanctl.conf (connections, secrets, keys)
charon_conf() {
	swanctl "$1" --load-all --clear >"$T/$1/load.out" 2>&1 ||
		{ cat "$T/$1/load.out"; return 1; }
}

# charon_ka NAME: the Phase 1 encryption key charon logged (hex), from
# "encryption key Ka => N bytes" and its hex dump lines
charon_ka() {
	awk '/encryption key Ka =>/ { n = $6; got = 1; next }
	     got && n > 0 {
		for (i = 3; i <= NF && n > 0 && $i ~ /^[0-9A-F][0-9A-F]$/; i++) {
			printf "%s", tolower($i); n--
		}
		if (n == 0) { print ""; exit }
	     }' "$T/$1/charon.log"
}

# keylog_key FILE: the key of the first line of our ikev1_decryption_table
# (charon_ka reads the first key of charon's log: the same negotiation)
keylog_key() {
	head -n 1 "$1" | cut -d, -f2
}

# --- certificates --------------------------------------------------------------

PKI=$T/pki

# pki_init: a CA and certificates for ks and gm (DN C=CH, O=gvpn test,
# CN=NAME.test, subjectAltName NAME.test and the address); gm-expired
# (valid in 2020 only) and gm-rogue (issued by another CA)
pki_init() {
	local p="pki" n
	command -v pki >/dev/null || skip "strongSwan pki not installed"
	mkdir -p "$PKI"
	export STRONGSWAN_CONF=$T/pki.conf
	echo 'pki { load = random pem pkcs1 pkcs8 x509 pubkey openssl }' >"$STRONGSWAN_CONF"
	(
	cd "$PKI" || exit 1
	umask 077
	for n in ca rogue-ca ks gm; do
		$p --gen --type rsa --size 2048 --outform pem >"$n.key" || exit 1
	done
	$p --self --ca --lifetime 30 --in ca.key --outform pem \
		--dn "C=CH, O=gvpn test, CN=gvpn test CA" >ca.pem &&
	$p --self --ca --lifetime 30 --in rogue-ca.key --outform pem \
		--dn "C=CH, O=rogue, CN=rogue CA" >rogue-ca.pem &&
	issue ca ks ks "$KS_IP" --lifetime 30 &&
	issue ca gm gm "$GM_IP" --lifetime 30 &&
	issue ca gm gm-expired "$GM_IP" --not-before "01.01.20 00:00:00" \
		--not-after "01.01.21 00:00:00" &&
	issue rogue-ca gm gm-rogue "$GM_IP" --lifetime 30
	) >"$T/pki.out" 2>&1 || { cat "$T/pki.out"; return 1; }
	chmod 644 "$PKI"/*.pem
}

# issue CA KEY NAME ADDR PKI-OPTIONS...: (in $PKI) NAME.pem for KEY.key
issue() {
	local ca=$1 key=$2 name=$3 addr=$4
	shift 4
	pki --pub --in "$key.key" | pki --issue --cacert "$ca.pem" \
		--cakey "$ca.key" --dn "C=CH, O=gvpn test, CN=${name%%-*}.test" \
		--san "${name%%-*}.test" --san "$addr" --outform pem "$@" \
		>"$name.pem"
}

GM_DN="C=CH, O=gvpn test, CN=gm.test"
KS_DN="C=CH, O=gvpn test, CN=ks.test"

# --- configurations --------------------------------------------------------------

# gvpnd_conf FILE [NAME=VALUE...]: a gvpnd.conf with one peer, its control
# socket FILE.sock (every gvpnd needs its own: sockets are files, not netns).
#   role=initiator|responder (default responder)   auth=psk|rsa|ecdsa
#   enc=aes256 hash=sha256 group=modp2048 (one proposal)   legacy=false
#   mode=main|aggressive|any   doi=gdoi|ipsec   port=PEER-PORT
#   cert=gm (our certificate in $PKI; its key is named by the prefix)
#   rid=TYPE:VALUE (remote-id)   lid=TYPE:VALUE (local-id)
#   keylog=FILE pcap=FILE   psk=SECRET   tries=3 (retransmit-tries)
#   extra=SETTINGS (more of "ike")   msg3=encrypted|clear (aggressive-msg3)
gvpnd_conf() {
	local file=$1 kv
	local role=responder auth=psk enc=aes256 hash=sha256 group=modp2048
	local legacy=false mode=main doi=gdoi port=848 cert=gm rid= lid=
	local keylog= pcap= psk=$PSK extra= addr init=false creds= ws= ids= tries=3
	local msg3=
	shift
	for kv in "$@"; do
		local "$kv"
	done
	if [ "$role" = initiator ]; then
		addr=$KS_IP
		init=true
	else
		addr=10.99.0.0/24
	fi
	secret "$file.psk" "$psk"
	[ -n "$keylog" ] && ws+="keylog = \"$keylog\"; "
	[ -n "$pcap" ] && ws+="pcap = \"$pcap\"; "
	[ -n "$rid" ] && ids+="remote-id = \"$rid\"; "
	[ -n "$lid" ] && ids+="local-id = \"$lid\"; "
	[ -n "$msg3" ] && ids+="aggressive-msg3 = \"$msg3\"; "
	{ [ "$auth" = rsa ] || [ "$auth" = ecdsa ]; } && creds="credentials = {
	certificate = \"$PKI/$cert.pem\";
	private-key = \"$PKI/${cert%%-*}.key\";
	ca = [ \"$PKI/ca.pem\" ];
};"
	cat >"$file" <<-EOC
	log-level = "debug";
	listen = { port = 848; };
	control = { socket = "$file.sock"; };
	wireshark = { $ws};
	ike = {
		doi = "$doi";
		legacy = $legacy;
		retransmit-timeout = 0.5;
		retransmit-tries = $tries;
		$extra
		proposals = ( { name = "p"; encryption = "$enc"; hash = "$hash";
				group = "$group"; lifetime = 3600; } );
	};
	$creds
	peers = ( {
		name = "$role-peer";
		address = "$addr";
		port = $port;
		auth = "$auth";
		$([ "$auth" = psk ] && echo "psk-file = \"$file.psk\";")
		mode = "$mode";
		initiate = $init;
		$ids
	} );
	EOC
	chmod 600 "$file"
}

# charon_swanctl NAME [NAME=VALUE...]: charon's one connection "t"
#   local=ADDR remote=ADDR   auth=psk|pubkey   proposal=aes256-sha256-modp2048
#   aggressive=no   cert=ks (in $PKI)   ca=ca   psk=SECRET
charon_swanctl() {
	local name=$1 d=$T/$1 kv
	local local=$KS_IP remote=$GM_IP auth=psk proposal=aes256-sha256-modp2048
	local aggressive=no cert=ks ca=ca psk=$PSK lauth rauth
	shift
	for kv in "$@"; do
		local "$kv"
	done
	rm -f "$d/private/"*
	if [ "$auth" = pubkey ]; then
		cp "$PKI/${cert%%-*}.key" "$d/private/"
		lauth="auth = pubkey
			certs = $PKI/$cert.pem"
		rauth="auth = pubkey
			cacerts = $PKI/$ca.pem"
	else
		lauth="auth = psk"
		rauth="auth = psk"
	fi
	cat >"$d/swanctl.conf" <<-EOS
	connections {
		t {
			version = 1
			aggressive = $aggressive
			local_addrs = $local
			remote_addrs = $remote
			remote_port = 848
			proposals = $proposal
			local {
				$lauth
			}
			remote {
				$rauth
			}
			children { c { esp_proposals = aes128-sha256 } }
		}
	}
	secrets { ike-t { secret = "$psk" } }
	EOS
	charon_conf "$name"
}

# charon_initiate NAME: start Phase 1 (and the Quick Mode we refuse)
charon_initiate() {
	swanctl "$1" --initiate --child c --timeout 2 >"$T/$1/initiate.out" 2>&1
	return 0
}

# charon_reset NAME: forget SAs and start a fresh log
charon_reset() {
	swanctl "$1" --terminate --ike t --force --timeout 1 >/dev/null 2>&1
	: >"$T/$1/charon.log"
}

charon_established() {
	slowwait "${2:-10}" grep -qE 'IKE_SA t\[[0-9]+\] established between' \
		"$T/$1/charon.log"
}

# same_key KEYLOG CHARON: our key log's first key is charon's first Ka
same_key() {
	local ours theirs
	ours=$(keylog_key "$1")
	theirs=$(charon_ka "$2")
	[ -n "$ours" ] && [ "$ours" = "$theirs" ] && return 0
	echo "# keys differ: ours '$ours', charon's '$theirs'"
	return 1
}

# --- a unit test's pcap as tshark reads it (gdoi_*_wire.sh) ---------------

WIRE_TS=(tshark -n -d udp.port==848,isakmp)

# wire_unit TEST PCAP: the unit test TEST (make -C daemon tests; skips if
# not built) writes the plaintext of its messages into $T/PCAP
wire_unit() {
	local unit=$GVPN_TOP/build/daemon/tests/$1

	require_cmd tshark
	[ -x "$unit" ] || skip "$unit not built (make -C daemon tests)"
	WIRE_PCAP=$T/$2
	GDOI_TEST_PCAP=$WIRE_PCAP "$unit" >"$T/unit.log" 2>&1
	log_test "$1 passes and writes its pcap" $?
}

# wire_readable EXCH MIN NAME: tshark reads at least MIN frames of exchange
# EXCH (NAME), and no frame is [Malformed] or carries an error
wire_readable() {
	local n bad

	n=$("${WIRE_TS[@]}" -r "$WIRE_PCAP" -Y "isakmp.exchangetype == $1" \
		2>/dev/null | wc -l)
	[ "$n" -ge "$2" ]
	log_test "tshark reads $n $3 frames" $?
	bad=$("${WIRE_TS[@]}" -r "$WIRE_PCAP" \
		-Y "_ws.malformed || _ws.expert.severity >= error" \
		2>/dev/null | wc -l)
	[ "$bad" -eq 0 ]
	log_test "no [Malformed] or error in any frame ($bad)" $?
}

# wire_fields EXCH FIELD: one line per frame of exchange EXCH that has FIELD
wire_fields() {
	"${WIRE_TS[@]}" -r "$WIRE_PCAP" -Y "isakmp.exchangetype == $1 && $2" \
		-T fields -e "$2" 2>/dev/null
}

# wire_layout EXCH PAYLOADS: some frame of exchange EXCH has exactly these
# payload types
wire_layout() {
	"${WIRE_TS[@]}" -r "$WIRE_PCAP" -Y "isakmp.exchangetype == $1" \
		-T fields -e isakmp.typepayload 2>/dev/null | grep -qx "$2"
}
