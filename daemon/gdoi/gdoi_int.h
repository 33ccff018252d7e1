/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * Internals of the GDOI exchanges, shared by gdoi.c (messages, hashes,
 * dispatch), gdoi_ks.c (responder) and gdoi_gm.c (initiator).
 */
#ifndef GVPN_GDOI_INT_H
#define GVPN_GDOI_INT_H

#include "core/log.h"
#include "core/loop.h"
#include "gdoi.h"

/* exchanges at once on one Phase 1 SA: a member pulls a few groups */
#define GDOI_MAX_X_PER_SA	32

enum gdoi_x_state {
	GX_I_WAIT2,		/* member: sent 1, waiting for 2 */
	GX_I_WAIT4,		/* member: sent 3, waiting for 4 */
	GX_R_WAIT3,		/* server: sent 2, waiting for 3 */
	GX_R_DONE,		/* server: sent 4, kept for duplicates of 3 */
	GX_R_REFUSED,		/* server: refused 1, kept for its duplicates */
	GX_R_WAIT1,		/* server: Phase 1 done, no pull yet (M-ID 0) */
};

/* One GROUPKEY-PULL exchange, on the list at sa->phase2, keyed by M-ID */
struct gdoi_x {
	struct gdoi_x *next;
	struct gdoi_ctx *g;
	struct ike_sa *sa;
	uint32_t msgid;
	enum gdoi_x_state state;
	/* the CBC chain of the exchange: the next message's IV */
	uint8_t iv[IKE_MAX_BLOCK];
	uint8_t ni[IKE_NONCE_MAX], nr[IKE_NONCE_MAX];
	size_t ni_len, nr_len;
	struct gdoi_group_id group;
	/* our last message as sent (encrypted), for retransmission */
	uint8_t *out;
	size_t out_len;
	/* SHA-1 of the peer's last accepted message: duplicates */
	uint8_t in_digest[20];
	unsigned tries;
	struct ev_timer timer;
	/* member */
	gdoi_pull_cb cb;
	gdoi_sa_check_fn check;		/* member's verdict on message 2 */
	void *cb_arg;
	uint8_t *sa_pl;			/* message 2's SA payload, whole */
	size_t sa_pl_len;
	char last_bad[96];		/* why the last message was dropped */
	uint16_t sid_request;		/* SENDER_ID_REQUEST sent in 3 */
	/* key server */
	bool have_reply;
	struct gdoi_pull_reply reply;
	uint8_t sid_attrs[8 + 8 * GDOI_MAX_SIDS];	/* its SID packet */
};

/* what peers can trigger at will is rate-limited */
extern struct log_rl gdoi_rl, gdoi_hash_rl;

/* gdoi.c */
struct gdoi_x *gdoi_x_new(struct gdoi_ctx *g, struct ike_sa *sa,
			  uint32_t msgid);
struct gdoi_x *gdoi_x_find(struct ike_sa *sa, uint32_t msgid);
/* Takes x off its SA's list (its callbacks may then free the SA) */
void gdoi_x_unlink(struct gdoi_x *x);
/* Wipes and frees an unlinked exchange */
void gdoi_x_free(struct gdoi_x *x);
/* Unlinks and frees */
void gdoi_x_end(struct gdoi_x *x);
void gdoi_x_digest(const uint8_t *msg, size_t len, uint8_t *out);
/* prf(SKEYID_a, M-ID | a | b | rest) into out (prf_len bytes) */
int gdoi_hash(const struct ike_sa *sa, uint32_t msgid, const uint8_t *a,
	      size_t alen, const uint8_t *b, size_t blen,
	      const uint8_t *rest, size_t rlen, uint8_t *out);

/*
 * A received message of exchange msgid, decrypted with *iv (updated only
 * by gdoi_open_commit) and checked: HASH first, its value equal to
 * prf(SKEYID_a, M-ID | a | b | payloads after HASH). Returns 0, -1 when it
 * does not decrypt to payloads, -2 when the HASH does not verify; why set.
 */
