#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# GROUPKEY-PUSH (RFC 6407 4) and its ACK (RFC 8263) as Wireshark sees
# them, on the host. The unit test test_gdoi_push builds pushes with
# gdoi_push_build() and, with GDOI_TEST_PCAP, writes the plaintext of each
# (its "plain" output, what gvpnd's pcap shows) and an ACK as UDP/848 from
# the key server 192.0.2.1 to the member 198.51.100.7. tshark 4.0, an
# independent decoder, must read all of it without [Malformed] and find
# the rekey layout (SEQ, D, D, SA with SA KEK and SA TEKs, KD, SIG), the
# heartbeat (SEQ, SIG), the ACK (HASH, SEQ, ID) and the values the test
# put in: SEQ, KEK and TEK SPIs, deleted SPIs, KD key packets. (tshark 4.0
# does not decode GAP, reads SA KEK attributes with the IPsec names and
# does not name exchange 35.)

source "$(dirname "$0")/lib.sh"

wire_unit test_gdoi_push push.pcap

wire_readable 33 3 GROUPKEY-PUSH

check "rekey: SEQ, D, D, SA (two SA TEKs), KD, SIG" \
	wire_layout 33 "18,12,12,1,16,16,17,9"
check "heartbeat: SEQ, SIG" wire_layout 33 "18,9"
check "ACK: HASH, SEQ, ID" wire_layout 35 "8,18,5"

wire_fields 33 isakmp.seq.seq | grep -qx 7
log_test "SEQ of the rekey decoded" $?
wire_fields 33 isakmp.seq.seq | grep -qx 16909060
log_test "SEQ of the heartbeat decoded" $?
wire_fields 33 isakmp.sak.spi | grep -qx 6e65772d6b656b2d7370692d61626364
log_test "SA KEK SPI decoded" $?
wire_fields 33 isakmp.sat.spi | grep -qx 12345678,9abcdef0
log_test "SA TEK SPIs decoded" $?
wire_fields 33 isakmp.kd.payload.spi |
	grep -qx 12345678,6e65772d6b656b2d7370692d61626364
log_test "KD key packets for a TEK and the KEK" $?
wire_fields 33 isakmp.delete.spi | grep -qx 12345678,12345678,00000000
log_test "Delete payloads' SPIs decoded" $?
wire_fields 33 isakmp.sig | grep -qE '^[0-9a-f]{256}$'
log_test "SIG of 128 bytes (RSA-1024) decoded" $?
wire_fields 35 isakmp.seq.seq | grep -qx 42
log_test "ACK's SEQ decoded" $?
wire_fields 35 isakmp.hash | grep -qE '^[0-9a-f]{64}$'
log_test "ACK's HASH of 32 bytes decoded" $?

exit $EXIT_STATUS
