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
 *                kernel SAs), the re-registration time
 *   gm_ks.c      pure: the failover schedule between key servers
 *   gm_kernel.c  gvpn.ko over generic netlink
 *   gm_p1.c      the Phase 1 SAs with the key servers: reuse, deletion
 *   gm_ctl.c     "gm show", "gm register", "clear group"
 *   gm_push.c    GROUPKEY-PUSH rekeys: checks, install, ACK, multicast
 *                reception, heartbeat detection
 *   gm_reload.c  a new member section while running (SIGHUP)
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

/* the longest Sender ID gvpn.ko takes (GVPN_A_SA_SID_BITS) */
#define GM_SID_BITS_MAX		16

/* Policy ids of a group in gvpn.ko */
#define GM_POLICY_LOCAL_BASE	1u	/* deny rules */
#define GM_POLICY_KS_REACH_BASE	1001u	/* clear path to the key servers */
#define GM_POLICY_FAIL_BASE	2001u	/* fail rules */
#define GM_POLICY_KS_BASE	65536u	/* downloaded, counting up */

/* One SA TEK as the member understood it */
#define GM_TEK_ZERO_ADDR_PRES	0x1
#define GM_TEK_ZERO_SA_DIR	0x2

struct gm_tek {
	bool bypass;			/* a KS deny policy: no SA */
	bool in_scope;			/* passes the member's scope rules */
	struct gm_sel sel;
	uint32_t spi;
	struct tek_transform t;
	uint32_t lifetime_s;		/* 0: none given */
	bool recv_only;			/* SA_DIRECTION receiver */
	/* ADDRESS_PRESERVATION / SA_DIRECTION sent as 0 (reserved), as RFC
	 * 3547 key servers do, and taken as not sent: GM_TEK_ZERO_* */
	uint8_t rfc3547_zero;
	bool id_len8;			/* RFC 3547 SA TEK layout */
	uint32_t tbar_window;		/* 0: no TBAR */
	uint8_t clock;			/* enum gvpn_clock */
	/* counter mode (GCM): the member's Sender ID goes with the SA; with
	 * none (and no legacy-iv) the SA is installed receive-only */
	bool counter_mode;
	bool has_sid;
	bool no_sid;			/* made receive-only for want of one */
	uint8_t sid_bits;
	uint32_t sid;
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
	uint32_t push_interval_s;	/* GVPN_PUSH_INTERVAL; 0: not sent */
	struct in_addr dst;		/* SA KEK destination: rekey address */
	uint16_t dst_port;		/* 0: not given */
};

/* What a registration brought: decoded and checked, nothing installed */
struct gm_plan {
	unsigned n;
	struct gm_tek tek[GDOI_MAX_TEKS];
	uint32_t atd_ms;		/* GAP activation time delay */
	uint32_t dtd_ms;		/* GAP deactivation time delay; 0: none */
	bool has_seq;
	uint32_t seq;
	struct gm_kek kek;
	/* the Sender ID the key server gave (RFC 6407 5.6.3), for every
	 * counter-mode TEK; sid_requested: message 3 asked for it */
	bool sid_requested;
	bool has_sid;
	uint8_t sid_bits;
	uint32_t sid;
	unsigned no_sid;		/* TEKs made receive-only (no SID) */
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
/*
 * Whether a plan came from an RFC 3547 key server (an SA TEK with 1-byte ID
 * lengths, reserved 0 ADDRESS_PRESERVATION / SA_DIRECTION taken as not
 * sent); what says which, for the log.
 */
bool gm_plan_rfc3547(const struct gm_plan *p, char *what, size_t len);
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
/* the server the next gm_failover_next() returns, without moving */
unsigned gm_failover_peek(const struct gm_failover *f, unsigned retries,
			  unsigned nservers);
/* The next gm_failover_next() moves on to the server after server (its
 * key server went silent: HB-02); with one server, it again */
void gm_failover_after(struct gm_failover *f, unsigned server,
		       unsigned retries, unsigned nservers);

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

/* Why a push was refused (counted per reason, shown by "gm show") */
enum gm_push_reject {
	GM_PUSH_REJ_FAILURE,	/* GDOI_REKEY_FAILURE: decrypt, decode, sig */
	GM_PUSH_REJ_SEQ,	/* GDOI_REKEY_SEQ_FAILURE */
	GM_PUSH_REJ_SA,		/* GM_REJECTING_SA_PAYLOAD */
	GM_PUSH_REJ_PST,	/* PSEUDO_TIME_TOO_OLD */
	GM_PUSH_REJ_INSTALL,	/* gvpn.ko refused the keys */
	GM_PUSH_REJ_MAX,
};

enum gm_push_transport {
	GM_TRANS_NONE,		/* no push received yet */
	GM_TRANS_UNICAST,
	GM_TRANS_MULTICAST,
};

#define GM_RETIRED_MAX	32

/* The member's side of GROUPKEY-PUSH (gm_push.c), per group */
struct gm_push_state {
	struct gm_kek prev_kek;		/* replaced by a KEK rekey: its
					 * retransmissions are duplicates */
	uint64_t prev_kek_until_ms;
	uint32_t prev_kek_seq;		/* the seq of the KEK rekey itself */
	bool seq_reset;			/* new KEK: any seq >= 1 is next */
	enum gm_push_transport transport;
	uint64_t last_rekey_ms;		/* monotonic; 0: none */
	uint32_t last_seq;
	uint32_t last_rekey_seq;	/* of the last rekey (not heartbeat) */
	bool last_rekey_mcast;		/* ... received by multicast */
	/* pseudotime (TB-12): the key server's clock at pst_at_ms */
	bool pst_valid;
	uint64_t pst_ms, pst_at_ms;
	uint32_t pst_window_s;
	/* heartbeat detection (HB-02) */
	struct ev_timer hb_timer;
	uint64_t hb_deadline_ms;	/* 0: not watching */
	/* multicast reception: the socket joined to the KEK's address */
	int mc_fd;
	struct in_addr mc_addr;
	uint16_t mc_port;
	unsigned long rx, installed, heartbeats, acks, duplicates;
	unsigned long rejected[GM_PUSH_REJ_MAX];
	unsigned long hb_losses;
	/* SAs this member retired (superseded, or named by a Delete): a key
	 * server lists an old TEK until it expires, and installing it again
	 * would make it the newest SA of its policy */
	uint32_t retired[GM_RETIRED_MAX];
	unsigned nretired, retired_next;
};

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
	/* the Sender ID of the last registration (RFC 6054): counter-mode
	 * TEKs of later pushes are installed with it too */
	bool has_sid;
	uint8_t sid_bits;
	uint32_t sid;
	unsigned nsa;
	struct gm_ksa sas[2 * GDOI_MAX_TEKS];
	unsigned npol;
	struct gm_kpol pols[2 * GDOI_MAX_TEKS];
	uint32_t next_policy_id;
	char last_error[256];
	struct gm_push_state push;
	bool rfc3547_logged;		/* RFC 3547 layout/values noted once */
	bool left;			/* removed by a reload (gm_reload.c) */
};

