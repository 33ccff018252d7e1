// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * gvpn ks: gvpnd's key server role, through its control socket; "ks
 * member remove" forgets one member ("ks remove-member" in gvpnd).
 */

#include <arpa/inet.h>
#include <string.h>

#include "gvpn.h"
#include "util.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: gvpn ks [ show [ group ID ] ]\n"
		"       gvpn ks members [ group ID ]\n"
		"       gvpn ks rekey group ID [ kek ]\n"
		"       gvpn ks member remove group ID ADDRESS\n"
		"where  ID := 1..65535\n"
		"Asks gvpnd (socket: -S PATH, $GVPN_SOCKET or %s).\n",
		cli_ctl_socket());
}

/* ks rekey group ID [ kek ]: a TEK (or KEK) rekey pushed now */
static int rekey(int argc, char **argv)
{
	char *words[5] = { "ks", "rekey", "group" };
	uint32_t id;

	if (argc < 2 || !matches(argv[0], "group"))
		return cli_usage_error("expected \"group ID [ kek ]\"");
	if (parse_u32(argv[1], 1, 65535, &id)) {
		fprintf(stderr, "Error: invalid group ID \"%s\" (1..65535).\n",
			argv[1]);
		return EXIT_USAGE;
	}
	words[3] = argv[1];
	if (argc == 2)
		return cli_ctl(4, words);
	if (argc == 3 && !strcmp(argv[2], "kek")) {
		words[4] = "kek";
		return cli_ctl(5, words);
	}
	fprintf(stderr, "Error: unexpected \"%s\"; expected \"kek\" or nothing.\n",
		argv[2]);
	return EXIT_USAGE;
}

/* ks member remove group ID ADDRESS: forget one member */
static int member(int argc, char **argv)
{
	char *words[5] = { "ks", "remove-member", "group" };
	struct in_addr a;
	uint32_t id;

	if (argc < 1 || !matches(argv[0], "remove"))
		return cli_usage_error("expected \"member remove group ID ADDRESS\"");
	if (argc != 4 || !matches(argv[1], "group"))
		return cli_usage_error("expected \"member remove group ID ADDRESS\"");
	if (parse_u32(argv[2], 1, 65535, &id)) {
		fprintf(stderr, "Error: invalid group ID \"%s\" (1..65535).\n",
			argv[2]);
		return EXIT_USAGE;
	}
	if (inet_pton(AF_INET, argv[3], &a) != 1) {
		fprintf(stderr, "Error: invalid member address \"%s\" (an IPv4 address).\n",
			argv[3]);
		return EXIT_USAGE;
	}
	words[3] = argv[2];
	words[4] = argv[3];
	return cli_ctl(5, words);
}

static int run(int argc, char **argv)
{
	if (argc < 1 || matches(argv[0], "show") || matches(argv[0], "list"))
		return cli_ctl_group("ks", "show", argc ? argc - 1 : 0,
				     argv + 1, true);
	/* "member remove ..."; "member" alone stays short for "members" */
	if (!strcmp(argv[0], "member") && argc > 1 && matches(argv[1], "remove"))
		return member(argc - 1, argv + 1);
	if (matches(argv[0], "members"))
		return cli_ctl_group("ks", "members", argc - 1, argv + 1, true);
	if (matches(argv[0], "rekey"))
		return rekey(argc - 1, argv + 1);
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
