# SPDX-License-Identifier: GPL-2.0
"""edulab: what the edu_tcp lab programs share.

A lab is one python3 program that plays both ends of a connection: it
creates the server's sockets inside the "server" network namespace and the
client's inside the "client" namespace (a socket stays in the namespace it
was created in), so every step happens in a known order, with no sleeps to
guess when the other side is ready.  scripts/labs/lib/lab.sh builds the
namespaces and runs the program.

    with netns(SERVER):
        srv = edu_socket()          # socket(AF_INET, SOCK_STREAM, 253)
        srv.bind((SIP, 5000)); srv.listen()
    with netns(CLIENT):
        cli = edu_socket()
    cli.connect((SIP, 5000))

Tracing (trace_start/trace_stop) gives the module's tracepoint events, which
the checks read and tools/edu_ladder draws.  check() records what the lab
teaches; finish() prints the verdict and exits non-zero if any check failed.
"""

import ctypes
import fcntl
import os
import re
import socket
import struct
import sys
import termios
import time

ROOT = os.environ.get("LAB_ROOT", ".")
NAME = os.environ.get("LAB_NAME", "lab")
CLIENT = os.environ.get("LAB_CLIENT", "client")
SERVER = os.environ.get("LAB_SERVER", "server")
CIP = os.environ.get("LAB_CIP", "10.200.1.1")
SIP = os.environ.get("LAB_SIP", "10.200.1.2")
TRACING = "/sys/kernel/tracing"
PARAMS = "/sys/module/edu_tcp/parameters"
LADDER = os.path.join(ROOT, "tools", "edu_ladder")

# include/uapi/linux/edu_tcp.h
SOL_EDU_TCP = 253
EDU_TCP_INFO = 1
EDU_TCP_NODELAY = 2
EDU_TCP_MAXSEG = 3
INFO_FMT = "=BBH" + "I" * 15 + "QQQQ"      # 96 bytes
INFO_KEYS = ("state backoff mss iss irs snd_una snd_nxt rcv_nxt snd_wnd "
             "rcv_wnd cwnd ssthresh srtt_us rttvar_us rto_ms retransmits "
             "snd_wscale rcv_wscale segs_in segs_out bytes_in "
             "bytes_out").split()
STATES = {1: "ESTABLISHED", 2: "SYN-SENT", 3: "SYN-RCVD", 4: "FIN-WAIT-1",
          5: "FIN-WAIT-2", 6: "TIME-WAIT", 7: "CLOSED", 8: "CLOSE-WAIT",
          9: "LAST-ACK", 10: "LISTEN", 11: "CLOSING"}


def _proto():
    try:
        with open(os.path.join(PARAMS, "proto")) as f:
            return int(f.read())
    except OSError:
        return 253


PROTO = _proto()            # the module's protocol number, 253 by default

# ---------------------------------------------------------------------------
# Network namespaces
# ---------------------------------------------------------------------------

_libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWNET = 0x40000000


def _setns(fd):
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, "setns: " + os.strerror(err))


class netns:
    """`with netns(name):` - sockets created inside belong to that
    namespace, and /proc/edu_tcp shows that namespace's sockets."""

    def __init__(self, name):
        self.name = name

    def __enter__(self):
        self.home = os.open("/proc/self/ns/net", os.O_RDONLY)
        fd = os.open("/run/netns/" + self.name, os.O_RDONLY)
        try:
            _setns(fd)
        finally:
            os.close(fd)
        return self

    def __exit__(self, *exc):
        _setns(self.home)
        os.close(self.home)
        return False


def edu_socket(kind=socket.SOCK_STREAM):
    """socket(AF_INET, SOCK_STREAM, 253): an edu_tcp socket."""
    return socket.socket(socket.AF_INET, kind, PROTO)


def listener(port, backlog=8, timeout=10):
    """A listening edu_tcp socket on the server's address, in its netns."""
    with netns(SERVER):
        srv = edu_socket()
        srv.bind((SIP, port))
        srv.listen(backlog)
        srv.settimeout(timeout)
    return srv


def client(cport, timeout=10):
    """An edu_tcp socket bound to the client's address, in its netns."""
    with netns(CLIENT):
        cli = edu_socket()
        cli.bind((CIP, cport))
        cli.settimeout(timeout)
    return cli


