# list-restore-dirs: the top-level aws-backup-restore_* directories with their mtimes.
find . -mindepth 1 -maxdepth 1 -name 'aws-backup-restore_*' -printf '%y\t%T@\t%f\0' |
  while IFS= read -r -d '' entry; do
    type=${entry%%$'\t'*}; rest=${entry#*$'\t'}; mtime=${rest%%$'\t'*}; name=${rest#*$'\t'}
    if ! [[ $name =~ $RESTORE_RE ]]; then odd unexpected odd_name "$name"; continue; fi
    if [ "$type" != d ]; then emit unexpected "not_a_directory:$type" "$name"; continue; fi
    emit dir "$name" "$mtime"
  done
emit end
