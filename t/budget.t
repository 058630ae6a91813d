#!/usr/bin/env python3
# Copyright (c) 2026 The aileron authors
#
# Permission to use, copy, modify, and distribute this software for any
# purpose with or without fee is hereby granted, provided that the above
# copyright notice and this permission notice appear in all copies.
#
# THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.

# budget.t: budgets on LLM calls (issue 14, section 2).  A local double of
# the Anthropic Messages API answers with known token counts; budget lines
# in aileron.conf stop requests with 429 aileron:budget; parallel requests
# at the edge of a budget overspend by no more than their reservations; a
# response whose usage stays unknown keeps its reservation; a USD budget
# prices the counts with the test's price table; the ledger survives a
# restart and rolls over with the period (a fixed clock, in test mode).
# Control's state is read through the API (GET /v1/budgets).

import atexit
import json
import os
import shutil
import socket
import sys
import tempfile
import threading

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from aileron import TAP, SLOW, wait_for  # noqa: E402
from proxyenv import ProxyEnv, cli, MASTER  # noqa: E402
from llmdouble import double, post  # noqa: E402

t = TAP()
if os.geteuid() != 0:
    t.skip_all("needs root: the service drops to _aileron")
t.plan(22)

IN, OUT = 50, 100           # what the double says each answer used
M = 100                     # each request's max_tokens
EDGE = 1000                 # budget agent "edge" ... tokens per day
DARK, RESERVATION = 500, 200
USD_MICRO = 10000           # 0.01 USD: 6 answers of 1650 micro-dollars fit
PRICE_IN, PRICE_OUT = 3, 15  # USD per million tokens
PARALLEL = 20
T0 = 1896091200             # 2030-01-31T12:00:00Z: the clock, fixed
T1 = 1896134405             # 2030-02-01T00:00:05Z: a new day and month

# The double holds its answers while the parallel requests run, until each
# of them has either arrived or been refused (or a bound passes), so that
# every admitted request is in flight at once: where the bound is tightest.
gate = threading.Condition()
state = {"hold": 0, "arrived": 0, "refused": 0}


def answer(path, req):
    with gate:
        state["arrived"] += 1
        gate.notify_all()
        gate.wait_for(lambda: state["arrived"] + state["refused"] >=
                      state["hold"], timeout=15 * SLOW)
    if req.get("unknown"):
        return 200, "text/html", "<html>overloaded</html>"
    return 200, "application/json", json.dumps({
        "id": "msg_1", "type": "message", "model": req.get("model"),
        "content": [{"type": "text", "text": "hi"}],
        "usage": {"input_tokens": IN, "output_tokens": OUT}})


def session(E, agent):
    rc, out, err = cli(E.svc, ["session", "start", "--agent", agent,
                               "--json", "--key-fd", "KEYFD"], [MASTER])
    if rc != 0:
        raise RuntimeError("session start: " + out + err)
    return json.loads(out)


def ask(E, sess, body):
    """One POST /v1/messages in the session: (status, head, body)."""
    E.session = sess
    tls = E.connect(host="api.anthropic.com", token=sess["token"],
                    timeout=30)
    try:
        return post(tls, "api.anthropic.com", "/v1/messages", body,
                    timeout=30)
    finally:
        tls.close()


def budgets(E):
    """GET /v1/budgets on api.sock: {(scope, name): budget}."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10 * SLOW)
    s.connect(E.svc.info["api_socket"])
    s.sendall(b"GET /v1/budgets HTTP/1.1\r\nHost: aileron\r\n\r\n")
    data = b""
    while True:
        b = s.recv(65536)
        if not b:
            break
        data += b
    s.close()
    head, _, body = data.partition(b"\r\n\r\n")
    if b" 200 " not in head.split(b"\r\n")[0]:
        return {"error": data.decode(errors="replace")}
    return {(b["scope"], b["name"]): b for b in json.loads(body)["budgets"]}


def settled(E, key):
    """The budget key once nothing is reserved: the worker sends an
    answer's outcome (which replaces its reservation) after the answer."""
    wait_for(lambda: budgets(E).get(key, {}).get("reserved") == 0,
             10 * SLOW)
    return budgets(E).get(key, {})


def msg(model="claude-test", **kw):
    return dict({"model": model, "messages": [{"role": "user",
                                               "content": "hi"}]}, **kw)


