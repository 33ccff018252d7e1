// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * The gvpn family's messages (see gvpn_nl.h). Attribute names follow
 * Documentation/netlink/specs/gvpn.yaml.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <libmnl/libmnl.h>

#include "gvpn_nl.h"
#include "util.h"

/* Attribute names ------------------------------------------------------- */

static const struct nla_name stats_names[GVPN_A_STATS_MAX + 1] = {
	[GVPN_A_STATS_PAD] = { "pad" },
	[GVPN_A_STATS_TX_PACKETS] = { "tx-packets" },
	[GVPN_A_STATS_TX_BYTES] = { "tx-bytes" },
	[GVPN_A_STATS_RX_PACKETS] = { "rx-packets" },
	[GVPN_A_STATS_RX_BYTES] = { "rx-bytes" },
	[GVPN_A_STATS_BYPASS_PACKETS] = { "bypass-packets" },
	[GVPN_A_STATS_DROP_POLICY] = { "drop-policy" },
	[GVPN_A_STATS_DROP_NO_SA] = { "drop-no-sa" },
	[GVPN_A_STATS_DROP_CLEARTEXT] = { "drop-cleartext" },
	[GVPN_A_STATS_DROP_UNKNOWN_SPI] = { "drop-unknown-spi" },
	[GVPN_A_STATS_DROP_AUTH] = { "drop-auth" },
	[GVPN_A_STATS_DROP_MALFORMED] = { "drop-malformed" },
	[GVPN_A_STATS_DROP_ADDR_MISMATCH] = { "drop-addr-mismatch" },
	[GVPN_A_STATS_DROP_SELECTOR] = { "drop-selector" },
	[GVPN_A_STATS_DROP_NOMEM] = { "drop-nomem" },
	[GVPN_A_STATS_FRAG_NEEDED] = { "frag-needed" },
	[GVPN_A_STATS_FRAGMENTED] = { "fragmented" },
	[GVPN_A_STATS_MATCH_PACKETS] = { "match-packets" },
	[GVPN_A_STATS_MATCH_BYTES] = { "match-bytes" },
	[GVPN_A_STATS_DROP_REPLAY] = { "drop-replay" },
	[GVPN_A_STATS_REPLAY_OK] = { "replay-ok" },
	[GVPN_A_STATS_TX_TIMESTAMPED] = { "tx-timestamped" },
	[GVPN_A_STATS_DROP_NO_KEYS] = { "drop-no-keys" },
	[GVPN_A_STATS_CLEAR_NO_KEYS] = { "clear-no-keys" },
	[GVPN_A_STATS_CLEAR_PASSIVE] = { "clear-passive" },
	[GVPN_A_STATS_KEYS_UP] = { "keys-up" },
	[GVPN_A_STATS_KEYS_DOWN] = { "keys-down" },
	[GVPN_A_STATS_CLEAR_IPV6] = { "clear-ipv6" },
	[GVPN_A_STATS_IV_EXHAUSTED] = { "iv-exhausted" },
	[GVPN_A_STATS_NO_SID] = { "no-sid" },
	[GVPN_A_STATS_SENDER_REPLAY] = { "sender-replay" },
	[GVPN_A_STATS_SENDERS_OVERFLOW] = { "senders-overflow" },
};

static const struct nla_space stats_space = {
	GVPN_A_STATS_MAX, stats_names
};

static const struct nla_name group_names[GVPN_A_GROUP_MAX + 1] = {
	[GVPN_A_GROUP_ID] = { "id" },
	[GVPN_A_GROUP_DF_MODE] = { "df-mode" },
	[GVPN_A_GROUP_IFINDEX] = { "ifindex" },
	[GVPN_A_GROUP_STATS] = { "stats", &stats_space },
	[GVPN_A_GROUP_TBAR_WINDOW] = { "tbar-window" },
	[GVPN_A_GROUP_CLOCK] = { "clock" },
	[GVPN_A_GROUP_PSEUDOTIME_MS] = { "pseudotime-ms" },
	[GVPN_A_GROUP_TICK_MS] = { "tick-ms" },
	[GVPN_A_GROUP_FAIL_MODE] = { "fail-mode" },
	[GVPN_A_GROUP_FAIL_ACTIVATE] = { "fail-activate" },
	[GVPN_A_GROUP_PASSIVE] = { "passive" },
	[GVPN_A_GROUP_RECV_ONLY] = { "recv-only" },
	[GVPN_A_GROUP_KEYS] = { "keys" },
	[GVPN_A_GROUP_CLOCK_MS] = { "clock-ms" },
	[GVPN_A_GROUP_PAD] = { "pad" },
	[GVPN_A_GROUP_LEGACY_IV] = { "legacy-iv" },
};

static const struct nla_space group_space = {
	GVPN_A_GROUP_MAX, group_names
};

static const struct nla_name policy_names[GVPN_A_POLICY_MAX + 1] = {
	[GVPN_A_POLICY_GROUP_ID] = { "group-id" },
	[GVPN_A_POLICY_ID] = { "id" },
	[GVPN_A_POLICY_PRIO] = { "prio" },
	[GVPN_A_POLICY_SRC] = { "src" },
	[GVPN_A_POLICY_SRC_PLEN] = { "src-plen" },
	[GVPN_A_POLICY_DST] = { "dst" },
	[GVPN_A_POLICY_DST_PLEN] = { "dst-plen" },
	[GVPN_A_POLICY_PROTO] = { "proto" },
	[GVPN_A_POLICY_SPORT_MIN] = { "sport-min" },
	[GVPN_A_POLICY_SPORT_MAX] = { "sport-max" },
	[GVPN_A_POLICY_DPORT_MIN] = { "dport-min" },
	[GVPN_A_POLICY_DPORT_MAX] = { "dport-max" },
	[GVPN_A_POLICY_ACTION] = { "action" },
	[GVPN_A_POLICY_ORIGIN] = { "origin" },
	[GVPN_A_POLICY_STATS] = { "stats", &stats_space },
};

static const struct nla_space policy_space = {
	GVPN_A_POLICY_MAX, policy_names
};

