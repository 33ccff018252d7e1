#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
#   hostA - gmA =\                /= gmB - hostB
#                 core (br0) <-- capture
#   hostC - gmC =/      |
#     (scope: icmp)    ks1 192.168.0.10
#
# The key server's group policy, first match wins:
#   1  deny    udp  10/8 -> 10/8 port 5001     (in clear)
#   2  permit  icmp 10/8 -> 10/8               (encrypt)
#   3  permit  tcp  10/8 -> 10/8               (encrypt)
# gmC has a scope rule (Juniper dynamic policy) that admits only ICMP: it
# installs the deny and the ICMP permit, never the TCP permit. On the WAN
# the denied UDP is in clear between the hosts while their ICMP and TCP
# are ESP; gmC sends its TCP in clear (no policy of its own covers it).

source "$(dirname "$0")/lib.sh"
gdoi_require
require_cmd socat

gvpn_load
gdoi_topo || { log_test "topology" 1; exit $EXIT_STATUS; }

ks_conf ks1 policies='
	{ action = "deny"; protocol = "udp"; source = "10.0.0.0/8";
	  destination = "10.0.0.0/8"; destination-port = "5001"; },
	{ action = "permit"; protocol = "icmp"; source = "10.0.0.0/8";
	  destination = "10.0.0.0/8"; sa = "tek1"; },
	{ action = "permit"; protocol = "tcp"; source = "10.0.0.0/8";
	  destination = "10.0.0.0/8"; sa = "tek1"; }'
gm_conf gmA A
gm_conf gmB B
gm_conf gmC C extra='scope = ( { protocol = "icmp"; source = "10.0.0.0/8";
	destination = "10.0.0.0/8"; } );'
for n in ks1 gmA gmB gmC; do
	gvpnd_check "$n" || log_test "$n configuration passes gvpnd --check" 1
done

gvpnd_start "$ks1" ks1 || { log_test "key server starts" 1; exit $EXIT_STATUS; }
for s in $SITES; do
	ns=gm$s
	gvpnd_spawn "${!ns}" "gm$s"
done
for s in $SITES; do
	gvpnd_wait_up "gm$s" || log_test "gm$s starts" 1
done
for s in $SITES; do
	check "gm$s registers" gvpnd_log_wait "gm$s" "GDOI-5-GM_REGS_COMPL"
done

# policies in gvpn.ko, as "proto action" lines of origin ks
ks_policies() {
	$GVPN -n "$1" -j policy show |
		grep -oE '"(proto|action|origin)":"[a-z]+"' |
		awk -F'"' '$2 == "proto" { p = $4 } $2 == "action" { a = $4 }
			$2 == "origin" { if ($4 == "ks") print p " " a; p = "any" }' |
		sort
}
for s in A B; do
	ns=gm$s
	pol=$(ks_policies "${!ns}")
	check "gm$s installed the three downloaded policies" \
		test "$(wc -l <<<"$pol")" -eq 3
	check "gm$s holds the TCP permit" grep -qx 'tcp encrypt' <<<"$pol"
done
pol=$(ks_policies "$gmC")
check "gmC holds the ICMP permit (inside its scope)" grep -qx 'icmp encrypt' <<<"$pol"
check "gmC holds the UDP deny (denies are not scoped)" grep -qx 'udp bypass' <<<"$pol"
check_fail "gmC has no TCP permit: the scope kept it out" \
	grep -q '^tcp' <<<"$pol"
check "gmC logs that it skipped a policy outside its scope" \
	gvpnd_log_has gmC "scope"

pcap=$TMPDIR_TEST/wan.pcap
capture_start "$pcap"
check "ICMP hostA -> hostB" ping_ok "$hostA" 10.2.0.2
check "ICMP hostC -> hostA (gmC's ICMP permit)" ping_ok "$hostC" 10.1.0.2
# denied UDP: reaches hostB in clear
ip netns exec "$hostB" socat -u UDP-RECV:5001 "OPEN:$TMPDIR_TEST/udp,creat" &
udp=$!
defer "kill $udp 2>/dev/null"
busywait 5000 sh -c "ip netns exec '$hostB' ss -Hlun 'sport = 5001' | grep -q ."
echo "denied-by-the-key-server" | ip netns exec "$hostA" socat -u - \
	UDP:10.2.0.2:5001
check "the denied UDP reaches hostB" busywait 5000 grep -q denied "$TMPDIR_TEST/udp"
# TCP: hostA -> hostB is encrypted; hostC's SYN leaves gmC in clear
ip netns exec "$hostB" socat -u TCP-LISTEN:5002,reuseaddr - >/dev/null &
tcp=$!
defer "kill $tcp 2>/dev/null"
wait_listen "$hostB" 5002
check "TCP hostA -> hostB" bash -c "echo hello | timeout 20 ip netns exec '$hostA' socat -u - TCP:10.2.0.2:5002"
timeout 3 ip netns exec "$hostC" socat -u /dev/null TCP:10.2.0.2:5002,connect-timeout=2 2>/dev/null
capture_stop

check "WAN: the denied UDP in clear, between the hosts" \
	test "$(wan_count "$pcap" '10\.1\.0\.2\.[0-9]+ > 10\.2\.0\.2\.5001: UDP')" -ge 1
check "WAN: ICMP hostA <-> hostB as ESP" \
	test "$(wan_count "$pcap" '10\.1\.0\.2 > 10\.2\.0\.2: ESP')" -ge 2
check "WAN: no ICMP in clear" test "$(wan_count "$pcap" ': ICMP')" -eq 0
check "WAN: no TCP in clear from hostA" \
	test "$(wan_count "$pcap" '10\.1\.0\.2\.[0-9]+ > 10\.2\.0\.2\.5002: Flags')" -eq 0
check "WAN: gmC sent hostC's TCP in clear (outside its scope)" \
	test "$(wan_count "$pcap" '10\.3\.0\.2\.[0-9]+ > 10\.2\.0\.2\.5002: Flags \[S\]')" -ge 1

exit $EXIT_STATUS
