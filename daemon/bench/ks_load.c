// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * ks_load: many simulated group members register with one key server, for
 * scripts/bench-ks. Each member is a distinct 127.0.0.0/8 address that runs
 * IKEv1 main mode (pre-shared key) and GROUPKEY-PULL with gvpnd's own ike/
 * and gdoi/ code, nothing installed anywhere. One socket on INADDR_ANY sends
 * from each member's address (IP_PKTINFO) and receives for all of them, so
 * tens of thousands of members need no file descriptors of their own.
 *
 *   ks_load -s KS_ADDR -n MEMBERS -g ecp256|modp2048 -k PSK-FILE -G GROUP
 *           [-b FIRST_MEMBER_ADDR] [-c IN_FLIGHT] [-p LOCAL_PORT]
 *           [-d] [-w] [-a] [-t TIMEOUT_S]
 *
 * It prints one line: members registered, failures, seconds, registrations
 * per second. With -d each member deletes its Phase 1 SA after its pull
 * (the key server then holds only its member record); without it the
 * Phase 1 SAs stay, as real members keep them until they expire. With -w
 * it then waits for a signal, the SAs still up on both sides, so that the
 * key server's memory can be measured with them (the default action of
 * SIGTERM ends it without deleting anything).
 * With -a (and -w) the members acknowledge the key server's unicast
 * GROUPKEY-PUSH messages (RFC 8263 ACK, gdoi_push_ack_build) with the KEK
 * of their registration; each time every registered member has ACKed one
 * push it prints "push seq S acked N first T0 last T1" (CLOCK_REALTIME of
 * the first push received and of the last ACK sent). The members share
 * one memory: a push is opened (decrypted, signature verified) once, not
 * once per member, so the figure is the key server's time.
 * Exit status 0 when every member registered.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/x509.h>

#include "core/log.h"
#include "core/loop.h"
#include "gdoi/gdoi.h"
#include "gdoi/gdoi_push.h"
#include "ike/ike.h"
#include "main/net.h"

struct member {
	struct sockaddr_in local;
	unsigned idx;
	uint8_t icookie[8], rcookie[8];
	struct ev_timer del;		/* -d: delete the Phase 1 SA */
};

static struct ike_ctx ike;
static struct gdoi_ctx gdoi;
static struct ike_conf iconf;
static struct ike_peer ks_peer;
static struct ike_suite suite;
static struct gdoi_group_id group = { .type = ISAKMP_ID_KEY_ID };
static struct member *members;
static unsigned n_members, next_member, in_flight, max_in_flight = 128;
static unsigned ok, failed;
static bool delete_after, wait_after;
static uint32_t base_addr;
static uint16_t local_port = 849;
static struct ev_timer deadline;

/* -a: acknowledging pushes */
static bool ack_pushes, have_kek;
static struct gdoi_kek_keys kek;
static uint8_t *last_push, *push_plain, *got;
static size_t last_push_len;
static uint32_t last_seq;
static unsigned nacked;
static struct timespec first_push;

static int op_send(struct ike_ctx *ctx, const struct sockaddr_in *local,
		   const struct sockaddr_in *peer, const uint8_t *buf,
		   size_t len)
{
	(void)ctx;
	return net_send(local, peer, buf, len);
}

static void start_more(void);

static void member_done(bool success)
{
	if (success)
		ok++;
	else
		failed++;
	in_flight--;
	if (ok + failed == n_members)
		ev_stop();
	else
		start_more();
}

static uint64_t attr_get(const struct isakmp_attrs *as, uint16_t type,
			 struct isakmp_attr *out)
{
	struct isakmp_attrs it = *as;
	struct isakmp_attr a;
	uint64_t v = 0;

	while (isakmp_attr_next(&it, &a) == 1)
		if (a.type == type) {
			if (out)
				*out = a;
			isakmp_attr_uint(&a, &v);
			return v;
		}
	return 0;
}

