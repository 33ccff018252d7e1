// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * GDOI payloads (RFC 6407 5): the GDOI SA with the SA KEK, SA TEK and GAP
 * payloads it contains, KD and SEQ. RFC 3547 peers are tolerated where
 * their layout differs (SA Attribute Next Payload, SA KEK trailer, 1-byte
 * ID Data Len in the SA TEK), and the same layouts can be sent to them.
 */

#include <string.h>

#include "isakmp.h"

static int sel_decode(struct isakmp_rd *r, struct gdoi_sel *s, bool len16,
		      const char *what, struct isakmp_err *err)
{
	uint8_t len8;
	int ok;

	if (!isakmp_rd_u8(r, &s->type) || !isakmp_rd_u16(r, &s->port))
		return isakmp_fail(err, ISAKMP_N_PAYLOAD_MALFORMED,
				   "%s identification truncated", what);
	if (len16) {
		if (!isakmp_rd_u16(r, &s->len))
			return isakmp_fail(err, ISAKMP_N_PAYLOAD_MALFORMED,
					   "%s identification truncated", what);
	} else {
		if (!isakmp_rd_u8(r, &len8))
			return isakmp_fail(err, ISAKMP_N_PAYLOAD_MALFORMED,
					   "%s identification truncated", what);
		s->len = len8;
	}
	if (!isakmp_rd_ptr(r, s->len, &s->data))
		return isakmp_fail(err, ISAKMP_N_PAYLOAD_MALFORMED,
				   "%s identification of %u bytes exceeds the payload",
				   what, s->len);
	ok = isakmp_id_len_ok(s->type, s->len);
	if (ok <= 0)
		return isakmp_fail(err, ISAKMP_N_INVALID_ID_INFORMATION,
				   "%s identification: type %u with %u bytes",
				   what, s->type, s->len);
	return 0;
}

static void sel_encode(struct isakmp_buf *b, const struct gdoi_sel *s,
		       bool len16)
{
	isakmp_put_u8(b, s->type);
	isakmp_put_u16(b, s->port);
	if (len16)
		isakmp_put_u16(b, s->len);
	else
		isakmp_put_u8(b, (uint8_t)s->len);
	isakmp_put_bytes(b, s->data, s->len);
}

static bool attrs_at(const uint8_t *body, size_t len, size_t off, bool want_af)
{
	if (off > len || isakmp_attrs_check(body + off, len - off, NULL, NULL))
		return false;
	return !want_af || off == len || (body[off] & 0x80);
}

int gdoi_sak_decode(struct gdoi_sak *k, const uint8_t *body, size_t len,
		    struct isakmp_err *err)
{
	struct isakmp_rd r = { .p = body, .len = len };
	size_t off;

	if (!isakmp_rd_u8(&r, &k->proto))
		return isakmp_fail(err, ISAKMP_N_PAYLOAD_MALFORMED,
				   "SA KEK payload is empty");
	if (sel_decode(&r, &k->src, false, "SA KEK source", err) ||
	    sel_decode(&r, &k->dst, false, "SA KEK destination", err))
		return -1;
	if (!isakmp_rd_copy(&r, k->spi, GDOI_KEK_SPI_LEN))
		return isakmp_fail(err, ISAKMP_N_PAYLOAD_MALFORMED,
				   "SA KEK payload truncated in its SPI");
	off = r.off;
	/* RFC 6407 RESERVED2 (4 bytes) or the 6 bytes of older peers */
	if (attrs_at(body, len, off + 4, true))
		k->trailer_len = 4;
	else if (attrs_at(body, len, off + 6, true))
		k->trailer_len = 6;
	else if (attrs_at(body, len, off + 4, false))
		k->trailer_len = 4;
	else
		return isakmp_fail(err, ISAKMP_N_PAYLOAD_MALFORMED,
				   "SA KEK attributes malformed");
	memcpy(k->trailer, body + off, k->trailer_len);
	k->attrs.p = body + off + k->trailer_len;
	k->attrs.len = len - off - k->trailer_len;
	return 0;
}

