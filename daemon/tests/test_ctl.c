// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * Unit tests for the control socket's framing (lib/ctl_proto.c) and for
 * how gvpnd answers a request (main/ctl.c): malformed and oversize
 * requests, unknown commands, permissions, a handler's text and JSON.
 */

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/log.h"
#include "ctl_proto.h"
#include "json.h"
#include "main/ctl.h"
#include "main/ctl_int.h"

#define REQ(words) CTL_MAGIC "\0" words
/* sizeof of a literal counts its final NUL: that is the empty word */
#define DECODE(lit, req, err) \
	ctl_decode(lit, sizeof(lit), req, err, sizeof(err))

static struct ctl_req req;

static void test_roundtrip(void **state)
{
	char *argv[] = { "ks", "members", "group", "1234" };
	char buf[CTL_MAX_REQ], err[128];
	ssize_t len;
	int i;

	(void)state;
	len = ctl_encode(buf, sizeof(buf), true, 4, argv);
	assert_int_equal(len, sizeof(REQ("json\0ks\0members\0group\0001234\0")));
	assert_memory_equal(buf, REQ("json\0ks\0members\0group\0001234\0"),
			    (size_t)len);
	/* every prefix wants more; the whole is one request */
	for (i = 0; i < len; i++)
		assert_int_equal(ctl_decode(buf, (size_t)i, &req, err,
					    sizeof(err)), 0);
	assert_int_equal(ctl_decode(buf, (size_t)len, &req, err, sizeof(err)), 1);
	assert_true(req.json);
	assert_int_equal(req.argc, 4);
	for (i = 0; i < 4; i++)
		assert_string_equal(req.argv[i], argv[i]);
	assert_null(req.argv[4]);

	len = ctl_encode(buf, sizeof(buf), false, 2, argv);
	assert_true(len > 0);
	assert_int_equal(ctl_decode(buf, (size_t)len, &req, err, sizeof(err)), 1);
	assert_false(req.json);
	assert_int_equal(req.argc, 2);
}

static void test_encode_refuses(void **state)
{
	char *empty[] = { "ks", "" }, *ctrl[] = { "ks", "sh\now" };
	char *many[CTL_MAX_WORDS + 1], longw[CTL_MAX_WORD + 2], buf[CTL_MAX_REQ];
	char *lw[] = { "ks", longw }, *one[] = { "ks" };
	int i;

	(void)state;
	assert_int_equal(ctl_encode(buf, sizeof(buf), false, 2, empty), -1);
	assert_int_equal(ctl_encode(buf, sizeof(buf), false, 2, ctrl), -1);
	assert_int_equal(ctl_encode(buf, sizeof(buf), false, 1, one), -1);
	for (i = 0; i <= CTL_MAX_WORDS; i++)
		many[i] = "x";
	assert_int_equal(ctl_encode(buf, sizeof(buf), false, CTL_MAX_WORDS + 1,
				    many), -1);
	assert_true(ctl_encode(buf, sizeof(buf), false, CTL_MAX_WORDS, many) > 0);
	memset(longw, 'a', sizeof(longw) - 1);
	longw[sizeof(longw) - 1] = '\0';
	assert_int_equal(ctl_encode(buf, sizeof(buf), false, 2, lw), -1);
	longw[CTL_MAX_WORD] = '\0';
	assert_true(ctl_encode(buf, sizeof(buf), false, 2, lw) > 0);
	/* a buffer too small is refused, not overrun */
	assert_int_equal(ctl_encode(buf, 20, false, 2, lw), -1);
}

static void expect_bad(const char *buf, size_t len, const char *want)
{
	char err[128] = "";

	if (ctl_decode(buf, len, &req, err, sizeof(err)) != -1)
		fail_msg("accepted (want \"%s\")", want);
	if (!strstr(err, want))
		fail_msg("error \"%s\" lacks \"%s\"", err, want);
}

#define BAD(lit, want) expect_bad(lit, sizeof(lit), want)

