// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * Unit tests of the GDOI payloads (RFC 6407 5): the GDOI SA with SA KEK,
 * SA TEK and GAP, KD with TEK, KEK and SID key packets, SEQ, and the ID
 * of a group (ID_KEY_ID); every attribute of RFC 6407 round-trips, RFC
 * 3547 layouts are accepted, malformed payloads are refused. With
 * GVPN_CORPUS_DIR set, the messages are also written there as seeds.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "isakmp/isakmp.h"
#include "corpus_seed.h"

/* IPsec DOI SA attributes (RFC 2407 4.5) used in SA TEKs */
#define SA_LIFE_TYPE		1
#define SA_LIFE_DURATION	2
#define ENCAPSULATION_MODE	4
#define AUTH_ALGORITHM		5
#define KEY_LENGTH		6
#define ADDRESS_PRESERVATION	14
#define SA_DIRECTION		15

static uint8_t mem[8192];

static const uint8_t src4[8] = { 10, 1, 0, 0, 255, 255, 0, 0 };
static const uint8_t dst4[8] = { 10, 2, 0, 0, 255, 255, 0, 0 };
static const uint8_t ks_addr[4] = { 192, 0, 2, 1 };
static const uint8_t mcast[4] = { 239, 0, 1, 2 };

static uint8_t kek_attrs[64], tek_attrs[64], gap_attrs[32];
static size_t kek_len, tek_len, gap_len;

static void build_attrs(void)
{
	struct isakmp_buf b;

	isakmp_buf_init(&b, kek_attrs, sizeof(kek_attrs));
	isakmp_put_attr_basic(&b, GDOI_KEK_ALGORITHM, 3);		/* AES */
	isakmp_put_attr_basic(&b, GDOI_KEK_KEY_LENGTH, 256);
	isakmp_put_attr_uint(&b, GDOI_KEK_KEY_LIFETIME, 86400);
	isakmp_put_attr_basic(&b, GDOI_KEK_SIG_HASH_ALGORITHM, 3);	/* SHA-256 */
	isakmp_put_attr_basic(&b, GDOI_KEK_SIG_ALGORITHM, 1);	/* RSA */
	isakmp_put_attr_basic(&b, GDOI_KEK_SIG_KEY_LENGTH, 2048);
	isakmp_put_attr_basic(&b, GDOI_KEK_MANAGEMENT_ALGORITHM, 0);
	isakmp_put_attr_basic(&b, GDOI_KEK_INTEGRITY_ALGORITHM, 1);
	kek_len = b.len;

	isakmp_buf_init(&b, tek_attrs, sizeof(tek_attrs));
	isakmp_put_attr_basic(&b, SA_LIFE_TYPE, 1);
	isakmp_put_attr_uint(&b, SA_LIFE_DURATION, 3600);
	isakmp_put_attr_basic(&b, ENCAPSULATION_MODE, 1);
	isakmp_put_attr_basic(&b, AUTH_ALGORITHM, 2);
	isakmp_put_attr_basic(&b, KEY_LENGTH, 256);
	isakmp_put_attr_basic(&b, ADDRESS_PRESERVATION, 1);
	isakmp_put_attr_basic(&b, SA_DIRECTION, 3);
	tek_len = b.len;

	isakmp_buf_init(&b, gap_attrs, sizeof(gap_attrs));
	isakmp_put_attr_basic(&b, GDOI_GAP_ACTIVATION_TIME_DELAY, 15);
	isakmp_put_attr_basic(&b, GDOI_GAP_DEACTIVATION_TIME_DELAY, 30);
	isakmp_put_attr_basic(&b, GDOI_GAP_SENDER_ID_REQUEST, 2);
	gap_len = b.len;
}

static void fill_sa(struct gdoi_sa *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->doi = ISAKMP_DOI_GDOI;
	sa->has_kek = true;
	sa->kek.proto = 17;
	sa->kek.src = (struct gdoi_sel){ ISAKMP_ID_IPV4_ADDR, 848, 4, ks_addr };
	sa->kek.dst = (struct gdoi_sel){ ISAKMP_ID_IPV4_ADDR, 848, 4, mcast };
	memset(sa->kek.spi, 0x77, GDOI_KEK_SPI_LEN);
	sa->kek.trailer_len = 4;
	sa->kek.attrs = (struct isakmp_attrs){ kek_attrs, kek_len };
	sa->ntek = 2;
	sa->tek[0] = (struct gdoi_sat){
		.proto_id = GDOI_PROTO_IPSEC_ESP, .ip_proto = 0,
		.src = { ISAKMP_ID_IPV4_ADDR_SUBNET, 0, 8, src4 },
		.dst = { ISAKMP_ID_IPV4_ADDR_SUBNET, 0, 8, dst4 },
		.transform = 12, .spi = 0x12345678,
		.attrs = { tek_attrs, tek_len },
	};
	sa->tek[1] = sa->tek[0];
	sa->tek[1].ip_proto = 17;
	sa->tek[1].src.port = 53;
	sa->tek[1].spi = 0x9abcdef0;
	sa->has_gap = true;
	sa->gap.attrs = (struct isakmp_attrs){ gap_attrs, gap_len };
}

