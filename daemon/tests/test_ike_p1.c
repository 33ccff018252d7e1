// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * Phase 1 between two of our own IKE contexts, wired back to back in
 * memory (no sockets): main and aggressive mode, pre-shared keys and RSA
 * certificates made here with OpenSSL, both sides ending with the same
 * keys; and the ways a negotiation must fail (wrong key, no common
 * proposal, legacy refused, untrusted or expired certificate, wrong
 * identity), retransmission, duplicates, delete, and a flood of spoofed
 * first messages against the half-open limit.
 */

#include <arpa/inet.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "core/log.h"
#include "ike/ike.h"
#include "ike/ike_int.h"
#include "ike_pair.h"

/* --- two contexts and a wire between them --------------------------------- */

/* the pair's, by short names */
static struct ike_ctx *const ctx = pair.ctx;
static struct ike_conf *const conf = pair.conf;
static struct ike_peer *const peer = pair.peer;
static struct ike_suite (*const suites)[1] = pair.suites;
static struct sockaddr_in *const addr = pair.addr;

static struct ike_sa **const est = ike_pair_est;
static uint8_t keylog[2][IKE_MAX_KEY];
static size_t keylog_len[2];
static unsigned sent[2];
static int drop_nth = -1;		/* drop the nth datagram on the wire */
static unsigned wire_count;
static unsigned pad_plain;		/* zeros after plaintext messages */
static unsigned padded;			/* messages padded so */
static int am_msg3_e;			/* E flag of side 0's last AM message */
static unsigned p2_ok[2];		/* Phase 2 messages that decrypted */

static int op_send(struct ike_ctx *c, const struct sockaddr_in *local,
		   const struct sockaddr_in *to, const uint8_t *buf,
		   size_t len)
{
	int from = ike_pair_side(c);
	struct ike_pair_pkt *p;

	sent[from]++;
	if (from == 0 && len >= ISAKMP_HDR_LEN &&
	    buf[18] == ISAKMP_EXCH_AGGRESSIVE)
		am_msg3_e = !!(buf[19] & ISAKMP_FLAG_E);
	if ((int)wire_count++ == drop_nth)
		return 0;
	if (!ike_pair_wired(from, to))
		return 0;
	p = ike_pair_queue(from, local, to, buf, len);
	if (pad_plain && len >= ISAKMP_HDR_LEN &&
	    !(buf[19] & ISAKMP_FLAG_E)) {
		/* as libreswan's ikepad: zeros counted in the header Length */
		assert_true(len + pad_plain <= sizeof(p->data));
		memset(p->data + len, 0, pad_plain);
		p->len += pad_plain;
		p->data[24] = (uint8_t)(p->len >> 24);
		p->data[25] = (uint8_t)(p->len >> 16);
		p->data[26] = (uint8_t)(p->len >> 8);
		p->data[27] = (uint8_t)p->len;
		padded++;
	}
	return 0;
}

static void op_keylog(struct ike_ctx *c, const uint8_t icookie[8],
		      const uint8_t *key, size_t len)
{
	int i = ike_pair_side(c);

	(void)icookie;
	memcpy(keylog[i], key, len);
	keylog_len[i] = len;
}

/* run the wire and the timers until the initiator has an outcome */
static void run(unsigned max_ms)
{
	ike_pair_run_until(&ike_pair_done_called, max_ms);
}

/* A GDOI-style Phase 2 message (exchange 32, its own M-ID): it counts
 * when it decrypts, from the IV of RFC 2409 appendix B, to HASH and the
 * nonce put in it (p2_send()) */
static const uint8_t p2_nonce[16] = "iv-chain-check!";

static void op_phase2(struct ike_sa *sa, const struct isakmp_hdr *h,
		      const uint8_t *msg, size_t len)
{
	static uint8_t body[ISAKMP_MAX_MSG];
	static struct isakmp_chain c;
	uint8_t iv[IKE_MAX_BLOCK];
	size_t blen = len - ISAKMP_HDR_LEN;
	struct isakmp_err err;

	assert_true(len > ISAKMP_HDR_LEN && blen <= sizeof(body));
	memcpy(body, msg + ISAKMP_HDR_LEN, blen);
	ike_p2_iv(sa, h->msgid, iv);
	if (ike_p2_decrypt(sa, iv, body, blen) ||
	    isakmp_chain_decode(&c, h->np, body, blen, true, &err))
		return;
	if (c.n == 2 && c.pl[0].type == ISAKMP_NP_HASH &&
	    c.pl[1].type == ISAKMP_NP_NONCE &&
	    c.pl[1].len == sizeof(p2_nonce) &&
	    !memcmp(c.pl[1].body, p2_nonce, sizeof(p2_nonce)))
		p2_ok[ike_pair_side(sa->ctx)]++;
}

/* RFC 3706 5.1: R-U-THERE carries a 4-byte sequence number */
static void dpd_probe(struct ike_sa *sa, uint32_t seq)
{
	uint8_t be[4] = { seq >> 24, seq >> 16, seq >> 8, seq };

	ike_send_notify_data(sa, ISAKMP_N_R_U_THERE, be, sizeof(be));
}

static void p2_send(struct ike_sa *sa, uint32_t msgid)
{
	uint8_t iv[IKE_MAX_BLOCK];
	struct isakmp_buf b;
	size_t off, n;

	off = ike_p2_begin(sa, &b, GDOI_EXCH_PULL, msgid);
	n = isakmp_pl_begin(&b, ISAKMP_NP_NONCE);
	isakmp_put_bytes(&b, p2_nonce, sizeof(p2_nonce));
	isakmp_pl_end(&b, n);
	ike_p2_hash(sa, &b, off, msgid);
	ike_p2_iv(sa, msgid, iv);
	assert_int_equal(ike_p2_send(sa, &b, iv), 0);
}

static int setup(void **state)
{
	struct ike_ops ops = {
		.send = op_send, .keylog = op_keylog,
		.established = ike_pair_established, .gone = ike_pair_gone,
		.phase2 = op_phase2,
	};
	int i;

	(void)state;
	ike_pair_addrs();
	for (i = 0; i < 2; i++)
		ike_pair_conf(i, IKE_AUTH_PSK);
	ike_pair_start(&ops);
	est[0] = est[1] = NULL;
	ike_pair_done_called = false;
	ike_pair_done_err = 1;
	sent[0] = sent[1] = 0;
	drop_nth = -1;
	wire_count = 0;
	pad_plain = 0;
	am_msg3_e = -1;
	p2_ok[0] = p2_ok[1] = 0;
	keylog_len[0] = keylog_len[1] = 0;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ike_pair_fini();
	return 0;
}

static void restart_initiator(void)
{
	struct ike_ops ops = ctx[0].ops;

	ike_ctx_fini(&ctx[0]);
	assert_int_equal(ike_ctx_init(&ctx[0], &conf[0], &ops), 0);
	ike_pair_done_called = false;
}

static struct ike_sa *initiate(enum ike_mode mode)
{
	struct ike_sa *sa;

	peer[0].mode = mode;
	peer[1].mode = mode == IKE_MODE_AGGRESSIVE ? IKE_MODE_ANY : IKE_MODE_MAIN;
	sa = ike_initiate(&ctx[0], &peer[0], &addr[0], ike_pair_done, NULL);
	assert_non_null(sa);
	return sa;
}

