// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * libFuzzer harness for the GROUPKEY-PULL exchange (daemon/gdoi) on an
 * established Phase 1 SA whose keys the harness knows, as key server
 * (messages 1 and 3 in) or as member (messages 2 and 4 in, after its
 * gdoi_pull()). The harness protects what the fuzzer writes the way a
 * peer would: HDR, a HASH payload with the right value for the exchange's
 * state (M-ID, Ni_b, Nr_b), the fuzzed payloads, encryption with the
 * exchange's IV, so that the payload decoders and checks behind the HASH
 * are reached; some records skip the HASH or are notifies instead.
 *
 * Input: byte 0 picks the role (bit 0: member) and the key server's answer
 * (bits 1-2: keys, unknown group, not authorized, keys of an AES-GCM TEK
 * with a Sender ID for a member that asks in message 3's GAP, refused
 * when the request is for more than one); then records, each a
 * 2-byte length and that many bytes: flags (bit 0: no HASH, the bytes are
 * the whole body; bit 1: another M-ID; bit 2: send the previous message
 * again; bit 3: a notify of the type in the next 2 bytes), the type of
 * the first payload after HASH, then the payloads.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "gdoi/gdoi_int.h"
#include "ike/ike_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MSGID 0x0a0b0c0d

static struct ike_ctx ctx;
static struct ike_conf conf;
static struct ike_peer peer;
static struct gdoi_ctx g;
static uint8_t msg[ISAKMP_MAX_MSG], prev[ISAKMP_MAX_MSG];
static size_t prev_len;
static struct isakmp_hdr prev_h;
static int ks_answer;

/* the key server's reply: a KEK, one TEK and their keys */
static uint8_t kek_spi[16] = "fuzz-kek-spi-01";
static uint8_t tek_spi[4] = { 1, 2, 3, 4 };
static uint8_t sel[8] = { 10, 0, 0, 0, 255, 0, 0, 0 };
static uint8_t tek_attrs[] = { 0x80, 0x01, 0x00, 0x01, 0x80, 0x05, 0x00, 0x0c };
static uint8_t gap_attrs[] = { 0x80, 0x01, 0x00, 0x0f };
static uint8_t kek_key[] = { 0x00, 0x01, 0x00, 0x04, 1, 2, 3, 4 };
static uint8_t tek_key[] = { 0x00, 0x01, 0x00, 0x04, 5, 6, 7, 8 };

