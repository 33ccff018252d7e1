// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * Policies (traffic selectors) and the classifier that finds the first one
 * matching a packet.
 *
 * The classifier is a tuple space: policies are grouped by the pair of
 * prefix lengths (source, destination) they use, and within a pair hashed
 * by their masked prefixes. A lookup probes one hash table per distinct
 * pair present in the group, so its cost depends on how many different
 * prefix-length pairs the policies use (a handful in practice, 33 x 33 at
 * most), not on how many policies there are. Policies sharing both
 * prefixes (differing in protocol or ports) sit in one node's list, kept in
 * evaluation order.
 */

#include <linux/in.h>
#include <linux/ip.h>
#include <linux/skbuff.h>
#include <net/ip.h>

#include "gvpn.h"

struct gvpn_cls_key {
	__be32 src, dst;
	u8 splen, dplen;
	u16 pad;
};

struct gvpn_cls_node {
	struct rhash_head hnode;
	struct gvpn_cls_key key;
	struct list_head policies;	/* by (order, id), RCU */
	struct rcu_head rcu;
};

struct gvpn_cls_tuples {
	unsigned int n;
	struct rcu_head rcu;
	struct {
		u8 splen, dplen;
	} t[];
};

struct gvpn_cls {
	struct rhashtable nodes;
	struct gvpn_cls_tuples __rcu *tuples;
	u32 count[33][33];		/* policies per pair; writer only */
};

static const struct rhashtable_params gvpn_cls_params = {
	.key_len = sizeof(struct gvpn_cls_key),
	.key_offset = offsetof(struct gvpn_cls_node, key),
	.head_offset = offsetof(struct gvpn_cls_node, hnode),
	.automatic_shrinking = true,
};

static inline __be32 gvpn_mask(u8 plen)
{
	return plen ? htonl(~0U << (32 - plen)) : 0;
}

static bool gvpn_l4_match(const struct gvpn_selector *sel,
			  const struct gvpn_flow *f)
{
	if (sel->proto && sel->proto != f->proto)
		return false;
	/* Non-first fragments carry no ports: any port range matches. */
	if (!f->has_ports)
		return true;
	return f->sport >= sel->sport_min && f->sport <= sel->sport_max &&
	       f->dport >= sel->dport_min && f->dport <= sel->dport_max;
}

bool gvpn_selector_match(const struct gvpn_selector *sel,
			 const struct gvpn_flow *f)
{
	return !((f->src ^ sel->src) & gvpn_mask(sel->splen)) &&
	       !((f->dst ^ sel->dst) & gvpn_mask(sel->dplen)) &&
	       gvpn_l4_match(sel, f);
}

/*
 * A packet's flow. Every packet gets one: a TCP, UDP, UDP-Lite or SCTP
 * packet too short to carry its ports is classified with ports 0, as
 * xfrm's flow decoding does, rather than escaping the policies.
 */
void gvpn_flow_from_skb(const struct sk_buff *skb, struct gvpn_flow *f)
{
	const struct iphdr *iph = ip_hdr(skb);
	__be16 _ports[2];
	const __be16 *ports;

	f->src = iph->saddr;
	f->dst = iph->daddr;
	f->proto = iph->protocol;
	f->has_ports = false;
	f->sport = 0;
	f->dport = 0;
	if (iph->frag_off & htons(IP_OFFSET))
		return;
	switch (iph->protocol) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
	case IPPROTO_SCTP:
		f->has_ports = true;
		ports = skb_header_pointer(skb, skb_network_offset(skb) +
					   iph->ihl * 4, sizeof(_ports), _ports);
		if (ports) {
			f->sport = ntohs(ports[0]);
			f->dport = ntohs(ports[1]);
		}
		break;
	}
}

static inline bool gvpn_policy_before(const struct gvpn_policy *a,
				      const struct gvpn_policy *b)
{
	return a->order < b->order || (a->order == b->order && a->id < b->id);
}

