# SPDX-License-Identifier: GPL-2.0
"""Answer edu_tcp SYNs with an ICMPv6 destination unreachable, as a router
or firewall on the path would (RFC 4443 3.1), for netns_transfer6.sh.

    icmp6_reject.py DEV SRC TARGET CODE [TIMEOUT_S]

Watches DEV (AF_PACKET) for IPv6 segments of protocol $EDU_PROTO to
TARGET, an address nobody has (a blackhole route drops them silently),
and answers each SYN from SRC, our address, with type 1 and CODE quoting
the SYN's IPv6 header and all of its segment.  Prints "ready" once
listening and "sent N" after each answer; exits 0 after the first answer,
1 if none was sent within TIMEOUT_S (default 10).
"""

import os
import select
import socket
import struct
import sys
import time

ETH_P_IPV6 = 0x86DD
ICMPV6_DEST_UNREACH = 1
SYN = 0x02
ACK = 0x10


def main():
    dev, src, target, code = sys.argv[1:5]
    timeout = float(sys.argv[5]) if len(sys.argv) > 5 else 10.0
    proto = int(os.environ.get("EDU_PROTO", "253"))
    target_bin = socket.inet_pton(socket.AF_INET6, target)

    rx = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM,
                       socket.htons(ETH_P_IPV6))
    rx.bind((dev, ETH_P_IPV6))
    tx = socket.socket(socket.AF_INET6, socket.SOCK_RAW,
                       socket.IPPROTO_ICMPV6)
    tx.bind((src, 0))
    print("ready", flush=True)

    end = time.monotonic() + timeout
    sent = 0
    while time.monotonic() < end:
        r, _, _ = select.select([rx], [], [], max(end - time.monotonic(), 0))
        if not r:
            break
        pkt = rx.recv(65535)
        if len(pkt) < 40 + 20 or pkt[6] != proto or pkt[24:40] != target_bin:
            continue
        seg = pkt[40:]
        if (seg[13] & (SYN | ACK)) != SYN:
            continue
        # type, code, checksum (the kernel computes it), unused, then as
        # much of the offending packet as fits (RFC 4443 2.4 (c))
        msg = struct.pack("!BBHI", ICMPV6_DEST_UNREACH, int(code), 0, 0)
        msg += pkt[:1232]
        peer = socket.inet_ntop(socket.AF_INET6, pkt[8:24])
        tx.sendto(msg, (peer, 0))
        sent += 1
        print("sent %d" % sent, flush=True)
        return 0
    return 1


if __name__ == "__main__":
    sys.exit(main())
