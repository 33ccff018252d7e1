// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * The registered-member table (KS-07): who registered to which group,
 * when, and how often. One entry per (group, address), about 64 bytes plus
 * the identity (push state included: where pushes go, the last ACK, the
 * misses that eject it), in a chained hash table that doubles when it gets full, so
 * 100,000 members cost a few MiB (the budget is 2 KiB per member).
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "ks/ks.h"

#define MTAB_MIN	256

static unsigned hash(unsigned group, struct in_addr a, unsigned size)
{
	uint32_t h = ntohl(a.s_addr) * 2654435761U ^ group * 40503U;

	return (h ^ (h >> 16)) & (size - 1);
}

int ks_members_init(struct ks *ks)
{
	ks->mtab = calloc(MTAB_MIN, sizeof(*ks->mtab));
	if (!ks->mtab)
		return -ENOMEM;
	ks->mtab_size = MTAB_MIN;
	ks->nmembers = 0;
	return 0;
}

void ks_members_fini(struct ks *ks)
{
	unsigned i;

	for (i = 0; i < ks->mtab_size; i++) {
		struct ks_member *m = ks->mtab[i], *n;

		for (; m; m = n) {
			n = m->next;
			free(m);
		}
	}
	free(ks->mtab);
	ks->mtab = NULL;
	ks->mtab_size = 0;
	ks->nmembers = 0;
}

struct ks_member *ks_member_find(struct ks *ks, unsigned group,
				 struct in_addr addr)
{
	struct ks_member *m;

	if (!ks->mtab_size)
		return NULL;
	for (m = ks->mtab[hash(group, addr, ks->mtab_size)]; m; m = m->next)
		if (m->group == group && m->addr.s_addr == addr.s_addr)
			return m;
	return NULL;
}

static void grow(struct ks *ks)
{
	unsigned size = ks->mtab_size * 2, i;
	struct ks_member **t = calloc(size, sizeof(*t));

	if (!t)
		return;		/* longer chains, still correct */
	for (i = 0; i < ks->mtab_size; i++) {
		struct ks_member *m = ks->mtab[i], *n;

		for (; m; m = n) {
			unsigned h = hash(m->group, m->addr, size);

			n = m->next;
			m->next = t[h];
			t[h] = m;
		}
	}
	free(ks->mtab);
	ks->mtab = t;
	ks->mtab_size = size;
}

struct ks_member *ks_member_add(struct ks *ks, unsigned group,
				struct in_addr addr, const char *identity)
{
	struct ks_member *m = ks_member_find(ks, group, addr), **pp;
	size_t idlen = strlen(identity ? identity : "");
	time_t now = ks->wall(NULL);

	if (m && strcmp(m->identity, identity ? identity : "")) {
		/* the same address with another identity: keep the new one */
		struct ks_member *n = malloc(sizeof(*n) + idlen + 1);

		if (!n)
			return NULL;
		*n = *m;
		memcpy(n->identity, identity, idlen + 1);
		for (pp = &ks->mtab[hash(group, addr, ks->mtab_size)];
		     *pp != m; pp = &(*pp)->next)
			;
		*pp = n;
		free(m);
		m = n;
	}
	if (m) {
		m->count++;
		m->last = now;
		return m;
	}
	if (!ks->mtab_size || ks->nmembers >= ks->mtab_size)
		grow(ks);
	if (!ks->mtab_size)
		return NULL;
	m = malloc(sizeof(*m) + idlen + 1);
	if (!m)
		return NULL;
	memset(m, 0, sizeof(*m));
	m->addr = addr;
	m->group = (uint16_t)group;
	m->state = KS_MEMBER_ACTIVE;
	m->count = 1;
	m->first = m->last = now;
	memcpy(m->identity, identity ? identity : "", idlen + 1);
	pp = &ks->mtab[hash(group, addr, ks->mtab_size)];
	m->next = *pp;
	*pp = m;
	ks->nmembers++;
	ks->groups[group].nmembers++;
	return m;
}

static int cmp_member(const void *a, const void *b)
{
	const struct ks_member *x = *(const struct ks_member *const *)a;
	const struct ks_member *y = *(const struct ks_member *const *)b;
	uint32_t ax = ntohl(x->addr.s_addr), ay = ntohl(y->addr.s_addr);

	if (x->group != y->group)
		return x->group < y->group ? -1 : 1;
	return ax < ay ? -1 : ax > ay;
}

int ks_members_walk(struct ks *ks, int group,
		    void (*fn)(struct ks *ks, const struct ks_member *m,
			       void *arg), void *arg)
{
	struct ks_member **all, *m;
	unsigned i, n = 0;

	if (!ks->nmembers)
		return 0;
	all = malloc(ks->nmembers * sizeof(*all));
	if (!all)
		return -ENOMEM;
	for (i = 0; i < ks->mtab_size; i++)
		for (m = ks->mtab[i]; m; m = m->next)
			if (group < 0 || m->group == (unsigned)group)
				all[n++] = m;
	qsort(all, n, sizeof(*all), cmp_member);
	for (i = 0; i < n; i++)
		fn(ks, all[i], arg);
	free(all);
	return 0;
}

void ks_members_each(struct ks *ks, unsigned group,
		     void (*fn)(struct ks *ks, struct ks_member *m, void *arg),
		     void *arg)
{
	struct ks_member *m;
	unsigned i;

	for (i = 0; i < ks->mtab_size; i++)
		for (m = ks->mtab[i]; m; m = m->next)
			if (m->group == group)
				fn(ks, m, arg);
}

unsigned ks_members_clear(struct ks *ks, unsigned group)
{
	unsigned i, n = 0;

	for (i = 0; i < ks->mtab_size; i++) {
		struct ks_member **pp = &ks->mtab[i], *m;

		while ((m = *pp)) {
			if (m->group != group) {
				pp = &m->next;
				continue;
			}
			*pp = m->next;
			ks_member_sid_release(ks, m);
			free(m);
			n++;
		}
	}
	ks->nmembers -= n;
	ks->groups[group].nmembers -= n;
	return n;
}

int ks_member_remove(struct ks *ks, unsigned group, struct in_addr addr)
{
	struct ks_member **pp, *m;

	if (!ks->mtab_size)
		return -ENOENT;
	for (pp = &ks->mtab[hash(group, addr, ks->mtab_size)]; (m = *pp);
	     pp = &m->next) {
		if (m->group != group || m->addr.s_addr != addr.s_addr)
			continue;
		*pp = m->next;
		ks_member_sid_release(ks, m);
		free(m);
		ks->nmembers--;
		ks->groups[group].nmembers--;
		return 0;
	}
	return -ENOENT;
}
