// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * The output path: packets leaving an attached device, at POST_ROUTING.
 *
 * A packet matching an encrypt policy becomes an ESP tunnel-mode packet
 * (RFC 4303) whose outer header copies the inner source, destination, TTL
 * and TOS (RFC 5374 address preservation). Since the outer destination is
 * the inner one, the route already chosen stays right and the packet is
 * transformed in place. Packets that would outgrow the MTU once encrypted
 * are fragmented before encryption (each fragment its own ESP packet), or,
 * with DF set, refused with an ICMP fragmentation-needed carrying the MTU
 * left for the inner packet.
 */

#include <crypto/aead.h>
#include <linux/icmp.h>
#include <linux/ip.h>
#include <linux/random.h>
#include <net/esp.h>
#include <net/icmp.h>
#include <net/ip.h>

#include "gvpn.h"

#ifdef GVPN_HAVE_NET_GSO_H
#include <net/gso.h>	/* skb_gso_segment() moved here in 6.5 */
#endif

/* Fragments of one packet, collected on this CPU with BHs off. */
static DEFINE_PER_CPU(struct sk_buff_head, gvpn_frags);

static unsigned int gvpn_tbar_hlen(const struct gvpn_sa *sa)
{
	return sa->tbar ? GVPN_TBAR_HLEN : 0;
}

/* The largest inner packet that still fits @mtu once encrypted with @sa. */
static unsigned int gvpn_inner_mtu(const struct gvpn_sa *sa, unsigned int mtu)
{
	int room = mtu - sizeof(struct iphdr) - sizeof(struct ip_esp_hdr) -
		   sa->ivlen - sa->icvlen - gvpn_tbar_hlen(sa);

	return room > 68 ? round_down(room, sa->blksize) - 2 : 68;
}

static void gvpn_output_done(GVPN_CRYPTO_DONE_ARG, int err);

/*
 * Encrypt @skb (an IPv4 packet, not GSO) in place. Returns 0 when done,
 * -EINPROGRESS when the AEAD completes later (it then owns @skb and
 * resumes it), or an error with @skb untouched for the caller to drop.
 */
/* The TBAR header: the sender's group clock, stamped in ticks. */
static void gvpn_tbar_stamp(struct gvpn_sa *sa, u8 *h)
{
	const struct gvpn_timebase *c = rcu_dereference(sa->group->clock);
	u64 ticks = gvpn_clock_now(c);
	__be64 t;

	/* packets sent within one tick share its time (TB-03) */
	do_div(ticks, c->tick_ms);
	h[0] = IPPROTO_IPIP;
	h[1] = GVPN_TBAR_HLEN / 4;
	h[2] = c->type;
	h[3] = 0;
	t = cpu_to_be64(ticks * c->tick_ms);
	memcpy(h + 4, &t, sizeof(t));
	gvpn_count(sa->stats, GVPN_A_STATS_TX_TIMESTAMPED, 1);
	gvpn_count_group(sa->group, GVPN_A_STATS_TX_TIMESTAMPED, 1);
}

