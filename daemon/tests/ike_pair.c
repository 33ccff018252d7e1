// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * Two of our own IKE contexts wired back to back in memory, for the unit
 * tests (see ike_pair.h).
 */

#include <arpa/inet.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/loop.h"
#include "ike_pair.h"

struct ike_pair pair;

void ike_pair_addrs(void)
{
	int i;

	for (i = 0; i < 2; i++) {
		pair.addr[i] = (struct sockaddr_in){ .sin_family = AF_INET,
			.sin_port = htons(848) };
		inet_pton(AF_INET, i ? "10.0.0.1" : "10.0.0.2",
			  &pair.addr[i].sin_addr);
	}
}

void ike_pair_conf(int i, uint16_t auth)
{
	struct ike_conf *c = &pair.conf[i];
	struct ike_peer *p = &pair.peer[i];

	memset(c, 0, sizeof(*c));
	c->doi = ISAKMP_DOI_GDOI;
	c->port = 848;
	c->retransmit_ms = 20;
	c->retransmit_max_ms = 40;
	c->retransmit_tries = 3;
	c->half_open_max = 256;
	c->half_open_ms = 30000;
	c->max_sas = 100;
	c->aggressive_rate = 1000;
	c->npeers = 1;
	c->peers = p;
	memset(p, 0, sizeof(*p));
	strcpy(p->name, i ? "gm" : "ks");
	p->addr = pair.addr[!i].sin_addr;
	p->plen = 32;
	p->port = 848;
	p->mode = IKE_MODE_MAIN;
	p->auth = auth;
	p->psk = (uint8_t *)IKE_PAIR_PSK;
	p->psk_len = strlen(IKE_PAIR_PSK);
	p->suites = pair.suites[i];
	p->nsuites = 1;
	pair.suites[i][0] = (struct ike_suite){ IKE_ENCR_AES_CBC, 256,
		IKE_HASH_SHA256, auth, 14, 3600 };
}

void ike_pair_start(const struct ike_ops *ops)
{
	int i;

	pair.q_head = pair.q_tail = 0;
	for (i = 0; i < 2; i++)
		assert_int_equal(ike_ctx_init(&pair.ctx[i], &pair.conf[i],
					      ops), 0);
}

void ike_pair_fini(void)
{
	ike_pair_pump();
	ike_ctx_fini(&pair.ctx[0]);
	ike_ctx_fini(&pair.ctx[1]);
	ike_pair_drop();
}

int ike_pair_side(const struct ike_ctx *c)
{
	return c == &pair.ctx[0] ? 0 : 1;
}

bool ike_pair_wired(int from, const struct sockaddr_in *to)
{
	/* only the two of us are on this wire */
	return to->sin_addr.s_addr == pair.addr[!from].sin_addr.s_addr;
}

struct ike_pair_pkt *ike_pair_queue(int from, const struct sockaddr_in *local,
				    const struct sockaddr_in *to,
				    const uint8_t *buf, size_t len)
{
	struct ike_pair_pkt *p;

	assert_true(len <= sizeof(p->data));
	assert_true(ike_pair_queued() < IKE_PAIR_QLEN);
	p = &pair.queue[pair.q_tail++ % IKE_PAIR_QLEN];
	p->to = !from;
	p->src = *local;
	p->dst = *to;
	p->len = len;
	memcpy(p->data, buf, len);
	return p;
}

unsigned ike_pair_queued(void)
{
	return pair.q_tail - pair.q_head;
}

struct ike_pair_pkt *ike_pair_peek(void)
{
	if (!ike_pair_queued())
		return NULL;
	return &pair.queue[pair.q_head % IKE_PAIR_QLEN];
}

void ike_pair_drop(void)
{
	pair.q_head = pair.q_tail;
}

void ike_pair_pump(void)
{
	while (pair.q_head != pair.q_tail) {
		struct ike_pair_pkt *p =
			&pair.queue[pair.q_head++ % IKE_PAIR_QLEN];

		ike_input(&pair.ctx[p->to], &p->dst, &p->src, p->data, p->len);
	}
}

void ike_pair_tick(void)
{
	ev_clock_set(ev_now_ms() + 2);
	ev_timers_run();
}

void ike_pair_run_until(bool *flag, unsigned max_ms)
{
	unsigned waited = 0;

	for (;;) {
		ike_pair_pump();
		if ((flag && *flag) || waited >= max_ms)
			break;
		ike_pair_tick();
		waited += 2;
	}
	ike_pair_pump();
}

struct ike_sa *ike_pair_est[2];
bool ike_pair_done_called;
int ike_pair_done_err;

void ike_pair_established(struct ike_sa *sa)
{
	ike_pair_est[ike_pair_side(sa->ctx)] = sa;
}

void ike_pair_gone(struct ike_sa *sa)
{
	int i = ike_pair_side(sa->ctx);

	if (ike_pair_est[i] == sa)
		ike_pair_est[i] = NULL;
}

void ike_pair_done(struct ike_sa *sa, int err, void *arg)
{
	(void)sa;
	(void)arg;
	ike_pair_done_called = true;
	ike_pair_done_err = err;
}
