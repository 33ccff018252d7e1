// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * gvpnd.conf: the group member section.
 *
 *   member = { groups = ( { name = "g1"; id = 1234; servers = [ "ks1" ];
 *                           interfaces = [ "eth0" ]; ... } ); };
 *
 * Servers name entries of `peers` (Phase 1 settings and credentials).
 */

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <linux/gvpn.h>

#include "conf_int.h"
#include "gm/gm_conf.h"
#include "gvpn_nl.h"
#include "util.h"

static const char *const member_keys[] = { "groups", NULL };
static const char *const group_keys[] = {
	"name", "id", "identity", "address", "servers", "interfaces",
	"register-retries", "register-interval", "df-bit", "deny", "scope",
	"transforms", "fail-mode", "fail-close-activate", "fail-open",
	"passive", "heartbeat-threshold", "legacy-iv", NULL,
};
static const char *const sel_keys[] = {
	"protocol", "source", "destination", "source-port",
	"destination-port", NULL,
};

static bool port_proto(uint8_t p)
{
	return p == IPPROTO_TCP || p == IPPROTO_UDP || p == IPPROTO_SCTP;
}

static void parse_prefix(struct cctx *c, const config_setting_t *g,
			 const char *name, struct in_addr *a, uint8_t *plen)
{
	const char *s = cf_str(c, g, name, false);

	a->s_addr = 0;
	*plen = 0;
	if (!s || !strcmp(s, "any"))
		return;
	if (parse_prefix4(s, a, plen))
		cf_err(c, config_setting_get_member(g, name),
		       "'%s' = \"%s\": expected \"any\" or an IPv4 prefix A.B.C.D[/LEN] without host bits",
		       name, s);
}

static void parse_ports(struct cctx *c, const config_setting_t *g,
			const char *name, uint8_t proto, uint16_t *lo,
			uint16_t *hi)
{
	const char *s = cf_str(c, g, name, false);

	*lo = 0;
	*hi = 65535;
	if (!s || !strcmp(s, "any"))
		return;
	if (parse_port_range(s, lo, hi)) {
		cf_err(c, config_setting_get_member(g, name),
		       "'%s' = \"%s\": expected \"any\", a port or a range P-Q",
		       name, s);
		return;
	}
	if (!port_proto(proto))
		cf_err(c, config_setting_get_member(g, name),
		       "'%s': ports need protocol tcp, udp or sctp", name);
}

/* One selector: what=deny|scope|fail-open, for messages */
static void parse_sel(struct cctx *c, const config_setting_t *g,
		      struct gm_sel *sel, bool ports)
{
	const char *s;

	memset(sel, 0, sizeof(*sel));
	if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
		cf_err(c, g, "a rule must be a group { source = ...; ... }");
		return;
	}
	cf_keys(c, g, ports ? sel_keys : (const char *const[]){
		"protocol", "source", "destination", NULL });
	s = cf_str(c, g, "protocol", false);
	if (s && strcmp(s, "any") && parse_ipproto(s, &sel->proto))
		cf_err(c, config_setting_get_member(g, "protocol"),
		       "'protocol' = \"%s\": expected \"any\", a protocol name or 0..255",
		       s);
	parse_prefix(c, g, "source", &sel->src, &sel->src_plen);
	parse_prefix(c, g, "destination", &sel->dst, &sel->dst_plen);
	parse_ports(c, g, "source-port", sel->proto, &sel->sport_min,
		    &sel->sport_max);
	parse_ports(c, g, "destination-port", sel->proto, &sel->dport_min,
		    &sel->dport_max);
}

/* list = ( {..}, ... ) into a fresh array of at most max */
static unsigned parse_sels(struct cctx *c, const config_setting_t *g,
			   const char *name, unsigned max, bool ports,
			   struct gm_sel **out, struct gm_sel *fixed)
{
	config_setting_t *l = config_setting_get_member(g, name);
	unsigned i, n;

