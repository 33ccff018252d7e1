// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * gvpnd's control socket (ctl.h). One request per connection, framed as
 * in lib/ctl_proto.h. Everything is non-blocking on the event loop: a
 * client that stops sending or stops reading is dropped after CTL_IDLE_MS,
 * at most CTL_MAX_CONNS are served at once, and nothing a client sends can
 * make gvpnd wait or crash.
 *
 * Access: the socket file's mode and group decide who may connect; gvpnd
 * checks again with SO_PEERCRED. Root, members of the socket's group (or
 * anyone when the mode lets others write) may run the commands that only
 * read; the others change gvpnd's state and need uid 0. (A capability
 * check through /proc/PID/status would race with PID reuse.)
 */

#include <errno.h>
#include <grp.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "core/log.h"
#include "core/loop.h"
#include "ctl.h"
#include "ctl_int.h"
#include "json.h"

struct ctl_cmd {
	const char *object, *command;
	ctl_fn fn;
	void *arg;
};

struct ctl_conn {
	int fd;
	pid_t pid;
	uid_t uid;
	bool may_read, may_write;
	size_t in_len;
	char *out;
	size_t out_len, out_off;
	uint64_t deadline;	/* for the whole reply */
	struct ev_timer timer;
	struct ctl_conn *next;
	char in[CTL_MAX_REQ];
};

static struct ctl_cmd cmds[CTL_MAX_CMDS];
static unsigned ncmds;
static int lfd = -1;
static char sock_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
static gid_t sock_gid;
static unsigned sock_mode;
static struct ctl_conn *conns;
static unsigned nconns;
static struct log_rl rl_drop = LOG_RL_INIT("control clients dropped");
static uint64_t started_ms;
static void (*show_extra)(void *arg);
static void *show_extra_arg;

void ctl_daemon_show_add(void (*fn)(void *arg), void *arg)
{
	show_extra = fn;
	show_extra_arg = arg;
}

int ctl_register(const char *object, const char *command, ctl_fn fn,
		 void *arg)
{
	unsigned i;

	if (!object || !*object || !command || !*command || !fn) {
		errno = EINVAL;
		return -1;
	}
	for (i = 0; i < ncmds; i++) {
		if (!strcmp(cmds[i].object, object) &&
		    !strcmp(cmds[i].command, command)) {
			errno = EEXIST;
			return -1;
		}
	}
	if (ncmds == CTL_MAX_CMDS) {
		errno = ENOSPC;
		return -1;
	}
	cmds[ncmds++] = (struct ctl_cmd){ object, command, fn, arg };
	return 0;
}

bool ctl_readonly(const char *command)
{
	return !strcmp(command, "show") || !strcmp(command, "members") ||
	       !strcmp(command, "list");
}

static bool have_object(const char *object)
{
	unsigned i;

	for (i = 0; i < ncmds; i++)
		if (!strcmp(cmds[i].object, object))
			return true;
	return false;
}

/* "; this gvpnd answers: ks show, ks members, ..." */
static void list_commands(FILE *f)
{
	unsigned i;

	if (!ncmds) {
		fputs("; it has no control commands (neither key server nor group member)",
		      f);
		return;
	}
	fputs("; this gvpnd answers:", f);
	for (i = 0; i < ncmds; i++)
		fprintf(f, "%s %s %s", i ? "," : "", cmds[i].object,
			cmds[i].command);
}

/* The status line: a message on one line, whatever the handler wrote */
static void status_line(FILE *f, int status, const char *msg)
{
	const char *p;

	if (!status) {
		fputs("0\n", f);
		return;
	}
	fprintf(f, "%d ", status);
	if (!*msg)
		msg = status == 2 ? "usage error" : "failed";
	for (p = msg; *p; p++)
		fputc((unsigned char)*p < 0x20 ? ' ' : *p, f);
	fputc('\n', f);
}

