#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
#   hostA - gmA =\                /= gmB - hostB
#                 core (br0)
#   hostC - gmC =/
#
# Interoperability with an independent ESP implementation, Linux XFRM, for
# every algorithm both support, in both directions and both roles:
#  1. gvpn on gmA encrypts hostA's ping to an address of gmB's own; an XFRM
#     tunnel-mode state on gmB with the same SPI and keys decrypts it, and
#     an XFRM state whose outer addresses equal the inner ones answers,
#     which gvpn on gmA decrypts;
#  2. the reverse: XFRM on gmA pings hostB through gvpn on gmB.

source "$(dirname "$0")/lib.sh"
require_cmd tcpdump

gvpn_load
topo_setup

# xfrm_pair NS LOCAL PEER SPI ALGO...: tunnel-mode states and policies for
# LOCAL <-> PEER whose outer addresses are the inner ones (what a group
# member with address preservation puts on the wire).
xfrm_pair() {
	local ns=$1 l=$2 p=$3 spi=$4
	shift 4
	ip -n "$ns" xfrm state flush && ip -n "$ns" xfrm policy flush &&
	ip -n "$ns" xfrm state add src "$l" dst "$p" proto esp spi "$spi" \
		mode tunnel reqid 1 "$@" &&
	ip -n "$ns" xfrm state add src "$p" dst "$l" proto esp spi "$spi" \
		mode tunnel reqid 1 replay-window 0 "$@" &&
	ip -n "$ns" xfrm policy add src "$l/32" dst "$p/32" dir out \
		tmpl src "$l" dst "$p" proto esp mode tunnel reqid 1 &&
	ip -n "$ns" xfrm policy add src "$p/32" dst "$l/32" dir in \
		tmpl src "$p" dst "$l" proto esp mode tunnel reqid 1
}

# The algorithms, as "ip xfrm" and gvpn both spell them.
algos=()
for icv in 128 96 64; do
	algos+=("aead rfc4106(gcm(aes)) 20 $icv")
done
algos+=("aead rfc4106(gcm(aes)) 36 128")
for enc in "cbc(aes) 16" "cbc(aes) 24" "cbc(aes) 32" "cbc(des3_ede) 24"; do
	for auth in "hmac(sha1) 20 96" "hmac(sha256) 32 128" "hmac(md5) 16 96"; do
		algos+=("enc $enc auth-trunc $auth")
	done
done

# algo_args SPEC SEED: fill gvpn_args and xfrm_args for one algorithm.
algo_args() {
	local seed=$2
	set -- $1
	if [ "$1" = aead ]; then
		local key
		key=$(hexkey "$3" "$seed")
		gvpn_args=(aead "$2" "$key" "$4")
		xfrm_args=(aead "$2" "$key" "$4")
	else
		local ekey akey
		ekey=$(hexkey "$3" "$seed")
		akey=$(hexkey "$6" "$((seed + 1))")
		gvpn_args=(enc "$2" "$ekey" auth-trunc "$5" "$akey" "$7")
		xfrm_args=(enc "$2" "$ekey" auth-trunc "$5" "$akey" "$7")
	fi
}

# Role 1: gvpn on gmA, XFRM on gmB (gvpn not attached there).
# XFRM is a peer that knows no sender IDs: its GCM IVs come from seqiv
# (sequence number XOR a salt), not SID || counter. The interop setting for
# such peers is legacy-iv: gvpn's GCM SAs without SID send random IVs and
# the per-sender replay windows, which would misread XFRM's IVs, are off.
gm_group_nosa A
$GVPN -n "$gmA" group set 1 legacy-iv on
spi=$((0x3000))
for a in "${algos[@]}"; do
	algo_args "$a" "$spi"
	rc=0
	$GVPN -n "$gmA" sa flush group 1 &&
	$GVPN -n "$gmA" sa add group 1 policy 10 spi "$spi" "${gvpn_args[@]}" &&
	xfrm_pair "$gmB" 10.2.0.1 10.1.0.2 "$spi" "${xfrm_args[@]}" &&
	ping_ok "$hostA" 10.2.0.1 || rc=1
	log_test "gvpn -> XFRM -> gvpn, $a" $rc
	spi=$((spi + 0x10))
done
check "gvpn on gmA decrypted XFRM's replies" \
	counter_ge "$gmA" rx_packets 32 group show 1
check "XFRM on gmB saw no errors" sh -c \
	"ip netns exec $gmB cat /proc/net/xfrm_stat | awk '\$2 != 0 { bad = 1; print } END { exit bad }'"

# Role 2: XFRM on gmA, gvpn on gmB.
$GVPN -n "$gmA" group del 1
ip -n "$gmB" xfrm state flush
ip -n "$gmB" xfrm policy flush
gm_group_nosa B
$GVPN -n "$gmB" group set 1 legacy-iv on
for a in "${algos[@]}"; do
	algo_args "$a" "$spi"
	rc=0
	$GVPN -n "$gmB" sa flush group 1 &&
	$GVPN -n "$gmB" sa add group 1 policy 10 spi "$spi" "${gvpn_args[@]}" &&
	xfrm_pair "$gmA" 10.1.0.1 10.2.0.2 "$spi" "${xfrm_args[@]}" &&
	ping_ok "$gmA" 10.2.0.2 -I 10.1.0.1 || rc=1
	log_test "XFRM -> gvpn -> XFRM, $a" $rc
	spi=$((spi + 0x10))
done
check "gvpn on gmB decrypted XFRM's requests" \
	counter_ge "$gmB" rx_packets 32 group show 1
check "XFRM on gmA saw no errors" sh -c \
	"ip netns exec $gmA cat /proc/net/xfrm_stat | awk '\$2 != 0 { bad = 1; print } END { exit bad }'"

exit $EXIT_STATUS
