// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * Parses and checks gvpnd.conf with libconfig. Every setting is checked
 * against its type and range, unknown settings are errors (a typo must not
 * silently fall back to a default), and secrets are refused from files
 * that others can read.
 */

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libconfig.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/crypto.h>

#include "conf.h"
#include "conf_int.h"
#include "core/log.h"
#include "util.h"

/* FILE:LINE: [warning: ]MSG on stderr (the line of s, when it has one) */
static void cf_say(struct cctx *c, const config_setting_t *s,
		   const char *what, const char *fmt, va_list ap)
{
	char msg[512];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (s && config_setting_source_line(s))
		fprintf(stderr, "%s:%u: %s%s\n", c->path,
			config_setting_source_line(s), what, msg);
	else
		fprintf(stderr, "%s: %s%s\n", c->path, what, msg);
}

void cf_err(struct cctx *c, const config_setting_t *s, const char *fmt,
		 ...)
{
	va_list ap;

	va_start(ap, fmt);
	cf_say(c, s, "", fmt, ap);
	va_end(ap);
	c->errors++;
}

void cf_warn(struct cctx *c, const config_setting_t *s, const char *fmt,
	     ...)
{
	va_list ap;

	va_start(ap, fmt);
	cf_say(c, s, "warning: ", fmt, ap);
	va_end(ap);
}

/*
 * Edit distance between a and b (insertions, deletions, substitutions and
 * swaps of neighbours each count 1), for names up to 63 characters; larger
 * than any threshold beyond that.
 */
static unsigned name_distance(const char *a, const char *b)
{
	unsigned d[64][64], i, j, la = strlen(a), lb = strlen(b), v;

	if (la >= 64 || lb >= 64)
		return 1000;
	for (i = 0; i <= la; i++)
		d[i][0] = i;
	for (j = 0; j <= lb; j++)
		d[0][j] = j;
	for (i = 1; i <= la; i++)
		for (j = 1; j <= lb; j++) {
			v = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			if (d[i - 1][j] + 1 < v)
				v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	return d[la][lb];
}

/* the allowed name nearest to name, if near enough to be a typo */
static const char *nearest_name(const char *name, const char *const *allowed)
{
	unsigned best = 1000, dist, len = strlen(name);
	unsigned max = len >= 8 ? 3 : len >= 4 ? 2 : 1;
	const char *found = NULL;

	for (; *allowed; allowed++) {
		dist = name_distance(name, *allowed);
		if (dist < best) {
			best = dist;
			found = *allowed;
		}
	}
	return best <= max ? found : NULL;
}

void cf_keys(struct cctx *c, const config_setting_t *g,
		       const char *const *allowed)
{
	int i, n = config_setting_length(g);

	for (i = 0; i < n; i++) {
		config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
		const char *name = config_setting_name(m);
		const char *const *a, *near;

		for (a = allowed; *a && strcmp(*a, name); a++)
			;
		if (*a)
			continue;
		near = nearest_name(name, allowed);
		if (near)
			cf_err(c, m, "unknown setting '%s' (did you mean '%s'?)",
			       name, near);
		else
			cf_err(c, m, "unknown setting '%s'", name);
	}
}

config_setting_t *cf_group(struct cctx *c, const config_setting_t *parent,
			       const char *name)
{
	config_setting_t *s = config_setting_get_member(parent, name);

	if (s && config_setting_type(s) != CONFIG_TYPE_GROUP) {
		cf_err(c, s, "'%s' must be a group: %s = { ... };", name, name);
		return NULL;
	}
	return s;
}

const char *cf_str(struct cctx *c, const config_setting_t *g,
			   const char *name, bool required)
{
	config_setting_t *s = config_setting_get_member(g, name);

	if (!s) {
		if (required)
			cf_err(c, g, "'%s' is required here", name);
		return NULL;
	}
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		cf_err(c, s, "'%s' must be a string", name);
		return NULL;
	}
	return config_setting_get_string(s);
}

unsigned cf_uint(struct cctx *c, const config_setting_t *g,
			 const char *name, long long min, long long max,
			 unsigned def)
{
	config_setting_t *s = config_setting_get_member(g, name);
	long long v;

	if (!s)
		return def;
	if (config_setting_type(s) != CONFIG_TYPE_INT &&
	    config_setting_type(s) != CONFIG_TYPE_INT64) {
		cf_err(c, s, "'%s' must be an integer from %lld to %lld", name,
		     min, max);
		return def;
	}
	v = config_setting_get_int64(s);
	if (v < min || v > max) {
		cf_err(c, s, "'%s' = %lld is out of range %lld..%lld", name, v,
		     min, max);
		return def;
	}
	return (unsigned)v;
}

