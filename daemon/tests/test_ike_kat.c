// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * Known-answer tests of IKEv1 key derivation: SKEYID (pre-shared keys and
 * signatures), SKEYID_d/a/e, the key expansion of RFC 2409 appendix B, the
 * first Phase 1 IV, HASH_I and HASH_R, the Phase 2 IV and the
 * GROUPKEY-PULL hashes HASH(1), HASH(2), HASH(3) (RFC 6407 3.2), on five
 * suites.
 *
 * How the vectors were made: tests/ike_kat.sh, with the openssl CLI
 * (OpenSSL 3.0.19: `openssl mac -digest D -macopt hexkey:K HMAC` for
 * prf, `openssl dgst -D` for hash), each value the RFC's formula written
 * out in the script on the inputs it prints; gvpnd's code computed none of
 * them. The inputs are SHA-2 hashes of labels (the script says which), so
 * anyone can remake them. Below is the script's output as committed: a
 * change in the script must come with its new output here.
 *
 * gvpnd derives no Phase 2 KEYMAT (RFC 2409 5.5): GDOI's TEK and KEK keys
 * come in the KD payload, so there is none to test.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "gdoi/gdoi_int.h"
#include "ike/ike.h"

struct kat {
	struct ike_suite suite;
	const char *skeyid, *skeyid_d, *skeyid_a, *skeyid_e, *ka, *iv0;
	const char *hash_i, *hash_r, *p2_iv, *hash1, *hash2, *hash3;
};

/* tests/ike_kat.sh's output: */
/* inputs */
#define KAT_CKY_I \
	"0123456789abcdef"
#define KAT_CKY_R \
	"fedcba9876543210"
#define KAT_NI \
	"4cdf5a7432053aef8df1f62a71ebf151544e524c2441dacd3112cc7e218ef311"
#define KAT_NR \
	"98779cce6e22ab55c455fc21de7f2a9cbf83d1e3"
#define KAT_GXY \
	"25345eec2696a4f79e735d03db54b44419e40643b49de8c838bf23254ddedf7b" \
	"34543debe038a32c940ed124ab96ca9a38d524c9f8b72c1434cee07a6bd97fdf" \
	"047b52ad9b010ded92b41d5e9c55e31023f66ba9aa672a904c3e933758ab0614" \
	"28b856a21c32e045fb27f613441a586155f9906d99047d841fb757f758782623"
#define KAT_GXI \
	"c99357d9d3f3deeeab5042139cc34400fb1d429c7fa88cf4534a4442b7bfd48e" \
	"52a6776192f1cc27f491f7360d3d67399ee7fba18748c27887cb51d96babf183"
#define KAT_GXR \
	"853ae7132d0135a3e2929127e024e16b06dc8b1ca606874c7237717ffade9897" \
	"94d50db72cda1d26144ff5c4c9ceb44c70bf29f5095b8ca9cbc8c50259e36915"
#define KAT_PSK \
	"6776706e206b6e6f776e2d616e73776572207072652d736861726564206b6579"
#define KAT_SAI \
	"1f3892f503cd8fe8adb315c7d6e23867d1c91a4d93142d5b2bc4a1454e7f2d71" \
	"ca0c3506f42abcc03f5e4cf1f2a3083e"
#define KAT_IDII \
	"011101f40a000002"
#define KAT_IDIR \
	"011101f40a000001"
#define KAT_MSGID \
	"0a0b0c0d"
#define KAT_P1IV \
	"607af021145c5a50d8835c77b133d2b1"
#define KAT_NI2 \
	"9c1aa3de9bdbfc7973e779b892180f648aaf25448915363e2f05e0cff9fcedfc"
#define KAT_NR2 \
	"161b42f733eb5e072c8ac230898e950b318f6f270bbca71d91a4bedab500d0f0"
#define KAT_REST \
	"5792304c330687e3ce440e2fc8bab3a784f7df577a0200b2a8734782755b7332" \
	"b19c808309c1246722a0a4c93c1d1069"

