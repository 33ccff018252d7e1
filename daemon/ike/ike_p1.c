// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * What main mode and aggressive mode share (RFC 2409 5): the SA offer and
 * the choice among it, KE and nonces, keying, identities and the
 * authentication of both sides by HASH (pre-shared key) or SIG (RSA).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "ike_int.h"

static uint8_t *memdup(const void *p, size_t len)
{
	uint8_t *d = malloc(len ? len : 1);

	if (d && len)
		memcpy(d, p, len);
	return d;
}

uint32_t ike_lifetime(uint32_t offered, uint32_t ours)
{
	if (!offered)
		offered = IKE_DEFAULT_LIFETIME;
	return ours && ours < offered ? ours : offered;
}

int ike_p1_put_offer(struct ike_sa *sa, struct isakmp_buf *b)
{
	const struct ike_peer *pc = sa->pc;
	uint8_t attrs[ISAKMP_MAX_TRANSFORMS * 32];
	struct isakmp_sa offer;
	struct isakmp_buf ab;
	size_t start;
	unsigned i;

	memset(&offer, 0, sizeof(offer));
	isakmp_buf_init(&ab, attrs, sizeof(attrs));
	offer.doi = sa->doi;
	offer.situation = sa->doi == ISAKMP_DOI_IPSEC ? IPSEC_SIT_IDENTITY_ONLY : 0;
	for (i = 0; i < pc->nsuites && offer.ntrans < ISAKMP_MAX_TRANSFORMS; i++) {
		const struct ike_suite *s = &pc->suites[i];
		struct isakmp_transform *t = &offer.t[offer.ntrans];
		size_t at = ab.len;

		/* aggressive mode sends KE at once: one group only */
		if (sa->exch == ISAKMP_EXCH_AGGRESSIVE &&
		    s->group != pc->suites[0].group)
			continue;
		ike_suite_encode(&ab, s);
		t->num = (uint8_t)(offer.ntrans + 1);
		t->id = ISAKMP_KEY_IKE;
		t->attrs.p = attrs + at;
		t->attrs.len = ab.len - at;
		offer.ntrans++;
	}
	if (ab.err || !offer.ntrans)
		return -1;
	offer.nprop = 1;
	offer.prop[0] = (struct isakmp_proposal){
		.num = 1, .proto = ISAKMP_PROTO_ISAKMP,
		.ntrans = (uint8_t)offer.ntrans,
	};
	start = b->len;
	isakmp_sa_encode(b, &offer);
	if (b->err)
		return -1;
	free(sa->sai_b);
	sa->sai_len = b->len - start - ISAKMP_GEN_LEN;
	sa->sai_b = memdup(b->p + start + ISAKMP_GEN_LEN, sa->sai_len);
	return sa->sai_b ? 0 : -1;
}

int ike_p1_select(struct ike_ctx *ctx, const struct ike_peer *pc,
		  const struct isakmp_sa *offer, struct ike_suite *chosen,
		  unsigned *t_idx, struct isakmp_err *err)
{
	char offered[200] = "", buf[96];
	size_t used = 0;
	unsigned i, j, k, n = 0;
	bool refused_legacy = false;	/* a transform only ike.legacy allows */

	if (offer->doi != ISAKMP_DOI_IPSEC && offer->doi != ISAKMP_DOI_GDOI)
		return isakmp_fail(err, ISAKMP_N_DOI_NOT_SUPPORTED,
				   "DOI %u not supported", offer->doi);
	for (i = 0; i < offer->nprop; i++) {
		const struct isakmp_proposal *p = &offer->prop[i];

		if (p->proto != ISAKMP_PROTO_ISAKMP)
			continue;
		/* same number as a neighbour: an AND of protocols, not Phase 1 */
		if ((i > 0 && offer->prop[i - 1].num == p->num) ||
		    (i + 1 < offer->nprop && offer->prop[i + 1].num == p->num))
			continue;
		for (j = 0; j < p->ntrans; j++) {
			const struct isakmp_transform *t = &offer->t[p->first + j];
			struct isakmp_err terr;
			struct ike_suite s;

			n++;
			if (ike_suite_decode(&s, t, &terr)) {
				if (used < sizeof(offered) - 2)
					used += (size_t)snprintf(offered + used,
						sizeof(offered) - used, "%s(%s)",
						used ? ", " : "", terr.msg);
				continue;
			}
			if (used < sizeof(offered) - 2)
				used += (size_t)snprintf(offered + used,
					sizeof(offered) - used, "%s%s",
					used ? ", " : "",
					ike_suite_str(&s, buf, sizeof(buf)));
			if (!ike_cipher(s.encr, s.key_bits) || !ike_md(s.hash) ||
			    !ike_group_supported(s.group))
				continue;
			if (!ctx->conf->legacy && ike_suite_legacy(&s)) {
				refused_legacy = true;
				continue;
			}
			for (k = 0; k < pc->nsuites; k++) {
				if (ike_suite_match(&s, &pc->suites[k])) {
					*chosen = s;
					chosen->lifetime =
						ike_lifetime(s.lifetime,
							     pc->suites[k].lifetime);
					*t_idx = p->first + j;
					return 0;
				}
			}
		}
	}
	if (used >= sizeof(offered) - 2)
		strcpy(offered + sizeof(offered) - 5, "...");
	return isakmp_fail(err, ISAKMP_N_NO_PROPOSAL_CHOSEN,
			   "none of the %u offered transforms is acceptable: %s%s",
			   n, offered, refused_legacy ?
			   " (legacy algorithms are disabled)" : "");
}

