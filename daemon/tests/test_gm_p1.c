// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * The member's Phase 1 SAs (gm/gm_p1.c) and the key server's bound per
 * peer (ike max_sas_per_peer), between two of our own contexts wired back
 * to back in memory: a member and a key server, real Phase 1 and real
 * GROUPKEY-PULLs. Registrations run as gm.c runs them: reuse a kept SA or
 * negotiate one, pull, then gm_p1_failed() on failure and gm_p1_gc() after
 * every try. Checked: re-registrations run over one SA; an SA near the end
 * of its lifetime is replaced and the old one deleted on both sides; N
 * failed tries (refusal, timeout, Phase 1 failure) leave no SA behind on
 * either side; an SA no group uses goes; a member that never deletes its
 * SAs leaves at most max_sas_per_peer on the key server.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/log.h"
#include "gdoi/gdoi.h"
#include "gm/gm.h"
#include "ike/ike.h"
#include "ike_pair.h"
#include "json.h"
#include "main/ctl.h"
#include "main/ctl_int.h"

#define GROUP 1234

/* the pair's, by short names: 0 the member, 1 the key server */
static struct ike_ctx *const ctx = pair.ctx;
static struct ike_conf *const conf = pair.conf;
static struct ike_peer *const peer = pair.peer;
static struct ike_suite (*const suites)[1] = pair.suites;
static struct sockaddr_in *const addr = pair.addr;

static struct gdoi_ctx gdoi[2];
static bool drop_pulls;			/* the key server's pull answers */
static unsigned deletes_rx[2];		/* informational messages received */

/* the member role, as far as gm_p1.c looks at it */
static struct gm_ctx gm;
static struct gm_group groups[2];
static struct gm_group *group_ptrs[2] = { &groups[0], &groups[1] };
static struct gm_group_conf gconf[2];

static int op_send(struct ike_ctx *c, const struct sockaddr_in *local,
		   const struct sockaddr_in *to, const uint8_t *buf,
		   size_t len)
{
	int from = ike_pair_side(c);

	if (!ike_pair_wired(from, to))
		return 0;
	if (len > 18 && buf[18] == GDOI_EXCH_PULL && from == 1 && drop_pulls)
		return 0;
	if (len > 18 && buf[18] == ISAKMP_EXCH_INFO)
		deletes_rx[!from]++;
	ike_pair_queue(from, local, to, buf, len);
	return 0;
}

static int side(const struct ike_sa *sa)
{
	return ike_pair_side(sa->ctx);
}

static void op_gone(struct ike_sa *sa)
{
	gdoi_sa_gone(&gdoi[side(sa)], sa);
}

static void op_phase2(struct ike_sa *sa, const struct isakmp_hdr *h,
		      const uint8_t *msg, size_t len)
{
	gdoi_phase2(&gdoi[side(sa)], sa, h, msg, len);
}

static void op_notify(struct ike_sa *sa, const struct isakmp_notify_pl *n)
{
	gdoi_notify(&gdoi[side(sa)], sa, n);
}

/* the pair's run, but the timers already due run before the first look
 * at flag (the order these tests were written with) */
static void run_until(bool *flag, unsigned max_ms)
{
	ike_pair_pump();
	ev_timers_run();
	ike_pair_run_until(flag, max_ms);
}

/* --- the key server: one group, a KEK-less SA with one TEK ---------------- */

static uint8_t tek_attr_mem[64], kd_mem[128];
static uint8_t sel_src[8] = { 10, 1, 0, 0, 255, 255, 0, 0 };
static uint8_t sel_dst[8] = { 10, 0, 0, 0, 255, 0, 0, 0 };
static uint8_t tek_spi_be[4] = { 0x11, 0x22, 0x33, 0x44 };
static unsigned pulls_ok;
static bool bad_msg2;			/* a TEK the member cannot parse */
static const uint8_t bad_attrs[3] = { 0x00, 0x05, 0x00 };	/* truncated */

