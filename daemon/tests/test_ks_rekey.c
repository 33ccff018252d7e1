// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * The key server's GROUPKEY-PUSH (ks/ks_rekey.c) on a test clock, with the
 * sends recorded: the rekey time formulas (RK-08 worked examples of
 * features.md, RK-09), the TEK rekey as one event with the push, SEQ per
 * push and its restart after a KEK rekey (RK-12), unicast batches of 50
 * (KS-20), ACKs (RFC 8263) and retransmission to the silent members only
 * (RK-10), ejection after three missed rekeys and return at the next
 * registration (KS-19), ACKs from strangers ignored, multicast copies,
 * heartbeats (HB-01) and the pseudotime resync with RK-13 combining;
 * compat = "rfc3547" pushes (RFC 3547 form, no ACKs, no heartbeats); the
 * rekey settings of gvpnd.conf and their errors.
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

#include "json.h"
#include "main/conf.h"
#include "main/ctl.h"
#include "main/ctl_int.h"
#include "core/log.h"
#include "gdoi/gdoi.h"
#include "gdoi/gdoi_push.h"
#include "ike/ike.h"
#include "ks/ks.h"
#include "attr_val.h"
#include "conf_dir.h"
#include "fake_clock.h"

static char key_path[300], key2_path[300];

/* --- config files, their errors from stderr ------------------------------------- */

static int load(const char *text, struct gvpnd_conf *conf, char **errs)
{
	const char *path = conf_dir_write("gvpnd.conf", text);
	int n;

	conf_dir_capture_begin();
	n = conf_load(path, conf);
	*errs = conf_dir_capture_end();
	return n;
}

/* one group (id 1) with a KEK; rekey is the body of its rekey section */
static char *conf_text(const char *top, const char *group, const char *rekey)
{
	char *buf = malloc(8192);

	snprintf(buf, 8192,
		 "%s\n"						/* 1 */
		 "server = { groups = ( {\n"			/* 2 */
		 "  name = \"g\"; id = 1;\n"			/* 3 */
		 "  policies = ( { action = \"permit\"; } );\n"	/* 4 */
		 "  kek = { signing-key = \"%s\"; };\n"		/* 5 */
		 "%s\n"						/* 6 */
		 "  rekey = {\n"				/* 7 */
		 "%s\n"						/* 8 */
		 "  };\n"
		 "} ); };\n", top, key_path, group, rekey);
	return buf;
}

static void expect_error(const char *top, const char *group,
			 const char *rekey, unsigned line, const char *what)
{
	struct gvpnd_conf conf;
	char *text = conf_text(top, group, rekey), *errs, want[64];
	int n = load(text, &conf, &errs);

	snprintf(want, sizeof(want), "gvpnd.conf:%u: ", line);
	if (n < 1 || !strstr(errs, want) || !strstr(errs, what))
		fail_msg("expected \"%s\" at line %u, got %d errors:\n%s", what,
			 line, n, errs);
	free(errs);
	free(text);
	conf_free(&conf);
}

/* --- the fixture: a key server with recorded sends --------------------------- */

#define MAX_SENT 4096

struct sent {
	struct sockaddr_in src, dst;
	unsigned ttl;
	bool mcast;
	size_t len;
	uint8_t msg[8192];
};

static struct sent *sent;
static unsigned nsent, ntraced;

static int rec_send(const struct sockaddr_in *local,
		    const struct sockaddr_in *peer, const uint8_t *buf,
		    size_t len)
{
	struct sent *s;

	assert_true(nsent < MAX_SENT);
	assert_true(len <= sizeof(s->msg));
	s = &sent[nsent++];
	s->src = *local;
	s->dst = *peer;
	s->mcast = false;
	s->len = len;
	memcpy(s->msg, buf, len);
	return 0;
}

static int rec_send_mcast(const struct sockaddr_in *src,
			  const struct sockaddr_in *dst, unsigned ttl,
			  const uint8_t *buf, size_t len)
{
	int rc = rec_send(src, dst, buf, len);

	sent[nsent - 1].mcast = true;
	sent[nsent - 1].ttl = ttl;
	return rc;
}

static void rec_trace(const struct sockaddr_in *src,
		      const struct sockaddr_in *dst, const uint8_t *buf,
		      size_t len)
{
	(void)src;
	(void)dst;
	(void)buf;
	assert_true(len > 28);
	ntraced++;
}

struct fixture {
	struct gvpnd_conf conf;
	struct ks ks;
	struct ks_group *g;
};

static struct fixture *start(const char *top, const char *group,
			     const char *rekey)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char *text = conf_text(top, group, rekey), *errs;

	if (load(text, &f->conf, &errs))
		fail_msg("%s", errs);
	free(errs);
	free(text);
	fake_now = 1000000;
	f->ks.now_ms = test_now;
	f->ks.wall = test_wall;
	assert_int_equal(ks_init(&f->ks, &f->conf.ks), 0);
	f->ks.send = rec_send;
	f->ks.send_mcast = rec_send_mcast;
	f->ks.trace = rec_trace;
	inet_pton(AF_INET, "192.0.2.254", &f->ks.listen_addr);
	f->ks.port = 848;
	f->g = &f->ks.groups[0];
	nsent = ntraced = 0;
	return f;
}

static void stop(struct fixture *f)
{
	ks_fini(&f->ks);
	conf_free(&f->conf);
	free(f);
}

static const struct gdoi_group_id gid1 = { .type = ISAKMP_ID_KEY_ID, .id = 1 };

static struct in_addr member_addr(unsigned i)
{
	struct in_addr a = { htonl(0x0a000000U + 1 + i) };	/* 10.0.0.x */

	return a;
}

/* member i registers (a pull and its done) */
static void reg(struct fixture *f, unsigned i)
{
	struct ike_sa *sa = calloc(1, sizeof(*sa));
	struct gdoi_pull_reply r;
	char why[160];

	sa->peer.sin_family = AF_INET;
	sa->peer.sin_addr = member_addr(i);
	sa->peer.sin_port = htons(848);
	sa->local.sin_family = AF_INET;
	inet_pton(AF_INET, "192.0.2.254", &sa->local.sin_addr);
	snprintf(sa->peer_id, sizeof(sa->peer_id), "m%u", i);
	conf_dir_capture_begin();
	assert_int_equal(ks_gdoi_ops.pull(&f->ks, sa, &gid1, &r, why,
					  sizeof(why)), 0);
	ks_gdoi_ops.done(&f->ks, sa, &gid1, &r, 0);
	free(conf_dir_capture_end());
	free(sa);
}

/* runs what is due (logs captured into *logs when not NULL) */
static void run(struct fixture *f, char **logs)
{
	conf_dir_capture_begin();
	ks_rekey_run(&f->ks);
	if (logs)
		*logs = conf_dir_capture_end();
	else
		free(conf_dir_capture_end());
}

/* runs until nothing is due now (batches) */
static void run_all(struct fixture *f)
{
	unsigned n = 0;

	conf_dir_capture_begin();
	while (ks_rekey_run(&f->ks) <= fake_now && ++n < 1000)
		;
	free(conf_dir_capture_end());
	assert_true(n < 1000);
}

static void kek_of(const struct ks_group *g, const struct ks_kek *k,
		   struct gdoi_kek_keys *kk)
{
	memset(kk, 0, sizeof(*kk));
	memcpy(kk->spi, k->spi, sizeof(kk->spi));
	(void)g;
	kk->alg = k->alg;
	kk->key_bits = k->key_bits;
	memcpy(kk->key, k->key, k->key_bits / 8);
	kk->sig_hash = k->sig_hash;
	kk->sig_key = k->pkey;		/* the private key verifies too */
}

static uint8_t plain[65536];

/* opens sent message s as a member holding kek would */
static int open_push(const struct ks_group *g, const struct ks_kek *kek,
		     const struct sent *s, struct gdoi_push *p)
{
	struct gdoi_kek_keys kk;
	char why[128];

	kek_of(g, kek, &kk);
	return gdoi_push_open(&kk, s->msg, s->len, plain, sizeof(plain), p,
			      why, sizeof(why));
}

