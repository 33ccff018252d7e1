// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * The key server's control commands "ks show [ group ID ]" and
 * "ks members [ group ID ]" (ks_show.c prints them).
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "main/ctl.h"
#include "ks/ks.h"
#include "util.h"

/* [ group ] ID, or nothing: -1 for all, -2 for a usage error */
static int group_arg(int argc, char **argv, char *err, size_t errlen)
{
	uint32_t id;
	int i = 2;

	if (argc == 2)
		return -1;
	if (argc > i && !strcmp(argv[i], "group"))
		i++;
	if (argc != i + 1 || parse_u32(argv[i], 1, 65535, &id)) {
		snprintf(err, errlen, "usage: %s %s [ group ID ] (ID 1..65535)",
			 argv[0], argv[1]);
		return -2;
	}
	return (int)id;
}

static int cmd_show(void *arg, int argc, char **argv, char *err,
		    size_t errlen)
{
	int id = group_arg(argc, argv, err, errlen);

	if (id == -2)
		return -2;
	if (ks_print_show(arg, id)) {
		snprintf(err, errlen, "no group %d on this key server", id);
		return -1;
	}
	return 0;
}

static int cmd_members(void *arg, int argc, char **argv, char *err,
		       size_t errlen)
{
	int id = group_arg(argc, argv, err, errlen), ret;

	if (id == -2)
		return -2;
	ret = ks_print_members(arg, id);
	if (ret == -ENOENT) {
		snprintf(err, errlen, "no group %d on this key server", id);
		return -1;
	}
	if (ret) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

int ks_ctl_register(struct ks *ks)
{
	if (ctl_register("ks", "show", cmd_show, ks) ||
	    ctl_register("ks", "members", cmd_members, ks))
		return -1;
	return 0;
}
