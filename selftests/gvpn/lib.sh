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
	# every test's run time, for keeping the suite within its budget
	echo "# $SECONDS s"
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

# ---------------------------------------------------------------------------
# The data-plane topology: three sites whose gateways (group members) share
# one WAN segment, a bridge in the core namespace where captures are taken.
#
#   hostA 10.1.0.2          hostB 10.2.0.2          hostC 10.3.0.2
#      | lan                   | lan                   | lan
#   gmA 10.1.0.1            gmB 10.2.0.1            gmC 10.3.0.1
#      | wan 192.168.0.1       | wan 192.168.0.2       | wan 192.168.0.3
#      +---------------- core: br0 (captures) ---------+
#
# Each gateway routes the other sites' LANs via their WAN addresses. After
# topo_setup the variables hostA..hostC, gmA..gmC and core name the
# namespaces; SITES="A B C".
SITES="A B C"

site_n() { case $1 in A) echo 1 ;; B) echo 2 ;; C) echo 3 ;; esac; }

# topo_setup [WAN_MTU]
topo_setup() {
	local mtu=${1:-1500} s n o
	setup_ns hostA hostB hostC gmA gmB gmC core || return 1
	ip -n "$core" link add br0 type bridge || return 1
	ip -n "$core" link set br0 type bridge mcast_snooping 0
	ip -n "$core" link set br0 up
	for s in $SITES; do
		n=$(site_n "$s")
		local host=host$s gm=gm$s
		ip link add lan netns "${!host}" type veth peer name lan netns "${!gm}"
		ip link add wan netns "${!gm}" mtu "$mtu" type veth \
			peer name "p$s" netns "$core" mtu "$mtu"
		ip -n "$core" link set "p$s" master br0 up
		ip -n "${!host}" addr add "10.$n.0.2/24" dev lan
		ip -n "${!host}" link set lan up
		ip -n "${!host}" route add default via "10.$n.0.1"
		ip -n "${!gm}" addr add "10.$n.0.1/24" dev lan
		ip -n "${!gm}" addr add "192.168.0.$n/24" dev wan
		ip -n "${!gm}" link set lan up
		ip -n "${!gm}" link set wan up
		ip netns exec "${!gm}" sysctl -qw net.ipv4.ip_forward=1
		for o in $SITES; do
			[ "$o" = "$s" ] && continue
			ip -n "${!gm}" route add "10.$(site_n "$o").0.0/24" \
				via "192.168.0.$(site_n "$o")"
		done
	done
	# Wait for the bridge ports to forward (no STP, but links settle).
	busywait 5000 ip netns exec "$hostA" ping -c1 -W1 -q 10.2.0.2 >/dev/null
}

# gm_sid SITE: the "sa add" words that give the site's gateway its own
# sender ID (RFC 6054) in an 8-bit SID space, as a key server would: A 1,
# B 2, C 3. Counter-mode (GCM) SAs without one do not encrypt.
gm_sid() { echo "sender-id $(site_n "$1") sid-bits 8"; }

# gm_group SITE: group 1 on the gateway's WAN, encrypting all site-to-site
# traffic (10.0.0.0/8 both ways) with one AES-GCM-128 SA (SPI 0x1000),
# sending with the site's sender ID.
GROUP_KEY=0x0102030405060708090a0b0c0d0e0f1011121314
gm_group() {
	local gm=gm$1
	$GVPN -n "${!gm}" group add 1 &&
	$GVPN -n "${!gm}" dev add wan group 1 &&
	$GVPN -n "${!gm}" policy add group 1 id 10 src 10.0.0.0/8 \
		dst 10.0.0.0/8 action encrypt &&
	$GVPN -n "${!gm}" sa add group 1 policy 10 spi 0x1000 \
		aead 'rfc4106(gcm(aes))' "$GROUP_KEY" 128 $(gm_sid "$1")
}

# capture_start FILE [FILTER...] / capture_stop: tcpdump on the core
# bridge (everything, or what the pcap-filter FILTER selects).
capture_start() {
	ip netns exec "$core" tcpdump -i br0 -nn -U --immediate-mode -w "$1" \
		"${@:2}" >/dev/null 2>"$1.log" &
	CAPTURE_PID=$!
	busywait 5000 grep -q 'listening on' "$1.log"
}

capture_stop() {
	sleep 0.5
	kill "$CAPTURE_PID" 2>/dev/null
	wait "$CAPTURE_PID" 2>/dev/null
}

# wan_count FILE REGEX: packets of a capture whose one-line tcpdump -v
# summary matches REGEX (extended), e.g.
#   "(tos 0x0, ttl 63, id 7, offset 0, flags [DF], proto ESP (50), length 120)
#    10.1.0.2 > 10.2.0.2: ESP(spi=0x00001000,seq=0x1), length 100"
# tcpdump starts in a blink where tshark takes seconds under TCG.
wan_count() {
	[ -s "$1.txt" ] || tcpdump -nn -v -r "$1" 2>/dev/null |
		awk '/^[^ \t]/ { if (l) print l; l = $0; next } { l = l " " $0 }
		     END { if (l) print l }' >"$1.txt"
	grep -cE -- "$2" "$1.txt"
}

