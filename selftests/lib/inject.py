# SPDX-License-Identifier: GPL-2.0
"""Hand-made segments over a raw IP socket, for netns_lifecycle.sh.

    inject.py KIND SRC DST SPORT DPORT [SEQ [ACK]]

The kernel adds the IPv4 header (protocol $EDU_PROTO); we build the TCP
header ourselves.  The checksum is TCP's, with 6 in the pseudo-header's
protocol field whatever the IP protocol, as the edu_tcp wire format says.

KIND:
  short       12 bytes, less than a header                 -> DropShort
  doff_small  RST|ACK with data offset 4 (< 5)             -> DropBadOffset
  doff_large  RST|ACK with data offset 15, 20 bytes long   -> DropBadOffset
  badcsum     RST|ACK, correct but for its checksum        -> DropBadCsum
  badopt0     SYN whose MSS option has length 0            -> DropBadOption
  badopt_long SYN whose MSS option runs past the header    -> DropBadOption
  synack      SYN-ACK; waits for the RST that must answer it and checks it:
              RST set, SEQ = our ACK field, checksum valid.  Prints
              "ok rst ..." or "err ..." and exits 0/1.

The RST-carrying kinds are aimed at a live connection with SEQ equal to
the receiver's rcv_nxt: if a receiver failed to drop them, they would
reset the connection, which the calling test then notices.
"""

import os
import random
import select
import socket
import struct
import sys
import time

PROTO = int(os.environ.get("EDU_PROTO", "253"))
FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10


def csum16(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return (~total) & 0xFFFF


def pseudo(src, dst, length):
    return (socket.inet_aton(src) + socket.inet_aton(dst) +
            struct.pack("!BBH", 0, socket.IPPROTO_TCP, length))


def segment(src, dst, sport, dport, seq, ack, flags, doff=None, opts=b"",
            bad_csum=False):
    if doff is None:
        doff = (20 + len(opts)) // 4
    seg = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, doff << 4, flags,
                      65535, 0, 0) + opts
    c = csum16(pseudo(src, dst, len(seg)) + seg)
    if bad_csum:
        c ^= 0x1234
    return seg[:16] + struct.pack("!H", c) + seg[18:]


def build(kind, src, dst, sport, dport, seq, ack):
    if kind == "short":
        return struct.pack("!HHII", sport, dport, seq, ack)
    if kind == "doff_small":
        return segment(src, dst, sport, dport, seq, ack, RST | ACK, doff=4)
    if kind == "doff_large":
        return segment(src, dst, sport, dport, seq, ack, RST | ACK, doff=15)
    if kind == "badcsum":
        return segment(src, dst, sport, dport, seq, ack, RST | ACK,
                       bad_csum=True)
    if kind == "badopt0":
        return segment(src, dst, sport, dport, seq, 0, SYN,
                       opts=bytes([2, 0, 0, 0]))
    if kind == "badopt_long":
        return segment(src, dst, sport, dport, seq, 0, SYN,
                       opts=bytes([2, 8, 5, 180]))
    if kind == "synack":
        return segment(src, dst, sport, dport, seq, ack, SYN | ACK,
                       opts=bytes([2, 4, 5, 180]))
    raise SystemExit("unknown kind " + kind)


def wait_rst(sock, src, dst, sport, dport, want_seq, timeout=5.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        r, _, _ = select.select([sock], [], [], end - time.monotonic())
        if not r:
            break
        pkt, _ = sock.recvfrom(65535)
        ihl = (pkt[0] & 0x0F) * 4
        if pkt[9] != PROTO or socket.inet_ntoa(pkt[12:16]) != dst:
            continue
        seg = pkt[ihl:]
        if len(seg) < 20:
            continue
        sp, dp, seq, ack, off, flags = struct.unpack("!HHIIBB", seg[:14])
        if sp != dport or dp != sport:
            continue
        ok_csum = csum16(pseudo(dst, src, len(seg)) + seg) == 0
        desc = "flags=0x%02x seq=%u ack=%u csum=%s" % (
            flags, seq, ack, "ok" if ok_csum else "BAD")
        if not flags & RST:
            return "err not a RST: " + desc
        if seq != want_seq:
            return "err RST seq %u, want SEG.ACK %u: %s" % (seq, want_seq, desc)
        if not ok_csum:
            return "err RST checksum (pseudo-header protocol 6) wrong: " + desc
        return "ok rst " + desc
    return "err no RST within %.0fs" % timeout


def main():
    if len(sys.argv) < 6:
        raise SystemExit(__doc__)
    kind, src, dst = sys.argv[1:4]
    sport, dport = int(sys.argv[4]), int(sys.argv[5])
    seq = int(sys.argv[6]) if len(sys.argv) > 6 else random.getrandbits(32)
    ack = int(sys.argv[7]) if len(sys.argv) > 7 else random.getrandbits(32)
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, PROTO)
    s.bind((src, 0))
    s.sendto(build(kind, src, dst, sport, dport, seq, ack), (dst, 0))
    if kind != "synack":
        print("ok sent %s" % kind)
        return 0
    res = wait_rst(s, src, dst, sport, dport, ack)
    print(res)
    return 0 if res.startswith("ok") else 1


if __name__ == "__main__":
    sys.exit(main())
