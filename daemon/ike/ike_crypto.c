// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * Phase 1 cryptography with OpenSSL 3: the PRF, hashes, CBC ciphers, and
 * the key derivation of RFC 2409 section 5 and appendix B.
 */

#include <string.h>
#include <sys/uio.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "ike.h"

/* Fetched once: implicit fetches on every use are slow */
static EVP_MD *md_cache[7];
static EVP_CIPHER *cipher_cache[4];
static EVP_MAC *hmac;

static const char *md_name(uint16_t hash)
{
	switch (hash) {
	case IKE_HASH_MD5:
		return "MD5";
	case IKE_HASH_SHA1:
		return "SHA1";
	case IKE_HASH_SHA256:
		return "SHA2-256";
	case IKE_HASH_SHA384:
		return "SHA2-384";
	case IKE_HASH_SHA512:
		return "SHA2-512";
	}
	return NULL;
}

const EVP_MD *ike_md(uint16_t hash)
{
	const char *name = md_name(hash);

	if (!name)
		return NULL;
	if (!md_cache[hash])
		md_cache[hash] = EVP_MD_fetch(NULL, name, NULL);
	return md_cache[hash];
}

size_t ike_hash_len(uint16_t hash)
{
	const EVP_MD *md = ike_md(hash);

	return md ? (size_t)EVP_MD_get_size(md) : 0;
}

const EVP_CIPHER *ike_cipher(uint16_t encr, uint16_t key_bits)
{
	static const char *const aes[] = {
		"AES-128-CBC", "AES-192-CBC", "AES-256-CBC",
	};
	int i;

	if (encr == IKE_ENCR_3DES)
		i = 3;
	else if (encr == IKE_ENCR_AES_CBC && (key_bits == 128 ||
		 key_bits == 192 || key_bits == 256))
		i = key_bits / 64 - 2;
	else
		return NULL;
	if (!cipher_cache[i])
		cipher_cache[i] = EVP_CIPHER_fetch(NULL, i == 3 ?
						   "DES-EDE3-CBC" : aes[i], NULL);
	return cipher_cache[i];
}

size_t ike_block_len(uint16_t encr)
{
	return encr == IKE_ENCR_3DES ? 8 : 16;
}

int ike_prf(uint16_t hash, const uint8_t *key, size_t klen,
	    const struct iovec *iov, int n, uint8_t *out)
{
	OSSL_PARAM params[2];
	EVP_MAC_CTX *ctx;
	size_t outl;
	int i, ret = -1;

	if (!md_name(hash))
		return -1;
	if (!hmac)
		hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	ctx = hmac ? EVP_MAC_CTX_new(hmac) : NULL;
	if (!ctx)
		return -1;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
						     (char *)md_name(hash), 0);
	params[1] = OSSL_PARAM_construct_end();
	if (!EVP_MAC_init(ctx, key, klen, params))
		goto out;
	for (i = 0; i < n; i++)
		if (iov[i].iov_len &&
		    !EVP_MAC_update(ctx, iov[i].iov_base, iov[i].iov_len))
			goto out;
	if (EVP_MAC_final(ctx, out, &outl, IKE_MAX_HASH))
		ret = 0;
out:
	EVP_MAC_CTX_free(ctx);
	return ret;
}

int ike_digest(uint16_t hash, const struct iovec *iov, int n, uint8_t *out)
{
	const EVP_MD *md = ike_md(hash);
	EVP_MD_CTX *ctx;
	int i, ret = -1;

	if (!md || !(ctx = EVP_MD_CTX_new()))
		return -1;
	if (!EVP_DigestInit_ex(ctx, md, NULL))
		goto out;
	for (i = 0; i < n; i++)
		if (!EVP_DigestUpdate(ctx, iov[i].iov_base, iov[i].iov_len))
			goto out;
	if (EVP_DigestFinal_ex(ctx, out, NULL))
		ret = 0;
out:
	EVP_MD_CTX_free(ctx);
	return ret;
}

