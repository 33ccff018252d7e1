// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * The key server role: the "server" section of gvpnd.conf (errors with
 * their line numbers), the authorization of a pull by address and by
 * certificate identity (and the Cisco-named logs of a refusal), what a
 * pull hands out (every SPI keyed in KD, KEK, GAP, SEQ, TBAR attributes;
 * the SA and KD payloads encode and decode back), fresh random keys per
 * group, TEK renewal near expiry on a test clock, the member table and
 * the "ks show" / "ks members" output.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "main/conf.h"
#include "core/log.h"
#include "gdoi/gdoi.h"
#include "ike/ike.h"
#include "json.h"
#include "ks/ks.h"
#include "attr_val.h"
#include "conf_dir.h"
#include "corpus_seed.h"
#include "fake_clock.h"

static char key_path[300];

/* --- helpers: load a config, its errors from stderr --------------------------- */

/* loads text; returns the errors printed (caller frees), *n their count */
static char *load(const char *text, struct gvpnd_conf *conf, int *n)
{
	const char *path = conf_dir_write("gvpnd.conf", text);

	conf_dir_capture_begin();
	*n = conf_load(path, conf);
	return conf_dir_capture_end();
}

static void expect_error(const char *text, unsigned line, const char *what)
{
	struct gvpnd_conf conf;
	char want[64], *errs;
	int n;

	errs = load(text, &conf, &n);
	snprintf(want, sizeof(want), "gvpnd.conf:%u: ", line);
	if (n < 1 || !strstr(errs, want) || !strstr(errs, what))
		fail_msg("expected \"%s\" at line %u, got %d errors:\n%s", what,
			 line, n, errs);
	free(errs);
	conf_free(&conf);
}

/* a group text with policies and SAs filled in */
static char *group_conf(const char *extra_group, const char *policies,
			const char *sas)
{
	char *buf = malloc(65536);

	snprintf(buf, 65536,
		 "server = {\n"				/* 1 */
		 "  groups = ( {\n"			/* 2 */
		 "    name = \"g1\"; id = 1234;\n"	/* 3 */
		 "%s"
		 "    policies = (\n%s    );\n"
		 "    ipsec-sa = (\n%s    );\n"
		 "  } );\n"
		 "};\n", extra_group, policies, sas);
	return buf;
}

static const char *one_policy =
	"      { action = \"permit\"; source = \"10.1.0.0/16\"; destination = \"10.0.0.0/8\"; }\n";
static const char *one_sa =
	"      { name = \"s1\"; encryption = \"aes-gcm-128\"; }\n";

/* --- configuration errors --------------------------------------------------- */

static void test_conf_ok(void **state)
{
	struct gvpnd_conf conf;
	char *text, extra[512], *errs;
	int n;

	(void)state;
	snprintf(extra, sizeof(extra),
		 "    kek = { signing-key = \"%s\"; };\n"
		 "    authorization = { addresses = [ \"192.0.2.0/24\" ]; identities = [ \"OU=gm*\" ]; };\n",
		 key_path);
	text = group_conf(extra, one_policy, one_sa);
	errs = load(text, &conf, &n);
	if (n)
		fail_msg("%s", errs);
	assert_true(conf.ks.set);
	assert_int_equal(conf.ks.ngroups, 1);
	assert_int_equal(conf.ks.groups[0].id, 1234);
	assert_int_equal(conf.ks.groups[0].atd, 15);	/* KT-10 */
	assert_int_equal(conf.ks.groups[0].tbar, 100);	/* TB-04 */
	assert_int_equal(conf.ks.groups[0].sa[0].lifetime, 3600);
	assert_int_equal(conf.ks.groups[0].kek.lifetime, 86400);
	assert_int_equal(conf.ks.groups[0].kek.key_bits, 256);
	assert_int_equal(conf.ks.groups[0].kek.sig_bits, 2048);
	assert_true(conf.ks.groups[0].kek.spki_len > 256);
	assert_int_equal(conf.ks.members_max, 100000);
	assert_string_equal(conf.ks.groups[0].sa[0].transform, "aes-gcm-128");
	free(errs);
	free(text);
	conf_free(&conf);
}

static void test_conf_id_range(void **state)
{
	(void)state;
	expect_error("server = {\n  groups = ( {\n    name = \"g1\";\n"
		     "    id = 70000;\n"
		     "    policies = ( { action = \"permit\"; } );\n"
		     "    ipsec-sa = ( { name = \"s\"; encryption = \"aes-gcm-128\"; } );\n"
		     "  } );\n};\n", 4, "'id' = 70000 is out of range 1..65535");
	expect_error("server = {\n  groups = ( {\n    name = \"g1\";\n"
		     "    id = 0;\n"
		     "    policies = ( { action = \"permit\"; } );\n"
		     "    ipsec-sa = ( { name = \"s\"; encryption = \"aes-gcm-128\"; } );\n"
		     "  } );\n};\n", 4, "out of range 1..65535");
}

static void test_conf_duplicate_policy(void **state)
{
	char *text;

	(void)state;
	text = group_conf("",
		"      { action = \"permit\"; source = \"10.1.0.0/16\"; destination = \"10.0.0.0/8\"; },\n" /* 5 */
		"      { action = \"deny\"; protocol = \"tcp\"; destination-port = 22; },\n"	/* 6 */
		"      { action = \"deny\"; source = \"10.1.0.0/16\"; destination = \"10.0.0.0/8\"; }\n",	/* 7 */
		one_sa);
	expect_error(text, 7, "policy 3 is identical to policy 1 (line 5)");
	free(text);
}

static void test_conf_101_policies(void **state)
{
	char pol[101 * 96], *p = pol, *text;
	unsigned i;

	(void)state;
	for (i = 0; i < 101; i++)
		p += sprintf(p, "      { action = \"deny\"; protocol = \"udp\"; destination-port = %u; }%s\n",
			     1000 + i, i < 100 ? "," : "");
	text = group_conf("", pol, one_sa);
	/* the list begins on line 4 ("policies = (") */
	expect_error(text, 4, "101 policies, at most 100");
	free(text);
}

/* what one GROUPKEY-PULL message can carry bounds the permit policies */
/* 100 permit policies: every one with two TEKs fits in the codec */
static void test_conf_100_policies(void **state)
{
	char pol[100 * 96], *p, *text, *errs;
	struct gvpnd_conf conf;
	unsigned i;
	int nerr;

	(void)state;
	p = pol;
	for (i = 0; i < 100; i++)
		p += sprintf(p, "      { action = \"permit\"; protocol = \"udp\"; destination-port = %u; }%s\n",
			     2000 + i, i < 99 ? "," : "");
	text = group_conf("", pol, one_sa);
	errs = load(text, &conf, &nerr);
	if (nerr)
		fail_msg("%s", errs);
	free(errs);
	conf_free(&conf);
	free(text);
}

static void test_conf_lifetime_atd(void **state)
{
	char *text;

	(void)state;
	text = group_conf("    activation-time-delay = 60;\n", one_policy,	/* 4 */
			  "      { name = \"s1\"; encryption = \"aes-gcm-128\";\n"	/* 8 */
			  "        lifetime = 500; }\n");				/* 9 */
	expect_error(text, 10, "lifetime 500 s is shorter than 10 x activation-time-delay (600 s)");
	free(text);
	text = group_conf("    activation-time-delay = 5;\n", one_policy, one_sa);
	expect_error(text, 4, "'activation-time-delay' = 5 is out of range 10..900");
	free(text);
}

