# Sourced by bench/run.sh and bench/imap/run.sh. One cold SELECT per run is one figure that swings by a
# third between runs (docs/README-perf.md): the corpus mailbox box@ is copied to cold2@, cold3@, … beside
# it, without any index either, and imap_load.py ops --cold-users SELECTs each once, right after box@'s own
# first SELECT, each after a rest of 2 s as the first one follows a quiet moment, so the row has a median of N.

# Gives each copy box@'s password line in the passwd-file both stacks read.
cold_users_passwd() { # PASSWD DOMAIN N
  local line i
  line=$(grep "^box@$2:" "$1")
  for ((i = 2; i <= $3; i++)); do grep -q "^cold$i@$2:" "$1" || echo "cold$i@${line#box@}" >> "$1"; done
}

# Copies the messages of MAILROOT/DOMAIN/box as they are now (cur/, new/ and tmp/ only: no index file of
# either server, whatever touched box@ before), then syncs, so the copies' writeback does not run under
# the SELECTs. Replaces copies left by an earlier call. Prints the copies' users for imap_load.py --cold-users:
# "cold2@DOMAIN,cold3@DOMAIN,…" (nothing for N ≤ 1).
cold_copies() { # MAILROOT DOMAIN N
  local i list=
  for ((i = 2; i <= $3; i++)); do
    list+=${list:+,}cold$i@$2
    rm -rf "$1/$2/cold$i"; mkdir "$1/$2/cold$i"
    # Owned as box@ is: Dovecot runs as the mail user and must create its index there (or it lists nothing).
    chown --reference="$1/$2/box" "$1/$2/cold$i"; chmod --reference="$1/$2/box" "$1/$2/cold$i"
    cp -a "$1/$2/box/cur" "$1/$2/box/new" "$1/$2/box/tmp" "$1/$2/cold$i/"
  done
  [ "$3" -le 1 ] || sync
  echo "$list"
}
