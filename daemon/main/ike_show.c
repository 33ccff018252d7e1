// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * The Phase 1 SAs: each one's peer, role, state, remaining lifetime and
 * cookies, as "ike show" (gvpn ike sa show, Cisco's "show crypto isakmp
 * sa") prints them and as "daemon show" lists them after its counters
 * (how many, the flood limits), so that an operator (or a test) sees what
 * registrations leave behind on either side. One printer for both. Cookies
 * are public (they are in every message's header); nothing secret is
 * printed.
 */

#include <arpa/inet.h>
#include <stdio.h>

#include "core/log.h"
#include "core/loop.h"
#include "ctl.h"
#include "ike/ike.h"
#include "json.h"

static const char *state_str(const struct ike_sa *sa)
{
	if (sa->dying)
		return "deleting";
	return sa->state == IKE_ESTABLISHED ? "established" : "negotiating";
}

void ike_print_sa(const struct ike_sa *sa, const char *key, bool top)
{
	char a[INET_ADDRSTRLEN + 8], ip[INET_ADDRSTRLEN], ck[2][17];
	char cks[40];

	inet_ntop(AF_INET, &sa->peer.sin_addr, ip, sizeof(ip));
	snprintf(a, sizeof(a), "%s:%u", ip, ntohs(sa->peer.sin_port));
	open_json_object(key);
	if (top)
		print_schema_version();
	else
		print_indent(4);
	print_string(PRINT_ANY, "peer", "phase1", a);
	print_string(PRINT_ANY, "peer_name", "peer", sa->pc->name);
	print_string(PRINT_ANY, "role", "role",
		     sa->initiator ? "initiator" : "responder");
	print_string(PRINT_ANY, "state", "state", state_str(sa));
	if (sa->state == IKE_ESTABLISHED) {
		uint64_t ms = ike_sa_remaining_ms(sa);

		print_uint(PRINT_ANY, "expires_in", "expires-in", ms / 1000);
		print_uint(PRINT_JSON, "expires_in_ms", NULL, ms);
	}
	log_hex(ck[0], sa->icookie, 8);
	log_hex(ck[1], sa->rcookie, 8);
	snprintf(cks, sizeof(cks), "%s:%s", ck[0], ck[1]);
	print_string(PRINT_JSON, "icookie", NULL, ck[0]);
	print_string(PRINT_JSON, "rcookie", NULL, ck[1]);
	print_string(PRINT_FP, NULL, "cookies", cks);
	print_nl();
	close_json_object();
}

void ike_show_sas(struct ike_ctx *ike, bool top)
{
	const struct ike_sa *sa;

	open_json_array(top ? NULL : "phase1");
	for (sa = ike->sas; sa; sa = sa->next)
		ike_print_sa(sa, NULL, top);
	close_json_array();
	if (top && !ike->sas) {
		print_string(PRINT_FP, NULL, NULL, "no Phase 1 SAs");
		print_nl();
	}
}

void ike_show(void *arg)
{
	struct ike_ctx *ike = arg;
	unsigned est = 0;
	struct ike_sa *sa;

	for (sa = ike->sas; sa; sa = sa->next)
		est += sa->state == IKE_ESTABLISHED && !sa->dying;
	print_uint(PRINT_ANY, "phase1_sas", "phase1-sas", ike->nsas);
	print_uint(PRINT_ANY, "phase1_established", "established", est);
	print_uint(PRINT_ANY, "phase1_per_peer_deleted", "per-peer-deleted",
		   ike->stats.per_peer_deleted);
	print_nl();
	/* the flood limits (gvpnd.conf(5) FLOODS): what they hold now and
	 * what they denied since the start */
	print_uint(PRINT_ANY, "phase1_half_open", "half-open", ike->nhalf);
	print_uint(PRINT_ANY, "phase1_half_open_evicted", "evicted",
		   ike->stats.half_open_evicted);
	print_uint(PRINT_ANY, "phase1_negotiating", "negotiating", ike->nnego);
	print_uint(PRINT_ANY, "phase1_flood_sources", "sources", ike->nsrc);
	print_nl();
	print_uint(PRINT_ANY, "phase1_denied_per_peer", "denied: per-peer",
		   ike->stats.flood_per_peer);
	print_uint(PRINT_ANY, "phase1_denied_rate", "rate",
		   ike->stats.flood_rate);
	print_uint(PRINT_ANY, "phase1_denied_max", "max",
		   ike->stats.flood_global);
	print_uint(PRINT_ANY, "phase1_negotiating_evicted", "evicted",
		   ike->stats.flood_evicted);
	print_uint(PRINT_ANY, "phase1_aggressive_limited", "aggressive-limited",
		   ike->stats.aggressive_limited);
	print_nl();
	ike_show_sas(ike, false);
}

/* "ike show": the Phase 1 SAs, every gvpnd (any role) has them */
static int cmd_show(void *arg, int argc, char **argv, char *err,
		    size_t errlen)
{
	(void)argv;
	if (argc != 2) {
		snprintf(err, errlen, "\"ike show\" takes no arguments");
		return -2;
	}
	ike_show_sas(arg, true);
	return 0;
}

int ike_ctl_register(struct ike_ctx *ike)
{
	return ctl_register("ike", "show", cmd_show, ike);
}
