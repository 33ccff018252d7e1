// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * Payloads with a flat layout: KE, HASH, SIG, NONCE, VID, POP (opaque
 * data), ID, CERT, CR, N and D (RFC 2408 3.7-3.16, RFC 2407 4.6).
 */

#include "isakmp.h"

int isakmp_data_decode(struct isakmp_data *d, const struct isakmp_pl *pl,
		       size_t min, size_t max, struct isakmp_err *err)
{
	if (pl->len < min || pl->len > max)
		return isakmp_fail(err, ISAKMP_N_PAYLOAD_MALFORMED,
				   "%s payload of %u bytes (expected %zu..%zu)",
				   isakmp_np_name(pl->type), pl->len, min, max);
	d->p = pl->body;
	d->len = pl->len;
	return 0;
}

void isakmp_data_encode(struct isakmp_buf *b, uint8_t np, const void *p,
			size_t len)
{
	size_t start = isakmp_pl_begin(b, np);

	isakmp_put_bytes(b, p, len);
	isakmp_pl_end(b, start);
}

int isakmp_id_len_ok(uint8_t type, size_t len)
{
	switch (type) {
	case ISAKMP_ID_IPV4_ADDR:
		return len == 4;
	case ISAKMP_ID_IPV4_ADDR_SUBNET:
	case ISAKMP_ID_IPV4_ADDR_RANGE:
		return len == 8;
	case ISAKMP_ID_IPV6_ADDR:
		return len == 16;
	case ISAKMP_ID_IPV6_ADDR_SUBNET:
	case ISAKMP_ID_IPV6_ADDR_RANGE:
		return len == 32;
	case ISAKMP_ID_FQDN:
	case ISAKMP_ID_USER_FQDN:
	case ISAKMP_ID_DER_ASN1_DN:
	case ISAKMP_ID_DER_ASN1_GN:
	case ISAKMP_ID_KEY_ID:
		return len >= 1;
	}
	return -1;
}

int isakmp_id_decode(struct isakmp_id *id, const struct isakmp_pl *pl,
		     struct isakmp_err *err)
{
	struct isakmp_rd r = { .p = pl->body, .len = pl->len };
	int ok;

	if (!isakmp_rd_u8(&r, &id->type) || !isakmp_rd_u8(&r, &id->proto) ||
	    !isakmp_rd_u16(&r, &id->port))
		return isakmp_fail(err, ISAKMP_N_INVALID_ID_INFORMATION,
				   "ID payload of %u bytes is too short", pl->len);
	id->len = isakmp_rd_left(&r);
	isakmp_rd_ptr(&r, id->len, &id->data);
	ok = isakmp_id_len_ok(id->type, id->len);
	if (ok < 0)
		return isakmp_fail(err, ISAKMP_N_INVALID_ID_INFORMATION,
				   "unknown ID type %u", id->type);
	if (!ok)
		return isakmp_fail(err, ISAKMP_N_INVALID_ID_INFORMATION,
				   "%s identity of %zu bytes",
				   isakmp_id_type_name(id->type), id->len);
	return 0;
}

void isakmp_id_encode(struct isakmp_buf *b, const struct isakmp_id *id)
{
	size_t start = isakmp_pl_begin(b, ISAKMP_NP_ID);

	isakmp_put_u8(b, id->type);
	isakmp_put_u8(b, id->proto);
	isakmp_put_u16(b, id->port);
	isakmp_put_bytes(b, id->data, id->len);
	isakmp_pl_end(b, start);
}

int isakmp_cert_decode(struct isakmp_cert *c, const struct isakmp_pl *pl,
		       struct isakmp_err *err)
{
	if (pl->len < 1 || (pl->type == ISAKMP_NP_CERT && pl->len < 2))
		return isakmp_fail(err, ISAKMP_N_INVALID_CERT_ENCODING,
				   "%s payload of %u bytes is too short",
				   isakmp_np_name(pl->type), pl->len);
	c->enc = pl->body[0];
	c->data = pl->body + 1;
	c->len = pl->len - 1u;
	return 0;
}

