#!/usr/bin/env bash
# SMTP ingest, before/after in one run: Postfix (the anchor), then Facteur standalone built from
# each given source tree, every set at every concurrency, measured by smtp_source_ingest.py exactly
# as bench/run.sh does (smtp-source load, accept→Maildir probe). Prints one JSON line per
# measurement and a small table. For iterating on a change; bench/run.sh --only smtp is the full run.
#
#   bench/smtp-ingest/ab.sh [--sets "2000:2048 300:102400"] [--conc "1 10 50"] [--repeat 1] [--skip-build] [--priority nice] \
#                           NAME=SOURCE_TREE [NAME=SOURCE_TREE ...]
#
# Each SOURCE_TREE's services/standalone is built first (unless --skip-build) as bench/facteur-build.sh
# says: FACTEUR_BENCH_BUILD's mode (default jit, dotnet build -c Release output), or the tree's own
# prefix, NAME=r2r:SOURCE_TREE (a ReadyToRun publish).
# NAME=rabbit:SOURCE_TREE (or rabbit:r2r:SOURCE_TREE) runs that tree over RabbitMQ instead, as bench/run.sh does:
# Facteur.SmtpGateway and two Facteur.Delivery (builds of services/smtp-gateway and
# services/delivery) on one private broker (scripts/rabbitmq.sh) that every such tree shares, each
# under its own Bus:EntityPrefix (a broker start takes minutes on a loaded machine).
# The same tree may be given twice under two names; FACTEUR_AB_ENV_<NAME>="VAR=VALUE ..." adds
# environment variables to that one (e.g. FACTEUR_AB_ENV_server="DOTNET_gcServer=1").
# FACTEUR_AB_ERL_<NAME>="+S 1:1 ..." runs a rabbit: tree on a broker started with those extra Erlang
# flags (scripts/rabbitmq.sh's FACTEUR_RABBITMQ_ERL_ARGS); the broker is restarted whenever the next
# rabbit: tree asks for other flags than the running one has. FACTEUR_AB_DELIVERIES_<NAME>=N runs N
# delivery workers for that rabbit: tree instead of two (docker-compose.yml starts one, the k8s base two);
# FACTEUR_AB_ENV_DELIVERY_<NAME>="VAR=VALUE ..." adds variables to its delivery workers only.
# FACTEUR_AB_BROKER_REST=S: a newly started broker idles S seconds before the first stack uses it (is a slow
# first stack the broker's youth or its first traffic?).
# Bounded: every measurement has a 300 s timeout.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
BENCH=$(dirname "$HERE")
SETS="2000:2048 300:102400"; CONC="1 10 50"; REPEAT=1; BUILD=1; TREES=(); PRIORITY=""; ARGS=("$@")
while [ $# -gt 0 ]; do
  case "$1" in
    --priority) PRIORITY=$2; shift ;;
    --sets) SETS=$2; shift ;;
    --conc) CONC=$2; shift ;;
    --repeat) REPEAT=$2; shift ;;
    --skip-build) BUILD=0 ;;
    *=*) TREES+=("$1") ;;
    *) echo "ab.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
[ ${#TREES[@]} -gt 0 ] || { echo "ab.sh: give at least one NAME=SOURCE_TREE" >&2; exit 2; }
case "$PRIORITY" in ""|nice) ;; *) echo "ab.sh: --priority is nice" >&2; exit 2 ;; esac
# --priority nice (root): the run in a session of its own whose autogroup is at nice -20, so other
# sessions' work (builds, other benchmarks) yields the CPU to it; with kernel.sched_autogroup_enabled=1
# a plain nice value only ranks processes within one session. Postfix's master starts a session of
# its own and is not raised: compare Facteur columns with each other in such a run.
if [ "$PRIORITY" = nice ] && [ -z "${FACTEUR_AB_SESSION:-}" ]; then
  exec env FACTEUR_AB_SESSION=1 setsid --wait bash -c 'echo -20 > /proc/self/autogroup 2>/dev/null; exec nice -n -20 "$@"' ab.sh "$0" "${ARGS[@]}"
fi
# shellcheck source=../facteur-build.sh
. "$BENCH/facteur-build.sh"
facteur_check_mode "$FACTEUR_BENCH_BUILD" || exit 2
if [ "$BUILD" = 1 ]; then
  for tree in "${TREES[@]}"; do
    spec=${tree#*=}
    case "$spec" in
      rabbit:*) facteur_spec "${spec#rabbit:}"; projects=(services/smtp-gateway/Facteur.SmtpGateway.csproj services/delivery/Facteur.Delivery.csproj) ;;
      *) facteur_spec "$spec"; projects=(services/standalone/Facteur.Standalone.csproj) ;;
    esac
    echo "[$(date -u +%H:%M:%S)] building ${tree%%=*} ($FACTEUR_MODE, $FACTEUR_SRC)" >&2
    facteur_build "$FACTEUR_MODE" "$FACTEUR_SRC" "${projects[@]}" || exit 1
  done
