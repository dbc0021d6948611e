# SPDX-License-Identifier: GPL-2.0
"""ICMP helpers for selftests/icmp.sh.

  icmp_probe.py connect ADDR PORT PROTO [recverr]
      connect(); prints "ok MS" or "err ERRNONAME MS" (MS: how long it
      took).  With recverr, IP_RECVERR is set first, and after a failure
      the error queue's first entry is printed too:
      "errqueue errno=NAME origin=N type=N code=N"
  icmp_probe.py frag SRC DST SPORT DPORT SEQ MTU TO PROTO
      send (raw socket) an ICMP fragmentation-needed to TO, quoting a
      segment SRC:SPORT -> DST:DPORT of PROTO with sequence number SEQ
"""

import errno
import socket
import struct
import sys
import time

IP_RECVERR = 11


def ename(e):
    return errno.errorcode.get(e, str(e))


def connect(addr, port, proto, recverr):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, proto)
    if recverr:
        s.setsockopt(socket.IPPROTO_IP, IP_RECVERR, 1)
    t0 = time.monotonic()
    try:
        s.connect((addr, port))
        print("ok", int((time.monotonic() - t0) * 1000), flush=True)
        return 0
    except OSError as e:
        print("err", ename(e.errno), int((time.monotonic() - t0) * 1000),
              flush=True)
    if not recverr:
        return 0
    try:
        _, anc, _, _ = s.recvmsg(512, 512, socket.MSG_ERRQUEUE |
                                 socket.MSG_DONTWAIT)
    except OSError as e:
        print("errqueue empty", ename(e.errno), flush=True)
        return 0
    for level, kind, data in anc:
        if level == socket.IPPROTO_IP and kind == IP_RECVERR:
            ee_errno, origin, typ, code = struct.unpack_from("=IBBB", data)
            print("errqueue errno=%s origin=%d type=%d code=%d" %
                  (ename(ee_errno), origin, typ, code), flush=True)
            return 0
    print("errqueue nocmsg", flush=True)
    return 0


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return ~s & 0xffff


def frag(src, dst, sport, dport, seq, mtu, to, proto):
    iph = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 1500, 0, 0x4000, 64, proto,
                      0, socket.inet_aton(src), socket.inet_aton(dst))
    quoted = iph + struct.pack("!HHI", sport, dport, seq & 0xffffffff)
    icmp = struct.pack("!BBHHH", 3, 4, 0, 0, mtu) + quoted
    icmp = icmp[:2] + struct.pack("!H", csum(icmp)) + icmp[4:]
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    s.sendto(icmp, (to, 0))
    print("ok sent", flush=True)
    return 0


def main(argv):
    if argv[1] == "connect":
        return connect(argv[2], int(argv[3]), int(argv[4]),
                       len(argv) > 5 and argv[5] == "recverr")
    return frag(argv[2], argv[3], int(argv[4]), int(argv[5]), int(argv[6]),
                int(argv[7]), argv[8], int(argv[9]))


if __name__ == "__main__":
    sys.exit(main(sys.argv))
