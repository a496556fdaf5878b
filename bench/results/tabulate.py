#!/usr/bin/env python3
"""Turns bench/run.sh's results.jsonl into the Markdown table (called by run.sh, not by hand).

Writes <out-dir>/<stamp>.md and <stamp>.json; a full run also rewrites latest.md/latest.json
with the previous latest run's Facteur figures and ratios (standalone and over RabbitMQ) in their own
columns, and a "change" column per stack that marks every row where Facteur's own figure and its ratio
to the anchor both got worse by more than the two runs' own spread ("▼ regressed"), and where only
one of them did ("▽"), so no row can regress silently; rows of the previous run missing from
this one are listed too, and a line above the table says whether both runs built the same server code
(--commit, --server-code and --bench-code, from bench/run.sh). --quick runs write quick-<stamp>.md
only; partial runs (--only, --corpus) write <stamp>-partial.md/.json and leave latest.* alone.

--imapscale FILE folds bench/imap/run.sh's results (10,000 and 100,000 messages) into the same
table, rows labelled by corpus size (its labels come from bench/imap/table.py).
"""
import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys

STACKS = ("anchor", "standalone", "rabbitmq")
# A ratio must move by more than the spread of the figures behind it to be called a change; with
# one repetition (no spread) this floor keeps timer noise from being called a regression.
NOISE_FLOOR = 0.05


