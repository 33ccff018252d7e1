#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
#
# Helpers shared by the gvpn control-plane selftests (nl_*.sh), on top of
# gvpn_nl.py: result lines in lib.sh's format, requests that report every part of the extended ACK, requests
# sent in batches (many per sendmsg) for large tables, lean dumps that check
# the dump's own status, a canonical snapshot of a namespace's objects, and
# an "events" multicast listener. Standard library only.

import os
import re
import select
import socket
import struct
import time

from gvpn_nl import (A, CMD, GROUP, NLM_F_ACK, NLM_F_ACK_TLVS,
                     NLM_F_DUMP, NLM_F_REQUEST, NLMSG_DONE, NLMSG_ERROR,
                     NLMSGERR_ATTR_MISS_NEST, NLMSGERR_ATTR_MISS_TYPE,
                     NLMSGERR_ATTR_MSG, NLMSGERR_ATTR_OFFS, POLICY, SA,
                     SOL_NETLINK, Genl, attr, be32, cstr, ip4, parse_attrs,
                     u8, u16, u32, u64)

NETLINK_ADD_MEMBERSHIP = 1
NLM_F_DUMP_INTR = 0x10
NLM_F_CAPPED = 0x100
SO_RCVBUFFORCE = 33

STATS = dict(TX_PACKETS=2, TX_BYTES=3, RX_PACKETS=4, RX_BYTES=5,
             BYPASS_PACKETS=6, DROP_POLICY=7, DROP_NO_SA=8, DROP_CLEARTEXT=9,
             DROP_UNKNOWN_SPI=10, DROP_AUTH=11, DROP_MALFORMED=12,
             DROP_ADDR_MISMATCH=13, DROP_SELECTOR=14, DROP_NOMEM=15,
             FRAG_NEEDED=16, FRAGMENTED=17, MATCH_PACKETS=18, MATCH_BYTES=19)
ACTION = dict(encrypt=0, bypass=1, drop=2)
ORIGIN = dict(ks=0, local=1)

GCM = 'rfc4106(gcm(aes))'
GCM128_KEY = bytes(range(1, 21))       # 16-byte AES key + 4-byte salt


FAILED = []


def log_test(name, ok):
    """A result line as lib.sh's log_test prints it; see exit_status()."""
    print(f'TEST: {name:<60} [{" OK " if ok else "FAIL"}]', flush=True)
    if not ok:
        FAILED.append(name)
    return ok


def exit_status():
    """kselftest's: 0 if every check passed, else 1."""
    return 1 if FAILED else 0


def get_u(v):
    """An unsigned integer attribute of any width, host order."""
    return int.from_bytes(v, 'little')


class Ack:
    """The outcome of one request: errno (0 on success) and extended ACK."""

    def __init__(self, err=0, msg='', offs=None, miss=None, miss_nest=None):
        self.errno, self.msg = err, msg
        self.offs, self.miss, self.miss_nest = offs, miss, miss_nest

    def __repr__(self):
        name = os.strerror(self.errno) if self.errno else 'ok'
        s = f'errno {self.errno} ({name}) msg "{self.msg}"'
        if self.offs is not None:
            s += f' offset {self.offs}'
        if self.miss is not None:
            s += f' missing type {self.miss}'
        if self.miss_nest is not None:
            s += f' in nest at {self.miss_nest}'
        return s


