/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * Objects of the group-ESP data plane. Readers (the packet path) run under
 * RCU and take no locks; writers hold gvpn_net.lock.
 */
#ifndef _GVPN_H
#define _GVPN_H

#include <crypto/aead.h>
#include <linux/crypto.h>
#include <linux/mutex.h>
#include <linux/percpu-refcount.h>
#include <linux/netfilter.h>
#include <linux/ratelimit.h>
#include <linux/rhashtable.h>
#include <linux/u64_stats_sync.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <net/netns/generic.h>

#include <linux/gvpn.h>

struct crypto_aead;

#define GVPN_NSTATS (GVPN_A_STATS_MAX + 1)

/*
 * Per-CPU counters, indexed by enum gvpn_stats_attr. syncp is empty on
 * 64-bit builds; on 32-bit ones it keeps readers from seeing a counter
 * half updated (stats.c).
 */
struct gvpn_stats {
	u64 ctr[GVPN_NSTATS];
	struct u64_stats_sync syncp;
};

/* The data-plane error events, each rate-limited on its own (event.c). */
enum gvpn_event_rl {
	GVPN_RL_UNKNOWN_SPI,
	GVPN_RL_AUTH_FAILED,
	GVPN_RL_REPLAY_FAILED,
	GVPN_RL_MAX
};

struct gvpn_net {
	struct net *net;
	struct mutex lock;		/* serialises all configuration */
	struct xarray groups;		/* id -> struct gvpn_group */
	struct xarray devs;		/* ifindex -> struct gvpn_group (RCU) */
	struct rhashtable sas;		/* (group, spi) -> struct gvpn_sa (RCU) */
	struct gvpn_stats __percpu *stats;
	struct ratelimit_state event_rs[GVPN_RL_MAX];
	atomic_t nsas;			/* SAs not yet freed */
	unsigned int ngroups;		/* netfilter hooks while non-zero */
	unsigned int dump_seq;		/* never 0; changes with the objects */
};

extern unsigned int gvpn_net_id;
extern unsigned int gvpn_max_groups, gvpn_max_policies, gvpn_max_sas;

static inline struct gvpn_net *gvpn_pernet(const struct net *net)
{
	return net_generic(net, gvpn_net_id);
}

/*
 * Any change a dump could show: a dump that spans it is flagged
 * NLM_F_DUMP_INTR (netlink.c). 0 is skipped, it means "no sequence".
 */
static inline void gvpn_changed(struct gvpn_net *gn)
{
	lockdep_assert_held(&gn->lock);
	gn->dump_seq = gn->dump_seq + 1 ?: 1;
}

/* The parts of a packet a policy looks at. Addresses in network order. */
struct gvpn_flow {
	__be32 src, dst;
	u16 sport, dport;	/* host order; meaningful if has_ports */
	u8 proto;
	bool has_ports;		/* false for non-first fragments */
};

struct gvpn_selector {
	__be32 src, dst;
	u8 splen, dplen, proto;
	u16 sport_min, sport_max, dport_min, dport_max;
};

struct gvpn_cls;
struct gvpn_cls_node;

/* The group clock and replay window; replaced whole under RCU. */
struct gvpn_timebase {
	u32 window_ms;			/* 0: no replay check */
	u32 tick_ms;
	u8 type;			/* enum gvpn_clock */
	u64 pt_base_ms;			/* pseudotime at mono_base_ns */
	u64 mono_base_ns;
	struct rcu_head rcu;
};

#define GVPN_MAX_FAIL_RULES 10

