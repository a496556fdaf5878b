#!/usr/bin/env python3
"""POP3 workload for the side-by-side bench (Python's poplib: a real client over a socket).

pop3_load.py --port P --user U --password W [--retr 1000] [--repeat 3] [--timeout 300]

Each repetition is a fresh session: USER/PASS (the server scans the maildrop), UIDL, LIST, then
RETR of --retr messages picked with a fixed seed (the same picks on every stack). Prints one JSON
object: seconds per repetition for login, uidl, list and retr, and the message count seen; for LIST
also the client's own CPU seconds and how many times it blocked waiting for the server (voluntary
context switches): a LIST of 10,000 lines is mostly poplib's parsing, so list_s - list_cpu_s is the
part a server can shorten.
Bounded: --retr is capped at the maildrop size and the whole run at --timeout seconds.
"""
import argparse
import json
import poplib
import random
import resource
import sys
import time


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--password", default="bench-password")
    parser.add_argument("--retr", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=300)
    args = parser.parse_args()
    deadline = time.monotonic() + args.timeout
    result = {"login_s": [], "uidl_s": [], "list_s": [], "retr_s": [], "list_cpu_s": [], "list_waits": [],
              "messages": 0, "retr": 0}
    for _ in range(max(1, min(args.repeat, 20))):
        if time.monotonic() > deadline:
            break
        pop = poplib.POP3(args.host, args.port, timeout=60)
        try:
            t0 = time.perf_counter()
            pop.user(args.user)
            pop.pass_(args.password)
            t1 = time.perf_counter()
            _, uidl, _ = pop.uidl()
            t2 = time.perf_counter()
            waits = resource.getrusage(resource.RUSAGE_SELF).ru_nvcsw
            cpu = time.process_time()
            t2_list = time.perf_counter()
            _, listing, _ = pop.list()
            t3 = time.perf_counter()
            cpu = time.process_time() - cpu
            waits = resource.getrusage(resource.RUSAGE_SELF).ru_nvcsw - waits
            count = len(listing)
            if len(uidl) != count or count == 0:
                sys.exit(f"pop3_load: UIDL gave {len(uidl)} lines, LIST {count}")
            picks = random.Random(8).sample(range(1, count + 1), min(args.retr, count))
            for n in picks:
                if time.monotonic() > deadline:
                    sys.exit("pop3_load: timed out during RETR")
                pop.retr(n)
            t4 = time.perf_counter()
        finally:
            try:
                pop.quit()
            except (poplib.error_proto, OSError):
                pass
        result["login_s"].append(t1 - t0)
        result["uidl_s"].append(t2 - t1)
        result["list_s"].append(t3 - t2_list)
        result["retr_s"].append(t4 - t3)
        result["list_cpu_s"].append(cpu)
        result["list_waits"].append(waits)
        result["messages"] = count
        result["retr"] = len(picks)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
