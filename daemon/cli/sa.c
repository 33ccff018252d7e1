// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * gvpn sa: the group SAs (TEKs), their flags and activation times. Keys go
 * to the kernel and are wiped here; the kernel never returns them.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <libmnl/libmnl.h>

#include "gvpn.h"
#include "json.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: gvpn sa add group ID policy PID spi SPI ALGO [ dir DIR ]\n"
		"                   [ lifetime-soft SECS ] [ lifetime-hard SECS ]\n"
		"                   [ lifetime-soft-bytes N ] [ lifetime-hard-bytes N ]\n"
		"                   [ tbar ] [ passive ]\n"
		"                   [ activate-in TIME ] [ deactivate-in TIME ]\n"
		"                   [ sender-id SID sid-bits BITS [ iv-counter N ] ]\n"
		"                   [ replay-window PACKETS ]\n"
		"       gvpn sa set group ID spi SPI [ deactivate-in TIME ] [ dir DIR ]\n"
		"                   [ passive { on | off } ]\n"
		"       gvpn sa del group ID spi SPI\n"
		"       gvpn [ -s ] sa show [ group ID [ spi SPI ] ]\n"
		"       gvpn sa flush [ group ID ]\n"
		"where  ALGO := { aead NAME KEYMAT ICV-BITS |\n"
		"                 enc NAME KEYMAT auth-trunc NAME KEYMAT TRUNC-BITS }\n"
		"       NAME := { rfc4106(gcm(aes)) | cbc(aes) | cbc(des3_ede) |\n"
		"                 hmac(sha1) | hmac(sha256) | hmac(md5) }\n"
		"       KEYMAT := 0x followed by hex digits (AEAD: key then 4-byte salt)\n"
		"       SPI := 256..4294967295, decimal or 0x hex    DIR := { both | in }\n"
		"       ID := 1..65535    PID := 1..4294967295\n"
		"       TIME := seconds from now, 0..4294967.295, up to 3 decimals\n"
		"Lifetimes count from the SA's creation; 0 is no limit.\n"
		"deactivate-in 0 is never (with set: cancels a deactivation).\n"
		"SID := 0..2^BITS-1, BITS := 1..16: this member's sender ID (RFC 6054);\n"
		"counter-mode SAs (rfc4106) send IVs SID || counter and need one unless\n"
		"their group is legacy-iv. N := the first counter (default 1).\n"
		"PACKETS := 0..4096, per-sender replay window (default 128, 0 = off).\n"
		"With -s and one SA (group and spi), show also lists the SA's\n"
		"per-sender replay windows: SID, highest counter, packets accepted\n"
		"and replays dropped.\n");
}

/* The per-sender windows of one SA (SENDER_GET), listed after it. */
struct sender_list {
	struct gvpn_sender_win *w;
	size_t n, cap;
};

static int add_sender(const struct nlmsghdr *nlh, void *data)
{
	struct sender_list *l = data;
	struct gvpn_sender_win *w;
	size_t cap;

	if (l->n == l->cap) {
		cap = l->cap ? 2 * l->cap : 64;
		w = realloc(l->w, cap * sizeof(*w));
		if (!w)
			return -ENOMEM;
		l->w = w;
		l->cap = cap;
	}
	if (gvpn_parse_sender(nlh, &l->w[l->n]))
		return -EBADMSG;
	l->n++;
	return 0;
}

/* Dump the windows of SA (group, spi) into l: EXIT_OK or EXIT_KERNEL. */
static int get_senders(struct genl_sock *gs, uint16_t group, uint32_t spi,
		       struct sender_list *l)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;

	nlh = genl_msg(gs, buf, GVPN_CMD_SENDER_GET, NLM_F_DUMP);
	gvpn_put_sender_req(nlh, group, spi);
	return cli_request(gs, nlh, add_sender, l);
}

/* data: the SA's sender windows to list after it, or NULL. */
static int print_sa(const struct nlmsghdr *nlh, void *data)
{
	struct sender_list *l = data;
	struct gvpn_sa sa;

	if (gvpn_parse_sa(nlh, &sa))
		return -EBADMSG;
	open_json_object(NULL);
	/* with counters: an object of the documented schema */
	if (opts.stats)
		print_schema_version();
	print_sa_fields(&sa);
	if (opts.stats && (sa.present & GVPN_BIT(GVPN_A_SA_STATS)))
		print_stats("stats", &sa.stats);
	if (l)
		print_sender_windows(l->w, l->n);
	print_nl();
	close_json_object();
	return 0;
}

static int run(int argc, char **argv)
{
	char buf[MNL_SOCKET_BUFFER_SIZE], err[256];
	static const uint8_t cmds[] = {
		[GVPN_OP_ADD] = GVPN_CMD_SA_NEW,
		[GVPN_OP_SET] = GVPN_CMD_SA_SET,
		[GVPN_OP_DEL] = GVPN_CMD_SA_DEL,
		[GVPN_OP_SHOW] = GVPN_CMD_SA_GET,
		[GVPN_OP_FLUSH] = GVPN_CMD_SA_FLUSH,
	};
	struct sender_list senders = {};
	struct genl_sock gs;
	struct nlmsghdr *nlh;
	struct gvpn_sa sa;
	bool dump, windows;
	int op, ret;

	op = cli_op(&sa_object, argc, argv,
		    OP_BIT(GVPN_OP_ADD) | OP_BIT(GVPN_OP_SET) |
		    OP_BIT(GVPN_OP_DEL) | OP_BIT(GVPN_OP_SHOW) |
		    OP_BIT(GVPN_OP_FLUSH), &ret);
	if (op < 0)
		return ret;
	if (gvpn_args_sa(op, argc - !!argc, argv + !!argc, &sa, err,
			 sizeof(err)))
		return cli_usage_error(err);

	ret = cli_open(&gs);
	if (ret) {
		gvpn_sa_wipe(&sa);
		return ret;
	}
	dump = op == GVPN_OP_SHOW && !(sa.present & GVPN_BIT(GVPN_A_SA_SPI));
	/* -s on one SA lists its senders too: read them first */
	windows = op == GVPN_OP_SHOW && !dump && opts.stats;
	if (windows) {
		ret = get_senders(&gs, sa.group_id, sa.spi, &senders);
		if (ret) {
			free(senders.w);
			gvpn_sa_wipe(&sa);
			genl_close(&gs);
			return ret;
		}
	}
	nlh = genl_msg(&gs, buf, cmds[op], dump ? NLM_F_DUMP : 0);
	if (sa.present || op == GVPN_OP_FLUSH)
		gvpn_put_sa(nlh, &sa);
	gvpn_sa_wipe(&sa);
	if (op == GVPN_OP_SHOW) {
		json_begin(stdout, opts.json);
		open_json_array(NULL);
		ret = cli_request(&gs, nlh, print_sa,
				  windows ? &senders : NULL);
		close_json_array();
		json_end();
		free(senders.w);
	} else {
		ret = cli_request(&gs, nlh, NULL, NULL);
	}
	/* the request held the keys */
	explicit_bzero(buf, sizeof(buf));
	genl_close(&gs);
	return ret;
}

const struct gvpn_object sa_object = { "sa", run, usage };
