// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * The Phase 1 SAs in "daemon show": how many, and each one's peer, role,
 * state and remaining lifetime, so that an operator (or a test) sees what
 * registrations leave behind on either side. Cookies are public (they are
 * in every message's header); nothing secret is printed.
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
	open_json_array("phase1");
	for (sa = ike->sas; sa; sa = sa->next) {
		char a[INET_ADDRSTRLEN + 8], ip[INET_ADDRSTRLEN], ck[2][17];
		char cks[40];

		inet_ntop(AF_INET, &sa->peer.sin_addr, ip, sizeof(ip));
		snprintf(a, sizeof(a), "%s:%u", ip, ntohs(sa->peer.sin_port));
		open_json_object(NULL);
		print_indent(4);
		print_string(PRINT_ANY, "peer", "phase1", a);
		print_string(PRINT_ANY, "peer_name", "peer", sa->pc->name);
		print_string(PRINT_ANY, "role", "role",
			     sa->initiator ? "initiator" : "responder");
		print_string(PRINT_ANY, "state", "state", state_str(sa));
		if (sa->state == IKE_ESTABLISHED)
			print_uint(PRINT_ANY, "expires_in", "expires-in",
				   ike_sa_remaining_ms(sa) / 1000);
		log_hex(ck[0], sa->icookie, 8);
		log_hex(ck[1], sa->rcookie, 8);
		snprintf(cks, sizeof(cks), "%s:%s", ck[0], ck[1]);
		print_string(PRINT_JSON, "icookie", NULL, ck[0]);
		print_string(PRINT_JSON, "rcookie", NULL, ck[1]);
		print_string(PRINT_FP, NULL, "cookies", cks);
		print_nl();
		close_json_object();
	}
	close_json_array();
}
