#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# gvpnd --check: a valid configuration passes; each kind of mistake is
# refused with FILE:LINE and a message that says what is wrong, and
# gvpnd does not start with it. Secrets in files others can read are
# refused. No network is involved.

source "$(dirname "$0")/lib.sh"

pki_init || exit 1
secret "$T/psk" "$PSK"

valid() {
	cat <<-EOC
	# a key server with two proposals and two peers
	log-level = "info";
	listen = { address = "0.0.0.0"; port = 848; };
	ike = {
		doi = "gdoi";
		retransmit-timeout = 1.5;
		proposals = (
			{ name = "strong"; encryption = "aes256"; hash = "sha256";
			  group = "ecp256"; lifetime = 86400; },
			{ name = "modp"; encryption = "aes128"; hash = "sha1";
			  group = "modp2048"; }
		);
	};
	credentials = {
		certificate = "$PKI/ks.pem";
		private-key = "$PKI/ks.key";
		ca = [ "$PKI/ca.pem" ];
	};
	peers = (
		{ name = "members"; address = "10.0.0.0/8"; psk-file = "$T/psk";
		  proposals = [ "strong", "modp" ]; },
		{ name = "gm-rsa"; address = "192.0.2.7"; auth = "rsa";
		  remote-id = "dn:$GM_DN"; initiate = true;
		  mode = "aggressive"; proposals = [ "strong" ];
		  aggressive-msg3 = "clear"; }
	);
	EOC
}

# bad DESC SED-EXPR MESSAGE [LINE]: the valid file with one change is
# refused, the error on LINE (default: the line the change is on)
bad() {
	local desc=$1 expr=$2 msg=$3 line=${4:-} out rc
	valid | sed "$expr" >"$T/bad.conf"
	chmod 600 "$T/bad.conf"
	[ -n "$line" ] ||
		line=$(valid | diff - "$T/bad.conf" | sed -n '1s/^\([0-9]*\).*/\1/p')
	out=$("$GVPND" --check "$T/bad.conf" 2>&1)
	rc=$?
	echo "$out" | sed 's/^/#   /'
	[ $rc -eq 1 ] && echo "$out" | grep -qE "^$T/bad.conf:$line: .*$msg"
	log_test "$desc: refused, line $line: $msg" $?
}

valid >"$T/ok.conf"
chmod 600 "$T/ok.conf"
out=$("$GVPND" --check "$T/ok.conf" 2>&1)
[ $? -eq 0 ] && [ "$out" = "$T/ok.conf: OK (2 peers, 2 proposals)" ]
log_test "valid configuration passes" $?

bad "syntax error" 's/port = 848;/port = 848;;/' "syntax error"
bad "unknown setting: the nearest known name is suggested" \
	's/retransmit-timeout/retransmit-timout/' \
	"unknown setting 'retransmit-timout' \\(did you mean 'retransmit-timeout'\\?\\)$"
bad "unknown setting far from any: no suggestion" 's/doi = "gdoi";/colour = "red";/' \
	"unknown setting 'colour'$"
bad "out of range" 's/port = 848;/port = 70000;/' \
	"'port' = 70000 is out of range 1..65535"
bad "negotiating-per-peer out of range" \
	's/retransmit-timeout = 1.5;/retransmit-timeout = 1.5; negotiating-per-peer = 1001;/' \
	"'negotiating-per-peer' = 1001 is out of range 0..1000"
bad "peer-rate not a number" \
	's/retransmit-timeout = 1.5;/retransmit-timeout = 1.5; peer-rate = "fast";/' \
	"'peer-rate' must be an integer from 0 to 100000"
bad "flood-log-period out of range" \
	's/retransmit-timeout = 1.5;/retransmit-timeout = 1.5; flood-log-period = 0.5;/' \
	"'flood-log-period' = 0.5 s is out of range 1..3600"
bad "negotiating-max out of range" \
	's/retransmit-timeout = 1.5;/retransmit-timeout = 1.5; negotiating-max = -1;/' \
	"'negotiating-max' = -1 is out of range 0..1000000"
bad "wrong type" 's/retransmit-timeout = 1.5;/retransmit-timeout = "1.5";/' \
	"'retransmit-timeout' must be a number of seconds"
bad "lifetime below 60 s" 's/lifetime = 86400;/lifetime = 59;/' \
	"'lifetime' = 59 is out of range 60..31536000"
