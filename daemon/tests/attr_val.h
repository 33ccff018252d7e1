/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * The value of one attribute in an ISAKMP attribute list, for the tests
 * that check what the key server hands out.
 */

#ifndef GVPN_TESTS_ATTR_VAL_H
#define GVPN_TESTS_ATTR_VAL_H

#include <stdbool.h>
#include <stdint.h>

#include "isakmp/isakmp.h"

/* the first attribute of type in as as a number; *found whether there is
 * one (0 if not) */
uint64_t attr_val(const struct isakmp_attrs *as, uint16_t type, bool *found);

#endif
