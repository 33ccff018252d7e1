// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * The "gvpn" generic netlink family (uapi/linux/gvpn.h,
 * Documentation/netlink/specs/gvpn.yaml).
 */

#include <linux/netdevice.h>
#include <net/genetlink.h>
#include <net/sock.h>

#include "gvpn.h"
#include "netlink.h"

static struct genl_family gvpn_genl_family;

static const struct nla_policy gvpn_group_nl_policy[GVPN_A_GROUP_MAX + 1] = {
	[GVPN_A_GROUP_ID] = NLA_POLICY_MIN(NLA_U16, 1),
	[GVPN_A_GROUP_DF_MODE] = NLA_POLICY_MAX(NLA_U8, GVPN_DF_COPY),
	[GVPN_A_GROUP_IFINDEX] = NLA_POLICY_MIN(NLA_U32, 1),
	[GVPN_A_GROUP_STATS] = { .type = NLA_REJECT,
				 .reject_message = "counters are read-only" },
	[GVPN_A_GROUP_TBAR_WINDOW] = NLA_POLICY_MAX(NLA_U32, 3600),
	[GVPN_A_GROUP_CLOCK] = NLA_POLICY_MAX(NLA_U8, GVPN_CLOCK_PSEUDO),
	[GVPN_A_GROUP_PSEUDOTIME_MS] = { .type = NLA_U64 },
	[GVPN_A_GROUP_TICK_MS] = NLA_POLICY_RANGE(NLA_U32, 1, 60000),
	[GVPN_A_GROUP_FAIL_MODE] = NLA_POLICY_MAX(NLA_U8, GVPN_FAIL_CLOSE),
	[GVPN_A_GROUP_FAIL_ACTIVATE] = { .type = NLA_FLAG },
	[GVPN_A_GROUP_PASSIVE] = NLA_POLICY_MAX(NLA_U8, 1),
	[GVPN_A_GROUP_RECV_ONLY] = NLA_POLICY_MAX(NLA_U8, 1),
	[GVPN_A_GROUP_KEYS] = { .type = NLA_REJECT,
				.reject_message = "key state is read-only" },
	[GVPN_A_GROUP_CLOCK_MS] = { .type = NLA_REJECT,
				    .reject_message = "set the clock with pseudotime" },
};

static const struct nla_policy gvpn_policy_nl_policy[GVPN_A_POLICY_MAX + 1] = {
	[GVPN_A_POLICY_GROUP_ID] = NLA_POLICY_MIN(NLA_U16, 1),
	[GVPN_A_POLICY_ID] = NLA_POLICY_MIN(NLA_U32, 1),
	[GVPN_A_POLICY_PRIO] = { .type = NLA_U32 },
	[GVPN_A_POLICY_SRC] = { .type = NLA_BE32 },
	[GVPN_A_POLICY_SRC_PLEN] = NLA_POLICY_MAX(NLA_U8, 32),
	[GVPN_A_POLICY_DST] = { .type = NLA_BE32 },
	[GVPN_A_POLICY_DST_PLEN] = NLA_POLICY_MAX(NLA_U8, 32),
	[GVPN_A_POLICY_PROTO] = { .type = NLA_U8 },
	[GVPN_A_POLICY_SPORT_MIN] = { .type = NLA_U16 },
	[GVPN_A_POLICY_SPORT_MAX] = { .type = NLA_U16 },
	[GVPN_A_POLICY_DPORT_MIN] = { .type = NLA_U16 },
	[GVPN_A_POLICY_DPORT_MAX] = { .type = NLA_U16 },
	[GVPN_A_POLICY_ACTION] = NLA_POLICY_MAX(NLA_U8, GVPN_ACTION_DROP),
	[GVPN_A_POLICY_ORIGIN] = NLA_POLICY_MAX(NLA_U8, GVPN_ORIGIN_FAIL),
	[GVPN_A_POLICY_STATS] = { .type = NLA_REJECT,
				  .reject_message = "counters are read-only" },
};

static const struct nla_policy gvpn_sa_nl_policy[GVPN_A_SA_MAX + 1] = {
	[GVPN_A_SA_GROUP_ID] = NLA_POLICY_MIN(NLA_U16, 1),
	[GVPN_A_SA_POLICY_ID] = NLA_POLICY_MIN(NLA_U32, 1),
	/* SPIs 1..255 are reserved by IANA (RFC 4303 2.1) */
	[GVPN_A_SA_SPI] = NLA_POLICY_MIN(NLA_U32, 256),
	[GVPN_A_SA_DIR] = NLA_POLICY_MAX(NLA_U8, GVPN_SA_DIR_IN),
	[GVPN_A_SA_AEAD_NAME] = { .type = NLA_NUL_STRING,
				  .len = CRYPTO_MAX_ALG_NAME - 1 },
	[GVPN_A_SA_AEAD_KEY] = { .type = NLA_BINARY, .len = 64 },
	[GVPN_A_SA_AEAD_ICV_BITS] = NLA_POLICY_MAX(NLA_U32, 256),
	[GVPN_A_SA_ENC_NAME] = { .type = NLA_NUL_STRING,
				 .len = CRYPTO_MAX_ALG_NAME - 1 },
	[GVPN_A_SA_ENC_KEY] = { .type = NLA_BINARY, .len = 64 },
	[GVPN_A_SA_AUTH_NAME] = { .type = NLA_NUL_STRING,
				  .len = CRYPTO_MAX_ALG_NAME - 1 },
	[GVPN_A_SA_AUTH_KEY] = { .type = NLA_BINARY, .len = 128 },
	[GVPN_A_SA_AUTH_TRUNC_BITS] = NLA_POLICY_MAX(NLA_U32, 512),
	[GVPN_A_SA_LIFETIME_SOFT_SECS] = { .type = NLA_U64 },
	[GVPN_A_SA_LIFETIME_HARD_SECS] = { .type = NLA_U64 },
	[GVPN_A_SA_LIFETIME_SOFT_BYTES] = { .type = NLA_U64 },
	[GVPN_A_SA_LIFETIME_HARD_BYTES] = { .type = NLA_U64 },
	[GVPN_A_SA_AGE_SECS] = { .type = NLA_REJECT,
				 .reject_message = "the age is read-only" },
	[GVPN_A_SA_STATS] = { .type = NLA_REJECT,
			      .reject_message = "counters are read-only" },
	[GVPN_A_SA_KEY_BITS] = { .type = NLA_REJECT,
				 .reject_message = "the key length comes from the key" },
	[GVPN_A_SA_TBAR] = NLA_POLICY_MAX(NLA_U8, 1),
	[GVPN_A_SA_ACTIVATE_IN_MS] = { .type = NLA_U32 },
	[GVPN_A_SA_DEACTIVATE_IN_MS] = { .type = NLA_U32 },
	[GVPN_A_SA_PASSIVE] = NLA_POLICY_MAX(NLA_U8, 1),
	[GVPN_A_SA_ACTIVE] = { .type = NLA_REJECT,
			       .reject_message = "activation is set by time" },
};

