#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
#   hostA - gmA =\                /= gmB - hostB
#                 core (br0) <-- capture
#                       |
#                      ks1 192.168.0.10  compat = "rfc3547"
#
# A key server in RFC 3547 mode (compat = "rfc3547": SA TEK with 1-byte ID
# lengths, no GAP, single addresses as ID_IPV4_ADDR, the SA KEK's 6-byte
# trailer) and two gvpnd members: each registers, decodes the RFC 3547
# layout and says so once, installs the TEKs in gvpn.ko, and hostA and
# hostB talk through group ESP, nothing in clear. The group has a KEK;
# once those checks are done, "gvpn ks rekey group" has the key server
# push new TEKs in RFC 3547 4's form (SEQ, SA, KD, SIG; no GAP, no ACK
# asked, unicast: started by command, not by a lifetime, so that it
# cannot overtake the checks on a loaded machine); both members
# follow it (seq 1, the new SPIs in gvpn.ko, no ACK sent, no second
# registration) and the hosts still talk. The policies are single hosts,
# so their selectors cross the wire as ID_IPV4_ADDR. No RFC 3547 gear was
# at hand: the layout is checked by our own decoder (the members) and by
# what tshark makes of it (below).

source "$(dirname "$0")/lib.sh"
gdoi_require
require_cmd tshark
require_cmd jq

gvpn_load
gdoi_topo || { log_test "topology" 1; exit $EXIT_STATUS; }

pol() {
	echo "{ action = \"permit\"; protocol = \"any\"; source = \"$1/32\";
		destination = \"$2/32\"; sa = \"tek1\"; }"
}
ks_conf ks1 kek=1 atd=$PUSH_ATD extra='compat = "rfc3547";
	rekey = { retransmit-period = 1; retransmissions = 1; };' \
	policies="$(pol 10.1.0.2 10.2.0.2), $(pol 10.2.0.2 10.1.0.2)"
lab_timers ks1
check "rfc3547 key server configuration passes gvpnd --check" gvpnd_check ks1
for s in A B; do
	gm_conf "gm$s" "$s"
	lab_timers "gm$s"
done

pcap=$TMPDIR_TEST/wan.pcap
capture_start "$pcap"
gvpnd_start "$ks1" ks1 || { log_test "key server starts" 1; exit $EXIT_STATUS; }
ks_compat() { gctl ks1 -j ks show | grep -q '"compat":"rfc3547"'; }
check "gvpn ks show: the group is compat rfc3547" ks_compat
gvpnd_spawn "$gmA" gmA
gvpnd_spawn "$gmB" gmB
for s in A B; do
	gvpnd_wait_up "gm$s" || log_test "gm$s starts" 1
done

for s in A B; do
	check "gm$s: registration complete" gvpnd_log_wait "gm$s" \
		"GDOI-5-GM_REGS_COMPL: Registration to KS 192\.168\.0\.10 complete for group g$GDOI_GROUP" ||
		gvpnd_log_dump "gm$s"
	check "gm$s: decoded the RFC 3547 SA TEK layout (logged)" \
		gvpnd_log_has "gm$s" "group g$GDOI_GROUP: KS 192\.168\.0\.10 speaks RFC 3547: SA TEK with 1-byte ID lengths"
	check "gm$s: said so once" test "$(grep -c 'speaks RFC 3547' \
		"$TMPDIR_TEST/gm$s.log")" -eq 1
done

old=$(ks_tek_spis)
check "no push before the registration checks (seq 0)" test "$(ks_seq)" = 0
ref=$(sa_list "$gmA")
check "gmA holds the TEKs in gvpn.ko (AES-GCM-128)" \
	grep -q '"aead":"rfc4106(gcm(aes))"' <<<"$ref"
check "gmA holds one SA per policy (two)" test "$(sa_count "$gmA")" -eq 2
check "gmB holds the same SPIs and algorithm" same_sas "$gmB" "$ref"

check_pings "A B" "A B"

# the push rekey (old is what the members registered with)
check "gvpn ks rekey group: ks1 starts a TEK rekey" \
	gctl ks1 ks rekey group "$GDOI_GROUP"
check "gmA and gmB accept push seq # 1" slowwait 30 all_gms_seq 1 "A B" ||
	{ gvpnd_log_dump ks1; gvpnd_log_dump gmA; }
new=$(comm -13 <(sort <<<"$old") <(ks_tek_spis | sort) | head -n 1)
check "ks1 made new TEKs for the push" test -n "$new"
check "gmA and gmB hold a new SPI in gvpn.ko" \
	busywait 5000 all_kernels_have "${new:-none}" "A B"
