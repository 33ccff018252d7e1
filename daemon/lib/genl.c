// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * Generic netlink helpers (see genl.h).
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <libmnl/libmnl.h>

#include "genl.h"

/* The kernel never builds dump messages larger than this (netlink_dump). */
#define GENL_RXBUF_SIZE 32768

static int set_error(struct genl_sock *gs, int error)
{
	memset(&gs->err, 0, sizeof(gs->err));
	gs->err.error = error;
	return error;
}

struct nlmsghdr *genl_msg(struct genl_sock *gs, void *buf, uint8_t cmd,
			  uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *genl;

	nlh->nlmsg_type = gs->family;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	if ((flags & NLM_F_DUMP) != NLM_F_DUMP)
		nlh->nlmsg_flags |= NLM_F_ACK;
	nlh->nlmsg_seq = ++gs->seq;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = (uint8_t)(gs->version ? gs->version : 1);
	return nlh;
}

/*
 * Append one path element to buf ("sa" then ".spi"), truncating quietly:
 * the path only decorates an error message.
 */
static void path_append(char *buf, size_t len, const struct nla_space *space,
			uint16_t type)
{
	size_t pos = strnlen(buf, len);
	const char *sep = pos ? "." : "";

	if (pos + 1 >= len)
		return;
	if (space && type <= space->max && space->attrs[type].name)
		snprintf(buf + pos, len - pos, "%s%s", sep,
			 space->attrs[type].name);
	else
		snprintf(buf + pos, len - pos, "%sunknown-%u", sep, type);
}

static int path_walk(const uint8_t *base, const struct nlattr *attr,
		     size_t remaining, uint32_t off,
		     const struct nla_space *space, char *buf, size_t len,
		     const struct nla_space **nest)
{
	const struct nla_space *sub;
	size_t start, end;
	uint16_t type;

	for (; mnl_attr_ok(attr, (int)remaining);
	     remaining -= MNL_ALIGN(attr->nla_len), attr = mnl_attr_next(attr)) {
		start = (size_t)((const uint8_t *)attr - base);
		end = start + MNL_ALIGN(attr->nla_len);
		if (off < start || off >= end)
			continue;
		type = mnl_attr_get_type(attr);
		sub = space && type <= space->max ? space->attrs[type].nest : NULL;
		path_append(buf, len, space, type);
		if (sub && off >= start + MNL_ATTR_HDRLEN &&
		    !path_walk(base, mnl_attr_get_payload(attr),
			       mnl_attr_get_payload_len(attr), off, sub, buf,
			       len, nest))
			return 0;
		if (nest)
			*nest = sub;
		return 0;
	}
	return -1;
}

int genl_attr_path(const struct nlmsghdr *req, uint32_t off,
		   const struct nla_space *names, char *buf, size_t len,
		   const struct nla_space **nest)
{
	const uint8_t *base = (const uint8_t *)req;
	size_t hdr = MNL_NLMSG_HDRLEN + MNL_ALIGN(GENL_HDRLEN);

	if (!len)
		return -1;
	buf[0] = '\0';
	if (nest)
		*nest = NULL;
	if (req->nlmsg_len < hdr || off < hdr || off >= req->nlmsg_len)
		return -1;
	if (path_walk(base, (const struct nlattr *)(base + hdr),
		      req->nlmsg_len - hdr, off, names, buf, len, nest)) {
		buf[0] = '\0';
		return -1;
	}
	return 0;
}

static void parse_policy(const struct nlattr *nest, struct genl_err *err)
{
	const struct nlattr *a;

	mnl_attr_for_each_nested(a, nest) {
		switch (mnl_attr_get_type(a)) {
		case NL_POLICY_TYPE_ATTR_MIN_VALUE_U:
			if (mnl_attr_validate(a, MNL_TYPE_U64) >= 0) {
				err->umin = mnl_attr_get_u64(a);
				err->has_umin = true;
			}
			break;
		case NL_POLICY_TYPE_ATTR_MAX_VALUE_U:
			if (mnl_attr_validate(a, MNL_TYPE_U64) >= 0) {
				err->umax = mnl_attr_get_u64(a);
				err->has_umax = true;
			}
			break;
		case NL_POLICY_TYPE_ATTR_MIN_VALUE_S:
			if (mnl_attr_validate(a, MNL_TYPE_U64) >= 0) {
				err->smin = (int64_t)mnl_attr_get_u64(a);
				err->has_smin = true;
			}
			break;
		case NL_POLICY_TYPE_ATTR_MAX_VALUE_S:
			if (mnl_attr_validate(a, MNL_TYPE_U64) >= 0) {
				err->smax = (int64_t)mnl_attr_get_u64(a);
				err->has_smax = true;
			}
			break;
		case NL_POLICY_TYPE_ATTR_MIN_LENGTH:
			if (mnl_attr_validate(a, MNL_TYPE_U32) >= 0) {
				err->minlen = mnl_attr_get_u32(a);
				err->has_minlen = true;
			}
			break;
		case NL_POLICY_TYPE_ATTR_MAX_LENGTH:
			if (mnl_attr_validate(a, MNL_TYPE_U32) >= 0) {
				err->maxlen = mnl_attr_get_u32(a);
				err->has_maxlen = true;
			}
			break;
		}
	}
}

