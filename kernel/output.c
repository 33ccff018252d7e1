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
 * with DF set, refused and their sender told the MTU left for the inner
 * packet.
 *
 * The hook runs after NAT, just before conntrack confirms (helpers,
 * sequence adjustment and confirmation all run at INT_MAX in 6.1 and
 * 6.12). Those must see the packet in clear, so a packet to encrypt leaves
 * the chain here: the hooks after ours run on its cleartext
 * (nf_hook_slow() from the next entry), and only if they accept it is it
 * encrypted and handed to the chain's okfn. Without conntrack nothing
 * follows us and the packet is encrypted in place, as xfrm would.
 */

#include <crypto/aead.h>
#include <linux/errqueue.h>
#include <linux/icmp.h>
#include <linux/ip.h>
#include <linux/random.h>
#include <net/esp.h>
#include <net/icmp.h>
#include <net/ip.h>
#include <net/route.h>

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

/*
 * The largest inner packet that fits @mtu once encrypted with @sa, as
 * xfrm_state_mtu() computes it: what the outer header, ESP header, IV and
 * ICV leave is rounded down to the cipher block first; the pad length and
 * next header bytes and the TBAR header, encrypted with the packet, come
 * off that.
 */
static unsigned int gvpn_inner_mtu(const struct gvpn_sa *sa, unsigned int mtu)
{
	int room = mtu - sizeof(struct iphdr) - sizeof(struct ip_esp_hdr) -
		   sa->ivlen - sa->icvlen;

	room = round_down(room, sa->blksize) - 2 - gvpn_tbar_hlen(sa);
	return max(room, 68);
}

/*
 * The MTU an ESP packet must fit: the route's, or its device's, without
 * the path MTU learnt for the inner flow (ip_forward() measures forwarded
 * packets the same way). With address preservation inner and outer packet
 * share one route, and what gvpn records there for local senders (see
 * gvpn_frag_needed()) is the inner MTU: counting it again would ratchet
 * the MTU down at every packet.
 */
static unsigned int gvpn_link_mtu(const struct dst_entry *dst)
{
	unsigned int mtu = dst_metric_raw(dst, RTAX_MTU);

	return min_t(unsigned int, mtu ?: READ_ONCE(dst->dev->mtu), IP_MAX_MTU);
}

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

/*
 * Room for the ESP trailer (padding, pad length, next header, ICV) at the
 * end of @skb, copying the packet only when we must (esp_output_head()'s
 * approach and conditions): in the tailroom of a linear packet, encrypted
 * in place; else, if what follows the header fits a page, in a page
 * fragment of its own after the packet's fragments, and those are then
 * encrypted into a new page (*@inplace false: the fragments may be shared,
 * e.g. with a TCP sender's retransmit queue, and must not be written).
 * Anything else (a cloned header, a frag_list, zerocopy or page-pool
 * fragments) goes through skb_cow_data(), which copies. Returns the
 * trailer and the scatterlist entries the packet needs, or NULL.
 */
static u8 *gvpn_tail(struct sk_buff *skb, unsigned int tailen, int *nfrags,
		     bool *inplace)
{
	struct sk_buff *trailer;
	struct page *page;
	u8 *tail;

	*inplace = true;
	if (skb_cloned(skb) || skb_has_frag_list(skb) || skb_zcopy(skb) ||
	    skb->pp_recycle ||
	    ALIGN(skb->data_len + tailen, L1_CACHE_BYTES) > PAGE_SIZE)
		goto cow;
	if (tailen <= skb_tailroom(skb)) {	/* linear, room at the end */
		*nfrags = 1;
		return __skb_put(skb, tailen);
	}
	if (skb_shinfo(skb)->nr_frags >= MAX_SKB_FRAGS)
		goto cow;
	tail = netdev_alloc_frag(tailen);
	if (!tail)
		goto cow;
	page = virt_to_head_page(tail);
	skb_fill_page_desc(skb, skb_shinfo(skb)->nr_frags, page,
			   tail - (u8 *)page_address(page), tailen);
	skb_len_add(skb, tailen);
	/* the socket's write allocation follows the truesize it will free */
	if (skb->sk && sk_fullsock(skb->sk))
		refcount_add(tailen, &skb->sk->sk_wmem_alloc);
	*nfrags = skb_shinfo(skb)->nr_frags + 1;
	*inplace = false;
	return tail;
cow:
	*nfrags = skb_cow_data(skb, tailen, &trailer);
	if (*nfrags < 0)
		return NULL;
	return pskb_put(skb, trailer, tailen);
}

