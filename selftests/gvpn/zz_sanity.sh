#!/bin/bash
source "$(dirname "$0")/lib.sh"
gdoi_require
gvpn_load
gdoi_topo || exit 1
ks_conf ks1 kek=1
gm_conf gmA A
gm_conf gmB B
gm_conf gmC C
gvpnd_start "$ks1" ks1
gvpnd_start "$gmA" gmA
gvpnd_start "$gmB" gmB
gvpnd_start "$gmC" gmC
check "reg" gvpnd_log_wait gmA GM_REGS_COMPL
check "reg" gvpnd_log_wait gmB GM_REGS_COMPL
echo "ks_kek_spi: $(ks_kek_spi)"
echo "ks_seq: $(ks_seq)"
echo "ks_tek_spis: $(ks_tek_spis)"
echo "gm_kek_spi: $(gm_kek_spi gmA)"
echo "gm_seq: $(gm_seq gmA)"
echo "ks_member: $(ks_member ks1 192.168.0.1 address)"
gctl ks1 -j ks members
gctl gmA -j gm show
spi=$(ks_tek_spis | head -1)
check "gm_has_tek" gm_has_tek gmA "$spi"
check "all_gms_have_tek" all_gms_have_tek "$spi"
echo "new_tek empty: '$(new_tek "$(ks_tek_spis)")'"
t0=$(date +%s%3N)
out=$(/usr/bin/python3 "$GVPN_TOP/selftests/gvpn/push_kek.py" "$TMPDIR_TEST/gmA.pcap")
echo "push_kek ($(( $(date +%s%3N) - t0)) ms): ${out%% *}"
check "push_kek spi" test "${out%% *}" = "$(gm_kek_spi gmA)"
push_send_start "$gmA"
check "push_send none" test "$(push_send "$TMPDIR_TEST/gmA.pcap" 192.168.0.10 192.168.0.1 1 replay)" = 0
pcap=$TMPDIR_TEST/wan.pcap
capture_start "$pcap"
traffic_start; sleep 3; traffic_wait; check lossless traffic_lossless
capture_stop
echo "wan_spis: $(wan_spis "$pcap" '10\.1\.0\.2')"
exit $EXIT_STATUS
