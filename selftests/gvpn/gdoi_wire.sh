#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
#   gmA 192.168.0.1 ---- core (br0) ---- ks1 192.168.0.10
#   (wireshark pcap)                     (wireshark pcap)
#
# A registration (Phase 1 + GROUPKEY-PULL, RFC 6407 3) as Wireshark sees
# it: gvpnd's `wireshark { pcap = ... }` file holds every message after
# decryption; tshark 4.0, an independent decoder, reads both sides' files
# with no [Malformed] and finds the four GROUPKEY-PULL messages (exchange
# 32, which tshark calls Quick Mode) with their payloads: SA with SA KEK,
# SA TEK and GAP, then SEQ and KD with the TEK's and the KEK's keys. The
# group's TEK is AES-GCM, so the member asks for a Sender ID with a GAP in
# message 3 and the KD carries a SID key packet too (RFC 6407 5.5.2,
# 5.6.3).
# tshark 4.0 decodes the SA KEK without a heading (its attributes under
# IPsec DOI names) and names the GAP payload without decoding it. The file
# holds keys: it must be private, and this test never prints a decode.

source "$(dirname "$0")/lib.sh"
gdoi_require
require_cmd tshark

TS=(tshark -n -d udp.port==848,isakmp)

gvpn_load
gdoi_topo || { log_test "topology" 1; exit $EXIT_STATUS; }
ks_conf ks1 kek=1
gm_conf gmA A
gvpnd_start "$ks1" ks1 || { log_test "key server starts" 1; exit $EXIT_STATUS; }
gvpnd_start "$gmA" gmA || { log_test "gmA starts" 1; exit $EXIT_STATUS; }
check "gmA registers" gvpnd_log_wait gmA "GDOI-5-GM_REGS_COMPL"
sas=$(sa_list "$gmA")
gvpnd_stop gmA
gvpnd_stop ks1

# Under the VM's emulated CPU each tshark start costs seconds: one pass
# per file gives every frame's problems (malformed, expert severity) and
# the GROUPKEY-PULL fields.
F=(isakmp.exchangetype _ws.malformed _ws.expert.severity isakmp.typepayload
   isakmp.sak.spi isakmp.sat.spi isakmp.sak.nextpayload isakmp.sat.nextpayload
   isakmp.kd.payload.type isakmp.seq.seq)
# col N FILE: column(s) N of the GROUPKEY-PULL frames' fields, no spaces
col() {
	awk -F'|' '$1 == 32' "$2" | cut -d'|' -f"$1" | tr -d ' '
}

for side in gmA ks1; do
	f=$TMPDIR_TEST/$side.pcap
	check "$side: pcap written, mode 0600 (it holds keys)" \
		test "$(stat -c %a "$f" 2>/dev/null)" = 600
	pcap_fields "$f" "${F[@]}"
	check "$side: tshark decodes every frame" \
		test "$(wc -l <"$f.fields")" -ge 10
	check "$side: tshark finds no [Malformed] and no error" \
		test "$(pcap_problems "$f.fields")" -eq 0
	p=$(col 4 "$f.fields")
	check "$side: four GROUPKEY-PULL messages (exchange 32)" \
		test "$(grep -c . <<<"$p")" -eq 4
	# top-level payloads, message by message (RFC 6407 3.2)
	check "$side: message 1 is HASH, NONCE, ID" grep -qx '8,10,5' <<<"$p"
	check "$side: message 2 is HASH, NONCE, SA (with SA TEK)" \
		grep -qx '8,10,1,16' <<<"$p"
	check "$side: message 3 is HASH, GAP (SENDER_ID_REQUEST)" \
		grep -qx '8,22' <<<"$p"
	check "$side: message 4 is HASH, SEQ, KD" grep -qx '8,18,17' <<<"$p"
	# inside the SA: tshark 4.0 decodes the SA KEK without a heading
	# (its attributes under IPsec names) and only names the GAP (22)
	check "$side: SA KEK with a 16-byte SPI" \
		grep -qE '^[0-9a-f]{32}$' <<<"$(col 5 "$f.fields")"
	check "$side: SA TEK with an SPI" \
		grep -qE '^[0-9a-f]{8}$' <<<"$(col 6 "$f.fields")"
	check "$side: a GAP follows in the SA" \
		grep -qx 22 <<<"$(col 7,8 "$f.fields" | tr '|,' '\n\n')"
	check "$side: KD holds the TEK's and the KEK's keys and the SID" \
		grep -qx '1,2,4' <<<"$(col 9 "$f.fields")"
	check "$side: SEQ holds a sequence number" \
		grep -qE '^[0-9]+$' <<<"$(col 10 "$f.fields")"
done

# the verbose decode (-V) names what an operator looks for; it holds keys:
# only grepped, never shown
v=$("${TS[@]}" -r "$TMPDIR_TEST/gmA.pcap" -V -Y "isakmp.exchangetype == 32" 2>/dev/null)
for what in "Payload: SA TEK Payload (16)" "Payload: Key Download (17)" \
	    "Payload: Sequence Number (18)" "Type: TEK (1)" "Type: KEK (2)" \
	    "Type: SID (4)" "Payload: Group Associated Policy (22)"; do
	check "tshark -V shows \"$what\"" grep -qF "$what" <<<"$v"
done
# the SA TEK's SPI in the pcap is the one gvpn.ko got (gvpn sa show):
# both are decoded from the same message by independent code
spi=$(col 6 "$TMPDIR_TEST/gmA.pcap.fields" | grep . | head -n 1)
check "tshark's SA TEK SPI is an SPI gvpn.ko holds" \
	grep -q "\"spi\":$((16#${spi:-0}))\b" <<<"$sas"

exit $EXIT_STATUS
