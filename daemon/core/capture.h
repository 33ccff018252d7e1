/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * Wireshark support: a pcap file of every ISAKMP message gvpnd sends and
 * receives, after decryption, framed as IPv4/UDP so that
 * "tshark -d udp.port==848,isakmp" decodes it; and a key log in the format
 * of Wireshark's ikev1_decryption_table (initiator cookie, encryption key,
 * bare hex). Both files are created 0600: they hold secrets.
 */
#ifndef GVPN_CAPTURE_H
#define GVPN_CAPTURE_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

int capture_open(const char *path);
void capture_close(void);
void capture_udp4(const struct sockaddr_in *src, const struct sockaddr_in *dst,
		  const uint8_t *data, size_t len);

int keylog_open(const char *path);
void keylog_close(void);
void keylog_write(const uint8_t icookie[8], const uint8_t *key, size_t len);

#endif /* GVPN_CAPTURE_H */
