#!/usr/bin/env bash
# Side-by-side benchmark: Facteur (standalone, and over RabbitMQ) against the stack it replaces,
# Postfix + Dovecot, on this machine, on copies of the same generated mail data.
#
#   bench/run.sh [--quick | --medium] [--repeat N] [--skip-install] [--skip-build] [--corpus N] [--keep]
#                [--only smtp,pop3,imap,conns,imapscale,webmail]
#
# --quick      tiny counts (about 5-7 minutes on the loaded 2-core machine once built; the Release
#              build of six projects adds 15-20 there); writes bench/results/quick-<date>.md and
#              leaves latest.md alone.
# --medium     every row at full size, one repetition, 20 IDLE samples, 5 s webmail runs, the
#              100,000-message IMAP rows only (a full run at --repeat 1 took 9-10 minutes on the quiet
#              2-core machine, build included);
#              writes <date>-partial.md and leaves latest.md alone.
# It prints its estimated duration first (from the last run of the same kind, see
# docs/README-perf.md "Duration") and each group's wall time at the end of the table.
# --repeat N   repetitions per measurement (default 3; medians and ranges are over these).
# --only LIST  run only these workload groups (default: all). imapscale is bench/imap/run.sh: the
#              IMAP rows on 10,000 and 100,000 messages, Dovecot vs Facteur standalone, folded into
#              this table (and its own imap-<date>.md); webmail is bench/webmail/run.sh: the inbox
#              page through the edge vs Roundcube's inbox list on Dovecot, with wrk.
# --corpus N   messages in the POP3/IMAP mailbox (default 10,000; the 100,000-message IMAP rows:
#              bench/run.sh --only imap,pop3 --corpus 100000).
# --keep       keep the work folder (data, logs) under /tmp for inspection.
#
# Environment: FACTEUR_BENCH_BUILD=jit|r2r: what is built and run (bench/facteur-build.sh; default jit,
# dotnet build -c Release output; r2r: a ReadyToRun publish). FACTEUR_BENCH_GC=server|workstation and FACTEUR_BENCH_DATAS=0|1 override the GC
# settings of every Facteur process, the webmail's and imapscale's included (default: what the
# projects ship; recorded in the table).
# FACTEUR_BENCH_DELIVERIES=N: delivery workers over RabbitMQ (default 1, docker-compose.yml's; recorded
# in the table).
#
# Everything listens on 127.0.0.1 on OS-chosen free ports; Postfix, Dovecot and RabbitMQ run as
# private instances with their state in the work folder (bench/anchors/*.sh, scripts/rabbitmq.sh).
# Not part of ./test.sh on purpose (minutes of machine time); see docs/README-perf.md.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH="$ROOT/bench"
ALL_GROUPS="smtp,pop3,imap,conns,imapscale,webmail"
QUICK=0 MEDIUM=0 REPEAT=3 INSTALL=1 BUILD=1 KEEP=0 ONLY=$ALL_GROUPS CORPUS_OVERRIDE=
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --medium) MEDIUM=1 ;;
    --repeat) REPEAT=${2:?}; shift ;;
    --skip-install) INSTALL=0 ;;
    --skip-build) BUILD=0 ;;
    --only) ONLY=${2:?}; shift ;;
    --keep) KEEP=1 ;;
    --corpus) CORPUS_OVERRIDE=${2:?}; shift ;;
    -h|--help) sed -n '2,32p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
[[ "$REPEAT" =~ ^[1-9][0-9]?$ ]] || { echo "run.sh: --repeat is 1..99" >&2; exit 2; }

if [ "$QUICK" = 1 ]; then
  SMTP_SETS="60:2048 10:102400"; CONCURRENCY="1 10"; CORPUS=300; POP_RETR=50; IMAP_FETCH=50; IMAP_APPENDS=10
  IDLE_SAMPLES=3; CONNS="50"; REST=2; [ "$REPEAT" = 3 ] && REPEAT=1; STEP_TIMEOUT=60; WEBMAIL_SECONDS=3
else
  SMTP_SETS="10000:2048 1000:102400"; CONCURRENCY="1 10 50"; CORPUS=10000; POP_RETR=1000; IMAP_FETCH=1000; IMAP_APPENDS=100
  IDLE_SAMPLES=200; CONNS="1000,10000"; REST=60; STEP_TIMEOUT=900; WEBMAIL_SECONDS=10
  # REST: CPU at rest is counted over 60 s, longer than any periodic work of either server that is not a
  # keepalive (Dovecot checks an IDLE mailbox every 30 s, mailbox_idle_check_interval; Facteur lets unused
  # folder states go every 60 s): a 10 s window could fall between them (imap_load.py CpuMeter).
  if [ "$MEDIUM" = 1 ]; then [ "$REPEAT" = 3 ] && REPEAT=1; IDLE_SAMPLES=20; WEBMAIL_SECONDS=5; fi
fi
if [ -n "$CORPUS_OVERRIDE" ]; then
  [[ "$CORPUS_OVERRIDE" =~ ^[1-9][0-9]{0,5}$ ]] && [ "$CORPUS_OVERRIDE" -le 200000 ] || { echo "run.sh: --corpus is 1..200000" >&2; exit 2; }
  CORPUS=$CORPUS_OVERRIDE
