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
 *   cookie round trip.
 * - Aggressive mode computes Diffie-Hellman on message 1 (the protocol
 *   requires it), so its first messages are limited by a token bucket
 *   (aggressive-rate per second); a responder that does not need it can
 *   leave aggressive mode out of its peers' configuration.
 */

#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "ike_int.h"

#define SECRET_ROTATE_MS	(3600 * 1000)

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
	return ctx->half_hash ? 0 : -1;
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

void ike_half_fini(struct ike_ctx *ctx)
{
	while (ctx->half_old)
		ike_half_del(ctx, ctx->half_old);
	free(ctx->half_hash);
	ctx->half_hash = NULL;
}

bool ike_aggressive_allowed(struct ike_ctx *ctx)
{
	double rate = ctx->conf->aggressive_rate;

	return tbucket_take(&ctx->aggr_tb, rate, rate, ev_now_ms());
}
