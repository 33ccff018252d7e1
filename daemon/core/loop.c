// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>

#include "log.h"
#include "loop.h"

#define EV_MAX_FDS	64

struct ev_fd {
	int fd;
	uint32_t gen;
	ev_fd_cb cb;
	void *arg;
};

static int epfd = -1;
static int tfd = -1;
static bool running;
static uint64_t now_cache;
static bool now_valid;
static struct ev_fd fds[EV_MAX_FDS];
/* an event names its slot and the slot's generation: an event fetched for
 * a descriptor removed in the same batch never reaches its successor */
static uint32_t fd_gen;
static struct ev_timer **heap;
static size_t heap_len, heap_cap;
static uint64_t armed_for = UINT64_MAX;

uint64_t ev_now_ms(void)
{
	struct timespec ts;

	if (now_valid)
		return now_cache;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void ev_clock_set(uint64_t now_ms)
{
	now_cache = now_ms;
	now_valid = true;
}

static void heap_swap(size_t a, size_t b)
{
	struct ev_timer *t = heap[a];

	heap[a] = heap[b];
	heap[b] = t;
	heap[a]->idx = a + 1;
	heap[b]->idx = b + 1;
}

static void heap_up(size_t i)
{
	while (i > 0 && heap[(i - 1) / 2]->when > heap[i]->when) {
		heap_swap(i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static void heap_down(size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < heap_len && heap[l]->when < heap[m]->when)
			m = l;
		if (r < heap_len && heap[r]->when < heap[m]->when)
			m = r;
		if (m == i)
			return;
		heap_swap(i, m);
		i = m;
	}
}

static void arm(void)
{
	struct itimerspec its = { 0 };
	uint64_t when = heap_len ? heap[0]->when : 0;

	if (tfd < 0 || when == armed_for)
		return;
	if (heap_len) {
		/* 0 would disarm: an overdue timer fires in 1 ns */
		its.it_value.tv_sec = when / 1000;
		its.it_value.tv_nsec = (when % 1000) * 1000000 + 1;
	}
	timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL);
	armed_for = when;
}

void ev_timer_init(struct ev_timer *t, void (*cb)(struct ev_timer *t))
{
	t->when = 0;
	t->idx = 0;
	t->cb = cb;
}

void ev_timer_add(struct ev_timer *t, uint64_t delay_ms)
{
	if (t->idx)
		ev_timer_del(t);
	if (heap_len == heap_cap) {
		size_t cap = heap_cap ? 2 * heap_cap : 64;
		struct ev_timer **h = realloc(heap, cap * sizeof(*h));

		if (!h) {
			log_err("out of memory for timers");
			abort();
		}
		heap = h;
		heap_cap = cap;
	}
	t->when = ev_now_ms() + delay_ms;
	heap[heap_len] = t;
	t->idx = ++heap_len;
	heap_up(heap_len - 1);
	arm();
}

void ev_timer_del(struct ev_timer *t)
{
	size_t i;

	if (!t->idx)
		return;
	i = t->idx - 1;
	t->idx = 0;
	heap_len--;
	if (i != heap_len) {
		heap[i] = heap[heap_len];
		heap[i]->idx = i + 1;
		heap_up(i);
		heap_down(heap[i]->idx - 1);
	}
	arm();
}

size_t ev_timer_count(void)
{
	return heap_len;
}

void ev_timers_run(void)
{
	uint64_t now = ev_now_ms();

	while (heap_len && heap[0]->when <= now) {
		struct ev_timer *t = heap[0];

		ev_timer_del(t);
		t->cb(t);
	}
	arm();
}

static void on_timerfd(int fd, uint32_t events, void *arg)
{
	uint64_t n;

	(void)events;
	(void)arg;
	if (read(fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		log_warn("timerfd: %s", strerror(errno));
	armed_for = UINT64_MAX;
	ev_timers_run();
}

int ev_init(void)
{
	unsigned i;

	for (i = 0; i < EV_MAX_FDS; i++)
		fds[i].fd = -1;
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0)
		return -1;
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (tfd < 0)
		return -1;
	return ev_fd_add(tfd, EPOLLIN, on_timerfd, NULL);
}

void ev_fini(void)
{
	if (tfd >= 0)
		close(tfd);
	if (epfd >= 0)
		close(epfd);
	tfd = epfd = -1;
	free(heap);
	heap = NULL;
	heap_len = heap_cap = 0;
}

int ev_fd_add(int fd, uint32_t events, ev_fd_cb cb, void *arg)
{
	struct epoll_event ev = { .events = events };
	unsigned i;

	for (i = 0; i < EV_MAX_FDS && fds[i].fd >= 0; i++)
		;
	if (i == EV_MAX_FDS) {
		errno = EMFILE;
		return -1;
	}
	fd_gen++;
	ev.data.u64 = (uint64_t)fd_gen << 32 | i;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev))
		return -1;
	fds[i] = (struct ev_fd){ .fd = fd, .gen = fd_gen, .cb = cb, .arg = arg };
	return 0;
}

void ev_fd_del(int fd)
{
	unsigned i;

	for (i = 0; i < EV_MAX_FDS; i++) {
		if (fds[i].fd == fd) {
			epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
			fds[i].fd = -1;
		}
	}
}

int ev_run(void)
{
	struct epoll_event evs[16];

	running = true;
	while (running) {
		int n, i;

		now_valid = false;
		n = epoll_wait(epfd, evs, 16, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_err("epoll_wait: %s", strerror(errno));
			return -1;
		}
		now_cache = ev_now_ms();
		now_valid = true;
		for (i = 0; i < n && running; i++) {
			struct ev_fd *f = &fds[(uint32_t)evs[i].data.u64];

			if (f->fd >= 0 && f->gen == (uint32_t)(evs[i].data.u64 >> 32))
				f->cb(f->fd, evs[i].events, f->arg);
		}
	}
	now_valid = false;
	return 0;
}

void ev_stop(void)
{
	running = false;
}