void ike_p1_put_reply_sa(struct isakmp_buf *b, const uint8_t *sai_b,
			 uint8_t prop_num, const uint8_t *t, size_t t_len)
{
	size_t start = isakmp_pl_begin(b, ISAKMP_NP_SA), tstart;

	isakmp_put_bytes(b, sai_b, 8);		/* DOI, situation */
	isakmp_put_u8(b, ISAKMP_NP_NONE);
	isakmp_put_u8(b, 0);
	isakmp_put_u16(b, (uint16_t)(8 + t_len));
	isakmp_put_u8(b, prop_num);
	isakmp_put_u8(b, ISAKMP_PROTO_ISAKMP);
	isakmp_put_u8(b, 0);
	isakmp_put_u8(b, 1);
	tstart = b->len;
	isakmp_put_bytes(b, t, t_len);
	if (!b->err)
		b->p[tstart] = ISAKMP_NP_NONE;	/* the only transform */
	isakmp_pl_end(b, start);
}

int ike_p1_check_reply(struct ike_sa *sa, const struct isakmp_chain *c,
		       struct isakmp_err *err)
{
	const struct isakmp_pl *pl = isakmp_chain_find(c, ISAKMP_NP_SA, 0);
	struct isakmp_sa reply;
	struct ike_suite s;
	unsigned k;
	char buf[96];

	if (!pl || isakmp_chain_count(c, ISAKMP_NP_SA) != 1)
		return isakmp_fail(err, ISAKMP_N_PAYLOAD_MALFORMED,
				   "expected one SA payload, got %u",
				   isakmp_chain_count(c, ISAKMP_NP_SA));
	if (isakmp_sa_decode(&reply, pl, err))
		return -1;
	if (reply.nprop != 1 || reply.ntrans != 1 ||
	    reply.prop[0].proto != ISAKMP_PROTO_ISAKMP)
		return isakmp_fail(err, ISAKMP_N_BAD_PROPOSAL_SYNTAX,
				   "the answer has %u proposals and %u transforms, expected one ISAKMP transform",
				   reply.nprop, reply.ntrans);
	if (reply.doi != ISAKMP_DOI_IPSEC && reply.doi != ISAKMP_DOI_GDOI)
		return isakmp_fail(err, ISAKMP_N_DOI_NOT_SUPPORTED,
				   "DOI %u in the answer", reply.doi);
	if (ike_suite_decode(&s, &reply.t[0], err))
		return -1;
	for (k = 0; k < sa->pc->nsuites; k++) {
		if (ike_suite_match(&s, &sa->pc->suites[k]) &&
		    (sa->exch != ISAKMP_EXCH_AGGRESSIVE ||
		     s.group == sa->pc->suites[0].group)) {
			sa->suite = s;
			sa->suite.lifetime = ike_lifetime(s.lifetime,
							  sa->pc->suites[k].lifetime);
			return 0;
		}
	}
	return isakmp_fail(err, ISAKMP_N_NO_PROPOSAL_CHOSEN,
			   "the peer chose %s, which we did not offer",
			   ike_suite_str(&s, buf, sizeof(buf)));
}

