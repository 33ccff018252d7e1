// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * Unit tests for the command-line grammar (gvpn_args.c) and the gvpn
 * message builders and parsers (gvpn_nl.c): words in, attribute values
 * out, and bad words named in the error.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <libmnl/libmnl.h>

#include "gvpn_args.h"
#include "gvpn_nl.h"
#include "util.h"

/* Words of a command line, writable like main()'s argv. */
struct words {
	int argc;
	char *argv[64];
	char *copy;
};

static void split(struct words *w, const char *line)
{
	char *tok, *save = NULL;

	memset(w, 0, sizeof(*w));
	w->copy = strdup(line);
	assert_non_null(w->copy);
	for (tok = strtok_r(w->copy, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save))
		w->argv[w->argc++] = tok;
}

/* a generic netlink message in buf, the family header left zero */
static struct nlmsghdr *genl_msg_begin(char *buf)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	mnl_nlmsg_put_extra_header(nlh, GENL_HDRLEN);
	return nlh;
}

static char err[256];

static int sa_args(enum gvpn_op op, const char *line, struct gvpn_sa *sa,
		   struct words *w)
{
	split(w, line);
	err[0] = '\0';
	return gvpn_args_sa(op, w->argc, w->argv, sa, err, sizeof(err));
}

#define KEY20 "0x000102030405060708090a0b0c0d0e0f10111213"

static void test_sa_add_aead(void **state)
{
	static const uint8_t key[20] = {
		0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
		16, 17, 18, 19,
	};
	struct gvpn_sa sa;
	struct words w;
	int i;

	(void)state;
	assert_int_equal(sa_args(GVPN_OP_ADD,
				 "group 10 policy 1 spi 0x1234 aead rfc4106(gcm(aes)) "
				 KEY20 " 128 dir in lifetime-soft 3600 "
				 "lifetime-hard 3900 lifetime-soft-bytes 1000000 "
				 "lifetime-hard-bytes 0x100000000", &sa, &w), 0);
	assert_int_equal(sa.group_id, 10);
	assert_int_equal(sa.policy_id, 1);
	assert_int_equal(sa.spi, 0x1234);
	assert_string_equal(sa.aead_name, "rfc4106(gcm(aes))");
	assert_int_equal(sa.aead_key_len, 20);
	assert_memory_equal(sa.aead_key, key, 20);
	assert_int_equal(sa.icv_bits, 128);
	assert_int_equal(sa.dir, GVPN_SA_DIR_IN);
	assert_int_equal(sa.lifetime_soft_secs, 3600);
	assert_int_equal(sa.lifetime_hard_secs, 3900);
	assert_int_equal(sa.lifetime_soft_bytes, 1000000);
	assert_int_equal(sa.lifetime_hard_bytes, UINT64_C(0x100000000));
	assert_true(sa.present == (GVPN_BIT(GVPN_A_SA_GROUP_ID) |
				   GVPN_BIT(GVPN_A_SA_POLICY_ID) |
				   GVPN_BIT(GVPN_A_SA_SPI) |
				   GVPN_BIT(GVPN_A_SA_DIR) |
				   GVPN_BIT(GVPN_A_SA_AEAD_NAME) |
				   GVPN_BIT(GVPN_A_SA_AEAD_KEY) |
				   GVPN_BIT(GVPN_A_SA_AEAD_ICV_BITS) |
				   GVPN_BIT(GVPN_A_SA_LIFETIME_SOFT_SECS) |
				   GVPN_BIT(GVPN_A_SA_LIFETIME_HARD_SECS) |
				   GVPN_BIT(GVPN_A_SA_LIFETIME_SOFT_BYTES) |
				   GVPN_BIT(GVPN_A_SA_LIFETIME_HARD_BYTES)));
	/* the key is gone from the command line */
	for (i = 0; i < w.argc; i++)
		assert_null(strstr(w.argv[i], "0x0001"));
	assert_int_equal(w.argv[8][0], '\0');
	free(w.copy);
	gvpn_sa_wipe(&sa);
}

static void test_sa_add_enc_auth(void **state)
{
	struct gvpn_sa sa;
	struct words w;

	(void)state;
	/* auth-trunc may come first, like ip xfrm's ALGO-LIST */
	assert_int_equal(sa_args(GVPN_OP_ADD,
				 "spi 4660 auth-trunc hmac(sha256) 0x" "aa" "bb" " 128 "
				 "group 65535 enc cbc(aes) 0x00112233445566778899aabbccddeeff "
				 "policy 4294967295", &sa, &w), 0);
	assert_int_equal(sa.spi, 0x1234);
	assert_int_equal(sa.group_id, 65535);
	assert_int_equal(sa.policy_id, UINT32_MAX);
	assert_string_equal(sa.enc_name, "cbc(aes)");
	assert_int_equal(sa.enc_key_len, 16);
	assert_int_equal(sa.enc_key[15], 0xff);
	assert_string_equal(sa.auth_name, "hmac(sha256)");
	assert_int_equal(sa.auth_key_len, 2);
	assert_int_equal(sa.auth_key[1], 0xbb);
	assert_int_equal(sa.trunc_bits, 128);
	assert_false(sa.present & GVPN_BIT(GVPN_A_SA_DIR));
	assert_false(sa.present & GVPN_BIT(GVPN_A_SA_AEAD_NAME));
	assert_true(sa.present & GVPN_BIT(GVPN_A_SA_ENC_KEY));
	assert_true(sa.present & GVPN_BIT(GVPN_A_SA_AUTH_TRUNC_BITS));
	free(w.copy);
	gvpn_sa_wipe(&sa);
}

static void test_sa_other_ops(void **state)
{
	struct gvpn_sa sa;
	struct words w;

	(void)state;
	assert_int_equal(sa_args(GVPN_OP_DEL, "group 3 spi 256", &sa, &w), 0);
	assert_true(sa.present == (GVPN_BIT(GVPN_A_SA_GROUP_ID) |
				   GVPN_BIT(GVPN_A_SA_SPI)));
	assert_int_equal(sa.spi, 256);
	free(w.copy);
	assert_int_equal(sa_args(GVPN_OP_SHOW, "", &sa, &w), 0);
	assert_int_equal(sa.present, 0);
	free(w.copy);
	assert_int_equal(sa_args(GVPN_OP_SHOW, "group 3", &sa, &w), 0);
	assert_int_equal(sa.present, GVPN_BIT(GVPN_A_SA_GROUP_ID));
	free(w.copy);
	assert_int_equal(sa_args(GVPN_OP_FLUSH, "group 3", &sa, &w), 0);
	free(w.copy);
}

struct bad {
	enum gvpn_op op;
	const char *line;
	const char *msg;	/* expected error, exactly */
};

#define SA_HEAD "group 10 policy 1 spi 0x1234 "
#define AEAD "aead rfc4106(gcm(aes)) " KEY20 " 128"

