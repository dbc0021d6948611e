# SPDX-License-Identifier: GPL-2.0
"""One bulk transfer over a stream socket of any IP protocol, for tests
that need socket options edu_xfer does not set.

  bulk.py serve ADDR PROTO RCVBUF   prints "listening PORT", accepts one
                                    connection, reads to EOF, prints
                                    "recv BYTES SHA256"
  bulk.py send ADDR PORT PROTO BYTES [SNDBUF]
                                    connects, writes BYTES random bytes,
                                    shuts down, waits for EOF, prints
                                    "sent BYTES SHA256"

RCVBUF (SO_RCVBUF) is set on the listener before listen(): the accepted
socket inherits it, and the SYN-ACK's window scale is chosen from it, as
TCP's is.  0 leaves the default.  Errors print "err ERRNONAME" and exit 3.
"""

import errno
import hashlib
import os
import socket
import sys


def serve(addr, proto, rcvbuf):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM, proto)
    if rcvbuf:
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    ls.bind((addr, 0))
    ls.listen(1)
    print("listening", ls.getsockname()[1], flush=True)
    conn, _ = ls.accept()
    digest = hashlib.sha256()
    total = 0
    while True:
        data = conn.recv(65536)
        if not data:
            break
        digest.update(data)
        total += len(data)
    conn.close()
    print("recv", total, digest.hexdigest(), flush=True)


def send(addr, port, proto, nbytes, sndbuf):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, proto)
    if sndbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, sndbuf)
    s.connect((addr, port))
    data = os.urandom(nbytes)
    s.sendall(data)
    s.shutdown(socket.SHUT_WR)
    while s.recv(65536):
        pass
    s.close()
    print("sent", nbytes, hashlib.sha256(data).hexdigest(), flush=True)


def main(argv):
    try:
        if argv[1] == "serve":
            serve(argv[2], int(argv[3]), int(argv[4]))
        else:
            send(argv[2], int(argv[3]), int(argv[4]), int(argv[5]),
                 int(argv[6]) if len(argv) > 6 else 0)
    except OSError as e:
        print("err", errno.errorcode.get(e.errno, str(e.errno)), flush=True)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