# check_preserved PCAP MIN: the core's capture shows the traffic between
# the sites' hosts as ESP only (at least MIN packets), never in clear and
# never addressed to or from the gateways, and the ESP of every pair of
# hosts carries the hosts' own addresses (RFC 5374 address preservation)
check_preserved() {
	local pcap=$1 min=$2 a b site_re='10\.[123]\.0\.2'

	check "WAN carries ESP between the hosts" test "$(wan_count "$pcap" \
		"$site_re > $site_re: ESP")" -ge "$min"
	check "no cleartext between the sites on the WAN" test "$(wan_count "$pcap" \
		"$site_re\.?[0-9]* > $site_re\.?[0-9]*: [^E]")" -eq 0
	check "no ESP addressed from or to the gateways" test "$(wan_count "$pcap" \
		"192\.168\.0\.[0-9]+ > [0-9.]+: ESP|> 192\.168\.0\.[0-9]+: ESP")" -eq 0
	for a in $SITES; do
		for b in $SITES; do
			[ "$a" = "$b" ] && continue
			check "outer header of host$a -> host$b is the hosts' addresses" \
				test "$(wan_count "$pcap" "10\.$(site_n "$a")\.0\.2 > 10\.$(site_n "$b")\.0\.2: ESP")" -gt 0
		done
	done
}

# tshark_esp FILE ENC ENCKEY AUTH AUTHKEY FIELDS FILTER: decrypt the ESP of
# a capture with Wireshark's own ESP code (an implementation independent of
# ours) and print FIELDS of the packets matching FILTER. ENC/AUTH are
# Wireshark's names, e.g. "AES-GCM with 16 octet ICV [RFC4106]" / "NULL".
tshark_esp() {
	local file=$1 enc=$2 ekey=$3 auth=$4 akey=$5 fields=$6 filter=$7 f args=()
	for f in $fields; do
		args+=(-e "$f")
	done
	tshark -r "$file" -o esp.enable_encryption_decode:TRUE \
		-o "uat:esp_sa:\"IPv4\",\"*\",\"*\",\"*\",\"$enc\",\"$ekey\",\"$auth\",\"$akey\"" \
		-Y "$filter" -T fields -E separator=' ' "${args[@]}" 2>/dev/null
}

# A scratch directory for the test, removed at exit.
TMPDIR_TEST=$(mktemp -d)
defer rm -rf "$TMPDIR_TEST"

# Checks of the gvpn command line's output (cli_*.sh). What the commands
# printed, errors included, is appended to $CLI_LOG when it is set, for a
# final "no key in any output" check.

# out_is DESC EXPECTED CMD...: CMD prints exactly EXPECTED
out_is() {
	local desc=$1 want=$2 got
	shift 2
	got=$("$@")
	if [ "$got" != "$want" ]; then
		printf 'expected:\n%s\ngot:\n%s\n' "$want" "$got"
		log_test "$desc" 1
		return
	fi
	log_test "$desc" 0
}

# json_is DESC PYEXPR CMD...: CMD prints one JSON document d, PYEXPR holds
json_is() {
	local desc=$1 expr=$2
	shift 2
	"$@" >"$TMPDIR_TEST/json"
	python3 -c "import json, sys
d = json.load(open('$TMPDIR_TEST/json'))
if not ($expr):
    print('JSON:', json.dumps(d)); sys.exit(1)"
	log_test "$desc" $?
}

# fails_with DESC STATUS MESSAGE CMD...: CMD exits STATUS, MESSAGE on stderr
fails_with() {
	local desc=$1 want=$2 msg=$3 err rc
	shift 3
	err=$("$@" 2>&1 >/dev/null)
	rc=$?
	[ -n "${CLI_LOG:-}" ] && echo "$err" >>"$CLI_LOG"
	if [ "$rc" -ne "$want" ] || ! grep -qF -- "$msg" <<<"$err"; then
		echo "exit $rc (expected $want): $err"
		log_test "$desc" 1
		return
	fi
	log_test "$desc" 0
}

# wait_listen NS PORT: until a TCP socket listens on PORT in NS.
wait_listen() {
	busywait 5000 sh -c "ip netns exec '$1' ss -Hltn 'sport = $2' | grep -q ."
}

# ping_ok NS DST [ARGS...]: DST answers (output discarded).
ping_ok() {
	local ns=$1 dst=$2
	shift 2
	ip netns exec "$ns" ping -q -c 2 -i 0.2 -W 2 "$@" "$dst" >/dev/null 2>&1
}

# check_pings FROM TO: for each site a of FROM and b of TO (a != b), one
# check that host$a pings host$b's address through its gateway
check_pings() {
	local a b src

	for a in $1; do
		for b in $2; do
			[ "$a" = "$b" ] && continue
			src=host$a
			check "ping host$a -> host$b" \
				ping_ok "${!src}" "10.$(site_n "$b").0.2"
		done
	done
}

