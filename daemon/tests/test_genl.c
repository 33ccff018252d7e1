// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * Unit tests for the extended ACK decoding of genl.c: which attribute of
 * the request an error offset points at, missing attributes, policy ranges,
 * and the message the CLI prints from them. The requests and ACKs are built
 * here byte by byte, the way the kernel lays them out.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <string.h>
#include <cmocka.h>
#include <libmnl/libmnl.h>

#include "genl.h"
#include "gvpn_nl.h"

struct req {
	char buf[1024];
	struct nlmsghdr *nlh;
	uint32_t off_sa, off_group_id, off_spi, off_name, off_unknown;
	uint32_t off_policy, off_dport_max, off_stats, off_tx;
};

static uint32_t offset_of(const struct req *r, const void *p)
{
	return (uint32_t)((const char *)p - (const char *)r->nlh);
}

/*
 * SA_NEW { SA { group-id, spi, aead-name, unknown-40 } }
 * then POLICY { group-id, dport-max, stats { tx-packets } }
 */
static void build_req(struct req *r)
{
	struct nlattr *sa, *pol, *st, *a;
	struct genlmsghdr *g;

	memset(r, 0, sizeof(*r));
	r->nlh = mnl_nlmsg_put_header(r->buf);
	r->nlh->nlmsg_type = 0x20;
	r->nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	r->nlh->nlmsg_seq = 7;
	g = mnl_nlmsg_put_extra_header(r->nlh, sizeof(*g));
	g->cmd = GVPN_CMD_SA_NEW;
	g->version = GVPN_GENL_VERSION;

	sa = mnl_attr_nest_start(r->nlh, GVPN_A_SA);
	r->off_sa = offset_of(r, sa);
	a = mnl_nlmsg_get_payload_tail(r->nlh);
	r->off_group_id = offset_of(r, a);
	mnl_attr_put_u16(r->nlh, GVPN_A_SA_GROUP_ID, 10);
	a = mnl_nlmsg_get_payload_tail(r->nlh);
	r->off_spi = offset_of(r, a);
	mnl_attr_put_u32(r->nlh, GVPN_A_SA_SPI, 12);
	a = mnl_nlmsg_get_payload_tail(r->nlh);
	r->off_name = offset_of(r, a);
	mnl_attr_put_strz(r->nlh, GVPN_A_SA_AEAD_NAME, "rfc4106(gcm(aes))");
	a = mnl_nlmsg_get_payload_tail(r->nlh);
	r->off_unknown = offset_of(r, a);
	mnl_attr_put_u8(r->nlh, 40, 1);
	mnl_attr_nest_end(r->nlh, sa);

	pol = mnl_attr_nest_start(r->nlh, GVPN_A_POLICY);
	r->off_policy = offset_of(r, pol);
	mnl_attr_put_u16(r->nlh, GVPN_A_POLICY_GROUP_ID, 10);
	a = mnl_nlmsg_get_payload_tail(r->nlh);
	r->off_dport_max = offset_of(r, a);
	mnl_attr_put_u16(r->nlh, GVPN_A_POLICY_DPORT_MAX, 80);
	st = mnl_attr_nest_start(r->nlh, GVPN_A_POLICY_STATS);
	r->off_stats = offset_of(r, st);
	a = mnl_nlmsg_get_payload_tail(r->nlh);
	r->off_tx = offset_of(r, a);
	mnl_attr_put_u64(r->nlh, GVPN_A_STATS_TX_PACKETS, 1);
	mnl_attr_nest_end(r->nlh, st);
	mnl_attr_nest_end(r->nlh, pol);
}

static void expect_path(const struct req *r, uint32_t off, const char *want)
{
	char buf[GENL_PATH_LEN];

	assert_int_equal(genl_attr_path(r->nlh, off, &gvpn_nla_space, buf,
					sizeof(buf), NULL), 0);
	assert_string_equal(buf, want);
}

