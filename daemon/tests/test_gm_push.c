// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * Unit tests of the member's GROUPKEY-PUSH receiver (gm/gm_push.c): the
 * pure rules (sequence, pseudotime, heartbeat deadline, Delete selection)
 * and the receiver itself, fed with pushes that the real codec builds and
 * signs (gdoi_push_build). gvpn.ko is not reachable here, so the pushes
 * that carry keys carry TEKs outside the member's scope rules: they go
 * through every check and the installation without a kernel request.
 */

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "gdoi/gdoi_push.h"
#include "gm/gm.h"
#include "ike/ike.h"

static EVP_PKEY *ks_key, *other_key;
static struct gm_ctx gm;
static struct gdoi_ctx gdoi;
static struct gm_group_conf gc;
static struct gm_sel scope;
static struct ike_peer ks_peer;
static struct ike_ctx ike;
static uint8_t traced[ISAKMP_MAX_MSG];
static size_t traced_len;
static unsigned ntraced;

static void trace(struct ike_ctx *ctx, const struct sockaddr_in *src,
		  const struct sockaddr_in *dst, const uint8_t *buf, size_t len)
{
	(void)ctx;
	(void)src;
	(void)dst;
	assert_true(len <= sizeof(traced));
	memcpy(traced, buf, len);
	traced_len = len;
	ntraced++;
}
static uint8_t msg[ISAKMP_MAX_MSG];

static const uint8_t old_spi[GDOI_KEK_SPI_LEN] = "kek-spi-0123456";
static const uint8_t new_spi[GDOI_KEK_SPI_LEN] = "new-kek-spi-abcd";
static const uint8_t kek_key_old[16] = "old-kek-key-0123";
static const uint8_t kek_key_new[16] = "new-kek-key-4567";

/* --- helpers --------------------------------------------------------------- */

static uint8_t *pubkey_der(EVP_PKEY *k, size_t *len)
{
	uint8_t *der = NULL;
	int n = i2d_PUBKEY(k, &der);

	assert_true(n > 0);
	*len = (size_t)n;
	return der;
}

static void group_new(void)
{
	struct gm_group *grp;
	struct gm_kek *k;
	uint8_t *der;
	size_t len;

	memset(&gm, 0, sizeof(gm));
	memset(&gdoi, 0, sizeof(gdoi));
	memset(&gc, 0, sizeof(gc));
	gc.id = 1234;
	strcpy(gc.name, "g1");
	gc.retries = 3;
	gc.interval_ms = 10000;
	gc.hb_threshold = 3;
	/* the pushes' TEKs (10.1/16 -> 10.2/16) are outside: no kernel */
	scope = (struct gm_sel){ .src_plen = 16, .dst_plen = 16,
				 .sport_max = 65535, .dport_max = 65535 };
	inet_pton(AF_INET, "192.168.0.0", &scope.src);
	inet_pton(AF_INET, "192.168.0.0", &scope.dst);
	gc.nscope = 1;
	gc.scope = &scope;

	gm.gdoi = &gdoi;
	gm.groups = calloc(1, sizeof(*gm.groups));
	assert_non_null(gm.groups);
	gm.groups[0] = calloc(1, sizeof(*gm.groups[0]));
	assert_non_null(gm.groups[0]);
	gm.ngroups = 1;
	grp = gm.groups[0];
	grp->gm = &gm;
	grp->c = &gc;
	grp->cur_server = -1;
	grp->state = GM_REGISTERED;
	inet_pton(AF_INET, "192.0.2.10", &grp->local);
	gm_push_group_init(grp);
	gm_push_init(&gm);
	assert_ptr_equal(gdoi.gm_push, gm_push_input);

	/* what a registration left: KEK, SEQ 5 */
	k = &grp->kek;
	k->present = true;
	memcpy(k->spi, old_spi, sizeof(k->spi));
	k->alg = GDOI_KEK_ALG_AES;
	k->key_bits = 128;
	k->key_len = 16;
	memcpy(k->key, kek_key_old, 16);
	k->sig_hash = GDOI_SIG_HASH_SHA256;
	der = pubkey_der(ks_key, &len);
	k->sig_key = malloc(len);
	assert_non_null(k->sig_key);
	memcpy(k->sig_key, der, len);
	k->sig_key_len = len;
	OPENSSL_free(der);
	grp->has_seq = true;
	grp->seq = 5;
}

static void kek_wipe(struct gm_kek *k)
{
	if (k->sig_key)
		OPENSSL_clear_free(k->sig_key, k->sig_key_len);
	memset(k, 0, sizeof(*k));
}

static void group_free(void)
{
	struct gm_group *grp = gm.groups[0];

	ev_timer_del(&grp->timer);
	ev_timer_del(&grp->gc_timer);
	gm_push_group_fini(grp);
	kek_wipe(&grp->kek);
	free(grp);
	free(gm.groups);
	memset(&gm, 0, sizeof(gm));
}

