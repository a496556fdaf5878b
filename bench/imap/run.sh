#!/usr/bin/env bash
# IMAP side by side: Dovecot (Debian's dovecot-imapd, with Postfix delivering for the IDLE row) and
# Facteur standalone — and optionally other Facteur builds, e.g. the code before a change — on
# copies of the same generated Maildir, at each corpus size, in one run. Prints and writes a
# Markdown table of medians, ranges and ratios (Facteur ÷ Dovecot) to bench/results/imap-<date>.md.
#
#   bench/imap/run.sh [--corpus 10000,100000] [--repeat N] [--repeat-large N] [--fetches N] [--appends N]
#                     [--conns 1000,10000] [--anchor-conns LIST] [--idle-samples N] [--corpus-idle]
#                     [--idle-only] [--idle-user NAME] [--data DIR] [--skip-build] [--quick]
#                     [--cold-selects N] [--also NAME=SOURCE_ROOT]... [--keep]
#
# --corpus LIST     mailbox sizes (default 10000,100000); the IDLE and idle-connection rows run once,
#                   on an empty mailbox of their own.
# --repeat N        repetitions at sizes up to 10,000 (default 3), every stack up at once and taking its turn in
#                   each, in an order that rotates; --repeat-large N above it (default: --repeat;
#                   one pass over 100,000 messages takes about 30 s on Dovecot and 15 s on Facteur, SEARCH TEXT
#                   6 and 3 of them. At 1, each row at that size was one figure a side, and several of them
#                   swung across 1.0 between runs: docs/README-perf.md, stop 43).
# --appends N       APPENDs of a 2 KB message to the corpus INBOX, one by one, at the end of each
#                   repetition of the IMAP ops (default 100).
# --also NAME=DIR   another Facteur source tree to bench in the same run (built unless --skip-build,
#                   as bench/facteur-build.sh's FACTEUR_BENCH_BUILD says, default dotnet build
#                   -c Release; a jit: or r2r: prefix on DIR picks that tree's own), e.g.
#                   --also before=/tmp/facteur-main or --also r2r=r2r:. : a column "Facteur (NAME)".
# --cold-selects N  cold SELECTs per stack and corpus (default: --repeat): the corpus mailbox's first, then
#                   one each of N-1 copies made beside it just before (bench/imap/cold-copies.sh).
# --no-extra        leave out the IDLE and idle-connection rows (e.g. a second run for another size).
# --idle-only       only the IDLE wake rows, idle server and under SMTP load (smtp-source -s 10 to the
#                   corpus user, as bench/run.sh), --repeat times with the stacks interleaved per round
#                   (a fresh copy and server each time), so a loaded machine's swings hit every stack.
# --idle-user NAME  the mailbox the IDLE rows watch and deliver to (default idle: an empty one; box: the
#                   corpus, so each wake is a sync of a --corpus-sized folder).
# --corpus-idle     after each corpus's IMAP ops, the IDLE wake rows on the corpus mailbox itself (load to
#                   the empty one), on the same server: a large INBOX a client has just used, then IDLEs in.
# --anchor-conns L  idle-connection levels for Dovecot (default: --conns); Dovecot forks one process
#                   per connection, so 10,000 of them take minutes of a shared machine.
# --data DIR        use DIR/pristine and DIR/passwd, made beforehand by bench/anchors/gen_maildir.py with
#                   the same arguments as below (one --corpus size): generating 100,000 messages takes
#                   minutes on a loaded machine and can then overlap other work.
# --quick           300 messages, 1 repetition, 50 fetches, 50 connections, 3 IDLE samples.
#
# Called by bench/run.sh for `--only imap` (its other rows stay there); loopback only, free ports,
# private Dovecot/Postfix instances under a temporary work folder, every step under a timeout.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BENCH="$ROOT/bench"
CORPORA="10000,100000" REPEAT=3 REPEAT_LARGE= FETCHES=1000 APPENDS=100 CONNS="1000,10000" IDLE_SAMPLES=200 BUILD=1 KEEP=0 REST=60
STEP_TIMEOUT=1800 ANCHOR_CONNS= DATA= NO_EXTRA=0 IDLE_ONLY=0 IDLE_USER=idle CORPUS_IDLE=0 COLD_SELECTS=
ALSO=()
while [ $# -gt 0 ]; do
  case "$1" in
    --corpus) CORPORA=${2:?}; shift ;;
    --repeat) REPEAT=${2:?}; shift ;;
    --repeat-large) REPEAT_LARGE=${2:?}; shift ;;
    --fetches) FETCHES=${2:?}; shift ;;
    --conns) CONNS=${2:?}; shift ;;
    --anchor-conns) ANCHOR_CONNS=${2:?}; shift ;;
    --idle-samples) IDLE_SAMPLES=${2:?}; shift ;;
    --skip-build) BUILD=0 ;;
    --keep) KEEP=1 ;;
    --also) ALSO+=("${2:?}"); shift ;;
    --data) DATA=$(realpath "${2:?}"); shift ;;
    --no-extra) NO_EXTRA=1 ;;
    --idle-only) IDLE_ONLY=1 ;;
    --idle-user) IDLE_USER=${2:?}; shift ;;
    --corpus-idle) CORPUS_IDLE=1 ;;
    --appends) APPENDS=${2:?}; shift ;;
    --cold-selects) COLD_SELECTS=${2:?}; shift ;;
    --quick) CORPORA=300 REPEAT=1 FETCHES=50 APPENDS=10 CONNS=50 IDLE_SAMPLES=3 REST=2 STEP_TIMEOUT=120 ;;
    -h|--help) sed -n '2,40p' "$0"; exit 0 ;;
    *) echo "imap/run.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
