// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 */

#include <net/genetlink.h>

#include "netlink.h"

static const struct genl_multicast_group gvpn_mcgrps[] = {
	{ .name = GVPN_MCGRP_EVENTS },
};

static struct genl_family gvpn_genl_family __ro_after_init = {
	.name = GVPN_GENL_NAME,
	.version = GVPN_GENL_VERSION,
	.netnsok = true,
	.module = THIS_MODULE,
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
