#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
#
# Probe the inner MTU of several destinations in one process (Python starts
# slowly under TCG; a ping per probe costs more than the probe):
#
#   mtu_probe.py GATEWAY DST:MTU...
#
# For each DST, an ICMP echo of exactly MTU bytes with DF set must be
# answered, and one of MTU + 1 bytes must draw an ICMP fragmentation-needed
# from GATEWAY announcing MTU (read from the socket's error queue). Prints
# one line per DST, "DST ok" or "DST FAIL: why"; exits 1 on any failure.

import select
import socket
import struct
import sys
import time

from esp_inject import csum

IP_MTU_DISCOVER, IP_PMTUDISC_DO, IP_RECVERR = 10, 2, 11
SO_EE_ORIGIN_ICMP = 2


def echo(seq, size):
    body = struct.pack('!BBHHH', 8, 0, 0, 0x4747, seq) + bytes(size - 28)
    return body[:2] + struct.pack('!H', csum(body)) + body[4:]


def wait(s, dst, seq, timeout=2.0):
    """('reply',) or ('error', origin, info, offender) or ('timeout',)"""
    p = select.poll()
    p.register(s, select.POLLIN | select.POLLERR)
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if not p.poll(max(0, int((end - time.monotonic()) * 1000))):
            break
        try:
            _, anc, _, _ = s.recvmsg(0, 512, socket.MSG_ERRQUEUE |
                                     socket.MSG_DONTWAIT)
            for _, _, d in anc:
                errno, origin, _, _, _, info, _ = struct.unpack('=IBBBBII',
                                                                d[:16])
                offender = socket.inet_ntoa(d[20:24])
                return ('error', origin, info, offender)
        except BlockingIOError:
            pass
        try:
            pkt, (src, _) = s.recvfrom(65535, socket.MSG_DONTWAIT)
        except BlockingIOError:
            continue
        ihl = (pkt[0] & 15) * 4
        t, _, _, ident, rseq = struct.unpack('!BBHHH', pkt[ihl:ihl + 8])
        if src == dst and t == 0 and ident == 0x4747 and rseq == seq:
            return ('reply',)
    return ('timeout',)


def probe(s, gateway, dst, mtu, seq):
    s.sendto(echo(seq, mtu), (dst, 0))
    r = wait(s, dst, seq)
    if r[0] != 'reply':
        return '%d bytes did not pass: %s' % (mtu, r)
    s.sendto(echo(seq + 1, mtu + 1), (dst, 0))
    r = wait(s, dst, seq + 1)
    if r != ('error', SO_EE_ORIGIN_ICMP, mtu, gateway):
        return '%d bytes: expected an ICMP from %s with mtu %d, got %s' % (
            mtu + 1, gateway, mtu, r)
    return None


def main():
    gateway = sys.argv[1]
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    s.setsockopt(socket.IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DO)
    s.setsockopt(socket.IPPROTO_IP, IP_RECVERR, 1)
    bad = 0
    for i, arg in enumerate(sys.argv[2:]):
        dst, mtu = arg.split(':')
        why = probe(s, gateway, dst, int(mtu), 2 * i + 1)
        print(dst, 'FAIL: ' + why if why else 'ok', flush=True)
        bad |= why is not None
    sys.exit(bad)


if __name__ == '__main__':
    main()
