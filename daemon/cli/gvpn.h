/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The gvpn authors.
 */
#ifndef GVPN_CLI_H
#define GVPN_CLI_H

#include <stdbool.h>

struct gvpn_opts {
	bool json;
	bool stats;
	const char *netns;
};

extern struct gvpn_opts opts;

/* One object of the command line, like "ip link" or "ip macsec". */
struct gvpn_object {
	const char *name;
	int (*run)(int argc, char **argv);
	void (*usage)(void);
};

#endif /* GVPN_CLI_H */
