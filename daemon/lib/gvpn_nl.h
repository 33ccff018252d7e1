/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * The gvpn generic netlink family (uapi/linux/gvpn.h) as C structures:
 * request builders and reply parsers for groups, policies and SAs, shared by
 * the CLI and gvpnd, and the names used for the family's values in both.
 *
 * Which attributes a structure carries is a bit mask indexed by attribute
 * type: present & GVPN_BIT(GVPN_A_POLICY_PRIO). Builders emit exactly the
 * attributes marked present; parsers mark what the kernel sent.
 */
#ifndef GVPN_NL_H
#define GVPN_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <linux/gvpn.h>

#include "genl.h"

struct nlmsghdr;
struct nlattr;

#define GVPN_BIT(type) (UINT64_C(1) << (type))

/* Bounds of what the CLI and gvpnd send; the kernel has the last word. */
#define GVPN_ALG_NAME_MAX	64	/* bytes with the NUL */
#define GVPN_KEY_MAX		64	/* key bytes (AEAD: key and salt) */
#define GVPN_MAX_IFINDEX	32	/* devices per group in a reply */
#define GVPN_TBAR_WINDOW_MAX	3600	/* seconds (uapi: TBAR_WINDOW) */
#define GVPN_TICK_MS_MAX	60000	/* uapi: TICK_MS, from 1 */
#define GVPN_SID_BITS_MAX	16	/* uapi: SID_BITS, from 1 */
#define GVPN_REPLAY_WINDOW_MAX	4096	/* uapi: REPLAY_WINDOW, packets */
#define GVPN_REPLAY_WINDOW_DEF	128

struct gvpn_stats {
	uint64_t present;
	uint64_t v[GVPN_A_STATS_MAX + 1];
};

struct gvpn_group {
	uint64_t present;
	uint16_t id;
	uint8_t df_mode;
	uint32_t ifindex;		/* DEV_ADD / DEV_DEL */
	uint32_t tbar_window;		/* seconds */
	uint8_t clock;			/* enum gvpn_clock */
	uint64_t pseudotime_ms;
	uint32_t tick_ms;
	uint8_t fail_mode;		/* enum gvpn_fail_mode */
	uint8_t passive, recv_only;	/* FAIL_ACTIVATE is a flag: present */
	bool legacy_iv;			/* GVPN_A_GROUP_LEGACY_IV */
	/* replies */
	uint8_t keys;			/* enum gvpn_keys */
	uint64_t clock_ms;		/* the group clock when it was read */
	unsigned int n_ifindex;
	bool ifindex_truncated;
	uint32_t ifindexes[GVPN_MAX_IFINDEX];
	struct gvpn_stats stats;
};

struct gvpn_policy {
	uint64_t present;
	uint16_t group_id;
	uint32_t id;
	uint32_t prio;
	struct in_addr src, dst;
	uint8_t src_plen, dst_plen;
	uint8_t proto;
	uint16_t sport_min, sport_max, dport_min, dport_max;
	uint8_t action;
	uint8_t origin;
	struct gvpn_stats stats;
};

struct gvpn_sa {
	uint64_t present;
	uint16_t group_id;
	uint32_t policy_id;
	uint32_t spi;
	uint8_t dir;
	char aead_name[GVPN_ALG_NAME_MAX];
	uint8_t aead_key[GVPN_KEY_MAX];
	size_t aead_key_len;
	uint32_t icv_bits;
	char enc_name[GVPN_ALG_NAME_MAX];
	uint8_t enc_key[GVPN_KEY_MAX];
	size_t enc_key_len;
	char auth_name[GVPN_ALG_NAME_MAX];
	uint8_t auth_key[GVPN_KEY_MAX];
	size_t auth_key_len;
	uint32_t trunc_bits;
	uint64_t lifetime_soft_secs, lifetime_hard_secs;
	uint64_t lifetime_soft_bytes, lifetime_hard_bytes;
	uint8_t tbar, passive;
	uint32_t activate_in_ms, deactivate_in_ms;
	/*
	 * Sender ID (RFC 6054): has_sid sends SENDER_ID and SID_BITS
	 * together (as does either present bit); replies set has_sid when
	 * the kernel sent SENDER_ID.
	 */
	bool has_sid;
	uint32_t sender_id;
	uint8_t sid_bits;
	uint64_t iv_counter;		/* create: first; replies: next */
	uint32_t replay_window;		/* per-sender, packets; 0 = off */
	/* replies */
	uint64_t age_secs;
	uint32_t key_bits;
	uint8_t active;
	uint32_t senders;		/* senders with a replay window */
	struct gvpn_stats stats;
};

