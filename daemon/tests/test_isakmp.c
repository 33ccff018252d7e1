// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * Unit tests of the ISAKMP codec: header, payload chain, data attributes,
 * SA/proposal/transform and the flat payloads (KE, ID, CERT, CR, HASH,
 * SIG, NONCE, N, D, VID): round trips, and malformed inputs that must be
 * refused with a reason. With GVPN_CORPUS_DIR set, the messages built here
 * are also written there as fuzzer seeds.
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

static uint8_t mem[4096];

static void begin(struct isakmp_buf *b, uint8_t exch)
{
	struct isakmp_hdr h = { .exch = exch, .msgid = 0 };

	memset(h.icookie, 0x11, 8);
	memset(h.rcookie, 0x22, 8);
	isakmp_buf_init(b, mem, sizeof(mem));
	isakmp_hdr_encode(b, &h);
}

/* decode a whole message built in b into c */
static void decode(struct isakmp_buf *b, struct isakmp_chain *c)
{
	struct isakmp_hdr h;
	struct isakmp_err err;

	isakmp_msg_end(b);
	assert_false(b->err);
	assert_int_equal(isakmp_hdr_decode(&h, b->p, b->len, &err), 0);
	assert_int_equal(h.len, b->len);
	assert_int_equal(isakmp_chain_decode(c, h.np, b->p + ISAKMP_HDR_LEN,
					     b->len - ISAKMP_HDR_LEN, false,
					     &err), 0);
}

static void test_header(void **state)
{
	struct isakmp_hdr h = {
		.exch = ISAKMP_EXCH_AGGRESSIVE, .flags = ISAKMP_FLAG_C,
		.msgid = 0xdeadbeef,
	}, d;
	struct isakmp_err err;
	struct isakmp_buf b;

	(void)state;
	memset(h.icookie, 0xa5, 8);
	memset(h.rcookie, 0x5a, 8);
	isakmp_buf_init(&b, mem, sizeof(mem));
	isakmp_hdr_encode(&b, &h);
	isakmp_msg_end(&b);
	assert_int_equal(b.len, ISAKMP_HDR_LEN);
	assert_int_equal(isakmp_hdr_decode(&d, b.p, b.len, &err), 0);
	assert_memory_equal(d.icookie, h.icookie, 8);
	assert_memory_equal(d.rcookie, h.rcookie, 8);
	assert_int_equal(d.version, ISAKMP_VERSION);
	assert_int_equal(d.exch, ISAKMP_EXCH_AGGRESSIVE);
	assert_int_equal(d.flags, ISAKMP_FLAG_C);
	assert_int_equal(d.msgid, 0xdeadbeef);
	assert_int_equal(d.np, ISAKMP_NP_NONE);

	/* truncated header */
	assert_int_equal(isakmp_hdr_decode(&d, b.p, 27, &err), -1);
	assert_non_null(strstr(err.msg, "shorter than an ISAKMP header"));
	/* IKEv2 */
	mem[17] = 0x20;
	assert_int_equal(isakmp_hdr_decode(&d, b.p, b.len, &err), -1);
	assert_int_equal(err.notify, ISAKMP_N_INVALID_MAJOR_VERSION);
	/* minor versions: 1.1 (the drafts') and 1.15 are above ours, 1.0
	 * (RFC 2408 3.1) */
	mem[17] = 0x11;
	assert_int_equal(isakmp_hdr_decode(&d, b.p, b.len, &err), -1);
	assert_int_equal(err.notify, ISAKMP_N_INVALID_MINOR_VERSION);
	assert_string_equal(err.msg, "unsupported ISAKMP version 1.1");
	mem[17] = 0x1f;
	assert_int_equal(isakmp_hdr_decode(&d, b.p, b.len, &err), -1);
	assert_int_equal(err.notify, ISAKMP_N_INVALID_MINOR_VERSION);
	mem[17] = 0x10;
	/* unknown flag */
	mem[19] = 0x08;
	assert_int_equal(isakmp_hdr_decode(&d, b.p, b.len, &err), -1);
	assert_int_equal(err.notify, ISAKMP_N_INVALID_FLAGS);
	mem[19] = 0;
	/* length field one more, one less than the datagram */
	mem[27] = ISAKMP_HDR_LEN + 1;
	assert_int_equal(isakmp_hdr_decode(&d, b.p, b.len, &err), -1);
	assert_non_null(strstr(err.msg, "truncated"));
	assert_int_equal(isakmp_hdr_decode(&d, b.p, b.len + 2, &err), -1);
	mem[27] = ISAKMP_HDR_LEN;
	/* no payload but bytes after the header */
	mem[27] = ISAKMP_HDR_LEN + 4;
	assert_int_equal(isakmp_hdr_decode(&d, b.p, b.len + 4, &err), -1);
	mem[27] = ISAKMP_HDR_LEN;
	/* encrypted and empty */
	mem[19] = ISAKMP_FLAG_E;
	assert_int_equal(isakmp_hdr_decode(&d, b.p, b.len, &err), -1);
}

