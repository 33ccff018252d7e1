/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * ISAKMP (RFC 2408) and GDOI (RFC 6407) message codec.
 *
 * Decoding never allocates: decoded structures point into the message
 * buffer, and every count is bounded by a compile-time limit. Every length
 * field is checked against the container that holds it before anything is
 * read past it. Encoding appends to a fixed-capacity buffer and records an
 * overflow instead of growing. This layer knows the wire format only: what
 * an attribute or an exchange means belongs to the layers above.
 */
#ifndef GVPN_ISAKMP_H
#define GVPN_ISAKMP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ISAKMP_HDR_LEN		28
#define ISAKMP_GEN_LEN		4	/* generic payload header */
#define ISAKMP_COOKIE_LEN	8
#define ISAKMP_VERSION		0x10	/* major 1, minor 0 */
#define ISAKMP_MAX_MSG		65535	/* fits in one UDP datagram */

/* limits of the decoder; a message exceeding one is rejected */
#define ISAKMP_MAX_PAYLOADS	48
#define ISAKMP_MAX_PROPOSALS	32
#define ISAKMP_MAX_TRANSFORMS	128
#define GDOI_MAX_TEKS		256	/* 100 policies, each with an old and a new TEK */
#define GDOI_MAX_KEY_PACKETS	256
#define ISAKMP_MAX_SPI		16

/* payload types (RFC 2408 3.1, RFC 3947, RFC 6407 5) */
enum isakmp_np {
	ISAKMP_NP_NONE = 0,
	ISAKMP_NP_SA = 1,
	ISAKMP_NP_P = 2,
	ISAKMP_NP_T = 3,
	ISAKMP_NP_KE = 4,
	ISAKMP_NP_ID = 5,
	ISAKMP_NP_CERT = 6,
	ISAKMP_NP_CR = 7,
	ISAKMP_NP_HASH = 8,
	ISAKMP_NP_SIG = 9,
	ISAKMP_NP_NONCE = 10,
	ISAKMP_NP_N = 11,
	ISAKMP_NP_D = 12,
	ISAKMP_NP_VID = 13,
	ISAKMP_NP_SAK = 15,
	ISAKMP_NP_SAT = 16,
	ISAKMP_NP_KD = 17,
	ISAKMP_NP_SEQ = 18,
	ISAKMP_NP_POP = 19,
	ISAKMP_NP_NAT_D = 20,
	ISAKMP_NP_NAT_OA = 21,
	ISAKMP_NP_GAP = 22,
};

/* exchange types (RFC 2408 3.1, RFC 2409, RFC 6407) */
enum isakmp_exch {
	ISAKMP_EXCH_BASE = 1,
	ISAKMP_EXCH_MAIN = 2,		/* identity protection */
	ISAKMP_EXCH_AUTH_ONLY = 3,
	ISAKMP_EXCH_AGGRESSIVE = 4,
	ISAKMP_EXCH_INFO = 5,
	ISAKMP_EXCH_QUICK = 32,		/* GDOI: GROUPKEY-PULL */
	ISAKMP_EXCH_NEW_GROUP = 33,	/* GDOI: GROUPKEY-PUSH */
	GDOI_EXCH_PUSH_ACK = 35,	/* RFC 8263: GROUPKEY-PUSH ACK */
};
#define GDOI_EXCH_PULL	ISAKMP_EXCH_QUICK
#define GDOI_EXCH_PUSH	ISAKMP_EXCH_NEW_GROUP

#define ISAKMP_FLAG_E	0x01
#define ISAKMP_FLAG_C	0x02
#define ISAKMP_FLAG_A	0x04

/*
 * IKEv1 has no critical bit: RFC 2408 reserves the byte after Next Payload.
 * We read its top bit like IKEv2's, so a sender can insist that an unknown
 * payload be understood; unknown payloads without it are skipped.
 */
#define ISAKMP_CRITICAL	0x80

