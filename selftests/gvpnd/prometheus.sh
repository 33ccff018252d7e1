#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# examples/gvpn-prometheus, the textfile collector for the JSON of
# "gvpn -j -s" (Documentation/gvpn-json.rst): fed the JSON captured from a
# key server and a member of the demo (prometheus/*.json), its output is
# valid Prometheus text exposition (a strict check of the format here,
# and promtool's when the prometheus package is installed) with the
# captured values; a missing source or another schema version is reported
# per source and the rest still exported; a source that does not apply (a
# member-only gvpnd asked "ks show") is gvpn_source_present 0, quiet and
# exit 0; malformed JSON and an unwritable -o give a clear error, no
# traceback; written atomically with -o; --sources picks sources.
# Then live: a gvpnd key server in a namespace answers "ks show" and
# "ks members" with schema_version 1, which the collector reads over the
# control socket; its answer to "gm show" (not a member) and gvpn.ko's
# absence, when it is not loaded, count as not applicable.

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
"$PY" "$COLLECTOR" --from "$T/part" >"$T/part.prom" 2>"$T/part.err"
check "a source missing: exit 1" test $? -eq 1
check "a source missing: said on stderr" grep -q '^gvpn-prometheus: gm: ' "$T/part.err"
check "a source missing: it is present, not 'not applicable'" \
	has "$T/part.prom" 'gvpn_source_present{source="gm"} 1'
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

# noerr FILE: FILE (stderr) has no Python traceback
noerr() {
	! grep -q Traceback "$1" || { cat "$1"; return 1; }
}

"$PY" "$COLLECTOR" --from "$DATA" -o "$T/nodir/out.prom" 2>"$T/nodir.err"
check "-o in a missing directory: exit 2" test $? -eq 2
check "-o in a missing directory: clear error, no traceback" \
	sh -c "grep -q '^gvpn-prometheus: cannot write .*No such file' '$T/nodir.err' && ! grep -q Traceback '$T/nodir.err'"

# --- a single-role host: sources that do not apply ----------------------------

# a member-only gvpnd: "gvpn -j ks show" and "ks members" fail with this
# (daemon/main/ctl.c); a key server without gvpn.ko: daemon/lib/genl.c
mkdir "$T/member"
cp "$DATA"/*.json "$T/member/"
rm "$T/member/ks.json" "$T/member/ks-members.json"
echo 'Error: this gvpnd is not a key server (no "server" in its configuration).' >"$T/member/ks.err"
cp "$T/member/ks.err" "$T/member/ks-members.err"
"$PY" "$COLLECTOR" --from "$T/member" >"$T/member.prom" 2>"$T/member.err"
check "member only: exit 0" test $? -eq 0
check "member only: nothing on stderr" test ! -s "$T/member.err"
check "member only: valid exposition" exposition "$T/member.prom"
check "member only: ks not present" \
	has "$T/member.prom" 'gvpn_source_present{source="ks"} 0'
check "member only: ks_members not present" \
	has "$T/member.prom" 'gvpn_source_present{source="ks_members"} 0'
check "member only: ks not scraped" \
	has "$T/member.prom" 'gvpn_scrape_success{source="ks"} 0'
check "member only: gm present and scraped" sh -c \
	"grep -qxF 'gvpn_source_present{source=\"gm\"} 1' '$T/member.prom' && grep -qxF 'gvpn_scrape_success{source=\"gm\"} 1' '$T/member.prom'"
"$PY" "$COLLECTOR" --from "$T/member" -v >/dev/null 2>"$T/member-v.err"
check "member only: -v says why ks is not applicable" \
	grep -q '^gvpn-prometheus: ks: not applicable: .*not a key server' "$T/member-v.err"
# another error text of the same source is a failure, not "not applicable"
echo 'Error: gvpnd is not running (no /run/gvpnd.sock).' >"$T/member/ks.err"
"$PY" "$COLLECTOR" --from "$T/member" >/dev/null 2>"$T/member2.err"
check "gvpnd not running: exit 1" test $? -eq 1
check "gvpnd not running: said on stderr" \
	grep -q '^gvpn-prometheus: ks: Error: gvpnd is not running' "$T/member2.err"

"$PY" "$COLLECTOR" --from "$DATA" --sources gm,ks >"$T/some.prom"
check "--sources: exit 0" test $? -eq 0
check "--sources: only the sources asked" \
	test "$(grep -c '^gvpn_scrape_success' "$T/some.prom")" -eq 2
check "--sources: nothing of the others" \
	test "$(grep -c '^gvpn_group_\|^gvpn_sa_\|^gvpn_policy_\|^gvpn_ks_member' "$T/some.prom")" -eq 0
"$PY" "$COLLECTOR" --from "$DATA" --sources gm,bogus >/dev/null 2>"$T/bogus.err"
check "--sources: an unknown source is a usage error" test $? -eq 2

# --- malformed JSON: a null object is absent, a wrong type fails the source ---

mkdir "$T/bad"
cp "$DATA"/*.json "$T/bad/"
"$PY" -c 'import json,sys
d = json.load(open(sys.argv[1])); d[0]["counters"] = None
json.dump(d, open(sys.argv[1], "w"))
d = json.load(open(sys.argv[2])); d[0]["stats"] = 5
json.dump(d, open(sys.argv[2], "w"))' "$T/bad/gm.json" "$T/bad/group.json"
"$PY" "$COLLECTOR" --from "$T/bad" >"$T/bad.prom" 2>"$T/bad.err"
check "malformed: exit 1" test $? -eq 1
check "malformed: no traceback" noerr "$T/bad.err"
check "malformed: clear error" \
	grep -q '^gvpn-prometheus: group: "stats" is not an object' "$T/bad.err"
check "malformed: nothing of that source exported" \
	test "$(grep -c '^gvpn_group_' "$T/bad.prom")" -eq 0
check "null counters: the rest of gm exported" \
	has "$T/bad.prom" 'gvpn_gm_registered{group="1234",name="GETVPN"} 1'

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
"$PY" "$COLLECTOR" --gvpn "$GVPN" -S "$T/ks.conf.sock" -n "$ks" >"$T/live.prom" 2>"$T/live.err"
check "live: collector exit 0 (the failed sources do not apply)" test $? -eq 0
check "live: nothing on stderr" test ! -s "$T/live.err"
check "live: valid exposition" exposition "$T/live.prom"
if [ -d /sys/module/gvpn ]; then
	# gvpn.ko loaded: the group source answers (no groups in the netns)
	check "live: gvpn.ko loaded: group source read" \
		has "$T/live.prom" 'gvpn_scrape_success{source="group"} 1'
else
	check "live: no gvpn.ko: group source not present" \
		has "$T/live.prom" 'gvpn_source_present{source="group"} 0'
	check "live: no gvpn.ko: group source not scraped" \
		has "$T/live.prom" 'gvpn_scrape_success{source="group"} 0'
fi
check "live: key server source read" \
	has "$T/live.prom" 'gvpn_scrape_success{source="ks"} 1'
check "live: no members yet" \
	has "$T/live.prom" 'gvpn_ks_group_members{group="1234",name="g1"} 0'
check "live: not a member: gm source 0" \
	has "$T/live.prom" 'gvpn_scrape_success{source="gm"} 0'
check "live: not a member: gm source not present" \
	has "$T/live.prom" 'gvpn_source_present{source="gm"} 0'
check "live: key server: ks source present" \
	has "$T/live.prom" 'gvpn_source_present{source="ks"} 1'

exit $EXIT_STATUS
