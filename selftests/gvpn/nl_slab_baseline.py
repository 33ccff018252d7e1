#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
#
# The work of nl_slab_baseline.sh, as root in a fresh network namespace
# (it reads /proc/slabinfo and writes /sys/kernel/slab/*/shrink).
#
# One cycle: 10,000 policies in group 1 (10 encrypt, the rest bypass, each
# with its own /32) and 10,000 AES-GCM SAs on the 10 encrypt policies, then
# an SA flush and a policy flush. A first cycle warms up (crypto modules,
# slab pages, per-CPU chunks); the baseline is taken after it; the measured
# cycle must bring memory back to that baseline.
#
# What is compared, after shrinking every slab cache (so free objects in
# per-CPU slabs and empty slabs are not counted):
#   - each cache's allocated objects (/proc/slabinfo active_objs): within
#     2,000 of the baseline. The system's own noise here is a few hundred
#     objects (kmalloc-96 and kmalloc-8 move by up to ~500 on an idle VM);
#     a leak of one object per policy or per SA is 10,000 objects in one
#     cache, five times the tolerance.
#   - Slab: in /proc/meminfo: within 320 kB. Noise is under ~150 kB; the
#     smallest allocation made per object is 64 bytes (a classifier node
#     per /32 policy in kmalloc-64), so leaking any one allocation per
#     object is at least 10,000 x 64 B = 640 kB, twice the tolerance.
#   - Percpu: in /proc/meminfo: within 768 kB. Each policy and SA has
#     per-CPU counters (160 bytes per CPU), so leaking them is 10,000 x
#     160 B x 2 CPUs = 3.2 MB in the test VM. Percpu: counts populated
#     pages, which the allocator keeps and releases a chunk at a time: after
#     identical cycles it was seen anywhere from 250 kB above to 2 MB below
#     the baseline. 768 kB is three times the rise; a 3.2 MB leak shows even
#     when a 2 MB chunk is released in the same cycle. It cannot see an
#     SA's 16-byte percpu_ref alone (160 kB): no per-CPU figure is that
#     exact without CONFIG_PERCPU_STATS, which Debian kernels lack.
# Frees are deferred (RCU, the SA and group workqueues): the comparison is
# polled for up to 30 s until it holds.

import glob
import sys
import time

from gvpn_nl import CMD
from nl_util import (Conn, exit_status, group_nest, ipv4_dst, log_test,
                     policy_nest, sa_nest)

POLICIES, SAS, ENCRYPT = 10000, 10000, 10
OBJ_TOLERANCE = 2000
SLAB_TOLERANCE_KB = 320
PERCPU_TOLERANCE_KB = 768


class Mem:
    def __init__(self):
        for f in glob.glob('/sys/kernel/slab/*/shrink'):
            try:
                with open(f, 'w') as fh:
                    fh.write('1')
            except OSError:
                pass
        self.objs = {}
        with open('/proc/slabinfo') as f:
            for line in f.readlines()[2:]:
                fields = line.split()
                self.objs[fields[0]] = int(fields[1])
        mem = {}
        with open('/proc/meminfo') as f:
            for line in f:
                key, val = line.split(':')
                mem[key] = int(val.split()[0])
        self.slab, self.percpu = mem['Slab'], mem['Percpu']

    def minus(self, base):
        """(largest per-cache growth as (objects, cache), slab kB,
        percpu kB) since base."""
        grow = max((n - base.objs.get(c, 0), c) for c, n in self.objs.items())
        return grow, self.slab - base.slab, self.percpu - base.percpu


def requests(conn):
    pol = [conn.message(CMD['POLICY_NEW'], policy_nest(1, i, 'encrypt' if i <= ENCRYPT
                                       else 'bypass',
                                       dst=ipv4_dst(i) + '/32'), 0)[1]
           for i in range(1, POLICIES + 1)]
    sas = [conn.message(CMD['SA_NEW'], sa_nest(1, 1 + i % ENCRYPT, 0x1000 + i), 0)[1]
           for i in range(SAS)]
    return pol, sas


def cycle(conn, pol, sas, measure_loaded=None):
    """Add, optionally measure, flush. Returns the failures."""
    errors = conn.send_many(pol) + conn.send_many(sas)
    counts = (len(conn.dump('POLICY_GET')), len(conn.dump('SA_GET')))
    loaded = Mem() if measure_loaded else None
    conn.ok('SA_FLUSH')
    conn.ok('POLICY_FLUSH')
    return errors, counts, loaded


def settled(base, deadline):
    """Poll until memory is back within the tolerances, or give up."""
    while True:
        grow, slab, percpu = Mem().minus(base)
        ok = (grow[0] < OBJ_TOLERANCE and slab < SLAB_TOLERANCE_KB and
              percpu < PERCPU_TOLERANCE_KB)
        if ok or time.monotonic() > deadline:
            return ok, grow, slab, percpu
        time.sleep(0.5)


def main():
    conn = Conn(rcvbuf=8 << 20)
    conn.ok('GROUP_NEW', group_nest(1))
    pol, sas = requests(conn)

    t = time.monotonic()
    errors, counts, _ = cycle(conn, pol, sas)
    print(f'# warm-up cycle: {time.monotonic() - t:.1f} s')
    log_test('warm-up: 10,000 policies and 10,000 SAs added',
             not errors and counts == (POLICIES, SAS))
    time.sleep(1)
    base = Mem()
    print(f'# baseline: Slab {base.slab} kB, Percpu {base.percpu} kB')

    t = time.monotonic()
    errors, counts, loaded = cycle(conn, pol, sas, measure_loaded=True)
    for e in errors[:3]:
        print(f'#   {e}')
    print(f'# measured cycle: {time.monotonic() - t:.1f} s')
    log_test('10,000 policies and 10,000 SAs added',
             not errors and counts == (POLICIES, SAS))

    # The measurement sees them: what a leak would leave behind.
    grow, slab, percpu = loaded.minus(base)
    print(f'# loaded: +{grow[0]} objects in {grow[1]}, Slab +{slab} kB, '
          f'Percpu +{percpu} kB')
    log_test('loaded: 10,000 objects seen in one cache', grow[0] >= 10000)
    log_test('loaded: Slab grew by more than 10,000 x 64 B',
             slab >= 10000 * 64 // 1024)
    log_test('loaded: Percpu grew by more than 10,000 x 160 B',
             percpu >= 10000 * 160 // 1024)
    log_test('flushed: no policy and no SA left',
             not conn.dump('POLICY_GET') and not conn.dump('SA_GET'))

    t = time.monotonic()
    ok, grow, slab, percpu = settled(base, time.monotonic() + 30)
    print(f'# after the flush ({time.monotonic() - t:.1f} s): '
          f'+{grow[0]} objects in {grow[1]}, Slab {slab:+} kB, '
          f'Percpu {percpu:+} kB')
    log_test(f'every slab cache within {OBJ_TOLERANCE} objects of baseline',
             grow[0] < OBJ_TOLERANCE)
    log_test(f'Slab within {SLAB_TOLERANCE_KB} kB of baseline',
             slab < SLAB_TOLERANCE_KB)
    log_test(f'Percpu within {PERCPU_TOLERANCE_KB} kB of baseline',
             percpu < PERCPU_TOLERANCE_KB)
    return exit_status()


if __name__ == '__main__':
    sys.exit(main())
