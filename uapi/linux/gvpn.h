/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * gvpn: group ESP with address preservation (RFC 5374), the data plane of a
 * GDOI group member (RFC 6407). Configured over generic netlink.
 *
 * Documentation/netlink/specs/gvpn.yaml describes the same family in YNL.
 *
 * Family "gvpn", version 1; multicast group "events". All objects live in
 * the network namespace of the requesting socket and vanish with it.
 * Every request, reads (GET, dumps, STATS_GET) as much as changes, and
 * joining the "events" group need CAP_NET_ADMIN in that namespace's user
 * namespace. Every request is validated strictly (unknown attributes,
 * trailing data and wrong lengths are errors); a rejected request changes
 * nothing and carries an extended ACK message naming the problem, with the
 * offending attribute's offset where there is one. Addresses are IPv4 in
 * network byte order; other integers are in host byte order.
 *
 * Objects:
 *
 *   group    A GDOI group: id 1..65535. Owns its policies and SAs.
 *            Attached to one or more network devices (the WAN side, like a
 *            crypto map on an interface): only packets leaving or entering
 *            those devices are considered. A device belongs to one group.
 *   policy   A traffic selector of a group: id, priority, source and
 *            destination prefix, IP protocol, port ranges and an action.
 *            Order is (origin, priority, id): local policies come before key
 *            server ones (the GM ACL merge rule), then lower priority first,
 *            then lower id. The first match wins.
 *   sa       A group SA (TEK), identified by (group, SPI). It serves one
 *            encrypt policy of the group. Inbound, any SA of the group
 *            decrypts by SPI; outbound, a policy uses its newest usable SA.
 *
 * Commands (attributes at the top level of each message):
 *
 *   GVPN_CMD_GROUP_NEW     GVPN_A_GROUP { ID, [settings] }
 *   GVPN_CMD_GROUP_SET     GVPN_A_GROUP { ID, [settings] }
 *                          settings: DF_MODE, TBAR_WINDOW, CLOCK,
 *                          PSEUDOTIME_MS, TICK_MS, FAIL_MODE,
 *                          FAIL_ACTIVATE, PASSIVE, RECV_ONLY, LEGACY_IV
 *   GVPN_CMD_GROUP_DEL     GVPN_A_GROUP { ID }  (with its policies and SAs)
 *   GVPN_CMD_GROUP_GET     GVPN_A_GROUP { ID } or dump of all groups; replies
 *                          carry the settings, every attached IFINDEX,
 *                          KEYS, CLOCK_MS and STATS.
 *   GVPN_CMD_DEV_ADD       GVPN_A_GROUP { ID, IFINDEX }   attach a device
 *   GVPN_CMD_DEV_DEL       GVPN_A_GROUP { ID, IFINDEX }   detach it
 *   GVPN_CMD_POLICY_NEW    GVPN_A_POLICY { GROUP_ID, ID, ACTION, [PRIO],
 *                          [SRC, SRC_PLEN], [DST, DST_PLEN], [PROTO],
 *                          [SPORT_MIN, SPORT_MAX], [DPORT_MIN, DPORT_MAX],
 *                          [ORIGIN] }
 *   GVPN_CMD_POLICY_DEL    GVPN_A_POLICY { GROUP_ID, ID }  (and its SAs)
 *   GVPN_CMD_POLICY_GET    GVPN_A_POLICY { GROUP_ID, ID }, or a dump,
 *                          optionally of one group: GVPN_A_POLICY { GROUP_ID }
 *   GVPN_CMD_POLICY_FLUSH  GVPN_A_POLICY { [GROUP_ID] }
 *   GVPN_CMD_SA_NEW        GVPN_A_SA { GROUP_ID, POLICY_ID, SPI, algorithm,
 *                          [DIR], [LIFETIME_*], [TBAR], [PASSIVE],
 *                          [ACTIVATE_IN_MS], [DEACTIVATE_IN_MS],
 *                          [SENDER_ID, SID_BITS], [IV_COUNTER],
 *                          [REPLAY_WINDOW] }
 *   GVPN_CMD_SA_DEL        GVPN_A_SA { GROUP_ID, SPI }
 *   GVPN_CMD_SA_GET        GVPN_A_SA { GROUP_ID, SPI }, or a dump, optionally
 *                          of one group. Replies never carry keys; they
 *                          carry the algorithm names, KEY_BITS, AGE_SECS
 *                          and STATS.
 *   GVPN_CMD_SA_FLUSH      GVPN_A_SA { [GROUP_ID] }
 *   GVPN_CMD_STATS_GET     replies GVPN_A_STATS: the namespace's counters.
 *   GVPN_CMD_SA_SET        GVPN_A_SA { GROUP_ID, SPI, [DEACTIVATE_IN_MS],
 *                          [DIR], [PASSIVE] }: what a rekey changes on an
 *                          installed SA.
 *   GVPN_CMD_SENDER_GET    dump only: GVPN_A_SA { GROUP_ID, SPI } names one
 *                          SA; one reply per sender the SA keeps a replay
 *                          window for (none without windows), in no
 *                          particular order, each with GVPN_A_SA { GROUP_ID,
 *                          SPI, POLICY_ID } and GVPN_A_SENDER { SID, TOP,
 *                          RX_PACKETS, REPLAY }. A missing SA is ENOENT.
 *
 * Dumps are resumable and return objects in (group, id) or (group, SPI)
 * order. Objects added, changed or removed while a dump runs set
 * NLM_F_DUMP_INTR on its later messages and its end: dump again for a
 * consistent view. NEW on an existing object fails with EEXIST; DEL, SET
 * and GET on a missing one with ENOENT.
 *
 * SA algorithms, named as in "ip xfrm state":
 *   aead:  GVPN_A_SA_AEAD_NAME "rfc4106(gcm(aes))", GVPN_A_SA_AEAD_KEY
 *          (16 or 32 key bytes followed by the 4-byte salt),
 *          GVPN_A_SA_AEAD_ICV_BITS 64, 96 or 128.
 *   enc + auth: GVPN_A_SA_ENC_NAME "cbc(aes)" (key 16, 24 or 32 bytes) or
 *          "cbc(des3_ede)" (24 bytes) with GVPN_A_SA_ENC_KEY, and
 *          GVPN_A_SA_AUTH_NAME "hmac(sha1)" (key 20 bytes, truncated to 96
 *          bits), "hmac(sha256)" (32 bytes, 128 bits) or "hmac(md5)"
 *          (16 bytes, 96 bits) with GVPN_A_SA_AUTH_KEY and
 *          GVPN_A_SA_AUTH_TRUNC_BITS.
 *   Keys are zeroed when the SA is freed and never dumped.
 *
 * Counter-mode SAs (rfc4106(gcm(aes))) share one key across the group, so
 * the IV must never repeat group-wide (RFC 4106 3.1). With SENDER_ID and
 * SID_BITS (the member's Sender ID from the key server, RFC 6054, RFC 6407
 * 5.6.3) the 8-byte ESP IV is, in network byte order, the SID in the top
 * SID_BITS bits and the SA's counter in the 64 - SID_BITS bits below
 * (RFC 6054 4; Documentation/gvpn.rst). The counter starts at IV_COUNTER
 * (default 1), increments once per packet and never repeats: once it would
 * reach 2^(64 - SID_BITS) the SA stops encrypting (packets dropped and
 * counted in IV_EXHAUSTED, event SA_IV_EXHAUSTED once). A counter-mode SA
 * without a SID does not encrypt (NO_SID) unless its group has LEGACY_IV,
 * which keeps random IVs for key servers that cannot assign SIDs; CBC SAs
 * use random IVs as before. SENDER_ID must fit in SID_BITS; SID_BITS
 * needs SENDER_ID and the other way round.
 *
 * Per-sender replay windows: on receive, a counter-mode SA with a SID and
 * REPLAY_WINDOW > 0 (default 128, at most 4096), in a group without
 * LEGACY_IV (whose senders may use random IVs), keeps a sliding window over
 * the IV counter of each sender, keyed by the IV's top SID_BITS bits (the
 * key server gives every member of a TEK the same SID length), created on
 * a sender's first authenticated packet, for at most 256 senders per SA
 * (packets of more senders are checked by TBAR only and counted in
 * SENDERS_OVERFLOW). A packet whose counter was already seen, or is older
 * than the window, is dropped and counted in SENDER_REPLAY, also inside
 * the TBAR window. SENDERS in replies is the number of senders the SA has
 * a window for; SENDER_GET lists them with each one's highest counter and
 * the packets its window accepted (the first included) and dropped.
 *
 * Lifetimes count from the SA's creation. At the soft lifetime (seconds or
 * bytes) an event is sent; at the hard lifetime the SA is removed and an
 * event sent. 0 means no limit.
 *
 * Lossless switching: an SA with ACTIVATE_IN_MS decrypts at once but is not
 * used to encrypt before that many milliseconds have passed; at
 * DEACTIVATE_IN_MS it is removed and its SPI rejected. The module keeps
 * both on its monotonic clock and applies them per packet. GET replies
 * carry the milliseconds still to go (0: none) and ACTIVE.
 *
 * Time-based anti-replay (TBAR): an SA with TBAR set sends every packet
 * with a timestamp header inside the ESP payload (Documentation/tbar.rst),
 * and the receiver drops packets whose timestamp is further than the
 * group's TBAR_WINDOW seconds from its own clock, in either direction (0:
 * no check). The group clock is the wall clock (Juniper's delay
 * detection; members run NTP) or a pseudotime set with PSEUDOTIME_MS and
 * advanced by the module (Cisco's key-server clock), stamped in TICK_MS
 * steps.
 *
 * Without keys (no active SA in the group; KEYS says which):
 *   FAIL_MODE none   traffic of encrypt policies passes in clear (Cisco's
 *                    default before registration);
 *   FAIL_MODE open   traffic of encrypt policies is dropped except what
 *                    matches a policy of origin "fail" (up to 10), which
 *                    passes in clear (Juniper's fail-closed with fail-open
 *                    rules);
 *   FAIL_MODE close  once armed with FAIL_ACTIVATE, everything leaving or
 *                    entering an attached device is dropped except what
 *                    matches a policy of origin "fail" (either direction),
 *                    until the first keys arrive, which disarm it (Cisco's
 *                    fail-close). IPv6 included.
 * IPv6 is not protected (policies and SAs are IPv4). On attached devices
 * it is dropped while fail-close is armed, and otherwise treated as a
 * packet that only policies matching every address and protocol match:
 * the first of them that says drop drops it, one that says encrypt in a
 * group without keys leaves it to the fail mode; IPv6 that passes does so
 * in clear and is counted in CLEAR_IPV6. A packet of TCP, UDP, UDP-Lite or
 * SCTP too short to carry its ports is matched with ports 0.
 * PASSIVE: clear inbound traffic of encrypt policies is accepted as well as
 * encrypted (per group, or per SA for its policy). RECV_ONLY: the group's
 * SAs only decrypt; its encrypt policies send in clear and accept clear.
 *
 * Events (multicast group "events"), command GVPN_CMD_EVENT with
 * GVPN_A_EVENT_TYPE and the object concerned (GVPN_A_SA nest with GROUP_ID
 * and SPI, or GVPN_A_GROUP with ID):
 *   SA_ADDED, SA_REMOVED, SA_SOFT_EXPIRED, SA_HARD_EXPIRED, SA_ACTIVATED,
 *   SA_DEACTIVATED, SA_IV_EXHAUSTED (once, when the SA stops encrypting
 *   because its IV counter would wrap); KEYS_UP and KEYS_DOWN (GVPN_A_GROUP with ID) when a
 *   group gains its first active SA or loses its last;
 *   rate-limited data-plane errors UNKNOWN_SPI, AUTH_FAILED and
 *   REPLAY_FAILED, which also carry GVPN_A_EVENT_SRC and GVPN_A_EVENT_DST
 *   (the packet's addresses); REPLAY_FAILED also GVPN_A_EVENT_SENDER_TIME
 *   and GVPN_A_EVENT_LOCAL_TIME (milliseconds on the group clock). Each of
 *   these three kinds has its own budget of 20 events a second per
 *   namespace, so a flood of one cannot hide another; the drop counters
 *   count every packet.
 */
#ifndef _UAPI_LINUX_GVPN_H
#define _UAPI_LINUX_GVPN_H

#define GVPN_GENL_NAME		"gvpn"
#define GVPN_GENL_VERSION	1
#define GVPN_MCGRP_EVENTS	"events"

/*
 * Time-based anti-replay on the wire: with TBAR, the ESP payload starts
 * with this 12-byte header and the ESP next header says so
 * (Documentation/tbar.rst): next header (4, IPv4), length in 32-bit words
 * (3), clock (enum gvpn_clock), reserved (0), then the sender's clock in
 * milliseconds, 64 bits, network byte order. 253 is an IP protocol number
 * reserved for experiments (RFC 3692).
 */
#define GVPN_TBAR_NEXTHDR	253
#define GVPN_TBAR_HLEN		12

enum gvpn_cmd {
	GVPN_CMD_UNSPEC,
	GVPN_CMD_GROUP_NEW,
	GVPN_CMD_GROUP_SET,
	GVPN_CMD_GROUP_DEL,
	GVPN_CMD_GROUP_GET,
	GVPN_CMD_DEV_ADD,
	GVPN_CMD_DEV_DEL,
	GVPN_CMD_POLICY_NEW,
	GVPN_CMD_POLICY_DEL,
	GVPN_CMD_POLICY_GET,
	GVPN_CMD_POLICY_FLUSH,
	GVPN_CMD_SA_NEW,
	GVPN_CMD_SA_DEL,
	GVPN_CMD_SA_GET,
	GVPN_CMD_SA_FLUSH,
	GVPN_CMD_STATS_GET,
	GVPN_CMD_EVENT,
	GVPN_CMD_SA_SET,
	GVPN_CMD_SENDER_GET,

	__GVPN_CMD_MAX,
	GVPN_CMD_MAX = __GVPN_CMD_MAX - 1
};

/* Top-level attributes: one nest per object. */
enum gvpn_attr {
	GVPN_A_UNSPEC,
	GVPN_A_GROUP,		/* nest, enum gvpn_group_attr */
	GVPN_A_POLICY,		/* nest, enum gvpn_policy_attr */
	GVPN_A_SA,		/* nest, enum gvpn_sa_attr */
	GVPN_A_STATS,		/* nest, enum gvpn_stats_attr */
	GVPN_A_EVENT_TYPE,	/* u8, enum gvpn_event */
	GVPN_A_EVENT_SRC,	/* u32 (be), in events about a packet */
	GVPN_A_EVENT_DST,	/* u32 (be) */
	GVPN_A_EVENT_SENDER_TIME, /* u64, ms: the packet's timestamp */
	GVPN_A_EVENT_LOCAL_TIME, /* u64, ms: the receiver's clock */
	GVPN_A_PAD,
	GVPN_A_SENDER,		/* nest, enum gvpn_sender_attr (read-only) */

	__GVPN_A_MAX,
	GVPN_A_MAX = __GVPN_A_MAX - 1
};

enum gvpn_df_mode {
	GVPN_DF_CLEAR,		/* outer header DF never set (default) */
	GVPN_DF_SET,		/* always set */
	GVPN_DF_COPY,		/* copied from the inner header */
};

enum gvpn_group_attr {
	GVPN_A_GROUP_UNSPEC,
	GVPN_A_GROUP_ID,	/* u16, 1..65535 */
	GVPN_A_GROUP_DF_MODE,	/* u8, enum gvpn_df_mode */
	GVPN_A_GROUP_IFINDEX,	/* u32; repeated in GET replies */
	GVPN_A_GROUP_STATS,	/* nest, enum gvpn_stats_attr (read-only) */
	GVPN_A_GROUP_TBAR_WINDOW, /* u32, seconds, 0..3600; 0 = no check */
	GVPN_A_GROUP_CLOCK,	/* u8, enum gvpn_clock */
	GVPN_A_GROUP_PSEUDOTIME_MS, /* u64: set (pseudotime clock); replies: now */
	GVPN_A_GROUP_TICK_MS,	/* u32, 1..60000, default 1 */
	GVPN_A_GROUP_FAIL_MODE,	/* u8, enum gvpn_fail_mode */
	GVPN_A_GROUP_FAIL_ACTIVATE, /* flag: arm fail-close now */
	GVPN_A_GROUP_PASSIVE,	/* u8, 0 or 1 */
	GVPN_A_GROUP_RECV_ONLY,	/* u8, 0 or 1 */
	GVPN_A_GROUP_KEYS,	/* u8, read-only, enum gvpn_keys */
	GVPN_A_GROUP_CLOCK_MS,	/* u64, read-only: the group clock now */
	GVPN_A_GROUP_PAD,
	GVPN_A_GROUP_LEGACY_IV,	/* u8, 0 or 1: random IVs without a SID */

	__GVPN_A_GROUP_MAX,
	GVPN_A_GROUP_MAX = __GVPN_A_GROUP_MAX - 1
};

enum gvpn_clock {
	GVPN_CLOCK_WALL,	/* CLOCK_REALTIME, ms since the epoch */
	GVPN_CLOCK_PSEUDO,	/* the key server's pseudotime, ms */
};

enum gvpn_fail_mode {
	GVPN_FAIL_NONE,		/* clear until keys (default) */
	GVPN_FAIL_OPEN,		/* drop without keys, except fail rules */
	GVPN_FAIL_CLOSE,	/* armed: drop all but fail rules until keys */
};

enum gvpn_keys {
	GVPN_KEYS_NONE,		/* no active SA */
	GVPN_KEYS_UP,		/* at least one active SA */
	GVPN_KEYS_FAIL_CLOSED,	/* no active SA, fail-close armed */
};

enum gvpn_action {
	GVPN_ACTION_ENCRYPT,	/* protect with the policy's SA (permit) */
	GVPN_ACTION_BYPASS,	/* send and accept in clear (deny) */
	GVPN_ACTION_DROP,	/* drop */
};

enum gvpn_origin {
	GVPN_ORIGIN_KS,		/* downloaded from the key server (default) */
	GVPN_ORIGIN_LOCAL,	/* member-configured: precedes KS policies */
	GVPN_ORIGIN_FAIL,	/* exception rule used only without keys */
};

enum gvpn_policy_attr {
	GVPN_A_POLICY_UNSPEC,
	GVPN_A_POLICY_GROUP_ID,	/* u16 */
	GVPN_A_POLICY_ID,	/* u32, 1..2^32-1 */
	GVPN_A_POLICY_PRIO,	/* u32, default 0; lower goes first */
	GVPN_A_POLICY_SRC,	/* u32 (be), default 0.0.0.0 */
	GVPN_A_POLICY_SRC_PLEN,	/* u8, 0..32, default 0 */
	GVPN_A_POLICY_DST,	/* u32 (be) */
	GVPN_A_POLICY_DST_PLEN,	/* u8 */
	GVPN_A_POLICY_PROTO,	/* u8, 0 = any (default) */
	GVPN_A_POLICY_SPORT_MIN, /* u16, ports only with tcp, udp, sctp */
	GVPN_A_POLICY_SPORT_MAX, /* u16, default: SPORT_MIN, or 65535 */
	GVPN_A_POLICY_DPORT_MIN, /* u16 */
	GVPN_A_POLICY_DPORT_MAX, /* u16 */
	GVPN_A_POLICY_ACTION,	/* u8, enum gvpn_action */
	GVPN_A_POLICY_ORIGIN,	/* u8, enum gvpn_origin */
	GVPN_A_POLICY_STATS,	/* nest, enum gvpn_stats_attr (read-only) */

	__GVPN_A_POLICY_MAX,
	GVPN_A_POLICY_MAX = __GVPN_A_POLICY_MAX - 1
};

enum gvpn_sa_dir {
	GVPN_SA_DIR_BOTH,	/* encrypts and decrypts (default) */
	GVPN_SA_DIR_IN,		/* decrypts only */
};

enum gvpn_sa_attr {
	GVPN_A_SA_UNSPEC,
	GVPN_A_SA_GROUP_ID,	/* u16 */
	GVPN_A_SA_POLICY_ID,	/* u32: the encrypt policy this SA serves */
	GVPN_A_SA_SPI,		/* u32, host order, 256..2^32-1 */
	GVPN_A_SA_DIR,		/* u8, enum gvpn_sa_dir */
	GVPN_A_SA_AEAD_NAME,	/* string */
	GVPN_A_SA_AEAD_KEY,	/* binary */
	GVPN_A_SA_AEAD_ICV_BITS, /* u32 */
	GVPN_A_SA_ENC_NAME,	/* string */
	GVPN_A_SA_ENC_KEY,	/* binary */
	GVPN_A_SA_AUTH_NAME,	/* string */
	GVPN_A_SA_AUTH_KEY,	/* binary */
	GVPN_A_SA_AUTH_TRUNC_BITS, /* u32 */
	GVPN_A_SA_LIFETIME_SOFT_SECS,	/* u64 */
	GVPN_A_SA_LIFETIME_HARD_SECS,	/* u64 */
	GVPN_A_SA_LIFETIME_SOFT_BYTES,	/* u64 */
	GVPN_A_SA_LIFETIME_HARD_BYTES,	/* u64 */
	GVPN_A_SA_AGE_SECS,	/* u64, read-only: seconds since creation */
	GVPN_A_SA_STATS,	/* nest, enum gvpn_stats_attr (read-only) */
	GVPN_A_SA_PAD,
	GVPN_A_SA_KEY_BITS,	/* u32, read-only: cipher key length in bits */
	GVPN_A_SA_TBAR,		/* u8, 0 or 1: packets carry a timestamp */
	GVPN_A_SA_ACTIVATE_IN_MS, /* u32: not used to encrypt before */
	GVPN_A_SA_DEACTIVATE_IN_MS, /* u32: removed then; 0 = never */
	GVPN_A_SA_PASSIVE,	/* u8, 0 or 1 */
	GVPN_A_SA_ACTIVE,	/* u8, read-only: activated, not deactivated */
	GVPN_A_SA_SENDER_ID,	/* u32: this member's SID (RFC 6054) */
	GVPN_A_SA_SID_BITS,	/* u8, 1..16: SID length; with SENDER_ID */
	GVPN_A_SA_IV_COUNTER,	/* u64: first counter; replies: the next one */
	GVPN_A_SA_REPLAY_WINDOW, /* u32, 0..4096 packets, default 128 */
	GVPN_A_SA_SENDERS,	/* u32, read-only: senders with a window */

	__GVPN_A_SA_MAX,
	GVPN_A_SA_MAX = __GVPN_A_SA_MAX - 1
};

/* One sender's replay window of an SA (SENDER_GET replies). */
enum gvpn_sender_attr {
	GVPN_A_SENDER_UNSPEC,
	GVPN_A_SENDER_SID,	/* u32: the IV's top SID_BITS bits */
	GVPN_A_SENDER_TOP,	/* u64: highest IV counter accepted */
	GVPN_A_SENDER_RX_PACKETS, /* u64: packets the window accepted */
	GVPN_A_SENDER_REPLAY,	/* u64: dropped: seen or older than it */
	GVPN_A_SENDER_PAD,

	__GVPN_A_SENDER_MAX,
	GVPN_A_SENDER_MAX = __GVPN_A_SENDER_MAX - 1
};

/*
 * Counters (u64). Not every object carries every counter: groups and the
 * namespace carry all, policies MATCH_*, SAs the TX/RX and error counters.
 */
enum gvpn_stats_attr {
	GVPN_A_STATS_UNSPEC,
	GVPN_A_STATS_PAD,
	GVPN_A_STATS_TX_PACKETS,	/* encrypted and sent */
	GVPN_A_STATS_TX_BYTES,		/* inner bytes */
	GVPN_A_STATS_RX_PACKETS,	/* decrypted and accepted */
	GVPN_A_STATS_RX_BYTES,
	GVPN_A_STATS_BYPASS_PACKETS,	/* sent or accepted in clear by policy */
	GVPN_A_STATS_DROP_POLICY,	/* a drop policy matched */
	GVPN_A_STATS_DROP_NO_SA,	/* encrypt policy without a usable SA */
	GVPN_A_STATS_DROP_CLEARTEXT,	/* clear inbound packet that must be encrypted */
	GVPN_A_STATS_DROP_UNKNOWN_SPI,
	GVPN_A_STATS_DROP_AUTH,		/* ICV check failed */
	GVPN_A_STATS_DROP_MALFORMED,	/* truncated, bad padding or next header */
	GVPN_A_STATS_DROP_ADDR_MISMATCH, /* inner addresses differ from outer */
	GVPN_A_STATS_DROP_SELECTOR,	/* inner packet outside the SA's policy */
	GVPN_A_STATS_DROP_NOMEM,	/* no memory, engine full, route gone */
	GVPN_A_STATS_FRAG_NEEDED,	/* DF packet too big, sender told */
	GVPN_A_STATS_FRAGMENTED,	/* inner packets fragmented before encryption */
	GVPN_A_STATS_MATCH_PACKETS,	/* policy: packets that matched it */
	GVPN_A_STATS_MATCH_BYTES,
	GVPN_A_STATS_DROP_REPLAY,	/* timestamp outside the TBAR window */
	GVPN_A_STATS_REPLAY_OK,		/* passed the replay check */
	GVPN_A_STATS_TX_TIMESTAMPED,	/* sent with a timestamp */
	GVPN_A_STATS_DROP_NO_KEYS,	/* fail-open/fail-close drops */
	GVPN_A_STATS_CLEAR_NO_KEYS,	/* passed in clear for lack of keys */
	GVPN_A_STATS_CLEAR_PASSIVE,	/* passed in clear: passive, receive-only */
	GVPN_A_STATS_KEYS_UP,		/* transitions to having keys */
	GVPN_A_STATS_KEYS_DOWN,		/* transitions to having none */
	GVPN_A_STATS_CLEAR_IPV6,	/* IPv6 passed (in clear: IPv4 only) */
	GVPN_A_STATS_IV_EXHAUSTED,	/* not sent: the IV counter would wrap */
	GVPN_A_STATS_NO_SID,		/* not sent: counter mode without SID */
	GVPN_A_STATS_SENDER_REPLAY,	/* duplicate IV of a sender dropped */
	GVPN_A_STATS_SENDERS_OVERFLOW,	/* checked by TBAR only: table full */

	__GVPN_A_STATS_MAX,
	GVPN_A_STATS_MAX = __GVPN_A_STATS_MAX - 1
};

enum gvpn_event {
	GVPN_EVENT_SA_ADDED,
	GVPN_EVENT_SA_REMOVED,
	GVPN_EVENT_SA_SOFT_EXPIRED,
	GVPN_EVENT_SA_HARD_EXPIRED,
	GVPN_EVENT_UNKNOWN_SPI,
	GVPN_EVENT_AUTH_FAILED,
	GVPN_EVENT_REPLAY_FAILED,
	GVPN_EVENT_SA_ACTIVATED,
	GVPN_EVENT_SA_DEACTIVATED,
	GVPN_EVENT_KEYS_UP,
	GVPN_EVENT_KEYS_DOWN,
	GVPN_EVENT_SA_IV_EXHAUSTED,
};

#endif /* _UAPI_LINUX_GVPN_H */