int ike_p1_put_ke_nonce(struct ike_sa *sa, struct isakmp_buf *b)
{
	uint8_t *nonce = sa->initiator ? sa->ni : sa->nr;
	size_t *nlen = sa->initiator ? &sa->ni_len : &sa->nr_len;
	const uint8_t *pub;
	size_t len;

	if (!sa->dh && !(sa->dh = ike_dh_new(sa->suite.group)))
		return -1;
	pub = ike_dh_pub(sa->dh, &len);
	isakmp_data_encode(b, ISAKMP_NP_KE, pub, len);
	if (RAND_bytes(nonce, IKE_NONCE_LEN) != 1)
		return -1;
	*nlen = IKE_NONCE_LEN;
	isakmp_data_encode(b, ISAKMP_NP_NONCE, nonce, IKE_NONCE_LEN);
	return 0;
}

static const struct isakmp_pl *one(const struct isakmp_chain *c, uint8_t type,
				   struct isakmp_err *err)
{
	unsigned n = isakmp_chain_count(c, type);

	if (n != 1) {
		isakmp_fail(err, ISAKMP_N_PAYLOAD_MALFORMED,
			    "expected one %s payload, got %u",
			    isakmp_np_name(type), n);
		return NULL;
	}
	return isakmp_chain_find(c, type, 0);
}

int ike_p1_get_ke_nonce(struct ike_sa *sa, const struct isakmp_chain *c,
			struct isakmp_err *err)
{
	const struct isakmp_pl *ke = one(c, ISAKMP_NP_KE, err);
	const struct isakmp_pl *no = ke ? one(c, ISAKMP_NP_NONCE, err) : NULL;
	size_t glen = ike_group_pub_len(sa->suite.group);
	struct isakmp_data d;

	if (!ke || !no)
		return -1;
	if (isakmp_data_decode(&d, ke, glen, glen, err)) {
		err->notify = ISAKMP_N_INVALID_KEY_INFORMATION;
		return -1;
	}
	if (ike_dh_check(sa->suite.group, d.p, d.len))
		return isakmp_fail(err, ISAKMP_N_INVALID_KEY_INFORMATION,
				   "invalid Diffie-Hellman public value (%s)",
				   ike_group_name(sa->suite.group));
	free(sa->peer_ke);
	sa->peer_ke = memdup(d.p, d.len);
	sa->peer_ke_len = d.len;
	if (!sa->peer_ke)
		return isakmp_fail(err, 0, "out of memory");
	if (isakmp_data_decode(&d, no, IKE_NONCE_MIN, IKE_NONCE_MAX, err))
		return -1;
	if (sa->initiator) {
		memcpy(sa->nr, d.p, d.len);
		sa->nr_len = d.len;
	} else {
		memcpy(sa->ni, d.p, d.len);
		sa->ni_len = d.len;
	}
	return 0;
}

void ike_p1_put_certreq(struct ike_sa *sa, struct isakmp_buf *b)
{
	const struct ike_creds *cr = sa->pc->creds;
	unsigned i;

	if (!ike_auth_sig(sa->pc->auth))
		return;
	if (!cr || !cr->nca) {
		isakmp_cert_encode(b, ISAKMP_NP_CR, &(struct isakmp_cert){
			.enc = ISAKMP_CERT_X509_SIG });
		return;
	}
	for (i = 0; i < cr->nca; i++)
		isakmp_cert_encode(b, ISAKMP_NP_CR, &(struct isakmp_cert){
			.enc = ISAKMP_CERT_X509_SIG, .data = cr->ca_names[i],
			.len = (size_t)cr->ca_name_len[i] });
}

void ike_p1_get_certreq(struct ike_sa *sa, const struct isakmp_chain *c)
{
	if (isakmp_chain_count(c, ISAKMP_NP_CR))
		sa->peer_cr = true;
}