/* The ESP/AH part of an SA TEK after the Protocol-ID, with ID Data Len
 * fields of 2 bytes (RFC 6407 5.4.1) or 1 byte (RFC 3547 5.4.1) */
static int sat_ipsec_decode(struct gdoi_sat *t, const uint8_t *body,
			    size_t len, bool len16, struct isakmp_err *err)
{
	struct isakmp_rd r = { .p = body, .len = len, .off = 1 };

	if (!isakmp_rd_u8(&r, &t->ip_proto))
		return isakmp_fail(err, ISAKMP_N_PAYLOAD_MALFORMED,
				   "SA TEK payload truncated");
	if (sel_decode(&r, &t->src, len16, "SA TEK source", err) ||
	    sel_decode(&r, &t->dst, len16, "SA TEK destination", err))
		return -1;
	if (!isakmp_rd_u8(&r, &t->transform) || !isakmp_rd_u32(&r, &t->spi))
		return isakmp_fail(err, ISAKMP_N_PAYLOAD_MALFORMED,
				   "SA TEK payload truncated in transform or SPI");
	t->attrs.p = body + r.off;
	t->attrs.len = isakmp_rd_left(&r);
	return isakmp_attrs_check(t->attrs.p, t->attrs.len, NULL, err);
}

int gdoi_sat_decode(struct gdoi_sat *t, const uint8_t *body, size_t len,
		    struct isakmp_err *err)
{
	struct isakmp_rd r = { .p = body, .len = len };
	struct isakmp_err err8;

	memset(t, 0, sizeof(*t));
	if (!isakmp_rd_u8(&r, &t->proto_id))
		return isakmp_fail(err, ISAKMP_N_PAYLOAD_MALFORMED,
				   "SA TEK payload is empty");
	if (t->proto_id != GDOI_PROTO_IPSEC_ESP &&
	    t->proto_id != GDOI_PROTO_IPSEC_AH) {
		t->opaque_len = isakmp_rd_left(&r);
		isakmp_rd_ptr(&r, t->opaque_len, &t->opaque);
		return 0;
	}
	/*
	 * RFC 6407 first; when its lengths do not parse, the layout of RFC
	 * 3547 peers (1-byte SRC/DST ID Data Len), as the SA KEK trailer is
	 * told apart. The RFC 6407 error is the one reported.
	 */
	if (!sat_ipsec_decode(t, body, len, true, err))
		return 0;
	if (sat_ipsec_decode(t, body, len, false, &err8))
		return -1;
	t->id_len8 = true;
	return 0;
}

int gdoi_gap_decode(struct gdoi_gap *g, const uint8_t *body, size_t len,
		    struct isakmp_err *err)
{
	g->attrs.p = body;
	g->attrs.len = len;
	return isakmp_attrs_check(body, len, NULL, err);
}

int gdoi_sa_decode(struct gdoi_sa *sa, const struct isakmp_pl *pl,
		   struct isakmp_err *err)
{
	struct isakmp_rd r = { .p = pl->body, .len = pl->len };
	uint8_t hdr[4], np;

