// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * A key server (the pair's responder) whose peer entry covers 10.0.0.0/8
 * under a flood of main mode message 3: 10,000 exchanges in 5 s from 100
 * addresses of the prefix (or from one) that receive what it sends (each
 * one answers message 2 with a valid message 3 at once), while 3 real
 * members register from 10.0.0.2..4. All 3 must get their Phase 1 SA, the
 * key server's state must stay within its limits (half-open records,
 * negotiating SAs, all SAs, heap), and the flood must be logged once per
 * period, not once per message. The flood's messages are those of a real
 * initiator (recorded while a fourth member, 10.0.0.5, registers first),
 * with new cookies.
 *
 * Aggressive mode, whose responder computes Diffie-Hellman on message 1:
 * first messages from addresses no peer entry covers spend nothing of
 * aggressive-rate (a member registers through a flood of them), and
 * message 2, sent to an address nothing verified, goes again once at most.
 */

#include <arpa/inet.h>
#include <malloc.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/log.h"
#include "core/loop.h"
#include "ike_pair.h"
#include "json.h"
#include "main/ctl.h"

#define KS		(&pair.ctx[1])
#define GM		(&pair.ctx[0])
#define ATTEMPTS	10000
#define FLOOD_MS	5000	/* the flood lasts this long */
#define MEMBERS		3

/* what a real initiator sent: message 1 and message 3 */
static uint8_t tmpl1[1024], tmpl3[1024], tmpl_am[1024];
static size_t tmpl1_len, tmpl3_len, tmpl_am_len;
/* aggressive mode messages the responder sent to 10.200.0.1 */
static unsigned to_flood1;
/* the responder's last answer to a flooding address */
static uint8_t flood_rcookie[8];
static bool flood_answered;

static void op_send_record(int side, const uint8_t *buf, size_t len)
{
	const struct isakmp_hdr *h = (const void *)buf;

	if (!side && h->exch == ISAKMP_EXCH_AGGRESSIVE && !tmpl_am_len &&
	    len <= sizeof(tmpl_am)) {
		memcpy(tmpl_am, buf, len);
		tmpl_am_len = len;
	}
	if (side || h->exch != ISAKMP_EXCH_MAIN || (h->flags & ISAKMP_FLAG_E))
		return;
	if (!memcmp(h->rcookie, "\0\0\0\0\0\0\0\0", 8)) {
		if (!tmpl1_len && len <= sizeof(tmpl1)) {
			memcpy(tmpl1, buf, len);
			tmpl1_len = len;
		}
	} else if (!tmpl3_len && len <= sizeof(tmpl3)) {
		memcpy(tmpl3, buf, len);
		tmpl3_len = len;
	}
}

static int op_send(struct ike_ctx *ctx, const struct sockaddr_in *local,
		   const struct sockaddr_in *peer, const uint8_t *buf,
		   size_t len)
{
	int side = ike_pair_side(ctx);

	op_send_record(side, buf, len);
	/* the member's addresses are 10.0.0.x; the flood's 10.200.0.x */
	if (side == 1 && (ntohl(peer->sin_addr.s_addr) >> 8) == 0x0ac800) {
		/* (its last words may be a Delete: not message 2) */
		to_flood1 += ntohl(peer->sin_addr.s_addr) == 0x0ac80001 &&
			     buf[18] == ISAKMP_EXCH_AGGRESSIVE;
		memcpy(flood_rcookie, buf + 8, 8);
		flood_answered = true;
		return 0;
	}
	ike_pair_queue(side, local, peer, buf, len);
	return 0;
}

static int done[MEMBERS + 1];
static unsigned sources;

static void on_done(struct ike_sa *sa, int err, void *arg)
{
	(void)sa;
	*(int *)arg = err ? -1 : 1;
}

static struct sockaddr_in member_addr(unsigned i)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(848) };

	a.sin_addr.s_addr = htonl(0x0a000002 + i);	/* 10.0.0.2.. */
	return a;
}