static void test_attrs(void **state)
{
	uint8_t buf[64], big[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct isakmp_buf b;
	struct isakmp_attrs it;
	struct isakmp_attr a;
	struct isakmp_err err;
	unsigned n;
	uint64_t v;

	(void)state;
	isakmp_buf_init(&b, buf, sizeof(buf));
	isakmp_put_attr_basic(&b, 1, 7);
	isakmp_put_attr_var(&b, 2, big, 3);
	isakmp_put_attr_uint(&b, 3, 65535);		/* basic */
	isakmp_put_attr_uint(&b, 4, 86400);		/* 4-byte TLV */
	isakmp_put_attr_uint(&b, 5, 1ull << 40);	/* 8-byte TLV */
	assert_false(b.err);
	assert_int_equal(isakmp_attrs_check(buf, b.len, &n, &err), 0);
	assert_int_equal(n, 5);

	it = (struct isakmp_attrs){ buf, b.len };
	assert_int_equal(isakmp_attr_next(&it, &a), 1);
	assert_true(a.basic);
	assert_int_equal(a.type, 1);
	assert_int_equal(a.u16, 7);
	assert_int_equal(isakmp_attr_next(&it, &a), 1);
	assert_false(a.basic);
	assert_int_equal(a.type, 2);
	assert_int_equal(a.len, 3);
	assert_memory_equal(a.val, big, 3);
	assert_int_equal(isakmp_attr_uint(&a, &v), 0);
	assert_int_equal(v, 0x010203);
	assert_int_equal(isakmp_attr_next(&it, &a), 1);
	assert_true(a.basic);
	assert_int_equal(a.u16, 65535);
	assert_int_equal(isakmp_attr_next(&it, &a), 1);
	assert_false(a.basic);
	assert_int_equal(a.len, 4);
	assert_int_equal(isakmp_attr_uint(&a, &v), 0);
	assert_int_equal(v, 86400);
	assert_int_equal(isakmp_attr_next(&it, &a), 1);
	assert_int_equal(a.len, 8);
	assert_int_equal(isakmp_attr_uint(&a, &v), 0);
	assert_true(v == 1ull << 40);
	assert_int_equal(isakmp_attr_next(&it, &a), 0);

	/* re-encoding a decoded attribute gives the same bytes */
	{
		uint8_t again[64];
		struct isakmp_buf b2;

		isakmp_buf_init(&b2, again, sizeof(again));
		it = (struct isakmp_attrs){ buf, b.len };
		while (isakmp_attr_next(&it, &a) == 1)
			isakmp_put_attr(&b2, &a);
		assert_int_equal(b2.len, b.len);
		assert_memory_equal(again, buf, b.len);
	}

	/* a TLV whose length runs past the list, a half attribute */
	assert_int_equal(isakmp_attrs_check(buf, 9, NULL, &err), -1);
	assert_int_equal(isakmp_attrs_check(buf, 2, NULL, &err), -1);
	assert_int_equal(err.notify, ISAKMP_N_BAD_PROPOSAL_SYNTAX);
	/* integers of 0 or 9 bytes */
	a = (struct isakmp_attr){ .type = 1, .len = 0, .val = big };
	assert_int_equal(isakmp_attr_uint(&a, &v), -1);
	a.len = 9;
	assert_int_equal(isakmp_attr_uint(&a, &v), -1);
}

/* An SA with two proposals: 1 with two transforms, 2 with one */
static size_t build_sa(struct isakmp_buf *b, uint32_t doi)
{
	static struct isakmp_sa sa;
	static uint8_t attrs[64];
	struct isakmp_buf ab;

	memset(&sa, 0, sizeof(sa));
	isakmp_buf_init(&ab, attrs, sizeof(attrs));
	isakmp_put_attr_basic(&ab, 1, 7);
	isakmp_put_attr_basic(&ab, 14, 256);
	isakmp_put_attr_uint(&ab, 12, 86400);
	sa.doi = doi;
	sa.situation = 1;
	sa.nprop = 2;
	sa.ntrans = 3;
	sa.prop[0] = (struct isakmp_proposal){ .num = 1, .proto = 1, .ntrans = 2 };
	sa.prop[1] = (struct isakmp_proposal){
		.num = 2, .proto = 3, .spi_len = 4, .spi = { 1, 2, 3, 4 },
		.ntrans = 1, .first = 2 };
	sa.t[0] = (struct isakmp_transform){ .num = 1, .id = 1,
		.attrs = { attrs, ab.len } };
	sa.t[1] = (struct isakmp_transform){ .num = 2, .id = 1,
		.attrs = { attrs, 4 } };
	sa.t[2] = (struct isakmp_transform){ .num = 1, .id = 12 };
	isakmp_sa_encode(b, &sa);
	return ab.len;
}

static void test_sa_roundtrip(void **state)
{
	static struct isakmp_sa sa;
	struct isakmp_chain c;
	struct isakmp_err err;
	struct isakmp_buf b;
	size_t alen;

	(void)state;
	begin(&b, ISAKMP_EXCH_MAIN);
	alen = build_sa(&b, ISAKMP_DOI_GDOI);
	decode(&b, &c);
	corpus_seed("main-sa", b.p, b.len);
	assert_int_equal(c.n, 1);
	assert_int_equal(isakmp_sa_decode(&sa, &c.pl[0], &err), 0);
	assert_int_equal(sa.doi, ISAKMP_DOI_GDOI);
	assert_int_equal(sa.situation, 1);
	assert_int_equal(sa.nprop, 2);
	assert_int_equal(sa.ntrans, 3);
	assert_int_equal(sa.prop[0].num, 1);
	assert_int_equal(sa.prop[0].ntrans, 2);
	assert_int_equal(sa.prop[1].proto, 3);
	assert_int_equal(sa.prop[1].spi_len, 4);
	assert_memory_equal(sa.prop[1].spi, "\1\2\3\4", 4);
	assert_int_equal(sa.prop[1].first, 2);
	assert_int_equal(sa.t[0].attrs.len, alen);
	assert_int_equal(sa.t[1].attrs.len, 4);
	assert_int_equal(sa.t[1].num, 2);
	assert_int_equal(sa.t[2].id, 12);
	assert_int_equal(sa.t[2].attrs.len, 0);
	assert_int_equal(sa.t[0].raw_len, 8 + alen);

	/* encoding the decoded SA gives the same payload */
	{
		uint8_t again[512];
		struct isakmp_buf b2;

		isakmp_buf_init(&b2, again, sizeof(again));
		isakmp_sa_encode(&b2, &sa);
		assert_int_equal(b2.len, c.pl[0].len + ISAKMP_GEN_LEN);
		assert_memory_equal(again + 4, c.pl[0].body, c.pl[0].len);
	}
}

/* Every single-byte change to a length or count in the SA is refused */
static void test_sa_malformed(void **state)
{
	static struct isakmp_sa sa;
	struct isakmp_chain c;
	struct isakmp_err err;
	struct isakmp_buf b;
	struct isakmp_pl pl;
	uint8_t body[256];
	size_t len;

	(void)state;
	begin(&b, ISAKMP_EXCH_MAIN);
	build_sa(&b, ISAKMP_DOI_IPSEC);
	decode(&b, &c);
	len = c.pl[0].len;
	memcpy(body, c.pl[0].body, len);
	pl = (struct isakmp_pl){ .type = ISAKMP_NP_SA, .body = body,
		.len = (uint16_t)len };

	/* proposal 1 header at 8: length at 10..11, #transforms at 15 */
	body[11]++;
	assert_int_equal(isakmp_sa_decode(&sa, &pl, &err), -1);
	body[11] -= 2;
	assert_int_equal(isakmp_sa_decode(&sa, &pl, &err), -1);
	body[11]++;
	body[15] = 3;
	assert_int_equal(isakmp_sa_decode(&sa, &pl, &err), -1);
	assert_non_null(strstr(err.msg, "announces 3 transforms"));
	body[15] = 1;
	assert_int_equal(isakmp_sa_decode(&sa, &pl, &err), -1);
	assert_non_null(strstr(err.msg, "more than the 1 transforms"));
	body[15] = 0;
	assert_int_equal(isakmp_sa_decode(&sa, &pl, &err), -1);
	body[15] = 2;
	/* transform 1 at 16: length at 18..19 */
	body[19]++;
	assert_int_equal(isakmp_sa_decode(&sa, &pl, &err), -1);
	body[19] -= 2;
	assert_int_equal(isakmp_sa_decode(&sa, &pl, &err), -1);
	body[19]++;
	/* a transform chained to something else than T */
	body[16] = ISAKMP_NP_KE;
	assert_int_equal(isakmp_sa_decode(&sa, &pl, &err), -1);
	body[16] = ISAKMP_NP_T;
	/* proposal followed by a non-P payload */
	body[8] = ISAKMP_NP_NONCE;
	assert_int_equal(isakmp_sa_decode(&sa, &pl, &err), -1);
	body[8] = ISAKMP_NP_P;
	/* an SPI longer than 16 bytes */
	body[14] = 17;
	assert_int_equal(isakmp_sa_decode(&sa, &pl, &err), -1);
	body[14] = 0;
	/* labeled (secrecy) situation */
	body[7] = 3;
	assert_int_equal(isakmp_sa_decode(&sa, &pl, &err), -1);
	assert_int_equal(err.notify, ISAKMP_N_SITUATION_NOT_SUPPORTED);
	body[7] = 1;
	/* decreasing proposal numbers */
	body[12] = 5;
	assert_int_equal(isakmp_sa_decode(&sa, &pl, &err), -1);
	body[12] = 1;
	/* trailing byte, no proposal at all */
	pl.len = (uint16_t)(len + 1);
	body[len] = 0;
	assert_int_equal(isakmp_sa_decode(&sa, &pl, &err), -1);
	pl.len = 8;
	assert_int_equal(isakmp_sa_decode(&sa, &pl, &err), -1);
	pl.len = 6;
	assert_int_equal(isakmp_sa_decode(&sa, &pl, &err), -1);
	/* intact again */
	pl.len = (uint16_t)len;
	assert_int_equal(isakmp_sa_decode(&sa, &pl, &err), 0);
}

static void test_sa_limits(void **state)
{
	static struct isakmp_sa sa, out;
	static uint8_t big[8192];
	struct isakmp_err err;
	struct isakmp_buf b;
	struct isakmp_pl pl;
	unsigned i;

	(void)state;
	memset(&sa, 0, sizeof(sa));
	sa.doi = 1;
	sa.nprop = 1;
	sa.prop[0] = (struct isakmp_proposal){ .num = 1, .proto = 1, .ntrans = 129 };
	for (i = 0; i < 129 && i < ISAKMP_MAX_TRANSFORMS; i++)
		sa.t[i] = (struct isakmp_transform){ .num = (uint8_t)i, .id = 1 };
	sa.ntrans = ISAKMP_MAX_TRANSFORMS;
	/* 129 transforms do not fit in the struct: build by hand */
	isakmp_buf_init(&b, big, sizeof(big));
	isakmp_put_u32(&b, 1);
	isakmp_put_u32(&b, 1);
	isakmp_put_u8(&b, 0);
	isakmp_put_u8(&b, 0);
	isakmp_put_u16(&b, (uint16_t)(8 + 129 * 8));
	isakmp_put_u8(&b, 1);
	isakmp_put_u8(&b, 1);
	isakmp_put_u8(&b, 0);
	isakmp_put_u8(&b, 129);
	for (i = 0; i < 129; i++) {
		isakmp_put_u8(&b, i < 128 ? 3 : 0);
		isakmp_put_u8(&b, 0);
		isakmp_put_u16(&b, 8);
		isakmp_put_u8(&b, (uint8_t)i);
		isakmp_put_u8(&b, 1);
		isakmp_put_u16(&b, 0);
	}
	assert_false(b.err);
	pl = (struct isakmp_pl){ .type = 1, .body = big, .len = (uint16_t)b.len };
	assert_int_equal(isakmp_sa_decode(&out, &pl, &err), -1);
	assert_non_null(strstr(err.msg, "more than 128 transforms"));
}

static void test_flat_payloads(void **state)
{
	uint8_t ke[256], nonce[32], hash[32], sig[256], spi[16], vid[16];
	struct isakmp_chain c;
	struct isakmp_err err;
	struct isakmp_buf b;
	struct isakmp_data d;
	struct isakmp_id id;
	struct isakmp_cert cert;
	struct isakmp_notify_pl n;
	struct isakmp_delete_pl del;
	uint8_t dn[] = { 0x30, 0x0f, 0x31, 0x0d, 0x30, 0x0b, 0x06, 0x03, 0x55,
			 0x04, 0x03, 0x0c, 0x04, 'g', 'v', 'p', 'n' };
	uint8_t spis[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };

	(void)state;
	memset(ke, 0xab, sizeof(ke));
	memset(nonce, 0xcd, sizeof(nonce));
	memset(hash, 0xef, sizeof(hash));
	memset(sig, 0x12, sizeof(sig));
	memset(spi, 0x34, sizeof(spi));
	memset(vid, 0x56, sizeof(vid));

	begin(&b, ISAKMP_EXCH_MAIN);
	isakmp_data_encode(&b, ISAKMP_NP_KE, ke, sizeof(ke));
	isakmp_data_encode(&b, ISAKMP_NP_NONCE, nonce, sizeof(nonce));
	isakmp_id_encode(&b, &(struct isakmp_id){
		.type = ISAKMP_ID_DER_ASN1_DN, .proto = 17, .port = 848,
		.data = dn, .len = sizeof(dn) });
	isakmp_cert_encode(&b, ISAKMP_NP_CERT, &(struct isakmp_cert){
		.enc = ISAKMP_CERT_X509_SIG, .data = dn, .len = sizeof(dn) });
	isakmp_cert_encode(&b, ISAKMP_NP_CR, &(struct isakmp_cert){
		.enc = ISAKMP_CERT_X509_SIG });
	isakmp_data_encode(&b, ISAKMP_NP_HASH, hash, sizeof(hash));
	isakmp_data_encode(&b, ISAKMP_NP_SIG, sig, sizeof(sig));
	isakmp_notify_encode(&b, &(struct isakmp_notify_pl){
		.doi = 2, .proto = 1, .spi_len = 16, .type = 24, .spi = spi,
		.data = vid, .data_len = 5 });
	isakmp_delete_encode(&b, &(struct isakmp_delete_pl){
		.doi = 1, .proto = 3, .spi_len = 4, .nspi = 2, .spis = spis });
	isakmp_data_encode(&b, ISAKMP_NP_VID, vid, sizeof(vid));
	isakmp_data_encode(&b, ISAKMP_NP_POP, sig, 64);
	decode(&b, &c);
	corpus_seed("flat-payloads", b.p, b.len);
	assert_int_equal(c.n, 11);

	assert_int_equal(c.pl[0].type, ISAKMP_NP_KE);
	assert_int_equal(isakmp_data_decode(&d, &c.pl[0], 256, 256, &err), 0);
	assert_memory_equal(d.p, ke, 256);
	assert_int_equal(isakmp_data_decode(&d, &c.pl[0], 257, 512, &err), -1);
	assert_int_equal(isakmp_data_decode(&d, &c.pl[1], 8, 256, &err), 0);
	assert_int_equal(d.len, 32);
	assert_memory_equal(d.p, nonce, 32);

	assert_int_equal(isakmp_id_decode(&id, &c.pl[2], &err), 0);
	assert_int_equal(id.type, ISAKMP_ID_DER_ASN1_DN);
	assert_int_equal(id.proto, 17);
	assert_int_equal(id.port, 848);
	assert_int_equal(id.len, sizeof(dn));
	assert_memory_equal(id.data, dn, sizeof(dn));

	assert_int_equal(isakmp_cert_decode(&cert, &c.pl[3], &err), 0);
	assert_int_equal(cert.enc, ISAKMP_CERT_X509_SIG);
	assert_int_equal(cert.len, sizeof(dn));
	assert_int_equal(isakmp_cert_decode(&cert, &c.pl[4], &err), 0);
	assert_int_equal(cert.len, 0);

	assert_int_equal(isakmp_data_decode(&d, &c.pl[5], 32, 32, &err), 0);
	assert_int_equal(isakmp_data_decode(&d, &c.pl[6], 1, 1024, &err), 0);
	assert_int_equal(d.len, 256);

	assert_int_equal(isakmp_notify_decode(&n, &c.pl[7], &err), 0);
	assert_int_equal(n.doi, 2);
	assert_int_equal(n.proto, 1);
	assert_int_equal(n.spi_len, 16);
	assert_int_equal(n.type, ISAKMP_N_AUTHENTICATION_FAILED);
	assert_memory_equal(n.spi, spi, 16);
	assert_int_equal(n.data_len, 5);

	assert_int_equal(isakmp_delete_decode(&del, &c.pl[8], &err), 0);
	assert_int_equal(del.doi, 1);
	assert_int_equal(del.proto, 3);
	assert_int_equal(del.spi_len, 4);
	assert_int_equal(del.nspi, 2);
	assert_memory_equal(del.spis, spis, 8);

	assert_int_equal(c.pl[9].type, ISAKMP_NP_VID);
	assert_int_equal(c.pl[10].type, ISAKMP_NP_POP);
	assert_int_equal(c.pl[10].len, 64);
}

static void test_flat_malformed(void **state)
{
	uint8_t body[64] = { 0 };
	struct isakmp_pl pl = { .body = body };
	struct isakmp_err err;
	struct isakmp_id id;
	struct isakmp_cert cert;
	struct isakmp_notify_pl n;
	struct isakmp_delete_pl d;
	static const struct {
		uint8_t type;
		size_t len;
		int ok;
	} ids[] = {
		{ ISAKMP_ID_IPV4_ADDR, 4, 0 }, { ISAKMP_ID_IPV4_ADDR, 3, -1 },
		{ ISAKMP_ID_IPV4_ADDR, 5, -1 }, { ISAKMP_ID_IPV4_ADDR_SUBNET, 8, 0 },
		{ ISAKMP_ID_IPV4_ADDR_RANGE, 7, -1 }, { ISAKMP_ID_IPV6_ADDR, 16, 0 },
		{ ISAKMP_ID_IPV6_ADDR_SUBNET, 32, 0 }, { ISAKMP_ID_IPV6_ADDR_RANGE, 31, -1 },
		{ ISAKMP_ID_FQDN, 1, 0 }, { ISAKMP_ID_FQDN, 0, -1 },
		{ ISAKMP_ID_USER_FQDN, 9, 0 }, { ISAKMP_ID_KEY_ID, 4, 0 },
		{ ISAKMP_ID_KEY_ID, 0, -1 }, { ISAKMP_ID_DER_ASN1_DN, 0, -1 },
		{ ISAKMP_ID_DER_ASN1_GN, 2, 0 }, { 0, 4, -1 }, { 12, 4, -1 },
		{ 255, 4, -1 },
	};
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		body[0] = ids[i].type;
		pl.type = ISAKMP_NP_ID;
		pl.len = (uint16_t)(4 + ids[i].len);
		assert_int_equal(isakmp_id_decode(&id, &pl, &err), ids[i].ok);
		if (ids[i].ok)
			assert_int_equal(err.notify, ISAKMP_N_INVALID_ID_INFORMATION);
	}
	pl.len = 3;
	assert_int_equal(isakmp_id_decode(&id, &pl, &err), -1);

	pl.type = ISAKMP_NP_CERT;
	pl.len = 1;
	assert_int_equal(isakmp_cert_decode(&cert, &pl, &err), -1);
	pl.type = ISAKMP_NP_CR;
	assert_int_equal(isakmp_cert_decode(&cert, &pl, &err), 0);
	pl.len = 0;
	assert_int_equal(isakmp_cert_decode(&cert, &pl, &err), -1);

	/* N: 8 bytes of header, then an SPI of spi_len */
	pl.type = ISAKMP_NP_N;
	pl.len = 7;
	assert_int_equal(isakmp_notify_decode(&n, &pl, &err), -1);
	body[5] = 16;
	pl.len = 8 + 15;
	assert_int_equal(isakmp_notify_decode(&n, &pl, &err), -1);
	pl.len = 8 + 16;
	assert_int_equal(isakmp_notify_decode(&n, &pl, &err), 0);
	assert_int_equal(n.data_len, 0);

	/* D: nspi * spi_len must be what follows */
	pl.type = ISAKMP_NP_D;
	memset(body, 0, sizeof(body));
	body[5] = 4;
	body[7] = 2;
	pl.len = 8 + 8;
	assert_int_equal(isakmp_delete_decode(&d, &pl, &err), 0);
	pl.len = 8 + 7;
	assert_int_equal(isakmp_delete_decode(&d, &pl, &err), -1);
	pl.len = 8 + 9;
	assert_int_equal(isakmp_delete_decode(&d, &pl, &err), -1);
	body[5] = 0;
	pl.len = 8;
	assert_int_equal(isakmp_delete_decode(&d, &pl, &err), -1);
	body[5] = 17;
	assert_int_equal(isakmp_delete_decode(&d, &pl, &err), -1);
	body[5] = 4;
	body[7] = 0;
	assert_int_equal(isakmp_delete_decode(&d, &pl, &err), -1);
}

