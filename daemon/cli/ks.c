// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * gvpn ks: gvpnd's key server role, through its control socket.
 */

#include "gvpn.h"
#include "util.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: gvpn ks [ show [ group ID ] ]\n"
		"       gvpn ks members [ group ID ]\n"
		"where  ID := 1..65535\n"
		"Asks gvpnd (socket: -S PATH, $GVPN_SOCKET or %s).\n",
		cli_ctl_socket());
}

static int run(int argc, char **argv)
{
	if (argc < 1 || matches(argv[0], "show") || matches(argv[0], "list"))
		return cli_ctl_group("ks", "show", argc ? argc - 1 : 0,
				     argv + 1, true);
	if (matches(argv[0], "members"))
		return cli_ctl_group("ks", "members", argc - 1, argv + 1, true);
	if (matches(argv[0], "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	fprintf(stderr, "Error: unknown command \"%s\" for \"ks\"; try \"gvpn ks help\".\n",
		argv[0]);
	return EXIT_USAGE;
}

const struct gvpn_object ks_object = {
	.name = "ks",
	.run = run,
	.usage = usage,
};
