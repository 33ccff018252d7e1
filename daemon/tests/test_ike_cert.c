// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * Certificate checks of Phase 1, with certificates and CRLs made here with
 * OpenSSL: ECDSA P-256 and P-384 signatures (RFC 4754: r || s of the
 * curve's size) between two of our own contexts, the key usage and
 * extended key usage a peer's certificate needs, no wildcard subjectAltName
 * for FQDN identities unless allowed, revocation lists, and what the
 * configuration says about all of these (with line numbers).
 */

#include <arpa/inet.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "ike/ike.h"
#include "main/conf.h"
#include "conf_dir.h"
#include "ike_pair.h"

/* --- certificates ----------------------------------------------------------- */

struct ext {
	int nid;
	const char *val;
};

static const struct ext ca_exts[] = {
	{ NID_basic_constraints, "critical,CA:TRUE" },
	{ NID_key_usage, "critical,keyCertSign,cRLSign" },
	{ 0, NULL },
};

static EVP_PKEY *ca_key, *ca2_key, *rsa_key, *p256[2], *p384[2];
static X509 *ca, *ca2;
static long next_serial = 1000;

static X509 *mk(const char *cn, EVP_PKEY *key, X509 *issuer,
		EVP_PKEY *issuer_key, long serial, const struct ext *ext)
{
	X509 *x = X509_new();
	X509_NAME *n = X509_get_subject_name(x);
	X509V3_CTX v3;

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
	X509_NAME_add_entry_by_txt(n, "C", MBSTRING_UTF8, (uint8_t *)"CH", -1, -1, 0);
	X509_NAME_add_entry_by_txt(n, "O", MBSTRING_UTF8, (uint8_t *)"gvpn test", -1, -1, 0);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (uint8_t *)cn, -1, -1, 0);
	X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : n);
	X509_gmtime_adj(X509_getm_notBefore(x), -60);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, key);
	X509V3_set_ctx(&v3, issuer ? issuer : x, x, NULL, NULL, 0);
	for (; ext && ext->nid; ext++) {
		X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &v3, ext->nid,
							ext->val);

		assert_non_null(e);
		X509_add_ext(x, e, -1);
		X509_EXTENSION_free(e);
	}
	assert_true(X509_sign(x, issuer_key ? issuer_key : key,
			      EVP_sha256()) > 0);
	return x;
}

/* a member or key server certificate from ca, with a subjectAltName */
static X509 *leaf(const char *cn, EVP_PKEY *key, const char *san,
		  const char *ku, const char *eku)
{
	struct ext e[4] = { { NID_subject_alt_name, san } };
	int n = 1;

	if (ku)
		e[n++] = (struct ext){ NID_key_usage, ku };
	if (eku)
		e[n++] = (struct ext){ NID_ext_key_usage, eku };
	return mk(cn, key, ca, ca_key, next_serial++, e);
}

static X509_CRL *mk_crl(X509 *issuer, EVP_PKEY *key, long revoked,
			long next_update)
{
	X509_CRL *crl = X509_CRL_new();
	ASN1_TIME *t;

	X509_CRL_set_version(crl, 1);
	X509_CRL_set_issuer_name(crl, X509_get_subject_name(issuer));
	t = X509_gmtime_adj(NULL, -3600);
	X509_CRL_set1_lastUpdate(crl, t);
	ASN1_TIME_free(t);
	t = X509_gmtime_adj(NULL, next_update);
	X509_CRL_set1_nextUpdate(crl, t);
	ASN1_TIME_free(t);
	if (revoked) {
		X509_REVOKED *r = X509_REVOKED_new();
		ASN1_INTEGER *s = ASN1_INTEGER_new();

		ASN1_INTEGER_set(s, revoked);
		X509_REVOKED_set_serialNumber(r, s);
		ASN1_INTEGER_free(s);
		t = X509_gmtime_adj(NULL, -60);
		X509_REVOKED_set_revocationDate(r, t);
		ASN1_TIME_free(t);
		X509_CRL_add0_revoked(crl, r);
	}
	X509_CRL_sort(crl);
	assert_true(X509_CRL_sign(crl, key, EVP_sha256()) > 0);
	return crl;
}

