#!/usr/bin/env python3
"""Where a poplib LIST's time goes: waiting for the server's first line, or parsing the rest.

list_first_byte.py --rounds N [--user U] [--password W] NAME=PORT...

Runs pop3_load.py's sequence (a fresh client process per session: USER/PASS, UIDL, then LIST) N
times against each server in turn, alternating the order every round, and prints per server the
medians of: LIST's wall time; "first line", from sending LIST to having its status line (the
server's turn-around plus one client wake-up); "rest", from there to the final "." (the client
parsing 10,000 lines; it only waits if the server falls behind); and the client's CPU time for LIST.
If "rest" equals the client's CPU time, the server was never behind after its first line.
Loopback only; each session under a 60 s socket timeout.
"""
import json
import statistics
import subprocess
import sys
import time


def one_session(port, user, password):
    import poplib
    pop = poplib.POP3("127.0.0.1", port, timeout=60)
    pop.user(user)
    pop.pass_(password)
    pop.uidl()
    t0, c0 = time.perf_counter(), time.process_time()
    pop._putcmd("LIST")
    pop._getresp()
    t1 = time.perf_counter()
    line, _ = pop._getline()
    while line != b".":
        line, _ = pop._getline()
    t2, c2 = time.perf_counter(), time.process_time()
    pop.quit()
    print(json.dumps({"wall": (t2 - t0) * 1e3, "first": (t1 - t0) * 1e3, "rest": (t2 - t1) * 1e3, "cpu": (c2 - c0) * 1e3}))


def main():
    args = sys.argv[1:]
    if args and args[0] == "--one":
        one_session(int(args[1]), args[2], args[3])
        return
    rounds, user, password, servers = 20, "box@bench.test", "bench-password", []
    while args:
        arg = args.pop(0)
        if arg == "--rounds":
            rounds = max(1, min(int(args.pop(0)), 500))
        elif arg == "--user":
            user = args.pop(0)
        elif arg == "--password":
            password = args.pop(0)
        else:
            name, port = arg.split("=")
            servers.append((name, int(port)))
    results = {name: [] for name, _ in servers}
    for i in range(rounds):
        for name, port in servers if i % 2 == 0 else list(reversed(servers)):
            out = subprocess.run([sys.executable, __file__, "--one", str(port), user, password],
                                 capture_output=True, text=True, timeout=120, check=True).stdout
            results[name].append(json.loads(out))
    median = statistics.median
    for name, rows in results.items():
        print(f"{name}: LIST {median(r['wall'] for r in rows):.2f} ms, first line {median(r['first'] for r in rows):.2f}, "
              f"rest {median(r['rest'] for r in rows):.2f}, client CPU {median(r['cpu'] for r in rows):.2f} ({len(rows)} sessions)")


if __name__ == "__main__":
    main()
