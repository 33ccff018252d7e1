// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * A test clock (see fake_clock.h).
 */

#include "fake_clock.h"

uint64_t fake_now = 1000000;

uint64_t test_now(void)
{
	return fake_now;
}

time_t test_wall(time_t *t)
{
	(void)t;
	return 1764000000 + (time_t)(fake_now / 1000);
}
