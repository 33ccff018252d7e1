#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# gvpnd's control socket and the gvpn CLI's ks, gm, clear and daemon
# objects: two gvpnd, each with its own socket, a key server and a member;
# socket file mode, group and directory; who may read (root, the group,
# primary or supplementary) and who may change (root only); unknown
# commands and roles; malformed, oversize and silent clients, which neither
# crash nor block the daemon; -j output is JSON; gvpnd not running; a stale
# socket replaced, a live one kept; sd_notify READY=1 and STOPPING=1;
# SIGHUP and "daemon reload" (root only): a key server reads its groups
# again; a member applies its groups (servers; a group added registers,
# one removed is left) and refuses what needs a restart (interfaces,
# listen port); a file with errors is refused, logged with line numbers,
# the old configuration staying; a gvpnd with both roles applies both or
# neither.
#
#   ks 10.99.0.1 (gvpnd key server)  ----  10.99.0.2 gm (gvpnd member)
#   $D/ks/gvpnd.sock                        $D/gm/gvpnd.sock

source "$(dirname "$0")/lib.sh"

require_cmd setpriv
GVPN=${GVPN:-$GVPN_TOP/build/daemon/gvpn}
[ -x "$GVPN" ] || skip "$GVPN not built (make)"
getent group nogroup >/dev/null || skip "no group nogroup"

topo || exit 1

# sockets under a directory others may traverse ($T is 0700)
D=$(mktemp -d /tmp/gvpnd-ctl.XXXXXX)
chmod 755 "$D"
defer rm -rf "$D"
KS_SOCK=$D/ks/gvpnd.sock
GM_SOCK=$D/gm/gvpnd.sock