# out_has REGEX: $out (a command's output the test kept) matches the
# extended REGEX; else it is printed, as comments
out_has() {
	grep -qE -- "$1" <<<"$out" && return 0
	sed 's/^/# /' <<<"$out"
	return 1
}

# send_short NS DST PROTO [COUNT]: COUNT (3) IPv4 packets of protocol
# PROTO (6 TCP, 17 UDP, 132 SCTP) to DST, each with a 2-byte payload: too
# short to carry ports.
send_short() {
	ip netns exec "$1" /usr/bin/python3 -c 'import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, int(sys.argv[2]))
for _ in range(int(sys.argv[3])):
    s.sendto(b"\x00\x50", (sys.argv[1], 0))' "$2" "$3" "${4:-3}"
}

# wan_ipv6 SITE...: an IPv6 address fd00::N on each gateway's WAN (N the
# site's number), usable at once (no duplicate address detection).
wan_ipv6() {
	local s gm
	for s in "$@"; do
		gm=gm$s
		ip -n "${!gm}" -6 addr add "fd00::$(site_n "$s")/64" dev wan nodad ||
			return 1
	done
}

# gm_group_nosa SITE: group 1 on the gateway's WAN with the site-to-site
# encrypt policy 10 but no SA yet.
gm_group_nosa() {
	local gm=gm$1
	$GVPN -n "${!gm}" group add 1 &&
	$GVPN -n "${!gm}" dev add wan group 1 &&
	$GVPN -n "${!gm}" policy add group 1 id 10 src 10.0.0.0/8 \
		dst 10.0.0.0/8 action encrypt
}

# all_gms CMD...: run a gvpn command on every gateway.
all_gms() {
	local s gm
	for s in $SITES; do
		gm=gm$s
		$GVPN -n "${!gm}" "$@" || return 1
	done
}

# all_gms_sid CMD...: run a gvpn command on every gateway with the
# gateway's sender ID words (gm_sid) appended, e.g. "sa add ... aead ...".
all_gms_sid() {
	local s gm
	for s in $SITES; do
		gm=gm$s
		# shellcheck disable=SC2046
		$GVPN -n "${!gm}" "$@" $(gm_sid "$s") || return 1
	done
}

# hexkey BYTES SEED: a deterministic 0x-hex key of BYTES bytes.
hexkey() {
	printf '0x'
	for ((i = 0; i < $1; i++)); do
		printf '%02x' $(((i * 7 + $2 * 13 + 1) & 255))
	done
	echo
}

# counter NS KEY ARGS...: counter KEY from "gvpn -j -s ARGS" (first object).
# grep, not a JSON parser: Python takes seconds to start under TCG, which
# matters to timed tests.
counter() {
	local ns=$1 key=$2 v
	shift 2
	v=$($GVPN -n "$ns" -j -s "$@" | grep -oE "\"$key\":[0-9]+" | head -n 1)
	[ -n "$v" ] || return 1
	echo "${v#*:}"
}

# counter_ge NS KEY MIN ARGS...: counter KEY is at least MIN.
counter_ge() {
	local ns=$1 key=$2 min=$3 v
	shift 3
	v=$(counter "$ns" "$key" "$@") || return 1
	[ "$v" -ge "$min" ] || { echo "$key is $v, expected >= $min"; return 1; }
}

# replay_start NS: start the replay tool (pcap_replay.py) in the core,
# aimed at the WAN port of the gateway whose namespace is NS.
replay_start() {
	local gm=$1 port mac
	case $gm in "$gmA") port=pA ;; "$gmB") port=pB ;; *) port=pC ;; esac
	mac=$(ip -n "$gm" -br link show wan | awk '{ print $3 }')
	coproc REPLAY { ip netns exec "$core" /usr/bin/python3 \
		"$GVPN_TOP/selftests/gvpn/pcap_replay.py" "$port" "$mac"; }
	defer "kill $REPLAY_PID 2>/dev/null"
}

# replay PCAP SRC DST [SPI]: send the capture's ESP from SRC to DST again;
# prints how many packets went.
replay() {
	local n
	echo "$*" >&"${REPLAY[1]}"
	read -r -t 60 n <&"${REPLAY[0]}" && echo "$n"
}

# monitor_start NS FILE / monitor_stop: gvpn monitor -j into FILE.
monitor_start() {
	$GVPN -n "$1" -j monitor >"$2" 2>&1 &
	MONITOR_PID=$!
	defer "kill $MONITOR_PID 2>/dev/null"
	sleep 0.3
}

monitor_stop() {
	sleep 0.3
	kill "$MONITOR_PID" 2>/dev/null
	wait "$MONITOR_PID" 2>/dev/null
}

# ---------------------------------------------------------------------------
# GDOI: gvpnd key servers and group members on the data-plane topology.
#
#   hostA - gmA =\                 /= gmB - hostB
#                  core (br0) ----+
#   hostC - gmC =/     |    \
#                     ks1    ks2       key servers 192.168.0.10, .11
#
# Every gvpnd gets its files in $TMPDIR_TEST/NAME.* (configuration .conf,
# log .log, control socket .sock, plaintext pcap .pcap); the PSK files are
# private (0600), as gvpnd insists.
GVPND=${GVPND:-$GVPN_TOP/build/daemon/gvpnd}
GDOI_PSK=gvpn-selftest-group-psk-0123456789
GDOI_GROUP=1234
chmod 700 "$TMPDIR_TEST"

