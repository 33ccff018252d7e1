// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * The member's Phase 1 SAs with its key servers (issue 9 item 6). RFC 6407
 * 3 lets a member run several GROUPKEY-PULLs over one Phase 1 SA, so the
 * member keeps the SA a registration used and the next registration with
 * that server (timer, "gvpn gm register", failover back) runs over it, as
 * long as it has more than gm_p1_margin_ms() of lifetime left. Every other
 * SA is deleted, with a Delete the key server acts on: one that a failed
 * try used (unless the server's answer could not be parsed: the SA is fine,
 * the next try with that server runs over it), one with a server no group
 * is registered with or trying or about to try next (after a failover, a
 * "clear group"), and all but the newest with each server.
 * So a member holds at most one established SA per key server, and the key
 * server one per member. gvpnd's shutdown deletes them all (ike_ctx_fini).
 *
 * Deletions go through ike_sa_delete_soon(): these functions run from the
 * SA's own callbacks, whose callers still use it.
 */

#include <arpa/inet.h>
#include <errno.h>

#include "core/log.h"
#include "gm.h"

/*
 * A reused SA must outlive the pull it carries: one that expires in the
 * middle aborts it and the try with it. A pull lasts at most the
 * retransmission schedule (gdoi_rtx_total: about a minute with the
 * defaults); the slack covers the key server's copy having started one
 * round trip earlier (it established first) and timer granularity.
 */
#define GM_P1_MARGIN_SLACK_MS	10000

uint64_t gm_p1_margin_ms(const struct ike_conf *conf)
{
	return gdoi_rtx_total(conf) + GM_P1_MARGIN_SLACK_MS;
}

static bool usable(const struct ike_sa *sa, const struct ike_peer *pc,
		   const struct sockaddr_in *local)
{
	return sa->initiator && sa->pc == pc && !sa->dying &&
	       sa->state == IKE_ESTABLISHED &&
	       (!local || sa->local.sin_addr.s_addr == local->sin_addr.s_addr);
}

struct ike_sa *gm_p1_reusable(struct ike_ctx *ike, const struct ike_peer *pc,
			      const struct sockaddr_in *local)
{
	uint64_t margin = gm_p1_margin_ms(ike->conf);
	struct ike_sa *sa, *best = NULL;

	for (sa = ike->sas; sa; sa = sa->next) {
		if (!usable(sa, pc, local) || ike_sa_remaining_ms(sa) <= margin)
			continue;
		if (!best || sa->expires_ms > best->expires_ms)
			best = sa;
	}
	return best;
}

/* The server a group is registered with or trying */
static const struct ike_peer *group_server(const struct gm_group *grp)
{
	if (grp->state == GM_REGISTERED && grp->cur_server >= 0)
		return grp->c->servers[grp->cur_server];
	if (grp->state == GM_PHASE1 || grp->state == GM_PULL)
		return grp->c->servers[grp->fo.server];
	/* between the tries of a round: the server of the next one */
	if (grp->state == GM_IDLE && grp->fo.total && grp->c->nservers)
		return grp->c->servers[gm_failover_peek(&grp->fo,
							grp->c->retries,
							grp->c->nservers)];
	return NULL;
}

static bool in_use(const struct gm_ctx *gm, const struct ike_peer *pc)
{
	for (unsigned i = 0; i < gm->ngroups; i++)
		if (group_server(gm->groups[i]) == pc)
			return true;
	return false;
}

/* pc is a key server of some group: its SAs are the member's (a peer
 * with "initiate" may have others) */
static bool is_server(const struct gm_ctx *gm, const struct ike_peer *pc)
{
	for (unsigned i = 0; i < gm->ngroups; i++)
		for (unsigned j = 0; j < gm->groups[i]->c->nservers; j++)
			if (gm->groups[i]->c->servers[j] == pc)
				return true;
	return false;
}

void gm_p1_gc(struct gm_ctx *gm)
{
	struct ike_sa *sa, *o;

	for (sa = gm->ike->sas; sa; sa = sa->next) {
		bool newest = true;

		/* negotiating: its try ends it; carrying a pull: that ends */
		if (!sa->initiator || sa->dying ||
		    sa->state != IKE_ESTABLISHED || sa->phase2 ||
		    !is_server(gm, sa->pc))
			continue;
		if (!in_use(gm, sa->pc)) {
			ike_sa_delete_soon(sa, "no group of this member registers with this key server now");
			continue;
		}
		for (o = gm->ike->sas; o && newest; o = o->next)
			if (o != sa && usable(o, sa->pc, &sa->local) &&
			    o->started_ms > sa->started_ms)
				newest = false;
		if (!newest)
			ike_sa_delete_soon(sa, "a newer Phase 1 SA with this key server replaces it");
	}
}

bool gm_p1_answer_refused(int err)
{
	switch (err) {
	case -EBADMSG:		/* malformed or unusable (a bad POP too):
				 * gdoi_pull(), the plan */
	case -EPROTO:		/* message 2's SA refused by gm_sa_check() */
	case -ENOTSUP:		/* a transform not acceptable (the plan; also
				 * gvpn.ko's -EOPNOTSUPP for an SA it cannot
				 * install: the same answer again) */
	case -EPROTONOSUPPORT:	/* a TEK protocol gvpn has not (the plan) */
		return true;
	}
	return false;
}

void gm_p1_failed(struct ike_sa *sa, int err)
{
	/* -ECONNABORTED: the SA is being freed already */
	if (!sa || err == -ECONNABORTED || sa->state != IKE_ESTABLISHED)
		return;
	/* another group's pull on it decides for itself */
	if (sa->phase2)
		return;
	/* the key server answered, authentically, with what this member
	 * cannot parse or will not take: a new Phase 1 would get the same
	 * answer. The next try with this server runs over this SA;
	 * gm_p1_gc() deletes it when the next try goes to another server
	 * (failover) */
	if (gm_p1_answer_refused(err))
		return;
	ike_sa_delete_soon(sa, "the registration over it failed");
}
