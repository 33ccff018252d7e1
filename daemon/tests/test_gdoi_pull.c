// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * GROUPKEY-PULL between two of our own contexts wired back to back in
 * memory: a real Phase 1 (PSK or RSA signatures) first, then the member
 * pulls a group's KEK, two TEKs, GAP and SEQ from a key server whose role
 * is a table in this file. Then the ways a pull must fail: a corrupted
 * HASH in each of the four messages (on the wire, in the ciphertext), a
 * group the server does not know, a KD without a TEK's keys, a truncated
 * GAP, no answer at all, and the Phase 1 SA going away; a duplicate
 * message 1 is answered by retransmission. Every message's plaintext (the
 * trace) is decoded back to check the wire format.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "core/capture.h"
#include "core/log.h"
#include "gdoi/gdoi.h"
#include "gdoi/gdoi_int.h"
#include "ike/ike.h"
#include "ike_pair.h"

/* --- two contexts and a wire between them --------------------------------- */

#define GROUP 1234

/* the pair's, by short names: 0 the member, 1 the key server */
static struct ike_ctx *const ctx = pair.ctx;
static struct ike_conf *const conf = pair.conf;
static struct ike_peer *const peer = pair.peer;
static struct sockaddr_in *const addr = pair.addr;

static struct gdoi_ctx gdoi[2];
static struct ike_sa *est[2];
static bool p1_done;
static int p1_err;

/* what goes over the wire, and what the test does to it */
static unsigned pull_sent[2];		/* GROUPKEY-PULL datagrams by side */
static int corrupt_side = -1;		/* corrupt that side's pull messages */
static unsigned corrupt_from;		/* from its nth one on */
static int drop_side = -1;		/* or drop them */
static unsigned drop_from, drop_to;
static bool dup_first_msg1;
/* the first message 1 on the wire, for replays */
static uint8_t msg1_copy[2048];
static size_t msg1_len;

/* plaintext traces of the pull exchange */
#define MAXTRACE 32
static uint8_t trace_msg[MAXTRACE][4096];
static size_t trace_len[MAXTRACE];
static unsigned ntrace;

static int op_send(struct ike_ctx *c, const struct sockaddr_in *local,
		   const struct sockaddr_in *to, const uint8_t *buf,
		   size_t len)
{
	int from = ike_pair_side(c);
	unsigned n = 0, copies = 1;
	struct ike_pair_pkt *p;

	if (!ike_pair_wired(from, to))
		return 0;
	if (len > 18 && buf[18] == GDOI_EXCH_PULL) {
		n = pull_sent[from]++;
		if (from == drop_side && n >= drop_from && n <= drop_to)
			return 0;
		if (from == 0 && n == 0 && dup_first_msg1)
			copies = 2;
		if (from == 0 && n == 0 && len <= sizeof(msg1_copy)) {
			memcpy(msg1_copy, buf, len);
			msg1_len = len;
		}
	}
	while (copies--) {
		p = ike_pair_queue(from, local, to, buf, len);
		/* a bit of the HASH value: with AES, ciphertext block 1 of
		 * the body garbles plaintext bytes 16..31 and flips byte 32,
		 * all inside the HASH payload (4 + 32 bytes with SHA-256) */
		if (len >= ISAKMP_HDR_LEN + 48 && buf[18] == GDOI_EXCH_PULL &&
		    from == corrupt_side && n >= corrupt_from)
			p->data[ISAKMP_HDR_LEN + 16] ^= 0x01;
	}
	return 0;
}

static void op_trace(struct ike_ctx *c, const struct sockaddr_in *src,
		     const struct sockaddr_in *dst, const uint8_t *buf,
		     size_t len)
{
	(void)c;
	/* GDOI_TEST_PCAP=FILE: every message in plaintext, for tshark */
	capture_udp4(src, dst, buf, len);
	if (len > 18 && buf[18] == GDOI_EXCH_PULL && ntrace < MAXTRACE &&
	    len <= sizeof(trace_msg[0])) {
		memcpy(trace_msg[ntrace], buf, len);
		trace_len[ntrace++] = len;
	}
}

static int side(const struct ike_sa *sa)
{
	return ike_pair_side(sa->ctx);
}

static uint64_t est_ms[2];		/* when each side established */

static void op_established(struct ike_sa *sa)
{
	est[side(sa)] = sa;
	est_ms[side(sa)] = ev_now_ms();
	gdoi_sa_established(&gdoi[side(sa)], sa);
}

static void op_gone(struct ike_sa *sa)
{
	int i = side(sa);

	gdoi_sa_gone(&gdoi[i], sa);
	if (est[i] == sa)
		est[i] = NULL;
}

static void op_phase2(struct ike_sa *sa, const struct isakmp_hdr *h,
		      const uint8_t *msg, size_t len)
{
	gdoi_phase2(&gdoi[side(sa)], sa, h, msg, len);
}

static void op_notify(struct ike_sa *sa, const struct isakmp_notify_pl *n)
{
	gdoi_notify(&gdoi[side(sa)], sa, n);
}

static void on_p1(struct ike_sa *sa, int err, void *arg)
{
	(void)sa;
	(void)arg;
	p1_done = true;
	p1_err = err;
}

/* --- the key server role: one group, made here ------------------------------ */

static uint8_t kek_spi[16] = "kek-spi-0123456";
static uint8_t kek_key[32], tek_key[2][36], tek_ikey[2][32];
static uint8_t attr_mem[6][256];
static uint8_t sel_src[8] = { 10, 1, 0, 0, 255, 255, 0, 0 };
static uint8_t sel_dst[8] = { 10, 0, 0, 0, 255, 0, 0, 0 };
static uint8_t tek_spi_be[2][4] = { { 0x11, 0x22, 0x33, 0x44 },
				    { 0x55, 0x66, 0x77, 0x88 } };
static uint8_t bad_gap[3] = { 0x80, 0x01, 0x00 };
static bool kd_skip_tek, gap_truncated;
static unsigned pull_calls, done_calls;
static int done_err;
static bool ks_done;
/* Sender IDs: the first TEK is AES-GCM (a counter mode); what ks_sid()
 * answers: a SID (0), -ENOSPC (1), none (2) */
