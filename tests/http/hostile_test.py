#!/usr/bin/env python3
"""Hostile clients against the running vigil, on its control (2323), memtrace (4242) and
HTTP ports, all on loopback:

  - 500 silent connections from 127.0.0.2 to each port; then a client from 127.0.0.1 is
    answered on each port within 100 ms (a functional bound, generous for loopback: it
    catches a lock-out, which lasts until the 10 s idle timeout, not a slow path);
  - the HTTP port: a bad request line (400), another method (405 with Allow), an unknown
    path (404 listing the paths), 9 KiB of headers (431), a request too slow to arrive
    (408), over http.max_connections (503, with every connection busy), over
    http.max_connections_per_peer (503);
  - vigil's RSS stays bounded (under 16 MiB more with the control and HTTP floods open)
    and it keeps running, then exits 0 on SIGTERM.

usage: hostile_test.py VIGIL
Exit 77 (skipped) when 127.0.0.2 cannot be bound."""
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time

FLOOD = 500
failures = []


def check(ok, what):
    print(("PASS: " if ok else "FAIL: ") + what)
    if not ok:
        failures.append(what)


def log_port(path, what, optional=False):
    """The port of WHAT's "listening on" line; None when `optional` and vigil started
    without it (builds without memprof have no memtrace port)."""
    for _ in range(100):
        with open(path) as f:
            text = f.read()
        m = re.search(what + r" listening on [^\s]*:(\d+)", text)
        if m:
            return int(m.group(1))
        if optional and "vigil started" in text:
            print("note: no %s port in this build" % what)
            return None
        time.sleep(0.1)
    raise SystemExit("FAIL: no '%s' line in vigil's log" % what)


def connect(port, src="127.0.0.1"):
    s = socket.socket()
    s.bind((src, 0))
    s.settimeout(5)
    s.connect(("127.0.0.1", port))
    return s


def read_all(s):
    out = b""
    try:
        while True:
            b = s.recv(65536)
            if not b:
                return out
            out += b
    except (socket.timeout, ConnectionResetError):
        return out


def talk(port, data, src="127.0.0.1"):
    s = connect(port, src)
    if data:
        s.sendall(data)
    out = read_all(s)
    s.close()
    return out


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))


def answered_within(port, request, expect, limit_s=0.1):
    t0 = time.monotonic()
    s = connect(port)
    if request:
        s.sendall(request)
        s.shutdown(socket.SHUT_WR)  # the control port's batch ends at EOF
    first = s.recv(65536) if expect else read_all(s)
    took = time.monotonic() - t0
    s.close()
    return (expect is None or first.startswith(expect)), took, first


def main():
    vigil = sys.argv[1]
    try:
        socket.socket().bind(("127.0.0.2", 0))
    except OSError:
        print("SKIP: cannot bind 127.0.0.2")
        return 77
    tmp = tempfile.mkdtemp()
    err = os.path.join(tmp, "vigil.err")
    proc = subprocess.Popen(
        [vigil, "--set", "http.listen=127.0.0.1:0", "--set", "control.listen=127.0.0.1:0",
         "--set", "memtrace.listen=127.0.0.1:0", "--set", "http.idle_timeout=1s",
         "--set", "http.max_connections=16",
         # A trace session starts at the memtrace flood's first connection. At this rate the
         # scrapes that follow it are sampled at once, so the symbolizer's one-time load
         # (libdw, vigil's debug information) happens then, before RSS is measured, and not
         # at an unknown later moment; the short queue bounds what the silent client holds.
         "--set", "memtrace.sampling_rate=0.01", "--set", "memtrace.max_queue_bytes=65536"],
        stdout=subprocess.DEVNULL, stderr=open(err, "w"))
    try:
        ports = (log_port(err, "HTTP port"), log_port(err, "control port"),
                 log_port(err, "memtrace", optional=True))
        return run_tests(proc, *ports)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        subprocess.run(["rm", "-rf", tmp])


