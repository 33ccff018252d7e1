// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * Protection of exchanges after Phase 1 (RFC 2409 5.5, 5.7, appendix B)
 * and informational exchanges: notifies and deletes, protected with
 * HASH(1) = prf(SKEYID_a, M-ID | N/D) and the SA's keys; unprotected
 * notifies only while a negotiation is still unauthenticated.
 */

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "ike_int.h"

void ike_p2_iv(const struct ike_sa *sa, uint32_t msgid, uint8_t *iv)
{
	uint8_t be[4] = { msgid >> 24, msgid >> 16, msgid >> 8, msgid };
	uint8_t h[IKE_MAX_HASH];
	struct iovec v[] = { { (void *)sa->iv, sa->keys.block }, { be, 4 } };

	ike_digest(sa->suite.hash, v, 2, h);
	memcpy(iv, h, sa->keys.block);
}

int ike_p2_decrypt(const struct ike_sa *sa, uint8_t *iv, uint8_t *body,
		   size_t len)
{
	uint8_t last[IKE_MAX_BLOCK];
	size_t bs = sa->keys.block;

	if (!bs || !len || len % bs)
		return -1;
	memcpy(last, body + len - bs, bs);
	if (ike_cbc(sa->suite.encr, sa->suite.key_bits, sa->keys.enc, iv, body,
		    len, body, false))
		return -1;
	memcpy(iv, last, bs);
	return 0;
}

size_t ike_p2_begin(struct ike_sa *sa, struct isakmp_buf *b, uint8_t exch,
		    uint32_t msgid)
{
	struct isakmp_hdr h = {
		.version = ISAKMP_VERSION, .exch = exch, .msgid = msgid,
	};
	uint8_t *mem = malloc(ISAKMP_MAX_MSG);
	size_t off;

	memcpy(h.icookie, sa->icookie, 8);
	memcpy(h.rcookie, sa->rcookie, 8);
	isakmp_buf_init(b, mem, mem ? ISAKMP_MAX_MSG : 0);
	b->err = !mem;
	isakmp_hdr_encode(b, &h);
	off = isakmp_pl_begin(b, ISAKMP_NP_HASH);
	isakmp_put_zero(b, sa->keys.prf_len);
	isakmp_pl_end(b, off);
	return off;
}

static int p2_hash(const struct ike_sa *sa, uint32_t msgid, const uint8_t *p,
		   size_t len, uint8_t *out)
{
	uint8_t be[4] = { msgid >> 24, msgid >> 16, msgid >> 8, msgid };
	struct iovec v[] = { { be, 4 }, { (void *)p, len } };

	return ike_prf(sa->suite.hash, sa->keys.skeyid_a, sa->keys.prf_len, v,
		       2, out);
}

void ike_p2_hash(struct ike_sa *sa, struct isakmp_buf *b, size_t hash_off,
		 uint32_t msgid)
{
	size_t from = hash_off + ISAKMP_GEN_LEN + sa->keys.prf_len;

	if (b->err || from > b->len ||
	    p2_hash(sa, msgid, b->p + from, b->len - from,
		    b->p + hash_off + ISAKMP_GEN_LEN))
		b->err = true;
}

void ike_p2_discard(struct isakmp_buf *b)
{
	/* the plaintext of a message 4 that never went out holds its KD */
	if (b->p)
		OPENSSL_clear_free(b->p, b->len < b->cap ? b->len : b->cap);
	b->p = NULL;
	b->len = b->cap = 0;
	b->err = true;
}