static int setup(void **state)
{
	struct ike_ops ops = { .send = op_send };
	struct ike_conf *ks = &pair.conf[1], *gm = &pair.conf[0];

	(void)state;
	ike_pair_addrs();
	ike_pair_conf(0, IKE_AUTH_PSK);
	ike_pair_conf(1, IKE_AUTH_PSK);
	/* the key server: every address of 10.0.0.0/8 may be a member, the
	 * timers and limits of gvpnd's defaults but a small max-sas, which
	 * alone would let the flood lock the members out */
	inet_pton(AF_INET, "10.0.0.0", &pair.peer[1].addr);
	pair.peer[1].plen = 8;
	ks->retransmit_ms = 2000;
	ks->retransmit_max_ms = 16000;
	ks->retransmit_tries = 5;
	ks->half_open_max = 4096;
	ks->max_sas = 1024;
	ks->negotiating_max = 64;
	ks->negotiating_per_peer = 5;
	ks->peer_rate = 10;
	ks->flood_log_ms = 1000;
	/* the members retransmit for about 7 s */
	gm->retransmit_ms = 500;
	gm->retransmit_max_ms = 2000;
	gm->retransmit_tries = 5;
	ike_pair_start(&ops);
	memset(done, 0, sizeof(done));
	tmpl1_len = tmpl3_len = tmpl_am_len = 0;
	to_flood1 = 0;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ike_pair_fini();
	return 0;
}

static void initiate(unsigned i)
{
	struct sockaddr_in local = member_addr(i);

	assert_non_null(ike_initiate(GM, &pair.peer[0], &local, on_done,
				     &done[i]));
}

/* one flood exchange: message 1, the answer, message 3 */
static void flood_one(unsigned n)
{
	struct sockaddr_in src = { .sin_family = AF_INET };
	struct sockaddr_in *ks = &pair.addr[1];
	uint8_t m[1024];
	uint32_t ck = htonl(0xf1000000u + n);

	src.sin_addr.s_addr = htonl(0x0ac80001 + n % sources);	/* 10.200.0.x */
	src.sin_port = htons((uint16_t)(20000 + n / sources));
	memcpy(m, tmpl1, tmpl1_len);
	memcpy(m, &ck, 4);
	memcpy(m + 4, "flod", 4);
	flood_answered = false;
	ike_input(KS, ks, &src, m, tmpl1_len);
	if (!flood_answered)
		return;
	memcpy(m, tmpl3, tmpl3_len);
	memcpy(m, &ck, 4);
	memcpy(m + 4, "flod", 4);
	memcpy(m + 8, flood_rcookie, 8);
	ike_input(KS, ks, &src, m, tmpl3_len);
}

/* the responder's part of "gvpn daemon show", text or JSON */
static char *show(bool json)
{
	static char buf[8192];
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	assert_non_null(f);
	json_begin(f, json);
	open_json_object(NULL);
	ike_show(KS);
	close_json_object();
	assert_int_equal(json_end(), 0);
	fclose(f);
	return buf;
}

static unsigned count_lines(const char *log, const char *what)
{
	unsigned n = 0;
	const char *p = log;

	while ((p = strstr(p, what))) {
		n++;
		p++;
	}
	return n;
}

struct flood_result {
	unsigned max_half, max_nego, max_sas;
	size_t heap;
	char *log;
};