	if (!l)
		return 0;
	if (config_setting_type(l) != CONFIG_TYPE_LIST) {
		cf_err(c, l, "'%s' must be a list: %s = ( { ... }, ... );",
		       name, name);
		return 0;
	}
	n = (unsigned)config_setting_length(l);
	if (n > max) {
		cf_err(c, l, "'%s' has %u rules; at most %u", name, n, max);
		return 0;
	}
	if (!n)
		return 0;
	if (!fixed) {
		*out = calloc(n, sizeof(**out));
		if (!*out) {
			cf_err(c, l, "out of memory");
			return 0;
		}
		fixed = *out;
	}
	for (i = 0; i < n; i++) {
		config_setting_t *e = config_setting_get_elem(l, i);

		parse_sel(c, e, &fixed[i], ports);
		for (unsigned j = 0; j < i; j++)
			if (!memcmp(&fixed[i], &fixed[j], sizeof(fixed[i])))
				cf_err(c, e, "'%s' rule %u repeats rule %u",
				       name, i + 1, j + 1);
	}
	return n;
}

/*
 * fail-mode: "clear" (or "none") sends the traffic of encrypt policies in
 * clear while there are no keys (Cisco's fail-open), "drop-encrypt" drops
 * it except the fail-open rules (Juniper's fail-open rules), "close" drops
 * everything but those rules (Cisco's fail-close). gvpn.ko calls them
 * none, open and close; "open" is still accepted, with a warning, since
 * to a Cisco operator it says the opposite of what it does.
 */
static int fail_mode_parse(struct cctx *c, const config_setting_t *g,
			   const char *s)
{
	if (!strcmp(s, "clear") || !strcmp(s, "none"))
		return GVPN_FAIL_NONE;
	if (!strcmp(s, "drop-encrypt"))
		return GVPN_FAIL_OPEN;
	if (!strcmp(s, "close"))
		return GVPN_FAIL_CLOSE;
	if (!strcmp(s, "open")) {
		cf_warn(c, config_setting_get_member(g, "fail-mode"),
			"'fail-mode' = \"open\" is deprecated: it drops the traffic of encrypt policies without keys (but the fail-open rules), unlike Cisco's fail-open, which sends it in clear (\"clear\"); write \"drop-encrypt\"");
		return GVPN_FAIL_OPEN;
	}
	return -1;
}

/* An array of strings: [ "a", "b" ] */
static config_setting_t *str_array(struct cctx *c, const config_setting_t *g,
				   const char *name, unsigned max,
				   unsigned *n)
{
	config_setting_t *a = config_setting_get_member(g, name);
	unsigned i;

	*n = 0;
	if (!a)
		return NULL;
	if (config_setting_type(a) != CONFIG_TYPE_ARRAY &&
	    config_setting_type(a) != CONFIG_TYPE_LIST) {
		cf_err(c, a, "'%s' must be an array of strings: %s = [ \"...\" ];",
		       name, name);
		return NULL;
	}
	*n = (unsigned)config_setting_length(a);
	if (*n > max) {
		cf_err(c, a, "'%s' has %u entries; at most %u", name, *n, max);
		*n = 0;
		return NULL;
	}
	for (i = 0; i < *n; i++)
		if (config_setting_type(config_setting_get_elem(a, i)) !=
		    CONFIG_TYPE_STRING) {
			cf_err(c, a, "'%s' must be an array of strings", name);
			*n = 0;
			return NULL;
		}
	return a;
}

static const struct ike_peer *find_peer(const struct ike_conf *ike,
					const char *name)
{
	for (unsigned i = 0; i < ike->npeers; i++)
		if (!strcmp(ike->peers[i].name, name))
			return &ike->peers[i];
	return NULL;
}

static void parse_group(struct cctx *c, const config_setting_t *g,
			struct gm_group_conf *gc)
{
	config_setting_t *a;
	const char *s;
	unsigned i, n;
	int v;

	cf_keys(c, g, group_keys);
	s = cf_str(c, g, "name", true);
	if (s && (!*s || strlen(s) > 63))
		cf_err(c, config_setting_get_member(g, "name"),
		       "'name' must have 1..63 characters");
	else if (s)
		strcpy(gc->name, s);
	if (!config_setting_get_member(g, "id"))
		cf_err(c, g, "'id' is required here (GM_INCOMPLETE_CFG)");
	gc->id = (uint16_t)cf_uint(c, g, "id", 1, 65535, 0);