static const struct nla_policy gvpn_nl_policy[GVPN_A_MAX + 1] = {
	[GVPN_A_GROUP] = NLA_POLICY_NESTED(gvpn_group_nl_policy),
	[GVPN_A_POLICY] = NLA_POLICY_NESTED(gvpn_policy_nl_policy),
	[GVPN_A_SA] = NLA_POLICY_NESTED(gvpn_sa_nl_policy),
	[GVPN_A_STATS] = { .type = NLA_REJECT,
			   .reject_message = "counters are read-only" },
	[GVPN_A_EVENT_TYPE] = { .type = NLA_REJECT,
				.reject_message = "events are sent, not received" },
	[GVPN_A_EVENT_SRC] = { .type = NLA_REJECT,
			       .reject_message = "events are sent, not received" },
	[GVPN_A_EVENT_DST] = { .type = NLA_REJECT,
			       .reject_message = "events are sent, not received" },
	[GVPN_A_EVENT_SENDER_TIME] = { .type = NLA_REJECT,
				       .reject_message = "events are sent, not received" },
	[GVPN_A_EVENT_LOCAL_TIME] = { .type = NLA_REJECT,
				      .reject_message = "events are sent, not received" },
};

/* A required attribute: on absence, say which one is missing. */
static bool gvpn_require(struct netlink_ext_ack *extack, struct nlattr *nest,
			 struct nlattr **tb, int type, const char *msg)
{
	if (tb[type])
		return false;
	NL_SET_ERR_ATTR_MISS(extack, nest, type);
	if (extack)
		extack->_msg = msg;
	return true;
}

#define GVPN_REQUIRE(extack, nest, tb, type, what) \
	gvpn_require(extack, nest, tb, type, KBUILD_MODNAME ": missing " what)

/* Parse the object nest @attr of a request into @tb. */
static int gvpn_nl_nest(struct genl_info *info, int attr, struct nlattr **tb,
			int maxtype, const struct nla_policy *policy)
{
	if (!info->attrs[attr]) {
		NL_SET_ERR_ATTR_MISS(info->extack, NULL, attr);
		NL_SET_ERR_MSG_MOD(info->extack, "missing the object's attribute nest");
		return -EINVAL;
	}
	return nla_parse_nested(tb, maxtype, info->attrs[attr], policy,
				info->extack);
}

static struct gvpn_group *gvpn_nl_group(struct gvpn_net *gn,
					struct nlattr *nest, struct nlattr **tb,
					int type, struct netlink_ext_ack *extack)
{
	struct gvpn_group *g;

	if (GVPN_REQUIRE(extack, nest, tb, type, "group id"))
		return ERR_PTR(-EINVAL);
	g = gvpn_group_find(gn, nla_get_u16(tb[type]));
	if (!g) {
		NL_SET_ERR_MSG_ATTR(extack, tb[type], "no such group");
		return ERR_PTR(-ENOENT);
	}
	return g;
}

/*
 * What a dumpit returns: a full message ends this part of the dump (we are
 * called again), an empty one the dump itself.
 */
static int gvpn_nl_dump_ret(struct sk_buff *skb, int err)
{
	if (err == -EMSGSIZE && skb->len)
		return skb->len;
	return err ?: skb->len;
}

/* Request nests of policies and SAs share parse buffers sized for both. */
#define GVPN_A_OBJ_MAX GVPN_A_SA_MAX
static_assert((int)GVPN_A_POLICY_MAX <= (int)GVPN_A_OBJ_MAX);

/* --- groups and devices --------------------------------------------- */

static int gvpn_nl_fill_group(struct sk_buff *skb, struct gvpn_group *g,
			      u32 portid, u32 seq, int flags)
{
	const struct gvpn_timebase *clock;
	struct nlattr *nest;
	u8 keys;
	struct gvpn_group *e;
	unsigned long idx;
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &gvpn_genl_family, flags,
			  GVPN_CMD_GROUP_GET);
	if (!hdr)
		return -EMSGSIZE;
	clock = rcu_dereference_protected(g->clock, true);
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
	if ((cfg->has_df_mode = !!tb[GVPN_A_GROUP_DF_MODE]))
		cfg->df_mode = nla_get_u8(tb[GVPN_A_GROUP_DF_MODE]);
	if ((cfg->has_clock = !!tb[GVPN_A_GROUP_CLOCK]))
		cfg->clock = nla_get_u8(tb[GVPN_A_GROUP_CLOCK]);
	if ((cfg->has_window = !!tb[GVPN_A_GROUP_TBAR_WINDOW]))
		cfg->window_s = nla_get_u32(tb[GVPN_A_GROUP_TBAR_WINDOW]);
	if ((cfg->has_tick = !!tb[GVPN_A_GROUP_TICK_MS]))
		cfg->tick_ms = nla_get_u32(tb[GVPN_A_GROUP_TICK_MS]);
	if ((cfg->has_pseudotime = !!tb[GVPN_A_GROUP_PSEUDOTIME_MS]))
		cfg->pseudotime_ms = nla_get_u64(tb[GVPN_A_GROUP_PSEUDOTIME_MS]);
	if ((cfg->has_fail_mode = !!tb[GVPN_A_GROUP_FAIL_MODE]))
		cfg->fail_mode = nla_get_u8(tb[GVPN_A_GROUP_FAIL_MODE]);
	cfg->fail_activate = nla_get_flag(tb[GVPN_A_GROUP_FAIL_ACTIVATE]);
	if ((cfg->has_passive = !!tb[GVPN_A_GROUP_PASSIVE]))
		cfg->passive = nla_get_u8(tb[GVPN_A_GROUP_PASSIVE]);
	if ((cfg->has_recv_only = !!tb[GVPN_A_GROUP_RECV_ONLY]))
		cfg->recv_only = nla_get_u8(tb[GVPN_A_GROUP_RECV_ONLY]);
	return 0;
}

static int gvpn_nl_group_new(struct sk_buff *skb, struct genl_info *info)
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

static int gvpn_nl_group_set(struct sk_buff *skb, struct genl_info *info)
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
	err = IS_ERR(g) ? PTR_ERR(g) : gvpn_group_configure(g, &cfg,
							     info->extack);
	mutex_unlock(&gn->lock);
	return err;
}

static int gvpn_nl_group_del(struct sk_buff *skb, struct genl_info *info)
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

static int gvpn_nl_group_get(struct sk_buff *skb, struct genl_info *info)
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
					 info->snd_seq, 0);
	mutex_unlock(&gn->lock);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

/* Dump cursor: args[0] = next group id. */
static int gvpn_nl_group_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct gvpn_net *gn = gvpn_pernet(sock_net(skb->sk));
	unsigned long id = cb->args[0];
	struct gvpn_group *g;
	int err = 0;

	mutex_lock(&gn->lock);
	xa_for_each_start(&gn->groups, id, g, cb->args[0]) {
		err = gvpn_nl_fill_group(skb, g, NETLINK_CB(cb->skb).portid,
					 cb->nlh->nlmsg_seq, NLM_F_MULTI);
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
	dev = dev_get_by_index(net, nla_get_u32(tb[GVPN_A_GROUP_IFINDEX]));
	if (!dev) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[GVPN_A_GROUP_IFINDEX],
				    "no such device in this namespace");
		return -ENODEV;
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
	dev_put(dev);
	return err;
}

