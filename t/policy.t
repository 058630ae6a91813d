#!/usr/bin/env python3
# Copyright (c) 2026 The aileron authors
#
# Permission to use, copy, modify, and distribute this software for any
# purpose with or without fee is hereby granted, provided that the above
# copyright notice and this permission notice appear in all copies.
#
# THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.

# Policy and sessions with the real service and the proxy: a deny rule
# refuses what the spec allows, a user's allow beats the team's deny, an
# approval the spec requires is asked for whatever a worker claims, and
# "aileron policy check" agrees with what the proxy did; sessions are
# listed to whom they belong (the uid that started them, or the
# administrator), and an idle session expires (its token then gets 407).

import datetime
import json
import os
import re
import socket
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from aileron import TAP, SLOW, BIN, wait_for              # noqa: E402
from proxyenv import ProxyEnv, MASTER, exchange, cli      # noqa: E402

t = TAP()
if os.geteuid() != 0:
    t.skip_all("needs root: the service drops to _aileron")
t.plan(39)

NOBODY = 65534
CONF = ('policy "echo.echo_post" deny\n'
        'policy "echo.danger" deny for team "support"\n'
        'policy "echo.danger" allow for user "root"\n'
        'policy "echo.no_such_action" deny\n'
        # The other uid below is bob: an unmapped uid gets 403.
        'user "bob" uid 65534\n'
        # An approval nobody grants ends fast (t/approval.t grants).
        'approval timeout 1\n')
DANGER = (b"POST /danger HTTP/1.1\r\nHost: echo.test\r\n"
          b"Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")
POST = (b"POST /echo HTTP/1.1\r\nHost: echo.test\r\n"
        b"Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")


def start(E, user=None, team=None):
    args = ["session", "start", "--agent", "tests", "--json",
            "--key-fd", "KEYFD"]
    if user:
        args += ["--user", user]
    if team:
        args += ["--team", team]
    rc, out, err = cli(E.svc, args, [MASTER])
    if rc != 0:
        raise RuntimeError("session start: " + out + err)
    return json.loads(out)


def request(E, sess, data):
    """One request through the proxy as sess: (status, body)."""
    E.session = sess        # its CA and token
    tls = E.connect(token=sess["token"])
    if isinstance(tls, tuple):
        return tls[0], tls[1]
    try:
        st, hdrs, body = exchange(tls, data)
    finally:
        tls.close()
    return st, body


def check(E, action, user, team):
    rc, out, err = cli(E.svc, ["policy", "check", action, "--user", user,
                               "--team", team, "--json"])
    return json.loads(out) if rc == 0 else {"rc": rc, "err": err}


