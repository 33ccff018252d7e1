#!/bin/bash
source "$(dirname "$0")/lib.sh"
gdoi_require
push_start sites="A B" rekey="retransmit-period = 1; retransmissions = 1; heartbeat = 2;" \
	gm_extra="heartbeat-threshold = 2;" || exit 1
for i in $(seq 1 8); do
	echo "t=$SECONDS hb=$(gm_counter gmA heartbeats) seq=$(gm_seq gmA) ksseq=$(ks_seq) kshb=$(ks_counter ks1 heartbeats)"
	sleep 2
done
grep -i 'heartbeat' $TMPDIR_TEST/ks1.log | head -20
grep -i 'heartbeat\|seq' $TMPDIR_TEST/gmA.log | head -20
gm_jq gmA .
exit 1