/*
 * Out of place: the ciphertext of everything after the header goes to a
 * new page, which replaces the packet's fragments; their pages, now held
 * by the source scatterlist only, are released once the AEAD is done
 * (gvpn_output_unref()).
 */
static int gvpn_output_dst(struct gvpn_crypto_ctx *ctx, int nfrags,
			   unsigned int off, unsigned int len)
{
	struct sk_buff *skb = ctx->skb;
	struct scatterlist *dsg = ctx->sg + nfrags;
	struct page *page;
	u8 *buf;

	buf = netdev_alloc_frag(skb->data_len);
	if (!buf)
		return -ENOMEM;
	page = virt_to_head_page(buf);
	skb_shinfo(skb)->nr_frags = 1;
	__skb_fill_page_desc(skb, 0, page, buf - (u8 *)page_address(page),
			     skb->data_len);
	ctx->req->dst = dsg;
	sg_init_table(dsg, 2);
	return min(skb_to_sgvec(skb, dsg, off, len), 0);
}

static void gvpn_output_unref(struct gvpn_crypto_ctx *ctx)
{
	struct scatterlist *sg;

	if (ctx->req->src == ctx->req->dst)
		return;
	/* the first entry is the packet's head, still in use */
	for (sg = sg_next(ctx->req->src); sg; sg = sg_next(sg))
		put_page(sg_page(sg));
}

static void gvpn_count_tx(struct gvpn_sa *sa, unsigned int len)
{
	gvpn_count(sa->stats, GVPN_A_STATS_TX_PACKETS, 1);
	gvpn_count(sa->stats, GVPN_A_STATS_TX_BYTES, len);
	gvpn_count_group(sa->group, GVPN_A_STATS_TX_PACKETS, 1);
	gvpn_count_group(sa->group, GVPN_A_STATS_TX_BYTES, len);
}

/*
 * An encrypted packet fits the link: nothing may fragment it again, not
 * even the path MTU a local sender's flow learnt on the route they share
 * (IPSKB_FORWARDED makes ip_finish_output() measure it against the route,
 * as for the forwarded packets it also is: forwarded into the tunnel).
 */
static void gvpn_output_ready(struct sk_buff *skb)
{
	IPCB(skb)->frag_max_size = 0;
	IPCB(skb)->flags |= IPSKB_FORWARDED;
	skb->ip_summed = CHECKSUM_NONE;
}

static void gvpn_output_done(GVPN_CRYPTO_DONE_ARG, int err)
{
	struct gvpn_crypto_ctx *ctx = GVPN_CRYPTO_DONE_DATA;
	struct sk_buff *skb = ctx->skb;
	struct gvpn_sa *sa = ctx->sa;

	gvpn_output_unref(ctx);
	local_bh_disable();
	if (err) {
		gvpn_drop(sa->group, skb, GVPN_A_STATS_DROP_NOMEM);
	} else {
		gvpn_output_ready(skb);
		gvpn_count_tx(sa, ctx->len);
		ctx->okfn(ctx->net, skb->sk, skb);
	}
	local_bh_enable();
	gvpn_crypto_ctx_free(ctx);
}

/*
 * Encrypt @skb (an IPv4 packet, not GSO) in place. Returns 0 when done,
 * -EINPROGRESS when the AEAD completes later (it then owns @skb and sends
 * it to @state's okfn), or an error with @skb for the caller to drop.
 */
