#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
#
# The table of malformed requests behind nl_bad_input.sh. Run in a fresh
# network namespace holding two veth devices d0 and d1. It builds a known
# state, then sends each request of the table and checks that it fails with
# the expected errno, an extended ACK message, and, where the case says so,
# an offset or missing-attribute type pointing at the offending attribute;
# and that the namespace's groups, policies and SAs are exactly as before.
#
# Prints a TEST: line per check (and a detail line per request); exits
# non-zero if any failed.

import errno
import socket
import struct
import sys
import time

from gvpn_nl import (A, GROUP, NLA_F_NESTED, NLM_F_ACK, NLM_F_DUMP, POLICY,
                     SA, cstr, ip4, u8, u16, u32, u64)
from nl_util import (GCM, GCM128_KEY, Conn, Listener, exit_status,
                     group_nest, log_test, policy_nest, sa_id_nest, sa_nest,
                     snapshot, uapi_enums)

HDRLEN = 16 + 4         # nlmsghdr + genlmsghdr: where attributes start


class T:
    """A flat attribute. nla_len overrides the length field (truncation)."""

    def __init__(self, atype, data, mark=False, nested=False, nla_len=None):
        self.atype, self.data, self.mark = atype, data, mark
        self.nested, self.nla_len = nested, nla_len

    def encode(self, off, marks):
        if self.mark:
            marks.append(off)
        atype = self.atype | (NLA_F_NESTED if self.nested else 0)
        nla_len = 4 + len(self.data) if self.nla_len is None else self.nla_len
        pad = b'\0' * ((4 - len(self.data) % 4) % 4)
        return struct.pack('=HH', nla_len, atype) + self.data + pad


class N:
    """A nest; flag=False leaves NLA_F_NESTED out."""

    def __init__(self, atype, kids, mark=False, flag=True):
        self.atype, self.kids, self.mark, self.flag = atype, kids, mark, flag

    def encode(self, off, marks):
        if self.mark:
            marks.append(off)
        body = encode(self.kids, off + 4, marks)
        atype = self.atype | (NLA_F_NESTED if self.flag else 0)
        return struct.pack('=HH', 4 + len(body), atype) + body


class Raw:
    """Bytes as they are (garbage after or between attributes)."""

    def __init__(self, data):
        self.data = data

    def encode(self, off, marks):
        return self.data


def encode(items, off, marks):
    out = b''
    for it in items:
        out += it.encode(off + len(out), marks)
    return out


# --- valid building blocks, each of which the kernel would accept ---------

def gid(v=1, **kw):
    return T(GROUP['ID'], u16(v), **kw)


def pol(*extra, g=1, pid=99, action=1, skip=(), mark=None):
    """A bypass policy 99 of group 1 (valid), with changes; mark: 'id'."""
    base = [T(POLICY['GROUP_ID'], u16(g)),
            T(POLICY['ID'], u32(pid), mark=mark == 'id'),
            T(POLICY['ACTION'], u8(action))]
    base = [b for b in base if b.atype not in skip]
    return [N(A['POLICY'], base + list(extra))]


def pa(name, data, **kw):
    return T(POLICY[name], data, **kw)


KEY_SHA1, KEY_SHA256, KEY_MD5 = bytes(20), bytes(32), bytes(16)


def sa(*extra, g=1, pid=10, spi=0x3000, alg='gcm', skip=(), mark=None):
    """
    A new SA 0x3000 on encrypt policy 10 of group 1 (valid), changed;
    mark: 'pid' or 'spi'.
    """
    base = [T(SA['GROUP_ID'], u16(g)),
            T(SA['POLICY_ID'], u32(pid), mark=mark == 'pid'),
            T(SA['SPI'], u32(spi), mark=mark == 'spi')]
    if alg == 'gcm':
        base += [T(SA['AEAD_NAME'], cstr(GCM)), T(SA['AEAD_KEY'], GCM128_KEY),
                 T(SA['AEAD_ICV_BITS'], u32(128))]
    elif alg == 'cbc':
        base += [T(SA['ENC_NAME'], cstr('cbc(aes)')),
                 T(SA['ENC_KEY'], bytes(16)),
                 T(SA['AUTH_NAME'], cstr('hmac(sha1)')),
                 T(SA['AUTH_KEY'], KEY_SHA1),
                 T(SA['AUTH_TRUNC_BITS'], u32(96))]
    base = [b for b in base if b.atype not in skip]
    return [N(A['SA'], base + list(extra))]


def sx(name, data, **kw):
    return T(SA[name], data, **kw)


def cbc(enc, ekey, auth, akey, trunc, mark=None):
    """An enc + auth SA with these parts; mark: the part to mark."""
    return sa(sx('ENC_NAME', cstr(enc), mark=mark == 'enc'),
              sx('ENC_KEY', ekey, mark=mark == 'ekey'),
              sx('AUTH_NAME', cstr(auth), mark=mark == 'auth'),
              sx('AUTH_KEY', akey, mark=mark == 'akey'),
              sx('AUTH_TRUNC_BITS', u32(trunc), mark=mark == 'trunc'),
              alg=None)


def gcm(key=GCM128_KEY, icv=128, name=GCM, mark=None, name_raw=None):
    """An AEAD SA with these parts; mark: the part to mark."""
    return sa(sx('AEAD_NAME', cstr(name) if name_raw is None else name_raw,
                 mark=mark == 'name'),
              sx('AEAD_KEY', key, mark=mark == 'key'),
              sx('AEAD_ICV_BITS', u32(icv), mark=mark == 'icv'),
              alg=None)


def grp(*kids, mark=False, flag=True):
    return [N(A['GROUP'], list(kids), mark=mark, flag=flag)]


ENUMS = uapi_enums()
CMDS = {n[len('GVPN_CMD_'):] for n, _, _ in ENUMS['gvpn_cmd']}
# The first value past each enum: unknown attribute types, invalid modes.
PAST = {name: max(v for n, v, _ in members if not n.endswith('_MAX')) + 1
        for name, members in ENUMS.items()}
