#!/usr/bin/env python3
# Copyright (c) 2026 The aileron authors
#
# Permission to use, copy, modify, and distribute this software for any
# purpose with or without fee is hereby granted, provided that the above
# copyright notice and this permission notice appear in all copies.
#
# THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.

# usage-approvals.t: what an approval came to, who decided and how fast
# are control's to record (issue 11, section 3; issue 14's approval
# statistics).  Two requests through the proxy wait for a human, one is
# granted and one denied; their request records carry control's answer,
# and "aileron usage" counts them with the latency control measured.  A
# worker that writes approval fields of its own into a record (here the
# API worker's test hook, as a compromised worker could) has them
# dropped: it cannot name an approver, nor add to the statistics.

import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from aileron import TAP, SLOW, wait_for  # noqa: E402
from proxyenv import ProxyEnv, cli  # noqa: E402
import otheruid  # noqa: E402

t = TAP()
if os.geteuid() != 0:
    t.skip_all("needs root: the service drops to _aileron")
t.plan(7)

clients = []


def pending(E):
    rc, out, err = cli(E.svc, ["approval", "list", "--json"])
    return json.loads(out) if rc == 0 else []


def danger(env):
    """A request whose action needs a human, in the background."""
    p = subprocess.Popen(["curl", "-sS", "-o", "/dev/null", "-w",
                          "%{http_code}", "--suppress-connect-headers",
                          "--max-time", str(60 * SLOW), "-X", "POST",
                          "-H", "Content-Type: application/json",
                          "-d", '{"title":"t","amount":1}',
                          "https://echo.test/danger?mode=fast"],
                         env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    clients.append(p)
    return p


def decide(E, env, verb, wait):
    """One request, decided by root after wait seconds: (its approval's
    id, the client's HTTP status)."""
    p = danger(env)
    got = wait_for(lambda: pending(E) or None, 20 * SLOW, step=0.1) or []
    aid = got[0]["id"] if got else ""
    time.sleep(wait)
    cli(E.svc, ["approval", verb, aid])
    try:
        out, _ = p.communicate(timeout=60 * SLOW)
    except subprocess.TimeoutExpired:
        p.kill()
        out, _ = p.communicate()
    return aid, out.decode()


def agent_row(E):
    r = E.svc.aileron("usage", "--json", "--by", "agent")
    try:
        rows = json.loads(r.stdout)["rows"] if r.returncode == 0 else []
    except ValueError:
        rows = []
    return next((x for x in rows if x.get("key") == "tests"), {})


E = ProxyEnv(hosts=("echo.test",), extra_conf="approval timeout 60\n")
try:
    E.vault()
    E.start_session()
    env = E.client_env()
    granted, st1 = decide(E, env, "grant", 0.3)
    denied, st2 = decide(E, env, "deny", 1.2)
    t.ok(st1 == "200" and st2 == "403",
         "one request granted (200), one denied (403)", (st1, st2))

    # Control's own records of the two decisions, and the requests'.
    def records():
        rs = E.svc.audit()
        reqs = [r for r in rs if r.get("event") == "request" and
                r.get("approval") in (granted, denied)]
        return rs if len(reqs) == 2 else None
    rs = wait_for(records, 30 * SLOW, step=0.2) or E.svc.audit()
    own = {r["approval"]: r for r in rs if r.get("event") == "approval"}
    reqs = {r["approval"]: r for r in rs if r.get("event") == "request" and
            r.get("approval") in own}
    t.ok(set(reqs) == {granted, denied} and
         reqs[granted].get("decision") == "granted" and
         reqs[denied].get("decision") == "denied" and
         reqs[granted].get("approver") == own[granted].get("approver") and
         all(reqs[a].get("approval_ms") == own[a].get("latency_ms")
             for a in reqs),
         "each request's record: the decision, approver and latency of "
         "control's approval record", (own, reqs))

    row = agent_row(E)
    ap = row.get("approvals", {})
    lat = sorted(own[a]["latency_ms"] for a in (granted, denied)
                 if a in own)
    t.ok(ap.get("asked") == 2 and ap.get("granted") == 1 and
         ap.get("denied") == 1 and len(lat) == 2 and
         lat[0] / 1.0906 <= ap.get("p50_ms", 0) <= lat[0] * 1.0906 and
         lat[1] / 1.0906 <= ap.get("p95_ms", 0) <= lat[1] * 1.0906,
         "aileron usage: two asked, one granted, one denied; median and "
         "p95 within 9% of control's latencies", (row, lat))

    # A worker's own approval fields: the API worker's test hook writes
    # records on the session's account, as a compromised worker could.
    forged = [{"event": "request", "host": "echo.test",
               "connector": "echo", "action": "danger", "status": 200,
               "approval": granted, "decision": "granted",
               "approver": "mallory", "approval_ms": 7},
              {"event": "request", "host": "echo.test",
               "connector": "echo", "action": "danger", "status": 200,
               "approval": "0123456789abcdef0123456789abcdef",
               "decision": "granted", "approver": "mallory",
               "approval_ms": 7},
              {"event": "request", "host": "echo.test",
               "connector": "echo", "action": "danger", "status": 200,
               "decision": "granted", "approver": "mallory",
               "approval_ms": 7, "note": "forged"}]
    st, res = otheruid.api(E.svc, None, None, "POST", "/v1/test/proxy", {
        "tokens": [E.session["token"]],
        "audit": [json.dumps(r) for r in forged]})
    t.is_(st, 200, "the test hook sent the three records")
    proxied = (reqs.get(granted, {}).get("worker"),
               reqs.get(denied, {}).get("worker"))

    def hooked(rs):
        return [r for r in rs if r.get("event") == "request" and
                r.get("worker") not in proxied]
    rs = wait_for(lambda: (lambda x: x if len(hooked(x)) >= 3 else None)(
        E.svc.audit()), 30 * SLOW, step=0.2) or E.svc.audit()
    mine = hooked(rs)
    t.ok(len(mine) == 3 and
         not any(k in r for r in mine
                 for k in ("approval", "decision", "approver",
                           "approval_ms")),
         "their approval, decision, approver and latency are dropped: "
         "the approval was not theirs, does not exist, or was not named",
         mine)
    t.ok(not any(r.get("approver") == "mallory" for r in rs),
         "no record names the approver the worker claimed")
    ap = agent_row(E).get("approvals", {})
    t.ok(ap.get("asked") == 2 and ap.get("granted") == 1,
         "aileron usage still counts the two approvals control gave", ap)
finally:
    for p in clients:
        if p.poll() is None:
            p.kill()
            p.wait()
    E.close()
t.done()
