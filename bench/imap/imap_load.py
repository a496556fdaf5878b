#!/usr/bin/env python3
"""IMAP workloads for the side-by-side bench. Speaks plain IMAP4rev1 (RFC 3501) over a socket, so
it runs against Dovecot today and against Facteur's mailbox-api unchanged once IMAP lands.

imap_load.py ops   --port P --user U [--fetches 1000] [--repeat 3]
    SELECT cold (first SELECT of the session that follows a fresh copy of the data — the caller
    copies; with --cold-users u2,u3 also the first SELECT of each of those copies; with
    --selected-before, --user's INBOX was SELECTed before and only the copies count), SELECT warm,
    FETCH 1:* (BODY.PEEK[HEADER]), UID FETCH 1:* (FLAGS RFC822.SIZE INTERNALDATE ENVELOPE) (a client's
    header sync; its first run is reported apart: cold caches),
    --fetches random BODY.PEEK[] FETCHes, SEARCH (SUBJECT, FROM, UNSEEN) and UID SEARCH SUBJECT /
    FROM / TEXT one by one, STORE +FLAGS/-FLAGS \\Flagged on 1:* and STORE on one message, and
    with --appends N, N APPENDs of a 2 KB message to the same INBOX, one after another (expunged again after).
imap_load.py idle  --port P --user U --smtp-port S --rcpt ADDR [--samples 200] [--concurrency 10] [--warmup 20]
    IDLE wake latency: time from the SMTP server's 250 after DATA to "* n EXISTS" on an IDLE
    connection (RFC 2177), with --concurrency SMTP senders delivering --samples messages at once.
imap_load.py conns --port P --user U --pid PID --counts 1000,10000
    opens N authenticated connections that SELECT INBOX and IDLE, then reports the proportional
    set size (PSS) added to the process tree rooted at PID, per connection, and its CPU at rest
    over --rest seconds (60; CpuMeter says how it is counted). A level whose projected memory exceeds half of MemAvailable is skipped.
Each prints one JSON object. Everything is bounded by --timeout.
"""
import argparse
import asyncio
import json
import os
import random
import re
import resource
import smtplib
import socket
import sys
import threading
import time

LITERAL = re.compile(rb"\{(\d+)\}\r\n$")


class Imap:
    """A minimal synchronous IMAP client: tagged commands, literals read whole, untagged kept."""

    def __init__(self, host, port, timeout=120):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.file = self.sock.makefile("rb", buffering=1 << 16)
        self.tag = 0
        greeting = self.file.readline()
        if not greeting.startswith(b"* OK"):
            raise RuntimeError(f"greeting {greeting!r}")

    def read_response_line(self):
        """One server response line with its literals inlined."""
        line = self.file.readline()
        if not line:
            raise RuntimeError("connection closed")
        parts = [line]
        while (m := LITERAL.search(line)):
            parts.append(self.file.read(int(m.group(1))))
            line = self.file.readline()
            parts.append(line)
        return b"".join(parts)

    def command(self, text):
        self.tag += 1
        tag = b"b%d" % self.tag
        self.sock.sendall(tag + b" " + text.encode() + b"\r\n")
        untagged = []
        while True:
            line = self.read_response_line()
            if line.startswith(tag + b" "):
                if not line[len(tag) + 1:].startswith(b"OK"):
                    raise RuntimeError(f"{text!r} -> {line!r}")
                return untagged
            untagged.append(line)

    def append(self, mailbox, message):
        """APPEND with a non-synchronizing literal (RFC 7888 LITERAL+, which both servers announce): one round trip."""
        self.tag += 1
        tag = b"b%d" % self.tag
        self.sock.sendall(tag + b" APPEND " + mailbox.encode() + b" {%d+}\r\n" % len(message) + message + b"\r\n")
        while True:
            line = self.read_response_line()
            if line.startswith(tag + b" "):
                if not line[len(tag) + 1:].startswith(b"OK"):
                    raise RuntimeError(f"APPEND -> {line!r}")
                return

    def login(self, user, password):
        self.command(f'LOGIN "{user}" "{password}"')

    def close(self):
        try:
            self.command("LOGOUT")
        except (OSError, RuntimeError):
            pass
        self.sock.close()


def exists_of(untagged):
    for line in untagged:
        m = re.match(rb"\* (\d+) EXISTS", line)
        if m:
            return int(m.group(1))
    raise RuntimeError("SELECT gave no EXISTS")


def timed(fn):
    t0 = time.perf_counter()
    value = fn()
    return time.perf_counter() - t0, value