# as_user GIDS ARGS...: run as uid 65534 with primary group and
# supplementary groups from GIDS ("65534", "1", "1:65534")
as_user() {
	local g=$1 prim sup
	shift
	prim=${g%%:*}
	sup=${g#*:}
	if [ "$sup" = "$g" ]; then
		setpriv --reuid=65534 --regid="$prim" --clear-groups "$@"
	else
		setpriv --reuid=65534 --regid="$prim" --groups="$sup" "$@"
	fi
}

# gv EXPECT-RC OUT-PATTERN ARGS...: gvpn ARGS exits with EXPECT-RC and its
# output (stdout and stderr) matches the extended regex
gv() {
	local want=$1 pat=$2 out rc
	shift 2
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" -ne "$want" ] || ! grep -qE -- "$pat" <<<"$out"; then
		echo "# $*: exit $rc (want $want), output:"
		sed 's/^/#   /' <<<"$out"
		return 1
	fi
	return 0
}

# raw SOCK HEX-OR-PYTHON-BYTES: send bytes, print the reply
raw() {
	python3 - "$1" "$2" <<-'EOF'
	import socket, sys
	s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
	s.settimeout(10)
	s.connect(sys.argv[1])
	try:
	    s.sendall(eval(sys.argv[2]))
	except OSError:
	    pass	# gvpnd answers and closes before reading all of it
	out = b""
	while True:
	    try:
	        b = s.recv(65536)
	    except ConnectionResetError:
	        break	# it closed with our extra bytes unread
	    if not b:
	        break
	    out += b
	sys.stdout.write(out.decode(errors="replace"))
	EOF
}

# check_not_perm ARGS...: gvpnd ran the command (whatever its outcome),
# no permission or usage error
check_not_perm() {
	local out rc
	out=$("$@" 2>&1)
	rc=$?
	[ "$rc" -ne 2 ] && ! grep -q "needs root" <<<"$out" && return 0
	echo "# $*: exit $rc: $out"
	return 1
}

json_ok() {
	"$@" | python3 -m json.tool >/dev/null
}

# --- a key server and a member ------------------------------------------------

gvpnd_conf "$T/ks.conf" role=responder
sed -i "s|control = .*|control = { socket = \"$KS_SOCK\"; mode = 0660; group = \"nogroup\"; };|" \
	"$T/ks.conf"
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
gvpnd_conf "$T/gm.conf" role=initiator
sed -i -e "s|control = .*|control = { socket = \"$GM_SOCK\"; group = \"nogroup\"; };|" \
	-e 's|initiate = true;|initiate = false;|' "$T/gm.conf"
cat >>"$T/gm.conf" <<EOF
member = {
	groups = ( {
		name = "g1"; id = 1234; identity = "number";
		servers = [ "initiator-peer" ];
		interfaces = [ "veth0" ];
		register-retries = 1; register-interval = 1.0;
	} );
};
EOF

# --- the control section: gvpnd --check ------------------------------------

# conf_ctl SETTINGS EXPECT-RC PATTERN: the key server's file with another
# control line (line 3) checks with EXPECT-RC and says PATTERN
conf_ctl() {
	sed "3s|.*|control = { $1 };|" "$T/ks.conf" >"$T/c.conf"
	chmod 600 "$T/c.conf"
	gv "$2" "$3" "$GVPND" --check "$T/c.conf"
}
check "control: mode = 640 (chmod digits) is valid" \
	conf_ctl 'mode = 640;' 0 OK
check "control: mode = \"0640\" is valid" conf_ctl 'mode = "0640";' 0 OK
check "control: mode = 0668 refused, line 3" \
	conf_ctl 'mode = 0668;' 1 "c.conf:3: 'mode' = 668: expected octal permissions"
check "control: mode without owner rw refused" \
	conf_ctl 'mode = 0460;' 1 "c.conf:3: 'mode' = 460: the owner \(root\) needs read and write"
check "control: unknown group refused" \
	conf_ctl 'group = "no-such-group-x";' 1 "c.conf:3: 'group' = \"no-such-group-x\": no such group"
check "control: relative socket path refused" \
	conf_ctl 'socket = "gvpnd.sock";' 1 "c.conf:3: 'socket' = \"gvpnd.sock\": expected an absolute path"
check "control: unknown setting refused" \
	conf_ctl 'user = "x";' 1 "c.conf:3: unknown setting 'user'"

# READY=1 and STOPPING=1 of the key server, as systemd would get them
python3 - "$T/notify" "$T/notify.log" <<-'EOF' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a", buffering=1) as f:
    while True:
        f.write(s.recv(4096).decode() + "\n")
EOF
notify_pid=$!
defer kill "$notify_pid"
busywait 5000 test -S "$T/notify"

export NOTIFY_SOCKET=$T/notify
gvpnd_start "$ks" ks "$T/ks.conf" ||
	{ log_test "key server starts" 1; exit $EXIT_STATUS; }
unset NOTIFY_SOCKET
gvpnd_start "$gm" gmd "$T/gm.conf" ||
	{ log_test "member starts" 1; exit $EXIT_STATUS; }

check "sd_notify: READY=1 once the sockets are up" \
	busywait 5000 grep -qx 'READY=1' "$T/notify.log"
check "socket file: mode 0660, group nogroup" \
	test "$(stat -c '%a %G %F' "$KS_SOCK")" = "660 nogroup socket"
check "socket directory created 0750, group nogroup" \
	test "$(stat -c '%a %G' "$D/ks")" = "750 nogroup"

# --- reading -------------------------------------------------------------------

check "root: gvpn ks show" gv 0 "" "$GVPN" -S "$KS_SOCK" ks show
check "root: GVPN_SOCKET picks the daemon" \
	gv 0 "commands .*ks show" env GVPN_SOCKET="$KS_SOCK" "$GVPN" daemon show
check "-S beats GVPN_SOCKET" \
	gv 0 "commands .*gm register" env GVPN_SOCKET="$KS_SOCK" "$GVPN" -S "$GM_SOCK" daemon show
check "-j daemon show is JSON" json_ok "$GVPN" -S "$KS_SOCK" -j daemon show
check "-j ks show is JSON" json_ok "$GVPN" -S "$KS_SOCK" -j ks show
check "-j ks members is JSON" json_ok "$GVPN" -S "$KS_SOCK" -j ks members
check "-j ks members group 1234 is JSON" \
	json_ok "$GVPN" -S "$KS_SOCK" -j ks members group 1234
check "-j gm show is JSON" json_ok "$GVPN" -S "$GM_SOCK" -j gm show
check "-j ks show group 1234 is JSON" \
	json_ok "$GVPN" -S "$KS_SOCK" -j ks show group 1234
check "-j gm show group 1234 is JSON" \
	json_ok "$GVPN" -S "$GM_SOCK" -j gm show group 1234
check "group member (primary): ks show" \
	gv 0 "" as_user 65534 "$GVPN" -S "$KS_SOCK" ks show
check "group member (supplementary): ks members" \
	gv 0 "" as_user 1:65534 "$GVPN" -S "$KS_SOCK" ks members
check "outsider: refused by the socket file" \
	gv 1 "permission denied on $KS_SOCK" as_user 1 "$GVPN" -S "$KS_SOCK" ks show
# the file opened to all behind gvpnd's back: gvpnd still says no
chmod 0666 "$KS_SOCK"
chmod 0755 "$D/ks"
check "outsider, file opened by hand: refused by gvpnd (SO_PEERCRED)" \
	gv 1 "uid 65534 is neither root nor in the control socket's group" \
	as_user 1 "$GVPN" -S "$KS_SOCK" ks show
chmod 0660 "$KS_SOCK"
chmod 0750 "$D/ks"

# --- changing --------------------------------------------------------------------

check "group member: gm register refused (needs root)" \
	gv 1 "\"gm register\" changes gvpnd's state and needs root" \
	as_user 65534 "$GVPN" -S "$GM_SOCK" gm register group 1234
check "group member: clear group refused (needs root)" \
	gv 1 "\"clear group\" changes gvpnd's state and needs root" \
	as_user 65534 "$GVPN" -S "$GM_SOCK" clear group 1234
check "root: gm register is not refused for permissions" \
	check_not_perm "$GVPN" -S "$GM_SOCK" gm register group 1234
check "root: clear group is not refused for permissions" \
	check_not_perm "$GVPN" -S "$GM_SOCK" clear group 1234
check "root: clear group of another group: gvpnd says no (exit 1)" \
	gv 1 "Error: .*99" "$GVPN" -S "$GM_SOCK" clear group 99
check "mutating commands are logged with uid and pid" \
	log_has gmd "control: uid 0 pid [0-9]+: gm register group 1234"
check "group member: ks rekey refused (needs root)" \
	gv 1 "\"ks rekey\" changes gvpnd's state and needs root" \
	as_user 65534 "$GVPN" -S "$KS_SOCK" ks rekey group 1234
check "group member: clear group ID members refused (needs root)" \
	gv 1 "\"ks clear-members\" changes gvpnd's state and needs root" \
	as_user 65534 "$GVPN" -S "$KS_SOCK" clear group 1234 members
check "root: ks rekey of a group without kek: gvpnd says no (exit 1)" \
	gv 1 "group 1234 has no kek" "$GVPN" -S "$KS_SOCK" ks rekey group 1234
check "root: ks rekey of an unknown group (exit 1)" \
	gv 1 "no group 99 on this key server" "$GVPN" -S "$KS_SOCK" ks rekey group 99 kek
check "ks rekey: a word after the ID other than kek is a usage error" \
	gv 2 "unexpected \"now\"" "$GVPN" -S "$KS_SOCK" ks rekey group 1234 now
check "root: clear group ID members on the key server" \
	gv 0 "" "$GVPN" -S "$KS_SOCK" clear group 1234 members
check "the members are forgotten, and it is logged" \
	log_has ks "group g1: [0-9]+ members forgotten \(clear group 1234 members\)"
check "group member: ks member remove refused (needs root)" \
	gv 1 "\"ks remove-member\" changes gvpnd's state and needs root" \
	as_user 65534 "$GVPN" -S "$KS_SOCK" ks member remove group 1234 10.99.0.2
check "root: ks member remove of an address that is no member: exit 1" \
	gv 1 "10\.99\.0\.2 is not a registered member of group 1234: nothing removed" \
	"$GVPN" -S "$KS_SOCK" ks member remove group 1234 10.99.0.2
check "ks member remove: a bad address is a usage error, nothing sent" \
	gv 2 "invalid member address \"10\.99\.0\"" \
	"$GVPN" -S "$KS_SOCK" ks member remove group 1234 10.99.0
check "ks member remove of an unknown group: exit 1" \
	gv 1 "no group 99 on this key server" \
	"$GVPN" -S "$KS_SOCK" ks member remove group 99 10.99.0.2
check "ks member (no remove) is still short for ks members" \
	gv 0 "^no members registered in group 1234$" \
	"$GVPN" -S "$KS_SOCK" ks member group 1234
check "member: clear group ID members is a usage error naming the role" \
	gv 2 "this gvpnd is not a key server" \
	"$GVPN" -S "$GM_SOCK" clear group 1234 members
check "key server: clear group ID says what it does and what to use instead" \
	gv 2 "is a key server, not a group member: .*\"clear group ID members\" forgets .*\"ks rekey group ID\"" \
	"$GVPN" -S "$KS_SOCK" clear group 1234
check "key server without members: ks members says so" \
	gv 0 "^no members registered$" "$GVPN" -S "$KS_SOCK" ks members
check "key server without members: ks members group ID says so" \
	gv 0 "^no members registered in group 1234$" \
	"$GVPN" -S "$KS_SOCK" ks members group 1234
check "key server without members: -j ks members is []" \
	gv 0 "^\[\]$" "$GVPN" -S "$KS_SOCK" -j ks members

# --- wrong commands -------------------------------------------------------------

check "member: ks show is a usage error naming the role" \
	gv 2 "this gvpnd is not a key server .*answers: .*gm show" \
	"$GVPN" -S "$GM_SOCK" ks show
check "key server: gm register is a usage error" \
	gv 2 "this gvpnd is not a group member" \
	"$GVPN" -S "$KS_SOCK" gm register group 1234
check "bad group ID: usage error, nothing sent" \
	gv 2 "invalid group ID \"70000\"" "$GVPN" -S "$KS_SOCK" ks members group 70000
check "unknown object on the wire: listed commands" \
	gv 0 '^2 unknown object "frob"; this gvpnd answers: .*ks show' \
	raw "$KS_SOCK" 'b"gvpn-ctl/1\0text\0frob\0show\0\0"'
check "malformed: not our protocol" \
	gv 0 "^2 bad request: not a gvpn control request" \
	raw "$KS_SOCK" 'b"GET / HTTP/1.0\r\n\r\n"'
check "malformed: bytes after the end" \
	gv 0 "^2 bad request: 3 bytes after the end" \
	raw "$KS_SOCK" 'b"gvpn-ctl/1\0text\0ks\0show\0\0abc"'
check "oversize: 30 words of 200 bytes" \
	gv 0 "^2 bad request: request longer than 4096 bytes" \
	raw "$KS_SOCK" 'b"gvpn-ctl/1\0text\0" + (b"k" * 200 + b"\0") * 30'
check "too many words" \
	gv 0 "^2 bad request: more than 32 words" \
	raw "$KS_SOCK" 'b"gvpn-ctl/1\0text\0" + b"ks\0" * 40 + b"\0"'
check "truncated: the client stops half-way" \
	gv 0 "^2 bad request: truncated" \
	python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1]); s.sendall(b"gvpn-ctl/1\0text\0ks"); s.shutdown(socket.SHUT_WR)
