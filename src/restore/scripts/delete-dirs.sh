# delete-dirs: the functions; scripts.ts appends one `precheck` per name, then one `delete_one`
# per name, so nothing is deleted unless every name passes. Never LIVE_TOP.
precheck() {
  if [ -n "$LIVE_TOP" ] && [ "$1" = "$LIVE_TOP" ]; then fail touches_live_root "refusing to delete $1: it holds the live root"; fi
  if [ -L "./$1" ]; then fail not_a_directory "$1 is a symbolic link; nothing was deleted"; fi
  if [ -e "./$1" ] && [ ! -d "./$1" ]; then fail not_a_directory "$1 is not a directory; nothing was deleted"; fi
}
delete_one() {
  if [ ! -e "./$1" ]; then emit absent "$1"; return; fi
  rm -rf -- "./$1"
  if [ -e "./$1" ]; then fail delete_incomplete "$1 still exists after rm -rf"; fi
  emit deleted "$1"
}