static bool tek_gcm;
static int sid_mode;
static unsigned sid_calls, sid_nreq;
static struct gdoi_sid done_sid;

static struct isakmp_attrs attrs(int i, void (*fill)(struct isakmp_buf *))
{
	struct isakmp_buf b;

	isakmp_buf_init(&b, attr_mem[i], sizeof(attr_mem[i]));
	fill(&b);
	assert_false(b.err);
	return (struct isakmp_attrs){ attr_mem[i], b.len };
}

static void kek_attrs(struct isakmp_buf *b)
{
	isakmp_put_attr_basic(b, GDOI_KEK_ALGORITHM, 3);	/* AES */
	isakmp_put_attr_basic(b, GDOI_KEK_KEY_LENGTH, 256);
	isakmp_put_attr_uint(b, GDOI_KEK_KEY_LIFETIME, 86400);
}

static void tek_attrs(struct isakmp_buf *b)
{
	isakmp_put_attr_basic(b, 1, 1);		/* SA life type seconds */
	isakmp_put_attr_uint(b, 2, 3600);
	isakmp_put_attr_basic(b, 4, 1);		/* encapsulation tunnel */
	isakmp_put_attr_basic(b, 5, 12);	/* HMAC-SHA2-256 */
	isakmp_put_attr_basic(b, 6, 256);	/* key length */
}

static void gap_attrs(struct isakmp_buf *b)
{
	isakmp_put_attr_basic(b, GDOI_GAP_ACTIVATION_TIME_DELAY, 150);
}

static void kd_kek(struct isakmp_buf *b)
{
	isakmp_put_attr_var(b, GDOI_KD_KEK_ALGORITHM_KEY, kek_key,
			    sizeof(kek_key));
}

static void kd_tek0(struct isakmp_buf *b)
{
	isakmp_put_attr_var(b, GDOI_KD_TEK_ALGORITHM_KEY, tek_key[0], 36);
	isakmp_put_attr_var(b, GDOI_KD_TEK_INTEGRITY_KEY, tek_ikey[0], 32);
}

static void kd_tek1(struct isakmp_buf *b)
{
	isakmp_put_attr_var(b, GDOI_KD_TEK_ALGORITHM_KEY, tek_key[1], 36);
	isakmp_put_attr_var(b, GDOI_KD_TEK_INTEGRITY_KEY, tek_ikey[1], 32);
}

static int ks_pull(void *arg, struct ike_sa *sa,
		   const struct gdoi_group_id *group, struct gdoi_pull_reply *r,
		   char *why, size_t whylen)
{
	struct gdoi_sel src = { ISAKMP_ID_IPV4_ADDR_SUBNET, 0, 8, sel_src };
	struct gdoi_sel dst = { ISAKMP_ID_IPV4_ADDR_SUBNET, 0, 8, sel_dst };
	unsigned i;

	(void)arg;
	(void)sa;
	pull_calls++;
	if (group->type != ISAKMP_ID_KEY_ID || group->id != GROUP) {
		snprintf(why, whylen, "no group %u", group->id);
		return -ENOENT;
	}
	memset(r, 0, sizeof(*r));
	r->sa.has_kek = true;
	r->sa.kek.proto = 17;
	r->sa.kek.src = (struct gdoi_sel){ ISAKMP_ID_IPV4_ADDR, 848, 4, sel_src };
	r->sa.kek.dst = (struct gdoi_sel){ ISAKMP_ID_IPV4_ADDR, 848, 4, sel_dst };
	memcpy(r->sa.kek.spi, kek_spi, 16);
	r->sa.kek.attrs = attrs(0, kek_attrs);
	r->sa.ntek = 2;
	for (i = 0; i < 2; i++) {
		struct gdoi_sat *t = &r->sa.tek[i];

		t->proto_id = GDOI_PROTO_IPSEC_ESP;
		t->ip_proto = 0;
		t->src = src;
		t->dst = dst;
		t->transform = 12;		/* ESP_AES */
		if (i == 0 && tek_gcm)
			t->transform = 20;	/* ESP_AES_GCM_16 */
		t->spi = (uint32_t)tek_spi_be[i][0] << 24 |
			 tek_spi_be[i][1] << 16 | tek_spi_be[i][2] << 8 |
			 tek_spi_be[i][3];
		t->attrs = attrs(1, tek_attrs);
	}
	r->sa.has_gap = true;
	r->sa.gap.attrs = gap_truncated ?
		(struct isakmp_attrs){ bad_gap, sizeof(bad_gap) } :
		attrs(2, gap_attrs);
	r->kd.n = 0;
	r->kd.pkt[r->kd.n++] = (struct gdoi_key_packet){ GDOI_KD_KEK, 16,
		kek_spi, attrs(3, kd_kek) };
	r->kd.pkt[r->kd.n++] = (struct gdoi_key_packet){ GDOI_KD_TEK, 4,
		tek_spi_be[0], attrs(4, kd_tek0) };
	if (!kd_skip_tek)
		r->kd.pkt[r->kd.n++] = (struct gdoi_key_packet){ GDOI_KD_TEK,
			4, tek_spi_be[1], attrs(5, kd_tek1) };
	r->has_seq = true;
	r->seq = 7;
	return 0;
}

static void ks_done_cb(void *arg, struct ike_sa *sa,
		       const struct gdoi_group_id *group,
		       struct gdoi_pull_reply *r, int err)
{
	(void)arg;
	(void)sa;
	(void)r;
	assert_int_equal(group->id, GROUP);
	done_calls++;
	done_err = err;
	done_sid = r->sid;
	ks_done = true;
}

static int ks_sid(void *arg, struct ike_sa *sa,
		  const struct gdoi_group_id *group, struct gdoi_pull_reply *r,
		  unsigned nreq, char *why, size_t whylen)
{
	(void)arg;
	(void)sa;
	assert_int_equal(group->id, GROUP);
	sid_calls++;
	sid_nreq = nreq;
	if (sid_mode == 1) {
		snprintf(why, whylen, "no free Sender ID");
		return -ENOSPC;
	}
	if (sid_mode == 0) {
		r->sid.bits = 8;
		r->sid.n = 1;
		r->sid.value[0] = 0xa5;
	}
	return 0;
}