static const struct nla_name sa_names[GVPN_A_SA_MAX + 1] = {
	[GVPN_A_SA_GROUP_ID] = { "group-id" },
	[GVPN_A_SA_POLICY_ID] = { "policy-id" },
	[GVPN_A_SA_SPI] = { "spi" },
	[GVPN_A_SA_DIR] = { "dir" },
	[GVPN_A_SA_AEAD_NAME] = { "aead-name" },
	[GVPN_A_SA_AEAD_KEY] = { "aead-key" },
	[GVPN_A_SA_AEAD_ICV_BITS] = { "aead-icv-bits" },
	[GVPN_A_SA_ENC_NAME] = { "enc-name" },
	[GVPN_A_SA_ENC_KEY] = { "enc-key" },
	[GVPN_A_SA_AUTH_NAME] = { "auth-name" },
	[GVPN_A_SA_AUTH_KEY] = { "auth-key" },
	[GVPN_A_SA_AUTH_TRUNC_BITS] = { "auth-trunc-bits" },
	[GVPN_A_SA_LIFETIME_SOFT_SECS] = { "lifetime-soft-secs" },
	[GVPN_A_SA_LIFETIME_HARD_SECS] = { "lifetime-hard-secs" },
	[GVPN_A_SA_LIFETIME_SOFT_BYTES] = { "lifetime-soft-bytes" },
	[GVPN_A_SA_LIFETIME_HARD_BYTES] = { "lifetime-hard-bytes" },
	[GVPN_A_SA_AGE_SECS] = { "age-secs" },
	[GVPN_A_SA_STATS] = { "stats", &stats_space },
	[GVPN_A_SA_PAD] = { "pad" },
	[GVPN_A_SA_KEY_BITS] = { "key-bits" },
	[GVPN_A_SA_TBAR] = { "tbar" },
	[GVPN_A_SA_ACTIVATE_IN_MS] = { "activate-in-ms" },
	[GVPN_A_SA_DEACTIVATE_IN_MS] = { "deactivate-in-ms" },
	[GVPN_A_SA_PASSIVE] = { "passive" },
	[GVPN_A_SA_ACTIVE] = { "active" },
	[GVPN_A_SA_SENDER_ID] = { "sender-id" },
	[GVPN_A_SA_SID_BITS] = { "sid-bits" },
	[GVPN_A_SA_IV_COUNTER] = { "iv-counter" },
	[GVPN_A_SA_REPLAY_WINDOW] = { "replay-window" },
	[GVPN_A_SA_SENDERS] = { "senders" },
};

static const struct nla_space sa_space = { GVPN_A_SA_MAX, sa_names };

static const struct nla_name sender_names[GVPN_A_SENDER_MAX + 1] = {
	[GVPN_A_SENDER_SID] = { "sid" },
	[GVPN_A_SENDER_TOP] = { "top" },
	[GVPN_A_SENDER_RX_PACKETS] = { "rx-packets" },
	[GVPN_A_SENDER_REPLAY] = { "replay" },
	[GVPN_A_SENDER_PAD] = { "pad" },
};

static const struct nla_space sender_space = {
	GVPN_A_SENDER_MAX, sender_names
};

static const struct nla_name top_names[GVPN_A_MAX + 1] = {
	[GVPN_A_GROUP] = { "group", &group_space },
	[GVPN_A_POLICY] = { "policy", &policy_space },
	[GVPN_A_SA] = { "sa", &sa_space },
	[GVPN_A_STATS] = { "stats", &stats_space },
	[GVPN_A_EVENT_TYPE] = { "event-type" },
	[GVPN_A_EVENT_SRC] = { "event-src" },
	[GVPN_A_EVENT_DST] = { "event-dst" },
	[GVPN_A_EVENT_SENDER_TIME] = { "event-sender-time" },
	[GVPN_A_EVENT_LOCAL_TIME] = { "event-local-time" },
	[GVPN_A_PAD] = { "pad" },
	[GVPN_A_SENDER] = { "sender", &sender_space },
};

const struct nla_space gvpn_nla_space = { GVPN_A_MAX, top_names };

/* Enum names ------------------------------------------------------------- */

static const char *const df_modes[] = {
	[GVPN_DF_CLEAR] = "clear",
	[GVPN_DF_SET] = "set",
	[GVPN_DF_COPY] = "copy",
};

static const char *const actions[] = {
	[GVPN_ACTION_ENCRYPT] = "encrypt",
	[GVPN_ACTION_BYPASS] = "bypass",
	[GVPN_ACTION_DROP] = "drop",
};

static const char *const origins[] = {
	[GVPN_ORIGIN_KS] = "ks",
	[GVPN_ORIGIN_LOCAL] = "local",
	[GVPN_ORIGIN_FAIL] = "fail",
};

static const char *const sa_dirs[] = {
	[GVPN_SA_DIR_BOTH] = "both",
	[GVPN_SA_DIR_IN] = "in",
};

static const char *const clocks[] = {
	[GVPN_CLOCK_WALL] = "wallclock",
	[GVPN_CLOCK_PSEUDO] = "pseudotime",
};

static const char *const fail_modes[] = {
	[GVPN_FAIL_NONE] = "none",
	[GVPN_FAIL_OPEN] = "open",
	[GVPN_FAIL_CLOSE] = "close",
};

static const char *const keys_states[] = {
	[GVPN_KEYS_NONE] = "none",
	[GVPN_KEYS_UP] = "up",
	[GVPN_KEYS_FAIL_CLOSED] = "fail-closed",
};

static const char *const events[] = {
	[GVPN_EVENT_SA_ADDED] = "sa-added",
	[GVPN_EVENT_SA_REMOVED] = "sa-removed",
	[GVPN_EVENT_SA_SOFT_EXPIRED] = "sa-soft-expired",
	[GVPN_EVENT_SA_HARD_EXPIRED] = "sa-hard-expired",
	[GVPN_EVENT_UNKNOWN_SPI] = "unknown-spi",
	[GVPN_EVENT_AUTH_FAILED] = "auth-failed",
	[GVPN_EVENT_REPLAY_FAILED] = "replay-failed",
	[GVPN_EVENT_SA_ACTIVATED] = "sa-activated",
	[GVPN_EVENT_SA_DEACTIVATED] = "sa-deactivated",
	[GVPN_EVENT_KEYS_UP] = "keys-up",
	[GVPN_EVENT_KEYS_DOWN] = "keys-down",
	[GVPN_EVENT_SA_IV_EXHAUSTED] = "sa-iv-exhausted",
};

