// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * The member's side of GROUPKEY-PUSH (RFC 6407 4, RFC 8263): what a push
 * may change and in which order it is checked.
 *
 *   1. the group, by the push's cookies (the KEK SPI); the KEK a KEK rekey
 *      replaced still names its group for a while, and what comes under it
 *      (retransmissions of that KEK rekey, RK-11) is dropped as a duplicate;
 *   2. decryption, decoding and the signature (gdoi_push_open(): signature
 *      before anything in the message is looked at) -> GDOI_REKEY_FAILURE;
 *   3. SEQ: drop seq <= last, accept any larger; after a KEK rekey the
 *      first push under the new KEK may have any seq >= 1 (GM-18, RK-12)
 *      -> GDOI_REKEY_SEQ_FAILURE;
 *   4. SA and KD as a registration would take them (gm_plan_build())
 *      -> GM_REJECTING_SA_PAYLOAD; Delete payloads that name neither a TEK
 *      nor a KEK -> GDOI_REKEY_FAILURE;
 *   5. pseudotime (TB-12, GM-19): more than min(TBAR window, 30 s) older
 *      than the member's -> PSEUDO_TIME_TOO_OLD; newer by more than that:
 *      accepted, PSEUDO_TIME_LARGE, the member adopts it.
 *
 * Only then does anything change: the keys go to gvpn.ko as a
 * registration's do (gm_k_install(): new SAs start at the GAP's activation
 * time in the kernel, replaced ones leave after it, so the data plane
 * switches with no daemon round trip), the KEK of an SA KEK replaces the
 * group's, Delete payloads retire SAs after the deactivation time (GM-16),
 * the ACK goes out when the SA KEK asked for one (RFC 8263, GM-17), and the
 * heartbeat deadline (HB-02) and re-registration time move on.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <openssl/crypto.h>
#include <openssl/x509.h>

#include "core/log.h"
#include "gdoi/gdoi_push.h"
#include "gm.h"
#include "ike/ike.h"
#include "main/net.h"
#include "util.h"

#define GM_PST_SKEW_MAX_MS	30000	/* TB-12: at most 30 s */
#define GM_HB_SLACK_MAX_MS	8000	/* RK-10 defaults: 2 x 4 s */
#define GM_PREV_KEK_KEEP_MS	300000	/* retransmissions of a KEK rekey */
#define GM_GDOI_PORT		848
#define GM_MC_BATCH		64

static struct log_rl rl_rej[GM_PUSH_REJ_MAX] = {
	LOG_RL_INIT("refused pushes (GDOI_REKEY_FAILURE)"),
	LOG_RL_INIT("refused pushes (GDOI_REKEY_SEQ_FAILURE)"),
	LOG_RL_INIT("refused pushes (GM_REJECTING_SA_PAYLOAD)"),
	LOG_RL_INIT("refused pushes (PSEUDO_TIME_TOO_OLD)"),
	LOG_RL_INIT("refused pushes (installation)"),
};
static struct log_rl rl_unknown = LOG_RL_INIT("pushes for no group's KEK");
static struct log_rl rl_mc = LOG_RL_INIT("bad multicast datagrams");

/* --- pure rules ----------------------------------------------------------- */

const char *gm_push_reject_name(enum gm_push_reject r)
{
	switch (r) {
	case GM_PUSH_REJ_FAILURE:
		return "GDOI_REKEY_FAILURE";
	case GM_PUSH_REJ_SEQ:
		return "GDOI_REKEY_SEQ_FAILURE";
	case GM_PUSH_REJ_SA:
		return "GM_REJECTING_SA_PAYLOAD";
	case GM_PUSH_REJ_PST:
		return "PSEUDO_TIME_TOO_OLD";
	case GM_PUSH_REJ_INSTALL:
		return "install";
	case GM_PUSH_REJ_MAX:
		break;
	}
	return "?";
}

const char *gm_push_transport_name(enum gm_push_transport t)
{
	switch (t) {
	case GM_TRANS_NONE:
		return "none";
	case GM_TRANS_UNICAST:
		return "unicast";
	case GM_TRANS_MULTICAST:
		return "multicast";
	}
	return "?";
}

int gm_push_seq_check(bool has_seq, uint32_t last, bool reset, uint32_t seq)
{
	if (reset || !has_seq)
		return seq >= 1 ? 0 : -1;
	return seq > last ? 0 : -1;
}

int gm_push_pst_check(uint64_t mine_ms, uint64_t peer_ms, uint32_t window_s,
		      uint32_t *skew_ms)
{
	uint64_t skew = (uint64_t)window_s * 1000;

	if (!skew || skew > GM_PST_SKEW_MAX_MS)
		skew = GM_PST_SKEW_MAX_MS;
	*skew_ms = (uint32_t)skew;
	if (peer_ms + skew < mine_ms)
		return -1;
	if (peer_ms > mine_ms + skew)
		return 1;
	return 0;
}