print(s.recv(4096).decode())' "$KS_SOCK"

# --- slow clients ----------------------------------------------------------------

# 16 clients that connect and say nothing: the 17th is told to retry, the
# daemon keeps serving its UDP port and timers meanwhile, and after 5 s the
# silent ones are dropped and the socket serves again
python3 - "$KS_SOCK" "$T/idle.out" <<-'EOF' &
import socket, sys, time
conns = []
for i in range(16):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sys.argv[1])
    conns.append(s)
time.sleep(0.5)
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.settimeout(5)
busy = s.recv(4096).decode()
t = time.time()
closed = 0
for c in conns:
    c.settimeout(15)
    if c.recv(1) == b"":
        closed += 1
with open(sys.argv[2], "w") as f:
    f.write("busy: %s" % busy)
    f.write("closed %d after %.1f s\n" % (closed, time.time() - t))
EOF
idle_pid=$!
slowwait 30 test -s "$T/idle.out"
wait "$idle_pid"
check "17th client told to try again" grep -q "busy: 1 gvpnd is busy" "$T/idle.out"
check "silent clients dropped" grep -q "closed 16 after" "$T/idle.out"
check "drops are logged" log_has ks "control: dropped pid [0-9]+: no complete request within 5 s"
check "served again after the drops" gv 0 "" "$GVPN" -S "$KS_SOCK" ks show

