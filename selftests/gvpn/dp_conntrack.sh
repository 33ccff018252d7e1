#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
#   hostA (FTP client) - gmA =\                /= gmB - hostB (FTP server)
#                  SNAT 10.1.0.254  core (br0)      stateful firewall
#                  stateful firewall
#
# Conntrack's helpers, sequence adjustment and confirmation run at the end
# of POST_ROUTING, after gvpn's hook: they must see the packets in clear.
# FTP through gvpn with the nf_conntrack_ftp helper on both gateways, each
# of which lets in from the WAN only new connections to port 21 and what
# the helper expects:
#  - active: gmA's helper rewrites the client's PORT to the SNAT address
#    (longer, so the control connection's sequence numbers are adjusted
#    from then on) and expects the server's data connection;
#  - passive: gmB's helper reads the server's 227 reply and expects the
#    client's data connection.
# Both fail when the helpers see ciphertext. Also through SNAT: the ICMP
# fragmentation-needed for a DF packet too big for the tunnel reaches the
# client, not the address SNAT gave it.

source "$(dirname "$0")/lib.sh"
require_cmd nft

gvpn_load
topo_setup
modprobe -q nf_conntrack_ftp
modprobe -q nf_nat_ftp
for s in A B; do
	gm_group "$s" || { log_test "configure gm$s" 1; exit $EXIT_STATUS; }
done

# firewall NS [NAT RULE]: the FTP helper on port 21, new connections from
# the WAN only to port 21 or as the helper expects, and an optional NAT
# rule in POST_ROUTING
firewall() {
	ip netns exec "$1" nft -f - <<-EOF
	table ip gw {
		ct helper ftp { type "ftp" protocol tcp; }
		chain c_pre { type filter hook prerouting priority 0;
			tcp dport 21 ct helper set "ftp"; }
		chain c_fwd { type filter hook forward priority 0;
			ct state established,related accept;
			iifname "wan" tcp dport 21 accept;
			iifname "wan" ct state new counter drop; }
		chain c_post { type nat hook postrouting priority 100; $2 }
	}
	EOF
}
firewall "$gmA" 'oifname "wan" ip saddr 10.1.0.0/24 snat to 10.1.0.254;' &&
firewall "$gmB" || { log_test "configure nftables" 1; exit $EXIT_STATUS; }

head -c 100000 /dev/urandom >"$TMPDIR_TEST/file"
ip netns exec "$hostB" /usr/bin/python3 ./ftp.py serve 10.2.0.2 \
	"$TMPDIR_TEST" "$TMPDIR_TEST/ftp.log" &
defer "kill $! 2>/dev/null"
wait_listen "$hostB" 21

# ftp_get MODE: the file comes through intact
ftp_get() {
	rm -f "$TMPDIR_TEST/got"
	timeout 60 ip netns exec "$hostA" /usr/bin/python3 ./ftp.py get \
		10.2.0.2 file "$TMPDIR_TEST/got" "$1" 2>&1 | tail -n 1 |
		sed 's/^/# /'
	cmp -s "$TMPDIR_TEST/file" "$TMPDIR_TEST/got"
}

check "active FTP through SNAT and gvpn delivers the file" ftp_get active
check "gmA's helper rewrote PORT to the SNAT address" \
	grep -q '^PORT 10,1,0,254,' "$TMPDIR_TEST/ftp.log"
check "passive FTP through gvpn delivers the file" ftp_get passive
check "both directions were encrypted" \
	counter_ge "$gmA" rx_packets 10 group show 1
check "no connection was refused by the firewalls" sh -c "
	! ip netns exec $gmA nft list chain ip gw c_fwd | grep -q 'packets [1-9]' &&
	! ip netns exec $gmB nft list chain ip gw c_fwd | grep -q 'packets [1-9]'"

# 1500 - 20 - 8 - 8 - 16 = 1448, round down to 4, minus 2: 1446
out=$(ip netns exec "$hostA" ping -c 1 -W 2 -M do -s 1419 10.2.0.2 2>&1)
check "DF too big through SNAT: the ICMP reaches the client" \
	out_has 'From 10.1.0.1 .*mtu = 1446'

exit $EXIT_STATUS
