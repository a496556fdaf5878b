#!/usr/bin/env bash
# Migration speed for one large account: a fake old server with a 50,000-message Maildir (Dovecot names,
# dovecot-uidlist, flags) and a 50,000-message mbox maildrop, migrated with `facteur migrate from-host`.
# Prints messages/s and MB/s for the first run (full copy) and the re-run (nothing to copy).
# Each run also prints its CPU time (user/sys): where user+sys is far below the wall time, the run waits on
# the disk (fsync), not on the CPU. Each run is stopped after BENCH_TIMEOUT seconds (default 1800).
#   bench/migrate/run.sh [MESSAGES] [AVERAGE_BYTES]      (defaults: 50000 8000)
set -euo pipefail
cd "$(dirname "$0")/../.."
MESSAGES=${1:-50000}
AVERAGE=${2:-8000}
LIMIT=${BENCH_TIMEOUT:-1800}
WORK=$(mktemp -d /tmp/facteur-bench-migrate.XXXX)
trap 'rm -rf "$WORK"' EXIT
CPU_TIME=()
[ -x /usr/bin/time ] && CPU_TIME=(/usr/bin/time -f "%U %S" -o "$WORK/cpu.txt")

dotnet build tools/facteur/Facteur.Cli.csproj -c Release -v q -nologo > /dev/null
FACTEUR="dotnet tools/facteur/bin/Release/net10.0/facteur.dll"

python3 - "$WORK/old" "$MESSAGES" "$AVERAGE" <<'PY'
import os, random, sys
root, count, average = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
random.seed(9)
os.makedirs(f"{root}/etc", exist_ok=True)
open(f"{root}/etc/passwd", "w").write("big:x:1000:1000::/home/big:/bin/sh\nmbox:x:1001:1001::/home/mbox:/bin/sh\n")
# A SHA-512 crypt string of "pw" (the hash is only copied here, never checked).
h = "$6$benchsalt$" + "A" * 86
open(f"{root}/etc/shadow", "w").write(f"big:{h}:20000::::::\nmbox:{h}:20000::::::\n")
md = f"{root}/home/big/Maildir"
for d in ("cur", "new", "tmp"):
    os.makedirs(f"{md}/{d}", exist_ok=True)
os.makedirs(f"{root}/home/mbox", exist_ok=True)
os.makedirs(f"{root}/var/mail", exist_ok=True)
line = b"Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.\n"
uidlist = [f"3 V1700000000 N{count + 1} G0123456789abcdef0123456789abcdef\n"]
with open(f"{root}/var/mail/mbox", "wb") as mbox:
    for i in range(count):
        size = max(300, int(random.expovariate(1 / average)))
        body = (f"From: a{i}@example.org\nTo: big@esp.sn\nSubject: message {i}\nMessage-ID: <{i}@example.org>\n\n").encode() + line * (size // len(line))
        t = 1600000000 + i * 60
        name = f"{t}.M{i}P1.old,S={len(body)}"
        flags = random.choice(["", "S", "RS", "FS", "Sa"])
        path = f"{md}/cur/{name}:2,{flags}"
        with open(path, "wb") as f:
            f.write(body)
        os.utime(path, (t, t))
        uidlist.append(f"{i + 1} :{name}\n")
        mbox.write(f"From a{i}@example.org Mon Jan  1 00:00:00 2024\nStatus: RO\n".encode() + body + b"\n")
open(f"{md}/dovecot-uidlist", "w").write("".join(uidlist))
open(f"{md}/dovecot-keywords", "w").write("0 Work\n")
PY

run() {
  local label=$1 user=$2
  local start end
  start=$(date +%s.%N)
  echo "nan nan" > "$WORK/cpu.txt"   # without GNU time (Debian package "time") the CPU columns say nan
  ${CPU_TIME[@]+"${CPU_TIME[@]}"} timeout "$LIMIT" $FACTEUR migrate from-host --domain esp.sn --users "$user" --root "$WORK/old" --mail-root "$WORK/mail" \
    --accounts "$WORK/accounts" --aliases "$WORK/aliases" --domains-file "$WORK/domains" 2>/dev/null > "$WORK/out.txt"
  end=$(date +%s.%N)
  python3 - "$label" "$start" "$end" "$MESSAGES" "$(du -sb "$WORK/mail/esp.sn/$user" | cut -f1)" $(cat "$WORK/cpu.txt") <<'PY'
import sys
label, start, end, count, size = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
user, system = float(sys.argv[6]), float(sys.argv[7])
s = end - start
print(f"{label:34} {s:7.1f} s  {count / s:8.0f} messages/s  {size / s / 1e6:7.1f} MB/s  ({count} messages, {size / 1e6:.0f} MB; cpu {user:.1f} s user {system:.1f} s sys)")
PY
  grep -E "^total" "$WORK/out.txt" | sed 's/^/    /'
}

echo "migration of one account of $MESSAGES messages, average ${AVERAGE} bytes, on $(nproc) cores (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
run "Maildir, first run (full copy)" big
run "Maildir, re-run (nothing to copy)" big
run "mbox maildrop, first run" mbox
run "mbox maildrop, re-run" mbox
