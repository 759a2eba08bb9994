# locate-data-dir: every MongoDB data dir candidate in the restore dir RESTORE, at any depth,
# with its evidence.
[ -e "./$RESTORE" ] || [ -L "./$RESTORE" ] || fail restore_dir_missing "$RESTORE does not exist under $MOUNT"
check_real "$RESTORE"
[ -d "./$RESTORE" ] || fail not_a_directory "$RESTORE is not a directory"
# shellcheck disable=SC2164 # under set -e a failed cd reaches the ERR trap: script_failed
cd -- "./$RESTORE"
entries=$(find . -mindepth 1 -maxdepth 1 -printf x | wc -c)
emit restore_dir "$RESTORE" "$entries"
find . -type f \( -name WiredTiger -o -name storage.bson -o -name WiredTiger.wt \) -printf '%h\0' | sort -zu |
  while IFS= read -r -d '' dir; do
    if [ "$dir" = . ]; then
      rel=.; depth=0
    else
      rel=${dir#./}; slashes=${rel//[!\/]/}; depth=$(( ${#slashes} + 1 ))
      if ! [[ $rel =~ $REL_RE ]]; then odd unexpected_candidate "$depth" "$rel"; continue; fi
    fi
    wt=$(has_file "$dir/WiredTiger"); bson=$(has_file "$dir/storage.bson"); wtwt=$(has_file "$dir/WiredTiger.wt")
    wtwt_bytes=0
    if [ "$wtwt" = 1 ]; then wtwt_bytes=$(stat -c %s -- "$dir/WiredTiger.wt"); fi
    journal=0
    if [ -d "$dir/journal" ] && [ ! -L "$dir/journal" ]; then journal=1; fi
    counts=$(stats "$dir")
    emit candidate "$rel" "$depth" "$wt" "$bson" "$wtwt" "$wtwt_bytes" "$journal" "$counts"
  done
emit end
