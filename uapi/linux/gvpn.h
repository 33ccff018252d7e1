/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * gvpn generic netlink API.
 *
 * Family "gvpn", version 1. Multicast group "events".
 */
#ifndef _UAPI_LINUX_GVPN_H
#define _UAPI_LINUX_GVPN_H

#define GVPN_GENL_NAME		"gvpn"
#define GVPN_GENL_VERSION	1
#define GVPN_MCGRP_EVENTS	"events"

enum gvpn_mcgrp_id {
	GVPN_MCGRP_EVENTS_ID,
};

#endif /* _UAPI_LINUX_GVPN_H */
