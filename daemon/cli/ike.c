// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * gvpn ike sa show: gvpnd's Phase 1 (IKEv1) SAs, Cisco's "show crypto
 * isakmp sa", through its control socket.
 */

#include "gvpn.h"
#include "util.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: gvpn ike sa [ show ]\n"
		"Asks gvpnd (socket: -S PATH, $GVPN_SOCKET or %s).\n",
		cli_ctl_socket());
}

static int run(int argc, char **argv)
{
	char *show[] = { "ike", "show" };

	if (argc >= 1 && matches(argv[0], "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	if (argc < 1 || !matches(argv[0], "sa")) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (argc >= 2 && matches(argv[1], "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	if (argc >= 2 && !matches(argv[1], "show") &&
	    !matches(argv[1], "list")) {
		fprintf(stderr, "Error: unknown command \"%s\" for \"ike sa\"; try \"gvpn ike help\".\n",
			argv[1]);
		return EXIT_USAGE;
	}
	if (argc > 2) {
		fprintf(stderr, "Error: unexpected \"%s\".\n", argv[2]);
		return EXIT_USAGE;
	}
	return cli_ctl(2, show);
}

const struct gvpn_object ike_object = {
	.name = "ike",
	.run = run,
	.usage = usage,
};