static struct gvpn_policy *gvpn_cls_find(struct gvpn_cls *cls,
					 const struct gvpn_cls_tuples *ts,
					 const struct gvpn_flow *f,
					 struct gvpn_policy *best)
{
	struct gvpn_cls_key key = {};
	struct gvpn_cls_node *node;
	struct gvpn_policy *p;
	unsigned int i;

	for (i = 0; i < ts->n; i++) {
		key.splen = ts->t[i].splen;
		key.dplen = ts->t[i].dplen;
		key.src = f->src & gvpn_mask(key.splen);
		key.dst = f->dst & gvpn_mask(key.dplen);
		node = rhashtable_lookup(&cls->nodes, &key, gvpn_cls_params);
		if (!node)
			continue;
		list_for_each_entry_rcu(p, &node->policies, node_list) {
			if (best && !gvpn_policy_before(p, best))
				break;	/* the rest of the list comes later */
			if (gvpn_l4_match(&p->sel, f)) {
				best = p;
				break;
			}
		}
	}
	return best;
}

/*
 * The first policy of @g matching @f; with @either_dir, the first matching
 * @f or its mirror image (inbound traffic of a policy flows both ways).
 * Caller holds rcu_read_lock().
 */
struct gvpn_policy *gvpn_policy_lookup(const struct gvpn_group *g,
				       const struct gvpn_flow *f,
				       bool either_dir)
{
	struct gvpn_cls *cls = g->cls;
	const struct gvpn_cls_tuples *ts;
	struct gvpn_policy *best;
	struct gvpn_flow m;

	ts = rcu_dereference(cls->tuples);
	if (!ts)
		return NULL;
	best = gvpn_cls_find(cls, ts, f, NULL);
	if (!either_dir)
		return best;
	m = *f;
	m.src = f->dst;
	m.dst = f->src;
	m.sport = f->dport;
	m.dport = f->sport;
	return gvpn_cls_find(cls, ts, &m, best);
}

/*
 * The first policy of @g that matches every IPv4 packet (any addresses,
 * any protocol), or NULL: the one that decides for IPv6, which no other
 * can match. Caller holds rcu_read_lock().
 */
struct gvpn_policy *gvpn_policy_any(const struct gvpn_group *g)
{
	const struct gvpn_cls_key key = {};
	struct gvpn_cls_node *node;
	struct gvpn_policy *p;

	node = rhashtable_lookup(&g->cls->nodes, &key, gvpn_cls_params);
	if (!node)
		return NULL;
	/* in evaluation order; ports need a protocol, so none here has any */
	list_for_each_entry_rcu(p, &node->policies, node_list)
		if (!p->sel.proto)
			return p;
	return NULL;
}

/*
 * The exception rules of the fail modes: at most GVPN_MAX_FAIL_RULES
 * policies of origin "fail", in their own short list.
 */
bool gvpn_fail_rule_match(const struct gvpn_group *g,
			  const struct gvpn_flow *f, bool either_dir)
{
	struct gvpn_policy *p;
	struct gvpn_flow m;

	m = *f;
	m.src = f->dst;
	m.dst = f->src;
	m.sport = f->dport;
	m.dport = f->sport;
	list_for_each_entry_rcu(p, &g->fail_rules, node_list)
		if (gvpn_selector_match(&p->sel, f) ||
		    (either_dir && gvpn_selector_match(&p->sel, &m)))
			return true;
	return false;
}

static int gvpn_fail_rule_add(struct gvpn_group *g, struct gvpn_policy *p,
			      struct netlink_ext_ack *extack)
{
	struct gvpn_policy *pos;
	int err;

