// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * What a registration means for the member, without side effects: the SA
 * TEKs and KD turned into kernel policies and SAs, filtered by the scope
 * rules (PO-06..PO-08) and checked against the acceptable transforms
 * (GM-20, GM-21); the re-registration time (GM-07).
 */

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>

#include "gm.h"
#include "util.h"

#define GM_REREG_LEAD_MS	60000	/* Cisco: 60 s before expiry (GM-07) */

static bool port_proto(uint8_t p)
{
	return p == IPPROTO_TCP || p == IPPROTO_UDP || p == IPPROTO_SCTP;
}

static bool prefix_within(struct in_addr a, uint8_t alen, struct in_addr s,
			  uint8_t slen)
{
	return alen >= slen && prefix4_match(a, s, slen);
}

bool gm_sel_within(const struct gm_sel *s, const struct gm_sel *scope)
{
	return prefix_within(s->src, s->src_plen, scope->src,
			     scope->src_plen) &&
	       prefix_within(s->dst, s->dst_plen, scope->dst,
			     scope->dst_plen) &&
	       (!scope->proto || scope->proto == s->proto) &&
	       s->sport_min >= scope->sport_min &&
	       s->sport_max <= scope->sport_max &&
	       s->dport_min >= scope->dport_min &&
	       s->dport_max <= scope->dport_max;
}

bool gm_in_scope(const struct gm_group_conf *gc, const struct gm_sel *sel)
{
	if (!gc->nscope)
		return true;
	for (unsigned i = 0; i < gc->nscope; i++)
		if (gm_sel_within(sel, &gc->scope[i]))
			return true;
	return false;
}

bool gm_transform_ok(const struct gm_group_conf *gc,
		     const struct tek_transform *t)
{
	if (!gc->ntransforms)
		return true;
	for (unsigned i = 0; i < gc->ntransforms; i++)
		if (tek_transform_equal(&gc->transforms[i], t))
			return true;
	return false;
}

static int mask_plen(uint32_t mask_be, uint8_t *plen)
{
	uint32_t m = ntohl(mask_be);
	uint8_t n = 0;

	while (n < 32 && (m & (0x80000000u >> n)))
		n++;
	if (n < 32 && (m << n))
		return -1;	/* not contiguous */
	*plen = n;
	return 0;
}

/* An ID of an SA TEK selector: one address, a subnet or a range that is one */
static int sel_decode(const struct gdoi_sel *s, struct in_addr *a,
		      uint8_t *plen, char *why, size_t len, const char *which)
{
	uint32_t x, y;

	switch (s->type) {
	case ISAKMP_ID_IPV4_ADDR:
		if (s->len != 4)
			break;
		memcpy(&a->s_addr, s->data, 4);
		*plen = 32;
		return 0;
	case ISAKMP_ID_IPV4_ADDR_SUBNET:
		if (s->len != 8)
			break;
		memcpy(&x, s->data, 4);
		memcpy(&y, s->data + 4, 4);
		if (mask_plen(y, plen) || (x & ~y)) {
			snprintf(why, len, "%s selector: not a prefix", which);
			return -1;
		}
		a->s_addr = x;
		return 0;
	case ISAKMP_ID_IPV4_ADDR_RANGE:
		if (s->len != 8)
			break;
		memcpy(&x, s->data, 4);
		memcpy(&y, s->data + 4, 4);
		/* start..end is a prefix when start ^ end is 0..01..1 */
		if (mask_plen(~(x ^ y), plen) || (x & (x ^ y))) {
			snprintf(why, len, "%s selector: a range that is not a prefix",
				 which);
			return -1;
		}
		a->s_addr = x;
		return 0;
	default:
		snprintf(why, len, "%s selector: ID type %u is not IPv4", which,
			 s->type);
		return -1;
	}
	snprintf(why, len, "%s selector: %u bytes for ID type %u", which,
		 s->len, s->type);
	return -1;
}

