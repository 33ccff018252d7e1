/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * gvpnd's event loop: one thread, epoll for file descriptors and a single
 * timerfd armed for the earliest of any number of timers (a binary heap).
 * Nothing in the daemon blocks; everything is a callback from here.
 */
#ifndef GVPN_LOOP_H
#define GVPN_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

typedef void (*ev_fd_cb)(int fd, uint32_t events, void *arg);

struct ev_timer {
	uint64_t when;		/* CLOCK_MONOTONIC, ms */
	size_t idx;		/* position in the heap + 1; 0 = not armed */
	void (*cb)(struct ev_timer *t);
};

int ev_init(void);
void ev_fini(void);
int ev_fd_add(int fd, uint32_t events, ev_fd_cb cb, void *arg);
void ev_fd_del(int fd);

/* Monotonic milliseconds; cached per loop iteration when the loop runs */
uint64_t ev_now_ms(void);
void ev_timer_init(struct ev_timer *t, void (*cb)(struct ev_timer *t));
void ev_timer_add(struct ev_timer *t, uint64_t delay_ms);
void ev_timer_del(struct ev_timer *t);
static inline bool ev_timer_armed(const struct ev_timer *t)
{
	return t->idx != 0;
}
size_t ev_timer_count(void);
/* Runs the callbacks of due timers (the loop does; tests may) */
void ev_timers_run(void);
/*
 * Tests without a running loop: ev_now_ms() returns now_ms until the next
 * call (ev_run() goes back to the real clock), so retransmission timers
 * fire on the test's schedule, not the machine's load.
 */
void ev_clock_set(uint64_t now_ms);

int ev_run(void);
void ev_stop(void);

#endif /* GVPN_LOOP_H */