static const char *write_pem(const char *file, X509 *x, EVP_PKEY *key,
			     X509_CRL *crl)
{
	static char path[300];
	FILE *f;

	snprintf(path, sizeof(path), "%s", conf_dir_path(file));
	f = fopen(path, "w");
	assert_non_null(f);
	if (x)
		PEM_write_X509(f, x);
	if (key)
		PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL);
	if (crl)
		PEM_write_X509_CRL(f, crl);
	fclose(f);
	if (key)
		chmod(path, 0600);
	return path;
}

static EVP_PKEY *ec_key(const char *curve)
{
	EVP_PKEY *k = EVP_EC_gen(curve);

	assert_non_null(k);
	return k;
}

static int group_setup(void **state)
{
	(void)state;
	assert_non_null(conf_dir_make("test_ike_cert"));
	ca_key = ec_key("P-384");
	ca2_key = ec_key("P-256");
	rsa_key = EVP_RSA_gen(2048);
	p256[0] = ec_key("P-256");
	p256[1] = ec_key("P-256");
	p384[0] = ec_key("P-384");
	p384[1] = ec_key("P-384");
	ca = mk("gvpn test CA", ca_key, NULL, NULL, 1, ca_exts);
	ca2 = mk("other CA", ca2_key, NULL, NULL, 2, ca_exts);
	write_pem("ca.pem", ca, NULL, NULL);
	return 0;
}

static int group_teardown(void **state)
{
	int i;

	(void)state;
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(ca2_key);
	EVP_PKEY_free(rsa_key);
	for (i = 0; i < 2; i++) {
		EVP_PKEY_free(p256[i]);
		EVP_PKEY_free(p384[i]);
	}
	X509_free(ca);
	X509_free(ca2);
	conf_dir_remove();
	return 0;
}

/* credentials as the configuration loads them: files, ca.pem trusted */
static struct ike_creds *creds(EVP_PKEY *key, X509 *cert)
{
	struct ike_creds *cr = ike_creds_new();
	char err[300];

	assert_int_equal(ike_creds_load_cert(cr, write_pem("me.pem", cert,
					     NULL, NULL), err, sizeof(err)), 0);
	assert_int_equal(ike_creds_load_key(cr, write_pem("me.key", NULL,
					    key, NULL), err, sizeof(err)), 0);
	assert_int_equal(ike_creds_add_ca(cr, conf_dir_path("ca.pem"), err,
					  sizeof(err)), 0);
	return cr;
}

/* ike_cert_verify() of cert presented with identity id to a peer with cr */
static int verify(const struct ike_creds *cr, X509 *cert, uint16_t auth,
		  const char *id, char *why, size_t why_len)
{
	struct ike_peer pc = { .creds = (struct ike_creds *)cr };
	struct ike_sa sa = { .pc = &pc, .peer_cert = cert };
	struct ike_id iid;
	struct isakmp_id isid;

	sa.suite.auth = auth;
	assert_int_equal(ike_id_parse(id, &iid), 0);
	isid = (struct isakmp_id){ .type = iid.type, .data = iid.data,
				   .len = iid.len };
	why[0] = '\0';
	return ike_cert_verify(&sa, &isid, why, why_len);
}

/* --- two contexts back to back ---------------------------------------------- */

static struct ike_ctx *const ctx = pair.ctx;
static struct ike_peer *const peer = pair.peer;
static struct ike_sa **const est = ike_pair_est;
static uint16_t p1_hash = IKE_HASH_SHA256;	/* the proposal's hash */

static int op_send(struct ike_ctx *c, const struct sockaddr_in *local,
		   const struct sockaddr_in *to, const uint8_t *buf,
		   size_t len)
{
	int from = ike_pair_side(c);

	if (ike_pair_wired(from, to))
		ike_pair_queue(from, local, to, buf, len);
	return 0;
}

/* side 0 (gm) with key k0 and certificate c0 negotiates with side 1 (ks);
 * each side's suite authenticates with auth[i]; 0 or -1 */