int ike_cbc(uint16_t encr, uint16_t key_bits, const uint8_t *key,
	    const uint8_t *iv, const uint8_t *in, size_t len, uint8_t *out,
	    bool enc)
{
	const EVP_CIPHER *c = ike_cipher(encr, key_bits);
	EVP_CIPHER_CTX *ctx;
	int outl, ret = -1;

	if (!c || len % ike_block_len(encr) || len > INT32_MAX)
		return -1;
	ctx = EVP_CIPHER_CTX_new();
	if (!ctx)
		return -1;
	if (EVP_CipherInit_ex(ctx, c, NULL, key, iv, enc) &&
	    EVP_CIPHER_CTX_set_padding(ctx, 0) &&
	    EVP_CipherUpdate(ctx, out, &outl, in, (int)len) &&
	    (size_t)outl == len)
		ret = 0;
	EVP_CIPHER_CTX_free(ctx);
	return ret;
}

static size_t key_len(const struct ike_suite *s)
{
	return s->encr == IKE_ENCR_3DES ? 24 : s->key_bits / 8;
}

#define IOV(p, n) { .iov_base = (void *)(p), .iov_len = (n) }

int ike_derive(const struct ike_suite *s, const uint8_t *psk, size_t psk_len,
	       const uint8_t *gxy, size_t gxy_len,
	       const uint8_t *ni, size_t ni_len,
	       const uint8_t *nr, size_t nr_len,
	       const uint8_t *icookie, const uint8_t *rcookie,
	       const uint8_t *gxi, const uint8_t *gxr, size_t gx_len,
	       struct ike_keys *k)
{
	static const uint8_t zero = 0, one = 1, two = 2;
	uint8_t nonces[2 * IKE_NONCE_MAX], iv[IKE_MAX_HASH];
	size_t plen = ike_hash_len(s->hash), klen = key_len(s), i;
	int ret = -1;

	memset(k, 0, sizeof(*k));
	if (!plen || !klen || klen > IKE_MAX_KEY || ni_len > IKE_NONCE_MAX ||
	    nr_len > IKE_NONCE_MAX)
		return -1;
	k->prf_len = plen;
	k->enc_len = klen;
	k->block = ike_block_len(s->encr);
	memcpy(nonces, ni, ni_len);
	memcpy(nonces + ni_len, nr, nr_len);

