// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * The Phase 1 context: the table of SAs, the life of an SA, and the entry
 * point for datagrams, which it routes to the exchange they belong to.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "ike_int.h"
#include "util.h"

struct log_rl ike_rl_malformed = LOG_RL_INIT("malformed messages dropped");
struct log_rl ike_rl_cookie = LOG_RL_INIT("messages for unknown SAs dropped");
struct log_rl ike_rl_unknown = LOG_RL_INIT("unexpected messages dropped");
struct log_rl ike_rl_flood = LOG_RL_INIT("first messages dropped or evicted by the flood limits");
struct log_rl ike_rl_proposal = LOG_RL_INIT("proposals refused");
struct log_rl ike_rl_fail = LOG_RL_INIT("responder negotiations failed");

static const uint8_t zero_cookie[ISAKMP_COOKIE_LEN];

const char *ike_peer_str(const struct sockaddr_in *a)
{
	static char buf[4][INET_ADDRSTRLEN + 8];
	static unsigned i;
	char *b = buf[i++ % 4], ip[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip));
	snprintf(b, sizeof(buf[0]), "%s:%u", ip, ntohs(a->sin_port));
	return b;
}

const struct ike_peer *ike_peer_lookup(const struct ike_ctx *ctx,
				       const struct in_addr *addr)
{
	const struct ike_peer *best = NULL;
	unsigned i;

	for (i = 0; i < ctx->conf->npeers; i++) {
		const struct ike_peer *p = &ctx->conf->peers[i];

		if (prefix4_match(*addr, p->addr, p->plen) &&
		    (!best || p->plen > best->plen))
			best = p;
	}
	return best;
}

static unsigned bucket(const uint8_t *cookie)
{
	uint32_t v;

	/* our cookies are random or MAC output: their bits are uniform */
	memcpy(&v, cookie, sizeof(v));
	return v % IKE_HASH_BUCKETS;
}

static uint8_t *own_cookie(struct ike_sa *sa)
{
	return sa->initiator ? sa->icookie : sa->rcookie;
}

void ike_sa_hash_add(struct ike_sa *sa)
{
	unsigned b = bucket(own_cookie(sa));

	sa->hnext = sa->ctx->sa_hash[b];
	sa->ctx->sa_hash[b] = sa;
}

static void hash_del(struct ike_sa *sa)
{
	struct ike_sa **pp = &sa->ctx->sa_hash[bucket(own_cookie(sa))];

	for (; *pp; pp = &(*pp)->hnext) {
		if (*pp == sa) {
			*pp = sa->hnext;
			return;
		}
	}
}

static unsigned peer_bucket(const struct sockaddr_in *peer)
{
	uint32_t v = ntohl(peer->sin_addr.s_addr) * 2654435761u ^
		     ntohs(peer->sin_port);

	return (v ^ v >> 16) % IKE_PEER_BUCKETS;
}

static bool same_peer(const struct sockaddr_in *a, const struct sockaddr_in *b)
{
	return a->sin_addr.s_addr == b->sin_addr.s_addr &&
	       a->sin_port == b->sin_port;
}

static void peer_hash_del(struct ike_sa *sa)
{
	struct ike_sa **pp = &sa->ctx->peer_hash[peer_bucket(&sa->peer)];

	for (; *pp; pp = &(*pp)->pnext) {
		if (*pp == sa) {
			*pp = sa->pnext;
			return;
		}
	}
}

struct ike_sa *ike_sa_peer_first(struct ike_ctx *ctx,
				 const struct sockaddr_in *peer)
{
	struct ike_sa *sa = ctx->peer_hash[peer_bucket(peer)];

	while (sa && !same_peer(&sa->peer, peer))
		sa = sa->pnext;
	return sa;
}

struct ike_sa *ike_sa_peer_next(struct ike_sa *sa)
{
	struct ike_sa *n = sa->pnext;

	while (n && !same_peer(&n->peer, &sa->peer))
		n = n->pnext;
	return n;
}