MISS = 'miss'
MISS_OPT = 'miss-opt'
OFFS = 'offs'
OPT = 'opt'
EINVAL, ERANGE, ENOENT, EEXIST = (errno.EINVAL, errno.ERANGE, errno.ENOENT,
                                  errno.EEXIST)


def cases(d0, d1):
    """
    (name, cmd, items, errno, pointer, options). pointer: OFFS (the extack
    offset must be a marked attribute's), OPT (an offset is optional, but
    if the kernel gives one it must be a marked attribute's), (MISS, type)
    (the missing type, in the marked nest if one is marked, else at the
    top level), (MISS_OPT, type) (the same if the kernel gives a pointer:
    the errors of a dump's first part carry the message only, and Linux
    6.1 gives a dump's start() no extended ACK), or None (the error
    concerns no attribute: no pointer).
    """
    P, S = POLICY, SA
    c = []

    def add(name, cmd, items, err, ptr=None, **opts):
        c.append((name, cmd, items, err, ptr, opts))

    # -- the generic netlink header and message framing
    add('reserved genl header field non-zero', 'GROUP_NEW', grp(gid(5)),
        EINVAL, reserved=1)
    add('reserved nlmsg flags (CREATE|EXCL) on a command', 'GROUP_NEW',
        grp(gid(5)), EINVAL, flags=NLM_F_ACK | 0x400 | 0x200)
    # The genetlink core answers commands a family lacks (or lacks a dump
    # for) with EOPNOTSUPP and no message, before the family sees them:
    # those three cases require the errno only.
    add('unknown command number 200', 200, grp(gid(5)), errno.EOPNOTSUPP,
        core_no_msg=True)
    add('event command sent as a request', 'EVENT', grp(gid(5)),
        errno.EOPNOTSUPP, core_no_msg=True)
    add('dump of a command that has no dump', 'GROUP_NEW', grp(gid(5)),
        errno.EOPNOTSUPP, flags=NLM_F_DUMP, core_no_msg=True)
    add('trailing bytes after the last attribute', 'GROUP_NEW',
        grp(gid(5)) + [Raw(b'\1\2\3\4\5\6')], EINVAL)
    add('attribute length beyond the message (truncated)', 'GROUP_NEW',
        grp(gid(5)) + [T(A['SA'], u32(1), nla_len=64)], EINVAL)
    add('attribute length below its header (nla_len 2)', 'GROUP_NEW',
        grp(gid(5)) + [T(A['GROUP'], b'', nla_len=2)], EINVAL)

    # -- top level: missing, unknown, read-only and mis-nested attributes
    add('group new without the group nest', 'GROUP_NEW', [], EINVAL,
        (MISS, A['GROUP']))
    add('unknown top-level attribute type 99', 'GROUP_NEW',
        grp(gid(5)) + [T(99, u32(0), mark=True)], EINVAL, OFFS)
    add('top-level attribute type 0 (unspec)', 'GROUP_NEW',
        grp(gid(5)) + [T(0, u32(0), mark=True)], EINVAL, OFFS)
    add(f'top-level attribute one past the last ({PAST["gvpn_attr"]})',
        'GROUP_NEW',
        grp(gid(5)) + [T(PAST['gvpn_attr'], u32(0), mark=True)], EINVAL,
        OFFS)
    add('group nest without NLA_F_NESTED', 'GROUP_NEW',
        grp(gid(5), mark=True, flag=False), EINVAL, OFFS)
    add('group id flat at the top level', 'GROUP_NEW',
        [T(A['GROUP'], u16(5), mark=True)], EINVAL, OFFS)
    add('group nest inside the group nest', 'GROUP_NEW',
        grp(N(GROUP['ID'], [gid(5)], mark=True)), EINVAL, OFFS)
    add('NLA_F_NESTED on a flat attribute (policy id)', 'POLICY_NEW',
        pol(pa('PRIO', u32(1), nested=True, mark=True)), EINVAL, OFFS)
    add('policy attributes in a group nest', 'POLICY_NEW',
        [N(A['GROUP'], [T(P['GROUP_ID'], u16(1)),
                        T(P['ID'], u32(99), mark=True),
                        T(P['ACTION'], u8(1))])], EINVAL, OFFS)
    # SA types 1..3 happen to fit the policy policy; AEAD_NAME (5) is not
    # a u8 SRC_PLEN.
    add('SA attributes in a policy nest', 'SA_NEW',
        [N(A['POLICY'], [sx('GROUP_ID', u16(1)), sx('POLICY_ID', u32(10)),
                         sx('SPI', u32(0x3000)),
                         sx('AEAD_NAME', cstr(GCM), mark=True),
                         sx('AEAD_KEY', GCM128_KEY),
                         sx('AEAD_ICV_BITS', u32(128))])], EINVAL, OFFS)
    add('SA nest inside the policy nest', 'POLICY_NEW',
        pol(N(A['SA'], sa()[0].kids, mark=True)), EINVAL, OFFS)
    # Read-only nests are refused as replies carry them (NLA_F_NESTED set)
    # and flat.
    add('read-only top-level stats in a request', 'GROUP_NEW',
        grp(gid(5)) + [N(A['STATS'], [T(2, u64(1))], mark=True)], EINVAL,
        OFFS)
    add('read-only top-level stats without NLA_F_NESTED', 'GROUP_NEW',
        grp(gid(5)) + [N(A['STATS'], [T(2, u64(1))], mark=True, flag=False)],
        EINVAL, OFFS)
    # Every top-level attribute but the object nests is the kernel's to
    # send (events, padding): none is accepted in a request.
    for name, val, _ in ENUMS['gvpn_attr']:
        if val > A['STATS'] and val < PAST['gvpn_attr'] and \
                not name.endswith('_MAX'):
            add(f'{name} in a request', 'SA_DEL',
                [N(A['SA'], [sx('GROUP_ID', u16(1)),
                             sx('SPI', u32(0x1000))]),
                 T(val, u64(1), mark=True)], EINVAL, OFFS)
    add('stats get with an unknown attribute', 'STATS_GET',
        [T(PAST['gvpn_attr'] + 1, u32(0), mark=True)], EINVAL, OFFS)
    add('truncated attribute inside the policy nest', 'POLICY_NEW',
        pol(pa('PRIO', u32(7), nla_len=12)), EINVAL)

    # -- groups
    add('group id 0', 'GROUP_NEW', grp(gid(0, mark=True)), ERANGE, OFFS)
    add('group id as u8', 'GROUP_NEW', grp(T(GROUP['ID'], u8(5), mark=True)),
        EINVAL, OFFS)
    add('group id as u32', 'GROUP_NEW',
        grp(T(GROUP['ID'], u32(5), mark=True)), EINVAL, OFFS)
    add('group id missing', 'GROUP_NEW',
        [N(A['GROUP'], [T(GROUP['DF_MODE'], u8(1))], mark=True)], EINVAL,
        (MISS, GROUP['ID']))
    add(f'df mode {PAST["gvpn_df_mode"]}', 'GROUP_NEW',
        grp(gid(5), T(GROUP['DF_MODE'], u8(PAST['gvpn_df_mode']),
                      mark=True)), ERANGE, OFFS)
    add('df mode 255 on group set', 'GROUP_SET',
        grp(gid(1), T(GROUP['DF_MODE'], u8(255), mark=True)), ERANGE, OFFS)
    add('ifindex in group new', 'GROUP_NEW',
        grp(gid(5), T(GROUP['IFINDEX'], u32(d1), mark=True)), EINVAL, OFFS)
    add('ifindex in group set', 'GROUP_SET',
        grp(gid(2), T(GROUP['IFINDEX'], u32(d1), mark=True)), EINVAL, OFFS)
    add('read-only group stats in a request', 'GROUP_NEW',
        grp(gid(5), N(GROUP['STATS'], [T(2, u64(1))], mark=True)), EINVAL,
        OFFS)
    add('read-only group stats without NLA_F_NESTED', 'GROUP_NEW',
        grp(gid(5), N(GROUP['STATS'], [T(2, u64(1))], mark=True,
                      flag=False)), EINVAL, OFFS)
    n = PAST['gvpn_group_attr']
    add(f'unknown attribute type {n} in the group nest', 'GROUP_NEW',
        grp(gid(5), T(n, u32(0), mark=True)), EINVAL, OFFS)
    add('attribute type 0 in the group nest', 'GROUP_NEW',
        grp(gid(5), T(0, u16(0), mark=True)), EINVAL, OFFS)
    add('duplicate group id', 'GROUP_NEW', grp(gid(1, mark=True)), EEXIST,
        OPT)
    add('set of a group that does not exist', 'GROUP_SET',
        grp(gid(7, mark=True), T(GROUP['DF_MODE'], u8(1))), ENOENT, OFFS)
    add('delete of a group that does not exist', 'GROUP_DEL',
        grp(gid(7, mark=True)), ENOENT, OFFS)
    add('get of a group that does not exist', 'GROUP_GET',
        grp(gid(65535, mark=True)), ENOENT, OFFS)
    add('group delete without an id', 'GROUP_DEL',
        [N(A['GROUP'], [], mark=True)], EINVAL, (MISS, GROUP['ID']))

    # -- devices
    add('device attach without an ifindex', 'DEV_ADD',
        [N(A['GROUP'], [gid(2)], mark=True)], EINVAL,
        (MISS, GROUP['IFINDEX']))
    add('device attach without a group id', 'DEV_ADD',
        [N(A['GROUP'], [T(GROUP['IFINDEX'], u32(d1))], mark=True)], EINVAL,
        (MISS, GROUP['ID']))
    add('device ifindex 0', 'DEV_ADD',
        grp(gid(2), T(GROUP['IFINDEX'], u32(0), mark=True)), ERANGE, OFFS)
    add('device that does not exist', 'DEV_ADD',
        grp(gid(2), T(GROUP['IFINDEX'], u32(99999), mark=True)),
        errno.ENODEV, OFFS)
    add('device attach to a group that does not exist', 'DEV_ADD',
        grp(gid(7, mark=True), T(GROUP['IFINDEX'], u32(d1))), ENOENT, OFFS)
    add('device already attached to another group', 'DEV_ADD',
        grp(gid(2), T(GROUP['IFINDEX'], u32(d0), mark=True)), EEXIST, OPT)
    add('device attached twice to its group', 'DEV_ADD',
        grp(gid(1), T(GROUP['IFINDEX'], u32(d0), mark=True)), EEXIST, OPT)
    add('device detach from a group it is not in', 'DEV_DEL',
        grp(gid(2), T(GROUP['IFINDEX'], u32(d0), mark=True)), ENOENT, OPT)
    add('detach of a device attached nowhere', 'DEV_DEL',
        grp(gid(1), T(GROUP['IFINDEX'], u32(d1), mark=True)), ENOENT, OPT)

    # -- policies
    add('policy without a nest', 'POLICY_NEW', grp(gid(1)), EINVAL,
        (MISS, A['POLICY']))
    add('policy without an id', 'POLICY_NEW',
        [N(A['POLICY'], pol(skip=(P['ID'],))[0].kids, mark=True)], EINVAL,
        (MISS, P['ID']))
    add('policy without an action', 'POLICY_NEW',
        [N(A['POLICY'], pol(skip=(P['ACTION'],))[0].kids, mark=True)],
        EINVAL, (MISS, P['ACTION']))
    add('policy without a group id', 'POLICY_NEW',
        [N(A['POLICY'], pol(skip=(P['GROUP_ID'],))[0].kids, mark=True)],
        EINVAL, (MISS, P['GROUP_ID']))
    add('policy id 0', 'POLICY_NEW',
        [N(A['POLICY'], [pa('GROUP_ID', u16(1)), pa('ID', u32(0), mark=True),
                         pa('ACTION', u8(1))])], ERANGE, OFFS)
    add(f'policy action {PAST["gvpn_action"]}', 'POLICY_NEW',
        [N(A['POLICY'], [pa('GROUP_ID', u16(1)), pa('ID', u32(99)),
                         pa('ACTION', u8(PAST['gvpn_action']), mark=True)])],
        ERANGE, OFFS)
    add(f'policy origin {PAST["gvpn_origin"]}', 'POLICY_NEW',
        pol(pa('ORIGIN', u8(PAST['gvpn_origin']), mark=True)), ERANGE, OFFS)
    add('source prefix length 33', 'POLICY_NEW',
        pol(pa('SRC', ip4('10.0.0.0')), pa('SRC_PLEN', u8(33), mark=True)),
        ERANGE, OFFS)
    add('destination prefix length 255', 'POLICY_NEW',
        pol(pa('DST', ip4('10.0.0.0')), pa('DST_PLEN', u8(255), mark=True)),
        ERANGE, OFFS)
    add('prefix length without an address', 'POLICY_NEW',
        pol(pa('DST_PLEN', u8(8), mark=True)), EINVAL, OFFS)
    add('source host bits beyond the prefix', 'POLICY_NEW',
        pol(pa('SRC', ip4('10.1.2.3'), mark=True), pa('SRC_PLEN', u8(16))),
        EINVAL, OFFS)
    add('destination host bits beyond /0', 'POLICY_NEW',
        pol(pa('DST', ip4('0.0.0.1'), mark=True), pa('DST_PLEN', u8(0))),
        EINVAL, OFFS)
    add('ports without a protocol', 'POLICY_NEW',
        pol(pa('DPORT_MIN', u16(80), mark=True)), EINVAL, OFFS)
    add('ports with protocol icmp', 'POLICY_NEW',
        pol(pa('PROTO', u8(1)), pa('SPORT_MIN', u16(1), mark=True),
            pa('SPORT_MAX', u16(9))), EINVAL, OFFS)
    add('port range maximum below its minimum', 'POLICY_NEW',
        pol(pa('PROTO', u8(6)), pa('DPORT_MIN', u16(443)),
            pa('DPORT_MAX', u16(80), mark=True)), EINVAL, OFFS)
    add('port range maximum without its minimum', 'POLICY_NEW',
        pol(pa('PROTO', u8(17)), pa('SPORT_MAX', u16(80), mark=True)),
        EINVAL, OFFS)
    add('source address as 2 bytes', 'POLICY_NEW',
        pol(pa('SRC', u16(10), mark=True), pa('SRC_PLEN', u8(8))), EINVAL,
        OFFS)
    add('destination address as 5 bytes', 'POLICY_NEW',
        pol(pa('DST', ip4('10.0.0.0') + b'\0', mark=True)), EINVAL, OFFS)
    add('priority as u64', 'POLICY_NEW', pol(pa('PRIO', u64(1), mark=True)),
        EINVAL, OFFS)
    add('protocol as u16', 'POLICY_NEW', pol(pa('PROTO', u16(6), mark=True)),
        EINVAL, OFFS)
    add('action as u32', 'POLICY_NEW',
        [N(A['POLICY'], [pa('GROUP_ID', u16(1)), pa('ID', u32(99)),
                         pa('ACTION', u32(1), mark=True)])], EINVAL, OFFS)
    add('port as u32', 'POLICY_NEW',
        pol(pa('PROTO', u8(6)), pa('DPORT_MIN', u32(80), mark=True)),
        EINVAL, OFFS)
    add('read-only policy stats in a request', 'POLICY_NEW',
        pol(N(P['STATS'], [T(18, u64(1))], mark=True)), EINVAL, OFFS)
    add('read-only policy stats without NLA_F_NESTED', 'POLICY_NEW',
        pol(N(P['STATS'], [T(18, u64(1))], mark=True, flag=False)), EINVAL,
        OFFS)
    n = PAST['gvpn_policy_attr']
    add(f'unknown attribute type {n} in the policy nest', 'POLICY_NEW',
        pol(T(n, u32(0), mark=True)), EINVAL, OFFS)
    add('duplicate policy id', 'POLICY_NEW', pol(pid=10, mark='id'), EEXIST,
        OPT)
    add('policy in a group that does not exist', 'POLICY_NEW',
        [N(A['POLICY'], [pa('GROUP_ID', u16(9), mark=True),
                         pa('ID', u32(99)), pa('ACTION', u8(1))])],
        ENOENT, OFFS)
    add('delete of a policy that does not exist', 'POLICY_DEL',
        [N(A['POLICY'], [pa('GROUP_ID', u16(1)),
                         pa('ID', u32(11), mark=True)])], ENOENT, OFFS)
    add('policy delete without an id', 'POLICY_DEL',
        [N(A['POLICY'], [pa('GROUP_ID', u16(1))], mark=True)], EINVAL,
        (MISS, P['ID']))
    add('get of a policy in a missing group', 'POLICY_GET',
        [N(A['POLICY'], [pa('GROUP_ID', u16(9), mark=True),
                         pa('ID', u32(10))])], ENOENT, OFFS)
    add('policy flush of a group that does not exist', 'POLICY_FLUSH',
        [N(A['POLICY'], [pa('GROUP_ID', u16(9), mark=True)])], ENOENT, OFFS)
    add('policy flush with group id 0', 'POLICY_FLUSH',
        [N(A['POLICY'], [pa('GROUP_ID', u16(0), mark=True)])], ERANGE, OFFS)
    add('policy dump filtered by group id 0', 'POLICY_GET',
        [N(A['POLICY'], [pa('GROUP_ID', u16(0), mark=True)])], ERANGE, OFFS,
        flags=NLM_F_DUMP)
    add('policy dump with an unknown attribute', 'POLICY_GET',
        [N(A['POLICY'], [T(PAST['gvpn_policy_attr'], u32(0), mark=True)])],
        EINVAL, OFFS,
        flags=NLM_F_DUMP)

    # -- SAs: required attributes, ranges, lengths
    add('SA without a nest', 'SA_NEW', pol(), EINVAL, (MISS, A['SA']))
    add('SA without an SPI', 'SA_NEW',
        [N(A['SA'], sa(skip=(S['SPI'],))[0].kids, mark=True)], EINVAL,
        (MISS, S['SPI']))
    add('SA without a policy id', 'SA_NEW',
        [N(A['SA'], sa(skip=(S['POLICY_ID'],))[0].kids, mark=True)], EINVAL,
        (MISS, S['POLICY_ID']))
    add('SA without a group id', 'SA_NEW',
        [N(A['SA'], sa(skip=(S['GROUP_ID'],))[0].kids, mark=True)], EINVAL,
        (MISS, S['GROUP_ID']))
    add('SA without any algorithm', 'SA_NEW',
        [N(A['SA'], sa(alg=None)[0].kids, mark=True)], EINVAL,
        (MISS, S['ENC_NAME']))
    add('SPI 255 (reserved)', 'SA_NEW',
        [N(A['SA'], [sx('SPI', u32(255), mark=True)] +
           sa(skip=(S['SPI'],))[0].kids)], ERANGE, OFFS)
    add('SPI 0', 'SA_NEW',
        [N(A['SA'], [sx('SPI', u32(0), mark=True)] +
           sa(skip=(S['SPI'],))[0].kids)], ERANGE, OFFS)
    add('SPI as u16', 'SA_NEW',
        [N(A['SA'], [sx('SPI', u16(0x3000), mark=True)] +
           sa(skip=(S['SPI'],))[0].kids)], EINVAL, OFFS)
    add(f'SA direction {PAST["gvpn_sa_dir"]}', 'SA_NEW',
        sa(sx('DIR', u8(PAST['gvpn_sa_dir']), mark=True)), ERANGE, OFFS)
    add('SA policy id 0', 'SA_NEW',
        [N(A['SA'], [sx('POLICY_ID', u32(0), mark=True)] +
           sa(skip=(S['POLICY_ID'],))[0].kids)], ERANGE, OFFS)
    add('AEAD name not NUL-terminated', 'SA_NEW',
        gcm(name_raw=GCM.encode(), mark='name'), EINVAL, OFFS)
    add('AEAD name of 300 characters', 'SA_NEW',
        gcm(name='x' * 300, mark='name'), EINVAL, OFFS)
    add('enc name of 128 characters', 'SA_NEW',
        cbc('c' * 128, bytes(16), 'hmac(sha1)', KEY_SHA1, 96, mark='enc'),
        EINVAL, OFFS)
    add('AEAD key of 65 bytes (oversized)', 'SA_NEW',
        gcm(key=bytes(65), mark='key'), ERANGE, OFFS)
    add('auth key of 129 bytes (oversized)', 'SA_NEW',
        cbc('cbc(aes)', bytes(16), 'hmac(sha1)', bytes(129), 96,
            mark='akey'), ERANGE, OFFS)
    add('enc key of 65 bytes (oversized)', 'SA_NEW',
        cbc('cbc(aes)', bytes(65), 'hmac(sha1)', KEY_SHA1, 96, mark='ekey'),
        ERANGE, OFFS)
    add('ICV length 257 bits', 'SA_NEW', gcm(icv=257, mark='icv'), ERANGE,
        OFFS)
    add('truncation length 513 bits', 'SA_NEW',
        cbc('cbc(aes)', bytes(16), 'hmac(sha1)', KEY_SHA1, 513,
            mark='trunc'), ERANGE, OFFS)
    add('soft lifetime as u32', 'SA_NEW',
        sa(sx('LIFETIME_SOFT_SECS', u32(5), mark=True)), EINVAL, OFFS)
    add('read-only SA stats in a request', 'SA_NEW',
        sa(N(S['STATS'], [T(2, u64(0))], mark=True)), EINVAL, OFFS)
    add('read-only SA stats without NLA_F_NESTED', 'SA_NEW',
        sa(N(S['STATS'], [T(2, u64(0))], mark=True, flag=False)), EINVAL,
        OFFS)
    add('SA pad attribute in a request', 'SA_NEW',
        sa(sx('PAD', b'', mark=True)), EINVAL, OFFS)
    # sender IDs (RFC 6054): 1..16 bits, the SID within them, the two
    # together, the first IV counter within 64 - bits
    if 'SENDER_ID' in S:
        add('SID bits 0', 'SA_NEW',
            sa(sx('SENDER_ID', u32(1)), sx('SID_BITS', u8(0), mark=True)),
            ERANGE, OFFS)
        add('SID bits 17', 'SA_NEW',
            sa(sx('SENDER_ID', u32(1)), sx('SID_BITS', u8(17), mark=True)),
            ERANGE, OFFS)
        add('sender ID without SID bits', 'SA_NEW',
            [N(A['SA'], sa(sx('SENDER_ID', u32(1)))[0].kids, mark=True)],
            EINVAL, (MISS, S['SID_BITS']))
        add('SID bits without a sender ID', 'SA_NEW',
            sa(sx('SID_BITS', u8(8), mark=True)), EINVAL, OFFS)
        add('IV counter without a sender ID', 'SA_NEW',
            sa(sx('IV_COUNTER', u64(5), mark=True)), EINVAL, OFFS)
        add('sender ID 256 in 8 SID bits', 'SA_NEW',
            sa(sx('SENDER_ID', u32(256), mark=True), sx('SID_BITS', u8(8))),
            ERANGE, OFFS)
        add('sender ID 2 in 1 SID bit', 'SA_NEW',
            sa(sx('SENDER_ID', u32(2), mark=True), sx('SID_BITS', u8(1))),
            ERANGE, OFFS)
        add('IV counter 2^56 with 8 SID bits', 'SA_NEW',
            sa(sx('SENDER_ID', u32(1)), sx('SID_BITS', u8(8)),
               sx('IV_COUNTER', u64(1 << 56), mark=True)), ERANGE, OFFS)
        add('sender ID as u16', 'SA_NEW',
            sa(sx('SENDER_ID', u16(1), mark=True), sx('SID_BITS', u8(8))),
            EINVAL, OFFS)
        add('IV counter as u32', 'SA_NEW',
            sa(sx('SENDER_ID', u32(1)), sx('SID_BITS', u8(8)),
               sx('IV_COUNTER', u32(1), mark=True)), EINVAL, OFFS)
        add('replay window 4097', 'SA_NEW',
            sa(sx('REPLAY_WINDOW', u32(4097), mark=True)), ERANGE, OFFS)
        add('group legacy-iv 2', 'GROUP_NEW',
            grp(gid(5), T(GROUP['LEGACY_IV'], u8(2), mark=True)), ERANGE,
            OFFS)
        if 'SA_SET' in CMDS:
            add('SA set changing the sender ID', 'SA_SET',
                [N(A['SA'], [sx('GROUP_ID', u16(1)), sx('SPI', u32(0x1000)),
                             sx('SENDER_ID', u32(3), mark=True)])],
                EINVAL, OPT)
    n = PAST['gvpn_sa_attr']
    add(f'unknown attribute type {n} in the SA nest', 'SA_NEW',
        sa(T(n, u32(0), mark=True)), EINVAL, OFFS)

    # -- changing an installed SA (rekey)
    if 'SA_SET' in CMDS:
        add('SA set of an SA that does not exist', 'SA_SET',
            [N(A['SA'], [sx('GROUP_ID', u16(1)),
                         sx('SPI', u32(0x1001), mark=True),
                         sx('DIR', u8(1))])], ENOENT, OFFS)
        add('SA set without an SPI', 'SA_SET',
            [N(A['SA'], [sx('GROUP_ID', u16(1)), sx('DIR', u8(1))],
               mark=True)], EINVAL, (MISS, S['SPI']))
        add(f'SA set to direction {PAST["gvpn_sa_dir"]}', 'SA_SET',
            [N(A['SA'], [sx('GROUP_ID', u16(1)), sx('SPI', u32(0x1000)),
                         sx('DIR', u8(PAST['gvpn_sa_dir']), mark=True)])],
            ERANGE, OFFS)
        add('SA set changing the key', 'SA_SET',
            [N(A['SA'], [sx('GROUP_ID', u16(1)), sx('SPI', u32(0x1000)),
                         sx('AEAD_KEY', GCM128_KEY, mark=True)])],
            EINVAL, OPT)
        add('SA set changing the policy', 'SA_SET',
            [N(A['SA'], [sx('GROUP_ID', u16(1)), sx('SPI', u32(0x1000)),
                         sx('POLICY_ID', u32(20), mark=True)])],
            EINVAL, OPT)

    # -- listing an SA's sender windows (a dump only)
    if 'SENDER_GET' in CMDS:
        add('sender dump of an SA that does not exist', 'SENDER_GET',
            [N(A['SA'], [sx('GROUP_ID', u16(1)),
                         sx('SPI', u32(0x1001), mark=True)])], ENOENT, OPT,
            flags=NLM_F_DUMP)
        add('sender dump without the SA nest', 'SENDER_GET', [], EINVAL,
            (MISS_OPT, A['SA']), flags=NLM_F_DUMP)
        add('sender dump without an SPI', 'SENDER_GET',
            [N(A['SA'], [sx('GROUP_ID', u16(1))], mark=True)], EINVAL,
            (MISS_OPT, S['SPI']), flags=NLM_F_DUMP)

    # -- every attribute the header calls read-only, besides the counters
    # above, in the request that would otherwise succeed
    valid = dict(gvpn_group_attr=lambda x: grp(gid(5), x),
                 gvpn_policy_attr=lambda x: pol(x),
                 gvpn_sa_attr=lambda x: sa(x))
    cmd = dict(gvpn_group_attr='GROUP_NEW', gvpn_policy_attr='POLICY_NEW',
               gvpn_sa_attr='SA_NEW')
    for enum, build in valid.items():
        for name, val, comment in ENUMS[enum]:
            if 'read-only' in comment and not comment.startswith('nest'):
                add(f'read-only {name} in a request', cmd[enum],
                    build(T(val, u64(1), mark=True)), EINVAL, OFFS)

    # -- SAs: semantics
    add('SA for a bypass policy', 'SA_NEW', sa(pid=20, mark='pid'), EINVAL,
        OPT)
    add('SA for a drop policy', 'SA_NEW', sa(pid=30, mark='pid'), EINVAL, OPT)
    add('SA naming a missing policy', 'SA_NEW', sa(pid=11, mark='pid'),
        ENOENT, OPT)
    add('SA in a group that does not exist', 'SA_NEW',
        [N(A['SA'], [sx('GROUP_ID', u16(9), mark=True)] +
           sa(skip=(S['GROUP_ID'],))[0].kids)], ENOENT, OFFS)
    aead = gcm(mark='name')[0].kids[3:]
    add('AEAD and enc at once', 'SA_NEW',
        sa(*aead, sx('ENC_NAME', cstr('cbc(aes)')), sx('ENC_KEY', bytes(16)),
           alg=None), EINVAL, OFFS)
    add('AEAD and enc + auth at once', 'SA_NEW',
        sa(*aead, *cbc('cbc(aes)', bytes(16), 'hmac(sha1)', KEY_SHA1,
                       96)[0].kids[3:], alg=None), EINVAL, OFFS)
    add('AEAD and auth at once', 'SA_NEW',
        sa(*aead, sx('AUTH_NAME', cstr('hmac(sha1)')),
           sx('AUTH_KEY', KEY_SHA1), sx('AUTH_TRUNC_BITS', u32(96)),
           alg=None), EINVAL, OFFS)
    add('AEAD without its key', 'SA_NEW',
        [N(A['SA'], sa(skip=(S['AEAD_KEY'],))[0].kids, mark=True)], EINVAL,
        (MISS, S['AEAD_KEY']))
    add('AEAD without its ICV length', 'SA_NEW',
        [N(A['SA'], sa(skip=(S['AEAD_ICV_BITS'],))[0].kids, mark=True)],
        EINVAL, (MISS, S['AEAD_ICV_BITS']))
    add('enc without auth', 'SA_NEW',
        [N(A['SA'], sa(alg='cbc', skip=(S['AUTH_NAME'], S['AUTH_KEY'],
                                       S['AUTH_TRUNC_BITS']))[0].kids,
           mark=True)], EINVAL, (MISS, S['AUTH_NAME']))
    add('enc without its key', 'SA_NEW',
        [N(A['SA'], sa(alg='cbc', skip=(S['ENC_KEY'],))[0].kids, mark=True)],
        EINVAL, (MISS, S['ENC_KEY']))
    add('auth without its key', 'SA_NEW',
        [N(A['SA'], sa(alg='cbc', skip=(S['AUTH_KEY'],))[0].kids,
           mark=True)], EINVAL, (MISS, S['AUTH_KEY']))
    add('auth without its truncation length', 'SA_NEW',
        [N(A['SA'], sa(alg='cbc', skip=(S['AUTH_TRUNC_BITS'],))[0].kids,
           mark=True)], EINVAL, (MISS, S['AUTH_TRUNC_BITS']))
    add('auth alone, without enc', 'SA_NEW',
        [N(A['SA'], sa(alg='cbc', skip=(S['ENC_NAME'], S['ENC_KEY']))[0].kids,
           mark=True)], EINVAL, (MISS, S['ENC_NAME']))
    for name in ('gcm(aes)', 'rfc4309(ccm(aes))', 'rfc7539esp(chacha20,poly1305)',
                 ''):
        add(f'unsupported AEAD "{name}"', 'SA_NEW',
            gcm(name=name, mark='name'), EINVAL, OPT)
    for name in ('cbc(des)', 'ecb(aes)', 'ctr(aes)'):
        add(f'unsupported enc "{name}"', 'SA_NEW',
            cbc(name, bytes(16), 'hmac(sha1)', KEY_SHA1, 96, mark='enc'),
            EINVAL, OPT)
    for name in ('hmac(sha512)', 'xcbc(aes)', 'sha1'):
        add(f'unsupported auth "{name}"', 'SA_NEW',
            cbc('cbc(aes)', bytes(16), name, KEY_SHA1, 96, mark='auth'),
            EINVAL, OPT)
    for n in (0, 16, 19, 21, 32, 37):
        add(f'AES-GCM key of {n} bytes', 'SA_NEW',
            gcm(key=bytes(n), mark='key'), EINVAL, OPT)
    for n in (0, 8, 15, 33):
        add(f'cbc(aes) key of {n} bytes', 'SA_NEW',
            cbc('cbc(aes)', bytes(n), 'hmac(sha1)', KEY_SHA1, 96,
                mark='ekey'), EINVAL, OPT)
    for n in (8, 16, 32):
        add(f'cbc(des3_ede) key of {n} bytes', 'SA_NEW',
            cbc('cbc(des3_ede)', bytes(n), 'hmac(sha1)', KEY_SHA1, 96,
                mark='ekey'), EINVAL, OPT)
    for auth, n, trunc in (('hmac(sha1)', 16, 96), ('hmac(sha1)', 0, 96),
                           ('hmac(sha256)', 20, 128), ('hmac(md5)', 20, 96),
                           ('hmac(md5)', 32, 96)):
        add(f'{auth} key of {n} bytes', 'SA_NEW',
            cbc('cbc(aes)', bytes(16), auth, bytes(n), trunc, mark='akey'),
            EINVAL, OPT)
    for icv in (0, 32, 112, 256):
        add(f'AES-GCM ICV of {icv} bits', 'SA_NEW',
            gcm(icv=icv, mark='icv'), EINVAL, OPT)
    for auth, key, trunc in (('hmac(sha1)', KEY_SHA1, 128),
                             ('hmac(sha1)', KEY_SHA1, 160),
                             ('hmac(sha256)', KEY_SHA256, 96),
                             ('hmac(sha256)', KEY_SHA256, 256),
                             ('hmac(md5)', KEY_MD5, 128),
                             ('hmac(md5)', KEY_MD5, 0)):
        add(f'{auth} truncated to {trunc} bits', 'SA_NEW',
            cbc('cbc(aes)', bytes(16), auth, key, trunc, mark='trunc'),
            EINVAL, OPT)
    add('soft lifetime beyond the hard one (seconds)', 'SA_NEW',
        sa(sx('LIFETIME_SOFT_SECS', u64(20), mark=True),
           sx('LIFETIME_HARD_SECS', u64(10), mark=True)), EINVAL, OPT)
    add('soft lifetime beyond the hard one (bytes)', 'SA_NEW',
        sa(sx('LIFETIME_SOFT_BYTES', u64(1 << 30), mark=True),
           sx('LIFETIME_HARD_BYTES', u64(1 << 20), mark=True)), EINVAL, OPT)
    add('hard lifetime of more than ten years', 'SA_NEW',
        sa(sx('LIFETIME_HARD_SECS', u64(1 << 40), mark=True)), ERANGE, OFFS)
    add('soft lifetime of 2^64-1 seconds', 'SA_NEW',
        sa(sx('LIFETIME_SOFT_SECS', u64((1 << 64) - 1), mark=True)), ERANGE,
        OFFS)
    add('duplicate SPI in the group', 'SA_NEW', sa(spi=0x1000, mark='spi'),
        EEXIST, OPT)
    add('duplicate SPI of an enc+auth SA', 'SA_NEW',
        sa(spi=0x2000, alg='cbc', mark='spi'), EEXIST, OPT)
    add('delete of an SA that does not exist', 'SA_DEL',
        [N(A['SA'], [sx('GROUP_ID', u16(1)),
                     sx('SPI', u32(0x1001), mark=True)])], ENOENT, OFFS)
    add('delete of an SA in the wrong group', 'SA_DEL',
        [N(A['SA'], [sx('GROUP_ID', u16(2)),
                     sx('SPI', u32(0x2000), mark=True)])], ENOENT, OFFS)
    add('SA delete without an SPI', 'SA_DEL',
        [N(A['SA'], [sx('GROUP_ID', u16(1))], mark=True)], EINVAL,
        (MISS, S['SPI']))
    add('get of an SA in a missing group', 'SA_GET',
        [N(A['SA'], [sx('GROUP_ID', u16(9), mark=True),
                     sx('SPI', u32(0x1000))])], ENOENT, OFFS)
    add('SA flush of a group that does not exist', 'SA_FLUSH',
        [N(A['SA'], [sx('GROUP_ID', u16(9), mark=True)])], ENOENT, OFFS)
    add('SA dump filtered by SPI 1', 'SA_GET',
        [N(A['SA'], [sx('SPI', u32(1), mark=True)])], ERANGE, OFFS,
        flags=NLM_F_DUMP)
    return c


