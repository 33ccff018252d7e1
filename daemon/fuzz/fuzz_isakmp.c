// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * libFuzzer harness for the ISAKMP/GDOI decoder. The input is taken as a
 * message (header and payload chain) and, failing that, as a bare chain
 * whose first byte names the first payload. Every payload found goes
 * through every decoder that applies to its type, attribute lists are
 * walked, and what decodes is encoded again and must decode to the same
 * structure: a mismatch is a bug (trap), as is any sanitizer report.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ike/ike.h"
#include "isakmp/isakmp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t out[ISAKMP_MAX_MSG];
static struct isakmp_sa sa, sa2;
static struct gdoi_sa gsa, gsa2;
static struct gdoi_kd kd, kd2;

#define CHECK(x) do { if (!(x)) __builtin_trap(); } while (0)

static void walk(struct isakmp_attrs it)
{
	struct isakmp_attr a;
	uint64_t v;

	while (isakmp_attr_next(&it, &a) == 1)
		(void)isakmp_attr_uint(&a, &v);
}

static struct isakmp_pl reparse(struct isakmp_buf *b)
{
	struct isakmp_pl pl = {
		.type = b->p[0], .body = b->p + ISAKMP_GEN_LEN,
		.len = (uint16_t)(b->len - ISAKMP_GEN_LEN),
	};
	return pl;
}

static void sa_payload(const struct isakmp_pl *pl)
{
	struct isakmp_err err;
	struct isakmp_buf b;
	struct isakmp_pl p2;
	unsigned i;

	if (!isakmp_sa_decode(&sa, pl, &err)) {
		for (i = 0; i < sa.ntrans; i++) {
			struct ike_suite s;

			walk(sa.t[i].attrs);
			(void)ike_suite_decode(&s, &sa.t[i], &err);
		}
		isakmp_buf_init(&b, out, sizeof(out));
		isakmp_sa_encode(&b, &sa);
		CHECK(!b.err);
		p2 = reparse(&b);
		CHECK(!isakmp_sa_decode(&sa2, &p2, &err));
		CHECK(sa2.nprop == sa.nprop && sa2.ntrans == sa.ntrans);
		for (i = 0; i < sa.ntrans; i++)
			CHECK(sa2.t[i].attrs.len == sa.t[i].attrs.len &&
			      !memcmp(sa2.t[i].attrs.p, sa.t[i].attrs.p,
				      sa.t[i].attrs.len));
	}
	if (!gdoi_sa_decode(&gsa, pl, &err)) {
		if (gsa.has_kek)
			walk(gsa.kek.attrs);
		if (gsa.has_gap)
			walk(gsa.gap.attrs);
		for (i = 0; i < gsa.ntek; i++)
			walk(gsa.tek[i].attrs);
		isakmp_buf_init(&b, out, sizeof(out));
		gdoi_sa_encode(&b, &gsa);
		if (b.err)
			return;		/* re-encoding may exceed 64 KiB */
		p2 = reparse(&b);
		CHECK(!gdoi_sa_decode(&gsa2, &p2, &err));
		CHECK(gsa2.ntek == gsa.ntek && gsa2.has_kek == gsa.has_kek &&
		      gsa2.has_gap == gsa.has_gap);
		if (gsa.has_kek)
			CHECK(gsa2.kek.trailer_len == gsa.kek.trailer_len &&
			      gsa2.kek.attrs.len == gsa.kek.attrs.len);
		for (i = 0; i < gsa.ntek; i++)
			CHECK(gsa2.tek[i].spi == gsa.tek[i].spi &&
			      gsa2.tek[i].attrs.len == gsa.tek[i].attrs.len);
	}
}

