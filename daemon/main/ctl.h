/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * gvpnd's control socket: a local stream socket (default
 * /run/gvpn/gvpnd.sock, mode 0660, peers checked with SO_PEERCRED) through
 * which the gvpn CLI shows and acts ("gvpn ks show", "gvpn gm register
 * group 1", ...). Each role registers its commands; a command's handler
 * prints its answer with lib/json.c's print_*() (text or JSON, as the
 * client asked: ctl has called json_begin() on the reply stream), or fails
 * with an error message for the client.
 */
#ifndef GVPN_CTL_H
#define GVPN_CTL_H

#include <stdbool.h>
#include <stddef.h>

/*
 * argv[0] is the object ("ks", "gm", "clear"), argv[1] the command ("show",
 * "members", "register", "group"), the rest its arguments as the user typed
 * them. Return 0, or -1 with err set (printed by the CLI, exit status 1), or
 * -2 with err set for a usage error (exit status 2).
 */
typedef int (*ctl_fn)(void *arg, int argc, char **argv, char *err,
		      size_t errlen);

/* Register before ctl_open(); object and command are literal strings. */
int ctl_register(const char *object, const char *command, ctl_fn fn,
		 void *arg);
/* Listen on path (NULL: default); mode and group of the socket file. */
int ctl_open(const char *path, unsigned mode, const char *group);
/* fn(arg) adds its lines to "daemon show" (one of them) */
void ctl_daemon_show_add(void (*fn)(void *arg), void *arg);
/* ike_show.c: the Phase 1 SAs of an ike_ctx, for ctl_daemon_show_add */
void ike_show(void *ike);
struct ike_ctx;
/* the SAs alone: top, the array of "ike show" (schema_version in each),
 * else the "phase1" array of "daemon show" */
void ike_show_sas(struct ike_ctx *ike, bool top);
struct ike_sa;
/* one SA on one line (an object under key, NULL in an array); top: with
 * schema_version, else indented (gm show detail prints its member's) */
void ike_print_sa(const struct ike_sa *sa, const char *key, bool top);
/* registers "ike show" (gvpn ike sa show) */
int ike_ctl_register(struct ike_ctx *ike);
void ctl_close(void);

#endif /* GVPN_CTL_H */
