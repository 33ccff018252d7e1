// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * Fuzzer seeds from the unit tests (see corpus_seed.h).
 */

#include <stdio.h>
#include <stdlib.h>

#include "corpus_seed.h"

void corpus_seed(const char *name, const uint8_t *p, size_t len)
{
	const char *dir = getenv("GVPN_CORPUS_DIR");
	char path[512];
	FILE *f;

	if (!dir)
		return;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (f) {
		fwrite(p, 1, len, f);
		fclose(f);
	}
}