static int ks_pull(void *arg, struct ike_sa *sa,
		   const struct gdoi_group_id *group, struct gdoi_pull_reply *r,
		   char *why, size_t whylen)
{
	struct isakmp_buf b;
	uint8_t key[36] = { 1 }, ikey[32] = { 2 };

	(void)arg;
	(void)sa;
	if (group->id != GROUP) {
		snprintf(why, whylen, "no group %u", group->id);
		return -ENOENT;
	}
	memset(r, 0, sizeof(*r));
	r->sa.ntek = 1;
	r->sa.tek[0].proto_id = GDOI_PROTO_IPSEC_ESP;
	r->sa.tek[0].src = (struct gdoi_sel){ ISAKMP_ID_IPV4_ADDR_SUBNET, 0,
					      8, sel_src };
	r->sa.tek[0].dst = (struct gdoi_sel){ ISAKMP_ID_IPV4_ADDR_SUBNET, 0,
					      8, sel_dst };
	r->sa.tek[0].transform = 12;
	r->sa.tek[0].spi = 0x11223344;
	isakmp_buf_init(&b, tek_attr_mem, sizeof(tek_attr_mem));
	isakmp_put_attr_basic(&b, 1, 1);
	isakmp_put_attr_uint(&b, 2, 3600);
	isakmp_put_attr_basic(&b, 4, 1);
	/* HMAC-SHA-256, which a member's gm_sa_check() knows */
	isakmp_put_attr_basic(&b, TEK_ATTR_AUTH_ALG, TEK_AUTH_HMAC_SHA256);
	isakmp_put_attr_basic(&b, 6, 256);
	r->sa.tek[0].attrs = (struct isakmp_attrs){ tek_attr_mem, b.len };
	if (bad_msg2)
		r->sa.tek[0].attrs = (struct isakmp_attrs){ bad_attrs,
							    sizeof(bad_attrs) };
	isakmp_buf_init(&b, kd_mem, sizeof(kd_mem));
	isakmp_put_attr_var(&b, GDOI_KD_TEK_ALGORITHM_KEY, key, sizeof(key));
	isakmp_put_attr_var(&b, GDOI_KD_TEK_INTEGRITY_KEY, ikey, sizeof(ikey));
	r->kd.n = 1;
	r->kd.pkt[0] = (struct gdoi_key_packet){ GDOI_KD_TEK, 4, tek_spi_be,
		{ kd_mem, b.len } };
	return 0;
}

static void ks_done(void *arg, struct ike_sa *sa,
		    const struct gdoi_group_id *group, struct gdoi_pull_reply *r,
		    int err)
{
	(void)arg;
	(void)sa;
	(void)group;
	(void)r;
	if (!err)
		pulls_ok++;
}

static const struct gdoi_ks_ops ks_ops = { .pull = ks_pull, .done = ks_done };

/* --- a registration as gm.c runs it ----------------------------------------- */

static bool p1_done, pull_done;
static int p1_err, pull_err;
static char pull_why[200];
static struct ike_sa *p1_sa;

static void on_p1(struct ike_sa *sa, int err, void *arg)
{
	(void)arg;
	p1_done = true;
	p1_err = err;
	p1_sa = err ? NULL : sa;
}

static void on_pull(void *arg, struct ike_sa *sa, int err,
		    const struct gdoi_pull_result *r, const char *why)
{
	(void)arg;
	(void)sa;
	(void)r;
	pull_done = true;
	pull_err = err;
	snprintf(pull_why, sizeof(pull_why), "%s", why ? why : "");
}

static unsigned p1_negotiated;
static bool member_check;		/* message 2's SA checked as gm.c does */

/* gm.c's sa_check(): the member's verdict on message 2's SA */
static int check_sa(void *arg, struct ike_sa *sa, const struct gdoi_sa *sa_pl,
		    char *why, size_t whylen)
{
	const char *cisco;

	(void)arg;
	(void)sa;
	return gm_sa_check(&gconf[0], sa_pl, &cisco, why, whylen);
}

