/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * The key server role (features.md 1.1, KS-xx): groups with ordered
 * policies, IPsec SAs (TEKs) and a KEK, handed to authorized members by
 * GROUPKEY-PULL through struct gdoi_ks_ops. Configuration: the "server"
 * section of gvpnd.conf (main/conf_ks.c, gvpnd.conf(5)).
 *
 * What goes on the wire (RFC 6407 5, RFC 2407 4.5), per group:
 *   SA KEK   KEK_ALGORITHM, KEY_LENGTH (bits), KEY_LIFETIME (remaining s),
 *            SIG_HASH_ALGORITHM, SIG_ALGORITHM (RSA), SIG_KEY_LENGTH (bits),
 *            GVPN_PUSH_INTERVAL (s: heartbeat, else pseudotime-resync);
 *            in a unicast push also KEK_ACK_REQUESTED (the codec adds it)
 *   SA TEK   one per policy, in policy order; a permit policy once for each
 *            of its live TEKs (its own: gvpn.ko binds an SA to a policy). IPsec DOI attributes: SA Life Type
 *            seconds + SA Life Duration (remaining s), Encapsulation Mode
 *            tunnel, Auth Algorithm (HMAC only), Key Length (AES, bits),
 *            Address Preservation source-and-destination, SA Direction
 *            receiver-only (receive-only groups); with a TBAR window the
 *            private TBAR_WINDOW, CLOCK (pseudotime) and PSEUDOTIME_MS (the
 *            group's pseudotime when the reply was built, at most
 *            KS_SNAP_MAX_AGE_MS earlier). A deny policy: an SA TEK with
 *            GVPN_BYPASS = 1 and the SPI and transform of the first
 *            permit policy's newest TEK (members install no SA for it).
 *   GAP      ACTIVATION_TIME_DELAY = ATD, DEACTIVATION_TIME_DELAY = 2 x ATD
 *   KD       a TEK key packet for every non-zero SPI (ALGORITHM_KEY: the
 *            cipher key, with the 4-byte salt for GCM; INTEGRITY_KEY: the
 *            HMAC key) and a KEK key packet (ALGORITHM_KEY, SIGNATURE_KEY:
 *            the DER SubjectPublicKeyInfo of the rekey signing key)
 *   SEQ      the group's rekey sequence number (with a KEK only)
 * A push (ks_rekey.c) carries the same SA and KD under the KEK.
 */
#ifndef GVPN_KS_H
#define GVPN_KS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <netinet/in.h>

#include "isakmp/isakmp.h"
#include "ks/ks_conf.h"

#define KS_SNAP_MAX_AGE_MS	250

/* --- runtime ------------------------------------------------------------- */

struct ks_tek {
	uint32_t spi;
	uint64_t created_ms, expires_ms;	/* on ks->now_ms() */
	uint8_t key[64];			/* enc key (+ salt), then auth key */
};

struct ks_sa_rt {
	unsigned ntek;			/* 0..2 */
	struct ks_tek tek[2];		/* [ntek - 1] is the newest */
};

struct ks_kek {
	uint8_t spi[16];
	uint64_t created_ms, expires_ms;
	uint8_t key[32];
	/* of the configuration it was made with (a reload may change it;
	 * the KEK rekey still goes out under the old one) */
	uint16_t alg, key_bits, sig_hash;
	struct evp_pkey_st *pkey;	/* a reference to the signing key */
};

struct ks_snap;
struct ks_sids;
struct ks_member;
struct ks_rekey;

/* what "ks show" reports of a group's pushes (ks_rekey.c) */
struct ks_push_stats {
	unsigned long rekeys;		/* rekey pushes (TEK, KEK, resync) */
	unsigned long kek_rekeys;
	unsigned long heartbeats;
	unsigned long copies;		/* datagrams sent, first copies */
	unsigned long retransmitted;	/* datagrams sent again */
	unsigned long acks;		/* valid ACKs of the push in flight */
	unsigned long acks_late;	/* valid, but not awaited */
	unsigned long acks_refused;	/* did not verify, unknown member */
	unsigned long ejected;
	unsigned long failed;		/* could not build a push */
	time_t last_rekey;		/* wall clock; 0: none yet */
	uint32_t last_seq;
	/* the last rekey push (not heartbeats): its SEQ and what it was,
	 * "tek", "kek" or "resync" (same keys, new pseudotime) */
	uint32_t last_rekey_seq;
	const char *last_rekey_kind;
};

