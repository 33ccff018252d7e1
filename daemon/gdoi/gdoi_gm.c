// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * GROUPKEY-PULL initiator (group member): sends message 1 with a fresh
 * M-ID and nonce, checks message 2's HASH and SA, confirms with message 3
 * (with a POP when Phase 1 was signed), and hands message 4's SA and KD to
 * the member role once every SPI has its keys. Messages 1 and 3 are
 * retransmitted with the Phase 1 timers until the answer comes; the
 * callback runs exactly once, and nothing partial reaches it.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "gdoi_int.h"

void gdoi_gm_fail(struct gdoi_x *x, int err, const char *fmt, ...)
{
	struct ike_sa *sa = x->sa;
	char why[200], gs[32];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	x->g->stats.pull_failed++;
	log_warn("GROUPKEY-PULL with key server %s for group %s failed: %s",
		 ike_peer_str(&sa->peer),
		 gdoi_group_str(&x->group, gs, sizeof(gs)), why);
	gdoi_x_unlink(x);
	x->cb(x->cb_arg, sa, err, NULL, why);
	gdoi_x_free(x);
}

void gdoi_gm_timer(struct gdoi_x *x)
{
	const struct ike_conf *conf = x->sa->ctx->conf;
	uint64_t delay;

	if (x->tries >= conf->retransmit_tries) {
		gdoi_gm_fail(x, -ETIMEDOUT, "no valid message %d after %u transmissions%s%s",
			     x->state == GX_I_WAIT2 ? 2 : 4, x->tries,
			     x->last_bad[0] ? "; the last one received: " : "",
			     x->last_bad);
		return;
	}
	gdoi_resend(x);
	delay = backoff_ms(conf->retransmit_ms, conf->retransmit_max_ms,
			   x->tries + 1);
	x->tries++;
	ev_timer_add(&x->timer, delay);
}

static void arm(struct gdoi_x *x)
{
	x->tries = 1;
	x->last_bad[0] = 0;
	ev_timer_add(&x->timer, x->sa->ctx->conf->retransmit_ms);
}

int gdoi_pull(struct gdoi_ctx *g, struct ike_sa *sa,
	      const struct gdoi_group_id *group, gdoi_pull_cb cb, void *arg)
{
	return gdoi_pull_checked(g, sa, group, NULL, cb, arg);
}

int gdoi_pull_checked(struct gdoi_ctx *g, struct ike_sa *sa,
		      const struct gdoi_group_id *group,
		      gdoi_sa_check_fn check, gdoi_pull_cb cb, void *arg)
{
	uint8_t idb[4];
	struct isakmp_buf b;
	struct gdoi_x *x;
	uint32_t msgid;
	size_t off;

	if (!cb || sa->state != IKE_ESTABLISHED || !sa->keys.block)
		return -EINVAL;
	if (group->type == ISAKMP_ID_KEY_ID) {
		idb[0] = group->id >> 24;
		idb[1] = group->id >> 16;
		idb[2] = group->id >> 8;
		idb[3] = group->id;
	} else if (group->type == ISAKMP_ID_IPV4_ADDR) {
		memcpy(idb, &group->addr, 4);
	} else {
		return -EINVAL;
	}
	do {
		if (RAND_bytes((uint8_t *)&msgid, sizeof(msgid)) != 1)
			return -EIO;
	} while (!msgid || gdoi_x_find(sa, msgid));
	x = gdoi_x_new(g, sa, msgid);
	if (!x)
		return -ENOMEM;		/* or GDOI_MAX_X_PER_SA reached */
	x->state = GX_I_WAIT2;
	x->group = *group;
	x->cb = cb;
	x->check = check;
	x->cb_arg = arg;
	x->ni_len = IKE_NONCE_LEN;
	if (RAND_bytes(x->ni, (int)x->ni_len) != 1) {
		gdoi_x_end(x);
		return -EIO;
	}
	ike_p2_iv(sa, msgid, x->iv);
	off = gdoi_begin(sa, &b, msgid);
	isakmp_data_encode(&b, ISAKMP_NP_NONCE, x->ni, x->ni_len);
	isakmp_id_encode(&b, &(struct isakmp_id){
		.type = group->type, .data = idb, .len = 4 });
	if (gdoi_send(x, &b, off, NULL, 0, NULL, 0)) {
		gdoi_x_end(x);
		return -EIO;
	}
	arm(x);
	return 0;
}