	if (p->action != GVPN_ACTION_BYPASS) {
		NL_SET_ERR_MSG_MOD(extack, "fail rules pass traffic in clear: action bypass");
		return -EINVAL;
	}
	if (g->nfail >= GVPN_MAX_FAIL_RULES) {
		NL_SET_ERR_MSG_MOD(extack, "at most 10 fail rules per group");
		return -ENOSPC;
	}
	err = xa_insert(&g->policies, p->id, p, GFP_KERNEL);
	if (err)
		return err;
	list_for_each_entry(pos, &g->fail_rules, node_list)
		if (gvpn_policy_before(p, pos))
			break;
	list_add_tail_rcu(&p->node_list, &pos->node_list);
	g->nfail++;
	return 0;
}

/* Publish the list of prefix-length pairs in use after it changed. */
static int gvpn_cls_retuple(struct gvpn_group *g)
{
	struct gvpn_cls *cls = g->cls;
	struct gvpn_cls_tuples *ts, *old;
	unsigned int n = 0, s, d;

	for (s = 0; s <= 32; s++)
		for (d = 0; d <= 32; d++)
			n += !!cls->count[s][d];
	ts = kzalloc(struct_size(ts, t, n), GFP_KERNEL_ACCOUNT);
	if (!ts)
		return -ENOMEM;
	/* Longest prefixes first: the most specific nodes are probed first. */
	for (s = 33; s-- > 0;)
		for (d = 33; d-- > 0;)
			if (cls->count[s][d]) {
				ts->t[ts->n].splen = s;
				ts->t[ts->n].dplen = d;
				ts->n++;
			}
	old = rcu_replace_pointer(cls->tuples, ts,
				  lockdep_is_held(&g->gn->lock));
	if (old)
		kfree_rcu(old, rcu);
	return 0;
}

int gvpn_cls_new(struct gvpn_group *g)
{
	struct gvpn_cls *cls;
	int err;

	cls = kvzalloc(sizeof(*cls), GFP_KERNEL_ACCOUNT);
	if (!cls)
		return -ENOMEM;
	err = rhashtable_init(&cls->nodes, &gvpn_cls_params);
	if (err) {
		kvfree(cls);
		return err;
	}
	g->cls = cls;
	return 0;
}

/*
 * With every policy gone: a group that failed to be made (under the
 * lock), or one no reader can see any more (its last reference gone).
 */
void gvpn_cls_free(struct gvpn_group *g)
{
	struct gvpn_cls *cls = g->cls;

	rhashtable_destroy(&cls->nodes);
	kfree(rcu_dereference_protected(cls->tuples,
					lockdep_is_held(&g->gn->lock) ||
					!refcount_read(&g->refs)));
	kvfree(cls);
}

static void gvpn_policy_free_rcu(struct rcu_head *head)
{
	struct gvpn_policy *p = container_of(head, struct gvpn_policy, rcu);

	free_percpu(p->stats);
	kfree(p);
}

struct gvpn_policy *gvpn_policy_new(struct gvpn_group *g, u32 id, u32 prio,
				    u8 action, u8 origin,
				    const struct gvpn_selector *sel,
				    struct netlink_ext_ack *extack)
{
	struct gvpn_cls *cls = g->cls;
	struct gvpn_cls_node *node, *old;
	struct gvpn_policy *p, *pos;
	bool new_tuple;
	int err;

	lockdep_assert_held(&g->gn->lock);
	if (xa_load(&g->policies, id)) {
		NL_SET_ERR_MSG_MOD(extack, "policy id already exists in the group");
		return ERR_PTR(-EEXIST);
	}
	if (g->npolicies >= READ_ONCE(gvpn_max_policies)) {
		NL_SET_ERR_MSG_MOD(extack, "group full: max_policies (module parameter) reached");
		return ERR_PTR(-ENOSPC);
	}
	p = kzalloc(sizeof(*p), GFP_KERNEL_ACCOUNT);
	if (!p)
		return ERR_PTR(-ENOMEM);
	p->stats = gvpn_stats_alloc();
	if (!p->stats) {
		kfree(p);
		return ERR_PTR(-ENOMEM);
	}
	p->group = g;
	p->sel = *sel;
	p->sel.src &= gvpn_mask(sel->splen);
	p->sel.dst &= gvpn_mask(sel->dplen);
	p->id = id;
	p->prio = prio;
	p->action = action;
	p->origin = origin;
	/* Local (member) policies precede key server ones (GM ACL merge). */
	p->order = (u64)(origin == GVPN_ORIGIN_LOCAL ? 0 : 1) << 32 | prio;
	INIT_LIST_HEAD(&p->sas);