static int gvpn_esp_encrypt(struct gvpn_sa *sa, struct sk_buff *skb,
			    const struct nf_hook_state *state, u8 df_mode)
{
	const unsigned int thlen = gvpn_tbar_hlen(sa);
	const unsigned int hlen = sizeof(struct iphdr) +
				  sizeof(struct ip_esp_hdr) + sa->ivlen + thlen;
	unsigned int len, plen, padlen, tailen, elen;
	struct gvpn_crypto_ctx *ctx;
	struct ip_esp_hdr *esph;
	struct iphdr *iph, inner;
	u8 *tail, *iv, ivbuf[16];
	int nfrags, err, i;
	bool inplace;

	/* first: a packet the SA may not send is left untouched */
	err = gvpn_sender_iv(sa, ivbuf);
	if (err)
		return err;
	if (skb->ip_summed == CHECKSUM_PARTIAL && skb_checksum_help(skb))
		return -EINVAL;
	inner = *ip_hdr(skb);
	len = skb->len + thlen;		/* what ESP protects */
	plen = ALIGN(len + 2, sa->blksize);
	padlen = plen - len - 2;
	tailen = padlen + 2 + sa->icvlen;

	if (skb_cow_head(skb, hlen + LL_RESERVED_SPACE(state->out)))
		return -ENOMEM;
	tail = gvpn_tail(skb, tailen, &nfrags, &inplace);
	if (!tail)
		return -ENOMEM;
	/* Packets inside the AEAD hold the SA. */
	if (!percpu_ref_tryget_live(&sa->refs))
		return -ENOENT;
	/* out of place, the destination is the head and one page */
	ctx = gvpn_crypto_ctx_alloc(sa, inplace ? nfrags : nfrags + 2);
	if (!ctx) {
		percpu_ref_put(&sa->refs);
		return -ENOMEM;
	}

	/* Self-describing padding 1, 2, 3... then pad length, next header. */
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
	/* The inner packet's tunnel headers, if any, are inside ESP now. */
	skb->encapsulation = 0;

	esph->spi = htonl(sa->spi);
	esph->seq_no = htonl((u32)atomic64_inc_return(&sa->seq));
	/* SID || counter for counter modes, random for CBC (sender.c) */
	memcpy(iv, ivbuf, sa->ivlen);
	memcpy(ctx->iv, iv, sa->ivlen);
	if (thlen)
		gvpn_tbar_stamp(sa, iv + sa->ivlen);

	ctx->skb = skb;
	ctx->len = len - thlen;
	ctx->net = state->net;
	ctx->okfn = state->okfn;
	elen = sizeof(*esph) + sa->ivlen + plen + sa->icvlen;
	err = skb_to_sgvec(skb, ctx->sg, sizeof(*iph), elen);
	if (unlikely(err < 0))
		goto out_free;
	aead_request_set_crypt(ctx->req, ctx->sg, ctx->sg, plen, ctx->iv);
	if (!inplace) {
		err = gvpn_output_dst(ctx, nfrags, sizeof(*iph), elen);
		if (err)
			goto out;
	}
	/*
	 * No CRYPTO_TFM_REQ_MAY_BACKLOG: we run in softirq, and may not wait
	 * for an engine's queue to drain. A full queue (-ENOSPC, or -EBUSY
	 * from engines that say so) drops the packet, as esp4 does.
	 */
	aead_request_set_callback(ctx->req, 0, gvpn_output_done, ctx);
	aead_request_set_ad(ctx->req, sizeof(*esph) + sa->ivlen);
	err = crypto_aead_encrypt(ctx->req);
	if (err == -EINPROGRESS)
		return err;
	if (!err) {
		gvpn_output_ready(skb);
		gvpn_count_tx(sa, ctx->len);
	}
out:
	gvpn_output_unref(ctx);
out_free:
	gvpn_crypto_ctx_free(ctx);
	return err;
}

/*
 * The counter to drop a packet gvpn_esp_encrypt() refused with: the SA's
 * IVs are spent, or it may not make any (counter mode without SID).
 */
static unsigned int gvpn_output_error(struct gvpn_sa *sa, struct sk_buff *skb,
				      int err)
{
	enum gvpn_stats_attr why = GVPN_A_STATS_DROP_NOMEM;

	if (err == -EOVERFLOW)
		why = GVPN_A_STATS_IV_EXHAUSTED;
	else if (err == -ENOKEY)
		why = GVPN_A_STATS_NO_SID;
	if (why != GVPN_A_STATS_DROP_NOMEM)
		gvpn_count(sa->stats, why, 1);
	return gvpn_drop(sa->group, skb, why);
}

/* Encrypt one of the packets we made out of the hook's one, send it on. */
static void gvpn_output_one(struct gvpn_sa *sa, struct sk_buff *skb,
			    const struct nf_hook_state *state, u8 df_mode)
{
	int err;

	err = gvpn_esp_encrypt(sa, skb, state, df_mode);
	if (err == -EINPROGRESS)
		return;
	if (err) {
		gvpn_output_error(sa, skb, err);
		return;
	}
	state->okfn(state->net, state->sk, skb);
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
		gvpn_drop(sa->group, skb, GVPN_A_STATS_DROP_NOMEM);
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
			gvpn_drop(sa->group, frag, GVPN_A_STATS_DROP_NOMEM);
		else
			gvpn_output_one(sa, frag, state, df_mode);
	}
}

