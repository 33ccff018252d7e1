// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * gvpn stats: the counters of the network namespace.
 */

#include <errno.h>
#include <libmnl/libmnl.h>

#include "gvpn.h"
#include "json.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: gvpn stats [ show ]\n"
		"Counters of every group of the network namespace together.\n");
}

static int print_ns_stats(const struct nlmsghdr *nlh, void *data)
{
	struct gvpn_stats st;

	(void)data;
	if (gvpn_parse_stats(nlh, &st))
		return -EBADMSG;
	print_stats(NULL, &st);
	print_nl();
	return 0;
}

static int run(int argc, char **argv)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct genl_sock gs;
	struct nlmsghdr *nlh;
	int op, ret;

	op = cli_op(&stats_object, argc, argv, OP_BIT(GVPN_OP_SHOW), &ret);
	if (op < 0)
		return ret;
	if (argc > 1) {
		fprintf(stderr, "Error: unknown keyword \"%s\"; try \"gvpn stats help\".\n",
			argv[1]);
		return EXIT_USAGE;
	}
	ret = cli_open(&gs);
	if (ret)
		return ret;
	nlh = genl_msg(&gs, buf, GVPN_CMD_STATS_GET, 0);
	json_begin(stdout, opts.json);
	ret = cli_request(&gs, nlh, print_ns_stats, NULL);
	json_end();
	genl_close(&gs);
	return ret;
}

const struct gvpn_object stats_object = { "stats", run, usage };