static void payload(const struct isakmp_pl *pl)
{
	struct isakmp_err err;
	struct isakmp_data d;
	struct isakmp_id id;
	struct isakmp_cert cert;
	struct isakmp_notify_pl n;
	struct isakmp_delete_pl del;
	struct isakmp_buf b;
	struct isakmp_pl p2;
	char str[200];
	uint32_t seq;
	unsigned i;

	switch (pl->type) {
	case ISAKMP_NP_SA:
		sa_payload(pl);
		break;
	case ISAKMP_NP_KE:
	case ISAKMP_NP_HASH:
	case ISAKMP_NP_SIG:
	case ISAKMP_NP_NONCE:
	case ISAKMP_NP_VID:
	case ISAKMP_NP_POP:
	case ISAKMP_NP_NAT_D:
		(void)isakmp_data_decode(&d, pl, 1, 65535, &err);
		break;
	case ISAKMP_NP_ID:
		if (!isakmp_id_decode(&id, pl, &err)) {
			ike_id_str(id.type, id.data, id.len, str, sizeof(str));
			isakmp_buf_init(&b, out, sizeof(out));
			isakmp_id_encode(&b, &id);
			CHECK(!b.err && b.len == pl->len + 4u &&
			      !memcmp(out + 4, pl->body, pl->len));
		}
		break;
	case ISAKMP_NP_CERT:
	case ISAKMP_NP_CR:
		(void)isakmp_cert_decode(&cert, pl, &err);
		break;
	case ISAKMP_NP_N:
		if (!isakmp_notify_decode(&n, pl, &err)) {
			isakmp_buf_init(&b, out, sizeof(out));
			isakmp_notify_encode(&b, &n);
			CHECK(!b.err && b.len == pl->len + 4u &&
			      !memcmp(out + 4, pl->body, pl->len));
		}
		break;
	case ISAKMP_NP_D:
		if (!isakmp_delete_decode(&del, pl, &err)) {
			isakmp_buf_init(&b, out, sizeof(out));
			isakmp_delete_encode(&b, &del);
			CHECK(!b.err && b.len == pl->len + 4u &&
			      !memcmp(out + 4, pl->body, pl->len));
		}
		break;
	case ISAKMP_NP_SAK: {
		struct gdoi_sak k;

		if (!gdoi_sak_decode(&k, pl->body, pl->len, &err))
			walk(k.attrs);
		break;
	}
	case ISAKMP_NP_SAT: {
		struct gdoi_sat t;

		if (!gdoi_sat_decode(&t, pl->body, pl->len, &err))
			walk(t.attrs);
		break;
	}
	case ISAKMP_NP_GAP: {
		struct gdoi_gap g;

		if (!gdoi_gap_decode(&g, pl->body, pl->len, &err))
			walk(g.attrs);
		break;
	}
	case ISAKMP_NP_KD:
		if (!gdoi_kd_decode(&kd, pl, &err)) {
			for (i = 0; i < kd.n; i++)
				walk(kd.pkt[i].attrs);
			isakmp_buf_init(&b, out, sizeof(out));
			gdoi_kd_encode(&b, &kd);
			CHECK(!b.err);
			p2 = reparse(&b);
			CHECK(!gdoi_kd_decode(&kd2, &p2, &err) && kd2.n == kd.n);
		}
		break;
	case ISAKMP_NP_SEQ:
		(void)gdoi_seq_decode(&seq, pl, &err);
		break;
	}
	(void)isakmp_np_name(pl->type);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct isakmp_chain c;
	struct isakmp_hdr h;
	struct isakmp_err err;
	unsigned i;

	if (!isakmp_hdr_decode(&h, data, size, &err)) {
		(void)isakmp_exch_name(h.exch);
		if (!isakmp_chain_decode(&c, h.np, data + ISAKMP_HDR_LEN,
					 size - ISAKMP_HDR_LEN,
					 h.flags & ISAKMP_FLAG_E, &err))
			for (i = 0; i < c.n; i++)
				payload(&c.pl[i]);
	} else if (size > 1 &&
		   !isakmp_chain_decode(&c, data[0], data + 1, size - 1, true,
					&err)) {
		for (i = 0; i < c.n; i++)
			payload(&c.pl[i]);
	}
	return 0;
}