static int gvpn_nl_dev_add(struct sk_buff *skb, struct genl_info *info)
{
	return gvpn_nl_dev(info, true);
}

static int gvpn_nl_dev_del(struct sk_buff *skb, struct genl_info *info)
{
	return gvpn_nl_dev(info, false);
}

/* --- policies -------------------------------------------------------- */

static const u8 gvpn_policy_counters[] = {
	GVPN_A_STATS_MATCH_PACKETS, GVPN_A_STATS_MATCH_BYTES,
};

static int gvpn_nl_fill_policy(struct sk_buff *skb, struct gvpn_policy *p,
			       u32 portid, u32 seq, int flags)
{
	const struct gvpn_selector *s = &p->sel;
	struct nlattr *nest;
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &gvpn_genl_family, flags,
			  GVPN_CMD_POLICY_GET);
	if (!hdr)
		return -EMSGSIZE;
	nest = nla_nest_start(skb, GVPN_A_POLICY);
	if (!nest ||
	    nla_put_u16(skb, GVPN_A_POLICY_GROUP_ID, p->group->id) ||
	    nla_put_u32(skb, GVPN_A_POLICY_ID, p->id) ||
	    nla_put_u32(skb, GVPN_A_POLICY_PRIO, p->prio) ||
	    nla_put_in_addr(skb, GVPN_A_POLICY_SRC, s->src) ||
	    nla_put_u8(skb, GVPN_A_POLICY_SRC_PLEN, s->splen) ||
	    nla_put_in_addr(skb, GVPN_A_POLICY_DST, s->dst) ||
	    nla_put_u8(skb, GVPN_A_POLICY_DST_PLEN, s->dplen) ||
	    nla_put_u8(skb, GVPN_A_POLICY_PROTO, s->proto) ||
	    nla_put_u16(skb, GVPN_A_POLICY_SPORT_MIN, s->sport_min) ||
	    nla_put_u16(skb, GVPN_A_POLICY_SPORT_MAX, s->sport_max) ||
	    nla_put_u16(skb, GVPN_A_POLICY_DPORT_MIN, s->dport_min) ||
	    nla_put_u16(skb, GVPN_A_POLICY_DPORT_MAX, s->dport_max) ||
	    nla_put_u8(skb, GVPN_A_POLICY_ACTION, p->action) ||
	    nla_put_u8(skb, GVPN_A_POLICY_ORIGIN, p->origin) ||
	    gvpn_stats_fill(skb, GVPN_A_POLICY_STATS, p->stats,
			    gvpn_policy_counters,
			    ARRAY_SIZE(gvpn_policy_counters)))
		goto cancel;
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	return 0;
cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/* A port range from MIN/MAX attributes; only for protocols with ports. */
static int gvpn_nl_ports(struct nlattr **tb, int amin, int amax, u8 proto,
			 u16 *lo, u16 *hi, struct netlink_ext_ack *extack)
{
	*lo = 0;
	*hi = U16_MAX;
	if (!tb[amin] && !tb[amax])
		return 0;
	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP &&
	    proto != IPPROTO_SCTP && proto != IPPROTO_UDPLITE) {
		NL_SET_ERR_MSG_ATTR(extack, tb[amin] ?: tb[amax],
				    "ports need protocol tcp, udp, udplite or sctp");
		return -EINVAL;
	}
	if (!tb[amin]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[amax],
				    "a port range maximum needs its minimum");
		return -EINVAL;
	}
	*lo = nla_get_u16(tb[amin]);
	*hi = tb[amax] ? nla_get_u16(tb[amax]) : *lo;
	if (*lo > *hi) {
		NL_SET_ERR_MSG_ATTR(extack, tb[amax],
				    "port range maximum below its minimum");
		return -EINVAL;
	}
	return 0;
}

/* An address and prefix length; host bits must be clear. */
static int gvpn_nl_prefix(struct nlattr **tb, int aaddr, int aplen,
			  __be32 *addr, u8 *plen,
			  struct netlink_ext_ack *extack)
{
	*addr = 0;
	*plen = 0;
	if (!tb[aaddr]) {
		if (tb[aplen]) {
			NL_SET_ERR_MSG_ATTR(extack, tb[aplen],
					    "prefix length without an address");
			return -EINVAL;
		}
		return 0;
	}
	*addr = nla_get_in_addr(tb[aaddr]);
	*plen = tb[aplen] ? nla_get_u8(tb[aplen]) : 32;
	if (*plen < 32 && (ntohl(*addr) & (U32_MAX >> *plen))) {
		NL_SET_ERR_MSG_ATTR(extack, tb[aaddr],
				    "address has bits set beyond the prefix length");
		return -EINVAL;
	}
	return 0;
}

static int gvpn_nl_policy_new(struct sk_buff *skb, struct genl_info *info)
{
	struct gvpn_net *gn = gvpn_pernet(genl_info_net(info));
	struct nlattr *tb[GVPN_A_POLICY_MAX + 1];
	struct nlattr *nest = info->attrs[GVPN_A_POLICY];
	struct netlink_ext_ack *extack = info->extack;
	struct gvpn_selector sel = {};
	struct gvpn_policy *p;
	struct gvpn_group *g;
	u8 origin;
	int err;

	err = gvpn_nl_nest(info, GVPN_A_POLICY, tb, GVPN_A_POLICY_MAX,
			   gvpn_policy_nl_policy);
	if (err)
		return err;
	if (GVPN_REQUIRE(extack, nest, tb, GVPN_A_POLICY_ID, "policy id") ||
	    GVPN_REQUIRE(extack, nest, tb, GVPN_A_POLICY_ACTION,
			 "policy action"))
		return -EINVAL;
	err = gvpn_nl_prefix(tb, GVPN_A_POLICY_SRC, GVPN_A_POLICY_SRC_PLEN,
			     &sel.src, &sel.splen, extack);
	if (err)
		return err;
	err = gvpn_nl_prefix(tb, GVPN_A_POLICY_DST, GVPN_A_POLICY_DST_PLEN,
			     &sel.dst, &sel.dplen, extack);
	if (err)
		return err;
	if (tb[GVPN_A_POLICY_PROTO])
		sel.proto = nla_get_u8(tb[GVPN_A_POLICY_PROTO]);
	err = gvpn_nl_ports(tb, GVPN_A_POLICY_SPORT_MIN, GVPN_A_POLICY_SPORT_MAX,
			    sel.proto, &sel.sport_min, &sel.sport_max, extack);
	if (err)
		return err;
	err = gvpn_nl_ports(tb, GVPN_A_POLICY_DPORT_MIN, GVPN_A_POLICY_DPORT_MAX,
			    sel.proto, &sel.dport_min, &sel.dport_max, extack);
	if (err)
		return err;
	origin = tb[GVPN_A_POLICY_ORIGIN] ?
		 nla_get_u8(tb[GVPN_A_POLICY_ORIGIN]) : GVPN_ORIGIN_KS;

	mutex_lock(&gn->lock);
	g = gvpn_nl_group(gn, nest, tb, GVPN_A_POLICY_GROUP_ID, extack);
	if (IS_ERR(g)) {
		err = PTR_ERR(g);
		goto out;
	}
	p = gvpn_policy_new(g, nla_get_u32(tb[GVPN_A_POLICY_ID]),
			    tb[GVPN_A_POLICY_PRIO] ?
			    nla_get_u32(tb[GVPN_A_POLICY_PRIO]) : 0,
			    nla_get_u8(tb[GVPN_A_POLICY_ACTION]), origin, &sel,
			    extack);
	err = PTR_ERR_OR_ZERO(p);
out:
	mutex_unlock(&gn->lock);
	return err;
}

