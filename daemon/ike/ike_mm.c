// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * Main mode (RFC 2409 5, identity protection exchange):
 *
 *   1 I->R  HDR, SA
 *   2 R->I  HDR, SA
 *   3 I->R  HDR, KE, Ni [, CR]
 *   4 R->I  HDR, KE, Nr [, CR]
 *   5 I->R  HDR*, IDii, [CERT,] HASH_I | SIG_I
 *   6 R->I  HDR*, IDir, [CERT,] HASH_R | SIG_R
 *
 * The responder keeps no SA before message 3 (ike_cookie.c).
 */

#include <stdlib.h>
#include <string.h>

#include "ike_int.h"

static void drop(struct ike_sa *sa, const char *what)
{
	sa->ctx->stats.rx_dropped++;
	log_rl(&ike_rl_malformed, LOG_WARNING,
	       "dropped main mode message from %s: %s",
	       ike_peer_str(&sa->peer), what);
}

int ike_mm_start(struct ike_sa *sa)
{
	struct isakmp_buf b;

	ike_msg_begin(&b, sa, ISAKMP_EXCH_MAIN, 0, 0);
	if (ike_p1_put_offer(sa, &b))
		return -1;
	ike_put_dpd_vid(&b);
	sa->state = IKE_MM_I1;
	return ike_msg_send(sa, &b, false, true);
}

/* Message 2: the responder's choice; answer with KE and nonce */
static void mm_i2(struct ike_sa *sa, const struct isakmp_hdr *h,
		  const struct isakmp_chain *c)
{
	struct isakmp_err err;
	struct isakmp_buf b;

	if (ike_p1_check_reply(sa, c, &err)) {
		memcpy(sa->rcookie, h->rcookie, 8);
		ike_sa_fail(sa, err.notify, "message 2: %s", err.msg);
		return;
	}
	memcpy(sa->rcookie, h->rcookie, 8);
	ike_msg_begin(&b, sa, ISAKMP_EXCH_MAIN, 0, 0);
	if (ike_p1_put_ke_nonce(sa, &b)) {
		ike_sa_fail(sa, 0, "Diffie-Hellman %s failed",
			    ike_group_name(sa->suite.group));
		return;
	}
	ike_p1_put_certreq(sa, &b);
	sa->state = IKE_MM_I3;
	if (ike_msg_send(sa, &b, false, true))
		ike_sa_fail(sa, 0, "could not send message 3");
}

/* Message 4: keys, then our identity and proof */
static void mm_i4(struct ike_sa *sa, const struct isakmp_chain *c)
{
	struct isakmp_err err;
	struct isakmp_buf b;

	if (ike_p1_get_ke_nonce(sa, c, &err)) {
		ike_sa_fail(sa, err.notify, "message 4: %s", err.msg);
		return;
	}
	ike_p1_get_certreq(sa, c);
	if (ike_p1_derive(sa)) {
		ike_sa_fail(sa, ISAKMP_N_INVALID_KEY_INFORMATION,
			    "message 4: invalid Diffie-Hellman public value");
		return;
	}
	ike_msg_begin(&b, sa, ISAKMP_EXCH_MAIN, 0, 0);
	if (ike_p1_put_id(sa, &b) || ike_p1_put_auth(sa, &b)) {
		ike_sa_fail(sa, 0, "could not build message 5 (identity or signature)");
		return;
	}
	sa->state = IKE_MM_I5;
	if (ike_msg_send(sa, &b, true, true))
		ike_sa_fail(sa, 0, "could not send message 5");
}

static int check_peer(struct ike_sa *sa, const struct isakmp_chain *c,
		      unsigned msg)
{
	uint16_t notify = 0;
	char why[300];

	if (ike_p1_check_id(sa, c, &notify, why, sizeof(why)) ||
	    (ike_auth_sig(sa->suite.auth) &&
	     ike_p1_get_certs(sa, c, &notify, why, sizeof(why))) ||
	    ike_p1_check_auth(sa, c, &notify, why, sizeof(why))) {
		ike_sa_fail(sa, notify, "message %u: authentication failed: %s",
			    msg, why);
		return -1;
	}
	return 0;
}

