// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * push_forge: the adversary of the push selftests (selftests/gvpn/
 * gdoi_push_forged.sh). It opens a captured GROUPKEY-PUSH with the KEK a
 * member holds (the test reads it from the member's own plaintext pcap),
 * and builds it again with another sequence number, signed with a key of
 * the test's choosing: a push that decrypts and decodes like the key
 * server's, and whose only fault is its signature (or, signed with the key
 * server's real key, no fault at all: the test's proof that the forgery is
 * otherwise sound).
 *
 *   push_forge [-H SIG_HASH] [-p PSEUDOTIME_MS] KEK-KEY-HEX VERIFY.pem
 *              [SIGN.pem SEQ]
 *
 * reads the push (the ISAKMP message) on standard input. KEK-KEY-HEX: the
 * KEK's AES key (its SPI is the push's cookies); VERIFY.pem: the key
 * server's signing key (its public half checks the captured push);
 * SIG_HASH: GDOI_SIG_HASH_* (default SHA-256); PSEUDOTIME_MS: the
 * pseudotime the new push's TEKs carry (TBAR, gvpn's private TEK
 * attribute), so that a test chooses how fresh or stale it is. Without
 * SIGN.pem it prints what it found ("seq N sa 0|1 ack 0|1 pst MS|-");
 * with it, the new push goes to standard output. Exit status 1 when the
 * captured push does not open.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/pem.h>

#include "gdoi/gdoi_push.h"
#include "ks/ks.h"
#include "tek_alg.h"

static uint8_t in[ISAKMP_MAX_MSG], plain[ISAKMP_MAX_MSG];
static uint8_t out[ISAKMP_MAX_MSG];

static EVP_PKEY *load_key(const char *path)
{
	EVP_PKEY *k;
	FILE *f = fopen(path, "r");

	if (!f) {
		perror(path);
		exit(2);
	}
	k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (!k) {
		fprintf(stderr, "%s: not a PEM private key\n", path);
		exit(2);
	}
	return k;
}

static int unhex(const char *s, uint8_t *b, size_t cap)
{
	size_t n = strlen(s), i;

	if (n % 2 || n / 2 > cap)
		return -1;
	for (i = 0; i < n / 2; i++) {
		unsigned v;

		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		b[i] = (uint8_t)v;
	}
	return (int)(n / 2);
}

static uint64_t be64(const uint8_t *b)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | b[i];
	return v;
}

/*
 * The TEK pseudotime attributes of p (in the plaintext buffer): read the
 * first into *pst, or, with set, write pst into every one. 0 when there
 * is one.
 */
static int pseudotime(struct gdoi_push *p, uint64_t *pst, bool set)
{
	int found = -1;
	unsigned i;

	for (i = 0; p->has_sa && i < p->sa.ntek; i++) {
		uint8_t *a = (uint8_t *)p->sa.tek[i].attrs.p;
		size_t left = p->sa.tek[i].attrs.len, alen;

		while (left >= 4) {
			uint16_t type = (uint16_t)(a[0] << 8 | a[1]);

			alen = type & 0x8000 ? 4 : 4 + (size_t)(a[2] << 8 | a[3]);
			if (alen > left)
				break;
			if (type == TEK_ATTR_GVPN_PSEUDOTIME_MS && alen == 12) {
				if (set)
					for (int j = 0; j < 8; j++)
						a[4 + j] = (uint8_t)(*pst >> (56 - 8 * j));
				else if (found)
					*pst = be64(a + 4);
				found = 0;
			}
			a += alen;
			left -= alen;
		}
	}
	return found;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: push_forge [-H SIG_HASH] [-p PSEUDOTIME_MS] KEK-KEY-HEX VERIFY.pem [SIGN.pem SEQ] <push\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct gdoi_kek_keys kek = { .alg = GDOI_KEK_ALG_AES,
				     .sig_hash = GDOI_SIG_HASH_SHA256 };
	struct gdoi_push p;
	char why[256] = "";
	size_t len = 0;
	uint64_t pst = 0;
	bool set_pst = false;
	ssize_t r;
	int opt, n;

	while ((opt = getopt(argc, argv, "H:p:")) != -1) {
		if (opt == 'H') {
			kek.sig_hash = (uint16_t)atoi(optarg);
		} else if (opt == 'p') {
			pst = strtoull(optarg, NULL, 0);
			set_pst = true;
		} else {
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 2 && argc != 4)
		usage();
	n = unhex(argv[0], kek.key, sizeof(kek.key));
	if (n != 16 && n != 24 && n != 32) {
		fprintf(stderr, "push_forge: the KEK key is 16, 24 or 32 bytes of hex\n");
		return 2;
	}
	kek.key_bits = (uint16_t)(8 * n);
	kek.sig_key = load_key(argv[1]);
	while (len < sizeof(in) &&
	       (r = read(0, in + len, sizeof(in) - len)) > 0)
		len += (size_t)r;
	if (len < sizeof(struct isakmp_hdr)) {
		fprintf(stderr, "push_forge: no push on standard input\n");
		return 1;
	}
	memcpy(kek.spi, in, GDOI_KEK_SPI_LEN);
	if (gdoi_push_open(&kek, in, len, plain, sizeof(plain), &p, why,
			   sizeof(why))) {
		fprintf(stderr, "push_forge: the push does not open: %s\n", why);
		return 1;
	}
	if (argc == 2) {
		uint64_t t;

		printf("seq %u sa %d ack %d ", p.seq, p.has_sa, p.ack_requested);
		if (pseudotime(&p, &t, false))
			printf("pst -\n");
		else
			printf("pst %llu\n", (unsigned long long)t);
		return 0;
	}
	if (set_pst && pseudotime(&p, &pst, true)) {
		fprintf(stderr, "push_forge: the push carries no pseudotime\n");
		return 1;
	}
	EVP_PKEY_free(kek.sig_key);
	kek.sig_key = load_key(argv[2]);
	p.seq = (uint32_t)strtoul(argv[3], NULL, 0);
	n = gdoi_push_build(&kek, &p, out, sizeof(out), NULL, NULL);
	if (n < 0) {
		fprintf(stderr, "push_forge: build: %s\n", strerror(-n));
		return 1;
	}
	OPENSSL_cleanse(kek.key, sizeof(kek.key));
	EVP_PKEY_free(kek.sig_key);
	return fwrite(out, 1, (size_t)n, stdout) == (size_t)n ? 0 : 1;
}