struct ks_group {
	const struct ks_group_conf *c;
	/* per policy: gvpn.ko binds an SA to one policy, so each permit
	 * policy has TEKs of its own (of its ipsec-sa); denies have none */
	struct ks_sa_rt *teks;
	int first_permit;		/* a deny borrows its newest SPI */
	struct ks_kek kek;
	bool pst_started;
	uint64_t pst_start_ms;		/* pseudotime 0 */
	uint32_t seq;			/* rekey sequence number */
	unsigned nmembers;
	unsigned long regs;		/* completed registrations */
	unsigned long refused;
	unsigned long incomplete;	/* stopped after pull message 2 */
	struct ks_snap *snap;		/* what pulls get now */
	/* GROUPKEY-PUSH (ks_rekey.c): the KEK a KEK rekey replaced, kept
	 * (with its SEQ) until that rekey's ACK window closes */
	struct ks_kek prev_kek;
	bool has_prev_kek;
	uint32_t prev_seq;
	bool tek_unpushed, kek_unpushed;	/* new keys not pushed yet */
	struct ks_rekey *rk;
	struct ks_push_stats push;
	/* Sender IDs (ks_sid.c): allocated at the first request */
	struct ks_sids *sids;
	uint64_t tek_horizon_ms;	/* the latest expiry of any TEK made */
};

struct ks_stats {
	unsigned long pulls, regs, unknown_group, unauthorized, table_full,
		      failed;
	unsigned long acks_unknown_kek;	/* ACKs naming no group's KEK */
	/* registrations that stopped half-way (ks_incomplete) */
	unsigned long incomplete_no_pull, incomplete_no_msg3;
};

/*
 * A registration that stops half-way is logged at most once per member
 * address every KS_INCOMPLETE_LOG_MS (the next line says how many more
 * there were), for the last KS_INCOMPLETE_PEERS addresses; all are counted.
 */
#define KS_INCOMPLETE_LOG_MS	60000
#define KS_INCOMPLETE_PEERS	64

struct ks_incomplete_rl {
	struct in_addr addr;
	uint64_t last_ms;		/* on ks->now_ms(); 0: free slot */
	unsigned long suppressed;
};

struct sockaddr_in;

struct ks {
	const struct ks_conf *conf;
	unsigned ngroups;
	struct ks_group *groups;
	/* registered members: open hash on (group, address) */
	struct ks_member **mtab;
	unsigned mtab_size;
	unsigned nmembers;
	struct ks_stats stats;
	struct ks_incomplete_rl incomplete_rl[KS_INCOMPLETE_PEERS];
	uint64_t (*now_ms)(void);	/* monotonic ms; tests may replace it */
	time_t (*wall)(time_t *);	/* for registered-at; tests may replace */
	/* sending pushes, set after ks_init (main.c: net.c and the pcap
	 * capture; tests: recorders); send_mcast sets the TTL */
	int (*send)(const struct sockaddr_in *local,
		    const struct sockaddr_in *peer, const uint8_t *buf,
		    size_t len);
	int (*send_mcast)(const struct sockaddr_in *src,
			  const struct sockaddr_in *dst, unsigned ttl,
			  const uint8_t *buf, size_t len);
	void (*trace)(const struct sockaddr_in *src,
		      const struct sockaddr_in *dst, const uint8_t *buf,
		      size_t len);
	struct in_addr listen_addr;	/* multicast source by default */
	uint16_t port;			/* pushes go out from it */
	bool timers;			/* ev timers drive pushes (daemon) */
};

struct gdoi_ks_ops;
extern const struct gdoi_ks_ops ks_gdoi_ops;

/* Creates every group's KEK and TEKs (Cisco creates them when the group
 * is configured, not at the first registration). 0 or -errno. */
int ks_init(struct ks *ks, const struct ks_conf *conf);
void ks_fini(struct ks *ks);
struct ks_group *ks_group_by_id(struct ks *ks, uint32_t id);
/* ms of pseudotime now; 0 before the first registration */
uint64_t ks_pseudotime_ms(struct ks *ks, const struct ks_group *g);
/* "remaining" seconds of an expiry time, 0 when past */
unsigned ks_remaining(struct ks *ks, uint64_t expires_ms);

/* registered-member table (ks_member.c) */
enum ks_member_state { KS_MEMBER_ACTIVE = 0, KS_MEMBER_EJECTED = 1 };