static const struct kat kats[] = {
/* pre-shared key, SHA-1, 3DES: Ka = K1 | K2 (24 bytes from 20) */
{
	.suite = { IKE_ENCR_3DES, 0, IKE_HASH_SHA1, IKE_AUTH_PSK, 19, 0 },
	.skeyid =
		"e38ec27f9445448a01f0e9c87a81c278629f2b1d",
	.skeyid_d =
		"699cc96828714c24805f07e34caaff2d5a5dac90",
	.skeyid_a =
		"81a880d57ab63b8b5967ef907495e74b7fc233d4",
	.skeyid_e =
		"f37961f07aef45ae44bcf67e01e764db07526be9",
	.ka =
		"efd7511254f1c11a3ca5d9f71b72820c05a06b413b160772",
	.iv0 =
		"9e1c383de506780d",
	.hash_i =
		"cade83e80afdae726a653751a48dcbcea1ad28ee",
	.hash_r =
		"014be8f048051a828adef40f63690e7aa86a1665",
	.p2_iv =
		"ad9424df023b7265",
	.hash1 =
		"3ee80e14319c19d73edbec32381ac2f13f86f462",
	.hash2 =
		"4e5ef9430a1bc6ba3ac48c7b8d491da91135c329",
	.hash3 =
		"f348e32f00c916dcb500c32ca571965520b2f7c0",
},
/* signatures, SHA-256, AES-256: Ka = SKEYID_e */
{
	.suite = { IKE_ENCR_AES_CBC, 256, IKE_HASH_SHA256, IKE_AUTH_RSA_SIG, 19, 0 },
	.skeyid =
		"36f274816b4d1116be0936ba598a5145773b321586a1787dee70a90db7f9898e",
	.skeyid_d =
		"44de150b9fae5e51d9a551cf6460c0eeca81af1e63653ae110c78bcffadba118",
	.skeyid_a =
		"6ab7ca5d8298f1d98e080e02284de7824e73253a5ce738b7bcc8f626b42e2131",
	.skeyid_e =
		"f536ebc3c74f7c9439dc247cbf7ed8b07eb982f1021242c344ad77f4eb53588b",
	.ka =
		"f536ebc3c74f7c9439dc247cbf7ed8b07eb982f1021242c344ad77f4eb53588b",
	.iv0 =
		"e91d2be44442335c5ee28726c54b17d4",
	.hash_i =
		"126a220b7b87154d4104efeb476f921a94053b07e69f830791b7e36af685306b",
	.hash_r =
		"191ceb05d50f5cfdc3462c1aa77e522d81e433eddcbaf6e7a46935da8bd0c1b9",
	.p2_iv =
		"bc50c3451730f892ea60894f47b3e214",
	.hash1 =
		"abfa1bfb106ed1fc455b1bd6862d1cc901f4accb698f68b79114f6675b3285f1",
	.hash2 =
		"65f0c84c9b4d47b939b64cd90d8dc498ecf9c9d355744238f56b7d42c4981529",
	.hash3 =
		"763b050136c99176e45fa986dac12accf9451c9401b5cdbca41e73d988393bb4",
},
/* pre-shared key, MD5, AES-256: Ka = K1 | K2 (32 bytes from 16) */
{
	.suite = { IKE_ENCR_AES_CBC, 256, IKE_HASH_MD5, IKE_AUTH_PSK, 19, 0 },
	.skeyid =
		"a87c7b0700a0ac2cb7a807778deb7ce5",
	.skeyid_d =
		"7f385959fdfc78efa80ded911d90f414",
	.skeyid_a =
		"a94d09bce49bc3f3c1b4968665b779f1",
	.skeyid_e =
		"ff7e3232ed335614ff9b1e9f84675a52",
	.ka =
		"8acfceb60e03c58bdc3cebe598756985c80f86c06ee2578eaf2321a32155cc44",
	.iv0 =
		"4ff9c33419b5e56dfcdcdf6ed2b6afa0",
	.hash_i =
		"5d25d6b2dda9963afa04f07a9cdc7e56",
	.hash_r =
		"a7d7c168dbe53672b474b58011f58ede",
	.p2_iv =
		"c778bf907bfdef5c6698a153adae14fd",
	.hash1 =
		"4377e30e891d853394467a2b20f1cb50",
	.hash2 =
		"e28f886a3f4d629c18bcb29f9deff822",
	.hash3 =
		"a0e494074b51c0a9651789e848999c90",
},
/* pre-shared key, SHA-512, AES-128: Ka = SKEYID_e's first 16 bytes */
{
	.suite = { IKE_ENCR_AES_CBC, 128, IKE_HASH_SHA512, IKE_AUTH_PSK, 19, 0 },
	.skeyid =
		"01bb5a54b0fdfbb4e789cdb8eb5fb0328089a58dc2b053adf7ab26153c2a66ca"
		"9042ba3105c820a12f26517823bbf25bc9d7eae56ad445e60364b3cabc8d6bd8",
	.skeyid_d =
		"c391df07a13dfbb773ab37bcb524efc2ae4633ed9895a81094d3bc5578497652"
		"512c089fdd1d4dc1b52a83792a741b22a12cbcc28e7cf77465196443b2c3af11",
	.skeyid_a =
		"63fb9a9131e38c7994c6f00508bae869829f06d28c4722c560d742b4906caa59"
		"280c9cec9d834f3ffccdf242e1771d8242e721eccc326f30edae902f2dafd331",
	.skeyid_e =
		"ecb2e57902d52b961865895ed41087e0b9abc2f575674fe08b4fd83684098f1f"
		"40da9a3d8f109e83022808f87d22797d0e9f15f57e8f5a05f4c6367b34bccc3f",
	.ka =
		"ecb2e57902d52b961865895ed41087e0",
	.iv0 =
		"43bc7f225c75d2b4307a42106e8179d5",
	.hash_i =
		"b462b0b29fd5d1bac5693a663e419fc7cb9503e110762f74845ddab0f200149c"
		"12b75e96ff6c53194093fbb6e63d3fb93c8f24c495c4375fc46f8638959a9931",
	.hash_r =
		"6919a0507260ec466bf39a09e17d7c2ada1ae0bcb1b4a5685cb56e926b818bce"
		"e6f9026cba0fd18d985464e142995e171192171c753244119c0e37b92ad76f47",
	.p2_iv =
		"6fa03baef7136d4d3f7cdabf64999e09",
	.hash1 =
		"97d0298679e93c2ad6e2491a5ef719aa01136cd5c288f304587e00e05e4ccc3b"
		"394e0218efdade5996fb52dad26750a8f3f290d0336999686d8a55961b818257",
	.hash2 =
		"8b3a2b3991a5e8f24e690d4a46971f5e7c1449e4fae30c3ed18b17fb1eea9cc9"
		"5272d9ed52ef6be8e95a20633f156fead9f232377897c52d33fa0bbe48c17118",
	.hash3 =
		"fed957021a705b0cc6818af6e46d954c2d2a891035bab307aad6e21bda16d681"
		"f0b27f2d99efddad16e2f8c059607a8a16c5150c02a4e3d584493859a83f4c4c",
},
/* signatures, SHA-384, AES-192: Ka = SKEYID_e's first 24 bytes */
{
	.suite = { IKE_ENCR_AES_CBC, 192, IKE_HASH_SHA384, IKE_AUTH_RSA_SIG, 19, 0 },
	.skeyid =
		"0f4ab52976084f648ad7b5099f6f133cabae2e99da07a6b0716cd1396678c606"
		"032193a2d6ef18d17b9aa4b5215b3bbf",
	.skeyid_d =
		"3b6d0e9b74e90938c4016fdb08abd3a77cb69c34c8111065e0296a1dd6e91705"
		"9aee5046d2dfc49453f497eeb8d90607",
	.skeyid_a =
		"80dd11c92cecf73414138a73c53488a60020245813ec847c2e01282f7e9f3bfb"
		"b353a6c4d72e03ab20d08114b028f044",
	.skeyid_e =
		"89a63982a388d9d474f837db2d8ad8ebf89d795a171c4382b7b40a529a3e9700"
		"22932667f523a0164e706710484b4962",
	.ka =
		"89a63982a388d9d474f837db2d8ad8ebf89d795a171c4382",
	.iv0 =
		"ee77e432e01d7370ad9c85f90e53009b",
	.hash_i =
		"a3a692b02133cb9d324e0be95f5457a5726948032c75e68d5e9d69ea3beb625d"
		"f64747498ba2cbb6c0925f374a6a51f3",
	.hash_r =
		"a780fc40eb9bfd275e07a5c415a77679c672cc26cdc80a6156371c118b1b5dd7"
		"4e24cc46946fb9315c2de46e15bf9b86",
	.p2_iv =
		"094acc5ceb1f3363d7aa20c63f0d6591",
	.hash1 =
		"dc1b32d2ba2f5f27269b77d4e8b98ccffa9b4899408bae95bdc843674ae1b4cf"
		"0726383eac02dd63e3319a180542fb2d",
	.hash2 =
		"7e7bbb91ea3877953171a08bfcbd87bb9b2d22a293100e33adda7589072a2c12"
		"7e275176bee44f80e975f8ab6328a697",
	.hash3 =
		"a2af320b792243bafb5b1ad44c62fdc8551a9a1cf35d8022eb575f12452f8aab"
		"0461653c597945c5c0cb1758a6fe6674",
},
};

