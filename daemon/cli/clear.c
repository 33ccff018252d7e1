// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * gvpn clear: drop a group's keys in gvpnd and register again (Cisco's
 * "clear crypto gdoi group"), through the control socket.
 */

#include "gvpn.h"
#include "util.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: gvpn clear group ID\n"
		"where  ID := 1..65535\n"
		"Asks gvpnd (socket: -S PATH, $GVPN_SOCKET or %s).\n",
		cli_ctl_socket());
}

static int run(int argc, char **argv)
{
	if (argc >= 1 && matches(argv[0], "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	if (argc < 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	return cli_ctl_group("clear", NULL, argc, argv, false);
}

const struct gvpn_object clear_object = {
	.name = "clear",
	.run = run,
	.usage = usage,
};
