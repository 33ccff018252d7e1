// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * Unit tests of Phase 1 cryptography: the key derivation of RFC 2409
 * (SKEYID for pre-shared keys and signatures, SKEYID_d/a/e, the key
 * expansion of appendix B, the first IV) checked against an independent
 * computation with OpenSSL's one-shot HMAC() and EVP_Digest(); Diffie-
 * Hellman for every group, with invalid public values refused; CBC and
 * its IV chaining; Phase 1 transform attributes.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <sys/uio.h>
#include <cmocka.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "ike/ike.h"

/* HMAC over a concatenation, the plain way */
static void hmac_cat(const EVP_MD *md, const void *key, size_t klen,
		     uint8_t *out, int n, ...)
{
	uint8_t buf[4096];
	size_t len = 0;
	unsigned olen;
	va_list ap;
	int i;

	va_start(ap, n);
	for (i = 0; i < n; i++) {
		const void *p = va_arg(ap, const void *);
		size_t l = va_arg(ap, size_t);

		memcpy(buf + len, p, l);
		len += l;
	}
	va_end(ap);
	assert_non_null(HMAC(md, key, (int)klen, buf, len, out, &olen));
}

struct vec {
	uint16_t encr, key_bits, hash, auth;
	size_t key_len, block;
};

static void check_derivation(const struct vec *v)
{
	struct ike_suite s = { v->encr, v->key_bits, v->hash, v->auth, 14, 0 };
	const EVP_MD *md = ike_md(v->hash);
	uint8_t gxy[256], ni[32], nr[24], ci[8], cr[8], gxi[256], gxr[256];
	uint8_t skeyid[64], d[64], a[64], e[64], ka[128], iv[64], nonces[56];
	uint8_t psk[] = "a shared secret";
	static const uint8_t zero = 0, one = 1, two = 2;
	size_t plen = (size_t)EVP_MD_get_size(md), i;
	struct ike_keys k;
	unsigned ivlen;
	EVP_MD_CTX *ctx;

	for (i = 0; i < sizeof(gxy); i++) {
		gxy[i] = (uint8_t)(i * 7 + 1);
		gxi[i] = (uint8_t)(i * 11 + 2);
		gxr[i] = (uint8_t)(i * 13 + 3);
	}
	memset(ni, 0x4e, sizeof(ni));
	memset(nr, 0x52, sizeof(nr));
	memcpy(ci, "\x01\x23\x45\x67\x89\xab\xcd\xef", 8);
	memcpy(cr, "\xfe\xdc\xba\x98\x76\x54\x32\x10", 8);
	memcpy(nonces, ni, 32);
	memcpy(nonces + 32, nr, 24);

	assert_int_equal(ike_derive(&s, psk, sizeof(psk) - 1, gxy, sizeof(gxy),
				    ni, sizeof(ni), nr, sizeof(nr), ci, cr,
				    gxi, gxr, sizeof(gxi), &k), 0);
	if (v->auth == IKE_AUTH_PSK)
		hmac_cat(md, psk, sizeof(psk) - 1, skeyid, 1, nonces, (size_t)56);
	else
		hmac_cat(md, nonces, 56, skeyid, 1, gxy, sizeof(gxy));
	hmac_cat(md, skeyid, plen, d, 4, gxy, sizeof(gxy), ci, (size_t)8,
		 cr, (size_t)8, &zero, (size_t)1);
	hmac_cat(md, skeyid, plen, a, 5, d, plen, gxy, sizeof(gxy), ci,
		 (size_t)8, cr, (size_t)8, &one, (size_t)1);
	hmac_cat(md, skeyid, plen, e, 5, a, plen, gxy, sizeof(gxy), ci,
		 (size_t)8, cr, (size_t)8, &two, (size_t)1);
	/* Ka: K1 = prf(SKEYID_e, 0), K2 = prf(SKEYID_e, K1), ... */
	if (plen >= v->key_len) {
		memcpy(ka, e, v->key_len);
	} else {
		hmac_cat(md, e, plen, ka, 1, &zero, (size_t)1);
		for (i = plen; i < v->key_len; i += plen)
			hmac_cat(md, e, plen, ka + i, 1, ka + i - plen, plen);
	}
	ctx = EVP_MD_CTX_new();
	EVP_DigestInit_ex(ctx, md, NULL);
	EVP_DigestUpdate(ctx, gxi, sizeof(gxi));
	EVP_DigestUpdate(ctx, gxr, sizeof(gxr));
	EVP_DigestFinal_ex(ctx, iv, &ivlen);
	EVP_MD_CTX_free(ctx);

	assert_int_equal(k.prf_len, plen);
	assert_memory_equal(k.skeyid, skeyid, plen);
	assert_memory_equal(k.skeyid_d, d, plen);
	assert_memory_equal(k.skeyid_a, a, plen);
	assert_memory_equal(k.skeyid_e, e, plen);
	assert_int_equal(k.enc_len, v->key_len);
	assert_memory_equal(k.enc, ka, v->key_len);
	assert_int_equal(k.block, v->block);
	assert_memory_equal(k.iv0, iv, v->block);
}