/* the member's Phase 1 SA saw no pull */
static unsigned no_pull_calls;

static void ks_no_pull_cb(void *arg, struct ike_sa *sa)
{
	(void)arg;
	assert_false(sa->initiator);
	assert_int_equal(sa->peer.sin_addr.s_addr, addr[0].sin_addr.s_addr);
	no_pull_calls++;
}

static const struct gdoi_ks_ops ks_ops = {
	.pull = ks_pull, .sid = ks_sid, .done = ks_done_cb,
	.no_pull = ks_no_pull_cb,
};

/* --- the member's callback ---------------------------------------------------- */

static bool gm_done;
static unsigned gm_calls;
static int gm_err;
static char gm_why[256];
static struct gdoi_pull_result gm_res;
static uint8_t gm_keys[3][36];

static void gm_cb(void *arg, struct ike_sa *sa, int err,
		  const struct gdoi_pull_result *r, const char *why)
{
	(void)arg;
	(void)sa;
	gm_calls++;
	gm_done = true;
	gm_err = err;
	snprintf(gm_why, sizeof(gm_why), "%s", why ? why : "");
	if (err) {
		assert_null(r);
		assert_non_null(why);
		return;
	}
	assert_non_null(r);
	gm_res = *r;		/* pointers into it are dead after return */
	/* copy the keys out while they are valid */
	for (unsigned i = 0; i < r->kd.n && i < 3; i++) {
		struct isakmp_attrs it = r->kd.pkt[i].attrs;
		struct isakmp_attr a;

		assert_int_equal(isakmp_attr_next(&it, &a), 1);
		assert_true(a.len <= 36);
		memcpy(gm_keys[i], a.val, a.len);
	}
}

/* --- setup ------------------------------------------------------------------ */

static void reset_knobs(void)
{
	est[0] = est[1] = NULL;
	p1_done = false;
	p1_err = 1;
	pull_sent[0] = pull_sent[1] = 0;
	corrupt_side = drop_side = -1;
	corrupt_from = drop_from = drop_to = 0;
	dup_first_msg1 = false;
	ntrace = 0;
	kd_skip_tek = gap_truncated = false;
	tek_gcm = false;
	sid_mode = 0;
	sid_calls = sid_nreq = 0;
	memset(&done_sid, 0, sizeof(done_sid));
	pull_calls = done_calls = 0;
	no_pull_calls = 0;
	done_err = 1;
	ks_done = gm_done = false;
	gm_calls = 0;
	gm_err = 1;
	gm_why[0] = 0;
	memset(&gm_res, 0, sizeof(gm_res));
}

static void start_ctxs(void)
{
	struct ike_ops ops = {
		.send = op_send, .trace = op_trace,
		.established = op_established, .gone = op_gone,
		.phase2 = op_phase2, .notify = op_notify,
	};
	int i;

	ike_pair_start(&ops);
	for (i = 0; i < 2; i++)
		gdoi_init(&gdoi[i], &ctx[i], i ? &ks_ops : NULL, NULL);
}

/* Phase 1 in main mode, established on both sides */
static void phase1(void)
{
	assert_non_null(ike_initiate(&ctx[0], &peer[0], &addr[0], on_p1, NULL));
	ike_pair_run_until(&p1_done, 3000);
	assert_int_equal(p1_err, 0);
	assert_non_null(est[0]);
	assert_non_null(est[1]);
}

static int setup(void **state)
{
	(void)state;
	ike_pair_addrs();
	ike_pair_conf(0, IKE_AUTH_PSK);
	ike_pair_conf(1, IKE_AUTH_PSK);
	reset_knobs();
	start_ctxs();
	phase1();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ike_pair_fini();
	/* every exchange went with its SA */
	assert_int_equal(ev_timer_count(), 0);
	return 0;
}

static void pull(uint32_t group)
{
	struct gdoi_group_id gid = { .type = ISAKMP_ID_KEY_ID, .id = group };

	assert_int_equal(gdoi_pull(&gdoi[0], est[0], &gid, gm_cb, NULL), 0);
}

/* until the member has its answer and the server's exchange is over */
static void settle(void)
{
	ike_pair_run_until(&gm_done, 3000);
	assert_true(gm_done);
	/* the server keeps exchanges for duplicates: let them go */
	for (unsigned ms = 0; est[1] && est[1]->phase2 && ms < 3000; ms += 2) {
		ike_pair_tick();
		ike_pair_pump();
	}
	assert_int_equal(gm_calls, 1);
	assert_null(est[0]->phase2);
	assert_null(est[1]->phase2);
}

/* --- wire format: the traces decode back ------------------------------------- */

static unsigned want_kd_n = 3;

