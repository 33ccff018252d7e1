#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
#
# The work of nl_events.sh, in its network namespace:
#
#   run SEQFILE        subscribe to "events", make SAs come and go, check
#                      what arrives; write the SA events seen, in order, to
#                      SEQFILE (JSON) for the comparison with gvpn monitor
#   monitor JSONFILE SEQFILE
#                      gvpn -j monitor's output reports the same SA events
#                      in the same order
#
# Only the SA events this test is about are compared (added, removed, soft
# and hard expiry); others (keys up/down, activation) may come in between.

import errno
import json
import sys
import time

from gvpn_nl import A, POLICY, SA, attr, parse_attrs, u16, u32
from nl_util import (Conn, Listener, exit_status, get_u, group_nest,
                     log_test, policy_nest, sa_id_nest, sa_nest)

SA_EVENTS = ('SA_ADDED', 'SA_REMOVED', 'SA_SOFT_EXPIRED', 'SA_HARD_EXPIRED')
SYNC_GROUP = 999


def sa_events(events, spi=None):
    """(type, group, spi, policy) of the SA events, of one SPI or all."""
    return [(e['type'], e.get('group_id'), e.get('spi'), e.get('policy_id'))
            for e in events if e['type'] in SA_EVENTS and
            (spi is None or e.get('spi') == spi)]


def exists(conn, gid, spi):
    _, ack = conn.ask('SA_GET', sa_id_nest(gid, spi))
    return ack.errno == 0


