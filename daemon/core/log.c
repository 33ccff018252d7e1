// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"

static const char *log_ident = "gvpnd";
static bool log_stderr = true;
static int log_level = LOG_INFO;

static const char *const level_names[] = {
	[LOG_EMERG] = "emerg", [LOG_ALERT] = "alert", [LOG_CRIT] = "crit",
	[LOG_ERR] = "err", [LOG_WARNING] = "warning", [LOG_NOTICE] = "notice",
	[LOG_INFO] = "info", [LOG_DEBUG] = "debug",
};

void log_init(const char *ident, bool to_stderr, int level)
{
	log_ident = ident;
	log_stderr = to_stderr;
	log_level = level;
	if (!to_stderr)
		openlog(ident, LOG_PID, LOG_DAEMON);
}

void log_set_level(int level)
{
	log_level = level;
}

int log_get_level(void)
{
	return log_level;
}

int log_level_parse(const char *s)
{
	int i;

	for (i = LOG_ERR; i <= LOG_DEBUG; i++)
		if (!strcasecmp(s, level_names[i]))
			return i;
	return -1;
}

const char *log_level_name(int level)
{
	if (level < LOG_EMERG || level > LOG_DEBUG)
		return "?";
	return level_names[level];
}

static void vlog(int prio, const char *fmt, va_list ap)
{
	char line[1024];

	vsnprintf(line, sizeof(line), fmt, ap);
	if (!log_stderr) {
		syslog(prio, "%s", line);
		return;
	}
	fprintf(stderr, "%s[%d]: %s: %s\n", log_ident, (int)getpid(),
		level_names[prio & 7], line);
}

void log_msg(int prio, const char *fmt, ...)
{
	va_list ap;

	if (prio > log_level)
		return;
	va_start(ap, fmt);
	vlog(prio, fmt, ap);
	va_end(ap);
}

static struct log_rl *rl_pending;

static void rl_summary(struct log_rl *rl, uint64_t now)
{
	if (rl->suppressed)
		log_msg(rl->prio, "%lu more %s in the last %.1f s (rate-limited)",
			rl->suppressed, rl->what,
			(double)(now - rl->start) / 1000.0);
	rl->start = now;
	rl->count = 0;
	rl->suppressed = 0;
}

void log_rl_flush(void)
{
	uint64_t now = ev_now_ms();
	struct log_rl **pp = &rl_pending, *rl;

	while ((rl = *pp)) {
		if (now - rl->start >= LOG_RL_WINDOW_MS) {
			rl_summary(rl, now);
			*pp = rl->next;
			rl->listed = false;
		} else {
			pp = &rl->next;
		}
	}
}

void log_rl(struct log_rl *rl, int prio, const char *fmt, ...)
{
	uint64_t now = ev_now_ms();
	va_list ap;

	if (prio > log_level)
		return;
	if (now - rl->start >= LOG_RL_WINDOW_MS)
		rl_summary(rl, now);
	if (rl->count >= LOG_RL_BURST) {
		rl->suppressed++;
		rl->prio = prio;
		if (!rl->listed) {
			rl->listed = true;
			rl->next = rl_pending;
			rl_pending = rl;
		}
		return;
	}
	rl->count++;
	va_start(ap, fmt);
	vlog(prio, fmt, ap);
	va_end(ap);
}

char *log_hex(char *out, const void *p, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 15];
	}
	out[2 * len] = '\0';
	return out;
}
