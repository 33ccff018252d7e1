/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * What the control socket's unit tests reach inside ctl.c: answering one
 * decoded request without a socket.
 */
#ifndef GVPN_CTL_INT_H
#define GVPN_CTL_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "ctl_proto.h"

/*
 * A client has CTL_IDLE_MS from connecting to send its whole request, then
 * may stall reading the reply for CTL_IDLE_MS at a time and CTL_REPLY_MS
 * in all (replies are buffered whole; the largest take a few seconds).
 */
#define CTL_IDLE_MS		5000
#define CTL_REPLY_MS		60000
/* Clients served at once; more are told to retry */
#define CTL_MAX_CONNS		16
#define CTL_MAX_CMDS		32

/*
 * Run req's command (its handler prints through json.c) and render the
 * reply, status line and body, into a malloc'ed *out of *len bytes.
 * may_write: the client may run commands that change state. Returns the
 * status (0, 1, 2), or -1 when out of memory.
 */
int ctl_answer(struct ctl_req *req, bool may_write, char **out,
	       size_t *len);

/* Commands that only read ("show", "members", "list"); all others change */
bool ctl_readonly(const char *command);

/* "daemon log level LEVEL" (log_ctl.c), a ctl_fn registered by ctl_open */
int ctl_log_level(void *arg, int argc, char **argv, char *err,
		  size_t errlen);

#endif /* GVPN_CTL_INT_H */
