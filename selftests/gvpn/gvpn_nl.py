#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
#
# A small generic netlink client for the gvpn selftests, independent of the
# gvpn CLI: it can send requests the CLI would never build (wrong types,
# lengths, nesting), and reports the kernel's errno and extended ACK.
# Standard library only (runs on Debian's /usr/bin/python3).

import errno
import os
import socket
import struct

NETLINK_GENERIC = 16
NLM_F_REQUEST, NLM_F_MULTI, NLM_F_ACK, NLM_F_DUMP = 1, 2, 4, 0x300
NLMSG_ERROR, NLMSG_DONE = 2, 3
NETLINK_EXT_ACK, NETLINK_GET_STRICT_CHK = 11, 12
NLM_F_ACK_TLVS = 0x200
NLMSGERR_ATTR_MSG, NLMSGERR_ATTR_OFFS = 1, 2
NLMSGERR_ATTR_MISS_TYPE, NLMSGERR_ATTR_MISS_NEST = 5, 6
NLA_F_NESTED = 0x8000
SOL_NETLINK = 270

GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME = 1, 2
CTRL_ATTR_MCAST_GROUPS = 7
CTRL_ATTR_MCAST_GRP_NAME, CTRL_ATTR_MCAST_GRP_ID = 1, 2

# uapi/linux/gvpn.h
CMD = dict(GROUP_NEW=1, GROUP_SET=2, GROUP_DEL=3, GROUP_GET=4, DEV_ADD=5,
           DEV_DEL=6, POLICY_NEW=7, POLICY_DEL=8, POLICY_GET=9,
           POLICY_FLUSH=10, SA_NEW=11, SA_DEL=12, SA_GET=13, SA_FLUSH=14,
           STATS_GET=15, EVENT=16, SA_SET=17, SENDER_GET=18)
A = dict(GROUP=1, POLICY=2, SA=3, STATS=4, EVENT_TYPE=5, EVENT_SRC=6,
         EVENT_DST=7, EVENT_SENDER_TIME=8, EVENT_LOCAL_TIME=9, PAD=10,
         SENDER=11)
GROUP = dict(ID=1, DF_MODE=2, IFINDEX=3, STATS=4, TBAR_WINDOW=5, CLOCK=6,
             PSEUDOTIME_MS=7, TICK_MS=8, FAIL_MODE=9, FAIL_ACTIVATE=10,
             PASSIVE=11, RECV_ONLY=12, KEYS=13, CLOCK_MS=14, PAD=15,
             LEGACY_IV=16)
POLICY = dict(GROUP_ID=1, ID=2, PRIO=3, SRC=4, SRC_PLEN=5, DST=6, DST_PLEN=7,
              PROTO=8, SPORT_MIN=9, SPORT_MAX=10, DPORT_MIN=11, DPORT_MAX=12,
              ACTION=13, ORIGIN=14, STATS=15)
SA = dict(GROUP_ID=1, POLICY_ID=2, SPI=3, DIR=4, AEAD_NAME=5, AEAD_KEY=6,
          AEAD_ICV_BITS=7, ENC_NAME=8, ENC_KEY=9, AUTH_NAME=10, AUTH_KEY=11,
          AUTH_TRUNC_BITS=12, LIFETIME_SOFT_SECS=13, LIFETIME_HARD_SECS=14,
          LIFETIME_SOFT_BYTES=15, LIFETIME_HARD_BYTES=16, AGE_SECS=17,
          STATS=18, PAD=19, KEY_BITS=20, TBAR=21, ACTIVATE_IN_MS=22,
          DEACTIVATE_IN_MS=23, PASSIVE=24, ACTIVE=25, SENDER_ID=26,
          SID_BITS=27, IV_COUNTER=28, REPLAY_WINDOW=29, SENDERS=30)


def u8(v): return struct.pack('B', v)
def u16(v): return struct.pack('=H', v)
def u32(v): return struct.pack('=I', v)
def u64(v): return struct.pack('=Q', v)
def be32(v): return struct.pack('>I', v)
def ip4(s): return socket.inet_aton(s)
def cstr(s): return s.encode() + b'\0'