static void assert_same_keys(void)
{
	const struct ike_keys *a, *b;

	assert_true(ike_pair_done_called);
	assert_int_equal(ike_pair_done_err, 0);
	assert_non_null(est[0]);
	assert_non_null(est[1]);
	assert_true(est[0]->initiator);
	assert_false(est[1]->initiator);
	assert_memory_equal(est[0]->icookie, est[1]->icookie, 8);
	assert_memory_equal(est[0]->rcookie, est[1]->rcookie, 8);
	a = &est[0]->keys;
	b = &est[1]->keys;
	assert_int_equal(a->prf_len, b->prf_len);
	assert_memory_equal(a->skeyid_d, b->skeyid_d, a->prf_len);
	assert_memory_equal(a->skeyid_a, b->skeyid_a, a->prf_len);
	assert_memory_equal(a->skeyid_e, b->skeyid_e, a->prf_len);
	assert_int_equal(a->enc_len, b->enc_len);
	assert_memory_equal(a->enc, b->enc, a->enc_len);
	assert_memory_equal(est[0]->iv, est[1]->iv, a->block);
	assert_int_equal(keylog_len[0], a->enc_len);
	assert_memory_equal(keylog[0], keylog[1], a->enc_len);
	assert_memory_equal(keylog[0], a->enc, a->enc_len);
}

static void assert_failed(void)
{
	assert_true(ike_pair_done_called);
	assert_int_equal(ike_pair_done_err, -1);
	assert_null(est[0]);
	assert_null(est[1]);
	assert_int_equal(ctx[0].nsas, 0);
	assert_int_equal(ctx[1].nsas, 0);
}

static void both_suites(struct ike_suite s)
{
	suites[0][0] = suites[1][0] = s;
}

/* --- certificates ------------------------------------------------------------- */

static EVP_PKEY *ca_key, *ca2_key, *ks_key, *gm_key;
static X509 *ca_cert, *ca2_cert;

static X509 *make_cert(const char *cn, EVP_PKEY *key, X509 *issuer,
		       EVP_PKEY *issuer_key, long from, long to,
		       const char *san)
{
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();
	X509V3_CTX v3;
	X509_EXTENSION *ext;

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), rand() & 0x7fffffff);
	X509_NAME_add_entry_by_txt(n, "C", MBSTRING_UTF8, (uint8_t *)"CH", -1, -1, 0);
	X509_NAME_add_entry_by_txt(n, "O", MBSTRING_UTF8, (uint8_t *)"gvpn test", -1, -1, 0);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (uint8_t *)cn, -1, -1, 0);
	X509_set_subject_name(x, n);
	X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : n);
	X509_gmtime_adj(X509_getm_notBefore(x), from);
	X509_gmtime_adj(X509_getm_notAfter(x), to);
	X509_set_pubkey(x, key);
	X509V3_set_ctx(&v3, issuer ? issuer : x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, san ? NID_subject_alt_name :
				  NID_basic_constraints,
				  san ? san : "critical,CA:TRUE");
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	assert_true(X509_sign(x, issuer_key ? issuer_key : key, EVP_sha256()) > 0);
	X509_NAME_free(n);
	return x;
}

static struct ike_creds *creds_for(EVP_PKEY *key, X509 *cert, X509 *trust)
{
	struct ike_creds *cr = ike_creds_new();
	unsigned char *der = NULL;
	char err[200];

	EVP_PKEY_up_ref(key);
	cr->key = key;
	cr->cert = cert;
	cr->store = X509_STORE_new();
	X509_STORE_add_cert(cr->store, trust);
	cr->ca_name_len[0] = i2d_X509_NAME(X509_get_subject_name(trust), &der);
	cr->ca_names[0] = der;
	cr->nca = 1;
	assert_int_equal(ike_creds_check(cr, err, sizeof(err)), 0);
	return cr;
}

static int cert_group_setup(void **state)
{
	(void)state;
	ca_key = EVP_RSA_gen(2048);
	ca2_key = EVP_RSA_gen(2048);
	ks_key = EVP_RSA_gen(2048);
	gm_key = EVP_RSA_gen(2048);
	assert_non_null(ca_key);
	ca_cert = make_cert("gvpn test CA", ca_key, NULL, NULL, -60, 86400, NULL);
	ca2_cert = make_cert("other CA", ca2_key, NULL, NULL, -60, 86400, NULL);
	return 0;
}

static int cert_group_teardown(void **state)
{
	(void)state;
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(ca2_key);
	EVP_PKEY_free(ks_key);
	EVP_PKEY_free(gm_key);
	X509_free(ca_cert);
	X509_free(ca2_cert);
	return 0;
}

/* gm's certificate comes from issuer (validity from..to), ks's from the CA */
static void setup_rsa(X509 *gm_issuer, EVP_PKEY *gm_issuer_key, long from,
		      long to)
{
	ike_pair_conf(0, IKE_AUTH_RSA_SIG);
	ike_pair_conf(1, IKE_AUTH_RSA_SIG);
	peer[0].creds = creds_for(gm_key, make_cert("gm.test", gm_key,
				  gm_issuer, gm_issuer_key, from, to,
				  "DNS:gm.test,IP:10.0.0.2"), ca_cert);
	peer[1].creds = creds_for(ks_key, make_cert("ks.test", ks_key, ca_cert,
				  ca_key, -60, 86400, "DNS:ks.test,IP:10.0.0.1"),
				  ca_cert);
}

static void free_rsa(void)
{
	ike_creds_free(peer[0].creds);
	ike_creds_free(peer[1].creds);
	peer[0].creds = peer[1].creds = NULL;
}

/* --- tests -------------------------------------------------------------------- */

static void test_main_psk(void **state)
{
	static const struct ike_suite s[] = {
		{ IKE_ENCR_AES_CBC, 256, IKE_HASH_SHA256, IKE_AUTH_PSK, 14, 3600 },
		{ IKE_ENCR_AES_CBC, 256, IKE_HASH_SHA256, IKE_AUTH_PSK, 19, 3600 },
		{ IKE_ENCR_AES_CBC, 128, IKE_HASH_SHA384, IKE_AUTH_PSK, 20, 3600 },
		{ IKE_ENCR_AES_CBC, 192, IKE_HASH_SHA512, IKE_AUTH_PSK, 21, 3600 },
		{ IKE_ENCR_AES_CBC, 256, IKE_HASH_SHA1, IKE_AUTH_PSK, 15, 3600 },
		{ IKE_ENCR_3DES, 0, IKE_HASH_SHA1, IKE_AUTH_PSK, 2, 3600 },
		{ IKE_ENCR_AES_CBC, 128, IKE_HASH_MD5, IKE_AUTH_PSK, 5, 3600 },
	};
	unsigned i;

	for (i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		setup(state);
		conf[0].legacy = conf[1].legacy = true;
		both_suites(s[i]);
		initiate(IKE_MODE_MAIN);
		run(2000);
		assert_same_keys();
		assert_int_equal(est[0]->suite.group, s[i].group);
		/* 6 messages, nothing repeated */
		assert_int_equal(sent[0], 3);
		assert_int_equal(sent[1], 3);
		teardown(state);
	}
}

