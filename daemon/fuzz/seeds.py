#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# Makes fuzzer seeds from pcaps written by gvpnd (wireshark.pcap: every
# message sent and received, decrypted, as IPv4/UDP):
#
#   seeds.py PREFIX FILE.pcap...
#
# writes each ISAKMP message to corpus/decoder/PREFIX-N, and for the
# responder harness (2-byte length before each datagram, 0xff responder
# cookie replaced by the harness) the initiator's messages of each
# exchange, cumulatively, to corpus/responder/PREFIX-N; the GROUPKEY-PULL
# messages, without their HASH (the gdoi harness computes it), as the key
# server's input (the member's messages) to corpus/gdoi/PREFIX-ks-N and as
# the member's input to corpus/gdoi/PREFIX-gm-N.

import os
import struct
import sys

here = os.path.dirname(os.path.abspath(__file__))


def messages(path):
    d = open(path, 'rb').read()
    off = 24
    while off + 16 <= len(d):
        incl = struct.unpack_from('<I', d, off + 8)[0]
        pkt = d[off + 16:off + 16 + incl]
        off += 16 + incl
        yield pkt[12:16], pkt[28:]		# source address, ISAKMP


def gdoi_record(msg):
    # flags 0, the payload after HASH, the payloads (fuzz_gdoi.c)
    hlen = struct.unpack_from('!H', msg, 30)[0]
    rec = bytes([0, msg[28]]) + msg[28 + hlen:]
    return struct.pack('!H', len(rec)) + rec


def main():
    prefix = sys.argv[1]
    n = 0
    for path in sys.argv[2:]:
        first_src = None
        seq = []
        pull = {True: [], False: []}
        for src, msg in messages(path):
            open(os.path.join(here, 'corpus/decoder', '%s-%d' % (prefix, n)),
                 'wb').write(msg)
            n += 1
            if first_src is None:
                first_src = src
            if msg[18] == 32 and len(msg) > 32 and msg[16] == 8:
                pull[src == first_src].append(gdoi_record(msg))
                role = 'ks' if src == first_src else 'gm'
                name = '%s-%s-%d' % (prefix, role,
                                     len(pull[src == first_src]))
                open(os.path.join(here, 'corpus/gdoi', name), 'wb').write(
                    (b'\x00' if role == 'ks' else b'\x01') +
                    b''.join(pull[src == first_src]))
            if src != first_src or msg[18] not in (2, 4):
                continue
            if seq:
                msg = msg[:8] + b'\xff' * 8 + msg[16:]
            seq.append(struct.pack('!H', len(msg)) + msg)
            open(os.path.join(here, 'corpus/responder',
                              '%s-%d' % (prefix, len(seq))), 'wb').write(
                b''.join(seq))


if __name__ == '__main__':
    main()
