#!/usr/bin/env python3
# Copyright (c) 2026 The aileron authors
#
# Permission to use, copy, modify, and distribute this software for any
# purpose with or without fee is hereby granted, provided that the above
# copyright notice and this permission notice appear in all copies.
#
# THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.

# budget-users.t: who sees which budget on api.sock (GET /v1/budgets,
# issue 14, section 2): an administrator every one; a user those of their
# own user, team and projects, and the agents'; a uid that is nobody
# here, none.  Other uids run curl through setpriv, in the group aileron.

import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from aileron import TAP, BIN, SLOW, Service   # noqa: E402
from otheruid import require, free_uid   # noqa: E402

t = TAP()
GID = require(t)
BOB = free_uid(42520)
NOBODY = free_uid(BOB + 1)
t.plan(4)


def budgets(svc, uid):
    """GET /v1/budgets as uid (None: root): (status, {(scope, name)})."""
    argv = ["curl", "-s", "--max-time", "20", "--unix-socket",
            svc.path("api.sock"), "-w", "\n%{http_code}",
            "http://aileron/v1/budgets"]
    if uid is not None:
        argv = ["setpriv", "--reuid=%d" % uid, "--regid=%d" % GID,
                "--clear-groups"] + argv
    p = subprocess.run(argv, capture_output=True, timeout=60 * SLOW)
    out, _, code = p.stdout.decode().rpartition("\n")
    try:
        j = json.loads(out)
        return int(code), {(b["scope"], b["name"]) for b in
                           j.get("budgets", [])}
    except (ValueError, KeyError, TypeError):
        return int(code or 0), out


svc = Service(conf='user "bob" uid %d\n'
              'budget user "bob" 1000 tokens per day\n'
              'budget user "carol" 1000 tokens per day\n'
              'budget team "eng" 5000 tokens per week\n'
              'budget team "ops" 5000 tokens per week\n'
              'budget project "p1" 9000 tokens per month\n'
              'budget project "p2" 9000 tokens per month\n'
              'budget agent "claude" 9000 tokens per month\n' % BOB)
try:
    svc.start(["-X"])
    os.chmod(svc.state, 0o711)
    r = subprocess.run([BIN, "user", "add", "bob", "--team", "eng",
                        "--project", "p1", "-s", svc.state],
                       capture_output=True, timeout=60 * SLOW)
    if r.returncode != 0:
        raise RuntimeError("user add: %s" % r.stderr)
    every = {("user", "bob"), ("user", "carol"), ("team", "eng"),
             ("team", "ops"), ("project", "p1"), ("project", "p2"),
             ("agent", "claude")}
    t.is_(budgets(svc, None), (200, every), "an administrator sees every "
          "budget")
    t.is_(budgets(svc, BOB), (200, {("user", "bob"), ("team", "eng"),
                                    ("project", "p1"),
                                    ("agent", "claude")}),
          "bob sees his own, his team's, his project's and the agents'")
    st, got = budgets(svc, NOBODY)
    t.is_(st, 403, "a uid that is nobody here: 403")
    r = subprocess.run(["setpriv", "--reuid=%d" % BOB, "--regid=%d" % GID,
                        "--clear-groups", BIN, "budget", "-s", svc.state],
                       capture_output=True, timeout=60 * SLOW)
    out = r.stdout.decode()
    t.ok(r.returncode == 0 and "user bob" in out and "carol" not in out and
         "ops" not in out, "aileron budget as bob: the same", out +
         r.stderr.decode())
finally:
    svc.stop()
    svc.remove()
t.done()