static void test_aggressive_psk(void **state)
{
	both_suites((struct ike_suite){ IKE_ENCR_AES_CBC, 256, IKE_HASH_SHA256,
					IKE_AUTH_PSK, 19, 3600 });
	peer[0].local_id_set = true;
	ike_id_parse("fqdn:gm1.example", &peer[0].local_id);
	peer[1].remote_id_set = true;
	ike_id_parse("fqdn:gm1.example", &peer[1].remote_id);
	initiate(IKE_MODE_AGGRESSIVE);
	run(2000);
	assert_same_keys();
	assert_int_equal(est[0]->exch, ISAKMP_EXCH_AGGRESSIVE);
	assert_string_equal(est[1]->peer_id, "fqdn:gm1.example");
	assert_int_equal(sent[0], 2);
	assert_int_equal(sent[1], 1);
	(void)state;
}

static void test_main_rsa(void **state)
{
	(void)state;
	setup_rsa(ca_cert, ca_key, -60, 86400);
	peer[0].remote_id_set = true;
	ike_id_parse("dn:C=CH, O=gvpn test, CN=ks.test", &peer[0].remote_id);
	initiate(IKE_MODE_MAIN);
	run(3000);
	assert_same_keys();
	assert_string_equal(est[0]->peer_id, "dn:C=CH, O=gvpn test, CN=ks.test");
	assert_string_equal(est[1]->peer_id, "dn:C=CH, O=gvpn test, CN=gm.test");
	teardown(state);
	free_rsa();
	setup(state);
}

static void test_aggressive_rsa_fqdn(void **state)
{
	(void)state;
	setup_rsa(ca_cert, ca_key, -60, 86400);
	/* identities as FQDN, bound to the certificates' subjectAltName */
	peer[0].local_id_set = peer[1].local_id_set = true;
	ike_id_parse("fqdn:gm.test", &peer[0].local_id);
	ike_id_parse("fqdn:ks.test", &peer[1].local_id);
	initiate(IKE_MODE_AGGRESSIVE);
	run(3000);
	assert_same_keys();
	assert_string_equal(est[1]->peer_id, "fqdn:gm.test");
	teardown(state);
	free_rsa();
	setup(state);
}

/*
 * After an aggressive mode exchange, both sides must have the same base
 * for Phase 2 IVs: the last block of message 3 if it was encrypted,
 * hash(g^xi | g^xr) if not (RFC 2409 appendix B). A protected
 * informational message (R-U-THERE, answered with an ACK) and a
 * GDOI-style Phase 2 message each way show it; a wrong base is caught.
 */
static void assert_iv_chain(bool encrypted)
{
	uint8_t iv0[IKE_MAX_BLOCK];
	unsigned acks;

	assert_int_equal(am_msg3_e, encrypted);
	assert_int_equal(sent[0], 2);
	assert_int_equal(sent[1], 1);
	memcpy(iv0, est[0]->keys.iv0, est[0]->keys.block);
	if (encrypted)
		assert_memory_not_equal(est[0]->iv, iv0, est[0]->keys.block);
	else
		assert_memory_equal(est[0]->iv, iv0, est[0]->keys.block);
	dpd_probe(est[0], 1);
	ike_pair_pump();
	dpd_probe(est[1], 2);
	ike_pair_pump();
	/* each R-U-THERE answered, each ACK taken */
	assert_int_equal(sent[0], 2 + 2);
	assert_int_equal(sent[1], 1 + 2);
	p2_send(est[0], 0x11223344);
	p2_send(est[1], 0x55667788);
	ike_pair_pump();
	assert_int_equal(p2_ok[0], 1);
	assert_int_equal(p2_ok[1], 1);
	assert_int_equal(ctx[0].stats.rx_malformed, 0);
	assert_int_equal(ctx[1].stats.rx_malformed, 0);
	assert_int_equal(ctx[0].stats.rx_dropped, 0);
	assert_int_equal(ctx[1].stats.rx_dropped, 0);
	assert_non_null(est[0]);
	assert_non_null(est[1]);

	/* the other form's base at the responder: nothing decrypts */
	acks = sent[1];
	if (encrypted)
		memcpy(est[1]->iv, iv0, est[1]->keys.block);
	else
		est[1]->iv[0] ^= 1;
	dpd_probe(est[0], 3);
	p2_send(est[0], 0x99aabbcc);
	ike_pair_pump();
	assert_int_equal(sent[1], acks);	/* no ACK */
	assert_int_equal(p2_ok[1], 1);
	assert_int_equal(ctx[1].stats.rx_malformed, 1);
}

static void am_msg3_case(void **state, bool rsa, bool clear)
{
	if (rsa) {
		setup_rsa(ca_cert, ca_key, -60, 86400);
		peer[0].local_id_set = peer[1].local_id_set = true;
		ike_id_parse("fqdn:gm.test", &peer[0].local_id);
		ike_id_parse("fqdn:ks.test", &peer[1].local_id);
	} else {
		both_suites((struct ike_suite){ IKE_ENCR_AES_CBC, 128,
						IKE_HASH_SHA1, IKE_AUTH_PSK,
						14, 3600 });
	}
	peer[0].am_msg3_clear = clear;
	initiate(IKE_MODE_AGGRESSIVE);
	run(3000);
	assert_same_keys();
	assert_int_equal(est[1]->exch, ISAKMP_EXCH_AGGRESSIVE);
	assert_iv_chain(!clear);
	teardown(state);
	if (rsa)
		free_rsa();
	setup(state);
}

/* the default (encrypted) and aggressive-msg3 = clear, as responder both */
static void test_aggressive_msg3_psk(void **state)
{
	am_msg3_case(state, false, false);
	am_msg3_case(state, false, true);
}

static void test_aggressive_msg3_rsa(void **state)
{
	am_msg3_case(state, true, false);
	am_msg3_case(state, true, true);
}

/* Plaintext messages padded with zeros (libreswan's default ikepad) */
static void test_padded_psk(void **state)
{
	static const unsigned pads[] = { 1, 2, 3, ISAKMP_PLAIN_PAD_MAX };
	unsigned i;

	for (i = 0; i < sizeof(pads) / sizeof(pads[0]); i++) {
		setup(state);
		pad_plain = pads[i];
		padded = 0;
		initiate(IKE_MODE_MAIN);
		run(2000);
		assert_same_keys();
		/* messages 1 to 4 */
		assert_int_equal(padded, 4);
		teardown(state);

		setup(state);
		pad_plain = pads[i];
		padded = 0;
		/* message 3 in the clear too, padded (libreswan encrypts it) */
		peer[0].am_msg3_clear = true;
		test_aggressive_psk(state);
		assert_int_equal(padded, 3);
		teardown(state);
	}
	/* more than a cipher block of zeros: message 1 is malformed */
	setup(state);
	pad_plain = ISAKMP_PLAIN_PAD_MAX + 1;
	initiate(IKE_MODE_MAIN);
	run(200);
	assert_null(est[1]);
	assert_true(ctx[1].stats.rx_malformed >= 1);
	assert_int_equal(ctx[1].nhalf, 0);
	teardown(state);
}

static void test_padded_rsa(void **state)
{
	padded = 0;
	pad_plain = 3;
	test_main_rsa(state);
	pad_plain = 3;
	/* message 3 in the clear too, padded (libreswan encrypts it) */
	am_msg3_case(state, true, true);
	assert_int_equal(padded, 4 + 3);
}

