# cleanup-candidates: top-level restore and retired (chatdb-restore_*) directories with sizes,
# marking the one that holds the live root (LIVE_TOP, its top-level name, or '').
find . -mindepth 1 -maxdepth 1 \( -name 'aws-backup-restore_*' -o -name 'chatdb-restore_*' \) -printf '%y\t%T@\t%f\0' |
  while IFS= read -r -d '' entry; do
    type=${entry%%$'\t'*}; rest=${entry#*$'\t'}; mtime=${rest%%$'\t'*}; name=${rest#*$'\t'}
    if [[ $name =~ $RESTORE_RE ]]; then kind=restore
    elif [[ $name =~ $FLAT_RE ]]; then kind=retired
    else odd unexpected odd_name "$name"; continue
    fi
    if [ "$type" != d ]; then emit unexpected "not_a_directory:$type" "$name"; continue; fi
    usage=$(du -sb -- "./$name"); bytes=${usage%%$'\t'*}
    live=0
    if [ -n "$LIVE_TOP" ] && [ "$name" = "$LIVE_TOP" ]; then live=1; fi
    emit dir "$kind" "$name" "$mtime" "$bytes" "$live"
  done
emit end