/* seconds, possibly fractional, returned in milliseconds */
unsigned cf_ms(struct cctx *c, const config_setting_t *g,
		       const char *name, double min, double max, double def)
{
	config_setting_t *s = config_setting_get_member(g, name);
	double v;

	if (!s)
		return (unsigned)(def * 1000);
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		v = (double)config_setting_get_int64(s);
		break;
	case CONFIG_TYPE_FLOAT:
		v = config_setting_get_float(s);
		break;
	default:
		cf_err(c, s, "'%s' must be a number of seconds", name);
		return (unsigned)(def * 1000);
	}
	if (v < min || v > max) {
		cf_err(c, s, "'%s' = %g s is out of range %g..%g", name, v, min,
		     max);
		return (unsigned)(def * 1000);
	}
	return (unsigned)(v * 1000 + 0.5);
}

bool cf_bool(struct cctx *c, const config_setting_t *g,
		     const char *name, bool def)
{
	config_setting_t *s = config_setting_get_member(g, name);

	if (!s)
		return def;
	if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
		cf_err(c, s, "'%s' must be true or false", name);
		return def;
	}
	return config_setting_get_bool(s);
}

/* A file holding a secret must not be readable or writable by others */
int cf_secret_file(struct cctx *c, const config_setting_t *s,
			  const char *path)
{
	struct stat st;

	if (stat(path, &st)) {
		cf_err(c, s, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		cf_err(c, s, "%s: not a regular file", path);
		return -1;
	}
	if (st.st_mode & (S_IROTH | S_IWOTH)) {
		cf_err(c, s, "%s holds a secret but others may read or write it (mode %04o): chmod o-rw %s",
		     path, (unsigned)(st.st_mode & 07777), path);
		return -1;
	}
	return 0;
}

static int parse_psk(const char *v, uint8_t **out, size_t *len)
{
	size_t n = strlen(v), i;
	uint8_t *p;

	if (!strncmp(v, "0x", 2)) {
		n -= 2;
		if (!n || n % 2)
			return -1;
		p = malloc(n / 2);
		if (!p)
			return -1;
		for (i = 0; i < n / 2; i++) {
			unsigned x;

			if (!isxdigit((unsigned char)v[2 + 2 * i]) ||
			    !isxdigit((unsigned char)v[3 + 2 * i]) ||
			    sscanf(v + 2 + 2 * i, "%2x", &x) != 1) {
				OPENSSL_clear_free(p, n / 2);
				return -1;
			}
			p[i] = (uint8_t)x;
		}
		*out = p;
		*len = n / 2;
		return 0;
	}
	if (!n)
		return -1;
	p = malloc(n);
	if (!p)
		return -1;
	memcpy(p, v, n);
	*out = p;
	*len = n;
	return 0;
}

static int read_psk_file(struct cctx *c, const config_setting_t *s,
			 const char *path, uint8_t **out, size_t *len)
{
	char buf[1025];
	ssize_t n;
	int fd, ret;

	if (cf_secret_file(c, s, path))
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		cf_err(c, s, "%s: %s", path, strerror(errno));
		return -1;
	}
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 0 || n == (ssize_t)sizeof(buf)) {
		cf_err(c, s, "%s: %s", path, n < 0 ? strerror(errno) :
		     "longer than 1024 bytes");
		return -1;
	}
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	buf[n] = '\0';
	ret = parse_psk(buf, out, len);
	OPENSSL_cleanse(buf, sizeof(buf));
	if (ret)
		cf_err(c, s, "%s: empty, or bad hex after 0x", path);
	return ret;
}

static const struct cf_name_val encrs[] = {
	{ "aes128", IKE_ENCR_AES_CBC, 128 }, { "aes192", IKE_ENCR_AES_CBC, 192 },
	{ "aes256", IKE_ENCR_AES_CBC, 256 }, { "3des", IKE_ENCR_3DES, 0 },
	/* aliases: the ESP names, Juniper's, Cisco's ("encryption aes 256") */
	{ "aes-cbc-128", IKE_ENCR_AES_CBC, 128 },
	{ "aes-cbc-192", IKE_ENCR_AES_CBC, 192 },
	{ "aes-cbc-256", IKE_ENCR_AES_CBC, 256 },
	{ "aes-128-cbc", IKE_ENCR_AES_CBC, 128 },
	{ "aes-192-cbc", IKE_ENCR_AES_CBC, 192 },
	{ "aes-256-cbc", IKE_ENCR_AES_CBC, 256 },
	{ "aes", IKE_ENCR_AES_CBC, 128 }, { "aes 128", IKE_ENCR_AES_CBC, 128 },
	{ "aes 192", IKE_ENCR_AES_CBC, 192 }, { "aes 256", IKE_ENCR_AES_CBC, 256 },
	{ "3des-cbc", IKE_ENCR_3DES, 0 },
	{ NULL, 0, 0 },
};

