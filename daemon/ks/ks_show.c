// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * What the key server's control commands print: "ks show [group ID]"
 * (groups, their policies and SAs, never keys) and "ks members [group ID]"
 * (the registered-member table), with lib/json.c so that "gvpn -j" gets
 * the same facts as JSON.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json.h"
#include "ks/ks.h"
#include "util.h"

static void print_prefix(const char *key, const char *label,
			 struct in_addr a, uint8_t plen)
{
	char buf[INET_ADDRSTRLEN + 4], ip[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &a, ip, sizeof(ip));
	if (!plen)
		snprintf(buf, sizeof(buf), "any");
	else
		snprintf(buf, sizeof(buf), "%s/%u", ip, plen);
	print_string(PRINT_ANY, key, label, buf);
}

static void print_port(const char *key, const char *label, uint16_t port)
{
	if (port)
		print_uint(PRINT_ANY, key, label, port);
	else
		print_string(PRINT_ANY, key, label, "any");
}

static void print_time(const char *key, const char *label, time_t t)
{
	char buf[32];
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	print_string(PRINT_ANY, key, label, buf);
}

static void print_policy(const struct ks_group *g, unsigned i)
{
	const struct ks_policy *p = &g->c->pol[i];
	char pbuf[16];

	open_json_object(NULL);
	print_indent(2);
	print_uint(PRINT_ANY, "index", "policy", i + 1);
	print_string(PRINT_ANY, "action", NULL,
		     p->action == KS_PERMIT ? "permit" : "deny");
	print_string(PRINT_ANY, "protocol", "proto",
		     p->proto ? ipproto_name(p->proto, pbuf, sizeof(pbuf))
			      : "any");
	print_prefix("source", "src", p->src, p->src_plen);
	print_port("source_port", "sport", p->sport);
	print_prefix("destination", "dst", p->dst, p->dst_plen);
	print_port("destination_port", "dport", p->dport);
	if (p->action == KS_PERMIT)
		print_string(PRINT_ANY, "sa", "sa", g->c->sa[p->sa].name);
	print_nl();
	close_json_object();
}

/* the group's pushes (ks_rekey.c) */
static void print_rekey(struct ks *ks, const struct ks_group *g)
{
	const struct ks_rekey_conf *r = &g->c->rekey;
	const struct ks_push_stats *p = &g->push;
	uint64_t next = ks_rekey_next_ms(g), now = ks->now_ms();
	char buf[INET_ADDRSTRLEN];

	print_indent(2);
	open_json_object("rekey");
	print_word("rekey");
	print_string(PRINT_ANY, "transport", "transport",
		     r->transport == KS_MULTICAST ? "multicast" : "unicast");
	if (r->transport == KS_MULTICAST) {
		inet_ntop(AF_INET, &r->mcast, buf, sizeof(buf));
		print_string(PRINT_ANY, "multicast_group", "group", buf);
		print_uint(PRINT_ANY, "multicast_ttl", "ttl", r->mcast_ttl);
	}
	print_string(PRINT_ANY, "schedule", "schedule",
		     r->schedule == KS_SCHED_JUNIPER ? "juniper" : "cisco");
	print_uint(PRINT_ANY, "seq", "seq", g->seq);
	print_uint(PRINT_ANY, "next_rekey", "next-rekey",
		   next > now ? (next - now + 999) / 1000 : 0);
	if (p->last_rekey)
		print_time("last_rekey", "last-rekey", p->last_rekey);
	else
		print_string(PRINT_ANY, "last_rekey", "last-rekey", "never");
	/* the last rekey push: its SEQ (under the KEK it went out with),
	 * what it carried, the members that have not ACKed it yet */
	if (p->last_rekey_kind) {
		print_uint(PRINT_ANY, "last_rekey_seq", "last-rekey-seq",
			   p->last_rekey_seq);
		print_string(PRINT_ANY, "last_rekey_kind", "last-rekey-kind",
			     p->last_rekey_kind);
	} else {
		print_null(PRINT_ANY, "last_rekey_seq", "last-rekey-seq");
		print_null(PRINT_ANY, "last_rekey_kind", "last-rekey-kind");
	}
	print_uint(PRINT_ANY, "acks_outstanding", "acks-outstanding",
		   ks_rekey_acks_outstanding(g));
	print_uint(PRINT_ANY, "retransmissions", "retransmit",
		   r->retransmissions);
	print_uint(PRINT_ANY, "retransmit_period", "every",
		   r->retransmit_period);
	print_uint(PRINT_ANY, "heartbeat", "heartbeat", r->heartbeat);
	print_uint(PRINT_ANY, "pseudotime_resync", "resync", r->pst_resync);
	print_nl();
	print_indent(4);
	print_uint(PRINT_ANY, "rekeys_sent", "rekeys", p->rekeys);
	print_uint(PRINT_ANY, "kek_rekeys", "kek-rekeys", p->kek_rekeys);
	print_uint(PRINT_ANY, "heartbeats", "heartbeats", p->heartbeats);
	print_uint(PRINT_ANY, "copies", "copies", p->copies);
	print_uint(PRINT_ANY, "retransmitted", "retransmitted",
		   p->retransmitted);
	print_uint(PRINT_ANY, "acks_received", "acks", p->acks);
	print_uint(PRINT_ANY, "acks_late", "acks-late", p->acks_late);
	print_uint(PRINT_ANY, "acks_refused", "acks-refused",
		   p->acks_refused);
	print_uint(PRINT_ANY, "ejected", "ejected", p->ejected);
	print_uint(PRINT_ANY, "failed", "failed", p->failed);
	close_json_object();
	print_nl();
}

