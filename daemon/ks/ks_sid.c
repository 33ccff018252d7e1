// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * Sender IDs (RFC 6054, RFC 6407 5.6.3): the key server's allocator. A
 * group has 2^sender-id-bits SIDs (at most 65536: a byte and a time each,
 * allocated at the group's first request). A SID is held by one member
 * from its registration until it registers again, is ejected or cleared;
 * then it waits until every TEK the group made so far has expired (the
 * member may have encrypted under any of them with it) before it is handed
 * out again. The search goes round from where the last one ended, so SIDs
 * given back are the last to come again.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "core/log.h"
#include "isakmp/isakmp.h"
#include "ks/ks.h"
#include "tek_alg.h"

struct ks_sids {
	unsigned bits;
	uint32_t size;
	uint32_t next;			/* where the next search starts */
	uint32_t held;
	uint8_t *used;			/* per SID: held by a member */
	uint64_t *free_at;		/* per SID: ks->now_ms() it is free */
};

bool ks_group_counter_mode(const struct ks_group *g)
{
	unsigned i;

	for (i = 0; i < g->c->npol; i++) {
		const struct ks_policy *p = &g->c->pol[i];

		if (p->action == KS_PERMIT &&
		    gdoi_transform_counter_mode(g->c->sa[p->sa].t.enc->transform))
			return true;
	}
	return false;
}

static struct ks_sids *sids_get(struct ks_group *g)
{
	struct ks_sids *s = g->sids;

	if (s)
		return s;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->bits = g->c->sid_bits;
	s->size = 1u << s->bits;
	s->used = calloc(s->size, sizeof(*s->used));
	s->free_at = calloc(s->size, sizeof(*s->free_at));
	if (!s->used || !s->free_at) {
		free(s->used);
		free(s->free_at);
		free(s);
		return NULL;
	}
	g->sids = s;
	return s;
}

int ks_sid_alloc(struct ks *ks, struct ks_group *g, const char *who,
		 uint32_t *sid)
{
	struct ks_sids *s = sids_get(g);
	uint64_t now = ks->now_ms();
	unsigned held, waiting, size;
	uint32_t i;

	if (!s)
		return -ENOMEM;
	for (i = 0; i < s->size; i++) {
		uint32_t v = (s->next + i) & (s->size - 1);

		if (s->used[v] || s->free_at[v] > now)
			continue;
		s->used[v] = 1;
		s->held++;
		s->next = (v + 1) & (s->size - 1);
		*sid = v;
		return 0;
	}
	ks_sid_counts(ks, g, &held, &waiting, &size);
	log_msg(LOG_ERR,
		"%%GDOI-3-KS_SID_EXHAUSTED: Group %s has no free Sender ID for GM %s (sender-id-bits %u: %u held by members, %u waiting for their TEKs to expire): registration refused",
		g->c->name, who, s->bits, held, waiting);
	return -ENOSPC;
}

void ks_sid_release(struct ks *ks, struct ks_group *g, uint32_t sid)
{
	struct ks_sids *s = g->sids;
	uint64_t now = ks->now_ms();

	if (!s || sid >= s->size || !s->used[sid])
		return;
	s->used[sid] = 0;
	s->held--;
	s->free_at[sid] = g->tek_horizon_ms > now ? g->tek_horizon_ms : now;
}

void ks_member_sid_release(struct ks *ks, struct ks_member *m)
{
	if (!m->has_sid)
		return;
	ks_sid_release(ks, &ks->groups[m->group], m->sid);
	m->has_sid = false;
}

void ks_sid_counts(struct ks *ks, const struct ks_group *g, unsigned *held,
		   unsigned *waiting, unsigned *size)
{
	const struct ks_sids *s = g->sids;
	uint64_t now = ks->now_ms();
	uint32_t i;

	*held = *waiting = 0;
	*size = 1u << g->c->sid_bits;
	if (!s)
		return;
	*size = s->size;
	*held = s->held;
	for (i = 0; i < s->size; i++)
		if (!s->used[i] && s->free_at[i] > now)
			(*waiting)++;
}

void ks_sids_free(struct ks_group *g)
{
	if (!g->sids)
		return;
	free(g->sids->used);
	free(g->sids->free_at);
	free(g->sids);
	g->sids = NULL;
}