def ops(args):
    out = {k: [] for k in ("select_cold_s", "select_warm_s", "fetch_headers_s", "fetch_envelope_cold_s",
                           "fetch_envelope_s", "fetch_bodies_s", "search_s", "search_subject_s", "search_from_s",
                           "search_text_s", "store_s", "store_one_s", "append_s", "delete_one_s")}
    deadline = time.monotonic() + args.timeout
    for rep in range(max(1, min(args.repeat, 20))):
        if time.monotonic() > deadline:
            break
        first = Imap(args.host, args.port)
        first.login(args.user, args.password)
        seconds, untagged = timed(lambda: first.command("SELECT INBOX"))
        cold = rep == 0 and not args.selected_before
        if cold:
            out["select_cold_s"].append(seconds)  # only the first SELECT after the copy is cold
        count = exists_of(untagged)
        first.close()
        if rep == 0:
            # One cold SELECT is one figure that swings by a third between runs: --cold-users are copies of the
            # corpus made beside it (no index either), each selected once, here, so the row has a median. Each
            # after 2 s of rest, so none meets the work a server does after a first sync (its index written,
            # a collection) still running from the one before: the first cold SELECT does not either.
            for user in filter(None, args.cold_users.split(",")):
                time.sleep(2)
                other = Imap(args.host, args.port)
                other.login(user, args.password)
                seconds, untagged = timed(lambda: other.command("SELECT INBOX"))
                if exists_of(untagged) != count:
                    raise RuntimeError(f"{user}: SELECT gave {exists_of(untagged)} messages, not {count}")
                out["select_cold_s"].append(seconds)
                other.close()
        c = Imap(args.host, args.port)
        c.login(args.user, args.password)
        seconds, selected = timed(lambda: c.command("SELECT INBOX"))
        out["select_warm_s"].append(seconds)
        seconds, lines = timed(lambda: c.command("FETCH 1:* (UID FLAGS RFC822.SIZE BODY.PEEK[HEADER])"))
        if len(lines) < count:
            raise RuntimeError(f"header FETCH gave {len(lines)} of {count}")
        out["fetch_headers_s"].append(seconds)
        for key in (("fetch_envelope_cold_s", "fetch_envelope_s") if cold else ("fetch_envelope_s",)):
            seconds, lines = timed(lambda: c.command("UID FETCH 1:* (FLAGS RFC822.SIZE INTERNALDATE ENVELOPE)"))
            if len(lines) < count:
                raise RuntimeError(f"ENVELOPE FETCH gave {len(lines)} of {count}")
            out[key].append(seconds)
        picks = random.Random(7).sample(range(1, count + 1), min(args.fetches, count))

        def bodies():
            for n in picks:
                if time.monotonic() > deadline:
                    raise RuntimeError("timed out during body FETCHes")
                c.command(f"FETCH {n} (BODY.PEEK[])")
        out["fetch_bodies_s"].append(timed(bodies)[0])
        if not args.skip_combined_search:
            out["search_s"].append(timed(lambda: (c.command('SEARCH SUBJECT "needle"'),
                                                  c.command('SEARCH FROM "dakar"'),
                                                  c.command("SEARCH UNSEEN")))[0])
        out["store_s"].append(timed(lambda: (c.command("STORE 1:* +FLAGS.SILENT (\\Flagged)"),
                                             c.command("STORE 1:* -FLAGS.SILENT (\\Flagged)")))[0])
        out["search_subject_s"].append(timed(lambda: c.command('UID SEARCH SUBJECT "needle"'))[0])
        out["search_from_s"].append(timed(lambda: c.command('UID SEARCH FROM "dakar"'))[0])
        out["search_text_s"].append(timed(lambda: c.command('UID SEARCH TEXT "ziguinchor"'))[0])
        middle = max(1, count // 2)
        out["store_one_s"].append(timed(lambda: (c.command(f"STORE {middle} +FLAGS.SILENT (\\Flagged)"),
                                                 c.command(f"STORE {middle} -FLAGS.SILENT (\\Flagged)")))[0] / 2)
        if args.appends > 0:
            # A client filing mail into a large folder one message at a time (a move by APPEND, a migration tool).
            message = (f"From: <bench@load.test>\r\nTo: <{args.user}>\r\nSubject: appended {rep}\r\n\r\n"
                       + ("y" * 76 + "\r\n") * 25)

            def appends():
                for _ in range(min(args.appends, 10_000)):
                    if time.monotonic() > deadline:
                        raise RuntimeError("timed out during APPENDs")
                    c.append("INBOX", message.encode())
            out["append_s"].append(timed(appends)[0])
            out["appends"] = min(args.appends, 10_000)
            # Removed again (UIDPLUS, RFC 4315), so the later repetitions, and the POP3 rows after them, see the
            # corpus as it was. The first few one at a time as a client deletes a message — its \Deleted, then a
            # plain EXPUNGE (the corpus has no other \Deleted message) — timed per message; the rest unmeasured.
            uidnext = next(int(m.group(1)) for line in selected if (m := re.search(rb"\[UIDNEXT (\d+)\]", line)))
            deletes = min(args.appends, 20)

            def delete_one_by_one():
                for uid in range(uidnext, uidnext + deletes):
                    c.command(f"UID STORE {uid} +FLAGS.SILENT (\\Deleted)")
                    c.command("EXPUNGE")
            out["delete_one_s"].append(timed(delete_one_by_one)[0] / deletes)
            if args.appends > deletes:
                # Never "{uidnext}:*" once they are all gone: with no UID that high, * is the highest UID there is and
                # the set would name the corpus's last message (RFC 3501 §9, seq-range).
                rest = f"{uidnext + deletes}:{uidnext + min(args.appends, 10_000) - 1}"
                c.command(f"UID STORE {rest} +FLAGS.SILENT (\\Deleted)")
                c.command(f"UID EXPUNGE {rest}")
        c.close()
        out["messages"] = count
        out["fetches"] = len(picks)
    print(json.dumps(out))


def idle(args):
    """--concurrency SMTP senders (threads) deliver --samples messages in total to --rcpt while one
    connection IDLEs on its INBOX the whole time. Each "* n EXISTS" makes message n visible; the k-th
    message to become visible is matched with the k-th accept (the 250 after DATA) in time order, so
    a wake that covers several messages counts for each of them. --warmup messages go first, the
    same way, unmeasured (JIT, caches, thread pools: both stacks get them). Bounded by --samples,
    --warmup and --timeout."""
    c = Imap(args.host, args.port)
    c.login(args.user, args.password)
    base = exists_of(c.command("SELECT INBOX"))
    total = max(1, min(args.samples, 5000))
    warmup = max(0, min(args.warmup, 1000))
    senders = max(1, min(args.concurrency, 100))
    deadline = time.monotonic() + args.timeout
    c.sock.sendall(b"i IDLE\r\n")
    if not c.file.readline().startswith(b"+"):
        raise RuntimeError("IDLE refused")
    events = []  # (perf_counter time, EXISTS value), in arrival order
    cond = threading.Condition()

    def reader():
        while True:
            line = c.file.readline()
            if not line:
                return
            if (m := re.match(rb"\* (\d+) EXISTS", line)):
                with cond:
                    events.append((time.perf_counter(), int(m.group(1))))
                    cond.notify_all()
                    if int(m.group(1)) >= base + warmup + total:
                        return
    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    time.sleep(0.2)  # the server has entered IDLE
    errors = []

    def send(count, first):
        """count messages over `senders` connections; returns the accept times."""
        accepts = []
        numbers = iter(range(first, first + count))

        def sender():
            try:
                with smtplib.SMTP(args.host, args.smtp_port, timeout=30) as s:
                    s.ehlo("probe.bench.test")
                    while time.monotonic() < deadline:
                        with cond:
                            n = next(numbers, None)
                        if n is None:
                            return
                        s.mail("idle-probe@load.test")
                        s.rcpt(args.rcpt)
                        # smtplib.data returns after the server's reply to the final dot: the accept.
                        s.data(f"Subject: idle {n}\r\nFrom: <idle-probe@load.test>\r\nTo: <{args.rcpt}>\r\n\r\nwake\r\n".encode())
                        t = time.perf_counter()
                        with cond:
                            accepts.append(t)
            except Exception as e:  # reported below; the other senders go on
                errors.append(repr(e))
        threads = [threading.Thread(target=sender, daemon=True) for _ in range(senders)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(max(1, deadline - time.monotonic()))
        with cond:
            cond.wait_for(lambda: events and events[-1][1] >= base + first + len(accepts),
                          max(1, min(30, deadline - time.monotonic())))
            return sorted(accepts)

    if warmup:
        send(warmup, 0)
    accepted = send(total, warmup)
    if errors and not accepted:
        raise RuntimeError(f"no message accepted: {errors[0]}")
    with cond:
        seen = list(events)
    latencies = []
    for k, accept in enumerate(accepted, start=1):
        target = base + warmup + k
        visible = next((t for t, n in seen if n >= target), None)
        if visible is None:
            raise RuntimeError(f"{len(accepted) - k + 1} of {len(accepted)} accepted messages never showed in IDLE within 30 s")
        latencies.append(max(0.0, visible - accept))
    try:
        c.sock.sendall(b"DONE\r\n")
        c.close()
    except OSError:
        pass
    print(json.dumps({"idle_wake_s": latencies, "concurrency": senders, "warmup": warmup, "send_errors": errors[:3]}))


def tree_pids(root):
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry))
            except (OSError, IndexError, ValueError):
                pass
    pids, todo = [], [root]
    while todo:
        pid = todo.pop()
        pids.append(pid)
        todo.extend(children.get(pid, []))
    return pids


