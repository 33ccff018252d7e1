/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * TEK transforms: the one table that ties together what a configuration
 * names ("aes-gcm-128", "aes-cbc-256" + "hmac-sha256"), what an SA TEK
 * payload carries (ESP transform id, IPsec DOI attributes, RFC 2407 4.5,
 * RFC 6407 5.4.1) and what gvpn.ko takes (ip xfrm algorithm names, key and
 * ICV sizes). The key server encodes with it and the member decodes with
 * it, so both always agree.
 *
 * Pure tables, no dependency on the message codec: the CLI links this
 * library too.
 */
#ifndef GVPN_TEK_ALG_H
#define GVPN_TEK_ALG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ESP transform ids (IANA "IPsec ESP Transform Identifiers") */
#define TEK_ESP_3DES		3
#define TEK_ESP_AES_CBC		12
#define TEK_ESP_AES_GCM_8	18
#define TEK_ESP_AES_GCM_12	19
#define TEK_ESP_AES_GCM_16	20

/*
 * IPsec DOI SA attributes in an SA TEK (RFC 2407 4.5; 14 and 15 from
 * RFC 6407 5.4.1). Attributes 32001.. are in the private-use range: gvpn's
 * own time-based anti-replay (Documentation/tbar.rst), which neither Cisco
 * nor Juniper documents on the wire. Peers that do not know them ignore
 * them.
 */
#define TEK_ATTR_LIFE_TYPE		1	/* TEK_LIFE_* */
#define TEK_ATTR_LIFE_DURATION		2	/* of the preceding type */
#define TEK_ATTR_ENCAP_MODE		4	/* TEK_ENCAP_* */
#define TEK_ATTR_AUTH_ALG		5	/* TEK_AUTH_* */
#define TEK_ATTR_KEY_LENGTH		6	/* bits */
#define TEK_ATTR_ADDR_PRESERVATION	14	/* TEK_ADDR_PRES_* */
#define TEK_ATTR_SA_DIRECTION		15	/* TEK_DIR_* */
#define TEK_ATTR_GVPN_TBAR_WINDOW	32001	/* seconds 1..3600: TBAR on */
#define TEK_ATTR_GVPN_CLOCK		32002	/* enum gvpn_clock */
#define TEK_ATTR_GVPN_PSEUDOTIME_MS	32003	/* 8-byte TLV: the KS clock */
/*
 * A key server deny policy (send in clear, PO-01) travels as an SA TEK
 * with TEK_ATTR_GVPN_BYPASS = 1, in its place in the policy order. Its SPI
 * must be one that the KD carries keys for (another TEK's); the member
 * installs a bypass policy and no SA for it.
 */
#define TEK_ATTR_GVPN_BYPASS		32004

#define TEK_LIFE_SECONDS	1
#define TEK_LIFE_KILOBYTES	2
#define TEK_ENCAP_TUNNEL	1
#define TEK_ENCAP_TRANSPORT	2
#define TEK_ADDR_PRES_NONE	1
#define TEK_ADDR_PRES_SRC	2
#define TEK_ADDR_PRES_DST	3
#define TEK_ADDR_PRES_BOTH	4
#define TEK_DIR_SENDER		1
#define TEK_DIR_RECEIVER	2	/* receive-only (KS `receive-only`) */
#define TEK_DIR_SYMMETRIC	3

/* Authentication Algorithm attribute values (RFC 2407 4.5, RFC 4868) */
#define TEK_AUTH_NONE		0	/* not sent: AEAD */
#define TEK_AUTH_HMAC_MD5	1
#define TEK_AUTH_HMAC_SHA1	2
#define TEK_AUTH_HMAC_SHA256	5

/* An encryption algorithm of a TEK */
struct tek_enc {
	const char *name;	/* configuration: "aes-gcm-128" */
	uint8_t transform;	/* TEK_ESP_* */
	uint16_t key_bits;	/* KEY_LENGTH attribute; 0: not sent */
	bool aead;
	bool legacy;		/* only with ike.legacy */
	const char *kname;	/* gvpn.ko: "rfc4106(gcm(aes))" */
	uint8_t key_len;	/* KD TEK_ALGORITHM_KEY bytes (AEAD: + salt) */
	uint16_t icv_bits;	/* AEAD */
};

/* An integrity algorithm of a TEK (none with AEAD) */
struct tek_integ {
	const char *name;	/* "hmac-sha256", "none" */
	uint16_t auth_alg;	/* TEK_AUTH_* */
	bool legacy;
	const char *kname;	/* "hmac(sha256)"; NULL for none */
	uint8_t key_len;	/* KD TEK_INTEGRITY_KEY bytes */
	uint16_t trunc_bits;
};

/* A transform: what "transforms" lists and `gvpn gm show` prints */
struct tek_transform {
	const struct tek_enc *enc;
	const struct tek_integ *integ;
};

extern const struct tek_enc tek_encs[];
extern const unsigned tek_nencs;
extern const struct tek_integ tek_integs[];
extern const unsigned tek_ninteg;

/* By configuration name, or an alias (Cisco, Juniper, strongSwan words);
 * NULL when unknown */
const struct tek_enc *tek_enc_by_name(const char *name);
const struct tek_integ *tek_integ_by_name(const char *name);

/*
 * From an SA TEK: transform id and KEY_LENGTH (0 when absent; AES-CBC and
 * AES-GCM then mean 128 bits, RFC 3602 and RFC 4106 leave no default but
 * peers send it), and the Authentication Algorithm (TEK_AUTH_NONE when
 * absent). NULL when gvpn does not implement it.
 */
const struct tek_enc *tek_enc_by_wire(uint8_t transform, uint16_t key_bits);
const struct tek_integ *tek_integ_by_wire(uint16_t auth_alg);

/*
 * enc with integ makes a usable transform: AEAD with none, a cipher with an
 * HMAC. Returns 0, or -1 with why.
 */
int tek_transform_check(const struct tek_enc *enc,
			const struct tek_integ *integ, char *why, size_t len);

/* "aes-gcm-128" or "aes-cbc-256/hmac-sha256"; returns buf */
#define TEK_TRANSFORM_STR_LEN	48
char *tek_transform_str(const struct tek_transform *t, char *buf, size_t len);
/* The reverse, checked with tek_transform_check; 0 or -1 with why */
int tek_transform_parse(const char *s, struct tek_transform *t, char *why,
			size_t len);
bool tek_transform_equal(const struct tek_transform *a,
			 const struct tek_transform *b);

#endif /* GVPN_TEK_ALG_H */
