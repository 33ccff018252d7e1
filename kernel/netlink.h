/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The gvpn authors.
 */
#ifndef _GVPN_NETLINK_H
#define _GVPN_NETLINK_H

#include <linux/gvpn.h>

int gvpn_genl_init(void);
void gvpn_genl_exit(void);

#endif /* _GVPN_NETLINK_H */
