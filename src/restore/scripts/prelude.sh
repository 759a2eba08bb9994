# Sent first in every script (scripts.ts builds them): strict mode, the output protocol's emit,
# fail and odd, the loose name patterns (names.ts's LOOSE_*; a test keeps them equal) and helpers.
# The values follow it, each checked against a strict pattern, single-quoted and readonly.
# shellcheck disable=SC2034 # each script uses some of the patterns, none uses all
set -Eeuo pipefail
export LC_ALL=C
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
trap 'printf "CHATDB_ERROR\tscript_failed\tcommand failed with status %s at line %s\n" "$?" "$LINENO"; exit 70' ERR
emit() { local IFS=$'\t'; printf 'CHATDB\t%s\n' "$*"; }
fail() { printf 'CHATDB_ERROR\t%s\t%s\n' "$1" "$2"; exit 3; }
# A name from the disk that fails our patterns is only ever printed %q-quoted, on one line.
odd() { printf 'CHATDB\t%s\t%s\t%q\n' "$1" "$2" "$3"; }
readonly RESTORE_RE='^aws-backup-restore_[A-Za-z0-9][A-Za-z0-9._-]{0,200}$'
readonly FLAT_RE='^chatdb-restore_[A-Za-z0-9][A-Za-z0-9._-]{0,200}$'
readonly DRILL_RE='^chatdb-drill_[A-Za-z0-9][A-Za-z0-9._-]{0,200}$'
readonly NAME_RE='^[A-Za-z0-9_][A-Za-z0-9._-]{0,254}$'
readonly REL_RE='^[A-Za-z0-9_][A-Za-z0-9._-]{0,254}(/[A-Za-z0-9_][A-Za-z0-9._-]{0,254})*$'
# files, bytes, WiredTiger files and the newest WiredTiger mtime of a data dir, leaving out any
# restore chains nested in it; no file names are printed, so odd names cannot skew the counts.
stats() {
  ( cd -- "$1" && find . -mindepth 1 \( -path './aws-backup-restore_*' -o -path './chatdb-restore_*' -o -path './chatdb-drill_*' \) -prune \
      -o -type f \( \( -name '*.wt' -o -name 'WiredTiger*' \) -printf 'w\t%s\t%T@\n' -o -printf 'f\t%s\t%T@\n' \) ) |
    awk -F'\t' 'BEGIN { n = 0; s = 0; w = 0; m = "0" } { n++; s += $2; if ($1 == "w") { w++; if ($3 + 0 > m + 0) m = $3 } } END { printf "%d\t%.0f\t%d\t%s\n", n, s, w, m }'
}
# 1 when a regular file (not a symlink) exists, else 0.
has_file() { if [ -f "$1" ] && [ ! -L "$1" ]; then echo 1; else echo 0; fi; }
# Refuses to follow a symbolic link anywhere along a relative path.
check_real() {
  local path=. rest=$1 part
  while [ -n "$rest" ]; do
    part=${rest%%/*}
    if [ "$part" = "$rest" ]; then rest=; else rest=${rest#*/}; fi
    path=$path/$part
    if [ -L "$path" ]; then fail symlink_in_path "$path is a symbolic link; refusing to follow it"; fi
  done
}