def pss_and_cpu(root):
    pss, ticks = 0, 0
    for pid in tree_pids(root):
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        pss += int(line.split()[1]) * 1024
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
                ticks += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            pass
    return pss, ticks / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """CPU time of a process tree, in seconds, for the CPU-at-rest row.

    Read from a cgroup of the bench's own (cgroup v1 cpuacct, else a v2 leaf's cpu.stat) that every
    process of the tree is moved into before each reading: the kernel charges it every nanosecond a
    member runs, the threads and processes that start or end inside the window included. The
    utime+stime of /proc/PID/stat, the fallback, is counted in clock ticks and misses the short wakes
    that make up a server at rest: with 10,000 IDLE sessions Dovecot's processes ran 740 ms in 30 s
    (their 30 s mailbox_idle_check_interval) while their ticks did not move (docs/README-perf.md,
    "CPU at rest, measured to the nanosecond")."""

    def __init__(self, root):
        self.root = root
        self.path, self.kind = None, "ticks"
        for base, kind in (("/sys/fs/cgroup/cpuacct", "cpuacct"), ("/sys/fs/cgroup/unified", "v2"), ("/sys/fs/cgroup", "v2")):
            usage = "cpuacct.usage" if kind == "cpuacct" else "cpu.stat"
            if not os.path.exists(os.path.join(base, "cgroup.procs")):
                continue  # not a mounted hierarchy
            path = os.path.join(base, f"facteur-bench-{os.getpid()}")
            try:
                os.makedirs(path, exist_ok=True)
                if not os.path.exists(os.path.join(path, usage)):
                    os.rmdir(path)
                    continue
                self.path, self.kind, self.base = path, kind, base
                self.enrol()
                if self.path:
                    self.seconds()
                    break
            except OSError:
                self.release()

    def enrol(self):
        """Moves every process of the tree into the cgroup (children forked later inherit it). A process
        the kernel will not move would go uncounted: then the ticks, for the whole level."""
        if self.path:
            try:
                for pid in tree_pids(self.root):
                    try:
                        with open(os.path.join(self.path, "cgroup.procs"), "w") as f:
                            f.write(str(pid))
                    except ProcessLookupError:
                        pass  # gone meanwhile
            except OSError:
                self.release()

    def seconds(self):
        if not self.path:
            return pss_and_cpu(self.root)[1]
        if self.kind == "cpuacct":
            with open(os.path.join(self.path, "cpuacct.usage")) as f:
                return int(f.read()) / 1e9
        with open(os.path.join(self.path, "cpu.stat")) as f:
            for line in f:
                if line.startswith("usage_usec "):
                    return int(line.split()[1]) / 1e6
        raise OSError("cpu.stat has no usage_usec")

    def release(self):
        """Hands the processes to the hierarchy's root (the bench stops the server right after), removes ours,
        and counts in ticks from then on."""
        if not self.path:
            return
        try:
            with open(os.path.join(self.path, "cgroup.procs")) as f:
                pids = f.read().split()
            for pid in pids:
                try:
                    with open(os.path.join(self.base, "cgroup.procs"), "w") as f:
                        f.write(pid)
                except OSError:
                    pass
            os.rmdir(self.path)
        except OSError:
            pass
        self.path, self.kind = None, "ticks"


