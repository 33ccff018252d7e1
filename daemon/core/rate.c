// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 */

#include "rate.h"

bool tbucket_take(struct tbucket *tb, double rate, double burst,
		  uint64_t now_ms)
{
	if (!tb->ms) {
		tb->tokens = burst;
	} else if (now_ms > tb->ms) {
		tb->tokens += (double)(now_ms - tb->ms) * rate / 1000.0;
		if (tb->tokens > burst)
			tb->tokens = burst;
	}
	tb->ms = now_ms ? now_ms : 1;
	if (tb->tokens < 1.0)
		return false;
	tb->tokens -= 1.0;
	return true;
}

bool tbucket_full(const struct tbucket *tb, double rate, double burst,
		  uint64_t now_ms)
{
	double t = tb->tokens;

	if (!tb->ms)
		return true;
	if (now_ms > tb->ms)
		t += (double)(now_ms - tb->ms) * rate / 1000.0;
	return t >= burst;
}

uint64_t backoff_ms(unsigned first_ms, unsigned max_ms, unsigned tries)
{
	uint64_t d;

	if (!tries)
		tries = 1;
	d = (uint64_t)first_ms << (tries - 1 < 16 ? tries - 1 : 16);
	return d > max_ms ? max_ms : d;
}

uint64_t backoff_total_ms(unsigned first_ms, unsigned max_ms, unsigned tries)
{
	uint64_t t = 0;
	unsigned i;

	for (i = 1; i <= tries; i++)
		t += backoff_ms(first_ms, max_ms, i);
	return t + max_ms;
}
