/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The gvpn authors.
 */
#ifndef GVPN_CLI_H
#define GVPN_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "genl.h"
#include "gvpn_args.h"
#include "gvpn_nl.h"

struct gvpn_opts {
	bool json;
	bool stats;
	const char *netns;
	const char *socket;	/* gvpnd's control socket (-S) */
};

extern struct gvpn_opts opts;

/* One object of the command line, like "ip link" or "ip macsec". */
struct gvpn_object {
	const char *name;
	int (*run)(int argc, char **argv);
	void (*usage)(FILE *f);
};

/* Exit statuses, documented in gvpn(8). */
#define EXIT_OK		0
#define EXIT_KERNEL	1	/* the kernel or the system said no */
#define EXIT_USAGE	2	/* bad command line; nothing was sent */

extern const struct gvpn_object group_object, dev_object, policy_object,
	sa_object, stats_object, monitor_object;
/* gvpnd's objects (ctl_client.c): its control socket, not the kernel */
extern const struct gvpn_object ks_object, gm_object, clear_object,
	daemon_object, ike_object;

/* -S PATH, else $GVPN_SOCKET, else /run/gvpn/gvpnd.sock */
const char *cli_ctl_socket(void);
/* Send the words to gvpnd, print its answer; the exit status */
int cli_ctl(int argc, char **argv);
/* OBJECT [COMMAND] [ group ID ] (optional) or OBJECT [COMMAND] group ID;
 * no COMMAND (NULL) when "group" is the command, as in "clear group ID" */
int cli_ctl_group(const char *object, const char *command, int argc,
		  char **argv, bool optional);

#define OP_BIT(op) (1u << (op))

/*
 * The command word of an object (argv[0], abbreviations allowed; none means
 * show). Returns the operation, or -1 with *status set after printing the
 * usage ("help": 0) or an error (2).
 */
int cli_op(const struct gvpn_object *obj, int argc, char **argv,
	   unsigned int ops, int *status);

/* "Error: MSG." on stderr; returns EXIT_USAGE. */
int cli_usage_error(const char *msg);

/* Open the gvpn family, printing why not; 0 or EXIT_KERNEL. */
int cli_open(struct genl_sock *gs);

/*
 * Send req, run cb on the replies, print the kernel's error if any (and its
 * warnings). Returns EXIT_OK or EXIT_KERNEL.
 */
int cli_request(struct genl_sock *gs, struct nlmsghdr *req, genl_cb cb,
		void *data);

/* Output helpers shared by the objects. */
void print_enum(const char *key, const char *label, const char *name,
		uint8_t val);
void print_stats(const char *key, const struct gvpn_stats *st);
/* print_stats() of a group's counters, its replay line as Cisco groups it */
void print_group_stats(const char *key, const struct gvpn_group *g);
/* milliseconds: a number under key in JSON, "label S.mmm" in text */
void print_ms(const char *key, const char *label, uint64_t ms,
	      bool json_only);
void print_group_fields(const struct gvpn_group *g);
void print_sa_fields(const struct gvpn_sa *sa);
/* sorts w by SID */
void print_sender_windows(struct gvpn_sender_win *w, size_t n);
const char *ifname_of(uint32_t ifindex, char *buf, size_t len);

#endif /* GVPN_CLI_H */
