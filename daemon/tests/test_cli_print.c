// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * Unit tests for what the gvpn CLI prints: a group's line with its replay
 * window, clock, fail mode and key state, its counters with -s (the replay
 * line grouped like Cisco's "show crypto gdoi gm replay"), an SA's flags
 * and activation times, and times in events; in text and in JSON. The
 * printers are the CLI's own, compiled in here with their static helpers.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "cli/common.c"
#include "cli/group.c"

struct gvpn_opts opts;

/* A GROUP_GET reply as the kernel builds it. */
static struct nlmsghdr *group_reply(char *buf, bool stats)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nlattr *nest, *st;
	unsigned int t;

	mnl_nlmsg_put_extra_header(nlh, GENL_HDRLEN);
	nest = mnl_attr_nest_start(nlh, GVPN_A_GROUP);
	mnl_attr_put_u16(nlh, GVPN_A_GROUP_ID, 10);
	mnl_attr_put_u8(nlh, GVPN_A_GROUP_DF_MODE, GVPN_DF_CLEAR);
	mnl_attr_put_u32(nlh, GVPN_A_GROUP_TBAR_WINDOW, 100);
	mnl_attr_put_u8(nlh, GVPN_A_GROUP_CLOCK, GVPN_CLOCK_PSEUDO);
	mnl_attr_put_u32(nlh, GVPN_A_GROUP_TICK_MS, 100);
	mnl_attr_put_u64(nlh, GVPN_A_GROUP_CLOCK_MS, 1000123);
	mnl_attr_put_u8(nlh, GVPN_A_GROUP_FAIL_MODE, GVPN_FAIL_CLOSE);
	mnl_attr_put_u8(nlh, GVPN_A_GROUP_PASSIVE, 1);
	mnl_attr_put_u8(nlh, GVPN_A_GROUP_RECV_ONLY, 0);
	mnl_attr_put_u8(nlh, GVPN_A_GROUP_KEYS, GVPN_KEYS_FAIL_CLOSED);
	/* an index no device has: printed as such, whatever the host has */
	mnl_attr_put_u32(nlh, GVPN_A_GROUP_IFINDEX, 999999);
	if (stats) {
		st = mnl_attr_nest_start(nlh, GVPN_A_GROUP_STATS);
		/* every counter, each its own value: 100 + type */
		for (t = GVPN_A_STATS_TX_PACKETS; t <= GVPN_A_STATS_MAX; t++)
			mnl_attr_put_u64(nlh, t, 100 + t);
		mnl_attr_nest_end(nlh, st);
	}
	mnl_attr_nest_end(nlh, nest);
	return nlh;
}

/* Output of "gvpn [-j] [-s] group show" for that reply. */
static char *show_group(bool json, bool stats)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	assert_non_null(f);
	opts.stats = stats;
	json_begin(f, json);
	open_json_array(NULL);
	assert_int_equal(print_group(group_reply(buf, stats), NULL), 0);
	close_json_array();
	assert_int_equal(json_end(), 0);
	fclose(f);
	return out;
}

static void test_group_text(void **state)
{
	char *out = show_group(false, false);

	(void)state;
	assert_string_equal(out,
		"group 10 df-bit clear tbar-window 100 clock pseudotime 1000.123 "
		"tick 100 fail-mode close keys fail-closed passive on "
		"receive-only off dev if999999\n");
	free(out);
}

static void test_group_json(void **state)
{
	char *out = show_group(true, false);

	(void)state;
	assert_string_equal(out,
		"[{\"id\":10,\"df_bit\":\"clear\",\"tbar_window\":100,"
		"\"clock\":\"pseudotime\",\"clock_ms\":1000123,\"tick\":100,"
		"\"fail_mode\":\"close\",\"keys\":\"fail-closed\","
		"\"passive\":true,\"receive_only\":false,"
		"\"devs\":[\"if999999\"]}]\n");
	free(out);
}

/*
 * -s: a line per kind of counter; the replay line carries the window and
 * the clock first, then passed, failed and timestamped-sent, as Cisco
 * shows them together.
 */