int ike_p2_send_keep(struct ike_sa *sa, struct isakmp_buf *b, uint8_t *iv,
		     uint8_t **keep, size_t *keep_len)
{
	struct ike_ctx *ctx = sa->ctx;
	size_t bs = sa->keys.block, n;
	uint8_t *p;

	isakmp_msg_end(b);
	if (b->err || !bs)
		goto fail;
	if (ctx->ops.trace)
		ctx->ops.trace(ctx, &sa->local, &sa->peer, b->p, b->len);
	isakmp_put_zero(b, (bs - (b->len - ISAKMP_HDR_LEN) % bs) % bs);
	n = b->len - ISAKMP_HDR_LEN;
	if (b->err || ike_cbc(sa->suite.encr, sa->suite.key_bits, sa->keys.enc,
			      iv, b->p + ISAKMP_HDR_LEN, n,
			      b->p + ISAKMP_HDR_LEN, true))
		goto fail;
	memcpy(iv, b->p + b->len - bs, bs);
	b->p[19] |= ISAKMP_FLAG_E;
	isakmp_msg_end(b);
	if (keep) {
		/* the buffer, no longer than the message, is the caller's
		 * before anything else runs */
		p = realloc(b->p, b->len);
		*keep = p ? p : b->p;
		*keep_len = b->len;
		b->p = NULL;
		b->cap = 0;
		ike_send_raw(ctx, &sa->local, &sa->peer, *keep, *keep_len);
		return 0;
	}
	ike_send_raw(ctx, &sa->local, &sa->peer, b->p, b->len);
	/* ciphertext only: no wipe needed */
	free(b->p);
	b->p = NULL;
	b->cap = 0;
	return 0;
fail:
	ike_p2_discard(b);
	return -1;
}

int ike_p2_send(struct ike_sa *sa, struct isakmp_buf *b, uint8_t *iv)
{
	return ike_p2_send_keep(sa, b, iv, NULL, NULL);
}

void ike_send_notify(struct ike_sa *sa, uint16_t type)
{
	ike_send_notify_data(sa, type, NULL, 0);
}

void ike_send_notify_data(struct ike_sa *sa, uint16_t type,
			  const uint8_t *data, size_t len)
{
	uint8_t spi[16], iv[IKE_MAX_BLOCK];
	struct isakmp_buf b;
	uint32_t msgid;
	size_t off;

	if (!sa->keys.block)
		return;
	do
		RAND_bytes((uint8_t *)&msgid, sizeof(msgid));
	while (!msgid);
	memcpy(spi, sa->icookie, 8);
	memcpy(spi + 8, sa->rcookie, 8);
	off = ike_p2_begin(sa, &b, ISAKMP_EXCH_INFO, msgid);
	isakmp_notify_encode(&b, &(struct isakmp_notify_pl){
		.doi = sa->doi, .proto = ISAKMP_PROTO_ISAKMP, .spi_len = 16,
		.spi = spi, .type = type, .data = data, .data_len = len });
	ike_p2_hash(sa, &b, off, msgid);
	ike_p2_iv(sa, msgid, iv);
	ike_p2_send(sa, &b, iv);
}

/*
 * Notifies in the clear, during a negotiation, from the SA's peer (address
 * and port, ike_input()) under its cookies (RFC 2408 3.14). An error ends
 * the negotiation only before keying material was exchanged: from then on
 * an informational exchange MUST be protected (RFC 2408 4.8), and anyone
 * who saw the cookies could have sent it. Ignored, it is kept for the
 * reason the negotiation gives if it times out.
 */
static void plain_notifies(struct ike_sa *sa, const struct isakmp_chain *c)
{
	uint16_t error = 0;
	unsigned i;

	for (i = 0; i < c->n; i++) {
		struct isakmp_notify_pl n;

		if (c->pl[i].type != ISAKMP_NP_N ||
		    isakmp_notify_decode(&n, &c->pl[i], NULL))
			continue;
		log_rl(&ike_rl_unknown, LOG_WARNING,
		       "peer %s sent notify %s (unauthenticated)%s",
		       ike_peer_str(&sa->peer), isakmp_notify_name(n.type),
		       sa->keys.block && n.type < ISAKMP_N_CONNECTED ?
		       ": ignored, keys were agreed (RFC 2408 4.8)" : "");
		if (n.type < ISAKMP_N_CONNECTED && !error)
			error = n.type;
	}
	if (!error)
		return;
	if (sa->keys.block) {
		sa->plain_notify = error;
		return;
	}
	ike_sa_fail(sa, 0, "the peer refused: %s", isakmp_notify_name(error));
}

static bool zero8(const uint8_t *p)
{
	static const uint8_t zero[8];

	return !memcmp(p, zero, 8);
}

