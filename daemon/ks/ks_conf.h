/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * The key server's configuration: the "server" section of gvpnd.conf,
 * parsed and checked by main/conf_ks.c (gvpnd.conf(5)).
 */
#ifndef GVPN_KS_CONF_H
#define GVPN_KS_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include "tek_alg.h"

#define KS_MAX_POLICIES		100	/* PO-01: Cisco honours 100 ACEs */
#define KS_MAX_SAS		16
#define KS_NAME_MAX		64

/* --- configuration (filled by main/conf_ks.c) ---------------------------- */

enum ks_action { KS_PERMIT = 1, KS_DENY = 2 };

struct ks_policy {
	uint8_t action;			/* enum ks_action */
	uint8_t proto;			/* 0: any */
	uint8_t src_plen, dst_plen;
	struct in_addr src, dst;
	uint16_t sport, dport;		/* 0: any */
	uint8_t sa;			/* permit: index into the group's sas */
};

/* An IPsec SA proposal: what its TEKs are */
struct ks_sa_conf {
	char name[KS_NAME_MAX];
	char transform[TEK_TRANSFORM_STR_LEN];	/* "aes-cbc-256/hmac-sha256" */
	struct tek_transform t;
	unsigned lifetime;		/* seconds */
};

struct ks_kek_conf {
	bool set;
	uint16_t alg;			/* GDOI_KEK_ALG_* */
	uint16_t key_bits;
	unsigned lifetime;
	uint16_t sig_hash;		/* GDOI_SIG_HASH_* */
	uint16_t sig_bits;		/* RSA modulus bits */
	char *signing_key;		/* path */
	uint8_t *spki;			/* DER SubjectPublicKeyInfo */
	size_t spki_len;
	struct evp_pkey_st *pkey;	/* the private key: signs pushes */
};

enum ks_transport { KS_UNICAST = 1, KS_MULTICAST = 2 };
enum ks_schedule { KS_SCHED_CISCO = 1, KS_SCHED_JUNIPER = 2 };

/* GROUPKEY-PUSH (ks_rekey.c); pushes need the group's kek */
struct ks_rekey_conf {
	uint8_t transport;		/* enum ks_transport */
	uint8_t schedule;		/* enum ks_schedule */
	unsigned retransmit_period;	/* seconds */
	unsigned retransmissions;
	struct in_addr mcast;		/* multicast-group */
	struct in_addr mcast_src;	/* multicast-source; 0: listen address */
	unsigned mcast_ttl;
	unsigned heartbeat;		/* seconds; 0: off */
	unsigned pst_resync;		/* pseudotime-resync, seconds */
};

struct ks_prefix {
	struct in_addr addr;
	uint8_t plen;
};

struct ks_auth_conf {
	unsigned naddrs;
	struct ks_prefix *addrs;
	unsigned nids;
	char **ids;			/* "OU=gm*", "CN=gm-*,O=Example" */
};

/*
 * compat: the GDOI layout sent. RFC 3547 members (Juniper Group VPNv1)
 * want 1-byte SA TEK ID lengths, a 1-byte SA Attribute Next Payload, 6
 * bytes after the SA KEK SPI, no GAP, and ID_IPV4_ADDR for single addresses.
 */
enum ks_compat { KS_COMPAT_RFC6407 = 0, KS_COMPAT_RFC3547 = 1 };

struct ks_group_conf {
	char name[KS_NAME_MAX];
	uint32_t id;			/* 1..65535 */
	bool id_is_addr;		/* identity = "address" */
	struct in_addr id_addr;
	char *description;
	unsigned atd;			/* activation-time-delay, s */
	unsigned tbar;			/* tbar-window, s; 0 = off */
	unsigned sid_bits;		/* sender-id-bits, 1..16 */
	bool receive_only;
	uint8_t compat;			/* enum ks_compat */
	/*
	 * members = "mixed": vendor members too. Only RFC attributes are
	 * sent (none of gvpn's private 32001..32004), so no TBAR (tbar is 0)
	 * and no deny policies (gvpn's deny marker is private)
	 */
	bool mixed;
	unsigned npol;
	struct ks_policy *pol;
	unsigned nsa;
	struct ks_sa_conf *sa;
	struct ks_kek_conf kek;
	struct ks_rekey_conf rekey;
	struct ks_auth_conf auth;
	unsigned line;
};

struct ks_conf {
	bool set;			/* a "server" section exists */
	bool lab_timers;		/* top-level lab-timers */
	unsigned members_max;
	unsigned ngroups;
	struct ks_group_conf *groups;
};

struct cctx;
struct config_setting_t;

/* the "server" section (main/conf_ks.c): errors counted in c */
void conf_ks_parse(struct cctx *c, const struct config_setting_t *root);
void ks_conf_free(struct ks_conf *c);

#endif /* GVPN_KS_CONF_H */
