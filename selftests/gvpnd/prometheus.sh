#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# examples/gvpn-prometheus, the textfile collector for the JSON of
# "gvpn -j -s" (Documentation/gvpn-json.rst): fed the JSON captured from a
# key server and a member of the demo (prometheus/*.json), its output is
# valid Prometheus text exposition (a strict check of the format here,
# and promtool's when the prometheus package is installed) with the
# captured values; a missing source or another schema version is reported
# per source and the rest still exported; written atomically with -o.
# Then live: a gvpnd key server in a namespace answers "ks show" and
# "ks members" with schema_version 1, which the collector reads over the
# control socket (gvpn.ko is not on the host: those sources report 0).

source "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
COLLECTOR=$GVPN_TOP/examples/gvpn-prometheus
GVPN=${GVPN:-$GVPN_TOP/build/daemon/gvpn}
DATA=$HERE/prometheus
[ -x "$PY" ] || skip "$PY not installed"
[ -x "$GVPN" ] || skip "$GVPN not built (make)"

# exposition FILE: the Prometheus text format, strictly: every family has
# HELP then TYPE before its samples, which are contiguous; names and
# label names are valid, label values escaped, values numbers; counters
# end in _total; no series twice; the last line ends with a newline
exposition() {
	"$PY" - "$1" <<-'EOF'
	import re, sys
	NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
	LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:\\\\|\\"|\\n|[^"\\\n])*"'
	NUM = r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?|NaN|[+-]Inf"
	help_re = re.compile(r"# HELP (%s) (.*)$" % NAME)
	type_re = re.compile(r"# TYPE (%s) (counter|gauge|untyped)$" % NAME)
	sample_re = re.compile(r"(%s)(\{%s(?:,%s)*\})? (%s)$" % (NAME, LABEL, LABEL, NUM))
	text = open(sys.argv[1]).read()
	errs = []
	if not text.endswith("\n"):
	    errs.append("no final newline")
	seen_fam, series = set(), set()
	fam = kind = helped = None
	for n, line in enumerate(text.splitlines(), 1):
	    m = help_re.match(line)
	    if m:
	        if m.group(1) in seen_fam:
	            errs.append("%d: family %s again" % (n, m.group(1)))
	        fam, kind, helped = m.group(1), None, True
	        seen_fam.add(fam)
	        continue
	    m = type_re.match(line)
	    if m:
	        if m.group(1) != fam or kind:
	            errs.append("%d: TYPE without its HELP" % n)
	        kind = m.group(2)
	        if kind == "counter" and not fam.endswith("_total"):
	            errs.append("%d: counter %s without _total" % (n, fam))
	        continue
	    m = sample_re.match(line)
	    if not m:
	        errs.append("%d: not a sample: %r" % (n, line))
	        continue
	    if m.group(1) != fam or not kind:
	        errs.append("%d: sample of %s outside its family" % (n, m.group(1)))
	    key = (m.group(1), m.group(2) or "")
	    if key in series:
	        errs.append("%d: series twice: %s" % (n, line))
	    series.add(key)
	for e in errs[:20]:
	    print("# " + e)
	sys.exit(1 if errs or not series else 0)
	EOF
}

# has FILE LINE: FILE has this exact line
has() {
	grep -qxF -- "$2" "$1" && return 0
	echo "# no line: $2"
	return 1
}

# --- captured JSON ------------------------------------------------------------

out=$T/all.prom
"$PY" "$COLLECTOR" --from "$DATA" >"$out"
check "captured JSON: every source read, exit 0" test $? -eq 0
check "captured JSON: strict exposition format" exposition "$out"
if command -v promtool >/dev/null; then
	check "captured JSON: promtool check metrics" \
		sh -c "promtool check metrics <'$out'"
else
	log_test "captured JSON: promtool check metrics (no promtool)" "$ksft_skip"
fi
check "group counters" has "$out" 'gvpn_group_tx_packets_total{group="1234"} 6'
check "group keys" has "$out" 'gvpn_group_keys_installed{group="1234"} 1'
check "group drop counter" has "$out" 'gvpn_group_drop_no_keys_total{group="1234"} 3'
check "SA counters, SPI in hex" \
	has "$out" 'gvpn_sa_rx_bytes_total{group="1234",spi="0xe4772214",policy="65537"} 504'