static struct gm_group *G(void)
{
	return gm.groups[0];
}

/* The key server's view of a KEK */
static void ks_kek(struct gdoi_kek_keys *k, const uint8_t *spi,
		   const uint8_t *key, EVP_PKEY *sig)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->spi, spi, GDOI_KEK_SPI_LEN);
	k->alg = GDOI_KEK_ALG_AES;
	k->key_bits = 128;
	memcpy(k->key, key, 16);
	k->sig_hash = GDOI_SIG_HASH_SHA256;
	k->sig_key = sig;
}

/* Builds p under k and hands it to the receiver as the main socket would */
static void deliver_n(const struct gdoi_kek_keys *k, const struct gdoi_push *p,
		      size_t cut)
{
	struct sockaddr_in local = { .sin_family = AF_INET,
				     .sin_port = htons(848) };
	struct sockaddr_in peer = local;
	struct isakmp_hdr h;
	struct isakmp_err err;
	int n = gdoi_push_build(k, p, msg, sizeof(msg), NULL, NULL);

	assert_true(n > 0);
	inet_pton(AF_INET, "192.0.2.10", &local.sin_addr);
	inet_pton(AF_INET, "192.0.2.1", &peer.sin_addr);
	assert_int_equal(isakmp_hdr_decode(&h, msg, (size_t)n, &err), 0);
	if (cut)
		n = (int)cut;
	gm_push_input(&gm, &local, &peer, &h, msg, (size_t)n);
}

static void deliver(const struct gdoi_kek_keys *k, const struct gdoi_push *p)
{
	deliver_n(k, p, 0);
}

static void heartbeat(const struct gdoi_kek_keys *k, uint32_t seq)
{
	struct gdoi_push p = { .seq = seq };

	deliver(k, &p);
}

/* A push with SA (SA KEK spi/key/sig, one TEK) and KD */
struct rekey_buf {
	uint8_t kek_attrs[64], tek_attrs[128], gap_attrs[16];
	uint8_t kek_kd[600], tek_kd[64], tek_spi[4];
	uint8_t src[8], dst[8], ks[4];
	uint8_t *der;
};

