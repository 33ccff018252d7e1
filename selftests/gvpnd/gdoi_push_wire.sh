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

require_cmd tshark
UNIT=$GVPN_TOP/build/daemon/tests/test_gdoi_push
[ -x "$UNIT" ] || skip "$UNIT not built (make -C daemon tests)"

TS=(tshark -n -d udp.port==848,isakmp)
P=$T/push.pcap

# fields EXCH FIELD: one line per frame of exchange EXCH that has FIELD
fields() {
	"${TS[@]}" -r "$P" -Y "isakmp.exchangetype == $1 && $2" -T fields \
		-e "$2" 2>/dev/null
}

# layout EXCH PAYLOADS: some frame has exactly these payload types
layout() {
	"${TS[@]}" -r "$P" -Y "isakmp.exchangetype == $1" -T fields \
		-e isakmp.typepayload 2>/dev/null | grep -qx "$2"
}

GDOI_TEST_PCAP=$P "$UNIT" >"$T/unit.log" 2>&1
log_test "test_gdoi_push passes and writes its pcap" $?

n=$("${TS[@]}" -r "$P" -Y "isakmp.exchangetype == 33" 2>/dev/null | wc -l)
[ "$n" -ge 3 ]
log_test "tshark reads $n GROUPKEY-PUSH frames" $?

bad=$("${TS[@]}" -r "$P" -Y "_ws.malformed || _ws.expert.severity >= error" \
	2>/dev/null | wc -l)
[ "$bad" -eq 0 ]
log_test "no [Malformed] or error in any frame ($bad)" $?

check "rekey: SEQ, D, D, SA (two SA TEKs), KD, SIG" \
	layout 33 "18,12,12,1,16,16,17,9"
check "heartbeat: SEQ, SIG" layout 33 "18,9"
check "ACK: HASH, SEQ, ID" layout 35 "8,18,5"

fields 33 isakmp.seq.seq | grep -qx 7
log_test "SEQ of the rekey decoded" $?
fields 33 isakmp.seq.seq | grep -qx 16909060
log_test "SEQ of the heartbeat decoded" $?
fields 33 isakmp.sak.spi | grep -qx 6e65772d6b656b2d7370692d61626364
log_test "SA KEK SPI decoded" $?
fields 33 isakmp.sat.spi | grep -qx 12345678,9abcdef0
log_test "SA TEK SPIs decoded" $?
fields 33 isakmp.kd.payload.spi |
	grep -qx 12345678,6e65772d6b656b2d7370692d61626364
log_test "KD key packets for a TEK and the KEK" $?
fields 33 isakmp.delete.spi | grep -qx 12345678,12345678,00000000
log_test "Delete payloads' SPIs decoded" $?
fields 33 isakmp.sig | grep -qE '^[0-9a-f]{256}$'
log_test "SIG of 128 bytes (RSA-1024) decoded" $?
fields 35 isakmp.seq.seq | grep -qx 42
log_test "ACK's SEQ decoded" $?
fields 35 isakmp.hash | grep -qE '^[0-9a-f]{64}$'
log_test "ACK's HASH of 32 bytes decoded" $?

exit $EXIT_STATUS