/* Message 6: the responder's identity and proof */
static void mm_i6(struct ike_sa *sa, const uint8_t *buf, size_t len)
{
	uint8_t next_iv[IKE_MAX_BLOCK];
	struct ike_in in;
	char why[200];

	if (ike_msg_open(sa, buf, len, &in, next_iv, why, sizeof(why))) {
		/* our message 5 brings it again */
		sa->have_in_digest = false;
		ike_msg_undecryptable(sa, 6, why);
		return;
	}
	ike_trace_decrypted(sa, buf, in.plain, &in.c);
	/* the responder's chain moved on with message 6, accepted or not:
	 * our delete on failure must use the IV it expects */
	memcpy(sa->iv, next_iv, sa->keys.block);
	sa->peer_keys_ok = true;
	if (!check_peer(sa, &in.c, 6)) {
		ike_p1_notifies(sa, &in.c, true);
		ev_timer_del(&sa->rtx);
		free(sa->out);
		sa->out = NULL;
		ike_sa_established(sa);
	}
	ike_in_done(&in);
}

void ike_mm_resend_msg2(struct ike_ctx *ctx, struct ike_half *half)
{
	uint8_t mem[ISAKMP_HDR_LEN + 64 + IKE_MAX_SAI];
	struct isakmp_hdr h = {
		.version = ISAKMP_VERSION, .exch = ISAKMP_EXCH_MAIN,
	};
	struct isakmp_buf b;

	memcpy(h.icookie, half->icookie, 8);
	memcpy(h.rcookie, half->rcookie, 8);
	isakmp_buf_init(&b, mem, sizeof(mem));
	isakmp_hdr_encode(&b, &h);
	ike_p1_put_reply_sa(&b, half->sai_b, half->prop_num,
			    half->sai_b + half->t_off, half->t_len);
	ike_put_dpd_vid(&b);
	isakmp_msg_end(&b);
	if (b.err)
		return;
	if (ctx->ops.trace)
		ctx->ops.trace(ctx, &half->local, &half->peer, b.p, b.len);
	ike_send_raw(ctx, &half->local, &half->peer, b.p, b.len);
}

/* Message 1 as responder: choose, answer, keep only a half-open record */
void ike_mm_resp_msg1(struct ike_ctx *ctx, const struct sockaddr_in *local,
		      const struct sockaddr_in *peer,
		      const struct isakmp_hdr *h, const struct isakmp_chain *c,
		      const uint8_t *rcookie)
{
	struct isakmp_sa offer;
	const struct isakmp_pl *pl = isakmp_chain_find(c, ISAKMP_NP_SA, 0);
	const struct ike_peer *pc = ike_peer_lookup(ctx, &peer->sin_addr);
	struct isakmp_err err;
	struct ike_suite suite;
	struct ike_half *half;
	unsigned t;

	if (!pc) {
		ctx->stats.rx_dropped++;
		log_rl(&ike_rl_unknown, LOG_WARNING,
		       "dropped main mode message 1 from %s: no peer configured for this address",
		       ike_peer_str(peer));
		return;
	}
	if (pc->mode == IKE_MODE_AGGRESSIVE) {
		ctx->stats.rx_dropped++;
		log_rl(&ike_rl_proposal, LOG_WARNING,
		       "refused main mode from %s: peer \"%s\" is configured for aggressive mode",
		       ike_peer_str(peer), pc->name);
		return;
	}
	if (!pl || isakmp_chain_count(c, ISAKMP_NP_SA) != 1 ||
	    isakmp_sa_decode(&offer, pl, &err)) {
		ctx->stats.rx_malformed++;
		log_rl(&ike_rl_malformed, LOG_WARNING,
		       "dropped main mode message 1 from %s: %s",
		       ike_peer_str(peer), pl ? err.msg : "no single SA payload");
		return;
	}
	if (pl->len > IKE_MAX_SAI) {
		ctx->stats.rx_dropped++;
		log_rl(&ike_rl_malformed, LOG_WARNING,
		       "dropped main mode message 1 from %s: SA payload of %u bytes (max %d)",
		       ike_peer_str(peer), pl->len, IKE_MAX_SAI);
		return;
	}
	if (ike_p1_select(ctx, pc, &offer, &suite, &t, &err)) {
		log_rl(&ike_rl_proposal, LOG_WARNING,
		       "Phase 1 main mode responder with %s (peer \"%s\") failed: %s",
		       ike_peer_str(peer), pc->name, err.msg);
		ctx->stats.failed++;
		ike_send_notify_plain(ctx, local, peer, h->icookie, rcookie,
				      offer.doi, err.notify);
		return;
	}
	half = ike_half_add(ctx, h->icookie, rcookie, pl->len);
	if (!half)
		return;
	half->local = *local;
	half->peer = *peer;
	half->pc = pc;
	half->suite = suite;
	half->prop_num = 0;
	for (unsigned i = 0; i < offer.nprop; i++)
		if (t >= offer.prop[i].first &&
		    t < offer.prop[i].first + offer.prop[i].ntrans)
			half->prop_num = offer.prop[i].num;
	half->t_off = (uint16_t)(offer.t[t].raw - pl->body);
	half->t_len = offer.t[t].raw_len;
	memcpy(half->sai_b, pl->body, pl->len);
	log_debug("main mode message 1 from %s (peer \"%s\"): half-open",
		  ike_peer_str(peer), pc->name);
	ike_mm_resend_msg2(ctx, half);
}