static int negotiate(enum ike_mode mode, const uint16_t auth[2],
		     EVP_PKEY *const k[2], X509 *const c[2], const char *id0,
		     const char *id1)
{
	struct ike_ops ops = {
		.send = op_send, .established = ike_pair_established,
		.gone = ike_pair_gone,
	};
	int i, ret;

	ike_pair_addrs();
	for (i = 0; i < 2; i++) {
		ike_pair_conf(i, auth[i]);
		pair.suites[i][0].hash = p1_hash;
		peer[i].creds = creds(k[i], c[i]);
		peer[i].mode = mode;
	}
	if (mode == IKE_MODE_AGGRESSIVE)
		peer[1].mode = IKE_MODE_ANY;
	if (id0) {
		peer[0].local_id_set = true;
		assert_int_equal(ike_id_parse(id0, &peer[0].local_id), 0);
	}
	if (id1) {
		peer[1].local_id_set = true;
		assert_int_equal(ike_id_parse(id1, &peer[1].local_id), 0);
	}
	ike_pair_start(&ops);
	est[0] = est[1] = NULL;
	ike_pair_done_called = false;
	ike_pair_done_err = 1;
	assert_non_null(ike_initiate(&ctx[0], &peer[0], &pair.addr[0],
				     ike_pair_done, NULL));
	ike_pair_run_until(&ike_pair_done_called, 3000);
	assert_true(ike_pair_done_called);
	ret = ike_pair_done_err;
	if (!ret) {
		assert_non_null(est[0]);
		assert_non_null(est[1]);
		assert_int_equal(est[0]->suite.auth, auth[0]);
		assert_int_equal(est[0]->keys.prf_len, est[1]->keys.prf_len);
		assert_memory_equal(est[0]->keys.skeyid_d,
				    est[1]->keys.skeyid_d,
				    est[0]->keys.prf_len);
	}
	ike_pair_fini();
	for (i = 0; i < 2; i++) {
		ike_creds_free(peer[i].creds);
		peer[i].creds = NULL;
	}
	return ret;
}

/* --- tests -------------------------------------------------------------------- */

/* RFC 4754 7: r || s, each exactly the curve's size, over the bare hash */
static void test_ecdsa_signature_format(void **state)
{
	uint8_t hash[48], sig[512], der[160];
	X509 *c256 = leaf("a", p256[0], "DNS:a.test", NULL, NULL);
	X509 *c384 = leaf("b", p384[0], "DNS:b.test", NULL, NULL);
	X509 *crsa = leaf("c", rsa_key, "DNS:c.test", NULL, NULL);
	size_t len = sizeof(sig), der_len = sizeof(der);
	EVP_PKEY_CTX *pctx;

	(void)state;
	memset(hash, 0x5a, sizeof(hash));
	assert_int_equal(ike_sign(p256[0], hash, 32, sig, &len), 0);
	assert_int_equal(len, 64);
	assert_true(ike_verify_sig(c256, hash, 32, sig, len));
	assert_false(ike_verify_sig(c256, hash, 32, sig, len - 1));
	assert_false(ike_verify_sig(c384, hash, 32, sig, len));
	sig[10] ^= 1;
	assert_false(ike_verify_sig(c256, hash, 32, sig, len));

	/* a SHA-1 PRF's 20 bytes on P-384: 96 bytes of signature */
	len = sizeof(sig);
	assert_int_equal(ike_sign(p384[0], hash, 20, sig, &len), 0);
	assert_int_equal(len, 96);
	assert_true(ike_verify_sig(c384, hash, 20, sig, len));
	assert_false(ike_verify_sig(c384, hash, 21, sig, len));

	/* the DER form (what OpenSSL makes) is not the IKE form */
	pctx = EVP_PKEY_CTX_new_from_pkey(NULL, p256[0], NULL);
	assert_true(EVP_PKEY_sign_init(pctx) > 0);
	assert_true(EVP_PKEY_sign(pctx, der, &der_len, hash, 32) > 0);
	EVP_PKEY_CTX_free(pctx);
	assert_false(ike_verify_sig(c256, hash, 32, der, der_len));

	/* RSA as before: PKCS#1 v1.5, the modulus' size */
	len = sizeof(sig);
	assert_int_equal(ike_sign(rsa_key, hash, 32, sig, &len), 0);
	assert_int_equal(len, 256);
	assert_true(ike_verify_sig(crsa, hash, 32, sig, len));
	assert_int_equal(ike_key_auth(p256[1]), IKE_AUTH_ECDSA_256);
	assert_int_equal(ike_key_auth(p384[1]), IKE_AUTH_ECDSA_384);
	assert_int_equal(ike_key_auth(rsa_key), IKE_AUTH_RSA_SIG);
	assert_string_equal(ike_auth_name(IKE_AUTH_ECDSA_256), "ecdsa-256");
	assert_string_equal(ike_auth_name(IKE_AUTH_ECDSA_384), "ecdsa-384");
	X509_free(c256);
	X509_free(c384);
	X509_free(crsa);
}