int genl_parse_ack(const struct nlmsghdr *ack, const struct nlmsghdr *req,
		   const struct nla_space *names, struct genl_err *err)
{
	const struct nla_space *space = names;
	size_t plen = mnl_nlmsg_get_payload_len(ack);
	const struct nlmsgerr *e;
	bool has_miss = false, has_miss_nest = false;
	uint32_t miss_type = 0, miss_nest = 0;
	const struct nlattr *a;
	size_t off;
	size_t n;

	memset(err, 0, sizeof(*err));
	if (ack->nlmsg_type == NLMSG_ERROR) {
		if (plen < sizeof(*e)) {
			err->error = -EBADMSG;
			return err->error;
		}
		e = mnl_nlmsg_get_payload(ack);
		err->error = e->error;
		off = ack->nlmsg_flags & NLM_F_CAPPED ? sizeof(*e) :
			sizeof(int) + MNL_ALIGN(e->msg.nlmsg_len);
	} else if (ack->nlmsg_type == NLMSG_DONE) {
		/* a dump's end: the error of the dump, then the TLVs */
		if (plen >= sizeof(int))
			memcpy(&err->error, mnl_nlmsg_get_payload(ack),
			       sizeof(int));
		off = sizeof(int);
	} else {
		err->error = -EBADMSG;
		return err->error;
	}
	if (err->error > 0)
		err->error = -err->error;
	if (!(ack->nlmsg_flags & NLM_F_ACK_TLVS) || off >= plen)
		return err->error;

	mnl_attr_for_each(a, ack, off) {
		switch (mnl_attr_get_type(a)) {
		case NLMSGERR_ATTR_MSG:
			if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
				break;
			snprintf(err->msg, sizeof(err->msg), "%s",
				 mnl_attr_get_str(a));
			/* the CLI ends its sentences itself */
			n = strlen(err->msg);
			while (n && (err->msg[n - 1] == '.' ||
				     err->msg[n - 1] == '\n'))
				err->msg[--n] = '\0';
			break;
		case NLMSGERR_ATTR_OFFS:
			if (mnl_attr_validate(a, MNL_TYPE_U32) >= 0 && req)
				genl_attr_path(req, mnl_attr_get_u32(a), names,
					       err->attr, sizeof(err->attr),
					       NULL);
			break;
		case NLMSGERR_ATTR_MISS_TYPE:
			if (mnl_attr_validate(a, MNL_TYPE_U32) >= 0) {
				miss_type = mnl_attr_get_u32(a);
				has_miss = true;
			}
			break;
		case NLMSGERR_ATTR_MISS_NEST:
			if (mnl_attr_validate(a, MNL_TYPE_U32) >= 0) {
				miss_nest = mnl_attr_get_u32(a);
				has_miss_nest = true;
			}
			break;
		case NLMSGERR_ATTR_POLICY:
			if (mnl_attr_validate(a, MNL_TYPE_NESTED) >= 0)
				parse_policy(a, err);
			break;
		}
	}

	if (has_miss) {
		/* the missing attribute lives in the space of its nest */
		if (has_miss_nest &&
		    (!req || genl_attr_path(req, miss_nest, names, err->missing,
					    sizeof(err->missing), &space)))
			space = NULL;
		if (miss_type <= UINT16_MAX)
			path_append(err->missing, sizeof(err->missing), space,
				    (uint16_t)miss_type);
	}
	return err->error;
}

