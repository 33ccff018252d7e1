// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * Sender IDs (RFC 6054) for the counter-mode SAs a group shares.
 *
 * Every member of a group encrypts with the same AES-GCM key, and GCM
 * breaks the moment one (key, IV) pair is used twice: the GHASH key
 * follows, and with it forgeries for the whole group. Random 64-bit IVs
 * repeat with probability about N^2 / 2^65 after N packets group-wide,
 * which at line rate is a matter of hours. So the key server gives each
 * member its own Sender ID (SID) and a member builds its IVs as
 *
 *	IV (64 bits, big endian) = SID (sid_bits) || counter (64 - sid_bits)
 *
 * with a per-SA counter that only goes up: the IV of one member never
 * repeats, and never meets another member's. One atomic increment per
 * packet, no lock. When the counter would reach 2^(64 - sid_bits) the SA
 * refuses to encrypt (a hard limit, never a wrap) and says so once.
 *
 * The same structure gives the receiver what TBAR alone cannot: an exact
 * duplicate inside the TBAR window. Per SA, a table of senders keyed by
 * SID, each with a sliding window over its counter (xfrm's bitmap window,
 * xfrm_replay_advance_bmp()), created on a sender's first authenticated
 * packet. The table holds at most GVPN_MAX_SENDERS senders; packets of
 * further senders are checked by TBAR only and counted. It is freed with
 * the SA, after the RCU grace period that already protects the SA.
 *
 * Lookup is lock-free: an open-addressed table of RCU pointers twice the
 * cap in size (so probes stay short) where entries are only ever added,
 * under the table's lock. The window update takes the sender's own
 * spinlock: a handful of instructions on a cache line only that sender's
 * packets touch, so two CPUs contend only when they receive the same
 * member's packets at the same instant. xfrm serialises every packet of
 * an SA on x->lock for the same update; here the senders of a group's SA
 * do not wait for each other.
 */

#include <linux/bitmap.h>
#include <linux/hash.h>
#include <linux/log2.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "gvpn.h"

#define GVPN_IV_EXHAUSTED_SENT	0	/* bit of gvpn_sa.iv_flags */

#define GVPN_SENDER_HASH_BITS	(ilog2(GVPN_MAX_SENDERS) + 1)
#define GVPN_SENDER_SLOTS	BIT(GVPN_SENDER_HASH_BITS)

struct gvpn_sender {
	spinlock_t lock;		/* top, the counts and bmp */
	u32 sid;
	u64 top;			/* highest counter accepted */
	u64 rx_packets;			/* accepted by the window */
	u64 replay;			/* dropped by it */
	unsigned long bmp[];		/* bit c % nbits: counter c seen */
};

/* Exactly a page on 64-bit: its lock and count live in the SA. */
struct gvpn_senders {
	struct gvpn_sender __rcu *slot[GVPN_SENDER_SLOTS];
};

void gvpn_sender_init(struct gvpn_sa *sa, const struct gvpn_sa_cfg *cfg)
{
	/* rfc4106 is the counter mode we have; CBC IVs stay random */
	sa->ctr_mode = !!cfg->aead;
	sa->replay_window = cfg->replay_window;
	sa->window_bits = max_t(u32, roundup_pow_of_two(cfg->replay_window),
				BITS_PER_LONG);
	spin_lock_init(&sa->senders_lock);
	if (!cfg->has_sid)
		return;
	sa->has_sid = true;
	sa->sid_bits = cfg->sid_bits;
	sa->sender_id = cfg->sender_id;
	sa->iv_limit = 1ULL << (64 - cfg->sid_bits);
	sa->sid_prefix = (u64)cfg->sender_id << (64 - cfg->sid_bits);
	atomic64_set(&sa->iv_next, cfg->iv_counter);
}

/* The next counter (replies): the limit once the SA is exhausted. */
u64 gvpn_sender_next(const struct gvpn_sa *sa)
{
	u64 next = atomic64_read(&sa->iv_next);

	return min(next, sa->iv_limit);
}

/*
 * The IV of the next packet, ivlen bytes at @iv. Returns 0, -ENOKEY when
 * a counter-mode SA has no SID and its group does not allow random IVs,
 * or -EOVERFLOW when the counter is spent.
 */
