/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * IKEv1 Phase 1 (RFC 2409) protecting GDOI (RFC 6407 2): main mode and
 * aggressive mode, as initiator (group member) and responder (key server),
 * with pre-shared keys or RSA signatures over X.509 certificates.
 *
 * The layer is driven from outside: ike_input() for each datagram, the
 * event loop's timers for retransmission and lifetimes, and ike_ops for
 * what leaves it (datagrams, Wireshark traces, results). The GDOI layer
 * sits on top: it receives the Phase 2 exchanges of established SAs
 * through ike_ops.phase2 and protects its messages with ike_p2_*().
 */
#ifndef GVPN_IKE_H
#define GVPN_IKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/stat.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "core/loop.h"
#include "core/rate.h"
#include "isakmp/isakmp.h"

/* Phase 1 attribute classes and values (RFC 2409 Appendix A) */
enum ike_attr {
	IKE_ATTR_ENCR = 1,
	IKE_ATTR_HASH = 2,
	IKE_ATTR_AUTH = 3,
	IKE_ATTR_GROUP_DESC = 4,
	IKE_ATTR_GROUP_TYPE = 5,
	IKE_ATTR_LIFE_TYPE = 11,
	IKE_ATTR_LIFE_DURATION = 12,
	IKE_ATTR_PRF = 13,
	IKE_ATTR_KEY_LENGTH = 14,
};

#define IKE_LIFE_SECONDS	1
#define IKE_LIFE_KILOBYTES	2

enum ike_encr {
	IKE_ENCR_3DES = 5,
	IKE_ENCR_AES_CBC = 7,
};

enum ike_hash {
	IKE_HASH_MD5 = 1,
	IKE_HASH_SHA1 = 2,
	IKE_HASH_SHA256 = 4,
	IKE_HASH_SHA384 = 5,
	IKE_HASH_SHA512 = 6,
};

enum ike_auth {
	IKE_AUTH_PSK = 1,
	IKE_AUTH_RSA_SIG = 3,
	IKE_AUTH_ECDSA_256 = 9,		/* RFC 4754: P-256, SHA-256 */
	IKE_AUTH_ECDSA_384 = 10,	/* RFC 4754: P-384, SHA-384 */
};

/* a method that signs with a certificate's key (RSA or ECDSA) */
static inline bool ike_auth_sig(uint16_t auth)
{
	return auth == IKE_AUTH_RSA_SIG || auth == IKE_AUTH_ECDSA_256 ||
	       auth == IKE_AUTH_ECDSA_384;
}

#define IKE_MIDS_MAX	16	/* remembered M-IDs per SA and kind */
#define IKE_MAX_HASH	64	/* SHA-512 */
#define IKE_MAX_KEY	32	/* AES-256 */
#define IKE_MAX_BLOCK	16
#define IKE_MAX_DH	512	/* MODP 4096 */
#define IKE_NONCE_LEN	32	/* what we send */
#define IKE_NONCE_MIN	8	/* RFC 2409 5 */
#define IKE_NONCE_MAX	256

/* One Phase 1 transform: what a proposal offers and what is chosen */
struct ike_suite {
	uint16_t encr;
	uint16_t key_bits;
	uint16_t hash;
	uint16_t auth;
	uint16_t group;
	uint32_t lifetime;	/* seconds */
};

/* --- configuration (filled in by gvpnd's configuration parser) ---------- */

/* Initiators use main mode for MAIN and ANY; responders accept what the
 * peer's entry names, both modes for ANY. */
enum ike_mode {
	IKE_MODE_MAIN,
	IKE_MODE_AGGRESSIVE,
	IKE_MODE_ANY,
};

/* An identity: ISAKMP ID type and data (DN as DER) */
struct ike_id {
	uint8_t type;
	uint16_t len;
	uint8_t data[512];
};