static const char *enum_name(const char *const *names, size_t n, uint8_t v)
{
	return v < n ? names[v] : NULL;
}

static int enum_parse(const char *const *names, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (names[i] && !strcmp(s, names[i]))
			return (int)i;
	return -1;
}

#define ENUM_FUNCS(what, table)						\
const char *gvpn_##what##_name(uint8_t v)				\
{									\
	return enum_name(table, ARRAY_SIZE(table), v);			\
}									\
int gvpn_##what##_parse(const char *s)					\
{									\
	return enum_parse(table, ARRAY_SIZE(table), s);			\
}

ENUM_FUNCS(df_mode, df_modes)
ENUM_FUNCS(action, actions)
ENUM_FUNCS(origin, origins)
ENUM_FUNCS(sa_dir, sa_dirs)
ENUM_FUNCS(clock, clocks)
ENUM_FUNCS(fail_mode, fail_modes)

const char *gvpn_keys_name(uint8_t v)
{
	return enum_name(keys_states, ARRAY_SIZE(keys_states), v);
}

const char *gvpn_event_name(uint8_t v)
{
	return enum_name(events, ARRAY_SIZE(events), v);
}

char *gvpn_ms_str(uint64_t ms, char *buf, size_t len)
{
	snprintf(buf, len, "%" PRIu64 ".%03u", ms / 1000,
		 (unsigned int)(ms % 1000));
	return buf;
}

static const char *const stat_keys[GVPN_A_STATS_MAX + 1] = {
	[GVPN_A_STATS_TX_PACKETS] = "tx_packets",
	[GVPN_A_STATS_TX_BYTES] = "tx_bytes",
	[GVPN_A_STATS_RX_PACKETS] = "rx_packets",
	[GVPN_A_STATS_RX_BYTES] = "rx_bytes",
	[GVPN_A_STATS_BYPASS_PACKETS] = "bypass_packets",
	[GVPN_A_STATS_DROP_POLICY] = "drop_policy",
	[GVPN_A_STATS_DROP_NO_SA] = "drop_no_sa",
	[GVPN_A_STATS_DROP_CLEARTEXT] = "drop_cleartext",
	[GVPN_A_STATS_DROP_UNKNOWN_SPI] = "drop_unknown_spi",
	[GVPN_A_STATS_DROP_AUTH] = "drop_auth",
	[GVPN_A_STATS_DROP_MALFORMED] = "drop_malformed",
	[GVPN_A_STATS_DROP_ADDR_MISMATCH] = "drop_addr_mismatch",
	[GVPN_A_STATS_DROP_SELECTOR] = "drop_selector",
	[GVPN_A_STATS_DROP_NOMEM] = "drop_nomem",
	[GVPN_A_STATS_FRAG_NEEDED] = "frag_needed",
	[GVPN_A_STATS_FRAGMENTED] = "fragmented",
	[GVPN_A_STATS_MATCH_PACKETS] = "match_packets",
	[GVPN_A_STATS_MATCH_BYTES] = "match_bytes",
	[GVPN_A_STATS_DROP_REPLAY] = "drop_replay",
	[GVPN_A_STATS_REPLAY_OK] = "replay_ok",
	[GVPN_A_STATS_TX_TIMESTAMPED] = "tx_timestamped",
	[GVPN_A_STATS_DROP_NO_KEYS] = "drop_no_keys",
	[GVPN_A_STATS_CLEAR_NO_KEYS] = "clear_no_keys",
	[GVPN_A_STATS_CLEAR_PASSIVE] = "clear_passive",
	[GVPN_A_STATS_KEYS_UP] = "keys_up",
	[GVPN_A_STATS_KEYS_DOWN] = "keys_down",
	[GVPN_A_STATS_CLEAR_IPV6] = "clear_ipv6",
	[GVPN_A_STATS_IV_EXHAUSTED] = "iv_exhausted",
	[GVPN_A_STATS_NO_SID] = "no_sid",
	[GVPN_A_STATS_SENDER_REPLAY] = "sender_replay",
	[GVPN_A_STATS_SENDERS_OVERFLOW] = "senders_overflow",
};

const char *gvpn_stat_name(unsigned int type)
{
	return type < ARRAY_SIZE(stat_keys) ? stat_keys[type] : NULL;
}

/* Requests --------------------------------------------------------------- */

void gvpn_sa_wipe(struct gvpn_sa *sa)
{
	explicit_bzero(sa, sizeof(*sa));
}

#define HAS(obj, type) ((obj)->present & GVPN_BIT(type))

void gvpn_put_group(struct nlmsghdr *nlh, const struct gvpn_group *g)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, GVPN_A_GROUP);

	if (HAS(g, GVPN_A_GROUP_ID))
		mnl_attr_put_u16(nlh, GVPN_A_GROUP_ID, g->id);
	if (HAS(g, GVPN_A_GROUP_DF_MODE))
		mnl_attr_put_u8(nlh, GVPN_A_GROUP_DF_MODE, g->df_mode);
	if (HAS(g, GVPN_A_GROUP_IFINDEX))
		mnl_attr_put_u32(nlh, GVPN_A_GROUP_IFINDEX, g->ifindex);
	if (HAS(g, GVPN_A_GROUP_TBAR_WINDOW))
		mnl_attr_put_u32(nlh, GVPN_A_GROUP_TBAR_WINDOW, g->tbar_window);
	if (HAS(g, GVPN_A_GROUP_CLOCK))
		mnl_attr_put_u8(nlh, GVPN_A_GROUP_CLOCK, g->clock);
	if (HAS(g, GVPN_A_GROUP_PSEUDOTIME_MS))
		mnl_attr_put_u64(nlh, GVPN_A_GROUP_PSEUDOTIME_MS,
				 g->pseudotime_ms);
	if (HAS(g, GVPN_A_GROUP_TICK_MS))
		mnl_attr_put_u32(nlh, GVPN_A_GROUP_TICK_MS, g->tick_ms);
	if (HAS(g, GVPN_A_GROUP_FAIL_MODE))
		mnl_attr_put_u8(nlh, GVPN_A_GROUP_FAIL_MODE, g->fail_mode);
	if (HAS(g, GVPN_A_GROUP_FAIL_ACTIVATE))
		mnl_attr_put(nlh, GVPN_A_GROUP_FAIL_ACTIVATE, 0, NULL);
	if (HAS(g, GVPN_A_GROUP_PASSIVE))
		mnl_attr_put_u8(nlh, GVPN_A_GROUP_PASSIVE, g->passive);
	if (HAS(g, GVPN_A_GROUP_RECV_ONLY))
		mnl_attr_put_u8(nlh, GVPN_A_GROUP_RECV_ONLY, g->recv_only);
	if (HAS(g, GVPN_A_GROUP_LEGACY_IV))
		mnl_attr_put_u8(nlh, GVPN_A_GROUP_LEGACY_IV, g->legacy_iv);
	mnl_attr_nest_end(nlh, nest);
}