int gvpn_sender_iv(struct gvpn_sa *sa, u8 *iv)
{
	__be64 v;
	u64 ctr;

	if (!sa->ctr_mode)
		goto random;
	if (!sa->has_sid) {
		if (READ_ONCE(sa->group->legacy_iv))
			goto random;
		return -ENOKEY;
	}
	/*
	 * Every value below the limit is handed out once. Past it the
	 * counter goes on climbing but is never used; wrapping the 64-bit
	 * atomic back below the limit would take 2^63 more packets.
	 */
	ctr = (u64)atomic64_inc_return(&sa->iv_next) - 1;
	if (unlikely(ctr >= sa->iv_limit)) {
		if (!test_and_set_bit(GVPN_IV_EXHAUSTED_SENT, &sa->iv_flags))
			gvpn_nl_event_sa(sa, GVPN_EVENT_SA_IV_EXHAUSTED,
					 GFP_ATOMIC);
		return -EOVERFLOW;
	}
	v = cpu_to_be64(sa->sid_prefix | ctr);
	memcpy(iv, &v, sizeof(v));
	return 0;
random:
	get_random_bytes(iv, sa->ivlen);
	return 0;
}

static struct gvpn_sender *gvpn_sender_find(struct gvpn_senders *t, u32 sid,
					    u32 *free_slot)
{
	u32 h = hash_32(sid, GVPN_SENDER_HASH_BITS), i, idx;
	struct gvpn_sender *s;

	for (i = 0; i < GVPN_SENDER_SLOTS; i++) {
		idx = (h + i) & (GVPN_SENDER_SLOTS - 1);
		s = rcu_dereference(t->slot[idx]);
		if (!s) {
			*free_slot = idx;
			return NULL;
		}
		if (s->sid == sid)
			return s;
	}
	*free_slot = GVPN_SENDER_SLOTS;	/* cannot happen: n <= slots / 2 */
	return NULL;
}

/* The SA's table, made on its first packet; NULL without memory. */
static struct gvpn_senders *gvpn_senders_get(struct gvpn_sa *sa)
{
	struct gvpn_senders *t = rcu_dereference(sa->senders);

	if (likely(t))
		return t;
	t = kzalloc(sizeof(*t), GFP_ATOMIC | __GFP_NOWARN);
	if (!t)
		return NULL;
	/* another CPU may have been first: use its table */
	if (cmpxchg((__force struct gvpn_senders **)&sa->senders, NULL, t)) {
		kfree(t);
		t = rcu_dereference(sa->senders);
	}
	return t;
}

/*
 * A sender's first packet: a window that has seen @ctr only. Returns the
 * sender, or NULL when the table is full (or memory short) and the packet
 * is left to TBAR.
 */
static struct gvpn_sender *gvpn_sender_add(struct gvpn_sa *sa,
					   struct gvpn_senders *t, u32 sid,
					   u64 ctr, bool *created)
{
	const u32 nbits = sa->window_bits;
	struct gvpn_sender *s;
	u32 idx;

	*created = false;
	spin_lock(&sa->senders_lock);
	s = gvpn_sender_find(t, sid, &idx);
	if (s || sa->nsenders >= GVPN_MAX_SENDERS || idx >= GVPN_SENDER_SLOTS)
		goto out;
	s = kzalloc(struct_size(s, bmp, BITS_TO_LONGS(nbits)),
		    GFP_ATOMIC | __GFP_NOWARN);
	if (!s)
		goto out;
	spin_lock_init(&s->lock);
	s->sid = sid;
	s->top = ctr;
	s->rx_packets = 1;
	__set_bit(ctr & (nbits - 1), s->bmp);
	rcu_assign_pointer(t->slot[idx], s);
	WRITE_ONCE(sa->nsenders, sa->nsenders + 1);
	*created = true;
out:
	spin_unlock(&sa->senders_lock);
	return s;
}

/*
 * Whether counter @ctr is a replay for @s (seen, or older than @window
 * behind the highest), recording it if not. The bitmap holds @nbits >=
 * @window counters, each at bit ctr % nbits; moving the top forward clears
 * the bits of the counters skipped.
 */
