// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * Unit tests for conf_check.c's syntax error hints: each file is one that
 * libconfig refuses, at the line it reports; the hint must name what the
 * text shows, and nothing when the text shows nothing clearly wrong.
 * (selftests/gvpnd/config.sh runs the whole of gvpnd --check.)
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <libconfig.h>

#include "main/conf_int.h"

/* the hint for text, at the line libconfig reports (which must fail) */
static char *hint_for(const char *text)
{
	static char hint[256];
	char path[] = "/tmp/test_conf_check.XXXXXX";
	config_t cfg;
	FILE *f;
	int fd;

	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	config_init(&cfg);
	assert_int_equal(config_read_file(&cfg, path), CONFIG_FALSE);
	assert_string_equal(config_error_text(&cfg), "syntax error");
	conf_syntax_hint(path, (unsigned)config_error_line(&cfg), hint,
			 sizeof(hint));
	config_destroy(&cfg);
	unlink(path);
	return hint;
}

static void test_strings(void **state)
{
	(void)state;
	/* the error comes at the end of the file: the hint names line 1 */
	assert_string_equal(hint_for("a = \"x;\nb = 1;\nc = 2;\n"),
			    "the string opened on line 1 is never closed: a '\"' is missing");
	/* a string over lines that spans the error: its quote is suspect */
	assert_string_equal(hint_for("a = \"x;\nb = @;\nc = \"2\";\n"),
			    "the string opened on line 1 is not closed on that line: a '\"' is missing");
	/* one that libconfig read whole is no suspect for a later error */
	assert_string_equal(hint_for("a = \"x\ny\";\nb = [ 1 };\n"),
			    "'}' on line 3, but the '[' of line 3 is still open: ']' expected first");
	/* an escaped quote does not close a string; a '#' in one is no
	 * comment, and brackets in comments and strings do not count */
	assert_string_equal(hint_for("a = \"x\\\"#{\"; # } ( \"\nb = {\n"),
			    "the '{' opened on line 2 is never closed: '}' missing");
	assert_string_equal(hint_for("/* { \" */\nb = ( 1, 2 ;\n"),
			    "';' on line 2 inside the '(' of line 2: the elements of ( ) and [ ] are separated by ','");
}

static void test_brackets(void **state)
{
	(void)state;
	assert_string_equal(hint_for("a = [ 1, 2 };\n"),
			    "'}' on line 1, but the '[' of line 1 is still open: ']' expected first");
	assert_string_equal(hint_for("a = { b = 1; };\n};\n"),
			    "'}' on line 2 has no opening '{' to close");
	assert_string_equal(hint_for("l = (\n { a = 1; }\n { a = 2; }\n);\n"),
			    "a ',' is missing between the list's elements on line 3");
}

static void test_line(void **state)
{
	(void)state;
	assert_string_equal(hint_for("x = 1;\nlog-level \"info\";\n"),
			    "'=' missing after 'log-level'");
	assert_string_equal(hint_for("g = {\n doi = gdoi;\n};\n"),
			    "a string value needs double quotes: \"gdoi\"");
	assert_string_equal(hint_for("t = 1,5;\n"),
			    "a number takes '.' for its decimals, not ','");
	/* true and false need no quotes: no hint from them */
	assert_string_equal(hint_for("a = true; b = = 1;\n"), "");
	/* '=' and ':' in strings and comments are no settings */
	assert_string_equal(hint_for("remote-id = \"CN=ks1\" x;\n"), "");
	assert_string_equal(hint_for("a = @; # default: info\n"), "");
	/* nothing clearly wrong in the text: no guess */
	assert_string_equal(hint_for("a = @;\n"), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_brackets),
		cmocka_unit_test(test_line),
	};

	return cmocka_run_group_tests_name("conf_check", tests, NULL, NULL);
}
