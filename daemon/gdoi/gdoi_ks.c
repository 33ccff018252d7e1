// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * GROUPKEY-PULL responder (key server): message 1 (HASH(1), Ni, ID) asks
 * the key server role for the group's SA and keys; message 2 (HASH(2), Nr,
 * SA) offers the SA; message 3 (HASH(3) [, POP] [, GAP]) confirms, its GAP
 * asking for Sender IDs; message 4
 * (HASH(4) [, SEQ], KD [, POP]) delivers the keys. The responder never
 * retransmits on its own: a duplicate of message 1 or 3 gets message 2 or
 * 4 again, for as long as the member would retransmit.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "gdoi_int.h"

/* as long as the member retransmits, twice over for a slow one */
static uint64_t ks_keep_ms(const struct gdoi_ctx *g)
{
	return 2 * gdoi_rtx_total(g->ike->conf);
}

void gdoi_ks_end(struct gdoi_x *x, int err)
{
	struct gdoi_ctx *g = x->g;
	struct ike_sa *sa = x->sa;

	gdoi_x_unlink(x);
	if (x->have_reply && g->ks->done)
		g->ks->done(g->ks_arg, sa, &x->group, &x->reply, err);
	gdoi_x_free(x);
}

/*
 * A member's Phase 1 SA is watched for its first GROUPKEY-PULL: an
 * exchange in state GX_R_WAIT1 with M-ID 0 (no pull's: gdoi_phase2 ends
 * the watch first), for as long as a finished exchange is kept.
 */
void gdoi_sa_established(struct gdoi_ctx *g, struct ike_sa *sa)
{
	struct gdoi_x *x;

	if (!g->ks || !g->ks->no_pull || sa->initiator || gdoi_ks_watch(sa))
		return;
	x = gdoi_x_new(g, sa, 0);
	if (!x)
		return;
	x->state = GX_R_WAIT1;
	ev_timer_add(&x->timer, ks_keep_ms(g));
}

struct gdoi_x *gdoi_ks_watch(struct ike_sa *sa)
{
	struct gdoi_x *x;

	for (x = sa->phase2; x; x = x->next)
		if (x->state == GX_R_WAIT1)
			return x;
	return NULL;
}

void gdoi_ks_no_pull(struct gdoi_x *x)
{
	struct gdoi_ctx *g = x->g;
	struct ike_sa *sa = x->sa;

	gdoi_x_end(x);
	g->stats.no_pull++;
	g->ks->no_pull(g->ks_arg, sa);
}

void gdoi_ks_timer(struct gdoi_x *x)
{
	char gs[32];

	if (x->state == GX_R_WAIT1) {
		gdoi_ks_no_pull(x);
		return;
	}
	if (x->state == GX_R_WAIT3) {
		x->g->stats.pull_failed++;
		log_info("GROUPKEY-PULL with %s for group %s: no message 3, giving up",
			 ike_peer_str(&x->sa->peer),
			 gdoi_group_str(&x->group, gs, sizeof(gs)));
		gdoi_ks_end(x, -ETIMEDOUT);
		return;
	}
	/* done or refused: the member had its time to repeat itself */
	gdoi_x_end(x);
}

static void refuse(struct gdoi_x *x, uint16_t notify)
{
	gdoi_send_refusal(x->sa, x->msgid, notify);
	x->g->stats.pull_failed++;
}

static int send_msg2(struct gdoi_x *x)
{
	struct gdoi_sa sa_pl = x->reply.sa;
	struct isakmp_buf b;
	size_t off;

	/* the SA header is ours: GDOI DOI, situation 0 */
	sa_pl.doi = ISAKMP_DOI_GDOI;
	sa_pl.situation = 0;
	off = gdoi_begin(x->sa, &b, x->msgid);
	isakmp_data_encode(&b, ISAKMP_NP_NONCE, x->nr, x->nr_len);
	gdoi_sa_encode(&b, &sa_pl);
	return gdoi_send(x, &b, off, x->ni, x->ni_len, NULL, 0);
}

static int send_msg4(struct gdoi_x *x)
{
	struct isakmp_buf b;
	size_t off;

	off = gdoi_begin(x->sa, &b, x->msgid);
	if (x->reply.has_seq)
		gdoi_seq_encode(&b, x->reply.seq);
	gdoi_kd_encode(&b, &x->reply.kd);
	if (gdoi_pop_wanted(x->sa) && gdoi_pop_put(x, &b)) {
		ike_p2_discard(&b);
		return -1;
	}
	return gdoi_send(x, &b, off, x->ni, x->ni_len, x->nr, x->nr_len);
}