static void rekey_fill(struct rekey_buf *b, struct gdoi_push *p, uint32_t seq,
		       const uint8_t *spi, const uint8_t *key, EVP_PKEY *sig,
		       uint32_t tek_spi, bool pst, uint64_t pst_ms)
{
	static const uint8_t src[8] = { 10, 1, 0, 0, 255, 255, 0, 0 };
	static const uint8_t dst[8] = { 10, 2, 0, 0, 255, 255, 0, 0 };
	struct isakmp_buf w;
	uint8_t tkey[36], pv[8];
	size_t der_len = 0;
	int i;

	memset(p, 0, sizeof(*p));
	memset(tkey, 0x42, sizeof(tkey));
	memcpy(b->src, src, 8);
	memcpy(b->dst, dst, 8);
	inet_pton(AF_INET, "192.0.2.1", b->ks);
	p->seq = seq;
	p->has_sa = true;
	p->sa.doi = ISAKMP_DOI_GDOI;
	p->sa.has_kek = true;
	p->sa.kek.proto = 17;
	p->sa.kek.src = (struct gdoi_sel){ ISAKMP_ID_IPV4_ADDR, 848, 4, b->ks };
	p->sa.kek.dst = (struct gdoi_sel){ ISAKMP_ID_IPV4_ADDR, 848, 4, b->ks };
	memcpy(p->sa.kek.spi, spi, GDOI_KEK_SPI_LEN);
	p->sa.kek.trailer_len = 4;
	isakmp_buf_init(&w, b->kek_attrs, sizeof(b->kek_attrs));
	isakmp_put_attr_basic(&w, GDOI_KEK_ALGORITHM, GDOI_KEK_ALG_AES);
	isakmp_put_attr_basic(&w, GDOI_KEK_KEY_LENGTH, 128);
	isakmp_put_attr_uint(&w, GDOI_KEK_KEY_LIFETIME, 86400);
	isakmp_put_attr_basic(&w, GDOI_KEK_SIG_HASH_ALGORITHM,
			      GDOI_SIG_HASH_SHA256);
	isakmp_put_attr_basic(&w, GDOI_KEK_SIG_ALGORITHM, GDOI_SIG_ALG_RSA);
	isakmp_put_attr_basic(&w, GDOI_KEK_ATTR_GVPN_PUSH_INTERVAL, 300);
	assert_false(w.err);
	p->sa.kek.attrs = (struct isakmp_attrs){ b->kek_attrs, w.len };

	isakmp_buf_init(&w, b->tek_attrs, sizeof(b->tek_attrs));
	isakmp_put_attr_basic(&w, TEK_ATTR_LIFE_TYPE, TEK_LIFE_SECONDS);
	isakmp_put_attr_uint(&w, TEK_ATTR_LIFE_DURATION, 3600);
	isakmp_put_attr_basic(&w, TEK_ATTR_ENCAP_MODE, TEK_ENCAP_TUNNEL);
	isakmp_put_attr_basic(&w, TEK_ATTR_KEY_LENGTH, 128);
	isakmp_put_attr_basic(&w, TEK_ATTR_AUTH_ALG, TEK_AUTH_HMAC_SHA1);
	isakmp_put_attr_basic(&w, TEK_ATTR_ADDR_PRESERVATION,
			      TEK_ADDR_PRES_BOTH);
	if (pst) {
		for (i = 7; i >= 0; i--, pst_ms >>= 8)
			pv[i] = (uint8_t)pst_ms;
		isakmp_put_attr_basic(&w, TEK_ATTR_GVPN_TBAR_WINDOW, 10);
		isakmp_put_attr_basic(&w, TEK_ATTR_GVPN_CLOCK,
				      GVPN_CLOCK_PSEUDO);
		isakmp_put_attr_var(&w, TEK_ATTR_GVPN_PSEUDOTIME_MS, pv, 8);
	}
	assert_false(w.err);
	p->sa.ntek = 1;
	p->sa.tek[0] = (struct gdoi_sat){
		.proto_id = GDOI_PROTO_IPSEC_ESP,
		.src = { ISAKMP_ID_IPV4_ADDR_SUBNET, 0, 8, b->src },
		.dst = { ISAKMP_ID_IPV4_ADDR_SUBNET, 0, 8, b->dst },
		.transform = TEK_ESP_AES_CBC, .spi = tek_spi,
		.attrs = { b->tek_attrs, w.len },
	};
	isakmp_buf_init(&w, b->gap_attrs, sizeof(b->gap_attrs));
	isakmp_put_attr_basic(&w, GDOI_GAP_ACTIVATION_TIME_DELAY, 2);
	isakmp_put_attr_basic(&w, GDOI_GAP_DEACTIVATION_TIME_DELAY, 4);
	p->sa.has_gap = true;
	p->sa.gap.attrs = (struct isakmp_attrs){ b->gap_attrs, w.len };

	b->tek_spi[0] = (uint8_t)(tek_spi >> 24);
	b->tek_spi[1] = (uint8_t)(tek_spi >> 16);
	b->tek_spi[2] = (uint8_t)(tek_spi >> 8);
	b->tek_spi[3] = (uint8_t)tek_spi;
	isakmp_buf_init(&w, b->tek_kd, sizeof(b->tek_kd));
	isakmp_put_attr_var(&w, GDOI_KD_TEK_ALGORITHM_KEY, tkey, 16);
	isakmp_put_attr_var(&w, GDOI_KD_TEK_INTEGRITY_KEY, tkey + 16, 20);
	assert_false(w.err);
	p->kd.pkt[0] = (struct gdoi_key_packet){
		.type = GDOI_KD_TEK, .spi_len = 4, .spi = b->tek_spi,
		.attrs = { b->tek_kd, w.len },
	};
	isakmp_buf_init(&w, b->kek_kd, sizeof(b->kek_kd));
	isakmp_put_attr_var(&w, GDOI_KD_KEK_ALGORITHM_KEY, key, 16);
	b->der = NULL;
	if (sig) {
		b->der = pubkey_der(sig, &der_len);
		isakmp_put_attr_var(&w, GDOI_KD_KEK_SIGNATURE_KEY, b->der,
				    (uint16_t)der_len);
	}
	assert_false(w.err);
	p->kd.pkt[1] = (struct gdoi_key_packet){
		.type = GDOI_KD_KEK, .spi_len = GDOI_KEK_SPI_LEN, .spi = spi,
		.attrs = { b->kek_kd, w.len },
	};
	p->kd.n = 2;
}

static void rekey_done(struct rekey_buf *b)
{
	OPENSSL_free(b->der);
	b->der = NULL;
}

/* --- pure rules ------------------------------------------------------------ */

static void test_seq_rules(void **state)
{
	(void)state;
	/* GM-18: drop seq <= last, accept any larger */
	assert_int_equal(gm_push_seq_check(true, 5, false, 5), -1);
	assert_int_equal(gm_push_seq_check(true, 5, false, 4), -1);
	assert_int_equal(gm_push_seq_check(true, 5, false, 0), -1);
	assert_int_equal(gm_push_seq_check(true, 5, false, 6), 0);
	assert_int_equal(gm_push_seq_check(true, 5, false, 0xffffffff), 0);
	/* after a KEK rekey: any seq >= 1, even below the last */
	assert_int_equal(gm_push_seq_check(true, 5, true, 1), 0);
	assert_int_equal(gm_push_seq_check(true, 5, true, 0), -1);
	/* a registration without SEQ: the same */
	assert_int_equal(gm_push_seq_check(false, 0, false, 1), 0);
	assert_int_equal(gm_push_seq_check(false, 0, false, 0), -1);
}

