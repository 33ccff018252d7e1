#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
#
# Just enough FTP (RFC 959) to drive conntrack's FTP helper through a
# gateway: a server that answers USER, PASS, TYPE, PORT, PASV, RETR and
# QUIT, and a client (Python's ftplib) in active or passive mode.
#
#   ftp.py serve ADDR DIR LOG    serve DIR on ADDR:21 until killed; every
#                                PORT and PASV reply goes to LOG
#   ftp.py get ADDR FILE OUT active|passive
#                                fetch FILE into OUT

import ftplib
import os
import socket
import socketserver
import sys


class Session(socketserver.StreamRequestHandler):
    timeout = 30

    def reply(self, line):
        self.wfile.write(line.encode() + b'\r\n')

    def note(self, line):
        with open(self.server.log, 'a') as f:
            f.write(line + '\n')

    def handle(self):
        data = None     # ('active', addr) or ('passive', listening socket)
        self.reply('220 gvpn selftest')
        for raw in self.rfile:
            cmd, _, arg = raw.decode().strip().partition(' ')
            cmd = cmd.upper()
            if cmd == 'USER':
                self.reply('331 any password')
            elif cmd in ('PASS', 'TYPE'):
                self.reply('230 ok' if cmd == 'PASS' else '200 ok')
            elif cmd == 'PORT':
                self.note('PORT ' + arg)
                n = [int(x) for x in arg.split(',')]
                data = ('active', ('.'.join(map(str, n[:4])),
                                   n[4] * 256 + n[5]))
                self.reply('200 ok')
            elif cmd == 'PASV':
                ls = socket.socket()
                ls.bind((self.server.addr, 0))
                ls.listen(1)
                ls.settimeout(30)
                port = ls.getsockname()[1]
                line = '227 Entering Passive Mode (%s,%d,%d).' % (
                    self.server.addr.replace('.', ','), port // 256,
                    port % 256)
                self.note(line)
                data = ('passive', ls)
                self.reply(line)
            elif cmd == 'RETR' and data:
                self.retr(os.path.join(self.server.dir,
                                       os.path.basename(arg)), data)
                data = None
            elif cmd == 'QUIT':
                self.reply('221 bye')
                return
            else:
                self.reply('502 no')

    def retr(self, path, data):
        try:
            body = open(path, 'rb').read()
        except OSError:
            self.reply('550 no such file')
            return
        self.reply('150 sending')
        try:
            if data[0] == 'active':
                conn = socket.create_connection(data[1], timeout=30)
            else:
                conn, _ = data[1].accept()
                data[1].close()
            conn.sendall(body)
            conn.close()
        except OSError as e:
            self.note('data connection failed: %s' % e)
            self.reply('425 no data connection')
            return
        self.reply('226 done')


def serve(addr, directory, log):
    socketserver.TCPServer.allow_reuse_address = True
    srv = socketserver.ThreadingTCPServer((addr, 21), Session)
    srv.addr, srv.dir, srv.log = addr, directory, log
    srv.serve_forever()


def get(addr, name, out, mode):
    ftp = ftplib.FTP(addr, timeout=30)
    ftp.login('gvpn', 'gvpn')
    ftp.set_pasv(mode == 'passive')
    with open(out, 'wb') as f:
        ftp.retrbinary('RETR ' + name, f.write)
    ftp.quit()


if __name__ == '__main__':
    if sys.argv[1] == 'serve':
        serve(*sys.argv[2:5])
    else:
        get(*sys.argv[2:6])