/* member i acknowledges seq under kek, from address from */
static void ack(struct fixture *f, const struct ks_kek *kek, uint32_t seq,
		struct in_addr from)
{
	struct gdoi_kek_keys kk;
	struct sockaddr_in peer = { .sin_family = AF_INET, .sin_addr = from,
				    .sin_port = htons(848) };
	struct sockaddr_in local = { .sin_family = AF_INET,
				     .sin_port = htons(848) };
	struct isakmp_hdr h;
	struct isakmp_err err;
	uint8_t msg[2048];
	int n;

	kek_of(f->g, kek, &kk);
	n = gdoi_push_ack_build(&kk, seq, from, msg, sizeof(msg));
	assert_true(n > 0);
	assert_int_equal(isakmp_hdr_decode(&h, msg, (size_t)n, &err), 0);
	conf_dir_capture_begin();
	ks_gdoi_ops.push_ack(&f->ks, &local, &peer, &h, msg, (size_t)n);
	free(conf_dir_capture_end());
}

static unsigned sent_to(struct in_addr a, unsigned from)
{
	unsigned i, n = 0;

	for (i = from; i < nsent; i++)
		if (sent[i].dst.sin_addr.s_addr == a.s_addr)
			n++;
	return n;
}

/* --- timer formulas -------------------------------------------------------- */

static void test_offsets(void **state)
{
	(void)state;
	/* RK-08 worked examples (features.md): multicast, 3 x 10 s */
	assert_int_equal(300 - ks_rekey_offset(300, 3, 10, false, 100), 180);
	assert_int_equal(3600 - ks_rekey_offset(3600, 3, 10, false, 100), 3210);
	/* unicast, 100 members: two 5 s loops */
	assert_int_equal(300 - ks_rekey_offset(300, 3, 10, true, 100), 170);
	assert_int_equal(3600 - ks_rekey_offset(3600, 3, 10, true, 100), 3200);
	/* without retransmissions */
	assert_int_equal(300 - ks_rekey_offset(300, 0, 10, true, 100), 200);
	assert_int_equal(3600 - ks_rekey_offset(3600, 0, 10, true, 100), 3230);
	/* 101 members: three loops; none: no loop */
	assert_int_equal(ks_rekey_offset(3600, 0, 10, true, 101), 375);
	assert_int_equal(ks_rekey_offset(3600, 0, 10, true, 0), 360);
	/* short lab lifetimes: half the lifetime at most */
	assert_int_equal(ks_rekey_offset(20, 2, 1, true, 3), 10);
}

static void test_rekey_at(void **state)
{
	struct fixture *f;

	(void)state;
	f = start("", "  ipsec-sa = ( { name = \"s\"; encryption = \"aes-gcm-128\"; lifetime = 300; } );",
		  "transport = \"multicast\"; multicast-group = \"239.1.1.1\";\n"
		  "retransmissions = 3; retransmit-period = 10;");
	assert_int_equal(ks_rekey_at_ms(f->g, 0, 300), 180000);
	assert_int_equal(ks_rekey_at_ms(f->g, 0, 3600), 3210000);
	/* the group's first TEK is replaced 180 s after it was made */
	assert_int_equal(ks_rekey_next_ms(f->g), fake_now + 180000);
	stop(f);

	/* RK-09: 3600 - 4 x 15 = 3540 s */
	f = start("", "  ipsec-sa = ( { name = \"s\"; encryption = \"aes-gcm-128\"; } );",
		  "schedule = \"juniper\";");
	assert_int_equal(ks_rekey_at_ms(f->g, 0, 3600), 3540000);
	stop(f);

	/* unicast: the member count moves the rekey earlier (KS-20) */
	f = start("", "  ipsec-sa = ( { name = \"s\"; encryption = \"aes-gcm-128\"; lifetime = 300; } );",
		  "retransmissions = 3; retransmit-period = 10;");
	assert_int_equal(ks_rekey_at_ms(f->g, 0, 300), 180000);
	for (unsigned i = 0; i < 100; i++)
		reg(f, i);
	assert_int_equal(ks_rekey_at_ms(f->g, 0, 300), 170000);
	assert_int_equal(ks_rekey_at_ms(f->g, 0, 3600), 3200000);
	stop(f);
}

/* --- TEK rekey -------------------------------------------------------------- */

static const char *sa300 =
	"  ipsec-sa = ( { name = \"s\"; encryption = \"aes-gcm-128\"; lifetime = 300; } );";

static void test_tek_rekey(void **state)
{
	struct fixture *f;
	struct gdoi_push p;
	uint32_t old;
	char *logs;
	bool found;
	unsigned i;

	(void)state;
	f = start("", sa300, "retransmissions = 2; retransmit-period = 4;");
	for (i = 0; i < 3; i++)
		reg(f, i);
	old = f->g->teks[0].tek[0].spi;
	/* 300 - 90 - 2 x 4 - 5 = 197 s: nothing before */
	fake_now += 196 * 1000;
	run(f, NULL);
	assert_int_equal(nsent, 0);
	assert_int_equal(f->g->teks[0].ntek, 1);
	fake_now += 1000;
	run(f, &logs);
	/* the new TEK and its push are one event */
	assert_int_equal(f->g->teks[0].ntek, 2);
	assert_int_equal(nsent, 3);
	assert_int_equal(ntraced, 3);
	assert_non_null(strstr(logs, "%GDOI-5-KS_SEND_UNICAST_REKEY: Sending Unicast Rekey for group g from address 192.0.2.254 with seq # 1 to 3 members"));
	free(logs);
	for (i = 0; i < 3; i++) {
		assert_int_equal(sent_to(member_addr(i), 0), 1);
		assert_int_equal(ntohs(sent[i].dst.sin_port), 848);
		assert_int_equal(ntohs(sent[i].src.sin_port), 848);
		assert_int_equal(sent[i].len, sent[0].len);
		assert_memory_equal(sent[i].msg, sent[0].msg, sent[0].len);
	}
	assert_int_equal(open_push(f->g, &f->g->kek, &sent[0], &p), 0);
	assert_int_equal(p.seq, 1);
	assert_true(p.has_sa);
	assert_true(p.ack_requested);
	/* every live TEK: the old and the new */
	assert_int_equal(p.sa.ntek, 2);
	assert_int_equal(p.sa.tek[0].spi, old);
	assert_int_equal(p.sa.tek[1].spi, f->g->teks[0].tek[1].spi);
	assert_int_equal(p.kd.n, 3);
	assert_true(p.sa.has_kek);
	assert_memory_equal(p.sa.kek.spi, f->g->kek.spi, 16);
	assert_int_equal(attr_val(&p.sa.kek.attrs,
				  GDOI_KEK_ATTR_GVPN_PUSH_INTERVAL, &found),
			 1800);
	assert_true(found);
	assert_int_equal(f->g->seq, 1);
	assert_int_equal(f->g->push.rekeys, 1);
	/* a forced rekey at the same instant carries its own new TEK (no
	 * stale snapshot) */
	assert_int_equal(ks_rekey_force(&f->ks, f->g, false, NULL), 0);
	assert_int_equal(open_push(f->g, &f->g->kek, &sent[nsent - 1], &p), 0);
	assert_int_equal(p.seq, 2);
	assert_int_equal(p.sa.ntek, 2);
	assert_int_equal(p.sa.tek[1].spi, f->g->teks[0].tek[1].spi);
	assert_int_not_equal(p.sa.tek[0].spi, old);
	stop(f);
}

/* --- ACKs, retransmission, ejection ------------------------------------------ */