fi
DOMAIN=bench.test
wants() { [[ ",$ONLY," == *",$1,"* ]]; }
log() { echo "[$(date -u +%H:%M:%S)] $*" >&2; }
RUN_STARTED=$SECONDS
# Wall time per workload group (setup: data, start-up, warm-up), for the table and the next run's
# estimate: "group seconds" lines, summed by tabulate.py.
timed() { # group command...
  local group=$1 started=$SECONDS rc=0; shift
  "$@" || rc=$?
  echo "$group $((SECONDS - started))" >> "$TIMINGS"
  return $rc
}
# shellcheck source=standalone.sh
. "$BENCH/standalone.sh"
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# --- 0. how long this will take -------------------------------------------------------------------
# From the last run of the same kind (its per-group wall times, scaled by the repetitions), else
# from the figures of docs/README-perf.md (a loaded 2-core machine). Build and install not included.
KIND=full; [ "$QUICK" = 1 ] && KIND=quick; [ "$MEDIUM" = 1 ] && KIND=medium
python3 - "$ROOT/bench/results" "$KIND" "$ONLY" "$REPEAT" "$CORPUS" <<'PY' >&2 || true
import glob, json, os, sys
results, kind, only, repeat, corpus = sys.argv[1], sys.argv[2], sys.argv[3].split(","), int(sys.argv[4]), int(sys.argv[5])
# Rough seconds per group (smtp, pop3, webmail: per repetition) on the loaded 2-core machine, until a
# run of the same kind has recorded its own in bench/results/*.json.
defaults = {
    "quick": {"setup": 120, "smtp": 60, "pop3": 10, "imap": 40, "conns": 20, "imapscale": 120, "webmail": 110},
    "medium": {"setup": 420, "smtp": 480, "pop3": 60, "imap": 240, "conns": 900, "imapscale": 1000, "webmail": 120},
    "full": {"setup": 420, "smtp": 480, "pop3": 60, "imap": 240, "conns": 900, "imapscale": 1800, "webmail": 200},
}[kind]
scales = {"smtp", "pop3", "webmail"}  # groups whose time grows with --repeat
source, per_rep = "docs/README-perf.md's figures", dict(defaults)
runs = sorted(glob.glob(os.path.join(results, ("quick-" if kind == "quick" else "") + "*.json")), key=os.path.getmtime)
for path in reversed(runs):
    try:
        with open(path) as f:
            old = json.load(f)
    except (OSError, ValueError):
        continue
    groups, old_repeat = old.get("groups"), old.get("repeat") or 1
    # A run of some groups only (--only) does not know the others: look further back for them.
    if groups and old.get("kind", kind) == kind and all(g in groups for g in only):
        for g, secs in groups.items():
            per_rep[g] = secs / old_repeat if g in scales else secs
        source = f"the run of {old.get('stamp')}"
        break
total = per_rep.get("setup", 0) + sum(per_rep.get(g, 0) * (repeat if g in scales else 1) for g in only)
if corpus > 10000 and kind != "quick":
    total *= corpus / 10000 * 0.5 + 0.5
print(f"[estimate] about {total / 60:.0f} minutes for {','.join(only)} at --repeat {repeat} (from {source}); "
      + ("add the build and any package install" if source.startswith("docs") else "build included") + ("; over an hour: --medium (one repetition) or --only splits it" if total > 3600 else ""))
PY

# --- 1. packages -----------------------------------------------------------------------------------
if [ "$INSTALL" = 1 ]; then
  missing=()
  pkgs=(postfix dovecot-imapd dovecot-pop3d rabbitmq-server)
  # The webmail row: wrk, and its anchor, Roundcube (SQLite, PHP's built-in server; bench/anchors/roundcube.sh).
  wants webmail && pkgs+=(wrk roundcube-core roundcube-sqlite3 php-cli php-sqlite3)
  for pkg in "${pkgs[@]}"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]} from Debian"
    # Postfix's debconf question: no configuration (we never use /etc/postfix's instance).
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    # Roundcube's: no system database (roundcube.sh makes its own SQLite file per run).
    echo "roundcube-core roundcube/dbconfig-install boolean false" | debconf-set-selections
    # A fresh machine has no package lists yet (apt-get install would only say "Unable to locate"),
    # and no init system: keep the packages' scripts from starting the system's Postfix, Dovecot and
    # RabbitMQ (the bench starts private instances of its own), as test.sh does.
    policy=/usr/sbin/policy-rc.d created_policy=
    if [ ! -e "$policy" ]; then
      printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy" && created_policy=1
    fi
    installed=1
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 \
      && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >&2 || installed=0
    if [ -n "$created_policy" ]; then rm -f "$policy"; fi
    [ "$installed" = 1 ] || { echo "run.sh: apt-get could not install ${missing[*]}" >&2; exit 1; }
  fi
fi
for tool in postfix smtp-source dovecot doveadm python3 curl; do
  command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] || { echo "run.sh: $tool is missing" >&2; exit 1; }
done

