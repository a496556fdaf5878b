# Sourced by bench/imap/cold-select-ab.sh and cold-select-series.sh: one standalone host (in-memory bus) on
# loopback for the IMAP A/Bs, every other listener on a port of its own, and its readiness waited for.

free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }

# Starts DLL in the background and waits (at most 120 s) for /readyz; sets STANDALONE_PID.
# ENVS: extra VAR=VALUE words for the process.
start_standalone() { # DLL MAILROOT SPOOL PASSWD ALIASES IMAP_PORT LOG [ENVS...]
  local dll=$1 mail=$2 spool=$3 passwd=$4 aliases=$5 imap=$6 log=$7 mgmt domain=bench.test
  shift 7
  mgmt=$(free_port)
  env "$@" Facteur__Hostname=mx.$domain Facteur__Domains__0=$domain Facteur__MailRoot="$mail" \
    Facteur__SpoolRoot="$spool" Facteur__AccountsFile="$passwd" Facteur__AliasesFile="$aliases" \
    Facteur__ListenAddress=127.0.0.1 Facteur__AllowPlaintextAuth=true Facteur__Transport=InMemory \
    Smtp__Port="$(free_port)" Smtp__SubmissionPort="$(free_port)" Smtp__SubmissionsPort="$(free_port)" \
    Imap__Port="$imap" Imap__TlsPort=0 Pop3__Port="$(free_port)" Pop3__TlsPort=0 Http__Port="$(free_port)" \
    Management__Port="$mgmt" Logging__LogLevel__Default=Warning dotnet "$dll" > "$log" 2>&1 &
  STANDALONE_PID=$!
  for _ in $(seq 1 600); do curl -fs "http://127.0.0.1:$mgmt/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
}
