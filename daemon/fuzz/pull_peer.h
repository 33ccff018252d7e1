/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * The peer of the GROUPKEY-PULL harnesses (fuzz_gm_pull.c, fuzz_ks_pull.c):
 * an established Phase 1 SA whose keys the harness knows, and feed(), which
 * protects a record the way a peer would (HDR, a HASH payload with the
 * right value for the exchange's state, the payloads, encryption with the
 * exchange's IV) and hands it to gdoi_phase2(). Records are those of
 * fuzz_gdoi.c: a 2-byte length, then flags (bit 0: no HASH, the bytes are
 * the whole body; bit 1: another M-ID; bit 2: send the previous message
 * again; bit 3: a notify of the type in the next 2 bytes), the type of the
 * first payload after HASH, then the payloads. One translation unit
 * includes it: its state is static.
 */

#ifndef GVPN_FUZZ_PULL_PEER_H
#define GVPN_FUZZ_PULL_PEER_H

#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gdoi/gdoi_int.h"
#include "ike/ike_int.h"

#define PP_MSGID 0x0a0b0c0d

static struct ike_ctx pp_ctx;
static struct ike_conf pp_conf;
static struct ike_peer pp_peer;
static struct gdoi_ctx pp_g;
static uint8_t pp_msg[ISAKMP_MAX_MSG], pp_prev[ISAKMP_MAX_MSG];
static size_t pp_prev_len;
static struct isakmp_hdr pp_prev_h;

static int pp_send(struct ike_ctx *c, const struct sockaddr_in *local,
		   const struct sockaddr_in *to, const uint8_t *buf,
		   size_t len)
{
	(void)c;
	(void)local;
	(void)to;
	(void)buf;
	(void)len;
	return 0;
}

static void pp_gone(struct ike_sa *sa)
{
	gdoi_sa_gone(&pp_g, sa);
}

/*
 * Seeds for the other role's harness: with FUZZ_SEED_OUT set, the
 * GROUPKEY-PULL messages this side sent (decrypted, from the trace) become
 * records (flags 0, the payload after HASH, the payloads), written after
 * a config byte to $FUZZ_SEED_OUT/from-HASH of the input.
 */
static uint8_t pp_seed[ISAKMP_MAX_MSG];
static size_t pp_seed_len;

static void pp_trace(struct ike_ctx *c, const struct sockaddr_in *src,
		     const struct sockaddr_in *dst, const uint8_t *buf,
		     size_t len)
{
	size_t hlen, rlen;

	(void)c;
	(void)dst;
	if (src->sin_addr.s_addr != htonl(0x0a000001) ||
	    len < ISAKMP_HDR_LEN + 4 || buf[18] != GDOI_EXCH_PULL ||
	    buf[16] != ISAKMP_NP_HASH)
		return;
	hlen = (size_t)(buf[30] << 8 | buf[31]);
	if (hlen < 4 || ISAKMP_HDR_LEN + hlen > len)
		return;
	rlen = 2 + len - ISAKMP_HDR_LEN - hlen;
	if (pp_seed_len + 2 + rlen > sizeof(pp_seed))
		return;
	pp_seed[pp_seed_len++] = (uint8_t)(rlen >> 8);
	pp_seed[pp_seed_len++] = (uint8_t)rlen;
	pp_seed[pp_seed_len++] = 0;
	pp_seed[pp_seed_len++] = buf[ISAKMP_HDR_LEN];
	memcpy(pp_seed + pp_seed_len, buf + ISAKMP_HDR_LEN + hlen,
	       rlen - 2);
	pp_seed_len += rlen - 2;
}

static inline void pp_seed_begin(void)
{
	pp_seed_len = 0;
}

static inline void pp_seed_end(const uint8_t *in, size_t in_len, uint8_t conf)
{
	const char *dir = getenv("FUZZ_SEED_OUT");
	uint32_t h = 2166136261u;
	char path[512];
	size_t i;
	FILE *f;

	if (!dir || !pp_seed_len)
		return;
	for (i = 0; i < in_len; i++)
		h = (h ^ in[i]) * 16777619u;
	snprintf(path, sizeof(path), "%s/from-%08x", dir, h);
	f = fopen(path, "wb");
	if (!f)
		return;
	fputc(conf, f);
	fwrite(pp_seed, 1, pp_seed_len, f);
	fclose(f);
}

/* A fresh IKE context with one PSK peer, and gdoi on it */
static void pp_init(const struct gdoi_ks_ops *ks_ops, void *ks_arg)
{
	static const struct ike_ops ops = { .send = pp_send, .gone = pp_gone,
					    .trace = pp_trace };

	pp_conf = (struct ike_conf){
		.doi = ISAKMP_DOI_GDOI, .port = 848, .retransmit_ms = 1000,
		.retransmit_max_ms = 1000, .retransmit_tries = 2,
		.half_open_max = 16, .half_open_ms = 1000, .max_sas = 8,
		.aggressive_rate = 1000, .npeers = 1, .peers = &pp_peer,
	};
	pp_peer = (struct ike_peer){
		.name = "any", .mode = IKE_MODE_ANY, .auth = IKE_AUTH_PSK,
		.psk = (uint8_t *)"fuzz", .psk_len = 4,
	};
	if (ike_ctx_init(&pp_ctx, &pp_conf, &ops))
		abort();
	gdoi_init(&pp_g, &pp_ctx, ks_ops, ks_arg);
	pp_prev_len = 0;
}

/* An established SA with the peer at 10.0.0.2 (local 10.0.0.1) */
static struct ike_sa *pp_make_sa(bool initiator, uint32_t peer_addr)
{
	struct sockaddr_in local = { .sin_family = AF_INET,
		.sin_port = htons(848), .sin_addr.s_addr = htonl(0x0a000001) };
	struct sockaddr_in from = { .sin_family = AF_INET,
		.sin_port = htons(848), .sin_addr.s_addr = htonl(peer_addr) };
	struct ike_sa *sa = ike_sa_new(&pp_ctx, initiator, ISAKMP_EXCH_MAIN,
				       &local, &from, &pp_peer);

	if (!sa)
		abort();
	memset(sa->icookie, 0x11, 8);
	memset(sa->rcookie, 0x22, 8);
	sa->suite = (struct ike_suite){ IKE_ENCR_AES_CBC, 256, IKE_HASH_SHA256,
					IKE_AUTH_PSK, 14, 3600 };
	sa->keys.prf_len = 32;
	memset(sa->keys.skeyid_a, 0xaa, 32);
	memset(sa->keys.skeyid_d, 0xdd, 32);
	sa->keys.enc_len = 32;
	memset(sa->keys.enc, 0xee, 32);
	sa->keys.block = 16;
	memset(sa->iv, 0x55, 16);
	sa->state = IKE_ESTABLISHED;
	return sa;
}

/* Protects one record as the peer would and hands it to gdoi */
static void pp_feed(struct ike_sa *sa, const uint8_t *rec, size_t len)
{
	uint8_t flags = rec[0], np = rec[1], iv[IKE_MAX_BLOCK];
	const uint8_t *pl = rec + 2, *a = NULL, *b = NULL;
	size_t plen = len - 2, alen = 0, blen = 0, body, pad;
	uint32_t msgid = PP_MSGID;
	struct gdoi_x *x;
	struct isakmp_hdr h = { .np = ISAKMP_NP_HASH, .version = ISAKMP_VERSION,
				.exch = GDOI_EXCH_PULL, .flags = ISAKMP_FLAG_E };
	uint8_t *msg = pp_msg;

	if (flags & 8) {
		struct isakmp_notify_pl n = { .type = (uint16_t)(np << 8 |
					      (plen ? pl[0] : 0)),
					      .data = pl, .data_len = plen };

		gdoi_notify(&pp_g, sa, &n);
		return;
	}
	if (flags & 4) {
		if (pp_prev_len)
			gdoi_phase2(&pp_g, sa, &pp_prev_h, pp_prev, pp_prev_len);
		return;
	}
	if (sa->initiator && sa->phase2)
		msgid = ((struct gdoi_x *)sa->phase2)->msgid;
	if (flags & 2)
		msgid ^= 0x01000000;
	x = gdoi_x_find(sa, msgid);
	if (x) {
		memcpy(iv, x->iv, sa->keys.block);
		a = x->ni;
		alen = x->ni_len;
		if (x->state != GX_I_WAIT2) {
			b = x->nr;
			blen = x->nr_len;
		}
	} else {
		ike_p2_iv(sa, msgid, iv);
	}
	h.msgid = msgid;
	memcpy(h.icookie, sa->icookie, 8);
	memcpy(h.rcookie, sa->rcookie, 8);
	body = ISAKMP_HDR_LEN;
	if (flags & 1) {
		h.np = np;
	} else {
		msg[body] = np;
		msg[body + 1] = 0;
		msg[body + 2] = 0;
		msg[body + 3] = 4 + 32;
		body += 4;
		gdoi_hash(sa, msgid, a, alen, b, blen, pl, plen, msg + body);
		body += 32;
	}
	if (body + plen + 16 > sizeof(pp_msg))
		return;
	memcpy(msg + body, pl, plen);
	body += plen;
	pad = (16 - (body - ISAKMP_HDR_LEN) % 16) % 16;
	memset(msg + body, 0, pad);
	body += pad;
	if (body == ISAKMP_HDR_LEN)
		return;
	if (ike_cbc(sa->suite.encr, sa->suite.key_bits, sa->keys.enc, iv,
		    msg + ISAKMP_HDR_LEN, body - ISAKMP_HDR_LEN,
		    msg + ISAKMP_HDR_LEN, true))
		abort();
	h.len = (uint32_t)body;
	{
		struct isakmp_buf hb;

		isakmp_buf_init(&hb, msg, ISAKMP_HDR_LEN);
		isakmp_hdr_encode(&hb, &h);
		msg[24] = (uint8_t)(body >> 24);
		msg[25] = (uint8_t)(body >> 16);
		msg[26] = (uint8_t)(body >> 8);
		msg[27] = (uint8_t)body;
	}
	memcpy(pp_prev, msg, body);
	pp_prev_len = body;
	pp_prev_h = h;
	gdoi_phase2(&pp_g, sa, &h, msg, body);
}

/* Every record of data[off..size) in turn */
static void pp_records(struct ike_sa *sa, const uint8_t *data, size_t size,
		       size_t off)
{
	while (size - off >= 2) {
		size_t len = (size_t)(data[off] << 8 | data[off + 1]);

		off += 2;
		if (len > size - off)
			len = size - off;
		if (len >= 2)
			pp_feed(sa, data + off, len);
		off += len;
	}
}

#endif /* GVPN_FUZZ_PULL_PEER_H */
