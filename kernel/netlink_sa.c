// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * Generic netlink: SAs.
 */

#include <linux/netdevice.h>
#include <net/genetlink.h>

#include "gvpn.h"
#include "netlink.h"

static const u8 gvpn_sa_counters[] = {
	GVPN_A_STATS_TX_PACKETS, GVPN_A_STATS_TX_BYTES,
	GVPN_A_STATS_RX_PACKETS, GVPN_A_STATS_RX_BYTES,
	GVPN_A_STATS_DROP_AUTH, GVPN_A_STATS_TX_TIMESTAMPED,
	GVPN_A_STATS_IV_EXHAUSTED, GVPN_A_STATS_NO_SID,
	GVPN_A_STATS_SENDER_REPLAY, GVPN_A_STATS_SENDERS_OVERFLOW,
};

int gvpn_nl_put_sa_id(struct sk_buff *skb, const struct gvpn_sa *sa)
{
	return nla_put_u16(skb, GVPN_A_SA_GROUP_ID, sa->group->id) ||
	       nla_put_u32(skb, GVPN_A_SA_SPI, sa->spi) ||
	       nla_put_u32(skb, GVPN_A_SA_POLICY_ID, sa->policy_id);
}

/* Milliseconds until a monotonic deadline: 0 when none or past. */
static u32 gvpn_ms_until(u64 at)
{
	u64 now = ktime_get_ns();

	return at > now ? min_t(u64, div_u64(at - now + NSEC_PER_MSEC - 1,
					     NSEC_PER_MSEC), U32_MAX) : 0;
}

