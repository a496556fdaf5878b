#!/usr/bin/env bash
# What a fresh Facteur standalone costs before it is warm, build against build in one run: the
# rounds interleave the builds (round 1: A B C, round 2: A B C, …) so a loaded machine's swings hit
# every build alike. Per round and build, on a fresh copy of the same data:
#   listen_s     process start (exec of `dotnet`) to the SMTP port accepting a connection
#   ready_s      process start to /readyz answering 200
#   start_cpu_s  the process's CPU (user+system, /proc/PID/stat) when ready
#   cold_ms_msg  its CPU per message over the first N messages (smtp-source, 2 KB, c=10, until all
#                are in the Maildir: the JIT of the SMTP and delivery paths is in it)
#   warm_ms_msg  its CPU per message over the next M messages (same load, now warm): must not get
#                worse — a JIT setting that helps the cold figure can cost the warm one
#   warm_per_s   the warm set's end-to-end msgs/s (smtp_source_ingest.py)
# With --select-data DIR (DIR/pristine and DIR/passwd from bench/anchors/gen_maildir.py, as
# bench/imap/run.sh --data takes them) a round is instead: a fresh copy of that data, the process
# started, the bench's unrecorded IMAP warm-up on warm@ (imap_load.py ops), 3 s rest, then one
# cold SELECT of box@ (the whole folder's first sync and index build):
#   select_ms      its wall time, LOGIN to the tagged OK of SELECT
#   select_cpu_ms  the server's CPU (user+system, all threads) over that SELECT, JIT threads included
#
#   bench/startup/run.sh [--rounds 3] [--cold 2000] [--warm 5000] [--select-data DIR] [--skip-build]
#                        NAME=SPEC [NAME=SPEC ...]
# FACTEUR_STARTUP_ENV_<NAME>="VAR=VALUE ..." adds environment variables to that build's processes.
#
# SPEC is a source tree, [r2r:|jit:]DIR (bench/facteur-build.sh: built unless --skip-build), or the
# path of an already built Facteur.Standalone.dll. Loopback only, free ports, every step bounded.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
BENCH=$(dirname "$HERE")
# shellcheck source=../facteur-build.sh
. "$BENCH/facteur-build.sh"
ROUNDS=3 COLD=2000 WARM=5000 BUILD=1 SELECT_DATA= TREES=()
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS=${2:?}; shift ;;
    --cold) COLD=${2:?}; shift ;;
    --warm) WARM=${2:?}; shift ;;
    --skip-build) BUILD=0 ;;
    --select-data) SELECT_DATA=$(realpath "${2:?}"); shift ;;
    -h|--help) sed -n '2,28p' "$0"; exit 0 ;;
    *=*) TREES+=("$1") ;;
    *) echo "startup/run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