static void test_malformed(void **state)
{
	char big[CTL_MAX_REQ + 300], err[128];

	(void)state;
	BAD("GET / HTTP/1.0\r\n", "not a gvpn control request");
	/* the magic is judged as soon as its first byte is there */
	expect_bad("x", 1, "not a gvpn control request");
	BAD("gvpn-ctl/2\0text\0ks\0show\0", "not a gvpn control request");
	BAD(REQ("xml\0ks\0show\0"), "unknown format");
	BAD(CTL_MAGIC "\0", "without a format");
	BAD(REQ("text\0"), "without a command");
	BAD(REQ("text\0ks\0"), "without a command");
	BAD(REQ("text\0ks\0sh\tow\0"), "word 2: control characters");
	BAD(REQ("text\0ks\0show\0\0garbage"), "bytes after the end");

	/* a word longer than CTL_MAX_WORD */
	memcpy(big, REQ("text\0ks\0"), sizeof(REQ("text\0ks\0")) - 1);
	memset(big + sizeof(REQ("text\0ks\0")) - 1, 'a', CTL_MAX_WORD + 1);
	big[sizeof(REQ("text\0ks\0")) - 1 + CTL_MAX_WORD + 1] = '\0';
	big[sizeof(REQ("text\0ks\0")) + CTL_MAX_WORD + 1] = '\0';
	expect_bad(big, sizeof(REQ("text\0ks\0")) + CTL_MAX_WORD + 2,
		   "word 2: too long");

	/* more than CTL_MAX_WORDS words */
	{
		size_t off = sizeof(REQ("text\0")) - 1;
		int i;

		memcpy(big, REQ("text\0"), off);
		for (i = 0; i <= CTL_MAX_WORDS; i++) {
			big[off++] = 'w';
			big[off++] = '\0';
		}
		big[off++] = '\0';
		expect_bad(big, off, "more than 32 words");
	}

	/* no terminator within CTL_MAX_REQ: too long, whatever follows */
	memcpy(big, REQ("text\0ks\0"), sizeof(REQ("text\0ks\0")) - 1);
	memset(big + sizeof(REQ("text\0ks\0")) - 1, 'a',
	       sizeof(big) - sizeof(REQ("text\0ks\0")) + 1);
	assert_int_equal(ctl_decode(big, CTL_MAX_REQ - 1, &req, err,
				    sizeof(err)), -1);	/* word too long */
	{
		/* words of 200 bytes: valid, only the total is too long */
		size_t off = sizeof(REQ("text\0")) - 1;

		memcpy(big, REQ("text\0"), off);
		while (off + 202 <= sizeof(big)) {
			memset(big + off, 'b', 200);
			big[off + 200] = '\0';
			off += 201;
		}
		big[off++] = '\0';	/* the end, past the limit */
		assert_true(off > CTL_MAX_REQ);
		assert_int_equal(ctl_decode(big, CTL_MAX_REQ - 1, &req, err,
					    sizeof(err)), 0);
		expect_bad(big, CTL_MAX_REQ, "longer than 4096 bytes");
		expect_bad(big, off, "longer than 4096 bytes");
	}
}

static void test_max_size(void **state)
{
	char buf[CTL_MAX_REQ], *argv[CTL_MAX_WORDS], words[CTL_MAX_WORDS][CTL_MAX_WORD + 1];
	size_t used = sizeof(REQ("text\0")), left;
	ssize_t len;
	int i, n = 0;

	(void)state;
	/* fill exactly CTL_MAX_REQ bytes: words plus the terminator */
	left = CTL_MAX_REQ - used;
	while (left > 0) {
		size_t w = left - 1 > CTL_MAX_WORD ? CTL_MAX_WORD : left - 1;

		/* never leave 1 byte: a word needs 2 */
		if (left - (w + 1) == 1)
			w--;
		memset(words[n], 'c', w);
		words[n][w] = '\0';
		argv[n] = words[n];
		left -= w + 1;
		n++;
	}
	len = ctl_encode(buf, sizeof(buf), false, n, argv);
	assert_int_equal(len, CTL_MAX_REQ);
	assert_int_equal(ctl_decode(buf, (size_t)len, &req, words[0], 64), 1);
	assert_int_equal(req.argc, n);
	for (i = 0; i < n; i++)
		assert_int_equal(strlen(req.argv[i]), strlen(argv[i]));
}