static void test_rsa_ipv4_id(void **state)
{
	(void)state;
	setup_rsa(ca_cert, ca_key, -60, 86400);
	peer[0].local_id_set = true;
	ike_id_parse("ipv4:10.0.0.2", &peer[0].local_id);
	initiate(IKE_MODE_MAIN);
	run(3000);
	assert_same_keys();
	teardown(state);
	free_rsa();
	/* an address the certificate does not carry */
	setup(state);
	setup_rsa(ca_cert, ca_key, -60, 86400);
	peer[0].local_id_set = true;
	ike_id_parse("ipv4:10.0.0.9", &peer[0].local_id);
	initiate(IKE_MODE_MAIN);
	run(3000);
	assert_failed();
	teardown(state);
	free_rsa();
	setup(state);
}

static void test_untrusted_cert(void **state)
{
	(void)state;
	setup_rsa(ca2_cert, ca2_key, -60, 86400);
	initiate(IKE_MODE_MAIN);
	run(3000);
	assert_failed();
	assert_int_equal(ctx[1].stats.failed, 1);
	teardown(state);
	free_rsa();
	setup(state);
}

/* The aggressive mode initiator is established when the responder
 * refuses message 3: the responder's protected delete ends its SA */
static void test_aggressive_refused_msg3(void **state)
{
	(void)state;
	setup_rsa(ca2_cert, ca2_key, -60, 86400);
	initiate(IKE_MODE_AGGRESSIVE);
	run(3000);
	assert_true(ike_pair_done_called);
	/* it believed so for a moment */
	assert_int_equal(ike_pair_done_err, 0);
	assert_null(est[0]);
	assert_null(est[1]);
	assert_int_equal(ctx[0].nsas, 0);
	assert_int_equal(ctx[1].nsas, 0);
	assert_int_equal(ctx[1].stats.failed, 1);
	teardown(state);
	free_rsa();
	setup(state);
}

static void test_expired_cert(void **state)
{
	(void)state;
	setup_rsa(ca_cert, ca_key, -7200, -3600);
	initiate(IKE_MODE_MAIN);
	run(3000);
	assert_failed();
	teardown(state);
	free_rsa();
	setup(state);
}

static void test_wrong_psk(void **state)
{
	(void)state;
	peer[1].psk = (uint8_t *)"another-secret-0123456789";
	peer[1].psk_len = 25;
	initiate(IKE_MODE_MAIN);
	run(2000);
	assert_failed();
	assert_int_equal(ctx[0].stats.failed, 1);
	assert_int_equal(ctx[1].stats.failed, 1);
	/*
	 * Neither side ended it on what the other could not authenticate:
	 * message 5 went out as often as retransmission allows (it does not
	 * decrypt at the responder, dropped each time), and the responder's
	 * one unprotected AUTHENTICATION-FAILED did not end the initiator,
	 * which had keys by then (RFC 2408 4.8). Messages 1 and 3, 5 each
	 * time, the initiator's Delete at its end.
	 */
	assert_int_equal(sent[0], 2 + conf[0].retransmit_tries + 1);
	assert_int_equal(ctx[1].stats.rx_dropped, conf[0].retransmit_tries);
}

static void test_wrong_psk_aggressive(void **state)
{
	(void)state;
	peer[0].psk = (uint8_t *)"another-secret-0123456789";
	peer[0].psk_len = 25;
	initiate(IKE_MODE_AGGRESSIVE);
	run(2000);
	/* the responder, keyed, waits for message 3 until its timeout: the
	 * initiator's unprotected notify does not end it (RFC 2408 4.8) */
	ike_pair_run_until(NULL, 500);
	assert_failed();
}

static void test_proposal_mismatch(void **state)
{
	(void)state;
	suites[1][0].group = 19;
	initiate(IKE_MODE_MAIN);
	run(2000);
	assert_failed();
	/* the responder never kept anything */
	assert_int_equal(ctx[1].nhalf, 0);
}

static void test_legacy_refused(void **state)
{
	(void)state;
	/* the same legacy suite on both sides, but the responder does not
	 * allow legacy algorithms */
	both_suites((struct ike_suite){ IKE_ENCR_3DES, 0, IKE_HASH_SHA1,
					IKE_AUTH_PSK, 2, 3600 });
	conf[0].legacy = true;
	initiate(IKE_MODE_MAIN);
	run(2000);
	assert_failed();
}

/* the responder's log while one negotiation runs (caller frees) */
static char *responder_log(void)
{
	char path[] = "/tmp/test_ike_p1.XXXXXX";
	int fd = mkstemp(path), saved, level = log_get_level();
	char *buf = calloc(1, 8192);
	ssize_t n;

	assert_true(fd >= 0);
	assert_non_null(buf);
	fflush(stderr);
	saved = dup(2);
	dup2(fd, 2);
	log_set_level(LOG_WARNING);
	initiate(IKE_MODE_MAIN);
	run(2000);
	log_set_level(level);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	n = pread(fd, buf, 8191, 0);
	assert_true(n > 0);
	close(fd);
	unlink(path);
	return buf;
}

/* "(legacy algorithms are disabled)" only when a refused transform uses one */
static void test_refusal_log(void **state)
{
	char *log;

	/* nothing legacy: the responder wants MODP 2048, ECP 256 offered */
	suites[0][0].group = 19;
	log = responder_log();
	assert_failed();
	assert_non_null(strstr(log, "none of the 1 offered transforms is acceptable: aes256-sha256-ecp256/psk"));
	assert_null(strstr(log, "legacy"));
	free(log);
	teardown(state);

	/* 3DES offered, the responder does not allow legacy algorithms */
	setup(state);
	conf[0].legacy = true;
	suites[0][0] = (struct ike_suite){ IKE_ENCR_3DES, 0, IKE_HASH_SHA1,
					   IKE_AUTH_PSK, 14, 3600 };
	log = responder_log();
	assert_failed();
	assert_non_null(strstr(log, "3des-sha1-modp2048/psk (legacy algorithms are disabled)"));
	free(log);
	teardown(state);

	/* MD5 and MODP 1024 but allowed: refused for another reason */
	setup(state);
	conf[0].legacy = conf[1].legacy = true;
	suites[0][0] = (struct ike_suite){ IKE_ENCR_AES_CBC, 128, IKE_HASH_MD5,
					   IKE_AUTH_PSK, 2, 3600 };
	log = responder_log();
	assert_failed();
	assert_non_null(strstr(log, "offered transforms is acceptable"));
	assert_null(strstr(log, "legacy"));
	free(log);
}

static void test_remote_id_mismatch(void **state)
{
	(void)state;
	peer[0].remote_id_set = true;
	ike_id_parse("ipv4:10.0.0.99", &peer[0].remote_id);
	initiate(IKE_MODE_MAIN);
	run(2000);
	assert_failed();
}

static void test_retransmit(void **state)
{
	(void)state;
	drop_nth = 1;		/* message 2 */
	initiate(IKE_MODE_MAIN);
	run(2000);
	assert_same_keys();
	assert_int_equal(sent[0], 4);	/* message 1 twice */
	assert_int_equal(sent[1], 4);	/* message 2 twice */
}

