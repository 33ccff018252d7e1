// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * A new "server" section while the key server runs (SIGHUP, "gvpn daemon
 * reload"): the groups keep their keys, members and sequence numbers, and
 * the changes that features.md 3 (Cisco's tables of rekey triggers) says
 * trigger a rekey push one now:
 *
 *   policies (add, remove, change), an ipsec-sa's transform, receive-only,
 *   TBAR on or off          new TEKs for every permit policy, pushed; the
 *                           old ones are no longer listed, so members
 *                           retire them 2 x ATD later (GM-14)
 *   kek encryption, signing key or signature hash
 *                           a KEK rekey: new KEK and TEKs, pushed under
 *                           the old KEK, signed with the old key (members
 *                           verify with what they have)
 *   rekey transport or multicast group
 *                           a rekey, sent unicast so that members that
 *                           have not joined the group address learn it
 *                           (KS_REKEY_TRANS_2_MULTI / _2_UNI)
 *   lifetimes, retransmissions, TBAR window, ATD, heartbeat, resync,
 *   authorization, members-max
 *                           no rekey: the next push or pull carries them
 *
 * Groups added, removed or reordered, or a kek added or removed, need a
 * restart: the reload is refused and nothing changes.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>

#include "core/log.h"
#include "ks/ks.h"

static bool same_sa(const struct ks_sa_conf *a, const struct ks_sa_conf *b)
{
	return a->t.enc == b->t.enc && a->t.integ == b->t.integ;
}

static bool same_policies(const struct ks_group_conf *a,
			  const struct ks_group_conf *b)
{
	unsigned i;

	if (a->npol != b->npol)
		return false;
	for (i = 0; i < a->npol; i++) {
		const struct ks_policy *x = &a->pol[i], *y = &b->pol[i];

		if (x->action != y->action || x->proto != y->proto ||
		    x->src.s_addr != y->src.s_addr ||
		    x->dst.s_addr != y->dst.s_addr ||
		    x->src_plen != y->src_plen || x->dst_plen != y->dst_plen ||
		    x->sport != y->sport || x->dport != y->dport)
			return false;
		if (x->action == KS_PERMIT &&
		    !same_sa(&a->sa[x->sa], &b->sa[y->sa]))
			return false;
	}
	return true;
}

static bool same_kek(const struct ks_kek_conf *a, const struct ks_kek_conf *b)
{
	return a->alg == b->alg && a->key_bits == b->key_bits &&
	       a->sig_hash == b->sig_hash && a->spki_len == b->spki_len &&
	       !memcmp(a->spki, b->spki, a->spki_len);
}

static int check(const struct ks *ks, const struct ks_conf *nc, char *why,
		 size_t whylen)
{
	unsigned i;

	if (nc->ngroups != ks->ngroups) {
		snprintf(why, whylen, "%u groups instead of %u: adding or removing groups needs a restart",
			 nc->ngroups, ks->ngroups);
		return -EINVAL;
	}
	for (i = 0; i < nc->ngroups; i++) {
		const struct ks_group_conf *o = ks->groups[i].c;
		const struct ks_group_conf *n = &nc->groups[i];

		if (o->id != n->id || o->id_is_addr != n->id_is_addr ||
		    o->id_addr.s_addr != n->id_addr.s_addr) {
			snprintf(why, whylen, "group %u: another group or identity in its place: changing groups needs a restart",
				 o->id);
			return -EINVAL;
		}
		if (o->sid_bits != n->sid_bits) {
			snprintf(why, whylen, "group %u: changing sender-id-bits needs a restart (members hold Sender IDs of %u bits)",
				 o->id, o->sid_bits);
			return -EINVAL;
		}
		/* the layouts and push form members registered with: a
		 * member of the other kind cannot read what would follow */
		if (o->compat != n->compat) {
			snprintf(why, whylen, "group %u: changing compat needs a restart (members registered with RFC %s layouts)",
				 o->id, o->compat == KS_COMPAT_RFC3547 ? "3547" : "6407");
			return -EINVAL;
		}
		if (o->mixed != n->mixed) {
			snprintf(why, whylen, "group %u: changing members needs a restart (members registered with%s gvpn's private attributes)",
				 o->id, o->mixed ? "out" : "");
			return -EINVAL;
		}
		if (o->kek.set != n->kek.set) {
			snprintf(why, whylen, "group %u: adding or removing its kek needs a restart",
				 o->id);
			return -EINVAL;
		}
	}
	return 0;
}

/* policies or TEK settings changed: new TEKs for every permit policy */
static bool tek_change(const struct ks_group_conf *o,
		       const struct ks_group_conf *n)
{
	return !same_policies(o, n) || o->receive_only != n->receive_only ||
	       !o->tbar != !n->tbar;
}

/* t: fresh, empty TEK lists for the policies of n */
static void new_teks(struct ks_group *g, const struct ks_group_conf *n,
		     struct ks_sa_rt *t)
{
	unsigned i;

	OPENSSL_cleanse(g->teks, g->c->npol * sizeof(*g->teks));
	free(g->teks);
	g->teks = t;
	g->first_permit = -1;
	for (i = 0; i < n->npol && g->first_permit < 0; i++)
		if (n->pol[i].action == KS_PERMIT)
			g->first_permit = (int)i;
}

void ks_reload_abort(struct ks *ks, struct ks_reload_prep *p)
{
	for (unsigned i = 0; p->teks && i < ks->ngroups; i++)
		free(p->teks[i]);
	free(p->teks);
	p->teks = NULL;
}

int ks_reload_prepare(struct ks *ks, const struct ks_conf *nc,
		      struct ks_reload_prep *p, char *why, size_t whylen)
{
	unsigned i;
	int err;

	memset(p, 0, sizeof(*p));
	err = check(ks, nc, why, whylen);
	if (err)
		return err;
	p->teks = calloc(ks->ngroups ? ks->ngroups : 1, sizeof(*p->teks));
	if (!p->teks) {
		snprintf(why, whylen, "out of memory");
		return -ENOMEM;
	}
	for (i = 0; i < ks->ngroups; i++) {
		const struct ks_group_conf *n = &nc->groups[i];

		if (!tek_change(ks->groups[i].c, n))
			continue;
		p->teks[i] = calloc(n->npol ? n->npol : 1,
				    sizeof(*p->teks[i]));
		if (!p->teks[i]) {
			snprintf(why, whylen, "group %u: out of memory", n->id);
			ks_reload_abort(ks, p);
			return -ENOMEM;
		}
	}
	return 0;
}

void ks_reload_commit(struct ks *ks, struct ks_conf *nc,
		      struct ks_reload_prep *p)
{
	unsigned i;
	int err;

	for (i = 0; i < ks->ngroups; i++) {
		struct ks_group *g = &ks->groups[i];
		const struct ks_group_conf *o = g->c, *n = &nc->groups[i];
		bool tek = p->teks[i] != NULL;
		bool kek = n->kek.set && !same_kek(&o->kek, &n->kek);
		bool trans = n->kek.set &&
			     (o->rekey.transport != n->rekey.transport ||
			      (n->rekey.transport == KS_MULTICAST &&
			       o->rekey.mcast.s_addr != n->rekey.mcast.s_addr));
		const char *what;

		if (tek) {
			new_teks(g, n, p->teks[i]);
			p->teks[i] = NULL;
		}
		g->c = n;
		ks_snap_retire(g);
		if (trans) {
			log_msg(LOG_NOTICE, n->rekey.transport == KS_MULTICAST ?
				"%%GDOI-5-KS_REKEY_TRANS_2_MULTI: Group %s transitioned to multicast rekey." :
				"%%GDOI-5-KS_REKEY_TRANS_2_UNI: Group %s transitioned to Unicast Rekey.",
				n->name);
			ks_rekey_unicast_once(g);
		}
		if (!tek && !kek && !trans) {
			log_info("group %s: reloaded, no rekey needed", n->name);
			ks_rekey_kick(ks, g);
			continue;
		}
		what = kek ? "KEK rekey" : "TEK rekey";
		log_notice("group %s: reloaded: %s%s%s%s", n->name,
			   tek ? "policies or TEK settings changed, " : "",
			   kek ? "kek settings changed, " : "",
			   trans ? "rekey transport changed, " : "", what);
		if (g->rk)
			err = ks_rekey_force(ks, g, kek,
					     kek ? "KEK rekey after reload"
						 : "TEK rekey after reload");
		else
			err = ks_new_keys(ks, g, false);
		if (err)
			log_err("group %s: %s after reload failed: %s", n->name,
				what, strerror(-err));
	}
	free(p->teks);
	p->teks = NULL;
}

int ks_reload(struct ks *ks, struct ks_conf *nc, char *why, size_t whylen)
{
	struct ks_reload_prep p;
	int err;

	err = ks_reload_prepare(ks, nc, &p, why, whylen);
	if (!err)
		ks_reload_commit(ks, nc, &p);
	return err;
}
