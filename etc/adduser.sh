#!/bin/sh
# Create the unprivileged _aileron system user the service drops to, when run
# as root and the user does not exist yet.  As non-root it does nothing.

[ "$(id -u)" -eq 0 ] || exit 0
getent passwd _aileron >/dev/null 2>&1 && exit 0
adduser --system --group --no-create-home --home /nonexistent \
    --quiet _aileron || { echo "adduser.sh: cannot create _aileron" >&2; exit 1; }
