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
import json
import os
import pwd
import subprocess

from aileron import SLOW


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


def as_uid(uid, gid, argv, pass_fds=()):
    """argv run as uid, in the group gid alone."""
    return subprocess.run(["setpriv", "--reuid=%d" % uid, "--regid=%d" % gid,
                           "--clear-groups"] + argv, capture_output=True,
                          pass_fds=pass_fds, timeout=60 * SLOW)


def api(svc, uid, gid, method, path, body=None):
    """One request on api.sock as uid (None: root): (status, JSON)."""
    argv = ["curl", "-s", "--max-time", "20", "--unix-socket",
            svc.path("api.sock"), "-X", method, "-w", "\n%{http_code}",
            "http://aileron" + path]
    if body is not None:
        argv += ["-H", "Content-Type: application/json", "--data-binary",
                 json.dumps(body)]
    p = as_uid(uid, gid, argv) if uid is not None else \
        subprocess.run(argv, capture_output=True, timeout=60 * SLOW)
    out, _, code = p.stdout.decode().rpartition("\n")
    try:
        return int(code), json.loads(out) if out else None
    except ValueError:
        return int(code or 0), out