int gm_tek_decode(const struct gdoi_sat *t, struct gm_tek *k, char *why,
		  size_t len)
{
	struct isakmp_attrs it = t->attrs;
	struct isakmp_attr a;
	uint16_t key_bits = 0, auth = TEK_AUTH_NONE, life_type = 0;
	uint64_t v;

	memset(k, 0, sizeof(*k));
	if (t->proto_id != GDOI_PROTO_IPSEC_ESP) {
		snprintf(why, len, "TEK protocol %u: only ESP (1) is supported",
			 t->proto_id);
		return -EPROTONOSUPPORT;
	}
	if (sel_decode(&t->src, &k->sel.src, &k->sel.src_plen, why, len,
		       "source") ||
	    sel_decode(&t->dst, &k->sel.dst, &k->sel.dst_plen, why, len,
		       "destination"))
		return -EBADMSG;
	k->sel.proto = t->ip_proto;
	k->sel.sport_max = k->sel.dport_max = 65535;
	if (t->src.port || t->dst.port) {
		if (!port_proto(t->ip_proto)) {
			snprintf(why, len, "ports with IP protocol %u",
				 t->ip_proto);
			return -EBADMSG;
		}
		if (t->src.port)
			k->sel.sport_min = k->sel.sport_max = t->src.port;
		if (t->dst.port)
			k->sel.dport_min = k->sel.dport_max = t->dst.port;
	}
	k->spi = t->spi;
	k->id_len8 = t->id_len8;

	while (isakmp_attr_next(&it, &a) == 1) {
		if (isakmp_attr_uint(&a, &v))
			v = UINT64_MAX;	/* not an integer: only keys are */
		switch (a.type) {
		case TEK_ATTR_LIFE_TYPE:
			life_type = (uint16_t)v;
			break;
		case TEK_ATTR_LIFE_DURATION:
			if (life_type == TEK_LIFE_SECONDS) {
				if (!v || v > UINT32_MAX) {
					snprintf(why, len, "TEK lifetime %llu s",
						 (unsigned long long)v);
					return -EBADMSG;
				}
				k->lifetime_s = (uint32_t)v;
			}
			break;
		case TEK_ATTR_ENCAP_MODE:
			if (v != TEK_ENCAP_TUNNEL) {
				snprintf(why, len, "encapsulation mode %llu: only tunnel mode (1) with address preservation",
					 (unsigned long long)v);
				return -ENOTSUP;
			}
			break;
		case TEK_ATTR_AUTH_ALG:
			auth = v > 0xffff ? 0xffff : (uint16_t)v;
			break;
		case TEK_ATTR_KEY_LENGTH:
			key_bits = v > 0xffff ? 0xffff : (uint16_t)v;
			break;
		case TEK_ATTR_ADDR_PRESERVATION:
			/* 0 is reserved: RFC 3547 key servers send it when
			 * nothing is configured; taken as not sent, which
			 * gvpn.ko's address preservation serves */
			if (!v) {
				k->rfc3547_zero |= GM_TEK_ZERO_ADDR_PRES;
				break;
			}
			if (v != TEK_ADDR_PRES_BOTH) {
				snprintf(why, len, "address preservation %llu: gvpn.ko preserves both addresses (4)",
					 (unsigned long long)v);
				return -ENOTSUP;
			}
			break;
		case TEK_ATTR_SA_DIRECTION:
			/* 0 likewise: not sent, symmetric */
			if (!v)
				k->rfc3547_zero |= GM_TEK_ZERO_SA_DIR;
			else if (v == TEK_DIR_RECEIVER)
				k->recv_only = true;
			else if (v != TEK_DIR_SYMMETRIC) {
				snprintf(why, len, "SA direction %llu: symmetric (3) or receiver-only (2)",
					 (unsigned long long)v);
				return -ENOTSUP;
			}
			break;
		case TEK_ATTR_GVPN_TBAR_WINDOW:
			if (!v || v > GVPN_TBAR_WINDOW_MAX) {
				snprintf(why, len, "TBAR window %llu s",
					 (unsigned long long)v);
				return -EBADMSG;
			}
			k->tbar_window = (uint32_t)v;
			break;
		case TEK_ATTR_GVPN_CLOCK:
			if (v > GVPN_CLOCK_PSEUDO) {
				snprintf(why, len, "TBAR clock %llu",
					 (unsigned long long)v);
				return -EBADMSG;
			}
			k->clock = (uint8_t)v;
			break;
		case TEK_ATTR_GVPN_PSEUDOTIME_MS:
			if (v == UINT64_MAX) {
				snprintf(why, len, "pseudotime is not a number");
				return -EBADMSG;
			}
			k->has_pseudotime = true;
			k->pseudotime_ms = v;
			break;
		case TEK_ATTR_GVPN_BYPASS:
			k->bypass = v == 1;
			break;
		default:
			/* group description (PFS) and the like: no use here */
			break;
		}
	}
	if (k->bypass)
		return 0;
	k->t.enc = tek_enc_by_wire(t->transform, key_bits);
	k->counter_mode = gdoi_transform_counter_mode(t->transform);
	k->t.integ = tek_integ_by_wire(auth);
	if (!k->t.enc || !k->t.integ) {
		snprintf(why, len, "ESP transform %u, key length %u, authentication %u: not supported",
			 t->transform, key_bits, auth);
		return -ENOTSUP;
	}
	if (tek_transform_check(k->t.enc, k->t.integ, why, len))
		return -ENOTSUP;
	if (k->spi < 256) {
		snprintf(why, len, "SPI %u is reserved", k->spi);
		return -EBADMSG;
	}
	return 0;
}