/* the flood from n addresses, the members joining after 1 s */
static void flood(unsigned n_sources, struct flood_result *r)
{
	unsigned i, sent = 0, max_half = 0, max_nego = 0, max_sas = 0;
	size_t heap0, heap, max_heap = 0;
	char path[] = "/tmp/test_ike_flood.XXXXXX", *log;
	int fd = mkstemp(path), saved, level = log_get_level();
	uint64_t t0;
	ssize_t n;

	sources = n_sources;
	/* a fourth member registers first: its messages are the flood's */
	initiate(MEMBERS);
	ike_pair_run_until(NULL, 100);
	assert_int_equal(done[MEMBERS], 1);
	assert_true(tmpl1_len && tmpl3_len);
	heap0 = mallinfo2().uordblks;

	assert_true(fd >= 0);
	fflush(stderr);
	saved = dup(2);
	dup2(fd, 2);
	log_set_level(LOG_NOTICE);
	t0 = ev_now_ms();
	while (ev_now_ms() - t0 < FLOOD_MS + 10000) {
		uint64_t t = ev_now_ms() - t0;

		/* the members come when the flood is in full swing */
		if (t == 1000)
			for (i = 0; i < MEMBERS; i++)
				initiate(i);
		while (sent < ATTEMPTS && sent * FLOOD_MS < t * ATTEMPTS)
			flood_one(sent++);
		ike_pair_pump();
		if (KS->nhalf > max_half)
			max_half = KS->nhalf;
		if (KS->nnego > max_nego)
			max_nego = KS->nnego;
		if (KS->nsas > max_sas)
			max_sas = KS->nsas;
		heap = mallinfo2().uordblks;
		if (heap > max_heap)
			max_heap = heap;
		if (sent == ATTEMPTS && done[0] && done[1] && done[2] &&
		    t >= FLOOD_MS + 2000)
			break;
		ike_pair_tick();
	}
	log_set_level(level);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	log = calloc(1, 1 << 20);
	assert_non_null(log);
	n = pread(fd, log, (1 << 20) - 1, 0);
	close(fd);
	unlink(path);
	assert_true(n > 0);

	printf("# %u flood exchanges from %u address(es) in %u ms: denied per-peer %lu, rate %lu, max %lu; evicted %lu\n",
	       sent, sources, FLOOD_MS, KS->stats.flood_per_peer,
	       KS->stats.flood_rate, KS->stats.flood_global,
	       KS->stats.flood_evicted);
	printf("# at most %u half-open, %u negotiating, %u SAs; heap +%zu kB\n",
	       max_half, max_nego, max_sas, (max_heap - heap0) / 1024);
	printf("# %u lines of the flood's log\n",
	       count_lines(log, "Phase 1 flood"));
	if (getenv("IKE_TEST_LOG"))
		fputs(log, stdout);
	assert_int_equal(sent, ATTEMPTS);
	/* every member registered */
	for (i = 0; i < MEMBERS; i++)
		assert_int_equal(done[i], 1);
	/* the limits, not the flood, decide what the key server holds */
	assert_true(max_half <= pair.conf[1].half_open_max);
	assert_true(max_heap - heap0 < 4u << 20);
	/* most of the flood was denied before Diffie-Hellman */
	assert_true(KS->stats.flood_per_peer + KS->stats.flood_rate +
		    KS->stats.flood_global >= ATTEMPTS * 9 / 10);
	/* logged once a period (1 s): the first denial at once, a summary
	 * each second of the flood, its end */
	assert_int_equal(count_lines(log, "Phase 1 flood: main mode message 3 from 10.200.0."), 1);
	assert_true(count_lines(log, "main mode message 3 denied in the last") <= FLOOD_MS / 1000 + 2);
	assert_true(count_lines(log, "main mode message 3 denied in the last") >= FLOOD_MS / 1000 - 1);
	assert_int_equal(count_lines(log, "Phase 1 flood over"), 1);
	r->max_half = max_half;
	r->max_nego = max_nego;
	r->max_sas = max_sas;
	r->heap = max_heap - heap0;
	r->log = log;
}

/* 100 addresses, more than negotiating-max: each keeps a share, the
 * members take the place of flood negotiations */
static void test_flood_100(void **state)
{
	struct flood_result r;
	char want[128];

	(void)state;
	flood(100, &r);
	assert_true(r.max_nego <= 64);
	assert_true(r.max_sas <= 64 + MEMBERS + 1 + 1);
	assert_true(KS->stats.flood_rate > 0);
	assert_true(KS->stats.flood_global > 0);
	/* the members took the place of flood negotiations; the flood, busy,
	 * never did */
	assert_int_equal(KS->stats.flood_evicted, MEMBERS);
	assert_non_null(strstr(r.log, "from 100 addresses"));
	free(r.log);
	/* the counters in "gvpn daemon show" (sources: the flood's and the
	 * 4 members') */
	snprintf(want, sizeof(want),
		 "denied: per-peer 0 rate %lu max %lu evicted %lu",
		 KS->stats.flood_rate, KS->stats.flood_global,
		 KS->stats.flood_evicted);
	assert_non_null(strstr(show(false), want));
	assert_non_null(strstr(show(false), "negotiating 64 sources 104"));
	snprintf(want, sizeof(want), "\"phase1_denied_max\":%lu",
		 KS->stats.flood_global);
	assert_non_null(strstr(show(true), want));
	assert_non_null(strstr(show(true), "\"phase1_negotiating\":64"));
}