[ ${#TREES[@]} -gt 0 ] || { echo "startup/run.sh: give at least one NAME=SPEC" >&2; exit 2; }
DOMAIN=bench.test PROJECT=services/standalone/Facteur.Standalone.csproj
log() { echo "[$(date -u +%H:%M:%S)] $*" >&2; }
# shellcheck source=../standalone.sh
. "$BENCH/standalone.sh"
TICKS=$(getconf CLK_TCK)
cpu_s() { awk -v t="$TICKS" '{ print ($14 + $15) / t }' "/proc/$1/stat"; }

declare -A DLL
for tree in "${TREES[@]}"; do
  name=${tree%%=*} spec=${tree#*=}
  if [[ "$spec" == *.dll ]]; then
    DLL[$name]=$spec
  else
    facteur_spec "$spec"
    [ "$BUILD" = 1 ] && { log "building $name ($FACTEUR_MODE, $FACTEUR_SRC)"; facteur_build "$FACTEUR_MODE" "$FACTEUR_SRC" "$PROJECT"; }
    DLL[$name]=$(facteur_dll "$FACTEUR_MODE" "$FACTEUR_SRC" "$PROJECT")
  fi
  [ -f "${DLL[$name]}" ] || { echo "startup/run.sh: ${DLL[$name]} is not built" >&2; exit 1; }
done

W=$(mktemp -d "${TMPDIR:-/tmp}/facteur-startup.XXXXXX"); chmod 755 "$W"
RESULTS="$W/results.jsonl"; : > "$RESULTS"
PID=""
cleanup() { set +e; [ -n "$PID" ] && kill -KILL "$PID" 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT
python3 "$BENCH/anchors/gen_maildir.py" "$W/pristine" "$DOMAIN" --corpus-user box --messages 10 \
  --empty-user bench --passwd "$W/passwd" >/dev/null

one() { # name round
  local name=$1 F="$W/$1-$2" smtp mgmt imap t0 listen ready start_cpu c0 c1 c2 out warm_rate extra_var extra
  rm -rf "$F"; mkdir -p "$F/spool"; : > "$F/aliases"
  if [ -n "$SELECT_DATA" ]; then cp -a "$SELECT_DATA/pristine" "$F/mail"; else cp -a "$W/pristine" "$F/mail"; fi
  smtp=$(free_port); mgmt=$(free_port); imap=$(free_port)
  extra_var="FACTEUR_STARTUP_ENV_$name"; read -r -a extra <<< "${!extra_var:-}"
  sync; sleep 2
  t0=$(date +%s.%N)
  # shellcheck disable=SC2068
  env ${extra[@]} Facteur__Hostname=mx.$DOMAIN Facteur__Domains__0=$DOMAIN Facteur__MailRoot="$F/mail" \
    Facteur__SpoolRoot="$F/spool" Facteur__AccountsFile="$W/passwd" Facteur__AliasesFile="$F/aliases" \
    Facteur__ListenAddress=127.0.0.1 Facteur__AllowPlaintextAuth=true Smtp__MaxConnectionsPerIp=1000 \
    Facteur__Transport=InMemory Smtp__Port="$smtp" Smtp__SubmissionPort="$(free_port)" Smtp__SubmissionsPort="$(free_port)" \
    Imap__Port="$imap" Imap__TlsPort=0 Pop3__Port="$(free_port)" Pop3__TlsPort=0 Http__Port="$(free_port)" \
    Management__Port="$mgmt" Logging__LogLevel__Default=Warning \
    dotnet "${DLL[$name]}" > "$F.log" 2>&1 &
  PID=$!
  listen="" ready=""
  for _ in $(seq 1 6000); do
    if [ -z "$listen" ] && (exec 3<>"/dev/tcp/127.0.0.1/$smtp") 2>/dev/null; then
      listen=$(echo "$(date +%s.%N) - $t0" | bc)
    fi
    if [ -n "$listen" ] && curl -fs "http://127.0.0.1:$mgmt/readyz" >/dev/null 2>&1; then
      ready=$(echo "$(date +%s.%N) - $t0" | bc); break
    fi
    kill -0 "$PID" 2>/dev/null || break
    sleep 0.01
  done
  [ -n "$ready" ] || { log "$name did not become ready"; tail -20 "$F.log" >&2; kill -KILL "$PID"; PID=""; return 1; }
  start_cpu=$(cpu_s "$PID")
  if [ -n "$SELECT_DATA" ]; then select_round "$name" "$2" "$imap" "$listen" "$ready" "$start_cpu"; return; fi
  c0=$start_cpu
  timeout 300 python3 "$BENCH/smtp-ingest/smtp_source_ingest.py" --port "$smtp" --maildir "$F/mail/$DOMAIN/bench" \
    --rcpt "bench@$DOMAIN" --messages "$COLD" --size 2048 --concurrency 10 --timeout 280 >/dev/null
  c1=$(cpu_s "$PID")
  out=$(timeout 300 python3 "$BENCH/smtp-ingest/smtp_source_ingest.py" --port "$smtp" --maildir "$F/mail/$DOMAIN/bench" \
    --rcpt "bench@$DOMAIN" --messages "$WARM" --size 2048 --concurrency 10 --timeout 280)
  c2=$(cpu_s "$PID")
  warm_rate=$(echo "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["e2e_per_s"])')
  kill -TERM "$PID"; wait "$PID" 2>/dev/null || true; PID=""
  rm -rf "$F"
  printf '{"build":"%s","round":%s,"listen_s":%s,"ready_s":%s,"start_cpu_s":%s,"cold_ms_msg":%s,"warm_ms_msg":%s,"warm_per_s":%s,"load":"%s"}\n' \
    "$name" "$2" "$listen" "$ready" "$start_cpu" \
    "$(echo "scale=4; ($c1 - $c0) * 1000 / $COLD" | bc)" "$(echo "scale=4; ($c2 - $c1) * 1000 / $WARM" | bc)" \
    "$warm_rate" "$(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$RESULTS"
}

select_round() { # name round imap listen ready start_cpu
  local c0 c1 out
  timeout 120 python3 "$BENCH/imap/imap_load.py" ops --port "$3" --user "warm@$DOMAIN" --fetches 20 --repeat 2 >/dev/null 2>&1 || true
  sleep 3
  c0=$(cpu_s "$PID")
  out=$(timeout 600 python3 - "$3" "box@$DOMAIN" <<'PY'
import imaplib, json, sys, time
c = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]))
c.login(sys.argv[2], "bench-password")
t = time.monotonic()
typ, data = c.select("INBOX", readonly=False)
assert typ == "OK", data
print(round((time.monotonic() - t) * 1000, 2), int(data[0]))
c.logout()
PY
)
  c1=$(cpu_s "$PID")
  kill -TERM "$PID"; wait "$PID" 2>/dev/null || true; PID=""
  printf '{"build":"%s","round":%s,"listen_s":%s,"ready_s":%s,"start_cpu_s":%s,"select_ms":%s,"exists":%s,"select_cpu_ms":%s,"load":"%s"}\n' \
    "$1" "$2" "$4" "$5" "$6" "${out% *}" "${out#* }" "$(echo "($c1 - $c0) * 1000" | bc)" "$(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$RESULTS"
}

for round in $(seq 1 "$ROUNDS"); do
  for tree in "${TREES[@]}"; do
    name=${tree%%=*}
    log "round $round/$ROUNDS: $name, load $(cut -d' ' -f1 /proc/loadavg)"
    one "$name" "$round" || true
  done
done

python3 - "$RESULTS" <<'EOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
builds = list(dict.fromkeys(r["build"] for r in rows))
def med(v):
    v = sorted(v); return v[len(v) // 2]
print("| metric | " + " | ".join(builds) + " | " + " | ".join(f"{b} ÷ {builds[0]}" for b in builds[1:]) + " |")
print("|---|" + "---|" * (2 * len(builds) - 1))
for key, unit in (("listen_s", "s ↓"), ("ready_s", "s ↓"), ("start_cpu_s", "s CPU ↓"), ("cold_ms_msg", "ms CPU/msg ↓"),
                  ("warm_ms_msg", "ms CPU/msg ↓"), ("warm_per_s", "msgs/s ↑"), ("select_ms", "ms ↓"), ("select_cpu_ms", "ms CPU ↓")):
    if not all(key in r for r in rows):
        continue
    meds = {b: med([r[key] for r in rows if r["build"] == b]) for b in builds}
    cells = [f"{meds[b]:.3g} ({min(r[key] for r in rows if r['build'] == b):.3g}–{max(r[key] for r in rows if r['build'] == b):.3g})" for b in builds]
    print(f"| {key} ({unit}) | " + " | ".join(cells) + " | " + " | ".join(f"{meds[b] / meds[builds[0]]:.2f}" for b in builds[1:]) + " |")
EOF
