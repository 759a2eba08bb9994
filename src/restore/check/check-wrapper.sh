# chatdb-restore's check of a restored MongoDB data directory, run by `sh -c` as the command of a
# one-off ECS task of the chat-db image (POSIX sh: the image may have no bash).
#
# It starts mongod standalone on the data directory, on a private port bound to 127.0.0.1 (with
# host networking, the production mongod may hold 27017 on the same host); WiredTiger's recovery
# happens here. Once mongod accepts connections it runs the check script (mongo-check.js) in the
# image's own shell, mongosh or the legacy mongo, then shuts mongod down cleanly (SIGTERM) and
# waits for it. mongod logs to stdout, so its own words reach the task's CloudWatch Logs stream.
#
# Input, from the task definition's environment; nothing is interpolated into this text:
#   CHATDB_CHECK_DB      database name, [A-Za-z0-9_-], 1 to 63 characters (checked again here)
#   CHATDB_CHECK_DBPATH  the data directory inside the container (an absolute path)
#   CHATDB_CHECK_JS      the text of mongo-check.js
#   CHATDB_CHECK_START_SECONDS  how long mongod may take to accept connections (default 900)
#
# Output: mongod's log, then one line `CHATDB_CHECK {json}`: the check script's report, or, when
# it never ran or mongod did not stop cleanly, this script's own with `stage` start or shutdown.
# Exit status: 0 clean report; 1 the check found a problem; 2 mongod exited before accepting
# connections; 3 mongod did not accept connections in time; 4 no mongo shell in the image;
# 5 bad input; 6 mongod did not shut down cleanly.

set -u
PORT=27999

report() {
  # $1 stage, $2 code, $3 a number (mongod's exit status or seconds waited).
  printf 'CHATDB_CHECK {"v":1,"stage":"%s","ok":false,"code":"%s","detail":%d}\n' "$1" "$2" "$3"
}

db=${CHATDB_CHECK_DB:-rocketchat}
dbpath=${CHATDB_CHECK_DBPATH:-}
start_seconds=${CHATDB_CHECK_START_SECONDS:-900}
case $db in
  '' | *[!A-Za-z0-9_-]*) report start bad_database_name 0; exit 5 ;;
esac
if [ "${#db}" -gt 63 ]; then report start bad_database_name 0; exit 5; fi
case $dbpath in
  /*) ;;
  *) report start bad_dbpath 0; exit 5 ;;
esac
case $dbpath in
  *[!A-Za-z0-9/._-]* | */../* | */..) report start bad_dbpath 0; exit 5 ;;
esac
case $start_seconds in
  '' | *[!0-9]*) report start bad_start_seconds 0; exit 5 ;;
esac
if [ ! -d "$dbpath" ]; then report start dbpath_missing 0; exit 5; fi
if [ -z "${CHATDB_CHECK_JS:-}" ]; then report start check_script_missing 0; exit 5; fi

if command -v mongosh >/dev/null 2>&1; then
  shell=mongosh
elif command -v mongo >/dev/null 2>&1; then
  shell=mongo
else
  report start no_mongo_shell 0
  exit 4
fi

work=$(mktemp -d) || { report start no_temp_dir 0; exit 5; }
script="$work/check.js"
{
  printf "var CHATDB_CHECK_DB = '%s';\n" "$db"
  printf '%s\n' "$CHATDB_CHECK_JS"
  printf 'quit(chatdbCheckMain(db, CHATDB_CHECK_DB));\n'
} >"$script"

# Run mongod as the data directory's owner: files a root mongod creates or rewrites would be
# root's, and the production mongod (the image's mongodb user) could then not open them.
owner=$(stat -c '%u:%g' "$dbpath")
as_owner=''
if [ "$(id -u)" = 0 ] && [ "$owner" != '0:0' ]; then
  if command -v gosu >/dev/null 2>&1; then
    as_owner="gosu $owner"
  elif command -v setpriv >/dev/null 2>&1; then
    as_owner="setpriv --reuid=${owner%%:*} --regid=${owner##*:} --clear-groups"
  fi
fi

# $as_owner is empty or words built above from numbers only: split on purpose.
# shellcheck disable=SC2086
$as_owner mongod --dbpath "$dbpath" --port "$PORT" --bind_ip 127.0.0.1 --nounixsocket &
mongod_pid=$!
# ECS stops a task with SIGTERM to PID 1, this shell: pass it on so mongod still stops cleanly.
trap 'kill -TERM "$mongod_pid" 2>/dev/null' TERM INT

waited=0
until "$shell" --quiet --host 127.0.0.1 --port "$PORT" --eval 'db.adminCommand({ ping: 1 }).ok' >/dev/null 2>&1; do
  if ! kill -0 "$mongod_pid" 2>/dev/null; then
    wait "$mongod_pid"
    report start mongod_exited "$?"
    exit 2
  fi
  if [ "$waited" -ge "$start_seconds" ]; then
    kill -TERM "$mongod_pid" 2>/dev/null
    wait "$mongod_pid"
    report start not_ready "$waited"
    exit 3
  fi
  sleep 1
  waited=$((waited + 1))
done

"$shell" --quiet --host 127.0.0.1 --port "$PORT" "$script"
status=$?
[ "$status" -eq 0 ] || status=1

kill -TERM "$mongod_pid" 2>/dev/null
wait "$mongod_pid"
stopped=$?
rm -rf "$work"
if [ "$stopped" -ne 0 ]; then
  report shutdown unclean_shutdown "$stopped"
  exit 6
fi
exit "$status"
