// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * gvpnd: the gvpn GDOI daemon. This file wires the layers together:
 * configuration, the event loop, the UDP socket, IKE Phase 1 and the
 * Wireshark outputs. See gvpnd(8).
 */

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>
#include <systemd/sd-daemon.h>

#include "conf.h"
#include "core/capture.h"
#include "core/log.h"
#include "core/loop.h"
#include "ctl.h"
#include "gdoi/gdoi.h"
#include "gm/gm.h"
#include "gm/gm_reload.h"
#include "ike/ike.h"
#include "json.h"
#include "ks/ks.h"
#include "net.h"
#include "util.h"

static struct gvpnd_conf conf;
static struct ike_ctx ike;
static struct gdoi_ctx gdoi;
static struct ks ks;
static struct gm_ctx gm;
static bool debug_log;		/* -d: the file's log level does not apply */

static int op_send(struct ike_ctx *ctx, const struct sockaddr_in *local,
		   const struct sockaddr_in *peer, const uint8_t *buf,
		   size_t len)
{
	(void)ctx;
	return net_send(local, peer, buf, len);
}

static void op_trace(struct ike_ctx *ctx, const struct sockaddr_in *src,
		     const struct sockaddr_in *dst, const uint8_t *buf,
		     size_t len)
{
	(void)ctx;
	capture_udp4(src, dst, buf, len);
}

static void op_keylog(struct ike_ctx *ctx, const uint8_t icookie[8],
		      const uint8_t *key, size_t len)
{
	(void)ctx;
	keylog_write(icookie, key, len);
}

/* GDOI exchanges of established SAs (GROUPKEY-PULL) */
static void op_phase2(struct ike_sa *sa, const struct isakmp_hdr *h,
		      const uint8_t *msg, size_t len)
{
	gdoi_phase2(&gdoi, sa, h, msg, len);
}

static void op_notify(struct ike_sa *sa, const struct isakmp_notify_pl *n)
{
	gdoi_notify(&gdoi, sa, n);
}

static void op_push(struct ike_ctx *ctx, const struct sockaddr_in *local,
		    const struct sockaddr_in *peer, const struct isakmp_hdr *h,
		    const uint8_t *msg, size_t len)
{
	(void)ctx;
	gdoi_push_input(&gdoi, local, peer, h, msg, len);
}

/* the key server's pushes: sent as they are, traced in clear */
static int ks_send(const struct sockaddr_in *local,
		   const struct sockaddr_in *peer, const uint8_t *buf,
		   size_t len)
{
	return net_send(local, peer, buf, len);
}

static void ks_trace(const struct sockaddr_in *src,
		     const struct sockaddr_in *dst, const uint8_t *buf,
		     size_t len)
{
	capture_udp4(src, dst, buf, len);
}

static void op_gone(struct ike_sa *sa)
{
	gdoi_sa_gone(&gdoi, sa);
}

/* "daemon show": with a key server role, the registrations that stopped
 * after Phase 1 (no group is known before a pull: "ks show" counts the
 * ones that stopped after pull message 2 per group); the Phase 1 SAs */
static void daemon_show_extra(void *arg)
{
	(void)arg;
	if (gdoi.ks) {
		print_uint(PRINT_ANY, "ks_phase1_without_pull",
			   "ks-phase1-without-pull",
			   ks.stats.incomplete_no_pull);
		print_nl();
	}
	ike_show(&ike);
}

/* the key server watches a member's Phase 1 SA for its first pull */
static void op_established(struct ike_sa *sa)
{
	gdoi_sa_established(&gdoi, sa);
}

static void warn_groups(const struct gvpnd_conf *c, const char *path);

static bool same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

/* What only a restart changes: fixed at start (sockets, files opened,
 * roles set up). 0, or why names the setting. */
