// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * gvpn group: GDOI groups, their DF mode, replay window and clock, what
 * they do without keys, and their attached devices.
 */

#include <errno.h>
#include <libmnl/libmnl.h>

#include "gvpn.h"
#include "json.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: gvpn group add ID [ SETTING ... ]\n"
		"       gvpn group set ID SETTING [ SETTING ... ]\n"
		"       gvpn group del ID\n"
		"       gvpn [ -s ] group show [ ID ]\n"
		"where  ID := 1..65535\n"
		"       SETTING := { df-bit DF | tbar-window SECS | clock CLOCK | tick MS |\n"
		"                    fail-mode FAIL [ activate ] | passive { on | off } |\n"
		"                    receive-only { on | off } | legacy-iv { on | off } }\n"
		"       DF := { clear | set | copy }\n"
		"       SECS := 0..3600 (0 = no replay check)    MS := 1..60000\n"
		"       CLOCK := { pseudotime VALUE | wallclock }\n"
		"       VALUE := the pseudotime in seconds, up to 3 decimals\n"
		"       FAIL := { none | open | close } (also clear = none,\n"
		"               drop-encrypt = open: gvpnd.conf's words)\n"
		"legacy-iv on: counter-mode SAs without a sender ID encrypt with random\n"
		"IVs (interop with key servers that assign none; IVs may then repeat).\n");
}

static int print_group(const struct nlmsghdr *nlh, void *data)
{
	char name[32];
	struct gvpn_group g;
	unsigned int i;

	(void)data;
	if (gvpn_parse_group(nlh, &g))
		return -EBADMSG;
	open_json_object(NULL);
	/* with counters: an object of the documented schema */
	if (opts.stats)
		print_schema_version();
	print_group_fields(&g);
	open_json_array("devs");
	for (i = 0; i < g.n_ifindex; i++)
		print_string(PRINT_ANY, NULL, "dev",
			     ifname_of(g.ifindexes[i], name, sizeof(name)));
	close_json_array();
	if (g.ifindex_truncated)
		print_word("...");
	if (opts.stats && (g.present & GVPN_BIT(GVPN_A_GROUP_STATS)))
		print_group_stats("stats", &g);
	print_nl();
	close_json_object();
	return 0;
}

static int run(int argc, char **argv)
{
	char buf[MNL_SOCKET_BUFFER_SIZE], err[256];
	static const uint8_t cmds[] = {
		[GVPN_OP_ADD] = GVPN_CMD_GROUP_NEW,
		[GVPN_OP_SET] = GVPN_CMD_GROUP_SET,
		[GVPN_OP_DEL] = GVPN_CMD_GROUP_DEL,
		[GVPN_OP_SHOW] = GVPN_CMD_GROUP_GET,
	};
	struct genl_sock gs;
	struct nlmsghdr *nlh;
	struct gvpn_group g;
	bool dump;
	int op, ret;

	op = cli_op(&group_object, argc, argv,
		    OP_BIT(GVPN_OP_ADD) | OP_BIT(GVPN_OP_SET) |
		    OP_BIT(GVPN_OP_DEL) | OP_BIT(GVPN_OP_SHOW), &ret);
	if (op < 0)
		return ret;
	if (gvpn_args_group(op, argc - !!argc, argv + !!argc, &g, err,
			    sizeof(err)))
		return cli_usage_error(err);

	ret = cli_open(&gs);
	if (ret)
		return ret;
	dump = op == GVPN_OP_SHOW && !g.present;
	nlh = genl_msg(&gs, buf, cmds[op], dump ? NLM_F_DUMP : 0);
	if (!dump)
		gvpn_put_group(nlh, &g);
	if (op == GVPN_OP_SHOW) {
		json_begin(stdout, opts.json);
		open_json_array(NULL);
		ret = cli_request(&gs, nlh, print_group, NULL);
		close_json_array();
		json_end();
	} else {
		ret = cli_request(&gs, nlh, NULL, NULL);
	}
	genl_close(&gs);
	return ret;
}

const struct gvpn_object group_object = { "group", run, usage };
