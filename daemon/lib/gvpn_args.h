/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * The grammar of the gvpn command line, turned into the attribute values of
 * gvpn_nl.h without touching netlink, so that it can be tested on its own.
 *
 * Each parser takes the words after the command ("gvpn sa add WORDS...")
 * and returns 0, or -1 with a message naming the offending word in err
 * (no "Error:" prefix, no final period). Keywords must be spelt out; only
 * objects and commands may be abbreviated (the CLI's business).
 */
#ifndef GVPN_ARGS_H
#define GVPN_ARGS_H

#include <net/if.h>
#include <stddef.h>

#include "gvpn_nl.h"

enum gvpn_op {
	GVPN_OP_ADD,
	GVPN_OP_SET,
	GVPN_OP_DEL,
	GVPN_OP_SHOW,
	GVPN_OP_FLUSH,
};

/* "gvpn dev { add | del } IFNAME group ID" */
struct gvpn_dev_args {
	char ifname[IF_NAMESIZE];
	uint16_t group_id;
};

/*
 * add ID [SETTINGS] | set ID SETTINGS | del ID | show [ID], where SETTINGS
 * are any of df-bit M, tbar-window SECS, clock { pseudotime VALUE |
 * wallclock }, tick MS, fail-mode { open | close | none } [activate],
 * passive { on | off }, receive-only { on | off }, legacy-iv { on | off }.
 * Times with decimals
 * (VALUE) become milliseconds.
 */
int gvpn_args_group(enum gvpn_op op, int argc, char **argv,
		    struct gvpn_group *g, char *err, size_t errlen);
/* add|del IFNAME group ID */
int gvpn_args_dev(enum gvpn_op op, int argc, char **argv,
		  struct gvpn_dev_args *d, char *err, size_t errlen);
/*
 * add group ID id PID ... action A | del group ID id PID |
 * show [group ID [id PID]] | flush [group ID]
 */
int gvpn_args_policy(enum gvpn_op op, int argc, char **argv,
		     struct gvpn_policy *p, char *err, size_t errlen);
/*
 * add group ID policy PID spi SPI ALGO ... [tbar] [passive]
 * [activate-in SECS] [deactivate-in SECS] [sender-id N sid-bits B
 * [iv-counter C]] [replay-window W] | set group ID spi SPI
 * [deactivate-in SECS] [dir D] [passive { on | off }] | del group ID spi
 * SPI | show [group ID [spi SPI]] | flush [group ID]
 *
 * SECS may have up to three decimals and become milliseconds.
 *
 * KEYMAT words are wiped in argv once parsed, so that the keys do not stay
 * readable in /proc/PID/cmdline. On failure, sa and every word that looks
 * like a key (0x and more than 16 hex digits) are wiped too, and messages
 * never quote such a word.
 */
int gvpn_args_sa(enum gvpn_op op, int argc, char **argv, struct gvpn_sa *sa,
		 char *err, size_t errlen);

#endif /* GVPN_ARGS_H */
