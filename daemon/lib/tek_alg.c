// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * The TEK transform table shared by the key server and the member.
 */

#include <stdio.h>
#include <string.h>

#include "tek_alg.h"

/*
 * Key lengths follow what gvpn.ko accepts (uapi/linux/gvpn.h): AES-GCM
 * keys carry their 4-byte salt (RFC 4106 8.1, the KD key is KEYMAT), ICV
 * 16 bytes; AES-CBC 16/24/32; 3DES 24.
 */
const struct tek_enc tek_encs[] = {
	{ "aes-gcm-128", TEK_ESP_AES_GCM_16, 128, true, false,
	  "rfc4106(gcm(aes))", 16 + 4, 128 },
	{ "aes-gcm-256", TEK_ESP_AES_GCM_16, 256, true, false,
	  "rfc4106(gcm(aes))", 32 + 4, 128 },
	{ "aes-gcm-128-icv8", TEK_ESP_AES_GCM_8, 128, true, false,
	  "rfc4106(gcm(aes))", 16 + 4, 64 },
	{ "aes-gcm-128-icv12", TEK_ESP_AES_GCM_12, 128, true, false,
	  "rfc4106(gcm(aes))", 16 + 4, 96 },
	{ "aes-cbc-128", TEK_ESP_AES_CBC, 128, false, false, "cbc(aes)", 16, 0 },
	{ "aes-cbc-192", TEK_ESP_AES_CBC, 192, false, false, "cbc(aes)", 24, 0 },
	{ "aes-cbc-256", TEK_ESP_AES_CBC, 256, false, false, "cbc(aes)", 32, 0 },
	{ "3des-cbc", TEK_ESP_3DES, 0, false, true, "cbc(des3_ede)", 24, 0 },
};
const unsigned tek_nencs = sizeof(tek_encs) / sizeof(tek_encs[0]);

const struct tek_integ tek_integs[] = {
	{ "none", TEK_AUTH_NONE, false, NULL, 0, 0 },
	{ "hmac-sha256", TEK_AUTH_HMAC_SHA256, false, "hmac(sha256)", 32, 128 },
	{ "hmac-sha1", TEK_AUTH_HMAC_SHA1, false, "hmac(sha1)", 20, 96 },
	{ "hmac-md5", TEK_AUTH_HMAC_MD5, true, "hmac(md5)", 16, 96 },
};
const unsigned tek_ninteg = sizeof(tek_integs) / sizeof(tek_integs[0]);

/*
 * Other spellings of the same algorithms, accepted on input only: what
 * Cisco (crypto ipsec transform-set), Juniper (ipsec proposal) and
 * strongSwan (esp_proposals) write. Everything gvpn prints uses the names
 * of the tables above (gvpnd.conf(5), ALGORITHM NAMES).
 */
struct tek_alias {
	const char *alias, *name;
};

static const struct tek_alias enc_aliases[] = {
	/* Juniper */
	{ "aes-128-gcm", "aes-gcm-128" }, { "aes-256-gcm", "aes-gcm-256" },
	{ "aes-128-cbc", "aes-cbc-128" }, { "aes-192-cbc", "aes-cbc-192" },
	{ "aes-256-cbc", "aes-cbc-256" },
	/* Cisco */
	{ "esp-gcm", "aes-gcm-128" }, { "esp-gcm 128", "aes-gcm-128" },
	{ "esp-gcm 256", "aes-gcm-256" }, { "esp-aes", "aes-cbc-128" },
	{ "esp-aes 128", "aes-cbc-128" }, { "esp-aes 192", "aes-cbc-192" },
	{ "esp-aes 256", "aes-cbc-256" }, { "esp-3des", "3des-cbc" },
	/* strongSwan */
	{ "aes128gcm16", "aes-gcm-128" }, { "aes256gcm16", "aes-gcm-256" },
	{ "aes128gcm8", "aes-gcm-128-icv8" },
	{ "aes128gcm12", "aes-gcm-128-icv12" }, { "aes128", "aes-cbc-128" },
	{ "aes192", "aes-cbc-192" }, { "aes256", "aes-cbc-256" },
	{ "3des", "3des-cbc" },
	{ NULL, NULL },
};