/* Certificates and keys for signature authentication (RSA, ECDSA) */
struct ike_creds {
	X509 *cert;			/* ours */
	STACK_OF(X509) *chain;		/* intermediates we send */
	EVP_PKEY *key;
	X509_STORE *store;		/* trust anchors for peers */
	unsigned nca;
	uint8_t *ca_names[16];		/* DER subject names for CERTREQ */
	int ca_name_len[16];
	STACK_OF(X509_CRL) *crls;	/* revocation lists ("crl"), if any */
	unsigned ncrl_files;		/* their files, as last read */
	char *crl_files[16];
	struct ike_file_stamp {
		dev_t dev;
		ino_t ino;
		off_t size;
		struct timespec mtime;
	} crl_stamps[16];
	bool wildcards;			/* "*.example" SANs match FQDN IDs */
};

struct ike_peer {
	char name[64];
	struct in_addr addr;		/* peer address, or prefix (responder) */
	uint8_t plen;
	uint16_t port;			/* initiator: where to send */
	enum ike_mode mode;		/* initiator: which exchange */
	uint16_t auth;
	uint8_t *psk;
	size_t psk_len;
	unsigned nsuites;
	struct ike_suite *suites;	/* in order of preference */
	bool local_id_set;
	struct ike_id local_id;		/* default: address (PSK), DN (RSA) */
	bool remote_id_set;
	struct ike_id remote_id;	/* default: any */
	struct ike_creds *creds;
	bool initiate;			/* negotiate at startup */
	/* aggressive mode initiator: message 3 in the clear (RFC 2409 5's
	 * figure) instead of encrypted (the default: see gvpnd.conf(5)) */
	bool am_msg3_clear;
};

struct ike_conf {
	uint32_t doi;			/* ISAKMP_DOI_GDOI, or _IPSEC (compat) */
	bool legacy;			/* allow 3DES, MD5, MODP 768/1024/1536 */
	uint16_t port;
	unsigned retransmit_ms;		/* first retransmission */
	unsigned retransmit_max_ms;	/* backoff ceiling */
	unsigned retransmit_tries;	/* transmissions before giving up */
	unsigned half_open_max;		/* main mode responder after msg 1 */
	unsigned half_open_ms;		/* their lifetime */
	unsigned max_sas;		/* negotiating and established */
	unsigned max_sas_per_peer;	/* established responder SAs per
					 * peer address and port; 0: no bound */
	unsigned aggressive_rate;	/* aggressive mode msg 1 per second */
	/* main mode message 3 (Diffie-Hellman) as responder, per source
	 * address and in all (ike_cookie.c); 0: no bound */
	unsigned negotiating_max;	/* responder SAs before message 5 */
	unsigned negotiating_per_peer;	/* of those, from one address */
	unsigned peer_rate;		/* message 3 a second from one address */
	unsigned flood_log_ms;		/* period of the flood summary */
	unsigned npeers;
	struct ike_peer *peers;
};

/* --- SAs ---------------------------------------------------------------- */

enum ike_state {
	IKE_MM_I1,		/* initiator: sent msg 1, waiting for 2 */
	IKE_MM_I3,		/* sent 3, waiting for 4 */
	IKE_MM_I5,		/* sent 5, waiting for 6 */
	IKE_MM_R4,		/* responder: sent 4, waiting for 5 */
	IKE_AM_I1,		/* initiator: sent msg 1, waiting for 2 */
	IKE_AM_R2,		/* responder: sent 2, waiting for 3 */
	IKE_ESTABLISHED,
	IKE_DEAD,
};

struct ike_keys {
	size_t prf_len;
	uint8_t skeyid[IKE_MAX_HASH];
	uint8_t skeyid_d[IKE_MAX_HASH];
	uint8_t skeyid_a[IKE_MAX_HASH];
	uint8_t skeyid_e[IKE_MAX_HASH];
	size_t enc_len;
	uint8_t enc[IKE_MAX_KEY];
	size_t block;
	uint8_t iv0[IKE_MAX_BLOCK];	/* hash(g^xi | g^xr) */
};

struct ike_dh;
struct ike_ctx;

struct ike_mids {
	uint32_t id[IKE_MIDS_MAX];
	unsigned n, next;
};