static void test_attr_path(void **state)
{
	const struct nla_space *nest;
	char buf[GENL_PATH_LEN];
	struct req r;

	(void)state;
	build_req(&r);
	expect_path(&r, r.off_sa, "sa");
	expect_path(&r, r.off_group_id, "sa.group-id");
	expect_path(&r, r.off_spi, "sa.spi");
	expect_path(&r, r.off_name, "sa.aead-name");
	expect_path(&r, r.off_unknown, "sa.unknown-40");
	expect_path(&r, r.off_policy, "policy");
	expect_path(&r, r.off_dport_max, "policy.dport-max");
	expect_path(&r, r.off_stats, "policy.stats");
	expect_path(&r, r.off_tx, "policy.stats.tx-packets");
	/* inside an attribute's payload: the attribute */
	expect_path(&r, r.off_spi + 5, "sa.spi");
	/* inside the nest header: the nest */
	expect_path(&r, r.off_sa + 2, "sa");

	/* the nest found is returned, to name missing attributes */
	assert_int_equal(genl_attr_path(r.nlh, r.off_sa, &gvpn_nla_space, buf,
					sizeof(buf), &nest), 0);
	assert_non_null(nest);
	assert_int_equal(nest->max, GVPN_A_SA_MAX);
	assert_string_equal(nest->attrs[GVPN_A_SA_SPI].name, "spi");

	/* headers and the space after the message are no attribute */
	assert_int_equal(genl_attr_path(r.nlh, 0, &gvpn_nla_space, buf,
					sizeof(buf), NULL), -1);
	assert_string_equal(buf, "");
	assert_int_equal(genl_attr_path(r.nlh, MNL_NLMSG_HDRLEN + 2,
					&gvpn_nla_space, buf, sizeof(buf),
					NULL), -1);
	assert_int_equal(genl_attr_path(r.nlh, r.nlh->nlmsg_len,
					&gvpn_nla_space, buf, sizeof(buf),
					NULL), -1);
	assert_int_equal(genl_attr_path(r.nlh, UINT32_MAX, &gvpn_nla_space,
					buf, sizeof(buf), NULL), -1);

	/* without names, types are numbered */
	assert_int_equal(genl_attr_path(r.nlh, r.off_spi, NULL, buf,
					sizeof(buf), NULL), 0);
	assert_string_equal(buf, "unknown-3");

	/* a short buffer truncates the path, never overflows */
	assert_int_equal(genl_attr_path(r.nlh, r.off_tx, &gvpn_nla_space, buf,
					8, NULL), 0);
	assert_int_equal(strlen(buf), 7);
}

/* A nest whose length runs past the message is not walked into. */
static void test_attr_path_malformed(void **state)
{
	char buf[GENL_PATH_LEN];
	struct nlattr *sa;
	struct req r;

	(void)state;
	build_req(&r);
	sa = (struct nlattr *)((char *)r.nlh + r.off_sa);
	sa->nla_len = 0xfff0;
	assert_int_equal(genl_attr_path(r.nlh, r.off_spi, &gvpn_nla_space, buf,
					sizeof(buf), NULL), -1);
}

struct ack {
	char buf[2048];
	struct nlmsghdr *nlh;
};

/* An NLMSG_ERROR answering req, as netlink_ack() builds it. */
static void ack_start(struct ack *k, const struct req *r, int error,
		      bool capped)
{
	struct nlmsgerr *e;

	memset(k, 0, sizeof(*k));
	k->nlh = mnl_nlmsg_put_header(k->buf);
	k->nlh->nlmsg_type = NLMSG_ERROR;
	k->nlh->nlmsg_seq = r->nlh->nlmsg_seq;
	k->nlh->nlmsg_flags = NLM_F_ACK_TLVS | (capped ? NLM_F_CAPPED : 0);
	if (capped) {
		e = mnl_nlmsg_put_extra_header(k->nlh, sizeof(*e));
		memcpy(&e->msg, r->nlh, sizeof(e->msg));
	} else {
		e = mnl_nlmsg_put_extra_header(k->nlh,
					       sizeof(int) + r->nlh->nlmsg_len);
		memcpy(&e->msg, r->nlh, r->nlh->nlmsg_len);
	}
	e->error = error;
}