void ike_info_plain(struct ike_ctx *ctx, const struct sockaddr_in *peer,
		    const struct isakmp_hdr *h, const uint8_t *buf, size_t len)
{
	static const uint8_t zero[8];
	struct ike_sa *sa = ike_sa_find(ctx, h->icookie, zero);
	struct isakmp_chain chain, *c = &chain;
	struct isakmp_err err;

	/* a notify without responder cookie is about an exchange whose
	 * responder cookie we do not know yet (RFC 2408 3.14) */
	if (!sa || sa->state == IKE_ESTABLISHED || (h->flags & ISAKMP_FLAG_E) ||
	    !zero8(sa->rcookie) ||
	    sa->peer.sin_addr.s_addr != peer->sin_addr.s_addr ||
	    sa->peer.sin_port != peer->sin_port) {
		ctx->stats.rx_dropped++;
		log_rl(&ike_rl_unknown, LOG_INFO,
		       "dropped informational message from %s: no negotiation it could be about",
		       ike_peer_str(peer));
		return;
	}
	if (isakmp_chain_decode(c, h->np, buf + ISAKMP_HDR_LEN,
				len - ISAKMP_HDR_LEN, false, &err)) {
		ctx->stats.rx_malformed++;
		log_rl(&ike_rl_malformed, LOG_WARNING,
		       "dropped informational message from %s: %s",
		       ike_peer_str(peer), err.msg);
		return;
	}
	if (ctx->ops.trace)
		ctx->ops.trace(ctx, peer, &sa->local, buf, len);
	plain_notifies(sa, c);
}

static void delete_payload(struct ike_sa *sa, const struct isakmp_pl *pl)
{
	struct isakmp_delete_pl d;
	uint8_t spi[16];
	uint16_t i;

	if (isakmp_delete_decode(&d, pl, NULL))
		return;
	memcpy(spi, sa->icookie, 8);
	memcpy(spi + 8, sa->rcookie, 8);
	if (d.proto != ISAKMP_PROTO_ISAKMP || d.spi_len != 16) {
		log_info("peer %s deleted %u SA(s) of protocol %u (not ours)",
			 ike_peer_str(&sa->peer), d.nspi, d.proto);
		return;
	}
	for (i = 0; i < d.nspi; i++) {
		if (!memcmp(d.spis + 16 * i, spi, 16)) {
			log_notice("peer %s (peer \"%s\") deleted the Phase 1 SA",
				   ike_peer_str(&sa->peer), sa->pc->name);
			sa->state = IKE_DEAD;
			ike_sa_free(sa);
			return;
		}
	}
}

/* RFC 3706 5.1: the ACK carries the R-U-THERE's sequence number */
static void dpd_ack(struct ike_sa *sa, const struct isakmp_notify_pl *n)
{
	if (n->data_len != 4) {
		sa->ctx->stats.rx_malformed++;
		log_rl(&ike_rl_malformed, LOG_WARNING,
		       "ignored R-U-THERE from %s: %zu bytes of data, not a 4-byte sequence number",
		       ike_peer_str(&sa->peer), n->data_len);
		return;
	}
	ike_send_notify_data(sa, ISAKMP_N_R_U_THERE_ACK, n->data, 4);
}

/* IPsec DOI SA attributes (RFC 2407 4.5): what RESPONDER-LIFETIME carries */
#define IPSEC_ATTR_SA_LIFE_TYPE		1
#define IPSEC_ATTR_SA_LIFE_DURATION	2

static bool spi_is_ours(const struct ike_sa *sa,
			const struct isakmp_notify_pl *n)
{
	return n->proto == ISAKMP_PROTO_ISAKMP &&
	       (n->spi_len == 0 ||
		(n->spi_len == 16 && !memcmp(n->spi, sa->icookie, 8) &&
		 !memcmp(n->spi + 8, sa->rcookie, 8)));
}

uint32_t ike_offered_lifetime(const uint8_t *t, size_t len)
{
	struct isakmp_transform tr = { .raw = t, .raw_len = (uint16_t)len };
	struct ike_suite s = { 0 };
	unsigned count;

	/* generic header, number, id, reserved: then the attributes */
	if (len < 8 || isakmp_attrs_check(t + 8, len - 8, &count, NULL))
		return 0;
	tr.num = t[4];
	tr.id = t[5];
	tr.attrs = (struct isakmp_attrs){ t + 8, len - 8 };
	if (ike_suite_decode(&s, &tr, NULL))
		return 0;
	return ike_lifetime(s.lifetime, 0);
}