static void test_pst_rules(void **state)
{
	uint32_t skew;

	(void)state;
	/* TB-12: allowable skew min(window, 30 s) */
	assert_int_equal(gm_push_pst_check(100000, 100000, 10, &skew), 0);
	assert_int_equal(skew, 10000);
	assert_int_equal(gm_push_pst_check(100000, 91000, 10, &skew), 0);
	assert_int_equal(gm_push_pst_check(100000, 89999, 10, &skew), -1);
	assert_int_equal(gm_push_pst_check(100000, 110000, 10, &skew), 0);
	assert_int_equal(gm_push_pst_check(100000, 110001, 10, &skew), 1);
	/* a wide window is capped at 30 s */
	assert_int_equal(gm_push_pst_check(100000, 69999, 3600, &skew), -1);
	assert_int_equal(skew, 30000);
	assert_int_equal(gm_push_pst_check(100000, 70000, 3600, &skew), 0);
	assert_int_equal(gm_push_pst_check(100000, 130001, 3600, &skew), 1);
	/* the member's clock at 0 and a key server far ahead */
	assert_int_equal(gm_push_pst_check(0, 20008000, 30, &skew), 1);
}

static void test_hb_deadline(void **state)
{
	(void)state;
	/* HB-02: threshold x interval + the retransmission slack (<= 8 s) */
	assert_int_equal(gm_push_hb_deadline(1000, 300, 3), 1000 + 908000);
	assert_int_equal(gm_push_hb_deadline(0, 2, 3), 8000);
	assert_int_equal(gm_push_hb_deadline(0, 10, 1), 18000);
	/* off: no interval announced, or threshold 0 */
	assert_int_equal(gm_push_hb_deadline(1000, 0, 3), 0);
	assert_int_equal(gm_push_hb_deadline(1000, 300, 0), 0);
}

static void test_failover_after(void **state)
{
	struct gm_failover f;

	(void)state;
	/* HB-02: the silent server (1 of 3) last: 2, then on as GM-05 */
	gm_failover_after(&f, 1, 2, 3);
	assert_int_equal(gm_failover_next(&f, 2, 3), 2);
	assert_int_equal(gm_failover_next(&f, 2, 3), 2);
	assert_int_equal(gm_failover_next(&f, 2, 3), 0);
	/* the last one: round to the first */
	gm_failover_after(&f, 2, 3, 3);
	assert_int_equal(gm_failover_next(&f, 3, 3), 0);
	assert_int_equal(gm_failover_next(&f, 3, 3), 0);
	/* one try per server */
	gm_failover_after(&f, 0, 1, 2);
	assert_int_equal(gm_failover_next(&f, 1, 2), 1);
	assert_int_equal(gm_failover_next(&f, 1, 2), 0);
	/* a single server: it again, from its first try */
	gm_failover_after(&f, 0, 3, 1);
	assert_int_equal(gm_failover_next(&f, 3, 1), 0);
	assert_int_equal(f.tries, 0);
}

static void test_del_select(void **state)
{
	struct gm_ksa sas[3] = {
		{ .spi = 0x1000 }, { .spi = 0x2000 }, { .spi = 0x3000 },
	};
	static const uint8_t zero4[4], spi2[8] = { 0, 0, 0x20, 0, 0, 0, 0x99, 0x99 };
	static const uint8_t zero16[16];
	uint32_t out[6];
	struct isakmp_delete_pl d = {
		.doi = ISAKMP_DOI_GDOI, .proto = GDOI_PROTO_IPSEC_ESP,
		.spi_len = 4, .nspi = 1, .spis = zero4,
	};

	(void)state;
	/* GM-16: SPI 0 = every TEK */
	assert_int_equal(gm_push_del_select(&d, sas, 3, old_spi, out), 3);
	assert_int_equal(out[0], 0x1000);
	assert_int_equal(out[2], 0x3000);
	/* by SPI; unknown SPIs name nothing */
	d.spis = spi2;
	d.nspi = 2;
	assert_int_equal(gm_push_del_select(&d, sas, 3, old_spi, out), 1);
	assert_int_equal(out[0], 0x2000);
	/* no SAs: nothing */
	d.spis = zero4;
	d.nspi = 1;
	assert_int_equal(gm_push_del_select(&d, sas, 0, old_spi, out), 0);
	/* 16-byte SPIs: the KEK, ours or all (0); another's is nothing */
	d.spi_len = GDOI_KEK_SPI_LEN;
	d.spis = zero16;
	assert_int_equal(gm_push_del_select(&d, sas, 3, old_spi, out), -1);
	d.spis = old_spi;
	assert_int_equal(gm_push_del_select(&d, sas, 3, old_spi, out), -1);
	d.spis = new_spi;
	assert_int_equal(gm_push_del_select(&d, sas, 3, old_spi, out), 0);
	/* neither */
	d.spi_len = 8;
	d.spis = spi2;
	assert_int_equal(gm_push_del_select(&d, sas, 3, old_spi, out), -2);
	d.spi_len = 4;
	d.proto = GDOI_PROTO_IPSEC_AH;
	assert_int_equal(gm_push_del_select(&d, sas, 3, old_spi, out), -2);
}