static void decode_trace(unsigned i, uint8_t *types, unsigned *n)
{
	struct isakmp_chain c;
	struct isakmp_hdr h;
	struct isakmp_err err;
	unsigned k;

	assert_int_equal(isakmp_hdr_decode(&h, trace_msg[i], trace_len[i],
					   &err), 0);
	assert_int_equal(h.exch, GDOI_EXCH_PULL);
	assert_false(h.flags & ISAKMP_FLAG_E);
	assert_int_equal(isakmp_chain_decode(&c, h.np, trace_msg[i] + 28,
					     trace_len[i] - 28, false, &err), 0);
	for (k = 0; k < c.n; k++) {
		types[k] = c.pl[k].type;
		if (c.pl[k].type == ISAKMP_NP_SA) {
			struct gdoi_sa sa;

			assert_int_equal(gdoi_sa_decode(&sa, &c.pl[k], &err), 0);
			assert_true(sa.has_kek);
			assert_true(sa.has_gap);
			assert_int_equal(sa.ntek, 2);
			assert_int_equal(sa.doi, ISAKMP_DOI_GDOI);
		}
		if (c.pl[k].type == ISAKMP_NP_KD) {
			struct gdoi_kd kd;

			assert_int_equal(gdoi_kd_decode(&kd, &c.pl[k], &err), 0);
			assert_int_equal(kd.n, want_kd_n);
			if (want_kd_n == 4) {
				struct gdoi_sid sid;

				assert_int_equal(kd.pkt[3].type, GDOI_KD_SID);
				assert_int_equal(kd.pkt[3].spi_len, 0);
				assert_int_equal(gdoi_kd_sid_decode(&kd.pkt[3],
								    &sid, &err), 0);
				assert_int_equal(sid.bits, 8);
				assert_int_equal(sid.n, 1);
				assert_int_equal(sid.value[0], 0xa5);
			}
		}
		if (c.pl[k].type == ISAKMP_NP_GAP) {
			struct gdoi_gap gap;
			uint16_t nreq;

			assert_int_equal(gdoi_gap_decode(&gap, c.pl[k].body,
							 c.pl[k].len, &err), 0);
			assert_int_equal(gdoi_gap_sid_request(&gap, &nreq,
							      &err), 0);
			assert_int_equal(nreq, 1);
		}
		if (c.pl[k].type == ISAKMP_NP_ID) {
			struct isakmp_id id;

			assert_int_equal(isakmp_id_decode(&id, &c.pl[k], &err), 0);
			assert_int_equal(id.type, ISAKMP_ID_KEY_ID);
			assert_int_equal(id.len, 4);
			assert_memory_equal(id.data, "\x00\x00\x04\xd2", 4);
		}
	}
	*n = c.n;
}

static void assert_wire(bool pop)
{
	/* each message traced once by its sender and once by its receiver */
	static const uint8_t m1[] = { ISAKMP_NP_HASH, ISAKMP_NP_NONCE,
				      ISAKMP_NP_ID };
	static const uint8_t m2[] = { ISAKMP_NP_HASH, ISAKMP_NP_NONCE,
				      ISAKMP_NP_SA };
	static const uint8_t m3[] = { ISAKMP_NP_HASH, ISAKMP_NP_POP };
	static const uint8_t m4[] = { ISAKMP_NP_HASH, ISAKMP_NP_SEQ,
				      ISAKMP_NP_KD, ISAKMP_NP_POP };
	const uint8_t *want[] = { m1, m1, m2, m2, m3, m3, m4, m4 };
	size_t want_n[] = { 3, 3, 3, 3, pop ? 2 : 1, pop ? 2 : 1,
			    pop ? 4 : 3, pop ? 4 : 3 };
	uint8_t types[ISAKMP_MAX_PAYLOADS];
	unsigned i, n;

	assert_int_equal(ntrace, 8);
	for (i = 0; i < 8; i++) {
		decode_trace(i, types, &n);
		assert_int_equal(n, want_n[i]);
		assert_memory_equal(types, want[i], n);
	}
}

/* --- tests ------------------------------------------------------------------ */

/* the wire of a pull with Sender IDs: GAP in 3, SID key packet in 4 */
static void assert_wire_sid(void)
{
	static const uint8_t m3[] = { ISAKMP_NP_HASH, ISAKMP_NP_GAP };
	static const uint8_t m4[] = { ISAKMP_NP_HASH, ISAKMP_NP_SEQ,
				      ISAKMP_NP_KD };
	uint8_t types[ISAKMP_MAX_PAYLOADS];
	unsigned i, n;

	assert_int_equal(ntrace, 8);
	want_kd_n = 4;
	for (i = 4; i < 8; i++) {
		decode_trace(i, types, &n);
		assert_int_equal(n, i < 6 ? 2 : 3);
		assert_memory_equal(types, i < 6 ? m3 : m4, n);
	}
	want_kd_n = 3;
}

static void assert_good_result(void)
{
	assert_int_equal(gm_err, 0);
	assert_int_equal(gm_res.group.id, GROUP);
	assert_true(gm_res.sa.has_kek);
	assert_memory_equal(gm_res.sa.kek.spi, kek_spi, 16);
	assert_int_equal(gm_res.sa.ntek, 2);
	assert_int_equal(gm_res.sa.tek[0].spi, 0x11223344);
	assert_int_equal(gm_res.sa.tek[1].spi, 0x55667788);
	assert_true(gm_res.sa.has_gap);
	assert_int_equal(gm_res.kd.n, 3);
	assert_true(gm_res.has_seq);
	assert_int_equal(gm_res.seq, 7);
	assert_memory_equal(gm_keys[0], kek_key, 32);
	assert_memory_equal(gm_keys[1], tek_key[0], 36);
	assert_memory_equal(gm_keys[2], tek_key[1], 36);
	assert_int_equal(pull_calls, 1);
	assert_int_equal(done_calls, 1);
	assert_int_equal(done_err, 0);
	assert_int_equal(gdoi[0].stats.pull_ok, 1);
	assert_int_equal(gdoi[1].stats.pull_ok, 1);
	assert_int_equal(gdoi[1].stats.pull_rx, 1);
}

static void test_pull_ok(void **state)
{
	(void)state;
	pull(GROUP);
	settle();
	assert_good_result();
	/* four messages, none repeated */
	assert_int_equal(pull_sent[0], 2);
	assert_int_equal(pull_sent[1], 2);
	assert_wire(false);
	assert_int_equal(gdoi[0].stats.bad_hash + gdoi[1].stats.bad_hash, 0);
}

/*
 * Where key bytes are left in static memory (.data and .bss of this
 * process) or on the heap (gvpnd's per-message buffers: plaintexts,
 * messages being built, trace copies), other than in the test's own
 * copies; NULL if nowhere. Freed heap memory keeps its bytes: what
 * was not wiped before free() is found.
 */
extern char __data_start[], _end[];

static const char *copy_in(const char *lo, const char *hi,
			   const uint8_t *key, size_t len)
{
	const char *p;

	for (p = lo; p + len <= hi; p++) {
		if ((const uint8_t *)p >= &kek_key[0] &&
		    (const uint8_t *)p < &kek_key[0] + sizeof(kek_key))
			continue;
		if ((const uint8_t *)p >= &tek_key[0][0] &&
		    (const uint8_t *)p < &tek_key[0][0] + sizeof(tek_key))
			continue;
		if (!memcmp(p, key, len))
			return p;
	}
	return NULL;
}