# gdoi_require: skip unless gvpnd is built with both roles
gdoi_require() {
	[ -x "$GVPND" ] || skip "$GVPND not built (make)"
	require_cmd tcpdump
}

# ks_setup NAME ADDR: a key-server namespace NAME (its name in $NAME) on
# the core bridge, device "wan" with ADDR/24
ks_setup() {
	local var=$1 addr=$2
	setup_ns "$var" || return 1
	ip link add wan netns "${!var}" type veth peer name "p$var" \
		netns "$core" || return 1
	ip -n "$core" link set "p$var" master br0 up &&
	ip -n "${!var}" addr add "$addr/24" dev wan &&
	ip -n "${!var}" link set wan up
}

# gdoi_topo [KS2]: topo_setup plus ks1 (192.168.0.10), and ks2
# (192.168.0.11) when asked
gdoi_topo() {
	topo_setup || return 1
	ks_setup ks1 192.168.0.10 || return 1
	[ -z "${1:-}" ] || ks_setup ks2 192.168.0.11 || return 1
	busywait 5000 ip netns exec "$gmA" ping -c1 -W1 -q 192.168.0.10 \
		>/dev/null
}

# psk_file NAME SECRET: $TMPDIR_TEST/NAME.psk, readable by us only
psk_file() {
	(umask 077 && printf '%s\n' "$2" >"$TMPDIR_TEST/$1.psk")
	echo "$TMPDIR_TEST/$1.psk"
}

# gvpnd_conf_head NAME ADDR GROUP: what every test gvpnd's configuration
# starts with: debug log, listen on ADDR:848, a pcap of its messages, short
# retransmissions and one Phase 1 proposal with DH group GROUP
gvpnd_conf_head() {
	local name=$1 group=$3

	cat <<-EOC
	log-level = "debug";
	listen = { address = "$2"; port = 848; };
	wireshark = { pcap = "$TMPDIR_TEST/$name.pcap"; };
	ike = {
		retransmit-timeout = 0.5;
		retransmit-tries = 2;
		proposals = ( { name = "p"; encryption = "aes256"; hash = "sha256";
				group = "$group"; lifetime = 86400; } );
	};
	EOC
}

# ks_conf NAME [KEY=VALUE...]: $TMPDIR_TEST/NAME.conf for a key server of
# group $GDOI_GROUP (short timers for tests)
#   addr=192.168.0.10  psk=$GDOI_PSK (for members on 192.168.0.0/24)
#   auth='"192.168.0.0/24"' (authorization addresses, a libconfig list body)
#   policies=... (policies list body; default: permit 10/8 <-> 10/8 with tek1)
#   tek=aes-gcm-128 integ=none  atd=10  tbar=0
#   group=ecp256
#   id=$GDOI_GROUP  extra=... (more settings of the group)
#   kek=1 (a KEK with an RSA signing key: SA KEK, KEK keys and SEQ on the
#   wire; the key is made once per test, which takes seconds under TCG)
ks_conf() {
	local name=$1 kv f=$TMPDIR_TEST/$1.conf
	local addr=192.168.0.10 psk=$GDOI_PSK auth='"192.168.0.0/24"'
	local tek=aes-gcm-128 integ=none atd=10 tbar=0 group=ecp256 extra=
	local id=$GDOI_GROUP kek= kekconf= policies='{ action = "permit"; protocol = "any";
		source = "10.0.0.0/8"; destination = "10.0.0.0/8"; sa = "tek1"; }'
	shift
	for kv in "$@"; do
		local "$kv"
	done
	if [ -n "$kek" ]; then
		rekey_key || return 1
		kekconf="kek = { encryption = \"aes256\"; lifetime = 86400;
			signing-key = \"$TMPDIR_TEST/rekey.pem\"; };"
	fi
	{ gvpnd_conf_head "$name" "$addr" "$group"; cat <<-EOC
	peers = ( { name = "members"; address = "192.168.0.0/24"; auth = "psk";
		    psk-file = "$(psk_file "$name" "$psk")"; } );
	server = {
		groups = ( {
			name = "g$id";
			id = $id;
			identity = "number";
			activation-time-delay = $atd;
			tbar-window = $tbar;
			policies = ( $policies );
			ipsec-sa = ( { name = "tek1"; encryption = "$tek";
				       integrity = "$integ"; lifetime = 3600; } );
			authorization = { addresses = [ $auth ]; };
			$kekconf
			$extra
		} );
	};
	control = { socket = "$TMPDIR_TEST/$name.sock"; };
	EOC
	} >"$f"
	chmod 600 "$f"
}

