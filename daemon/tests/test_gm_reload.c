// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * The member's reload (gm_reload.c): what a new member section may change
 * while running and what is refused (naming the setting, "restart
 * gvpnd"); applied to groups without gvpn.ko (kernel_ok false): a kept
 * group keeps its registration, SAs, KEK and timer and takes the new
 * settings, its current server and failover position follow the new
 * server list, a removed group is left and stops, nothing re-registers.
 * With a fake gvpn.ko (gm_k_request_hook, groups kernel_ok): passive set
 * on each installed SA, a refused rule put back and reported, a try under
 * way with a server no longer listed abandoned. Fake clock (ev_clock_set).
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>

#include "core/loop.h"
#include "gm/gm.h"
#include "gm/gm_reload.h"
#include "ike/ike.h"
#include "main/conf.h"
#include "tests/conf_dir.h"

#define PEERS \
	"peers = (\n" \
	"  { name = \"ks1\"; address = \"10.0.0.1\"; psk = \"0123456789abcdef\"; },\n" \
	"  { name = \"ks2\"; address = \"10.0.0.2\"; psk = \"0123456789abcdef\"; },\n" \
	"  { name = \"ks3\"; address = \"10.0.0.3\"; psk = \"0123456789abcdef\"; }\n" \
	");\n"

#define G1(servers, extra) \
	"{ name = \"g1\"; id = 1; servers = [ " servers " ];\n" \
	"  interfaces = [ \"eth0\" ]; " extra " }"
#define G2(extra) \
	"{ name = \"g2\"; id = 2; servers = [ \"ks1\" ];\n" \
	"  interfaces = [ \"eth1\" ]; " extra " }"

static const char *const base =
	PEERS "member = { groups = ( " G1("\"ks2\", \"ks1\"", "")
	", " G2("") " ); };\n";

static void load(const char *text, struct gvpnd_conf *c)
{
	int errors;
	char *err;

	conf_dir_capture_begin();
	errors = conf_load(conf_dir_write("gvpnd.conf", text), c);
	err = conf_dir_capture_end();
	if (errors)
		fprintf(stderr, "%s", err);
	free(err);
	assert_int_equal(errors, 0);
}

static int setup(void **state)
{
	(void)state;
	conf_dir_make("test_gm_reload");
	ev_clock_set(1000000);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return conf_dir_remove();
}

/* gm_init() for the two groups of c, without their first tries (they
 * would reach gvpn.ko) */
static void two_groups(struct gm_ctx *gm, const struct gm_conf *c,
		       struct ike_ctx *ike, struct gdoi_ctx *gdoi)
{
	memset(gm, 0, sizeof(*gm));
	gm->conf = c;
	gm->ike = ike;
	gm->gdoi = gdoi;
	gm->groups = calloc(2, sizeof(*gm->groups));
	assert_non_null(gm->groups);
	gm->groups[0] = gm_group_new(gm, &c->groups[0]);
	gm->groups[1] = gm_group_new(gm, &c->groups[1]);
	assert_true(gm->groups[0] && gm->groups[1]);
	gm->ngroups = 2;
	gm_push_init(gm);
}

/* check: new text against base; 0 or the refusal with its words */
static void check(const char *text, int want, const char *w1, const char *w2)
{
	struct gvpnd_conf o, n;
	char why[512] = "";

	load(base, &o);
	load(text, &n);
	assert_int_equal(gm_reload_check(true, &o.gm, &n.gm, why, sizeof(why)),
			 want);
	if (w1 && !strstr(why, w1))
		fail_msg("\"%s\" lacks \"%s\"", why, w1);
	if (w2 && !strstr(why, w2))
		fail_msg("\"%s\" lacks \"%s\"", why, w2);
	conf_free(&n);
	conf_free(&o);
}

static void test_check_live(void **state)
{
	(void)state;
	/* the same file */
	check(base, 0, NULL, NULL);
	/* servers, timers, fail mode, rules, scope, transforms, name */
	check(PEERS "member = { groups = ( "
	      G1("\"ks3\"", "register-retries = 5; register-interval = 2;"
		 " fail-mode = \"close\"; fail-close-activate = true;"
		 " fail-open = ( { destination = \"10.9.0.0/16\"; } );"
		 " deny = ( { protocol = \"tcp\"; destination-port = \"22\"; } );"
		 " df-bit = \"copy\"; passive = true; heartbeat-threshold = 0;"
		 " transforms = [ \"aes-gcm-128\" ];"
		 " scope = ( { source = \"10.0.0.0/8\"; destination = \"10.0.0.0/8\"; } );")
	      ", " G2("") " ); };\n", 0, NULL, NULL);
	/* a group renamed, a group removed, a group added */
	check(PEERS "member = { groups = ( "
	      "{ name = \"first\"; id = 1; servers = [ \"ks1\" ];"
	      " interfaces = [ \"eth0\" ]; },"
	      "{ name = \"g3\"; id = 3; servers = [ \"ks1\" ];"
	      " interfaces = [ \"eth1\" ]; } ); };\n", 0, NULL, NULL);
	/* every group removed */
	check(PEERS, 0, NULL, NULL);
}

static void test_check_refused(void **state)
{
	(void)state;
	check(PEERS "member = { groups = ( "
	      "{ name = \"g1\"; id = 1; servers = [ \"ks1\" ];"
	      " interfaces = [ \"eth0\", \"eth2\" ]; }, " G2("") " ); };\n",
	      -EINVAL, "'interfaces'", "restart gvpnd");
	check(PEERS "member = { groups = ( "
	      G1("\"ks1\"", "identity = \"address\"; address = \"10.1.1.1\";")
	      ", " G2("") " ); };\n",
	      -EINVAL, "'identity' or 'address'", "restart gvpnd");
}

static void test_check_no_role(void **state)
{
	struct gvpnd_conf o, n;
	char why[512] = "";

	(void)state;
	load(PEERS, &o);
	load(base, &n);
	assert_int_equal(gm_reload_check(false, &o.gm, &n.gm, why,
					 sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "restart gvpnd"));
	/* none before, none after: nothing to say */
	assert_int_equal(gm_reload_check(false, &o.gm, &o.gm, why,
					 sizeof(why)), 0);
	/* the role set up, its groups removed by a reload: new ones come */
	assert_int_equal(gm_reload_check(true, &o.gm, &n.gm, why,
					 sizeof(why)), 0);
	conf_free(&n);
	conf_free(&o);
}

static void test_servers(void **state)
{
	struct gvpnd_conf o, n;
	struct gm_group grp;
	bool gone;

	(void)state;
	load(base, &o);		/* g1: ks2, ks1 */
	load(PEERS "member = { groups = ( " G1("\"ks1\", \"ks3\"", "")
	     " ); };\n", &n);
	assert_true(gm_servers_same(&o.gm.groups[0], &o.gm.groups[0]));
	assert_false(gm_servers_same(&o.gm.groups[0], &n.gm.groups[0]));
	assert_int_equal(gm_server_index(&n.gm.groups[0],
					 o.gm.groups[0].servers[1]), 0);
	assert_int_equal(gm_server_index(&n.gm.groups[0],
					 o.gm.groups[0].servers[0]), -1);

	/* registered with ks1 (old index 1): index 0 now, failover from
	 * the first server of the new list */
	memset(&grp, 0, sizeof(grp));
	grp.state = GM_REGISTERED;
	grp.cur_server = 1;
	grp.fo.server = 1;
	grp.fo.tries = 1;
	grp.fo.total = 4;
	gm_reload_servers(&grp, &o.gm.groups[0], &n.gm.groups[0], &gone);
	assert_false(gone);
	assert_int_equal(grp.cur_server, 0);
	assert_int_equal(grp.fo.server, 0);
	assert_int_equal(grp.fo.total, 0);

	/* registered with ks2, which the new list lacks */
	grp.cur_server = 0;
	gm_reload_servers(&grp, &o.gm.groups[0], &n.gm.groups[0], &gone);
	assert_true(gone);
	assert_int_equal(grp.cur_server, -1);

	/* a try under way with ks1 goes on with it, at its new index */
	memset(&grp, 0, sizeof(grp));
	grp.state = GM_PHASE1;
	grp.cur_server = -1;
	grp.fo.server = 1;
	grp.fo.tries = 1;
	grp.fo.total = 3;
	gm_reload_servers(&grp, &o.gm.groups[0], &n.gm.groups[0], &gone);
	assert_false(gone);
	assert_int_equal(grp.fo.server, 0);
	assert_int_equal(grp.fo.tries, 1);

	/* the same list: the failover position stays */
	grp.state = GM_IDLE;
	grp.fo.server = 1;
	gm_reload_servers(&grp, &o.gm.groups[0], &o.gm.groups[0], &gone);
	assert_int_equal(grp.fo.server, 1);
	assert_int_equal(grp.fo.tries, 1);
	conf_free(&n);
	conf_free(&o);
}

static void test_apply(void **state)
{
	struct gvpnd_conf o, n;
	struct ike_ctx ike;
	struct gdoi_ctx gdoi;
	struct gm_ctx gm;
	struct gm_group *g1, *g2;
	char why[512] = "";

	(void)state;
	memset(&ike, 0, sizeof(ike));
	memset(&gdoi, 0, sizeof(gdoi));
	load(base, &o);
	load(PEERS "member = { groups = ( "
	     G1("\"ks1\", \"ks3\"", "register-retries = 7; fail-mode = \"close\";")
	     " ); };\n", &n);

	two_groups(&gm, &o.gm, &ike, &gdoi);
	g1 = gm.groups[0];
	g2 = gm.groups[1];

	/* g1 registered with ks1, an SA installed, re-registration due */
	g1->state = GM_REGISTERED;
	g1->cur_server = 1;
	g1->registrations = 1;
	g1->nsa = 1;
	g1->sas[0].spi = 0x1234;
	g1->kek.present = true;
	g1->kek.key_len = 16;
	memset(g1->kek.key, 0xab, 16);
	g1->rereg_ms = 1000000 + 60000;
	ev_timer_add(&g1->timer, 60000);
	/* g2 trying */
	g2->state = GM_PULL;

	assert_int_equal(gm_reload(&gm, &n.gm, why, sizeof(why)), 0);
	assert_int_equal(gm.ngroups, 1);
	assert_ptr_equal(gm.groups[0], g1);
	assert_ptr_equal(gm.conf, &n.gm);
	/* g1: the new settings, nothing of its registration lost */
	assert_ptr_equal(g1->c, &n.gm.groups[0]);
	assert_int_equal(g1->c->retries, 7);
	assert_int_equal(g1->state, GM_REGISTERED);
	assert_int_equal(g1->registrations, 1);
	assert_int_equal(g1->cur_server, 0);
	assert_int_equal(g1->nsa, 1);
	assert_int_equal(g1->sas[0].spi, 0x1234);
	assert_true(g1->kek.present);
	assert_int_equal(g1->kek.key[15], 0xab);
	assert_int_equal(g1->rereg_ms, 1000000 + 60000);
	assert_true(ev_timer_armed(&g1->timer));
	assert_false(g1->left);
	/* g2: left, stopped, kept for its callbacks with its name */
	assert_int_equal(gm.nleft, 1);
	assert_ptr_equal(gm.left[0], g2);
	assert_true(g2->left);
	assert_int_equal(g2->state, GM_IDLE);
	assert_string_equal(g2->c->name, "g2");
	assert_int_equal(g2->c->nservers, 0);
	assert_null(gm_group_find(&gm, 2));

	/* then everything removed */
	conf_free(&o);
	load(PEERS, &o);
	assert_int_equal(gm_reload(&gm, &o.gm, why, sizeof(why)), 0);
	assert_int_equal(gm.ngroups, 0);
	/* g1 had no try under way: freed at once (valgrind/ASan see it),
	 * g2 waits for its pull's callback */
	assert_int_equal(gm.nleft, 1);
	assert_ptr_equal(gm.left[0], g2);
	gm_fini(&gm);
	conf_free(&n);
	conf_free(&o);
}

/* gvpn.ko as the member's requests reach it (gm_k_request_hook) */
struct kreq {
	uint8_t cmd;
	struct gvpn_policy pol;		/* POLICY_NEW, POLICY_DEL */
	struct gvpn_sa sa;		/* SA_SET */
};
static struct kreq kreqs[64];
static unsigned nkreqs;
static uint32_t kfail_policy;		/* POLICY_NEW of it fails, once */

static int kernel(uint8_t cmd, const void *obj)
{
	struct kreq *r = &kreqs[nkreqs < 64 ? nkreqs++ : 63];

	memset(r, 0, sizeof(*r));
	r->cmd = cmd;
	if (cmd == GVPN_CMD_POLICY_NEW || cmd == GVPN_CMD_POLICY_DEL)
		r->pol = *(const struct gvpn_policy *)obj;
	if (cmd == GVPN_CMD_SA_SET)
		r->sa = *(const struct gvpn_sa *)obj;
	if (cmd == GVPN_CMD_POLICY_NEW && kfail_policy &&
	    r->pol.id == kfail_policy) {
		kfail_policy = 0;
		return -ENOSPC;
	}
	return 0;
}

/* a member running the groups of o (no first tries: they would reach
 * gvpn.ko), every group set up in gvpn.ko */
static void member(struct gm_ctx *gm, struct ike_ctx *ike,
		   struct gdoi_ctx *gdoi, struct gvpnd_conf *o)
{
	memset(ike, 0, sizeof(*ike));
	memset(gdoi, 0, sizeof(*gdoi));
	memset(gm, 0, sizeof(*gm));
	gm->conf = &o->gm;
	gm->ike = ike;
	gm->gdoi = gdoi;
	gm->groups = calloc(o->gm.ngroups + 1, sizeof(*gm->groups));
	assert_non_null(gm->groups);
	for (unsigned i = 0; i < o->gm.ngroups; i++) {
		gm->groups[i] = gm_group_new(gm, &o->gm.groups[i]);
		assert_non_null(gm->groups[i]);
		gm->groups[i]->kernel_ok = true;
	}
	gm->ngroups = o->gm.ngroups;
	gm_push_init(gm);
	nkreqs = 0;
	kfail_policy = 0;
	gm_k_request_hook = kernel;
}

static unsigned commit(struct gm_ctx *gm, const struct gvpnd_conf *n)
{
	struct gm_reload_prep p;
	char why[512] = "";

	assert_int_equal(gm_reload_prepare(gm, &n->gm, &p, why, sizeof(why)),
			 0);
	return gm_reload_commit(gm, &n->gm, &p);
}

/* passive on or off: the group and every SA installed take it now */
static void test_passive_sas(void **state)
{
	struct gvpnd_conf o, n;
	struct ike_ctx ike;
	struct gdoi_ctx gdoi;
	struct gm_ctx gm;
	struct gm_group *g1;
	unsigned i, sets = 0, groups = 0;

	(void)state;
	load(base, &o);
	load(PEERS "member = { groups = ( " G1("\"ks2\", \"ks1\"",
					       "passive = true;")
	     ", " G2("") " ); };\n", &n);
	member(&gm, &ike, &gdoi, &o);
	g1 = gm.groups[0];
	g1->state = GM_REGISTERED;
	g1->nsa = 2;
	g1->sas[0].spi = 0x1111;
	g1->sas[1].spi = 0x2222;

	assert_int_equal(commit(&gm, &n), 0);
	for (i = 0; i < nkreqs; i++) {
		groups += kreqs[i].cmd == GVPN_CMD_GROUP_SET;
		if (kreqs[i].cmd != GVPN_CMD_SA_SET)
			continue;
		assert_true(kreqs[i].sa.present &
			    GVPN_BIT(GVPN_A_SA_PASSIVE));
		assert_int_equal(kreqs[i].sa.passive, 1);
		assert_int_equal(kreqs[i].sa.group_id, 1);
		assert_int_equal(kreqs[i].sa.spi, sets ? 0x2222 : 0x1111);
		/* nothing else of the SA changes */
		assert_false(kreqs[i].sa.present &
			     GVPN_BIT(GVPN_A_SA_DEACTIVATE_IN_MS));
		sets++;
	}
	assert_int_equal(groups, 1);
	assert_int_equal(sets, 2);

	/* and off again */
	nkreqs = 0;
	assert_int_equal(commit(&gm, &o), 0);
	for (i = 0, sets = 0; i < nkreqs; i++)
		if (kreqs[i].cmd == GVPN_CMD_SA_SET) {
			assert_int_equal(kreqs[i].sa.passive, 0);
			sets++;
		}
	assert_int_equal(sets, 2);
	gm_k_request_hook = NULL;
	gm_fini(&gm);
	conf_free(&n);
	conf_free(&o);
}

/* a changed deny rule gvpn.ko refuses: the old one back, reported */
static void test_rule_refused(void **state)
{
	struct gvpnd_conf o, n;
	struct ike_ctx ike;
	struct gdoi_ctx gdoi;
	struct gm_ctx gm;
	unsigned i, news = 0;
	bool back = false;

	(void)state;
	load(PEERS "member = { groups = ( " G1("\"ks2\", \"ks1\"",
		  "deny = ( { protocol = \"tcp\"; destination-port = \"22\"; } );")
	     " ); };\n", &o);
	load(PEERS "member = { groups = ( " G1("\"ks2\", \"ks1\"",
		  "deny = ( { protocol = \"tcp\"; destination-port = \"23\"; } );")
	     " ); };\n", &n);
	member(&gm, &ike, &gdoi, &o);
	kfail_policy = GM_POLICY_LOCAL_BASE;

	assert_int_equal(commit(&gm, &n), 1);
	for (i = 0; i < nkreqs; i++) {
		if (kreqs[i].cmd != GVPN_CMD_POLICY_NEW ||
		    kreqs[i].pol.id != GM_POLICY_LOCAL_BASE)
			continue;
		news++;
		if (kreqs[i].pol.dport_min == 22)
			back = true;
	}
	/* the new rule (refused), then the old one again */
	assert_int_equal(news, 2);
	assert_true(back);

	/* gm_reload() says so */
	{
		char why[512] = "";

		kfail_policy = GM_POLICY_LOCAL_BASE;
		assert_int_equal(gm_reload(&gm, &o.gm, why, sizeof(why)),
				 -EIO);
		assert_non_null(strstr(why, "not fully applied"));
	}
	gm_k_request_hook = NULL;
	gm_fini(&gm);
	conf_free(&n);
	conf_free(&o);
}

static void no_done(struct ike_sa *sa, int err, void *arg)
{
	(void)sa;
	(void)err;
	(void)arg;
	fail_msg("the abandoned try's Phase 1 called back");
}

/* a try under way with a server the reload removed: abandoned, its Phase 1
 * SA deleted, a new try with the new list at once */
static void test_try_server_gone(void **state)
{
	struct gvpnd_conf o, n;
	struct ike_ctx ike;
	struct gdoi_ctx gdoi;
	struct gm_ctx gm;
	struct gm_group *g1;
	struct ike_sa sa;

	(void)state;
	load(base, &o);		/* g1: ks2, ks1 */
	load(PEERS "member = { groups = ( " G1("\"ks1\", \"ks3\"", "")
	     ", " G2("") " ); };\n", &n);

	for (int pull = 0; pull < 2; pull++) {
		member(&gm, &ike, &gdoi, &o);
		g1 = gm.groups[0];
		memset(&sa, 0, sizeof(sa));
		sa.pc = o.gm.groups[0].servers[0];
		sa.initiator = true;
		sa.state = pull ? IKE_ESTABLISHED : 0;
		sa.done = pull ? NULL : no_done;
		sa.done_arg = g1;
		g1->state = pull ? GM_PULL : GM_PHASE1;
		g1->sa = &sa;
		g1->fo.server = 0;	/* ks2 */
		g1->fo.total = 1;
		g1->try_start_ms = ev_now_ms();

		assert_int_equal(commit(&gm, &n), 0);
		assert_int_equal(g1->state, GM_IDLE);
		assert_null(g1->sa);
		assert_null(sa.done);
		assert_non_null(sa.dying);
		ev_timer_del(&sa.life);
		/* the next try: now, from the new list's first server */
		assert_true(ev_timer_armed(&g1->timer));
		assert_int_equal(gm_failover_peek(&g1->fo, g1->c->retries,
						  g1->c->nservers), 0);
		assert_int_equal(g1->cur_server, -1);
		gm_k_request_hook = NULL;
		gm_fini(&gm);
	}

	/* a try with a server still listed goes on */
	member(&gm, &ike, &gdoi, &o);
	g1 = gm.groups[0];
	memset(&sa, 0, sizeof(sa));
	sa.done = no_done;
	sa.done_arg = g1;
	g1->state = GM_PHASE1;
	g1->sa = &sa;
	g1->fo.server = 1;	/* ks1 */
	assert_int_equal(commit(&gm, &n), 0);
	assert_int_equal(g1->state, GM_PHASE1);
	assert_ptr_equal(g1->sa, &sa);
	assert_ptr_equal(sa.done, no_done);
	assert_null(sa.dying);
	assert_int_equal(g1->fo.server, 0);
	g1->state = GM_IDLE;
	gm_k_request_hook = NULL;
	gm_fini(&gm);
	conf_free(&n);
	conf_free(&o);
}

static int noop_send(struct ike_ctx *ctx, const struct sockaddr_in *local,
		     const struct sockaddr_in *to, const uint8_t *buf,
		     size_t len)
{
	(void)ctx;
	(void)local;
	(void)to;
	(void)buf;
	(void)len;
	return 0;
}

/*
 * Groups in Phase 1 when their server's peer goes (g1's moved to another
 * address, g2's removed with g2): the reload, as main.c's, deletes the
 * negotiating SAs and each group hears of it (its try failed): the kept
 * group tries again, neither keeps a pointer to a freed SA.
 */
static void test_phase1_peer_gone(void **state)
{
	static const char *const text_o =
		"peers = (\n"
		"  { name = \"ks1\"; address = \"127.0.0.1\"; psk = \"0123456789abcdef\"; },\n"
		"  { name = \"ks2\"; address = \"127.0.0.2\"; psk = \"0123456789abcdef\"; }\n"
		");\n"
		"member = { groups = (\n"
		"  { name = \"g1\"; id = 1; servers = [ \"ks1\" ]; interfaces = [ \"eth0\" ]; },\n"
		"  { name = \"g2\"; id = 2; servers = [ \"ks2\" ]; interfaces = [ \"eth1\" ]; }\n"
		"); };\n";
	static const char *const text_n =
		"peers = (\n"
		"  { name = \"ks1\"; address = \"127.0.0.3\"; psk = \"0123456789abcdef\"; }\n"
		");\n"
		"member = { groups = (\n"
		"  { name = \"g1\"; id = 1; servers = [ \"ks1\" ]; interfaces = [ \"eth0\" ]; }\n"
		"); };\n";
	const struct ike_ops ops = { .send = noop_send };
	struct gvpnd_conf o, n;
	struct gm_reload_prep gp;
	struct ike_ctx *ike;
	struct gdoi_ctx gdoi;
	struct gm_ctx gm;
	struct gm_group *g1, *g2;
	char why[512] = "";

	(void)state;
	ike = calloc(1, sizeof(*ike));
	assert_non_null(ike);
	memset(&gdoi, 0, sizeof(gdoi));
	load(text_o, &o);
	load(text_n, &n);
	assert_int_equal(ike_ctx_init(ike, &o.ike, &ops), 0);

	two_groups(&gm, &o.gm, ike, &gdoi);
	g1 = gm.groups[0];
	g2 = gm.groups[1];
	/* both trying, in Phase 1 (gvpn.ko set up: not reached here) */
	g1->kernel_ok = g2->kernel_ok = true;
	gm_group_start(g1);
	gm_group_start(g2);
	assert_int_equal(g1->state, GM_PHASE1);
	assert_int_equal(g2->state, GM_PHASE1);
	assert_non_null(g1->sa);
	assert_non_null(g2->sa);
	assert_int_equal(ike->nsas, 2);

	/* main.c's reload */
	assert_int_equal(gm_reload_check(true, &o.gm, &n.gm, why, sizeof(why)), 0);
	assert_int_equal(gm_reload_prepare(&gm, &n.gm, &gp, why, sizeof(why)), 0);
	ike_ctx_repeer(ike, &n.ike);
	gm_reload_commit(&gm, &n.gm, &gp);
	ike->conf = &n.ike;
	conf_free(&o);

	assert_int_equal(ike->nsas, 0);
	/* g1: its try failed, the next one scheduled; not busy */
	assert_ptr_equal(gm.groups[0], g1);
	assert_null(g1->sa);
	assert_int_equal(g1->state, GM_IDLE);
	assert_int_equal(g1->failures, 1);
	assert_true(ev_timer_armed(&g1->timer));
	/* g2: left and freed at once (no pull of its under way) */
	assert_int_equal(gm.ngroups, 1);
	assert_int_equal(gm.nleft, 0);

	gm_fini(&gm);
	ike_ctx_fini(ike);
	free(ike);
	conf_free(&n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_live),
		cmocka_unit_test(test_check_refused),
		cmocka_unit_test(test_check_no_role),
		cmocka_unit_test(test_servers),
		cmocka_unit_test(test_apply),
		cmocka_unit_test(test_passive_sas),
		cmocka_unit_test(test_rule_refused),
		cmocka_unit_test(test_try_server_gone),
		cmocka_unit_test(test_phase1_peer_gone),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
