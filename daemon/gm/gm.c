// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * The group member: registration with failover (GM-01, GM-04, GM-05),
 * installation, re-registration before the keys expire (GM-07). Logs carry
 * Cisco's names (features.md 4) where one fits; other lines are plain.
 *
 * One try at a time per group: Phase 1 with the server's peer, then
 * GROUPKEY-PULL over it. Tries start at least register-interval apart; a
 * server gets register-retries of them, then the next one has its turn, in
 * a circle, until one answers. Keys already installed stay until they
 * expire, whatever happens to the servers.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>

#include "core/log.h"
#include "gm.h"
#include "main/net.h"

static void try_start(struct gm_group *grp);

const char *gm_state_name(enum gm_state s)
{
	switch (s) {
	case GM_IDLE:
		return "idle";
	case GM_PHASE1:
		return "phase1";
	case GM_PULL:
		return "pull";
	case GM_REGISTERED:
		return "registered";
	}
	return "?";
}

static const char *addr_str(struct in_addr a, char *buf)
{
	return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

static const struct ike_peer *cur_peer(const struct gm_group *grp)
{
	return grp->c->servers[grp->fo.server];
}

/* The next try, no sooner than interval after the last one started */
static void schedule_try(struct gm_group *grp)
{
	uint64_t now = ev_now_ms(), at = grp->try_start_ms +
					 grp->c->interval_ms;

	ev_timer_add(&grp->timer, at > now ? at - now : 0);
}

static void try_failed(struct gm_group *grp, const char *why)
{
	char a[INET_ADDRSTRLEN];

	grp->failures++;
	grp->sa = NULL;
	snprintf(grp->last_error, sizeof(grp->last_error), "%s", why);
	log_warn("group %s: registration with KS %s (peer \"%s\") failed, try %u of %u: %s",
		 grp->c->name, addr_str(cur_peer(grp)->addr, a),
		 cur_peer(grp)->name, grp->fo.tries + 1, grp->c->retries, why);
	/* the timer now means the next try, not a re-registration */
	grp->state = GM_IDLE;
	gm_p1_gc(grp->gm);
	schedule_try(grp);
}

static void schedule_reregister(struct gm_group *grp)
{
	uint64_t now = ev_now_ms(), at = 0, first = 0;
	unsigned i;

	for (i = 0; i < grp->nsa; i++) {
		const struct gm_ksa *s = &grp->sas[i];
		uint64_t t;

		bool superseded = false;

		if (!s->expires_ms || s->gone_ms)
			continue;
		/* keys already replaced do not call for a registration */
		for (unsigned j = 0; j < grp->nsa; j++)
			if (j != i && grp->sas[j].policy_id == s->policy_id &&
			    grp->sas[j].expires_ms > s->expires_ms)
				superseded = true;
		if (superseded)
			continue;
		t = gm_reregister_at(now, s->expires_ms,
				     (uint32_t)((s->expires_ms - now) / 1000));
		if (!at || t < at)
			at = t;
		if (!first || s->expires_ms < first)
			first = s->expires_ms;
	}
	if (grp->kek.present && grp->kek.expires_ms) {
		uint64_t t = gm_reregister_at(now, grp->kek.expires_ms,
					      grp->kek.lifetime_s);

		if (!at || t < at)
			at = t;
	}
	grp->rereg_ms = 0;
	if (!at)
		return;		/* keys without lifetime: nothing to renew */
	/*
	 * Due already: the server handed out the keys we had (it makes new
	 * ones late in their life). Ask again halfway to their expiry, not
	 * at once, and never sooner than register-interval.
	 */
	if (at <= now && first > now)
		at = now + (first - now) / 2;
	if (at < now + grp->c->interval_ms)
		at = now + grp->c->interval_ms;
	grp->rereg_ms = at;
	ev_timer_add(&grp->timer, at - now);
}

void gm_log_sid(const struct gm_group *grp, const struct gm_plan *p)
{
	unsigned i;

	if (p->has_sid)
		log_info("group %s: Sender ID %u (%u bits) for its counter-mode SAs",
			 grp->c->name, p->sid, p->sid_bits);
	if (!p->no_sid)
		return;
	for (i = 0; i < p->n; i++)
		if (p->tek[i].no_sid && p->tek[i].in_scope)
			log_warn("%%GDOI-4-GM_NO_SENDER_ID: group %s: the key server gave no Sender ID%s for counter-mode TEK SPI 0x%08x: installed receive-only, this member does not encrypt with it (legacy-iv = true sends with random IVs)",
				 grp->c->name,
				 p->sid_requested ? "" : " (none asked for)",
				 p->tek[i].spi);
}

static void registered(struct gm_group *grp, struct ike_sa *sa,
		       struct gm_plan *p)
{
	char a[INET_ADDRSTRLEN], l[INET_ADDRSTRLEN];
	unsigned i, skipped = 0, ingress = 0, ks = 0;

	grp->registrations++;
	grp->registered_once = true;
	grp->state = GM_REGISTERED;
	grp->cur_server = (int)grp->fo.server;
	grp->local = sa->local.sin_addr;
	grp->registered_ms = ev_now_ms();
	grp->last_error[0] = 0;
	if (grp->kek.sig_key)
		OPENSSL_clear_free(grp->kek.sig_key, grp->kek.sig_key_len);
	OPENSSL_cleanse(&grp->kek, sizeof(grp->kek));
	grp->kek = p->kek;
	p->kek.sig_key = NULL;	/* moved */
	if (grp->kek.present && grp->kek.lifetime_s)
		grp->kek.expires_ms = ev_now_ms() +
				      grp->kek.lifetime_s * 1000ull;
	grp->has_seq = p->has_seq;
	grp->seq = p->seq;
	grp->has_sid = p->has_sid;
	grp->sid_bits = p->sid_bits;
	grp->sid = p->sid;
	gm_log_sid(grp, p);

	for (i = 0; i < p->n; i++) {
		if (p->tek[i].bypass) {
			ks++;
			continue;
		}
		if (!p->tek[i].in_scope) {
			char s[INET_ADDRSTRLEN], d[INET_ADDRSTRLEN];

			skipped++;
			log_info("group %s: policy %s/%u -> %s/%u (SPI 0x%08x) is outside the scope rules: not installed",
				 grp->c->name, addr_str(p->tek[i].sel.src, s),
				 p->tek[i].sel.src_plen,
				 addr_str(p->tek[i].sel.dst, d),
				 p->tek[i].sel.dst_plen, p->tek[i].spi);
			continue;
		}
		ks++;
		ingress += p->tek[i].recv_only;
	}
	log_notice("%%GDOI-5-GM_REGS_COMPL: Registration to KS %s complete for group %s using address %s",
		   addr_str(sa->peer.sin_addr, a), grp->c->name,
		   addr_str(sa->local.sin_addr, l));
	log_info("group %s: %u of %u TEKs installed or kept, %u outside the scope, activation delay %u ms",
		 grp->c->name, ks, p->n, skipped, p->atd_ms);
	if (grp->c->ndeny && ks)
		log_notice("%%GDOI-5-GM_ACL_MERGE: ACL between KS and GM in group %s merged",
			   grp->c->name);
	if (ingress)
		log_notice("%%GDOI-5-GM_SA_INGRESS: Receive only ACL received from KS %s in group %s",
			   a, grp->c->name);
	gm_failover_reset(&grp->fo);
	schedule_reregister(grp);
	gm_push_registered(grp, p);
	/* sa stays for the next registration; older ones go */
	gm_p1_gc(grp->gm);
}

/* An RFC 3547 key server (gm_plan_rfc3547()): said once per group, not
 * at every re-registration */
static void rfc3547_note(struct gm_group *grp, struct ike_sa *sa,
			 const struct gm_plan *p)
{
	char a[INET_ADDRSTRLEN], what[160];

	if (grp->rfc3547_logged || !gm_plan_rfc3547(p, what, sizeof(what)))
		return;
	grp->rfc3547_logged = true;
	log_info("group %s: KS %s speaks RFC 3547: %s", grp->c->name,
		 addr_str(sa->peer.sin_addr, a), what);
}

static void pulled(void *arg, struct ike_sa *sa, int err,
		   const struct gdoi_pull_result *r, const char *why)
{
	struct gm_group *grp = arg;
	const char *cisco;
	char w[200], a[INET_ADDRSTRLEN];
	struct gm_plan *p;

	if (grp->left) {
		/* its last callback: nothing names it any more */
		gm_left_free(grp);
		return;
	}
	if (grp->state != GM_PULL || grp->sa != sa)
		return;
	grp->sa = NULL;
	if (err) {
		gm_p1_failed(sa, err);
		if (grp->p1_reused &&
		    (err == -ETIMEDOUT || err == -ECONNABORTED)) {
			/* the server lost the SA (restart, expiry, a lost
			 * Delete): not its failure; again over a new one */
			log_notice("group %s: no answer over the kept Phase 1 SA with KS %s: registering again over a new one",
				   grp->c->name, addr_str(sa->peer.sin_addr, a));
			grp->state = GM_IDLE;
			grp->p1_fresh = grp->p1_retry = true;
			ev_timer_add(&grp->timer, 0);
			return;
		}
		/* GM_HASH_FAIL is the GDOI layer's, as each message drops */
		snprintf(w, sizeof(w), "GROUPKEY-PULL: %s",
			 why && *why ? why : strerror(-err));
		try_failed(grp, w);
		return;
	}
	p = malloc(sizeof(*p));
	if (!p) {
		try_failed(grp, "out of memory");
		return;
	}
	err = gm_plan_build(grp->c, r, p, &cisco, w, sizeof(w));
	if (err) {
		log_err("%%GDOI-3-%s: Registration to KS %s for group %s refused by the GM: %s",
			cisco, addr_str(sa->peer.sin_addr, a), grp->c->name, w);
		free(p);
		gm_p1_failed(sa, err);
		try_failed(grp, w);
		return;
	}
	rfc3547_note(grp, sa, p);
	err = gm_k_install(grp, p, w, sizeof(w));
	if (err) {
		char m[240];

		snprintf(m, sizeof(m), "installing into gvpn.ko: %s", w);
		gm_plan_wipe(p);
		free(p);
		gm_p1_failed(sa, err);
		try_failed(grp, m);
		return;
	}
	registered(grp, sa, p);
	gm_plan_wipe(p);
	free(p);
}

/* Message 2: refuse what this member cannot install before HASH(3) says
 * otherwise, so that the key server counts no registration (KS-05) */
static int sa_check(void *arg, struct ike_sa *sa, const struct gdoi_sa *sa_pl,
		    char *why, size_t whylen)
{
	struct gm_group *grp = arg;
	char a[INET_ADDRSTRLEN];
	const char *cisco;
	int err;

	if (grp->left) {
		snprintf(why, whylen, "group %s was removed from the configuration",
			 grp->c->name);
		return -ECANCELED;
	}
	err = gm_sa_check(grp->c, sa_pl, &cisco, why, whylen);
	if (err)
		log_err("%%GDOI-3-%s: Registration to KS %s for group %s refused by the GM: %s",
			cisco, addr_str(sa->peer.sin_addr, a), grp->c->name,
			why);
	return err;
}

/* GROUPKEY-PULL over sa, established (new or kept) */
static void start_pull(struct gm_group *grp, struct ike_sa *sa)
{
	struct gdoi_group_id gid = { .type = ISAKMP_ID_KEY_ID };
	int ret;

	gid.id = grp->c->id;
	if (grp->c->id_addr) {
		gid.type = ISAKMP_ID_IPV4_ADDR;
		gid.addr = grp->c->addr;
	}
	grp->state = GM_PULL;
	grp->sa = sa;
	ret = gdoi_pull_checked(grp->gm->gdoi, sa, &gid, sa_check, pulled,
				grp);
	if (ret) {
		char w[80];

		snprintf(w, sizeof(w), "GROUPKEY-PULL could not start: %s",
			 strerror(-ret));
		grp->sa = NULL;
		gm_p1_failed(sa, ret);
		try_failed(grp, w);
	}
}

static void phase1_done(struct ike_sa *sa, int err, void *arg)
{
	struct gm_group *grp = arg;

	sa->done = NULL;	/* once */
	if (grp->state != GM_PHASE1 || grp->sa != sa)
		return;
	if (err) {
		try_failed(grp, "Phase 1 failed");
		return;
	}
	start_pull(grp, sa);
}

static void try_start(struct gm_group *grp)
{
	const struct ike_peer *pc;
	struct sockaddr_in peer = { .sin_family = AF_INET }, local;
	char a[INET_ADDRSTRLEN], w[200];
	struct ike_sa *sa;

	grp->try_start_ms = ev_now_ms();
	if (!grp->kernel_ok) {
		if (!grp->gm->nl)
			gm_k_open(grp->gm);
		if (gm_k_setup(grp, w, sizeof(w))) {
			log_err("group %s: gvpn.ko: %s; trying again in %u ms",
				grp->c->name, w, grp->c->interval_ms);
			snprintf(grp->last_error, sizeof(grp->last_error),
				 "%s", w);
			schedule_try(grp);
			return;
		}
		grp->kernel_ok = true;
		for (unsigned i = 0; i < grp->c->nifaces; i++)
			log_notice("%%GDOI-5-GM_CM_ATTACH: Crypto map attached for GM in group %s (%s)",
				   grp->c->name, grp->c->ifaces[i]);
	}
	if (grp->p1_retry)
		grp->p1_retry = false;	/* the same try, over a new SA */
	else
		gm_failover_next(&grp->fo, grp->c->retries,
				 grp->c->nservers);
	pc = cur_peer(grp);
	peer.sin_addr = pc->addr;
	peer.sin_port = htons(pc->port);
	log_info("group %s: registering with KS %s (peer \"%s\"), try %u of %u",
		 grp->c->name, addr_str(pc->addr, a), pc->name,
		 grp->fo.tries + 1, grp->c->retries);
	if (net_local_for(&peer, &local)) {
		snprintf(w, sizeof(w), "no route to %s", a);
		try_failed(grp, w);
		return;
	}
	grp->attempt++;
	grp->sa = NULL;
	sa = grp->p1_fresh ? NULL : gm_p1_reusable(grp->gm->ike, pc, &local);
	grp->p1_fresh = false;
	grp->p1_reused = sa != NULL;
	if (sa) {
		log_info("group %s: over the Phase 1 SA kept with KS %s (%llu s of lifetime left)",
			 grp->c->name, a, (unsigned long long)
			 (ike_sa_remaining_ms(sa) / 1000));
		start_pull(grp, sa);
		return;
	}
	grp->state = GM_PHASE1;
	/* done() may run before ike_initiate() returns: it finds grp->sa
	 * unset and ignores it, which the NULL return then covers */
	sa = ike_initiate(grp->gm->ike, pc, &local, phase1_done, grp);
	if (!sa) {
		if (grp->state == GM_PHASE1)
			try_failed(grp, "Phase 1 could not start");
		return;
	}
	grp->sa = sa;
}

static void timer_cb(struct ev_timer *t)
{
	struct gm_group *grp = container_of(t, struct gm_group, timer);

	if (grp->state == GM_PHASE1 || grp->state == GM_PULL)
		return;		/* a try is under way; it reschedules */
	if (grp->state == GM_REGISTERED) {
		log_notice("%%GDOI-5-GM_RE_REGISTER: The IPSec SA created for group %s may have expired or been cleared; re-registering to KS",
			   grp->c->name);
		gm_failover_reset(&grp->fo);
		grp->rereg_ms = 0;
		grp->state = GM_IDLE;
	}
	try_start(grp);
}

static void gc_cb(struct ev_timer *t)
{
	gm_k_gc(container_of(t, struct gm_group, gc_timer));
}

struct gm_group *gm_group_find(struct gm_ctx *gm, uint16_t id)
{
	for (unsigned i = 0; i < gm->ngroups; i++)
		if (gm->groups[i]->c->id == id)
			return gm->groups[i];
	return NULL;
}

int gm_register_now(struct gm_group *grp, bool clear, char *err, size_t len)
{
	char w[300];

	if (grp->state == GM_PHASE1 || grp->state == GM_PULL) {
		snprintf(err, len, "group %u: a registration is under way",
			 grp->c->id);
		return -EBUSY;
	}
	if (clear) {
		log_notice("%%GDOI-5-GM_CLEAR_REGISTER: Config: GM cleared gdoi configuration for the group %s",
			   grp->c->name);
		if (grp->kernel_ok && gm_k_flush(grp, w, sizeof(w)))
			log_warn("group %s: clearing: %s", grp->c->name, w);
		if (grp->kek.sig_key)
			OPENSSL_clear_free(grp->kek.sig_key,
					   grp->kek.sig_key_len);
		OPENSSL_cleanse(&grp->kek, sizeof(grp->kek));
		grp->has_seq = false;
		gm_push_clear(grp);
		/* from scratch: a new Phase 1 too */
		grp->p1_fresh = true;
	}
	ev_timer_del(&grp->timer);
	gm_failover_reset(&grp->fo);
	grp->rereg_ms = 0;
	grp->state = GM_IDLE;
	if (clear)
		gm_p1_gc(grp->gm);
	grp->try_start_ms = 0;
	try_start(grp);
	return 0;
}

struct gm_group *gm_group_new(struct gm_ctx *gm,
			      const struct gm_group_conf *c)
{
	struct gm_group *grp = calloc(1, sizeof(*grp));

	if (!grp)
		return NULL;
	grp->gm = gm;
	grp->c = c;
	grp->cur_server = -1;
	ev_timer_init(&grp->timer, timer_cb);
	ev_timer_init(&grp->gc_timer, gc_cb);
	gm_failover_reset(&grp->fo);
	gm_push_group_init(grp);
	return grp;
}

void gm_group_start(struct gm_group *grp)
{
	/* fail-close and the rest are in place before registering */
	try_start(grp);
}

/* timers stopped, KEK wiped: nothing of grp runs any more */
static void group_stop(struct gm_group *grp)
{
	ev_timer_del(&grp->timer);
	ev_timer_del(&grp->gc_timer);
	gm_push_group_fini(grp);
	if (grp->kek.sig_key)
		OPENSSL_clear_free(grp->kek.sig_key, grp->kek.sig_key_len);
	OPENSSL_cleanse(&grp->kek, sizeof(grp->kek));
}

struct ike_sa *gm_try_abandon(struct gm_group *grp)
{
	struct ike_sa *sa = grp->sa;

	/* Phase 1: its done callback goes; a pull's finds the group idle
	 * (or left) and stops */
	if (grp->state == GM_PHASE1 && sa && sa->done_arg == grp)
		sa->done = NULL;
	grp->state = GM_IDLE;
	grp->sa = NULL;
	return sa;
}

void gm_group_leave(struct gm_group *grp)
{
	gm_try_abandon(grp);
	grp->left = true;
	group_stop(grp);
}

void gm_left_free(struct gm_group *grp)
{
	struct gm_ctx *gm = grp->gm;

	for (unsigned i = 0; i < gm->nleft; i++)
		if (gm->left[i] == grp) {
			gm->left[i] = gm->left[--gm->nleft];
			break;
		}
	free((void *)grp->c);
	free(grp);
}

int gm_init(struct gm_ctx *gm, const struct gm_conf *conf,
	    struct ike_ctx *ike, struct gdoi_ctx *gdoi)
{
	unsigned i;

	memset(gm, 0, sizeof(*gm));
	gm->conf = conf;
	gm->ike = ike;
	gm->gdoi = gdoi;
	if (!conf->ngroups)
		return 0;
	gm->groups = calloc(conf->ngroups, sizeof(*gm->groups));
	if (!gm->groups)
		return -ENOMEM;
	for (i = 0; i < conf->ngroups; i++) {
		gm->groups[i] = gm_group_new(gm, &conf->groups[i]);
		if (!gm->groups[i])
			return -ENOMEM;
		gm->ngroups++;
	}
	gm_k_open(gm);	/* logged; retried before each try */
	gm_push_init(gm);
	for (i = 0; i < gm->ngroups; i++)
		gm_group_start(gm->groups[i]);
	gm_ctl_register(gm);
	return 0;
}

void gm_fini(struct gm_ctx *gm)
{
	for (unsigned i = 0; i < gm->ngroups; i++) {
		group_stop(gm->groups[i]);
		free(gm->groups[i]);
	}
	free(gm->groups);
	for (unsigned i = 0; i < gm->nleft; i++) {
		free((void *)gm->left[i]->c);
		free(gm->left[i]);
	}
	free(gm->left);
	gm_k_close(gm);
	memset(gm, 0, sizeof(*gm));
}

void gm_reregister_schedule(struct gm_group *grp)
{
	schedule_reregister(grp);
}
