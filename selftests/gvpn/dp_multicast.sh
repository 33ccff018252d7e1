#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
#   hostA - gmA =\                /= gmB - hostB
#                 core (br0) <-- capture
#   hostC - gmC =/
#
# Group ESP carries multicast: hostA sends UDP to 239.1.1.1, the gateways
# route it (smcroute), gmA encrypts it keeping the multicast destination,
# the core bridge replicates it, gmB and gmC decrypt it and hostB and hostC
# receive it. The WAN carries only ESP to 239.1.1.1.

source "$(dirname "$0")/lib.sh"
require_cmd smcrouted socat tcpdump

gvpn_load
topo_setup
for s in $SITES; do
	gm=gm$s
	gm_group "$s" &&
	$GVPN -n "${!gm}" policy add group 1 id 20 src 10.0.0.0/8 \
		dst 239.0.0.0/8 action encrypt &&
	$GVPN -n "${!gm}" sa add group 1 policy 20 spi 0x4000 \
		aead 'rfc4106(gcm(aes))' "$GROUP_KEY" 128 $(gm_sid "$s") ||
		{ log_test "configure gm$s" 1; exit $EXIT_STATUS; }
done

# gmA routes the stream from its LAN to the WAN, gmB and gmC the other way.
smcroute() {
	local gm=gm$1 conf=$TMPDIR_TEST/smcroute-$1.conf
	printf 'phyint lan enable\nphyint wan enable\n%s\n' "$2" >"$conf"
	ip netns exec "${!gm}" smcrouted -n -N -f "$conf" -l err -i "gvpn$1" \
		-u "$TMPDIR_TEST/smc-$1.sock" -P "$TMPDIR_TEST/smc-$1.pid" &
	defer kill $!
}
smcroute A "mroute from lan source 10.1.0.2 group 239.1.1.1 to wan"
smcroute B "mroute from wan source 10.1.0.2 group 239.1.1.1 to lan"
smcroute C "mroute from wan source 10.1.0.2 group 239.1.1.1 to lan"
for s in A B C; do
	gm=gm$s
	slowwait 10 sh -c "ip -n ${!gm} mroute show | grep -q 239.1.1.1"
	log_test "gm$s has the multicast route" $?
done

for s in B C; do
	host=host$s
	ip netns exec "${!host}" socat -u \
		UDP4-RECV:5000,ip-add-membership=239.1.1.1:lan \
		"OPEN:$TMPDIR_TEST/rx-$s,creat,append" &
	defer kill $!
done
sleep 1

pcap=$TMPDIR_TEST/wan.pcap
capture_start "$pcap"
for i in $(seq 1 5); do
	echo "multicast datagram $i" | ip netns exec "$hostA" socat -u - \
		UDP4-DATAGRAM:239.1.1.1:5000,ip-multicast-ttl=8,ip-multicast-if=10.1.0.2
	sleep 0.2
done
sleep 1
capture_stop

for s in B C; do
	check "host$s received the 5 datagrams" test \
		"$(grep -c 'multicast datagram' "$TMPDIR_TEST/rx-$s" 2>/dev/null)" -eq 5
done
check "the WAN carried ESP to 239.1.1.1" test \
	"$(wan_count "$pcap" '10\.1\.0\.2 > 239\.1\.1\.1: ESP\(spi=0x00004000')" -eq 5
check "and no cleartext multicast" test \
	"$(wan_count "$pcap" '> 239\.1\.1\.1\.5000: UDP')" -eq 0
check "gmB decrypted them" counter_ge "$gmB" rx_packets 5 sa show group 1 spi 0x4000
check "gmC decrypted them" counter_ge "$gmC" rx_packets 5 sa show group 1 spi 0x4000

exit $EXIT_STATUS
