// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * Phase 1 transforms (RFC 2409 Appendix A) to and from struct ike_suite.
 */

#include <stdio.h>
#include <string.h>

#include "ike.h"

const char *ike_encr_name(uint16_t encr, uint16_t key_bits)
{
	if (encr == IKE_ENCR_3DES)
		return "3des";
	if (encr == IKE_ENCR_AES_CBC)
		switch (key_bits) {
		case 128:
			return "aes128";
		case 192:
			return "aes192";
		case 256:
			return "aes256";
		}
	return "unknown-cipher";
}

const char *ike_hash_name(uint16_t hash)
{
	switch (hash) {
	case IKE_HASH_MD5:
		return "md5";
	case IKE_HASH_SHA1:
		return "sha1";
	case IKE_HASH_SHA256:
		return "sha256";
	case IKE_HASH_SHA384:
		return "sha384";
	case IKE_HASH_SHA512:
		return "sha512";
	}
	return "unknown-hash";
}

const char *ike_auth_name(uint16_t auth)
{
	switch (auth) {
	case IKE_AUTH_PSK:
		return "psk";
	case IKE_AUTH_RSA_SIG:
		return "rsa-sig";
	case IKE_AUTH_ECDSA_256:
		return "ecdsa-256";
	case IKE_AUTH_ECDSA_384:
		return "ecdsa-384";
	}
	return "unknown-auth";
}

char *ike_suite_str(const struct ike_suite *s, char *buf, size_t len)
{
	snprintf(buf, len, "%s-%s-%s/%s", ike_encr_name(s->encr, s->key_bits),
		 ike_hash_name(s->hash), ike_group_name(s->group),
		 ike_auth_name(s->auth));
	return buf;
}

bool ike_suite_legacy(const struct ike_suite *s)
{
	return s->encr == IKE_ENCR_3DES || s->hash == IKE_HASH_MD5 ||
	       ike_group_legacy(s->group);
}

int ike_suite_decode(struct ike_suite *s, const struct isakmp_transform *t,
		     struct isakmp_err *err)
{
	struct isakmp_attrs it = t->attrs;
	struct isakmp_attr a;
	uint16_t life_type = 0;
	bool have_life = false;
	uint64_t v;

	memset(s, 0, sizeof(*s));
	if (t->id != ISAKMP_KEY_IKE)
		return isakmp_fail(err, ISAKMP_N_INVALID_TRANSFORM_ID,
				   "transform id %u is not KEY_IKE", t->id);
	while (isakmp_attr_next(&it, &a) == 1) {
		if (isakmp_attr_uint(&a, &v) || (a.type != IKE_ATTR_LIFE_DURATION &&
						 v > UINT16_MAX))
			return isakmp_fail(err, ISAKMP_N_ATTRIBUTES_NOT_SUPPORTED,
					   "attribute %u has a %u-byte value",
					   a.type, a.len);
		switch (a.type) {
		case IKE_ATTR_ENCR:
			s->encr = (uint16_t)v;
			break;
		case IKE_ATTR_HASH:
			s->hash = (uint16_t)v;
			break;
		case IKE_ATTR_AUTH:
			s->auth = (uint16_t)v;
			break;
		case IKE_ATTR_GROUP_DESC:
			s->group = (uint16_t)v;
			break;
		case IKE_ATTR_KEY_LENGTH:
			s->key_bits = (uint16_t)v;
			break;
		case IKE_ATTR_LIFE_TYPE:
			life_type = (uint16_t)v;
			if (life_type != IKE_LIFE_SECONDS &&
			    life_type != IKE_LIFE_KILOBYTES)
				return isakmp_fail(err, ISAKMP_N_ATTRIBUTES_NOT_SUPPORTED,
						   "life type %u", life_type);
			have_life = false;
			break;
		case IKE_ATTR_LIFE_DURATION:
			if (!life_type || have_life)
				return isakmp_fail(err, ISAKMP_N_BAD_PROPOSAL_SYNTAX,
						   "life duration without a life type");
			have_life = true;
			/* kilobytes do not apply to a single exchange */
			if (life_type == IKE_LIFE_SECONDS)
				s->lifetime = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
			break;
		default:
			/* PRF, custom groups, ...: not implemented */
			return isakmp_fail(err, ISAKMP_N_ATTRIBUTES_NOT_SUPPORTED,
					   "attribute %u not supported", a.type);
		}
	}
	if (!s->encr || !s->hash || !s->auth || !s->group)
		return isakmp_fail(err, ISAKMP_N_BAD_PROPOSAL_SYNTAX,
				   "transform lacks a cipher, hash, authentication method or group");
	if (s->encr == IKE_ENCR_AES_CBC && !s->key_bits)
		s->key_bits = 128;	/* RFC 3602 5.3 default */
	if (s->encr == IKE_ENCR_3DES && s->key_bits && s->key_bits != 192)
		return isakmp_fail(err, ISAKMP_N_ATTRIBUTES_NOT_SUPPORTED,
				   "3DES with a %u-bit key", s->key_bits);
	if (s->encr == IKE_ENCR_3DES)
		s->key_bits = 0;
	return 0;
}

void ike_suite_encode(struct isakmp_buf *b, const struct ike_suite *s)
{
	isakmp_put_attr_basic(b, IKE_ATTR_ENCR, s->encr);
	if (s->encr == IKE_ENCR_AES_CBC)
		isakmp_put_attr_basic(b, IKE_ATTR_KEY_LENGTH, s->key_bits);
	isakmp_put_attr_basic(b, IKE_ATTR_HASH, s->hash);
	isakmp_put_attr_basic(b, IKE_ATTR_AUTH, s->auth);
	isakmp_put_attr_basic(b, IKE_ATTR_GROUP_DESC, s->group);
	if (s->lifetime) {
		isakmp_put_attr_basic(b, IKE_ATTR_LIFE_TYPE, IKE_LIFE_SECONDS);
		isakmp_put_attr_uint(b, IKE_ATTR_LIFE_DURATION, s->lifetime);
	}
}

/* Lifetimes may differ: the shorter one applies (see ike_p1.c) */
bool ike_suite_match(const struct ike_suite *offer,
		     const struct ike_suite *conf)
{
	return offer->encr == conf->encr && offer->key_bits == conf->key_bits &&
	       offer->hash == conf->hash && offer->auth == conf->auth &&
	       offer->group == conf->group;
}
