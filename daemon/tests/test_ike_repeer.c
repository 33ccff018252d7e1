// SPDX-License-Identifier: GPL-2.0
/*
 * A configuration reload's Phase 1 side: ike_ctx_repeer() moves SAs and
 * half-open main mode responders to the new peers (by name, where the
 * address still matches) and deletes the others; a negotiation deleted so
 * tells its starter (done() with -ECANCELED), which may hold the SA.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/log.h"
#include "ike/ike.h"
#include "ike/ike_int.h"
#include "ike_pair.h"

static struct ike_ctx *const ctx = pair.ctx;
static struct ike_conf *const conf = pair.conf;
static struct ike_peer *const peer = pair.peer;
static struct ike_sa **const est = ike_pair_est;

/* the new configuration of a side: its one peer, a copy of the old */
static struct ike_conf nconf;
static struct ike_peer npeer;
static struct ike_suite nsuite;
static uint8_t npsk[64];

static unsigned done_calls;
static int done_errs[8];
static struct ike_sa *kill_on_done;	/* what on_done deletes, once */

static int op_send(struct ike_ctx *c, const struct sockaddr_in *local,
		   const struct sockaddr_in *to, const uint8_t *buf,
		   size_t len)
{
	int from = ike_pair_side(c);

	if (ike_pair_wired(from, to))
		ike_pair_queue(from, local, to, buf, len);
	return 0;
}

static void on_done(struct ike_sa *sa, int err, void *arg)
{
	struct ike_sa *k = kill_on_done;

	(void)sa;
	(void)arg;
	if (done_calls < 8)
		done_errs[done_calls] = err;
	done_calls++;
	kill_on_done = NULL;
	if (k)
		ike_sa_delete(k, "killed by a done callback");
}

static int setup(void **state)
{
	struct ike_ops ops = {
		.send = op_send,
		.established = ike_pair_established, .gone = ike_pair_gone,
	};

	(void)state;
	ike_pair_addrs();
	ike_pair_conf(0, IKE_AUTH_PSK);
	ike_pair_conf(1, IKE_AUTH_PSK);
	ike_pair_start(&ops);
	est[0] = est[1] = NULL;
	done_calls = 0;
	kill_on_done = NULL;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ike_pair_fini();
	return 0;
}

/* side i's new configuration: the same, in other memory (its PSK too) */
static void new_conf(int i, const char *name)
{
	nconf = conf[i];
	npeer = peer[i];
	nsuite = peer[i].suites[0];
	memcpy(npsk, IKE_PAIR_PSK, strlen(IKE_PAIR_PSK));
	npeer.psk = npsk;
	npeer.suites = &nsuite;
	snprintf(npeer.name, sizeof(npeer.name), "%s", name);
	nconf.peers = &npeer;
	nconf.npeers = 1;
}

/* what main.c's reload does: repeer, then the new configuration in place
 * of the old one, whose memory is then garbage */
static void reload(int i)
{
	static const char wrong[] = "not-the-shared-secret-any-more";

	ike_ctx_repeer(&ctx[i], &nconf);
	conf[i] = nconf;
	peer[i].psk = (uint8_t *)wrong;
	peer[i].psk_len = strlen(wrong);
	strcpy(peer[i].name, "freed");
}

/* the next datagram on the wire, alone */
static void deliver_one(void)
{
	struct ike_pair_pkt p;

	assert_non_null(ike_pair_peek());
	p = *ike_pair_peek();
	pair.q_head++;
	ike_input(&ctx[p.to], &p.dst, &p.src, p.data, p.len);
}

static void run(unsigned ms)
{
	ike_pair_run_until(NULL, ms);
}

/* A negotiation deleted before it ends: done() hears of it, once */
static void test_delete_negotiating(void **state)
{
	struct ike_sa *sa;

	(void)state;
	sa = ike_initiate(&ctx[0], &peer[0], &pair.addr[0], on_done, NULL);
	assert_non_null(sa);
	ike_sa_delete(sa, "test");
	assert_int_equal(done_calls, 1);
	assert_int_equal(done_errs[0], -ECANCELED);
	assert_int_equal(ctx[0].nsas, 0);
	ike_pair_drop();
	/* an established one's done() ran at establishment, not again */
	assert_non_null(ike_initiate(&ctx[0], &peer[0], &pair.addr[0],
				     on_done, NULL));
	run(2000);
	assert_non_null(est[0]);
	assert_int_equal(done_calls, 2);
	assert_int_equal(done_errs[1], 0);
	ike_sa_delete(est[0], "test");
	assert_int_equal(done_calls, 2);
}