int ctl_answer(struct ctl_req *req, bool may_write, char **out,
	       size_t *len)
{
	char err[512] = "", *body = NULL, *msg = NULL;
	size_t body_len = 0, msg_len = 0;
	const struct ctl_cmd *cmd = NULL;
	FILE *f, *m;
	unsigned i;
	int rc;

	for (i = 0; i < ncmds; i++)
		if (!strcmp(cmds[i].object, req->argv[0]) &&
		    !strcmp(cmds[i].command, req->argv[1]))
			cmd = &cmds[i];

	*out = NULL;
	f = open_memstream(out, len);
	if (!f)
		return -1;
	if (!cmd) {
		m = open_memstream(&msg, &msg_len);
		if (!m) {
			fclose(f);
			free(*out);
			return -1;
		}
		if (have_object(req->argv[0]))
			fprintf(m, "unknown command \"%s %s\"", req->argv[0],
				req->argv[1]);
		else if (!strcmp(req->argv[0], "ks"))
			fputs("this gvpnd is not a key server (no \"server\" in its configuration)",
			      m);
		else if (!strcmp(req->argv[0], "gm"))
			fputs("this gvpnd is not a group member (no \"member\" in its configuration)",
			      m);
		else if (!strcmp(req->argv[0], "clear") && have_object("ks"))
			/* Cisco's "clear crypto gdoi" on a key server */
			fputs("this gvpnd is a key server, not a group member: \"clear group ID\" drops a member's keys and registers again; here \"clear group ID members\" forgets the group's members and \"ks rekey group ID\" pushes new keys",
			      m);
		else
			fprintf(m, "unknown object \"%s\"", req->argv[0]);
		list_commands(m);
		fclose(m);
		status_line(f, 2, msg ? msg : "");
		free(msg);
		rc = 2;
		goto out;
	}
	if (!ctl_readonly(cmd->command) && !may_write) {
		snprintf(err, sizeof(err),
			 "permission denied: \"%s %s\" changes gvpnd's state and needs root",
			 cmd->object, cmd->command);
		status_line(f, 1, err);
		rc = 1;
		goto out;
	}

	m = open_memstream(&body, &body_len);
	if (!m) {
		fclose(f);
		free(*out);
		return -1;
	}
	json_begin(m, req->json);
	rc = cmd->fn(cmd->arg, req->argc, req->argv, err, sizeof(err));
	if (json_end())
		log_warn("control: \"%s %s\" printed unbalanced JSON",
			 cmd->object, cmd->command);
	fclose(m);
	if (rc == 0) {
		status_line(f, 0, "");
		if (body)
			fwrite(body, 1, body_len, f);
	} else {
		rc = rc == -2 ? 2 : 1;
		status_line(f, rc, err);
	}
	free(body);
out:
	if (fclose(f)) {
		free(*out);
		*out = NULL;
		return -1;
	}
	return rc;
}

/* "daemon show": every gvpnd answers it, whatever its roles */
static int daemon_show(void *arg, int argc, char **argv, char *err,
		       size_t errlen)
{
	char line[CTL_MAX_CMDS * 40] = "", *p = line;
	unsigned i;

	(void)arg;
	(void)argv;
	if (argc != 2) {
		snprintf(err, errlen, "\"daemon show\" takes no arguments");
		return -2;
	}
	open_json_object(NULL);
	print_string(PRINT_ANY, "version", "gvpnd", GVPN_VERSION);
	print_int(PRINT_ANY, "pid", "pid", (int64_t)getpid());
	print_uint(PRINT_ANY, "uptime", "uptime",
		   (ev_now_ms() - started_ms) / 1000);
	print_string(PRINT_ANY, "socket", "socket", sock_path);
	print_string(PRINT_ANY, "log_level", "log-level",
		     log_level_name(log_get_level()));
	print_nl();
	open_json_array("commands");
	for (i = 0; i < ncmds; i++) {
		char cmd[80];

		snprintf(cmd, sizeof(cmd), "%s %s", cmds[i].object,
			 cmds[i].command);
		print_string(PRINT_JSON, NULL, NULL, cmd);
		p += snprintf(p, (size_t)(line + sizeof(line) - p), "%s%s",
			      i ? ", " : "", cmd);
	}
	close_json_array();
	print_string(PRINT_FP, NULL, "commands", line);
	print_nl();
	if (show_extra)
		show_extra(show_extra_arg);
	close_json_object();
	return 0;
}

