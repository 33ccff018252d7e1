// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * The "server" section of gvpnd.conf: the key server's groups, their
 * policies, IPsec SAs, KEK, rekey settings and authorization lists
 * (gvpnd.conf(5)). Ranges and defaults from features.md 2.1 and 2.3; where
 * the vendors differ, Documentation/gvpnd.rst says which we follow.
 */

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libconfig.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "conf.h"
#include "conf_int.h"
#include "isakmp/isakmp.h"
#include "ks/ks.h"
#include "util.h"

static const char *const server_keys[] = { "groups", "members-max", NULL };
static const char *const group_keys[] = {
	"name", "id", "identity", "address", "description",
	"activation-time-delay", "tbar-window", "sender-id-bits",
	"receive-only", "compat", "members", "policies",
	"ipsec-sa", "kek", "rekey", "authorization", NULL,
};
static const char *const policy_keys[] = {
	"action", "protocol", "source", "destination", "source-port",
	"destination-port", "sa", NULL,
};
static const char *const sa_keys[] = {
	"name", "encryption", "integrity", "lifetime", NULL,
};
static const char *const kek_keys[] = {
	"encryption", "lifetime", "signing-key", "signature-hash", NULL,
};
static const char *const rekey_keys[] = {
	"transport", "retransmit-period", "retransmissions", "multicast-group",
	"multicast-source", "multicast-ttl", "schedule", "heartbeat",
	"pseudotime-resync", NULL,
};
static const char *const auth_keys[] = { "addresses", "identities", NULL };

static const struct cf_name_val kek_encrs[] = {
	{ "aes128", GDOI_KEK_ALG_AES, 128 }, { "aes192", GDOI_KEK_ALG_AES, 192 },
	{ "aes256", GDOI_KEK_ALG_AES, 256 }, { "3des", GDOI_KEK_ALG_3DES, 192 },
	/* aliases, as for ike.proposals (Cisco: "rekey algorithm aes 256") */
	{ "aes-cbc-128", GDOI_KEK_ALG_AES, 128 },
	{ "aes-cbc-192", GDOI_KEK_ALG_AES, 192 },
	{ "aes-cbc-256", GDOI_KEK_ALG_AES, 256 },
	{ "aes-128-cbc", GDOI_KEK_ALG_AES, 128 },
	{ "aes-192-cbc", GDOI_KEK_ALG_AES, 192 },
	{ "aes-256-cbc", GDOI_KEK_ALG_AES, 256 },
	{ "aes", GDOI_KEK_ALG_AES, 128 }, { "aes 128", GDOI_KEK_ALG_AES, 128 },
	{ "aes 192", GDOI_KEK_ALG_AES, 192 }, { "aes 256", GDOI_KEK_ALG_AES, 256 },
	{ "3des-cbc", GDOI_KEK_ALG_3DES, 192 },
	{ NULL, 0, 0 },
};

static const struct cf_name_val sig_hashes[] = {
	{ "sha256", GDOI_SIG_HASH_SHA256, 0 }, { "sha384", GDOI_SIG_HASH_SHA384, 0 },
	{ "sha512", GDOI_SIG_HASH_SHA512, 0 }, { "sha1", GDOI_SIG_HASH_SHA1, 0 },
	{ "md5", GDOI_SIG_HASH_MD5, 0 },
	/* aliases, as for ike.proposals */
	{ "sha", GDOI_SIG_HASH_SHA1, 0 }, { "sha-256", GDOI_SIG_HASH_SHA256, 0 },
	{ "sha-384", GDOI_SIG_HASH_SHA384, 0 },
	{ "sha-512", GDOI_SIG_HASH_SHA512, 0 },
	{ "sha2_256", GDOI_SIG_HASH_SHA256, 0 },
	{ "sha2_384", GDOI_SIG_HASH_SHA384, 0 },
	{ "sha2_512", GDOI_SIG_HASH_SHA512, 0 },
	{ NULL, 0, 0 },
};

static const config_setting_t *member(const config_setting_t *g,
				      const char *name)
{
	return config_setting_get_member(g, name);
}

static bool is_list(const config_setting_t *s)
{
	return config_setting_type(s) == CONFIG_TYPE_LIST;
}

