#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
#
# The KEK a member holds, from its gvpnd's plaintext pcap (wireshark
# { pcap }): the last KD payload (RFC 6407 5.5) with a KEK key packet, in
# a GROUPKEY-PULL or a push. Prints "SPI KEY" in hex (the SPI is the
# push's cookies, KEY the KEK_ALGORITHM_KEY attribute), nothing when
# there is none. Written from the RFC, independently of gvpnd's decoder.
#
#   push_kek.py PCAP

import struct
import sys

KD = 17
KD_KEK = 2
KEK_ALGORITHM_KEY = 1


def frames(path):
    with open(path, 'rb') as f:
        data = f.read()
    magic = struct.unpack('<I', data[:4])[0]
    endian = '<' if magic in (0xa1b2c3d4, 0xa1b23c4d) else '>'
    off = 24
    while off + 16 <= len(data):
        incl = struct.unpack(endian + 'I', data[off + 8:off + 12])[0]
        yield data[off + 16:off + 16 + incl]
        off += 16 + incl


def attrs(b):
    while len(b) >= 4:
        t, v = struct.unpack('!HH', b[:4])
        if t & 0x8000:
            yield t & 0x7fff, None
            b = b[4:]
        else:
            yield t, b[4:4 + v]
            b = b[4 + v:]


def keks(msg):
    np, off = msg[16], 28
    while np and off + 4 <= len(msg):
        nxt, _, plen = struct.unpack('!BBH', msg[off:off + 4])
        if plen < 4:
            return
        body = msg[off + 4:off + plen]
        if np == KD and len(body) >= 4:
            n, k = struct.unpack('!H', body[:2])[0], 4
            for _ in range(n):
                if k + 5 > len(body):
                    break
                typ, _, klen, spisz = struct.unpack('!BBHB', body[k:k + 5])
                spi = body[k + 5:k + 5 + spisz]
                if typ == KD_KEK:
                    for t, v in attrs(body[k + 5 + spisz:k + klen]):
                        if t == KEK_ALGORITHM_KEY and v:
                            yield spi, v
                k += klen
        np, off = nxt, off + plen


def main():
    found = None
    for ip in frames(sys.argv[1]):
        if len(ip) < 28 or ip[0] >> 4 != 4 or ip[9] != 17:
            continue
        msg = ip[(ip[0] & 15) * 4 + 8:]
        if len(msg) < 28:
            continue
        for spi, key in keks(msg):
            found = (spi, key)
    if found:
        print(found[0].hex(), found[1].hex())


if __name__ == '__main__':
    main()