struct gvpn_group {
	u16 id;
	u8 df_mode;
	u8 fail_mode;			/* enum gvpn_fail_mode */
	bool fail_armed;		/* fail-close in force (no keys yet) */
	bool passive, recv_only;
	bool legacy_iv;			/* counter mode without SID: random IVs */
	unsigned int nactive;		/* active SAs: the group has keys */
	unsigned int npolicies, nsas;	/* against the module's limits */
	unsigned int nfail;
	struct gvpn_net *gn;
	struct xarray policies;		/* id -> struct gvpn_policy */
	struct xarray sas;		/* spi -> struct gvpn_sa */
	struct gvpn_cls *cls;		/* policy classifier */
	struct list_head fail_rules;	/* origin "fail" policies (RCU) */
	struct gvpn_timebase __rcu *clock;
	struct gvpn_stats __percpu *stats;
	refcount_t refs;		/* the namespace + each SA */
	struct rcu_work free_work;
};

struct gvpn_policy {
	struct list_head node_list;	/* in its classifier node, by order */
	struct gvpn_cls_node *node;
	struct gvpn_group *group;
	struct gvpn_selector sel;
	u32 id, prio;
	u8 action, origin;
	u64 order;			/* (origin rank, prio): lower first */
	struct list_head sas;		/* SAs serving it, newest first (RCU) */
	struct gvpn_stats __percpu *stats;
	struct rcu_head rcu;
};

struct gvpn_sa {
	struct rhash_head hnode;	/* gvpn_net.sas */
	u64 key;			/* group id << 32 | spi */
	struct list_head policy_list;	/* gvpn_policy.sas */
	struct gvpn_group *group;	/* holds a reference */
	struct gvpn_selector sel;	/* copy of the policy's, for input */
	u32 spi;
	u32 policy_id;
	u8 dir;

	/* crypto, fixed at creation */
	struct crypto_aead *tfm;
	char alg[CRYPTO_MAX_ALG_NAME];	/* aead or enc name */
	char auth[CRYPTO_MAX_ALG_NAME];	/* auth name, or "" for aead */
	u16 key_bits;
	u16 icv_bits;
	u8 ivlen, icvlen, blksize;

	atomic64_t seq;			/* ESP sequence number, per sender */
	u64 created;			/* ktime_get_ns() */
	u64 activate_at, deactivate_at;	/* ktime_get_ns(); 0: none */
	u64 soft_secs, hard_secs, soft_bytes, hard_bytes;
	bool soft_done;
	bool active;			/* counted in the group's nactive */
	bool tbar, passive;
	struct delayed_work lifetime_work;

	/*
	 * Counter-mode IVs (sender.c): SID || counter, RFC 6054 4. iv_next
	 * is the next counter, taken with one atomic increment per packet;
	 * from iv_limit on the SA sends nothing.
	 */
	bool ctr_mode;			/* rfc4106: the IV must never repeat */
	bool has_sid;
	u8 sid_bits;
	u32 sender_id;
	u64 sid_prefix;			/* sender_id << (64 - sid_bits) */
	u64 iv_limit;			/* 2^(64 - sid_bits) */
	atomic64_t iv_next;
	unsigned long iv_flags;		/* GVPN_IV_EXHAUSTED_SENT */
	/* per-sender replay windows, created on the first packet */
	u32 replay_window;		/* packets; 0: none */
	u32 window_bits;		/* bitmap: power of two >= window */
	u32 nsenders;			/* in senders, under senders_lock */
	spinlock_t senders_lock;	/* adding senders */
	struct gvpn_senders __rcu *senders;

	struct gvpn_stats __percpu *stats;
	struct percpu_ref refs;		/* table + packets in the AEAD */
	struct rcu_work free_work;
};

/* stats.c */
static inline void gvpn_count(struct gvpn_stats __percpu *s,
			      enum gvpn_stats_attr ctr, u64 n)
{
	struct gvpn_stats *c;
	unsigned long flags;

	/* one instruction, safe in any context; 64-bit loads never tear */
	if (IS_ENABLED(CONFIG_64BIT)) {
		this_cpu_add(s->ctr[ctr], n);
		return;
	}
	/*
	 * 32-bit: two stores, inside a u64_stats sequence. Hooks (softirq or
	 * process context) and the control path both count: no interrupts.
	 */
	local_irq_save(flags);
	c = this_cpu_ptr(s);
	u64_stats_update_begin(&c->syncp);
	c->ctr[ctr] += n;
	u64_stats_update_end(&c->syncp);
	local_irq_restore(flags);
}