def metric_rows(results):
    """{(row label, unit, higher_is_better): {stack: [values]}} in display order, plus errors."""
    rows, errors = {}, []

    def add(label, unit, higher, stack, values):
        values = [v for v in values if v is not None]
        if values:
            rows.setdefault((label, unit, higher), {}).setdefault(stack, []).extend(values)

    for r in results:
        stack, row = r["stack"], r["row"]
        if "error" in r:
            errors.append(f"{stack} / {row}: {r['error']}")
            continue
        d = r["data"]
        if row.startswith("smtp:"):
            _, n, size, c = row.split(":")
            what = f"SMTP {int(n):,} × {int(size) // 1024} KB, c={c}"
            add(f"{what}: accepted", "msgs/s", True, stack, [d["accepted_per_s"]])
            add(f"{what}: end-to-end (in Maildir)", "msgs/s", True, stack, [d["e2e_per_s"]])
            add(f"{what}: accept→Maildir p50", "ms", False, stack, [d["p50_s"] and d["p50_s"] * 1000])
            add(f"{what}: accept→Maildir p99", "ms", False, stack, [d["p99_s"] and d["p99_s"] * 1000])
        elif row == "pop3":
            n = d["messages"]
            add(f"POP3 USER/PASS on {n:,} msgs", "ms", False, stack, [x * 1000 for x in d["login_s"]])
            add(f"POP3 UIDL of {n:,}", "ms", False, stack, [x * 1000 for x in d["uidl_s"]])
            add(f"POP3 LIST of {n:,}", "ms", False, stack, [x * 1000 for x in d["list_s"]])
            add(f"POP3 RETR of {d['retr']:,}", "msgs/s", True, stack, [d["retr"] / x for x in d["retr_s"]])
        elif row == "imap:ops":
            n = d.get("messages", 0)
            add(f"IMAP SELECT cold ({n:,} msgs)", "ms", False, stack, [x * 1000 for x in d["select_cold_s"]])
            add(f"IMAP SELECT warm ({n:,} msgs)", "ms", False, stack, [x * 1000 for x in d["select_warm_s"]])
            add(f"IMAP FETCH 1:* headers ({n:,})", "ms", False, stack, [x * 1000 for x in d["fetch_headers_s"]])
            add(f"IMAP {d.get('fetches', 0):,} body FETCHes", "msgs/s", True, stack,
                [d.get("fetches", 0) / x for x in d["fetch_bodies_s"]])
            add("IMAP SEARCH (SUBJECT, FROM, UNSEEN)", "ms", False, stack, [x * 1000 for x in d["search_s"]])
            add("IMAP STORE ±\\Flagged on 1:*", "ms", False, stack, [x * 1000 for x in d["store_s"]])
            if d.get("append_s"):
                add(f"IMAP APPEND × {d.get('appends', 0):,} of 2 KB, one by one", "append/s", True, stack,
                    [d.get("appends", 0) / x for x in d["append_s"] if x])
            if d.get("delete_one_s"):
                add("IMAP delete one message: UID STORE \\Deleted, then EXPUNGE", "ms", False, stack,
                    [x * 1000 for x in d["delete_one_s"]])
        elif row in ("imap:idle", "imap:idle-load"):
            xs = sorted(x * 1000 for x in d["idle_wake_s"])
            when = "idle server" if row == "imap:idle" else "SMTP load c=10"
            if xs:
                add(f"IMAP IDLE wake after SMTP 250 ({when}): p50", "ms", False, stack, [xs[len(xs) // 2]])
                add(f"IMAP IDLE wake after SMTP 250 ({when}): p99", "ms", False, stack,
                    [xs[min(len(xs) - 1, max(0, -(-99 * len(xs) // 100) - 1))]])
        elif row.startswith("webmail:"):
            # bench/webmail/run.sh --json: the anchor is Roundcube (its inbox list AJAX request) on
            # the anchor's Dovecot; Facteur's is the inbox page through the edge. Same wrk settings.
            what = f"Webmail inbox page ({d.get('messages', 0):,} msgs, wrk -t{d.get('threads', '?')} -c{d.get('connections', '?')})"
            add(f"{what}: requests/s", "req/s", True, stack, [d["requests_per_s"]])
            add(f"{what}: p99", "ms", False, stack, [d.get("p99_ms")])
            if d.get("non_2xx"):
                errors.append(f"{stack} / webmail: {d['non_2xx']} non-2xx answers during the wrk run")
        elif row == "imap:conns":
            for count, level in d.items():
                if "per_conn_bytes" in level:
                    add(f"IMAP {int(count):,} idle conns: PSS per conn", "KB", False, stack, [level["per_conn_bytes"] / 1024])
                    add(f"IMAP {int(count):,} idle conns: CPU at rest", "% core", False, stack, [level["cpu_at_rest_pct"]])
                    if level.get("cpu_method") == "ticks":
                        errors.append(f"{stack} / {count} idle IMAP connections: CPU at rest counted in clock ticks (no "
                                      "writable cgroup), which miss the short wakes of a server at rest")
                    if level.get("retried_logins"):
                        errors.append(f"{stack} / {count} idle IMAP connections: {level['retried_logins']} LOGIN/SELECT "
                                      f"refused and retried (first: {level.get('first_refusal')})")
                else:
                    errors.append(f"{stack} / {count} idle IMAP connections: {level.get('skipped') or level.get('failed')}")
    return rows, errors


def fmt(x):
    if x is None:
        return "—"
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:,.1f}" if abs(x) >= 10 else f"{x:,.2f}"


def cell(values):
    if not values:
        return "—"
    med = statistics.median(values)
    if len(values) == 1:
        return fmt(med)
    return f"{fmt(med)} ({fmt(min(values))}–{fmt(max(values))})"


def ratio(facteur, anchor, higher):
    if not facteur or not anchor:
        return "—"
    a, f = statistics.median(anchor), statistics.median(facteur)
    if a == 0:
        # No ratio to a zero (CPU at rest of the anchor's sleeping processes), but still a verdict: level with
        # it, or behind (or ahead, for a higher-is-better figure), so that a cell behind never reads as neutral.
        if f == 0:
            return "= 0 ✓"
        return "∞ ✓" if higher else "∞ ✗"
    r = f / a
    ahead = r >= 1 if higher else r <= 1
    shown = f"{r:.2f}"
    if not ahead and shown == "1.00":
        shown = f"{r:.3f}"  # behind by less than half a hundredth: "1.00 ✗" would read as a tie
    return f"{shown} {'✓' if ahead else '✗'}"


def machine(args):
    def run(*cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True, timeout=30).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return "?"

    def read(path):
        try:
            with open(path) as f:
                return f.read().strip()
        except OSError:
            return "none"
    mem = read("/proc/meminfo").splitlines()[0].split()[1] if os.path.exists("/proc/meminfo") else "0"
    cpu = next((line.split(":", 1)[1].strip() for line in read("/proc/cpuinfo").splitlines() if line.startswith("model name")), "?")
    return [
        ("CPU", f"{os.cpu_count()} × {cpu} (nproc {run('nproc')})"),
        ("Memory", f"{int(mem) // 1024:,} MiB"),
        ("Kernel", platform.release()),
        ("OS", run("sh", "-c", ". /etc/os-release; echo $PRETTY_NAME")),
        (".NET", f"SDK {run('dotnet', '--version')}; runtimes: {', '.join(l.split(' [')[0] for l in run('dotnet', '--list-runtimes').splitlines() if 'NETCore.App' in l)}"),
        ("GC (Facteur)", args.gc),
        ("Topology over RabbitMQ", f"one gateway, {args.deliveries} delivery worker(s), one private broker (quorum queue)"),
        ("cgroup limits", f"cpu.max={read('/sys/fs/cgroup/cpu.max')}, memory.max={read('/sys/fs/cgroup/memory.max')}"),
        ("Load average at the end", read("/proc/loadavg")),
        ("Anchor", f"Postfix {args.postfix}, Dovecot {args.dovecot}; webmail: {args.roundcube}"),
        ("Data", f"{args.corpus:,} generated messages (same bytes for every stack), {args.repeat} repetition(s) per figure"),
        ("Code", f"commit {args.commit}; fingerprints: server {args.server_code}, bench {args.bench_code}"),
    ]


def imapscale_rows(path, rows, errors):
    """Folds bench/imap/run.sh's results.jsonl into rows: Dovecot is the anchor, Facteur the standalone
    column (other builds it may carry, e.g. --also before=, stay in its own table)."""
    sys.dont_write_bytecode = True  # no __pycache__ in bench/imap
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "imap"))
    import table as imap_table  # bench/imap/table.py: one set of labels for both tables
    stack_of = {"dovecot": "anchor", "facteur": "standalone"}
    with open(path) as f:
        for line in f:
            if not line.strip():
                continue
            record = json.loads(line)
            stack = stack_of.get(record["stack"])
            if stack is None:
                continue
            if "error" in record:
                errors.append(f"IMAP at scale / {record['stack']} / {record['row']} / {record['corpus']:,}: {record['error']}")
                continue
            if record["row"] == "imap:conns":
                for count, level in record["data"].items():
                    if "per_conn_bytes" not in level:
                        errors.append(f"IMAP at scale / {record['stack']} / {count} IDLE connections: "
                                      f"{level.get('skipped') or level.get('failed')}")
                    elif level.get("cpu_method") == "ticks":
                        errors.append(f"IMAP at scale / {record['stack']} / {count} IDLE connections: CPU at rest "
                                      "counted in clock ticks (no writable cgroup), which miss the short wakes of a server at rest")
            for label, unit, higher, values in imap_table.rows_of(record):
                values = [v for v in values if v is not None]
                if values:
                    rows.setdefault((f"IMAP at scale: {label}", unit, higher), {}).setdefault(stack, []).extend(values)


def spread(values):
    """The relative range of a set of figures: (max - min) / median."""
    if not values or len(values) < 2:
        return 0.0
    med = statistics.median(values)
    return (max(values) - min(values)) / med if med else 0.0


def change(now, before, higher, stack="standalone"):
    """Compares one stack's row with the previous run's, two ways: Facteur's own median, and its ratio to the
    anchor's. A move smaller than both runs' spread (at least NOISE_FLOOR) is noise. ▼ regressed when both got
    worse. ▽ when only one did: the ratio alone (the anchor got faster while Facteur held; the ratio alone used
    to decide, and called such rows regressed) or Facteur's own figure alone (the anchor slowed as much: the
    machine was slower). Rows with no anchor have only their own figure, and it decides."""
    f_now, f_old = now.get(stack), before.get(stack)
    if not f_old:
        return "new row"
    if not f_now:
        return "▼ not measured"
    old_median = statistics.median(f_old)
    if not old_median:
        return "—"

    def verdict(moved, tolerance):
        if (moved < -tolerance) if higher else (moved > tolerance):
            return -1
        if (moved > tolerance) if higher else (moved < -tolerance):
            return 1
        return 0

    own = statistics.median(f_now) / old_median - 1
    own_tolerance = max(NOISE_FLOOR, spread(f_now), spread(f_old))
    own_verdict = verdict(own, own_tolerance)
    a_now, a_old = now.get("anchor"), before.get("anchor")
    if not (a_now and a_old and statistics.median(a_now) and statistics.median(a_old)):
        if own_verdict < 0:
            return f"▼ regressed ({own:+.0%})"
        if own_verdict > 0:
            return f"▲ improved ({own:+.0%})"
        return f"= ({own:+.0%}, within ±{own_tolerance:.0%})"
    moved = (statistics.median(f_now) / statistics.median(a_now)) / (old_median / statistics.median(a_old)) - 1
    tolerance = max(own_tolerance, spread(a_now) + spread(f_now), spread(a_old) + spread(f_old))
    ratio_verdict = verdict(moved, tolerance)
    if own_verdict < 0 and ratio_verdict < 0:
        return f"▼ regressed ({moved:+.0%})"
    if ratio_verdict < 0:
        return f"▽ ratio {moved:+.0%}, own {own:+.0%} (within ±{own_tolerance:.0%})"
    if own_verdict < 0:
        return f"▽ own {own:+.0%}, ratio {moved:+.0%} (within ±{tolerance:.0%})"
    if ratio_verdict > 0:
        return f"▲ improved ({moved:+.0%})"
    return f"= ({moved:+.0%}, within ±{tolerance:.0%})"


def same_code(now, before):
    """What the two runs measured, from bench/run.sh's fingerprints (a fingerprint is a hex digest only for
    committed code it built): a sentence for the table's head, or None where either run cannot say. With
    the same server code, every mark in *change* is the machine or the anchor moving, not Facteur."""
    def known(code, key):
        value = code.get(key, "")
        return value if re.fullmatch(r"[0-9a-f]{12}", value) else None
    server_now, server_before = known(now, "server"), known(before, "server")
    if not (server_now and server_before):
        return None
    commits = f"commit {before.get('commit', '?')} then, {now.get('commit', '?')} now"
    if server_now != server_before:
        return f"Facteur's server code changed since the previous run ({commits})."
    bench_now, bench_before = known(now, "bench"), known(before, "bench")
    bench = ""
    if bench_now and bench_before:
        bench = " and the same bench scripts" if bench_now == bench_before else ", though the bench scripts changed"
    return (f"**Same server code as the previous run** (services/, libs/ and the build files; {commits}){bench}: "
            "every ▼, ▽ and ▲ below is the machine or the anchor moving, not Facteur.")


def table(rows, previous, previous_meta):
    has_rabbit = any("rabbitmq" in v for v in rows.values())
    head = ["Row", "Unit", "Postfix + Dovecot (+ Roundcube)", "Facteur standalone", "÷ anchor"]
    if has_rabbit:
        head += ["Facteur over RabbitMQ", "÷ anchor"]
    # The RabbitMQ stack's previous figures, when either run measured that stack.
    rabbit_before = previous is not None and (has_rabbit or any("rabbitmq" in v for v in previous.values()))
    if previous is not None:
        head += ["previous anchor", "previous standalone", "previous ÷ anchor", "change"]
    if rabbit_before:
        head += ["previous over RabbitMQ", "previous ÷ anchor (RabbitMQ)", "change (RabbitMQ)"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for (label, unit, higher), by in rows.items():
        cols = [label, unit + (" ↑" if higher else " ↓"), cell(by.get("anchor")), cell(by.get("standalone")),
                ratio(by.get("standalone"), by.get("anchor"), higher)]
        if has_rabbit:
            cols += [cell(by.get("rabbitmq")), ratio(by.get("rabbitmq"), by.get("anchor"), higher)]
        if previous is not None:
            p = previous.get(label, {})
            cols += [cell(p.get("anchor")), cell(p.get("standalone")), ratio(p.get("standalone"), p.get("anchor"), higher),
                     change(by, p, higher)]
        if rabbit_before:
            cols += [cell(p.get("rabbitmq")), ratio(p.get("rabbitmq"), p.get("anchor"), higher),
                     change(by, p, higher, "rabbitmq") if by.get("rabbitmq") or p.get("rabbitmq") else "—"]
        lines.append("| " + " | ".join(cols) + " |")
    if previous is not None:
        # A row the previous run had and this one lacks is a regression too (a workload that broke).
        labels = {label for (label, _, _) in rows}
        for label, p in previous.items():
            if label in labels:
                continue
            meta = previous_meta.get(label, {})
            higher = meta.get("higher", True)
            cols = [label, meta.get("unit", "?") + (" ↑" if higher else " ↓"), "—", "—", "—"]
            if has_rabbit:
                cols += ["—", "—"]
            cols += [cell(p.get("anchor")), cell(p.get("standalone")), ratio(p.get("standalone"), p.get("anchor"), higher),
                     "▼ not measured"]
            if rabbit_before:
                cols += [cell(p.get("rabbitmq")), ratio(p.get("rabbitmq"), p.get("anchor"), higher),
                         "▼ not measured" if p.get("rabbitmq") else "—"]
            lines.append("| " + " | ".join(cols) + " |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("results")
    parser.add_argument("--quick", type=int, default=0)
    parser.add_argument("--partial", type=int, default=0, help="--only or --corpus run: latest.* untouched")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--corpus", type=int, default=0)
    parser.add_argument("--gc", default="?")
    parser.add_argument("--deliveries", type=int, default=2, help="delivery workers over RabbitMQ (runs before 2026-11-30 had 2)")
    parser.add_argument("--postfix", default="?")
    parser.add_argument("--dovecot", default="?")
    parser.add_argument("--roundcube", default="not run")
    parser.add_argument("--imapscale", help="bench/imap/run.sh's results.jsonl, folded into this table")
    parser.add_argument("--note", action="append", default=[], help="a caveat for the notes section")
    parser.add_argument("--elapsed", type=int, default=0, help="wall time of the run in seconds")
    parser.add_argument("--timings", help="'group seconds' lines from bench/run.sh, for the next run's estimate")
    parser.add_argument("--kind", default="full", help="full, medium or quick: estimates compare like with like")
    parser.add_argument("--commit", default="unknown", help="the commit measured (git rev-parse --short HEAD)")
    parser.add_argument("--server-code", default="unknown", help="bench/run.sh's fingerprint of the server code it built")
    parser.add_argument("--bench-code", default="unknown", help="bench/run.sh's fingerprint of the bench's scripts")
    parser.add_argument("--out-dir", required=True)
    parser.add_argument("--stamp", required=True)
    args = parser.parse_args()

    with open(args.results) as f:
        results = [json.loads(line) for line in f if line.strip()]
    rows, errors = metric_rows(results)
    if args.imapscale:
        if os.path.exists(args.imapscale):
            imapscale_rows(args.imapscale, rows, errors)
        else:
            errors.append(f"IMAP at scale: no results ({args.imapscale} missing; see the run's log)")

    previous, previous_meta, previous_stamp, previous_code = None, {}, None, {}
    latest_json = os.path.join(args.out_dir, "latest.json")
    if not args.quick and not args.partial and os.path.exists(latest_json):
        with open(latest_json) as f:
            old = json.load(f)
        previous, previous_meta, previous_stamp = old.get("rows", {}), old.get("meta", {}), old.get("stamp")
        previous_code = old.get("code", {})

    text = [f"# Facteur vs Postfix + Dovecot — {args.stamp}{' (quick: tiny counts, not a measurement)' if args.quick else ''}", ""]
    text += ["Medians over the repetitions, range in brackets. ↑ higher is better, ↓ lower is better; "
             "÷ anchor is Facteur's median divided by Postfix + Dovecot's (Roundcube's for the webmail rows), "
             "✓ where Facteur is at or ahead. Same durability on both sides: fsync before 250 (Postfix cleanup, "
             "Facteur spool) and before the Maildir rename.", ""]
    if previous_stamp:
        text += [f"The *previous* columns are the run of {previous_stamp}. *change* (and *change (RabbitMQ)*) compares "
                 f"Facteur's own median and its ratio to the anchor with the previous run's; a move counts when it is "
                 f"larger than the spread of the figures of either run (at least {NOISE_FLOOR:.0%}). ▼ regressed when "
                 f"both got worse (only its own figure where a row has no anchor), ▽ when one did and the other held, "
                 f"▲ improved when the ratio got better, = otherwise; ▼ not measured where a row of the previous run "
                 f"is missing.", ""]
    code = {"commit": args.commit, "server": args.server_code, "bench": args.bench_code}
    if previous_stamp and (sameness := same_code(code, previous_code)):
        text += [sameness, ""]
    body_table = table(rows, previous, previous_meta)
    regressed = [line.split(" | ")[0].lstrip("| ") for line in body_table.splitlines() if "▼" in line]
    if regressed:
        text += [f"**{len(regressed)} row(s) regressed or went missing since the previous run:** "
                 + "; ".join(regressed), ""]
    moved = [line.split(" | ")[0].lstrip("| ") for line in body_table.splitlines() if "▽" in line and "▼" not in line]
    if moved:
        text += [f"{len(moved)} row(s) worse one way only (▽: the ratio while Facteur's own figure held, as the "
                 "anchor got faster; or Facteur's own figure while the ratio held, as the machine was slower): "
                 + "; ".join(moved), ""]
    text += [body_table, ""]
    text += ["## Not measured in this run, or measured with a caveat", ""]
    text += [f"- {e}" for e in errors + args.note] or ["- (nothing: every row ran)"]
    text += [""]
    groups = {}
    if args.timings and os.path.exists(args.timings):
        with open(args.timings) as f:
            for line in f:
                if line.strip():
                    group, secs = line.split()
                    groups[group] = groups.get(group, 0) + int(secs)
    if args.elapsed:
        # Whatever no group accounts for: install, build, start-ups, warm-ups.
        groups["setup"] = max(0, args.elapsed - sum(v for k, v in groups.items() if k != "setup"))
    if groups:
        text += ["## Run time", "",
                 f"{args.elapsed // 60} min {args.elapsed % 60} s in all, install and build included ({args.kind}{' partial' if args.partial else ''} run; "
                 f"bench/run.sh estimates the next {args.kind} run from these): " + ", ".join(f"{g} {v // 60} min {v % 60} s" for g, v in groups.items()), ""]
    text += ["## Machine", ""] + [f"- **{k}**: {v}" for k, v in machine(args)] + [""]
    text += ["See docs/README-perf.md for the method, the GC settings and the limits these figures assume.", ""]
    body = "\n".join(text)

    name = f"quick-{args.stamp}" if args.quick else f"{args.stamp}-partial" if args.partial else args.stamp
    with open(os.path.join(args.out_dir, f"{name}.md"), "w") as f:
        f.write(body)
    serial = {"stamp": args.stamp, "elapsed": args.elapsed, "kind": args.kind, "repeat": args.repeat, "groups": groups,
              "rows": {label: by for (label, _, _), by in rows.items()},
              "meta": {label: {"unit": unit, "higher": higher} for (label, unit, higher) in rows},
              "errors": errors + args.note, "code": code}
    with open(os.path.join(args.out_dir, f"{name}.json"), "w") as f:
        json.dump(serial, f, indent=1)
    if not args.quick:
        if not args.partial:
            with open(os.path.join(args.out_dir, "latest.md"), "w") as f:
                f.write(body)
            with open(latest_json, "w") as f:
                json.dump(serial, f, indent=1)
    print(body)
    print(f"written: {os.path.join(args.out_dir, name + '.md')}" + ("" if args.quick or args.partial else " and latest.md"))


if __name__ == "__main__":
    main()