def parse_ack(mflags, body, done=False):
    """An NLMSG_ERROR body, or with @done an NLMSG_DONE one."""
    err = -struct.unpack('=i', body[:4])[0]
    ack = Ack(err)
    if not mflags & NLM_F_ACK_TLVS:
        return ack
    if done:
        tlvs = body[4:]
    elif mflags & NLM_F_CAPPED:
        tlvs = body[20:]
    else:
        # the echoed request is padded to 4 bytes before the TLVs
        olen = struct.unpack('=I', body[4:8])[0]
        tlvs = body[4 + ((olen + 3) & ~3):]
    tlvs = parse_attrs(tlvs)
    if NLMSGERR_ATTR_MSG in tlvs:
        ack.msg = tlvs[NLMSGERR_ATTR_MSG][0].rstrip(b'\0').decode()
    if NLMSGERR_ATTR_OFFS in tlvs:
        ack.offs = get_u(tlvs[NLMSGERR_ATTR_OFFS][0])
    if NLMSGERR_ATTR_MISS_TYPE in tlvs:
        ack.miss = get_u(tlvs[NLMSGERR_ATTR_MISS_TYPE][0])
    if NLMSGERR_ATTR_MISS_NEST in tlvs:
        ack.miss_nest = get_u(tlvs[NLMSGERR_ATTR_MISS_NEST][0])
    return ack


def messages(data):
    """Split one datagram into (type, flags, seq, body) tuples."""
    while len(data) >= 16:
        mlen, mtype, mflags, mseq, _ = struct.unpack('=IHHII', data[:16])
        if mlen < 16:
            break
        yield mtype, mflags, mseq, data[16:mlen]
        data = data[(mlen + 3) & ~3:]