# rekey_key: $TMPDIR_TEST/rekey.pem, a private RSA-2048 key for KEKs:
# the one "make -C selftests/gvpn install" made on the host, else a new one
rekey_key() {
	local made=$GVPN_TOP/build/kselftest/gdoi-rekey.pem
	[ -s "$TMPDIR_TEST/rekey.pem" ] && return 0
	[ -s "$made" ] && install -m 600 "$made" "$TMPDIR_TEST/rekey.pem" &&
		return 0
	(umask 077 && openssl genpkey -algorithm RSA \
		-pkeyopt rsa_keygen_bits:2048 -out "$TMPDIR_TEST/rekey.pem" \
		2>/dev/null)
}

# gm_conf NAME SITE [KEY=VALUE...]: $TMPDIR_TEST/NAME.conf for the member on
# gm$SITE (WAN 192.168.0.N) of group $GDOI_GROUP
#   servers="ks1:192.168.0.10" (NAME:ADDR..., in order of preference)
#   psk=$GDOI_PSK  retries=2 interval=1.0 (register-retries/-interval)
#   group=ecp256  id=$GDOI_GROUP  extra=... (more settings of the group)
gm_conf() {
	local name=$1 site=$2 kv f=$TMPDIR_TEST/$1.conf
	local n servers=ks1:192.168.0.10 psk=$GDOI_PSK retries=2 interval=1.0
	local group=ecp256 id=$GDOI_GROUP extra= peers= list= s
	n=$(site_n "$site")
	shift 2
	for kv in "$@"; do
		local "$kv"
	done
	psk_file "$name" "$psk" >/dev/null
	for s in $servers; do
		peers+="${peers:+, }{ name = \"${s%%:*}\"; address = \"${s#*:}\";
		auth = \"psk\"; psk-file = \"$TMPDIR_TEST/$name.psk\"; }"
		list+="${list:+, }\"${s%%:*}\""
	done
	{ gvpnd_conf_head "$name" "192.168.0.$n" "$group"; cat <<-EOC
	peers = ( $peers );
	member = {
		groups = ( {
			name = "g$id";
			id = $id;
			identity = "number";
			servers = [ $list ];
			interfaces = [ "wan" ];
			register-retries = $retries;
			register-interval = $interval;
			$extra
		} );
	};
	control = { socket = "$TMPDIR_TEST/$name.sock"; };
	EOC
	} >"$f"
	chmod 600 "$f"
}

# gvpnd_check NAME: gvpnd --check accepts $TMPDIR_TEST/NAME.conf (errors
# are printed as comments)
gvpnd_check() {
	local out
	out=$("$GVPND" --check -c "$TMPDIR_TEST/$1.conf" 2>&1) && return 0
	sed 's/^/# /' <<<"$out"
	return 1
}

# gvpnd_start NS NAME: gvpnd with $TMPDIR_TEST/NAME.conf in the foreground
# of namespace NS, log in $TMPDIR_TEST/NAME.log, pid in ${NAME}_pid;
# returns once its control socket answers. Stopped (TERM) at exit.
gvpnd_start() {
	gvpnd_spawn "$@"
	gvpnd_wait_up "$2"
}

# gvpnd_spawn NS NAME: gvpnd_start without waiting (start several at once,
# then gvpnd_wait_up each)
gvpnd_spawn() {
	local ns=$1 name=$2 pid
	rm -f "$TMPDIR_TEST/$name.log"
	ip netns exec "$ns" "$GVPND" -f -c "$TMPDIR_TEST/$name.conf" \
		>"$TMPDIR_TEST/$name.log" 2>&1 &
	pid=$!
	printf -v "${name}_pid" '%s' "$pid"
	defer "kill $pid 2>/dev/null"
}

gvpnd_wait_up() {
	busywait 20000 gvpnd_up "$1" && return 0
	echo "# gvpnd $1 did not start:"
	sed 's/^/# /' "$TMPDIR_TEST/$1.log"
	return 1
}

# gvpnd_up NAME: the daemon runs and its control socket exists
gvpnd_up() {
	local pid_var=${1}_pid
	kill -0 "${!pid_var}" 2>/dev/null && test -S "$TMPDIR_TEST/$1.sock"
}

# gvpnd_stop NAME: TERM and wait
gvpnd_stop() {
	local pid_var=${1}_pid
	kill "${!pid_var}" 2>/dev/null
	wait "${!pid_var}" 2>/dev/null
	return 0
}

# gvpnd_log_wait NAME REGEX [TIMEOUT_S]: an extended regex appears in the
# daemon's log (generous default: TCG is slow, nothing here measures speed)
gvpnd_log_wait() {
	slowwait "${3:-30}" grep -qsE -- "$2" "$TMPDIR_TEST/$1.log"
}

# gvpnd_log_has NAME REGEX: the log holds REGEX now
gvpnd_log_has() {
	grep -qsE -- "$2" "$TMPDIR_TEST/$1.log"
}

# gvpnd_log_dump NAME: the log as comments, for a failed check
gvpnd_log_dump() {
	echo "# --- $1.log"
	sed 's/^/# /' "$TMPDIR_TEST/$1.log"
}

