/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * What the parts of the configuration parser share: the parse context and
 * the typed, range-checked getters. Each getter reports its own errors as
 * FILE:LINE: message and counts them in the context; it returns the default
 * on error so that parsing goes on and every mistake is reported at once.
 */
#ifndef GVPN_CONF_INT_H
#define GVPN_CONF_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <libconfig.h>

#include "conf.h"

struct cctx {
	const char *path;
	int errors;
	struct gvpnd_conf *conf;
	unsigned creds_line;	/* of the top-level credentials */
};

struct cf_name_val {
	const char *name;
	uint16_t a, b;
};

void cf_err(struct cctx *c, const config_setting_t *s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* a warning, FILE:LINE: warning: message on stderr: not counted as an error */
void cf_warn(struct cctx *c, const config_setting_t *s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* unknown settings in g are errors: a typo must not fall back to a default */
void cf_keys(struct cctx *c, const config_setting_t *g,
	     const char *const *allowed);
/* the group parent.name, or NULL when absent or not a group (error) */
config_setting_t *cf_group(struct cctx *c, const config_setting_t *parent,
			   const char *name);
const char *cf_str(struct cctx *c, const config_setting_t *g,
		   const char *name, bool required);
unsigned cf_uint(struct cctx *c, const config_setting_t *g, const char *name,
		 long long min, long long max, unsigned def);
/* seconds, possibly fractional, returned in milliseconds */
unsigned cf_ms(struct cctx *c, const config_setting_t *g, const char *name,
	       double min, double max, double def);
bool cf_bool(struct cctx *c, const config_setting_t *g, const char *name,
	     bool def);
/* 0 when path is a regular file that others can neither read nor write */
int cf_secret_file(struct cctx *c, const config_setting_t *s,
		   const char *path);
/* the entry of t named by the required string g.name (choices: for errors) */
const struct cf_name_val *cf_lookup(struct cctx *c, const config_setting_t *g,
				    const char *name,
				    const struct cf_name_val *t,
				    const char *choices);

/* the "control" section (conf_ctl.c); defaults when absent */
void conf_ctl_parse(struct cctx *c, const config_setting_t *root);

/* warnings (conf_check.c): settings that have no effect here; after the
 * sections are parsed, on a configuration without errors */
void conf_warn_unused(struct cctx *c, const config_setting_t *root);
/* at libconfig's "syntax error" on line: a hint from the file's text, or
 * "" when the text shows nothing clearly wrong */
void conf_syntax_hint(const char *path, unsigned line, char *hint,
		      size_t len);

#endif /* GVPN_CONF_INT_H */