static void test_derive(void **state)
{
	static const struct vec vecs[] = {
		/* no expansion: SHA-256 gives 32 bytes for AES-256 */
		{ IKE_ENCR_AES_CBC, 256, IKE_HASH_SHA256, IKE_AUTH_PSK, 32, 16 },
		{ IKE_ENCR_AES_CBC, 256, IKE_HASH_SHA256, IKE_AUTH_RSA_SIG, 32, 16 },
		{ IKE_ENCR_AES_CBC, 128, IKE_HASH_SHA384, IKE_AUTH_PSK, 16, 16 },
		{ IKE_ENCR_AES_CBC, 192, IKE_HASH_SHA512, IKE_AUTH_RSA_SIG, 24, 16 },
		/* expansion: SHA-1 (20) for 3DES (24), MD5 (16) for AES-256 */
		{ IKE_ENCR_3DES, 0, IKE_HASH_SHA1, IKE_AUTH_PSK, 24, 8 },
		{ IKE_ENCR_AES_CBC, 256, IKE_HASH_MD5, IKE_AUTH_PSK, 32, 16 },
		{ IKE_ENCR_AES_CBC, 256, IKE_HASH_SHA1, IKE_AUTH_RSA_SIG, 32, 16 },
	};
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++)
		check_derivation(&vecs[i]);
}

/* Key expansion is not truncation; bad inputs are refused */
static void test_derive_errors(void **state)
{
	struct ike_suite s = { IKE_ENCR_3DES, 0, IKE_HASH_SHA1, IKE_AUTH_PSK, 2, 0 };
	uint8_t g[128], n[16];
	struct ike_keys k;

	(void)state;
	memset(g, 2, sizeof(g));
	memset(n, 3, sizeof(n));
	assert_int_equal(ike_derive(&s, (const uint8_t *)"psk", 3, g, sizeof(g),
				    n, sizeof(n), n, sizeof(n),
				    (const uint8_t *)"ICOOKIE!",
				    (const uint8_t *)"RCOOKIE!", g, g, sizeof(g),
				    &k), 0);
	/* K2 of the expansion continues K1: the key is not SKEYID_e */
	assert_int_equal(k.enc_len, 24);
	assert_memory_not_equal(k.enc, k.skeyid_e, 20);
	/* unknown algorithms and absurd nonces are refused */
	s.hash = 3;
	assert_int_equal(ike_derive(&s, NULL, 0, g, 128, n, 16, n, 16,
				    n, n, g, g, 128, &k), -1);
	s.hash = IKE_HASH_SHA1;
	assert_int_equal(ike_derive(&s, (const uint8_t *)"x", 1, g, 128, n,
				    IKE_NONCE_MAX + 1, n, 16, n, n, g, g, 128,
				    &k), -1);
	s.auth = IKE_AUTH_PSK;
	assert_int_equal(ike_derive(&s, NULL, 0, g, 128, n, 16, n, 16, n, n,
				    g, g, 128, &k), -1);
}