# --- 2. build --------------------------------------------------------------------------------------
# What runs is bench/facteur-build.sh's FACTEUR_BENCH_BUILD (default jit: dotnet build -c Release
# output; r2r: a ReadyToRun publish), recorded in the table's machine section.
CONFIG=Release
# shellcheck source=facteur-build.sh
. "$BENCH/facteur-build.sh"
facteur_check_mode "$FACTEUR_BENCH_BUILD" || exit 2
FACTEUR_PROJECTS=(services/standalone/Facteur.Standalone.csproj services/smtp-gateway/Facteur.SmtpGateway.csproj services/delivery/Facteur.Delivery.csproj)
wants webmail && FACTEUR_PROJECTS+=(services/mailbox-api/Facteur.MailboxApi.csproj services/webmail/Facteur.Webmail.csproj services/webmail/edge/Facteur.Edge.csproj)
if [ "$BUILD" = 1 ]; then
  log "building Facteur ($FACTEUR_BENCH_BUILD)"
  facteur_build "$FACTEUR_BENCH_BUILD" "$ROOT" "${FACTEUR_PROJECTS[@]}"
fi
bin() { echo "$(facteur_out "$FACTEUR_BENCH_BUILD" "$ROOT" "services/$1/x.csproj")/$2"; }
# What the figures were measured on, so that the table can tell a move of the machine from one of the code
# (tabulate.py compares these with the previous run's): the commit, and fingerprints of the server code as
# the build above compiled it (its sources, the build mode, the GC overrides) and of the bench's scripts
# (bench/ without its results). A fingerprint is "uncommitted" where the working tree differs from the
# commit, "not built by this run" after --skip-build.
code_fingerprint() { # SALT PATH... (an empty SALT, the defaults, adds nothing to the digest)
  local salt=$1; shift
  git -C "$ROOT" rev-parse -q --verify HEAD >/dev/null 2>&1 || { echo unknown; return; }
  [ -z "$(git -C "$ROOT" status --porcelain -- "$@" ':(exclude)bench/results')" ] || { echo uncommitted; return; }
  { git -C "$ROOT" ls-tree -r HEAD -- "$@" | grep -v $'\tbench/results/'; [ -z "$salt" ] || echo "$salt"; } | sha1sum | cut -c1-12
}
COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
SERVER_CODE="not built by this run"
if [ "$BUILD" = 1 ]; then
  salt=
  if [ "$FACTEUR_BENCH_BUILD" != jit ] || [ -n "${FACTEUR_BENCH_GC:-}${FACTEUR_BENCH_DATAS:-}" ]; then
    salt="build=$FACTEUR_BENCH_BUILD gc=${FACTEUR_BENCH_GC:-} datas=${FACTEUR_BENCH_DATAS:-}"
  fi
  SERVER_CODE=$(code_fingerprint "$salt" services libs Directory.Build.props Directory.Packages.props global.json)
fi
BENCH_CODE=$(code_fingerprint "" bench)
for dll in "$(bin standalone Facteur.Standalone.dll)" "$(bin smtp-gateway Facteur.SmtpGateway.dll)" "$(bin delivery Facteur.Delivery.dll)"; do
  [ -f "$dll" ] || { echo "run.sh: $dll is not built" >&2; exit 1; }
done