static const struct bad bad_sa[] = {
	{ GVPN_OP_ADD, "", "\"group\" is required" },
	{ GVPN_OP_ADD, "group 10 spi 300 " AEAD, "\"policy\" is required" },
	{ GVPN_OP_ADD, "group 10 policy 1 " AEAD, "\"spi\" is required" },
	{ GVPN_OP_ADD, SA_HEAD, "an algorithm is required: \"aead NAME KEYMAT ICV-BITS\" or \"enc NAME KEYMAT auth-trunc NAME KEYMAT TRUNC-BITS\"" },
	{ GVPN_OP_ADD, "group 0 policy 1 spi 300 " AEAD,
	  "invalid group ID \"0\": expected 1..65535" },
	{ GVPN_OP_ADD, "group 65536", "invalid group ID \"65536\": expected 1..65535" },
	{ GVPN_OP_ADD, "group 10 group 11", "\"group\" is given twice" },
	{ GVPN_OP_ADD, "group", "\"group\" needs a value" },
	{ GVPN_OP_ADD, "policy 0", "invalid policy ID \"0\": expected 1..4294967295" },
	{ GVPN_OP_ADD, "spi 255",
	  "invalid SPI \"255\": expected 256..4294967295 (0x100..0xffffffff), decimal or 0x hex" },
	{ GVPN_OP_ADD, "spi 0x100000000",
	  "invalid SPI \"0x100000000\": expected 256..4294967295 (0x100..0xffffffff), decimal or 0x hex" },
	{ GVPN_OP_ADD, "spi 12ab",
	  "invalid SPI \"12ab\": expected 256..4294967295 (0x100..0xffffffff), decimal or 0x hex" },
	{ GVPN_OP_ADD, SA_HEAD "dir out", "invalid dir \"out\": expected both or in" },
	{ GVPN_OP_ADD, SA_HEAD "lifetime-soft -1",
	  "invalid lifetime-soft \"-1\": expected a number (0 = no limit)" },
	{ GVPN_OP_ADD, SA_HEAD "lifetime-hard", "\"lifetime-hard\" needs a value" },
	{ GVPN_OP_ADD, SA_HEAD "lifetime 5",
	  "unknown keyword \"lifetime\"; try \"gvpn sa help\"" },
	{ GVPN_OP_ADD, SA_HEAD "aead rfc4106(gcm(aes)) 0x123 128",
	  "invalid aead key: expected 0x followed by pairs of hex digits, at most 64 bytes" },
	{ GVPN_OP_ADD, SA_HEAD "aead rfc4106(gcm(aes)) 0xzz 128",
	  "invalid aead key: expected 0x followed by pairs of hex digits, at most 64 bytes" },
	{ GVPN_OP_ADD, SA_HEAD "aead rfc4106(gcm(aes)) 1234 128",
	  "invalid aead key: expected 0x followed by pairs of hex digits, at most 64 bytes" },
	{ GVPN_OP_ADD, SA_HEAD "aead rfc4106(gcm(aes)) 0x"
	  "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
	  "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
	  "00 128",
	  "invalid aead key: expected 0x followed by pairs of hex digits, at most 64 bytes" },
	{ GVPN_OP_ADD, SA_HEAD "aead rfc4106(gcm(aes)) " KEY20,
	  "\"aead\" needs ICV-BITS after KEYMAT" },
	{ GVPN_OP_ADD, SA_HEAD "aead rfc4106(gcm(aes)) " KEY20 " big",
	  "invalid ICV length \"big\": expected a number of bits" },
	{ GVPN_OP_ADD, SA_HEAD "aead rfc4106(gcm(aes))", "\"aead\" needs KEYMAT after NAME" },
	{ GVPN_OP_ADD, SA_HEAD "aead", "\"aead\" needs NAME and KEYMAT" },
	/* the name was forgotten: the key must not be echoed */
	{ GVPN_OP_ADD, SA_HEAD "aead " KEY20 " 128",
	  "\"aead\" needs an algorithm NAME before KEYMAT" },
	{ GVPN_OP_ADD, SA_HEAD AEAD " " KEY20,
	  "unknown keyword \"0x... (40 hex digits)\"; try \"gvpn sa help\"" },
	{ GVPN_OP_ADD, SA_HEAD AEAD " enc cbc(aes) " KEY20 " auth-trunc hmac(sha1) " KEY20 " 96",
	  "\"aead\" excludes \"enc\" and \"auth-trunc\"" },
	{ GVPN_OP_ADD, SA_HEAD "enc cbc(aes) " KEY20,
	  "\"enc\" needs \"auth-trunc\": ESP without integrity is not supported" },
	{ GVPN_OP_ADD, SA_HEAD "auth-trunc hmac(sha1) " KEY20 " 96",
	  "\"auth-trunc\" needs \"enc\": ESP without encryption is not supported" },
	{ GVPN_OP_ADD, SA_HEAD "auth-trunc hmac(sha1) " KEY20,
	  "\"auth-trunc\" needs TRUNC-BITS after KEYMAT" },
	{ GVPN_OP_ADD, SA_HEAD AEAD " aead rfc4106(gcm(aes)) " KEY20 " 64",
	  "\"aead\" is given twice" },
	{ GVPN_OP_DEL, "group 10", "\"spi\" is required" },
	{ GVPN_OP_DEL, "spi 300", "\"group\" is required" },
	{ GVPN_OP_DEL, "group 10 spi 300 policy 1",
	  "unknown keyword \"policy\"; try \"gvpn sa help\"" },
	{ GVPN_OP_SHOW, "spi 300", "\"spi\" needs \"group\"" },
	{ GVPN_OP_FLUSH, "group 1 spi 300", "unknown keyword \"spi\"; try \"gvpn sa help\"" },
	{ GVPN_OP_ADD, SA_HEAD AEAD " tbar tbar", "\"tbar\" is given twice" },
	{ GVPN_OP_ADD, SA_HEAD AEAD " passive passive", "\"passive\" is given twice" },
	{ GVPN_OP_ADD, SA_HEAD AEAD " passive on",
	  "unknown keyword \"on\"; try \"gvpn sa help\"" },
	{ GVPN_OP_ADD, SA_HEAD AEAD " activate-in", "\"activate-in\" needs a value" },
	{ GVPN_OP_ADD, SA_HEAD AEAD " activate-in -1",
	  "invalid activate-in \"-1\": expected seconds, 0..4294967.295 with at most 3 decimals" },
	{ GVPN_OP_ADD, SA_HEAD AEAD " activate-in 0.0005",
	  "invalid activate-in \"0.0005\": expected seconds, 0..4294967.295 with at most 3 decimals" },
	{ GVPN_OP_ADD, SA_HEAD AEAD " activate-in 4294967.296",
	  "invalid activate-in \"4294967.296\": expected seconds, 0..4294967.295 with at most 3 decimals" },
	{ GVPN_OP_ADD, SA_HEAD AEAD " activate-in .5",
	  "invalid activate-in \".5\": expected seconds, 0..4294967.295 with at most 3 decimals" },
	{ GVPN_OP_ADD, SA_HEAD AEAD " activate-in 5.",
	  "invalid activate-in \"5.\": expected seconds, 0..4294967.295 with at most 3 decimals" },
	{ GVPN_OP_ADD, SA_HEAD AEAD " activate-in 1.2.3",
	  "invalid activate-in \"1.2.3\": expected seconds, 0..4294967.295 with at most 3 decimals" },
	{ GVPN_OP_ADD, SA_HEAD AEAD " activate-in 1e3",
	  "invalid activate-in \"1e3\": expected seconds, 0..4294967.295 with at most 3 decimals" },
	{ GVPN_OP_ADD, SA_HEAD AEAD " deactivate-in 99999999999999999999",
	  "invalid deactivate-in \"99999999999999999999\": expected seconds, 0..4294967.295 with at most 3 decimals" },
	{ GVPN_OP_ADD, SA_HEAD AEAD " activate-in 2 deactivate-in 1.5",
	  "\"deactivate-in\" must be later than \"activate-in\"" },
	{ GVPN_OP_ADD, SA_HEAD AEAD " deactivate-in 2 activate-in 2",
	  "\"deactivate-in\" must be later than \"activate-in\"" },
	{ GVPN_OP_ADD, SA_HEAD AEAD " activate-in 1 activate-in 2",
	  "\"activate-in\" is given twice" },
	{ GVPN_OP_SET, "group 1", "\"spi\" is required" },
	{ GVPN_OP_SET, "spi 300 dir in", "\"group\" is required" },
	{ GVPN_OP_SET, "group 1 spi 300",
	  "nothing to set: give deactivate-in, dir or passive" },
	{ GVPN_OP_SET, "group 1 spi 300 passive",
	  "\"passive\" needs a value" },
	{ GVPN_OP_SET, "group 1 spi 300 passive yes",
	  "invalid passive \"yes\": expected on or off" },
	{ GVPN_OP_SET, "group 1 spi 300 dir out",
	  "invalid dir \"out\": expected both or in" },
	{ GVPN_OP_SET, "group 1 spi 300 activate-in 5",
	  "unknown keyword \"activate-in\"; try \"gvpn sa help\"" },
	{ GVPN_OP_SET, "group 1 spi 300 tbar",
	  "unknown keyword \"tbar\"; try \"gvpn sa help\"" },
	{ GVPN_OP_SET, "group 1 spi 300 policy 2",
	  "unknown keyword \"policy\"; try \"gvpn sa help\"" },
	{ GVPN_OP_SET, "group 1 spi 300 " AEAD,
	  "unknown keyword \"aead\"; try \"gvpn sa help\"" },
	{ GVPN_OP_SET, "group 1 spi 300 deactivate-in 1 deactivate-in 2",
	  "\"deactivate-in\" is given twice" },
	{ GVPN_OP_DEL, "group 1 spi 300 deactivate-in 1",
	  "unknown keyword \"deactivate-in\"; try \"gvpn sa help\"" },
	{ GVPN_OP_SHOW, "group 1 passive",
	  "unknown keyword \"passive\"; try \"gvpn sa help\"" },
	/* sender IDs (RFC 6054) */
	{ GVPN_OP_ADD, SA_HEAD AEAD " sender-id 3",
	  "\"sender-id\" needs \"sid-bits\"" },
	{ GVPN_OP_ADD, SA_HEAD AEAD " sid-bits 8",
	  "\"sid-bits\" needs \"sender-id\"" },
	{ GVPN_OP_ADD, SA_HEAD AEAD " iv-counter 5",
	  "\"iv-counter\" needs \"sender-id\"" },
	{ GVPN_OP_ADD, SA_HEAD AEAD " sender-id 256 sid-bits 8",
	  "sender-id 256 does not fit in 8 sid-bits" },
	{ GVPN_OP_ADD, SA_HEAD AEAD " sender-id 1 sid-bits 8 "
	  "iv-counter 0x100000000000000",
	  "iv-counter does not fit in 64 - 8 bits" },
	{ GVPN_OP_ADD, SA_HEAD AEAD " sender-id 1 sid-bits 0",
	  "invalid sid-bits \"0\": expected 1..16" },
	{ GVPN_OP_ADD, SA_HEAD AEAD " sender-id 1 sid-bits 17",
	  "invalid sid-bits \"17\": expected 1..16" },
	{ GVPN_OP_ADD, SA_HEAD AEAD " sender-id 65536 sid-bits 16",
	  "invalid sender-id \"65536\": expected 0..65535" },
	{ GVPN_OP_ADD, SA_HEAD AEAD " sender-id 1 sender-id 2 sid-bits 4",
	  "\"sender-id\" is given twice" },
	{ GVPN_OP_ADD, SA_HEAD AEAD " replay-window 4097",
	  "invalid replay-window \"4097\": expected 0..4096 packets (0 = off)" },
	{ GVPN_OP_ADD, SA_HEAD AEAD " iv-counter -1 sender-id 1 sid-bits 1",
	  "invalid iv-counter \"-1\": expected a number" },
	{ GVPN_OP_SET, "group 1 spi 300 sender-id 2",
	  "unknown keyword \"sender-id\"; try \"gvpn sa help\"" },
};

static void test_sa_bad(void **state)
{
	struct gvpn_sa sa;
	struct words w;
	size_t i, j;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(bad_sa); i++) {
		memset(&sa, 0x5a, sizeof(sa));
		if (sa_args(bad_sa[i].op, bad_sa[i].line, &sa, &w) != -1)
			fail_msg("accepted: %s", bad_sa[i].line);
		if (strcmp(err, bad_sa[i].msg))
			fail_msg("\"%s\": got \"%s\"", bad_sa[i].line, err);
		/* nothing half-parsed survives, keys least of all */
		for (j = 0; j < sizeof(sa); j++)
			assert_int_equal(((uint8_t *)&sa)[j], 0);
		/* no KEYMAT left in argv, before or after the bad word */
		for (j = 0; j < (size_t)w.argc; j++)
			if (strstr(w.argv[j], "0x0001020304"))
				fail_msg("\"%s\": key left in argv[%zu]",
					 bad_sa[i].line, j);
		free(w.copy);
	}
}

