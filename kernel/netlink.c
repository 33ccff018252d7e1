// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * The "gvpn" generic netlink family (uapi/linux/gvpn.h,
 * Documentation/netlink/specs/gvpn.yaml).
 */

#include <linux/netdevice.h>
#include <net/genetlink.h>

#include "gvpn.h"
#include "netlink.h"

/* NLA_POLICY_RANGE bounds are s16: a tick of up to a minute needs this. */
static struct netlink_range_validation gvpn_tick_range = {
	.min = 1,
	.max = 60000,
};

const struct nla_policy gvpn_group_nl_policy[GVPN_A_GROUP_MAX + 1] = {
	[GVPN_A_GROUP_ID] = NLA_POLICY_MIN(NLA_U16, 1),
	[GVPN_A_GROUP_DF_MODE] = NLA_POLICY_MAX(NLA_U8, GVPN_DF_COPY),
	[GVPN_A_GROUP_IFINDEX] = NLA_POLICY_MIN(NLA_U32, 1),
	[GVPN_A_GROUP_STATS] = { .type = NLA_REJECT,
				 .reject_message = "counters are read-only" },
	[GVPN_A_GROUP_TBAR_WINDOW] = NLA_POLICY_MAX(NLA_U32, 3600),
	[GVPN_A_GROUP_CLOCK] = NLA_POLICY_MAX(NLA_U8, GVPN_CLOCK_PSEUDO),
	[GVPN_A_GROUP_PSEUDOTIME_MS] = { .type = NLA_U64 },
	[GVPN_A_GROUP_TICK_MS] = NLA_POLICY_FULL_RANGE(NLA_U32, &gvpn_tick_range),
	[GVPN_A_GROUP_FAIL_MODE] = NLA_POLICY_MAX(NLA_U8, GVPN_FAIL_CLOSE),
	[GVPN_A_GROUP_FAIL_ACTIVATE] = { .type = NLA_FLAG },
	[GVPN_A_GROUP_PASSIVE] = NLA_POLICY_MAX(NLA_U8, 1),
	[GVPN_A_GROUP_RECV_ONLY] = NLA_POLICY_MAX(NLA_U8, 1),
	[GVPN_A_GROUP_KEYS] = { .type = NLA_REJECT,
				.reject_message = "key state is read-only" },
	[GVPN_A_GROUP_CLOCK_MS] = { .type = NLA_REJECT,
				    .reject_message = "set the clock with pseudotime" },
	[GVPN_A_GROUP_LEGACY_IV] = NLA_POLICY_MAX(NLA_U8, 1),
};

