// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * Responder cookies and the defence against floods of first messages.
 *
 * IKEv1 cannot make an initiator prove its address before the responder
 * keeps state, as IKEv2 cookies do: main mode message 5 is authenticated
 * with a hash over the initiator's SA payload from message 1, so the
 * responder must keep that payload from message 1 on. What we can and do
 * guarantee is that nothing expensive happens before the peer has proven
 * that it receives what we send to its address:
 *
 * - The responder cookie is a MAC (HMAC-SHA256 under a random secret) of
 *   the initiator cookie and the peer's address and port. A spoofer never
 *   sees it, so message 3 (which must echo it) proves the round trip. It is
 *   also deterministic: a retransmitted message 1 finds its state again
 *   without a second index.
 * - Main mode message 1 costs a parse, a proposal match, one MAC and one
 *   reply: no Diffie-Hellman, no signature, no per-SA allocation. What it
 *   leaves is a half-open record (cookies, addresses, chosen transform and
 *   a copy of the SA payload, at most 2 KiB and typically < 200 bytes) in a
 *   FIFO bounded by half-open-max and half-open-timeout. When the FIFO is
 *   full the oldest record goes: a legitimate peer needs its record for one
 *   round trip, so a flood must exceed half-open-max messages per round
 *   trip time to deny service, and memory stays bounded whatever it does.
 * - Diffie-Hellman and the full SA start with message 3, i.e. after the
 *   cookie round trip. A peer that can receive at addresses the
 *   configuration covers can still send message 3 at will, so it is
 *   admitted before the modular exponentiation only within three limits
 *   (strongSwan's block_threshold and init_limit_half_open, libreswan's
 *   max-halfopen-ike play the same part): negotiating-per-peer SAs from
 *   one source address between messages 3 and 5, peer-rate messages 3 a
 *   second from one address (a token bucket each), and negotiating-max
 *   such SAs in all. When the last is reached, a newcomer from a quiet
 *   address (its bucket full: no message 3 for a second or so) evicts the
 *   oldest negotiation of the address holding the most, among those older
 *   than retransmit-timeout; others are denied. A flood keeps within
 *   peer-rate only by staying busy, so once it runs it evicts nothing,
 *   while a member that comes once does; a live negotiation has had its
 *   message 5 before it can be evicted.
 *   The addresses are kept in a table of IKE_SRC_MAX (least recently used
 *   go first). Denials are logged once per flood-log period, summed up.
 * - Aggressive mode computes Diffie-Hellman on message 1 (the protocol
 *   requires it), so its first messages are limited by a token bucket
 *   (aggressive-rate per second); a responder that does not need it can
 *   leave aggressive mode out of its peers' configuration.
 */

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "ike_int.h"

#define SECRET_ROTATE_MS	(3600 * 1000)
#define IKE_SRC_BUCKETS		1024
#define IKE_SRC_MAX		4096

struct ike_src {
	struct ike_src *hnext;
	struct ike_src *older, *newer;
	struct in_addr addr;
	struct tbucket tb;		/* peer-rate */
	unsigned nego;			/* its SAs between messages 3 and 5 */
	unsigned gen;			/* flood period of denied */
	unsigned long denied;
};

static void secret_refresh(struct ike_ctx *ctx)
{
	uint64_t now = ev_now_ms();

	if (ctx->secret_ms && now - ctx->secret_ms < SECRET_ROTATE_MS)
		return;
	ctx->secret_gen++;
	RAND_bytes(ctx->secret[ctx->secret_gen & 1], sizeof(ctx->secret[0]));
	ctx->secret_ms = now ? now : 1;
}

void ike_cookie_make(struct ike_ctx *ctx, const uint8_t *icookie,
		     const struct sockaddr_in *peer, uint8_t *rcookie)
{
	uint8_t mac[IKE_MAX_HASH];
	struct iovec v[] = {
		{ (void *)icookie, 8 },
		{ (void *)&peer->sin_addr, 4 },
		{ (void *)&peer->sin_port, 2 },
	};

	secret_refresh(ctx);
	if (ike_prf(IKE_HASH_SHA256, ctx->secret[ctx->secret_gen & 1],
		    sizeof(ctx->secret[0]), v, 3, mac))
		RAND_bytes(mac, 8);
	memcpy(rcookie, mac, 8);
	if (!memcmp(rcookie, "\0\0\0\0\0\0\0\0", 8))
		rcookie[7] = 1;
}

