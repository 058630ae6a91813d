#!/usr/bin/env python3
# Copyright (c) 2026 The aileron authors
#
# Permission to use, copy, modify, and distribute this software for any
# purpose with or without fee is hereby granted, provided that the above
# copyright notice and this permission notice appear in all copies.
#
# THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.

# vault-team.t: team vaults from the command line, roles enforced by
# vaultd, and which vault's credential a session gets through the proxy.
# ann creates the shared vault "eng"; carl is granted contributor (his
# key typed), rita reader (her key from her live session); a reader
# cannot add, a contributor can, only an owner grants.  rita's session
# gets eng's credential injected.  When a second shared vault, "ops",
# holds one for the same connector, the proxy refuses and names both
# vaults and the aileron.conf line to add; with the line, ops serves;
# after a revoke, ops's no longer does.

import json
import os
import signal
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from aileron import TAP, BIN, SLOW, wait_for   # noqa: E402
from proxyenv import ProxyEnv, exchange        # noqa: E402

KEYS = {"ann": "ann's master key, long enough",
        "carl": "carl's master key, long enough",
        "rita": "rita's master key, long enough"}
ENG = "sk-eng-TEAMSECRET-0123456789"
OPS = "sk-ops-TEAMSECRET-9876543210"

t = TAP()
if os.geteuid() != 0:
    t.skip_all("needs root: the service drops to its own users")
t.plan(28)


def run(svc, args, keys=(), member_keys=(), stdin=b""):
    """aileron ARGS -s STATE; KEYFD and MEMBERFD in args are replaced by
    descriptors that hold keys and member_keys: (rc, out, err)."""
    fds, close = {}, []
    for word, lines in (("KEYFD", keys), ("MEMBERFD", member_keys)):
        r, w = os.pipe()
        os.write(w, "".join(k + "\n" for k in lines).encode())
        os.close(w)
        fds[word] = r
        close.append(r)
    argv = [str(fds[a]) if a in fds else a for a in args]
    try:
        p = subprocess.run([BIN] + argv + ["-s", svc.state], input=stdin,
                           capture_output=True, pass_fds=tuple(close),
                           timeout=60 * SLOW)
    finally:
        for fd in close:
            os.close(fd)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def as_user(svc, user, args, **kw):
    return run(svc, args + ["--user", user, "--key-fd", "KEYFD"],
               keys=[KEYS[user]], **kw)


def get(env, token):
    """GET /echo through the proxy with the session of token: (status,
    the Authorization the upstream received, or the refusal's body)."""
    n = len(env.upstream.requests)
    s = env.connect(token=token)
    if isinstance(s, tuple):
        return s[0], s[1].decode(errors="replace")
    try:
        status, _, body = exchange(s, b"GET /echo HTTP/1.1\r\n"
                                   b"Host: echo.test\r\n"
                                   b"Connection: close\r\n\r\n")
    finally:
        s.close()
    if status != 200:
        return status, body.decode(errors="replace")
    got = env.upstream.requests[n:] if len(env.upstream.requests) > n \
        else [{}]
    return status, (got[-1].get("headers", {}).get("authorization") or
                    [""])[0]


