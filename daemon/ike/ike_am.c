// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * Aggressive mode (RFC 2409 5):
 *
 *   1 I->R  HDR, SA, KE, Ni, IDii [, CR]
 *   2 R->I  HDR, SA, KE, Nr, IDir, [CERT,] HASH_R | SIG_R [, CR]
 *   3 I->R  HDR, [CERT,] HASH_I | SIG_I
 *
 * Message 3 is encrypted (strongSwan's charon sends it so and accepts
 * both forms; libreswan sends it so and, after a clear one, protects its
 * later messages from another IV base) unless the peer is configured with
 * aggressive-msg3 = clear, which sends it as RFC 2409 5's figure shows
 * it. Encrypted, it takes the first IV of the Phase 1 CBC chain,
 * hash(g^xi | g^xr), and its last ciphertext block is the base of Phase 2
 * and informational IVs; in the clear, that base stays hash(g^xi | g^xr)
 * (RFC 2409 appendix B). As responder both forms are accepted. The
 * responder works on message 1 at once, so first messages are
 * rate-limited (ike_cookie.c), once we know the peer: messages from
 * addresses no peer covers spend nothing of aggressive-rate. Its message
 * 2 goes to an address nothing has verified: it is sent again once at
 * most (on a timer or for a repeated message 1), never more.
 */

#include <stdlib.h>
#include <string.h>

#include "ike_int.h"
#include "util.h"

int ike_am_start(struct ike_sa *sa)
{
	struct isakmp_buf b;

	sa->suite = sa->pc->suites[0];
	ike_msg_begin(&b, sa, ISAKMP_EXCH_AGGRESSIVE, 0, 0);
	if (ike_p1_put_offer(sa, &b) || ike_p1_put_ke_nonce(sa, &b) ||
	    ike_p1_put_id(sa, &b))
		return -1;
	ike_p1_put_certreq(sa, &b);
	ike_put_dpd_vid(&b);
	sa->state = IKE_AM_I1;
	return ike_msg_send(sa, &b, false, true);
}

static int check_peer(struct ike_sa *sa, const struct isakmp_chain *c,
		      unsigned msg, bool id)
{
	uint16_t notify = 0;
	char why[300];

	if ((id && ike_p1_check_id(sa, c, &notify, why, sizeof(why))) ||
	    (ike_auth_sig(sa->suite.auth) &&
	     ike_p1_get_certs(sa, c, &notify, why, sizeof(why))) ||
	    ike_p1_check_auth(sa, c, &notify, why, sizeof(why))) {
		ike_sa_fail(sa, notify, "message %u: authentication failed: %s",
			    msg, why);
		return -1;
	}
	return 0;
}

/* Message 2: choice, keys, the responder's proof; we finish with ours */
static void am_i2(struct ike_sa *sa, const struct isakmp_hdr *h,
		  const struct isakmp_chain *c)
{
	struct isakmp_err err;
	struct isakmp_buf b;

	memcpy(sa->rcookie, h->rcookie, 8);
	if (ike_p1_check_reply(sa, c, &err) ||
	    ike_p1_get_ke_nonce(sa, c, &err)) {
		ike_sa_fail(sa, err.notify, "message 2: %s", err.msg);
		return;
	}
	ike_p1_get_certreq(sa, c);
	if (ike_p1_derive(sa)) {
		ike_sa_fail(sa, ISAKMP_N_INVALID_KEY_INFORMATION,
			    "message 2: invalid Diffie-Hellman public value");
		return;
	}
	if (check_peer(sa, c, 2, true))
		return;
	ike_p1_notifies(sa, c, false);
	ike_msg_begin(&b, sa, ISAKMP_EXCH_AGGRESSIVE, 0, 0);
	if (ike_p1_put_auth(sa, &b) ||
	    ike_msg_send(sa, &b, !sa->pc->am_msg3_clear, false)) {
		ike_sa_fail(sa, 0, "could not build message 3");
		return;
	}
	ev_timer_del(&sa->rtx);
	ike_sa_established(sa);
	/* keep message 3 a while: a repeated message 2 asks for it again */
	ev_timer_add(&sa->rtx, IKE_KEEP_LAST_MS);
}

/* The responder's peer: by address, preferring an entry whose remote
 * identity is the one in message 1. */
static const struct ike_peer *am_peer(struct ike_ctx *ctx,
				      const struct sockaddr_in *peer,
				      const struct isakmp_chain *c)
{
	const struct isakmp_pl *pl = isakmp_chain_find(c, ISAKMP_NP_ID, 0);
	const struct ike_peer *by_id = NULL, *by_addr = NULL;
	struct isakmp_id id;
	unsigned i;

	if (!pl || isakmp_id_decode(&id, pl, NULL))
		return ike_peer_lookup(ctx, &peer->sin_addr);
	for (i = 0; i < ctx->conf->npeers; i++) {
		const struct ike_peer *p = &ctx->conf->peers[i];

		if (!prefix4_match(peer->sin_addr, p->addr, p->plen))
			continue;
		if (p->remote_id_set) {
			if (ike_id_equal(&p->remote_id, id.type, id.data, id.len) &&
			    (!by_id || p->plen > by_id->plen))
				by_id = p;
		} else if (!by_addr || p->plen > by_addr->plen) {
			by_addr = p;
		}
	}
	return by_id ? by_id : by_addr;
}