static const struct tek_alias integ_aliases[] = {
	/* Juniper */
	{ "hmac-sha-256-128", "hmac-sha256" }, { "hmac-sha1-96", "hmac-sha1" },
	{ "hmac-md5-96", "hmac-md5" },
	/* Cisco */
	{ "esp-sha256-hmac", "hmac-sha256" }, { "esp-sha-hmac", "hmac-sha1" },
	{ "esp-md5-hmac", "hmac-md5" },
	/* strongSwan */
	{ "sha256", "hmac-sha256" }, { "sha1", "hmac-sha1" },
	{ "md5", "hmac-md5" },
	{ NULL, NULL },
};

/* the canonical name of name: itself, or what an alias stands for */
static const char *unalias(const struct tek_alias *t, const char *name)
{
	for (; t->alias; t++)
		if (!strcmp(t->alias, name))
			return t->name;
	return name;
}

const struct tek_enc *tek_enc_by_name(const char *name)
{
	name = unalias(enc_aliases, name);
	for (unsigned i = 0; i < tek_nencs; i++)
		if (!strcmp(tek_encs[i].name, name))
			return &tek_encs[i];
	return NULL;
}

const struct tek_integ *tek_integ_by_name(const char *name)
{
	name = unalias(integ_aliases, name);
	for (unsigned i = 0; i < tek_ninteg; i++)
		if (!strcmp(tek_integs[i].name, name))
			return &tek_integs[i];
	return NULL;
}

const struct tek_enc *tek_enc_by_wire(uint8_t transform, uint16_t key_bits)
{
	/* AES without KEY_LENGTH: 128 bits; 3DES never has one */
	if (!key_bits && transform != TEK_ESP_3DES)
		key_bits = 128;
	for (unsigned i = 0; i < tek_nencs; i++)
		if (tek_encs[i].transform == transform &&
		    tek_encs[i].key_bits == key_bits)
			return &tek_encs[i];
	return NULL;
}

const struct tek_integ *tek_integ_by_wire(uint16_t auth_alg)
{
	for (unsigned i = 0; i < tek_ninteg; i++)
		if (tek_integs[i].auth_alg == auth_alg)
			return &tek_integs[i];
	return NULL;
}

int tek_transform_check(const struct tek_enc *enc,
			const struct tek_integ *integ, char *why, size_t len)
{
	if (!enc || !integ) {
		snprintf(why, len, "no algorithm");
		return -1;
	}
	if (enc->aead && integ->kname) {
		snprintf(why, len, "%s authenticates itself: integrity must be \"none\", not \"%s\"",
			 enc->name, integ->name);
		return -1;
	}
	if (!enc->aead && !integ->kname) {
		snprintf(why, len, "%s needs an integrity algorithm (ESP without integrity is not supported)",
			 enc->name);
		return -1;
	}
	return 0;
}

char *tek_transform_str(const struct tek_transform *t, char *buf, size_t len)
{
	if (t->integ && t->integ->kname)
		snprintf(buf, len, "%s/%s", t->enc->name, t->integ->name);
	else
		snprintf(buf, len, "%s", t->enc->name);
	return buf;
}

int tek_transform_parse(const char *s, struct tek_transform *t, char *why,
			size_t len)
{
	const char *slash = strchr(s, '/');
	char enc[32];
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	struct tek_transform r;

	if (n >= sizeof(enc)) {
		snprintf(why, len, "unknown transform \"%s\"", s);
		return -1;
	}
	memcpy(enc, s, n);
	enc[n] = 0;
	r.enc = tek_enc_by_name(enc);
	if (!r.enc) {
		snprintf(why, len, "unknown encryption \"%s\" in \"%s\"", enc, s);
		return -1;
	}
	r.integ = tek_integ_by_name(slash ? slash + 1 : "none");
	if (!r.integ) {
		snprintf(why, len, "unknown integrity \"%s\" in \"%s\"",
			 slash + 1, s);
		return -1;
	}
	if (tek_transform_check(r.enc, r.integ, why, len))
		return -1;
	*t = r;
	return 0;
}

bool tek_transform_equal(const struct tek_transform *a,
			 const struct tek_transform *b)
{
	return a->enc == b->enc && a->integ == b->integ;
}