def start(E, now):
    os.environ["AILERON_TEST_BUDGET_NOW"] = str(now)
    try:
        E.svc.start(["-X"])
    finally:
        del os.environ["AILERON_TEST_BUDGET_NOW"]


# The price table, outside the state directory (made by the service).
tmpd = tempfile.mkdtemp(prefix="aileron-budget.")
os.chmod(tmpd, 0o755)
atexit.register(shutil.rmtree, tmpd, ignore_errors=True)
with open(os.path.join(tmpd, "prices"), "w") as f:
    f.write('taken 2026-12-01\nmodel "claude-test" input %d output %d\n'
            % (PRICE_IN, PRICE_OUT))
os.environ["AILERON_TEST_BUDGET_NOW"] = str(T0)
try:
    E = ProxyEnv(hosts=("api.anthropic.com",), connector="anthropic",
                 spec="../../specs/anthropic.json", upstream=double(answer),
                 extra_conf='prices "%s"\n' % os.path.join(tmpd, "prices") +
                 'budget agent "edge" %d tokens per day\n'
                 'budget agent "dark" %d tokens per day\n'
                 'budget agent "usd" 0.01 USD per month\n'
                 'budget reservation %d\n' % (EDGE, DARK, RESERVATION))
finally:
    del os.environ["AILERON_TEST_BUDGET_NOW"]