static void test_conf_world_readable_key(void **state)
{
	char extra[512], *text;

	(void)state;
	snprintf(extra, sizeof(extra),
		 "    kek = {\n"				/* 4 */
		 "      signing-key = \"%s\"; };\n", key_path);	/* 5 */
	text = group_conf(extra, one_policy, one_sa);
	chmod(key_path, 0644);
	expect_error(text, 5, "holds a secret but others may read or write it");
	chmod(key_path, 0600);
	free(text);
}

static void test_conf_misc_errors(void **state)
{
	char *text;

	(void)state;
	/* unknown setting */
	text = group_conf("    activation-delay = 20;\n", one_policy, one_sa);
	expect_error(text, 4, "unknown setting 'activation-delay'");
	free(text);
	/* a permit naming an ipsec-sa that does not exist */
	text = group_conf("",
		"      { action = \"permit\"; sa = \"nope\"; }\n", one_sa);
	expect_error(text, 5, "no ipsec-sa named 'nope'");
	free(text);
	/* GCM with an HMAC */
	text = group_conf("", one_policy,
		"      { name = \"s1\"; encryption = \"aes-gcm-128\"; integrity = \"hmac-sha256\"; }\n");
	expect_error(text, 8, "integrity must be \"none\"");
	free(text);
	/* legacy without ike.legacy */
	text = group_conf("", one_policy,
		"      { name = \"s1\"; encryption = \"3des-cbc\"; integrity = \"hmac-sha1\"; }\n");
	expect_error(text, 8, "legacy");
	free(text);
	/* port ranges do not fit a GDOI selector */
	text = group_conf("",
		"      { action = \"permit\"; protocol = \"tcp\"; source-port = \"1-10\"; }\n",
		one_sa);
	expect_error(text, 5, "carries one port");
	free(text);
	/* deny only: nothing to encrypt */
	text = group_conf("",
		"      { action = \"deny\"; protocol = \"udp\"; }\n", one_sa);
	expect_error(text, 4, "has no permit policy");
	free(text);
	/* TBAR window range */
	text = group_conf("    tbar-window = 361;\n", one_policy, one_sa);
	expect_error(text, 4, "'tbar-window' = 361 is out of range 0..360");
	free(text);
	/* duplicate group ids */
	expect_error("server = { groups = (\n"
		     "  { name = \"a\"; id = 7; policies = ( { action = \"permit\"; } );\n"
		     "    ipsec-sa = ( { name = \"s\"; encryption = \"aes-gcm-128\"; } ); },\n"
		     "  { name = \"b\"; id = 7; policies = ( { action = \"permit\"; } );\n"
		     "    ipsec-sa = ( { name = \"s\"; encryption = \"aes-gcm-128\"; } ); }\n"
		     "); };\n", 4, "group id 7 is used by group 'a' (line 2)");
}

/* --- the role ----------------------------------------------------------------- */

struct fixture {
	struct gvpnd_conf conf;
	struct ks ks;
};

#define TWO_GROUPS_FMT \
	"server = { groups = (\n" \
	"  { name = \"g1\"; id = 1; tbar-window = 50;\n" \
	"    policies = (\n" \
	"      { action = \"deny\"; protocol = \"ospf\"; },\n" \
	"      { action = \"permit\"; source = \"10.1.0.0/16\"; destination = \"10.2.0.0/16\"; sa = \"b\"; },\n" \
	"      { action = \"permit\"; source = \"10.2.0.0/16\"; destination = \"10.1.0.0/16\"; }\n" \
	"    );\n" \
	"    ipsec-sa = ( { name = \"a\"; encryption = \"aes-gcm-256\"; lifetime = 1000; },\n" \
	"                 { name = \"b\"; encryption = \"aes-cbc-128\"; integrity = \"hmac-sha256\"; } );\n" \
	"    kek = { signing-key = \"%s\"; lifetime = 7200; };\n" \
	"    authorization = { addresses = [ \"192.0.2.0/24\" ]; };\n" \
	"  },\n" \
	"  { name = \"g2\"; id = 2; identity = \"address\"; address = \"198.51.100.7\";\n" \
	"    tbar-window = 0; receive-only = true;\n" \
	"    policies = ( { action = \"permit\"; } );\n" \
	"    ipsec-sa = ( { name = \"a\"; encryption = \"aes-gcm-256\"; } );\n" \
	"    authorization = { identities = [ \"OU=gm*\", \"CN=special,O=Example\" ]; };\n" \
	"  }\n" \
	"); members-max = 3; };\n"

/* a key server on the fake clocks, from configuration text */
static struct fixture *fixture_new(const char *text)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char *errs;
	int n;

	assert_non_null(f);
	errs = load(text, &f->conf, &n);
	if (n)
		fail_msg("%s", errs);
	free(errs);
	f->ks.now_ms = test_now;	/* kept by ks_init */
	f->ks.wall = test_wall;
	assert_int_equal(ks_init(&f->ks, &f->conf.ks), 0);
	return f;
}

static void fixture_free(struct fixture *f)
{
	ks_fini(&f->ks);
	conf_free(&f->conf);
	free(f);
}

static int setup(void **state)
{
	char text[4096];

	snprintf(text, sizeof(text), TWO_GROUPS_FMT, key_path);
	fake_now = 1000000;
	*state = fixture_new(text);
	return 0;
}

static int teardown(void **state)
{
	fixture_free(*state);
	return 0;
}

static struct ike_sa *member_sa(const char *addr, X509 *cert, const char *id)
{
	struct ike_sa *sa = calloc(1, sizeof(*sa));

	sa->peer.sin_family = AF_INET;
	inet_pton(AF_INET, addr, &sa->peer.sin_addr);
	sa->local.sin_family = AF_INET;
	inet_pton(AF_INET, "192.0.2.254", &sa->local.sin_addr);
	sa->peer_cert = cert;
	snprintf(sa->peer_id, sizeof(sa->peer_id), "%s", id);
	return sa;
}

static const struct gdoi_group_id gid1 = { .type = ISAKMP_ID_KEY_ID, .id = 1 };

static struct gdoi_group_id gid2(void)
{
	struct gdoi_group_id g = { .type = ISAKMP_ID_IPV4_ADDR };

	inet_pton(AF_INET, "198.51.100.7", &g.addr);
	return g;
}

static int pull(struct fixture *f, struct ike_sa *sa,
		const struct gdoi_group_id *g, struct gdoi_pull_reply *r,
		char **logs)
{
	char why[160] = "";
	int rc;

	conf_dir_capture_begin();
	rc = ks_gdoi_ops.pull(&f->ks, sa, g, r, why, sizeof(why));
	*logs = conf_dir_capture_end();
	return rc;
}

static X509 *make_cert(const char *ou, const char *cn)
{
	EVP_PKEY *pk = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509_NAME *n = X509_get_subject_name(x);

	X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC,
				   (const unsigned char *)"Example", -1, -1, 0);
	X509_NAME_add_entry_by_txt(n, "OU", MBSTRING_ASC,
				   (const unsigned char *)ou, -1, -1, 0);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
				   (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, n);
	X509_set_pubkey(x, pk);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_sign(x, pk, EVP_sha256());
	EVP_PKEY_free(pk);
	return x;
}

