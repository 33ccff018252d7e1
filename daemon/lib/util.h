/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * Strict parsers for command-line and configuration values, shared by the
 * gvpn CLI and gvpnd. Each returns 0 on success and -1 on malformed or
 * out-of-range input, leaving the output untouched.
 */
#ifndef GVPN_UTIL_H
#define GVPN_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

int parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out);
int parse_u64(const char *s, uint64_t *out);
/* "A.B.C.D" or "A.B.C.D/LEN"; host bits must be zero */
int parse_prefix4(const char *s, struct in_addr *addr, uint8_t *len);
/* The netmask of an IPv4 prefix of plen bits (0..32), network order */
uint32_t prefix4_mask(unsigned plen);
/* Whether a lies in net/plen */
bool prefix4_match(struct in_addr a, struct in_addr net, unsigned plen);
/* "P" or "P-Q" with P <= Q */
int parse_port_range(const char *s, uint16_t *lo, uint16_t *hi);
/* "tcp", "udp", "icmp", ... or a number 0..255 */
int parse_ipproto(const char *s, uint8_t *out);
const char *ipproto_name(uint8_t proto, char *buf, size_t len);
/* "0x..." hex string (ip xfrm KEYMAT) into buf; *len is in/out */
int parse_hex(const char *s, uint8_t *buf, size_t *len);

bool matches(const char *arg, const char *word);

#endif /* GVPN_UTIL_H */