/* "any" or a prefix; absent: any */
static void get_prefix(struct cctx *c, const config_setting_t *g,
		       const char *name, struct in_addr *a, uint8_t *plen)
{
	const char *v = cf_str(c, g, name, false);

	a->s_addr = 0;
	*plen = 0;
	if (!v || !strcmp(v, "any"))
		return;
	if (parse_prefix4(v, a, plen))
		cf_err(c, member(g, name),
		       "'%s' = \"%s\": expected any, A.B.C.D or A.B.C.D/LEN (host bits zero)",
		       name, v);
	else if (!*plen)
		a->s_addr = 0;
}

/* "any", a port number (as a string or integer); GDOI selectors carry one
 * port, so ranges are refused */
static uint16_t get_port(struct cctx *c, const config_setting_t *g,
			 const char *name)
{
	const config_setting_t *s = member(g, name);
	uint16_t lo, hi;
	const char *v;

	if (!s)
		return 0;
	if (config_setting_type(s) == CONFIG_TYPE_INT)
		return (uint16_t)cf_uint(c, g, name, 1, 65535, 0);
	v = cf_str(c, g, name, false);
	if (!v || !strcmp(v, "any"))
		return 0;
	if (parse_port_range(v, &lo, &hi) || !lo) {
		cf_err(c, s, "'%s' = \"%s\": expected any or a port 1..65535",
		       name, v);
		return 0;
	}
	if (lo != hi) {
		cf_err(c, s, "'%s' = \"%s\": a GDOI traffic selector carries one port, not a range",
		       name, v);
		return 0;
	}
	return lo;
}

static void parse_sas(struct cctx *c, const config_setting_t *g,
		      struct ks_group_conf *gc)
{
	const config_setting_t *list = member(g, "ipsec-sa");
	unsigned i, j, n;

	if (!list || !is_list(list) || !config_setting_length(list)) {
		cf_err(c, list ? list : g,
		       "group '%s': 'ipsec-sa' must be a non-empty list: ipsec-sa = ( { name = ...; encryption = ...; } );",
		       gc->name);
		return;
	}
	n = (unsigned)config_setting_length(list);
	if (n > KS_MAX_SAS) {
		cf_err(c, list, "group '%s': %u ipsec-sa, at most %u", gc->name,
		       n, KS_MAX_SAS);
		return;
	}
	gc->sa = calloc(n, sizeof(*gc->sa));
	if (!gc->sa) {
		cf_err(c, list, "out of memory");
		return;
	}
	gc->nsa = n;
	for (i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(list, i);
		struct ks_sa_conf *sc = &gc->sa[i];
		const char *name, *enc, *integ;
		char why[160];

		if (config_setting_type(s) != CONFIG_TYPE_GROUP) {
			cf_err(c, s, "an ipsec-sa must be a group { name = ...; ... }");
			continue;
		}
		cf_keys(c, s, sa_keys);
		name = cf_str(c, s, "name", true);
		if (name && (!*name || strlen(name) >= sizeof(sc->name)))
			cf_err(c, s, "ipsec-sa name must have 1 to 63 characters");
		else if (name)
			strcpy(sc->name, name);
		for (j = 0; name && j < i; j++)
			if (!strcmp(gc->sa[j].name, sc->name))
				cf_err(c, s, "group '%s': ipsec-sa '%s' is defined twice",
				       gc->name, name);
		enc = cf_str(c, s, "encryption", true);
		integ = cf_str(c, s, "integrity", false);
		if (!integ)
			integ = "none";
		if (enc) {
			sc->t.enc = tek_enc_by_name(enc);
			sc->t.integ = tek_integ_by_name(integ);
			if (!sc->t.enc) {
				cf_err(c, member(s, "encryption"),
				       "'encryption' = \"%s\": expected aes-gcm-128, aes-gcm-256, aes-gcm-128-icv8, aes-gcm-128-icv12, aes-cbc-128, aes-cbc-192, aes-cbc-256 or 3des-cbc",
				       enc);
			} else if (!sc->t.integ) {
				cf_err(c, member(s, "integrity"),
				       "'integrity' = \"%s\": expected none, hmac-sha256, hmac-sha1 or hmac-md5",
				       integ);
			} else if (tek_transform_check(sc->t.enc, sc->t.integ,
						       why, sizeof(why))) {
				cf_err(c, s, "ipsec-sa '%s': %s", sc->name, why);
				sc->t.enc = NULL;
			} else if ((sc->t.enc->legacy || sc->t.integ->legacy) &&
				   !c->conf->ike.legacy) {
				cf_err(c, s, "ipsec-sa '%s' uses legacy algorithms (3des-cbc, hmac-md5): set ike.legacy = true to allow them",
				       sc->name);
				sc->t.enc = NULL;
			}
			if (sc->t.enc && sc->t.integ)
				tek_transform_str(&sc->t, sc->transform,
						  sizeof(sc->transform));
		}
		/* KT-07: 3600 s (Juniper; one Cisco section) */
		sc->lifetime = cf_uint(c, s, "lifetime",
				       c->conf->lab_timers ? 10 : 100, 86400,
				       3600);
		if (sc->lifetime < 10 * gc->atd)
			cf_err(c, member(s, "lifetime") ? member(s, "lifetime") : s,
			       "ipsec-sa '%s': lifetime %u s is shorter than 10 x activation-time-delay (%u s)",
			       sc->name, sc->lifetime, 10 * gc->atd);
	}
}

