// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * The key server's control commands "ks show [ group ID ]",
 * "ks members [ group ID ]" (ks_show.c prints them), "ks rekey group ID
 * [ kek ]" (a push now, ks_rekey.c), "ks clear-members group ID" (what
 * "gvpn clear group ID members" sends: forget the group's members) and
 * "ks remove-member group ID ADDRESS" (gvpn ks member remove: one member).
 */

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "json.h"
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

/* what removing a member achieves in g, and what cuts it off */
static const char *remove_hint(const struct ks_group *g)
{
	if (!g->rk)
		return "the group has no KEK: the member keeps its TEKs until they expire; take it out of the group's authorization (gvpn daemon reload) so that it cannot pull the next ones";
	if (g->c->rekey.transport == KS_MULTICAST)
		return "multicast rekeys still reach it (it holds the KEK, and a KEK rekey goes out under the old KEK): a rekey does not cut it off; take it out of the group's authorization (gvpn daemon reload), see Documentation/operations.rst, Removing a member";
	return "it gets no further unicast rekeys but keeps the keys it has: to cut it off, take it out of the group's authorization (gvpn daemon reload) so that it cannot register again, then \"gvpn ks rekey group ID kek\" (a new KEK and new TEKs, pushed only to the remaining members)";
}

/* "ks remove-member group ID ADDRESS": forget one member */
static int cmd_remove_member(void *arg, int argc, char **argv, char *err,
			     size_t errlen)
{
	static const char usage[] = "ks remove-member group ID ADDRESS";
	char ip[INET_ADDRSTRLEN], hint[512];
	struct ks *ks = arg;
	struct ks_group *g;
	struct in_addr a;
	const char *p;
	int rc = 0;

	g = group_req(ks, argc, argv, usage, err, errlen, &rc);
	if (!g)
		return rc;
	if (argc != 5 || inet_pton(AF_INET, argv[4], &a) != 1) {
		snprintf(err, errlen, "usage: %s (ID 1..65535, ADDRESS an IPv4 address)",
			 usage);
		return -2;
	}
	inet_ntop(AF_INET, &a, ip, sizeof(ip));
	if (ks_rekey_remove_member(ks, g, a)) {
		snprintf(err, errlen, "%s is not a registered member of group %u: nothing removed",
			 ip, g->c->id);
		return -1;
	}
	log_notice("group %s: member %s removed (ks remove-member group %u)",
		   g->c->name, ip, g->c->id);
	/* the hint with the group's ID in place of "ID" */
	p = remove_hint(g);
	if (strstr(p, "group ID"))
		snprintf(hint, sizeof(hint), "%.*sgroup %u%s",
			 (int)(strstr(p, "group ID") - p), p, g->c->id,
			 strstr(p, "group ID") + strlen("group ID"));
	else
		snprintf(hint, sizeof(hint), "%s", p);
	open_json_object(NULL);
	print_schema_version();
	print_string(PRINT_ANY, "member", "member", ip);
	print_string(PRINT_FP, NULL, NULL, "removed from");
	print_uint(PRINT_ANY, "group", "group", g->c->id);
	print_string(PRINT_ANY, "name", "name", g->c->name);
	print_nl();
	print_string(PRINT_ANY, "hint", "hint:", hint);
	print_nl();
	close_json_object();
	return 0;
}

int ks_ctl_register(struct ks *ks)
{
	if (ctl_register("ks", "show", cmd_show, ks) ||
	    ctl_register("ks", "members", cmd_members, ks) ||
	    ctl_register("ks", "rekey", cmd_rekey, ks) ||
	    ctl_register("ks", "clear-members", cmd_clear_members, ks) ||
	    ctl_register("ks", "remove-member", cmd_remove_member, ks))
		return -1;
	return 0;
}
