#!/usr/bin/env python3
"""SMTP ingest with Postfix's own smtp-source as the load generator, for any stack.

smtp_source_ingest.py --port P --maildir DIR --rcpt ADDR --messages N --size BYTES --concurrency C
                      [--probe-rcpt ADDR --probe-maildir DIR] [--aside DIR] [--timeout S]

- accepted msgs/s: N ÷ the wall time smtp-source needs to have every message answered 250.
- end-to-end msgs/s: N ÷ the time until N new files are in DIR/new + DIR/cur (polled every 5 ms).
- accept→Maildir p50/p99: while the load runs, a probe sends one message at a time (on its own
  connection, to a second mailbox that only probes reach), notes the 250 after DATA and polls
  that Maildir every millisecond until the file is there (renamed into new/: a reader can see
  it). File ctimes would be simpler but the kernel stamps them from a coarse clock (±4 ms).
The target Maildirs are emptied first: their files are deleted, or with --aside DIR moved into a
new directory under DIR (same file system), which keeps their inodes allocated. On ext4 without a
journal (this bench machine's disk) every file created within 60 s of a deletion skips, one by one,
each inode freed in that time in its block group (recently_deleted() in fs/ext4/ialloc.c), under
its directory's lock: deleting 10,000 files right before a measurement made the next minute's
deliveries pay for it (37 % of a delivery worker's CPU at 2 KB c=10 was that scan). A server does not
delete its mailbox before each burst of mail, so bench/run.sh and ab.sh move the files aside and
delete them when the run ends. Bounded by --timeout.
"""
import argparse
import json
import os
import smtplib
import subprocess
import sys
import tempfile
import threading
import time



def count(maildir):
    return sum(len(os.listdir(os.path.join(maildir, sub))) for sub in ("new", "cur"))


def empty(maildir, aside=None):
    target = tempfile.mkdtemp(dir=aside) if aside else None
    for sub in ("new", "cur"):
        path = os.path.join(maildir, sub)
        for name in os.listdir(path):
            if target:
                os.rename(os.path.join(path, name), os.path.join(target, f"{sub}-{name}"))
            else:
                os.unlink(os.path.join(path, name))


def percentile(values, p):
    values = sorted(values)
    if not values:
        return None
    k = min(len(values) - 1, max(0, round(p / 100 * len(values) + 0.5) - 1))
    return values[k]


def probe_loop(args, stop, latencies, errors):
    """One probe at a time: send, note the 250, poll the probe Maildir every millisecond until the
    file is there (it only ever holds probes), wait 50 ms, repeat while the load runs."""
    n = 0
    while not stop.is_set() and n < 2000:
        n += 1
        before = count(args.probe_maildir)
        try:
            with smtplib.SMTP("127.0.0.1", args.port, timeout=60) as s:
                s.ehlo("probe.bench.test")
                s.mail("probe@load.test")
                s.rcpt(args.probe_rcpt)
                s.data(f"Subject: probe {n}\r\nFrom: <probe@load.test>\r\n"
                       f"To: <{args.probe_rcpt}>\r\n\r\nprobe\r\n".encode())
                accepted = time.perf_counter()
        except (smtplib.SMTPException, OSError) as e:
            errors.append(str(e))
            stop.wait(0.05)
            continue
        limit = accepted + 60
        while count(args.probe_maildir) <= before:
            if time.perf_counter() > limit:
                errors.append(f"probe {n} not in Maildir after 60 s")
                return
            time.sleep(0.001)
        latencies.append(time.perf_counter() - accepted)
        stop.wait(0.05)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--maildir", required=True)
    parser.add_argument("--rcpt", required=True)
    parser.add_argument("--messages", type=int, required=True)
    parser.add_argument("--size", type=int, required=True)
    parser.add_argument("--concurrency", type=int, required=True)
    parser.add_argument("--probe-rcpt")
    parser.add_argument("--probe-maildir")
    parser.add_argument("--aside", help="move the Maildirs' files into a new directory here instead of deleting them")
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument("--smtp-source", default="/usr/sbin/smtp-source")
    args = parser.parse_args()
    if not (0 < args.messages <= 1_000_000 and 0 < args.concurrency <= 1000):
        parser.error("--messages 1..1000000, --concurrency 1..1000")
    deadline = time.monotonic() + args.timeout

    if args.aside:
        os.makedirs(args.aside, exist_ok=True)
    empty(args.maildir, args.aside)
    probing = bool(args.probe_rcpt and args.probe_maildir)
    if probing:
        empty(args.probe_maildir, args.aside)
    stop, latencies, errors = threading.Event(), [], []
    prober = threading.Thread(target=probe_loop, args=(args, stop, latencies, errors), daemon=True)

    command = [args.smtp_source, "-s", str(args.concurrency), "-m", str(args.messages),
               "-l", str(args.size), "-f", "load@load.test", "-t", args.rcpt,
               "-M", "load.bench.test", f"127.0.0.1:{args.port}"]
    if probing:
        prober.start()
    t0 = time.perf_counter()
    run = subprocess.run(command, capture_output=True, timeout=max(1, deadline - time.monotonic()))
    t_accept = time.perf_counter() - t0
    stop.set()
    if run.returncode != 0 or run.stderr.strip():
        sys.exit(f"smtp_source_ingest: smtp-source failed ({run.returncode}): {run.stderr.decode()[-500:]}")

    while count(args.maildir) < args.messages:
        if time.monotonic() > deadline:
            sys.exit(f"smtp_source_ingest: only {count(args.maildir)} of {args.messages} in Maildir before the timeout")
        time.sleep(0.005)
    t_e2e = time.perf_counter() - t0

    if probing:
        prober.join(60)

    print(json.dumps({
        "messages": args.messages, "size": args.size, "concurrency": args.concurrency,
        "accept_s": t_accept, "e2e_s": t_e2e,
        "accepted_per_s": args.messages / t_accept, "e2e_per_s": args.messages / t_e2e,
        "probes": len(latencies), "probe_errors": len(errors),
        "p50_s": percentile(latencies, 50), "p99_s": percentile(latencies, 99),
    }))


if __name__ == "__main__":
    main()
