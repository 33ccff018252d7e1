/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * Generic netlink over libmnl, shared by the gvpn CLI and gvpnd: resolve a
 * family and its multicast groups, send requests and dumps and run a
 * callback on every reply, and turn the kernel's extended ACK into a
 * message that names the offending attribute.
 *
 * Every function returning int returns 0 or a negative errno. After a
 * failure, gs->err holds what the kernel said; genl_strerror() formats it.
 */
#ifndef GVPN_GENL_H
#define GVPN_GENL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

struct mnl_socket;

/*
 * Names of the attributes of one attribute space, for error messages. The
 * table is indexed by attribute type; a nest names its inner space.
 */
struct nla_name {
	const char *name;
	const struct nla_space *nest;
};

struct nla_space {
	unsigned int max;		/* highest type in attrs[] */
	const struct nla_name *attrs;
};

#define GENL_PATH_LEN 128

/* What the kernel reported about a failed (or warned-about) request. */
struct genl_err {
	int error;			/* 0 or -errno */
	char msg[256];			/* NLMSGERR_ATTR_MSG, or "" */
	char attr[GENL_PATH_LEN];	/* offending attribute: "sa.spi" */
	char missing[GENL_PATH_LEN];	/* missing attribute: "sa.spi" */
	/* from NLMSGERR_ATTR_POLICY: what the attribute would accept */
	bool has_umin, has_umax, has_smin, has_smax, has_minlen, has_maxlen;
	uint64_t umin, umax;
	int64_t smin, smax;
	uint32_t minlen, maxlen;
};

#define GENL_MAX_MCGRPS 8

struct genl_sock {
	struct mnl_socket *nl;
	uint32_t portid;
	uint32_t seq;
	uint16_t family;		/* resolved family id */
	uint32_t version;
	char name[GENL_NAMSIZ];
	unsigned int n_mcgrps;
	struct {
		char name[GENL_NAMSIZ];
		uint32_t id;
	} mcgrps[GENL_MAX_MCGRPS];
	const struct nla_space *names;	/* the family's top-level attributes */
	struct genl_err err;
	void *rxbuf;
	size_t rxlen;
};

/*
 * Open a socket and resolve family by name (the kernel loads the module that
 * provides it on the lookup). A missing family is -ENOENT, with err.msg
 * saying that NAME.ko is not loaded. names may be NULL.
 */
int genl_open(struct genl_sock *gs, const char *family,
	      const struct nla_space *names);
void genl_close(struct genl_sock *gs);

/* Id of a multicast group of the family, or 0. */
uint32_t genl_mcgrp(const struct genl_sock *gs, const char *group);
int genl_subscribe(struct genl_sock *gs, const char *group);

/*
 * Start a request for cmd in buf (at least MNL_SOCKET_BUFFER_SIZE bytes).
 * flags: NLM_F_DUMP for a dump; NLM_F_REQUEST and, for a do, NLM_F_ACK are
 * added.
 */
struct nlmsghdr *genl_msg(struct genl_sock *gs, void *buf, uint8_t cmd,
			  uint16_t flags);

/*
 * A reply callback returns 0 to go on, or a negative errno to fail the
 * request (the rest of the replies are read and dropped, so the socket
 * stays usable).
 */
typedef int (*genl_cb)(const struct nlmsghdr *nlh, void *data);

/*
 * Send req and wait for its end: the ACK of a do, the NLMSG_DONE of a dump.
 * cb (may be NULL) runs on every reply of the family.
 */
int genl_request(struct genl_sock *gs, struct nlmsghdr *req, genl_cb cb,
		 void *data);

/*
 * Read multicast messages of the family and run cb on each, until cb fails
 * or the socket does. Lost messages (ENOBUFS) are reported to lost, if not
 * NULL, and reading goes on.
 */
int genl_listen(struct genl_sock *gs, genl_cb cb, void (*lost)(void *data),
		void *data);

/*
 * "MESSAGE (attribute sa.spi, range 256..4294967295)": err's message, or
 * strerror of its error, with what is known about the attribute.
 */
const char *genl_strerror(const struct genl_err *err, char *buf, size_t len);

/*
 * The pure parts, exposed for the unit tests.
 *
 * genl_parse_ack: fill err from an NLMSG_ERROR or NLMSG_DONE message that
 * answers req (attribute names from names, may be NULL). Returns the error
 * carried by the message (0 for a plain ACK).
 */
int genl_parse_ack(const struct nlmsghdr *ack, const struct nlmsghdr *req,
		   const struct nla_space *names, struct genl_err *err);

/*
 * genl_attr_path: the dotted path ("sa.spi") of the attribute at offset off
 * of the generic netlink message req. An offset inside an attribute names
 * the innermost attribute containing it. Returns the space nested in the
 * attribute found (or NULL) through nest, and 0, or -1 if off is outside
 * every attribute.
 */
int genl_attr_path(const struct nlmsghdr *req, uint32_t off,
		   const struct nla_space *names, char *buf, size_t len,
		   const struct nla_space **nest);

#endif /* GVPN_GENL_H */
