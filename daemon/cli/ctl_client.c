// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * Talking to gvpnd over its control socket (lib/ctl_proto.h): the objects
 * ks, gm and clear send one request each and print gvpnd's answer.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl_proto.h"
#include "gvpn.h"
#include "util.h"

/* gvpnd answers from memory at once; this only bounds a stuck daemon */
#define CLI_CTL_TIMEOUT_S	30
#define CLI_CTL_MAX_REPLY	(256u << 20)

const char *cli_ctl_socket(void)
{
	const char *env = getenv("GVPN_SOCKET");

	if (opts.socket)
		return opts.socket;
	return env && *env ? env : CTL_DEFAULT_SOCKET;
}

static int ctl_connect(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = CLI_CTL_TIMEOUT_S };
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "Error: socket path \"%s\" is too long.\n", path);
		return -1;
	}
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "Error: socket: %m.\n");
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (!connect(fd, (struct sockaddr *)&sun, sizeof(sun)))
		return fd;
	if (errno == ENOENT)
		fprintf(stderr, "Error: gvpnd is not running (no %s).\n", path);
	else if (errno == ECONNREFUSED)
		fprintf(stderr, "Error: gvpnd is not running (nothing listens on %s).\n",
			path);
	else if (errno == EACCES || errno == EPERM)
		fprintf(stderr, "Error: permission denied on %s (root and the socket's group only).\n",
			path);
	else
		fprintf(stderr, "Error: cannot connect to gvpnd at %s: %m.\n", path);
	close(fd);
	return -1;
}

static int send_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len) {
		n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The whole reply until gvpnd closes; NULL (error printed) on failure */
static char *recv_all(int fd, size_t *len)
{
	size_t cap = 4096;
	char *buf = malloc(cap + 1), *nb;
	ssize_t n;

	*len = 0;
	while (buf) {
		if (*len == cap) {
			if (cap >= CLI_CTL_MAX_REPLY) {
				fprintf(stderr, "Error: gvpnd's answer is larger than %u MiB.\n",
					CLI_CTL_MAX_REPLY >> 20);
				break;
			}
			cap *= 2;
			nb = realloc(buf, cap + 1);
			if (!nb)
				break;
			buf = nb;
		}
		n = recv(fd, buf + *len, cap - *len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0) {
			buf[*len] = '\0';
			return buf;
		}
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				fprintf(stderr, "Error: gvpnd did not answer within %d s.\n",
					CLI_CTL_TIMEOUT_S);
			else
				fprintf(stderr, "Error: reading gvpnd's answer: %m.\n");
			break;
		}
		*len += (size_t)n;
	}
	if (!buf)
		fprintf(stderr, "Error: out of memory.\n");
	free(buf);
	return NULL;
}

int cli_ctl(int argc, char **argv)
{
	char req[CTL_MAX_REQ], *reply, *msg, *body;
	const char *path = cli_ctl_socket();
	ssize_t len;
	size_t rlen;
	int fd, status;

	len = ctl_encode(req, sizeof(req), opts.json, argc, argv);
	if (len < 0)
		return cli_usage_error("the command is too long or has control characters");
	fd = ctl_connect(path);
	if (fd < 0)
		return EXIT_KERNEL;
	if (send_all(fd, req, (size_t)len)) {
		fprintf(stderr, "Error: sending to gvpnd: %m.\n");
		close(fd);
		return EXIT_KERNEL;
	}
	reply = recv_all(fd, &rlen);
	close(fd);
	if (!reply)
		return EXIT_KERNEL;
	status = ctl_reply_split(reply, rlen, &msg, &body);
	if (status < 0) {
		fprintf(stderr, "Error: gvpnd closed the connection without a valid answer.\n");
		free(reply);
		return EXIT_KERNEL;
	}
	if (status == 0)
		fwrite(body, 1, rlen - (size_t)(body - reply), stdout);
	else
		fprintf(stderr, "Error: %s.\n", msg);
	free(reply);
	if (fflush(stdout)) {
		fprintf(stderr, "Error: writing the answer: %m.\n");
		return EXIT_KERNEL;
	}
	return status == 2 ? EXIT_USAGE : status ? EXIT_KERNEL : EXIT_OK;
}

int cli_ctl_group(const char *object, const char *command, int argc,
		  char **argv, bool optional)
{
	char *words[4] = { (char *)object };
	uint32_t id;
	int n = 1;

	if (command)
		words[n++] = (char *)command;
	if (argc == 0 && optional)
		return cli_ctl(n, words);
	if (argc == 0 || !matches(argv[0], "group"))
		return cli_usage_error(optional ? "expected nothing or \"group ID\"" :
				       "expected \"group ID\"");
	if (argc < 2)
		return cli_usage_error("\"group\" needs an ID (1..65535)");
	if (parse_u32(argv[1], 1, 65535, &id)) {
		fprintf(stderr, "Error: invalid group ID \"%s\" (1..65535).\n",
			argv[1]);
		return EXIT_USAGE;
	}
	if (argc > 2) {
		fprintf(stderr, "Error: unexpected \"%s\".\n", argv[2]);
		return EXIT_USAGE;
	}
	words[n++] = "group";
	words[n++] = argv[1];
	return cli_ctl(n, words);
}
