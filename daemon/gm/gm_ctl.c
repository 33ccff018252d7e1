// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * The member's control commands: "gm show [group ID] [detail]" (detail:
 * gm_detail.c), "gm register group ID", "clear group ID". Printed through json.c, so text and JSON come from
 * the same lines. Keys are never printed.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "gm.h"
#include "json.h"
#include "main/ctl.h"
#include "util.h"

static int group_arg(struct gm_ctx *gm, int argc, char **argv, int i,
		     struct gm_group **grp, char *err, size_t len)
{
	uint32_t id;

	if (argc != i + 1 || parse_u32(argv[i], 1, 65535, &id)) {
		snprintf(err, len, "expected a group ID (1..65535)");
		return -2;
	}
	*grp = gm_group_find(gm, (uint16_t)id);
	if (!*grp) {
		snprintf(err, len, "group %u is not a member group of this gvpnd",
			 id);
		return -1;
	}
	return 0;
}

/*
 * The time from now to at_ms (or from at_ms to now): in text seconds with
 * milliseconds ("12.345"), in JSON an integer under key, which ends in _ms.
 */
static void print_secs(const char *key, const char *label, uint64_t at_ms,
		       uint64_t now)
{
	uint64_t ms = at_ms > now ? at_ms - now : 0;
	char b[GVPN_MS_STR_LEN];

	print_uint(PRINT_JSON, key, NULL, ms);
	print_string(PRINT_FP, NULL, label, gvpn_ms_str(ms, b, sizeof(b)));
}

static const char *kek_alg_str(const struct gm_kek *k, char *b, size_t len)
{
	/* the names of gvpnd.conf and "ks show": aes128..aes256, 3des */
	if (k->alg == GDOI_KEK_ALG_AES)
		snprintf(b, len, "aes%u",
			 k->key_bits ? k->key_bits : (unsigned)k->key_len * 8);
	else if (k->alg == GDOI_KEK_ALG_3DES)
		snprintf(b, len, "3des");
	else
		snprintf(b, len, "%u", k->alg);
	return b;
}

/* The push side (issue 9): transport, last rekey, counters, heartbeats */
static void print_push(const struct gm_group *grp, uint64_t now)
{
	static const char *const rej_keys[GM_PUSH_REJ_MAX] = {
		"rekey_failure", "seq_failure", "rejecting_sa_payload",
		"pseudo_time_too_old", "install_failed",
	};
	const struct gm_push_state *ps = &grp->push;
	char a[INET_ADDRSTRLEN];
	unsigned long rej = 0;
	unsigned i;

	print_indent(4);
	print_string(PRINT_ANY, "transport", "rekey-transport",
		     gm_push_transport_name(ps->transport));
	if (ps->last_rekey_ms) {
		print_secs("last_rekey_ago_ms", "last-rekey-ago", now,
			   ps->last_rekey_ms);
		print_uint(PRINT_ANY, "last_rekey_seq", "last-rekey-seq",
			   ps->last_rekey_seq);
		print_string(PRINT_ANY, "last_rekey_transport",
			     "last-rekey-transport",
			     ps->last_rekey_mcast ? "multicast" : "unicast");
	} else {
		print_null(PRINT_ANY, "last_rekey_ago_ms", "last-rekey-ago");
		print_null(PRINT_JSON, "last_rekey_seq", NULL);
		print_null(PRINT_JSON, "last_rekey_transport", NULL);
	}
	if (ps->mc_fd >= 0)
		print_string(PRINT_ANY, "multicast_group", "multicast-group",
			     inet_ntop(AF_INET, &ps->mc_addr, a, sizeof(a)));
	if (grp->kek.present && grp->kek.push_interval_s)
		print_uint(PRINT_ANY, "push_interval", "push-interval",
			   grp->kek.push_interval_s);
	if (ps->hb_deadline_ms)
		print_secs("heartbeat_deadline_in_ms", "heartbeat-deadline-in",
			   ps->hb_deadline_ms, now);
	else
		print_null(PRINT_ANY, "heartbeat_deadline_in_ms",
			   "heartbeat-deadline-in");
	print_nl();
	print_indent(4);
	open_json_object("counters");
	print_uint(PRINT_ANY, "rekeys_received", "rekeys-received", ps->rx);
	print_uint(PRINT_ANY, "rekeys_installed", "installed",
		   ps->installed);
	print_uint(PRINT_ANY, "acks_sent", "acks-sent", ps->acks);
	print_uint(PRINT_ANY, "heartbeats", "heartbeats", ps->heartbeats);
	print_uint(PRINT_ANY, "duplicates", "duplicates", ps->duplicates);
	print_uint(PRINT_ANY, "heartbeat_losses", "heartbeat-losses",
		   ps->hb_losses);
	for (i = 0; i < GM_PUSH_REJ_MAX; i++)
		rej += ps->rejected[i];
	print_uint(PRINT_ANY, "rejected", "rejected", rej);
	open_json_object("rejected_by");
	for (i = 0; i < GM_PUSH_REJ_MAX; i++)
		if (ps->rejected[i] || is_json())
			print_uint(PRINT_ANY, rej_keys[i],
				   gm_push_reject_name((enum gm_push_reject)i),
				   ps->rejected[i]);
	close_json_object();
	close_json_object();
	print_nl();
}