static bool same_selectors(const struct ks_policy *a,
			   const struct ks_policy *b)
{
	return a->proto == b->proto && a->src.s_addr == b->src.s_addr &&
	       a->src_plen == b->src_plen && a->dst.s_addr == b->dst.s_addr &&
	       a->dst_plen == b->dst_plen && a->sport == b->sport &&
	       a->dport == b->dport;
}

static void parse_policies(struct cctx *c, const config_setting_t *g,
			   struct ks_group_conf *gc)
{
	const config_setting_t *list = member(g, "policies");
	unsigned i, j, n, permits = 0, denies = 0;

	if (!list || !is_list(list) || !config_setting_length(list)) {
		cf_err(c, list ? list : g,
		       "group '%s': 'policies' must be a non-empty list: policies = ( { action = \"permit\"; ... } );",
		       gc->name);
		return;
	}
	n = (unsigned)config_setting_length(list);
	if (n > KS_MAX_POLICIES) {
		/* PO-01: Cisco honours the first 100 ACEs; we refuse more */
		cf_err(c, list, "group '%s': %u policies, at most %u",
		       gc->name, n, KS_MAX_POLICIES);
		return;
	}
	gc->pol = calloc(n, sizeof(*gc->pol));
	if (!gc->pol) {
		cf_err(c, list, "out of memory");
		return;
	}
	gc->npol = n;
	for (i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(list, i);
		struct ks_policy *p = &gc->pol[i];
		const char *v;

		if (config_setting_type(s) != CONFIG_TYPE_GROUP) {
			cf_err(c, s, "a policy must be a group { action = ...; ... }");
			continue;
		}
		cf_keys(c, s, policy_keys);
		v = cf_str(c, s, "action", true);
		if (v && !strcmp(v, "permit"))
			p->action = KS_PERMIT;
		else if (v && !strcmp(v, "deny"))
			p->action = KS_DENY;
		else if (v)
			cf_err(c, member(s, "action"),
			       "'action' = \"%s\": expected permit (encrypt) or deny (clear)",
			       v);
		v = cf_str(c, s, "protocol", false);
		if (v && strcmp(v, "any") && parse_ipproto(v, &p->proto))
			cf_err(c, member(s, "protocol"),
			       "'protocol' = \"%s\": expected any, tcp, udp, icmp, ... or 0..255",
			       v);
		get_prefix(c, s, "source", &p->src, &p->src_plen);
		get_prefix(c, s, "destination", &p->dst, &p->dst_plen);
		p->sport = get_port(c, s, "source-port");
		p->dport = get_port(c, s, "destination-port");
		if ((p->sport || p->dport) && p->proto != 6 && p->proto != 17 &&
		    p->proto != 132)
			cf_err(c, s, "ports need protocol tcp, udp or sctp");
		v = cf_str(c, s, "sa", false);
		if (v && p->action == KS_DENY) {
			cf_err(c, member(s, "sa"),
			       "a deny policy sends in clear: it has no 'sa'");
		} else if (v) {
			for (j = 0; j < gc->nsa && strcmp(gc->sa[j].name, v);
			     j++)
				;
			if (j == gc->nsa)
				cf_err(c, member(s, "sa"),
				       "group '%s': no ipsec-sa named '%s'",
				       gc->name, v);
			else
				p->sa = (uint8_t)j;
		}
		if (p->action == KS_PERMIT)
			permits++;
		else
			denies++;
		/* KS-11: identical selectors are refused, whatever the action */
		for (j = 0; j < i; j++)
			if (same_selectors(&gc->pol[j], p)) {
				cf_err(c, s, "group '%s': policy %u is identical to policy %u (line %u)",
				       gc->name, i + 1, j + 1,
				       config_setting_source_line(
					       config_setting_get_elem(list, j)));
				break;
			}
	}
	if (!permits)
		cf_err(c, list, "group '%s' has no permit policy: nothing to encrypt, no keys to hand out",
		       gc->name);
}