/* Message 3: the cookie came back. Now an SA, Diffie-Hellman, message 4. */
void ike_mm_resp_msg3(struct ike_ctx *ctx, struct ike_half *half,
		      const struct isakmp_chain *c, const uint8_t *digest)
{
	struct isakmp_err err;
	struct isakmp_buf b;
	struct ike_src *src;
	struct ike_sa *sa;

	/* the half-open record stays for a retransmission of message 3 */
	if (!ike_flood_admit(ctx, &half->peer, &src))
		return;
	sa = ike_sa_new(ctx, false, ISAKMP_EXCH_MAIN, &half->local, &half->peer,
			half->pc);
	if (!sa)
		return;
	ike_flood_track(sa, src);
	memcpy(sa->icookie, half->icookie, 8);
	memcpy(sa->rcookie, half->rcookie, 8);
	sa->suite = half->suite;
	sa->doi = (uint32_t)half->sai_b[0] << 24 | (uint32_t)half->sai_b[1] << 16 |
		  (uint32_t)half->sai_b[2] << 8 | half->sai_b[3];
	sa->offered_lifetime = ike_offered_lifetime(half->sai_b + half->t_off,
						    half->t_len);
	sa->sai_len = half->sai_len;
	sa->sai_b = malloc(half->sai_len);
	if (sa->sai_b)
		memcpy(sa->sai_b, half->sai_b, half->sai_len);
	ike_half_del(ctx, half);
	ike_sa_hash_add(sa);
	if (!sa->sai_b) {
		ike_sa_free(sa);
		return;
	}
	memcpy(sa->in_digest, digest, 20);
	sa->have_in_digest = true;
	sa->state = IKE_MM_R4;
	if (ike_p1_get_ke_nonce(sa, c, &err)) {
		ike_sa_fail(sa, err.notify, "message 3: %s", err.msg);
		return;
	}
	ike_p1_get_certreq(sa, c);
	ike_msg_begin(&b, sa, ISAKMP_EXCH_MAIN, 0, 0);
	if (ike_p1_put_ke_nonce(sa, &b)) {
		ike_sa_fail(sa, 0, "Diffie-Hellman %s failed",
			    ike_group_name(sa->suite.group));
		return;
	}
	ike_p1_put_certreq(sa, &b);
	if (ike_p1_derive(sa)) {
		ike_sa_fail(sa, ISAKMP_N_INVALID_KEY_INFORMATION,
			    "message 3: invalid Diffie-Hellman public value");
		return;
	}
	/* no retransmission: a lost message 4 brings message 3 again */
	if (ike_msg_send(sa, &b, false, false)) {
		ike_sa_fail(sa, 0, "could not send message 4");
		return;
	}
	ike_rtx_start(sa);
}

