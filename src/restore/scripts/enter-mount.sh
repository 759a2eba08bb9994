# Sent after the values in every script: enters the volume root MOUNT, where the bodies run.
[ -d "$MOUNT" ] || fail mount_missing "$MOUNT is not a directory on the inspection host"
cd -P -- "$MOUNT" 2>/dev/null || fail mount_unreadable "cannot enter $MOUNT"
{ [ -r . ] && [ -x . ]; } || fail mount_unreadable "$MOUNT is not readable"
# The simulator maps the mount onto a plain directory, so a missing mount point only warns.
if command -v mountpoint >/dev/null 2>&1 && ! mountpoint -q -- "$MOUNT"; then
  emit warning not_a_mountpoint "$MOUNT is not a mount point"
fi
