#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
#   hostA - gmA =\                /= gmB - hostB
#                 core (br0) <-- capture
#   hostC - gmC =/      |
#   (nftables: drop     ks1 192.168.0.10
#    UDP 848 from ks1)
#
# Ejection of a member that stops acknowledging (KS-19, RK-04): gmC drops
# every datagram from ks1's port 848, so it neither gets the unicast
# pushes nor ACKs them. ks1 retransmits each (once, 1 s later here), then
# counts a miss; after three rekeys in a row gvpn ks members shows gmC
# ejected (KS_NACK_GM_EJECT) while gmA and gmB acknowledged every one,
# and the next rekey is not even sent to gmC. Unblocked, gmC registers
# again (gvpn gm register) and is an active member that acknowledges
# rekeys, with traffic to the others.

source "$(dirname "$0")/lib.sh"
gdoi_require
require_cmd jq nft

C=192.168.0.3

push_start rekey='retransmit-period = 1; retransmissions = 1;' ||
	{ log_test "key server and three members up" 1; exit $EXIT_STATUS; }
check "gmC is an active member" test "$(ks_member ks1 $C state)" = active

seqC=$(gm_seq gmC)
ip netns exec "$gmC" nft -f - <<-EOF2
	table inet eject {
		chain input {
			type filter hook input priority 0;
			ip saddr 192.168.0.10 udp sport 848 drop
		}
	}
EOF2
log_test "gmC drops UDP 848 from ks1 (nftables)" $?

ok=0
for i in 1 2 3; do
	ks_rekey || { ok=1; break; }
	seq=$(ks_seq)
	busywait 10000 members_acked "$seq" "A B" || {
		echo "# rekey $i (seq $seq): gmA and gmB did not both ACK"; ok=1; }
	# the retransmission goes unanswered too: one more miss
	waitfor 15 '[ "$(ks_member ks1 $C missed)" -ge $i ]' ||
		[ "$(ks_member ks1 $C state)" = ejected ] || {
		echo "# rekey $i: gmC's miss not counted"; ok=1; break; }
done
log_test "three rekeys, gmA and gmB acknowledged each" $ok
check "gvpn ks members shows gmC ejected" \
	waitfor 5 '[ "$(ks_member ks1 $C state)" = ejected ]' ||
	gctl ks1 ks members | sed 's/^/# /'
check "gvpn ks members (text) says ejected" \
	grep -qE "192\.168\.0\.3\b.*ejected" <<<"$(gctl ks1 ks members)"
check "gmA and gmB are still active" test \
	"$(ks_member ks1 192.168.0.1 state) $(ks_member ks1 192.168.0.2 state)" = \
	"active active"
check "ks1 logged KS_NACK_GM_EJECT for gmC" \
	gvpnd_log_has ks1 "KS_NACK_GM_EJECT.*192\.168\.0\.3"
check "gmC never got those pushes (seq $seqC)" test "$(gm_seq gmC)" = "$seqC"

# an ejected member gets no further rekeys
pcap=$TMPDIR_TEST/wan.pcap
capture_start "$pcap"
ks_rekey
seq=$(ks_seq)
check "a fourth rekey reaches gmA and gmB" busywait 10000 members_acked "$seq" "A B"
sleep 2.5	# longer than ks1's retransmission period
capture_stop
check "it went to gmA" test "$(wan_count "$pcap" \
	'192\.168\.0\.10\.848 > 192\.168\.0\.1\.848: ')" -ge 1
check "it was not sent to the ejected gmC" test "$(wan_count "$pcap" \
	'192\.168\.0\.10\.848 > 192\.168\.0\.3\.848: ')" -eq 0

# unblocked, gmC registers again and is a member like the others
ip netns exec "$gmC" nft delete table inet eject
check "gvpn gm register group $GDOI_GROUP on gmC" \
	gctl gmC gm register group "$GDOI_GROUP"
check "gmC registered again" waitfor 30 \
	'[ "$(grep -c GM_REGS_COMPL "$TMPDIR_TEST/gmC.log")" -ge 2 ]'
check "gvpn ks members shows gmC active again" \
	waitfor 5 '[ "$(ks_member ks1 $C state)" = active ]'
ks_rekey
seq=$(ks_seq)
check "the next rekey is acknowledged by all three" \
	busywait 10000 members_acked "$seq"
check "hostC -> hostA through the group" slowwait 10 ping_ok "$hostC" 10.1.0.2
check "hostA -> hostC through the group" ping_ok "$hostA" 10.3.0.2

exit $EXIT_STATUS
