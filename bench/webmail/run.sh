#!/usr/bin/env bash
# Webmail through the edge on a 10,000-message INBOX: inbox page (50 per page), a later page, a
# sorted page and a message page, measured with wrk (Debian), bounded runs.
#
# Usage: bench/webmail/run.sh [seconds=10] [messages=10000]
#   BEFORE_DIR=/path/to/older/webmail/bin   also start that build of Facteur.Webmail (same
#                                            IMAP server, its own edge) and measure it in the same
#                                            run, interleaved page by page, for a before/after ratio.
#   SESSIONS=8                               wrk connections each carry one of N logged-in sessions
#                                            (default 1: every request shares one cookie, so one
#                                            pooled IMAP connection serves them one after the other).
#   ANCHOR=roundcube                         also measure the stack Facteur replaces: Debian's Roundcube
#                                            (bench/anchors/roundcube.sh) on a private Dovecot holding a
#                                            copy of the same INBOX; its inbox list request (the AJAX
#                                            `_task=mail&_action=list` its UI makes) against Facteur's
#                                            inbox page, same wrk threads and connections.
#   JSON_OUT=FILE                            append one bench/run.sh results line per inbox-page run
#                                            ({"stack","row":"webmail:inbox","data"}) for tabulate.py.
#   REPEAT=N                                 inbox-page runs per stack (default 1), interleaved.
#   PAGES=inbox                              with JSON_OUT: only the inbox-page runs (bench/run.sh).
#   CONFIG=Release                           which build to run (default Debug).
#   WRK_THREADS=2 WRK_CONNECTIONS=8          wrk's -t and -c for every page (the defaults).
# Needs the $CONFIG build (Release: the FACTEUR_BENCH_BUILD one) of services/standalone, services/mailbox-api, services/webmail, services/webmail/edge;
# ANCHOR=roundcube needs roundcube-core, roundcube-sqlite3, php-cli and dovecot-imapd (bench/run.sh installs them).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SECONDS_RUN=${1:-10}
MESSAGES=${2:-10000}
SESSIONS=${SESSIONS:-1}
REPEAT=${REPEAT:-1}
THREADS=${WRK_THREADS:-2} CONNECTIONS=${WRK_CONNECTIONS:-8}
SITE=$(mktemp -d /tmp/facteur-bench-webmail-XXXX)
chmod 755 "$SITE"
BIN=${CONFIG:-Debug}/net10.0
# CONFIG=Release (what bench/run.sh passes) runs the build bench/facteur-build.sh names
# (FACTEUR_BENCH_BUILD, default dotnet build -c Release); any other CONFIG, dotnet build's output.
# shellcheck source=../facteur-build.sh
. "$ROOT/bench/facteur-build.sh"
built() { # services/<dir>
  if [ "${CONFIG:-Debug}" = Release ]; then facteur_out "$FACTEUR_BENCH_BUILD" "$ROOT" "services/$1/x.csproj"
  else echo "$ROOT/services/$1/bin/$BIN"; fi
}
# shellcheck source=../standalone.sh
. "$ROOT/bench/standalone.sh"
SMTP=$(free_port) SUB=$(free_port) SUBS=$(free_port) IMAP=$(free_port)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  if [ -n "${ANCHOR:-}" ]; then
    "$ROOT/bench/anchors/roundcube.sh" stop "$SITE/roundcube" 2>/dev/null || true
    "$ROOT/bench/anchors/dovecot.sh" stop "$SITE/dovecot" 2>/dev/null || true
  fi
  sleep 1; rm -rf "$SITE" 2>/dev/null || true
}
trap cleanup EXIT

python3 - "$SITE" "$MESSAGES" <<'PY'
import base64, hashlib, os, sys, time
site, count = sys.argv[1], int(sys.argv[2])
salt = os.urandom(8)
digest = hashlib.sha512(b"bench password" + salt).digest()
open(f"{site}/accounts", "w").write(f"alice@esp.sn:{{SSHA512}}{base64.b64encode(digest + salt).decode()}:::::\n")
open(f"{site}/aliases", "w").write("")
open(f"{site}/domains", "w").write("esp.sn\n")
box = f"{site}/mail/esp.sn/alice"
for sub in ("cur", "new", "tmp"):
    os.makedirs(f"{box}/{sub}", exist_ok=True)
for folder in (".Sent", ".Drafts", ".Trash", ".Junk", ".Archive"):
    for sub in ("cur", "new", "tmp"):
        os.makedirs(f"{box}/{folder}/{sub}", exist_ok=True)
