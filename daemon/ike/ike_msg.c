// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * Phase 1 messages on the way out (build, encrypt, keep for retransmission,
 * send) and in (decrypt), with the CBC IV chain of RFC 2409 appendix B:
 * the IV of each encrypted Phase 1 message is the last ciphertext block of
 * the previous one, starting from hash(g^xi | g^xr).
 */

#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "ike_int.h"

void ike_msg_digest(const uint8_t *buf, size_t len, uint8_t *out)
{
	struct iovec v = { (void *)buf, len };

	ike_digest(IKE_HASH_SHA1, &v, 1, out);
}

void ike_send_raw(struct ike_ctx *ctx, const struct sockaddr_in *local,
		  const struct sockaddr_in *peer, const uint8_t *buf,
		  size_t len)
{
	ctx->stats.tx++;
	if (ctx->ops.send)
		ctx->ops.send(ctx, local, peer, buf, len);
}

void ike_msg_begin(struct isakmp_buf *b, struct ike_sa *sa,
		   uint8_t exch, uint32_t msgid, uint8_t flags)
{
	struct isakmp_hdr h = {
		.version = ISAKMP_VERSION, .exch = exch, .flags = flags,
		.msgid = msgid,
	};

	/* one Phase 1 message of an SA is built at a time: a buffer left
	 * by one that failed is taken again */
	if (!sa->tx)
		sa->tx = malloc(ISAKMP_MAX_MSG);
	memcpy(h.icookie, sa->icookie, 8);
	memcpy(h.rcookie, sa->rcookie, 8);
	isakmp_buf_init(b, sa->tx, sa->tx ? ISAKMP_MAX_MSG : 0);
	b->err = !sa->tx;
	isakmp_hdr_encode(b, &h);
}

int ike_msg_send(struct ike_sa *sa, struct isakmp_buf *b, bool encrypt,
		 bool retransmit)
{
	struct ike_ctx *ctx = sa->ctx;
	uint8_t *copy;

	isakmp_msg_end(b);
	if (b->err)
		return -1;
	if (ctx->ops.trace)
		ctx->ops.trace(ctx, &sa->local, &sa->peer, b->p, b->len);
	if (encrypt) {
		size_t bs = sa->keys.block, n;

		/* zero padding to the block size (RFC 2409 5.3) */
		n = (bs - (b->len - ISAKMP_HDR_LEN) % bs) % bs;
		isakmp_put_zero(b, n);
		if (b->err)
			return -1;
		n = b->len - ISAKMP_HDR_LEN;
		if (ike_cbc(sa->suite.encr, sa->suite.key_bits, sa->keys.enc,
			    sa->iv, b->p + ISAKMP_HDR_LEN, n,
			    b->p + ISAKMP_HDR_LEN, true))
			return -1;
		memcpy(sa->iv, b->p + b->len - bs, bs);
		b->p[19] |= ISAKMP_FLAG_E;
		isakmp_msg_end(b);
	}
	if (b->p == sa->tx) {
		/* the message becomes the one kept for retransmission */
		copy = realloc(sa->tx, b->len);
		if (!copy)
			copy = sa->tx;
		sa->tx = NULL;
		b->p = NULL;
		b->cap = 0;
	} else {
		copy = malloc(b->len);
		if (!copy)
			return -1;
		memcpy(copy, b->p, b->len);
	}
	free(sa->out);
	sa->out = copy;
	sa->out_len = b->len;
	ike_send_raw(ctx, &sa->local, &sa->peer, sa->out, sa->out_len);
	if (retransmit)
		ike_rtx_start(sa);
	return 0;
}

int ike_msg_decrypt(const struct ike_sa *sa, const uint8_t *body, size_t len,
		    uint8_t *out, uint8_t *next_iv)
{
	size_t bs = sa->keys.block;

	if (!bs || !len || len % bs)
		return -1;
	if (ike_cbc(sa->suite.encr, sa->suite.key_bits, sa->keys.enc, sa->iv,
		    body, len, out, false))
		return -1;
	memcpy(next_iv, body + len - bs, bs);
	return 0;
}

