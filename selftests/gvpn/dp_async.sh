#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
#   hostA - gmA =\                /= gmB - hostB      WAN MTU 1400
#                 core (br0)
#   hostC - gmC =/
#
# With an asynchronous crypto engine (gvpn.ko crypto_async=1 runs every SA
# through pcrypt, which always completes later, on another CPU), packets
# leave the netfilter hook, are encrypted or decrypted, and resume their
# way: ping, fragmented 3000-byte pings, segmented TCP, all algorithms'
# code paths alike.

source "$(dirname "$0")/lib.sh"
require_cmd socat

gvpn_loaded && gvpn_unload
modprobe gvpn crypto_async=1
topo_setup 1400
for s in $SITES; do
	gm_group "$s" || { log_test "configure gm$s" 1; exit $EXIT_STATUS; }
done
check "the AEAD runs in pcrypt" grep -q 'pcrypt(rfc4106(gcm' /proc/crypto

check "ping hostA -> hostB" ping_ok "$hostA" 10.2.0.2
check "ping hostB -> hostC" ping_ok "$hostB" 10.3.0.2
check "3000-byte pings hostA -> hostC" ping_ok "$hostA" 10.3.0.2 -s 3000

head -c 500000 /dev/urandom >"$TMPDIR_TEST/payload"
ip netns exec "$hostB" socat -u TCP-LISTEN:5001,reuseaddr \
	"OPEN:$TMPDIR_TEST/out,creat,trunc" &
srv=$!
wait_listen "$hostB" 5001
timeout 120 ip netns exec "$hostA" socat -u "FILE:$TMPDIR_TEST/payload" \
	TCP:10.2.0.2:5001
wait "$srv"
check "TCP through pcrypt delivers 500 kB intact" \
	cmp -s "$TMPDIR_TEST/payload" "$TMPDIR_TEST/out"

all_gms sa flush group 1
all_gms sa add group 1 policy 10 spi 0x1100 enc 'cbc(aes)' "$(hexkey 16 1)" \
	auth-trunc 'hmac(sha256)' "$(hexkey 32 2)" 128
check "authenc runs in pcrypt too" \
	grep -q 'pcrypt(authenc(hmac(sha256' /proc/crypto
check "ping with AES-CBC/HMAC-SHA256 through pcrypt" \
	ping_ok "$hostA" 10.2.0.2 -s 2000

gvpn_unload
exit $EXIT_STATUS
