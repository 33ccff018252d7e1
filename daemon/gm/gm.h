/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * The group member role (GM-xx): per configured group, register with its
 * key servers in order (Phase 1, then GROUPKEY-PULL), fail over between
 * them, install what was downloaded into gvpn.ko and re-register before the
 * TEKs expire.
 *
 *   gm.c         registration, failover, re-registration, logs
 *   gm_tek.c     pure: SA TEK + KD -> what to install (scope, transforms,
 *                kernel SAs), the failover schedule
 *   gm_kernel.c  gvpn.ko over generic netlink
 *   gm_p1.c      the Phase 1 SAs with the key servers: reuse, deletion
 *   gm_ctl.c     "gm show", "gm register", "clear group"
 */
#ifndef GVPN_GM_H
#define GVPN_GM_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>

#include "core/loop.h"
#include "gdoi/gdoi.h"
#include "gm_conf.h"
#include "gvpn_nl.h"
#include "tek_alg.h"

/* Policy ids of a group in gvpn.ko */
#define GM_POLICY_LOCAL_BASE	1u	/* deny rules */
#define GM_POLICY_KS_REACH_BASE	1001u	/* clear path to the key servers */
#define GM_POLICY_FAIL_BASE	2001u	/* fail rules */
#define GM_POLICY_KS_BASE	65536u	/* downloaded, counting up */

/* One SA TEK as the member understood it */
struct gm_tek {
	bool bypass;			/* a KS deny policy: no SA */
	bool in_scope;			/* passes the member's scope rules */
	struct gm_sel sel;
	uint32_t spi;
	struct tek_transform t;
	uint32_t lifetime_s;		/* 0: none given */
	bool recv_only;			/* SA_DIRECTION receiver */
	uint32_t tbar_window;		/* 0: no TBAR */
	uint8_t clock;			/* enum gvpn_clock */
	bool has_pseudotime;
	uint64_t pseudotime_ms;
	/* from the KD */
	uint8_t enc_key[GVPN_KEY_MAX];
	uint8_t auth_key[GVPN_KEY_MAX];
};

/* The KEK, kept for the rekey issue (GROUPKEY-PUSH) */
struct gm_kek {
	bool present;
	uint8_t spi[GDOI_KEK_SPI_LEN];
	uint16_t alg, key_bits, sig_hash, sig_alg;
	uint32_t lifetime_s;
	uint64_t expires_ms;		/* monotonic */
	size_t key_len, sig_key_len;
	uint8_t key[64];
	uint8_t *sig_key;		/* public key (DER), malloc'ed */
};

/* What a registration brought: decoded and checked, nothing installed */
struct gm_plan {
	unsigned n;
	struct gm_tek tek[GDOI_MAX_TEKS];
	uint32_t atd_ms;		/* GAP activation time delay */
	bool has_seq;
	uint32_t seq;
	struct gm_kek kek;
};

/*
 * Builds a plan from a pull result. Returns 0, or a negative errno with
 * why and *cisco set to the Cisco message name that fits:
 * -EPROTONOSUPPORT UNSUPPORTED_TEK_PROTO, -ENOTSUP / -EBADMSG
 * GM_REJECTING_SA_PAYLOAD. The plan holds keys: gm_plan_wipe() it.
 */
int gm_plan_build(const struct gm_group_conf *gc,
		  const struct gdoi_pull_result *r, struct gm_plan *p,
		  const char **cisco, char *why, size_t len);
void gm_plan_wipe(struct gm_plan *p);
/*
 * The SA payload alone (message 2, before any key is sent): every TEK is
 * ESP with an acceptable transform. Same errors as gm_plan_build(), so the
 * member can refuse before the server counts it as registered (KS-05).
 */
int gm_sa_check(const struct gm_group_conf *gc, const struct gdoi_sa *sa,
		const char **cisco, char *why, size_t len);
/* Decodes one SA TEK's selectors and attributes (no keys) */
int gm_tek_decode(const struct gdoi_sat *t, struct gm_tek *k, char *why,
		  size_t len);
/* t is in the acceptable list (an empty list accepts all) */
bool gm_transform_ok(const struct gm_group_conf *gc,
		     const struct tek_transform *t);
/* sel falls inside one of the scope rules (none: everything does) */
bool gm_in_scope(const struct gm_group_conf *gc, const struct gm_sel *sel);

/*
 * The policies a group gets before registering: deny rules (origin local,
 * ids from GM_POLICY_LOCAL_BASE), a clear path to each key server (local,
 * GM_POLICY_KS_REACH_BASE), and with a fail mode the fail rules then one
 * per key server (origin fail, GM_POLICY_FAIL_BASE). group_id is left 0.
 */
#define GM_SETUP_POLICIES_MAX	(GM_MAX_DENY + GM_MAX_SERVERS + \
				 GM_MAX_FAIL_RULES)
unsigned gm_setup_policies(const struct gm_group_conf *gc,
			   struct gvpn_policy *out);

/* Kernel objects from configuration and plan */
void gm_sel_to_policy(const struct gm_sel *s, struct gvpn_policy *p);
void gm_tek_to_sa(const struct gm_tek *k, uint16_t group, uint32_t policy,
		  bool passive, struct gvpn_sa *sa);