static int gvpn_nl_fill_sa(struct sk_buff *skb, struct gvpn_sa *sa,
			   u32 portid, u32 seq, struct netlink_callback *cb)
{
	struct nlattr *nest;
	void *hdr;

	hdr = gvpn_nl_hdr(skb, portid, seq, cb, GVPN_CMD_SA_GET);
	if (!hdr)
		return -EMSGSIZE;
	nest = nla_nest_start(skb, GVPN_A_SA);
	if (!nest || gvpn_nl_put_sa_id(skb, sa) ||
	    nla_put_u8(skb, GVPN_A_SA_DIR, sa->dir) ||
	    nla_put_u32(skb, GVPN_A_SA_KEY_BITS, sa->key_bits))
		goto cancel;
	if (sa->auth[0]) {
		if (nla_put_string(skb, GVPN_A_SA_ENC_NAME, sa->alg) ||
		    nla_put_string(skb, GVPN_A_SA_AUTH_NAME, sa->auth) ||
		    nla_put_u32(skb, GVPN_A_SA_AUTH_TRUNC_BITS, sa->icv_bits))
			goto cancel;
	} else {
		if (nla_put_string(skb, GVPN_A_SA_AEAD_NAME, sa->alg) ||
		    nla_put_u32(skb, GVPN_A_SA_AEAD_ICV_BITS, sa->icv_bits))
			goto cancel;
	}
	if (nla_put_u64_64bit(skb, GVPN_A_SA_LIFETIME_SOFT_SECS, sa->soft_secs,
			      GVPN_A_SA_PAD) ||
	    nla_put_u64_64bit(skb, GVPN_A_SA_LIFETIME_HARD_SECS, sa->hard_secs,
			      GVPN_A_SA_PAD) ||
	    nla_put_u64_64bit(skb, GVPN_A_SA_LIFETIME_SOFT_BYTES,
			      sa->soft_bytes, GVPN_A_SA_PAD) ||
	    nla_put_u64_64bit(skb, GVPN_A_SA_LIFETIME_HARD_BYTES,
			      sa->hard_bytes, GVPN_A_SA_PAD) ||
	    nla_put_u64_64bit(skb, GVPN_A_SA_AGE_SECS, gvpn_sa_age_secs(sa),
			      GVPN_A_SA_PAD) ||
	    nla_put_u8(skb, GVPN_A_SA_TBAR, sa->tbar) ||
	    nla_put_u8(skb, GVPN_A_SA_PASSIVE, sa->passive) ||
	    nla_put_u8(skb, GVPN_A_SA_ACTIVE, gvpn_sa_usable(sa)) ||
	    nla_put_u32(skb, GVPN_A_SA_ACTIVATE_IN_MS,
			gvpn_ms_until(sa->activate_at)) ||
	    nla_put_u32(skb, GVPN_A_SA_DEACTIVATE_IN_MS,
			gvpn_ms_until(sa->deactivate_at)))
		goto cancel;
	/* per-sender windows and SIDs are for counter modes only */
	if (sa->ctr_mode &&
	    (nla_put_u32(skb, GVPN_A_SA_REPLAY_WINDOW, sa->replay_window) ||
	     nla_put_u32(skb, GVPN_A_SA_SENDERS, gvpn_senders_count(sa))))
		goto cancel;
	if (sa->has_sid &&
	    (nla_put_u32(skb, GVPN_A_SA_SENDER_ID, sa->sender_id) ||
	     nla_put_u8(skb, GVPN_A_SA_SID_BITS, sa->sid_bits) ||
	     nla_put_u64_64bit(skb, GVPN_A_SA_IV_COUNTER,
			       gvpn_sender_next(sa), GVPN_A_SA_PAD)))
		goto cancel;
	if (gvpn_stats_fill(skb, GVPN_A_SA_STATS, sa->stats, gvpn_sa_counters,
			    ARRAY_SIZE(gvpn_sa_counters)))
		goto cancel;
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	return 0;
cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/*
 * The sender ID, its length and the first counter of an SA_NEW request
 * (RFC 6054): all or nothing of SENDER_ID and SID_BITS, the SID within
 * its bits, the counter below 2^(64 - bits).
 */
static int gvpn_nl_sa_sid(struct nlattr *nest, struct nlattr **tb,
			  struct gvpn_sa_cfg *cfg,
			  struct netlink_ext_ack *extack)
{
	struct nlattr *ctr = tb[GVPN_A_SA_IV_COUNTER];

	cfg->replay_window = tb[GVPN_A_SA_REPLAY_WINDOW] ?
			     nla_get_u32(tb[GVPN_A_SA_REPLAY_WINDOW]) :
			     GVPN_REPLAY_WINDOW_DEF;
	if (!tb[GVPN_A_SA_SENDER_ID]) {
		if (tb[GVPN_A_SA_SID_BITS] || ctr) {
			NL_SET_ERR_MSG_ATTR(extack, tb[GVPN_A_SA_SID_BITS] ?: ctr,
					    "SID bits and IV counter need a sender ID");
			return -EINVAL;
		}
		return 0;
	}
	if (GVPN_REQUIRE(extack, nest, tb, GVPN_A_SA_SID_BITS,
			 "SID bits (the sender ID's length)"))
		return -EINVAL;
	cfg->has_sid = true;
	cfg->sid_bits = nla_get_u8(tb[GVPN_A_SA_SID_BITS]);
	cfg->sender_id = nla_get_u32(tb[GVPN_A_SA_SENDER_ID]);
	cfg->iv_counter = ctr ? nla_get_u64(ctr) : 1;
	if (cfg->sender_id >> cfg->sid_bits) {
		NL_SET_ERR_MSG_ATTR(extack, tb[GVPN_A_SA_SENDER_ID],
				    "sender ID does not fit in SID bits");
		return -ERANGE;
	}
	if (cfg->iv_counter >> (64 - cfg->sid_bits)) {
		NL_SET_ERR_MSG_ATTR(extack, ctr,
				    "IV counter does not fit in 64 - SID bits");
		return -ERANGE;
	}
	return 0;
}

int gvpn_nl_sa_new(struct sk_buff *skb, struct genl_info *info)
{
	struct gvpn_net *gn = gvpn_pernet(genl_info_net(info));
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr *nest = info->attrs[GVPN_A_SA];
	struct nlattr *tb[GVPN_A_SA_MAX + 1];
	struct gvpn_sa_cfg cfg = {};
	struct gvpn_group *g;
	int err;

	err = gvpn_nl_nest(info, GVPN_A_SA, tb, GVPN_A_SA_MAX,
			   gvpn_sa_nl_policy);
	if (err)
		return err;
	if (GVPN_REQUIRE(extack, nest, tb, GVPN_A_SA_POLICY_ID, "policy id") ||
	    GVPN_REQUIRE(extack, nest, tb, GVPN_A_SA_SPI, "SPI"))
		return -EINVAL;
	if (tb[GVPN_A_SA_AEAD_NAME]) {
		if (tb[GVPN_A_SA_ENC_NAME] || tb[GVPN_A_SA_AUTH_NAME]) {
			NL_SET_ERR_MSG_ATTR(extack, tb[GVPN_A_SA_AEAD_NAME],
					    "give either an AEAD or enc and auth, not both");
			return -EINVAL;
		}
		if (GVPN_REQUIRE(extack, nest, tb, GVPN_A_SA_AEAD_KEY,
				 "AEAD key") ||
		    GVPN_REQUIRE(extack, nest, tb, GVPN_A_SA_AEAD_ICV_BITS,
				 "AEAD ICV length"))
			return -EINVAL;
		cfg.aead = nla_data(tb[GVPN_A_SA_AEAD_NAME]);
		cfg.aead_key = nla_data(tb[GVPN_A_SA_AEAD_KEY]);
		cfg.aead_keylen = nla_len(tb[GVPN_A_SA_AEAD_KEY]);
		cfg.icv_bits = nla_get_u32(tb[GVPN_A_SA_AEAD_ICV_BITS]);
	} else {
		if (GVPN_REQUIRE(extack, nest, tb, GVPN_A_SA_ENC_NAME,
				 "algorithm (an AEAD, or enc and auth)") ||
		    GVPN_REQUIRE(extack, nest, tb, GVPN_A_SA_ENC_KEY,
				 "encryption key") ||
		    GVPN_REQUIRE(extack, nest, tb, GVPN_A_SA_AUTH_NAME,
				 "authentication algorithm") ||
		    GVPN_REQUIRE(extack, nest, tb, GVPN_A_SA_AUTH_KEY,
				 "authentication key") ||
		    GVPN_REQUIRE(extack, nest, tb, GVPN_A_SA_AUTH_TRUNC_BITS,
				 "authentication truncation length"))
			return -EINVAL;
		cfg.enc = nla_data(tb[GVPN_A_SA_ENC_NAME]);
		cfg.enc_key = nla_data(tb[GVPN_A_SA_ENC_KEY]);
		cfg.enc_keylen = nla_len(tb[GVPN_A_SA_ENC_KEY]);
		cfg.auth = nla_data(tb[GVPN_A_SA_AUTH_NAME]);
		cfg.auth_key = nla_data(tb[GVPN_A_SA_AUTH_KEY]);
		cfg.auth_keylen = nla_len(tb[GVPN_A_SA_AUTH_KEY]);
		cfg.trunc_bits = nla_get_u32(tb[GVPN_A_SA_AUTH_TRUNC_BITS]);
	}
	cfg.spi = nla_get_u32(tb[GVPN_A_SA_SPI]);
	cfg.policy_id = nla_get_u32(tb[GVPN_A_SA_POLICY_ID]);
	cfg.dir = tb[GVPN_A_SA_DIR] ? nla_get_u8(tb[GVPN_A_SA_DIR]) :
				      GVPN_SA_DIR_BOTH;
	if (tb[GVPN_A_SA_LIFETIME_SOFT_SECS])
		cfg.soft_secs = nla_get_u64(tb[GVPN_A_SA_LIFETIME_SOFT_SECS]);
	if (tb[GVPN_A_SA_LIFETIME_HARD_SECS])
		cfg.hard_secs = nla_get_u64(tb[GVPN_A_SA_LIFETIME_HARD_SECS]);
	if (tb[GVPN_A_SA_LIFETIME_SOFT_BYTES])
		cfg.soft_bytes = nla_get_u64(tb[GVPN_A_SA_LIFETIME_SOFT_BYTES]);
	if (tb[GVPN_A_SA_LIFETIME_HARD_BYTES])
		cfg.hard_bytes = nla_get_u64(tb[GVPN_A_SA_LIFETIME_HARD_BYTES]);
	if (tb[GVPN_A_SA_TBAR])
		cfg.tbar = nla_get_u8(tb[GVPN_A_SA_TBAR]);
	if (tb[GVPN_A_SA_PASSIVE])
		cfg.passive = nla_get_u8(tb[GVPN_A_SA_PASSIVE]);
	if (tb[GVPN_A_SA_ACTIVATE_IN_MS])
		cfg.activate_in_ms = nla_get_u32(tb[GVPN_A_SA_ACTIVATE_IN_MS]);
	if (tb[GVPN_A_SA_DEACTIVATE_IN_MS])
		cfg.deactivate_in_ms = nla_get_u32(tb[GVPN_A_SA_DEACTIVATE_IN_MS]);
	if (cfg.deactivate_in_ms && cfg.deactivate_in_ms <= cfg.activate_in_ms) {
		NL_SET_ERR_MSG_ATTR(extack, tb[GVPN_A_SA_DEACTIVATE_IN_MS],
				    "deactivation must come after activation");
		return -EINVAL;
	}
	/* Ten years bound the seconds, so nothing overflows in nanoseconds. */
	if (cfg.soft_secs > 315360000 || cfg.hard_secs > 315360000) {
		NL_SET_ERR_MSG_ATTR(extack, tb[GVPN_A_SA_LIFETIME_HARD_SECS] ?:
				    tb[GVPN_A_SA_LIFETIME_SOFT_SECS],
				    "lifetime longer than ten years");
		return -ERANGE;
	}
	if (cfg.hard_secs && cfg.soft_secs > cfg.hard_secs) {
		NL_SET_ERR_MSG_ATTR(extack, tb[GVPN_A_SA_LIFETIME_SOFT_SECS],
				    "soft lifetime beyond the hard lifetime");
		return -EINVAL;
	}
	if (cfg.hard_bytes && cfg.soft_bytes > cfg.hard_bytes) {
		NL_SET_ERR_MSG_ATTR(extack, tb[GVPN_A_SA_LIFETIME_SOFT_BYTES],
				    "soft lifetime beyond the hard lifetime");
		return -EINVAL;
	}
	err = gvpn_nl_sa_sid(nest, tb, &cfg, extack);
	if (err)
		return err;
	cfg.tb = tb;

	mutex_lock(&gn->lock);
	g = gvpn_nl_group(gn, nest, tb, GVPN_A_SA_GROUP_ID, extack);
	err = IS_ERR(g) ? PTR_ERR(g) : gvpn_sa_new(g, &cfg, extack);
	mutex_unlock(&gn->lock);
	return err;
}

static void *gvpn_find_sa_obj(struct gvpn_group *g, struct nlattr *nest,
			      struct nlattr **tb,
			      struct netlink_ext_ack *extack)
{
	struct gvpn_sa *sa;

	if (GVPN_REQUIRE(extack, nest, tb, GVPN_A_SA_SPI, "SPI"))
		return ERR_PTR(-EINVAL);
	sa = xa_load(&g->sas, nla_get_u32(tb[GVPN_A_SA_SPI]));
	if (!sa) {
		NL_SET_ERR_MSG_ATTR(extack, tb[GVPN_A_SA_SPI],
				    "no SA with this SPI in the group");
		return ERR_PTR(-ENOENT);
	}
	return sa;
}

static struct xarray *gvpn_group_sas(struct gvpn_group *g)
{
	return &g->sas;
}

static int gvpn_fill_sa_obj(struct sk_buff *skb, void *obj, u32 portid,
			    u32 seq, struct netlink_callback *cb)
{
	return gvpn_nl_fill_sa(skb, obj, portid, seq, cb);
}

static void gvpn_del_sa_obj(void *obj)
{
	gvpn_sa_del(obj, GVPN_EVENT_SA_REMOVED);
}

static const struct gvpn_nl_obj gvpn_sa_obj = {
	.attr = GVPN_A_SA,
	.maxtype = GVPN_A_SA_MAX,
	.policy = gvpn_sa_nl_policy,
	.group = GVPN_A_SA_GROUP_ID,
	.find = gvpn_find_sa_obj,
	.objects = gvpn_group_sas,
	.fill = gvpn_fill_sa_obj,
	.del = gvpn_del_sa_obj,
};

int gvpn_nl_sa_del(struct sk_buff *skb, struct genl_info *info)
{
	return gvpn_nl_obj_del(info, &gvpn_sa_obj);
}

int gvpn_nl_sa_set(struct sk_buff *skb, struct genl_info *info)
{
	struct gvpn_net *gn = gvpn_pernet(genl_info_net(info));
	struct nlattr *tb[GVPN_A_SA_MAX + 1];
	struct gvpn_sa *sa;
	int i, err;

	err = gvpn_nl_nest(info, GVPN_A_SA, tb, GVPN_A_SA_MAX,
			   gvpn_sa_nl_policy);
	if (err)
		return err;
	/* Only what a rekey changes; the rest of an SA is fixed. */
	for (i = 0; i <= GVPN_A_SA_MAX; i++) {
		if (!tb[i] || i == GVPN_A_SA_GROUP_ID || i == GVPN_A_SA_SPI ||
		    i == GVPN_A_SA_DEACTIVATE_IN_MS || i == GVPN_A_SA_DIR ||
		    i == GVPN_A_SA_PASSIVE)
			continue;
		NL_SET_ERR_MSG_ATTR(info->extack, tb[i],
				    "only deactivation, direction and passive can change");
		return -EINVAL;
	}
	mutex_lock(&gn->lock);
	sa = gvpn_nl_obj_find(gn, &gvpn_sa_obj, info->attrs[GVPN_A_SA], tb,
			      info->extack);
	if (IS_ERR(sa)) {
		err = PTR_ERR(sa);
		goto out;
	}
	if (tb[GVPN_A_SA_DEACTIVATE_IN_MS])
		gvpn_sa_set_deactivate(sa,
				       nla_get_u32(tb[GVPN_A_SA_DEACTIVATE_IN_MS]));
	if (tb[GVPN_A_SA_DIR])
		WRITE_ONCE(sa->dir, nla_get_u8(tb[GVPN_A_SA_DIR]));
	if (tb[GVPN_A_SA_PASSIVE])
		WRITE_ONCE(sa->passive, nla_get_u8(tb[GVPN_A_SA_PASSIVE]));
	gvpn_changed(gn);
out:
	mutex_unlock(&gn->lock);
	return err;
}

int gvpn_nl_sa_get(struct sk_buff *skb, struct genl_info *info)
{
	return gvpn_nl_obj_get(info, &gvpn_sa_obj);
}

int gvpn_nl_sa_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	return gvpn_nl_walk(skb, cb, &gvpn_sa_obj);
}

