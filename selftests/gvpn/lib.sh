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

# gm_group SITE: group 1 on the gateway's WAN, encrypting all site-to-site
# traffic (10.0.0.0/8 both ways) with one AES-GCM-128 SA (SPI 0x1000).
GROUP_KEY=0x0102030405060708090a0b0c0d0e0f1011121314
gm_group() {
	local gm=gm$1
	$GVPN -n "${!gm}" group add 1 &&
	$GVPN -n "${!gm}" dev add wan group 1 &&
	$GVPN -n "${!gm}" policy add group 1 id 10 src 10.0.0.0/8 \
		dst 10.0.0.0/8 action encrypt &&
	$GVPN -n "${!gm}" sa add group 1 policy 10 spi 0x1000 \
		aead 'rfc4106(gcm(aes))' "$GROUP_KEY" 128
}

# capture_start FILE / capture_stop: tcpdump on the core bridge.
capture_start() {
	ip netns exec "$core" tcpdump -i br0 -nn -U --immediate-mode -w "$1" \
		>/dev/null 2>"$1.log" &
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
