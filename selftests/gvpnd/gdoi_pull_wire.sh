#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# GROUPKEY-PULL (RFC 6407 3.2) as Wireshark sees it, on the host. The unit
# test test_gdoi_pull runs both roles in one process over a real Phase 1
# (OpenSSL, PSK and RSA signatures; no sockets) and, with GDOI_TEST_PCAP,
# writes every message sent and received in plaintext, as gvpnd's pcap
# does. tshark 4.0, an independent decoder, must read all of it (the good
# pulls and the refused ones) without [Malformed], find the four message
# layouts (HASH, NONCE, ID / HASH, NONCE, SA with its TEKs / HASH [, POP] /
# HASH, SEQ, KD [, POP]) and decode the SA KEK and SA TEK SPIs, the KD's
# key packets and SEQ with the values the test's key server sent. With an
# AES-GCM TEK the member asks for a Sender ID (RFC 6407 3.2, 5.5.2: message
# 3 is HASH, GAP with SENDER_ID_REQUEST 1) and message 4's KD carries a SID
# key packet (5.6.3: type 4, SPI size 0, NUMBER_OF_BITS 8, SID_VALUE
# 0x000000a5; tshark 4.0 labels its attributes with the TEK names). (tshark
# 4.0 shows a GAP's attributes as raw data.) gdoi_wire.sh in selftests/gvpn
# does the same for two gvpnd in the VM.

source "$(dirname "$0")/lib.sh"

require_cmd tshark
UNIT=$GVPN_TOP/build/daemon/tests/test_gdoi_pull
[ -x "$UNIT" ] || skip "$UNIT not built (make -C daemon tests)"

TS=(tshark -n -d udp.port==848,isakmp)
P=$T/pull.pcap

# pull_fields FIELD: one line per GROUPKEY-PULL frame that has it
pull_fields() {
	"${TS[@]}" -r "$P" -Y "isakmp.exchangetype == 32 && $1" -T fields \
		-e "$1" 2>/dev/null
}

# layout PAYLOADS: some frame has exactly these payload types
layout() {
	"${TS[@]}" -r "$P" -Y "isakmp.exchangetype == 32" -T fields \
		-e isakmp.typepayload 2>/dev/null | grep -qx "$1"
}

GDOI_TEST_PCAP=$P "$UNIT" >"$T/unit.log" 2>&1
log_test "test_gdoi_pull passes and writes its pcap" $?

n=$("${TS[@]}" -r "$P" -Y "isakmp.exchangetype == 32" 2>/dev/null | wc -l)
[ "$n" -ge 40 ]
log_test "tshark reads $n GROUPKEY-PULL frames" $?

bad=$("${TS[@]}" -r "$P" -Y "_ws.malformed || _ws.expert.severity >= error" \
	2>/dev/null | wc -l)
[ "$bad" -eq 0 ]
log_test "no [Malformed] or error in any frame ($bad)" $?

check "message 1: HASH, NONCE, ID" layout "8,10,5"
check "message 2: HASH, NONCE, SA (two SA TEKs)" layout "8,10,1,16,16"
check "message 3: HASH" layout "8"
check "message 3 after RSA Phase 1: HASH, POP" layout "8,19"
check "message 4: HASH, SEQ, KD" layout "8,18,17"
check "message 4 after RSA Phase 1: HASH, SEQ, KD, POP" layout "8,18,17,19"

pull_fields isakmp.sak.spi | grep -qx 6b656b2d7370692d3031323334353600
log_test "SA KEK SPI decoded" $?
pull_fields isakmp.sat.spi | grep -qx 11223344,55667788
log_test "SA TEK SPIs decoded" $?
pull_fields isakmp.kd.payload.spi |
	grep -qx 6b656b2d7370692d3031323334353600,11223344,55667788
log_test "KD key packets for the KEK and both TEKs" $?
pull_fields isakmp.kd.payload.spi |
	grep -qx 6b656b2d7370692d3031323334353600,11223344
log_test "the refused KD (a TEK's key missing) decodes too" $?
pull_fields isakmp.seq.seq | grep -qx 7
log_test "SEQ decoded" $?

check "message 3 asking for a Sender ID: HASH, GAP" layout "8,22"
pull_fields isakmp.datapayload | grep -qx 80030001
log_test "its GAP: SENDER_ID_REQUEST (basic, type 3) = 1" $?
pull_fields isakmp.kd.payload.type | grep -qx 2,1,1,4
log_test "message 4's KD: KEK, two TEKs and a SID key packet" $?
pull_fields isakmp.kd.payload.spi_size | grep -qx 16,4,4,0
log_test "the SID key packet has SPI size 0" $?
"${TS[@]}" -r "$P" -Y "isakmp.kd.payload.type == 4" -T fields \
	-e isakmp.key_download.attr.value 2>/dev/null |
	grep -q ',0008,000000a5$'
log_test "SID key packet: NUMBER_OF_BITS 8, SID_VALUE 0xa5" $?

exit $EXIT_STATUS