static void test_ack_retransmit(void **state)
{
	struct fixture *f;
	struct in_addr stranger;
	unsigned i, mark;

	(void)state;
	f = start("", sa300, "retransmissions = 2; retransmit-period = 4;");
	for (i = 0; i < 3; i++)
		reg(f, i);
	assert_int_equal(ks_rekey_force(&f->ks, f->g, false, NULL), 0);
	assert_int_equal(nsent, 3);
	ntraced = 0;
	ack(f, &f->g->kek, 1, member_addr(0));
	ack(f, &f->g->kek, 1, member_addr(1));
	assert_int_equal(f->g->push.acks, 2);
	/* what verified goes to the pcap */
	assert_int_equal(ntraced, 2);
	/* a duplicate counts as late, changes nothing */
	ack(f, &f->g->kek, 1, member_addr(1));
	assert_int_equal(f->g->push.acks, 2);
	assert_int_equal(f->g->push.acks_late, 1);
	/* an ACK from an address that is no member: ignored */
	inet_pton(AF_INET, "198.51.100.9", &stranger);
	ack(f, &f->g->kek, 1, stranger);
	assert_int_equal(f->g->push.acks, 2);
	assert_int_equal(f->g->push.acks_refused, 1);
	/* a forged ACK (another KEK) names no group */
	{
		struct ks_kek other = f->g->kek;

		other.spi[0] ^= 1;
		ack(f, &other, 1, member_addr(2));
		assert_int_equal(f->ks.stats.acks_unknown_kek, 1);
		assert_int_equal(f->g->push.acks, 2);
	}
	/* retransmit-period later: the same bytes to member 2 only */
	mark = nsent;
	fake_now += 4000;
	run_all(f);
	assert_int_equal(nsent, mark + 1);
	assert_int_equal(sent[mark].dst.sin_addr.s_addr, member_addr(2).s_addr);
	assert_memory_equal(sent[mark].msg, sent[0].msg, sent[0].len);
	fake_now += 4000;
	run_all(f);
	assert_int_equal(nsent, mark + 2);
	assert_int_equal(f->g->push.retransmitted, 2);
	/* retransmissions = 2: no third one; the window closes */
	fake_now += 4000;
	run_all(f);
	assert_int_equal(nsent, mark + 2);
	assert_int_equal(ks_member_find(&f->ks, 0, member_addr(2))->misses, 1);
	assert_int_equal(ks_member_find(&f->ks, 0, member_addr(0))->misses, 0);
	assert_int_equal(ks_member_find(&f->ks, 0, member_addr(0))->acked_seq, 1);
	stop(f);
}

static void test_all_acked_stops(void **state)
{
	struct fixture *f;
	unsigned i;

	(void)state;
	f = start("", sa300, "retransmissions = 5; retransmit-period = 4;");
	for (i = 0; i < 2; i++)
		reg(f, i);
	assert_int_equal(ks_rekey_force(&f->ks, f->g, false, NULL), 0);
	ack(f, &f->g->kek, 1, member_addr(0));
	ack(f, &f->g->kek, 1, member_addr(1));
	fake_now += 30000;
	run_all(f);
	assert_int_equal(nsent, 2);
	assert_int_equal(f->g->push.retransmitted, 0);
	stop(f);
}

static void test_eject(void **state)
{
	struct fixture *f;
	struct ks_member *m;
	char *logs = NULL;
	unsigned i, r, mark;

	(void)state;
	f = start("", sa300, "retransmissions = 1; retransmit-period = 2;");
	for (i = 0; i < 2; i++)
		reg(f, i);
	for (r = 1; r <= 3; r++) {
		assert_int_equal(ks_rekey_force(&f->ks, f->g, false, NULL), 0);
		ack(f, &f->g->kek, r, member_addr(0));
		fake_now += 2000;	/* retransmission to member 1 */
		run_all(f);
		fake_now += 2000;	/* window closes */
		conf_dir_capture_begin();
		while (ks_rekey_run(&f->ks) <= fake_now)
			;
		free(logs);
		logs = conf_dir_capture_end();
	}
	m = ks_member_find(&f->ks, 0, member_addr(1));
	assert_int_equal(m->state, KS_MEMBER_EJECTED);
	assert_int_equal(m->misses, 3);
	assert_non_null(strstr(logs, "%GDOI-4-KS_NACK_GM_EJECT"));
	assert_non_null(strstr(logs, "10.0.0.2"));
	free(logs);
	assert_int_equal(f->g->push.ejected, 1);
	assert_int_equal(ks_member_find(&f->ks, 0, member_addr(0))->state,
			 KS_MEMBER_ACTIVE);
	/* no further rekeys to it */
	mark = nsent;
	assert_int_equal(ks_rekey_force(&f->ks, f->g, false, NULL), 0);
	assert_int_equal(nsent, mark + 1);
	assert_int_equal(sent_to(member_addr(1), mark), 0);
	/* registering again makes it active */
	reg(f, 1);
	m = ks_member_find(&f->ks, 0, member_addr(1));
	assert_int_equal(m->state, KS_MEMBER_ACTIVE);
	assert_int_equal(m->misses, 0);
	mark = nsent;
	assert_int_equal(ks_rekey_force(&f->ks, f->g, false, NULL), 0);
	assert_int_equal(sent_to(member_addr(1), mark), 1);
	stop(f);
}

/* RK-10: no retransmission when another rekey comes within 120 s */
static void test_retransmit_stops_before_rekey(void **state)
{
	struct fixture *f;
	char *logs;

	(void)state;
	/* with one member, a TEK is replaced 300 - 90 - 20 - 5 = 185 s
	 * after it is made */
	f = start("", sa300, "retransmissions = 2; retransmit-period = 10;");
	reg(f, 0);
	assert_int_equal(ks_rekey_force(&f->ks, f->g, false, NULL), 0);
	assert_int_equal(nsent, 1);
	/* the next rekey is 175 s away: retransmitted */
	fake_now += 10000;
	run_all(f);
	assert_int_equal(f->g->push.retransmitted, 1);
	stop(f);

	/* a resync at 80 s; at its retransmission (90 s) the rekey is 95 s
	 * away: none */
	f = start("", sa300,
		  "retransmissions = 2; retransmit-period = 10; pseudotime-resync = 80;");
	reg(f, 0);
	fake_now += 80 * 1000;
	run_all(f);
	assert_int_equal(nsent, 1);
	assert_int_equal(f->g->teks[0].ntek, 1);
	fake_now += 10000;
	run(f, &logs);
	assert_non_null(strstr(logs, "not retransmitting seq # 1"));
	free(logs);
	run_all(f);
	assert_int_equal(f->g->push.retransmitted, 0);
	assert_int_equal(nsent, 1);
	stop(f);
}

/* --- KEK rekey and SEQ ------------------------------------------------------ */

static void test_kek_rekey_seq(void **state)
{
	struct fixture *f;
	struct gdoi_push p;
	struct ks_kek old;
	unsigned mark;

	(void)state;
	f = start("", sa300, "retransmissions = 0;");
	reg(f, 0);
	assert_int_equal(ks_rekey_force(&f->ks, f->g, false, NULL), 0);
	assert_int_equal(ks_rekey_force(&f->ks, f->g, false, NULL), 0);
	assert_int_equal(f->g->seq, 2);
	assert_int_equal(open_push(f->g, &f->g->kek, &sent[1], &p), 0);
	assert_int_equal(p.seq, 2);
	old = f->g->kek;
	mark = nsent;
	assert_int_equal(ks_rekey_force(&f->ks, f->g, true, NULL), 0);
	assert_int_equal(nsent, mark + 1);
	assert_int_equal(f->g->push.kek_rekeys, 1);
	/* under the old KEK, with its next SEQ, carrying the new KEK */
	assert_int_not_equal(memcmp(old.spi, f->g->kek.spi, 16), 0);
	assert_int_equal(open_push(f->g, &f->g->kek, &sent[mark], &p),
			 -ENOENT);
	assert_int_equal(open_push(f->g, &old, &sent[mark], &p), 0);
	assert_int_equal(p.seq, 3);
	assert_memory_equal(p.sa.kek.spi, f->g->kek.spi, 16);
	/* the ACK of the KEK rekey under the old KEK is taken */
	ack(f, &old, 3, member_addr(0));
	assert_int_equal(f->g->push.acks, 1);
	run_all(f);
	/* then: the new KEK, SEQ from 1 (RK-12) */
	mark = nsent;
	assert_int_equal(ks_rekey_force(&f->ks, f->g, false, NULL), 0);
	assert_int_equal(open_push(f->g, &f->g->kek, &sent[mark], &p), 0);
	assert_int_equal(p.seq, 1);
	/* the old KEK is forgotten once the KEK rekey's window closed */
	assert_false(f->g->has_prev_kek);
	stop(f);
}

/* two KEK rekeys while the first one's ACK window is open: the second
 * goes under the first one's new KEK, which members have */
