// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * What "gm show detail" adds to a group of "gm show" (gm_ctl.c): its key
 * servers in configuration order, the one in use, and the Phase 1 SA with
 * it (printed as "ike show" prints SAs), so that one command answers
 * "registered with whom, over what, with which keys".
 */

#include <arpa/inet.h>

#include "gm.h"
#include "ike/ike.h"
#include "json.h"
#include "main/ctl.h"

/* the server of the registration, or of the try under way */
static int server_index(const struct gm_group *grp)
{
	if (grp->state == GM_PHASE1 || grp->state == GM_PULL)
		return (int)grp->fo.server;
	return grp->cur_server;
}

/* the Phase 1 SA with pc: the try's, else the established one with the
 * most lifetime left (the one the next registration uses) */
static const struct ike_sa *p1_sa(const struct gm_group *grp,
				  const struct ike_peer *pc)
{
	const struct ike_sa *sa, *best = NULL;

	if (grp->sa && grp->sa->pc == pc)
		return grp->sa;
	if (!grp->gm || !grp->gm->ike)
		return NULL;
	for (sa = grp->gm->ike->sas; sa; sa = sa->next) {
		if (!sa->initiator || sa->pc != pc || sa->dying ||
		    sa->state != IKE_ESTABLISHED)
			continue;
		if (!best || sa->expires_ms > best->expires_ms)
			best = sa;
	}
	return best;
}

void gm_print_detail(const struct gm_group *grp)
{
	const struct gm_group_conf *c = grp->c;
	int cur = server_index(grp);
	const struct ike_sa *sa = NULL;
	char a[INET_ADDRSTRLEN];
	unsigned i;

	open_json_array("servers");
	for (i = 0; i < c->nservers; i++) {
		open_json_object(NULL);
		print_indent(4);
		print_string(PRINT_ANY, "server", "server",
			     inet_ntop(AF_INET, &c->servers[i]->addr, a,
				       sizeof(a)));
		print_string(PRINT_ANY, "peer", "peer", c->servers[i]->name);
		print_bool(PRINT_ANY, "in_use", "in-use", (int)i == cur);
		print_nl();
		close_json_object();
	}
	close_json_array();
	if (cur >= 0 && (unsigned)cur < c->nservers)
		sa = p1_sa(grp, c->servers[cur]);
	if (sa) {
		ike_print_sa(sa, "phase1", false);
	} else {
		print_indent(4);
		print_null(PRINT_ANY, "phase1", "phase1");
		print_nl();
	}
}