bad "legacy without ike.legacy" 's/encryption = "aes128"/encryption = "3des"/' \
	"uses legacy algorithms .* set ike.legacy = true"
bad "unknown group" 's/group = "ecp256"/group = "ecp192"/' \
	"'group' = \"ecp192\": expected one of"
# Diffie-Hellman groups by number too: Cisco's "group 19", Juniper's
# "group19"
# good DESC SED-EXPR: the valid file with one change still passes, silently
good() {
	local out
	valid | sed "$2" >"$T/good.conf"
	chmod 600 "$T/good.conf"
	out=$("$GVPND" --check "$T/good.conf" 2>&1)
	[ $? -eq 0 ] && [ "$out" = "$T/good.conf: OK (2 peers, 2 proposals)" ]
	log_test "$1" $?
}
good "DH group by number: group = 19" 's/group = "ecp256"/group = 19/'
good "DH group by number as a string: \"14\"" 's/group = "modp2048"/group = "14"/'
good "DH group in Juniper's words: \"group20\"" 's/group = "ecp256"/group = "group20"/'
bad "DH group number gvpnd does not implement" 's/group = "ecp256"/group = 22/' \
	"'group' = 22: not a Diffie-Hellman group gvpnd implements: expected one of .*or their numbers 14, 15, 16, 19"
bad "DH group: a legacy one by number still needs ike.legacy" 's/group = "ecp256"/group = 2/' \
	"uses legacy algorithms .* set ike.legacy = true" 8
bad "DH group: \"group\" and garbage" 's/group = "ecp256"/group = "group19x"/' \
	"'group' = \"group19x\": expected one of"
bad "unknown proposal" 's/"strong", "modp"/"strong", "weak"/' \
	"no proposal named 'weak'"
bad "host bits in a prefix" 's|10.0.0.0/8|10.0.0.1/8|' \
	"'address' = \"10.0.0.1/8\": expected A.B.C.D or A.B.C.D/LEN"
bad "bad identity" 's/remote-id = "dn:/remote-id = "name:/' \
	"'remote-id' = \"name:.*\": expected ipv4:ADDR"
bad "psk and psk-file" "s|psk-file = \"$T/psk\";|psk-file = \"$T/psk\"; psk = \"x\";|" \
	"give exactly one of 'psk' and 'psk-file'"
bad "missing name" 's/name = "members"; //' "'name' is required here"
bad "duplicate peer" 's/name = "gm-rsa"/name = "members"/' \
	"peer 'members' is defined twice"
bad "aggressive-msg3" 's/aggressive-msg3 = "clear"/aggressive-msg3 = "plain"/' \
	"'aggressive-msg3' = \"plain\": expected encrypted or clear"
bad "initiate to a prefix" 's|"192.0.2.7"|"192.0.2.0/24"|' \
	"'initiate' needs a single address"
# (reported at the peer that needs the credentials)
bad "missing CA" "s|ca = \\[ \"$PKI/ca.pem\" \\];||" \
	"peer 'gm-rsa': signature authentication needs at least one CA certificate \(credentials at line 14\)" 22
bad "key of another certificate" "s|$PKI/ks.key|$PKI/gm.key|" \
	"the private key does not belong to the certificate \(credentials at line 14\)" 22
bad "CRL file missing" "s|ca = \\[ \"$PKI/ca.pem\" \\];|& crl = \"$T/none.crl\";|" \
	"$T/none.crl: No such file or directory"
bad "CRL file without a CRL" "s|ca = \\[ \"$PKI/ca.pem\" \\];|& crl = [ \"$PKI/ca.pem\" ];|" \
	"no PEM certificate revocation list"
bad "ecdsa with an RSA key" 's/auth = "rsa";/auth = "ecdsa";/' \
	"peer 'gm-rsa': auth = \"ecdsa\" but the private key is an RSA key"

