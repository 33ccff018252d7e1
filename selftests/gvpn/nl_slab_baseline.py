#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
#
# The work of nl_slab_baseline.sh, as root in a fresh network namespace
# (it reads /proc/slabinfo and writes /sys/kernel/slab/*/shrink).
#
# One cycle: 10,000 policies in group 1 (10 encrypt, the rest bypass, each
# with its own /32) and 10,000 AES-GCM SAs on the 10 encrypt policies, then
# an SA flush and a policy flush. A first cycle warms up (crypto modules,
# slab pages, per-CPU chunks); the baseline is taken after it; the second
# cycle must bring memory back to that baseline.
#
# Slab, compared after shrinking every cache (so free objects in per-CPU
# slabs and empty slabs do not count), with the baseline:
#   - each cache's allocated objects (/proc/slabinfo active_objs): within
#     2,000. The system's own noise is a few hundred objects (kmalloc-96
#     and kmalloc-8 move by up to ~500 on an idle VM); a leak of one object
#     per policy or per SA is 10,000 objects in one cache, five times the
#     tolerance.
#   - Slab: in /proc/meminfo: within 320 kB. Noise is under ~150 kB; the
#     smallest allocation made per object is 64 bytes (kmalloc-64: a
#     classifier node per /32 policy, and five per SA), so leaking any one
#     allocation per object is at least 10,000 x 64 B = 640 kB, twice the
#     tolerance.
# Per-CPU memory (Percpu: in /proc/meminfo) is compared between the loaded
# states of the two cycles instead: after a flush the figure depends on
# which per-CPU chunks the allocator keeps populated (it was seen 2 MB
# below and 2 MB above the baseline after identical cycles), while loaded
# it repeats within 16 kB from cycle to cycle. Whatever the first cycle
# leaked is still allocated while the second is loaded, on top of the same
# new objects. The tolerance, 512 kB, is a sixth of a leak of the
# per-object counters (160 B per CPU: 10,000 x 160 B x 2 CPUs = 3.2 MB).
# Percpu: counts populated pages, so smaller per-CPU leaks can hide in the
# free space of populated chunks: an SA's percpu_ref counter (160 kB for
# 10,000) does; its leak is caught by the slab checks instead, through the
# percpu_ref_data each SA's ref also allocates (kmalloc-64).
#
# Checked by hand with gvpn.ko builds that leak on purpose (6.1): not
# freeing a policy's counters raised loaded Percpu by 3,136 kB; not freeing
# classifier nodes left +10,000 kmalloc-64 objects and Slab +620 kB; not
# calling percpu_ref_exit() left +10,000 kmalloc-64 objects and Slab
# +1,056 kB. Each failed this test; the real module passes with at most a
# few hundred objects, 150 kB of Slab and 16 kB of Percpu of difference.
# Frees are deferred (RCU, the SA and group workqueues): the slab
# comparison is polled for up to 30 s until it holds, and for 3 s more to
# take the smallest readings.

import glob
import sys
import time

from gvpn_nl import CMD
from nl_util import (Conn, exit_status, group_nest, ipv4_dst, log_test,
                     policy_nest, sa_nest)

POLICIES, SAS, ENCRYPT = 10000, 10000, 10
OBJ_TOLERANCE = 2000
SLAB_TOLERANCE_KB = 320
PERCPU_TOLERANCE_KB = 512


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


def cycle(conn, pol, sas):
    """Add, measure, flush. Returns (failures, counts, loaded Mem)."""
    errors = conn.send_many(pol) + conn.send_many(sas)
    counts = (len(conn.dump('POLICY_GET')), len(conn.dump('SA_GET')))
    loaded = Mem()
    conn.ok('SA_FLUSH')
    conn.ok('POLICY_FLUSH')
    return errors, counts, loaded


def settled(base, timeout=30, linger=3):
    """
    Poll until slab usage is back within the tolerances of @base, or give
    up; then go on for @linger seconds, since deferred frees may still be
    landing. Returns the smallest readings seen: (largest growth of a
    cache as (objects, cache), Slab kB difference). A leak never goes
    away, so the smallest reading is the one to judge.
    """
    deadline = time.monotonic() + timeout
    best = None
    while True:
        grow, slab, _ = Mem().minus(base)
        best = (min(best[0], grow), min(best[1], slab)) if best else \
            (grow, slab)
        if best[0][0] < OBJ_TOLERANCE and best[1] < SLAB_TOLERANCE_KB:
            deadline = min(deadline, time.monotonic() + linger)
        if time.monotonic() > deadline:
            return best
        time.sleep(0.5)


def check_slab(grow, slab):
    log_test(f'every slab cache within {OBJ_TOLERANCE} objects of baseline',
             grow[0] < OBJ_TOLERANCE)
    log_test(f'Slab within {SLAB_TOLERANCE_KB} kB of baseline',
             slab < SLAB_TOLERANCE_KB)


def check_percpu(first, second):
    """The loaded states of two identical cycles (see above)."""
    diff = second.percpu - first.percpu
    print(f'# loaded Percpu: {first.percpu} kB, then {second.percpu} kB')
    log_test(f'loaded Percpu repeats within {PERCPU_TOLERANCE_KB} kB',
             abs(diff) < PERCPU_TOLERANCE_KB)


def main():
    conn = Conn(rcvbuf=8 << 20)
    conn.ok('GROUP_NEW', group_nest(1))
    pol, sas = requests(conn)

    t = time.monotonic()
    errors, counts, first = cycle(conn, pol, sas)
    print(f'# warm-up cycle: {time.monotonic() - t:.1f} s')
    log_test('warm-up: 10,000 policies and 10,000 SAs added',
             not errors and counts == (POLICIES, SAS))
    time.sleep(1)
    base = Mem()
    print(f'# baseline: Slab {base.slab} kB, Percpu {base.percpu} kB')

    t = time.monotonic()
    errors, counts, loaded = cycle(conn, pol, sas)
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
    log_test('flushed: no policy and no SA left',
             not conn.dump('POLICY_GET') and not conn.dump('SA_GET'))

    t = time.monotonic()
    grow, slab = settled(base)
    print(f'# after the flush ({time.monotonic() - t:.1f} s): '
          f'+{grow[0]} objects in {grow[1]}, Slab {slab:+} kB')
    check_slab(grow, slab)
    check_percpu(first, loaded)
    return exit_status()


if __name__ == '__main__':
    sys.exit(main())
