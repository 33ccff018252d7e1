/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * Pacing shared by the daemon's layers: a token bucket for what peers (or
 * attackers) may ask of us per second, and the exponential backoff of
 * retransmissions.
 */
#ifndef GVPN_RATE_H
#define GVPN_RATE_H

#include <stdbool.h>
#include <stdint.h>

/* rate tokens a second, at most burst saved up; zeroed: full */
struct tbucket {
	double tokens;
	uint64_t ms;		/* last refill; 0: never used */
};

/* Takes a token at now_ms if one is there */
bool tbucket_take(struct tbucket *tb, double rate, double burst,
		  uint64_t now_ms);

/* Whether the bucket is full at now_ms: nothing taken for burst / rate s */
bool tbucket_full(const struct tbucket *tb, double rate, double burst,
		  uint64_t now_ms);

/* The wait after transmission number tries (1: the first) when the first
 * waits first_ms and each next one twice as long, at most max_ms */
uint64_t backoff_ms(unsigned first_ms, unsigned max_ms, unsigned tries);

/* The time from the first transmission until the last of tries gives up,
 * the last one waiting max_ms */
uint64_t backoff_total_ms(unsigned first_ms, unsigned max_ms, unsigned tries);

#endif