static void test_ack_range(void **state)
{
	bool capped_cases[] = { true, false };
	struct genl_err err;
	struct nlattr *pol;
	char text[512];
	struct ack k;
	struct req r;
	size_t i;

	(void)state;
	build_req(&r);
	for (i = 0; i < 2; i++) {
		ack_start(&k, &r, -ERANGE, capped_cases[i]);
		mnl_attr_put_strz(k.nlh, NLMSGERR_ATTR_MSG,
				  "integer out of range");
		mnl_attr_put_u32(k.nlh, NLMSGERR_ATTR_OFFS, r.off_spi);
		pol = mnl_attr_nest_start(k.nlh, NLMSGERR_ATTR_POLICY);
		mnl_attr_put_u32(k.nlh, NL_POLICY_TYPE_ATTR_TYPE, 4);
		mnl_attr_put_u64(k.nlh, NL_POLICY_TYPE_ATTR_MIN_VALUE_U, 256);
		mnl_attr_put_u64(k.nlh, NL_POLICY_TYPE_ATTR_MAX_VALUE_U,
				 UINT32_MAX);
		mnl_attr_nest_end(k.nlh, pol);

		assert_int_equal(genl_parse_ack(k.nlh, r.nlh, &gvpn_nla_space,
						&err), -ERANGE);
		assert_int_equal(err.error, -ERANGE);
		assert_string_equal(err.msg, "integer out of range");
		assert_string_equal(err.attr, "sa.spi");
		assert_string_equal(err.missing, "");
		assert_true(err.has_umin && err.has_umax);
		assert_int_equal(err.umin, 256);
		assert_int_equal(err.umax, UINT32_MAX);
		assert_string_equal(genl_strerror(&err, text, sizeof(text)),
				    "integer out of range (attribute sa.spi, range 256..4294967295)");
	}
}

static void test_ack_missing(void **state)
{
	struct genl_err err;
	char text[512];
	struct ack k;
	struct req r;

	(void)state;
	build_req(&r);

	/* missing inside a nest: named in the nest's space */
	ack_start(&k, &r, -EINVAL, true);
	mnl_attr_put_u32(k.nlh, NLMSGERR_ATTR_MISS_TYPE, GVPN_A_SA_POLICY_ID);
	mnl_attr_put_u32(k.nlh, NLMSGERR_ATTR_MISS_NEST, r.off_sa);
	assert_int_equal(genl_parse_ack(k.nlh, r.nlh, &gvpn_nla_space, &err),
			 -EINVAL);
	assert_string_equal(err.missing, "sa.policy-id");
	assert_string_equal(err.msg, "");
	assert_string_equal(genl_strerror(&err, text, sizeof(text)),
			    "Invalid argument (missing attribute sa.policy-id)");

	/* missing at the top level */
	ack_start(&k, &r, -EINVAL, true);
	mnl_attr_put_strz(k.nlh, NLMSGERR_ATTR_MSG, "Missing group.\n");
	mnl_attr_put_u32(k.nlh, NLMSGERR_ATTR_MISS_TYPE, GVPN_A_GROUP);
	assert_int_equal(genl_parse_ack(k.nlh, r.nlh, &gvpn_nla_space, &err),
			 -EINVAL);
	assert_string_equal(err.missing, "group");
	/* the kernel's final period and newline are dropped: we add ours */
	assert_string_equal(genl_strerror(&err, text, sizeof(text)),
			    "Missing group (missing attribute group)");

	/* missing in a nested nest */
	ack_start(&k, &r, -EINVAL, true);
	mnl_attr_put_u32(k.nlh, NLMSGERR_ATTR_MISS_TYPE,
			 GVPN_A_STATS_RX_BYTES);
	mnl_attr_put_u32(k.nlh, NLMSGERR_ATTR_MISS_NEST, r.off_stats);
	genl_parse_ack(k.nlh, r.nlh, &gvpn_nla_space, &err);
	assert_string_equal(err.missing, "policy.stats.rx-bytes");
}

