// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * Unit tests for the group member's pure logic: failover schedule,
 * re-registration time, scope rules, deny precedence, acceptable
 * transforms, SA TEK + KD -> gvpn.ko SA, and the member section of the
 * configuration with its line-numbered errors.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "gm/gm.h"
#include "main/conf.h"

/* --- building SA TEKs and KDs as the codec would decode them ----------- */

struct tek_buf {
	uint8_t attrs[256];
	uint8_t src[8], dst[8];
	uint8_t spi_be[4];
	uint8_t kattrs[256];
};

static void sel(struct gdoi_sel *s, uint8_t *mem, const char *a,
		const char *mask, uint16_t port)
{
	s->type = mask ? ISAKMP_ID_IPV4_ADDR_SUBNET : ISAKMP_ID_IPV4_ADDR;
	inet_pton(AF_INET, a, mem);
	if (mask)
		inet_pton(AF_INET, mask, mem + 4);
	s->len = mask ? 8 : 4;
	s->data = mem;
	s->port = port;
}

/*
 * An ESP SA TEK 10.1.0.0/16 -> 10.2.0.0/16 with transform tr/key_bits/auth
 * (auth 0: none sent), lifetime, optional extra attributes, and its KD
 * packet with keys of klen/alen bytes (0: not sent).
 */