/* Flags and activation times; SECS with decimals become milliseconds. */
static void test_sa_add_times(void **state)
{
	static const struct {
		const char *secs;
		uint32_t ms;
	} times[] = {
		{ "0", 0 }, { "0.5", 500 }, { "1", 1000 }, { "1.25", 1250 },
		{ "007.001", 7001 }, { "60.000", 60000 },
		{ "4294967.295", UINT32_MAX },
	};
	char line[256];
	struct gvpn_sa sa;
	struct words w;
	size_t i;

	(void)state;
	assert_int_equal(sa_args(GVPN_OP_ADD, SA_HEAD AEAD " tbar passive "
				 "activate-in 0.5 deactivate-in 30", &sa, &w), 0);
	assert_int_equal(sa.tbar, 1);
	assert_int_equal(sa.passive, 1);
	assert_int_equal(sa.activate_in_ms, 500);
	assert_int_equal(sa.deactivate_in_ms, 30000);
	assert_true(sa.present & GVPN_BIT(GVPN_A_SA_TBAR));
	assert_true(sa.present & GVPN_BIT(GVPN_A_SA_PASSIVE));
	assert_true(sa.present & GVPN_BIT(GVPN_A_SA_ACTIVATE_IN_MS));
	assert_true(sa.present & GVPN_BIT(GVPN_A_SA_DEACTIVATE_IN_MS));
	free(w.copy);
	gvpn_sa_wipe(&sa);

	for (i = 0; i < ARRAY_SIZE(times); i++) {
		snprintf(line, sizeof(line), SA_HEAD AEAD " activate-in %s",
			 times[i].secs);
		assert_int_equal(sa_args(GVPN_OP_ADD, line, &sa, &w), 0);
		if (sa.activate_in_ms != times[i].ms)
			fail_msg("%s: %u ms", times[i].secs, sa.activate_in_ms);
		free(w.copy);
		gvpn_sa_wipe(&sa);
	}

	/* none of them unless asked: the kernel's defaults apply */
	assert_int_equal(sa_args(GVPN_OP_ADD, SA_HEAD AEAD, &sa, &w), 0);
	assert_false(sa.present & (GVPN_BIT(GVPN_A_SA_TBAR) |
				   GVPN_BIT(GVPN_A_SA_PASSIVE) |
				   GVPN_BIT(GVPN_A_SA_ACTIVATE_IN_MS) |
				   GVPN_BIT(GVPN_A_SA_DEACTIVATE_IN_MS)));
	free(w.copy);
	/* deactivate-in 0 is "never", whatever the activation */
	assert_int_equal(sa_args(GVPN_OP_ADD, SA_HEAD AEAD
				 " activate-in 5 deactivate-in 0", &sa, &w), 0);
	assert_int_equal(sa.deactivate_in_ms, 0);
	free(w.copy);
	assert_int_equal(sa_args(GVPN_OP_ADD, SA_HEAD AEAD
				 " deactivate-in 5.001 activate-in 5", &sa, &w), 0);
	free(w.copy);
	gvpn_sa_wipe(&sa);
}

/* "sa set": only what a rekey changes. */
static void test_sa_set(void **state)
{
	struct gvpn_sa sa;
	struct words w;

	(void)state;
	assert_int_equal(sa_args(GVPN_OP_SET, "group 3 spi 0x1000 deactivate-in 2.5 "
				 "dir in passive on", &sa, &w), 0);
	assert_true(sa.present == (GVPN_BIT(GVPN_A_SA_GROUP_ID) |
				   GVPN_BIT(GVPN_A_SA_SPI) |
				   GVPN_BIT(GVPN_A_SA_DEACTIVATE_IN_MS) |
				   GVPN_BIT(GVPN_A_SA_DIR) |
				   GVPN_BIT(GVPN_A_SA_PASSIVE)));
	assert_int_equal(sa.deactivate_in_ms, 2500);
	assert_int_equal(sa.dir, GVPN_SA_DIR_IN);
	assert_int_equal(sa.passive, 1);
	free(w.copy);
	assert_int_equal(sa_args(GVPN_OP_SET, "spi 4096 group 3 passive off",
				 &sa, &w), 0);
	assert_int_equal(sa.passive, 0);
	assert_true(sa.present & GVPN_BIT(GVPN_A_SA_PASSIVE));
	free(w.copy);
	/* 0 cancels a deactivation: it is sent */
	assert_int_equal(sa_args(GVPN_OP_SET, "group 3 spi 4096 deactivate-in 0",
				 &sa, &w), 0);
	assert_int_equal(sa.deactivate_in_ms, 0);
	assert_true(sa.present & GVPN_BIT(GVPN_A_SA_DEACTIVATE_IN_MS));
	free(w.copy);
}

static int policy_args(enum gvpn_op op, const char *line,
		       struct gvpn_policy *p)
{
	struct words w;
	int ret;

	split(&w, line);
	err[0] = '\0';
	ret = gvpn_args_policy(op, w.argc, w.argv, p, err, sizeof(err));
	free(w.copy);
	return ret;
}

static void test_policy_add(void **state)
{
	struct gvpn_policy p;

	(void)state;
	assert_int_equal(policy_args(GVPN_OP_ADD,
				     "group 10 id 1 prio 5 src 10.1.0.0/16 dst 10.2.3.4 "
				     "proto tcp sport 1000-2000 dport 80 action drop "
				     "origin local", &p), 0);
	assert_int_equal(p.group_id, 10);
	assert_int_equal(p.id, 1);
	assert_int_equal(p.prio, 5);
	/* addresses stay in network byte order, as the attribute wants */
	assert_int_equal(p.src.s_addr, htonl(0x0a010000));
	assert_int_equal(p.src_plen, 16);
	assert_int_equal(p.dst.s_addr, htonl(0x0a020304));
	assert_int_equal(p.dst_plen, 32);
	assert_int_equal(p.proto, 6);
	assert_int_equal(p.sport_min, 1000);
	assert_int_equal(p.sport_max, 2000);
	assert_int_equal(p.dport_min, 80);
	assert_int_equal(p.dport_max, 80);
	assert_int_equal(p.action, GVPN_ACTION_DROP);
	assert_int_equal(p.origin, GVPN_ORIGIN_LOCAL);
	assert_int_equal(__builtin_popcountll(p.present), 14);

	/* the minimum: no defaults are invented, the kernel applies them */
	assert_int_equal(policy_args(GVPN_OP_ADD, "action bypass id 7 group 1",
				     &p), 0);
	assert_true(p.present == (GVPN_BIT(GVPN_A_POLICY_GROUP_ID) |
				  GVPN_BIT(GVPN_A_POLICY_ID) |
				  GVPN_BIT(GVPN_A_POLICY_ACTION)));
	assert_int_equal(p.action, GVPN_ACTION_BYPASS);

	assert_int_equal(policy_args(GVPN_OP_ADD,
				     "group 1 id 2 action encrypt proto 47 src 0.0.0.0/0",
				     &p), 0);
	assert_int_equal(p.proto, 47);
	assert_int_equal(p.src_plen, 0);
	assert_true(p.present & GVPN_BIT(GVPN_A_POLICY_SRC_PLEN));

	assert_int_equal(policy_args(GVPN_OP_ADD,
				     "group 1 id 3 action bypass origin fail dst 10.9.0.0/16",
				     &p), 0);
	assert_int_equal(p.origin, GVPN_ORIGIN_FAIL);
	assert_true(p.present & GVPN_BIT(GVPN_A_POLICY_ORIGIN));

	assert_int_equal(policy_args(GVPN_OP_SHOW, "group 1 id 2", &p), 0);
	assert_int_equal(policy_args(GVPN_OP_FLUSH, "", &p), 0);
	assert_int_equal(p.present, 0);
	assert_int_equal(policy_args(GVPN_OP_DEL, "id 2 group 1", &p), 0);
}

static const struct bad bad_policy[] = {
	{ GVPN_OP_ADD, "group 10 id 1", "\"action\" is required" },
	{ GVPN_OP_ADD, "group 10 action drop", "\"id\" is required" },
	{ GVPN_OP_ADD, "id 1 action drop", "\"group\" is required" },
	{ GVPN_OP_ADD, "group 10 id 1 action permit",
	  "invalid action \"permit\": expected encrypt, bypass or drop" },
	{ GVPN_OP_ADD, "group 10 id 1 action drop origin remote",
	  "invalid origin \"remote\": expected ks, local or fail" },
	{ GVPN_OP_ADD, "group 10 id 1 action drop origin",
	  "\"origin\" needs a value" },
	{ GVPN_OP_ADD, "group 10 id 1 action drop origin fail origin ks",
	  "\"origin\" is given twice" },
	{ GVPN_OP_ADD, "group 10 id 1 action drop src 10.1.2.3/16",
	  "invalid src prefix \"10.1.2.3/16\": expected A.B.C.D[/LEN] without host bits" },
	{ GVPN_OP_ADD, "group 10 id 1 action drop dst 10.1.0.0/33",
	  "invalid dst prefix \"10.1.0.0/33\": expected A.B.C.D[/LEN] without host bits" },
	{ GVPN_OP_ADD, "group 10 id 1 action drop proto bogus",
	  "invalid proto \"bogus\": expected a protocol name (tcp, udp, icmp, ...) or 0..255" },
	{ GVPN_OP_ADD, "group 10 id 1 action drop proto 256",
	  "invalid proto \"256\": expected a protocol name (tcp, udp, icmp, ...) or 0..255" },
	{ GVPN_OP_ADD, "group 10 id 1 action drop sport 90-80",
	  "invalid sport \"90-80\": expected PORT or PORT-PORT (0..65535, low first)" },
	{ GVPN_OP_ADD, "group 10 id 1 action drop dport 65536",
	  "invalid dport \"65536\": expected PORT or PORT-PORT (0..65535, low first)" },
	{ GVPN_OP_ADD, "group 10 id 1 action drop prio -1",
	  "invalid prio \"-1\": expected 0..4294967295" },
	{ GVPN_OP_ADD, "group 10 id 1 action drop dport 1 dport 2",
	  "\"dport\" is given twice" },
	{ GVPN_OP_ADD, "group 10 id 1 action drop src 1.0.0.0/8 src 2.0.0.0/8",
	  "\"src\" is given twice" },
	{ GVPN_OP_ADD, "group 10 id 1 action drop prio",
	  "\"prio\" needs a value" },
	{ GVPN_OP_ADD, "group 10 id 1 action drop protocol tcp",
	  "unknown keyword \"protocol\"; try \"gvpn policy help\"" },
	{ GVPN_OP_DEL, "group 10", "\"id\" is required" },
	{ GVPN_OP_DEL, "group 10 id 1 action drop",
	  "unknown keyword \"action\"; try \"gvpn policy help\"" },
	{ GVPN_OP_SHOW, "id 1", "\"id\" needs \"group\"" },
	{ GVPN_OP_FLUSH, "group 1 id 1",
	  "unknown keyword \"id\"; try \"gvpn policy help\"" },
	{ GVPN_OP_SET, "", "policies are replaced by \"del\" and \"add\"" },
};

static void test_policy_bad(void **state)
{
	struct gvpn_policy p;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(bad_policy); i++) {
		if (policy_args(bad_policy[i].op, bad_policy[i].line, &p) != -1)
			fail_msg("accepted: %s", bad_policy[i].line);
		if (strcmp(err, bad_policy[i].msg))
			fail_msg("\"%s\": got \"%s\"", bad_policy[i].line, err);
	}
}