class Conn(Genl):
    def __init__(self, rcvbuf=None):
        super().__init__()
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, rcvbuf)

    def message(self, cmd, attrs=b'', flags=NLM_F_ACK, reserved=0,
                version=1, msg_type=None):
        self.seq += 1
        payload = struct.pack('=BBH', cmd, version, reserved) + attrs
        hdr = struct.pack('=IHHII', 16 + len(payload),
                          self.family if msg_type is None else msg_type,
                          NLM_F_REQUEST | flags, self.seq, 0)
        return self.seq, hdr + payload

    def ask(self, cmd, attrs=b'', flags=NLM_F_ACK, **kw):
        """Send one request; return (replies, Ack). cmd: name or number."""
        if isinstance(cmd, str):
            cmd = cmd_number(cmd)
        seq, msg = self.message(cmd, attrs, flags, **kw)
        self.sock.send(msg)
        replies = []
        while True:
            for mtype, mflags, mseq, body in messages(self.sock.recv(1 << 20)):
                if mseq != seq:
                    continue
                if mtype == NLMSG_ERROR:
                    ack = parse_ack(mflags, body)
                    if ack.errno or not flags & NLM_F_DUMP:
                        return replies, ack
                elif mtype == NLMSG_DONE:
                    # A dump ends with its status, and its extack on error.
                    ack = parse_ack(mflags, body, done=True)
                    return replies, ack
                else:
                    replies.append(parse_attrs(body[4:]))

    def ok(self, cmd, attrs=b'', **kw):
        replies, ack = self.ask(cmd, attrs, **kw)
        if ack.errno:
            raise OSError(ack.errno, f'{cmd}: {ack}')
        return replies

    def dump(self, cmd, attrs=b''):
        return self.ok(cmd, attrs, flags=NLM_F_DUMP)

    def batch(self, requests, per_send=256):
        """
        Send many requests (cmd, attrs), per_send of them per sendmsg, each
        with an ACK. Returns the number that failed; the first failure's
        Ack is in self.first_error.
        """
        failed = 0
        self.first_error = None
        for i in range(0, len(requests), per_send):
            chunk = requests[i:i + per_send]
            pending = set()
            buf = []
            for cmd, attrs in chunk:
                seq, msg = self.message(cmd_number(cmd), attrs)
                pending.add(seq)
                buf.append(msg)
            self.sock.send(b''.join(buf))
            while pending:
                for mtype, mflags, mseq, body in messages(
                        self.sock.recv(1 << 20)):
                    if mtype != NLMSG_ERROR or mseq not in pending:
                        continue
                    pending.discard(mseq)
                    ack = parse_ack(mflags, body)
                    if ack.errno:
                        failed += 1
                        if not self.first_error:
                            self.first_error = ack
        return failed

    def send_many(self, msgs, per_send=256):
        """
        Send framed requests (without NLM_F_ACK: only failures answer),
        per_send of them per sendmsg; the kernel has processed them all
        when this returns. Returns the Acks of the failures.
        """
        for i in range(0, len(msgs), per_send):
            self.sock.send(b''.join(msgs[i:i + per_send]))
        errors = []
        while True:
            try:
                data = self.sock.recv(1 << 20, socket.MSG_DONTWAIT)
            except BlockingIOError:
                return errors
            for mtype, mflags, _, body in messages(data):
                if mtype == NLMSG_ERROR:
                    errors.append(parse_ack(mflags, body))

    def dump_parts(self, cmd, nest, keys, attrs=b'', fast=None):
        """
        A dump that keeps only the integer attributes @keys of each object's
        @nest, parsed in place (Python is slow under TCG, and 100,000
        objects are many). Yields, per datagram received, the list of
        tuples of the objects in it. fast(data, offset of the message)
        may return the tuple at less cost, or None to parse it here.
        Sets self.dump_intr if a message of the dump (its end included)
        says NLM_F_DUMP_INTR: the objects changed while it ran.
        """
        unpack = struct.unpack_from
        self.dump_intr = False
        seq, msg = self.message(cmd_number(cmd), attrs, NLM_F_DUMP)
        self.sock.send(msg)
        nkeys = len(keys)
        while True:
            data = self.sock.recv(1 << 20)
            out = []
            off, end = 0, len(data)
            while off + 16 <= end:
                mlen, mtype, mflags, mseq = unpack('=IHHI', data, off)
                if mlen < 16:
                    break
                if mseq == seq and mflags & NLM_F_DUMP_INTR:
                    self.dump_intr = True
                if mseq != seq:
                    pass
                elif mtype in (NLMSG_ERROR, NLMSG_DONE):
                    err = -unpack('=i', data, off + 16)[0]
                    if err:
                        raise OSError(err, f'{cmd} dump failed')
                    yield out
                    return
                elif fast and (t := fast(data, off)):
                    out.append(t)
                else:
                    vals = {}
                    a, mend = off + 20, off + mlen
                    while a + 4 <= mend:
                        alen, atype = unpack('=HH', data, a)
                        if atype & 0x3fff == nest:
                            b, nend = a + 4, a + alen
                            while b + 4 <= nend and len(vals) < nkeys:
                                blen, btype = unpack('=HH', data, b)
                                if btype & 0x3fff in keys:
                                    vals[btype & 0x3fff] = int.from_bytes(
                                        data[b + 4:b + blen], 'little')
                                b += (blen + 3) & ~3
                            break
                        a += (alen + 3) & ~3
                    out.append(tuple(vals.get(k) for k in keys))
                off += (mlen + 3) & ~3
            yield out

    def dump_ids(self, cmd, nest, keys, attrs=b'', fast=None):
        """dump_parts() whole: (list of tuples, number of datagrams)."""
        out, parts = [], 0
        for part in self.dump_parts(cmd, nest, keys, attrs, fast):
            out.extend(part)
            parts += 1
        return out, parts


# --- the uapi header, for values the tests must not hard-code --------------

UAPI = os.path.join(os.path.dirname(os.path.realpath(__file__)),
                    '../../uapi/linux/gvpn.h')


def uapi_enums(path=UAPI):
    """
    {enum name: [(member, value, comment)]} from uapi/linux/gvpn.h, so
    that "one past the last attribute" or "the first invalid action" stay
    right as the API grows.
    """
    with open(path) as f:
        text = f.read()
    enums = {}
    for m in re.finditer(r'enum (\w+) \{(.*?)\};', text, re.S):
        members, value, known = [], -1, {}
        for line in m.group(2).splitlines():
            e = re.match(r'\s*(\w+)\s*(?:=\s*([^,/]+?))?\s*,?\s*'
                         r'(?:/\*(.*?)(?:\*/)?)?\s*$', line)
            if not e or not e.group(1):
                continue
            name, expr, comment = e.groups()
            if expr:
                value = eval(expr, {}, known)    # "NAME - 1" or a number
            else:
                value += 1
            known[name] = value
            members.append((name, value, (comment or '').strip()))
        enums[m.group(1)] = members
    return enums


