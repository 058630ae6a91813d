#!/usr/bin/env python3
# Copyright (c) 2026 The aileron authors
#
# Permission to use, copy, modify, and distribute this software for any
# purpose with or without fee is hereby granted, provided that the above
# copyright notice and this permission notice appear in all copies.
#
# THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.

# approval-bound.t: what a worker compromised by what it parsed can put
# before a person, and into the audit trail.  Playing that worker (the
# test hooks of worker/testhook.c and /v1/test/proxy): an approval is
# asked only for the action control's last decision for that worker sent
# to a person (else the human would grant, and vaultd release the
# credential of, an action policy denies or never saw); a worker that
# authenticated nobody records refusals only, with their own fields.

import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from aileron import TAP, wait_for                           # noqa: E402
from proxyenv import ProxyEnv, cli                          # noqa: E402
import otheruid                                             # noqa: E402

t = TAP()
if os.geteuid() != 0:
    t.skip_all("needs root: the service drops to _aileron")
t.plan(8)

# The verdicts and approval states of lib/msgtypes.h.
ALLOW, APPROVE = 0, 2
PENDING, REFUSED = 0, 6

E = ProxyEnv(extra_conf='policy "echo.echo_post" deny\n'
             'approval timeout 60\n')
try:
    E.vault()
    token = E.start_session()["token"]

    def ask(decided, asked):
        """The hook's answer: "policy V ask S again S" (it asks twice)."""
        _, reply = E.svc.request((
            "GET /.aileron-test/ask/%s/%s/%s HTTP/1.1\r\nHost: x\r\n\r\n" %
            (token, decided, asked)).encode())
        return reply.split(b"\r\n\r\n", 1)[-1].strip().decode()

    got = ask("-", "danger")
    t.is_(got, "policy -1 ask %d again %d" % (REFUSED, REFUSED),
          "an ask with no decision before it: refused")
    got = ask("danger", "echo_post")
    t.is_(got, "policy %d ask %d again %d" % (APPROVE, REFUSED, REFUSED),
          "an ask for echo_post (which policy denies) after a decision "
          "for danger: refused")
    got = ask("echo_get", "danger")
    t.is_(got, "policy %d ask %d again %d" % (ALLOW, REFUSED, REFUSED),
          "an ask after an ALLOW: refused")
    t.ok(E.svc.wait_log(r"asked a person about echo\.echo_post on "
                        r"echo\.test, which no decision of control sent "
                        r"to one; refused"),
         "control says why in its log")
    got = ask("danger", "danger")
    t.is_(got, "policy %d ask %d again %d" % (APPROVE, PENDING, REFUSED),
          "the ask for what was decided APPROVE: pending; asked again, "
          "refused (one person's decision per decision)")
    rc, out, err = cli(E.svc, ["approval", "list", "--all", "--json"])
    every = json.loads(out) if rc == 0 else None
    t.ok(every is not None and [a["action"] for a in every] == ["danger"],
         "no approval was made of the refused asks", every)

    # A worker that authenticated nobody (the API's, which never does):
    # a made-up request record is refused, and a refusal keeps only a
    # refusal's fields.
    forged = {"event": "request", "host": "api.stripe.com",
              "connector": "stripe", "action": "create_refund",
              "status": 200, "note": "approved by alice"}
    refusal = {"event": "proxy-auth", "status": 407,
               "type": "aileron:proxy-auth", "reason": "bad token",
               "connector": "stripe", "action": "create_refund"}
    otheruid.api(E.svc, None, None, "POST", "/v1/test/proxy",
                 {"audit": [json.dumps(refusal), json.dumps(forged)]})
    t.ok(E.svc.wait_log(r"audit record refused: a request before any "
                        r"session"), "the request record is refused")
    recs = []
    wait_for(lambda: any(r.get("event") == "proxy-auth" for r in
                         E.svc.audit()), 10)
    recs = E.svc.audit()
    t.ok(not any(r.get("action") == "create_refund" or
                 "approved by alice" in json.dumps(r) for r in recs) and
         any(r.get("event") == "proxy-auth" and r.get("status") == 407
             for r in recs),
         "the trail holds the refusal, without its action, and no made-up "
         "request", [r for r in recs if r.get("event") != "decision"])
finally:
    E.close()
t.done()
