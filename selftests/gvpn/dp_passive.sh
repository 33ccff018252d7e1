#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
#   hostA - gmA =\                /= gmB - hostB
#                 core (br0) <-- capture
#   hostC - gmC =/
#
# Passive and receive-only, on the wire in both directions, as a migration
# uses them: a receive-only member sends in clear and decrypts what it
# gets; a passive member encrypts but accepts clear traffic too; without
# either, clear traffic of an encrypt policy is refused. Set per group,
# then per SA, then converted in place to a full member.

source "$(dirname "$0")/lib.sh"
require_cmd tcpdump

gvpn_load
topo_setup
for s in A B; do
	gm_group "$s" || { log_test "configure gm$s" 1; exit $EXIT_STATUS; }
done

# wire NAME: capture hostA <-> hostB pings; prints "A->B:KIND B->A:KIND"
# with KIND esp or clear.
wire() {
	local pcap=$TMPDIR_TEST/$1.pcap ab ba
	capture_start "$pcap"
	ping_ok "$hostA" 10.2.0.2
	local rc=$?
	capture_stop
	[ "$(wan_count "$pcap" '10\.1\.0\.2 > 10\.2\.0\.2: ESP')" -ge 2 ] && ab=esp
	[ "$(wan_count "$pcap" '10\.1\.0\.2 > 10\.2\.0\.2: ICMP echo request')" -ge 2 ] && ab=clear
	[ "$(wan_count "$pcap" '10\.2\.0\.2 > 10\.1\.0\.2: ESP')" -ge 2 ] && ba=esp
	[ "$(wan_count "$pcap" '10\.2\.0\.2 > 10\.1\.0\.2: ICMP echo reply')" -ge 2 ] && ba=clear
	echo "ping:$rc A->B:${ab:-none} B->A:${ba:-none}"
}
expect() { local got; got=$(wire "$1"); [ "$got" = "$2" ] || { echo "got $got"; false; }; }

check "full members: encrypted both ways" expect full "ping:0 A->B:esp B->A:esp"

# gmA receive-only: it sends in clear, which gmB refuses...
$GVPN -n "$gmA" group set 1 receive-only on
check "receive-only gmA sends in clear; gmB refuses clear" \
	expect ro-refused "ping:1 A->B:clear B->A:none"
check "gmB counted the clear traffic it refused" \
	counter_ge "$gmB" drop_cleartext 2 group show 1
# ... until gmB is passive: it accepts clear and still encrypts.
$GVPN -n "$gmB" group set 1 passive on
check "passive gmB accepts clear, answers encrypted; gmA decrypts" \
	expect ro-passive "ping:0 A->B:clear B->A:esp"
check "counted as clear for receive-only / passive" \
	counter_ge "$gmB" clear_passive 2 group show 1
$GVPN -n "$gmA" group set 1 receive-only off
$GVPN -n "$gmB" group set 1 passive off
check "back to full members" expect full2 "ping:0 A->B:esp B->A:esp"

# The same per SA: gmA's SA receive-only (dir in), gmB's SA passive.
$GVPN -n "$gmA" sa set group 1 spi 0x1000 dir in
$GVPN -n "$gmB" sa set group 1 spi 0x1000 passive on
check "per SA: receive-only SA sends clear, passive SA accepts it" \
	expect sa-ro-passive "ping:0 A->B:clear B->A:esp"
check "SA shows receive-only" sh -c "$GVPN -n $gmA sa show | grep -q 'dir in'"
# Converting the receive-only SA in place (Cisco's conversion to duplex).
$GVPN -n "$gmA" sa set group 1 spi 0x1000 dir both
$GVPN -n "$gmB" sa set group 1 spi 0x1000 passive off
check "converted to both directions: encrypted both ways" \
	expect sa-converted "ping:0 A->B:esp B->A:esp"

exit $EXIT_STATUS