static void test_kek_rekey_twice(void **state)
{
	struct fixture *f;
	struct gdoi_push p;
	struct ks_kek k1;

	(void)state;
	f = start("", sa300, "retransmissions = 2;");
	reg(f, 0);
	assert_int_equal(ks_rekey_force(&f->ks, f->g, true, NULL), 0);
	assert_int_equal(nsent, 1);
	k1 = f->g->kek;
	assert_int_equal(ks_rekey_force(&f->ks, f->g, true, NULL), 0);
	assert_int_equal(nsent, 2);
	assert_true(f->g->has_prev_kek);
	assert_memory_equal(f->g->prev_kek.spi, k1.spi, 16);
	assert_int_equal(open_push(f->g, &k1, &sent[1], &p), 0);
	/* the first KEK's epoch had no push: SEQ 1 */
	assert_int_equal(p.seq, 1);
	assert_memory_equal(p.sa.kek.spi, f->g->kek.spi, 16);
	stop(f);
}

/* --- batches of 50 (KS-20) ----------------------------------------------------- */

static void test_batches(void **state)
{
	struct fixture *f;
	unsigned i;

	(void)state;
	f = start("", sa300, "retransmissions = 0;");
	for (i = 0; i < 120; i++)
		reg(f, i);
	assert_int_equal(ks_rekey_force(&f->ks, f->g, false, NULL), 0);
	assert_int_equal(nsent, 50);
	/* the next batch: 5 ms later */
	assert_int_equal(ks_rekey_run(&f->ks), fake_now + 5);
	assert_int_equal(nsent, 50);
	fake_now += 5;
	assert_int_equal(ks_rekey_run(&f->ks), fake_now + 5);
	assert_int_equal(nsent, 100);
	fake_now += 5;
	ks_rekey_run(&f->ks);
	assert_int_equal(nsent, 120);
	for (i = 0; i < 120; i++)
		assert_int_equal(sent_to(member_addr(i), 0), 1);
	stop(f);
}

/* --- multicast ------------------------------------------------------------------- */

static void test_multicast(void **state)
{
	struct fixture *f;
	struct gdoi_push p;
	char *logs;
	unsigned i;

	(void)state;
	f = start("", sa300,
		  "transport = \"multicast\"; multicast-group = \"239.1.2.3\";\n"
		  "multicast-source = \"192.0.2.1\"; multicast-ttl = 5;\n"
		  "retransmissions = 2; retransmit-period = 3;");
	for (i = 0; i < 3; i++)
		reg(f, i);
	conf_dir_capture_begin();
	assert_int_equal(ks_rekey_force(&f->ks, f->g, false, NULL), 0);
	logs = conf_dir_capture_end();
	assert_non_null(strstr(logs, "%GDOI-5-KS_SEND_MCAST_REKEY: Sending Multicast Rekey for group g from address 192.0.2.1 to 239.1.2.3 with seq # 1"));
	free(logs);
	assert_int_equal(nsent, 1);
	assert_true(sent[0].mcast);
	assert_int_equal(sent[0].ttl, 5);
	assert_string_equal(inet_ntoa(sent[0].dst.sin_addr), "239.1.2.3");
	assert_int_equal(ntohs(sent[0].dst.sin_port), 848);
	assert_string_equal(inet_ntoa(sent[0].src.sin_addr), "192.0.2.1");
	assert_int_equal(open_push(f->g, &f->g->kek, &sent[0], &p), 0);
	assert_false(p.ack_requested);
	for (i = 1; i <= 3; i++) {
		fake_now += 3000;
		run_all(f);
	}
	/* one copy and two retransmissions, then nothing; nobody ejected */
	assert_int_equal(nsent, 3);
	assert_memory_equal(sent[2].msg, sent[0].msg, sent[0].len);
	for (i = 0; i < 3; i++) {
		assert_int_equal(ks_rekey_force(&f->ks, f->g, false, NULL), 0);
		fake_now += 10000;
		run_all(f);
	}
	assert_int_equal(f->g->push.ejected, 0);
	assert_int_equal(ks_member_find(&f->ks, 0, member_addr(1))->state,
			 KS_MEMBER_ACTIVE);
	stop(f);
}

/* --- heartbeat and pseudotime resync ------------------------------------------------ */

static void test_heartbeat(void **state)
{
	struct fixture *f;
	struct gdoi_push p;
	bool found;

	(void)state;
	f = start("lab-timers = true;", sa300,
		  "heartbeat = 2; retransmissions = 0;");
	reg(f, 0);
	fake_now += 2000;
	run_all(f);
	assert_int_equal(nsent, 1);
	assert_int_equal(open_push(f->g, &f->g->kek, &sent[0], &p), 0);
	assert_int_equal(p.seq, 1);
	assert_false(p.has_sa);		/* SEQ only */
	assert_false(p.ack_requested);
	assert_int_equal(f->g->push.heartbeats, 1);
	fake_now += 2000;
	run_all(f);
	assert_int_equal(nsent, 2);
	assert_int_equal(open_push(f->g, &f->g->kek, &sent[1], &p), 0);
	assert_int_equal(p.seq, 2);
	/* the push interval members watch is the heartbeat */
	assert_int_equal(ks_rekey_force(&f->ks, f->g, false, NULL), 0);
	assert_int_equal(open_push(f->g, &f->g->kek, &sent[2], &p), 0);
	assert_int_equal(p.seq, 3);
	assert_int_equal(attr_val(&p.sa.kek.attrs,
				  GDOI_KEK_ATTR_GVPN_PUSH_INTERVAL, &found), 2);
	stop(f);
}

/*
 * compat = "rfc3547": pushes in RFC 3547 4's form (SEQ, SA, KD, SIG; the
 * SA in RFC 3547's layouts, no GAP), no ACK asked, so retransmissions go
 * to every member and nobody is ejected; no heartbeats (a SEQ-only push),
 * and the push interval members watch is the pseudotime resync.
 */
static void test_rfc3547(void **state)
{
	struct fixture *f;
	struct gdoi_push p;
	bool found;
	unsigned i, r, mark;

	(void)state;
	f = start("lab-timers = true;",
		  "  compat = \"rfc3547\";\n"
		  "  ipsec-sa = ( { name = \"s\"; encryption = \"aes-gcm-128\";"
		  " lifetime = 300; } );",
		  "heartbeat = 2; retransmissions = 1; retransmit-period = 2;"
		  " pseudotime-resync = 60;");
	for (i = 0; i < 2; i++)
		reg(f, i);
	/* no heartbeat, however long */
	fake_now += 10000;
	run_all(f);
	assert_int_equal(nsent, 0);
	assert_int_equal(f->g->push.heartbeats, 0);

	for (r = 1; r <= 3; r++) {
		mark = nsent;
		assert_int_equal(ks_rekey_force(&f->ks, f->g, false, NULL), 0);
		assert_int_equal(nsent, mark + 2);
		assert_int_equal(open_push(f->g, &f->g->kek, &sent[mark], &p),
				 0);
		assert_int_equal(p.seq, r);
		assert_true(p.rfc3547);
		assert_true(p.has_sa);
		assert_false(p.sa.has_gap);
		assert_int_equal(p.ndel, 0);
		assert_int_equal(p.sa.kek.trailer_len, 6);
		assert_true(p.sa.tek[0].id_len8);
		assert_false(p.ack_requested);
		assert_int_equal(attr_val(&p.sa.kek.attrs,
					  GDOI_KEK_ATTR_GVPN_PUSH_INTERVAL,
					  &found), 60);
		/* no ACK comes: the retransmission goes to both */
		fake_now += 2000;
		run_all(f);
		assert_int_equal(nsent, mark + 4);
		assert_int_equal(sent_to(member_addr(0), mark), 2);
		assert_int_equal(sent_to(member_addr(1), mark), 2);
		assert_memory_equal(sent[mark + 3].msg, sent[mark].msg,
				    sent[mark].len);
		fake_now += 2000;	/* the window closes */
		run_all(f);
		assert_int_equal(nsent, mark + 4);
	}
	/* three rekeys without ACKs: nobody missed one, nobody ejected */
	for (i = 0; i < 2; i++) {
		struct ks_member *m = ks_member_find(&f->ks, 0,
						     member_addr(i));

		assert_int_equal(m->state, KS_MEMBER_ACTIVE);
		assert_int_equal(m->misses, 0);
		assert_false(m->pending);
	}
	assert_int_equal(f->g->push.ejected, 0);
	assert_int_equal(f->g->push.retransmitted, 6);
	stop(f);
}

