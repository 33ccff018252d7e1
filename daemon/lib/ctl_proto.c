// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * The control socket's wire format (see ctl_proto.h).
 */

#include <stdio.h>
#include <string.h>

#include "ctl_proto.h"

static bool word_ok(const char *w, size_t n)
{
	size_t i;

	if (n == 0 || n > CTL_MAX_WORD)
		return false;
	for (i = 0; i < n; i++)
		if ((unsigned char)w[i] < 0x20 || w[i] == 0x7f)
			return false;
	return true;
}

ssize_t ctl_encode(char *buf, size_t size, bool json, int argc,
		   char *const *argv)
{
	const char *fmt = json ? "json" : "text";
	size_t off = 0, n;
	int i;

	if (argc < 2 || argc > CTL_MAX_WORDS)
		return -1;
	n = sizeof(CTL_MAGIC) + strlen(fmt) + 1;
	if (n > size)
		return -1;
	memcpy(buf, CTL_MAGIC, sizeof(CTL_MAGIC));
	memcpy(buf + sizeof(CTL_MAGIC), fmt, strlen(fmt) + 1);
	off = n;
	for (i = 0; i < argc; i++) {
		n = strlen(argv[i]);
		/* room for the word, its NUL and the final empty word */
		if (!word_ok(argv[i], n) || off + n + 2 > size ||
		    off + n + 2 > CTL_MAX_REQ)
			return -1;
		memcpy(buf + off, argv[i], n + 1);
		off += n + 1;
	}
	buf[off++] = '\0';
	return (ssize_t)off;
}

int ctl_decode(const char *buf, size_t len, struct ctl_req *req, char *err,
	       size_t errlen)
{
	size_t off = 0, n, scan = len < CTL_MAX_REQ ? len : CTL_MAX_REQ;
	const char *end;
	int word = 0;

	/* the magic first: a stranger gets told at once */
	n = len < sizeof(CTL_MAGIC) ? len : sizeof(CTL_MAGIC);
	if (memcmp(buf, CTL_MAGIC, n)) {
		snprintf(err, errlen, "not a gvpn control request (expected \"%s\")",
			 CTL_MAGIC);
		return -1;
	}
	while (off < scan) {
		end = memchr(buf + off, '\0', scan - off);
		if (!end)
			break;
		n = (size_t)(end - (buf + off));
		if (n == 0) {
			if (word < 2) {
				snprintf(err, errlen, "request without %s",
					 word ? "a format" : "a version");
				return -1;
			}
			if (off + 1 != len) {
				snprintf(err, errlen,
					 "%zu bytes after the end of the request",
					 len - off - 1);
				return -1;
			}
			if (req->argc < 2) {
				snprintf(err, errlen,
					 "request without a command (OBJECT COMMAND)");
				return -1;
			}
			req->argv[req->argc] = NULL;
			return 1;
		}
		if (word == 0) {
			/* memcmp above matched sizeof(CTL_MAGIC) bytes */
			req->argc = 0;
			req->json = false;
		} else if (word == 1) {
			if (n == 4 && !memcmp(buf + off, "json", 4)) {
				req->json = true;
			} else if (n != 4 || memcmp(buf + off, "text", 4)) {
				snprintf(err, errlen,
					 "unknown format (expected text or json)");
				return -1;
			}
		} else {
			if (!word_ok(buf + off, n)) {
				snprintf(err, errlen, "word %d: %s", word - 1,
					 n > CTL_MAX_WORD ? "too long" :
					 "control characters");
				return -1;
			}
			if (req->argc == CTL_MAX_WORDS) {
				snprintf(err, errlen, "more than %d words",
					 CTL_MAX_WORDS);
				return -1;
			}
			memcpy(req->buf + off, buf + off, n + 1);
			req->argv[req->argc++] = req->buf + off;
		}
		word++;
		off += n + 1;
	}
	/* a word still without its NUL may already be too long */
	if (scan - off > CTL_MAX_WORD) {
		snprintf(err, errlen, "word %d: too long", word - 1);
		return -1;
	}
	/* incomplete: the terminator could only come past the limit */
	if (len >= CTL_MAX_REQ) {
		snprintf(err, errlen, "request longer than %d bytes",
			 CTL_MAX_REQ);
		return -1;
	}
	return 0;
}

int ctl_reply_split(char *reply, size_t len, char **msg, char **body)
{
	char *nl = memchr(reply, '\n', len);
	int status;

	if (!nl || nl == reply || reply[0] < '0' || reply[0] > '2')
		return -1;
	status = reply[0] - '0';
	*nl = '\0';
	if (status == 0) {
		if (nl != reply + 1)
			return -1;
		*msg = nl;
	} else {
		if (reply[1] != ' ' || nl == reply + 2)
			return -1;
		*msg = reply + 2;
	}
	*body = nl + 1;
	return status;
}
