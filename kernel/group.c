// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * Groups and the devices they are attached to.
 */

#include <linux/netdevice.h>

#include "gvpn.h"

static struct workqueue_struct *gvpn_group_wq;

struct gvpn_group *gvpn_group_find(struct gvpn_net *gn, u16 id)
{
	return xa_load(&gn->groups, id);
}

int gvpn_group_new(struct gvpn_net *gn, u16 id, u8 df_mode,
		   struct netlink_ext_ack *extack)
{
	struct gvpn_group *g;
	int err;

	lockdep_assert_held(&gn->lock);
	if (xa_load(&gn->groups, id)) {
		NL_SET_ERR_MSG_MOD(extack, "group already exists");
		return -EEXIST;
	}
	g = kzalloc(sizeof(*g), GFP_KERNEL);
	if (!g)
		return -ENOMEM;
	g->id = id;
	g->df_mode = df_mode;
	g->gn = gn;
	xa_init(&g->policies);
	xa_init(&g->sas);
	refcount_set(&g->refs, 1);
	err = -ENOMEM;
	g->stats = alloc_percpu(struct gvpn_stats);
	if (!g->stats)
		goto err_free;
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
	return 0;

err_hooks:
	gvpn_hooks_put(gn);
err_cls:
	gvpn_cls_free(g);
err_stats:
	free_percpu(g->stats);
err_free:
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
	gvpn_hooks_put(gn);
	gvpn_group_put(g);
}

int gvpn_dev_attach(struct gvpn_group *g, struct net_device *dev,
		    struct netlink_ext_ack *extack)
{
	struct gvpn_net *gn = g->gn;
	int err;

	lockdep_assert_held(&gn->lock);
	err = xa_insert(&gn->devs, dev->ifindex, g, GFP_KERNEL);
	if (err == -EBUSY) {
		NL_SET_ERR_MSG_MOD(extack, "device is already attached to a group");
		return -EEXIST;
	}
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
	xa_erase(&gn->devs, dev->ifindex);
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
