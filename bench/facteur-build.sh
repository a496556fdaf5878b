# Sourced (not run) by every bench script that builds or starts Facteur: the one place that says
# which build the figures are of, so bench/run.sh, bench/imap/run.sh, bench/smtp-ingest/ab.sh,
# bench/webmail/run.sh and bench/startup/run.sh all measure the same thing.
#
# A build mode names how a source tree is turned into something to run:
#   jit  (default) dotnet build -c Release output, every method JIT-compiled (tiered) on first call:
#        what the Dockerfiles' plain `dotnet publish` ships, and what every figure in
#        bench/results/ is of.
#   r2r  dotnet publish -c Release -r <this machine's RID> --self-contained false
#        -p:PublishReadyToRun=true: Facteur's assemblies and its NuGet dependencies (MimeKit,
#        MassTransit, …) precompiled by crossgen2. Measured against jit and *not* the default:
#        docs/README-perf.md "Settings the figures assume", bench/results/r2r-*.md.
# FACTEUR_BENCH_BUILD sets the mode of a script's own tree; a tree given on a command line
# (--also NAME=SPEC, ab.sh's NAME=SPEC) may carry its own as a prefix: r2r:/tmp/facteur-main.
#
#   facteur_rid                          linux-x64 / linux-arm64, from this machine
#   facteur_spec SPEC                    sets FACTEUR_MODE and FACTEUR_SRC from [MODE:]DIR
#   facteur_build MODE SRC PROJECT...    builds or publishes each project (path under SRC, .csproj)
#   facteur_dll MODE SRC PROJECT         the .dll to start (`dotnet <it>`) for that project

FACTEUR_BENCH_BUILD=${FACTEUR_BENCH_BUILD:-jit}

facteur_rid() {
  case "$(uname -m)" in
    x86_64) echo linux-x64 ;;
    aarch64|arm64) echo linux-arm64 ;;
    *) echo "linux-$(uname -m)" ;;
  esac
}

facteur_check_mode() {
  case "$1" in
    r2r|jit) ;;
    *) echo "facteur-build.sh: unknown build mode '$1' (r2r or jit)" >&2; return 2 ;;
  esac
}

facteur_spec() {
  case "$1" in
    r2r:*|jit:*) FACTEUR_MODE=${1%%:*}; FACTEUR_SRC=${1#*:} ;;
    *) FACTEUR_MODE=$FACTEUR_BENCH_BUILD; FACTEUR_SRC=$1 ;;
  esac
  facteur_check_mode "$FACTEUR_MODE"
}

# Where a mode's output lives. The publish folder is not the SDK's default (bin/Release/net10.0/<rid>/
# publish) so that a jit build and an r2r publish of one tree never read each other's files.
facteur_out() { # mode src project
  local dir
  dir="$2/$(dirname "$3")"
  case "$1" in
    r2r) echo "$dir/bin/publish-r2r" ;;
    jit) echo "$dir/bin/Release/net10.0" ;;
  esac
}

facteur_dll() { # mode src project
  echo "$(facteur_out "$@")/$(basename "$3" .csproj).dll"
}

facteur_build() { # mode src project...
  local mode=$1 src=$2 project; shift 2
  facteur_check_mode "$mode" || return
  for project in "$@"; do
    case "$mode" in
      jit) dotnet build "$src/$project" -c Release -v q -nologo >&2 ;;
      r2r) dotnet publish "$src/$project" -c Release -r "$(facteur_rid)" --self-contained false \
             -p:PublishReadyToRun=true -o "$(facteur_out r2r "$src" "$project")" -v q -nologo >&2 ;;
    esac || { echo "facteur-build.sh: $mode build of $src/$project failed" >&2; return 1; }
  done
}
