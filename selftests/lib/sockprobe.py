# SPDX-License-Identifier: GPL-2.0
#
# Used by selftests/programs.sh, run under tools/edu-tcpize (or not): which
# protocol the kernel says each kind of socket got (SO_PROTOCOL), one
# "name value" line each, "err:<errno name>" when socket() failed.  A UDP
# datagram to itself checks that a preloaded UDP socket still carries UDP.
#
#   sockprobe.py [inet6]    inet6: the AF_INET6 stream sockets only
import errno
import socket
import sys


def proto(family, stype, protocol=0):
    try:
        s = socket.socket(family, stype, protocol)
    except OSError as e:
        return "err:" + errno.errorcode.get(e.errno, str(e.errno))
    with s:
        return str(s.getsockopt(socket.SOL_SOCKET, socket.SO_PROTOCOL))


def udp_to_self():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(5)
        s.bind(("127.0.0.1", 0))
        s.sendto(b"ping", s.getsockname())
        data, _ = s.recvfrom(16)
        return "ok" if data == b"ping" else "wrong"


def main():
    af, st = socket.AF_INET, socket.SOCK_STREAM
    if sys.argv[1:] == ["inet6"]:
        cases = [
            ("inet6_stream", lambda: proto(socket.AF_INET6, st)),
            ("inet6_stream_tcp",
             lambda: proto(socket.AF_INET6, st, socket.IPPROTO_TCP)),
        ]
    else:
        cases = [
            ("inet_stream", lambda: proto(af, st)),
            ("inet_stream_tcp", lambda: proto(af, st, socket.IPPROTO_TCP)),
            ("inet_stream_nonblock",
             lambda: proto(af, st | socket.SOCK_NONBLOCK)),
            ("inet_stream_253", lambda: proto(af, st, 253)),
            ("inet_dgram", lambda: proto(af, socket.SOCK_DGRAM)),
            ("inet_raw_icmp",
             lambda: proto(af, socket.SOCK_RAW, socket.IPPROTO_ICMP)),
            ("unix_stream", lambda: proto(socket.AF_UNIX, st)),
            ("udp_to_self", udp_to_self),
        ]
    for name, fn in cases:
        print(name, fn(), flush=True)


main()
