// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * The key server's GROUPKEY-PUSH (RFC 6407 4, RFC 8263): when each group
 * pushes, what, to whom, and what it does with the ACKs.
 *
 * Events, per group with a KEK (a group without one is pull only):
 *   TEK rekey   when the newest TEK of a permit policy reaches its rekey
 *               time (ks_rekey_at_ms: RK-08 Cisco, lifetime minus
 *               tek_rekey_offset; RK-09 Juniper, lifetime - 4 x ATD). The
 *               new TEK is made by the same event (ks.c ks_refresh_keys;
 *               a pull that comes first makes it and kicks the push).
 *   KEK rekey   the same rule on the KEK: a new KEK and new TEKs (RK-03),
 *               pushed under the OLD KEK with its next SEQ; afterwards
 *               pushes use the new KEK and SEQ restarts at 1 (RK-12).
 *   resync      every pseudotime-resync seconds (TB-05), or sooner with a
 *               rekey due within 60 s (RK-13); every rekey resets it.
 *   heartbeat   every heartbeat seconds (HB-01): SEQ only, not ACKed, not
 *               retransmitted; never while a rekey waits for its ACKs (a
 *               higher SEQ would make members drop the retransmissions).
 * Rekeys and resyncs carry the group's whole pull answer (the ks.c
 * snapshot: SA KEK, every live TEK, GAP, KD) and increment SEQ once;
 * retransmissions are the same bytes.
 *
 * Unicast: one copy per active member, KS_BATCH per event-loop turn
 * (KS-20) KS_BATCH_GAP_MS apart, to the address and port it registered
 * from; the SA KEK asks
 * for an ACK (KEK_ACK_REQUESTED). Members that have not ACKed get the same
 * bytes again retransmit-period later, retransmissions times (RK-10),
 * unless another rekey is due within 120 s. When the ACK window closes,
 * each member still silent has missed one more rekey; at three in a row it
 * is ejected (KS-19, KS_NACK_GM_EJECT): no more pushes until it registers
 * again. Multicast: one copy to multicast-group:848 and retransmissions
 * copies, no ACKs, nobody ejected.
 *
 * compat = "rfc3547": pushes in RFC 3547 4's form (gdoi_push.h): the SA
 * KEK asks for no ACK (RFC 8263 came later), so unicast is like multicast
 * in what follows: every retransmission to every member, nobody ejected;
 * and no heartbeats (RFC 3547 has no SEQ-only push).
 */

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>

#include "core/log.h"
#include "core/loop.h"
#include "gdoi/gdoi_push.h"
#include "ks/ks.h"

#define KS_BATCH		50	/* KS-20: unicast copies per loop turn */
/* between two batches: 10,000 members in about a second, and no burst
 * that overflows a receive queue on the way (scripts/bench-ks -P) */
#define KS_BATCH_GAP_MS		5
#define KS_LOOP_S		5	/* KS-20: Cisco's time per loop */
#define KS_EJECT_MISSES		3	/* KS-19 */
#define KS_RETX_STOP_MS		120000	/* RK-10 */
#define KS_COMBINE_MS		60000	/* RK-13 */
#define KS_PUSH_PORT		848

struct ks_dest {
	struct in_addr addr, local;
	uint16_t port;
};

struct ks_rekey {
	struct ks *ks;
	struct ks_group *g;
	struct ev_timer timer;
	uint64_t next_resync_ms, next_hb_ms;
	/* the rekey in flight: its ACK window and retransmissions */
	bool tx;
	bool ack;			/* unicast: ACKs requested */
	bool uni;			/* sent unicast */
	bool kek_rekey;			/* sent under prev_kek */
	uint8_t kek_spi[GDOI_KEK_SPI_LEN];	/* the KEK it went under */
	uint32_t seq;
	uint8_t *msg, *plain;		/* plain: for the pcap capture */
	size_t len, plain_len;
	unsigned retx_left, npending;
	uint64_t next_retx_ms, close_ms;
	/* the last heartbeat */
	uint8_t *hb_msg, *hb_plain;
	size_t hb_len, hb_plain_len;
	/* unicast copies still to send this round */
	const uint8_t *qmsg, *qplain;
	size_t qlen, qplain_len;
	bool qretx;
	bool qpending;			/* only members that owe an ACK */
	struct ks_dest *q;
	unsigned nq, qpos, qcap;
	uint64_t next_batch_ms;
	bool uni_once;			/* the next rekey goes unicast */
};