/* Any generic payload length off by one breaks the chain */
static void test_chain_off_by_one(void **state)
{
	struct isakmp_chain c;
	struct isakmp_err err;
	struct isakmp_buf b;
	uint8_t nonce[16] = { 0 };
	size_t offs[4], i;

	(void)state;
	/* not zeros: a last payload one byte short would leave a zero byte,
	 * which a plaintext message may carry as padding */
	memset(nonce, 0xa5, sizeof(nonce));
	begin(&b, ISAKMP_EXCH_MAIN);
	offs[0] = b.len;
	isakmp_data_encode(&b, ISAKMP_NP_KE, nonce, 8);
	offs[1] = b.len;
	isakmp_data_encode(&b, ISAKMP_NP_NONCE, nonce, 16);
	offs[2] = b.len;
	isakmp_data_encode(&b, ISAKMP_NP_VID, nonce, 4);
	offs[3] = b.len;
	isakmp_msg_end(&b);
	for (i = 0; i < 3; i++) {
		uint8_t *lenlo = b.p + offs[i] + 3;
		int delta;

		for (delta = -1; delta <= 1; delta += 2) {
			*lenlo = (uint8_t)(*lenlo + delta);
			assert_int_equal(isakmp_chain_decode(&c, ISAKMP_NP_KE,
							     b.p + ISAKMP_HDR_LEN,
							     b.len - ISAKMP_HDR_LEN,
							     false, &err), -1);
			*lenlo = (uint8_t)(*lenlo - delta);
		}
	}
	assert_int_equal(isakmp_chain_decode(&c, ISAKMP_NP_KE, b.p + ISAKMP_HDR_LEN,
					     b.len - ISAKMP_HDR_LEN, false, &err), 0);
	assert_int_equal(c.n, 3);
	/* a payload length below its own header */
	b.p[offs[0] + 3] = 3;
	assert_int_equal(isakmp_chain_decode(&c, ISAKMP_NP_KE, b.p + ISAKMP_HDR_LEN,
					     b.len - ISAKMP_HDR_LEN, false, &err), -1);
	assert_non_null(strstr(err.msg, "shorter than its header"));
	b.p[offs[0] + 3] = 12;
	/* truncated: the datagram ends inside the last payload */
	assert_int_equal(isakmp_chain_decode(&c, ISAKMP_NP_KE, b.p + ISAKMP_HDR_LEN,
					     b.len - ISAKMP_HDR_LEN - 1, false, &err), -1);
	/* padding after the chain: only where allowed (zeros aside, see
	 * test_plain_padding) */
	memset(b.p + b.len, 0xff, 3);
	assert_int_equal(isakmp_chain_decode(&c, ISAKMP_NP_KE, b.p + ISAKMP_HDR_LEN,
					     b.len - ISAKMP_HDR_LEN + 3, false, &err), -1);
	assert_int_equal(isakmp_chain_decode(&c, ISAKMP_NP_KE, b.p + ISAKMP_HDR_LEN,
					     b.len - ISAKMP_HDR_LEN + 3, true, &err), 0);
}

