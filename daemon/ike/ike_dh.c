// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * Diffie-Hellman for Phase 1: the MODP groups of RFC 2409 and RFC 3526
 * (1, 2, 5, 14, 15, 16) and the ECP groups of RFC 5903 (19, 20, 21).
 *
 * MODP public values and shared secrets are big-endian and padded to the
 * length of the prime. ECP public values are x | y without the 0x04 point
 * format byte, and the shared secret is the x coordinate (RFC 5903 7, 9).
 */

#include <string.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "ike.h"

struct ike_group {
	uint16_t id;
	const char *name;
	bool legacy;
	bool ecp;
	size_t len;		/* public value length */
	BIGNUM *(*prime)(BIGNUM *bn);
	const char *curve;
	int priv_bits;		/* MODP: exponent length */
};

static const struct ike_group groups[] = {
	{ 1, "modp768", true, false, 96, BN_get_rfc2409_prime_768, NULL, 256 },
	{ 2, "modp1024", true, false, 128, BN_get_rfc2409_prime_1024, NULL, 256 },
	{ 5, "modp1536", true, false, 192, BN_get_rfc3526_prime_1536, NULL, 256 },
	{ 14, "modp2048", false, false, 256, BN_get_rfc3526_prime_2048, NULL, 256 },
	{ 15, "modp3072", false, false, 384, BN_get_rfc3526_prime_3072, NULL, 320 },
	{ 16, "modp4096", false, false, 512, BN_get_rfc3526_prime_4096, NULL, 400 },
	{ 19, "ecp256", false, true, 64, NULL, "P-256", 0 },
	{ 20, "ecp384", false, true, 96, NULL, "P-384", 0 },
	{ 21, "ecp521", false, true, 132, NULL, "P-521", 0 },
};

#define NGROUPS (sizeof(groups) / sizeof(groups[0]))

/* MODP domain parameters, built once per group */
static EVP_PKEY *params_cache[NGROUPS];

struct ike_dh {
	const struct ike_group *g;
	EVP_PKEY *key;
	size_t pub_len;
	uint8_t pub[IKE_MAX_DH];
};

static const struct ike_group *group_get(uint16_t id)
{
	size_t i;

	for (i = 0; i < NGROUPS; i++)
		if (groups[i].id == id)
			return &groups[i];
	return NULL;
}

bool ike_group_supported(uint16_t group)
{
	return group_get(group) != NULL;
}

bool ike_group_legacy(uint16_t group)
{
	const struct ike_group *g = group_get(group);

	return !g || g->legacy;
}

size_t ike_group_pub_len(uint16_t group)
{
	const struct ike_group *g = group_get(group);

	return g ? g->len : 0;
}

const char *ike_group_name(uint16_t group)
{
	const struct ike_group *g = group_get(group);

	return g ? g->name : "unknown-group";
}

/* p and g (= 2), and the public value when pub is given */
static EVP_PKEY *modp_pkey(const struct ike_group *g, const uint8_t *pub,
			   size_t pub_len)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	BIGNUM *p = g->prime(NULL), *gen = BN_new(), *q = BN_new(), *y = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;

	if (!bld || !p || !gen || !q || !BN_set_word(gen, 2) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_P, p) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_G, gen))
		goto out;
	/* all MODP groups are safe primes: with q = (p - 1) / 2 OpenSSL can
	 * check that a peer's value is in the subgroup (our keys are made
	 * without it: OpenSSL then keeps to the private length we set) */
	if (pub && (!BN_rshift1(q, p) ||
		    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_Q, q)))
		goto out;
	if (pub) {
		y = BN_bin2bn(pub, (int)pub_len, NULL);
		if (!y || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, y))
			goto out;
	} else if (!OSSL_PARAM_BLD_push_int(bld, OSSL_PKEY_PARAM_DH_PRIV_LEN,
					    g->priv_bits)) {
		goto out;
	}
	params = OSSL_PARAM_BLD_to_param(bld);
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL);
	if (!params || !ctx || EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &pkey, pub ? EVP_PKEY_PUBLIC_KEY :
			      EVP_PKEY_KEY_PARAMETERS, params) <= 0)
		pkey = NULL;
out:
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(p);
	BN_free(q);
	BN_free(gen);
	BN_free(y);
	return pkey;
}