/* While a TEK is replaced, a permit policy goes out with both TEKs, and KD
 * has a key packet for each of them and the KEK: the codec must carry it. */
_Static_assert(2 * KS_MAX_POLICIES <= GDOI_MAX_TEKS &&
	       2 * KS_MAX_POLICIES + 1 <= GDOI_MAX_KEY_PACKETS,
	       "the GDOI codec cannot carry a group's largest SA and KD");

static void load_signing_key(struct cctx *c, const config_setting_t *s,
			     const char *path, struct ks_kek_conf *k)
{
	EVP_PKEY *pk;
	unsigned char *der = NULL;
	FILE *f;
	int len;

	if (cf_secret_file(c, s, path))
		return;
	f = fopen(path, "r");
	if (!f) {
		cf_err(c, s, "%s: cannot open", path);
		return;
	}
	pk = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (!pk) {
		cf_err(c, s, "%s: not a PEM private key (unencrypted)", path);
		return;
	}
	if (EVP_PKEY_get_base_id(pk) != EVP_PKEY_RSA) {
		/* KS-14: rekeys are signed with RSA */
		cf_err(c, s, "%s: the rekey signing key must be RSA", path);
	} else if (EVP_PKEY_get_bits(pk) < 2048) {
		cf_err(c, s, "%s: RSA key of %d bits, at least 2048 needed",
		       path, EVP_PKEY_get_bits(pk));
	} else if ((len = i2d_PUBKEY(pk, &der)) <= 0 || len > 2048) {
		cf_err(c, s, "%s: cannot encode the public key", path);
	} else {
		k->spki = malloc((size_t)len);
		if (k->spki) {
			memcpy(k->spki, der, (size_t)len);
			k->spki_len = (size_t)len;
			k->sig_bits = (uint16_t)EVP_PKEY_get_bits(pk);
		}
	}
	OPENSSL_free(der);
	/* pushes are signed with it (ks_rekey.c) */
	if (k->spki)
		k->pkey = pk;
	else
		EVP_PKEY_free(pk);
}

static void parse_kek(struct cctx *c, const config_setting_t *g,
		      struct ks_group_conf *gc)
{
	const config_setting_t *k = cf_group(c, g, "kek");
	struct ks_kek_conf *kc = &gc->kek;
	const struct cf_name_val *v;
	const config_setting_t *e;
	const char *path;

	if (!k)
		return;
	cf_keys(c, k, kek_keys);
	kc->set = true;
	kc->alg = GDOI_KEK_ALG_AES;
	kc->key_bits = 256;
	if (member(k, "encryption") &&
	    (v = cf_lookup(c, k, "encryption", kek_encrs,
			   "aes128, aes192, aes256, 3des"))) {
		kc->alg = v->a;
		kc->key_bits = v->b;
		if (kc->alg == GDOI_KEK_ALG_3DES && !c->conf->ike.legacy)
			cf_err(c, member(k, "encryption"),
			       "kek encryption 3des is legacy: set ike.legacy = true to allow it");
	}
	kc->sig_hash = GDOI_SIG_HASH_SHA256;
	if (member(k, "signature-hash") &&
	    (v = cf_lookup(c, k, "signature-hash", sig_hashes,
			   "sha256, sha384, sha512, sha1, md5"))) {
		kc->sig_hash = v->a;
		if (kc->sig_hash == GDOI_SIG_HASH_MD5 && !c->conf->ike.legacy)
			cf_err(c, member(k, "signature-hash"),
			       "signature-hash md5 is legacy: set ike.legacy = true to allow it");
	}
	/* KT-08: Cisco's 86,400 s default, Juniper's 180..86,400 s range */
	kc->lifetime = cf_uint(c, k, "lifetime",
			       c->conf->lab_timers ? 20 : 180, 86400, 86400);
	e = member(k, "lifetime");
	if (kc->lifetime < 10 * gc->atd)
		cf_err(c, e ? e : k,
		       "kek lifetime %u s is shorter than 10 x activation-time-delay (%u s)",
		       kc->lifetime, 10 * gc->atd);
	path = cf_str(c, k, "signing-key", true);
	if (path) {
		kc->signing_key = strdup(path);
		load_signing_key(c, member(k, "signing-key"), path, kc);
	}
}