static void test_group_stats_text(void **state)
{
	char *out = show_group(false, true);

	(void)state;
	assert_string_equal(out,
		"group 10 df-bit clear tbar-window 100 clock pseudotime 1000.123 "
		"tick 100 fail-mode close keys fail-closed passive on "
		"receive-only off dev if999999\n"
		"    tx packets 102 bytes 103\n"
		"    rx packets 104 bytes 105\n"
		"    match packets 118 bytes 119\n"
		"    bypass packets 106\n"
		"    clear no-keys 124 passive 125 ipv6 128\n"
		"    drop policy 107 no-sa 108 cleartext 109 unknown-spi 110 "
		"auth 111 malformed 112 addr-mismatch 113 selector 114 nomem 115 "
		"no-keys 123\n"
		"    mtu frag-needed 116 fragmented 117\n"
		"    keys up 126 down 127\n"
		"    iv exhausted 129 no-sid 130\n"
		"    sender-window replay 131 table-full 132\n"
		"    replay window 100 clock pseudotime 1000.123 ok 121 failed 120 "
		"timestamped-sent 122\n");
	free(out);
}

/* JSON counters stay one flat object: every counter under its own key. */
static void test_group_stats_json(void **state)
{
	char *out = show_group(true, true);
	unsigned int t;
	char key[64];

	(void)state;
	for (t = GVPN_A_STATS_TX_PACKETS; t <= GVPN_A_STATS_MAX; t++) {
		snprintf(key, sizeof(key), "\"%s\":%u", gvpn_stat_name(t),
			 100 + t);
		if (!strstr(out, key))
			fail_msg("%s not in %s", key, out);
	}
	assert_non_null(strstr(out, "\"stats\":{\"tx_packets\":102,"));
	assert_non_null(strstr(out, "\"replay_ok\":121,"));
	assert_non_null(strstr(out, "\"keys_down\":127,"));
	assert_non_null(strstr(out, "\"clear_ipv6\":128,"));
	assert_non_null(strstr(out, "\"senders_overflow\":132}}]\n"));
	free(out);
}

/* Run print fn on a fresh document; the output, for the caller to free. */
static char *render(bool json, void (*fn)(const void *), const void *arg)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	assert_non_null(f);
	json_begin(f, json);
	open_json_object(NULL);
	fn(arg);
	close_json_object();
	assert_int_equal(json_end(), 0);
	fclose(f);
	return out;
}

static void sa_fields(const void *sa)
{
	print_sa_fields(sa);
}

static void group_fields(const void *g)
{
	print_group_fields(g);
}

static void test_sa_flags_and_times(void **state)
{
	struct gvpn_sa sa = {
		.present = GVPN_BIT(GVPN_A_SA_SPI) | GVPN_BIT(GVPN_A_SA_TBAR) |
			   GVPN_BIT(GVPN_A_SA_PASSIVE) |
			   GVPN_BIT(GVPN_A_SA_ACTIVE) |
			   GVPN_BIT(GVPN_A_SA_ACTIVATE_IN_MS) |
			   GVPN_BIT(GVPN_A_SA_DEACTIVATE_IN_MS),
		.spi = 0x1000, .tbar = 1, .passive = 0, .active = 0,
		.activate_in_ms = 1500, .deactivate_in_ms = 0,
	};
	char *out;

	(void)state;
	/* text: time to go only while there is some */
	out = render(false, sa_fields, &sa);
	assert_string_equal(out,
		"sa 0x1000 tbar on passive off active off activate-in 1.500\n");
	free(out);
	out = render(true, sa_fields, &sa);
	assert_string_equal(out,
		"{\"spi\":4096,\"tbar\":true,\"passive\":false,\"active\":false,"
		"\"activate_in_ms\":1500,\"deactivate_in_ms\":0}\n");
	free(out);

	sa.active = 1;
	sa.activate_in_ms = 0;
	sa.deactivate_in_ms = 30001;
	out = render(false, sa_fields, &sa);
	assert_string_equal(out,
		"sa 0x1000 tbar on passive off active on deactivate-in 30.001\n");
	free(out);

	/* an SA in an event has only its identity: no flags printed */
	sa.present = GVPN_BIT(GVPN_A_SA_SPI) | GVPN_BIT(GVPN_A_SA_GROUP_ID);
	sa.group_id = 3;
	out = render(false, sa_fields, &sa);
	assert_string_equal(out, "sa 0x1000 group 3\n");
	free(out);
}

static void sa_with_windows_none(const void *sa)
{
	print_sa_fields(sa);
	print_sender_windows(NULL, 0);
}

struct sa_windows {
	struct gvpn_sa sa;
	struct gvpn_sender_win w[3];
};

