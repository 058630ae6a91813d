#!/bin/sh
# Create the unprivileged system users the service drops to, when run as
# root, each only if it does not exist yet: _aileron (the workers, which
# parse untrusted bytes), _aileron-control (control) and _aileron-vault
# (vaultd).  Three users, so that a compromised worker cannot signal or
# trace the processes that hold sessions and keys.  As non-root it does
# nothing.

[ "$(id -u)" -eq 0 ] || exit 0
for u in _aileron _aileron-control _aileron-vault; do
	getent passwd "$u" >/dev/null 2>&1 && continue
	adduser --system --group --no-create-home --home /nonexistent \
	    --quiet "$u" ||
	    { echo "adduser.sh: cannot create $u" >&2; exit 1; }
done
# The group "aileron": the master gives it api.sock (mode 0660), so its
# members are the people who may use the service; control then maps each
# caller's uid to an aileron user (aileron.conf(5): user lines).
getent group aileron >/dev/null 2>&1 ||
    addgroup --system --quiet aileron ||
    { echo "adduser.sh: cannot create the group aileron" >&2; exit 1; }
