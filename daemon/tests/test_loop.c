// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * Unit tests for the event loop: a descriptor removed by a callback does
 * not hand its pending event to the descriptor that takes its slot (the
 * control socket closes and accepts clients in one batch).
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <cmocka.h>

#include "core/loop.h"

static int fd_a, fd_b, fd_c;
static int calls_ab, calls_c, kept;
static struct ev_timer stop;

static void on_stop(struct ev_timer *t)
{
	(void)t;
	ev_stop();
}

static void on_c(int fd, uint32_t events, void *arg)
{
	(void)fd;
	(void)events;
	(void)arg;
	calls_c++;
}

/* whichever of a and b runs first removes the other, whose event is
 * already in the batch, and adds c, which takes the freed slot */
static void on_ab(int fd, uint32_t events, void *arg)
{
	int other = fd == fd_a ? fd_b : fd_a;
	uint64_t n;

	(void)events;
	(void)arg;
	calls_ab++;
	assert_int_equal(read(fd, &n, sizeof(n)), sizeof(n));
	if (calls_ab > 1)
		return;
	ev_fd_del(other);
	close(other);
	kept = fd;
	fd_c = eventfd(0, EFD_NONBLOCK);	/* never readable */
	assert_true(fd_c >= 0);
	assert_int_equal(ev_fd_add(fd_c, EPOLLIN, on_c, NULL), 0);
	ev_timer_add(&stop, 1);
}

static void test_stale_event(void **state)
{
	uint64_t one = 1;

	(void)state;
	assert_int_equal(ev_init(), 0);
	fd_a = eventfd(0, EFD_NONBLOCK);
	fd_b = eventfd(0, EFD_NONBLOCK);
	assert_true(fd_a >= 0 && fd_b >= 0);
	assert_int_equal(ev_fd_add(fd_a, EPOLLIN, on_ab, NULL), 0);
	assert_int_equal(ev_fd_add(fd_b, EPOLLIN, on_ab, NULL), 0);
	ev_timer_init(&stop, on_stop);
	/* both readable before the loop waits: one batch */
	assert_int_equal(write(fd_a, &one, sizeof(one)), sizeof(one));
	assert_int_equal(write(fd_b, &one, sizeof(one)), sizeof(one));
	assert_int_equal(ev_run(), 0);
	assert_int_equal(calls_ab, 1);
	assert_int_equal(calls_c, 0);
	ev_fd_del(fd_c);
	close(fd_c);
	ev_fd_del(kept);
	close(kept);
	ev_fini();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stale_event),
	};

	return cmocka_run_group_tests_name("loop", tests, NULL, NULL);
}