const char *genl_strerror(const struct genl_err *err, char *buf, size_t len)
{
	char detail[3 * GENL_PATH_LEN] = "";
	size_t d = 0;

#define DETAIL(...)							\
	do {								\
		if (d < sizeof(detail))					\
			d += (size_t)snprintf(detail + d, sizeof(detail) - d, \
					      "%s", d ? ", " : "");	\
		if (d < sizeof(detail))					\
			d += (size_t)snprintf(detail + d, sizeof(detail) - d, \
					      __VA_ARGS__);		\
	} while (0)

	if (err->attr[0])
		DETAIL("attribute %s", err->attr);
	if (err->missing[0])
		DETAIL("missing attribute %s", err->missing);
	if (err->has_umin || err->has_umax)
		DETAIL("range %" PRIu64 "..%" PRIu64, err->umin,
		       err->has_umax ? err->umax : UINT64_MAX);
	if (err->has_smin || err->has_smax)
		DETAIL("range %" PRId64 "..%" PRId64,
		       err->has_smin ? err->smin : INT64_MIN,
		       err->has_smax ? err->smax : INT64_MAX);
	if (err->has_minlen || err->has_maxlen) {
		if (err->has_maxlen)
			DETAIL("length %" PRIu32 "..%" PRIu32, err->minlen,
			       err->maxlen);
		else
			DETAIL("length at least %" PRIu32, err->minlen);
	}
#undef DETAIL

	snprintf(buf, len, "%s%s%s%s",
		 err->msg[0] ? err->msg : strerror(-err->error),
		 d ? " (" : "", detail, d ? ")" : "");
	return buf;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	struct genl_sock *gs = data;
	const struct nlattr *a, *g, *ga;

	mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
		switch (mnl_attr_get_type(a)) {
		case CTRL_ATTR_FAMILY_ID:
			if (mnl_attr_validate(a, MNL_TYPE_U16) < 0)
				return -EBADMSG;
			gs->family = mnl_attr_get_u16(a);
			break;
		case CTRL_ATTR_VERSION:
			if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
				return -EBADMSG;
			gs->version = mnl_attr_get_u32(a);
			break;
		case CTRL_ATTR_MCAST_GROUPS:
			mnl_attr_for_each_nested(g, a) {
				const char *name = NULL;
				uint32_t id = 0;

				mnl_attr_for_each_nested(ga, g) {
					if (mnl_attr_get_type(ga) == CTRL_ATTR_MCAST_GRP_NAME &&
					    mnl_attr_validate(ga, MNL_TYPE_NUL_STRING) >= 0)
						name = mnl_attr_get_str(ga);
					else if (mnl_attr_get_type(ga) == CTRL_ATTR_MCAST_GRP_ID &&
						 mnl_attr_validate(ga, MNL_TYPE_U32) >= 0)
						id = mnl_attr_get_u32(ga);
				}
				if (!name || !id || gs->n_mcgrps >= GENL_MAX_MCGRPS)
					continue;
				snprintf(gs->mcgrps[gs->n_mcgrps].name,
					 sizeof(gs->mcgrps[0].name), "%s", name);
				gs->mcgrps[gs->n_mcgrps++].id = id;
			}
			break;
		}
	}
	return 0;
}

int genl_open(struct genl_sock *gs, const char *family,
	      const struct nla_space *names)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	int one = 1;
	int ret;

	memset(gs, 0, sizeof(*gs));
	snprintf(gs->name, sizeof(gs->name), "%s", family);
	gs->rxlen = GENL_RXBUF_SIZE;
	gs->rxbuf = malloc(gs->rxlen);
	if (!gs->rxbuf)
		return set_error(gs, -ENOMEM);
	gs->nl = mnl_socket_open(NETLINK_GENERIC);
	if (!gs->nl) {
		ret = set_error(gs, -errno);
		genl_close(gs);
		return ret;
	}
	/*
	 * Extended ACKs carry the kernel's message and the attribute at fault;
	 * capped ACKs spare echoing the request (which may hold keys); strict
	 * checking makes the kernel reject what it would otherwise ignore.
	 * All three exist since Linux 5.0, so failures are real errors.
	 */
	if (mnl_socket_setsockopt(gs->nl, NETLINK_EXT_ACK, &one, sizeof(one)) ||
	    mnl_socket_setsockopt(gs->nl, NETLINK_CAP_ACK, &one, sizeof(one)) ||
	    mnl_socket_setsockopt(gs->nl, NETLINK_GET_STRICT_CHK, &one,
				  sizeof(one)) ||
	    mnl_socket_bind(gs->nl, 0, MNL_SOCKET_AUTOPID)) {
		ret = set_error(gs, -errno);
		genl_close(gs);
		return ret;
	}
	gs->portid = mnl_socket_get_portid(gs->nl);
	gs->seq = (uint32_t)time(NULL);

	gs->family = GENL_ID_CTRL;
	nlh = genl_msg(gs, buf, CTRL_CMD_GETFAMILY, 0);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, family);
	gs->family = 0;
	ret = genl_request(gs, nlh, family_cb, gs);
	if (!ret && !gs->family)
		ret = set_error(gs, -EBADMSG);
	if (ret == -ENOENT) {
		snprintf(gs->err.msg, sizeof(gs->err.msg),
			 "%s.ko is not loaded (no generic netlink family \"%s\"; try \"modprobe %s\")",
			 family, family, family);
	}
	if (ret) {
		struct genl_err err = gs->err;

		genl_close(gs);
		gs->err = err;
		return ret;
	}
	gs->names = names;
	return 0;
}

