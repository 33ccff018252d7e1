// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * GROUPKEY-PUSH (RFC 6407 4) and its acknowledgement (RFC 8263): the wire
 * format and its cryptography. See gdoi_push.h for the API. Each wire
 * decision below names the section it follows; where the RFCs leave a
 * choice (or where we could not check their exact text: the RFC bodies
 * were not at hand when this was written, see "unverified"), it says what
 * we chose and why.
 *
 * Push, as the key server sends it:
 *
 *   HDR  cookies = the KEK SPI, first 8 bytes in the initiator cookie, last
 *        8 in the responder cookie (RFC 6407 4 and 5.3: the SA KEK SPI is
 *        16 bytes because it is the push's cookie pair); exchange
 *        GROUPKEY-PUSH (33); E flag (HDR*); M-ID 0 (RFC 6407 4).
 *   then IV | CBC_KEK(SEQ, [D...,] [SA, KD,] SIG | padding)
 *
 *   IV: RFC 6407 5.3.3 specifies CBC for KEK_ALGORITHM; a push, unlike a
 *   Phase 1 or Phase 2 message (RFC 2409 appendix B), has no exchange state
 *   to derive an IV from. We send a fresh random IV of one cipher block in
 *   the clear in front of the ciphertext, so every push (and every
 *   retransmission, which resends the same bytes) decrypts with nothing
 *   but the KEK. (Unverified against other vendors' pushes.)
 *   Padding: zero bytes up to the block size (RFC 2409 5.3, as our Phase 1
 *   and Phase 2 do). Accepted: any padding shorter than one block that is
 *   all zeros or ends with its own length (RFC 2409 5.3's other form).
 *
 *   SIG (RFC 6407 4.1, kept from RFC 3547 4.1): an RSA PKCS#1 v1.5
 *   signature (SIG_ALGORITHM RSA, 5.3.7), with the KEK's SIG_HASH_ALGORITHM
 *   (5.3.6), over
 *       "rekey" | HDR | SEQ ... up to, not including, the SIG payload
 *   in plaintext. The HDR signed is the one sent except its Length field,
 *   which is the length of the plaintext message with SIG and without IV or
 *   padding: the length the signer knows when it signs, before encryption.
 *   (The "rekey" prefix and the Length are unverified against the RFC text
 *   and other vendors.) A member checks SIG before it looks at the content
 *   of any payload (issue 9).
 *
 *   Payloads (RFC 6407 4): SEQ exactly once (5.7); D up to
 *   GDOI_PUSH_MAX_DEL (5.9); SA and KD both or neither; CERT and VID
 *   accepted and ignored (the key server's key came with the KEK); SIG
 *   exactly once, last. Unknown payloads are skipped unless flagged
 *   critical (isakmp_chain_decode); known ones that have no place in a push
 *   (HASH, NONCE, KE, ID, ...) are refused. Order is not checked beyond SIG
 *   last (liberal: RFC 3547 pushes have the same set).
 *   KEK_ACK_REQUESTED (RFC 8263 2): we send attribute 9, basic, value 1;
 *   any value of 9 or of Juniper's pre-standard 129 means an ACK is wanted.
 *
 *   RFC 3547 4 (the original GDOI; p->rfc3547 when building): HDR*, SEQ,
 *   SA, KD, [CERT,] SIG. What differs from RFC 6407 4 on the wire: SA and
 *   KD in every push (no SEQ-only push, so no heartbeat); no Delete
 *   payload (RFC 3547 removes SAs by their lifetimes); no GAP in the SA
 *   (RFC 6407 5.5 added it); no KEK_ACK_REQUESTED (RFC 8263 came later:
 *   no ACK); and the SA in RFC 3547's layouts (5.3: SA KEK with POP
 *   fields after the SPI; 5.4.1: SA TEK with 1-byte ID Data Len), which
 *   the role puts in p->sa as it does for a pull. The same in both: the
 *   header and cookies, SEQ (one more than the previous push, counted
 *   from the pull's message 4), and SIG over "rekey" | HDR | the
 *   payloads before SIG in plaintext (RFC 3547 4 and 4.7, RFC 6407 4.1).
 *   KEK attribute numbers 1-7 are the same; 8 (KE_OAKLEY_GROUP) is RFC
 *   3547's only and not sent. Opening accepts both forms: the SA decoder
 *   tells the layouts apart by which lengths parse.
 *
 * ACK (RFC 8263 3), member to key server, not encrypted:
 *
 *   HDR  cookies = the KEK SPI of the push it acknowledges, exchange
 *        GDOI_EXCH_PUSH_ACK, no flags, M-ID 0
 *   HASH, SEQ (the push's sequence number), ID (the member: ID_IPV4_ADDR)
 *
 *   HASH = prf(K_ack, SEQ | ID) over the payloads after HASH as sent
 *   (generic headers included, as IKEv1's HASH(1..3) cover payloads), with
 *   prf = HMAC-SHA-256 (Juniper: an ACK "with SHA-256 checksum") and
 *   K_ack = prf(KEK_ALGORITHM_KEY, "GROUPKEY-PUSH ACK" | KEK SPI): only
 *   holders of the KEK can compute it, and it is bound to that KEK.
 *   (Our reading of RFC 8263 3; unverified against other vendors.) The key
 *   server tries the current and the previous KEK (its caller's choice).
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "gdoi/gdoi_push.h"
#include "ike/ike.h"

/* RFC 3547 4.1, kept by RFC 6407 4.1: what the signed data starts with */
static const char sig_prefix[] = "rekey";
/* RFC 8263 3 (our reading, see above): the label of the ACK key */
static const char ack_label[] = "GROUPKEY-PUSH ACK";
#define ACK_HASH_LEN	32	/* HMAC-SHA-256 */

#define IOV(p, n) { .iov_base = (void *)(p), .iov_len = (n) }

static int fail(char *why, size_t whylen, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(char *why, size_t whylen, int err, const char *fmt, ...)
{
	va_list ap;

	if (why && whylen) {
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return err;
}

/* The KEK cipher as Phase 1 names it (RFC 6407 5.3.3, 5.3.4) */
static int kek_cipher(const struct gdoi_kek_keys *kek, uint16_t *encr,
		      uint16_t *bits, size_t *bs)
{
	if (kek->alg == GDOI_KEK_ALG_AES &&
	    (kek->key_bits == 128 || kek->key_bits == 192 ||
	     kek->key_bits == 256)) {
		*encr = IKE_ENCR_AES_CBC;
		*bits = kek->key_bits;
	} else if (kek->alg == GDOI_KEK_ALG_3DES) {
		*encr = IKE_ENCR_3DES;
		*bits = 192;
	} else {
		return -1;
	}
	*bs = ike_block_len(*encr);
	return 0;
}

static size_t kek_key_len(const struct gdoi_kek_keys *kek)
{
	return kek->alg == GDOI_KEK_ALG_3DES ? 24 : kek->key_bits / 8u;
}

/* SIG_HASH_ALGORITHM (RFC 6407 5.3.6) */
static const EVP_MD *sig_md(uint16_t sig_hash)
{
	switch (sig_hash) {
	case GDOI_SIG_HASH_MD5:
		return ike_md(IKE_HASH_MD5);
	case GDOI_SIG_HASH_SHA1:
		return ike_md(IKE_HASH_SHA1);
	case GDOI_SIG_HASH_SHA256:
		return ike_md(IKE_HASH_SHA256);
	case GDOI_SIG_HASH_SHA384:
		return ike_md(IKE_HASH_SHA384);
	case GDOI_SIG_HASH_SHA512:
		return ike_md(IKE_HASH_SHA512);
	}
	return NULL;
}

/* Signs "rekey" | hdr | body[0..body_len) (RFC 6407 4.1); hdr: 28 bytes */
static int push_sign(const struct gdoi_kek_keys *kek, const uint8_t *hdr,
		     const uint8_t *body, size_t body_len, uint8_t *sig,
		     size_t *sig_len)
{
	const EVP_MD *md = sig_md(kek->sig_hash);
	EVP_MD_CTX *ctx;
	int ret = -1;

	if (!md || !kek->sig_key || !(ctx = EVP_MD_CTX_new()))
		return -1;
	if (EVP_DigestSignInit(ctx, NULL, md, NULL, kek->sig_key) > 0 &&
	    EVP_DigestSignUpdate(ctx, sig_prefix, sizeof(sig_prefix) - 1) > 0 &&
	    EVP_DigestSignUpdate(ctx, hdr, ISAKMP_HDR_LEN) > 0 &&
	    EVP_DigestSignUpdate(ctx, body, body_len) > 0 &&
	    EVP_DigestSignFinal(ctx, sig, sig_len) > 0)
		ret = 0;
	EVP_MD_CTX_free(ctx);
	return ret;
}

/* The same signature checked: true if it verifies */
static bool push_verify(const struct gdoi_kek_keys *kek, const uint8_t *hdr,
			const uint8_t *body, size_t body_len,
			const uint8_t *sig, size_t sig_len)
{
	const EVP_MD *md = sig_md(kek->sig_hash);
	EVP_MD_CTX *ctx;
	bool ok = false;

	if (!md || !kek->sig_key || !sig_len || !(ctx = EVP_MD_CTX_new()))
		return false;
	if (EVP_DigestVerifyInit(ctx, NULL, md, NULL, kek->sig_key) > 0 &&
	    EVP_DigestVerifyUpdate(ctx, sig_prefix,
				   sizeof(sig_prefix) - 1) > 0 &&
	    EVP_DigestVerifyUpdate(ctx, hdr, ISAKMP_HDR_LEN) > 0 &&
	    EVP_DigestVerifyUpdate(ctx, body, body_len) > 0 &&
	    EVP_DigestVerifyFinal(ctx, sig, sig_len) == 1)
		ok = true;
	EVP_MD_CTX_free(ctx);
	return ok;
}

static bool is_ack_attr(uint16_t type)
{
	return type == GDOI_KEK_ATTR_ACK_REQUESTED ||
	       type == GDOI_KEK_ATTR_ACK_REQUESTED_OLD;
}

bool gdoi_sa_rfc3547(const struct gdoi_sa *sa)
{
	unsigned i;

	if (sa->rfc3547_hdr || (sa->has_kek && sa->kek.trailer_len == 6))
		return true;
	for (i = 0; i < sa->ntek; i++)
		if (sa->tek[i].id_len8)
			return true;
	return false;
}

void gdoi_push_spi(const struct isakmp_hdr *h, uint8_t spi[GDOI_KEK_SPI_LEN])
{
	/* RFC 6407 4: the KEK SPI is the initiator | responder cookie */
	memcpy(spi, h->icookie, ISAKMP_COOKIE_LEN);
	memcpy(spi + ISAKMP_COOKIE_LEN, h->rcookie, ISAKMP_COOKIE_LEN);
}

static void spi_cookies(struct isakmp_hdr *h, const uint8_t *spi)
{
	memcpy(h->icookie, spi, ISAKMP_COOKIE_LEN);
	memcpy(h->rcookie, spi + ISAKMP_COOKIE_LEN, ISAKMP_COOKIE_LEN);
}

/* --- push: build -------------------------------------------------------- */

/*
 * The SA KEK attributes as sent: the role's, without any KEK_ACK_REQUESTED,
 * then KEK_ACK_REQUESTED (9, RFC 8263 2) when asked for. Strict in what we
 * send: never the pre-standard 129.
 */
static int kek_attrs(const struct gdoi_sak *k, bool ack, uint8_t **mem,
		     size_t *len)
{
	struct isakmp_attrs it = k->attrs;
	struct isakmp_attr a;
	struct isakmp_buf b;
	size_t cap = k->attrs.len + 8;

	*mem = malloc(cap);
	if (!*mem)
		return -ENOMEM;
	isakmp_buf_init(&b, *mem, cap);
	while (isakmp_attr_next(&it, &a) == 1)
		if (!is_ack_attr(a.type))
			isakmp_put_attr(&b, &a);
	if (ack)
		isakmp_put_attr_basic(&b, GDOI_KEK_ATTR_ACK_REQUESTED,
				      GDOI_KEK_ACK_TYPE_MEMBER);
	if (b.err) {
		free(*mem);
		return -EMSGSIZE;
	}
	*len = b.len;
	return 0;
}

int gdoi_push_build(const struct gdoi_kek_keys *kek, const struct gdoi_push *p,
		    uint8_t *out, size_t cap, uint8_t *plain,
		    size_t *plain_len)
{
	struct isakmp_hdr h = {
		.version = ISAKMP_VERSION, .exch = GDOI_EXCH_PUSH,
		.flags = ISAKMP_FLAG_E, .msgid = 0,
	};
	struct gdoi_sa *sa = NULL;
	uint8_t *attrs = NULL, hdr[ISAKMP_HDR_LEN];
	struct isakmp_buf b;
	uint16_t encr, bits;
	size_t bs, sig_len, sig_max, sig_off, sig_start, n, pad, plen;
	unsigned i;
	int ret;

	if (kek_cipher(kek, &encr, &bits, &bs) || !kek->sig_key ||
	    !sig_md(kek->sig_hash) || p->ndel > GDOI_PUSH_MAX_DEL ||
	    (p->ack_requested && !(p->has_sa && p->sa.has_kek)))
		return -EINVAL;
	/* RFC 3547 4: HDR*, SEQ, SA, KD, [CERT,] SIG and nothing else */
	if (p->rfc3547 && (!p->has_sa || p->ndel || p->sa.has_gap ||
			   p->ack_requested))
		return -EINVAL;
	if (EVP_PKEY_get_size(kek->sig_key) <= 0)
		return -EINVAL;
	sig_max = (size_t)EVP_PKEY_get_size(kek->sig_key);

	if (p->has_sa && p->sa.has_kek) {
		size_t alen;

		sa = malloc(sizeof(*sa));
		if (!sa)
			return -ENOMEM;
		*sa = p->sa;
		ret = kek_attrs(&p->sa.kek, p->ack_requested, &attrs, &alen);
		if (ret) {
			free(sa);
			return ret;
		}
		sa->kek.attrs = (struct isakmp_attrs){ attrs, alen };
	}

	spi_cookies(&h, kek->spi);
	isakmp_buf_init(&b, out, cap);
	isakmp_hdr_encode(&b, &h);
	/* RFC 6407 4: HDR*, SEQ, [D,] [SA, KD,] [CERT,] SIG; RFC 3547 4 the
	 * same without D and with SA and KD always (checked above) */
	gdoi_seq_encode(&b, p->seq);
	for (i = 0; i < p->ndel; i++)
		isakmp_delete_encode(&b, &p->del[i]);
	if (p->has_sa) {
		gdoi_sa_encode(&b, sa ? sa : &p->sa);
		gdoi_kd_encode(&b, &p->kd);
	}
	sig_start = isakmp_pl_begin(&b, ISAKMP_NP_SIG);
	sig_off = b.len;
	isakmp_put_zero(&b, sig_max);
	isakmp_pl_end(&b, sig_start);
	isakmp_msg_end(&b);
	free(sa);
	free(attrs);
	if (b.err) {
		/* the KD went in, maybe in part: no keys left behind */
		OPENSSL_cleanse(out, b.len < cap ? b.len : cap);
		return -EMSGSIZE;
	}

	/* RFC 6407 4.1: sign "rekey" | HDR | payloads before SIG */
	plen = b.len;
	memcpy(hdr, out, ISAKMP_HDR_LEN);
	sig_len = sig_max;
	if (push_sign(kek, hdr, out + ISAKMP_HDR_LEN,
		      sig_start - ISAKMP_HDR_LEN, out + sig_off, &sig_len) ||
	    sig_len != sig_max) {
		OPENSSL_cleanse(out, plen);
		return -EIO;
	}

	if (plain) {
		/* the capture's copy: plaintext, so without the E flag */
		if (!plain_len || *plain_len < plen) {
			OPENSSL_cleanse(out, plen);
			return -EMSGSIZE;
		}
		memcpy(plain, out, plen);
		plain[19] &= (uint8_t)~ISAKMP_FLAG_E;
		*plain_len = plen;
	}

	/* IV | CBC(payloads | zero padding) (see the top of the file) */
	n = plen - ISAKMP_HDR_LEN;
	pad = (bs - n % bs) % bs;
	if (ISAKMP_HDR_LEN + bs + n + pad > cap ||
	    ISAKMP_HDR_LEN + bs + n + pad > ISAKMP_MAX_MSG) {
		OPENSSL_cleanse(out, plen);
		return -EMSGSIZE;
	}
	memmove(out + ISAKMP_HDR_LEN + bs, out + ISAKMP_HDR_LEN, n);
	memset(out + ISAKMP_HDR_LEN + bs + n, 0, pad);
	if (RAND_bytes(out + ISAKMP_HDR_LEN, (int)bs) != 1 ||
	    ike_cbc(encr, bits, kek->key, out + ISAKMP_HDR_LEN,
		    out + ISAKMP_HDR_LEN + bs, n + pad,
		    out + ISAKMP_HDR_LEN + bs, true)) {
		OPENSSL_cleanse(out, cap < plen + bs ? cap : plen + bs);
		return -EIO;
	}
	n = ISAKMP_HDR_LEN + bs + n + pad;
	isakmp_set_u32(&b, 24, (uint32_t)n);
	return (int)n;
}

/* --- push: open --------------------------------------------------------- */

static bool pad_ok(const uint8_t *p, size_t n, size_t bs)
{
	size_t i;
	bool zero = true;

	if (n >= bs)
		return false;
	for (i = 0; i < n; i++)
		zero &= p[i] == 0;
	/* RFC 2409 5.3: zeros (ours), or the last byte its own length */
	return zero || p[n - 1] == n || p[n - 1] == n - 1;
}

int gdoi_push_open(const struct gdoi_kek_keys *kek, const uint8_t *msg,
		   size_t len, uint8_t *plain, size_t cap, struct gdoi_push *p,
		   char *why, size_t whylen)
{
	uint8_t hdr[ISAKMP_HDR_LEN];
	const struct isakmp_pl *pl;
	struct isakmp_chain *c;
	struct isakmp_err err;
	struct isakmp_hdr h;
	uint16_t encr, bits;
	size_t bs, body, end, sig_at;
	uint8_t np, last = ISAKMP_NP_NONE;
	unsigned i, nsa, nkd;
	int ret = -EBADMSG;

	memset(p, 0, sizeof(*p));
	if (why && whylen)
		*why = 0;
	if (len < ISAKMP_HDR_LEN)
		return fail(why, whylen, -EBADMSG,
			    "push of %zu bytes is shorter than a header", len);
	/* cookies first: a push under another KEK is not ours to judge */
	if (memcmp(msg, kek->spi, GDOI_KEK_SPI_LEN))
		return fail(why, whylen, -ENOENT,
			    "cookies are not the KEK SPI");
	if (isakmp_hdr_decode(&h, msg, len, &err))
		return fail(why, whylen, -EBADMSG, "%s", err.msg);
	if (h.exch != GDOI_EXCH_PUSH)
		return fail(why, whylen, -EBADMSG, "exchange %u is not a push",
			    h.exch);
	if (!(h.flags & ISAKMP_FLAG_E))
		return fail(why, whylen, -EBADMSG, "push is not encrypted");
	if (kek_cipher(kek, &encr, &bits, &bs))
		return fail(why, whylen, -EBADMSG, "KEK algorithm %u/%u",
			    kek->alg, kek->key_bits);
	body = len - ISAKMP_HDR_LEN;
	if (body < 2 * bs || body % bs)
		return fail(why, whylen, -EBADMSG,
			    "encrypted part of %zu bytes (IV and blocks of %zu)",
			    body, bs);
	if (cap < len)
		return fail(why, whylen, -EMSGSIZE, "buffer too small");

	/* plain = HDR | payloads | padding (the IV dropped) */
	memcpy(plain, msg, ISAKMP_HDR_LEN);
	body -= bs;
	if (ike_cbc(encr, bits, kek->key, msg + ISAKMP_HDR_LEN,
		    msg + ISAKMP_HDR_LEN + bs, body, plain + ISAKMP_HDR_LEN,
		    false)) {
		OPENSSL_cleanse(plain, len);
		return fail(why, whylen, -EBADMSG, "KEK decryption failed");
	}

	c = malloc(sizeof(*c));
	if (!c) {
		OPENSSL_cleanse(plain, len);
		return fail(why, whylen, -ENOMEM, "out of memory");
	}
	if (isakmp_chain_decode(c, h.np, plain + ISAKMP_HDR_LEN, body, true,
				&err)) {
		ret = fail(why, whylen, -EBADMSG, "%s", err.msg);
		goto out;
	}
	/* where the chain ends and what comes last, skipped payloads too */
	end = 0;
	sig_at = 0;
	for (np = h.np; np != ISAKMP_NP_NONE;) {
		const uint8_t *g = plain + ISAKMP_HDR_LEN + end;

		if (np == ISAKMP_NP_SIG)
			sig_at = end;
		last = np;
		np = g[0];
		end += (size_t)g[2] << 8 | g[3];
	}
	if (!pad_ok(plain + ISAKMP_HDR_LEN + end, body - end, bs)) {
		ret = fail(why, whylen, -EBADMSG,
		     "bad padding: %zu bytes after the last payload",
		     body - end);
		goto out;
	}
	if (isakmp_chain_count(c, ISAKMP_NP_SIG) != 1 ||
	    last != ISAKMP_NP_SIG) {
		ret = fail(why, whylen, -EBADMSG, "%s",
		     isakmp_chain_count(c, ISAKMP_NP_SIG) ?
		     "SIG is not the last payload" : "no SIG payload");
		goto out;
	}
	if (isakmp_chain_count(c, ISAKMP_NP_SEQ) != 1) {
		ret = fail(why, whylen, -EBADMSG, "%u SEQ payloads (one expected)",
		     isakmp_chain_count(c, ISAKMP_NP_SEQ));
		goto out;
	}
	nsa = isakmp_chain_count(c, ISAKMP_NP_SA);
	nkd = isakmp_chain_count(c, ISAKMP_NP_KD);
	if (nsa > 1 || nkd > 1 || nsa != nkd) {
		ret = fail(why, whylen, -EBADMSG,
		     "%u SA and %u KD payloads (both or neither)", nsa, nkd);
		goto out;
	}
	if (isakmp_chain_count(c, ISAKMP_NP_D) > GDOI_PUSH_MAX_DEL) {
		ret = fail(why, whylen, -EBADMSG, "more than %d Delete payloads",
		     GDOI_PUSH_MAX_DEL);
		goto out;
	}
	for (i = 0; i < c->n; i++) {
		switch (c->pl[i].type) {
		case ISAKMP_NP_SEQ:
		case ISAKMP_NP_D:
		case ISAKMP_NP_SA:
		case ISAKMP_NP_KD:
		case ISAKMP_NP_CERT:
		case ISAKMP_NP_SIG:
		case ISAKMP_NP_VID:
			break;
		default:
			ret = fail(why, whylen, -EBADMSG,
			     "%s payload in a push",
			     isakmp_np_name(c->pl[i].type));
			goto out;
		}
	}

	/* the signature before anything else (issue 9) */
	pl = isakmp_chain_find(c, ISAKMP_NP_SIG, 0);
	memcpy(hdr, plain, ISAKMP_HDR_LEN);
	hdr[24] = (uint8_t)((ISAKMP_HDR_LEN + end) >> 24);
	hdr[25] = (uint8_t)((ISAKMP_HDR_LEN + end) >> 16);
	hdr[26] = (uint8_t)((ISAKMP_HDR_LEN + end) >> 8);
	hdr[27] = (uint8_t)(ISAKMP_HDR_LEN + end);
	if (!push_verify(kek, hdr, plain + ISAKMP_HDR_LEN, sig_at, pl->body,
			 pl->len)) {
		ret = fail(why, whylen, -EKEYREJECTED,
		     "signature does not verify with the key server's key");
		goto out;
	}

	/* signed by the key server: now the contents */
	if (gdoi_seq_decode(&p->seq, isakmp_chain_find(c, ISAKMP_NP_SEQ, 0),
			    &err))
		goto bad;
	for (i = 0; (pl = isakmp_chain_find(c, ISAKMP_NP_D, i)); i++)
		if (isakmp_delete_decode(&p->del[p->ndel++], pl, &err))
			goto bad;
	if (nsa) {
		p->has_sa = true;
		if (gdoi_sa_decode(&p->sa, isakmp_chain_find(c, ISAKMP_NP_SA,
							      0), &err) ||
		    gdoi_kd_decode(&p->kd, isakmp_chain_find(c, ISAKMP_NP_KD,
							      0), &err))
			goto bad;
		if (p->sa.has_kek) {
			struct isakmp_attrs it = p->sa.kek.attrs;
			struct isakmp_attr a;

			/* RFC 8263 2; Juniper also honours 129 */
			while (isakmp_attr_next(&it, &a) == 1)
				if (is_ack_attr(a.type))
					p->ack_requested = true;
		}
		/* RFC 3547 4's form (see gdoi_push.h) */
		p->rfc3547 = !p->ndel && !p->sa.has_gap &&
			     gdoi_sa_rfc3547(&p->sa);
	}
	ret = 0;
	goto out;
bad:
	ret = fail(why, whylen, -EBADMSG, "%s", err.msg);
out:
	free(c);
	if (ret) {
		/* nothing in p may be used: keep nothing that looks valid */
		memset(p, 0, sizeof(*p));
		if (cap >= ISAKMP_HDR_LEN + body)
			OPENSSL_cleanse(plain, ISAKMP_HDR_LEN + body);
	}
	return ret;
}

/* --- ACK (RFC 8263 3) ----------------------------------------------------- */

/* HASH = prf(K_ack, what follows HASH); see the top of the file */
static int ack_hash(const struct gdoi_kek_keys *kek, const uint8_t *p,
		    size_t len, uint8_t out[ACK_HASH_LEN])
{
	uint8_t k[IKE_MAX_HASH];
	struct iovec kv[] = {
		IOV(ack_label, sizeof(ack_label) - 1),
		IOV(kek->spi, GDOI_KEK_SPI_LEN),
	};
	struct iovec hv[] = { IOV(p, len) };
	size_t klen = kek_key_len(kek);
	int ret;

	if (!klen || klen > sizeof(kek->key))
		return -1;
	ret = ike_prf(IKE_HASH_SHA256, kek->key, klen, kv, 2, k);
	if (!ret)
		ret = ike_prf(IKE_HASH_SHA256, k, ACK_HASH_LEN, hv, 1, out);
	OPENSSL_cleanse(k, sizeof(k));
	return ret;
}

int gdoi_push_ack_build(const struct gdoi_kek_keys *kek, uint32_t seq,
			struct in_addr addr, uint8_t *out, size_t cap)
{
	struct isakmp_hdr h = {
		.version = ISAKMP_VERSION, .exch = GDOI_EXCH_PUSH_ACK,
	};
	struct isakmp_id id = {
		.type = ISAKMP_ID_IPV4_ADDR, .data = (const uint8_t *)&addr,
		.len = 4,
	};
	uint8_t hash[ACK_HASH_LEN];
	struct isakmp_buf b;
	size_t hash_off, after;

	spi_cookies(&h, kek->spi);
	isakmp_buf_init(&b, out, cap);
	isakmp_hdr_encode(&b, &h);
	/* RFC 8263 3: HDR, HASH, SEQ, ID */
	hash_off = isakmp_pl_begin(&b, ISAKMP_NP_HASH);
	isakmp_put_zero(&b, ACK_HASH_LEN);
	isakmp_pl_end(&b, hash_off);
	after = b.len;
	gdoi_seq_encode(&b, seq);
	isakmp_id_encode(&b, &id);
	isakmp_msg_end(&b);
	if (b.err)
		return -EMSGSIZE;
	if (ack_hash(kek, out + after, b.len - after, hash))
		return -EIO;
	memcpy(out + hash_off + ISAKMP_GEN_LEN, hash, ACK_HASH_LEN);
	return (int)b.len;
}

int gdoi_push_ack_open(const struct gdoi_kek_keys *kek, const uint8_t *msg,
		       size_t len, uint32_t *seq, struct in_addr *addr,
		       char *why, size_t whylen)
{
	uint8_t hash[ACK_HASH_LEN];
	const struct isakmp_pl *hp, *pl;
	struct isakmp_chain *c;
	struct isakmp_err err;
	struct isakmp_hdr h;
	struct isakmp_id id;
	size_t after;
	unsigned i;
	int ret;

	if (why && whylen)
		*why = 0;
	if (len < ISAKMP_HDR_LEN)
		return fail(why, whylen, -EBADMSG,
			    "ACK of %zu bytes is shorter than a header", len);
	if (memcmp(msg, kek->spi, GDOI_KEK_SPI_LEN))
		return fail(why, whylen, -ENOENT,
			    "cookies are not the KEK SPI");
	if (isakmp_hdr_decode(&h, msg, len, &err))
		return fail(why, whylen, -EBADMSG, "%s", err.msg);
	if (h.exch != GDOI_EXCH_PUSH_ACK)
		return fail(why, whylen, -EBADMSG, "exchange %u is not an ACK",
			    h.exch);
	if (h.flags & ISAKMP_FLAG_E)
		return fail(why, whylen, -EBADMSG, "encrypted ACK");
	c = malloc(sizeof(*c));
	if (!c)
		return fail(why, whylen, -ENOMEM, "out of memory");
	ret = -EBADMSG;
	if (isakmp_chain_decode(c, h.np, msg + ISAKMP_HDR_LEN,
				len - ISAKMP_HDR_LEN, false, &err)) {
		ret = fail(why, whylen, -EBADMSG, "%s", err.msg);
		goto out;
	}
	/* RFC 8263 3: HASH first, then one SEQ and one ID (VID tolerated) */
	if (!c->n || c->pl[0].type != ISAKMP_NP_HASH ||
	    c->pl[0].len != ACK_HASH_LEN ||
	    isakmp_chain_count(c, ISAKMP_NP_SEQ) != 1 ||
	    isakmp_chain_count(c, ISAKMP_NP_ID) != 1) {
		ret = fail(why, whylen, -EBADMSG,
			   "not HASH (%d bytes), SEQ, ID", ACK_HASH_LEN);
		goto out;
	}
	for (i = 1; i < c->n; i++) {
		if (c->pl[i].type != ISAKMP_NP_SEQ &&
		    c->pl[i].type != ISAKMP_NP_ID &&
		    c->pl[i].type != ISAKMP_NP_VID) {
			ret = fail(why, whylen, -EBADMSG, "%s payload in an ACK",
				   isakmp_np_name(c->pl[i].type));
			goto out;
		}
	}
	hp = &c->pl[0];
	after = (size_t)(hp->body + hp->len - msg);
	if (ack_hash(kek, msg + after, len - after, hash) ||
	    CRYPTO_memcmp(hash, hp->body, ACK_HASH_LEN)) {
		ret = fail(why, whylen, -EKEYREJECTED,
			   "HASH does not verify under the KEK");
		goto out;
	}
	if (gdoi_seq_decode(seq, isakmp_chain_find(c, ISAKMP_NP_SEQ, 0),
			    &err)) {
		ret = fail(why, whylen, -EBADMSG, "%s", err.msg);
		goto out;
	}
	pl = isakmp_chain_find(c, ISAKMP_NP_ID, 0);
	if (isakmp_id_decode(&id, pl, &err)) {
		ret = fail(why, whylen, -EBADMSG, "%s", err.msg);
		goto out;
	}
	if (id.type != ISAKMP_ID_IPV4_ADDR || id.len != 4) {
		ret = fail(why, whylen, -EBADMSG,
			   "ID of type %s (ID_IPV4_ADDR expected)",
			   isakmp_id_type_name(id.type));
		goto out;
	}
	memcpy(addr, id.data, 4);
	ret = 0;
out:
	OPENSSL_cleanse(hash, sizeof(hash));
	free(c);
	return ret;
}