def setup(conn, d0):
    """
    The state every case runs against: groups 1 (DF set, d0 attached) and
    2; group 1 has encrypt policy 10 with an AES-GCM and an AES-CBC SA,
    bypass policy 20 and drop policy 30; group 2 has policy 10 with an SA
    of the same SPI as group 1's (SPIs are per group).
    """
    conn.ok('GROUP_NEW', group_nest(1, df=1))
    conn.ok('GROUP_NEW', group_nest(2))
    conn.ok('DEV_ADD', group_nest(1, ifindex=d0))
    conn.ok('POLICY_NEW', policy_nest(1, 10, 'encrypt', prio=5,
                                      src='10.1.0.0/16', dst='10.2.0.0/16',
                                      proto=6, dport=(443, 443)))
    conn.ok('POLICY_NEW', policy_nest(1, 20, 'bypass', dst='10.9.0.0/16'))
    conn.ok('POLICY_NEW', policy_nest(1, 30, 'drop', origin='local'))
    conn.ok('POLICY_NEW', policy_nest(2, 10, 'encrypt'))
    conn.ok('SA_NEW', sa_nest(1, 10, 0x1000, soft=3600, hard=7200))
    conn.ok('SA_NEW', encode(sa(spi=0x2000, alg='cbc'), HDRLEN, []))
    conn.ok('SA_NEW', sa_nest(2, 10, 0x1000))