static void test_resync(void **state)
{
	struct fixture *f;
	struct gdoi_push p;
	char *logs;

	(void)state;
	/* TEK rekey at 300 - 90 - 0 - 5 = 205 s; resync every 60 s */
	f = start("", sa300, "retransmissions = 0; pseudotime-resync = 60;");
	reg(f, 0);
	fake_now += 60 * 1000;
	run(f, &logs);
	assert_non_null(strstr(logs, "pseudotime resync"));
	free(logs);
	assert_int_equal(nsent, 1);
	assert_int_equal(open_push(f->g, &f->g->kek, &sent[0], &p), 0);
	assert_true(p.has_sa);
	assert_int_equal(p.sa.ntek, 1);	/* no new key yet */
	fake_now += 60 * 1000;
	run_all(f);
	assert_int_equal(nsent, 2);
	/* at 180 s the rekey (205 s) is within 60 s: one push (RK-13) */
	fake_now += 60 * 1000;
	run(f, &logs);
	assert_non_null(strstr(logs, "TEK rekey with pseudotime resync"));
	free(logs);
	assert_int_equal(nsent, 3);
	assert_int_equal(f->g->teks[0].ntek, 2);
	assert_int_equal(open_push(f->g, &f->g->kek, &sent[2], &p), 0);
	assert_int_equal(p.sa.ntek, 2);
	/* and the rekey is not sent again at 205 s */
	fake_now += 25 * 1000;
	run_all(f);
	assert_int_equal(nsent, 3);
	stop(f);
}

/* lab timers: a short resync period does not turn every resync into a
 * rekey of a short-lived TEK */
static void test_resync_lab(void **state)
{
	struct fixture *f;

	(void)state;
	/* TEK rekey at 30 - min(90 + 5, 15) = 15 s; resync every 5 s */
	f = start("lab-timers = true;",
		  "  activation-time-delay = 1;\n"
		  "  ipsec-sa = ( { name = \"s\"; encryption = \"aes-gcm-128\"; lifetime = 30; } );",
		  "retransmissions = 0; pseudotime-resync = 5;");
	reg(f, 0);
	fake_now += 5000;
	run_all(f);
	fake_now += 5000;
	run_all(f);
	assert_int_equal(nsent, 2);
	assert_int_equal(f->g->teks[0].ntek, 1);
	fake_now += 5000;
	run_all(f);
	assert_int_equal(nsent, 3);
	assert_int_equal(f->g->teks[0].ntek, 2);
	stop(f);
}

/* --- clear members ---------------------------------------------------------------- */

static void test_clear_members(void **state)
{
	struct fixture *f;
	unsigned i;

	(void)state;
	f = start("", sa300, "retransmissions = 2;");
	for (i = 0; i < 3; i++)
		reg(f, i);
	assert_int_equal(ks_rekey_force(&f->ks, f->g, false, NULL), 0);
	assert_int_equal(ks_rekey_clear_members(&f->ks, f->g), 3);
	assert_int_equal(f->g->nmembers, 0);
	assert_null(ks_member_find(&f->ks, 0, member_addr(0)));
	fake_now += 4000;
	run_all(f);
	assert_int_equal(nsent, 3);	/* no retransmission to anyone */
	stop(f);
}

/* "ks remove-member group 1 ADDRESS" through the control socket's request
 * handling (may write): the status, the reply in *out */
static int remove_member(struct fixture *f, bool json, const char *addr,
			 char **out)
{
	char *argv[] = { "ks", "remove-member", "group", "1", (char *)addr };
	char buf[CTL_MAX_REQ], err[64];
	static struct ctl_req req;
	size_t len;
	ssize_t n;
	int rc;

	ctl_close();
	assert_int_equal(ks_ctl_register(&f->ks), 0);
	n = ctl_encode(buf, sizeof(buf), json, 5, argv);
	assert_true(n > 0);
	assert_int_equal(ctl_decode(buf, (size_t)n, &req, err, sizeof(err)), 1);
	conf_dir_capture_begin();
	rc = ctl_answer(&req, true, out, &len);
	free(conf_dir_capture_end());
	ctl_close();
	return rc;
}

/* one member removed while a unicast rekey waits for ACKs: no
 * retransmission to it, the window does not wait for it, the next (KEK)
 * rekey goes to the others only; unknown or bad addresses change nothing */
static void test_remove_member(void **state)
{
	struct fixture *f;
	unsigned i, mark;
	char *out;

	(void)state;
	f = start("", sa300, "retransmissions = 2; retransmit-period = 4;");
	for (i = 0; i < 3; i++)
		reg(f, i);
	assert_int_equal(ks_rekey_force(&f->ks, f->g, false, NULL), 0);
	assert_int_equal(nsent, 3);
	ack(f, &f->g->kek, 1, member_addr(0));
	assert_int_equal(remove_member(f, false, "10.0.0.2", &out), 0);
	assert_non_null(strstr(out, "member 10.0.0.2 removed from group 1"));
	assert_non_null(strstr(out, "\"gvpn ks rekey group 1 kek\""));
	free(out);
	assert_int_equal(f->g->nmembers, 2);
	assert_int_equal(f->ks.nmembers, 2);
	assert_null(ks_member_find(&f->ks, 0, member_addr(1)));
	/* retransmit-period later: only member 2 is still silent */
	mark = nsent;
	fake_now += 4000;
	run_all(f);
	assert_int_equal(nsent, mark + 1);
	assert_int_equal(sent[mark].dst.sin_addr.s_addr, member_addr(2).s_addr);
	/* once member 2 ACKs, nobody owes one: no more retransmissions */
	ack(f, &f->g->kek, 1, member_addr(2));
	mark = nsent;
	fake_now += 4000;
	run_all(f);
	assert_int_equal(nsent, mark);
	/* the operator's KEK rekey: not to the removed member */
	mark = nsent;
	assert_int_equal(ks_rekey_force(&f->ks, f->g, true, NULL), 0);
	run_all(f);
	assert_int_equal(nsent, mark + 2);
	assert_int_equal(sent_to(member_addr(1), mark), 0);
	assert_int_equal(sent_to(member_addr(0), mark), 1);
	assert_int_equal(sent_to(member_addr(2), mark), 1);
	/* again: not a member any more, nothing changes (exit 1) */
	assert_int_equal(remove_member(f, false, "10.0.0.2", &out), 1);
	assert_non_null(strstr(out, "10.0.0.2 is not a registered member of group 1: nothing removed"));
	free(out);
	assert_int_equal(remove_member(f, false, "10.9.9.9", &out), 1);
	free(out);
	assert_int_equal(f->g->nmembers, 2);
	/* not an address: a usage error */
	assert_int_equal(remove_member(f, false, "10.0.0", &out), 2);
	free(out);
	assert_int_equal(f->g->nmembers, 2);
	/* JSON: the facts and the hint */
	assert_int_equal(remove_member(f, true, "10.0.0.3", &out), 0);
	assert_non_null(strstr(out, "{\"schema_version\":1,\"member\":\"10.0.0.3\",\"group\":1,\"name\":"));
	assert_non_null(strstr(out, "\"hint\":\"it gets no further unicast rekeys"));
	free(out);
	assert_int_equal(f->g->nmembers, 1);
	stop(f);
}

/* "ks show"'s text or JSON */
static char *ks_show(struct fixture *f, bool json)
{
	static char buf[16384];
	FILE *m = fmemopen(buf, sizeof(buf), "w");

	assert_non_null(m);
	json_begin(m, json);
	assert_int_equal(ks_print_show(&f->ks, 1), 0);
	assert_int_equal(json_end(), 0);
	fclose(m);
	return buf;
}

/* removing the last member that owed an ACK closes the push's window as
 * its ACK would: heartbeats, held while a window is open, start again */
