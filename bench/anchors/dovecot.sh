#!/usr/bin/env bash
# A private Dovecot for the side-by-side bench: `dovecot -c $DIR/dovecot.conf`, IMAP and POP3 on
# 127.0.0.1 only, users from a passwd-file (the same file Facteur reads), mail_location =
# maildir:$MAILBASE/%d/%n (DESIGN.md's layout), plaintext auth allowed on loopback as Facteur's
# standalone allows it. Everything else is Dovecot's default (a process per IMAP connection,
# fsync_mode = optimized).
# Usage: dovecot.sh start DIR IMAP_PORT POP3_PORT PASSWD_FILE MAILBASE   |   dovecot.sh stop DIR
set -euo pipefail
cmd=${1:?start|stop}; DIR=$(realpath -m "${2:?DIR}")
case "$cmd" in
start)
  IMAP=${3:?IMAP_PORT}; POP3=${4:?POP3_PORT}; PASSWD=$(realpath "${5:?PASSWD_FILE}"); MAILBASE=$(realpath -m "${6:?MAILBASE}")
  uid=$(id -u nobody); gid=$(id -g nobody)
  mkdir -p "$DIR/run" "$DIR/log"
  chmod 755 "$DIR"
  chown -R "$uid:$gid" "$MAILBASE"
  cat > "$DIR/dovecot.conf" <<CONF
protocols = imap pop3
listen = 127.0.0.1
base_dir = $DIR/run
instance_name = facteur-bench-anchor
state_dir = $DIR/state
log_path = $DIR/log/dovecot.log
info_log_path = $DIR/log/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:$MAILBASE/%d/%n
mail_uid = $uid
mail_gid = $gid
first_valid_uid = 1
pop3_uidl_format = %08Xu%08Xv
passdb {
  driver = passwd-file
  args = scheme=SSHA512 username_format=%u $PASSWD
}
userdb {
  driver = static
  args = uid=$uid gid=$gid home=$MAILBASE/%d/%n
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $IMAP
  }
  inet_listener imaps {
    port = 0
  }
  process_limit = 1024
  client_limit = 20000
  service_count = 0
}
service pop3-login {
  inet_listener pop3 {
    address = 127.0.0.1
    port = $POP3
  }
  inet_listener pop3s {
    port = 0
  }
}
# One imap process per connection is Dovecot's default; the limit only lets the idle-connection
# row reach 10,000 (default_process_limit is 100).
service imap {
  process_limit = 12000
}
protocol imap {
  # The bench's idle-connection row logs one user in 10,000 times from 127.0.0.1.
  mail_max_userip_connections = 20000
}
default_client_limit = 24000
default_vsz_limit = 1G
service anvil {
  client_limit = 30000
}
service auth {
  client_limit = 30000
}
CONF
  mkdir -p "$DIR/state"
  dovecot -c "$DIR/dovecot.conf"
  for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$IMAP") 2>/dev/null && (exec 3<>"/dev/tcp/127.0.0.1/$POP3") 2>/dev/null && exit 0
    sleep 0.1
  done
  echo "dovecot.sh: IMAP $IMAP / POP3 $POP3 not listening; see $DIR/log/dovecot.log" >&2; exit 1 ;;
stop)
  # doveadm stop returns at once, while the master may still be reaping thousands of imap processes
  # (the idle-connection rows hold 10,000): wait, at most 60 s, until the instance's whole process tree
  # is gone, so the next stack's first rows do not share the cores with its exit.
  tree=()
  if [ -f "$DIR/run/master.pid" ]; then
    # The master and its descendants, from one ps listing (a pgrep per process took 40 s for 3,000).
    mapfile -t tree < <(ps -e -o pid=,ppid= | awk -v root="$(cat "$DIR/run/master.pid")" '
      { parent[$1] = $2 } END { keep[root] = 1; do { grew = 0; for (p in parent) if (!(p in keep) && (parent[p] in keep)) { keep[p] = 1; grew = 1 } } while (grew); for (p in keep) print p }')
  fi
  [ -f "$DIR/dovecot.conf" ] && doveadm -c "$DIR/dovecot.conf" stop >/dev/null 2>&1 || true
  for _ in $(seq 1 300); do
    alive=0
    for pid in "${tree[@]}"; do kill -0 "$pid" 2>/dev/null && { alive=1; break; }; done
    [ "$alive" = 0 ] && break
    sleep 0.2
  done ;;
*) echo "usage: $0 start DIR IMAP_PORT POP3_PORT PASSWD_FILE MAILBASE | stop DIR" >&2; exit 2 ;;
esac