static void begin(struct isakmp_buf *b)
{
	struct isakmp_hdr h = { .exch = GDOI_EXCH_PULL, .msgid = 0x01020304 };

	memset(h.icookie, 0x11, 8);
	memset(h.rcookie, 0x22, 8);
	isakmp_buf_init(b, mem, sizeof(mem));
	isakmp_hdr_encode(b, &h);
}

static void decode(struct isakmp_buf *b, struct isakmp_chain *c)
{
	struct isakmp_hdr h;
	struct isakmp_err err;

	isakmp_msg_end(b);
	assert_false(b->err);
	assert_int_equal(isakmp_hdr_decode(&h, b->p, b->len, &err), 0);
	assert_int_equal(isakmp_chain_decode(c, h.np, b->p + ISAKMP_HDR_LEN,
					     b->len - ISAKMP_HDR_LEN, false,
					     &err), 0);
}

static void attrs_equal(struct isakmp_attrs a, const uint8_t *p, size_t len)
{
	assert_int_equal(a.len, len);
	assert_memory_equal(a.p, p, len);
}

static void sel_equal(const struct gdoi_sel *a, const struct gdoi_sel *b)
{
	assert_int_equal(a->type, b->type);
	assert_int_equal(a->port, b->port);
	assert_int_equal(a->len, b->len);
	assert_memory_equal(a->data, b->data, a->len);
}

static void check_sa(const struct gdoi_sa *d, const struct gdoi_sa *want)
{
	unsigned i;

	assert_int_equal(d->doi, ISAKMP_DOI_GDOI);
	assert_int_equal(d->situation, 0);
	assert_true(d->has_kek);
	assert_int_equal(d->kek.proto, want->kek.proto);
	sel_equal(&d->kek.src, &want->kek.src);
	sel_equal(&d->kek.dst, &want->kek.dst);
	assert_memory_equal(d->kek.spi, want->kek.spi, GDOI_KEK_SPI_LEN);
	attrs_equal(d->kek.attrs, kek_attrs, kek_len);
	assert_int_equal(d->ntek, want->ntek);
	for (i = 0; i < d->ntek; i++) {
		assert_int_equal(d->tek[i].proto_id, GDOI_PROTO_IPSEC_ESP);
		assert_int_equal(d->tek[i].ip_proto, want->tek[i].ip_proto);
		sel_equal(&d->tek[i].src, &want->tek[i].src);
		sel_equal(&d->tek[i].dst, &want->tek[i].dst);
		assert_int_equal(d->tek[i].transform, 12);
		assert_int_equal(d->tek[i].spi, want->tek[i].spi);
		attrs_equal(d->tek[i].attrs, tek_attrs, tek_len);
	}
	assert_true(d->has_gap);
	attrs_equal(d->gap.attrs, gap_attrs, gap_len);
}

static void test_pull_sa(void **state)
{
	static struct gdoi_sa sa, d;
	uint8_t hash[32] = { 0 }, nonce[16] = { 1 };
	struct isakmp_chain c;
	struct isakmp_err err;
	struct isakmp_buf b;
	struct isakmp_attrs it;
	struct isakmp_attr a;
	unsigned n = 0;

	(void)state;
	build_attrs();
	fill_sa(&sa);
	/* GROUPKEY-PULL message 2: HASH(2), Nr, SA */
	begin(&b);
	isakmp_data_encode(&b, ISAKMP_NP_HASH, hash, sizeof(hash));
	isakmp_data_encode(&b, ISAKMP_NP_NONCE, nonce, sizeof(nonce));
	gdoi_sa_encode(&b, &sa);
	decode(&b, &c);
	corpus_seed("gdoi-pull-2", b.p, b.len);
	assert_int_equal(c.n, 3);
	assert_int_equal(c.pl[2].type, ISAKMP_NP_SA);
	assert_int_equal(gdoi_sa_decode(&d, &c.pl[2], &err), 0);
	assert_false(d.rfc3547_hdr);
	assert_int_equal(d.kek.trailer_len, 4);
	check_sa(&d, &sa);
	/* the 2-byte SA Attribute Next Payload of RFC 6407 */
	assert_int_equal(c.pl[2].body[8], 0);
	assert_int_equal(c.pl[2].body[9], ISAKMP_NP_SAK);

	/* every KEK attribute comes back with its type and value */
	it = d.kek.attrs;
	while (isakmp_attr_next(&it, &a) == 1) {
		uint64_t v;

		assert_int_equal(isakmp_attr_uint(&a, &v), 0);
		switch (a.type) {
		case GDOI_KEK_ALGORITHM:
			assert_int_equal(v, 3);
			break;
		case GDOI_KEK_KEY_LENGTH:
			assert_int_equal(v, 256);
			break;
		case GDOI_KEK_KEY_LIFETIME:
			assert_false(a.basic);
			assert_int_equal(v, 86400);
			break;
		case GDOI_KEK_SIG_KEY_LENGTH:
			assert_int_equal(v, 2048);
			break;
		}
		n++;
	}
	assert_int_equal(n, 8);

	/* a KEK-only and a TEK-only SA */
	sa.ntek = 0;
	sa.has_gap = false;
	begin(&b);
	gdoi_sa_encode(&b, &sa);
	decode(&b, &c);
	assert_int_equal(gdoi_sa_decode(&d, &c.pl[0], &err), 0);
	assert_true(d.has_kek);
	assert_int_equal(d.ntek, 0);
	assert_false(d.has_gap);
	fill_sa(&sa);
	sa.has_kek = false;
	begin(&b);
	gdoi_sa_encode(&b, &sa);
	decode(&b, &c);
	assert_int_equal(gdoi_sa_decode(&d, &c.pl[0], &err), 0);
	assert_false(d.has_kek);
	assert_int_equal(d.ntek, 2);
	assert_int_equal(c.pl[0].body[9], ISAKMP_NP_SAT);
}

