#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
#
# Send captured GROUPKEY-PUSH messages again, as an attacker on the WAN
# would: the push's UDP datagram from SRC to DST (port 848, exchange 33)
# out of IFACE to DST_MAC, as it was or changed on purpose.
#
#   push_send.py IFACE DST_MAC
#
# then reads "PCAP SRC DST N MODE" lines on standard input (N: the N-th
# such push in PCAP, 1 first, -1 last) and answers each with how many
# datagrams it sent (0: no such push). One process: Python starts slowly
# under TCG. MODE:
#   replay       the datagram as captured
#   cut:K        K bytes less, the ISAKMP length left as it was
#   trunc:K      K bytes less (a multiple of the cipher block), the
#                ISAKMP length field matching: it reaches the decryption
#   flip:K       byte K (negative: from the end) with a bit flipped
#   cookies      the responder cookie changed: a KEK nobody has
#   file:PATH    the ISAKMP message in PATH instead, with the push's
#                addresses (push_forge's output)
#   dump:PATH    send nothing, write the ISAKMP message to PATH
# A tcpdump capture of the WAN bridge (Ethernet) or gvpnd's own pcap
# (raw IPv4) both work.

import socket
import struct
import sys

PORT = 848
EXCH_PUSH = 33


def frames(path):
    with open(path, 'rb') as f:
        data = f.read()
    magic = struct.unpack('<I', data[:4])[0]
    endian = '<' if magic in (0xa1b2c3d4, 0xa1b23c4d) else '>'
    linktype = struct.unpack(endian + 'I', data[20:24])[0]
    off = 24
    while off + 16 <= len(data):
        incl = struct.unpack(endian + 'I', data[off + 8:off + 12])[0]
        frame = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if linktype == 1:
            if frame[12:14] != b'\x08\x00':
                continue
            yield frame[14:]
        else:
            yield frame


def pushes(path, src, dst):
    s, d = socket.inet_aton(src), socket.inet_aton(dst)
    for ip in frames(path):
        if len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] != 17:
            continue
        if ip[12:16] != s or ip[16:20] != d:
            continue
        ihl = (ip[0] & 15) * 4
        udp = ip[ihl:]
        sport, dport = struct.unpack('!HH', udp[:4])
        msg = udp[8:]
        if dport != PORT or len(msg) < 28 or msg[18] != EXCH_PUSH:
            continue
        yield sport, msg


def csum(data):
    if len(data) % 2:
        data += b'\0'
    s = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return ~s & 0xffff


def datagram(src, dst, sport, msg):
    udp = struct.pack('!HHHH', sport, PORT, 8 + len(msg), 0) + msg
    hdr = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), 0x4242,
                      0, 64, 17, 0, socket.inet_aton(src),
                      socket.inet_aton(dst))
    return hdr[:10] + struct.pack('!H', csum(hdr)) + hdr[12:] + udp


def change(msg, mode):
    if mode == 'replay':
        return msg
    if mode.startswith('cut:'):
        return msg[:-int(mode[4:])]
    if mode.startswith('trunc:'):
        m = bytearray(msg[:-int(mode[6:])])
        struct.pack_into('!I', m, 24, len(m))
        return bytes(m)
    if mode.startswith('flip:'):
        m = bytearray(msg)
        m[int(mode[5:])] ^= 0x01
        return bytes(m)
    if mode == 'cookies':
        m = bytearray(msg)
        for i in range(8, 16):
            m[i] ^= 0x5a
        return bytes(m)
    if mode.startswith('file:'):
        with open(mode[5:], 'rb') as f:
            return f.read()
    raise ValueError('unknown mode ' + mode)


def main():
    iface, mac = sys.argv[1:3]
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    dmac = bytes.fromhex(mac.replace(':', ''))
    smac = s.getsockname()[4][:6]
    for line in sys.stdin:
        path, src, dst, n, mode = line.split()
        found = list(pushes(path, src, dst))
        n = int(n)
        if not found or n == 0 or abs(n) > len(found):
            print(0, flush=True)
            continue
        sport, msg = found[n - 1 if n > 0 else n]
        if mode.startswith('dump:'):
            with open(mode[5:], 'wb') as f:
                f.write(msg)
            print(1, flush=True)
            continue
        s.send(dmac + smac + b'\x08\x00' +
               datagram(src, dst, sport, change(msg, mode)))
        print(1, flush=True)


if __name__ == '__main__':
    main()
