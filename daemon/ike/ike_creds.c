// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * Certificates, private keys, trust anchors and revocation lists for
 * signature authentication (RSA, ECDSA), loaded from PEM files.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "ike.h"

struct ike_creds *ike_creds_new(void)
{
	return OPENSSL_zalloc(sizeof(struct ike_creds));
}

void ike_creds_free(struct ike_creds *cr)
{
	unsigned i;

	if (!cr)
		return;
	X509_free(cr->cert);
	sk_X509_pop_free(cr->chain, X509_free);
	EVP_PKEY_free(cr->key);
	X509_STORE_free(cr->store);
	sk_X509_CRL_pop_free(cr->crls, X509_CRL_free);
	for (i = 0; i < cr->nca; i++)
		OPENSSL_free(cr->ca_names[i]);
	OPENSSL_free(cr);
}

static void ssl_err(char *err, size_t len, const char *path, const char *what)
{
	unsigned long e = ERR_peek_last_error();

	snprintf(err, len, "%s: %s%s%s", path, what, e ? ": " : "",
		 e ? ERR_reason_error_string(e) : "");
	ERR_clear_error();
}

int ike_creds_load_cert(struct ike_creds *cr, const char *path, char *err,
			size_t len)
{
	FILE *f = fopen(path, "r");
	X509 *x;

	if (!f) {
		snprintf(err, len, "%s: %s", path, strerror(errno));
		return -1;
	}
	while ((x = PEM_read_X509(f, NULL, NULL, NULL))) {
		if (!cr->cert) {
			cr->cert = x;
			continue;
		}
		if (!cr->chain)
			cr->chain = sk_X509_new_null();
		if (!cr->chain || !sk_X509_push(cr->chain, x)) {
			X509_free(x);
			break;
		}
	}
	fclose(f);
	ERR_clear_error();
	if (!cr->cert) {
		ssl_err(err, len, path, "no PEM certificate");
		return -1;
	}
	return 0;
}

int ike_creds_load_key(struct ike_creds *cr, const char *path, char *err,
		       size_t len)
{
	FILE *f = fopen(path, "r");

	if (!f) {
		snprintf(err, len, "%s: %s", path, strerror(errno));
		return -1;
	}
	cr->key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (!cr->key) {
		ssl_err(err, len, path, "no PEM private key (encrypted keys are not supported)");
		return -1;
	}
	return 0;
}

int ike_creds_add_ca(struct ike_creds *cr, const char *path, char *err,
		     size_t len)
{
	FILE *f = fopen(path, "r");
	unsigned n = 0;
	X509 *x;

	if (!f) {
		snprintf(err, len, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!cr->store && !(cr->store = X509_STORE_new())) {
		fclose(f);
		snprintf(err, len, "out of memory");
		return -1;
	}
	while ((x = PEM_read_X509(f, NULL, NULL, NULL))) {
		unsigned char *der = NULL;
		int dlen;

		n++;
		if (!X509_STORE_add_cert(cr->store, x)) {
			X509_free(x);
			fclose(f);
			ssl_err(err, len, path, "cannot add CA certificate");
			return -1;
		}
		dlen = i2d_X509_NAME(X509_get_subject_name(x), &der);
		if (dlen > 0 && cr->nca < sizeof(cr->ca_names) /
					  sizeof(cr->ca_names[0])) {
			cr->ca_names[cr->nca] = der;
			cr->ca_name_len[cr->nca++] = dlen;
		} else {
			OPENSSL_free(der);
		}
		X509_free(x);
	}
	fclose(f);
	ERR_clear_error();
	if (!n) {
		snprintf(err, len, "%s: no PEM certificate", path);
		return -1;
	}
	return 0;
}

int ike_creds_add_crl(struct ike_creds *cr, const char *path, char *err,
		      size_t len)
{
	FILE *f = fopen(path, "r");
	unsigned n = 0;
	X509_CRL *crl;

	if (!f) {
		snprintf(err, len, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!cr->crls && !(cr->crls = sk_X509_CRL_new_null())) {
		fclose(f);
		snprintf(err, len, "out of memory");
		return -1;
	}
	while ((crl = PEM_read_X509_CRL(f, NULL, NULL, NULL))) {
		n++;
		if (!sk_X509_CRL_push(cr->crls, crl)) {
			X509_CRL_free(crl);
			fclose(f);
			snprintf(err, len, "out of memory");
			return -1;
		}
	}
	fclose(f);
	ERR_clear_error();
	if (!n) {
		snprintf(err, len, "%s: no PEM certificate revocation list (DER: openssl crl -inform DER -in FILE -out FILE.pem)",
			 path);
		return -1;
	}
	return 0;
}

uint16_t ike_creds_auth(const struct ike_creds *cr)
{
	return cr && cr->key ? ike_key_auth(cr->key) : 0;
}

int ike_creds_check(const struct ike_creds *cr, char *err, size_t len)
{
	char use[160];

	if (!cr->cert || !cr->key) {
		snprintf(err, len, "signature authentication needs a certificate and a private key");
		return -1;
	}
	if (!ike_creds_auth(cr)) {
		snprintf(err, len, "the private key is neither RSA nor EC on P-256 or P-384");
		return -1;
	}
	if (X509_check_private_key(cr->cert, cr->key) != 1) {
		ERR_clear_error();
		snprintf(err, len, "the private key does not belong to the certificate");
		return -1;
	}
	if (!ike_cert_usage_ok(cr->cert, use, sizeof(use))) {
		snprintf(err, len, "our certificate cannot sign IKE messages: %s",
			 use);
		return -1;
	}
	if (!cr->store || !cr->nca) {
		snprintf(err, len, "signature authentication needs at least one CA certificate");
		return -1;
	}
	return 0;
}
