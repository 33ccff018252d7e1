#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
#
# The requests behind nl_permissions.sh, run in the namespace and with the
# credentials under test:
#
#   setup     build the state the others expect (groups 1 and 2, d0 in
#             group 1, policies 10 and 20, SA 0x1000)
#   snapshot  print every object of the namespace, for a before/after
#             comparison by a caller with the right to read
#   denied    the caller lacks CAP_NET_ADMIN over the netns: every command,
#             GET, dump and STATS included, fails with EPERM, and so does
#             subscribing to the "events" multicast group
#   denied-userns  the same for a caller that has CAP_NET_ADMIN, but in a
#             user namespace that does not own the netns
#   allowed   every GET and dump works and shows the setup state, the
#             events group can be joined, and every mutating command
#             succeeds (on the setup state)
#   own       setup, then allowed: for a caller in a namespace of its own
#   covered   every command of uapi/linux/gvpn.h but EVENT has a case
#
# The requests are the same valid ones in "denied" and "allowed", so an
# EPERM cannot come from anything but the missing capability.

import errno
import socket
import sys

from gvpn_nl import (A, GROUP, NLM_F_ACK, NLM_F_DUMP, POLICY, SA, attr,
                     parse_attrs, u8, u16, u32)
from nl_util import (Conn, Listener, exit_status, get_u, group_nest,
                     log_test, policy_nest, sa_id_nest, sa_nest, snapshot,
                     uapi_enums)

CAP_NET_ADMIN = 12


def cap_net_admin():
    """Whether CAP_NET_ADMIN is in our effective set (in our userns)."""
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith('CapEff:'):
                return bool(int(line.split()[1], 16) >> CAP_NET_ADMIN & 1)
    return False


def setup(conn):
    d0 = socket.if_nametoindex('d0')
    conn.ok('GROUP_NEW', group_nest(1))
    conn.ok('GROUP_NEW', group_nest(2))
    conn.ok('DEV_ADD', group_nest(1, ifindex=d0))
    conn.ok('POLICY_NEW', policy_nest(1, 10, 'encrypt', dst='10.0.0.0/8'))
    conn.ok('POLICY_NEW', policy_nest(1, 20, 'bypass'))
    conn.ok('SA_NEW', sa_nest(1, 10, 0x1000))


def mutations():
    """Every mutating command, valid and in an order that succeeds."""
    d0, d1 = socket.if_nametoindex('d0'), socket.if_nametoindex('d1')
    pol1 = attr(A['POLICY'], [(POLICY['GROUP_ID'], u16(1))])
    return [
        ('group new', 'GROUP_NEW', group_nest(5)),
        ('group set', 'GROUP_SET', group_nest(1, df=2)),
        ('device attach', 'DEV_ADD', group_nest(5, ifindex=d1)),
        ('device detach', 'DEV_DEL', group_nest(1, ifindex=d0)),
        ('policy new', 'POLICY_NEW', policy_nest(1, 11, 'encrypt')),
        ('SA new', 'SA_NEW', sa_nest(1, 11, 0x5000)),
        ('SA set', 'SA_SET', attr(A['SA'], [(SA['GROUP_ID'], u16(1)),
                                            (SA['SPI'], u32(0x1000)),
                                            (SA['DIR'], u8(1))])),
        ('SA delete', 'SA_DEL', sa_id_nest(1, 0x1000)),
        ('SA flush', 'SA_FLUSH', attr(A['SA'], [(SA['GROUP_ID'], u16(1))])),
        ('policy delete', 'POLICY_DEL',
         attr(A['POLICY'], [(POLICY['GROUP_ID'], u16(1)),
                            (POLICY['ID'], u32(20))])),
        ('policy flush', 'POLICY_FLUSH', pol1),
        ('group delete', 'GROUP_DEL', group_nest(2)),
    ]


def reads():
    """Every read request: (name, command, attributes, flags, replies the
    setup state gives)."""
    pol10 = attr(A['POLICY'], [(POLICY['GROUP_ID'], u16(1)),
                               (POLICY['ID'], u32(10))])
    return [
        ('group get', 'GROUP_GET', group_nest(1), NLM_F_ACK, 1),
        ('group dump', 'GROUP_GET', b'', NLM_F_DUMP, 2),
        ('policy get', 'POLICY_GET', pol10, NLM_F_ACK, 1),
        ('policy dump', 'POLICY_GET', b'', NLM_F_DUMP, 2),
        ('SA get', 'SA_GET', sa_id_nest(1, 0x1000), NLM_F_ACK, 1),
        ('SA dump', 'SA_GET', b'', NLM_F_DUMP, 1),
        ('stats get', 'STATS_GET', b'', NLM_F_ACK, 1),
        # no traffic yet: SA 0x1000 has no sender windows to list
        ('sender dump', 'SENDER_GET', sa_id_nest(1, 0x1000), NLM_F_DUMP, 0),
    ]