void ike_send_responder_lifetime(struct ike_sa *sa)
{
	uint8_t attrs[16];
	struct isakmp_buf b;

	if (sa->initiator || sa->suite.lifetime >= sa->offered_lifetime)
		return;
	isakmp_buf_init(&b, attrs, sizeof(attrs));
	isakmp_put_attr_basic(&b, IPSEC_ATTR_SA_LIFE_TYPE, IKE_LIFE_SECONDS);
	isakmp_put_attr_uint(&b, IPSEC_ATTR_SA_LIFE_DURATION,
			     sa->suite.lifetime);
	if (b.err)
		return;
	log_info("telling %s (peer \"%s\") the Phase 1 lifetime is %us, not the %us it offered (RESPONDER-LIFETIME)",
		 ike_peer_str(&sa->peer), sa->pc->name, sa->suite.lifetime,
		 sa->offered_lifetime);
	ike_send_notify_data(sa, ISAKMP_N_RESPONDER_LIFETIME, b.p, b.len);
}

/* RFC 2407 4.6.3.1: the responder chose a shorter lifetime than offered */
static void responder_lifetime(struct ike_sa *sa,
			       const struct isakmp_notify_pl *n)
{
	struct isakmp_attrs it = { n->data, n->data_len };
	struct isakmp_attr a;
	uint64_t v, secs = 0, end, now = ev_now_ms();
	uint16_t type = 0;
	unsigned count;

	if (!spi_is_ours(sa, n) || !sa->initiator || sa->dying ||
	    sa->state != IKE_ESTABLISHED ||
	    isakmp_attrs_check(n->data, n->data_len, &count, NULL)) {
		log_rl(&ike_rl_unknown, LOG_INFO,
		       "ignored RESPONDER-LIFETIME from %s: not about this Phase 1 SA as initiator, or malformed",
		       ike_peer_str(&sa->peer));
		return;
	}
	/* IPsec DOI numbers; Phase 1's own (RFC 2409 A) taken as well */
	while (isakmp_attr_next(&it, &a) == 1) {
		if (a.type == IPSEC_ATTR_SA_LIFE_TYPE ||
		    a.type == IKE_ATTR_LIFE_TYPE)
			type = a.basic ? a.u16 : 0;
		else if ((a.type == IPSEC_ATTR_SA_LIFE_DURATION ||
			  a.type == IKE_ATTR_LIFE_DURATION) &&
			 type == IKE_LIFE_SECONDS &&
			 !isakmp_attr_uint(&a, &v) && v && (!secs || v < secs))
			secs = v;
	}
	if (!secs || secs >= sa->suite.lifetime)
		return;
	log_notice("peer %s (peer \"%s\") keeps the Phase 1 SA %" PRIu64 "s, not %us (RESPONDER-LIFETIME)",
		   ike_peer_str(&sa->peer), sa->pc->name, secs,
		   sa->suite.lifetime);
	/* the lifetime counts from the establishment */
	end = sa->expires_ms - (uint64_t)sa->suite.lifetime * 1000 + secs * 1000;
	sa->suite.lifetime = (uint32_t)secs;
	sa->expires_ms = end;
	ev_timer_del(&sa->life);
	ev_timer_add(&sa->life, end > now ? end - now : 0);
}

/*
 * RFC 2407 4.6.3.3: the peer has no other SA with us (it restarted): its
 * established SAs with the same address and identity before this one
 * hold keys nobody has any more. They go (not on this stack).
 */
static void initial_contact(struct ike_sa *sa, const struct isakmp_notify_pl *n)
{
	struct ike_sa *o;
	unsigned gone = 0;

	if (!spi_is_ours(sa, n)) {
		log_rl(&ike_rl_unknown, LOG_INFO,
		       "ignored INITIAL-CONTACT from %s: not about this Phase 1 SA",
		       ike_peer_str(&sa->peer));
		return;
	}
	for (o = sa->ctx->sas; o; o = o->next) {
		if (o == sa || o->state != IKE_ESTABLISHED || o->dying ||
		    o->pc != sa->pc ||
		    o->peer.sin_addr.s_addr != sa->peer.sin_addr.s_addr ||
		    strcmp(o->peer_id, sa->peer_id))
			continue;
		ike_sa_delete_soon(o, "the peer sent INITIAL-CONTACT on a new Phase 1 SA (it restarted)");
		gone++;
	}
	log_info("INITIAL-CONTACT from %s (peer \"%s\", id %s): %u older Phase 1 SA(s) deleted",
		 ike_peer_str(&sa->peer), sa->pc->name, sa->peer_id, gone);
}

