// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * SA payloads with proposals and transforms (RFC 2408 3.4-3.6), as used by
 * Phase 1 whatever the DOI. The GDOI SA of GROUPKEY-PULL has another
 * layout (gdoi_sa.c).
 */

#include <string.h>

#include "isakmp.h"

#define SIT_SECRECY	2
#define SIT_INTEGRITY	4

static int transforms_decode(struct isakmp_sa *sa, struct isakmp_proposal *p,
			     const uint8_t *buf, size_t len,
			     struct isakmp_err *err)
{
	struct isakmp_rd r = { .p = buf, .len = len };
	uint8_t next = ISAKMP_NP_T;
	unsigned i;

	for (i = 0; i < p->ntrans; i++) {
		const uint8_t *raw = buf + r.off, *attrs;
		struct isakmp_transform *t;
		uint8_t reserved;
		uint16_t tlen, reserved2;

		if (next != ISAKMP_NP_T)
			return isakmp_fail(err, ISAKMP_N_BAD_PROPOSAL_SYNTAX,
					   "proposal %u announces %u transforms, has %u",
					   p->num, p->ntrans, i);
		if (sa->ntrans == ISAKMP_MAX_TRANSFORMS)
			return isakmp_fail(err, ISAKMP_N_BAD_PROPOSAL_SYNTAX,
					   "more than %d transforms",
					   ISAKMP_MAX_TRANSFORMS);
		t = &sa->t[sa->ntrans];
		if (!isakmp_rd_u8(&r, &next) || !isakmp_rd_u8(&r, &reserved) ||
		    !isakmp_rd_u16(&r, &tlen) || !isakmp_rd_u8(&r, &t->num) ||
		    !isakmp_rd_u8(&r, &t->id) || !isakmp_rd_u16(&r, &reserved2))
			return isakmp_fail(err, ISAKMP_N_BAD_PROPOSAL_SYNTAX,
					   "transform %u of proposal %u truncated",
					   i + 1, p->num);
		if (tlen < 8)
			return isakmp_fail(err, ISAKMP_N_BAD_PROPOSAL_SYNTAX,
					   "transform length %u is shorter than its header",
					   tlen);
		if (!isakmp_rd_ptr(&r, tlen - 8, &attrs))
			return isakmp_fail(err, ISAKMP_N_BAD_PROPOSAL_SYNTAX,
					   "transform length %u exceeds proposal %u",
					   tlen, p->num);
		if (next != ISAKMP_NP_T && next != ISAKMP_NP_NONE)
			return isakmp_fail(err, ISAKMP_N_BAD_PROPOSAL_SYNTAX,
					   "transform followed by payload type %u",
					   next);
		if (isakmp_attrs_check(attrs, tlen - 8, NULL, err))
			return -1;
		t->raw = raw;
		t->raw_len = tlen;
		t->attrs.p = attrs;
		t->attrs.len = tlen - 8;
		sa->ntrans++;
	}
	if (next != ISAKMP_NP_NONE)
		return isakmp_fail(err, ISAKMP_N_BAD_PROPOSAL_SYNTAX,
				   "proposal %u has more than the %u transforms it announces",
				   p->num, p->ntrans);
	if (isakmp_rd_left(&r))
		return isakmp_fail(err, ISAKMP_N_BAD_PROPOSAL_SYNTAX,
				   "%zu bytes after the last transform of proposal %u",
				   isakmp_rd_left(&r), p->num);
	return 0;
}

int isakmp_sa_decode(struct isakmp_sa *sa, const struct isakmp_pl *pl,
		     struct isakmp_err *err)
{
	struct isakmp_rd r = { .p = pl->body, .len = pl->len };
	uint8_t next = ISAKMP_NP_P;
	int last_num = -1;