/* RFC 3547 peers: 1-byte SA Attribute Next Payload, and 6 bytes between
 * the SA KEK SPI and its attributes in some implementations */
static void test_rfc3547(void **state)
{
	static struct gdoi_sa sa, d, d2;
	struct isakmp_chain c;
	struct isakmp_err err;
	struct isakmp_buf b;

	(void)state;
	build_attrs();
	fill_sa(&sa);
	sa.rfc3547_hdr = true;
	sa.kek.trailer_len = 6;
	memcpy(sa.kek.trailer, "\0\1\0\x80\0\0", 6);
	begin(&b);
	gdoi_sa_encode(&b, &sa);
	decode(&b, &c);
	corpus_seed("gdoi-rfc3547-sa", b.p, b.len);
	assert_int_equal(c.pl[0].body[8], ISAKMP_NP_SAK);
	assert_int_equal(gdoi_sa_decode(&d, &c.pl[0], &err), 0);
	assert_true(d.rfc3547_hdr);
	assert_int_equal(d.kek.trailer_len, 6);
	assert_memory_equal(d.kek.trailer, sa.kek.trailer, 6);
	check_sa(&d, &sa);
	/* and it re-encodes to the same bytes */
	{
		static uint8_t again[2048];
		struct isakmp_buf b2;

		isakmp_buf_init(&b2, again, sizeof(again));
		gdoi_sa_encode(&b2, &d);
		assert_int_equal(b2.len, c.pl[0].len + ISAKMP_GEN_LEN);
		assert_memory_equal(again + 4, c.pl[0].body, c.pl[0].len);
	}

	/* a 4-byte trailer whose first attribute is a TLV (no AF bit) */
	{
		static uint8_t tlv_first[16];
		struct isakmp_buf ab;

		isakmp_buf_init(&ab, tlv_first, sizeof(tlv_first));
		isakmp_put_attr_uint(&ab, GDOI_KEK_KEY_LIFETIME, 100000);
		isakmp_put_attr_basic(&ab, GDOI_KEK_ALGORITHM, 3);
		fill_sa(&sa);
		sa.kek.attrs = (struct isakmp_attrs){ tlv_first, ab.len };
		begin(&b);
		gdoi_sa_encode(&b, &sa);
		decode(&b, &c);
		assert_int_equal(gdoi_sa_decode(&d2, &c.pl[0], &err), 0);
		assert_int_equal(d2.kek.trailer_len, 4);
		assert_int_equal(d2.kek.attrs.len, ab.len);
	}
}

/*
 * A GROUPKEY-PULL message 2 SA of an RFC 3547 key server, byte by byte
 * (RFC 3547 5.1, 5.4.1): 1-byte SA Attribute Next Payload, an SA TEK
 * for ESP with 1-byte SRC/DST ID Data Len, a single destination address
 * as ID_IPV4_ADDR, and ADDRESS_PRESERVATION and SA_DIRECTION sent as 0
 * (reserved: "not configured").
 */
static const uint8_t rfc3547_sa[] = {
	0, 0, 0, 47,			/* generic header: SA, 47 bytes */
	0, 0, 0, 2,			/* DOI: GDOI */
	0, 0, 0, 0,			/* Situation */
	ISAKMP_NP_SAT, 0, 0, 0,		/* SA Attribute NP (1 byte) */
	0, 0, 0, 31,			/* SA TEK, 31 bytes */
	GDOI_PROTO_IPSEC_ESP,
	17,				/* Protocol: UDP */
	ISAKMP_ID_IPV4_ADDR_SUBNET, 0, 0, 8,	/* SRC: type, port 0, len 8 */
	10, 1, 0, 0, 255, 255, 0, 0,
	ISAKMP_ID_IPV4_ADDR, 0x03, 0x50, 4,	/* DST: type, port 848, len 4 */
	10, 2, 0, 5,
	12,				/* ESP_AES */
	0x12, 0x34, 0x56, 0x78,		/* SPI */
	/* no attributes: the TEK ends here, and so does the SA */
};