# a client trickling its request, a byte a second, is dropped all the same
check "a trickling client is dropped before it is done" \
	gv 0 "^dropped after [0-9]+ bytes$" python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.settimeout(1)
req = b"gvpn-ctl/1\0text\0ks\0show\0\0"
sent, closed = 0, False
while sent < len(req) - 1 and not closed:	# never the last byte
    try:
        s.send(req[sent:sent + 1])
        sent += 1
        closed = s.recv(4096) == b""
    except socket.timeout:
        pass
    except OSError:
        closed = True
print("dropped after %d bytes" % sent if closed else "never dropped")' "$KS_SOCK"

# --- lifecycle -------------------------------------------------------------------

kill -HUP "$ks_pid"
check "SIGHUP: the key server reloads its groups" \
	log_has ks "ks.conf reloaded: key server groups applied"
kill -HUP "$gmd_pid"
check "SIGHUP: a member reloads its groups" \
	log_has gmd "gm.conf reloaded: member groups applied, peers applied"
check "still serving after SIGHUP" gv 0 "" "$GVPN" -S "$KS_SOCK" daemon show
check "group member: daemon reload refused (needs root)" \
	gv 1 "\"daemon reload\" changes gvpnd's state and needs root" \
	as_user 65534 "$GVPN" -S "$KS_SOCK" daemon reload
