# SPDX-License-Identifier: GPL-2.0
"""peer.py with what interop.sh needs besides: buffer sizes set before a
socket connects or listens, keep-alive, urgent data, and SHA-256 of what
was sent and received (the shell compares the two ends' digests).

The protocol is peer.py's, from $EDU_PROTO: 253 for the edu_tcp end, 6 for
the kernel's TCP end.  Extra commands:
  rcvbuf N                     ok    (SO_RCVBUF for the sockets made next;
                                      0: the default again)
  keepalive IDLE INTVL CNT     ok    (on the connection; level = protocol)
  send_oob BYTE                ok    (one byte, MSG_OOB)
  recv_oob [TIMEOUT]           ok oob BYTE   (waits for the urgent mark)
  send_sha N [SEED]            ok sent N SHA256
  recv_sha N [TIMEOUT]         ok recv N SHA256
  alive                        ok alive   (SO_ERROR 0, not at EOF)
"""

import hashlib
import os
import select
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peer  # noqa: E402

# TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT: the same numbers at SOL_TCP and
# at SOL_EDU_TCP (include/uapi/linux/edu_tcp.h), the level is the protocol.
KEEPIDLE, KEEPINTVL, KEEPCNT = 4, 5, 6


class InteropPeer(peer.Peer):
    rcvbuf = None

    def new_socket(self):
        s = super().new_socket()
        if self.rcvbuf is not None:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, self.rcvbuf)
        return s

    def cmd_rcvbuf(self, n):
        self.rcvbuf = int(n) if int(n) > 0 else None
        return ""

    def cmd_keepalive(self, idle, intvl, cnt):
        c = self.conn
        c.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        c.setsockopt(peer.PROTO, KEEPIDLE, int(idle))
        c.setsockopt(peer.PROTO, KEEPINTVL, int(intvl))
        c.setsockopt(peer.PROTO, KEEPCNT, int(cnt))
        return ""

    def cmd_send_oob(self, byte):
        self.conn.send(byte.encode()[:1], socket.MSG_OOB)
        return ""

    def cmd_recv_oob(self, timeout="20"):
        # The urgent byte is an exceptional condition for select() until it
        # has been read (SO_OOBINLINE off).
        _, _, x = select.select([], [], [self.conn], float(timeout))
        if not x:
            return "!TIMEOUT no urgent data"
        return "oob " + self.conn.recv(1, socket.MSG_OOB).decode()

    def cmd_send_sha(self, n, seed="1"):
        data = peer.pattern(int(seed), int(n))
        self.conn.sendall(data)
        return "sent %d %s" % (len(data), hashlib.sha256(data).hexdigest())

    def cmd_recv_sha(self, n, timeout="60"):
        n = int(n)
        h = hashlib.sha256()
        got = 0
        end = time.monotonic() + float(timeout)
        while got < n:
            left = end - time.monotonic()
            if left <= 0:
                return "!TIMEOUT after %d of %d bytes" % (got, n)
            self.conn.settimeout(left)
            chunk = self.conn.recv(min(65536, n - got))
            if not chunk:
                return "!EOF after %d of %d bytes" % (got, n)
            h.update(chunk)
            got += len(chunk)
        self.conn.settimeout(None)
        return "recv %d %s" % (got, h.hexdigest())

    def cmd_alive(self):
        err = self.conn.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if err:
            raise OSError(err, os.strerror(err))
        r, _, _ = select.select([self.conn], [], [], 0)
        if r:
            return "!READABLE the connection is at EOF or has data"
        return "alive"


if __name__ == "__main__":
    InteropPeer().run()
