// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * What the gvpn objects share: command words, talking to the kernel and
 * printing its errors, and the printers used by more than one object.
 */

#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gvpn.h"
#include "json.h"
#include "util.h"

static const struct {
	const char *word;
	enum gvpn_op op;
} op_words[] = {
	/* order decides abbreviations: "s" is show, "d" del */
	{ "add", GVPN_OP_ADD },
	{ "del", GVPN_OP_DEL },
	{ "delete", GVPN_OP_DEL },
	{ "show", GVPN_OP_SHOW },
	{ "list", GVPN_OP_SHOW },
	{ "set", GVPN_OP_SET },
	{ "flush", GVPN_OP_FLUSH },
};

int cli_op(const struct gvpn_object *obj, int argc, char **argv,
	   unsigned int ops, int *status)
{
	size_t i;

	if (argc < 1) {
		if (ops & OP_BIT(GVPN_OP_SHOW))
			return GVPN_OP_SHOW;
		obj->usage(stderr);
		*status = EXIT_USAGE;
		return -1;
	}
	for (i = 0; i < ARRAY_SIZE(op_words); i++) {
		if ((ops & OP_BIT(op_words[i].op)) &&
		    matches(argv[0], op_words[i].word))
			return op_words[i].op;
	}
	if (matches(argv[0], "help")) {
		obj->usage(stdout);
		*status = EXIT_OK;
		return -1;
	}
	fprintf(stderr, "Error: unknown command \"%s\" for \"%s\"; try \"gvpn %s help\".\n",
		argv[0], obj->name, obj->name);
	*status = EXIT_USAGE;
	return -1;
}

int cli_usage_error(const char *msg)
{
	fprintf(stderr, "Error: %s.\n", msg);
	return EXIT_USAGE;
}

static void print_err(const struct genl_err *err, const char *prefix)
{
	char buf[512];

	genl_strerror(err, buf, sizeof(buf));
	fprintf(stderr, "%s: %s", prefix, buf);
	if (err->error == -EPERM && !err->msg[0])
		fputs(" (gvpn needs CAP_NET_ADMIN)", stderr);
	fputs(".\n", stderr);
}

int cli_open(struct genl_sock *gs)
{
	if (!genl_open(gs, GVPN_GENL_NAME, &gvpn_nla_space))
		return EXIT_OK;
	print_err(&gs->err, "Error");
	return EXIT_KERNEL;
}

int cli_request(struct genl_sock *gs, struct nlmsghdr *req, genl_cb cb,
		void *data)
{
	int ret = genl_request(gs, req, cb, data);

	if (ret) {
		print_err(&gs->err, "Error");
		return EXIT_KERNEL;
	}
	/* an accepted request may still carry a message */
	if (gs->err.msg[0])
		print_err(&gs->err, "Warning");
	return EXIT_OK;
}

void print_enum(const char *key, const char *label, const char *name,
		uint8_t val)
{
	/* values a newer kernel added are shown as numbers */
	if (name)
		print_string(PRINT_ANY, key, label, name);
	else
		print_uint(PRINT_ANY, key, label, val);
}

/*
 * The text layout of counters: one line per kind, a label per counter. The
 * replay line holds what Cisco's "show crypto gdoi gm replay" shows: what
 * passed the time check, what failed it, and what was sent timestamped.
 */
