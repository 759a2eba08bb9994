# flatten: renames the data dir FROM (inside the top-level restore dir RESTORE) to the top-level TO
# (a restore's chatdb-restore_… or a drill's chatdb-drill_…),
# never touching the live root LIVE ('' when it is the volume root); safe to run again after a crash.
within() { [ "$1" = "$2" ] || [[ $1 == "$2"/* ]]; }
if [ -n "$LIVE" ] && { within "$FROM" "$LIVE" || within "$LIVE" "$RESTORE" || within "$LIVE" "$TO"; }; then
  fail touches_live_root "refusing: $FROM or $TO touches the live root /$LIVE"
fi
if [ -e "./$TO" ] || [ -L "./$TO" ]; then
  # The source counts as gone once it holds no database files: after a whole-volume restore its
  # shell can come back holding only the stale chains moved aside.
  if [ -e "./$FROM/WiredTiger" ] || [ -e "./$FROM/storage.bson" ] || [ -L "./$FROM" ]; then
    fail target_exists "$TO already exists and $FROM still holds a data dir; refusing to overwrite either"
  fi
  check_real "$TO"
  [ -d "./$TO" ] || fail not_a_directory "$TO exists and is not a directory"
  if [ "$(has_file "./$TO/WiredTiger")$(has_file "./$TO/storage.bson")" != 11 ]; then
    fail target_exists "$TO already exists and holds no MongoDB data dir"
  fi
  already=1
else
  [ -e "./$FROM" ] || [ -L "./$FROM" ] || fail source_missing "$FROM does not exist under $MOUNT"
  check_real "$FROM"
  [ -d "./$FROM" ] || fail not_a_directory "$FROM is not a directory"
  if [ "$(has_file "./$FROM/WiredTiger")$(has_file "./$FROM/storage.bson")" != 11 ]; then
    fail not_a_data_dir "$FROM has no WiredTiger and storage.bson"
  fi
  # Same file system: a rename, instant whatever the size.
  mv -T -- "./$FROM" "./$TO"
  already=0
fi
emit moved "$FROM" "$TO" "$already"
# Stale chains the data dir carried (a whole-volume restore of a point taken while the database
# lived at the volume root) go back into the restore dir, left there for cleanup.
find "./$TO" -mindepth 1 -maxdepth 1 \( -name 'aws-backup-restore_*' -o -name 'chatdb-restore_*' -o -name 'chatdb-drill_*' \) -printf '%f\0' |
  while IFS= read -r -d '' name; do
    if ! [[ $name =~ $NAME_RE ]]; then odd aside_skipped odd_name "$name"; continue; fi
    if [ -L "./$TO/$name" ] || [ ! -d "./$TO/$name" ]; then emit aside_skipped not_a_directory "$name"; continue; fi
    # A whole-volume restore can hold the same chain twice (beside the data dir and inside it).
    dest=$RESTORE
    if [ -e "./$RESTORE/$name" ] || [ -L "./$RESTORE/$name" ]; then dest=$RESTORE/$TO; fi
    if [ -e "./$dest/$name" ] || [ -L "./$dest/$name" ]; then emit aside_skipped exists "$name"; continue; fi
    mkdir -p -- "./$dest"
    mv -T -- "./$TO/$name" "./$dest/$name"
    emit moved_aside "$dest/$name"
  done
removed=0
if [ -d "./$RESTORE" ] && [ ! -L "./$RESTORE" ]; then
  removed=$(find "./$RESTORE" -depth -type d -empty -printf x -delete | wc -c)
fi
emit shells_removed "$removed"
if [ -d "./$RESTORE" ] && [ ! -L "./$RESTORE" ]; then
  find "./$RESTORE" -mindepth 1 -maxdepth 1 -printf '%f\0' |
    while IFS= read -r -d '' name; do
      if [[ $name =~ $NAME_RE ]]; then emit leftover "$RESTORE/$name"; else odd leftover_odd "$RESTORE" "$name"; fi
    done
fi
counts=$(stats "./$TO")
emit target "$TO" "$counts"
emit end