static void test_rfc3547_tek(void **state)
{
	static struct gdoi_sa sa, d, d2;
	static uint8_t body[128], again[256];
	static const uint8_t attrs[] = {
		0x80, 0x01, 0x00, 0x01,	/* SA_LIFE_TYPE seconds */
		0x80, 0x02, 0x0e, 0x10,	/* SA_LIFE_DURATION 3600 */
		0x80, 0x04, 0x00, 0x01,	/* ENCAPSULATION_MODE tunnel */
		0x80, 0x05, 0x00, 0x02,	/* AUTH_ALGORITHM HMAC-SHA */
		0x80, 0x06, 0x00, 0x80,	/* KEY_LENGTH 128 */
		0x80, 0x0e, 0x00, 0x00,	/* ADDRESS_PRESERVATION 0 */
		0x80, 0x0f, 0x00, 0x00,	/* SA_DIRECTION 0 */
	};
	struct isakmp_chain c;
	struct isakmp_err err;
	struct isakmp_buf b;
	struct isakmp_pl pl;
	size_t len;

	(void)state;
	memcpy(body, rfc3547_sa, sizeof(rfc3547_sa));
	memcpy(body + sizeof(rfc3547_sa), attrs, sizeof(attrs));
	len = sizeof(rfc3547_sa) + sizeof(attrs);
	body[3] = (uint8_t)len;
	body[19] = (uint8_t)(len - 16);
	pl = (struct isakmp_pl){ .type = ISAKMP_NP_SA, .body = body + 4,
		.len = (uint16_t)(len - 4) };
	assert_int_equal(gdoi_sa_decode(&d, &pl, &err), 0);
	assert_true(d.rfc3547_hdr);
	assert_int_equal(d.ntek, 1);
	assert_true(d.tek[0].id_len8);
	assert_int_equal(d.tek[0].ip_proto, 17);
	assert_int_equal(d.tek[0].src.type, ISAKMP_ID_IPV4_ADDR_SUBNET);
	assert_int_equal(d.tek[0].src.len, 8);
	assert_memory_equal(d.tek[0].src.data, body + 26, 8);
	assert_int_equal(d.tek[0].dst.type, ISAKMP_ID_IPV4_ADDR);
	assert_int_equal(d.tek[0].dst.port, 848);
	assert_int_equal(d.tek[0].dst.len, 4);
	assert_memory_equal(d.tek[0].dst.data, body + 38, 4);
	assert_int_equal(d.tek[0].transform, 12);
	assert_int_equal(d.tek[0].spi, 0x12345678);
	attrs_equal(d.tek[0].attrs, attrs, sizeof(attrs));

	/* it re-encodes to the same bytes */
	isakmp_buf_init(&b, again, sizeof(again));
	gdoi_sa_encode(&b, &d);
	assert_false(b.err);
	assert_int_equal(b.len, len);
	assert_memory_equal(again + 4, body + 4, len - 4);

	/* in a message: a fuzz seed, and the chain decodes */
	begin(&b);
	isakmp_put_bytes(&b, body, len);
	mem[16] = ISAKMP_NP_SA;		/* the header's Next Payload */
	decode(&b, &c);
	corpus_seed("gdoi-rfc3547-sat", b.p, b.len);
	assert_int_equal(gdoi_sa_decode(&d2, &c.pl[0], &err), 0);
	assert_true(d2.tek[0].id_len8);

	/* a length that parses in neither layout: the RFC 6407 error */
	body[25] = 9;
	assert_int_equal(gdoi_sa_decode(&d, &pl, &err), -1);
	assert_non_null(strstr(err.msg, "SA TEK source"));
	body[25] = 8;

	/* the RFC 6407 layout still decodes as such, and a TEK encoded in
	 * the RFC 3547 layout is 2 bytes shorter and decodes as that */
	build_attrs();
	fill_sa(&sa);
	begin(&b);
	gdoi_sa_encode(&b, &sa);
	len = b.len;
	fill_sa(&sa);
	sa.tek[1].id_len8 = true;
	begin(&b);
	gdoi_sa_encode(&b, &sa);
	assert_int_equal(b.len, len - 2);
	decode(&b, &c);
	assert_int_equal(gdoi_sa_decode(&d, &c.pl[0], &err), 0);
	assert_false(d.tek[0].id_len8);
	assert_true(d.tek[1].id_len8);
	check_sa(&d, &sa);
}

