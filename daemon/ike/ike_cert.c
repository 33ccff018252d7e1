// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * Identities (RFC 2407 4.6.2) and signature authentication with X.509
 * certificates: chain verification against the configured CAs (and CRLs),
 * the key usage a signing certificate needs, binding of the ID payload to
 * the certificate, and IKEv1 signatures over the bare HASH_I/HASH_R: RSA
 * with PKCS#1 v1.5 padding and no DigestInfo (RFC 2409 5.1), ECDSA on
 * P-256 and P-384 as r || s, each the size of the curve (RFC 4754 7).
 */

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include "ike.h"

static int dn_parse(const char *s, struct ike_id *id)
{
	X509_NAME *name = X509_NAME_new();
	char buf[512], *p, *q, *eq;
	unsigned char *der;
	int len, ret = -1;

	if (!name || strlen(s) >= sizeof(buf))
		goto out;
	strcpy(buf, s);
	for (p = buf; *p; p = q) {
		char *key, *val;

		/* one RDN up to an unescaped ',' or '/' */
		for (q = p; *q && *q != ',' && *q != '/'; q++)
			if (*q == '\\' && q[1])
				memmove(q, q + 1, strlen(q));
		if (*q)
			*q++ = '\0';
		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			continue;
		eq = strchr(p, '=');
		if (!eq)
			goto out;
		*eq = '\0';
		key = p;
		val = eq + 1;
		while (eq > key && isspace((unsigned char)eq[-1]))
			*--eq = '\0';
		while (isspace((unsigned char)*val))
			val++;
		if (!*key || !*val ||
		    !X509_NAME_add_entry_by_txt(name, key, MBSTRING_UTF8,
						(unsigned char *)val, -1, -1, 0))
			goto out;
	}
	if (X509_NAME_entry_count(name) == 0)
		goto out;
	len = i2d_X509_NAME(name, NULL);
	if (len <= 0 || (size_t)len > sizeof(id->data))
		goto out;
	der = id->data;
	i2d_X509_NAME(name, &der);
	id->len = (uint16_t)len;
	id->type = ISAKMP_ID_DER_ASN1_DN;
	ret = 0;
out:
	X509_NAME_free(name);
	ERR_clear_error();
	return ret;
}

int ike_id_parse(const char *s, struct ike_id *id)
{
	const char *colon = strchr(s, ':'), *v;
	size_t n;

	memset(id, 0, sizeof(*id));
	if (!colon || !colon[1])
		return -1;
	v = colon + 1;
	n = strlen(v);
	if (!strncmp(s, "ipv4:", 5)) {
		id->type = ISAKMP_ID_IPV4_ADDR;
		id->len = 4;
		return inet_pton(AF_INET, v, id->data) == 1 ? 0 : -1;
	}
	if (!strncmp(s, "dn:", 3))
		return dn_parse(v, id);
	if (n > sizeof(id->data))
		return -1;
	if (!strncmp(s, "fqdn:", 5)) {
		id->type = ISAKMP_ID_FQDN;
	} else if (!strncmp(s, "user-fqdn:", 10)) {
		id->type = ISAKMP_ID_USER_FQDN;
	} else if (!strncmp(s, "key-id:", 7)) {
		id->type = ISAKMP_ID_KEY_ID;
		if (!strncmp(v, "0x", 2)) {
			size_t i;

			n -= 2;
			if (!n || n % 2 || n / 2 > sizeof(id->data))
				return -1;
			for (i = 0; i < n / 2; i++) {
				unsigned x;

				if (!isxdigit((unsigned char)v[2 + 2 * i]) ||
				    !isxdigit((unsigned char)v[3 + 2 * i]) ||
				    sscanf(v + 2 + 2 * i, "%2x", &x) != 1)
					return -1;
				id->data[i] = (uint8_t)x;
			}
			id->len = (uint16_t)(n / 2);
			return 0;
		}
	} else {
		return -1;
	}
	memcpy(id->data, v, n);
	id->len = (uint16_t)n;
	return 0;
}

static bool dn_equal(const uint8_t *a, size_t alen, const uint8_t *b,
		     size_t blen)
{
	const unsigned char *pa = a, *pb = b;
	X509_NAME *na = d2i_X509_NAME(NULL, &pa, (long)alen);
	X509_NAME *nb = d2i_X509_NAME(NULL, &pb, (long)blen);
	bool eq = na && nb && pa == a + alen && pb == b + blen &&
		  X509_NAME_cmp(na, nb) == 0;

	X509_NAME_free(na);
	X509_NAME_free(nb);
	ERR_clear_error();
	return eq;
}