struct ike_sa *ike_sa_find(struct ike_ctx *ctx, const uint8_t *icookie,
			   const uint8_t *rcookie)
{
	struct ike_sa *sa;

	for (sa = ctx->sa_hash[bucket(icookie)]; sa; sa = sa->hnext)
		if (sa->initiator && !memcmp(sa->icookie, icookie, 8))
			return sa;
	if (!memcmp(rcookie, zero_cookie, 8))
		return NULL;
	for (sa = ctx->sa_hash[bucket(rcookie)]; sa; sa = sa->hnext)
		if (!sa->initiator && !memcmp(sa->rcookie, rcookie, 8) &&
		    !memcmp(sa->icookie, icookie, 8))
			return sa;
	return NULL;
}

struct ike_sa *ike_sa_new(struct ike_ctx *ctx, bool initiator, uint8_t exch,
			  const struct sockaddr_in *local,
			  const struct sockaddr_in *peer,
			  const struct ike_peer *pc)
{
	struct ike_sa *sa;

	if (ctx->nsas >= ctx->conf->max_sas) {
		log_rl(&ike_rl_flood, LOG_WARNING,
		       "refusing a Phase 1 SA with %s: %u SAs already (max-sas)",
		       ike_peer_str(peer), ctx->nsas);
		return NULL;
	}
	sa = calloc(1, sizeof(*sa));
	if (!sa)
		return NULL;
	sa->ctx = ctx;
	sa->initiator = initiator;
	sa->exch = exch;
	sa->local = *local;
	sa->peer = *peer;
	sa->pc = pc;
	sa->doi = ctx->conf->doi;
	sa->started_ms = ev_now_ms();
	ev_timer_init(&sa->rtx, ike_rtx_cb);
	ev_timer_init(&sa->life, NULL);
	sa->next = ctx->sas;
	if (ctx->sas)
		ctx->sas->prev = sa;
	ctx->sas = sa;
	ctx->nsas++;
	sa->pnext = ctx->peer_hash[peer_bucket(peer)];
	ctx->peer_hash[peer_bucket(peer)] = sa;
	return sa;
}

static void clear_negotiation(struct ike_sa *sa)
{
	ike_dh_free(sa->dh);
	sa->dh = NULL;
	free(sa->peer_ke);
	free(sa->sai_b);
	free(sa->idi_b);
	free(sa->idr_b);
	sa->peer_ke = sa->sai_b = sa->idi_b = sa->idr_b = NULL;
	OPENSSL_cleanse(sa->keys.skeyid, sizeof(sa->keys.skeyid));
}

void ike_sa_free(struct ike_sa *sa)
{
	struct ike_ctx *ctx = sa->ctx;

	if (ctx->ops.gone)
		ctx->ops.gone(sa);
	ike_flood_release(sa);
	ev_timer_del(&sa->rtx);
	ev_timer_del(&sa->life);
	hash_del(sa);
	peer_hash_del(sa);
	if (sa->prev)
		sa->prev->next = sa->next;
	else
		ctx->sas = sa->next;
	if (sa->next)
		sa->next->prev = sa->prev;
	ctx->nsas--;
	ctx->sa_frees++;
	clear_negotiation(sa);
	free(sa->out);
	/* a message that failed to go out stays here in the clear (HASH_I,
	 * HASH_R: a PSK guess can be tested against them) */
	OPENSSL_clear_free(sa->tx, ISAKMP_MAX_MSG);
	X509_free(sa->peer_cert);
	sk_X509_pop_free(sa->peer_chain, X509_free);
	OPENSSL_clear_free(sa, sizeof(*sa));
}

static const char *mode_str(const struct ike_sa *sa)
{
	return sa->exch == ISAKMP_EXCH_AGGRESSIVE ? "aggressive mode"
						   : "main mode";
}