def raw_api(sock, data, uid=None):
    """A raw request to api.sock, as uid when given: (status, body)."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(r)
            if uid is not None:
                os.setgroups([])
                os.setresgid(uid, uid, uid)
                os.setresuid(uid, uid, uid)
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(15 * SLOW)
            s.connect(sock)
            s.sendall(data)
            reply = b""
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    break
                reply += chunk
            os.write(w, reply)
        finally:
            os._exit(0)
    os.close(w)
    reply = b""
    while True:
        chunk = os.read(r, 65536)
        if not chunk:
            break
        reply += chunk
    os.close(r)
    os.waitpid(pid, 0)
    head, _, body = reply.partition(b"\r\n\r\n")
    m = re.match(rb"HTTP/1\.1 (\d+) ", head)
    return (int(m.group(1)) if m else 0), body


def get(path):
    return b"GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % path.encode()


def as_nobody(E, args):
    """aileron ARGS -s STATE as uid 65534: (rc, stdout, stderr)."""
    p = subprocess.run(["setpriv", "--reuid=%d" % NOBODY,
                        "--regid=%d" % NOBODY, "--clear-groups", BIN] +
                       args + ["-s", E.svc.state], capture_output=True,
                       timeout=60 * SLOW)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


E = ProxyEnv(extra_conf=CONF)
try:
    E.vault()
    rc, out, err = cli(E.svc, ["vault", "init", "--user", "bob",
                               "--key-fd", "KEYFD", "--kdf-n", "16384"],
                       [MASTER])
    t.is_(rc, 0, "bob has a vault too")
    t.ok(E.svc.wait_log(r"aileron\.conf:\d+: policy \"echo\.no_such_action\" "
                        r"names no action"),
         "a policy line naming no action is warned about, with its line")
    A = start(E, team="support")                 # root, support
    B = start(E, user="bob", team="support")     # bob, support
    C = start(E, user="bob", team="infra")       # bob, infra

    # ---- decisions, and policy check beside them -----------------------
    E.upstream.take()
    st, body = request(E, A, POST)
    t.ok(st == 403 and b"aileron:denied" in body,
         "a deny rule refuses echo.echo_post, which the spec allows",
         body[:300])
    c = check(E, "echo.echo_post", "root", "support")
    with open(E.svc.path("aileron.conf")) as f:
        line = [n for n, l in enumerate(f, 1) if "echo.echo_post" in l]
    t.ok(c.get("decision") == "deny" and c["rule"] and
         c["rule"]["where"] == "%s:%d" % (E.svc.path("aileron.conf"),
                                          line[0]),
         "policy check: deny, by the rule's file:line", c)
    st, body = request(E, A, DANGER)
    t.is_(st, 200, "root's allow beats the deny for team support: "
          "echo.danger is forwarded")
    t.is_(len(E.upstream.take()), 1, "... and reached the upstream once")
    c = check(E, "echo.danger", "root", "support")
    t.ok(c.get("decision") == "allow" and c["rule"]["scope"] == "user",
         "policy check agrees: allow, by the user's rule", c)
    st, body = request(E, B, DANGER)
    t.ok(st == 403 and b"aileron:denied" in body,
         "bob in team support is denied echo.danger", body[:300])
    c = check(E, "echo.danger", "bob", "support")
    t.ok(c.get("decision") == "deny" and c["rule"]["scope"] == "team",
         "policy check agrees: deny, by the team's rule", c)
    st, body = request(E, C, DANGER)
    t.ok(st == 403 and b"aileron:approval-expired" in body,
         "bob in team infra needs an approval (the spec's default): it "
         "waits, and nobody grants it in time", body[:300])
    c = check(E, "echo.danger", "bob", "infra")
    t.ok(c.get("decision") == "approve" and c["rule"] is None and
         c["approval"] is True,
         "policy check agrees: approve, the spec's default", c)
    rc, out, err = cli(E.svc, ["policy", "check", "echo.danger"])
    t.is_(out.strip(), "echo.danger: approve, default from the spec echo "
          "(approval required)", "policy check's words for a default")
    rc, out, err = cli(E.svc, ["policy", "check", "echo.danger", "--user",
                               "root"])
    t.like(out, r"^echo\.danger: allow, by the rule at \S+:\d+: policy "
           r"\"echo\.danger\" allow for user \"root\"$",
           "policy check names the rule and its file:line")
    st, body = request(E, A, b"GET /echo HTTP/1.1\r\nHost: echo.test\r\n\r\n")
    t.is_(st, 200, "an action without a rule nor approval is allowed")
    t.is_(len(E.upstream.take()), 1, "only the allowed requests reached the "
          "upstream")
    rc, out, err = cli(E.svc, ["policy", "check", "stripe.create_charge"])
    t.ok(rc == 1 and "echo" in err and "stripe.create_charge" in err,
         "an unknown action is an error naming the known connectors", err)

    # ---- a worker's claim about approval is not read -------------------
    sock = E.svc.info["api_socket"]
    body = json.dumps({"tokens": [C["token"]], "policy": [
        {"connector": "echo", "action": "danger", "approval": 0},
        {"connector": "echo", "action": "echo_get", "approval": 1},
        {"connector": "echo", "action": "nothing", "approval": 0}]}).encode()
    st, out = raw_api(sock, b"POST /v1/test/proxy HTTP/1.1\r\nHost: x\r\n"
                      b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
    r = json.loads(out) if st == 200 else {}
    t.is_(r.get("policy", [None])[0], {"verdict": 2,
          "reason": "aileron:approval-required"},
          "a worker claiming approval=0 for echo.danger gets APPROVE")
    t.is_(r.get("policy", [None, None])[1], {"verdict": 0, "reason": ""},
          "one claiming approval=1 for echo.echo_get gets ALLOW")
    t.is_(r.get("policy", [None] * 3)[2], {"verdict": 1,
          "reason": "aileron:denied"}, "an action of no spec: DENY")

    # ---- actions list --connector --------------------------------------
    rc, out, err = cli(E.svc, ["actions", "list", "--connector", "echo",
                               "--json"])
    names = [a.get("action") for a in json.loads(out).get("actions", [])] \
        if rc == 0 else []
    t.ok(rc == 0 and "danger" in names and "echo_get" in names,
         "actions list --connector echo lists echo's actions", out[:300])
    rc, out, err = cli(E.svc, ["actions", "list", "--connector", "nope"])
    t.ok(rc == 1 and "echo" in err, "an unknown connector names the known "
         "ones", err)

    # ---- session list and info -----------------------------------------
    rc, out, err = cli(E.svc, ["session", "list", "--json"])
    lst = json.loads(out) if rc == 0 else []
    ids = {s["session"] for s in lst}
    t.ok({A["session"], B["session"], C["session"]} <= ids,
         "the administrator lists every session", out[:400])
    t.ok(all(x["token"] not in out for x in (A, B, C)) and
         all("token" not in x for x in lst), "no token in the listing")
    rc, out, err = cli(E.svc, ["session", "info", B["session"], "--json"])
    i = json.loads(out) if rc == 0 else {}
    t.ok(i.get("user") == "bob" and i.get("team") == "support" and
         i.get("agent") == "tests" and i.get("uid") == 0 and
         all(re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", i.get(k, ""))
             for k in ("started", "used", "expires")) and
         i["started"] <= i["used"] <= i["expires"],
         "session info: user, team, agent, uid, started, used, expires", i)
    env = dict(os.environ, AILERON_SESSION=C["session"])
    rc, out, err = cli(E.svc, ["session", "info"], env=env)
    t.ok(rc == 0 and C["session"] in out and "infra" in out and
         C["token"] not in out, "session info without an id: "
         "$AILERON_SESSION's", out + err)
    env.pop("AILERON_SESSION")
    rc, out, err = cli(E.svc, ["session", "info"], env=env)
    t.is_(rc, 2, "session info without an id nor AILERON_SESSION: a usage "
          "error")

    # Another uid: api.sock and the state directory are opened to it
    # here as the service's group will open them.
    os.chmod(E.svc.state, 0o755)
    for f in ("service.json", "service.lock"):
        os.chmod(os.path.join(E.svc.state, f), 0o644)
    os.chmod(sock, 0o666)
    rc, out, err = as_nobody(E, ["session", "list", "--json"])
    t.ok(rc == 0 and json.loads(out) == [],
         "another uid sees none of root's sessions", out + err)
    body = json.dumps({"user": "bob", "agent": "nobody's"}).encode()
    st, out = raw_api(sock, b"POST /v1/sessions HTTP/1.1\r\nHost: x\r\n"
                      b"Content-Length: %d\r\n\r\n%s" % (len(body), body),
                      uid=NOBODY)
    N = json.loads(out) if st == 201 else {}
    t.is_(st, 201, "another uid starts a session")
    rc, out, err = as_nobody(E, ["session", "list", "--json"])
    lst = json.loads(out) if rc == 0 else []
    t.ok([s["session"] for s in lst] == [N.get("session")] and
         lst[0]["uid"] == NOBODY and N.get("token", "-") not in out,
         "that uid lists its own session only", out + err)
    rc, out, err = as_nobody(E, ["session", "info", A["session"]])
    t.ok(rc == 1 and "another user" in err,
         "that uid may not see root's session", err)
    st, out = raw_api(sock, get("/v1/sessions/" + A["session"]), uid=NOBODY)
    t.is_(st, 403, "GET /v1/sessions/ID of another's session: 403")
    rc, out, err = cli(E.svc, ["session", "list", "--json"])
    t.ok(rc == 0 and N.get("session") in out,
         "the administrator sees that uid's session too")
    st, out = raw_api(sock, get("/v1/sessions/" + "0" * 32))
    t.is_(st, 404, "GET /v1/sessions/ID of no session: 404")
finally:
    E.close()

# ---- expiry ---------------------------------------------------------------
E = ProxyEnv(extra_conf="session idle 2s\nsession max 30d\n")
try:
    E.vault()
    S = start(E)
    # The session CA outlives the longest session: session max and an hour.
    exp = S.get("ca_expires", "")
    try:
        left = (datetime.datetime.strptime(exp, "%Y-%m-%dT%H:%M:%SZ") -
                datetime.datetime.utcnow()).total_seconds()
    except ValueError:
        left = 0
    t.ok(30 * 86400 < left <= 30 * 86400 + 3600 + 60,
         "with session max 30d the session CA expires in 30 days and an "
         "hour", exp)
    rc, out, err = cli(E.svc, ["session", "info", S.get("session", "x")])
    t.ok(rc == 0 and re.search(r"(?m)^ca expires\s+%s$" % re.escape(exp),
                               out),
         "aileron session info prints the CA's expiry", out + err)
    st, body = request(E, S, b"GET /echo HTTP/1.1\r\nHost: echo.test\r\n\r\n")
    t.is_(st, 200, "a session with session idle 2s works at first")
    # Every AUTH is a use: look at the token only once it should be gone.
    t.ok(E.svc.wait_log(r"session %s of user \S+ expired \(idle" %
                        S["session"], timeout=20),
         "left idle, the session expires, logged as idle")
    c = E.connect(token=S["token"])
    t.is_(c[0] if isinstance(c, tuple) else 200, 407,
          "... and its token gets 407")
    rc, out, err = cli(E.svc, ["session", "info", S["session"]])
    t.ok(rc == 1 and "no session" in err,
         "session info no longer finds it", err)
finally:
    E.close()
t.done()