static int gvpn_esp_encrypt(struct gvpn_sa *sa, struct sk_buff *skb,
			    const struct nf_hook_state *state, u8 df_mode)
{
	const unsigned int thlen = gvpn_tbar_hlen(sa);
	const unsigned int hlen = sizeof(struct iphdr) +
				  sizeof(struct ip_esp_hdr) + sa->ivlen + thlen;
	unsigned int len, plen, padlen, tailen;
	struct gvpn_crypto_ctx *ctx;
	struct ip_esp_hdr *esph;
	struct sk_buff *trailer;
	struct iphdr *iph, inner;
	u8 *tail, *iv;
	int nfrags, err, i;

	if (skb->ip_summed == CHECKSUM_PARTIAL && skb_checksum_help(skb))
		return -EINVAL;
	inner = *ip_hdr(skb);
	len = skb->len + thlen;		/* what ESP protects */
	plen = ALIGN(len + 2, sa->blksize);
	padlen = plen - len - 2;
	tailen = padlen + 2 + sa->icvlen;

	if (skb_cow_head(skb, hlen + LL_RESERVED_SPACE(state->out)))
		return -ENOMEM;
	nfrags = skb_cow_data(skb, tailen, &trailer);
	if (nfrags < 0)
		return nfrags;
	/* Packets inside the AEAD hold the SA. */
	if (!percpu_ref_tryget_live(&sa->refs))
		return -ENOENT;
	ctx = gvpn_crypto_ctx_alloc(sa, nfrags);
	if (!ctx) {
		percpu_ref_put(&sa->refs);
		return -ENOMEM;
	}

	/* Self-describing padding 1, 2, 3... then pad length, next header. */
	tail = pskb_put(skb, trailer, tailen);
	for (i = 0; i < padlen; i++)
		tail[i] = i + 1;
	tail[padlen] = padlen;
	tail[padlen + 1] = thlen ? GVPN_TBAR_NEXTHDR : IPPROTO_IPIP;

	iph = skb_push(skb, hlen);
	skb_reset_network_header(skb);
	skb_set_transport_header(skb, sizeof(*iph));
	esph = (struct ip_esp_hdr *)(iph + 1);
	iv = (u8 *)(esph + 1);

	iph->version = 4;
	iph->ihl = 5;
	iph->tos = inner.tos;
	iph->tot_len = htons(skb->len);
	iph->ttl = inner.ttl;
	iph->protocol = IPPROTO_ESP;
	iph->saddr = inner.saddr;
	iph->daddr = inner.daddr;
	switch (df_mode) {
	case GVPN_DF_SET:
		iph->frag_off = htons(IP_DF);
		break;
	case GVPN_DF_COPY:
		iph->frag_off = inner.frag_off & htons(IP_DF);
		break;
	default:
		iph->frag_off = 0;
	}
	__ip_select_ident(state->net, iph, 1);
	ip_send_check(iph);

	esph->spi = htonl(sa->spi);
	esph->seq_no = htonl((u32)atomic64_inc_return(&sa->seq));
	/*
	 * Every member encrypts with the same key, so a counter IV would
	 * repeat across senders: draw it at random.
	 */
	get_random_bytes(iv, sa->ivlen);
	memcpy(ctx->iv, iv, sa->ivlen);
	if (thlen)
		gvpn_tbar_stamp(sa, iv + sa->ivlen);

	ctx->skb = skb;
	gvpn_crypto_ctx_state(ctx, state, gvpn_output_hook);
	err = skb_to_sgvec(skb, ctx->sg, sizeof(*iph),
			   sizeof(*esph) + sa->ivlen + plen + sa->icvlen);
	if (unlikely(err < 0))
		goto out;
	aead_request_set_callback(ctx->req, CRYPTO_TFM_REQ_MAY_BACKLOG,
				  gvpn_output_done, ctx);
	aead_request_set_crypt(ctx->req, ctx->sg, ctx->sg, plen, ctx->iv);
	aead_request_set_ad(ctx->req, sizeof(*esph) + sa->ivlen);
	err = crypto_aead_encrypt(ctx->req);
	if (err == -EINPROGRESS || err == -EBUSY)
		return -EINPROGRESS;
	if (!err) {
		/* We fit the MTU: nothing may fragment us again. */
		IPCB(skb)->frag_max_size = 0;
		skb->ip_summed = CHECKSUM_NONE;
	}
out:
	gvpn_crypto_ctx_free(ctx);
	return err;
}

static void gvpn_count_tx(struct gvpn_sa *sa, unsigned int len)
{
	gvpn_count(sa->stats, GVPN_A_STATS_TX_PACKETS, 1);
	gvpn_count(sa->stats, GVPN_A_STATS_TX_BYTES, len);
	gvpn_count_group(sa->group, GVPN_A_STATS_TX_PACKETS, 1);
	gvpn_count_group(sa->group, GVPN_A_STATS_TX_BYTES, len);
}

