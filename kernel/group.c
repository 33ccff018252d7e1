// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * Groups and the devices they are attached to.
 */

#include <linux/netdevice.h>
#include <linux/rtnetlink.h>

#include "gvpn.h"

static struct workqueue_struct *gvpn_group_wq;

struct gvpn_group *gvpn_group_find(struct gvpn_net *gn, u16 id)
{
	return xa_load(&gn->groups, id);
}

/* The group clock now, in milliseconds. */
u64 gvpn_clock_now(const struct gvpn_timebase *c)
{
	if (c->type == GVPN_CLOCK_PSEUDO)
		return c->pt_base_ms +
		       div_u64(ktime_get_ns() - c->mono_base_ns, NSEC_PER_MSEC);
	return div_u64(ktime_get_real_ns(), NSEC_PER_MSEC);
}

/*
 * A group has keys while it has an active SA. Gaining or losing them is a
 * transition the fail modes depend on: count it, announce it, and let the
 * first keys lift fail-close (Cisco removes it after registration).
 */
void gvpn_group_keys(struct gvpn_group *g, int delta)
{
	unsigned int old = g->nactive;

	lockdep_assert_held(&g->gn->lock);
	WRITE_ONCE(g->nactive, old + delta);
	if (!old && g->nactive) {
		WRITE_ONCE(g->fail_armed, false);
		gvpn_count_group(g, GVPN_A_STATS_KEYS_UP, 1);
		gvpn_nl_event_group(g, GVPN_EVENT_KEYS_UP);
	} else if (old && !g->nactive) {
		gvpn_count_group(g, GVPN_A_STATS_KEYS_DOWN, 1);
		gvpn_nl_event_group(g, GVPN_EVENT_KEYS_DOWN);
	}
}

/*
 * Traffic the policies say to encrypt, while the group has no keys (or
 * anything at all, while fail-close is armed): the fail mode decides.
 * @f is NULL for IPv6, which no fail rule (an IPv4 selector) matches.
 */
unsigned int gvpn_fail_verdict(struct gvpn_group *g, const struct gvpn_flow *f,
			       bool either_dir)
{
	u8 mode = READ_ONCE(g->fail_mode);

	/* fail-close is in force only from "activate" until the first keys */
	if (mode == GVPN_FAIL_NONE ||
	    (mode == GVPN_FAIL_CLOSE && !READ_ONCE(g->fail_armed)) ||
	    (f && gvpn_fail_rule_match(g, f, either_dir))) {
		gvpn_count_group(g, GVPN_A_STATS_CLEAR_NO_KEYS, 1);
		return NF_ACCEPT;
	}
	gvpn_count_group(g, GVPN_A_STATS_DROP_NO_KEYS, 1);
	return NF_DROP;
}

/* Validate @cfg against @g's current state, then apply all of it. */
int gvpn_group_configure(struct gvpn_group *g, const struct gvpn_group_cfg *cfg,
			 struct netlink_ext_ack *extack)
{
	struct gvpn_timebase *old;
	u8 fail_mode = cfg->has_fail_mode ? cfg->fail_mode : g->fail_mode;
	struct gvpn_timebase *c;

	lockdep_assert_held(&g->gn->lock);
	old = rcu_dereference_protected(g->clock,
					lockdep_is_held(&g->gn->lock));
	if (cfg->fail_activate && fail_mode != GVPN_FAIL_CLOSE) {
		NL_SET_ERR_MSG_MOD(extack, "fail-close activation needs fail-mode close");
		return -EINVAL;
	}
	c = kmemdup(old, sizeof(*old), GFP_KERNEL_ACCOUNT);
	if (!c)
		return -ENOMEM;
	if (cfg->has_clock)
		c->type = cfg->clock;
	if (cfg->has_window)
		c->window_ms = cfg->window_s * MSEC_PER_SEC;
	if (cfg->has_tick)
		c->tick_ms = cfg->tick_ms;
	if (cfg->has_pseudotime) {
		if (c->type != GVPN_CLOCK_PSEUDO) {
			kfree(c);
			NL_SET_ERR_MSG_MOD(extack, "pseudotime needs the pseudotime clock");
			return -EINVAL;
		}
		c->pt_base_ms = cfg->pseudotime_ms;
		c->mono_base_ns = ktime_get_ns();
	} else if (cfg->has_clock && old->type != c->type &&
		   c->type == GVPN_CLOCK_PSEUDO) {
		/* a pseudotime clock starts at 0 until the daemon sets it */
		c->pt_base_ms = 0;
		c->mono_base_ns = ktime_get_ns();
	}

