# Sourced by bench/imap/cold-select-ab.sh and body-fetch-ab.sh (after bench/standalone.sh): starts one STACK
# of their command lines on a Maildir, IMAP on a given port, and sets STACK_PID (Dovecot's master process or
# the standalone).
#   STACK  dovecot | NAME=PATH/TO/Facteur.Standalone.dll[:VAR=VALUE,VAR=VALUE]
# Dovecot's private instance lives in WORK/anchor/dovecot; a standalone's spool, aliases and log in WORK/NAME*.
start_imap_stack() { # STACK WORK MAIL PASSWD IMAP_PORT
  local stack=$1 work=$2 mail=$3 passwd=$4 imap=$5 name=${1%%=*} spec dll envs=""
  if [ "$name" = dovecot ]; then
    "$BENCH/anchors/dovecot.sh" start "$work/anchor/dovecot" "$imap" "$(free_port)" "$passwd" "$mail" >/dev/null 2>&1
    for _ in $(seq 1 50); do [ -s "$work/anchor/dovecot/run/master.pid" ] && break; sleep 0.1; done
    STACK_PID=$(cat "$work/anchor/dovecot/run/master.pid")
  else
    spec=${stack#*=}; dll=${spec%%:*}
    [ "$spec" != "$dll" ] && envs=$(echo "${spec#*:}" | tr ',' ' ')
    mkdir -p "$work/$name/spool"; : > "$work/$name/aliases"
    # shellcheck disable=SC2086 # envs is a list of words
    start_standalone "$dll" "$mail" "$work/$name/spool" "$passwd" "$work/$name/aliases" "$work/$name.log" Imap__Port="$imap" $envs
    STACK_PID=$STANDALONE_PID
  fi
}