static bool gvpn_df(const struct sk_buff *skb)
{
	return (ip_hdr(skb)->frag_off & htons(IP_DF)) && !skb->ignore_df;
}

/* Whether @sk asked for errors on its error queue (IP_RECVERR). */
static bool gvpn_sk_recverr(const struct sock *sk)
{
#ifdef GVPN_HAVE_INET_FLAGS
	return inet_test_bit(RECVERR, sk);
#else
	return inet_sk(sk)->recverr;
#endif
}

/*
 * Tell a local socket that asked for errors (IP_RECVERR) that its packet
 * to @daddr needs @mtu: a local EMSGSIZE on its error queue, as the stack
 * reports its own MTU errors (ip_local_error(), which modules cannot call).
 */
static void gvpn_local_error(struct sock *sk, __be32 daddr, u32 mtu)
{
	struct sock_exterr_skb *serr;
	struct sk_buff *skb;
	struct iphdr *iph;

	if (!gvpn_sk_recverr(sk))
		return;
	skb = alloc_skb(sizeof(*iph), GFP_ATOMIC);
	if (!skb)
		return;
	iph = skb_put_zero(skb, sizeof(*iph));
	skb_reset_network_header(skb);
	iph->daddr = daddr;
	serr = SKB_EXT_ERR(skb);
	memset(serr, 0, sizeof(*serr));
	serr->ee.ee_errno = EMSGSIZE;
	serr->ee.ee_origin = SO_EE_ORIGIN_LOCAL;
	serr->ee.ee_info = mtu;
	serr->addr_offset = offsetof(struct iphdr, daddr);
	serr->port = inet_sk(sk)->inet_dport;
	__skb_pull(skb, skb->len);
	skb_reset_transport_header(skb);
	if (sock_queue_err_skb(sk, skb))
		kfree_skb(skb);
}

/*
 * A packet with DF set too big for the tunnel. A forwarded packet's sender
 * gets an ICMP fragmentation-needed carrying the inner MTU, through
 * icmp_ndo_send(): SNAT ran before us, and the ICMP must go to the source
 * it rewrote. A local sender is told directly, as xfrm_local_error() does:
 * its socket's error queue (IP_RECVERR), and the route's path MTU for the
 * flow, from which TCP takes its MSS. The ICMP to ourselves this replaces
 * did the latter, but read back by gvpn_inner_mtu() on the next packet it
 * ratcheted the path MTU down to the kernel's minimum (552).
 */
static unsigned int gvpn_frag_needed(struct gvpn_group *g, struct sk_buff *skb,
				     const struct nf_hook_state *state,
				     unsigned int inner_mtu)
{
	const struct iphdr *iph = ip_hdr(skb);
	struct sock *sk = skb->sk;

	if (IPCB(skb)->flags & IPSKB_FORWARDED) {
		icmp_ndo_send(skb, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED,
			      htonl(inner_mtu));
	} else {
		ipv4_update_pmtu(skb, state->net, inner_mtu, 0, iph->protocol);
		if (sk && sk_fullsock(sk))
			gvpn_local_error(sk, iph->daddr, inner_mtu);
	}
	return gvpn_drop(g, skb, GVPN_A_STATS_FRAG_NEEDED);
}

/*
 * The okfn the hooks after ours get. One that takes the packet out of the
 * chain (NF_QUEUE, a userspace conntrack helper, a module completing
 * later) resumes it through the okfn, past gvpn: its cleartext must not
 * leave, so it is dropped here instead.
 */
static int gvpn_output_guard(struct net *net, struct sock *sk,
			     struct sk_buff *skb)
{
	struct gvpn_net *gn = gvpn_pernet(net);
	struct gvpn_group *g;

	rcu_read_lock();
	g = skb->dev ? xa_load(&gn->devs, skb->dev->ifindex) : NULL;
	if (g)
		gvpn_count_group(g, GVPN_A_STATS_DROP_POLICY, 1);
	else
		gvpn_count(gn->stats, GVPN_A_STATS_DROP_POLICY, 1);
	rcu_read_unlock();
	kfree_skb_reason(skb, SKB_DROP_REASON_NETFILTER_DROP);
	return 0;
}

