#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
#
# The work of nl_dump_scale.sh, in a fresh network namespace: 100,000
# policies over four groups, added by one process on one socket, many
# requests per sendmsg; then dumps of all of them and of one group, and a
# dump that runs while other policies come and go, which the kernel flags
# as interrupted (NLM_F_DUMP_INTR) where a quiet one is not.

import socket
import struct
import sys
import time

from gvpn_nl import A, CMD, NLA_F_NESTED, NLM_F_REQUEST, POLICY, attr, u16, u32
from nl_util import (ACTION, Conn, exit_status, get_u, group_nest, log_test,
                     policy_nest)

GROUPS = (1, 2, 3, 65535)
PER_GROUP = 25000
ACTIONS = ('encrypt', 'bypass', 'drop')


def ids(g):
    """Sparse ids up to the largest one, different in each group."""
    return [1 + g % 7 + 3 * j for j in range(PER_GROUP - 1)] + [0xffffffff]


def dst_addr(g, i):
    """A distinct /32 for the i-th policy of group g, as 4 bytes."""
    return (0x0a000000 + GROUPS.index(g) * PER_GROUP + i).to_bytes(4, 'big')


def dst(g, i):
    return socket.inet_ntoa(dst_addr(g, i))


def expected():
    """{(group, id): destination as dumped} for every policy."""
    out = {}
    for g in GROUPS:
        for i, pid in enumerate(ids(g)):
            out[(g, pid)] = get_u(dst_addr(g, i))
    return out


# One POLICY_NEW as policy_nest() builds it, in one struct (building
# 100,000 requests attribute by attribute takes half a minute under TCG).
POLICY_MSG = struct.Struct('=IHHII BBH HH HHH2x HHI HHB3x HHI HH4s HHB3x HH4s '
                           'HHB3x')


def policy_msg(conn, g, pid, i):
    conn.seq += 1
    return POLICY_MSG.pack(
        POLICY_MSG.size, conn.family, NLM_F_REQUEST, conn.seq, 0,
        CMD['POLICY_NEW'], 1, 0,
        POLICY_MSG.size - 20, A['POLICY'] | NLA_F_NESTED,
        6, POLICY['GROUP_ID'], g, 8, POLICY['ID'], pid,
        5, POLICY['ACTION'], ACTION[ACTIONS[i % 3]],
        8, POLICY['PRIO'], i % 5,
        8, POLICY['SRC'], socket.inet_aton('192.168.0.0'),
        5, POLICY['SRC_PLEN'], 16,
        8, POLICY['DST'], dst_addr(g, i),
        5, POLICY['DST_PLEN'], 32)


def policy_attrs(g, pid, i):
    return policy_nest(g, pid, ACTIONS[i % 3], prio=i % 5,
                       dst=dst(g, i) + '/32', src='192.168.0.0/16')


def add_all(conn):
    """Add every policy; returns the number of failures."""
    # The fast encoding must be the very request policy_nest() makes.
    msg = policy_msg(conn, 3, 7, 5)
    assert msg[20:] == policy_attrs(3, 7, 5), 'policy_msg() is wrong'
    msgs = [policy_msg(conn, g, pid, i)
            for g in GROUPS for i, pid in enumerate(ids(g))]
    errors = conn.send_many(msgs)
    for e in errors[:3]:
        print(f'#   {e}')
    return len(errors)


KEYS = (POLICY['GROUP_ID'], POLICY['ID'], POLICY['DST'])

# A dumped policy message as the kernel lays it out today: nest, GROUP_ID,
# ID, PRIO, SRC, SRC_PLEN, DST. Parsing at fixed offsets is five times
# faster under TCG; a message laid out otherwise is parsed attribute by
# attribute instead (see fast_policy).
DUMPED = struct.Struct('=20x 2xH 2xHH2x 2xHI 2xH4x 2xH4x 2xH4x 2xHI')
DUMPED_TYPES = (A['POLICY'], POLICY['GROUP_ID'], POLICY['ID'], POLICY['PRIO'],
                POLICY['SRC'], POLICY['SRC_PLEN'], POLICY['DST'])


def fast_policy(data, off):
    if off + DUMPED.size > len(data):
        return None
    (ntype, gtype, g, itype, pid, ptype, stype, sltype, dtype,
     d) = DUMPED.unpack_from(data, off)
    if (ntype & 0x3fff, gtype, itype, ptype, stype, sltype,
            dtype) != DUMPED_TYPES:
        return None
    return g, pid, d


