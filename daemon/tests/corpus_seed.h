/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * Fuzzer seeds from the unit tests: with GVPN_CORPUS_DIR set, a test's
 * messages are written there too, one file each, for fuzz/'s harnesses.
 */

#ifndef GVPN_TESTS_CORPUS_SEED_H
#define GVPN_TESTS_CORPUS_SEED_H

#include <stddef.h>
#include <stdint.h>

/* p as $GVPN_CORPUS_DIR/name; nothing without GVPN_CORPUS_DIR */
void corpus_seed(const char *name, const uint8_t *p, size_t len);

#endif