static void test_sa_malformed(void **state)
{
	static struct gdoi_sa sa, d;
	static uint8_t body[2048];
	struct isakmp_chain c;
	struct isakmp_err err;
	struct isakmp_buf b;
	struct isakmp_pl pl;
	size_t len, sak_len, i;

	(void)state;
	build_attrs();
	fill_sa(&sa);
	begin(&b);
	gdoi_sa_encode(&b, &sa);
	decode(&b, &c);
	len = c.pl[0].len;
	memcpy(body, c.pl[0].body, len);
	pl = (struct isakmp_pl){ .type = ISAKMP_NP_SA, .body = body,
		.len = (uint16_t)len };
	assert_int_equal(gdoi_sa_decode(&d, &pl, &err), 0);

	/* the SA KEK payload starts at 12: its length off by one */
	sak_len = (size_t)(body[14] << 8 | body[15]);
	body[15]++;
	assert_int_equal(gdoi_sa_decode(&d, &pl, &err), -1);
	body[15] -= 2;
	assert_int_equal(gdoi_sa_decode(&d, &pl, &err), -1);
	body[15]++;
	/* its source identification length runs past the payload */
	body[12 + 4 + 4] = 200;
	assert_int_equal(gdoi_sa_decode(&d, &pl, &err), -1);
	body[12 + 4 + 4] = 4;
	/* the first SA TEK: length off by one, selector length too big */
	i = 12 + sak_len;
	assert_int_equal(body[i + 3] + (body[i + 2] << 8) > 0, 1);
	body[i + 3]++;
	assert_int_equal(gdoi_sa_decode(&d, &pl, &err), -1);
	body[i + 3]--;
	body[i + 4 + 2 + 3 + 1] = 9;	/* SRC ID Data Len (low byte) */
	assert_int_equal(gdoi_sa_decode(&d, &pl, &err), -1);
	body[i + 4 + 2 + 3 + 1] = 8;
	assert_int_equal(gdoi_sa_decode(&d, &pl, &err), 0);
	/* a KE payload inside the SA */
	body[12] = ISAKMP_NP_KE;
	assert_int_equal(gdoi_sa_decode(&d, &pl, &err), -1);
	body[12] = ISAKMP_NP_SAT;
	/* two SA KEKs */
	body[12] = ISAKMP_NP_SAK;
	assert_int_equal(gdoi_sa_decode(&d, &pl, &err), -1);
	body[12] = ISAKMP_NP_SAT;
	/* no attribute payload at all */
	body[9] = 0;
	assert_int_equal(gdoi_sa_decode(&d, &pl, &err), -1);
	body[9] = ISAKMP_NP_SAK;
	/* a trailing byte, a truncated header */
	pl.len = (uint16_t)(len + 1);
	assert_int_equal(gdoi_sa_decode(&d, &pl, &err), -1);
	pl.len = 11;
	assert_int_equal(gdoi_sa_decode(&d, &pl, &err), -1);
	pl.len = (uint16_t)len;
	assert_int_equal(gdoi_sa_decode(&d, &pl, &err), 0);
}

static void test_sat_other_protocol(void **state)
{
	static struct gdoi_sa sa, d;
	static const uint8_t opaque[6] = { 1, 2, 3, 4, 5, 6 };
	struct isakmp_chain c;
	struct isakmp_err err;
	struct isakmp_buf b;

	(void)state;
	memset(&sa, 0, sizeof(sa));
	sa.doi = ISAKMP_DOI_GDOI;
	sa.ntek = 1;
	sa.tek[0] = (struct gdoi_sat){ .proto_id = 200, .opaque = opaque,
		.opaque_len = sizeof(opaque) };
	begin(&b);
	gdoi_sa_encode(&b, &sa);
	decode(&b, &c);
	assert_int_equal(gdoi_sa_decode(&d, &c.pl[0], &err), 0);
	assert_int_equal(d.tek[0].proto_id, 200);
	assert_int_equal(d.tek[0].opaque_len, sizeof(opaque));
	assert_memory_equal(d.tek[0].opaque, opaque, sizeof(opaque));
}

/* a SID key packet of attributes a (len bytes) */
static int sid_pkt(const uint8_t *a, size_t len, uint8_t spi_len,
		   struct gdoi_sid *sid, struct isakmp_err *err)
{
	static const uint8_t spi[4];
	struct gdoi_key_packet k = { GDOI_KD_SID, spi_len, spi,
				     { a, len } };

	return gdoi_kd_sid_decode(&k, sid, err);
}

