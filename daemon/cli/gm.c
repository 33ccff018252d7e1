// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * gvpn gm: gvpnd's group member role, through its control socket.
 */

#include "gvpn.h"
#include "util.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: gvpn gm [ show [ group ID ] ]\n"
		"       gvpn gm register group ID\n"
		"where  ID := 1..65535\n"
		"Asks gvpnd (socket: -S PATH, $GVPN_SOCKET or %s).\n",
		cli_ctl_socket());
}

static int run(int argc, char **argv)
{
	if (argc < 1 || matches(argv[0], "show") || matches(argv[0], "list"))
		return cli_ctl_group("gm", "show", argc ? argc - 1 : 0,
				     argv + 1, true);
	if (matches(argv[0], "register"))
		return cli_ctl_group("gm", "register", argc - 1, argv + 1, false);
	if (matches(argv[0], "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	fprintf(stderr, "Error: unknown command \"%s\" for \"gm\"; try \"gvpn gm help\".\n",
		argv[0]);
	return EXIT_USAGE;
}

const struct gvpn_object gm_object = {
	.name = "gm",
	.run = run,
	.usage = usage,
};
