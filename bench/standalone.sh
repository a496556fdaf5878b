# Sourced by bench/run.sh, bench/imap/run.sh, bench/pop3/ab.sh and bench/imap/cold-select-*.sh: a free loopback
# port, a Facteur process's readiness waited for, and one standalone host (in-memory bus) on loopback.

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Waits (at most 120 s) until the process answers /readyz on its management port. If it exits or is not ready
# in time: the log's tail on stderr, the process killed, and 1 returned.
wait_ready() { # PID MGMT_PORT LOG
  for _ in $(seq 1 600); do
    curl -fs "http://127.0.0.1:$2/readyz" >/dev/null 2>&1 && return 0
    kill -0 "$1" 2>/dev/null || break
    sleep 0.2
  done
  echo "$3: the process did not become ready; last lines of its log:" >&2; tail -20 "$3" >&2
  kill -KILL "$1" 2>/dev/null || true
  return 1
}

# Starts DLL in the background with every listener on a free port of its own, then waits for it (wait_ready).
# VAR=VALUE words after LOG come after the defaults, so they override one (Imap__Port=143 picks the IMAP port)
# or add a setting; Management__Port stays the one the readiness check polls. Sets STANDALONE_PID.
start_standalone() { # DLL MAILROOT SPOOL PASSWD ALIASES LOG [VAR=VALUE...]
  local dll=$1 mail=$2 spool=$3 passwd=$4 aliases=$5 log=$6 mgmt domain=bench.test
  shift 6
  mgmt=$(free_port)
  env Facteur__Hostname=mx.$domain Facteur__Domains__0=$domain Facteur__MailRoot="$mail" \
    Facteur__SpoolRoot="$spool" Facteur__AccountsFile="$passwd" Facteur__AliasesFile="$aliases" \
    Facteur__ListenAddress=127.0.0.1 Facteur__AllowPlaintextAuth=true Facteur__Transport=InMemory \
    Smtp__Port="$(free_port)" Smtp__SubmissionPort="$(free_port)" Smtp__SubmissionsPort="$(free_port)" \
    Imap__Port="$(free_port)" Imap__TlsPort=0 Pop3__Port="$(free_port)" Pop3__TlsPort=0 Http__Port="$(free_port)" \
    Logging__LogLevel__Default=Warning "$@" Management__Port="$mgmt" dotnet "$dll" > "$log" 2>&1 &
  STANDALONE_PID=$!
  wait_ready "$STANDALONE_PID" "$mgmt" "$log"
}
