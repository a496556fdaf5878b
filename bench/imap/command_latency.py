#!/usr/bin/env python3
"""Per-command latency over one IMAP session: each command template is sent N times, one at a time
(the client waits for the tagged reply), on random message numbers ({n} in the template), ROUNDS times.

    python3 bench/imap/command_latency.py PORT ROUNDS N [--user U] [--password P] [--messages M] CMD...
    e.g. ... 21430 1 2000 "NOOP" "FETCH {n} (FLAGS)" "FETCH {n} (BODY.PEEK[])"

Prints the mean microseconds per command for each template and round. For probes of one path (the
first FETCH of each message, a command's fixed cost), not a table row: bench/run.sh measures those.
Bounded: every read has a 30 s timeout.
"""
import argparse
import random
import re
import socket
import time

parser = argparse.ArgumentParser()
parser.add_argument("port", type=int)
parser.add_argument("rounds", type=int)
parser.add_argument("n", type=int)
parser.add_argument("commands", nargs="+")
parser.add_argument("--user", default="box@bench.test")
parser.add_argument("--password", default="bench-password")
parser.add_argument("--messages", type=int, default=10000, help="the highest message number {n} takes")
args = parser.parse_args()

sock = socket.create_connection(("127.0.0.1", args.port), timeout=30)
sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
reader = sock.makefile("rb")
reader.readline()
tag = 0


def command(text):
    global tag
    tag += 1
    prefix = b"c%d " % tag
    sock.sendall(prefix + text.encode() + b"\r\n")
    while True:
        line = reader.readline()
        if not line:
            raise RuntimeError("connection closed")
        literal = re.search(rb"\{(\d+)\}\r\n$", line)
        if literal:
            reader.read(int(literal.group(1)))
        if line.startswith(prefix):
            if not line[len(prefix):].startswith(b"OK"):
                raise RuntimeError(f"{text!r} -> {line!r}")
            return


command(f'LOGIN "{args.user}" "{args.password}"')
command("SELECT INBOX")
rnd = random.Random(7)
for round_number in range(1, args.rounds + 1):
    for template in args.commands:
        picks = [rnd.randint(1, args.messages) for _ in range(args.n)]
        started = time.perf_counter()
        for pick in picks:
            command(template.replace("{n}", str(pick)))
        elapsed = time.perf_counter() - started
        print(f"round {round_number} {template:28s} {elapsed / args.n * 1e6:7.0f} us", flush=True)
command("LOGOUT")