	rcu_assign_pointer(g->clock, c);
	kfree_rcu(old, rcu);
	if (cfg->has_df_mode)
		WRITE_ONCE(g->df_mode, cfg->df_mode);
	if (cfg->has_passive)
		WRITE_ONCE(g->passive, cfg->passive);
	if (cfg->has_recv_only)
		WRITE_ONCE(g->recv_only, cfg->recv_only);
	if (cfg->has_legacy_iv)
		WRITE_ONCE(g->legacy_iv, cfg->legacy_iv);
	WRITE_ONCE(g->fail_mode, fail_mode);
	if (fail_mode != GVPN_FAIL_CLOSE)
		WRITE_ONCE(g->fail_armed, false);
	/* fail-close only matters before the first keys */
	else if (cfg->fail_activate && !g->nactive)
		WRITE_ONCE(g->fail_armed, true);
	gvpn_changed(g->gn);
	return 0;
}

int gvpn_group_new(struct gvpn_net *gn, u16 id,
		   const struct gvpn_group_cfg *cfg,
		   struct netlink_ext_ack *extack)
{
	struct gvpn_timebase *clock;
	struct gvpn_group *g;
	int err;

	lockdep_assert_held(&gn->lock);
	if (xa_load(&gn->groups, id)) {
		NL_SET_ERR_MSG_MOD(extack, "group already exists");
		return -EEXIST;
	}
	if (gn->ngroups >= READ_ONCE(gvpn_max_groups)) {
		NL_SET_ERR_MSG_MOD(extack, "namespace full: max_groups (module parameter) reached");
		return -ENOSPC;
	}
	g = kzalloc(sizeof(*g), GFP_KERNEL_ACCOUNT);
	if (!g)
		return -ENOMEM;
	g->id = id;
	g->gn = gn;
	xa_init_flags(&g->policies, XA_FLAGS_ACCOUNT);
	xa_init_flags(&g->sas, XA_FLAGS_ACCOUNT);
	INIT_LIST_HEAD(&g->fail_rules);
	refcount_set(&g->refs, 1);
	err = -ENOMEM;
	clock = kzalloc(sizeof(*clock), GFP_KERNEL_ACCOUNT);
	if (!clock)
		goto err_free;
	clock->type = GVPN_CLOCK_WALL;
	clock->tick_ms = 1;
	RCU_INIT_POINTER(g->clock, clock);
	g->stats = gvpn_stats_alloc();
	if (!g->stats)
		goto err_free;
	err = gvpn_group_configure(g, cfg, extack);
	if (err)
		goto err_stats;
	err = gvpn_cls_new(g);
	if (err)
		goto err_stats;
	err = gvpn_hooks_get(gn);
	if (err) {
		NL_SET_ERR_MSG_MOD(extack, "cannot register the netfilter hooks");
		goto err_cls;
	}
	err = xa_insert(&gn->groups, id, g, GFP_KERNEL);
	if (err)
		goto err_hooks;
	gvpn_changed(gn);
	return 0;

err_hooks:
	gvpn_hooks_put(gn);
err_cls:
	gvpn_cls_free(g);
err_stats:
	free_percpu(g->stats);
err_free:
	kfree(rcu_dereference_protected(g->clock, lockdep_is_held(&gn->lock)));
	kfree(g);
	return err;
}

