#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Makes the known-answer vectors of test_ike_kat.c with the openssl CLI
# (`openssl mac HMAC`, `openssl dgst`), not with gvpnd's code: each value
# is the RFC 2409 / RFC 6407 formula spelled out below on the inputs
# below, the concatenations done here in hex. Prints the C vectors;
# test_ike_kat.c holds this script's output as it was when committed
# (OpenSSL 3.0.19). Run: daemon/tests/ike_kat.sh > /tmp/kat.c
set -euo pipefail

# prf(key, data) = HMAC-digest, both hex; lower-case hex out
prf() {
	printf '%s' "$3" | xxd -r -p |
		openssl mac -digest "$1" -macopt "hexkey:$2" HMAC |
		tr 'A-F' 'a-f'
}

# hash(data), hex
hash() {
	printf '%s' "$2" | xxd -r -p | openssl dgst "-$1" -binary | xxd -p -c 256
}

# the inputs: labels hashed with SHA-512 / SHA-384 (published here, so
# anyone can remake them), cookies and IDs spelled out
lab() { printf '%s' "$2" | openssl dgst "-$1" -binary | xxd -p -c 256; }
CKY_I=0123456789abcdef
CKY_R=fedcba9876543210
NI=$(lab sha256 "gvpn kat Ni")					# 32 bytes
NR=$(lab sha1 "gvpn kat Nr")					# 20 bytes
GXY=$(lab sha512 "gvpn kat g^xy")$(lab sha512 "gvpn kat g^xy 2")	# 128
GXI=$(lab sha512 "gvpn kat g^xi")				# 64 (ECP-256)
GXR=$(lab sha512 "gvpn kat g^xr")				# 64
PSK=$(printf 'gvpn known-answer pre-shared key' | xxd -p -c 256)
SAI=$(lab sha384 "gvpn kat SAi_b")				# 48
IDII=011101f40a000002		# ID_IPV4_ADDR, UDP, 500, 10.0.0.2
IDIR=011101f40a000001		# 10.0.0.1
MSGID=0a0b0c0d
P1IV=$(lab sha256 "gvpn kat last phase 1 block" | cut -c1-32)	# 16
NI2=$(lab sha256 "gvpn kat Phase 2 Ni")				# 32
NR2=$(lab sha256 "gvpn kat Phase 2 Nr")				# 32
REST=$(lab sha384 "gvpn kat payloads after HASH")		# 48

