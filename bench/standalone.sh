# Sourced by bench/run.sh, bench/imap/run.sh, bench/pop3/ab.sh, bench/imap/cold-select-*.sh, bench/webmail/run.sh,
# bench/startup/run.sh and bench/smtp-ingest/ab.sh: a free loopback port (and a broker's pair of them), a Facteur
# process's readiness waited for, and one standalone host (in-memory bus) on loopback.

# A port below the kernel's ephemeral range (32768–60999 on Debian), so no outgoing connection of another
# process can take it between this pick and the server's bind (a port the kernel hands out for bind(0) can be:
# the complete run 2026-12-07T0741Z lost its webmail rows to that), and not one picked in the last ten minutes
# by any bench script (the servers bind theirs within seconds; /tmp/facteur-bench-ports, pruned as it is read).
# Where the range starts too low for that, the kernel's pick.
free_port() { python3 - <<'PY'
import fcntl, random, socket, time
low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
top = min(low, 30000)  # 30000 and up: free_rabbit_port's
now = time.time()
with open("/tmp/facteur-bench-ports", "a+") as taken:
    fcntl.flock(taken, fcntl.LOCK_EX)
    taken.seek(0)
    recent = {}
    for line in taken:
        fields = line.split()
        if len(fields) == 2 and now - float(fields[1]) < 600:
            recent[int(fields[0])] = fields[1]
    port = 0
    for _ in range(500 if top - 10000 >= 1000 else 0):
        candidate = random.randrange(10000, top)
        if candidate in recent:
            continue
        try:
            with socket.socket() as s:
                s.bind(("127.0.0.1", candidate))
            port = candidate
            break
        except OSError:
            pass
    if not port:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
    recent[port] = f"{now:.0f}"
    taken.seek(0)
    taken.truncate()
    taken.writelines(f"{p} {t}\n" for p, t in recent.items())
print(port)
PY
}
# RabbitMQ's distribution port is its AMQP port + 20000, so the broker's port must stay below 45536.
free_rabbit_port() { python3 -c '
import random, socket
for _ in range(200):
    p = random.randint(30000, 44999)
    try:
        for q in (p, p + 20000):
            s = socket.socket(); s.bind(("127.0.0.1", q)); s.close()
        print(p); break
    except OSError:
        pass'; }

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