void gvpn_put_policy(struct nlmsghdr *nlh, const struct gvpn_policy *p)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, GVPN_A_POLICY);

	if (HAS(p, GVPN_A_POLICY_GROUP_ID))
		mnl_attr_put_u16(nlh, GVPN_A_POLICY_GROUP_ID, p->group_id);
	if (HAS(p, GVPN_A_POLICY_ID))
		mnl_attr_put_u32(nlh, GVPN_A_POLICY_ID, p->id);
	if (HAS(p, GVPN_A_POLICY_PRIO))
		mnl_attr_put_u32(nlh, GVPN_A_POLICY_PRIO, p->prio);
	/* addresses are already in network byte order */
	if (HAS(p, GVPN_A_POLICY_SRC))
		mnl_attr_put_u32(nlh, GVPN_A_POLICY_SRC, p->src.s_addr);
	if (HAS(p, GVPN_A_POLICY_SRC_PLEN))
		mnl_attr_put_u8(nlh, GVPN_A_POLICY_SRC_PLEN, p->src_plen);
	if (HAS(p, GVPN_A_POLICY_DST))
		mnl_attr_put_u32(nlh, GVPN_A_POLICY_DST, p->dst.s_addr);
	if (HAS(p, GVPN_A_POLICY_DST_PLEN))
		mnl_attr_put_u8(nlh, GVPN_A_POLICY_DST_PLEN, p->dst_plen);
	if (HAS(p, GVPN_A_POLICY_PROTO))
		mnl_attr_put_u8(nlh, GVPN_A_POLICY_PROTO, p->proto);
	if (HAS(p, GVPN_A_POLICY_SPORT_MIN))
		mnl_attr_put_u16(nlh, GVPN_A_POLICY_SPORT_MIN, p->sport_min);
	if (HAS(p, GVPN_A_POLICY_SPORT_MAX))
		mnl_attr_put_u16(nlh, GVPN_A_POLICY_SPORT_MAX, p->sport_max);
	if (HAS(p, GVPN_A_POLICY_DPORT_MIN))
		mnl_attr_put_u16(nlh, GVPN_A_POLICY_DPORT_MIN, p->dport_min);
	if (HAS(p, GVPN_A_POLICY_DPORT_MAX))
		mnl_attr_put_u16(nlh, GVPN_A_POLICY_DPORT_MAX, p->dport_max);
	if (HAS(p, GVPN_A_POLICY_ACTION))
		mnl_attr_put_u8(nlh, GVPN_A_POLICY_ACTION, p->action);
	if (HAS(p, GVPN_A_POLICY_ORIGIN))
		mnl_attr_put_u8(nlh, GVPN_A_POLICY_ORIGIN, p->origin);
	mnl_attr_nest_end(nlh, nest);
}

