// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * Per-CPU counters: the packet path adds to its own CPU's copy without
 * locks or atomics; readers sum the copies.
 */

#include <net/netlink.h>

#include "gvpn.h"

/* Charged to the memory cgroup of the task that asks, as every object is. */
struct gvpn_stats __percpu *gvpn_stats_alloc(void)
{
	return alloc_percpu_gfp(struct gvpn_stats, GFP_KERNEL_ACCOUNT);
}

void gvpn_stats_sum(struct gvpn_stats __percpu *s, u64 *out)
{
	int cpu, i;

	memset(out, 0, sizeof(u64) * GVPN_NSTATS);
	for_each_possible_cpu(cpu) {
		const struct gvpn_stats *c = per_cpu_ptr(s, cpu);

		for (i = 0; i < GVPN_NSTATS; i++)
			out[i] += READ_ONCE(c->ctr[i]);
	}
}

/* Put a nest @attr with the counters listed in @which (all when NULL). */
int gvpn_stats_fill(struct sk_buff *skb, int attr,
		    struct gvpn_stats __percpu *s, const u8 *which, int n)
{
	u64 sum[GVPN_NSTATS];
	struct nlattr *nest;
	int i, ctr;

	gvpn_stats_sum(s, sum);
	nest = nla_nest_start(skb, attr);
	if (!nest)
		return -EMSGSIZE;
	if (!which)
		n = GVPN_NSTATS - GVPN_A_STATS_TX_PACKETS;
	for (i = 0; i < n; i++) {
		ctr = which ? which[i] : GVPN_A_STATS_TX_PACKETS + i;
		if (nla_put_u64_64bit(skb, ctr, sum[ctr], GVPN_A_STATS_PAD))
			goto cancel;
	}
	nla_nest_end(skb, nest);
	return 0;
cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}