check "root: daemon reload on the key server" \
	gv 0 "" "$GVPN" -S "$KS_SOCK" daemon reload
cp "$T/ks.conf" "$T/ks.conf.good"
sed -i 's/lifetime = 3600;/lifetime = 3600; frob = 1;/' "$T/ks.conf"
check "daemon reload of a file with an error: refused, exit 1" \
	gv 1 "[0-9]+ errors? .*configuration unchanged" "$GVPN" -S "$KS_SOCK" daemon reload
cp "$T/ks.conf.good" "$T/ks.conf"

# --- the member's reload ----------------------------------------------------------

cp "$T/gm.conf" "$T/gm.conf.good"
# gm_conf SED-SCRIPT: the member's file, edited from the good one
gm_conf() {
	sed -e "$1" "$T/gm.conf.good" >"$T/gm.conf"
}
G2='{ name = "g2"; id = 77; servers = [ "initiator-peer" ]; register-interval = 1.0; }'
check "member: daemon reload, nothing changed" \
	gv 0 "" "$GVPN" -S "$GM_SOCK" daemon reload
# another key server (peer ks-b, 10.99.0.3): the next try goes to it
gm_conf 's|servers = \[ "initiator-peer" \];|servers = [ "ks-b" ];|
	s|^peers = ( {|peers = ( { name = "ks-b"; address = "10.99.0.3"; auth = "psk"; psk-file = "'"$T"'/gm.conf.psk"; }, {|'
check "member: new servers and a reload" \
	gv 0 "" "$GVPN" -S "$GM_SOCK" daemon reload
check "... the group tries the new key server" \
	gv 0 "trying 10\.99\.0\.3" "$GVPN" -S "$GM_SOCK" gm show group 1234
# a second group: it registers (tries) at once; then removed again
gm_conf "s|^\t} );\$|\t}, $G2 );|"
check "member: a group added by reload" \
	gv 0 "" "$GVPN" -S "$GM_SOCK" daemon reload
check "... registers" log_has gmd "group g2: added by reload: registering"
check "... gm show has it" gv 0 "group 77 name g2" "$GVPN" -S "$GM_SOCK" gm show
check "... group 1234 stays" \
	gv 0 "group 1234 name g1" "$GVPN" -S "$GM_SOCK" gm show group 1234
cp "$T/gm.conf.good" "$T/gm.conf"
check "member: the group removed by reload" \
	gv 0 "" "$GVPN" -S "$GM_SOCK" daemon reload
check "... is left" log_has gmd "GM cleared gdoi configuration for the group g2 \(removed"
check "... gm show lacks it" gv 1 "group 77" "$GVPN" -S "$GM_SOCK" gm show group 77

# what needs a restart: refused, nothing changed (g2 is not added)
gm_conf "s|interfaces = \[ \"veth0\" \];|interfaces = [ \"lo\" ];|
	s|^\t} );\$|\t}, $G2 );|"