static void print_group(struct ks *ks, const struct ks_group *g)
{
	const struct ks_group_conf *c = g->c;
	char buf[64];
	unsigned i, j;

	open_json_object(NULL);
	print_schema_version();
	print_uint(PRINT_ANY, "id", "group", c->id);
	print_string(PRINT_ANY, "name", "name", c->name);
	if (c->id_is_addr) {
		inet_ntop(AF_INET, &c->id_addr, buf, sizeof(buf));
		print_string(PRINT_ANY, "identity", "identity", buf);
	} else {
		print_string(PRINT_ANY, "identity", "identity", "number");
	}
	print_uint(PRINT_ANY, "members", "members", g->nmembers);
	print_uint(PRINT_ANY, "registrations", "registrations", g->regs);
	print_uint(PRINT_ANY, "refused", "refused", g->refused);
	print_uint(PRINT_ANY, "incomplete", "incomplete", g->incomplete);
	print_nl();
	print_indent(2);
	print_uint(PRINT_ANY, "activation_time_delay", "atd", c->atd);
	print_uint(PRINT_ANY, "tbar_window", "tbar-window", c->tbar);
	print_uint(PRINT_ANY, "pseudotime_ms", "pseudotime",
		   ks_pseudotime_ms(ks, g));
	print_bool(PRINT_ANY, "receive_only", "receive-only",
		   c->receive_only);
	/* for vendor members (gvpnd.conf(5)): shown when set */
	if (c->compat == KS_COMPAT_RFC3547)
		print_string(PRINT_ANY, "compat", "compat", "rfc3547");
	if (c->mixed)
		print_bool(PRINT_ANY, "mixed_members", "mixed-members", true);
	if (ks_group_counter_mode(g)) {
		unsigned held, waiting, size;

		ks_sid_counts(ks, g, &held, &waiting, &size);
		print_uint(PRINT_ANY, "sender_id_bits", "sid-bits",
			   c->sid_bits);
		print_uint(PRINT_ANY, "sids_held", "sids-held", held);
		print_uint(PRINT_ANY, "sids_waiting", "sids-waiting",
			   waiting);
		print_uint(PRINT_ANY, "sids_total", "of", size);
	}
	if (c->description)
		print_string(PRINT_ANY, "description", "description",
			     c->description);
	print_nl();
	if (c->kek.set) {
		print_indent(2);
		open_json_object("kek");
		print_word("kek");
		for (i = 0; i < 16; i++)
			snprintf(buf + 2 * i, 3, "%02x", g->kek.spi[i]);
		print_string(PRINT_ANY, "spi", "spi", buf);
		/* as in gvpnd.conf: aes128, aes192, aes256 or 3des */
		if (c->kek.alg == GDOI_KEK_ALG_AES)
			snprintf(buf, sizeof(buf), "aes%u", c->kek.key_bits);
		else
			snprintf(buf, sizeof(buf), "3des");
		print_string(PRINT_ANY, "algorithm", "alg", buf);
		print_uint(PRINT_ANY, "lifetime", "lifetime", c->kek.lifetime);
		print_uint(PRINT_ANY, "remaining", "remaining",
			   ks_remaining(ks, g->kek.expires_ms));
		print_uint(PRINT_ANY, "seq", "seq", g->seq);
		print_uint(PRINT_ANY, "signing_key_bits", "rsa", c->kek.sig_bits);
		close_json_object();
		print_nl();
	}
	if (g->rk)
		print_rekey(ks, g);
	open_json_array("sas");
	for (i = 0; i < c->npol; i++) {
		const struct ks_sa_conf *sc = &c->sa[c->pol[i].sa];

		for (j = 0; j < g->teks[i].ntek; j++) {
			const struct ks_tek *t = &g->teks[i].tek[j];

			open_json_object(NULL);
			print_indent(2);
			print_word("tek");
			print_uint(PRINT_ANY, "policy", "policy", i + 1);
			print_string(PRINT_ANY, "name", "ipsec-sa", sc->name);
			print_hex(PRINT_ANY, "spi", "spi", t->spi);
			print_string(PRINT_ANY, "transform", "transform",
				     sc->transform);
			print_uint(PRINT_ANY, "lifetime", "lifetime",
				   sc->lifetime);
			print_uint(PRINT_ANY, "remaining", "remaining",
				   ks_remaining(ks, t->expires_ms));
			print_nl();
			close_json_object();
		}
	}
	close_json_array();
	open_json_array("policies");
	for (i = 0; i < c->npol; i++)
		print_policy(g, i);
	close_json_array();
	close_json_object();
}

