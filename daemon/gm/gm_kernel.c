// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * The member's gvpn.ko programming, over the same generic netlink library
 * as the gvpn CLI. Kernel requests are synchronous and short; the event
 * loop is not held up by anything but the kernel itself.
 *
 * Policy ids of a group: 1.. the member's deny rules (origin local), 1001..
 * a clear path to each key server (origin local: registration must never be
 * encrypted by a downloaded policy), 2001.. the fail rules (origin fail:
 * the fail-open rules, then one per key server so that a fail-closed
 * member can still register), 65536.. the downloaded policies.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <openssl/crypto.h>
#include <libmnl/libmnl.h>

#include "core/log.h"
#include "gm.h"
#include "util.h"

/* unit tests only: gvpn.ko requests go here instead of netlink (NULL in
 * gvpnd; tests/test_gm_reload.c) */
int (*gm_k_request_hook)(uint8_t cmd, const void *obj);

static int k_do(struct gm_group *grp, uint8_t cmd, const void *obj,
		char *err, size_t len)
{
	struct genl_sock *gs = grp->gm->nl;
	char buf[MNL_SOCKET_BUFFER_SIZE], e[300];
	struct nlmsghdr *nlh;
	int ret;

	if (gm_k_request_hook) {
		ret = gm_k_request_hook(cmd, obj);
		if (ret)
			snprintf(err, len, "%s", strerror(-ret));
		return ret;
	}
	if (!gs) {
		snprintf(err, len, "gvpn.ko is not reachable");
		return -ENOENT;
	}
	nlh = genl_msg(gs, buf, cmd, 0);
	switch (cmd) {
	case GVPN_CMD_GROUP_NEW:
	case GVPN_CMD_GROUP_SET:
	case GVPN_CMD_GROUP_DEL:
	case GVPN_CMD_DEV_ADD:
		gvpn_put_group(nlh, obj);
		break;
	case GVPN_CMD_POLICY_NEW:
	case GVPN_CMD_POLICY_DEL:
		gvpn_put_policy(nlh, obj);
		break;
	default:
		gvpn_put_sa(nlh, obj);
		break;
	}
	ret = genl_request(gs, nlh, NULL, NULL);
	/* SA_NEW carried keys */
	explicit_bzero(buf, sizeof(buf));
	if (ret)
		snprintf(err, len, "%s", genl_strerror(&gs->err, e, sizeof(e)));
	return ret;
}

int gm_k_open(struct gm_ctx *gm)
{
	gm->nl = calloc(1, sizeof(*gm->nl));
	if (!gm->nl)
		return -ENOMEM;
	if (genl_open(gm->nl, GVPN_GENL_NAME, &gvpn_nla_space)) {
		char e[300];

		log_err("group member: %s",
			genl_strerror(&gm->nl->err, e, sizeof(e)));
		free(gm->nl);
		gm->nl = NULL;
		return -ENOENT;
	}
	return 0;
}

void gm_k_close(struct gm_ctx *gm)
{
	if (gm->nl)
		genl_close(gm->nl);
	free(gm->nl);
	gm->nl = NULL;
}

static int k_policy(struct gm_group *grp, uint32_t id, uint32_t prio,
		    const struct gm_sel *sel, uint8_t action, uint8_t origin,
		    char *err, size_t len)
{
	struct gvpn_policy p = {
		.present = GVPN_BIT(GVPN_A_POLICY_GROUP_ID) |
			   GVPN_BIT(GVPN_A_POLICY_ID) |
			   GVPN_BIT(GVPN_A_POLICY_PRIO) |
			   GVPN_BIT(GVPN_A_POLICY_ACTION) |
			   GVPN_BIT(GVPN_A_POLICY_ORIGIN),
		.group_id = grp->c->id, .id = id, .prio = prio,
		.action = action, .origin = origin,
	};

	gm_sel_to_policy(sel, &p);
	return k_do(grp, GVPN_CMD_POLICY_NEW, &p, err, len);
}

static int k_policy_del(struct gm_group *grp, uint32_t id, char *err,
			size_t len)
{
	struct gvpn_policy p = {
		.present = GVPN_BIT(GVPN_A_POLICY_GROUP_ID) |
			   GVPN_BIT(GVPN_A_POLICY_ID),
		.group_id = grp->c->id, .id = id,
	};

	return k_do(grp, GVPN_CMD_POLICY_DEL, &p, err, len);
}

