/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * Internals of the Phase 1 implementation, shared by its files.
 */
#ifndef GVPN_IKE_INT_H
#define GVPN_IKE_INT_H

#include "core/log.h"
#include "ike.h"

/* RFC 2407 4.5: no life duration means 8 hours */
#define IKE_DEFAULT_LIFETIME	28800
/* established SAs keep their last message this long for retransmissions */
#define IKE_KEEP_LAST_MS	30000
/* the largest initiator SA payload a main mode responder keeps */
#define IKE_MAX_SAI		2048

struct ike_half {
	struct ike_half *hnext;
	struct ike_half *older, *newer;
	uint8_t icookie[ISAKMP_COOKIE_LEN];
	uint8_t rcookie[ISAKMP_COOKIE_LEN];
	struct sockaddr_in local, peer;
	const struct ike_peer *pc;
	struct ike_suite suite;
	uint64_t created;
	uint8_t prop_num;
	uint16_t t_off, t_len;		/* chosen transform within sai_b */
	uint16_t sai_len;
	uint8_t sai_b[];
};

/* log limiters for what peers (or attackers) can trigger */
extern struct log_rl ike_rl_malformed, ike_rl_cookie, ike_rl_unknown,
	ike_rl_flood, ike_rl_proposal, ike_rl_fail;

/* ike_ctx.c */
struct ike_sa *ike_sa_new(struct ike_ctx *ctx, bool initiator, uint8_t exch,
			  const struct sockaddr_in *local,
			  const struct sockaddr_in *peer,
			  const struct ike_peer *pc);