/* One try of group 0: 0 registered, -1 failed; reused tells which SA */
static int try_register(uint32_t group, bool *reused)
{
	struct gdoi_group_id gid = { .type = ISAKMP_ID_KEY_ID, .id = group };
	struct gm_group *grp = &groups[0];
	struct ike_sa *sa;

	/* as try_start() and registered(): the failover round */
	gm_failover_next(&grp->fo, grp->c->retries, grp->c->nservers);
	grp->state = GM_PHASE1;
	sa = gm_p1_reusable(&ctx[0], &peer[0], &addr[0]);
	if (reused)
		*reused = sa != NULL;
	if (!sa) {
		p1_done = false;
		p1_negotiated++;
		assert_non_null(ike_initiate(&ctx[0], &peer[0], &addr[0],
					     on_p1, NULL));
		run_until(&p1_done, 3000);
		assert_true(p1_done);
		if (p1_err) {
			grp->state = GM_IDLE;
			gm_p1_gc(&gm);
			run_until(NULL, 10);
			return -1;
		}
		sa = p1_sa;
	}
	grp->state = GM_PULL;
	pull_done = false;
	assert_int_equal(gdoi_pull_checked(&gdoi[0], sa, &gid,
					   member_check ? check_sa : NULL,
					   on_pull, NULL), 0);
	run_until(&pull_done, 3000);
	assert_true(pull_done);
	if (pull_err) {
		gm_p1_failed(sa, pull_err);
		grp->state = GM_IDLE;
	} else {
		grp->state = GM_REGISTERED;
		grp->cur_server = 0;
		gm_failover_reset(&grp->fo);
	}
	gm_p1_gc(&gm);
	/* deletes go out, their answers come in */
	run_until(NULL, 10);
	return pull_err ? -1 : 0;
}

/* established (not dying) SAs of a side */
static unsigned live(int i)
{
	unsigned n = 0;

	for (struct ike_sa *sa = ctx[i].sas; sa; sa = sa->next)
		n += sa->state == IKE_ESTABLISHED && !sa->dying;
	return n;
}

/* "daemon show"'s Phase 1 part of side i, text or JSON */
static char *show(int i, bool json)
{
	static char buf[8192];
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	assert_non_null(f);
	json_begin(f, json);
	open_json_object(NULL);
	ike_show(&ctx[i]);
	close_json_object();
	assert_int_equal(json_end(), 0);
	fclose(f);
	return buf;
}

/* the words through the control socket's request handling (commands
 * registered by the caller): the status and the reply */
static char *ask(bool json, int argc, char **argv, int *status)
{
	char buf[CTL_MAX_REQ], err[64];
	static char *out;
	static struct ctl_req req;
	size_t len;
	ssize_t n;

	free(out);
	out = NULL;
	n = ctl_encode(buf, sizeof(buf), json, argc, argv);
	assert_true(n > 0);
	assert_int_equal(ctl_decode(buf, (size_t)n, &req, err, sizeof(err)), 1);
	*status = ctl_answer(&req, false, &out, &len);
	ctl_close();
	assert_non_null(out);
	return out;
}

/* "ike show" (gvpn ike sa show) of side i */
static char *ike_sa_show(int i, bool json, int argc, int *status)
{
	char *argv[] = { "ike", "show", "extra" };

	ctl_close();
	assert_int_equal(ike_ctl_register(&ctx[i]), 0);
	return ask(json, argc, argv, status);
}

/* "gm show group GROUP detail" of the member (side 0) */
static char *gm_show_detail(bool json, int *status)
{
	char *argv[] = { "gm", "show", "group", "0", "detail" }, id[8];

	snprintf(id, sizeof(id), "%u", GROUP);
	argv[3] = id;
	ctl_close();
	snprintf(gconf[0].name, sizeof(gconf[0].name), "g1");
	groups[0].push.mc_fd = -1;
	gm_ctl_register(&gm);
	return ask(json, 5, argv, status);
}

/* --- setup ------------------------------------------------------------------ */