static void make_tek(struct tek_buf *tb, struct gdoi_sat *t,
		     struct gdoi_key_packet *kp, uint32_t spi, uint8_t tr,
		     uint16_t key_bits, uint16_t auth, uint32_t life,
		     size_t klen, size_t alen, uint16_t xattr, uint16_t xval)
{
	struct isakmp_buf b;
	uint8_t key[64];

	memset(t, 0, sizeof(*t));
	t->proto_id = GDOI_PROTO_IPSEC_ESP;
	sel(&t->src, tb->src, "10.1.0.0", "255.255.0.0", 0);
	sel(&t->dst, tb->dst, "10.2.0.0", "255.255.0.0", 0);
	t->transform = tr;
	t->spi = spi;
	isakmp_buf_init(&b, tb->attrs, sizeof(tb->attrs));
	isakmp_put_attr_basic(&b, TEK_ATTR_LIFE_TYPE, TEK_LIFE_SECONDS);
	isakmp_put_attr_uint(&b, TEK_ATTR_LIFE_DURATION, life);
	isakmp_put_attr_basic(&b, TEK_ATTR_ENCAP_MODE, TEK_ENCAP_TUNNEL);
	if (key_bits)
		isakmp_put_attr_basic(&b, TEK_ATTR_KEY_LENGTH, key_bits);
	if (auth)
		isakmp_put_attr_basic(&b, TEK_ATTR_AUTH_ALG, auth);
	isakmp_put_attr_basic(&b, TEK_ATTR_ADDR_PRESERVATION,
			      TEK_ADDR_PRES_BOTH);
	if (xattr)
		isakmp_put_attr_basic(&b, xattr, xval);
	assert_false(b.err);
	t->attrs.p = tb->attrs;
	t->attrs.len = b.len;

	tb->spi_be[0] = spi >> 24;
	tb->spi_be[1] = spi >> 16;
	tb->spi_be[2] = spi >> 8;
	tb->spi_be[3] = spi;
	memset(kp, 0, sizeof(*kp));
	kp->type = GDOI_KD_TEK;
	kp->spi_len = 4;
	kp->spi = tb->spi_be;
	for (unsigned i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(0xa0 + i);
	isakmp_buf_init(&b, tb->kattrs, sizeof(tb->kattrs));
	if (klen)
		isakmp_put_attr_var(&b, GDOI_KD_TEK_ALGORITHM_KEY, key,
				    (uint16_t)klen);
	if (alen)
		isakmp_put_attr_var(&b, GDOI_KD_TEK_INTEGRITY_KEY, key + 32,
				    (uint16_t)alen);
	assert_false(b.err);
	kp->attrs.p = tb->kattrs;
	kp->attrs.len = b.len;
}

static struct gm_group_conf *conf_new(void)
{
	struct gm_group_conf *gc = calloc(1, sizeof(*gc));

	assert_non_null(gc);
	gc->id = 1234;
	strcpy(gc->name, "g1");
	gc->retries = 3;
	gc->interval_ms = 10000;
	return gc;
}

static struct gm_sel mksel(const char *src, uint8_t sl, const char *dst,
			   uint8_t dl, uint8_t proto)
{
	struct gm_sel s = { .src_plen = sl, .dst_plen = dl, .proto = proto,
			    .sport_max = 65535, .dport_max = 65535 };

	inet_pton(AF_INET, src, &s.src);
	inet_pton(AF_INET, dst, &s.dst);
	return s;
}

/* --- tests ----------------------------------------------------------- */

static void test_failover(void **state)
{
	struct gm_failover f;
	/* GM-05: 3 tries with a server, then the next, round and round */
	static const unsigned want[] = { 0, 0, 0, 1, 1, 1, 2, 2, 2, 0, 0 };

	(void)state;
	gm_failover_reset(&f);
	for (unsigned i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		/* peek says what next does, without moving */
		assert_int_equal(gm_failover_peek(&f, 3, 3), want[i]);
		assert_int_equal(gm_failover_peek(&f, 3, 3), want[i]);
		assert_int_equal(gm_failover_next(&f, 3, 3), want[i]);
	}
	assert_int_equal(f.total, 11);
	/* one server, one try each: always it */
	gm_failover_reset(&f);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(gm_failover_next(&f, 1, 1), 0);
	/* a success starts over with the preferred server */
	gm_failover_reset(&f);
	gm_failover_next(&f, 1, 2);
	assert_int_equal(gm_failover_next(&f, 1, 2), 1);
	gm_failover_reset(&f);
	assert_int_equal(gm_failover_next(&f, 1, 2), 0);
}

static void test_reregister_at(void **state)
{
	(void)state;
	/* GM-07 (Cisco): 60 s before the TEK expires */
	assert_int_equal(gm_reregister_at(1000, 1000 + 3600000, 3600),
			 1000 + 3540000);
	/* short lifetimes: half of it */
	assert_int_equal(gm_reregister_at(0, 60000, 60), 30000);
	/* already due */
	assert_int_equal(gm_reregister_at(50000, 60000, 3600), 50000);
}

static void test_scope(void **state)
{
	struct gm_group_conf *gc = conf_new();
	struct gm_sel scope = mksel("10.0.0.0", 8, "10.0.0.0", 8, 0);
	struct gm_sel p1 = mksel("10.1.0.0", 16, "10.2.0.0", 16, 0);
	struct gm_sel p3 = mksel("10.1.1.1", 32, "239.0.0.0", 8, 0);
	struct gm_sel wide = mksel("0.0.0.0", 0, "10.2.0.0", 16, 0);
	struct gm_sel tcp = mksel("10.1.0.0", 16, "10.2.0.0", 16, IPPROTO_TCP);

	(void)state;
	/* no scope: everything */
	assert_true(gm_in_scope(gc, &p3));
	gc->nscope = 1;
	gc->scope = &scope;
	/* PO-08: member1's unicast scope keeps p1 and drops multicast p3 */
	assert_true(gm_in_scope(gc, &p1));
	assert_false(gm_in_scope(gc, &p3));
	/* a policy wider than the scope is outside it */
	assert_false(gm_in_scope(gc, &wide));
	/* protocol: scope "any" takes all, a protocol only its own */
	assert_true(gm_in_scope(gc, &tcp));
	scope.proto = IPPROTO_UDP;
	assert_false(gm_in_scope(gc, &tcp));
	assert_false(gm_in_scope(gc, &p1));	/* any is not udp */
	scope.proto = IPPROTO_TCP;
	scope.dport_min = scope.dport_max = 80;
	tcp.dport_min = tcp.dport_max = 80;
	assert_true(gm_in_scope(gc, &tcp));
	tcp.dport_max = 81;
	assert_false(gm_in_scope(gc, &tcp));
	free(gc);
}

static void test_setup_policies(void **state)
{
	struct gm_group_conf *gc = conf_new();
	struct ike_peer ks[2] = {
		{ .name = "ks1", .port = 848, .plen = 32 },
		{ .name = "ks2", .port = 8848, .plen = 32 },
	};
	struct gm_sel deny[2] = {
		mksel("10.1.0.0", 16, "0.0.0.0", 0, IPPROTO_TCP),
		mksel("10.3.3.3", 32, "0.0.0.0", 0, 0),
	};
	struct gvpn_policy p[GM_SETUP_POLICIES_MAX];
	unsigned n;

	(void)state;
	inet_pton(AF_INET, "10.0.0.1", &ks[0].addr);
	inet_pton(AF_INET, "10.0.0.2", &ks[1].addr);
	gc->servers[0] = &ks[0];
	gc->servers[1] = &ks[1];
	gc->nservers = 2;
	gc->deny = deny;
	gc->ndeny = 2;

	n = gm_setup_policies(gc, p);
	assert_int_equal(n, 4);
	/* PO-02/PO-03: deny rules are local bypass policies, in order */
	assert_int_equal(p[0].origin, GVPN_ORIGIN_LOCAL);
	assert_int_equal(p[0].action, GVPN_ACTION_BYPASS);
	assert_int_equal(p[0].id, GM_POLICY_LOCAL_BASE);
	assert_int_equal(p[0].prio, 0);
	assert_int_equal(p[0].proto, IPPROTO_TCP);
	assert_int_equal(p[0].src_plen, 16);
	assert_true(p[0].present & GVPN_BIT(GVPN_A_POLICY_PROTO));
	assert_false(p[0].present & GVPN_BIT(GVPN_A_POLICY_DPORT_MIN));
	assert_int_equal(p[1].id, GM_POLICY_LOCAL_BASE + 1);
	assert_true(p[0].prio < p[1].prio);
	/* then the clear path to each key server, also local */
	assert_int_equal(p[2].origin, GVPN_ORIGIN_LOCAL);
	assert_int_equal(p[2].proto, IPPROTO_UDP);
	assert_int_equal(p[2].dst.s_addr, ks[0].addr.s_addr);
	assert_int_equal(p[2].dst_plen, 32);
	assert_int_equal(p[2].dport_min, 848);
	assert_int_equal(p[3].dport_max, 8848);
	assert_int_equal(p[3].id, GM_POLICY_KS_REACH_BASE + 1);

	/* fail modes: the fail-open rules, then one per server */
	gc->fail_mode = GVPN_FAIL_CLOSE;
	gc->fail[0] = mksel("10.9.0.0", 16, "0.0.0.0", 0, 0);
	gc->nfail = 1;
	n = gm_setup_policies(gc, p);
	assert_int_equal(n, 7);
	for (unsigned i = 4; i < 7; i++) {
		assert_int_equal(p[i].origin, GVPN_ORIGIN_FAIL);
		assert_int_equal(p[i].action, GVPN_ACTION_BYPASS);
		assert_int_equal(p[i].id, GM_POLICY_FAIL_BASE + i - 4);
	}
	assert_int_equal(p[4].src_plen, 16);
	assert_int_equal(p[6].dst.s_addr, ks[1].addr.s_addr);
	free(gc);
}

static void test_tek_gcm(void **state)
{
	struct gm_group_conf *gc = conf_new();
	struct gdoi_pull_result *r = calloc(1, sizeof(*r));
	struct gm_plan *p = calloc(1, sizeof(*p));
	struct tek_buf tb;
	const char *cisco;
	struct gvpn_sa sa;
	char why[200];

	(void)state;
	make_tek(&tb, &r->sa.tek[0], &r->kd.pkt[0], 0x12345678,
		 TEK_ESP_AES_GCM_16, 128, 0, 3600, 20, 0,
		 TEK_ATTR_GVPN_TBAR_WINDOW, 100);
	r->sa.ntek = 1;
	r->kd.n = 1;
	/* the key server's Sender ID (RFC 6407 5.6.3) */
	r->sid_requested = true;
	r->sid = (struct gdoi_sid){ .bits = 8, .n = 1, .value = { 0x2a } };
	assert_int_equal(gm_plan_build(gc, r, p, &cisco, why, sizeof(why)),
			 0);
	assert_int_equal(p->n, 1);
	assert_true(p->tek[0].in_scope);
	assert_false(p->tek[0].bypass);
	assert_true(p->has_sid);
	assert_int_equal(p->sid, 0x2a);
	assert_true(p->tek[0].has_sid);
	assert_int_equal(p->no_sid, 0);
	assert_int_equal(p->tek[0].sel.src_plen, 16);
	assert_int_equal(p->tek[0].lifetime_s, 3600);
	assert_int_equal(p->tek[0].tbar_window, 100);

	gm_tek_to_sa(&p->tek[0], 1234, 65536, false, &sa);
	assert_int_equal(sa.group_id, 1234);
	assert_int_equal(sa.policy_id, 65536);
	assert_int_equal(sa.spi, 0x12345678);
	assert_string_equal(sa.aead_name, "rfc4106(gcm(aes))");
	/* key and salt, as the kernel takes them */
	assert_int_equal(sa.aead_key_len, 20);
	assert_int_equal(sa.aead_key[0], 0xa0);
	assert_int_equal(sa.aead_key[19], 0xa0 + 19);
	assert_int_equal(sa.icv_bits, 128);
	assert_true(sa.present & GVPN_BIT(GVPN_A_SA_AEAD_KEY));
	assert_false(sa.present & GVPN_BIT(GVPN_A_SA_ENC_NAME));
	assert_false(sa.present & GVPN_BIT(GVPN_A_SA_DIR));
	assert_int_equal(sa.lifetime_hard_secs, 3600);
	assert_int_equal(sa.tbar, 1);
	assert_false(sa.present & GVPN_BIT(GVPN_A_SA_PASSIVE));
	/* the SA carries the member's SID and its length */
	assert_true(sa.has_sid);
	assert_int_equal(sa.sender_id, 0x2a);
	assert_int_equal(sa.sid_bits, 8);
	assert_true(sa.present & GVPN_BIT(GVPN_A_SA_SENDER_ID));
	assert_true(sa.present & GVPN_BIT(GVPN_A_SA_SID_BITS));
	gvpn_sa_wipe(&sa);
	gm_plan_wipe(p);
	free(p);
	free(r);
	free(gc);
}

/* Sender IDs in the plan: none given makes a GCM TEK receive-only unless
 * legacy-iv; CBC never needs one; a SID too wide for gvpn.ko is refused */
static void test_tek_sid(void **state)
{
	struct gm_group_conf *gc = conf_new();
	struct gdoi_pull_result *r = calloc(1, sizeof(*r));
	struct gm_plan *p = calloc(1, sizeof(*p));
	struct tek_buf tb[2];
	const char *cisco;
	struct gvpn_sa sa;
	char why[200];

	(void)state;
	make_tek(&tb[0], &r->sa.tek[0], &r->kd.pkt[0], 0x12345678,
		 TEK_ESP_AES_GCM_16, 128, 0, 3600, 20, 0, 0, 0);
	make_tek(&tb[1], &r->sa.tek[1], &r->kd.pkt[1], 0x9abcdef0,
		 TEK_ESP_AES_CBC, 128, TEK_AUTH_HMAC_SHA256, 3600, 16, 32,
		 0, 0);
	r->sa.ntek = 2;
	r->kd.n = 2;
	r->sid_requested = true;
	/* asked, none given: the GCM SA is receive-only, CBC as it was */
	assert_int_equal(gm_plan_build(gc, r, p, &cisco, why, sizeof(why)),
			 0);
	assert_false(p->has_sid);
	assert_int_equal(p->no_sid, 1);
	assert_true(p->tek[0].counter_mode);
	assert_true(p->tek[0].no_sid);
	assert_true(p->tek[0].recv_only);
	assert_false(p->tek[1].counter_mode);
	assert_false(p->tek[1].recv_only);
	gm_tek_to_sa(&p->tek[0], 1234, 65536, false, &sa);
	assert_true(sa.present & GVPN_BIT(GVPN_A_SA_DIR));
	assert_int_equal(sa.dir, GVPN_SA_DIR_IN);
	assert_false(sa.has_sid);
	gvpn_sa_wipe(&sa);
	gm_plan_wipe(p);

	/* legacy-iv: installed for sending, without a SID */
	gc->legacy_iv = true;
	assert_int_equal(gm_plan_build(gc, r, p, &cisco, why, sizeof(why)),
			 0);
	assert_int_equal(p->no_sid, 0);
	assert_false(p->tek[0].recv_only);
	assert_false(p->tek[0].has_sid);
	gm_plan_wipe(p);
	gc->legacy_iv = false;

	/* a SID: the GCM SA gets it, the CBC one does not */
	r->sid = (struct gdoi_sid){ .bits = 16, .n = 1, .value = { 0xffff } };
	assert_int_equal(gm_plan_build(gc, r, p, &cisco, why, sizeof(why)),
			 0);
	assert_true(p->tek[0].has_sid);
	assert_int_equal(p->tek[0].sid, 0xffff);
	assert_int_equal(p->tek[0].sid_bits, 16);
	assert_false(p->tek[0].recv_only);
	assert_false(p->tek[1].has_sid);
	gm_tek_to_sa(&p->tek[1], 1234, 65537, false, &sa);
	assert_false(sa.has_sid);
	assert_false(sa.present & GVPN_BIT(GVPN_A_SA_SENDER_ID));
	gvpn_sa_wipe(&sa);
	gm_plan_wipe(p);

	/* 17 bits: gvpn.ko cannot take it */
	r->sid = (struct gdoi_sid){ .bits = 17, .n = 1, .value = { 1 } };
	assert_int_equal(gm_plan_build(gc, r, p, &cisco, why, sizeof(why)),
			 -EBADMSG);
	assert_non_null(strstr(why, "Sender ID of 17 bits"));
	free(p);
	free(r);
	free(gc);
}

static void test_tek_cbc_recv_only(void **state)
{
	struct gm_group_conf *gc = conf_new();
	struct gdoi_pull_result *r = calloc(1, sizeof(*r));
	struct gm_plan *p = calloc(1, sizeof(*p));
	struct tek_buf tb;
	const char *cisco;
	struct gvpn_sa sa;
	char why[200];

	(void)state;
	make_tek(&tb, &r->sa.tek[0], &r->kd.pkt[0], 0x1000,
		 TEK_ESP_AES_CBC, 256, TEK_AUTH_HMAC_SHA256, 900, 32, 32,
		 TEK_ATTR_SA_DIRECTION, TEK_DIR_RECEIVER);
	r->sa.ntek = r->kd.n = 1;
	assert_int_equal(gm_plan_build(gc, r, p, &cisco, why, sizeof(why)),
			 0);
	gm_tek_to_sa(&p->tek[0], 7, 65537, true, &sa);
	assert_string_equal(sa.enc_name, "cbc(aes)");
	assert_int_equal(sa.enc_key_len, 32);
	assert_string_equal(sa.auth_name, "hmac(sha256)");
	assert_int_equal(sa.auth_key_len, 32);
	assert_int_equal(sa.auth_key[0], 0xa0 + 32);
	assert_int_equal(sa.trunc_bits, 128);
	/* receive-only (PO-11) and passive (PO-13) */
	assert_int_equal(sa.dir, GVPN_SA_DIR_IN);
	assert_true(sa.present & GVPN_BIT(GVPN_A_SA_DIR));
	assert_int_equal(sa.passive, 1);
	assert_false(sa.present & GVPN_BIT(GVPN_A_SA_TBAR));
	gvpn_sa_wipe(&sa);
	gm_plan_wipe(p);
	free(p);
	free(r);
	free(gc);
}

/* An RFC 3547 key server sends ADDRESS_PRESERVATION and SA_DIRECTION as
 * 0 (reserved) when not configured: taken as not sent, and noted */
static void test_tek_rfc3547_zero(void **state)
{
	struct gm_group_conf *gc = conf_new();
	struct gdoi_pull_result *r = calloc(1, sizeof(*r));
	struct gm_plan *p = calloc(1, sizeof(*p));
	struct tek_buf tb;
	const char *cisco;
	char why[200];
	size_t i;

	(void)state;
	make_tek(&tb, &r->sa.tek[0], &r->kd.pkt[0], 0x1000,
		 TEK_ESP_AES_CBC, 256, TEK_AUTH_HMAC_SHA256, 900, 32, 32,
		 TEK_ATTR_SA_DIRECTION, 0);
	r->sa.tek[0].id_len8 = true;
	/* make_tek's ADDRESS_PRESERVATION 4 becomes 0 */
	for (i = 0; i + 4 <= r->sa.tek[0].attrs.len; i++)
		if (tb.attrs[i] == 0x80 &&
		    tb.attrs[i + 1] == TEK_ATTR_ADDR_PRESERVATION)
			break;
	assert_true(i + 4 <= r->sa.tek[0].attrs.len);
	tb.attrs[i + 3] = 0;
	r->sa.ntek = r->kd.n = 1;
	assert_int_equal(gm_plan_build(gc, r, p, &cisco, why, sizeof(why)),
			 0);
	assert_false(p->tek[0].recv_only);
	assert_int_equal(p->tek[0].rfc3547_zero,
			 GM_TEK_ZERO_ADDR_PRES | GM_TEK_ZERO_SA_DIR);
	assert_true(p->tek[0].id_len8);
	assert_true(gm_plan_rfc3547(p, why, sizeof(why)));
	assert_string_equal(why, "SA TEK with 1-byte ID lengths; reserved 0 taken as not sent for ADDRESS_PRESERVATION SA_DIRECTION");
	gm_plan_wipe(p);
	/* an RFC 6407 TEK: nothing to say */
	make_tek(&tb, &r->sa.tek[0], &r->kd.pkt[0], 0x1000,
		 TEK_ESP_AES_CBC, 256, TEK_AUTH_HMAC_SHA256, 900, 32, 32, 0, 0);
	assert_int_equal(gm_plan_build(gc, r, p, &cisco, why, sizeof(why)),
			 0);
	assert_false(gm_plan_rfc3547(p, why, sizeof(why)));
	gm_plan_wipe(p);
	/* other values still refused: 1 (no preservation) */
	tb.attrs[i + 3] = TEK_ADDR_PRES_NONE;
	assert_int_equal(gm_plan_build(gc, r, p, &cisco, why, sizeof(why)),
			 -ENOTSUP);
	free(p);
	free(r);
	free(gc);
}

static void test_transforms(void **state)
{
	struct gm_group_conf *gc = conf_new();
	struct gdoi_pull_result *r = calloc(1, sizeof(*r));
	struct gm_plan *p = calloc(1, sizeof(*p));
	struct tek_buf tb[2];
	const char *cisco;
	char why[200];

	(void)state;
	assert_int_equal(tek_transform_parse("aes-gcm-256", &gc->transforms[0],
					     why, sizeof(why)), 0);
	gc->ntransforms = 1;
	make_tek(&tb[0], &r->sa.tek[0], &r->kd.pkt[0], 0x1000,
		 TEK_ESP_AES_GCM_16, 256, 0, 3600, 36, 0, 0, 0);
	make_tek(&tb[1], &r->sa.tek[1], &r->kd.pkt[1], 0x2000,
		 TEK_ESP_AES_CBC, 128, TEK_AUTH_HMAC_SHA1, 3600, 16, 20, 0, 0);
	r->sa.ntek = r->kd.n = 2;
	/* GM-21: the second TEK's transform is not acceptable: all refused */
	assert_int_equal(gm_plan_build(gc, r, p, &cisco, why, sizeof(why)),
			 -ENOTSUP);
	assert_string_equal(cisco, "GM_REJECTING_SA_PAYLOAD");
	assert_non_null(strstr(why, "aes-cbc-128/hmac-sha1"));
	assert_int_equal(p->n, 0);	/* wiped: nothing to install */

	/* the same verdict from message 2's SA payload alone */
	cisco = NULL;
	assert_int_equal(gm_sa_check(gc, &r->sa, &cisco, why, sizeof(why)),
			 -ENOTSUP);
	assert_string_equal(cisco, "GM_REJECTING_SA_PAYLOAD");
	assert_non_null(strstr(why, "TEK 2"));

	assert_int_equal(tek_transform_parse("aes-cbc-128/hmac-sha1",
					     &gc->transforms[1], why,
					     sizeof(why)), 0);
	gc->ntransforms = 2;
	assert_int_equal(gm_plan_build(gc, r, p, &cisco, why, sizeof(why)),
			 0);
	assert_int_equal(p->n, 2);
	gm_plan_wipe(p);
	assert_int_equal(gm_sa_check(gc, &r->sa, &cisco, why, sizeof(why)),
			 0);
	/* no list: anything gvpn implements */
	gc->ntransforms = 0;
	assert_int_equal(gm_plan_build(gc, r, p, &cisco, why, sizeof(why)),
			 0);
	gm_plan_wipe(p);
	free(p);
	free(r);
	free(gc);
}

static void test_bad_teks(void **state)
{
	struct gm_group_conf *gc = conf_new();
	struct gdoi_pull_result *r = calloc(1, sizeof(*r));
	struct gm_plan *p = calloc(1, sizeof(*p));
	struct tek_buf tb[2];
	const char *cisco;
	char why[200];

	(void)state;
	r->sa.ntek = r->kd.n = 1;
	/* a KD missing the key */
	make_tek(&tb[0], &r->sa.tek[0], &r->kd.pkt[0], 0x1000,
		 TEK_ESP_AES_GCM_16, 128, 0, 3600, 0, 0, 0, 0);
	assert_int_equal(gm_plan_build(gc, r, p, &cisco, why, sizeof(why)),
			 -EBADMSG);
	assert_non_null(strstr(why, "TEK_ALGORITHM_KEY missing"));
	/* a key of the wrong length (GCM-128 needs 16 + 4 bytes) */
	make_tek(&tb[0], &r->sa.tek[0], &r->kd.pkt[0], 0x1000,
		 TEK_ESP_AES_GCM_16, 128, 0, 3600, 16, 0, 0, 0);
	assert_int_equal(gm_plan_build(gc, r, p, &cisco, why, sizeof(why)),
			 -EBADMSG);
	/* keys for another SPI */
	make_tek(&tb[0], &r->sa.tek[0], &r->kd.pkt[0], 0x1000,
		 TEK_ESP_AES_GCM_16, 128, 0, 3600, 20, 0, 0, 0);
	tb[0].spi_be[3] ^= 1;
	assert_int_equal(gm_plan_build(gc, r, p, &cisco, why, sizeof(why)),
			 -EBADMSG);
	assert_non_null(strstr(why, "no keys for SPI"));
	/* AH: UNSUPPORTED_TEK_PROTO */
	make_tek(&tb[0], &r->sa.tek[0], &r->kd.pkt[0], 0x1000,
		 TEK_ESP_AES_GCM_16, 128, 0, 3600, 20, 0, 0, 0);
	r->sa.tek[0].proto_id = GDOI_PROTO_IPSEC_AH;
	assert_int_equal(gm_plan_build(gc, r, p, &cisco, why, sizeof(why)),
			 -EPROTONOSUPPORT);
	assert_string_equal(cisco, "UNSUPPORTED_TEK_PROTO");
	assert_int_equal(gm_sa_check(gc, &r->sa, &cisco, why, sizeof(why)),
			 -EPROTONOSUPPORT);
	assert_string_equal(cisco, "UNSUPPORTED_TEK_PROTO");
	/* transport mode, an unknown cipher, GCM with an HMAC */
	make_tek(&tb[0], &r->sa.tek[0], &r->kd.pkt[0], 0x1000,
		 TEK_ESP_AES_GCM_16, 128, 0, 3600, 20, 0,
		 TEK_ATTR_ENCAP_MODE, TEK_ENCAP_TRANSPORT);
	assert_int_equal(gm_plan_build(gc, r, p, &cisco, why, sizeof(why)),
			 -ENOTSUP);
	make_tek(&tb[0], &r->sa.tek[0], &r->kd.pkt[0], 0x1000, 99, 128, 0,
		 3600, 20, 0, 0, 0);
	assert_int_equal(gm_plan_build(gc, r, p, &cisco, why, sizeof(why)),
			 -ENOTSUP);
	assert_string_equal(cisco, "GM_REJECTING_SA_PAYLOAD");
	make_tek(&tb[0], &r->sa.tek[0], &r->kd.pkt[0], 0x1000,
		 TEK_ESP_AES_GCM_16, 128, TEK_AUTH_HMAC_SHA1, 3600, 20, 20, 0,
		 0);
	assert_int_equal(gm_plan_build(gc, r, p, &cisco, why, sizeof(why)),
			 -ENOTSUP);
	/* a selector range that is no prefix */
	make_tek(&tb[0], &r->sa.tek[0], &r->kd.pkt[0], 0x1000,
		 TEK_ESP_AES_GCM_16, 128, 0, 3600, 20, 0, 0, 0);
	r->sa.tek[0].src.type = ISAKMP_ID_IPV4_ADDR_RANGE;
	inet_pton(AF_INET, "10.1.0.1", tb[0].src);
	inet_pton(AF_INET, "10.1.0.9", tb[0].src + 4);
	assert_int_equal(gm_plan_build(gc, r, p, &cisco, why, sizeof(why)),
			 -EBADMSG);
	/* one that is: 10.1.0.0 - 10.1.0.255 */
	inet_pton(AF_INET, "10.1.0.0", tb[0].src);
	inet_pton(AF_INET, "10.1.0.255", tb[0].src + 4);
	assert_int_equal(gm_plan_build(gc, r, p, &cisco, why, sizeof(why)),
			 0);
	assert_int_equal(p->tek[0].sel.src_plen, 24);
	gm_plan_wipe(p);
	/* two permit TEKs with one SPI: the kernel has one SA per policy */
	make_tek(&tb[0], &r->sa.tek[0], &r->kd.pkt[0], 0x1000,
		 TEK_ESP_AES_GCM_16, 128, 0, 3600, 20, 0, 0, 0);
	make_tek(&tb[1], &r->sa.tek[1], &r->kd.pkt[1], 0x1000,
		 TEK_ESP_AES_GCM_16, 128, 0, 3600, 20, 0, 0, 0);
	r->sa.ntek = r->kd.n = 2;
	assert_int_equal(gm_plan_build(gc, r, p, &cisco, why, sizeof(why)),
			 -EBADMSG);
	/* unless one is a key server deny policy (no SA of its own) */
	make_tek(&tb[1], &r->sa.tek[1], &r->kd.pkt[1], 0x1000,
		 TEK_ESP_AES_GCM_16, 128, 0, 3600, 20, 0,
		 TEK_ATTR_GVPN_BYPASS, 1);
	assert_int_equal(gm_plan_build(gc, r, p, &cisco, why, sizeof(why)),
			 0);
	assert_false(p->tek[0].bypass);
	assert_true(p->tek[1].bypass);
	gm_plan_wipe(p);
	free(p);
	free(r);
	free(gc);
}

static void test_scope_in_plan(void **state)
{
	struct gm_group_conf *gc = conf_new();
	struct gdoi_pull_result *r = calloc(1, sizeof(*r));
	struct gm_plan *p = calloc(1, sizeof(*p));
	struct gm_sel scope = mksel("10.2.0.0", 16, "10.0.0.0", 8, 0);
	struct tek_buf tb;
	const char *cisco;
	char why[200];

	(void)state;
	gc->scope = &scope;
	gc->nscope = 1;
	make_tek(&tb, &r->sa.tek[0], &r->kd.pkt[0], 0x1000,
		 TEK_ESP_AES_GCM_16, 128, 0, 3600, 20, 0, 0, 0);
	r->sa.ntek = r->kd.n = 1;
	/* 10.1/16 -> 10.2/16 is outside: decoded, not to be installed */
	assert_int_equal(gm_plan_build(gc, r, p, &cisco, why, sizeof(why)),
			 0);
	assert_int_equal(p->n, 1);
	assert_false(p->tek[0].in_scope);
	gm_plan_wipe(p);
	free(p);
	free(r);
	free(gc);
}

/* --- configuration ----------------------------------------------------- */

static char *load(const char *text, struct gvpnd_conf *conf, int *errors)
{
	char path[] = "/tmp/test_gm_XXXXXX", out[] = "/tmp/test_gm_err_XXXXXX";
	int fd = mkstemp(path), efd = mkstemp(out), saved;
	static char buf[8192];
	ssize_t n;

	assert_true(fd >= 0 && efd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	chmod(path, 0600);
	fflush(stderr);
	saved = dup(2);
	dup2(efd, 2);
	*errors = conf_load(path, conf);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	lseek(efd, 0, SEEK_SET);
	n = read(efd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = 0;
	close(efd);
	unlink(path);
	unlink(out);
	/* "FILE:LINE: msg" -> ":LINE: msg" for the assertions */
	return buf;
}

#define PEERS \
	"peers = (\n" \
	"  { name = \"ks1\"; address = \"10.0.0.1\"; psk = \"0123456789abcdef\"; },\n" \
	"  { name = \"ks2\"; address = \"10.0.0.2\"; psk = \"0123456789abcdef\"; port = 4500; },\n" \
	"  { name = \"all\"; address = \"10.0.0.0/24\"; psk = \"0123456789abcdef\"; }\n" \
	");\n"

static void test_conf_ok(void **state)
{
	struct gvpnd_conf conf;
	const struct gm_group_conf *g;
	int errors;
	char *err;

	(void)state;
	err = load(PEERS
		   "member = { groups = ( {\n"		/* line 6 */
		   "  name = \"g1\"; id = 1234;\n"
		   "  servers = [ \"ks2\", \"ks1\" ];\n"
		   "  interfaces = [ \"eth0\", \"eth1\" ];\n"
		   "  register-retries = 2; register-interval = 0.5;\n"
		   "  df-bit = \"copy\";\n"
		   "  deny = ( { protocol = \"tcp\"; destination-port = \"22\"; } );\n"
		   "  scope = ( { source = \"10.0.0.0/8\"; destination = \"10.0.0.0/8\"; } );\n"
		   "  transforms = [ \"aes-gcm-128\", \"aes-cbc-256/hmac-sha256\" ];\n"
		   "  fail-mode = \"close\"; fail-close-activate = true;\n"
		   "  fail-open = ( { source = \"192.168.0.0/16\"; } );\n"
		   "  passive = true; heartbeat-threshold = 0; legacy-iv = true;\n"
		   "}, { name = \"g2\"; id = 2; identity = \"address\"; address = \"192.0.2.1\"; servers = [ \"ks1\" ]; } ); };\n",
		   &conf, &errors);
	assert_string_equal(err, "");
	assert_int_equal(errors, 0);
	assert_int_equal(conf.gm.ngroups, 2);
	g = &conf.gm.groups[0];
	assert_string_equal(g->name, "g1");
	assert_int_equal(g->id, 1234);
	assert_int_equal(g->nservers, 2);
	assert_string_equal(g->servers[0]->name, "ks2");
	assert_int_equal(g->servers[0]->port, 4500);
	assert_int_equal(g->nifaces, 2);
	assert_string_equal(g->ifaces[1], "eth1");
	assert_int_equal(g->retries, 2);
	assert_int_equal(g->interval_ms, 500);
	assert_int_equal(g->df_mode, GVPN_DF_COPY);
	assert_int_equal(g->ndeny, 1);
	assert_int_equal(g->deny[0].proto, IPPROTO_TCP);
	assert_int_equal(g->deny[0].dport_min, 22);
	assert_int_equal(g->deny[0].dport_max, 22);
	assert_int_equal(g->deny[0].sport_max, 65535);
	assert_int_equal(g->nscope, 1);
	assert_int_equal(g->scope[0].src_plen, 8);
	assert_int_equal(g->ntransforms, 2);
	assert_string_equal(g->transforms[1].integ->name, "hmac-sha256");
	assert_int_equal(g->fail_mode, GVPN_FAIL_CLOSE);
	assert_true(g->fail_close_activate);
	assert_int_equal(g->nfail, 1);
	assert_true(g->passive);
	assert_int_equal(g->hb_threshold, 0);
	assert_true(g->legacy_iv);
	g = &conf.gm.groups[1];
	assert_true(g->id_addr);
	/* defaults: GM-05 */
	assert_int_equal(g->retries, 3);
	assert_int_equal(g->interval_ms, 10000);
	assert_int_equal(g->df_mode, GVPN_DF_CLEAR);
	assert_int_equal(g->fail_mode, GVPN_FAIL_NONE);
	assert_int_equal(g->ntransforms, 0);
	/* HB-02 */
	assert_int_equal(g->hb_threshold, 3);
	/* Sender IDs: counter modes need one unless legacy-iv */
	assert_false(g->legacy_iv);
	conf_free(&conf);
}

static void test_conf_errors(void **state)
{
	struct gvpnd_conf conf;
	int errors;
	char *err;

	(void)state;
	err = load(PEERS
		   "member = { groups = ( {\n"			/* 6 */
		   "  name = \"g1\"; id = 70000;\n"		/* 7 */
		   "  servers = [ \"ks9\", \"all\", \"ks1\", \"ks1\" ];\n"	/* 8 */
		   "  register-interval = 0.1;\n"		/* 9 */
		   "  colour = \"red\";\n"			/* 10 */
		   "  deny = ( { protocol = \"icmp\"; source-port = \"22\"; } );\n" /* 11 */
		   "  transforms = [ \"aes-gcm-128/hmac-sha1\", \"3des-cbc/hmac-md5\" ];\n" /* 12 */
		   "  fail-close-activate = true;\n"		/* 13 */
		   "  fail-open = ( { source = \"10.9.0.1/16\"; } );\n"	/* 14 */
		   "}, { name = \"g1\"; servers = [ \"ks1\" ]; scope = (); } ); };\n", /* 15 */
		   &conf, &errors);
	assert_non_null(strstr(err, ":7: 'id' = 70000 is out of range 1..65535"));
	assert_non_null(strstr(err, ":8: server \"ks9\" is not the name of an entry of 'peers'"));
	assert_non_null(strstr(err, ":8: server \"all\": its peer needs a single address"));
	assert_non_null(strstr(err, ":8: server \"ks1\" is listed twice"));
	assert_non_null(strstr(err, ":9: 'register-interval' = 0.1 s is out of range 0.5..600"));
	assert_non_null(strstr(err, ":10: unknown setting 'colour'"));
	assert_non_null(strstr(err, ":11: 'source-port': ports need protocol tcp, udp or sctp"));
	assert_non_null(strstr(err, ":12: 'transforms': aes-gcm-128 authenticates itself"));
	assert_non_null(strstr(err, ":12: 'transforms': \"3des-cbc/hmac-md5\" is legacy"));
	assert_non_null(strstr(err, ":13: 'fail-close-activate' needs fail-mode = \"close\""));
	assert_non_null(strstr(err, ":14: 'source' = \"10.9.0.1/16\""));
	assert_non_null(strstr(err, ":14: 'fail-open' rules need fail-mode"));
	assert_non_null(strstr(err, ":15: 'id' is required here (GM_INCOMPLETE_CFG)"));
	assert_non_null(strstr(err, ":15: 'scope' is empty"));
	assert_non_null(strstr(err, ":15: group name 'g1' is used twice"));
	assert_int_equal(errors, 15);
	conf_free(&conf);

	/* fail rules: the user's plus one per server must fit in 10 */
	err = load(PEERS
		   "member = { groups = ( { name = \"g\"; id = 1; fail-mode = \"open\";\n"
		   "  servers = [ \"ks1\", \"ks2\" ];\n"
		   "  fail-open = ( {source=\"10.0.1.0/24\";}, {source=\"10.0.2.0/24\";}, {source=\"10.0.3.0/24\";},\n"
		   "    {source=\"10.0.4.0/24\";}, {source=\"10.0.5.0/24\";}, {source=\"10.0.6.0/24\";},\n"
		   "    {source=\"10.0.7.0/24\";}, {source=\"10.0.8.0/24\";}, {source=\"10.0.9.0/24\";} );\n"
		   "}, { name = \"h\"; id = 1; servers = [ \"ks1\" ]; } ); };\n",
		   &conf, &errors);
	assert_non_null(strstr(err, ":6: 9 'fail-open' rules and 2 servers"));
	assert_non_null(strstr(err, ":11: group id 1 is used twice"));
	assert_int_equal(errors, 2);
	conf_free(&conf);

	/* heartbeat-threshold: 0..10 */
	err = load(PEERS "member = { groups = ( { name = \"g\"; id = 1; servers = [ \"ks1\" ];\n"
		   "  heartbeat-threshold = 11; } ); };\n", &conf, &errors);
	assert_non_null(strstr(err, ":7: 'heartbeat-threshold' = 11 is out of range 0..10"));
	assert_int_equal(errors, 1);
	conf_free(&conf);

	/* servers are required (GM-29) */
	err = load(PEERS "member = { groups = ( { name = \"g\"; id = 1; } ); };\n",
		   &conf, &errors);
	assert_non_null(strstr(err, ":6: 'servers' is required here"));
	assert_int_equal(errors, 1);
	conf_free(&conf);
}

/*
 * fail-mode: the words Cisco and Juniper operators use. "clear" (or
 * "none") is Cisco's fail-open, "drop-encrypt" Juniper's fail-open rules,
 * "close" Cisco's fail-close; "open" still means drop-encrypt, with a
 * deprecation warning at its line that does not count as an error.
 */
static void test_conf_fail_mode(void **state)
{
	static const struct {
		const char *word;
		int mode;		/* -1: refused */
		bool warns;
	} cases[] = {
		{ "clear", GVPN_FAIL_NONE, false },
		{ "none", GVPN_FAIL_NONE, false },
		{ "drop-encrypt", GVPN_FAIL_OPEN, false },
		{ "close", GVPN_FAIL_CLOSE, false },
		{ "open", GVPN_FAIL_OPEN, true },
		{ "fail-open", -1, false },
	};
	struct gvpnd_conf conf;
	char text[512], *err;
	unsigned i;
	int errors;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), PEERS
			 "member = { groups = ( { name = \"g\"; id = 1; servers = [ \"ks1\" ];\n" /* 6 */
			 "  fail-mode = \"%s\"; } ); };\n", cases[i].word);	/* 7 */
		err = load(text, &conf, &errors);
		if (cases[i].mode < 0) {
			assert_int_equal(errors, 1);
			assert_non_null(strstr(err, ":7: 'fail-mode' = \"fail-open\": expected clear (or none), drop-encrypt or close"));
			conf_free(&conf);
			continue;
		}
		assert_int_equal(errors, 0);
		assert_int_equal(conf.gm.groups[0].fail_mode, cases[i].mode);
		if (cases[i].warns)
			assert_non_null(strstr(err, ":7: warning: 'fail-mode' = \"open\" is deprecated: it drops the traffic of encrypt policies"));
		else
			assert_string_equal(err, "");
		conf_free(&conf);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_failover),
		cmocka_unit_test(test_reregister_at),
		cmocka_unit_test(test_scope),
		cmocka_unit_test(test_setup_policies),
		cmocka_unit_test(test_tek_gcm),
		cmocka_unit_test(test_tek_sid),
		cmocka_unit_test(test_tek_cbc_recv_only),
		cmocka_unit_test(test_tek_rfc3547_zero),
		cmocka_unit_test(test_transforms),
		cmocka_unit_test(test_bad_teks),
		cmocka_unit_test(test_scope_in_plan),
		cmocka_unit_test(test_conf_ok),
		cmocka_unit_test(test_conf_errors),
		cmocka_unit_test(test_conf_fail_mode),
	};

	return cmocka_run_group_tests_name("gm", tests, NULL, NULL);
}