struct gm_ctx {
	const struct gm_conf *conf;
	struct ike_ctx *ike;
	struct gdoi_ctx *gdoi;
	struct genl_sock *nl;		/* NULL: gvpn.ko not reachable */
	unsigned ngroups;
	struct gm_group **groups;
	unsigned long push_unknown;	/* pushes naming no group's KEK */
	/* groups a reload removed during a GROUPKEY-PULL: kept (with a
	 * copy of their configuration) until the pull's callback, which
	 * still names them, ends (gm_left_free()); others are freed at once */
	unsigned nleft;
	struct gm_group **left;
};

int gm_init(struct gm_ctx *gm, const struct gm_conf *conf,
	    struct ike_ctx *ike, struct gdoi_ctx *gdoi);
void gm_fini(struct gm_ctx *gm);
/* A group's runtime (timers, push state), not started */
struct gm_group *gm_group_new(struct gm_ctx *gm,
			      const struct gm_group_conf *c);
/* Its first try: gvpn.ko set up, then registration */
void gm_group_start(struct gm_group *grp);
/* Stops everything of grp (timers, push state, a try under way); its
 * kernel group is the caller's (gm_k_teardown()) */
void gm_group_leave(struct gm_group *grp);
/* Ends the try under way (Phase 1 or pull) without a word: the group is
 * idle, nothing of the try calls it back but a pull's callback, which
 * stops. Returns the try's Phase 1 SA (the caller's to delete), or NULL */
struct ike_sa *gm_try_abandon(struct gm_group *grp);
/* Frees a left group (in gm->left) and the copy of its configuration */
void gm_left_free(struct gm_group *grp);
/* Register now (control "gm register", "clear group") */
int gm_register_now(struct gm_group *grp, bool clear, char *err,
		    size_t len);
struct gm_group *gm_group_find(struct gm_ctx *gm, uint16_t id);
const char *gm_state_name(enum gm_state s);

/* gm_kernel.c */
/* Unit tests: when set, every gvpn.ko request goes to it instead of the
 * netlink socket (0 or a negative errno, as gvpn.ko would answer) */
extern int (*gm_k_request_hook)(uint8_t cmd, const void *obj);
int gm_k_open(struct gm_ctx *gm);
void gm_k_close(struct gm_ctx *gm);
/* Group, devices, local rules, fail mode: before registration */
int gm_k_setup(struct gm_group *grp, char *err, size_t len);
/* logs what a plan's Sender ID means for the group's counter-mode TEKs
 * (none given: GM_NO_SENDER_ID, installed receive-only) */