const struct nla_policy gvpn_policy_nl_policy[GVPN_A_POLICY_MAX + 1] = {
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

const struct nla_policy gvpn_sa_nl_policy[GVPN_A_SA_MAX + 1] = {
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
	/* checked against SID_BITS by gvpn_nl_sa_sid() */
	[GVPN_A_SA_SENDER_ID] = { .type = NLA_U32 },
	[GVPN_A_SA_SID_BITS] = NLA_POLICY_RANGE(NLA_U8, 1, GVPN_SID_BITS_MAX),
	[GVPN_A_SA_IV_COUNTER] = { .type = NLA_U64 },
	[GVPN_A_SA_REPLAY_WINDOW] = NLA_POLICY_MAX(NLA_U32,
						   GVPN_REPLAY_WINDOW_MAX),
	[GVPN_A_SA_SENDERS] = { .type = NLA_REJECT,
				.reject_message = "the sender count is read-only" },
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
	[GVPN_A_SENDER] = { .type = NLA_REJECT,
			    .reject_message = "sender windows are read-only" },
};

/* Parse the object nest @attr of a request into @tb. */
int gvpn_nl_nest(struct genl_info *info, int attr, struct nlattr **tb,
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

struct gvpn_group *gvpn_nl_group(struct gvpn_net *gn,
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
int gvpn_nl_dump_ret(struct sk_buff *skb, int err)
{
	if (err == -EMSGSIZE && skb->len)
		return skb->len;
	return err ?: skb->len;
}

/*
 * The header of an object's message: a reply (@cb NULL) or part of the dump
 * @cb, flagged NLM_F_DUMP_INTR if the configuration changed since the dump
 * began (the dumpit set cb->seq from gvpn_net.dump_seq).
 */
void *gvpn_nl_hdr(struct sk_buff *skb, u32 portid, u32 seq,
		  struct netlink_callback *cb, u8 cmd)
{
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &gvpn_genl_family,
			  cb ? NLM_F_MULTI : 0, cmd);
	if (hdr && cb)
		genl_dump_check_consistent(cb, hdr);
	return hdr;
}

/* The parsed attributes of a dump request. */
struct nlattr **gvpn_nl_dump_attrs(struct netlink_callback *cb)
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
	struct nlattr **attrs = gvpn_nl_dump_attrs(cb);
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
int gvpn_nl_walk(struct sk_buff *skb, struct netlink_callback *cb,
		 const struct gvpn_nl_obj *o)
{
	struct gvpn_net *gn = gvpn_pernet(sock_net(skb->sk));
	unsigned long gid, idx;
	struct gvpn_group *g;
	u16 only;
	void *obj;
	int err = 0;

	if (!cb->args[2]) {
		err = gvpn_nl_dump_group(cb, o->attr, o->maxtype, o->policy,
					 o->group, &only);
		if (err)
			return err;
		cb->args[2] = 1;
		cb->args[3] = only;
		cb->args[0] = only;
	}
	only = cb->args[3];

	mutex_lock(&gn->lock);
	cb->seq = gn->dump_seq;
	xa_for_each_start(&gn->groups, gid, g, cb->args[0]) {
		if (only && gid != only)
			break;
		if (gid != cb->args[0]) {
			cb->args[0] = gid;
			cb->args[1] = 0;
		}
		xa_for_each_start(o->objects(g), idx, obj, cb->args[1]) {
			err = o->fill(skb, obj, NETLINK_CB(cb->skb).portid,
				      cb->nlh->nlmsg_seq, cb);
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

/* Flush the policies (or SAs) of one group, or of all groups. */
int gvpn_nl_flush(struct genl_info *info, const struct gvpn_nl_obj *o)
{
	struct gvpn_net *gn = gvpn_pernet(genl_info_net(info));
	struct nlattr *tb[GVPN_A_OBJ_MAX + 1] = {};
	struct gvpn_group *g;
	unsigned long gid, idx;
	void *obj;
	int err = 0;

	if (info->attrs[o->attr]) {
		err = nla_parse_nested(tb, o->maxtype, info->attrs[o->attr],
				       o->policy, info->extack);
		if (err)
			return err;
	}
	mutex_lock(&gn->lock);
	if (tb[o->group]) {
		g = gvpn_nl_group(gn, info->attrs[o->attr], tb, o->group,
				  info->extack);
		if (IS_ERR(g)) {
			err = PTR_ERR(g);
			goto out;
		}
	}
	xa_for_each(&gn->groups, gid, g) {
		if (tb[o->group] && gid != nla_get_u16(tb[o->group]))
			continue;
		xa_for_each(o->objects(g), idx, obj)
			o->del(obj);
	}
out:
	mutex_unlock(&gn->lock);
	return err;
}

void *gvpn_nl_obj_find(struct gvpn_net *gn, const struct gvpn_nl_obj *o,
		       struct nlattr *nest, struct nlattr **tb,
		       struct netlink_ext_ack *extack)
{
	struct gvpn_group *g;

	g = gvpn_nl_group(gn, nest, tb, o->group, extack);
	if (IS_ERR(g))
		return g;
	return o->find(g, nest, tb, extack);
}

int gvpn_nl_obj_del(struct genl_info *info, const struct gvpn_nl_obj *o)
{
	struct gvpn_net *gn = gvpn_pernet(genl_info_net(info));
	struct nlattr *tb[GVPN_A_OBJ_MAX + 1];
	void *obj;
	int err;

	err = gvpn_nl_nest(info, o->attr, tb, o->maxtype, o->policy);
	if (err)
		return err;
	mutex_lock(&gn->lock);
	obj = gvpn_nl_obj_find(gn, o, info->attrs[o->attr], tb, info->extack);
	if (IS_ERR(obj))
		err = PTR_ERR(obj);
	else
		o->del(obj);
	mutex_unlock(&gn->lock);
	return err;
}

int gvpn_nl_obj_get(struct genl_info *info, const struct gvpn_nl_obj *o)
{
	struct gvpn_net *gn = gvpn_pernet(genl_info_net(info));
	struct nlattr *tb[GVPN_A_OBJ_MAX + 1];
	struct sk_buff *msg;
	void *obj;
	int err;

	err = gvpn_nl_nest(info, o->attr, tb, o->maxtype, o->policy);
	if (err)
		return err;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	mutex_lock(&gn->lock);
	obj = gvpn_nl_obj_find(gn, o, info->attrs[o->attr], tb, info->extack);
	if (IS_ERR(obj))
		err = PTR_ERR(obj);
	else
		err = o->fill(msg, obj, info->snd_portid, info->snd_seq, NULL);
	mutex_unlock(&gn->lock);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

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

/*
 * Every command needs CAP_NET_ADMIN over the network namespace's user
 * namespace, reads as much as changes: GET replies and events show the
 * group's policies, peers' addresses and traffic counters, which are the
 * gateway's business (xfrm_user and WireGuard require the same). A
 * container's root administers the groups of its own namespaces.
 */
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
		.flags = GENL_UNS_ADMIN_PERM,
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
		.flags = GENL_UNS_ADMIN_PERM,
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
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = GVPN_CMD_SA_FLUSH,
		.doit = gvpn_nl_sa_flush,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = GVPN_CMD_STATS_GET,
		.doit = gvpn_nl_stats_get,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = GVPN_CMD_SA_SET,
		.doit = gvpn_nl_sa_set,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = GVPN_CMD_SENDER_GET,
		.start = gvpn_nl_sender_start,
		.dumpit = gvpn_nl_sender_dump,
		.flags = GENL_UNS_ADMIN_PERM,
	},
};

/*
 * GENL_MCAST_CAP_NET_ADMIN: binding needs CAP_NET_ADMIN over the
 * namespace's user namespace (Linux 6.7, in 6.1 since 6.1.69).
 */
static const struct genl_multicast_group gvpn_mcgrps[] = {
	{ .name = GVPN_MCGRP_EVENTS, .flags = GENL_MCAST_CAP_NET_ADMIN },
};

struct genl_family gvpn_genl_family __ro_after_init = {
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
