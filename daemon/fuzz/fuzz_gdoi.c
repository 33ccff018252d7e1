// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * libFuzzer harness for the GROUPKEY-PULL exchange (daemon/gdoi) on an
 * established Phase 1 SA whose keys the harness knows, as key server
 * (messages 1 and 3 in) or as member (messages 2 and 4 in, after its
 * gdoi_pull()). The harness protects what the fuzzer writes the way a
 * peer would: HDR, a HASH payload with the right value for the exchange's
 * state (M-ID, Ni_b, Nr_b), the fuzzed payloads, encryption with the
 * exchange's IV, so that the payload decoders and checks behind the HASH
 * are reached; some records skip the HASH or are notifies instead (the
 * peer's side is pull_peer.h, shared with fuzz_gm_pull and fuzz_ks_pull).
 *
 * Input: byte 0 picks the role (bit 0: member) and the key server's answer
 * (bits 1-2: keys, unknown group, not authorized, keys of an AES-GCM TEK
 * with a Sender ID for a member that asks in message 3's GAP, refused
 * when the request is for more than one); then records, each a
 * 2-byte length and that many bytes: flags (bit 0: no HASH, the bytes are
 * the whole body; bit 1: another M-ID; bit 2: send the previous message
 * again; bit 3: a notify of the type in the next 2 bytes), the type of
 * the first payload after HASH, then the payloads.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "pull_peer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int ks_answer;

/* the key server's reply: a KEK, one TEK and their keys */
static uint8_t kek_spi[16] = "fuzz-kek-spi-01";
static uint8_t tek_spi[4] = { 1, 2, 3, 4 };
static uint8_t sel[8] = { 10, 0, 0, 0, 255, 0, 0, 0 };
static uint8_t tek_attrs[] = { 0x80, 0x01, 0x00, 0x01, 0x80, 0x05, 0x00, 0x0c };
static uint8_t gap_attrs[] = { 0x80, 0x01, 0x00, 0x0f };
static uint8_t kek_key[] = { 0x00, 0x01, 0x00, 0x04, 1, 2, 3, 4 };
static uint8_t tek_key[] = { 0x00, 0x01, 0x00, 0x04, 5, 6, 7, 8 };

static int ks_pull(void *arg, struct ike_sa *sa,
		   const struct gdoi_group_id *group, struct gdoi_pull_reply *r,
		   char *why, size_t whylen)
{
	(void)arg;
	(void)sa;
	(void)group;
	(void)why;
	(void)whylen;
	if (ks_answer == 1)
		return -ENOENT;
	if (ks_answer == 2)
		return -EACCES;
	memset(r, 0, sizeof(*r));
	r->sa.has_kek = true;
	r->sa.kek.src = (struct gdoi_sel){ ISAKMP_ID_IPV4_ADDR, 848, 4, sel };
	r->sa.kek.dst = r->sa.kek.src;
	memcpy(r->sa.kek.spi, kek_spi, 16);
	r->sa.ntek = 1;
	r->sa.tek[0] = (struct gdoi_sat){
		.proto_id = GDOI_PROTO_IPSEC_ESP,
		.src = { ISAKMP_ID_IPV4_ADDR_SUBNET, 0, 8, sel },
		.dst = { ISAKMP_ID_IPV4_ADDR_SUBNET, 0, 8, sel },
		.transform = ks_answer == 3 ? 20 : 12, .spi = 0x01020304,
		.attrs = { tek_attrs, sizeof(tek_attrs) },
	};
	r->sa.has_gap = true;
	r->sa.gap.attrs = (struct isakmp_attrs){ gap_attrs, sizeof(gap_attrs) };
	r->kd.n = 2;
	r->kd.pkt[0] = (struct gdoi_key_packet){ GDOI_KD_KEK, 16, kek_spi,
		{ kek_key, sizeof(kek_key) } };
	r->kd.pkt[1] = (struct gdoi_key_packet){ GDOI_KD_TEK, 4, tek_spi,
		{ tek_key, sizeof(tek_key) } };
	r->has_seq = true;
	r->seq = 1;
	return 0;
}

static void ks_done(void *arg, struct ike_sa *sa,
		    const struct gdoi_group_id *group,
		    struct gdoi_pull_reply *r, int err)
{
	(void)arg;
	(void)sa;
	(void)group;
	(void)r;
	(void)err;
}

static int ks_sid(void *arg, struct ike_sa *sa,
		  const struct gdoi_group_id *group, struct gdoi_pull_reply *r,
		  unsigned nreq, char *why, size_t whylen)
{
	(void)arg;
	(void)sa;
	(void)group;
	if (ks_answer != 3)
		return 0;
	if (nreq > 1) {
		snprintf(why, whylen, "no free Sender ID");
		return -ENOSPC;
	}
	r->sid.bits = 8;
	r->sid.n = 1;
	r->sid.value[0] = 0x42;
	return 0;
}

static const struct gdoi_ks_ops ks_ops = {
	.pull = ks_pull, .sid = ks_sid, .done = ks_done,
};

static unsigned pulled;

static void gm_cb(void *arg, struct ike_sa *sa, int err,
		  const struct gdoi_pull_result *r, const char *why)
{
	(void)arg;
	(void)sa;
	/* exactly once; a result only without an error */
	if (pulled++ || (!err) != (r != NULL) || (err && !why))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gdoi_group_id gid = { .type = ISAKMP_ID_KEY_ID, .id = 1234 };
	static bool once;
	struct ike_sa *sa;
	bool member;

	if (!once) {
		log_init("fuzz", true, getenv("FUZZ_DEBUG") ? LOG_DEBUG : LOG_EMERG);
		once = true;
	}
	if (size < 1)
		return 0;
	member = data[0] & 1;
	ks_answer = (data[0] >> 1) & 3;
	pp_init(member ? NULL : &ks_ops, NULL);
	sa = pp_make_sa(member, 0x0a000002);
	pulled = 0;
	if (member && gdoi_pull(&pp_g, sa, &gid, gm_cb, NULL))
		abort();
	/* the member's callback may end the SA's exchanges, never the SA:
	 * it is ours until fini */
	pp_records(sa, data, size, 1);
	ike_ctx_fini(&pp_ctx);
	if (member && pulled != 1)
		__builtin_trap();	/* fini calls back the unfinished pull */
	return 0;
}