ANCHOR_CONNS=${ANCHOR_CONNS:-$CONNS}
REPEAT_LARGE=${REPEAT_LARGE:-$REPEAT}
COLD_SELECTS=${COLD_SELECTS:-$REPEAT}
[[ "$COLD_SELECTS" =~ ^[1-9]$ ]] || { echo "imap/run.sh: --cold-selects is 1..9" >&2; exit 2; }
# The load of the "under SMTP load" IDLE row goes to the corpus user, unless the IDLE rows watch it: then to
# the empty one, so each EXISTS the watcher sees is one of its own samples.
LOAD_USER=box
[ "$IDLE_USER" = box ] && LOAD_USER=idle
[[ "$CORPORA" =~ ^[0-9]+(,[0-9]+)*$ ]] || { echo "imap/run.sh: --corpus is a comma-separated list of sizes" >&2; exit 2; }
DOMAIN=bench.test
log() { echo "[$(date -u +%H:%M:%S)] $*" >&2; }
# shellcheck source=../standalone.sh
. "$BENCH/standalone.sh"
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for tool in postfix smtp-source dovecot python3 curl; do
  command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] || { echo "imap/run.sh: $tool is missing (bench/run.sh installs it)" >&2; exit 1; }
done

# Stacks: "dovecot" plus one Facteur per source tree: name|mode:root (bench/facteur-build.sh: this
# tree in FACTEUR_BENCH_BUILD's mode, an --also tree in its own prefix's or the same).
# shellcheck source=../facteur-build.sh
. "$BENCH/facteur-build.sh"
# shellcheck source=cold-copies.sh
. "$BENCH/imap/cold-copies.sh"
# shellcheck source=stack.sh
. "$BENCH/imap/stack.sh"
# shellcheck source=../quiesce.sh
. "$BENCH/quiesce.sh"
facteur_check_mode "$FACTEUR_BENCH_BUILD" || exit 2
STACKS=("facteur|$FACTEUR_BENCH_BUILD:$ROOT")
for also in "${ALSO[@]}"; do
  facteur_spec "${also#*=}"
  STACKS+=("facteur-${also%%=*}|$FACTEUR_MODE:$(realpath "$FACTEUR_SRC")")
