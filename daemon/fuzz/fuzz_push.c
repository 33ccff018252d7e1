// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * libFuzzer harness for the GROUPKEY-PUSH codec (gdoi/gdoi_push.c): what a
 * member does with a received push (gdoi_push_open) and a key server with
 * a received ACK (gdoi_push_ack_open). So that the fuzzer gets past the
 * cryptography, the harness protects what it writes the way a key server
 * or member would: it signs a push's payloads up to the first SIG payload
 * (when that SIG has the size of the harness's RSA key), encrypts them
 * under the KEK, and computes an ACK's HASH; raw inputs go in as they are.
 *
 * Input: byte 0: bit 0 ACK (else push), bit 1 raw (the rest is the whole
 * message; bytes 0-15 are replaced by the KEK SPI unless bit 3), bit 2 a
 * 3DES KEK with SHA-1 (else AES-256 with SHA-256). Not raw: byte 1 is the
 * first payload's type, the rest the payloads, in the clear.
 */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "gdoi/gdoi_push.h"
#include "ike/ike.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static EVP_PKEY *key;
static uint8_t m[ISAKMP_MAX_MSG], out[ISAKMP_MAX_MSG], pt[ISAKMP_MAX_MSG];
static struct gdoi_push p;

static void set_len(uint8_t *h, size_t n)
{
	h[24] = (uint8_t)(n >> 24);
	h[25] = (uint8_t)(n >> 16);
	h[26] = (uint8_t)(n >> 8);
	h[27] = (uint8_t)n;
}

/* The offset of the first SIG payload in the chain at b, and its end */
static bool find_sig(uint8_t np, const uint8_t *b, size_t len, size_t *sig,
		     size_t *end)
{
	size_t off = 0, n = 0;
	bool found = false;

	while (np != ISAKMP_NP_NONE && n++ < 64) {
		size_t plen;

		if (len - off < ISAKMP_GEN_LEN)
			return false;
		plen = (size_t)b[off + 2] << 8 | b[off + 3];
		if (plen < ISAKMP_GEN_LEN || plen > len - off)
			return false;
		if (np == ISAKMP_NP_SIG && !found) {
			*sig = off;
			found = true;
		}
		np = b[off];
		off += plen;
	}
	*end = off;
	return found;
}

static void push(const struct gdoi_kek_keys *k, const uint8_t *d, size_t n)
{
	uint16_t encr = k->alg == GDOI_KEK_ALG_3DES ? IKE_ENCR_3DES :
			IKE_ENCR_AES_CBC;
	size_t bs = ike_block_len(encr), sig, end, body, pad;
	uint8_t iv[16] = { 0 };
	char why[160];

	if (n < 1 || n > sizeof(m) - 2 * ISAKMP_HDR_LEN - 2 * bs)
		return;
	memset(m, 0, ISAKMP_HDR_LEN);
	memcpy(m, k->spi, GDOI_KEK_SPI_LEN);
	m[16] = d[0];
	m[17] = ISAKMP_VERSION;
	m[18] = GDOI_EXCH_PUSH;
	m[19] = ISAKMP_FLAG_E;
	memcpy(m + ISAKMP_HDR_LEN, d + 1, n - 1);
	body = n - 1;
	if (find_sig(d[0], m + ISAKMP_HDR_LEN, body, &sig, &end) &&
	    ((size_t)m[ISAKMP_HDR_LEN + sig + 2] << 8 |
	     m[ISAKMP_HDR_LEN + sig + 3]) == ISAKMP_GEN_LEN + 128) {
		EVP_MD_CTX *ctx = EVP_MD_CTX_new();
		size_t sl = 128;

		set_len(m, ISAKMP_HDR_LEN + end);
		if (ctx && EVP_DigestSignInit(ctx, NULL,
					      k->alg == GDOI_KEK_ALG_3DES ?
					      EVP_sha1() : EVP_sha256(),
					      NULL, key) > 0) {
			EVP_DigestSignUpdate(ctx, "rekey", 5);
			EVP_DigestSignUpdate(ctx, m, ISAKMP_HDR_LEN + sig);
			EVP_DigestSignFinal(ctx, m + ISAKMP_HDR_LEN + sig +
					    ISAKMP_GEN_LEN, &sl);
		}
		EVP_MD_CTX_free(ctx);
	}
	pad = (bs - body % bs) % bs;
	memset(m + ISAKMP_HDR_LEN + body, 0, pad);
	body += pad;
	memcpy(out, m, ISAKMP_HDR_LEN);
	memcpy(out + ISAKMP_HDR_LEN, iv, bs);
	if (body && ike_cbc(encr, k->key_bits, k->key, iv,
			    m + ISAKMP_HDR_LEN, body,
			    out + ISAKMP_HDR_LEN + bs, true))
		return;
	set_len(out, ISAKMP_HDR_LEN + bs + body);
	gdoi_push_open(k, out, ISAKMP_HDR_LEN + bs + body, pt, sizeof(pt), &p,
		       why, sizeof(why));
}

/* RFC 8263 ACK: HASH (when the first payload is a 32-byte HASH) computed */
static void ack(const struct gdoi_kek_keys *k, const uint8_t *d, size_t n)
{
	static const char label[] = "GROUPKEY-PUSH ACK";
	uint8_t ak[IKE_MAX_HASH];
	size_t len = ISAKMP_HDR_LEN + n - 1;
	struct in_addr a;
	uint32_t seq;
	char why[160];

	if (n < 1 || len > sizeof(m))
		return;
	memset(m, 0, ISAKMP_HDR_LEN);
	memcpy(m, k->spi, GDOI_KEK_SPI_LEN);
	m[16] = d[0];
	m[17] = ISAKMP_VERSION;
	m[18] = GDOI_EXCH_PUSH_ACK;
	set_len(m, len);
	memcpy(m + ISAKMP_HDR_LEN, d + 1, n - 1);
	if (d[0] == ISAKMP_NP_HASH && n - 1 >= ISAKMP_GEN_LEN + 32 &&
	    m[ISAKMP_HDR_LEN + 3] == ISAKMP_GEN_LEN + 32 &&
	    m[ISAKMP_HDR_LEN + 2] == 0) {
		size_t after = ISAKMP_HDR_LEN + ISAKMP_GEN_LEN + 32;
		size_t klen = k->alg == GDOI_KEK_ALG_3DES ? 24 :
			      k->key_bits / 8u;
		struct iovec kv[] = {
			{ (void *)label, sizeof(label) - 1 },
			{ (void *)k->spi, GDOI_KEK_SPI_LEN },
		};
		struct iovec hv[] = { { m + after, len - after } };

		if (!ike_prf(IKE_HASH_SHA256, k->key, klen, kv, 2, ak))
			ike_prf(IKE_HASH_SHA256, ak, 32, hv, 1,
				m + ISAKMP_HDR_LEN + ISAKMP_GEN_LEN);
	}
	gdoi_push_ack_open(k, m, len, &seq, &a, why, sizeof(why));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gdoi_kek_keys k = {
		.spi = "fuzz-push-kek-01", .alg = GDOI_KEK_ALG_AES,
		.key_bits = 256, .sig_hash = GDOI_SIG_HASH_SHA256,
	};
	uint8_t mode;
	char why[160];
	struct in_addr a;
	uint32_t seq;

	if (!key && !(key = EVP_RSA_gen(1024)))
		abort();
	if (size < 1)
		return 0;
	mode = data[0];
	memset(k.key, 0x3c, sizeof(k.key));
	k.sig_key = key;
	if (mode & 4) {
		k.alg = GDOI_KEK_ALG_3DES;
		k.key_bits = 192;
		k.sig_hash = GDOI_SIG_HASH_SHA1;
	}
	data++;
	size--;
	if (mode & 2) {
		if (size > sizeof(m))
			return 0;
		memcpy(m, data, size);
		if (!(mode & 8) && size >= GDOI_KEK_SPI_LEN)
			memcpy(m, k.spi, GDOI_KEK_SPI_LEN);
		if (mode & 1)
			gdoi_push_ack_open(&k, m, size, &seq, &a, why,
					   sizeof(why));
		else
			gdoi_push_open(&k, m, size, pt, sizeof(pt), &p, why,
				       sizeof(why));
		return 0;
	}
	if (mode & 1)
		ack(&k, data, size);
	else
		push(&k, data, size);
	return 0;
}