static int reload_fixed(const struct gvpnd_conf *o, const struct gvpnd_conf *n,
			char *why, size_t whylen)
{
	const char *what = NULL;

	if (o->listen_addr.s_addr != n->listen_addr.s_addr)
		what = "listen address";
	else if (o->port != n->port)
		what = "listen port";
	else if (strcmp(o->ctl.socket, n->ctl.socket) ||
		 o->ctl.mode != n->ctl.mode || strcmp(o->ctl.group, n->ctl.group))
		what = "control socket (control)";
	else if (!same_str(o->pcap, n->pcap))
		what = "wireshark pcap";
	else if (!same_str(o->keylog, n->keylog))
		what = "wireshark keylog";
	else if (o->ike.doi != n->ike.doi)
		what = "ike doi";
	else if (!o->ks.ngroups && n->ks.ngroups)
		what = "server section (adding the key server role)";
	else if (o->ks.ngroups && !n->ks.ngroups)
		what = "server section (removing the key server role)";
	if (!what)
		return 0;
	snprintf(why, whylen, "changing the %s needs a restart: restart gvpnd to apply %s",
		 what, n->path);
	return -EINVAL;
}

/*
 * SIGHUP and "daemon reload": the file again, checked whole; then each
 * role takes its part, or nothing changes. The key server's groups:
 * ks_reload.c (settings change, features.md 3 changes push a rekey); the
 * member's: gm_reload.c; the peers (Phase 1 settings, credentials): for
 * the next negotiation; what is fixed at start: refused (reload_fixed()).
 * Returns 0, -1 (refused: why says why), or 1: applied, but gvpn.ko did
 * not take all of a member group's rules (why says so; gm logged which).
 */
static int reload(char *why, size_t whylen)
{
	struct gvpnd_conf nc, old;
	struct gm_reload_prep gp;
	struct ks_reload_prep kp;
	unsigned partial = 0;
	bool gm_gone;
	int errors;

	errors = conf_load(conf.path, &nc);
	if (errors) {
		snprintf(why, whylen, "%s: %d error%s (see gvpnd --check %s): configuration unchanged",
			 conf.path, errors, errors == 1 ? "" : "s", conf.path);
		conf_free(&nc);
		return -1;
	}
	if (reload_fixed(&conf, &nc, why, whylen) ||
	    gm_reload_check(gm.ike != NULL, &conf.gm, &nc.gm, why, whylen)) {
		conf_free(&nc);
		return -1;
	}
	/* what can still fail (refusals, memory), before any change: both
	 * roles apply, or neither */
	if (conf.ks.ngroups &&
	    ks_reload_prepare(&ks, &nc.ks, &kp, why, whylen)) {
		conf_free(&nc);
		return -1;
	}
	if (gm.ike && gm_reload_prepare(&gm, &nc.gm, &gp, why, whylen)) {
		if (conf.ks.ngroups)
			ks_reload_abort(&ks, &kp);
		conf_free(&nc);
		return -1;
	}
	/* from here on nothing fails */
	if (conf.ks.ngroups)
		ks_reload_commit(&ks, &nc.ks, &kp);
	/* the Phase 1 SAs and half-open ones: to the new peers, by name */
	ike_ctx_repeer(&ike, &nc.ike);
	if (gm.ike)
		partial = gm_reload_commit(&gm, &nc.gm, &gp);
	/* everything points into nc's arrays now: nc becomes conf */
	gm_gone = conf.gm.ngroups && !nc.gm.ngroups;
	old = conf;
	conf = nc;
	if (gm.ike)
		gm.conf = &conf.gm;
	conf_free(&old);
	if (!debug_log)
		log_set_level(conf.log_level);
	warn_groups(&conf, NULL);
	log_notice("%s reloaded: %s%s%speers applied", conf.path,
		   conf.ks.ngroups ? "key server groups applied, " : "",
		   conf.gm.ngroups ? "member groups applied, " : "",
		   gm_gone ? "member groups removed, " : "");
	if (partial) {
		snprintf(why, whylen, "%s reloaded, but gvpn.ko did not take all of %u member group%s' rules (see the log)",
			 conf.path, partial, partial == 1 ? "" : "s");
		return 1;
	}
	return 0;
}