static struct gvpn_policy *gvpn_nl_find_policy(struct gvpn_group *g,
					       struct nlattr *nest,
					       struct nlattr **tb,
					       struct netlink_ext_ack *extack)
{
	struct gvpn_policy *p;

	if (GVPN_REQUIRE(extack, nest, tb, GVPN_A_POLICY_ID, "policy id"))
		return ERR_PTR(-EINVAL);
	p = xa_load(&g->policies, nla_get_u32(tb[GVPN_A_POLICY_ID]));
	if (!p) {
		NL_SET_ERR_MSG_ATTR(extack, tb[GVPN_A_POLICY_ID],
				    "no such policy in the group");
		return ERR_PTR(-ENOENT);
	}
	return p;
}

static int gvpn_nl_policy_del(struct sk_buff *skb, struct genl_info *info)
{
	struct gvpn_net *gn = gvpn_pernet(genl_info_net(info));
	struct nlattr *nest = info->attrs[GVPN_A_POLICY];
	struct nlattr *tb[GVPN_A_POLICY_MAX + 1];
	struct gvpn_policy *p;
	struct gvpn_group *g;
	int err;

	err = gvpn_nl_nest(info, GVPN_A_POLICY, tb, GVPN_A_POLICY_MAX,
			   gvpn_policy_nl_policy);
	if (err)
		return err;
	mutex_lock(&gn->lock);
	g = gvpn_nl_group(gn, nest, tb, GVPN_A_POLICY_GROUP_ID, info->extack);
	p = IS_ERR(g) ? ERR_CAST(g) :
			gvpn_nl_find_policy(g, nest, tb, info->extack);
	if (IS_ERR(p))
		err = PTR_ERR(p);
	else
		gvpn_policy_del(p);
	mutex_unlock(&gn->lock);
	return err;
}

static int gvpn_nl_policy_get(struct sk_buff *skb, struct genl_info *info)
{
	struct gvpn_net *gn = gvpn_pernet(genl_info_net(info));
	struct nlattr *nest = info->attrs[GVPN_A_POLICY];
	struct nlattr *tb[GVPN_A_POLICY_MAX + 1];
	struct gvpn_policy *p;
	struct gvpn_group *g;
	struct sk_buff *msg;
	int err;

	err = gvpn_nl_nest(info, GVPN_A_POLICY, tb, GVPN_A_POLICY_MAX,
			   gvpn_policy_nl_policy);
	if (err)
		return err;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	mutex_lock(&gn->lock);
	g = gvpn_nl_group(gn, nest, tb, GVPN_A_POLICY_GROUP_ID, info->extack);
	p = IS_ERR(g) ? ERR_CAST(g) :
			gvpn_nl_find_policy(g, nest, tb, info->extack);
	if (IS_ERR(p))
		err = PTR_ERR(p);
	else
		err = gvpn_nl_fill_policy(msg, p, info->snd_portid,
					  info->snd_seq, 0);
	mutex_unlock(&gn->lock);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

/* The parsed attributes of a dump request. */
static struct nlattr **gvpn_dump_attrs(struct netlink_callback *cb)
{
#ifdef GVPN_HAVE_GENL_INFO_DUMP
	return genl_info_dump(cb)->attrs;
#else
	return genl_dumpit_info(cb)->attrs;
#endif
}

/*
 * The group filter of a dump request (0: all groups), from the object
 * nest @attr whose GROUP_ID attribute is @type.
 */
static int gvpn_nl_dump_group(struct netlink_callback *cb, int attr,
			      int maxtype, const struct nla_policy *policy,
			      int type, u16 *group)
{
	struct nlattr **attrs = gvpn_dump_attrs(cb);
	struct nlattr *tb[GVPN_A_OBJ_MAX + 1];
	int err;

	*group = 0;
	if (!attrs || !attrs[attr])
		return 0;
	err = nla_parse_nested(tb, maxtype, attrs[attr], policy, cb->extack);
	if (err)
		return err;
	if (tb[type])
		*group = nla_get_u16(tb[type]);
	return 0;
}

/*
 * Walk the objects of every group (or of one) from a cursor: args[0] is
 * the group id, args[1] the next object index in it, args[2] set once the
 * group filter has been read into args[3].
 */
struct gvpn_dump_walk {
	int attr, maxtype, type;
	const struct nla_policy *policy;
	struct xarray *(*objects)(struct gvpn_group *g);
	int (*fill)(struct sk_buff *skb, void *obj, u32 portid, u32 seq,
		    int flags);
};

static int gvpn_nl_walk(struct sk_buff *skb, struct netlink_callback *cb,
			const struct gvpn_dump_walk *w)
{
	struct gvpn_net *gn = gvpn_pernet(sock_net(skb->sk));
	unsigned long gid, idx;
	struct gvpn_group *g;
	u16 only;
	void *obj;
	int err = 0;

	if (!cb->args[2]) {
		err = gvpn_nl_dump_group(cb, w->attr, w->maxtype, w->policy,
					 w->type, &only);
		if (err)
			return err;
		cb->args[2] = 1;
		cb->args[3] = only;
		cb->args[0] = only;
	}
	only = cb->args[3];

	mutex_lock(&gn->lock);
	xa_for_each_start(&gn->groups, gid, g, cb->args[0]) {
		if (only && gid != only)
			break;
		if (gid != cb->args[0]) {
			cb->args[0] = gid;
			cb->args[1] = 0;
		}
		xa_for_each_start(w->objects(g), idx, obj, cb->args[1]) {
			err = w->fill(skb, obj, NETLINK_CB(cb->skb).portid,
				      cb->nlh->nlmsg_seq, NLM_F_MULTI);
			if (err)
				goto out;
			cb->args[1] = idx + 1;
			if (!cb->args[1])	/* index wrapped: group done */
				break;
		}
		cb->args[0] = gid + 1;
		cb->args[1] = 0;
	}
out:
	mutex_unlock(&gn->lock);
	return gvpn_nl_dump_ret(skb, err);
}

static struct xarray *gvpn_group_policies(struct gvpn_group *g)
{
	return &g->policies;
}

static int gvpn_fill_policy_obj(struct sk_buff *skb, void *obj, u32 portid,
				u32 seq, int flags)
{
	return gvpn_nl_fill_policy(skb, obj, portid, seq, flags);
}

static const struct gvpn_dump_walk gvpn_policy_walk = {
	.attr = GVPN_A_POLICY,
	.maxtype = GVPN_A_POLICY_MAX,
	.policy = gvpn_policy_nl_policy,
	.type = GVPN_A_POLICY_GROUP_ID,
	.objects = gvpn_group_policies,
	.fill = gvpn_fill_policy_obj,
};

static int gvpn_nl_policy_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	return gvpn_nl_walk(skb, cb, &gvpn_policy_walk);
}

