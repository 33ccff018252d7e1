// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * libFuzzer harness for the member's handling of what a key server hands
 * out: GROUPKEY-PULL messages 2 and 4 behind valid hashes (pull_peer.h)
 * reach gdoi's member, whose SA check and result go to the group member's
 * pure code as gvpnd's do (gm.c): gm_sa_check() on message 2's SA payload,
 * gm_plan_build() on the result (SA TEKs and their KD keys, KEK, GAP, SEQ,
 * Sender IDs), then what installing would take from the plan
 * (gm_plan_rfc3547(), gm_tek_to_sa(), gm_sel_to_policy(),
 * gm_reregister_at()) and gm_plan_wipe().
 *
 * Input: byte 0 picks the member's group configuration (bit 0: scope rules,
 * bit 1: an acceptable-transforms list, bit 2: legacy-iv, bit 3: passive);
 * then the records of pull_peer.h, as in fuzz_gdoi.c's member role.
 *
 * Seeds: with FUZZ_SEED_OUT set, each input's messages as the member sent
 * them are written there as records of fuzz_ks_pull's input (see
 * pull_peer.h): how corpus/ks_pull was made from corpus/gm_pull.
 */

#include <errno.h>
#include <stdio.h>

#include "core/log.h"
#include "gm/gm.h"
#include "pull_peer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct gm_group_conf gc;
static struct gm_sel scope[2];
static unsigned pulled, checked;

static int sa_check(void *arg, struct ike_sa *sa, const struct gdoi_sa *sa_pl,
		    char *why, size_t whylen)
{
	const char *cisco = NULL;
	int err;

	(void)arg;
	(void)sa;
	checked++;
	err = gm_sa_check(&gc, sa_pl, &cisco, why, whylen);
	/* a refusal says why, and under which Cisco name */
	if (err && (err >= 0 || !cisco || !*why))
		__builtin_trap();
	return err;
}

static void use_plan(const struct gm_plan *p)
{
	struct gvpn_policy pol;
	struct gvpn_sa ksa;
	char what[160];
	unsigned i;

	if (p->n > GDOI_MAX_TEKS)
		__builtin_trap();
	gm_plan_rfc3547(p, what, sizeof(what));
	for (i = 0; i < p->n; i++) {
		const struct gm_tek *k = &p->tek[i];

		memset(&pol, 0, sizeof(pol));
		gm_sel_to_policy(&k->sel, &pol);
		if (k->bypass)
			continue;
		/* the SA gets the keys its transform needs */
		if (!k->t.enc)
			__builtin_trap();
		gm_tek_to_sa(k, 1, GM_POLICY_KS_BASE + i, gc.passive, &ksa);
		gm_reregister_at(1000000, 1000000 + (uint64_t)k->lifetime_s * 1000,
				 k->lifetime_s);
	}
	if (p->kek.present)
		gm_reregister_at(1000000, p->kek.expires_ms, p->kek.lifetime_s);
}

static void gm_cb(void *arg, struct ike_sa *sa, int err,
		  const struct gdoi_pull_result *r, const char *why)
{
	struct gm_plan *p;
	const char *cisco = NULL;
	char w[200];
	int ret;

	(void)arg;
	(void)sa;
	/* exactly once; a result only without an error */
	if (pulled++ || (!err) != (r != NULL) || (err && !why))
		__builtin_trap();
	if (err)
		return;
	p = calloc(1, sizeof(*p));
	if (!p)
		abort();
	w[0] = '\0';
	ret = gm_plan_build(&gc, r, p, &cisco, w, sizeof(w));
	if (ret) {
		if (ret >= 0 || !cisco || !w[0])
			__builtin_trap();
		log_msg(LOG_DEBUG, "fuzz: plan refused: %s: %s", cisco, w);
	} else {
		log_msg(LOG_DEBUG, "fuzz: plan of %u TEKs", p->n);
		use_plan(p);
		gm_plan_wipe(p);
	}
	free(p);
}

static void conf_for(uint8_t c)
{
	static struct tek_transform tf[2];
	char why[128];

	memset(&gc, 0, sizeof(gc));
	snprintf(gc.name, sizeof(gc.name), "fuzz");
	gc.id = 1234;
	if (c & 1) {
		/* 10.0.0.0/8 to anywhere, and 192.0.2.0/24 both ways */
		scope[0] = (struct gm_sel){ .src_plen = 8, .dport_max = 65535,
					    .sport_max = 65535 };
		scope[0].src.s_addr = htonl(0x0a000000);
		scope[1] = (struct gm_sel){ .src_plen = 24, .dst_plen = 24,
					    .dport_max = 65535,
					    .sport_max = 65535 };
		scope[1].src.s_addr = htonl(0xc0000200);
		scope[1].dst.s_addr = htonl(0xc0000200);
		gc.scope = scope;
		gc.nscope = 2;
	}
	if (c & 2) {
		if (tek_transform_parse("aes-gcm-128", &tf[0], why, sizeof(why)) ||
		    tek_transform_parse("aes-cbc-128/hmac-sha256", &tf[1], why,
					sizeof(why)))
			abort();
		gc.transforms[0] = tf[0];
		gc.transforms[1] = tf[1];
		gc.ntransforms = 2;
	}
	gc.legacy_iv = c & 4;
	gc.passive = c & 8;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gdoi_group_id gid = { .type = ISAKMP_ID_KEY_ID, .id = 1234 };
	static bool once;
	struct ike_sa *sa;

	if (!once) {
		log_init("fuzz", true, getenv("FUZZ_DEBUG") ? LOG_DEBUG : LOG_EMERG);
		once = true;
	}
	if (size < 1)
		return 0;
	conf_for(data[0]);
	pp_init(NULL, NULL);
	sa = pp_make_sa(true, 0x0a000002);
	pulled = checked = 0;
	pp_seed_begin();
	if (gdoi_pull_checked(&pp_g, sa, &gid, sa_check, gm_cb, NULL))
		abort();
	pp_records(sa, data, size, 1);
	ike_ctx_fini(&pp_ctx);
	if (pulled != 1)
		__builtin_trap();	/* fini calls back the unfinished pull */
	pp_seed_end(data, size, 0x00);
	return 0;
}