/* Phase 1 with ECDSA certificates, main and aggressive mode */
static void test_ecdsa_phase1(void **state)
{
	static const uint16_t a256[2] = { IKE_AUTH_ECDSA_256, IKE_AUTH_ECDSA_256 };
	static const uint16_t a384[2] = { IKE_AUTH_ECDSA_384, IKE_AUTH_ECDSA_384 };
	static const uint16_t mixed[2] = { IKE_AUTH_ECDSA_384, IKE_AUTH_ECDSA_256 };
	X509 *c256[2], *c384[2], *c[2];
	EVP_PKEY *k[2];
	int i;

	(void)state;
	for (i = 0; i < 2; i++) {
		c256[i] = leaf(i ? "ks.test" : "gm.test", p256[i],
			       i ? "DNS:ks.test" : "DNS:gm.test",
			       "critical,digitalSignature", "ipsecIKE");
		c384[i] = leaf(i ? "ks.test" : "gm.test", p384[i],
			       i ? "DNS:ks.test" : "DNS:gm.test", NULL,
			       "serverAuth,clientAuth");
	}
	assert_int_equal(negotiate(IKE_MODE_MAIN, a256, p256, c256, NULL,
				   NULL), 0);
	assert_int_equal(negotiate(IKE_MODE_MAIN, a384, p384, c384, NULL,
				   NULL), 0);
	assert_int_equal(negotiate(IKE_MODE_AGGRESSIVE, a256, p256, c256,
				   "fqdn:gm.test", "fqdn:ks.test"), 0);
	assert_int_equal(negotiate(IKE_MODE_AGGRESSIVE, a384, p384, c384,
				   "fqdn:gm.test", "fqdn:ks.test"), 0);
	/* HASH_I/HASH_R use the method's SHA-2, not the proposal's PRF */
	p1_hash = IKE_HASH_SHA1;
	assert_int_equal(negotiate(IKE_MODE_MAIN, a256, p256, c256, NULL,
				   NULL), 0);
	p1_hash = IKE_HASH_SHA256;
	assert_int_equal(negotiate(IKE_MODE_AGGRESSIVE, a384, p384, c384,
				   NULL, NULL), 0);
	{
		struct ike_sa sa = { .suite = { .hash = IKE_HASH_SHA1,
						.auth = IKE_AUTH_ECDSA_256 } };

		assert_int_equal(ike_auth_hash_len(&sa), 32);
		sa.suite.auth = IKE_AUTH_ECDSA_384;
		assert_int_equal(ike_auth_hash_len(&sa), 48);
		sa.suite.hash = IKE_HASH_SHA512;
		assert_int_equal(ike_auth_hash_len(&sa), 48);
		sa.suite.auth = IKE_AUTH_RSA_SIG;
		assert_int_equal(ike_auth_hash_len(&sa), 64);
		sa.suite.hash = IKE_HASH_SHA1;
		assert_int_equal(ike_auth_hash_len(&sa), 20);
	}
	/* P-384 member, P-256 key server: no proposal in common */
	k[0] = p384[0];
	k[1] = p256[1];
	c[0] = c384[0];
	c[1] = c256[1];
	assert_int_equal(negotiate(IKE_MODE_MAIN, mixed, k, c, NULL, NULL), -1);
	/* both say ECDSA-256, the member's key is on P-384: refused */
	assert_int_equal(negotiate(IKE_MODE_MAIN, a256, k, c, NULL, NULL), -1);
	assert_int_equal(ctx[1].stats.failed, 1);
	for (i = 0; i < 2; i++) {
		X509_free(c256[i]);
		X509_free(c384[i]);
	}
}