/* Flush the policies (or SAs) of one group, or of all groups. */
static int gvpn_nl_flush(struct genl_info *info, int attr, int maxtype,
			 const struct nla_policy *policy, int type, bool sas)
{
	struct gvpn_net *gn = gvpn_pernet(genl_info_net(info));
	struct nlattr *tb[GVPN_A_OBJ_MAX + 1] = {};
	struct gvpn_policy *p;
	struct gvpn_group *g;
	unsigned long gid, idx;
	struct gvpn_sa *sa;
	int err = 0;

	if (info->attrs[attr]) {
		err = nla_parse_nested(tb, maxtype, info->attrs[attr], policy,
				       info->extack);
		if (err)
			return err;
	}
	mutex_lock(&gn->lock);
	if (tb[type]) {
		g = gvpn_nl_group(gn, info->attrs[attr], tb, type,
				  info->extack);
		if (IS_ERR(g)) {
			err = PTR_ERR(g);
			goto out;
		}
	}
	xa_for_each(&gn->groups, gid, g) {
		if (tb[type] && gid != nla_get_u16(tb[type]))
			continue;
		if (sas)
			xa_for_each(&g->sas, idx, sa)
				gvpn_sa_del(sa, GVPN_EVENT_SA_REMOVED);
		else
			xa_for_each(&g->policies, idx, p)
				gvpn_policy_del(p);
	}
out:
	mutex_unlock(&gn->lock);
	return err;
}

static int gvpn_nl_policy_flush(struct sk_buff *skb, struct genl_info *info)
{
	return gvpn_nl_flush(info, GVPN_A_POLICY, GVPN_A_POLICY_MAX,
			     gvpn_policy_nl_policy, GVPN_A_POLICY_GROUP_ID,
			     false);
}

/* --- SAs ------------------------------------------------------------- */

static const u8 gvpn_sa_counters[] = {
	GVPN_A_STATS_TX_PACKETS, GVPN_A_STATS_TX_BYTES,
	GVPN_A_STATS_RX_PACKETS, GVPN_A_STATS_RX_BYTES,
	GVPN_A_STATS_DROP_AUTH, GVPN_A_STATS_TX_TIMESTAMPED,
};

static int gvpn_nl_put_sa_id(struct sk_buff *skb, const struct gvpn_sa *sa)
{
	return nla_put_u16(skb, GVPN_A_SA_GROUP_ID, sa->group->id) ||
	       nla_put_u32(skb, GVPN_A_SA_SPI, sa->spi) ||
	       nla_put_u32(skb, GVPN_A_SA_POLICY_ID, sa->policy_id);
}

/* Milliseconds until a monotonic deadline: 0 when none or past. */
static u32 gvpn_ms_until(u64 at)
{
	u64 now = ktime_get_ns();

	return at > now ? min_t(u64, div_u64(at - now + NSEC_PER_MSEC - 1,
					     NSEC_PER_MSEC), U32_MAX) : 0;
}

static int gvpn_nl_fill_sa(struct sk_buff *skb, struct gvpn_sa *sa,
			   u32 portid, u32 seq, int flags)
{
	struct nlattr *nest;
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &gvpn_genl_family, flags,
			  GVPN_CMD_SA_GET);
	if (!hdr)
		return -EMSGSIZE;
	nest = nla_nest_start(skb, GVPN_A_SA);
	if (!nest || gvpn_nl_put_sa_id(skb, sa) ||
	    nla_put_u8(skb, GVPN_A_SA_DIR, sa->dir) ||
	    nla_put_u32(skb, GVPN_A_SA_KEY_BITS, sa->key_bits))
		goto cancel;
	if (sa->auth[0]) {
		if (nla_put_string(skb, GVPN_A_SA_ENC_NAME, sa->alg) ||
		    nla_put_string(skb, GVPN_A_SA_AUTH_NAME, sa->auth) ||
		    nla_put_u32(skb, GVPN_A_SA_AUTH_TRUNC_BITS, sa->icv_bits))
			goto cancel;
	} else {
		if (nla_put_string(skb, GVPN_A_SA_AEAD_NAME, sa->alg) ||
		    nla_put_u32(skb, GVPN_A_SA_AEAD_ICV_BITS, sa->icv_bits))
			goto cancel;
	}
	if (nla_put_u64_64bit(skb, GVPN_A_SA_LIFETIME_SOFT_SECS, sa->soft_secs,
			      GVPN_A_SA_PAD) ||
	    nla_put_u64_64bit(skb, GVPN_A_SA_LIFETIME_HARD_SECS, sa->hard_secs,
			      GVPN_A_SA_PAD) ||
	    nla_put_u64_64bit(skb, GVPN_A_SA_LIFETIME_SOFT_BYTES,
			      sa->soft_bytes, GVPN_A_SA_PAD) ||
	    nla_put_u64_64bit(skb, GVPN_A_SA_LIFETIME_HARD_BYTES,
			      sa->hard_bytes, GVPN_A_SA_PAD) ||
	    nla_put_u64_64bit(skb, GVPN_A_SA_AGE_SECS, gvpn_sa_age_secs(sa),
			      GVPN_A_SA_PAD) ||
	    nla_put_u8(skb, GVPN_A_SA_TBAR, sa->tbar) ||
	    nla_put_u8(skb, GVPN_A_SA_PASSIVE, sa->passive) ||
	    nla_put_u8(skb, GVPN_A_SA_ACTIVE, gvpn_sa_usable(sa)) ||
	    nla_put_u32(skb, GVPN_A_SA_ACTIVATE_IN_MS,
			gvpn_ms_until(sa->activate_at)) ||
	    nla_put_u32(skb, GVPN_A_SA_DEACTIVATE_IN_MS,
			gvpn_ms_until(sa->deactivate_at)) ||
	    gvpn_stats_fill(skb, GVPN_A_SA_STATS, sa->stats, gvpn_sa_counters,
			    ARRAY_SIZE(gvpn_sa_counters)))
		goto cancel;
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	return 0;
cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