struct ks_member {
	struct ks_member *next;
	struct in_addr addr;
	uint16_t group;			/* index into ks->groups */
	uint32_t count;			/* registrations */
	uint32_t sid;			/* its Sender ID, if has_sid */
	time_t first, last;		/* wall clock */
	/* unicast pushes go to addr:port from local (where it registered) */
	struct in_addr local;
	uint16_t port;			/* network order */
	uint8_t state;			/* enum ks_member_state */
	uint8_t misses;			/* consecutive rekeys not ACKed */
	bool pending;			/* the push in flight awaits its ACK */
	bool has_sid;
	uint8_t sid_bits;
	uint32_t acked_seq;		/* last push it ACKed */
	time_t acked_at;		/* wall clock; 0: never */
	char identity[];		/* Phase 1 identity, printable */
};

int ks_members_init(struct ks *ks);
void ks_members_fini(struct ks *ks);
struct ks_member *ks_member_find(struct ks *ks, unsigned group,
				 struct in_addr addr);
/* records a registration; NULL when out of memory */
struct ks_member *ks_member_add(struct ks *ks, unsigned group,
				struct in_addr addr, const char *identity);
/* calls fn for every member of group (all groups: -1), sorted by address */
int ks_members_walk(struct ks *ks, int group,
		    void (*fn)(struct ks *ks, const struct ks_member *m,
			       void *arg), void *arg);

/* calls fn for every member of group (index), in table order; fn may
 * change the member but not add or remove members */
void ks_members_each(struct ks *ks, unsigned group,
		     void (*fn)(struct ks *ks, struct ks_member *m, void *arg),
		     void *arg);
/* forgets every member of group (index): "clear group ID members" */
unsigned ks_members_clear(struct ks *ks, unsigned group);
/* forgets one member (its SID goes back): 0, or -ENOENT */
int ks_member_remove(struct ks *ks, unsigned group, struct in_addr addr);

/* keys and the pull answer, for ks_rekey.c (ks.c) */
/* drops expired keys and makes the ones due (TEK and KEK rekey times of
 * ks_rekey_at_ms, or due within horizon_ms); 1 if keys changed */
int ks_refresh_keys(struct ks *ks, struct ks_group *g, uint64_t horizon_ms);
/* a new TEK for every permit policy; with kek, a new KEK too (RK-03) */
int ks_new_keys(struct ks *ks, struct ks_group *g, bool kek);
/* the group's pull answer now (a reference) and its SA and KD */
struct ks_snap *ks_snap_get(struct ks *ks, struct ks_group *g,
			    struct gdoi_sa *sa, struct gdoi_kd *kd);
void ks_snap_put(struct ks_snap *s);
void ks_kek_forget(struct ks_group *g);	/* zeroes prev_kek */
/* the next pull builds its answer again (configuration changed) */
void ks_snap_retire(struct ks_group *g);

/* a new "server" section (SIGHUP, "daemon reload", ks_reload.c): the
 * same groups (ids, order, with or without kek), their settings may
 * change; changes features.md 3 lists as rekey triggers push a rekey now.
 * Nothing changes when it returns -EINVAL (why says what to restart for).
 * On success the groups point into nc: the caller keeps nc's memory (it
 * becomes ks->conf's contents) and frees the old section. */
int ks_reload(struct ks *ks, struct ks_conf *nc, char *why, size_t whylen);
/* The same in two steps, as gm_reload's: ks_reload_prepare() checks and
 * allocates (the new TEK lists): 0, or an error with why and nothing
 * changed. Then ks_reload_commit(), which cannot fail, or
 * ks_reload_abort(). */
struct ks_reload_prep {
	struct ks_sa_rt **teks;		/* per group: new TEK lists, or NULL */
};
int ks_reload_prepare(struct ks *ks, const struct ks_conf *nc,
		      struct ks_reload_prep *p, char *why, size_t whylen);
void ks_reload_commit(struct ks *ks, struct ks_conf *nc,
		      struct ks_reload_prep *p);
void ks_reload_abort(struct ks *ks, struct ks_reload_prep *p);

/* GROUPKEY-PUSH (ks_rekey.c) */
/* when a key made at created_ms with lifetime (s) is replaced: RK-08
 * (Cisco: lifetime - tek_rekey_offset, with retransmissions and, unicast,
 * ceil(N / 50) x 5 s) or RK-09 (Juniper: lifetime - 4 x ATD) */