/* A protected delete of the Phase 1 SA */
static void send_delete(struct ike_sa *sa)
{
	uint8_t spi[16], iv[IKE_MAX_BLOCK];
	struct isakmp_buf b;
	uint32_t msgid;
	size_t hash_off;

	memcpy(spi, sa->icookie, 8);
	memcpy(spi + 8, sa->rcookie, 8);
	do
		RAND_bytes((uint8_t *)&msgid, sizeof(msgid));
	while (!msgid);
	hash_off = ike_p2_begin(sa, &b, ISAKMP_EXCH_INFO, msgid);
	isakmp_delete_encode(&b, &(struct isakmp_delete_pl){
		.doi = sa->doi, .proto = ISAKMP_PROTO_ISAKMP,
		.spi_len = 16, .nspi = 1, .spis = spi });
	ike_p2_hash(sa, &b, hash_off, msgid);
	ike_p2_iv(sa, msgid, iv);
	ike_p2_send(sa, &b, iv);
}

void ike_sa_fail(struct ike_sa *sa, uint16_t notify, const char *fmt, ...)
{
	char why[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	/* anyone can make a responder fail: its lines are rate-limited */
	if (sa->initiator)
		log_warn("Phase 1 %s initiator with %s (peer \"%s\") failed: %s",
			 mode_str(sa), ike_peer_str(&sa->peer), sa->pc->name, why);
	else
		log_rl(&ike_rl_fail, LOG_WARNING,
		       "Phase 1 %s responder with %s (peer \"%s\") failed: %s",
		       mode_str(sa), ike_peer_str(&sa->peer), sa->pc->name, why);
	sa->ctx->stats.failed++;
	/*
	 * After its last message the peer holds an established SA (main mode
	 * responder, aggressive mode initiator): tell it under the SA's keys,
	 * with a delete it acts on. Before, an unprotected notify is all the
	 * peer can read, unless its encrypted message showed that we share
	 * keys (the peer authenticated badly, but with the right keys).
	 */
	if (sa->keys.block && (sa->state == IKE_MM_I5 ||
			       sa->state == IKE_AM_R2)) {
		if (notify)
			ike_send_notify(sa, notify);
		send_delete(sa);
	} else if (notify && sa->peer_keys_ok) {
		/* we share keys, the peer can check our notify */
		ike_send_notify(sa, notify);
	} else if (notify) {
		ike_send_notify_plain(sa->ctx, &sa->local, &sa->peer,
				      sa->icookie, sa->rcookie, sa->doi, notify);
	}
	sa->state = IKE_DEAD;
	if (sa->done)
		sa->done(sa, -1, sa->done_arg);
	ike_sa_free(sa);
}

static void life_cb(struct ev_timer *t)
{
	struct ike_sa *sa = container_of(t, struct ike_sa, life);

	ike_sa_delete(sa, "lifetime expired");
}

uint64_t ike_sa_remaining_ms(const struct ike_sa *sa)
{
	uint64_t now = ev_now_ms();

	if (sa->state != IKE_ESTABLISHED || sa->expires_ms <= now)
		return 0;
	return sa->expires_ms - now;
}

/*
 * A responder SA more with this peer than max_sas_per_peer allows: the
 * oldest others go, with a Delete. A member that deletes what it does not
 * reuse never gets here; one that does not (or lost its Deletes, or
 * restarted) would otherwise leave an SA here per registration until
 * each one's lifetime ends. SAs carrying an exchange go last.
 */
static void bound_per_peer(struct ike_sa *sa)
{
	unsigned max = sa->ctx->conf->max_sas_per_peer, n = 0;
	struct ike_sa *o, *victim;
	char why[96];

	if (!max || sa->initiator)
		return;
	for (o = ike_sa_peer_first(sa->ctx, &sa->peer); o;
	     o = ike_sa_peer_next(o))
		if (!o->initiator && o->state == IKE_ESTABLISHED && !o->dying)
			n++;
	while (n > max) {
		victim = NULL;
		for (o = ike_sa_peer_first(sa->ctx, &sa->peer); o;
		     o = ike_sa_peer_next(o)) {
			if (o == sa || o->initiator ||
			    o->state != IKE_ESTABLISHED || o->dying)
				continue;
			if (!victim || (!o->phase2 && victim->phase2) ||
			    (!o->phase2 == !victim->phase2 &&
			     o->started_ms < victim->started_ms))
				victim = o;
		}
		if (!victim)
			return;
		snprintf(why, sizeof(why),
			 "%u Phase 1 SAs with this peer, the oldest goes (max-sas-per-peer %u)",
			 n, max);
		sa->ctx->stats.per_peer_deleted++;
		ike_sa_delete(victim, why);
		n--;
	}
}

void ike_sa_established(struct ike_sa *sa)
{
	char suite[96], ck[2][17];

	sa->state = IKE_ESTABLISHED;
	sa->ctx->stats.established++;
	ike_flood_release(sa);
	clear_negotiation(sa);
	log_notice("Phase 1 established: %s %s with %s (peer \"%s\", id %s), "
		   "%s, lifetime %us, cookies %s:%s, %.3f s",
		   mode_str(sa), sa->initiator ? "initiator" : "responder",
		   ike_peer_str(&sa->peer), sa->pc->name, sa->peer_id,
		   ike_suite_str(&sa->suite, suite, sizeof(suite)),
		   sa->suite.lifetime, log_hex(ck[0], sa->icookie, 8),
		   log_hex(ck[1], sa->rcookie, 8),
		   (double)(ev_now_ms() - sa->started_ms) / 1000.0);
	sa->life.cb = life_cb;
	sa->expires_ms = ev_now_ms() + (uint64_t)sa->suite.lifetime * 1000;
	ev_timer_add(&sa->life, (uint64_t)sa->suite.lifetime * 1000);
	bound_per_peer(sa);
	ike_send_responder_lifetime(sa);
	if (sa->ctx->ops.established)
		sa->ctx->ops.established(sa);
	if (sa->done)
		sa->done(sa, 0, sa->done_arg);
}

void ike_sa_delete(struct ike_sa *sa, const char *why)
{
	char ck[2][17];

	log_notice("deleting Phase 1 SA with %s (peer \"%s\", cookies %s:%s): %s",
		   ike_peer_str(&sa->peer), sa->pc->name,
		   log_hex(ck[0], sa->icookie, 8),
		   log_hex(ck[1], sa->rcookie, 8), why);
	if (sa->state == IKE_ESTABLISHED) {
		send_delete(sa);
	} else if (sa->done) {
		/* a negotiation cut short: its starter hears of it as of a
		 * failure (it may hold sa until then), once */
		void (*done)(struct ike_sa *, int, void *) = sa->done;

		sa->done = NULL;
		done(sa, -ECANCELED, sa->done_arg);
	}
	sa->state = IKE_DEAD;
	ike_sa_free(sa);
}

static void dying_cb(struct ev_timer *t)
{
	struct ike_sa *sa = container_of(t, struct ike_sa, life);

	ike_sa_delete(sa, sa->dying);
}

/* the peer of nconf named as pc whose addresses cover addr, NULL if none */
static const struct ike_peer *repeer_find(const struct ike_conf *nconf,
					  const struct ike_peer *pc,
					  struct in_addr addr)
{
	const struct ike_peer *np = NULL;

	for (unsigned i = 0; i < nconf->npeers; i++)
		if (!strcmp(nconf->peers[i].name, pc->name) &&
		    prefix4_match(addr, nconf->peers[i].addr,
				  nconf->peers[i].plen))
			np = &nconf->peers[i];
	return np;
}

void ike_ctx_repeer(struct ike_ctx *ctx, const struct ike_conf *nconf)
{
	struct ike_half *h, *hn;
	struct ike_sa *sa, *next;
	unsigned long frees;
	unsigned ngone = 0;

	/* half-open main mode responders: message 3 makes an SA of them */
	for (h = ctx->half_old; h; h = hn) {
		const struct ike_peer *np = repeer_find(nconf, h->pc,
							h->peer.sin_addr);

		hn = h->newer;
		if (np)
			h->pc = np;
		else
			ike_half_del(ctx, h);
	}
	/* first what goes, keeping its old peer for the logs ... */
	for (sa = ctx->sas; sa; sa = sa->next) {
		const struct ike_peer *np = sa->pc ?
			repeer_find(nconf, sa->pc, sa->peer.sin_addr) : NULL;

		sa->repeer_gone = sa->pc && !np;
		if (sa->repeer_gone)
			ngone++;
		else
			sa->pc = np;
	}
	/* ... then it goes: a deletion's callbacks may free other SAs (the
	 * walk starts again then), never start one (that would be on the
	 * old peers) */
	for (sa = ctx->sas; sa && ngone; sa = next) {
		next = sa->next;
		if (!sa->repeer_gone)
			continue;
		frees = ctx->sa_frees;
		ngone--;
		ike_sa_delete(sa, "its peer is no longer in the configuration, or not at this address");
		if (ctx->sa_frees != frees + 1) {
			/* others went too: count again */
			ngone = 0;
			for (next = ctx->sas; next; next = next->next)
				ngone += next->repeer_gone;
			next = ctx->sas;
		}
	}
}

void ike_sa_delete_soon(struct ike_sa *sa, const char *why)
{
	if (sa->dying)
		return;
	sa->dying = why;
	ev_timer_del(&sa->life);
	sa->life.cb = dying_cb;
	ev_timer_add(&sa->life, 0);
}

struct ike_sa *ike_initiate(struct ike_ctx *ctx, const struct ike_peer *pc,
			    const struct sockaddr_in *local,
			    void (*done)(struct ike_sa *sa, int err, void *arg),
			    void *arg)
{
	struct sockaddr_in peer = {
		.sin_family = AF_INET, .sin_addr = pc->addr,
		.sin_port = htons(pc->port ? pc->port : ctx->conf->port),
	};
	uint8_t exch = pc->mode == IKE_MODE_AGGRESSIVE ?
		       ISAKMP_EXCH_AGGRESSIVE : ISAKMP_EXCH_MAIN;
	struct ike_sa *sa = ike_sa_new(ctx, true, exch, local, &peer, pc);
	int tries = 0;

	if (!sa)
		return NULL;
	do {
		if (RAND_bytes(sa->icookie, 8) != 1 || ++tries > 8) {
			ike_sa_free(sa);
			return NULL;
		}
	} while (!memcmp(sa->icookie, zero_cookie, 8) ||
		 ike_sa_find(ctx, sa->icookie, zero_cookie));
	ike_sa_hash_add(sa);
	sa->done = done;
	sa->done_arg = arg;
	log_info("initiating Phase 1 %s with %s (peer \"%s\")", mode_str(sa),
		 ike_peer_str(&peer), pc->name);
	if ((exch == ISAKMP_EXCH_MAIN ? ike_mm_start(sa) : ike_am_start(sa))) {
		ike_sa_fail(sa, 0, "could not build the first message");
		return NULL;
	}
	return sa;
}

static void housekeeping_cb(struct ev_timer *t)
{
	struct ike_ctx *ctx = container_of(t, struct ike_ctx, housekeeping);

	ike_half_expire(ctx);
	ike_flood_tick(ctx);
	log_rl_flush();
	ev_timer_add(t, 1000);
}

int ike_ctx_init(struct ike_ctx *ctx, const struct ike_conf *conf,
		 const struct ike_ops *ops)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->conf = conf;
	ctx->ops = *ops;
	if (ike_half_init(ctx))
		return -1;
	ev_timer_init(&ctx->housekeeping, housekeeping_cb);
	ev_timer_add(&ctx->housekeeping, 1000);
	return 0;
}