static void test_ack_plain(void **state)
{
	struct nlmsgerr *e;
	struct genl_err err;
	char text[512];
	struct ack k;
	struct req r;

	(void)state;
	build_req(&r);

	/* success, no TLVs */
	memset(&k, 0, sizeof(k));
	k.nlh = mnl_nlmsg_put_header(k.buf);
	k.nlh->nlmsg_type = NLMSG_ERROR;
	k.nlh->nlmsg_flags = NLM_F_CAPPED;
	e = mnl_nlmsg_put_extra_header(k.nlh, sizeof(*e));
	memcpy(&e->msg, r.nlh, sizeof(e->msg));
	assert_int_equal(genl_parse_ack(k.nlh, r.nlh, &gvpn_nla_space, &err),
			 0);
	assert_string_equal(err.msg, "");

	/* an error without any TLV: strerror only */
	e->error = -EEXIST;
	assert_int_equal(genl_parse_ack(k.nlh, r.nlh, &gvpn_nla_space, &err),
			 -EEXIST);
	assert_string_equal(genl_strerror(&err, text, sizeof(text)),
			    "File exists");

	/* an offset outside the request names nothing */
	ack_start(&k, &r, -EINVAL, true);
	mnl_attr_put_strz(k.nlh, NLMSGERR_ATTR_MSG, "bad");
	mnl_attr_put_u32(k.nlh, NLMSGERR_ATTR_OFFS, 4);
	genl_parse_ack(k.nlh, r.nlh, &gvpn_nla_space, &err);
	assert_string_equal(err.attr, "");
	assert_string_equal(genl_strerror(&err, text, sizeof(text)), "bad");

	/* a truncated NLMSG_ERROR */
	k.nlh->nlmsg_len = MNL_NLMSG_HDRLEN + 2;
	assert_int_equal(genl_parse_ack(k.nlh, r.nlh, &gvpn_nla_space, &err),
			 -EBADMSG);
}

/* A dump's NLMSG_DONE carries the error and its TLVs after it. */
static void test_ack_done(void **state)
{
	struct genl_err err;
	struct nlmsghdr *nlh;
	char buf[256];
	int *error;
	struct req r;

	(void)state;
	build_req(&r);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = NLMSG_DONE;
	nlh->nlmsg_flags = NLM_F_MULTI | NLM_F_ACK_TLVS;
	error = mnl_nlmsg_put_extra_header(nlh, sizeof(*error));
	*error = -ENOENT;
	mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, "no such group");
	mnl_attr_put_u32(nlh, NLMSGERR_ATTR_OFFS, r.off_policy);
	assert_int_equal(genl_parse_ack(nlh, r.nlh, &gvpn_nla_space, &err),
			 -ENOENT);
	assert_string_equal(err.msg, "no such group");
	assert_string_equal(err.attr, "policy");

	/* a clean end of dump */
	*error = 0;
	nlh->nlmsg_flags = NLM_F_MULTI;
	assert_int_equal(genl_parse_ack(nlh, r.nlh, &gvpn_nla_space, &err), 0);
	assert_string_equal(err.msg, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_attr_path),
		cmocka_unit_test(test_attr_path_malformed),
		cmocka_unit_test(test_ack_range),
		cmocka_unit_test(test_ack_missing),
		cmocka_unit_test(test_ack_plain),
		cmocka_unit_test(test_ack_done),
	};

	return cmocka_run_group_tests_name("genl", tests, NULL, NULL);
}
