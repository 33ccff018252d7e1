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

/* The text layout of counters: one line per kind, a label per counter. */
static const struct {
	const char *word;
	struct {
		unsigned int type;
		const char *label;
	} c[9];
} stat_lines[] = {
	{ "tx", { { GVPN_A_STATS_TX_PACKETS, "packets" },
		  { GVPN_A_STATS_TX_BYTES, "bytes" } } },
	{ "rx", { { GVPN_A_STATS_RX_PACKETS, "packets" },
		  { GVPN_A_STATS_RX_BYTES, "bytes" } } },
	{ "match", { { GVPN_A_STATS_MATCH_PACKETS, "packets" },
		     { GVPN_A_STATS_MATCH_BYTES, "bytes" } } },
	{ "bypass", { { GVPN_A_STATS_BYPASS_PACKETS, "packets" } } },
	{ "drop", { { GVPN_A_STATS_DROP_POLICY, "policy" },
		    { GVPN_A_STATS_DROP_NO_SA, "no-sa" },
		    { GVPN_A_STATS_DROP_CLEARTEXT, "cleartext" },
		    { GVPN_A_STATS_DROP_UNKNOWN_SPI, "unknown-spi" },
		    { GVPN_A_STATS_DROP_AUTH, "auth" },
		    { GVPN_A_STATS_DROP_MALFORMED, "malformed" },
		    { GVPN_A_STATS_DROP_ADDR_MISMATCH, "addr-mismatch" },
		    { GVPN_A_STATS_DROP_SELECTOR, "selector" },
		    { GVPN_A_STATS_DROP_NOMEM, "nomem" } } },
	{ "mtu", { { GVPN_A_STATS_FRAG_NEEDED, "frag-needed" },
		   { GVPN_A_STATS_FRAGMENTED, "fragmented" } } },
};

/*
 * Counters: in JSON an object under key (the document itself when key is
 * NULL), in text one indented line per kind, after the object's line.
 */
void print_stats(const char *key, const struct gvpn_stats *st)
{
	unsigned int t;
	size_t i, j;

	if (is_json()) {
		open_json_object(key);
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
				started = true;
			}
			print_uint(PRINT_FP, NULL, stat_lines[i].c[j].label,
				   st->v[t]);
		}
	}
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
	if (SA_HAS(sa, GVPN_A_SA_AGE_SECS)) {
		print_uint(PRINT_JSON, "age", NULL, sa->age_secs);
		snprintf(buf, sizeof(buf), "%" PRIu64 "s", sa->age_secs);
		print_string(PRINT_FP, NULL, "age", buf);
	}
}