static bool sa_retired(const struct gm_group *grp, uint32_t spi)
{
	for (unsigned i = 0; i < grp->push.nretired; i++)
		if (grp->push.retired[i] == spi)
			return true;
	return false;
}

/* spi is on its way out: never installed again (a ring of the latest) */
static void sa_retire_note(struct gm_group *grp, uint32_t spi)
{
	struct gm_push_state *ps = &grp->push;

	if (sa_retired(grp, spi))
		return;
	ps->retired[ps->retired_next] = spi;
	ps->retired_next = (ps->retired_next + 1) % GM_RETIRED_MAX;
	if (ps->nretired < GM_RETIRED_MAX)
		ps->nretired++;
}

static void sa_retired_forget(struct gm_group *grp)
{
	grp->push.nretired = grp->push.retired_next = 0;
}

int gm_k_setup(struct gm_group *grp, char *err, size_t len)
{
	const struct gm_group_conf *gc = grp->c;
	struct gvpn_group g = {
		.present = GVPN_BIT(GVPN_A_GROUP_ID), .id = gc->id,
	};
	struct gvpn_policy pols[GM_SETUP_POLICIES_MAX];
	char e[300];
	unsigned i, n;
	int ret;

	/* a clean slate: nothing of an earlier gvpnd is trusted */
	ret = k_do(grp, GVPN_CMD_GROUP_DEL, &g, e, sizeof(e));
	if (ret && ret != -ENOENT) {
		snprintf(err, len, "deleting group %u: %s", gc->id, e);
		return ret;
	}
	g.present |= GVPN_BIT(GVPN_A_GROUP_DF_MODE) |
		     GVPN_BIT(GVPN_A_GROUP_FAIL_MODE) |
		     GVPN_BIT(GVPN_A_GROUP_PASSIVE);
	if (gc->legacy_iv) {
		/* counter-mode SAs without a SID encrypt with random IVs */
		g.legacy_iv = true;
		g.present |= GVPN_BIT(GVPN_A_GROUP_LEGACY_IV);
	}
	g.df_mode = gc->df_mode;
	g.fail_mode = gc->fail_mode;
	g.passive = gc->passive;
	ret = k_do(grp, GVPN_CMD_GROUP_NEW, &g, e, sizeof(e));
	if (ret) {
		snprintf(err, len, "creating group %u: %s", gc->id, e);
		return ret;
	}
	for (i = 0; i < gc->nifaces; i++) {
		struct gvpn_group d = {
			.present = GVPN_BIT(GVPN_A_GROUP_ID) |
				   GVPN_BIT(GVPN_A_GROUP_IFINDEX),
			.id = gc->id,
			.ifindex = if_nametoindex(gc->ifaces[i]),
		};

		if (!d.ifindex) {
			snprintf(err, len, "interface %s: %s", gc->ifaces[i],
				 strerror(errno));
			ret = -ENODEV;
			goto undo;
		}
		ret = k_do(grp, GVPN_CMD_DEV_ADD, &d, e, sizeof(e));
		if (ret) {
			snprintf(err, len, "attaching %s: %s", gc->ifaces[i],
				 e);
			goto undo;
		}
	}
	n = gm_setup_policies(gc, pols);
	for (i = 0; i < n; i++) {
		pols[i].group_id = gc->id;
		ret = k_do(grp, GVPN_CMD_POLICY_NEW, &pols[i], e, sizeof(e));
		if (ret) {
			snprintf(err, len, "%s rule (policy %u): %s",
				 gvpn_origin_name(pols[i].origin), pols[i].id,
				 e);
			goto undo;
		}
	}
	if (gc->fail_mode == GVPN_FAIL_CLOSE && gc->fail_close_activate) {
		g.present = GVPN_BIT(GVPN_A_GROUP_ID) |
			    GVPN_BIT(GVPN_A_GROUP_FAIL_ACTIVATE);
		ret = k_do(grp, GVPN_CMD_GROUP_SET, &g, e, sizeof(e));
		if (ret) {
			snprintf(err, len, "arming fail-close: %s", e);
			goto undo;
		}
	}
	grp->npol = grp->nsa = 0;
	sa_retired_forget(grp);
	grp->next_policy_id = GM_POLICY_KS_BASE;
	return 0;
undo:
	g.present = GVPN_BIT(GVPN_A_GROUP_ID);
	k_do(grp, GVPN_CMD_GROUP_DEL, &g, e, sizeof(e));
	return ret;
}