check "member: changing interfaces is refused, exit 1" \
	gv 1 "member group 1234 \('g1'\): changing 'interfaces' needs a restart: restart gvpnd" \
	"$GVPN" -S "$GM_SOCK" daemon reload
check "... nothing changed (no group 77)" \
	gv 1 "group 77" "$GVPN" -S "$GM_SOCK" gm show group 77
gm_conf "s|listen = { port = 848; };|listen = { port = 849; };|
	s|^\t} );\$|\t}, $G2 );|"
check "member: changing the listen port is refused" \
	gv 1 "changing the listen port needs a restart: restart gvpnd" \
	"$GVPN" -S "$GM_SOCK" daemon reload
gm_conf 's|register-retries = 1;|register-retries = 1; frob = 2;|'
kill -HUP "$gmd_pid"
check "member: SIGHUP with an error: refused, logged" \
	log_has gmd "SIGHUP: reload refused: .*gm.conf: 1 error .*configuration unchanged"
check "... the error has its line number" \
	log_has gmd "gm.conf:[0-9]+: .*frob"
check "... the old configuration in force" \
	gv 0 "group 1234 name g1" "$GVPN" -S "$GM_SOCK" gm show group 1234
cp "$T/gm.conf.good" "$T/gm.conf"

# --- both roles in one gvpnd: a reload applies both or neither --------------------

B_SOCK=$D/both/gvpnd.sock
sed -e "s|control = .*|control = { socket = \"$B_SOCK\"; };|" \
	-e 's|listen = { port = 848; };|listen = { port = 850; };|' \
	-e 's|^peers = ( {|peers = ( { name = "ks-x"; address = "10.99.0.3"; auth = "psk"; psk-file = "'"$T"'/ks.conf.psk"; }, {|' \
	"$T/ks.conf" >"$T/both.conf.good"
echo 'member = { groups = ( { name = "m1"; id = 555; servers = [ "ks-x" ]; register-interval = 1.0; } ); };' \
	>>"$T/both.conf.good"