/* hex into a new buffer, its length in *len */
static uint8_t *unhex(const char *h, size_t *len)
{
	size_t n = strlen(h) / 2, i;
	uint8_t *p = malloc(n + 1);

	assert_non_null(p);
	assert_int_equal(strlen(h) % 2, 0);
	for (i = 0; i < n; i++) {
		unsigned v;

		assert_int_equal(sscanf(h + 2 * i, "%2x", &v), 1);
		p[i] = (uint8_t)v;
	}
	*len = n;
	return p;
}

static void expect(const char *what, const char *name, const uint8_t *got,
		   size_t got_len, const char *want_hex)
{
	size_t n;
	uint8_t *want = unhex(want_hex, &n);

	if (got_len != n || memcmp(got, want, n))
		fail_msg("%s: %s differs from the known answer", name, what);
	free(want);
}

struct inputs {
	uint8_t *cky_i, *cky_r, *ni, *nr, *gxy, *gxi, *gxr, *psk, *sai, *idii;
	uint8_t *idir, *msgid, *p1iv, *ni2, *nr2, *rest;
	size_t cky_len, ni_len, nr_len, gxy_len, gx_len, psk_len, sai_len;
	size_t id_len, msgid_len, p1iv_len, n2_len, rest_len;
};

static void inputs_get(struct inputs *in)
{
	size_t n;

	in->cky_i = unhex(KAT_CKY_I, &in->cky_len);
	in->cky_r = unhex(KAT_CKY_R, &n);
	in->ni = unhex(KAT_NI, &in->ni_len);
	in->nr = unhex(KAT_NR, &in->nr_len);
	in->gxy = unhex(KAT_GXY, &in->gxy_len);
	in->gxi = unhex(KAT_GXI, &in->gx_len);
	in->gxr = unhex(KAT_GXR, &n);
	in->psk = unhex(KAT_PSK, &in->psk_len);
	in->sai = unhex(KAT_SAI, &in->sai_len);
	in->idii = unhex(KAT_IDII, &in->id_len);
	in->idir = unhex(KAT_IDIR, &n);
	in->msgid = unhex(KAT_MSGID, &in->msgid_len);
	in->p1iv = unhex(KAT_P1IV, &in->p1iv_len);
	in->ni2 = unhex(KAT_NI2, &in->n2_len);
	in->nr2 = unhex(KAT_NR2, &n);
	in->rest = unhex(KAT_REST, &in->rest_len);
	assert_int_equal(in->cky_len, 8);
	assert_int_equal(in->msgid_len, 4);
}

