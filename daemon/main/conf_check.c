// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * What gvpnd --check says beyond errors:
 *
 * - settings that are valid but have no effect in this configuration (a
 *   certificate for a peer that authenticates with a pre-shared key, a
 *   Sender ID size in a group without a counter-mode SA, ...): a warning
 *   at the setting's line, saying why; never an error.
 * - at a libconfig syntax error, which says only "syntax error" and a
 *   line, a hint from the text of the file: an unclosed string or
 *   bracket, ';' inside a list, a missing '=' or quotes. Only what the
 *   text shows; no hint when nothing there is clearly wrong.
 */

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf_int.h"
#include "gm/gm_conf.h"
#include "isakmp/isakmp.h"
#include "ks/ks.h"

/* --- settings without effect --------------------------------------------- */

static const config_setting_t *get(const config_setting_t *g, const char *n)
{
	return g ? config_setting_get_member(g, n) : NULL;
}

/* does a member group register with peer pc (so gvpnd starts Phase 1)? */
static bool gm_server(const struct gvpnd_conf *conf, const struct ike_peer *pc)
{
	for (unsigned i = 0; i < conf->gm.ngroups; i++)
		for (unsigned j = 0; j < conf->gm.groups[i].nservers; j++)
			if (conf->gm.groups[i].servers[j] == pc)
				return true;
	return false;
}

static void unused_peers(struct cctx *c, const config_setting_t *root)
{
	const struct gvpnd_conf *conf = c->conf;
	const config_setting_t *peers = get(root, "peers"), *p, *s;
	bool sig_global = false, all_listed = conf->ike.npeers > 0;
	bool aggressive = false;
	unsigned i, j;

	for (i = 0; i < conf->ike.npeers; i++) {
		const struct ike_peer *pc = &conf->ike.peers[i];

		p = config_setting_get_elem(peers, i);
		if (!get(p, "proposals"))
			all_listed = false;
		if (pc->mode != IKE_MODE_MAIN)
			aggressive = true;
		if (ike_auth_sig(pc->auth) && !get(p, "credentials"))
			sig_global = true;
		s = get(p, "credentials");
		if (s && !ike_auth_sig(pc->auth))
			cf_warn(c, s, "peer '%s': 'credentials' has no effect: the peer authenticates with a pre-shared key (certificates serve auth = \"rsa\" or \"ecdsa\")",
				pc->name);
		s = get(p, "aggressive-msg3");
		if (s && pc->mode == IKE_MODE_MAIN)
			cf_warn(c, s, "peer '%s': 'aggressive-msg3' has no effect: mode is main, and it concerns aggressive mode",
				pc->name);
		else if (s && !pc->initiate && !gm_server(conf, pc))
			cf_warn(c, s, "peer '%s': 'aggressive-msg3' has no effect: only the initiator sends message 3, and gvpnd never starts Phase 1 with this peer (no initiate = true, no member group's server)",
				pc->name);
	}
	s = get(root, "credentials");
	if (s && !sig_global)
		cf_warn(c, s, "'credentials' has no effect: no peer uses them (none authenticates with auth = \"rsa\" or \"ecdsa\" without credentials of its own)");
	s = get(get(root, "ike"), "aggressive-rate");
	if (s && !aggressive)
		cf_warn(c, s, "'aggressive-rate' has no effect: every peer is mode = \"main\", so aggressive mode is refused before the rate counts");
	s = get(get(root, "ike"), "proposals");
	if (!s || !all_listed)
		return;
	/* every peer names its proposals: one none names serves no one */
	for (j = 0; j < conf->nprops; j++) {
		bool used = false;

		for (i = 0; i < conf->ike.npeers && !used; i++) {
			const config_setting_t *l;

			l = get(config_setting_get_elem(peers, i), "proposals");
			for (int k = 0; k < config_setting_length(l) && !used; k++)
				used = !strcmp(config_setting_get_string_elem(l, k),
					       conf->prop_names[j]);
		}
		if (!used)
			cf_warn(c, config_setting_get_elem(s, j),
				"proposal '%s' has no effect: no peer lists it in its 'proposals'",
				conf->prop_names[j]);
	}
}