/*
 * One sender's replay window of an SA (RFC 6054 SIDs): a GVPN_CMD_SENDER_GET
 * reply. present holds GVPN_A_SENDER_* bits; the SA it belongs to comes
 * from the reply's sa nest (group_id, spi).
 */
struct gvpn_sender_win {
	uint64_t present;
	uint16_t group_id;
	uint32_t spi;
	uint32_t sid;
	uint64_t top;			/* highest counter accepted */
	uint64_t rx_packets;		/* accepted by the window */
	uint64_t replay;		/* dropped by it */
};

/* One GVPN_CMD_EVENT message. */
struct gvpn_event_msg {
	uint64_t present;		/* GVPN_A_* bits */
	uint8_t type;
	struct in_addr src, dst;
	uint64_t sender_time_ms, local_time_ms;	/* REPLAY_FAILED */
	struct gvpn_group group;
	struct gvpn_sa sa;
};

/* Attribute names of the family, for error messages ("sa.spi"). */
extern const struct nla_space gvpn_nla_space;

/* Zero an SA's keys (and everything else) before it goes out of scope. */
void gvpn_sa_wipe(struct gvpn_sa *sa);

/* Append the object's nest to a request. */
void gvpn_put_group(struct nlmsghdr *nlh, const struct gvpn_group *g);
void gvpn_put_policy(struct nlmsghdr *nlh, const struct gvpn_policy *p);
void gvpn_put_sa(struct nlmsghdr *nlh, const struct gvpn_sa *sa);
/* The sa nest of a SENDER_GET dump request: the SA (group, SPI) to list. */
void gvpn_put_sender_req(struct nlmsghdr *nlh, uint16_t group_id,
			 uint32_t spi);

/*
 * Parse a reply (or event) message of the family. Each returns 0, -ENOENT
 * when the message has no such nest, or -EBADMSG when an attribute has the
 * wrong size. Unknown attributes are skipped: newer kernels may add some.
 */
int gvpn_parse_group(const struct nlmsghdr *nlh, struct gvpn_group *g);
int gvpn_parse_policy(const struct nlmsghdr *nlh, struct gvpn_policy *p);
int gvpn_parse_sa(const struct nlmsghdr *nlh, struct gvpn_sa *sa);
int gvpn_parse_stats(const struct nlmsghdr *nlh, struct gvpn_stats *st);
int gvpn_parse_event(const struct nlmsghdr *nlh, struct gvpn_event_msg *ev);
/* A SENDER_GET reply; -ENOENT without the sender nest. */
int gvpn_parse_sender(const struct nlmsghdr *nlh, struct gvpn_sender_win *w);

/* Names of enum values, as the CLI writes them; NULL when unknown. */
const char *gvpn_df_mode_name(uint8_t v);
const char *gvpn_action_name(uint8_t v);
const char *gvpn_origin_name(uint8_t v);
const char *gvpn_sa_dir_name(uint8_t v);
const char *gvpn_clock_name(uint8_t v);
const char *gvpn_fail_mode_name(uint8_t v);
const char *gvpn_keys_name(uint8_t v);
const char *gvpn_event_name(uint8_t v);
/* The reverse; -1 when s names nothing. */
int gvpn_df_mode_parse(const char *s);
int gvpn_action_parse(const char *s);
int gvpn_origin_parse(const char *s);
int gvpn_sa_dir_parse(const char *s);
int gvpn_clock_parse(const char *s);
int gvpn_fail_mode_parse(const char *s);

/*
 * Milliseconds as the CLI writes times: seconds with three decimals
 * ("1000.250"), in buf of GVPN_MS_STR_LEN bytes or more. Returns buf.
 */
#define GVPN_MS_STR_LEN 24
char *gvpn_ms_str(uint64_t ms, char *buf, size_t len);

/* A counter's JSON key ("tx_packets"), NULL for types that are not. */
const char *gvpn_stat_name(unsigned int type);

#endif /* GVPN_NL_H */