uint64_t gm_push_hb_deadline(uint64_t now_ms, uint32_t interval_s,
			     unsigned threshold)
{
	uint64_t iv = (uint64_t)interval_s * 1000, slack;

	if (!interval_s || !threshold)
		return 0;
	slack = iv < GM_HB_SLACK_MAX_MS ? iv : GM_HB_SLACK_MAX_MS;
	return now_ms + threshold * iv + slack;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

int gm_push_del_select(const struct isakmp_delete_pl *d,
		       const struct gm_ksa *sas, unsigned nsa,
		       const uint8_t kek_spi[GDOI_KEK_SPI_LEN], uint32_t *out)
{
	static const uint8_t zero[GDOI_KEK_SPI_LEN];
	unsigned i, j, k, n = 0;

	if (d->spi_len == GDOI_KEK_SPI_LEN) {
		for (i = 0; i < d->nspi; i++) {
			const uint8_t *s = d->spis + i * GDOI_KEK_SPI_LEN;

			if (!memcmp(s, zero, sizeof(zero)) ||
			    (kek_spi && !memcmp(s, kek_spi, GDOI_KEK_SPI_LEN)))
				return -1;
		}
		return 0;	/* another KEK: nothing of ours */
	}
	if (d->spi_len != 4 || (d->proto != GDOI_PROTO_IPSEC_ESP &&
				d->proto != ISAKMP_PROTO_IPSEC_ESP))
		return -2;
	for (i = 0; i < d->nspi; i++) {
		uint32_t spi = be32(d->spis + 4 * i);

		for (j = 0; j < nsa; j++) {
			if (spi && sas[j].spi != spi)
				continue;
			for (k = 0; k < n && out[k] != sas[j].spi; k++)
				;
			if (k == n)
				out[n++] = sas[j].spi;
		}
	}
	return (int)n;
}

/* --- KEK ------------------------------------------------------------------ */

static void kek_free(struct gm_kek *k)
{
	if (k->sig_key)
		OPENSSL_clear_free(k->sig_key, k->sig_key_len);
	OPENSSL_cleanse(k, sizeof(*k));
}

/* The codec's view of a member's KEK (the public key parsed) */
static int kek_keys(const struct gm_kek *k, struct gdoi_kek_keys *out)
{
	const unsigned char *p = k->sig_key;

	memset(out, 0, sizeof(*out));
	if (!k->present || !k->sig_key || k->key_len > sizeof(out->key))
		return -1;
	memcpy(out->spi, k->spi, sizeof(out->spi));
	out->alg = k->alg;
	out->key_bits = k->key_bits ? k->key_bits : (uint16_t)(k->key_len * 8);
	memcpy(out->key, k->key, k->key_len);
	out->sig_hash = k->sig_hash;
	out->sig_key = d2i_PUBKEY(NULL, &p, (long)k->sig_key_len);
	return out->sig_key ? 0 : -1;
}

static void kek_keys_free(struct gdoi_kek_keys *kk)
{
	EVP_PKEY_free(kk->sig_key);
	OPENSSL_cleanse(kk, sizeof(*kk));
}

static const char *spi_str(const uint8_t *spi, char *buf)
{
	return log_hex(buf, spi, GDOI_KEK_SPI_LEN);
}

/* nk (moved from) becomes the group's KEK; a new SPI is a KEK rekey,
 * pushed with seq */
static void kek_replace(struct gm_group *grp, struct gm_kek *nk, uint32_t seq)
{
	struct gm_push_state *ps = &grp->push;
	char a[2 * GDOI_KEK_SPI_LEN + 1], b[2 * GDOI_KEK_SPI_LEN + 1];
	uint64_t now = ev_now_ms();
	bool rekey = !grp->kek.present ||
		     memcmp(nk->spi, grp->kek.spi, GDOI_KEK_SPI_LEN);

	if (rekey && grp->kek.present) {
		log_notice("group %s: KEK rekey: KEK SPI %s replaces %s; sequence numbers start again",
			   grp->c->name, spi_str(nk->spi, a),
			   spi_str(grp->kek.spi, b));
		kek_free(&ps->prev_kek);
		ps->prev_kek = grp->kek;	/* sig_key moved */
		ps->prev_kek_until_ms = now + GM_PREV_KEK_KEEP_MS;
		ps->prev_kek_seq = seq;
		ps->seq_reset = true;
	} else {
		kek_free(&grp->kek);
	}
	grp->kek = *nk;
	nk->sig_key = NULL;
	grp->kek.expires_ms = grp->kek.lifetime_s ?
			      now + grp->kek.lifetime_s * 1000ull : 0;
}

/* --- multicast reception --------------------------------------------------- */

static void push_rx(struct gm_ctx *gm, const struct sockaddr_in *local,
		    const struct sockaddr_in *peer, const struct isakmp_hdr *h,
		    const uint8_t *msg, size_t len, bool mcast);

static void mc_input(int fd, uint32_t events, void *arg)
{
	static uint8_t buf[ISAKMP_MAX_MSG + 1];
	struct gm_group *grp = arg;
	unsigned n;

	(void)events;
	for (n = 0; n < GM_MC_BATCH && grp->push.mc_fd == fd; n++) {
		struct sockaddr_in peer, local = {
			.sin_family = AF_INET, .sin_addr = grp->push.mc_addr,
			.sin_port = htons(grp->push.mc_port),
		};
		struct iovec iov = { buf, sizeof(buf) };
		struct msghdr mh = {
			.msg_name = &peer, .msg_namelen = sizeof(peer),
			.msg_iov = &iov, .msg_iovlen = 1,
		};
		struct isakmp_err err;
		struct isakmp_hdr h;
		ssize_t len = recvmsg(fd, &mh, MSG_TRUNC);

		if (len < 0) {
			if (errno != EAGAIN && errno != EINTR)
				log_rl(&rl_mc, LOG_WARNING,
				       "group %s: multicast socket: %s",
				       grp->c->name, strerror(errno));
			return;
		}
		if ((size_t)len > ISAKMP_MAX_MSG ||
		    (mh.msg_flags & MSG_TRUNC) ||
		    isakmp_hdr_decode(&h, buf, (size_t)len, &err)) {
			log_rl(&rl_mc, LOG_INFO,
			       "group %s: dropped a datagram of %zd bytes from %s on the rekey multicast group",
			       grp->c->name, len, inet_ntoa(peer.sin_addr));
			continue;
		}
		if (h.exch != GDOI_EXCH_PUSH) {
			log_rl(&rl_mc, LOG_INFO,
			       "group %s: dropped %s from %s on the rekey multicast group",
			       grp->c->name, isakmp_exch_name(h.exch),
			       inet_ntoa(peer.sin_addr));
			continue;
		}
		push_rx(grp->gm, &local, &peer, &h, buf, (size_t)len, true);
	}
}

static void mc_close(struct gm_group *grp)
{
	struct gm_push_state *ps = &grp->push;
	char a[INET_ADDRSTRLEN];

	if (ps->mc_fd < 0)
		return;
	ev_fd_del(ps->mc_fd);
	close(ps->mc_fd);	/* leaves the group */
	ps->mc_fd = -1;
	log_info("group %s: left rekey multicast group %s",
		 grp->c->name, inet_ntop(AF_INET, &ps->mc_addr, a, sizeof(a)));
	ps->mc_addr.s_addr = 0;
	ps->mc_port = 0;
}

static int mc_join(struct gm_group *grp, int fd, struct in_addr group,
		   char *where, size_t wlen)
{
	const struct gm_group_conf *c = grp->c;
	struct ip_mreqn mr = { .imr_multiaddr = group };
	unsigned i, joined = 0;
	char a[INET_ADDRSTRLEN];

	where[0] = 0;
	for (i = 0; i < c->nifaces; i++) {
		mr.imr_ifindex = (int)if_nametoindex(c->ifaces[i]);
		if (!mr.imr_ifindex ||
		    setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr,
			       sizeof(mr))) {
			log_warn("group %s: joining rekey multicast group on %s: %s",
				 c->name, c->ifaces[i], strerror(errno));
			continue;
		}
		snprintf(where + strlen(where), wlen - strlen(where), "%s%s",
			 joined ? ", " : "", c->ifaces[i]);
		joined++;
	}
	if (c->nifaces)
		return joined ? 0 : -1;
	/* no interfaces configured: the device of the address toward the KS */
	mr.imr_ifindex = 0;
	mr.imr_address = grp->local;
	if (setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr, sizeof(mr))) {
		log_warn("group %s: joining rekey multicast group via %s: %s",
			 c->name, inet_ntop(AF_INET, &grp->local, a, sizeof(a)),
			 strerror(errno));
		return -1;
	}
	snprintf(where, wlen, "the device of %s",
		 inet_ntop(AF_INET, &grp->local, a, sizeof(a)));
	return 0;
}