fi
DOMAIN=bench.test
log() { echo "[$(date -u +%H:%M:%S)] $*" >&2; }
# shellcheck source=../standalone.sh
. "$BENCH/standalone.sh"
W=$(mktemp -d "${TMPDIR:-/tmp}/facteur-ab.XXXXXX"); chmod 755 "$W"
RESULTS="$W/results.jsonl"; : > "$RESULTS"
PID=""; RABBIT_PIDS=(); RABBIT_PORT=""; RABBIT_ERL=""
rabbit_stop() {
  local pid
  for pid in "${RABBIT_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${RABBIT_PIDS[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  RABBIT_PIDS=()
}
broker_stop() {
  if [ -n "$RABBIT_PORT" ]; then
    FACTEUR_RABBITMQ_PORT=$RABBIT_PORT FACTEUR_RABBITMQ_STATE="$W/rabbitmq.state" \
      "$(dirname "$BENCH")/scripts/rabbitmq.sh" stop >/dev/null 2>&1 || true
  fi
  RABBIT_PORT=""
}
cleanup() {
  set +e
  [ -n "$PID" ] && { kill -TERM "$PID" 2>/dev/null; sleep 2; kill -KILL "$PID" 2>/dev/null; }
  rabbit_stop
  broker_stop
  "$BENCH/anchors/postfix.sh" stop "$W/anchor/postfix" >/dev/null 2>&1
  rm -rf "$W"
}
trap cleanup EXIT
ulimit -n 65536 2>/dev/null || true
python3 "$BENCH/anchors/gen_maildir.py" "$W/pristine" "$DOMAIN" --corpus-user box --messages 10 \
  --empty-user bench --empty-user probe --passwd "$W/passwd" >/dev/null
fresh() { rm -rf "$1"; mkdir -p "$(dirname "$1")"; cp -a "$W/pristine" "$1"; }

