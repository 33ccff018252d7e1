/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * A test clock for the key server role (struct ks's now_ms and wall): the
 * time is what the test sets fake_now to, in milliseconds; the wall clock
 * follows it from 2025-11-24 16:00 UTC.
 */

#ifndef GVPN_TESTS_FAKE_CLOCK_H
#define GVPN_TESTS_FAKE_CLOCK_H

#include <stdint.h>
#include <time.h>

extern uint64_t fake_now;		/* ms; starts at 1000000 */

uint64_t test_now(void);
time_t test_wall(time_t *t);

#endif
