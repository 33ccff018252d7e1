// SPDX-License-Identifier: GPL-2.0
/*
 * gvpn: group ESP for Linux (GDOI, RFC 6407), with RFC 5374 address
 * preservation.
 *
 * Copyright (C) 2026 The gvpn authors.
 */

#include <linux/module.h>
#include <net/genetlink.h>

#include "netlink.h"

static int __init gvpn_init(void)
{
	int ret;

	ret = gvpn_genl_init();
	if (ret)
		return ret;

	pr_info("gvpn: group ESP loaded\n");
	return 0;
}

static void __exit gvpn_exit(void)
{
	gvpn_genl_exit();
}

module_init(gvpn_init);
module_exit(gvpn_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Group ESP (GDOI) with address preservation");
MODULE_AUTHOR("The gvpn authors");
MODULE_ALIAS_GENL_FAMILY(GVPN_GENL_NAME);