bool ike_id_equal(const struct ike_id *a, uint8_t type, const uint8_t *data,
		  size_t len)
{
	if (a->type != type)
		return false;
	if (type == ISAKMP_ID_DER_ASN1_DN)
		return dn_equal(a->data, a->len, data, len);
	if (type == ISAKMP_ID_FQDN || type == ISAKMP_ID_USER_FQDN)
		return a->len == len && !strncasecmp((const char *)a->data,
						      (const char *)data, len);
	return a->len == len && !memcmp(a->data, data, len);
}

static void printable(char *dst, size_t size, const uint8_t *src, size_t len)
{
	size_t i, o = 0;

	for (i = 0; i < len && o + 5 < size; i++) {
		if (isprint(src[i]) && src[i] != '\\')
			dst[o++] = (char)src[i];
		else
			o += (size_t)snprintf(dst + o, size - o, "\\x%02x", src[i]);
	}
	dst[o] = '\0';
}

char *ike_id_str(uint8_t type, const uint8_t *data, size_t len, char *buf,
		 size_t size)
{
	char tmp[400];

	switch (type) {
	case ISAKMP_ID_IPV4_ADDR:
		if (len == 4 && inet_ntop(AF_INET, data, tmp, sizeof(tmp))) {
			snprintf(buf, size, "ipv4:%s", tmp);
			return buf;
		}
		break;
	case ISAKMP_ID_FQDN:
		printable(tmp, sizeof(tmp), data, len);
		snprintf(buf, size, "fqdn:%s", tmp);
		return buf;
	case ISAKMP_ID_USER_FQDN:
		printable(tmp, sizeof(tmp), data, len);
		snprintf(buf, size, "user-fqdn:%s", tmp);
		return buf;
	case ISAKMP_ID_DER_ASN1_DN: {
		const unsigned char *p = data;
		X509_NAME *n = d2i_X509_NAME(NULL, &p, (long)len);
		BIO *bio = BIO_new(BIO_s_mem());
		int r = -1;

		if (n && bio)
			r = X509_NAME_print_ex(bio, n, 0, XN_FLAG_SEP_CPLUS_SPC |
					       (ASN1_STRFLGS_RFC2253 &
						~ASN1_STRFLGS_ESC_MSB));
		if (r >= 0) {
			int m = BIO_read(bio, tmp, sizeof(tmp) - 1);

			tmp[m > 0 ? m : 0] = '\0';
			snprintf(buf, size, "dn:%s", tmp);
		}
		X509_NAME_free(n);
		BIO_free(bio);
		ERR_clear_error();
		if (r >= 0)
			return buf;
		break;
	}
	case ISAKMP_ID_KEY_ID:
		printable(tmp, sizeof(tmp), data, len);
		snprintf(buf, size, "key-id:%s", tmp);
		return buf;
	}
	snprintf(buf, size, "%s (%zu bytes)", isakmp_id_type_name(type), len);
	return buf;
}

int ike_local_id(const struct ike_peer *pc, const struct sockaddr_in *local,
		 struct ike_id *id)
{
	if (pc->local_id_set) {
		*id = pc->local_id;
		return 0;
	}
	memset(id, 0, sizeof(*id));
	if (ike_auth_sig(pc->auth)) {
		X509_NAME *n;
		unsigned char *p = id->data;
		int len;

		if (!pc->creds || !pc->creds->cert)
			return -1;
		n = X509_get_subject_name(pc->creds->cert);
		len = i2d_X509_NAME(n, NULL);
		if (len <= 0 || (size_t)len > sizeof(id->data))
			return -1;
		i2d_X509_NAME(n, &p);
		id->type = ISAKMP_ID_DER_ASN1_DN;
		id->len = (uint16_t)len;
		return 0;
	}
	id->type = ISAKMP_ID_IPV4_ADDR;
	id->len = 4;
	memcpy(id->data, &local->sin_addr, 4);
	return 0;
}

/* FQDN identities match a DNS subjectAltName exactly, "*.example" only
 * where the credentials allow wildcards; the subject's CN never counts */
static bool cert_has_id(X509 *cert, const struct isakmp_id *id,
			bool wildcards)
{
	unsigned flags = X509_CHECK_FLAG_NEVER_CHECK_SUBJECT;
	char name[256];

	if (!wildcards)
		flags |= X509_CHECK_FLAG_NO_WILDCARDS;
	switch (id->type) {
	case ISAKMP_ID_DER_ASN1_DN: {
		uint8_t der[1024];
		unsigned char *p = der;
		int len = i2d_X509_NAME(X509_get_subject_name(cert), NULL);

		if (len <= 0 || (size_t)len > sizeof(der))
			return false;
		i2d_X509_NAME(X509_get_subject_name(cert), &p);
		return dn_equal(der, (size_t)len, id->data, id->len);
	}
	case ISAKMP_ID_IPV4_ADDR:
		return X509_check_ip(cert, id->data, 4, 0) == 1;
	case ISAKMP_ID_FQDN:
	case ISAKMP_ID_USER_FQDN:
		if (id->len >= sizeof(name) || memchr(id->data, 0, id->len))
			return false;
		memcpy(name, id->data, id->len);
		name[id->len] = '\0';
		if (id->type == ISAKMP_ID_FQDN)
			return X509_check_host(cert, name, id->len, flags,
					       NULL) == 1;
		return X509_check_email(cert, name, id->len, flags) == 1;
	}
	return false;
}