# secrets others can read
chmod 644 "$T/psk"
out=$("$GVPND" --check "$T/ok.conf" 2>&1)
echo "$out" | sed 's/^/#   /'
[ $? -eq 0 ] && echo "$out" | grep -qE ":[0-9]+: $T/psk holds a secret but others may read or write it \(mode 0644\)"
log_test "world-readable psk-file refused" $?
chmod 600 "$T/psk"
chmod 644 "$PKI/ks.key"
out=$("$GVPND" --check "$T/ok.conf" 2>&1)
echo "$out" | grep -q "$PKI/ks.key holds a secret but others may read"
log_test "world-readable private key refused" $?
chmod 600 "$PKI/ks.key"
valid | sed "s|psk-file = \"$T/psk\";|psk = \"$PSK\";|" >"$T/inline.conf"
chmod 644 "$T/inline.conf"
out=$("$GVPND" --check "$T/inline.conf" 2>&1)
echo "$out" | grep -q "'psk' in $T/inline.conf, which others may read"
log_test "inline psk in a world-readable file refused" $?
chmod 600 "$T/inline.conf"
"$GVPND" --check "$T/inline.conf" >/dev/null 2>&1
log_test "inline psk in a private file accepted" $?

# a key server group without an authorization list: valid, with a warning
# (examples/ks.conf has one; without it every peer passing Phase 1 would
# get the keys)
sed "s|/etc/gvpn/psk/group1234.psk|$T/psk|; s|/etc/gvpn/rekey.pem|$PKI/ks.key|" \
	"$GVPN_TOP/examples/ks.conf" >"$T/ks.conf"
chmod 600 "$T/ks.conf"
out=$("$GVPND" --check "$T/ks.conf" 2>&1)
[ $? -eq 0 ] && [ "$out" = "$T/ks.conf: OK (1 peer, 2 proposals)" ]
log_test "examples/ks.conf passes, no warning (it has an authorization list)" $?
# warns DESC WARNING: $T/ks.conf is valid (exit 0, the OK line) and --check
# prints exactly "FILE: warning: WARNING"
warns() {
	local out rc

	out=$("$GVPND" --check "$T/ks.conf" 2>&1)
	rc=$?
	echo "$out" | sed 's/^/#   /'
	[ $rc -eq 0 ] &&
		echo "$out" | grep -qxF "$T/ks.conf: warning: $2" &&
		echo "$out" | grep -q ": OK "
	log_test "$1" $?
}

sed -i '/^\t\tauthorization = {/,/^\t\t};/d' "$T/ks.conf"
warns "a group without an authorization list: --check warns, still OK" \
	"group 'GETVPN' has no authorization list: every peer that passes Phase 1 gets its keys"

# compat = "rfc3547" with a kek: valid; pushes take RFC 3547's form, so
# --check says only what that form lacks: ACKs (the example rekeys
# unicast) and heartbeats (when configured)
sed -i 's|^\t\tid = 1234;|&\n\t\tcompat = "rfc3547";|' "$T/ks.conf"
warns "compat = rfc3547, unicast rekeys: --check warns about ACKs, still OK" \
	"group 'GETVPN': compat = rfc3547 with unicast rekeys: RFC 3547 members send no ACK, so every retransmission goes to every member and none is ejected for missed rekeys"
out=$("$GVPND" --check "$T/ks.conf" 2>&1)
rc=$?
[ $rc -eq 0 ] && echo "$out" | grep -q ": OK " &&
	! echo "$out" | grep -qE "GROUPKEY-PUSH stays|heartbeat"
log_test "compat = rfc3547 with a kek: no warning about the push form, none about heartbeats without one" $?
sed -i 's|^\t\t\tpseudotime-resync = 1800;|&\n\t\t\theartbeat = 120;|' "$T/ks.conf"
warns "compat = rfc3547 with a heartbeat: --check says none is sent, still OK" \
	"group 'GETVPN': compat = rfc3547: no heartbeats (an RFC 3547 push always carries SA and KD): members see the key server alive from the pseudotime resyncs (every 1800 s)"
sed -i '/^\t\t\theartbeat = 120;/d' "$T/ks.conf"
sed -i 's|compat = "rfc3547";|compat = "rfc3548";|' "$T/ks.conf"
out=$("$GVPND" --check "$T/ks.conf" 2>&1)
[ $? -eq 1 ] && echo "$out" | grep -qE ":[0-9]+: 'compat' = \"rfc3548\": expected rfc6407 or rfc3547"
log_test "compat: an unknown value is an error with its line" $?