static struct gm_kpol *pol_find(struct gm_group *grp, const struct gm_tek *k)
{
	for (unsigned i = 0; i < grp->npol; i++)
		if (grp->pols[i].bypass == k->bypass &&
		    !memcmp(&grp->pols[i].sel, &k->sel, sizeof(k->sel)))
			return &grp->pols[i];
	return NULL;
}

static struct gm_ksa *sa_find(struct gm_group *grp, uint32_t spi)
{
	for (unsigned i = 0; i < grp->nsa; i++)
		if (grp->sas[i].spi == spi)
			return &grp->sas[i];
	return NULL;
}

/* Forget SAs the kernel has removed by now (hard expiry, deactivation) */
static void sa_prune(struct gm_group *grp, uint64_t now)
{
	unsigned i, j;

	for (i = j = 0; i < grp->nsa; i++) {
		struct gm_ksa *s = &grp->sas[i];

		if ((s->expires_ms && s->expires_ms <= now) ||
		    (s->gone_ms && s->gone_ms <= now))
			continue;
		grp->sas[j++] = *s;
	}
	grp->nsa = j;
}

int gm_k_install(struct gm_group *grp, struct gm_plan *p, char *err,
		 size_t len)
{
	uint32_t new_pols[GDOI_MAX_TEKS], new_spis[GDOI_MAX_TEKS];
	uint32_t pol_of[GDOI_MAX_TEKS];
	unsigned nnew_pols = 0, nnew_spis = 0, nsa_before, i, j;
	uint64_t now = ev_now_ms();
	const struct gm_tek *tbar = NULL;
	char e[300];
	int ret = 0;

	sa_prune(grp, now);
	if (grp->npol + p->n > ARRAY_SIZE(grp->pols) ||
	    grp->nsa + p->n > ARRAY_SIZE(grp->sas)) {
		snprintf(err, len, "too many policies or SAs kept from earlier registrations");
		return -ENOSPC;
	}
	for (i = 0; i < p->n; i++) {
		struct gm_tek *k = &p->tek[i];
		struct gm_kpol *kp;

		pol_of[i] = 0;
		if (!k->bypass && !k->in_scope)
			continue;
		kp = pol_find(grp, k);
		if (kp) {
			pol_of[i] = kp->id;
			continue;
		}
		pol_of[i] = grp->next_policy_id++;
		ret = k_policy(grp, pol_of[i], i, &k->sel,
			       k->bypass ? GVPN_ACTION_BYPASS :
					   GVPN_ACTION_ENCRYPT,
			       GVPN_ORIGIN_KS, e, sizeof(e));
		if (ret) {
			snprintf(err, len, "policy of TEK %u: %s", i + 1, e);
			goto undo;
		}
		new_pols[nnew_pols++] = pol_of[i];
	}
	for (i = 0; i < p->n; i++) {
		struct gm_tek *k = &p->tek[i];
		struct gvpn_sa sa;
		bool replacing = false;

		if (k->bypass || !k->in_scope || sa_find(grp, k->spi) ||
		    sa_retired(grp, k->spi))
			continue;
		for (j = 0; j < grp->nsa; j++)
			if (grp->sas[j].policy_id == pol_of[i] &&
			    !grp->sas[j].gone_ms)
				replacing = true;
		gm_tek_to_sa(k, grp->c->id, pol_of[i], grp->c->passive, &sa);
		/* GM-09: no delay for a first key, ATD for a replacement */
		if (replacing && p->atd_ms) {
			sa.activate_in_ms = p->atd_ms;
			sa.present |= GVPN_BIT(GVPN_A_SA_ACTIVATE_IN_MS);
		}
		ret = k_do(grp, GVPN_CMD_SA_NEW, &sa, e, sizeof(e));
		gvpn_sa_wipe(&sa);
		if (ret) {
			snprintf(err, len, "SA 0x%08x: %s", k->spi, e);
			goto undo;
		}
		new_spis[nnew_spis++] = k->spi;
		if (k->tbar_window)
			tbar = k;
	}
	if (tbar) {
		struct gvpn_group g = {
			.present = GVPN_BIT(GVPN_A_GROUP_ID) |
				   GVPN_BIT(GVPN_A_GROUP_TBAR_WINDOW) |
				   GVPN_BIT(GVPN_A_GROUP_CLOCK),
			.id = grp->c->id, .tbar_window = tbar->tbar_window,
			.clock = tbar->clock,
		};

		if (tbar->clock == GVPN_CLOCK_PSEUDO && tbar->has_pseudotime) {
			g.pseudotime_ms = tbar->pseudotime_ms;
			g.present |= GVPN_BIT(GVPN_A_GROUP_PSEUDOTIME_MS);
		}
		ret = k_do(grp, GVPN_CMD_GROUP_SET, &g, e, sizeof(e));
		if (ret) {
			snprintf(err, len, "TBAR settings: %s", e);
			goto undo;
		}
	}

	/* Installed: now the daemon's view follows, and old keys step down */
	for (i = 0; i < grp->npol; i++)
		grp->pols[i].current = false;
	for (i = 0; i < p->n; i++) {
		struct gm_tek *k = &p->tek[i];
		struct gm_kpol *kp;

		if (!pol_of[i])
			continue;
		kp = pol_find(grp, k);
		if (!kp) {
			kp = &grp->pols[grp->npol++];
			kp->id = pol_of[i];
			kp->sel = k->sel;
			kp->bypass = k->bypass;
		}
		kp->current = true;
	}
	nsa_before = grp->nsa;
	for (i = 0; i < nnew_spis; i++) {
		struct gm_ksa *s = &grp->sas[grp->nsa++];

		for (j = 0; p->tek[j].spi != new_spis[i] || p->tek[j].bypass;
		     j++)
			;
		memset(s, 0, sizeof(*s));
		s->spi = new_spis[i];
		s->policy_id = pol_of[j];
		s->t = p->tek[j].t;
		s->recv_only = p->tek[j].recv_only;
		if (p->tek[j].lifetime_s)
			s->expires_ms = now + p->tek[j].lifetime_s * 1000ull;
	}
	/*
	 * Old keys step down. An SA the server no longer sends, whose policy
	 * got another one, leaves ATD after the new one is used (GM-10: 2 x
	 * ATD from now). One the server still sends but that this install
	 * superseded (a new SA for its policy: a rekey carries the old and
	 * the new TEK) leaves at the GAP's deactivation time (GM-12, GM-15),
	 * never before the new one is used; without a DTD it stays until it
	 * expires. Failures only cost an early removal.
	 */
	for (i = 0; i < nsa_before; i++) {
		struct gm_ksa *s = &grp->sas[i];
		bool renewed = false, kept = false, superseded = false;
		uint32_t delay;

		if (s->gone_ms)
			continue;
		for (j = 0; j < p->n; j++) {
			if (p->tek[j].bypass || !pol_of[j])
				continue;
			if (p->tek[j].spi == s->spi)
				kept = true;
			else if (pol_of[j] == s->policy_id)
				renewed = true;
		}
		for (j = nsa_before; j < grp->nsa; j++)
			if (grp->sas[j].policy_id == s->policy_id)
				superseded = true;
		if (!kept && renewed && p->atd_ms)
			delay = 2 * p->atd_ms;
		else if (kept && superseded && p->dtd_ms)
			delay = p->dtd_ms > p->atd_ms ? p->dtd_ms :
							2 * p->atd_ms;
		else
			continue;
		{
			struct gvpn_sa sa = {
				.present = GVPN_BIT(GVPN_A_SA_GROUP_ID) |
					   GVPN_BIT(GVPN_A_SA_SPI) |
					   GVPN_BIT(GVPN_A_SA_DEACTIVATE_IN_MS),
				.group_id = grp->c->id, .spi = s->spi,
				.deactivate_in_ms = delay,
			};

			if (k_do(grp, GVPN_CMD_SA_SET, &sa, e, sizeof(e)))
				log_warn("group %s: SA 0x%08x: deactivation: %s",
					 grp->c->name, s->spi, e);
			else
				s->gone_ms = now + delay;
			sa_retire_note(grp, s->spi);
		}
	}
	/* policies the key server no longer sends: gone after the switch */
	ev_timer_add(&grp->gc_timer, 2ull * p->atd_ms);
	return 0;
undo:
	{
		char e2[300];

		for (i = 0; i < nnew_spis; i++) {
			struct gvpn_sa sa = {
				.present = GVPN_BIT(GVPN_A_SA_GROUP_ID) |
					   GVPN_BIT(GVPN_A_SA_SPI),
				.group_id = grp->c->id, .spi = new_spis[i],
			};

			k_do(grp, GVPN_CMD_SA_DEL, &sa, e2, sizeof(e2));
		}
		for (i = 0; i < nnew_pols; i++)
			k_policy_del(grp, new_pols[i], e2, sizeof(e2));
	}
	return ret;
}

