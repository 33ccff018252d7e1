/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * The UDP socket of gvpnd (port 848 by default), non-blocking.
 */
#ifndef GVPN_NET_H
#define GVPN_NET_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

struct ike_ctx;

int net_open(struct in_addr addr, uint16_t port, struct ike_ctx *ctx);
void net_close(void);
int net_send(const struct sockaddr_in *local, const struct sockaddr_in *peer,
	     const uint8_t *buf, size_t len);
/* Multicast pushes (key server): a socket of their own bound to
 * src:port (what arrives on it is handled like the main socket's), with
 * IP_MULTICAST_IF src; opened at the first send */
int net_send_mcast(const struct sockaddr_in *src, const struct sockaddr_in *dst,
		   unsigned ttl, const uint8_t *buf, size_t len);
/* The local address the kernel would use toward peer, with our port */
int net_local_for(const struct sockaddr_in *peer, struct sockaddr_in *local);

#endif /* GVPN_NET_H */