# --- 3. work folder, data, clean-up ----------------------------------------------------------------
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
W=$(mktemp -d /tmp/facteur-bench.XXXXXX)
chmod 755 "$W"
RESULTS="$W/results.jsonl" TIMINGS="$W/timings"
: > "$RESULTS"; : > "$TIMINGS"
PIDS=()
RABBIT_STARTED=0 state=none
cleanup() {
  set +e
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null
  done
  "$BENCH/anchors/postfix.sh" stop "$W/anchor/postfix"
  "$BENCH/anchors/dovecot.sh" stop "$W/anchor/dovecot"
  if [ "$RABBIT_STARTED" = 1 ]; then
    FACTEUR_RABBITMQ_PORT=$RABBIT_PORT FACTEUR_RABBITMQ_STATE="$W/rabbitmq.state" "$ROOT/scripts/rabbitmq.sh" stop >/dev/null 2>&1
  fi
  if [ "$KEEP" = 1 ]; then log "work folder kept: $W"; else rm -rf "$W"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log "generating $CORPUS messages (work folder $W)"
timed setup python3 "$BENCH/anchors/gen_maildir.py" "$W/pristine" "$DOMAIN" --corpus-user box --messages "$CORPUS" \
  --empty-user bench --empty-user probe --empty-user idle --warm-user warm --passwd "$W/passwd"
# shellcheck source=imap/cold-copies.sh
. "$BENCH/imap/cold-copies.sh"
cold_users_passwd "$W/passwd" "$DOMAIN" "$REPEAT"
fresh_copy() { rm -rf "$1"; mkdir -p "$(dirname "$1")"; cp -a "$W/pristine" "$1"; }

# One measurement: runs the command, appends {"stack","row","data"} (or "error") to results.jsonl.
measure() {
  local stack=$1 row=$2; shift 2
  local out
  if out=$(timeout "$STEP_TIMEOUT" "$@" 2>"$W/last-error"); then
    printf '{"stack":"%s","row":"%s","data":%s}\n' "$stack" "$row" "$out" >> "$RESULTS"
  else
    local why
    why=$(tail -c 300 "$W/last-error" | tr -d '"\\' | tr '\n' ' ')
    log "$stack / $row failed: $why"
    printf '{"stack":"%s","row":"%s","error":"%s"}\n' "$stack" "$row" "${why:-timed out}" >> "$RESULTS"
  fi
}

# Unrecorded warm-up before the figures (JIT, caches, Postfix's process pool), the same for every
# stack. The SMTP part is long enough to reach the steady state a server that has been up for a
# while is in: a .NET process still tier-up compiles (with dynamic PGO) for its first ~2,000
# messages, at several times the CPU per message of its steady state (bench/results/
# rabbitq-queue-type-and-cpu-2026-11-29T1716Z.md) — three such processes over RabbitMQ — and 50
# messages left the first SMTP cells measuring that instead of the mail path. The warm-up at c=10
# does not warm one session at a time: after it, the first 2,000 messages at c=1 still cost a
# Facteur stack twice its steady CPU per message (and Postfix needed 4,000 to reach its rate), so
# the first c=1 cell measured the tiering; hence the last set, at c=1 (bench/results/
# smtp-c1-warmup-2026-11-30T1245Z.md). Interleaved like the rows (below), so that no stack waits long
# after its warm-up (Postfix ends idle processes after max_idle, 100 s).
warm_up_smtp() { # stack:smtp_port:mailroot... (interleaved: every stack takes each set in turn)
  local set n size c spec stack smtp mail
  log "warm-up: ${*%%:*} (not recorded)"
  for set in 2000:2048:10 200:102400:10 4000:2048:1; do   # N:SIZE:CONCURRENCY
    n=${set%%:*}; size=${set#*:}; c=${size#*:}; size=${size%%:*}
    for spec in "$@"; do
      IFS=: read -r stack smtp mail <<< "$spec"
      timeout 120 python3 "$BENCH/smtp-ingest/smtp_source_ingest.py" --port "$smtp" --maildir "$mail/$DOMAIN/bench" --aside "$W/aside" \
        --rcpt "bench@$DOMAIN" --messages "$n" --size "$size" --concurrency "$c" \
        --probe-rcpt "probe@$DOMAIN" --probe-maildir "$mail/$DOMAIN/probe" --timeout 100 >/dev/null 2>&1 || true
    done
  done
}
warm_up_reads() { # imap_port pop3_port
  local imap=$1 pop3=$2
  timeout 60 python3 "$BENCH/pop3/pop3_load.py" --port "$pop3" --user "warm@$DOMAIN" --retr 20 --repeat 2 >/dev/null 2>&1 || true
  if [ -n "$imap" ] && listening "$imap"; then
    # --appends: APPEND's own code, compiled before its row (the first measured repetition ran it tier-0).
    timeout 60 python3 "$BENCH/imap/imap_load.py" ops --port "$imap" --user "warm@$DOMAIN" --fetches 20 --appends 20 --repeat 5 >/dev/null 2>&1 || true
  fi
}

# shellcheck source=quiesce.sh
. "$BENCH/quiesce.sh"

# The SMTP rows of every stack, interleaved: all the stacks are up (idle between their turns: 0.1-0.3 %
# of a core each), and each measurement runs every stack once, in an order that rotates from one
# measurement to the next, so each stack takes each place in turn. Run one stack after the other, the
# last one met a machine that had already taken ~200,000 files and two stacks' IMAP and idle-connection
# rows, and its c=1 rows measured that: over RabbitMQ 483 msgs/s at 2 KB c=1 in the complete run
# 2026-12-06T0421Z (0.81 of Postfix), against 534-624 for the same build beside Postfix's 523-609 on a
# fresh mail root (docs/README-perf.md, "SMTP rows interleaved").
smtp_rows() { # stack:smtp_port:mailroot...
  local stacks=("$@") set n size c rep k stack port mail turn=0
  for set in $SMTP_SETS; do
    n=${set%%:*}; size=${set##*:}
    for c in $CONCURRENCY; do
      for rep in $(seq 1 "$REPEAT"); do
        for k in $(seq 0 $((${#stacks[@]} - 1))); do
          IFS=: read -r stack port mail <<< "${stacks[$(( (k + turn) % ${#stacks[@]} ))]}"
          quiesce
          log "$stack: SMTP ingest $n x $size B at concurrency $c ($rep/$REPEAT)"
          measure "$stack" "smtp:$n:$size:$c" python3 "$BENCH/smtp-ingest/smtp_source_ingest.py" --port "$port" --aside "$W/aside" \
            --maildir "$mail/$DOMAIN/bench" --rcpt "bench@$DOMAIN" --messages "$n" --size "$size" --concurrency "$c" \
            --probe-rcpt "probe@$DOMAIN" --probe-maildir "$mail/$DOMAIN/probe" --timeout "$STEP_TIMEOUT"
        done
        turn=$((turn + 1))
      done
    done
  done
}

# Waits (up to 5 min) until nothing more arrives in a Maildir for 2 s: a backlog drained.
drain() {
  local before=-1 now
  for _ in $(seq 1 150); do
    now=$(find "$1/new" "$1/cur" -type f | wc -l)
    [ "$now" = "$before" ] && return 0
    before=$now
    sleep 2
  done
}

# The IMAP operations and the POP3 sessions of every stack, interleaved as the SMTP rows are: REPEAT rounds,
# each taking every stack once in an order that rotates, quiesce before each measurement. Run one stack after
# the other, the anchor's came right after the SMTP rows and the standalone's after the anchor's 10,000 idle
# connections, so the rows within a few per cent of level (cold SELECT of 10,000, POP3 LIST, STORE on all)
# leaned on whichever moment each stack met (docs/README-perf.md, "Read rows interleaved"). Round 1 SELECTs
# box@ cold, round r its copy cold<r>@ (made up front, bench/imap/cold-copies.sh), after box@'s own SELECT.
read_rounds() { # stack:imap_port:pop3_port:mailroot...
  local stacks=("$@") rep k stack imap pop3 mail started args
  if wants imap; then
    for k in "${stacks[@]}"; do
      IFS=: read -r stack imap pop3 mail <<< "$k"
      cold_copies "$mail" "$DOMAIN" "$REPEAT" >/dev/null
    done
  fi
  for rep in $(seq 1 "$REPEAT"); do
    for k in $(seq 0 $((${#stacks[@]} - 1))); do
      IFS=: read -r stack imap pop3 mail <<< "${stacks[$(( (k + rep - 1) % ${#stacks[@]} ))]}"
      started=$SECONDS
      if wants imap; then
        if [ -n "$imap" ] && listening "$imap"; then
          args=(--user "box@$DOMAIN")
          [ "$rep" -gt 1 ] && args+=(--selected-before --cold-users "cold$rep@$DOMAIN")
          quiesce
          log "$stack: IMAP SELECT/FETCH/SEARCH/STORE on $CORPUS messages ($rep/$REPEAT)"
          measure "$stack" imap:ops python3 "$BENCH/imap/imap_load.py" ops --port "$imap" "${args[@]}" \
            --fetches "$IMAP_FETCH" --appends "$IMAP_APPENDS" --repeat 1 --timeout "$STEP_TIMEOUT"
        elif [ "$rep" = 1 ]; then # said once, not once a round
          printf '{"stack":"%s","row":"imap:ops","error":"no IMAP listener on port %s"}\n' "$stack" "$imap" >> "$RESULTS"
        fi
        echo "imap $((SECONDS - started))" >> "$TIMINGS"; started=$SECONDS
      fi
      if wants pop3; then
        quiesce
        log "$stack: POP3 UIDL/LIST on $CORPUS, RETR of $POP_RETR ($rep/$REPEAT)"
        # Three sessions per round: a session takes ≈ 0.3 s, and a LIST of 10,000 is ≈ 95 % poplib's own
        # parsing, whose CPU time alone swings between two modes (≈ 6 and ≈ 11 ms then, ≈ 3.5 and ≈ 6 ms on
        # later machines) from one session to the next, for either server (bench/results/
        # pop3-list-client-cpu-2026-11-30T2345Z.md); a median of three was a coin toss between the modes.
        measure "$stack" pop3 python3 "$BENCH/pop3/pop3_load.py" --port "$pop3" --user "box@$DOMAIN" \
          --retr "$POP_RETR" --repeat 3 --timeout "$STEP_TIMEOUT"
        echo "pop3 $((SECONDS - started))" >> "$TIMINGS"
      fi
    done
  done
}

# A stack's IDLE wake rows and its idle connections, after every stack's rounds (their SMTP load and their
# 10,000 connections would stand in the other stack's rounds).
idle_rows() { # stack imap_port smtp_port root_pid mailroot
  local stack=$1 imap=$2 smtp=$3 pid=$4 mail=$5
  local started=$SECONDS
  [ -n "$imap" ] && listening "$imap" || return 0
  if wants imap; then
    log "$stack: IMAP IDLE wake latency"
    measure "$stack" imap:idle python3 "$BENCH/imap/imap_load.py" idle --port "$imap" --user "idle@$DOMAIN" \
      --smtp-port "$smtp" --rcpt "idle@$DOMAIN" --samples "$IDLE_SAMPLES" --timeout "$STEP_TIMEOUT"
    # Issue 8's goal is stated at SMTP concurrency 10: the same samples while smtp-source keeps 10
    # sessions delivering to another mailbox (stopped right after; its backlog drained before
    # anything else is measured).
    log "$stack: IMAP IDLE wake latency under SMTP load (c=10)"
    /usr/sbin/smtp-source -s 10 -m 1000000 -l 2048 -f load@load.test -t "bench@$DOMAIN" "127.0.0.1:$smtp" >/dev/null 2>&1 &
    local load=$!
    measure "$stack" imap:idle-load python3 "$BENCH/imap/imap_load.py" idle --port "$imap" --user "idle@$DOMAIN" \
      --smtp-port "$smtp" --rcpt "idle@$DOMAIN" --samples "$IDLE_SAMPLES" --timeout "$STEP_TIMEOUT"
    kill "$load" 2>/dev/null || true
    wait "$load" 2>/dev/null || true
    drain "$mail/$DOMAIN/bench"
    echo "imap $((SECONDS - started))" >> "$TIMINGS"; started=$SECONDS
  fi
  if wants conns; then
    log "$stack: $CONNS idle IMAP connections"
    measure "$stack" imap:conns python3 "$BENCH/imap/imap_load.py" conns --port "$imap" --user "idle@$DOMAIN" \
      --pid "$pid" --counts "$CONNS" --rest "$REST" --timeout "$STEP_TIMEOUT"
    echo "conns $((SECONDS - started))" >> "$TIMINGS"
  fi
}

# --- 4. the anchor: Postfix + Dovecot --------------------------------------------------------------
log "anchor: Postfix $(postconf -d -h mail_version) + Dovecot $(dovecot --version | cut -d' ' -f1)"
A="$W/anchor"; fresh_copy "$A/mail"
A_SMTP=$(free_port); A_IMAP=$(free_port); A_POP3=$(free_port)
"$BENCH/anchors/postfix.sh" start "$A/postfix" "$A_SMTP" "$A/mail" "$DOMAIN" box bench probe idle warm
"$BENCH/anchors/dovecot.sh" start "$A/dovecot" "$A_IMAP" "$A_POP3" "$W/passwd" "$A/mail" 2>/dev/null
SMTP_STACKS=("anchor:$A_SMTP:$A/mail")

# --- 5. Facteur ------------------------------------------------------------------------------------
GC_ENV=()
case "${FACTEUR_BENCH_GC:-}" in
  server) GC_ENV+=(DOTNET_gcServer=1) ;;
  workstation) GC_ENV+=(DOTNET_gcServer=0) ;;
esac
[ -n "${FACTEUR_BENCH_DATAS:-}" ] && GC_ENV+=("DOTNET_GCDynamicAdaptationMode=$FACTEUR_BENCH_DATAS")

# launch NAME DLL MGMT_PORT VAR=VALUE... — starts one Facteur process, waits for /readyz, prints its
# pid (called in $(...): the caller adds it to PIDS for the clean-up).
launch() {
  local name=$1 dll=$2 mgmt=$3; shift 3
  env "${GC_ENV[@]}" "$@" Management__Port="$mgmt" Logging__LogLevel__Default=Warning \
    dotnet "$dll" > "$W/$name.log" 2>&1 &
  local pid=$!
  wait_ready "$pid" "$mgmt" "$W/$name.log" || return 1
  echo "$pid"
}
stop_pid() { kill -TERM "$1" 2>/dev/null || true; for _ in $(seq 1 75); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.2; done; kill -KILL "$1" 2>/dev/null || true; }
# Smtp:MaxConnectionsPerIp: every load session comes from 127.0.0.1 (the default 20 answers 421 at
# concurrency 50), as postfix.sh lifts smtpd_client_connection_count_limit.
facteur_env() { # mailroot folder
  echo Facteur__Hostname=mx.$DOMAIN Facteur__Domains__0=$DOMAIN Facteur__MailRoot="$1" \
    Facteur__SpoolRoot="$2/spool" Facteur__AccountsFile="$W/passwd" Facteur__AliasesFile="$2/aliases" \
    Facteur__ListenAddress=127.0.0.1 Facteur__AllowPlaintextAuth=true \
    Smtp__MaxConnectionsPerIp=1000
}

F="$W/standalone"; fresh_copy "$F/mail"; mkdir -p "$F/spool"; : > "$F/aliases"
F_SMTP=$(free_port); F_IMAP=$(free_port); F_POP3=$(free_port)
# The idle-connection row logs one user in from 127.0.0.1 up to 10,000 times: lift the per-user
# and per-IP caps as dovecot.sh lifts mail_max_userip_connections. Http__Port: the standalone serves
# the webmail too, on 8080 unless told otherwise, which another process on the machine may hold.
# shellcheck disable=SC2046
F_PID=$(launch standalone "$(bin standalone Facteur.Standalone.dll)" "$(free_port)" $(facteur_env "$F/mail" "$F") \
  Facteur__Transport=InMemory Smtp__Port="$F_SMTP" Smtp__SubmissionPort="$(free_port)" Smtp__SubmissionsPort="$(free_port)" \
  Imap__Port="$F_IMAP" Imap__TlsPort=0 Pop3__Port="$F_POP3" Pop3__TlsPort=0 Http__Port="$(free_port)" \
  Imap__MaxConnectionsPerUser=20000 Imap__MaxConnectionsPerIp=20000)
PIDS+=("$F_PID")
log "Facteur standalone ready (pid $F_PID)"
SMTP_STACKS+=("standalone:$F_SMTP:$F/mail")

if wants smtp; then
  RABBIT_PORT=$(free_rabbit_port)
  log "starting a private RabbitMQ on 127.0.0.1:$RABBIT_PORT"
  # (in $W: a failing broker writes erl_crash.dump into its working directory)
  state=$(cd "$W" && FACTEUR_RABBITMQ_PORT=$RABBIT_PORT FACTEUR_RABBITMQ_STATE="$W/rabbitmq.state" "$ROOT/scripts/rabbitmq.sh" start | tail -1) || state=failed
  [ "$state" = started ] && RABBIT_STARTED=1
fi
if wants smtp && [ "$state" = failed ]; then
  printf '{"stack":"rabbitmq","row":"smtp","error":"the private RabbitMQ did not start (see above)"}\n' >> "$RESULTS"
elif wants smtp; then
  S="$W/services"; fresh_copy "$S/mail"; mkdir -p "$S/spool"; : > "$S/aliases"
  S_SMTP=$(free_port)
  BUS=(Facteur__Transport=RabbitMq "ConnectionStrings__RabbitMq=amqp://guest:guest@127.0.0.1:$RABBIT_PORT/")
  # shellcheck disable=SC2046
  G_PID=$(launch smtp-gateway "$(bin smtp-gateway Facteur.SmtpGateway.dll)" "$(free_port)" $(facteur_env "$S/mail" "$S") "${BUS[@]}" \
    Smtp__Port="$S_SMTP" Smtp__SubmissionPort="$(free_port)" Smtp__SubmissionsPort="$(free_port)")
  PIDS+=("$G_PID")
  # One delivery worker by default, as docker-compose.yml starts on one box: a second replica on the
  # same two cores was slower in 13 of 15 paired 100 KB cells and cost more CPU per message (its idle threads
  # and the broker's hand-offs between two consumers; bench/results/rabbit-deliveries-ab-*).
  # FACTEUR_BENCH_DELIVERIES=N runs N competing workers, as the k8s base (2) or a scaled compose.
  DELIVERY_PIDS=()
  for i in $(seq 1 "${FACTEUR_BENCH_DELIVERIES:-1}"); do
    # shellcheck disable=SC2046
    D=$(launch "delivery-$i" "$(bin delivery Facteur.Delivery.dll)" "$(free_port)" $(facteur_env "$S/mail" "$S") "${BUS[@]}")
    PIDS+=("$D"); DELIVERY_PIDS+=("$D")
  done
  log "Facteur over RabbitMQ ready (gateway $G_PID, delivery ${DELIVERY_PIDS[*]})"
  SMTP_STACKS+=("rabbitmq:$S_SMTP:$S/mail")
fi

# --- 6. the rows: SMTP, then IMAP operations and POP3 (every stack, interleaved), then each stack's IDLE rows and connections
warm_up_smtp "${SMTP_STACKS[@]}"
wants smtp && timed smtp smtp_rows "${SMTP_STACKS[@]}"
if [ "${G_PID:-}" ]; then
  for pid in "$G_PID" "${DELIVERY_PIDS[@]}"; do stop_pid "$pid"; done
fi
if [ "$RABBIT_STARTED" = 1 ]; then
  FACTEUR_RABBITMQ_PORT=$RABBIT_PORT FACTEUR_RABBITMQ_STATE="$W/rabbitmq.state" "$ROOT/scripts/rabbitmq.sh" stop >/dev/null 2>&1 || true
  RABBIT_STARTED=0
fi
warm_up_reads "$A_IMAP" "$A_POP3"
warm_up_reads "$F_IMAP" "$F_POP3"
read_rounds "anchor:$A_IMAP:$A_POP3:$A/mail" "standalone:$F_IMAP:$F_POP3:$F/mail"
idle_rows anchor "$A_IMAP" "$A_SMTP" "$(cat "$A/dovecot/run/master.pid")" "$A/mail"
"$BENCH/anchors/postfix.sh" stop "$A/postfix"
"$BENCH/anchors/dovecot.sh" stop "$A/dovecot"
idle_rows standalone "$F_IMAP" "$F_SMTP" "$F_PID" "$F/mail"
stop_pid "$F_PID"


# --- 7. webmail: the inbox page through the edge vs Roundcube's inbox list ------------------------------
# bench/webmail/run.sh: its own 10,000-message INBOX (the webmail's user), Facteur's IMAP, webmail
# and edge (Release), and the anchor — Roundcube on a private Dovecot holding a copy of the same
# INBOX; wrk -t2 -c8 on each, REPEAT runs interleaved. Without Roundcube, Facteur's figures alone.
NOTES=()
ROUNDCUBE_VERSION="not run"
if wants webmail; then
  webmail_anchor=roundcube
  if [ ! -f /var/lib/roundcube/public_html/index.php ] || ! command -v php >/dev/null; then
    webmail_anchor=
    NOTES+=("Webmail: Roundcube (roundcube-core, php-cli) is not installed, so the webmail rows have no anchor (run without --skip-install)")
  else
    ROUNDCUBE_VERSION="Roundcube $(dpkg-query -W -f '${Version}' roundcube-core 2>/dev/null) on PHP $(php -r 'echo PHP_VERSION;') (php -S, 8 workers) and Dovecot"
  fi
  if ! command -v wrk >/dev/null; then
    NOTES+=("Webmail: wrk is not installed; the webmail rows were not measured")
  else
    log "webmail: inbox page through the edge${webmail_anchor:+ vs Roundcube} ($CORPUS messages, ${WEBMAIL_SECONDS}s × $REPEAT)"
    webmail_started=$SECONDS
    if ! ANCHOR=$webmail_anchor JSON_OUT="$RESULTS" PAGES=inbox CONFIG=$CONFIG SESSIONS=8 REPEAT=$REPEAT \
        env "${GC_ENV[@]}" timeout $((STEP_TIMEOUT + 600)) "$BENCH/webmail/run.sh" "$WEBMAIL_SECONDS" "$CORPUS" > "$W/webmail.log" 2>&1; then
      log "webmail: bench/webmail/run.sh failed; last lines:"; tail -15 "$W/webmail.log" >&2
      NOTES+=("Webmail: bench/webmail/run.sh failed: $(grep -v -e '^ *at ' -e 'End of' "$W/webmail.log" | tail -3 | tr -d '"\\' | tr '\n' ' ')")
    fi
    echo "webmail $((SECONDS - webmail_started))" >> "$TIMINGS"
  fi
fi

# --- 8. IMAP at scale: 10,000 and 100,000 messages, Dovecot vs Facteur standalone ---------------------
# bench/imap/run.sh (its own imap-<date>.md too): SELECT, ENVELOPE/header FETCH, body FETCH, UID SEARCH,
# STORE on all and on one, folded into this table. --no-extra: the IDLE and idle-connection rows are
# the imap and conns groups' above (10,000 Dovecot processes are not worth holding twice). --corpus-idle:
# IDLE wake rows in the corpus mailbox itself, where each wake syncs a folder of that size (the imap
# group's IDLE rows watch an empty mailbox).
IMAPSCALE=
if wants imapscale; then
  log "IMAP at scale (bench/imap/run.sh)"
  marker="$W/imapscale.marker"; : > "$marker"
  scale_args=(--skip-build --no-extra --corpus-idle --repeat "$REPEAT")
  [ "$QUICK" = 1 ] && scale_args=(--skip-build --no-extra --corpus-idle --quick)
  # The 10,000-message rows are the imap group's when it runs (always in --medium): only the
  # 100,000-message ones here, rather than the same rows measured twice.
  if [ "$QUICK" != 1 ] && { [ "$MEDIUM" = 1 ] || wants imap; }; then scale_args+=(--corpus 100000); fi
  # Http__Port: the standalone serves the webmail too, on 8080 unless told otherwise, which another
  # process on the machine may hold (imap/run.sh starts one Facteur at a time, so one free port does).
  if Http__Port=$(free_port) timed imapscale env "${GC_ENV[@]}" "$BENCH/imap/run.sh" "${scale_args[@]}" > "$W/imapscale.log" 2>&1; then
    IMAPSCALE=$(find "$BENCH/results" -maxdepth 1 -name 'imap-*.jsonl' -newer "$marker" | sort | tail -1)
  fi
  if [ -z "$IMAPSCALE" ]; then
    log "bench/imap/run.sh failed; last lines:"; tail -15 "$W/imapscale.log" >&2
    NOTES+=("IMAP at scale: bench/imap/run.sh failed: $(grep -v -e '^ *at ' -e 'End of' "$W/imapscale.log" | tail -3 | tr -d '"\\' | tr '\n' ' ')")
  fi
fi

# --- 9. the table ------------------------------------------------------------------------------------
GC_NOTE="project defaults (runtimeconfig: $(python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["runtimeOptions"].get("configProperties",{}); print(", ".join(f"{k}={v}" for k,v in c.items() if "GC" in k) or "no GC keys: workstation GC unless the SDK sets Server GC")' "$(dirname "$(bin standalone x)")/Facteur.Standalone.runtimeconfig.json" 2>/dev/null || echo unknown))"
[ ${#GC_ENV[@]} -gt 0 ] && GC_NOTE="$GC_NOTE; overridden: ${GC_ENV[*]}"
# A non-default build rides in the same machine-section line (tabulate.py has no field of its own for it).
[ "$FACTEUR_BENCH_BUILD" = r2r ] && GC_NOTE="$GC_NOTE; build: ReadyToRun publish ($(facteur_rid), FACTEUR_BENCH_BUILD=r2r)"
STAMP=$(date -u +%Y-%m-%dT%H%MZ)
mkdir -p "$BENCH/results"
PARTIAL=0
[ "$ONLY" != "$ALL_GROUPS" ] || [ -n "$CORPUS_OVERRIDE" ] || [ "$MEDIUM" = 1 ] && PARTIAL=1
table_args=()
[ -n "$IMAPSCALE" ] && table_args+=(--imapscale "$IMAPSCALE")
for note in "${NOTES[@]}"; do table_args+=(--note "$note"); done
python3 "$BENCH/results/tabulate.py" "$RESULTS" "${table_args[@]}" \
  --quick "$QUICK" --partial "$PARTIAL" --kind "$KIND" --repeat "$REPEAT" --corpus "$CORPUS" --gc "$GC_NOTE" --deliveries "${FACTEUR_BENCH_DELIVERIES:-1}" \
  --postfix "$(postconf -d -h mail_version)" --dovecot "$(dovecot --version)" --roundcube "$ROUNDCUBE_VERSION" \
  --timings "$TIMINGS" --elapsed "$((SECONDS - RUN_STARTED))" \
  --commit "$COMMIT" --server-code "$SERVER_CODE" --bench-code "$BENCH_CODE" \
  --out-dir "$BENCH/results" --stamp "$STAMP"
log "bench/run.sh took $(( (SECONDS - RUN_STARTED) / 60 )) min $(( (SECONDS - RUN_STARTED) % 60 )) s (install and build included)"