def cmd_number(name):
    """A command's number by its name without GVPN_CMD_, from the header
    (gvpn_nl.CMD may lag behind it)."""
    global _CMDS
    if not _CMDS:
        _CMDS = {n[len('GVPN_CMD_'):]: v
                 for n, v, _ in uapi_enums()['gvpn_cmd']}
    return _CMDS[name]


_CMDS = None


def enum_values(enums, name):
    """{member: value} of one enum."""
    return {n: v for n, v, _ in enums[name]}


# --- requests ---------------------------------------------------------------

def group_nest(gid, df=None, ifindex=None):
    a = [(GROUP['ID'], u16(gid))]
    if df is not None:
        a.append((GROUP['DF_MODE'], u8(df)))
    if ifindex is not None:
        a.append((GROUP['IFINDEX'], u32(ifindex)))
    return attr(A['GROUP'], a)


def policy_nest(gid, pid, action='encrypt', prio=None, src=None, dst=None,
                proto=None, sport=None, dport=None, origin=None):
    """src/dst: 'A.B.C.D/LEN'; sport/dport: (min, max)."""
    a = [(POLICY['GROUP_ID'], u16(gid)), (POLICY['ID'], u32(pid)),
         (POLICY['ACTION'], u8(ACTION[action]))]
    if prio is not None:
        a.append((POLICY['PRIO'], u32(prio)))
    for name, pfx in (('SRC', src), ('DST', dst)):
        if pfx is not None:
            addr, plen = pfx.split('/')
            a.append((POLICY[name], ip4(addr)))
            a.append((POLICY[name + '_PLEN'], u8(int(plen))))
    if proto is not None:
        a.append((POLICY['PROTO'], u8(proto)))
    for name, rng in (('SPORT', sport), ('DPORT', dport)):
        if rng is not None:
            a.append((POLICY[name + '_MIN'], u16(rng[0])))
            a.append((POLICY[name + '_MAX'], u16(rng[1])))
    if origin is not None:
        a.append((POLICY['ORIGIN'], u8(ORIGIN[origin])))
    return attr(A['POLICY'], a)


def sa_nest(gid, pid, spi, key=GCM128_KEY, icv=128, soft=None, hard=None,
            direction=None):
    """An AES-GCM SA."""
    a = [(SA['GROUP_ID'], u16(gid)), (SA['POLICY_ID'], u32(pid)),
         (SA['SPI'], u32(spi)), (SA['AEAD_NAME'], cstr(GCM)),
         (SA['AEAD_KEY'], key), (SA['AEAD_ICV_BITS'], u32(icv))]
    if direction is not None:
        a.append((SA['DIR'], u8(direction)))
    if soft is not None:
        a.append((SA['LIFETIME_SOFT_SECS'], u64(soft)))
    if hard is not None:
        a.append((SA['LIFETIME_HARD_SECS'], u64(hard)))
    return attr(A['SA'], a)


def sa_cbc_nest(gid, pid, spi, enc_key=bytes(32), auth='hmac(sha256)',
                auth_key=bytes(32), trunc=128):
    """An AES-CBC SA with HMAC (by default AES-256, HMAC-SHA256-128)."""
    return attr(A['SA'], [
        (SA['GROUP_ID'], u16(gid)), (SA['POLICY_ID'], u32(pid)),
        (SA['SPI'], u32(spi)), (SA['ENC_NAME'], cstr('cbc(aes)')),
        (SA['ENC_KEY'], enc_key), (SA['AUTH_NAME'], cstr(auth)),
        (SA['AUTH_KEY'], auth_key), (SA['AUTH_TRUNC_BITS'], u32(trunc))])