static const struct cf_name_val hashes[] = {
	{ "md5", IKE_HASH_MD5, 0 }, { "sha1", IKE_HASH_SHA1, 0 },
	{ "sha256", IKE_HASH_SHA256, 0 }, { "sha384", IKE_HASH_SHA384, 0 },
	{ "sha512", IKE_HASH_SHA512, 0 },
	/* aliases: Cisco's "sha", Juniper's, libreswan's */
	{ "sha", IKE_HASH_SHA1, 0 }, { "sha-256", IKE_HASH_SHA256, 0 },
	{ "sha-384", IKE_HASH_SHA384, 0 }, { "sha-512", IKE_HASH_SHA512, 0 },
	{ "sha2_256", IKE_HASH_SHA256, 0 }, { "sha2_384", IKE_HASH_SHA384, 0 },
	{ "sha2_512", IKE_HASH_SHA512, 0 }, { NULL, 0, 0 },
};

static const struct cf_name_val dh_groups[] = {
	{ "modp768", 1, 0 }, { "modp1024", 2, 0 }, { "modp1536", 5, 0 },
	{ "modp2048", 14, 0 }, { "modp3072", 15, 0 }, { "modp4096", 16, 0 },
	{ "ecp256", 19, 0 }, { "ecp384", 20, 0 }, { "ecp521", 21, 0 },
	{ NULL, 0, 0 },
};

/*
 * A proposal's Diffie-Hellman group: by name ("ecp256"), or by its IKE
 * number as Cisco ("group 19") and Juniper ("group19") write it: 19,
 * "19" or "group19". 0 (with an error) when it is none of these.
 */
#define DH_CHOICES "modp2048, modp3072, modp4096, ecp256, ecp384, ecp521, modp768, modp1024, modp1536, or their numbers 14, 15, 16, 19, 20, 21, 1, 2, 5"
static unsigned dh_group_parse(struct cctx *c, const config_setting_t *p)
{
	const config_setting_t *s = config_setting_get_member(p, "group");
	const struct cf_name_val *t;
	const char *v, *num;
	char *end;
	long n = -1;

	if (!s) {
		cf_err(c, p, "'group' is required here");
		return 0;
	}
	if (config_setting_type(s) == CONFIG_TYPE_INT ||
	    config_setting_type(s) == CONFIG_TYPE_INT64) {
		n = (long)config_setting_get_int64(s);
	} else if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		v = config_setting_get_string(s);
		for (t = dh_groups; t->name; t++)
			if (!strcmp(t->name, v))
				return t->a;
		/* libreswan: "dh19" */
		num = !strncmp(v, "group", 5) ? v + 5 :
		      !strncmp(v, "dh", 2) ? v + 2 : v;
		if (*num >= '0' && *num <= '9') {
			n = strtol(num, &end, 10);
			if (*end)
				n = -1;
		}
		if (n < 0) {
			cf_err(c, s, "'group' = \"%s\": expected one of %s", v,
			       DH_CHOICES);
			return 0;
		}
	} else {
		cf_err(c, s, "'group' must be a name or a number");
		return 0;
	}
	for (t = dh_groups; t->name; t++)
		if (t->a == n)
			return t->a;
	cf_err(c, s, "'group' = %ld: not a Diffie-Hellman group gvpnd implements: expected one of %s",
	       n, DH_CHOICES);
	return 0;
}

const struct cf_name_val *cf_lookup(struct cctx *c, const config_setting_t *g,
				     const char *name, const struct cf_name_val *t,
				     const char *choices)
{
	const char *v = cf_str(c, g, name, true);

	if (!v)
		return NULL;
	for (; t->name; t++)
		if (!strcmp(t->name, v))
			return t;
	cf_err(c, config_setting_get_member(g, name),
	     "'%s' = \"%s\": expected one of %s", name, v, choices);
	return NULL;
}

static const char *const proposal_keys[] = {
	"name", "encryption", "hash", "group", "lifetime", NULL,
};