int ike_half_init(struct ike_ctx *ctx)
{
	ctx->half_hash = calloc(IKE_HASH_BUCKETS, sizeof(*ctx->half_hash));
	ctx->src_hash = calloc(IKE_SRC_BUCKETS, sizeof(*ctx->src_hash));
	if (ctx->half_hash && ctx->src_hash)
		return 0;
	free(ctx->half_hash);
	free(ctx->src_hash);
	ctx->half_hash = NULL;
	ctx->src_hash = NULL;
	return -1;
}

static unsigned bucket(const uint8_t *cookie)
{
	uint32_t v;

	memcpy(&v, cookie, sizeof(v));
	return v % IKE_HASH_BUCKETS;
}

struct ike_half *ike_half_find(struct ike_ctx *ctx, const uint8_t *icookie,
			       const uint8_t *rcookie)
{
	struct ike_half *h;

	for (h = ctx->half_hash[bucket(rcookie)]; h; h = h->hnext)
		if (!memcmp(h->rcookie, rcookie, 8) &&
		    !memcmp(h->icookie, icookie, 8))
			return h;
	return NULL;
}

void ike_half_del(struct ike_ctx *ctx, struct ike_half *h)
{
	struct ike_half **pp = &ctx->half_hash[bucket(h->rcookie)];

	for (; *pp; pp = &(*pp)->hnext) {
		if (*pp == h) {
			*pp = h->hnext;
			break;
		}
	}
	if (h->older)
		h->older->newer = h->newer;
	else
		ctx->half_old = h->newer;
	if (h->newer)
		h->newer->older = h->older;
	else
		ctx->half_new = h->older;
	ctx->nhalf--;
	OPENSSL_clear_free(h, sizeof(*h) + h->sai_len);
}

struct ike_half *ike_half_add(struct ike_ctx *ctx, const uint8_t *icookie,
			      const uint8_t *rcookie, size_t sai_len)
{
	struct ike_half *h;
	unsigned b = bucket(rcookie);

	if (!ctx->conf->half_open_max)
		return NULL;
	if (ctx->nhalf >= ctx->conf->half_open_max) {
		ctx->stats.half_open_evicted++;
		log_rl(&ike_rl_flood, LOG_WARNING,
		       "half-open table full (%u): evicting the oldest main mode exchange",
		       ctx->nhalf);
		ike_half_del(ctx, ctx->half_old);
	}
	h = calloc(1, sizeof(*h) + sai_len);
	if (!h)
		return NULL;
	memcpy(h->icookie, icookie, 8);
	memcpy(h->rcookie, rcookie, 8);
	h->sai_len = (uint16_t)sai_len;
	h->created = ev_now_ms();
	h->hnext = ctx->half_hash[b];
	ctx->half_hash[b] = h;
	h->older = ctx->half_new;
	if (ctx->half_new)
		ctx->half_new->newer = h;
	else
		ctx->half_old = h;
	ctx->half_new = h;
	ctx->nhalf++;
	ctx->stats.half_open++;
	return h;
}

void ike_half_expire(struct ike_ctx *ctx)
{
	uint64_t now = ev_now_ms();

	while (ctx->half_old &&
	       now - ctx->half_old->created >= ctx->conf->half_open_ms)
		ike_half_del(ctx, ctx->half_old);
}

static void src_unlink(struct ike_ctx *ctx, struct ike_src *s)
{
	if (s->older)
		s->older->newer = s->newer;
	else
		ctx->src_old = s->newer;
	if (s->newer)
		s->newer->older = s->older;
	else
		ctx->src_new = s->older;
}

static void src_link_new(struct ike_ctx *ctx, struct ike_src *s)
{
	s->newer = NULL;
	s->older = ctx->src_new;
	if (ctx->src_new)
		ctx->src_new->newer = s;
	else
		ctx->src_old = s;
	ctx->src_new = s;
}

static unsigned src_bucket(struct in_addr a)
{
	uint32_t v = ntohl(a.s_addr) * 2654435761u;

	return (v ^ v >> 16) % IKE_SRC_BUCKETS;
}