def accept_from(srv, cli, port, timeout=10):
    """Connect cli to the listener and return the server's end."""
    cli.connect((SIP, port))
    conn, _ = srv.accept()
    conn.settimeout(timeout)
    return conn


def param(name, value=None):
    """Read a module parameter, or set it (the old value comes back at
    finish())."""
    path = os.path.join(PARAMS, name)
    with open(path) as f:
        old = f.read().strip()
    if value is not None:
        _saved.setdefault(name, old)
        with open(path, "w") as f:
            f.write(str(value))
    return old


_saved = {}


def tc(ns, *args):
    """tc in a namespace; returns True if it worked (netem may be missing)."""
    import subprocess
    r = subprocess.run(["tc", "-n", ns] + list(args), capture_output=True,
                       text=True)
    return r.returncode == 0


def delay(ns, dev, ms):
    """Delay every packet leaving dev in ns by ms milliseconds (netem)."""
    return tc(ns, "qdisc", "replace", "dev", dev, "root", "netem",
              "delay", "%dms" % ms)


def undelay(ns, dev):
    tc(ns, "qdisc", "del", "dev", dev, "root")

# ---------------------------------------------------------------------------
# What a socket knows: EDU_TCP_INFO, the queues, /proc
# ---------------------------------------------------------------------------


def info(sock):
    """getsockopt(SOL_EDU_TCP, EDU_TCP_INFO) as a dict."""
    raw = sock.getsockopt(SOL_EDU_TCP, EDU_TCP_INFO, struct.calcsize(INFO_FMT))
    d = dict(zip(INFO_KEYS, struct.unpack(INFO_FMT, raw)))
    d["state_name"] = STATES.get(d["state"], str(d["state"]))
    return d


def outq(sock):
    """Bytes written but not yet acknowledged (ioctl SIOCOUTQ)."""
    buf = fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, b"\0" * 4)
    return struct.unpack("i", buf)[0]


def wait_acked(sock, timeout=10):
    """Wait until the peer acknowledged everything written so far."""
    end = time.monotonic() + timeout
    while outq(sock):
        if time.monotonic() > end:
            raise TimeoutError("data still unacknowledged after %ds" % timeout)
        time.sleep(0.01)


def proc_text(ns):
    with netns(ns):
        with open("/proc/edu_tcp") as f:
            return f.read()


def proc_rows(ns):
    """/proc/edu_tcp of a namespace as a list of dicts keyed by header."""
    lines = proc_text(ns).splitlines()
    head = lines[0].split()
    return [dict(zip(head, line.split())) for line in lines[1:]]


def show_proc(ns, label=None):
    print("  $ cat /proc/edu_tcp      # in the %s's namespace" %
          (label or ("client" if ns == CLIENT else "server")))
    for line in proc_text(ns).splitlines():
        print("  " + line)