/* A message that is not the answer, or not authentic: the exchange waits
 * for a good one (retransmissions) */
static void dropped(struct gdoi_x *x, int n, int rc, const char *why)
{
	if (rc == -2)
		x->g->stats.bad_hash++;
	else
		x->g->stats.bad_payload++;
	snprintf(x->last_bad, sizeof(x->last_bad), "%s",
		 rc == -2 ? (n == 2 ? "HASH(2) does not verify" :
			     "HASH(4) does not verify") : why);
	if (rc == -2) {
		char gs[32];

		log_rl(&gdoi_hash_rl, LOG_ERR,
		       "%%GDOI-3-GM_HASH_FAIL: Registration: message %d from KS %s for group %s has a bad hash (dropped)",
		       n, ike_peer_str(&x->sa->peer),
		       gdoi_group_str(&x->group, gs, sizeof(gs)));
		return;
	}
	log_rl(&gdoi_rl, LOG_WARNING,
	       "dropped GROUPKEY-PULL message %d from %s: %s", n,
	       ike_peer_str(&x->sa->peer), x->last_bad);
}

/* The authentic peer sent something we cannot accept */
static void refuse(struct gdoi_x *x, uint16_t notify, const char *why)
{
	x->g->stats.bad_payload++;
	gdoi_send_refusal(x->sa, x->msgid, notify);
	gdoi_gm_fail(x, -EBADMSG, "%s", why);
}

static void msg2(struct gdoi_x *x, const struct isakmp_hdr *h,
		 const uint8_t *msg, size_t len)
{
	static const uint8_t allowed[] = { ISAKMP_NP_NONCE, ISAKMP_NP_SA };
	struct gdoi_sa *sa_pl = NULL;
	struct ike_sa *sa = x->sa;
	const struct isakmp_pl *pl;
	struct isakmp_data nr;
	struct isakmp_err err;
	struct isakmp_buf b;
	struct gdoi_in in;
	char why[200];
	size_t off;
	int rc;

	rc = gdoi_open(sa, h, msg, len, x->iv, x->ni, x->ni_len, NULL, 0, &in,
		       why, sizeof(why));
	if (rc) {
		dropped(x, 2, rc, why);
		return;
	}
	gdoi_open_commit(sa, msg, &in, x->iv);
	/* per call: the member's check may take in other messages */
	sa_pl = calloc(1, sizeof(*sa_pl));
	if (!sa_pl) {
		gdoi_gm_fail(x, -ENOMEM, "out of memory");
		goto out;
	}
	if (gdoi_check_payloads(&in.c, allowed, 2, why, sizeof(why))) {
		refuse(x, ISAKMP_N_INVALID_PAYLOAD_TYPE, why);
		goto out;
	}
	if (isakmp_chain_count(&in.c, ISAKMP_NP_NONCE) != 1 ||
	    isakmp_chain_count(&in.c, ISAKMP_NP_SA) != 1) {
		snprintf(why, sizeof(why), "message 2 with %u NONCE and %u SA payloads (one each expected)",
			 isakmp_chain_count(&in.c, ISAKMP_NP_NONCE),
			 isakmp_chain_count(&in.c, ISAKMP_NP_SA));
		refuse(x, ISAKMP_N_PAYLOAD_MALFORMED, why);
		goto out;
	}
	if (isakmp_data_decode(&nr, isakmp_chain_find(&in.c, ISAKMP_NP_NONCE, 0),
			       IKE_NONCE_MIN, IKE_NONCE_MAX, &err)) {
		refuse(x, err.notify, err.msg);
		goto out;
	}
	pl = isakmp_chain_find(&in.c, ISAKMP_NP_SA, 0);
	if (gdoi_sa_decode(sa_pl, pl, &err)) {
		snprintf(why, sizeof(why), "SA payload: %s", err.msg);
		refuse(x, err.notify, why);
		goto out;
	}
	if (sa_pl->doi != ISAKMP_DOI_GDOI) {
		snprintf(why, sizeof(why), "SA payload of DOI %u (GDOI expected)",
			 sa_pl->doi);
		refuse(x, ISAKMP_N_DOI_NOT_SUPPORTED, why);
		goto out;
	}
	if (x->check && x->check(x->cb_arg, sa, sa_pl, why, sizeof(why))) {
		x->g->stats.bad_payload++;
		gdoi_send_refusal(sa, x->msgid, ISAKMP_N_NO_PROPOSAL_CHOSEN);
		gdoi_gm_fail(x, -EPROTO, "%s", why);
		goto out;
	}
	memcpy(x->nr, nr.p, nr.len);
	x->nr_len = nr.len;
	x->sa_pl_len = ISAKMP_GEN_LEN + pl->len;
	x->sa_pl = malloc(x->sa_pl_len);
	if (!x->sa_pl) {
		gdoi_gm_fail(x, -ENOMEM, "out of memory");
		goto out;
	}
	memcpy(x->sa_pl, pl->raw, x->sa_pl_len);
	gdoi_x_digest(msg, len, x->in_digest);

	/* a counter-mode TEK: ask for a Sender ID (RFC 6407 3.2, 5.5.2) */
	x->sid_request = 0;
	for (unsigned i = 0; i < sa_pl->ntek; i++)
		if ((sa_pl->tek[i].proto_id == GDOI_PROTO_IPSEC_ESP ||
		     sa_pl->tek[i].proto_id == GDOI_PROTO_IPSEC_AH) &&
		    gdoi_transform_counter_mode(sa_pl->tek[i].transform))
			x->sid_request = 1;

	off = gdoi_begin(sa, &b, x->msgid);
	if (gdoi_pop_wanted(sa) && gdoi_pop_put(x, &b)) {
		ike_p2_discard(&b);
		gdoi_gm_fail(x, -EIO, "cannot sign the POP");
		goto out;
	}
	if (x->sid_request) {
		uint8_t gap_attrs[4];
		struct isakmp_buf ab;
		struct gdoi_gap gap;

		isakmp_buf_init(&ab, gap_attrs, sizeof(gap_attrs));
		isakmp_put_attr_basic(&ab, GDOI_GAP_SENDER_ID_REQUEST,
				      x->sid_request);
		gap.attrs.p = gap_attrs;
		gap.attrs.len = ab.len;
		gdoi_gap_encode(&b, &gap);
	}
	if (gdoi_send(x, &b, off, x->ni, x->ni_len, x->nr, x->nr_len)) {
		gdoi_gm_fail(x, -EIO, "cannot build message 3");
		goto out;
	}
	x->state = GX_I_WAIT4;
	arm(x);
out:
	OPENSSL_clear_free(sa_pl, sizeof(*sa_pl));
	gdoi_in_done(&in);
}