/* one address: negotiating-per-peer holds it */
static void test_flood_1(void **state)
{
	struct flood_result r;

	(void)state;
	pair.conf[1].negotiating_max = 1024;
	flood(1, &r);
	assert_true(r.max_nego <= 5 + MEMBERS);
	assert_true(r.max_sas <= 5 + MEMBERS + 1 + 1);
	/* (checked first, it leaves nothing to peer-rate) */
	assert_true(KS->stats.flood_per_peer >= ATTEMPTS * 9 / 10);
	assert_int_equal(KS->stats.flood_global, 0);
	assert_non_null(strstr(r.log, "from 1 address ("));
	free(r.log);
}

/* aggressive mode on both sides; the template member registers */
static void aggressive(void)
{
	pair.peer[0].mode = IKE_MODE_AGGRESSIVE;
	pair.peer[1].mode = IKE_MODE_ANY;
	initiate(MEMBERS);
	ike_pair_run_until(NULL, 100);
	assert_int_equal(done[MEMBERS], 1);
	assert_true(tmpl_am_len > 0);
}

/* an aggressive mode message 1 from src (the template's, new cookie) */
static void am_msg1(struct sockaddr_in *src, uint32_t n)
{
	uint8_t m[1024];
	uint32_t ck = htonl(n);

	memcpy(m, tmpl_am, tmpl_am_len);
	memcpy(m, &ck, 4);
	memcpy(m + 4, "aggr", 4);
	ike_input(KS, &pair.addr[1], src, m, tmpl_am_len);
}

/* a member registers while addresses no peer covers send 500 first
 * messages a second: they must not spend the 5 a second it needs one of */
static void test_aggressive_unknown(void **state)
{
	struct sockaddr_in src = { .sin_family = AF_INET };
	uint32_t n = 0;
	unsigned t;

	(void)state;
	pair.conf[1].aggressive_rate = 5;
	aggressive();
	for (t = 0; t < 5000 && !done[0]; t++) {
		/* the member comes when the flood is on */
		if (t == 500)
			initiate(0);
		src.sin_addr.s_addr = htonl(0xc0a80000 + n % 1000);	/* 192.168.x */
		src.sin_port = htons(500);
		am_msg1(&src, ++n);
		ike_pair_pump();
		ike_pair_tick();
	}
	printf("# member: %s after %u ms of flood, %u foreign first messages; aggressive-limited %lu\n",
	       done[0] == 1 ? "registered" : "failed", 2 * t, n,
	       KS->stats.aggressive_limited);
	assert_int_equal(done[0], 1);
	assert_int_equal(KS->stats.aggressive_limited, 0);
}

/* message 2 to an address that never answers: sent, and once again */
static void test_aggressive_msg2_once(void **state)
{
	struct sockaddr_in src = { .sin_family = AF_INET,
				   .sin_port = htons(500) };
	unsigned t, nsas;

	(void)state;
	aggressive();
	nsas = KS->nsas;
	src.sin_addr.s_addr = htonl(0x0ac80001);	/* 10.200.0.1 */
	am_msg1(&src, 1);
	assert_int_equal(to_flood1, 1);
	assert_int_equal(KS->nsas, nsas + 1);
	/* the same message 1 again, three times, while the responder waits
	 * for message 3 until it gives up (about 62 s) */
	for (t = 0; t < 40000; t++) {
		if (t == 100 || t == 200 || t == 300)
			am_msg1(&src, 1);
		ike_pair_pump();
		ike_pair_tick();
	}
	printf("# message 2 sent %u times to an address that never answered\n",
	       to_flood1);
	assert_int_equal(to_flood1, 2);
	assert_int_equal(KS->nsas, nsas);	/* given up */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_flood_100, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_flood_1, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_aggressive_unknown, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_aggressive_msg2_once,
						setup, teardown),
	};

	log_init("test_ike_flood", true,
		 getenv("IKE_TEST_DEBUG") ? LOG_DEBUG : LOG_EMERG);
	return cmocka_run_group_tests_name("ike: flood of main mode message 3",
					   tests, NULL, NULL);
}
