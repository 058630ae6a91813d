#!/usr/bin/env python3
# Copyright (c) 2026 The aileron authors
#
# Permission to use, copy, modify, and distribute this software for any
# purpose with or without fee is hereby granted, provided that the above
# copyright notice and this permission notice appear in all copies.
#
# THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.

# users-api.t: who is who on api.sock, users and user tokens.  api.sock
# is 0660, group aileron; a uid that is no aileron user gets 403 on every
# endpoint; a user line maps a uid; a login name maps once an
# administrator added that user; a non-administrator starts sessions
# only for themselves, and a session takes its user's team (another
# team, or a project not theirs, only an administrator names); user add
# and list; a user token is printed once, rotates (its id and time change),
# appears in no log, opens nothing through the proxy, and persists,
# like the users, across a restart.
# Other uids run the CLI and curl through setpriv, in the group aileron.

import base64
import json
import os
import pwd
import re
import socket
import stat
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from aileron import TAP, BIN, SLOW, Service, wait_for   # noqa: E402
import otheruid  # noqa: E402
from otheruid import require, free_uid   # noqa: E402

MASTER = "users-api test master key"

t = TAP()
GID = require(t)
BOB = free_uid(42420)                   # mapped by a user line
NOBODY = free_uid(BOB + 1)              # nobody at all
LOGIN = pwd.getpwnam("nobody")          # an account: a login name
t.plan(41)


def as_uid(uid, argv):
    return otheruid.as_uid(uid, GID, argv)


def cli(svc, uid, *args):
    argv = [BIN] + list(args) + ["-s", svc.state]
    p = as_uid(uid, argv) if uid is not None else \
        subprocess.run(argv, capture_output=True, timeout=60 * SLOW)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def cli_key(svc, uid, *args):
    """As cli(), with the master key on a descriptor (--key-fd)."""
    r, w = os.pipe()
    os.write(w, (MASTER + "\n").encode())
    os.close(w)
    argv = [BIN] + list(args) + ["--key-fd", str(r), "-s", svc.state]
    try:
        p = otheruid.as_uid(uid, GID, argv, pass_fds=(r,))
    finally:
        os.close(r)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def api(svc, uid, method, path, body=None):
    return otheruid.api(svc, uid, GID, method, path, body)


# Run as another uid: start sessions on api.sock (argv[1]) until 65, then
# end those started; prints {"status": [...], "title": ..., "ended": N}.
MANY = r"""
import http.client, json, socket, sys
class C(http.client.HTTPConnection):
    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.connect(sys.argv[1])
def call(method, path, body=None):
    c = C("aileron", timeout=20)
    c.request(method, path, body=json.dumps(body) if body else None,
              headers={"Content-Type": "application/json"})
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, json.loads(data) if data else {}
out = {"status": [], "title": "", "ended": 0}
ids = []
for i in range(65):
    st, j = call("POST", "/v1/sessions", {"agent": "many"})
    out["status"].append(st)
    if st == 201:
        ids.append(j["session"])
    else:
        out["title"] = j.get("title", "")
for i in ids:
    if call("DELETE", "/v1/sessions/" + i)[0] == 204:
        out["ended"] += 1
print(json.dumps(out))
"""


def start(svc):
    svc.start(["-X"])
    # Other uids reach api.sock and service.json, not the rest.
    os.chmod(svc.state, 0o711)