/* the main arena's heap, from /proc/self/maps */
static void heap_range(const char **lo, const char **hi)
{
	unsigned long a, b;
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");

	assert_non_null(f);
	*lo = *hi = NULL;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "[heap]") &&
		    sscanf(line, "%lx-%lx", &a, &b) == 2) {
			*lo = (const char *)a;
			*hi = (const char *)b;
		}
	fclose(f);
	/* the buffers are there: the scan cannot pass by missing them */
	assert_non_null(*lo);
}

static const char *key_copy_of(const uint8_t *key, size_t len)
{
	const char *lo, *hi, *p = copy_in(__data_start, _end, key, len);

	if (p)
		return p;
	heap_range(&lo, &hi);
	return copy_in(lo, hi, key, len);
}

/* no buffer of gvpnd's holds the keys a pull carried (KD) */
static void assert_no_key_left(void)
{
	/* the test's own copies: the trace, the key server's KD attributes,
	 * what the callback kept */
	memset(trace_msg, 0, sizeof(trace_msg));
	memset(attr_mem, 0, sizeof(attr_mem));
	memset(gm_keys, 0, sizeof(gm_keys));
	memset(&gm_res, 0, sizeof(gm_res));
	assert_null(key_copy_of(kek_key, sizeof(kek_key)));
	assert_null(key_copy_of(tek_key[0], sizeof(tek_key[0])));
	assert_null(key_copy_of(tek_key[1], sizeof(tek_key[1])));
}

static void test_no_key_left(void **state)
{
	(void)state;
	pull(GROUP);
	settle();
	assert_good_result();
	assert_no_key_left();
}

/* an AES-GCM TEK: the member asks for one SID, the server gives 0xa5 */
static void test_pull_sid(void **state)
{
	(void)state;
	tek_gcm = true;
	pull(GROUP);
	settle();
	assert_int_equal(gm_err, 0);
	assert_int_equal(sid_calls, 1);
	assert_int_equal(sid_nreq, 1);
	assert_true(gm_res.sid_requested);
	assert_int_equal(gm_res.sid.n, 1);
	assert_int_equal(gm_res.sid.bits, 8);
	assert_int_equal(gm_res.sid.value[0], 0xa5);
	assert_int_equal(gm_res.kd.n, 4);
	/* the role learns at done() which SID went out */
	assert_int_equal(done_err, 0);
	assert_int_equal(done_sid.n, 1);
	assert_int_equal(done_sid.value[0], 0xa5);
	assert_wire_sid();
}

/* no counter mode: no GAP in message 3, the role is not asked */
static void test_pull_cbc_no_sid(void **state)
{
	(void)state;
	pull(GROUP);
	settle();
	assert_int_equal(gm_err, 0);
	assert_int_equal(sid_calls, 0);
	assert_false(gm_res.sid_requested);
	assert_int_equal(gm_res.sid.n, 0);
}

/* asked, none given (a group without SIDs): the member is told so */
static void test_pull_sid_none(void **state)
{
	(void)state;
	tek_gcm = true;
	sid_mode = 2;
	pull(GROUP);
	settle();
	assert_int_equal(gm_err, 0);
	assert_int_equal(sid_calls, 1);
	assert_true(gm_res.sid_requested);
	assert_int_equal(gm_res.sid.n, 0);
	assert_int_equal(gm_res.kd.n, 3);
}

/* the SID space is exhausted: refused, no message 4, done() with the error */
static void test_pull_sid_exhausted(void **state)
{
	(void)state;
	tek_gcm = true;
	sid_mode = 1;
	pull(GROUP);
	settle();
	assert_int_equal(gm_err, -EACCES);
	assert_int_equal(sid_calls, 1);
	assert_int_equal(done_calls, 1);
	assert_int_equal(done_err, -ENOSPC);
	assert_int_equal(gdoi[1].stats.pull_ok, 0);
	assert_int_equal(gdoi[0].stats.pull_ok, 0);
}

static void test_two_pulls_one_sa(void **state)
{
	(void)state;
	pull(GROUP);
	pull(GROUP);
	ike_pair_run_until(NULL, 100);
	assert_int_equal(gm_calls, 2);
	assert_int_equal(gm_err, 0);
	assert_int_equal(pull_calls, 2);
	assert_int_equal(done_calls, 2);
	for (unsigned ms = 0; est[1]->phase2 && ms < 3000; ms += 2) {
		ike_pair_tick();
	}
	assert_null(est[1]->phase2);
}

/* at most 32 exchanges at once on one SA; they all complete */
static void test_exchange_cap(void **state)
{
	struct gdoi_group_id gid = { .type = ISAKMP_ID_KEY_ID, .id = GROUP };
	unsigned i, refused = 0;

	(void)state;
	for (i = 0; i < 40; i++)
		refused += gdoi_pull(&gdoi[0], est[0], &gid, gm_cb, NULL) ==
			   -ENOMEM;
	assert_int_equal(refused, 8);
	ike_pair_run_until(NULL, 100);
	assert_int_equal(gm_calls, 32);
	assert_int_equal(gm_err, 0);
	assert_int_equal(done_calls, 32);
	assert_null(est[0]->phase2);
}

/* A GDOI HASH covers every payload after HASH, unknown ones too: one
 * before the nonce, one last (what a sender's HASH covers) */