static int setup(void **state)
{
	struct ike_ops ops = {
		.send = op_send, .gone = op_gone, .phase2 = op_phase2,
		.notify = op_notify,
	};
	int i;

	(void)state;
	ike_pair_addrs();
	ike_pair_conf(0, IKE_AUTH_PSK);
	ike_pair_conf(1, IKE_AUTH_PSK);
	drop_pulls = bad_msg2 = member_check = false;
	deletes_rx[0] = deletes_rx[1] = 0;
	pulls_ok = p1_negotiated = 0;
	ike_pair_start(&ops);
	for (i = 0; i < 2; i++)
		gdoi_init(&gdoi[i], &ctx[i], i ? &ks_ops : NULL, NULL);
	memset(&gm, 0, sizeof(gm));
	memset(groups, 0, sizeof(groups));
	memset(gconf, 0, sizeof(gconf));
	gm.ike = &ctx[0];
	gm.gdoi = &gdoi[0];
	gm.groups = group_ptrs;
	gm.ngroups = 1;
	for (i = 0; i < 2; i++) {
		gconf[i].id = GROUP + (unsigned)i;
		gconf[i].nservers = 1;
		gconf[i].servers[0] = &peer[0];
		groups[i].gm = &gm;
		groups[i].c = &gconf[i];
		groups[i].cur_server = -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ike_pair_pump();
	ike_ctx_fini(&ctx[0]);
	ike_pair_pump();		/* its Deletes reach the server */
	ike_ctx_fini(&ctx[1]);
	ike_pair_drop();
	assert_int_equal(ev_timer_count(), 0);
	return 0;
}

/* --- tests ------------------------------------------------------------------ */

/* registration, then three re-registrations: one Phase 1, one SA a side */
static void test_reuse(void **state)
{
	char ck[17], *out;
	bool reused;
	int status;

	(void)state;
	assert_int_equal(try_register(GROUP, &reused), 0);
	assert_false(reused);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(try_register(GROUP, &reused), 0);
		assert_true(reused);
	}
	assert_int_equal(p1_negotiated, 1);
	assert_int_equal(pulls_ok, 4);
	assert_int_equal(ctx[0].nsas, 1);
	assert_int_equal(ctx[1].nsas, 1);
	assert_int_equal(live(0), 1);
	assert_int_equal(live(1), 1);
	assert_int_equal(ctx[0].stats.established, 1);
	/* what "gvpn daemon show" prints of it, on both sides */
	assert_non_null(strstr(show(0, false), "phase1-sas 1 established 1"));
	assert_non_null(strstr(show(0, false),
			       "phase1 10.0.0.1:848 peer ks role initiator state established expires-in "));
	assert_non_null(strstr(show(1, false),
			       "phase1 10.0.0.2:848 peer gm role responder state established"));
	assert_non_null(strstr(show(1, true), "\"phase1_sas\":1,"));
	assert_non_null(strstr(show(1, true), "\"role\":\"responder\""));
	/* the same lines alone in "ike show", each with its cookies */
	log_hex(ck, ctx[0].sas->icookie, 8);
	out = ike_sa_show(0, false, 2, &status);
	assert_int_equal(status, 0);
	assert_non_null(strstr(out,
			       "0\nphase1 10.0.0.1:848 peer ks role initiator state established expires-in "));
	assert_non_null(strstr(out, " cookies "));
	assert_non_null(strstr(out, ck));
	out = ike_sa_show(1, true, 2, &status);
	assert_int_equal(status, 0);
	assert_non_null(strstr(out, "0\n[{\"schema_version\":1,\"peer\":\"10.0.0.2:848\",\"peer_name\":\"gm\",\"role\":\"responder\",\"state\":\"established\",\"expires_in\":"));
	assert_non_null(strstr(out, ",\"expires_in_ms\":"));
	assert_non_null(strstr(out, ck));
	/* it takes no arguments */
	out = ike_sa_show(1, false, 3, &status);
	assert_int_equal(status, 2);
	assert_non_null(strstr(out, "takes no arguments"));
	/* gm show detail: the key servers, the one in use, its Phase 1 SA */
	out = gm_show_detail(false, &status);
	assert_int_equal(status, 0);
	assert_non_null(strstr(out, "\n    server 10.0.0.1 peer ks in-use on\n"));
	assert_non_null(strstr(out, "\n    phase1 10.0.0.1:848 peer ks role initiator state established expires-in "));
	assert_non_null(strstr(out, ck));
	out = gm_show_detail(true, &status);
	assert_int_equal(status, 0);
	assert_non_null(strstr(out, "\"servers\":[{\"server\":\"10.0.0.1\",\"peer\":\"ks\",\"in_use\":true}],\"phase1\":{\"peer\":\"10.0.0.1:848\",\"peer_name\":\"ks\",\"role\":\"initiator\",\"state\":\"established\""));
	/* not registered any more, the SA gone: phase1 null */
	groups[0].state = GM_IDLE;
	groups[0].cur_server = -1;
	out = gm_show_detail(true, &status);
	assert_non_null(strstr(out, "\"in_use\":false}],\"phase1\":null,"));
}