static void unused_ks(struct cctx *c, const config_setting_t *root)
{
	const config_setting_t *l = get(get(root, "server"), "groups");
	const struct ks_conf *ks = &c->conf->ks;

	for (unsigned i = 0; i < ks->ngroups; i++) {
		const struct ks_group_conf *gc = &ks->groups[i];
		const config_setting_t *g = config_setting_get_elem(l, i);
		const config_setting_t *s = get(g, "sender-id-bits");
		bool counter = false, used[KS_MAX_SAS] = { false };

		for (unsigned j = 0; j < gc->npol; j++) {
			const struct ks_policy *p = &gc->pol[j];

			if (p->action != KS_PERMIT || p->sa >= gc->nsa)
				continue;
			used[p->sa] = true;
			counter |= gdoi_transform_counter_mode(
				gc->sa[p->sa].t.enc->transform);
		}
		if (s && !counter)
			cf_warn(c, s, "group '%s': 'sender-id-bits' has no effect yet: no permit policy uses a counter-mode (AES-GCM) ipsec-sa, and only those get Sender IDs (it is fixed at start: a reload that adds one keeps this value)",
				gc->name);
		for (unsigned j = 0; j < gc->nsa; j++)
			if (!used[j])
				cf_warn(c, config_setting_get_elem(get(g, "ipsec-sa"), j),
					"group '%s': ipsec-sa '%s' has no effect: no permit policy uses it (a permit policy without 'sa' takes the first)",
					gc->name, gc->sa[j].name);
	}
}

static void unused_gm(struct cctx *c, const config_setting_t *root)
{
	const config_setting_t *l = get(get(root, "member"), "groups");
	const struct gm_conf *gm = &c->conf->gm;

	for (unsigned i = 0; i < gm->ngroups; i++) {
		const struct gm_group_conf *gc = &gm->groups[i];
		const config_setting_t *s;
		bool counter = false;

		s = get(config_setting_get_elem(l, i), "legacy-iv");
		for (unsigned j = 0; j < gc->ntransforms; j++)
			counter |= gdoi_transform_counter_mode(
				gc->transforms[j].enc->transform);
		if (s && gc->legacy_iv && gc->ntransforms && !counter)
			cf_warn(c, s, "group '%s': 'legacy-iv' has no effect: none of its 'transforms' is a counter mode (AES-GCM), and it concerns only those",
				gc->name);
	}
}

void conf_warn_unused(struct cctx *c, const config_setting_t *root)
{
	/* on a configuration without errors only: the parsed values hold */
	if (c->errors)
		return;
	unused_peers(c, root);
	unused_ks(c, root);
	unused_gm(c, root);
}

/* --- syntax error hints --------------------------------------------------- */

struct lex {
	char hint[200];
	unsigned line;		/* of the first finding; 0: none */
	unsigned err_line;	/* libconfig's syntax error */
	char open[64];		/* brackets open, and their lines */
	unsigned open_line[64];
	unsigned depth;
};

