// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * The input path: packets entering an attached device, at PRE_ROUTING.
 *
 * ESP whose SPI belongs to an SA of the device's group is decrypted even
 * though its destination is usually a host behind us (address
 * preservation), then accepted only if it authenticates, its inner
 * addresses equal the outer ones and it matches the SA's policy in either
 * direction. The packet then continues as its inner self, so routing,
 * conntrack and the firewall see cleartext. Cleartext that a policy says
 * must arrive encrypted is dropped.
 */

#include <crypto/aead.h>
#include <linux/ip.h>
#include <net/esp.h>
#include <net/inet_ecn.h>
#include <net/ip.h>

#include "gvpn.h"

static void gvpn_input_done(GVPN_CRYPTO_DONE_ARG, int err);

/*
 * Time-based anti-replay: the TBAR header at @off must be well formed, and
 * with a window, its time within the window of the group clock either way.
 * Returns 0 or the counter to drop with.
 */
static int gvpn_tbar_check(struct gvpn_sa *sa, struct sk_buff *skb,
			   unsigned int off)
{
	const struct gvpn_timebase *c = rcu_dereference(sa->group->clock);
	const struct iphdr *iph = ip_hdr(skb);
	u8 h[GVPN_TBAR_HLEN];
	u64 sent, now;
	__be64 t;

	if (skb_copy_bits(skb, off, h, sizeof(h)) || h[0] != IPPROTO_IPIP ||
	    h[1] != GVPN_TBAR_HLEN / 4 || h[2] != c->type)
		return GVPN_A_STATS_DROP_MALFORMED;
	if (!c->window_ms)
		return 0;
	memcpy(&t, h + 4, sizeof(t));
	sent = be64_to_cpu(t);
	now = gvpn_clock_now(c);
	if ((sent > now ? sent - now : now - sent) > c->window_ms) {
		gvpn_nl_event_replay(sa, iph->saddr, iph->daddr, sent, now);
		return GVPN_A_STATS_DROP_REPLAY;
	}
	gvpn_count_group(sa->group, GVPN_A_STATS_REPLAY_OK, 1);
	return 0;
}

/*
 * Strip the outer header, ESP header, IV and trailer of an authenticated
 * packet and check what is inside. Returns 0 or the counter to drop with.
 */
