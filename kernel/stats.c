// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * Per-CPU counters: the packet path adds to its own CPU's copy without
 * locks or atomics; readers (netlink, the SA lifetime work) sum the
 * copies. Counters are u64, which a 32-bit CPU updates in two halves: a
 * reader there could see a byte count 4 GiB off, enough to expire an SA
 * early. So 32-bit builds update inside a u64_stats sequence and readers
 * retry, as network devices' per-CPU statistics do; on 64-bit builds the
 * sequence is compiled out.
 */

#include <net/netlink.h>

#include "gvpn.h"

/* Charged to the memory cgroup of the task that asks, as every object is. */
struct gvpn_stats __percpu *gvpn_stats_alloc(void)
{
	struct gvpn_stats __percpu *s;
	int cpu;

	s = alloc_percpu_gfp(struct gvpn_stats, GFP_KERNEL_ACCOUNT);
	if (s)
		for_each_possible_cpu(cpu)
			u64_stats_init(&per_cpu_ptr(s, cpu)->syncp);
	return s;
}

void gvpn_stats_sum(struct gvpn_stats __percpu *s, u64 *out)
{
	unsigned int start;
	int cpu, i;
	u64 v;

	memset(out, 0, sizeof(u64) * GVPN_NSTATS);
	for_each_possible_cpu(cpu) {
		const struct gvpn_stats *c = per_cpu_ptr(s, cpu);

		for (i = 0; i < GVPN_NSTATS; i++) {
			do {
				start = u64_stats_fetch_begin(&c->syncp);
				v = READ_ONCE(c->ctr[i]);
			} while (u64_stats_fetch_retry(&c->syncp, start));
			out[i] += v;
		}
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
