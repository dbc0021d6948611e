# SPDX-License-Identifier: GPL-2.0
"""Answer an edu_tcp segment with an ICMPv6 error, as a router or firewall
on the path would (RFC 4443 3.1, 3.2), for netns_transfer6.sh.

    icmp6_reject.py DEV SRC TARGET unreach CODE [TIMEOUT_S]
    icmp6_reject.py DEV SRC TARGET toobig MTU [TIMEOUT_S]

Watches DEV (AF_PACKET) for IPv6 segments of protocol $EDU_PROTO to
TARGET and answers one, from SRC, quoting its IPv6 header and as much of
its segment as fits in 1280 bytes (RFC 4443 2.4 (c)):

  unreach  the first SYN, with a destination unreachable (type 1) of
           CODE; TARGET is an address nobody has (a blackhole route
           drops the SYN silently)
  toobig   the first segment longer than MTU, with a packet too big
           (type 2) carrying MTU (RFC 8201)

Prints "ready" once listening and "sent TYPE" after the answer; exits 0
then, 1 if there was nothing to answer within TIMEOUT_S (default 10).
"""

import os
import select
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
ETH_P_IPV6 = 0x86DD
ICMPV6_DEST_UNREACH = 1
ICMPV6_PKT_TOOBIG = 2
SYN = 0x02
ACK = 0x10


def main():
    dev, src, target, kind, value = sys.argv[1:6]
    timeout = float(sys.argv[6]) if len(sys.argv) > 6 else 10.0
    proto = int(os.environ.get("EDU_PROTO", "253"))
    target_bin = socket.inet_pton(socket.AF_INET6, target)

    # ETH_P_ALL: a socket of one protocol sees only frames received, and
    # toobig watches the segments this namespace sends
    rx = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM,
                       socket.htons(ETH_P_ALL))
    rx.bind((dev, ETH_P_ALL))
    tx = socket.socket(socket.AF_INET6, socket.SOCK_RAW,
                       socket.IPPROTO_ICMPV6)
    tx.bind((src, 0))
    print("ready", flush=True)

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        r, _, _ = select.select([rx], [], [], max(end - time.monotonic(), 0))
        if not r:
            break
        pkt, addr = rx.recvfrom(65535)
        if addr[1] != ETH_P_IPV6 or len(pkt) < 40 + 20 or pkt[6] != proto or \
                pkt[24:40] != target_bin:
            continue
        seg = pkt[40:]
        if kind == "unreach":
            if (seg[13] & (SYN | ACK)) != SYN:
                continue
            # type, code, checksum (the kernel computes it), unused
            msg = struct.pack("!BBHI", ICMPV6_DEST_UNREACH, int(value), 0, 0)
        else:
            if len(pkt) <= int(value):
                continue
            msg = struct.pack("!BBHI", ICMPV6_PKT_TOOBIG, 0, 0, int(value))
        msg += pkt[:1280 - 40 - 8]
        peer = socket.inet_ntop(socket.AF_INET6, pkt[8:24])
        tx.sendto(msg, (peer, 0))
        print("sent %s" % kind, flush=True)
        return 0
    return 1


if __name__ == "__main__":
    sys.exit(main())