static int gvpn_esp_open(struct gvpn_sa *sa, struct sk_buff *skb)
{
	const struct iphdr *outer = ip_hdr(skb);
	unsigned int ohl = outer->ihl * 4;
	unsigned int hdr = ohl + sizeof(struct ip_esp_hdr) + sa->ivlen;
	__be32 saddr = outer->saddr, daddr = outer->daddr;
	u8 otos = outer->tos, trailer[2], pad[255];
	struct iphdr *inner;
	unsigned int len, i;
	struct gvpn_flow f;
	int iif, why;

	if (skb_copy_bits(skb, skb->len - sa->icvlen - 2, trailer, 2))
		return GVPN_A_STATS_DROP_MALFORMED;
	/*
	 * The pad length is the sender's word, authenticated or not: it must
	 * leave something of the payload (esp4: "padlen + 2 + alen >= elen"),
	 * or len below wraps and the padding is read from before the packet.
	 */
	if (trailer[0] + 2 + sa->icvlen >= skb->len - hdr)
		return GVPN_A_STATS_DROP_MALFORMED;
	len = skb->len - sa->icvlen - 2 - trailer[0];
	/* A TBAR SA's packets all carry a timestamp, others none. */
	if (trailer[1] != (sa->tbar ? GVPN_TBAR_NEXTHDR : IPPROTO_IPIP))
		return GVPN_A_STATS_DROP_MALFORMED;
	if (sa->tbar) {
		if (len < hdr + GVPN_TBAR_HLEN)
			return GVPN_A_STATS_DROP_MALFORMED;
		why = gvpn_tbar_check(sa, skb, hdr);
		if (why)
			return why;
		hdr += GVPN_TBAR_HLEN;
	}
	if (len < hdr + sizeof(struct iphdr))
		return GVPN_A_STATS_DROP_MALFORMED;
	/* We send 1, 2, 3...: anything else was not made by a member. */
	if (skb_copy_bits(skb, len, pad, trailer[0]))
		return GVPN_A_STATS_DROP_MALFORMED;
	for (i = 0; i < trailer[0]; i++)
		if (pad[i] != i + 1)
			return GVPN_A_STATS_DROP_MALFORMED;
	if (pskb_trim(skb, len) || !pskb_may_pull(skb, hdr + sizeof(*inner)))
		return GVPN_A_STATS_DROP_MALFORMED;

	inner = (struct iphdr *)(skb->data + hdr);
	if (inner->version != 4 || inner->ihl < 5 ||
	    ntohs(inner->tot_len) != len - hdr ||
	    !pskb_may_pull(skb, hdr + inner->ihl * 4))
		return GVPN_A_STATS_DROP_MALFORMED;
	inner = (struct iphdr *)(skb->data + hdr);
	if (ip_fast_csum(inner, inner->ihl))
		return GVPN_A_STATS_DROP_MALFORMED;
	if (inner->saddr != saddr || inner->daddr != daddr)
		return GVPN_A_STATS_DROP_ADDR_MISMATCH;

	/* ECN decapsulation (RFC 6040): congestion seen outside stays seen. */
	if (INET_ECN_is_ce(otos) && !INET_ECN_is_ce(inner->tos)) {
		if (INET_ECN_is_not_ect(inner->tos))
			return GVPN_A_STATS_DROP_MALFORMED;
		IP_ECN_set_ce(inner);
	}

	skb_pull(skb, hdr);
	skb_reset_network_header(skb);
	skb_set_transport_header(skb, inner->ihl * 4);
	gvpn_flow_from_skb(skb, &f);
	if (!gvpn_selector_match(&sa->sel, &f)) {
		swap(f.src, f.dst);
		swap(f.sport, f.dport);
		if (!gvpn_selector_match(&sa->sel, &f))
			return GVPN_A_STATS_DROP_SELECTOR;
	}

	/* Options and fragment state of the outer header do not apply. */
	iif = IPCB(skb)->iif;
	memset(IPCB(skb), 0, sizeof(*IPCB(skb)));
	IPCB(skb)->iif = iif;
	skb->ip_summed = CHECKSUM_NONE;
	return 0;
}

/*
 * After the AEAD: returns 0 to accept the (now inner) packet, else the
 * counter to drop it with.
 */
static int gvpn_input_finish(struct gvpn_crypto_ctx *ctx, int err)
{
	struct gvpn_sa *sa = ctx->sa;
	struct sk_buff *skb = ctx->skb;
	struct gvpn_group *g = sa->group;
	const struct iphdr *iph = ip_hdr(skb);
	int why;

	if (err == -EBADMSG) {
		gvpn_count(sa->stats, GVPN_A_STATS_DROP_AUTH, 1);
		gvpn_nl_event_packet(g->gn, g->id, sa->spi,
				     GVPN_EVENT_AUTH_FAILED, iph->saddr,
				     iph->daddr);
		return GVPN_A_STATS_DROP_AUTH;
	}
	/* the engine failed or was full (-ENOSPC, -EBUSY): no backlog */
	if (err)
		return GVPN_A_STATS_DROP_NOMEM;
	/* authentic: an exact duplicate is still a replay, TBAR or not */
	why = gvpn_sender_check(sa, skb,
				iph->ihl * 4 + sizeof(struct ip_esp_hdr));
	if (why)
		return why;
	why = gvpn_esp_open(sa, skb);
	if (why)
		return why;
	gvpn_count(sa->stats, GVPN_A_STATS_RX_PACKETS, 1);
	gvpn_count(sa->stats, GVPN_A_STATS_RX_BYTES, skb->len);
	gvpn_count_group(g, GVPN_A_STATS_RX_PACKETS, 1);
	gvpn_count_group(g, GVPN_A_STATS_RX_BYTES, skb->len);
	return 0;
}