static int group_args(enum gvpn_op op, const char *line, struct gvpn_group *g)
{
	struct words w;
	int ret;

	split(&w, line);
	err[0] = '\0';
	ret = gvpn_args_group(op, w.argc, w.argv, g, err, sizeof(err));
	free(w.copy);
	return ret;
}

static void test_group(void **state)
{
	struct gvpn_group g;

	(void)state;
	assert_int_equal(group_args(GVPN_OP_ADD, "10", &g), 0);
	assert_int_equal(g.id, 10);
	assert_int_equal(g.present, GVPN_BIT(GVPN_A_GROUP_ID));
	assert_int_equal(group_args(GVPN_OP_ADD, "65535 df-bit copy", &g), 0);
	assert_int_equal(g.id, 65535);
	assert_int_equal(g.df_mode, GVPN_DF_COPY);
	assert_true(g.present & GVPN_BIT(GVPN_A_GROUP_DF_MODE));
	assert_int_equal(group_args(GVPN_OP_SET, "1 df-bit set", &g), 0);
	assert_int_equal(g.df_mode, GVPN_DF_SET);
	assert_int_equal(group_args(GVPN_OP_SHOW, "", &g), 0);
	assert_int_equal(g.present, 0);
	assert_int_equal(group_args(GVPN_OP_SHOW, "0x10", &g), 0);
	assert_int_equal(g.id, 16);
	assert_int_equal(group_args(GVPN_OP_DEL, "3", &g), 0);

	assert_int_equal(group_args(GVPN_OP_ADD, "0", &g), -1);
	assert_string_equal(err, "invalid group ID \"0\": expected 1..65535");
	assert_int_equal(group_args(GVPN_OP_ADD, "", &g), -1);
	assert_string_equal(err, "a group ID is required");
	assert_int_equal(group_args(GVPN_OP_ADD, "10 df-bit maybe", &g), -1);
	assert_string_equal(err,
			    "invalid df-bit \"maybe\": expected clear, set or copy");
	assert_int_equal(group_args(GVPN_OP_ADD, "10 df-bit", &g), -1);
	assert_string_equal(err, "\"df-bit\" needs a value");
	assert_int_equal(group_args(GVPN_OP_ADD, "10 df-bit set df-bit copy",
				    &g), -1);
	assert_string_equal(err, "\"df-bit\" is given twice");
	assert_int_equal(group_args(GVPN_OP_SET, "10", &g), -1);
	assert_string_equal(err, "nothing to set: give df-bit, tbar-window, clock, tick, fail-mode, passive, receive-only or legacy-iv");
	assert_int_equal(group_args(GVPN_OP_DEL, "10 df-bit set", &g), -1);
	assert_string_equal(err,
			    "unknown keyword \"df-bit\"; try \"gvpn group help\"");
	assert_int_equal(group_args(GVPN_OP_SHOW, "10 11", &g), -1);
	assert_string_equal(err, "unknown keyword \"11\"; try \"gvpn group help\"");
}

/* The settings of issue 4: replay window, clock, fail mode, passive. */
static void test_group_settings(void **state)
{
	static const enum gvpn_op ops[] = { GVPN_OP_ADD, GVPN_OP_SET };
	struct gvpn_group g;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(ops); i++) {
		assert_int_equal(group_args(ops[i], "7 tbar-window 100 clock "
					    "pseudotime 1000 tick 100", &g), 0);
		assert_int_equal(g.id, 7);
		assert_int_equal(g.tbar_window, 100);
		assert_int_equal(g.clock, GVPN_CLOCK_PSEUDO);
		assert_int_equal(g.pseudotime_ms, 1000000);
		assert_int_equal(g.tick_ms, 100);
		assert_true(g.present == (GVPN_BIT(GVPN_A_GROUP_ID) |
					  GVPN_BIT(GVPN_A_GROUP_TBAR_WINDOW) |
					  GVPN_BIT(GVPN_A_GROUP_CLOCK) |
					  GVPN_BIT(GVPN_A_GROUP_PSEUDOTIME_MS) |
					  GVPN_BIT(GVPN_A_GROUP_TICK_MS)));
	}

	/* each piece alone */
	assert_int_equal(group_args(GVPN_OP_SET, "7 tbar-window 0", &g), 0);
	assert_true(g.present == (GVPN_BIT(GVPN_A_GROUP_ID) |
				  GVPN_BIT(GVPN_A_GROUP_TBAR_WINDOW)));
	assert_int_equal(g.tbar_window, 0);
	assert_int_equal(group_args(GVPN_OP_SET, "7 tbar-window 3600", &g), 0);
	assert_int_equal(g.tbar_window, 3600);
	assert_int_equal(group_args(GVPN_OP_SET, "7 clock wallclock", &g), 0);
	assert_int_equal(g.clock, GVPN_CLOCK_WALL);
	assert_true(g.present == (GVPN_BIT(GVPN_A_GROUP_ID) |
				  GVPN_BIT(GVPN_A_GROUP_CLOCK)));
	assert_int_equal(group_args(GVPN_OP_SET, "7 clock pseudotime 0.001",
				    &g), 0);
	assert_int_equal(g.pseudotime_ms, 1);
	assert_false(g.present & GVPN_BIT(GVPN_A_GROUP_TICK_MS));
	assert_int_equal(group_args(GVPN_OP_SET, "7 clock pseudotime 1234.5",
				    &g), 0);
	assert_int_equal(g.pseudotime_ms, 1234500);
	assert_int_equal(group_args(GVPN_OP_SET,
				    "7 clock pseudotime 18446744073709551.615",
				    &g), 0);
	assert_true(g.pseudotime_ms == UINT64_MAX);
	assert_int_equal(group_args(GVPN_OP_SET, "7 tick 60000", &g), 0);
	assert_int_equal(g.tick_ms, 60000);
	assert_true(g.present == (GVPN_BIT(GVPN_A_GROUP_ID) |
				  GVPN_BIT(GVPN_A_GROUP_TICK_MS)));
	assert_int_equal(group_args(GVPN_OP_SET, "7 tick 1 clock wallclock",
				    &g), 0);
	assert_int_equal(g.tick_ms, 1);

	assert_int_equal(group_args(GVPN_OP_SET, "7 fail-mode close activate",
				    &g), 0);
	assert_int_equal(g.fail_mode, GVPN_FAIL_CLOSE);
	assert_true(g.present & GVPN_BIT(GVPN_A_GROUP_FAIL_ACTIVATE));
	assert_int_equal(group_args(GVPN_OP_SET, "7 fail-mode close", &g), 0);
	assert_false(g.present & GVPN_BIT(GVPN_A_GROUP_FAIL_ACTIVATE));
	assert_int_equal(group_args(GVPN_OP_SET, "7 fail-mode open", &g), 0);
	assert_int_equal(g.fail_mode, GVPN_FAIL_OPEN);
	assert_int_equal(group_args(GVPN_OP_SET, "7 fail-mode none", &g), 0);
	assert_int_equal(g.fail_mode, GVPN_FAIL_NONE);
	/* gvpnd.conf's words for them */
	assert_int_equal(group_args(GVPN_OP_SET, "7 fail-mode drop-encrypt", &g), 0);
	assert_int_equal(g.fail_mode, GVPN_FAIL_OPEN);
	assert_int_equal(group_args(GVPN_OP_SET, "7 fail-mode clear", &g), 0);
	assert_int_equal(g.fail_mode, GVPN_FAIL_NONE);
	assert_true(g.present & GVPN_BIT(GVPN_A_GROUP_FAIL_MODE));

	assert_int_equal(group_args(GVPN_OP_SET, "7 passive on receive-only off",
				    &g), 0);
	assert_int_equal(g.passive, 1);
	assert_int_equal(g.recv_only, 0);
	assert_true(g.present == (GVPN_BIT(GVPN_A_GROUP_ID) |
				  GVPN_BIT(GVPN_A_GROUP_PASSIVE) |
				  GVPN_BIT(GVPN_A_GROUP_RECV_ONLY)));
	assert_int_equal(group_args(GVPN_OP_ADD, "7 receive-only on df-bit copy "
				    "fail-mode close activate passive off", &g), 0);
	assert_int_equal(g.recv_only, 1);
	assert_int_equal(g.df_mode, GVPN_DF_COPY);
	assert_int_equal(__builtin_popcountll(g.present), 6);
}

