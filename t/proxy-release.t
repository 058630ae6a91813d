#!/usr/bin/env python3
# Copyright (c) 2026 The aileron authors
#
# Permission to use, copy, modify, and distribute this software for any
# purpose with or without fee is hereby granted, provided that the above
# copyright notice and this permission notice appear in all copies.
#
# THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.

# proxy-release.t: vaultd gives a worker a connector's credential only
# once control has released it to that worker, which control does when it
# allows the worker an action of that connector (a policy allow, a human's
# grant: t/approval.t).  A worker made to act as a compromised one (the
# test hook of the undocumented -X) authenticates with the agent's token
# and asks vaultd for the credential with no decision, after a denied
# action and after an action that waits for a human: each is refused, by
# a sentence naming the connector, and logged; after an allowed action
# it gets the line.  Through the proxy, the requests of one kept-alive
# connection cost one release.

import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from aileron import TAP, wait_for                         # noqa: E402
from proxyenv import ProxyEnv, SECRET, exchange           # noqa: E402

t = TAP()
if os.geteuid() != 0:
    t.skip_all("needs root: the service drops to _aileron")
t.plan(10)

REFUSED = ("inject error 100: control allowed this worker no action of "
           "connector echo on echo.test")
RELEASED = r"vaultd\[\d+\]: worker (\d+) may inject connector echo for " \
    r"echo\.test"

E = ProxyEnv(extra_conf='policy "echo.echo_post" deny\n'
             'approval timeout 1\n')
try:
    E.vault()
    TOKEN = E.start_session()["token"]

    def hook(action):
        """The rogue worker: AUTH, a decision on echo.ACTION ("-": none),
        INJECT for echo on echo.test; what each answered."""
        _, reply = E.svc.request((
            "GET /.aileron-test/inject/echo/echo.test/%s/%s HTTP/1.1\r\n"
            "Host: x\r\n\r\n" % (action, TOKEN)).encode(), timeout=20)
        return reply.split(b"\r\n\r\n", 1)[-1].strip().decode(
            errors="replace")

    body = hook("-")
    t.ok(body.startswith("verdict -1; " + REFUSED) and SECRET not in body,
         "INJECT with no decision at all: refused", body)
    t.ok(E.svc.wait_log(r"vaultd\[\d+\]: worker \d+: inject refused: "
                        r"control allowed this worker no action of "
                        r"connector echo on echo\.test"),
         "vaultd logs the refusal, naming the worker")
    body = hook("echo_post")
    t.ok(body.startswith("verdict 1; " + REFUSED) and SECRET not in body,
         "INJECT after control denied echo.echo_post: refused", body)
    body = hook("danger")
    t.ok(body.startswith("verdict 2; " + REFUSED) and SECRET not in body,
         "INJECT while echo.danger waits for a human: refused", body)
    t.ok(not re.search(RELEASED, E.svc.log_text()),
         "and control released nothing to any of them")
    body = hook("echo_get")
    t.ok(body == "verdict 0; inject error 0: Authorization: Bearer " +
         SECRET, "INJECT after control allowed echo.echo_get: the line",
         body)

    # A kept-alive connection: its first request's allow releases, the
    # next ones find it released and cost no call to vaultd.
    before = len(re.findall(RELEASED, E.svc.log_text()))
    tls = E.connect()
    sts = []
    for _ in range(3):
        st, _, _ = exchange(tls, b"GET /echo HTTP/1.1\r\nHost: echo.test"
                            b"\r\n\r\n")
        sts.append(st)
    tls.close()
    reqs = E.upstream.take()
    t.ok(sts == [200] * 3 and len(reqs) >= 3 and
         all(r["headers"].get("authorization") == ["Bearer " + SECRET]
             for r in reqs[-3:]),
         "three requests on one connection reach the upstream with the "
         "credential", sts)
    wait_for(lambda: len(re.findall(RELEASED, E.svc.log_text())) > before,
             5)
    t.is_(len(re.findall(RELEASED, E.svc.log_text())) - before, 1,
          "vaultd released the connector once for them")
    body = hook("echo_post")
    t.ok(body.startswith("verdict 1; " + REFUSED),
         "a new worker after that gets nothing for a denied action", body)

    # Two tokens of two sessions at once from one worker: both passed
    # "a worker serves one session" while neither was bound, and a
    # release made under the first could land in the second's binding.
    TOKEN2 = E.start_session()["token"]
    _, reply = E.svc.request((
        "GET /.aileron-test/auth2/%s/%s HTTP/1.1\r\nHost: x\r\n\r\n" %
        (TOKEN, TOKEN2)).encode(), timeout=20)
    body = reply.split(b"\r\n\r\n", 1)[-1].strip().decode(errors="replace")
    t.ok(body == "auth errors 0 1" and
         E.svc.wait_log(r"another token while one is checked; refused"),
         "a second token while the first is checked: refused", body)
finally:
    E.close()
t.done()