	sa->ntek = 0;
	sa->has_kek = sa->has_gap = false;
	if (!isakmp_rd_u32(&r, &sa->doi) || !isakmp_rd_u32(&r, &sa->situation) ||
	    !isakmp_rd_copy(&r, hdr, sizeof(hdr)))
		return isakmp_fail(err, ISAKMP_N_PAYLOAD_MALFORMED,
				   "GDOI SA payload of %u bytes is too short",
				   pl->len);
	/* RFC 6407: 2-byte SA Attribute Next Payload; RFC 3547: 1 byte */
	sa->rfc3547_hdr = hdr[0] != 0;
	np = sa->rfc3547_hdr ? hdr[0] : hdr[1];
	if (np == ISAKMP_NP_NONE)
		return isakmp_fail(err, ISAKMP_N_PAYLOAD_MALFORMED,
				   "GDOI SA payload without SA KEK, SA TEK or GAP");
	while (np != ISAKMP_NP_NONE) {
		uint8_t next, reserved;
		uint16_t plen;
		const uint8_t *body;

		if (!isakmp_rd_u8(&r, &next) || !isakmp_rd_u8(&r, &reserved) ||
		    !isakmp_rd_u16(&r, &plen))
			return isakmp_fail(err, ISAKMP_N_PAYLOAD_MALFORMED,
					   "%s payload header truncated in the SA",
					   isakmp_np_name(np));
		if (plen < ISAKMP_GEN_LEN ||
		    !isakmp_rd_ptr(&r, plen - ISAKMP_GEN_LEN, &body))
			return isakmp_fail(err, ISAKMP_N_PAYLOAD_MALFORMED,
					   "%s payload length %u does not fit in the SA",
					   isakmp_np_name(np), plen);
		plen -= ISAKMP_GEN_LEN;
		switch (np) {
		case ISAKMP_NP_SAK:
			if (sa->has_kek)
				return isakmp_fail(err, ISAKMP_N_PAYLOAD_MALFORMED,
						   "more than one SA KEK");
			if (gdoi_sak_decode(&sa->kek, body, plen, err))
				return -1;
			sa->has_kek = true;
			break;
		case ISAKMP_NP_SAT:
			if (sa->ntek == GDOI_MAX_TEKS)
				return isakmp_fail(err, ISAKMP_N_PAYLOAD_MALFORMED,
						   "more than %d SA TEKs", GDOI_MAX_TEKS);
			if (gdoi_sat_decode(&sa->tek[sa->ntek], body, plen, err))
				return -1;
			sa->ntek++;
			break;
		case ISAKMP_NP_GAP:
			if (sa->has_gap)
				return isakmp_fail(err, ISAKMP_N_PAYLOAD_MALFORMED,
						   "more than one GAP");
			if (gdoi_gap_decode(&sa->gap, body, plen, err))
				return -1;
			sa->has_gap = true;
			break;
		default:
			if (isakmp_np_known(np) || (reserved & ISAKMP_CRITICAL))
				return isakmp_fail(err, ISAKMP_N_INVALID_PAYLOAD_TYPE,
						   "%s payload inside a GDOI SA",
						   isakmp_np_name(np));
			break;
		}
		np = next;
	}
	if (isakmp_rd_left(&r))
		return isakmp_fail(err, ISAKMP_N_PAYLOAD_MALFORMED,
				   "%zu bytes after the last payload of the GDOI SA",
				   isakmp_rd_left(&r));
	if (!sa->has_kek && !sa->ntek)
		return isakmp_fail(err, ISAKMP_N_PAYLOAD_MALFORMED,
				   "GDOI SA without SA KEK or SA TEK");
	return 0;
}

/* Sub-payloads of the GDOI SA: chained through their own Next Payload
 * fields, starting at the SA Attribute Next Payload field at *np_off. */
static size_t sub_begin(struct isakmp_buf *b, size_t *np_off, uint8_t type)
{
	size_t start = b->len;

	if (!b->err && *np_off < b->len)
		b->p[*np_off] = type;
	*np_off = start;
	isakmp_put_u8(b, ISAKMP_NP_NONE);
	isakmp_put_u8(b, 0);
	isakmp_put_u16(b, 0);
	return start;
}

static void sub_end(struct isakmp_buf *b, size_t start)
{
	if (b->len - start > UINT16_MAX)
		b->err = true;
	isakmp_set_u16(b, start + 2, (uint16_t)(b->len - start));
}

