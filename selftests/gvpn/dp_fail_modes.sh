#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
#   hostA - gmA =\                /= gmB - hostB
#                 core (br0) <-- capture
#   hostC - gmC =/
#
# What a group does without keys, proven on the wire in both states:
#  - default: encrypt-policy traffic passes in clear until keys arrive;
#  - Juniper fail-open: when keys lapse, encrypt-policy traffic is dropped
#    except what matches a fail-open rule (at most 10), which passes in
#    clear until keys return;
#  - Cisco fail-close: once activated, everything on the WAN is dropped
#    except the exception rules, until the first keys lift it for good:
#    TCP, UDP and SCTP packets too short to carry ports, and IPv6, too.
# Each transition is counted and announced.

source "$(dirname "$0")/lib.sh"
require_cmd tcpdump

gvpn_load
topo_setup
wan_ipv6 A B
for s in $SITES; do
	gm_group_nosa "$s" || { log_test "configure gm$s" 1; exit $EXIT_STATUS; }
done
keys_on() {
	local s gm
	for s in "$@"; do
		gm=gm$s
		$GVPN -n "${!gm}" sa add group 1 policy 10 spi 0x1000 \
			aead 'rfc4106(gcm(aes))' "$GROUP_KEY" 128 \
			$(gm_sid "$s") || return 1
	done
}
keys_off() { all_gms sa flush group 1; }
keys_state() { $GVPN -n "$1" -j group show 1 | grep -q "\"keys\":\"$2\""; }

# ping_on_wan NAME SRC-NS DST WHAT: ping, captured; WHAT is "esp", "clear"
# or "none" (nothing gets through).
ping_on_wan() {
	local name=$1 ns=$2 dst=$3 what=$4 pcap=$TMPDIR_TEST/$1.pcap rc
	capture_start "$pcap"
	ping_ok "$ns" "$dst"
	rc=$?
	capture_stop
	case $what in
	esp) [ $rc = 0 ] && [ "$(wan_count "$pcap" "> $dst: ESP")" -ge 2 ] &&
		[ "$(wan_count "$pcap" "> $dst: ICMP")" -eq 0 ] ;;
	clear) [ $rc = 0 ] && [ "$(wan_count "$pcap" "> $dst: ICMP echo request")" -ge 2 ] ;;
	none) [ $rc != 0 ] ;;
	esac || { tcpdump -nn -r "$pcap" 2>/dev/null | grep ' IP '; false; }
}

# short_on_wan NAME PROTO: how many of three packets of PROTO too short to
# carry ports, hostA -> hostB, crossed the WAN
short_on_wan() {
	local pcap=$TMPDIR_TEST/$1.pcap
	capture_start "$pcap"
	send_short "$hostA" 10.2.0.2 "$2"
	capture_stop
	tcpdump -nn -r "$pcap" "ip proto $2 and dst host 10.2.0.2" 2>/dev/null |
		wc -l
}

# --- default: clear until the first keys -------------------------------
monitor_start "$gmA" "$TMPDIR_TEST/events"
check "no keys yet: state none" keys_state "$gmA" none
check "no keys, default: hostA -> hostB in clear" \
	ping_on_wan def-clear "$hostA" 10.2.0.2 clear
check "counted as clear for lack of keys" \
	counter_ge "$gmA" clear_no_keys 2 group show 1
check "no keys, default: TCP too short for ports crosses in clear" \
	test "$(short_on_wan def-short 6)" -eq 3
keys_on A B C
check "keys arrive: state up" keys_state "$gmA" up
check "keys: hostA -> hostB encrypted" ping_on_wan def-esp "$hostA" 10.2.0.2 esp

# --- Juniper: fail-closed with fail-open rules -----------------------------
# Rules are written for the member's outbound traffic and match inbound
# traffic mirrored: gmA's and gmC's rules face each other.
$GVPN -n "$gmA" policy add group 1 id 90 origin fail \
	src 10.1.0.2/32 dst 10.3.0.2/32 action bypass
$GVPN -n "$gmC" policy add group 1 id 90 origin fail \
	src 10.3.0.2/32 dst 10.1.0.2/32 action bypass
