// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * libFuzzer harness for the certificate path of Phase 1: the payloads of
 * main mode message 5 (or 6) of an RSA-signature peer go through what
 * ike_mm.c's check_peer() runs once they are decrypted: CERTREQ noted,
 * ike_p1_check_id() (the ID payload, the configured remote identity),
 * ike_p1_get_certs() (CERT payloads: DER X.509, the peer's certificate
 * then intermediates), ike_p1_check_auth() (ike_cert_verify(): the chain
 * to the trust anchor, RSA, the identity in the certificate; then the
 * SIG over HASH_I or HASH_R).
 *
 * A fuzzer cannot sign: the harness can. Input: byte 0 flags (bit 0: we
 * are the initiator, checking message 6; bit 1: the harness puts a SIG
 * payload first, signed with the peer's key over the right HASH for the
 * ID payload the input carries; bit 2: a remote identity is configured,
 * the certificate's DN), byte 1 the first payload's type, then payloads.
 * The keys and certificates are fixed (made once with the openssl CLI,
 * valid until 2126), so the committed seeds (corpus/cert, their CERT
 * payloads the member's certificate and its intermediate CA) verify.
 */

#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "core/log.h"
#include "ike/ike_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* the trust anchor: O=Example, CN=Fuzz Root CA */
static const char ca_pem[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIDRTCCAi2gAwIBAgIUT8N4WjSldDzWZUOQMGC3ILWYatIwDQYJKoZIhvcNAQEL\n"
	"BQAwKTEQMA4GA1UECgwHRXhhbXBsZTEVMBMGA1UEAwwMRnV6eiBSb290IENBMCAX\n"
	"DTI2MTIwNzE5MzMxMFoYDzIxMjYxMTEzMTkzMzEwWjApMRAwDgYDVQQKDAdFeGFt\n"
	"cGxlMRUwEwYDVQQDDAxGdXp6IFJvb3QgQ0EwggEiMA0GCSqGSIb3DQEBAQUAA4IB\n"
	"DwAwggEKAoIBAQCrAQsmvzKd47TiZzXYFdGOs6Wdes/DEsuubT0NTTdiMX0AUVr1\n"
	"89iKCyrgIZoU9xgxp/GKG/T9A1eP96/yL0z5PnIMrPdS/y/X86V4zCRTarVj8/vT\n"
	"Y05/etdy5wEwFsu2SAg6TNA8y5WsuxEpd7ZsaZzyFn6REt9ccBhCCf8uBIjDVLTI\n"
	"Zbb/M+JdOjz90MWT3Sr+GzaKeJik5CjzrT5qK0dPuXhMywba2FgzglFHFq6RAs/s\n"
	"pzWf3wUWz0sbS5Y0okTGTd0qh0onWiiAN7loqyTBxJ23m+nHDKN7eWf29yv/Kyxg\n"
	"9kaC7ImEm51YVeeuQMaErhMsJ/EBs2fnPYkhAgMBAAGjYzBhMB0GA1UdDgQWBBQj\n"
	"TogzZszJ9As70LU/qlzLq7MQxzAfBgNVHSMEGDAWgBQjTogzZszJ9As70LU/qlzL\n"
	"q7MQxzAPBgNVHRMBAf8EBTADAQH/MA4GA1UdDwEB/wQEAwIBBjANBgkqhkiG9w0B\n"
	"AQsFAAOCAQEAF/objg79xQujvK1ryXXyXedMaKIxxoDR5LmB6OjhJroZXmsjLW3Y\n"
	"XBY/8uIP6BmV1FoLNDVkfp7g7jN4HV5D+cjf8CfwsvEUdFzuJXTvvgZXh1keC/oA\n"
	"Vv8tZ/f6rRisCtAOTYXzQdciuSoGaNE+rrrNEHjDWOYL4JJimfTULD+UXEl6R0nT\n"
	"+DpNwzjOEBoXR/wR8GvnUO0yZkwihxQuODfm3YDRVRonUKSYy06l/fwn5h0KEjgk\n"
	"Qdp78bYYkQMX+6uQkWoAfWZF98FVgXg0oQHIPML5yjF3QFgHb9zKae2Mqpi4JrNI\n"
	"64WqBRYoCVlGIbGOcc97rDYlldMZTfIamw==\n"
	"-----END CERTIFICATE-----\n";

/* the peer's key (RSA 1024: signing on every input must be quick); its
 * certificate (O=Example, OU=gm, CN=gm1; DNS gm1.example.com, IP 10.0.0.2,
 * email gm1@example.com) is issued by Fuzz Intermediate CA, which the
 * root issued: both are in the seeds, as a member sends them */
static const char gm_key_pem[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MIICdQIBADANBgkqhkiG9w0BAQEFAASCAl8wggJbAgEAAoGBAL++aw9j8/3YEtuo\n"
	"QmGX/RdpB9gBT2eUU7zTlT0NYh9wfZueu9k/nauED4IaCi0Ttk1QkfFVzRPTVg/w\n"
	"kwaxSLmKgZoc2cmiv2pwZjVhYiLtQEoGvmy24x+dni4AL9dGY22IhFPVOZ0InJNl\n"
	"zSsmbgNOExFcNvyD8TvwBY0yKhGNAgMBAAECgYBLKv8VfX29WeOqsP+0+ryBXO9y\n"
	"QrE6Te+16sxqrsB0ysizJTtHI6VQA+mAe2zZ1wx0qs1L6vMGfqcSgKFi0kVLqRmf\n"
	"P3V1CfpAIClKGT6dtfLhn3JgohJgJLwzgVwvc4L+9EtZ4wdDsQNzWwqYGGlAWdU+\n"
	"NrF+sTYg62ndTR67EQJBAPH54RX0fI9fY9IASFhbN6mG4SzTnSxo61GGRF9yguy/\n"
	"tMGp7d29yJsD46mojdCwL6KorOL89Nr8sI+LploiguMCQQDK20JSndU7ZfvA8Jrd\n"
	"fw7Fc76FJFK+sxkBFFzq/uz2+DvAz9CFH4jG9r6oCSlw/XhyUyfP6wUfPfB6ZStJ\n"
	"vZTPAkABHmWjA1lcFFXSz7uF5Q4R05TQ7z2HyghkfRlt04q1a4F7b7ywzMLTrKXt\n"
	"z+Cv+VCPEPaTqhW7uXVbhIrFWel/AkA192zGg9zFZ5U5OAlLIdExMGCgFRC6UPU2\n"
	"907c6aLq9REYc3Da6Y++tsfz9jQDLjuL1pmB09lR/W1rcly4ymm7AkAk+DHFpXU1\n"
	"KZZgjuqXO2IHkf/suiWc0mvTRx8TBU75G0CZjJM+BOXyu+3kLvlWVYGAKmDShCf3\n"
	"aXd4fFNl0UoS\n"
	"-----END PRIVATE KEY-----\n";

static struct ike_creds *creds;
static struct ike_id remote_id;
static EVP_PKEY *gm_key;
static struct ike_ctx ctx;
static struct ike_conf conf;
static struct ike_peer peer;
static uint8_t buf[ISAKMP_MAX_MSG];

static int op_send(struct ike_ctx *c, const struct sockaddr_in *local,
		   const struct sockaddr_in *to, const uint8_t *b, size_t len)
{
	(void)c;
	(void)local;
	(void)to;
	(void)b;
	(void)len;
	return 0;
}

static void setup(void)
{
	BIO *bio = BIO_new_mem_buf(ca_pem, -1);
	X509 *ca = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;

	BIO_free(bio);
	bio = BIO_new_mem_buf(gm_key_pem, -1);
	gm_key = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
	BIO_free(bio);
	creds = ike_creds_new();
	if (!ca || !gm_key || !creds ||
	    ike_id_parse("dn:O=Example, OU=gm, CN=gm1", &remote_id))
		abort();
	creds->store = X509_STORE_new();
	if (!creds->store || !X509_STORE_add_cert(creds->store, ca))
		abort();
	X509_free(ca);
}

static struct ike_sa *make_sa(bool initiator)
{
	struct sockaddr_in local = { .sin_family = AF_INET,
		.sin_port = htons(848), .sin_addr.s_addr = htonl(0x0a000001) };
	struct sockaddr_in from = { .sin_family = AF_INET,
		.sin_port = htons(848), .sin_addr.s_addr = htonl(0x0a000002) };
	static const uint8_t sai[] = { 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 8,
				       1, 1, 0, 0 };
	struct ike_sa *sa = ike_sa_new(&ctx, initiator, ISAKMP_EXCH_MAIN,
				       &local, &from, &peer);

	if (!sa)
		abort();
	memset(sa->icookie, 0x11, 8);
	memset(sa->rcookie, 0x22, 8);
	sa->suite = (struct ike_suite){ IKE_ENCR_AES_CBC, 256, IKE_HASH_SHA256,
					IKE_AUTH_RSA_SIG, 19, 3600 };
	sa->keys.prf_len = 32;
	memset(sa->keys.skeyid, 0x5a, 32);
	sa->dh = ike_dh_new(19);
	sa->peer_ke = malloc(64);
	sa->sai_b = malloc(sizeof(sai));
	if (!sa->dh || !sa->peer_ke || !sa->sai_b)
		abort();
	memset(sa->peer_ke, 0x4b, 64);
	sa->peer_ke_len = 64;
	memcpy(sa->sai_b, sai, sizeof(sai));
	sa->sai_len = sizeof(sai);
	return sa;
}

/*
 * The SIG payload the peer would send for the ID payload of the input
 * (none: an empty identity), then the input's payloads: in buf
 */
static size_t sign_first(struct ike_sa *sa, uint8_t np, const uint8_t *pl,
			 size_t len)
{
	static struct isakmp_chain c;
	const struct isakmp_pl *id = NULL;
	uint8_t hash[IKE_MAX_HASH], **idb;
	size_t sig_len = 512, *idl;
	struct isakmp_err err;

	if (!isakmp_chain_decode(&c, np, pl, len, true, &err))
		id = isakmp_chain_find(&c, ISAKMP_NP_ID, 0);
	idb = sa->initiator ? &sa->idr_b : &sa->idi_b;
	idl = sa->initiator ? &sa->idr_len : &sa->idi_len;
	free(*idb);
	*idl = id ? id->len : 0;
	*idb = malloc(*idl + 1);
	if (!*idb)
		abort();
	if (id)
		memcpy(*idb, id->body, id->len);
	if (ike_auth_hash(sa, !sa->initiator, hash) ||
	    ike_sign(gm_key, hash, sa->keys.prf_len, buf + 4, &sig_len))
		abort();
	if (4 + sig_len + len > sizeof(buf))
		return 0;
	buf[0] = np;
	buf[1] = 0;
	buf[2] = (uint8_t)((4 + sig_len) >> 8);
	buf[3] = (uint8_t)(4 + sig_len);
	memcpy(buf + 4 + sig_len, pl, len);
	return 4 + sig_len + len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct ike_ops ops = { .send = op_send };
	static struct isakmp_chain c;
	static bool once;
	struct isakmp_err err;
	struct ike_sa *sa;
	uint16_t notify = 0;
	char why[300];
	uint8_t np;
	int ret;

	if (!once) {
		log_init("fuzz", true, getenv("FUZZ_DEBUG") ? LOG_DEBUG : LOG_EMERG);
		setup();
		once = true;
	}
	if (size < 2)
		return 0;
	conf = (struct ike_conf){
		.doi = ISAKMP_DOI_GDOI, .port = 848, .retransmit_ms = 1000,
		.retransmit_max_ms = 1000, .retransmit_tries = 2,
		.half_open_max = 16, .half_open_ms = 1000, .max_sas = 8,
		.aggressive_rate = 1000, .npeers = 1, .peers = &peer,
	};
	peer = (struct ike_peer){
		.name = "gm", .mode = IKE_MODE_ANY, .auth = IKE_AUTH_RSA_SIG,
		.creds = creds,
	};
	peer.remote_id = remote_id;
	peer.remote_id_set = data[0] & 4;
	if (ike_ctx_init(&ctx, &conf, &ops))
		abort();
	sa = make_sa(data[0] & 1);
	np = data[1];
	if (data[0] & 2) {
		size_t n = sign_first(sa, np, data + 2, size - 2);

		if (!n)
			goto out;
		np = ISAKMP_NP_SIG;
		size = n;
	} else {
		if (size - 2 > sizeof(buf))
			goto out;
		memcpy(buf, data + 2, size - 2);
		size -= 2;
	}
	if (isakmp_chain_decode(&c, np, buf, size, true, &err))
		goto out;
	why[0] = '\0';
	ike_p1_get_certreq(sa, &c);
	ret = ike_p1_check_id(sa, &c, &notify, why, sizeof(why)) ||
	      ike_p1_get_certs(sa, &c, &notify, why, sizeof(why)) ||
	      ike_p1_check_auth(sa, &c, &notify, why, sizeof(why));
	if (ret) {
		/* a refusal says why */
		if (!why[0])
			__builtin_trap();
		log_msg(LOG_DEBUG, "fuzz: refused (%u): %s", notify, why);
	} else {
		/* an accepted peer has a certificate that verified */
		if (!sa->peer_cert)
			__builtin_trap();
		log_msg(LOG_DEBUG, "fuzz: accepted %s", sa->peer_id);
	}
out:
	ike_ctx_fini(&ctx);
	return 0;
}