static int msg1_payloads(const struct gdoi_in *in, struct isakmp_data *ni,
			 struct gdoi_group_id *gid, char *why, size_t whylen)
{
	static const uint8_t allowed[] = { ISAKMP_NP_NONCE, ISAKMP_NP_ID };
	struct isakmp_err err;

	/* exchange 32 is also IPsec DOI Quick Mode (RFC 2409 5.5) */
	if (isakmp_chain_count(&in->c, ISAKMP_NP_SA)) {
		snprintf(why, whylen, "an SA payload in message 1: IPsec Quick Mode, not GROUPKEY-PULL; gvpnd speaks GDOI only");
		return -1;
	}
	if (gdoi_check_payloads(&in->c, allowed, 2, why, whylen))
		return -1;
	if (isakmp_chain_count(&in->c, ISAKMP_NP_NONCE) != 1 ||
	    isakmp_chain_count(&in->c, ISAKMP_NP_ID) != 1) {
		snprintf(why, whylen, "%u NONCE and %u ID payloads (one each expected)",
			 isakmp_chain_count(&in->c, ISAKMP_NP_NONCE),
			 isakmp_chain_count(&in->c, ISAKMP_NP_ID));
		return -1;
	}
	if (isakmp_data_decode(ni, isakmp_chain_find(&in->c, ISAKMP_NP_NONCE, 0),
			       IKE_NONCE_MIN, IKE_NONCE_MAX, &err)) {
		snprintf(why, whylen, "%s", err.msg);
		return -1;
	}
	return gdoi_id_decode(isakmp_chain_find(&in->c, ISAKMP_NP_ID, 0), gid,
			      why, whylen);
}

static void msg1(struct gdoi_ctx *g, struct ike_sa *sa,
		 const struct isakmp_hdr *h, const uint8_t *msg, size_t len)
{
	uint8_t iv[IKE_MAX_BLOCK];
	struct gdoi_group_id gid;
	struct isakmp_data ni;
	struct gdoi_in in;
	struct gdoi_x *x;
	char why[160], gs[32];
	int rc;

	ike_p2_iv(sa, h->msgid, iv);
	rc = gdoi_open(sa, h, msg, len, iv, NULL, 0, NULL, 0, &in, why,
		       sizeof(why));
	if (rc == -2) {
		g->stats.bad_hash++;
		log_rl(&gdoi_hash_rl, LOG_ERR,
		       "%%GDOI-3-KS_HASH_FAIL: Registration: message 1 from GM %s (peer \"%s\") has a bad hash (dropped)",
		       ike_peer_str(&sa->peer), sa->pc->name);
		return;
	}
	if (rc) {
		g->stats.bad_payload++;
		log_rl(&gdoi_rl, LOG_WARNING,
		       "dropped GROUPKEY-PULL message 1 from %s (peer \"%s\"): %s",
		       ike_peer_str(&sa->peer), sa->pc->name, why);
		return;
	}
	/*
	 * Authentic, but maybe a copy of an exchange that is over (its
	 * struct gdoi_x gone): one M-ID, one pull per Phase 1 SA.
	 */
	if (ike_mid_seen(&sa->p2_mids, h->msgid)) {
		g->stats.replayed++;
		log_rl(&gdoi_rl, LOG_WARNING,
		       "dropped GROUPKEY-PULL message 1 from %s (peer \"%s\"): M-ID 0x%08x was used before on this Phase 1 SA (replay)",
		       ike_peer_str(&sa->peer), sa->pc->name, h->msgid);
		goto out;
	}
	ike_mid_note(&sa->p2_mids, h->msgid);
	g->stats.pull_rx++;
	/* authentic from here: refusals are told to the member */
	if (msg1_payloads(&in, &ni, &gid, why, sizeof(why))) {
		g->stats.bad_payload++;
		g->stats.pull_failed++;
		log_warn("GROUPKEY-PULL message 1 from %s (peer \"%s\") refused: %s",
			 ike_peer_str(&sa->peer), sa->pc->name, why);
		gdoi_send_refusal(sa, h->msgid, ISAKMP_N_INVALID_ID_INFORMATION);
		goto out;
	}
	x = gdoi_x_new(g, sa, h->msgid);
	if (!x) {
		g->stats.pull_failed++;
		log_rl(&gdoi_rl, LOG_WARNING,
		       "GROUPKEY-PULL from %s (peer \"%s\") dropped: %d exchanges in progress on its Phase 1 SA, or out of memory",
		       ike_peer_str(&sa->peer), sa->pc->name, GDOI_MAX_X_PER_SA);
		goto out;
	}
	x->state = GX_R_WAIT3;
	gdoi_open_commit(sa, msg, &in, x->iv);
	gdoi_x_digest(msg, len, x->in_digest);
	memcpy(x->ni, ni.p, ni.len);
	x->ni_len = ni.len;
	x->group = gid;
	ev_timer_add(&x->timer, ks_keep_ms(g));
	why[0] = 0;
	rc = g->ks->pull(g->ks_arg, sa, &gid, &x->reply, why, sizeof(why));
	if (rc) {
		x->state = GX_R_REFUSED;
		log_rl(&gdoi_rl, LOG_WARNING,
		       "GROUPKEY-PULL from %s (peer \"%s\") for group %s refused: %s",
		       ike_peer_str(&sa->peer), sa->pc->name,
		       gdoi_group_str(&gid, gs, sizeof(gs)),
		       why[0] ? why : rc == -ENOENT ? "no such group" :
		       "not authorized");
		refuse(x, rc == -EACCES ? ISAKMP_N_AUTHENTICATION_FAILED :
		       ISAKMP_N_INVALID_ID_INFORMATION);
		goto out;
	}
	x->have_reply = true;
	x->nr_len = IKE_NONCE_LEN;
	if (RAND_bytes(x->nr, (int)x->nr_len) != 1 || send_msg2(x)) {
		log_err("GROUPKEY-PULL with %s for group %s: cannot build message 2 (%u TEKs)",
			ike_peer_str(&sa->peer),
			gdoi_group_str(&gid, gs, sizeof(gs)), x->reply.sa.ntek);
		g->stats.pull_failed++;
		gdoi_ks_end(x, -EMSGSIZE);
		goto out;
	}
	x->state = GX_R_WAIT3;
out:
	gdoi_in_done(&in);
}

