// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * Generic netlink: policies.
 */

#include <linux/netdevice.h>
#include <net/genetlink.h>

#include "gvpn.h"
#include "netlink.h"

static const u8 gvpn_policy_counters[] = {
	GVPN_A_STATS_MATCH_PACKETS, GVPN_A_STATS_MATCH_BYTES,
};

static int gvpn_nl_fill_policy(struct sk_buff *skb, struct gvpn_policy *p,
			       u32 portid, u32 seq, struct netlink_callback *cb)
{
	const struct gvpn_selector *s = &p->sel;
	struct nlattr *nest;
	void *hdr;

	hdr = gvpn_nl_hdr(skb, portid, seq, cb, GVPN_CMD_POLICY_GET);
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

int gvpn_nl_policy_new(struct sk_buff *skb, struct genl_info *info)
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

static void *gvpn_find_policy_obj(struct gvpn_group *g, struct nlattr *nest,
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

static struct xarray *gvpn_group_policies(struct gvpn_group *g)
{
	return &g->policies;
}

static int gvpn_fill_policy_obj(struct sk_buff *skb, void *obj, u32 portid,
				u32 seq, struct netlink_callback *cb)
{
	return gvpn_nl_fill_policy(skb, obj, portid, seq, cb);
}

static void gvpn_del_policy_obj(void *obj)
{
	gvpn_policy_del(obj);
}

static const struct gvpn_nl_obj gvpn_policy_obj = {
	.attr = GVPN_A_POLICY,
	.maxtype = GVPN_A_POLICY_MAX,
	.policy = gvpn_policy_nl_policy,
	.group = GVPN_A_POLICY_GROUP_ID,
	.find = gvpn_find_policy_obj,
	.objects = gvpn_group_policies,
	.fill = gvpn_fill_policy_obj,
	.del = gvpn_del_policy_obj,
};

int gvpn_nl_policy_del(struct sk_buff *skb, struct genl_info *info)
{
	return gvpn_nl_obj_del(info, &gvpn_policy_obj);
}

int gvpn_nl_policy_get(struct sk_buff *skb, struct genl_info *info)
{
	return gvpn_nl_obj_get(info, &gvpn_policy_obj);
}

int gvpn_nl_policy_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	return gvpn_nl_walk(skb, cb, &gvpn_policy_obj);
}

int gvpn_nl_policy_flush(struct sk_buff *skb, struct genl_info *info)
{
	return gvpn_nl_flush(info, &gvpn_policy_obj);
}
