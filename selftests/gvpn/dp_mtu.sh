#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
#   hostA - gmA =\                /= gmB - hostB      WAN MTU 1400, then
#                 core (br0) <-- capture               1280, 1333, 1499
#   hostC - gmC =/
#
# Packets that would exceed the WAN MTU once encrypted are fragmented
# before encryption, so every ESP packet on the WAN is whole and fits; with
# DF set they are refused and the sender told the MTU left for the inner
# packet, computed as xfrm_state_mtu() does: what the outer header, ESP
# header, IV and ICV leave, rounded down to the cipher block, minus the pad
# length and next header bytes and the TBAR header (1346 bytes with
# AES-GCM-128 on a 1400-byte link). A forwarded packet's sender gets an
# ICMP fragmentation-needed; a local sender (the gateway's own socket) gets
# a local error (IP_RECVERR) and a path MTU that stays put, instead of an
# ICMP to itself that ratcheted the path MTU down to 552. 3000-byte pings
# and TCP work across the small MTU, forwarded and local. Then, for every
# algorithm with and without TBAR, at odd and even WAN MTUs, with the outer
# DF bit set: the largest inner packet passes, one byte more is refused
# with an ICMP announcing exactly that size (mtu_probe.py).

source "$(dirname "$0")/lib.sh"
require_cmd tcpdump socat

gvpn_load
topo_setup 1400
for s in $SITES; do
	gm_group "$s" || { log_test "configure gm$s" 1; exit $EXIT_STATUS; }
done

pcap=$TMPDIR_TEST/wan.pcap
capture_start "$pcap"
check "ping with 3000-byte payloads hostA -> hostB" \
	ping_ok "$hostA" 10.2.0.2 -s 3000
check "ping with 3000-byte payloads hostC -> hostA" \
	ping_ok "$hostC" 10.1.0.2 -s 3000

# tcp_xfer NS ADDR [SOCAT_OPTS]: 500 kB from NS to hostB:5001 arrive intact
tcp_xfer() {
	local srv
	ip netns exec "$hostB" socat -u TCP-LISTEN:5001,reuseaddr \
		"OPEN:$TMPDIR_TEST/out,creat,trunc" &
	srv=$!
	wait_listen "$hostB" 5001
	timeout 120 ip netns exec "$1" socat -u "FILE:$TMPDIR_TEST/payload" \
		"TCP:10.2.0.2:5001${2:+,$2}"
	wait "$srv"
	cmp -s "$TMPDIR_TEST/payload" "$TMPDIR_TEST/out"
}

head -c 500000 /dev/urandom >"$TMPDIR_TEST/payload"
check "TCP across the 1400-byte WAN delivers 500 kB intact" tcp_xfer "$hostA"

# gmA's own sockets, from its LAN address (so the encrypt policy applies):
# a UDP socket with IP_RECVERR sends 1400 bytes with DF and reads its
# error queue (origin 1 is SO_EE_ORIGIN_LOCAL, 2 an ICMP; 90 is EMSGSIZE)
ip netns exec "$gmA" ip route flush cache
out=$(ip netns exec "$gmA" /usr/bin/python3 -c '
import select, socket, struct
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, 11, 1)          # IP_RECVERR
s.setsockopt(socket.IPPROTO_IP, 10, 2)          # IP_MTU_DISCOVER: DO
s.bind(("10.1.0.1", 0))
s.sendto(bytes(1372), ("10.2.0.2", 9))
p = select.poll()
p.register(s, select.POLLERR)
p.poll(2000)
_, anc, _, _ = s.recvmsg(0, 512, socket.MSG_ERRQUEUE | socket.MSG_DONTWAIT)
for lvl, typ, d in anc:
    print("errno %d origin %d info %d" % struct.unpack("=IB3xI", d[:12]))
' 2>&1)
check "local DF sender too big: a local error with mtu 1346, no ICMP" \
	out_has '^errno 90 origin 1 info 1346$'
# pmtu NS DST SRC: the path MTU the route from SRC to DST has learnt
pmtu() {
	ip -n "$1" route get "$2" from "$3" | grep -oE 'mtu [0-9]+' |
		cut -d' ' -f2
}
check "the local route learnt the inner MTU 1346" \
	test "$(pmtu "$gmA" 10.2.0.2 10.1.0.1)" = 1346
check "a local DF sender that fits passes" \
	ping_ok "$gmA" 10.2.0.2 -M do -s 1318 -I 10.1.0.1
ip netns exec "$gmA" ip route flush cache
check "local TCP from gmA delivers 500 kB intact" \
	tcp_xfer "$gmA" bind=10.1.0.1
check "and its path MTU stays 1346, not ratcheted down" \
	test "$(pmtu "$gmA" 10.2.0.2 10.1.0.1)" = 1346
capture_stop

check "ESP packets were large" test \
	"$(wan_count "$pcap" 'proto ESP \(50\), length 1[34][0-9][0-9]\)')" -gt 0
check "no ESP packet exceeds the WAN MTU" test "$(wan_count "$pcap" \
	'proto ESP \(50\), length (140[1-9]|14[1-9][0-9]|1[5-9][0-9]{2}|[2-9][0-9]{3})\)')" -eq 0
check_fail "no ESP packet is an IP fragment" test "$(wan_count "$pcap" \
	'(flags \[\+\]|offset [1-9][0-9]*), .*proto ESP')" -gt 0