#define ISAKMP_DOI_ISAKMP	0
#define ISAKMP_DOI_IPSEC	1
#define ISAKMP_DOI_GDOI		2
#define IPSEC_SIT_IDENTITY_ONLY	1

/* protocol ids (RFC 2407 4.4.1) */
#define ISAKMP_PROTO_ISAKMP	1
#define ISAKMP_PROTO_IPSEC_AH	2
#define ISAKMP_PROTO_IPSEC_ESP	3
#define ISAKMP_KEY_IKE		1	/* Phase 1 transform id */

/* GDOI protocol ids (RFC 6407 5.3, 5.4) */
#define GDOI_PROTO_IPSEC_ESP	1
#define GDOI_PROTO_IPSEC_AH	2

/* identification types (RFC 2407 4.6.2.1) */
enum isakmp_id_type {
	ISAKMP_ID_IPV4_ADDR = 1,
	ISAKMP_ID_FQDN = 2,
	ISAKMP_ID_USER_FQDN = 3,
	ISAKMP_ID_IPV4_ADDR_SUBNET = 4,
	ISAKMP_ID_IPV6_ADDR = 5,
	ISAKMP_ID_IPV6_ADDR_SUBNET = 6,
	ISAKMP_ID_IPV4_ADDR_RANGE = 7,
	ISAKMP_ID_IPV6_ADDR_RANGE = 8,
	ISAKMP_ID_DER_ASN1_DN = 9,
	ISAKMP_ID_DER_ASN1_GN = 10,
	ISAKMP_ID_KEY_ID = 11,
};

/* certificate encodings (RFC 2408 3.9) */
#define ISAKMP_CERT_X509_SIG	4
#define ISAKMP_CERT_CRL		7

/* notify message types (RFC 2408 3.14.1, RFC 2407 4.6.3, RFC 3706) */
enum isakmp_notify {
	ISAKMP_N_INVALID_PAYLOAD_TYPE = 1,
	ISAKMP_N_DOI_NOT_SUPPORTED = 2,
	ISAKMP_N_SITUATION_NOT_SUPPORTED = 3,
	ISAKMP_N_INVALID_COOKIE = 4,
	ISAKMP_N_INVALID_MAJOR_VERSION = 5,
	ISAKMP_N_INVALID_MINOR_VERSION = 6,
	ISAKMP_N_INVALID_EXCHANGE_TYPE = 7,
	ISAKMP_N_INVALID_FLAGS = 8,
	ISAKMP_N_INVALID_MESSAGE_ID = 9,
	ISAKMP_N_INVALID_PROTOCOL_ID = 10,
	ISAKMP_N_INVALID_SPI = 11,
	ISAKMP_N_INVALID_TRANSFORM_ID = 12,
	ISAKMP_N_ATTRIBUTES_NOT_SUPPORTED = 13,
	ISAKMP_N_NO_PROPOSAL_CHOSEN = 14,
	ISAKMP_N_BAD_PROPOSAL_SYNTAX = 15,
	ISAKMP_N_PAYLOAD_MALFORMED = 16,
	ISAKMP_N_INVALID_KEY_INFORMATION = 17,
	ISAKMP_N_INVALID_ID_INFORMATION = 18,
	ISAKMP_N_INVALID_CERT_ENCODING = 19,
	ISAKMP_N_INVALID_CERTIFICATE = 20,
	ISAKMP_N_CERT_TYPE_UNSUPPORTED = 21,
	ISAKMP_N_INVALID_CERT_AUTHORITY = 22,
	ISAKMP_N_INVALID_HASH_INFORMATION = 23,
	ISAKMP_N_AUTHENTICATION_FAILED = 24,
	ISAKMP_N_INVALID_SIGNATURE = 25,
	ISAKMP_N_ADDRESS_NOTIFICATION = 26,
	ISAKMP_N_NOTIFY_SA_LIFETIME = 27,
	ISAKMP_N_CERTIFICATE_UNAVAILABLE = 28,
	ISAKMP_N_UNSUPPORTED_EXCHANGE_TYPE = 29,
	ISAKMP_N_UNEQUAL_PAYLOAD_LENGTHS = 30,
	ISAKMP_N_CONNECTED = 16384,
	ISAKMP_N_RESPONDER_LIFETIME = 24576,
	ISAKMP_N_REPLAY_STATUS = 24577,
	ISAKMP_N_INITIAL_CONTACT = 24578,
	ISAKMP_N_R_U_THERE = 36136,
	ISAKMP_N_R_U_THERE_ACK = 36137,
};