static const struct {
	const char *word;
	struct {
		unsigned int type;
		const char *label;
	} c[10];
} stat_lines[] = {
	{ "tx", { { GVPN_A_STATS_TX_PACKETS, "packets" },
		  { GVPN_A_STATS_TX_BYTES, "bytes" } } },
	{ "rx", { { GVPN_A_STATS_RX_PACKETS, "packets" },
		  { GVPN_A_STATS_RX_BYTES, "bytes" } } },
	{ "match", { { GVPN_A_STATS_MATCH_PACKETS, "packets" },
		     { GVPN_A_STATS_MATCH_BYTES, "bytes" } } },
	{ "bypass", { { GVPN_A_STATS_BYPASS_PACKETS, "packets" } } },
	{ "clear", { { GVPN_A_STATS_CLEAR_NO_KEYS, "no-keys" },
		     { GVPN_A_STATS_CLEAR_PASSIVE, "passive" },
		     { GVPN_A_STATS_CLEAR_IPV6, "ipv6" } } },
	{ "drop", { { GVPN_A_STATS_DROP_POLICY, "policy" },
		    { GVPN_A_STATS_DROP_NO_SA, "no-sa" },
		    { GVPN_A_STATS_DROP_CLEARTEXT, "cleartext" },
		    { GVPN_A_STATS_DROP_UNKNOWN_SPI, "unknown-spi" },
		    { GVPN_A_STATS_DROP_AUTH, "auth" },
		    { GVPN_A_STATS_DROP_MALFORMED, "malformed" },
		    { GVPN_A_STATS_DROP_ADDR_MISMATCH, "addr-mismatch" },
		    { GVPN_A_STATS_DROP_SELECTOR, "selector" },
		    { GVPN_A_STATS_DROP_NOMEM, "nomem" },
		    { GVPN_A_STATS_DROP_NO_KEYS, "no-keys" } } },
	{ "mtu", { { GVPN_A_STATS_FRAG_NEEDED, "frag-needed" },
		   { GVPN_A_STATS_FRAGMENTED, "fragmented" } } },
	{ "keys", { { GVPN_A_STATS_KEYS_UP, "up" },
		    { GVPN_A_STATS_KEYS_DOWN, "down" } } },
	{ "iv", { { GVPN_A_STATS_IV_EXHAUSTED, "exhausted" },
		  { GVPN_A_STATS_NO_SID, "no-sid" } } },
	{ "sender-window", { { GVPN_A_STATS_SENDER_REPLAY, "replay" },
			     { GVPN_A_STATS_SENDERS_OVERFLOW, "table-full" } } },
	{ "replay", { { GVPN_A_STATS_REPLAY_OK, "ok" },
		      { GVPN_A_STATS_DROP_REPLAY, "failed" },
		      { GVPN_A_STATS_TX_TIMESTAMPED, "timestamped-sent" } } },
};

/* A group's window and clock, where its replay counters start. */
static void print_replay_head(const struct gvpn_group *g)
{
	char buf[GVPN_MS_STR_LEN];

	if (g->present & GVPN_BIT(GVPN_A_GROUP_TBAR_WINDOW))
		print_uint(PRINT_FP, NULL, "window", g->tbar_window);
	if (g->present & GVPN_BIT(GVPN_A_GROUP_CLOCK))
		print_enum(NULL, "clock", gvpn_clock_name(g->clock), g->clock);
	if (g->present & GVPN_BIT(GVPN_A_GROUP_CLOCK_MS))
		print_string(PRINT_FP, NULL, NULL,
			     gvpn_ms_str(g->clock_ms, buf, sizeof(buf)));
}

/*
 * Counters: in JSON an object under key (the document itself when key is
 * NULL), in text one indented line per kind, after the object's line. With
 * g, the replay line starts with the group's window and clock.
 */
static void print_stats_of(const char *key, const struct gvpn_stats *st,
			   const struct gvpn_group *g)
{
	unsigned int t;
	size_t i, j;

	if (is_json()) {
		open_json_object(key);
		/* "gvpn stats": the counters are the whole document */
		if (!key)
			print_schema_version();
		for (t = 0; t <= GVPN_A_STATS_MAX; t++)
			if ((st->present & GVPN_BIT(t)) && gvpn_stat_name(t))
				print_uint(PRINT_JSON, gvpn_stat_name(t), NULL,
					   st->v[t]);
		close_json_object();
		return;
	}
	for (i = 0; i < ARRAY_SIZE(stat_lines); i++) {
		bool started = false;

		for (j = 0; j < ARRAY_SIZE(stat_lines[i].c); j++) {
			t = stat_lines[i].c[j].type;
			if (!stat_lines[i].c[j].label ||
			    !(st->present & GVPN_BIT(t)))
				continue;
			if (!started) {
				print_nl();
				print_indent(key ? 4 : 0);
				print_word(stat_lines[i].word);
				if (g && t == GVPN_A_STATS_REPLAY_OK)
					print_replay_head(g);
				started = true;
			}
			print_uint(PRINT_FP, NULL, stat_lines[i].c[j].label,
				   st->v[t]);
		}
	}
}

void print_stats(const char *key, const struct gvpn_stats *st)
{
	print_stats_of(key, st, NULL);
}

void print_group_stats(const char *key, const struct gvpn_group *g)
{
	print_stats_of(key, &g->stats, g);
}

const char *ifname_of(uint32_t ifindex, char *buf, size_t len)
{
	char name[IF_NAMESIZE];

	if (if_indextoname(ifindex, name))
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "if%" PRIu32, ifindex);
	return buf;
}