static void test_dh(void **state)
{
	static const uint16_t groups[] = { 1, 2, 5, 14, 15, 16, 19, 20, 21 };
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
		uint16_t g = groups[i];
		struct ike_dh *a = ike_dh_new(g), *b = ike_dh_new(g);
		uint8_t sa[IKE_MAX_DH], sb[IKE_MAX_DH], bad[IKE_MAX_DH];
		size_t la, lb, lpa, lpb, plen = ike_group_pub_len(g);
		const uint8_t *pa, *pb;

		assert_non_null(a);
		assert_non_null(b);
		pa = ike_dh_pub(a, &lpa);
		pb = ike_dh_pub(b, &lpb);
		assert_int_equal(lpa, plen);
		assert_int_equal(lpb, plen);
		assert_memory_not_equal(pa, pb, plen);
		assert_int_equal(ike_dh_shared(a, pb, lpb, sa, &la), 0);
		assert_int_equal(ike_dh_shared(b, pa, lpa, sb, &lb), 0);
		assert_int_equal(la, lb);
		assert_int_equal(la, g >= 19 ? plen / 2 : plen);
		assert_memory_equal(sa, sb, la);
		assert_int_equal(ike_dh_check(g, pa, lpa), 0);
		assert_int_equal(ike_dh_check(g, pa, lpa - 1), -1);
		/* wrong length */
		assert_int_equal(ike_dh_shared(a, pb, lpb - 1, sa, &la), -1);
		/* 0, 1 and p - 1 (MODP), a point off the curve (ECP) */
		memset(bad, 0, plen);
		assert_int_equal(ike_dh_shared(a, bad, plen, sa, &la), -1);
		if (g < 19) {
			BIGNUM *p = BN_new();

			bad[plen - 1] = 1;
			assert_int_equal(ike_dh_shared(a, bad, plen, sa, &la), -1);
			switch (g) {
			case 1: BN_get_rfc2409_prime_768(p); break;
			case 2: BN_get_rfc2409_prime_1024(p); break;
			case 5: BN_get_rfc3526_prime_1536(p); break;
			case 14: BN_get_rfc3526_prime_2048(p); break;
			case 15: BN_get_rfc3526_prime_3072(p); break;
			default: BN_get_rfc3526_prime_4096(p); break;
			}
			BN_sub_word(p, 1);
			BN_bn2binpad(p, bad, (int)plen);
			assert_int_equal(ike_dh_shared(a, bad, plen, sa, &la), -1);
			assert_int_equal(ike_dh_check(g, bad, plen), -1);
			/* p - 2 is in range but not in the subgroup of order q
			 * (-1 and so -2 are non-residues modulo a safe prime) */
			BN_sub_word(p, 1);
			BN_bn2binpad(p, bad, (int)plen);
			assert_int_equal(ike_dh_check(g, bad, plen), -1);
			BN_free(p);
		} else {
			memcpy(bad, pb, plen);
			bad[plen - 1] ^= 1;
			assert_int_equal(ike_dh_shared(a, bad, plen, sa, &la), -1);
			assert_int_equal(ike_dh_check(g, bad, plen), -1);
		}
		ike_dh_free(a);
		ike_dh_free(b);
	}
	assert_false(ike_group_supported(22));
	assert_null(ike_dh_new(22));
	assert_true(ike_group_legacy(2));
	assert_false(ike_group_legacy(14));
	assert_string_equal(ike_group_name(19), "ecp256");
}

static void test_cbc(void **state)
{
	uint8_t key[32], iv[16], plain[64], c1[64], c2[64], out[64];
	static const struct { uint16_t encr, bits; size_t bs; } ciphers[] = {
		{ IKE_ENCR_AES_CBC, 128, 16 }, { IKE_ENCR_AES_CBC, 192, 16 },
		{ IKE_ENCR_AES_CBC, 256, 16 }, { IKE_ENCR_3DES, 0, 8 },
	};
	unsigned i;

	(void)state;
	memset(key, 0x2b, sizeof(key));
	memset(iv, 0x7e, sizeof(iv));
	for (i = 0; i < sizeof(plain); i++)
		plain[i] = (uint8_t)i;
	for (i = 0; i < 4; i++) {
		uint16_t e = ciphers[i].encr, kb = ciphers[i].bits;
		size_t bs = ciphers[i].bs;

		assert_int_equal(ike_block_len(e), bs);
		assert_int_equal(ike_cbc(e, kb, key, iv, plain, 64, c1, true), 0);
		assert_int_equal(ike_cbc(e, kb, key, iv, c1, 64, out, false), 0);
		assert_memory_equal(out, plain, 64);
		/* two messages chained through the last block are one CBC */
		assert_int_equal(ike_cbc(e, kb, key, iv, plain, 32, c2, true), 0);
		assert_int_equal(ike_cbc(e, kb, key, c2 + 32 - bs, plain + 32, 32,
					 c2 + 32, true), 0);
		assert_memory_equal(c1, c2, 64);
		/* not whole blocks */
		assert_int_equal(ike_cbc(e, kb, key, iv, plain, 63, c1, true), -1);
	}
	assert_int_equal(ike_cbc(IKE_ENCR_AES_CBC, 100, key, iv, plain, 16, c1,
				 true), -1);
}

static int decode_attrs(const uint8_t *attrs, size_t len, struct ike_suite *s)
{
	struct isakmp_transform t = { .num = 1, .id = ISAKMP_KEY_IKE,
		.attrs = { attrs, len } };
	struct isakmp_err err;

	return ike_suite_decode(s, &t, &err);
}