static void parse_proposals(struct cctx *c, const config_setting_t *ike)
{
	static const struct ike_suite defaults[] = {
		{ IKE_ENCR_AES_CBC, 256, IKE_HASH_SHA256, 0, 19, 86400 },
		{ IKE_ENCR_AES_CBC, 256, IKE_HASH_SHA256, 0, 14, 86400 },
		{ IKE_ENCR_AES_CBC, 128, IKE_HASH_SHA256, 0, 14, 86400 },
		{ IKE_ENCR_AES_CBC, 128, IKE_HASH_SHA1, 0, 14, 86400 },
	};
	struct gvpnd_conf *conf = c->conf;
	config_setting_t *list = ike ? config_setting_get_member(ike, "proposals")
				     : NULL;
	unsigned i, j, n;

	if (!list) {
		n = sizeof(defaults) / sizeof(defaults[0]);
		conf->props = calloc(n, sizeof(*conf->props));
		conf->prop_names = calloc(n, sizeof(*conf->prop_names));
		if (!conf->props || !conf->prop_names)
			return;
		for (i = 0; i < n; i++) {
			char buf[96];

			conf->props[i] = defaults[i];
			snprintf(conf->prop_names[i], sizeof(conf->prop_names[i]),
				 "%s", ike_suite_str(&defaults[i], buf, sizeof(buf)));
			*strchr(conf->prop_names[i], '/') = '\0';
		}
		conf->nprops = n;
		return;
	}
	if (config_setting_type(list) != CONFIG_TYPE_LIST ||
	    !config_setting_length(list)) {
		cf_err(c, list, "'proposals' must be a non-empty list: ( { ... }, ... )");
		return;
	}
	n = (unsigned)config_setting_length(list);
	conf->props = calloc(n, sizeof(*conf->props));
	conf->prop_names = calloc(n, sizeof(*conf->prop_names));
	if (!conf->props || !conf->prop_names)
		return;
	for (i = 0; i < n; i++) {
		config_setting_t *p = config_setting_get_elem(list, i);
		struct ike_suite *s = &conf->props[i];
		const struct cf_name_val *v;
		const char *name;

		if (config_setting_type(p) != CONFIG_TYPE_GROUP) {
			cf_err(c, p, "a proposal must be a group { name = ...; ... }");
			continue;
		}
		cf_keys(c, p, proposal_keys);
		name = cf_str(c, p, "name", true);
		if (name) {
			if (strlen(name) >= sizeof(conf->prop_names[0]) || !*name)
				cf_err(c, p, "proposal name must have 1 to 63 characters");
			else
				strcpy(conf->prop_names[i], name);
			for (j = 0; j < i; j++)
				if (!strcmp(conf->prop_names[j], name))
					cf_err(c, p, "proposal '%s' is defined twice", name);
		}
		if ((v = cf_lookup(c, p, "encryption", encrs,
				"aes128, aes192, aes256, 3des"))) {
			s->encr = v->a;
			s->key_bits = v->b;
		}
		if ((v = cf_lookup(c, p, "hash", hashes,
				"sha1, sha256, sha384, sha512, md5")))
			s->hash = v->a;
		s->group = (uint16_t)dh_group_parse(c, p);
		/* P1-05: default 86,400 s, at least 60 s */
		s->lifetime = cf_uint(c, p, "lifetime", 60, 31536000, 86400);
		if (s->encr && s->hash && s->group && ike_suite_legacy(s) &&
		    !conf->ike.legacy)
			cf_err(c, p, "proposal '%s' uses legacy algorithms (3des, md5, modp768/1024/1536): set ike.legacy = true to allow them",
			     name ? name : "?");
	}
	conf->nprops = n;
}

/* NAME = "file" or [ "file", ... ]: each file goes to ADD (a CA, a CRL) */
static void cf_cred_files(struct cctx *c, const config_setting_t *g,
			  const char *name, const char *example,
			  struct ike_creds *cr,
			  int (*add)(struct ike_creds *, const char *, char *,
				     size_t))
{
	config_setting_t *s = config_setting_get_member(g, name);
	char err[512];
	int i;

	if (!s)
		return;
	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		if (add(cr, config_setting_get_string(s), err, sizeof(err)))
			cf_err(c, s, "%s", err);
	} else if (config_setting_type(s) == CONFIG_TYPE_ARRAY &&
		   config_setting_length(s) > 0) {
		for (i = 0; i < config_setting_length(s); i++) {
			const char *f = config_setting_get_string_elem(s, i);

			if (!f)
				cf_err(c, s, "'%s' must list file names", name);
			else if (add(cr, f, err, sizeof(err)))
				cf_err(c, s, "%s", err);
		}
	} else {
		cf_err(c, s, "'%s' must be a file name or a list [ \"%s\", ... ]",
		       name, example);
	}
}