str() {	# field hex: a C string of hex, 64 digits a line
	local h=$2 i
	printf '\t.%s =' "$1"
	for ((i = 0; i < ${#h}; i += 64)); do
		printf '\n\t\t"%s"' "${h:i:64}"
	done
	printf ',\n'
}

echo "/* inputs */"
for v in CKY_I CKY_R NI NR GXY GXI GXR PSK SAI IDII IDIR MSGID P1IV NI2 NR2 REST; do
	printf '#define KAT_%s' "$v"
	h=${!v}
	for ((i = 0; i < ${#h}; i += 64)); do
		printf ' \\\n\t"%s"' "${h:i:64}"
	done
	echo
done

# suite: name digest auth(psk|sig) key-bytes block-bytes, then the C
# names of encryption, key bits, hash, authentication
one() {
	local name=$1 md=$2 auth=$3 klen=$4 bs=$5 csuite=$6
	local skeyid d a e ka k iv hi hr p2iv h1 h2 h3

	if [ "$auth" = psk ]; then
		skeyid=$(prf "$md" "$PSK" "$NI$NR")	# prf(psk, Ni_b | Nr_b)
	else
		skeyid=$(prf "$md" "$NI$NR" "$GXY")	# prf(Ni_b | Nr_b, g^xy)
	fi
	d=$(prf "$md" "$skeyid" "$GXY$CKY_I${CKY_R}00")
	a=$(prf "$md" "$skeyid" "$d$GXY$CKY_I${CKY_R}01")
	e=$(prf "$md" "$skeyid" "$a$GXY$CKY_I${CKY_R}02")
	# Appendix B: Ka = K1 | K2 | ..., K1 = prf(SKEYID_e, 0),
	# K2 = prf(SKEYID_e, K1); SKEYID_e itself when long enough
	if ((${#e} / 2 >= klen)); then
		ka=${e:0:klen*2}
	else
		k=$(prf "$md" "$e" 00)
		ka=$k
		while ((${#ka} / 2 < klen)); do
			k=$(prf "$md" "$e" "$k")
			ka+=$k
		done
		ka=${ka:0:klen*2}
	fi
	iv=$(hash "$md" "$GXI$GXR" | cut -c1-$((bs * 2)))
	# HASH_I = prf(SKEYID, g^xi | g^xr | CKY-I | CKY-R | SAi_b | IDii_b)
	hi=$(prf "$md" "$skeyid" "$GXI$GXR$CKY_I$CKY_R$SAI$IDII")
	# HASH_R = prf(SKEYID, g^xr | g^xi | CKY-R | CKY-I | SAi_b | IDir_b)
	hr=$(prf "$md" "$skeyid" "$GXR$GXI$CKY_R$CKY_I$SAI$IDIR")
	# Phase 2 IV = hash(last Phase 1 CBC block | M-ID) (RFC 2409 B): the
	# block is the first bs bytes of P1IV
	p2iv=$(hash "$md" "${P1IV:0:bs*2}$MSGID" | cut -c1-$((bs * 2)))
	# GROUPKEY-PULL (RFC 6407 3.2): HASH(1) = prf(SKEYID_a, M-ID | rest),
	# HASH(2) = prf(SKEYID_a, M-ID | Ni_b | rest),
	# HASH(3) = prf(SKEYID_a, M-ID | Ni_b | Nr_b | rest)
	h1=$(prf "$md" "$a" "$MSGID$REST")
	h2=$(prf "$md" "$a" "$MSGID$NI2$REST")
	h3=$(prf "$md" "$a" "$MSGID$NI2$NR2$REST")

	printf '/* %s */\n{\n' "$name"
	printf '\t.suite = { %s },\n' "$csuite"
	str skeyid "$skeyid"
	str skeyid_d "$d"
	str skeyid_a "$a"
	str skeyid_e "$e"
	str ka "$ka"
	str iv0 "$iv"
	str hash_i "$hi"
	str hash_r "$hr"
	str p2_iv "$p2iv"
	str hash1 "$h1"
	str hash2 "$h2"
	str hash3 "$h3"
	echo "},"
}

echo
echo "/* the suites */"
one "pre-shared key, SHA-1, 3DES: Ka = K1 | K2 (24 bytes from 20)" \
	sha1 psk 24 8 "IKE_ENCR_3DES, 0, IKE_HASH_SHA1, IKE_AUTH_PSK, 19, 0"
one "signatures, SHA-256, AES-256: Ka = SKEYID_e" sha256 sig 32 16 \
	"IKE_ENCR_AES_CBC, 256, IKE_HASH_SHA256, IKE_AUTH_RSA_SIG, 19, 0"
one "pre-shared key, MD5, AES-256: Ka = K1 | K2 (32 bytes from 16)" \
	md5 psk 32 16 "IKE_ENCR_AES_CBC, 256, IKE_HASH_MD5, IKE_AUTH_PSK, 19, 0"
one "pre-shared key, SHA-512, AES-128: Ka = SKEYID_e's first 16 bytes" \
	sha512 psk 16 16 \
	"IKE_ENCR_AES_CBC, 128, IKE_HASH_SHA512, IKE_AUTH_PSK, 19, 0"
one "signatures, SHA-384, AES-192: Ka = SKEYID_e's first 24 bytes" \
	sha384 sig 24 16 \
	"IKE_ENCR_AES_CBC, 192, IKE_HASH_SHA384, IKE_AUTH_RSA_SIG, 19, 0"