# gctl NAME ARGS...: the gvpn CLI on gvpnd NAME's control socket
gctl() {
	local name=$1
	shift
	"$GVPN" -S "$TMPDIR_TEST/$name.sock" "$@"
}

# gm_registered NAME: gvpnd NAME logged the completed registration
gm_registered() {
	gvpnd_log_has "$1" "GDOI-5-GM_REGS_COMPL"
}

# sa_list NS: the SAs gvpn.ko holds in NS, one line each: SPI, group,
# algorithms and key size (no keys: the kernel never returns them)
sa_list() {
	$GVPN -n "$1" -j sa show |
		grep -oE '"(spi|group|aead|enc|auth_trunc|key_bits|icv_bits|trunc_bits)":("[^"]*"|[0-9]+)' |
		awk -F: '$1 == "\"spi\"" && l { print l; l = "" }
			 { l = l (l ? " " : "") $0 } END { if (l) print l }' | sort
}

# same_sas NS LIST: NS holds SAs, the same as LIST (from sa_list)
same_sas() {
	local mine
	mine=$(sa_list "$1")
	[ -n "$mine" ] && [ "$mine" = "$2" ] && return 0
	echo "# SAs differ: '$mine' vs '$2'"
	return 1
}

# sa_count NS: how many SAs gvpn.ko holds in NS
sa_count() {
	$GVPN -n "$1" -j sa show | grep -oE '"spi":' | wc -l
}

# group_keys NS [ID]: the "keys" state of group ID (default $GDOI_GROUP)
# in gvpn.ko: none, up or fail-closed
group_keys() {
	$GVPN -n "$1" -j group show "${2:-$GDOI_GROUP}" |
		grep -oE '"keys":"[a-z-]+"' | head -n 1 | cut -d'"' -f4
}

# all_gms_keys_up: every gateway's group has keys
all_gms_keys_up() {
	local s gm
	for s in $SITES; do
		gm=gm$s
		[ "$(group_keys "${!gm}")" = up ] || return 1
	done
}

# ---------------------------------------------------------------------------
# Push rekeys (GROUPKEY-PUSH, RFC 6407 4): ks1 with a KEK (kek=1), lab
# timers and a short activation-time-delay, members registered; rekeys are
# forced with "gvpn ks rekey group ID [kek]" instead of waiting for
# lifetimes.
#
#   hostA - gmA =\                /= gmB - hostB
#                 core (br0) ----+          push (UDP 848) ks1 --> members
#   hostC - gmC =/      |                   ACK (unicast)  members --> ks1
#                      ks1 192.168.0.10
#
# The JSON the tests read (gvpn -j ks show / ks members / gm show) is
# reached through the helpers below only, so that a renamed field is
# fixed in one place.
PUSH_ATD=2

# lab_timers NAME: "lab-timers = true;" in NAME's configuration (gvpnd
# lowers its minimums so that lifetimes, heartbeats and retransmissions
# take seconds)
lab_timers() {
	echo 'lab-timers = true;' >>"$TMPDIR_TEST/$1.conf"
}

# push_start [KEY=VALUE...]: gvpn.ko, gdoi_topo, key server(s) with a KEK
# and lab timers, and members registered
#   rekey='retransmit-period = 1; retransmissions = 2;' (body of the
#   group's rekey = { }; unicast unless it says otherwise)
#   atd=$PUSH_ATD  tbar=0 (tbar-window)  ks_extra=... gm_extra=... (more
#   settings of the group)
#   sites=$SITES (the members)  ks2= (1: ks2 as well, configured like
#   ks1 at 192.168.0.11; members list ks1 then ks2)
push_start() {
	local rekey='retransmit-period = 1; retransmissions = 2;' kv
	local atd=$PUSH_ATD tbar=0 ks_extra= gm_extra= sites=$SITES ks2= s n ns
	local servers=ks1:192.168.0.10 kss=ks1
	for kv in "$@"; do
		local "$kv"
	done
	if [ -n "$ks2" ]; then
		servers+=" ks2:192.168.0.11"
		kss+=" ks2"
	fi
	gvpn_load
	gdoi_topo $ks2 || return 1
	for n in $kss; do
		ks_conf "$n" addr="192.168.0.$([ "$n" = ks1 ] && echo 10 || echo 11)" \
			kek=1 atd="$atd" tbar="$tbar" \
			extra="rekey = { $rekey }; $ks_extra"
		lab_timers "$n"
	done
	for s in $sites; do
		gm_conf "gm$s" "$s" servers="$servers" extra="$gm_extra"
		lab_timers "gm$s"
	done
	for n in $kss; do
		gvpnd_start "${!n}" "$n" || return 1
	done
	for s in $sites; do
		ns=gm$s
		gvpnd_spawn "${!ns}" "gm$s"
	done
	for s in $sites; do
		gvpnd_wait_up "gm$s" || return 1
	done
	for s in $sites; do
		gvpnd_log_wait "gm$s" "GDOI-5-GM_REGS_COMPL" 60 || {
			gvpnd_log_dump "gm$s"
			return 1
		}
	done
	SITES="$sites" busywait 10000 all_gms_keys_up
}