static void mc_open(struct gm_group *grp, struct in_addr group, uint16_t port)
{
	struct gm_push_state *ps = &grp->push;
	struct sockaddr_in sin = {
		.sin_family = AF_INET, .sin_addr = group,
		.sin_port = htons(port),
	};
	char a[INET_ADDRSTRLEN], where[GM_MAX_IFACES * (IF_NAMESIZE + 2) + 40];
	int fd, one = 1;

	inet_ntop(AF_INET, &group, a, sizeof(a));
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin))) {
		log_err("group %s: rekey multicast group %s port %u: %s",
			grp->c->name, a, port, strerror(errno));
		goto fail;
	}
	if (mc_join(grp, fd, group, where, sizeof(where)))
		goto fail;
	if (ev_fd_add(fd, EPOLLIN, mc_input, grp)) {
		log_err("group %s: rekey multicast socket: %s", grp->c->name,
			strerror(errno));
		goto fail;
	}
	ps->mc_fd = fd;
	ps->mc_addr = group;
	ps->mc_port = port;
	log_notice("group %s: joined rekey multicast group %s port %u on %s",
		   grp->c->name, a, port, where);
	return;
fail:
	if (fd >= 0)
		close(fd);
}

/* Joins the group the KEK names as rekey address, leaves any other */
static void mc_update(struct gm_group *grp)
{
	struct gm_push_state *ps = &grp->push;
	struct in_addr want = { 0 };
	uint16_t port = 0;

	if (grp->kek.present && IN_MULTICAST(ntohl(grp->kek.dst.s_addr))) {
		want = grp->kek.dst;
		port = grp->kek.dst_port ? grp->kek.dst_port : GM_GDOI_PORT;
	}
	if (ps->mc_fd >= 0 && (ps->mc_addr.s_addr != want.s_addr ||
			       ps->mc_port != port))
		mc_close(grp);
	if (want.s_addr && ps->mc_fd < 0)
		mc_open(grp, want, port);
}

/* --- heartbeat detection (HB-02) ------------------------------------------ */