static void parse_rekey(struct cctx *c, const config_setting_t *g,
			struct ks_group_conf *gc)
{
	const config_setting_t *r = cf_group(c, g, "rekey");
	struct ks_rekey_conf *rc = &gc->rekey;
	bool lab = c->conf->lab_timers;
	const char *v, *src;

	/* RK-06: Juniper's unicast default (Cisco's is multicast, which
	 * needs multicast routing between the key server and every member);
	 * RK-07: one transport per group, no mixed mode */
	rc->transport = KS_UNICAST;
	rc->schedule = KS_SCHED_CISCO;
	rc->retransmit_period = 4;
	rc->retransmissions = 2;
	rc->mcast_ttl = 16;
	rc->pst_resync = 1800;
	if (!r)
		return;
	cf_keys(c, r, rekey_keys);
	v = cf_str(c, r, "transport", false);
	if (v && !strcmp(v, "multicast"))
		rc->transport = KS_MULTICAST;
	else if (v && strcmp(v, "unicast"))
		cf_err(c, member(r, "transport"),
		       "'transport' = \"%s\": expected unicast or multicast", v);
	v = cf_str(c, r, "schedule", false);
	if (v && !strcmp(v, "juniper"))
		rc->schedule = KS_SCHED_JUNIPER;
	else if (v && strcmp(v, "cisco"))
		cf_err(c, member(r, "schedule"),
		       "'schedule' = \"%s\": expected cisco (RK-08 tek_rekey_offset) or juniper (lifetime - 4 x activation-time-delay)",
		       v);
	rc->retransmit_period = cf_uint(c, r, "retransmit-period",
					lab ? 1 : 2, 60, 4);
	rc->retransmissions = cf_uint(c, r, "retransmissions", 0, 60, 2);
	rc->mcast_ttl = cf_uint(c, r, "multicast-ttl", 1, 255, 16);
	/* HB-01: 60..3600 s; 0 turns heartbeats off */
	if (member(r, "heartbeat") && config_setting_type(member(r, "heartbeat")) ==
	    CONFIG_TYPE_INT && config_setting_get_int(member(r, "heartbeat")) == 0)
		rc->heartbeat = 0;
	else
		rc->heartbeat = cf_uint(c, r, "heartbeat", lab ? 2 : 60, 3600,
					0);
	/* TB-05: at least every 30 minutes */
	rc->pst_resync = cf_uint(c, r, "pseudotime-resync", lab ? 5 : 60, 1800,
				 1800);
	v = cf_str(c, r, "multicast-group", false);
	if (v && (inet_pton(AF_INET, v, &rc->mcast) != 1 ||
		  (ntohl(rc->mcast.s_addr) >> 28) != 0xe))
		cf_err(c, member(r, "multicast-group"),
		       "'multicast-group' = \"%s\": expected an IPv4 multicast address (224.0.0.0/4)",
		       v);
	src = cf_str(c, r, "multicast-source", false);
	if (src && (inet_pton(AF_INET, src, &rc->mcast_src) != 1 ||
		    (ntohl(rc->mcast_src.s_addr) >> 28) >= 0xe ||
		    !rc->mcast_src.s_addr))
		cf_err(c, member(r, "multicast-source"),
		       "'multicast-source' = \"%s\": expected a unicast IPv4 address of this key server",
		       src);
	if (rc->transport == KS_MULTICAST && !v)
		cf_err(c, r, "rekey transport multicast needs 'multicast-group'");
	if (rc->transport == KS_UNICAST && v)
		cf_err(c, member(r, "multicast-group"),
		       "'multicast-group' applies to transport = \"multicast\"");
	if (rc->transport == KS_UNICAST && src)
		cf_err(c, member(r, "multicast-source"),
		       "'multicast-source' applies to transport = \"multicast\"");
	if (rc->transport == KS_UNICAST && member(r, "multicast-ttl"))
		cf_err(c, member(r, "multicast-ttl"),
		       "'multicast-ttl' applies to transport = \"multicast\"");
	if (!gc->kek.set)
		cf_err(c, r, "group '%s': rekeys are signed and encrypted with the group's kek: add kek = { signing-key = ...; };",
		       gc->name);
}