static void test_auth_address(void **state)
{
	struct fixture *f = *state;
	struct ike_sa *ok = member_sa("192.0.2.10", NULL, "ipv4:192.0.2.10");
	struct ike_sa *bad = member_sa("203.0.113.9", NULL, "ipv4:203.0.113.9");
	struct gdoi_pull_reply r;
	char *logs;

	assert_int_equal(pull(f, ok, &gid1, &r, &logs), 0);
	ks_gdoi_ops.done(&f->ks, ok, &gid1, &r, 0);
	free(logs);
	assert_int_equal(pull(f, bad, &gid1, &r, &logs), -EACCES);
	assert_non_null(strstr(logs,
		"%GDOI-1-UNAUTHORIZED_IPADDR: Group g1 received registration from unauthorized ip address: 203.0.113.9"));
	assert_int_equal(r.sa.ntek, 0);
	assert_int_equal(r.kd.n, 0);
	free(logs);
	/* an unknown group */
	{
		struct gdoi_group_id g9 = { .type = ISAKMP_ID_KEY_ID, .id = 9 };

		assert_int_equal(pull(f, ok, &g9, &r, &logs), -ENOENT);
		assert_non_null(strstr(logs, "KS_BAD_ID"));
		free(logs);
	}
	free(ok);
	free(bad);
}

static void test_auth_identity(void **state)
{
	struct fixture *f = *state;
	X509 *c1 = make_cert("gm-east", "gm1"), *c2 = make_cert("test", "gm2");
	X509 *c3 = make_cert("none", "special");
	struct ike_sa *a = member_sa("203.0.113.1", c1, "dn:CN=gm1");
	struct ike_sa *b = member_sa("203.0.113.2", c2, "dn:CN=gm2");
	struct ike_sa *c = member_sa("203.0.113.3", c3, "dn:CN=special");
	struct ike_sa *psk = member_sa("203.0.113.4", NULL, "ipv4:203.0.113.4");
	struct gdoi_group_id g = gid2();
	struct gdoi_pull_reply r;
	char *logs;

	assert_int_equal(pull(f, a, &g, &r, &logs), 0);
	ks_gdoi_ops.done(&f->ks, a, &g, &r, 0);
	free(logs);
	assert_int_equal(pull(f, c, &g, &r, &logs), 0);
	ks_gdoi_ops.done(&f->ks, c, &g, &r, 0);
	free(logs);
	assert_int_equal(pull(f, b, &g, &r, &logs), -EACCES);
	assert_non_null(strstr(logs, "%GDOI-1-UNAUTHORIZED_IDENTITY: Group g2 received registration from unauthorized identity: Dist.name: "));
	assert_non_null(strstr(logs, "OU=test"));
	free(logs);
	/* an identity list refuses a member without a certificate */
	assert_int_equal(pull(f, psk, &g, &r, &logs), -EACCES);
	assert_non_null(strstr(logs, "UNAUTHORIZED_IDENTITY"));
	free(logs);
	/* "CN=special,O=Example" compares whole values: "special\0.evil"
	 * (a NUL inside) is not "special" */
	{
		X509 *cn = make_cert("none", "x");
		X509_NAME *n = X509_get_subject_name(cn);
		struct ike_sa *nul = member_sa("203.0.113.5", cn, "dn:CN=x");

		X509_NAME_ENTRY_free(X509_NAME_delete_entry(n,
			X509_NAME_entry_count(n) - 1));
		assert_int_equal(X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
			(const unsigned char *)"special\0.evil", 13, -1, 0), 1);
		assert_int_equal(pull(f, nul, &g, &r, &logs), -EACCES);
		assert_non_null(strstr(logs, "UNAUTHORIZED_IDENTITY"));
		free(logs);
		X509_free(cn);
		free(nul);
	}
	X509_free(c1);
	X509_free(c2);
	X509_free(c3);
	free(a);
	free(b);
	free(c);
	free(psk);
}

static void test_dn_match(void **state)
{
	const char *k[] = { "C", "O", "OU", "CN" };
	const char *v[] = { "DE", "Example", "GETVPN", "gm-7" };

	(void)state;
	assert_true(ks_dn_match("OU=GETVPN", k, v, 4));
	assert_true(ks_dn_match("ou=GET*", k, v, 4));
	assert_true(ks_dn_match("CN=gm-?,O=Example", k, v, 4));
	assert_false(ks_dn_match("CN=gm-?,O=Other", k, v, 4));
	assert_false(ks_dn_match("OU=getvpn", k, v, 4));	/* values: exact case */
	assert_false(ks_dn_match("L=*", k, v, 4));
	assert_false(ks_dn_match("garbage", k, v, 4));
}

static const struct gdoi_key_packet *kd_find(const struct gdoi_kd *kd,
					     uint8_t type, const uint8_t *spi,
					     unsigned spi_len)
{
	unsigned i;

	for (i = 0; i < kd->n; i++)
		if (kd->pkt[i].type == type && kd->pkt[i].spi_len == spi_len &&
		    !memcmp(kd->pkt[i].spi, spi, spi_len))
			return &kd->pkt[i];
	return NULL;
}

static size_t key_attr_len(const struct gdoi_key_packet *p, uint16_t type)
{
	struct isakmp_attrs it = p->attrs;
	struct isakmp_attr a;

	while (isakmp_attr_next(&it, &a) == 1)
		if (a.type == type && !a.basic)
			return a.len;
	return 0;
}