# ks_rekey [kek] [NAME]: force a TEK (or KEK) rekey of $GDOI_GROUP on ks1
ks_rekey() {
	gctl "${2:-ks1}" ks rekey group "$GDOI_GROUP" $1
}

# ks_jq NAME FILTER: jq -r FILTER on "gvpn -j ks show group ID"'s group
ks_jq() {
	gctl "$1" -j ks show group "$GDOI_GROUP" | jq -r ".[0] | $2"
}

# ks_seq [NAME]: the group's current push sequence number
ks_seq() {
	ks_jq "${1:-ks1}" '.kek.seq'
}

# ks_kek_spi [NAME]: the group's current KEK SPI (32 hex digits)
ks_kek_spi() {
	ks_jq "${1:-ks1}" '.kek.spi'
}

# ks_tek_spis [NAME]: the SPIs (decimal) of the group's live TEKs, sorted
ks_tek_spis() {
	ks_jq "${1:-ks1}" '.sas[].spi' | sort -n
}

# ks_counter NAME KEY: a push counter of the group in "ks show"
# (rekeys_sent, kek_rekeys, heartbeats, retransmitted, acks_received,
# ejected...)
ks_counter() {
	ks_jq "$1" ".rekey.$2"
}

# ks_member NAME ADDR FIELD: FIELD of member ADDR in "gvpn -j ks members":
#   last_acked_seq (the last push sequence number it acknowledged), state
#   (active | ejected), missed (rekeys in a row it did not acknowledge)
ks_member() {
	gctl "$1" -j ks members group "$GDOI_GROUP" |
		jq -r --arg a "$2" ".[] | select(.address == \$a) | .$3"
}

# members_acked SEQ [SITES]: ks1 lists every member of SITES (default
# all) with SEQ as the last push it acknowledged
members_acked() {
	local s got
	got=$(gctl ks1 -j ks members group "$GDOI_GROUP" |
		jq -r '.[] | "\(.address) \(.last_acked_seq)"')
	for s in ${2:-$SITES}; do
		grep -qx "192\.168\.0\.$(site_n "$s") $1" <<<"$got" || return 1
	done
}

# gm_jq NAME FILTER: jq -r FILTER on "gvpn -j gm show group ID"'s group
gm_jq() {
	gctl "$1" -j gm show group "$GDOI_GROUP" | jq -r ".[0] | $2"
}

# gm_seq NAME: the last push sequence number member NAME accepted
gm_seq() {
	gm_jq "$1" '.seq'
}

# gm_kek_spi NAME: the KEK SPI member NAME holds (32 hex digits)
gm_kek_spi() {
	gm_jq "$1" '.kek_spi'
}