struct gdoi_in {
	struct isakmp_chain c;
	uint8_t next_iv[IKE_MAX_BLOCK];
	/* the decrypted body: the message's own (heap, plain_size bytes),
	 * not shared with a message a callback may take in meanwhile;
	 * gdoi_in_done() wipes it (it holds message 4's keys) */
	uint8_t *plain;
	size_t plain_size;
	size_t plain_len;		/* up to the end of the last payload */
};
int gdoi_open(struct ike_sa *sa, const struct isakmp_hdr *h,
	      const uint8_t *msg, size_t len, const uint8_t *iv,
	      const uint8_t *a, size_t alen, const uint8_t *b, size_t blen,
	      struct gdoi_in *in, char *why, size_t whylen);
/* Accepting it: the IV chain moves on, the plaintext is traced */
void gdoi_open_commit(struct ike_sa *sa, const uint8_t *msg,
		      const struct gdoi_in *in, uint8_t *iv);
/* After a gdoi_open() that returned 0: wipes and frees the plaintext
 * (a failed gdoi_open() leaves nothing) */
void gdoi_in_done(struct gdoi_in *in);

/* Payload types other than allowed[] (and VID) make a message malformed */
int gdoi_check_payloads(const struct isakmp_chain *c, const uint8_t *allowed,
			unsigned nallowed, char *why, size_t whylen);

/* Starts a message (HDR, HASH) in a buffer of its own (ike_p2_begin());
 * gdoi_send() hashes, encrypts, keeps it for retransmission and sends,
 * and frees the buffer, sent or not; a message not handed to it goes
 * with ike_p2_discard(). */
size_t gdoi_begin(struct ike_sa *sa, struct isakmp_buf *b, uint32_t msgid);
int gdoi_send(struct gdoi_x *x, struct isakmp_buf *b, size_t hash_off,
	      const uint8_t *a, size_t alen, const uint8_t *bb, size_t blen);
void gdoi_resend(struct gdoi_x *x);

/* POP (RFC 6407 3.2): signature over hash(Ni_b | Nr_b) with the key of the
 * Phase 1 certificate */
bool gdoi_pop_wanted(const struct ike_sa *sa);
int gdoi_pop_put(struct gdoi_x *x, struct isakmp_buf *b);
int gdoi_pop_check(struct gdoi_x *x, const struct isakmp_pl *pop, char *why,
		   size_t whylen);

/* Every TEK SPI (and the KEK SPI) of sa has its keys in kd */
int gdoi_kd_covers(const struct gdoi_sa *sa, const struct gdoi_kd *kd,
		   char *why, size_t whylen);
int gdoi_id_decode(const struct isakmp_pl *pl, struct gdoi_group_id *gid,
		   char *why, size_t whylen);
char *gdoi_group_str(const struct gdoi_group_id *gid, char *buf,
		     size_t len);
/* A protected notify naming the exchange (data: its M-ID) */
void gdoi_send_refusal(struct ike_sa *sa, uint32_t msgid, uint16_t type);

/* gdoi_ks.c, gdoi_gm.c */
void gdoi_ks_input(struct gdoi_ctx *g, struct ike_sa *sa, struct gdoi_x *x,
		   const struct isakmp_hdr *h, const uint8_t *msg,
		   size_t len);
void gdoi_gm_input(struct gdoi_x *x, const struct isakmp_hdr *h,
		   const uint8_t *msg, size_t len);
void gdoi_ks_timer(struct gdoi_x *x);
/* the watch for a Phase 1 SA's first pull (GX_R_WAIT1), or NULL */
struct gdoi_x *gdoi_ks_watch(struct ike_sa *sa);
/* ends the watch: the SA pulled nothing (ks->no_pull) */
void gdoi_ks_no_pull(struct gdoi_x *x);
/* Ends a server's exchange: done(err) if the role answered, then free */
void gdoi_ks_end(struct gdoi_x *x, int err);
void gdoi_gm_timer(struct gdoi_x *x);
/* Ends a member's exchange with an error: cb, then free */
void gdoi_gm_fail(struct gdoi_x *x, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif /* GVPN_GDOI_INT_H */