/*
 * The completion of an asynchronous decryption, in whatever context the
 * engine calls it: the group clock, policies and hook entries it reads are
 * RCU-protected, and the hooks expect BHs off.
 */
static void gvpn_input_done(GVPN_CRYPTO_DONE_ARG, int err)
{
	struct gvpn_crypto_ctx *ctx = GVPN_CRYPTO_DONE_DATA;
	struct sk_buff *skb = ctx->skb;
	int why;

	local_bh_disable();
	rcu_read_lock();
	why = gvpn_input_finish(ctx, err);
	if (why)
		gvpn_drop(ctx->sa->group, skb, why);
	else
		gvpn_nf_resume(&ctx->state, gvpn_input_hook, skb);
	rcu_read_unlock();
	local_bh_enable();
	gvpn_crypto_ctx_free(ctx);
}

static unsigned int gvpn_input_esp(struct gvpn_group *g, struct sk_buff *skb,
				   const struct nf_hook_state *state)
{
	const struct iphdr *iph = ip_hdr(skb);
	unsigned int ohl = iph->ihl * 4, elen;
	struct gvpn_crypto_ctx *ctx;
	struct ip_esp_hdr *esph;
	struct sk_buff *trailer;
	struct gvpn_policy *p;
	struct gvpn_flow f;
	struct gvpn_sa *sa;
	int nfrags, err, why;

	/* Defragmentation ran before us: a fragment here is bogus. */
	if (ip_is_fragment(iph) ||
	    !pskb_may_pull(skb, ohl + sizeof(struct ip_esp_hdr)))
		return gvpn_drop(g, skb, GVPN_A_STATS_DROP_MALFORMED);
	iph = ip_hdr(skb);
	esph = (struct ip_esp_hdr *)(skb_network_header(skb) + ohl);
	sa = gvpn_sa_lookup(g->gn, g->id, ntohl(esph->spi));
	/* Past its deactivation time an SA's SPI is rejected at once. */
	if (sa && READ_ONCE(sa->deactivate_at) &&
	    ktime_get_ns() >= READ_ONCE(sa->deactivate_at))
		sa = NULL;
	if (!sa || !percpu_ref_tryget_live(&sa->refs)) {
		/* Someone else's ESP passes if a bypass policy says so. */
		gvpn_flow_from_skb(skb, &f);
		p = gvpn_policy_lookup(g, &f, true);
		if (p && p->action == GVPN_ACTION_BYPASS) {
			gvpn_count_group(g, GVPN_A_STATS_BYPASS_PACKETS, 1);
			return NF_ACCEPT;
		}
		gvpn_nl_event_packet(g->gn, g->id, ntohl(esph->spi),
				     GVPN_EVENT_UNKNOWN_SPI, iph->saddr,
				     iph->daddr);
		return gvpn_drop(g, skb, GVPN_A_STATS_DROP_UNKNOWN_SPI);
	}

	elen = skb->len - ohl;
	if (elen < sizeof(*esph) + sa->ivlen + sa->blksize + sa->icvlen ||
	    (elen - sizeof(*esph) - sa->ivlen - sa->icvlen) % sa->blksize) {
		percpu_ref_put(&sa->refs);
		return gvpn_drop(g, skb, GVPN_A_STATS_DROP_MALFORMED);
	}
	/*
	 * Decrypted in place: a packet whose data is ours alone needs no
	 * copy (esp_input()'s test); a clone or shared fragments do.
	 */
	if (!skb_cloned(skb) && !skb_is_nonlinear(skb))
		nfrags = 1;
	else if (!skb_cloned(skb) && !skb_has_frag_list(skb) &&
		 !skb_has_shared_frag(skb))
		nfrags = skb_shinfo(skb)->nr_frags + 1;
	else
		nfrags = skb_cow_data(skb, 0, &trailer);
	if (nfrags < 0)
		goto nomem_put;
	ctx = gvpn_crypto_ctx_alloc(sa, nfrags);
	if (!ctx)
		goto nomem_put;
	ctx->skb = skb;
	if (gvpn_sa_async(sa)) {
		/* a route set before PRE_ROUTING must outlive the hook */
		skb_dst_force(skb);
		gvpn_crypto_ctx_state(ctx, state);
	}
	if (skb_copy_bits(skb, ohl + sizeof(*esph), ctx->iv, sa->ivlen) ||
	    skb_to_sgvec(skb, ctx->sg, ohl, elen) < 0) {
		gvpn_crypto_ctx_free(ctx);
		return gvpn_drop(g, skb, GVPN_A_STATS_DROP_MALFORMED);
	}
	/* No CRYPTO_TFM_REQ_MAY_BACKLOG from softirq: see gvpn_esp_encrypt() */
	aead_request_set_callback(ctx->req, 0, gvpn_input_done, ctx);
	aead_request_set_crypt(ctx->req, ctx->sg, ctx->sg,
			       elen - sizeof(*esph) - sa->ivlen, ctx->iv);
	aead_request_set_ad(ctx->req, sizeof(*esph) + sa->ivlen);
	err = crypto_aead_decrypt(ctx->req);
	if (err == -EINPROGRESS)
		return NF_STOLEN;
	why = gvpn_input_finish(ctx, err);
	gvpn_crypto_ctx_free(ctx);
	return why ? gvpn_drop(g, skb, why) : NF_ACCEPT;

nomem_put:
	percpu_ref_put(&sa->refs);
	return gvpn_drop(g, skb, GVPN_A_STATS_DROP_NOMEM);
}