static void test_hash_unknown_payloads(void **state)
{
	static const uint8_t nonce[16] = "gdoi-hash-check", x[5] = "gvpn";
	unsigned where;

	(void)state;
	for (where = 0; where < 2; where++) {
		uint8_t iv[IKE_MAX_BLOCK], hash[IKE_MAX_HASH];
		uint32_t mid = 0x51c0ffee + where;
		struct ike_pair_pkt *p;
		struct isakmp_hdr h;
		struct isakmp_err err;
		struct gdoi_in in;
		struct isakmp_buf b;
		size_t off, from;
		char why[128];

		off = ike_p2_begin(est[0], &b, GDOI_EXCH_PULL, mid);
		if (where == 0)
			isakmp_data_encode(&b, 130, x, sizeof(x));
		isakmp_data_encode(&b, ISAKMP_NP_NONCE, nonce, sizeof(nonce));
		if (where == 1)
			isakmp_data_encode(&b, 131, x, sizeof(x));
		from = off + ISAKMP_GEN_LEN + est[0]->keys.prf_len;
		assert_int_equal(gdoi_hash(est[0], mid, NULL, 0, NULL, 0,
					   b.p + from, b.len - from, hash), 0);
		memcpy(b.p + off + ISAKMP_GEN_LEN, hash, est[0]->keys.prf_len);
		ike_p2_iv(est[0], mid, iv);
		assert_int_equal(ike_p2_send(est[0], &b, iv), 0);
		/* taken off the wire, opened as the server would */
		assert_int_equal(ike_pair_queued(), 1);
		p = ike_pair_peek();
		assert_int_equal(isakmp_hdr_decode(&h, p->data, p->len, &err),
				 0);
		ike_p2_iv(est[1], mid, iv);
		assert_int_equal(gdoi_open(est[1], &h, p->data, p->len, iv,
					   NULL, 0, NULL, 0, &in, why,
					   sizeof(why)), 0);
		assert_int_equal(in.c.n, 2);
		assert_int_equal(in.c.skipped, 1);
		gdoi_in_done(&in);
		ike_pair_drop();
	}
}

static void test_bad_hash1(void **state)
{
	(void)state;
	corrupt_side = 0;		/* every message 1 */
	pull(GROUP);
	settle();
	assert_int_equal(gm_err, -ETIMEDOUT);
	assert_int_equal(pull_calls, 0);
	assert_int_equal(gdoi[1].stats.bad_hash, conf[0].retransmit_tries);
	assert_int_equal(pull_sent[0], conf[0].retransmit_tries);
	assert_int_equal(pull_sent[1], 0);
}

static void test_bad_hash2(void **state)
{
	(void)state;
	corrupt_side = 1;		/* every message 2 */
	pull(GROUP);
	settle();
	assert_int_equal(gm_err, -ETIMEDOUT);
	assert_non_null(strstr(gm_why, "HASH(2) does not verify"));
	assert_true(gdoi[0].stats.bad_hash >= 1);
	/* the retransmitted message 1 got message 2 again, not a new pull */
	assert_int_equal(pull_calls, 1);
	assert_int_equal(done_calls, 1);
	assert_int_equal(done_err, -ETIMEDOUT);
}

static void test_bad_hash3(void **state)
{
	(void)state;
	corrupt_side = 0;
	corrupt_from = 1;		/* message 3 and its repeats */
	pull(GROUP);
	settle();
	assert_int_equal(gm_err, -ETIMEDOUT);
	assert_non_null(strstr(gm_why, "no valid message 4"));
	assert_true(gdoi[1].stats.bad_hash >= 1);
	assert_int_equal(pull_sent[1], 1);	/* no message 4 went out */
	assert_int_equal(done_calls, 1);
	assert_int_equal(done_err, -ETIMEDOUT);
	assert_int_equal(gdoi[1].stats.pull_ok, 0);
}

static void test_bad_hash4(void **state)
{
	(void)state;
	corrupt_side = 1;
	corrupt_from = 1;		/* message 4 and its repeats */
	pull(GROUP);
	settle();
	assert_int_equal(gm_err, -ETIMEDOUT);
	assert_non_null(strstr(gm_why, "HASH(4) does not verify"));
	assert_true(gdoi[0].stats.bad_hash >= 1);
	assert_int_equal(gdoi[0].stats.pull_ok, 0);
	/* the repeated message 3 got message 4 again */
	assert_true(pull_sent[1] >= 3);
	/* the refused messages' keys did not stay behind either */
	assert_no_key_left();
}

static void test_wrong_group(void **state)
{
	(void)state;
	pull(4321);
	settle();
	assert_int_equal(gm_err, -EACCES);
	assert_non_null(strstr(gm_why, "INVALID-ID-INFORMATION"));
	assert_int_equal(pull_calls, 1);
	assert_int_equal(done_calls, 0);
	assert_int_equal(pull_sent[1], 0);
	assert_int_equal(gdoi[1].stats.pull_failed, 1);
}

static int refuse_second_tek(void *arg, struct ike_sa *sa,
			     const struct gdoi_sa *sa_pl, char *why,
			     size_t whylen)
{
	(void)arg;
	(void)sa;
	assert_int_equal(sa_pl->ntek, 2);
	snprintf(why, whylen, "TEK 0x%08x: transform not acceptable",
		 sa_pl->tek[1].spi);
	return -1;
}

/* the member refuses message 2's SA: no HASH(3), no keys, no registration */
static void test_member_refuses_sa(void **state)
{
	struct gdoi_group_id gid = { .type = ISAKMP_ID_KEY_ID, .id = GROUP };

	(void)state;
	assert_int_equal(gdoi_pull_checked(&gdoi[0], est[0], &gid,
					   refuse_second_tek, gm_cb, NULL), 0);
	settle();
	assert_int_equal(gm_err, -EPROTO);
	assert_non_null(strstr(gm_why, "TEK 0x55667788: transform not acceptable"));
	assert_int_equal(pull_calls, 1);
	/* the server heard the refusal: its exchange ended without message 4 */
	assert_int_equal(done_calls, 1);
	assert_int_not_equal(done_err, 0);
	assert_int_equal(pull_sent[0], 1);
	assert_int_equal(pull_sent[1], 1);
	assert_int_equal(gdoi[1].stats.pull_ok, 0);
}

static void test_kd_missing_key(void **state)
{
	(void)state;
	kd_skip_tek = true;
	pull(GROUP);
	settle();
	assert_int_equal(gm_err, -EBADMSG);
	assert_non_null(strstr(gm_why, "no key for TEK SPI 0x55667788"));
	assert_int_equal(gdoi[0].stats.pull_ok, 0);
}

