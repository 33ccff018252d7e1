#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
#   hostA - gmA =\                /= gmB - hostB
#                 core (br0) <-- capture
#   hostC - gmC =/
#
# Two SAs on one policy overlap during a rekey: a gateway encrypts with the
# newer one and decrypts with both. gmA installs 0x1000 then 0x1001, gmB
# the other way round, so each sends with a different SPI and each accepts
# the other's. Deleting the newer SA falls back to the older one.

source "$(dirname "$0")/lib.sh"
require_cmd tcpdump

gvpn_load
topo_setup
for s in A B; do
	gm_group_nosa "$s" || { log_test "configure gm$s" 1; exit $EXIT_STATUS; }
done
key2=$(hexkey 20 2)
# sa NS SPI KEY: each gateway sends with its own sender ID (gmA 1, gmB 2)
sa() {
	local sid=1
	[ "$1" = "$gmB" ] && sid=2
	$GVPN -n "$1" sa add group 1 policy 10 spi "$2" \
		aead 'rfc4106(gcm(aes))' "$3" 128 sender-id $sid sid-bits 8
}
sa "$gmA" 0x1000 "$GROUP_KEY" && sa "$gmA" 0x1001 "$key2" &&
sa "$gmB" 0x1001 "$key2" && sa "$gmB" 0x1000 "$GROUP_KEY"
log_test "two SAs on policy 10 on gmA and gmB" $?

pcap=$TMPDIR_TEST/wan.pcap
capture_start "$pcap"
check "ping hostA <-> hostB" ping_ok "$hostA" 10.2.0.2
capture_stop
check "gmA encrypts with its newer SA 0x1001" test "$(wan_count "$pcap" \
	'10\.1\.0\.2 > 10\.2\.0\.2: ESP\(spi=0x00001001')" -eq 2
check "gmB encrypts with its newer SA 0x1000" test "$(wan_count "$pcap" \
	'10\.2\.0\.2 > 10\.1\.0\.2: ESP\(spi=0x00001000')" -eq 2
check_fail "neither uses its older SA" test "$(wan_count "$pcap" \
	'10\.1\.0\.2 > 10\.2\.0\.2: ESP\(spi=0x00001000|10\.2\.0\.2 > 10\.1\.0\.2: ESP\(spi=0x00001001')" -gt 0
check "gmA decrypted with its older SA" \
	counter_ge "$gmA" rx_packets 2 sa show group 1 spi 0x1000
check "gmB decrypted with its older SA" \
	counter_ge "$gmB" rx_packets 2 sa show group 1 spi 0x1001

$GVPN -n "$gmA" sa del group 1 spi 0x1001
capture_start "$pcap.2"
check "ping after gmA deleted its newer SA" ping_ok "$hostA" 10.2.0.2
capture_stop
check "gmA falls back to 0x1000" test "$(wan_count "$pcap.2" \
	'10\.1\.0\.2 > 10\.2\.0\.2: ESP\(spi=0x00001000')" -eq 2

exit $EXIT_STATUS