static void print_group(const struct gm_group *grp, bool detail)
{
	const struct gm_group_conf *c = grp->c;
	uint64_t now = ev_now_ms();
	char a[INET_ADDRSTRLEN], ts[TEK_TRANSFORM_STR_LEN];
	char spi[2 * GDOI_KEK_SPI_LEN + 1], alg[24];
	unsigned i;

	open_json_object(NULL);
	print_schema_version();
	print_uint(PRINT_ANY, "id", "group", c->id);
	print_string(PRINT_ANY, "name", "name", c->name);
	print_string(PRINT_ANY, "state", "state", gm_state_name(grp->state));
	if (grp->state == GM_PHASE1 || grp->state == GM_PULL ||
	    !grp->registered_once) {
		const struct ike_peer *pc = c->servers[grp->fo.server];

		print_string(PRINT_ANY, "trying", "trying",
			     inet_ntop(AF_INET, &pc->addr, a, sizeof(a)));
	}
	print_uint(PRINT_ANY, "registrations", "registrations",
		   grp->registrations);
	print_uint(PRINT_ANY, "failures", "failures", grp->failures);
	print_nl();
	print_indent(4);
	if (grp->cur_server >= 0) {
		const struct ike_peer *pc = c->servers[grp->cur_server];

		print_string(PRINT_ANY, "ks", "ks",
			     inet_ntop(AF_INET, &pc->addr, a, sizeof(a)));
		print_string(PRINT_ANY, "ks_peer", "peer", pc->name);
		print_string(PRINT_ANY, "local", "local",
			     inet_ntop(AF_INET, &grp->local, a, sizeof(a)));
		print_secs("registered_ago_ms", "registered-ago", now,
			   grp->registered_ms);
	} else {
		print_null(PRINT_ANY, "ks", "ks");
	}
	if (grp->rereg_ms)
		print_secs("reregister_in_ms", "re-register-in", grp->rereg_ms,
			   now);
	else
		print_null(PRINT_ANY, "reregister_in_ms", "re-register-in");
	if (grp->kek.present) {
		print_string(PRINT_ANY, "kek_spi", "kek-spi",
			     log_hex(spi, grp->kek.spi, GDOI_KEK_SPI_LEN));
		print_string(PRINT_ANY, "kek_alg", "kek-alg",
			     kek_alg_str(&grp->kek, alg, sizeof(alg)));
		if (grp->kek.expires_ms)
			print_secs("kek_expires_in_ms", "kek-expires-in",
				   grp->kek.expires_ms, now);
	} else {
		print_null(PRINT_ANY, "kek_spi", "kek-spi");
	}
	if (grp->has_seq)
		print_uint(PRINT_ANY, "seq", "seq", grp->seq);
	if (grp->has_sid) {
		print_uint(PRINT_ANY, "sender_id", "sid", grp->sid);
		print_uint(PRINT_ANY, "sender_id_bits", "sid-bits",
			   grp->sid_bits);
	} else {
		print_null(PRINT_JSON, "sender_id", NULL);
	}
	print_bool(PRINT_JSON, "legacy_iv", NULL, grp->c->legacy_iv);
	if (grp->last_error[0])
		print_string(PRINT_ANY, "last_error", "last-error",
			     grp->last_error);
	print_nl();
	if (detail)
		gm_print_detail(grp);
	print_push(grp, now);
	open_json_array("teks");
	for (i = 0; i < grp->nsa; i++) {
		const struct gm_ksa *s = &grp->sas[i];

		if ((s->expires_ms && s->expires_ms <= now) ||
		    (s->gone_ms && s->gone_ms <= now))
			continue;
		open_json_object(NULL);
		print_indent(4);
		print_hex(PRINT_ANY, "spi", "tek spi", s->spi);
		print_uint(PRINT_ANY, "policy", "policy", s->policy_id);
		print_string(PRINT_ANY, "transform", "transform",
			     tek_transform_str(&s->t, ts, sizeof(ts)));
		if (s->expires_ms)
			print_secs("expires_in_ms", "expires-in", s->expires_ms,
				   now);
		if (s->gone_ms)
			print_secs("deactivate_in_ms", "deactivate-in",
				   s->gone_ms, now);
		if (s->recv_only)
			print_bool(PRINT_ANY, "receive_only", "receive-only",
				   true);
		print_nl();
		close_json_object();
	}
	close_json_array();
	close_json_object();
}