/* the margin: an SA with too little lifetime left carries no pull; the
 * new one replaces it, and the old one is deleted on both sides */
static void test_margin(void **state)
{
	struct ike_sa *old;
	bool reused;

	(void)state;
	/* the pull's retransmissions plus slack */
	assert_int_equal(gm_p1_margin_ms(&conf[0]), 20 + 40 + 40 + 40 + 10000);
	suites[0][0].lifetime = 10;	/* under the margin from the start */
	assert_int_equal(try_register(GROUP, &reused), 0);
	old = ctx[0].sas;
	assert_non_null(old);
	assert_true(ike_sa_remaining_ms(old) <= gm_p1_margin_ms(&conf[0]));
	assert_null(gm_p1_reusable(&ctx[0], &peer[0], &addr[0]));
	suites[0][0].lifetime = 3600;
	assert_int_equal(try_register(GROUP, &reused), 0);
	assert_false(reused);
	assert_int_equal(p1_negotiated, 2);
	/* the old one went with a Delete the server acted on */
	assert_int_equal(ctx[0].nsas, 1);
	assert_int_equal(ctx[1].nsas, 1);
	assert_true(ctx[0].sas != old);
	assert_true(deletes_rx[1] >= 1);
	/* and the new one is reused */
	assert_int_equal(try_register(GROUP, &reused), 0);
	assert_true(reused);
}

/* N failed tries of each kind leave 0 or 1 SA on each side, and 0 once
 * over; with another group registered with the server too (which keeps
 * the SA from gm_p1_gc: the failed try deletes it itself) */
static void failed_tries(bool other_group)
{
	const unsigned n = 6;
	unsigned i;

	if (other_group) {
		gm.ngroups = 2;
		groups[1].state = GM_REGISTERED;
		groups[1].cur_server = 0;
	}
	for (i = 0; i < n; i++) {
		switch (i % 3) {
		case 0:		/* the server refuses the group */
			assert_int_equal(try_register(GROUP + 7, NULL), -1);
			assert_int_equal(pull_err, -EACCES);
			break;
		case 1:		/* the server's answers are lost */
			drop_pulls = true;
			assert_int_equal(try_register(GROUP, NULL), -1);
			assert_int_equal(pull_err, -ETIMEDOUT);
			drop_pulls = false;
			break;
		case 2:		/* Phase 1 fails: the keys differ */
			peer[0].psk = (uint8_t *)"another-secret";
			peer[0].psk_len = 14;
			assert_int_equal(try_register(GROUP, NULL), -1);
			assert_int_equal(p1_err, -1);
			peer[0].psk = (uint8_t *)IKE_PAIR_PSK;
			peer[0].psk_len = strlen(IKE_PAIR_PSK);
			break;
		}
		run_until(NULL, 300);
		assert_true(ctx[0].nsas <= 1);
		assert_true(ctx[1].nsas <= 1);
	}
	assert_int_equal(ctx[0].nsas, 0);
	assert_int_equal(ctx[1].nsas, 0);
	assert_int_equal(p1_negotiated, n);
	assert_true(deletes_rx[1] >= 2 * n / 3);
	/* and the next try registers, over a new SA */
	assert_int_equal(try_register(GROUP, NULL), 0);
	assert_int_equal(ctx[0].nsas, 1);
	assert_int_equal(ctx[1].nsas, 1);
}