void gvpn_put_sa(struct nlmsghdr *nlh, const struct gvpn_sa *sa)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, GVPN_A_SA);

	if (HAS(sa, GVPN_A_SA_GROUP_ID))
		mnl_attr_put_u16(nlh, GVPN_A_SA_GROUP_ID, sa->group_id);
	if (HAS(sa, GVPN_A_SA_POLICY_ID))
		mnl_attr_put_u32(nlh, GVPN_A_SA_POLICY_ID, sa->policy_id);
	if (HAS(sa, GVPN_A_SA_SPI))
		mnl_attr_put_u32(nlh, GVPN_A_SA_SPI, sa->spi);
	if (HAS(sa, GVPN_A_SA_DIR))
		mnl_attr_put_u8(nlh, GVPN_A_SA_DIR, sa->dir);
	if (HAS(sa, GVPN_A_SA_AEAD_NAME))
		mnl_attr_put_strz(nlh, GVPN_A_SA_AEAD_NAME, sa->aead_name);
	if (HAS(sa, GVPN_A_SA_AEAD_KEY))
		mnl_attr_put(nlh, GVPN_A_SA_AEAD_KEY, sa->aead_key_len,
			     sa->aead_key);
	if (HAS(sa, GVPN_A_SA_AEAD_ICV_BITS))
		mnl_attr_put_u32(nlh, GVPN_A_SA_AEAD_ICV_BITS, sa->icv_bits);
	if (HAS(sa, GVPN_A_SA_ENC_NAME))
		mnl_attr_put_strz(nlh, GVPN_A_SA_ENC_NAME, sa->enc_name);
	if (HAS(sa, GVPN_A_SA_ENC_KEY))
		mnl_attr_put(nlh, GVPN_A_SA_ENC_KEY, sa->enc_key_len,
			     sa->enc_key);
	if (HAS(sa, GVPN_A_SA_AUTH_NAME))
		mnl_attr_put_strz(nlh, GVPN_A_SA_AUTH_NAME, sa->auth_name);
	if (HAS(sa, GVPN_A_SA_AUTH_KEY))
		mnl_attr_put(nlh, GVPN_A_SA_AUTH_KEY, sa->auth_key_len,
			     sa->auth_key);
	if (HAS(sa, GVPN_A_SA_AUTH_TRUNC_BITS))
		mnl_attr_put_u32(nlh, GVPN_A_SA_AUTH_TRUNC_BITS,
				 sa->trunc_bits);
	if (HAS(sa, GVPN_A_SA_LIFETIME_SOFT_SECS))
		mnl_attr_put_u64(nlh, GVPN_A_SA_LIFETIME_SOFT_SECS,
				 sa->lifetime_soft_secs);
	if (HAS(sa, GVPN_A_SA_LIFETIME_HARD_SECS))
		mnl_attr_put_u64(nlh, GVPN_A_SA_LIFETIME_HARD_SECS,
				 sa->lifetime_hard_secs);
	if (HAS(sa, GVPN_A_SA_LIFETIME_SOFT_BYTES))
		mnl_attr_put_u64(nlh, GVPN_A_SA_LIFETIME_SOFT_BYTES,
				 sa->lifetime_soft_bytes);
	if (HAS(sa, GVPN_A_SA_LIFETIME_HARD_BYTES))
		mnl_attr_put_u64(nlh, GVPN_A_SA_LIFETIME_HARD_BYTES,
				 sa->lifetime_hard_bytes);
	if (HAS(sa, GVPN_A_SA_TBAR))
		mnl_attr_put_u8(nlh, GVPN_A_SA_TBAR, sa->tbar);
	if (HAS(sa, GVPN_A_SA_PASSIVE))
		mnl_attr_put_u8(nlh, GVPN_A_SA_PASSIVE, sa->passive);
	if (HAS(sa, GVPN_A_SA_ACTIVATE_IN_MS))
		mnl_attr_put_u32(nlh, GVPN_A_SA_ACTIVATE_IN_MS,
				 sa->activate_in_ms);
	if (HAS(sa, GVPN_A_SA_DEACTIVATE_IN_MS))
		mnl_attr_put_u32(nlh, GVPN_A_SA_DEACTIVATE_IN_MS,
				 sa->deactivate_in_ms);
	if (sa->has_sid || HAS(sa, GVPN_A_SA_SENDER_ID) ||
	    HAS(sa, GVPN_A_SA_SID_BITS)) {
		mnl_attr_put_u32(nlh, GVPN_A_SA_SENDER_ID, sa->sender_id);
		mnl_attr_put_u8(nlh, GVPN_A_SA_SID_BITS, sa->sid_bits);
	}
	if (HAS(sa, GVPN_A_SA_IV_COUNTER))
		mnl_attr_put_u64(nlh, GVPN_A_SA_IV_COUNTER, sa->iv_counter);
	if (HAS(sa, GVPN_A_SA_REPLAY_WINDOW))
		mnl_attr_put_u32(nlh, GVPN_A_SA_REPLAY_WINDOW,
				 sa->replay_window);
	mnl_attr_nest_end(nlh, nest);
}

void gvpn_put_sender_req(struct nlmsghdr *nlh, uint16_t group_id,
			 uint32_t spi)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, GVPN_A_SA);

	mnl_attr_put_u16(nlh, GVPN_A_SA_GROUP_ID, group_id);
	mnl_attr_put_u32(nlh, GVPN_A_SA_SPI, spi);
	mnl_attr_nest_end(nlh, nest);
}

/* Replies ---------------------------------------------------------------- */

/* The type each attribute must have; 0 (MNL_TYPE_UNSPEC) is not checked. */
static const enum mnl_attr_data_type group_types[GVPN_A_GROUP_MAX + 1] = {
	[GVPN_A_GROUP_ID] = MNL_TYPE_U16,
	[GVPN_A_GROUP_DF_MODE] = MNL_TYPE_U8,
	[GVPN_A_GROUP_IFINDEX] = MNL_TYPE_U32,
	[GVPN_A_GROUP_STATS] = MNL_TYPE_NESTED,
	[GVPN_A_GROUP_TBAR_WINDOW] = MNL_TYPE_U32,
	[GVPN_A_GROUP_CLOCK] = MNL_TYPE_U8,
	[GVPN_A_GROUP_PSEUDOTIME_MS] = MNL_TYPE_U64,
	[GVPN_A_GROUP_TICK_MS] = MNL_TYPE_U32,
	[GVPN_A_GROUP_FAIL_MODE] = MNL_TYPE_U8,
	[GVPN_A_GROUP_FAIL_ACTIVATE] = MNL_TYPE_FLAG,
	[GVPN_A_GROUP_PASSIVE] = MNL_TYPE_U8,
	[GVPN_A_GROUP_RECV_ONLY] = MNL_TYPE_U8,
	[GVPN_A_GROUP_KEYS] = MNL_TYPE_U8,
	[GVPN_A_GROUP_CLOCK_MS] = MNL_TYPE_U64,
	[GVPN_A_GROUP_LEGACY_IV] = MNL_TYPE_U8,
};

static const enum mnl_attr_data_type policy_types[GVPN_A_POLICY_MAX + 1] = {
	[GVPN_A_POLICY_GROUP_ID] = MNL_TYPE_U16,
	[GVPN_A_POLICY_ID] = MNL_TYPE_U32,
	[GVPN_A_POLICY_PRIO] = MNL_TYPE_U32,
	[GVPN_A_POLICY_SRC] = MNL_TYPE_U32,
	[GVPN_A_POLICY_SRC_PLEN] = MNL_TYPE_U8,
	[GVPN_A_POLICY_DST] = MNL_TYPE_U32,
	[GVPN_A_POLICY_DST_PLEN] = MNL_TYPE_U8,
	[GVPN_A_POLICY_PROTO] = MNL_TYPE_U8,
	[GVPN_A_POLICY_SPORT_MIN] = MNL_TYPE_U16,
	[GVPN_A_POLICY_SPORT_MAX] = MNL_TYPE_U16,
	[GVPN_A_POLICY_DPORT_MIN] = MNL_TYPE_U16,
	[GVPN_A_POLICY_DPORT_MAX] = MNL_TYPE_U16,
	[GVPN_A_POLICY_ACTION] = MNL_TYPE_U8,
	[GVPN_A_POLICY_ORIGIN] = MNL_TYPE_U8,
	[GVPN_A_POLICY_STATS] = MNL_TYPE_NESTED,
};

