#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
#   hostA - gmA =\                /= gmB - hostB
#                 core (br0) <-- capture
#   hostC - gmC =/      |
#                      ks1 192.168.0.10
#
# Three group members register with one key server over GDOI
# (IKEv1 Phase 1 + GROUPKEY-PULL): the key server lists all three, every
# member holds the same SAs (SPI, algorithms, key size) in gvpn.ko, and the
# hosts behind them talk through group ESP whose outer header carries the
# hosts' own addresses, nothing in clear. That the keys are the same is
# proved by the traffic: every member decrypts (AES-GCM authenticates)
# what every other one encrypted. Keys are never printed.

source "$(dirname "$0")/lib.sh"
gdoi_require

gvpn_load
gdoi_topo || { log_test "topology" 1; exit $EXIT_STATUS; }

ks_conf ks1 kek=1
check "key server configuration passes gvpnd --check" gvpnd_check ks1
for s in $SITES; do
	gm_conf "gm$s" "$s"
	check "gm$s configuration passes gvpnd --check" gvpnd_check "gm$s"
done

pcap=$TMPDIR_TEST/wan.pcap
capture_start "$pcap"
gvpnd_start "$ks1" ks1 || { log_test "key server starts" 1; exit $EXIT_STATUS; }
for s in $SITES; do
	ns=gm$s
	gvpnd_spawn "${!ns}" "gm$s"
done
for s in $SITES; do
	gvpnd_wait_up "gm$s" || log_test "gm$s starts" 1
done

for s in $SITES; do
	check "gm$s: GM_REGS_COMPL with ks1" gvpnd_log_wait "gm$s" \
		"GDOI-5-GM_REGS_COMPL: Registration to KS 192\.168\.0\.10 complete for group g$GDOI_GROUP using address 192\.168\.0\.$(site_n "$s")" ||
		gvpnd_log_dump "gm$s"
done

members=$(gctl ks1 ks members)
check "gvpn ks members lists three members" \
	test "$(grep -cE '192\.168\.0\.[123]\b' <<<"$members")" -eq 3
check "gvpn -j ks members: three, each once" test "$(gctl ks1 -j ks members |
	grep -oE '192\.168\.0\.[0-9]+' | sort -u | wc -l)" -eq 3
check "gvpn ks members group $GDOI_GROUP lists the same three" \
	test "$(gctl ks1 ks members group $GDOI_GROUP | grep -cE '192\.168\.0\.[123]\b')" -eq 3

# the JSON of Documentation/gvpn-json.rst: a schema version, times in
# integer milliseconds
check "gvpn -j gm show: schema_version 1, times are integer _ms" \
	test "$(gctl gmA -j gm show | jq '.[0] | .schema_version == 1 and
		(.registered_ago_ms | type) == "number" and
		(.reregister_in_ms | type) == "number" and
		([.teks[].expires_in_ms | type] | all(. == "number"))')" = true
check "gvpn -j -s group show: schema_version 1" \
	test "$("$GVPN" -n "$gmA" -j -s group show | jq '.[0].schema_version')" = 1
check "gvpn -j group show (no -s): no schema_version" \
	test "$("$GVPN" -n "$gmA" -j group show | jq '.[0] | has("schema_version")')" = false

# SAs in gvpn.ko: at least one, and the same set on every member
ref=$(sa_list "$gmA")
check "gmA holds SAs from the key server" test -n "$ref"
check "gmA's SAs are AES-GCM-128" grep -q '"aead":"rfc4106(gcm(aes))"' <<<"$ref"
for s in B C; do
	ns=gm$s
	check "gm$s holds the same SPIs and algorithms as gmA" \
		same_sas "${!ns}" "$ref"
done
check "every member's group is up (keys up)" all_gms_keys_up

check_pings "$SITES" "$SITES"
capture_stop

# the same keys: each member decrypted traffic from both others, with no
# authentication failure
for s in $SITES; do
	ns=gm$s
	check "gm$s decrypted the others' ESP (rx_packets >= 8)" \
		counter_ge "${!ns}" rx_packets 8 sa show
	check "gm$s: no ESP failed authentication" \
		test "$(counter "${!ns}" drop_auth sa show)" -eq 0
done

check_preserved "$pcap" 12

check "registrations crossed the WAN on UDP 848" test "$(wan_count "$pcap" \
	'192\.168\.0\.[123]\.848 > 192\.168\.0\.10\.848: ')" -gt 0

# no key material in any log
check "no log holds the PSK" bash -c "! grep -qs -- '$GDOI_PSK' $TMPDIR_TEST/*.log"

exit $EXIT_STATUS