static void test_truncated_gap(void **state)
{
	(void)state;
	gap_truncated = true;
	pull(GROUP);
	settle();
	assert_int_equal(gm_err, -EBADMSG);
	assert_non_null(strstr(gm_why, "SA payload"));
	/* refused at message 2: no message 3 went out, the server gives up */
	assert_int_equal(pull_sent[0], 1);
	assert_int_equal(done_calls, 1);
	assert_int_not_equal(done_err, 0);
}

static void test_duplicate_msg1(void **state)
{
	(void)state;
	dup_first_msg1 = true;
	pull(GROUP);
	settle();
	assert_good_result();
	/* message 2 twice (the duplicate's answer), then message 4 */
	assert_int_equal(pull_sent[1], 3);
	assert_int_equal(pull_sent[0], 2);
}

/*
 * An attacker replays message 1 once the exchange is over: its HASH is
 * good, but the M-ID was used on this Phase 1 SA; no second pull runs.
 */
static void test_replayed_msg1(void **state)
{
	(void)state;
	pull(GROUP);
	settle();			/* the server forgot the exchange */
	assert_good_result();
	assert_non_null(est[1]);
	assert_null(est[1]->phase2);
	assert_true(msg1_len > ISAKMP_HDR_LEN);
	ike_pair_queue(0, &pair.addr[0], &pair.addr[1], msg1_copy,
		       msg1_len);
	ike_pair_run_until(NULL, 20);
	assert_int_equal(pull_calls, 1);
	assert_int_equal(pull_sent[1], 2);	/* no message 2 for it */
	assert_int_equal(gdoi[1].stats.replayed, 1);
	assert_int_equal(gdoi[1].stats.pull_rx, 1);
	assert_null(est[1]->phase2);
}

static void test_lost_msg2(void **state)
{
	(void)state;
	drop_side = 1;			/* the first message 2 */
	pull(GROUP);
	settle();
	assert_good_result();
	assert_int_equal(pull_sent[0], 3);	/* 1, 1 again, 3 */
}

static void test_timeout(void **state)
{
	(void)state;
	drop_side = 0;
	drop_to = 100;			/* nothing reaches the server */
	pull(GROUP);
	settle();
	assert_int_equal(gm_err, -ETIMEDOUT);
	assert_non_null(strstr(gm_why, "no valid message 2 after 3 transmissions"));
	assert_int_equal(pull_sent[0], conf[0].retransmit_tries);
	assert_int_equal(pull_calls, 0);
}

static void test_sa_gone(void **state)
{
	(void)state;
	drop_side = 1;
	drop_to = 100;			/* the server answers into the void */
	pull(GROUP);
	ike_pair_pump();
	assert_int_equal(pull_calls, 1);
	ike_sa_delete(est[0], "test");
	assert_true(gm_done);
	assert_int_equal(gm_err, -ECONNABORTED);
	ike_pair_pump();				/* the delete reaches the server */
	assert_null(est[1]);
	assert_int_equal(done_calls, 1);
	assert_int_equal(done_err, -ECONNABORTED);
	assert_int_equal(gm_calls, 1);
}

/* let the timers run until ms after the key server's Phase 1 came up */
static void wait_until(uint64_t ms)
{
	while (ev_now_ms() < est_ms[1] + ms) {
		ike_pair_tick();
		ike_pair_pump();
	}
	ike_pair_pump();
}

/* The key server reports a member that stops after Phase 1, once */
static void test_no_pull(void **state)
{
	uint64_t keep = 2 * gdoi_rtx_total(&conf[1]);

	(void)state;
	/* Phase 1 is up (setup): the server watches for the first pull */
	assert_non_null(est[1]->phase2);
	/* not before its time (the test clock: no load moves it) */
	wait_until(keep - 10);
	assert_int_equal(no_pull_calls, 0);
	wait_until(keep + 20);
	assert_int_equal(no_pull_calls, 1);
	assert_int_equal(gdoi[1].stats.no_pull, 1);
	assert_null(est[1]->phase2);
	/* a pull after that is served as ever, and not reported */
	pull(GROUP);
	settle();
	assert_good_result();
	assert_int_equal(no_pull_calls, 1);
}

/* A member that pulls is not reported, however long its SA lives */
static void test_pull_no_report(void **state)
{
	(void)state;
	pull(GROUP);
	settle();
	assert_good_result();
	wait_until(3 * gdoi_rtx_total(&conf[1]));
	assert_int_equal(no_pull_calls, 0);
	assert_int_equal(gdoi[1].stats.no_pull, 0);
}

/* The member deletes its Phase 1 SA without pulling: reported at once */
static void test_no_pull_deleted(void **state)
{
	(void)state;
	ike_sa_delete(est[0], "test");
	ike_pair_pump();				/* the delete reaches the server */
	assert_null(est[1]);
	assert_int_equal(no_pull_calls, 1);
	/* the server deleting its SAs when it stops is no such member */
	reset_knobs();
	phase1();
	gdoi[1].closing = true;
	ike_ctx_fini(&ctx[1]);
	assert_int_equal(no_pull_calls, 0);
	assert_int_equal(ike_ctx_init(&ctx[1], &conf[1], &ctx[0].ops), 0);
}

static void test_pull_bad_group_type(void **state)
{
	struct gdoi_group_id gid = { .type = ISAKMP_ID_FQDN };

	(void)state;
	assert_int_equal(gdoi_pull(&gdoi[0], est[0], &gid, gm_cb, NULL),
			 -EINVAL);
	assert_int_equal(gm_calls, 0);
}

/* --- RSA signatures: POP both ways ---------------------------------------------- */

static EVP_PKEY *ca_key, *ks_key, *gm_key;
static X509 *ca_cert;

static X509 *make_cert(const char *cn, EVP_PKEY *key, X509 *issuer,
		       EVP_PKEY *issuer_key, const char *san)
{
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();
	X509V3_CTX v3;
	X509_EXTENSION *ext;

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), rand() & 0x7fffffff);
	X509_NAME_add_entry_by_txt(n, "O", MBSTRING_UTF8,
				   (uint8_t *)"gvpn test", -1, -1, 0);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (uint8_t *)cn,
				   -1, -1, 0);
	X509_set_subject_name(x, n);
	X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : n);
	X509_gmtime_adj(X509_getm_notBefore(x), -60);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, key);
	X509V3_set_ctx(&v3, issuer ? issuer : x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, san ? NID_subject_alt_name :
				  NID_basic_constraints,
				  san ? san : "critical,CA:TRUE");
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	assert_true(X509_sign(x, issuer_key ? issuer_key : key,
			      EVP_sha256()) > 0);
	X509_NAME_free(n);
	return x;
}

