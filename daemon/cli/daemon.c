// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * gvpn daemon: which gvpnd answers on the control socket, and what it can
 * be asked; "daemon reload" makes gvpnd apply its configuration file again.
 */

#include <string.h>

#include "gvpn.h"
#include "util.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: gvpn daemon [ show ]\n"
		"       gvpn daemon reload\n"
		"Asks gvpnd (socket: -S PATH, $GVPN_SOCKET or %s).\n",
		cli_ctl_socket());
}

static int run(int argc, char **argv)
{
	char *show[] = { "daemon", "show" };
	char *reload[] = { "daemon", "reload" };

	if (argc >= 1 && matches(argv[0], "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	if (argc >= 1 && !strcmp(argv[0], "reload")) {
		if (argc > 1) {
			fprintf(stderr, "Error: unexpected \"%s\".\n", argv[1]);
			return EXIT_USAGE;
		}
		return cli_ctl(2, reload);
	}
	if (argc >= 1 && !matches(argv[0], "show") && !matches(argv[0], "list")) {
		fprintf(stderr, "Error: unknown command \"%s\" for \"daemon\"; try \"gvpn daemon help\".\n",
			argv[0]);
		return EXIT_USAGE;
	}
	if (argc > 1) {
		fprintf(stderr, "Error: unexpected \"%s\".\n", argv[1]);
		return EXIT_USAGE;
	}
	return cli_ctl(2, show);
}

const struct gvpn_object daemon_object = {
	.name = "daemon",
	.run = run,
	.usage = usage,
};