static inline void gvpn_count_group(struct gvpn_group *g,
				    enum gvpn_stats_attr ctr, u64 n)
{
	gvpn_count(g->stats, ctr, n);
	gvpn_count(g->gn->stats, ctr, n);
}

struct gvpn_stats __percpu *gvpn_stats_alloc(void);
void gvpn_stats_sum(struct gvpn_stats __percpu *s, u64 *out);
int gvpn_stats_fill(struct sk_buff *skb, int attr,
		    struct gvpn_stats __percpu *s, const u8 *which, int n);

/* group.c */
struct gvpn_group_cfg {
	bool has_df_mode, has_clock, has_window, has_tick, has_pseudotime;
	bool has_fail_mode, has_passive, has_recv_only, has_legacy_iv;
	bool fail_activate;
	u8 df_mode, clock, fail_mode;
	bool passive, recv_only, legacy_iv;
	u32 window_s, tick_ms;
	u64 pseudotime_ms;
};

struct gvpn_group *gvpn_group_find(struct gvpn_net *gn, u16 id);
int gvpn_group_new(struct gvpn_net *gn, u16 id,
		   const struct gvpn_group_cfg *cfg,
		   struct netlink_ext_ack *extack);
int gvpn_group_configure(struct gvpn_group *g, const struct gvpn_group_cfg *cfg,
			 struct netlink_ext_ack *extack);
void gvpn_group_del(struct gvpn_group *g);
void gvpn_group_put(struct gvpn_group *g);
void gvpn_group_keys(struct gvpn_group *g, int delta);
unsigned int gvpn_fail_verdict(struct gvpn_group *g, const struct gvpn_flow *f,
			       bool either_dir);
u64 gvpn_clock_now(const struct gvpn_timebase *c);
int gvpn_dev_attach(struct gvpn_group *g, struct net_device *dev,
		    struct netlink_ext_ack *extack);
int gvpn_dev_detach(struct gvpn_group *g, struct net_device *dev,
		    struct netlink_ext_ack *extack);
int gvpn_group_init(void);
void gvpn_group_exit(void);
int gvpn_dev_notifier_init(void);
void gvpn_dev_notifier_exit(void);

/* policy.c */
int gvpn_cls_new(struct gvpn_group *g);
void gvpn_cls_free(struct gvpn_group *g);
struct gvpn_policy *gvpn_policy_new(struct gvpn_group *g, u32 id, u32 prio,
				    u8 action, u8 origin,
				    const struct gvpn_selector *sel,
				    struct netlink_ext_ack *extack);
void gvpn_policy_del(struct gvpn_policy *p);
struct gvpn_policy *gvpn_policy_lookup(const struct gvpn_group *g,
				       const struct gvpn_flow *f,
				       bool either_dir);
bool gvpn_selector_match(const struct gvpn_selector *sel,
			 const struct gvpn_flow *f);
bool gvpn_fail_rule_match(const struct gvpn_group *g,
			  const struct gvpn_flow *f, bool either_dir);
struct gvpn_policy *gvpn_policy_any(const struct gvpn_group *g);
void gvpn_flow_from_skb(const struct sk_buff *skb, struct gvpn_flow *f);

/* sa.c */
struct gvpn_sa_cfg {
	u32 spi, policy_id;
	u8 dir;
	const char *aead, *enc, *auth;
	const u8 *aead_key, *enc_key, *auth_key;
	unsigned int aead_keylen, enc_keylen, auth_keylen;
	u32 icv_bits, trunc_bits;
	u64 soft_secs, hard_secs, soft_bytes, hard_bytes;
	u32 activate_in_ms, deactivate_in_ms;
	bool tbar, passive;
	bool has_sid;
	u8 sid_bits;
	u32 sender_id;
	u64 iv_counter;
	u32 replay_window;
	struct nlattr **tb;		/* the request, to point errors at */
};