static struct ike_creds *parse_creds(struct cctx *c,
				     const config_setting_t *g)
{
	static const char *const keys[] = {
		"certificate", "private-key", "ca", "crl", "wildcard-san",
		NULL,
	};
	struct gvpnd_conf *conf = c->conf;
	const char *cert, *key;
	struct ike_creds *cr, **all;
	char err[512];

	cf_keys(c, g, keys);
	all = realloc(conf->creds, (conf->ncreds + 1) * sizeof(*all));
	if (all)
		conf->creds = all;
	cr = all ? ike_creds_new() : NULL;
	if (!cr) {
		cf_err(c, g, "out of memory");
		return NULL;
	}
	conf->creds[conf->ncreds++] = cr;
	cert = cf_str(c, g, "certificate", false);
	if (cert && ike_creds_load_cert(cr, cert, err, sizeof(err)))
		cf_err(c, config_setting_get_member(g, "certificate"), "%s", err);
	key = cf_str(c, g, "private-key", false);
	if (key) {
		config_setting_t *ks = config_setting_get_member(g, "private-key");

		if (!cf_secret_file(c, ks, key) &&
		    ike_creds_load_key(cr, key, err, sizeof(err)))
			cf_err(c, ks, "%s", err);
	}
	cf_cred_files(c, g, "ca", "a.pem", cr, ike_creds_add_ca);
	/* revocation lists: every peer chain is then checked against them */
	cf_cred_files(c, g, "crl", "a.crl", cr, ike_creds_add_crl);
	cr->wildcards = cf_bool(c, g, "wildcard-san", false);
	return cr;
}

static int parse_id(struct cctx *c, const config_setting_t *g,
		    const char *name, struct ike_id *id)
{
	const char *v = cf_str(c, g, name, false);

	if (!v)
		return 0;
	if (ike_id_parse(v, id)) {
		cf_err(c, config_setting_get_member(g, name),
		     "'%s' = \"%s\": expected ipv4:ADDR, fqdn:NAME, user-fqdn:USER@DOMAIN, dn:C=..,O=..,CN=.. or key-id:TEXT|0xHEX",
		     name, v);
		return 0;
	}
	return 1;
}

/* RSA or ECDSA-256/384 (RFC 4754): the key of the credentials decides,
 * and it must be of the kind 'auth' names */
static void set_sig_auth(struct cctx *c, const config_setting_t *p,
			 struct ike_peer *pc)
{
	uint16_t m = ike_creds_auth(pc->creds);
	bool rsa = pc->auth == IKE_AUTH_RSA_SIG;
	unsigned i;

	if (rsa != (m == IKE_AUTH_RSA_SIG)) {
		cf_err(c, config_setting_get_member(p, "auth") ?
		       config_setting_get_member(p, "auth") : p,
		       "peer '%s': auth = \"%s\" but the private key is %s",
		       pc->name, rsa ? "rsa" : "ecdsa",
		       rsa ? "an EC key (use auth = \"ecdsa\")"
			   : "an RSA key (use auth = \"rsa\")");
		return;
	}
	pc->auth = m;
	for (i = 0; i < pc->nsuites; i++)
		pc->suites[i].auth = m;
}

static const char *const peer_keys[] = {
	"name", "address", "port", "auth", "psk", "psk-file", "mode",
	"proposals", "local-id", "remote-id", "initiate", "credentials",
	"aggressive-msg3", NULL,
};