static void src_del(struct ike_ctx *ctx, struct ike_src *s)
{
	struct ike_src **pp = &ctx->src_hash[src_bucket(s->addr)];

	for (; *pp; pp = &(*pp)->hnext) {
		if (*pp == s) {
			*pp = s->hnext;
			break;
		}
	}
	src_unlink(ctx, s);
	ctx->nsrc--;
	free(s);
}

/* The entry of addr, made the most recently used; NULL without memory */
static struct ike_src *src_get(struct ike_ctx *ctx, struct in_addr addr)
{
	unsigned b = src_bucket(addr);
	struct ike_src *s;

	for (s = ctx->src_hash[b]; s; s = s->hnext) {
		if (s->addr.s_addr == addr.s_addr) {
			src_unlink(ctx, s);
			src_link_new(ctx, s);
			return s;
		}
	}
	if (ctx->nsrc >= IKE_SRC_MAX) {
		/* the least recently used without a negotiation (there is
		 * one unless negotiating-max is near IKE_SRC_MAX) */
		for (s = ctx->src_old; s && s->nego; s = s->newer)
			;
		if (!s)
			return NULL;
		src_del(ctx, s);
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->addr = addr;
	s->hnext = ctx->src_hash[b];
	ctx->src_hash[b] = s;
	src_link_new(ctx, s);
	ctx->nsrc++;
	return s;
}

static const char *addr_str(struct in_addr a, char *buf)
{
	inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
	return buf;
}

static uint64_t flood_period(const struct ike_ctx *ctx)
{
	return ctx->conf->flood_log_ms ? ctx->conf->flood_log_ms : 10000;
}

/* a message 3 denied: the first of a flood is logged at once, the others
 * once a period by ike_flood_tick() */
static void deny(struct ike_ctx *ctx, struct ike_src *s, unsigned long *stat,
		 unsigned long *period, const char *why)
{
	struct ike_flood_log *f = &ctx->flood;
	char ip[INET_ADDRSTRLEN];

	(*stat)++;
	if (!f->start_ms) {
		f->start_ms = ev_now_ms() ? ev_now_ms() : 1;
		f->gen++;
		log_warn("Phase 1 flood: main mode message 3 from %s denied before Diffie-Hellman (%s); "
			 "further denials are summed up every %u s",
			 addr_str(s->addr, ip), why,
			 (unsigned)(flood_period(ctx) / 1000));
	}
	f->denied++;
	(*period)++;
	if (s->gen != f->gen) {
		s->gen = f->gen;
		s->denied = 0;
		f->sources++;
	}
	if (++s->denied > f->top_n) {
		f->top_n = s->denied;
		f->top = s->addr;
	}
}

void ike_flood_tick(struct ike_ctx *ctx)
{
	struct ike_flood_log *f = &ctx->flood;
	uint64_t now = ev_now_ms();
	char ip[INET_ADDRSTRLEN];

	unsigned gen = f->gen;

	if (!f->start_ms || now - f->start_ms < flood_period(ctx))
		return;
	if (!f->denied) {
		log_notice("Phase 1 flood over: no main mode message 3 denied in the last %.1f s",
			   (double)(now - f->start_ms) / 1000.0);
		memset(f, 0, sizeof(*f));
		f->gen = gen;
		return;
	}
	log_warn("Phase 1 flood: %lu main mode message 3 denied in the last %.1f s from %u address%s "
		 "(%lu over negotiating-per-peer, %lu over peer-rate, %lu over negotiating-max), "
		 "%lu negotiations evicted; most from %s (%lu); negotiating %u",
		 f->denied, (double)(now - f->start_ms) / 1000.0, f->sources,
		 f->sources == 1 ? "" : "es",
		 f->per_peer, f->rate, f->global, f->evicted,
		 addr_str(f->top, ip), f->top_n, ctx->nnego);
	f->start_ms = now;
	f->gen++;
	f->denied = f->per_peer = f->rate = f->global = f->evicted = 0;
	f->sources = 0;
	f->top_n = 0;
}

static bool limited(const struct ike_conf *c)
{
	return c->negotiating_max || c->negotiating_per_peer || c->peer_rate;
}

bool ike_flood_admit(struct ike_ctx *ctx, const struct sockaddr_in *peer,
		     struct ike_src **srcp)
{
	const struct ike_conf *c = ctx->conf;
	struct ike_sa *o, *victim = NULL;
	struct ike_flood_log *f = &ctx->flood;
	uint64_t now = ev_now_ms();
	struct ike_src *s;
	unsigned most = 0;
	bool quiet;
	char why[80];