static struct log_rl rl_ack = LOG_RL_INIT("refused GROUPKEY-PUSH ACKs");

static unsigned gidx(const struct ks *ks, const struct ks_group *g)
{
	return (unsigned)(g - ks->groups);
}

static bool unicast(const struct ks_group *g)
{
	return g->c->rekey.transport == KS_UNICAST;
}

/* compat = "rfc3547": pushes in RFC 3547 4's form (gdoi_push.h) */
static bool rfc3547(const struct ks_group *g)
{
	return g->c->compat == KS_COMPAT_RFC3547;
}

/* HB-01 heartbeats are SEQ-only pushes, which RFC 3547 has not */
static unsigned hb_period(const struct ks_group *g)
{
	return rfc3547(g) ? 0 : g->c->rekey.heartbeat;
}

/* --- when --------------------------------------------------------------- */

unsigned ks_rekey_offset(unsigned lifetime, unsigned retransmissions,
			 unsigned period, bool uni, unsigned members)
{
	/* RK-08: tek_rekey_offset, earlier by the retransmissions and, for
	 * unicast, by one 5 s loop per 50 members (KS-20) */
	unsigned off = lifetime < 900 ? 90 : lifetime / 10;

	off += retransmissions * period;
	if (uni)
		off += (members + KS_BATCH - 1) / KS_BATCH * KS_LOOP_S;
	/* short (lab) lifetimes: a key lives at least half its life */
	return off > lifetime / 2 ? lifetime / 2 : off;
}

uint64_t ks_rekey_at_ms(const struct ks_group *g, uint64_t created_ms,
			unsigned lifetime)
{
	const struct ks_rekey_conf *r = &g->c->rekey;
	unsigned off;

	if (r->schedule == KS_SCHED_JUNIPER) {
		off = 4 * g->c->atd;	/* RK-09 */
		if (off > lifetime / 2)
			off = lifetime / 2;
	} else {
		off = ks_rekey_offset(lifetime, r->retransmissions,
				      r->retransmit_period, unicast(g),
				      g->nmembers);
	}
	return created_ms + (uint64_t)(lifetime - off) * 1000;
}

/* the next TEK or KEK rekey of g */
static uint64_t next_rekey_ms(const struct ks_group *g)
{
	uint64_t t = UINT64_MAX, x;
	unsigned i;

	for (i = 0; i < g->c->npol; i++) {
		const struct ks_sa_rt *rt = &g->teks[i];

		if (g->c->pol[i].action != KS_PERMIT || !rt->ntek)
			continue;
		x = ks_rekey_at_ms(g, rt->tek[rt->ntek - 1].created_ms,
				   (unsigned)((rt->tek[rt->ntek - 1].expires_ms -
					       rt->tek[rt->ntek - 1].created_ms) /
					      1000));
		if (x < t)
			t = x;
	}
	x = ks_rekey_at_ms(g, g->kek.created_ms,
			   (unsigned)((g->kek.expires_ms - g->kek.created_ms) /
				      1000));
	return x < t ? x : t;
}

uint64_t ks_rekey_next_ms(const struct ks_group *g)
{
	return g->rk ? next_rekey_ms(g) : UINT64_MAX;
}

unsigned ks_rekey_acks_outstanding(const struct ks_group *g)
{
	return g->rk && g->rk->tx && g->rk->ack ? g->rk->npending : 0;
}

static uint64_t next_due_ms(struct ks_rekey *rk)
{
	struct ks_group *g = rk->g;
	uint64_t now = rk->ks->now_ms(), t;

	if (rk->nq)
		return rk->next_batch_ms;
	if (g->tek_unpushed || g->kek_unpushed)
		return now;
	t = next_rekey_ms(g);
	if (rk->tx) {
		uint64_t w = rk->retx_left ? rk->next_retx_ms : rk->close_ms;

		if (w < t)
			t = w;
	}
	if (rk->next_resync_ms < t)
		t = rk->next_resync_ms;
	if (hb_period(g) && !rk->tx && rk->next_hb_ms < t)
		t = rk->next_hb_ms;
	return t;
}

static void rearm(struct ks_rekey *rk)
{
	uint64_t now, t;

	if (!rk->ks->timers)
		return;
	now = rk->ks->now_ms();
	t = next_due_ms(rk);
	ev_timer_del(&rk->timer);
	ev_timer_add(&rk->timer, t > now ? t - now : 0);
}

