#!/usr/bin/env python3
"""Markdown table of bench/imap/run.sh's results.jsonl: one row per measurement and corpus size, one
column per stack (Dovecot first), medians with [min–max] over the repetitions, and each Facteur
column's ratio to Dovecot (÷; ✓ where Facteur is at or ahead).

table.py RESULTS.jsonl [--dovecot VERSION]
"""
import argparse
import json
import os
import platform
import statistics
import subprocess


def rows_of(record):
    """(row label, unit, higher is better, values) for one results line."""
    d, n = record["data"], record["corpus"]
    row = record["row"]
    ms = lambda key: [x * 1000 for x in d.get(key, [])]  # noqa: E731
    if row == "imap:ops":
        yield f"SELECT cold ({n:,} msgs)", "ms", False, ms("select_cold_s")
        yield f"SELECT warm ({n:,})", "ms", False, ms("select_warm_s")
        yield f"UID FETCH 1:* (FLAGS RFC822.SIZE INTERNALDATE ENVELOPE), first ({n:,})", "ms", False, ms("fetch_envelope_cold_s")
        yield f"UID FETCH 1:* (FLAGS RFC822.SIZE INTERNALDATE ENVELOPE), again ({n:,})", "ms", False, ms("fetch_envelope_s")
        yield f"FETCH 1:* (UID FLAGS RFC822.SIZE BODY.PEEK[HEADER]) ({n:,})", "ms", False, ms("fetch_headers_s")
        fetches = d.get("fetches", 0)
        yield f"FETCH BODY.PEEK[] × {fetches:,} random ({n:,})", "fetch/s", True, [fetches / x for x in d.get("fetch_bodies_s", []) if x]
        yield f"UID SEARCH SUBJECT ({n:,})", "ms", False, ms("search_subject_s")
        yield f"UID SEARCH FROM ({n:,})", "ms", False, ms("search_from_s")
        yield f"UID SEARCH TEXT ({n:,})", "ms", False, ms("search_text_s")
        yield f"STORE +FLAGS then -FLAGS \\Flagged on 1:* ({n:,})", "ms", False, ms("store_s")
        yield f"STORE ±\\Flagged on one message ({n:,})", "ms", False, ms("store_one_s")
        appends = d.get("appends", 0)
        yield f"APPEND × {appends:,} of 2 KB, one by one ({n:,})", "append/s", True, [appends / x for x in d.get("append_s", []) if x]
        yield f"Delete one message: UID STORE \\Deleted, then EXPUNGE ({n:,})", "ms", False, ms("delete_one_s")
    elif row in ("imap:idle", "imap:idle-load", "imap:idle-corpus", "imap:idle-corpus-load"):
        xs = sorted(x * 1000 for x in d["idle_wake_s"])
        # Older runs sent one message at a time; imap_load.py idle now says how many senders it ran.
        at = f" (c={d['concurrency']})" if "concurrency" in d else ""
        if row.endswith("-load"):
            at += " under SMTP load (smtp-source -s 10)"
        where = f" in the {n:,}-message mailbox" if row.startswith("imap:idle-corpus") else ""
        if xs:
            yield f"IDLE wake{where} after SMTP accept{at}, p50", "ms", False, [xs[len(xs) // 2]]
            yield f"IDLE wake{where} after SMTP accept{at}, p99", "ms", False, [xs[min(len(xs) - 1, int(len(xs) * 0.99))]]
    elif row == "imap:conns":
        for count, level in d.items():
            if "per_conn_bytes" in level:
                yield f"{int(count):,} IDLE connections: PSS per connection", "KB", False, [level["per_conn_bytes"] / 1024]
                yield f"{int(count):,} IDLE connections: CPU at rest", "% core", False, [level["cpu_at_rest_pct"]]


def fmt(x):
    if x >= 100:
        return f"{x:,.0f}"
    if x >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("results")
    parser.add_argument("--dovecot", default="?")
    args = parser.parse_args()
    table, order, stacks, notes = {}, [], [], []
    for line in open(args.results):
        record = json.loads(line)
        stack = record["stack"]
        if stack == "data":
            notes.append(f"{record['corpus']:,} messages generated in {record['data']['seconds']} s")
            continue
        if stack not in stacks:
            stacks.append(stack)
        if "error" in record:
            notes.append(f"{stack} / {record['row']} / {record['corpus']:,}: {record['error']}")
            continue
        if record["row"] == "imap:conns":
            for count, level in record["data"].items():
                if "per_conn_bytes" not in level:
                    notes.append(f"{stack} / {count} IDLE connections: {level.get('skipped') or level.get('failed')}")
                elif level.get("retried_logins"):
                    notes.append(f"{stack} / {count} IDLE connections: {level['retried_logins']} logins retried ({level['first_refusal']})")
        for label, unit, higher, values in rows_of(record):
            if not values:
                continue
            if label not in table:
                table[label] = {"unit": unit, "higher": higher}
                order.append(label)
            # A row measured more than once (--idle-only rounds) keeps every value: median and range.
            table[label].setdefault(stack, []).extend(values)
    stacks.sort(key=lambda s: (s != "dovecot", s != "facteur", s))
    names = {"dovecot": "Dovecot", "facteur": "Facteur"}
    title = lambda s: names.get(s, "Facteur (" + s.removeprefix("facteur-") + ")")  # noqa: E731
    head = ["Row", "Unit"]
    for s in stacks:
        head.append(title(s))
        if s != "dovecot":
            head.append("÷ Dovecot")
    out = ["# IMAP: Facteur standalone vs Dovecot", "",
           "Medians over the repetitions, [range]. ↑ higher is better, ↓ lower is better; ÷ Dovecot is Facteur's median "
           "divided by Dovecot's, ✓ where Facteur is at or ahead. Same Maildir copy for every stack; each stack starts "
           "from files without any index (SELECT cold builds it).", "",
           "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for label in order:
        row = table[label]
        cells = [label, row["unit"] + (" ↑" if row["higher"] else " ↓")]
        anchor = statistics.median(row["dovecot"]) if "dovecot" in row else None
        for s in stacks:
            values = row.get(s)
            if not values:
                cells.append("—")
            else:
                m = statistics.median(values)
                cells.append(fmt(m) + (f" [{fmt(min(values))}–{fmt(max(values))}]" if len(values) > 1 else ""))
            if s != "dovecot":
                if values and anchor:
                    ratio = statistics.median(values) / anchor
                    ahead = ratio >= 1 if row["higher"] else ratio <= 1
                    cells.append(f"{ratio:.2f} {'✓' if ahead else '✗'}")
                else:
                    cells.append("—")
        out.append("| " + " | ".join(cells) + " |")
    out += ["", "## Notes", ""] + [f"- {n}" for n in notes or ["(none)"]]
    try:
        load = open("/proc/loadavg").read().strip()
    except OSError:
        load = "?"
    try:
        dotnet = subprocess.run(["dotnet", "--version"], capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        dotnet = "?"
    out += ["", "## Machine", "",
            f"- CPU: {os.cpu_count()} cores ({platform.processor() or platform.machine()}); load average at the end: {load}",
            f"- Kernel {platform.release()}; .NET SDK {dotnet}; Dovecot {args.dovecot}",
            "- GC: the projects' defaults (workstation GC, DATAS off unless the runtimeconfig says otherwise)"]
    print("\n".join(out))


if __name__ == "__main__":
    main()
