#!/usr/bin/env bash
# A private Roundcube for the side-by-side webmail row: Debian's roundcube-core with an SQLite
# database in DIR, served by PHP's built-in server (`php -S`, PHP_CLI_SERVER_WORKERS worker
# processes, default 8: as many as wrk's connections, as php-fpm would run) on 127.0.0.1:PORT,
# reading mail from an IMAP server on 127.0.0.1:IMAP_PORT (the bench's private Dovecot).
# Debian's /etc/roundcube is left alone: ROUNDCUBE_CONFIG_DIR points Roundcube at DIR/config.
#
# Usage: roundcube.sh start DIR PORT IMAP_PORT            |   roundcube.sh stop DIR
#        roundcube.sh login DIR PORT USER PASSWORD        → prints "COOKIE_HEADER<TAB>REQUEST_TOKEN"
#
# The inbox list request Roundcube's own UI makes (app.js, list_mailbox) is
#   GET /?_task=mail&_action=list&_mbox=INBOX&_page=1&_remote=1
# with the session cookies and the X-Roundcube-Request header holding the request token.
set -euo pipefail
cmd=${1:?start|stop|login}; DIR=$(realpath -m "${2:?DIR}")
RC=/var/lib/roundcube
case "$cmd" in
start)
  PORT=${3:?PORT}; IMAP=${4:?IMAP_PORT}
  [ -f "$RC/public_html/index.php" ] || { echo "roundcube.sh: roundcube-core is not installed" >&2; exit 1; }
  command -v php >/dev/null || { echo "roundcube.sh: php is not installed" >&2; exit 1; }
  mkdir -p "$DIR/config" "$DIR/temp" "$DIR/logs"
  cp /usr/share/roundcube/config/defaults.inc.php "$DIR/config/" 2>/dev/null || cp /etc/roundcube/defaults.inc.php "$DIR/config/"
  [ -f /etc/roundcube/mimetypes.php ] && cp /etc/roundcube/mimetypes.php "$DIR/config/"
  cat > "$DIR/config/config.inc.php" <<CONF
<?php
\$config = [];
\$config['db_dsnw'] = 'sqlite:///$DIR/roundcube.db?mode=0600';
\$config['imap_host'] = '127.0.0.1:$IMAP';
\$config['smtp_host'] = '';
\$config['support_url'] = '';
\$config['des_key'] = '$(head -c 18 /dev/urandom | base64 | tr -d '/+=' | cut -c1-24)';
\$config['product_name'] = 'Roundcube (bench anchor)';
\$config['plugins'] = [];
\$config['temp_dir'] = '$DIR/temp/';
\$config['log_dir'] = '$DIR/logs/';
\$config['log_driver'] = 'file';
\$config['skin'] = 'elastic';
// Roundcube's defaults otherwise: 50 messages per page like Facteur's webmail, no message cache,
// a fresh IMAP connection per request (as every PHP request of a real deployment).
\$config['mail_pagesize'] = 50;
\$config['login_rate_limit'] = 0;
\$config['enable_installer'] = false;
CONF
  php -r '$db = new PDO("sqlite:" . $argv[1]); $db->exec(file_get_contents($argv[2]));' \
    "$DIR/roundcube.db" /usr/share/roundcube/SQL/sqlite.initial.sql
  (cd "$RC/public_html" && ROUNDCUBE_CONFIG_DIR="$DIR/config" PHP_CLI_SERVER_WORKERS=${PHP_CLI_SERVER_WORKERS:-8} \
    exec php -d memory_limit=256M -d error_log="$DIR/logs/php.log" -S "127.0.0.1:$PORT" -t "$RC/public_html" \
    > "$DIR/logs/server.log" 2>&1) &
  echo $! > "$DIR/server.pid"
  for _ in $(seq 1 100); do
    curl -fs -o /dev/null "http://127.0.0.1:$PORT/?_task=login" && exit 0
    sleep 0.2
  done
  echo "roundcube.sh: Roundcube not answering on $PORT; see $DIR/logs" >&2; tail -n 5 "$DIR"/logs/* >&2 || true; exit 1 ;;
login)
  PORT=${3:?PORT}; USER_NAME=${4:?USER}; PASSWORD=${5:?PASSWORD}
  jar="$DIR/cookies.txt"; rm -f "$jar"
  base="http://127.0.0.1:$PORT/"
  token=$(curl -fs -c "$jar" -b "$jar" "$base?_task=login" | sed -n 's/.*name="_token" value="\([^"]*\)".*/\1/p' | head -1)
  [ -n "$token" ] || { echo "roundcube.sh: no login token on the login page" >&2; exit 1; }
  curl -fs -o /dev/null -c "$jar" -b "$jar" --data-urlencode "_token=$token" --data-urlencode "_task=login" \
    --data-urlencode "_action=login" --data-urlencode "_timezone=UTC" --data-urlencode "_url=" \
    --data-urlencode "_user=$USER_NAME" --data-urlencode "_pass=$PASSWORD" "$base?_task=login"
  # The mail page carries the session's request token (rcmail.env.request_token) the AJAX calls send.
  request=$(curl -fs -c "$jar" -b "$jar" "$base?_task=mail&_mbox=INBOX" | sed -n 's/.*"request_token":"\([^"]*\)".*/\1/p' | head -1)
  [ -n "$request" ] || { echo "roundcube.sh: login as $USER_NAME failed (no request token; see $DIR/logs)" >&2; exit 1; }
  cookie=$(awk '!/^#/ || /^#HttpOnly_/ { if (NF >= 7) printf "%s%s=%s", (n++ ? "; " : ""), $6, $7 }' "$jar")
  printf 'Cookie: %s\t%s\n' "$cookie" "$request" ;;
stop)
  if [ -f "$DIR/server.pid" ]; then
    pid=$(cat "$DIR/server.pid")
    # php -S with workers: the parent and its worker processes.
    pkill -TERM -P "$pid" 2>/dev/null || true
    kill -TERM "$pid" 2>/dev/null || true
    rm -f "$DIR/server.pid"
  fi ;;
*) echo "usage: $0 start DIR PORT IMAP_PORT | login DIR PORT USER PASSWORD | stop DIR" >&2; exit 2 ;;
esac