	s = cf_str(c, g, "identity", false);
	if (s && !strcmp(s, "address")) {
		gc->id_addr = true;
		s = cf_str(c, g, "address", true);
		if (s && inet_pton(AF_INET, s, &gc->addr) != 1)
			cf_err(c, config_setting_get_member(g, "address"),
			       "'address' = \"%s\": expected an IPv4 address",
			       s);
	} else if (s && strcmp(s, "number")) {
		cf_err(c, config_setting_get_member(g, "identity"),
		       "'identity' = \"%s\": expected number or address", s);
	} else if (config_setting_get_member(g, "address")) {
		cf_err(c, config_setting_get_member(g, "address"),
		       "'address' needs identity = \"address\"");
	}

	a = str_array(c, g, "servers", GM_MAX_SERVERS, &n);
	if (!a && !config_setting_get_member(g, "servers"))
		cf_err(c, g, "'servers' is required here: servers = [ \"PEER\", ... ]; (GM_INCOMPLETE_CFG)");
	else if (a && !n)
		cf_err(c, a, "'servers' is empty (GM_INCOMPLETE_CFG)");
	for (i = 0; a && i < n; i++) {
		const char *name = config_setting_get_string_elem(a, i);
		const struct ike_peer *p = find_peer(&c->conf->ike, name);

		if (!p) {
			cf_err(c, a, "server \"%s\" is not the name of an entry of 'peers'",
			       name);
			continue;
		}
		if (p->plen != 32 || !p->addr.s_addr) {
			cf_err(c, a, "server \"%s\": its peer needs a single address, not a prefix",
			       name);
			continue;
		}
		for (unsigned j = 0; j < gc->nservers; j++)
			if (gc->servers[j] == p)
				cf_err(c, a, "server \"%s\" is listed twice",
				       name);
		gc->servers[gc->nservers++] = p;
	}

	a = str_array(c, g, "interfaces", GM_MAX_IFACES, &n);
	for (i = 0; a && i < n; i++) {
		const char *name = config_setting_get_string_elem(a, i);

		if (!*name || strlen(name) >= IF_NAMESIZE) {
			cf_err(c, a, "interface \"%s\": expected 1..%d characters",
			       name, IF_NAMESIZE - 1);
			continue;
		}
		for (unsigned j = 0; j < gc->nifaces; j++)
			if (!strcmp(gc->ifaces[j], name))
				cf_err(c, a, "interface \"%s\" is listed twice",
				       name);
		strcpy(gc->ifaces[gc->nifaces++], name);
	}

	gc->retries = cf_uint(c, g, "register-retries", 1, 100, 3);
	gc->interval_ms = cf_ms(c, g, "register-interval", 0.5, 600, 10);

	gc->df_mode = GVPN_DF_CLEAR;
	s = cf_str(c, g, "df-bit", false);
	if (s && (v = gvpn_df_mode_parse(s)) < 0)
		cf_err(c, config_setting_get_member(g, "df-bit"),
		       "'df-bit' = \"%s\": expected clear, set or copy", s);
	else if (s)
		gc->df_mode = (uint8_t)v;

	gc->ndeny = parse_sels(c, g, "deny", GM_MAX_DENY, true, &gc->deny,
			       NULL);
	gc->nscope = parse_sels(c, g, "scope", GM_MAX_SCOPE, true,
				&gc->scope, NULL);
	a = config_setting_get_member(g, "scope");
	if (a && config_setting_type(a) == CONFIG_TYPE_LIST &&
	    !config_setting_length(a))
		cf_err(c, a,
		       "'scope' is empty: no downloaded policy would be installed; leave it out to install all");

	a = str_array(c, g, "transforms", GM_MAX_TRANSFORMS, &n);
	for (i = 0; a && i < n; i++) {
		const char *t = config_setting_get_string_elem(a, i);
		char why[160];

		if (tek_transform_parse(t, &gc->transforms[gc->ntransforms],
					why, sizeof(why))) {
			cf_err(c, a, "'transforms': %s", why);
			continue;
		}
		if ((gc->transforms[gc->ntransforms].enc->legacy ||
		     gc->transforms[gc->ntransforms].integ->legacy) &&
		    !c->conf->ike.legacy) {
			cf_err(c, a, "'transforms': \"%s\" is legacy cryptography: set ike.legacy = true to allow it",
			       t);
			continue;
		}
		gc->ntransforms++;
	}