def subscribe(conn):
    """0 if joining the events group works, else the errno."""
    try:
        Listener(conn).sock.close()
    except OSError as e:
        return e.errno
    return 0


def check_reads(conn, who):
    """GET and dump requests work and show the setup state; so does
    joining the events group."""
    for name, cmd, attrs, flags, want in reads():
        replies, ack = conn.ask(cmd, attrs, flags)
        if ack.errno:
            print(f'#   {name}: {ack}')
        log_test(f'{who}: {name} works', not ack.errno and
                 len(replies) == want)
    log_test(f'{who}: joining the events group works', subscribe(conn) == 0)


def covered():
    """
    Every command of the uapi but EVENT is in mutations() or reads(): a new
    command without a case here fails the test.
    """
    cmds = {cmd for _, cmd, _ in mutations()}
    cmds |= {cmd for _, cmd, _, _, _ in reads()}
    missing = [n for n, v, _ in uapi_enums()['gvpn_cmd']
               if not n.endswith(('_MAX', '_UNSPEC', '_EVENT')) and
               n[len('GVPN_CMD_'):] not in cmds]
    for n in missing:
        print(f'#   no permission case for {n}')
    log_test('every command of the uapi is tried', not missing)


def denied(who, in_userns):
    if in_userns:
        # It has the capability, but over its own user namespace only.
        log_test(f'{who}: has CAP_NET_ADMIN in its userns', cap_net_admin())
    else:
        log_test(f'{who}: runs without CAP_NET_ADMIN', not cap_net_admin())
    conn = Conn()
    for name, cmd, attrs, flags, _ in reads():
        _, ack = conn.ask(cmd, attrs, flags)
        if ack.errno != errno.EPERM:
            print(f'#   {name}: {ack}')
        log_test(f'{who}: {name} fails with EPERM', ack.errno == errno.EPERM)
    err = subscribe(conn)
    log_test(f'{who}: joining the events group fails with EPERM',
             err == errno.EPERM)
    for name, cmd, attrs in mutations():
        _, ack = conn.ask(cmd, attrs)
        if ack.errno != errno.EPERM:
            print(f'#   {name}: {ack}')
        log_test(f'{who}: {name} fails with EPERM', ack.errno == errno.EPERM)


def allowed(who, conn=None):
    conn = conn or Conn()
    check_reads(conn, who)
    for name, cmd, attrs in mutations():
        _, ack = conn.ask(cmd, attrs)
        if ack.errno:
            print(f'#   {name}: {ack}')
        log_test(f'{who}: {name} succeeds', ack.errno == 0)
    # What the sequence leaves: group 1 (df copy, no device), group 5 with
    # d1, no policy and no SA.
    groups = {}
    for r in conn.dump('GROUP_GET'):
        g = parse_attrs(r[A['GROUP']][0])
        groups[get_u(g[GROUP['ID']][0])] = (
            get_u(g[GROUP['DF_MODE']][0]),
            [get_u(i) for i in g.get(GROUP['IFINDEX'], [])])
    d1 = socket.if_nametoindex('d1')
    log_test(f'{who}: the changes took effect',
             groups == {1: (2, []), 5: (0, [d1])} and
             not conn.dump('POLICY_GET') and not conn.dump('SA_GET'))


def own(who):
    conn = Conn()
    setup(conn)
    log_test(f'{who}: set up its own namespace', True)
    allowed(who, conn)


def main():
    mode, who = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else ''
    if mode == 'setup':
        setup(Conn())
    elif mode in ('denied', 'denied-userns'):
        denied(who, mode == 'denied-userns')
    elif mode == 'allowed':
        allowed(who)
    elif mode == 'covered':
        covered()
    elif mode == 'snapshot':
        print(snapshot(Conn()))
    elif mode == 'own':
        own(who)
    return exit_status()


if __name__ == '__main__':
    sys.exit(main())
