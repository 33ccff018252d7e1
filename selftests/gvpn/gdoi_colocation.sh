#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
#   hostA - gmA =\                /= gmB - hostB
#   (KS of 1234,  core (br0)
#    GM of 1235)      |
#                    ks1 192.168.0.10 (KS of 1235)
#
# Colocation (KS-24): one gvpnd is at once the key server of group 1234 and
# a member of group 1235. gmA's gvpnd registers with ks1 for 1235 and
# installs its SAs into gvpn.ko, while gmB registers with gmA's own key
# server for 1234; both roles answer on gmA's control socket.

source "$(dirname "$0")/lib.sh"
gdoi_require

gvpn_load
gdoi_topo || { log_test "topology" 1; exit $EXIT_STATUS; }

ks_conf ks1 id=1235
psk=$(psk_file gmA "$GDOI_PSK")
cat >"$TMPDIR_TEST/gmA.conf" <<EOC
log-level = "debug";
listen = { address = "192.168.0.1"; port = 848; };
ike = {
	retransmit-timeout = 0.5;
	retransmit-tries = 2;
	proposals = ( { name = "p"; encryption = "aes256"; hash = "sha256";
			group = "ecp256"; lifetime = 86400; } );
};
peers = ( { name = "members"; address = "192.168.0.0/24"; auth = "psk";
	    psk-file = "$psk"; },
	  { name = "ks1"; address = "192.168.0.10"; auth = "psk";
	    psk-file = "$psk"; } );
server = {
	groups = ( {
		name = "g1234"; id = 1234;
		activation-time-delay = 10; tbar-window = 0;
		policies = ( { action = "permit"; protocol = "any";
			       source = "10.0.0.0/8"; destination = "10.0.0.0/8";
			       sa = "tek1"; } );
		ipsec-sa = ( { name = "tek1"; encryption = "aes-gcm-128";
			       integrity = "none"; lifetime = 3600; } );
		authorization = { addresses = [ "192.168.0.0/24" ]; };
	} );
};
member = {
	groups = ( {
		name = "g1235"; id = 1235; servers = [ "ks1" ];
		interfaces = [ "wan" ];
		register-retries = 2; register-interval = 1.0;
	} );
};
control = { socket = "$TMPDIR_TEST/gmA.sock"; };
EOC
chmod 600 "$TMPDIR_TEST/gmA.conf"
gm_conf gmB B servers=ks1:192.168.0.1 id=1234
check "server and member in one file pass gvpnd --check" gvpnd_check gmA

gvpnd_start "$ks1" ks1
gvpnd_start "$gmA" gmA
gvpnd_start "$gmB" gmB
check "gmA, as member of 1235, registers with ks1" \
	gvpnd_log_wait gmA "GM_REGS_COMPL: Registration to KS 192.168.0.10 .*group g1235"
check "gmB registers with gmA's key server for 1234" \
	gvpnd_log_wait gmB "GM_REGS_COMPL: Registration to KS 192.168.0.1 .*group g1234"
check "gmA's key server lists gmB in group 1234" \
	sh -c "'$GVPN' -S '$TMPDIR_TEST/gmA.sock' -j ks members group 1234 |
		grep -q '192.168.0.2'"
check "gmA's member role shows group 1235 registered" \
	sh -c "'$GVPN' -S '$TMPDIR_TEST/gmA.sock' -j gm show group 1235 |
		grep -q '192.168.0.10'"
check "gvpn.ko on gmA holds group 1235's SA" \
	test "$($GVPN -n "$gmA" -j sa show group 1235 | grep -c '"spi":')" -gt 0
check "gvpn.ko on gmB holds group 1234's SA" \
	test "$($GVPN -n "$gmB" -j sa show group 1234 | grep -c '"spi":')" -gt 0
check "gmA's gvpnd still runs" kill -0 "$gmA_pid"
exit $EXIT_STATUS
