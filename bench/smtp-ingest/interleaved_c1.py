#!/usr/bin/env python3
"""Interleaved per-message A/B at c=1, for a loaded machine where whole-run A/Bs swing 2x.

interleaved_c1.py ROUNDS SIZE RCPT NAME=PORT [NAME=PORT ...]

Each round opens one SMTP session to every stack, in a shuffled order, and sends one message of
SIZE octets to RCPT, so every stack sees the same load at the same moment. Per stack: session time
(connect to the QUIT reply) and end-of-DATA to 250, p50 / mean / p90 in ms, and the median of the
per-round difference against the first stack. The first fifth of the rounds is dropped (warm-up).
Loopback only; bounded by ROUNDS and a 60 s timeout on every socket operation.
"""
import socket, sys, time, statistics, random
n = int(sys.argv[1]); size = int(sys.argv[2]); rcpt = sys.argv[3]; stacks = [a.split("=") for a in sys.argv[4:]]
body = (b"From: <load@load.test>\r\nTo: <" + rcpt.encode() + b">\r\nSubject: pair\r\n\r\n")
while len(body) < size: body += b"y" * 76 + b"\r\n"
body += b".\r\n"
def reply(f):
    while True:
        l = f.readline()
        if not l: raise SystemExit("closed")
        if l[3:4] != b"-": return l
def session(port):
    t0 = time.perf_counter()
    s = socket.create_connection(("127.0.0.1", port), timeout=60); s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    f = s.makefile("rb"); reply(f)
    for cmd in (b"EHLO pair.test\r\n", b"MAIL FROM:<load@load.test>\r\n", b"RCPT TO:<" + rcpt.encode() + b">\r\n", b"DATA\r\n"):
        s.sendall(cmd); reply(f)
    t = time.perf_counter(); s.sendall(body); r = reply(f); d = time.perf_counter() - t
    if not r.startswith(b"250"): raise SystemExit(r)
    s.sendall(b"QUIT\r\n"); reply(f); s.close()
    return time.perf_counter() - t0, d
res = {name: ([], []) for name, _ in stacks}
for i in range(n):
    order = stacks[:] ; random.shuffle(order)
    for name, port in order:
        a, b = session(int(port)); res[name][0].append(a); res[name][1].append(b)
skip = n // 5
base = stacks[0][0]
print(f"| stack | session p50 / mean / p90 (ms) | DATA end→250 p50 / mean / p90 (ms) | paired Δ session vs {base} (median) | paired Δ 250 vs {base} (median) |")
print("|---|---|---|---|---|")
for name, _ in stacks:
    sv, dv = res[name][0][skip:], res[name][1][skip:]
    q = lambda v: f"{statistics.median(v)*1e3:.2f} / {statistics.mean(v)*1e3:.2f} / {sorted(v)[int(len(v)*0.9)]*1e3:.2f}"
    ds = statistics.median([x - y for x, y in zip(sv, res[base][0][skip:])]) * 1e3
    dd = statistics.median([x - y for x, y in zip(dv, res[base][1][skip:])]) * 1e3
    print(f"| {name} | {q(sv)} | {q(dv)} | {ds:+.2f} | {dd:+.2f} |")