static const struct bad bad_group[] = {
	{ GVPN_OP_SET, "1 tbar-window 3601",
	  "invalid tbar-window \"3601\": expected 0..3600 seconds (0 = no check)" },
	{ GVPN_OP_SET, "1 tbar-window -1",
	  "invalid tbar-window \"-1\": expected 0..3600 seconds (0 = no check)" },
	{ GVPN_OP_SET, "1 tbar-window 1.5",
	  "invalid tbar-window \"1.5\": expected 0..3600 seconds (0 = no check)" },
	{ GVPN_OP_ADD, "1 tbar-window", "\"tbar-window\" needs a value" },
	{ GVPN_OP_SET, "1 tbar-window 1 tbar-window 2",
	  "\"tbar-window\" is given twice" },
	{ GVPN_OP_SET, "1 tick 0",
	  "invalid tick \"0\": expected 1..60000 milliseconds" },
	{ GVPN_OP_SET, "1 tick 60001",
	  "invalid tick \"60001\": expected 1..60000 milliseconds" },
	{ GVPN_OP_SET, "1 tick 0.5",
	  "invalid tick \"0.5\": expected 1..60000 milliseconds" },
	{ GVPN_OP_SET, "1 tick", "\"tick\" needs a value" },
	{ GVPN_OP_SET, "1 clock pseudotime 1 tick 100 tick 100",
	  "\"tick\" is given twice" },
	{ GVPN_OP_SET, "1 clock", "\"clock\" needs a value" },
	{ GVPN_OP_SET, "1 clock ntp",
	  "invalid clock \"ntp\": expected pseudotime or wallclock" },
	{ GVPN_OP_SET, "1 clock pseudotime",
	  "\"clock pseudotime\" needs VALUE, the pseudotime in seconds" },
	{ GVPN_OP_SET, "1 clock pseudotime tick 100",
	  "\"clock pseudotime\" needs VALUE, the pseudotime in seconds" },
	{ GVPN_OP_SET, "1 clock pseudotime 1.0001",
	  "invalid pseudotime \"1.0001\": expected seconds with at most 3 decimals" },
	{ GVPN_OP_SET, "1 clock pseudotime 18446744073709551.616",
	  "invalid pseudotime \"18446744073709551.616\": expected seconds with at most 3 decimals" },
	{ GVPN_OP_SET, "1 clock pseudotime 10s",
	  "invalid pseudotime \"10s\": expected seconds with at most 3 decimals" },
	{ GVPN_OP_SET, "1 clock wallclock 1000",
	  "unknown keyword \"1000\"; try \"gvpn group help\"" },
	{ GVPN_OP_SET, "1 clock wallclock clock pseudotime 5",
	  "\"clock\" is given twice" },
	{ GVPN_OP_SET, "1 pseudotime 5",
	  "unknown keyword \"pseudotime\"; try \"gvpn group help\"" },
	{ GVPN_OP_SET, "1 fail-mode", "\"fail-mode\" needs a value" },
	{ GVPN_OP_SET, "1 fail-mode closed",
	  "invalid fail-mode \"closed\": expected none (or clear), open (or drop-encrypt) or close" },
	{ GVPN_OP_SET, "1 fail-mode open activate",
	  "\"activate\" must follow \"fail-mode close\"" },
	{ GVPN_OP_SET, "1 fail-mode none activate",
	  "\"activate\" must follow \"fail-mode close\"" },
	{ GVPN_OP_SET, "1 activate",
	  "\"activate\" must follow \"fail-mode close\"" },
	{ GVPN_OP_SET, "1 fail-mode close passive on activate",
	  "\"activate\" must follow \"fail-mode close\"" },
	{ GVPN_OP_SET, "1 fail-mode close activate activate",
	  "\"activate\" must follow \"fail-mode close\"" },
	{ GVPN_OP_SET, "1 fail-mode open fail-mode close",
	  "\"fail-mode\" is given twice" },
	{ GVPN_OP_SET, "1 passive", "\"passive\" needs a value" },
	{ GVPN_OP_SET, "1 passive yes",
	  "invalid passive \"yes\": expected on or off" },
	{ GVPN_OP_SET, "1 receive-only 1",
	  "invalid receive-only \"1\": expected on or off" },
	{ GVPN_OP_SET, "1 receive-only on receive-only on",
	  "\"receive-only\" is given twice" },
	{ GVPN_OP_SET, "1 recv-only on",
	  "unknown keyword \"recv-only\"; try \"gvpn group help\"" },
	{ GVPN_OP_DEL, "1 tbar-window 5",
	  "unknown keyword \"tbar-window\"; try \"gvpn group help\"" },
	{ GVPN_OP_SHOW, "1 passive on",
	  "unknown keyword \"passive\"; try \"gvpn group help\"" },
};

static void test_group_bad(void **state)
{
	struct gvpn_group g;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(bad_group); i++) {
		if (group_args(bad_group[i].op, bad_group[i].line, &g) != -1)
			fail_msg("accepted: %s", bad_group[i].line);
		if (strcmp(err, bad_group[i].msg))
			fail_msg("\"%s\": got \"%s\"", bad_group[i].line, err);
	}
}

static int dev_args(enum gvpn_op op, const char *line,
		    struct gvpn_dev_args *d)
{
	struct words w;
	int ret;

	split(&w, line);
	err[0] = '\0';
	ret = gvpn_args_dev(op, w.argc, w.argv, d, err, sizeof(err));
	free(w.copy);
	return ret;
}

static void test_dev(void **state)
{
	struct gvpn_dev_args d;

	(void)state;
	assert_int_equal(dev_args(GVPN_OP_ADD, "eth1 group 10", &d), 0);
	assert_string_equal(d.ifname, "eth1");
	assert_int_equal(d.group_id, 10);
	assert_int_equal(dev_args(GVPN_OP_DEL, "abcdefghijklmno group 1", &d),
			 0);

	assert_int_equal(dev_args(GVPN_OP_ADD, "eth1", &d), -1);
	assert_string_equal(err, "\"group\" is required");
	assert_int_equal(dev_args(GVPN_OP_ADD, "", &d), -1);
	assert_string_equal(err, "a device name is required");
	assert_int_equal(dev_args(GVPN_OP_ADD, "abcdefghijklmnop group 1", &d),
			 -1);
	assert_string_equal(err, "invalid device name \"abcdefghijklmnop\"");
	assert_int_equal(dev_args(GVPN_OP_ADD, "a/b group 1", &d), -1);
	assert_int_equal(dev_args(GVPN_OP_ADD, "a:b group 1", &d), -1);
	assert_int_equal(dev_args(GVPN_OP_ADD, ".. group 1", &d), -1);
	assert_int_equal(dev_args(GVPN_OP_ADD, "eth1 group 1 group 2", &d), -1);
	assert_string_equal(err, "\"group\" is given twice");
	assert_int_equal(dev_args(GVPN_OP_ADD, "eth1 grp 1", &d), -1);
	assert_string_equal(err, "unknown keyword \"grp\"; try \"gvpn dev help\"");
}

/* The attributes gvpn_put_sa() writes: types, sizes and values. */
static void test_put_sa(void **state)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	const struct nlattr *nest, *a;
	struct nlmsghdr *nlh;
	struct gvpn_sa sa, back;
	struct words w;
	int seen = 0;

	(void)state;
	assert_int_equal(sa_args(GVPN_OP_ADD, SA_HEAD AEAD " lifetime-hard 60",
				 &sa, &w), 0);
	free(w.copy);
	nlh = genl_msg_begin(buf);
	gvpn_put_sa(nlh, &sa);

	nest = mnl_nlmsg_get_payload_offset(nlh, GENL_HDRLEN);
	assert_int_equal(mnl_attr_get_type(nest), GVPN_A_SA);
	mnl_attr_for_each_nested(a, nest) {
		seen++;
		switch (mnl_attr_get_type(a)) {
		case GVPN_A_SA_GROUP_ID:
			assert_int_equal(mnl_attr_get_payload_len(a), 2);
			assert_int_equal(mnl_attr_get_u16(a), 10);
			break;
		case GVPN_A_SA_POLICY_ID:
			assert_int_equal(mnl_attr_get_payload_len(a), 4);
			assert_int_equal(mnl_attr_get_u32(a), 1);
			break;
		case GVPN_A_SA_SPI:
			/* host byte order, as uapi/linux/gvpn.h says */
			assert_int_equal(mnl_attr_get_payload_len(a), 4);
			assert_int_equal(mnl_attr_get_u32(a), 0x1234);
			break;
		case GVPN_A_SA_AEAD_NAME:
			assert_string_equal(mnl_attr_get_str(a),
					    "rfc4106(gcm(aes))");
			assert_int_equal(mnl_attr_get_payload_len(a), 18);
			break;
		case GVPN_A_SA_AEAD_KEY:
			assert_int_equal(mnl_attr_get_payload_len(a), 20);
			assert_int_equal(((uint8_t *)mnl_attr_get_payload(a))[19],
					 0x13);
			break;
		case GVPN_A_SA_AEAD_ICV_BITS:
			assert_int_equal(mnl_attr_get_u32(a), 128);
			break;
		case GVPN_A_SA_LIFETIME_HARD_SECS:
			assert_int_equal(mnl_attr_get_payload_len(a), 8);
			assert_int_equal(mnl_attr_get_u64(a), 60);
			break;
		default:
			fail_msg("unexpected attribute %u", mnl_attr_get_type(a));
		}
	}
	assert_int_equal(seen, 7);

	/* read back as a reply would be: everything but the key */
	assert_int_equal(gvpn_parse_sa(nlh, &back), 0);
	assert_int_equal(back.spi, 0x1234);
	assert_int_equal(back.icv_bits, 128);
	assert_string_equal(back.aead_name, "rfc4106(gcm(aes))");
	assert_int_equal(back.lifetime_hard_secs, 60);
	assert_false(back.present & GVPN_BIT(GVPN_A_SA_AEAD_KEY));
	assert_int_equal(back.aead_key_len, 0);
	gvpn_sa_wipe(&sa);
}

/* The new SA attributes on the wire, and "sa set" requests. */
static void test_put_sa_times(void **state)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	const struct nlattr *nest, *a;
	struct nlmsghdr *nlh;
	struct gvpn_sa sa;
	struct words w;
	int seen = 0;

	(void)state;
	assert_int_equal(sa_args(GVPN_OP_ADD, SA_HEAD AEAD " tbar passive "
				 "activate-in 1.5 deactivate-in 4294967.295",
				 &sa, &w), 0);
	free(w.copy);
	nlh = genl_msg_begin(buf);
	gvpn_put_sa(nlh, &sa);
	gvpn_sa_wipe(&sa);
	nest = mnl_nlmsg_get_payload_offset(nlh, GENL_HDRLEN);
	mnl_attr_for_each_nested(a, nest) {
		switch (mnl_attr_get_type(a)) {
		case GVPN_A_SA_TBAR:
		case GVPN_A_SA_PASSIVE:
			assert_int_equal(mnl_attr_get_payload_len(a), 1);
			assert_int_equal(mnl_attr_get_u8(a), 1);
			seen++;
			break;
		case GVPN_A_SA_ACTIVATE_IN_MS:
			assert_int_equal(mnl_attr_get_payload_len(a), 4);
			assert_int_equal(mnl_attr_get_u32(a), 1500);
			seen++;
			break;
		case GVPN_A_SA_DEACTIVATE_IN_MS:
			assert_int_equal(mnl_attr_get_payload_len(a), 4);
			assert_int_equal(mnl_attr_get_u32(a), UINT32_MAX);
			seen++;
			break;
		}
	}
	assert_int_equal(seen, 4);

	/* "sa set" sends the SA's identity and the changes, nothing else */
	assert_int_equal(sa_args(GVPN_OP_SET, "group 2 spi 300 passive off",
				 &sa, &w), 0);
	free(w.copy);
	nlh = genl_msg_begin(buf);
	gvpn_put_sa(nlh, &sa);
	nest = mnl_nlmsg_get_payload_offset(nlh, GENL_HDRLEN);
	seen = 0;
	mnl_attr_for_each_nested(a, nest) {
		seen++;
		if (mnl_attr_get_type(a) == GVPN_A_SA_PASSIVE)
			assert_int_equal(mnl_attr_get_u8(a), 0);
	}
	assert_int_equal(seen, 3);
}