/* --- the receiver ---------------------------------------------------------- */

static void test_seq_receiver(void **state)
{
	struct gdoi_kek_keys k;

	(void)state;
	group_new();
	ks_kek(&k, old_spi, kek_key_old, ks_key);
	heartbeat(&k, 6);
	assert_int_equal(G()->seq, 6);
	assert_int_equal(G()->push.heartbeats, 1);
	assert_int_equal(G()->push.rx, 1);
	/* the same seq again: a retransmission, counted, nothing changes */
	heartbeat(&k, 6);
	assert_int_equal(G()->push.duplicates, 1);
	assert_int_equal(G()->push.rejected[GM_PUSH_REJ_SEQ], 0);
	/* older: refused, counted, SEQ kept */
	heartbeat(&k, 3);
	heartbeat(&k, 5);
	assert_int_equal(G()->seq, 6);
	assert_int_equal(G()->push.rejected[GM_PUSH_REJ_SEQ], 2);
	assert_int_equal(G()->push.heartbeats, 1);
	/* any larger one, however large the gap */
	heartbeat(&k, 1000000);
	assert_int_equal(G()->seq, 1000000);
	assert_int_equal(G()->push.heartbeats, 2);
	assert_int_equal(G()->push.rx, 5);
	group_free();
}

static void test_refused_untouched(void **state)
{
	struct gdoi_kek_keys k, forged, wrongkey, foreign;
	struct rekey_buf b;
	struct gdoi_push p;

	(void)state;
	group_new();
	ks_kek(&k, old_spi, kek_key_old, ks_key);
	ks_kek(&forged, old_spi, kek_key_old, other_key);
	ks_kek(&wrongkey, old_spi, kek_key_new, ks_key);
	ks_kek(&foreign, new_spi, kek_key_old, ks_key);

	/* signed with another key: a KEK rekey that would replace it all */
	rekey_fill(&b, &p, 6, new_spi, kek_key_new, other_key, 0x1111, false,
		   0);
	deliver(&forged, &p);
	assert_int_equal(G()->push.rejected[GM_PUSH_REJ_FAILURE], 1);
	/* encrypted under another key */
	deliver(&wrongkey, &p);
	assert_int_equal(G()->push.rejected[GM_PUSH_REJ_FAILURE], 2);
	/* truncated */
	deliver_n(&k, &p, 100);
	assert_int_equal(G()->push.rejected[GM_PUSH_REJ_FAILURE], 3);
	/* for a KEK no group has */
	deliver(&foreign, &p);
	assert_int_equal(gm.push_unknown, 1);
	/* ... from the group's own key server: the group's refusal */
	inet_pton(AF_INET, "192.0.2.1", &ks_peer.addr);
	gc.servers[0] = &ks_peer;
	gc.nservers = 1;
	G()->cur_server = 0;
	deliver(&foreign, &p);
	assert_int_equal(gm.push_unknown, 1);
	assert_int_equal(G()->push.rejected[GM_PUSH_REJ_FAILURE], 4);
	rekey_done(&b);

	assert_int_equal(G()->push.rx, 4);
	assert_int_equal(G()->push.installed, 0);
	assert_int_equal(G()->seq, 5);
	assert_memory_equal(G()->kek.spi, old_spi, GDOI_KEK_SPI_LEN);
	assert_memory_equal(G()->kek.key, kek_key_old, 16);
	assert_false(G()->push.prev_kek.present);
	assert_int_equal(G()->push.last_rekey_ms, 0);
	/* and the genuine one still passes */
	heartbeat(&k, 6);
	assert_int_equal(G()->seq, 6);
	group_free();
}