static void sa_with_windows(const void *arg)
{
	struct sa_windows *x = (struct sa_windows *)arg;

	print_sa_fields(&x->sa);
	print_sender_windows(x->w, ARRAY_SIZE(x->w));
}

/* sa show -s of one SA: its senders after it, sorted by SID. */
static void test_sender_windows(void **state)
{
	struct sa_windows x = {
		.sa = { .present = GVPN_BIT(GVPN_A_SA_SPI) |
				   GVPN_BIT(GVPN_A_SA_SENDERS),
			.spi = 0x1000, .senders = 3 },
		.w = { { .sid = 300, .top = 5, .rx_packets = 4, .replay = 0 },
		       { .sid = 1, .top = 700, .rx_packets = 650,
			 .replay = 512 },
		       { .sid = 3, .top = 9, .rx_packets = 9, .replay = 1 } },
	};
	char *out;

	(void)state;
	out = render(false, sa_with_windows, &x);
	assert_string_equal(out,
		"sa 0x1000 senders 3\n"
		"    sender 1 top 700 rx 650 replay 512\n"
		"    sender 3 top 9 rx 9 replay 1\n"
		"    sender 300 top 5 rx 4 replay 0\n");
	free(out);
	out = render(true, sa_with_windows, &x);
	assert_string_equal(out,
		"{\"spi\":4096,\"senders\":3,\"sender_windows\":["
		"{\"sid\":1,\"top\":700,\"rx_packets\":650,\"sender_replay\":512},"
		"{\"sid\":3,\"top\":9,\"rx_packets\":9,\"sender_replay\":1},"
		"{\"sid\":300,\"top\":5,\"rx_packets\":4,\"sender_replay\":0}"
		"]}\n");
	free(out);

	/* an SA without windows: an empty array, no text line */
	out = render(false, sa_with_windows_none, &x.sa);
	assert_string_equal(out, "sa 0x1000 senders 3\n");
	free(out);
}

/* Values a newer kernel added are numbers; absent members are not shown. */
static void test_group_unknown_values(void **state)
{
	struct gvpn_group g = {
		.present = GVPN_BIT(GVPN_A_GROUP_ID) |
			   GVPN_BIT(GVPN_A_GROUP_CLOCK) |
			   GVPN_BIT(GVPN_A_GROUP_FAIL_MODE) |
			   GVPN_BIT(GVPN_A_GROUP_KEYS),
		.id = 5, .clock = 9, .fail_mode = 8, .keys = 7,
	};
	char *out;

	(void)state;
	out = render(false, group_fields, &g);
	assert_string_equal(out, "group 5 clock 9 fail-mode 8 keys 7\n");
	free(out);
	out = render(true, group_fields, &g);
	assert_string_equal(out,
		"{\"id\":5,\"clock\":9,\"fail_mode\":8,\"keys\":7}\n");
	free(out);

	/* a keys-up event: the group's id alone */
	g.present = GVPN_BIT(GVPN_A_GROUP_ID);
	out = render(true, group_fields, &g);
	assert_string_equal(out, "{\"id\":5}\n");
	free(out);
}

static void event_times(const void *arg)
{
	const uint64_t *t = arg;

	print_ms("sender_time_ms", "sender-time", t[0], false);
	print_ms("local_time_ms", "local-time", t[1], false);
}

/* REPLAY_FAILED's two clocks, as "gvpn monitor" prints them. */
static void test_event_times(void **state)
{
	static const uint64_t t[2] = { 1000123, UINT64_C(1767225600005) };
	char *out;

	(void)state;
	out = render(false, event_times, t);
	assert_string_equal(out,
		"sender-time 1000.123 local-time 1767225600.005\n");
	free(out);
	out = render(true, event_times, t);
	assert_string_equal(out,
		"{\"sender_time_ms\":1000123,\"local_time_ms\":1767225600005}\n");
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_group_text),
		cmocka_unit_test(test_group_json),
		cmocka_unit_test(test_group_stats_text),
		cmocka_unit_test(test_group_stats_json),
		cmocka_unit_test(test_sa_flags_and_times),
		cmocka_unit_test(test_sender_windows),
		cmocka_unit_test(test_group_unknown_values),
		cmocka_unit_test(test_event_times),
	};

	return cmocka_run_group_tests_name("cli_print", tests, NULL, NULL);
}
