// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * The key server's control commands "ks show [ group ID ]",
 * "ks members [ group ID ]" (ks_show.c prints them), "ks rekey group ID
 * [ kek ]" (a push now, ks_rekey.c) and "ks clear-members group ID" (what
 * "gvpn clear group ID members" sends: forget the group's members).
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/log.h"
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

/* "group ID" at argv[2..3]: the group, or NULL with err set */
static struct ks_group *group_req(struct ks *ks, int argc, char **argv,
				  const char *usage, char *err, size_t errlen,
				  int *rc)
{
	struct ks_group *g;
	uint32_t id;

	if (argc < 4 || strcmp(argv[2], "group") ||
	    parse_u32(argv[3], 1, 65535, &id)) {
		snprintf(err, errlen, "usage: %s (ID 1..65535)", usage);
		*rc = -2;
		return NULL;
	}
	g = ks_group_by_id(ks, id);
	if (!g) {
		snprintf(err, errlen, "no group %u on this key server", id);
		*rc = -1;
	}
	return g;
}

static int cmd_rekey(void *arg, int argc, char **argv, char *err,
		     size_t errlen)
{
	static const char usage[] = "ks rekey group ID [ kek ]";
	struct ks *ks = arg;
	struct ks_group *g;
	bool kek = false;
	int rc = 0;

	g = group_req(ks, argc, argv, usage, err, errlen, &rc);
	if (!g)
		return rc;
	if (argc == 5 && !strcmp(argv[4], "kek")) {
		kek = true;
	} else if (argc != 4) {
		snprintf(err, errlen, "usage: %s (ID 1..65535)", usage);
		return -2;
	}
	if (!g->c->kek.set) {
		snprintf(err, errlen, "group %u has no kek: its members get keys by pull only",
			 g->c->id);
		return -1;
	}
	log_notice("group %s: %s rekey requested by the control socket",
		   g->c->name, kek ? "KEK" : "TEK");
	rc = ks_rekey_force(ks, g, kek, NULL);
	if (rc) {
		snprintf(err, errlen, "group %u: rekey failed: %s", g->c->id,
			 strerror(-rc));
		return -1;
	}
	return 0;
}

static int cmd_clear_members(void *arg, int argc, char **argv, char *err,
			     size_t errlen)
{
	static const char usage[] = "ks clear-members group ID";
	struct ks *ks = arg;
	struct ks_group *g;
	unsigned n;
	int rc = 0;

	g = group_req(ks, argc, argv, usage, err, errlen, &rc);
	if (!g)
		return rc;
	if (argc != 4) {
		snprintf(err, errlen, "usage: %s (ID 1..65535)", usage);
		return -2;
	}
	n = ks_rekey_clear_members(ks, g);
	log_notice("group %s: %u members forgotten (clear group %u members)",
		   g->c->name, n, g->c->id);
	return 0;
}

int ks_ctl_register(struct ks *ks)
{
	if (ctl_register("ks", "show", cmd_show, ks) ||
	    ctl_register("ks", "members", cmd_members, ks) ||
	    ctl_register("ks", "rekey", cmd_rekey, ks) ||
	    ctl_register("ks", "clear-members", cmd_clear_members, ks))
		return -1;
	return 0;
}