/* the group's KEK from the first registration (every member has it) */
static void take_kek(const struct gdoi_pull_result *r)
{
	struct isakmp_attr a;
	unsigned i;

	if (have_kek || !r->sa.has_kek)
		return;
	memcpy(kek.spi, r->sa.kek.spi, sizeof(kek.spi));
	kek.alg = (uint16_t)attr_get(&r->sa.kek.attrs, GDOI_KEK_ALGORITHM, NULL);
	kek.key_bits = (uint16_t)attr_get(&r->sa.kek.attrs, GDOI_KEK_KEY_LENGTH,
					  NULL);
	kek.sig_hash = (uint16_t)attr_get(&r->sa.kek.attrs,
					  GDOI_KEK_SIG_HASH_ALGORITHM, NULL);
	for (i = 0; i < r->kd.n; i++) {
		const struct gdoi_key_packet *kp = &r->kd.pkt[i];
		const unsigned char *der;

		if (kp->type != GDOI_KD_KEK)
			continue;
		memset(&a, 0, sizeof(a));
		attr_get(&kp->attrs, GDOI_KD_KEK_ALGORITHM_KEY, &a);
		if (!a.len || a.len > sizeof(kek.key))
			return;
		memcpy(kek.key, a.val, a.len);
		memset(&a, 0, sizeof(a));
		attr_get(&kp->attrs, GDOI_KD_KEK_SIGNATURE_KEY, &a);
		der = a.val;
		kek.sig_key = a.len ? d2i_PUBKEY(NULL, &der, a.len) : NULL;
		have_kek = kek.sig_key != NULL;
	}
}

static void on_push(void *arg, const struct sockaddr_in *local,
		    const struct sockaddr_in *peer, const struct isakmp_hdr *h,
		    const uint8_t *msg, size_t len)
{
	struct sockaddr_in from = *local;
	uint8_t ack[512];
	char why[128];
	unsigned idx;
	int n;

	(void)arg;
	(void)h;
	if (!ack_pushes || !have_kek)
		return;
	if (len != last_push_len || memcmp(msg, last_push, len)) {
		struct gdoi_push p;

		if (gdoi_push_open(&kek, msg, len, push_plain, ISAKMP_MAX_MSG,
				   &p, why, sizeof(why))) {
			fprintf(stderr, "ks_load: push refused: %s\n", why);
			return;
		}
		if (p.seq != last_seq) {
			last_seq = p.seq;
			nacked = 0;
			memset(got, 0, n_members);
			clock_gettime(CLOCK_REALTIME, &first_push);
		}
		memcpy(last_push, msg, len);
		last_push_len = len;
	}
	idx = ntohl(local->sin_addr.s_addr) - base_addr;
	if (idx >= n_members)
		return;
	n = gdoi_push_ack_build(&kek, last_seq, local->sin_addr, ack,
				sizeof(ack));
	if (n < 0)
		return;
	from.sin_port = htons(local_port);
	net_send(&from, peer, ack, (size_t)n);
	if (!got[idx]) {
		got[idx] = 1;
		if (++nacked == ok) {
			struct timespec t;

			clock_gettime(CLOCK_REALTIME, &t);
			printf("push seq %u acked %u first %lld.%09ld last %lld.%09ld\n",
			       last_seq, nacked, (long long)first_push.tv_sec,
			       first_push.tv_nsec, (long long)t.tv_sec,
			       t.tv_nsec);
			fflush(stdout);
		}
	}
}

static void op_push(struct ike_ctx *ctx, const struct sockaddr_in *local,
		    const struct sockaddr_in *peer, const struct isakmp_hdr *h,
		    const uint8_t *msg, size_t len)
{
	(void)ctx;
	gdoi_push_input(&gdoi, local, peer, h, msg, len);
}