static void test_remove_last_pending(void **state)
{
	struct fixture *f;
	char *out;

	(void)state;
	f = start("lab-timers = true;", sa300,
		  "heartbeat = 2; retransmissions = 3; retransmit-period = 4;");
	reg(f, 0);
	reg(f, 1);
	assert_int_equal(ks_rekey_force(&f->ks, f->g, false, NULL), 0);
	ack(f, &f->g->kek, 1, member_addr(0));
	assert_int_equal(remove_member(f, false, "10.0.0.2", &out), 0);
	free(out);
	fake_now += 2500;
	run_all(f);
	assert_int_equal(f->g->push.heartbeats, 1);
	stop(f);
}

/* "ks show" reports the last rekey push: SEQ, kind, ACKs still owed */
static void test_show_last_rekey(void **state)
{
	struct fixture *f;
	unsigned i;

	(void)state;
	f = start("", sa300, "retransmissions = 1; retransmit-period = 4;");
	for (i = 0; i < 3; i++)
		reg(f, i);
	assert_non_null(strstr(ks_show(f, false),
			       " last-rekey never last-rekey-seq none last-rekey-kind none acks-outstanding 0 "));
	assert_non_null(strstr(ks_show(f, true),
			       "\"last_rekey_seq\":null,\"last_rekey_kind\":null,\"acks_outstanding\":0,"));
	assert_int_equal(ks_rekey_force(&f->ks, f->g, false, NULL), 0);
	ack(f, &f->g->kek, 1, member_addr(0));
	assert_non_null(strstr(ks_show(f, false),
			       " last-rekey-seq 1 last-rekey-kind tek acks-outstanding 2 "));
	assert_non_null(strstr(ks_show(f, true),
			       "\"last_rekey_seq\":1,\"last_rekey_kind\":\"tek\",\"acks_outstanding\":2,"));
	/* the window closes: nobody owes an ACK any more */
	for (i = 0; i < 3; i++) {
		fake_now += 4000;
		run_all(f);
	}
	assert_non_null(strstr(ks_show(f, false),
			       " last-rekey-seq 1 last-rekey-kind tek acks-outstanding 0 "));
	/* a KEK rekey: the old KEK's next SEQ */
	assert_int_equal(ks_rekey_force(&f->ks, f->g, true, NULL), 0);
	assert_non_null(strstr(ks_show(f, false),
			       " last-rekey-seq 2 last-rekey-kind kek acks-outstanding 3 "));
	stop(f);
}

/* the push state keeps a member record at 64 bytes plus its identity (the
 * budget is 2 KiB per member; scripts/bench-ks -P measures the whole) */
static void test_member_size(void **state)
{
	(void)state;
	assert_true(sizeof(struct ks_member) <= 64);
}

/* --- reload (ks_reload.c) ------------------------------------------------------------ */

/* reloads f with the group of conf_text(top, group, rekey), as main.c
 * does; returns ks_reload's result */
static int reload(struct fixture *f, const char *top, const char *group,
		  const char *rekey, char **logs)
{
	struct gvpnd_conf nc;
	struct ks_conf old;
	char *text = conf_text(top, group, rekey), *errs, why[256] = "";
	int rc;

	if (load(text, &nc, &errs))
		fail_msg("%s", errs);
	free(errs);
	free(text);
	conf_dir_capture_begin();
	rc = ks_reload(&f->ks, &nc.ks, why, sizeof(why));
	*logs = conf_dir_capture_end();
	if (rc) {
		char *l = *logs;

		*logs = malloc(strlen(l) + strlen(why) + 2);
		sprintf(*logs, "%s\n%s", l, why);
		free(l);
		conf_free(&nc);
		return rc;
	}
	old = f->conf.ks;
	f->conf.ks = nc.ks;
	memset(&nc.ks, 0, sizeof(nc.ks));
	ks_conf_free(&old);
	conf_free(&nc);
	return 0;
}

static void test_reload_policy(void **state)
{
	struct fixture *f;
	struct gdoi_push p;
	uint32_t old;
	char *logs;
	unsigned i;

	(void)state;
	f = start("", sa300, "retransmissions = 0;");
	for (i = 0; i < 2; i++)
		reg(f, i);
	old = f->g->teks[0].tek[0].spi;
	/* a lifetime alone: no rekey (features.md 3.1) */
	assert_int_equal(reload(f, "", "  ipsec-sa = ( { name = \"s\"; encryption = \"aes-gcm-128\"; lifetime = 600; } );",
				"retransmissions = 0;", &logs), 0);
	assert_non_null(strstr(logs, "no rekey needed"));
	free(logs);
	assert_int_equal(nsent, 0);
	assert_int_equal(f->g->teks[0].tek[0].spi, old);
	/* the key made before keeps its own lifetime for its rekey time:
	 * 300 - 90 - 5 s (two unicast members) */
	assert_int_equal(ks_rekey_next_ms(f->g), 1000000 + 205 * 1000);
	/* the transform: a TEK rekey now, the old TEK no longer listed */
	assert_int_equal(reload(f, "", "  ipsec-sa = ( { name = \"s\"; encryption = \"aes-gcm-256\"; lifetime = 600; } );",
				"retransmissions = 0;", &logs), 0);
	assert_non_null(strstr(logs, "KS_SEND_UNICAST_REKEY"));
	free(logs);
	assert_int_equal(nsent, 2);
	assert_int_equal(open_push(f->g, &f->g->kek, &sent[0], &p), 0);
	assert_int_equal(p.seq, 1);
	assert_int_equal(p.sa.ntek, 1);
	assert_int_not_equal(p.sa.tek[0].spi, old);
	assert_int_equal(p.sa.tek[0].transform, f->g->c->sa[0].t.enc->transform);
	stop(f);
}

static void test_reload_transport(void **state)
{
	struct fixture *f;
	struct gdoi_push p;
	char *logs;

	(void)state;
	f = start("", sa300, "retransmissions = 0;");
	reg(f, 0);
	assert_int_equal(reload(f, "", sa300,
				"transport = \"multicast\"; multicast-group = \"239.2.2.2\"; retransmissions = 0;",
				&logs), 0);
	assert_non_null(strstr(logs, "%GDOI-5-KS_REKEY_TRANS_2_MULTI: Group g transitioned to multicast rekey."));
	free(logs);
	/* announced unicast, to members that have not joined yet */
	assert_int_equal(nsent, 1);
	assert_false(sent[0].mcast);
	assert_int_equal(open_push(f->g, &f->g->kek, &sent[0], &p), 0);
	assert_int_equal(p.sa.kek.dst.type, ISAKMP_ID_IPV4_ADDR);
	assert_memory_equal(p.sa.kek.dst.data, "\xef\x02\x02\x02", 4);
	/* then multicast */
	fake_now += 10000;
	run_all(f);
	assert_int_equal(ks_rekey_force(&f->ks, f->g, false, NULL), 0);
	assert_int_equal(nsent, 2);
	assert_true(sent[1].mcast);
	stop(f);
}

static void test_reload_signing_key(void **state)
{
	struct fixture *f;
	struct gdoi_push p;
	struct ks_kek old;
	char *logs;

	(void)state;
	f = start("", sa300, "retransmissions = 0;");
	reg(f, 0);
	old = f->g->kek;
	/* another signing key: a KEK rekey under the old KEK and key */
	{
		/* conf_text's kek line names key_path: build the file here */
		char *text = malloc(8192);
		struct gvpnd_conf nc;
		struct ks_conf oc;
		char why[256], *errs;

		snprintf(text, 8192,
			 "server = { groups = ( {\n"
			 "  name = \"g\"; id = 1;\n"
			 "  policies = ( { action = \"permit\"; } );\n"
			 "  kek = { signing-key = \"%s\"; };\n"
			 "%s\n"
			 "  rekey = { retransmissions = 0; };\n"
			 "} ); };\n", key2_path, sa300);
		if (load(text, &nc, &errs))
			fail_msg("%s", errs);
		free(errs);
		free(text);
		conf_dir_capture_begin();
		assert_int_equal(ks_reload(&f->ks, &nc.ks, why, sizeof(why)), 0);
		logs = conf_dir_capture_end();
		oc = f->conf.ks;
		f->conf.ks = nc.ks;
		memset(&nc.ks, 0, sizeof(nc.ks));
		ks_conf_free(&oc);
		conf_free(&nc);
	}
	assert_non_null(strstr(logs, "KEK rekey"));
	free(logs);
	assert_int_equal(nsent, 1);
	assert_int_equal(f->g->push.kek_rekeys, 1);
	/* opened and verified with what the member has: the old KEK and
	 * the old public key (the old KEK keeps its reference) */
	assert_true(f->g->has_prev_kek);
	assert_ptr_equal(f->g->prev_kek.pkey, old.pkey);
	assert_int_equal(open_push(f->g, &f->g->prev_kek, &sent[0], &p), 0);
	assert_memory_equal(p.sa.kek.spi, f->g->kek.spi, 16);
	/* the new KEK signs with the new key */
	assert_ptr_equal(f->g->kek.pkey, f->conf.ks.groups[0].kek.pkey);
	assert_ptr_not_equal(f->g->kek.pkey, old.pkey);
	stop(f);
}