static void test_kek_rekey(void **state)
{
	struct gdoi_kek_keys k_old, k_new, k_new_badsig, k_forged;
	struct rekey_buf b;
	struct gdoi_push p;
	uint64_t now;

	(void)state;
	group_new();
	ks_kek(&k_old, old_spi, kek_key_old, ks_key);
	/* the new KEK comes with a new signing key, other_key */
	ks_kek(&k_new, new_spi, kek_key_new, other_key);
	ks_kek(&k_new_badsig, new_spi, kek_key_new, ks_key);

	rekey_fill(&b, &p, 9, new_spi, kek_key_new, other_key, 0x1111, false,
		   0);
	now = ev_now_ms();
	deliver(&k_old, &p);
	rekey_done(&b);
	assert_int_equal(G()->push.rejected[GM_PUSH_REJ_FAILURE] +
			 G()->push.rejected[GM_PUSH_REJ_SA] +
			 G()->push.rejected[GM_PUSH_REJ_INSTALL], 0);
	assert_int_equal(G()->push.installed, 1);
	assert_int_equal(G()->seq, 9);
	assert_memory_equal(G()->kek.spi, new_spi, GDOI_KEK_SPI_LEN);
	assert_memory_equal(G()->kek.key, kek_key_new, 16);
	assert_int_equal(G()->kek.push_interval_s, 300);
	assert_true(G()->kek.expires_ms >= now + 86400000ull);
	assert_true(G()->push.prev_kek.present);
	assert_memory_equal(G()->push.prev_kek.spi, old_spi,
			    GDOI_KEK_SPI_LEN);
	assert_true(G()->push.seq_reset);
	assert_true(G()->push.last_rekey_ms >= now);
	/* what "gm show" reports of it: SEQ, on the unicast socket */
	assert_int_equal(G()->push.last_rekey_seq, 9);
	assert_false(G()->push.last_rekey_mcast);
	/* HB-02: watching from now on, 3 x 300 s + 8 s */
	assert_true(G()->push.hb_deadline_ms >= now + 908000);
	assert_true(G()->push.hb_deadline_ms <= ev_now_ms() + 908000);
	/* the TEK was outside the scope: nothing of it kept */
	assert_int_equal(G()->nsa, 0);

	/* RK-11: a retransmission of the KEK rekey is a quiet duplicate */
	rekey_fill(&b, &p, 9, new_spi, kek_key_new, other_key, 0x1111, false,
		   0);
	deliver(&k_old, &p);
	rekey_done(&b);
	assert_int_equal(G()->push.duplicates, 1);
	assert_int_equal(G()->push.rejected[GM_PUSH_REJ_SEQ], 0);
	/* an older push under the replaced KEK: a replay, refused */
	heartbeat(&k_old, 7);
	assert_int_equal(G()->push.rejected[GM_PUSH_REJ_SEQ], 1);
	assert_int_equal(G()->push.duplicates, 1);
	/* forged under the replaced KEK: refused */
	ks_kek(&k_forged, old_spi, kek_key_old, other_key);
	heartbeat(&k_forged, 9);
	assert_int_equal(G()->push.rejected[GM_PUSH_REJ_FAILURE], 1);
	assert_int_equal(G()->seq, 9);
	assert_memory_equal(G()->kek.spi, new_spi, GDOI_KEK_SPI_LEN);
	/* a push signed with the replaced signing key: refused */
	heartbeat(&k_new_badsig, 10);
	assert_int_equal(G()->push.rejected[GM_PUSH_REJ_FAILURE], 2);
	/* GM-18: under the new KEK the sequence starts again */
	heartbeat(&k_new, 1);
	assert_int_equal(G()->seq, 1);
	assert_false(G()->push.seq_reset);
	heartbeat(&k_new, 1);
	assert_int_equal(G()->push.duplicates, 2);
	assert_int_equal(G()->push.rejected[GM_PUSH_REJ_SEQ], 1);
	heartbeat(&k_new, 2);
	heartbeat(&k_new, 1);
	assert_int_equal(G()->push.rejected[GM_PUSH_REJ_SEQ], 2);
	assert_int_equal(G()->seq, 2);
	group_free();
}

static void test_pst_receiver(void **state)
{
	struct gdoi_kek_keys k;
	struct rekey_buf b;
	struct gdoi_push p;
	uint64_t mine = 1000000000;

	(void)state;
	group_new();
	ks_kek(&k, old_spi, kek_key_old, ks_key);
	G()->push.pst_valid = true;
	G()->push.pst_ms = mine;
	G()->push.pst_at_ms = ev_now_ms();
	/* 60 s behind with a 10 s window: PSEUDO_TIME_TOO_OLD */
	rekey_fill(&b, &p, 6, old_spi, kek_key_old, NULL, 0x2222, true,
		   mine - 60000);
	deliver(&k, &p);
	rekey_done(&b);
	assert_int_equal(G()->push.rejected[GM_PUSH_REJ_PST], 1);
	assert_int_equal(G()->seq, 5);
	assert_int_equal(G()->push.installed, 0);
	assert_int_equal(G()->push.pst_ms, mine);
	/* 5 s behind: accepted and adopted */
	rekey_fill(&b, &p, 6, old_spi, kek_key_old, NULL, 0x2222, true,
		   mine - 5000);
	deliver(&k, &p);
	rekey_done(&b);
	assert_int_equal(G()->push.installed, 1);
	assert_int_equal(G()->seq, 6);
	assert_int_equal(G()->push.pst_ms, mine - 5000);
	/* the same SPI kept its signing key (none in the KD) */
	assert_non_null(G()->kek.sig_key);
	assert_false(G()->push.prev_kek.present);
	/* far ahead: PSEUDO_TIME_LARGE, accepted, adopted */
	rekey_fill(&b, &p, 7, old_spi, kek_key_old, NULL, 0x2222, true,
		   mine + 3600000);
	deliver(&k, &p);
	rekey_done(&b);
	assert_int_equal(G()->push.installed, 2);
	assert_int_equal(G()->push.rejected[GM_PUSH_REJ_PST], 1);
	assert_int_equal(G()->push.pst_ms, mine + 3600000);
	/* a heartbeat still works under the unchanged KEK */
	heartbeat(&k, 8);
	assert_int_equal(G()->seq, 8);
	group_free();
}

