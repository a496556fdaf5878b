#!/usr/bin/env bash
# Webmail through the edge on a 10,000-message INBOX: inbox page (50 per page) and message page,
# measured with wrk (Debian), bounded runs. Usage: bench/webmail/run.sh [seconds=10] [messages=10000]
# Needs the Debug build of services/standalone, services/mailbox-api, services/webmail, services/webmail/edge.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SECONDS_RUN=${1:-10}
MESSAGES=${2:-10000}
SITE=$(mktemp -d /tmp/facteur-bench-webmail-XXXX)
BIN=Debug/net10.0
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
SMTP=$(port) SUB=$(port) SUBS=$(port) IMAP=$(port) WEB=$(port) EDGE=$(port)
PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; sleep 1; rm -rf "$SITE" 2>/dev/null || true; }
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
now = int(time.time()) - count
for i in range(count):
    body = (f"From: Bob <bob@esp.sn>\r\nTo: alice@esp.sn\r\nSubject: Message {i}\r\n"
            f"Date: {time.strftime('%a, %d %b %Y %H:%M:%S +0000', time.gmtime(now + i))}\r\n"
            f"Message-ID: <{i}@bench.esp.sn>\r\n\r\nCorps du message {i}.\r\n" + "Ligne de texte.\r\n" * 20)
    data = body.encode()
    name = f"{now + i}.M{i}P1.bench,S={len(data)}:2,{'S' if i % 3 else ''}"
    open(f"{box}/cur/{name}", "wb").write(data)
PY

common=(Facteur__Hostname=mx.esp.sn Facteur__Domains__0=esp.sn Facteur__MailRoot=$SITE/mail Facteur__SpoolRoot=$SITE/spool
  Facteur__AccountsFile=$SITE/accounts Facteur__AliasesFile=$SITE/aliases Facteur__DomainsFile=$SITE/domains
  Facteur__AllowPlaintextAuth=true Facteur__ListenAddress=127.0.0.1 Facteur__Transport=InMemory
  Smtp__Port=$SMTP Smtp__SubmissionPort=$SUB Smtp__SubmissionsPort=$SUBS Logging__LogLevel__Default=Warning)
cd "$SITE"
env "${common[@]}" Management__Port=$(port) Http__Port=$(port) dotnet "$ROOT/services/standalone/bin/$BIN/Facteur.Standalone.dll" > standalone.log 2>&1 & PIDS+=($!)
env "${common[@]}" Management__Port=$(port) Imap__Port=$IMAP Imap__TlsPort=$(port) Pop3__Port=$(port) Pop3__TlsPort=$(port) \
  dotnet "$ROOT/services/mailbox-api/bin/$BIN/Facteur.MailboxApi.dll" > imap.log 2>&1 & PIDS+=($!)
env "${common[@]}" Management__Port=$(port) Webmail__Port=$WEB Webmail__ImapHost=127.0.0.1 Webmail__ImapPort=$IMAP Webmail__ImapSecurity=None \
  Webmail__SmtpHost=127.0.0.1 Webmail__SmtpPort=$SUB Webmail__SmtpSecurity=None Webmail__DataProtectionKeysPath=$SITE/keys \
  dotnet "$ROOT/services/webmail/bin/$BIN/Facteur.Webmail.dll" > webmail.log 2>&1 & PIDS+=($!)
env "${common[@]}" Management__Port=$(port) Http__Port=$EDGE Http__LoginRequestsPerMinute=1000 \
  ReverseProxy__Routes__webmail__ClusterId=webmail ReverseProxy__Routes__webmail__Match__Hosts__0=mail.esp.sn \
  'ReverseProxy__Routes__webmail__Match__Path={**catch-all}' \
  ReverseProxy__Clusters__webmail__Destinations__w0__Address=http://127.0.0.1:$WEB/ \
  dotnet "$ROOT/services/webmail/edge/bin/$BIN/Facteur.Edge.dll" > edge.log 2>&1 & PIDS+=($!)

for i in $(seq 1 120); do curl -sf -o /dev/null -H "Host: mail.esp.sn" "http://127.0.0.1:$EDGE/Login" && break; sleep 0.5; done
JAR=$SITE/cookies
TOKEN=$(curl -s -c "$JAR" -H "Host: mail.esp.sn" "http://127.0.0.1:$EDGE/Login" | sed -n 's/.*name="__RequestVerificationToken" type="hidden" value="\([^"]*\)".*/\1/p' | head -1)
curl -s -o /dev/null -b "$JAR" -c "$JAR" -H "Host: mail.esp.sn" --data-urlencode "email=alice@esp.sn" --data-urlencode "password=bench password" \
  --data-urlencode "__RequestVerificationToken=$TOKEN" "http://127.0.0.1:$EDGE/Login"
COOKIE=$(awk '$6=="facteur.session"{print $6"="$7}' "$JAR")
[ -n "$COOKIE" ] || { echo "login failed"; tail -20 "$SITE"/*.log; exit 1; }
# Warm up: the first listing builds the IMAP server's index of the 10,000 messages.
curl -s -o /dev/null -w "first inbox page: %{time_total}s\n" -H "Host: mail.esp.sn" -H "Cookie: $COOKIE" "http://127.0.0.1:$EDGE/Mail"
for path in "/Mail" "/Mail/Read?f=INBOX&uid=$((MESSAGES / 2))"; do
  echo "== $path ($SECONDS_RUN s, 2 threads, 8 connections)"
  wrk -t2 -c8 -d"${SECONDS_RUN}s" --timeout 10s --latency -H "Host: mail.esp.sn" -H "Cookie: $COOKIE" "http://127.0.0.1:$EDGE$path" \
    | grep -E "Requests/sec|99%|Non-2xx|Latency "
done