static void test_suite(void **state)
{
	struct ike_suite in = { IKE_ENCR_AES_CBC, 192, IKE_HASH_SHA384,
				IKE_AUTH_RSA_SIG, 20, 100000 }, out;
	uint8_t attrs[64];
	struct isakmp_buf b;
	char buf[96];

	(void)state;
	isakmp_buf_init(&b, attrs, sizeof(attrs));
	ike_suite_encode(&b, &in);
	assert_int_equal(decode_attrs(attrs, b.len, &out), 0);
	assert_int_equal(out.encr, in.encr);
	assert_int_equal(out.key_bits, in.key_bits);
	assert_int_equal(out.hash, in.hash);
	assert_int_equal(out.auth, in.auth);
	assert_int_equal(out.group, in.group);
	assert_int_equal(out.lifetime, in.lifetime);
	assert_true(ike_suite_match(&in, &out));
	assert_string_equal(ike_suite_str(&in, buf, sizeof(buf)),
			    "aes192-sha384-ecp384/rsa-sig");
	assert_false(ike_suite_legacy(&in));

	/* AES without key length means 128 bits; kilobyte lifetimes ignored */
	isakmp_buf_init(&b, attrs, sizeof(attrs));
	isakmp_put_attr_basic(&b, IKE_ATTR_ENCR, IKE_ENCR_AES_CBC);
	isakmp_put_attr_basic(&b, IKE_ATTR_HASH, IKE_HASH_SHA1);
	isakmp_put_attr_basic(&b, IKE_ATTR_AUTH, IKE_AUTH_PSK);
	isakmp_put_attr_basic(&b, IKE_ATTR_GROUP_DESC, 2);
	isakmp_put_attr_basic(&b, IKE_ATTR_LIFE_TYPE, IKE_LIFE_KILOBYTES);
	isakmp_put_attr_uint(&b, IKE_ATTR_LIFE_DURATION, 1000000);
	assert_int_equal(decode_attrs(attrs, b.len, &out), 0);
	assert_int_equal(out.key_bits, 128);
	assert_int_equal(out.lifetime, 0);
	assert_true(ike_suite_legacy(&out));

	/* a PRF attribute, a life duration without type, no group */
	isakmp_buf_init(&b, attrs, sizeof(attrs));
	isakmp_put_attr_basic(&b, IKE_ATTR_PRF, 1);
	assert_int_equal(decode_attrs(attrs, b.len, &out), -1);
	isakmp_buf_init(&b, attrs, sizeof(attrs));
	isakmp_put_attr_basic(&b, IKE_ATTR_LIFE_DURATION, 60);
	assert_int_equal(decode_attrs(attrs, b.len, &out), -1);
	isakmp_buf_init(&b, attrs, sizeof(attrs));
	isakmp_put_attr_basic(&b, IKE_ATTR_ENCR, IKE_ENCR_3DES);
	isakmp_put_attr_basic(&b, IKE_ATTR_HASH, IKE_HASH_SHA1);
	isakmp_put_attr_basic(&b, IKE_ATTR_AUTH, IKE_AUTH_PSK);
	assert_int_equal(decode_attrs(attrs, b.len, &out), -1);
	/* 3DES with a 128-bit key */
	isakmp_put_attr_basic(&b, IKE_ATTR_GROUP_DESC, 14);
	assert_int_equal(decode_attrs(attrs, b.len, &out), 0);
	isakmp_put_attr_basic(&b, IKE_ATTR_KEY_LENGTH, 128);
	assert_int_equal(decode_attrs(attrs, b.len, &out), -1);
	/* a transform id other than KEY_IKE */
	{
		struct isakmp_transform t = { .id = 3, .attrs = { attrs, 0 } };
		struct isakmp_err err;

		assert_int_equal(ike_suite_decode(&out, &t, &err), -1);
		assert_int_equal(err.notify, ISAKMP_N_INVALID_TRANSFORM_ID);
	}
}

static void test_prf_iov(void **state)
{
	uint8_t a[64], b[64];
	struct iovec one[] = { { "hello world", 11 } };
	struct iovec two[] = { { "hello ", 6 }, { "world", 5 } };
	unsigned n;

	(void)state;
	assert_int_equal(ike_prf(IKE_HASH_SHA256, (const uint8_t *)"k", 1, one,
				 1, a), 0);
	assert_int_equal(ike_prf(IKE_HASH_SHA256, (const uint8_t *)"k", 1, two,
				 2, b), 0);
	assert_memory_equal(a, b, 32);
	HMAC(EVP_sha256(), "k", 1, (const uint8_t *)"hello world", 11, b, &n);
	assert_memory_equal(a, b, 32);
	assert_int_equal(ike_prf(9, (const uint8_t *)"k", 1, one, 1, a), -1);
	assert_int_equal(ike_hash_len(IKE_HASH_MD5), 16);
	assert_int_equal(ike_hash_len(IKE_HASH_SHA512), 64);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_derive),
		cmocka_unit_test(test_derive_errors),
		cmocka_unit_test(test_dh),
		cmocka_unit_test(test_cbc),
		cmocka_unit_test(test_suite),
		cmocka_unit_test(test_prf_iov),
	};

	return cmocka_run_group_tests_name("ike crypto", tests, NULL, NULL);
}