# members = "mixed": no tbar-window (an error with a window), and --check
# says what vendor members do not get (the example has a deny policy)
sed -i '/compat = "rfc3548";/d; s|^\t\tid = 1234;|&\n\t\tmembers = "mixed";|' "$T/ks.conf"
out=$("$GVPND" --check "$T/ks.conf" 2>&1)
[ $? -eq 1 ] && echo "$out" | grep -qE ":[0-9]+: 'tbar-window' needs members = \"gvpn\""
log_test "members = mixed with a tbar-window: an error" $?
sed -i '/^\t\ttbar-window = /d' "$T/ks.conf"
warns "members = mixed: --check explains what vendor members do not get" \
	"group 'GETVPN': members = mixed: only RFC attributes are sent: no TBAR (replay protection is what each member does without it), no push interval for members to notice a lost key server, and its deny policies go to no member: every member handles that traffic by the policies that follow"

# a member's interfaces: one that does not exist is a warning (it may
# appear later), not an error; examples/gm2.conf's "wan" becomes "lo"
sed -e "s|/etc/gvpn/psk/group1234.psk|$T/psk|" \
	-e 's|interfaces = \[ "wan" \];|interfaces = [ "nosuch0" ];|' \
	"$GVPN_TOP/examples/gm2.conf" >"$T/gm.conf"
chmod 600 "$T/gm.conf"
out=$("$GVPND" --check "$T/gm.conf" 2>&1)
rc=$?
echo "$out" | sed 's/^/#   /'
[ $rc -eq 0 ] && echo "$out" | grep -q ": OK " &&
	echo "$out" | grep -qxF "$T/gm.conf: warning: group 'GETVPN': interface 'nosuch0' does not exist (yet): the group registers once it does, trying again every register-interval"
log_test "an interface that does not exist: a warning, still OK" $?
sed -i 's|"nosuch0"|"lo"|' "$T/gm.conf"

# a member's fail-mode in the words of Cisco and Juniper: examples/gm2.conf
# says "clear" (Cisco's fail-open); the old "open" (drop-encrypt) works
# with a warning at its line
out=$("$GVPND" --check "$T/gm.conf" 2>&1)
[ $? -eq 0 ] && [ "$out" = "$T/gm.conf: OK (1 peer, 1 proposal)" ]
log_test "examples/gm2.conf: fail-mode = \"clear\" passes, no warning" $?
sed -i 's|fail-mode = "clear";|fail-mode = "open";|' "$T/gm.conf"
line=$(grep -n 'fail-mode = "open";' "$T/gm.conf" | cut -d: -f1)
out=$("$GVPND" --check "$T/gm.conf" 2>&1)
[ $? -eq 0 ] && echo "$out" | grep -q ": OK " &&
	echo "$out" | grep -qF "$T/gm.conf:$line: warning: 'fail-mode' = \"open\" is deprecated: it drops the traffic of encrypt policies without keys (but the fail-open rules), unlike Cisco's fail-open, which sends it in clear (\"clear\"); write \"drop-encrypt\""
log_test "fail-mode = \"open\": still valid, deprecation warning with its line" $?
sed -i 's|fail-mode = "open";|fail-mode = "fail-open";|' "$T/gm.conf"
out=$("$GVPND" --check "$T/gm.conf" 2>&1)
[ $? -eq 1 ] && echo "$out" | grep -qF "$T/gm.conf:$line: 'fail-mode' = \"fail-open\": expected clear (or none), drop-encrypt or close"
log_test "fail-mode: an unknown word is an error naming the choices" $?

# settings that are valid but have no effect here: a warning at their
# line saying why, and --check still passes
# noeffect DESC FILE SED-EXPR PATTERN MESSAGE: FILE with the change passes,
# and warns MESSAGE at the line of the first line matching PATTERN
noeffect() {
	local desc=$1 src=$2 expr=$3 pat=$4 msg=$5 out rc line

	sed "$expr" "$src" >"$T/noeffect.conf"
	chmod 600 "$T/noeffect.conf"
	line=$(grep -n -m1 -e "$pat" "$T/noeffect.conf" | cut -d: -f1)
	out=$("$GVPND" --check "$T/noeffect.conf" 2>&1)
	rc=$?
	echo "$out" | sed 's/^/#   /'
	[ $rc -eq 0 ] && [ -n "$line" ] && echo "$out" | grep -q ": OK " &&
		echo "$out" | grep -qF "$T/noeffect.conf:$line: warning: $msg"
	log_test "$desc: warning at line $line" $?
}
noeffect "credentials of a psk peer" "$T/ok.conf" \
	"s|psk-file = \"$T/psk\";|& credentials = { ca = \"$PKI/ca.pem\"; };|" \
	'name = "members"' \
	"peer 'members': 'credentials' has no effect: the peer authenticates with a pre-shared key"
