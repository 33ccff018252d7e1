// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * A new "member" section while the member runs (SIGHUP, "gvpn daemon
 * reload"). Groups are matched by id. A group that stays keeps its
 * registration, its SAs and downloaded policies in gvpn.ko and its KEK:
 * traffic keeps flowing and nothing re-registers, except where said:
 *
 *   servers            the next registration or failover uses the new
 *                      list (from its first server); the clear path to
 *                      each server and its fail rule are replaced in
 *                      gvpn.ko now. A member registered with a server that
 *                      is no longer listed registers again now, with the
 *                      new list, its SAs staying installed meanwhile.
 *                      A try under way with a server no longer listed is
 *                      abandoned (its Phase 1 SA deleted) and a new one
 *                      starts now with the new list
 *   register-retries, register-interval
 *                      from the next try
 *   df-bit, fail-mode, passive, legacy-iv
 *                      set on the kernel group now (GVPN_CMD_GROUP_SET);
 *                      passive on each SA installed too (GVPN_CMD_SA_SET)
 *   fail-close-activate
 *                      armed now if the group has no SAs yet, as at start
 *   deny, fail-open    the kernel's local and fail rules replaced now
 *                      (the ones that changed only; a new one gvpn.ko
 *                      refuses: the old one put back, reported)
 *   scope, transforms  from the next registration or rekey: what is
 *                      installed stays until then
 *   heartbeat-threshold
 *                      the deadline is set again from now
 *   name               logs and "gm show" use the new one
 *   the servers' peers (address, identity, PSK, certificate and key
 *   files, proposals)  main.c: the next Phase 1 uses them; an established
 *                      Phase 1 SA with a server stays until it expires
 *
 *   a group added      set up in gvpn.ko and registers now
 *   a group removed    left: its try under way abandoned, its kernel
 *                      group (devices, policies, SAs) deleted, as
 *                      "gvpn group del" would; freed at once, or when
 *                      the callback of its pull under way ends
 *
 * Refused, nothing changed, "restart gvpnd" in the reason: a group's
 * interfaces or identity (identity, address) changed, or member groups in
 * a file whose gvpnd started without any (the role is set up at start;
 * one whose groups a reload removed takes new ones).
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "gm.h"
#include "gm_reload.h"
#include "ike/ike.h"

static const struct gm_group_conf *conf_find(const struct gm_conf *c,
					     uint16_t id)
{
	for (unsigned i = 0; i < c->ngroups; i++)
		if (c->groups[i].id == id)
			return &c->groups[i];
	return NULL;
}

static bool same_ifaces(const struct gm_group_conf *a,
			const struct gm_group_conf *b)
{
	if (a->nifaces != b->nifaces)
		return false;
	for (unsigned i = 0; i < a->nifaces; i++) {
		unsigned j;

		for (j = 0; j < b->nifaces; j++)
			if (!strcmp(a->ifaces[i], b->ifaces[j]))
				break;
		if (j == b->nifaces)
			return false;
	}
	return true;
}

int gm_reload_check(bool role, const struct gm_conf *old,
		    const struct gm_conf *nc, char *why, size_t whylen)
{
	if (!role && nc->ngroups) {
		snprintf(why, whylen, "member groups added to a gvpnd started without any: restart gvpnd to add the member role");
		return -EINVAL;
	}
	for (unsigned i = 0; i < nc->ngroups; i++) {
		const struct gm_group_conf *n = &nc->groups[i];
		const struct gm_group_conf *o = conf_find(old, n->id);

		if (!o)
			continue;
		if (!same_ifaces(o, n)) {
			snprintf(why, whylen, "member group %u ('%s'): changing 'interfaces' needs a restart: restart gvpnd",
				 n->id, n->name);
			return -EINVAL;
		}
		if (o->id_addr != n->id_addr ||
		    (n->id_addr && o->addr.s_addr != n->addr.s_addr)) {
			snprintf(why, whylen, "member group %u ('%s'): changing 'identity' or 'address' needs a restart: restart gvpnd",
				 n->id, n->name);
			return -EINVAL;
		}
	}
	return 0;
}

int gm_server_index(const struct gm_group_conf *c, const struct ike_peer *pc)
{
	for (unsigned i = 0; pc && i < c->nservers; i++)
		if (!strcmp(c->servers[i]->name, pc->name) &&
		    c->servers[i]->addr.s_addr == pc->addr.s_addr)
			return (int)i;
	return -1;
}

bool gm_servers_same(const struct gm_group_conf *a,
		     const struct gm_group_conf *b)
{
	if (a->nservers != b->nservers)
		return false;
	for (unsigned i = 0; i < a->nservers; i++)
		if (gm_server_index(b, a->servers[i]) != (int)i)
			return false;
	return true;
}