cp "$T/both.conf.good" "$T/both.conf"
gvpnd_start "$ks" both "$T/both.conf"
# both_conf SED-SCRIPT: the file, edited from the good one
both_conf() {
	sed -e "$1" "$T/both.conf.good" >"$T/both.conf"
}
M2='{ name = "m2"; id = 77; servers = [ "ks-x" ]; }'
# the key server refuses (another group id), the member could: neither
both_conf "s|id = 1234; identity|id = 1235; identity|
	s|servers = \[ \"ks-x\" \]; register-interval = 1.0; }|&, $M2|"
check "both roles: the key server refuses, exit 1" \
	gv 1 "another group or identity in its place" "$GVPN" -S "$B_SOCK" daemon reload
check "... the member's group was not added" \
	gv 1 "group 77" "$GVPN" -S "$B_SOCK" gm show group 77
# the member refuses (identity), the key server could (a lifetime): neither
n=$(log_count both "group g1: reloaded")
both_conf 's|lifetime = 3600;|lifetime = 1800;|
	s|name = "m1"; id = 555;|name = "m1"; id = 555; identity = "address"; address = "10.99.0.1";|'
check "both roles: the member refuses, exit 1" \
	gv 1 "'identity' or 'address' needs a restart" "$GVPN" -S "$B_SOCK" daemon reload
check "... the key server applied nothing" test "$(log_count both "group g1: reloaded")" -eq "$n"
check "... its TEK lifetime is still 3600 s" \
	gv 0 "lifetime 3600" "$GVPN" -S "$B_SOCK" ks show group 1234
# both can: both
both_conf "s|lifetime = 3600;|lifetime = 1800;|
	s|servers = \[ \"ks-x\" \]; register-interval = 1.0; }|&, $M2|"
check "both roles: both apply" gv 0 "" "$GVPN" -S "$B_SOCK" daemon reload
check "... logged" log_has both "both.conf reloaded: key server groups applied, member groups applied, peers applied"
check "... the TEK lifetime is 1800 s" \
	gv 0 "lifetime 1800" "$GVPN" -S "$B_SOCK" ks show group 1234
check "... the member's group 77 is there" \
	gv 0 "group 77 name m2" "$GVPN" -S "$B_SOCK" gm show group 77
gvpnd_stop both

# daemon log level LEVEL: the level now, in daemon show; debug lines
# (the read-only commands' log) go and come back with it
check "daemon show: log-level debug (the file's)" \
	gv 0 "socket .* log-level debug$" "$GVPN" -S "$KS_SOCK" daemon show
check "group member: daemon log level refused (needs root)" \
	gv 1 "\"daemon log\" changes gvpnd's state and needs root" \
	as_user 65534 "$GVPN" -S "$KS_SOCK" daemon log level info
check "root: daemon log level notice" \
	gv 0 "" "$GVPN" -S "$KS_SOCK" daemon log level notice
check "... logged, with the old level" \
	log_has ks "log level notice \(was debug\), set by the control socket"
check "-j daemon show: log_level notice" \
	gv 0 '"log_level":"notice"' "$GVPN" -S "$KS_SOCK" -j daemon show
"$GVPN" -S "$KS_SOCK" ks members group 4321 >/dev/null 2>&1
check "root: daemon log level bad: exit 2, the valid levels listed" \
	gv 2 "unknown log level \"verbose\": expected one of err, warning, notice, info, debug" \
	"$GVPN" -S "$KS_SOCK" daemon log level verbose
check "... and the level is unchanged" \
	gv 0 "log-level notice$" "$GVPN" -S "$KS_SOCK" daemon show
check "daemon log without level: usage error, nothing sent" \
	gv 2 "expected \"daemon log level LEVEL\"" "$GVPN" -S "$KS_SOCK" daemon log debug
check "root: daemon log level DEBUG (any case)" \
	gv 0 "" "$GVPN" -S "$KS_SOCK" daemon log level DEBUG
"$GVPN" -S "$KS_SOCK" ks members group 4322 >/dev/null 2>&1
check "at debug, read-only commands are logged again" \
	log_has ks "control: uid 0 pid [0-9]+: ks members group 4322"
check "at notice, they were not" \
	bash -c "! grep -q 'ks members group 4321' '$T/ks.log'"
check "root: daemon log level err" \
	gv 0 "" "$GVPN" -S "$KS_SOCK" daemon log level err
check "root: daemon log level warning (both below notice)" \
	gv 0 "" "$GVPN" -S "$KS_SOCK" daemon log level warning
check "... logged all the same" \
	log_has ks "log level warning \(was err\), set by the control socket"
check "member: daemon log level works without a key server role" \
	gv 0 "" "$GVPN" -S "$GM_SOCK" daemon log level info

# (another UDP port: the control socket is what they would share)
sed 's|listen = { port = 848; };|listen = { port = 849; };|' "$T/ks.conf" >"$T/ks2.conf"
chmod 600 "$T/ks2.conf"
ip netns exec "$ks" "$GVPND" -f -c "$T/ks2.conf" >"$T/ks2.log" 2>&1
check "a second gvpnd on a live socket refuses to start (exit 1)" test $? -eq 1
check "... and says why" log_has ks2 "another gvpnd listens on $KS_SOCK"
check "the first still serves" gv 0 "" "$GVPN" -S "$KS_SOCK" ks show

gvpnd_stop ks
check "sd_notify: STOPPING=1" busywait 5000 grep -qx 'STOPPING=1' "$T/notify.log"
check "the socket goes with the daemon" test ! -e "$KS_SOCK"
check "gvpnd not running: clear error, exit 1" \
	gv 1 "^Error: gvpnd is not running \(no $KS_SOCK\)\.$" \
	"$GVPN" -S "$KS_SOCK" ks show

# a gvpnd killed hard leaves its socket: the next one replaces it
kill -9 "$gmd_pid"
wait "$gmd_pid" 2>/dev/null
check "killed: the socket file stays" test -S "$GM_SOCK"
check "nothing listens: clear error" \
	gv 1 "gvpnd is not running \(nothing listens on $GM_SOCK\)" \
	"$GVPN" -S "$GM_SOCK" gm show
gvpnd_start "$gm" gmd2 "$T/gm.conf"
check "a stale socket is replaced" gv 0 "" "$GVPN" -S "$GM_SOCK" gm show

exit $EXIT_STATUS
