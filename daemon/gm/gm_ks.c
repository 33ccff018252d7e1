// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * Which key server a member tries next (GM-05): register-retries tries with
 * a server, then the next one in the list, round and round; a success
 * starts over with the first, preferred, server. Pure, tested by test_gm.
 */

#include "gm.h"

void gm_failover_reset(struct gm_failover *f)
{
	f->server = 0;
	f->tries = 0;
	f->total = 0;
}

unsigned gm_failover_next(struct gm_failover *f, unsigned retries,
			  unsigned nservers)
{
	if (f->total && ++f->tries >= retries) {
		f->tries = 0;
		f->server = (f->server + 1) % nservers;
	}
	f->total++;
	return f->server;
}

unsigned gm_failover_peek(const struct gm_failover *f, unsigned retries,
			  unsigned nservers)
{
	if (f->total && f->tries + 1 >= retries && nservers)
		return (f->server + 1) % nservers;
	return f->server;
}

void gm_failover_after(struct gm_failover *f, unsigned server,
		       unsigned retries, unsigned nservers)
{
	gm_failover_reset(f);
	if (nservers < 2)
		return;		/* the only one: it, from its first try */
	f->server = server % nservers;
	f->tries = retries ? retries - 1 : 0;
	f->total = 1;
}