try:
    E.vault()

    # ---- a request over budget: 429, aileron:budget, no retry ----------
    edge = session(E, "edge")
    st, hd, body = ask(E, edge, msg(max_tokens=M))
    t.ok(st == 200, "a request within the budget reaches the upstream", body)
    spent0 = IN + OUT
    b = settled(E, ("agent", "edge"))
    t.ok(b.get("spent") == spent0 and b.get("reserved") == 0 and
         b.get("limit") == EDGE and b.get("unit") == "tokens" and
         b.get("period") == "day" and b.get("period_start") ==
         "2030-01-31T00:00:00Z" and b.get("resets") == "2030-02-01T00:00:00Z",
         "GET /v1/budgets: the real counts replaced the reservation", b)
    st, hd, body = ask(E, edge, msg(max_tokens=EDGE))
    p = json.loads(body) if st == 429 else {}
    t.ok(st == 429 and p.get("type") == "aileron:budget" and
         hd.get("content-type") == ["application/problem+json"] and
         hd.get("x-should-retry") == ["false"],
         "a request whose estimate does not fit: 429 aileron:budget, "
         "x-should-retry: false", (hd, body))
    pb = p.get("budget", {})
    t.ok(pb.get("scope") == "agent" and pb.get("name") == "edge" and
         pb.get("limit") == EDGE and pb.get("spent") == spent0 and
         pb.get("reserved") == 0 and pb.get("period") == "day" and
         pb.get("request") == EDGE,
         "the problem names the budget: scope, name, limit, period, spent, "
         "reserved", p)

    # ---- 20 parallel requests at the edge --------------------------------
    room = (EDGE - spent0) // M     # reservations that fit: 8
    with gate:
        state["hold"] = state["arrived"] + PARALLEL
    results = [None] * PARALLEL

    def one(i):
        try:
            results[i] = ask(E, edge, msg(max_tokens=M))[0]
        except Exception as e:       # noqa: BLE001
            results[i] = repr(e)
        if results[i] != 200:
            with gate:
                state["refused"] += 1
                gate.notify_all()
    threads = [threading.Thread(target=one, args=(i,))
               for i in range(PARALLEL)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(90 * SLOW)
    ok = results.count(200)
    refused = results.count(429)
    t.ok(ok + refused == PARALLEL, "every parallel request was answered, "
         "200 or 429", results)
    t.ok(ok <= room, "no more admitted than reservations fit: %d <= %d" %
         (ok, room), results)
    t.ok(ok == room, "all that fit were admitted (they were in flight "
         "together)", results)
    b = settled(E, ("agent", "edge"))
    final = spent0 + ok * (IN + OUT)
    t.ok(b.get("spent") == final and b.get("reserved") == 0 and
         b.get("refused", 0) >= refused,
         "the ledger holds the real counts of those admitted", b)
    over = b.get("spent", 0) - EDGE
    t.ok(over <= ok * M,
         "the overspend (%d tokens) is no more than the admitted requests' "
         "reservations (%d)" % (over, ok * M), b)

    # ---- unknown usage keeps its reservation -----------------------------
    dark = session(E, "dark")
    st, hd, body = ask(E, dark, msg(max_tokens=150, unknown=True))
    st2, hd2, body2 = ask(E, dark, msg(unknown=True))
    b = budgets(E).get(("agent", "dark"), {})
    t.ok(st == 200 and st2 == 200 and b.get("spent") == 0 and
         b.get("reserved") == 150 + RESERVATION,
         "answers whose usage is unknown keep their reservations (max_tokens,"
         " else budget reservation)", b)
    st, hd, body = ask(E, dark, msg(max_tokens=DARK - 150 - RESERVATION + 1))
    t.ok(st == 429 and json.loads(body).get("budget", {}).get("reserved") ==
         150 + RESERVATION, "and what they keep refuses what no longer fits",
         body)
    recs = E.svc.audit_wait(lambda r: r.get("event") == "request" and
                            r.get("status") == 429 and
                            r.get("type") == "aileron:budget", 30)
    t.ok(any(r.get("event") == "decision" and
             r.get("reason") == "aileron:budget" and
             r.get("budget", {}).get("name") == "dark" for r in recs) and
         any(r.get("event") == "request" and r.get("budget") == "kept"
             for r in recs),
         "audited: the refusal's decision names the budget; an unknown "
         "outcome says its reservation is kept", [r for r in recs if
                                                   "budget" in r][-4:])

    # ---- a USD budget, priced by the test's table -------------------------
    usd = session(E, "usd")
    statuses = [ask(E, usd, msg(max_tokens=M))[0] for _ in range(7)]
    per = IN * PRICE_IN + OUT * PRICE_OUT       # micro-dollars an answer
    fit = 0
    while fit * per + M * PRICE_OUT <= USD_MICRO:
        fit += 1
    t.ok(statuses == [200] * fit + [429] * (7 - fit),
         "USD: %d answers fit, the next is refused" % fit, statuses)
    b = settled(E, ("agent", "usd"))
    t.ok(abs(b.get("spent", -1) - fit * per / 1e6) < 1e-9 and
         b.get("reserved") == 0 and b.get("unit") == "USD" and
         b.get("period") == "month" and abs(b.get("limit", 0) - 0.01) < 1e-9,
         "USD: the ledger holds the priced counts", b)
    st, hd, body = ask(E, usd, msg(model="unpriced-model", max_tokens=1))
    t.ok(st == 200, "USD: an unpriced model reserves at the table's dearest "
         "price", body)
    b = budgets(E).get(("agent", "usd"), {})
    t.ok(abs(b.get("reserved", -1) - PRICE_OUT / 1e6) < 1e-9,
         "USD: and keeps that reservation, its cost unknown", b)
    before = budgets(E)

    # ---- the ledger survives a restart -------------------------------------
    E.svc.stop()
    start(E, T0)
    after = budgets(E)
    t.ok(after == before, "after a restart the ledger is as it was", after)
    edge = session(E, "edge")
    st, hd, body = ask(E, edge, msg(max_tokens=M))
    t.ok(st == 429, "and the spent budget still refuses", body)

    # ---- the period rolls over ---------------------------------------------
    E.svc.stop()
    start(E, T1)
    now = budgets(E)
    t.ok(all(b.get("spent") == 0 and b.get("reserved") == 0
             for b in now.values()) and len(now) == 3 and
         now[("agent", "edge")].get("period_start") == "2030-02-01T00:00:00Z",
         "a new day and month: every budget starts again", now)
    edge = session(E, "edge")
    st, hd, body = ask(E, edge, msg(max_tokens=M))
    t.ok(st == 200, "and admits again", body)
    r = E.svc.aileron("budget", "--json")
    cl = json.loads(r.stdout) if r.returncode == 0 else []
    r2 = E.svc.aileron("budget")
    t.ok({(b["scope"], b["name"]): b for b in cl} == budgets(E) and
         any(line.split()[:5] == ["agent", "edge", "tokens", "day", str(EDGE)]
             for line in r2.stdout.decode().splitlines()),
         "aileron budget [--json] shows the same", (cl, r2.stdout))
    r = E.svc.aileron("service", "-n", "-f", E.svc.path("aileron.conf"),
                      "-s", E.svc.state)
    t.ok(r.returncode == 0, "aileron service -n checks the budget lines",
         r.stdout + r.stderr)
finally:
    E.svc.stop()
    E.svc.remove()
    E.upstream.close()
t.done()