static void hb_rearm(struct gm_group *grp)
{
	struct gm_push_state *ps = &grp->push;
	uint64_t now = ev_now_ms();

	ps->hb_deadline_ms = gm_push_hb_deadline(now, grp->kek.present ?
						 grp->kek.push_interval_s : 0,
						 grp->c->hb_threshold);
	if (ps->hb_deadline_ms)
		ev_timer_add(&ps->hb_timer, ps->hb_deadline_ms - now);
	else
		ev_timer_del(&ps->hb_timer);
}

static void hb_cb(struct ev_timer *t)
{
	struct gm_group *grp = container_of(t, struct gm_group,
					    push.hb_timer);
	unsigned cur = grp->cur_server >= 0 ? (unsigned)grp->cur_server :
					      grp->fo.server;

	grp->push.hb_deadline_ms = 0;
	if (grp->state == GM_PHASE1 || grp->state == GM_PULL)
		return;		/* registering already */
	grp->push.hb_losses++;
	log_notice("%%GDOI-5-GM_RE_REGISTER: No rekey or heartbeat from KS %s for group %s in %u x %u s (heartbeat-threshold): it may have restarted; re-registering to KS",
		   inet_ntoa(grp->c->servers[cur]->addr), grp->c->name,
		   grp->c->hb_threshold, grp->kek.push_interval_s);
	/* as the re-registration timer would, but the silent server last:
	 * the try starts at once with the next one (GM-05 from there) */
	ev_timer_del(&grp->timer);
	grp->rereg_ms = 0;
	grp->state = GM_IDLE;
	gm_failover_after(&grp->fo, cur, grp->c->retries, grp->c->nservers);
	grp->try_start_ms = 0;
	ev_timer_add(&grp->timer, 0);
}

/* --- the receiver ---------------------------------------------------------- */

