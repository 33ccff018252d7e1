// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * The "control" section of gvpnd.conf: where the control socket is and who
 * may use it (see ctl.c and gvpnd.conf(5)).
 */

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "conf.h"
#include "conf_int.h"
#include "ctl_proto.h"

static const char *const control_keys[] = { "socket", "mode", "group", NULL };

void conf_ctl_parse(struct cctx *c, const config_setting_t *root)
{
	struct ctl_conf *ctl = &c->conf->ctl;
	const config_setting_t *g, *s;
	const char *v;
	char *end;
	long m;

	snprintf(ctl->socket, sizeof(ctl->socket), "%s", CTL_DEFAULT_SOCKET);
	ctl->mode = 0660;
	snprintf(ctl->group, sizeof(ctl->group), "root");
	g = cf_group(c, root, "control");
	if (!g)
		return;
	cf_keys(c, g, control_keys);

	v = cf_str(c, g, "socket", false);
	s = config_setting_get_member(g, "socket");
	if (v && (v[0] != '/' || strlen(v) >= sizeof(ctl->socket)))
		cf_err(c, s, "'socket' = \"%s\": expected an absolute path of at most %zu bytes",
		       v, sizeof(ctl->socket) - 1);
	else if (v)
		snprintf(ctl->socket, sizeof(ctl->socket), "%s", v);

	/*
	 * Written as for chmod: libconfig reads 0660 as the decimal 660, so
	 * the digits of an integer are taken as octal ("0660" works too).
	 */
	s = config_setting_get_member(g, "mode");
	if (s) {
		char num[32];

		v = num;
		if (config_setting_type(s) == CONFIG_TYPE_STRING)
			v = config_setting_get_string(s);
		else if (config_setting_type(s) == CONFIG_TYPE_INT ||
			 config_setting_type(s) == CONFIG_TYPE_INT64)
			snprintf(num, sizeof(num), "%lld",
				 config_setting_get_int64(s));
		else
			num[0] = '\0';
		errno = 0;
		m = strtol(v, &end, 8);
		if (!*v || *end || errno || m < 0 || m > 0777 ||
		    strspn(v, "01234567") != strlen(v))
			cf_err(c, s, "'mode' = %s: expected octal permissions 0..0777 as for chmod, e.g. 0660",
			       *v ? v : "?");
		else if ((m & 0600) != 0600)
			cf_err(c, s, "'mode' = %s: the owner (root) needs read and write (0600)",
			       v);
		else
			ctl->mode = (unsigned)m;
	}

	v = cf_str(c, g, "group", false);
	s = config_setting_get_member(g, "group");
	if (v && (strlen(v) >= sizeof(ctl->group) || !getgrnam(v)))
		cf_err(c, s, "'group' = \"%s\": no such group", v);
	else if (v)
		snprintf(ctl->group, sizeof(ctl->group), "%s", v);
}