check "gmA fragmented before encrypting" \
	counter_ge "$gmA" fragmented 2 group show 1

# 1400 bytes fit the WAN, not the WAN once encrypted. (Bigger packets meet
# the forwarding MTU check first, which answers with the link MTU.)
ip netns exec "$hostA" ip route flush cache	# forget the TCP's PMTU
out=$(ip netns exec "$hostA" ping -c 1 -W 2 -M do -s 1372 10.2.0.2 2>&1)
check "DF set and too big: ICMP fragmentation-needed from gmA" \
	out_has 'From 10.1.0.1 .*mtu = 1346'
check "gmA counted it" counter_ge "$gmA" frag_needed 1 group show 1
check "DF set and exactly fitting: the ping passes" \
	ping_ok "$hostA" 10.2.0.2 -M do -s 1318
ip netns exec "$hostA" ip route flush cache
check "one byte more does not" bash -c "ip netns exec $hostA ping -c 1 -W 2 \
	-M do -s 1319 10.2.0.2 2>&1 | grep -q 'mtu = 1346'"

# Every algorithm, TBAR off and on, at each MTU: one SA each, serving a
# policy of its own to one of hostB's addresses (10.2.0.100 + N), probed
# by mtu_probe.py in one go per MTU. The outer DF bit is set, so an ESP
# packet bigger than the link would be refused, not fragmented.
# name|SA arguments|IV bytes|ICV bytes|block
algs=(
	"gcm/16|aead rfc4106(gcm(aes)) $(hexkey 20 1) 128|8|16|4"
	"gcm/12|aead rfc4106(gcm(aes)) $(hexkey 36 2) 96|8|12|4"
	"gcm/8|aead rfc4106(gcm(aes)) $(hexkey 28 3) 64|8|8|4"
)
for enc in "aes|cbc(aes) $(hexkey 16 4)|16|16" \
	   "3des|cbc(des3_ede) $(hexkey 24 6)|8|8"; do
	IFS='|' read -r ename eargs iv blk <<<"$enc"
	for auth in "sha1|hmac(sha1) $(hexkey 20 7) 96|12" \
		    "sha256|hmac(sha256) $(hexkey 32 8) 128|16" \
		    "md5|hmac(md5) $(hexkey 16 9) 96|12"; do
		IFS='|' read -r aname aargs icv <<<"$auth"
		algs+=("$ename-$aname|enc $eargs auth-trunc $aargs|$iv|$icv|$blk")
	done
done
mtus="1280 1333 1499"

all_gms group set 1 df-bit set
$GVPN -n "$gmA" policy del group 1 id 10
$GVPN -n "$gmB" policy del group 1 id 10
n=0 configs=()
for a in "${algs[@]}"; do
	IFS='|' read -r name args iv icv blk <<<"$a"
	for tbar in 0 1; do
		opt=() dst=10.2.0.$((100 + n)) id=$((100 + n))
		[ "$tbar" = 1 ] && opt=(tbar)
		ip -n "$hostB" addr add "$dst/24" dev lan
		$GVPN -n "$gmA" policy add group 1 id "$id" src 10.1.0.2 \
			dst "$dst" action encrypt &&
		$GVPN -n "$gmB" policy add group 1 id "$id" src "$dst" \
			dst 10.1.0.2 action encrypt || echo "# policy $id failed"
		for s in A B; do
			gm=gm$s sid=()
			# GCM sends SID || counter IVs (RFC 6054)
			case $name in gcm*) read -ra sid <<<"$(gm_sid "$s")" ;; esac
			# shellcheck disable=SC2086 # args is a word list
			$GVPN -n "${!gm}" sa add group 1 policy "$id" \
				spi $((0x3000 + n)) $args "${opt[@]}" "${sid[@]}" ||
				echo "# SA for $name failed"
		done
		configs+=("$dst|$name, TBAR $tbar|$iv|$icv|$blk|$((tbar * 12))")
		n=$((n + 1))
	done
done

# set_wan_mtu MTU: every WAN link, both ends
set_wan_mtu() {
	local s gm
	for s in $SITES; do
		gm=gm$s
		ip -n "${!gm}" link set wan mtu "$1"
		ip -n "$core" link set "p$s" mtu "$1"
	done
}

declare -A bad
for mtu in $mtus; do
	set_wan_mtu "$mtu"
	ip netns exec "$hostA" ip route flush cache
	probes=()
	for c in "${configs[@]}"; do
		IFS='|' read -r dst name iv icv blk th <<<"$c"
		inner=$(( (mtu - 20 - 8 - iv - icv) / blk * blk - 2 - th ))
		probes+=("$dst:$inner")
	done
	while read -r dst result; do
		[ "$result" = ok ] && continue
		echo "# WAN MTU $mtu, $dst: $result"
		bad[$dst]+=" $mtu"
	done < <(ip netns exec "$hostA" /usr/bin/python3 ./mtu_probe.py \
		10.1.0.1 "${probes[@]}")
done
for c in "${configs[@]}"; do
	IFS='|' read -r dst name _ <<<"$c"
	log_test "inner MTU exact for $name at WAN MTU $mtus" \
		"$([ -z "${bad[$dst]}" ]; echo $?)"
done

exit $EXIT_STATUS
