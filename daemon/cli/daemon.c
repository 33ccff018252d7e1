// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * gvpn daemon: which gvpnd answers on the control socket, and what it can
 * be asked; "daemon reload" makes gvpnd apply its configuration file again;
 * "daemon log level LEVEL" changes its log level until it restarts.
 */

#include <string.h>

#include "gvpn.h"
#include "util.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: gvpn daemon [ show ]\n"
		"       gvpn daemon reload\n"
		"       gvpn daemon log level LEVEL\n"
		"where  LEVEL := { err | warning | notice | info | debug }\n"
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
	if (argc >= 1 && !strcmp(argv[0], "log")) {
		char *words[4] = { "daemon", "log", "level" };

		/* gvpnd checks LEVEL and lists the valid ones */
		if (argc != 3 || strcmp(argv[1], "level"))
			return cli_usage_error("expected \"daemon log level LEVEL\"");
		words[3] = argv[2];
		return cli_ctl(4, words);
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