/* Message 5: the initiator's identity and proof; answer with ours */
static void mm_r5(struct ike_sa *sa, const uint8_t *buf, size_t len)
{
	uint8_t next_iv[IKE_MAX_BLOCK];
	struct isakmp_buf b;
	struct ike_in in;
	char why[200];

	if (ike_msg_open(sa, buf, len, &in, next_iv, why, sizeof(why))) {
		/* a repeat is not a duplicate to answer with message 4 */
		sa->have_in_digest = false;
		/* once, unprotected (we have no keys in common): a peer
		 * with another key learns why (as it did when this ended
		 * the negotiation) */
		if (ike_msg_undecryptable(sa, 5, why))
			ike_send_notify_plain(sa->ctx, &sa->local, &sa->peer,
					      sa->icookie, sa->rcookie, sa->doi,
					      ISAKMP_N_AUTHENTICATION_FAILED);
		return;
	}
	ike_trace_decrypted(sa, buf, in.plain, &in.c);
	memcpy(sa->iv, next_iv, sa->keys.block);
	sa->peer_keys_ok = true;
	if (check_peer(sa, &in.c, 5))
		goto out;
	ike_p1_notifies(sa, &in.c, true);
	ike_in_done(&in);
	ike_msg_begin(&b, sa, ISAKMP_EXCH_MAIN, 0, 0);
	if (ike_p1_put_id(sa, &b) || ike_p1_put_auth(sa, &b) ||
	    ike_msg_send(sa, &b, true, false)) {
		ike_sa_fail(sa, 0, "could not build message 6 (identity or signature)");
		return;
	}
	ike_sa_established(sa);
	/* keep message 6 a while for a retransmitted message 5 */
	ev_timer_add(&sa->rtx, IKE_KEEP_LAST_MS);
	return;
out:
	ike_in_done(&in);
}

void ike_mm_input(struct ike_sa *sa, const struct isakmp_hdr *h,
		  const uint8_t *buf, size_t len)
{
	bool enc = h->flags & ISAKMP_FLAG_E;
	struct isakmp_chain c;
	struct isakmp_err err;
	uint8_t digest[20];

	if (h->msgid) {
		drop(sa, "non-zero message id");
		return;
	}
	if (sa->state != IKE_MM_I1 && memcmp(h->rcookie, sa->rcookie, 8)) {
		drop(sa, "responder cookie changed");
		return;
	}
	switch (sa->state) {
	case IKE_MM_I1:
	case IKE_MM_I3:
		if (enc) {
			drop(sa, "encrypted before keys were agreed");
			return;
		}
		if (isakmp_chain_decode(&c, h->np, buf + ISAKMP_HDR_LEN,
					len - ISAKMP_HDR_LEN, false, &err)) {
			drop(sa, err.msg);
			return;
		}
		if (sa->ctx->ops.trace)
			sa->ctx->ops.trace(sa->ctx, &sa->peer, &sa->local,
					   buf, len);
		break;
	case IKE_MM_I5:
	case IKE_MM_R4:
		if (!enc) {
			drop(sa, "message 5/6 not encrypted");
			return;
		}
		break;
	default:
		drop(sa, "no main mode exchange in progress");
		return;
	}
	ike_msg_digest(buf, len, digest);
	memcpy(sa->in_digest, digest, 20);
	sa->have_in_digest = true;
	switch (sa->state) {
	case IKE_MM_I1:
		mm_i2(sa, h, &c);
		break;
	case IKE_MM_I3:
		mm_i4(sa, &c);
		break;
	case IKE_MM_I5:
		mm_i6(sa, buf, len);
		break;
	case IKE_MM_R4:
		mm_r5(sa, buf, len);
		break;
	default:
		break;
	}
}
