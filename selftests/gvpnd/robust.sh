#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# gvpnd as a key server under bad input (made by isakmp_send.py, an
# encoder of our own independent of gvpnd's): main mode first messages
# with one length field off by one, a truncated datagram, a 64 KiB
# datagram, random bytes; then floods of 10,000 spoofed main mode and
# 2,000 aggressive mode first messages. Each is dropped or bounded with a
# rate-limited log line saying why, the daemon keeps running, memory does
# not grow beyond the half-open limit, and a real negotiation completes
# during the flood and after.
#
#   ks 10.99.0.1 (gvpnd responder) ---- 10.99.0.2 gm (senders, gvpnd init.)
#   172.16.0.0/12: spoofed sources, routed back to gm (and dropped there)

source "$(dirname "$0")/lib.sh"

topo || exit 1
ip netns exec "$ks" sysctl -qw net.ipv4.conf.all.rp_filter=0 \
	net.ipv4.conf.veth0.rp_filter=0
ip -n "$ks" route add 172.16.0.0/12 via "$GM_IP"

SEND=("$HERE/isakmp_send.py" "$KS_IP")

gvpnd_conf "$T/r.conf" role=responder mode=any \
	extra="half-open-max = 1000; aggressive-rate = 50;"
# every source may start an exchange: the flood reaches the half-open table
sed -i 's|address = "10.99.0.0/24";|address = "0.0.0.0/0";|' "$T/r.conf"
gvpnd_start "$ks" gr "$T/r.conf" || exit 1

alive() {
	kill -0 "$gr_pid" 2>/dev/null
}

# negotiate [TIMEOUT]: a member registers (its messages may be lost in a
# flood like anyone's: it retransmits, up to 6 times)
negotiate() {
	gvpnd_conf "$T/i.conf" role=initiator tries=6
	gvpnd_start "$gm" gi "$T/i.conf" &&
	log_has gi "Phase 1 established" "${1:-20}"
	local rc=$?
	gvpnd_stop gi
	return $rc
}

rss_kb() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$gr_pid/status"
}

# send KIND REASON: one message from gm:40000, dropped with REASON logged
send() {
	ip netns exec "$gm" "${SEND[@]}" "$1" --sport 40000
	check "$1: dropped, logged: $2" \
		log_has gr "dropped .*message( 1)? from $GM_IP:40000: .*$2" 2
}

# (at most 5 lines of a kind per second: 4 kinds, then a pause)
send hdr+1 "truncated: header length 85, datagram 84 bytes"
send hdr-1 "header length 83, datagram 84 bytes"
send truncated "truncated: header length 84, datagram 79 bytes"
send sa+1 "SA payload length 57 exceeds the 56 bytes left"
sleep 1.1
send sa-1 "1 bytes after the last payload"
send prop+1 "proposal length 45 exceeds the SA payload"
send prop-1 "transform length 36 exceeds proposal 1"
send t+1 "transform length 37 exceeds proposal 1"
sleep 1.1
send t-1 "attribute at offset 24 overruns its list of 27 bytes"
send big "no single SA payload"
ip netns exec "$gm" "${SEND[@]}" garbage --sport 40000
check "garbage: dropped, logged" log_has gr "dropped malformed message from $GM_IP:40000" 2
check "daemon alive after bad input" alive
sleep 1.1

# many at once: 5 lines, then how many more
n0=$(log_count gr "payload length 57 exceeds")
ip netns exec "$gm" "${SEND[@]}" sa+1 --count 200 --sport 40000
check "200 bad messages: summary of the rate-limited ones" \
	log_has gr "more malformed messages dropped in the last .* \(rate-limited\)" 3
n=$(($(log_count gr "payload length 57 exceeds") - n0))
[ "$n" -le 5 ]
log_test "200 bad messages: no more than 5 lines about them ($n)" $?
check "daemon alive, negotiates after bad input" negotiate

# 10,000 spoofed first messages; a member negotiates meanwhile
rss0=$(rss_kb)
ip netns exec "$gm" "${SEND[@]}" good --count 10000 --spoof 172.16.0.0/12 &
flood=$!
check "flood: a real negotiation completes during it" negotiate
wait "$flood"
check "flood: the oldest half-open exchanges were dropped, logged" \
	log_has gr "half-open table full \(1000\): evicting the oldest main mode exchange"
check "flood: rate-limited, with a count" \
	log_has gr "more first messages dropped or evicted by the flood limits in the last" 3
lines=$(log_count gr "half-open table full")
[ "$lines" -le 60 ]
log_test "flood: log lines stay few ($lines)" $?
rss1=$(rss_kb)
echo "# RSS ${rss0} kB before, ${rss1} kB after the flood"
[ $((rss1 - rss0)) -lt 8192 ]
log_test "flood: memory bounded (RSS +$((rss1 - rss0)) kB < 8 MiB)" $?
check "flood: daemon alive" alive
check "flood: negotiates after it" negotiate

# aggressive mode computes Diffie-Hellman at once: rate-limited
ip netns exec "$gm" "${SEND[@]}" aggressive --count 2000 --spoof 172.16.0.0/12
check "aggressive flood: dropped over aggressive-rate, logged" \
	log_has gr "dropped aggressive mode message 1 from .*: over aggressive-rate"
# the ones let through carry random public values: refused before any
# Diffie-Hellman of ours, and their failures are rate-limited too
check "aggressive flood: bad public values refused, logged" \
	log_has gr "aggressive mode responder with 172\..*failed: message 1: invalid Diffie-Hellman public value"
check "aggressive flood: failures rate-limited, with a count" \
	log_has gr "more responder negotiations failed in the last .* \(rate-limited\)"
rss2=$(rss_kb)
[ $((rss2 - rss0)) -lt 8192 ]
log_test "aggressive flood: memory bounded (RSS +$((rss2 - rss0)) kB)" $?
check "aggressive flood: negotiates after it" negotiate
check "daemon alive at the end" alive

exit $EXIT_STATUS
