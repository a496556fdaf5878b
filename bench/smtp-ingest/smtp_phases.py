#!/usr/bin/env python3
"""Where an SMTP session's time goes, phase by phase, one message per session as smtp-source sends them.

    python3 bench/smtp-ingest/smtp_phases.py PORT CONCURRENCY COUNT SIZE [RCPT]

CONCURRENCY threads send COUNT messages of about SIZE octets to RCPT (default bench@bench.test) on
127.0.0.1:PORT. Prints msgs/s and the p50/p90 in ms of: connect → banner, EHLO, MAIL + RCPT, DATA → 354,
the body handed to the kernel, end of data → 250, QUIT. Bounded by COUNT; every read times out after 60 s.
Used to compare two stacks started side by side (docs/README-perf.md, stop 39).
"""
import socket
import statistics
import sys
import threading
import time

port, conc, count, size = (int(a) for a in sys.argv[1:5])
rcpt = sys.argv[5] if len(sys.argv) > 5 else "bench@bench.test"
body = b"Subject: phase\r\n\r\n" + (b"x" * 76 + b"\r\n") * max(1, size // 78)
names = ("connect", "ehlo", "mail_rcpt", "data354", "send", "end250", "quit")
phases = {name: [] for name in names}
lock = threading.Lock()
left = [count]


def reply(stream):
    while True:
        line = stream.readline()
        if len(line) < 4 or line[3:4] != b"-":
            return line


def expect(stream, code):
    line = reply(stream)
    if not line.startswith(code):
        raise SystemExit(f"smtp_phases: expected {code.decode()}, got {line!r}")


def worker():
    while True:
        with lock:
            if left[0] == 0:
                return
            left[0] -= 1
        marks = [time.perf_counter()]
        with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
            # Without it the ".\r\n" after the body waits for the body's ACK (Nagle), up to a
            # delayed ACK's 40 ms against a server that does not answer at once.
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            stream = sock.makefile("rb")
            expect(stream, b"220"); marks.append(time.perf_counter())
            sock.sendall(b"EHLO load.test\r\n"); expect(stream, b"250"); marks.append(time.perf_counter())
            sock.sendall(f"MAIL FROM:<load@load.test>\r\nRCPT TO:<{rcpt}>\r\n".encode())
            expect(stream, b"250"); expect(stream, b"250"); marks.append(time.perf_counter())
            sock.sendall(b"DATA\r\n"); expect(stream, b"354"); marks.append(time.perf_counter())
            sock.sendall(body); marks.append(time.perf_counter())
            sock.sendall(b".\r\n"); expect(stream, b"250"); marks.append(time.perf_counter())
            sock.sendall(b"QUIT\r\n"); reply(stream); marks.append(time.perf_counter())
        with lock:
            for name, start, end in zip(names, marks, marks[1:]):
                phases[name].append((end - start) * 1000)


began = time.perf_counter()
threads = [threading.Thread(target=worker) for _ in range(conc)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
wall = time.perf_counter() - began
print(f"{count / wall:.0f} msgs/s; " + ", ".join(
    f"{name} p50 {statistics.median(values):.2f} p90 {statistics.quantiles(values, n=10)[-1]:.2f}"
    for name, values in phases.items()))
