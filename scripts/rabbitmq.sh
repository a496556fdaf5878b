#!/usr/bin/env bash
# A private RabbitMQ for tests and benchmarks: loopback only, state in a temp folder
# (TOOLCHAIN.md's recipe). Usage: scripts/rabbitmq.sh start|stop|status
#   start  — reuses a broker already listening on 127.0.0.1:$PORT (prints "reused"),
#            otherwise starts one (prints "started"); the last line says which.
#   stop   — stops the broker this script started (rabbitmqctl stop, then epmd by its pid)
#            and removes its temp folder; a broker it did not start is left alone.
#   status — exit 0 when something answers on 127.0.0.1:$PORT.
set -euo pipefail

PORT=${FACTEUR_RABBITMQ_PORT:-5672}
EPMD_PORT=${ERL_EPMD_PORT:-4369}
STATE_FILE=${FACTEUR_RABBITMQ_STATE:-${TMPDIR:-/tmp}/facteur-rabbitmq-$PORT.state}
RABBIT_BIN=${RABBITMQ_BIN:-/usr/lib/rabbitmq/bin}
START_TIMEOUT=${FACTEUR_RABBITMQ_START_TIMEOUT:-120}

log() { echo "rabbitmq.sh: $*" >&2; }

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

find_epmd() {
  command -v epmd 2>/dev/null && return 0
  local candidate
  for candidate in /usr/lib/erlang/erts-*/bin/epmd; do
    [ -x "$candidate" ] && { echo "$candidate"; return 0; }
  done
  return 1
}

write_env() {
  local dir=$1
  cat > "$dir/env.sh" <<ENV
export HOME='$dir/home'
export RABBITMQ_NODENAME='facteur-test-$PORT@localhost'
export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
export RABBITMQ_NODE_PORT=$PORT
export RABBITMQ_MNESIA_BASE='$dir/mnesia'
export RABBITMQ_LOG_BASE='$dir/log'
export RABBITMQ_CONFIG_FILE='$dir/rabbitmq.conf'
export RABBITMQ_ENABLED_PLUGINS_FILE='$dir/enabled_plugins'
export ERL_EPMD_ADDRESS=127.0.0.1
export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS='-kernel inet_dist_use_interface {127,0,0,1} ${FACTEUR_RABBITMQ_ERL_ARGS:-}'
export RABBITMQ_CTL_ERL_ARGS='-kernel inet_dist_use_interface {127,0,0,1}'
ENV
}

start() {
  if listening "$PORT"; then
    log "a broker already answers on 127.0.0.1:$PORT; reusing it"
    echo reused
    return 0
  fi
  if [ ! -x "$RABBIT_BIN/rabbitmq-server" ]; then
    log "$RABBIT_BIN/rabbitmq-server not found: apt-get install -y rabbitmq-server"
    return 1
  fi

  local dir
  dir=$(mktemp -d "${TMPDIR:-/tmp}/facteur-rabbitmq.XXXXXX")
  mkdir -p "$dir/home" "$dir/log" "$dir/mnesia"
  printf 'listeners.tcp.default = 127.0.0.1:%s\n' "$PORT" > "$dir/rabbitmq.conf"
  : > "$dir/enabled_plugins"
  write_env "$dir"
  echo "$dir" > "$STATE_FILE"

  # Our own epmd, so that stop can end it by its pid (an epmd the broker spawns itself daemonizes
  # and outlives it). If another epmd already serves its port we share it and leave it alone.
  if ! listening "$EPMD_PORT"; then
    local epmd
    epmd=$(find_epmd) || { log "epmd not found"; return 1; }
    ERL_EPMD_ADDRESS=127.0.0.1 setsid "$epmd" -address 127.0.0.1 -port "$EPMD_PORT" > "$dir/log/epmd.out" 2>&1 < /dev/null &
    echo $! > "$dir/epmd.pid"
    for _ in $(seq 50); do listening "$EPMD_PORT" && break; sleep 0.1; done
  fi

  (
    # shellcheck disable=SC1091
    . "$dir/env.sh"
    setsid "$RABBIT_BIN/rabbitmq-server" > "$dir/log/server.out" 2>&1 < /dev/null &
    echo $! > "$dir/server.pid"
  )

  local deadline=$((SECONDS + START_TIMEOUT))
  until listening "$PORT"; do
    if [ $SECONDS -ge $deadline ] || ! kill -0 "$(cat "$dir/server.pid")" 2>/dev/null; then
      log "RabbitMQ did not start; last lines of its log:"
      tail -n 30 "$dir/log/server.out" >&2 || true
      stop > /dev/null || true
      return 1
    fi
    sleep 0.5
  done
  ( . "$dir/env.sh"; timeout 60 "$RABBIT_BIN/rabbitmqctl" -q await_startup > /dev/null 2>&1 ) || log "await_startup did not confirm; the port answers, going on"
  log "started on 127.0.0.1:$PORT (state in $dir)"
  echo started
}

stop() {
  if [ ! -f "$STATE_FILE" ]; then
    log "no broker started by this script"
    return 0
  fi
  local dir pid child
  dir=$(cat "$STATE_FILE")
  if [ -f "$dir/env.sh" ]; then
    ( . "$dir/env.sh"; timeout 60 "$RABBIT_BIN/rabbitmqctl" -q stop > /dev/null 2>&1 ) || true
  fi
  if [ -f "$dir/server.pid" ]; then
    pid=$(cat "$dir/server.pid")
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then
      for child in $(pgrep -P "$pid" || true); do kill "$child" 2>/dev/null || true; done
      kill "$pid" 2>/dev/null || true
    fi
  fi
  if [ -f "$dir/epmd.pid" ]; then
    kill "$(cat "$dir/epmd.pid")" 2>/dev/null || true
  fi
  case "$dir" in
    "${TMPDIR:-/tmp}"/facteur-rabbitmq.*) rm -rf "$dir" ;;
  esac
  rm -f "$STATE_FILE"
  log "stopped"
}

status() {
  if listening "$PORT"; then
    if [ -f "$STATE_FILE" ]; then echo "listening on 127.0.0.1:$PORT (started by this script, $(cat "$STATE_FILE"))"; else echo "listening on 127.0.0.1:$PORT (not started by this script)"; fi
    return 0
  fi
  echo "nothing listens on 127.0.0.1:$PORT"
  return 3
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
