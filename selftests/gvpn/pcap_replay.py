#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
#
# Replay captured IPv4 packets, as an attacker on the WAN would: send the
# ESP packets from SRC to DST of a pcap file out of IFACE, to DST_MAC.
#
#   pcap_replay.py IFACE DST_MAC
#
# then reads "PCAP SRC DST [SPI]" lines on standard input and answers each
# with how many packets it sent (one process: Python starts slowly under
# TCG, and replays are timed).

import socket
import struct
import sys


def packets(path):
    with open(path, 'rb') as f:
        data = f.read()
    magic = struct.unpack('<I', data[:4])[0]
    endian = '<' if magic in (0xa1b2c3d4, 0xa1b23c4d) else '>'
    off = 24
    while off + 16 <= len(data):
        incl = struct.unpack(endian + 'I', data[off + 8:off + 12])[0]
        yield data[off + 16:off + 16 + incl]
        off += 16 + incl


def replay(s, dmac, smac, path, src, dst, spi):
    sent = 0
    for frame in packets(path):
        if frame[12:14] != b'\x08\x00':
            continue
        ip = frame[14:]
        ihl = (ip[0] & 15) * 4
        if ip[9] != 50 or ip[12:16] != socket.inet_aton(src) or \
           ip[16:20] != socket.inet_aton(dst):
            continue
        if spi is not None and struct.unpack('!I', ip[ihl:ihl + 4])[0] != spi:
            continue
        s.send(dmac + smac + b'\x08\x00' + ip)
        sent += 1
    return sent


def main():
    iface, mac = sys.argv[1:3]
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    dmac = bytes.fromhex(mac.replace(':', ''))
    smac = s.getsockname()[4][:6]
    for line in sys.stdin:
        path, src, dst, *spi = line.split()
        print(replay(s, dmac, smac, path, src, dst,
                     int(spi[0], 0) if spi else None), flush=True)


if __name__ == '__main__':
    main()