static int ctl_reload(void *arg, int argc, char **argv, char *err,
		      size_t errlen)
{
	(void)arg;
	(void)argv;
	if (argc != 2) {
		snprintf(err, errlen, "\"daemon reload\" takes no arguments");
		return -2;
	}
	return reload(err, errlen) ? -1 : 0;	/* partial: exit 1, said */
}

static void on_signal(int fd, uint32_t events, void *arg)
{
	struct signalfd_siginfo si;

	(void)events;
	(void)arg;
	if (read(fd, &si, sizeof(si)) != sizeof(si))
		return;
	if (si.ssi_signo == SIGHUP) {
		char why[512];
		int rc = reload(why, sizeof(why));

		if (rc < 0)
			log_err("SIGHUP: reload refused: %s", why);
		else if (rc > 0)
			log_warn("SIGHUP: %s", why);
		return;
	}
	log_notice("signal %u: shutting down", si.ssi_signo);
	ev_stop();
}

static void initiated(struct ike_sa *sa, int err, void *arg)
{
	(void)sa;
	(void)err;
	(void)arg;
	/* the GDOI member (next layer) starts its registration here */
}

/* a warning about the configuration: to stderr after path for --check,
 * else to the log */
static void __attribute__((format(printf, 2, 3)))
warn_conf(const char *path, const char *fmt, ...)
{
	char m[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m, sizeof(m), fmt, ap);
	va_end(ap);
	if (path)
		fprintf(stderr, "%s: warning: %s\n", path, m);
	else
		log_warn("%s", m);
}

/*
 * Groups for other vendors' members: what they do not get.
 *
 * compat = "rfc3547" with a kek: pushes take RFC 3547's form (gdoi_push.h),
 * which has no SEQ-only push and no ACK: a configured heartbeat is not
 * sent, and unicast rekeys are not acknowledged, so no member is ejected
 * for missing them. Never tried against Juniper or Cisco gear.
 * members = "mixed": no private attributes, so no TBAR, no push interval
 * and no deny policies.
 */
static void warn_compat_groups(const struct gvpnd_conf *c, const char *path)
{
	for (unsigned i = 0; i < c->ks.ngroups; i++) {
		const struct ks_group_conf *g = &c->ks.groups[i];
		unsigned ndeny = 0;

		if (g->compat == KS_COMPAT_RFC3547 && g->kek.set &&
		    g->rekey.heartbeat)
			warn_conf(path, "group '%s': compat = rfc3547: no heartbeats (an RFC 3547 push always carries SA and KD): members see the key server alive from the pseudotime resyncs (every %u s)",
				  g->name, g->rekey.pst_resync);
		if (g->compat == KS_COMPAT_RFC3547 && g->kek.set &&
		    g->rekey.transport == KS_UNICAST)
			warn_conf(path, "group '%s': compat = rfc3547 with unicast rekeys: RFC 3547 members send no ACK, so every retransmission goes to every member and none is ejected for missed rekeys",
				  g->name);
		if (!g->mixed)
			continue;
		for (unsigned j = 0; j < g->npol; j++)
			ndeny += g->pol[j].action == KS_DENY;
		warn_conf(path, "group '%s': members = mixed: only RFC attributes are sent: no TBAR (replay protection is what each member does without it), no push interval for members to notice a lost key server%s",
			  g->name, ndeny ?
			  ", and its deny policies go to no member: every member handles that traffic by the policies that follow" : "");
	}
}

/*
 * A group without an authorization list gives its keys to every peer that
 * passes Phase 1: legal, and what a lab wants, but worth a word.
 */
static void warn_open_groups(const struct gvpnd_conf *c, const char *path)
{
	for (unsigned i = 0; i < c->ks.ngroups; i++) {
		const struct ks_group_conf *g = &c->ks.groups[i];

		if (!g->auth.naddrs && !g->auth.nids)
			warn_conf(path, "group '%s' has no authorization list: every peer that passes Phase 1 gets its keys",
				  g->name);
	}
}