static void parse_auth(struct cctx *c, const config_setting_t *g,
		       struct ks_group_conf *gc)
{
	const config_setting_t *a = cf_group(c, g, "authorization"), *l;
	struct ks_auth_conf *ac = &gc->auth;
	unsigned i, n;

	if (!a)
		return;
	cf_keys(c, a, auth_keys);
	l = member(a, "addresses");
	if (l && config_setting_type(l) != CONFIG_TYPE_ARRAY) {
		cf_err(c, l, "'addresses' must be a list of prefixes [ \"10.0.0.0/24\", ... ]");
	} else if (l && (n = (unsigned)config_setting_length(l))) {
		ac->addrs = calloc(n, sizeof(*ac->addrs));
		if (!ac->addrs) {
			cf_err(c, l, "out of memory");
			return;
		}
		ac->naddrs = n;
		for (i = 0; i < n; i++) {
			const char *v = config_setting_get_string_elem(l, (int)i);

			if (!v || parse_prefix4(v, &ac->addrs[i].addr,
						&ac->addrs[i].plen))
				cf_err(c, l, "'addresses': \"%s\" is not A.B.C.D or A.B.C.D/LEN (host bits zero)",
				       v ? v : "?");
		}
	}
	l = member(a, "identities");
	if (l && config_setting_type(l) != CONFIG_TYPE_ARRAY) {
		cf_err(c, l, "'identities' must be a list of patterns [ \"OU=gm*\", ... ]");
	} else if (l && (n = (unsigned)config_setting_length(l))) {
		ac->ids = calloc(n, sizeof(*ac->ids));
		if (!ac->ids) {
			cf_err(c, l, "out of memory");
			return;
		}
		ac->nids = n;
		for (i = 0; i < n; i++) {
			const char *v = config_setting_get_string_elem(l, (int)i);
			const char *eq = v ? strchr(v, '=') : NULL;

			if (!v || !eq || eq == v || strlen(v) > 255)
				cf_err(c, l, "'identities': \"%s\" is not a pattern like OU=gm* or CN=gm-*,O=Example",
				       v ? v : "?");
			else
				ac->ids[i] = strdup(v);
		}
	}
}

static void parse_group(struct cctx *c, const config_setting_t *g,
			struct ks_group_conf *gc)
{
	const char *v;