svc = Service(conf='user "bob" uid %d\n' % BOB)
try:
    start(svc)
    st = os.stat(svc.path("api.sock"))
    t.ok(stat.S_IMODE(st.st_mode) == 0o660 and st.st_gid == GID,
         "api.sock is 0660, group aileron")

    # Nobody: 403 everywhere, before anything else is looked at.
    rc, out, err = cli(svc, NOBODY, "user", "list")
    t.ok(rc == 1 and "uid %d is no aileron user" % NOBODY in err,
         "an unmapped uid: user list refused, saying why", err)
    for method, path in (("GET", "/v1/users/me"), ("POST", "/v1/sessions"),
                         ("DELETE", "/v1/sessions/" + "0" * 32),
                         ("GET", "/v1/no/such/thing")):
        status, body = api(svc, NOBODY, method, path,
                           {} if method == "POST" else None)
        t.is_(status, 403, "an unmapped uid: %s %s is 403" % (method, path))
    status, _ = api(svc, LOGIN.pw_uid, "GET", "/v1/users/me")
    t.is_(status, 403, "a login name alone maps to nobody")

    # The user line.
    status, me = api(svc, BOB, "GET", "/v1/users/me")
    t.ok(status == 200 and me.get("user") == "bob" and not me["admin"],
         "a user line maps uid %d to bob, no administrator" % BOB, me)
    status, me = api(svc, None, "GET", "/v1/users/me")
    t.ok(status == 200 and me.get("admin") is True,
         "root is an administrator", me)

    # Users: an administrator's act.
    rc, out, err = cli(svc, None, "user", "add", "alice", "--team", "eng",
                       "--project", "p1", "--project", "p2")
    t.is_(rc, 0, "root adds alice" + err)
    rc, out, err = cli(svc, None, "user", "add", "alice", "--team", "eng")
    t.ok(rc == 1 and "exists" in err, "a second alice is refused", err)
    rc, out, err = cli(svc, BOB, "user", "add", "carol", "--team", "eng")
    t.ok(rc == 1 and "only an administrator" in err,
         "bob may not add users", err)
    rc, out, err = cli(svc, None, "user", "add", "bob", "--team", "qa")
    rc, out, err = cli(svc, None, "user", "add", LOGIN.pw_name, "--team",
                       "ops")
    status, me = api(svc, LOGIN.pw_uid, "GET", "/v1/users/me")
    t.ok(status == 200 and me.get("user") == LOGIN.pw_name,
         "added, the login name %s maps" % LOGIN.pw_name, me)
    rc, out, err = cli(svc, BOB, "user", "list", "--json")
    users = {u["name"]: u for u in json.loads(out or "{}").get("users",
                                                               [])}
    t.ok(rc == 0 and users.get("alice", {}).get("team") == "eng" and
         users["alice"]["projects"] == ["p1", "p2"] and "bob" in users,
         "user list, by a user: alice's team and projects", out + err)
    rc, out, err = cli(svc, None, "user", "add", "x", "--team", "eng",
                       "--bogus")
    t.is_(rc, 2, "an unknown option is a usage error")

    # Sessions: one's own only, with one's team.
    status, body = api(svc, BOB, "POST", "/v1/sessions", {"user": "alice"})
    t.ok(status == 403 and "only an administrator" in body.get("title", ""),
         "bob may not start a session for alice", body)
    status, own = api(svc, BOB, "POST", "/v1/sessions", {"agent": "a"})
    t.is_(status, 201, "bob starts his own session (the default user)")
    status, res = api(svc, None, "POST", "/v1/test/proxy",
                      {"tokens": [own.get("token", "")]})
    auth = res["auth"][0] if status == 200 else {}
    t.ok(auth.get("user") == "bob" and auth.get("team") == "qa",
         "it is bob's, with bob's team", res)
    # Policy and budgets go by team and project: only one's own.
    status, body = api(svc, BOB, "POST", "/v1/sessions",
                       {"agent": "a", "team": "eng"})
    t.ok(status == 403 and "of team qa" in body.get("title", "") and
         "another team" in body.get("title", ""),
         "bob may not start a session for team eng", body)
    status, body = api(svc, BOB, "POST", "/v1/sessions",
                       {"agent": "a", "project": "p1"})
    t.ok(status == 403 and "not of project p1" in body.get("title", ""),
         "nor for project p1, which is alice's, not his", body)
    status, res = api(svc, None, "POST", "/v1/sessions",
                      {"user": "alice", "team": "ops", "project": "p9"})
    t.is_(status, 201, "root starts a session for alice, team and project "
          "as named")
    status, _ = api(svc, BOB, "DELETE", "/v1/sessions/" + own["session"])
    t.is_(status, 204, "bob ends his session")

    # One user cannot take every session's room (CSESSION_PER_UID, 64):
    # bob starts 65 in one process on api.sock, then ends them.
    p = as_uid(BOB, ["python3", "-c", MANY, svc.path("api.sock")])
    many = json.loads(p.stdout or b"{}")
    st = many.get("status", [])
    t.ok(st[:64] == [201] * 64 and st[64:] == [403] and
         "as many live sessions as a user may have (64)" in
         many.get("title", ""), "bob starts 64 sessions; the 65th is "
         "refused, saying why", {"status": st, "title": many.get("title"),
                                 "err": p.stderr})
    t.ok(many.get("ended") == 64, "and ends them", many.get("ended"))

    # User tokens.
    rc, out, err = cli(svc, BOB, "user", "token")
    first = out.split("\n")[0]
    t.ok(rc == 0 and re.fullmatch(r"[0-9a-f]{64}", first),
         "user token makes and prints bob's token", out + err)
    status, tok = api(svc, BOB, "GET", "/v1/users/me/token")
    t.ok(status == 200 and "token" not in tok and
         re.fullmatch(r"[0-9a-f]{16}", tok.get("token_id", "")),
         "the API shows its id, never the token", tok)
    rc, out, err = cli(svc, BOB, "user", "token")
    t.ok(rc == 0 and first not in out and tok["token_id"] in out,
         "asked again, it is not shown again", out)
    rc, out, err = cli(svc, BOB, "user", "token", "--rotate", "--json")
    new = json.loads(out or "{}")
    t.ok(rc == 0 and re.fullmatch(r"[0-9a-f]{64}", new.get("token", ""))
         and new["token"] != first and new["token_id"] != tok["token_id"],
         "--rotate makes another token, with another id", out + err)
    status, tok2 = api(svc, BOB, "GET", "/v1/users/me/token")
    t.is_(tok2.get("token_id") if status == 200 else None,
          new.get("token_id"), "the old token is replaced")
    log = svc.log_text()
    t.ok(first not in log and new["token"] not in log,
         "no token is in the log")
    auth = base64.b64encode(("s:" + new["token"]).encode()).decode()
    with socket.create_connection(("127.0.0.1", svc.port),
                                  timeout=20 * SLOW) as c:
        c.sendall(("CONNECT echo.test:443 HTTP/1.1\r\n"
                   "Host: echo.test:443\r\n"
                   "Proxy-Authorization: Basic %s\r\n\r\n" %
                   auth).encode())
        head = b""
        while b"\r\n" not in head:
            b = c.recv(4096)
            if not b:
                break
            head += b
    t.like(head.decode(errors="replace").split("\r\n")[0],
           r"^HTTP/1\.1 407 ", "a user token opens nothing through the proxy")

    # vault.sock: a member acts as their own user, and only as that.
    st = os.stat(svc.path("vault.sock"))
    t.ok(stat.S_IMODE(st.st_mode) == 0o660 and st.st_gid == GID,
         "vault.sock is 0660, group aileron")
    rc, out, err = cli_key(svc, BOB, "vault", "init", "--user", "bob",
                           "--kdf-n", "16384")
    t.is_(rc, 0, "bob sets his own master key: vault init --user bob " + err)
    rc, out, err = cli_key(svc, BOB, "session", "start", "--json")
    sid = json.loads(out or "{}").get("session", "none") if rc == 0 else "none"
    t.ok(rc == 0 and svc.wait_log(r"user key delivered for session %s of "
                                  r"user bob" % sid),
         "and starts a session with it (his key reaches vaultd)", out + err)
    rc, out, err = cli_key(svc, BOB, "vault", "init", "--user", "alice",
                           "--kdf-n", "16384")
    t.ok(rc == 1 and "may act only as bob" in err,
         "bob may not set alice's master key", err)
    rc, out, err = cli(svc, BOB, "vault", "backup", "/tmp/aileron-nope")
    t.ok(rc == 1 and "only the service's administrator" in err and
         not os.path.exists("/tmp/aileron-nope"),
         "nor back up the vault", err)
    rc, out, err = cli_key(svc, NOBODY, "vault", "init", "--user", "nobody",
                           "--kdf-n", "16384")
    t.ok(rc != 0 and svc.wait_log(r"vault\.sock: refused uid %d: no "
                                  r"aileron user" % NOBODY),
         "an unmapped uid is refused at the door", err)

    # Persistence.
    t.is_(svc.stop(), 0, "the service stops")
    start(svc)
    rc, out, err = cli(svc, None, "user", "list", "--json")
    names = sorted(u["name"] for u in json.loads(out or "{}").get("users",
                                                                  []))
    t.is_(names, sorted(["alice", "bob", LOGIN.pw_name]),
          "after a restart, the users are there")
    status, tok3 = api(svc, BOB, "GET", "/v1/users/me/token")
    t.is_(tok3.get("token_id") if status == 200 else None,
          new.get("token_id"), "and bob's token is the rotated one")
finally:
    svc.stop()
    t.ok(wait_for(lambda: not svc.leftovers(), 10), "the service is gone")
