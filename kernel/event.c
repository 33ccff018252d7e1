// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * Events on the "events" multicast group: SA lifecycle, key state and
 * rate-limited data-plane errors.
 */

#include <linux/netdevice.h>
#include <net/genetlink.h>

#include "gvpn.h"
#include "netlink.h"

/*
 * Each kind of data-plane error has its own budget of 20 events a second,
 * so a flood of one (unknown SPIs from a misconfigured or hostile sender)
 * cannot hide another (an authentication or replay failure). Suppressed
 * events are not reported in the kernel log ("callbacks suppressed"),
 * which a flood would fill while the daemon listens: the drop counters
 * count every packet, the events are a sample.
 */
void gvpn_events_init(struct gvpn_net *gn)
{
	int i;

	for (i = 0; i < GVPN_RL_MAX; i++) {
		ratelimit_state_init(&gn->event_rs[i], HZ, 20);
		ratelimit_set_flags(&gn->event_rs[i], RATELIMIT_MSG_ON_RELEASE);
	}
}

static bool gvpn_event_ratelimit(struct gvpn_net *gn, enum gvpn_event ev)
{
	enum gvpn_event_rl rl;

	switch (ev) {
	case GVPN_EVENT_UNKNOWN_SPI:
		rl = GVPN_RL_UNKNOWN_SPI;
		break;
	case GVPN_EVENT_AUTH_FAILED:
		rl = GVPN_RL_AUTH_FAILED;
		break;
	default:
		rl = GVPN_RL_REPLAY_FAILED;
		break;
	}
	return __ratelimit(&gn->event_rs[rl]);
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

/* Data-plane errors: rate-limited per namespace and kind, from softirq. */
void gvpn_nl_event_packet(struct gvpn_net *gn, u16 group, u32 spi,
			  enum gvpn_event ev, __be32 src, __be32 dst)
{
	struct nlattr *nest;
	struct sk_buff *msg;
	void *hdr;

	if (!genl_has_listeners(&gvpn_genl_family, gn->net, 0) ||
	    !gvpn_event_ratelimit(gn, ev))
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
	    !gvpn_event_ratelimit(gn, GVPN_EVENT_REPLAY_FAILED))
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