static void pulled(void *arg, struct ike_sa *sa, int err,
		   const struct gdoi_pull_result *r, const char *why)
{
	struct member *m = arg;

	if (!err && ack_pushes)
		take_kek(r);
	if (!err && delete_after) {
		/* not from inside the GDOI layer's callback: next turn */
		memcpy(m->icookie, sa->icookie, 8);
		memcpy(m->rcookie, sa->rcookie, 8);
		ev_timer_add(&m->del, 0);
		return;
	}
	if (err) {
		fprintf(stderr, "member %s: pull failed: %s\n",
			inet_ntoa(m->local.sin_addr), why ? why : strerror(-err));
		member_done(false);
		return;
	}
	member_done(true);
}

static void delete_sa(struct ev_timer *t)
{
	struct member *m = container_of(t, struct member, del);
	struct ike_sa *sa = ike_sa_find(&ike, m->icookie, m->rcookie);

	if (sa)
		ike_sa_delete(sa, "registered (ks_load -d)");
	member_done(true);
}

static void phase1_done(struct ike_sa *sa, int err, void *arg)
{
	struct member *m = arg;

	if (err) {
		fprintf(stderr, "member %s: Phase 1 failed (%d)\n",
			inet_ntoa(m->local.sin_addr), err);
		member_done(false);
		return;
	}
	if (gdoi_pull(&gdoi, sa, &group, pulled, m)) {
		fprintf(stderr, "member %s: could not start the pull\n",
			inet_ntoa(m->local.sin_addr));
		member_done(false);
	}
}

static void start_more(void)
{
	while (in_flight < max_in_flight && next_member < n_members) {
		struct member *m = &members[next_member];

		m->idx = next_member++;
		m->local = (struct sockaddr_in){
			.sin_family = AF_INET,
			.sin_addr.s_addr = htonl(base_addr + m->idx),
			.sin_port = htons(local_port),
		};
		ev_timer_init(&m->del, delete_sa);
		in_flight++;
		if (!ike_initiate(&ike, &ks_peer, &m->local, phase1_done, m)) {
			fprintf(stderr, "member %s: could not initiate\n",
				inet_ntoa(m->local.sin_addr));
			in_flight--;
			failed++;
		}
	}
	if (ok + failed == n_members)
		ev_stop();
}

static void op_phase2(struct ike_sa *sa, const struct isakmp_hdr *h,
		      const uint8_t *msg, size_t len)
{
	gdoi_phase2(&gdoi, sa, h, msg, len);
}

static void op_gone(struct ike_sa *sa)
{
	gdoi_sa_gone(&gdoi, sa);
}

static void op_notify(struct ike_sa *sa, const struct isakmp_notify_pl *n)
{
	gdoi_notify(&gdoi, sa, n);
}

static void timed_out(struct ev_timer *t)
{
	(void)t;
	fprintf(stderr, "ks_load: timeout with %u of %u members done\n",
		ok + failed, n_members);
	ev_stop();
}