noeffect "aggressive-msg3 in main mode" "$T/ok.conf" \
	"s|psk-file = \"$T/psk\";|&\n aggressive-msg3 = \"clear\";|" \
	'^ aggressive-msg3' \
	"peer 'members': 'aggressive-msg3' has no effect: mode is main, and it concerns aggressive mode"
noeffect "aggressive-msg3 of a peer gvpnd never initiates to" "$T/ok.conf" \
	's|initiate = true;||' 'aggressive-msg3' \
	"peer 'gm-rsa': 'aggressive-msg3' has no effect: only the initiator sends message 3"
noeffect "top-level credentials no peer uses" "$T/ok.conf" \
	"s|auth = \"rsa\";|psk-file = \"$T/psk\";|" '^credentials' \
	"'credentials' has no effect: no peer uses them"
noeffect "a proposal no peer lists" "$T/ok.conf" \
	's|proposals = \[ "strong", "modp" \];|proposals = [ "strong" ];|' \
	'name = "modp"' \
	"proposal 'modp' has no effect: no peer lists it in its 'proposals'"
noeffect "aggressive-rate with every peer in main mode" "$T/ok.conf" \
	's|retransmit-timeout = 1.5;|& aggressive-rate = 50;|; s|mode = "aggressive";||; s|aggressive-msg3 = "clear";||' \
	'aggressive-rate' \
	"'aggressive-rate' has no effect: every peer is mode = \"main\""
sed "s|/etc/gvpn/psk/group1234.psk|$T/psk|; s|/etc/gvpn/rekey.pem|$PKI/ks.key|" \
	"$GVPN_TOP/examples/ks.conf" >"$T/ks0.conf"
noeffect "sender-id-bits without an AES-GCM ipsec-sa" "$T/ks0.conf" \
	's|"aes-gcm-128";|"aes-cbc-128";|; s|integrity = "none";|integrity = "hmac-sha256";|' \
	'sender-id-bits' \
	"group 'GETVPN': 'sender-id-bits' has no effect yet: no permit policy uses a counter-mode (AES-GCM) ipsec-sa"
noeffect "an ipsec-sa no permit policy uses" "$T/ks0.conf" \
	's|ipsec-sa = ( {|ipsec-sa = ( { name = "spare"; encryption = "aes-gcm-256"; }, {|' \
	'name = "spare"' \
	"group 'GETVPN': ipsec-sa 'spare' has no effect: no permit policy uses it"
sed "s|/etc/gvpn/psk/group1234.psk|$T/psk|; s|\"wan\"|\"lo\"|" \
	"$GVPN_TOP/examples/gm2.conf" >"$T/gm0.conf"
noeffect "legacy-iv when no accepted transform is AES-GCM" "$T/gm0.conf" \
	's|^\t\ttransforms = \[.*|\t\tlegacy-iv = true; transforms = [ "aes-cbc-256/hmac-sha256",|' \
	'legacy-iv' \
	"group 'GETVPN': 'legacy-iv' has no effect: none of its 'transforms' is a counter mode (AES-GCM)"

# syntax errors: libconfig says "syntax error" and a line; --check adds
# what the text shows
bad "syntax: '=' missing" 's/log-level = "info";/log-level "info";/' \
	"syntax error: '=' missing after 'log-level'$"
bad "syntax: an unquoted string" 's/doi = "gdoi";/doi = gdoi;/' \
	"syntax error: a string value needs double quotes: \"gdoi\"$"
bad "syntax: ';' between list elements" \
	's/group = "ecp256"; lifetime = 86400; },/group = "ecp256"; lifetime = 86400; };/' \
	"syntax error: ';' on line [0-9]+ inside the '\\(' of line 7: the elements of \\( \\) and \\[ \\] are separated by ','$"
bad "syntax: ',' missing between list elements" \
	's/group = "ecp256"; lifetime = 86400; },/group = "ecp256"; lifetime = 86400; }/' \
	"syntax error: a ',' is missing between the list's elements on line 10$" 10
bad "syntax: a decimal comma" 's/retransmit-timeout = 1.5;/retransmit-timeout = 1,5;/' \
	"syntax error: a number takes '.' for its decimals, not ','$"