void ike_p1_notifies(struct ike_sa *sa, const struct isakmp_chain *c,
		     bool encrypted)
{
	unsigned i;

	for (i = 0; i < c->n; i++) {
		struct isakmp_notify_pl n;

		if (c->pl[i].type != ISAKMP_NP_N ||
		    isakmp_notify_decode(&n, &c->pl[i], NULL))
			continue;
		/* HASH_I/HASH_R and signatures do not cover notify
		 * payloads: one in a clear message may have been added on
		 * the path, and must not delete anything */
		if (n.type == ISAKMP_N_INITIAL_CONTACT && encrypted)
			initial_contact(sa, &n);
		else
			log_info("peer %s (peer \"%s\") sent notify %s in Phase 1",
				 ike_peer_str(&sa->peer), sa->pc->name,
				 isakmp_notify_name(n.type));
	}
}

bool ike_mid_seen(const struct ike_mids *m, uint32_t msgid)
{
	unsigned i;

	for (i = 0; i < m->n; i++)
		if (m->id[i] == msgid)
			return true;
	return false;
}

void ike_mid_note(struct ike_mids *m, uint32_t msgid)
{
	if (ike_mid_seen(m, msgid))
		return;
	m->id[m->next] = msgid;
	m->next = (m->next + 1) % IKE_MIDS_MAX;
	if (m->n < IKE_MIDS_MAX)
		m->n++;
}