/* Sender ID words into attributes, and a GET reply back (issue 11). */
static void test_sa_sender_id(void **state)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	const struct nlattr *nest, *a;
	struct nlmsghdr *nlh;
	struct gvpn_sa sa, back;
	struct words w;
	int seen = 0;

	(void)state;
	assert_int_equal(sa_args(GVPN_OP_ADD, SA_HEAD AEAD " sender-id 255 "
				 "sid-bits 8 iv-counter 0xfffffffffffff0 "
				 "replay-window 0", &sa, &w), 0);
	free(w.copy);
	assert_true(sa.has_sid);
	assert_int_equal(sa.sender_id, 255);
	assert_int_equal(sa.sid_bits, 8);
	assert_true(sa.iv_counter == UINT64_C(0xfffffffffffff0));
	assert_int_equal(sa.replay_window, 0);
	nlh = genl_msg_begin(buf);
	gvpn_put_sa(nlh, &sa);
	gvpn_sa_wipe(&sa);
	nest = mnl_nlmsg_get_payload_offset(nlh, GENL_HDRLEN);
	mnl_attr_for_each_nested(a, nest) {
		switch (mnl_attr_get_type(a)) {
		case GVPN_A_SA_SENDER_ID:
			assert_int_equal(mnl_attr_get_payload_len(a), 4);
			assert_int_equal(mnl_attr_get_u32(a), 255);
			seen++;
			break;
		case GVPN_A_SA_SID_BITS:
			assert_int_equal(mnl_attr_get_payload_len(a), 1);
			assert_int_equal(mnl_attr_get_u8(a), 8);
			seen++;
			break;
		case GVPN_A_SA_IV_COUNTER:
			assert_int_equal(mnl_attr_get_payload_len(a), 8);
			assert_true(mnl_attr_get_u64(a) ==
				    UINT64_C(0xfffffffffffff0));
			seen++;
			break;
		case GVPN_A_SA_REPLAY_WINDOW:
			assert_int_equal(mnl_attr_get_payload_len(a), 4);
			assert_int_equal(mnl_attr_get_u32(a), 0);
			seen++;
			break;
		}
	}
	assert_int_equal(seen, 4);

	/* gvpnd sets has_sid alone: both attributes go out */
	memset(&sa, 0, sizeof(sa));
	sa.has_sid = true;
	sa.sender_id = 0;
	sa.sid_bits = 16;
	nlh = genl_msg_begin(buf);
	gvpn_put_sa(nlh, &sa);
	assert_int_equal(gvpn_parse_sa(nlh, &back), 0);
	assert_true(back.has_sid);
	assert_int_equal(back.sender_id, 0);
	assert_int_equal(back.sid_bits, 16);
	assert_true(back.present == (GVPN_BIT(GVPN_A_SA_SENDER_ID) |
				     GVPN_BIT(GVPN_A_SA_SID_BITS)));

	/* a reply: the next counter, the window, the senders seen */
	nlh = genl_msg_begin(buf);
	nest = mnl_attr_nest_start(nlh, GVPN_A_SA);
	mnl_attr_put_u32(nlh, GVPN_A_SA_SENDER_ID, 7);
	mnl_attr_put_u8(nlh, GVPN_A_SA_SID_BITS, 4);
	mnl_attr_put_u64(nlh, GVPN_A_SA_IV_COUNTER, UINT64_C(1) << 59);
	mnl_attr_put_u32(nlh, GVPN_A_SA_REPLAY_WINDOW, 4096);
	mnl_attr_put_u32(nlh, GVPN_A_SA_SENDERS, 3);
	mnl_attr_nest_end(nlh, (struct nlattr *)nest);
	assert_int_equal(gvpn_parse_sa(nlh, &back), 0);
	assert_true(back.has_sid);
	assert_int_equal(back.sender_id, 7);
	assert_int_equal(back.sid_bits, 4);
	assert_true(back.iv_counter == UINT64_C(1) << 59);
	assert_int_equal(back.replay_window, 4096);
	assert_int_equal(back.senders, 3);

	/* no SENDER_ID in a reply: no SID */
	nlh = genl_msg_begin(buf);
	nest = mnl_attr_nest_start(nlh, GVPN_A_SA);
	mnl_attr_put_u32(nlh, GVPN_A_SA_REPLAY_WINDOW, 128);
	mnl_attr_nest_end(nlh, (struct nlattr *)nest);
	assert_int_equal(gvpn_parse_sa(nlh, &back), 0);
	assert_false(back.has_sid);

	/* a SID_BITS of the wrong size is an error */
	nlh = genl_msg_begin(buf);
	nest = mnl_attr_nest_start(nlh, GVPN_A_SA);
	mnl_attr_put_u32(nlh, GVPN_A_SA_SID_BITS, 8);
	mnl_attr_nest_end(nlh, (struct nlattr *)nest);
	assert_int_equal(gvpn_parse_sa(nlh, &back), -EBADMSG);
}

/* legacy-iv: random IVs for counter-mode SAs without SID, on request. */
static void test_group_legacy_iv(void **state)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct gvpn_group g, back;
	struct nlmsghdr *nlh;
	struct words w;

	(void)state;
	split(&w, "4 legacy-iv on");
	assert_int_equal(gvpn_args_group(GVPN_OP_SET, w.argc, w.argv, &g, err,
					 sizeof(err)), 0);
	free(w.copy);
	assert_true(g.legacy_iv);
	assert_true(g.present == (GVPN_BIT(GVPN_A_GROUP_ID) |
				  GVPN_BIT(GVPN_A_GROUP_LEGACY_IV)));
	nlh = genl_msg_begin(buf);
	gvpn_put_group(nlh, &g);
	assert_int_equal(gvpn_parse_group(nlh, &back), 0);
	assert_true(back.legacy_iv);
	assert_true(back.present == g.present);

	split(&w, "4 legacy-iv off");
	assert_int_equal(gvpn_args_group(GVPN_OP_ADD, w.argc, w.argv, &g, err,
					 sizeof(err)), 0);
	free(w.copy);
	assert_false(g.legacy_iv);
	assert_true(g.present & GVPN_BIT(GVPN_A_GROUP_LEGACY_IV));

	split(&w, "4 legacy-iv yes");
	assert_int_equal(gvpn_args_group(GVPN_OP_SET, w.argc, w.argv, &g, err,
					 sizeof(err)), -1);
	free(w.copy);
	assert_string_equal(err, "invalid legacy-iv \"yes\": expected on or off");
}

/* A GET reply of an SA with the new attributes. */
static void test_parse_sa_times(void **state)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	struct gvpn_sa sa;

	(void)state;
	nlh = genl_msg_begin(buf);
	nest = mnl_attr_nest_start(nlh, GVPN_A_SA);
	mnl_attr_put_u32(nlh, GVPN_A_SA_SPI, 0x1000);
	mnl_attr_put_u8(nlh, GVPN_A_SA_TBAR, 1);
	mnl_attr_put_u8(nlh, GVPN_A_SA_PASSIVE, 0);
	mnl_attr_put_u8(nlh, GVPN_A_SA_ACTIVE, 0);
	mnl_attr_put_u32(nlh, GVPN_A_SA_ACTIVATE_IN_MS, 1999);
	mnl_attr_put_u32(nlh, GVPN_A_SA_DEACTIVATE_IN_MS, 60000);
	mnl_attr_nest_end(nlh, nest);
	assert_int_equal(gvpn_parse_sa(nlh, &sa), 0);
	assert_int_equal(sa.tbar, 1);
	assert_int_equal(sa.passive, 0);
	assert_int_equal(sa.active, 0);
	assert_int_equal(sa.activate_in_ms, 1999);
	assert_int_equal(sa.deactivate_in_ms, 60000);
	assert_true(sa.present == (GVPN_BIT(GVPN_A_SA_SPI) |
				   GVPN_BIT(GVPN_A_SA_TBAR) |
				   GVPN_BIT(GVPN_A_SA_PASSIVE) |
				   GVPN_BIT(GVPN_A_SA_ACTIVE) |
				   GVPN_BIT(GVPN_A_SA_ACTIVATE_IN_MS) |
				   GVPN_BIT(GVPN_A_SA_DEACTIVATE_IN_MS)));

	/* a flag of the wrong size is an error, not a truncated read */
	nlh = genl_msg_begin(buf);
	nest = mnl_attr_nest_start(nlh, GVPN_A_SA);
	mnl_attr_put_u32(nlh, GVPN_A_SA_ACTIVE, 1);
	mnl_attr_nest_end(nlh, nest);
	assert_int_equal(gvpn_parse_sa(nlh, &sa), -EBADMSG);
}

/* A SENDER_GET request, and a reply back. */
static void test_put_parse_sender(void **state)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct gvpn_sender_win w;
	const struct nlattr *a;
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	struct gvpn_sa sa;

	(void)state;
	nlh = genl_msg_begin(buf);
	gvpn_put_sender_req(nlh, 7, 0x4000);
	assert_int_equal(gvpn_parse_sa(nlh, &sa), 0);
	assert_true(sa.present == (GVPN_BIT(GVPN_A_SA_GROUP_ID) |
				   GVPN_BIT(GVPN_A_SA_SPI)));
	assert_int_equal(sa.group_id, 7);
	assert_int_equal(sa.spi, 0x4000);
	/* only the sa nest */
	mnl_attr_for_each(a, nlh, GENL_HDRLEN)
		assert_int_equal(mnl_attr_get_type(a), GVPN_A_SA);
	assert_int_equal(gvpn_parse_sender(nlh, &w), -ENOENT);

	/* a reply: the SA's identity and one sender */
	nest = mnl_attr_nest_start(nlh, GVPN_A_SENDER);
	mnl_attr_put_u32(nlh, GVPN_A_SENDER_SID, 257);
	mnl_attr_put_u64(nlh, GVPN_A_SENDER_TOP, 1ULL << 40);
	mnl_attr_put_u64(nlh, GVPN_A_SENDER_RX_PACKETS, 1000);
	mnl_attr_put_u64(nlh, GVPN_A_SENDER_REPLAY, 12);
	mnl_attr_nest_end(nlh, nest);
	assert_int_equal(gvpn_parse_sender(nlh, &w), 0);
	assert_int_equal(w.group_id, 7);
	assert_int_equal(w.spi, 0x4000);
	assert_int_equal(w.sid, 257);
	assert_true(w.top == 1ULL << 40);
	assert_int_equal(w.rx_packets, 1000);
	assert_int_equal(w.replay, 12);
	assert_true(w.present == (GVPN_BIT(GVPN_A_SENDER_SID) |
				  GVPN_BIT(GVPN_A_SENDER_TOP) |
				  GVPN_BIT(GVPN_A_SENDER_RX_PACKETS) |
				  GVPN_BIT(GVPN_A_SENDER_REPLAY)));

	/* a counter of the wrong size is an error */
	nlh = genl_msg_begin(buf);
	nest = mnl_attr_nest_start(nlh, GVPN_A_SENDER);
	mnl_attr_put_u32(nlh, GVPN_A_SENDER_REPLAY, 1);
	mnl_attr_nest_end(nlh, nest);
	assert_int_equal(gvpn_parse_sender(nlh, &w), -EBADMSG);
}