/*
 * Message 3's GAP (RFC 6407 3.2): SENDER_ID_REQUEST asks the role for
 * Sender IDs, which go into the KD as a SID key packet (5.6.3). 0, or
 * -EBADMSG (malformed GAP), or the role's refusal.
 */
static int msg3_sid(struct gdoi_x *x, const struct isakmp_pl *pl, char *why,
		    size_t whylen)
{
	struct gdoi_ctx *g = x->g;
	struct gdoi_pull_reply *r = &x->reply;
	struct gdoi_key_packet *k;
	struct isakmp_err err;
	struct isakmp_buf b;
	struct gdoi_gap gap;
	uint16_t nreq;
	int rc;

	memset(&r->sid, 0, sizeof(r->sid));
	if (!pl)
		return 0;
	if (gdoi_gap_decode(&gap, pl->body, pl->len, &err) ||
	    gdoi_gap_sid_request(&gap, &nreq, &err)) {
		snprintf(why, whylen, "GAP: %s", err.msg);
		return -EBADMSG;
	}
	if (!nreq || !g->ks->sid)
		return 0;
	why[0] = 0;
	rc = g->ks->sid(g->ks_arg, x->sa, &x->group, r, nreq, why, whylen);
	if (rc)
		return rc;
	if (!r->sid.n)
		return 0;
	if (r->kd.n >= GDOI_MAX_KEY_PACKETS) {
		snprintf(why, whylen, "no room for a SID key packet in the KD");
		return -EMSGSIZE;
	}
	isakmp_buf_init(&b, x->sid_attrs, sizeof(x->sid_attrs));
	gdoi_kd_sid_encode(&b, &r->sid);
	if (b.err) {
		snprintf(why, whylen, "cannot encode the SID key packet");
		return -EMSGSIZE;
	}
	k = &r->kd.pkt[r->kd.n++];
	k->type = GDOI_KD_SID;
	k->spi_len = 0;
	k->spi = NULL;
	k->attrs.p = x->sid_attrs;
	k->attrs.len = b.len;
	return 0;
}

