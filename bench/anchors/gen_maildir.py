#!/usr/bin/env python3
"""Generates the bench's mail data once, so every stack reads the same bytes.

gen_maildir.py ROOT DOMAIN --corpus-user box --messages N [--empty-user bench ...] --passwd FILE

- ROOT/DOMAIN/<corpus-user>/cur/ gets N messages (deterministic: seeded, sizes 1-40 KB with a
  long tail, a mix of Seen/unseen), named the way Dovecot and Facteur name Maildir files
  (<time>.M<usec>P<pid>Q<n>.<host>,S=<size>:2,<flags>) and without any index or uidlist, so the
  first SELECT/UIDL of each stack starts cold from the same files.
- every --empty-user gets an empty Maildir (cur/ new/ tmp/); --warm-user gets 50 messages.
- --passwd gets a Dovecot passwd-file ({SSHA512}, which Facteur verifies too) for all users, with
  the password "bench-password".
"""
import argparse
import base64
import hashlib
import os
import random

PASSWORD = "bench-password"
WORDS = ("mail server queue delivery invoice meeting report budget travel project release "
         "dakar thies ziguinchor paris lyon network storage backup review draft urgent weekly "
         "contract customer support order shipping payment schedule").split()


def body_text(rng, size):
    lines, total = [], 0
    while total < size:
        line = " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 12)))
        lines.append(line)
        total += len(line) + 2
    return "\r\n".join(lines) + "\r\n"


def message(rng, n, domain, user):
    # Sizes: mostly small, some larger, like a real inbox (median ~4 KB, max 40 KB).
    size = min(40_000, int(rng.lognormvariate(8.3, 0.8)))
    sender = f"{rng.choice(WORDS)}{rng.randint(1, 50)}@example.org"
    subject = " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 6)))
    if n % 100 == 0:
        subject += " needle"  # SEARCH SUBJECT "needle" matches 1 %
    day = 1 + n % 28
    headers = (
        f"Return-Path: <{sender}>\r\n"
        f"Received: from mx.example.org (mx.example.org [192.0.2.1])\r\n"
        f"\tby mx.{domain} with ESMTP id b{n:08d}; Mon, {day} Sep 2026 10:{n % 60:02d}:00 +0000\r\n"
        f"Message-ID: <bench.{n}@example.org>\r\n"
        f"Date: Mon, {day} Sep 2026 10:{n % 60:02d}:00 +0000\r\n"
        f"From: Sender {n % 97} <{sender}>\r\n"
        f"To: <{user}@{domain}>\r\n"
        f"Subject: {subject} #{n}\r\n"
        f"MIME-Version: 1.0\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\n"
        f"\r\n"
    )
    # Maildir files hold LF line ends (as Postfix, Dovecot and Facteur write them).
    return (headers + body_text(rng, size)).replace("\r\n", "\n").encode()


def maildir(path):
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(path, sub), exist_ok=True)


def ssha512(rng):
    salt = rng.randbytes(16)
    return "{SSHA512}" + base64.b64encode(hashlib.sha512(PASSWORD.encode() + salt).digest() + salt).decode()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("root")
    parser.add_argument("domain")
    parser.add_argument("--corpus-user", default="box")
    parser.add_argument("--messages", type=int, required=True)
    parser.add_argument("--empty-user", action="append", default=[])
    parser.add_argument("--warm-user", help="gets 50 messages: the bench warms each server (JIT, caches) on it")
    parser.add_argument("--passwd", required=True)
    args = parser.parse_args()
    if not 0 < args.messages <= 200_000:
        parser.error("--messages is 1..200000")

    rng = random.Random(20261129)
    box = os.path.join(args.root, args.domain, args.corpus_user)
    maildir(box)
    base = 1_790_000_000
    for n in range(1, args.messages + 1):
        data = message(rng, n, args.domain, args.corpus_user)
        flags = "S" if n <= args.messages * 7 // 10 else ""
        name = f"{base + n}.M{n % 1_000_000}P4242Q{n}.bench,S={len(data)}:2,{flags}"
        with open(os.path.join(box, "cur", name), "wb") as f:
            f.write(data)
        stamp = base + n
        os.utime(os.path.join(box, "cur", name), (stamp, stamp))
    for user in args.empty_user:
        maildir(os.path.join(args.root, args.domain, user))
    if args.warm_user:
        warm = os.path.join(args.root, args.domain, args.warm_user)
        maildir(warm)
        for n in range(1, 51):
            data = message(rng, n, args.domain, args.warm_user)
            with open(os.path.join(warm, "cur", f"{base + n}.M{n}P4243Q{n}.bench,S={len(data)}:2,"), "wb") as f:
                f.write(data)

    with open(args.passwd, "w") as f:
        for user in [args.corpus_user, *args.empty_user, *([args.warm_user] if args.warm_user else [])]:
            f.write(f"{user}@{args.domain}:{ssha512(rng)}:::::\n")


if __name__ == "__main__":
    main()
