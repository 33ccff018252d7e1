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
# 32, which tshark calls Quick Mode) with SA KEK, SA TEK, KD and SEQ.
# (tshark 4.0 names the GAP payload but does not decode it.) The file
# holds keys: it must be private.

source "$(dirname "$0")/lib.sh"
gdoi_require
require_cmd tshark

TS=(tshark -n -d udp.port==848,isakmp)

gvpn_load
gdoi_topo || { log_test "topology" 1; exit $EXIT_STATUS; }
ks_conf ks1
gm_conf gmA A
gvpnd_start "$ks1" ks1 || { log_test "key server starts" 1; exit $EXIT_STATUS; }
gvpnd_start "$gmA" gmA || { log_test "gmA starts" 1; exit $EXIT_STATUS; }
check "gmA registers" gvpnd_log_wait gmA "GDOI-5-GM_REGS_COMPL"
sas=$(sa_list "$gmA")
gvpnd_stop gmA
gvpnd_stop ks1

# pull FILE: the GROUPKEY-PULL frames of a pcap, "next payloads" per frame
pull_payloads() {
	"${TS[@]}" -r "$1" -Y "isakmp.exchangetype == 32" -T fields \
		-e isakmp.typepayload 2>/dev/null
}

for side in gmA ks1; do
	f=$TMPDIR_TEST/$side.pcap
	check "$side: pcap written, mode 0600 (it holds keys)" \
		test "$(stat -c %a "$f" 2>/dev/null)" = 600
	check "$side: tshark decodes it with no [Malformed]" test "$("${TS[@]}" \
		-r "$f" -Y "_ws.malformed" 2>/dev/null | wc -l)" -eq 0
	check "$side: no tshark errors" test "$("${TS[@]}" -r "$f" \
		-Y "_ws.expert.severity >= error && !(isakmp.typepayload == 22)" \
		2>/dev/null | wc -l)" -eq 0
	p=$(pull_payloads "$f")
	check "$side: four GROUPKEY-PULL messages (exchange 32)" \
		test "$(grep -c . <<<"$p")" -eq 4
	for t in "8 HASH" "10 Nonce" "5 ID" "15 SA KEK" "16 SA TEK" \
		 "17 KD" "18 SEQ" "22 GAP"; do
		check "$side: GROUPKEY-PULL carries ${t#* }" \
			grep -qE "(^|,)${t%% *}(,|$)" <<<"$p"
	done
done

# the verbose decode names what an operator looks for
v=$("${TS[@]}" -r "$TMPDIR_TEST/gmA.pcap" -V -Y "isakmp.exchangetype == 32" 2>/dev/null)
for what in "SA KEK Payload" "SA TEK Payload" \
	    "Key Download" "Sequence Number" "Group Associated Policy"; do
	check "tshark -V shows \"$what\"" grep -qF "$what" <<<"$v"
done
# the SA TEK's SPI in the pcap is the one gvpn.ko got (gvpn sa show):
# both are decoded from the same message by independent code
spi=$("${TS[@]}" -r "$TMPDIR_TEST/gmA.pcap" -Y "isakmp.exchangetype == 32" \
	-T fields -e isakmp.sat.spi 2>/dev/null | grep . | head -n 1 | tr -d ':')
check "tshark's SA TEK SPI is an SPI gvpn.ko holds" \
	grep -q "\"spi\":$((16#${spi:-0}))\b" <<<"$sas"

exit $EXIT_STATUS
