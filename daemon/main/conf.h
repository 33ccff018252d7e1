/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * gvpnd.conf: a libconfig file (hierarchical, "name = value;"), checked
 * completely before anything uses it. Errors name the file and line.
 * See gvpnd.conf(5).
 */
#ifndef GVPN_CONF_H
#define GVPN_CONF_H

#include <stdint.h>
#include <netinet/in.h>

#include "ike/ike.h"
#include "gm/gm_conf.h"
#include "ks/ks_conf.h"

#define GVPND_DEFAULT_CONF	"/etc/gvpn/gvpnd.conf"
#define GVPND_DEFAULT_PORT	848

/* the control socket (conf_ctl.c, ctl.c) */
struct ctl_conf {
	char socket[108];	/* sun_path */
	unsigned mode;
	char group[64];
};

struct gvpnd_conf {
	const char *path;
	int log_level;
	bool lab_timers;		/* lower minimums for tests (lab-timers) */
	struct in_addr listen_addr;
	uint16_t port;
	char *pcap;
	char *keylog;
	struct ike_conf ike;
	unsigned nprops;
	struct ike_suite *props;
	char (*prop_names)[64];
	unsigned ncreds;
	struct ike_creds **creds;	/* owned, shared by peers */
	struct ctl_conf ctl;
	struct gm_conf gm;		/* member section */
	struct ks_conf ks;		/* server section */
};

/* Returns the number of errors, each printed to stderr as FILE:LINE: msg */
int conf_load(const char *path, struct gvpnd_conf *conf);
void conf_free(struct gvpnd_conf *conf);

#endif /* GVPN_CONF_H */