/*
 * Run the hooks after ours on the cleartext. Returns whether @skb is still
 * ours to send (else they dropped, stole or queued it), and sets @last when
 * no hook follows us, so that the packet may simply be accepted.
 */
static bool gvpn_output_rest(struct sk_buff *skb,
			     const struct nf_hook_state *state, bool *last)
{
	const struct nf_hook_entries *e;
	struct nf_hook_state st;
	int i;

	e = rcu_dereference(state->net->nf.hooks_ipv4[state->hook]);
	i = gvpn_nf_index(e, gvpn_output_hook);
	*last = i < 0 || i + 1 == e->num_hook_entries;
	if (*last)
		return true;
	st = *state;
	st.okfn = gvpn_output_guard;
	return nf_hook_slow(skb, &st, e, i + 1) == 1;
}

static unsigned int gvpn_output_encrypt(struct gvpn_group *g,
					struct gvpn_sa *sa, struct sk_buff *skb,
					const struct nf_hook_state *state)
{
	unsigned int inner_mtu = gvpn_inner_mtu(sa, gvpn_link_mtu(skb_dst(skb)));
	u8 df_mode = READ_ONCE(g->df_mode);
	struct sk_buff *segs, *seg, *next;
	bool last;
	int err;

	if (gvpn_df(skb) &&
	    (skb_is_gso(skb) ? !skb_gso_validate_network_len(skb, inner_mtu) :
			       skb->len > inner_mtu))
		return gvpn_frag_needed(g, skb, state, inner_mtu);
	/*
	 * A packet the engine completes later outlives this hook, and the
	 * route the stack lent it may be released meanwhile: take a reference,
	 * as xfrm_output_one() and __nf_queue() do. Segments and fragments
	 * copy it.
	 */
	if (gvpn_sa_async(sa) && !skb_dst_force(skb)) {
		gvpn_count_group(g, GVPN_A_STATS_DROP_NOMEM, 1);
		kfree_skb_reason(skb, SKB_DROP_REASON_IP_OUTNOROUTES);
		return NF_STOLEN;
	}
	if (!gvpn_output_rest(skb, state, &last))
		return NF_STOLEN;

	if (skb_is_gso(skb)) {
		/* No features: segments come out linear and checksummed. */
		segs = skb_gso_segment(skb, 0);
		if (IS_ERR_OR_NULL(segs))
			return gvpn_drop(g, skb, GVPN_A_STATS_DROP_NOMEM);
		consume_skb(skb);
		skb_list_walk_safe(segs, seg, next) {
			skb_mark_not_on_list(seg);
			if (seg->len > inner_mtu)
				gvpn_output_fragment(sa, seg, state, inner_mtu,
						     df_mode);
			else
				gvpn_output_one(sa, seg, state, df_mode);
		}
		return NF_STOLEN;
	}
	if (skb->len > inner_mtu) {
		gvpn_output_fragment(sa, skb, state, inner_mtu, df_mode);
		return NF_STOLEN;
	}

	err = gvpn_esp_encrypt(sa, skb, state, df_mode);
	if (err == -EINPROGRESS)
		return NF_STOLEN;
	if (err)
		return gvpn_output_error(sa, skb, err);
	if (last)
		return NF_ACCEPT;
	state->okfn(state->net, state->sk, skb);
	return NF_STOLEN;
}

unsigned int gvpn_output_hook(void *priv, struct sk_buff *skb,
			      const struct nf_hook_state *state)
{
	struct gvpn_net *gn = gvpn_pernet(state->net);
	struct gvpn_policy *p;
	struct gvpn_group *g;
	struct gvpn_flow f;
	struct gvpn_sa *sa;
	bool rx_only = false;
	bool recv_only;

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
		return gvpn_drop(g, skb, GVPN_A_STATS_DROP_POLICY);
	}
	if (!READ_ONCE(g->nactive))
		return gvpn_fail_verdict(g, &f, false);
	/* one decision per packet, however the setting changes meanwhile */
	recv_only = READ_ONCE(g->recv_only);
	sa = recv_only ? NULL : gvpn_sa_tx(p, &rx_only);
	if (!sa) {
		if (recv_only || rx_only) {
			/* receive-only: decrypt what comes, send in clear */
			gvpn_count_group(g, GVPN_A_STATS_CLEAR_PASSIVE, 1);
			return NF_ACCEPT;
		}
		return gvpn_drop(g, skb, GVPN_A_STATS_DROP_NO_SA);
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
