// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * gvpn gm: gvpnd's group member role, through its control socket; "gm show
 * detail" adds each group's key servers and Phase 1 SA.
 */

#include <string.h>

#include "gvpn.h"
#include "util.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: gvpn gm [ show [ group ID ] [ detail ] ]\n"
		"       gvpn gm register group ID\n"
		"where  ID := 1..65535\n"
		"Asks gvpnd (socket: -S PATH, $GVPN_SOCKET or %s).\n",
		cli_ctl_socket());
}

/* gm show [ group ID ] detail: cli_ctl_group's words, then "detail" */
static int show_detail(int argc, char **argv)
{
	char *words[5] = { "gm", "show" };
	uint32_t id;
	int n = 2;

	if (argc == 3 && matches(argv[0], "group")) {
		if (parse_u32(argv[1], 1, 65535, &id)) {
			fprintf(stderr, "Error: invalid group ID \"%s\" (1..65535).\n",
				argv[1]);
			return EXIT_USAGE;
		}
		words[n++] = "group";
		words[n++] = argv[1];
	} else if (argc != 1) {
		return cli_usage_error("expected \"[ group ID ] detail\"");
	}
	words[n++] = "detail";
	return cli_ctl(n, words);
}

static int run(int argc, char **argv)
{
	if (argc >= 2 && (matches(argv[0], "show") || matches(argv[0], "list")) &&
	    !strcmp(argv[argc - 1], "detail"))
		return show_detail(argc - 1, argv + 1);
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
