// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * The key server role: each group's KEK and TEKs, and the answer to a
 * GROUPKEY-PULL (features.md KS-05, KS-09, KS-18).
 *
 * Each permit policy has TEKs of its own (SPI, keys), of its ipsec-sa's
 * transform and lifetime: gvpn.ko binds an SA to one policy, so members
 * refuse one SPI under two policies. Keys are made when the server starts
 * (Cisco makes them when the group is configured) and kept until they
 * expire. In a group with a KEK, a key is replaced at its rekey time
 * (ks_rekey_at_ms, RK-08/RK-09) and pushed by the same event (ks_rekey.c);
 * a pull that comes first makes it and kicks the push. In a group without
 * one, so that a member registering late still gets keys it can use, a
 * pull makes a new TEK when the newest one of a permit policy has less
 * than max(2 x ATD, lifetime / 10) left: 2 x ATD is how long a member may
 * wait before it encrypts with a rekeyed TEK (Juniper), 10 % is when a
 * server generates the next key (KS-17). The older TEK is sent too until
 * it expires, so members that have it keep decrypting (KS-18: "all the
 * TEKs"). The KEK follows the same rule.
 *
 * What a pull gets is encoded once into a snapshot shared by every pull in
 * flight (reference-counted; freed, keys zeroed, after the last done()).
 * A snapshot is rebuilt when the keys change or when it is older than
 * KS_SNAP_MAX_AGE_MS, so remaining lifetimes and the pseudotime it
 * carries are at most that old.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "core/log.h"
#include "core/loop.h"
#include "gdoi/gdoi.h"
#include "ks/ks.h"
#include "linux/gvpn.h"
#include "util.h"

/* attribute space of one snapshot: generous for 100 policies x 2 TEKs */
#define SNAP_KEK_ATTRS	64
#define SNAP_GAP_ATTRS	16
#define TEK_ATTRS_MAX	64
#define KD_TEK_MAX	(2 * (4 + 8 + 64))

struct ks_snap {
	unsigned refs;
	bool current;			/* still the group's snapshot */
	uint64_t built_ms;
	struct gdoi_sa sa;
	struct gdoi_kd kd;
	bool has_seq;
	uint32_t seq;
	size_t cap, len;		/* of mem */
	uint8_t sel[KS_MAX_POLICIES][2][8];	/* selector data */
	uint8_t kek_src[4];		/* compat = rfc3547: SA KEK source */
	uint8_t gap[SNAP_GAP_ATTRS];	/* anchor: done() finds us from it */
	uint8_t mem[];			/* attributes, KD keys */
};

static uint64_t default_now_ms(void)
{
	return ev_now_ms();
}

unsigned ks_remaining(struct ks *ks, uint64_t expires_ms)
{
	uint64_t now = ks->now_ms();

	return expires_ms > now ? (unsigned)((expires_ms - now + 999) / 1000)
				: 0;
}

uint64_t ks_pseudotime_ms(struct ks *ks, const struct ks_group *g)
{
	return g->pst_started ? ks->now_ms() - g->pst_start_ms : 0;
}

struct ks_group *ks_group_by_id(struct ks *ks, uint32_t id)
{
	unsigned i;

	for (i = 0; i < ks->ngroups; i++)
		if (ks->groups[i].c->id == id)
			return &ks->groups[i];
	return NULL;
}

static struct ks_group *group_by_gid(struct ks *ks,
				     const struct gdoi_group_id *gid)
{
	unsigned i;

	for (i = 0; i < ks->ngroups; i++) {
		const struct ks_group_conf *c = ks->groups[i].c;

		if (gid->type == ISAKMP_ID_IPV4_ADDR && c->id_is_addr &&
		    c->id_addr.s_addr == gid->addr.s_addr)
			return &ks->groups[i];
		if (gid->type == ISAKMP_ID_KEY_ID && !c->id_is_addr &&
		    c->id == gid->id)
			return &ks->groups[i];
	}
	return NULL;
}

/* --- keys ----------------------------------------------------------------- */

static bool spi_in_use(struct ks *ks, uint32_t spi)
{
	unsigned i, j, k;

	for (i = 0; i < ks->ngroups; i++)
		for (j = 0; ks->groups[i].teks && j < ks->groups[i].c->npol; j++)
			for (k = 0; k < ks->groups[i].teks[j].ntek; k++)
				if (ks->groups[i].teks[j].tek[k].spi == spi)
					return true;
	return false;
}

static const struct ks_sa_conf *pol_sa(const struct ks_group *g, unsigned pol)
{
	return &g->c->sa[g->c->pol[pol].sa];
}

/* a new TEK for permit policy pol */
static int new_tek(struct ks *ks, struct ks_group *g, unsigned pol)
{
	const struct ks_sa_conf *sc = pol_sa(g, pol);
	struct ks_sa_rt *rt = &g->teks[pol];
	struct ks_tek t = { 0 };
	int tries = 0;

	/* SPIs below 256 are reserved (RFC 4303); unique on this server */
	do {
		if (RAND_priv_bytes((unsigned char *)&t.spi, sizeof(t.spi)) != 1)
			return -EIO;
	} while ((t.spi < 256 || spi_in_use(ks, t.spi)) && ++tries < 100);
	if (tries == 100)
		return -EIO;
	if (RAND_priv_bytes(t.key, sc->t.enc->key_len + sc->t.integ->key_len) != 1)
		return -EIO;
	t.created_ms = ks->now_ms();
	t.expires_ms = t.created_ms + (uint64_t)sc->lifetime * 1000;
	/* a SID given back stays unused until every TEK so far expired */
	if (t.expires_ms > g->tek_horizon_ms)
		g->tek_horizon_ms = t.expires_ms;
	if (rt->ntek == 2) {
		OPENSSL_cleanse(&rt->tek[0], sizeof(rt->tek[0]));
		rt->tek[0] = rt->tek[1];
		rt->ntek = 1;
	}
	rt->tek[rt->ntek++] = t;
	OPENSSL_cleanse(&t, sizeof(t));
	return 0;
}

void ks_kek_forget(struct ks_group *g)
{
	EVP_PKEY_free(g->prev_kek.pkey);
	OPENSSL_cleanse(&g->prev_kek, sizeof(g->prev_kek));
	g->has_prev_kek = false;
}

static int new_kek(struct ks *ks, struct ks_group *g)
{
	const struct ks_kek_conf *kc = &g->c->kek;
	struct ks_kek k = { 0 };

	if (RAND_priv_bytes(k.spi, sizeof(k.spi)) != 1 ||
	    RAND_priv_bytes(k.key, kc->key_bits / 8) != 1) {
		OPENSSL_cleanse(&k, sizeof(k));
		return -EIO;
	}
	if (g->kek.expires_ms) {
		/* the KEK rekey goes out under the old KEK, with the next
		 * sequence number of the old KEK (ks_rekey.c) */
		ks_kek_forget(g);
		g->prev_kek = g->kek;	/* with its key reference */
		g->has_prev_kek = true;
		g->prev_seq = g->seq;
		g->kek_unpushed = true;
	}
	k.created_ms = ks->now_ms();
	k.expires_ms = k.created_ms + (uint64_t)kc->lifetime * 1000;
	k.alg = kc->alg;
	k.key_bits = kc->key_bits;
	k.sig_hash = kc->sig_hash;
	if (kc->pkey && EVP_PKEY_up_ref(kc->pkey))
		k.pkey = kc->pkey;
	g->kek = k;
	OPENSSL_cleanse(&k, sizeof(k));
	g->seq = 0;	/* sequence numbers start again with a KEK (6) */
	return 0;
}

static void snap_retire(struct ks_group *g);

static uint64_t renew_margin_ms(const struct ks_group *g, unsigned lifetime)
{
	uint64_t a = 2ULL * g->c->atd * 1000, b = (uint64_t)lifetime * 100;

	return a > b ? a : b;
}

/* when the newest key made at created_ms is replaced */
static uint64_t renew_at_ms(const struct ks_group *g, uint64_t created_ms,
			    unsigned lifetime)
{
	/* a group with a KEK gets its keys by push: replacing a key and
	 * pushing it are one event, at the rekey time (RK-08, RK-09) */
	if (g->c->kek.set)
		return ks_rekey_at_ms(g, created_ms, lifetime);
	return created_ms + (uint64_t)lifetime * 1000 -
	       renew_margin_ms(g, lifetime);
}

/* Drops expired TEKs and makes new ones where the rule says (or due
 * within horizon_ms): 1 if the keys changed, 0 if not, -errno */
int ks_refresh_keys(struct ks *ks, struct ks_group *g, uint64_t horizon_ms)
{
	uint64_t now = ks->now_ms();
	int changed = 0, err;
	unsigned i;

	for (i = 0; i < g->c->npol; i++) {
		struct ks_sa_rt *rt = &g->teks[i];

		if (g->c->pol[i].action != KS_PERMIT)
			continue;

		while (rt->ntek && rt->tek[0].expires_ms <= now) {
			OPENSSL_cleanse(&rt->tek[0], sizeof(rt->tek[0]));
			if (rt->ntek == 2)
				rt->tek[0] = rt->tek[1];
			rt->ntek--;
			changed = 1;
		}
		/* a key's own lifetime: a reload may have changed the
		 * configured one since it was made */
		if (!rt->ntek ||
		    renew_at_ms(g, rt->tek[rt->ntek - 1].created_ms,
				(unsigned)((rt->tek[rt->ntek - 1].expires_ms -
					    rt->tek[rt->ntek - 1].created_ms) /
					   1000)) <= now + horizon_ms) {
			err = new_tek(ks, g, i);
			if (err)
				return err;
			g->tek_unpushed = true;
			changed = 1;
		}
	}
	if (g->c->kek.set &&
	    renew_at_ms(g, g->kek.created_ms,
			(unsigned)((g->kek.expires_ms - g->kek.created_ms) /
				   1000)) <= now + horizon_ms) {
		err = new_kek(ks, g);
		if (err)
			return err;
		changed = 1;
	}
	if (changed)
		snap_retire(g);	/* pulls and pushes get the new keys */
	return changed;
}

static int refresh_keys(struct ks *ks, struct ks_group *g)
{
	int changed = ks_refresh_keys(ks, g, 0);

	/* made by a pull just before the rekey timer: push them now */
	if (changed > 0 && g->c->kek.set)
		ks_rekey_kick(ks, g);
	return changed;
}

int ks_new_keys(struct ks *ks, struct ks_group *g, bool kek)
{
	unsigned i;
	int err;

	for (i = 0; i < g->c->npol; i++) {
		if (g->c->pol[i].action != KS_PERMIT)
			continue;
		err = new_tek(ks, g, i);
		if (err)
			return err;
		g->tek_unpushed = true;
	}
	snap_retire(g);
	if (kek && g->c->kek.set)
		return new_kek(ks, g);
	return 0;
}

/* --- snapshot ------------------------------------------------------------- */

static void snap_put(struct ks_snap *s)
{
	if (!s || --s->refs)
		return;
	OPENSSL_cleanse(s->mem, s->cap);
	free(s);
}

/* addr4: a single address as ID_IPV4_ADDR (RFC 3547 members want it),
 * else ID_IPV4_ADDR_SUBNET */
static void put_sel(uint8_t *d, struct gdoi_sel *sel, struct in_addr a,
		    uint8_t plen, uint16_t port, bool addr4)
{
	uint32_t mask = prefix4_mask(plen);

	memcpy(d, &a, 4);
	memcpy(d + 4, &mask, 4);
	sel->type = ISAKMP_ID_IPV4_ADDR_SUBNET;
	sel->port = port;
	sel->len = 8;
	sel->data = d;
	if (addr4 && plen == 32) {
		sel->type = ISAKMP_ID_IPV4_ADDR;
		sel->len = 4;
	}
}

/* the attributes of an SA TEK carrying TEK t (of SA sc); deny: a bypass
 * policy that borrows t's SPI so that every SPI has its keys in KD */
static void tek_attrs(struct ks *ks, const struct ks_group *g,
		      const struct ks_sa_conf *sc, const struct ks_tek *t,
		      bool deny, struct isakmp_buf *b)
{
	const struct tek_enc *enc = sc->t.enc;

	isakmp_put_attr_basic(b, TEK_ATTR_LIFE_TYPE, TEK_LIFE_SECONDS);
	isakmp_put_attr_uint(b, TEK_ATTR_LIFE_DURATION,
			     ks_remaining(ks, t->expires_ms));
	isakmp_put_attr_basic(b, TEK_ATTR_ENCAP_MODE, TEK_ENCAP_TUNNEL);
	if (sc->t.integ->auth_alg != TEK_AUTH_NONE)
		isakmp_put_attr_basic(b, TEK_ATTR_AUTH_ALG,
				      sc->t.integ->auth_alg);
	if (enc->key_bits)
		isakmp_put_attr_basic(b, TEK_ATTR_KEY_LENGTH, enc->key_bits);
	isakmp_put_attr_basic(b, TEK_ATTR_ADDR_PRESERVATION,
			      TEK_ADDR_PRES_BOTH);
	if (g->c->receive_only)
		isakmp_put_attr_basic(b, TEK_ATTR_SA_DIRECTION,
				      TEK_DIR_RECEIVER);
	if (deny)
		isakmp_put_attr_basic(b, TEK_ATTR_GVPN_BYPASS, 1);
	if (g->c->tbar) {
		uint64_t pst = ks_pseudotime_ms(ks, g);
		uint8_t v[8];
		int i;

		for (i = 7; i >= 0; i--, pst >>= 8)
			v[i] = (uint8_t)pst;
		isakmp_put_attr_basic(b, TEK_ATTR_GVPN_TBAR_WINDOW,
				      (uint16_t)g->c->tbar);
		isakmp_put_attr_basic(b, TEK_ATTR_GVPN_CLOCK,
				      GVPN_CLOCK_PSEUDO);
		isakmp_put_attr_var(b, TEK_ATTR_GVPN_PSEUDOTIME_MS, v,
				    sizeof(v));
	}
}

static unsigned count_teks(const struct ks_group *g)
{
	unsigned i, n = 0;

	for (i = 0; i < g->c->npol; i++)
		if (g->c->pol[i].action != KS_DENY)
			n += g->teks[i].ntek;
		else if (!g->c->mixed)
			n++;
	return n;
}

static unsigned count_keys(const struct ks_group *g)
{
	unsigned i, n = g->c->kek.set ? 1 : 0;

	for (i = 0; i < g->c->npol; i++)
		n += g->teks[i].ntek;
	return n;
}

static size_t snap_mem_size(const struct ks_group *g)
{
	size_t n = SNAP_KEK_ATTRS + 4 * (8 + 32) + g->c->kek.spki_len;

	/* per SA TEK: attributes; per TEK: one key packet */
	n += (size_t)count_teks(g) * TEK_ATTRS_MAX;
	n += (size_t)g->c->npol * KD_TEK_MAX;
	return n;
}

static void attrs_end(struct isakmp_buf *b, size_t start,
		      struct isakmp_attrs *a)
{
	a->p = b->p + start;
	a->len = b->len - start;
}

static struct ks_snap *snap_build(struct ks *ks, struct ks_group *g)
{
	const struct ks_group_conf *c = g->c;
	bool rfc3547 = c->compat == KS_COMPAT_RFC3547;
	size_t cap = snap_mem_size(g), start;
	struct ks_snap *s;
	struct isakmp_buf b, gb;
	unsigned i, j;

	if (count_teks(g) > GDOI_MAX_TEKS || count_keys(g) > GDOI_MAX_KEY_PACKETS) {
		/* the configuration keeps this from happening */
		log_err("group %s: %u SA TEKs and %u key packets, the GDOI codec carries at most %u and %u",
			c->name, count_teks(g), count_keys(g), GDOI_MAX_TEKS,
			GDOI_MAX_KEY_PACKETS);
		return NULL;
	}
	s = calloc(1, sizeof(*s) + cap);
	if (!s)
		return NULL;
	s->refs = 1;
	s->current = true;
	s->cap = cap;
	s->built_ms = ks->now_ms();
	isakmp_buf_init(&b, s->mem, cap);

	s->sa.doi = ISAKMP_DOI_GDOI;
	s->sa.situation = 0;
	/*
	 * The SA Attribute Next Payload stays in RFC 6407's 2-byte form in
	 * either mode: what RFC 3547 peers send there is uncertain (we read
	 * both), and 2 bytes is what independent decoders (tshark) read.
	 */
	s->sa.rfc3547_hdr = false;
	if (c->kek.set) {
		struct gdoi_sak *k = &s->sa.kek;
		static const uint8_t any[8];

		s->sa.has_kek = true;
		k->proto = 17;	/* rekeys: UDP 848 from the server */
		k->src.type = k->dst.type = ISAKMP_ID_IPV4_ADDR_SUBNET;
		k->src.port = k->dst.port = 848;
		k->src.len = k->dst.len = 8;
		k->src.data = any;
		k->dst.data = any;
		if (c->rekey.transport == KS_MULTICAST) {
			k->dst.type = ISAKMP_ID_IPV4_ADDR;
			k->dst.len = 4;
			k->dst.data = (const uint8_t *)&c->rekey.mcast;
		}
		if (rfc3547) {
			/* the rekeys' source as one address (some RFC 3547
			 * members take no /32 subnet there) */
			memcpy(s->kek_src, c->rekey.mcast_src.s_addr ?
			       &c->rekey.mcast_src : &ks->listen_addr, 4);
			if (memcmp(s->kek_src, any, 4)) {
				k->src.type = ISAKMP_ID_IPV4_ADDR;
				k->src.len = 4;
				k->src.data = s->kek_src;
			}
		}
		memcpy(k->spi, g->kek.spi, sizeof(k->spi));
		k->trailer_len = 4;
		if (rfc3547) {
			/*
			 * 6 bytes after the SPI, as RFC 3547 peers send them
			 * (issue 12): POP algorithm (RSA), POP key length,
			 * 2 zero bytes
			 */
			k->trailer_len = 6;
			memset(k->trailer, 0, sizeof(k->trailer));
			k->trailer[1] = GDOI_SIG_ALG_RSA;
			k->trailer[2] = (uint8_t)(c->kek.sig_bits >> 8);
			k->trailer[3] = (uint8_t)c->kek.sig_bits;
		}
		start = b.len;
		isakmp_put_attr_basic(&b, GDOI_KEK_ALGORITHM, c->kek.alg);
		isakmp_put_attr_basic(&b, GDOI_KEK_KEY_LENGTH, c->kek.key_bits);
		isakmp_put_attr_uint(&b, GDOI_KEK_KEY_LIFETIME,
				     ks_remaining(ks, g->kek.expires_ms));
		isakmp_put_attr_basic(&b, GDOI_KEK_SIG_HASH_ALGORITHM,
				      c->kek.sig_hash);
		isakmp_put_attr_basic(&b, GDOI_KEK_SIG_ALGORITHM,
				      GDOI_SIG_ALG_RSA);
		isakmp_put_attr_basic(&b, GDOI_KEK_SIG_KEY_LENGTH,
				      c->kek.sig_bits);
		/* how often the key server pushes at least: members detect
		 * its loss from it (HB-02); private, so not to vendors;
		 * compat = rfc3547 sends no heartbeats (ks_rekey.c) */
		if (!c->mixed)
			isakmp_put_attr_basic(&b, GDOI_KEK_ATTR_GVPN_PUSH_INTERVAL,
					      (uint16_t)(c->rekey.heartbeat &&
							 !rfc3547 ?
							 c->rekey.heartbeat :
							 c->rekey.pst_resync));
		attrs_end(&b, start, &k->attrs);
	}

	for (i = 0; i < c->npol; i++) {
		const struct ks_policy *p = &c->pol[i];
		bool deny = p->action == KS_DENY;
		unsigned pol = deny ? (unsigned)g->first_permit : i;
		const struct ks_sa_conf *sc = pol_sa(g, pol);
		const struct ks_sa_rt *rt = &g->teks[pol];
		unsigned n = deny ? 1 : rt->ntek;

		/*
		 * members = "mixed": gvpn's deny marker is a private attribute
		 * a vendor member would not know, and it would encrypt with
		 * the borrowed SPI what gvpn members send in clear. Sent to no
		 * one: every member treats that traffic alike, by the
		 * policies that follow (gvpnd --check says so).
		 */
		if (deny && c->mixed)
			continue;
		for (j = 0; j < n; j++) {
			struct gdoi_sat *t = &s->sa.tek[s->sa.ntek++];
			const struct ks_tek *tk = &rt->tek[deny ? rt->ntek - 1
								: j];

			t->proto_id = GDOI_PROTO_IPSEC_ESP;
			t->ip_proto = p->proto;
			put_sel(s->sel[i][0], &t->src, p->src, p->src_plen,
				p->sport, rfc3547);
			put_sel(s->sel[i][1], &t->dst, p->dst, p->dst_plen,
				p->dport, rfc3547);
			t->id_len8 = rfc3547;
			t->transform = sc->t.enc->transform;
			t->spi = tk->spi;
			start = b.len;
			tek_attrs(ks, g, sc, tk, deny, &b);
			attrs_end(&b, start, &t->attrs);
		}
	}

	/* GAP is RFC 6407's (5.5): RFC 3547 has none */
	s->sa.has_gap = !rfc3547;
	isakmp_buf_init(&gb, s->gap, sizeof(s->gap));
	isakmp_put_attr_basic(&gb, GDOI_GAP_ACTIVATION_TIME_DELAY,
			      (uint16_t)c->atd);
	isakmp_put_attr_basic(&gb, GDOI_GAP_DEACTIVATION_TIME_DELAY,
			      (uint16_t)(2 * c->atd));
	s->sa.gap.attrs.p = s->gap;
	s->sa.gap.attrs.len = gb.len;

	/* KD: every SPI of the SA payload, then the KEK */
	for (i = 0; i < c->npol; i++) {
		const struct ks_sa_conf *sc = pol_sa(g, i);

		for (j = 0; j < g->teks[i].ntek; j++) {
			const struct ks_tek *tk = &g->teks[i].tek[j];
			struct gdoi_key_packet *kp = &s->kd.pkt[s->kd.n++];
			uint32_t nspi = htonl(tk->spi);

			kp->type = GDOI_KD_TEK;
			kp->spi_len = 4;
			start = b.len;
			isakmp_put_bytes(&b, &nspi, 4);
			kp->spi = b.p + start;
			start = b.len;
			isakmp_put_attr_var(&b, GDOI_KD_TEK_ALGORITHM_KEY, tk->key,
					    sc->t.enc->key_len);
			if (sc->t.integ->key_len)
				isakmp_put_attr_var(&b, GDOI_KD_TEK_INTEGRITY_KEY,
						    tk->key + sc->t.enc->key_len,
						    sc->t.integ->key_len);
			attrs_end(&b, start, &kp->attrs);
		}
	}
	if (c->kek.set) {
		struct gdoi_key_packet *kp = &s->kd.pkt[s->kd.n++];

		kp->type = GDOI_KD_KEK;
		kp->spi_len = 16;
		kp->spi = s->sa.kek.spi;
		start = b.len;
		isakmp_put_attr_var(&b, GDOI_KD_KEK_ALGORITHM_KEY, g->kek.key,
				    c->kek.key_bits / 8);
		isakmp_put_attr_var(&b, GDOI_KD_KEK_SIGNATURE_KEY, c->kek.spki,
				    (uint16_t)c->kek.spki_len);
		attrs_end(&b, start, &kp->attrs);
		s->has_seq = true;
		s->seq = g->seq;
	}
	s->len = b.len;
	if (b.err) {
		log_err("group %s: reply does not fit (%zu bytes)", c->name,
			cap);
		s->refs = 0;
		OPENSSL_cleanse(s->mem, s->cap);
		free(s);
		return NULL;
	}
	return s;
}

static void snap_retire(struct ks_group *g)
{
	if (g->snap) {
		g->snap->current = false;
		snap_put(g->snap);
		g->snap = NULL;
	}
}

/* the snapshot a pull gets now (a reference for the caller), or NULL */
static struct ks_snap *group_snap(struct ks *ks, struct ks_group *g)
{
	int changed = refresh_keys(ks, g);

	if (changed < 0)
		return NULL;
	if (changed || !g->snap || g->snap->seq != g->seq ||
	    ks->now_ms() - g->snap->built_ms >= KS_SNAP_MAX_AGE_MS) {
		struct ks_snap *s = snap_build(ks, g);

		if (!s)
			return NULL;
		snap_retire(g);
		g->snap = s;
	}
	g->snap->refs++;
	return g->snap;
}

void ks_snap_retire(struct ks_group *g)
{
	snap_retire(g);
}

struct ks_snap *ks_snap_get(struct ks *ks, struct ks_group *g,
			    struct gdoi_sa *sa, struct gdoi_kd *kd)
{
	struct ks_snap *s = group_snap(ks, g);

	if (s) {
		*sa = s->sa;
		*kd = s->kd;
	}
	return s;
}

void ks_snap_put(struct ks_snap *s)
{
	snap_put(s);
}

/* --- authorization (AU-03, AU-04) ------------------------------------------ */

static bool prefix_match(const struct ks_prefix *p, struct in_addr a)
{
	return prefix4_match(a, p->addr, p->plen);
}

bool ks_dn_match(const char *pattern, const char *const *rdn_keys,
		 const char *const *rdn_vals, unsigned nrdn)
{
	char buf[512], *save = NULL, *comp;

	if (strlen(pattern) >= sizeof(buf))
		return false;
	strcpy(buf, pattern);
	for (comp = strtok_r(buf, ",", &save); comp;
	     comp = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(comp, '=');
		unsigned i;
		bool hit = false;

		while (*comp == ' ')
			comp++;
		if (!eq || eq == comp)
			return false;
		*eq = '\0';
		for (i = 0; i < nrdn && !hit; i++)
			hit = !strcasecmp(rdn_keys[i], comp) &&
			      !fnmatch(eq + 1, rdn_vals[i], 0);
		if (!hit)
			return false;
	}
	return true;
}

#define MAX_RDN 32

/*
 * Patterns compare whole RDN values: a value that holds a NUL, does not
 * convert to UTF-8 or is too long for us is no value any pattern matches
 * (never its first part).
 */
static bool cert_match(const struct ks_auth_conf *a, X509 *cert, char *subj,
		       size_t subjlen)
{
	const X509_NAME *name = X509_get_subject_name(cert);
	const char *keys[MAX_RDN], *vals[MAX_RDN];
	char valbuf[MAX_RDN][256];
	unsigned n = 0, i;
	int j;

	X509_NAME_oneline(name, subj, (int)subjlen);
	for (j = 0; j < X509_NAME_entry_count(name) && n < MAX_RDN; j++) {
		const X509_NAME_ENTRY *e = X509_NAME_get_entry(name, j);
		int nid = OBJ_obj2nid(X509_NAME_ENTRY_get_object(e));
		const ASN1_STRING *d = X509_NAME_ENTRY_get_data(e);
		unsigned char *utf8 = NULL;
		int len = ASN1_STRING_to_UTF8(&utf8, d);
		bool whole = len >= 0 && (size_t)len < sizeof(valbuf[n]) &&
			     !memchr(utf8, 0, (size_t)len);

		if (whole && nid != NID_undef) {
			memcpy(valbuf[n], utf8, (size_t)len);
			valbuf[n][len] = '\0';
			keys[n] = OBJ_nid2sn(nid);
			vals[n] = valbuf[n];
			n++;
		}
		OPENSSL_free(utf8);
	}
	ERR_clear_error();
	for (i = 0; i < a->nids; i++)
		if (ks_dn_match(a->ids[i], keys, vals, n))
			return true;
	return false;
}

/*
 * Each configured list must admit the member: the address list by the
 * member's address, the identity list by its certificate's subject (a
 * member without a certificate fails it). Cisco lets each identity type
 * bypass the other list (AU-05); we do not: a list that is set applies.
 */
static int authorize(struct ks *ks, struct ks_group *g, struct ike_sa *sa,
		     char *why, size_t whylen)
{
	const struct ks_auth_conf *a = &g->c->auth;
	char addr[INET_ADDRSTRLEN], subj[512];
	unsigned i;

	(void)ks;
	inet_ntop(AF_INET, &sa->peer.sin_addr, addr, sizeof(addr));
	if (a->naddrs) {
		for (i = 0; i < a->naddrs; i++)
			if (prefix_match(&a->addrs[i], sa->peer.sin_addr))
				break;
		if (i == a->naddrs) {
			log_msg(LOG_ALERT,
				"%%GDOI-1-UNAUTHORIZED_IPADDR: Group %s received registration from unauthorized ip address: %s",
				g->c->name, addr);
			snprintf(why, whylen, "%s is not authorized in group %s",
				 addr, g->c->name);
			return -EACCES;
		}
	}
	if (a->nids) {
		snprintf(subj, sizeof(subj), "%s", sa->peer_id[0] ? sa->peer_id
								  : addr);
		if (!sa->peer_cert || !cert_match(a, sa->peer_cert, subj,
						  sizeof(subj))) {
			log_msg(LOG_ALERT,
				"%%GDOI-1-UNAUTHORIZED_IDENTITY: Group %s received registration from unauthorized identity: Dist.name: %s",
				g->c->name, subj);
			snprintf(why, whylen, "identity %s is not authorized in group %s",
				 subj, g->c->name);
			return -EACCES;
		}
	}
	return 0;
}

/* --- gdoi_ks_ops ----------------------------------------------------------- */

static int ks_pull(void *arg, struct ike_sa *sa,
		   const struct gdoi_group_id *gid, struct gdoi_pull_reply *r,
		   char *why, size_t whylen)
{
	struct ks *ks = arg;
	struct ks_group *g = group_by_gid(ks, gid);
	char addr[INET_ADDRSTRLEN];
	struct ks_snap *s;
	int err;

	memset(r, 0, sizeof(*r));
	ks->stats.pulls++;
	inet_ntop(AF_INET, &sa->peer.sin_addr, addr, sizeof(addr));
	if (!g) {
		char idbuf[32];

		if (gid->type == ISAKMP_ID_IPV4_ADDR)
			inet_ntop(AF_INET, &gid->addr, idbuf, sizeof(idbuf));
		else
			snprintf(idbuf, sizeof(idbuf), "%u", gid->id);
		ks->stats.unknown_group++;
		log_msg(LOG_ERR,
			"%%GDOI-3-KS_BAD_ID: Registration: (Config mismatch) between KS and the GM %s, in the group %s.",
			addr, idbuf);
		snprintf(why, whylen, "no group %s on this key server", idbuf);
		return -ENOENT;
	}
	err = authorize(ks, g, sa, why, whylen);
	if (err) {
		ks->stats.unauthorized++;
		g->refused++;
		return err;
	}
	if (ks->conf->members_max && ks->nmembers >= ks->conf->members_max &&
	    !ks_member_find(ks, (unsigned)(g - ks->groups), sa->peer.sin_addr)) {
		ks->stats.table_full++;
		log_warn("group %s: refusing %s: %u members registered (server.members-max)",
			 g->c->name, addr, ks->nmembers);
		snprintf(why, whylen, "member table full");
		return -ENOSPC;
	}
	if (!g->pst_started && g->c->tbar) {
		/* KS-21: the clock ticks from the first registration */
		g->pst_started = true;
		g->pst_start_ms = ks->now_ms();
		snap_retire(g);
	}
	s = group_snap(ks, g);
	if (!s) {
		ks->stats.failed++;
		snprintf(why, whylen, "cannot build the keys of group %s",
			 g->c->name);
		return -ENOMEM;
	}
	r->sa = s->sa;
	r->kd = s->kd;
	r->has_seq = s->has_seq;
	r->seq = s->seq;
	return 0;
}

/* message 3 asked for Sender IDs: one, in a group with a counter-mode
 * TEK (RFC 6407 5.6.3.1); the member gets it at done() */
static int ks_sid_request(void *arg, struct ike_sa *sa,
			  const struct gdoi_group_id *gid,
			  struct gdoi_pull_reply *r, unsigned nreq, char *why,
			  size_t whylen)
{
	struct ks *ks = arg;
	struct ks_group *g = group_by_gid(ks, gid);
	char addr[INET_ADDRSTRLEN];
	uint32_t sid;
	int err;

	(void)nreq;
	memset(&r->sid, 0, sizeof(r->sid));
	if (!g || !ks_group_counter_mode(g))
		return 0;
	inet_ntop(AF_INET, &sa->peer.sin_addr, addr, sizeof(addr));
	err = ks_sid_alloc(ks, g, addr, &sid);
	if (err) {
		g->refused++;
		snprintf(why, whylen, "group %s: %s", g->c->name,
			 err == -ENOSPC ? "no free Sender ID" : "out of memory");
		return err;
	}
	r->sid.bits = (uint8_t)g->c->sid_bits;
	r->sid.n = 1;
	r->sid.value[0] = sid;
	return 0;
}

/* --- registrations that stop half-way ------------------------------------- */

/* may a line about addr be logged now? (per address, KS_INCOMPLETE_LOG_MS);
 * *more: how many were not since the last one */
static bool incomplete_log_ok(struct ks *ks, struct in_addr addr,
			      unsigned long *more)
{
	struct ks_incomplete_rl *slot = NULL, *r;
	uint64_t now = ks->now_ms() + 1;	/* 0 marks a free slot */
	unsigned i;

	for (i = 0; i < KS_INCOMPLETE_PEERS; i++) {
		r = &ks->incomplete_rl[i];
		if (r->last_ms && r->addr.s_addr == addr.s_addr) {
			slot = r;
			break;
		}
		/* else the free or least recently logged one */
		if (!slot || r->last_ms < slot->last_ms)
			slot = r;
	}
	if (slot->last_ms && slot->addr.s_addr == addr.s_addr &&
	    now - slot->last_ms < KS_INCOMPLETE_LOG_MS) {
		slot->suppressed++;
		return false;
	}
	*more = slot->addr.s_addr == addr.s_addr ? slot->suppressed : 0;
	slot->addr = addr;
	slot->last_ms = now;
	slot->suppressed = 0;
	return true;
}

/* counts and logs a registration that stopped half-way: after Phase 1 (g
 * NULL: no pull came, the group is unknown) or after message 2 of g's
 * pull (step says how) */
static void ks_incomplete(struct ks *ks, struct ks_group *g,
			  const struct ike_sa *sa, const char *step)
{
	char addr[INET_ADDRSTRLEN], more[80] = "";
	unsigned long n;

	if (g) {
		g->incomplete++;
		ks->stats.incomplete_no_msg3++;
	} else {
		ks->stats.incomplete_no_pull++;
	}
	if (!incomplete_log_ok(ks, sa->peer.sin_addr, &n))
		return;
	if (n)
		snprintf(more, sizeof(more), " (%lu more from it in the last %d s)",
			 n, KS_INCOMPLETE_LOG_MS / 1000);
	inet_ntop(AF_INET, &sa->peer.sin_addr, addr, sizeof(addr));
	if (g)
		log_warn("registration incomplete: GM %s%s%s%s in group %s stopped after GROUPKEY-PULL message 2: %s%s",
			 addr, sa->peer_id[0] ? " (" : "", sa->peer_id,
			 sa->peer_id[0] ? ")" : "", g->c->name, step, more);
	else
		log_warn("registration incomplete: GM %s%s%s%s stopped after Phase 1: %s%s",
			 addr, sa->peer_id[0] ? " (" : "", sa->peer_id,
			 sa->peer_id[0] ? ")" : "", step, more);
}

static void ks_no_pull(void *arg, struct ike_sa *sa)
{
	ks_incomplete(arg, NULL, sa, "no GROUPKEY-PULL");
}

static void ks_done(void *arg, struct ike_sa *sa,
		    const struct gdoi_group_id *gid, struct gdoi_pull_reply *r,
		    int err)
{
	struct ks *ks = arg;
	struct ks_group *g = group_by_gid(ks, gid);
	struct ks_snap *s = NULL;
	char addr[INET_ADDRSTRLEN];
	struct ks_member *m;
	struct gdoi_sid sid = r->sid;

	/* set with or without a GAP sent (compat = rfc3547 sends none) */
	if (r->sa.gap.attrs.p)
		s = container_of(r->sa.gap.attrs.p, struct ks_snap, gap[0]);
	memset(r, 0, sizeof(*r));
	snap_put(s);
	if (err || !g || !s) {
		/* message 4 did not go out: nobody got the SID */
		if (g && sid.n)
			ks_sid_release(ks, g, sid.value[0]);
		/* the member's doing, not ours (-EMSGSIZE) nor a refusal */
		if (g && s && err == -ETIMEDOUT)
			ks_incomplete(ks, g, sa, "no message 3");
		else if (g && s && err == -ECONNABORTED)
			ks_incomplete(ks, g, sa, "its Phase 1 SA went away before message 3");
		else if (g && s && err == -ECONNREFUSED)
			ks_incomplete(ks, g, sa, "it refused message 2");
		return;
	}
	inet_ntop(AF_INET, &sa->peer.sin_addr, addr, sizeof(addr));
	m = ks_member_add(ks, (unsigned)(g - ks->groups), sa->peer.sin_addr,
			  sa->peer_id);
	if (m) {
		m->local = sa->local.sin_addr;
		m->port = sa->peer.sin_port;
		/* a new registration, a new SID: the old one waits for the
		 * TEKs it may have been used under to expire */
		ks_member_sid_release(ks, m);
		if (sid.n) {
			m->has_sid = true;
			m->sid_bits = sid.bits;
			m->sid = sid.value[0];
		}
		ks_rekey_member_registered(ks, m);
	} else if (sid.n) {
		ks_sid_release(ks, g, sid.value[0]);
	}
	g->regs++;
	ks->stats.regs++;
	if (m && m->count == 1 && g->nmembers == 1)
		log_msg(LOG_INFO,
			"%%GDOI-6-KS_FIRST_GM: Re-key: KS %s received first GM %s for group %s",
			inet_ntoa(sa->local.sin_addr), addr, g->c->name);
	log_msg(LOG_NOTICE,
		"%%GDOI-5-KS_REGG_COMPL: KS completed successful registration in group %s with group member %s",
		g->c->name, addr);
}

const struct gdoi_ks_ops ks_gdoi_ops = {
	.pull = ks_pull,
	.sid = ks_sid_request,
	.done = ks_done,
	.no_pull = ks_no_pull,
	.push_ack = ks_push_ack,
};

/* --- life ------------------------------------------------------------------ */

int ks_init(struct ks *ks, const struct ks_conf *conf)
{
	unsigned i, j;
	int err;

	uint64_t (*now)(void) = ks->now_ms;
	time_t (*wall)(time_t *) = ks->wall;

	memset(ks, 0, sizeof(*ks));
	ks->conf = conf;
	/* clocks set before (tests) are kept */
	ks->now_ms = now ? now : default_now_ms;
	ks->wall = wall ? wall : time;
	if (!conf->ngroups)
		return 0;
	ks->groups = calloc(conf->ngroups, sizeof(*ks->groups));
	if (!ks->groups || ks_members_init(ks)) {
		free(ks->groups);
		ks->groups = NULL;
		return -ENOMEM;
	}
	ks->ngroups = conf->ngroups;
	for (i = 0; i < ks->ngroups; i++) {
		struct ks_group *g = &ks->groups[i];

		g->c = &conf->groups[i];
		g->first_permit = -1;
		g->teks = calloc(g->c->npol, sizeof(*g->teks));
		if (!g->teks) {
			err = -ENOMEM;
			goto fail;
		}
	}
	for (i = 0; i < ks->ngroups; i++) {
		struct ks_group *g = &ks->groups[i];

		for (j = 0; j < g->c->npol; j++) {
			if (g->c->pol[j].action != KS_PERMIT)
				continue;
			if (g->first_permit < 0)
				g->first_permit = (int)j;
			err = new_tek(ks, g, j);
			if (err)
				goto fail;
		}
		if (g->first_permit < 0) {
			/* the configuration refuses this */
			err = -EINVAL;
			goto fail;
		}
		if (g->c->kek.set && (err = new_kek(ks, g)))
			goto fail;
	}
	err = ks_rekey_init(ks);
	if (err)
		goto fail;
	return 0;
fail:
	ks_fini(ks);
	return err;
}

void ks_fini(struct ks *ks)
{
	unsigned i;

	ks_rekey_fini(ks);
	for (i = 0; i < ks->ngroups; i++) {
		struct ks_group *g = &ks->groups[i];

		ks_kek_forget(g);
		EVP_PKEY_free(g->kek.pkey);
		snap_retire(g);
		ks_sids_free(g);
		if (g->teks)
			OPENSSL_cleanse(g->teks, g->c->npol * sizeof(*g->teks));
		free(g->teks);
	}
	if (ks->groups)
		OPENSSL_cleanse(ks->groups, ks->ngroups * sizeof(*ks->groups));
	free(ks->groups);
	ks_members_fini(ks);
	ks->groups = NULL;
	ks->ngroups = 0;
}
