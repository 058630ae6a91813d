# Copyright (c) 2026 The aileron authors
#
# Permission to use, copy, modify, and distribute this software for any
# purpose with or without fee is hereby granted, provided that the above
# copyright notice and this permission notice appear in all copies.
#
# THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.

"""otheruid.py: what the tests that play other uids on api.sock share:
root, the group aileron (api.sock's) and setpriv and curl to run as
them, and uids that no account has."""

import grp
import os
import pwd
import subprocess


def require(t):
    """The group aileron's gid; skips the whole test t without what it
    needs."""
    if os.geteuid() != 0:
        t.skip_all("needs root: other uids are played with setpriv")
    try:
        gid = grp.getgrnam("aileron").gr_gid
    except KeyError:
        t.skip_all("no group aileron; make user creates it "
                   "(etc/adduser.sh)")
    for tool in ("setpriv", "curl"):
        if subprocess.run(["sh", "-c", "command -v " + tool],
                          capture_output=True).returncode != 0:
            t.skip_all("no %s" % tool)
    return gid


def free_uid(start):
    """A uid with no account, so that only a user line can name it."""
    u = start
    while True:
        try:
            pwd.getpwuid(u)
            u += 1
        except KeyError:
            return u