static int gvpn_nl_sa_new(struct sk_buff *skb, struct genl_info *info)
{
	struct gvpn_net *gn = gvpn_pernet(genl_info_net(info));
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr *nest = info->attrs[GVPN_A_SA];
	struct nlattr *tb[GVPN_A_SA_MAX + 1];
	struct gvpn_sa_cfg cfg = {};
	struct gvpn_group *g;
	int err;

	err = gvpn_nl_nest(info, GVPN_A_SA, tb, GVPN_A_SA_MAX,
			   gvpn_sa_nl_policy);
	if (err)
		return err;
	if (GVPN_REQUIRE(extack, nest, tb, GVPN_A_SA_POLICY_ID, "policy id") ||
	    GVPN_REQUIRE(extack, nest, tb, GVPN_A_SA_SPI, "SPI"))
		return -EINVAL;
	if (tb[GVPN_A_SA_AEAD_NAME]) {
		if (tb[GVPN_A_SA_ENC_NAME] || tb[GVPN_A_SA_AUTH_NAME]) {
			NL_SET_ERR_MSG_ATTR(extack, tb[GVPN_A_SA_AEAD_NAME],
					    "give either an AEAD or enc and auth, not both");
			return -EINVAL;
		}
		if (GVPN_REQUIRE(extack, nest, tb, GVPN_A_SA_AEAD_KEY,
				 "AEAD key") ||
		    GVPN_REQUIRE(extack, nest, tb, GVPN_A_SA_AEAD_ICV_BITS,
				 "AEAD ICV length"))
			return -EINVAL;
		cfg.aead = nla_data(tb[GVPN_A_SA_AEAD_NAME]);
		cfg.aead_key = nla_data(tb[GVPN_A_SA_AEAD_KEY]);
		cfg.aead_keylen = nla_len(tb[GVPN_A_SA_AEAD_KEY]);
		cfg.icv_bits = nla_get_u32(tb[GVPN_A_SA_AEAD_ICV_BITS]);
	} else {
		if (GVPN_REQUIRE(extack, nest, tb, GVPN_A_SA_ENC_NAME,
				 "algorithm (an AEAD, or enc and auth)") ||
		    GVPN_REQUIRE(extack, nest, tb, GVPN_A_SA_ENC_KEY,
				 "encryption key") ||
		    GVPN_REQUIRE(extack, nest, tb, GVPN_A_SA_AUTH_NAME,
				 "authentication algorithm") ||
		    GVPN_REQUIRE(extack, nest, tb, GVPN_A_SA_AUTH_KEY,
				 "authentication key") ||
		    GVPN_REQUIRE(extack, nest, tb, GVPN_A_SA_AUTH_TRUNC_BITS,
				 "authentication truncation length"))
			return -EINVAL;
		cfg.enc = nla_data(tb[GVPN_A_SA_ENC_NAME]);
		cfg.enc_key = nla_data(tb[GVPN_A_SA_ENC_KEY]);
		cfg.enc_keylen = nla_len(tb[GVPN_A_SA_ENC_KEY]);
		cfg.auth = nla_data(tb[GVPN_A_SA_AUTH_NAME]);
		cfg.auth_key = nla_data(tb[GVPN_A_SA_AUTH_KEY]);
		cfg.auth_keylen = nla_len(tb[GVPN_A_SA_AUTH_KEY]);
		cfg.trunc_bits = nla_get_u32(tb[GVPN_A_SA_AUTH_TRUNC_BITS]);
	}
	cfg.spi = nla_get_u32(tb[GVPN_A_SA_SPI]);
	cfg.policy_id = nla_get_u32(tb[GVPN_A_SA_POLICY_ID]);
	cfg.dir = tb[GVPN_A_SA_DIR] ? nla_get_u8(tb[GVPN_A_SA_DIR]) :
				      GVPN_SA_DIR_BOTH;
	if (tb[GVPN_A_SA_LIFETIME_SOFT_SECS])
		cfg.soft_secs = nla_get_u64(tb[GVPN_A_SA_LIFETIME_SOFT_SECS]);
	if (tb[GVPN_A_SA_LIFETIME_HARD_SECS])
		cfg.hard_secs = nla_get_u64(tb[GVPN_A_SA_LIFETIME_HARD_SECS]);
	if (tb[GVPN_A_SA_LIFETIME_SOFT_BYTES])
		cfg.soft_bytes = nla_get_u64(tb[GVPN_A_SA_LIFETIME_SOFT_BYTES]);
	if (tb[GVPN_A_SA_LIFETIME_HARD_BYTES])
		cfg.hard_bytes = nla_get_u64(tb[GVPN_A_SA_LIFETIME_HARD_BYTES]);
	if (tb[GVPN_A_SA_TBAR])
		cfg.tbar = nla_get_u8(tb[GVPN_A_SA_TBAR]);
	if (tb[GVPN_A_SA_PASSIVE])
		cfg.passive = nla_get_u8(tb[GVPN_A_SA_PASSIVE]);
	if (tb[GVPN_A_SA_ACTIVATE_IN_MS])
		cfg.activate_in_ms = nla_get_u32(tb[GVPN_A_SA_ACTIVATE_IN_MS]);
	if (tb[GVPN_A_SA_DEACTIVATE_IN_MS])
		cfg.deactivate_in_ms = nla_get_u32(tb[GVPN_A_SA_DEACTIVATE_IN_MS]);
	if (cfg.deactivate_in_ms && cfg.deactivate_in_ms <= cfg.activate_in_ms) {
		NL_SET_ERR_MSG_ATTR(extack, tb[GVPN_A_SA_DEACTIVATE_IN_MS],
				    "deactivation must come after activation");
		return -EINVAL;
	}
	/* Ten years bound the seconds, so nothing overflows in nanoseconds. */
	if (cfg.soft_secs > 315360000 || cfg.hard_secs > 315360000) {
		NL_SET_ERR_MSG_ATTR(extack, tb[GVPN_A_SA_LIFETIME_HARD_SECS] ?:
				    tb[GVPN_A_SA_LIFETIME_SOFT_SECS],
				    "lifetime longer than ten years");
		return -ERANGE;
	}
	if (cfg.hard_secs && cfg.soft_secs > cfg.hard_secs) {
		NL_SET_ERR_MSG_ATTR(extack, tb[GVPN_A_SA_LIFETIME_SOFT_SECS],
				    "soft lifetime beyond the hard lifetime");
		return -EINVAL;
	}
	if (cfg.hard_bytes && cfg.soft_bytes > cfg.hard_bytes) {
		NL_SET_ERR_MSG_ATTR(extack, tb[GVPN_A_SA_LIFETIME_SOFT_BYTES],
				    "soft lifetime beyond the hard lifetime");
		return -EINVAL;
	}
	cfg.tb = tb;

	mutex_lock(&gn->lock);
	g = gvpn_nl_group(gn, nest, tb, GVPN_A_SA_GROUP_ID, extack);
	err = IS_ERR(g) ? PTR_ERR(g) : gvpn_sa_new(g, &cfg, extack);
	mutex_unlock(&gn->lock);
	return err;
}

static struct gvpn_sa *gvpn_nl_find_sa(struct gvpn_group *g,
				       struct nlattr *nest, struct nlattr **tb,
				       struct netlink_ext_ack *extack)
{
	struct gvpn_sa *sa;

	if (GVPN_REQUIRE(extack, nest, tb, GVPN_A_SA_SPI, "SPI"))
		return ERR_PTR(-EINVAL);
	sa = xa_load(&g->sas, nla_get_u32(tb[GVPN_A_SA_SPI]));
	if (!sa) {
		NL_SET_ERR_MSG_ATTR(extack, tb[GVPN_A_SA_SPI],
				    "no SA with this SPI in the group");
		return ERR_PTR(-ENOENT);
	}
	return sa;
}

