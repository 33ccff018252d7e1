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

#include "core/log.h"
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
	for (i = 0; i < cr->ncrl_files; i++)
		OPENSSL_free(cr->crl_files[i]);
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

static void stamp(const struct stat *st, struct ike_file_stamp *s)
{
	s->dev = st->st_dev;
	s->ino = st->st_ino;
	s->size = st->st_size;
	s->mtime = st->st_mtim;
}

/* all CRLs of one PEM file onto crls; st: the file's stamp */
static int read_crls(STACK_OF(X509_CRL) *crls, const char *path,
		     struct ike_file_stamp *s, char *err, size_t len)
{
	FILE *f = fopen(path, "r");
	unsigned n = 0;
	struct stat st;
	X509_CRL *crl;

	if (!f || fstat(fileno(f), &st)) {
		snprintf(err, len, "%s: %s", path, strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	stamp(&st, s);
	while ((crl = PEM_read_X509_CRL(f, NULL, NULL, NULL))) {
		n++;
		if (!sk_X509_CRL_push(crls, crl)) {
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

int ike_creds_add_crl(struct ike_creds *cr, const char *path, char *err,
		      size_t len)
{
	unsigned i = cr->ncrl_files;

	if (i == sizeof(cr->crl_files) / sizeof(cr->crl_files[0])) {
		snprintf(err, len, "%s: more than %u CRL files", path, i);
		return -1;
	}
	if ((!cr->crls && !(cr->crls = sk_X509_CRL_new_null())) ||
	    !(cr->crl_files[i] = OPENSSL_strdup(path))) {
		snprintf(err, len, "out of memory");
		return -1;
	}
	if (read_crls(cr->crls, path, &cr->crl_stamps[i], err, len)) {
		OPENSSL_free(cr->crl_files[i]);
		cr->crl_files[i] = NULL;
		return -1;
	}
	cr->ncrl_files++;
	return 0;
}

int ike_creds_refresh_crls(struct ike_creds *cr)
{
	struct ike_file_stamp stamps[16];
	STACK_OF(X509_CRL) *crls;
	bool changed = false;
	char err[400];
	unsigned i;

	for (i = 0; i < cr->ncrl_files && !changed; i++) {
		const struct ike_file_stamp *s = &cr->crl_stamps[i];
		struct stat st;

		if (stat(cr->crl_files[i], &st))
			/* missing: a change unless known missing */
			changed = s->dev || s->ino;
		else
			changed = st.st_dev != s->dev || st.st_ino != s->ino ||
				  st.st_size != s->size ||
				  st.st_mtim.tv_sec != s->mtime.tv_sec ||
				  st.st_mtim.tv_nsec != s->mtime.tv_nsec;
	}
	if (!changed)
		return 0;
	crls = sk_X509_CRL_new_null();
	if (!crls)
		return -1;
	for (i = 0; i < cr->ncrl_files; i++) {
		if (read_crls(crls, cr->crl_files[i], &stamps[i], err,
			      sizeof(err))) {
			/* this version of the files is not tried again */
			for (i = 0; i < cr->ncrl_files; i++) {
				struct stat st;

				if (!stat(cr->crl_files[i], &st))
					stamp(&st, &cr->crl_stamps[i]);
				else
					memset(&cr->crl_stamps[i], 0,
					       sizeof(cr->crl_stamps[i]));
			}
			sk_X509_CRL_pop_free(crls, X509_CRL_free);
			log_warn("revocation lists not reloaded, the previous ones stay in force: %s",
				 err);
			return -1;
		}
	}
	sk_X509_CRL_pop_free(cr->crls, X509_CRL_free);
	cr->crls = crls;
	memcpy(cr->crl_stamps, stamps, cr->ncrl_files * sizeof(stamps[0]));
	log_notice("revocation lists reloaded from %u files (%d CRLs)",
		   cr->ncrl_files, sk_X509_CRL_num(crls));
	return 1;
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