static void test_failed_tries(void **state)
{
	(void)state;
	failed_tries(false);
}

static void test_failed_tries_shared(void **state)
{
	(void)state;
	failed_tries(true);
}

/* a try over a kept SA the server lost: the SA goes, the next try
 * negotiates anew */
static void test_server_lost_sa(void **state)
{
	bool reused;

	(void)state;
	assert_int_equal(try_register(GROUP, NULL), 0);
	/* the key server restarts: its SA is gone without a word */
	while (ctx[1].sas) {
		struct ike_sa *sa = ctx[1].sas;

		ike_sa_delete(sa, "test: key server restart");
		ike_pair_drop();	/* its Delete is lost */
	}
	assert_int_equal(ctx[0].nsas, 1);
	assert_int_equal(try_register(GROUP, &reused), -1);
	assert_true(reused);
	assert_int_equal(pull_err, -ETIMEDOUT);
	assert_int_equal(ctx[0].nsas, 0);
	assert_int_equal(try_register(GROUP, &reused), 0);
	assert_false(reused);
	assert_int_equal(ctx[0].nsas, 1);
	assert_int_equal(ctx[1].nsas, 1);
}

/* A key server whose message 2 the member cannot parse: each try fails
 * (-EBADMSG, counted toward failover), all of them over the one Phase 1
 * SA, which goes when the next try is with another server */
static void test_bad_msg2_reuses_p1(void **state)
{
	bool reused;

	(void)state;
	gconf[0].retries = 2;
	gconf[0].nservers = 2;
	gconf[0].servers[1] = &peer[1];		/* another key server */
	bad_msg2 = true;
	assert_int_equal(try_register(GROUP, &reused), -1);
	assert_int_equal(pull_err, -EBADMSG);
	assert_false(reused);
	run_until(NULL, 300);
	/* kept: the next try is with the same server */
	assert_int_equal(live(0), 1);
	assert_int_equal(live(1), 1);
	assert_int_equal(groups[0].fo.tries, 0);
	assert_int_equal(try_register(GROUP, &reused), -1);
	assert_int_equal(pull_err, -EBADMSG);
	assert_true(reused);
	assert_int_equal(p1_negotiated, 1);
	assert_int_equal(groups[0].fo.tries, 1);
	/* the round with this server is over: the next try is with the
	 * other one, this server's SA goes on both sides */
	assert_int_equal(gm_failover_peek(&groups[0].fo, 2, 2), 1);
	run_until(NULL, 300);
	assert_int_equal(ctx[0].nsas, 0);
	assert_int_equal(ctx[1].nsas, 0);
	assert_int_equal(pulls_ok, 0);
	/* the server fixed: a try with it again registers over a new SA */
	bad_msg2 = false;
	gm_failover_reset(&groups[0].fo);
	assert_int_equal(try_register(GROUP, &reused), 0);
	assert_false(reused);
	assert_int_equal(p1_negotiated, 2);
}

/* A key server whose message 2 parses but carries a policy the member
 * will not take (a TEK transform not in its acceptable list): each try is
 * refused with NO-PROPOSAL-CHOSEN (-EPROTO) and counts toward failover,
 * all over the one Phase 1 SA, which goes when the next try is with
 * another server */
