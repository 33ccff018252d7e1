#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
#
# The work of nl_limits.sh, in the namespace and with the credentials under
# test:
#
#   caps WHO    with the module's limits lowered to GROUPS groups, POLICIES
#               policies and SAS SAs per group (nl_limits.sh sets them),
#               fill an empty namespace to each limit: the request beyond it
#               fails with ENOSPC and an extended ACK naming the module
#               parameter, and adds nothing; a deleted object makes room
#               for one more
#   caps-userns WHO  the same, for a caller in a user namespace of its own,
#               who cannot raise the limits either
#   memcg       in a memory cgroup of its own: MEMCG_OBJS policies and as
#               many SAs show in the cgroup's memory.stat, as slab (the
#               objects) and percpu (their counters)

import errno
import os
import sys
import time

from gvpn_nl import A, POLICY, attr, u16, u32
from nl_util import (Conn, exit_status, group_nest, ipv4_dst, log_test,
                     policy_nest, sa_id_nest, sa_nest)

GROUPS, POLICIES, SAS = 3, 20, 10
PARAMS = '/sys/module/gvpn/parameters/'
MEMCG_OBJS = 1000
# The smallest objects each policy and SA allocates: a policy (kmalloc-128),
# an SA (two algorithm names alone are 256 bytes), and 224 bytes of
# counters per CPU for each.
POLICY_SLAB, SA_SLAB, STATS_PER_CPU = 128, 256, 224


def refused(conn, who, what, cmd, attrs, param):
    """The request beyond a limit: ENOSPC, naming the parameter."""
    _, ack = conn.ask(cmd, attrs)
    if ack.errno != errno.ENOSPC or param not in ack.msg:
        print(f'#   {what}: {ack}')
    return log_test(f'{who}: {what} refused, naming {param}',
                    ack.errno == errno.ENOSPC and param in ack.msg)


def cannot_raise(who):
    for name in ('max_groups', 'max_policies', 'max_sas'):
        try:
            with open(PARAMS + name, 'w') as f:
                f.write('1000000')
            ok = False
        except OSError:
            ok = True
        log_test(f'{who}: cannot raise {name}', ok)


def added(conn, requests):
    """Whether every request of a batch succeeded."""
    if conn.batch(requests):
        print(f'#   {conn.first_error}')
        return False
    return True


def caps(who):
    conn = Conn()

    log_test(f'{who}: {GROUPS} groups fit', added(
        conn, [('GROUP_NEW', group_nest(g)) for g in range(1, GROUPS + 1)]))
    refused(conn, who, 'one group more', 'GROUP_NEW', group_nest(99),
            'max_groups')
    _, ack = conn.ask('GROUP_GET', group_nest(99))
    log_test(f'{who}: and it is not there', ack.errno == errno.ENOENT)

    log_test(f'{who}: {POLICIES} policies fit in a group', added(
        conn, [('POLICY_NEW', policy_nest(1, p, 'encrypt',
                                          dst=ipv4_dst(p) + '/32'))
               for p in range(1, POLICIES + 1)]))
    refused(conn, who, 'one policy more', 'POLICY_NEW',
            policy_nest(1, 999, 'bypass'), 'max_policies')
    log_test(f'{who}: another group has room for its own',
             added(conn, [('POLICY_NEW', policy_nest(2, 999, 'bypass'))]))
    conn.ok('POLICY_DEL', attr(A['POLICY'], [(POLICY['GROUP_ID'], u16(1)),
                                             (POLICY['ID'], u32(POLICIES))]))
    log_test(f'{who}: a deleted policy makes room for one',
             added(conn, [('POLICY_NEW', policy_nest(1, 999, 'bypass'))]))

    log_test(f'{who}: {SAS} SAs fit in a group', added(
        conn, [('SA_NEW', sa_nest(1, 1, 0x1000 + s)) for s in range(SAS)]))
    refused(conn, who, 'one SA more', 'SA_NEW', sa_nest(1, 2, 0x2000),
            'max_sas')
    _, ack = conn.ask('SA_GET', sa_id_nest(1, 0x2000))
    log_test(f'{who}: and it is not there', ack.errno == errno.ENOENT)
    conn.ok('SA_DEL', sa_id_nest(1, 0x1000))
    log_test(f'{who}: a deleted SA makes room for one',
             added(conn, [('SA_NEW', sa_nest(1, 2, 0x2000))]))


def memcg_stat():
    """(slab, percpu) bytes charged to our memory cgroup."""
    with open('/proc/self/cgroup') as f:
        path = f.read().strip().split('::')[-1]
    stat = {}
    with open(f'/sys/fs/cgroup{path}/memory.stat') as f:
        for line in f:
            key, val = line.split()
            stat[key] = int(val)
    return stat['slab'], stat['percpu']


def possible_cpus():
    n = 0
    with open('/sys/devices/system/cpu/possible') as f:
        for part in f.read().strip().split(','):
            lo, _, hi = part.partition('-')
            n += int(hi or lo) - int(lo) + 1
    return n


def memcg():
    conn = Conn(rcvbuf=8 << 20)
    slab0, percpu0 = memcg_stat()
    conn.ok('GROUP_NEW', group_nest(1))
    log_test(f'{MEMCG_OBJS} policies and {MEMCG_OBJS} SAs added', added(
        conn, [('POLICY_NEW', policy_nest(1, p, 'encrypt',
                                          dst=ipv4_dst(p) + '/32'))
               for p in range(1, MEMCG_OBJS + 1)] +
        [('SA_NEW', sa_nest(1, 1 + s, 0x1000 + s))
         for s in range(MEMCG_OBJS)]))
    want_slab = MEMCG_OBJS * (POLICY_SLAB + SA_SLAB)
    want_percpu = 2 * MEMCG_OBJS * STATS_PER_CPU * possible_cpus()
    # memory.stat is flushed from per-CPU deltas lazily: poll a little
    end = time.monotonic() + 10
    while True:
        slab, percpu = memcg_stat()
        slab, percpu = slab - slab0, percpu - percpu0
        if (slab >= want_slab and percpu >= want_percpu) or \
           time.monotonic() > end:
            break
        time.sleep(0.2)
    print(f'# charged: slab +{slab // 1024} kB (at least '
          f'{want_slab // 1024} expected), percpu +{percpu // 1024} kB '
          f'(at least {want_percpu // 1024})')
    log_test('the memory cgroup is charged for the objects (slab)',
             slab >= want_slab)
    log_test('... and for their per-CPU counters (percpu)',
             percpu >= want_percpu)
    conn.ok('GROUP_DEL', group_nest(1))


def main():
    if sys.argv[1] == 'caps':
        caps(sys.argv[2])
    elif sys.argv[1] == 'caps-userns':
        cannot_raise(sys.argv[2])
        caps(sys.argv[2])
    elif sys.argv[1] == 'memcg':
        memcg()
    return exit_status()


if __name__ == '__main__':
    sys.exit(main())
