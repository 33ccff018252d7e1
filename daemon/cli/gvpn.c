// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * gvpn: the ip-style command line for gvpn.ko and gvpnd.
 */

#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gvpn.h"
#include "util.h"

struct gvpn_opts opts;

/* Order decides abbreviations, as in ip: "s" is sa, "d" dev. */
static const struct gvpn_object *const objects[] = {
	&group_object,
	&dev_object,
	&policy_object,
	&sa_object,
	&stats_object,
	&monitor_object,
	&ks_object,
	&gm_object,
	&clear_object,
	&daemon_object,
	&ike_object,
	NULL,
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f,
		"Usage: gvpn [ OPTIONS ] OBJECT { COMMAND | help }\n"
		"where  OBJECT := {");
	for (i = 0; objects[i]; i++)
		fprintf(f, "%s %s", i ? " |" : "", objects[i]->name);
	fprintf(f,
		" }\n"
		"       OPTIONS := { -j[son] | -s[tatistics] | -n[etns] NAME |\n"
		"                    -S PATH | -socket PATH | -V[ersion] | -h[elp] }\n");
}

/* Like "ip -n NAME": enter /run/netns/NAME before talking to anything. */
static int enter_netns(const char *name)
{
	char path[256];
	int fd;

	if (strchr(name, '/') ||
	    snprintf(path, sizeof(path), "/run/netns/%s", name) >= (int)sizeof(path)) {
		fprintf(stderr, "Error: invalid netns name \"%s\".\n", name);
		return -1;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "Error: cannot open netns \"%s\": %m.\n", name);
		return -1;
	}
	if (setns(fd, CLONE_NEWNET) < 0) {
		fprintf(stderr, "Error: setting netns \"%s\" failed: %m.\n", name);
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static bool is_ctl_object(const struct gvpn_object *obj)
{
	return obj == &ks_object || obj == &gm_object ||
	       obj == &clear_object || obj == &daemon_object ||
	       obj == &ike_object;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "statistics", no_argument, NULL, 's' },
		{ "netns", required_argument, NULL, 'n' },
		{ "socket", required_argument, NULL, 'S' },
		{ "Version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	size_t i;
	int c;

	while ((c = getopt_long_only(argc, argv, "+jsn:S:Vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			opts.json = true;
			break;
		case 's':
			opts.stats = true;
			break;
		case 'n':
			opts.netns = optarg;
			break;
		case 'S':
			opts.socket = optarg;
			break;
		case 'V':
			printf("gvpn %s\n", GVPN_VERSION);
			return EXIT_OK;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1 || matches(argv[0], "help")) {
		usage(argc < 1 ? stderr : stdout);
		return argc < 1 ? EXIT_USAGE : EXIT_OK;
	}

	for (i = 0; objects[i]; i++)
		if (matches(argv[0], objects[i]->name))
			break;
	if (!objects[i]) {
		fprintf(stderr, "Error: unknown object \"%s\"; try \"gvpn help\".\n",
			argv[0]);
		return EXIT_USAGE;
	}
	/* gvpnd's socket is a file, the same in every netns: -n is moot */
	if (opts.netns && !is_ctl_object(objects[i]) &&
	    enter_netns(opts.netns))
		return EXIT_KERNEL;
	return objects[i]->run(argc - 1, argv + 1);
}