check "ks1 logged the unicast rekey" gvpnd_log_has ks1 KS_SEND_UNICAST_REKEY
check "ks1 asked for no ACK and got none" \
	test "$(ks_counter ks1 acks_received)" -eq 0
for s in A B; do
	check "gm$s: GM_RECV_REKEY logged" gvpnd_log_has "gm$s" GM_RECV_REKEY
	check "gm$s sent no ACK" test "$(gm_counter "gm$s" acks_sent)" -eq 0
	check "gm$s refused no push" test "$(gm_counter "gm$s" rejected)" -eq 0
	check "gm$s registered once (the push replaced re-registration)" \
		test "$(grep -c 'GM_REGS_COMPL' "$TMPDIR_TEST/gm$s.log")" -eq 1
done
check "ks1: both members active" test "$(gctl ks1 -j ks members |
	jq '[.[] | select(.state == "active")] | length')" -eq 2
sleep $((PUSH_ATD + 1))		# past the activation time of the new TEKs
check_pings "A B" "A B"
capture_stop

# sa_sum NS KEY: KEY summed over the SAs of NS (one per policy)
sa_sum() {
	$GVPN -n "$1" -j -s sa show | grep -oE "\"$2\":[0-9]+" |
		awk -F: '{ n += $2 } END { print n + 0 }'
}
for s in A B; do
	ns=gm$s
	check "gm$s decrypted the other's ESP (rx_packets >= 4)" \
		test "$(sa_sum "${!ns}" rx_packets)" -ge 4
	check "gm$s: no ESP failed authentication" \
		test "$(sa_sum "${!ns}" drop_auth)" -eq 0
done
check "WAN carries ESP between the hosts, with their addresses" \
	test "$(wan_count "$pcap" '10\.[12]\.0\.2 > 10\.[12]\.0\.2: ESP')" -ge 8
check "no cleartext between the hosts on the WAN" test "$(wan_count "$pcap" \
	'10\.[12]\.0\.2\.?[0-9]* > 10\.[12]\.0\.2\.?[0-9]*: [^E]')" -eq 0

# The key server's messages as tshark 4.0, an independent decoder, reads
# them (the pushes as the key server signed them: its capture writes
# their plaintext). It knows only RFC 6407's layouts: after the SA KEK's
# SPI it takes 4 bytes (RESERVED2), where RFC 3547 peers and our compat
# mode put 6, and reads the last 2 and the first attribute's type as one
# TLV attribute of length 32770 ([Malformed]): every message 2 and every
# push stops there, in the SA KEK whose source is one ID_IPV4_ADDR. (The
# SA TEK's 1-byte ID lengths, which tshark would misread next, are checked
# by the members that decode them and by the unit tests.) Every other
# frame decodes cleanly. One tshark pass (seconds under TCG).
gvpnd_stop gmA
gvpnd_stop gmB
gvpnd_stop ks1
f=$TMPDIR_TEST/ks1.pcap
pcap_fields "$f" isakmp.exchangetype _ws.malformed _ws.expert.severity \
	isakmp.typepayload isakmp.sak.src_id_type isakmp.ipsec.attr.length
grep -v '^33|' "$f.fields" >"$f.pull"
grep '^33|' "$f.fields" >"$f.push"
npush=$(wc -l <"$f.push")
# stops_in_kek: the frame is malformed in the SA KEK, as said above
stops_in_kek='$2 != "" && $5 == 1 && $6 ~ /(^|,)32770$/'
check "tshark decodes the key server's pcap (Phase 1 and two pulls)" \
	test "$(wc -l <"$f.pull")" -ge 14
check "tshark: the two messages 2 are the only pull frames with a problem" \
	test "$(pcap_problems "$f.pull")" -eq 2
check "tshark: both messages 2 (HASH, NONCE, SA) stop in the SA KEK trailer" \
	test "$(awk -F'|' "\$1 == 32 && \$4 ~ /^8,10,1/ && $stops_in_kek" \
		"$f.pull" | wc -l)" -eq 2
check "tshark: no other pull frame has an SA KEK" \
	test "$(awk -F'|' '$5 != ""' "$f.pull" | wc -l)" -eq 2
check "tshark: pushes (GROUPKEY-PUSH, 33) to both members" test "$npush" -ge 2
check "tshark: every push is SEQ then SA (no Delete) and stops in the SA KEK trailer" \
	test "$(awk -F'|' "\$4 == \"18,1\" && $stops_in_kek" "$f.push" |
		wc -l)" -eq "$npush"
if [ "$(pcap_problems "$f.pull")" -ne 2 ] ||
   [ "$(pcap_problems "$f.push")" -ne "$npush" ]; then
	sed 's/^/# /' "$f.fields"
fi

exit $EXIT_STATUS
