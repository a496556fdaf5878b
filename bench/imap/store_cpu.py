#!/usr/bin/env python3
"""STORE 1:* +FLAGS.SILENT then -FLAGS.SILENT (\\Flagged) against several running IMAP servers, interleaved
round by round, reporting per pair the wall time and what the serving process spent (from /proc/PID/stat):
on a machine too loaded for wall times to mean much, CPU time still compares the stacks.

    MODE=all|user|sys|flt python3 bench/imap/store_cpu.py REPS NAME:PORT:PID ...

PID is the server process; for Dovecot give D<master pid>: the newest `imap` child after login is used.
MODE: all = user+sys CPU ms, user, sys, flt = minor page faults. Logs in as box@bench.test / bench-password
(bench/anchors/gen_maildir.py's corpus user), SELECTs INBOX, runs one unmeasured pair first (warm-up).
Loopback only; bounded by REPS.
"""
import imaplib
import os
import sys
import time

MODE = os.environ.get("MODE", "all")


def counter(pid):
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    if MODE == "flt":
        return int(f[7]) / 1000
    if MODE == "user":
        return int(f[11]) / tick
    if MODE == "sys":
        return int(f[12]) / tick
    return (int(f[11]) + int(f[12])) / tick


def pair(c):
    c.store("1:*", "+FLAGS.SILENT", "(\\Flagged)")
    c.store("1:*", "-FLAGS.SILENT", "(\\Flagged)")


stacks = []
for a in sys.argv[2:]:
    name, port, pid = a.split(":")
    c = imaplib.IMAP4("127.0.0.1", int(port))
    c.login("box@bench.test", "bench-password")
    c.select("INBOX")
    if pid.startswith("D"):
        kids = [int(x) for x in os.popen(f"pgrep -P {pid[1:]} -x imap").read().split()]
        pid = max(kids)
    pair(c)
    stacks.append((name, c, int(pid)))

reps = int(sys.argv[1])
results = {name: ([], []) for name, _, _ in stacks}
for _ in range(reps):
    for name, c, pid in stacks:
        c0 = counter(pid)
        t = time.perf_counter()
        pair(c)
        results[name][0].append((time.perf_counter() - t) * 1000)
        results[name][1].append((counter(pid) - c0) * 1000)

for name, (wall, spent) in results.items():
    w, s = sorted(wall), sorted(spent)
    print(f"{name}: wall median {w[len(w) // 2]:.0f} ms {[round(x) for x in wall]}; "
          f"{MODE} median {s[len(s) // 2]:.0f} {[round(x) for x in spent]}")