void gm_log_sid(const struct gm_group *grp, const struct gm_plan *p);

/* Installs a plan; the previous state stays intact on failure */
int gm_k_install(struct gm_group *grp, struct gm_plan *p, char *err,
		 size_t len);
/* Removes the policies that the last install left behind */
void gm_k_gc(struct gm_group *grp);
/* Deletes the group from gvpn.ko: its devices, policies and SAs */
int gm_k_teardown(struct gm_group *grp, char *err, size_t len);
/* The group's settings (df-bit, fail mode, passive, legacy-iv) and its
 * local and fail rules from grp->c, replacing those of old (a changed
 * rule gvpn.ko refuses: the old one put back), passive set on each SA
 * installed too; downloaded policies untouched (reload). 0, or the first
 * error with err: the rest applied */
int gm_k_reconf(struct gm_group *grp, const struct gm_group_conf *old,
		char *err, size_t len);
/* Drops every downloaded policy and SA of the group */
int gm_k_flush(struct gm_group *grp, char *err, size_t len);
/* An SA named by a Delete payload (GM-16): removed after delay_ms (0: now) */
int gm_k_sa_retire(struct gm_group *grp, uint32_t spi, uint32_t delay_ms,
		   char *err, size_t len);
/* The group's TBAR clock set to the key server's pseudotime (TB-12) */
int gm_k_pseudotime(struct gm_group *grp, uint32_t window_s, uint8_t clock,
		    uint64_t pst_ms, char *err, size_t len);

/* Re-arms the re-registration timer from the installed keys' expiry */
void gm_reregister_schedule(struct gm_group *grp);

/* gm_push.c */
/* The receiver of GROUPKEY-PUSH messages (gdoi_ctx.gm_push; arg: gm) */
void gm_push_input(void *arg, const struct sockaddr_in *local,
		   const struct sockaddr_in *peer, const struct isakmp_hdr *h,
		   const uint8_t *msg, size_t len);
void gm_push_init(struct gm_ctx *gm);
void gm_push_group_init(struct gm_group *grp);
/* heartbeat-threshold changed: the deadline again */
void gm_push_hb_reconf(struct gm_group *grp);
void gm_push_group_fini(struct gm_group *grp);
/* After a registration installed p (KEK, SEQ, pseudotime in place) */
void gm_push_registered(struct gm_group *grp, const struct gm_plan *p);
/* The group's keys were cleared: forget the push state */
void gm_push_clear(struct gm_group *grp);
const char *gm_push_reject_name(enum gm_push_reject r);
const char *gm_push_transport_name(enum gm_push_transport t);

/*
 * The pure checks of a push, in the order they run (after the signature).
 * Sequence (GM-18, RK-12): 0 accept, -1 replay (seq <= last).
 */
int gm_push_seq_check(bool has_seq, uint32_t last, bool reset, uint32_t seq);
/*
 * Pseudotime (TB-12): the member's own PST (mine_ms) against the push's
 * (peer_ms), allowable skew min(window, 30 s). 0 accept, 1 accept but
 * larger than allowed (PSEUDO_TIME_LARGE), -1 too old (PSEUDO_TIME_TOO_OLD).
 */
int gm_push_pst_check(uint64_t mine_ms, uint64_t peer_ms, uint32_t window_s,
		      uint32_t *skew_ms);
/* The heartbeat deadline (HB-02) from now: 0 when not watching */
uint64_t gm_push_hb_deadline(uint64_t now_ms, uint32_t interval_s,
			     unsigned threshold);
/*
 * The TEK SAs a Delete payload names among sas (SPI 0: all of them):
 * their SPIs into out (room for nsa). Returns how many; -1 if it names
 * the KEK (16-byte SPIs: kek_spi or all zero), -2 if it is neither.
 */
int gm_push_del_select(const struct isakmp_delete_pl *d,
		       const struct gm_ksa *sas, unsigned nsa,
		       const uint8_t kek_spi[GDOI_KEK_SPI_LEN], uint32_t *out);

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
/* A try over sa failed with err (gdoi_pull_cb's, or gm_plan_build()'s):
 * sa goes, unless it is being freed, carries another group's pull, or the
 * key server's answer was refused (gm_p1_answer_refused()) */
void gm_p1_failed(struct ike_sa *sa, int err);
/* err says the key server answered, authentically, with what the member
 * cannot parse or will not take (-EBADMSG, -EPROTO, -ENOTSUP,
 * -EPROTONOSUPPORT): the try failed, its Phase 1 SA is fine */
bool gm_p1_answer_refused(int err);

/* gm_ctl.c */
void gm_ctl_register(struct gm_ctx *gm);
/* "gm show detail" (gm_detail.c): a group's key servers and its Phase 1
 * SA, printed inside the group's object */
void gm_print_detail(const struct gm_group *grp);

#endif /* GVPN_GM_H */