void isakmp_cert_encode(struct isakmp_buf *b, uint8_t np,
			const struct isakmp_cert *c)
{
	size_t start = isakmp_pl_begin(b, np);

	isakmp_put_u8(b, c->enc);
	isakmp_put_bytes(b, c->data, c->len);
	isakmp_pl_end(b, start);
}

int isakmp_notify_decode(struct isakmp_notify_pl *n,
			 const struct isakmp_pl *pl, struct isakmp_err *err)
{
	struct isakmp_rd r = { .p = pl->body, .len = pl->len };

	if (!isakmp_rd_u32(&r, &n->doi) || !isakmp_rd_u8(&r, &n->proto) ||
	    !isakmp_rd_u8(&r, &n->spi_len) || !isakmp_rd_u16(&r, &n->type))
		return isakmp_fail(err, ISAKMP_N_PAYLOAD_MALFORMED,
				   "N payload of %u bytes is too short", pl->len);
	if (!isakmp_rd_ptr(&r, n->spi_len, &n->spi))
		return isakmp_fail(err, ISAKMP_N_PAYLOAD_MALFORMED,
				   "N payload: SPI of %u bytes exceeds the payload",
				   n->spi_len);
	n->data_len = isakmp_rd_left(&r);
	isakmp_rd_ptr(&r, n->data_len, &n->data);
	return 0;
}

void isakmp_notify_encode(struct isakmp_buf *b,
			  const struct isakmp_notify_pl *n)
{
	size_t start = isakmp_pl_begin(b, ISAKMP_NP_N);

	isakmp_put_u32(b, n->doi);
	isakmp_put_u8(b, n->proto);
	isakmp_put_u8(b, n->spi_len);
	isakmp_put_u16(b, n->type);
	isakmp_put_bytes(b, n->spi, n->spi_len);
	isakmp_put_bytes(b, n->data, n->data_len);
	isakmp_pl_end(b, start);
}

int isakmp_delete_decode(struct isakmp_delete_pl *d,
			 const struct isakmp_pl *pl, struct isakmp_err *err)
{
	struct isakmp_rd r = { .p = pl->body, .len = pl->len };

	if (!isakmp_rd_u32(&r, &d->doi) || !isakmp_rd_u8(&r, &d->proto) ||
	    !isakmp_rd_u8(&r, &d->spi_len) || !isakmp_rd_u16(&r, &d->nspi))
		return isakmp_fail(err, ISAKMP_N_PAYLOAD_MALFORMED,
				   "D payload of %u bytes is too short", pl->len);
	if (d->spi_len == 0 || d->spi_len > ISAKMP_MAX_SPI || d->nspi == 0)
		return isakmp_fail(err, ISAKMP_N_INVALID_SPI,
				   "D payload with %u SPIs of %u bytes",
				   d->nspi, d->spi_len);
	if ((size_t)d->nspi * d->spi_len != isakmp_rd_left(&r))
		return isakmp_fail(err, ISAKMP_N_PAYLOAD_MALFORMED,
				   "D payload: %u SPIs of %u bytes in %zu bytes",
				   d->nspi, d->spi_len, isakmp_rd_left(&r));
	isakmp_rd_ptr(&r, isakmp_rd_left(&r), &d->spis);
	return 0;
}

void isakmp_delete_encode(struct isakmp_buf *b,
			  const struct isakmp_delete_pl *d)
{
	size_t start = isakmp_pl_begin(b, ISAKMP_NP_D);

	isakmp_put_u32(b, d->doi);
	isakmp_put_u8(b, d->proto);
	isakmp_put_u8(b, d->spi_len);
	isakmp_put_u16(b, d->nspi);
	isakmp_put_bytes(b, d->spis, (size_t)d->nspi * d->spi_len);
	isakmp_pl_end(b, start);
}