	*srcp = NULL;
	if (!limited(c))
		return true;
	s = src_get(ctx, peer->sin_addr);
	if (!s) {
		ctx->stats.flood_global++;
		return false;
	}
	if (c->negotiating_per_peer && s->nego >= c->negotiating_per_peer) {
		snprintf(why, sizeof(why), "%u negotiating from it, negotiating-per-peer %u",
			 s->nego, c->negotiating_per_peer);
		deny(ctx, s, &ctx->stats.flood_per_peer, &f->per_peer, why);
		return false;
	}
	/* quiet: no message 3 from the address for a second or so */
	quiet = !c->peer_rate ||
		tbucket_full(&s->tb, c->peer_rate, c->peer_rate, now);
	if (c->peer_rate && !tbucket_take(&s->tb, c->peer_rate,
					  c->peer_rate, now)) {
		snprintf(why, sizeof(why), "over peer-rate %u/s", c->peer_rate);
		deny(ctx, s, &ctx->stats.flood_rate, &f->rate, why);
		return false;
	}
	if (c->negotiating_max && ctx->nnego >= c->negotiating_max) {
		/*
		 * only a quiet address may take the place of another: the
		 * oldest negotiation of the address that holds the most,
		 * among those older than retransmit-timeout (a live one
		 * would have had its message 5 by then)
		 */
		for (o = ctx->nego_old; quiet && o && now - o->started_ms >=
		     c->retransmit_ms; o = o->nego_newer)
			if (o->src != s && o->src->nego > most)
				most = o->src->nego;
		if (!most) {
			snprintf(why, sizeof(why), "%u negotiating in all, negotiating-max %u",
				 ctx->nnego, c->negotiating_max);
			deny(ctx, s, &ctx->stats.flood_global, &f->global, why);
			return false;
		}
		for (victim = ctx->nego_old;
		     victim->src == s || victim->src->nego != most;
		     victim = victim->nego_newer)
			;	/* (found by the loop above) */
	}
	if (victim) {
		char vip[INET_ADDRSTRLEN];

		ctx->stats.flood_evicted++;
		if (f->start_ms)
			f->evicted++;
		log_debug("evicting the negotiation with %s (%u from its address) for message 3 from %s",
			  ike_peer_str(&victim->peer), most,
			  addr_str(peer->sin_addr, vip));
		ike_sa_free(victim);
	}
	*srcp = s;
	return true;
}

void ike_flood_track(struct ike_sa *sa, struct ike_src *src)
{
	struct ike_ctx *ctx = sa->ctx;

	if (!src)
		return;
	sa->src = src;
	src->nego++;
	ctx->nnego++;
	sa->nego_newer = NULL;
	sa->nego_older = ctx->nego_new;
	if (ctx->nego_new)
		ctx->nego_new->nego_newer = sa;
	else
		ctx->nego_old = sa;
	ctx->nego_new = sa;
}

void ike_flood_release(struct ike_sa *sa)
{
	struct ike_ctx *ctx = sa->ctx;

	if (!sa->src)
		return;
	if (sa->nego_older)
		sa->nego_older->nego_newer = sa->nego_newer;
	else
		ctx->nego_old = sa->nego_newer;
	if (sa->nego_newer)
		sa->nego_newer->nego_older = sa->nego_older;
	else
		ctx->nego_new = sa->nego_older;
	sa->src->nego--;
	ctx->nnego--;
	sa->src = NULL;
	sa->nego_older = sa->nego_newer = NULL;
}

void ike_half_fini(struct ike_ctx *ctx)
{
	while (ctx->half_old)
		ike_half_del(ctx, ctx->half_old);
	free(ctx->half_hash);
	ctx->half_hash = NULL;
	while (ctx->src_old)
		src_del(ctx, ctx->src_old);
	free(ctx->src_hash);
	ctx->src_hash = NULL;
}

bool ike_aggressive_allowed(struct ike_ctx *ctx)
{
	double rate = ctx->conf->aggressive_rate;

	return tbucket_take(&ctx->aggr_tb, rate, rate, ev_now_ms());
}