void gm_k_gc(struct gm_group *grp)
{
	unsigned i, j;
	char e[300];

	for (i = j = 0; i < grp->npol; i++) {
		struct gm_kpol *kp = &grp->pols[i];

		if (!kp->current) {
			if (k_policy_del(grp, kp->id, e, sizeof(e)) &&
			    grp->gm->nl->err.error != -ENOENT)
				log_warn("group %s: removing policy %u: %s",
					 grp->c->name, kp->id, e);
			/* its SAs went with it */
			for (unsigned s = 0; s < grp->nsa; s++)
				if (grp->sas[s].policy_id == kp->id)
					grp->sas[s].gone_ms = 1;
			continue;
		}
		grp->pols[j++] = *kp;
	}
	grp->npol = j;
	sa_prune(grp, ev_now_ms());
}

int gm_k_flush(struct gm_group *grp, char *err, size_t len)
{
	int ret = 0;

	for (unsigned i = 0; i < grp->npol; i++) {
		int r = k_policy_del(grp, grp->pols[i].id, err, len);

		if (r && r != -ENOENT && !ret)
			ret = r;
	}
	grp->npol = grp->nsa = 0;
	sa_retired_forget(grp);
	return ret;
}

int gm_k_sa_retire(struct gm_group *grp, uint32_t spi, uint32_t delay_ms,
		   char *err, size_t len)
{
	struct gvpn_sa sa = {
		.present = GVPN_BIT(GVPN_A_SA_GROUP_ID) |
			   GVPN_BIT(GVPN_A_SA_SPI),
		.group_id = grp->c->id, .spi = spi,
	};
	struct gm_ksa *s = sa_find(grp, spi);
	uint64_t now = ev_now_ms();
	int ret;

	if (!delay_ms) {
		ret = k_do(grp, GVPN_CMD_SA_DEL, &sa, err, len);
		if (ret == -ENOENT)
			ret = 0;	/* gone already */
	} else {
		sa.present |= GVPN_BIT(GVPN_A_SA_DEACTIVATE_IN_MS);
		sa.deactivate_in_ms = delay_ms;
		ret = k_do(grp, GVPN_CMD_SA_SET, &sa, err, len);
	}
	if (!ret && s && (!s->gone_ms || s->gone_ms > now + delay_ms))
		s->gone_ms = now + delay_ms;
	if (!ret)
		sa_retire_note(grp, spi);
	return ret;
}

