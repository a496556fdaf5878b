#!/usr/bin/env bash
# A private Postfix instance for the side-by-side bench: its own config dir, queue dir and data dir
# under $DIR, smtpd on 127.0.0.1:$PORT only, virtual(8) Maildir delivery into $MAILBASE/<domain>/<user>/
# (the same layout Facteur and Dovecot use). Durability is Postfix's default: cleanup(8) fsyncs the
# queue file before smtpd answers 250, virtual(8) fsyncs the Maildir file before the rename into new/.
# Usage: postfix.sh start DIR PORT MAILBASE DOMAIN USER...   |   postfix.sh stop DIR
set -euo pipefail
cmd=${1:?start|stop}; DIR=$(realpath -m "${2:?DIR}")
conf="$DIR/etc"
case "$cmd" in
start)
  PORT=${3:?PORT}; MAILBASE=$(realpath -m "${4:?MAILBASE}"); DOMAIN=${5:?DOMAIN}; shift 5
  uid=$(id -u nobody); gid=$(id -g nobody)
  mkdir -p "$conf" "$DIR/queue" "$DIR/data" "$MAILBASE"
  chown postfix "$DIR/data"
  chmod 755 "$DIR" "$(dirname "$DIR")" "$(dirname "$MAILBASE")"
  : > "$conf/vmailbox"
  for user in "$@"; do
    printf '%s@%s %s/%s/\n' "$user" "$DOMAIN" "$DOMAIN" "$user" >> "$conf/vmailbox"
    mkdir -p "$MAILBASE/$DOMAIN/$user"
  done
  chown -R "$uid:$gid" "$MAILBASE"
  cat > "$conf/main.cf" <<CF
compatibility_level = 3.6
myhostname = anchor.bench.test
mydestination =
mynetworks = 127.0.0.0/8
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
queue_directory = $DIR/queue
data_directory = $DIR/data
maillog_file = $DIR/maillog
maillog_file_prefixes = $DIR
smtputf8_enable = no
biff = no
append_dot_mydomain = no
virtual_mailbox_domains = $DOMAIN
virtual_mailbox_base = $MAILBASE
virtual_mailbox_maps = texthash:$conf/vmailbox
virtual_uid_maps = static:$uid
virtual_gid_maps = static:$gid
virtual_minimum_uid = 1
virtual_mailbox_limit = 0
message_size_limit = 52428800
smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination
# The defaults throttle a single local client; the bench measures the server, not anvil's limits.
smtpd_client_connection_count_limit = 0
smtpd_client_connection_rate_limit = 0
default_process_limit = 200
smtpd_error_sleep_time = 0
CF
  # Debian's master.cf with smtpd moved to the bench port; postlog for maillog_file.
  sed -e "s/^smtp[[:space:]]\+inet.*/127.0.0.1:$PORT inet n - n - - smtpd/" /etc/postfix/master.cf > "$conf/master.cf"
  grep -q '^postlog' "$conf/master.cf" || echo 'postlog   unix-dgram n  -       n       -       1       postlogd' >> "$conf/master.cf"
  postfix -c "$conf" set-permissions >/dev/null 2>&1 || true
  postfix -c "$conf" check || { echo "postfix.sh: postfix check failed; see $DIR/maillog" >&2; exit 1; }
  postfix -c "$conf" start
  for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && exit 0; sleep 0.1; done
  echo "postfix.sh: nothing listens on 127.0.0.1:$PORT; see $DIR/maillog" >&2; exit 1 ;;
stop)
  [ -f "$conf/main.cf" ] && postfix -c "$conf" stop >/dev/null 2>&1 || true ;;
*) echo "usage: $0 start DIR PORT MAILBASE DOMAIN USER... | stop DIR" >&2; exit 2 ;;
esac
