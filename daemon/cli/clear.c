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
	char *words[3] = { "clear", "group" };
	uint32_t id;

	if (argc >= 1 && matches(argv[0], "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	if (argc < 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!matches(argv[0], "group"))
		return cli_usage_error("expected \"group ID\"");
	if (argc < 2)
		return cli_usage_error("\"group\" needs an ID (1..65535)");
	if (parse_u32(argv[1], 1, 65535, &id)) {
		fprintf(stderr, "Error: invalid group ID \"%s\" (1..65535).\n",
			argv[1]);
		return EXIT_USAGE;
	}
	if (argc > 2) {
		fprintf(stderr, "Error: unexpected \"%s\".\n", argv[2]);
		return EXIT_USAGE;
	}
	/* the command is "group": clear group ID */
	words[2] = argv[1];
	return cli_ctl(3, words);
}

const struct gvpn_object clear_object = {
	.name = "clear",
	.run = run,
	.usage = usage,
};