int gvpn_sa_new(struct gvpn_group *g, const struct gvpn_sa_cfg *cfg,
		struct netlink_ext_ack *extack);
void gvpn_sa_del(struct gvpn_sa *sa, enum gvpn_event why);
void gvpn_sa_set_deactivate(struct gvpn_sa *sa, u32 in_ms);
struct gvpn_sa *gvpn_sa_lookup(struct gvpn_net *gn, u16 group, u32 spi);
struct gvpn_sa *gvpn_sa_tx(const struct gvpn_policy *p, bool *rx_only);
bool gvpn_sa_usable(const struct gvpn_sa *sa);
int gvpn_sa_init_net(struct gvpn_net *gn);
void gvpn_sa_exit_net(struct gvpn_net *gn);
u64 gvpn_sa_age_secs(const struct gvpn_sa *sa);
int gvpn_sa_init(void);
void gvpn_sa_exit(void);

/* sender.c */
#define GVPN_SID_BITS_MAX	16
#define GVPN_REPLAY_WINDOW_MAX	4096
#define GVPN_REPLAY_WINDOW_DEF	128
#define GVPN_MAX_SENDERS	256	/* per SA; more: TBAR only */

struct gvpn_senders;

/* What a dump shows of one sender's window. */
struct gvpn_sender_info {
	u32 sid;
	u64 top;			/* highest counter accepted */
	u64 rx_packets;			/* packets the window accepted */
	u64 replay;			/* duplicates and too old: dropped */
};

void gvpn_sender_init(struct gvpn_sa *sa, const struct gvpn_sa_cfg *cfg);
u64 gvpn_sender_next(const struct gvpn_sa *sa);
int gvpn_sender_iv(struct gvpn_sa *sa, u8 *iv);
int gvpn_sender_check(struct gvpn_sa *sa, const struct sk_buff *skb,
		      unsigned int iv_off);
u32 gvpn_senders_count(struct gvpn_sa *sa);
bool gvpn_sender_read(struct gvpn_sa *sa, u32 *slot,
		      struct gvpn_sender_info *si);
void gvpn_senders_free(struct gvpn_sa *sa);

/* crypto.c */
int gvpn_crypto_init(struct gvpn_sa *sa, const struct gvpn_sa_cfg *cfg,
		     struct netlink_ext_ack *extack);
void gvpn_crypto_free(struct gvpn_sa *sa);

/* Context of one packet inside the AEAD, allocated with its request. */
struct gvpn_crypto_ctx {
	struct sk_buff *skb;
	struct gvpn_sa *sa;		/* holds a reference */
	/* output: where the packet goes once encrypted */
	unsigned int len;		/* inner bytes, counted when sent */
	struct net *net;
	int (*okfn)(struct net *net, struct sock *sk, struct sk_buff *skb);
	/* input, asynchronous SAs only: to continue the hook chain */
	struct nf_hook_state state;
	u8 iv[16];
	struct scatterlist *sg;
	struct aead_request *req;
	/* followed by the request and the scatterlist */
};

/* Completion callbacks got the request before 6.3, its data since. */
#ifdef GVPN_HAVE_CRYPTO_DONE_DATA
#define GVPN_CRYPTO_DONE_ARG	void *data
#define GVPN_CRYPTO_DONE_DATA	(data)
#else
#define GVPN_CRYPTO_DONE_ARG	struct crypto_async_request *base
#define GVPN_CRYPTO_DONE_DATA	(base->data)
#endif

struct gvpn_crypto_ctx *gvpn_crypto_ctx_alloc(struct gvpn_sa *sa, int nfrags);
void gvpn_crypto_ctx_state(struct gvpn_crypto_ctx *ctx,
			   const struct nf_hook_state *state);