int gm_k_pseudotime(struct gm_group *grp, uint32_t window_s, uint8_t clock,
		    uint64_t pst_ms, char *err, size_t len)
{
	struct gvpn_group g = {
		.present = GVPN_BIT(GVPN_A_GROUP_ID) |
			   GVPN_BIT(GVPN_A_GROUP_TBAR_WINDOW) |
			   GVPN_BIT(GVPN_A_GROUP_CLOCK) |
			   GVPN_BIT(GVPN_A_GROUP_PSEUDOTIME_MS),
		.id = grp->c->id, .tbar_window = window_s, .clock = clock,
		.pseudotime_ms = pst_ms,
	};

	return k_do(grp, GVPN_CMD_GROUP_SET, &g, err, len);
}

int gm_k_teardown(struct gm_group *grp, char *err, size_t len)
{
	struct gvpn_group g = {
		.present = GVPN_BIT(GVPN_A_GROUP_ID), .id = grp->c->id,
	};
	int ret = k_do(grp, GVPN_CMD_GROUP_DEL, &g, err, len);

	grp->npol = grp->nsa = 0;
	sa_retired_forget(grp);
	return ret == -ENOENT ? 0 : ret;
}

static bool same_policy(const struct gvpn_policy *a,
			const struct gvpn_policy *b)
{
	return !memcmp(a, b, sizeof(*a));
}

static const struct gvpn_policy *policy_in(const struct gvpn_policy *p,
					   const struct gvpn_policy *l,
					   unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (l[i].id == p->id)
			return &l[i];
	return NULL;
}