void gdoi_sa_encode(struct isakmp_buf *b, const struct gdoi_sa *sa)
{
	size_t start = isakmp_pl_begin(b, ISAKMP_NP_SA), np_off, s;
	unsigned i;

	isakmp_put_u32(b, sa->doi);
	isakmp_put_u32(b, sa->situation);
	np_off = b->len + (sa->rfc3547_hdr ? 0 : 1);
	isakmp_put_u32(b, 0);

	if (sa->has_kek) {
		const struct gdoi_sak *k = &sa->kek;

		s = sub_begin(b, &np_off, ISAKMP_NP_SAK);
		isakmp_put_u8(b, k->proto);
		sel_encode(b, &k->src, false);
		sel_encode(b, &k->dst, false);
		isakmp_put_bytes(b, k->spi, GDOI_KEK_SPI_LEN);
		if (k->trailer_len == 4 || k->trailer_len == 6)
			isakmp_put_bytes(b, k->trailer, k->trailer_len);
		else
			isakmp_put_zero(b, 4);
		isakmp_put_bytes(b, k->attrs.p, k->attrs.len);
		sub_end(b, s);
	}
	for (i = 0; i < sa->ntek; i++) {
		const struct gdoi_sat *t = &sa->tek[i];

		s = sub_begin(b, &np_off, ISAKMP_NP_SAT);
		isakmp_put_u8(b, t->proto_id);
		if (t->proto_id == GDOI_PROTO_IPSEC_ESP ||
		    t->proto_id == GDOI_PROTO_IPSEC_AH) {
			isakmp_put_u8(b, t->ip_proto);
			sel_encode(b, &t->src, !t->id_len8);
			sel_encode(b, &t->dst, !t->id_len8);
			isakmp_put_u8(b, t->transform);
			isakmp_put_u32(b, t->spi);
			isakmp_put_bytes(b, t->attrs.p, t->attrs.len);
		} else {
			isakmp_put_bytes(b, t->opaque, t->opaque_len);
		}
		sub_end(b, s);
	}
	if (sa->has_gap) {
		s = sub_begin(b, &np_off, ISAKMP_NP_GAP);
		isakmp_put_bytes(b, sa->gap.attrs.p, sa->gap.attrs.len);
		sub_end(b, s);
	}
	isakmp_pl_end(b, start);
}

int gdoi_kd_decode(struct gdoi_kd *kd, const struct isakmp_pl *pl,
		   struct isakmp_err *err)
{
	struct isakmp_rd r = { .p = pl->body, .len = pl->len };
	uint16_t n, reserved2;
	unsigned i;

	kd->n = 0;
	if (!isakmp_rd_u16(&r, &n) || !isakmp_rd_u16(&r, &reserved2))
		return isakmp_fail(err, ISAKMP_N_PAYLOAD_MALFORMED,
				   "KD payload of %u bytes is too short", pl->len);
	if (n == 0 || n > GDOI_MAX_KEY_PACKETS)
		return isakmp_fail(err, ISAKMP_N_PAYLOAD_MALFORMED,
				   "KD payload with %u key packets", n);
	for (i = 0; i < n; i++) {
		struct gdoi_key_packet *k = &kd->pkt[i];
		uint8_t reserved;
		uint16_t klen;
		struct isakmp_rd kr;
		const uint8_t *kp;

		if (!isakmp_rd_u8(&r, &k->type) || !isakmp_rd_u8(&r, &reserved) ||
		    !isakmp_rd_u16(&r, &klen))
			return isakmp_fail(err, ISAKMP_N_PAYLOAD_MALFORMED,
					   "key packet %u of %u truncated", i + 1, n);
		if (klen < 5 || !isakmp_rd_ptr(&r, klen - 4u, &kp))
			return isakmp_fail(err, ISAKMP_N_PAYLOAD_MALFORMED,
					   "key packet %u length %u does not fit",
					   i + 1, klen);
		kr = (struct isakmp_rd){ .p = kp, .len = klen - 4u };
		isakmp_rd_u8(&kr, &k->spi_len);
		if (!isakmp_rd_ptr(&kr, k->spi_len, &k->spi))
			return isakmp_fail(err, ISAKMP_N_PAYLOAD_MALFORMED,
					   "key packet %u: SPI of %u bytes does not fit",
					   i + 1, k->spi_len);
		k->attrs.p = kp + kr.off;
		k->attrs.len = isakmp_rd_left(&kr);
		if (isakmp_attrs_check(k->attrs.p, k->attrs.len, NULL, err))
			return -1;
	}
	if (isakmp_rd_left(&r))
		return isakmp_fail(err, ISAKMP_N_PAYLOAD_MALFORMED,
				   "%zu bytes after the %u key packets",
				   isakmp_rd_left(&r), n);
	kd->n = n;
	return 0;
}

