// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * libFuzzer harness for the key server's GROUPKEY-PULL path end to end:
 * a fuzzed member's messages 1 and 3, behind valid hashes (pull_peer.h),
 * reach gdoi's responder and the real key server role (ks_gdoi_ops on a
 * ks from configuration text, as gvpnd runs it): group lookup,
 * authorization, the member table, Sender IDs, the snapshot of keys that
 * message 4 carries. fuzz_gdoi.c covers gdoi's half, with fixed
 * key-server answers (its ks_pull()) in place of the role.
 *
 * Input: byte 0 picks the configuration (bits 0-1: conf_text[]) and the
 * member's address (bit 2: 192.0.2.7 instead of 10.0.0.2); then the
 * records of pull_peer.h, as in fuzz_gdoi.c's key server role.
 *
 * Seeds: with FUZZ_SEED_OUT set, each input's messages as the key server
 * sent them are written there as records of fuzz_gm_pull's input (see
 * pull_peer.h): how corpus/gm_pull was made from corpus/ks_pull.
 */

#include <errno.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/stat.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "core/log.h"
#include "ks/ks.h"
#include "main/conf.h"
#include "pull_peer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NCONF 4

/* @KEK@: the KEK signing key */
static const char *conf_text[NCONF] = {
	/* two SAs (CBC+HMAC and GCM), a KEK, authorization by address */
	"server = { groups = ( { name = \"g\"; id = 1234;\n"
	"  policies = ( { action = \"deny\"; protocol = \"ospf\"; },\n"
	"    { action = \"permit\"; source = \"10.1.0.0/16\"; destination = \"10.2.0.0/16\"; sa = \"b\"; },\n"
	"    { action = \"permit\"; source = \"10.2.0.0/16\"; destination = \"10.1.0.0/16\"; } );\n"
	"  ipsec-sa = ( { name = \"a\"; encryption = \"aes-gcm-256\"; lifetime = 1000; },\n"
	"    { name = \"b\"; encryption = \"aes-cbc-128\"; integrity = \"hmac-sha256\"; } );\n"
	"  kek = { signing-key = \"@KEK@\"; lifetime = 7200; };\n"
	"  authorization = { addresses = [ \"10.0.0.0/8\" ]; };\n"
	"} ); };\n",
	/* counter mode (Sender IDs), no KEK, one member at most */
	"server = { groups = ( { name = \"g\"; id = 1234;\n"
	"  policies = ( { action = \"permit\"; } );\n"
	"  ipsec-sa = ( { name = \"a\"; encryption = \"aes-gcm-128\"; } );\n"
	"} ); members-max = 1; };\n",
	/* authorization by identity only: the PSK member has none */
	"server = { groups = ( { name = \"g\"; id = 1234;\n"
	"  policies = ( { action = \"permit\"; source = \"10.1.0.0/16\"; } );\n"
	"  ipsec-sa = ( { name = \"a\"; encryption = \"aes-cbc-256\"; integrity = \"hmac-sha1\"; } );\n"
	"  authorization = { identities = [ \"OU=gm*\" ]; };\n"
	"} ); };\n",
	/* two groups, one named by address, TBAR, receive-only */
	"server = { groups = (\n"
	"  { name = \"g\"; id = 1234; tbar-window = 50;\n"
	"    policies = ( { action = \"permit\"; } );\n"
	"    ipsec-sa = ( { name = \"a\"; encryption = \"aes-gcm-256\"; } );\n"
	"    kek = { signing-key = \"@KEK@\"; };\n"
	"  },\n"
	"  { name = \"h\"; id = 2; identity = \"address\"; address = \"198.51.100.7\";\n"
	"    receive-only = true; tbar-window = 0;\n"
	"    policies = ( { action = \"permit\"; } );\n"
	"    ipsec-sa = ( { name = \"a\"; encryption = \"aes-gcm-128\"; } );\n"
	"  } ); };\n",
};

static struct gvpnd_conf confs[NCONF];
static struct ks ks;
static uint64_t now = 1000000;

static uint64_t fake_now_ms(void)
{
	return now;
}

static time_t fake_wall(time_t *t)
{
	if (t)
		*t = 1700000000;
	return 1700000000;
}

/* the configurations, from files in a directory removed afterwards */
static void load_confs(void)
{
	char dir[] = "/tmp/gvpn-fuzz-ks.XXXXXX", key[64], path[64];
	EVP_PKEY *pk = EVP_RSA_gen(2048);
	const char *at;
	unsigned i;
	FILE *f;

	if (!pk || !mkdtemp(dir))
		abort();
	snprintf(key, sizeof(key), "%s/kek.pem", dir);
	f = fopen(key, "w");
	if (!f || fchmod(fileno(f), 0600) || !PEM_write_PrivateKey(f, pk, NULL, NULL, 0, NULL, NULL))
		abort();
	fclose(f);
	EVP_PKEY_free(pk);
	snprintf(path, sizeof(path), "%s/gvpnd.conf", dir);
	for (i = 0; i < NCONF; i++) {
		f = fopen(path, "w");
		if (!f)
			abort();
		at = strstr(conf_text[i], "@KEK@");
		if (at) {
			fwrite(conf_text[i], 1, (size_t)(at - conf_text[i]), f);
			fputs(key, f);
			fputs(at + 5, f);
		} else {
			fputs(conf_text[i], f);
		}
		fclose(f);
		if (conf_load(path, &confs[i]) || !confs[i].ks.ngroups)
			abort();
	}
	unlink(path);
	unlink(key);
	rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool once;
	struct ike_sa *sa;

	if (!once) {
		log_init("fuzz", true, getenv("FUZZ_DEBUG") ? LOG_DEBUG : LOG_EMERG);
		load_confs();
		once = true;
	}
	if (size < 1)
		return 0;
	memset(&ks, 0, sizeof(ks));
	ks.now_ms = fake_now_ms;
	ks.wall = fake_wall;
	if (ks_init(&ks, &confs[data[0] & 3].ks))
		abort();
	pp_init(&ks_gdoi_ops, &ks);
	pp_seed_begin();
	sa = pp_make_sa(false, data[0] & 4 ? 0xc0000207 : 0x0a000002);
	pp_records(sa, data, size, 1);
	ike_ctx_fini(&pp_ctx);
	/* the member table is bounded by members-max */
	if (ks.nmembers > ks.conf->members_max)
		__builtin_trap();
	ks_fini(&ks);
	pp_seed_end(data, size, 0x00);
	now += 1000;
	return 0;
}