uint16_t ike_key_auth(const EVP_PKEY *key)
{
	char curve[32];

	if (!key)
		return 0;
	if (EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA)
		return IKE_AUTH_RSA_SIG;
	if (EVP_PKEY_get_base_id(key) != EVP_PKEY_EC ||
	    !EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME,
					    curve, sizeof(curve), NULL)) {
		ERR_clear_error();
		return 0;
	}
	if (!strcmp(curve, SN_X9_62_prime256v1))
		return IKE_AUTH_ECDSA_256;
	if (!strcmp(curve, SN_secp384r1))
		return IKE_AUTH_ECDSA_384;
	return 0;
}

/*
 * A certificate that may sign IKE messages (after RFC 4945's profile): a
 * key usage extension, if present, allows digitalSignature or
 * nonRepudiation; an extended key usage, if present, lists serverAuth,
 * clientAuth, ipsecIKE (1.3.6.1.5.5.7.3.17), iKEIntermediate
 * (1.3.6.1.5.5.8.2.2) or anyExtendedKeyUsage. Without either extension
 * any use is allowed.
 */
bool ike_cert_usage_ok(X509 *cert, char *why, size_t why_len)
{
	EXTENDED_KEY_USAGE *eku;
	uint32_t ku;
	int crit = -1, i;
	bool ok = false;

	if (X509_get_extension_flags(cert) & EXFLAG_INVALID) {
		snprintf(why, why_len, "invalid extensions");
		return false;
	}
	ku = X509_get_key_usage(cert);
	if (!(ku & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION))) {
		snprintf(why, why_len, "key usage allows neither digitalSignature nor nonRepudiation");
		return false;
	}
	eku = X509_get_ext_d2i(cert, NID_ext_key_usage, &crit, NULL);
	if (!eku) {
		ERR_clear_error();
		if (crit == -1)
			return true;
		snprintf(why, why_len, "undecodable extended key usage");
		return false;
	}
	for (i = 0; i < sk_ASN1_OBJECT_num(eku) && !ok; i++) {
		const ASN1_OBJECT *o = sk_ASN1_OBJECT_value(eku, i);
		char oid[64];

		switch (OBJ_obj2nid(o)) {
		case NID_server_auth:
		case NID_client_auth:
		case NID_ipsec_IKE:
		case NID_anyExtendedKeyUsage:
			ok = true;
			break;
		default:
			ok = OBJ_obj2txt(oid, sizeof(oid), o, 1) > 0 &&
			     !strcmp(oid, "1.3.6.1.5.5.8.2.2");
		}
	}
	sk_ASN1_OBJECT_pop_free(eku, ASN1_OBJECT_free);
	if (!ok)
		snprintf(why, why_len, "extended key usage lists none of serverAuth, clientAuth, ipsecIKE, iKEIntermediate, anyExtendedKeyUsage");
	return ok;
}

int ike_cert_verify(struct ike_sa *sa, const struct isakmp_id *id,
		    char *why, size_t why_len)
{
	struct ike_creds *cr = sa->pc->creds;
	X509_STORE_CTX *ctx;
	char subj[256], use[160];
	int ok, err;

	if (!sa->peer_cert) {
		snprintf(why, why_len, "peer sent no certificate");
		return -1;
	}
	X509_NAME_oneline(X509_get_subject_name(sa->peer_cert), subj,
			  sizeof(subj));
	if (!cr || !cr->store) {
		snprintf(why, why_len, "no CA configured to verify %s", subj);
		return -1;
	}
	ctx = X509_STORE_CTX_new();
	if (!ctx || !X509_STORE_CTX_init(ctx, cr->store, sa->peer_cert,
					 sa->peer_chain)) {
		X509_STORE_CTX_free(ctx);
		snprintf(why, why_len, "out of memory");
		return -1;
	}
	if (cr->crls) {
		ike_creds_refresh_crls(cr);
		X509_STORE_CTX_set0_crls(ctx, cr->crls);
		X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_CRL_CHECK |
					 X509_V_FLAG_CRL_CHECK_ALL);
	}
	ok = X509_verify_cert(ctx);
	err = X509_STORE_CTX_get_error(ctx);
	X509_STORE_CTX_free(ctx);
	ERR_clear_error();
	if (ok != 1) {
		snprintf(why, why_len, "certificate %s: %s", subj,
			 X509_verify_cert_error_string(err));
		return -1;
	}
	if (!ike_cert_usage_ok(sa->peer_cert, use, sizeof(use))) {
		snprintf(why, why_len, "certificate %s: %s", subj, use);
		return -1;
	}
	if (ike_key_auth(X509_get0_pubkey(sa->peer_cert)) != sa->suite.auth) {
		snprintf(why, why_len, "certificate %s has no %s key", subj,
			 sa->suite.auth == IKE_AUTH_RSA_SIG ? "RSA" :
			 sa->suite.auth == IKE_AUTH_ECDSA_256 ? "ECDSA P-256"
							      : "ECDSA P-384");
		return -1;
	}
	if (!cert_has_id(sa->peer_cert, id, cr->wildcards)) {
		char idstr[200];

		ike_id_str(id->type, id->data, id->len, idstr, sizeof(idstr));
		snprintf(why, why_len, "certificate %s does not carry identity %s",
			 subj, idstr);
		return -1;
	}
	return 0;
}