void gdoi_kd_encode(struct isakmp_buf *b, const struct gdoi_kd *kd)
{
	size_t start = isakmp_pl_begin(b, ISAKMP_NP_KD);
	unsigned i;

	isakmp_put_u16(b, (uint16_t)kd->n);
	isakmp_put_u16(b, 0);
	for (i = 0; i < kd->n; i++) {
		const struct gdoi_key_packet *k = &kd->pkt[i];
		size_t s = b->len;

		isakmp_put_u8(b, k->type);
		isakmp_put_u8(b, 0);
		isakmp_put_u16(b, 0);
		isakmp_put_u8(b, k->spi_len);
		isakmp_put_bytes(b, k->spi, k->spi_len);
		isakmp_put_bytes(b, k->attrs.p, k->attrs.len);
		if (b->len - s > UINT16_MAX)
			b->err = true;
		isakmp_set_u16(b, s + 2, (uint16_t)(b->len - s));
	}
	isakmp_pl_end(b, start);
}

int gdoi_seq_decode(uint32_t *seq, const struct isakmp_pl *pl,
		    struct isakmp_err *err)
{
	struct isakmp_rd r = { .p = pl->body, .len = pl->len };

	if (pl->len != 4 || !isakmp_rd_u32(&r, seq))
		return isakmp_fail(err, ISAKMP_N_PAYLOAD_MALFORMED,
				   "SEQ payload of %u bytes (expected 4)", pl->len);
	return 0;
}

void gdoi_seq_encode(struct isakmp_buf *b, uint32_t seq)
{
	size_t start = isakmp_pl_begin(b, ISAKMP_NP_SEQ);

	isakmp_put_u32(b, seq);
	isakmp_pl_end(b, start);
}

/* --- Sender IDs (RFC 6054, RFC 6407 5.5.2, 5.6.3) ------------------------- */

bool gdoi_transform_counter_mode(uint8_t transform)
{
	switch (transform) {
	case 13:	/* ESP_AES_CTR (RFC 3686) */
	case 14:	/* ESP_AES_CCM_8 (RFC 4309) */
	case 15:	/* ESP_AES_CCM_12 */
	case 16:	/* ESP_AES_CCM_16 */
	case 18:	/* ESP_AES_GCM_8 (RFC 4106) */
	case 19:	/* ESP_AES_GCM_12 */
	case 20:	/* ESP_AES_GCM_16 */
	case 23:	/* ESP_NULL_AUTH_AES_GMAC (RFC 4543) */
		return true;
	default:
		return false;
	}
}

void gdoi_gap_encode(struct isakmp_buf *b, const struct gdoi_gap *g)
{
	size_t start = isakmp_pl_begin(b, ISAKMP_NP_GAP);

	isakmp_put_bytes(b, g->attrs.p, g->attrs.len);
	isakmp_pl_end(b, start);
}

int gdoi_gap_sid_request(const struct gdoi_gap *g, uint16_t *n,
			 struct isakmp_err *err)
{
	struct isakmp_attrs it = g->attrs;
	struct isakmp_attr a;
	bool seen = false;

	*n = 0;
	while (isakmp_attr_next(&it, &a) > 0) {
		if (a.type != GDOI_GAP_SENDER_ID_REQUEST)
			continue;
		if (seen)
			return isakmp_fail(err, ISAKMP_N_PAYLOAD_MALFORMED,
					   "GAP with SENDER_ID_REQUEST twice");
		if (!a.basic)
			return isakmp_fail(err, ISAKMP_N_PAYLOAD_MALFORMED,
					   "GAP SENDER_ID_REQUEST is not a basic attribute");
		seen = true;
		*n = a.u16;
	}
	return 0;
}