static void gvpn_group_free(struct work_struct *work)
{
	struct gvpn_group *g = container_of(to_rcu_work(work),
					    struct gvpn_group, free_work);

	gvpn_cls_free(g);
	xa_destroy(&g->policies);
	xa_destroy(&g->sas);
	free_percpu(g->stats);
	kfree(rcu_dereference_protected(g->clock, !refcount_read(&g->refs)));
	kfree(g);
}

/* The last SA referencing the group may go away after the group itself. */
void gvpn_group_put(struct gvpn_group *g)
{
	if (!refcount_dec_and_test(&g->refs))
		return;
	INIT_RCU_WORK(&g->free_work, gvpn_group_free);
	queue_rcu_work(gvpn_group_wq, &g->free_work);
}

/* Detach from every device, remove all policies and SAs, then the group. */
void gvpn_group_del(struct gvpn_group *g)
{
	struct gvpn_net *gn = g->gn;
	struct gvpn_policy *p;
	struct gvpn_group *e;
	unsigned long idx;

	lockdep_assert_held(&gn->lock);
	xa_for_each(&gn->devs, idx, e)
		if (e == g)
			xa_erase(&gn->devs, idx);
	xa_for_each(&g->policies, idx, p)
		gvpn_policy_del(p);
	xa_erase(&gn->groups, g->id);
	gvpn_changed(gn);
	gvpn_hooks_put(gn);
	gvpn_group_put(g);
}

int gvpn_dev_attach(struct gvpn_group *g, struct net_device *dev,
		    struct netlink_ext_ack *extack)
{
	struct gvpn_net *gn = g->gn;
	int err;

	ASSERT_RTNL();		/* @dev stays registered */
	lockdep_assert_held(&gn->lock);
	err = xa_insert(&gn->devs, dev->ifindex, g, GFP_KERNEL);
	if (err == -EBUSY) {
		NL_SET_ERR_MSG_MOD(extack, "device is already attached to a group");
		return -EEXIST;
	}
	if (!err)
		gvpn_changed(gn);
	return err;
}

int gvpn_dev_detach(struct gvpn_group *g, struct net_device *dev,
		    struct netlink_ext_ack *extack)
{
	struct gvpn_net *gn = g->gn;

	lockdep_assert_held(&gn->lock);
	if (xa_load(&gn->devs, dev->ifindex) != g) {
		NL_SET_ERR_MSG_MOD(extack, "device is not attached to this group");
		return -ENOENT;
	}
	xa_erase(&gn->devs, dev->ifindex);
	gvpn_changed(gn);
	return 0;
}

/* A device leaving the namespace (or going away) leaves its group. */
static int gvpn_netdev_event(struct notifier_block *nb, unsigned long event,
			     void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct gvpn_net *gn;

	if (event != NETDEV_UNREGISTER)
		return NOTIFY_DONE;
	gn = gvpn_pernet(dev_net(dev));
	mutex_lock(&gn->lock);
	if (xa_erase(&gn->devs, dev->ifindex))
		gvpn_changed(gn);
	mutex_unlock(&gn->lock);
	return NOTIFY_DONE;
}

static struct notifier_block gvpn_netdev_nb = {
	.notifier_call = gvpn_netdev_event,
};

int gvpn_group_init(void)
{
	gvpn_group_wq = alloc_workqueue("gvpn_group", 0, 0);
	return gvpn_group_wq ? 0 : -ENOMEM;
}

/* After the namespaces are gone: wait for their groups to be freed. */
void gvpn_group_exit(void)
{
	rcu_barrier();
	destroy_workqueue(gvpn_group_wq);
}

int gvpn_dev_notifier_init(void)
{
	return register_netdevice_notifier(&gvpn_netdev_nb);
}

void gvpn_dev_notifier_exit(void)
{
	unregister_netdevice_notifier(&gvpn_netdev_nb);
}