static void test_key_usage(void **state)
{
	static const struct {
		const char *ku, *eku;
		bool ok;
	} t[] = {
		{ NULL, NULL, true },
		{ "critical,digitalSignature", NULL, true },
		{ "nonRepudiation", NULL, true },
		{ "digitalSignature,keyEncipherment", "serverAuth", true },
		{ "keyEncipherment", NULL, false },
		{ "critical,keyAgreement", NULL, false },
		{ NULL, "clientAuth", true },
		{ NULL, "ipsecIKE", true },
		{ NULL, "anyExtendedKeyUsage", true },
		{ NULL, "1.3.6.1.5.5.8.2.2", true },	/* iKEIntermediate */
		{ NULL, "emailProtection,ipsecIKE", true },
		{ NULL, "emailProtection", false },
		{ NULL, "codeSigning,timeStamping", false },
		{ "digitalSignature", "emailProtection", false },
	};
	struct ike_creds *cr = creds(p256[1], leaf("ks.test", p256[1],
				     "DNS:ks.test", NULL, NULL));
	char why[300];
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		X509 *x = leaf("gm.test", p256[0], "DNS:gm.test", t[i].ku,
			       t[i].eku);
		int r = verify(cr, x, IKE_AUTH_ECDSA_256, "fqdn:gm.test", why,
			       sizeof(why));

		if (t[i].ok != !r)
			fail_msg("case %u (ku %s, eku %s): %s", i,
				 t[i].ku ? t[i].ku : "-",
				 t[i].eku ? t[i].eku : "-", why);
		if (!t[i].ok)
			assert_non_null(strstr(why, "usage"));
		X509_free(x);
	}
	ike_creds_free(cr);

	/* our own certificate: refused when loaded */
	cr = creds(p256[0], leaf("gm.test", p256[0], "DNS:gm.test",
				 "keyEncipherment", NULL));
	assert_int_equal(ike_creds_check(cr, why, sizeof(why)), -1);
	assert_string_equal(why, "our certificate cannot sign IKE messages: key usage allows neither digitalSignature nor nonRepudiation");
	ike_creds_free(cr);
}

static void test_wildcard_san(void **state)
{
	struct ike_creds *cr = creds(p256[1], leaf("ks.test", p256[1],
				     "DNS:ks.test", NULL, NULL));
	X509 *w = leaf("any", p256[0], "DNS:*.gvpn.example", NULL, NULL);
	X509 *cn = leaf("gm1.gvpn.example", p256[0], "DNS:other.example",
			NULL, NULL);
	char why[300];

	(void)state;
	assert_int_equal(verify(cr, w, IKE_AUTH_ECDSA_256, "fqdn:gm1.gvpn.example",
				why, sizeof(why)), -1);
	assert_string_equal(why, "certificate /C=CH/O=gvpn test/CN=any does not carry identity fqdn:gm1.gvpn.example");
	/* the subject's CN never stands for a DNS name */
	assert_int_equal(verify(cr, cn, IKE_AUTH_ECDSA_256, "fqdn:gm1.gvpn.example",
				why, sizeof(why)), -1);
	cr->wildcards = true;
	assert_int_equal(verify(cr, w, IKE_AUTH_ECDSA_256, "fqdn:gm1.gvpn.example",
				why, sizeof(why)), 0);
	/* one label only, even allowed */
	assert_int_equal(verify(cr, w, IKE_AUTH_ECDSA_256,
				"fqdn:a.gm1.gvpn.example", why, sizeof(why)), -1);
	X509_free(w);
	X509_free(cn);
	ike_creds_free(cr);
}

