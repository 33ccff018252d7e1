// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * Group SAs (TEKs): the table the input path finds them in by SPI, the
 * policy lists the output path picks them from, and their lifetimes.
 *
 * An SA is referenced by the tables (the initial reference of its percpu_ref)
 * and by every packet inside the AEAD. Deleting it unlinks it and kills the
 * ref; it is freed, and its key material with it, once the last packet is
 * done and an RCU grace period has passed.
 */

#include <linux/ktime.h>
#include <linux/slab.h>

#include "gvpn.h"

static struct workqueue_struct *gvpn_sa_wq;

static const struct rhashtable_params gvpn_sa_params = {
	.key_len = sizeof(u64),
	.key_offset = offsetof(struct gvpn_sa, key),
	.head_offset = offsetof(struct gvpn_sa, hnode),
	.automatic_shrinking = true,
};

static inline u64 gvpn_sa_key(u16 group, u32 spi)
{
	return (u64)group << 32 | spi;
}

struct gvpn_sa *gvpn_sa_lookup(struct gvpn_net *gn, u16 group, u32 spi)
{
	u64 key = gvpn_sa_key(group, spi);

	return rhashtable_lookup(&gn->sas, &key, gvpn_sa_params);
}

/*
 * Activated and not yet deactivated, by the clock, per packet: the daemon's
 * scheduling latency never decides which SA a packet uses (GM-09/10).
 */
bool gvpn_sa_usable(const struct gvpn_sa *sa)
{
	u64 now;

	if (!sa->activate_at && !READ_ONCE(sa->deactivate_at))
		return true;
	now = ktime_get_ns();
	return (!sa->activate_at || now >= sa->activate_at) &&
	       (!READ_ONCE(sa->deactivate_at) ||
		now < READ_ONCE(sa->deactivate_at));
}

/*
 * The SA a policy encrypts with: its newest usable one that may send.
 * Without one, *rx_only says whether a usable receive-only SA is there.
 */
struct gvpn_sa *gvpn_sa_tx(const struct gvpn_policy *p, bool *rx_only)
{
	struct gvpn_sa *sa;

	*rx_only = false;
	list_for_each_entry_rcu(sa, &p->sas, policy_list) {
		if (!gvpn_sa_usable(sa))
			continue;
		if (READ_ONCE(sa->dir) == GVPN_SA_DIR_BOTH)
			return sa;
		*rx_only = true;
	}
	return NULL;
}

u64 gvpn_sa_age_secs(const struct gvpn_sa *sa)
{
	return div_u64(ktime_get_ns() - sa->created, NSEC_PER_SEC);
}

static u64 gvpn_sa_bytes(const struct gvpn_sa *sa)
{
	u64 sum[GVPN_NSTATS];

	gvpn_stats_sum(sa->stats, sum);
	return sum[GVPN_A_STATS_TX_BYTES] + sum[GVPN_A_STATS_RX_BYTES];
}

/* Arm the lifetime work for the next deadline, if any. */
static void gvpn_sa_schedule(struct gvpn_sa *sa)
{
	u64 now = ktime_get_ns(), next = U64_MAX, at;

	if (sa->soft_secs && !sa->soft_done) {
		at = sa->created + sa->soft_secs * NSEC_PER_SEC;
		next = min(next, at > now ? at - now : 0);
	}
	if (sa->hard_secs) {
		at = sa->created + sa->hard_secs * NSEC_PER_SEC;
		next = min(next, at > now ? at - now : 0);
	}
	if (!sa->active && sa->activate_at)
		next = min(next, sa->activate_at > now ? sa->activate_at - now : 0);
	if (sa->deactivate_at)
		next = min(next, sa->deactivate_at > now ?
			   sa->deactivate_at - now : 0);
	/* Byte counts are per-CPU: sum them once a second. */
	if (sa->hard_bytes || (sa->soft_bytes && !sa->soft_done))
		next = min_t(u64, next, NSEC_PER_SEC);
	if (next != U64_MAX)
		mod_delayed_work(gvpn_sa_wq, &sa->lifetime_work,
				 nsecs_to_jiffies(next) + 1);
}