static void gvpn_output_done(GVPN_CRYPTO_DONE_ARG, int err)
{
	struct gvpn_crypto_ctx *ctx = GVPN_CRYPTO_DONE_DATA;
	struct sk_buff *skb = ctx->skb;
	struct gvpn_sa *sa = ctx->sa;

	if (err == -EINPROGRESS)
		return;		/* left the backlog; completion comes later */
	if (err) {
		gvpn_count_group(sa->group, GVPN_A_STATS_DROP_NOMEM, 1);
		kfree_skb(skb);
	} else {
		IPCB(skb)->frag_max_size = 0;
		skb->ip_summed = CHECKSUM_NONE;
		gvpn_count_tx(sa, skb->len);
		gvpn_nf_resume(&ctx->state, ctx->hookfn, skb);
	}
	gvpn_crypto_ctx_free(ctx);
}

/* Encrypt one of several packets we made out of the hook's one. */
static void gvpn_output_extra(struct gvpn_sa *sa, struct sk_buff *skb,
			      const struct nf_hook_state *state, u8 df_mode)
{
	unsigned int len = skb->len;
	int err;

	err = gvpn_esp_encrypt(sa, skb, state, df_mode);
	if (err == -EINPROGRESS)
		return;
	if (err) {
		gvpn_count_group(sa->group, GVPN_A_STATS_DROP_NOMEM, 1);
		kfree_skb(skb);
		return;
	}
	gvpn_count_tx(sa, len);
	gvpn_nf_resume(state, gvpn_output_hook, skb);
}

static int gvpn_frag_collect(struct net *net, struct sock *sk,
			     struct sk_buff *skb)
{
	__skb_queue_tail(this_cpu_ptr(&gvpn_frags), skb);
	return 0;
}

/* Fragment @skb so each piece fits @mtu once encrypted, then encrypt. */
static void gvpn_output_fragment(struct gvpn_sa *sa, struct sk_buff *skb,
				 const struct nf_hook_state *state,
				 unsigned int inner_mtu, u8 df_mode)
{
	struct sk_buff_head frags;
	struct sk_buff *frag;
	int err;

	__skb_queue_head_init(&frags);
	gvpn_count_group(sa->group, GVPN_A_STATS_FRAGMENTED, 1);
	if (skb->ip_summed == CHECKSUM_PARTIAL && skb_checksum_help(skb)) {
		kfree_skb(skb);
		return;
	}
	if (!IPCB(skb)->frag_max_size || IPCB(skb)->frag_max_size > inner_mtu)
		IPCB(skb)->frag_max_size = inner_mtu;

	local_bh_disable();
	err = ip_do_fragment(state->net, state->sk, skb, gvpn_frag_collect);
	skb_queue_splice_init(this_cpu_ptr(&gvpn_frags), &frags);
	local_bh_enable();

	while ((frag = __skb_dequeue(&frags))) {
		if (err)
			kfree_skb(frag);
		else
			gvpn_output_extra(sa, frag, state, df_mode);
	}
}

static bool gvpn_df(const struct sk_buff *skb)
{
	return (ip_hdr(skb)->frag_off & htons(IP_DF)) && !skb->ignore_df;
}

static unsigned int gvpn_frag_needed(struct gvpn_group *g, struct sk_buff *skb,
				     unsigned int inner_mtu)
{
	gvpn_count_group(g, GVPN_A_STATS_FRAG_NEEDED, 1);
	icmp_send(skb, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, htonl(inner_mtu));
	return NF_DROP;
}