static void parse_peer(struct cctx *c, const config_setting_t *p,
		       struct ike_peer *pc, struct ike_creds *global,
		       bool config_private)
{
	struct gvpnd_conf *conf = c->conf;
	const char *name, *addr, *auth, *mode, *psk, *psk_file, *msg3;
	config_setting_t *props, *cg;
	unsigned i, j;

	cf_keys(c, p, peer_keys);
	name = cf_str(c, p, "name", true);
	if (name) {
		bool ok = *name && strlen(name) < sizeof(pc->name);

		for (i = 0; name[i] && ok; i++)
			ok = isalnum((unsigned char)name[i]) ||
			     strchr("._-", name[i]);
		if (!ok)
			cf_err(c, p, "peer name \"%s\": 1 to 63 letters, digits, '.', '_' or '-'",
			     name);
		else
			strcpy(pc->name, name);
	}
	addr = cf_str(c, p, "address", true);
	if (addr && parse_prefix4(addr, &pc->addr, &pc->plen))
		cf_err(c, config_setting_get_member(p, "address"),
		     "'address' = \"%s\": expected A.B.C.D or A.B.C.D/LEN", addr);
	pc->port = (uint16_t)cf_uint(c, p, "port", 1, 65535, conf->port);
	pc->initiate = cf_bool(c, p, "initiate", false);
	if (pc->initiate && addr && pc->plen != 32)
		cf_err(c, p, "peer '%s': 'initiate' needs a single address, not a prefix",
		     pc->name);

	auth = cf_str(c, p, "auth", false);
	pc->auth = IKE_AUTH_PSK;
	/* aliases: Cisco's and Juniper's words (and rsa-sig, as logged) */
	if (auth && (!strcmp(auth, "pre-share") ||
		     !strcmp(auth, "pre-shared-keys")))
		auth = "psk";
	else if (auth && (!strcmp(auth, "rsa-sig") ||
			  !strcmp(auth, "rsa-signatures")))
		auth = "rsa";
	else if (auth && !strcmp(auth, "ecdsa-sig"))
		auth = "ecdsa";
	if (auth && !strcmp(auth, "rsa"))
		pc->auth = IKE_AUTH_RSA_SIG;
	else if (auth && !strcmp(auth, "ecdsa"))
		/* P-256 or P-384: our key decides, below */
		pc->auth = IKE_AUTH_ECDSA_256;
	else if (auth && strcmp(auth, "psk"))
		cf_err(c, config_setting_get_member(p, "auth"),
		     "'auth' = \"%s\": expected psk, rsa or ecdsa", auth);

	mode = cf_str(c, p, "mode", false);
	pc->mode = IKE_MODE_MAIN;
	if (mode && !strcmp(mode, "aggressive"))
		pc->mode = IKE_MODE_AGGRESSIVE;
	else if (mode && !strcmp(mode, "any"))
		pc->mode = IKE_MODE_ANY;
	else if (mode && strcmp(mode, "main"))
		cf_err(c, config_setting_get_member(p, "mode"),
		     "'mode' = \"%s\": expected main, aggressive or any", mode);
	/* aggressive mode initiator's message 3: encrypted unless told */
	msg3 = cf_str(c, p, "aggressive-msg3", false);
	pc->am_msg3_clear = msg3 && !strcmp(msg3, "clear");
	if (msg3 && strcmp(msg3, "clear") && strcmp(msg3, "encrypted"))
		cf_err(c, config_setting_get_member(p, "aggressive-msg3"),
		     "'aggressive-msg3' = \"%s\": expected encrypted or clear",
		     msg3);

	psk = cf_str(c, p, "psk", false);
	psk_file = cf_str(c, p, "psk-file", false);
	if (pc->auth == IKE_AUTH_PSK) {
		if (!psk == !psk_file) {
			cf_err(c, p, "peer '%s': give exactly one of 'psk' and 'psk-file'",
			     pc->name);
		} else if (psk) {
			if (!config_private)
				cf_err(c, config_setting_get_member(p, "psk"),
				     "'psk' in %s, which others may read: use 'psk-file' or chmod o-rw %s",
				     c->path, c->path);
			else if (parse_psk(psk, &pc->psk, &pc->psk_len))
				cf_err(c, config_setting_get_member(p, "psk"),
				     "'psk' is empty or bad hex after 0x");
		} else {
			read_psk_file(c, config_setting_get_member(p, "psk-file"),
				      psk_file, &pc->psk, &pc->psk_len);
		}
	} else if (psk || psk_file) {
		cf_err(c, p, "peer '%s': 'psk' and 'psk-file' apply to auth = \"psk\"",
		     pc->name);
	}

	/* suites: the named proposals (default: all), with our auth method */
	props = config_setting_get_member(p, "proposals");
	if (props && (config_setting_type(props) != CONFIG_TYPE_ARRAY ||
		      !config_setting_length(props))) {
		cf_err(c, props, "'proposals' must be a list of proposal names [ \"a\", ... ]");
		props = NULL;
	}
	pc->nsuites = props ? (unsigned)config_setting_length(props) : conf->nprops;
	pc->suites = calloc(pc->nsuites ? pc->nsuites : 1, sizeof(*pc->suites));
	if (!pc->suites) {
		pc->nsuites = 0;
		return;
	}
	for (i = 0; i < pc->nsuites; i++) {
		const char *pn = props ? config_setting_get_string_elem(props, i)
				       : NULL;

		if (!props) {
			pc->suites[i] = conf->props[i];
		} else {
			for (j = 0; pn && j < conf->nprops &&
			     strcmp(conf->prop_names[j], pn); j++)
				;
			if (!pn || j == conf->nprops) {
				cf_err(c, props, "no proposal named '%s' in ike.proposals",
				     pn ? pn : "?");
				continue;
			}
			pc->suites[i] = conf->props[j];
		}
		pc->suites[i].auth = pc->auth;
		if (pc->mode == IKE_MODE_AGGRESSIVE &&
		    pc->suites[i].group != pc->suites[0].group)
			cf_err(c, props ? props : p,
			     "peer '%s': aggressive mode sends one Diffie-Hellman group, its proposals use %s and %s",
			     pc->name, ike_group_name(pc->suites[0].group),
			     ike_group_name(pc->suites[i].group));
	}

	pc->local_id_set = parse_id(c, p, "local-id", &pc->local_id);
	pc->remote_id_set = parse_id(c, p, "remote-id", &pc->remote_id);

	cg = cf_group(c, p, "credentials");
	pc->creds = cg ? parse_creds(c, cg) : global;
	if (ike_auth_sig(pc->auth)) {
		char err[256];

		if (!pc->creds)
			cf_err(c, p, "peer '%s': auth = \"%s\" needs 'credentials' (here or at the top level)",
			     pc->name, auth);
		else if (ike_creds_check(pc->creds, err, sizeof(err)) && cg)
			cf_err(c, cg, "peer '%s': %s", pc->name, err);
		else if (ike_creds_check(pc->creds, err, sizeof(err)))
			cf_err(c, p, "peer '%s': %s (credentials at line %u)",
			     pc->name, err, c->creds_line);
		else
			set_sig_auth(c, p, pc);
	}
}