void ike_info_input(struct ike_sa *sa, const struct isakmp_hdr *h,
		    const uint8_t *buf, size_t len)
{
	struct ike_ctx *ctx = sa->ctx;
	uint8_t iv[IKE_MAX_BLOCK], hash[IKE_MAX_HASH];
	struct ike_in in = { .plain = NULL };
	struct isakmp_chain *c = &in.c;
	const uint8_t *from;
	struct isakmp_err err;
	size_t blen = len - ISAKMP_HDR_LEN;
	uint8_t *plain;
	unsigned i;

	if (!(h->flags & ISAKMP_FLAG_E)) {
		/* the initiator's SA is found by its cookie alone: the
		 * responder's must be the one it chose, once known */
		if (sa->state != IKE_ESTABLISHED &&
		    (zero8(sa->rcookie) ||
		     !memcmp(sa->rcookie, h->rcookie, 8)) &&
		    !isakmp_chain_decode(c, h->np, buf + ISAKMP_HDR_LEN, blen,
					 false, &err)) {
			if (ctx->ops.trace)
				ctx->ops.trace(ctx, &sa->peer, &sa->local, buf,
					       len);
			plain_notifies(sa, c);
			return;
		}
		ctx->stats.rx_dropped++;
		log_rl(&ike_rl_unknown, LOG_WARNING,
		       "dropped unprotected informational message from %s",
		       ike_peer_str(&sa->peer));
		return;
	}
	if (!sa->keys.block || !h->msgid) {
		ctx->stats.rx_dropped++;
		log_rl(&ike_rl_unknown, LOG_WARNING,
		       "dropped protected informational message from %s: %s",
		       ike_peer_str(&sa->peer),
		       h->msgid ? "no keys yet" : "message id 0");
		return;
	}
	/* the message's own plaintext: what its notifies make us send or
	 * call cannot reach it */
	plain = in.plain = malloc(blen ? blen : 1);
	if (!plain) {
		ctx->stats.rx_dropped++;
		return;
	}
	in.plain_len = blen;
	memcpy(plain, buf + ISAKMP_HDR_LEN, blen);
	ike_p2_iv(sa, h->msgid, iv);
	/* HASH(1) first (RFC 2409 5.7), then payloads */
	if (ike_p2_decrypt(sa, iv, plain, blen) ||
	    isakmp_chain_decode(c, h->np, plain, blen, true, &err) ||
	    c->n < 1 || c->pl[0].type != ISAKMP_NP_HASH ||
	    c->pl[0].raw != plain || c->pl[0].len != sa->keys.prf_len ||
	    c->end == ISAKMP_GEN_LEN + (size_t)c->pl[0].len) {
		if (sa->state != IKE_ESTABLISHED && !sa->peer_keys_ok) {
			/* the peer's first encrypted word, and it is noise:
			 * other keys, or not the peer's */
			ike_msg_undecryptable(sa, 0,
					      "does not decrypt to HASH and payloads");
			goto out;
		}
		ctx->stats.rx_malformed++;
		log_rl(&ike_rl_malformed, LOG_WARNING,
		       "dropped protected informational message from %s: does not decrypt to HASH and payloads",
		       ike_peer_str(&sa->peer));
		goto out;
	}
	/* every payload after HASH, unknown ones too (RFC 2409 5.7) */
	from = c->pl[0].body + c->pl[0].len;
	if (p2_hash(sa, h->msgid, from, (size_t)(plain + c->end - from),
		    hash) ||
	    CRYPTO_memcmp(hash, c->pl[0].body, sa->keys.prf_len)) {
		ctx->stats.rx_dropped++;
		log_rl(&ike_rl_malformed, LOG_WARNING,
		       "dropped informational message from %s: HASH(1) does not verify",
		       ike_peer_str(&sa->peer));
		goto out;
	}
	/* each informational message is an exchange of its own */
	if (ike_mid_seen(&sa->info_mids, h->msgid)) {
		ctx->stats.rx_replayed++;
		log_rl(&ike_rl_unknown, LOG_WARNING,
		       "dropped informational message from %s: M-ID 0x%08x was used before on this SA (replay)",
		       ike_peer_str(&sa->peer), h->msgid);
		goto out;
	}
	ike_mid_note(&sa->info_mids, h->msgid);
	ike_trace_decrypted(sa, buf, plain, c);
	for (i = 1; i < c->n; i++) {
		struct isakmp_notify_pl n;

		if (c->pl[i].type == ISAKMP_NP_D) {
			delete_payload(sa, &c->pl[i]);
			goto out;	/* sa may be gone */
		}
		if (c->pl[i].type != ISAKMP_NP_N ||
		    isakmp_notify_decode(&n, &c->pl[i], NULL))
			continue;
		switch (n.type) {
		case ISAKMP_N_R_U_THERE:
			dpd_ack(sa, &n);
			continue;
		case ISAKMP_N_R_U_THERE_ACK:
			continue;	/* we do not ask */
		case ISAKMP_N_RESPONDER_LIFETIME:
			responder_lifetime(sa, &n);
			continue;
		case ISAKMP_N_INITIAL_CONTACT:
			/* only from a peer that authenticated: an aggressive
			 * mode responder has keys before it knows who sent
			 * message 1 */
			if (sa->state == IKE_ESTABLISHED)
				initial_contact(sa, &n);
			continue;
		}
		log_warn("peer %s (peer \"%s\") sent notify %s",
			 ike_peer_str(&sa->peer), sa->pc->name,
			 isakmp_notify_name(n.type));
		if (ctx->ops.notify && sa->state == IKE_ESTABLISHED) {
			ctx->ops.notify(sa, &n);
			goto out;	/* sa may be gone */
		}
		if (n.type < ISAKMP_N_CONNECTED && sa->state != IKE_ESTABLISHED) {
			ike_sa_fail(sa, 0, "the peer refused: %s",
				    isakmp_notify_name(n.type));
			goto out;
		}
	}
out:
	ike_in_done(&in);
}

void ike_phase2_input(struct ike_sa *sa, const struct isakmp_hdr *h,
		      const uint8_t *buf, size_t len)
{
	struct ike_ctx *ctx = sa->ctx;

	if (sa->state != IKE_ESTABLISHED || !(h->flags & ISAKMP_FLAG_E) ||
	    !h->msgid) {
		ctx->stats.rx_dropped++;
		log_rl(&ike_rl_unknown, LOG_WARNING,
		       "dropped %s message from %s: %s",
		       isakmp_exch_name(h->exch), ike_peer_str(&sa->peer),
		       sa->state != IKE_ESTABLISHED ? "Phase 1 not established"
						    : "not protected");
		return;
	}
	if (ctx->ops.phase2) {
		ctx->ops.phase2(sa, h, buf, len);
		return;
	}
	log_rl(&ike_rl_unknown, LOG_WARNING,
	       "%s (exchange %u) from %s (peer \"%s\") is not handled: no GDOI exchange is configured",
	       isakmp_exch_name(h->exch), h->exch, ike_peer_str(&sa->peer),
	       sa->pc->name);
	ike_send_notify(sa, ISAKMP_N_INVALID_EXCHANGE_TYPE);
}