static void inputs_put(struct inputs *in)
{
	free(in->cky_i);
	free(in->cky_r);
	free(in->ni);
	free(in->nr);
	free(in->gxy);
	free(in->gxi);
	free(in->gxr);
	free(in->psk);
	free(in->sai);
	free(in->idii);
	free(in->idir);
	free(in->msgid);
	free(in->p1iv);
	free(in->ni2);
	free(in->nr2);
	free(in->rest);
}

#define NKATS (sizeof(kats) / sizeof(kats[0]))

/* ike_derive(): SKEYID, SKEYID_d/a/e, Ka, the first IV */
static void test_kat_derive(void **state)
{
	struct inputs in;
	unsigned i;

	(void)state;
	inputs_get(&in);
	for (i = 0; i < NKATS; i++) {
		const struct kat *v = &kats[i];
		const char *name = ike_hash_name(v->suite.hash);
		struct ike_keys k;

		assert_int_equal(ike_derive(&v->suite, in.psk, in.psk_len,
					    in.gxy, in.gxy_len, in.ni, in.ni_len,
					    in.nr, in.nr_len, in.cky_i, in.cky_r,
					    in.gxi, in.gxr, in.gx_len, &k), 0);
		expect("SKEYID", name, k.skeyid, k.prf_len, v->skeyid);
		expect("SKEYID_d", name, k.skeyid_d, k.prf_len, v->skeyid_d);
		expect("SKEYID_a", name, k.skeyid_a, k.prf_len, v->skeyid_a);
		expect("SKEYID_e", name, k.skeyid_e, k.prf_len, v->skeyid_e);
		expect("the encryption key", name, k.enc, k.enc_len, v->ka);
		expect("the first IV", name, k.iv0, k.block, v->iv0);
		ike_keys_wipe(&k);
	}
	inputs_put(&in);
}

/*
 * An SA with the inputs' Phase 1 state and SKEYID, SKEYID_a from the
 * vectors (not from ike_derive: each test stands alone)
 */