static void test_retransmit_msg4_lost(void **state)
{
	(void)state;
	drop_nth = 3;		/* message 4: message 3 comes again */
	initiate(IKE_MODE_MAIN);
	run(2000);
	assert_same_keys();
	assert_int_equal(sent[0], 4);
	assert_int_equal(sent[1], 4);
}

static void test_retransmit_msg6_lost(void **state)
{
	(void)state;
	drop_nth = 5;		/* message 6: the responder is established */
	initiate(IKE_MODE_MAIN);
	run(2000);
	assert_same_keys();
}

static void test_no_answer(void **state)
{
	(void)state;
	peer[0].addr.s_addr = htonl(0x0a0000fe);	/* nobody */
	initiate(IKE_MODE_MAIN);
	run(2000);
	assert_true(ike_pair_done_called);
	assert_int_equal(ike_pair_done_err, -1);
	assert_int_equal(sent[0], conf[0].retransmit_tries);
}

static void test_delete(void **state)
{
	(void)state;
	initiate(IKE_MODE_MAIN);
	run(2000);
	assert_same_keys();
	ike_sa_delete(est[0], "test");
	ike_pair_pump();
	assert_null(est[1]);
	assert_int_equal(ctx[1].nsas, 0);
	assert_int_equal(ctx[0].nsas, 0);
}

static void test_notify_after_establishment(void **state)
{
	(void)state;
	initiate(IKE_MODE_MAIN);
	run(2000);
	assert_same_keys();
	/* a protected notify decrypts and verifies: the SA stays */
	ike_send_notify(est[0], ISAKMP_N_INITIAL_CONTACT);
	ike_pair_pump();
	assert_non_null(est[1]);
	assert_int_equal(ctx[1].stats.rx_malformed, 0);
	assert_int_equal(ctx[1].stats.rx_dropped, 0);
}

/* A replayed protected informational message (its M-ID seen before on
 * the SA) is dropped and counted, not answered again */
static void test_replayed_notify(void **state)
{
	struct ike_pair_pkt copy;
	unsigned acks;

	(void)state;
	initiate(IKE_MODE_MAIN);
	run(2000);
	assert_same_keys();
	dpd_probe(est[0], 4);
	assert_non_null(ike_pair_peek());
	copy = *ike_pair_peek();
	acks = sent[1];
	ike_pair_pump();
	assert_int_equal(sent[1], acks + 1);	/* R-U-THERE-ACK */
	assert_int_equal(ctx[1].stats.rx_replayed, 0);
	ike_pair_queue(0, &copy.src, &copy.dst, copy.data, copy.len);
	ike_pair_pump();
	assert_int_equal(sent[1], acks + 1);
	assert_int_equal(ctx[1].stats.rx_replayed, 1);
	assert_non_null(est[1]);
	/* a new one, new M-ID, is answered */
	dpd_probe(est[0], 5);
	ike_pair_pump();
	assert_int_equal(sent[1], acks + 2);
}

/* Spoofed main mode message 1 from many addresses: bounded half-open
 * state, no SA, no Diffie-Hellman; a real negotiation still completes */
static void test_flood(void **state)
{
	static uint8_t msg1[4096];
	size_t len;
	unsigned i;

	(void)state;
	peer[1].addr.s_addr = htonl(0x0a000000);	/* 10.0.0.0/8 */
	peer[1].plen = 8;
	/* a real message 1, taken off the wire */
	initiate(IKE_MODE_MAIN);
	assert_int_equal(ike_pair_queued(), 1);
	len = ike_pair_peek()->len;
	memcpy(msg1, ike_pair_peek()->data, len);
	ike_pair_drop();
	restart_initiator();
	for (i = 0; i < 5000; i++) {
		struct sockaddr_in from = {
			.sin_family = AF_INET, .sin_port = htons(848),
			.sin_addr.s_addr = htonl(0x0a800000 + i),
		};

		RAND_bytes(msg1, 8);
		ike_input(&ctx[1], &addr[1], &from, msg1, len);
	}
	assert_true(ctx[1].nhalf <= conf[1].half_open_max);
	assert_int_equal(ctx[1].stats.half_open, 5000);
	assert_int_equal(ctx[1].stats.half_open_evicted, 5000 - conf[1].half_open_max);
	assert_int_equal(ctx[1].nsas, 0);
	/* answers to spoofed addresses left (and were lost on our wire) */
	ike_pair_drop();
	initiate(IKE_MODE_MAIN);
	run(2000);
	assert_same_keys();
}

/* --- unauthenticated teardown, protocol details (issue 13) ---------------- */

/* the next datagram on the wire reaches its side (its answers queue) */
static void step(void)
{
	struct ike_pair_pkt p;

	assert_true(ike_pair_queued() > 0);
	p = *ike_pair_peek();
	pair.q_head++;
	ike_input(&ctx[p.to], &p.dst, &p.src, p.data, p.len);
}

/* main mode up to message 5 on the wire, the initiator keyed */
static struct ike_sa *to_msg5(void)
{
	struct ike_sa *sa = initiate(IKE_MODE_MAIN);

	step();			/* 1 */
	step();			/* 2 */
	step();			/* 3 */
	step();			/* 4 */
	assert_int_equal(ike_pair_queued(), 1);
	assert_true(ike_pair_peek()->data[19] & ISAKMP_FLAG_E);
	assert_int_equal(sa->state, IKE_MM_I5);
	assert_int_equal(ctx[1].nsas, 1);
	return sa;
}

/* an unprotected notify from side 1's address to side 0, sport its port */
static void plain_notify_to_initiator(const struct ike_sa *sa,
				      const uint8_t *rcookie, uint16_t sport,
				      uint16_t type)
{
	struct sockaddr_in from = addr[1];
	struct ike_pair_pkt *p;

	ike_send_notify_plain(&ctx[1], &addr[1], &addr[0], sa->icookie,
			      rcookie, ISAKMP_DOI_GDOI, type);
	assert_true(ike_pair_queued() > 0);
	p = &pair.queue[(pair.q_tail - 1) % IKE_PAIR_QLEN];
	from.sin_port = htons(sport);
	p->src = from;
}

/*
 * An unprotected error notify ends a negotiation only while no keys were
 * agreed (RFC 2408 4.8), from the peer's address and port, with the
 * cookies of the exchange (RFC 2408 3.14)
 */