	gc->fail_mode = GVPN_FAIL_NONE;
	s = cf_str(c, g, "fail-mode", false);
	if (s && (v = fail_mode_parse(c, g, s)) < 0)
		cf_err(c, config_setting_get_member(g, "fail-mode"),
		       "'fail-mode' = \"%s\": expected clear (or none), drop-encrypt or close",
		       s);
	else if (s)
		gc->fail_mode = (uint8_t)v;
	gc->fail_close_activate = cf_bool(c, g, "fail-close-activate", false);
	if (gc->fail_close_activate && gc->fail_mode != GVPN_FAIL_CLOSE)
		cf_err(c, config_setting_get_member(g, "fail-close-activate"),
		       "'fail-close-activate' needs fail-mode = \"close\"");
	gc->nfail = parse_sels(c, g, "fail-open", GM_MAX_FAIL_RULES, true,
			       NULL, gc->fail);
	if (gc->nfail && gc->fail_mode == GVPN_FAIL_NONE)
		cf_err(c, config_setting_get_member(g, "fail-open"),
		       "'fail-open' rules need fail-mode \"drop-encrypt\" or \"close\"");
	/* each key server takes a fail rule, so that registration gets through */
	if (gc->fail_mode != GVPN_FAIL_NONE &&
	    gc->nfail + gc->nservers > GM_MAX_FAIL_RULES)
		cf_err(c, g, "%u 'fail-open' rules and %u servers: gvpn.ko takes %u fail rules, one per server is needed to reach it",
		       gc->nfail, gc->nservers, GM_MAX_FAIL_RULES);
	gc->passive = cf_bool(c, g, "passive", false);
	/* HB-02: 0 turns detection off (HB-03) */
	gc->hb_threshold = cf_uint(c, g, "heartbeat-threshold", 0, 10, 3);
	gc->legacy_iv = cf_bool(c, g, "legacy-iv", false);
}

void conf_gm_parse(struct cctx *c, const struct config_setting_t *root)
{
	struct gm_conf *gm = &c->conf->gm;
	config_setting_t *m, *l;
	unsigned i, j, n;

	m = cf_group(c, (const config_setting_t *)root, "member");
	if (!m)
		return;
	cf_keys(c, m, member_keys);
	l = config_setting_get_member(m, "groups");
	if (!l || config_setting_type(l) != CONFIG_TYPE_LIST ||
	    !config_setting_length(l)) {
		cf_err(c, l ? l : m, "'member' needs groups = ( { name = ...; id = ...; servers = [ ... ]; }, ... );");
		return;
	}
	n = (unsigned)config_setting_length(l);
	gm->groups = calloc(n, sizeof(*gm->groups));
	if (!gm->groups) {
		cf_err(c, l, "out of memory");
		return;
	}
	gm->ngroups = n;
	for (i = 0; i < n; i++) {
		config_setting_t *g = config_setting_get_elem(l, i);
		struct gm_group_conf *gc = &gm->groups[i];

		if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
			cf_err(c, g, "a group must be a group { name = ...; ... }");
			continue;
		}
		parse_group(c, g, gc);
		for (j = 0; j < i; j++) {
			struct gm_group_conf *o = &gm->groups[j];

			if (gc->id && gc->id == o->id)
				cf_err(c, g, "group id %u is used twice", gc->id);
			if (gc->name[0] && !strcmp(gc->name, o->name))
				cf_err(c, g, "group name '%s' is used twice",
				       gc->name);
			/* gvpn.ko attaches a device to one group */
			for (unsigned a = 0; a < gc->nifaces; a++)
				for (unsigned b = 0; b < o->nifaces; b++)
					if (!strcmp(gc->ifaces[a], o->ifaces[b]))
						cf_err(c, g, "interface \"%s\" is in groups '%s' and '%s': a device belongs to one group",
						       gc->ifaces[a], o->name,
						       gc->name);
		}
	}
}

void conf_gm_free(struct gm_conf *gm)
{
	for (unsigned i = 0; i < gm->ngroups; i++) {
		free(gm->groups[i].deny);
		free(gm->groups[i].scope);
	}
	free(gm->groups);
	memset(gm, 0, sizeof(*gm));
}