done
dll_of() { facteur_spec "$1"; facteur_dll "$FACTEUR_MODE" "$FACTEUR_SRC" services/standalone/Facteur.Standalone.csproj; }
for stack in "${STACKS[@]}"; do
  spec=${stack#*|}
  if [ "$BUILD" = 1 ]; then
    log "building $spec"
    facteur_spec "$spec"; facteur_build "$FACTEUR_MODE" "$FACTEUR_SRC" services/standalone/Facteur.Standalone.csproj
  fi
  [ -f "$(dll_of "$spec")" ] || { echo "imap/run.sh: $(dll_of "$spec") is not built" >&2; exit 1; }
done

ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
W=$(mktemp -d /tmp/facteur-imapbench.XXXXXX)
chmod 755 "$W"
RESULTS="$W/results.jsonl"
: > "$RESULTS"
PIDS=()
cleanup() {
  set +e
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  "$BENCH/anchors/postfix.sh" stop "$W/anchor/postfix" >/dev/null 2>&1
  "$BENCH/anchors/dovecot.sh" stop "$W/anchor/dovecot" >/dev/null 2>&1
  if [ "$KEEP" = 1 ]; then log "work folder kept: $W"; else rm -rf "$W"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

measure() { # stack corpus row command...
  local stack=$1 corpus=$2 row=$3; shift 3
  local out why
  if out=$(timeout "$STEP_TIMEOUT" "$@" 2>"$W/last-error"); then
    printf '{"stack":"%s","corpus":%s,"row":"%s","data":%s}\n' "$stack" "$corpus" "$row" "$out" >> "$RESULTS"
  else
    why=$(tail -c 300 "$W/last-error" | tr -d '"\\' | tr '\n' ' ')
    log "$stack / $row / $corpus failed: $why"
    printf '{"stack":"%s","corpus":%s,"row":"%s","error":"%s"}\n' "$stack" "$corpus" "$row" "${why:-timed out}" >> "$RESULTS"
  fi
}
# A measured copy is moved aside, never deleted, until the run ends: on an ext4 without a journal (this
# machine's) every file created within a minute of a deletion walks past each inode freed in its block
# group, so deleting one stack's 100,000 files slowed the next stack's deliveries (the IDLE rows).
# bench/run.sh does the same for the SMTP cells (bench/results/maildir-aside-ab-2026-11-30T1010Z.md).
set_aside() { [ -e "$1" ] || return 0; mkdir -p "$W/aside"; mv "$1" "$W/aside/$(date +%s%N)"; }
fresh_copy() { set_aside "$2"; mkdir -p "$(dirname "$2")"; cp -a "$1" "$2"; }

start_facteur() { # name src mailroot smtp imap -> pid
  local name=$1 src=$2 mail=$3 smtp=$4 imap=$5
  mkdir -p "$W/$name/spool"; : > "$W/$name/aliases"
  start_standalone "$(dll_of "$src")" "$mail" "$W/$name/spool" "$W/passwd" "$W/$name/aliases" "$W/$name.log" \
    Smtp__Port="$smtp" Smtp__MaxConnectionsPerIp=1000 Imap__Port="$imap" \
    Imap__MaxConnectionsPerUser=20000 Imap__MaxConnectionsPerIp=20000 || return 1
  echo "$STANDALONE_PID"
}
stop_pid() { kill -TERM "$1" 2>/dev/null || true; for _ in $(seq 1 75); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.2; done; kill -KILL "$1" 2>/dev/null || true; }

# The IDLE wake rows: idle server, then under SMTP load. Rows imap:idle(-load), or imap:idle-corpus(-load)
# when the watched mailbox is the corpus (each wake is then a sync of a corpus-sized folder).
idle_rows() { # stack corpus imap_port smtp_port watched_user load_user
  local stack=$1 corpus=$2 imap=$3 smtp=$4 watched=$5 load_user=$6 row=imap:idle
  [ "$watched" = box ] && row=imap:idle-corpus
  log "$stack: IDLE wake latency in $watched after SMTP accept (idle server)"
  measure "$stack" "$corpus" "$row" python3 "$BENCH/imap/imap_load.py" idle --port "$imap" --user "$watched@$DOMAIN" \
    --smtp-port "$smtp" --rcpt "$watched@$DOMAIN" --samples "$IDLE_SAMPLES" --timeout 600
  # Issue 8's goal is stated at SMTP concurrency 10: the same samples while smtp-source keeps 10
  # sessions delivering to another user (as bench/run.sh does), stopped right after.
  log "$stack: IDLE wake latency in $watched under SMTP load (smtp-source -s 10 to $load_user)"
  /usr/sbin/smtp-source -s 10 -m 1000000 -l 2048 -f load@load.test -t "$load_user@$DOMAIN" "127.0.0.1:$smtp" >/dev/null 2>&1 &
  local load=$!
  measure "$stack" "$corpus" "$row-load" python3 "$BENCH/imap/imap_load.py" idle --port "$imap" --user "$watched@$DOMAIN" \
    --smtp-port "$smtp" --rcpt "$watched@$DOMAIN" --samples "$IDLE_SAMPLES" --timeout 600
  kill "$load" 2>/dev/null || true
  wait "$load" 2>/dev/null || true
}

# The stacks' mail roots, ports and root pids, by stack name, while they are up.
declare -A MAIL IMAP SMTP PID

# One stack on one corpus: a fresh copy, the server, an unrecorded warm-up.
start_stack() { # stack corpus pristine
  local stack=$1 corpus=$2 pristine=$3 mail="$W/$1-$2/mail" imap smtp pid
  fresh_copy "$pristine" "$mail"
  imap=$(free_port); smtp=$(free_port)
  if [ "$stack" = dovecot ]; then
    "$BENCH/anchors/postfix.sh" start "$W/anchor/postfix" "$smtp" "$mail" "$DOMAIN" box idle warm >/dev/null
    start_dovecot "$W" "$imap" "$W/passwd" "$mail"
    pid=$DOVECOT_PID
  else
    local src
    for s in "${STACKS[@]}"; do [ "${s%%|*}" = "$stack" ] && src=${s#*|}; done
    pid=$(start_facteur "$stack-$corpus" "$src" "$mail" "$smtp" "$imap")
    PIDS+=("$pid")
  fi
  MAIL[$stack]=$mail IMAP[$stack]=$imap SMTP[$stack]=$smtp PID[$stack]=$pid
  # Unrecorded warm-up (JIT, caches) on the small user; the corpus user stays cold for SELECT.
  timeout 120 python3 "$BENCH/imap/imap_load.py" ops --port "$imap" --user "warm@$DOMAIN" --fetches 20 --appends 20 --repeat 2 >/dev/null 2>&1 || true
}

stop_stack() { # stack corpus
  if [ "$1" = dovecot ]; then
    "$BENCH/anchors/dovecot.sh" stop "$W/anchor/dovecot" >/dev/null 2>&1 || true
    "$BENCH/anchors/postfix.sh" stop "$W/anchor/postfix" >/dev/null 2>&1 || true
  else
    stop_pid "${PID[$1]}"
  fi
  set_aside "$W/$1-$2"
}

# The cold copies round REP of REPEATS SELECTs (bench/run.sh's read_rounds does the same at 10,000): round 1
# box@ itself, round r its copy cold<r>@ after box@'s own SELECT, the last round any copies left over.
cold_users_of() { # rep repeats
  local i list=
  for ((i = 2; i <= COLD_SELECTS; i++)); do
    if [ "$i" = "$1" ] || { [ "$1" = "$2" ] && [ "$i" -gt "$2" ]; }; then list+=${list:+,}cold$i@$DOMAIN; fi
  done
  echo "$list"
}

# SELECT/FETCH/SEARCH/STORE on one corpus: every stack up at once, REPEATS rounds, each taking every stack once in
# an order that rotates, the machine quiet before each. One stack's repetitions after the other's, the body
# FETCH row at 100,000 leaned on the minute each stack met: 0.81-0.90 of Dovecot in the complete runs' first
# round, ahead when the two were measured side by side (docs/README-perf.md, "stop 58").
ops_rounds() { # corpus repeats stack...
  local corpus=$1 repeats=$2 rep k stack cold args
  shift 2
  local stacks=("$@")
  for stack in "${stacks[@]}"; do cold_copies "${MAIL[$stack]}" "$DOMAIN" "$COLD_SELECTS" >/dev/null; done
  for rep in $(seq 1 "$repeats"); do
    for k in $(seq 0 $((${#stacks[@]} - 1))); do
      stack=${stacks[$(( (k + rep - 1) % ${#stacks[@]} ))]}
      args=(--user "box@$DOMAIN")
      [ "$rep" -gt 1 ] && args+=(--selected-before)
      cold=$(cold_users_of "$rep" "$repeats")
      [ -n "$cold" ] && args+=(--cold-users "$cold")
      quiesce
      log "$stack: IMAP ops on $corpus messages ($rep/$repeats)"
      measure "$stack" "$corpus" imap:ops python3 "$BENCH/imap/imap_load.py" ops --port "${IMAP[$stack]}" "${args[@]}" \
        --fetches "$FETCHES" --appends "$APPENDS" --repeat 1 --timeout "$STEP_TIMEOUT" --skip-combined-search
    done
  done
}

# The IDLE wake latency in an empty mailbox and the idle connections (the first corpus, unless --no-extra).
extra_rows() { # stack corpus
  local stack=$1 corpus=$2 conns=$CONNS
  log "$stack: IDLE wake latency after SMTP accept"
  measure "$stack" "$corpus" imap:idle python3 "$BENCH/imap/imap_load.py" idle --port "${IMAP[$stack]}" --user "$IDLE_USER@$DOMAIN" \
    --smtp-port "${SMTP[$stack]}" --rcpt "$IDLE_USER@$DOMAIN" --samples "$IDLE_SAMPLES" --timeout 600
  [ "$stack" = dovecot ] && conns=$ANCHOR_CONNS
  log "$stack: $conns idle connections"
  measure "$stack" "$corpus" imap:conns python3 "$BENCH/imap/imap_load.py" conns --port "${IMAP[$stack]}" --user "idle@$DOMAIN" \
    --pid "${PID[$stack]}" --counts "$conns" --rest "$REST" --timeout 900
}

first=1
[ "$NO_EXTRA" = 1 ] && first=0
ALL=(dovecot "${STACKS[@]%%|*}")
for corpus in ${CORPORA//,/ }; do
  pristine="$W/pristine"
  if [ -n "$DATA" ]; then
    pristine="$DATA/pristine"; cp "$DATA/passwd" "$W/passwd"
    [ "$(find "$pristine/$DOMAIN/box/cur" -type f | wc -l)" = "$corpus" ] || { echo "imap/run.sh: $pristine does not hold $corpus messages" >&2; exit 1; }
  else
    # Above 20,000 messages: a tenth generated, then copied ten times under new names
    # (replicate_maildir.py) — generating 100,000 would take 20+ minutes on a loaded machine.
    generated=$corpus times=1
    if [ "$corpus" -gt 20000 ] && [ $((corpus % 10)) = 0 ]; then generated=$((corpus / 10)) times=10; fi
    log "generating $corpus messages ($generated generated, × $times)"
    started=$(date +%s)
    rm -rf "$W/pristine"
    python3 "$BENCH/anchors/gen_maildir.py" "$W/pristine" "$DOMAIN" --corpus-user box --messages "$generated" \
      --empty-user idle --warm-user warm --passwd "$W/passwd"
    [ "$times" = 1 ] || python3 "$BENCH/imap/replicate_maildir.py" "$W/pristine/$DOMAIN/box" --times "$times"
    printf '{"stack":"data","corpus":%s,"row":"generate","data":{"seconds":%s}}\n' "$corpus" "$(( $(date +%s) - started ))" >> "$RESULTS"
  fi
  cold_users_passwd "$W/passwd" "$DOMAIN" "$COLD_SELECTS"
  if [ "$IDLE_ONLY" = 1 ]; then
    for round in $(seq 1 "$REPEAT"); do
      log "IDLE rows, round $round of $REPEAT"
      for stack in "${ALL[@]}"; do
        start_stack "$stack" "$corpus" "$pristine"
        idle_rows "$stack" "$corpus" "${IMAP[$stack]}" "${SMTP[$stack]}" "$IDLE_USER" "$LOAD_USER"
        stop_stack "$stack" "$corpus"
      done
    done
    continue
  fi
  repeats=$REPEAT
  [ "$corpus" -gt 10000 ] && repeats=$REPEAT_LARGE
  for stack in "${ALL[@]}"; do start_stack "$stack" "$corpus" "$pristine"; done
  ops_rounds "$corpus" "$repeats" "${ALL[@]}"
  # One stack at a time from here: each one's SMTP load and idle connections would stand in another's rows.
  for stack in "${ALL[@]}"; do
    # The same server, its corpus mailbox just selected, fetched and stored on: a client now IDLEs in it.
    if [ "$CORPUS_IDLE" = 1 ]; then idle_rows "$stack" "$corpus" "${IMAP[$stack]}" "${SMTP[$stack]}" box idle; fi
    if [ "$first" = 1 ]; then extra_rows "$stack" "$corpus"; fi
    stop_stack "$stack" "$corpus"
  done
  first=0
done

STAMP=$(date -u +%Y-%m-%dT%H%MZ)
[ "$CORPORA" = 300 ] && STAMP="quick-$STAMP"
[ "$IDLE_ONLY" = 1 ] && STAMP="idle-$STAMP"
mkdir -p "$BENCH/results"
cp "$RESULTS" "$BENCH/results/imap-$STAMP.jsonl"
python3 "$BENCH/imap/table.py" "$RESULTS" --dovecot "$(dovecot --version)" > "$BENCH/results/imap-$STAMP.md"
cat "$BENCH/results/imap-$STAMP.md"
log "written: bench/results/imap-$STAMP.md"