def sa_id_nest(gid, spi):
    return attr(A['SA'], [(SA['GROUP_ID'], u16(gid)), (SA['SPI'], u32(spi))])


def ipv4_dst(n):
    """A distinct /32 destination for object number n (10.0.0.0/8)."""
    return socket.inet_ntoa(be32(0x0a000000 + n))


# --- state ------------------------------------------------------------------

def _canon(attrs, drop=()):
    """Nested attributes as a sorted, comparable structure."""
    out = []
    for t, vals in sorted(attrs.items()):
        if t in drop:
            continue
        for v in vals:
            out.append((t, v.hex()))
    return tuple(out)


def snapshot(conn):
    """
    Every group, policy and SA of the namespace with all their attributes
    (counters included), except what changes by itself: a group's clock,
    an SA's age and the time left to its (de)activation.
    """
    state = {}
    for cmd, nest, drop in (('GROUP_GET', A['GROUP'], (GROUP['CLOCK_MS'],)),
                            ('POLICY_GET', A['POLICY'], ()),
                            ('SA_GET', A['SA'], (SA['AGE_SECS'],
                                                 SA['ACTIVATE_IN_MS'],
                                                 SA['DEACTIVATE_IN_MS']))):
        state[cmd] = sorted(_canon(parse_attrs(r[nest][0]), drop)
                            for r in conn.dump(cmd))
    return state


def policy_stats(conn, gid):
    """{policy id: {counter name: value}} of one group."""
    names = {v: k for k, v in STATS.items()}
    out = {}
    for r in conn.dump('POLICY_GET', attr(A['POLICY'],
                                          [(POLICY['GROUP_ID'], u16(gid))])):
        p = parse_attrs(r[A['POLICY']][0])
        st = parse_attrs(p.get(POLICY['STATS'], [b''])[0])
        out[get_u(p[POLICY['ID']][0])] = {names.get(k, k): get_u(v[0])
                                          for k, v in st.items()}
    return out


# --- events -----------------------------------------------------------------

class Listener:
    """A socket subscribed to the "events" multicast group."""

    def __init__(self, conn):
        self.conn = conn
        self.names = {v: n[len('GVPN_EVENT_'):]
                      for n, v, _ in uapi_enums()['gvpn_event']}
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 16)
        self.sock.bind((0, 0))
        self.sock.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP,
                             conn.mcgrps['events'])

    def events(self, timeout):
        """Every event received within @timeout seconds."""
        out = []
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return out
            r, _, _ = select.select([self.sock], [], [], left)
            if not r:
                return out
            out.extend(self._read())

    def _read(self):
        out = []
        for mtype, _, _, body in messages(self.sock.recv(1 << 16)):
            if mtype != self.conn.family or body[0] != CMD['EVENT']:
                continue
            a = parse_attrs(body[4:])
            t = a[A['EVENT_TYPE']][0][0]
            ev = dict(type=self.names.get(t, t), at=time.monotonic())
            if A['SA'] in a:
                s = parse_attrs(a[A['SA']][0])
                for k in ('GROUP_ID', 'SPI', 'POLICY_ID'):
                    if SA[k] in s:
                        ev[k.lower()] = get_u(s[SA[k]][0])
            if A['GROUP'] in a:
                g = parse_attrs(a[A['GROUP']][0])
                if GROUP['ID'] in g:
                    ev['group_id'] = get_u(g[GROUP['ID']][0])
            out.append(ev)
        return out

    def wait(self, pred, timeout):
        """Collect events until pred(all events so far) or timeout."""
        got = []
        end = time.monotonic() + timeout
        while not pred(got):
            left = end - time.monotonic()
            if left <= 0:
                break
            r, _, _ = select.select([self.sock], [], [], left)
            if r:
                got.extend(self._read())
        return got
