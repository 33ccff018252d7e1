/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * GDOI exchanges (RFC 6407 3) over an established IKEv1 Phase 1 SA.
 * GROUPKEY-PULL, both roles:
 *
 *   GM                                   KS
 *   HDR*, HASH(1), Ni, ID          -->
 *                                  <--   HDR*, HASH(2), Nr, SA
 *   HDR*, HASH(3) [, CERT, POP] [, GAP]  -->   (GAP: SENDER_ID_REQUEST)
 *                                  <--   HDR*, HASH(4) [, CERT, POP], [SEQ,] KD
 *                                        (KD: + a SID key packet)
 *
 * This layer owns the messages, hashes, IVs and proof of possession; what
 * goes into SA and KD, and what a member does with them, belongs to the key
 * server (ks/) and group member (gm/) roles through the callbacks below.
 */
#ifndef GVPN_GDOI_H
#define GVPN_GDOI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/ike.h"
#include "isakmp/isakmp.h"

/* A group identity as carried in the ID payload: ID_KEY_ID (Cisco and
 * Juniper send the group number as 4 bytes in network order) or
 * ID_IPV4_ADDR. */
struct gdoi_group_id {
	uint8_t type;			/* ISAKMP_ID_KEY_ID or _IPV4_ADDR */
	uint32_t id;			/* group number, host order */
	struct in_addr addr;		/* for ISAKMP_ID_IPV4_ADDR */
};

/*
 * What a key server answers to a pull: the SA payload (KEK, TEKs, GAP), the
 * KD with the keys of every SPI in it, and the rekey sequence number (SEQ is
 * sent when has_seq). Payload structures point into memory the role keeps
 * alive until done() is called.
 */
struct gdoi_pull_reply {
	struct gdoi_sa sa;
	struct gdoi_kd kd;
	bool has_seq;
	uint32_t seq;
	/* the member's Sender IDs (sid.n 0: none), set by ops->sid when
	 * message 3 asked for them; the layer adds their key packet to KD */
	struct gdoi_sid sid;
};

/* What a member received, decoded and checked (hashes, POP, every SPI of the
 * SA payload has its keys in KD). Valid only during the callback. */
struct gdoi_pull_result {
	struct gdoi_group_id group;
	struct gdoi_sa sa;
	struct gdoi_kd kd;
	bool has_seq;
	uint32_t seq;
	/* Sender IDs: asked for in message 3 (message 2's SA has a
	 * counter-mode TEK), and what the KD's SID key packet gave (sid.n 0:
	 * none) */
	bool sid_requested;
	struct gdoi_sid sid;
};

struct gdoi_ks_ops {
	/*
	 * A member asks for a group's keys. Return 0 with *r filled in, or a
	 * negative errno with why set: -ENOENT (unknown group), -EACCES (not
	 * authorized: the role logs UNAUTHORIZED_IPADDR/_IDENTITY itself).
	 * The peer's address and certificate are in sa (sa->peer,
	 * sa->peer_cert, sa->peer_id).
	 */
	int (*pull)(void *arg, struct ike_sa *sa,
		    const struct gdoi_group_id *group, struct gdoi_pull_reply *r,
		    char *why, size_t whylen);
	/*
	 * Message 3's GAP asks for nreq Sender IDs (RFC 6407 5.5.2): fill in
	 * r->sid (n 0: the group gives none), or return a negative errno with
	 * why set (-ENOSPC: the SID space is exhausted, the role logs it);
	 * the registration is then refused and done() gets the error. NULL:
	 * requests are ignored.
	 */
	int (*sid)(void *arg, struct ike_sa *sa,
		   const struct gdoi_group_id *group, struct gdoi_pull_reply *r,
		   unsigned nreq, char *why, size_t whylen);
	/* the exchange ended: err 0 when message 4 went out. Called once for
	 * every pull() that returned 0, never after a refusal. */
	void (*done)(void *arg, struct ike_sa *sa,
		     const struct gdoi_group_id *group,
		     struct gdoi_pull_reply *r, int err);
	/*
	 * A member's Phase 1 SA (we responded) saw no GROUPKEY-PULL message
	 * for twice as long as a member retransmits after it was
	 * established, or went away before one came: the registration
	 * stopped after Phase 1 (gdoi_sa_established arms the watch). NULL:
	 * not watched.
	 */
	void (*no_pull)(void *arg, struct ike_sa *sa);
	/* a GROUPKEY-PUSH ACK (RFC 8263) as received, header decoded; the
	 * role finds the KEK by the cookies and checks it (gdoi_push.h).
	 * NULL: ACKs are dropped. */
	void (*push_ack)(void *arg, const struct sockaddr_in *local,
			 const struct sockaddr_in *peer,
			 const struct isakmp_hdr *h, const uint8_t *msg,
			 size_t len);
};