static const enum mnl_attr_data_type sa_types[GVPN_A_SA_MAX + 1] = {
	[GVPN_A_SA_GROUP_ID] = MNL_TYPE_U16,
	[GVPN_A_SA_POLICY_ID] = MNL_TYPE_U32,
	[GVPN_A_SA_SPI] = MNL_TYPE_U32,
	[GVPN_A_SA_DIR] = MNL_TYPE_U8,
	[GVPN_A_SA_AEAD_NAME] = MNL_TYPE_NUL_STRING,
	[GVPN_A_SA_AEAD_KEY] = MNL_TYPE_BINARY,
	[GVPN_A_SA_AEAD_ICV_BITS] = MNL_TYPE_U32,
	[GVPN_A_SA_ENC_NAME] = MNL_TYPE_NUL_STRING,
	[GVPN_A_SA_ENC_KEY] = MNL_TYPE_BINARY,
	[GVPN_A_SA_AUTH_NAME] = MNL_TYPE_NUL_STRING,
	[GVPN_A_SA_AUTH_KEY] = MNL_TYPE_BINARY,
	[GVPN_A_SA_AUTH_TRUNC_BITS] = MNL_TYPE_U32,
	[GVPN_A_SA_LIFETIME_SOFT_SECS] = MNL_TYPE_U64,
	[GVPN_A_SA_LIFETIME_HARD_SECS] = MNL_TYPE_U64,
	[GVPN_A_SA_LIFETIME_SOFT_BYTES] = MNL_TYPE_U64,
	[GVPN_A_SA_LIFETIME_HARD_BYTES] = MNL_TYPE_U64,
	[GVPN_A_SA_AGE_SECS] = MNL_TYPE_U64,
	[GVPN_A_SA_STATS] = MNL_TYPE_NESTED,
	[GVPN_A_SA_KEY_BITS] = MNL_TYPE_U32,
	[GVPN_A_SA_TBAR] = MNL_TYPE_U8,
	[GVPN_A_SA_ACTIVATE_IN_MS] = MNL_TYPE_U32,
	[GVPN_A_SA_DEACTIVATE_IN_MS] = MNL_TYPE_U32,
	[GVPN_A_SA_PASSIVE] = MNL_TYPE_U8,
	[GVPN_A_SA_ACTIVE] = MNL_TYPE_U8,
	[GVPN_A_SA_SENDER_ID] = MNL_TYPE_U32,
	[GVPN_A_SA_SID_BITS] = MNL_TYPE_U8,
	[GVPN_A_SA_IV_COUNTER] = MNL_TYPE_U64,
	[GVPN_A_SA_REPLAY_WINDOW] = MNL_TYPE_U32,
	[GVPN_A_SA_SENDERS] = MNL_TYPE_U32,
};

static const enum mnl_attr_data_type sender_types[GVPN_A_SENDER_MAX + 1] = {
	[GVPN_A_SENDER_SID] = MNL_TYPE_U32,
	[GVPN_A_SENDER_TOP] = MNL_TYPE_U64,
	[GVPN_A_SENDER_RX_PACKETS] = MNL_TYPE_U64,
	[GVPN_A_SENDER_REPLAY] = MNL_TYPE_U64,
};

/* Check every known attribute of a nest; mark them in *present. */
static int nest_check(const struct nlattr *nest,
		      const enum mnl_attr_data_type *types, unsigned int max,
		      uint64_t *present)
{
	const struct nlattr *a;
	uint16_t type;

	*present = 0;
	mnl_attr_for_each_nested(a, nest) {
		type = mnl_attr_get_type(a);
		if (type > max || !types[type])
			continue;
		if (mnl_attr_validate(a, types[type]) < 0)
			return -EBADMSG;
		*present |= GVPN_BIT(type);
	}
	return 0;
}

static int parse_stats_nest(const struct nlattr *nest, struct gvpn_stats *st)
{
	const struct nlattr *a;
	uint16_t type;

	memset(st, 0, sizeof(*st));
	mnl_attr_for_each_nested(a, nest) {
		type = mnl_attr_get_type(a);
		if (type > GVPN_A_STATS_MAX || !stat_keys[type])
			continue;
		if (mnl_attr_validate(a, MNL_TYPE_U64) < 0)
			return -EBADMSG;
		st->v[type] = mnl_attr_get_u64(a);
		st->present |= GVPN_BIT(type);
	}
	return 0;
}

/* Copy a string attribute that mnl_attr_validate() found NUL-terminated. */
static void copy_str(char *dst, size_t len, const struct nlattr *a)
{
	snprintf(dst, len, "%s", mnl_attr_get_str(a));
}

static int parse_group_nest(const struct nlattr *nest, struct gvpn_group *g)
{
	const struct nlattr *a;
	int ret;

	memset(g, 0, sizeof(*g));
	ret = nest_check(nest, group_types, GVPN_A_GROUP_MAX, &g->present);
	if (ret)
		return ret;
	mnl_attr_for_each_nested(a, nest) {
		switch (mnl_attr_get_type(a)) {
		case GVPN_A_GROUP_ID:
			g->id = mnl_attr_get_u16(a);
			break;
		case GVPN_A_GROUP_DF_MODE:
			g->df_mode = mnl_attr_get_u8(a);
			break;
		case GVPN_A_GROUP_IFINDEX:
			g->ifindex = mnl_attr_get_u32(a);
			if (g->n_ifindex < GVPN_MAX_IFINDEX)
				g->ifindexes[g->n_ifindex++] = g->ifindex;
			else
				g->ifindex_truncated = true;
			break;
		case GVPN_A_GROUP_TBAR_WINDOW:
			g->tbar_window = mnl_attr_get_u32(a);
			break;
		case GVPN_A_GROUP_CLOCK:
			g->clock = mnl_attr_get_u8(a);
			break;
		case GVPN_A_GROUP_PSEUDOTIME_MS:
			g->pseudotime_ms = mnl_attr_get_u64(a);
			break;
		case GVPN_A_GROUP_TICK_MS:
			g->tick_ms = mnl_attr_get_u32(a);
			break;
		case GVPN_A_GROUP_FAIL_MODE:
			g->fail_mode = mnl_attr_get_u8(a);
			break;
		case GVPN_A_GROUP_PASSIVE:
			g->passive = mnl_attr_get_u8(a);
			break;
		case GVPN_A_GROUP_RECV_ONLY:
			g->recv_only = mnl_attr_get_u8(a);
			break;
		case GVPN_A_GROUP_KEYS:
			g->keys = mnl_attr_get_u8(a);
			break;
		case GVPN_A_GROUP_CLOCK_MS:
			g->clock_ms = mnl_attr_get_u64(a);
			break;
		case GVPN_A_GROUP_LEGACY_IV:
			g->legacy_iv = mnl_attr_get_u8(a) != 0;
			break;
		case GVPN_A_GROUP_STATS:
			ret = parse_stats_nest(a, &g->stats);
			if (ret)
				return ret;
			break;
		}
	}
	return 0;
}