void ike_ctx_fini(struct ike_ctx *ctx)
{
	while (ctx->sas) {
		struct ike_sa *sa = ctx->sas;

		if (sa->state == IKE_ESTABLISHED)
			ike_sa_delete(sa, "shutting down");
		else
			ike_sa_free(sa);
	}
	ev_timer_del(&ctx->housekeeping);
	ike_half_fini(ctx);
	OPENSSL_cleanse(ctx->secret, sizeof(ctx->secret));
}

/* A message without responder cookie: the first of an exchange we answer,
 * or an unprotected notify about one we started. */
static void input_first(struct ike_ctx *ctx, const struct sockaddr_in *local,
			const struct sockaddr_in *peer,
			const struct isakmp_hdr *h, const uint8_t *buf,
			size_t len)
{
	struct isakmp_chain chain, *c = &chain;
	struct isakmp_err err;
	uint8_t rcookie[8], digest[20];
	struct ike_sa *sa;

	if (h->exch == ISAKMP_EXCH_INFO) {
		ike_info_plain(ctx, peer, h, buf, len);
		return;
	}
	if (h->exch != ISAKMP_EXCH_MAIN && h->exch != ISAKMP_EXCH_AGGRESSIVE) {
		ctx->stats.rx_dropped++;
		log_rl(&ike_rl_unknown, LOG_INFO,
		       "dropped %s message without responder cookie from %s",
		       isakmp_exch_name(h->exch), ike_peer_str(peer));
		return;
	}
	if (ike_sa_find(ctx, h->icookie, zero_cookie)) {
		ctx->stats.rx_dropped++;
		log_rl(&ike_rl_unknown, LOG_INFO,
		       "dropped a message from %s with our own initiator cookie",
		       ike_peer_str(peer));
		return;
	}
	if ((h->flags & ISAKMP_FLAG_E) || h->msgid) {
		ctx->stats.rx_malformed++;
		log_rl(&ike_rl_malformed, LOG_WARNING,
		       "dropped first %s message from %s: %s",
		       isakmp_exch_name(h->exch), ike_peer_str(peer),
		       h->msgid ? "non-zero message id" : "encrypted");
		return;
	}
	if (isakmp_chain_decode(c, h->np, buf + ISAKMP_HDR_LEN,
				len - ISAKMP_HDR_LEN, false, &err)) {
		ctx->stats.rx_malformed++;
		log_rl(&ike_rl_malformed, LOG_WARNING,
		       "dropped malformed first %s message from %s: %s",
		       isakmp_exch_name(h->exch), ike_peer_str(peer), err.msg);
		return;
	}
	if (ctx->ops.trace)
		ctx->ops.trace(ctx, peer, local, buf, len);
	ike_cookie_make(ctx, h->icookie, peer, rcookie);
	ike_msg_digest(buf, len, digest);

	if (h->exch == ISAKMP_EXCH_MAIN) {
		struct ike_half *half = ike_half_find(ctx, h->icookie, rcookie);

		if (half) {
			/* our message 2 was lost: it is deterministic */
			ike_mm_resend_msg2(ctx, half);
			return;
		}
		if (ike_sa_find(ctx, h->icookie, rcookie))
			return;		/* late duplicate of message 1 */
		ike_mm_resp_msg1(ctx, local, peer, h, c, rcookie);
		return;
	}
	sa = ike_sa_find(ctx, h->icookie, rcookie);
	if (sa) {
		if (sa->have_in_digest && !memcmp(sa->in_digest, digest, 20) &&
		    sa->out && ike_am_may_resend(sa))
			ike_send_raw(ctx, &sa->local, &sa->peer, sa->out,
				     sa->out_len);
		return;
	}
	ike_am_resp_msg1(ctx, local, peer, h, c, rcookie, digest);
}