static const struct gdoi_key_packet *kd_find(const struct gdoi_kd *kd,
					     uint8_t type, const void *spi,
					     size_t spi_len)
{
	for (unsigned i = 0; i < kd->n; i++)
		if (kd->pkt[i].type == type && kd->pkt[i].spi_len == spi_len &&
		    !memcmp(kd->pkt[i].spi, spi, spi_len))
			return &kd->pkt[i];
	return NULL;
}

/* A key attribute of exactly want bytes into out */
static int kd_key(const struct gdoi_key_packet *kp, uint16_t type,
		  uint8_t *out, size_t want, char *why, size_t len,
		  const char *what)
{
	struct isakmp_attrs it = kp->attrs;
	struct isakmp_attr a;

	while (isakmp_attr_next(&it, &a) == 1) {
		if (a.type != type)
			continue;
		if (a.basic || a.len != want) {
			snprintf(why, len, "%s: %u bytes, %zu expected", what,
				 a.basic ? 2 : a.len, want);
			return -1;
		}
		memcpy(out, a.val, want);
		return 0;
	}
	snprintf(why, len, "%s missing from the KD", what);
	return -1;
}

static int kek_decode(const struct gdoi_pull_result *r, struct gm_kek *k,
		      char *why, size_t len)
{
	struct isakmp_attrs it = r->sa.kek.attrs;
	const struct gdoi_key_packet *kp;
	struct isakmp_attr a;
	uint64_t v;

	memset(k, 0, sizeof(*k));
	if (!r->sa.has_kek)
		return 0;
	k->present = true;
	memcpy(k->spi, r->sa.kek.spi, sizeof(k->spi));
	while (isakmp_attr_next(&it, &a) == 1) {
		if (isakmp_attr_uint(&a, &v))
			continue;
		switch (a.type) {
		case GDOI_KEK_ALGORITHM:
			k->alg = (uint16_t)v;
			break;
		case GDOI_KEK_KEY_LENGTH:
			k->key_bits = (uint16_t)v;
			break;
		case GDOI_KEK_KEY_LIFETIME:
			k->lifetime_s = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
			break;
		case GDOI_KEK_SIG_HASH_ALGORITHM:
			k->sig_hash = (uint16_t)v;
			break;
		case GDOI_KEK_SIG_ALGORITHM:
			k->sig_alg = (uint16_t)v;
			break;
		case GDOI_KEK_ATTR_GVPN_PUSH_INTERVAL:
			k->push_interval_s = v > 86400 ? 86400 : (uint32_t)v;
			break;
		}
	}
	/* the rekey address: a multicast group means multicast rekeys */
	if (r->sa.kek.dst.type == ISAKMP_ID_IPV4_ADDR &&
	    r->sa.kek.dst.len == 4) {
		memcpy(&k->dst.s_addr, r->sa.kek.dst.data, 4);
		k->dst_port = r->sa.kek.dst.port;
	}
	kp = kd_find(&r->kd, GDOI_KD_KEK, k->spi, sizeof(k->spi));
	if (!kp) {
		snprintf(why, len, "no KEK key packet in the KD");
		return -1;
	}
	it = kp->attrs;
	while (isakmp_attr_next(&it, &a) == 1) {
		if (a.basic)
			continue;
		if (a.type == GDOI_KD_KEK_ALGORITHM_KEY) {
			if (a.len > sizeof(k->key)) {
				snprintf(why, len, "KEK key of %u bytes", a.len);
				return -1;
			}
			memcpy(k->key, a.val, a.len);
			k->key_len = a.len;
		} else if (a.type == GDOI_KD_KEK_SIGNATURE_KEY && a.len &&
			   !k->sig_key) {
			k->sig_key = malloc(a.len);
			if (!k->sig_key) {
				snprintf(why, len, "out of memory");
				return -1;
			}
			memcpy(k->sig_key, a.val, a.len);
			k->sig_key_len = a.len;
		}
	}
	return 0;
}