static int parse_policy_nest(const struct nlattr *nest, struct gvpn_policy *p)
{
	const struct nlattr *a;
	int ret;

	memset(p, 0, sizeof(*p));
	ret = nest_check(nest, policy_types, GVPN_A_POLICY_MAX, &p->present);
	if (ret)
		return ret;
	/* an absent port range is the whole range */
	p->sport_max = p->dport_max = 65535;
	mnl_attr_for_each_nested(a, nest) {
		switch (mnl_attr_get_type(a)) {
		case GVPN_A_POLICY_GROUP_ID:
			p->group_id = mnl_attr_get_u16(a);
			break;
		case GVPN_A_POLICY_ID:
			p->id = mnl_attr_get_u32(a);
			break;
		case GVPN_A_POLICY_PRIO:
			p->prio = mnl_attr_get_u32(a);
			break;
		case GVPN_A_POLICY_SRC:
			p->src.s_addr = mnl_attr_get_u32(a);
			break;
		case GVPN_A_POLICY_SRC_PLEN:
			p->src_plen = mnl_attr_get_u8(a);
			break;
		case GVPN_A_POLICY_DST:
			p->dst.s_addr = mnl_attr_get_u32(a);
			break;
		case GVPN_A_POLICY_DST_PLEN:
			p->dst_plen = mnl_attr_get_u8(a);
			break;
		case GVPN_A_POLICY_PROTO:
			p->proto = mnl_attr_get_u8(a);
			break;
		case GVPN_A_POLICY_SPORT_MIN:
			p->sport_min = mnl_attr_get_u16(a);
			break;
		case GVPN_A_POLICY_SPORT_MAX:
			p->sport_max = mnl_attr_get_u16(a);
			break;
		case GVPN_A_POLICY_DPORT_MIN:
			p->dport_min = mnl_attr_get_u16(a);
			break;
		case GVPN_A_POLICY_DPORT_MAX:
			p->dport_max = mnl_attr_get_u16(a);
			break;
		case GVPN_A_POLICY_ACTION:
			p->action = mnl_attr_get_u8(a);
			break;
		case GVPN_A_POLICY_ORIGIN:
			p->origin = mnl_attr_get_u8(a);
			break;
		case GVPN_A_POLICY_STATS:
			ret = parse_stats_nest(a, &p->stats);
			if (ret)
				return ret;
			break;
		}
	}
	return 0;
}

static int parse_sa_nest(const struct nlattr *nest, struct gvpn_sa *sa)
{
	const struct nlattr *a;
	int ret;

	memset(sa, 0, sizeof(*sa));
	ret = nest_check(nest, sa_types, GVPN_A_SA_MAX, &sa->present);
	if (ret)
		return ret;
	mnl_attr_for_each_nested(a, nest) {
		switch (mnl_attr_get_type(a)) {
		case GVPN_A_SA_GROUP_ID:
			sa->group_id = mnl_attr_get_u16(a);
			break;
		case GVPN_A_SA_POLICY_ID:
			sa->policy_id = mnl_attr_get_u32(a);
			break;
		case GVPN_A_SA_SPI:
			sa->spi = mnl_attr_get_u32(a);
			break;
		case GVPN_A_SA_DIR:
			sa->dir = mnl_attr_get_u8(a);
			break;
		case GVPN_A_SA_AEAD_NAME:
			copy_str(sa->aead_name, sizeof(sa->aead_name), a);
			break;
		case GVPN_A_SA_AEAD_ICV_BITS:
			sa->icv_bits = mnl_attr_get_u32(a);
			break;
		case GVPN_A_SA_ENC_NAME:
			copy_str(sa->enc_name, sizeof(sa->enc_name), a);
			break;
		case GVPN_A_SA_AUTH_NAME:
			copy_str(sa->auth_name, sizeof(sa->auth_name), a);
			break;
		case GVPN_A_SA_AUTH_TRUNC_BITS:
			sa->trunc_bits = mnl_attr_get_u32(a);
			break;
		case GVPN_A_SA_LIFETIME_SOFT_SECS:
			sa->lifetime_soft_secs = mnl_attr_get_u64(a);
			break;
		case GVPN_A_SA_LIFETIME_HARD_SECS:
			sa->lifetime_hard_secs = mnl_attr_get_u64(a);
			break;
		case GVPN_A_SA_LIFETIME_SOFT_BYTES:
			sa->lifetime_soft_bytes = mnl_attr_get_u64(a);
			break;
		case GVPN_A_SA_LIFETIME_HARD_BYTES:
			sa->lifetime_hard_bytes = mnl_attr_get_u64(a);
			break;
		case GVPN_A_SA_AGE_SECS:
			sa->age_secs = mnl_attr_get_u64(a);
			break;
		case GVPN_A_SA_KEY_BITS:
			sa->key_bits = mnl_attr_get_u32(a);
			break;
		case GVPN_A_SA_TBAR:
			sa->tbar = mnl_attr_get_u8(a);
			break;
		case GVPN_A_SA_PASSIVE:
			sa->passive = mnl_attr_get_u8(a);
			break;
		case GVPN_A_SA_ACTIVE:
			sa->active = mnl_attr_get_u8(a);
			break;
		case GVPN_A_SA_ACTIVATE_IN_MS:
			sa->activate_in_ms = mnl_attr_get_u32(a);
			break;
		case GVPN_A_SA_DEACTIVATE_IN_MS:
			sa->deactivate_in_ms = mnl_attr_get_u32(a);
			break;
		case GVPN_A_SA_SENDER_ID:
			sa->has_sid = true;
			sa->sender_id = mnl_attr_get_u32(a);
			break;
		case GVPN_A_SA_SID_BITS:
			sa->sid_bits = mnl_attr_get_u8(a);
			break;
		case GVPN_A_SA_IV_COUNTER:
			sa->iv_counter = mnl_attr_get_u64(a);
			break;
		case GVPN_A_SA_REPLAY_WINDOW:
			sa->replay_window = mnl_attr_get_u32(a);
			break;
		case GVPN_A_SA_SENDERS:
			sa->senders = mnl_attr_get_u32(a);
			break;
		case GVPN_A_SA_STATS:
			ret = parse_stats_nest(a, &sa->stats);
			if (ret)
				return ret;
			break;
		}
	}
	/* the kernel never sends keys; if one ever did, it is not kept */
	sa->present &= ~(GVPN_BIT(GVPN_A_SA_AEAD_KEY) |
			 GVPN_BIT(GVPN_A_SA_ENC_KEY) |
			 GVPN_BIT(GVPN_A_SA_AUTH_KEY));
	return 0;
}