void ike_send_notify_plain(struct ike_ctx *ctx,
			   const struct sockaddr_in *local,
			   const struct sockaddr_in *peer,
			   const uint8_t *icookie, const uint8_t *rcookie,
			   uint32_t doi, uint16_t type)
{
	uint8_t mem[128], spi[16];
	struct isakmp_hdr h = {
		.version = ISAKMP_VERSION, .exch = ISAKMP_EXCH_INFO,
	};
	struct isakmp_buf b;

	memcpy(h.icookie, icookie, 8);
	memcpy(h.rcookie, rcookie, 8);
	RAND_bytes((uint8_t *)&h.msgid, sizeof(h.msgid));
	memcpy(spi, icookie, 8);
	memcpy(spi + 8, rcookie, 8);
	isakmp_buf_init(&b, mem, sizeof(mem));
	isakmp_hdr_encode(&b, &h);
	isakmp_notify_encode(&b, &(struct isakmp_notify_pl){
		.doi = doi, .proto = ISAKMP_PROTO_ISAKMP, .spi_len = 16,
		.spi = spi, .type = type });
	isakmp_msg_end(&b);
	if (b.err)
		return;
	if (ctx->ops.trace)
		ctx->ops.trace(ctx, local, peer, b.p, b.len);
	ike_send_raw(ctx, local, peer, b.p, b.len);
}

/* RFC 3706 5.1: the DPD vendor ID, version 1.0 */
static const uint8_t dpd_vid[16] = {
	0xaf, 0xca, 0xd7, 0x13, 0x68, 0xa1, 0xf1, 0xc9,
	0x6b, 0x86, 0x96, 0xfc, 0x77, 0x57, 0x01, 0x00,
};

void ike_put_dpd_vid(struct isakmp_buf *b)
{
	isakmp_data_encode(b, ISAKMP_NP_VID, dpd_vid, sizeof(dpd_vid));
}

bool ike_msg_undecryptable(struct ike_sa *sa, unsigned msg, const char *why)
{
	sa->ctx->stats.rx_dropped++;
	sa->undecryptable_msg = (uint8_t)msg;
	log_rl(&ike_rl_malformed, LOG_WARNING,
	       "dropped %s from %s (peer \"%s\"): %s (wrong pre-shared key, or not the peer's): the negotiation goes on",
	       msg ? (msg == 3 ? "message 3" : msg == 5 ? "message 5" :
		      "message 6") : "an encrypted informational message",
	       ike_peer_str(&sa->peer), sa->pc->name, why);
	return sa->undecryptable++ == 0;
}

/* What the peer sent that we did not act on, for a timeout's reason */
static const char *unheeded(const struct ike_sa *sa, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = 0;
	if (sa->undecryptable && !sa->undecryptable_msg)
		n += (size_t)snprintf(buf, len, "; the peer's encrypted notification does not decrypt with our keys (wrong pre-shared key?), %u time(s)",
				      sa->undecryptable);
	else if (sa->undecryptable)
		n += (size_t)snprintf(buf, len, "; message %u does not decrypt with our keys (wrong pre-shared key?), %u time(s)",
				      sa->undecryptable_msg, sa->undecryptable);
	if (sa->plain_notify && n < len)
		snprintf(buf + n, len - n, "; the peer sent %s unprotected (ignored: keys were agreed)",
			 isakmp_notify_name(sa->plain_notify));
	return buf;
}

void ike_rtx_start(struct ike_sa *sa)
{
	sa->tries = 1;
	ev_timer_add(&sa->rtx, sa->ctx->conf->retransmit_ms);
}

static unsigned awaited(const struct ike_sa *sa)
{
	switch (sa->state) {
	case IKE_MM_I1:
	case IKE_AM_I1:
		return 2;
	case IKE_MM_I3:
		return 4;
	case IKE_MM_I5:
		return 6;
	case IKE_MM_R4:
		return 5;
	case IKE_AM_R2:
		return 3;
	default:
		return 0;
	}
}