/* The responder reloads between messages 1 and 3: message 3 makes the SA
 * with the new peer (its PSK), not the old memory */
static void test_half_open_repeered(void **state)
{
	(void)state;
	assert_non_null(ike_initiate(&ctx[0], &peer[0], &pair.addr[0],
				     on_done, NULL));
	deliver_one();				/* message 1 */
	assert_int_equal(ctx[1].nhalf, 1);
	assert_int_equal(ctx[1].nsas, 0);
	new_conf(1, peer[1].name);
	reload(1);
	assert_int_equal(ctx[1].nhalf, 1);
	assert_ptr_equal(ctx[1].half_old->pc, &npeer);
	run(2000);
	assert_int_equal(done_calls, 1);
	assert_int_equal(done_errs[0], 0);
	assert_non_null(est[1]);
	assert_ptr_equal(est[1]->pc, &npeer);
}

/* ... its peer renamed: the half-open record goes */
static void test_half_open_dropped(void **state)
{
	(void)state;
	assert_non_null(ike_initiate(&ctx[0], &peer[0], &pair.addr[0],
				     on_done, NULL));
	deliver_one();
	assert_int_equal(ctx[1].nhalf, 1);
	new_conf(1, "another");
	reload(1);
	assert_int_equal(ctx[1].nhalf, 0);
	ike_pair_drop();
}

/* SAs: the established one kept on the new peer; with the peer gone, it
 * and a negotiation are deleted, the negotiation's done() told */
static void test_sas(void **state)
{
	(void)state;
	assert_non_null(ike_initiate(&ctx[0], &peer[0], &pair.addr[0],
				     on_done, NULL));
	run(2000);
	assert_non_null(est[0]);
	new_conf(0, peer[0].name);
	reload(0);
	assert_ptr_equal(est[0]->pc, &npeer);
	assert_int_equal(ctx[0].nsas, 1);

	ike_pair_drop();
}

static void test_sas_gone(void **state)
{
	(void)state;
	assert_non_null(ike_initiate(&ctx[0], &peer[0], &pair.addr[0],
				     on_done, NULL));
	run(2000);
	assert_non_null(est[0]);
	assert_non_null(ike_initiate(&ctx[0], &peer[0], &pair.addr[0],
				     on_done, NULL));
	assert_int_equal(ctx[0].nsas, 2);
	new_conf(0, "another");
	reload(0);
	assert_int_equal(ctx[0].nsas, 0);
	assert_null(est[0]);
	assert_int_equal(done_calls, 2);
	assert_int_equal(done_errs[1], -ECANCELED);
	ike_pair_drop();
}

/* A done() that deletes another SA being deleted: the walk copes */
static void test_done_frees_another(void **state)
{
	struct ike_sa *a, *b, *c;

	(void)state;
	a = ike_initiate(&ctx[0], &peer[0], &pair.addr[0], on_done, NULL);
	b = ike_initiate(&ctx[0], &peer[0], &pair.addr[0], on_done, NULL);
	c = ike_initiate(&ctx[0], &peer[0], &pair.addr[0], on_done, NULL);
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);
	assert_int_equal(ctx[0].nsas, 3);
	/* the list's second, deleted by the first's done() */
	kill_on_done = ctx[0].sas->next;
	new_conf(0, "another");
	reload(0);
	assert_int_equal(ctx[0].nsas, 0);
	assert_int_equal(done_calls, 3);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(done_errs[i], -ECANCELED);
	ike_pair_drop();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_delete_negotiating, setup, teardown),
		cmocka_unit_test_setup_teardown(test_half_open_repeered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_half_open_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sas, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sas_gone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_done_frees_another, setup, teardown),
	};

	log_init("test_ike_repeer", true, getenv("IKE_TEST_DEBUG") ? LOG_DEBUG : LOG_EMERG);
	return cmocka_run_group_tests_name("ike reload (repeer)", tests,
					   NULL, NULL);
}
