# Sourced by bench/imap/run.sh, cold-select-ab.sh and body-fetch-ab.sh (after bench/standalone.sh).
# start_dovecot: Dovecot's private instance in WORK/anchor/dovecot on a Maildir, IMAP on a given port; sets
# DOVECOT_PID (its master process). start_imap_stack: one STACK of cold-select-ab.sh's and body-fetch-ab.sh's
# command lines, IMAP on a given port; sets STACK_PID (Dovecot's master process or the standalone).
#   STACK  dovecot | NAME=PATH/TO/Facteur.Standalone.dll[:VAR=VALUE,VAR=VALUE]
# Dovecot's private instance lives in WORK/anchor/dovecot; a standalone's spool, aliases and log in WORK/NAME*.
start_dovecot() { # WORK IMAP_PORT PASSWD MAIL
  local run=$1/anchor/dovecot/run/master.pid
  # One started a moment ago in the same folder may still be exiting (bench/imap/run.sh --idle-only starts one a
  # round), and Dovecot can be listening before it has written master.pid (seen on the loaded machine).
  for _ in 1 2 3 4 5; do
    "$BENCH/anchors/dovecot.sh" start "$1/anchor/dovecot" "$2" "$(free_port)" "$3" "$4" >/dev/null 2>&1 || true
    for _ in $(seq 1 50); do [ -s "$run" ] && break; sleep 0.1; done
    [ -s "$run" ] && break
    sleep 2
  done
  DOVECOT_PID=$(cat "$run")
}

start_imap_stack() { # STACK WORK MAIL PASSWD IMAP_PORT
  local stack=$1 work=$2 mail=$3 passwd=$4 imap=$5 name=${1%%=*} spec dll envs=""
  if [ "$name" = dovecot ]; then
    start_dovecot "$work" "$imap" "$passwd" "$mail"
    STACK_PID=$DOVECOT_PID
  else
    spec=${stack#*=}; dll=${spec%%:*}
    [ "$spec" != "$dll" ] && envs=$(echo "${spec#*:}" | tr ',' ' ')
    mkdir -p "$work/$name/spool"; : > "$work/$name/aliases"
    # shellcheck disable=SC2086 # envs is a list of words
    start_standalone "$dll" "$mail" "$work/$name/spool" "$passwd" "$work/$name/aliases" "$work/$name.log" Imap__Port="$imap" $envs
    STACK_PID=$STANDALONE_PID
  fi
}