static void test_refused_msg2_reuses_p1(void **state)
{
	bool reused;

	(void)state;
	gconf[0].retries = 2;
	gconf[0].nservers = 2;
	gconf[0].servers[1] = &peer[1];		/* another key server */
	gconf[0].ntransforms = 1;		/* AES-GCM-128 only */
	gconf[0].transforms[0].enc = tek_enc_by_name("aes-gcm-128");
	gconf[0].transforms[0].integ = tek_integ_by_name("none");
	member_check = true;
	assert_int_equal(try_register(GROUP, &reused), -1);
	assert_int_equal(pull_err, -EPROTO);
	assert_non_null(strstr(pull_why, "is not in the acceptable list"));
	assert_false(reused);
	run_until(NULL, 300);
	/* kept: the next try is with the same server */
	assert_int_equal(live(0), 1);
	assert_int_equal(live(1), 1);
	assert_int_equal(try_register(GROUP, &reused), -1);
	assert_int_equal(pull_err, -EPROTO);
	assert_true(reused);
	assert_int_equal(p1_negotiated, 1);
	assert_int_equal(groups[0].fo.tries, 1);
	assert_int_equal(pulls_ok, 0);
	/* the round with this server is over: its SA goes on both sides */
	assert_int_equal(gm_failover_peek(&groups[0].fo, 2, 2), 1);
	run_until(NULL, 300);
	assert_int_equal(ctx[0].nsas, 0);
	assert_int_equal(ctx[1].nsas, 0);
	/* the member takes the policy now: registered over a new SA */
	gconf[0].ntransforms = 0;
	gm_failover_reset(&groups[0].fo);
	assert_int_equal(try_register(GROUP, &reused), 0);
	assert_false(reused);
	assert_int_equal(p1_negotiated, 2);
	assert_int_equal(pulls_ok, 1);
}

/* which try errors keep the SA: the key server's answers the member
 * refused, not its silence, its refusals or local failures */