/*
 * A member group's interface that does not exist (here, in this network
 * namespace): not an error, since it may appear later (a VLAN, a tunnel,
 * a link brought up after gvpnd), but until then the group is not set up
 * and does not register.
 */
static void warn_missing_ifaces(const struct gvpnd_conf *c, const char *path)
{
	for (unsigned i = 0; i < c->gm.ngroups; i++) {
		const struct gm_group_conf *g = &c->gm.groups[i];

		for (unsigned j = 0; j < g->nifaces; j++)
			if (!if_nametoindex(g->ifaces[j]))
				warn_conf(path, "group '%s': interface '%s' does not exist (yet): the group registers once it does, trying again every register-interval",
					  g->name, g->ifaces[j]);
	}
}

/* what --check and the start of the daemon say of the groups */
static void warn_groups(const struct gvpnd_conf *c, const char *path)
{
	warn_compat_groups(c, path);
	warn_open_groups(c, path);
	warn_missing_ifaces(c, path);
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: gvpnd [OPTIONS]\n"
		"       gvpnd --check [FILE]\n"
		"\n"
		"  -c, --config FILE   configuration file (default %s)\n"
		"  -f, --foreground    log to standard error instead of syslog\n"
		"  -d, --debug         log at debug level\n"
		"  -C, --check         check the configuration and exit\n"
		"  -V, --version       print the version and exit\n"
		"  -h, --help          this help\n",
		GVPND_DEFAULT_CONF);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "debug", no_argument, NULL, 'd' },
		{ "check", no_argument, NULL, 'C' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = GVPND_DEFAULT_CONF;
	bool foreground = false, debug = false, check = false;
	struct ike_ops ops = {
		.send = op_send, .trace = op_trace, .keylog = op_keylog,
		.phase2 = op_phase2, .notify = op_notify, .gone = op_gone,
		.push = op_push, .established = op_established,
	};
	sigset_t mask;
	unsigned i;
	int c, sfd, errors, rc = 1;

	while ((c = getopt_long(argc, argv, "c:fdCVh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			path = optarg;
			break;
		case 'f':
			foreground = true;
			break;
		case 'd':
			debug = true;
			break;
		case 'C':
			check = true;
			break;
		case 'V':
			printf("gvpnd %s\n", GVPN_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (check && optind < argc)
		path = argv[optind++];
	if (optind < argc) {
		usage(stderr);
		return 2;
	}

	errors = conf_load(path, &conf);
	if (check) {
		if (errors) {
			fprintf(stderr, "%s: %d error%s\n", path, errors,
				errors == 1 ? "" : "s");
		} else {
			warn_groups(&conf, path);
			printf("%s: OK (%u peer%s, %u proposal%s)\n", path,
			       conf.ike.npeers, conf.ike.npeers == 1 ? "" : "s",
			       conf.nprops, conf.nprops == 1 ? "" : "s");
		}
		conf_free(&conf);
		return errors ? 1 : 0;
	}
	if (errors) {
		fprintf(stderr, "gvpnd: %s: %d error%s, not starting\n", path,
			errors, errors == 1 ? "" : "s");
		conf_free(&conf);
		return 1;
	}
	log_init("gvpnd", foreground, debug ? LOG_DEBUG : conf.log_level);
	debug_log = debug;
	if (conf.lab_timers)
		log_warn("lab-timers = true: timer minimums are lowered for tests; not for production");
	warn_groups(&conf, NULL);

	if (ev_init()) {
		log_err("event loop: %s", strerror(errno));
		goto out;
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sfd < 0 || ev_fd_add(sfd, EPOLLIN, on_signal, NULL)) {
		log_err("signalfd: %s", strerror(errno));
		goto out;
	}
	if (conf.pcap && capture_open(conf.pcap))
		goto out;
	if (conf.keylog && keylog_open(conf.keylog))
		goto out;
	if (conf.keylog)
		log_warn("writing Phase 1 keys to %s (wireshark.keylog)",
			 conf.keylog);
	/* no capture, no decrypted copies of messages (they carry keys) */
	if (!conf.pcap)
		ops.trace = NULL;
	if (ike_ctx_init(&ike, &conf.ike, &ops)) {
		log_err("out of memory");
		goto out;
	}
	/* the key server makes its groups' keys now (as Cisco does) */
	if (conf.ks.ngroups && ks_init(&ks, &conf.ks)) {
		log_err("key server: cannot make the groups' keys");
		goto out_ike;
	}
	gdoi_init(&gdoi, &ike, conf.ks.ngroups ? &ks_gdoi_ops : NULL, &ks);
	if (conf.ks.ngroups && ks_ctl_register(&ks)) {
		log_err("key server: cannot register its control commands");
		goto out_ike;
	}
	if (ctl_register("daemon", "reload", ctl_reload, NULL)) {
		log_err("cannot register \"daemon reload\"");
		goto out_ike;
	}
	if (net_open(conf.listen_addr, conf.port, &ike)) {
		log_err("cannot listen on %s:%u: %s", inet_ntoa(conf.listen_addr),
			conf.port, strerror(errno));
		goto out_ike;
	}
	if (conf.ks.ngroups) {
		/* pushes go out of the same port; timers start now */
		ks.send = ks_send;
		ks.send_mcast = net_send_mcast;
		ks.trace = conf.pcap ? ks_trace : NULL;
		ks.listen_addr = conf.listen_addr;
		ks.port = conf.port;
		ks_rekey_start(&ks);
	}
	/* members set up gvpn.ko (fail modes) and start registering */
	if (conf.gm.ngroups && gm_init(&gm, &conf.gm, &ike, &gdoi)) {
		log_err("group member: out of memory");
		goto out_net;
	}
	/* Phase 1 SAs in "daemon show", and alone in "ike show" */
	ctl_daemon_show_add(daemon_show_extra, NULL);
	if (ike_ctl_register(&ike))
		log_warn("control: \"ike show\": %s", strerror(errno));
	/* roles have registered their commands (they may add more later) */
	if (ctl_open(conf.ctl.socket, conf.ctl.mode, conf.ctl.group))
		goto out_net;
	log_notice("gvpnd %s started: %s:%u, %u peer%s, DOI %s", GVPN_VERSION,
		   inet_ntoa(conf.listen_addr), conf.port, conf.ike.npeers,
		   conf.ike.npeers == 1 ? "" : "s",
		   conf.ike.doi == ISAKMP_DOI_GDOI ? "GDOI" : "IPsec (compatibility)");
	for (i = 0; i < conf.ike.npeers; i++) {
		const struct ike_peer *pc = &conf.ike.peers[i];
		struct sockaddr_in peer = {
			.sin_family = AF_INET, .sin_addr = pc->addr,
			.sin_port = htons(pc->port),
		}, local;

		if (!pc->initiate)
			continue;
		if (net_local_for(&peer, &local)) {
			log_err("peer \"%s\": no route to %s", pc->name,
				inet_ntoa(pc->addr));
			continue;
		}
		ike_initiate(&ike, pc, &local, initiated, NULL);
	}
	sd_notify(0, "READY=1");
	rc = ev_run() ? 1 : 0;
	sd_notify(0, "STOPPING=1");
	ctl_close();
	/* deletes go out before the socket closes; SAs we delete are no
	 * registrations that stopped half-way */
	gdoi.closing = true;
	ike_ctx_fini(&ike);
	net_close();
	goto out;
out_net:
	net_close();
out_ike:
	gdoi.closing = true;
	ike_ctx_fini(&ike);
out:
	/* after ike: its last callbacks may still reach the member */
	gm_fini(&gm);
	/* after ike: exchanges in flight give back their keys first */
	ks_fini(&ks);
	capture_close();
	keylog_close();
	ev_fini();
	conf_free(&conf);
	return rc;
}
