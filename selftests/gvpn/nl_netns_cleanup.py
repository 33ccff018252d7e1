#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
#
# Helpers of nl_netns_cleanup.sh.
#
#   fill        in the current netns (holding devices d0 and d2): groups 1
#               to 3, d0 in group 1 and d2 in group 2, 10,000 policies and
#               10,000 SAs (AES-GCM and AES-CBC with HMAC-SHA256)
#   devs GROUP  print the ifindexes attached to GROUP, or "none"
#   memory      as root in the initial netns: a netns is filled and deleted
#               once to warm up, then again; slab usage must come back to
#               what it was between the two, and per-CPU usage while
#               filled must repeat (the checks and tolerances of
#               nl_slab_baseline.py, for the same 10,000 + 10,000 objects)

import socket
import subprocess
import sys
import time

from gvpn_nl import A, CMD, GROUP, parse_attrs
from nl_slab_baseline import Mem, check_percpu, check_slab, settled
from nl_util import (Conn, exit_status, get_u, group_nest, ipv4_dst,
                     log_test, policy_nest, sa_cbc_nest, sa_nest)

POLICIES, SAS, ENCRYPT = 10000, 10000, 20   # ENCRYPT per group


def fill():
    conn = Conn(rcvbuf=8 << 20)
    for g in (1, 2, 3):
        conn.ok('GROUP_NEW', group_nest(g, df=g - 1))
    conn.ok('DEV_ADD', group_nest(1, ifindex=socket.if_nametoindex('d0')))
    conn.ok('DEV_ADD', group_nest(2, ifindex=socket.if_nametoindex('d2')))
    # Policy i belongs to group 1 + i % 3; the first 3 * ENCRYPT encrypt,
    # and the SAs are spread over them, one in ten AES-CBC.
    group = [None] + [1 + i % 3 for i in range(1, POLICIES + 1)]
    msgs = [conn.message(CMD['POLICY_NEW'], policy_nest(
        group[i], i, 'encrypt' if i <= 3 * ENCRYPT else 'bypass',
        dst=ipv4_dst(i) + '/32'), 0)[1] for i in range(1, POLICIES + 1)]
    enc = {g: [p for p in range(1, 3 * ENCRYPT + 1) if group[p] == g]
           for g in (1, 2, 3)}
    for i in range(SAS):
        g = 1 + i % 3
        pid = enc[g][(i // 3) % ENCRYPT]
        nest = sa_cbc_nest if i % 10 == 0 else sa_nest
        msgs.append(conn.message(CMD['SA_NEW'],
                                 nest(g, pid, 0x1000 + i), 0)[1])
    errors = conn.send_many(msgs)
    for e in errors[:3]:
        print(f'#   {e}')
    counts = (len(conn.dump('POLICY_GET')), len(conn.dump('SA_GET')))
    if errors or counts != (POLICIES, SAS):
        print(f'# fill: {len(errors)} errors, {counts} objects')
        return 1
    return 0


def devs(gid):
    conn = Conn()
    g = parse_attrs(conn.ok('GROUP_GET', group_nest(gid))[0][A['GROUP']][0])
    print(' '.join(str(get_u(i)) for i in g.get(GROUP['IFINDEX'], []))
          or 'none')
    return 0


def sh(*cmd):
    return subprocess.run(cmd, check=True)


def filled_netns(name, script):
    """
    Create netns @name with devices, fill it, measure memory, delete it.
    Returns (the fill's exit status, the loaded Mem).
    """
    sh('ip', 'netns', 'add', name)
    try:
        for a, b in (('d0', 'd1'), ('d2', 'd3')):
            sh('ip', '-n', name, 'link', 'add', a, 'type', 'veth', 'peer',
               'name', b)
        rc = subprocess.run(['ip', 'netns', 'exec', name, sys.executable,
                             script, 'fill']).returncode
        loaded = Mem()
    finally:
        sh('ip', 'netns', 'del', name)
    return rc, loaded


def memory():
    script = sys.argv[0]
    pre = Mem()
    rc, first = filled_netns('gvpn-warmup', script)
    log_test('warm-up: a netns filled with groups, policies and SAs',
             rc == 0)
    # The baseline comes once the warm-up netns has been torn down (its
    # cleanup runs from a workqueue): nine tenths of what it took are back.
    end = time.monotonic() + 30
    while (Mem().slab - pre.slab) * 10 > first.slab - pre.slab and \
            time.monotonic() < end:
        time.sleep(0.5)
    time.sleep(1)
    base = Mem()
    print(f'# baseline: Slab {base.slab} kB, Percpu {base.percpu} kB')

    rc, loaded = filled_netns('gvpn-filled', script)
    log_test('a netns with 3 groups, 10,000 policies and 10,000 SAs',
             rc == 0)
    grow, slab, _ = loaded.minus(base)
    print(f'# loaded: +{grow[0]} objects in {grow[1]}, Slab +{slab} kB')
    log_test('loaded: 10,000 objects seen in one cache', grow[0] >= 10000)

    t = time.monotonic()
    grow, slab = settled(base)
    print(f'# after deleting the netns ({time.monotonic() - t:.1f} s): '
          f'+{grow[0]} objects in {grow[1]}, Slab {slab:+} kB')
    check_slab(grow, slab)
    check_percpu(first, loaded)
    return exit_status()


if __name__ == '__main__':
    mode = sys.argv[1]
    if mode == 'fill':
        sys.exit(fill())
    elif mode == 'devs':
        sys.exit(devs(int(sys.argv[2])))
    elif mode == 'memory':
        sys.exit(memory())
    sys.exit(2)