void ks_rekey_kick(struct ks *ks, struct ks_group *g)
{
	if (g->rk && ks->timers)
		rearm(g->rk);
}

/* --- sending ------------------------------------------------------------ */

/* a KEK as it was made (an old KEK keeps the settings it had) */
static void kek_keys(const struct ks_group *g, const struct ks_kek *k,
		     struct gdoi_kek_keys *kk)
{
	(void)g;
	memset(kk, 0, sizeof(*kk));
	memcpy(kk->spi, k->spi, sizeof(kk->spi));
	kk->alg = k->alg;
	kk->key_bits = k->key_bits;
	memcpy(kk->key, k->key, k->key_bits / 8);
	kk->sig_hash = k->sig_hash;
	kk->sig_key = k->pkey;
}

static void free_plain(uint8_t **p, size_t *len)
{
	if (*p)
		OPENSSL_clear_free(*p, *len);
	*p = NULL;
	*len = 0;
}

/* builds p under kek into *msg (and *plain when tracing) */
static int build(struct ks_rekey *rk, const struct ks_kek *kek,
		 const struct gdoi_push *p, uint8_t **msg, size_t *len,
		 uint8_t **plain, size_t *plain_len)
{
	struct gdoi_kek_keys kk;
	uint8_t *out = malloc(ISAKMP_MAX_MSG), *pl = NULL;
	size_t pll = ISAKMP_MAX_MSG;	/* in: its capacity */
	int n;

	if (!out)
		return -ENOMEM;
	if (rk->ks->trace && !(pl = malloc(ISAKMP_MAX_MSG))) {
		free(out);
		return -ENOMEM;
	}
	kek_keys(rk->g, kek, &kk);
	n = gdoi_push_build(&kk, p, out, ISAKMP_MAX_MSG, pl, pl ? &pll : NULL);
	OPENSSL_cleanse(&kk, sizeof(kk));
	if (n < 0) {
		free(out);
		if (pl)
			OPENSSL_clear_free(pl, ISAKMP_MAX_MSG);
		return n;
	}
	*msg = realloc(out, (size_t)n) ?: out;
	*len = (size_t)n;
	*plain = NULL;
	*plain_len = 0;
	if (pl) {
		*plain = malloc(pll ? pll : 1);
		if (*plain) {
			memcpy(*plain, pl, pll);
			*plain_len = pll;
		}
		OPENSSL_clear_free(pl, ISAKMP_MAX_MSG);
	}
	return 0;
}

static void send_one(struct ks_rekey *rk, const struct ks_dest *d)
{
	struct ks *ks = rk->ks;
	struct sockaddr_in src = {
		.sin_family = AF_INET, .sin_addr = d->local,
		.sin_port = htons(ks->port ? ks->port : KS_PUSH_PORT),
	}, dst = {
		.sin_family = AF_INET, .sin_addr = d->addr,
		.sin_port = d->port ? d->port : htons(KS_PUSH_PORT),
	};

	if (ks->trace && rk->qplain)
		ks->trace(&src, &dst, rk->qplain, rk->qplain_len);
	if (ks->send)
		ks->send(&src, &dst, rk->qmsg, rk->qlen);
	if (rk->qretx)
		rk->g->push.retransmitted++;
	else
		rk->g->push.copies++;
}

static void send_mcast(struct ks_rekey *rk, const uint8_t *msg, size_t len,
		       const uint8_t *plain, size_t plain_len, bool retx)
{
	struct ks *ks = rk->ks;
	const struct ks_rekey_conf *r = &rk->g->c->rekey;
	struct sockaddr_in src = {
		.sin_family = AF_INET,
		.sin_addr = r->mcast_src.s_addr ? r->mcast_src : ks->listen_addr,
		.sin_port = htons(ks->port ? ks->port : KS_PUSH_PORT),
	}, dst = {
		.sin_family = AF_INET, .sin_addr = r->mcast,
		.sin_port = htons(KS_PUSH_PORT),
	};

	if (ks->trace && plain)
		ks->trace(&src, &dst, plain, plain_len);
	if (ks->send_mcast)
		ks->send_mcast(&src, &dst, r->mcast_ttl, msg, len);
	if (retx)
		rk->g->push.retransmitted++;
	else
		rk->g->push.copies++;
}