struct ike_sa {
	struct ike_sa *hnext;		/* hash chain, by our cookie */
	struct ike_sa *pnext;		/* hash chain, by peer address */
	struct ike_sa *prev, *next;	/* all SAs */
	struct ike_ctx *ctx;
	uint8_t icookie[ISAKMP_COOKIE_LEN];
	uint8_t rcookie[ISAKMP_COOKIE_LEN];
	bool initiator;
	uint8_t exch;
	enum ike_state state;
	uint32_t doi;
	struct sockaddr_in local;
	struct sockaddr_in peer;
	const struct ike_peer *pc;
	struct ike_suite suite;

	/* negotiation material */
	uint8_t *sai_b;			/* initiator's SA payload body */
	size_t sai_len;
	struct ike_dh *dh;
	uint8_t *peer_ke;
	size_t peer_ke_len;
	uint8_t ni[IKE_NONCE_MAX], nr[IKE_NONCE_MAX];
	size_t ni_len, nr_len;
	uint8_t *idi_b, *idr_b;		/* ID payload bodies */
	size_t idi_len, idr_len;
	bool peer_cr;			/* peer sent a CERTREQ */
	bool peer_keys_ok;		/* its encrypted message decrypted */
	X509 *peer_cert;
	STACK_OF(X509) *peer_chain;
	char peer_id[160];		/* printable peer identity */

	struct ike_keys keys;
	/* CBC chain of Phase 1; once established, the base of Phase 2 IVs */
	uint8_t iv[IKE_MAX_BLOCK];

	/* retransmission of our last message, duplicate detection */
	uint8_t *out;
	size_t out_len;
	/* the Phase 1 message being built (ike_msg.c): the SA's own, as
	 * its messages go one after the other; it becomes out when sent */
	uint8_t *tx;
	unsigned tries;
	struct ev_timer rtx;
	uint8_t in_digest[20];
	bool have_in_digest;

	struct ev_timer life;
	uint64_t started_ms;
	uint64_t expires_ms;		/* established: end of its lifetime */
	const char *dying;		/* ike_sa_delete_soon()'s reason */
	bool repeer_gone;		/* ike_ctx_repeer(): to be deleted */
	void (*done)(struct ike_sa *sa, int err, void *arg);
	void *done_arg;
	void *phase2;			/* owned by the GDOI layer */
	/* M-IDs of the peer's authentic exchanges (ike_mid_*) */
	struct ike_mids info_mids;	/* informational */
	struct ike_mids p2_mids;	/* phase 2 (GDOI) it started */
	/* responder: the lifetime the initiator offered (seconds; 8 hours
	 * when it said none): above ours, it is told (RESPONDER-LIFETIME) */
	uint32_t offered_lifetime;
	/* negotiating: what unauthenticated input the peer sent that we did
	 * not act on, for the reason when the negotiation times out */
	uint16_t plain_notify;		/* an unprotected error notify */
	uint8_t undecryptable_msg;	/* a message that did not decrypt:
					 * its number, 0 an informational */
	unsigned undecryptable;		/* how many */
	/* a main mode responder SA between messages 3 and 5: counted
	 * against its source address and the negotiating-max */
	struct ike_src *src;
	struct ike_sa *nego_older, *nego_newer;
	bool resent;			/* aggressive mode message 2, once */
};

/* Main mode responder state between messages 1 and 3 (see ike_cookie.c) */
struct ike_half;
/* A source address that sent main mode message 3 (see ike_cookie.c) */
struct ike_src;

/* what the flood limits denied in the current period of flood_log_ms */
struct ike_flood_log {
	uint64_t start_ms;		/* 0: no flood going on */
	unsigned gen;
	unsigned long denied, per_peer, rate, global, evicted;
	unsigned sources;		/* addresses denied in the period */
	struct in_addr top;		/* the one denied most */
	unsigned long top_n;
};

struct ike_stats {
	unsigned long rx, tx, rx_dropped, rx_malformed, rx_bad_cookie;
	unsigned long half_open, half_open_evicted, aggressive_limited;
	unsigned long established, failed;
	unsigned long per_peer_deleted;	/* over max_sas_per_peer */
	unsigned long rx_replayed;	/* authentic, but an M-ID seen before */
	/* main mode message 3 denied before Diffie-Hellman: over
	 * negotiating-per-peer, over peer-rate, over negotiating-max with
	 * no fairer victim; and negotiations evicted for a fairer newcomer */
	unsigned long flood_per_peer, flood_rate, flood_global, flood_evicted;
};