void gdoi_kd_sid_encode(struct isakmp_buf *b, const struct gdoi_sid *s)
{
	unsigned i;

	isakmp_put_attr_basic(b, GDOI_KD_SID_NUMBER_OF_BITS, s->bits);
	for (i = 0; i < s->n && i < GDOI_MAX_SIDS; i++) {
		uint8_t v[4] = { s->value[i] >> 24, s->value[i] >> 16,
				 s->value[i] >> 8, s->value[i] };

		isakmp_put_attr_var(b, GDOI_KD_SID_VALUE, v, sizeof(v));
	}
}

int gdoi_kd_sid_decode(const struct gdoi_key_packet *k, struct gdoi_sid *s,
		       struct isakmp_err *err)
{
	struct isakmp_attrs it = k->attrs;
	struct isakmp_attr a;
	uint32_t vals[GDOI_MAX_SIDS];
	unsigned nvals = 0, i;
	bool has_bits = false;
	uint64_t v;

	memset(s, 0, sizeof(*s));
	if (k->type != GDOI_KD_SID)
		return isakmp_fail(err, ISAKMP_N_INVALID_KEY_INFORMATION,
				   "key packet of type %u is not a SID download",
				   k->type);
	if (k->spi_len)
		return isakmp_fail(err, ISAKMP_N_INVALID_KEY_INFORMATION,
				   "SID key packet with an SPI of %u bytes (0 expected)",
				   k->spi_len);
	while (isakmp_attr_next(&it, &a) > 0) {
		switch (a.type) {
		case GDOI_KD_SID_NUMBER_OF_BITS:
			if (has_bits || !a.basic)
				return isakmp_fail(err, ISAKMP_N_INVALID_KEY_INFORMATION,
						   "SID key packet: NUMBER_OF_BITS %s",
						   has_bits ? "twice" : "not a basic attribute");
			if (a.u16 < 1 || a.u16 > GDOI_SID_BITS_MAX)
				return isakmp_fail(err, ISAKMP_N_INVALID_KEY_INFORMATION,
						   "SID key packet: NUMBER_OF_BITS %u (1..%d)",
						   a.u16, GDOI_SID_BITS_MAX);
			has_bits = true;
			s->bits = (uint8_t)a.u16;
			break;
		case GDOI_KD_SID_VALUE:
			if (a.basic || !a.len || a.len > 4 ||
			    isakmp_attr_uint(&a, &v))
				return isakmp_fail(err, ISAKMP_N_INVALID_KEY_INFORMATION,
						   "SID key packet: SID_VALUE of %u bytes (1..4)",
						   a.basic ? 2 : a.len);
			if (nvals == GDOI_MAX_SIDS)
				return isakmp_fail(err, ISAKMP_N_INVALID_KEY_INFORMATION,
						   "SID key packet with more than %d SID_VALUEs",
						   GDOI_MAX_SIDS);
			vals[nvals++] = (uint32_t)v;
			break;
		default:
			return isakmp_fail(err, ISAKMP_N_INVALID_KEY_INFORMATION,
					   "SID key packet: unknown attribute %u",
					   a.type);
		}
	}
	if (!has_bits || !nvals)
		return isakmp_fail(err, ISAKMP_N_INVALID_KEY_INFORMATION,
				   "SID key packet without %s",
				   has_bits ? "SID_VALUE" : "NUMBER_OF_BITS");
	for (i = 0; i < nvals; i++) {
		if (s->bits < 32 && vals[i] >> s->bits)
			return isakmp_fail(err, ISAKMP_N_INVALID_KEY_INFORMATION,
					   "SID key packet: SID_VALUE %u does not fit in %u bits",
					   vals[i], s->bits);
		s->value[i] = vals[i];
	}
	s->n = nvals;
	return 0;
}
