#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# Sends hand-made ISAKMP first messages to gvpnd, for the robustness
# tests: written from RFC 2408/2409 independently of gvpnd's encoder.
#
#   isakmp_send.py DST KIND [--count N] [--spoof CIDR] [--sport PORT]
#
# KIND: good (main mode message 1), aggressive (aggressive mode message 1,
# MODP-2048 KE), hdr+1 / hdr-1 / sa+1 / sa-1 / prop+1 / prop-1 / t+1 / t-1
# (that length field off by one), truncated (the datagram cut short of
# its header length), big (a 65507-byte datagram: one huge VID payload),
# garbage (65507 random bytes). Each message gets a random initiator
# cookie. --spoof sends from random addresses of CIDR with a raw socket.

import argparse
import ipaddress
import os
import random
import socket
import struct

ISAKMP_PORT = 848


def attr(t, v):
    return struct.pack('!HH', 0x8000 | t, v)


def transform():
    # AES-CBC-256, SHA2-256, PSK, MODP 2048, 3600 s
    attrs = (attr(1, 7) + attr(14, 256) + attr(2, 4) + attr(3, 1) +
             attr(4, 14) + attr(11, 1) + attr(12, 3600))
    return struct.pack('!BBHBBH', 0, 0, 8 + len(attrs), 1, 1, 0) + attrs


def sa_payload(nxt):
    t = transform()
    prop = struct.pack('!BBHBBBB', 0, 0, 8 + len(t), 1, 1, 0, 1) + t
    body = struct.pack('!II', 2, 0) + prop
    return struct.pack('!BBH', nxt, 0, 4 + len(body)) + body


def payload(nxt, body):
    return struct.pack('!BBH', nxt, 0, 4 + len(body)) + body


def header(np, exch, length):
    return os.urandom(8) + bytes(8) + struct.pack('!BBBBII', np, 0x10, exch,
                                                  0, 0, length)


def message(kind):
    if kind == 'aggressive':
        body = (sa_payload(4) + payload(10, os.urandom(256)) +
                payload(5, os.urandom(32)) +
                payload(0, struct.pack('!BBH', 1, 0, 0) + os.urandom(4)))
        return header(1, 4, 28 + len(body)) + body
    if kind == 'big':
        body = payload(0, os.urandom(65507 - 28 - 4))
        return header(13, 2, 65507) + body
    if kind == 'garbage':
        return os.urandom(65507)
    sa = bytearray(sa_payload(0))
    msg = bytearray(header(1, 2, 28 + len(sa)) + sa)
    # offsets of the 16-bit length fields
    where = {'sa': 28 + 2, 'prop': 28 + 12 + 2, 't': 28 + 12 + 8 + 2}
    if kind == 'good':
        pass
    elif kind == 'truncated':
        return bytes(msg[:-5])
    elif kind in ('hdr+1', 'hdr-1'):
        n = len(msg) + (1 if kind.endswith('+1') else -1)
        struct.pack_into('!I', msg, 24, n)
    elif kind[:-2] in where:
        off = where[kind[:-2]]
        n = struct.unpack_from('!H', msg, off)[0]
        struct.pack_into('!H', msg, off, n + (1 if kind.endswith('+1') else -1))
    else:
        raise SystemExit('unknown kind ' + kind)
    return bytes(msg)


def udp_ip(src, dst, sport, dport, data):
    udp = struct.pack('!HHHH', sport, dport, 8 + len(data), 0) + data
    # id 0 and checksum 0: the kernel fills them in
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), 0, 0, 64, 17,
                     0, socket.inet_aton(src), socket.inet_aton(dst))
    return ip + udp


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('dst')
    ap.add_argument('kind')
    ap.add_argument('--count', type=int, default=1)
    ap.add_argument('--spoof')
    ap.add_argument('--sport', type=int, default=40000)
    a = ap.parse_args()

    if a.spoof:
        net = ipaddress.ip_network(a.spoof)
        s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 22)
        for _ in range(a.count):
            src = str(net[random.randrange(1, net.num_addresses - 1)])
            pkt = udp_ip(src, a.dst, random.randrange(1024, 65535),
                         ISAKMP_PORT, message(a.kind))
            while True:
                try:
                    s.sendto(pkt, (a.dst, 0))
                    break
                except BlockingIOError:
                    pass
        return
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
    s.bind(('', a.sport))
    for _ in range(a.count):
        s.sendto(message(a.kind), (a.dst, ISAKMP_PORT))


if __name__ == '__main__':
    main()