check "policy match counters" \
	has "$out" 'gvpn_policy_match_packets_total{group="1234",policy="65537",action="encrypt",origin="ks"} 6'
check "key server: members" \
	has "$out" 'gvpn_ks_group_members{group="1234",name="GETVPN"} 3'
check "key server: rekey counters" \
	has "$out" 'gvpn_ks_rekey_rekeys_sent_total{group="1234",name="GETVPN"} 0'
check "key server: each member" \
	has "$out" 'gvpn_ks_member_active{group="1234",member="192.168.0.2"} 1'
check "member: registered" \
	has "$out" 'gvpn_gm_registered{group="1234",name="GETVPN"} 1'
check "member: _ms times become seconds" \
	has "$out" 'gvpn_gm_reregister_in_seconds{group="1234",name="GETVPN"} 3531.822'
check "member: rejected rekeys by reason" \
	has "$out" 'gvpn_gm_rekeys_rejected_total{group="1234",name="GETVPN",reason="seq_failure"} 0'
check "every source up" test "$(grep -c '^gvpn_scrape_success{.*} 1$' "$out")" -eq 6

# --- a source missing, another schema -----------------------------------------

mkdir "$T/part"
cp "$DATA"/*.json "$T/part/"
rm "$T/part/gm.json"
sed 's/"schema_version":1/"schema_version":2/' "$DATA/ks.json" >"$T/part/ks.json"
"$PY" "$COLLECTOR" --from "$T/part" >"$T/part.prom"
check "a source missing: exit 1" test $? -eq 1
check "a source missing: still valid exposition" exposition "$T/part.prom"
check "missing gm source reported" \
	has "$T/part.prom" 'gvpn_scrape_success{source="gm"} 0'
check "schema version 2 refused" \
	has "$T/part.prom" 'gvpn_scrape_success{source="ks"} 0'
check "nothing of the refused source exported" \
	test "$(grep -c '^gvpn_ks_group' "$T/part.prom")" -eq 0
check "the other sources still exported" \
	has "$T/part.prom" 'gvpn_ks_member_active{group="1234",member="192.168.0.2"} 1'

"$PY" "$COLLECTOR" --from "$DATA" -o "$T/out.prom"
check "-o writes the file, no .tmp left" \
	sh -c "cmp -s '$T/out.prom' '$out' && ! test -e '$T/out.prom.tmp'"

# --- live: a key server's answers -------------------------------------------

topo || exit $EXIT_STATUS
gvpnd_conf "$T/ks.conf" role=responder
cat >>"$T/ks.conf" <<EOF
server = {
	groups = ( {
		name = "g1"; id = 1234; identity = "number";
		policies = ( { action = "permit"; protocol = "any";
			       source = "10.1.0.0/16"; destination = "10.2.0.0/16"; } );
		ipsec-sa = ( { name = "tek1"; encryption = "aes-gcm-128";
			       integrity = "none"; lifetime = 3600; } );
	} );
};
EOF
gvpnd_start "$ks" ks "$T/ks.conf" || { log_test "key server starts" 1; exit $EXIT_STATUS; }

# schema FILE: every object of the JSON array carries schema_version 1
schema() {
	"$PY" -c 'import json,sys; d=json.load(open(sys.argv[1]));
sys.exit(not d or any(o.get("schema_version") != 1 for o in d))' "$1"
}
"$GVPN" -S "$T/ks.conf.sock" -j ks show >"$T/ks.json"
check "live: gvpn -j ks show has schema_version 1" schema "$T/ks.json"
"$PY" "$COLLECTOR" --gvpn "$GVPN" -S "$T/ks.conf.sock" -n "$ks" >"$T/live.prom"
check "live: collector exit 1 (no gvpn.ko on the host)" test $? -eq 1
check "live: valid exposition" exposition "$T/live.prom"
check "live: key server source read" \
	has "$T/live.prom" 'gvpn_scrape_success{source="ks"} 1'
check "live: no members yet" \
	has "$T/live.prom" 'gvpn_ks_group_members{group="1234",name="g1"} 0'
check "live: not a member: gm source 0" \
	has "$T/live.prom" 'gvpn_scrape_success{source="gm"} 0'

exit $EXIT_STATUS