int gvpn_nl_sa_flush(struct sk_buff *skb, struct genl_info *info)
{
	return gvpn_nl_flush(info, &gvpn_sa_obj);
}

/* One sender's window: the SA it belongs to, and the window. */
static int gvpn_nl_fill_sender(struct sk_buff *skb, const struct gvpn_sa *sa,
			       const struct gvpn_sender_info *si,
			       struct netlink_callback *cb)
{
	struct nlattr *nest;
	void *hdr;

	hdr = gvpn_nl_hdr(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  cb, GVPN_CMD_SENDER_GET);
	if (!hdr)
		return -EMSGSIZE;
	nest = nla_nest_start(skb, GVPN_A_SA);
	if (!nest || gvpn_nl_put_sa_id(skb, sa))
		goto cancel;
	nla_nest_end(skb, nest);
	nest = nla_nest_start(skb, GVPN_A_SENDER);
	if (!nest || nla_put_u32(skb, GVPN_A_SENDER_SID, si->sid) ||
	    nla_put_u64_64bit(skb, GVPN_A_SENDER_TOP, si->top,
			      GVPN_A_SENDER_PAD) ||
	    nla_put_u64_64bit(skb, GVPN_A_SENDER_RX_PACKETS, si->rx_packets,
			      GVPN_A_SENDER_PAD) ||
	    nla_put_u64_64bit(skb, GVPN_A_SENDER_REPLAY, si->replay,
			      GVPN_A_SENDER_PAD))
		goto cancel;
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	return 0;
cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/*
 * SENDER_GET: the SA the request names, kept in args[0] (group) and
 * args[1] (SPI), with args[3] set; args[2] is the next table slot.
 */
static int gvpn_nl_sender_sa(struct netlink_callback *cb)
{
	struct gvpn_net *gn = gvpn_pernet(sock_net(cb->skb->sk));
	struct nlattr **attrs = gvpn_nl_dump_attrs(cb);
	struct nlattr *tb[GVPN_A_SA_MAX + 1];
	struct nlattr *nest = attrs ? attrs[GVPN_A_SA] : NULL;
	struct gvpn_sa *sa;
	int err;

	if (!nest) {
		NL_SET_ERR_ATTR_MISS(cb->extack, NULL, GVPN_A_SA);
		NL_SET_ERR_MSG_MOD(cb->extack, "missing the SA's attribute nest");
		return -EINVAL;
	}
	err = nla_parse_nested(tb, GVPN_A_SA_MAX, nest, gvpn_sa_nl_policy,
			       cb->extack);
	if (err)
		return err;
	mutex_lock(&gn->lock);
	sa = gvpn_nl_obj_find(gn, &gvpn_sa_obj, nest, tb, cb->extack);
	if (!IS_ERR(sa)) {
		cb->args[0] = sa->group->id;
		cb->args[1] = sa->spi;
		cb->args[2] = 0;
		cb->args[3] = 1;
	}
	mutex_unlock(&gn->lock);
	return PTR_ERR_OR_ZERO(sa);
}

/*
 * A bad request fails here, with the extack pointing at the attribute,
 * where the kernel gives start() an extack (6.12 does, 6.1 does not).
 * Without one, the first dump call checks instead, and its error carries
 * the message only.
 */
int gvpn_nl_sender_start(struct netlink_callback *cb)
{
	return cb->extack ? gvpn_nl_sender_sa(cb) : 0;
}

/*
 * One message per sender with a window, in table order. The SA is found
 * again on every call; if it went away, the dump ends (flagged
 * NLM_F_DUMP_INTR, the configuration changed).
 */
int gvpn_nl_sender_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct gvpn_net *gn = gvpn_pernet(sock_net(skb->sk));
	struct gvpn_sender_info si;
	struct gvpn_group *g;
	struct gvpn_sa *sa;
	int err = 0;
	u32 slot;

	if (!cb->args[3]) {
		err = gvpn_nl_sender_sa(cb);
		if (err)
			return err;
	}
	mutex_lock(&gn->lock);
	cb->seq = gn->dump_seq;
	g = gvpn_group_find(gn, cb->args[0]);
	sa = g ? xa_load(&g->sas, cb->args[1]) : NULL;
	if (sa) {
		rcu_read_lock();
		for (slot = cb->args[2]; gvpn_sender_read(sa, &slot, &si);
		     slot++) {
			err = gvpn_nl_fill_sender(skb, sa, &si, cb);
			if (err)
				break;
			cb->args[2] = slot + 1;
		}
		rcu_read_unlock();
	}
	mutex_unlock(&gn->lock);
	return gvpn_nl_dump_ret(skb, err);
}
