#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
#
# Craft group-ESP packets (RFC 4303 tunnel mode with address preservation,
# AES-GCM per RFC 4106) independently of gvpn, well-formed or broken on
# purpose, and send them as Ethernet frames out of an interface.
#
#   esp_inject.py IFACE DST_MAC KEY
#
# then reads "CASE COUNT" lines on standard input, sends COUNT packets of
# each and answers "sent" (one process, since Python starts slowly under
# TCG). KEY is 0x-hex, 16 key bytes and 4 salt bytes. CASE names the packet:
# good, bad_icv, truncated, unknown_spi, addr_mismatch, selector,
# bad_padding, bad_next_header, bad_inner_csum, bad_inner_len, and
# pad_overrun (a valid ICV over a pad length of 255 on a short payload).

import socket
import struct
import sys

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

SPI = 0x1000


def csum(data):
    if len(data) % 2:
        data += b'\0'
    s = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return ~s & 0xffff


def ipv4(src, dst, proto, payload, ident=1, ttl=63, tos=0):
    hdr = struct.pack('!BBHHHBBH4s4s', 0x45, tos, 20 + len(payload), ident,
                      0, ttl, proto, 0, socket.inet_aton(src),
                      socket.inet_aton(dst))
    return hdr[:10] + struct.pack('!H', csum(hdr)) + hdr[12:] + payload


def icmp_echo(seq):
    body = struct.pack('!BBHHH', 8, 0, 0, 0x4242, seq) + b'gvpn-test' * 4
    return body[:2] + struct.pack('!H', csum(body)) + body[4:]


# IVs as a member with sender ID 200 in an 8-bit SID space makes them
# (RFC 6054 4: SID || counter, the counter never repeating), so that the
# receiver's per-sender replay window sees a well-behaved sender and each
# case is judged on what it breaks, not on its IV.
SID, SID_BITS = 200, 8
iv_counter = 0


def next_iv():
    global iv_counter
    iv_counter += 1
    return struct.pack('!Q', SID << (64 - SID_BITS) | iv_counter)


def esp(key, spi, seq, inner, pad=None, next_header=4, padlen=None):
    aead, salt = AESGCM(key[:-4]), key[-4:]
    npad = (-(len(inner) + 2)) % 4
    pad = bytes(range(1, npad + 1)) if pad is None else pad
    padlen = len(pad) if padlen is None else padlen
    plain = inner + pad + bytes([padlen, next_header])
    iv = next_iv()
    hdr = struct.pack('!II', spi, seq)
    return hdr + iv + aead.encrypt(salt + iv, plain, hdr)


def packet(case, key, seq):
    src, dst, isrc = '10.1.0.2', '10.2.0.2', '10.1.0.2'
    spi, pad, nh, padlen = SPI, None, 4, None
    inner = ipv4(isrc, dst, 1, icmp_echo(seq))
    if case == 'unknown_spi':
        spi = 0x9999
    elif case == 'addr_mismatch':
        src = '10.3.0.2'
    elif case == 'selector':
        src = '172.16.0.1'
        inner = ipv4(src, dst, 1, icmp_echo(seq))
    elif case == 'bad_padding':
        inner += b'\0'		# make room for real padding
        pad = b'\0\0\0'
    elif case == 'bad_next_header':
        nh = 17
    elif case == 'pad_overrun':
        padlen = 255        # more than the whole payload
    elif case == 'bad_inner_csum':
        inner = inner[:10] + b'\xde\xad' + inner[12:]
    elif case == 'bad_inner_len':
        inner = inner[:2] + struct.pack('!H', len(inner) + 8) + inner[4:]
        inner = inner[:10] + b'\0\0' + inner[12:]
        inner = inner[:10] + struct.pack('!H', csum(inner[:20])) + inner[12:]
    body = esp(key, spi, seq, inner, pad, nh, padlen)
    if case == 'bad_icv':
        body = body[:-1] + bytes([body[-1] ^ 0x80])
    elif case == 'truncated':
        body = body[:20]
    return ipv4(src, dst, 50, body, ident=seq)


def main():
    iface, mac, keyhex = sys.argv[1:4]
    key = bytes.fromhex(keyhex[2:])
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    dmac = bytes.fromhex(mac.replace(':', ''))
    smac = s.getsockname()[4][:6]
    for line in sys.stdin:
        case, count = line.split()
        for seq in range(1, int(count) + 1):
            s.send(dmac + smac + b'\x08\x00' + packet(case, key, seq))
        print('sent', flush=True)


if __name__ == '__main__':
    main()