/* The failover position and the current server in the new list */
void gm_reload_servers(struct gm_group *grp, const struct gm_group_conf *o,
		       const struct gm_group_conf *n, bool *cur_gone)
{
	int cur = -1;

	*cur_gone = false;
	if (grp->cur_server >= 0) {
		cur = gm_server_index(n, o->servers[grp->cur_server]);
		*cur_gone = cur < 0;
	}
	grp->cur_server = cur;
	if (gm_servers_same(o, n))
		return;
	if (grp->state == GM_PHASE1 || grp->state == GM_PULL) {
		/* the try under way ends with the server it started with:
		 * the next one starts the new list over */
		int s = gm_server_index(n, o->servers[grp->fo.server]);

		if (s >= 0) {
			grp->fo.server = (unsigned)s;
			return;
		}
	}
	gm_failover_reset(&grp->fo);
}

/* grp leaves; c: room for the copy of its configuration it keeps */
static void group_left(struct gm_ctx *gm, struct gm_group *grp,
		       struct gm_group_conf *c)
{
	bool pull = grp->state == GM_PULL, p1 = grp->state == GM_PHASE1;
	struct ike_sa *sa = grp->sa;
	char e[300];

	log_notice("%%GDOI-5-GM_CLEAR_REGISTER: Config: GM cleared gdoi configuration for the group %s (removed from the configuration)",
		   grp->c->name);
	gm_group_leave(grp);
	/* its own negotiation, which nothing else waits for */
	if (p1 && sa)
		ike_sa_delete_soon(sa, "its member group was removed from the configuration");
	if (grp->kernel_ok && gm_k_teardown(grp, e, sizeof(e)))
		log_warn("group %s: deleting it from gvpn.ko: %s",
			 grp->c->name, e);
	grp->kernel_ok = false;
	/* its pull's callbacks read the name and the transforms, nothing
	 * else; without a pull nothing names it any more */
	*c = *grp->c;
	c->nservers = c->ndeny = c->nscope = 0;
	c->deny = c->scope = NULL;
	grp->c = c;
	gm->left[gm->nleft++] = grp;
	if (!pull)
		gm_left_free(grp);
}

/* Returns 1 if gvpn.ko did not take all of it (logged), else 0; *dead: the
 * Phase 1 SA of a try abandoned (its server no longer listed), or NULL */
static unsigned group_changed(struct gm_group *grp,
			      const struct gm_group_conf *n,
			      struct ike_sa **dead)
{
	const struct gm_group_conf *o = grp->c;
	bool cur_gone, hb = o->hb_threshold != n->hb_threshold;
	bool trying = grp->state == GM_PHASE1 || grp->state == GM_PULL;
	const struct ike_peer *tried = trying ? o->servers[grp->fo.server] :
						NULL;
	unsigned warn = 0;
	char e[300];

	*dead = NULL;
	gm_reload_servers(grp, o, n, &cur_gone);
	grp->c = n;
	if (tried && gm_server_index(n, tried) < 0) {
		/* it would end registered with a server not listed */
		log_notice("group %s: KS \"%s\" is no longer in 'servers': its registration under way abandoned, registering again with the new list",
			   n->name, tried->name);
		*dead = gm_try_abandon(grp);
		ev_timer_del(&grp->timer);
		ev_timer_add(&grp->timer, 0);
	}
	if (grp->kernel_ok && gm_k_reconf(grp, o, e, sizeof(e))) {
		log_err("group %s: reload: gvpn.ko: %s (the rest applied)",
			n->name, e);
		warn = 1;
	}
	if (hb)
		gm_push_hb_reconf(grp);
	if (strcmp(o->name, n->name))
		log_notice("member group %u: renamed from '%s' to '%s'", n->id,
			   o->name, n->name);
	if (cur_gone && grp->state == GM_REGISTERED) {
		log_notice("group %s: its key server is no longer in 'servers': registering again with the new list (SAs stay installed meanwhile)",
			   n->name);
		if (gm_register_now(grp, false, e, sizeof(e)))
			log_warn("group %s: %s", n->name, e);
	}
	return warn;
}

/* pc is a server of one of gm's groups (by name and address: the peers
 * were replaced by the reload) */
static bool listed(const struct gm_ctx *gm, const struct ike_peer *pc)
{
	for (unsigned i = 0; i < gm->ngroups; i++)
		if (gm_server_index(gm->groups[i]->c, pc) >= 0)
			return true;
	return false;
}