int ike_p1_derive(struct ike_sa *sa)
{
	uint8_t gxy[IKE_MAX_DH];
	const uint8_t *my;
	size_t my_len, gxy_len;
	int ret;

	my = ike_dh_pub(sa->dh, &my_len);
	if (ike_dh_shared(sa->dh, sa->peer_ke, sa->peer_ke_len, gxy, &gxy_len))
		return -1;
	ret = ike_derive(&sa->suite, sa->pc->psk, sa->pc->psk_len, gxy, gxy_len,
			 sa->ni, sa->ni_len, sa->nr, sa->nr_len, sa->icookie,
			 sa->rcookie, sa->initiator ? my : sa->peer_ke,
			 sa->initiator ? sa->peer_ke : my, my_len, &sa->keys);
	OPENSSL_cleanse(gxy, sizeof(gxy));
	if (ret)
		return -1;
	memcpy(sa->iv, sa->keys.iv0, sa->keys.block);
	if (sa->ctx->ops.keylog)
		sa->ctx->ops.keylog(sa->ctx, sa->icookie, sa->keys.enc,
				    sa->keys.enc_len);
	return 0;
}

int ike_p1_put_id(struct ike_sa *sa, struct isakmp_buf *b)
{
	struct ike_id id;
	uint8_t **body = sa->initiator ? &sa->idi_b : &sa->idr_b;
	size_t *len = sa->initiator ? &sa->idi_len : &sa->idr_len;
	size_t start;

	if (ike_local_id(sa->pc, &sa->local, &id))
		return -1;
	start = b->len;
	isakmp_id_encode(b, &(struct isakmp_id){
		.type = id.type, .data = id.data, .len = id.len });
	if (b->err)
		return -1;
	free(*body);
	*len = b->len - start - ISAKMP_GEN_LEN;
	*body = memdup(b->p + start + ISAKMP_GEN_LEN, *len);
	return *body ? 0 : -1;
}

static void put_cert(struct isakmp_buf *b, X509 *x)
{
	unsigned char *der = NULL;
	int len = i2d_X509(x, &der);

	if (len > 0)
		isakmp_cert_encode(b, ISAKMP_NP_CERT, &(struct isakmp_cert){
			.enc = ISAKMP_CERT_X509_SIG, .data = der,
			.len = (size_t)len });
	else
		b->err = true;
	OPENSSL_free(der);
}

int ike_p1_put_auth(struct ike_sa *sa, struct isakmp_buf *b)
{
	uint8_t hash[IKE_MAX_HASH], sig[1024];
	size_t sig_len = sizeof(sig);
	const struct ike_creds *cr = sa->pc->creds;
	int i;

	if (ike_auth_hash(sa, sa->initiator, hash))
		return -1;
	if (sa->suite.auth == IKE_AUTH_PSK) {
		isakmp_data_encode(b, ISAKMP_NP_HASH, hash, sa->keys.prf_len);
		return b->err ? -1 : 0;
	}
	if (!cr || !cr->cert || !cr->key)
		return -1;
	put_cert(b, cr->cert);
	for (i = 0; cr->chain && i < sk_X509_num(cr->chain); i++)
		put_cert(b, sk_X509_value(cr->chain, i));
	if (ike_sign(cr->key, hash, ike_auth_hash_len(sa), sig, &sig_len))
		return -1;
	isakmp_data_encode(b, ISAKMP_NP_SIG, sig, sig_len);
	return b->err ? -1 : 0;
}

int ike_p1_check_id(struct ike_sa *sa, const struct isakmp_chain *c,
		    uint16_t *notify, char *why, size_t why_len)
{
	const struct isakmp_pl *pl;
	struct isakmp_err err = { 0 };
	struct isakmp_id id;
	uint8_t **body = sa->initiator ? &sa->idr_b : &sa->idi_b;
	size_t *len = sa->initiator ? &sa->idr_len : &sa->idi_len;

	pl = one(c, ISAKMP_NP_ID, &err);
	if (!pl || isakmp_id_decode(&id, pl, &err)) {
		*notify = err.notify;
		snprintf(why, why_len, "%s", err.msg);
		return -1;
	}
	free(*body);
	*len = pl->len;
	*body = memdup(pl->body, pl->len);
	if (!*body) {
		*notify = 0;
		snprintf(why, why_len, "out of memory");
		return -1;
	}
	ike_id_str(id.type, id.data, id.len, sa->peer_id, sizeof(sa->peer_id));
	if (sa->pc->remote_id_set &&
	    !ike_id_equal(&sa->pc->remote_id, id.type, id.data, id.len)) {
		char want[160];

		ike_id_str(sa->pc->remote_id.type, sa->pc->remote_id.data,
			   sa->pc->remote_id.len, want, sizeof(want));
		*notify = ISAKMP_N_INVALID_ID_INFORMATION;
		snprintf(why, why_len, "peer identity %s is not the configured %s",
			 sa->peer_id, want);
		return -1;
	}
	return 0;
}

