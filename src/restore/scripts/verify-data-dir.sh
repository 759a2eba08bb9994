# verify-data-dir: REL ('' for the volume root) holds a complete MongoDB data dir.
if [ -z "$REL" ]; then dir=.; shown=/; else dir=./$REL; shown=/$REL; fi
if [ -n "$REL" ]; then
  [ -e "$dir" ] || fail data_dir_missing "$shown does not exist under $MOUNT"
  check_real "$REL"
fi
[ -d "$dir" ] || fail data_dir_missing "$shown is not a directory"
missing=
for f in WiredTiger storage.bson WiredTiger.wt; do
  if [ "$(has_file "$dir/$f")" != 1 ]; then missing="$missing $f"; fi
done
if [ -n "$missing" ]; then fail incomplete_data_dir "$shown lacks$missing"; fi
if [ ! -s "$dir/WiredTiger.wt" ]; then fail incomplete_data_dir "$shown has an empty WiredTiger.wt"; fi
counts=$(stats "$dir")
emit data_dir "$shown" "$counts"
emit end
