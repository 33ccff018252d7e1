// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/log.h"
#include "core/loop.h"
#include "ike/ike.h"
#include "net.h"

/* datagrams handled per wakeup, so that timers keep their turn */
#define NET_BATCH	256

static int sock = -1;
static struct sockaddr_in bound;
static struct ike_ctx *net_ctx;
/* multicast pushes: one socket per source address (one group at most
 * in practice), TTL set before each send */
#define NET_MCAST_MAX	8
static struct { int fd; struct in_addr src; unsigned ttl; } msock[NET_MCAST_MAX];
static unsigned nmsock;
static struct log_rl rl_net = LOG_RL_INIT("socket errors");

static void net_input(int fd, uint32_t events, void *arg)
{
	static uint8_t buf[ISAKMP_MAX_MSG + 1];
	struct ike_ctx *ctx = arg;
	unsigned n;

	(void)events;
	for (n = 0; n < NET_BATCH; n++) {
		char cbuf[CMSG_SPACE(sizeof(struct in_pktinfo))];
		struct sockaddr_in peer, local = bound;
		struct iovec iov = { buf, sizeof(buf) };
		struct msghdr mh = {
			.msg_name = &peer, .msg_namelen = sizeof(peer),
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
		};
		struct cmsghdr *cm;
		ssize_t len = recvmsg(fd, &mh, MSG_TRUNC);

		if (len < 0) {
			if (errno != EAGAIN && errno != EINTR)
				log_rl(&rl_net, LOG_WARNING, "recvmsg: %s",
				       strerror(errno));
			return;
		}
		for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
			if (cm->cmsg_level == IPPROTO_IP &&
			    cm->cmsg_type == IP_PKTINFO) {
				struct in_pktinfo pi;

				memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
				local.sin_addr = pi.ipi_addr;
			}
		}
		if ((size_t)len > ISAKMP_MAX_MSG || (mh.msg_flags & MSG_TRUNC)) {
			log_rl(&rl_net, LOG_WARNING,
			       "dropped a datagram of %zd bytes from %s",
			       len, inet_ntoa(peer.sin_addr));
			continue;
		}
		ike_input(ctx, &local, &peer, buf, (size_t)len);
	}
}

int net_open(struct in_addr addr, uint16_t port, struct ike_ctx *ctx)
{
	int one = 1, rcvbuf = 4 << 20;

	net_ctx = ctx;
	sock = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return -1;
	bound = (struct sockaddr_in){
		.sin_family = AF_INET, .sin_addr = addr, .sin_port = htons(port),
	};
	/* a deep receive queue absorbs bursts; floods are dropped by policy */
	setsockopt(sock, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    setsockopt(sock, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) ||
	    bind(sock, (struct sockaddr *)&bound, sizeof(bound)) ||
	    ev_fd_add(sock, EPOLLIN, net_input, ctx)) {
		int e = errno;

		close(sock);
		sock = -1;
		errno = e;
		return -1;
	}
	return 0;
}

void net_close(void)
{
	unsigned i;

	for (i = 0; i < nmsock; i++) {
		ev_fd_del(msock[i].fd);
		close(msock[i].fd);
	}
	nmsock = 0;
	if (sock >= 0) {
		ev_fd_del(sock);
		close(sock);
	}
	sock = -1;
}

int net_send(const struct sockaddr_in *local, const struct sockaddr_in *peer,
	     const uint8_t *buf, size_t len)
{
	char cbuf[CMSG_SPACE(sizeof(struct in_pktinfo))] = { 0 };
	struct iovec iov = { (void *)buf, len };
	struct msghdr mh = {
		.msg_name = (void *)peer, .msg_namelen = sizeof(*peer),
		.msg_iov = &iov, .msg_iovlen = 1,
	};

	/* answer from the address the peer talked to */
	if (local && local->sin_addr.s_addr != INADDR_ANY &&
	    bound.sin_addr.s_addr == INADDR_ANY) {
		struct cmsghdr *cm;
		struct in_pktinfo pi = { .ipi_spec_dst = local->sin_addr };

		mh.msg_control = cbuf;
		mh.msg_controllen = sizeof(cbuf);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = IPPROTO_IP;
		cm->cmsg_type = IP_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
	}
	if (sendmsg(sock, &mh, 0) < 0) {
		log_rl(&rl_net, LOG_WARNING, "sendto %s: %s",
		       inet_ntoa(peer->sin_addr), strerror(errno));
		return -1;
	}
	return 0;
}

static int mcast_sock(struct in_addr src)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET, .sin_addr = src, .sin_port = bound.sin_port,
	};
	struct ip_mreqn mr = { .imr_address = src };
	int one = 1, fd;
	unsigned i;

	for (i = 0; i < nmsock; i++)
		if (msock[i].src.s_addr == src.s_addr)
			return (int)i;
	if (nmsock == NET_MCAST_MAX) {
		errno = ENOSPC;
		return -1;
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	/* from port 848 like every push: the main socket shares it; the
	 * more specific binding may take unicast datagrams for src, so they
	 * are read here too */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) ||
	    (src.s_addr && setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mr,
				      sizeof(mr))) ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) ||
	    ev_fd_add(fd, EPOLLIN, net_input, net_ctx)) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	msock[nmsock].fd = fd;
	msock[nmsock].src = src;
	msock[nmsock].ttl = 0;
	return (int)nmsock++;
}

int net_send_mcast(const struct sockaddr_in *src, const struct sockaddr_in *dst,
		   unsigned ttl, const uint8_t *buf, size_t len)
{
	int i = mcast_sock(src->sin_addr);
	int t = (int)ttl;

	if (i < 0) {
		log_rl(&rl_net, LOG_WARNING, "multicast socket for %s: %s",
		       inet_ntoa(src->sin_addr), strerror(errno));
		return -1;
	}
	if (msock[i].ttl != ttl &&
	    !setsockopt(msock[i].fd, IPPROTO_IP, IP_MULTICAST_TTL, &t,
			sizeof(t)))
		msock[i].ttl = ttl;
	if (sendto(msock[i].fd, buf, len, 0, (const struct sockaddr *)dst,
		   sizeof(*dst)) < 0) {
		log_rl(&rl_net, LOG_WARNING, "sendto %s: %s",
		       inet_ntoa(dst->sin_addr), strerror(errno));
		return -1;
	}
	return 0;
}

int net_local_for(const struct sockaddr_in *peer, struct sockaddr_in *local)
{
	socklen_t len = sizeof(*local);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int ret = -1;

	if (fd < 0)
		return -1;
	if (bound.sin_addr.s_addr != INADDR_ANY) {
		*local = bound;
		ret = 0;
	} else if (!connect(fd, (const struct sockaddr *)peer, sizeof(*peer)) &&
		   !getsockname(fd, (struct sockaddr *)local, &len)) {
		local->sin_port = bound.sin_port;
		ret = 0;
	}
	close(fd);
	return ret;
}
