// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * Unit tests for the text/JSON writer: escaping, and one sequence of calls
 * rendered both ways.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "json.h"

/* Run json_escape on s into a string the caller frees. */
static char *escaped(const char *s)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	assert_non_null(f);
	json_escape(f, s);
	fclose(f);
	return out;
}

static void check_escape(const char *in, const char *want)
{
	char *got = escaped(in);

	assert_string_equal(got, want);
	free(got);
}

static void test_escape_specials(void **state)
{
	(void)state;
	check_escape("", "\"\"");
	check_escape("eth0", "\"eth0\"");
	check_escape("a\"b\\c", "\"a\\\"b\\\\c\"");
	check_escape("\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\"");
	check_escape("\x01x\x1f", "\"\\u0001x\\u001f\"");
	check_escape("\x7f", "\"\\u007f\"");
	/* "/" needs no escaping */
	check_escape("rfc4106(gcm(aes))/x", "\"rfc4106(gcm(aes))/x\"");
}

static void test_escape_utf8(void **state)
{
	(void)state;
	/* valid UTF-8 of 2, 3 and 4 bytes passes through */
	check_escape("caf\xc3\xa9", "\"caf\xc3\xa9\"");
	check_escape("\xe2\x82\xac", "\"\xe2\x82\xac\"");
	check_escape("\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\"");
	/* invalid bytes become U+FFFD, one per byte, and never eat the quote */
	check_escape("\xff", "\"\\ufffd\"");
	check_escape("a\x80z", "\"a\\ufffdz\"");
	check_escape("\xc0\xaf", "\"\\ufffd\\ufffd\"");		/* overlong */
	check_escape("\xe0\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\"");	/* overlong */
	check_escape("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");	/* surrogate */
	check_escape("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	check_escape("\xe2\x82", "\"\\ufffd\\ufffd\"");	/* truncated */
}

/* The calls "gvpn -s group show" makes for two groups. */
static void emit_groups(void)
{
	open_json_array(NULL);

	open_json_object(NULL);
	print_uint(PRINT_ANY, "id", "group", 10);
	print_string(PRINT_ANY, "df_bit", "df-bit", "clear");
	open_json_array("devs");
	print_string(PRINT_ANY, NULL, "dev", "eth1");
	print_string(PRINT_ANY, NULL, "dev", "we\"ird");
	close_json_array();
	print_nl();
	print_indent(4);
	print_word("tx");
	print_uint(PRINT_FP, NULL, "packets", 3);
	print_uint(PRINT_JSON, "tx_packets", NULL, 3);
	print_nl();
	close_json_object();

	open_json_object(NULL);
	print_uint(PRINT_ANY, "id", "group", 11);
	print_hex(PRINT_ANY, "spi", "sa", 0x1234);
	print_bool(PRINT_ANY, "up", "up", true);
	print_null(PRINT_JSON, "none", NULL);
	print_int(PRINT_ANY, "delta", "delta", -5);
	open_json_array("devs");
	close_json_array();
	print_nl();
	close_json_object();

	close_json_array();
}

static char *render(bool json)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	assert_non_null(f);
	json_begin(f, json);
	emit_groups();
	assert_int_equal(json_end(), 0);
	fclose(f);
	return out;
}

static void test_render_json(void **state)
{
	char *out = render(true);

	(void)state;
	assert_string_equal(out,
		"[{\"id\":10,\"df_bit\":\"clear\",\"devs\":[\"eth1\",\"we\\\"ird\"],"
		"\"tx_packets\":3},"
		"{\"id\":11,\"spi\":4660,\"up\":true,\"none\":null,\"delta\":-5,"
		"\"devs\":[]}]\n");
	free(out);
}

static void test_render_text(void **state)
{
	char *out = render(false);

	(void)state;
	assert_string_equal(out,
		"group 10 df-bit clear dev eth1 dev we\"ird\n"
		"    tx packets 3\n"
		"group 11 sa 0x1234 up on delta -5\n");
	free(out);
}

static void test_empty_and_unbalanced(void **state)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	(void)state;
	/* an empty show is still one JSON document */
	json_begin(f, true);
	open_json_array(NULL);
	close_json_array();
	assert_int_equal(json_end(), 0);
	/* an object left open is reported */
	json_begin(f, true);
	open_json_object(NULL);
	assert_int_equal(json_end(), -1);
	/* so is a close without an open */
	json_begin(f, true);
	close_json_object();
	assert_int_equal(json_end(), -1);
	fclose(f);
	assert_string_equal(out, "[]\n{\n}");
	free(out);
}

static void test_deep_nesting(void **state)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	int i, opened = 0, closed = 0;

	(void)state;
	json_begin(f, true);
	for (i = 0; i < 40; i++)
		open_json_array(NULL);
	for (i = 0; i < 40; i++)
		close_json_array();
	/* too deep to track: reported, and the brackets still balance */
	assert_int_equal(json_end(), -1);
	fclose(f);
	for (i = 0; out[i]; i++) {
		opened += out[i] == '[';
		closed += out[i] == ']';
	}
	assert_int_equal(opened, 40);
	assert_int_equal(closed, 40);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape_specials),
		cmocka_unit_test(test_escape_utf8),
		cmocka_unit_test(test_render_json),
		cmocka_unit_test(test_render_text),
		cmocka_unit_test(test_empty_and_unbalanced),
		cmocka_unit_test(test_deep_nesting),
	};

	return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
