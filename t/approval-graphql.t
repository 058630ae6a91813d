#!/usr/bin/env python3
# Copyright (c) 2026 The aileron authors
#
# Permission to use, copy, modify, and distribute this software for any
# purpose with or without fee is hereby granted, provided that the above
# copyright notice and this permission notice appear in all copies.
#
# THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.

# approval-graphql.t: a GraphQL action that needs a human, end to end on
# specs/linear.json.  One approval is one action: a document that runs a
# mutation twice under aliases is refused before anyone is asked; values
# written inline are shown as the variables would be; a value aileron
# cannot show is said to be there, to the human and in the audit.

import json
import os
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from aileron import TAP, SLOW, wait_for  # noqa: E402
from proxyenv import ProxyEnv, exchange, cli  # noqa: E402

t = TAP()
if os.geteuid() != 0:
    t.skip_all("needs root: the service drops to _aileron")
t.plan(8)

NOTE = "some arguments are not shown"


def approvals(E):
    rc, out, err = cli(E.svc, ["approval", "list", "--json"])
    return json.loads(out) if rc == 0 else None


def wait_pending(E, n, timeout=20):
    """The pending approvals once there are n of them (bounded)."""
    got = wait_for(lambda: (lambda a: a if a is not None and len(a) == n
                            else None)(approvals(E)), timeout * SLOW,
                   step=0.1)
    return got or approvals(E) or []


def post(E, query, variables):
    """One GraphQL POST through the proxy: (status, headers, body)."""
    body = json.dumps({"query": query, "variables": variables}).encode()
    s = E.connect(host="api.linear.app")
    return exchange(s, b"POST /graphql HTTP/1.1\r\nHost: api.linear.app\r\n"
                    b"Content-Type: application/json\r\nContent-Length: "
                    b"%d\r\n\r\n" % len(body) + body, timeout=60 * SLOW)


def asked(E, query, variables):
    """Send in the background, deny what the human is asked: the
    approval as listed and what the agent got."""
    res = {}
    th = threading.Thread(target=lambda: res.update(
        r=post(E, query, variables)))
    th.start()
    pend = wait_pending(E, 1)
    a = pend[0] if pend else {}
    cli(E.svc, ["approval", "deny", a.get("id", "")])
    th.join(30 * SLOW)
    return a, res.get("r", (0, {}, b""))


E = ProxyEnv(hosts=("api.linear.app",), connector="linear",
             spec="../../specs/linear.json",
             extra_conf="approval timeout 60\n"
             "policy linear.update_issue approve\n")
try:
    E.vault(secret="lin_api_TESTSECRET0001")
    E.start_session()

    # The reviewer's document: issueUpdate three times, one approval.
    q = ('mutation M($id: String!, $title: String) {'
         ' a: issueUpdate(id: $id, input: {title: $title}) { success }'
         ' b: issueUpdate(id: "ENG-2", input: {stateId: "canceled"})'
         ' { success }'
         ' c: issueUpdate(id: "ENG-3", input: {description: "pwned"})'
         ' { success } }')
    st, hd, body = post(E, q, {"id": "ENG-1", "title": "Fix typo"})
    t.ok(st == 403 and b"more than one top-level GraphQL field" in body,
         "aliased mutations in one document: 403, saying why", body)
    t.is_(approvals(E), [], "and no human is asked to approve it")
    t.is_(E.upstream.take(), [], "nothing reached the upstream")

    # One field, its values written inline: shown as variables are.
    a, r = asked(E, 'mutation($t: String) { issueUpdate(id: "ENG-2", '
                 'input: {title: $t, stateId: "canceled"}) { success } }',
                 {"t": "Fix typo", "id": "ENG-1"})
    t.is_(a.get("summary"), {"id": "ENG-2", "title": "Fix typo",
                             "stateId": "canceled"},
          "inline values reach the summary, named as in the spec")
    t.ok(r[0] == 403, "denied: 403", r[0])

    # A value the spec's document has no place for: said, not hidden.
    a, r = asked(E, 'mutation { issueUpdate(id: "ENG-3", '
                 'input: {priority: 1}) { success } }', {})
    t.is_(a.get("summary"), {"...": NOTE, "id": "ENG-3"},
          "a value aileron cannot show: the human is told")
    dec = wait_for(lambda: [x for x in E.svc.audit()
                            if x.get("event") == "decision" and
                            x.get("arguments", {}).get("...") == NOTE],
                   10 * SLOW)
    t.ok(dec and dec[0]["arguments"].get("id") == "ENG-3",
         "and so is the decision's audit record", dec)
    t.is_(E.upstream.take(), [], "nothing denied reached the upstream")
finally:
    E.close()
t.done()