# the error comes lines later: the hint names the line of the mistake
valid | sed 's/log-level = "info";/log-level = "info;/' >"$T/bad.conf"
out=$("$GVPND" --check "$T/bad.conf" 2>&1)
[ $? -eq 1 ] && echo "$out" | grep -qE "^$T/bad.conf:[0-9]+: syntax error: the string opened on line 2 is not closed on that line: a '\"' is missing$"
log_test "syntax: an unclosed string: the hint names its line" $?
valid | sed '$s/^);$//' >"$T/bad.conf"
out=$("$GVPND" --check "$T/bad.conf" 2>&1)
[ $? -eq 1 ] && echo "$out" | grep -qE "^$T/bad.conf:[0-9]+: syntax error: the '\\(' opened on line 19 is never closed: '\\)' missing$"
log_test "syntax: an unclosed list: the hint names its line" $?
bad "syntax: a '}' too many" 's/^};$/};\n};/' \
	"syntax error: '}' on line [0-9]+ has no opening '\\{' to close$" 14

# algorithm names: one canonical spelling (what gvpnd prints), and the
# words of Cisco, Juniper, strongSwan and libreswan accepted as aliases
good "IKE aliases, Juniper: aes-256-cbc, sha-256" \
	's/encryption = "aes256"; hash = "sha256";/encryption = "aes-256-cbc"; hash = "sha-256";/'
good "IKE aliases, Cisco: \"aes 128\", sha" \
	's/encryption = "aes128"; hash = "sha1";/encryption = "aes 128"; hash = "sha";/'
good "IKE aliases, libreswan: dh19" 's/group = "ecp256"/group = "dh19"/'
good "auth aliases, Cisco: rsa-sig" 's/auth = "rsa";/auth = "rsa-sig";/'
good "auth aliases, Juniper: pre-shared-keys" \
	's/psk-file = /auth = "pre-shared-keys"; psk-file = /'
# alias DESC FILE SED-EXPR WORD: FILE with the change (which puts WORD
# in it) passes without a warning
alias_ok() {
	local out rc

	sed "$3" "$2" >"$T/alias.conf"
	chmod 600 "$T/alias.conf"
	out=$("$GVPND" --check "$T/alias.conf" 2>&1)
	rc=$?
	echo "$out" | sed 's/^/#   /'
	[ $rc -eq 0 ] && ! echo "$out" | grep -q "warning" &&
		grep -qF "$4" "$T/alias.conf"
	log_test "$1" $?
}
alias_ok "TEK aliases, Cisco: \"esp-aes 256\" with esp-sha256-hmac" "$T/ks0.conf" \
	's|"aes-gcm-128";|"esp-aes 256";|; s|integrity = "none";|integrity = "esp-sha256-hmac";|; /^\t\tsender-id-bits/d' \
	'"esp-sha256-hmac"'
alias_ok "TEK aliases, Juniper: aes-256-gcm" "$T/ks0.conf" \
	's|"aes-gcm-128";|"aes-256-gcm";|' '"aes-256-gcm"'
alias_ok "KEK aliases: \"aes 256\" (Cisco), sha-256" "$T/ks0.conf" \
	's|encryption = "aes256";|encryption = "aes 256";|; s|signature-hash = "sha256";|signature-hash = "sha-256";|' \
	'"sha-256"'
alias_ok "KEK signature-hash alias sha2_384 (strongSwan's)" "$T/ks0.conf" \
	's|signature-hash = "sha256";|signature-hash = "sha2_384";|' '"sha2_384"'
alias_ok "member transforms, aliases: aes-128-gcm, aes-256-cbc/hmac-sha-256-128" "$T/gm0.conf" \
	's|^\t\ttransforms = \[.*|\t\ttransforms = [ "aes-128-gcm", "aes-256-cbc/hmac-sha-256-128",|' \
	'"aes-256-cbc/hmac-sha-256-128"'
# the daemon itself
out=$("$GVPND" -f -c "$T/bad.conf" 2>&1)
[ $? -eq 1 ] && echo "$out" | grep -q "error.*not starting"
log_test "gvpnd does not start with errors" $?
out=$("$GVPND" --check "$T/nonexistent.conf" 2>&1)
[ $? -eq 1 ] && echo "$out" | grep -q "$T/nonexistent.conf"
log_test "missing file: clear error" $?

exit $EXIT_STATUS
