// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * Generic netlink: groups and the devices they are attached to.
 */

#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <net/genetlink.h>

#include "gvpn.h"
#include "netlink.h"

static int gvpn_nl_fill_group(struct sk_buff *skb, struct gvpn_group *g,
			      u32 portid, u32 seq, struct netlink_callback *cb)
{
	const struct gvpn_timebase *clock;
	struct nlattr *nest;
	u8 keys;
	struct gvpn_group *e;
	unsigned long idx;
	void *hdr;

	hdr = gvpn_nl_hdr(skb, portid, seq, cb, GVPN_CMD_GROUP_GET);
	if (!hdr)
		return -EMSGSIZE;
	clock = rcu_dereference_protected(g->clock,
					  lockdep_is_held(&g->gn->lock));
	keys = g->nactive ? GVPN_KEYS_UP : g->fail_armed ?
	       GVPN_KEYS_FAIL_CLOSED : GVPN_KEYS_NONE;
	nest = nla_nest_start(skb, GVPN_A_GROUP);
	if (!nest ||
	    nla_put_u16(skb, GVPN_A_GROUP_ID, g->id) ||
	    nla_put_u8(skb, GVPN_A_GROUP_DF_MODE, g->df_mode) ||
	    nla_put_u32(skb, GVPN_A_GROUP_TBAR_WINDOW,
			clock->window_ms / MSEC_PER_SEC) ||
	    nla_put_u8(skb, GVPN_A_GROUP_CLOCK, clock->type) ||
	    nla_put_u32(skb, GVPN_A_GROUP_TICK_MS, clock->tick_ms) ||
	    nla_put_u64_64bit(skb, GVPN_A_GROUP_CLOCK_MS,
			      gvpn_clock_now(clock), GVPN_A_GROUP_PAD) ||
	    nla_put_u8(skb, GVPN_A_GROUP_FAIL_MODE, g->fail_mode) ||
	    nla_put_u8(skb, GVPN_A_GROUP_PASSIVE, g->passive) ||
	    nla_put_u8(skb, GVPN_A_GROUP_RECV_ONLY, g->recv_only) ||
	    nla_put_u8(skb, GVPN_A_GROUP_LEGACY_IV, g->legacy_iv) ||
	    nla_put_u8(skb, GVPN_A_GROUP_KEYS, keys))
		goto cancel;
	xa_for_each(&g->gn->devs, idx, e)
		if (e == g && nla_put_u32(skb, GVPN_A_GROUP_IFINDEX, idx))
			goto cancel;
	if (gvpn_stats_fill(skb, GVPN_A_GROUP_STATS, g->stats, NULL, 0))
		goto cancel;
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	return 0;
cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/* The settings of a GROUP_NEW or GROUP_SET request. */
static int gvpn_nl_group_cfg(struct nlattr **tb, struct gvpn_group_cfg *cfg,
			     struct netlink_ext_ack *extack)
{
	memset(cfg, 0, sizeof(*cfg));
	if (tb[GVPN_A_GROUP_IFINDEX]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[GVPN_A_GROUP_IFINDEX],
				    "attach devices with GVPN_CMD_DEV_ADD");
		return -EINVAL;
	}
	if (tb[GVPN_A_GROUP_PSEUDOTIME_MS] && tb[GVPN_A_GROUP_CLOCK] &&
	    nla_get_u8(tb[GVPN_A_GROUP_CLOCK]) != GVPN_CLOCK_PSEUDO) {
		NL_SET_ERR_MSG_ATTR(extack, tb[GVPN_A_GROUP_PSEUDOTIME_MS],
				    "pseudotime needs the pseudotime clock");
		return -EINVAL;
	}
	cfg->has_df_mode = !!tb[GVPN_A_GROUP_DF_MODE];
	if (cfg->has_df_mode)
		cfg->df_mode = nla_get_u8(tb[GVPN_A_GROUP_DF_MODE]);
	cfg->has_clock = !!tb[GVPN_A_GROUP_CLOCK];
	if (cfg->has_clock)
		cfg->clock = nla_get_u8(tb[GVPN_A_GROUP_CLOCK]);
	cfg->has_window = !!tb[GVPN_A_GROUP_TBAR_WINDOW];
	if (cfg->has_window)
		cfg->window_s = nla_get_u32(tb[GVPN_A_GROUP_TBAR_WINDOW]);
	cfg->has_tick = !!tb[GVPN_A_GROUP_TICK_MS];
	if (cfg->has_tick)
		cfg->tick_ms = nla_get_u32(tb[GVPN_A_GROUP_TICK_MS]);
	cfg->has_pseudotime = !!tb[GVPN_A_GROUP_PSEUDOTIME_MS];
	if (cfg->has_pseudotime)
		cfg->pseudotime_ms = nla_get_u64(tb[GVPN_A_GROUP_PSEUDOTIME_MS]);
	cfg->has_fail_mode = !!tb[GVPN_A_GROUP_FAIL_MODE];
	if (cfg->has_fail_mode)
		cfg->fail_mode = nla_get_u8(tb[GVPN_A_GROUP_FAIL_MODE]);
	cfg->fail_activate = nla_get_flag(tb[GVPN_A_GROUP_FAIL_ACTIVATE]);
	cfg->has_passive = !!tb[GVPN_A_GROUP_PASSIVE];
	if (cfg->has_passive)
		cfg->passive = nla_get_u8(tb[GVPN_A_GROUP_PASSIVE]);
	cfg->has_recv_only = !!tb[GVPN_A_GROUP_RECV_ONLY];
	if (cfg->has_recv_only)
		cfg->recv_only = nla_get_u8(tb[GVPN_A_GROUP_RECV_ONLY]);
	cfg->has_legacy_iv = !!tb[GVPN_A_GROUP_LEGACY_IV];
	if (cfg->has_legacy_iv)
		cfg->legacy_iv = nla_get_u8(tb[GVPN_A_GROUP_LEGACY_IV]);
	return 0;
}