def wait_row(ns, state, timeout=5, gone=False):
    """Wait until /proc/edu_tcp of ns has (or, gone=True, no longer has) a
    row in state; returns the row (or True), None on timeout."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        rows = [r for r in proc_rows(ns) if r["state"] == state]
        if gone and not rows:
            return True
        if rows and not gone:
            return rows[0]
        time.sleep(0.02)
    return None


def counters(ns):
    """/proc/net/edu_tcp_stat of a namespace as a dict."""
    with netns(ns):
        with open("/proc/net/edu_tcp_stat") as f:
            return {k: int(v) for k, v in (ln.split() for ln in f)}


def delta(before, after, *names):
    return {n: after[n] - before[n] for n in names}

# ---------------------------------------------------------------------------
# Segments made by hand, and segments seen on the wire (raw IP sockets)
# ---------------------------------------------------------------------------

FIN, SYN, RST, PSH, ACK, URG = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20


def _csum16(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def _pseudo(src, dst, length):
    # TCP's pseudo-header, protocol 6 whatever the IP protocol: the edu_tcp
    # wire format (Documentation/protocol.rst)
    return (socket.inet_aton(src) + socket.inet_aton(dst) +
            struct.pack("!BBH", 0, socket.IPPROTO_TCP, length))


def segment(src, dst, sport, dport, seq, ack, flags, win=65535, opts=b"",
            payload=b""):
    """An RFC 9293 section 3.1 header (plus payload), checksum included."""
    doff = (20 + len(opts)) // 4
    seg = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, doff << 4, flags,
                      win, 0, 0) + opts + payload
    c = _csum16(_pseudo(src, dst, len(seg)) + seg)
    return seg[:16] + struct.pack("!H", c) + seg[18:]


class Wire:
    """A raw IP socket for the edu_tcp protocol, created in the current
    namespace: send() puts a hand-made segment on the wire, seen() returns
    the segments that arrived since (a copy of each; edu_tcp still gets
    them)."""

    def __init__(self, bind_ip=None):
        self.s = socket.socket(socket.AF_INET, socket.SOCK_RAW, PROTO)
        if bind_ip:
            self.s.bind((bind_ip, 0))
        self.s.setblocking(False)

    def send(self, dst, seg):
        self.s.sendto(seg, (dst, 0))

    def seen(self):
        out = []
        while True:
            try:
                pkt = self.s.recv(65535)
            except BlockingIOError:
                return out
            ihl = (pkt[0] & 0x0F) * 4
            src, dst = socket.inet_ntoa(pkt[12:16]), socket.inet_ntoa(pkt[16:20])
            seg = pkt[ihl:]
            if len(seg) < 20:
                continue
            sp, dp, seq, ack, off, fl, win, _, urp = struct.unpack(
                "!HHIIBBHHH", seg[:20])
            hl = (off >> 4) * 4
            out.append(dict(src=ep(src, sp), dst=ep(dst, dp), seq=seq,
                            ack=ack, flags=fl, win=win, urp=urp,
                            data=seg[hl:],
                            csum_ok=_csum16(_pseudo(src, dst, len(seg)) +
                                            seg) == 0))

    def close(self):
        self.s.close()


# ---------------------------------------------------------------------------
# The tracepoints
# ---------------------------------------------------------------------------


class Event:
    """One trace line: name (seg_out, seg_in, state, retransmit, timer,
    drop), time in seconds, fields as strings (numbers as ints)."""

    def __init__(self, name, ts, fields):
        self.name, self.ts, self.f = name, ts, fields

    def __getitem__(self, k):
        return self.f[k]

    def get(self, k, default=None):
        return self.f.get(k, default)

    @property
    def plen(self):
        """Sequence space the segment occupies: data, plus one each for
        SYN and FIN (RFC 9293 section 3.4)."""
        fl = self.f.get("flags", "")
        return self.f.get("len", 0) + ("S" in fl) + ("F" in fl)

    def __repr__(self):
        return "%s %s" % (self.name, " ".join(
            "%s=%s" % kv for kv in self.f.items()))


_EVENT_RE = re.compile(r"(\d+\.\d+): edu_tcp_([a-z_]+): (.*)$")
_NUMERIC = ("seq", "ack", "rseq", "rack", "len", "win", "backoff", "rto_ms")


def parse_trace(text):
    events = []
    for line in text.splitlines():
        m = _EVENT_RE.search(line)
        if not m:
            continue
        fields = dict(kv.split("=", 1) for kv in m.group(3).split()
                      if "=" in kv)
        for k in _NUMERIC:
            if k in fields:
                fields[k] = int(fields[k])
        events.append(Event(m.group(2), float(m.group(1)), fields))
    return events


def trace_start():
    """Empty the trace buffer and switch the edu_tcp events on."""
    with open(os.path.join(TRACING, "tracing_on"), "w") as f:
        f.write("0")
    with open(os.path.join(TRACING, "trace"), "w") as f:
        f.write("")
    with open(os.path.join(TRACING, "events/edu_tcp/enable"), "w") as f:
        f.write("1")
    with open(os.path.join(TRACING, "tracing_on"), "w") as f:
        f.write("1")


TRACE_FILE = None


def trace_stop():
    """Save the trace (build/labs/NAME.trace) and return its events."""
    global TRACE_FILE
    time.sleep(0.2)         # the last segment may still be in softirq
    with open(os.path.join(TRACING, "trace")) as f:
        text = f.read()
    for d in (os.path.join(ROOT, "build", "labs"), "/tmp"):
        try:
            os.makedirs(d, exist_ok=True)
            TRACE_FILE = os.path.join(d, NAME + ".trace")
            with open(TRACE_FILE, "w") as f:
                f.write(text)
            break
        except OSError:
            continue
    return parse_trace(text)


def trace_path():
    """Where trace_stop() saved the trace, relative to the repository."""
    if TRACE_FILE and TRACE_FILE.startswith(ROOT + "/"):
        return os.path.relpath(TRACE_FILE, ROOT)
    return TRACE_FILE


def segs(events, src=None, dst=None, name="seg_out"):
    """Segment events from src to dst (a.b.c.d:port strings)."""
    return [e for e in events if e.name == name and
            (src is None or e["src"] == src) and
            (dst is None or e["dst"] == dst)]


def states(events, src):
    """The state changes of the socket with local address src, as
    [(old, new), ...]."""
    return [(e["old"], e["new"]) for e in events
            if e.name == "state" and e["src"] == src]


_ladder_mod = None


def _edu_ladder():
    """tools/edu_ladder loaded as a module, once: a second python3 process
    per drawing would cost seconds in an emulated guest."""
    global _ladder_mod
    if _ladder_mod is None:
        import importlib.machinery
        import importlib.util
        loader = importlib.machinery.SourceFileLoader("edu_ladder", LADDER)
        spec = importlib.util.spec_from_loader("edu_ladder", loader)
        _ladder_mod = importlib.util.module_from_spec(spec)
        loader.exec_module(_ladder_mod)
    return _ladder_mod


def ladder(a, b, *args):
    """Draw the connection between endpoints a and b: the same as running
    tools/edu_ladder --filter a,b [args] on the saved trace."""
    import contextlib
    import io
    if not TRACE_FILE or not os.path.exists(LADDER):
        print("  (tools/edu_ladder not available)")
        return
    argv = ["edu_ladder", "--no-color", "--filter", "%s,%s" % (a, b)] + \
        list(args) + [TRACE_FILE]
    out, err = io.StringIO(), io.StringIO()
    saved, sys.argv = sys.argv, argv
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            rc = _edu_ladder().main()
    except SystemExit as e:
        rc = e.code
    finally:
        sys.argv = saved
    print(out.getvalue().rstrip("\n"))
    if rc or err.getvalue():
        print("  (edu_ladder: %s)" % (err.getvalue().strip() or rc))


def show_segs(events):
    """Segment events, one a line, with absolute numbers."""
    for e in events:
        print("  %-8s %s -> %s flags=%-4s seq=%u ack=%u len=%u state=%s" % (
            e.name, e["src"], e["dst"], e["flags"], e["seq"], e["ack"],
            e["len"], e["state"]))

# ---------------------------------------------------------------------------
# Output and verdict
# ---------------------------------------------------------------------------

_results = []


def step(text):
    print("\n-- " + text, flush=True)


def say(text=""):
    print(text, flush=True)


def check(ok, what, detail=""):
    """Record one thing the lab teaches; print it as it is checked."""
    ok = bool(ok)
    _results.append((ok, what))
    print("  %s  %s%s" % ("ok  " if ok else "FAIL", what,
                          ("  [" + detail + "]") if detail else ""),
          flush=True)
    return ok


def begin(title, point):
    print("=" * 78)
    print("lab %s: %s" % (NAME, title))
    print("seed notes: %s" % point)
    print("client %s (netns %s), server %s (netns %s), IP protocol %d" %
          (CIP, CLIENT, SIP, SERVER, PROTO))
    print("=" * 78, flush=True)


def restore_params():
    for name, old in _saved.items():
        try:
            with open(os.path.join(PARAMS, name), "w") as f:
                f.write(old)
        except OSError:
            pass
    _saved.clear()


def finish():
    restore_params()
    failed = [w for ok, w in _results if not ok]
    print()
    if TRACE_FILE:
        print("the trace: %s (draw it again: tools/edu_ladder %s)" % (
            trace_path(), trace_path()))
    if not _results:
        print("lab %s: FAIL: no check was made" % NAME)
        sys.exit(1)
    if failed:
        print("lab %s: FAIL: %d of %d checks failed:" % (
            NAME, len(failed), len(_results)))
        for w in failed:
            print("  - " + w)
        sys.exit(1)
    print("lab %s: PASS (%d checks)" % (NAME, len(_results)))
    sys.exit(0)


def run(main):
    """Run the lab's main(); an exception is a failed check, not a crash."""
    try:
        main()
    except Exception as e:          # noqa: BLE001 - reported, then fail
        import traceback
        traceback.print_exc()
        check(False, "the lab ran to its end", "%s: %s" %
              (type(e).__name__, e))
    finish()


# A shorthand the labs use for "ip:port".
def ep(ip, port):
    return "%s:%d" % (ip, port)