struct ike_ops {
	/* send a datagram from local to peer */
	int (*send)(struct ike_ctx *ctx, const struct sockaddr_in *local,
		    const struct sockaddr_in *peer, const uint8_t *buf,
		    size_t len);
	/* every message as sent or received, decrypted (Wireshark) */
	void (*trace)(struct ike_ctx *ctx, const struct sockaddr_in *src,
		      const struct sockaddr_in *dst, const uint8_t *buf,
		      size_t len);
	/* the Phase 1 encryption key (Wireshark key log) */
	void (*keylog)(struct ike_ctx *ctx, const uint8_t icookie[8],
		       const uint8_t *key, size_t len);
	/* a Phase 1 SA was established (either role) */
	void (*established)(struct ike_sa *sa);
	/* a Phase 2 exchange (GROUPKEY-PULL, -PUSH) on an established SA:
	 * the message as received; ike_p2_*() decrypt and protect */
	void (*phase2)(struct ike_sa *sa, const struct isakmp_hdr *h,
		       const uint8_t *msg, size_t len);
	/* the SA is about to be freed */
	void (*gone)(struct ike_sa *sa);
	/* a protected notify from the peer of an established SA (GDOI
	 * ends the exchange a key server refused) */
	void (*notify)(struct ike_sa *sa, const struct isakmp_notify_pl *n);
	/* a GROUPKEY-PUSH or its ACK (RFC 6407 4, RFC 8263): no Phase 1 SA
	 * protects them (the cookies are the KEK SPI), so they go to GDOI
	 * as received, header checked */
	void (*push)(struct ike_ctx *ctx, const struct sockaddr_in *local,
		     const struct sockaddr_in *peer, const struct isakmp_hdr *h,
		     const uint8_t *msg, size_t len);
};

#define IKE_HASH_BUCKETS	16384
#define IKE_PEER_BUCKETS	4096

struct ike_ctx {
	const struct ike_conf *conf;
	struct ike_ops ops;
	void *user;
	struct ike_sa *sa_hash[IKE_HASH_BUCKETS];
	struct ike_sa *sas;		/* list of all */
	struct ike_sa *peer_hash[IKE_PEER_BUCKETS];
	unsigned nsas;
	unsigned long sa_frees;		/* SAs freed so far */
	struct ike_half **half_hash;	/* IKE_HASH_BUCKETS */
	struct ike_half *half_old, *half_new;	/* FIFO, oldest first */
	unsigned nhalf;
	uint8_t secret[2][32];		/* responder cookie secrets */
	unsigned secret_gen;
	uint64_t secret_ms;
	struct tbucket aggr_tb;		/* aggressive-rate */
	struct ike_src **src_hash;	/* IKE_SRC_BUCKETS */
	struct ike_src *src_old, *src_new;	/* LRU, oldest first */
	unsigned nsrc;
	struct ike_sa *nego_old, *nego_new;	/* negotiating, oldest first */
	unsigned nnego;
	struct ike_flood_log flood;
	struct ev_timer housekeeping;
	struct ike_stats stats;
};

/* --- ike_ctx.c: context, SA table, datagram input ------------------------ */

int ike_ctx_init(struct ike_ctx *ctx, const struct ike_conf *conf,
		 const struct ike_ops *ops);
void ike_ctx_fini(struct ike_ctx *ctx);
/* A datagram received on local from peer */
void ike_input(struct ike_ctx *ctx, const struct sockaddr_in *local,
	       const struct sockaddr_in *peer, const uint8_t *buf, size_t len);
/* Start Phase 1 with pc as initiator; done() reports the outcome */
struct ike_sa *ike_initiate(struct ike_ctx *ctx, const struct ike_peer *pc,
			    const struct sockaddr_in *local,
			    void (*done)(struct ike_sa *sa, int err, void *arg),
			    void *arg);
/* Send a protected delete for sa to its peer, then free it; a negotiating
 * one's done() gets -ECANCELED first */