/*
 * Failover (GM-05): tries retries times per server, interval apart, then
 * the next server, round and round. gm_failover_next() moves to the next
 * try and returns the server index of it.
 */
struct gm_failover {
	unsigned server;		/* index in the group's servers */
	unsigned tries;			/* made with it in this round */
	unsigned long total;		/* tries since the last success */
};
void gm_failover_reset(struct gm_failover *f);
unsigned gm_failover_next(struct gm_failover *f, unsigned retries,
			  unsigned nservers);

/* When to re-register (monotonic ms) for TEKs expiring at expires_ms */
uint64_t gm_reregister_at(uint64_t now_ms, uint64_t expires_ms,
			  uint32_t lifetime_s);

/* --- runtime --------------------------------------------------------- */

enum gm_state {
	GM_IDLE,		/* waiting for the next try */
	GM_PHASE1,		/* Phase 1 under way */
	GM_PULL,		/* GROUPKEY-PULL under way */
	GM_REGISTERED,
};

/* An SA the member installed, as it knows it */
struct gm_ksa {
	uint32_t spi;
	uint32_t policy_id;
	struct tek_transform t;
	uint64_t expires_ms;		/* monotonic; 0: no lifetime */
	uint64_t gone_ms;		/* deactivation scheduled; 0: none */
	bool recv_only;
};

/* A KS policy the member installed */
struct gm_kpol {
	uint32_t id;
	struct gm_sel sel;
	bool bypass;
	bool current;			/* in the last registration */
};

struct gm_ctx;

struct gm_group {
	struct gm_ctx *gm;
	const struct gm_group_conf *c;
	enum gm_state state;
	struct gm_failover fo;
	struct ike_sa *sa;		/* the try's Phase 1 SA */
	bool p1_reused;			/* the try runs over a kept SA */
	bool p1_fresh;			/* the next try negotiates a new SA */
	bool p1_retry;			/* ... and is the same try again */
	unsigned attempt;		/* id of the try under way */
	uint64_t try_start_ms;
	struct ev_timer timer;		/* next try, or re-registration */
	struct ev_timer gc_timer;	/* policies left over from a rekey */
	bool kernel_ok;			/* group set up in gvpn.ko */
	bool registered_once;
	unsigned long registrations, failures;
	int cur_server;			/* -1: none yet */
	struct in_addr local;		/* address used to register */
	uint64_t registered_ms;
	uint64_t rereg_ms;		/* when re-registration is due */
	struct gm_kek kek;
	bool has_seq;
	uint32_t seq;
	unsigned nsa;
	struct gm_ksa sas[2 * GDOI_MAX_TEKS];
	unsigned npol;
	struct gm_kpol pols[2 * GDOI_MAX_TEKS];
	uint32_t next_policy_id;
	char last_error[256];
};

struct gm_ctx {
	const struct gm_conf *conf;
	struct ike_ctx *ike;
	struct gdoi_ctx *gdoi;
	struct genl_sock *nl;		/* NULL: gvpn.ko not reachable */
	unsigned ngroups;
	struct gm_group *groups;
};

int gm_init(struct gm_ctx *gm, const struct gm_conf *conf,
	    struct ike_ctx *ike, struct gdoi_ctx *gdoi);
void gm_fini(struct gm_ctx *gm);
/* Register now (control "gm register", "clear group") */
int gm_register_now(struct gm_group *grp, bool clear, char *err,
		    size_t len);
struct gm_group *gm_group_find(struct gm_ctx *gm, uint16_t id);
const char *gm_state_name(enum gm_state s);

/* gm_kernel.c */
int gm_k_open(struct gm_ctx *gm);
void gm_k_close(struct gm_ctx *gm);
/* Group, devices, local rules, fail mode: before registration */
int gm_k_setup(struct gm_group *grp, char *err, size_t len);
/* Installs a plan; the previous state stays intact on failure */
int gm_k_install(struct gm_group *grp, struct gm_plan *p, char *err,
		 size_t len);
/* Removes the policies that the last install left behind */
void gm_k_gc(struct gm_group *grp);
/* Drops every downloaded policy and SA of the group */
int gm_k_flush(struct gm_group *grp, char *err, size_t len);

/* gm_p1.c: the member's Phase 1 SAs (see there) */
/* Lifetime an SA must have left to carry another registration */
uint64_t gm_p1_margin_ms(const struct ike_conf *conf);
/* The established SA with pc (from local, if given) to register over:
 * the one with the most lifetime left beyond the margin, or NULL */
struct ike_sa *gm_p1_reusable(struct ike_ctx *ike, const struct ike_peer *pc,
			      const struct sockaddr_in *local);
/* Deletes the established SAs no group will reuse: with a server no group
 * is registered with or trying, and all but the newest per server */
void gm_p1_gc(struct gm_ctx *gm);
/* A try over sa failed with err (gdoi_pull_cb's): sa goes, unless it is
 * being freed or carries another group's pull */
void gm_p1_failed(struct ike_sa *sa, int err);

/* gm_ctl.c */
void gm_ctl_register(struct gm_ctx *gm);

#endif /* GVPN_GM_H */
