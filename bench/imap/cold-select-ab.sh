#!/usr/bin/env bash
# One cold SELECT per round and stack, the stacks interleaved: for an A/B of the first sync of a folder
# without an index (bench/imap/run.sh measures the same SELECT once per run, inside its other rows).
#
#   bench/imap/cold-select-ab.sh DATA ROUNDS REST_SECONDS STACK...
#
# DATA   a folder holding pristine/ and passwd made by bench/anchors/gen_maildir.py (domain bench.test,
#        --corpus-user box --warm-user warm), optionally grown by bench/imap/replicate_maildir.py
# STACK  dovecot | NAME=PATH/TO/Facteur.Standalone.dll[:VAR=VALUE,VAR=VALUE]
# Per round and stack: a fresh copy of the Maildir and sync, the server started, bench/imap/imap_load.py's
# warm-up on the warm user, REST_SECONDS of rest, LOGIN, one timed SELECT INBOX on the corpus user. Prints
# its wall time and the server's CPU (schedstat run time of its threads) across it and until 1.5 s later.
# AFTER_RESTART=1: the SELECT measured is the first one of a new server process on a folder whose index the
# previous process built (the server is started, the corpus SELECTed once, the server stopped and started
# again): what a restart costs each user, and what a Facteur folder state let go of (Mailbox:
# FolderStateRetention) costs to reload. Dovecot's own warm SELECT is always this (a process per login).
# Loopback only; the work folder is removed at the end.
set -u
BENCH=$(cd "$(dirname "$0")/.." && pwd); D=$(realpath "${1:?DATA}"); shift; W=$(mktemp -d); chmod 755 "$W"; DOMAIN=bench.test # (Dovecot reads it as its mail user)
trap '"$BENCH/anchors/dovecot.sh" stop "$W/anchor/dovecot" >/dev/null 2>&1; rm -rf "$W"' EXIT
ROUNDS=$1 REST=$2; shift 2
# shellcheck source=../standalone.sh
. "$BENCH/standalone.sh"
# shellcheck source=stack.sh
. "$BENCH/imap/stack.sh"
cpu_of() { # pid -> sum of schedstat ns over the tree's threads
  local total=0
  for p in $(pgrep -P $1) $1; do for t in /proc/$p/task/*/schedstat; do read a b c < $t 2>/dev/null && total=$((total+a)); done; done
  echo $total
}
for r in $(seq 1 $ROUNDS); do
  for st in "$@"; do
    name=${st%%=*}; mail=$W/$name/mail
    rm -rf $W/$name; mkdir -p $W/$name; cp -a $D/pristine $mail; sync
    imap=$(free_port)
    start_stack() {
      start_imap_stack "$st" "$W" "$mail" "$D/passwd" "$imap"
      pid=$STACK_PID # (a standalone's threads are summed from here on: no children)
      timeout 120 python3 $BENCH/imap/imap_load.py ops --port $imap --user "warm@$DOMAIN" --fetches 20 --repeat 2 >/dev/null 2>&1
    }
    stop_stack() {
      if [ $name = dovecot ]; then $BENCH/anchors/dovecot.sh stop $W/anchor/dovecot >/dev/null 2>&1; else kill $pid; wait $pid 2>/dev/null; fi
    }
    start_stack
    if [ -n "${AFTER_RESTART:-}" ]; then
      timeout 600 python3 -c 'import imaplib,sys; m=imaplib.IMAP4("127.0.0.1",int(sys.argv[1])); m.login("box@bench.test","bench-password"); m.select("INBOX"); m.logout()' $imap
      sleep 3 # a restart comes later than this: what a server writes once the first sync's listing settles is written
      stop_stack; start_stack
    fi
    sleep $REST
    c0=$(cpu_of $pid)
    ms=$(timeout 600 python3 - $imap <<'PY'
import imaplib,sys,time
m=imaplib.IMAP4("127.0.0.1",int(sys.argv[1])); m.login("box@bench.test","bench-password")
t=time.perf_counter(); typ,data=m.select("INBOX"); ms=(time.perf_counter()-t)*1000
print("%.1f"%ms if typ=="OK" else "failed:%s"%data)
PY
)
    c1=$(cpu_of $pid); sleep 1.5; c2=$(cpu_of $pid)
    echo "round $r $name ${AFTER_RESTART:+after_restart_}cold_ms $ms cpu_ms $(( (c1-c0)/1000000 )) cpu1500_ms $(( (c2-c0)/1000000 )) load $(cut -d' ' -f1 /proc/loadavg)"
    stop_stack
  done
done
