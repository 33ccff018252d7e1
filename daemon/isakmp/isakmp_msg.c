// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * The ISAKMP header and the generic payload chain (RFC 2408 3.1, 3.2).
 */

#include <string.h>

#include "isakmp.h"

int isakmp_hdr_decode(struct isakmp_hdr *h, const uint8_t *buf, size_t dlen,
		      struct isakmp_err *err)
{
	struct isakmp_rd r = { .p = buf, .len = dlen };

	if (dlen < ISAKMP_HDR_LEN)
		return isakmp_fail(err, ISAKMP_N_PAYLOAD_MALFORMED,
				   "datagram of %zu bytes is shorter than an ISAKMP header",
				   dlen);
	isakmp_rd_copy(&r, h->icookie, ISAKMP_COOKIE_LEN);
	isakmp_rd_copy(&r, h->rcookie, ISAKMP_COOKIE_LEN);
	isakmp_rd_u8(&r, &h->np);
	isakmp_rd_u8(&r, &h->version);
	isakmp_rd_u8(&r, &h->exch);
	isakmp_rd_u8(&r, &h->flags);
	isakmp_rd_u32(&r, &h->msgid);
	isakmp_rd_u32(&r, &h->len);

	if ((h->version >> 4) != 1)
		return isakmp_fail(err, ISAKMP_N_INVALID_MAJOR_VERSION,
				   "unsupported ISAKMP version %u.%u",
				   h->version >> 4, h->version & 0xf);
	/* RFC 2408 3.1: minor 0 is this version (1 was the drafts'), and a
	 * packet with a minor version above our own is not accepted */
	if ((h->version & 0xf) != (ISAKMP_VERSION & 0xf))
		return isakmp_fail(err, ISAKMP_N_INVALID_MINOR_VERSION,
				   "unsupported ISAKMP version %u.%u",
				   h->version >> 4, h->version & 0xf);
	if (h->flags & ~(ISAKMP_FLAG_E | ISAKMP_FLAG_C | ISAKMP_FLAG_A))
		return isakmp_fail(err, ISAKMP_N_INVALID_FLAGS,
				   "invalid header flags 0x%02x", h->flags);
	if (h->len < ISAKMP_HDR_LEN)
		return isakmp_fail(err, ISAKMP_N_PAYLOAD_MALFORMED,
				   "header length %u is shorter than the header",
				   h->len);
	if (h->len > dlen)
		return isakmp_fail(err, ISAKMP_N_UNEQUAL_PAYLOAD_LENGTHS,
				   "truncated: header length %u, datagram %zu bytes",
				   h->len, dlen);
	if (h->len < dlen)
		return isakmp_fail(err, ISAKMP_N_UNEQUAL_PAYLOAD_LENGTHS,
				   "header length %u, datagram %zu bytes",
				   h->len, dlen);
	if (h->flags & ISAKMP_FLAG_E) {
		if (h->len == ISAKMP_HDR_LEN)
			return isakmp_fail(err, ISAKMP_N_PAYLOAD_MALFORMED,
					   "encrypted message without payload");
	} else if (h->np == ISAKMP_NP_NONE && h->len != ISAKMP_HDR_LEN) {
		return isakmp_fail(err, ISAKMP_N_PAYLOAD_MALFORMED,
				   "%u bytes after a header without payloads",
				   h->len - ISAKMP_HDR_LEN);
	}
	return 0;
}

void isakmp_hdr_encode(struct isakmp_buf *b, const struct isakmp_hdr *h)
{
	isakmp_put_bytes(b, h->icookie, ISAKMP_COOKIE_LEN);
	isakmp_put_bytes(b, h->rcookie, ISAKMP_COOKIE_LEN);
	b->np_off = b->len;
	isakmp_put_u8(b, ISAKMP_NP_NONE);
	isakmp_put_u8(b, h->version ? h->version : ISAKMP_VERSION);
	isakmp_put_u8(b, h->exch);
	isakmp_put_u8(b, h->flags);
	isakmp_put_u32(b, h->msgid);
	isakmp_put_u32(b, 0);
}

void isakmp_msg_end(struct isakmp_buf *b)
{
	isakmp_set_u32(b, 24, (uint32_t)b->len);
}

