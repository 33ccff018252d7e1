// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 */

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

int parse_u64(const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

int parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	uint64_t v;

	if (parse_u64(s, &v) || v < min || v > max)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

uint32_t prefix4_mask(unsigned plen)
{
	return plen ? htonl(~0u << (32 - (plen > 32 ? 32 : plen))) : 0;
}

bool prefix4_match(struct in_addr a, struct in_addr net, unsigned plen)
{
	uint32_t mask = prefix4_mask(plen);

	return (a.s_addr & mask) == (net.s_addr & mask);
}

int parse_prefix4(const char *s, struct in_addr *addr, uint8_t *len)
{
	char buf[INET_ADDRSTRLEN + 4];
	struct in_addr a;
	uint32_t plen = 32;
	char *slash;

	if (!s || strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash) {
		*slash = '\0';
		if (parse_u32(slash + 1, 0, 32, &plen))
			return -1;
	}
	if (inet_pton(AF_INET, buf, &a) != 1)
		return -1;
	if (a.s_addr & ~prefix4_mask(plen))
		return -1;
	*addr = a;
	*len = (uint8_t)plen;
	return 0;
}

int parse_port_range(const char *s, uint16_t *lo, uint16_t *hi)
{
	char buf[16];
	uint32_t a, b;
	char *dash;

	if (!s || strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	dash = strchr(buf, '-');
	if (dash)
		*dash = '\0';
	if (parse_u32(buf, 0, 65535, &a))
		return -1;
	b = a;
	if (dash && parse_u32(dash + 1, 0, 65535, &b))
		return -1;
	if (a > b)
		return -1;
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return 0;
}

static const struct {
	const char *name;
	uint8_t proto;
} protos[] = {
	{ "icmp", IPPROTO_ICMP }, { "igmp", IPPROTO_IGMP },
	{ "tcp", IPPROTO_TCP },	  { "udp", IPPROTO_UDP },
	{ "gre", IPPROTO_GRE },	  { "esp", IPPROTO_ESP },
	{ "ah", IPPROTO_AH },	  { "ospf", 89 },
	{ "pim", IPPROTO_PIM },	  { "sctp", IPPROTO_SCTP },
};

int parse_ipproto(const char *s, uint8_t *out)
{
	uint32_t v;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(protos); i++) {
		if (s && !strcmp(s, protos[i].name)) {
			*out = protos[i].proto;
			return 0;
		}
	}
	if (parse_u32(s, 0, 255, &v))
		return -1;
	*out = (uint8_t)v;
	return 0;
}

const char *ipproto_name(uint8_t proto, char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(protos); i++)
		if (protos[i].proto == proto)
			return protos[i].name;
	snprintf(buf, len, "%u", proto);
	return buf;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int parse_hex(const char *s, uint8_t *buf, size_t *len)
{
	size_t n, i;

	if (!s || strncmp(s, "0x", 2))
		return -1;
	s += 2;
	n = strlen(s);
	if (!n || n % 2 || n / 2 > *len)
		return -1;
	for (i = 0; i < n; i++)
		if (hexval(s[i]) < 0)
			return -1;
	for (i = 0; i < n / 2; i++)
		buf[i] = (uint8_t)(hexval(s[2 * i]) << 4 | hexval(s[2 * i + 1]));
	*len = n / 2;
	return 0;
}

/* iproute2-style abbreviation: "sh" matches "show" */
bool matches(const char *arg, const char *word)
{
	size_t n = strlen(arg);

	return n && n <= strlen(word) && !strncmp(arg, word, n);
}
