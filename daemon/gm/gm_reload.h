/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * The member's side of a reload (gm_reload.c: what changes live, what is
 * refused).
 */
#ifndef GVPN_GM_RELOAD_H
#define GVPN_GM_RELOAD_H

#include <stdbool.h>
#include <stddef.h>

#include "gm_conf.h"

struct gm_ctx;
struct gm_group;
struct ike_peer;

/*
 * Pure: whether nc can replace old while running; role: the member role
 * was set up at start (gm_init()). 0, or -EINVAL with why naming the
 * setting and saying "restart gvpnd".
 */
int gm_reload_check(bool role, const struct gm_conf *old,
		    const struct gm_conf *nc, char *why, size_t whylen);
/* What gm_reload_commit() needs, allocated beforehand */
struct gm_reload_prep {
	struct gm_group **groups;	/* the new list */
	struct gm_group **fresh;	/* groups added, not started */
	unsigned nfresh;
	struct gm_group_conf **left_c;	/* for the groups that leave */
	unsigned nleft_c;
	struct ike_sa **dead;		/* Phase 1 SAs of tries abandoned */
};

/*
 * gm_reload_check(), then everything that can fail (memory): 0, or an
 * error with why, nothing changed. Then gm_reload_commit(), which cannot
 * fail, or gm_reload_abort().
 */
int gm_reload_prepare(struct gm_ctx *gm, const struct gm_conf *nc,
		      struct gm_reload_prep *p, char *why, size_t whylen);
/*
 * Applies nc. Its groups are the member's from then on: the caller keeps
 * them and points gm->conf at where they end up. Its servers are the
 * peers the IKE context uses from then on. Returns how many groups gvpn.ko
 * did not take all of (each logged, the rest applied; a changed rule it
 * refused keeps the old one): 0 when everything applied.
 */
unsigned gm_reload_commit(struct gm_ctx *gm, const struct gm_conf *nc,
		      struct gm_reload_prep *p);
void gm_reload_abort(struct gm_reload_prep *p);
/* Both: 0, or an error with why, nothing changed; -EIO with why: applied,
 * but gvpn.ko did not take all of it (gm_reload_commit() > 0) */
int gm_reload(struct gm_ctx *gm, const struct gm_conf *nc, char *why,
	      size_t whylen);

/* Index in c's servers of the peer named and addressed as pc; -1: none */
int gm_server_index(const struct gm_group_conf *c, const struct ike_peer *pc);
/* Same servers (names, addresses), same order */
bool gm_servers_same(const struct gm_group_conf *a,
		     const struct gm_group_conf *b);
/* grp's current server and failover position, from o's list to n's;
 * *cur_gone: it is registered with a server n does not list */
void gm_reload_servers(struct gm_group *grp, const struct gm_group_conf *o,
		       const struct gm_group_conf *n, bool *cur_gone);

#endif /* GVPN_GM_RELOAD_H */