all_gms group set 1 fail-mode open
check "fail-open with keys: hostA -> hostC encrypted" \
	ping_on_wan open-esp "$hostA" 10.3.0.2 esp
keys_off
check "keys lapse: state none" keys_state "$gmA" none
check "fail-open without keys: hostA -> hostB dropped" \
	ping_on_wan open-drop "$hostA" 10.2.0.2 none
check "counted as dropped for lack of keys" \
	counter_ge "$gmA" drop_no_keys 2 group show 1
check "fail-open rule: hostA -> hostC passes in clear" \
	ping_on_wan open-rule "$hostA" 10.3.0.2 clear
keys_on A B C
check "keys return: hostA -> hostB encrypted again" \
	ping_on_wan open-back "$hostA" 10.2.0.2 esp
check "keys return: hostA -> hostC encrypted again" \
	ping_on_wan open-back-c "$hostA" 10.3.0.2 esp
for i in $(seq 91 99); do
	$GVPN -n "$gmA" policy add group 1 id "$i" origin fail \
		dst "10.9.0.$i/32" action bypass || break
done
log_test "10 fail rules fit" $?
out=$($GVPN -n "$gmA" policy add group 1 id 100 origin fail dst 10.9.1.0/24 \
	action bypass 2>&1)
check "the 11th is refused, saying why" grep -q 'at most 10 fail rules' <<<"$out"
check_fail "and is not there" $GVPN -n "$gmA" policy show group 1 id 100
monitor_stop
check "keys up/down transitions counted" \
	counter_ge "$gmA" keys_down 1 group show 1
check "... and announced" /usr/bin/python3 -c '
import json, sys
ev = [json.loads(l).get("event") for l in open(sys.argv[1]) if l.startswith("{")]
sys.exit(not (ev.count("keys-up") >= 2 and ev.count("keys-down") >= 1))' \
	"$TMPDIR_TEST/events"

# --- Cisco: fail-close until registration ----------------------------------
for s in $SITES; do
	gm=gm$s
	$GVPN -n "${!gm}" group del 1
	gm_group_nosa "$s"
	# the exception: ICMP between the gateways themselves
	$GVPN -n "${!gm}" policy add group 1 id 80 origin fail \
		src 192.168.0.0/24 dst 192.168.0.0/24 proto icmp action bypass
done
all_gms group set 1 fail-mode close
check "fail-close configured, not activated: clear as by default" \
	ping_on_wan close-inactive "$hostA" 10.2.0.2 clear
all_gms group set 1 fail-mode close activate
check "activated: state fail-closed" keys_state "$gmA" fail-closed
check "fail-close: hostA -> hostB dropped" \
	ping_on_wan close-drop "$hostA" 10.2.0.2 none
check_fail "fail-close: traffic outside every policy dropped too" \
	ping_ok "$gmA" 192.168.0.2 -p 0 -t 1 -s 1 -Q 0 -I lan 2>/dev/null
check "fail-close: TCP too short for ports dropped too" \
	test "$(short_on_wan close-tcp 6)" -eq 0
check "fail-close: UDP too short for ports dropped too" \
	test "$(short_on_wan close-udp 17)" -eq 0
check "fail-close: SCTP too short for ports dropped too" \
	test "$(short_on_wan close-sctp 132)" -eq 0
check_fail "fail-close: IPv6 on the WAN dropped too" ping_ok "$gmA" fd00::2
check "exception rule: gmA -> gmB ICMP on the WAN passes in clear" \
	ping_ok "$gmA" 192.168.0.2
keys_on A B C
check "first keys lift fail-close: state up" keys_state "$gmA" up
check "hostA -> hostB encrypted" ping_on_wan close-esp "$hostA" 10.2.0.2 esp
check "IPv6 on the WAN passes again" ping_ok "$gmA" fd00::2
check "... counted as IPv6 passed in clear" \
	counter_ge "$gmA" clear_ipv6 2 group show 1
keys_off
check "keys lapse later: fail-close does not come back" keys_state "$gmA" none
check "... traffic passes in clear, as Cisco does after registration" \
	ping_on_wan close-after "$hostA" 10.2.0.2 clear

exit $EXIT_STATUS
