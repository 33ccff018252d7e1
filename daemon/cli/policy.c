// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * gvpn policy: the traffic selectors of a group.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>

#include "gvpn.h"
#include "json.h"
#include "util.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: gvpn policy add group ID id PID [ prio PRIO ]\n"
		"                       [ src PREFIX ] [ dst PREFIX ] [ proto PROTO ]\n"
		"                       [ sport PORTS ] [ dport PORTS ]\n"
		"                       action ACTION [ origin ORIGIN ]\n"
		"       gvpn policy del group ID id PID\n"
		"       gvpn [ -s ] policy show [ group ID [ id PID ] ]\n"
		"       gvpn policy flush [ group ID ]\n"
		"where  ID := 1..65535    PID := 1..4294967295    PRIO := 0..4294967295\n"
		"       PREFIX := A.B.C.D[/LEN]    PROTO := { NAME | 0..255 }\n"
		"       PORTS := PORT[-PORT]    ACTION := { encrypt | bypass | drop }\n"
		"       ORIGIN := { ks | local | fail }\n"
		"A fail policy (action bypass, at most 10 per group) passes traffic in\n"
		"clear while the group has no keys and a fail-mode drops the rest.\n");
}

static void print_prefix(const char *key, struct in_addr addr, uint8_t plen)
{
	char a[INET_ADDRSTRLEN], buf[INET_ADDRSTRLEN + 4];

	inet_ntop(AF_INET, &addr, a, sizeof(a));
	snprintf(buf, sizeof(buf), "%s/%u", a, plen);
	print_string(PRINT_ANY, key, key, buf);
}

static void print_ports(const char *key, uint16_t lo, uint16_t hi)
{
	char buf[16], kmin[16], kmax[16];

	snprintf(kmin, sizeof(kmin), "%s_min", key);
	snprintf(kmax, sizeof(kmax), "%s_max", key);
	print_uint(PRINT_JSON, kmin, NULL, lo);
	print_uint(PRINT_JSON, kmax, NULL, hi);
	if (lo == 0 && hi == 65535)
		return;
	if (lo == hi)
		snprintf(buf, sizeof(buf), "%u", lo);
	else
		snprintf(buf, sizeof(buf), "%u-%u", lo, hi);
	print_string(PRINT_FP, NULL, key, buf);
}

static int print_policy(const struct nlmsghdr *nlh, void *data)
{
	struct gvpn_policy p;
	char buf[8];

	(void)data;
	if (gvpn_parse_policy(nlh, &p))
		return -EBADMSG;
	open_json_object(NULL);
	/* with counters: an object of the documented schema */
	if (opts.stats)
		print_schema_version();
	print_uint(PRINT_ANY, "id", "policy", p.id);
	print_uint(PRINT_ANY, "group", "group", p.group_id);
	print_uint(PRINT_ANY, "prio", "prio", p.prio);
	print_prefix("src", p.src, p.src_plen);
	print_prefix("dst", p.dst, p.dst_plen);
	print_string(p.proto ? PRINT_ANY : PRINT_JSON, "proto", "proto",
		     p.proto ? ipproto_name(p.proto, buf, sizeof(buf)) : "any");
	print_ports("sport", p.sport_min, p.sport_max);
	print_ports("dport", p.dport_min, p.dport_max);
	print_enum("action", "action", gvpn_action_name(p.action), p.action);
	print_enum("origin", "origin", gvpn_origin_name(p.origin), p.origin);
	if (opts.stats && (p.present & GVPN_BIT(GVPN_A_POLICY_STATS)))
		print_stats("stats", &p.stats);
	print_nl();
	close_json_object();
	return 0;
}

static int run(int argc, char **argv)
{
	char buf[MNL_SOCKET_BUFFER_SIZE], err[256];
	static const uint8_t cmds[] = {
		[GVPN_OP_ADD] = GVPN_CMD_POLICY_NEW,
		[GVPN_OP_DEL] = GVPN_CMD_POLICY_DEL,
		[GVPN_OP_SHOW] = GVPN_CMD_POLICY_GET,
		[GVPN_OP_FLUSH] = GVPN_CMD_POLICY_FLUSH,
	};
	struct gvpn_policy p;
	struct genl_sock gs;
	struct nlmsghdr *nlh;
	bool dump;
	int op, ret;

	op = cli_op(&policy_object, argc, argv,
		    OP_BIT(GVPN_OP_ADD) | OP_BIT(GVPN_OP_DEL) |
		    OP_BIT(GVPN_OP_SHOW) | OP_BIT(GVPN_OP_FLUSH), &ret);
	if (op < 0)
		return ret;
	if (gvpn_args_policy(op, argc - !!argc, argv + !!argc, &p, err,
			     sizeof(err)))
		return cli_usage_error(err);

	ret = cli_open(&gs);
	if (ret)
		return ret;
	/* a show without an ID dumps, of one group or of all */
	dump = op == GVPN_OP_SHOW && !(p.present & GVPN_BIT(GVPN_A_POLICY_ID));
	nlh = genl_msg(&gs, buf, cmds[op], dump ? NLM_F_DUMP : 0);
	if (p.present || op == GVPN_OP_FLUSH)
		gvpn_put_policy(nlh, &p);
	if (op == GVPN_OP_SHOW) {
		json_begin(stdout, opts.json);
		open_json_array(NULL);
		ret = cli_request(&gs, nlh, print_policy, NULL);
		close_json_array();
		json_end();
	} else {
		ret = cli_request(&gs, nlh, NULL, NULL);
	}
	genl_close(&gs);
	return ret;
}

const struct gvpn_object policy_object = { "policy", run, usage };