/* RFC 6407 5.5.2 (GAP SENDER_ID_REQUEST) and 5.6.3 (SID download) */
static void test_sid_codec(void **state)
{
	uint8_t hash[20] = { 0 }, ab_mem[128], gap_mem[8];
	struct gdoi_sid sid = { .bits = 12, .n = 2,
				.value = { 0x001, 0xfff } }, d;
	struct isakmp_buf b, ab;
	struct isakmp_chain c;
	struct isakmp_err err;
	struct gdoi_gap gap;
	uint16_t nreq;

	(void)state;
	assert_true(gdoi_transform_counter_mode(20));	/* GCM-16 */
	assert_true(gdoi_transform_counter_mode(18));
	assert_true(gdoi_transform_counter_mode(13));	/* CTR */
	assert_true(gdoi_transform_counter_mode(23));	/* GMAC */
	assert_false(gdoi_transform_counter_mode(12));	/* CBC */
	assert_false(gdoi_transform_counter_mode(3));	/* 3DES */

	/* GROUPKEY-PULL message 3: HASH(3), GAP with SENDER_ID_REQUEST 1 */
	isakmp_buf_init(&ab, gap_mem, sizeof(gap_mem));
	isakmp_put_attr_basic(&ab, GDOI_GAP_SENDER_ID_REQUEST, 1);
	gap.attrs = (struct isakmp_attrs){ gap_mem, ab.len };
	begin(&b);
	isakmp_data_encode(&b, ISAKMP_NP_HASH, hash, sizeof(hash));
	gdoi_gap_encode(&b, &gap);
	decode(&b, &c);
	corpus_seed("gdoi-pull-3-gap", b.p, b.len);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.pl[1].type, ISAKMP_NP_GAP);
	assert_int_equal(c.pl[1].len, 4);
	assert_memory_equal(c.pl[1].body, "\x80\x03\x00\x01", 4);
	assert_int_equal(gdoi_gap_decode(&gap, c.pl[1].body, c.pl[1].len,
					 &err), 0);
	assert_int_equal(gdoi_gap_sid_request(&gap, &nreq, &err), 0);
	assert_int_equal(nreq, 1);
	/* the SA's GAP of build_attrs(): ATD, DTD, then a request of 2 */
	build_attrs();
	gap.attrs = (struct isakmp_attrs){ gap_attrs, gap_len };
	assert_int_equal(gdoi_gap_sid_request(&gap, &nreq, &err), 0);
	assert_int_equal(nreq, 2);
	/* absent: 0; twice or TLV: malformed */
	gap.attrs = (struct isakmp_attrs){ gap_attrs, 8 };
	assert_int_equal(gdoi_gap_sid_request(&gap, &nreq, &err), 0);
	assert_int_equal(nreq, 0);
	isakmp_buf_init(&ab, ab_mem, sizeof(ab_mem));
	isakmp_put_attr_basic(&ab, GDOI_GAP_SENDER_ID_REQUEST, 1);
	isakmp_put_attr_basic(&ab, GDOI_GAP_SENDER_ID_REQUEST, 1);
	gap.attrs = (struct isakmp_attrs){ ab_mem, ab.len };
	assert_int_equal(gdoi_gap_sid_request(&gap, &nreq, &err), -1);
	assert_non_null(strstr(err.msg, "twice"));
	isakmp_buf_init(&ab, ab_mem, sizeof(ab_mem));
	isakmp_put_attr_var(&ab, GDOI_GAP_SENDER_ID_REQUEST, "\0\1", 2);
	gap.attrs = (struct isakmp_attrs){ ab_mem, ab.len };
	assert_int_equal(gdoi_gap_sid_request(&gap, &nreq, &err), -1);

	/* SID key packet: NUMBER_OF_BITS basic, each SID_VALUE 4 bytes */
	isakmp_buf_init(&ab, ab_mem, sizeof(ab_mem));
	gdoi_kd_sid_encode(&ab, &sid);
	assert_false(ab.err);
	assert_int_equal(ab.len, 4 + 2 * 8);
	assert_memory_equal(ab_mem, "\x80\x01\x00\x0c"
			    "\x00\x02\x00\x04\x00\x00\x00\x01"
			    "\x00\x02\x00\x04\x00\x00\x0f\xff", 20);
	assert_int_equal(sid_pkt(ab_mem, ab.len, 0, &d, &err), 0);
	assert_int_equal(d.bits, 12);
	assert_int_equal(d.n, 2);
	assert_int_equal(d.value[0], 1);
	assert_int_equal(d.value[1], 0xfff);
	/* an SPI: refused */
	assert_int_equal(sid_pkt(ab_mem, ab.len, 4, &d, &err), -1);
	assert_int_equal(err.notify, ISAKMP_N_INVALID_KEY_INFORMATION);
	/* a value wider than the bits */
	sid.bits = 8;
	sid.n = 1;
	sid.value[0] = 0x100;
	isakmp_buf_init(&ab, ab_mem, sizeof(ab_mem));
	gdoi_kd_sid_encode(&ab, &sid);
	assert_int_equal(sid_pkt(ab_mem, ab.len, 0, &d, &err), -1);
	assert_non_null(strstr(err.msg, "does not fit in 8 bits"));
	/* no value; no bits; bits 0 and 33; bits twice; unknown attribute;
	 * a 5-byte value */
	assert_int_equal(sid_pkt(ab_mem, 4, 0, &d, &err), -1);
	assert_non_null(strstr(err.msg, "without SID_VALUE"));
	assert_int_equal(sid_pkt(ab_mem + 4, 8, 0, &d, &err), -1);
	assert_non_null(strstr(err.msg, "without NUMBER_OF_BITS"));
	{
		static const uint8_t zero[] = { 0x80, 1, 0, 0 },
			wide[] = { 0x80, 1, 0, 33 },
			twice[] = { 0x80, 1, 0, 8, 0x80, 1, 0, 8 },
			unknown[] = { 0x80, 1, 0, 8, 0x80, 9, 0, 1 },
			five[] = { 0x80, 1, 0, 8, 0, 2, 0, 5, 0, 0, 0, 0, 1 };

		assert_int_equal(sid_pkt(zero, 4, 0, &d, &err), -1);
		assert_int_equal(sid_pkt(wide, 4, 0, &d, &err), -1);
		assert_int_equal(sid_pkt(twice, 8, 0, &d, &err), -1);
		assert_non_null(strstr(err.msg, "twice"));
		assert_int_equal(sid_pkt(unknown, 8, 0, &d, &err), -1);
		assert_non_null(strstr(err.msg, "unknown attribute 9"));
		assert_int_equal(sid_pkt(five, sizeof(five), 0, &d, &err), -1);
	}
}

