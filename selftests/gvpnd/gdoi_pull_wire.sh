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

wire_unit test_gdoi_pull pull.pcap

wire_readable 32 40 GROUPKEY-PULL

check "message 1: HASH, NONCE, ID" wire_layout 32 "8,10,5"
check "message 2: HASH, NONCE, SA (two SA TEKs)" wire_layout 32 "8,10,1,16,16"
check "message 3: HASH" wire_layout 32 "8"
check "message 3 after RSA Phase 1: HASH, POP" wire_layout 32 "8,19"
check "message 4: HASH, SEQ, KD" wire_layout 32 "8,18,17"
check "message 4 after RSA Phase 1: HASH, SEQ, KD, POP" wire_layout 32 "8,18,17,19"

wire_fields 32 isakmp.sak.spi | grep -qx 6b656b2d7370692d3031323334353600
log_test "SA KEK SPI decoded" $?
wire_fields 32 isakmp.sat.spi | grep -qx 11223344,55667788
log_test "SA TEK SPIs decoded" $?
wire_fields 32 isakmp.kd.payload.spi |
	grep -qx 6b656b2d7370692d3031323334353600,11223344,55667788
log_test "KD key packets for the KEK and both TEKs" $?
wire_fields 32 isakmp.kd.payload.spi |
	grep -qx 6b656b2d7370692d3031323334353600,11223344
log_test "the refused KD (a TEK's key missing) decodes too" $?
wire_fields 32 isakmp.seq.seq | grep -qx 7
log_test "SEQ decoded" $?

check "message 3 asking for a Sender ID: HASH, GAP" wire_layout 32 "8,22"
wire_fields 32 isakmp.datapayload | grep -qx 80030001
log_test "its GAP: SENDER_ID_REQUEST (basic, type 3) = 1" $?
wire_fields 32 isakmp.kd.payload.type | grep -qx 2,1,1,4
log_test "message 4's KD: KEK, two TEKs and a SID key packet" $?
wire_fields 32 isakmp.kd.payload.spi_size | grep -qx 16,4,4,0
log_test "the SID key packet has SPI size 0" $?
"${WIRE_TS[@]}" -r "$WIRE_PCAP" -Y "isakmp.kd.payload.type == 4" -T fields \
	-e isakmp.key_download.attr.value 2>/dev/null |
	grep -q ',0008,000000a5$'
log_test "SID key packet: NUMBER_OF_BITS 8, SID_VALUE 0xa5" $?

exit $EXIT_STATUS