int ike_p1_get_certs(struct ike_sa *sa, const struct isakmp_chain *c,
		     uint16_t *notify, char *why, size_t why_len)
{
	struct isakmp_err err;
	unsigned i;

	for (i = 0; i < c->n; i++) {
		struct isakmp_cert cert;
		const unsigned char *p;
		X509 *x;

		if (c->pl[i].type != ISAKMP_NP_CERT)
			continue;
		if (isakmp_cert_decode(&cert, &c->pl[i], &err) ||
		    cert.enc != ISAKMP_CERT_X509_SIG)
			continue;
		p = cert.data;
		x = d2i_X509(NULL, &p, (long)cert.len);
		if (!x || p != cert.data + cert.len) {
			X509_free(x);
			*notify = ISAKMP_N_INVALID_CERTIFICATE;
			snprintf(why, why_len, "undecodable certificate");
			return -1;
		}
		if (!sa->peer_cert) {
			sa->peer_cert = x;
			continue;
		}
		if (!sa->peer_chain)
			sa->peer_chain = sk_X509_new_null();
		if (!sa->peer_chain || sk_X509_num(sa->peer_chain) >= 8 ||
		    !sk_X509_push(sa->peer_chain, x))
			X509_free(x);
	}
	return 0;
}

int ike_p1_check_auth(struct ike_sa *sa, const struct isakmp_chain *c,
		      uint16_t *notify, char *why, size_t why_len)
{
	uint8_t hash[IKE_MAX_HASH];
	const struct isakmp_pl *pl;
	struct isakmp_err err;
	struct isakmp_data d;
	const char *name = sa->initiator ? "HASH_R" : "HASH_I";

	if (ike_auth_hash(sa, !sa->initiator, hash)) {
		*notify = 0;
		snprintf(why, why_len, "could not compute %s", name);
		return -1;
	}
	if (sa->suite.auth == IKE_AUTH_PSK) {
		pl = one(c, ISAKMP_NP_HASH, &err);
		if (!pl || isakmp_data_decode(&d, pl, sa->keys.prf_len,
					      sa->keys.prf_len, &err)) {
			*notify = ISAKMP_N_INVALID_HASH_INFORMATION;
			snprintf(why, why_len, "%s", err.msg);
			return -1;
		}
		if (CRYPTO_memcmp(d.p, hash, sa->keys.prf_len)) {
			*notify = ISAKMP_N_AUTHENTICATION_FAILED;
			snprintf(why, why_len,
				 "%s does not match (wrong pre-shared key?)", name);
			return -1;
		}
		return 0;
	}
	{
		const uint8_t *idb = sa->initiator ? sa->idr_b : sa->idi_b;
		size_t idl = sa->initiator ? sa->idr_len : sa->idi_len;
		struct isakmp_pl idpl = {
			.type = ISAKMP_NP_ID, .body = idb, .len = (uint16_t)idl,
		};
		struct isakmp_id id;

		if (isakmp_id_decode(&id, &idpl, &err) ||
		    ike_cert_verify(sa, &id, why, why_len)) {
			*notify = ISAKMP_N_INVALID_CERTIFICATE;
			return -1;
		}
	}
	pl = one(c, ISAKMP_NP_SIG, &err);
	if (!pl || isakmp_data_decode(&d, pl, 1, 1024, &err)) {
		*notify = ISAKMP_N_INVALID_SIGNATURE;
		snprintf(why, why_len, "%s", err.msg);
		return -1;
	}
	if (!ike_verify_sig(sa->peer_cert, hash, ike_auth_hash_len(sa), d.p,
			    d.len)) {
		*notify = ISAKMP_N_INVALID_SIGNATURE;
		snprintf(why, why_len, "signature over %s does not verify", name);
		return -1;
	}
	return 0;
}