static void test_reply_contents(void **state)
{
	struct fixture *f = *state;
	struct ike_sa *sa = member_sa("192.0.2.20", NULL, "ipv4:192.0.2.20");
	static uint8_t mem[16384];
	struct gdoi_pull_reply r;
	struct isakmp_chain ch;
	struct isakmp_err err;
	struct isakmp_buf b;
	struct gdoi_sa dsa;
	struct gdoi_kd dkd;
	unsigned i;
	bool found;
	char *logs;

	fake_now += 5000;
	assert_int_equal(pull(f, sa, &gid1, &r, &logs), 0);
	free(logs);
	/* KEK, 3 SA TEKs in policy order (deny, b, a), GAP, SEQ */
	assert_true(r.sa.has_kek);
	assert_true(r.sa.has_gap);
	assert_int_equal(r.sa.ntek, 3);
	assert_true(r.has_seq);
	assert_int_equal(attr_val(&r.sa.gap.attrs, GDOI_GAP_ACTIVATION_TIME_DELAY,
				  &found), 15);
	assert_true(found);
	assert_int_equal(attr_val(&r.sa.tek[0].attrs, TEK_ATTR_GVPN_BYPASS,
				  &found), 1);
	assert_int_equal(r.sa.tek[0].ip_proto, 89);
	assert_int_equal(r.sa.tek[1].transform, TEK_ESP_AES_CBC);
	assert_int_equal(attr_val(&r.sa.tek[1].attrs, TEK_ATTR_AUTH_ALG, &found),
			 TEK_AUTH_HMAC_SHA256);
	assert_int_equal(attr_val(&r.sa.tek[1].attrs, TEK_ATTR_KEY_LENGTH,
				  &found), 128);
	assert_int_equal(r.sa.tek[2].transform, TEK_ESP_AES_GCM_16);
	assert_int_equal(attr_val(&r.sa.tek[2].attrs, TEK_ATTR_KEY_LENGTH,
				  &found), 256);
	attr_val(&r.sa.tek[2].attrs, TEK_ATTR_AUTH_ALG, &found);
	assert_false(found);
	assert_int_equal(attr_val(&r.sa.tek[2].attrs, TEK_ATTR_LIFE_DURATION,
				  &found), 1000 - 5);
	assert_int_equal(attr_val(&r.sa.tek[2].attrs, TEK_ATTR_GVPN_TBAR_WINDOW,
				  &found), 50);
	/* pseudotime starts with this, the first registration */
	assert_int_equal(attr_val(&r.sa.tek[2].attrs,
				  TEK_ATTR_GVPN_PSEUDOTIME_MS, &found), 0);
	assert_true(found);
	assert_int_equal(attr_val(&r.sa.kek.attrs, GDOI_KEK_KEY_LIFETIME,
				  &found), 7200 - 5);
	assert_int_equal(attr_val(&r.sa.kek.attrs, GDOI_KEK_SIG_KEY_LENGTH,
				  &found), 2048);

	/* every SPI of the SA payload has its keys, of the right sizes */
	for (i = 0; i < r.sa.ntek; i++) {
		uint32_t spi = htonl(r.sa.tek[i].spi);
		const struct gdoi_key_packet *p =
			kd_find(&r.kd, GDOI_KD_TEK, (uint8_t *)&spi, 4);

		assert_true(r.sa.tek[i].spi >= 256);
		assert_non_null(p);
		if (r.sa.tek[i].transform == TEK_ESP_AES_GCM_16) {
			assert_int_equal(key_attr_len(p, GDOI_KD_TEK_ALGORITHM_KEY), 36);
			assert_int_equal(key_attr_len(p, GDOI_KD_TEK_INTEGRITY_KEY), 0);
		} else {
			assert_int_equal(key_attr_len(p, GDOI_KD_TEK_ALGORITHM_KEY), 16);
			assert_int_equal(key_attr_len(p, GDOI_KD_TEK_INTEGRITY_KEY), 32);
		}
	}
	assert_int_equal(r.kd.n, 3);	/* two TEKs + the KEK */
	{
		const struct gdoi_key_packet *p =
			kd_find(&r.kd, GDOI_KD_KEK, r.sa.kek.spi, 16);

		assert_non_null(p);
		assert_int_equal(key_attr_len(p, GDOI_KD_KEK_ALGORITHM_KEY), 32);
		assert_int_equal(key_attr_len(p, GDOI_KD_KEK_SIGNATURE_KEY),
				 f->conf.ks.groups[0].kek.spki_len);
	}

	/* on the wire and back */
	isakmp_buf_init(&b, mem, sizeof(mem));
	isakmp_put_zero(&b, ISAKMP_HDR_LEN);
	b.np_off = 16;
	gdoi_sa_encode(&b, &r.sa);
	gdoi_kd_encode(&b, &r.kd);
	assert_false(b.err);
	assert_int_equal(isakmp_chain_decode(&ch, ISAKMP_NP_SA,
					     mem + ISAKMP_HDR_LEN,
					     b.len - ISAKMP_HDR_LEN, false, &err), 0);
	assert_int_equal(gdoi_sa_decode(&dsa, &ch.pl[0], &err), 0);
	assert_int_equal(gdoi_kd_decode(&dkd, &ch.pl[1], &err), 0);
	assert_int_equal(dsa.ntek, 3);
	assert_int_equal(dkd.n, 3);
	assert_int_equal(dsa.tek[2].spi, r.sa.tek[2].spi);

	ks_gdoi_ops.done(&f->ks, sa, &gid1, &r, 0);
	free(sa);
}

/*
 * compat = "rfc3547": the layouts of RFC 3547 (1-byte SA Attribute Next
 * Payload and SA TEK ID lengths, 6 bytes after the SA KEK SPI, no GAP),
 * ID_IPV4_ADDR for single addresses (TEK, KEK source); they decode, and
 * a member sees them as RFC 3547's.
 */
/* gvpn ks show -j of group id (caller frees) */
static char *show_json(struct ks *ks, int id)
{
	char *out = NULL;
	size_t outlen;
	FILE *mf = open_memstream(&out, &outlen);

	assert_non_null(mf);
	json_begin(mf, true);
	assert_int_equal(ks_print_show(ks, id), 0);
	json_end();
	fclose(mf);
	return out;
}

static void test_compat_rfc3547(void **state)
{
	struct ike_sa *sa = member_sa("192.0.2.20", NULL, "ipv4:192.0.2.20");
	static uint8_t mem[16384];
	struct gdoi_pull_reply r;
	struct isakmp_chain ch;
	struct isakmp_err err;
	struct isakmp_buf b;
	struct gdoi_sa dsa;
	struct fixture *f;
	char text[2048], *logs;
	uint8_t a[4];

	(void)state;
	snprintf(text, sizeof(text),
		 "server = { groups = ( { name = \"v1\"; id = 5; compat = \"rfc3547\";\n"
		 "  policies = ( { action = \"permit\"; source = \"10.1.0.0/16\"; destination = \"10.9.9.9/32\"; } );\n"
		 "  ipsec-sa = ( { name = \"a\"; encryption = \"aes-cbc-128\"; integrity = \"hmac-sha256\"; } );\n"
		 "  kek = { signing-key = \"%s\"; };\n"
		 "  authorization = { addresses = [ \"192.0.2.0/24\" ]; };\n"
		 "} ); };\n", key_path);
	f = fixture_new(text);
	assert_int_equal(f->conf.ks.groups[0].compat, KS_COMPAT_RFC3547);
	inet_pton(AF_INET, "192.0.2.254", &f->ks.listen_addr);
	{
		struct gdoi_group_id g = { .type = ISAKMP_ID_KEY_ID, .id = 5 };

		assert_int_equal(pull(f, sa, &g, &r, &logs), 0);
		free(logs);
	}
	assert_false(r.sa.rfc3547_hdr);		/* see snap_build() */
	assert_false(r.sa.has_gap);
	assert_int_equal(r.sa.ntek, 1);
	assert_true(r.sa.tek[0].id_len8);
	assert_int_equal(r.sa.tek[0].src.type, ISAKMP_ID_IPV4_ADDR_SUBNET);
	assert_int_equal(r.sa.tek[0].dst.type, ISAKMP_ID_IPV4_ADDR);
	assert_int_equal(r.sa.tek[0].dst.len, 4);
	inet_pton(AF_INET, "10.9.9.9", a);
	assert_memory_equal(r.sa.tek[0].dst.data, a, 4);
	assert_int_equal(r.sa.kek.trailer_len, 6);
	assert_int_equal(r.sa.kek.trailer[1], GDOI_SIG_ALG_RSA);
	assert_int_equal(r.sa.kek.trailer[2] << 8 | r.sa.kek.trailer[3], 2048);
	assert_int_equal(r.sa.kek.src.type, ISAKMP_ID_IPV4_ADDR);
	assert_int_equal(r.sa.kek.src.len, 4);
	inet_pton(AF_INET, "192.0.2.254", a);
	assert_memory_equal(r.sa.kek.src.data, a, 4);

	/* on the wire: 2-byte SA Attribute Next Payload, and it decodes
	 * back as RFC 3547's layouts */
	isakmp_buf_init(&b, mem, sizeof(mem));
	isakmp_hdr_encode(&b, &(struct isakmp_hdr){ .exch = GDOI_EXCH_PULL,
						    .msgid = 0x01020304 });
	gdoi_sa_encode(&b, &r.sa);
	gdoi_kd_encode(&b, &r.kd);
	isakmp_msg_end(&b);
	assert_false(b.err);
	assert_int_equal(isakmp_chain_decode(&ch, ISAKMP_NP_SA,
					     mem + ISAKMP_HDR_LEN,
					     b.len - ISAKMP_HDR_LEN, false, &err), 0);
	assert_int_equal(ch.pl[0].body[8], 0);
	assert_int_equal(ch.pl[0].body[9], ISAKMP_NP_SAK);
	assert_int_equal(gdoi_sa_decode(&dsa, &ch.pl[0], &err), 0);
	assert_false(dsa.rfc3547_hdr);
	assert_true(dsa.tek[0].id_len8);
	assert_int_equal(dsa.kek.trailer_len, 6);
	assert_false(dsa.has_gap);
	corpus_seed("ks-rfc3547-pull-2", b.p, b.len);

	ks_gdoi_ops.done(&f->ks, sa, &(struct gdoi_group_id){
		.type = ISAKMP_ID_KEY_ID, .id = 5 }, &r, 0);
	assert_int_equal(f->ks.groups[0].regs, 1);
	{
		char *out = show_json(&f->ks, 5);

		assert_non_null(strstr(out, "\"compat\":\"rfc3547\""));
		assert_null(strstr(out, "\"mixed_members\""));
		free(out);
	}
	free(sa);
	fixture_free(f);
}