static int cmd_show(void *arg, int argc, char **argv, char *err, size_t len)
{
	struct gm_ctx *gm = arg;
	struct gm_group *grp = NULL;
	bool detail = false;
	int ret;

	/* gm show [ group ID ] [ detail ] */
	if (argc > 2 && !strcmp(argv[argc - 1], "detail")) {
		detail = true;
		argc--;
	}
	if (argc > 2) {
		if (strcmp(argv[2], "group")) {
			snprintf(err, len, "usage: gm show [ group ID ] [ detail ]");
			return -2;
		}
		ret = group_arg(gm, argc, argv, 3, &grp, err, len);
		if (ret)
			return ret;
	}
	open_json_array(NULL);
	for (unsigned i = 0; i < gm->ngroups; i++)
		if (!grp || grp == gm->groups[i])
			print_group(gm->groups[i], detail);
	close_json_array();
	return 0;
}

static int cmd_register(void *arg, int argc, char **argv, char *err,
			size_t len)
{
	struct gm_group *grp;
	int ret;

	if (argc < 3 || strcmp(argv[2], "group")) {
		snprintf(err, len, "usage: gm register group ID");
		return -2;
	}
	ret = group_arg(arg, argc, argv, 3, &grp, err, len);
	if (ret)
		return ret;
	return gm_register_now(grp, false, err, len) ? -1 : 0;
}

static int cmd_clear(void *arg, int argc, char **argv, char *err, size_t len)
{
	struct gm_group *grp;
	int ret;

	/* "clear group ID"; "clear group group ID" from older clients */
	ret = group_arg(arg, argc, argv,
			argc == 4 && !strcmp(argv[2], "group") ? 3 : 2, &grp,
			err, len);
	if (ret)
		return ret;
	return gm_register_now(grp, true, err, len) ? -1 : 0;
}

void gm_ctl_register(struct gm_ctx *gm)
{
	if (ctl_register("gm", "show", cmd_show, gm) ||
	    ctl_register("gm", "register", cmd_register, gm) ||
	    ctl_register("clear", "group", cmd_clear, gm))
		log_err("group member: control commands: %s",
			strerror(errno));
}