/*
 * A main mode message 1 padded the way libreswan does (ikepad: zeros up to
 * a multiple of 4, counted in the header Length) decodes; zeros beyond a
 * cipher block, or a nonzero trailing byte, are still malformed.
 */
static void test_plain_padding(void **state)
{
	struct isakmp_chain c;
	struct isakmp_hdr h;
	struct isakmp_err err;
	struct isakmp_buf b;
	size_t len, pad;

	(void)state;
	begin(&b, ISAKMP_EXCH_MAIN);
	build_sa(&b, ISAKMP_DOI_IPSEC);
	isakmp_data_encode(&b, ISAKMP_NP_VID, "gvpn test", 9);
	decode(&b, &c);
	assert_int_equal(c.n, 2);
	len = b.len;
	for (pad = 1; pad <= ISAKMP_PLAIN_PAD_MAX + 1; pad++) {
		isakmp_buf_init(&b, mem, sizeof(mem));
		b.len = len;
		isakmp_put_zero(&b, pad);
		isakmp_msg_end(&b);
		assert_false(b.err);
		assert_int_equal(isakmp_hdr_decode(&h, b.p, b.len, &err), 0);
		assert_int_equal(h.len, len + pad);
		if (pad == 3)
			corpus_seed("main-sa-padded", b.p, b.len);
		if (pad > ISAKMP_PLAIN_PAD_MAX) {
			assert_int_equal(isakmp_chain_decode(&c, h.np,
							     b.p + ISAKMP_HDR_LEN,
							     b.len - ISAKMP_HDR_LEN,
							     false, &err), -1);
			assert_int_equal(err.notify,
					 ISAKMP_N_UNEQUAL_PAYLOAD_LENGTHS);
			assert_string_equal(err.msg,
					    "17 bytes after the last payload");
			continue;
		}
		assert_int_equal(isakmp_chain_decode(&c, h.np,
						     b.p + ISAKMP_HDR_LEN,
						     b.len - ISAKMP_HDR_LEN,
						     false, &err), 0);
		assert_int_equal(c.n, 2);
		assert_int_equal(c.pl[0].type, ISAKMP_NP_SA);
		assert_int_equal(c.pl[1].type, ISAKMP_NP_VID);
		assert_int_equal(c.pl[1].len, 9);
		/* any nonzero byte in the padding makes it malformed */
		b.p[len + pad - 1] = 1;
		assert_int_equal(isakmp_chain_decode(&c, h.np,
						     b.p + ISAKMP_HDR_LEN,
						     b.len - ISAKMP_HDR_LEN,
						     false, &err), -1);
		assert_non_null(strstr(err.msg, "bytes after the last payload"));
		b.p[len + pad - 1] = 0;
		b.p[len] = 0x80;
		assert_int_equal(isakmp_chain_decode(&c, h.np,
						     b.p + ISAKMP_HDR_LEN,
						     b.len - ISAKMP_HDR_LEN,
						     false, &err), -1);
		b.p[len] = 0;
	}
}