static void test_conf_compat(void **state)
{
	struct gvpnd_conf conf;
	char *text, *errs;
	int n;

	(void)state;
	text = group_conf("    compat = \"rfc2409\";\n", one_policy, one_sa);
	expect_error(text, 4, "'compat' = \"rfc2409\": expected rfc6407 or rfc3547");
	free(text);
	/* the default, and rfc6407 by name */
	text = group_conf("", one_policy, one_sa);
	errs = load(text, &conf, &n);
	assert_int_equal(n, 0);
	assert_int_equal(conf.ks.groups[0].compat, KS_COMPAT_RFC6407);
	free(errs);
	free(text);
	conf_free(&conf);
	text = group_conf("    compat = \"rfc6407\";\n", one_policy, one_sa);
	errs = load(text, &conf, &n);
	assert_int_equal(n, 0);
	free(errs);
	free(text);
	conf_free(&conf);
}

/* no private attribute (gvpn's range 32001..) in as */
static void no_private(const struct isakmp_attrs *as)
{
	struct isakmp_attrs it = *as;
	struct isakmp_attr a;

	while (isakmp_attr_next(&it, &a) == 1)
		if (a.type >= 32001)
			fail_msg("private attribute %u sent", a.type);
}

/*
 * members = "mixed": only RFC attributes (no GVPN_PUSH_INTERVAL in the
 * KEK, no TBAR, no GVPN_BYPASS in TEKs), TBAR off by default, and the
 * deny policy sent to no one.
 */
static void test_members_mixed(void **state)
{
	struct ike_sa *sa = member_sa("192.0.2.20", NULL, "ipv4:192.0.2.20");
	struct gdoi_group_id g = { .type = ISAKMP_ID_KEY_ID, .id = 6 };
	struct gdoi_pull_reply r;
	struct fixture *f;
	char text[2048], *logs;
	unsigned i;

	(void)state;
	snprintf(text, sizeof(text),
		 "server = { groups = ( { name = \"mx\"; id = 6; members = \"mixed\";\n"
		 "  policies = ( { action = \"deny\"; protocol = \"ospf\"; },\n"
		 "    { action = \"permit\"; source = \"10.1.0.0/16\"; destination = \"10.2.0.0/16\"; },\n"
		 "    { action = \"permit\"; source = \"10.2.0.0/16\"; destination = \"10.1.0.0/16\"; } );\n"
		 "  ipsec-sa = ( { name = \"a\"; encryption = \"aes-gcm-128\"; } );\n"
		 "  kek = { signing-key = \"%s\"; };\n"
		 "  authorization = { addresses = [ \"192.0.2.0/24\" ]; };\n"
		 "} ); };\n", key_path);
	f = fixture_new(text);
	assert_true(f->conf.ks.groups[0].mixed);
	assert_int_equal(f->conf.ks.groups[0].tbar, 0);
	assert_int_equal(pull(f, sa, &g, &r, &logs), 0);
	free(logs);
	assert_true(r.sa.has_kek);
	no_private(&r.sa.kek.attrs);
	/* the two permits, not the deny */
	assert_int_equal(r.sa.ntek, 2);
	for (i = 0; i < r.sa.ntek; i++) {
		no_private(&r.sa.tek[i].attrs);
		assert_int_equal(r.sa.tek[i].ip_proto, 0);
	}
	assert_int_not_equal(r.sa.tek[0].spi, r.sa.tek[1].spi);
	ks_gdoi_ops.done(&f->ks, sa, &g, &r, 0);
	{
		char *out = show_json(&f->ks, 6);

		assert_non_null(strstr(out, "\"mixed_members\":true"));
		assert_null(strstr(out, "\"compat\""));
		free(out);
	}
	free(sa);
	fixture_free(f);
}

static void test_conf_members(void **state)
{
	char *text;

	(void)state;
	text = group_conf("    members = \"cisco\";\n", one_policy, one_sa);
	expect_error(text, 4, "'members' = \"cisco\": expected gvpn or mixed");
	free(text);
	text = group_conf("    members = \"mixed\";\n    tbar-window = 100;\n",
			  one_policy, one_sa);
	expect_error(text, 5, "'tbar-window' needs members = \"gvpn\"");
	free(text);
}

/* group g's policy pol's first TEK */
static struct ks_tek *tek(struct fixture *f, unsigned g, unsigned pol)
{
	return &f->ks.groups[g].teks[pol].tek[0];
}

static void test_keys_differ(void **state)
{
	struct fixture *f = *state;
	uint8_t k1[32], k2[32], zero[32] = { 0 };

	/* both AES-GCM-256 (36 bytes of key and salt) */
	memcpy(k1, tek(f, 0, 2)->key, 32);
	memcpy(k2, tek(f, 1, 0)->key, 32);
	assert_memory_not_equal(k1, k2, 32);
	assert_memory_not_equal(k1, zero, 32);
	assert_int_not_equal(tek(f, 0, 2)->spi, tek(f, 1, 0)->spi);
	assert_int_not_equal(tek(f, 0, 1)->spi, tek(f, 0, 2)->spi);
	/* a deny policy has no TEK of its own */
	assert_int_equal(f->ks.groups[0].teks[0].ntek, 0);
}

/* gvpn.ko binds an SA to one policy: two permits of one ipsec-sa get
 * TEKs of their own, with different SPIs and keys */