/* --- connections --------------------------------------------------------- */

static void conn_free(struct ctl_conn *c)
{
	struct ctl_conn **pp;

	for (pp = &conns; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	nconns--;
	ev_timer_del(&c->timer);
	ev_fd_del(c->fd);
	close(c->fd);
	free(c->out);
	free(c);
}

static void on_conn(int fd, uint32_t events, void *arg);

/* Events may come for a slot another fd took over meanwhile: the
 * callbacks act on what recv/send return, never on the event flags. */
static void conn_write(struct ctl_conn *c)
{
	ssize_t n;

	while (c->out_off < c->out_len) {
		n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
			 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			uint64_t now = ev_now_ms(), left;

			left = c->deadline > now ? c->deadline - now : 0;
			ev_timer_add(&c->timer,
				     left < CTL_IDLE_MS ? left : CTL_IDLE_MS);
			return;
		}
		if (n <= 0) {
			log_debug("control: pid %d went away: %s", (int)c->pid,
				  n < 0 ? strerror(errno) : "closed");
			conn_free(c);
			return;
		}
		c->out_off += (size_t)n;
	}
	conn_free(c);
}

/* Switch c from reading to writing its reply */
static void conn_reply(struct ctl_conn *c)
{
	c->deadline = ev_now_ms() + CTL_REPLY_MS;
	ev_fd_del(c->fd);
	if (ev_fd_add(c->fd, EPOLLOUT, on_conn, c)) {
		log_warn("control: %s", strerror(errno));
		conn_free(c);
		return;
	}
	conn_write(c);
}

static void conn_error(struct ctl_conn *c, int status, const char *msg)
{
	FILE *f = open_memstream(&c->out, &c->out_len);

	if (!f) {
		conn_free(c);
		return;
	}
	status_line(f, status, msg);
	if (fclose(f)) {
		conn_free(c);
		return;
	}
	conn_reply(c);
}

static void conn_request(struct ctl_conn *c, struct ctl_req *req)
{
	/* what root changes is logged; the rest only when debugging, so
	 * that the socket's group cannot fill the log */
	int i, rc, prio = !ctl_readonly(req->argv[1]) && c->may_write ?
			  LOG_INFO : LOG_DEBUG;

	if (prio <= log_get_level()) {
		char line[CTL_MAX_REQ], *p = line;

		line[0] = '\0';
		for (i = 0; i < req->argc && p < line + sizeof(line); i++)
			p += snprintf(p, (size_t)(line + sizeof(line) - p),
				      "%s%s", i ? " " : "", req->argv[i]);
		log_msg(prio, "control: uid %u pid %d: %s%s", (unsigned)c->uid,
			(int)c->pid, line, req->json ? " (json)" : "");
	}
	rc = ctl_answer(req, c->may_write, &c->out, &c->out_len);
	if (rc < 0) {
		log_err("control: out of memory");
		conn_free(c);
		return;
	}
	conn_reply(c);
}

static void conn_read(struct ctl_conn *c)
{
	static struct ctl_req req;
	char err[128];
	ssize_t n;
	int rc;

	for (;;) {
		n = recv(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len,
			 MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n < 0) {
			conn_free(c);
			return;
		}
		if (n == 0) {
			/* the client may have shut down its side only */
			conn_error(c, 2, c->in_len ? "bad request: truncated"
						   : "bad request: empty");
			return;
		}
		/* no new time per byte: the whole request within CTL_IDLE_MS
		 * of connecting, so trickling clients cannot hold slots */
		c->in_len += (size_t)n;
		rc = ctl_decode(c->in, c->in_len, &req, err, sizeof(err));
		if (rc == 0)
			continue;
		if (rc < 0) {
			char msg[160];

			log_rl(&rl_drop, LOG_NOTICE,
			       "control: bad request from pid %d: %s",
			       (int)c->pid, err);
			snprintf(msg, sizeof(msg), "bad request: %s", err);
			conn_error(c, 2, msg);
			return;
		}
		if (!c->may_read) {
			snprintf(err, sizeof(err),
				 "permission denied: uid %u is neither root nor in the control socket's group",
				 (unsigned)c->uid);
			conn_error(c, 1, err);
			return;
		}
		conn_request(c, &req);
		return;
	}
}