bool isakmp_np_known(uint8_t type)
{
	switch (type) {
	case ISAKMP_NP_SA:
	case ISAKMP_NP_P:
	case ISAKMP_NP_T:
	case ISAKMP_NP_KE:
	case ISAKMP_NP_ID:
	case ISAKMP_NP_CERT:
	case ISAKMP_NP_CR:
	case ISAKMP_NP_HASH:
	case ISAKMP_NP_SIG:
	case ISAKMP_NP_NONCE:
	case ISAKMP_NP_N:
	case ISAKMP_NP_D:
	case ISAKMP_NP_VID:
	case ISAKMP_NP_SAK:
	case ISAKMP_NP_SAT:
	case ISAKMP_NP_KD:
	case ISAKMP_NP_SEQ:
	case ISAKMP_NP_POP:
	case ISAKMP_NP_NAT_D:
	case ISAKMP_NP_NAT_OA:
	case ISAKMP_NP_GAP:
		return true;
	}
	return false;
}

/*
 * Trailing bytes of a plaintext message: RFC 2408 3.1 does not forbid
 * them, and libreswan pads every IKEv1 message to a multiple of 4 bytes
 * by default (ikepad), counting the zeros in the header Length. Zeros up
 * to a cipher block are padding; anything else is a malformed message.
 */
static bool plain_padding(const uint8_t *p, size_t n)
{
	size_t i;

	if (n > ISAKMP_PLAIN_PAD_MAX)
		return false;
	for (i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

int isakmp_chain_decode(struct isakmp_chain *c, uint8_t np,
			const uint8_t *buf, size_t len, bool allow_padding,
			struct isakmp_err *err)
{
	struct isakmp_rd r = { .p = buf, .len = len };

	c->n = 0;
	c->skipped = 0;
	c->end = 0;
	while (np != ISAKMP_NP_NONE) {
		uint8_t next, reserved;
		uint16_t plen;
		const uint8_t *raw = buf + r.off;
		const uint8_t *body;
		struct isakmp_pl *pl;

		if (!isakmp_rd_u8(&r, &next) || !isakmp_rd_u8(&r, &reserved) ||
		    !isakmp_rd_u16(&r, &plen))
			return isakmp_fail(err, ISAKMP_N_PAYLOAD_MALFORMED,
					   "%s payload header truncated at offset %zu",
					   isakmp_np_name(np), (size_t)(raw - buf));
		if (plen < ISAKMP_GEN_LEN)
			return isakmp_fail(err, ISAKMP_N_PAYLOAD_MALFORMED,
					   "%s payload length %u is shorter than its header",
					   isakmp_np_name(np), plen);
		if (!isakmp_rd_ptr(&r, plen - ISAKMP_GEN_LEN, &body))
			return isakmp_fail(err, ISAKMP_N_PAYLOAD_MALFORMED,
					   "%s payload length %u exceeds the %zu bytes left",
					   isakmp_np_name(np), plen,
					   len - (size_t)(raw - buf));
		if (np == ISAKMP_NP_P || np == ISAKMP_NP_T)
			return isakmp_fail(err, ISAKMP_N_INVALID_PAYLOAD_TYPE,
					   "%s payload outside an SA payload",
					   isakmp_np_name(np));
		if (!isakmp_np_known(np)) {
			if (reserved & ISAKMP_CRITICAL)
				return isakmp_fail(err, ISAKMP_N_INVALID_PAYLOAD_TYPE,
						   "unsupported critical payload type %u",
						   np);
			c->skipped++;
			c->end = r.off;
			np = next;
			continue;
		}
		if (c->n == ISAKMP_MAX_PAYLOADS)
			return isakmp_fail(err, ISAKMP_N_PAYLOAD_MALFORMED,
					   "more than %d payloads", ISAKMP_MAX_PAYLOADS);
		pl = &c->pl[c->n++];
		pl->type = np;
		pl->reserved = reserved;
		pl->raw = raw;
		pl->body = body;
		pl->len = plen - ISAKMP_GEN_LEN;
		c->end = r.off;
		np = next;
	}
	if (!allow_padding && isakmp_rd_left(&r) &&
	    !plain_padding(buf + r.off, isakmp_rd_left(&r)))
		return isakmp_fail(err, ISAKMP_N_UNEQUAL_PAYLOAD_LENGTHS,
				   "%zu bytes after the last payload",
				   isakmp_rd_left(&r));
	return 0;
}

const struct isakmp_pl *isakmp_chain_find(const struct isakmp_chain *c,
					  uint8_t type, unsigned nth)
{
	unsigned i;

	for (i = 0; i < c->n; i++)
		if (c->pl[i].type == type && nth-- == 0)
			return &c->pl[i];
	return NULL;
}

unsigned isakmp_chain_count(const struct isakmp_chain *c, uint8_t type)
{
	unsigned i, n = 0;

	for (i = 0; i < c->n; i++)
		n += c->pl[i].type == type;
	return n;
}