int gm_k_reconf(struct gm_group *grp, const struct gm_group_conf *old,
		char *err, size_t len)
{
	const struct gm_group_conf *gc = grp->c;
	struct gvpn_policy *op, *np;
	struct gvpn_group g = {
		.present = GVPN_BIT(GVPN_A_GROUP_ID) |
			   GVPN_BIT(GVPN_A_GROUP_DF_MODE) |
			   GVPN_BIT(GVPN_A_GROUP_FAIL_MODE) |
			   GVPN_BIT(GVPN_A_GROUP_PASSIVE) |
			   GVPN_BIT(GVPN_A_GROUP_LEGACY_IV),
		.id = gc->id, .df_mode = gc->df_mode,
		.fail_mode = gc->fail_mode, .passive = gc->passive,
		.legacy_iv = gc->legacy_iv,
	};
	unsigned i, on, nn;
	char e[300];
	int ret = 0, r;

	op = calloc(2 * GM_SETUP_POLICIES_MAX, sizeof(*op));
	if (!op) {
		snprintf(err, len, "out of memory");
		return -ENOMEM;
	}
	np = op + GM_SETUP_POLICIES_MAX;
	on = gm_setup_policies(old, op);
	nn = gm_setup_policies(gc, np);
	for (i = 0; i < on; i++)
		op[i].group_id = gc->id;
	for (i = 0; i < nn; i++)
		np[i].group_id = gc->id;
	if (old->df_mode != gc->df_mode || old->fail_mode != gc->fail_mode ||
	    old->passive != gc->passive || old->legacy_iv != gc->legacy_iv) {
		ret = k_do(grp, GVPN_CMD_GROUP_SET, &g, e, sizeof(e));
		if (ret)
			snprintf(err, len, "group settings: %s", e);
	}
	/* passive is each SA's too (set when installed): the SAs installed
	 * take the new value now, not at their rekey */
	for (i = 0; old->passive != gc->passive && i < grp->nsa; i++) {
		struct gvpn_sa sa = {
			.present = GVPN_BIT(GVPN_A_SA_GROUP_ID) |
				   GVPN_BIT(GVPN_A_SA_SPI) |
				   GVPN_BIT(GVPN_A_SA_PASSIVE),
			.group_id = gc->id, .spi = grp->sas[i].spi,
			.passive = gc->passive,
		};

		r = k_do(grp, GVPN_CMD_SA_SET, &sa, e, sizeof(e));
		if (r && r != -ENOENT && !ret) {
			ret = r;
			snprintf(err, len, "passive on SA 0x%08x: %s",
				 grp->sas[i].spi, e);
		}
	}
	/* rules that went or changed, then the new and changed ones: a
	 * changed rule is missing for as long as two requests take */
	for (i = 0; i < on; i++) {
		const struct gvpn_policy *n = policy_in(&op[i], np, nn);

		if (n && same_policy(n, &op[i]))
			continue;
		r = k_do(grp, GVPN_CMD_POLICY_DEL, &op[i], e, sizeof(e));
		if (r && r != -ENOENT && !ret) {
			ret = r;
			snprintf(err, len, "removing %s rule (policy %u): %s",
				 gvpn_origin_name(op[i].origin), op[i].id, e);
		}
	}
	for (i = 0; i < nn; i++) {
		const struct gvpn_policy *o = policy_in(&np[i], op, on);

		if (o && same_policy(o, &np[i]))
			continue;
		r = k_do(grp, GVPN_CMD_POLICY_NEW, &np[i], e, sizeof(e));
		if (!r)
			continue;
		if (!ret) {
			ret = r;
			snprintf(err, len, "%s rule (policy %u): %s%s",
				 gvpn_origin_name(np[i].origin), np[i].id, e,
				 o ? " (the old rule put back)" : "");
		}
		/* a changed rule: the old one again rather than none */
		if (o && k_do(grp, GVPN_CMD_POLICY_NEW, o, e, sizeof(e)))
			log_err("group %s: putting %s rule (policy %u) back: %s",
				gc->name, gvpn_origin_name(o->origin), o->id,
				e);
	}
	/* armed now only if no keys came yet, as at start */
	if (gc->fail_mode == GVPN_FAIL_CLOSE && gc->fail_close_activate &&
	    !(old->fail_mode == GVPN_FAIL_CLOSE && old->fail_close_activate) &&
	    !grp->nsa) {
		g.present = GVPN_BIT(GVPN_A_GROUP_ID) |
			    GVPN_BIT(GVPN_A_GROUP_FAIL_ACTIVATE);
		r = k_do(grp, GVPN_CMD_GROUP_SET, &g, e, sizeof(e));
		if (r && !ret) {
			ret = r;
			snprintf(err, len, "arming fail-close: %s", e);
		}
	}
	free(op);
	return ret;
}