void gvpn_crypto_ctx_free(struct gvpn_crypto_ctx *ctx);
void gvpn_nf_resume(const struct nf_hook_state *state,
		    unsigned int (*hookfn)(void *, struct sk_buff *,
					   const struct nf_hook_state *),
		    struct sk_buff *skb);
int gvpn_nf_index(const struct nf_hook_entries *e,
		  unsigned int (*hookfn)(void *, struct sk_buff *,
					 const struct nf_hook_state *));

/*
 * Whether the SA's engine may complete a request later (cryptd, pcrypt, the
 * AES-NI SIMD wrapper): only then does a packet outlive the hook, and must
 * take references to what it uses afterwards.
 */
static inline bool gvpn_sa_async(const struct gvpn_sa *sa)
{
	return crypto_aead_alg(sa->tfm)->base.cra_flags & CRYPTO_ALG_ASYNC;
}

/*
 * Drop a packet the hook owns, counted under @why and freed with the
 * closest drop reason the kernel has (6.1 has a fixed set; both kernels
 * have these). Returns the verdict for a hook.
 */
static inline unsigned int gvpn_drop(struct gvpn_group *g, struct sk_buff *skb,
				     enum gvpn_stats_attr why)
{
	enum skb_drop_reason reason;

	switch (why) {
	case GVPN_A_STATS_DROP_NOMEM:
		reason = SKB_DROP_REASON_NOMEM;
		break;
	case GVPN_A_STATS_FRAG_NEEDED:
		reason = SKB_DROP_REASON_PKT_TOO_BIG;
		break;
	case GVPN_A_STATS_DROP_MALFORMED:
		reason = SKB_DROP_REASON_INVALID_PROTO;
		break;
	case GVPN_A_STATS_DROP_POLICY:
	case GVPN_A_STATS_DROP_NO_SA:
	case GVPN_A_STATS_DROP_CLEARTEXT:
	case GVPN_A_STATS_DROP_ADDR_MISMATCH:
	case GVPN_A_STATS_DROP_SELECTOR:
	case GVPN_A_STATS_DROP_UNKNOWN_SPI:
	case GVPN_A_STATS_DROP_AUTH:
	case GVPN_A_STATS_DROP_REPLAY:
	case GVPN_A_STATS_SENDER_REPLAY:
		reason = SKB_DROP_REASON_XFRM_POLICY;
		break;
	default:
		reason = SKB_DROP_REASON_NOT_SPECIFIED;
	}
	gvpn_count_group(g, why, 1);
	kfree_skb_reason(skb, reason);
	return NF_STOLEN;
}

/* output.c, input.c */
unsigned int gvpn_output_hook(void *priv, struct sk_buff *skb,
			      const struct nf_hook_state *state);
unsigned int gvpn_input_hook(void *priv, struct sk_buff *skb,
			     const struct nf_hook_state *state);
int gvpn_output_init(void);

/* ipv6.c */
unsigned int gvpn_ipv6_hook(void *priv, struct sk_buff *skb,
			    const struct nf_hook_state *state);

/* main.c */
int gvpn_hooks_get(struct gvpn_net *gn);
void gvpn_hooks_put(struct gvpn_net *gn);

/* event.c */
void gvpn_events_init(struct gvpn_net *gn);
void gvpn_nl_event_sa(struct gvpn_sa *sa, enum gvpn_event ev, gfp_t gfp);
void gvpn_nl_event_packet(struct gvpn_net *gn, u16 group, u32 spi,
			  enum gvpn_event ev, __be32 src, __be32 dst);
void gvpn_nl_event_group(struct gvpn_group *g, enum gvpn_event ev);
void gvpn_nl_event_replay(struct gvpn_sa *sa, __be32 src, __be32 dst,
			  u64 sender_ms, u64 local_ms);

#endif /* _GVPN_H */
