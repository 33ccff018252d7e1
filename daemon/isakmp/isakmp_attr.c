// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * Data attributes (RFC 2408 3.3): type/value (AF=1, 16-bit value) and
 * type/length/value (AF=0).
 */

#include "isakmp.h"

static int attr_read(struct isakmp_rd *r, struct isakmp_attr *a)
{
	uint16_t type, v;

	if (!isakmp_rd_u16(r, &type) || !isakmp_rd_u16(r, &v))
		return -1;
	a->type = type & ~ISAKMP_ATTR_AF;
	a->basic = type & ISAKMP_ATTR_AF;
	if (a->basic) {
		a->u16 = v;
		a->len = 0;
		a->val = NULL;
		return 0;
	}
	a->u16 = 0;
	a->len = v;
	return isakmp_rd_ptr(r, v, &a->val) ? 0 : -1;
}

int isakmp_attrs_check(const uint8_t *p, size_t len, unsigned *count,
		       struct isakmp_err *err)
{
	struct isakmp_rd r = { .p = p, .len = len };
	struct isakmp_attr a;
	unsigned n = 0;

	while (isakmp_rd_left(&r)) {
		size_t at = r.off;

		if (attr_read(&r, &a))
			return isakmp_fail(err, ISAKMP_N_BAD_PROPOSAL_SYNTAX,
					   "attribute at offset %zu overruns its list of %zu bytes",
					   at, len);
		n++;
	}
	if (count)
		*count = n;
	return 0;
}

int isakmp_attr_next(struct isakmp_attrs *it, struct isakmp_attr *a)
{
	struct isakmp_rd r = { .p = it->p, .len = it->len };

	if (!it->len)
		return 0;
	if (attr_read(&r, a)) {
		/* unchecked list: stop rather than read past it */
		it->len = 0;
		return 0;
	}
	it->p += r.off;
	it->len -= r.off;
	return 1;
}

int isakmp_attr_uint(const struct isakmp_attr *a, uint64_t *v)
{
	uint64_t x = 0;
	uint16_t i;

	if (a->basic) {
		*v = a->u16;
		return 0;
	}
	if (a->len < 1 || a->len > 8)
		return -1;
	for (i = 0; i < a->len; i++)
		x = x << 8 | a->val[i];
	*v = x;
	return 0;
}

void isakmp_put_attr_basic(struct isakmp_buf *b, uint16_t type, uint16_t v)
{
	isakmp_put_u16(b, type | ISAKMP_ATTR_AF);
	isakmp_put_u16(b, v);
}

void isakmp_put_attr_var(struct isakmp_buf *b, uint16_t type,
			 const void *v, uint16_t len)
{
	isakmp_put_u16(b, type & ~ISAKMP_ATTR_AF);
	isakmp_put_u16(b, len);
	isakmp_put_bytes(b, v, len);
}

void isakmp_put_attr_uint(struct isakmp_buf *b, uint16_t type, uint64_t v)
{
	uint8_t be[8];
	int i, n = v > UINT32_MAX ? 8 : 4;

	if (v <= UINT16_MAX) {
		isakmp_put_attr_basic(b, type, (uint16_t)v);
		return;
	}
	for (i = n - 1; i >= 0; i--, v >>= 8)
		be[i] = v & 0xff;
	isakmp_put_attr_var(b, type, be, (uint16_t)n);
}

void isakmp_put_attr(struct isakmp_buf *b, const struct isakmp_attr *a)
{
	if (a->basic)
		isakmp_put_attr_basic(b, a->type, a->u16);
	else
		isakmp_put_attr_var(b, a->type, a->val, a->len);
}