static void kek_wipe(struct gm_kek *k)
{
	if (k->sig_key)
		OPENSSL_clear_free(k->sig_key, k->sig_key_len);
	OPENSSL_cleanse(k, sizeof(*k));
}

void gm_plan_wipe(struct gm_plan *p)
{
	kek_wipe(&p->kek);
	OPENSSL_cleanse(p, sizeof(*p));
}

/*
 * Sender IDs (RFC 6054): every counter-mode TEK gets the member's SID; a
 * counter-mode TEK without one is installed receive-only, unless the group
 * says legacy-iv (then gvpn.ko's group allows random IVs).
 */
static int plan_sid(const struct gm_group_conf *gc,
		    const struct gdoi_pull_result *r, struct gm_plan *p,
		    char *why, size_t len)
{
	unsigned i;

	p->sid_requested = r->sid_requested;
	if (r->sid.n) {
		if (r->sid.bits < 1 || r->sid.bits > GM_SID_BITS_MAX) {
			snprintf(why, len, "a Sender ID of %u bits (gvpn.ko takes 1..%u)",
				 r->sid.bits, GM_SID_BITS_MAX);
			return -EBADMSG;
		}
		p->has_sid = true;
		p->sid_bits = r->sid.bits;
		p->sid = r->sid.value[0];
	}
	for (i = 0; i < p->n; i++) {
		struct gm_tek *k = &p->tek[i];

		if (k->bypass || !k->counter_mode)
			continue;
		if (p->has_sid) {
			k->has_sid = true;
			k->sid_bits = p->sid_bits;
			k->sid = p->sid;
		} else if (!gc->legacy_iv && !k->recv_only) {
			k->recv_only = true;
			k->no_sid = true;
			p->no_sid++;
		}
	}
	return 0;
}