static const char *const top_keys[] = {
	"log-level", "listen", "wireshark", "ike", "credentials", "peers",
	"member", "control", "server", "lab-timers", NULL,
};
static const char *const listen_keys[] = { "address", "port", NULL };
static const char *const wireshark_keys[] = { "pcap", "keylog", NULL };
static const char *const ike_keys[] = {
	"doi", "legacy", "retransmit-timeout", "retransmit-max",
	"retransmit-tries", "half-open-max", "half-open-timeout", "max-sas",
	"max-sas-per-peer",
	"aggressive-rate", "negotiating-max", "negotiating-per-peer",
	"peer-rate", "flood-log-period", "proposals", NULL,
};

/* FILE:LINE: libconfig's error, with a hint from the line when there is
 * one: libconfig says no more than "syntax error" */
static void conf_syntax_error(config_t *cfg, const char *path)
{
	const char *file = config_error_file(cfg) ? config_error_file(cfg)
						  : path;
	int line = config_error_line(cfg);
	char hint[256] = "";

	if (line > 0 && !strcmp(config_error_text(cfg), "syntax error"))
		conf_syntax_hint(file, (unsigned)line, hint, sizeof(hint));
	fprintf(stderr, "%s:%d: %s%s%s\n", file, line, config_error_text(cfg),
		*hint ? ": " : "", hint);
}