# CPU (user + system, clock ticks) of each process under test, in this order: the standalone, or the
# gateway, the delivery workers and the private broker's beam; empty for Postfix (its processes are not
# counted). The steadier figure when the machine is shared.
cpu_parts() {
  local pids=("${RABBIT_PIDS[@]}") pid f out=()
  [ -n "$PID" ] && pids+=("$PID")
  if [ -n "$RABBIT_PORT" ] && [ ${#RABBIT_PIDS[@]} -gt 0 ]; then
    for pid in $(pgrep -x beam.smp || true); do
      grep -qz "^RABBITMQ_NODE_PORT=$RABBIT_PORT\$" "/proc/$pid/environ" 2>/dev/null && pids+=("$pid")
    done
  fi
  for pid in "${pids[@]}"; do
    read -r -a f < <(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null || echo "")
    out+=("$(( ${f[11]:-0} + ${f[12]:-0} ))")
  done
  echo "${out[*]}"
}
# "before" "after" messages (cpu_parts) -> the JSON fields "cpu_ms_per_msg" (in all; null for Postfix) and
# "cpu_split" (per process), both in ms of CPU per message.
cpu_fields() {
  python3 -c "import os,sys; b,a=sys.argv[1].split(),sys.argv[2].split(); t=os.sysconf('SC_CLK_TCK'); n=int(sys.argv[3])
parts=[(int(y)-int(x))*1000/t/n for x,y in zip(b,a)]
print('\"cpu_ms_per_msg\":%s,\"cpu_split\":[%s]' % (round(sum(parts),3) if b else 'null', ','.join(str(round(p,2)) for p in parts)))" "$1" "$2" "$3"
}

rows() { # stack port mailroot
  local set n size c rep out parts0 parts1
  # Warm-up as bench/run.sh's (not recorded): until the JIT has tiered the hot paths of both sizes
  # and of one session at a time up, a fresh process spends more CPU per message on compiling than on mail.
  for set in 2000:2048:10 200:102400:10 4000:2048:1; do   # N:SIZE:CONCURRENCY
    n=${set%%:*}; size=${set#*:}
    python3 "$HERE/smtp_source_ingest.py" --port "$2" --maildir "$3/$DOMAIN/bench" --aside "$W/aside" --rcpt "bench@$DOMAIN" \
      --messages "$n" --size "${size%%:*}" --concurrency "${size#*:}" --timeout 120 >/dev/null 2>&1 || true
  done
  for set in $SETS; do
    n=${set%%:*}; size=${set##*:}
    for c in $CONC; do
      for rep in $(seq 1 "$REPEAT"); do
        log "$1: $n x $size B, c=$c ($rep/$REPEAT), load $(cut -d' ' -f1 /proc/loadavg)"
        parts0=$(cpu_parts)
        if out=$(timeout 300 python3 "$HERE/smtp_source_ingest.py" --port "$2" --maildir "$3/$DOMAIN/bench" --aside "$W/aside" \
            --rcpt "bench@$DOMAIN" --messages "$n" --size "$size" --concurrency "$c" \
            --probe-rcpt "probe@$DOMAIN" --probe-maildir "$3/$DOMAIN/probe" --timeout 280); then
          parts1=$(cpu_parts)
          printf '{"stack":"%s","set":"%s:%s","c":%s,"load":"%s",%s,"data":%s}\n' "$1" "$n" "$size" "$c" \
            "$(cut -d' ' -f1-3 /proc/loadavg)" "$(cpu_fields "$parts0" "$parts1" "$n")" "$out" | tee -a "$RESULTS"
        else
          log "$1: failed"
        fi
      done
    done
  done
}

log "anchor: Postfix $(postconf -d -h mail_version)"
fresh "$W/anchor/mail"; A_SMTP=$(free_port)
"$BENCH/anchors/postfix.sh" start "$W/anchor/postfix" "$A_SMTP" "$W/anchor/mail" "$DOMAIN" box bench probe >/dev/null
rows postfix "$A_SMTP" "$W/anchor/mail"
"$BENCH/anchors/postfix.sh" stop "$W/anchor/postfix" >/dev/null

# One tree over RabbitMQ: its gateway and two deliveries (or FACTEUR_AB_DELIVERIES_<NAME>) on a fresh private broker.
rabbit_tree() { # name [mode:]src
  local name=$1 F="$W/$1" gw dl smtp mgmt pid prefix
  facteur_spec "$2"
  gw=$(facteur_dll "$FACTEUR_MODE" "$FACTEUR_SRC" services/smtp-gateway/Facteur.SmtpGateway.csproj)
  dl=$(facteur_dll "$FACTEUR_MODE" "$FACTEUR_SRC" services/delivery/Facteur.Delivery.csproj)
  for dll in "$gw" "$dl"; do [ -f "$dll" ] || { log "$dll is not built"; exit 1; }; done
  fresh "$F/mail"; mkdir -p "$F/spool"; : > "$F/aliases"
  erl_var="FACTEUR_AB_ERL_$name"
  if [ -n "$RABBIT_PORT" ] && [ "${!erl_var:-}" != "$RABBIT_ERL" ]; then broker_stop; fi
  if [ -z "$RABBIT_PORT" ]; then
    RABBIT_PORT=$(free_rabbit_port); RABBIT_ERL=${!erl_var:-}
    [ "$(cd "$W" && FACTEUR_RABBITMQ_PORT=$RABBIT_PORT FACTEUR_RABBITMQ_STATE="$W/rabbitmq.state" \
        FACTEUR_RABBITMQ_ERL_ARGS="$RABBIT_ERL" "$(dirname "$BENCH")/scripts/rabbitmq.sh" start | tail -1)" = started ] \
      || { log "the private RabbitMQ did not start"; exit 1; }
    log "private RabbitMQ on 127.0.0.1:$RABBIT_PORT, extra Erlang flags: ${RABBIT_ERL:-none}"
    if [ "${FACTEUR_AB_BROKER_REST:-0}" -gt 0 ]; then
      log "the broker rests ${FACTEUR_AB_BROKER_REST} s before the first stack on it"; sleep "$FACTEUR_AB_BROKER_REST"
    fi
  fi
  prefix="$(echo "$name" | tr 'A-Z' 'a-z' | tr -cd 'a-z0-9')."
  extra_var="FACTEUR_AB_ENV_$name"; read -r -a extra <<< "${!extra_var:-}"
  smtp=$(free_port)
  deliveries_var="FACTEUR_AB_DELIVERIES_$name"; roles=(gateway)
  for i in $(seq 1 "${!deliveries_var:-2}"); do roles+=("delivery-$i"); done
  delivery_var="FACTEUR_AB_ENV_DELIVERY_$name"; read -r -a delivery_extra <<< "${!delivery_var:-}"
  for role in "${roles[@]}"; do
    mgmt=$(free_port)
    role_extra=(); [ "$role" = gateway ] || role_extra=("${delivery_extra[@]}")
    # shellcheck disable=SC2068
    env ${extra[@]} ${role_extra[@]} Facteur__Hostname=mx.$DOMAIN Facteur__Domains__0=$DOMAIN Facteur__MailRoot="$F/mail" \
      Facteur__SpoolRoot="$F/spool" Facteur__AccountsFile="$W/passwd" Facteur__AliasesFile="$F/aliases" \
      Facteur__ListenAddress=127.0.0.1 Facteur__AllowPlaintextAuth=true Smtp__MaxConnectionsPerIp=1000 \
      Facteur__Transport=RabbitMq "ConnectionStrings__RabbitMq=amqp://guest:guest@127.0.0.1:$RABBIT_PORT/" Bus__EntityPrefix="$prefix" \
      Smtp__Port="$smtp" Smtp__SubmissionPort="$(free_port)" Smtp__SubmissionsPort="$(free_port)" \
      Management__Port="$mgmt" Logging__LogLevel__Default=Warning \
      dotnet "$([ $role = gateway ] && echo "$gw" || echo "$dl")" > "$W/$name-$role.log" 2>&1 &
    pid=$!; RABBIT_PIDS+=("$pid")
    for _ in $(seq 1 600); do curl -fs "http://127.0.0.1:$mgmt/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
  done
  log "$name over RabbitMQ ready (pids ${RABBIT_PIDS[*]}, broker 127.0.0.1:$RABBIT_PORT)"
  rows "$name" "$smtp" "$F/mail"
  rabbit_stop
}

for tree in "${TREES[@]}"; do
  name=${tree%%=*}; src=${tree#*=}
  case "$src" in rabbit:*) rabbit_tree "$name" "${src#rabbit:}"; continue ;; esac
  facteur_spec "$src"; dll=$(facteur_dll "$FACTEUR_MODE" "$FACTEUR_SRC" services/standalone/Facteur.Standalone.csproj)
  [ -f "$dll" ] || { log "$dll is not built"; exit 1; }
  F="$W/$name"; fresh "$F/mail"; mkdir -p "$F/spool"; : > "$F/aliases"
  smtp=$(free_port); mgmt=$(free_port)
  extra_var="FACTEUR_AB_ENV_$name"; read -r -a extra <<< "${!extra_var:-}"
  # shellcheck disable=SC2068
  env ${extra[@]} Facteur__Hostname=mx.$DOMAIN Facteur__Domains__0=$DOMAIN Facteur__MailRoot="$F/mail" \
    Facteur__SpoolRoot="$F/spool" Facteur__AccountsFile="$W/passwd" Facteur__AliasesFile="$F/aliases" \
    Facteur__ListenAddress=127.0.0.1 Facteur__AllowPlaintextAuth=true Smtp__MaxConnectionsPerIp=1000 \
    Facteur__Transport=InMemory Smtp__Port="$smtp" Smtp__SubmissionPort="$(free_port)" Smtp__SubmissionsPort="$(free_port)" \
    Imap__Port="$(free_port)" Imap__TlsPort=0 Pop3__Port="$(free_port)" Pop3__TlsPort=0 Http__Port="$(free_port)" \
    Management__Port="$mgmt" Logging__LogLevel__Default=Warning \
    dotnet "$dll" > "$W/$name.log" 2>&1 &
  PID=$!
  for _ in $(seq 1 600); do curl -fs "http://127.0.0.1:$mgmt/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
  log "$name ready (pid $PID)"
  rows "$name" "$smtp" "$F/mail"
  kill -TERM "$PID"; wait "$PID" 2>/dev/null || true; PID=""
done

python3 - "$RESULTS" <<'EOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
stacks = list(dict.fromkeys(r["stack"] for r in rows))
keys = list(dict.fromkeys((r["set"], r["c"]) for r in rows))
def med(vals):
    vals = sorted(vals); return vals[len(vals) // 2] if vals else None
print("| set, c | metric | " + " | ".join(stacks) + " | " + " | ".join(f"{s} ÷ postfix" for s in stacks[1:]) + " |")
print("|---|---|" + "---|" * (2 * len(stacks) - 1))
for k in keys:
    for metric, fmt in (("accepted_per_s", "{:.0f}"), ("e2e_per_s", "{:.0f}"), ("p50_s", "{:.1f}"), ("p99_s", "{:.1f}"), ("cpu_ms_per_msg", "{:.2f}")):
        vals = {}
        for s in stacks:
            v = med([(r if metric == "cpu_ms_per_msg" else r["data"]).get(metric) for r in rows if r["stack"] == s and (r["set"], r["c"]) == k
                     and (r if metric == "cpu_ms_per_msg" else r["data"]).get(metric) is not None])
            vals[s] = v * 1000 if v is not None and metric.startswith("p") else v
        cells = [fmt.format(vals[s]) if vals[s] is not None else "—" for s in stacks]
        ratios = [f"{vals[s] / vals['postfix']:.2f}" if vals.get("postfix") and vals[s] else "—" for s in stacks[1:]]
        unit = "msgs/s ↑" if metric.endswith("per_s") else "ms ↓"
        if metric == "cpu_ms_per_msg":
            ratios = ["—" for s in stacks[1:]]
            unit = "ms CPU per message, Facteur + broker ↓"
        print(f"| {k[0]}, c={k[1]} | {metric} ({unit}) | " + " | ".join(cells) + " | " + " | ".join(ratios) + " |")
EOF