void ike_am_resp_msg1(struct ike_ctx *ctx, const struct sockaddr_in *local,
		      const struct sockaddr_in *peer,
		      const struct isakmp_hdr *h, const struct isakmp_chain *c,
		      const uint8_t *rcookie, const uint8_t *digest)
{
	struct isakmp_sa offer;
	const struct isakmp_pl *pl = isakmp_chain_find(c, ISAKMP_NP_SA, 0);
	const struct ike_peer *pc = am_peer(ctx, peer, c);
	struct isakmp_err err;
	struct ike_suite suite;
	struct isakmp_buf b;
	struct ike_sa *sa;
	unsigned t, i;
	uint8_t prop_num = 0;

	if (!pc) {
		ctx->stats.rx_dropped++;
		log_rl(&ike_rl_unknown, LOG_WARNING,
		       "dropped aggressive mode message 1 from %s: no peer configured for this address",
		       ike_peer_str(peer));
		return;
	}
	if (pc->mode == IKE_MODE_MAIN) {
		ctx->stats.rx_dropped++;
		log_rl(&ike_rl_proposal, LOG_WARNING,
		       "refused aggressive mode from %s: peer \"%s\" is configured for main mode",
		       ike_peer_str(peer), pc->name);
		return;
	}
	if (!ike_aggressive_allowed(ctx)) {
		ctx->stats.aggressive_limited++;
		log_rl(&ike_rl_flood, LOG_WARNING,
		       "dropped aggressive mode message 1 from %s: over aggressive-rate",
		       ike_peer_str(peer));
		return;
	}
	if (!pl || isakmp_chain_count(c, ISAKMP_NP_SA) != 1 ||
	    isakmp_sa_decode(&offer, pl, &err)) {
		ctx->stats.rx_malformed++;
		log_rl(&ike_rl_malformed, LOG_WARNING,
		       "dropped aggressive mode message 1 from %s: %s",
		       ike_peer_str(peer), pl ? err.msg : "no single SA payload");
		return;
	}
	if (ike_p1_select(ctx, pc, &offer, &suite, &t, &err)) {
		log_rl(&ike_rl_proposal, LOG_WARNING,
		       "Phase 1 aggressive mode responder with %s (peer \"%s\") failed: %s",
		       ike_peer_str(peer), pc->name, err.msg);
		ctx->stats.failed++;
		ike_send_notify_plain(ctx, local, peer, h->icookie, rcookie,
				      offer.doi, err.notify);
		return;
	}
	sa = ike_sa_new(ctx, false, ISAKMP_EXCH_AGGRESSIVE, local, peer, pc);
	if (!sa)
		return;
	memcpy(sa->icookie, h->icookie, 8);
	memcpy(sa->rcookie, rcookie, 8);
	ike_sa_hash_add(sa);
	sa->suite = suite;
	sa->offered_lifetime = ike_offered_lifetime(offer.t[t].raw,
						    offer.t[t].raw_len);
	sa->doi = offer.doi;
	memcpy(sa->in_digest, digest, 20);
	sa->have_in_digest = true;
	sa->state = IKE_AM_R2;
	sa->sai_len = pl->len;
	sa->sai_b = malloc(pl->len);
	if (!sa->sai_b) {
		ike_sa_free(sa);
		return;
	}
	memcpy(sa->sai_b, pl->body, pl->len);
	if (ike_p1_get_ke_nonce(sa, c, &err)) {
		ike_sa_fail(sa, err.notify, "message 1: %s", err.msg);
		return;
	}
	{
		uint16_t notify = 0;
		char why[300];

		if (ike_p1_check_id(sa, c, &notify, why, sizeof(why))) {
			ike_sa_fail(sa, notify, "message 1: %s", why);
			return;
		}
	}
	ike_p1_get_certreq(sa, c);
	for (i = 0; i < offer.nprop; i++)
		if (t >= offer.prop[i].first &&
		    t < offer.prop[i].first + offer.prop[i].ntrans)
			prop_num = offer.prop[i].num;
	ike_msg_begin(&b, sa, ISAKMP_EXCH_AGGRESSIVE, 0, 0);
	ike_p1_put_reply_sa(&b, sa->sai_b, prop_num, offer.t[t].raw,
			    offer.t[t].raw_len);
	if (ike_p1_put_ke_nonce(sa, &b)) {
		ike_sa_fail(sa, 0, "Diffie-Hellman %s failed",
			    ike_group_name(sa->suite.group));
		return;
	}
	if (ike_p1_derive(sa)) {
		ike_sa_fail(sa, ISAKMP_N_INVALID_KEY_INFORMATION,
			    "message 1: invalid Diffie-Hellman public value");
		return;
	}
	if (ike_p1_put_id(sa, &b) || ike_p1_put_auth(sa, &b)) {
		ike_sa_fail(sa, 0, "could not build message 2 (identity or signature)");
		return;
	}
	ike_p1_put_certreq(sa, &b);
	ike_put_dpd_vid(&b);
	if (ike_msg_send(sa, &b, false, true))
		ike_sa_fail(sa, 0, "could not send message 2");
}

