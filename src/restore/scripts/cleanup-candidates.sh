# cleanup-candidates: top-level restore, retired (chatdb-restore_*), drill (chatdb-drill_*), failed-restore and lost+found
# directories with sizes, marking the one that holds the live root (LIVE_TOP, its top-level name, or
# ''); then the database files at the volume root when the volume root holds a data dir.
readonly FAILED_RE='^aws-backup-failed-restore_[A-Za-z0-9][A-Za-z0-9._-]{0,200}$'
readonly DB_FILE_RE='^(WiredTiger|WiredTiger\.lock|WiredTiger\.turtle|WiredTiger\.wt|WiredTigerHS\.wt|WiredTigerLAS\.wt|WiredTiger\.backup|_mdb_catalog\.wt|sizeStorer\.wt|storage\.bson|mongod\.lock|(collection|index)-[0-9]{1,20}--?[0-9]{1,20}\.wt)$'
readonly DB_DIR_RE='^(journal|diagnostic\.data|_tmp)$'
find . -mindepth 1 -maxdepth 1 \( -name 'aws-backup-restore_*' -o -name 'chatdb-restore_*' -o -name 'chatdb-drill_*' -o -name 'aws-backup-failed-restore_*' -o -name 'aws-backup-lost+found' \) -printf '%y\t%T@\t%f\0' |
  while IFS= read -r -d '' entry; do
    type=${entry%%$'\t'*}; rest=${entry#*$'\t'}; mtime=${rest%%$'\t'*}; name=${rest#*$'\t'}
    if [[ $name =~ $RESTORE_RE ]]; then kind=restore
    elif [[ $name =~ $FLAT_RE ]]; then kind=retired
    elif [[ $name =~ $DRILL_RE ]]; then kind=drill
    elif [[ $name =~ $FAILED_RE ]]; then kind=failed_restore
    elif [ "$name" = 'aws-backup-lost+found' ]; then kind=lost_found
    else odd unexpected odd_name "$name"; continue
    fi
    if [ "$type" != d ]; then emit unexpected "not_a_directory:$type" "$name"; continue; fi
    usage=$(du -sb -- "./$name"); bytes=${usage%%$'\t'*}
    live=0
    if [ -n "$LIVE_TOP" ] && [ "$name" = "$LIVE_TOP" ]; then live=1; fi
    emit dir "$kind" "$name" "$mtime" "$bytes" "$live"
  done
# The database files a first move away from the volume root left there: only when the root holds
# a data dir, each by its exact name, files as files and directories as directories.
if [ "$(has_file ./WiredTiger)$(has_file ./storage.bson)" = 11 ]; then
  find . -mindepth 1 -maxdepth 1 \( -name 'WiredTiger*' -o -name '*.wt' -o -name storage.bson -o -name mongod.lock -o -name journal -o -name diagnostic.data -o -name _tmp \) -printf '%y\t%f\0' |
    while IFS= read -r -d '' entry; do
      type=${entry%%$'\t'*}; name=${entry#*$'\t'}
      if [[ $name =~ $DB_FILE_RE ]]; then want=f
      elif [[ $name =~ $DB_DIR_RE ]]; then want=d
      else odd unexpected odd_name "$name"; continue
      fi
      if [ "$type" != "$want" ]; then emit unexpected "not_a_$want:$type" "$name"; continue; fi
      usage=$(du -sb -- "./$name"); bytes=${usage%%$'\t'*}
      emit dbfile "$type" "$name" "$bytes"
    done
fi
emit end
