// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * gvpn monitor: print the events of the "events" multicast group, one line
 * (or one JSON document) each, until interrupted.
 */

#include <arpa/inet.h>
#include <libmnl/libmnl.h>

#include "gvpn.h"
#include "json.h"
#include "util.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: gvpn [ -j ] monitor\n"
		"Prints SA added, removed, soft and hard expired, activated and\n"
		"deactivated events, a group's keys going up and down, and\n"
		"data-plane errors (unknown SPI, authentication failure, replay\n"
		"check failure with the sender's and the local time), one per line\n"
		"(JSON lines with -j), until interrupted.\n");
}

static int print_event(const struct nlmsghdr *nlh, void *data)
{
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload(nlh);
	char name[16], addr[INET_ADDRSTRLEN];
	struct gvpn_event_msg ev;

	(void)data;
	if (genl->cmd != GVPN_CMD_EVENT)
		return 0;
	if (gvpn_parse_event(nlh, &ev)) {
		fprintf(stderr, "Warning: malformed event ignored.\n");
		return 0;
	}
	json_begin(stdout, opts.json);
	open_json_object(NULL);
	if (gvpn_event_name(ev.type)) {
		print_string(PRINT_ANY, "event", NULL, gvpn_event_name(ev.type));
	} else {
		snprintf(name, sizeof(name), "event-%u", ev.type);
		print_string(PRINT_ANY, "event", NULL, name);
	}
	if (ev.present & GVPN_BIT(GVPN_A_SA)) {
		open_json_object("sa");
		print_sa_fields(&ev.sa);
		close_json_object();
	}
	if (ev.present & GVPN_BIT(GVPN_A_GROUP)) {
		open_json_object("group");
		print_group_fields(&ev.group);
		close_json_object();
	}
	if (ev.present & GVPN_BIT(GVPN_A_EVENT_SRC)) {
		inet_ntop(AF_INET, &ev.src, addr, sizeof(addr));
		print_string(PRINT_ANY, "src", "src", addr);
	}
	if (ev.present & GVPN_BIT(GVPN_A_EVENT_DST)) {
		inet_ntop(AF_INET, &ev.dst, addr, sizeof(addr));
		print_string(PRINT_ANY, "dst", "dst", addr);
	}
	/* on the group clock, as Cisco's REPLAY_FAILED shows both */
	if (ev.present & GVPN_BIT(GVPN_A_EVENT_SENDER_TIME))
		print_ms("sender_time_ms", "sender-time", ev.sender_time_ms,
			 false);
	if (ev.present & GVPN_BIT(GVPN_A_EVENT_LOCAL_TIME))
		print_ms("local_time_ms", "local-time", ev.local_time_ms,
			 false);
	close_json_object();
	json_end();
	return 0;
}

static void lost(void *data)
{
	(void)data;
	fprintf(stderr, "Warning: events were lost (receive buffer overrun).\n");
}

static int run(int argc, char **argv)
{
	struct genl_sock gs;
	int ret;

	if (argc > 0 && matches(argv[0], "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	if (argc > 0) {
		fprintf(stderr, "Error: unknown keyword \"%s\"; try \"gvpn monitor help\".\n",
			argv[0]);
		return EXIT_USAGE;
	}
	ret = cli_open(&gs);
	if (ret)
		return ret;
	if (genl_subscribe(&gs, GVPN_MCGRP_EVENTS)) {
		char buf[512];

		fprintf(stderr, "Error: %s.\n",
			genl_strerror(&gs.err, buf, sizeof(buf)));
		genl_close(&gs);
		return EXIT_KERNEL;
	}
	/* lines reach a pipe as they happen */
	setvbuf(stdout, NULL, _IOLBF, 0);
	ret = genl_listen(&gs, print_event, lost, NULL);
	if (ret) {
		char buf[512];

		fprintf(stderr, "Error: %s.\n",
			genl_strerror(&gs.err, buf, sizeof(buf)));
	}
	genl_close(&gs);
	return ret ? EXIT_KERNEL : EXIT_OK;
}

const struct gvpn_object monitor_object = { "monitor", run, usage };