static void test_crl(void **state)
{
	struct ike_creds *cr;
	X509 *good = leaf("gm1", p256[0], "DNS:gm1.test", NULL, NULL);
	X509 *bad = leaf("gm2", p256[0], "DNS:gm2.test", NULL, NULL);
	long bad_serial = ASN1_INTEGER_get(X509_get0_serialNumber(bad));
	X509_CRL *crl = mk_crl(ca, ca_key, bad_serial, 86400);
	X509_CRL *old = mk_crl(ca, ca_key, 0, -60);
	X509_CRL *other = mk_crl(ca2, ca2_key, bad_serial, 86400);
	char why[300], err[300];

	(void)state;
	/* without a CRL, both pass */
	cr = creds(p256[1], leaf("ks.test", p256[1], "DNS:ks.test", NULL, NULL));
	assert_int_equal(verify(cr, bad, IKE_AUTH_ECDSA_256, "fqdn:gm2.test",
				why, sizeof(why)), 0);
	assert_int_equal(ike_creds_add_crl(cr, write_pem("ca.crl", NULL, NULL,
					   crl), err, sizeof(err)), 0);
	assert_int_equal(verify(cr, good, IKE_AUTH_ECDSA_256, "fqdn:gm1.test",
				why, sizeof(why)), 0);
	assert_int_equal(verify(cr, bad, IKE_AUTH_ECDSA_256, "fqdn:gm2.test",
				why, sizeof(why)), -1);
	assert_string_equal(why, "certificate /C=CH/O=gvpn test/CN=gm2: certificate revoked");
	ike_creds_free(cr);

	/* an expired CRL, or only another CA's: nothing passes */
	cr = creds(p256[1], leaf("ks.test", p256[1], "DNS:ks.test", NULL, NULL));
	assert_int_equal(ike_creds_add_crl(cr, write_pem("old.crl", NULL, NULL,
					   old), err, sizeof(err)), 0);
	assert_int_equal(verify(cr, good, IKE_AUTH_ECDSA_256, "fqdn:gm1.test",
				why, sizeof(why)), -1);
	assert_string_equal(why, "certificate /C=CH/O=gvpn test/CN=gm1: CRL has expired");
	ike_creds_free(cr);
	cr = creds(p256[1], leaf("ks.test", p256[1], "DNS:ks.test", NULL, NULL));
	assert_int_equal(ike_creds_add_crl(cr, write_pem("other.crl", NULL,
					   NULL, other), err, sizeof(err)), 0);
	assert_int_equal(verify(cr, good, IKE_AUTH_ECDSA_256, "fqdn:gm1.test",
				why, sizeof(why)), -1);
	assert_string_equal(why, "certificate /C=CH/O=gvpn test/CN=gm1: unable to get certificate CRL");

	/* files without a CRL */
	assert_int_equal(ike_creds_add_crl(cr, conf_dir_path("ca.pem"), err,
					   sizeof(err)), -1);
	assert_non_null(strstr(err, "no PEM certificate revocation list"));
	assert_int_equal(ike_creds_add_crl(cr, conf_dir_path("none.crl"), err,
					   sizeof(err)), -1);
	assert_non_null(strstr(err, "No such file or directory"));
	ike_creds_free(cr);
	X509_free(good);
	X509_free(bad);
	X509_CRL_free(crl);
	X509_CRL_free(old);
	X509_CRL_free(other);
}

/* a CRL file replaced while gvpnd runs is read again at the next
 * verification; a broken one leaves the previous lists in force */