int gm_plan_build(const struct gm_group_conf *gc,
		  const struct gdoi_pull_result *r, struct gm_plan *p,
		  const char **cisco, char *why, size_t len)
{
	struct isakmp_attrs it = r->sa.gap.attrs;
	struct isakmp_attr a;
	char w[160], ts[TEK_TRANSFORM_STR_LEN];
	unsigned i, j;
	uint64_t v;
	int err;

	memset(p, 0, sizeof(*p));
	*cisco = "GM_REJECTING_SA_PAYLOAD";
	if (r->sa.ntek > GDOI_MAX_TEKS) {
		snprintf(why, len, "%u TEKs", r->sa.ntek);
		return -EBADMSG;
	}
	for (i = 0; i < r->sa.ntek; i++) {
		struct gm_tek *k = &p->tek[i];
		const struct gdoi_key_packet *kp;
		uint32_t spi_be;

		err = gm_tek_decode(&r->sa.tek[i], k, w, sizeof(w));
		if (err) {
			if (err == -EPROTONOSUPPORT)
				*cisco = "UNSUPPORTED_TEK_PROTO";
			snprintf(why, len, "TEK %u: %s", i + 1, w);
			goto fail;
		}
		p->n++;
		if (k->bypass)
			continue;
		k->in_scope = gm_in_scope(gc, &k->sel);
		if (!gm_transform_ok(gc, &k->t)) {
			snprintf(why, len, "TEK %u (SPI 0x%08x): transform %s is not in the acceptable list",
				 i + 1, k->spi,
				 tek_transform_str(&k->t, ts, sizeof(ts)));
			err = -ENOTSUP;
			goto fail;
		}
		for (j = 0; j < i; j++)
			if (!p->tek[j].bypass && p->tek[j].spi == k->spi) {
				snprintf(why, len, "TEKs %u and %u have the same SPI 0x%08x: gvpn.ko needs one SA per policy",
					 j + 1, i + 1, k->spi);
				err = -EBADMSG;
				goto fail;
			}
		spi_be = htonl(k->spi);
		kp = kd_find(&r->kd, GDOI_KD_TEK, &spi_be, 4);
		if (!kp) {
			snprintf(why, len, "TEK %u: no keys for SPI 0x%08x in the KD",
				 i + 1, k->spi);
			err = -EBADMSG;
			goto fail;
		}
		if (kd_key(kp, GDOI_KD_TEK_ALGORITHM_KEY, k->enc_key,
			   k->t.enc->key_len, w, sizeof(w), "TEK_ALGORITHM_KEY") ||
		    (k->t.integ->kname &&
		     kd_key(kp, GDOI_KD_TEK_INTEGRITY_KEY, k->auth_key,
			    k->t.integ->key_len, w, sizeof(w),
			    "TEK_INTEGRITY_KEY"))) {
			snprintf(why, len, "TEK %u (SPI 0x%08x): %s", i + 1,
				 k->spi, w);
			err = -EBADMSG;
			goto fail;
		}
	}
	while (isakmp_attr_next(&it, &a) == 1) {
		if (isakmp_attr_uint(&a, &v))
			continue;
		if (a.type == GDOI_GAP_ACTIVATION_TIME_DELAY)
			p->atd_ms = v > 3600 ? 3600000 : (uint32_t)v * 1000;
		else if (a.type == GDOI_GAP_DEACTIVATION_TIME_DELAY)
			p->dtd_ms = v > 3600 ? 3600000 : (uint32_t)v * 1000;
	}
	if (kek_decode(r, &p->kek, w, sizeof(w))) {
		snprintf(why, len, "KEK: %s", w);
		err = -EBADMSG;
		goto fail;
	}
	p->has_seq = r->has_seq;
	p->seq = r->seq;
	err = plan_sid(gc, r, p, why, len);
	if (err)
		goto fail;
	return 0;
fail:
	gm_plan_wipe(p);
	return err;
}

bool gm_plan_rfc3547(const struct gm_plan *p, char *what, size_t len)
{
	bool layout = false;
	uint8_t zero = 0;

	for (unsigned i = 0; i < p->n; i++) {
		layout |= p->tek[i].id_len8;
		zero |= p->tek[i].rfc3547_zero;
	}
	if (!layout && !zero)
		return false;
	snprintf(what, len, "%s%s%s%s%s",
		 layout ? "SA TEK with 1-byte ID lengths" : "",
		 layout && zero ? "; " : "",
		 zero ? "reserved 0 taken as not sent for" : "",
		 zero & GM_TEK_ZERO_ADDR_PRES ? " ADDRESS_PRESERVATION" : "",
		 zero & GM_TEK_ZERO_SA_DIR ? " SA_DIRECTION" : "");
	return true;
}