void print_ms(const char *key, const char *label, uint64_t ms,
	      bool json_only)
{
	char buf[GVPN_MS_STR_LEN];

	print_uint(PRINT_JSON, key, NULL, ms);
	if (!json_only)
		print_string(PRINT_FP, NULL, label,
			     gvpn_ms_str(ms, buf, sizeof(buf)));
}

#define G_HAS(g, t) ((g)->present & GVPN_BIT(t))

/*
 * The members of a group that are present, in "group show" order: its
 * settings in "group set" words, its clock as it reads, its key state.
 */
void print_group_fields(const struct gvpn_group *g)
{
	if (G_HAS(g, GVPN_A_GROUP_ID))
		print_uint(PRINT_ANY, "id", "group", g->id);
	if (G_HAS(g, GVPN_A_GROUP_DF_MODE))
		print_enum("df_bit", "df-bit", gvpn_df_mode_name(g->df_mode),
			   g->df_mode);
	if (G_HAS(g, GVPN_A_GROUP_TBAR_WINDOW))
		print_uint(PRINT_ANY, "tbar_window", "tbar-window",
			   g->tbar_window);
	if (G_HAS(g, GVPN_A_GROUP_CLOCK))
		print_enum("clock", "clock", gvpn_clock_name(g->clock),
			   g->clock);
	if (G_HAS(g, GVPN_A_GROUP_CLOCK_MS))
		print_ms("clock_ms", NULL, g->clock_ms, false);
	if (G_HAS(g, GVPN_A_GROUP_TICK_MS))
		print_uint(PRINT_ANY, "tick", "tick", g->tick_ms);
	if (G_HAS(g, GVPN_A_GROUP_FAIL_MODE))
		print_enum("fail_mode", "fail-mode",
			   gvpn_fail_mode_name(g->fail_mode), g->fail_mode);
	if (G_HAS(g, GVPN_A_GROUP_KEYS))
		print_enum("keys", "keys", gvpn_keys_name(g->keys), g->keys);
	if (G_HAS(g, GVPN_A_GROUP_PASSIVE))
		print_bool(PRINT_ANY, "passive", "passive", g->passive);
	if (G_HAS(g, GVPN_A_GROUP_RECV_ONLY))
		print_bool(PRINT_ANY, "receive_only", "receive-only",
			   g->recv_only);
	/* counter-mode SAs without sender ID send random IVs */
	if (G_HAS(g, GVPN_A_GROUP_LEGACY_IV))
		print_bool(PRINT_ANY, "legacy_iv", "legacy-iv", g->legacy_iv);
}

#define SA_HAS(sa, t) ((sa)->present & GVPN_BIT(t))