int ks_print_show(struct ks *ks, int group_id)
{
	unsigned i;

	if (group_id >= 0 && !ks_group_by_id(ks, (uint32_t)group_id))
		return -ENOENT;
	open_json_array(NULL);
	for (i = 0; i < ks->ngroups; i++)
		if (group_id < 0 || ks->groups[i].c->id == (uint32_t)group_id)
			print_group(ks, &ks->groups[i]);
	close_json_array();
	return 0;
}

/* arg: the count of members printed */
static void print_member(struct ks *ks, const struct ks_member *m, void *arg)
{
	char ip[INET_ADDRSTRLEN];

	++*(unsigned *)arg;
	inet_ntop(AF_INET, &m->addr, ip, sizeof(ip));
	open_json_object(NULL);
	print_schema_version();
	print_string(PRINT_ANY, "address", "member", ip);
	print_uint(PRINT_ANY, "group", "group", ks->groups[m->group].c->id);
	print_string(PRINT_ANY, "group_name", "name",
		     ks->groups[m->group].c->name);
	print_string(PRINT_ANY, "identity", "identity",
		     m->identity[0] ? m->identity : "-");
	print_time("registered", "registered", m->first);
	print_time("last", "last", m->last);
	print_uint(PRINT_ANY, "registrations", "registrations", m->count);
	if (m->has_sid) {
		print_uint(PRINT_ANY, "sender_id", "sid", m->sid);
		print_uint(PRINT_ANY, "sender_id_bits", "sid-bits",
			   m->sid_bits);
	} else {
		print_null(PRINT_JSON, "sender_id", NULL);
	}
	if (ks->groups[m->group].rk) {
		print_string(PRINT_ANY, "state", "state",
			     m->state == KS_MEMBER_EJECTED ? "ejected"
							  : "active");
		print_uint(PRINT_ANY, "last_acked_seq", "acked-seq",
			   m->acked_seq);
		if (m->acked_at)
			print_time("last_ack", "last-ack", m->acked_at);
		else
			print_string(PRINT_ANY, "last_ack", "last-ack",
				     "never");
		print_uint(PRINT_ANY, "missed", "missed", m->misses);
	}
	print_nl();
	close_json_object();
}

int ks_print_members(struct ks *ks, int group_id)
{
	int idx = -1, err;
	unsigned n = 0;
	char none[64];

	if (group_id >= 0) {
		struct ks_group *g = ks_group_by_id(ks, (uint32_t)group_id);

		if (!g)
			return -ENOENT;
		idx = (int)(g - ks->groups);
	}
	open_json_array(NULL);
	err = ks_members_walk(ks, idx, print_member, &n);
	close_json_array();
	/* text: say so rather than print nothing (JSON: []) */
	if (!err && !n) {
		if (group_id >= 0)
			snprintf(none, sizeof(none),
				 "no members registered in group %d", group_id);
		else
			snprintf(none, sizeof(none), "no members registered");
		print_string(PRINT_FP, NULL, NULL, none);
		print_nl();
	}
	return err;
}