static int read_psk(const char *path)
{
	char buf[1025];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	ks_peer.psk = malloc((size_t)n);
	if (!ks_peer.psk)
		return -1;
	memcpy(ks_peer.psk, buf, (size_t)n);
	ks_peer.psk_len = (size_t)n;
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"Usage: ks_load -s KS_ADDR -n MEMBERS -g ecp256|modp2048 -k PSK_FILE -G GROUP\n"
		"               [-b FIRST_ADDR (127.1.0.1)] [-c IN_FLIGHT (128)]\n"
		"               [-p LOCAL_PORT (849)] [-d] [-w] [-a] [-t TIMEOUT_S (600)]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct ike_ops ops = {
		.send = op_send, .phase2 = op_phase2, .gone = op_gone,
		.notify = op_notify, .push = op_push,
	};
	const char *ks = NULL, *psk = NULL;
	struct in_addr a;
	unsigned timeout_s = 600;
	struct timespec t0, t1;
	double secs;
	int c;

	inet_pton(AF_INET, "127.1.0.1", &a);
	base_addr = ntohl(a.s_addr);
	suite = (struct ike_suite){
		.encr = IKE_ENCR_AES_CBC, .key_bits = 256,
		.hash = IKE_HASH_SHA256, .auth = IKE_AUTH_PSK, .group = 19,
		.lifetime = 86400,
	};
	while ((c = getopt(argc, argv, "s:n:g:k:G:b:c:p:dwat:")) != -1) {
		switch (c) {
		case 's':
			ks = optarg;
			break;
		case 'n':
			n_members = (unsigned)strtoul(optarg, NULL, 0);
			break;
		case 'g':
			if (!strcmp(optarg, "ecp256"))
				suite.group = 19;
			else if (!strcmp(optarg, "modp2048"))
				suite.group = 14;
			else
				usage();
			break;
		case 'k':
			psk = optarg;
			break;
		case 'G':
			group.id = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		case 'b':
			if (inet_pton(AF_INET, optarg, &a) != 1)
				usage();
			base_addr = ntohl(a.s_addr);
			break;
		case 'c':
			max_in_flight = (unsigned)strtoul(optarg, NULL, 0);
			break;
		case 'p':
			local_port = (uint16_t)strtoul(optarg, NULL, 0);
			break;
		case 'd':
			delete_after = true;
			break;
		case 'w':
			wait_after = true;
			break;
		case 'a':
			ack_pushes = true;
			break;
		case 't':
			timeout_s = (unsigned)strtoul(optarg, NULL, 0);
			break;
		default:
			usage();
		}
	}
	if (!ks || !psk || !n_members || !group.id || group.id > 65535 ||
	    !max_in_flight || optind != argc)
		usage();

	log_init("ks_load", true, LOG_WARNING);
	strcpy(ks_peer.name, "ks");
	if (inet_pton(AF_INET, ks, &ks_peer.addr) != 1)
		usage();
	ks_peer.plen = 32;
	ks_peer.port = 848;
	ks_peer.mode = IKE_MODE_MAIN;
	ks_peer.auth = IKE_AUTH_PSK;
	ks_peer.nsuites = 1;
	ks_peer.suites = &suite;
	if (read_psk(psk)) {
		fprintf(stderr, "ks_load: cannot read %s\n", psk);
		return 1;
	}
	iconf = (struct ike_conf){
		.doi = ISAKMP_DOI_GDOI, .port = local_port,
		.retransmit_ms = 2000, .retransmit_max_ms = 16000,
		.retransmit_tries = 5, .half_open_max = 4096,
		.half_open_ms = 30000, .max_sas = n_members + 16,
		.aggressive_rate = 100, .npeers = 1, .peers = &ks_peer,
	};
	members = calloc(n_members, sizeof(*members));
	if (!members || ev_init() || ike_ctx_init(&ike, &iconf, &ops)) {
		fprintf(stderr, "ks_load: init failed\n");
		return 1;
	}
	gdoi_init(&gdoi, &ike, NULL, NULL);
	if (ack_pushes) {
		last_push = malloc(ISAKMP_MAX_MSG);
		push_plain = malloc(ISAKMP_MAX_MSG);
		got = calloc(n_members, 1);
		if (!last_push || !push_plain || !got)
			return 1;
		gdoi.gm_push = on_push;
	}
	a.s_addr = INADDR_ANY;
	if (net_open(a, local_port, &ike)) {
		fprintf(stderr, "ks_load: UDP port %u: %s\n", local_port,
			strerror(errno));
		return 1;
	}
	ev_timer_init(&deadline, timed_out);
	ev_timer_add(&deadline, (uint64_t)timeout_s * 1000);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	start_more();
	if (ok + failed < n_members)
		ev_run();
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	       (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("members %u registered %u failed %u seconds %.3f rate %.1f\n",
	       n_members, ok, failed, secs, secs > 0 ? ok / secs : 0);
	fflush(stdout);
	if (wait_after && ack_pushes) {
		/* acknowledge pushes until killed */
		ev_timer_del(&deadline);
		ev_run();
	}
	if (wait_after)
		for (;;)
			pause();

	ike_ctx_fini(&ike);
	net_close();
	ev_fini();
	free(ks_peer.psk);
	free(members);
	return ok == n_members ? 0 : 1;
}