	if (s->auth == IKE_AUTH_PSK) {
		/* SKEYID = prf(pre-shared-key, Ni_b | Nr_b) */
		struct iovec v[] = { IOV(nonces, ni_len + nr_len) };

		if (!psk || ike_prf(s->hash, psk, psk_len, v, 1, k->skeyid))
			goto out;
	} else {
		/* SKEYID = prf(Ni_b | Nr_b, g^xy) */
		struct iovec v[] = { IOV(gxy, gxy_len) };

		if (ike_prf(s->hash, nonces, ni_len + nr_len, v, 1, k->skeyid))
			goto out;
	}
	{
		/* SKEYID_d = prf(SKEYID, g^xy | CKY-I | CKY-R | 0) */
		struct iovec d[] = {
			IOV(gxy, gxy_len), IOV(icookie, 8), IOV(rcookie, 8),
			IOV(&zero, 1),
		};
		/* SKEYID_a = prf(SKEYID, SKEYID_d | g^xy | CKY-I | CKY-R | 1) */
		struct iovec a[] = {
			IOV(k->skeyid_d, plen), IOV(gxy, gxy_len),
			IOV(icookie, 8), IOV(rcookie, 8), IOV(&one, 1),
		};
		/* SKEYID_e = prf(SKEYID, SKEYID_a | g^xy | CKY-I | CKY-R | 2) */
		struct iovec e[] = {
			IOV(k->skeyid_a, plen), IOV(gxy, gxy_len),
			IOV(icookie, 8), IOV(rcookie, 8), IOV(&two, 1),
		};

		if (ike_prf(s->hash, k->skeyid, plen, d, 4, k->skeyid_d) ||
		    ike_prf(s->hash, k->skeyid, plen, a, 5, k->skeyid_a) ||
		    ike_prf(s->hash, k->skeyid, plen, e, 5, k->skeyid_e))
			goto out;
	}
	if (plen >= klen) {
		memcpy(k->enc, k->skeyid_e, klen);
	} else {
		/* Appendix B: Ka = K1 | K2 | ..., K1 = prf(SKEYID_e, 0),
		 * Kn = prf(SKEYID_e, Kn-1) */
		uint8_t block[IKE_MAX_HASH], *prev = NULL;

		for (i = 0; i < klen; i += plen) {
			struct iovec v[] = { prev ? (struct iovec)IOV(prev, plen) :
					     (struct iovec)IOV(&zero, 1) };

			if (ike_prf(s->hash, k->skeyid_e, plen, v, 1, block))
				goto out;
			memcpy(k->enc + i, block, klen - i < plen ? klen - i : plen);
			prev = k->enc + i;
			if (klen - i < plen)
				break;
		}
		OPENSSL_cleanse(block, sizeof(block));
	}
	{
		/* IV = hash(g^xi | g^xr), truncated to the block size */
		struct iovec v[] = { IOV(gxi, gx_len), IOV(gxr, gx_len) };

		if (ike_digest(s->hash, v, 2, iv))
			goto out;
		memcpy(k->iv0, iv, k->block);
	}
	ret = 0;
out:
	OPENSSL_cleanse(nonces, sizeof(nonces));
	if (ret)
		ike_keys_wipe(k);
	return ret;
}

static uint16_t auth_hash_alg(const struct ike_sa *sa)
{
	if (sa->suite.auth == IKE_AUTH_ECDSA_256)
		return IKE_HASH_SHA256;
	if (sa->suite.auth == IKE_AUTH_ECDSA_384)
		return IKE_HASH_SHA384;
	return sa->suite.hash;
}

size_t ike_auth_hash_len(const struct ike_sa *sa)
{
	return ike_hash_len(auth_hash_alg(sa));
}

int ike_auth_hash(const struct ike_sa *sa, bool of_initiator, uint8_t *out)
{
	const uint8_t *gxi, *gxr;
	size_t gx_len;
	const uint8_t *my = ike_dh_pub(sa->dh, &gx_len);

	gxi = sa->initiator ? my : sa->peer_ke;
	gxr = sa->initiator ? sa->peer_ke : my;
	if (of_initiator) {
		/* HASH_I = prf(SKEYID, g^xi | g^xr | CKY-I | CKY-R | SAi_b | IDii_b) */
		struct iovec v[] = {
			IOV(gxi, gx_len), IOV(gxr, gx_len),
			IOV(sa->icookie, 8), IOV(sa->rcookie, 8),
			IOV(sa->sai_b, sa->sai_len), IOV(sa->idi_b, sa->idi_len),
		};

		return ike_prf(auth_hash_alg(sa), sa->keys.skeyid,
			       sa->keys.prf_len, v, 6, out);
	} else {
		/* HASH_R = prf(SKEYID, g^xr | g^xi | CKY-R | CKY-I | SAi_b | IDir_b) */
		struct iovec v[] = {
			IOV(gxr, gx_len), IOV(gxi, gx_len),
			IOV(sa->rcookie, 8), IOV(sa->icookie, 8),
			IOV(sa->sai_b, sa->sai_len), IOV(sa->idr_b, sa->idr_len),
		};

		return ike_prf(auth_hash_alg(sa), sa->keys.skeyid,
			       sa->keys.prf_len, v, 6, out);
	}
}

void ike_keys_wipe(struct ike_keys *k)
{
	OPENSSL_cleanse(k, sizeof(*k));
}
