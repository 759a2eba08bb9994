# delete-dirs: the functions; scripts.ts appends one `precheck <kind> <name>` per name (d: a
# directory of cleanup's, b: a database directory, f: a database file), then one `delete_one` per
# name, so nothing is deleted unless every name passes. Never LIVE_TOP.
precheck() {
  if [ -n "$LIVE_TOP" ] && [ "$2" = "$LIVE_TOP" ]; then fail touches_live_root "refusing to delete $2: it holds the live root"; fi
  if [ -L "./$2" ]; then fail not_a_directory "$2 is a symbolic link; nothing was deleted"; fi
  if [ -z "$LIVE_TOP" ] && [ "$1" != d ]; then fail touches_live_root "refusing to delete $2: the live database is at the volume root"; fi
  if [ "$1" != f ] && [ -e "./$2" ] && [ ! -d "./$2" ]; then fail not_a_directory "$2 is not a directory; nothing was deleted"; fi
  if [ "$1" = f ] && [ -e "./$2" ] && [ ! -f "./$2" ]; then fail not_a_directory "$2 is not a regular file; nothing was deleted"; fi
}
delete_one() {
  if [ ! -e "./$1" ]; then emit absent "$1"; return; fi
  rm -rf -- "./$1"
  if [ -e "./$1" ]; then fail delete_incomplete "$1 still exists after rm -rf"; fi
  emit deleted "$1"
}