E = ProxyEnv()
svc = E.svc
try:
    for u in KEYS:
        rc, out, err = run(svc, ["vault", "init", "--user", u, "--key-fd",
                                 "KEYFD", "--kdf-n", "16384"], [KEYS[u]])
        if rc != 0:
            raise RuntimeError("vault init %s: %s" % (u, err))

    rc, out, err = as_user(svc, "ann", ["vault", "create", "eng"])
    t.is_(rc, 2, "vault create without --shared is a usage error")
    rc, out, err = as_user(svc, "ann", ["vault", "create", "eng",
                                        "--shared", "--team", "eng"])
    t.is_(rc, 0, "ann creates the shared vault eng" + err)
    rc, out, err = as_user(svc, "carl", ["vault", "create", "eng",
                                         "--shared"])
    t.ok(rc != 0 and "exists" in err, "a second vault named eng is "
         "refused", err)

    # carl's key typed at the same terminal; rita's from her session.
    rc, out, err = as_user(svc, "ann", ["vault", "grant", "eng", "carl",
                                        "--role", "contributor",
                                        "--member-key-fd", "MEMBERFD"],
                           member_keys=[KEYS["carl"]])
    t.is_(rc, 0, "ann grants carl contributor, with carl's key" + err)
    rc, out, err = as_user(svc, "ann", ["vault", "grant", "eng", "rita",
                                        "--role", "reader"])
    t.ok(rc != 0 and "rita has no live session" in err,
         "a grant to a member without a live session is refused, "
         "naming her", err)
    rc, out, err = as_user(svc, "rita", ["session", "start", "--json",
                                         "--agent", "t"])
    t.is_(rc, 0, "rita starts a session" + err)
    rita = json.loads(out)
    rc, out, err = as_user(svc, "ann", ["vault", "grant", "eng", "rita",
                                        "--role", "reader"])
    t.is_(rc, 0, "ann grants rita reader, with her session's key" + err)

    rc, out, err = run(svc, ["vault", "members", "eng", "--json", "--user",
                             "rita"])
    members = {m["user"]: m["role"] for m in json.loads(out or "[]")}
    t.is_(members, {"ann": "owner", "carl": "contributor",
                    "rita": "reader"}, "vault members lists the roles")
    rc, out, err = run(svc, ["vault", "list", "--json", "--user", "rita"])
    vaults = {v["name"]: v for v in json.loads(out or "[]")}
    t.ok("eng" in vaults and vaults["eng"]["role"] == "reader" and
         vaults["eng"]["team"] == "eng" and vaults["eng"]["type"] ==
         "shared", "vault list shows rita's role and eng's team", out)

    rc, out, err = as_user(svc, "rita", ["secret", "add", "tok",
                                         "--connector", "echo", "--vault",
                                         "eng"], stdin=ENG.encode() + b"\n")
    t.ok(rc != 0 and "does not allow" in err, "a reader cannot add", err)
    rc, out, err = as_user(svc, "carl", ["secret", "add", "tok",
                                         "--connector", "echo", "--vault",
                                         "eng"], stdin=ENG.encode() + b"\n")
    t.is_(rc, 0, "a contributor adds to eng" + err)
    rc, out, err = as_user(svc, "carl", ["vault", "grant", "eng", "ann",
                                         "--role", "reader"])
    t.ok(rc != 0 and "only an owner" in err, "a contributor cannot grant",
         err)
    rc, out, err = as_user(svc, "rita", ["vault", "revoke", "eng", "carl"])
    t.ok(rc != 0 and "only an owner" in err, "a reader cannot revoke",
         err)

    E.session = rita
    status, auth = get(E, rita["token"])
    t.is_((status, auth), (200, "Bearer " + ENG),
          "rita's session gets eng's credential injected")

    # A second shared vault with one for the same connector.
    rc, out, err = as_user(svc, "ann", ["vault", "create", "ops",
                                        "--shared"])
    t.is_(rc, 0, "ann creates ops" + err)
    rc, out, err = as_user(svc, "ann", ["vault", "grant", "ops", "rita",
                                        "--role", "reader"])
    t.is_(rc, 0, "ann grants rita reader of ops" + err)
    rc, out, err = as_user(svc, "ann", ["secret", "add", "tok",
                                        "--connector", "echo", "--vault",
                                        "ops"], stdin=OPS.encode() + b"\n")
    t.is_(rc, 0, "an owner adds to ops" + err)
    status, body = get(E, rita["token"])
    t.is_(status, 403, "two shared vaults and no line: refused")
    t.ok("eng" in body and "ops" in body and
         'connector \\"echo\\" vault' in body and ENG not in body and
         OPS not in body, "the refusal names both vaults and the line "
         "to add", body)
    t.ok(svc.wait_log(r"vaults (eng and ops|ops and eng) both hold a "
                      r"credential for connector echo"),
         "and vaultd logs why")

    with open(svc.path("aileron.conf"), "a") as f:
        f.write('connector "echo" vault "ops"\n')
    os.kill(svc.pid, signal.SIGHUP)
    t.ok(svc.wait_log(r"connector echo: vault ops"),
         "the connector-vault line reaches vaultd on reload")
    status, auth = get(E, rita["token"])
    t.is_((status, auth), (200, "Bearer " + OPS),
          "with the line, ops's credential is used")

    rc, out, err = as_user(svc, "ann", ["vault", "revoke", "ops", "rita"])
    t.is_(rc, 0, "ann revokes rita from ops" + err)
    status, auth = get(E, rita["token"])
    t.is_((status, auth), (200, "Bearer " + ENG),
          "revoked from ops, rita's session no longer gets its "
          "credential (eng's serves)")

    # Revoking from eng needs carl's key: he has no live session.
    rc, out, err = as_user(svc, "ann", ["vault", "revoke", "eng", "rita"])
    t.ok(rc != 0 and "carl has no live session" in err,
         "a revoke needs every remaining member's key, and names carl",
         err)
    rc, out, err = as_user(svc, "carl", ["session", "start", "--json"])
    rc, out, err = as_user(svc, "ann", ["vault", "revoke", "eng", "rita"])
    t.is_(rc, 0, "with carl signed in, ann revokes rita from eng" + err)
    status, body = get(E, rita["token"])
    t.ok(status == 403 and ENG not in body and OPS not in body,
         "revoked from both, rita's session gets no credential", body)
finally:
    E.close()
    t.ok(wait_for(lambda: not E.svc.leftovers(), 10),
         "the service is gone")