static void test_reply_split(void **state)
{
	char ok[] = "0\n{\"a\":1}\n", fail[] = "1 no such group\n",
	     usage[] = "2 unknown command\n", bad1[] = "3 x\n", bad2[] = "0",
	     bad3[] = "1\n", bad4[] = "0 extra\n", *msg, *body;

	(void)state;
	assert_int_equal(ctl_reply_split(ok, strlen(ok), &msg, &body), 0);
	assert_string_equal(body, "{\"a\":1}\n");
	assert_int_equal(ctl_reply_split(fail, strlen(fail), &msg, &body), 1);
	assert_string_equal(msg, "no such group");
	assert_string_equal(body, "");
	assert_int_equal(ctl_reply_split(usage, strlen(usage), &msg, &body), 2);
	assert_string_equal(msg, "unknown command");
	assert_int_equal(ctl_reply_split(bad1, strlen(bad1), &msg, &body), -1);
	assert_int_equal(ctl_reply_split(bad2, strlen(bad2), &msg, &body), -1);
	assert_int_equal(ctl_reply_split(bad3, strlen(bad3), &msg, &body), -1);
	assert_int_equal(ctl_reply_split(bad4, strlen(bad4), &msg, &body), -1);
}

/* --- answers --------------------------------------------------------------- */

static int calls;

static int h_show(void *arg, int argc, char **argv, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	calls++;
	assert_string_equal(arg, "ks-state");
	assert_int_equal(argc, 2);
	assert_string_equal(argv[1], "show");
	open_json_object(NULL);
	print_string(PRINT_ANY, "name", "group", "g1");
	print_uint(PRINT_ANY, "id", "id", 1234);
	print_uint(PRINT_ANY, "members", "members", 3);
	print_nl();
	close_json_object();
	return 0;
}

static int h_members(void *arg, int argc, char **argv, char *err,
		     size_t errlen)
{
	(void)arg;
	(void)argv;
	calls++;
	print_string(PRINT_ANY, "partial", NULL, "output");
	if (argc != 2 && argc != 4) {
		snprintf(err, errlen, "expected [ group ID ]");
		return -2;
	}
	snprintf(err, errlen, "no group 77\nsecond line");
	return -1;
}

static int h_register(void *arg, int argc, char **argv, char *err,
		      size_t errlen)
{
	(void)arg;
	(void)argc;
	(void)argv;
	(void)err;
	(void)errlen;
	calls++;
	print_string(PRINT_FP, NULL, NULL, "registering");
	print_nl();
	return 0;
}

/* answer the words as a client with or without write access */
static int answer(bool json, bool may_write, char **out, int argc, ...)
{
	char buf[CTL_MAX_REQ], err[128], *argv[CTL_MAX_WORDS];
	size_t len;
	ssize_t n;
	va_list ap;
	int i, rc;

	va_start(ap, argc);
	for (i = 0; i < argc; i++)
		argv[i] = va_arg(ap, char *);
	va_end(ap);
	n = ctl_encode(buf, sizeof(buf), json, argc, argv);
	assert_true(n > 0);
	assert_int_equal(ctl_decode(buf, (size_t)n, &req, err, sizeof(err)), 1);
	rc = ctl_answer(&req, may_write, out, &len);
	assert_int_equal(strlen(*out), len);
	return rc;
}

static int setup_ks_gm(void **state)
{
	(void)state;
	log_init("test_ctl", true, LOG_ERR);
	ctl_close();
	assert_int_equal(ctl_register("ks", "show", h_show, "ks-state"), 0);
	assert_int_equal(ctl_register("ks", "members", h_members, NULL), 0);
	assert_int_equal(ctl_register("gm", "register", h_register, NULL), 0);
	calls = 0;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ctl_close();
	return 0;
}

static void test_text_and_json(void **state)
{
	char *out;

	(void)state;
	assert_int_equal(answer(false, false, &out, 2, "ks", "show"), 0);
	assert_string_equal(out, "0\ngroup g1 id 1234 members 3\n");
	free(out);
	assert_int_equal(answer(true, false, &out, 2, "ks", "show"), 0);
	assert_string_equal(out, "0\n{\"name\":\"g1\",\"id\":1234,\"members\":3}\n");
	free(out);
	assert_int_equal(calls, 2);
}