static void on_conn(int fd, uint32_t events, void *arg)
{
	struct ctl_conn *c = arg;

	(void)fd;
	(void)events;
	if (c->out)
		conn_write(c);
	else
		conn_read(c);
}

static void on_idle(struct ev_timer *t)
{
	struct ctl_conn *c = container_of(t, struct ctl_conn, timer);

	log_rl(&rl_drop, LOG_NOTICE, "control: dropped pid %d: %s", (int)c->pid,
	       !c->out ? "no complete request within 5 s" :
	       "it did not read the reply (5 s without progress, or 60 s in all)");
	conn_free(c);
}

static bool in_group(int fd, const struct ucred *cr)
{
	gid_t few[64], *groups = few;
	socklen_t len = sizeof(few);
	bool found = false;
	unsigned i;

	if (cr->gid == sock_gid)
		return true;
	/* supplementary groups as they were at connect() (Linux 4.13) */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len)) {
		if (errno != ERANGE || !(groups = malloc(len)))
			return false;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len))
			len = 0;
	}
	for (i = 0; i < len / sizeof(gid_t) && !found; i++)
		found = groups[i] == sock_gid;
	if (groups != few)
		free(groups);
	return found;
}

static void on_listen(int fd, uint32_t events, void *arg)
{
	struct ucred cr;
	socklen_t len;
	struct ctl_conn *c;
	int cfd, i;

	(void)events;
	(void)arg;
	/* a bounded batch: other work gets its turn under a connect flood */
	for (i = 0; i < 16; i++) {
		cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR && errno != ECONNABORTED)
				log_rl(&rl_drop, LOG_WARNING,
				       "control: accept: %s", strerror(errno));
			return;
		}
		len = sizeof(cr);
		if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cr, &len)) {
			close(cfd);
			continue;
		}
		if (nconns >= CTL_MAX_CONNS) {
			static const char busy[] =
				"1 gvpnd is busy with other control clients; try again\n";

			log_rl(&rl_drop, LOG_NOTICE,
			       "control: pid %d refused: %u clients already",
			       (int)cr.pid, nconns);
			if (send(cfd, busy, sizeof(busy) - 1,
				 MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
				log_debug("control: %s", strerror(errno));
			close(cfd);
			continue;
		}
		c = calloc(1, sizeof(*c));
		if (!c) {
			close(cfd);
			continue;
		}
		c->fd = cfd;
		c->pid = cr.pid;
		c->uid = cr.uid;
		c->may_write = cr.uid == 0;
		c->may_read = cr.uid == 0 || (sock_mode & S_IWOTH) ||
			      in_group(cfd, &cr);
		ev_timer_init(&c->timer, on_idle);
		if (ev_fd_add(cfd, EPOLLIN, on_conn, c)) {
			log_rl(&rl_drop, LOG_WARNING, "control: %s",
			       strerror(errno));
			close(cfd);
			free(c);
			continue;
		}
		c->next = conns;
		conns = c;
		nconns++;
		ev_timer_add(&c->timer, CTL_IDLE_MS);
	}
}

/* --- the socket ------------------------------------------------------------ */

/* Why giving a file to the socket's group failed */
static void log_chown(const char *what, const char *group)
{
	if (errno == EPERM)
		log_err("control socket: cannot give %s to group %s: gvpnd needs CAP_CHOWN or to be in the group (systemd: SupplementaryGroups=%s)",
			what, group, group);
	else
		log_err("control socket: %s: %s", what, strerror(errno));
}