/* Group settings to the kernel, and a GET reply back. */
static void test_put_parse_group(void **state)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	const struct nlattr *a;
	struct nlattr *nest, *st;
	struct nlmsghdr *nlh;
	struct gvpn_group g, back;
	int seen = 0;

	(void)state;
	assert_int_equal(group_args(GVPN_OP_SET, "9 tbar-window 100 clock "
				    "pseudotime 1000.25 tick 100 fail-mode close "
				    "activate passive on receive-only off", &g), 0);
	nlh = genl_msg_begin(buf);
	gvpn_put_group(nlh, &g);
	nest = mnl_nlmsg_get_payload_offset(nlh, GENL_HDRLEN);
	assert_int_equal(mnl_attr_get_type(nest), GVPN_A_GROUP);
	mnl_attr_for_each_nested(a, nest) {
		seen++;
		switch (mnl_attr_get_type(a)) {
		case GVPN_A_GROUP_ID:
			assert_int_equal(mnl_attr_get_u16(a), 9);
			break;
		case GVPN_A_GROUP_TBAR_WINDOW:
			assert_int_equal(mnl_attr_get_payload_len(a), 4);
			assert_int_equal(mnl_attr_get_u32(a), 100);
			break;
		case GVPN_A_GROUP_CLOCK:
			assert_int_equal(mnl_attr_get_payload_len(a), 1);
			assert_int_equal(mnl_attr_get_u8(a), GVPN_CLOCK_PSEUDO);
			break;
		case GVPN_A_GROUP_PSEUDOTIME_MS:
			assert_int_equal(mnl_attr_get_payload_len(a), 8);
			assert_int_equal(mnl_attr_get_u64(a), 1000250);
			break;
		case GVPN_A_GROUP_TICK_MS:
			assert_int_equal(mnl_attr_get_payload_len(a), 4);
			assert_int_equal(mnl_attr_get_u32(a), 100);
			break;
		case GVPN_A_GROUP_FAIL_MODE:
			assert_int_equal(mnl_attr_get_u8(a), GVPN_FAIL_CLOSE);
			break;
		case GVPN_A_GROUP_FAIL_ACTIVATE:
			/* a flag: present, no payload */
			assert_int_equal(mnl_attr_get_payload_len(a), 0);
			break;
		case GVPN_A_GROUP_PASSIVE:
			assert_int_equal(mnl_attr_get_payload_len(a), 1);
			assert_int_equal(mnl_attr_get_u8(a), 1);
			break;
		case GVPN_A_GROUP_RECV_ONLY:
			assert_int_equal(mnl_attr_get_payload_len(a), 1);
			assert_int_equal(mnl_attr_get_u8(a), 0);
			break;
		default:
			fail_msg("unexpected attribute %u", mnl_attr_get_type(a));
		}
	}
	assert_int_equal(seen, 9);
	/* the request reads back as it was meant */
	assert_int_equal(gvpn_parse_group(nlh, &back), 0);
	assert_true(back.present == g.present);

	/* a reply: the settings, the key state, the clock and counters */
	nlh = genl_msg_begin(buf);
	nest = mnl_attr_nest_start(nlh, GVPN_A_GROUP);
	mnl_attr_put_u16(nlh, GVPN_A_GROUP_ID, 9);
	mnl_attr_put_u32(nlh, GVPN_A_GROUP_TBAR_WINDOW, 3600);
	mnl_attr_put_u8(nlh, GVPN_A_GROUP_CLOCK, GVPN_CLOCK_WALL);
	mnl_attr_put_u32(nlh, GVPN_A_GROUP_TICK_MS, 1);
	mnl_attr_put_u64(nlh, GVPN_A_GROUP_CLOCK_MS, UINT64_C(1767225600123));
	mnl_attr_put_u8(nlh, GVPN_A_GROUP_FAIL_MODE, GVPN_FAIL_OPEN);
	mnl_attr_put_u8(nlh, GVPN_A_GROUP_PASSIVE, 0);
	mnl_attr_put_u8(nlh, GVPN_A_GROUP_RECV_ONLY, 1);
	mnl_attr_put_u8(nlh, GVPN_A_GROUP_KEYS, GVPN_KEYS_FAIL_CLOSED);
	st = mnl_attr_nest_start(nlh, GVPN_A_GROUP_STATS);
	mnl_attr_put_u64(nlh, GVPN_A_STATS_REPLAY_OK, 5);
	mnl_attr_put_u64(nlh, GVPN_A_STATS_DROP_REPLAY, 2);
	mnl_attr_put_u64(nlh, GVPN_A_STATS_KEYS_DOWN, 1);
	mnl_attr_nest_end(nlh, st);
	mnl_attr_nest_end(nlh, nest);
	assert_int_equal(gvpn_parse_group(nlh, &back), 0);
	assert_int_equal(back.tbar_window, 3600);
	assert_int_equal(back.clock, GVPN_CLOCK_WALL);
	assert_int_equal(back.tick_ms, 1);
	assert_true(back.clock_ms == UINT64_C(1767225600123));
	assert_int_equal(back.fail_mode, GVPN_FAIL_OPEN);
	assert_int_equal(back.passive, 0);
	assert_int_equal(back.recv_only, 1);
	assert_int_equal(back.keys, GVPN_KEYS_FAIL_CLOSED);
	assert_true(back.present & GVPN_BIT(GVPN_A_GROUP_KEYS));
	assert_true(back.present & GVPN_BIT(GVPN_A_GROUP_CLOCK_MS));
	assert_int_equal(back.stats.v[GVPN_A_STATS_REPLAY_OK], 5);
	assert_int_equal(back.stats.v[GVPN_A_STATS_DROP_REPLAY], 2);
	assert_int_equal(back.stats.v[GVPN_A_STATS_KEYS_DOWN], 1);

	/* a clock of the wrong size is an error */
	nlh = genl_msg_begin(buf);
	nest = mnl_attr_nest_start(nlh, GVPN_A_GROUP);
	mnl_attr_put_u32(nlh, GVPN_A_GROUP_CLOCK_MS, 1);
	mnl_attr_nest_end(nlh, nest);
	assert_int_equal(gvpn_parse_group(nlh, &back), -EBADMSG);
}

static void test_put_parse_policy(void **state)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct gvpn_policy p, back;
	struct nlattr *nest, *st;
	struct nlmsghdr *nlh;

	(void)state;
	assert_int_equal(policy_args(GVPN_OP_ADD,
				     "group 10 id 1 src 10.1.0.0/16 dst 10.2.0.0/16 "
				     "proto udp dport 53 action encrypt", &p), 0);
	nlh = genl_msg_begin(buf);
	gvpn_put_policy(nlh, &p);
	assert_int_equal(gvpn_parse_policy(nlh, &back), 0);
	assert_int_equal(back.present, p.present);
	assert_int_equal(back.src.s_addr, htonl(0x0a010000));
	assert_int_equal(back.dst_plen, 16);
	assert_int_equal(back.proto, 17);
	assert_int_equal(back.dport_min, 53);
	assert_int_equal(back.dport_max, 53);
	/* absent port ranges read back as the whole range */
	assert_int_equal(back.sport_min, 0);
	assert_int_equal(back.sport_max, 65535);

	/* a reply with counters, and an attribute of a newer kernel */
	nlh = genl_msg_begin(buf);
	nest = mnl_attr_nest_start(nlh, GVPN_A_POLICY);
	mnl_attr_put_u16(nlh, GVPN_A_POLICY_GROUP_ID, 4);
	mnl_attr_put_u32(nlh, GVPN_A_POLICY_ID, 9);
	mnl_attr_put_u32(nlh, GVPN_A_POLICY_MAX + 5, 1);
	st = mnl_attr_nest_start(nlh, GVPN_A_POLICY_STATS);
	mnl_attr_put_u64(nlh, GVPN_A_STATS_MATCH_PACKETS, 12);
	mnl_attr_put_u64(nlh, GVPN_A_STATS_MATCH_BYTES, 3400);
	mnl_attr_nest_end(nlh, st);
	mnl_attr_nest_end(nlh, nest);
	assert_int_equal(gvpn_parse_policy(nlh, &back), 0);
	assert_int_equal(back.id, 9);
	assert_int_equal(back.stats.v[GVPN_A_STATS_MATCH_PACKETS], 12);
	assert_int_equal(back.stats.v[GVPN_A_STATS_MATCH_BYTES], 3400);
	assert_true(back.stats.present ==
		    (GVPN_BIT(GVPN_A_STATS_MATCH_PACKETS) |
		     GVPN_BIT(GVPN_A_STATS_MATCH_BYTES)));

	/* a known attribute of the wrong size is an error */
	nlh = genl_msg_begin(buf);
	nest = mnl_attr_nest_start(nlh, GVPN_A_POLICY);
	mnl_attr_put_u16(nlh, GVPN_A_POLICY_ID, 9);
	mnl_attr_nest_end(nlh, nest);
	assert_int_equal(gvpn_parse_policy(nlh, &back), -EBADMSG);
	/* and a message without the nest says so */
	assert_int_equal(gvpn_parse_group(nlh, &(struct gvpn_group){ 0 }),
			 -ENOENT);
}

