// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * The value of one attribute in an ISAKMP attribute list (see attr_val.h).
 */

#include "attr_val.h"

uint64_t attr_val(const struct isakmp_attrs *as, uint16_t type, bool *found)
{
	struct isakmp_attrs it = *as;
	struct isakmp_attr a;
	uint64_t v = 0;

	*found = false;
	while (isakmp_attr_next(&it, &a) == 1)
		if (a.type == type) {
			*found = true;
			isakmp_attr_uint(&a, &v);
			return v;
		}
	return 0;
}
