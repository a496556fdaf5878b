#!/usr/bin/env bash
# Passes of 1,000 random FETCH n (BODY.PEEK[]) over several stacks at once, the passes interleaved: for an
# A/B of the body FETCH row (bench/imap/run.sh measures it once per repetition, a few minutes apart per stack,
# on a machine whose speed wanders by a third between minutes).
#
#   bench/imap/body-fetch-ab.sh DATA ROUNDS STACK...
#
# DATA   a folder holding pristine/ and passwd made by bench/anchors/gen_maildir.py (domain bench.test,
#        --corpus-user box --warm-user warm), optionally grown by bench/imap/replicate_maildir.py
# STACK  dovecot | NAME=PATH/TO/Facteur.Standalone.dll[:VAR=VALUE,VAR=VALUE]
# Each stack on its own fresh copy of the Maildir, started once, bench/imap/imap_load.py's warm-up on the warm
# user; then, one stack after the other, what the bench does before its body FETCHes in its first repetition
# (SELECT INBOX, FETCH 1:* of the headers, UID FETCH 1:* of the envelopes: printed); then ROUNDS passes a stack
# over the bench's picks (random.Random(7).sample), the order rotating each round. Prints each stack's first
# pass (the bench's first repetition: each message's first FETCH) and the median of the others.
# FLOW=1: every pass as the bench's later repetitions meet it — STORE 1:* +FLAGS then -FLAGS \Flagged (the
# folder's index written anew), then a fresh connection's SELECT, header FETCH and envelope FETCH, then the pass
# (docs/README-perf.md, stop 57: the look for changes after each command while the index is young).
# Loopback only; the work folder is removed at the end.
set -u
BENCH=$(cd "$(dirname "$0")/.." && pwd); D=$(realpath "${1:?DATA}"); shift; W=$(mktemp -d); chmod 755 "$W"
ROUNDS=${1:?ROUNDS}; shift
pids=()
trap '"$BENCH/anchors/dovecot.sh" stop "$W/anchor/dovecot" >/dev/null 2>&1; for p in "${pids[@]}"; do kill $p 2>/dev/null; done; rm -rf "$W"' EXIT
# shellcheck source=../standalone.sh
. "$BENCH/standalone.sh"
# shellcheck source=stack.sh
. "$BENCH/imap/stack.sh"
ports=""
for st in "$@"; do
  name=${st%%=*}; mail=$W/$name/mail
  mkdir -p $W/$name; cp -a $D/pristine $mail; sync
  imap=$(free_port)
  start_imap_stack "$st" "$W" "$mail" "$D/passwd" "$imap"
  [ $name = dovecot ] || pids+=("$STACK_PID")
  timeout 120 python3 $BENCH/imap/imap_load.py ops --port $imap --user warm@bench.test --fetches 20 --appends 20 --repeat 5 >/dev/null 2>&1
  ports="$ports $name:$imap"
done
timeout 1800 python3 - "$BENCH/imap" "$ROUNDS" "${FLOW:-0}" $ports <<'PY'
import random, statistics, sys, time
sys.path.insert(0, sys.argv[1])
from imap_load import Imap, exists_of
rounds, flow = min(int(sys.argv[2]), 50), sys.argv[3] == "1"
stacks = [(s.split(":")[0], int(s.split(":")[1])) for s in sys.argv[4:]]
clients, count = {}, 0
def ms(fn):
    t = time.perf_counter(); value = fn(); return (time.perf_counter() - t) * 1000, value
def opened(port):
    c = Imap("127.0.0.1", port); c.login("box@bench.test", "bench-password")
    select, untagged = ms(lambda: c.command("SELECT INBOX"))
    headers, _ = ms(lambda: c.command("FETCH 1:* (UID FLAGS RFC822.SIZE BODY.PEEK[HEADER])"))
    envelopes, _ = ms(lambda: c.command("UID FETCH 1:* (FLAGS RFC822.SIZE INTERNALDATE ENVELOPE)"))
    return c, exists_of(untagged), f"SELECT {select:.0f} ms, header FETCH {headers:.0f} ms, envelope FETCH {envelopes:.0f} ms"
def rewritten(port):
    c = Imap("127.0.0.1", port); c.login("box@bench.test", "bench-password"); c.command("SELECT INBOX")
    c.command("STORE 1:* +FLAGS.SILENT (\\Flagged)"); c.command("STORE 1:* -FLAGS.SILENT (\\Flagged)"); c.close()
for name, port in stacks:
    clients[name], count, took = opened(port)
    print(f"{name}: {count:,} messages; {took}", flush=True)
picks = random.Random(7).sample(range(1, count + 1), min(1000, count))
rates = {name: [] for name, _ in stacks}
for r in range(rounds):
    order = stacks[r % len(stacks):] + stacks[:r % len(stacks)]
    for name, port in order:
        if flow and r > 0:
            clients[name].close(); rewritten(port); clients[name] = opened(port)[0]
        seconds, _ = ms(lambda: [clients[name].command(f"FETCH {n} (BODY.PEEK[])") for n in picks])
        rates[name].append(len(picks) * 1000 / seconds)
for name, _ in stacks:
    v = rates[name]; rest = statistics.median(v[1:]) if len(v) > 1 else float("nan")
    print(f"{name}: first pass {v[0]:,.0f} fetch/s, median of the other {len(v) - 1} {rest:,.0f} |", " ".join(f"{x:.0f}" for x in v))
PY