/* KS_BATCH unicast copies of the round in progress */
static void send_batch(struct ks_rekey *rk)
{
	struct ks *ks = rk->ks;
	unsigned n = 0, gi = gidx(ks, rk->g);

	for (; n < KS_BATCH && rk->qpos < rk->nq; rk->qpos++) {
		const struct ks_dest *d = &rk->q[rk->qpos];
		struct ks_member *m = ks_member_find(ks, gi, d->addr);

		/* cleared, ejected, or ACKed since the round began */
		if (!m || m->state != KS_MEMBER_ACTIVE ||
		    (rk->qpending && !m->pending))
			continue;
		send_one(rk, d);
		n++;
	}
	if (rk->qpos == rk->nq) {
		/* 12 bytes per member: not kept between rounds */
		free(rk->q);
		rk->q = NULL;
		rk->nq = rk->qpos = rk->qcap = 0;
	}
	rk->next_batch_ms = ks->now_ms() + KS_BATCH_GAP_MS;
}

struct queue_arg {
	struct ks_rekey *rk;
	bool pending_only;		/* retransmission: the silent ones */
	bool mark;			/* rekey: they owe an ACK */
};

static void queue_member(struct ks *ks, struct ks_member *m, void *arg)
{
	struct queue_arg *a = arg;
	struct ks_rekey *rk = a->rk;

	(void)ks;
	if (m->state != KS_MEMBER_ACTIVE || (a->pending_only && !m->pending))
		return;
	if (rk->nq == rk->qcap) {
		unsigned cap = rk->qcap ? 2 * rk->qcap : 256;
		struct ks_dest *q = realloc(rk->q, cap * sizeof(*q));

		if (!q)
			return;		/* it misses this one */
		rk->q = q;
		rk->qcap = cap;
	}
	rk->q[rk->nq++] = (struct ks_dest){ m->addr, m->local, m->port };
	if (a->mark && !m->pending) {
		m->pending = true;
		rk->npending++;
	}
}

/* starts a unicast round of msg to the group's active members */
static unsigned start_round(struct ks_rekey *rk, const uint8_t *msg,
			    size_t len, const uint8_t *plain,
			    size_t plain_len, bool retx, bool mark)
{
	/* a retransmission goes to the members that owe an ACK, or to all
	 * when none was asked for */
	struct queue_arg a = { rk, retx && rk->ack, mark };

	rk->nq = rk->qpos = 0;
	rk->qmsg = msg;
	rk->qlen = len;
	rk->qplain = plain;
	rk->qplain_len = plain_len;
	rk->qretx = retx;
	rk->qpending = a.pending_only;
	ks_members_each(rk->ks, gidx(rk->ks, rk->g), queue_member, &a);
	return rk->nq;
}

/* --- the ACK window ------------------------------------------------------- */

static void miss_member(struct ks *ks, struct ks_member *m, void *arg)
{
	struct ks_rekey *rk = arg;
	char ip[INET_ADDRSTRLEN];

	(void)ks;
	if (!m->pending)
		return;
	m->pending = false;
	if (m->state != KS_MEMBER_ACTIVE || ++m->misses < KS_EJECT_MISSES)
		return;
	m->state = KS_MEMBER_EJECTED;
	ks_member_sid_release(ks, m);
	rk->g->push.ejected++;
	inet_ntop(AF_INET, &m->addr, ip, sizeof(ip));
	log_msg(LOG_WARNING,
		"%%GDOI-4-KS_NACK_GM_EJECT: KS has not received an ack from group member %s in group %s for %u consecutive rekeys (last seq # %u): ejected, no further rekeys until it registers again",
		ip, rk->g->c->name, (unsigned)m->misses, rk->seq);
}

static void close_window(struct ks_rekey *rk)
{
	if (!rk->tx)
		return;
	if (rk->ack)
		ks_members_each(rk->ks, gidx(rk->ks, rk->g), miss_member, rk);
	/* the old KEK, unless a newer KEK rekey has replaced it already */
	if (rk->kek_rekey && rk->g->has_prev_kek &&
	    !memcmp(rk->g->prev_kek.spi, rk->kek_spi, sizeof(rk->kek_spi)))
		ks_kek_forget(rk->g);
	if (rk->qmsg == rk->msg)
		rk->nq = rk->qpos = 0;
	free(rk->msg);
	rk->msg = NULL;
	rk->len = 0;
	free_plain(&rk->plain, &rk->plain_len);
	rk->tx = false;
	rk->npending = 0;
	rk->retx_left = 0;
}

/* --- pushes ----------------------------------------------------------------- */