static void found(struct lex *x, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void found(struct lex *x, unsigned line, const char *fmt, ...)
{
	va_list ap;

	if (x->line)
		return;
	x->line = line;
	va_start(ap, fmt);
	vsnprintf(x->hint, sizeof(x->hint), fmt, ap);
	va_end(ap);
}

static char closer(char o)
{
	return o == '{' ? '}' : o == '(' ? ')' : ']';
}

/*
 * The file's structure as libconfig reads it (strings, comments, brackets):
 * the first thing that cannot be right, in x.
 */
static void lex_file(const char *t, struct lex *x)
{
	unsigned line = 1, sline;
	char last = 0;	/* the last significant character */

	while (*t) {
		char ch = *t;

		if (ch == '\n') {
			line++;
			t++;
			continue;
		}
		if (isspace((unsigned char)ch)) {
			t++;
			continue;
		}
		if (ch == '#' || (ch == '/' && t[1] == '/')) {
			while (*t && *t != '\n')
				t++;
			continue;
		}
		if (ch == '/' && t[1] == '*') {
			for (t += 2; *t && !(*t == '*' && t[1] == '/'); t++)
				line += *t == '\n';
			t += *t ? 2 : 0;
			continue;
		}
		if (ch == '"') {
			/* libconfig lets a string run over lines: only one
			 * that spans the error's line is suspect */
			sline = line;
			for (t++; *t && *t != '"'; t++) {
				if (*t == '\\' && t[1])
					t++;
				line += *t == '\n';
			}
			if (!*t)
				found(x, sline, "the string opened on line %u is never closed: a '\"' is missing",
				      sline);
			else if (line > sline && x->err_line >= sline &&
				 x->err_line <= line)
				found(x, sline, "the string opened on line %u is not closed on that line: a '\"' is missing",
				      sline);
			if (*t)
				t++;
			last = '"';
			continue;
		}
		if (ch == '{' || ch == '(' || ch == '[') {
			if (ch == '{' && last == '}' && x->depth &&
			    x->open[x->depth - 1] == '(')
				found(x, line, "a ',' is missing between the list's elements on line %u",
				      line);
			if (x->depth < sizeof(x->open)) {
				x->open[x->depth] = ch;
				x->open_line[x->depth] = line;
			}
			x->depth++;
		} else if (ch == '}' || ch == ')' || ch == ']') {
			if (!x->depth) {
				found(x, line, "'%c' on line %u has no opening '%c' to close",
				      ch, line, ch == '}' ? '{' : ch == ')' ? '(' : '[');
			} else {
				x->depth--;
				if (x->depth < sizeof(x->open) &&
				    closer(x->open[x->depth]) != ch)
					found(x, line, "'%c' on line %u, but the '%c' of line %u is still open: '%c' expected first",
					      ch, line, x->open[x->depth],
					      x->open_line[x->depth],
					      closer(x->open[x->depth]));
			}
		} else if (ch == ';') {
			if (last == ';')
				found(x, line, "two ';' in a row on line %u", line);
			else if (x->depth && x->depth <= sizeof(x->open) &&
				 x->open[x->depth - 1] != '{')
				found(x, line, "';' on line %u inside the '%c' of line %u: the elements of ( ) and [ ] are separated by ','",
				      line, x->open[x->depth - 1],
				      x->open_line[x->depth - 1]);
		}
		last = ch;
		t++;
	}
	if (x->depth && x->depth <= sizeof(x->open))
		found(x, x->open_line[x->depth - 1],
		      "the '%c' opened on line %u is never closed: '%c' missing",
		      x->open[x->depth - 1], x->open_line[x->depth - 1],
		      closer(x->open[x->depth - 1]));
}

static bool name_char(char ch)
{
	return isalnum((unsigned char)ch) || ch == '-' || ch == '_' ||
	       ch == '*';
}

/* what the text of one line shows (s: the line, NUL-terminated) */
static void lex_line(const char *s, unsigned line, struct lex *x)
{
	const char *p = s, *n, *v;
	char word[64];
	size_t len;

	while (isspace((unsigned char)*p))
		p++;
	n = p;
	if (isalpha((unsigned char)*p)) {
		while (name_char(*p))
			p++;
		len = (size_t)(p - n);
		while (*p == ' ' || *p == '\t')
			p++;
		if (len < sizeof(word) && *p && *p != '=' && *p != ':' &&
		    !name_char(*p) && *p != '#' && *p != '/') {
			memcpy(word, n, len);
			word[len] = 0;
			found(x, line, "'=' missing after '%s'", word);
			return;
		}
	}
	for (p = s; *p; p++) {
		/* what is quoted or commented out is no setting */
		if (*p == '"') {
			for (p++; *p && *p != '"'; p++)
				if (*p == '\\' && p[1])
					p++;
			if (!*p)
				break;
			continue;
		}
		if (*p == '#' || (*p == '/' && (p[1] == '/' || p[1] == '*')))
			break;
		if (*p != '=' && *p != ':')
			continue;
		for (v = p + 1; *v == ' ' || *v == '\t'; v++)
			;
		if (isdigit((unsigned char)*v)) {
			n = v;
			while (isdigit((unsigned char)*n))
				n++;
			if (*n == ',' && isdigit((unsigned char)n[1]))
				found(x, line, "a number takes '.' for its decimals, not ','");
			continue;
		}
		if (!isalpha((unsigned char)*v))
			continue;
		for (n = v; name_char(*n); n++)
			;
		len = (size_t)(n - v);
		if (len >= sizeof(word))
			continue;
		memcpy(word, v, len);
		word[len] = 0;
		if (!strcasecmp(word, "true") || !strcasecmp(word, "false"))
			continue;
		found(x, line, "a string value needs double quotes: \"%s\"",
		      word);
		return;
	}
}

void conf_syntax_hint(const char *path, unsigned line, char *hint, size_t len)
{
	struct lex x = { .err_line = line };
	char *text, *s, *e;
	size_t n = 0, cap = 1 << 20;
	unsigned i;
	FILE *f;

	*hint = 0;
	f = fopen(path, "r");
	if (!f)
		return;
	text = malloc(cap + 1);
	if (text)
		n = fread(text, 1, cap, f);
	fclose(f);
	if (!text)
		return;
	text[n] = 0;
	lex_file(text, &x);
	/* the structure fails at or before the error: that is it */
	if (x.line && x.line <= line) {
		snprintf(hint, len, "%s", x.hint);
		goto out;
	}
	for (s = text, i = 1; i < line && (s = strchr(s, '\n')); i++)
		s++;
	if (s && *s) {
		struct lex y = { .line = 0 };

		e = strchr(s, '\n');
		if (e)
			*e = 0;
		lex_line(s, line, &y);
		if (y.line) {
			snprintf(hint, len, "%s", y.hint);
			goto out;
		}
	}
	/* the end of the file: what is still open */
	if (x.line && (!s || !*s))
		snprintf(hint, len, "%s", x.hint);
out:
	free(text);
}