	if (origin == GVPN_ORIGIN_FAIL) {
		err = gvpn_fail_rule_add(g, p, extack);
		if (err)
			goto err_free;
		g->npolicies++;
		gvpn_changed(g->gn);
		return p;
	}

	/* Reserve the tuple before anything is visible to readers. */
	new_tuple = !cls->count[sel->splen][sel->dplen]++;
	if (new_tuple) {
		err = gvpn_cls_retuple(g);
		if (err)
			goto err_count;
	}

	node = kzalloc(sizeof(*node), GFP_KERNEL_ACCOUNT);
	if (!node) {
		err = -ENOMEM;
		goto err_tuple;
	}
	node->key.src = p->sel.src;
	node->key.dst = p->sel.dst;
	node->key.splen = sel->splen;
	node->key.dplen = sel->dplen;
	INIT_LIST_HEAD(&node->policies);
	old = rhashtable_lookup_get_insert_fast(&cls->nodes, &node->hnode,
						gvpn_cls_params);
	if (IS_ERR(old)) {
		kfree(node);
		err = PTR_ERR(old);
		goto err_tuple;
	}
	if (old) {
		kfree(node);
		node = old;
	}

	err = xa_insert(&g->policies, id, p, GFP_KERNEL);
	if (err) {
		if (list_empty(&node->policies)) {
			rhashtable_remove_fast(&cls->nodes, &node->hnode,
					       gvpn_cls_params);
			kfree_rcu(node, rcu);
		}
		goto err_tuple;
	}

	p->node = node;
	list_for_each_entry(pos, &node->policies, node_list)
		if (gvpn_policy_before(p, pos))
			break;
	list_add_tail_rcu(&p->node_list, &pos->node_list);
	g->npolicies++;
	gvpn_changed(g->gn);
	return p;

err_tuple:
	if (new_tuple) {
		cls->count[sel->splen][sel->dplen]--;
		gvpn_cls_retuple(g);
		goto err_free;
	}
err_count:
	cls->count[sel->splen][sel->dplen]--;
err_free:
	free_percpu(p->stats);
	kfree(p);
	return ERR_PTR(err);
}

/* Remove @p and the SAs serving it. */
void gvpn_policy_del(struct gvpn_policy *p)
{
	struct gvpn_group *g = p->group;
	struct gvpn_cls *cls = g->cls;
	struct gvpn_cls_node *node = p->node;
	struct gvpn_sa *sa, *tmp;

	lockdep_assert_held(&g->gn->lock);
	list_for_each_entry_safe(sa, tmp, &p->sas, policy_list)
		gvpn_sa_del(sa, GVPN_EVENT_SA_REMOVED);

	xa_erase(&g->policies, p->id);
	g->npolicies--;
	gvpn_changed(g->gn);
	list_del_rcu(&p->node_list);
	if (p->origin == GVPN_ORIGIN_FAIL) {
		g->nfail--;
		call_rcu(&p->rcu, gvpn_policy_free_rcu);
		return;
	}
	if (list_empty(&node->policies)) {
		rhashtable_remove_fast(&cls->nodes, &node->hnode,
				       gvpn_cls_params);
		kfree_rcu(node, rcu);
	}
	if (!--cls->count[p->sel.splen][p->sel.dplen]) {
		/*
		 * On allocation failure the old list stays: it only names an
		 * empty pair, which costs a lookup miss and nothing else.
		 */
		gvpn_cls_retuple(g);
	}
	call_rcu(&p->rcu, gvpn_policy_free_rcu);
}