static void test_delete_kek(void **state)
{
	static const uint8_t zero16[16];
	struct gdoi_kek_keys k;
	struct gdoi_push p = { .seq = 6, .ndel = 1 };

	(void)state;
	group_new();
	ks_kek(&k, old_spi, kek_key_old, ks_key);
	/* a Delete of TEK SPI 0 with no TEKs installed: nothing to do */
	p.del[0] = (struct isakmp_delete_pl){
		.doi = ISAKMP_DOI_GDOI, .proto = GDOI_PROTO_IPSEC_ESP,
		.spi_len = 4, .nspi = 1, .spis = zero16,
	};
	deliver(&k, &p);
	assert_int_equal(G()->seq, 6);
	assert_true(G()->kek.present);
	assert_true(G()->push.last_rekey_ms > 0);
	/* a Delete with 8-byte SPIs names nothing we know: refused */
	p.seq = 7;
	p.del[0].spi_len = 8;
	p.del[0].nspi = 2;
	deliver(&k, &p);
	assert_int_equal(G()->push.rejected[GM_PUSH_REJ_FAILURE], 1);
	assert_int_equal(G()->seq, 6);
	/* the KEK, SPI 0: gone, and with it any further push */
	p.del[0].spi_len = GDOI_KEK_SPI_LEN;
	p.del[0].nspi = 1;
	deliver(&k, &p);
	assert_false(G()->kek.present);
	heartbeat(&k, 8);
	assert_int_equal(gm.push_unknown, 1);
	group_free();
}

/* the pcap option: a push that decrypted is traced as plaintext */
static void test_trace(void **state)
{
	struct gdoi_kek_keys k, forged;
	struct rekey_buf b;
	struct gdoi_push p;
	struct isakmp_chain c;
	struct isakmp_hdr h;
	struct isakmp_err err;

	(void)state;
	group_new();
	memset(&ike, 0, sizeof(ike));
	ike.ops.trace = trace;
	gm.ike = &ike;
	ntraced = 0;
	ks_kek(&k, old_spi, kek_key_old, ks_key);
	ks_kek(&forged, old_spi, kek_key_old, other_key);
	rekey_fill(&b, &p, 6, old_spi, kek_key_old, NULL, 0x4444, false, 0);
	deliver(&k, &p);
	rekey_done(&b);
	assert_int_equal(ntraced, 1);
	assert_int_equal(isakmp_hdr_decode(&h, traced, traced_len, &err), 0);
	assert_false(h.flags & ISAKMP_FLAG_E);
	assert_int_equal(h.exch, GDOI_EXCH_PUSH);
	assert_int_equal(isakmp_chain_decode(&c, h.np, traced + ISAKMP_HDR_LEN,
					     traced_len - ISAKMP_HDR_LEN, false,
					     &err), 0);
	assert_int_equal(c.pl[0].type, ISAKMP_NP_SEQ);
	assert_int_equal(c.pl[c.n - 1].type, ISAKMP_NP_SIG);
	/* one that does not verify is not */
	heartbeat(&forged, 7);
	assert_int_equal(ntraced, 1);
	gm.ike = NULL;
	group_free();
}

