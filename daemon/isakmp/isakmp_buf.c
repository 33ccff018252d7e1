// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * Bounded reading and writing of ISAKMP fields (network byte order).
 */

#include <stdio.h>
#include <string.h>

#include "isakmp.h"

int isakmp_fail(struct isakmp_err *err, uint16_t notify, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		err->notify = notify;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return -1;
}

bool isakmp_rd_u8(struct isakmp_rd *r, uint8_t *v)
{
	if (isakmp_rd_left(r) < 1)
		return false;
	*v = r->p[r->off++];
	return true;
}

bool isakmp_rd_u16(struct isakmp_rd *r, uint16_t *v)
{
	if (isakmp_rd_left(r) < 2)
		return false;
	*v = (uint16_t)(r->p[r->off] << 8 | r->p[r->off + 1]);
	r->off += 2;
	return true;
}

bool isakmp_rd_u32(struct isakmp_rd *r, uint32_t *v)
{
	const uint8_t *p;

	if (isakmp_rd_left(r) < 4)
		return false;
	p = r->p + r->off;
	*v = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	     (uint32_t)p[2] << 8 | p[3];
	r->off += 4;
	return true;
}

bool isakmp_rd_ptr(struct isakmp_rd *r, size_t n, const uint8_t **v)
{
	if (isakmp_rd_left(r) < n)
		return false;
	*v = r->p + r->off;
	r->off += n;
	return true;
}

bool isakmp_rd_copy(struct isakmp_rd *r, void *dst, size_t n)
{
	if (isakmp_rd_left(r) < n)
		return false;
	memcpy(dst, r->p + r->off, n);
	r->off += n;
	return true;
}

void isakmp_buf_init(struct isakmp_buf *b, uint8_t *mem, size_t cap)
{
	b->p = mem;
	b->len = 0;
	b->cap = cap;
	b->np_off = SIZE_MAX;
	b->err = false;
}

static uint8_t *reserve(struct isakmp_buf *b, size_t n)
{
	uint8_t *p;

	if (b->err || b->cap - b->len < n) {
		b->err = true;
		return NULL;
	}
	p = b->p + b->len;
	b->len += n;
	return p;
}

void isakmp_put_u8(struct isakmp_buf *b, uint8_t v)
{
	uint8_t *p = reserve(b, 1);

	if (p)
		p[0] = v;
}

void isakmp_put_u16(struct isakmp_buf *b, uint16_t v)
{
	uint8_t *p = reserve(b, 2);

	if (p) {
		p[0] = v >> 8;
		p[1] = v & 0xff;
	}
}

void isakmp_put_u32(struct isakmp_buf *b, uint32_t v)
{
	uint8_t *p = reserve(b, 4);

	if (p) {
		p[0] = v >> 24;
		p[1] = (v >> 16) & 0xff;
		p[2] = (v >> 8) & 0xff;
		p[3] = v & 0xff;
	}
}

void isakmp_put_bytes(struct isakmp_buf *b, const void *v, size_t n)
{
	uint8_t *p = reserve(b, n);

	if (p && n)
		memcpy(p, v, n);
}

void isakmp_put_zero(struct isakmp_buf *b, size_t n)
{
	uint8_t *p = reserve(b, n);

	if (p && n)
		memset(p, 0, n);
}

void isakmp_set_u16(struct isakmp_buf *b, size_t off, uint16_t v)
{
	if (b->err || off + 2 > b->len) {
		b->err = true;
		return;
	}
	b->p[off] = v >> 8;
	b->p[off + 1] = v & 0xff;
}

void isakmp_set_u32(struct isakmp_buf *b, size_t off, uint32_t v)
{
	if (b->err || off + 4 > b->len) {
		b->err = true;
		return;
	}
	b->p[off] = v >> 24;
	b->p[off + 1] = (v >> 16) & 0xff;
	b->p[off + 2] = (v >> 8) & 0xff;
	b->p[off + 3] = v & 0xff;
}

size_t isakmp_pl_begin(struct isakmp_buf *b, uint8_t np)
{
	size_t start = b->len;

	if (!b->err && b->np_off < b->len)
		b->p[b->np_off] = np;
	b->np_off = start;
	isakmp_put_u8(b, ISAKMP_NP_NONE);
	isakmp_put_u8(b, 0);
	isakmp_put_u16(b, 0);
	return start;
}

void isakmp_pl_end(struct isakmp_buf *b, size_t start)
{
	size_t n = b->len - start;

	if (n > UINT16_MAX) {
		b->err = true;
		return;
	}
	isakmp_set_u16(b, start + 2, (uint16_t)n);
}