static struct ike_creds *creds_for(EVP_PKEY *key, X509 *cert)
{
	struct ike_creds *cr = ike_creds_new();
	unsigned char *der = NULL;
	char err[200];

	EVP_PKEY_up_ref(key);
	cr->key = key;
	cr->cert = cert;
	cr->store = X509_STORE_new();
	X509_STORE_add_cert(cr->store, ca_cert);
	cr->ca_name_len[0] = i2d_X509_NAME(X509_get_subject_name(ca_cert),
					   &der);
	cr->ca_names[0] = der;
	cr->nca = 1;
	assert_int_equal(ike_creds_check(cr, err, sizeof(err)), 0);
	return cr;
}

/* a certificate Phase 1 with keys made by gen (RSA or ECDSA) */
static int sig_setup(EVP_PKEY *(*gen)(void), uint16_t auth)
{
	ca_key = gen();
	ks_key = gen();
	gm_key = gen();
	assert_non_null(gm_key);
	ca_cert = make_cert("gvpn test CA", ca_key, NULL, NULL, NULL);
	ike_pair_addrs();
	ike_pair_conf(0, auth);
	ike_pair_conf(1, auth);
	peer[0].creds = creds_for(gm_key, make_cert("gm.test", gm_key, ca_cert,
				  ca_key, "DNS:gm.test,IP:10.0.0.2"));
	peer[1].creds = creds_for(ks_key, make_cert("ks.test", ks_key, ca_cert,
				  ca_key, "DNS:ks.test,IP:10.0.0.1"));
	reset_knobs();
	start_ctxs();
	phase1();
	return 0;
}

static EVP_PKEY *rsa2048(void)
{
	return EVP_RSA_gen(2048);
}

static int rsa_setup(void **state)
{
	(void)state;
	return sig_setup(rsa2048, IKE_AUTH_RSA_SIG);
}

static int rsa_teardown(void **state)
{
	teardown(state);
	ike_creds_free(peer[0].creds);
	ike_creds_free(peer[1].creds);
	peer[0].creds = peer[1].creds = NULL;
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(ks_key);
	EVP_PKEY_free(gm_key);
	X509_free(ca_cert);
	return 0;
}

static void test_pull_rsa_pop(void **state)
{
	(void)state;
	assert_int_equal(est[0]->suite.auth, IKE_AUTH_RSA_SIG);
	pull(GROUP);
	settle();
	assert_good_result();
	assert_wire(true);
}

/* the same with ECDSA P-256 keys: Phase 1 method 9, POP as r | s */
static EVP_PKEY *p256(void)
{
	return EVP_EC_gen("P-256");
}

static int ecdsa_setup(void **state)
{
	(void)state;
	return sig_setup(p256, IKE_AUTH_ECDSA_256);
}

static void test_pull_ecdsa_pop(void **state)
{
	(void)state;
	assert_int_equal(est[0]->suite.auth, IKE_AUTH_ECDSA_256);
	pull(GROUP);
	settle();
	assert_good_result();
	assert_wire(true);
}

/* The key server's POP in message 4 does not verify with its Phase 1
 * certificate (signed here with another key): an authentic answer the
 * member refuses, -EBADMSG like any other (gm_p1_answer_refused()), not
 * -EACCES, which is the key server's refusal */
static void test_pull_rsa_bad_pop(void **state)
{
	EVP_PKEY *ks_own = peer[1].creds->key;

	(void)state;
	peer[1].creds->key = gm_key;		/* not the certificate's */
	pull(GROUP);
	settle();
	peer[1].creds->key = ks_own;
	assert_int_equal(gm_err, -EBADMSG);
	assert_non_null(strstr(gm_why, "its POP does not verify"));
	assert_int_equal(gdoi[0].stats.pull_ok, 0);
	assert_true(gdoi[0].stats.bad_payload >= 1);
}

int main(void)
{
	const struct CMUnitTest psk[] = {
		cmocka_unit_test_setup_teardown(test_pull_ok, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pull_sid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pull_cbc_no_sid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pull_sid_none, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pull_sid_exhausted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_pulls_one_sa, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exchange_cap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_hash1, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_hash2, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_hash3, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_hash4, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_group, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kd_missing_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_member_refuses_sa, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated_gap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicate_msg1, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replayed_msg1, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lost_msg2, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_key_left, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sa_gone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_pull, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hash_unknown_payloads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pull_no_report, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_pull_deleted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pull_bad_group_type, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pull_rsa_pop, rsa_setup, rsa_teardown),
		cmocka_unit_test_setup_teardown(test_pull_ecdsa_pop, ecdsa_setup, rsa_teardown),
		cmocka_unit_test_setup_teardown(test_pull_rsa_bad_pop, rsa_setup, rsa_teardown),
	};
	unsigned i;

	log_init("test_gdoi_pull", true,
		 getenv("GDOI_TEST_DEBUG") ? LOG_DEBUG : LOG_EMERG);
	srand((unsigned)time(NULL));
	if (getenv("GDOI_TEST_PCAP") && capture_open(getenv("GDOI_TEST_PCAP")))
		return 1;
	for (i = 0; i < sizeof(kek_key); i++)
		kek_key[i] = (uint8_t)(0xa0 + i);
	for (i = 0; i < 36; i++) {
		tek_key[0][i] = (uint8_t)(0x10 + i);
		tek_key[1][i] = (uint8_t)(0x60 + i);
	}
	memset(tek_ikey[0], 0x33, 32);
	memset(tek_ikey[1], 0x44, 32);
	return cmocka_run_group_tests_name("gdoi GROUPKEY-PULL", psk, NULL,
					   NULL);
}