static void rekey_push(struct ks_rekey *rk, const char *why)
{
	struct ks *ks = rk->ks;
	struct ks_group *g = rk->g;
	const struct ks_rekey_conf *r = &g->c->rekey;
	uint64_t now = ks->now_ms();
	struct gdoi_push *p;
	struct ks_snap *snap;
	bool kek_rekey, uni = unicast(g) || rk->uni_once;
	bool new_teks = g->tek_unpushed || g->kek_unpushed;
	char ip[INET_ADDRSTRLEN];
	unsigned n;
	int err;

	/* a new rekey ends the previous one's window (RK-10) */
	close_window(rk);
	rk->nq = rk->qpos = 0;
	p = calloc(1, sizeof(*p));
	if (!p)
		goto fail_nomem;
	kek_rekey = g->kek_unpushed && g->has_prev_kek;
	snap = ks_snap_get(ks, g, &p->sa, &p->kd);
	if (!snap) {
		free(p);
		goto fail_nomem;
	}
	/* SEQ once per push; a KEK rekey continues the old KEK's */
	p->seq = kek_rekey ? ++g->prev_seq : ++g->seq;
	p->has_sa = true;
	/* RFC 3547 has no ACK (RFC 8263 came later): retransmissions then go
	 * to every member and nobody is ejected, as with multicast */
	p->rfc3547 = rfc3547(g);
	p->ack_requested = uni && !p->rfc3547;
	err = build(rk, kek_rekey ? &g->prev_kek : &g->kek, p, &rk->msg,
		    &rk->len, &rk->plain, &rk->plain_len);
	ks_snap_put(snap);
	if (err) {
		log_err("%%GDOI-3-GDOI_REKEY_FAILURE: group %s: cannot build the %s push (seq # %u): %s",
			g->c->name, why, p->seq, strerror(-err));
		free(p);
		g->push.failed++;
		/* try again a little later (the resync carries the keys) */
		rk->next_resync_ms = now + (uint64_t)r->retransmit_period * 1000;
		g->tek_unpushed = g->kek_unpushed = false;
		return;
	}
	rk->seq = p->seq;
	free(p);
	g->tek_unpushed = g->kek_unpushed = false;
	rk->tx = true;
	rk->uni_once = false;
	rk->ack = uni && !rfc3547(g);
	rk->uni = uni;
	rk->kek_rekey = kek_rekey;
	memcpy(rk->kek_spi, kek_rekey ? g->prev_kek.spi : g->kek.spi,
	       sizeof(rk->kek_spi));
	rk->retx_left = r->retransmissions;
	rk->next_retx_ms = now + (uint64_t)r->retransmit_period * 1000;
	rk->close_ms = rk->next_retx_ms;
	g->push.rekeys++;
	if (kek_rekey)
		g->push.kek_rekeys++;
	g->push.last_rekey = ks->wall(NULL);
	g->push.last_seq = rk->seq;
	g->push.last_rekey_seq = rk->seq;
	g->push.last_rekey_kind = kek_rekey ? "kek" : new_teks ? "tek"
							       : "resync";
	/* every rekey carries the pseudotime and proves the server alive */
	rk->next_resync_ms = now + (uint64_t)r->pst_resync * 1000;
	rk->next_hb_ms = now + (uint64_t)r->heartbeat * 1000;

	if (uni) {
		n = start_round(rk, rk->msg, rk->len, rk->plain,
				rk->plain_len, false, rk->ack);
		inet_ntop(AF_INET, n ? &rk->q[0].local : &ks->listen_addr, ip,
			  sizeof(ip));
		log_msg(LOG_NOTICE,
			"%%GDOI-5-KS_SEND_UNICAST_REKEY: Sending Unicast Rekey for group %s from address %s with seq # %u to %u members (%s%s)",
			g->c->name, ip, rk->seq, n, why,
			kek_rekey ? ", new KEK" : "");
		if (!n) {
			rk->retx_left = 0;
			rk->close_ms = now;
		}
		send_batch(rk);
	} else {
		struct in_addr src = r->mcast_src.s_addr ? r->mcast_src
							 : ks->listen_addr;
		char grp[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &src, ip, sizeof(ip));
		inet_ntop(AF_INET, &r->mcast, grp, sizeof(grp));
		log_msg(LOG_NOTICE,
			"%%GDOI-5-KS_SEND_MCAST_REKEY: Sending Multicast Rekey for group %s from address %s to %s with seq # %u, %u members registered (%s%s)",
			g->c->name, ip, grp, rk->seq, g->nmembers, why,
			kek_rekey ? ", new KEK" : "");
		send_mcast(rk, rk->msg, rk->len, rk->plain, rk->plain_len,
			   false);
	}
	return;
fail_nomem:
	log_err("%%GDOI-3-GDOI_REKEY_FAILURE: group %s: out of memory for the %s push",
		g->c->name, why);
	g->push.failed++;
	g->tek_unpushed = g->kek_unpushed = false;
	rk->next_resync_ms = now + (uint64_t)r->retransmit_period * 1000;
}