static void msg3(struct gdoi_x *x, const struct isakmp_hdr *h,
		 const uint8_t *msg, size_t len)
{
	static const uint8_t allowed[] = { ISAKMP_NP_POP, ISAKMP_NP_GAP };
	struct gdoi_ctx *g = x->g;
	struct ike_sa *sa = x->sa;
	const struct isakmp_pl *pop;
	struct gdoi_in in;
	char why[160], gs[32];
	int rc;

	rc = gdoi_open(sa, h, msg, len, x->iv, x->ni, x->ni_len, x->nr,
		       x->nr_len, &in, why, sizeof(why));
	if (rc) {
		if (rc == -2)
			g->stats.bad_hash++;
		else
			g->stats.bad_payload++;
		if (rc == -2)
			log_rl(&gdoi_hash_rl, LOG_ERR,
			       "%%GDOI-3-KS_HASH_FAIL: Registration: message 3 from GM %s (peer \"%s\") for group %s has a bad hash (dropped)",
			       ike_peer_str(&sa->peer), sa->pc->name,
			       gdoi_group_str(&x->group, gs, sizeof(gs)));
		else
			log_rl(&gdoi_rl, LOG_WARNING,
			       "dropped GROUPKEY-PULL message 3 from %s (peer \"%s\"): %s",
			       ike_peer_str(&sa->peer), sa->pc->name, why);
		return;
	}
	gdoi_open_commit(sa, msg, &in, x->iv);
	gdoi_x_digest(msg, len, x->in_digest);
	gdoi_group_str(&x->group, gs, sizeof(gs));
	pop = isakmp_chain_find(&in.c, ISAKMP_NP_POP, 0);
	if (gdoi_check_payloads(&in.c, allowed, 2, why, sizeof(why)) ||
	    (isakmp_chain_count(&in.c, ISAKMP_NP_POP) > 1 &&
	     snprintf(why, sizeof(why), "more than one POP")) ||
	    (isakmp_chain_count(&in.c, ISAKMP_NP_GAP) > 1 &&
	     snprintf(why, sizeof(why), "more than one GAP"))) {
		g->stats.bad_payload++;
		log_warn("GROUPKEY-PULL message 3 from %s (peer \"%s\") for group %s refused: %s",
			 ike_peer_str(&sa->peer), sa->pc->name, gs, why);
		refuse(x, ISAKMP_N_PAYLOAD_MALFORMED);
		gdoi_ks_end(x, -EBADMSG);
		goto out;
	}
	if (pop && gdoi_pop_check(x, pop, why, sizeof(why))) {
		log_warn("GROUPKEY-PULL message 3 from %s (peer \"%s\") for group %s refused: %s",
			 ike_peer_str(&sa->peer), sa->pc->name, gs, why);
		refuse(x, ISAKMP_N_INVALID_SIGNATURE);
		gdoi_ks_end(x, -EACCES);
		goto out;
	}
	rc = msg3_sid(x, isakmp_chain_find(&in.c, ISAKMP_NP_GAP, 0), why,
		      sizeof(why));
	if (rc) {
		if (rc != -ENOSPC)
			log_warn("GROUPKEY-PULL message 3 from %s (peer \"%s\") for group %s refused: %s",
				 ike_peer_str(&sa->peer), sa->pc->name, gs, why);
		g->stats.bad_payload += rc == -EBADMSG;
		refuse(x, rc == -EBADMSG ? ISAKMP_N_PAYLOAD_MALFORMED :
		       ISAKMP_N_NO_PROPOSAL_CHOSEN);
		gdoi_ks_end(x, rc);
		goto out;
	}
	if (send_msg4(x)) {
		log_err("GROUPKEY-PULL with %s for group %s: cannot build message 4",
			ike_peer_str(&sa->peer), gs);
		g->stats.pull_failed++;
		gdoi_ks_end(x, -EMSGSIZE);
		goto out;
	}
	x->state = GX_R_DONE;
	g->stats.pull_ok++;
	log_info("GROUPKEY-PULL with %s (peer \"%s\") for group %s: keys sent",
		 ike_peer_str(&sa->peer), sa->pc->name, gs);
	if (g->ks->done)
		g->ks->done(g->ks_arg, sa, &x->group, &x->reply, 0);
	/* what the role lent us is no longer ours to look at */
	x->have_reply = false;
	OPENSSL_cleanse(&x->reply, sizeof(x->reply));
	ev_timer_add(&x->timer, ks_keep_ms(g));
out:
	gdoi_in_done(&in);
}

void gdoi_ks_input(struct gdoi_ctx *g, struct ike_sa *sa, struct gdoi_x *x,
		   const struct isakmp_hdr *h, const uint8_t *msg,
		   size_t len)
{
	uint8_t digest[20];

	if (!x) {
		msg1(g, sa, h, msg, len);
		return;
	}
	gdoi_x_digest(msg, len, digest);
	if (!memcmp(digest, x->in_digest, sizeof(digest))) {
		/* the member did not get our answer */
		if (x->state != GX_R_REFUSED)
			gdoi_resend(x);
		return;
	}
	if (x->state != GX_R_WAIT3) {
		log_rl(&gdoi_rl, LOG_INFO,
		       "dropped GROUPKEY-PULL message from %s: exchange 0x%08x is over",
		       ike_peer_str(&sa->peer), x->msgid);
		return;
	}
	msg3(x, h, msg, len);
}