bool ike_am_may_resend(struct ike_sa *sa)
{
	if (sa->initiator || sa->state != IKE_AM_R2)
		return true;
	if (sa->resent)
		return false;
	sa->resent = true;
	return true;
}

/* Message 3: the initiator's proof */
static void am_r3(struct ike_sa *sa, const struct isakmp_hdr *h,
		  const uint8_t *buf, size_t len)
{
	uint8_t next_iv[IKE_MAX_BLOCK];
	struct isakmp_err err;
	struct ike_in in = { .plain = NULL };
	const struct isakmp_chain *c = &in.c;
	char why[200];

	if (h->flags & ISAKMP_FLAG_E) {
		if (ike_msg_open(sa, buf, len, &in, next_iv, why, sizeof(why))) {
			/* a repeat is not a duplicate to answer */
			sa->have_in_digest = false;
			if (ike_msg_undecryptable(sa, 3, why))
				ike_send_notify_plain(sa->ctx, &sa->local,
						      &sa->peer, sa->icookie,
						      sa->rcookie, sa->doi,
						      ISAKMP_N_AUTHENTICATION_FAILED);
			return;
		}
		ike_trace_decrypted(sa, buf, in.plain, c);
	} else {
		if (isakmp_chain_decode(&in.c, h->np, buf + ISAKMP_HDR_LEN,
					len - ISAKMP_HDR_LEN, false, &err)) {
			ike_sa_fail(sa, err.notify, "message 3: %s", err.msg);
			return;
		}
		if (sa->ctx->ops.trace)
			sa->ctx->ops.trace(sa->ctx, &sa->peer, &sa->local,
					   buf, len);
	}
	log_debug("aggressive mode message 3 from %s: %s",
		  ike_peer_str(&sa->peer),
		  h->flags & ISAKMP_FLAG_E ? "encrypted" : "in the clear");
	/* the initiator's chain moved on with message 3 (see ike_mm.c) */
	if (h->flags & ISAKMP_FLAG_E) {
		memcpy(sa->iv, next_iv, sa->keys.block);
		sa->peer_keys_ok = true;
	}
	if (!check_peer(sa, c, 3, false)) {
		ike_p1_notifies(sa, c, h->flags & ISAKMP_FLAG_E);
		ev_timer_del(&sa->rtx);
		free(sa->out);
		sa->out = NULL;
		ike_sa_established(sa);
	}
	ike_in_done(&in);
}

void ike_am_input(struct ike_sa *sa, const struct isakmp_hdr *h,
		  const uint8_t *buf, size_t len)
{
	struct isakmp_chain c;
	struct isakmp_err err;

	if (h->msgid || (sa->state != IKE_AM_I1 &&
			 memcmp(h->rcookie, sa->rcookie, 8))) {
		sa->ctx->stats.rx_dropped++;
		log_rl(&ike_rl_malformed, LOG_WARNING,
		       "dropped aggressive mode message from %s: bad message id or cookie",
		       ike_peer_str(&sa->peer));
		return;
	}
	ike_msg_digest(buf, len, sa->in_digest);
	sa->have_in_digest = true;
	switch (sa->state) {
	case IKE_AM_I1:
		if ((h->flags & ISAKMP_FLAG_E) ||
		    isakmp_chain_decode(&c, h->np, buf + ISAKMP_HDR_LEN,
					len - ISAKMP_HDR_LEN, false, &err)) {
			sa->have_in_digest = false;
			sa->ctx->stats.rx_malformed++;
			log_rl(&ike_rl_malformed, LOG_WARNING,
			       "dropped aggressive mode message 2 from %s: %s",
			       ike_peer_str(&sa->peer),
			       h->flags & ISAKMP_FLAG_E ? "encrypted" : err.msg);
			return;
		}
		if (sa->ctx->ops.trace)
			sa->ctx->ops.trace(sa->ctx, &sa->peer, &sa->local,
					   buf, len);
		am_i2(sa, h, &c);
		break;
	case IKE_AM_R2:
		am_r3(sa, h, buf, len);
		break;
	default:
		sa->have_in_digest = false;
		sa->ctx->stats.rx_dropped++;
		log_rl(&ike_rl_unknown, LOG_INFO,
		       "dropped aggressive mode message from %s: no exchange in progress",
		       ike_peer_str(&sa->peer));
		break;
	}
}