static void retransmit(struct ks_rekey *rk, uint64_t now)
{
	struct ks_group *g = rk->g;
	const struct ks_rekey_conf *r = &g->c->rekey;
	uint64_t stop = rk->ks->conf->lab_timers ?
			(uint64_t)r->retransmit_period * 1000 : KS_RETX_STOP_MS;
	uint64_t next = next_rekey_ms(g);

	/* RK-10: a rekey is coming anyway */
	if (next <= now + stop) {
		log_info("group %s: not retransmitting seq # %u: the next rekey is due in %llu s",
			 g->c->name, rk->seq,
			 (unsigned long long)(next > now ? (next - now) / 1000 : 0));
		rk->retx_left = 0;
		rk->close_ms = now;
		return;
	}
	rk->retx_left--;
	rk->next_retx_ms = now + (uint64_t)r->retransmit_period * 1000;
	rk->close_ms = rk->next_retx_ms;
	if (!rk->uni) {
		send_mcast(rk, rk->msg, rk->len, rk->plain, rk->plain_len, true);
		return;
	}
	if (!rk->ack) {
		/* unicast without ACKs (compat = rfc3547): all again */
		if (start_round(rk, rk->msg, rk->len, rk->plain,
				rk->plain_len, true, false)) {
			log_info("group %s: retransmitting seq # %u to %u members (no ACKs in RFC 3547)",
				 g->c->name, rk->seq, rk->nq);
			send_batch(rk);
		}
		return;
	}
	if (start_round(rk, rk->msg, rk->len, rk->plain, rk->plain_len, true,
			false)) {
		log_info("group %s: retransmitting seq # %u to %u members that have not acknowledged it",
			 g->c->name, rk->seq, rk->nq);
		send_batch(rk);
	}
}

static void heartbeat(struct ks_rekey *rk, uint64_t now)
{
	struct ks_group *g = rk->g;
	struct gdoi_push p = { 0 };
	int err;

	rk->next_hb_ms = now + (uint64_t)g->c->rekey.heartbeat * 1000;
	if (rk->qmsg == rk->hb_msg)
		rk->nq = rk->qpos = 0;
	free(rk->hb_msg);
	rk->hb_msg = NULL;
	free_plain(&rk->hb_plain, &rk->hb_plain_len);
	p.seq = g->seq + 1;
	err = build(rk, &g->kek, &p, &rk->hb_msg, &rk->hb_len, &rk->hb_plain,
		    &rk->hb_plain_len);
	if (err) {
		log_err("group %s: cannot build a heartbeat: %s", g->c->name,
			strerror(-err));
		g->push.failed++;
		return;
	}
	g->seq = p.seq;		/* HB-01: heartbeats count too */
	g->push.heartbeats++;
	g->push.last_seq = p.seq;
	log_debug("group %s: heartbeat seq # %u", g->c->name, p.seq);
	if (unicast(g)) {
		start_round(rk, rk->hb_msg, rk->hb_len, rk->hb_plain,
			    rk->hb_plain_len, false, false);
		send_batch(rk);
	} else {
		send_mcast(rk, rk->hb_msg, rk->hb_len, rk->hb_plain,
			   rk->hb_plain_len, false);
	}
}

