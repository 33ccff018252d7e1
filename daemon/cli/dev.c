// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * gvpn dev: attach a WAN device to a group, or detach it.
 */

#include <net/if.h>
#include <libmnl/libmnl.h>

#include "gvpn.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: gvpn dev add IFNAME group ID\n"
		"       gvpn dev del IFNAME group ID\n"
		"where  ID := 1..65535\n"
		"Attached devices are listed by \"gvpn group show\".\n");
}

static int run(int argc, char **argv)
{
	char buf[MNL_SOCKET_BUFFER_SIZE], err[256];
	struct gvpn_dev_args d;
	struct genl_sock gs;
	struct gvpn_group g = { 0 };
	struct nlmsghdr *nlh;
	unsigned int ifindex;
	int op, ret;

	op = cli_op(&dev_object, argc, argv,
		    OP_BIT(GVPN_OP_ADD) | OP_BIT(GVPN_OP_DEL), &ret);
	if (op < 0)
		return ret;
	if (gvpn_args_dev(op, argc - 1, argv + 1, &d, err, sizeof(err)))
		return cli_usage_error(err);
	ifindex = if_nametoindex(d.ifname);
	if (!ifindex) {
		fprintf(stderr, "Error: device \"%s\" does not exist.\n",
			d.ifname);
		return EXIT_KERNEL;
	}

	ret = cli_open(&gs);
	if (ret)
		return ret;
	g.present = GVPN_BIT(GVPN_A_GROUP_ID) | GVPN_BIT(GVPN_A_GROUP_IFINDEX);
	g.id = d.group_id;
	g.ifindex = ifindex;
	nlh = genl_msg(&gs, buf, op == GVPN_OP_ADD ? GVPN_CMD_DEV_ADD :
		       GVPN_CMD_DEV_DEL, 0);
	gvpn_put_group(nlh, &g);
	ret = cli_request(&gs, nlh, NULL, NULL);
	genl_close(&gs);
	return ret;
}

const struct gvpn_object dev_object = { "dev", run, usage };