int gvpn_nl_group_new(struct sk_buff *skb, struct genl_info *info)
{
	struct gvpn_net *gn = gvpn_pernet(genl_info_net(info));
	struct nlattr *tb[GVPN_A_GROUP_MAX + 1];
	struct gvpn_group_cfg cfg;
	int err;

	err = gvpn_nl_nest(info, GVPN_A_GROUP, tb, GVPN_A_GROUP_MAX,
			   gvpn_group_nl_policy);
	if (err)
		return err;
	if (GVPN_REQUIRE(info->extack, info->attrs[GVPN_A_GROUP], tb,
			 GVPN_A_GROUP_ID, "group id"))
		return -EINVAL;
	err = gvpn_nl_group_cfg(tb, &cfg, info->extack);
	if (err)
		return err;
	mutex_lock(&gn->lock);
	err = gvpn_group_new(gn, nla_get_u16(tb[GVPN_A_GROUP_ID]), &cfg,
			     info->extack);
	mutex_unlock(&gn->lock);
	return err;
}

int gvpn_nl_group_set(struct sk_buff *skb, struct genl_info *info)
{
	struct gvpn_net *gn = gvpn_pernet(genl_info_net(info));
	struct nlattr *tb[GVPN_A_GROUP_MAX + 1];
	struct gvpn_group_cfg cfg;
	struct gvpn_group *g;
	int err;

	err = gvpn_nl_nest(info, GVPN_A_GROUP, tb, GVPN_A_GROUP_MAX,
			   gvpn_group_nl_policy);
	if (err)
		return err;
	err = gvpn_nl_group_cfg(tb, &cfg, info->extack);
	if (err)
		return err;
	mutex_lock(&gn->lock);
	g = gvpn_nl_group(gn, info->attrs[GVPN_A_GROUP], tb, GVPN_A_GROUP_ID,
			  info->extack);
	if (IS_ERR(g))
		err = PTR_ERR(g);
	else
		err = gvpn_group_configure(g, &cfg, info->extack);
	mutex_unlock(&gn->lock);
	return err;
}

int gvpn_nl_group_del(struct sk_buff *skb, struct genl_info *info)
{
	struct gvpn_net *gn = gvpn_pernet(genl_info_net(info));
	struct nlattr *tb[GVPN_A_GROUP_MAX + 1];
	struct gvpn_group *g;
	int err;

	err = gvpn_nl_nest(info, GVPN_A_GROUP, tb, GVPN_A_GROUP_MAX,
			   gvpn_group_nl_policy);
	if (err)
		return err;
	mutex_lock(&gn->lock);
	g = gvpn_nl_group(gn, info->attrs[GVPN_A_GROUP], tb, GVPN_A_GROUP_ID,
			  info->extack);
	if (IS_ERR(g))
		err = PTR_ERR(g);
	else
		gvpn_group_del(g);
	mutex_unlock(&gn->lock);
	return err;
}