void ike_sa_delete(struct ike_sa *sa, const char *why);
/*
 * A configuration reload: SAs and half-open main mode responders move to
 * the peer of nconf with their peer's name whose addresses still cover
 * theirs (the next negotiation uses its settings, established SAs stay);
 * the others are deleted (with a Delete when established; a negotiation's
 * done() gets -ECANCELED), half-open ones dropped. Afterwards nothing of
 * ctx points to the old peers. done() callbacks must not start a
 * negotiation synchronously.
 */
void ike_ctx_repeer(struct ike_ctx *ctx, const struct ike_conf *nconf);
/* The same from the event loop (at once, but not on the caller's stack):
 * for callbacks of the SA itself. sa->dying is set to why (a string that
 * lives as long as the SA: a literal) until then. */
void ike_sa_delete_soon(struct ike_sa *sa, const char *why);
/* Milliseconds of lifetime an established SA has left (0: none, or not
 * established) */
uint64_t ike_sa_remaining_ms(const struct ike_sa *sa);
/* The SAs with peer (address and port), any role or state:
 * for (sa = ike_sa_peer_first(ctx, p); sa; sa = ike_sa_peer_next(sa)) */
struct ike_sa *ike_sa_peer_first(struct ike_ctx *ctx,
				 const struct sockaddr_in *peer);
struct ike_sa *ike_sa_peer_next(struct ike_sa *sa);
struct ike_sa *ike_sa_find(struct ike_ctx *ctx, const uint8_t *icookie,
			   const uint8_t *rcookie);

/* --- ike_info.c: Phase 2 protection, informational exchanges ------------ */

/* IV of a Phase 2 exchange: hash(last Phase 1 block | M-ID) (RFC 2409 B) */
void ike_p2_iv(const struct ike_sa *sa, uint32_t msgid, uint8_t *iv);
/* Decrypts the body of a protected message in place; on success *iv is
 * the last ciphertext block (the IV of the exchange's next message). */
int ike_p2_decrypt(const struct ike_sa *sa, uint8_t *iv, uint8_t *body,
		   size_t len);
/* Encrypts and sends a message built with ike_p2_begin(): pads, encrypts
 * from *iv (updated), traces the plaintext. The message's buffer is wiped
 * and freed, sent or not. */
int ike_p2_send(struct ike_sa *sa, struct isakmp_buf *b, uint8_t *iv);
/* The same, but on success the message as sent (encrypted) is the
 * caller's: *keep (malloc'd, *keep_len bytes), for retransmission */
int ike_p2_send_keep(struct ike_sa *sa, struct isakmp_buf *b, uint8_t *iv,
		     uint8_t **keep, size_t *keep_len);
/* Wipes and frees a message begun with ike_p2_begin() and not sent */
void ike_p2_discard(struct isakmp_buf *b);
/* Starts a protected message: header, then a HASH payload to be filled in
 * by ike_p2_hash() once the other payloads are in; returns its offset.
 * The message has a buffer of its own (heap, ISAKMP_MAX_MSG bytes; b->err
 * if there is no memory): messages may be built while another one is,
 * from a callback. ike_p2_send() or ike_p2_discard() ends it. */
size_t ike_p2_begin(struct ike_sa *sa, struct isakmp_buf *b, uint8_t exch,
		    uint32_t msgid);
/* HASH(1) of informational exchanges: prf(SKEYID_a, M-ID | payloads) */
void ike_p2_hash(struct ike_sa *sa, struct isakmp_buf *b, size_t hash_off,
		 uint32_t msgid);
/* Protected notify to the peer of an established (or keyed) SA */
void ike_send_notify(struct ike_sa *sa, uint16_t type);
/* The same with Notification Data */
void ike_send_notify_data(struct ike_sa *sa, uint16_t type,
			  const uint8_t *data, size_t len);
/*
 * Replay protection for the exchanges of an established SA: an
 * informational message, or the first message of a GDOI exchange the
 * peer starts, must not reuse an M-ID (the M-ID names the exchange, RFC
 * 2408 3.1). The last IKE_MIDS_MAX M-IDs whose HASH verified are kept per
 * kind for the SA's lifetime (a refusal notify carries the M-ID of its
 * GDOI exchange, so the kinds are apart); an older replay meets at most
 * what a fresh exchange would.
 */