static void test_delete_and_new_kek(void **state)
{
	static const uint8_t zero16[16];
	struct gdoi_kek_keys k_old, k_new;
	struct rekey_buf b;
	struct gdoi_push p;

	(void)state;
	group_new();
	ks_kek(&k_old, old_spi, kek_key_old, ks_key);
	ks_kek(&k_new, new_spi, kek_key_new, ks_key);
	/* D (every KEK), SA KEK (a new one): the old KEK goes first, the
	 * new one stays, and nothing recognises the old one any more */
	rekey_fill(&b, &p, 6, new_spi, kek_key_new, NULL, 0x3333, false, 0);
	p.ndel = 1;
	p.del[0] = (struct isakmp_delete_pl){
		.doi = ISAKMP_DOI_GDOI, .proto = GDOI_PROTO_IPSEC_ESP,
		.spi_len = GDOI_KEK_SPI_LEN, .nspi = 1, .spis = zero16,
	};
	deliver(&k_old, &p);
	rekey_done(&b);
	assert_int_equal(G()->push.installed, 1);
	assert_true(G()->kek.present);
	assert_memory_equal(G()->kek.spi, new_spi, GDOI_KEK_SPI_LEN);
	/* the signing key of the deleted KEK carried over: none in the KD */
	assert_non_null(G()->kek.sig_key);
	assert_false(G()->push.prev_kek.present);
	heartbeat(&k_old, 7);
	assert_int_equal(gm.push_unknown, 1);
	assert_int_equal(G()->push.duplicates, 0);
	/* under the new KEK the sequence starts again */
	heartbeat(&k_new, 1);
	assert_int_equal(G()->seq, 1);
	group_free();
}

/*
 * A push of a compat = "rfc3547" key server (RFC 3547 4: SEQ, SA, KD, SIG;
 * the SA KEK with 6 bytes after its SPI, the SA TEK with 1-byte ID
 * lengths, no GAP, no ACK asked): the member follows it as it follows
 * RFC 6407's: KEK replaced, SEQ taken, the TEK through the plan, no ACK.
 */
static void test_rfc3547_push(void **state)
{
	struct gdoi_kek_keys k_old, k_new;
	struct rekey_buf b;
	struct gdoi_push p;

	(void)state;
	group_new();
	ks_kek(&k_old, old_spi, kek_key_old, ks_key);
	ks_kek(&k_new, new_spi, kek_key_new, ks_key);
	rekey_fill(&b, &p, 6, new_spi, kek_key_new, ks_key, 0x2222, false, 0);
	p.sa.has_gap = false;
	p.sa.kek.trailer_len = 6;
	memset(p.sa.kek.trailer, 0, 6);
	p.sa.kek.trailer[1] = GDOI_SIG_ALG_RSA;
	p.sa.kek.trailer[2] = 0x04;
	p.sa.tek[0].id_len8 = true;
	p.rfc3547 = true;
	deliver(&k_old, &p);
	rekey_done(&b);
	assert_int_equal(G()->push.rejected[GM_PUSH_REJ_FAILURE] +
			 G()->push.rejected[GM_PUSH_REJ_SA] +
			 G()->push.rejected[GM_PUSH_REJ_INSTALL], 0);
	assert_int_equal(G()->push.installed, 1);
	assert_int_equal(G()->seq, 6);
	assert_int_equal(G()->push.acks, 0);
	assert_memory_equal(G()->kek.spi, new_spi, GDOI_KEK_SPI_LEN);
	assert_memory_equal(G()->kek.key, kek_key_new, 16);
	/* the next one under the new KEK (SEQ restarts), again RFC 3547's */
	rekey_fill(&b, &p, 1, new_spi, kek_key_new, NULL, 0x3333, false, 0);
	p.sa.has_gap = false;
	p.sa.tek[0].id_len8 = true;
	p.rfc3547 = true;
	deliver(&k_new, &p);
	rekey_done(&b);
	assert_int_equal(G()->push.installed, 2);
	assert_int_equal(G()->seq, 1);
	assert_int_equal(G()->push.acks, 0);
	/* a retransmission of it: a duplicate, no ACK either */
	rekey_fill(&b, &p, 1, new_spi, kek_key_new, NULL, 0x3333, false, 0);
	p.sa.has_gap = false;
	p.sa.tek[0].id_len8 = true;
	p.rfc3547 = true;
	deliver(&k_new, &p);
	rekey_done(&b);
	assert_int_equal(G()->push.duplicates, 1);
	assert_int_equal(G()->push.acks, 0);
	group_free();
}

static int setup(void **state)
{
	(void)state;
	ks_key = EVP_RSA_gen(2048);
	other_key = EVP_RSA_gen(2048);
	return ks_key && other_key ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	EVP_PKEY_free(ks_key);
	EVP_PKEY_free(other_key);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seq_rules),
		cmocka_unit_test(test_pst_rules),
		cmocka_unit_test(test_hb_deadline),
		cmocka_unit_test(test_failover_after),
		cmocka_unit_test(test_del_select),
		cmocka_unit_test(test_seq_receiver),
		cmocka_unit_test(test_refused_untouched),
		cmocka_unit_test(test_kek_rekey),
		cmocka_unit_test(test_pst_receiver),
		cmocka_unit_test(test_delete_kek),
		cmocka_unit_test(test_delete_and_new_kek),
		cmocka_unit_test(test_trace),
		cmocka_unit_test(test_rfc3547_push),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