/* calloc() that fails on demand (glibc: the executable's calloc comes
 * first): the nth call from when calloc_fail_in is set fails, 0 the next;
 * only calls for elements of calloc_fail_size count, if set */
extern void *__libc_calloc(size_t n, size_t size);
static int calloc_fail_in = -1;
static size_t calloc_fail_size;

void *calloc(size_t n, size_t size)
{
	if (calloc_fail_in >= 0 &&
	    (!calloc_fail_size || size == calloc_fail_size) &&
	    calloc_fail_in-- == 0)
		return NULL;
	return __libc_calloc(n, size);
}

/* ks_reload_prepare() only allocates: nothing observable changes until
 * ks_reload_commit(), so main.c can still back out (the member's prepare
 * failing) with both roles unchanged */
static void test_reload_prepare(void **state)
{
	struct ks_reload_prep kp;
	struct fixture *f;
	struct gvpnd_conf nc;
	const struct ks_group_conf *c;
	const struct ks_sa_rt *teks;
	char why[256] = "", *errs, *text, *logs;
	uint32_t spi;

	(void)state;
	f = start("", sa300, "retransmissions = 0;");
	reg(f, 0);
	reg(f, 1);
	c = f->g->c;
	teks = f->g->teks;
	spi = f->g->teks[0].tek[0].spi;
	text = conf_text("", "  ipsec-sa = ( { name = \"s\"; encryption = \"aes-gcm-256\"; } );",
			 "retransmissions = 0;");
	if (load(text, &nc, &errs))
		fail_msg("%s", errs);
	free(errs);
	free(text);
	/* out of memory at either allocation: refused, nothing changed */
	for (int n = 0; n < 2; n++) {
		calloc_fail_in = n;
		assert_int_equal(ks_reload_prepare(&f->ks, &nc.ks, &kp, why,
						   sizeof(why)), -ENOMEM);
		calloc_fail_in = -1;
		assert_non_null(strstr(why, "out of memory"));
		assert_null(kp.teks);
		assert_ptr_equal(f->g->c, c);
		assert_ptr_equal(f->g->teks, teks);
		assert_int_equal(nsent, 0);
	}
	assert_int_equal(ks_reload_prepare(&f->ks, &nc.ks, &kp, why, sizeof(why)), 0);
	assert_non_null(kp.teks);
	assert_non_null(kp.teks[0]);		/* the transform changed */
	assert_ptr_equal(f->g->c, c);
	assert_ptr_equal(f->g->teks, teks);
	assert_int_equal(f->g->teks[0].tek[0].spi, spi);
	assert_int_equal(nsent, 0);
	ks_reload_abort(&f->ks, &kp);
	assert_null(kp.teks);
	conf_free(&nc);
	assert_ptr_equal(f->g->c, c);
	assert_int_equal(f->g->teks[0].tek[0].spi, spi);
	assert_int_equal(nsent, 0);
	/* prepare then commit: the rekey */
	assert_int_equal(reload(f, "", "  ipsec-sa = ( { name = \"s\"; encryption = \"aes-gcm-256\"; } );",
				"retransmissions = 0;", &logs), 0);
	free(logs);
	assert_int_equal(nsent, 2);
	assert_int_not_equal(f->g->teks[0].tek[0].spi, spi);
	stop(f);
}

/* Two groups with new TEK lists, memory running out for each list in
 * turn: refused with neither group changed (main.c frees the new section
 * then: a group switched to it would dangle), then both switched */
static void test_reload_nomem(void **state)
{
	struct fixture *f;
	struct gvpnd_conf nc;
	const struct ks_group_conf *c[2];
	const struct ks_sa_rt *teks[2];
	char group[2048], why[256], *errs, *text;
	unsigned i;
	int n, rc;

	(void)state;
	/* conf_text's one group, then a second one: h, id 2 */
	snprintf(group, sizeof(group),
		 "%s\n  rekey = { retransmissions = 0; };\n} , {\n"
		 "  name = \"h\"; id = 2;\n"
		 "  policies = ( { action = \"permit\"; } );\n"
		 "  kek = { signing-key = \"%s\"; };\n%s", sa300, key_path, sa300);
	f = start("", group, "retransmissions = 0;");
	assert_int_equal(f->ks.ngroups, 2);
	reg(f, 0);
	for (i = 0; i < 2; i++) {
		c[i] = f->ks.groups[i].c;
		teks[i] = f->ks.groups[i].teks;
	}
	nsent = 0;
	snprintf(group, sizeof(group),
		 "  ipsec-sa = ( { name = \"s\"; encryption = \"aes-gcm-256\"; } );\n"
		 "  rekey = { retransmissions = 0; };\n} , {\n"
		 "  name = \"h\"; id = 2;\n"
		 "  policies = ( { action = \"permit\"; } );\n"
		 "  kek = { signing-key = \"%s\"; };\n"
		 "  ipsec-sa = ( { name = \"s\"; encryption = \"aes-gcm-256\"; } );",
		 key_path);
	text = conf_text("", group, "retransmissions = 0;");
	if (load(text, &nc, &errs))
		fail_msg("%s", errs);
	free(errs);
	free(text);
	for (n = 0;; n++) {
		assert_true(n < 10);
		bool injected;

		conf_dir_capture_begin();
		calloc_fail_in = n;
		calloc_fail_size = sizeof(struct ks_sa_rt);
		rc = ks_reload(&f->ks, &nc.ks, why, sizeof(why));
		injected = calloc_fail_in < 0;
		calloc_fail_in = -1;
		calloc_fail_size = 0;
		free(conf_dir_capture_end());
		if (!rc) {
			assert_false(injected);
			break;
		}
		assert_int_equal(rc, -ENOMEM);
		for (i = 0; i < 2; i++) {
			assert_ptr_equal(f->ks.groups[i].c, c[i]);
			assert_ptr_equal(f->ks.groups[i].teks, teks[i]);
		}
		assert_int_equal(nsent, 0);
	}
	assert_int_equal(n, 2);	/* each group's new TEK lists refused */
	for (i = 0; i < 2; i++)
		assert_ptr_equal(f->ks.groups[i].c, &nc.ks.groups[i]);
	/* the fixture's conf becomes nc, as main.c's */
	conf_free(&f->conf);
	f->conf = nc;
	f->g = &f->ks.groups[0];
	stop(f);
}