/* what is due now for one group: one step */
static void group_run(struct ks_rekey *rk)
{
	struct ks *ks = rk->ks;
	struct ks_group *g = rk->g;
	uint64_t now = ks->now_ms();
	int err;

	if (rk->nq) {
		if (now >= rk->next_batch_ms)
			send_batch(rk);
		return;
	}
	if (rk->tx) {
		if (rk->retx_left && now >= rk->next_retx_ms)
			retransmit(rk, now);
		if (!rk->retx_left && now >= rk->close_ms)
			close_window(rk);
		if (rk->nq)
			return;
	}
	err = ks_refresh_keys(ks, g, 0);
	if (err < 0)
		log_err("group %s: cannot make new keys: %s", g->c->name,
			strerror(-err));
	if (g->tek_unpushed || g->kek_unpushed) {
		rekey_push(rk, g->kek_unpushed ? "KEK rekey" : "TEK rekey");
		return;
	}
	if (now >= rk->next_resync_ms) {
		/* RK-13: a rekey due within 60 s goes with the resync (lab
		 * timers: within half the resync period at most, or every
		 * resync of a short-lived TEK would be a rekey) */
		uint64_t combine = KS_COMBINE_MS;

		if (ks->conf->lab_timers &&
		    combine > (uint64_t)g->c->rekey.pst_resync * 500)
			combine = (uint64_t)g->c->rekey.pst_resync * 500;
		err = ks_refresh_keys(ks, g, combine);
		rekey_push(rk, err > 0 ? (g->kek_unpushed ? "KEK rekey with pseudotime resync" :
					  "TEK rekey with pseudotime resync")
				       : "pseudotime resync");
		return;
	}
	if (hb_period(g) && !rk->tx && now >= rk->next_hb_ms)
		heartbeat(rk, now);
}

static void on_timer(struct ev_timer *t)
{
	struct ks_rekey *rk = container_of(t, struct ks_rekey, timer);

	group_run(rk);
	rearm(rk);
}

uint64_t ks_rekey_run(struct ks *ks)
{
	uint64_t next = UINT64_MAX, t;
	unsigned i;

	for (i = 0; i < ks->ngroups; i++) {
		struct ks_rekey *rk = ks->groups[i].rk;

		if (!rk)
			continue;
		group_run(rk);
		t = next_due_ms(rk);
		if (t < next)
			next = t;
	}
	return next;
}

void ks_rekey_unicast_once(struct ks_group *g)
{
	if (g->rk)
		g->rk->uni_once = true;
}

int ks_rekey_force(struct ks *ks, struct ks_group *g, bool kek,
		   const char *why)
{
	int err;

	if (!g->rk)
		return -EOPNOTSUPP;
	err = ks_new_keys(ks, g, kek);
	if (err)
		return err;
	rekey_push(g->rk, why ? why : kek ? "KEK rekey by command"
					  : "TEK rekey by command");
	ks_rekey_kick(ks, g);
	return 0;
}

void ks_rekey_member_registered(struct ks *ks, struct ks_member *m)
{
	struct ks_group *g = &ks->groups[m->group];

	m->state = KS_MEMBER_ACTIVE;
	m->misses = 0;
	/* it got the keys by pull: the push in flight is not its business */
	if (m->pending) {
		m->pending = false;
		if (g->rk && g->rk->npending)
			g->rk->npending--;
	}
	/* N changed: so did the unicast rekey time (RK-08) */
	ks_rekey_kick(ks, g);
}

unsigned ks_rekey_clear_members(struct ks *ks, struct ks_group *g)
{
	unsigned n = ks_members_clear(ks, gidx(ks, g));

	if (g->rk) {
		g->rk->npending = 0;
		g->rk->nq = g->rk->qpos = 0;
		ks_rekey_kick(ks, g);
	}
	return n;
}

int ks_rekey_remove_member(struct ks *ks, struct ks_group *g,
			   struct in_addr addr)
{
	unsigned gi = gidx(ks, g);
	struct ks_member *m = ks_member_find(ks, gi, addr);

	if (!m)
		return -ENOENT;
	/* the round in progress skips it (send_batch looks members up); if
	 * it was the last one owing an ACK, the window closes as on that ACK */
	if (m->pending && g->rk && g->rk->npending &&
	    !--g->rk->npending && !g->rk->nq) {
		g->rk->retx_left = 0;
		g->rk->close_ms = ks->now_ms();
	}
	ks_member_remove(ks, gi, addr);
	/* N changed: so did the unicast rekey time (RK-08) */
	ks_rekey_kick(ks, g);
	return 0;
}

/* --- ACKs (RFC 8263) -------------------------------------------------------- */