static void test_plain_notify_rules(void **state)
{
	static const uint8_t zero[8], other[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct ike_sa *sa;

	(void)state;
	/* message 1 lost; a NO-PROPOSAL-CHOSEN without responder cookie
	 * from another port of the peer's address: not the peer */
	sa = initiate(IKE_MODE_MAIN);
	ike_pair_drop();
	plain_notify_to_initiator(sa, zero, 4848, ISAKMP_N_NO_PROPOSAL_CHOSEN);
	ike_pair_pump();
	assert_false(ike_pair_done_called);
	assert_int_equal(ctx[0].nsas, 1);
	/* from its port: the negotiation ends at once */
	plain_notify_to_initiator(sa, zero, 848, ISAKMP_N_NO_PROPOSAL_CHOSEN);
	ike_pair_pump();
	assert_true(ike_pair_done_called);
	assert_int_equal(ike_pair_done_err, -1);
	assert_int_equal(ctx[0].nsas, 0);
	teardown(state);

	/* message 3 on the wire (the responder's cookie known): a notify
	 * under another responder cookie is about another exchange */
	setup(state);
	sa = initiate(IKE_MODE_MAIN);
	step();
	step();
	assert_int_equal(sa->state, IKE_MM_I3);
	plain_notify_to_initiator(sa, other, 848,
				  ISAKMP_N_INVALID_KEY_INFORMATION);
	ike_pair_pump();
	assert_false(ike_pair_done_err == -1);
	run(2000);
	assert_same_keys();
	teardown(state);

	/* keys agreed (message 5 sent): an unprotected AUTHENTICATION-FAILED
	 * under the right cookies, address and port is not acted on */
	setup(state);
	sa = to_msg5();
	plain_notify_to_initiator(sa, sa->rcookie, 848,
				  ISAKMP_N_AUTHENTICATION_FAILED);
	run(2000);
	assert_same_keys();
	assert_int_equal(ctx[0].stats.failed, 0);
}

/* Message 5 that does not decrypt (not whole blocks, or noise) is
 * dropped; the negotiation goes on and completes with the real one */
static void test_undecryptable_msg5(void **state)
{
	struct ike_pair_pkt real, forged;
	unsigned i;

	(void)state;
	to_msg5();
	real = *ike_pair_peek();
	ike_pair_drop();
	for (i = 0; i < 2; i++) {
		forged = real;
		if (i == 0) {
			forged.len = real.len - 1;	/* 15 bytes short */
		} else {
			/* a 16-byte body: whatever it decrypts to, no ID,
			 * HASH_I chain fits in it */
			forged.len = ISAKMP_HDR_LEN + 16;
			memset(forged.data + ISAKMP_HDR_LEN, 0x5a, 16);
		}
		forged.data[24] = (uint8_t)(forged.len >> 24);
		forged.data[25] = (uint8_t)(forged.len >> 16);
		forged.data[26] = (uint8_t)(forged.len >> 8);
		forged.data[27] = (uint8_t)forged.len;
		ike_input(&ctx[1], &forged.dst, &forged.src, forged.data,
			  forged.len);
		assert_int_equal(ctx[1].nsas, 1);
		assert_int_equal(ctx[1].stats.failed, 0);
		assert_int_equal(ctx[1].stats.rx_dropped, i + 1);
	}
	/* one unprotected notify for the peer's diagnosis, not two */
	assert_int_equal(sent[1], 2 + 1);
	ike_pair_drop();
	ike_pair_queue(0, &real.src, &real.dst, real.data, real.len);
	run(2000);
	assert_same_keys();
}

/* An encrypted informational message during the negotiation that does
 * not decrypt to HASH and payloads is dropped, the negotiation kept */
static void test_undecryptable_info(void **state)
{
	struct ike_sa *sa;
	uint8_t msg[ISAKMP_HDR_LEN + 16];
	struct isakmp_buf b;
	struct isakmp_hdr h = {
		.np = ISAKMP_NP_HASH, .exch = ISAKMP_EXCH_INFO,
		.flags = ISAKMP_FLAG_E, .msgid = 0x01020304,
	};

	(void)state;
	sa = to_msg5();
	memcpy(h.icookie, sa->icookie, 8);
	memcpy(h.rcookie, sa->rcookie, 8);
	isakmp_buf_init(&b, msg, sizeof(msg));
	isakmp_hdr_encode(&b, &h);
	b.p[16] = ISAKMP_NP_HASH;
	isakmp_put_zero(&b, 16);	/* too short for a HASH */
	isakmp_msg_end(&b);
	assert_false(b.err);
	ike_input(&ctx[0], &addr[0], &addr[1], msg, sizeof(msg));
	assert_false(ike_pair_done_called);
	assert_int_equal(ctx[0].nsas, 1);
	assert_int_equal(sa->undecryptable, 1);
	run(2000);
	assert_same_keys();
}

/* what side 0 received decrypted, for the DPD test */
static uint8_t ack_data[8];
static size_t ack_len;
static unsigned acks_seen;

static void op_trace_acks(struct ike_ctx *c, const struct sockaddr_in *src,
			  const struct sockaddr_in *dst, const uint8_t *buf,
			  size_t len)
{
	static struct isakmp_chain ch;
	struct isakmp_err err;
	unsigned i;

	(void)dst;
	if (ike_pair_side(c) != 0 ||
	    src->sin_addr.s_addr != addr[1].sin_addr.s_addr ||
	    len < ISAKMP_HDR_LEN || buf[18] != ISAKMP_EXCH_INFO ||
	    isakmp_chain_decode(&ch, buf[16], buf + ISAKMP_HDR_LEN,
				len - ISAKMP_HDR_LEN, true, &err))
		return;
	for (i = 0; i < ch.n; i++) {
		struct isakmp_notify_pl n;

		if (ch.pl[i].type == ISAKMP_NP_N &&
		    !isakmp_notify_decode(&n, &ch.pl[i], NULL) &&
		    n.type == ISAKMP_N_R_U_THERE_ACK) {
			acks_seen++;
			ack_len = n.data_len;
			memcpy(ack_data, n.data,
			       n.data_len < sizeof(ack_data) ? n.data_len :
							       sizeof(ack_data));
		}
	}
}

static bool has_dpd_vid(const struct ike_pair_pkt *p)
{
	static const uint8_t dpd[16] = {
		0xaf, 0xca, 0xd7, 0x13, 0x68, 0xa1, 0xf1, 0xc9,
		0x6b, 0x86, 0x96, 0xfc, 0x77, 0x57, 0x01, 0x00,
	};
	struct isakmp_chain ch;
	struct isakmp_err err;
	unsigned i;

	assert_int_equal(isakmp_chain_decode(&ch, p->data[16],
					     p->data + ISAKMP_HDR_LEN,
					     p->len - ISAKMP_HDR_LEN, false,
					     &err), 0);
	for (i = 0; i < ch.n; i++)
		if (ch.pl[i].type == ISAKMP_NP_VID && ch.pl[i].len == 16 &&
		    !memcmp(ch.pl[i].body, dpd, 16))
			return true;
	return false;
}

/* RFC 3706: both sides send DPD's vendor ID in the first two messages;
 * R-U-THERE-ACK carries the R-U-THERE's sequence number */
static void test_dpd(void **state)
{
	static const uint8_t seq[4] = { 0x12, 0x34, 0x56, 0x78 };
	unsigned acks;

	(void)state;
	initiate(IKE_MODE_MAIN);
	assert_true(has_dpd_vid(ike_pair_peek()));		/* 1 */
	step();
	assert_true(has_dpd_vid(ike_pair_peek()));		/* 2 */
	run(2000);
	assert_same_keys();
	ctx[0].ops.trace = op_trace_acks;
	acks_seen = 0;
	ike_send_notify_data(est[0], ISAKMP_N_R_U_THERE, seq, sizeof(seq));
	ike_pair_pump();
	assert_int_equal(acks_seen, 1);
	assert_int_equal(ack_len, 4);
	assert_memory_equal(ack_data, seq, 4);
	/* without its sequence number, not answered */
	acks = sent[1];
	ike_send_notify(est[0], ISAKMP_N_R_U_THERE);
	ike_pair_pump();
	assert_int_equal(sent[1], acks);
	assert_int_equal(acks_seen, 1);
	teardown(state);

	/* aggressive mode: messages 1 and 2 too */
	setup(state);
	initiate(IKE_MODE_AGGRESSIVE);
	assert_true(has_dpd_vid(ike_pair_peek()));
	step();
	assert_true(has_dpd_vid(ike_pair_peek()));
	run(2000);
	assert_same_keys();
}

/* RFC 2407 4.6.3.1: a responder that keeps the SA shorter than offered
 * says so; the initiator's SA ends with the responder's */
static void test_responder_lifetime(void **state)
{
	uint64_t left;

	(void)state;
	suites[1][0].lifetime = 600;
	initiate(IKE_MODE_MAIN);
	run(2000);
	assert_same_keys();
	assert_int_equal(est[1]->suite.lifetime, 600);
	assert_int_equal(est[0]->suite.lifetime, 600);
	left = ike_sa_remaining_ms(est[0]);
	assert_true(left <= 600000 && left > 590000);
	assert_true(ike_sa_remaining_ms(est[1]) >= left - 1000);
	/* at the end both are gone */
	ev_clock_set(ev_now_ms() + 600000);
	ev_timers_run();
	ike_pair_pump();
	assert_null(est[0]);
	assert_null(est[1]);
	teardown(state);

	/* the same lifetime: nothing said, 3 messages each way */
	setup(state);
	initiate(IKE_MODE_MAIN);
	run(2000);
	assert_same_keys();
	assert_int_equal(sent[1], 3);
	assert_int_equal(est[0]->suite.lifetime, 3600);
}

/* RFC 2407 4.6.3.3: INITIAL-CONTACT on a new SA deletes the older ones
 * of the same peer (address and identity) */
static void test_initial_contact(void **state)
{
	struct ike_sa *first1;

	(void)state;
	initiate(IKE_MODE_MAIN);
	run(2000);
	assert_same_keys();
	first1 = est[1];
	/* the member "restarted": a second SA, the first left at the KS */
	restart_initiator();
	ike_pair_drop();
	assert_int_equal(ctx[1].nsas, 1);
	initiate(IKE_MODE_MAIN);
	run(2000);
	assert_same_keys();
	assert_true(est[1] != first1);
	assert_int_equal(ctx[1].nsas, 2);
	ike_send_notify(est[0], ISAKMP_N_INITIAL_CONTACT);
	ike_pair_pump();
	ike_pair_tick();	/* the deletion runs from the loop */
	ike_pair_pump();
	assert_int_equal(ctx[1].nsas, 1);
	assert_non_null(est[1]);
	assert_int_equal(ctx[1].sas, est[1]);
	assert_int_equal(ctx[0].nsas, 1);
}

/* INITIAL-CONTACT in the authenticated last message of Phase 1 (as
 * strongSwan sends it in message 5) does the same; one naming another
 * SA's cookies does nothing, nor one in a clear message (aggressive mode
 * message 2 or a clear message 3: no hash covers notifies, so anyone on
 * the path could have added it) */
static void test_initial_contact_p1(void **state)
{
	uint8_t mem[128], spi[16];
	struct isakmp_chain ch;
	struct isakmp_err err;
	struct isakmp_buf b;
	unsigned pass;

	(void)state;
	initiate(IKE_MODE_MAIN);
	run(2000);
	assert_same_keys();
	restart_initiator();
	ike_pair_drop();
	initiate(IKE_MODE_MAIN);
	run(2000);
	assert_same_keys();
	assert_int_equal(ctx[1].nsas, 2);
	for (pass = 0; pass < 3; pass++) {
		memcpy(spi, est[1]->icookie, 8);
		memcpy(spi + 8, est[1]->rcookie, 8);
		if (pass == 0)
			spi[15] ^= 1;		/* another SA's */
		isakmp_buf_init(&b, mem, sizeof(mem));
		isakmp_notify_encode(&b, &(struct isakmp_notify_pl){
			.doi = ISAKMP_DOI_IPSEC, .proto = ISAKMP_PROTO_ISAKMP,
			.spi_len = 16, .spi = spi,
			.type = ISAKMP_N_INITIAL_CONTACT });
		assert_false(b.err);
		assert_int_equal(isakmp_chain_decode(&ch, ISAKMP_NP_N, b.p,
						     b.len, false, &err), 0);
		ike_p1_notifies(est[1], &ch, pass != 1);	/* 1: in the clear */
		ike_pair_tick();
		ike_pair_pump();
		assert_int_equal(ctx[1].nsas, pass == 2 ? 1 : 2);
	}
	assert_int_equal(ctx[1].sas, est[1]);
}

/* HASH(1) covers every payload after HASH, unknown ones too (RFC 2409
 * 5.7): an unknown payload before or after the notify */
static void test_hash_unknown_payloads(void **state)
{
	static const uint8_t seq[4] = { 0, 0, 0, 7 }, x[6] = "gvpn!";
	unsigned where, acks;

	(void)state;
	initiate(IKE_MODE_MAIN);
	run(2000);
	assert_same_keys();
	for (where = 0; where < 2; where++) {
		uint8_t spi[16], iv[IKE_MAX_BLOCK];
		struct isakmp_buf b;
		uint32_t msgid = 0x0badf00d + where;
		size_t off;

		memcpy(spi, est[0]->icookie, 8);
		memcpy(spi + 8, est[0]->rcookie, 8);
		off = ike_p2_begin(est[0], &b, ISAKMP_EXCH_INFO, msgid);
		if (where == 0)
			isakmp_data_encode(&b, 130, x, sizeof(x));
		isakmp_notify_encode(&b, &(struct isakmp_notify_pl){
			.doi = ISAKMP_DOI_GDOI, .proto = ISAKMP_PROTO_ISAKMP,
			.spi_len = 16, .spi = spi,
			.type = ISAKMP_N_R_U_THERE, .data = seq,
			.data_len = sizeof(seq) });
		if (where == 1)
			isakmp_data_encode(&b, 131, x, sizeof(x));
		ike_p2_hash(est[0], &b, off, msgid);
		ike_p2_iv(est[0], msgid, iv);
		acks = sent[1];
		assert_int_equal(ike_p2_send(est[0], &b, iv), 0);
		ike_pair_pump();
		assert_int_equal(sent[1], acks + 1);	/* answered */
	}
	assert_int_equal(ctx[1].stats.rx_dropped, 0);
	assert_int_equal(ctx[1].stats.rx_malformed, 0);
}

/* side 0's datagrams reach side 1 at once, from inside ike_ops.send */
static int op_send_at_once(struct ike_ctx *c, const struct sockaddr_in *local,
			   const struct sockaddr_in *to, const uint8_t *buf,
			   size_t len)
{
	int from = ike_pair_side(c);

	sent[from]++;
	if (from == 0)
		ike_input(&ctx[1], to, local, buf, len);
	return 0;
}

/*
 * Reentrancy: the member answers the key server's R-U-THERE from inside
 * the informational message that carries it, and that answer is taken
 * in (here at once, by a send op that delivers synchronously) before
 * the member has walked the rest of the message. Each message keeps its
 * own plaintext and payloads: the RESPONDER-LIFETIME after the R-U-THERE
 * still counts (with one shared decode buffer it was the ACK's payloads
 * the member went on walking).
 */
static void test_info_reentrant(void **state)
{
	static const uint8_t seq[4] = { 0, 0, 0, 9 };
	uint8_t spi[16], attrs[16], iv[IKE_MAX_BLOCK];
	struct isakmp_buf b, ab;
	uint32_t msgid = 0x7e3e7e3e;
	unsigned acks;
	size_t off;

	(void)state;
	initiate(IKE_MODE_MAIN);
	run(2000);
	assert_same_keys();
	assert_int_equal(est[0]->suite.lifetime, 3600);
	memcpy(spi, est[1]->icookie, 8);
	memcpy(spi + 8, est[1]->rcookie, 8);
	isakmp_buf_init(&ab, attrs, sizeof(attrs));
	isakmp_put_attr_basic(&ab, 1, IKE_LIFE_SECONDS);
	isakmp_put_attr_uint(&ab, 2, 600);
	assert_false(ab.err);
	off = ike_p2_begin(est[1], &b, ISAKMP_EXCH_INFO, msgid);
	isakmp_notify_encode(&b, &(struct isakmp_notify_pl){
		.doi = ISAKMP_DOI_GDOI, .proto = ISAKMP_PROTO_ISAKMP,
		.spi_len = 16, .spi = spi, .type = ISAKMP_N_R_U_THERE,
		.data = seq, .data_len = sizeof(seq) });
	isakmp_notify_encode(&b, &(struct isakmp_notify_pl){
		.doi = ISAKMP_DOI_GDOI, .proto = ISAKMP_PROTO_ISAKMP,
		.spi_len = 16, .spi = spi,
		.type = ISAKMP_N_RESPONDER_LIFETIME, .data = ab.p,
		.data_len = ab.len });
	ike_p2_hash(est[1], &b, off, msgid);
	ike_p2_iv(est[1], msgid, iv);
	assert_int_equal(ike_p2_send(est[1], &b, iv), 0);
	ctx[0].ops.send = op_send_at_once;
	acks = ctx[1].stats.rx;
	ike_pair_pump();
	/* the ACK went in (inside the member's handling), then the
	 * lifetime notify was heeded */
	assert_int_equal(ctx[1].stats.rx, acks + 1);
	assert_int_equal(ctx[1].stats.rx_dropped + ctx[1].stats.rx_malformed,
			 0);
	assert_int_equal(est[0]->suite.lifetime, 600);
	assert_true(ike_sa_remaining_ms(est[0]) <= 600000);
}

/*
 * A protected message sent while another is being built (a callback that
 * sends a notify from inside a builder's work): each has its buffer, the
 * first goes out whole (with one shared buffer it went out as garbage,
 * dropped by the peer as malformed).
 */
static void test_p2_nested_build(void **state)
{
	uint8_t iv[IKE_MAX_BLOCK];
	uint32_t msgid = 0x600dcafe;
	struct isakmp_buf b;
	size_t off, n;

	(void)state;
	initiate(IKE_MODE_MAIN);
	run(2000);
	assert_same_keys();
	off = ike_p2_begin(est[0], &b, GDOI_EXCH_PULL, msgid);
	n = isakmp_pl_begin(&b, ISAKMP_NP_NONCE);
	isakmp_put_bytes(&b, p2_nonce, sizeof(p2_nonce));
	isakmp_pl_end(&b, n);
	dpd_probe(est[0], 1);		/* meanwhile */
	ike_p2_hash(est[0], &b, off, msgid);
	ike_p2_iv(est[0], msgid, iv);
	assert_int_equal(ike_p2_send(est[0], &b, iv), 0);
	ike_pair_pump();
	assert_int_equal(p2_ok[1], 1);
	assert_int_equal(ctx[1].stats.rx_malformed, 0);
	assert_int_equal(ctx[1].stats.rx_dropped, 0);
}

/* Garbage into the responder: counted, dropped, nothing kept */
static void test_garbage(void **state)
{
	uint8_t buf[2048];
	unsigned i;

	(void)state;
	for (i = 0; i < 2000; i++) {
		size_t len = 1 + (size_t)(rand() % (int)sizeof(buf));

		RAND_bytes(buf, (int)len);
		if (len >= 28 && (i & 1)) {
			/* plausible header, random payloads */
			buf[16] = ISAKMP_NP_SA;
			buf[17] = 0x10;
			buf[18] = ISAKMP_EXCH_MAIN;
			buf[19] = 0;
			memset(buf + 8, 0, 8);
			memset(buf + 20, 0, 4);
			buf[24] = 0;
			buf[25] = 0;
			buf[26] = (uint8_t)(len >> 8);
			buf[27] = (uint8_t)len;
		}
		ike_input(&ctx[1], &addr[1], &addr[0], buf, len);
	}
	assert_int_equal(ctx[1].nsas, 0);
	assert_int_equal(ctx[1].stats.established, 0);
	assert_true(ctx[1].stats.rx_malformed + ctx[1].stats.rx_dropped +
		    ctx[1].stats.rx_bad_cookie >= 1000);
}

int main(void)
{
	const struct CMUnitTest psk[] = {
		cmocka_unit_test_setup_teardown(test_main_psk, NULL, NULL),
		cmocka_unit_test_setup_teardown(test_aggressive_psk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_aggressive_msg3_psk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_psk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_psk_aggressive, setup, teardown),
		cmocka_unit_test_setup_teardown(test_proposal_mismatch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_legacy_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusal_log, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remote_id_mismatch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retransmit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retransmit_msg4_lost, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retransmit_msg6_lost, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_answer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replayed_notify, setup, teardown),
		cmocka_unit_test_setup_teardown(test_notify_after_establishment, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flood, setup, teardown),
		cmocka_unit_test_setup_teardown(test_garbage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_plain_notify_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_undecryptable_msg5, setup, teardown),
		cmocka_unit_test_setup_teardown(test_undecryptable_info, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dpd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_responder_lifetime, setup, teardown),
		cmocka_unit_test_setup_teardown(test_initial_contact, setup, teardown),
		cmocka_unit_test_setup_teardown(test_initial_contact_p1, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hash_unknown_payloads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_info_reentrant, setup, teardown),
		cmocka_unit_test_setup_teardown(test_p2_nested_build, setup, teardown),
		cmocka_unit_test_setup_teardown(test_padded_psk, NULL, NULL),
	};
	const struct CMUnitTest rsa[] = {
		cmocka_unit_test_setup_teardown(test_main_rsa, setup, teardown),
		cmocka_unit_test_setup_teardown(test_aggressive_rsa_fqdn, setup, teardown),
		cmocka_unit_test_setup_teardown(test_aggressive_msg3_rsa, setup, teardown),
		cmocka_unit_test_setup_teardown(test_padded_rsa, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rsa_ipv4_id, setup, teardown),
		cmocka_unit_test_setup_teardown(test_untrusted_cert, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expired_cert, setup, teardown),
		cmocka_unit_test_setup_teardown(test_aggressive_refused_msg3, setup, teardown),
	};
	int rc;

	/* failures are logged; keep the test output readable */
	log_init("test_ike_p1", true, getenv("IKE_TEST_DEBUG") ? LOG_DEBUG : LOG_EMERG);
	srand((unsigned)time(NULL));
	rc = cmocka_run_group_tests_name("ike phase 1, pre-shared keys", psk,
					 NULL, NULL);
	rc |= cmocka_run_group_tests_name("ike phase 1, certificates", rsa,
					  cert_group_setup, cert_group_teardown);
	return rc;
}