def attr(atype, payload):
    """One attribute. payload: bytes, or a list of (type, payload) to nest."""
    if isinstance(payload, list):
        payload = b''.join(attr(t, p) for t, p in payload)
        atype |= NLA_F_NESTED
    hdr = struct.pack('=HH', 4 + len(payload), atype)
    return hdr + payload + b'\0' * ((4 - len(payload) % 4) % 4)


def parse_attrs(data):
    out = {}
    while len(data) >= 4:
        alen, atype = struct.unpack('=HH', data[:4])
        if alen < 4:
            break
        out.setdefault(atype & 0x3fff, []).append(data[4:alen])
        data = data[(alen + 3) & ~3:]
    return out


class NlError(Exception):
    def __init__(self, err, msg, offs, miss):
        super().__init__(f'{os.strerror(err)}: {msg}')
        self.errno, self.msg, self.offs, self.miss = err, msg, offs, miss


class Genl:
    def __init__(self, family='gvpn'):
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW,
                                  NETLINK_GENERIC)
        self.sock.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
        self.sock.setsockopt(SOL_NETLINK, NETLINK_GET_STRICT_CHK, 1)
        self.sock.bind((0, 0))
        self.seq = 1
        self.mcgrps = {}
        reply = self.request(GENL_ID_CTRL, CTRL_CMD_GETFAMILY,
                             attr(CTRL_ATTR_FAMILY_NAME, cstr(family)))[0]
        self.family = struct.unpack('=H', reply[CTRL_ATTR_FAMILY_ID][0])[0]
        for grp in parse_attrs(reply.get(CTRL_ATTR_MCAST_GROUPS, [b''])[0]).values():
            g = parse_attrs(grp[0])
            name = g[CTRL_ATTR_MCAST_GRP_NAME][0].rstrip(b'\0').decode()
            self.mcgrps[name] = struct.unpack('=I', g[CTRL_ATTR_MCAST_GRP_ID][0])[0]

    def raw(self, msg_type, flags, payload):
        """Send one message; return (list of replies, error or None)."""
        self.seq += 1
        seq = self.seq
        hdr = struct.pack('=IHHII', 16 + len(payload), msg_type,
                          NLM_F_REQUEST | flags, seq, 0)
        self.sock.send(hdr + payload)
        replies = []
        while True:
            data = self.sock.recv(1 << 20)
            while data:
                mlen, mtype, mflags, mseq, _ = struct.unpack('=IHHII', data[:16])
                body = data[16:mlen]
                data = data[(mlen + 3) & ~3:]
                if mseq != seq:
                    continue
                if mtype == NLMSG_ERROR:
                    err = -struct.unpack('=i', body[:4])[0]
                    if err == 0 and not flags & NLM_F_DUMP:
                        return replies, None
                    if err == 0:
                        continue
                    msg, offs, miss = '', None, None
                    if mflags & NLM_F_ACK_TLVS:
                        olen = struct.unpack('=I', body[4:8])[0]
                        capped = mflags & 0x100  # NLM_F_CAPPED: request not echoed
                        tl = parse_attrs(body[20:] if capped else body[4 + olen:])
                        if NLMSGERR_ATTR_MSG in tl:
                            msg = tl[NLMSGERR_ATTR_MSG][0].rstrip(b'\0').decode()
                        if NLMSGERR_ATTR_OFFS in tl:
                            offs = struct.unpack('=I', tl[NLMSGERR_ATTR_OFFS][0])[0]
                        if NLMSGERR_ATTR_MISS_TYPE in tl:
                            miss = struct.unpack('=I', tl[NLMSGERR_ATTR_MISS_TYPE][0])[0]
                    return replies, NlError(err, msg, offs, miss)
                if mtype == NLMSG_DONE:
                    return replies, None
                replies.append(parse_attrs(body[4:]))

    def request(self, msg_type, cmd, attrs=b'', flags=NLM_F_ACK, version=1,
                reserved=0):
        replies, err = self.raw(msg_type, flags,
                                struct.pack('=BBH', cmd, version, reserved) + attrs)
        if err:
            raise err
        return replies

    def do(self, cmd, attrs=b'', **kw):
        return self.request(self.family, CMD[cmd], attrs, **kw)

    def dump(self, cmd, attrs=b''):
        return self.request(self.family, CMD[cmd], attrs, flags=NLM_F_DUMP)