/* The member's receiver of GROUPKEY-PUSH messages (gdoi_ctx.gm_push) */
typedef void (*gdoi_gm_push_fn)(void *arg, const struct sockaddr_in *local,
				const struct sockaddr_in *peer,
				const struct isakmp_hdr *h, const uint8_t *msg,
				size_t len);

struct gdoi_stats {
	unsigned long pull_rx, pull_ok, pull_failed, bad_hash, bad_payload;
	unsigned long push_no_role;	/* push or ACK without its role */
	unsigned long replayed;		/* message 1 of a used M-ID */
	unsigned long no_pull;		/* Phase 1 SAs that pulled nothing */
};

struct gdoi_ctx {
	struct ike_ctx *ike;
	const struct gdoi_ks_ops *ks;	/* NULL: no key server role */
	void *ks_arg;
	gdoi_gm_push_fn gm_push;	/* NULL: no member role */
	void *gm_arg;
	struct gdoi_stats stats;
	bool closing;		/* shutting down: SAs going are not no_pull */
};

/* The total time a peer keeps retransmitting under the ike conf: the
 * longest a pull can take before it times out */
uint64_t gdoi_rtx_total(const struct ike_conf *conf);

/* Hooks the GDOI layer into ike: call from ike_ops.phase2 and .gone */
void gdoi_init(struct gdoi_ctx *g, struct ike_ctx *ike,
	       const struct gdoi_ks_ops *ks, void *ks_arg);
void gdoi_phase2(struct gdoi_ctx *g, struct ike_sa *sa,
		 const struct isakmp_hdr *h, const uint8_t *msg, size_t len);
void gdoi_sa_gone(struct gdoi_ctx *g, struct ike_sa *sa);
/* From ike_ops.established: with a key server role, a Phase 1 SA a member
 * initiated is watched for its first GROUPKEY-PULL (ks->no_pull) */
void gdoi_sa_established(struct gdoi_ctx *g, struct ike_sa *sa);
/* From ike_ops.push: a GROUPKEY-PUSH goes to the member role, its ACK to
 * the key server role; without the role it is counted and dropped */
void gdoi_push_input(struct gdoi_ctx *g, const struct sockaddr_in *local,
		     const struct sockaddr_in *peer,
		     const struct isakmp_hdr *h, const uint8_t *msg,
		     size_t len);
/* From ike_ops.notify: a key server's refusal ends the member's pull */
void gdoi_notify(struct gdoi_ctx *g, struct ike_sa *sa,
		 const struct isakmp_notify_pl *n);

/*
 * Member side: pull a group's keys over an established Phase 1 SA. cb runs
 * exactly once: err 0 with the result, or a negative errno (-ETIMEDOUT after
 * the retransmissions, -EACCES when the server refused, -EBADMSG for a
 * malformed or unacceptable answer (a POP that does not verify included),
 * -ECONNABORTED when the Phase 1 SA went
 * away: sa is being freed then, do not delete it) with r NULL and why set.
 * Returns 0, or -EINVAL (SA not established, bad group), -ENOMEM, -EIO
 * without calling cb.
 */
typedef void (*gdoi_pull_cb)(void *arg, struct ike_sa *sa, int err,
			     const struct gdoi_pull_result *r,
			     const char *why);
int gdoi_pull(struct gdoi_ctx *g, struct ike_sa *sa,
	      const struct gdoi_group_id *group, gdoi_pull_cb cb, void *arg);

/*
 * The same, with the member's verdict on message 2's SA payload before it
 * acknowledges the policy with HASH(3) (RFC 6407 3.2: a member that cannot
 * handle it must not go on). check returns 0 to accept, or non-zero with
 * why set: the exchange is then refused with NO-PROPOSAL-CHOSEN, so the
 * key server records no registration, and cb gets -EPROTO with that why.
 */
typedef int (*gdoi_sa_check_fn)(void *arg, struct ike_sa *sa,
				const struct gdoi_sa *sa_pl, char *why,
				size_t whylen);
int gdoi_pull_checked(struct gdoi_ctx *g, struct ike_sa *sa,
		      const struct gdoi_group_id *group,
		      gdoi_sa_check_fn check, gdoi_pull_cb cb, void *arg);

#endif /* GVPN_GDOI_H */