void ks_push_ack(void *arg, const struct sockaddr_in *local,
		 const struct sockaddr_in *peer, const struct isakmp_hdr *h,
		 const uint8_t *msg, size_t len)
{
	struct ks *ks = arg;
	struct ks_group *g = NULL;
	const struct ks_kek *kek = NULL;
	struct gdoi_kek_keys kk;
	uint8_t spi[GDOI_KEK_SPI_LEN];
	char ip[INET_ADDRSTRLEN], why[128] = "";
	struct ks_member *m;
	struct in_addr id;
	struct ks_rekey *rk;
	uint32_t seq;
	unsigned i;
	int err;

	inet_ntop(AF_INET, &peer->sin_addr, ip, sizeof(ip));
	gdoi_push_spi(h, spi);
	for (i = 0; i < ks->ngroups && !kek; i++) {
		struct ks_group *x = &ks->groups[i];

		if (!x->rk)
			continue;
		if (!memcmp(spi, x->kek.spi, sizeof(spi)))
			kek = &x->kek;
		else if (x->has_prev_kek &&
			 !memcmp(spi, x->prev_kek.spi, sizeof(spi)))
			kek = &x->prev_kek;
		if (kek)
			g = x;
	}
	if (!g) {
		ks->stats.acks_unknown_kek++;
		log_rl(&rl_ack, LOG_WARNING,
		       "GROUPKEY-PUSH ACK from %s: it names no group's KEK, ignored",
		       ip);
		return;
	}
	rk = g->rk;
	kek_keys(g, kek, &kk);
	err = gdoi_push_ack_open(&kk, msg, len, &seq, &id, why, sizeof(why));
	OPENSSL_cleanse(&kk, sizeof(kk));
	if (err) {
		g->push.acks_refused++;
		log_rl(&rl_ack, LOG_WARNING,
		       "GROUPKEY-PUSH ACK from %s for group %s refused: %s", ip,
		       g->c->name, why[0] ? why : strerror(-err));
		return;
	}
	/* the pcap gets what verified (an ACK is not encrypted) */
	if (ks->trace)
		ks->trace(peer, local, msg, len);
	m = ks_member_find(ks, gidx(ks, g), peer->sin_addr);
	if (!m) {
		g->push.acks_refused++;
		log_rl(&rl_ack, LOG_WARNING,
		       "GROUPKEY-PUSH ACK from %s: not a registered member of group %s, ignored",
		       ip, g->c->name);
		return;
	}
	if (!rk->tx || seq != rk->seq || !m->pending ||
	    (rk->kek_rekey ? kek != &g->prev_kek && kek != &g->kek
			   : kek != &g->kek)) {
		/* a duplicate, or one for a push whose window closed */
		g->push.acks_late++;
		if (seq > m->acked_seq && kek == &g->kek) {
			m->acked_seq = seq;
			m->acked_at = ks->wall(NULL);
		}
		return;
	}
	m->pending = false;
	m->acked_seq = seq;
	m->acked_at = ks->wall(NULL);
	m->misses = 0;
	g->push.acks++;
	if (rk->npending && !--rk->npending && !rk->nq) {
		/* everyone has it: nothing to retransmit */
		log_info("group %s: every member acknowledged seq # %u",
			 g->c->name, seq);
		rk->retx_left = 0;
		rk->close_ms = ks->now_ms();
		ks_rekey_kick(ks, g);
	}
}

/* --- life --------------------------------------------------------------------- */

int ks_rekey_init(struct ks *ks)
{
	uint64_t now = ks->now_ms();
	unsigned i;

	for (i = 0; i < ks->ngroups; i++) {
		struct ks_group *g = &ks->groups[i];
		struct ks_rekey *rk;

		if (!g->c->kek.set)
			continue;
		rk = calloc(1, sizeof(*rk));
		if (!rk)
			return -ENOMEM;
		rk->ks = ks;
		rk->g = g;
		ev_timer_init(&rk->timer, on_timer);
		rk->next_resync_ms = now + (uint64_t)g->c->rekey.pst_resync * 1000;
		rk->next_hb_ms = now + (uint64_t)g->c->rekey.heartbeat * 1000;
		g->rk = rk;
	}
	return 0;
}

void ks_rekey_start(struct ks *ks)
{
	unsigned i;

	ks->timers = true;
	for (i = 0; i < ks->ngroups; i++)
		ks_rekey_kick(ks, &ks->groups[i]);
}

void ks_rekey_fini(struct ks *ks)
{
	unsigned i;

	for (i = 0; i < ks->ngroups; i++) {
		struct ks_rekey *rk = ks->groups[i].rk;

		if (!rk)
			continue;
		if (ev_timer_armed(&rk->timer))
			ev_timer_del(&rk->timer);
		free(rk->msg);
		free_plain(&rk->plain, &rk->plain_len);
		free(rk->hb_msg);
		free_plain(&rk->hb_plain, &rk->hb_plain_len);
		free(rk->q);
		free(rk);
		ks->groups[i].rk = NULL;
	}
	ks->timers = false;
}
