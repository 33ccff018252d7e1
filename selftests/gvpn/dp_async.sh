#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
#   hostA - gmA =\                /= gmB - hostB      WAN MTU 1400
#           ct    core (br0)                          gmA: conntrack on
#   hostC - gmC =/
#
# With an asynchronous crypto engine (gvpn.ko crypto_async=1 runs
# every SA through pcrypt, which always completes later, on another CPU),
# packets leave the netfilter hook, are encrypted or decrypted, and resume
# their way: ping, fragmented 3000-byte pings, segmented TCP, all
# algorithms' code paths alike, on gmA after conntrack's confirmation ran
# on the cleartext, elsewhere with no hook after gvpn's. While packets are
# inside the engine, gmA's routes are flushed and replaced over and over:
# each packet holds its own reference to its route (a use after free
# before; only KASAN shows one reliably, here the kernel must not warn).

source "$(dirname "$0")/lib.sh"
require_cmd socat nft

gvpn_loaded && gvpn_unload
modprobe gvpn crypto_async=1
topo_setup 1400
for s in $SITES; do
	gm_group "$s" || { log_test "configure gm$s" 1; exit $EXIT_STATUS; }
done
check "the AEAD runs in pcrypt" grep -q 'pcrypt(rfc4106(gcm' /proc/crypto
# conntrack on gmA: its confirmation hook follows gvpn's in POST_ROUTING
ip netns exec "$gmA" nft -f - <<-EOF
	table ip gw { chain c_fwd { type filter hook forward priority 0;
		ct state invalid counter; }; }
EOF

check "ping hostA -> hostB" ping_ok "$hostA" 10.2.0.2
check "ping hostB -> hostC" ping_ok "$hostB" 10.3.0.2
check "3000-byte pings hostA -> hostC" ping_ok "$hostA" 10.3.0.2 -s 3000

# churn: replace gmA's route to hostB and flush its cache until killed
churn() {
	while true; do
		ip -n "$gmA" route replace 10.2.0.0/24 via 192.168.0.2 dev wan \
			metric 0 mtu 1400
		ip -n "$gmA" route replace 10.2.0.0/24 via 192.168.0.2 dev wan
		ip -n "$gmA" route flush cache
	done 2>/dev/null
}

head -c 500000 /dev/urandom >"$TMPDIR_TEST/payload"
ip netns exec "$hostB" socat -u TCP-LISTEN:5001,reuseaddr \
	"OPEN:$TMPDIR_TEST/out,creat,trunc" &
srv=$!
wait_listen "$hostB" 5001
churn &
churner=$!
defer "kill $churner 2>/dev/null"
timeout 120 ip netns exec "$hostA" socat -u "FILE:$TMPDIR_TEST/payload" \
	TCP:10.2.0.2:5001
wait "$srv"
kill "$churner"
wait "$churner" 2>/dev/null
check "TCP through pcrypt delivers 500 kB intact while routes churn" \
	cmp -s "$TMPDIR_TEST/payload" "$TMPDIR_TEST/out"
check "gmA's conntrack confirmed the connection it encrypted" \
	ip netns exec "$gmA" grep -q 'dport=5001 .*ASSURED' /proc/net/nf_conntrack

all_gms sa flush group 1
all_gms sa add group 1 policy 10 spi 0x1100 enc 'cbc(aes)' "$(hexkey 16 1)" \
	auth-trunc 'hmac(sha256)' "$(hexkey 32 2)" 128
check "authenc runs in pcrypt too" \
	grep -q 'pcrypt(authenc(hmac(sha256' /proc/crypto
check "ping with AES-CBC/HMAC-SHA256 through pcrypt" \
	ping_ok "$hostA" 10.2.0.2 -s 2000

gvpn_unload
exit $EXIT_STATUS