def check_case(conn, case, before):
    name, cmd, items, want, ptr, opts = case
    marks = []
    attrs = encode(items, HDRLEN, marks)
    _, ack = conn.ask(cmd, attrs,
                      flags=opts.get('flags', NLM_F_ACK),
                      reserved=opts.get('reserved', 0))
    why = []
    if ack.errno != want:
        why.append(f'errno {ack.errno}, expected {want}')
    if not ack.msg and not opts.get('core_no_msg'):
        why.append('no extack message')
    if ptr == OFFS or (ptr == OPT and ack.offs is not None):
        if ack.offs not in marks:
            why.append(f'offset {ack.offs}, expected one of {marks}')
        if ack.miss is not None:
            why.append(f'unexpected missing type {ack.miss}')
    elif isinstance(ptr, tuple) and (ptr[0] == MISS or ack.miss is not None
                                     or ack.offs is not None):
        if ack.miss != ptr[1]:
            why.append(f'missing type {ack.miss}, expected {ptr[1]}')
        nest = marks[0] if marks else None
        if ack.miss_nest != nest:
            why.append(f'missing-type nest {ack.miss_nest}, expected {nest}')
    elif ack.offs is not None or ack.miss is not None:
        why.append('a pointer where no attribute is at fault')
    if snapshot(conn) != before:
        why.append('STATE CHANGED')
    print(f'#   {name}: {ack}')
    for w in why:
        print(f'#   FAIL: {w}')
    return log_test(name, not why)


