#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
#   hostA - gmA =\                /= gmB - hostB
#                 core (br0) <-- capture
#   hostC - gmC =/
#
# Every algorithm combination gvpn offers carries traffic between sites:
# AES-GCM (RFC 4106) with 128- and 256-bit keys and 64/96/128-bit ICVs;
# AES-CBC 128/192/256 and 3DES-CBC each with HMAC-SHA1-96, HMAC-SHA256-128
# and HMAC-MD5-96. Each combination gets its own SPI; Wireshark's ESP code
# then decrypts and authenticates every one of them from the capture.

source "$(dirname "$0")/lib.sh"
require_cmd tcpdump tshark

gvpn_load
topo_setup
for s in $SITES; do
	gm_group_nosa "$s" || { log_test "configure gm$s" 1; exit $EXIT_STATUS; }
done

# gvpn algorithm | Wireshark encryption | Wireshark authentication
combos=()
for icv in 128 96 64; do
	combos+=("aead rfc4106(gcm(aes)) 20 $icv|AES-GCM with $((icv / 8)) octet ICV [RFC4106]|NULL")
done
combos+=("aead rfc4106(gcm(aes)) 36 128|AES-GCM with 16 octet ICV [RFC4106]|NULL")
for enc in "cbc(aes) 16" "cbc(aes) 24" "cbc(aes) 32" "cbc(des3_ede) 24"; do
	for auth in "hmac(sha1) 20 96" "hmac(sha256) 32 128" "hmac(md5) 16 96"; do
		case $enc in cbc\(aes\)*) wenc="AES-CBC [RFC3602]" ;;
			*) wenc="TripleDES-CBC [RFC2451]" ;; esac
		case $auth in
		hmac\(sha1\)*) wauth="HMAC-SHA-1-96 [RFC2404]" ;;
		hmac\(sha256\)*) wauth="HMAC-SHA-256-128 [RFC4868]" ;;
		*) wauth="HMAC-MD5-96 [RFC2403]" ;;
		esac
		combos+=("enc $enc auth-trunc $auth|$wenc|$wauth")
	done
done

pcap=$TMPDIR_TEST/wan.pcap
capture_start "$pcap"
uat=()
spi=$((0x2000))
for c in "${combos[@]}"; do
	IFS='|' read -r alg wenc wauth <<<"$c"
	set -- $alg
	if [ "$1" = aead ]; then
		key=$(hexkey "$3" "$spi")
		args=(aead "$2" "$key" "$4")
		ekey=$key akey=""
	else
		ekey=$(hexkey "$3" "$spi")
		akey=$(hexkey "$6" "$((spi + 1))")
		args=(enc "$2" "$ekey" auth-trunc "$5" "$akey" "$7")
	fi
	# GCM needs each member's sender ID (RFC 6054); CBC IVs are random
	add=all_gms
	[ "$1" = aead ] && add=all_gms_sid
	ok=0
	all_gms sa flush group 1 &&
	$add sa add group 1 policy 10 spi "$spi" "${args[@]}" &&
	ping_ok "$hostA" 10.2.0.2 && ping_ok "$hostC" 10.1.0.2 || ok=1
	log_test "traffic with $alg (spi $(printf 0x%x "$spi"))" $ok
	uat+=(-o "uat:esp_sa:\"IPv4\",\"*\",\"*\",\"$(printf 0x%08x "$spi")\",\"$wenc\",\"$ekey\",\"$wauth\",\"$akey\"")
	spi=$((spi + 0x10))
done
capture_stop

# One Wireshark pass over everything: per SPI, the ICMP it decrypted and
# the ICV checks it made.
tshark -r "$pcap" -o esp.enable_encryption_decode:TRUE \
	-o esp.enable_authentication_check:TRUE "${uat[@]}" -Y esp \
	-T fields -E separator=' ' -e esp.spi -e icmp.type -e esp.icv_good \
	-e esp.icv_bad 2>/dev/null >"$TMPDIR_TEST/decoded"
spi=$((0x2000))
for c in "${combos[@]}"; do
	IFS='|' read -r alg wenc wauth <<<"$c"
	hex=$(printf 0x%08x "$spi")
	check "Wireshark decrypts $alg" \
		awk -v s="$hex" '$1 == s && $2 != "" { n++ } END { exit n < 4 }' \
		"$TMPDIR_TEST/decoded"
	if [ "$wauth" != NULL ]; then
		check "Wireshark verifies the ICV of $alg" \
			awk -v s="$hex" '$1 == s { if ($3 ~ /1|True/) g++; if ($4 ~ /1|True/) b++ }
				END { exit !(g >= 4 && b == 0) }' "$TMPDIR_TEST/decoded"
	fi
	spi=$((spi + 0x10))
done

exit $EXIT_STATUS