def mem_available():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    return 0


async def open_idle(host, port, user, password, sem, retries):
    """One authenticated connection in IDLE. A NO to LOGIN/SELECT is retried (up to 5 times, on a
    new connection) and counted: the memory figure still gets measured, the count shows the fault."""
    async with sem:
        for attempt in range(6):
            reader, writer = await asyncio.open_connection(host, port)
            await reader.readline()
            refused = None
            for tag, text in ((b"a", f'LOGIN "{user}" "{password}"'), (b"s", "SELECT INBOX")):
                writer.write(tag + b" " + text.encode() + b"\r\n")
                while True:
                    line = await reader.readline()
                    if not line:
                        raise RuntimeError("closed during login")
                    if line.startswith(tag + b" "):
                        if not line.startswith(tag + b" OK"):
                            refused = line
                        break
                if refused:
                    break
            if refused:
                writer.close()
                if attempt == 5:
                    raise RuntimeError(refused)
                retries.append(refused.decode(errors="replace").strip())
                await asyncio.sleep(0.05 * (attempt + 1))
                continue
            writer.write(b"i IDLE\r\n")
            if not (await reader.readline()).startswith(b"+"):
                raise RuntimeError("IDLE refused")
            return writer


async def conns_async(args):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    out = {}
    writers = []
    per_conn = None
    meter = CpuMeter(args.pid)
    try:
        for target in (int(x) for x in args.counts.split(",")):
            if target + 100 > hard:
                out[str(target)] = {"skipped": f"ulimit -n is {hard}"}
                continue
            if per_conn and per_conn * (target - len(writers)) > mem_available() / 2:
                out[str(target)] = {"skipped": f"projected {per_conn * target / 2**30:.1f} GiB exceeds half of MemAvailable"}
                continue
            base_pss, _ = pss_and_cpu(args.pid)
            base_conns = len(writers)
            sem = asyncio.Semaphore(50)
            started = time.perf_counter()
            retries = []
            tasks = [open_idle(args.host, args.port, args.user, args.password, sem, retries) for _ in range(target - len(writers))]
            try:
                writers += await asyncio.wait_for(asyncio.gather(*tasks), timeout=args.timeout)
            except Exception as e:  # noqa: BLE001 — reported, the level is what failed
                out[str(target)] = {"failed": f"{type(e).__name__}: {e}"[:200]}
                break
            opened = time.perf_counter() - started
            await asyncio.sleep(min(3, args.rest))
            pss, _ = pss_and_cpu(args.pid)
            meter.enrol()
            cpu0 = meter.seconds()
            await asyncio.sleep(args.rest)
            cpu1 = meter.seconds()
            if base_conns == 0:
                per_conn = (pss - base_pss) / target
            else:
                per_conn = (pss - base_pss) / (target - base_conns)
            out[str(target)] = {"pss_bytes": pss, "per_conn_bytes": per_conn,
                                "cpu_at_rest_pct": (cpu1 - cpu0) / args.rest * 100, "cpu_method": meter.kind,
                                "rest_s": args.rest, "open_s": opened,
                                "retried_logins": len(retries), "first_refusal": retries[0] if retries else None}
    finally:
        for w in writers:
            w.close()
        meter.release()
    print(json.dumps(out))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=("ops", "idle", "conns"))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--password", default="bench-password")
    parser.add_argument("--fetches", type=int, default=1000)
    parser.add_argument("--appends", type=int, default=0, help="ops: 2 KB APPENDs to INBOX at the end of each repetition")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--smtp-port", type=int)
    parser.add_argument("--rcpt")
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=10, help="idle: concurrent SMTP senders")
    parser.add_argument("--warmup", type=int, default=20, help="idle: unmeasured messages sent first")
    parser.add_argument("--pid", type=int)
    parser.add_argument("--counts", default="1000,10000")
    parser.add_argument("--rest", type=float, default=60, help="seconds of CPU-at-rest measurement")
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--cold-users", default="",
                        help="ops: comma-separated users holding copies of --user's INBOX, each SELECTed cold once")
    parser.add_argument("--selected-before", action="store_true",
                        help="ops: --user's INBOX was SELECTed earlier in this server's life: its first SELECT, "
                             "and its first ENVELOPE FETCH, are not reported as cold (bench/run.sh's later rounds)")
    parser.add_argument("--skip-combined-search", action="store_true",
                        help="ops: leave out bench/run.sh's combined SEARCH row (the UID SEARCH rows remain)")
    args = parser.parse_args()
    if args.mode == "ops":
        ops(args)
    elif args.mode == "idle":
        if not args.smtp_port or not args.rcpt:
            parser.error("idle needs --smtp-port and --rcpt")
        idle(args)
    else:
        if not args.pid:
            parser.error("conns needs --pid (the server's root process)")
        asyncio.run(conns_async(args))


if __name__ == "__main__":
    try:
        main()
    except (RuntimeError, OSError) as e:
        sys.exit(f"imap_load: {e}")