static int gvpn_nl_sa_del(struct sk_buff *skb, struct genl_info *info)
{
	struct gvpn_net *gn = gvpn_pernet(genl_info_net(info));
	struct nlattr *nest = info->attrs[GVPN_A_SA];
	struct nlattr *tb[GVPN_A_SA_MAX + 1];
	struct gvpn_group *g;
	struct gvpn_sa *sa;
	int err;

	err = gvpn_nl_nest(info, GVPN_A_SA, tb, GVPN_A_SA_MAX,
			   gvpn_sa_nl_policy);
	if (err)
		return err;
	mutex_lock(&gn->lock);
	g = gvpn_nl_group(gn, nest, tb, GVPN_A_SA_GROUP_ID, info->extack);
	sa = IS_ERR(g) ? ERR_CAST(g) : gvpn_nl_find_sa(g, nest, tb, info->extack);
	if (IS_ERR(sa))
		err = PTR_ERR(sa);
	else
		gvpn_sa_del(sa, GVPN_EVENT_SA_REMOVED);
	mutex_unlock(&gn->lock);
	return err;
}

static int gvpn_nl_sa_set(struct sk_buff *skb, struct genl_info *info)
{
	struct gvpn_net *gn = gvpn_pernet(genl_info_net(info));
	struct nlattr *nest = info->attrs[GVPN_A_SA];
	struct nlattr *tb[GVPN_A_SA_MAX + 1];
	struct gvpn_group *g;
	struct gvpn_sa *sa;
	int i, err;

	err = gvpn_nl_nest(info, GVPN_A_SA, tb, GVPN_A_SA_MAX,
			   gvpn_sa_nl_policy);
	if (err)
		return err;
	/* Only what a rekey changes; the rest of an SA is fixed. */
	for (i = 0; i <= GVPN_A_SA_MAX; i++) {
		if (!tb[i] || i == GVPN_A_SA_GROUP_ID || i == GVPN_A_SA_SPI ||
		    i == GVPN_A_SA_DEACTIVATE_IN_MS || i == GVPN_A_SA_DIR ||
		    i == GVPN_A_SA_PASSIVE)
			continue;
		NL_SET_ERR_MSG_ATTR(info->extack, tb[i],
				    "only deactivation, direction and passive can change");
		return -EINVAL;
	}
	mutex_lock(&gn->lock);
	g = gvpn_nl_group(gn, nest, tb, GVPN_A_SA_GROUP_ID, info->extack);
	sa = IS_ERR(g) ? ERR_CAST(g) : gvpn_nl_find_sa(g, nest, tb, info->extack);
	if (IS_ERR(sa)) {
		err = PTR_ERR(sa);
		goto out;
	}
	if (tb[GVPN_A_SA_DEACTIVATE_IN_MS])
		gvpn_sa_set_deactivate(sa,
				       nla_get_u32(tb[GVPN_A_SA_DEACTIVATE_IN_MS]));
	if (tb[GVPN_A_SA_DIR])
		WRITE_ONCE(sa->dir, nla_get_u8(tb[GVPN_A_SA_DIR]));
	if (tb[GVPN_A_SA_PASSIVE])
		WRITE_ONCE(sa->passive, nla_get_u8(tb[GVPN_A_SA_PASSIVE]));
out:
	mutex_unlock(&gn->lock);
	return err;
}

static int gvpn_nl_sa_get(struct sk_buff *skb, struct genl_info *info)
{
	struct gvpn_net *gn = gvpn_pernet(genl_info_net(info));
	struct nlattr *nest = info->attrs[GVPN_A_SA];
	struct nlattr *tb[GVPN_A_SA_MAX + 1];
	struct gvpn_group *g;
	struct sk_buff *msg;
	struct gvpn_sa *sa;
	int err;

	err = gvpn_nl_nest(info, GVPN_A_SA, tb, GVPN_A_SA_MAX,
			   gvpn_sa_nl_policy);
	if (err)
		return err;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	mutex_lock(&gn->lock);
	g = gvpn_nl_group(gn, nest, tb, GVPN_A_SA_GROUP_ID, info->extack);
	sa = IS_ERR(g) ? ERR_CAST(g) : gvpn_nl_find_sa(g, nest, tb, info->extack);
	if (IS_ERR(sa))
		err = PTR_ERR(sa);
	else
		err = gvpn_nl_fill_sa(msg, sa, info->snd_portid, info->snd_seq,
				      0);
	mutex_unlock(&gn->lock);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

static struct xarray *gvpn_group_sas(struct gvpn_group *g)
{
	return &g->sas;
}

static int gvpn_fill_sa_obj(struct sk_buff *skb, void *obj, u32 portid,
			    u32 seq, int flags)
{
	return gvpn_nl_fill_sa(skb, obj, portid, seq, flags);
}

static const struct gvpn_dump_walk gvpn_sa_walk = {
	.attr = GVPN_A_SA,
	.maxtype = GVPN_A_SA_MAX,
	.policy = gvpn_sa_nl_policy,
	.type = GVPN_A_SA_GROUP_ID,
	.objects = gvpn_group_sas,
	.fill = gvpn_fill_sa_obj,
};

static int gvpn_nl_sa_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	return gvpn_nl_walk(skb, cb, &gvpn_sa_walk);
}

static int gvpn_nl_sa_flush(struct sk_buff *skb, struct genl_info *info)
{
	return gvpn_nl_flush(info, GVPN_A_SA, GVPN_A_SA_MAX, gvpn_sa_nl_policy,
			     GVPN_A_SA_GROUP_ID, true);
}

/* --- namespace counters and events ----------------------------------- */