int gm_sa_check(const struct gm_group_conf *gc, const struct gdoi_sa *sa,
		const char **cisco, char *why, size_t len)
{
	char w[160], ts[TEK_TRANSFORM_STR_LEN];
	struct gm_tek k;
	int err;

	*cisco = "GM_REJECTING_SA_PAYLOAD";
	for (unsigned i = 0; i < sa->ntek && i < GDOI_MAX_TEKS; i++) {
		err = gm_tek_decode(&sa->tek[i], &k, w, sizeof(w));
		if (err) {
			if (err == -EPROTONOSUPPORT)
				*cisco = "UNSUPPORTED_TEK_PROTO";
			snprintf(why, len, "TEK %u: %s", i + 1, w);
			return err;
		}
		if (!k.bypass && !gm_transform_ok(gc, &k.t)) {
			snprintf(why, len, "TEK %u (SPI 0x%08x): transform %s is not in the acceptable list",
				 i + 1, k.spi,
				 tek_transform_str(&k.t, ts, sizeof(ts)));
			return -ENOTSUP;
		}
	}
	return 0;
}

void gm_sel_to_policy(const struct gm_sel *s, struct gvpn_policy *p)
{
	p->src = s->src;
	p->src_plen = s->src_plen;
	p->dst = s->dst;
	p->dst_plen = s->dst_plen;
	p->present |= GVPN_BIT(GVPN_A_POLICY_SRC) |
		      GVPN_BIT(GVPN_A_POLICY_SRC_PLEN) |
		      GVPN_BIT(GVPN_A_POLICY_DST) |
		      GVPN_BIT(GVPN_A_POLICY_DST_PLEN);
	if (s->proto) {
		p->proto = s->proto;
		p->present |= GVPN_BIT(GVPN_A_POLICY_PROTO);
	}
	if (s->sport_min || s->sport_max != 65535) {
		p->sport_min = s->sport_min;
		p->sport_max = s->sport_max;
		p->present |= GVPN_BIT(GVPN_A_POLICY_SPORT_MIN) |
			      GVPN_BIT(GVPN_A_POLICY_SPORT_MAX);
	}
	if (s->dport_min || s->dport_max != 65535) {
		p->dport_min = s->dport_min;
		p->dport_max = s->dport_max;
		p->present |= GVPN_BIT(GVPN_A_POLICY_DPORT_MIN) |
			      GVPN_BIT(GVPN_A_POLICY_DPORT_MAX);
	}
}

/* UDP to a key server's GDOI port */
static void ks_sel(const struct ike_peer *pc, struct gm_sel *s)
{
	memset(s, 0, sizeof(*s));
	s->dst = pc->addr;
	s->dst_plen = 32;
	s->proto = IPPROTO_UDP;
	s->sport_max = 65535;
	s->dport_min = s->dport_max = pc->port;
}

static void setup_policy(struct gvpn_policy *p, uint32_t id, uint32_t prio,
			 const struct gm_sel *sel, uint8_t origin)
{
	memset(p, 0, sizeof(*p));
	p->present = GVPN_BIT(GVPN_A_POLICY_GROUP_ID) |
		     GVPN_BIT(GVPN_A_POLICY_ID) | GVPN_BIT(GVPN_A_POLICY_PRIO) |
		     GVPN_BIT(GVPN_A_POLICY_ACTION) |
		     GVPN_BIT(GVPN_A_POLICY_ORIGIN);
	p->id = id;
	p->prio = prio;
	p->action = GVPN_ACTION_BYPASS;
	p->origin = origin;
	gm_sel_to_policy(sel, p);
}

unsigned gm_setup_policies(const struct gm_group_conf *gc,
			   struct gvpn_policy *out)
{
	struct gm_sel s;
	unsigned i, n = 0;

	for (i = 0; i < gc->ndeny; i++)
		setup_policy(&out[n++], GM_POLICY_LOCAL_BASE + i, i,
			     &gc->deny[i], GVPN_ORIGIN_LOCAL);
	for (i = 0; i < gc->nservers; i++) {
		ks_sel(gc->servers[i], &s);
		setup_policy(&out[n++], GM_POLICY_KS_REACH_BASE + i, 1000 + i,
			     &s, GVPN_ORIGIN_LOCAL);
	}
	if (gc->fail_mode == GVPN_FAIL_NONE)
		return n;
	for (i = 0; i < gc->nfail + gc->nservers; i++) {
		if (i < gc->nfail)
			s = gc->fail[i];
		else
			ks_sel(gc->servers[i - gc->nfail], &s);
		setup_policy(&out[n++], GM_POLICY_FAIL_BASE + i, i, &s,
			     GVPN_ORIGIN_FAIL);
	}
	return n;
}