/* The first top-level attribute of the given type, checked as a nest. */
static int find_nest(const struct nlmsghdr *nlh, uint16_t type,
		     const struct nlattr **out)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
		if (mnl_attr_get_type(a) != type)
			continue;
		if (mnl_attr_validate(a, MNL_TYPE_NESTED) < 0)
			return -EBADMSG;
		*out = a;
		return 0;
	}
	return -ENOENT;
}

int gvpn_parse_group(const struct nlmsghdr *nlh, struct gvpn_group *g)
{
	const struct nlattr *nest;
	int ret = find_nest(nlh, GVPN_A_GROUP, &nest);

	return ret ? ret : parse_group_nest(nest, g);
}

int gvpn_parse_policy(const struct nlmsghdr *nlh, struct gvpn_policy *p)
{
	const struct nlattr *nest;
	int ret = find_nest(nlh, GVPN_A_POLICY, &nest);

	return ret ? ret : parse_policy_nest(nest, p);
}

int gvpn_parse_sa(const struct nlmsghdr *nlh, struct gvpn_sa *sa)
{
	const struct nlattr *nest;
	int ret = find_nest(nlh, GVPN_A_SA, &nest);

	return ret ? ret : parse_sa_nest(nest, sa);
}

int gvpn_parse_stats(const struct nlmsghdr *nlh, struct gvpn_stats *st)
{
	const struct nlattr *nest;
	int ret = find_nest(nlh, GVPN_A_STATS, &nest);

	return ret ? ret : parse_stats_nest(nest, st);
}

int gvpn_parse_event(const struct nlmsghdr *nlh, struct gvpn_event_msg *ev)
{
	const struct nlattr *a;
	int ret = 0;

	memset(ev, 0, sizeof(*ev));
	mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
		switch (mnl_attr_get_type(a)) {
		case GVPN_A_EVENT_TYPE:
			if (mnl_attr_validate(a, MNL_TYPE_U8) < 0)
				return -EBADMSG;
			ev->type = mnl_attr_get_u8(a);
			break;
		case GVPN_A_EVENT_SRC:
			if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
				return -EBADMSG;
			ev->src.s_addr = mnl_attr_get_u32(a);
			break;
		case GVPN_A_EVENT_DST:
			if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
				return -EBADMSG;
			ev->dst.s_addr = mnl_attr_get_u32(a);
			break;
		case GVPN_A_EVENT_SENDER_TIME:
			if (mnl_attr_validate(a, MNL_TYPE_U64) < 0)
				return -EBADMSG;
			ev->sender_time_ms = mnl_attr_get_u64(a);
			break;
		case GVPN_A_EVENT_LOCAL_TIME:
			if (mnl_attr_validate(a, MNL_TYPE_U64) < 0)
				return -EBADMSG;
			ev->local_time_ms = mnl_attr_get_u64(a);
			break;
		case GVPN_A_GROUP:
			if (mnl_attr_validate(a, MNL_TYPE_NESTED) < 0)
				return -EBADMSG;
			ret = parse_group_nest(a, &ev->group);
			break;
		case GVPN_A_SA:
			if (mnl_attr_validate(a, MNL_TYPE_NESTED) < 0)
				return -EBADMSG;
			ret = parse_sa_nest(a, &ev->sa);
			break;
		default:
			continue;
		}
		if (ret)
			return ret;
		ev->present |= GVPN_BIT(mnl_attr_get_type(a));
	}
	if (!(ev->present & GVPN_BIT(GVPN_A_EVENT_TYPE)))
		return -EBADMSG;
	return 0;
}

int gvpn_parse_sender(const struct nlmsghdr *nlh, struct gvpn_sender_win *w)
{
	const struct nlattr *nest, *a;
	struct gvpn_sa sa;
	int ret;

	memset(w, 0, sizeof(*w));
	ret = find_nest(nlh, GVPN_A_SENDER, &nest);
	if (ret)
		return ret;
	ret = nest_check(nest, sender_types, GVPN_A_SENDER_MAX, &w->present);
	if (ret)
		return ret;
	mnl_attr_for_each_nested(a, nest) {
		switch (mnl_attr_get_type(a)) {
		case GVPN_A_SENDER_SID:
			w->sid = mnl_attr_get_u32(a);
			break;
		case GVPN_A_SENDER_TOP:
			w->top = mnl_attr_get_u64(a);
			break;
		case GVPN_A_SENDER_RX_PACKETS:
			w->rx_packets = mnl_attr_get_u64(a);
			break;
		case GVPN_A_SENDER_REPLAY:
			w->replay = mnl_attr_get_u64(a);
			break;
		}
	}
	/* the SA it belongs to, when the kernel says */
	ret = gvpn_parse_sa(nlh, &sa);
	if (ret == -EBADMSG)
		return ret;
	if (!ret) {
		w->group_id = sa.group_id;
		w->spi = sa.spi;
	}
	return 0;
}