static void test_handler_errors(void **state)
{
	char *out;

	(void)state;
	/* an error drops what the handler printed; one line, no newline */
	assert_int_equal(answer(false, false, &out, 4, "ks", "members",
				"group", "77"), 1);
	assert_string_equal(out, "1 no group 77 second line\n");
	free(out);
	assert_int_equal(answer(true, false, &out, 3, "ks", "members", "x"), 2);
	assert_string_equal(out, "2 expected [ group ID ]\n");
	free(out);
}

static void test_unknown(void **state)
{
	char *out;

	(void)state;
	assert_int_equal(answer(false, true, &out, 2, "ks", "frobnicate"), 2);
	assert_string_equal(out, "2 unknown command \"ks frobnicate\"; this gvpnd answers: ks show, ks members, gm register\n");
	free(out);
	assert_int_equal(answer(false, true, &out, 2, "daemon", "show"), 2);
	assert_non_null(strstr(out, "2 unknown object \"daemon\";"));
	free(out);
	/* commands match exactly: the CLI expands abbreviations */
	assert_int_equal(answer(false, true, &out, 2, "ks", "sh"), 2);
	free(out);
	assert_int_equal(calls, 0);
}

static void test_member_only(void **state)
{
	char *out;

	(void)state;
	ctl_close();
	assert_int_equal(ctl_register("gm", "show", h_register, NULL), 0);
	assert_int_equal(answer(false, false, &out, 2, "ks", "show"), 2);
	assert_string_equal(out, "2 this gvpnd is not a key server (no \"server\" in its configuration); this gvpnd answers: gm show\n");
	free(out);
	ctl_close();
	assert_int_equal(answer(false, false, &out, 2, "gm", "show"), 2);
	assert_non_null(strstr(out, "not a group member"));
	assert_non_null(strstr(out, "no control commands"));
	free(out);
}

static void test_permissions(void **state)
{
	char *out;

	(void)state;
	assert_false(ctl_readonly("register"));
	assert_true(ctl_readonly("members"));
	assert_int_equal(answer(false, false, &out, 4, "gm", "register",
				"group", "1"), 1);
	assert_string_equal(out, "1 permission denied: \"gm register\" changes gvpnd's state and needs root\n");
	free(out);
	assert_int_equal(calls, 0);
	assert_int_equal(answer(false, true, &out, 4, "gm", "register",
				"group", "1"), 0);
	assert_string_equal(out, "0\nregistering\n");
	free(out);
	assert_int_equal(calls, 1);
}

static void test_register(void **state)
{
	int i, rc = 0;

	(void)state;
	assert_int_equal(ctl_register("ks", "show", h_show, NULL), -1);
	assert_int_equal(errno, EEXIST);
	assert_int_equal(ctl_register("", "show", h_show, NULL), -1);
	assert_int_equal(ctl_register("x", "y", NULL, NULL), -1);
	for (i = 0; i < CTL_MAX_CMDS && !rc; i++) {
		static char names[CTL_MAX_CMDS][8];

		snprintf(names[i], sizeof(names[i]), "c%d", i);
		rc = ctl_register("t", names[i], h_show, NULL);
	}
	assert_int_equal(rc, -1);
	assert_int_equal(errno, ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_encode_refuses),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_max_size),
		cmocka_unit_test(test_reply_split),
		cmocka_unit_test_setup_teardown(test_text_and_json, setup_ks_gm,
						teardown),
		cmocka_unit_test_setup_teardown(test_handler_errors, setup_ks_gm,
						teardown),
		cmocka_unit_test_setup_teardown(test_unknown, setup_ks_gm,
						teardown),
		cmocka_unit_test_setup_teardown(test_member_only, setup_ks_gm,
						teardown),
		cmocka_unit_test_setup_teardown(test_permissions, setup_ks_gm,
						teardown),
		cmocka_unit_test_setup_teardown(test_register, setup_ks_gm,
						teardown),
	};

	return cmocka_run_group_tests_name("ctl", tests, NULL, NULL);
}