static void reject(struct gm_group *grp, enum gm_push_reject r,
		   const struct sockaddr_in *peer, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void reject(struct gm_group *grp, enum gm_push_reject r,
		   const struct sockaddr_in *peer, const char *fmt, ...)
{
	char w[300];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(w, sizeof(w), fmt, ap);
	va_end(ap);
	grp->push.rejected[r]++;
	if (r == GM_PUSH_REJ_INSTALL)
		log_rl(&rl_rej[r], LOG_ERR,
		       "group %s: rekey from %s not installed, keys unchanged: %s",
		       grp->c->name, inet_ntoa(peer->sin_addr), w);
	else
		log_rl(&rl_rej[r], LOG_ERR,
		       "%%GDOI-3-%s: group %s: rekey from %s refused, nothing changed: %s",
		       gm_push_reject_name(r), grp->c->name,
		       inet_ntoa(peer->sin_addr), w);
}

/* The push's pseudotime: the first TEK with a pseudotime clock */
static const struct gm_tek *pst_tek(const struct gm_plan *p)
{
	for (unsigned i = 0; i < p->n; i++)
		if (!p->tek[i].bypass && p->tek[i].tbar_window &&
		    p->tek[i].clock == GVPN_CLOCK_PSEUDO &&
		    p->tek[i].has_pseudotime)
			return &p->tek[i];
	return NULL;
}

static uint64_t pst_now(const struct gm_push_state *ps, uint64_t now)
{
	return ps->pst_ms + (now - ps->pst_at_ms);
}

static uint32_t gap_dtd_ms(const struct gdoi_push *p)
{
	struct isakmp_attrs it;
	struct isakmp_attr a;
	uint64_t v;

	if (!p->has_sa || !p->sa.has_gap)
		return 0;
	it = p->sa.gap.attrs;
	while (isakmp_attr_next(&it, &a) == 1)
		if (a.type == GDOI_GAP_DEACTIVATION_TIME_DELAY &&
		    !isakmp_attr_uint(&a, &v))
			return v > 3600 ? 3600000 : (uint32_t)v * 1000;
	return 0;
}

/*
 * The Wireshark trace (pcap option) of a push that decrypted: the header
 * without the E flag and with the length of the payloads, as a key server
 * traces what it sends, so tshark decodes it.
 */
static void trace_push(struct gm_group *grp, const struct sockaddr_in *local,
		       const struct sockaddr_in *peer, const uint8_t *plain,
		       size_t len)
{
	static uint8_t msg[ISAKMP_MAX_MSG];
	struct ike_ctx *ike = grp->gm->ike;
	struct isakmp_chain *c;
	struct isakmp_err err;
	const struct isakmp_pl *last;
	size_t n;

	if (!ike || !ike->ops.trace || len < ISAKMP_HDR_LEN ||
	    len > sizeof(msg))
		return;
	c = malloc(sizeof(*c));
	if (!c)
		return;
	if (isakmp_chain_decode(c, plain[16], plain + ISAKMP_HDR_LEN,
				len - ISAKMP_HDR_LEN, true, &err) || !c->n) {
		free(c);
		return;
	}
	last = &c->pl[c->n - 1];
	n = (size_t)(last->body - plain) + last->len;
	free(c);
	memcpy(msg, plain, n);
	msg[19] &= (uint8_t)~ISAKMP_FLAG_E;
	msg[24] = (uint8_t)(n >> 24);
	msg[25] = (uint8_t)(n >> 16);
	msg[26] = (uint8_t)(n >> 8);
	msg[27] = (uint8_t)n;
	ike->ops.trace(ike, peer, local, msg, n);
	OPENSSL_cleanse(msg, n);
}

static void send_ack(struct gm_group *grp, const struct gdoi_kek_keys *kk,
		     uint32_t seq, const struct sockaddr_in *local,
		     const struct sockaddr_in *peer)
{
	struct sockaddr_in src = { .sin_family = AF_INET };
	uint8_t buf[1024];
	int n;

	src.sin_addr = grp->local.s_addr ? grp->local : local->sin_addr;
	if (IN_MULTICAST(ntohl(src.sin_addr.s_addr)))
		src.sin_addr.s_addr = INADDR_ANY;
	n = gdoi_push_ack_build(kk, seq, src.sin_addr, buf, sizeof(buf));
	if (n < 0) {
		log_err("group %s: ACK of rekey seq # %u: %s", grp->c->name,
			seq, strerror(-n));
		return;
	}
	if (net_send(&src, peer, buf, (size_t)n))
		return;		/* logged */
	if (grp->gm->ike && grp->gm->ike->ops.trace) {
		src.sin_port = local->sin_port;
		grp->gm->ike->ops.trace(grp->gm->ike, &src, peer, buf,
					(size_t)n);
	}
	grp->push.acks++;
	log_debug("group %s: ACK of rekey seq # %u sent to %s", grp->c->name,
		  seq, inet_ntoa(peer->sin_addr));
}

static void transport_seen(struct gm_group *grp, enum gm_push_transport t)
{
	struct gm_push_state *ps = &grp->push;

	if (t == ps->transport)
		return;
	if (ps->transport != GM_TRANS_NONE)
		log_notice(t == GM_TRANS_MULTICAST ?
			   "%%GDOI-5-GM_REKEY_TRANS_2_MULTI: Group %s transitioned from unicast to multicast rekey" :
			   "%%GDOI-5-GM_REKEY_TRANS_2_UNI: Group %s transitioned from multicast to unicast rekey",
			   grp->c->name);
	else
		log_info("group %s: rekeys arrive by %s", grp->c->name,
			 gm_push_transport_name(t));
	ps->transport = t;
}

/* What a push's Delete payloads name, among what was installed before it */
struct gm_dels {
	bool kek;			/* the group's KEK (its SPI or 0) */
	unsigned n;
	uint32_t spis[2 * GDOI_MAX_TEKS];	/* TEK SAs, each once */
};

/* Selects, before anything changes: 0, or -1 (refused, counted) */
static int dels_select(struct gm_group *grp, const struct gdoi_push *p,
		       const struct sockaddr_in *peer, struct gm_dels *d)
{
	uint32_t spis[2 * GDOI_MAX_TEKS];

	memset(d, 0, sizeof(*d));
	for (unsigned i = 0; i < p->ndel; i++) {
		int n = gm_push_del_select(&p->del[i], grp->sas, grp->nsa,
					   grp->kek.spi, spis);

		if (n == -2) {
			reject(grp, GM_PUSH_REJ_FAILURE, peer,
			       "Delete payload %u: protocol %u with %u-byte SPIs names neither a TEK nor the KEK",
			       i + 1, p->del[i].proto, p->del[i].spi_len);
			return -1;
		}
		if (n == -1) {
			d->kek = true;
			continue;
		}
		for (int j = 0; j < n; j++) {
			unsigned k;

			for (k = 0; k < d->n && d->spis[k] != spis[j]; k++)
				;
			if (k == d->n && d->n < ARRAY_SIZE(d->spis))
				d->spis[d->n++] = spis[j];
		}
	}
	return 0;
}

/* The KEK, before a new one in the same push takes its place */
static void dels_kek(struct gm_group *grp, const struct gm_dels *d,
		     const struct sockaddr_in *peer)
{
	char s[2 * GDOI_KEK_SPI_LEN + 1];

	if (!d->kek || !grp->kek.present)
		return;
	log_notice("%%GDOI-5-GM_RECV_DELETE: Received Delete from KS %s in group %s: KEK SPI %s",
		   inet_ntoa(peer->sin_addr), grp->c->name,
		   spi_str(grp->kek.spi, s));
	kek_free(&grp->kek);
	kek_free(&grp->push.prev_kek);
	grp->push.seq_reset = true;
}

/* The TEKs, after the GAP's deactivation time delay (GM-16) */
static void dels_teks(struct gm_group *grp, const struct gm_dels *d,
		      const struct gdoi_push *p, const struct sockaddr_in *peer)
{
	uint32_t dtd = gap_dtd_ms(p);
	char e[300];

	for (unsigned i = 0; i < d->n; i++) {
		log_notice("%%GDOI-5-GM_RECV_DELETE: Received Delete from KS %s in group %s: TEK SPI 0x%08x, removed in %u ms",
			   inet_ntoa(peer->sin_addr), grp->c->name, d->spis[i],
			   dtd);
		if (gm_k_sa_retire(grp, d->spis[i], dtd, e, sizeof(e)))
			log_warn("group %s: SA 0x%08x: %s", grp->c->name,
				 d->spis[i], e);
	}
}

static void rekey_log(struct gm_group *grp, const struct sockaddr_in *local,
		      const struct sockaddr_in *peer, uint32_t seq,
		      const struct gm_plan *plan)
{
	char spis[GDOI_MAX_TEKS * 13 + 1] = "", a[INET_ADDRSTRLEN];
	size_t o = 0;

	for (unsigned i = 0; plan && i < plan->n; i++) {
		if (plan->tek[i].bypass || !plan->tek[i].in_scope)
			continue;
		o += (size_t)snprintf(spis + o, sizeof(spis) - o, "%s0x%08x",
				      o ? "," : "", plan->tek[i].spi);
		if (o >= sizeof(spis))
			break;
	}
	inet_ntop(AF_INET, &local->sin_addr, a, sizeof(a));
	log_notice("%%GDOI-5-GM_RECV_REKEY: Received Rekey for group %s from %s to %s with seq # %u, spi %s",
		   grp->c->name, inet_ntoa(peer->sin_addr), a, seq,
		   *spis ? spis : "none");
}

static void group_rx(struct gm_group *grp, const struct sockaddr_in *local,
		     const struct sockaddr_in *peer, const uint8_t *msg,
		     size_t len, bool mcast)
{
	static uint8_t plain[ISAKMP_MAX_MSG];
	struct gm_push_state *ps = &grp->push;
	struct gdoi_kek_keys kk;
	struct gdoi_push p;
	struct gm_plan *plan = NULL;
	const struct gm_tek *pt = NULL;
	struct gm_dels dels;
	const char *cisco;
	uint64_t now = ev_now_ms();
	int pst_rc = 0, err;
	uint32_t skew = 0;
	char why[300];

	ps->rx++;
	if (kek_keys(&grp->kek, &kk)) {
		reject(grp, GM_PUSH_REJ_FAILURE, peer,
		       "the KEK from the registration has no usable signature key");
		kek_keys_free(&kk);
		return;
	}
	if (len > sizeof(plain))
		len = sizeof(plain);	/* the codec refuses what is cut */
	err = gdoi_push_open(&kk, msg, len, plain, sizeof(plain), &p, why,
			     sizeof(why));
	if (err) {
		reject(grp, GM_PUSH_REJ_FAILURE, peer, "%s", why);
		goto out;
	}
	trace_push(grp, local, peer, plain, len);
	/*
	 * The push we accepted last, again: the key server retransmits the
	 * same bytes to members whose ACK it did not get (RK-10), so the ACK
	 * was lost, not the push. It verified, so it is the key server's;
	 * answer it again, change nothing. Without this one lost ACK counts
	 * as a missed rekey, and three make the key server eject a member
	 * that has every key (KS-19).
	 */
	if (grp->has_seq && !ps->seq_reset && p.seq == grp->seq) {
		ps->duplicates++;
		if (p.ack_requested)
			send_ack(grp, &kk, p.seq, local, peer);
		log_debug("group %s: seq # %u again from %s: a retransmission, %s",
			  grp->c->name, p.seq, inet_ntoa(peer->sin_addr),
			  p.ack_requested ? "acknowledged again" : "dropped");
		goto out;
	}
	if (gm_push_seq_check(grp->has_seq, grp->seq, ps->seq_reset, p.seq)) {
		reject(grp, GM_PUSH_REJ_SEQ, peer,
		       "Failed to process rekey seq # %u in seq payload for group %s, last seq # %u",
		       p.seq, grp->c->name, grp->seq);
		goto out;
	}
	if (p.has_sa) {
		struct gdoi_pull_result r = {
			.group = { .type = ISAKMP_ID_KEY_ID, .id = grp->c->id },
			.sa = p.sa, .kd = p.kd, .has_seq = true, .seq = p.seq,
		};

		/* a push carries no SIDs (RFC 6407 5.6.3.1): the member
		 * keeps the one of its registration for the new TEKs */
		if (grp->has_sid) {
			r.sid_requested = true;
			r.sid.bits = grp->sid_bits;
			r.sid.n = 1;
			r.sid.value[0] = grp->sid;
		}

		plan = malloc(sizeof(*plan));
		if (!plan) {
			reject(grp, GM_PUSH_REJ_INSTALL, peer,
			       "out of memory");
			goto out;
		}
		if (gm_plan_build(grp->c, &r, plan, &cisco, why,
				  sizeof(why))) {
			free(plan);
			plan = NULL;
			/* UNSUPPORTED_TEK_PROTO is a kind of SA refusal */
			reject(grp, GM_PUSH_REJ_SA, peer, "%s%s%s", why,
			       strcmp(cisco, "GM_REJECTING_SA_PAYLOAD") ?
			       " -- " : "",
			       strcmp(cisco, "GM_REJECTING_SA_PAYLOAD") ?
			       cisco : "");
			goto out;
		}
		if (plan->kek.present &&
		    (!plan->kek.key_len ||
		     (!plan->kek.sig_key && !grp->kek.sig_key))) {
			reject(grp, GM_PUSH_REJ_SA, peer,
			       "the SA KEK comes without its key");
			goto out;
		}
		pt = pst_tek(plan);
	}
	if (dels_select(grp, &p, peer, &dels))
		goto out;
	if (pt && ps->pst_valid) {
		uint64_t mine = pst_now(ps, now);

		pst_rc = gm_push_pst_check(mine, pt->pseudotime_ms,
					   pt->tbar_window, &skew);
		if (pst_rc < 0) {
			grp->push.rejected[GM_PUSH_REJ_PST]++;
			log_rl(&rl_rej[GM_PUSH_REJ_PST], LOG_ERR,
			       "%%GDOI-3-PSEUDO_TIME_TOO_OLD: Rekey received in group %s is too old and fail PST check: my_pst is %llu sec, peer_pst is %llu sec, allowable_skew is %u sec",
			       grp->c->name,
			       (unsigned long long)(mine / 1000),
			       (unsigned long long)(pt->pseudotime_ms / 1000),
			       skew / 1000);
			goto out;
		}
		if (pst_rc > 0)
			log_err("%%GDOI-3-PSEUDO_TIME_LARGE: Pseudotime difference between key server (%llu sec) and GM (%llu sec) is larger than expected in group %s. Adjust to new pseudotime",
				(unsigned long long)(pt->pseudotime_ms / 1000),
				(unsigned long long)(mine / 1000),
				grp->c->name);
	}

	/* every check passed: now things change */
	if (plan) {
		err = gm_k_install(grp, plan, why, sizeof(why));
		if (err) {
			reject(grp, GM_PUSH_REJ_INSTALL, peer, "%s", why);
			goto out;
		}
		ps->installed++;
	}
	grp->has_seq = true;
	grp->seq = p.seq;
	ps->seq_reset = false;
	ps->last_seq = p.seq;
	if (p.ack_requested)
		send_ack(grp, &kk, p.seq, local, peer);
	if (mcast)
		transport_seen(grp, GM_TRANS_MULTICAST);
	else if (p.ack_requested)
		transport_seen(grp, GM_TRANS_UNICAST);
	/* a KEK packet without the signature key: the key server's key did
	 * not change (checked above: there is one) */
	if (plan && plan->kek.present && !plan->kek.sig_key) {
		plan->kek.sig_key = OPENSSL_memdup(grp->kek.sig_key,
						   grp->kek.sig_key_len);
		if (plan->kek.sig_key)
			plan->kek.sig_key_len = grp->kek.sig_key_len;
	}
	dels_kek(grp, &dels, peer);
	if (plan && plan->kek.present)
		kek_replace(grp, &plan->kek, p.seq);
	else if (dels.kek)
		log_notice("group %s: no KEK: rekeys are no longer accepted until the next registration",
			   grp->c->name);
	if (pt) {
		ps->pst_valid = true;
		ps->pst_ms = pt->pseudotime_ms;
		ps->pst_at_ms = now;
		ps->pst_window_s = pt->tbar_window;
		if (gm_k_pseudotime(grp, pt->tbar_window, pt->clock,
				    pt->pseudotime_ms, why, sizeof(why)))
			log_warn("group %s: pseudotime to gvpn.ko: %s",
				 grp->c->name, why);
	}
	dels_teks(grp, &dels, &p, peer);
	if (plan || p.ndel) {
		ps->last_rekey_ms = now;
		ps->last_rekey_seq = p.seq;
		ps->last_rekey_mcast = mcast;
		rekey_log(grp, local, peer, p.seq, plan);
	} else {
		ps->heartbeats++;
		log_info("group %s: heartbeat seq # %u from %s", grp->c->name,
			 p.seq, inet_ntoa(peer->sin_addr));
	}
	hb_rearm(grp);
	mc_update(grp);
	if (plan && grp->state == GM_REGISTERED)
		gm_reregister_schedule(grp);
	if (plan && plan->no_sid) {
		/* a counter-mode TEK (a reload changed the transform) and
		 * no Sender ID from the registration: ask for one */
		gm_log_sid(grp, plan);
		if (grp->state == GM_REGISTERED &&
		    !gm_register_now(grp, false, why, sizeof(why)))
			log_notice("group %s: registering again for a Sender ID",
				   grp->c->name);
	}
out:
	if (plan) {
		gm_plan_wipe(plan);
		free(plan);
	}
	kek_keys_free(&kk);
	OPENSSL_cleanse(plain, sizeof(plain));
}

/*
 * A push under the KEK that a KEK rekey replaced. The retransmissions of
 * that KEK rekey (its seq, or a later one where a key server numbers its
 * retransmissions: RK-11) are duplicates, dropped quietly; anything else
 * is refused: it does not verify (GDOI_REKEY_FAILURE) or is an older push
 * replayed (GDOI_REKEY_SEQ_FAILURE). Nothing changes either way.
 */
static void prev_rx(struct gm_group *grp, const struct sockaddr_in *local,
		    const struct sockaddr_in *peer, const uint8_t *msg,
		    size_t len)
{
	static uint8_t plain[ISAKMP_MAX_MSG];
	struct gm_push_state *ps = &grp->push;
	struct gdoi_kek_keys kk;
	struct gdoi_push p;
	char why[300];

	ps->rx++;
	if (kek_keys(&ps->prev_kek, &kk)) {
		reject(grp, GM_PUSH_REJ_FAILURE, peer,
		       "push under the replaced KEK, whose signature key is unusable");
		goto out;
	}
	if (len > sizeof(plain))
		len = sizeof(plain);
	if (gdoi_push_open(&kk, msg, len, plain, sizeof(plain), &p, why,
			   sizeof(why))) {
		reject(grp, GM_PUSH_REJ_FAILURE, peer,
		       "push under the replaced KEK: %s", why);
		goto out;
	}
	if (p.seq < ps->prev_kek_seq) {
		reject(grp, GM_PUSH_REJ_SEQ, peer,
		       "Failed to process rekey seq # %u in seq payload for group %s: an older push under the replaced KEK (its KEK rekey was seq # %u)",
		       p.seq, grp->c->name, ps->prev_kek_seq);
		goto out;
	}
	ps->duplicates++;
	/* its ACK may be what was lost: the key server takes ACKs under the
	 * KEK it replaced */
	if (p.ack_requested)
		send_ack(grp, &kk, p.seq, local, peer);
	log_debug("group %s: seq # %u under the replaced KEK from %s: a retransmission of the KEK rekey, %s",
		  grp->c->name, p.seq, inet_ntoa(peer->sin_addr),
		  p.ack_requested ? "acknowledged again" : "dropped");
out:
	kek_keys_free(&kk);
	OPENSSL_cleanse(plain, sizeof(plain));
}

static void push_rx(struct gm_ctx *gm, const struct sockaddr_in *local,
		    const struct sockaddr_in *peer, const struct isakmp_hdr *h,
		    const uint8_t *msg, size_t len, bool mcast)
{
	uint8_t spi[GDOI_KEK_SPI_LEN];
	char s[2 * GDOI_KEK_SPI_LEN + 1];
	uint64_t now = ev_now_ms();
	unsigned i;

	gdoi_push_spi(h, spi);
	for (i = 0; i < gm->ngroups; i++) {
		struct gm_group *grp = gm->groups[i];
		struct gm_push_state *ps = &grp->push;

		if (grp->kek.present &&
		    !memcmp(grp->kek.spi, spi, GDOI_KEK_SPI_LEN)) {
			group_rx(grp, local, peer, msg, len, mcast);
			return;
		}
		if (ps->prev_kek.present &&
		    !memcmp(ps->prev_kek.spi, spi, GDOI_KEK_SPI_LEN)) {
			if (ps->prev_kek_until_ms > now) {
				prev_rx(grp, local, peer, msg, len);
				return;
			}
			kek_free(&ps->prev_kek);
		}
	}
	/* from the key server of a group, under a KEK it does not hold
	 * (another group's, one it missed, or forged): that group's refusal */
	for (i = 0; i < gm->ngroups; i++) {
		struct gm_group *grp = gm->groups[i];

		if (grp->cur_server < 0 ||
		    grp->c->servers[grp->cur_server]->addr.s_addr !=
		    peer->sin_addr.s_addr)
			continue;
		grp->push.rx++;
		reject(grp, GM_PUSH_REJ_FAILURE, peer,
		       "KEK SPI %s is not the group's KEK", spi_str(spi, s));
		return;
	}
	gm->push_unknown++;
	log_rl(&rl_unknown, LOG_WARNING,
	       "%%GDOI-3-GDOI_REKEY_FAILURE: rekey from %s refused: KEK SPI %s is no group's",
	       inet_ntoa(peer->sin_addr), spi_str(spi, s));
}

void gm_push_input(void *arg, const struct sockaddr_in *local,
		   const struct sockaddr_in *peer, const struct isakmp_hdr *h,
		   const uint8_t *msg, size_t len)
{
	/* a datagram to a multicast group that reached the main socket too:
	 * the group's own socket has its copy */
	if (local && IN_MULTICAST(ntohl(local->sin_addr.s_addr)))
		return;
	push_rx(arg, local, peer, h, msg, len, false);
}

/* --- lifecycle --------------------------------------------------------------- */

void gm_push_group_init(struct gm_group *grp)
{
	grp->push.mc_fd = -1;
	ev_timer_init(&grp->push.hb_timer, hb_cb);
}

/* heartbeat-threshold changed (reload): the deadline again, from now */
void gm_push_hb_reconf(struct gm_group *grp)
{
	if (grp->state == GM_REGISTERED)
		hb_rearm(grp);
}

void gm_push_init(struct gm_ctx *gm)
{
	gm->gdoi->gm_push = gm_push_input;
	gm->gdoi->gm_arg = gm;
}

void gm_push_registered(struct gm_group *grp, const struct gm_plan *p)
{
	struct gm_push_state *ps = &grp->push;
	const struct gm_tek *pt = pst_tek(p);

	/* the registration's KEK and SEQ are authoritative */
	kek_free(&ps->prev_kek);
	ps->seq_reset = false;
	if (pt) {
		ps->pst_valid = true;
		ps->pst_ms = pt->pseudotime_ms;
		ps->pst_at_ms = ev_now_ms();
		ps->pst_window_s = pt->tbar_window;
	}
	/* the transport the registration announces: the SA KEK's rekey
	 * address (pushes then say which one they came by) */
	if (grp->kek.present)
		transport_seen(grp, IN_MULTICAST(ntohl(grp->kek.dst.s_addr)) ?
				    GM_TRANS_MULTICAST : GM_TRANS_UNICAST);
	hb_rearm(grp);
	mc_update(grp);
}

void gm_push_clear(struct gm_group *grp)
{
	struct gm_push_state *ps = &grp->push;

	kek_free(&ps->prev_kek);
	ps->seq_reset = false;
	ps->pst_valid = false;
	ps->hb_deadline_ms = 0;
	ev_timer_del(&ps->hb_timer);
	mc_close(grp);
}

void gm_push_group_fini(struct gm_group *grp)
{
	gm_push_clear(grp);
}