static int op_send(struct ike_ctx *c, const struct sockaddr_in *local,
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

static void op_gone(struct ike_sa *sa)
{
	gdoi_sa_gone(&g, sa);
}

static int ks_pull(void *arg, struct ike_sa *sa,
		   const struct gdoi_group_id *group, struct gdoi_pull_reply *r,
		   char *why, size_t whylen)
{
	(void)arg;
	(void)sa;
	(void)group;
	(void)why;
	(void)whylen;
	if (ks_answer == 1)
		return -ENOENT;
	if (ks_answer == 2)
		return -EACCES;
	memset(r, 0, sizeof(*r));
	r->sa.has_kek = true;
	r->sa.kek.src = (struct gdoi_sel){ ISAKMP_ID_IPV4_ADDR, 848, 4, sel };
	r->sa.kek.dst = r->sa.kek.src;
	memcpy(r->sa.kek.spi, kek_spi, 16);
	r->sa.ntek = 1;
	r->sa.tek[0] = (struct gdoi_sat){
		.proto_id = GDOI_PROTO_IPSEC_ESP,
		.src = { ISAKMP_ID_IPV4_ADDR_SUBNET, 0, 8, sel },
		.dst = { ISAKMP_ID_IPV4_ADDR_SUBNET, 0, 8, sel },
		.transform = ks_answer == 3 ? 20 : 12, .spi = 0x01020304,
		.attrs = { tek_attrs, sizeof(tek_attrs) },
	};
	r->sa.has_gap = true;
	r->sa.gap.attrs = (struct isakmp_attrs){ gap_attrs, sizeof(gap_attrs) };
	r->kd.n = 2;
	r->kd.pkt[0] = (struct gdoi_key_packet){ GDOI_KD_KEK, 16, kek_spi,
		{ kek_key, sizeof(kek_key) } };
	r->kd.pkt[1] = (struct gdoi_key_packet){ GDOI_KD_TEK, 4, tek_spi,
		{ tek_key, sizeof(tek_key) } };
	r->has_seq = true;
	r->seq = 1;
	return 0;
}

static void ks_done(void *arg, struct ike_sa *sa,
		    const struct gdoi_group_id *group,
		    struct gdoi_pull_reply *r, int err)
{
	(void)arg;
	(void)sa;
	(void)group;
	(void)r;
	(void)err;
}

static int ks_sid(void *arg, struct ike_sa *sa,
		  const struct gdoi_group_id *group, struct gdoi_pull_reply *r,
		  unsigned nreq, char *why, size_t whylen)
{
	(void)arg;
	(void)sa;
	(void)group;
	if (ks_answer != 3)
		return 0;
	if (nreq > 1) {
		snprintf(why, whylen, "no free Sender ID");
		return -ENOSPC;
	}
	r->sid.bits = 8;
	r->sid.n = 1;
	r->sid.value[0] = 0x42;
	return 0;
}

static const struct gdoi_ks_ops ks_ops = {
	.pull = ks_pull, .sid = ks_sid, .done = ks_done,
};

static unsigned pulled;

static void gm_cb(void *arg, struct ike_sa *sa, int err,
		  const struct gdoi_pull_result *r, const char *why)
{
	(void)arg;
	(void)sa;
	/* exactly once; a result only without an error */
	if (pulled++ || (!err) != (r != NULL) || (err && !why))
		__builtin_trap();
}

static struct ike_sa *make_sa(bool initiator)
{
	struct sockaddr_in local = { .sin_family = AF_INET,
		.sin_port = htons(848), .sin_addr.s_addr = htonl(0x0a000001) };
	struct sockaddr_in from = { .sin_family = AF_INET,
		.sin_port = htons(848), .sin_addr.s_addr = htonl(0x0a000002) };
	struct ike_sa *sa = ike_sa_new(&ctx, initiator, ISAKMP_EXCH_MAIN,
				       &local, &from, &peer);

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
static void feed(struct ike_sa *sa, const uint8_t *rec, size_t len)
{
	uint8_t flags = rec[0], np = rec[1], iv[IKE_MAX_BLOCK];
	const uint8_t *pl = rec + 2, *a = NULL, *b = NULL;
	size_t plen = len - 2, alen = 0, blen = 0, body, pad;
	uint32_t msgid = MSGID;
	struct gdoi_x *x;
	struct isakmp_hdr h = { .np = ISAKMP_NP_HASH, .version = ISAKMP_VERSION,
				.exch = GDOI_EXCH_PULL, .flags = ISAKMP_FLAG_E };

	if (flags & 8) {
		struct isakmp_notify_pl n = { .type = (uint16_t)(np << 8 |
					      (plen ? pl[0] : 0)),
					      .data = pl, .data_len = plen };

		gdoi_notify(&g, sa, &n);
		return;
	}
	if (flags & 4) {
		if (prev_len)
			gdoi_phase2(&g, sa, &prev_h, prev, prev_len);
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
	if (body + plen + 16 > sizeof(msg))
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
	memcpy(prev, msg, body);
	prev_len = body;
	prev_h = h;
	gdoi_phase2(&g, sa, &h, msg, body);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ike_ops ops = { .send = op_send, .gone = op_gone };
	struct gdoi_group_id gid = { .type = ISAKMP_ID_KEY_ID, .id = 1234 };
	static bool once;
	struct ike_sa *sa;
	size_t off = 1;
	bool member;

	if (!once) {
		log_init("fuzz", true, getenv("FUZZ_DEBUG") ? LOG_DEBUG : LOG_EMERG);
		once = true;
	}
	if (size < 1)
		return 0;
	member = data[0] & 1;
	ks_answer = (data[0] >> 1) & 3;
	conf = (struct ike_conf){
		.doi = ISAKMP_DOI_GDOI, .port = 848, .retransmit_ms = 1000,
		.retransmit_max_ms = 1000, .retransmit_tries = 2,
		.half_open_max = 16, .half_open_ms = 1000, .max_sas = 8,
		.aggressive_rate = 1000, .npeers = 1, .peers = &peer,
	};
	peer = (struct ike_peer){
		.name = "any", .mode = IKE_MODE_ANY, .auth = IKE_AUTH_PSK,
		.psk = (uint8_t *)"fuzz", .psk_len = 4,
	};
	if (ike_ctx_init(&ctx, &conf, &ops))
		abort();
	gdoi_init(&g, &ctx, member ? NULL : &ks_ops, NULL);
	sa = make_sa(member);
	pulled = 0;
	prev_len = 0;
	if (member && gdoi_pull(&g, sa, &gid, gm_cb, NULL))
		abort();
	while (size - off >= 2) {
		size_t len = (size_t)(data[off] << 8 | data[off + 1]);

		off += 2;
		if (len > size - off)
			len = size - off;
		if (len >= 2)
			feed(sa, data + off, len);
		off += len;
		/* the member's callback may have ended the SA's exchanges,
		 * never the SA: it is ours until fini */
	}
	ike_ctx_fini(&ctx);
	if (member && pulled != 1)
		__builtin_trap();	/* fini calls back the unfinished pull */
	return 0;
}