/* --- errors ------------------------------------------------------------ */

/* Why a decode failed: the notify type to report and a readable reason. */
struct isakmp_err {
	uint16_t notify;
	char msg[120];
};

int isakmp_fail(struct isakmp_err *err, uint16_t notify, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* --- bounded reader ------------------------------------------------------ */

struct isakmp_rd {
	const uint8_t *p;
	size_t len;
	size_t off;
};

static inline size_t isakmp_rd_left(const struct isakmp_rd *r)
{
	return r->len - r->off;
}

bool isakmp_rd_u8(struct isakmp_rd *r, uint8_t *v);
bool isakmp_rd_u16(struct isakmp_rd *r, uint16_t *v);
bool isakmp_rd_u32(struct isakmp_rd *r, uint32_t *v);
/* points *v at the next n bytes */
bool isakmp_rd_ptr(struct isakmp_rd *r, size_t n, const uint8_t **v);
bool isakmp_rd_copy(struct isakmp_rd *r, void *dst, size_t n);

/* --- encoder buffer ------------------------------------------------------- */

/*
 * Appends into caller-provided memory. np_off is where the type of the next
 * payload goes (the header's Next Payload field at first, then the Next
 * Payload field of the last payload begun); errors are sticky.
 */
struct isakmp_buf {
	uint8_t *p;
	size_t len;
	size_t cap;
	size_t np_off;
	bool err;
};

void isakmp_buf_init(struct isakmp_buf *b, uint8_t *mem, size_t cap);
void isakmp_put_u8(struct isakmp_buf *b, uint8_t v);
void isakmp_put_u16(struct isakmp_buf *b, uint16_t v);
void isakmp_put_u32(struct isakmp_buf *b, uint32_t v);
void isakmp_put_bytes(struct isakmp_buf *b, const void *v, size_t n);
void isakmp_put_zero(struct isakmp_buf *b, size_t n);
void isakmp_set_u16(struct isakmp_buf *b, size_t off, uint16_t v);
void isakmp_set_u32(struct isakmp_buf *b, size_t off, uint32_t v);
/* Begin a payload of type np chained after the previous one: returns its
 * offset, to be passed to isakmp_pl_end() which fills in the length. */
size_t isakmp_pl_begin(struct isakmp_buf *b, uint8_t np);
void isakmp_pl_end(struct isakmp_buf *b, size_t start);

/* --- header ------------------------------------------------------------- */

struct isakmp_hdr {
	uint8_t icookie[ISAKMP_COOKIE_LEN];
	uint8_t rcookie[ISAKMP_COOKIE_LEN];
	uint8_t np;
	uint8_t version;
	uint8_t exch;
	uint8_t flags;
	uint32_t msgid;
	uint32_t len;
};

/* Checks the header of a datagram of dlen bytes: version, flags, and that
 * the Length field equals the datagram length. */
int isakmp_hdr_decode(struct isakmp_hdr *h, const uint8_t *buf, size_t dlen,
		      struct isakmp_err *err);
/* Starts a message: writes the header (Length 0 until isakmp_msg_end) */
void isakmp_hdr_encode(struct isakmp_buf *b, const struct isakmp_hdr *h);
/* Fills in the header's Length from the buffer length */
void isakmp_msg_end(struct isakmp_buf *b);

/* --- payload chain -------------------------------------------------------- */

struct isakmp_pl {
	uint8_t type;
	uint8_t reserved;
	const uint8_t *raw;	/* generic header onwards */
	const uint8_t *body;	/* after the generic header */
	uint16_t len;		/* of the body */
};

struct isakmp_chain {
	unsigned n;
	unsigned skipped;	/* unknown, non-critical payloads */
	/* bytes of the chain from its start: the end of its last payload,
	 * skipped ones too (what a HASH over "the payloads" covers) */
	size_t end;
	struct isakmp_pl pl[ISAKMP_MAX_PAYLOADS];
};

/* zero bytes a plaintext message may carry after its last payload */
#define ISAKMP_PLAIN_PAD_MAX	16

/*
 * Walks the payload chain that starts with type np in buf[0..len). With
 * allow_padding, bytes after the last payload are accepted (the padding of
 * a decrypted message); otherwise the chain must end at len or be followed
 * by at most ISAKMP_PLAIN_PAD_MAX zero bytes (a plaintext message padded
 * the way libreswan does by default).
 */
int isakmp_chain_decode(struct isakmp_chain *c, uint8_t np,
			const uint8_t *buf, size_t len, bool allow_padding,
			struct isakmp_err *err);
const struct isakmp_pl *isakmp_chain_find(const struct isakmp_chain *c,
					  uint8_t type, unsigned nth);
unsigned isakmp_chain_count(const struct isakmp_chain *c, uint8_t type);
bool isakmp_np_known(uint8_t type);

/* --- data attributes (RFC 2408 3.3) -------------------------------------- */

#define ISAKMP_ATTR_AF	0x8000

struct isakmp_attr {
	uint16_t type;		/* without the AF bit */
	bool basic;		/* TV: value in .u16 */
	uint16_t u16;
	uint16_t len;		/* TLV: value in .val */
	const uint8_t *val;
};

/* A validated attribute list in a message; walk it with isakmp_attr_next */
struct isakmp_attrs {
	const uint8_t *p;
	size_t len;
};

int isakmp_attrs_check(const uint8_t *p, size_t len, unsigned *count,
		       struct isakmp_err *err);
/* 1: *a filled, it->p advanced; 0: end of list */
int isakmp_attr_next(struct isakmp_attrs *it, struct isakmp_attr *a);
/* The value as an integer: a basic value, or a TLV of 1..8 bytes */
int isakmp_attr_uint(const struct isakmp_attr *a, uint64_t *v);
void isakmp_put_attr_basic(struct isakmp_buf *b, uint16_t type, uint16_t v);
void isakmp_put_attr_var(struct isakmp_buf *b, uint16_t type,
			 const void *v, uint16_t len);
/* basic when it fits in 16 bits, else a 4- or 8-byte TLV (RFC 2407 4.5) */
void isakmp_put_attr_uint(struct isakmp_buf *b, uint16_t type, uint64_t v);
void isakmp_put_attr(struct isakmp_buf *b, const struct isakmp_attr *a);

/* --- SA, proposal, transform (RFC 2408 3.4-3.6) -------------------------- */

struct isakmp_transform {
	uint8_t num;
	uint8_t id;
	const uint8_t *raw;	/* the whole transform payload */
	uint16_t raw_len;
	struct isakmp_attrs attrs;
};

struct isakmp_proposal {
	uint8_t num;
	uint8_t proto;
	uint8_t spi_len;
	uint8_t spi[ISAKMP_MAX_SPI];
	uint8_t ntrans;
	unsigned first;		/* index of its first transform in sa->t */
};

struct isakmp_sa {
	uint32_t doi;
	uint32_t situation;
	unsigned nprop;
	unsigned ntrans;
	struct isakmp_proposal prop[ISAKMP_MAX_PROPOSALS];
	struct isakmp_transform t[ISAKMP_MAX_TRANSFORMS];
};

int isakmp_sa_decode(struct isakmp_sa *sa, const struct isakmp_pl *pl,
		     struct isakmp_err *err);
/* Encodes an SA payload; transforms' attrs point at encoded attributes */
void isakmp_sa_encode(struct isakmp_buf *b, const struct isakmp_sa *sa);

/* --- simple payloads ----------------------------------------------------- */

/* KE, HASH, SIG, NONCE, VID, POP, NAT-D: the body is opaque data */
struct isakmp_data {
	const uint8_t *p;
	size_t len;
};

int isakmp_data_decode(struct isakmp_data *d, const struct isakmp_pl *pl,
		       size_t min, size_t max, struct isakmp_err *err);
void isakmp_data_encode(struct isakmp_buf *b, uint8_t np, const void *p,
			size_t len);

/* ID (RFC 2407 4.6.2) */
struct isakmp_id {
	uint8_t type;
	uint8_t proto;
	uint16_t port;
	const uint8_t *data;
	size_t len;
};

/* 1: a valid length for the type, 0: not, -1: unknown type */
int isakmp_id_len_ok(uint8_t type, size_t len);
int isakmp_id_decode(struct isakmp_id *id, const struct isakmp_pl *pl,
		     struct isakmp_err *err);
void isakmp_id_encode(struct isakmp_buf *b, const struct isakmp_id *id);

/* CERT and CR (RFC 2408 3.9, 3.10) */
struct isakmp_cert {
	uint8_t enc;
	const uint8_t *data;
	size_t len;
};

int isakmp_cert_decode(struct isakmp_cert *c, const struct isakmp_pl *pl,
		       struct isakmp_err *err);
void isakmp_cert_encode(struct isakmp_buf *b, uint8_t np,
			const struct isakmp_cert *c);

/* N (RFC 2408 3.14) */
struct isakmp_notify_pl {
	uint32_t doi;
	uint8_t proto;
	uint8_t spi_len;
	uint16_t type;
	const uint8_t *spi;
	const uint8_t *data;
	size_t data_len;
};

int isakmp_notify_decode(struct isakmp_notify_pl *n,
			 const struct isakmp_pl *pl, struct isakmp_err *err);
void isakmp_notify_encode(struct isakmp_buf *b,
			  const struct isakmp_notify_pl *n);

/* D (RFC 2408 3.15) */
struct isakmp_delete_pl {
	uint32_t doi;
	uint8_t proto;
	uint8_t spi_len;
	uint16_t nspi;
	const uint8_t *spis;	/* nspi * spi_len bytes */
};

int isakmp_delete_decode(struct isakmp_delete_pl *d,
			 const struct isakmp_pl *pl, struct isakmp_err *err);
void isakmp_delete_encode(struct isakmp_buf *b,
			  const struct isakmp_delete_pl *d);

/* --- GDOI payloads (RFC 6407 5) ------------------------------------------ */

/* SA KEK attributes (RFC 6407 5.3.1) */
enum gdoi_kek_attr {
	GDOI_KEK_MANAGEMENT_ALGORITHM = 1,
	GDOI_KEK_ALGORITHM = 2,
	GDOI_KEK_KEY_LENGTH = 3,
	GDOI_KEK_KEY_LIFETIME = 4,
	GDOI_KEK_SIG_HASH_ALGORITHM = 5,
	GDOI_KEK_SIG_ALGORITHM = 6,
	GDOI_KEK_SIG_KEY_LENGTH = 7,
	GDOI_KEK_KE_OAKLEY_GROUP = 8,		/* RFC 3547 only */
	GDOI_KEK_INTEGRITY_ALGORITHM = 9,
};
/*
 * KEK attribute values (RFC 6407 5.3.3, 5.3.6, 5.3.7): KEK_ALGORITHM,
 * SIG_HASH_ALGORITHM, SIG_ALGORITHM
 */
#define GDOI_KEK_ALG_3DES		2
#define GDOI_KEK_ALG_AES		3
#define GDOI_SIG_HASH_MD5		1
#define GDOI_SIG_HASH_SHA1		2
#define GDOI_SIG_HASH_SHA256		3
#define GDOI_SIG_HASH_SHA384		4
#define GDOI_SIG_HASH_SHA512		5
#define GDOI_SIG_ALG_RSA		1

/*
 * RFC 8263 2: the GCKS asks for a GROUPKEY-PUSH ACK with this SA KEK
 * attribute (basic). 9 is the standard value (the number
 * GDOI_KEK_INTEGRITY_ALGORITHM above has: whoever sends 9 now means
 * KEK_ACK_REQUESTED); key servers from before RFC 8263 send 129. Juniper
 * members accept both, so do we; we send 9 only.
 */
#define GDOI_KEK_ATTR_ACK_REQUESTED		9
#define GDOI_KEK_ATTR_ACK_REQUESTED_OLD		129
/* The attribute's value we send (RFC 8263 2's ACK type, our reading);
 * received, any value means "ACK wanted" */
#define GDOI_KEK_ACK_TYPE_MEMBER		1
/*
 * gvpn private SA KEK attribute (private range, RFC 2408 3.3: basic,
 * seconds): the key server's periodic push interval (heartbeat, else the
 * pseudotime resync), for the member's heartbeat loss detection. Other
 * vendors ignore it.
 */
#define GDOI_KEK_ATTR_GVPN_PUSH_INTERVAL	32001

/* GAP attributes (RFC 6407 5.5) */
enum gdoi_gap_attr {
	GDOI_GAP_ACTIVATION_TIME_DELAY = 1,
	GDOI_GAP_DEACTIVATION_TIME_DELAY = 2,
	GDOI_GAP_SENDER_ID_REQUEST = 3,
};

/* Key packet types and their attributes (RFC 6407 5.6) */
enum gdoi_kd_type {
	GDOI_KD_TEK = 1,
	GDOI_KD_KEK = 2,
	GDOI_KD_LKH = 3,
	GDOI_KD_SID = 4,
};
#define GDOI_KD_TEK_ALGORITHM_KEY	1
#define GDOI_KD_TEK_INTEGRITY_KEY	2
#define GDOI_KD_TEK_SOURCE_AUTH_KEY	3
#define GDOI_KD_KEK_ALGORITHM_KEY	1
#define GDOI_KD_KEK_SIGNATURE_KEY	2
#define GDOI_KD_SID_NUMBER_OF_BITS	1
#define GDOI_KD_SID_VALUE		2

/* SA KEK and SA TEK carry source/destination selectors */
struct gdoi_sel {
	uint8_t type;
	uint16_t port;
	uint16_t len;
	const uint8_t *data;
};

#define GDOI_KEK_SPI_LEN	16

/* SA KEK (RFC 6407 5.3) */
struct gdoi_sak {
	uint8_t proto;
	struct gdoi_sel src;
	struct gdoi_sel dst;
	uint8_t spi[GDOI_KEK_SPI_LEN];
	/*
	 * Bytes between the SPI and the attributes: RFC 6407 has 4 (RESERVED2),
	 * RFC 3547 had POP algorithm and key length (also 4), and some older
	 * implementations send 6. Decoding keeps what was there.
	 */
	uint8_t trailer_len;
	uint8_t trailer[6];
	struct isakmp_attrs attrs;
};

/* SA TEK (RFC 6407 5.4) */
struct gdoi_sat {
	uint8_t proto_id;
	/* PROTO_IPSEC_ESP / _AH (5.4.1) */
	uint8_t ip_proto;
	struct gdoi_sel src;
	struct gdoi_sel dst;
	uint8_t transform;
	uint32_t spi;
	/* RFC 3547 5.4.1 layout: 1-byte SRC/DST ID Data Len (RFC 6407: 2) */
	bool id_len8;
	struct isakmp_attrs attrs;
	/* any other protocol: the rest of the payload, uninterpreted */
	const uint8_t *opaque;
	size_t opaque_len;
};

/* GAP (RFC 6407 5.5) */
struct gdoi_gap {
	struct isakmp_attrs attrs;
};

/* The GDOI SA payload (RFC 6407 5.1) with the payloads it contains */
struct gdoi_sa {
	uint32_t doi;
	uint32_t situation;
	bool rfc3547_hdr;	/* 1-byte SA Attribute Next Payload */
	bool has_kek;
	bool has_gap;
	struct gdoi_sak kek;
	struct gdoi_gap gap;
	unsigned ntek;
	struct gdoi_sat tek[GDOI_MAX_TEKS];
};

int gdoi_sa_decode(struct gdoi_sa *sa, const struct isakmp_pl *pl,
		   struct isakmp_err *err);
void gdoi_sa_encode(struct isakmp_buf *b, const struct gdoi_sa *sa);

/* single GDOI payloads, as found inside the SA or on their own */
int gdoi_sak_decode(struct gdoi_sak *k, const uint8_t *body, size_t len,
		    struct isakmp_err *err);
int gdoi_sat_decode(struct gdoi_sat *t, const uint8_t *body, size_t len,
		    struct isakmp_err *err);
int gdoi_gap_decode(struct gdoi_gap *g, const uint8_t *body, size_t len,
		    struct isakmp_err *err);

/* KD (RFC 6407 5.6) */
struct gdoi_key_packet {
	uint8_t type;
	uint8_t spi_len;
	const uint8_t *spi;
	struct isakmp_attrs attrs;
};

struct gdoi_kd {
	unsigned n;
	struct gdoi_key_packet pkt[GDOI_MAX_KEY_PACKETS];
};

int gdoi_kd_decode(struct gdoi_kd *kd, const struct isakmp_pl *pl,
		   struct isakmp_err *err);
void gdoi_kd_encode(struct isakmp_buf *b, const struct gdoi_kd *kd);

/*
 * Sender IDs (RFC 6054, RFC 6407 5.5.2 and 5.6.3). A member asks with
 * SENDER_ID_REQUEST (basic: how many SIDs) in a GAP payload of its own in
 * GROUPKEY-PULL message 3; the key server answers with a SID key packet in
 * message 4's KD: SPI size 0, NUMBER_OF_BITS once (basic), SID_VALUE once
 * per SID (4 bytes, network order).
 */
#define GDOI_SID_BITS_MAX	32
#define GDOI_MAX_SIDS		16
struct gdoi_sid {
	uint8_t bits;
	unsigned n;
	uint32_t value[GDOI_MAX_SIDS];
};

/* counter-mode ESP transforms (CTR, CCM, GCM, GMAC): their IV must never
 * repeat under one key, so group members need Sender IDs (RFC 6054 2) */
bool gdoi_transform_counter_mode(uint8_t transform);
/* a GAP payload of its own (not inside an SA) */
void gdoi_gap_encode(struct isakmp_buf *b, const struct gdoi_gap *g);
/* SENDER_ID_REQUEST of a GAP (*n = 0 when absent); -1 when it is not a
 * basic attribute or appears twice */
int gdoi_gap_sid_request(const struct gdoi_gap *g, uint16_t *n,
			 struct isakmp_err *err);
/* a SID key packet's attributes */
void gdoi_kd_sid_encode(struct isakmp_buf *b, const struct gdoi_sid *s);
int gdoi_kd_sid_decode(const struct gdoi_key_packet *k, struct gdoi_sid *s,
		       struct isakmp_err *err);

/* SEQ (RFC 6407 5.7) */
int gdoi_seq_decode(uint32_t *seq, const struct isakmp_pl *pl,
		    struct isakmp_err *err);
void gdoi_seq_encode(struct isakmp_buf *b, uint32_t seq);

/* --- names for logs -------------------------------------------------------- */

const char *isakmp_np_name(uint8_t np);
const char *isakmp_exch_name(uint8_t exch);
const char *isakmp_notify_name(uint16_t type);
const char *isakmp_id_type_name(uint8_t type);

#endif /* GVPN_ISAKMP_H */
