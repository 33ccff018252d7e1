#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# Writes the seeds of fuzz_cert (corpus/cert) from the member's certificate
# and its intermediate CA (DER), made with the openssl CLI as
# fuzz_cert.c says (the harness holds the root and the member's key):
#
#   cert_seeds.py cert/gm.der cert/int.der
#
# (cert/: the member's certificate and the intermediate, DER)
#
# Each seed: flags, the first payload's type, then main mode message 5's
# payloads (ID, CERT, CERT, CERTREQ, ...) in the clear; with flag bit 1 the
# harness puts a valid SIG in front.

import os
import struct
import sys

here = os.path.dirname(os.path.abspath(__file__))
NP_ID, NP_CERT, NP_CR, NP_SIG, NP_N = 5, 6, 7, 9, 11
ID_IPV4, ID_FQDN, ID_UFQDN, ID_DN = 1, 2, 3, 9


def der_item(d, off):
    """(tag, header length, content length) of the DER item at off"""
    tag, ln = d[off], d[off + 1]
    if ln < 0x80:
        return tag, 2, ln
    n = ln & 0x7f
    return tag, 2 + n, int.from_bytes(d[off + 2:off + 2 + n], 'big')


def subject(cert):
    """the DER subject Name of a certificate"""
    _, h, _ = der_item(cert, 0)		# Certificate
    off = h
    _, h, _ = der_item(cert, off)		# TBSCertificate
    off += h
    fields = []
    for _ in range(6):
        tag, h, ln = der_item(cert, off)
        fields.append(cert[off:off + h + ln])
        off += h + ln
    if fields[0][0] != 0xa0:		# no version: v1
        fields.insert(0, b'')
    return fields[5]


def payloads(items):
    """[(type, body)] as a chain: the first type, then the bytes"""
    out = b''
    for i, (t, body) in enumerate(items):
        nxt = items[i + 1][0] if i + 1 < len(items) else 0
        out += struct.pack('!BBH', nxt, 0, 4 + len(body)) + body
    return items[0][0], out


def ident(kind, data):
    return struct.pack('!BBH', kind, 17, 500) + data


def cert(der):
    return b'\x04' + der


def write(name, flags, items):
    np, body = payloads(items)
    with open(os.path.join(here, 'corpus/cert', name), 'wb') as f:
        f.write(bytes([flags, np]) + body)


def main():
    gm = open(sys.argv[1], 'rb').read()
    ca = open(sys.argv[2], 'rb').read()
    dn = subject(gm)
    os.makedirs(os.path.join(here, 'corpus/cert'), exist_ok=True)
    chain = [(NP_CERT, cert(gm)), (NP_CERT, cert(ca))]
    ids = {
        'dn': ident(ID_DN, dn),
        'ip': ident(ID_IPV4, bytes([10, 0, 0, 2])),
        'fqdn': ident(ID_FQDN, b'gm1.example.com'),
        'email': ident(ID_UFQDN, b'gm1@example.com'),
        'wrong-fqdn': ident(ID_FQDN, b'gm2.example.com'),
    }
    for name, idb in ids.items():
        for flags in (2, 3, 6, 7):
            write('%s-%x' % (name, flags), flags, [(NP_ID, idb)] + chain)
    # no intermediate; the intermediate first; a CERTREQ and a notify;
    # a garbage SIG of the input's own
    write('dn-no-int', 2, [(NP_ID, ids['dn']), (NP_CERT, cert(gm))])
    write('dn-int-first', 2, [(NP_ID, ids['dn']), (NP_CERT, cert(ca)),
                              (NP_CERT, cert(gm))])
    write('dn-cr', 3, [(NP_ID, ids['dn'])] + chain +
          [(NP_CR, b'\x04' + subject(ca)),
           (NP_N, struct.pack('!IBBH', 1, 1, 0, 24578))])
    write('dn-own-sig', 0, [(NP_ID, ids['dn'])] + chain +
          [(NP_SIG, bytes(128))])


if __name__ == '__main__':
    main()
