#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
#   hostA - gmA =\                /= gmB - hostB
#                 core (br0) <-- capture
#   hostC - gmC =/
#
# Policy actions on the wire: a bypass (deny) policy sends and accepts its
# traffic in clear while everything else between the sites is encrypted; a
# drop policy drops and counts; an encrypt policy without an SA, in a group
# that holds keys for other policies, drops and counts (a group with no keys
# at all follows its fail mode: dp_fail_modes.sh); cleartext that a policy
# says must arrive encrypted is dropped and counted by the receiving
# gateway. Packets too short to carry their ports are classified all the
# same (ports 0): encrypted, or refused in clear. IPv6 on the WAN passes,
# counted, unless a drop policy covers every address and protocol.

source "$(dirname "$0")/lib.sh"
require_cmd tcpdump

gvpn_load
topo_setup
wan_ipv6 A C
for s in $SITES; do
	gm_group "$s" || { log_test "configure gm$s" 1; exit $EXIT_STATUS; }
done

# ICMP between hostA and hostB bypasses encryption on both gateways (a key
# server's deny entry reaches every member); local policies go first.
for s in A B; do
	gm=gm$s
	$GVPN -n "${!gm}" policy add group 1 id 1 origin local \
		src 10.1.0.2/32 dst 10.2.0.2/32 proto icmp action bypass
	$GVPN -n "${!gm}" policy add group 1 id 2 origin local \
		src 10.2.0.2/32 dst 10.1.0.2/32 proto icmp action bypass
done
pcap=$TMPDIR_TEST/wan.pcap
capture_start "$pcap"
check "bypassed ping hostA -> hostB works" ping_ok "$hostA" 10.2.0.2
check "protected ping hostA -> hostC works" ping_ok "$hostA" 10.3.0.2
capture_stop
check "bypassed ICMP crosses the WAN in clear" test \
	"$(wan_count "$pcap" '10\.1\.0\.2 > 10\.2\.0\.2: ICMP echo request')" -ge 2
check "and its replies too" test \
	"$(wan_count "$pcap" '10\.2\.0\.2 > 10\.1\.0\.2: ICMP echo reply')" -ge 2
check "the rest is still ESP" test \
	"$(wan_count "$pcap" '10\.1\.0\.2 > 10\.3\.0\.2: ESP')" -ge 2
check_fail "and never clear" test \
	"$(wan_count "$pcap" '10\.1\.0\.2 > 10\.3\.0\.2: ICMP')" -gt 0
check "gmA counted the bypass" counter_ge "$gmA" bypass_packets 2 group show 1

# A TCP packet too short for its ports still matches the encrypt policy.
capture_start "$pcap.short"
send_short "$hostA" 10.3.0.2 6
capture_stop
check "TCP too short for ports, hostA -> hostC: ESP on the WAN" test \
	"$(wan_count "$pcap.short" '10\.1\.0\.2 > 10\.3\.0\.2: ESP')" -ge 3
check "... never clear" test "$(tcpdump -nn -r "$pcap.short" \
	'ip proto 6 and dst host 10.3.0.2' 2>/dev/null | wc -l)" -eq 0

# IPv6, which groups do not protect, passes and is counted, unless a drop
# policy matches every address and protocol (here after the encrypt one).
check "IPv6 between gmA and gmC passes" ping_ok "$gmA" fd00::3
check "gmA counted it" counter_ge "$gmA" clear_ipv6 2 group show 1
$GVPN -n "$gmA" policy add group 1 id 99 prio 100 action drop
before=$(counter "$gmA" drop_policy group show 1)
check_fail "a drop policy for everything drops IPv6 too" ping_ok "$gmA" fd00::3
check "and counts it as a policy drop" \
	counter_ge "$gmA" drop_policy $((before + 2)) group show 1
check "site-to-site traffic still flows: its policy comes first" \
	ping_ok "$hostA" 10.3.0.2
$GVPN -n "$gmA" policy del group 1 id 99

# A drop policy for ICMP to hostC: ping fails, TCP to hostC still works.
$GVPN -n "$gmA" policy add group 1 id 3 origin local dst 10.3.0.2/32 \
	proto icmp action drop
check_fail "ping hostA -> hostC dropped by policy" ping_ok "$hostA" 10.3.0.2
check "gmA counted the policy drops" counter_ge "$gmA" drop_policy 2 group show 1
check "the drop policy counted its matches" \
	counter_ge "$gmA" match_packets 2 policy show group 1 id 3

# An encrypt policy without an SA: packets are dropped, not sent in clear.
# The group keeps keys through another policy's SA, so this is not the
# no-keys state of the fail modes.
$GVPN -n "$gmA" policy del group 1 id 3
$GVPN -n "$gmA" policy add group 1 id 11 dst 10.99.0.0/16 action encrypt
$GVPN -n "$gmA" sa add group 1 policy 11 spi 0x2000 \
	aead 'rfc4106(gcm(aes))' "$GROUP_KEY" 128 $(gm_sid A)
$GVPN -n "$gmA" sa del group 1 spi 0x1000
capture_start "$pcap.2"
check_fail "no SA: ping hostA -> hostC fails" ping_ok "$hostA" 10.3.0.2
capture_stop
check "gmA counted the missing SA" counter_ge "$gmA" drop_no_sa 2 group show 1
check_fail "nothing leaked in clear" test \
	"$(wan_count "$pcap.2" '10\.1\.0\.2 > 10\.3\.0\.2')" -gt 0

# gmA forgets the group entirely: its traffic to hostC now leaves in clear,
# and gmC refuses it.
$GVPN -n "$gmA" group del 1
check_fail "cleartext to a protected site is refused" \
	ping_ok "$hostA" 10.3.0.2
check "gmC counted the cleartext drops" \
	counter_ge "$gmC" drop_cleartext 2 group show 1
before=$(counter "$gmC" drop_cleartext group show 1)
send_short "$hostA" 10.3.0.2 6
check "clear TCP too short for ports is refused too" \
	counter_ge "$gmC" drop_cleartext $((before + 3)) group show 1

exit $EXIT_STATUS