void gm_tek_to_sa(const struct gm_tek *k, uint16_t group, uint32_t policy,
		  bool passive, struct gvpn_sa *sa)
{
	const struct tek_enc *e = k->t.enc;
	const struct tek_integ *i = k->t.integ;

	memset(sa, 0, sizeof(*sa));
	sa->group_id = group;
	sa->policy_id = policy;
	sa->spi = k->spi;
	sa->present = GVPN_BIT(GVPN_A_SA_GROUP_ID) |
		      GVPN_BIT(GVPN_A_SA_POLICY_ID) | GVPN_BIT(GVPN_A_SA_SPI);
	if (e->aead) {
		snprintf(sa->aead_name, sizeof(sa->aead_name), "%s", e->kname);
		memcpy(sa->aead_key, k->enc_key, e->key_len);
		sa->aead_key_len = e->key_len;
		sa->icv_bits = e->icv_bits;
		sa->present |= GVPN_BIT(GVPN_A_SA_AEAD_NAME) |
			       GVPN_BIT(GVPN_A_SA_AEAD_KEY) |
			       GVPN_BIT(GVPN_A_SA_AEAD_ICV_BITS);
	} else {
		snprintf(sa->enc_name, sizeof(sa->enc_name), "%s", e->kname);
		memcpy(sa->enc_key, k->enc_key, e->key_len);
		sa->enc_key_len = e->key_len;
		snprintf(sa->auth_name, sizeof(sa->auth_name), "%s", i->kname);
		memcpy(sa->auth_key, k->auth_key, i->key_len);
		sa->auth_key_len = i->key_len;
		sa->trunc_bits = i->trunc_bits;
		sa->present |= GVPN_BIT(GVPN_A_SA_ENC_NAME) |
			       GVPN_BIT(GVPN_A_SA_ENC_KEY) |
			       GVPN_BIT(GVPN_A_SA_AUTH_NAME) |
			       GVPN_BIT(GVPN_A_SA_AUTH_KEY) |
			       GVPN_BIT(GVPN_A_SA_AUTH_TRUNC_BITS);
	}
	if (k->recv_only) {
		sa->dir = GVPN_SA_DIR_IN;
		sa->present |= GVPN_BIT(GVPN_A_SA_DIR);
	}
	if (k->lifetime_s) {
		sa->lifetime_hard_secs = k->lifetime_s;
		sa->present |= GVPN_BIT(GVPN_A_SA_LIFETIME_HARD_SECS);
	}
	if (k->tbar_window) {
		sa->tbar = 1;
		sa->present |= GVPN_BIT(GVPN_A_SA_TBAR);
	}
	if (k->has_sid) {
		sa->has_sid = true;
		sa->sender_id = k->sid;
		sa->sid_bits = k->sid_bits;
		sa->present |= GVPN_BIT(GVPN_A_SA_SENDER_ID) |
			       GVPN_BIT(GVPN_A_SA_SID_BITS);
	}
	if (passive) {
		sa->passive = 1;
		sa->present |= GVPN_BIT(GVPN_A_SA_PASSIVE);
	}
}

uint64_t gm_reregister_at(uint64_t now_ms, uint64_t expires_ms,
			  uint32_t lifetime_s)
{
	uint64_t lead = GM_REREG_LEAD_MS;

	/* short test lifetimes: half of it, not a minute */
	if ((uint64_t)lifetime_s * 1000 / 2 < lead)
		lead = (uint64_t)lifetime_s * 1000 / 2;
	if (expires_ms <= now_ms + lead)
		return now_ms;
	return expires_ms - lead;
}