uint64_t ks_rekey_at_ms(const struct ks_group *g, uint64_t created_ms,
			unsigned lifetime);
/* the RK-08 offset in seconds (half the lifetime at most) */
unsigned ks_rekey_offset(unsigned lifetime, unsigned retransmissions,
			 unsigned period, bool unicast, unsigned members);
int ks_rekey_init(struct ks *ks);	/* after ks_init; 0 or -ENOMEM */
void ks_rekey_fini(struct ks *ks);
/* arms the event-loop timers (the daemon) */
void ks_rekey_start(struct ks *ks);
/* does what is due now for every group; returns the next ks->now_ms()
 * at which something is due (tests call it instead of the timers) */
uint64_t ks_rekey_run(struct ks *ks);
/* something changed (keys, members): reconsider the group's timer */
void ks_rekey_kick(struct ks *ks, struct ks_group *g);
/* when the next TEK or KEK rekey is due (UINT64_MAX: no pushes) */
uint64_t ks_rekey_next_ms(const struct ks_group *g);
/* members that owe an ACK of the rekey in flight (0: none in flight) */
unsigned ks_rekey_acks_outstanding(const struct ks_group *g);
/* the next rekey push goes unicast whatever the transport (a transport
 * change is announced on the old path to members that have not joined) */
void ks_rekey_unicast_once(struct ks_group *g);
/* a rekey now ("ks rekey group ID [ kek ]", a reload); why for the log
 * (NULL: by command). 0, or -errno */
int ks_rekey_force(struct ks *ks, struct ks_group *g, bool kek,
		   const char *why);
/* the GROUPKEY-PUSH ACK receiver (ks_gdoi_ops.push_ack) */
void ks_push_ack(void *arg, const struct sockaddr_in *local,
		 const struct sockaddr_in *peer, const struct isakmp_hdr *h,
		 const uint8_t *msg, size_t len);
/* "clear group ID members": forgets them; how many */
unsigned ks_rekey_clear_members(struct ks *ks, struct ks_group *g);
/* "ks remove-member group ID ADDRESS": forgets one member, which owes no
 * ACK any more and gets no further unicast copies; 0, or -ENOENT */
int ks_rekey_remove_member(struct ks *ks, struct ks_group *g,
			   struct in_addr addr);
/* a member registered: it has the keys, active again */
void ks_rekey_member_registered(struct ks *ks, struct ks_member *m);

/*
 * Sender IDs (ks_sid.c, RFC 6054): per group, 2^sender-id-bits of them.
 * Each registration that asks gets a fresh one; a SID given back (the
 * member registered again, was ejected or cleared) is not handed out
 * again before every TEK made so far has expired (tek_horizon_ms), so no
 * SID is ever used by two members under one TEK.
 */
/* does a permit policy of g use a counter-mode transform (GCM)? */
bool ks_group_counter_mode(const struct ks_group *g);
/* a free SID for a registration in progress: 0, or -ENOSPC (logged
 * %GDOI-3-KS_SID_EXHAUSTED with who was refused), -ENOMEM */
int ks_sid_alloc(struct ks *ks, struct ks_group *g, const char *who,
		 uint32_t *sid);
/* gives a SID back: free again once every TEK made so far expired */
void ks_sid_release(struct ks *ks, struct ks_group *g, uint32_t sid);
/* a member's SID (if any) goes back; m->has_sid becomes false */
void ks_member_sid_release(struct ks *ks, struct ks_member *m);
/* counts for "ks show": held, waiting for TEKs to expire, all */
void ks_sid_counts(struct ks *ks, const struct ks_group *g, unsigned *held,
		   unsigned *waiting, unsigned *size);
void ks_sids_free(struct ks_group *g);

/* control commands (ks_ctl.c): "ks show", "ks members" */
int ks_ctl_register(struct ks *ks);
/* what those print (ks_show.c), with lib/json.c, on the current document;
 * -ENOENT for an unknown group */
int ks_print_show(struct ks *ks, int group_id);
int ks_print_members(struct ks *ks, int group_id);

/* does the subject of a certificate (one-line RFC 2253 form) match the
 * pattern "K=V[,K=V...]"? Every component must match an RDN of the
 * subject: key case-insensitive, value an fnmatch(3) pattern. */
bool ks_dn_match(const char *pattern, const char *const *rdn_keys,
		 const char *const *rdn_vals, unsigned nrdn);

#endif /* GVPN_KS_H */