static void test_tek_per_policy(void **state)
{
	struct fixture *f = *state;
	struct gvpnd_conf conf;
	struct ks ks = { .now_ms = test_now, .wall = test_wall };
	struct ike_sa *sa = member_sa("192.0.2.40", NULL, "ipv4:192.0.2.40");
	struct gdoi_pull_reply r;
	char why[160], *errs;
	int n;

	(void)f;
	errs = load("server = { groups = ( { name = \"p\"; id = 5;\n"
		    "  policies = ( { action = \"permit\"; protocol = \"icmp\"; },\n"
		    "    { action = \"deny\"; protocol = \"udp\"; destination-port = 5001; },\n"
		    "    { action = \"permit\"; protocol = \"tcp\"; } );\n"
		    "  ipsec-sa = ( { name = \"s\"; encryption = \"aes-gcm-128\"; } ); } ); };\n",
		    &conf, &n);
	if (n)
		fail_msg("%s", errs);
	free(errs);
	assert_int_equal(ks_init(&ks, &conf.ks), 0);
	{
		struct gdoi_group_id g = { .type = ISAKMP_ID_KEY_ID, .id = 5 };

		assert_int_equal(ks_gdoi_ops.pull(&ks, sa, &g, &r, why,
						  sizeof(why)), 0);
		assert_int_equal(r.sa.ntek, 3);
		assert_int_not_equal(r.sa.tek[0].spi, r.sa.tek[2].spi);
		/* the deny borrows the first permit's SPI, keyed in KD */
		assert_int_equal(r.sa.tek[1].spi, r.sa.tek[0].spi);
		assert_int_equal(r.kd.n, 2);
		assert_memory_not_equal(ks.groups[0].teks[0].tek[0].key,
					ks.groups[0].teks[2].tek[0].key, 20);
		conf_dir_capture_begin();
		ks_gdoi_ops.done(&ks, sa, &g, &r, 0);
		free(conf_dir_capture_end());
	}
	ks_fini(&ks);
	conf_free(&conf);
	free(sa);
}

static void test_renewal(void **state)
{
	struct fixture *f = *state;
	struct ike_sa *sa = member_sa("192.0.2.30", NULL, "ipv4:192.0.2.30");
	struct gdoi_pull_reply r;
	uint32_t old;
	bool found;
	char *logs;

	old = tek(f, 0, 2)->spi;
	/* SA "a" lives 1000 s; g1 has a KEK, so its TEKs are replaced at
	 * the rekey time (RK-08): lifetime - (100 s + 2 x 4 s of
	 * retransmissions + 5 s per 50 unicast members), 892 s without a
	 * member, 887 s with one */
	fake_now += 880 * 1000;
	assert_int_equal(pull(f, sa, &gid1, &r, &logs), 0);
	free(logs);
	assert_int_equal(r.sa.ntek, 3);
	ks_gdoi_ops.done(&f->ks, sa, &gid1, &r, 0);
	fake_now += 10 * 1000;
	assert_int_equal(pull(f, sa, &gid1, &r, &logs), 0);
	free(logs);
	/* policy 3 now goes out with the old and the new TEK */
	assert_int_equal(r.sa.ntek, 4);
	assert_int_equal(r.sa.tek[2].spi, old);
	assert_int_not_equal(r.sa.tek[3].spi, old);
	assert_int_equal(attr_val(&r.sa.tek[3].attrs, TEK_ATTR_LIFE_DURATION,
				  &found), 1000);
	assert_int_equal(r.kd.n, 4);
	/* the key made by the pull is for the push to send */
	assert_true(f->ks.groups[0].tek_unpushed);
	ks_gdoi_ops.done(&f->ks, sa, &gid1, &r, 0);
	/* after the old one expired, only the new one */
	fake_now += 111 * 1000;
	assert_int_equal(pull(f, sa, &gid1, &r, &logs), 0);
	free(logs);
	assert_int_equal(r.sa.ntek, 3);
	assert_int_not_equal(r.sa.tek[2].spi, old);
	ks_gdoi_ops.done(&f->ks, sa, &gid1, &r, 0);
	free(sa);
}

static void test_members(void **state)
{
	struct fixture *f = *state;
	const char *addrs[] = { "192.0.2.3", "192.0.2.1", "192.0.2.2" };
	struct ike_sa *sa[3], *late;
	struct gdoi_pull_reply r;
	char *logs, *out = NULL;
	size_t outlen;
	FILE *mf;
	unsigned i;

	for (i = 0; i < 3; i++) {
		char id[64];

		snprintf(id, sizeof(id), "ipv4:%s", addrs[i]);
		sa[i] = member_sa(addrs[i], NULL, id);
		assert_int_equal(pull(f, sa[i], &gid1, &r, &logs), 0);
		free(logs);
		conf_dir_capture_begin();
		ks_gdoi_ops.done(&f->ks, sa[i], &gid1, &r, 0);
		logs = conf_dir_capture_end();
		assert_non_null(strstr(logs, "%GDOI-5-KS_REGG_COMPL: KS completed successful registration in group g1 with group member"));
		if (i == 0)
			assert_non_null(strstr(logs, "KS_FIRST_GM"));
		else
			assert_null(strstr(logs, "KS_FIRST_GM"));
		free(logs);
	}
	/* the same member again: counted, not added */
	assert_int_equal(pull(f, sa[1], &gid1, &r, &logs), 0);
	free(logs);
	ks_gdoi_ops.done(&f->ks, sa[1], &gid1, &r, 0);
	assert_int_equal(f->ks.nmembers, 3);
	assert_int_equal(f->ks.groups[0].nmembers, 3);
	assert_int_equal(ks_member_find(&f->ks, 0, sa[1]->peer.sin_addr)->count, 2);
	/* a failed exchange records nothing */
	late = member_sa("192.0.2.99", NULL, "x");
	/* members-max = 3: a fourth is refused before it gets keys */
	assert_int_equal(pull(f, late, &gid1, &r, &logs), -ENOSPC);
	free(logs);
	free(late);

	mf = open_memstream(&out, &outlen);
	json_begin(mf, true);
	assert_int_equal(ks_print_members(&f->ks, 1), 0);
	json_end();
	fclose(mf);
	/* sorted by address, with identity and count */
	assert_non_null(strstr(out, "\"address\":\"192.0.2.1\""));
	assert_true(strstr(out, "192.0.2.1") < strstr(out, "192.0.2.2"));
	assert_true(strstr(out, "192.0.2.2") < strstr(out, "192.0.2.3"));
	assert_non_null(strstr(out, "\"registrations\":2"));
	assert_non_null(strstr(out, "\"identity\":\"ipv4:192.0.2.1\""));
	free(out);

	out = NULL;
	mf = open_memstream(&out, &outlen);
	json_begin(mf, false);
	assert_int_equal(ks_print_show(&f->ks, -1), 0);
	json_end();
	fclose(mf);
	assert_non_null(strstr(out, "group 1 name g1"));
	assert_non_null(strstr(out, "members 3"));
	assert_non_null(strstr(out, "transform aes-gcm-256"));
	assert_non_null(strstr(out, "transform aes-cbc-128/hmac-sha256"));
	/* the KEK's algorithm as gvpnd.conf spells it */
	assert_non_null(strstr(out, " alg aes256 "));
	assert_non_null(strstr(out, "policy 1 deny"));
	assert_non_null(strstr(out, "tek policy 2 ipsec-sa b spi 0x"));
	/* no key bytes in the output: look for the first TEK key in hex */
	{
		char hex[65];

		for (i = 0; i < 32; i++)
			sprintf(hex + 2 * i, "%02x",
				tek(f, 0, 2)->key[i]);
		assert_null(strstr(out, hex));
	}
	free(out);
	assert_int_equal(ks_print_show(&f->ks, 77), -ENOENT);
	for (i = 0; i < 3; i++)
		free(sa[i]);
}

/* a pull of gid1 by sa that ends with err; what the key server logged */
static char *pull_ends(struct fixture *f, struct ike_sa *sa, int err)
{
	struct gdoi_pull_reply r;
	char *logs;

	assert_int_equal(pull(f, sa, &gid1, &r, &logs), 0);
	free(logs);
	conf_dir_capture_begin();
	ks_gdoi_ops.done(&f->ks, sa, &gid1, &r, err);
	return conf_dir_capture_end();
}

