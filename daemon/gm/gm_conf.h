/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * The group member section of gvpnd.conf ("member = { groups = (...) }"),
 * as parsed by main/conf_gm.c. See gvpnd.conf(5).
 */
#ifndef GVPN_GM_CONF_H
#define GVPN_GM_CONF_H

#include <stdbool.h>
#include <stdint.h>
#include <net/if.h>
#include <netinet/in.h>

#include "tek_alg.h"

#define GM_MAX_SERVERS		8	/* Cisco's limit (GM-04) */
#define GM_MAX_IFACES		8
#define GM_MAX_TRANSFORMS	6	/* GM-21 */
#define GM_MAX_FAIL_RULES	10	/* gvpn.ko, Juniper PO-10 */
#define GM_MAX_DENY		100
#define GM_MAX_SCOPE		100

/* A traffic selector: prefixes, IP protocol (0 any), port ranges */
struct gm_sel {
	struct in_addr src, dst;
	uint8_t src_plen, dst_plen;
	uint8_t proto;
	uint16_t sport_min, sport_max, dport_min, dport_max; /* 0..65535 any */
};

struct ike_peer;

struct gm_group_conf {
	char name[64];
	uint16_t id;
	bool id_addr;			/* identity "address": ID_IPV4_ADDR */
	struct in_addr addr;
	unsigned nservers;
	const struct ike_peer *servers[GM_MAX_SERVERS];
	unsigned nifaces;
	char ifaces[GM_MAX_IFACES][IF_NAMESIZE];
	unsigned retries;		/* per server, before the next */
	unsigned interval_ms;		/* between tries */
	uint8_t df_mode;		/* enum gvpn_df_mode */
	unsigned ndeny;
	struct gm_sel *deny;
	unsigned nscope;		/* 0: every downloaded policy */
	struct gm_sel *scope;
	unsigned ntransforms;		/* 0: any */
	struct tek_transform transforms[GM_MAX_TRANSFORMS];
	uint8_t fail_mode;		/* enum gvpn_fail_mode */
	bool fail_close_activate;
	unsigned nfail;
	struct gm_sel fail[GM_MAX_FAIL_RULES];
	bool passive;
	unsigned hb_threshold;		/* missed push intervals; 0: off */
	bool legacy_iv;			/* counter modes without a SID */
};

struct gm_conf {
	unsigned ngroups;
	struct gm_group_conf *groups;
};

struct cctx;
struct config_setting_t;

/* Parses root's "member" section, if any, into c->conf->gm (after peers) */
void conf_gm_parse(struct cctx *c, const struct config_setting_t *root);
void conf_gm_free(struct gm_conf *gm);

/* s lies within scope: prefixes inside, protocol and ports equal or any */
bool gm_sel_within(const struct gm_sel *s, const struct gm_sel *scope);

#endif /* GVPN_GM_CONF_H */