now = int(time.time()) - count
for i in range(count):
    body = (f"From: Bob {i % 97} <bob{i % 97}@esp.sn>\r\nTo: alice@esp.sn\r\nSubject: Message {(i * 7919) % count}\r\n"
            f"Date: {time.strftime('%a, %d %b %Y %H:%M:%S +0000', time.gmtime(now + i))}\r\n"
            f"Message-ID: <{i}@bench.esp.sn>\r\n\r\nCorps du message {i}.\r\n" + "Ligne de texte.\r\n" * (20 + i % 13))
    data = body.encode()
    name = f"{now + i}.M{i}P1.bench,S={len(data)}:2,{'S' if i % 3 else ''}"
    open(f"{box}/cur/{name}", "wb").write(data)
PY
# The anchor reads its own copy of the same bytes (Dovecot writes its index files into the Maildir).
[ -n "${ANCHOR:-}" ] && cp -a "$SITE/mail" "$SITE/anchor-mail"

common=(Facteur__Hostname=mx.esp.sn Facteur__Domains__0=esp.sn Facteur__MailRoot=$SITE/mail Facteur__SpoolRoot=$SITE/spool
  Facteur__AccountsFile=$SITE/accounts Facteur__AliasesFile=$SITE/aliases Facteur__DomainsFile=$SITE/domains
  Facteur__AllowPlaintextAuth=true Facteur__ListenAddress=127.0.0.1 Facteur__Transport=InMemory
  Smtp__Port=$SMTP Smtp__SubmissionPort=$SUB Smtp__SubmissionsPort=$SUBS Logging__LogLevel__Default=Warning)
cd "$SITE"
env "${common[@]}" Management__Port=$(free_port) Http__Port=$(free_port) dotnet "$(built standalone)/Facteur.Standalone.dll" > standalone.log 2>&1 & PIDS+=($!)
env "${common[@]}" Management__Port=$(free_port) Imap__Port=$IMAP Imap__TlsPort=$(free_port) Pop3__Port=$(free_port) Pop3__TlsPort=$(free_port) \
  dotnet "$(built mailbox-api)/Facteur.MailboxApi.dll" > imap.log 2>&1 & PIDS+=($!)
IMAP_PID=$!

# One webmail + one edge per build under test.
declare -A EDGES WEB_PIDS EDGE_PIDS
start_webmail() { # name dir
  local name=$1 dir=$2 web edge
  web=$(free_port) edge=$(free_port)
  env "${common[@]}" Management__Port=$(free_port) Webmail__Port=$web Webmail__ImapHost=127.0.0.1 Webmail__ImapPort=$IMAP Webmail__ImapSecurity=None \
    Webmail__SmtpHost=127.0.0.1 Webmail__SmtpPort=$SUB Webmail__SmtpSecurity=None Webmail__DataProtectionKeysPath=$SITE/keys-$name \
    dotnet "$dir/Facteur.Webmail.dll" > webmail-$name.log 2>&1 & PIDS+=($!)
  WEB_PIDS[$name]=$!
  env "${common[@]}" Management__Port=$(free_port) Http__Port=$edge Http__LoginRequestsPerMinute=1000 \
    ReverseProxy__Routes__webmail__ClusterId=webmail ReverseProxy__Routes__webmail__Match__Hosts__0=mail.esp.sn \
    'ReverseProxy__Routes__webmail__Match__Path={**catch-all}' \
    ReverseProxy__Clusters__webmail__Destinations__w0__Address=http://127.0.0.1:$web/ \
    dotnet "$(built webmail/edge)/Facteur.Edge.dll" > edge-$name.log 2>&1 & PIDS+=($!)
  EDGE_PIDS[$name]=$!
  EDGES[$name]=$edge
}
BUILDS=()
if [ -n "${BEFORE_DIR:-}" ]; then start_webmail before "$BEFORE_DIR"; BUILDS+=(before); fi
start_webmail after "$(built webmail)"; BUILDS+=(after)

login() { # edge jar → prints the session cookie
  local edge=$1 jar=$2 token
  token=$(curl -s -c "$jar" -H "Host: mail.esp.sn" "http://127.0.0.1:$edge/Login" | sed -n 's/.*name="__RequestVerificationToken" type="hidden" value="\([^"]*\)".*/\1/p' | head -1)
  curl -s -o /dev/null -b "$jar" -c "$jar" -H "Host: mail.esp.sn" --data-urlencode "email=alice@esp.sn" --data-urlencode "password=bench password" \
    --data-urlencode "__RequestVerificationToken=$token" "http://127.0.0.1:$edge/Login"
  awk '$6=="facteur.session"{print $6"="$7}' "$jar"
}