static void test_crl_reload(void **state)
{
	struct ike_creds *cr = creds(p256[1], leaf("ks.test", p256[1],
				     "DNS:ks.test", NULL, NULL));
	X509 *gm = leaf("gm1", p256[0], "DNS:gm1.test", NULL, NULL);
	long serial = ASN1_INTEGER_get(X509_get0_serialNumber(gm));
	X509_CRL *none = mk_crl(ca, ca_key, 0, 86400);
	X509_CRL *revoking = mk_crl(ca, ca_key, serial, 86400);
	char why[300], err[300], path[300];
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s", write_pem("live.crl", NULL, NULL,
						     none));
	assert_int_equal(ike_creds_add_crl(cr, path, err, sizeof(err)), 0);
	assert_int_equal(verify(cr, gm, IKE_AUTH_ECDSA_256, "fqdn:gm1.test",
				why, sizeof(why)), 0);
	assert_int_equal(ike_creds_refresh_crls(cr), 0);

	write_pem("live.crl", NULL, NULL, revoking);
	assert_int_equal(verify(cr, gm, IKE_AUTH_ECDSA_256, "fqdn:gm1.test",
				why, sizeof(why)), -1);
	assert_string_equal(why, "certificate /C=CH/O=gvpn test/CN=gm1: certificate revoked");
	assert_int_equal(ike_creds_refresh_crls(cr), 0);

	f = fopen(path, "w");
	assert_non_null(f);
	fputs("not a CRL\n", f);
	fclose(f);
	assert_int_equal(ike_creds_refresh_crls(cr), -1);
	assert_int_equal(ike_creds_refresh_crls(cr), 0);	/* once */
	assert_int_equal(verify(cr, gm, IKE_AUTH_ECDSA_256, "fqdn:gm1.test",
				why, sizeof(why)), -1);
	assert_string_equal(why, "certificate /C=CH/O=gvpn test/CN=gm1: certificate revoked");

	unlink(path);
	assert_int_equal(ike_creds_refresh_crls(cr), -1);
	assert_int_equal(ike_creds_refresh_crls(cr), 0);	/* once */
	write_pem("live.crl", NULL, NULL, none);
	assert_int_equal(ike_creds_refresh_crls(cr), 1);
	assert_int_equal(verify(cr, gm, IKE_AUTH_ECDSA_256, "fqdn:gm1.test",
				why, sizeof(why)), 0);
	X509_free(gm);
	X509_CRL_free(none);
	X509_CRL_free(revoking);
	ike_creds_free(cr);
}

/* --- configuration -------------------------------------------------------------- */

static char *load(const char *text, struct gvpnd_conf *conf, int *n)
{
	const char *path = conf_dir_write("gvpnd.conf", text);

	conf_dir_capture_begin();
	*n = conf_load(path, conf);
	return conf_dir_capture_end();
}

/* a peer "ks" with auth and credentials of key and certificate files
 * and extra settings (line 3 and after) */
static char *load_peer(const char *auth, const char *key, const char *cert,
		       const char *extra, struct gvpnd_conf *conf, int *n)
{
	char text[2048];

	snprintf(text, sizeof(text),
		 "peers = ( { name = \"ks\"; address = \"10.0.0.1\";\n"
		 "  auth = \"%s\"; credentials = {\n"
		 "    %s\n"
		 "    certificate = \"%s\"; private-key = \"%s/%s\";\n"
		 "    ca = \"%s/ca.pem\"; }; } );\n",
		 auth, extra, cert, conf_dir_path(""), key, conf_dir_path(""));
	return load(text, conf, n);
}

