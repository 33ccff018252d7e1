// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * "daemon log level LEVEL" (gvpn daemon log level LEVEL): gvpnd's log level
 * changed at runtime, until the next start or reload (which take log-level
 * of gvpnd.conf again, unless -d). "daemon show" prints the level in force.
 */

#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "ctl_int.h"

int ctl_log_level(void *arg, int argc, char **argv, char *err,
		  size_t errlen)
{
	int old = log_get_level(), level;

	(void)arg;
	if (argc != 4 || strcmp(argv[2], "level")) {
		snprintf(err, errlen, "usage: daemon log level LEVEL (LEVEL: %s)",
			 LOG_LEVEL_NAMES);
		return -2;
	}
	level = log_level_parse(argv[3]);
	if (level < 0) {
		snprintf(err, errlen, "unknown log level \"%s\": expected one of %s",
			 argv[3], LOG_LEVEL_NAMES);
		return -2;
	}
	/* said at notice or the more verbose of the two levels, so that it
	 * shows whichever way the level goes (err <-> warning included) */
	log_set_level(level > old ? (level > LOG_NOTICE ? level : LOG_NOTICE) :
		      (old > LOG_NOTICE ? old : LOG_NOTICE));
	log_notice("log level %s (was %s), set by the control socket",
		   log_level_name(level), log_level_name(old));
	log_set_level(level);
	return 0;
}