static void gvpn_sa_lifetime(struct work_struct *work)
{
	struct gvpn_sa *sa = container_of(to_delayed_work(work),
					  struct gvpn_sa, lifetime_work);
	struct gvpn_net *gn = sa->group->gn;
	u64 age, bytes;

	mutex_lock(&gn->lock);
	if (percpu_ref_is_dying(&sa->refs))
		goto out;
	if (sa->deactivate_at && ktime_get_ns() >= sa->deactivate_at) {
		gvpn_sa_del(sa, GVPN_EVENT_SA_DEACTIVATED);
		goto out;
	}
	if (!sa->active && ktime_get_ns() >= sa->activate_at) {
		sa->active = true;
		gvpn_nl_event_sa(sa, GVPN_EVENT_SA_ACTIVATED, GFP_KERNEL);
		gvpn_group_keys(sa->group, 1);
	}
	age = ktime_get_ns() - sa->created;
	bytes = (sa->hard_bytes || sa->soft_bytes) ? gvpn_sa_bytes(sa) : 0;
	if ((sa->hard_secs && age >= sa->hard_secs * NSEC_PER_SEC) ||
	    (sa->hard_bytes && bytes >= sa->hard_bytes)) {
		gvpn_sa_del(sa, GVPN_EVENT_SA_HARD_EXPIRED);
		goto out;
	}
	if (!sa->soft_done &&
	    ((sa->soft_secs && age >= sa->soft_secs * NSEC_PER_SEC) ||
	     (sa->soft_bytes && bytes >= sa->soft_bytes))) {
		sa->soft_done = true;
		gvpn_nl_event_sa(sa, GVPN_EVENT_SA_SOFT_EXPIRED, GFP_KERNEL);
	}
	gvpn_sa_schedule(sa);
out:
	mutex_unlock(&gn->lock);
}

static void gvpn_sa_free(struct work_struct *work)
{
	struct gvpn_sa *sa = container_of(to_rcu_work(work), struct gvpn_sa,
					  free_work);
	struct gvpn_net *gn = sa->group->gn;

	cancel_delayed_work_sync(&sa->lifetime_work);
	gvpn_crypto_free(sa);
	gvpn_senders_free(sa);
	percpu_ref_exit(&sa->refs);
	free_percpu(sa->stats);
	gvpn_group_put(sa->group);
	kfree(sa);
	if (atomic_dec_and_test(&gn->nsas))
		wake_up_var(&gn->nsas);
}

static void gvpn_sa_release(struct percpu_ref *ref)
{
	struct gvpn_sa *sa = container_of(ref, struct gvpn_sa, refs);

	queue_rcu_work(gvpn_sa_wq, &sa->free_work);
}

int gvpn_sa_new(struct gvpn_group *g, const struct gvpn_sa_cfg *cfg,
		struct netlink_ext_ack *extack)
{
	struct gvpn_net *gn = g->gn;
	struct gvpn_policy *p;
	struct gvpn_sa *sa;
	int err;

	lockdep_assert_held(&gn->lock);
	p = xa_load(&g->policies, cfg->policy_id);
	if (!p) {
		NL_SET_ERR_MSG_ATTR(extack, cfg->tb[GVPN_A_SA_POLICY_ID],
				    "no policy with this id in the group");
		return -ENOENT;
	}
	if (p->action != GVPN_ACTION_ENCRYPT) {
		NL_SET_ERR_MSG_ATTR(extack, cfg->tb[GVPN_A_SA_POLICY_ID],
				    "an SA must serve an encrypt policy");
		return -EINVAL;
	}
	if (xa_load(&g->sas, cfg->spi)) {
		NL_SET_ERR_MSG_ATTR(extack, cfg->tb[GVPN_A_SA_SPI],
				    "SPI already in use in the group");
		return -EEXIST;
	}
	if (g->nsas >= READ_ONCE(gvpn_max_sas)) {
		NL_SET_ERR_MSG_MOD(extack, "group full: max_sas (module parameter) reached");
		return -ENOSPC;
	}

	sa = kzalloc(sizeof(*sa), GFP_KERNEL_ACCOUNT);
	if (!sa)
		return -ENOMEM;
	err = gvpn_crypto_init(sa, cfg, extack);
	if (err)
		goto err_free;
	err = -ENOMEM;
	sa->stats = gvpn_stats_alloc();
	if (!sa->stats)
		goto err_crypto;
	err = percpu_ref_init(&sa->refs, gvpn_sa_release, 0,
			      GFP_KERNEL_ACCOUNT);
	if (err)
		goto err_stats;

