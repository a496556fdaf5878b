# Sourced by bench/run.sh and bench/imap/run.sh (which each define log).
# Waits (at most 20 s) until the machine is idle: at least 90 % of both cores over one second, so a group of
# rows does not start while the server still works off the one before (the POP3 rows came right after the IDLE
# row's SMTP load and its drain: 1.31 and 1.52 × Dovecot in one run, 0.12 and 0.77 in the next). First the
# page cache's dirty data goes to disk (sync, at most 60 s): /proc/stat counts a core waiting on I/O as idle,
# so a measurement could start while the one before it (another stack's, now that stacks alternate) was still
# being written back; on a machine with a slow disk (2026-12-06T2210Z: Postfix at half its usual rate, load
# average ≈ 200 from tasks blocked on I/O) that writeback is seconds long.
quiesce() {
  local _ a b idle total synced=$SECONDS
  timeout 60 sync || true
  [ $((SECONDS - synced)) -lt 2 ] || log "sync took $((SECONDS - synced)) s"
  for _ in $(seq 1 20); do
    a=($(awk '/^cpu /{print $2+$3+$4+$5+$6+$7+$8+$9, $5+$6}' /proc/stat)); sleep 1
    b=($(awk '/^cpu /{print $2+$3+$4+$5+$6+$7+$8+$9, $5+$6}' /proc/stat))
    total=$((b[0] - a[0])); idle=$((b[1] - a[1]))
    [ "$total" -gt 0 ] && [ $((idle * 100 / total)) -ge 90 ] && return 0
  done
  log "machine still busy after 20 s; going on"
}