/* The members of an SA that are present, in "sa show" order. */
void print_sa_fields(const struct gvpn_sa *sa)
{
	char buf[32];

	if (SA_HAS(sa, GVPN_A_SA_SPI))
		print_hex(PRINT_ANY, "spi", "sa", sa->spi);
	if (SA_HAS(sa, GVPN_A_SA_GROUP_ID))
		print_uint(PRINT_ANY, "group", "group", sa->group_id);
	if (SA_HAS(sa, GVPN_A_SA_POLICY_ID))
		print_uint(PRINT_ANY, "policy", "policy", sa->policy_id);
	if (SA_HAS(sa, GVPN_A_SA_DIR))
		print_enum("dir", "dir", gvpn_sa_dir_name(sa->dir), sa->dir);
	if (SA_HAS(sa, GVPN_A_SA_AEAD_NAME)) {
		print_string(PRINT_ANY, "aead", "aead", sa->aead_name);
		if (SA_HAS(sa, GVPN_A_SA_AEAD_ICV_BITS))
			print_uint(PRINT_ANY, "icv_bits", NULL, sa->icv_bits);
	}
	if (SA_HAS(sa, GVPN_A_SA_ENC_NAME))
		print_string(PRINT_ANY, "enc", "enc", sa->enc_name);
	if (SA_HAS(sa, GVPN_A_SA_AUTH_NAME)) {
		print_string(PRINT_ANY, "auth_trunc", "auth-trunc",
			     sa->auth_name);
		if (SA_HAS(sa, GVPN_A_SA_AUTH_TRUNC_BITS))
			print_uint(PRINT_ANY, "trunc_bits", NULL,
				   sa->trunc_bits);
	}
	if (SA_HAS(sa, GVPN_A_SA_KEY_BITS))
		print_uint(PRINT_ANY, "key_bits", "key-bits", sa->key_bits);
	/* lifetimes: always in JSON, in text only when there is a limit */
	if (SA_HAS(sa, GVPN_A_SA_LIFETIME_SOFT_SECS))
		print_uint(sa->lifetime_soft_secs ? PRINT_ANY : PRINT_JSON,
			   "lifetime_soft", "lifetime-soft",
			   sa->lifetime_soft_secs);
	if (SA_HAS(sa, GVPN_A_SA_LIFETIME_HARD_SECS))
		print_uint(sa->lifetime_hard_secs ? PRINT_ANY : PRINT_JSON,
			   "lifetime_hard", "lifetime-hard",
			   sa->lifetime_hard_secs);
	if (SA_HAS(sa, GVPN_A_SA_LIFETIME_SOFT_BYTES))
		print_uint(sa->lifetime_soft_bytes ? PRINT_ANY : PRINT_JSON,
			   "lifetime_soft_bytes", "lifetime-soft-bytes",
			   sa->lifetime_soft_bytes);
	if (SA_HAS(sa, GVPN_A_SA_LIFETIME_HARD_BYTES))
		print_uint(sa->lifetime_hard_bytes ? PRINT_ANY : PRINT_JSON,
			   "lifetime_hard_bytes", "lifetime-hard-bytes",
			   sa->lifetime_hard_bytes);
	if (SA_HAS(sa, GVPN_A_SA_TBAR))
		print_bool(PRINT_ANY, "tbar", "tbar", sa->tbar);
	if (SA_HAS(sa, GVPN_A_SA_PASSIVE))
		print_bool(PRINT_ANY, "passive", "passive", sa->passive);
	if (SA_HAS(sa, GVPN_A_SA_ACTIVE))
		print_bool(PRINT_ANY, "active", "active", sa->active);
	/* time still to go: always in JSON, in text only while there is some */
	if (SA_HAS(sa, GVPN_A_SA_ACTIVATE_IN_MS))
		print_ms("activate_in_ms", "activate-in", sa->activate_in_ms,
			 !sa->activate_in_ms);
	if (SA_HAS(sa, GVPN_A_SA_DEACTIVATE_IN_MS))
		print_ms("deactivate_in_ms", "deactivate-in",
			 sa->deactivate_in_ms, !sa->deactivate_in_ms);
	/* RFC 6054: this member's SID, and the next IV counter */
	if (SA_HAS(sa, GVPN_A_SA_SENDER_ID))
		print_uint(PRINT_ANY, "sender_id", "sender-id", sa->sender_id);
	if (SA_HAS(sa, GVPN_A_SA_SID_BITS))
		print_uint(PRINT_ANY, "sid_bits", "sid-bits", sa->sid_bits);
	if (SA_HAS(sa, GVPN_A_SA_IV_COUNTER))
		print_uint(PRINT_ANY, "iv_counter", "iv-counter",
			   sa->iv_counter);
	if (SA_HAS(sa, GVPN_A_SA_REPLAY_WINDOW))
		print_uint(PRINT_ANY, "replay_window", "replay-window",
			   sa->replay_window);
	if (SA_HAS(sa, GVPN_A_SA_SENDERS))
		print_uint(PRINT_ANY, "senders", "senders", sa->senders);
	if (SA_HAS(sa, GVPN_A_SA_AGE_SECS)) {
		print_uint(PRINT_JSON, "age", NULL, sa->age_secs);
		snprintf(buf, sizeof(buf), "%" PRIu64 "s", sa->age_secs);
		print_string(PRINT_FP, NULL, "age", buf);
	}
}

static int sender_cmp(const void *a, const void *b)
{
	const struct gvpn_sender_win *x = a, *y = b;

	return (x->sid > y->sid) - (x->sid < y->sid);
}

/*
 * An SA's per-sender replay windows, sorted by SID: in JSON the array
 * "sender_windows", in text one indented line per sender after the SA's.
 */
void print_sender_windows(struct gvpn_sender_win *w, size_t n)
{
	size_t i;

	qsort(w, n, sizeof(*w), sender_cmp);
	open_json_array("sender_windows");
	for (i = 0; i < n; i++) {
		print_nl();
		print_indent(4);
		open_json_object(NULL);
		print_uint(PRINT_ANY, "sid", "sender", w[i].sid);
		print_uint(PRINT_ANY, "top", "top", w[i].top);
		print_uint(PRINT_ANY, "rx_packets", "rx", w[i].rx_packets);
		print_uint(PRINT_ANY, "sender_replay", "replay", w[i].replay);
		close_json_object();
	}
	close_json_array();
}