bool ike_mid_seen(const struct ike_mids *m, uint32_t msgid);
void ike_mid_note(struct ike_mids *m, uint32_t msgid);

/* --- for the GDOI layer (gdoi/): helpers of Phase 1 it shares ---------- */

/* "192.0.2.1:848", for logs: a ring of four static strings, so up to
 * four results are valid at once (one log line's worth) */
const char *ike_peer_str(const struct sockaddr_in *a);
/* Sends a datagram as it is (a message already protected, such as one
 * kept for retransmission) through ike_ops.send; counted in stats.tx */
void ike_send_raw(struct ike_ctx *ctx, const struct sockaddr_in *local,
		  const struct sockaddr_in *peer, const uint8_t *buf,
		  size_t len);
/* Hands a received protected message to ike_ops.trace as its plaintext:
 * hdr is the message as received (its header is used), plain the
 * decrypted body and c its payloads (c->end bytes of plain). Nothing
 * without a trace op; the copy made for it is wiped. */
void ike_trace_decrypted(struct ike_sa *sa, const uint8_t *hdr,
			 const uint8_t *plain, const struct isakmp_chain *c);

/* --- ike_crypto.c ----------------------------------------------------------- */

const EVP_MD *ike_md(uint16_t hash);
size_t ike_hash_len(uint16_t hash);
const EVP_CIPHER *ike_cipher(uint16_t encr, uint16_t key_bits);
size_t ike_block_len(uint16_t encr);
/* prf = HMAC with the negotiated hash (RFC 2409 4: no PRF attribute) */
int ike_prf(uint16_t hash, const uint8_t *key, size_t klen,
	    const struct iovec *iov, int n, uint8_t *out);
int ike_digest(uint16_t hash, const struct iovec *iov, int n, uint8_t *out);
/* CBC without padding over len bytes (a multiple of the block) */
int ike_cbc(uint16_t encr, uint16_t key_bits, const uint8_t *key,
	    const uint8_t *iv, const uint8_t *in, size_t len, uint8_t *out,
	    bool enc);
/* SKEYID and its children, the encryption key and IV (RFC 2409 5, B) */
int ike_derive(const struct ike_suite *s, const uint8_t *psk, size_t psk_len,
	       const uint8_t *gxy, size_t gxy_len,
	       const uint8_t *ni, size_t ni_len,
	       const uint8_t *nr, size_t nr_len,
	       const uint8_t *icookie, const uint8_t *rcookie,
	       const uint8_t *gxi, const uint8_t *gxr, size_t gx_len,
	       struct ike_keys *k);
/* HASH_I (initiator) or HASH_R (RFC 2409 5), ike_auth_hash_len() bytes:
 * the negotiated PRF, but HMAC-SHA-256/384 keyed with SKEYID for the
 * ECDSA-256/384 methods (RFC 4754's hash, as strongSwan computes it) */
int ike_auth_hash(const struct ike_sa *sa, bool of_initiator, uint8_t *out);
size_t ike_auth_hash_len(const struct ike_sa *sa);
void ike_keys_wipe(struct ike_keys *k);

/* --- ike_dh.c ----------------------------------------------------------------- */

bool ike_group_supported(uint16_t group);
bool ike_group_legacy(uint16_t group);
size_t ike_group_pub_len(uint16_t group);
const char *ike_group_name(uint16_t group);
struct ike_dh *ike_dh_new(uint16_t group);
const uint8_t *ike_dh_pub(const struct ike_dh *dh, size_t *len);
/* Validates a peer's public value: length, range, on the curve or in the
 * subgroup. Cheap next to ike_dh_new(): done first. */
int ike_dh_check(uint16_t group, const uint8_t *pub, size_t len);
/* shared secret, padded to the group's length (x coordinate for ECP) */
int ike_dh_shared(struct ike_dh *dh, const uint8_t *peer, size_t len,
		  uint8_t *out, size_t *out_len);
void ike_dh_free(struct ike_dh *dh);

/* --- ike_suite.c: transforms and proposals -------------------------------- */