void ike_input(struct ike_ctx *ctx, const struct sockaddr_in *local,
	       const struct sockaddr_in *peer, const uint8_t *buf, size_t len)
{
	struct isakmp_hdr h;
	struct isakmp_err err;
	struct ike_half *half;
	struct ike_sa *sa;
	uint8_t digest[20];

	ctx->stats.rx++;
	if (isakmp_hdr_decode(&h, buf, len, &err)) {
		ctx->stats.rx_malformed++;
		log_rl(&ike_rl_malformed, LOG_WARNING,
		       "dropped malformed message from %s: %s",
		       ike_peer_str(peer), err.msg);
		return;
	}
	if (!memcmp(h.icookie, zero_cookie, 8)) {
		ctx->stats.rx_malformed++;
		log_rl(&ike_rl_malformed, LOG_WARNING,
		       "dropped message from %s: zero initiator cookie",
		       ike_peer_str(peer));
		return;
	}
	/* a push names the KEK, not a Phase 1 SA (RFC 6407 4) */
	if (h.exch == GDOI_EXCH_PUSH || h.exch == GDOI_EXCH_PUSH_ACK) {
		if (ctx->ops.push) {
			ctx->ops.push(ctx, local, peer, &h, buf, len);
			return;
		}
		ctx->stats.rx_dropped++;
		log_rl(&ike_rl_unknown, LOG_INFO,
		       "dropped %s message from %s: no group uses rekeys",
		       isakmp_exch_name(h.exch), ike_peer_str(peer));
		return;
	}
	if (!memcmp(h.rcookie, zero_cookie, 8)) {
		input_first(ctx, local, peer, &h, buf, len);
		return;
	}
	sa = ike_sa_find(ctx, h.icookie, h.rcookie);
	if (!sa) {
		half = ike_half_find(ctx, h.icookie, h.rcookie);
		if (half && h.exch == ISAKMP_EXCH_MAIN &&
		    !memcmp(&half->peer, peer, sizeof(*peer)) &&
		    !(h.flags & ISAKMP_FLAG_E) && !h.msgid) {
			struct isakmp_chain c;

			if (isakmp_chain_decode(&c, h.np, buf + ISAKMP_HDR_LEN,
						len - ISAKMP_HDR_LEN, false,
						&err)) {
				ctx->stats.rx_malformed++;
				log_rl(&ike_rl_malformed, LOG_WARNING,
				       "dropped malformed main mode message 3 from %s: %s",
				       ike_peer_str(peer), err.msg);
				return;
			}
			if (ctx->ops.trace)
				ctx->ops.trace(ctx, peer, local, buf, len);
			ike_msg_digest(buf, len, digest);
			ike_mm_resp_msg3(ctx, half, &c, digest);
			return;
		}
		ctx->stats.rx_bad_cookie++;
		log_rl(&ike_rl_cookie, LOG_INFO,
		       "dropped %s message from %s: no SA for its cookies",
		       isakmp_exch_name(h.exch), ike_peer_str(peer));
		return;
	}
	if (sa->peer.sin_addr.s_addr != peer->sin_addr.s_addr ||
	    sa->peer.sin_port != peer->sin_port) {
		ctx->stats.rx_dropped++;
		log_rl(&ike_rl_unknown, LOG_WARNING,
		       "dropped message for the SA with %s from %s",
		       ike_peer_str(&sa->peer), ike_peer_str(peer));
		return;
	}
	ike_msg_digest(buf, len, digest);
	if (sa->have_in_digest && !memcmp(sa->in_digest, digest, 20)) {
		/* the peer did not get our answer */
		if (sa->out && h.exch != ISAKMP_EXCH_INFO)
			ike_send_raw(ctx, &sa->local, &sa->peer, sa->out,
				     sa->out_len);
		return;
	}
	switch (h.exch) {
	case ISAKMP_EXCH_MAIN:
		ike_mm_input(sa, &h, buf, len);
		break;
	case ISAKMP_EXCH_AGGRESSIVE:
		ike_am_input(sa, &h, buf, len);
		break;
	case ISAKMP_EXCH_INFO:
		ike_info_input(sa, &h, buf, len);
		break;
	case GDOI_EXCH_PULL:
		ike_phase2_input(sa, &h, buf, len);
		break;
	default:
		ctx->stats.rx_dropped++;
		log_rl(&ike_rl_unknown, LOG_WARNING,
		       "dropped %s message from %s: exchange not supported",
		       isakmp_exch_name(h.exch), ike_peer_str(peer));
		break;
	}
}
