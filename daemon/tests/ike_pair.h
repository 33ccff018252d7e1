/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * Two of our own IKE contexts wired back to back in memory (no sockets),
 * for the unit tests: side 0 is the initiator (the member), side 1 the
 * responder (the key server), at 10.0.0.2 and 10.0.0.1, port 848. The
 * pair owns the contexts, their configurations (one peer each, one suite),
 * and the wire: a queue of datagrams that ike_pair_pump() delivers. A
 * test's ike_ops.send decides what goes on the wire (ike_pair_wired(),
 * ike_pair_queue()); what the contexts do with it is the test's.
 */

#ifndef GVPN_TESTS_IKE_PAIR_H
#define GVPN_TESTS_IKE_PAIR_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/ike.h"

#define IKE_PAIR_QLEN 64
#define IKE_PAIR_PSK "shared-secret-0123456789"

struct ike_pair_pkt {
	int to;
	struct sockaddr_in src, dst;
	size_t len;
	uint8_t data[4096];
};

struct ike_pair {
	struct ike_ctx ctx[2];		/* 0: initiator (member), 1: responder */
	struct ike_conf conf[2];
	struct ike_peer peer[2];	/* each side's one peer: the other */
	struct ike_suite suites[2][1];
	struct sockaddr_in addr[2];
	struct ike_pair_pkt queue[IKE_PAIR_QLEN];
	unsigned q_head, q_tail;
};

extern struct ike_pair pair;

/* the addresses of both sides */
void ike_pair_addrs(void);
/* side i's configuration: retransmission 20/40 ms, 3 tries, one peer
 * (the other side, main mode, IKE_PAIR_PSK) with one suite (AES-256,
 * SHA-256, group 14, 1 hour) authenticated by auth */
void ike_pair_conf(int i, uint16_t auth);
/* both contexts, with ops; the wire empty */
void ike_pair_start(const struct ike_ops *ops);
/* what is on the wire reaches its side, then the contexts go */
void ike_pair_fini(void);

/* the side a context is */
int ike_pair_side(const struct ike_ctx *c);
/* whether a datagram of side from to "to" reaches the other side */
bool ike_pair_wired(int from, const struct sockaddr_in *to);
/* a datagram of side from on the wire to the other side */
struct ike_pair_pkt *ike_pair_queue(int from, const struct sockaddr_in *local,
				    const struct sockaddr_in *to,
				    const uint8_t *buf, size_t len);
/* datagrams on the wire */
unsigned ike_pair_queued(void);
/* the next one, NULL if none */
struct ike_pair_pkt *ike_pair_peek(void);
/* everything on the wire is lost */
void ike_pair_drop(void);
/* every datagram on the wire (and those their answers put there) in */
void ike_pair_pump(void);
/*
 * 2 ms go by on the test clock (ev_clock_set(): retransmissions follow the
 * test's time, never the machine's load) and the timers due run
 */
void ike_pair_tick(void);
/* the wire and the timers until *flag (if flag) or max_ms went by */
void ike_pair_run_until(bool *flag, unsigned max_ms);

/* The ops most tests give the pair: ike_pair_established/_gone (struct
 * ike_ops) keep each side's established SA in ike_pair_est[], and
 * ike_pair_done (ike_initiate's callback) records its result */
extern struct ike_sa *ike_pair_est[2];
extern bool ike_pair_done_called;
extern int ike_pair_done_err;
void ike_pair_established(struct ike_sa *sa);
void ike_pair_gone(struct ike_sa *sa);
void ike_pair_done(struct ike_sa *sa, int err, void *arg);

#endif
