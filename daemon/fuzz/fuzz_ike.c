// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * libFuzzer harness for the daemon's entry point, ike_input(), as a key
 * server would run it: a responder accepting main and aggressive mode
 * from any address with a pre-shared key. The input is one or more
 * datagrams, each preceded by a 2-byte length. A responder cookie of all
 * 0xff bytes is replaced by the one the responder handed out, so that
 * exchanges get past their first message. Everything answered goes
 * nowhere; the context is rebuilt for every input.
 */

#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "ike/ike_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ike_ctx ctx;
static struct ike_conf conf;
static struct ike_peer peer;
static struct ike_suite suites[3] = {
	{ IKE_ENCR_AES_CBC, 256, IKE_HASH_SHA256, IKE_AUTH_PSK, 19, 3600 },
	{ IKE_ENCR_AES_CBC, 128, IKE_HASH_SHA1, IKE_AUTH_PSK, 19, 3600 },
	{ IKE_ENCR_3DES, 0, IKE_HASH_MD5, IKE_AUTH_PSK, 19, 3600 },
};
static uint8_t msg[ISAKMP_MAX_MSG];

static int op_send(struct ike_ctx *c, const struct sockaddr_in *local,
		   const struct sockaddr_in *to, const uint8_t *buf,
		   size_t len)
{
	(void)c;
	(void)local;
	(void)to;
	(void)buf;
	(void)len;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t ff[8] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
				       0xff, 0xff };
	struct ike_ops ops = { .send = op_send };
	struct sockaddr_in local = { .sin_family = AF_INET,
		.sin_port = htons(848), .sin_addr.s_addr = htonl(0x0a000001) };
	struct sockaddr_in from = { .sin_family = AF_INET,
		.sin_port = htons(848), .sin_addr.s_addr = htonl(0x0a000002) };
	static bool once;
	size_t off = 0;

	if (!once) {
		log_init("fuzz", true, LOG_EMERG);
		once = true;
	}
	conf = (struct ike_conf){
		.doi = ISAKMP_DOI_GDOI, .legacy = true, .port = 848,
		.retransmit_ms = 1000, .retransmit_max_ms = 1000,
		.retransmit_tries = 2, .half_open_max = 16,
		.half_open_ms = 1000, .max_sas = 8, .aggressive_rate = 1000,
		.npeers = 1, .peers = &peer,
	};
	peer = (struct ike_peer){
		.name = "any", .plen = 0, .mode = IKE_MODE_ANY,
		.auth = IKE_AUTH_PSK, .psk = (uint8_t *)"fuzz", .psk_len = 4,
		.nsuites = 3, .suites = suites,
	};
	if (ike_ctx_init(&ctx, &conf, &ops))
		abort();
	while (size - off >= 2) {
		size_t len = (size_t)(data[off] << 8 | data[off + 1]);

		off += 2;
		if (len > size - off)
			len = size - off;
		memcpy(msg, data + off, len);
		off += len;
		if (len >= 16 && !memcmp(msg + 8, ff, 8))
			ike_cookie_make(&ctx, msg, &from, msg + 8);
		ike_input(&ctx, &local, &from, msg, len);
	}
	ike_ctx_fini(&ctx);
	return 0;
}