# wrk script: connection i sends the cookie of session i mod N (one IMAP connection per session).
cat > "$SITE/sessions.lua" <<'LUA'
local cookies = {}
for line in io.lines(os.getenv("COOKIES_FILE")) do cookies[#cookies + 1] = line end
local counter = 0
function setup(thread) thread:set("id", counter); counter = counter + 1 end
function init(args) n = 0 end
function request()
  n = n + 1
  local cookie = cookies[((id * 97 + n) % #cookies) + 1]
  return wrk.format("GET", nil, { ["Host"] = "mail.esp.sn", ["Cookie"] = cookie })
end
LUA

for name in "${BUILDS[@]}"; do
  edge=${EDGES[$name]}
  for i in $(seq 1 120); do curl -sf -o /dev/null -H "Host: mail.esp.sn" "http://127.0.0.1:$edge/Login" && break; sleep 0.5; done
  : > "$SITE/cookies-$name"
  for s in $(seq 1 "$SESSIONS"); do
    cookie=$(login "$edge" "$SITE/jar-$name-$s")
    [ -n "$cookie" ] || { echo "login failed ($name)"; tail -n 20 "$SITE"/*.log; exit 1; }
    echo "$cookie" >> "$SITE/cookies-$name"
  done
  # Warm up: the first listing builds the IMAP server's index of the 10,000 messages; the first
  # sorted listing of each session fetches the sort keys of every message (without IMAP SORT).
  while read -r cookie; do
    curl -s -o /dev/null -w "$name: first inbox page %{http_code} in %{time_total}s\n" -H "Host: mail.esp.sn" -H "Cookie: $cookie" "http://127.0.0.1:$edge/Mail"
    curl -s -o /dev/null -w "$name: first page sorted by subject %{http_code} in %{time_total}s\n" -H "Host: mail.esp.sn" -H "Cookie: $cookie" "http://127.0.0.1:$edge/Mail?sort=Subject&asc=true"
  done < "$SITE/cookies-$name"
done

# Warm up the JIT of each build (tiered compilation of a fresh process) on every measured page.
for name in "${BUILDS[@]}"; do
  for path in "/Mail" "/Mail?p=100" "/Mail?sort=Subject&asc=true" "/Mail/Read?f=INBOX&uid=$((MESSAGES / 2))"; do
    COOKIES_FILE="$SITE/cookies-$name" wrk -t1 -c2 -d3s --timeout 10s -s "$SITE/sessions.lua" "http://127.0.0.1:${EDGES[$name]}$path" > /dev/null
  done
done

# CPU time (user + system, clock ticks) of a process: with the machine shared, CPU per request
# is steadier than requests per second.
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
HZ=$(getconf CLK_TCK)

# The anchor: Dovecot on the copy, Roundcube logged in once (its PHP requests each open their own
# IMAP connection, so one session does not serialise them), warmed as the Facteur builds were.
RC_LIST="/?_task=mail&_action=list&_mbox=INBOX&_page=1&_remote=1"
if [ "${ANCHOR:-}" = roundcube ]; then
  A_IMAP=$(free_port)
  "$ROOT/bench/anchors/dovecot.sh" start "$SITE/dovecot" "$A_IMAP" "$(free_port)" "$SITE/accounts" "$SITE/anchor-mail" 2>/dev/null
  RC_PORT=$(free_port)
  "$ROOT/bench/anchors/roundcube.sh" start "$SITE/roundcube" "$RC_PORT" "$A_IMAP"
  login_line=$("$ROOT/bench/anchors/roundcube.sh" login "$SITE/roundcube" "$RC_PORT" alice@esp.sn "bench password")
  RC_COOKIE=${login_line%%$'\t'*} RC_TOKEN=${login_line##*$'\t'}
  # The list answer must hold message rows: a lost session or a wrong token answers 200 too.
  curl -s -o "$SITE/roundcube-list.json" -w "roundcube: first inbox list %{http_code} in %{time_total}s\n" -H "$RC_COOKIE" \
    -H "X-Roundcube-Request: $RC_TOKEN" -H "X-Requested-With: XMLHttpRequest" "http://127.0.0.1:$RC_PORT$RC_LIST"
  rows=$(grep -o 'add_message_row' "$SITE/roundcube-list.json" | wc -l)
  [ "$rows" -ge 1 ] || { echo "roundcube: the inbox list holds no message rows:" >&2; head -c 400 "$SITE/roundcube-list.json" >&2; exit 1; }
  echo "roundcube: the inbox list holds $rows message rows"
  wrk -t1 -c2 -d3s --timeout 10s -H "$RC_COOKIE" -H "X-Roundcube-Request: $RC_TOKEN" -H "X-Requested-With: XMLHttpRequest" \
    "http://127.0.0.1:$RC_PORT$RC_LIST" > /dev/null
fi

# wrk's latency figure in ms ("1.23s", "456.78ms", "12.00us").
to_ms() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000; printf "%.3f", n }'; }
# One results line per inbox-page run for bench/run.sh's table.
record() { # stack wrk-output
  [ -n "${JSON_OUT:-}" ] || return 0
  local out=$2 rps p50 p99 bad
  rps=$(awk '/Requests\/sec/{print $2}' <<<"$out")
  p50=$(to_ms "$(awk '$1=="50%"{print $2}' <<<"$out")")
  p99=$(to_ms "$(awk '$1=="99%"{print $2}' <<<"$out")")
  bad=$(awk '/Non-2xx/{print $NF}' <<<"$out")
  printf '{"stack":"%s","row":"webmail:inbox","data":{"messages":%s,"threads":%s,"connections":%s,"seconds":%s,"sessions":%s,"requests_per_s":%s,"p50_ms":%s,"p99_ms":%s,"non_2xx":%s}}\n' \
    "$1" "$MESSAGES" "$THREADS" "$CONNECTIONS" "$SECONDS_RUN" "$SESSIONS" "${rps:-0}" "$p50" "$p99" "${bad:-0}" >> "$JSON_OUT"
}

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); wrk -t$THREADS -c$CONNECTIONS -d${SECONDS_RUN}s; sessions: $SESSIONS"
printf '| page | build | requests/s | p50 | p99 | non-2xx | CPU ms/request: webmail + edge + IMAP |\n| --- | --- | --- | --- | --- | --- | --- |\n'
if [ -n "${ANCHOR:-}" ] || [ -n "${JSON_OUT:-}" ]; then
  # The inbox page, REPEAT times, the stacks interleaved: the row of bench/run.sh's table.
  for rep in $(seq 1 "$REPEAT"); do
    if [ -n "${ANCHOR:-}" ]; then
      out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${SECONDS_RUN}s" --timeout 10s --latency -H "$RC_COOKIE" -H "X-Roundcube-Request: $RC_TOKEN" \
        -H "X-Requested-With: XMLHttpRequest" "http://127.0.0.1:$RC_PORT$RC_LIST")
      record anchor "$out"
      # php -S closes every connection after its answer (no keep-alive): wrk counts those as read
      # errors; the answers themselves are complete and counted.
      echo "| Roundcube \`_action=list\` ($rep/$REPEAT) | roundcube | $(awk '/Requests\/sec/{print $2}' <<<"$out") | $(awk '$1=="50%"{print $2}' <<<"$out") | $(awk '$1=="99%"{print $2}' <<<"$out") | $(awk '/Non-2xx/{print $NF}' <<<"$out") | — |"
    fi
    for name in "${BUILDS[@]}"; do
      out=$(COOKIES_FILE="$SITE/cookies-$name" wrk -t"$THREADS" -c"$CONNECTIONS" -d"${SECONDS_RUN}s" --timeout 10s --latency -s "$SITE/sessions.lua" "http://127.0.0.1:${EDGES[$name]}/Mail")
      [ "$name" = after ] && record standalone "$out"
      echo "| \`/Mail\` ($rep/$REPEAT) | $name | $(awk '/Requests\/sec/{print $2}' <<<"$out") | $(awk '$1=="50%"{print $2}' <<<"$out") | $(awk '$1=="99%"{print $2}' <<<"$out") | $(awk '/Non-2xx/{print $NF}' <<<"$out") | — |"
    done
  done
fi
[ -n "${JSON_OUT:-}" ] && [ "${PAGES:-all}" = inbox ] && exit 0
for path in "/Mail" "/Mail?p=100" "/Mail?sort=Subject&asc=true" "/Mail/Read?f=INBOX&uid=$((MESSAGES / 2))"; do
  for name in "${BUILDS[@]}"; do
    w0=$(ticks "${WEB_PIDS[$name]}") e0=$(ticks "${EDGE_PIDS[$name]}") i0=$(ticks "$IMAP_PID")
    out=$(COOKIES_FILE="$SITE/cookies-$name" wrk -t"$THREADS" -c"$CONNECTIONS" -d"${SECONDS_RUN}s" --timeout 10s --latency -s "$SITE/sessions.lua" "http://127.0.0.1:${EDGES[$name]}$path")
    rps=$(awk '/Requests\/sec/{print $2}' <<<"$out")
    p50=$(awk '$1=="50%"{print $2}' <<<"$out")
    p99=$(awk '$1=="99%"{print $2}' <<<"$out")
    bad=$(awk '/Non-2xx/{print $NF}' <<<"$out")
    requests=$(awk '/requests in/{print $1}' <<<"$out")
    w1=$(ticks "${WEB_PIDS[$name]}") e1=$(ticks "${EDGE_PIDS[$name]}") i1=$(ticks "$IMAP_PID")
    cpu=$(python3 -c "r=max(1,$requests); f=lambda d: d*1000/$HZ/r; print(f'{f($w1-$w0):.1f} + {f($e1-$e0):.1f} + {f($i1-$i0):.1f}')")
    echo "| \`$path\` | $name | $rps | $p50 | $p99 | ${bad:-0} | $cpu |"
  done
done