	cf_keys(c, g, group_keys);
	gc->line = config_setting_source_line(g);
	v = cf_str(c, g, "name", true);
	if (v && (!*v || strlen(v) >= sizeof(gc->name)))
		cf_err(c, member(g, "name"), "group name must have 1 to 63 characters");
	else if (v)
		strcpy(gc->name, v);
	if (!member(g, "id"))
		cf_err(c, g, "group '%s': 'id' (1..65535) is required", gc->name);
	gc->id = cf_uint(c, g, "id", 1, 65535, 0);
	v = cf_str(c, g, "identity", false);
	if (v && !strcmp(v, "address"))
		gc->id_is_addr = true;
	else if (v && strcmp(v, "number"))
		cf_err(c, member(g, "identity"),
		       "'identity' = \"%s\": expected number or address", v);
	v = cf_str(c, g, "address", false);
	if (gc->id_is_addr && !v)
		cf_err(c, g, "identity = \"address\" needs 'address' = \"A.B.C.D\"");
	else if (!gc->id_is_addr && v)
		cf_err(c, member(g, "address"),
		       "'address' applies to identity = \"address\"");
	else if (v && inet_pton(AF_INET, v, &gc->id_addr) != 1)
		cf_err(c, member(g, "address"),
		       "'address' = \"%s\": expected an IPv4 address", v);
	v = cf_str(c, g, "description", false);
	if (v)
		gc->description = strdup(v);
	gc->atd = cf_uint(c, g, "activation-time-delay",
			  c->conf->lab_timers ? 1 : 10, 900, 15);
	v = cf_str(c, g, "members", false);
	if (v && !strcmp(v, "mixed"))
		gc->mixed = true;
	else if (v && strcmp(v, "gvpn"))
		cf_err(c, member(g, "members"),
		       "'members' = \"%s\": expected gvpn or mixed", v);
	/* TBAR is gvpn's own header (ESP next header 253): off for vendors */
	gc->tbar = cf_uint(c, g, "tbar-window", 0, 360, gc->mixed ? 0 : 100);
	if (gc->mixed && gc->tbar)
		cf_err(c, member(g, "tbar-window"),
		       "'tbar-window' needs members = \"gvpn\": Cisco and Juniper members do not speak gvpn's TBAR header");
	/* RFC 6054 3: the SID's share of the 64-bit IV of counter modes */
	gc->sid_bits = cf_uint(c, g, "sender-id-bits", 1, 16, 8);
	gc->receive_only = cf_bool(c, g, "receive-only", false);
	v = cf_str(c, g, "compat", false);
	if (v && !strcmp(v, "rfc3547"))
		gc->compat = KS_COMPAT_RFC3547;
	else if (v && strcmp(v, "rfc6407"))
		cf_err(c, member(g, "compat"),
		       "'compat' = \"%s\": expected rfc6407 or rfc3547", v);
	parse_sas(c, g, gc);
	parse_policies(c, g, gc);
	parse_kek(c, g, gc);
	parse_rekey(c, g, gc);
	parse_auth(c, g, gc);
}

void conf_ks_parse(struct cctx *c, const config_setting_t *root)
{
	struct ks_conf *ks = &c->conf->ks;
	const config_setting_t *s = cf_group(c, root, "server"), *list;
	unsigned i, j, n;

	if (!s)
		return;
	ks->set = true;
	ks->lab_timers = c->conf->lab_timers;
	cf_keys(c, s, server_keys);
	ks->members_max = cf_uint(c, s, "members-max", 1, 10000000, 100000);
	list = member(s, "groups");
	if (!list || !is_list(list) || !config_setting_length(list)) {
		cf_err(c, list ? list : s,
		       "'server' needs groups = ( { name = ...; id = ...; ... } );");
		return;
	}
	n = (unsigned)config_setting_length(list);
	if (n > 65535) {
		cf_err(c, list, "too many groups");
		return;
	}
	ks->groups = calloc(n, sizeof(*ks->groups));
	if (!ks->groups) {
		cf_err(c, list, "out of memory");
		return;
	}
	ks->ngroups = n;
	for (i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(list, i);
		struct ks_group_conf *gc = &ks->groups[i];

		if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
			cf_err(c, g, "a group must be { name = ...; id = ...; ... }");
			continue;
		}
		parse_group(c, g, gc);
		for (j = 0; j < i; j++) {
			const struct ks_group_conf *o = &ks->groups[j];

			if (gc->name[0] && !strcmp(o->name, gc->name))
				cf_err(c, g, "group '%s' is defined twice (line %u)",
				       gc->name, o->line);
			if (gc->id && o->id == gc->id)
				cf_err(c, g, "group id %u is used by group '%s' (line %u)",
				       gc->id, o->name, o->line);
			if (gc->id_is_addr && o->id_is_addr &&
			    gc->id_addr.s_addr == o->id_addr.s_addr)
				cf_err(c, g, "group address identity is used by group '%s' (line %u)",
				       o->name, o->line);
		}
	}
}

void ks_conf_free(struct ks_conf *ks)
{
	unsigned i, j;

	for (i = 0; i < ks->ngroups; i++) {
		struct ks_group_conf *g = &ks->groups[i];

		free(g->description);
		free(g->pol);
		free(g->sa);
		free(g->kek.signing_key);
		free(g->kek.spki);
		EVP_PKEY_free(g->kek.pkey);
		free(g->auth.addrs);
		for (j = 0; j < g->auth.nids; j++)
			free(g->auth.ids[j]);
		free(g->auth.ids);
	}
	free(ks->groups);
	memset(ks, 0, sizeof(*ks));
}