def check_dump(got, want, what):
    keys = [(g, pid) for g, pid, _ in got]
    log_test(f'{what}: {len(want)} policies dumped', len(got) == len(want))
    log_test(f'{what}: each exactly once', len(set(keys)) == len(keys) and
             set(keys) == set(want))
    log_test(f'{what}: in (group, id) order', keys == sorted(keys))
    log_test(f'{what}: each with its own selector',
             all(want.get((g, pid)) == d for g, pid, d in got))


def policy_id_nest(g, pid):
    return attr(A['POLICY'], [(POLICY['GROUP_ID'], u16(g)),
                              (POLICY['ID'], u32(pid))])


def dump_while_changing(conn, want):
    """
    Read a dump part by part while a second socket deletes and adds
    policies: each policy that exists throughout appears exactly once, and
    nothing appears that did not exist at some point.
    """
    other = Conn()
    # Around the dump's position (group 1, a few hundred policies in) and
    # ahead of it; new ids are ones the groups do not use.
    gone = [(g, pid) for g in (1, 2) for pid in ids(g)[::250]]
    new = [(g, ids(g)[j] + 1) for g in (1, 3) for j in range(0, 3000, 30)]
    got, parts = [], 0
    for part in conn.dump_parts('POLICY_GET', A['POLICY'], KEYS,
                                   fast=fast_policy):
        got.extend(part)
        parts += 1
        if parts == 3:
            for g, pid in gone:
                other.ok('POLICY_DEL', policy_id_nest(g, pid))
            for g, pid in new:
                other.ok('POLICY_NEW', policy_nest(g, pid, 'bypass'))
    keys = [(g, pid) for g, pid, _ in got]
    print(f'#   {len(keys)} dumped in {parts} parts while {len(gone)} went '
          f'and {len(new)} came')
    log_test('dump during changes: no policy twice',
             len(keys) == len(set(keys)))
    log_test('dump during changes: every unchanged policy',
             set(want) - set(gone) <= set(keys))
    log_test('dump during changes: no policy that never was',
             set(keys) <= set(want) | set(new))
    log_test('dump during changes: flagged NLM_F_DUMP_INTR', conn.dump_intr)
    # Put the table back as it was.
    index = {(g, pid): i for g in (1, 2) for i, pid in enumerate(ids(g))}
    for g, pid in gone:
        other.ok('POLICY_NEW', policy_attrs(g, pid, index[(g, pid)]))
    for g, pid in new:
        other.ok('POLICY_DEL', policy_id_nest(g, pid))


def main():
    conn = Conn(rcvbuf=8 << 20)
    for g in GROUPS:
        conn.ok('GROUP_NEW', group_nest(g))
    want = expected()

    t = time.monotonic()
    failed = add_all(conn)
    print(f'# added {len(want)} policies in {time.monotonic() - t:.1f} s')
    if failed:
        print(f'# {failed} failed')
    log_test(f'{len(want)} policies added from one socket', not failed)

    t = time.monotonic()
    got, parts = conn.dump_ids('POLICY_GET', A['POLICY'], KEYS,
                                 fast=fast_policy)
    print(f'# dumped {len(got)} policies in {parts} parts, '
          f'{time.monotonic() - t:.1f} s')
    log_test('the dump took many parts (resumed)', parts > 10)
    check_dump(got, want, 'full dump')
    log_test('full dump: not flagged as interrupted', not conn.dump_intr)

    grp2 = {k: v for k, v in want.items() if k[0] == 2}
    got, parts = conn.dump_ids('POLICY_GET', A['POLICY'], KEYS,
                               attr(A['POLICY'],
                                    [(POLICY['GROUP_ID'], u16(2))]),
                               fast_policy)
    check_dump(got, grp2, 'dump of group 2')
    last = {k: v for k, v in want.items() if k[0] == 65535}
    got, parts = conn.dump_ids('POLICY_GET', A['POLICY'], KEYS,
                               attr(A['POLICY'],
                                    [(POLICY['GROUP_ID'], u16(65535))]),
                               fast_policy)
    check_dump(got, last, 'dump of group 65535')

    dump_while_changing(conn, want)
    got, parts = conn.dump_ids('POLICY_GET', A['POLICY'], KEYS,
                                 fast=fast_policy)
    check_dump(got, want, 'dump after the changes')

    t = time.monotonic()
    conn.ok('POLICY_FLUSH')
    print(f'# flushed in {time.monotonic() - t:.1f} s')
    got, parts = conn.dump_ids('POLICY_GET', A['POLICY'], KEYS,
                                 fast=fast_policy)
    log_test('no policy left after a flush', not got)
    return exit_status()


if __name__ == '__main__':
    sys.exit(main())