/* The KD's SID key packet (RFC 6407 5.6.3): at most one; one we did not
 * ask for is ignored */
static int sid_packet(struct gdoi_x *x, struct gdoi_pull_result *r,
		      char *why, size_t whylen)
{
	const struct gdoi_key_packet *k = NULL;
	struct isakmp_err err;
	unsigned i;

	r->sid_requested = x->sid_request != 0;
	for (i = 0; i < r->kd.n; i++) {
		if (r->kd.pkt[i].type != GDOI_KD_SID)
			continue;
		if (k) {
			snprintf(why, whylen, "the KD has more than one SID key packet");
			return -1;
		}
		k = &r->kd.pkt[i];
	}
	if (!k || !x->sid_request)
		return 0;
	if (gdoi_kd_sid_decode(k, &r->sid, &err)) {
		snprintf(why, whylen, "%s", err.msg);
		return -1;
	}
	return 0;
}

static void msg4(struct gdoi_x *x, const struct isakmp_hdr *h,
		 const uint8_t *msg, size_t len)
{
	static const uint8_t allowed[] = {
		ISAKMP_NP_SEQ, ISAKMP_NP_KD, ISAKMP_NP_POP,
	};
	struct gdoi_pull_result *r = NULL;
	struct ike_sa *sa = x->sa;
	const struct isakmp_pl *pop, *seq;
	struct isakmp_pl sa_pl;
	struct isakmp_err err;
	struct gdoi_in in;
	char why[200], gs[32];
	int rc;

	rc = gdoi_open(sa, h, msg, len, x->iv, x->ni, x->ni_len, x->nr,
		       x->nr_len, &in, why, sizeof(why));
	if (rc) {
		dropped(x, 4, rc, why);
		return;
	}
	gdoi_open_commit(sa, msg, &in, x->iv);
	/* per call: the callback may take in other messages */
	r = calloc(1, sizeof(*r));
	if (!r) {
		gdoi_gm_fail(x, -ENOMEM, "out of memory");
		goto out;
	}
	if (gdoi_check_payloads(&in.c, allowed, 3, why, sizeof(why))) {
		refuse(x, ISAKMP_N_INVALID_PAYLOAD_TYPE, why);
		goto out;
	}
	if (isakmp_chain_count(&in.c, ISAKMP_NP_KD) != 1 ||
	    isakmp_chain_count(&in.c, ISAKMP_NP_SEQ) > 1 ||
	    isakmp_chain_count(&in.c, ISAKMP_NP_POP) > 1) {
		refuse(x, ISAKMP_N_PAYLOAD_MALFORMED,
		       "message 4 without one KD, or with more than one SEQ or POP");
		goto out;
	}
	memset(r, 0, sizeof(*r));
	r->group = x->group;
	/* the SA was checked in message 2: decoding it again cannot fail */
	sa_pl = (struct isakmp_pl){ .type = ISAKMP_NP_SA, .raw = x->sa_pl,
		.body = x->sa_pl + ISAKMP_GEN_LEN,
		.len = (uint16_t)(x->sa_pl_len - ISAKMP_GEN_LEN) };
	if (gdoi_sa_decode(&r->sa, &sa_pl, &err) ||
	    gdoi_kd_decode(&r->kd, isakmp_chain_find(&in.c, ISAKMP_NP_KD, 0),
			   &err)) {
		snprintf(why, sizeof(why), "KD payload: %s", err.msg);
		refuse(x, err.notify, why);
		goto out;
	}
	seq = isakmp_chain_find(&in.c, ISAKMP_NP_SEQ, 0);
	if (seq && gdoi_seq_decode(&r->seq, seq, &err)) {
		refuse(x, err.notify, err.msg);
		goto out;
	}
	r->has_seq = seq != NULL;
	if (gdoi_kd_covers(&r->sa, &r->kd, why, sizeof(why))) {
		refuse(x, ISAKMP_N_INVALID_KEY_INFORMATION, why);
		goto out;
	}
	if (sid_packet(x, r, why, sizeof(why))) {
		refuse(x, ISAKMP_N_INVALID_KEY_INFORMATION, why);
		goto out;
	}
	pop = isakmp_chain_find(&in.c, ISAKMP_NP_POP, 0);
	if (pop && gdoi_pop_check(x, pop, why, sizeof(why))) {
		x->g->stats.bad_payload++;
		gdoi_send_refusal(sa, x->msgid, ISAKMP_N_INVALID_SIGNATURE);
		/* an answer we refuse, as refuse()'s: -EACCES is the key
		 * server's refusal */
		gdoi_gm_fail(x, -EBADMSG, "%s", why);
		goto out;
	}
	x->g->stats.pull_ok++;
	log_info("GROUPKEY-PULL with key server %s for group %s: %u TEK%s%s%s%s",
		 ike_peer_str(&sa->peer),
		 gdoi_group_str(&x->group, gs, sizeof(gs)), r->sa.ntek,
		 r->sa.ntek == 1 ? "" : "s", r->sa.has_kek ? ", KEK" : "",
		 r->has_seq ? ", SEQ" : "",
		 r->sid.n ? ", Sender ID" : r->sid_requested ?
		 ", no Sender ID" : "");
	gdoi_x_unlink(x);
	x->cb(x->cb_arg, sa, 0, r, NULL);
	gdoi_x_free(x);
out:
	OPENSSL_clear_free(r, sizeof(*r));
	gdoi_in_done(&in);
}

void gdoi_gm_input(struct gdoi_x *x, const struct isakmp_hdr *h,
		   const uint8_t *msg, size_t len)
{
	uint8_t digest[20];

	gdoi_x_digest(msg, len, digest);
	if (x->state == GX_I_WAIT4 &&
	    !memcmp(digest, x->in_digest, sizeof(digest)))
		return;		/* message 2 again: our timer resends 3 */
	if (x->state == GX_I_WAIT2)
		msg2(x, h, msg, len);
	else
		msg4(x, h, msg, len);
}