const char *ike_encr_name(uint16_t encr, uint16_t key_bits);
const char *ike_hash_name(uint16_t hash);
const char *ike_auth_name(uint16_t auth);
/* "aes256-sha256-modp2048" style, for logs */
char *ike_suite_str(const struct ike_suite *s, char *buf, size_t len);
bool ike_suite_legacy(const struct ike_suite *s);
/* Decodes a Phase 1 transform's attributes; -1 with a reason if they are
 * malformed or name something we do not implement */
int ike_suite_decode(struct ike_suite *s, const struct isakmp_transform *t,
		     struct isakmp_err *err);
/* Appends the attributes of a suite */
void ike_suite_encode(struct isakmp_buf *b, const struct ike_suite *s);
bool ike_suite_match(const struct ike_suite *offer,
		     const struct ike_suite *conf);

/* --- ike_cert.c: certificates and identities ---------------------------- */

/* The ID we present to pc's peer, from the local address or certificate */
int ike_local_id(const struct ike_peer *pc, const struct sockaddr_in *local,
		 struct ike_id *id);
/* Printable identity ("fqdn:gm1.example", "dn:CN=..", "ipv4:10.0.0.1") */
char *ike_id_str(uint8_t type, const uint8_t *data, size_t len, char *buf,
		 size_t size);
/* Parses "ipv4:A.B.C.D", "fqdn:NAME", "user-fqdn:U@D", "dn:C=..,CN=..",
 * "key-id:TEXT" or "key-id:0xHEX" */
int ike_id_parse(const char *s, struct ike_id *id);
bool ike_id_equal(const struct ike_id *a, uint8_t type, const uint8_t *data,
		  size_t len);
/* Verifies the peer certificate chain and that it carries the identity */
int ike_cert_verify(struct ike_sa *sa, const struct isakmp_id *id,
		    char *why, size_t why_len);
/* Signs an IKEv1 hash: RSA with PKCS#1 v1.5 padding and no DigestInfo
 * (RFC 2409 5.1), ECDSA as r || s, each the curve's size (RFC 4754 7) */
int ike_sign(EVP_PKEY *key, const uint8_t *hash, size_t len, uint8_t *sig,
	     size_t *sig_len);
bool ike_verify_sig(X509 *cert, const uint8_t *hash, size_t len,
		    const uint8_t *sig, size_t sig_len);

/* --- ike_creds.c: loading certificates and keys --------------------------- */

struct ike_creds *ike_creds_new(void);
void ike_creds_free(struct ike_creds *cr);
/* PEM: the first certificate is ours, the others are sent as its chain */
int ike_creds_load_cert(struct ike_creds *cr, const char *path, char *err,
			size_t len);
int ike_creds_load_key(struct ike_creds *cr, const char *path, char *err,
		       size_t len);
/* PEM file of trust anchors (all its certificates) */
int ike_creds_add_ca(struct ike_creds *cr, const char *path, char *err,
		     size_t len);
/* PEM file of certificate revocation lists (all its CRLs): with one,
 * every certificate of a peer's chain below the trust anchor needs a
 * current CRL from its issuer */
int ike_creds_add_crl(struct ike_creds *cr, const char *path, char *err,
		      size_t len);
/* Reads the CRL files again if one of them changed since (by inode, size
 * and mtime; ike_cert_verify() asks before each verification). A file
 * that cannot be read leaves the previous lists in force, with a
 * warning. 1 if reloaded, 0 if unchanged, -1 on failure */
int ike_creds_refresh_crls(struct ike_creds *cr);
/* A key that belongs to the certificate (RSA, or EC on P-256 or P-384),
 * and at least one CA */
int ike_creds_check(const struct ike_creds *cr, char *err, size_t len);
/* The Phase 1 method our key signs with: IKE_AUTH_RSA_SIG,
 * IKE_AUTH_ECDSA_256 or IKE_AUTH_ECDSA_384; 0 for any other key */
uint16_t ike_creds_auth(const struct ike_creds *cr);
/* The method of a public key (as ike_creds_auth()) */
uint16_t ike_key_auth(const EVP_PKEY *key);
/* Would a certificate's key usage and extended key usage let it sign
 * IKE messages? (see ike_cert.c); why says what is wrong */
bool ike_cert_usage_ok(X509 *cert, char *why, size_t why_len);

#endif /* GVPN_IKE_H */
