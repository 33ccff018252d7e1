/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * gvpnd's log: syslog(3), or lines on stderr in the foreground. Messages
 * that an attacker can trigger at will go through a rate limiter.
 */
#ifndef GVPN_LOG_H
#define GVPN_LOG_H

#include <stdbool.h>
#include <stdint.h>
#include <syslog.h>

void log_init(const char *ident, bool to_stderr, int level);
void log_set_level(int level);
int log_get_level(void);
/* "err", "warning", "notice", "info", "debug" -> LOG_*, or -1 */
int log_level_parse(const char *s);
/* LOG_* -> its name ("debug"); "?" out of range */
const char *log_level_name(int level);
/* the names log_level_parse takes: "err, warning, notice, info, debug" */
#define LOG_LEVEL_NAMES	"err, warning, notice, info, debug"
void log_msg(int prio, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_err(...)	log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...)	log_msg(LOG_WARNING, __VA_ARGS__)
#define log_notice(...)	log_msg(LOG_NOTICE, __VA_ARGS__)
#define log_info(...)	log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...)	log_msg(LOG_DEBUG, __VA_ARGS__)

/*
 * At most LOG_RL_BURST messages per LOG_RL_WINDOW_MS for one limiter; the
 * first message after a window in which some were dropped says how many.
 */
#define LOG_RL_BURST		5
#define LOG_RL_WINDOW_MS	1000

struct log_rl {
	const char *what;	/* summary of the dropped messages */
	uint64_t start;
	unsigned count;
	unsigned long suppressed;
	int prio;
	bool listed;
	struct log_rl *next;	/* limiters with a summary to print */
};

#define LOG_RL_INIT(w) { .what = (w) }

void log_rl(struct log_rl *rl, int prio, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prints the summaries of limiters whose window has passed; gvpnd calls
 * it periodically so a flood that stops is still accounted for. */
void log_rl_flush(void);

/* hex of len bytes into out (2*len+1 bytes) */
char *log_hex(char *out, const void *p, size_t len);

#endif /* GVPN_LOG_H */