static void test_kd_seq_id(void **state)
{
	static struct gdoi_kd kd, d;
	uint8_t tek_keys[64], kek_keys[96], sid[16], spi4[4] = { 0x12, 0x34, 0x56, 0x78 };
	uint8_t spi16[16], group[4] = { 0, 0, 0x04, 0xd2 }, hash[20] = { 0 };
	struct isakmp_buf b, ab;
	struct isakmp_chain c;
	struct isakmp_err err;
	struct isakmp_id id;
	struct isakmp_attrs it;
	struct isakmp_attr a;
	uint8_t key[32], pub[270];
	uint32_t seq;

	(void)state;
	memset(key, 0x5c, sizeof(key));
	memset(pub, 0x3e, sizeof(pub));
	memset(spi16, 0x77, sizeof(spi16));
	isakmp_buf_init(&ab, tek_keys, sizeof(tek_keys));
	isakmp_put_attr_var(&ab, GDOI_KD_TEK_ALGORITHM_KEY, key, 32);
	isakmp_put_attr_var(&ab, GDOI_KD_TEK_INTEGRITY_KEY, key, 20);
	kd.pkt[0] = (struct gdoi_key_packet){ GDOI_KD_TEK, 4, spi4,
		{ tek_keys, ab.len } };
	isakmp_buf_init(&ab, kek_keys, sizeof(kek_keys));
	isakmp_put_attr_var(&ab, GDOI_KD_KEK_ALGORITHM_KEY, key, 32);
	isakmp_put_attr_var(&ab, GDOI_KD_KEK_SIGNATURE_KEY, pub, 48);
	kd.pkt[1] = (struct gdoi_key_packet){ GDOI_KD_KEK, 16, spi16,
		{ kek_keys, ab.len } };
	isakmp_buf_init(&ab, sid, sizeof(sid));
	isakmp_put_attr_basic(&ab, GDOI_KD_SID_NUMBER_OF_BITS, 8);
	isakmp_put_attr_var(&ab, GDOI_KD_SID_VALUE, "\0\0\0\1", 4);
	kd.pkt[2] = (struct gdoi_key_packet){ GDOI_KD_SID, 0, NULL,
		{ sid, ab.len } };
	kd.n = 3;

	/* GROUPKEY-PULL message 4: HASH(4), SEQ, KD; message 1's group ID */
	begin(&b);
	isakmp_data_encode(&b, ISAKMP_NP_HASH, hash, sizeof(hash));
	gdoi_seq_encode(&b, 7);
	gdoi_kd_encode(&b, &kd);
	isakmp_id_encode(&b, &(struct isakmp_id){
		.type = ISAKMP_ID_KEY_ID, .data = group, .len = 4 });
	decode(&b, &c);
	corpus_seed("gdoi-pull-4", b.p, b.len);
	assert_int_equal(c.n, 4);
	assert_int_equal(gdoi_seq_decode(&seq, &c.pl[1], &err), 0);
	assert_int_equal(seq, 7);
	assert_int_equal(gdoi_kd_decode(&d, &c.pl[2], &err), 0);
	assert_int_equal(d.n, 3);
	assert_int_equal(d.pkt[0].type, GDOI_KD_TEK);
	assert_int_equal(d.pkt[0].spi_len, 4);
	assert_memory_equal(d.pkt[0].spi, spi4, 4);
	it = d.pkt[0].attrs;
	assert_int_equal(isakmp_attr_next(&it, &a), 1);
	assert_int_equal(a.type, GDOI_KD_TEK_ALGORITHM_KEY);
	assert_int_equal(a.len, 32);
	assert_memory_equal(a.val, key, 32);
	assert_int_equal(isakmp_attr_next(&it, &a), 1);
	assert_int_equal(a.type, GDOI_KD_TEK_INTEGRITY_KEY);
	assert_int_equal(a.len, 20);
	assert_int_equal(d.pkt[1].type, GDOI_KD_KEK);
	assert_int_equal(d.pkt[1].spi_len, 16);
	it = d.pkt[1].attrs;
	assert_int_equal(isakmp_attr_next(&it, &a), 1);
	assert_int_equal(isakmp_attr_next(&it, &a), 1);
	assert_int_equal(a.type, GDOI_KD_KEK_SIGNATURE_KEY);
	assert_int_equal(a.len, 48);
	assert_int_equal(d.pkt[2].type, GDOI_KD_SID);
	assert_int_equal(d.pkt[2].spi_len, 0);
	it = d.pkt[2].attrs;
	assert_int_equal(isakmp_attr_next(&it, &a), 1);
	assert_true(a.basic);
	assert_int_equal(a.u16, 8);
	assert_int_equal(isakmp_id_decode(&id, &c.pl[3], &err), 0);
	assert_int_equal(id.type, ISAKMP_ID_KEY_ID);
	assert_int_equal(id.len, 4);
	assert_memory_equal(id.data, group, 4);

	/* malformed KD: count, key packet length, SPI size; SEQ size */
	{
		static uint8_t body[512];
		struct isakmp_pl pl = { .type = ISAKMP_NP_KD, .body = body,
			.len = c.pl[2].len };
		size_t k0 = 4;

		memcpy(body, c.pl[2].body, c.pl[2].len);
		body[1] = 4;
		assert_int_equal(gdoi_kd_decode(&d, &pl, &err), -1);
		body[1] = 2;
		assert_int_equal(gdoi_kd_decode(&d, &pl, &err), -1);
		body[1] = 0;
		assert_int_equal(gdoi_kd_decode(&d, &pl, &err), -1);
		body[1] = 3;
		body[k0 + 3]++;
		assert_int_equal(gdoi_kd_decode(&d, &pl, &err), -1);
		body[k0 + 3] -= 2;
		assert_int_equal(gdoi_kd_decode(&d, &pl, &err), -1);
		body[k0 + 3]++;
		body[k0 + 4] = 200;
		assert_int_equal(gdoi_kd_decode(&d, &pl, &err), -1);
		body[k0 + 4] = 4;
		assert_int_equal(gdoi_kd_decode(&d, &pl, &err), 0);
		pl.len = 3;
		assert_int_equal(gdoi_kd_decode(&d, &pl, &err), -1);

		pl = c.pl[1];
		pl.len = 3;
		assert_int_equal(gdoi_seq_decode(&seq, &pl, &err), -1);
		pl.len = 5;
		assert_int_equal(gdoi_seq_decode(&seq, &pl, &err), -1);
	}
}