void ike_sa_hash_add(struct ike_sa *sa);
void ike_sa_free(struct ike_sa *sa);
/* Ends a negotiation: logs why, optionally tells the peer, frees */
void ike_sa_fail(struct ike_sa *sa, uint16_t notify, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void ike_sa_established(struct ike_sa *sa);
const struct ike_peer *ike_peer_lookup(const struct ike_ctx *ctx,
				       const struct in_addr *addr);

/* ike_cookie.c: responder cookies and main mode half-open state */
void ike_cookie_make(struct ike_ctx *ctx, const uint8_t *icookie,
		     const struct sockaddr_in *peer, uint8_t *rcookie);
int ike_half_init(struct ike_ctx *ctx);
void ike_half_fini(struct ike_ctx *ctx);
struct ike_half *ike_half_find(struct ike_ctx *ctx, const uint8_t *icookie,
			       const uint8_t *rcookie);
struct ike_half *ike_half_add(struct ike_ctx *ctx, const uint8_t *icookie,
			     const uint8_t *rcookie, size_t sai_len);
void ike_half_del(struct ike_ctx *ctx, struct ike_half *h);
void ike_half_expire(struct ike_ctx *ctx);
bool ike_aggressive_allowed(struct ike_ctx *ctx);
/* Main mode message 3 from peer, before Diffie-Hellman: whether the flood
 * limits admit it (evicting another negotiation if that is fair); *src is
 * what ike_flood_track() counts the new SA against */
bool ike_flood_admit(struct ike_ctx *ctx, const struct sockaddr_in *peer,
		     struct ike_src **src);
void ike_flood_track(struct ike_sa *sa, struct ike_src *src);
/* the SA no longer negotiates (established or freed) */
void ike_flood_release(struct ike_sa *sa);
/* once a second: the flood's summary when its period is over */
void ike_flood_tick(struct ike_ctx *ctx);

/* ike_msg.c: building, protecting and sending Phase 1 messages */
/* Starts a Phase 1 message in the SA's buffer (sa->tx; b->err if there
 * is no memory) */
void ike_msg_begin(struct isakmp_buf *b, struct ike_sa *sa,
		   uint8_t exch, uint32_t msgid, uint8_t flags);
/* Finishes b (encrypting it with the Phase 1 chain if encrypt), keeps it
 * for retransmission and sends it; retransmit arms the timer. */
int ike_msg_send(struct ike_sa *sa, struct isakmp_buf *b, bool encrypt,
		 bool retransmit);
/* Decrypts a Phase 1 message body into out; *next_iv gets the IV that
 * applies once the message is accepted. */
int ike_msg_decrypt(const struct ike_sa *sa, const uint8_t *body, size_t len,
		    uint8_t *out, uint8_t *next_iv);
/* An unprotected informational notify (before keys exist) */
void ike_send_notify_plain(struct ike_ctx *ctx,
			   const struct sockaddr_in *local,
			   const struct sockaddr_in *peer,
			   const uint8_t *icookie, const uint8_t *rcookie,
			   uint32_t doi, uint16_t type);
void ike_rtx_start(struct ike_sa *sa);
/* RFC 3706's vendor ID: we answer R-U-THERE */
void ike_put_dpd_vid(struct isakmp_buf *b);
/* A Phase 1 message that did not decrypt to payloads: dropped, the
 * negotiation goes on (a forgery must not end it); noted for the reason
 * if it times out. Returns true the first time for the SA. */
bool ike_msg_undecryptable(struct ike_sa *sa, unsigned msg, const char *why);
void ike_rtx_cb(struct ev_timer *t);
/*
 * A received encrypted message, decoded per call (the handler's own, on
 * its stack: a handler that sends, or whose callbacks take in another
 * message, keeps its payloads): plain is the decrypted body on the heap
 * (plain_len bytes, the message's size), c its payloads.
 */
struct ike_in {
	struct isakmp_chain c;
	uint8_t *plain;
	size_t plain_len;
};
/* Wipes and frees in->plain (may be NULL) */
void ike_in_done(struct ike_in *in);
/* Decrypts a Phase 1 message into in and walks its payloads; on failure
 * nothing is left to free (why says what went wrong) */
int ike_msg_open(struct ike_sa *sa, const uint8_t *buf, size_t len,
		 struct ike_in *in, uint8_t *next_iv, char *why,
		 size_t why_len);
void ike_msg_digest(const uint8_t *buf, size_t len, uint8_t *out);

/* ike_p1.c: pieces of both modes */
int ike_p1_put_offer(struct ike_sa *sa, struct isakmp_buf *b);
int ike_p1_select(struct ike_ctx *ctx, const struct ike_peer *pc,
		  const struct isakmp_sa *offer, struct ike_suite *chosen,
		  unsigned *t_idx, struct isakmp_err *err);
void ike_p1_put_reply_sa(struct isakmp_buf *b, const uint8_t *sai_b,
			 uint8_t prop_num, const uint8_t *t, size_t t_len);
int ike_p1_check_reply(struct ike_sa *sa, const struct isakmp_chain *c,
		       struct isakmp_err *err);
int ike_p1_put_ke_nonce(struct ike_sa *sa, struct isakmp_buf *b);
int ike_p1_get_ke_nonce(struct ike_sa *sa, const struct isakmp_chain *c,
			struct isakmp_err *err);
void ike_p1_put_certreq(struct ike_sa *sa, struct isakmp_buf *b);
void ike_p1_get_certreq(struct ike_sa *sa, const struct isakmp_chain *c);
int ike_p1_derive(struct ike_sa *sa);
int ike_p1_put_id(struct ike_sa *sa, struct isakmp_buf *b);
int ike_p1_put_auth(struct ike_sa *sa, struct isakmp_buf *b);
/* Checks the peer's ID, certificate, and HASH or SIG; notify and why are
 * set on failure */
int ike_p1_check_id(struct ike_sa *sa, const struct isakmp_chain *c,
		    uint16_t *notify, char *why, size_t why_len);
/* CERT payloads: the peer's certificate, then intermediates */
int ike_p1_get_certs(struct ike_sa *sa, const struct isakmp_chain *c,
		     uint16_t *notify, char *why, size_t why_len);
int ike_p1_check_auth(struct ike_sa *sa, const struct isakmp_chain *c,
		      uint16_t *notify, char *why, size_t why_len);
uint32_t ike_lifetime(uint32_t offered, uint32_t ours);

/* ike_mm.c, ike_am.c */
int ike_mm_start(struct ike_sa *sa);
void ike_mm_resp_msg1(struct ike_ctx *ctx, const struct sockaddr_in *local,
		      const struct sockaddr_in *peer,
		      const struct isakmp_hdr *h, const struct isakmp_chain *c,
		      const uint8_t *rcookie);
void ike_mm_resend_msg2(struct ike_ctx *ctx, struct ike_half *h);
void ike_mm_resp_msg3(struct ike_ctx *ctx, struct ike_half *half,
		      const struct isakmp_chain *c, const uint8_t *digest);
void ike_mm_input(struct ike_sa *sa, const struct isakmp_hdr *h,
		  const uint8_t *body, size_t len);
int ike_am_start(struct ike_sa *sa);
void ike_am_resp_msg1(struct ike_ctx *ctx, const struct sockaddr_in *local,
		      const struct sockaddr_in *peer,
		      const struct isakmp_hdr *h, const struct isakmp_chain *c,
		      const uint8_t *rcookie, const uint8_t *digest);
void ike_am_input(struct ike_sa *sa, const struct isakmp_hdr *h,
		  const uint8_t *body, size_t len);
/* Whether our last message may go again: once only for an aggressive
 * mode responder's message 2, whose peer has not proven its address */
bool ike_am_may_resend(struct ike_sa *sa);

/* ike_info.c */
/* Notifies in the authenticated last message of Phase 1: INITIAL-CONTACT
 * counts only in an encrypted one (no hash covers notifies) */
void ike_p1_notifies(struct ike_sa *sa, const struct isakmp_chain *c,
		     bool encrypted);
/* The lifetime a Phase 1 transform payload (t, len bytes) offers */
uint32_t ike_offered_lifetime(const uint8_t *t, size_t len);
/* A responder that shortened the lifetime tells the initiator */
void ike_send_responder_lifetime(struct ike_sa *sa);
void ike_info_input(struct ike_sa *sa, const struct isakmp_hdr *h,
		    const uint8_t *body, size_t len);
void ike_info_plain(struct ike_ctx *ctx, const struct sockaddr_in *peer,
		    const struct isakmp_hdr *h, const uint8_t *buf, size_t len);
void ike_phase2_input(struct ike_sa *sa, const struct isakmp_hdr *h,
		      const uint8_t *body, size_t len);

#endif /* GVPN_IKE_INT_H */