void ike_rtx_cb(struct ev_timer *t)
{
	struct ike_sa *sa = container_of(t, struct ike_sa, rtx);
	const struct ike_conf *conf = sa->ctx->conf;
	uint64_t delay;
	char more[300];

	if (sa->state == IKE_ESTABLISHED) {
		/* the peer had its chance to ask for our last message again */
		free(sa->out);
		sa->out = NULL;
		sa->out_len = 0;
		return;
	}
	if (sa->tries >= conf->retransmit_tries) {
		if (sa->initiator || sa->state == IKE_AM_R2)
			ike_sa_fail(sa, 0, "no message %u from the peer after %u transmissions%s%s",
				    awaited(sa), sa->tries,
				    sa->state == IKE_MM_I5 || sa->state == IKE_AM_I1 ?
				    " (authentication failed at the peer?)" : "",
				    unheeded(sa, more, sizeof(more)));
		else
			ike_sa_fail(sa, 0, "timed out waiting for message %u%s",
				    awaited(sa), unheeded(sa, more, sizeof(more)));
		return;
	}
	/* a main mode responder waits for the initiator to retransmit */
	if ((sa->initiator || sa->state == IKE_AM_R2) && sa->out &&
	    ike_am_may_resend(sa)) {
		log_info("retransmitting to %s (no message %u yet)",
			 ike_peer_str(&sa->peer), awaited(sa));
		ike_send_raw(sa->ctx, &sa->local, &sa->peer, sa->out,
			     sa->out_len);
	}
	delay = backoff_ms(conf->retransmit_ms, conf->retransmit_max_ms,
			   sa->tries + 1);
	sa->tries++;
	ev_timer_add(&sa->rtx, delay);
}

void ike_trace_decrypted(struct ike_sa *sa, const uint8_t *hdr,
			 const uint8_t *plain, const struct isakmp_chain *c)
{
	size_t n = c->end;
	uint8_t *msg;

	if (!sa->ctx->ops.trace || n > ISAKMP_MAX_MSG - ISAKMP_HDR_LEN)
		return;
	msg = malloc(ISAKMP_HDR_LEN + n);
	if (!msg)
		return;
	/* the payloads as received, unknown ones too; no padding */
	memcpy(msg, hdr, ISAKMP_HDR_LEN);
	msg[19] &= (uint8_t)~ISAKMP_FLAG_E;
	memcpy(msg + ISAKMP_HDR_LEN, plain, n);
	n += ISAKMP_HDR_LEN;
	msg[24] = (uint8_t)(n >> 24);
	msg[25] = (uint8_t)(n >> 16);
	msg[26] = (uint8_t)(n >> 8);
	msg[27] = (uint8_t)n;
	sa->ctx->ops.trace(sa->ctx, &sa->peer, &sa->local, msg, n);
	/* a GROUPKEY-PULL message 4 or a push carries keys (KD) */
	OPENSSL_clear_free(msg, n);
}

void ike_in_done(struct ike_in *in)
{
	if (in->plain)
		OPENSSL_clear_free(in->plain, in->plain_len);
	in->plain = NULL;
	in->plain_len = 0;
}

int ike_msg_open(struct ike_sa *sa, const uint8_t *buf, size_t len,
		 struct ike_in *in, uint8_t *next_iv, char *why,
		 size_t why_len)
{
	size_t blen = len - ISAKMP_HDR_LEN;
	struct isakmp_err err;

	in->plain = NULL;
	in->plain_len = 0;
	if (!sa->keys.block) {
		snprintf(why, why_len, "encrypted before keys were agreed");
		return -1;
	}
	if (!blen || blen % sa->keys.block) {
		snprintf(why, why_len, "%zu encrypted bytes are not whole %zu-byte blocks",
			 blen, sa->keys.block);
		return -1;
	}
	in->plain = malloc(blen);
	if (!in->plain) {
		snprintf(why, why_len, "out of memory");
		return -1;
	}
	in->plain_len = blen;
	if (ike_msg_decrypt(sa, buf + ISAKMP_HDR_LEN, blen, in->plain,
			    next_iv)) {
		snprintf(why, why_len, "does not decrypt");
		goto fail;
	}
	if (isakmp_chain_decode(&in->c, buf[16], in->plain, blen, true,
				&err)) {
		snprintf(why, why_len, "no valid payloads after decryption (%s)",
			 err.msg);
		goto fail;
	}
	return 0;
fail:
	ike_in_done(in);
	return -1;
}