static void test_answer_refused_kinds(void **state)
{
	static const int kept[] = { -EBADMSG, -EPROTO, -ENOTSUP,
				    -EPROTONOSUPPORT };
	static const int gone[] = { -ETIMEDOUT, -EACCES, -ECONNABORTED,
				    -EINVAL, -ENOMEM, -EIO, -ENOSPC };

	(void)state;
	for (unsigned i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
		assert_true(gm_p1_answer_refused(kept[i]));
	for (unsigned i = 0; i < sizeof(gone) / sizeof(gone[0]); i++)
		assert_false(gm_p1_answer_refused(gone[i]));
}

/* an SA no group registers over goes (failover away, "clear group");
 * one another group is registered over stays */
static void test_unused_goes(void **state)
{
	(void)state;
	gm.ngroups = 2;
	assert_int_equal(try_register(GROUP, NULL), 0);
	groups[1].state = GM_REGISTERED;
	groups[1].cur_server = 0;
	groups[0].state = GM_IDLE;
	gm_p1_gc(&gm);
	run_until(NULL, 10);
	assert_int_equal(live(0), 1);		/* group 1 keeps it */
	groups[1].state = GM_IDLE;
	gm_p1_gc(&gm);
	run_until(NULL, 10);
	assert_int_equal(ctx[0].nsas, 0);
	assert_int_equal(ctx[1].nsas, 0);	/* the Delete arrived */
	assert_true(deletes_rx[1] >= 1);
	/* an SA with a peer that is no group's key server is not the
	 * member's to delete */
	gconf[0].servers[0] = gconf[1].servers[0] = &peer[1];
	p1_done = false;
	assert_non_null(ike_initiate(&ctx[0], &peer[0], &addr[0], on_p1, NULL));
	run_until(&p1_done, 3000);
	assert_int_equal(p1_err, 0);
	gm_p1_gc(&gm);
	run_until(NULL, 10);
	assert_int_equal(live(0), 1);
}

/* a member that never deletes: the key server keeps max_sas_per_peer */
static void test_ks_bound(void **state)
{
	unsigned i;

	(void)state;
	conf[1].max_sas_per_peer = 2;
	for (i = 0; i < 5; i++) {
		p1_done = false;
		assert_non_null(ike_initiate(&ctx[0], &peer[0], &addr[0], on_p1,
					     NULL));
		run_until(&p1_done, 3000);
		assert_int_equal(p1_err, 0);
		run_until(NULL, 10);
		assert_true(live(1) <= 2);
	}
	assert_int_equal(live(1), 2);
	assert_int_equal(ctx[1].nsas, 2);
	assert_int_equal(ctx[1].stats.per_peer_deleted, 3);
	assert_non_null(strstr(show(1, false),
			       "phase1-sas 2 established 2 per-peer-deleted 3"));
	/* the member heard of each: it holds the same two */
	assert_int_equal(ctx[0].nsas, 2);
	for (struct ike_sa *sa = ctx[1].sas; sa; sa = sa->next)
		assert_non_null(ike_sa_find(&ctx[0], sa->icookie, sa->rcookie));
}

/* over the bound, an SA carrying an exchange goes after those that do
 * not: the oldest one, with a pull in flight, stays */
static void test_ks_bound_spares_exchange(void **state)
{
	struct gdoi_group_id gid = { .type = ISAKMP_ID_KEY_ID, .id = GROUP };
	uint8_t ck[2][16];
	struct ike_sa *ks_sa;
	int i;

	(void)state;
	conf[1].max_sas_per_peer = 2;
	for (i = 0; i < 3; i++) {
		p1_done = false;
		assert_non_null(ike_initiate(&ctx[0], &peer[0], &addr[0], on_p1,
					     NULL));
		run_until(&p1_done, 3000);
		assert_int_equal(p1_err, 0);
		if (i == 2)
			break;
		memcpy(ck[i], p1_sa->icookie, 8);
		memcpy(ck[i] + 8, p1_sa->rcookie, 8);
		if (i == 1)
			continue;
		/* a pull on the first, its answers lost: the server holds
		 * an exchange on that SA while the others come */
		drop_pulls = true;
		pull_done = false;
		assert_int_equal(gdoi_pull(&gdoi[0], p1_sa, &gid, on_pull,
					   NULL), 0);
		ike_pair_pump();
		ks_sa = ike_sa_find(&ctx[1], ck[0], ck[0] + 8);
		assert_non_null(ks_sa);
		assert_non_null(ks_sa->phase2);
	}
	ike_pair_pump();
	assert_int_equal(ctx[1].stats.per_peer_deleted, 1);
	assert_int_equal(ctx[1].nsas, 2);
	assert_non_null(ike_sa_find(&ctx[1], ck[0], ck[0] + 8));
	assert_null(ike_sa_find(&ctx[1], ck[1], ck[1] + 8));
	/* the member heard of it */
	assert_null(ike_sa_find(&ctx[0], ck[1], ck[1] + 8));
	assert_int_equal(ctx[0].nsas, 2);
	run_until(&pull_done, 3000);
	assert_int_equal(pull_err, -ETIMEDOUT);
	drop_pulls = false;
}

/* the bound counts each peer apart, and 0 means none */
static void test_ks_bound_off(void **state)
{
	(void)state;
	conf[1].max_sas_per_peer = 0;
	for (int i = 0; i < 4; i++) {
		p1_done = false;
		assert_non_null(ike_initiate(&ctx[0], &peer[0], &addr[0], on_p1,
					     NULL));
		run_until(&p1_done, 3000);
		assert_int_equal(p1_err, 0);
	}
	run_until(NULL, 10);
	assert_int_equal(ctx[1].nsas, 4);
	assert_int_equal(ctx[1].stats.per_peer_deleted, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_reuse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_margin, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_tries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_tries_shared, setup, teardown),
		cmocka_unit_test_setup_teardown(test_server_lost_sa, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_msg2_reuses_p1, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_msg2_reuses_p1, setup, teardown),
		cmocka_unit_test_setup_teardown(test_answer_refused_kinds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unused_goes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ks_bound, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ks_bound_spares_exchange, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ks_bound_off, setup, teardown),
	};

	log_init("test_gm_p1", true,
		 getenv("GDOI_TEST_DEBUG") ? LOG_DEBUG : LOG_EMERG);
	return cmocka_run_group_tests_name("member Phase 1 SAs", tests, NULL,
					   NULL);
}
