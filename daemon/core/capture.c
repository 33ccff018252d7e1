// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "capture.h"
#include "log.h"

#define LINKTYPE_RAW	101
#define PCAP_SNAPLEN	65535

static FILE *pcap_f;
static FILE *keylog_f;
static uint16_t ip_id;

static FILE *open_secret(const char *path, const char *what, bool truncate)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC |
		      (truncate ? O_TRUNC : O_APPEND), 0600);
	FILE *f;

	if (fd < 0) {
		log_err("%s %s: %s", what, path, strerror(errno));
		return NULL;
	}
	/* an existing file keeps its mode on open(): tighten it */
	if (fchmod(fd, 0600)) {
		log_err("%s %s: %s", what, path, strerror(errno));
		close(fd);
		return NULL;
	}
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		return NULL;
	}
	/* what goes there (decrypted messages with their KD, Phase 1 keys)
	 * leaves no copy behind in a stdio buffer on the heap */
	setvbuf(f, NULL, _IONBF, 0);
	return f;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

int capture_open(const char *path)
{
	struct {
		uint32_t magic;
		uint16_t major, minor;
		int32_t zone;
		uint32_t sigfigs, snaplen, linktype;
	} gh = { 0xa1b2c3d4, 2, 4, 0, 0, PCAP_SNAPLEN, LINKTYPE_RAW };

	pcap_f = open_secret(path, "pcap file", true);
	if (!pcap_f)
		return -1;
	if (fwrite(&gh, sizeof(gh), 1, pcap_f) != 1 || fflush(pcap_f)) {
		log_err("pcap file %s: %s", path, strerror(errno));
		capture_close();
		return -1;
	}
	return 0;
}

void capture_close(void)
{
	if (pcap_f)
		fclose(pcap_f);
	pcap_f = NULL;
}

static uint16_t ip_csum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

void capture_udp4(const struct sockaddr_in *src, const struct sockaddr_in *dst,
		  const uint8_t *data, size_t len)
{
	struct {
		uint32_t sec, usec, incl, orig;
	} rh;
	uint8_t hdr[28] = { 0x45 };
	struct timeval tv;

	if (!pcap_f)
		return;
	if (len > PCAP_SNAPLEN - sizeof(hdr))
		len = PCAP_SNAPLEN - sizeof(hdr);
	gettimeofday(&tv, NULL);
	rh.sec = (uint32_t)tv.tv_sec;
	rh.usec = (uint32_t)tv.tv_usec;
	rh.incl = rh.orig = (uint32_t)(len + sizeof(hdr));
	put16(hdr + 2, (uint16_t)(len + sizeof(hdr)));
	put16(hdr + 4, ip_id++);
	hdr[8] = 64;
	hdr[9] = IPPROTO_UDP;
	memcpy(hdr + 12, &src->sin_addr, 4);
	memcpy(hdr + 16, &dst->sin_addr, 4);
	put16(hdr + 10, ip_csum(hdr, 20));
	memcpy(hdr + 20, &src->sin_port, 2);
	memcpy(hdr + 22, &dst->sin_port, 2);
	put16(hdr + 24, (uint16_t)(len + 8));
	if (fwrite(&rh, sizeof(rh), 1, pcap_f) != 1 ||
	    fwrite(hdr, sizeof(hdr), 1, pcap_f) != 1 ||
	    fwrite(data, 1, len, pcap_f) != len || fflush(pcap_f)) {
		log_err("pcap file: %s; capture stopped", strerror(errno));
		capture_close();
	}
}

int keylog_open(const char *path)
{
	keylog_f = open_secret(path, "key log", false);
	return keylog_f ? 0 : -1;
}

void keylog_close(void)
{
	if (keylog_f)
		fclose(keylog_f);
	keylog_f = NULL;
}

void keylog_write(const uint8_t icookie[8], const uint8_t *key, size_t len)
{
	char ck[17], k[2 * 64 + 1];

	if (!keylog_f || len > 64)
		return;
	fprintf(keylog_f, "%s,%s\n", log_hex(ck, icookie, 8),
		log_hex(k, key, len));
	if (fflush(keylog_f)) {
		log_err("key log: %s; key log stopped", strerror(errno));
		keylog_close();
	}
	memset(k, 0, sizeof(k));
}