/* The socket's directory: created 0750 with the socket's group if missing */
static int ctl_dir(const char *path, gid_t gid, const char *group)
{
	char buf[sizeof(sock_path)], *dir;
	struct stat st;

	snprintf(buf, sizeof(buf), "%s", path);
	dir = dirname(buf);
	if (stat(dir, &st) && errno == ENOENT) {
		if (mkdir(dir, 0750)) {
			log_err("control socket: cannot create %s: %s", dir,
				strerror(errno));
			return -1;
		}
		if (chown(dir, (uid_t)-1, gid)) {
			log_chown(dir, group);
			rmdir(dir);
			return -1;
		}
		return 0;
	}
	if (stat(dir, &st) || !S_ISDIR(st.st_mode)) {
		log_err("control socket: %s is not a directory", dir);
		return -1;
	}
	if (gid && !(st.st_mode & S_IXOTH) &&
	    !(st.st_gid == gid && (st.st_mode & S_IXGRP)))
		log_warn("control socket: group %u cannot reach %s: %s is mode %04o, group %u",
			 (unsigned)gid, path, dir, st.st_mode & 07777,
			 (unsigned)st.st_gid);
	return 0;
}

/* A socket file left by a gvpnd that died goes; a live one stops us */
static int ctl_stale(const struct sockaddr_un *sun)
{
	struct stat st;
	int fd, rc;

	if (lstat(sun->sun_path, &st))
		return errno == ENOENT ? 0 : -1;
	if (!S_ISSOCK(st.st_mode)) {
		log_err("control socket: %s exists and is not a socket",
			sun->sun_path);
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	rc = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	close(fd);
	if (!rc) {
		log_err("control socket: another gvpnd listens on %s",
			sun->sun_path);
		return -1;
	}
	if (errno != ECONNREFUSED) {
		log_err("control socket: %s: %s", sun->sun_path,
			strerror(errno));
		return -1;
	}
	return unlink(sun->sun_path);
}

int ctl_open(const char *path, unsigned mode, const char *group)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	bool bound, ok = true;
	struct group *gr;
	mode_t old;

	if (!path)
		path = CTL_DEFAULT_SOCKET;
	if (strlen(path) >= sizeof(sun.sun_path) || path[0] != '/') {
		log_err("control socket: \"%s\" is not an absolute path of at most %zu bytes",
			path, sizeof(sun.sun_path) - 1);
		return -1;
	}
	strcpy(sun.sun_path, path);
	sock_gid = 0;
	if (group && (gr = getgrnam(group))) {
		sock_gid = gr->gr_gid;
	} else if (group) {
		log_err("control socket: unknown group \"%s\"", group);
		return -1;
	}
	sock_mode = mode & 0777;
	if (ctl_dir(path, sock_gid, group ? group : "root") || ctl_stale(&sun))
		return -1;

	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (lfd < 0) {
		log_err("control socket: %s", strerror(errno));
		return -1;
	}
	/* nobody may connect before mode and group are right */
	old = umask(0177);
	bound = !bind(lfd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (bound && chown(path, (uid_t)-1, sock_gid)) {
		log_chown(path, group ? group : "root");
		ok = false;
	} else if (!bound || chmod(path, sock_mode) || listen(lfd, 64) ||
		   ev_fd_add(lfd, EPOLLIN, on_listen, NULL)) {
		log_err("control socket %s: %s", path, strerror(errno));
		ok = false;
	}
	if (!ok) {
		if (bound)
			unlink(path);
		close(lfd);
		lfd = -1;
		return -1;
	}
	strcpy(sock_path, path);
	started_ms = ev_now_ms();
	if (ctl_register("daemon", "show", daemon_show, NULL) && errno != EEXIST)
		log_warn("control: \"daemon show\": %s", strerror(errno));
	if (ctl_register("daemon", "log", ctl_log_level, NULL) &&
	    errno != EEXIST)
		log_warn("control: \"daemon log\": %s", strerror(errno));
	log_info("control socket %s (mode %04o, group %u)", path, sock_mode,
		 (unsigned)sock_gid);
	return 0;
}

void ctl_close(void)
{
	while (conns)
		conn_free(conns);
	if (lfd >= 0) {
		ev_fd_del(lfd);
		close(lfd);
		unlink(sock_path);
		lfd = -1;
	}
	ncmds = 0;
}