# gm_counter NAME KEY: a push counter of member NAME: rekeys_received,
# rekeys_installed, acks_sent, heartbeats, rejected (the sum over reasons)
gm_counter() {
	if [ "$2" = rejected ]; then
		gm_jq "$1" '.counters.rejected // .rejected |
			if type == "object" then ([.[] | numbers] | add // 0)
			else . end'
	else
		gm_jq "$1" ".counters.$2 // .$2"
	fi
}

# gm_has_tek NAME SPI: member NAME lists TEK SPI (decimal) in gm show
gm_has_tek() {
	gm_jq "$1" '.teks[].spi' | grep -qx "$2"
}

# all_gms_seq SEQ [SITES]: every member accepted push SEQ (and no later)
all_gms_seq() {
	local s
	for s in ${2:-$SITES}; do
		[ "$(gm_seq "gm$s")" = "$1" ] || return 1
	done
}

# all_gms_have_tek SPI [SITES]: every member lists TEK SPI and gvpn.ko
# holds it
all_gms_have_tek() {
	local s gm
	for s in ${2:-$SITES}; do
		gm=gm$s
		gm_has_tek "gm$s" "$1" || return 1
		sa_list "${!gm}" | grep -q "\"spi\":$1\b" || return 1
	done
}

# waitfor SECS EXPR: the shell expression EXPR (quoted, so that it is
# evaluated again on every try) holds within SECS seconds
waitfor() {
	local t=$1
	shift
	slowwait "$t" eval "$*"
}

# only_spi SPI [SITES]: gvpn.ko holds SA SPI and no other on each member
only_spi() {
	local s gm
	for s in ${2:-$SITES}; do
		gm=gm$s
		[ "$(sa_list "${!gm}" | grep -oE '"spi":[0-9]+')" = "\"spi\":$1" ] ||
			return 1
	done
}

# show_sas [SITES]: the SAs of each member's gvpn.ko, as comments
show_sas() {
	local s gm
	for s in ${2:-$SITES}; do
		gm=gm$s
		sa_list "${!gm}" | sed "s/^/# gm$s: /"
	done
}

# all_kernels_have SPI [SITES]: every member's gvpn.ko holds SA SPI
all_kernels_have() {
	local s gm
	for s in ${2:-$SITES}; do
		gm=gm$s
		sa_list "${!gm}" | grep -q "\"spi\":$1\b" || return 1
	done
}

# sleep_until MS: sleep until the time date +%s%3N gives is MS
sleep_until() {
	local left=$(($1 - $(date +%s%3N)))
	[ "$left" -le 0 ] || sleep "$((left / 1000)).$(printf %03d $((left % 1000)))"
}

# new_tek BEFORE: the one SPI of ks_tek_spis not in BEFORE (a list)
new_tek() {
	comm -13 <(sort <<<"$1") <(ks_tek_spis | sort)
}

# traffic_start: hostA pings hostB and hostC pings hostA, 100 times a
# second each (ESP both ways through every gateway), until traffic_wait.
# Pings of 300 in a row, each run to its end (the last replies waited
# for), so that stopping loses nothing that was sent.
traffic_start() {
	rm -f "$TMPDIR_TEST/traffic.stop" "$TMPDIR_TEST/ping.AB" \
		"$TMPDIR_TEST/ping.CA"
	traffic_loop "$hostA" 10.2.0.2 "$TMPDIR_TEST/ping.AB" &
	PING_AB=$!
	traffic_loop "$hostC" 10.1.0.2 "$TMPDIR_TEST/ping.CA" &
	PING_CA=$!
	defer "touch $TMPDIR_TEST/traffic.stop; wait $PING_AB $PING_CA"
}

traffic_loop() {
	while [ ! -e "$TMPDIR_TEST/traffic.stop" ]; do
		ip netns exec "$1" ping -q -i 0.01 -c 300 -W 5 "$2" >>"$3" 2>&1
	done
}

# traffic_running: both ping loops still run
traffic_running() {
	kill -0 "$PING_AB" 2>/dev/null && kill -0 "$PING_CA" 2>/dev/null
}

# traffic_wait: stop both ping loops (the current pings end); the totals
# as comments
traffic_wait() {
	touch "$TMPDIR_TEST/traffic.stop"
	wait "$PING_AB" "$PING_CA" 2>/dev/null
	awk '/packets transmitted/ { t[FILENAME] += $1; r[FILENAME] += $4 }
	     END { for (f in t) printf "# %s: %d sent, %d received\n",
		   f, t[f], r[f] }' "$TMPDIR_TEST/ping.AB" "$TMPDIR_TEST/ping.CA"
}

# traffic_lossless: every ping got all its replies
traffic_lossless() {
	local f
	for f in AB CA; do
		grep -q 'packets transmitted' "$TMPDIR_TEST/ping.$f" || return 1
		! grep 'packets transmitted' "$TMPDIR_TEST/ping.$f" |
			grep -vqE '^([0-9]+) packets transmitted, \1 received, 0% packet loss' ||
			return 1
	done
}

# wan_spis PCAP SRC: the ESP SPIs (decimal) of SRC's packets on the WAN
wan_spis() {
	wan_count "$1" . >/dev/null
	grep -oE "$2 > [0-9.]+: ESP\(spi=0x[0-9a-f]+" "$1.txt" |
		sed 's/.*spi=//' | sort -u | while read -r x; do
			echo $((x))
		done
}

# push_send_start NS: start push_send.py in the core, aimed at the WAN
# port of the gateway whose namespace is NS (one at a time)
push_send_start() {
	local gm=$1 port mac
	case $gm in "$gmA") port=pA ;; "$gmB") port=pB ;; *) port=pC ;; esac
	mac=$(ip -n "$gm" -br link show wan | awk '{ print $3 }')
	coproc PUSHSEND { ip netns exec "$core" /usr/bin/python3 \
		"$GVPN_TOP/selftests/gvpn/push_send.py" "$port" "$mac"; }
	defer "kill $PUSHSEND_PID 2>/dev/null"
}

# push_send PCAP SRC DST N MODE: send the N-th push from SRC to DST of
# PCAP again, changed as MODE says (push_send.py); prints how many went
push_send() {
	local n
	echo "$*" >&"${PUSHSEND[1]}"
	read -r -t 60 n <&"${PUSHSEND[0]}" && echo "$n"
}

# --- gvpnd's Wireshark pcap as tshark reads it (gdoi_*wire.sh) ------------

# pcap_fields PCAP FIELD...: every frame's FIELDs, '|' between them, one
# line a frame, into PCAP.fields; one tshark pass, as each tshark start
# costs seconds under the VM's emulated CPU
pcap_fields() {
	local f=$1 x args=()

	shift
	for x in "$@"; do
		args+=(-e "$x")
	done
	tshark -n -d udp.port==848,isakmp -r "$f" -T fields -E separator='|' \
		"${args[@]}" >"$f.fields" 2>/dev/null
}

# pcap_problems FILE: the frames of a pcap_fields FILE (fields 2 and 3:
# _ws.malformed, _ws.expert.severity) tshark marks malformed or with an
# error (expert severity PI_ERROR, 0x00800000, or more)
pcap_problems() {
	awk -F'|' '{ n = split($3, s, ",")
		     for (i = 1; i <= n; i++) if (s[i] + 0 >= 8388608) bad = 1
		     if ($2 != "" || bad) c++; bad = 0 }
		   END { print c + 0 }' "$1"
}