def run_tests(proc, http, control, memtrace):
    get = b"GET /metrics HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
    # --- bad requests on the HTTP port.
    r = talk(http, b"hello there\r\n\r\n")
    check(r.startswith(b"HTTP/1.1 400 "), "bad request line: 400")
    r = talk(http, b"DELETE /metrics HTTP/1.1\r\n\r\n")
    check(r.startswith(b"HTTP/1.1 405 ") and b"\r\nAllow: GET, HEAD\r\n" in r,
          "DELETE: 405 with Allow")
    r = talk(http, b"GET /nope HTTP/1.1\r\nConnection: close\r\n\r\n")
    check(r.startswith(b"HTTP/1.1 404 ") and b"/metrics" in r and b"/debug/pprof/heap" in r,
          "unknown path: 404 with the list of paths")
    r = talk(http, b"GET /metrics HTTP/1.1\r\nX-Big: " + b"a" * 9216 + b"\r\n\r\n")
    check(r.startswith(b"HTTP/1.1 431 "), "9 KiB of headers: 431")
    t0 = time.monotonic()
    r = talk(http, b"GET /metrics HTTP/1.1\r\nHost: slo")
    check(r.startswith(b"HTTP/1.1 408 ") and time.monotonic() - t0 >= 0.9,
          "a request too slow to arrive: 408 after the idle timeout (1 s here)")
    r = talk(http, b"HEAD /metrics HTTP/1.1\r\nConnection: close\r\n\r\n")
    check(r.startswith(b"HTTP/1.1 200 ") and r.endswith(b"\r\n\r\n"), "HEAD: 200, no body")

    # --- over max_connections (16) with every connection busy: half-sent requests (not
    # silent: they have sent something) from 16 addresses hold every slot.
    busy = []
    for i in range(16):
        s = connect(http, "127.0.0.%d" % (10 + i))
        s.sendall(b"GET /metrics HTTP/1.1\r\n")
        busy.append(s)
    time.sleep(0.2)
    r = talk(http, get, "127.0.0.9")
    check(r.startswith(b"HTTP/1.1 503 "), "over http.max_connections, all busy: 503")
    for s in busy:
        s.close()
    time.sleep(0.3)

    # --- over max_connections_per_peer (8).
    held = [connect(http, "127.0.0.3") for _ in range(8)]
    r = talk(http, get, "127.0.0.3")
    check(r.startswith(b"HTTP/1.1 503 ") and b"from your address" in r,
          "the 9th connection of one address: 503")
    for s in held:
        s.close()

    # --- 500 silent connections from 127.0.0.2 on each port.
    # The memtrace flood goes first: its first connection starts a trace session, whose
    # symbolizer loads vigil's debug information (tens of MiB, once); RSS is measured after.
    flood = []
    rss0 = rss_kib(proc.pid)
    for port in (memtrace, control, http):
        if port is None:
            continue
        for _ in range(FLOOD):
            try:
                flood.append(connect(port, "127.0.0.2"))
            except OSError:
                pass
        time.sleep(0.5)
        if port == memtrace:
            # Wait until the session's start-up (the symbolizer loading libdw and the debug
            # information) is over: RSS steady within 1 MiB for two half seconds in a row, 20 s
            # at most. The trace server's own work is never sampled: scrapes make the first
            # samples.
            for _ in range(10):
                answered_within(http, get, b"HTTP/1.1 200 ")
            rss0 = rss_kib(proc.pid)
            steady = 0
            for _ in range(40):
                time.sleep(0.5)
                now = rss_kib(proc.pid)
                steady = steady + 1 if abs(now - rss0) < 1024 else 0
                rss0 = now
                if steady == 2:
                    break
    checks = [("control", control, b"l\n", b"ok: "),
              ("memtrace", memtrace, None, None),
              ("HTTP", http, get, b"HTTP/1.1 200 ")]
    for name, port, request, expect in checks:
        if port is None:
            continue
        if name == "memtrace":
            # The trace session went to the flood's first connection, which stays silent: the
            # port answers at once by closing (a trace is running), as it does for anyone.
            t0 = time.monotonic()
            s = connect(port)
            data = read_all(s)
            took = time.monotonic() - t0
            s.close()
            ok = data == b""
        else:
            ok, took, data = answered_within(port, request, expect)
        check(ok and took < 0.1,
              "%s port answers 127.0.0.1 in %.1f ms after %d silent connections from 127.0.0.2"
              % (name, took * 1000, FLOOD))
    rss1 = rss_kib(proc.pid)
    check(rss1 - rss0 < 16 * 1024,
          "RSS %d KiB -> %d KiB with %d silent connections open (bound: +16 MiB)"
          % (rss0, rss1, 2 * FLOOD))
    for s in flood:
        s.close()
    time.sleep(0.3)
    check(proc.poll() is None, "vigil still runs")
    proc.send_signal(signal.SIGTERM)
    check(proc.wait(timeout=10) == 0, "vigil exits 0 on SIGTERM")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