static void test_kd_limit(void **state)
{
	static struct gdoi_kd kd, d;
	struct isakmp_chain c;
	struct isakmp_err err;
	struct isakmp_buf b;
	unsigned i;

	(void)state;
	kd.n = GDOI_MAX_KEY_PACKETS;
	for (i = 0; i < kd.n; i++)
		kd.pkt[i] = (struct gdoi_key_packet){ GDOI_KD_TEK, 0, NULL,
			{ NULL, 0 } };
	begin(&b);
	gdoi_kd_encode(&b, &kd);
	decode(&b, &c);
	assert_int_equal(gdoi_kd_decode(&d, &c.pl[0], &err), 0);
	assert_int_equal(d.n, GDOI_MAX_KEY_PACKETS);
	/* one more packet than we hold: the count is refused up front */
	b.p[ISAKMP_HDR_LEN + 4] = (GDOI_MAX_KEY_PACKETS + 1) >> 8;
	b.p[ISAKMP_HDR_LEN + 5] = (GDOI_MAX_KEY_PACKETS + 1) & 0xff;
	assert_int_equal(gdoi_kd_decode(&d, &c.pl[0], &err), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pull_sa),
		cmocka_unit_test(test_rfc3547),
		cmocka_unit_test(test_rfc3547_tek),
		cmocka_unit_test(test_sa_malformed),
		cmocka_unit_test(test_sat_other_protocol),
		cmocka_unit_test(test_kd_seq_id),
		cmocka_unit_test(test_sid_codec),
		cmocka_unit_test(test_kd_limit),
	};

	return cmocka_run_group_tests_name("gdoi payloads", tests, NULL, NULL);
}