/* the size of r and of s: the curve's order in bytes */
static size_t ec_half(const EVP_PKEY *key)
{
	int bits = EVP_PKEY_get_bits(key);

	return bits > 0 ? ((size_t)bits + 7) / 8 : 0;
}

static int ec_sign(EVP_PKEY_CTX *ctx, const EVP_PKEY *key,
		   const uint8_t *hash, size_t len, uint8_t *sig,
		   size_t *sig_len)
{
	unsigned char der[160];
	const unsigned char *p = der;
	size_t der_len = sizeof(der), half = ec_half(key);
	ECDSA_SIG *es = NULL;
	int ret = -1;

	if (!half || *sig_len < 2 * half ||
	    EVP_PKEY_sign(ctx, der, &der_len, hash, len) <= 0)
		return -1;
	es = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
	if (es && BN_bn2binpad(ECDSA_SIG_get0_r(es), sig, (int)half) > 0 &&
	    BN_bn2binpad(ECDSA_SIG_get0_s(es), sig + half, (int)half) > 0) {
		*sig_len = 2 * half;
		ret = 0;
	}
	ECDSA_SIG_free(es);
	return ret;
}

int ike_sign(EVP_PKEY *key, const uint8_t *hash, size_t len, uint8_t *sig,
	     size_t *sig_len)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
	int ret = -1;

	if (!ctx || EVP_PKEY_sign_init(ctx) <= 0)
		goto out;
	if (EVP_PKEY_get_base_id(key) == EVP_PKEY_EC) {
		ret = ec_sign(ctx, key, hash, len, sig, sig_len);
		goto out;
	}
	if (EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0 &&
	    EVP_PKEY_sign(ctx, sig, sig_len, hash, len) > 0)
		ret = 0;
out:
	EVP_PKEY_CTX_free(ctx);
	ERR_clear_error();
	return ret;
}

/* r || s of exactly the curve's size each, to DER for OpenSSL */
static bool ec_verify(EVP_PKEY_CTX *ctx, const EVP_PKEY *key,
		      const uint8_t *hash, size_t len, const uint8_t *sig,
		      size_t sig_len)
{
	size_t half = ec_half(key);
	ECDSA_SIG *es;
	BIGNUM *r, *s;
	unsigned char *der = NULL;
	int der_len;
	bool ok = false;

	if (!half || sig_len != 2 * half)
		return false;
	es = ECDSA_SIG_new();
	r = BN_bin2bn(sig, (int)half, NULL);
	s = BN_bin2bn(sig + half, (int)half, NULL);
	if (!es || !r || !s || !ECDSA_SIG_set0(es, r, s)) {
		BN_free(r);
		BN_free(s);
		ECDSA_SIG_free(es);
		return false;
	}
	der_len = i2d_ECDSA_SIG(es, &der);
	if (der_len > 0 &&
	    EVP_PKEY_verify(ctx, der, (size_t)der_len, hash, len) == 1)
		ok = true;
	OPENSSL_free(der);
	ECDSA_SIG_free(es);
	return ok;
}

bool ike_verify_sig(X509 *cert, const uint8_t *hash, size_t len,
		    const uint8_t *sig, size_t sig_len)
{
	EVP_PKEY *key = X509_get0_pubkey(cert);
	EVP_PKEY_CTX *ctx = key ? EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL)
				: NULL;
	bool ok = false;

	if (!ctx || EVP_PKEY_verify_init(ctx) <= 0)
		goto out;
	if (EVP_PKEY_get_base_id(key) == EVP_PKEY_EC)
		ok = ec_verify(ctx, key, hash, len, sig, sig_len);
	else if (EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0 &&
		 EVP_PKEY_verify(ctx, sig, sig_len, hash, len) == 1)
		ok = true;
out:
	EVP_PKEY_CTX_free(ctx);
	ERR_clear_error();
	return ok;
}