void genl_close(struct genl_sock *gs)
{
	if (gs->nl)
		mnl_socket_close(gs->nl);
	gs->nl = NULL;
	free(gs->rxbuf);
	gs->rxbuf = NULL;
}

uint32_t genl_mcgrp(const struct genl_sock *gs, const char *group)
{
	unsigned int i;

	for (i = 0; i < gs->n_mcgrps; i++)
		if (!strcmp(gs->mcgrps[i].name, group))
			return gs->mcgrps[i].id;
	return 0;
}

int genl_subscribe(struct genl_sock *gs, const char *group)
{
	uint32_t id = genl_mcgrp(gs, group);

	if (!id) {
		set_error(gs, -ENOENT);
		snprintf(gs->err.msg, sizeof(gs->err.msg),
			 "family \"%s\" has no multicast group \"%s\"",
			 gs->name, group);
		return -ENOENT;
	}
	if (mnl_socket_setsockopt(gs->nl, NETLINK_ADD_MEMBERSHIP, &id,
				  sizeof(id)))
		return set_error(gs, -errno);
	return 0;
}

int genl_request(struct genl_sock *gs, struct nlmsghdr *req, genl_cb cb,
		 void *data)
{
	bool dump = (req->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
	uint32_t seq = req->nlmsg_seq;
	const struct nlmsghdr *nlh;
	int cb_ret = 0, ret;
	ssize_t n;
	int left;

	set_error(gs, 0);
	if (mnl_socket_sendto(gs->nl, req, req->nlmsg_len) < 0)
		return set_error(gs, -errno);

	for (;;) {
		n = mnl_socket_recvfrom(gs->nl, gs->rxbuf, gs->rxlen);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return set_error(gs, -errno);
		}
		left = (int)n;
		for (nlh = gs->rxbuf; mnl_nlmsg_ok(nlh, left);
		     nlh = mnl_nlmsg_next(nlh, &left)) {
			/* leftovers of an earlier request, or multicast */
			if (nlh->nlmsg_seq != seq || nlh->nlmsg_pid != gs->portid)
				continue;
			switch (nlh->nlmsg_type) {
			case NLMSG_NOOP:
			case NLMSG_OVERRUN:
				continue;
			case NLMSG_DONE:
				if (!dump)
					continue;
				/* fall through */
			case NLMSG_ERROR:
				ret = genl_parse_ack(nlh, req, gs->names,
						     &gs->err);
				if (!ret && cb_ret)
					ret = set_error(gs, cb_ret);
				return ret;
			default:
				if (cb && !cb_ret)
					cb_ret = cb(nlh, data);
			}
		}
	}
}

int genl_listen(struct genl_sock *gs, genl_cb cb, void (*lost)(void *data),
		void *data)
{
	const struct nlmsghdr *nlh;
	ssize_t n;
	int left, ret;

	set_error(gs, 0);
	for (;;) {
		n = mnl_socket_recvfrom(gs->nl, gs->rxbuf, gs->rxlen);
		if (n < 0) {
			if (errno == ENOBUFS) {
				if (lost)
					lost(data);
				continue;
			}
			return set_error(gs, -errno);
		}
		left = (int)n;
		for (nlh = gs->rxbuf; mnl_nlmsg_ok(nlh, left);
		     nlh = mnl_nlmsg_next(nlh, &left)) {
			if (nlh->nlmsg_type != gs->family)
				continue;
			ret = cb(nlh, data);
			if (ret)
				return set_error(gs, ret);
		}
	}
}