int gvpn_nl_group_get(struct sk_buff *skb, struct genl_info *info)
{
	struct gvpn_net *gn = gvpn_pernet(genl_info_net(info));
	struct nlattr *tb[GVPN_A_GROUP_MAX + 1];
	struct gvpn_group *g;
	struct sk_buff *msg;
	int err;

	err = gvpn_nl_nest(info, GVPN_A_GROUP, tb, GVPN_A_GROUP_MAX,
			   gvpn_group_nl_policy);
	if (err)
		return err;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	mutex_lock(&gn->lock);
	g = gvpn_nl_group(gn, info->attrs[GVPN_A_GROUP], tb, GVPN_A_GROUP_ID,
			  info->extack);
	if (IS_ERR(g))
		err = PTR_ERR(g);
	else
		err = gvpn_nl_fill_group(msg, g, info->snd_portid,
					 info->snd_seq, NULL);
	mutex_unlock(&gn->lock);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

/* Dump cursor: args[0] = next group id. */
int gvpn_nl_group_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct gvpn_net *gn = gvpn_pernet(sock_net(skb->sk));
	unsigned long id = cb->args[0];
	struct gvpn_group *g;
	int err = 0;

	mutex_lock(&gn->lock);
	cb->seq = gn->dump_seq;
	xa_for_each_start(&gn->groups, id, g, cb->args[0]) {
		err = gvpn_nl_fill_group(skb, g, NETLINK_CB(cb->skb).portid,
					 cb->nlh->nlmsg_seq, cb);
		if (err)
			break;
		cb->args[0] = id + 1;
	}
	mutex_unlock(&gn->lock);
	return gvpn_nl_dump_ret(skb, err);
}

static int gvpn_nl_dev(struct genl_info *info, bool add)
{
	struct net *net = genl_info_net(info);
	struct gvpn_net *gn = gvpn_pernet(net);
	struct nlattr *tb[GVPN_A_GROUP_MAX + 1];
	struct net_device *dev;
	struct gvpn_group *g;
	int err;

	err = gvpn_nl_nest(info, GVPN_A_GROUP, tb, GVPN_A_GROUP_MAX,
			   gvpn_group_nl_policy);
	if (err)
		return err;
	if (GVPN_REQUIRE(info->extack, info->attrs[GVPN_A_GROUP], tb,
			 GVPN_A_GROUP_IFINDEX, "device ifindex"))
		return -EINVAL;
	/*
	 * Under RTNL a device found is registered and stays so until we are
	 * done: its unregistration, whose notifier takes it out of gn->devs,
	 * waits for RTNL. Without it a device going away between the lookup
	 * and the insert would stay attached by ifindex, and the next device
	 * to get that ifindex would inherit the group. The order is that of
	 * the notifier: RTNL, then gn->lock.
	 */
	rtnl_lock();
	dev = __dev_get_by_index(net, nla_get_u32(tb[GVPN_A_GROUP_IFINDEX]));
	if (!dev) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[GVPN_A_GROUP_IFINDEX],
				    "no such device in this namespace");
		err = -ENODEV;
		goto out;
	}
	mutex_lock(&gn->lock);
	g = gvpn_nl_group(gn, info->attrs[GVPN_A_GROUP], tb, GVPN_A_GROUP_ID,
			  info->extack);
	if (IS_ERR(g))
		err = PTR_ERR(g);
	else if (add)
		err = gvpn_dev_attach(g, dev, info->extack);
	else
		err = gvpn_dev_detach(g, dev, info->extack);
	mutex_unlock(&gn->lock);
out:
	rtnl_unlock();
	return err;
}

int gvpn_nl_dev_add(struct sk_buff *skb, struct genl_info *info)
{
	return gvpn_nl_dev(info, true);
}

int gvpn_nl_dev_del(struct sk_buff *skb, struct genl_info *info)
{
	return gvpn_nl_dev(info, false);
}
