# SPDX-License-Identifier: GPL-2.0
"""A socket endpoint driven line by line, for the netns shell tests.

Run one per network namespace; it reads commands on stdin and answers each
with exactly one line on stdout, "ok ..." or "err ERRNONAME [detail]", so a
shell script can hold a connection open across several steps (apply loss,
close, look at /proc, remove loss) without a new program for every step.

It first prints "ok ready".  Commands (ADDR is dotted IPv4, times in
seconds):
  listen ADDR PORT [BACKLOG]       ok listening PORT
  accept [TIMEOUT]                 ok accepted ADDR PORT
  connect ADDR PORT [TIMEOUT] [BIND_ADDR BIND_PORT]
                                   ok connected LOCAL_PORT
  send N [SEED]                    ok sent N          (pattern bytes)
  recv N [SEED] [TIMEOUT]          ok recv N          (checked against SEED)
  recv_eof [TIMEOUT]               ok eof N           (bytes read before EOF)
  shutdown wr|rd|rdwr              ok
  linger0                          ok                 (SO_LINGER {1, 0})
  close                            ok
  name                             ok name LADDR LPORT RADDR RPORT
  info                             ok info key=value ...  (EDU_TCP_INFO)
  exit
"""

import errno
import hashlib
import os
import socket
import struct
import sys

SOL_EDU_TCP = 253
EDU_TCP_INFO = 1
# struct edu_tcp_info from include/uapi/linux/edu_tcp.h
INFO_FMT = "=BBH" + "I" * 15 + "QQQQ"
INFO_KEYS = ("state backoff mss iss irs snd_una snd_nxt rcv_nxt snd_wnd "
             "rcv_wnd cwnd ssthresh srtt_us rttvar_us rto_ms retransmits "
             "snd_wscale rcv_wscale segs_in segs_out bytes_in "
             "bytes_out").split()

PROTO = int(os.environ.get("EDU_PROTO", "253"))


def pattern(seed, n):
    """The first n bytes of stream number seed: cheap at C speed (hashlib),
    and any lost, duplicated or shifted run of bytes changes it."""
    blocks = [hashlib.sha256(b"%d:%d" % (seed, i)).digest()
              for i in range((n + 31) // 32)]
    return b"".join(blocks)[:n]


class Peer:
    def __init__(self):
        self.lsock = None
        self.conn = None

    def reply(self, text):
        sys.stdout.write(text + "\n")
        sys.stdout.flush()

    def new_socket(self):
        return socket.socket(socket.AF_INET, socket.SOCK_STREAM, PROTO)

    def cmd_listen(self, addr, port, backlog="8"):
        s = self.new_socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((addr, int(port)))
        s.listen(int(backlog))
        self.lsock = s
        return "listening %d" % s.getsockname()[1]

    def cmd_accept(self, timeout="20"):
        self.lsock.settimeout(float(timeout))
        self.conn, peer = self.lsock.accept()
        self.conn.settimeout(None)
        return "accepted %s %d" % peer

    def cmd_connect(self, addr, port, timeout="0", baddr=None, bport=None):
        s = self.new_socket()
        if baddr:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((baddr, int(bport)))
        # 0 means a plain blocking connect, so the kernel's own SYN
        # retry limit decides when it gives up.
        if float(timeout) > 0:
            s.settimeout(float(timeout))
        try:
            s.connect((addr, int(port)))
        except BaseException:
            s.close()
            raise
        s.settimeout(None)
        self.conn = s
        return "connected %d" % s.getsockname()[1]

    def cmd_send(self, n, seed="1"):
        data = pattern(int(seed), int(n))
        self.conn.sendall(data)
        return "sent %d" % len(data)

    def cmd_recv(self, n, seed="1", timeout="20"):
        n = int(n)
        self.conn.settimeout(float(timeout))
        buf = bytearray()
        while len(buf) < n:
            chunk = self.conn.recv(n - len(buf))
            if not chunk:
                return "!EOF after %d of %d bytes" % (len(buf), n)
            buf += chunk
        self.conn.settimeout(None)
        if bytes(buf) != pattern(int(seed), n):
            return "!CORRUPT data differs from the pattern"
        return "recv %d" % n

    def cmd_recv_eof(self, timeout="20"):
        self.conn.settimeout(float(timeout))
        total = 0
        while True:
            chunk = self.conn.recv(65536)
            if not chunk:
                break
            total += len(chunk)
        self.conn.settimeout(None)
        return "eof %d" % total

    def cmd_shutdown(self, how):
        self.conn.shutdown({"wr": socket.SHUT_WR, "rd": socket.SHUT_RD,
                            "rdwr": socket.SHUT_RDWR}[how])
        return ""

    def cmd_linger0(self):
        self.conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                             struct.pack("ii", 1, 0))
        return ""

    def cmd_close(self):
        for s in (self.conn, self.lsock):
            if s:
                s.close()
        self.conn = self.lsock = None
        return ""

    def cmd_name(self):
        la, lp = self.conn.getsockname()
        ra, rp = self.conn.getpeername()
        return "name %s %d %s %d" % (la, lp, ra, rp)

    def cmd_info(self):
        raw = self.conn.getsockopt(SOL_EDU_TCP, EDU_TCP_INFO,
                                   struct.calcsize(INFO_FMT))
        vals = struct.unpack(INFO_FMT, raw.ljust(struct.calcsize(INFO_FMT),
                                                 b"\0"))
        return "info " + " ".join("%s=%d" % kv for kv in zip(INFO_KEYS, vals))

    def run(self):
        # Startup alone can take seconds in a busy TCG guest: say when we
        # are ready, so that command timeouts only time the commands.
        self.reply("ok ready")
        for line in sys.stdin:
            words = line.split()
            if not words:
                continue
            if words[0] == "exit":
                self.reply("ok bye")
                break
            fn = getattr(self, "cmd_" + words[0], None)
            if fn is None:
                self.reply("err EINVAL unknown command " + words[0])
                continue
            try:
                res = fn(*words[1:])
            except OSError as e:
                # socket.timeout is an OSError too, but without errno;
                # a kernel ETIMEDOUT carries its errno.
                if e.errno is None:
                    self.reply("err TIMEOUT")
                    continue
                name = errno.errorcode.get(e.errno, str(e.errno))
                self.reply("err %s %s" % (name, e.strerror))
            except (TypeError, ValueError, AttributeError) as e:
                self.reply("err EINVAL %s" % e)
            else:
                if res.startswith("!"):
                    self.reply("err " + res[1:])
                else:
                    self.reply(("ok " + res).rstrip())


if __name__ == "__main__":
    Peer().run()
