// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * GROUPKEY-PULL (RFC 6407 3) machinery shared by both roles: exchanges
 * keyed by M-ID on their Phase 1 SA, message protection (the Phase 2 IV of
 * RFC 2409 appendix B, then each message's last cipher block), the HASH
 * payloads, proof of possession, and dispatch of received messages.
 *
 * Every HASH is prf(SKEYID_a, M-ID | [Ni_b |] [Nr_b |] the payloads after
 * the HASH payload, generic headers included), as quick mode does
 * (RFC 2409 5.5): that is HASH(1) = prf(M-ID | Ni | ID), HASH(2) =
 * prf(M-ID | Ni_b | Nr | SA), HASH(3) = prf(M-ID | Ni_b | Nr_b [| POP]),
 * HASH(4) = prf(M-ID | Ni_b | Nr_b [| SEQ] | KD [| POP]).
 */

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "gdoi_int.h"

struct log_rl gdoi_rl = LOG_RL_INIT("GDOI messages dropped");
struct log_rl gdoi_hash_rl = LOG_RL_INIT("GDOI messages with a bad hash dropped");

void gdoi_in_done(struct gdoi_in *in)
{
	if (in->plain)
		OPENSSL_clear_free(in->plain, in->plain_size);
	in->plain = NULL;
	in->plain_size = 0;
}

static void x_timer_cb(struct ev_timer *t)
{
	struct gdoi_x *x = container_of(t, struct gdoi_x, timer);

	if (x->state == GX_I_WAIT2 || x->state == GX_I_WAIT4)
		gdoi_gm_timer(x);
	else
		gdoi_ks_timer(x);
}

struct gdoi_x *gdoi_x_new(struct gdoi_ctx *g, struct ike_sa *sa,
			  uint32_t msgid)
{
	struct gdoi_x *x;
	unsigned n = 0;

	for (x = sa->phase2; x; x = x->next)
		if (++n >= GDOI_MAX_X_PER_SA)
			return NULL;
	x = calloc(1, sizeof(*x));
	if (!x)
		return NULL;
	x->g = g;
	x->sa = sa;
	x->msgid = msgid;
	ev_timer_init(&x->timer, x_timer_cb);
	x->next = sa->phase2;
	sa->phase2 = x;
	return x;
}

struct gdoi_x *gdoi_x_find(struct ike_sa *sa, uint32_t msgid)
{
	struct gdoi_x *x;

	for (x = sa->phase2; x; x = x->next)
		if (x->msgid == msgid)
			return x;
	return NULL;
}

void gdoi_x_unlink(struct gdoi_x *x)
{
	struct gdoi_x **pp;

	ev_timer_del(&x->timer);
	if (!x->sa)
		return;
	for (pp = (struct gdoi_x **)&x->sa->phase2; *pp; pp = &(*pp)->next) {
		if (*pp == x) {
			*pp = x->next;
			break;
		}
	}
	x->sa = NULL;
	x->next = NULL;
}

void gdoi_x_free(struct gdoi_x *x)
{
	ev_timer_del(&x->timer);
	free(x->out);
	if (x->sa_pl)
		OPENSSL_clear_free(x->sa_pl, x->sa_pl_len);
	OPENSSL_clear_free(x, sizeof(*x));
}

void gdoi_x_end(struct gdoi_x *x)
{
	gdoi_x_unlink(x);
	gdoi_x_free(x);
}

uint64_t gdoi_rtx_total(const struct ike_conf *conf)
{
	return backoff_total_ms(conf->retransmit_ms, conf->retransmit_max_ms,
				conf->retransmit_tries);
}

void gdoi_x_digest(const uint8_t *msg, size_t len, uint8_t *out)
{
	struct iovec v = { (void *)msg, len };

	ike_digest(IKE_HASH_SHA1, &v, 1, out);
}

int gdoi_hash(const struct ike_sa *sa, uint32_t msgid, const uint8_t *a,
	      size_t alen, const uint8_t *b, size_t blen,
	      const uint8_t *rest, size_t rlen, uint8_t *out)
{
	uint8_t be[4] = { msgid >> 24, msgid >> 16, msgid >> 8, msgid };
	struct iovec v[] = {
		{ be, 4 }, { (void *)a, alen }, { (void *)b, blen },
		{ (void *)rest, rlen },
	};

	return ike_prf(sa->suite.hash, sa->keys.skeyid_a, sa->keys.prf_len, v,
		       4, out);
}

int gdoi_open(struct ike_sa *sa, const struct isakmp_hdr *h,
	      const uint8_t *msg, size_t len, const uint8_t *iv,
	      const uint8_t *a, size_t alen, const uint8_t *b, size_t blen,
	      struct gdoi_in *in, char *why, size_t whylen)
{
	struct isakmp_chain *c = &in->c;
	size_t blen_msg = len - ISAKMP_HDR_LEN, from, to;
	uint8_t hash[IKE_MAX_HASH], *plain;
	struct isakmp_err err;
	int rc = -1;

	in->plain = NULL;
	in->plain_size = 0;
	memcpy(in->next_iv, iv, sa->keys.block);
	plain = malloc(blen_msg ? blen_msg : 1);
	if (!plain) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	in->plain = plain;
	in->plain_size = blen_msg;
	memcpy(plain, msg + ISAKMP_HDR_LEN, blen_msg);
	if (ike_p2_decrypt(sa, in->next_iv, plain, blen_msg)) {
		snprintf(why, whylen, "%zu encrypted bytes are not whole %zu-byte blocks",
			 blen_msg, sa->keys.block);
		goto fail;
	}
	if (isakmp_chain_decode(c, h->np, plain, blen_msg, true, &err)) {
		snprintf(why, whylen, "does not decrypt to payloads (%s)",
			 err.msg);
		goto fail;
	}
	if (!c->n || c->pl[0].type != ISAKMP_NP_HASH ||
	    c->pl[0].raw != plain || c->pl[0].len != sa->keys.prf_len) {
		snprintf(why, whylen, "does not begin with a %zu-byte HASH",
			 sa->keys.prf_len);
		goto fail;
	}
	/* every payload after HASH, unknown ones too */
	from = (size_t)(c->pl[0].body + c->pl[0].len - plain);
	to = c->end;
	in->plain_len = to;
	if (gdoi_hash(sa, h->msgid, a, alen, b, blen, plain + from,
		      to - from, hash) ||
	    CRYPTO_memcmp(hash, c->pl[0].body, sa->keys.prf_len)) {
		snprintf(why, whylen, "its HASH does not verify");
		rc = -2;
		goto fail;
	}
	return 0;
fail:
	/* a forged or corrupted message 4 may have decrypted to keys */
	gdoi_in_done(in);
	return rc;
}

void gdoi_open_commit(struct ike_sa *sa, const uint8_t *msg,
		      const struct gdoi_in *in, uint8_t *iv)
{
	memcpy(iv, in->next_iv, sa->keys.block);
	ike_trace_decrypted(sa, msg, in->plain, &in->c);
}

int gdoi_check_payloads(const struct isakmp_chain *c, const uint8_t *allowed,
			unsigned nallowed, char *why, size_t whylen)
{
	unsigned i, j;

	for (i = 1; i < c->n; i++) {
		uint8_t t = c->pl[i].type;

		if (t == ISAKMP_NP_VID)
			continue;
		for (j = 0; j < nallowed && allowed[j] != t; j++)
			;
		if (j == nallowed) {
			snprintf(why, whylen, "unexpected %s payload",
				 isakmp_np_name(t));
			return -1;
		}
	}
	return 0;
}

size_t gdoi_begin(struct ike_sa *sa, struct isakmp_buf *b, uint32_t msgid)
{
	return ike_p2_begin(sa, b, GDOI_EXCH_PULL, msgid);
}

int gdoi_send(struct gdoi_x *x, struct isakmp_buf *b, size_t hash_off,
	      const uint8_t *a, size_t alen, const uint8_t *bb, size_t blen)
{
	struct ike_sa *sa = x->sa;
	size_t from = hash_off + ISAKMP_GEN_LEN + sa->keys.prf_len, len;
	uint8_t *out;

	if (b->err || from > b->len ||
	    gdoi_hash(sa, x->msgid, a, alen, bb, blen, b->p + from,
		      b->len - from, b->p + hash_off + ISAKMP_GEN_LEN)) {
		ike_p2_discard(b);
		return -1;
	}
	if (ike_p2_send_keep(sa, b, x->iv, &out, &len))
		return -1;
	free(x->out);
	x->out = out;
	x->out_len = len;
	return 0;
}

void gdoi_resend(struct gdoi_x *x)
{
	if (x->out && x->sa)
		ike_send_raw(x->sa->ctx, &x->sa->local, &x->sa->peer, x->out,
			     x->out_len);
}

bool gdoi_pop_wanted(const struct ike_sa *sa)
{
	return ike_auth_sig(sa->suite.auth) && sa->pc->creds &&
	       sa->pc->creds->key;
}

static int pop_digest(struct gdoi_x *x, uint8_t *out)
{
	struct iovec v[] = {
		{ x->ni, x->ni_len }, { x->nr, x->nr_len },
	};

	return ike_digest(x->sa->suite.hash, v, 2, out);
}

int gdoi_pop_put(struct gdoi_x *x, struct isakmp_buf *b)
{
	uint8_t h[IKE_MAX_HASH], sig[1024];
	size_t sig_len = sizeof(sig);

	if (pop_digest(x, h) ||
	    ike_sign(x->sa->pc->creds->key, h, ike_hash_len(x->sa->suite.hash),
		     sig, &sig_len))
		return -1;
	isakmp_data_encode(b, ISAKMP_NP_POP, sig, sig_len);
	return 0;
}

int gdoi_pop_check(struct gdoi_x *x, const struct isakmp_pl *pop, char *why,
		   size_t whylen)
{
	uint8_t h[IKE_MAX_HASH];

	if (!x->sa->peer_cert) {
		snprintf(why, whylen, "POP without a Phase 1 certificate to check it with");
		return -1;
	}
	if (pop_digest(x, h) ||
	    !ike_verify_sig(x->sa->peer_cert, h,
			    ike_hash_len(x->sa->suite.hash), pop->body,
			    pop->len)) {
		snprintf(why, whylen, "its POP does not verify with the peer's Phase 1 certificate");
		return -1;
	}
	return 0;
}

static bool kp_has(const struct gdoi_key_packet *k, uint16_t t1, uint16_t t2)
{
	struct isakmp_attrs it = k->attrs;
	struct isakmp_attr a;

	while (isakmp_attr_next(&it, &a) == 1)
		if ((a.type == t1 || a.type == t2) && !a.basic && a.len)
			return true;
	return false;
}

static const struct gdoi_key_packet *kd_find(const struct gdoi_kd *kd,
					     uint8_t type, const uint8_t *spi,
					     uint8_t spi_len, unsigned *count)
{
	const struct gdoi_key_packet *found = NULL;
	unsigned i;

	*count = 0;
	for (i = 0; i < kd->n; i++) {
		const struct gdoi_key_packet *k = &kd->pkt[i];

		if (k->type == type && k->spi_len == spi_len &&
		    !memcmp(k->spi, spi, spi_len)) {
			found = k;
			(*count)++;
		}
	}
	return found;
}

int gdoi_kd_covers(const struct gdoi_sa *sa, const struct gdoi_kd *kd,
		   char *why, size_t whylen)
{
	const struct gdoi_key_packet *k;
	unsigned i, n;

	if (sa->has_kek) {
		k = kd_find(kd, GDOI_KD_KEK, sa->kek.spi, GDOI_KEK_SPI_LEN, &n);
		if (!k || !kp_has(k, GDOI_KD_KEK_ALGORITHM_KEY, 0)) {
			snprintf(why, whylen, "the KD has no key for the KEK");
			return -1;
		}
		if (n > 1) {
			snprintf(why, whylen, "the KD has %u key packets for the KEK", n);
			return -1;
		}
	}
	for (i = 0; i < sa->ntek; i++) {
		const struct gdoi_sat *t = &sa->tek[i];
		uint8_t spi[4] = { t->spi >> 24, t->spi >> 16, t->spi >> 8,
				   t->spi };

		if (t->proto_id != GDOI_PROTO_IPSEC_ESP &&
		    t->proto_id != GDOI_PROTO_IPSEC_AH)
			continue;	/* the member refuses what it cannot use */
		k = kd_find(kd, GDOI_KD_TEK, spi, 4, &n);
		if (!k || !kp_has(k, GDOI_KD_TEK_ALGORITHM_KEY,
				  GDOI_KD_TEK_INTEGRITY_KEY)) {
			snprintf(why, whylen, "the KD has no key for TEK SPI 0x%08x",
				 t->spi);
			return -1;
		}
		if (n > 1) {
			snprintf(why, whylen, "the KD has %u key packets for TEK SPI 0x%08x",
				 n, t->spi);
			return -1;
		}
	}
	return 0;
}

int gdoi_id_decode(const struct isakmp_pl *pl, struct gdoi_group_id *gid,
		   char *why, size_t whylen)
{
	struct isakmp_err err;
	struct isakmp_id id;

	memset(gid, 0, sizeof(*gid));
	if (isakmp_id_decode(&id, pl, &err)) {
		snprintf(why, whylen, "%s", err.msg);
		return -1;
	}
	gid->type = id.type;
	switch (id.type) {
	case ISAKMP_ID_KEY_ID:
		if (id.len != 4) {
			snprintf(why, whylen, "group KEY_ID of %zu bytes (a 4-byte number expected)",
				 id.len);
			return -1;
		}
		gid->id = (uint32_t)id.data[0] << 24 | id.data[1] << 16 |
			  id.data[2] << 8 | id.data[3];
		return 0;
	case ISAKMP_ID_IPV4_ADDR:
		memcpy(&gid->addr, id.data, 4);
		return 0;
	}
	snprintf(why, whylen, "group identity of type %s (KEY_ID or IPV4_ADDR expected)",
		 isakmp_id_type_name(id.type));
	return -1;
}

char *gdoi_group_str(const struct gdoi_group_id *gid, char *buf, size_t len)
{
	char a[INET_ADDRSTRLEN];

	if (gid->type == ISAKMP_ID_IPV4_ADDR)
		snprintf(buf, len, "%s",
			 inet_ntop(AF_INET, &gid->addr, a, sizeof(a)));
	else
		snprintf(buf, len, "%u", gid->id);
	return buf;
}

void gdoi_send_refusal(struct ike_sa *sa, uint32_t msgid, uint16_t type)
{
	uint8_t spi[16], iv[IKE_MAX_BLOCK], data[4] = {
		msgid >> 24, msgid >> 16, msgid >> 8, msgid };
	struct isakmp_buf b;
	uint32_t mid;
	size_t off;

	do
		RAND_bytes((uint8_t *)&mid, sizeof(mid));
	while (!mid);
	memcpy(spi, sa->icookie, 8);
	memcpy(spi + 8, sa->rcookie, 8);
	off = ike_p2_begin(sa, &b, ISAKMP_EXCH_INFO, mid);
	isakmp_notify_encode(&b, &(struct isakmp_notify_pl){
		.doi = sa->doi, .proto = ISAKMP_PROTO_ISAKMP, .spi_len = 16,
		.spi = spi, .type = type, .data = data, .data_len = 4 });
	ike_p2_hash(sa, &b, off, mid);
	ike_p2_iv(sa, mid, iv);
	ike_p2_send(sa, &b, iv);
}

/* --- API --------------------------------------------------------------- */

void gdoi_init(struct gdoi_ctx *g, struct ike_ctx *ike,
	       const struct gdoi_ks_ops *ks, void *ks_arg)
{
	memset(g, 0, sizeof(*g));
	g->ike = ike;
	g->ks = ks;
	g->ks_arg = ks_arg;
}

void gdoi_push_input(struct gdoi_ctx *g, const struct sockaddr_in *local,
		     const struct sockaddr_in *peer,
		     const struct isakmp_hdr *h, const uint8_t *msg,
		     size_t len)
{
	if (h->exch == GDOI_EXCH_PUSH && g->gm_push) {
		g->gm_push(g->gm_arg, local, peer, h, msg, len);
		return;
	}
	if (h->exch == GDOI_EXCH_PUSH_ACK && g->ks && g->ks->push_ack) {
		g->ks->push_ack(g->ks_arg, local, peer, h, msg, len);
		return;
	}
	g->stats.push_no_role++;
	log_rl(&gdoi_rl, LOG_INFO, "dropped %s message from %s: %s",
	       isakmp_exch_name(h->exch), ike_peer_str(peer),
	       h->exch == GDOI_EXCH_PUSH ? "this daemon is no group member"
					 : "this daemon is no key server");
}

static void phase2_input(struct gdoi_ctx *g, struct ike_sa *sa,
			 const struct isakmp_hdr *h, const uint8_t *msg,
			 size_t len)
{
	struct gdoi_x *x;

	if (h->exch != GDOI_EXCH_PULL) {
		log_rl(&gdoi_rl, LOG_WARNING,
		       "dropped %s message from %s: GROUPKEY-PUSH is not handled yet",
		       isakmp_exch_name(h->exch), ike_peer_str(&sa->peer));
		return;
	}
	/* the member pulls: it did not stop after Phase 1 */
	x = gdoi_ks_watch(sa);
	if (x)
		gdoi_x_end(x);
	if (len <= ISAKMP_HDR_LEN || !sa->keys.block) {
		g->stats.bad_payload++;
		log_rl(&gdoi_rl, LOG_WARNING,
		       "dropped GROUPKEY-PULL message from %s: empty",
		       ike_peer_str(&sa->peer));
		return;
	}
	x = gdoi_x_find(sa, h->msgid);
	if (x && (x->state == GX_I_WAIT2 || x->state == GX_I_WAIT4)) {
		gdoi_gm_input(x, h, msg, len);
		return;
	}
	if (!x && (sa->initiator || !g->ks)) {
		log_rl(&gdoi_rl, LOG_INFO,
		       "dropped GROUPKEY-PULL message from %s: no exchange with M-ID 0x%08x%s",
		       ike_peer_str(&sa->peer), h->msgid,
		       g->ks ? "" : " (no key server role)");
		return;
	}
	gdoi_ks_input(g, sa, x, h, msg, len);
}

/*
 * Whatever became of it, the decrypted message (message 4's KD, or keys a
 * forged or corrupted message happened to carry) does not outlive its
 * handler: gdoi_open() and gdoi_in_done() wipe it.
 */
void gdoi_phase2(struct gdoi_ctx *g, struct ike_sa *sa,
		 const struct isakmp_hdr *h, const uint8_t *msg, size_t len)
{
	phase2_input(g, sa, h, msg, len);
}

void gdoi_sa_gone(struct gdoi_ctx *g, struct ike_sa *sa)
{
	while (sa->phase2) {
		struct gdoi_x *x = sa->phase2;

		if (x->state == GX_I_WAIT2 || x->state == GX_I_WAIT4) {
			gdoi_gm_fail(x, -ECONNABORTED,
				     "the Phase 1 SA with the key server went away");
			continue;
		}
		if (x->state == GX_R_WAIT1) {
			/* gone before the member pulled anything */
			if (g->closing)
				gdoi_x_end(x);
			else
				gdoi_ks_no_pull(x);
			continue;
		}
		gdoi_x_unlink(x);
		if (x->state == GX_R_WAIT3 && x->have_reply && x->g->ks->done)
			x->g->ks->done(x->g->ks_arg, sa, &x->group, &x->reply,
				       g->closing ? -ESHUTDOWN : -ECONNABORTED);
		gdoi_x_free(x);
	}
}

void gdoi_notify(struct gdoi_ctx *g, struct ike_sa *sa,
		 const struct isakmp_notify_pl *n)
{
	struct gdoi_x *x, *next;
	uint32_t mid = 0;
	bool named = n->data_len == 4;

	(void)g;
	if (n->type >= ISAKMP_N_CONNECTED)
		return;
	if (named)
		mid = (uint32_t)n->data[0] << 24 | n->data[1] << 16 |
		      n->data[2] << 8 | n->data[3];
	/* a refusal without our M-ID ends the pulls that got no answer */
	for (x = sa->phase2; x; x = next) {
		next = x->next;
		if (x->state == GX_R_WAIT3 && named && x->msgid == mid) {
			/* the member refused our message 2 */
			x->g->stats.pull_failed++;
			gdoi_ks_end(x, -ECONNREFUSED);
			return;
		}
		if (x->state != GX_I_WAIT2 && x->state != GX_I_WAIT4)
			continue;
		if (named ? x->msgid != mid : x->state != GX_I_WAIT2)
			continue;
		gdoi_gm_fail(x, -EACCES, "the key server refused: %s",
			     isakmp_notify_name(n->type));
		return;		/* the callback may have freed sa */
	}
}
