#!/usr/bin/env bash
# POP3 logins right after IMAP changed the same maildrop (a user with a phone on IMAP and an old client on
# POP3, or bench/run.sh's POP3 rows, which follow its IMAP rows on the same box), interleaved per round:
# per stack, bench/imap/imap_load.py ops (1,000 body FETCHes, 100 APPENDs expunged again, STORE on 1:*),
# REST seconds, then bench/pop3/pop3_load.py --repeat 9; prints each login's time.
#
#   bench/pop3/after-imap.sh ROUNDS REST NAME=IMAP_PORT:POP3_PORT...
#
# The servers are started by the caller on copies of the same data (bench/anchors/gen_maildir.py, user
# box@bench.test, password bench-password). Loopback only; every step is under a timeout.
set -u
BENCH=$(cd "$(dirname "$0")/.." && pwd)
ROUNDS=${1:?ROUNDS}; REST=${2:?REST}; shift 2
for r in $(seq 1 "$ROUNDS"); do
  for st in "$@"; do
    name=${st%%=*}; ports=${st#*=}; imap=${ports%%:*}; pop3=${ports#*:}
    timeout 300 python3 "$BENCH/imap/imap_load.py" ops --port "$imap" --user box@bench.test --fetches 1000 --appends 100 --repeat 1 >/dev/null 2>&1
    sleep "$REST"
    timeout 120 python3 "$BENCH/pop3/pop3_load.py" --port "$pop3" --user box@bench.test --retr 1000 --repeat 9 | python3 -c "
import json, statistics, sys
logins = [x * 1000 for x in json.load(sys.stdin)['login_s']]
print('round $r $name: login median %.2f ms; each:' % statistics.median(logins), ' '.join('%.1f' % x for x in logins))"
  done
done