/* Registrations that stop half-way: logged with the member and the step,
 * once per member and period, all counted; "ks show" counts them */
static void test_incomplete(void **state)
{
	struct fixture *f = *state;
	struct ks_group *g = &f->ks.groups[0];
	struct ike_sa *a = member_sa("192.0.2.5", NULL, "ipv4:192.0.2.5");
	struct ike_sa *b = member_sa("192.0.2.6", NULL, "");
	struct ike_sa *c = member_sa("192.0.2.7", NULL, "fqdn:gm7.example");
	char *logs, *out = NULL;
	size_t outlen;
	FILE *mf;

	logs = pull_ends(f, a, -ETIMEDOUT);
	assert_non_null(strstr(logs, "registration incomplete: GM 192.0.2.5 (ipv4:192.0.2.5) in group g1 stopped after GROUPKEY-PULL message 2: no message 3\n"));
	free(logs);
	assert_int_equal(g->incomplete, 1);
	assert_int_equal(f->ks.stats.incomplete_no_msg3, 1);
	assert_int_equal(g->regs, 0);
	assert_int_equal(f->ks.nmembers, 0);
	/* the same member again within the period: counted, not logged */
	fake_now += KS_INCOMPLETE_LOG_MS - 1000;
	logs = pull_ends(f, a, -ECONNABORTED);
	assert_null(strstr(logs, "registration incomplete"));
	free(logs);
	assert_int_equal(g->incomplete, 2);
	/* another member has a line of its own */
	logs = pull_ends(f, b, -ECONNREFUSED);
	assert_non_null(strstr(logs, "registration incomplete: GM 192.0.2.6 in group g1 stopped after GROUPKEY-PULL message 2: it refused message 2\n"));
	free(logs);
	/* the period is over: logged again, with what was not */
	fake_now += 1000;
	logs = pull_ends(f, a, -ECONNABORTED);
	assert_non_null(strstr(logs, "GM 192.0.2.5 (ipv4:192.0.2.5) in group g1 stopped after GROUPKEY-PULL message 2: its Phase 1 SA went away before message 3 (1 more from it in the last 60 s)"));
	free(logs);
	assert_int_equal(g->incomplete, 4);
	/* our own failure to answer, or a finished one, is no such thing */
	logs = pull_ends(f, c, -EMSGSIZE);
	assert_null(strstr(logs, "registration incomplete"));
	free(logs);
	logs = pull_ends(f, c, 0);
	assert_null(strstr(logs, "registration incomplete"));
	free(logs);
	assert_int_equal(g->incomplete, 4);
	assert_int_equal(f->ks.stats.incomplete_no_msg3, 4);
	/* Phase 1 and no pull: no group known */
	conf_dir_capture_begin();
	ks_gdoi_ops.no_pull(&f->ks, c);
	logs = conf_dir_capture_end();
	assert_non_null(strstr(logs, "registration incomplete: GM 192.0.2.7 (fqdn:gm7.example) stopped after Phase 1: no GROUPKEY-PULL\n"));
	free(logs);
	assert_int_equal(f->ks.stats.incomplete_no_pull, 1);
	assert_int_equal(g->incomplete, 4);
	assert_int_equal(f->ks.groups[1].incomplete, 0);

	mf = open_memstream(&out, &outlen);
	json_begin(mf, false);
	assert_int_equal(ks_print_show(&f->ks, 1), 0);
	json_end();
	fclose(mf);
	assert_non_null(strstr(out, "refused 0 incomplete 4"));
	free(out);
	out = NULL;
	mf = open_memstream(&out, &outlen);
	json_begin(mf, true);
	assert_int_equal(ks_print_show(&f->ks, -1), 0);
	json_end();
	fclose(mf);
	assert_non_null(strstr(out, "\"incomplete\":4"));
	assert_non_null(strstr(out, "\"incomplete\":0"));
	free(out);
	free(a);
	free(b);
	free(c);
}

/* --- Sender IDs (RFC 6054) --------------------------------------------------- */

struct sid_fx {
	struct gvpnd_conf conf;
	struct ks ks;
	struct ike_sa *sa[8];
};

static void sid_fx_init(struct sid_fx *x, const char *enc, unsigned bits)
{
	char text[1024], *errs;
	unsigned i;
	int n;

	memset(x, 0, sizeof(*x));
	snprintf(text, sizeof(text),
		 "server = { groups = ( { name = \"s\"; id = 6; sender-id-bits = %u;\n"
		 "  policies = ( { action = \"permit\"; } );\n"
		 "  ipsec-sa = ( { name = \"s\"; encryption = \"%s\";%s lifetime = 600; } ); } ); };\n",
		 bits, enc, strstr(enc, "cbc") ? " integrity = \"hmac-sha256\";" : "");
	errs = load(text, &x->conf, &n);
	if (n)
		fail_msg("%s", errs);
	free(errs);
	fake_now = 1000000;
	x->ks.now_ms = test_now;
	x->ks.wall = test_wall;
	assert_int_equal(ks_init(&x->ks, &x->conf.ks), 0);
	for (i = 0; i < 8; i++) {
		char a[32];

		snprintf(a, sizeof(a), "192.0.2.%u", 10 + i);
		x->sa[i] = member_sa(a, NULL, a);
	}
}

static void sid_fx_fini(struct sid_fx *x)
{
	unsigned i;

	ks_fini(&x->ks);
	conf_free(&x->conf);
	for (i = 0; i < 8; i++)
		free(x->sa[i]);
}

/* a whole registration of member i asking for a SID: the SID, or -errno;
 * *logs gets what was logged (caller frees) */
static int sid_register(struct sid_fx *x, unsigned i, char **logs)
{
	struct gdoi_group_id g = { .type = ISAKMP_ID_KEY_ID, .id = 6 };
	struct gdoi_pull_reply r;
	char why[160] = "";
	int rc;

	conf_dir_capture_begin();
	rc = ks_gdoi_ops.pull(&x->ks, x->sa[i], &g, &r, why, sizeof(why));
	assert_int_equal(rc, 0);
	rc = ks_gdoi_ops.sid(&x->ks, x->sa[i], &g, &r, 1, why, sizeof(why));
	if (rc) {
		assert_non_null(strstr(why, "no free Sender ID"));
		ks_gdoi_ops.done(&x->ks, x->sa[i], &g, &r, rc);
	} else {
		if (r.sid.n) {
			assert_int_equal(r.sid.n, 1);
			assert_int_equal(r.sid.bits,
					 x->ks.groups[0].c->sid_bits);
			rc = (int)r.sid.value[0];
		} else {
			rc = -ENOENT;
		}
		ks_gdoi_ops.done(&x->ks, x->sa[i], &g, &r, 0);
	}
	*logs = conf_dir_capture_end();
	return rc;
}

static void test_conf_sid_bits(void **state)
{
	struct gvpnd_conf conf;
	char *text, *errs;
	int n;

	(void)state;
	text = group_conf("", one_policy, one_sa);
	errs = load(text, &conf, &n);
	assert_int_equal(n, 0);
	assert_int_equal(conf.ks.groups[0].sid_bits, 8);	/* default */
	free(errs);
	conf_free(&conf);
	free(text);
	text = group_conf("    sender-id-bits = 0;\n", one_policy, one_sa);
	expect_error(text, 4, "sender-id-bits");
	free(text);
	text = group_conf("    sender-id-bits = 17;\n", one_policy, one_sa);
	expect_error(text, 4, "sender-id-bits");
	free(text);
	text = group_conf("    sender-id-bits = 16;\n", one_policy, one_sa);
	errs = load(text, &conf, &n);
	assert_int_equal(n, 0);
	assert_int_equal(conf.ks.groups[0].sid_bits, 16);
	free(errs);
	conf_free(&conf);
	free(text);
}

