/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * GROUPKEY-PUSH (RFC 6407 4) and its acknowledgement (RFC 8263): the
 * message codec and its cryptography, no sockets and no state. The key
 * server builds one push per rekey and sends the same bytes to every
 * member (unicast) or to the group address (multicast); a member opens it
 * with the KEK it got at registration:
 *
 *   KS                                     GM
 *   HDR*, SEQ, [D,] [SA, KD,] [CERT,] SIG  -->
 *                                     <--  HDR, HASH, SEQ, ID  (ACK, RFC 8263,
 *                                          when the SA KEK asks for it)
 *
 * HDR: cookies = the KEK SPI (first 8 bytes initiator, last 8 responder),
 * M-ID 0, exchange GROUPKEY-PUSH, E flag; after the header: a random IV
 * (one block) and the payloads encrypted with the KEK cipher (CBC, zero
 * padding). SIG: RSA PKCS#1 v1.5 with the KEK's SIG_HASH_ALGORITHM over
 * "rekey" | HDR | the plaintext payloads before SIG (RFC 6407 4.1); the
 * member checks it before it looks at anything else. ACK: HDR (cookies =
 * KEK SPI, no encryption), HASH = HMAC-SHA-256 keyed from the KEK key over
 * SEQ | ID. gdoi_push.c has each wire decision with its RFC section.
 *
 * What a push means (sequence, pseudotime, which SAs to install or
 * delete) belongs to the roles: ks/ and gm/.
 */
#ifndef GVPN_GDOI_PUSH_H
#define GVPN_GDOI_PUSH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <openssl/evp.h>

#include "isakmp/isakmp.h"

#define GDOI_PUSH_MAX_DEL	8	/* Delete payloads in one push */

/* The KEK as both roles hold it */
struct gdoi_kek_keys {
	uint8_t spi[GDOI_KEK_SPI_LEN];	/* the push's cookies */
	uint16_t alg;			/* GDOI_KEK_ALG_AES (CBC), _3DES */
	uint16_t key_bits;		/* 128, 192, 256; 192 for 3DES */
	uint8_t key[32];		/* key_bits / 8 bytes */
	uint16_t sig_hash;		/* GDOI_SIG_HASH_* */
	/* RSA: the key server holds the private key, a member the public
	 * key it got in the KEK key packet (SIGNATURE_KEY) */
	EVP_PKEY *sig_key;
};

/*
 * The contents of one push. Building: the role fills it (pointers into
 * memory it keeps until gdoi_push_build() returns). Opening: pointers
 * into the caller's plaintext buffer.
 */
struct gdoi_push {
	uint32_t seq;
	unsigned ndel;
	struct isakmp_delete_pl del[GDOI_PUSH_MAX_DEL];
	bool has_sa;			/* SA (with SA KEK, TEKs, GAP) and KD */
	struct gdoi_sa sa;
	struct gdoi_kd kd;
	/*
	 * RFC 8263: the SA KEK carries KEK_ACK_REQUESTED. Build: the role
	 * passes the SA KEK attributes without it; build adds attribute 9
	 * when set (and drops any 9 or 129 the role passed when not). Open:
	 * set when the SA KEK has attribute 9 or Juniper's older 129.
	 */
	bool ack_requested;
	/*
	 * RFC 3547 4's form: HDR*, SEQ, SA, KD, [CERT,] SIG. Build: refuses
	 * (-EINVAL) what RFC 3547 has no place for: no SA, a Delete, a GAP
	 * in the SA, ack_requested (RFC 8263 came after). The SA layouts
	 * (1-byte TEK ID lengths, the 6-byte SA KEK trailer) are the role's,
	 * in sa. Open: set when the push has that form (SA and KD, no D, no
	 * GAP) and the SA an RFC 3547 layout (see gdoi_sa_rfc3547()):
	 * informational, both forms are accepted.
	 */
	bool rfc3547;
};

/*
 * Encodes, signs and encrypts p under kek (sig_key: the private key) into
 * out (cap bytes, ISAKMP_MAX_MSG is enough). plain, when not NULL, gets
 * the message as it was signed, before encryption, with the E flag
 * cleared so that it decodes as it is (for the pcap capture; it holds the
 * KD's keys: the caller wipes it); *plain_len: its capacity in, its
 * length out. Every call draws a new IV: build once per event and resend
 * those bytes. Returns the message length, or -EMSGSIZE, -EINVAL (p or
 * kek inconsistent, e.g. ack_requested without an SA KEK, no sig_key),
 * -ENOMEM, -EIO (crypto).
 */
int gdoi_push_build(const struct gdoi_kek_keys *kek, const struct gdoi_push *p,
		    uint8_t *out, size_t cap, uint8_t *plain,
		    size_t *plain_len);

/*
 * A received push: checks that the cookies name kek, decrypts into plain
 * (cap >= len), decodes the payloads (only SEQ, D, SA, KD, CERT, SIG, VID;
 * exactly one SEQ and one SIG, SIG last; SA and KD together or neither)
 * and verifies SIG with kek->sig_key (public). On success p points into
 * plain. Returns 0, or with why set: -ENOENT (cookies are not this KEK's
 * SPI), -EBADMSG (does not decrypt or decode: truncated, bad padding,
 * malformed payloads), -EKEYREJECTED (the signature does not verify),
 * -EMSGSIZE (cap < len), -ENOMEM. The payloads' contents are decoded only
 * after the signature verified. Nothing in p may be trusted unless it
 * returns 0; on failure p is zeroed and plain wiped.
 */
int gdoi_push_open(const struct gdoi_kek_keys *kek, const uint8_t *msg,
		   size_t len, uint8_t *plain, size_t cap, struct gdoi_push *p,
		   char *why, size_t whylen);

/* Whether an SA payload has one of RFC 3547's layouts: the 1-byte SA
 * Attribute Next Payload, the 6-byte SA KEK trailer, an SA TEK with 1-byte
 * ID lengths */
bool gdoi_sa_rfc3547(const struct gdoi_sa *sa);

/* The KEK SPI a received push names (its cookies) */
void gdoi_push_spi(const struct isakmp_hdr *h, uint8_t spi[GDOI_KEK_SPI_LEN]);

/*
 * RFC 8263 acknowledgement of push seq by the member at addr (its ID
 * payload: ID_IPV4_ADDR), protected under kek as RFC 8263 specifies (only
 * kek->spi, alg, key_bits and key are used). Returns the message length,
 * or -EMSGSIZE, -EIO.
 */
int gdoi_push_ack_build(const struct gdoi_kek_keys *kek, uint32_t seq,
			struct in_addr addr, uint8_t *out, size_t cap);

/*
 * Checks a received ACK against kek (cookies, HASH) and returns its
 * sequence number and the member's address from its ID. 0, or -ENOENT
 * (not this KEK), -EBADMSG (malformed), -EKEYREJECTED (HASH wrong);
 * why set.
 */
int gdoi_push_ack_open(const struct gdoi_kek_keys *kek, const uint8_t *msg,
		       size_t len, uint32_t *seq, struct in_addr *addr,
		       char *why, size_t whylen);

#endif /* GVPN_GDOI_PUSH_H */