int conf_load(const char *path, struct gvpnd_conf *conf)
{
	struct cctx c = { .path = path, .conf = conf };
	config_setting_t *root, *g, *peers;
	struct ike_creds *global = NULL;
	const char *s;
	struct stat st;
	config_t cfg;
	unsigned i, j;

	memset(conf, 0, sizeof(*conf));
	conf->path = path;
	config_init(&cfg);
	config_set_options(&cfg, CONFIG_OPTION_AUTOCONVERT);
	if (config_read_file(&cfg, path) != CONFIG_TRUE) {
		if (config_error_type(&cfg) == CONFIG_ERR_FILE_IO)
			fprintf(stderr, "%s: %s\n", path, strerror(errno));
		else
			conf_syntax_error(&cfg, path);
		config_destroy(&cfg);
		return 1;
	}
	root = config_root_setting(&cfg);
	cf_keys(&c, root, top_keys);
	/* first: the sections' minimums depend on it */
	conf->lab_timers = cf_bool(&c, root, "lab-timers", false);

	conf->log_level = LOG_INFO;
	s = cf_str(&c, root, "log-level", false);
	if (s && (conf->log_level = log_level_parse(s)) < 0) {
		cf_err(&c, config_setting_get_member(root, "log-level"),
		     "'log-level' = \"%s\": expected err, warning, notice, info or debug",
		     s);
		conf->log_level = LOG_INFO;
	}

	conf->port = GVPND_DEFAULT_PORT;
	if ((g = cf_group(&c, root, "listen"))) {
		cf_keys(&c, g, listen_keys);
		s = cf_str(&c, g, "address", false);
		if (s && inet_pton(AF_INET, s, &conf->listen_addr) != 1)
			cf_err(&c, config_setting_get_member(g, "address"),
			     "'address' = \"%s\": expected an IPv4 address", s);
		conf->port = (uint16_t)cf_uint(&c, g, "port", 1, 65535,
						GVPND_DEFAULT_PORT);
	}

	if ((g = cf_group(&c, root, "wireshark"))) {
		cf_keys(&c, g, wireshark_keys);
		if ((s = cf_str(&c, g, "pcap", false)))
			conf->pcap = strdup(s);
		if ((s = cf_str(&c, g, "keylog", false)))
			conf->keylog = strdup(s);
	}

	g = cf_group(&c, root, "ike");
	if (g)
		cf_keys(&c, g, ike_keys);
	conf->ike.doi = ISAKMP_DOI_GDOI;
	s = g ? cf_str(&c, g, "doi", false) : NULL;
	if (s && !strcmp(s, "ipsec"))
		conf->ike.doi = ISAKMP_DOI_IPSEC;
	else if (s && strcmp(s, "gdoi"))
		cf_err(&c, config_setting_get_member(g, "doi"),
		     "'doi' = \"%s\": expected gdoi or ipsec", s);
	conf->ike.legacy = g ? cf_bool(&c, g, "legacy", false) : false;
	conf->ike.port = conf->port;
	conf->ike.retransmit_ms = g ? cf_ms(&c, g, "retransmit-timeout", 0.1, 60, 2) : 2000;
	conf->ike.retransmit_max_ms = g ? cf_ms(&c, g, "retransmit-max", 0.1, 300, 16) : 16000;
	conf->ike.retransmit_tries = g ? cf_uint(&c, g, "retransmit-tries", 1, 20, 5) : 5;
	conf->ike.half_open_max = g ? cf_uint(&c, g, "half-open-max", 16, 1000000, 4096) : 4096;
	conf->ike.half_open_ms = g ? cf_ms(&c, g, "half-open-timeout", 1, 300, 30) : 30000;
	conf->ike.max_sas = g ? cf_uint(&c, g, "max-sas", 1, 1000000, 65536) : 65536;
	/* a member rekeying its Phase 1 holds two for a moment */
	conf->ike.max_sas_per_peer = g ? cf_uint(&c, g, "max-sas-per-peer", 0, 1000, 2) : 2;
	conf->ike.aggressive_rate = g ? cf_uint(&c, g, "aggressive-rate", 1, 100000, 100) : 100;
	/* main mode message 3 before Diffie-Hellman (ike_cookie.c) */
	conf->ike.negotiating_max = g ? cf_uint(&c, g, "negotiating-max", 0, 1000000, 1024) : 1024;
	conf->ike.negotiating_per_peer = g ? cf_uint(&c, g, "negotiating-per-peer", 0, 1000, 5) : 5;
	conf->ike.peer_rate = g ? cf_uint(&c, g, "peer-rate", 0, 100000, 10) : 10;
	conf->ike.flood_log_ms = g ? cf_ms(&c, g, "flood-log-period", 1, 3600, 30) : 30000;
	if (conf->ike.retransmit_max_ms < conf->ike.retransmit_ms)
		cf_err(&c, g, "'retransmit-max' is shorter than 'retransmit-timeout'");
	parse_proposals(&c, g);

	if ((g = cf_group(&c, root, "credentials"))) {
		global = parse_creds(&c, g);
		c.creds_line = config_setting_source_line(g);
	}

	peers = config_setting_get_member(root, "peers");
	if (peers && config_setting_type(peers) != CONFIG_TYPE_LIST) {
		cf_err(&c, peers, "'peers' must be a list: peers = ( { ... }, ... );");
		peers = NULL;
	}
	if (peers && config_setting_length(peers)) {
		bool private_file = !stat(path, &st) &&
				    !(st.st_mode & (S_IROTH | S_IWOTH));

		conf->ike.npeers = (unsigned)config_setting_length(peers);
		conf->ike.peers = calloc(conf->ike.npeers, sizeof(struct ike_peer));
		if (!conf->ike.peers) {
			conf->ike.npeers = 0;
			cf_err(&c, peers, "out of memory");
		}
		for (i = 0; i < conf->ike.npeers; i++) {
			config_setting_t *p = config_setting_get_elem(peers, i);

			if (config_setting_type(p) != CONFIG_TYPE_GROUP) {
				cf_err(&c, p, "a peer must be a group { name = ...; ... }");
				continue;
			}
			parse_peer(&c, p, &conf->ike.peers[i], global,
				   private_file);
			for (j = 0; j < i; j++)
				if (conf->ike.peers[i].name[0] &&
				    !strcmp(conf->ike.peers[i].name,
					    conf->ike.peers[j].name))
					cf_err(&c, p, "peer '%s' is defined twice",
					     conf->ike.peers[i].name);
		}
	}
	conf_ks_parse(&c, root);
	conf_gm_parse(&c, root);
	conf_ctl_parse(&c, root);
	conf_warn_unused(&c, root);
	config_destroy(&cfg);
	return c.errors;
}

void conf_free(struct gvpnd_conf *conf)
{
	unsigned i;

	for (i = 0; i < conf->ike.npeers; i++) {
		struct ike_peer *p = &conf->ike.peers[i];

		if (p->psk)
			OPENSSL_clear_free(p->psk, p->psk_len);
		free(p->suites);
	}
	free(conf->ike.peers);
	for (i = 0; i < conf->ncreds; i++)
		ike_creds_free(conf->creds[i]);
	free(conf->creds);
	free(conf->props);
	free(conf->prop_names);
	free(conf->pcap);
	free(conf->keylog);
	conf_gm_free(&conf->gm);
	ks_conf_free(&conf->ks);
	memset(conf, 0, sizeof(*conf));
}
