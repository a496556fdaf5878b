#!/usr/bin/env bash
# Several cold SELECTs in one server process, one after the other, as bench/run.sh's row takes them: for an
# A/B of what a process's first syncs cost one after the other (bench/imap/cold-select-ab.sh takes one per
# fresh process instead). Each SELECT is of its own copy of the corpus mailbox, without any index.
#
#   bench/imap/cold-select-series.sh DATA COUNT STACK [N]
#
# DATA   a folder holding pristine/ and passwd made by bench/anchors/gen_maildir.py (domain bench.test,
#        --corpus-user box --warm-user warm), optionally grown by bench/imap/replicate_maildir.py
# COUNT  the messages in box@'s INBOX (each SELECT must report them all)
# STACK  dovecot | PATH/TO/Facteur.Standalone.dll
# N      SELECTs (default 3): box@, then cold2@ … coldN@ (bench/imap/cold-copies.sh), 2 s apart
# The server gets bench/run.sh's read warm-up (imap_load.py ops on warm@, 5 repetitions) first. Prints the
# wall time of each SELECT in order, then their median. Loopback only; the work folder is removed at the end.
# ENV: extra VAR=VALUE words for the Facteur process (e.g. ENV="DOTNET_TieredCompilation=0").
set -u
BENCH=$(cd "$(dirname "$0")/.." && pwd); D=$(realpath "${1:?DATA}"); COUNT=${2:?COUNT}; STACK=${3:?STACK}; N=${4:-3}
DOMAIN=bench.test W=$(mktemp -d); chmod 755 "$W"
trap '"$BENCH/anchors/dovecot.sh" stop "$W/dovecot" >/dev/null 2>&1; [ -n "${pid:-}" ] && [ "$STACK" != dovecot ] && kill "$pid" 2>/dev/null; rm -rf "$W"' EXIT
cp "$D/passwd" "$W/passwd"; cp -a "$D/pristine" "$W/mail"; mkdir -p "$W/spool"; : > "$W/aliases"
# shellcheck source=cold-copies.sh
. "$BENCH/imap/cold-copies.sh"
cold_users_passwd "$W/passwd" "$DOMAIN" "$N"; users=$(cold_copies "$W/mail" "$DOMAIN" "$N")
# shellcheck source=../standalone.sh
. "$BENCH/standalone.sh"
imap=$(free_port)
if [ "$STACK" = dovecot ]; then
  "$BENCH/anchors/dovecot.sh" start "$W/dovecot" "$imap" "$(free_port)" "$W/passwd" "$W/mail" >/dev/null 2>&1
  for _ in $(seq 1 50); do [ -s "$W/dovecot/run/master.pid" ] && break; sleep 0.1; done
else
  # shellcheck disable=SC2086 # ENV is a list of words
  start_standalone "$STACK" "$W/mail" "$W/spool" "$W/passwd" "$W/aliases" "$W/server.log" Imap__Port="$imap" ${ENV:-}
  pid=$STANDALONE_PID
fi
timeout 120 python3 "$BENCH/imap/imap_load.py" ops --port "$imap" --user "warm@$DOMAIN" --fetches 20 --appends 20 --repeat 5 >/dev/null 2>&1
sleep 2
timeout 900 python3 - "$imap" "$COUNT" "box@$DOMAIN${users:+,$users}" <<'PY'
import imaplib, statistics, sys, time
port, count, users = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3].split(",")
times = []
for user in users:
    m = imaplib.IMAP4("127.0.0.1", port)
    m.login(user, "bench-password")
    t = time.perf_counter()
    typ, data = m.select("INBOX")
    ms = (time.perf_counter() - t) * 1000
    if typ != "OK" or int(data[0]) != count:
        sys.exit(f"cold-select-series: SELECT of {user} gave {typ} {data}, expected {count} messages")
    times.append(ms)
    m.logout()
    time.sleep(2)
print(" ".join(f"{x:.1f}" for x in times), f" median {statistics.median(times):.1f}")
PY