static unsigned int gvpn_output_encrypt(struct gvpn_group *g,
					struct gvpn_sa *sa, struct sk_buff *skb,
					const struct nf_hook_state *state)
{
	unsigned int mtu = dst_mtu(skb_dst(skb));
	unsigned int inner_mtu = gvpn_inner_mtu(sa, mtu);
	u8 df_mode = READ_ONCE(g->df_mode);
	struct sk_buff *segs, *seg, *next;
	unsigned int len = skb->len;
	int err;

	if (skb_is_gso(skb)) {
		if (gvpn_df(skb) &&
		    !skb_gso_validate_network_len(skb, inner_mtu))
			return gvpn_frag_needed(g, skb, inner_mtu);
		/* No features: segments come out linear and checksummed. */
		segs = skb_gso_segment(skb, 0);
		if (IS_ERR_OR_NULL(segs)) {
			gvpn_count_group(g, GVPN_A_STATS_DROP_NOMEM, 1);
			return NF_DROP;
		}
		consume_skb(skb);
		skb_list_walk_safe(segs, seg, next) {
			skb_mark_not_on_list(seg);
			if (seg->len > inner_mtu)
				gvpn_output_fragment(sa, seg, state, inner_mtu,
						     df_mode);
			else
				gvpn_output_extra(sa, seg, state, df_mode);
		}
		return NF_STOLEN;
	}

	if (len > inner_mtu) {
		if (gvpn_df(skb))
			return gvpn_frag_needed(g, skb, inner_mtu);
		gvpn_output_fragment(sa, skb, state, inner_mtu, df_mode);
		return NF_STOLEN;
	}

	err = gvpn_esp_encrypt(sa, skb, state, df_mode);
	if (err == -EINPROGRESS)
		return NF_STOLEN;
	if (err) {
		gvpn_count_group(g, GVPN_A_STATS_DROP_NOMEM, 1);
		return NF_DROP;
	}
	gvpn_count_tx(sa, len);
	return NF_ACCEPT;
}

unsigned int gvpn_output_hook(void *priv, struct sk_buff *skb,
			      const struct nf_hook_state *state)
{
	struct gvpn_net *gn = gvpn_pernet(state->net);
	struct gvpn_policy *p;
	struct gvpn_group *g;
	struct gvpn_flow f;
	struct gvpn_sa *sa;
	bool rx_only;

	g = xa_load(&gn->devs, state->out->ifindex);
	if (!g)
		return NF_ACCEPT;
	gvpn_flow_from_skb(skb, &f);
	if (READ_ONCE(g->fail_armed))
		return gvpn_fail_verdict(g, &f, false);
	p = gvpn_policy_lookup(g, &f, false);
	if (!p)
		return NF_ACCEPT;
	gvpn_count(p->stats, GVPN_A_STATS_MATCH_PACKETS, 1);
	gvpn_count(p->stats, GVPN_A_STATS_MATCH_BYTES, skb->len);

	switch (p->action) {
	case GVPN_ACTION_BYPASS:
		gvpn_count_group(g, GVPN_A_STATS_BYPASS_PACKETS, 1);
		return NF_ACCEPT;
	case GVPN_ACTION_DROP:
		gvpn_count_group(g, GVPN_A_STATS_DROP_POLICY, 1);
		return NF_DROP;
	}
	if (!READ_ONCE(g->nactive))
		return gvpn_fail_verdict(g, &f, false);
	sa = READ_ONCE(g->recv_only) ? NULL : gvpn_sa_tx(p, &rx_only);
	if (!sa) {
		if (READ_ONCE(g->recv_only) || rx_only) {
			/* receive-only: decrypt what comes, send in clear */
			gvpn_count_group(g, GVPN_A_STATS_CLEAR_PASSIVE, 1);
			return NF_ACCEPT;
		}
		gvpn_count_group(g, GVPN_A_STATS_DROP_NO_SA, 1);
		return NF_DROP;
	}
	return gvpn_output_encrypt(g, sa, skb, state);
}

int gvpn_output_init(void)
{
	int cpu;

	for_each_possible_cpu(cpu)
		__skb_queue_head_init(per_cpu_ptr(&gvpn_frags, cpu));
	return 0;
}