def run(seqfile):
    conn = Conn()
    ev = Listener(conn)
    seen = []

    def collect(pred, timeout):
        got = ev.wait(lambda g: pred(seen + g), timeout)
        seen.extend(got)
        return got

    def removals(*keys):
        """
        Wait for the removal of (group, SPI) keys, and half a second more
        for anything unexpected. Returns the SPIs removed, sorted, and the
        SA events but additions.
        """
        def done(s):
            gone = {(e[1], e[2]) for e in sa_events(s) if e[0] == 'SA_REMOVED'}
            return set(keys) <= gone
        start = len(seen)
        collect(done, 10)
        collect(lambda s: False, 0.5)
        evs = [e for e in sa_events(seen[start:]) if e[0] != 'SA_ADDED']
        return sorted(e[2] for e in evs if e[0] == 'SA_REMOVED'), evs

    conn.ok('GROUP_NEW', group_nest(1))
    conn.ok('GROUP_NEW', group_nest(2))
    for g in (1, 2):
        for pid in (10, 20):
            conn.ok('POLICY_NEW', policy_nest(g, pid, 'encrypt',
                                              dst=f'10.{g}.{pid}.0/24'))

    # Added and removed, with the SA's identity.
    conn.ok('SA_NEW', sa_nest(1, 10, 0x1000))
    got = collect(lambda s: sa_events(s, 0x1000), 10)
    log_test('SA added: one event with group, SPI and policy',
             sa_events(got, 0x1000) == [('SA_ADDED', 1, 0x1000, 10)])
    conn.ok('SA_DEL', sa_id_nest(1, 0x1000))
    got = collect(lambda s: len(sa_events(s, 0x1000)) >= 2, 10)
    log_test('SA deleted: one removed event',
             sa_events(got, 0x1000) == [('SA_REMOVED', 1, 0x1000, 10)])

    # A refused SA sends nothing.
    conn.ok('SA_NEW', sa_nest(1, 10, 0x1001))
    _, ack = conn.ask('SA_NEW', sa_nest(1, 20, 0x1001))
    got = collect(lambda s: False, 1)
    log_test('a refused SA (duplicate SPI) sends no event',
             ack.errno == errno.EEXIST and
             sa_events(got) == [('SA_ADDED', 1, 0x1001, 10)])

    # Lifetimes: soft 2 s and hard 3 s; hard 2 s alone; soft 2 s alone.
    t0 = time.monotonic()
    conn.ok('SA_NEW', sa_nest(1, 20, 0x2000, soft=2, hard=3))
    conn.ok('SA_NEW', sa_nest(2, 10, 0x3000, hard=2))
    conn.ok('SA_NEW', sa_nest(2, 20, 0x4000, soft=2))

    def expired(s):
        kinds = [e[0] for e in sa_events(s)]
        return kinds.count('SA_HARD_EXPIRED') >= 2 and \
            kinds.count('SA_SOFT_EXPIRED') >= 2
    got = collect(expired, 15)
    # Anything else would have come by now: a second after the last.
    got += collect(lambda s: False, 1)
    at = {(e['type'], e['spi']): e['at'] - t0 for e in got
          if e['type'] in SA_EVENTS}
    for (kind, spi), t in sorted(at.items(), key=lambda kv: kv[1]):
        print(f'#   {kind} {spi:#x} after {t:.2f} s')
    log_test('soft 2 s, hard 3 s: added, soft expired, hard expired',
             sa_events(got, 0x2000) == [
                 ('SA_ADDED', 1, 0x2000, 20),
                 ('SA_SOFT_EXPIRED', 1, 0x2000, 20),
                 ('SA_HARD_EXPIRED', 1, 0x2000, 20)])
    log_test('soft expiry not before 2 s, hard not before 3 s',
             at.get(('SA_SOFT_EXPIRED', 0x2000), 0) >= 2 and
             at.get(('SA_HARD_EXPIRED', 0x2000), 0) >= 3)
    log_test('hard expiry removes the SA (get fails with ENOENT)',
             conn.ask('SA_GET', sa_id_nest(1, 0x2000))[1].errno ==
             errno.ENOENT)
    log_test('hard expiry removes the SA from the dump',
             0x2000 not in spis(conn))
    log_test('hard 2 s alone: added, hard expired, nothing else',
             sa_events(got, 0x3000) == [('SA_ADDED', 2, 0x3000, 10),
                                        ('SA_HARD_EXPIRED', 2, 0x3000, 10)]
             and at.get(('SA_HARD_EXPIRED', 0x3000), 0) >= 2)
    log_test('soft 2 s alone: added, soft expired, the SA stays',
             sa_events(got, 0x4000) == [('SA_ADDED', 2, 0x4000, 20),
                                        ('SA_SOFT_EXPIRED', 2, 0x4000, 20)]
             and exists(conn, 2, 0x4000))

    # Removal through the policy, a flush and the group: one event each.
    for spi in (0x5000, 0x5001):
        conn.ok('SA_NEW', sa_nest(1, 10, spi))
    conn.ok('SA_NEW', sa_nest(1, 20, 0x5002))
    conn.ok('POLICY_DEL', attr(A['POLICY'], [(POLICY['GROUP_ID'], u16(1)),
                                             (POLICY['ID'], u32(10))]))
    removed, evs = removals((1, 0x1001), (1, 0x5000), (1, 0x5001))
    log_test('deleting a policy removes its SAs, one event each',
             removed == [0x1001, 0x5000, 0x5001] and
             len(evs) == 3 and exists(conn, 1, 0x5002))
    conn.ok('SA_NEW', sa_nest(2, 10, 0x6000))
    conn.ok('SA_FLUSH', attr(A['SA'], [(SA['GROUP_ID'], u16(2))]))
    removed, evs = removals((2, 0x4000), (2, 0x6000))
    log_test('an SA flush of a group: one event per SA',
             removed == [0x4000, 0x6000] and len(evs) == 2 and
             exists(conn, 1, 0x5002))
    conn.ok('GROUP_DEL', group_nest(1))
    removed, evs = removals((1, 0x5002))
    log_test('deleting a group: one event per SA',
             evs == [('SA_REMOVED', 1, 0x5002, 20)])

    with open(seqfile, 'w') as f:
        json.dump(sa_events(seen), f)
    return exit_status()


def spis(conn):
    """The SPIs of every SA in the namespace."""
    return [get_u(parse_attrs(r[A['SA']][0])[SA['SPI']][0])
            for r in conn.dump('SA_GET')]


def monitor(jsonfile, seqfile):
    with open(seqfile) as f:
        want = [tuple(e) for e in json.load(f)]
    got = []
    with open(jsonfile) as f:
        for line in f:
            e = json.loads(line)
            kind = e['event'].upper().replace('-', '_')
            # group SYNC_GROUP is nl_events.sh's, to know the monitor runs
            if kind in SA_EVENTS and e['sa']['group'] != SYNC_GROUP:
                s = e['sa']
                got.append((kind, s['group'], s['spi'], s['policy']))
    if got != want:
        print(f'#   monitor: {got}')
        print(f'#   netlink: {want}')
    log_test(f'gvpn monitor reported the same {len(want)} SA events',
             got == want and len(want) > 10)
    return exit_status()


if __name__ == '__main__':
    if sys.argv[1] == 'run':
        sys.exit(run(sys.argv[2]))
    sys.exit(monitor(sys.argv[2], sys.argv[3]))
