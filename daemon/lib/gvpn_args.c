// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * Command-line grammar of gvpn (see gvpn_args.h and gvpn(8)).
 */

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "gvpn_args.h"
#include "util.h"

struct args {
	int argc;
	char **argv;
	int i;
	const char *obj;	/* "policy": for the help hint */
	char *err;
	size_t errlen;
	char shown[48];
};

static int __attribute__((format(printf, 2, 3)))
fail(struct args *a, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(a->err, a->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* 16 digits hold any 64-bit number; the shortest key has 32. */
static bool looks_like_key(const char *s)
{
	return !strncmp(s, "0x", 2) && strlen(s) > 2 + 16;
}

/*
 * A word as error messages quote it: a long hex string is likely a key in
 * the wrong place, and keys are never printed.
 */
static const char *q(struct args *a, const char *s)
{
	if (!looks_like_key(s))
		return s;
	snprintf(a->shown, sizeof(a->shown), "0x... (%zu hex digits)",
		 strlen(s) - 2);
	return a->shown;
}

static bool more(const struct args *a)
{
	return a->i < a->argc;
}

static const char *next(struct args *a)
{
	return a->argv[a->i++];
}

static int unknown(struct args *a, const char *word)
{
	return fail(a, "unknown keyword \"%s\"; try \"gvpn %s help\"",
		    q(a, word), a->obj);
}

/* The value after keyword kw, or NULL (with the message) if there is none. */
static const char *value(struct args *a, const char *kw)
{
	if (!more(a)) {
		fail(a, "\"%s\" needs a value", kw);
		return NULL;
	}
	return next(a);
}

/* Fails when the keyword kw, which sets attribute bit, came before. */
static int once(struct args *a, uint64_t *present, unsigned int bit,
		const char *kw)
{
	if (*present & GVPN_BIT(bit))
		return fail(a, "\"%s\" is given twice", kw);
	*present |= GVPN_BIT(bit);
	return 0;
}

/* once() then value(): the value of a keyword that may appear once. */
static const char *once_value(struct args *a, uint64_t *present,
			      unsigned int bit, const char *kw)
{
	return once(a, present, bit, kw) ? NULL : value(a, kw);
}

static int parse_group_id(struct args *a, const char *s, uint16_t *id)
{
	uint32_t v;

	if (!s)
		return -1;
	if (parse_u32(s, 1, 65535, &v))
		return fail(a, "invalid group ID \"%s\": expected 1..65535",
			    q(a, s));
	*id = (uint16_t)v;
	return 0;
}

static int parse_policy_id(struct args *a, const char *s, uint32_t *id)
{
	if (!s)
		return -1;
	if (parse_u32(s, 1, UINT32_MAX, id))
		return fail(a, "invalid policy ID \"%s\": expected 1..4294967295",
			    q(a, s));
	return 0;
}

static int parse_spi(struct args *a, const char *s, uint32_t *spi)
{
	if (!s)
		return -1;
	/* 1..255 are reserved by IANA (RFC 4303 section 2.1) */
	if (parse_u32(s, 256, UINT32_MAX, spi))
		return fail(a, "invalid SPI \"%s\": expected 256..4294967295 (0x100..0xffffffff), decimal or 0x hex",
			    q(a, s));
	return 0;
}

static int parse_enum(struct args *a, const char *kw, const char *s,
		      int (*parse)(const char *), const char *expected,
		      uint8_t *out)
{
	int v;

	if (!s)
		return -1;
	v = parse(s);
	if (v < 0)
		return fail(a, "invalid %s \"%s\": expected %s", kw, q(a, s),
			    expected);
	*out = (uint8_t)v;
	return 0;
}

static int parse_seconds(struct args *a, const char *kw, const char *s,
			 uint64_t *out)
{
	if (!s)
		return -1;
	if (parse_u64(s, out))
		return fail(a, "invalid %s \"%s\": expected a number (0 = no limit)",
			    kw, q(a, s));
	return 0;
}

/*
 * Seconds with at most three decimals ("0.5", "100", "1000.125") into
 * milliseconds, at most max_ms: no sign, exponent or spaces, and nothing
 * finer than a millisecond, which would be silently lost.
 */
static int parse_ms(const char *s, uint64_t max_ms, uint64_t *out)
{
	uint64_t v = 0, d;
	int frac = -1;		/* digits after the point; -1: no point */
	const char *p;

	if (!isdigit((unsigned char)*s))
		return -1;
	for (p = s; *p; p++) {
		if (*p == '.' && frac < 0) {
			frac = 0;
			continue;
		}
		if (!isdigit((unsigned char)*p) || (frac >= 0 && ++frac > 3))
			return -1;
		d = (uint64_t)(*p - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	if (!frac)		/* "5." */
		return -1;
	for (frac = frac < 0 ? 0 : frac; frac < 3; frac++) {
		if (v > UINT64_MAX / 10)
			return -1;
		v *= 10;
	}
	if (v > max_ms)
		return -1;
	*out = v;
	return 0;
}

/* SECS of activate-in and deactivate-in: the kernel counts u32 ms. */
static int parse_delay(struct args *a, const char *kw, const char *s,
		       uint32_t *ms)
{
	uint64_t v;

	if (!s)
		return -1;
	if (parse_ms(s, UINT32_MAX, &v))
		return fail(a, "invalid %s \"%s\": expected seconds, 0..4294967.295 with at most 3 decimals",
			    kw, q(a, s));
	*ms = (uint32_t)v;
	return 0;
}

/* "on" or "off", the values of passive and receive-only. */
static int parse_on_off(struct args *a, const char *kw, const char *s,
			uint8_t *out)
{
	if (!s)
		return -1;
	if (strcmp(s, "on") && strcmp(s, "off"))
		return fail(a, "invalid %s \"%s\": expected on or off", kw,
			    q(a, s));
	*out = !strcmp(s, "on");
	return 0;
}

/* The ID that comes first in "gvpn group add ID ...". */
static int group_positional(struct args *a, struct gvpn_group *g)
{
	if (!more(a))
		return fail(a, "a group ID is required");
	if (parse_group_id(a, next(a), &g->id))
		return -1;
	g->present |= GVPN_BIT(GVPN_A_GROUP_ID);
	return 0;
}

/* "clock { pseudotime VALUE | wallclock }" after the keyword. */
static int group_clock(struct args *a, struct gvpn_group *g)
{
	const char *v;
	uint64_t ms;

	if (once(a, &g->present, GVPN_A_GROUP_CLOCK, "clock") ||
	    parse_enum(a, "clock", value(a, "clock"), gvpn_clock_parse,
		       "pseudotime or wallclock", &g->clock))
		return -1;
	if (g->clock != GVPN_CLOCK_PSEUDO)
		return 0;
	/* a keyword in its place means VALUE was forgotten */
	if (!more(a) || !isdigit((unsigned char)a->argv[a->i][0]))
		return fail(a, "\"clock pseudotime\" needs VALUE, the pseudotime in seconds");
	v = next(a);
	if (parse_ms(v, UINT64_MAX, &ms))
		return fail(a, "invalid pseudotime \"%s\": expected seconds with at most 3 decimals",
			    q(a, v));
	g->pseudotime_ms = ms;
	g->present |= GVPN_BIT(GVPN_A_GROUP_PSEUDOTIME_MS);
	return 0;
}

/*
 * gvpn.ko's fail-mode names, and gvpnd.conf's words for them: "clear" is
 * none (Cisco's fail-open sends in clear), "drop-encrypt" is open.
 */
static int fail_mode_parse(const char *s)
{
	if (!strcmp(s, "clear"))
		return GVPN_FAIL_NONE;
	if (!strcmp(s, "drop-encrypt"))
		return GVPN_FAIL_OPEN;
	return gvpn_fail_mode_parse(s);
}

/* "fail-mode { open | close | none } [ activate ]" after the keyword. */
static int group_fail_mode(struct args *a, struct gvpn_group *g)
{
	if (once(a, &g->present, GVPN_A_GROUP_FAIL_MODE, "fail-mode") ||
	    parse_enum(a, "fail-mode", value(a, "fail-mode"),
		       fail_mode_parse,
		       "none (or clear), open (or drop-encrypt) or close",
		       &g->fail_mode))
		return -1;
	if (!more(a) || strcmp(a->argv[a->i], "activate"))
		return 0;
	if (g->fail_mode != GVPN_FAIL_CLOSE)
		return fail(a, "\"activate\" must follow \"fail-mode close\"");
	a->i++;
	g->present |= GVPN_BIT(GVPN_A_GROUP_FAIL_ACTIVATE);
	return 0;
}

/* One setting of "group add" or "group set". */
static int group_word(struct args *a, const char *w, struct gvpn_group *g)
{
	uint64_t *pr = &g->present;
	const char *v;

	if (!strcmp(w, "df-bit")) {
		if (once(a, pr, GVPN_A_GROUP_DF_MODE, w))
			return -1;
		return parse_enum(a, w, value(a, w), gvpn_df_mode_parse,
				  "clear, set or copy", &g->df_mode);
	}
	if (!strcmp(w, "tbar-window")) {
		v = once_value(a, pr, GVPN_A_GROUP_TBAR_WINDOW, w);
		if (!v)
			return -1;
		if (parse_u32(v, 0, GVPN_TBAR_WINDOW_MAX, &g->tbar_window))
			return fail(a, "invalid tbar-window \"%s\": expected 0..3600 seconds (0 = no check)",
				    q(a, v));
		return 0;
	}
	if (!strcmp(w, "clock"))
		return group_clock(a, g);
	if (!strcmp(w, "tick")) {
		v = once_value(a, pr, GVPN_A_GROUP_TICK_MS, w);
		if (!v)
			return -1;
		if (parse_u32(v, 1, GVPN_TICK_MS_MAX, &g->tick_ms))
			return fail(a, "invalid tick \"%s\": expected 1..60000 milliseconds",
				    q(a, v));
		return 0;
	}
	if (!strcmp(w, "fail-mode"))
		return group_fail_mode(a, g);
	if (!strcmp(w, "activate"))
		return fail(a, "\"activate\" must follow \"fail-mode close\"");
	if (!strcmp(w, "passive")) {
		if (once(a, pr, GVPN_A_GROUP_PASSIVE, w))
			return -1;
		return parse_on_off(a, w, value(a, w), &g->passive);
	}
	if (!strcmp(w, "receive-only")) {
		if (once(a, pr, GVPN_A_GROUP_RECV_ONLY, w))
			return -1;
		return parse_on_off(a, w, value(a, w), &g->recv_only);
	}
	if (!strcmp(w, "legacy-iv")) {
		uint8_t on;

		if (once(a, pr, GVPN_A_GROUP_LEGACY_IV, w) ||
		    parse_on_off(a, w, value(a, w), &on))
			return -1;
		g->legacy_iv = on;
		return 0;
	}
	return unknown(a, w);
}

int gvpn_args_group(enum gvpn_op op, int argc, char **argv,
		    struct gvpn_group *g, char *err, size_t errlen)
{
	struct args a = { .argc = argc, .argv = argv, .obj = "group",
			  .err = err, .errlen = errlen };
	const char *w;

	memset(g, 0, sizeof(*g));
	if (op == GVPN_OP_SHOW && !argc)
		return 0;
	if (op == GVPN_OP_FLUSH)
		return fail(&a, "groups are removed one by one: \"gvpn group del ID\"");
	if (group_positional(&a, g))
		return -1;
	while (more(&a)) {
		w = next(&a);
		if (op != GVPN_OP_ADD && op != GVPN_OP_SET)
			return unknown(&a, w);
		if (group_word(&a, w, g))
			return -1;
	}
	if (op == GVPN_OP_SET && g->present == GVPN_BIT(GVPN_A_GROUP_ID))
		return fail(&a, "nothing to set: give df-bit, tbar-window, clock, tick, fail-mode, passive, receive-only or legacy-iv");
	return 0;
}

/* What the kernel's dev_valid_name() accepts. */
static bool valid_ifname(const char *s)
{
	size_t n = strlen(s);

	if (!n || n >= IF_NAMESIZE || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (; *s; s++)
		if (*s == '/' || *s == ':' || isspace((unsigned char)*s))
			return false;
	return true;
}

int gvpn_args_dev(enum gvpn_op op, int argc, char **argv,
		  struct gvpn_dev_args *d, char *err, size_t errlen)
{
	struct args a = { .argc = argc, .argv = argv, .obj = "dev",
			  .err = err, .errlen = errlen };
	bool has_group = false;
	const char *w;

	memset(d, 0, sizeof(*d));
	if (op != GVPN_OP_ADD && op != GVPN_OP_DEL)
		return fail(&a, "devices are shown by \"gvpn group show\"");
	if (!more(&a))
		return fail(&a, "a device name is required");
	w = next(&a);
	if (!valid_ifname(w))
		return fail(&a, "invalid device name \"%s\"", q(&a, w));
	snprintf(d->ifname, sizeof(d->ifname), "%s", w);
	while (more(&a)) {
		w = next(&a);
		if (!strcmp(w, "group")) {
			if (has_group)
				return fail(&a, "\"group\" is given twice");
			has_group = true;
			if (parse_group_id(&a, value(&a, w), &d->group_id))
				return -1;
		} else {
			return unknown(&a, w);
		}
	}
	if (!has_group)
		return fail(&a, "\"group\" is required");
	return 0;
}

static int policy_word(struct args *a, enum gvpn_op op, const char *w,
		       struct gvpn_policy *p)
{
	uint64_t *pr = &p->present;
	bool add = op == GVPN_OP_ADD;
	const char *v;

	if (!strcmp(w, "group")) {
		if (once(a, pr, GVPN_A_POLICY_GROUP_ID, w))
			return -1;
		return parse_group_id(a, value(a, w), &p->group_id);
	}
	if (!strcmp(w, "id") && op != GVPN_OP_FLUSH) {
		if (once(a, pr, GVPN_A_POLICY_ID, w))
			return -1;
		return parse_policy_id(a, value(a, w), &p->id);
	}
	if (!add)
		return unknown(a, w);

	if (!strcmp(w, "prio")) {
		v = once_value(a, pr, GVPN_A_POLICY_PRIO, w);
		if (!v)
			return -1;
		if (parse_u32(v, 0, UINT32_MAX, &p->prio))
			return fail(a, "invalid prio \"%s\": expected 0..4294967295",
				    q(a, v));
	} else if (!strcmp(w, "src") || !strcmp(w, "dst")) {
		bool src = w[0] == 's';

		v = once_value(a, pr, src ? GVPN_A_POLICY_SRC :
			       GVPN_A_POLICY_DST, w);
		if (!v)
			return -1;
		if (parse_prefix4(v, src ? &p->src : &p->dst,
				  src ? &p->src_plen : &p->dst_plen))
			return fail(a, "invalid %s prefix \"%s\": expected A.B.C.D[/LEN] without host bits",
				    w, q(a, v));
		*pr |= GVPN_BIT(src ? GVPN_A_POLICY_SRC_PLEN :
				GVPN_A_POLICY_DST_PLEN);
	} else if (!strcmp(w, "proto")) {
		v = once_value(a, pr, GVPN_A_POLICY_PROTO, w);
		if (!v)
			return -1;
		if (parse_ipproto(v, &p->proto))
			return fail(a, "invalid proto \"%s\": expected a protocol name (tcp, udp, icmp, ...) or 0..255",
				    q(a, v));
	} else if (!strcmp(w, "sport") || !strcmp(w, "dport")) {
		bool sport = w[0] == 's';

		v = once_value(a, pr, sport ? GVPN_A_POLICY_SPORT_MIN :
			       GVPN_A_POLICY_DPORT_MIN, w);
		if (!v)
			return -1;
		if (parse_port_range(v, sport ? &p->sport_min : &p->dport_min,
				     sport ? &p->sport_max : &p->dport_max))
			return fail(a, "invalid %s \"%s\": expected PORT or PORT-PORT (0..65535, low first)",
				    w, q(a, v));
		*pr |= GVPN_BIT(sport ? GVPN_A_POLICY_SPORT_MAX :
				GVPN_A_POLICY_DPORT_MAX);
	} else if (!strcmp(w, "action")) {
		if (once(a, pr, GVPN_A_POLICY_ACTION, w))
			return -1;
		return parse_enum(a, w, value(a, w), gvpn_action_parse,
				  "encrypt, bypass or drop", &p->action);
	} else if (!strcmp(w, "origin")) {
		if (once(a, pr, GVPN_A_POLICY_ORIGIN, w))
			return -1;
		return parse_enum(a, w, value(a, w), gvpn_origin_parse,
				  "ks, local or fail", &p->origin);
	} else {
		return unknown(a, w);
	}
	return 0;
}

int gvpn_args_policy(enum gvpn_op op, int argc, char **argv,
		     struct gvpn_policy *p, char *err, size_t errlen)
{
	struct args a = { .argc = argc, .argv = argv, .obj = "policy",
			  .err = err, .errlen = errlen };
	uint64_t need = 0;

	memset(p, 0, sizeof(*p));
	if (op == GVPN_OP_SET)
		return fail(&a, "policies are replaced by \"del\" and \"add\"");
	while (more(&a))
		if (policy_word(&a, op, next(&a), p))
			return -1;

	if (op == GVPN_OP_ADD)
		need = GVPN_BIT(GVPN_A_POLICY_GROUP_ID) |
		       GVPN_BIT(GVPN_A_POLICY_ID) |
		       GVPN_BIT(GVPN_A_POLICY_ACTION);
	else if (op == GVPN_OP_DEL)
		need = GVPN_BIT(GVPN_A_POLICY_GROUP_ID) |
		       GVPN_BIT(GVPN_A_POLICY_ID);
	if ((need & ~p->present) & GVPN_BIT(GVPN_A_POLICY_GROUP_ID))
		return fail(&a, "\"group\" is required");
	if ((need & ~p->present) & GVPN_BIT(GVPN_A_POLICY_ID))
		return fail(&a, "\"id\" is required");
	if ((need & ~p->present) & GVPN_BIT(GVPN_A_POLICY_ACTION))
		return fail(&a, "\"action\" is required");
	/* a policy is known by (group, id) */
	if ((p->present & GVPN_BIT(GVPN_A_POLICY_ID)) &&
	    !(p->present & GVPN_BIT(GVPN_A_POLICY_GROUP_ID)))
		return fail(&a, "\"id\" needs \"group\"");
	return 0;
}

/* NAME of an algorithm: what the kernel crypto API could call it. */
static int alg_name(struct args *a, const char *kw, char *s, char *out)
{
	size_t n;

	if (!s)
		return fail(a, "\"%s\" needs NAME and KEYMAT", kw);
	n = strlen(s);
	/* "aead 0x..." forgot the name: that word is a key */
	if (!strncmp(s, "0x", 2)) {
		explicit_bzero(s, n);
		return fail(a, "\"%s\" needs an algorithm NAME before KEYMAT", kw);
	}
	if (!n || n >= GVPN_ALG_NAME_MAX)
		return fail(a, "invalid %s algorithm name \"%s\": expected a name like %s",
			    kw, s, !strcmp(kw, "aead") ? "rfc4106(gcm(aes))" :
			    !strcmp(kw, "enc") ? "cbc(aes)" : "hmac(sha256)");
	memcpy(out, s, n + 1);
	return 0;
}

/* KEYMAT: 0x-hex like ip xfrm. The word is wiped once read. */
static int keymat(struct args *a, const char *kw, char *s, uint8_t *key,
		  size_t *len)
{
	int ret;

	if (!s)
		return fail(a, "\"%s\" needs KEYMAT after NAME", kw);
	*len = GVPN_KEY_MAX;
	ret = parse_hex(s, key, len);
	explicit_bzero(s, strlen(s));
	if (ret)
		return fail(a, "invalid %s key: expected 0x followed by pairs of hex digits, at most %d bytes",
			    kw, GVPN_KEY_MAX);
	return 0;
}

static int bits(struct args *a, const char *what, const char *s,
		uint32_t *out)
{
	if (!s)
		return -1;
	if (parse_u32(s, 1, UINT32_MAX, out))
		return fail(a, "invalid %s \"%s\": expected a number of bits",
			    what, q(a, s));
	return 0;
}

/* The next word, or NULL at the end; writable, for wiping keys. */
static char *take(struct args *a)
{
	return more(a) ? a->argv[a->i++] : NULL;
}

/* sender-id N, sid-bits B, iv-counter C, replay-window W (RFC 6054). */
static int sa_sid_word(struct args *a, const char *w, struct gvpn_sa *sa)
{
	uint64_t *pr = &sa->present;
	uint32_t v32;
	const char *v;

	if (!strcmp(w, "sender-id")) {
		v = once_value(a, pr, GVPN_A_SA_SENDER_ID, w);
		if (!v)
			return -1;
		if (parse_u32(v, 0, 65535, &sa->sender_id))
			return fail(a, "invalid sender-id \"%s\": expected 0..65535",
				    q(a, v));
		sa->has_sid = true;
		return 0;
	}
	if (!strcmp(w, "sid-bits")) {
		v = once_value(a, pr, GVPN_A_SA_SID_BITS, w);
		if (!v)
			return -1;
		if (parse_u32(v, 1, GVPN_SID_BITS_MAX, &v32))
			return fail(a, "invalid sid-bits \"%s\": expected 1..16",
				    q(a, v));
		sa->sid_bits = (uint8_t)v32;
		return 0;
	}
	if (!strcmp(w, "iv-counter")) {
		v = once_value(a, pr, GVPN_A_SA_IV_COUNTER, w);
		if (!v)
			return -1;
		if (parse_u64(v, &sa->iv_counter))
			return fail(a, "invalid iv-counter \"%s\": expected a number",
				    q(a, v));
		return 0;
	}
	v = once_value(a, pr, GVPN_A_SA_REPLAY_WINDOW, w);
	if (!v)
		return -1;
	if (parse_u32(v, 0, GVPN_REPLAY_WINDOW_MAX, &sa->replay_window))
		return fail(a, "invalid replay-window \"%s\": expected 0..4096 packets (0 = off)",
			    q(a, v));
	return 0;
}

/* The sender ID words of "sa add" together. */
static int sa_sid_check(struct args *a, const struct gvpn_sa *sa)
{
	uint64_t pr = sa->present;
	bool sid = pr & GVPN_BIT(GVPN_A_SA_SENDER_ID);

	if (sid && !(pr & GVPN_BIT(GVPN_A_SA_SID_BITS)))
		return fail(a, "\"sender-id\" needs \"sid-bits\"");
	if (!sid && (pr & GVPN_BIT(GVPN_A_SA_SID_BITS)))
		return fail(a, "\"sid-bits\" needs \"sender-id\"");
	if (!sid && (pr & GVPN_BIT(GVPN_A_SA_IV_COUNTER)))
		return fail(a, "\"iv-counter\" needs \"sender-id\"");
	if (!sid)
		return 0;
	if (sa->sender_id >> sa->sid_bits)
		return fail(a, "sender-id %u does not fit in %u sid-bits",
			    sa->sender_id, sa->sid_bits);
	if (sa->iv_counter >> (64 - sa->sid_bits))
		return fail(a, "iv-counter does not fit in 64 - %u bits",
			    sa->sid_bits);
	return 0;
}

static int sa_word(struct args *a, enum gvpn_op op, const char *w,
		   struct gvpn_sa *sa)
{
	uint64_t *pr = &sa->present;
	char *v;

	if (!strcmp(w, "group")) {
		if (once(a, pr, GVPN_A_SA_GROUP_ID, w))
			return -1;
		return parse_group_id(a, value(a, w), &sa->group_id);
	}
	if (!strcmp(w, "spi") && op != GVPN_OP_FLUSH) {
		if (once(a, pr, GVPN_A_SA_SPI, w))
			return -1;
		return parse_spi(a, value(a, w), &sa->spi);
	}
	/* what "add" sets and "set" may change */
	if ((op == GVPN_OP_ADD || op == GVPN_OP_SET) && !strcmp(w, "dir")) {
		if (once(a, pr, GVPN_A_SA_DIR, w))
			return -1;
		return parse_enum(a, w, value(a, w), gvpn_sa_dir_parse,
				  "both or in", &sa->dir);
	}
	if ((op == GVPN_OP_ADD || op == GVPN_OP_SET) &&
	    !strcmp(w, "deactivate-in")) {
		if (once(a, pr, GVPN_A_SA_DEACTIVATE_IN_MS, w))
			return -1;
		return parse_delay(a, w, value(a, w), &sa->deactivate_in_ms);
	}
	if (!strcmp(w, "passive")) {
		if (op == GVPN_OP_SET) {
			if (once(a, pr, GVPN_A_SA_PASSIVE, w))
				return -1;
			return parse_on_off(a, w, value(a, w), &sa->passive);
		}
		/* a flag when the SA is added */
		if (op == GVPN_OP_ADD) {
			sa->passive = 1;
			return once(a, pr, GVPN_A_SA_PASSIVE, w);
		}
	}
	if (op != GVPN_OP_ADD)
		return unknown(a, w);

	if (!strcmp(w, "policy")) {
		if (once(a, pr, GVPN_A_SA_POLICY_ID, w))
			return -1;
		return parse_policy_id(a, value(a, w), &sa->policy_id);
	}
	if (!strcmp(w, "tbar")) {
		sa->tbar = 1;
		return once(a, pr, GVPN_A_SA_TBAR, w);
	}
	if (!strcmp(w, "activate-in")) {
		if (once(a, pr, GVPN_A_SA_ACTIVATE_IN_MS, w))
			return -1;
		return parse_delay(a, w, value(a, w), &sa->activate_in_ms);
	}
	if (!strcmp(w, "aead")) {
		if (once(a, pr, GVPN_A_SA_AEAD_NAME, w) ||
		    alg_name(a, w, take(a), sa->aead_name))
			return -1;
		v = take(a);
		if (keymat(a, w, v, sa->aead_key, &sa->aead_key_len))
			return -1;
		v = take(a);
		if (!v)
			return fail(a, "\"aead\" needs ICV-BITS after KEYMAT");
		if (bits(a, "ICV length", v, &sa->icv_bits))
			return -1;
		*pr |= GVPN_BIT(GVPN_A_SA_AEAD_KEY) |
		       GVPN_BIT(GVPN_A_SA_AEAD_ICV_BITS);
		return 0;
	}
	if (!strcmp(w, "enc")) {
		if (once(a, pr, GVPN_A_SA_ENC_NAME, w) ||
		    alg_name(a, w, take(a), sa->enc_name))
			return -1;
		v = take(a);
		if (keymat(a, w, v, sa->enc_key, &sa->enc_key_len))
			return -1;
		*pr |= GVPN_BIT(GVPN_A_SA_ENC_KEY);
		return 0;
	}
	if (!strcmp(w, "auth-trunc")) {
		if (once(a, pr, GVPN_A_SA_AUTH_NAME, w) ||
		    alg_name(a, w, take(a), sa->auth_name))
			return -1;
		v = take(a);
		if (keymat(a, w, v, sa->auth_key, &sa->auth_key_len))
			return -1;
		v = take(a);
		if (!v)
			return fail(a, "\"auth-trunc\" needs TRUNC-BITS after KEYMAT");
		if (bits(a, "truncation length", v, &sa->trunc_bits))
			return -1;
		*pr |= GVPN_BIT(GVPN_A_SA_AUTH_KEY) |
		       GVPN_BIT(GVPN_A_SA_AUTH_TRUNC_BITS);
		return 0;
	}
	if (!strcmp(w, "sender-id") || !strcmp(w, "sid-bits") ||
	    !strcmp(w, "iv-counter") || !strcmp(w, "replay-window"))
		return sa_sid_word(a, w, sa);
	if (!strcmp(w, "lifetime-soft")) {
		if (once(a, pr, GVPN_A_SA_LIFETIME_SOFT_SECS, w))
			return -1;
		return parse_seconds(a, w, value(a, w),
				     &sa->lifetime_soft_secs);
	}
	if (!strcmp(w, "lifetime-hard")) {
		if (once(a, pr, GVPN_A_SA_LIFETIME_HARD_SECS, w))
			return -1;
		return parse_seconds(a, w, value(a, w),
				     &sa->lifetime_hard_secs);
	}
	if (!strcmp(w, "lifetime-soft-bytes")) {
		if (once(a, pr, GVPN_A_SA_LIFETIME_SOFT_BYTES, w))
			return -1;
		return parse_seconds(a, w, value(a, w),
				     &sa->lifetime_soft_bytes);
	}
	if (!strcmp(w, "lifetime-hard-bytes")) {
		if (once(a, pr, GVPN_A_SA_LIFETIME_HARD_BYTES, w))
			return -1;
		return parse_seconds(a, w, value(a, w),
				     &sa->lifetime_hard_bytes);
	}
	return unknown(a, w);
}

static int sa_check(struct args *a, enum gvpn_op op, const struct gvpn_sa *sa)
{
	uint64_t pr = sa->present;
	bool aead = pr & GVPN_BIT(GVPN_A_SA_AEAD_NAME);
	bool enc = pr & GVPN_BIT(GVPN_A_SA_ENC_NAME);
	bool auth = pr & GVPN_BIT(GVPN_A_SA_AUTH_NAME);

	bool one = op == GVPN_OP_ADD || op == GVPN_OP_DEL || op == GVPN_OP_SET;

	if (one && !(pr & GVPN_BIT(GVPN_A_SA_GROUP_ID)))
		return fail(a, "\"group\" is required");
	if (op == GVPN_OP_ADD && !(pr & GVPN_BIT(GVPN_A_SA_POLICY_ID)))
		return fail(a, "\"policy\" is required");
	if (one && !(pr & GVPN_BIT(GVPN_A_SA_SPI)))
		return fail(a, "\"spi\" is required");
	if ((pr & GVPN_BIT(GVPN_A_SA_SPI)) && !(pr & GVPN_BIT(GVPN_A_SA_GROUP_ID)))
		return fail(a, "\"spi\" needs \"group\"");
	if (op == GVPN_OP_SET &&
	    !(pr & (GVPN_BIT(GVPN_A_SA_DEACTIVATE_IN_MS) |
		    GVPN_BIT(GVPN_A_SA_DIR) | GVPN_BIT(GVPN_A_SA_PASSIVE))))
		return fail(a, "nothing to set: give deactivate-in, dir or passive");
	if (op != GVPN_OP_ADD)
		return 0;
	/* 0 is "never"; otherwise the SA must be usable for a while */
	if (sa->deactivate_in_ms && sa->deactivate_in_ms <= sa->activate_in_ms)
		return fail(a, "\"deactivate-in\" must be later than \"activate-in\"");
	if (aead && (enc || auth))
		return fail(a, "\"aead\" excludes \"enc\" and \"auth-trunc\"");
	if (enc && !auth)
		return fail(a, "\"enc\" needs \"auth-trunc\": ESP without integrity is not supported");
	if (auth && !enc)
		return fail(a, "\"auth-trunc\" needs \"enc\": ESP without encryption is not supported");
	if (!aead && !enc)
		return fail(a, "an algorithm is required: \"aead NAME KEYMAT ICV-BITS\" or \"enc NAME KEYMAT auth-trunc NAME KEYMAT TRUNC-BITS\"");
	return sa_sid_check(a, sa);
}

int gvpn_args_sa(enum gvpn_op op, int argc, char **argv, struct gvpn_sa *sa,
		 char *err, size_t errlen)
{
	struct args a = { .argc = argc, .argv = argv, .obj = "sa",
			  .err = err, .errlen = errlen };
	int ret = 0;

	memset(sa, 0, sizeof(*sa));
	while (!ret && more(&a))
		ret = sa_word(&a, op, next(&a), sa);
	if (!ret)
		ret = sa_check(&a, op, sa);
	if (ret) {
		/* keys in words not reached, or in the wrong place, too */
		for (a.i = 0; a.i < argc; a.i++)
			if (looks_like_key(argv[a.i]))
				explicit_bzero(argv[a.i], strlen(argv[a.i]));
		gvpn_sa_wipe(sa);
	}
	return ret;
}