static void test_chain_unknown(void **state)
{
	struct isakmp_chain c;
	struct isakmp_err err;
	struct isakmp_buf b;
	uint8_t x[4] = { 0 };
	size_t start;
	unsigned i;

	(void)state;
	/* a private payload (130, as NAT-D drafts) is skipped */
	begin(&b, ISAKMP_EXCH_MAIN);
	isakmp_data_encode(&b, 130, x, 4);
	isakmp_data_encode(&b, ISAKMP_NP_VID, x, 4);
	decode(&b, &c);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.skipped, 1);
	assert_int_equal(c.pl[0].type, ISAKMP_NP_VID);
	assert_int_equal(c.end, 16);

	/* the chain's end counts skipped payloads, also the last ones (a
	 * HASH covers them): VID, 130, 131 */
	begin(&b, ISAKMP_EXCH_MAIN);
	isakmp_data_encode(&b, ISAKMP_NP_VID, x, 4);
	isakmp_data_encode(&b, 130, x, 4);
	isakmp_data_encode(&b, 131, x, 2);
	decode(&b, &c);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.skipped, 2);
	assert_int_equal(c.end, 8 + 8 + 6);
	assert_int_equal(c.end, b.len - ISAKMP_HDR_LEN);
	/* with padding after it (a decrypted message): where the chain ends */
	isakmp_put_zero(&b, 10);
	assert_int_equal(isakmp_chain_decode(&c, ISAKMP_NP_VID,
					     b.p + ISAKMP_HDR_LEN,
					     b.len - ISAKMP_HDR_LEN, true, &err), 0);
	assert_int_equal(c.end, 8 + 8 + 6);

	/* the same with the critical bit: refused */
	begin(&b, ISAKMP_EXCH_MAIN);
	start = isakmp_pl_begin(&b, 130);
	b.p[start + 1] = ISAKMP_CRITICAL;
	isakmp_put_bytes(&b, x, 4);
	isakmp_pl_end(&b, start);
	isakmp_msg_end(&b);
	assert_int_equal(isakmp_chain_decode(&c, 130, b.p + ISAKMP_HDR_LEN,
					     b.len - ISAKMP_HDR_LEN, false, &err), -1);
	assert_int_equal(err.notify, ISAKMP_N_INVALID_PAYLOAD_TYPE);

	/* a proposal payload outside an SA */
	assert_int_equal(isakmp_chain_decode(&c, ISAKMP_NP_P, b.p + ISAKMP_HDR_LEN,
					     b.len - ISAKMP_HDR_LEN, false, &err), -1);

	/* more payloads than the decoder holds */
	begin(&b, ISAKMP_EXCH_MAIN);
	for (i = 0; i <= ISAKMP_MAX_PAYLOADS; i++)
		isakmp_data_encode(&b, ISAKMP_NP_VID, x, 1);
	isakmp_msg_end(&b);
	assert_int_equal(isakmp_chain_decode(&c, ISAKMP_NP_VID, b.p + ISAKMP_HDR_LEN,
					     b.len - ISAKMP_HDR_LEN, false, &err), -1);
	assert_non_null(strstr(err.msg, "more than"));
}