	sa->key = gvpn_sa_key(g->id, cfg->spi);
	sa->group = g;
	sa->sel = p->sel;
	sa->spi = cfg->spi;
	sa->policy_id = cfg->policy_id;
	sa->dir = cfg->dir;
	sa->tbar = cfg->tbar;
	sa->passive = cfg->passive;
	sa->created = ktime_get_ns();
	if (cfg->activate_in_ms)
		sa->activate_at = sa->created +
				  (u64)cfg->activate_in_ms * NSEC_PER_MSEC;
	if (cfg->deactivate_in_ms)
		sa->deactivate_at = sa->created +
				    (u64)cfg->deactivate_in_ms * NSEC_PER_MSEC;
	sa->soft_secs = cfg->soft_secs;
	sa->hard_secs = cfg->hard_secs;
	sa->soft_bytes = cfg->soft_bytes;
	sa->hard_bytes = cfg->hard_bytes;
	gvpn_sender_init(sa, cfg);
	INIT_DELAYED_WORK(&sa->lifetime_work, gvpn_sa_lifetime);
	INIT_RCU_WORK(&sa->free_work, gvpn_sa_free);

	err = xa_insert(&g->sas, sa->spi, sa, GFP_KERNEL);
	if (err)
		goto err_ref;
	err = rhashtable_insert_fast(&gn->sas, &sa->hnode, gvpn_sa_params);
	if (err) {
		xa_erase(&g->sas, sa->spi);
		goto err_ref;
	}
	refcount_inc(&g->refs);
	atomic_inc(&gn->nsas);
	g->nsas++;
	gvpn_changed(gn);
	/* Newest first: the output path uses the first usable one. */
	list_add_rcu(&sa->policy_list, &p->sas);
	gvpn_nl_event_sa(sa, GVPN_EVENT_SA_ADDED, GFP_KERNEL);
	if (!sa->activate_at) {
		sa->active = true;
		gvpn_group_keys(g, 1);
	}
	gvpn_sa_schedule(sa);
	return 0;

err_ref:
	percpu_ref_exit(&sa->refs);
err_stats:
	free_percpu(sa->stats);
err_crypto:
	gvpn_crypto_free(sa);
err_free:
	kfree(sa);
	return err;
}

void gvpn_sa_del(struct gvpn_sa *sa, enum gvpn_event why)
{
	struct gvpn_group *g = sa->group;

	lockdep_assert_held(&g->gn->lock);
	rhashtable_remove_fast(&g->gn->sas, &sa->hnode, gvpn_sa_params);
	xa_erase(&g->sas, sa->spi);
	g->nsas--;
	gvpn_changed(g->gn);
	list_del_rcu(&sa->policy_list);
	cancel_delayed_work(&sa->lifetime_work);
	gvpn_nl_event_sa(sa, why, GFP_KERNEL);
	percpu_ref_kill(&sa->refs);
	if (sa->active)
		gvpn_group_keys(g, -1);
}

/* Remove @sa @in_ms from now (a rekey's deactivation delay); 0 cancels. */
void gvpn_sa_set_deactivate(struct gvpn_sa *sa, u32 in_ms)
{
	lockdep_assert_held(&sa->group->gn->lock);
	WRITE_ONCE(sa->deactivate_at, in_ms ? ktime_get_ns() +
		   (u64)in_ms * NSEC_PER_MSEC : 0);
	gvpn_sa_schedule(sa);
}

int gvpn_sa_init_net(struct gvpn_net *gn)
{
	return rhashtable_init(&gn->sas, &gvpn_sa_params);
}

/* With every SA deleted: wait until the packets still using them are done. */
void gvpn_sa_exit_net(struct gvpn_net *gn)
{
	wait_var_event(&gn->nsas, !atomic_read(&gn->nsas));
	rhashtable_destroy(&gn->sas);
}

int gvpn_sa_init(void)
{
	gvpn_sa_wq = alloc_workqueue("gvpn_sa", 0, 0);
	return gvpn_sa_wq ? 0 : -ENOMEM;
}

void gvpn_sa_exit(void)
{
	destroy_workqueue(gvpn_sa_wq);
}