static void test_reload_refused(void **state)
{
	struct fixture *f;
	struct gvpnd_conf nc;
	char why[256], *errs;
	const char *text =
		"server = { groups = ( {\n"
		"  name = \"g\"; id = 2;\n"
		"  policies = ( { action = \"permit\"; } );\n"
		"  ipsec-sa = ( { name = \"s\"; encryption = \"aes-gcm-128\"; } );\n"
		"} ); };\n";
	uint32_t spi;

	(void)state;
	f = start("", sa300, "");
	reg(f, 0);
	spi = f->g->teks[0].tek[0].spi;
	if (load(text, &nc, &errs))
		fail_msg("%s", errs);
	free(errs);
	assert_int_equal(ks_reload(&f->ks, &nc.ks, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "needs a restart"));
	conf_free(&nc);
	assert_int_equal(f->g->c->id, 1);
	assert_int_equal(f->g->teks[0].tek[0].spi, spi);
	assert_int_equal(nsent, 0);
	stop(f);

	/* members hold SIDs of the old length: sender-id-bits needs a
	 * restart, and nothing changes */
	{
		char *logs;

		f = start("", sa300, "");
		reg(f, 0);
		spi = f->g->teks[0].tek[0].spi;
		assert_int_equal(reload(f, "", "  sender-id-bits = 4;\n" "  ipsec-sa = ( { name = \"s\"; encryption = \"aes-gcm-128\"; lifetime = 300; } );",
					"", &logs), -EINVAL);
		assert_non_null(strstr(logs, "changing sender-id-bits needs a restart"));
		free(logs);
		assert_int_equal(f->g->c->sid_bits, 8);
		assert_int_equal(f->g->teks[0].tek[0].spi, spi);
		assert_int_equal(nsent, 0);
		stop(f);
	}

	/* compat and members decide the layouts and the push form members
	 * registered for: a restart, and nothing changes */
	{
		static const char *const changes[][2] = {
			{ "  compat = \"rfc3547\";\n", "changing compat needs a restart" },
			{ "  members = \"mixed\"; tbar-window = 0;\n",
			  "changing members needs a restart" },
		};
		char group[512], *logs;
		unsigned i;

		for (i = 0; i < 2; i++) {
			f = start("", sa300, "");
			reg(f, 0);
			spi = f->g->teks[0].tek[0].spi;
			snprintf(group, sizeof(group), "%s%s", changes[i][0], sa300);
			assert_int_equal(reload(f, "", group, "", &logs), -EINVAL);
			assert_non_null(strstr(logs, changes[i][1]));
			free(logs);
			assert_int_equal(f->g->c->compat, KS_COMPAT_RFC6407);
			assert_false(f->g->c->mixed);
			assert_int_equal(f->g->teks[0].tek[0].spi, spi);
			assert_int_equal(nsent, 0);
			stop(f);
		}
	}
}

/* --- configuration ------------------------------------------------------------------ */

static void test_conf_defaults(void **state)
{
	struct gvpnd_conf conf;
	char *text = conf_text("", sa300, ""), *errs;
	const struct ks_rekey_conf *r;

	(void)state;
	if (load(text, &conf, &errs))
		fail_msg("%s", errs);
	r = &conf.ks.groups[0].rekey;
	assert_int_equal(r->transport, KS_UNICAST);
	assert_int_equal(r->schedule, KS_SCHED_CISCO);
	assert_int_equal(r->retransmit_period, 4);
	assert_int_equal(r->retransmissions, 2);
	assert_int_equal(r->mcast_ttl, 16);
	assert_int_equal(r->heartbeat, 0);
	assert_int_equal(r->pst_resync, 1800);
	assert_false(conf.lab_timers);
	assert_non_null(conf.ks.groups[0].kek.pkey);
	free(errs);
	free(text);
	conf_free(&conf);
}

static void test_conf_errors(void **state)
{
	(void)state;
	expect_error("", sa300, "schedule = \"hp\";", 8,
		     "'schedule' = \"hp\": expected cisco");
	expect_error("", sa300, "heartbeat = 30;", 8,
		     "'heartbeat' = 30 is out of range 60..3600");
	expect_error("", sa300, "heartbeat = 3601;", 8, "out of range 60..3600");
	expect_error("", sa300, "pseudotime-resync = 1801;", 8,
		     "'pseudotime-resync' = 1801 is out of range 60..1800");
	expect_error("", sa300, "retransmit-period = 1;", 8,
		     "'retransmit-period' = 1 is out of range 2..60");
	expect_error("", sa300, "retransmissions = 61;", 8,
		     "out of range 0..60");
	expect_error("", sa300,
		     "transport = \"multicast\"; multicast-group = \"239.1.1.1\"; multicast-ttl = 0;",
		     8, "'multicast-ttl' = 0 is out of range 1..255");
	expect_error("", sa300, "multicast-ttl = 3;", 8,
		     "'multicast-ttl' applies to transport = \"multicast\"");
	expect_error("", sa300,
		     "transport = \"multicast\"; multicast-group = \"239.1.1.1\"; multicast-source = \"239.1.1.2\";",
		     8, "'multicast-source' = \"239.1.1.2\": expected a unicast IPv4 address");
	expect_error("", sa300, "transport = \"multicast\";", 7,
		     "rekey transport multicast needs 'multicast-group'");
	expect_error("", sa300, "transport = \"both\";", 8,
		     "expected unicast or multicast");
	expect_error("", sa300, "retransmit = 3;", 8,
		     "unknown setting 'retransmit'");
	/* lab-timers lowers the minimums, not the maximums */
	expect_error("lab-timers = true;", sa300, "heartbeat = 1;", 8,
		     "'heartbeat' = 1 is out of range 2..3600");
	expect_error("lab-timers = true;", sa300, "pseudotime-resync = 4;", 8,
		     "out of range 5..1800");
	expect_error("lab-timers = 1;", sa300, "", 1,
		     "'lab-timers' must be true or false");
}

static void test_conf_lab_timers(void **state)
{
	struct gvpnd_conf conf;
	char *text, *errs;
	int n;

	(void)state;
	text = conf_text("lab-timers = true;",
			 "  activation-time-delay = 1;\n"
			 "  ipsec-sa = ( { name = \"s\"; encryption = \"aes-gcm-128\"; lifetime = 10; } );",
			 "heartbeat = 2; pseudotime-resync = 5; retransmit-period = 1;");
	n = load(text, &conf, &errs);
	if (n)
		fail_msg("%s", errs);
	assert_true(conf.lab_timers);
	assert_true(conf.ks.lab_timers);
	assert_int_equal(conf.ks.groups[0].atd, 1);
	assert_int_equal(conf.ks.groups[0].sa[0].lifetime, 10);
	assert_int_equal(conf.ks.groups[0].rekey.heartbeat, 2);
	free(errs);
	free(text);
	conf_free(&conf);
	/* without it, the production minimums */
	text = conf_text("",
			 "  ipsec-sa = ( { name = \"s\"; encryption = \"aes-gcm-128\"; lifetime = 10; } );",
			 "");
	n = load(text, &conf, &errs);
	assert_true(n >= 1);
	assert_non_null(strstr(errs, "'lifetime' = 10 is out of range 100..86400"));
	free(errs);
	free(text);
	conf_free(&conf);
}

static int group_setup(void **state)
{
	(void)state;
	conf_dir_make("test_ks_rekey");
	snprintf(key_path, sizeof(key_path), "%s", conf_dir_path("rekey.pem"));
	snprintf(key2_path, sizeof(key2_path), "%s",
		 conf_dir_path("rekey2.pem"));
	conf_dir_rsa_key(key_path);
	conf_dir_rsa_key(key2_path);
	sent = calloc(MAX_SENT, sizeof(*sent));
	assert_non_null(sent);
	log_init("test_ks_rekey", true, LOG_DEBUG);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	free(sent);
	return conf_dir_remove();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_offsets),
		cmocka_unit_test(test_rekey_at),
		cmocka_unit_test(test_tek_rekey),
		cmocka_unit_test(test_ack_retransmit),
		cmocka_unit_test(test_all_acked_stops),
		cmocka_unit_test(test_eject),
		cmocka_unit_test(test_retransmit_stops_before_rekey),
		cmocka_unit_test(test_kek_rekey_seq),
		cmocka_unit_test(test_kek_rekey_twice),
		cmocka_unit_test(test_batches),
		cmocka_unit_test(test_multicast),
		cmocka_unit_test(test_heartbeat),
		cmocka_unit_test(test_rfc3547),
		cmocka_unit_test(test_resync),
		cmocka_unit_test(test_resync_lab),
		cmocka_unit_test(test_clear_members),
		cmocka_unit_test(test_remove_member),
		cmocka_unit_test(test_remove_last_pending),
		cmocka_unit_test(test_show_last_rekey),
		cmocka_unit_test(test_member_size),
		cmocka_unit_test(test_reload_policy),
		cmocka_unit_test(test_reload_transport),
		cmocka_unit_test(test_reload_signing_key),
		cmocka_unit_test(test_reload_prepare),
		cmocka_unit_test(test_reload_nomem),
		cmocka_unit_test(test_reload_refused),
		cmocka_unit_test(test_conf_defaults),
		cmocka_unit_test(test_conf_errors),
		cmocka_unit_test(test_conf_lab_timers),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
