// SPDX-License-Identifier: GPL-2.0
/*
 * gvpn: group ESP for Linux (GDOI, RFC 6407), with RFC 5374 address
 * preservation.
 *
 * Copyright (C) 2026 The gvpn authors.
 */

#include <linux/module.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <net/genetlink.h>
#include <net/netfilter/ipv4/nf_defrag_ipv4.h>

#include "gvpn.h"
#include "netlink.h"

unsigned int gvpn_net_id __read_mostly;

/*
 * How much one network namespace may hold. Most of what a request makes
 * the module allocate is charged to the requester's memory cgroup; the
 * crypto transforms (the crypto API allocates them itself) and the hash
 * tables' bucket arrays (grown by a worker) are not, and these bound
 * them. Room for 10,000 policies and SAs in a group, where Cisco honours
 * 100 ACL entries and Juniper 10 fail-open rules. Only the initial
 * namespace's root may change them.
 */
unsigned int gvpn_max_groups __read_mostly = 256;
module_param_named(max_groups, gvpn_max_groups, uint, 0644);
MODULE_PARM_DESC(max_groups, "Groups per network namespace (default 256)");

unsigned int gvpn_max_policies __read_mostly = 16384;
module_param_named(max_policies, gvpn_max_policies, uint, 0644);
MODULE_PARM_DESC(max_policies, "Policies per group (default 16384)");

unsigned int gvpn_max_sas __read_mostly = 16384;
module_param_named(max_sas, gvpn_max_sas, uint, 0644);
MODULE_PARM_DESC(max_sas, "SAs per group (default 16384)");

/*
 * Inbound: after defragmentation, so ESP arrives whole, and before
 * conntrack, so conntrack and the firewall see the decrypted packet.
 * Outbound: after NAT, right before conntrack's helpers, sequence
 * adjustment and confirmation, which output.c runs on the cleartext.
 */
static const struct nf_hook_ops gvpn_nf_ops[] = {
	{
		.hook = gvpn_input_hook,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_PRE_ROUTING,
		.priority = NF_IP_PRI_CONNTRACK_DEFRAG + 1,
	},
	{
		.hook = gvpn_output_hook,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_POST_ROUTING,
		.priority = NF_IP_PRI_CONNTRACK_CONFIRM - 1,
	},
#if IS_ENABLED(CONFIG_IPV6)
	/* IPv6 is not protected, but fail-close and drop policies hold it */
	{
		.hook = gvpn_ipv6_hook,
		.pf = NFPROTO_IPV6,
		.hooknum = NF_INET_PRE_ROUTING,
		.priority = NF_IP6_PRI_CONNTRACK_DEFRAG + 1,
	},
	{
		.hook = gvpn_ipv6_hook,
		.pf = NFPROTO_IPV6,
		.hooknum = NF_INET_POST_ROUTING,
		.priority = NF_IP6_PRI_LAST - 1,
	},
#endif
};

/* Hooks are registered while the namespace has groups: others pay nothing. */
int gvpn_hooks_get(struct gvpn_net *gn)
{
	int err;

	lockdep_assert_held(&gn->lock);
	if (gn->ngroups++)
		return 0;
	err = nf_defrag_ipv4_enable(gn->net);
	if (err)
		goto err;
	err = nf_register_net_hooks(gn->net, gvpn_nf_ops,
				    ARRAY_SIZE(gvpn_nf_ops));
	if (err) {
		nf_defrag_ipv4_disable(gn->net);
		goto err;
	}
	return 0;
err:
	gn->ngroups--;
	return err;
}

void gvpn_hooks_put(struct gvpn_net *gn)
{
	lockdep_assert_held(&gn->lock);
	if (--gn->ngroups)
		return;
	nf_unregister_net_hooks(gn->net, gvpn_nf_ops, ARRAY_SIZE(gvpn_nf_ops));
	nf_defrag_ipv4_disable(gn->net);
}

static int __net_init gvpn_net_init(struct net *net)
{
	struct gvpn_net *gn = gvpn_pernet(net);
	int err;

	gn->net = net;
	mutex_init(&gn->lock);
	xa_init_flags(&gn->groups, XA_FLAGS_ACCOUNT);
	xa_init_flags(&gn->devs, XA_FLAGS_ACCOUNT);
	atomic_set(&gn->nsas, 0);
	gn->dump_seq = 1;
	gvpn_events_init(gn);
	gn->stats = gvpn_stats_alloc();
	if (!gn->stats)
		return -ENOMEM;
	err = gvpn_sa_init_net(gn);
	if (err)
		free_percpu(gn->stats);
	return err;
}

static void __net_exit gvpn_net_exit(struct net *net)
{
	struct gvpn_net *gn = gvpn_pernet(net);
	struct gvpn_group *g;
	unsigned long id;

	mutex_lock(&gn->lock);
	xa_for_each(&gn->groups, id, g)
		gvpn_group_del(g);
	mutex_unlock(&gn->lock);

	/* Packets still inside the AEAD hold their SA: wait for them. */
	gvpn_sa_exit_net(gn);
	xa_destroy(&gn->groups);
	xa_destroy(&gn->devs);
	free_percpu(gn->stats);
}

static struct pernet_operations gvpn_net_ops = {
	.init = gvpn_net_init,
	.exit = gvpn_net_exit,
	.id = &gvpn_net_id,
	.size = sizeof(struct gvpn_net),
};

static int __init gvpn_init(void)
{
	int err;

	err = gvpn_sa_init();
	if (err)
		return err;
	err = gvpn_group_init();
	if (err)
		goto err_sa;
	err = gvpn_output_init();
	if (err)
		goto err_group;
	err = register_pernet_subsys(&gvpn_net_ops);
	if (err)
		goto err_group;
	err = gvpn_dev_notifier_init();
	if (err)
		goto err_pernet;
	err = gvpn_genl_init();
	if (err)
		goto err_notifier;
	pr_info("gvpn: group ESP loaded\n");
	return 0;

err_notifier:
	gvpn_dev_notifier_exit();
err_pernet:
	unregister_pernet_subsys(&gvpn_net_ops);
err_group:
	gvpn_group_exit();
err_sa:
	gvpn_sa_exit();
	return err;
}

static void __exit gvpn_exit(void)
{
	gvpn_genl_exit();
	gvpn_dev_notifier_exit();
	unregister_pernet_subsys(&gvpn_net_ops);
	gvpn_group_exit();
	gvpn_sa_exit();
}

module_init(gvpn_init);
module_exit(gvpn_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Group ESP (GDOI) with address preservation");
MODULE_AUTHOR("The gvpn authors");
MODULE_ALIAS_GENL_FAMILY(GVPN_GENL_NAME);