	sa->nprop = 0;
	sa->ntrans = 0;
	if (!isakmp_rd_u32(&r, &sa->doi) || !isakmp_rd_u32(&r, &sa->situation))
		return isakmp_fail(err, ISAKMP_N_PAYLOAD_MALFORMED,
				   "SA payload of %u bytes is too short", pl->len);
	if (sa->doi == ISAKMP_DOI_IPSEC &&
	    (sa->situation & (SIT_SECRECY | SIT_INTEGRITY)))
		return isakmp_fail(err, ISAKMP_N_SITUATION_NOT_SUPPORTED,
				   "labeled situation 0x%x not supported",
				   sa->situation);
	if (!isakmp_rd_left(&r))
		return isakmp_fail(err, ISAKMP_N_BAD_PROPOSAL_SYNTAX,
				   "SA payload without proposal");
	while (next == ISAKMP_NP_P) {
		struct isakmp_proposal *p;
		const uint8_t *body;
		uint8_t reserved;
		uint16_t plen;

		if (sa->nprop == ISAKMP_MAX_PROPOSALS)
			return isakmp_fail(err, ISAKMP_N_BAD_PROPOSAL_SYNTAX,
					   "more than %d proposals",
					   ISAKMP_MAX_PROPOSALS);
		p = &sa->prop[sa->nprop];
		if (!isakmp_rd_u8(&r, &next) || !isakmp_rd_u8(&r, &reserved) ||
		    !isakmp_rd_u16(&r, &plen) || !isakmp_rd_u8(&r, &p->num) ||
		    !isakmp_rd_u8(&r, &p->proto) ||
		    !isakmp_rd_u8(&r, &p->spi_len) ||
		    !isakmp_rd_u8(&r, &p->ntrans))
			return isakmp_fail(err, ISAKMP_N_BAD_PROPOSAL_SYNTAX,
					   "proposal header truncated");
		if (next != ISAKMP_NP_P && next != ISAKMP_NP_NONE)
			return isakmp_fail(err, ISAKMP_N_BAD_PROPOSAL_SYNTAX,
					   "proposal followed by payload type %u",
					   next);
		if (plen < 8 + p->spi_len)
			return isakmp_fail(err, ISAKMP_N_BAD_PROPOSAL_SYNTAX,
					   "proposal length %u too short for its header and a %u-byte SPI",
					   plen, p->spi_len);
		if (p->spi_len > ISAKMP_MAX_SPI)
			return isakmp_fail(err, ISAKMP_N_INVALID_SPI,
					   "SPI of %u bytes", p->spi_len);
		if (isakmp_rd_left(&r) < (size_t)plen - 8)
			return isakmp_fail(err, ISAKMP_N_BAD_PROPOSAL_SYNTAX,
					   "proposal length %u exceeds the SA payload",
					   plen);
		if (p->ntrans == 0)
			return isakmp_fail(err, ISAKMP_N_BAD_PROPOSAL_SYNTAX,
					   "proposal %u without transforms", p->num);
		if ((int)p->num < last_num)
			return isakmp_fail(err, ISAKMP_N_BAD_PROPOSAL_SYNTAX,
					   "proposal numbers decrease (%u after %d)",
					   p->num, last_num);
		last_num = p->num;
		isakmp_rd_copy(&r, p->spi, p->spi_len);
		isakmp_rd_ptr(&r, plen - 8u - p->spi_len, &body);
		p->first = sa->ntrans;
		if (transforms_decode(sa, p, body, plen - 8u - p->spi_len, err))
			return -1;
		sa->nprop++;
	}
	if (isakmp_rd_left(&r))
		return isakmp_fail(err, ISAKMP_N_BAD_PROPOSAL_SYNTAX,
				   "%zu bytes after the last proposal",
				   isakmp_rd_left(&r));
	return 0;
}

void isakmp_sa_encode(struct isakmp_buf *b, const struct isakmp_sa *sa)
{
	size_t start = isakmp_pl_begin(b, ISAKMP_NP_SA);
	unsigned i, j;

	isakmp_put_u32(b, sa->doi);
	isakmp_put_u32(b, sa->situation);
	for (i = 0; i < sa->nprop; i++) {
		const struct isakmp_proposal *p = &sa->prop[i];
		size_t pstart = b->len;

		isakmp_put_u8(b, i + 1 < sa->nprop ? ISAKMP_NP_P : 0);
		isakmp_put_u8(b, 0);
		isakmp_put_u16(b, 0);
		isakmp_put_u8(b, p->num);
		isakmp_put_u8(b, p->proto);
		isakmp_put_u8(b, p->spi_len);
		isakmp_put_u8(b, p->ntrans);
		isakmp_put_bytes(b, p->spi, p->spi_len);
		for (j = 0; j < p->ntrans; j++) {
			const struct isakmp_transform *t = &sa->t[p->first + j];
			size_t tstart = b->len;

			isakmp_put_u8(b, j + 1 < p->ntrans ? ISAKMP_NP_T : 0);
			isakmp_put_u8(b, 0);
			isakmp_put_u16(b, 0);
			isakmp_put_u8(b, t->num);
			isakmp_put_u8(b, t->id);
			isakmp_put_u16(b, 0);
			isakmp_put_bytes(b, t->attrs.p, t->attrs.len);
			if (b->len - tstart > UINT16_MAX)
				b->err = true;
			isakmp_set_u16(b, tstart + 2, (uint16_t)(b->len - tstart));
		}
		if (b->len - pstart > UINT16_MAX)
			b->err = true;
		isakmp_set_u16(b, pstart + 2, (uint16_t)(b->len - pstart));
	}
	isakmp_pl_end(b, start);
}