static void test_buf_overflow(void **state)
{
	uint8_t small[30], data[8] = { 0 };
	struct isakmp_buf b;
	struct isakmp_hdr h = { .exch = 2 };

	(void)state;
	isakmp_buf_init(&b, small, sizeof(small));
	isakmp_hdr_encode(&b, &h);
	assert_false(b.err);
	isakmp_data_encode(&b, ISAKMP_NP_VID, data, sizeof(data));
	assert_true(b.err);
	/* sticky */
	isakmp_put_u8(&b, 1);
	assert_true(b.err);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(isakmp_np_name(ISAKMP_NP_SAK), "SAK");
	assert_string_equal(isakmp_np_name(ISAKMP_NP_GAP), "GAP");
	assert_string_equal(isakmp_np_name(200), "#200");
	assert_string_equal(isakmp_exch_name(32), "GROUPKEY-PULL");
	assert_string_equal(isakmp_notify_name(14), "NO-PROPOSAL-CHOSEN");
	assert_string_equal(isakmp_notify_name(24578), "INITIAL-CONTACT");
	assert_string_equal(isakmp_notify_name(9999), "#9999");
	assert_string_equal(isakmp_id_type_name(11), "ID_KEY_ID");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_attrs),
		cmocka_unit_test(test_sa_roundtrip),
		cmocka_unit_test(test_sa_malformed),
		cmocka_unit_test(test_sa_limits),
		cmocka_unit_test(test_flat_payloads),
		cmocka_unit_test(test_flat_malformed),
		cmocka_unit_test(test_chain_off_by_one),
		cmocka_unit_test(test_plain_padding),
		cmocka_unit_test(test_chain_unknown),
		cmocka_unit_test(test_buf_overflow),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests_name("isakmp codec", tests, NULL, NULL);
}