def main():
    d0, d1 = socket.if_nametoindex('d0'), socket.if_nametoindex('d1')
    conn = Conn()
    setup(conn, d0)
    table = cases(d0, d1)
    listener = Listener(conn)
    before = snapshot(conn)
    ok = sum(check_case(conn, c, before) for c in table)
    print(f'# {ok} of {len(table)} malformed requests rejected cleanly')
    log_test(f'the table has at least 50 cases ({len(table)})',
             len(table) >= 50)
    log_test('groups, policies and SAs unchanged after the table',
             snapshot(conn) == before)
    events = listener.events(0.5)
    for ev in events:
        print(f'#   unexpected event {ev}')
    log_test('no SA events during the table', not events)
    # The listener would have seen them: a valid add and delete are seen.
    conn.ok('SA_NEW', sa_nest(1, 10, 0x3000))
    conn.ok('SA_DEL', sa_id_nest(1, 0x3000))
    # (up to 5 s for both: a loaded TCG guest can be slow to deliver)
    seen, end = [], time.monotonic() + 5
    while len(seen) < 2 and time.monotonic() < end:
        seen += [(e['type'], e.get('spi')) for e in listener.events(0.5)]
    want = [('SA_ADDED', 0x3000), ('SA_REMOVED', 0x3000)]
    if seen != want:
        print(f'#   events seen: {seen}')
    log_test('the listener sees a valid SA add and delete', seen == want)
    return exit_status()


if __name__ == '__main__':
    sys.exit(main())
