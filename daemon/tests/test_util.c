// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * Unit tests for the shared value parsers.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "core/rate.h"
#include "util.h"

static void test_parse_u32(void **state)
{
	uint32_t v = 7;

	(void)state;
	assert_int_equal(parse_u32("42", 0, 100, &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(parse_u32("0x10", 0, 100, &v), 0);
	assert_int_equal(v, 16);
	assert_int_equal(parse_u32("101", 0, 100, &v), -1);
	assert_int_equal(parse_u32("0", 1, 100, &v), -1);
	assert_int_equal(parse_u32("-1", 0, 100, &v), -1);
	assert_int_equal(parse_u32("12abc", 0, 100, &v), -1);
	assert_int_equal(parse_u32("", 0, 100, &v), -1);
	assert_int_equal(parse_u32("4294967296", 0, UINT32_MAX, &v), -1);
	assert_int_equal(v, 16);
}

static void test_parse_prefix4(void **state)
{
	struct in_addr a = { 0 };
	uint8_t len = 99;

	(void)state;
	assert_int_equal(parse_prefix4("10.1.0.0/16", &a, &len), 0);
	assert_int_equal(ntohl(a.s_addr), 0x0a010000);
	assert_int_equal(len, 16);
	assert_int_equal(parse_prefix4("10.1.2.3", &a, &len), 0);
	assert_int_equal(len, 32);
	assert_int_equal(parse_prefix4("0.0.0.0/0", &a, &len), 0);
	assert_int_equal(len, 0);
	/* host bits set, bad length, garbage */
	assert_int_equal(parse_prefix4("10.1.2.3/16", &a, &len), -1);
	assert_int_equal(parse_prefix4("10.1.0.0/33", &a, &len), -1);
	assert_int_equal(parse_prefix4("10.1.0/8", &a, &len), -1);
	assert_int_equal(parse_prefix4("10.1.0.0/", &a, &len), -1);
	assert_int_equal(parse_prefix4("hello", &a, &len), -1);
	assert_int_equal(len, 0);
}

static struct in_addr ip(const char *s)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a;
}

static void test_prefix4_match(void **state)
{
	(void)state;
	assert_int_equal(prefix4_mask(0), 0);
	assert_int_equal(prefix4_mask(8), htonl(0xff000000));
	assert_int_equal(prefix4_mask(32), 0xffffffff);
	assert_true(prefix4_match(ip("10.9.8.7"), ip("10.0.0.0"), 8));
	assert_false(prefix4_match(ip("11.9.8.7"), ip("10.0.0.0"), 8));
	assert_true(prefix4_match(ip("192.0.2.1"), ip("0.0.0.0"), 0));
	assert_true(prefix4_match(ip("192.0.2.1"), ip("192.0.2.1"), 32));
	assert_false(prefix4_match(ip("192.0.2.2"), ip("192.0.2.1"), 32));
	assert_true(prefix4_match(ip("192.0.2.129"), ip("192.0.2.128"), 25));
	assert_false(prefix4_match(ip("192.0.2.127"), ip("192.0.2.128"), 25));
}

static void test_tbucket(void **state)
{
	struct tbucket tb = { 0 };
	unsigned i, n = 0;

	(void)state;
	/* full at first: the burst, then nothing in the same millisecond */
	for (i = 0; i < 10; i++)
		n += tbucket_take(&tb, 2, 5, 1000);
	assert_int_equal(n, 5);
	/* 2 a second: one after 500 ms, never more than the burst */
	assert_false(tbucket_take(&tb, 2, 5, 1499));
	assert_true(tbucket_take(&tb, 2, 5, 1500));
	assert_false(tbucket_take(&tb, 2, 5, 1500));
	for (i = 0, n = 0; i < 10; i++)
		n += tbucket_take(&tb, 2, 5, 100000);
	assert_int_equal(n, 5);
	/* a clock that goes back refills nothing */
	assert_false(tbucket_take(&tb, 2, 5, 50000));
}

static void test_backoff(void **state)
{
	(void)state;
	assert_int_equal(backoff_ms(2000, 16000, 1), 2000);
	assert_int_equal(backoff_ms(2000, 16000, 2), 4000);
	assert_int_equal(backoff_ms(2000, 16000, 4), 16000);
	assert_int_equal(backoff_ms(2000, 16000, 5), 16000);
	assert_int_equal(backoff_ms(2000, 16000, 100), 16000);
	/* 2 + 4 + 8 + 16 + 16, then the last one's wait */
	assert_int_equal(backoff_total_ms(2000, 16000, 5), 62000);
}

static void test_parse_port_range(void **state)
{
	uint16_t lo = 1, hi = 1;

	(void)state;
	assert_int_equal(parse_port_range("80", &lo, &hi), 0);
	assert_int_equal(lo, 80);
	assert_int_equal(hi, 80);
	assert_int_equal(parse_port_range("1024-65535", &lo, &hi), 0);
	assert_int_equal(lo, 1024);
	assert_int_equal(hi, 65535);
	assert_int_equal(parse_port_range("90-80", &lo, &hi), -1);
	assert_int_equal(parse_port_range("65536", &lo, &hi), -1);
	assert_int_equal(parse_port_range("1-", &lo, &hi), -1);
	assert_int_equal(parse_port_range("-1", &lo, &hi), -1);
	assert_int_equal(lo, 1024);
}

static void test_parse_ipproto(void **state)
{
	char buf[8];
	uint8_t p = 0;

	(void)state;
	assert_int_equal(parse_ipproto("tcp", &p), 0);
	assert_int_equal(p, 6);
	assert_int_equal(parse_ipproto("47", &p), 0);
	assert_int_equal(p, 47);
	assert_int_equal(parse_ipproto("256", &p), -1);
	assert_int_equal(parse_ipproto("tcpx", &p), -1);
	assert_string_equal(ipproto_name(17, buf, sizeof(buf)), "udp");
	assert_string_equal(ipproto_name(200, buf, sizeof(buf)), "200");
}

static void test_parse_hex(void **state)
{
	uint8_t buf[4] = { 0 };
	size_t len = sizeof(buf);

	(void)state;
	assert_int_equal(parse_hex("0x0aFf", buf, &len), 0);
	assert_int_equal(len, 2);
	assert_int_equal(buf[0], 0x0a);
	assert_int_equal(buf[1], 0xff);
	len = sizeof(buf);
	assert_int_equal(parse_hex("0x0102030405", buf, &len), -1);
	assert_int_equal(parse_hex("0x123", buf, &len), -1);
	assert_int_equal(parse_hex("0x", buf, &len), -1);
	assert_int_equal(parse_hex("1234", buf, &len), -1);
	/* a bad digit late in the string must not leave a partial write */
	assert_int_equal(parse_hex("0x99zz", buf, &len), -1);
	assert_int_equal(buf[0], 0x0a);
	assert_int_equal(len, sizeof(buf));
}

static void test_matches(void **state)
{
	(void)state;
	assert_true(matches("sh", "show"));
	assert_true(matches("show", "show"));
	assert_false(matches("shows", "show"));
	assert_false(matches("", "show"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_u32),
		cmocka_unit_test(test_parse_prefix4),
		cmocka_unit_test(test_prefix4_match),
		cmocka_unit_test(test_tbucket),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_parse_port_range),
		cmocka_unit_test(test_parse_ipproto),
		cmocka_unit_test(test_parse_hex),
		cmocka_unit_test(test_matches),
	};

	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