static EVP_PKEY *ecp_pub_pkey(const struct ike_group *g, const uint8_t *pub,
			      size_t pub_len)
{
	uint8_t point[1 + 2 * 66];
	OSSL_PARAM params[3];
	EVP_PKEY_CTX *ctx;
	EVP_PKEY *pkey = NULL;

	if (pub_len + 1 > sizeof(point))
		return NULL;
	point[0] = 0x04;
	memcpy(point + 1, pub, pub_len);
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
						     (char *)g->curve, 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY,
						      point, pub_len + 1);
	params[2] = OSSL_PARAM_construct_end();
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (!ctx || EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0)
		pkey = NULL;
	EVP_PKEY_CTX_free(ctx);
	return pkey;
}

struct ike_dh *ike_dh_new(uint16_t group)
{
	const struct ike_group *g = group_get(group);
	EVP_PKEY_CTX *ctx = NULL;
	struct ike_dh *dh;

	if (!g || !(dh = OPENSSL_zalloc(sizeof(*dh))))
		return NULL;
	dh->g = g;
	dh->pub_len = g->len;
	if (g->ecp) {
		uint8_t point[1 + 2 * 66];
		size_t n;

		dh->key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", g->curve);
		if (!dh->key ||
		    !EVP_PKEY_get_octet_string_param(dh->key,
						     OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY,
						     point, sizeof(point), &n) ||
		    n != g->len + 1 || point[0] != 0x04)
			goto fail;
		memcpy(dh->pub, point + 1, g->len);
	} else {
		size_t i = (size_t)(g - groups);
		BIGNUM *y = NULL;

		if (!params_cache[i])
			params_cache[i] = modp_pkey(g, NULL, 0);
		if (!params_cache[i])
			goto fail;
		ctx = EVP_PKEY_CTX_new_from_pkey(NULL, params_cache[i], NULL);
		if (!ctx || EVP_PKEY_keygen_init(ctx) <= 0 ||
		    EVP_PKEY_generate(ctx, &dh->key) <= 0 ||
		    !EVP_PKEY_get_bn_param(dh->key, OSSL_PKEY_PARAM_PUB_KEY, &y))
			goto fail;
		if (BN_bn2binpad(y, dh->pub, (int)g->len) < 0) {
			BN_free(y);
			goto fail;
		}
		BN_free(y);
		EVP_PKEY_CTX_free(ctx);
	}
	return dh;
fail:
	EVP_PKEY_CTX_free(ctx);
	ike_dh_free(dh);
	return NULL;
}

const uint8_t *ike_dh_pub(const struct ike_dh *dh, size_t *len)
{
	*len = dh->pub_len;
	return dh->pub;
}

int ike_dh_shared(struct ike_dh *dh, const uint8_t *peer, size_t len,
		  uint8_t *out, size_t *out_len)
{
	const struct ike_group *g = dh->g;
	EVP_PKEY *pkey;
	EVP_PKEY_CTX *ctx = NULL;
	size_t n = IKE_MAX_DH;
	int ret = -1;

	if (len != g->len)
		return -1;
	pkey = g->ecp ? ecp_pub_pkey(g, peer, len) : modp_pkey(g, peer, len);
	if (!pkey)
		return -1;
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, dh->key, NULL);
	if (!ctx || EVP_PKEY_derive_init(ctx) <= 0)
		goto out;
	if (!g->ecp && EVP_PKEY_CTX_set_dh_pad(ctx, 1) <= 0)
		goto out;
	/* 1 < y < p - 1 (OpenSSL checks it when deriving) or a point on the
	 * curve (checked when imported); the full check of the subgroup is
	 * ike_dh_check(), done once, before any work */
	if (EVP_PKEY_derive_set_peer_ex(ctx, pkey, 0) <= 0 ||
	    EVP_PKEY_derive(ctx, out, &n) <= 0)
		goto out;
	if (n != (g->ecp ? g->len / 2 : g->len))
		goto out;
	*out_len = n;
	ret = 0;
out:
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pkey);
	return ret;
}

int ike_dh_check(uint16_t group, const uint8_t *pub, size_t len)
{
	const struct ike_group *g = group_get(group);
	EVP_PKEY_CTX *ctx;
	EVP_PKEY *pkey;
	int ok;

	if (!g || len != g->len)
		return -1;
	pkey = g->ecp ? ecp_pub_pkey(g, pub, len) : modp_pkey(g, pub, len);
	if (!pkey)
		return -1;
	/* MODP: with q known, this also checks that y is in the prime-order
	 * subgroup (y^q = 1) */
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
	ok = ctx && EVP_PKEY_public_check(ctx) == 1;
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pkey);
	return ok ? 0 : -1;
}

void ike_dh_free(struct ike_dh *dh)
{
	if (!dh)
		return;
	EVP_PKEY_free(dh->key);
	OPENSSL_clear_free(dh, sizeof(*dh));
}