static int gvpn_nl_stats_get(struct sk_buff *skb, struct genl_info *info)
{
	struct gvpn_net *gn = gvpn_pernet(genl_info_net(info));
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &gvpn_genl_family, 0,
				GVPN_CMD_STATS_GET);
	if (!hdr || gvpn_stats_fill(msg, GVPN_A_STATS, gn->stats, NULL, 0)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static struct sk_buff *gvpn_nl_event_new(struct net *net, enum gvpn_event ev,
					 gfp_t gfp, void **hdr)
{
	struct sk_buff *msg;

	if (!genl_has_listeners(&gvpn_genl_family, net, 0))
		return NULL;
	msg = genlmsg_new(NLMSG_GOODSIZE, gfp);
	if (!msg)
		return NULL;
	*hdr = genlmsg_put(msg, 0, 0, &gvpn_genl_family, 0, GVPN_CMD_EVENT);
	if (!*hdr || nla_put_u8(msg, GVPN_A_EVENT_TYPE, ev)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

void gvpn_nl_event_sa(struct gvpn_sa *sa, enum gvpn_event ev, gfp_t gfp)
{
	struct net *net = sa->group->gn->net;
	struct nlattr *nest;
	struct sk_buff *msg;
	void *hdr;

	msg = gvpn_nl_event_new(net, ev, gfp, &hdr);
	if (!msg)
		return;
	nest = nla_nest_start(msg, GVPN_A_SA);
	if (!nest || gvpn_nl_put_sa_id(msg, sa)) {
		nlmsg_free(msg);
		return;
	}
	nla_nest_end(msg, nest);
	genlmsg_end(msg, hdr);
	genlmsg_multicast_netns(&gvpn_genl_family, net, msg, 0, 0, gfp);
}

/* Data-plane errors: rate-limited per namespace, from softirq. */
void gvpn_nl_event_packet(struct gvpn_net *gn, u16 group, u32 spi,
			  enum gvpn_event ev, __be32 src, __be32 dst)
{
	struct nlattr *nest;
	struct sk_buff *msg;
	void *hdr;

	if (!genl_has_listeners(&gvpn_genl_family, gn->net, 0) ||
	    !__ratelimit(&gn->event_rs))
		return;
	msg = gvpn_nl_event_new(gn->net, ev, GFP_ATOMIC, &hdr);
	if (!msg)
		return;
	nest = nla_nest_start(msg, GVPN_A_SA);
	if (!nest || nla_put_u16(msg, GVPN_A_SA_GROUP_ID, group) ||
	    nla_put_u32(msg, GVPN_A_SA_SPI, spi)) {
		nlmsg_free(msg);
		return;
	}
	nla_nest_end(msg, nest);
	if (nla_put_in_addr(msg, GVPN_A_EVENT_SRC, src) ||
	    nla_put_in_addr(msg, GVPN_A_EVENT_DST, dst)) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_end(msg, hdr);
	genlmsg_multicast_netns(&gvpn_genl_family, gn->net, msg, 0, 0,
				GFP_ATOMIC);
}

void gvpn_nl_event_group(struct gvpn_group *g, enum gvpn_event ev)
{
	struct net *net = g->gn->net;
	struct nlattr *nest;
	struct sk_buff *msg;
	void *hdr;

	msg = gvpn_nl_event_new(net, ev, GFP_KERNEL, &hdr);
	if (!msg)
		return;
	nest = nla_nest_start(msg, GVPN_A_GROUP);
	if (!nest || nla_put_u16(msg, GVPN_A_GROUP_ID, g->id)) {
		nlmsg_free(msg);
		return;
	}
	nla_nest_end(msg, nest);
	genlmsg_end(msg, hdr);
	genlmsg_multicast_netns(&gvpn_genl_family, net, msg, 0, 0, GFP_KERNEL);
}

/* REPLAY_FAILED carries both clocks, as Cisco's REPLAY_FAILED log does. */
void gvpn_nl_event_replay(struct gvpn_sa *sa, __be32 src, __be32 dst,
			  u64 sender_ms, u64 local_ms)
{
	struct gvpn_net *gn = sa->group->gn;
	struct nlattr *nest;
	struct sk_buff *msg;
	void *hdr;

	if (!genl_has_listeners(&gvpn_genl_family, gn->net, 0) ||
	    !__ratelimit(&gn->event_rs))
		return;
	msg = gvpn_nl_event_new(gn->net, GVPN_EVENT_REPLAY_FAILED, GFP_ATOMIC,
				&hdr);
	if (!msg)
		return;
	nest = nla_nest_start(msg, GVPN_A_SA);
	if (!nest || gvpn_nl_put_sa_id(msg, sa))
		goto free;
	nla_nest_end(msg, nest);
	if (nla_put_in_addr(msg, GVPN_A_EVENT_SRC, src) ||
	    nla_put_in_addr(msg, GVPN_A_EVENT_DST, dst) ||
	    nla_put_u64_64bit(msg, GVPN_A_EVENT_SENDER_TIME, sender_ms,
			      GVPN_A_PAD) ||
	    nla_put_u64_64bit(msg, GVPN_A_EVENT_LOCAL_TIME, local_ms,
			      GVPN_A_PAD))
		goto free;
	genlmsg_end(msg, hdr);
	genlmsg_multicast_netns(&gvpn_genl_family, gn->net, msg, 0, 0,
				GFP_ATOMIC);
	return;
free:
	nlmsg_free(msg);
}

static const struct genl_ops gvpn_genl_ops[] = {
	{
		.cmd = GVPN_CMD_GROUP_NEW,
		.doit = gvpn_nl_group_new,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = GVPN_CMD_GROUP_SET,
		.doit = gvpn_nl_group_set,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = GVPN_CMD_GROUP_DEL,
		.doit = gvpn_nl_group_del,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = GVPN_CMD_GROUP_GET,
		.doit = gvpn_nl_group_get,
		.dumpit = gvpn_nl_group_dump,
	},
	{
		.cmd = GVPN_CMD_DEV_ADD,
		.doit = gvpn_nl_dev_add,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = GVPN_CMD_DEV_DEL,
		.doit = gvpn_nl_dev_del,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = GVPN_CMD_POLICY_NEW,
		.doit = gvpn_nl_policy_new,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = GVPN_CMD_POLICY_DEL,
		.doit = gvpn_nl_policy_del,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = GVPN_CMD_POLICY_GET,
		.doit = gvpn_nl_policy_get,
		.dumpit = gvpn_nl_policy_dump,
	},
	{
		.cmd = GVPN_CMD_POLICY_FLUSH,
		.doit = gvpn_nl_policy_flush,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = GVPN_CMD_SA_NEW,
		.doit = gvpn_nl_sa_new,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = GVPN_CMD_SA_DEL,
		.doit = gvpn_nl_sa_del,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = GVPN_CMD_SA_GET,
		.doit = gvpn_nl_sa_get,
		.dumpit = gvpn_nl_sa_dump,
	},
	{
		.cmd = GVPN_CMD_SA_FLUSH,
		.doit = gvpn_nl_sa_flush,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = GVPN_CMD_STATS_GET,
		.doit = gvpn_nl_stats_get,
	},
	{
		.cmd = GVPN_CMD_SA_SET,
		.doit = gvpn_nl_sa_set,
		.flags = GENL_UNS_ADMIN_PERM,
	},
};

static const struct genl_multicast_group gvpn_mcgrps[] = {
	{ .name = GVPN_MCGRP_EVENTS },
};

static struct genl_family gvpn_genl_family __ro_after_init = {
	.name = GVPN_GENL_NAME,
	.version = GVPN_GENL_VERSION,
	.maxattr = GVPN_A_MAX,
	.policy = gvpn_nl_policy,
	.netnsok = true,
	.parallel_ops = true,
	.module = THIS_MODULE,
	.ops = gvpn_genl_ops,
	.n_ops = ARRAY_SIZE(gvpn_genl_ops),
	/* every command validates strictly */
	.resv_start_op = GVPN_CMD_GROUP_NEW,
	.mcgrps = gvpn_mcgrps,
	.n_mcgrps = ARRAY_SIZE(gvpn_mcgrps),
};

int __init gvpn_genl_init(void)
{
	return genl_register_family(&gvpn_genl_family);
}

void gvpn_genl_exit(void)
{
	genl_unregister_family(&gvpn_genl_family);
}
