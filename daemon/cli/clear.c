// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * gvpn clear: drop a group's keys in gvpnd and register again (Cisco's
 * "clear crypto gdoi group"), or, on a key server, forget the group's
 * registered members (Cisco's "clear crypto gdoi ks members"), through the
 * control socket.
 */

#include <string.h>

#include "gvpn.h"
#include "util.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: gvpn clear group ID\n"
		"       gvpn clear group ID members\n"
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
	if (argc == 3 && matches(argv[0], "group") &&
	    !strcmp(argv[2], "members")) {
		char *words[4] = { "ks", "clear-members", "group", argv[1] };
		uint32_t id;

		if (parse_u32(argv[1], 1, 65535, &id)) {
			fprintf(stderr, "Error: invalid group ID \"%s\" (1..65535).\n",
				argv[1]);
			return EXIT_USAGE;
		}
		return cli_ctl(4, words);
	}
	return cli_ctl_group("clear", NULL, argc, argv, false);
}

const struct gvpn_object clear_object = {
	.name = "clear",
	.run = run,
	.usage = usage,
};
