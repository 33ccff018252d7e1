/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * The control socket's wire format, shared by gvpnd and the gvpn CLI.
 * One request per connection:
 *
 *   "gvpn-ctl/1" NUL  FORMAT NUL  WORD NUL ... WORD NUL  NUL
 *
 * FORMAT is "text" or "json"; the words are the command line ("ks"
 * "members" "group" "12"), at least two and at most CTL_MAX_WORDS, each
 * 1..CTL_MAX_WORD bytes without control characters; the empty word ends
 * the request, which is at most CTL_MAX_REQ bytes with its terminator.
 * Length-safe: no length fields to trust, and nothing may follow the end.
 *
 * The reply is a status line, then the body, then the server closes:
 *   "0\n" BODY               success
 *   "1 MESSAGE\n"            the command failed (exit status 1)
 *   "2 MESSAGE\n"            usage error (exit status 2)
 */
#ifndef GVPN_CTL_PROTO_H
#define GVPN_CTL_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define CTL_MAGIC		"gvpn-ctl/1"
#define CTL_MAX_REQ		4096
#define CTL_MAX_WORDS		32
#define CTL_MAX_WORD		255
#define CTL_DEFAULT_SOCKET	"/run/gvpn/gvpnd.sock"

struct ctl_req {
	bool json;
	int argc;
	char *argv[CTL_MAX_WORDS + 1];	/* into buf; argv[argc] = NULL */
	char buf[CTL_MAX_REQ];
};

/*
 * Encode a request into buf (size bytes). Returns its length, or -1 when a
 * word is empty, has control characters or is too long, or when there are
 * too few or too many words or the request does not fit.
 */
ssize_t ctl_encode(char *buf, size_t size, bool json, int argc,
		   char *const *argv);

/*
 * Decode the len bytes received so far. Returns 1 with req filled when the
 * request is complete, 0 when more bytes may complete it, -1 with err set
 * when it is malformed (including longer than CTL_MAX_REQ).
 */
int ctl_decode(const char *buf, size_t len, struct ctl_req *req, char *err,
	       size_t errlen);

/*
 * Split a reply's status line. Returns the status (0, 1 or 2), *msg at its
 * message (NUL-terminated in place; "" for 0), *body after the line, or -1
 * when the reply has no valid status line.
 */
int ctl_reply_split(char *reply, size_t len, char **msg, char **body);

#endif /* GVPN_CTL_PROTO_H */