/* Clear traffic of an encrypt policy is welcome in passive mode only. */
static bool gvpn_passive(const struct gvpn_group *g, struct gvpn_policy *p)
{
	const struct gvpn_sa *sa;

	if (READ_ONCE(g->passive) || READ_ONCE(g->recv_only))
		return true;
	sa = list_first_or_null_rcu(&p->sas, struct gvpn_sa, policy_list);
	return sa && (READ_ONCE(sa->passive) ||
		      READ_ONCE(sa->dir) == GVPN_SA_DIR_IN);
}

unsigned int gvpn_input_hook(void *priv, struct sk_buff *skb,
			     const struct nf_hook_state *state)
{
	struct gvpn_net *gn = gvpn_pernet(state->net);
	struct gvpn_policy *p;
	struct gvpn_group *g;
	struct gvpn_flow f;

	g = xa_load(&gn->devs, state->in->ifindex);
	if (!g)
		return NF_ACCEPT;
	if (ip_hdr(skb)->protocol == IPPROTO_ESP)
		return gvpn_input_esp(g, skb, state);

	gvpn_flow_from_skb(skb, &f);
	if (READ_ONCE(g->fail_armed))
		return gvpn_fail_verdict(g, &f, true);
	p = gvpn_policy_lookup(g, &f, true);
	if (!p)
		return NF_ACCEPT;
	switch (p->action) {
	case GVPN_ACTION_ENCRYPT:
		if (!READ_ONCE(g->nactive))
			return gvpn_fail_verdict(g, &f, true);
		if (gvpn_passive(g, p)) {
			gvpn_count_group(g, GVPN_A_STATS_CLEAR_PASSIVE, 1);
			return NF_ACCEPT;
		}
		return gvpn_drop(g, skb, GVPN_A_STATS_DROP_CLEARTEXT);
	case GVPN_ACTION_DROP:
		return gvpn_drop(g, skb, GVPN_A_STATS_DROP_POLICY);
	}
	gvpn_count_group(g, GVPN_A_STATS_BYPASS_PACKETS, 1);
	return NF_ACCEPT;
}