/* 2 bits: four members get the four SIDs, a fifth is refused and logged */
static void test_sid_exhaustion(void **state)
{
	struct sid_fx x;
	bool seen[4] = { false };
	char *logs;
	unsigned i;
	int sid;

	(void)state;
	sid_fx_init(&x, "aes-gcm-128", 2);
	for (i = 0; i < 4; i++) {
		sid = sid_register(&x, i, &logs);
		free(logs);
		assert_true(sid >= 0 && sid < 4);
		assert_false(seen[sid]);
		seen[sid] = true;
		assert_true(ks_member_find(&x.ks, 0, x.sa[i]->peer.sin_addr)->has_sid);
		assert_int_equal(ks_member_find(&x.ks, 0, x.sa[i]->peer.sin_addr)->sid,
				 (uint32_t)sid);
	}
	assert_int_equal(sid_register(&x, 4, &logs), -ENOSPC);
	assert_non_null(strstr(logs, "%GDOI-3-KS_SID_EXHAUSTED: Group s has no free Sender ID for GM 192.0.2.14 (sender-id-bits 2: 4 held by members, 0 waiting"));
	free(logs);
	/* refused: not a member */
	assert_null(ks_member_find(&x.ks, 0, x.sa[4]->peer.sin_addr));
	assert_int_equal(x.ks.groups[0].nmembers, 4);
	sid_fx_fini(&x);
}

/* a SID given back is not handed out again while a TEK it may have been
 * used under lives: clear, re-registration and expiry */
static void test_sid_no_reuse(void **state)
{
	struct sid_fx x;
	uint32_t first[4];
	unsigned i, held, waiting, size;
	char *logs;
	int sid;

	(void)state;
	sid_fx_init(&x, "aes-gcm-128", 2);
	for (i = 0; i < 4; i++) {
		sid = sid_register(&x, i, &logs);
		free(logs);
		assert_true(sid >= 0);
		first[i] = (uint32_t)sid;
	}
	/* cleared: the SIDs wait for the TEK (600 s) to expire */
	assert_int_equal(ks_members_clear(&x.ks, 0), 4);
	ks_sid_counts(&x.ks, &x.ks.groups[0], &held, &waiting, &size);
	assert_int_equal(held, 0);
	assert_int_equal(waiting, 4);
	assert_int_equal(size, 4);
	fake_now += 500 * 1000;
	assert_int_equal(sid_register(&x, 5, &logs), -ENOSPC);
	assert_non_null(strstr(logs, "0 held by members, 4 waiting for their TEKs to expire"));
	free(logs);
	/* the TEK they were held under has expired */
	fake_now += 101 * 1000;
	sid = sid_register(&x, 5, &logs);
	free(logs);
	assert_true(sid >= 0);

	/* a member registering again gets a fresh SID, its old one waits */
	sid_fx_fini(&x);
	sid_fx_init(&x, "aes-gcm-128", 2);
	sid = sid_register(&x, 0, &logs);
	free(logs);
	first[0] = (uint32_t)sid;
	sid = sid_register(&x, 0, &logs);
	free(logs);
	assert_true(sid >= 0);
	assert_int_not_equal((uint32_t)sid, first[0]);
	assert_int_equal(ks_member_find(&x.ks, 0, x.sa[0]->peer.sin_addr)->sid,
			 (uint32_t)sid);
	/* two more members take the two other SIDs; the old one of member 0
	 * is not among them, and a fourth is refused */
	for (i = 1; i < 3; i++) {
		int s2 = sid_register(&x, i, &logs);

		free(logs);
		assert_true(s2 >= 0);
		assert_int_not_equal((uint32_t)s2, first[0]);
		assert_int_not_equal(s2, sid);
	}
	assert_int_equal(sid_register(&x, 3, &logs), -ENOSPC);
	free(logs);
	sid_fx_fini(&x);
}

/* CBC needs no SIDs: asked, none given; members and show say so */
static void test_sid_cbc_and_show(void **state)
{
	struct sid_fx x;
	char *logs, *out = NULL;
	size_t outlen;
	FILE *mf;

	(void)state;
	sid_fx_init(&x, "aes-cbc-128", 8);
	assert_int_equal(sid_register(&x, 0, &logs), -ENOENT);
	free(logs);
	assert_false(ks_member_find(&x.ks, 0, x.sa[0]->peer.sin_addr)->has_sid);
	sid_fx_fini(&x);

	sid_fx_init(&x, "aes-gcm-256", 8);
	assert_int_equal(sid_register(&x, 0, &logs), 0);
	free(logs);
	assert_int_equal(sid_register(&x, 1, &logs), 1);
	free(logs);
	mf = open_memstream(&out, &outlen);
	json_begin(mf, true);
	assert_int_equal(ks_print_members(&x.ks, 6), 0);
	json_end();
	fclose(mf);
	assert_non_null(strstr(out, "\"address\":\"192.0.2.10\""));
	assert_non_null(strstr(out, "\"sender_id\":0,\"sender_id_bits\":8"));
	assert_non_null(strstr(out, "\"sender_id\":1,\"sender_id_bits\":8"));
	free(out);
	out = NULL;
	mf = open_memstream(&out, &outlen);
	json_begin(mf, false);
	assert_int_equal(ks_print_show(&x.ks, 6), 0);
	json_end();
	fclose(mf);
	assert_non_null(strstr(out, "sid-bits 8 sids-held 2 sids-waiting 0 of 256"));
	free(out);
	sid_fx_fini(&x);
}

static int group_setup(void **state)
{
	(void)state;
	conf_dir_make("test_ks");
	snprintf(key_path, sizeof(key_path), "%s", conf_dir_path("rekey.pem"));
	conf_dir_rsa_key(key_path);
	log_init("test_ks", true, LOG_DEBUG);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	return conf_dir_remove();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conf_ok),
		cmocka_unit_test(test_conf_id_range),
		cmocka_unit_test(test_conf_duplicate_policy),
		cmocka_unit_test(test_conf_101_policies),
		cmocka_unit_test(test_conf_100_policies),
		cmocka_unit_test(test_conf_lifetime_atd),
		cmocka_unit_test(test_conf_world_readable_key),
		cmocka_unit_test(test_conf_misc_errors),
		cmocka_unit_test(test_dn_match),
		cmocka_unit_test_setup_teardown(test_auth_address, setup, teardown),
		cmocka_unit_test_setup_teardown(test_auth_identity, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reply_contents, setup, teardown),
		cmocka_unit_test(test_compat_rfc3547),
		cmocka_unit_test(test_conf_compat),
		cmocka_unit_test(test_members_mixed),
		cmocka_unit_test(test_conf_members),
		cmocka_unit_test_setup_teardown(test_keys_differ, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tek_per_policy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_renewal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_members, setup, teardown),
		cmocka_unit_test_setup_teardown(test_incomplete, setup, teardown),
		cmocka_unit_test(test_conf_sid_bits),
		cmocka_unit_test(test_sid_exhaustion),
		cmocka_unit_test(test_sid_no_reuse),
		cmocka_unit_test(test_sid_cbc_and_show),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
