// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * libFuzzer harness for the control socket's request decoder and gvpnd's
 * answer. The input is fed as a client would send it, in pieces: every
 * prefix decodes as incomplete, complete or malformed, and a complete
 * request is answered (handlers print text or JSON). A request that
 * decodes must encode back to the same bytes, and the answer must have a
 * valid status line: anything else is a bug (trap).
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "ctl_proto.h"
#include "json.h"
#include "main/ctl.h"
#include "main/ctl_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x) do { if (!(x)) __builtin_trap(); } while (0)

static struct ctl_req req;
static char enc[CTL_MAX_REQ];

static int h_show(void *arg, int argc, char **argv, char *err, size_t errlen)
{
	int i;

	(void)arg;
	open_json_object(NULL);
	open_json_array("args");
	for (i = 0; i < argc; i++)
		print_string(PRINT_ANY, NULL, "arg", argv[i]);
	close_json_array();
	close_json_object();
	if (argc > 3) {
		snprintf(err, errlen, "too many: %s\n%s", argv[2], argv[3]);
		return argc & 1 ? -1 : -2;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool init;
	char err[256], *out, *msg, *body;
	size_t i, len, step;
	ssize_t n;
	int rc = 0;

	if (!init) {
		log_init("fuzz_ctl", true, LOG_EMERG);
		ctl_register("ks", "show", h_show, NULL);
		ctl_register("gm", "register", h_show, NULL);
		init = true;
	}
	/* the first byte chooses the size of the pieces */
	if (!size)
		return 0;
	step = (size_t)data[0] % 64 + 1;
	data++;
	size--;
	for (i = step < size ? step : size; ; i = i + step < size ? i + step : size) {
		rc = ctl_decode((const char *)data, i, &req, err, sizeof(err));
		CHECK(rc >= -1 && rc <= 1);
		if (rc < 0)
			CHECK(err[0]);
		if (rc || i == size)
			break;
	}
	if (rc != 1)
		return 0;
	CHECK(req.argc >= 2 && req.argc <= CTL_MAX_WORDS && !req.argv[req.argc]);
	n = ctl_encode(enc, sizeof(enc), req.json, req.argc, req.argv);
	CHECK(n > 0 && (size_t)n == i && !memcmp(enc, data, i));

	rc = ctl_answer(&req, size & 1, &out, &len);
	CHECK(rc >= 0 && rc <= 2);
	CHECK(strlen(out) == len);
	CHECK(ctl_reply_split(out, len, &msg, &body) == rc);
	CHECK(!strchr(msg, '\n'));
	free(out);
	return 0;
}