static void test_parse_group_event(void **state)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct gvpn_event_msg ev;
	struct gvpn_group g;
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	uint32_t i;

	(void)state;
	nlh = genl_msg_begin(buf);
	nest = mnl_attr_nest_start(nlh, GVPN_A_GROUP);
	mnl_attr_put_u16(nlh, GVPN_A_GROUP_ID, 10);
	mnl_attr_put_u8(nlh, GVPN_A_GROUP_DF_MODE, GVPN_DF_COPY);
	for (i = 1; i <= GVPN_MAX_IFINDEX + 2; i++)
		mnl_attr_put_u32(nlh, GVPN_A_GROUP_IFINDEX, i);
	mnl_attr_nest_end(nlh, nest);
	assert_int_equal(gvpn_parse_group(nlh, &g), 0);
	assert_int_equal(g.id, 10);
	assert_int_equal(g.df_mode, GVPN_DF_COPY);
	assert_int_equal(g.n_ifindex, GVPN_MAX_IFINDEX);
	assert_int_equal(g.ifindexes[1], 2);
	assert_true(g.ifindex_truncated);

	nlh = genl_msg_begin(buf);
	mnl_attr_put_u8(nlh, GVPN_A_EVENT_TYPE, GVPN_EVENT_UNKNOWN_SPI);
	mnl_attr_put_u32(nlh, GVPN_A_EVENT_SRC, htonl(0x0a000001));
	mnl_attr_put_u32(nlh, GVPN_A_EVENT_DST, htonl(0x0a000002));
	nest = mnl_attr_nest_start(nlh, GVPN_A_SA);
	mnl_attr_put_u32(nlh, GVPN_A_SA_SPI, 0xdead);
	mnl_attr_nest_end(nlh, nest);
	assert_int_equal(gvpn_parse_event(nlh, &ev), 0);
	assert_int_equal(ev.type, GVPN_EVENT_UNKNOWN_SPI);
	assert_string_equal(gvpn_event_name(ev.type), "unknown-spi");
	assert_int_equal(ev.src.s_addr, htonl(0x0a000001));
	assert_int_equal(ev.sa.spi, 0xdead);
	assert_false(ev.present & GVPN_BIT(GVPN_A_GROUP));
	assert_true(ev.present & GVPN_BIT(GVPN_A_SA));
	assert_false(ev.present & GVPN_BIT(GVPN_A_EVENT_SENDER_TIME));

	/* REPLAY_FAILED: both clocks, 64 bits each, after a pad */
	nlh = genl_msg_begin(buf);
	mnl_attr_put_u8(nlh, GVPN_A_EVENT_TYPE, GVPN_EVENT_REPLAY_FAILED);
	nest = mnl_attr_nest_start(nlh, GVPN_A_SA);
	mnl_attr_put_u16(nlh, GVPN_A_SA_GROUP_ID, 1);
	mnl_attr_put_u32(nlh, GVPN_A_SA_SPI, 0x1000);
	mnl_attr_nest_end(nlh, nest);
	mnl_attr_put_u32(nlh, GVPN_A_EVENT_SRC, htonl(0x0a000001));
	mnl_attr_put_u32(nlh, GVPN_A_EVENT_DST, htonl(0x0a000002));
	mnl_attr_put(nlh, GVPN_A_PAD, 0, NULL);
	mnl_attr_put_u64(nlh, GVPN_A_EVENT_SENDER_TIME, 1000123);
	mnl_attr_put_u64(nlh, GVPN_A_EVENT_LOCAL_TIME, UINT64_C(1767225600999));
	assert_int_equal(gvpn_parse_event(nlh, &ev), 0);
	assert_string_equal(gvpn_event_name(ev.type), "replay-failed");
	assert_int_equal(ev.sender_time_ms, 1000123);
	assert_true(ev.local_time_ms == UINT64_C(1767225600999));
	assert_true(ev.present & GVPN_BIT(GVPN_A_EVENT_SENDER_TIME));
	assert_true(ev.present & GVPN_BIT(GVPN_A_EVENT_LOCAL_TIME));
	assert_int_equal(ev.dst.s_addr, htonl(0x0a000002));

	/* KEYS_DOWN is about a group */
	nlh = genl_msg_begin(buf);
	mnl_attr_put_u8(nlh, GVPN_A_EVENT_TYPE, GVPN_EVENT_KEYS_DOWN);
	nest = mnl_attr_nest_start(nlh, GVPN_A_GROUP);
	mnl_attr_put_u16(nlh, GVPN_A_GROUP_ID, 77);
	mnl_attr_nest_end(nlh, nest);
	assert_int_equal(gvpn_parse_event(nlh, &ev), 0);
	assert_string_equal(gvpn_event_name(ev.type), "keys-down");
	assert_int_equal(ev.group.id, 77);

	/* a time of the wrong size is an error */
	nlh = genl_msg_begin(buf);
	mnl_attr_put_u8(nlh, GVPN_A_EVENT_TYPE, GVPN_EVENT_REPLAY_FAILED);
	mnl_attr_put_u32(nlh, GVPN_A_EVENT_LOCAL_TIME, 5);
	assert_int_equal(gvpn_parse_event(nlh, &ev), -EBADMSG);
}

static void test_enum_names(void **state)
{
	(void)state;
	assert_string_equal(gvpn_df_mode_name(GVPN_DF_CLEAR), "clear");
	assert_string_equal(gvpn_action_name(GVPN_ACTION_ENCRYPT), "encrypt");
	assert_string_equal(gvpn_origin_name(GVPN_ORIGIN_KS), "ks");
	assert_string_equal(gvpn_sa_dir_name(GVPN_SA_DIR_BOTH), "both");
	assert_string_equal(gvpn_event_name(GVPN_EVENT_AUTH_FAILED),
			    "auth-failed");
	assert_null(gvpn_action_name(3));
	assert_null(gvpn_event_name(200));
	assert_int_equal(gvpn_sa_dir_parse("in"), GVPN_SA_DIR_IN);
	assert_int_equal(gvpn_df_mode_parse("Copy"), -1);
	assert_string_equal(gvpn_stat_name(GVPN_A_STATS_DROP_NO_SA),
			    "drop_no_sa");
	assert_null(gvpn_stat_name(GVPN_A_STATS_PAD));
	assert_null(gvpn_stat_name(GVPN_A_STATS_MAX + 1));

	assert_string_equal(gvpn_origin_name(GVPN_ORIGIN_FAIL), "fail");
	assert_int_equal(gvpn_origin_parse("fail"), GVPN_ORIGIN_FAIL);
	assert_string_equal(gvpn_clock_name(GVPN_CLOCK_WALL), "wallclock");
	assert_string_equal(gvpn_clock_name(GVPN_CLOCK_PSEUDO), "pseudotime");
	assert_int_equal(gvpn_clock_parse("pseudotime"), GVPN_CLOCK_PSEUDO);
	assert_int_equal(gvpn_clock_parse("pseudo"), -1);
	assert_null(gvpn_clock_name(2));
	assert_string_equal(gvpn_fail_mode_name(GVPN_FAIL_NONE), "none");
	assert_string_equal(gvpn_fail_mode_name(GVPN_FAIL_OPEN), "open");
	assert_string_equal(gvpn_fail_mode_name(GVPN_FAIL_CLOSE), "close");
	assert_int_equal(gvpn_fail_mode_parse("close"), GVPN_FAIL_CLOSE);
	assert_null(gvpn_fail_mode_name(3));
	assert_string_equal(gvpn_keys_name(GVPN_KEYS_NONE), "none");
	assert_string_equal(gvpn_keys_name(GVPN_KEYS_UP), "up");
	assert_string_equal(gvpn_keys_name(GVPN_KEYS_FAIL_CLOSED),
			    "fail-closed");
	assert_null(gvpn_keys_name(3));
	assert_string_equal(gvpn_event_name(GVPN_EVENT_SA_ACTIVATED),
			    "sa-activated");
	assert_string_equal(gvpn_event_name(GVPN_EVENT_SA_DEACTIVATED),
			    "sa-deactivated");
	assert_string_equal(gvpn_event_name(GVPN_EVENT_KEYS_UP), "keys-up");
	assert_string_equal(gvpn_stat_name(GVPN_A_STATS_REPLAY_OK), "replay_ok");
	assert_string_equal(gvpn_stat_name(GVPN_A_STATS_DROP_REPLAY),
			    "drop_replay");
	assert_string_equal(gvpn_stat_name(GVPN_A_STATS_TX_TIMESTAMPED),
			    "tx_timestamped");
	assert_string_equal(gvpn_stat_name(GVPN_A_STATS_KEYS_DOWN), "keys_down");
	assert_string_equal(gvpn_stat_name(GVPN_A_STATS_CLEAR_IPV6),
			    "clear_ipv6");
}

/* Every counter, attribute and event of the uapi has a name. */
static void test_names_complete(void **state)
{
	unsigned int t;

	(void)state;
	for (t = GVPN_A_STATS_TX_PACKETS; t <= GVPN_A_STATS_MAX; t++)
		if (!gvpn_stat_name(t))
			fail_msg("counter %u has no name", t);
	for (t = GVPN_EVENT_SA_ADDED; t <= GVPN_EVENT_KEYS_DOWN; t++)
		if (!gvpn_event_name((uint8_t)t))
			fail_msg("event %u has no name", t);
}

/* Times as the CLI prints them: seconds and milliseconds. */
static void test_ms_str(void **state)
{
	char buf[GVPN_MS_STR_LEN];

	(void)state;
	assert_string_equal(gvpn_ms_str(0, buf, sizeof(buf)), "0.000");
	assert_string_equal(gvpn_ms_str(5, buf, sizeof(buf)), "0.005");
	assert_string_equal(gvpn_ms_str(1000, buf, sizeof(buf)), "1.000");
	assert_string_equal(gvpn_ms_str(1000250, buf, sizeof(buf)), "1000.250");
	assert_string_equal(gvpn_ms_str(UINT64_C(1767225600123), buf,
					sizeof(buf)), "1767225600.123");
	assert_string_equal(gvpn_ms_str(UINT64_MAX, buf, sizeof(buf)),
			    "18446744073709551.615");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sa_add_aead),
		cmocka_unit_test(test_sa_add_enc_auth),
		cmocka_unit_test(test_sa_add_times),
		cmocka_unit_test(test_sa_set),
		cmocka_unit_test(test_sa_other_ops),
		cmocka_unit_test(test_sa_bad),
		cmocka_unit_test(test_policy_add),
		cmocka_unit_test(test_policy_bad),
		cmocka_unit_test(test_group),
		cmocka_unit_test(test_group_settings),
		cmocka_unit_test(test_group_bad),
		cmocka_unit_test(test_dev),
		cmocka_unit_test(test_put_sa),
		cmocka_unit_test(test_put_sa_times),
		cmocka_unit_test(test_sa_sender_id),
		cmocka_unit_test(test_group_legacy_iv),
		cmocka_unit_test(test_parse_sa_times),
		cmocka_unit_test(test_put_parse_sender),
		cmocka_unit_test(test_put_parse_group),
		cmocka_unit_test(test_put_parse_policy),
		cmocka_unit_test(test_parse_group_event),
		cmocka_unit_test(test_enum_names),
		cmocka_unit_test(test_names_complete),
		cmocka_unit_test(test_ms_str),
	};

	return cmocka_run_group_tests_name("args", tests, NULL, NULL);
}
