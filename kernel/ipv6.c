// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * IPv6 on attached devices, which gvpn does not protect (its policies,
 * SAs and wire format are IPv4, like Cisco GET VPN's and Juniper's IPv4
 * groups). Left alone, IPv6 would cross an attached device whatever the
 * group says, fail-close included. So IPv6 is treated as a packet that
 * only the policies matching every IPv4 packet (any address, any
 * protocol) match:
 *
 *  - while fail-close is armed it is dropped (no fail rule matches it);
 *  - the first such policy decides: drop drops it; encrypt, in a group
 *    without keys, leaves it to the fail mode (fail-open drops it);
 *  - what passes, in clear since gvpn cannot encrypt it, is counted
 *    (clear_ipv6).
 *
 * Only the group's counters count IPv6: a policy's match counters stay
 * those of the IPv4 traffic it was written for.
 */

#include <linux/netdevice.h>
#include <linux/netfilter.h>

#include "gvpn.h"

static unsigned int gvpn_ipv6_verdict(struct gvpn_group *g)
{
	struct gvpn_policy *p;

	if (READ_ONCE(g->fail_armed))
		return gvpn_fail_verdict(g, NULL, false);
	p = gvpn_policy_any(g);
	if (!p)
		return NF_ACCEPT;
	switch (p->action) {
	case GVPN_ACTION_DROP:
		gvpn_count_group(g, GVPN_A_STATS_DROP_POLICY, 1);
		return NF_DROP;
	case GVPN_ACTION_ENCRYPT:
		if (!READ_ONCE(g->nactive))
			return gvpn_fail_verdict(g, NULL, false);
		break;
	}
	return NF_ACCEPT;
}

/* PRE_ROUTING and POST_ROUTING of IPv6, while the namespace has groups. */
unsigned int gvpn_ipv6_hook(void *priv, struct sk_buff *skb,
			    const struct nf_hook_state *state)
{
	const struct net_device *dev = state->in ?: state->out;
	struct gvpn_net *gn = gvpn_pernet(state->net);
	struct gvpn_group *g;

	g = xa_load(&gn->devs, dev->ifindex);
	if (!g)
		return NF_ACCEPT;
	if (gvpn_ipv6_verdict(g) != NF_ACCEPT)
		return NF_DROP;
	gvpn_count_group(g, GVPN_A_STATS_CLEAR_IPV6, 1);
	return NF_ACCEPT;
}