void gm_reload_abort(struct gm_reload_prep *p)
{
	for (unsigned i = 0; i < p->nfresh; i++)
		free(p->fresh[i]);
	for (unsigned i = 0; p->left_c && i < p->nleft_c; i++)
		free(p->left_c[i]);
	free(p->fresh);
	free(p->groups);
	free(p->left_c);
	free(p->dead);
	memset(p, 0, sizeof(*p));
}

int gm_reload_prepare(struct gm_ctx *gm, const struct gm_conf *nc,
		      struct gm_reload_prep *p, char *why, size_t whylen)
{
	unsigned i, nleaving = 0;
	struct gm_group **l;
	int err;

	memset(p, 0, sizeof(*p));
	err = gm_reload_check(true, gm->conf, nc, why, whylen);
	if (err)
		return err;
	for (i = 0; i < gm->ngroups; i++)
		nleaving += !conf_find(nc, gm->groups[i]->c->id);
	p->groups = calloc(nc->ngroups + 1, sizeof(*p->groups));
	p->fresh = calloc(nc->ngroups + 1, sizeof(*p->fresh));
	p->left_c = calloc(nleaving + 1, sizeof(*p->left_c));
	p->dead = calloc(nc->ngroups + 1, sizeof(*p->dead));
	l = realloc(gm->left, (gm->nleft + nleaving + 1) * sizeof(*l));
	if (l)
		gm->left = l;	/* room only: nothing changes */
	if (!p->groups || !p->fresh || !p->left_c || !p->dead || !l)
		goto nomem;
	for (; p->nleft_c < nleaving; p->nleft_c++) {
		p->left_c[p->nleft_c] = malloc(sizeof(**p->left_c));
		if (!p->left_c[p->nleft_c])
			goto nomem;
	}
	for (i = 0; i < nc->ngroups; i++) {
		if (gm_group_find(gm, nc->groups[i].id))
			continue;
		p->fresh[p->nfresh] = gm_group_new(gm, &nc->groups[i]);
		if (!p->fresh[p->nfresh])
			goto nomem;
		p->nfresh++;
	}
	return 0;
nomem:
	gm_reload_abort(p);
	snprintf(why, whylen, "out of memory");
	return -ENOMEM;
}

unsigned gm_reload_commit(struct gm_ctx *gm, const struct gm_conf *nc,
			  struct gm_reload_prep *p)
{
	unsigned i, j, k = 0, warn = 0;

	/* removed groups go first: an added group may take their devices */
	for (i = 0; i < gm->ngroups; i++)
		if (!conf_find(nc, gm->groups[i]->c->id))
			group_left(gm, gm->groups[i], p->left_c[k++]);
	for (i = 0, j = 0; i < nc->ngroups; i++) {
		struct gm_group *grp = gm_group_find(gm, nc->groups[i].id);

		if (grp && !grp->left)
			warn += group_changed(grp, &nc->groups[i],
					      &p->dead[i]);
		else
			grp = p->fresh[j++];
		p->groups[i] = grp;
	}
	free(gm->groups);
	gm->groups = p->groups;
	gm->ngroups = nc->ngroups;
	gm->conf = nc;
	/* each copy is its left group's now (gm_fini() frees them) */
	free(p->left_c);
	for (i = 0; i < p->nfresh; i++) {
		log_notice("group %s: added by reload: registering",
			   p->fresh[i]->c->name);
		gm_group_start(p->fresh[i]);
	}
	free(p->fresh);
	/* the Phase 1 SAs of the tries abandoned: a negotiation was the
	 * try's own; an established SA goes unless a group still lists its
	 * server (gm_p1_gc() then decides, as for any) */
	for (i = 0; i < nc->ngroups; i++) {
		struct ike_sa *sa = p->dead[i];

		if (sa && (sa->state != IKE_ESTABLISHED ||
			   !listed(gm, sa->pc)))
			ike_sa_delete_soon(sa, "the registration over it was abandoned: its key server is no longer listed");
	}
	free(p->dead);
	memset(p, 0, sizeof(*p));
	/* Phase 1 SAs with servers no group has now */
	gm_p1_gc(gm);
	if (warn)
		log_err("reload: %u member group(s) not fully applied in gvpn.ko (see above): the rest of the configuration applied",
			warn);
	return warn;
}

int gm_reload(struct gm_ctx *gm, const struct gm_conf *nc, char *why,
	      size_t whylen)
{
	struct gm_reload_prep p;
	int err = gm_reload_prepare(gm, nc, &p, why, whylen);

	if (!err && gm_reload_commit(gm, nc, &p)) {
		snprintf(why, whylen, "member groups not fully applied in gvpn.ko (logged)");
		err = -EIO;
	}
	return err;
}