static void test_conf(void **state)
{
	X509 *c256 = leaf("gm.test", p256[0], "DNS:gm.test", NULL, NULL);
	X509 *c384 = leaf("gm.test", p384[0], "DNS:gm.test", NULL, NULL);
	X509 *crsa = leaf("gm.test", rsa_key, "DNS:gm.test", NULL, NULL);
	X509 *cku = leaf("gm.test", p256[0], "DNS:gm.test", NULL,
			 "emailProtection");
	X509_CRL *crl = mk_crl(ca, ca_key, 5, 86400);
	char p[4][300], crlp[300];
	struct gvpnd_conf conf;
	char *err;
	int n;

	(void)state;
	write_pem("p256.key", NULL, p256[0], NULL);
	write_pem("p384.key", NULL, p384[0], NULL);
	write_pem("rsa.key", NULL, rsa_key, NULL);
	snprintf(p[0], sizeof(p[0]), "%s", write_pem("c256.pem", c256, NULL, NULL));
	snprintf(p[1], sizeof(p[1]), "%s", write_pem("c384.pem", c384, NULL, NULL));
	snprintf(p[2], sizeof(p[2]), "%s", write_pem("crsa.pem", crsa, NULL, NULL));
	snprintf(p[3], sizeof(p[3]), "%s", write_pem("cku.pem", cku, NULL, NULL));
	snprintf(crlp, sizeof(crlp), "%s", write_pem("ca.crl", NULL, NULL, crl));

	/* the key decides between ECDSA-256 and ECDSA-384 */
	err = load_peer("ecdsa", "p256.key", p[0], "", &conf, &n);
	assert_string_equal(err, "");
	assert_int_equal(conf.ike.peers[0].auth, IKE_AUTH_ECDSA_256);
	assert_int_equal(conf.ike.peers[0].suites[0].auth, IKE_AUTH_ECDSA_256);
	assert_false(conf.ike.peers[0].creds->wildcards);
	assert_null(conf.ike.peers[0].creds->crls);
	free(err);
	conf_free(&conf);
	{
		char extra[400];

		snprintf(extra, sizeof(extra),
			 "crl = [ \"%s\" ]; wildcard-san = true;", crlp);
		err = load_peer("ecdsa", "p384.key", p[1], extra, &conf, &n);
	}
	assert_string_equal(err, "");
	assert_int_equal(conf.ike.peers[0].auth, IKE_AUTH_ECDSA_384);
	assert_int_equal(conf.ike.peers[0].suites[conf.ike.peers[0].nsuites - 1].auth,
			 IKE_AUTH_ECDSA_384);
	assert_true(conf.ike.peers[0].creds->wildcards);
	assert_int_equal(sk_X509_CRL_num(conf.ike.peers[0].creds->crls), 1);
	free(err);
	conf_free(&conf);
	err = load_peer("rsa", "rsa.key", p[2], "", &conf, &n);
	assert_string_equal(err, "");
	assert_int_equal(conf.ike.peers[0].auth, IKE_AUTH_RSA_SIG);
	free(err);
	conf_free(&conf);

	/* mistakes, at their lines */
	err = load_peer("ecdsa", "rsa.key", p[2], "", &conf, &n);
	assert_int_equal(n, 1);
	assert_non_null(strstr(err, "gvpnd.conf:2: peer 'ks': auth = \"ecdsa\" but the private key is an RSA key (use auth = \"rsa\")"));
	free(err);
	conf_free(&conf);
	err = load_peer("rsa", "p256.key", p[0], "", &conf, &n);
	assert_int_equal(n, 1);
	assert_non_null(strstr(err, "gvpnd.conf:2: peer 'ks': auth = \"rsa\" but the private key is an EC key (use auth = \"ecdsa\")"));
	free(err);
	conf_free(&conf);
	err = load_peer("dsa", "p256.key", p[0], "", &conf, &n);
	assert_non_null(strstr(err, "gvpnd.conf:2: 'auth' = \"dsa\": expected psk, rsa or ecdsa"));
	free(err);
	conf_free(&conf);
	err = load_peer("ecdsa", "p256.key", p[0], "crl = \"/nonexistent.crl\";",
			&conf, &n);
	assert_non_null(strstr(err, "gvpnd.conf:3: /nonexistent.crl: No such file or directory"));
	free(err);
	conf_free(&conf);
	err = load_peer("ecdsa", "p256.key", p[0], "crl = 5;", &conf, &n);
	assert_non_null(strstr(err, "gvpnd.conf:3: 'crl' must be a file name or a list"));
	free(err);
	conf_free(&conf);
	err = load_peer("ecdsa", "p256.key", p[3], "", &conf, &n);
	assert_int_equal(n, 1);
	assert_non_null(strstr(err, "gvpnd.conf:2: peer 'ks': our certificate cannot sign IKE messages: extended key usage lists none of"));
	free(err);
	conf_free(&conf);
	X509_free(c256);
	X509_free(c384);
	X509_free(crsa);
	X509_free(cku);
	X509_CRL_free(crl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ecdsa_signature_format),
		cmocka_unit_test(test_ecdsa_phase1),
		cmocka_unit_test(test_key_usage),
		cmocka_unit_test(test_wildcard_san),
		cmocka_unit_test(test_crl),
		cmocka_unit_test(test_crl_reload),
		cmocka_unit_test(test_conf),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