static bool gvpn_window_replay(struct gvpn_sender *s, u64 ctr, u32 window,
			       u32 nbits)
{
	u32 from, n;
	u64 diff;

	if (ctr > s->top) {
		diff = ctr - s->top;
		if (diff >= nbits) {
			bitmap_zero(s->bmp, nbits);
		} else {
			from = (s->top + 1) & (nbits - 1);
			n = min_t(u32, diff, nbits - from);
			bitmap_clear(s->bmp, from, n);
			if (n < diff)
				bitmap_clear(s->bmp, 0, diff - n);
		}
		s->top = ctr;
		__set_bit(ctr & (nbits - 1), s->bmp);
		return false;
	}
	if (s->top - ctr >= window)
		return true;
	return __test_and_set_bit(ctr & (nbits - 1), s->bmp);
}

/*
 * After authentication: the per-sender replay check of a packet whose IV
 * is at @iv_off. Returns 0 or the counter to drop with. Called with BHs
 * off (the hook, or an AEAD completion that disabled them).
 */
int gvpn_sender_check(struct gvpn_sa *sa, const struct sk_buff *skb,
		      unsigned int iv_off)
{
	struct gvpn_senders *t;
	struct gvpn_sender *s;
	bool created, replay;
	__be64 raw;
	u64 iv, ctr;
	u32 sid, idx;

	/* senders of a legacy group may use random IVs: no window fits */
	if (!sa->replay_window || !sa->has_sid || !sa->ctr_mode ||
	    READ_ONCE(sa->group->legacy_iv))
		return 0;
	if (skb_copy_bits(skb, iv_off, &raw, sizeof(raw)))
		return GVPN_A_STATS_DROP_MALFORMED;
	iv = be64_to_cpu(raw);
	sid = iv >> (64 - sa->sid_bits);
	ctr = iv & (sa->iv_limit - 1);

	t = gvpn_senders_get(sa);
	s = t ? gvpn_sender_find(t, sid, &idx) : NULL;
	if (unlikely(!s)) {
		s = t ? gvpn_sender_add(sa, t, sid, ctr, &created) : NULL;
		if (!s) {
			gvpn_count(sa->stats, GVPN_A_STATS_SENDERS_OVERFLOW, 1);
			gvpn_count_group(sa->group,
					 GVPN_A_STATS_SENDERS_OVERFLOW, 1);
			return 0;
		}
		if (created)
			return 0;
	}
	spin_lock(&s->lock);
	replay = gvpn_window_replay(s, ctr, sa->replay_window, sa->window_bits);
	if (replay)
		s->replay++;
	else
		s->rx_packets++;
	spin_unlock(&s->lock);
	if (!replay)
		return 0;
	gvpn_count(sa->stats, GVPN_A_STATS_SENDER_REPLAY, 1);
	return GVPN_A_STATS_SENDER_REPLAY;
}

u32 gvpn_senders_count(struct gvpn_sa *sa)
{
	return READ_ONCE(sa->nsenders);
}

/*
 * For dumps, under rcu_read_lock(): the sender in slot *@slot or the first
 * after it, copied to @si, with *@slot moved to its slot; false past the
 * last. Senders are only added while the SA lives, so a dump that resumes
 * at the next slot misses none that existed when it began.
 */
bool gvpn_sender_read(struct gvpn_sa *sa, u32 *slot,
		      struct gvpn_sender_info *si)
{
	struct gvpn_senders *t = rcu_dereference(sa->senders);
	struct gvpn_sender *s;
	u32 i;

	if (!t)
		return false;
	for (i = *slot; i < GVPN_SENDER_SLOTS; i++) {
		s = rcu_dereference(t->slot[i]);
		if (!s)
			continue;
		/* the receive path takes it in softirq context */
		spin_lock_bh(&s->lock);
		si->sid = s->sid;
		si->top = s->top;
		si->rx_packets = s->rx_packets;
		si->replay = s->replay;
		spin_unlock_bh(&s->lock);
		*slot = i;
		return true;
	}
	return false;
}

/* With the SA: no packet can reach the table any more. */
void gvpn_senders_free(struct gvpn_sa *sa)
{
	struct gvpn_senders *t = rcu_dereference_protected(sa->senders, 1);
	u32 i;

	if (!t)
		return;
	for (i = 0; i < GVPN_SENDER_SLOTS; i++)
		kfree(rcu_dereference_protected(t->slot[i], 1));
	kfree(t);
}