static struct ike_sa *kat_sa(const struct kat *v, struct inputs *in,
			     bool initiator)
{
	struct ike_sa *sa = calloc(1, sizeof(*sa));
	const uint8_t *pub;
	uint8_t *p;
	size_t n;

	assert_non_null(sa);
	sa->initiator = initiator;
	sa->suite = v->suite;
	memcpy(sa->icookie, in->cky_i, 8);
	memcpy(sa->rcookie, in->cky_r, 8);
	/* our DH value is the vector's: ike_dh_pub() points into the
	 * handle (ECP-256: 64 bytes, as g^xi and g^xr) */
	sa->dh = ike_dh_new(19);
	assert_non_null(sa->dh);
	pub = ike_dh_pub(sa->dh, &n);
	assert_int_equal(n, in->gx_len);
	memcpy((uint8_t *)pub, initiator ? in->gxi : in->gxr, n);
	sa->peer_ke = initiator ? in->gxr : in->gxi;
	sa->peer_ke_len = in->gx_len;
	sa->sai_b = in->sai;
	sa->sai_len = in->sai_len;
	sa->idi_b = in->idii;
	sa->idi_len = in->id_len;
	sa->idr_b = in->idir;
	sa->idr_len = in->id_len;
	p = unhex(v->skeyid, &sa->keys.prf_len);
	memcpy(sa->keys.skeyid, p, sa->keys.prf_len);
	free(p);
	p = unhex(v->skeyid_a, &n);
	memcpy(sa->keys.skeyid_a, p, n);
	free(p);
	sa->keys.block = ike_block_len(v->suite.encr);
	memcpy(sa->iv, in->p1iv, sa->keys.block);
	return sa;
}

static void kat_sa_free(struct ike_sa *sa)
{
	ike_dh_free(sa->dh);
	free(sa);
}

/* ike_auth_hash(): HASH_I and HASH_R, computed by either side */
static void test_kat_auth_hash(void **state)
{
	struct inputs in;
	unsigned i, side;

	(void)state;
	inputs_get(&in);
	for (i = 0; i < NKATS; i++) {
		const struct kat *v = &kats[i];
		const char *name = ike_hash_name(v->suite.hash);

		for (side = 0; side < 2; side++) {
			struct ike_sa *sa = kat_sa(v, &in, side);
			uint8_t h[IKE_MAX_HASH];

			assert_int_equal(ike_auth_hash(sa, true, h), 0);
			expect("HASH_I", name, h, sa->keys.prf_len, v->hash_i);
			assert_int_equal(ike_auth_hash(sa, false, h), 0);
			expect("HASH_R", name, h, sa->keys.prf_len, v->hash_r);
			kat_sa_free(sa);
		}
	}
	inputs_put(&in);
}

/* ike_p2_iv() and gdoi_hash(): the Phase 2 IV, HASH(1), (2), (3) */
static void test_kat_phase2(void **state)
{
	struct inputs in;
	unsigned i;

	(void)state;
	inputs_get(&in);
	for (i = 0; i < NKATS; i++) {
		const struct kat *v = &kats[i];
		const char *name = ike_hash_name(v->suite.hash);
		struct ike_sa *sa = kat_sa(v, &in, true);
		uint32_t msgid = (uint32_t)in.msgid[0] << 24 | in.msgid[1] << 16 |
				 in.msgid[2] << 8 | in.msgid[3];
		uint8_t h[IKE_MAX_HASH];

		ike_p2_iv(sa, msgid, h);
		expect("the Phase 2 IV", name, h, sa->keys.block, v->p2_iv);
		assert_int_equal(gdoi_hash(sa, msgid, NULL, 0, NULL, 0, in.rest,
					   in.rest_len, h), 0);
		expect("HASH(1)", name, h, sa->keys.prf_len, v->hash1);
		assert_int_equal(gdoi_hash(sa, msgid, in.ni2, in.n2_len, NULL,
					   0, in.rest, in.rest_len, h), 0);
		expect("HASH(2)", name, h, sa->keys.prf_len, v->hash2);
		assert_int_equal(gdoi_hash(sa, msgid, in.ni2, in.n2_len, in.nr2,
					   in.n2_len, in.rest, in.rest_len, h),
				 0);
		expect("HASH(3)", name, h, sa->keys.prf_len, v->hash3);
		kat_sa_free(sa);
	}
	inputs_put(&in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kat_derive),
		cmocka_unit_test(test_kat_auth_hash),
		cmocka_unit_test(test_kat_phase2),
	};

	return cmocka_run_group_tests_name("ike known answers", tests, NULL,
					   NULL);
}
