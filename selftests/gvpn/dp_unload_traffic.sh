#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
#   hostA - gmA =\                /= gmB - hostB
#                 core (br0)
#   hostC - gmC =/
#
# Unloading gvpn.ko while iperf3 pushes TCP through it is clean: the
# unload succeeds, every namespace's objects go with it, and the kernel
# logs no warning (scripts/vmtest fails the run on any). Done with the
# synchronous AEAD and with packets inside pcrypt, an asynchronous one.

source "$(dirname "$0")/lib.sh"
require_cmd iperf3

topo_setup
ip netns exec "$hostB" iperf3 -s -D -I "$TMPDIR_TEST/iperf.pid"
defer 'kill $(cat "$TMPDIR_TEST/iperf.pid")'
wait_listen "$hostB" 5201

for mode in sync async; do
	gvpn_loaded && gvpn_unload
	if [ $mode = async ]; then
		modprobe gvpn crypto_async=1
	else
		gvpn_load
	fi
	for s in $SITES; do
		gm_group "$s" || { log_test "configure gm$s" 1; exit $EXIT_STATUS; }
	done
	check "$mode: traffic flows before" ping_ok "$hostA" 10.2.0.2
	ip netns exec "$hostA" iperf3 -c 10.2.0.2 -t 6 >/dev/null 2>&1 &
	iperf=$!
	sleep 2
	check "$mode: encrypted traffic is flowing" \
		counter_ge "$gmA" tx_packets 100 group show 1
	check "$mode: gvpn.ko unloads under load" gvpn_unload
	check_fail "$mode: module gone" gvpn_loaded
	wait "$iperf"
	check "$mode: the network still works without it" \
		ping_ok "$hostA" 10.2.0.2
done

exit $EXIT_STATUS
