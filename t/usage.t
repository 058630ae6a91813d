#!/usr/bin/env python3
# Copyright (c) 2026 The aileron authors
#
# Permission to use, copy, modify, and distribute this software for any
# purpose with or without fee is hereby granted, provided that the above
# copyright notice and this permission notice appear in all copies.
#
# THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.

# usage.t: LLM token spend through the proxy, summed by control (issue
# 14, sections 1, 3 and 5).  Local doubles of the Anthropic Messages API
# (JSON and SSE) and of the OpenAI Chat Completions (JSON, streamed with
# and without stream_options.include_usage) and Responses APIs (JSON and
# streamed) answer three sessions of two users; "aileron usage --json"
# then shows the exact counts the doubles sent per user, team, agent,
# project, model and connector, with OpenAI's cached tokens taken out of
# its input; the cost is the hand-computed figure from the test's price
# table, null (naming the model) for a model without a price; the sums
# survive a restart and are rebuilt from the audit log when the rollups
# are missing; a user who is no administrator sees only their own.
# Each request tells the double, in x_usage, what counts to report.

import atexit
import grp
import json
import os
import pwd
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from aileron import TAP, SRC  # noqa: E402
from proxyenv import ProxyEnv, cli, MASTER  # noqa: E402
from llmdouble import double, post  # noqa: E402
import otheruid  # noqa: E402

t = TAP()
if os.geteuid() != 0:
    t.skip_all("needs root: the service drops to _aileron")
try:
    GID = grp.getgrnam("aileron").gr_gid
except KeyError:
    t.skip_all("no group aileron; make user creates it (etc/adduser.sh)")
t.plan(29)

ALICE_KEY = "alice's usage test master key"
KINDS = ("input", "output", "cache_write", "cache_read", "reasoning")
# Dollars per million tokens; o-test has no line: its cost is unknown.
PRICES = {"claude-test": {"input": 3, "output": 15, "cache_write": 3.75,
                          "cache_read": 0.30},
          "gpt-test": {"input": 2.5, "output": 10, "cache_read": 1.25}}


def free_uid(start):
    u = start
    while True:
        try:
            pwd.getpwuid(u)
            u += 1
        except KeyError:
            return u


BOB = free_uid(42520)


def anthropic(req, stream):
    u, m = req["x_usage"], req["model"]
    if not stream:
        return "application/json", json.dumps({
            "id": "msg_1", "type": "message", "model": m,
            "content": [{"type": "text", "text":
                         '{"usage": {"input_tokens": 999}}'}],
            "usage": {"input_tokens": u["in"], "output_tokens": u["out"],
                      "cache_creation_input_tokens": u.get("cw", 0),
                      "cache_read_input_tokens": u.get("cached", 0)}})
    start = {"type": "message_start", "message": {
        "model": m, "usage": {"input_tokens": u["in"], "output_tokens": 1,
                              "cache_creation_input_tokens": u.get("cw", 0),
                              "cache_read_input_tokens":
                              u.get("cached", 0)}}}
    return "text/event-stream", (
        "event: message_start\ndata: %s\n\n"
        "event: content_block_delta\n"
        'data: {"type":"content_block_delta","delta":{"text":"hi"}}\n\n'
        "event: message_delta\n"
        'data: {"type":"message_delta","usage":{"output_tokens":%d}}\n\n'
        "event: message_delta\n"
        'data: {"type":"message_delta","usage":{"output_tokens":%d}}\n\n'
        "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n" %
        (json.dumps(start), u["out"] // 2, u["out"]))


def chat_usage(u):
    return {"prompt_tokens": u["in"], "completion_tokens": u["out"],
            "total_tokens": u["in"] + u["out"],
            "prompt_tokens_details": {"cached_tokens": u.get("cached", 0)},
            "completion_tokens_details":
            {"reasoning_tokens": u.get("reason", 0)}}


def chat(req, stream):
    u, m = req["x_usage"], req["model"]
    if not stream:
        return "application/json", json.dumps({
            "id": "c1", "object": "chat.completion", "model": m,
            "choices": [{"index": 0, "message": {
                "role": "assistant",
                "content": '{"usage":{"prompt_tokens":999}}'}}],
            "usage": chat_usage(u)})
    # Usage comes only in a last chunk, and only when asked for.
    inc = (req.get("stream_options") or {}).get("include_usage")
    chunk = {"id": "c1", "object": "chat.completion.chunk", "model": m,
             "choices": [{"index": 0, "delta": {"content": "hi"}}]}
    if inc:
        chunk["usage"] = None
    out = "data: %s\n\n" % json.dumps(chunk)
    chunk["choices"] = [{"index": 0, "delta": {}, "finish_reason": "stop"}]
    out += "data: %s\n\n" % json.dumps(chunk)
    if inc:
        chunk["choices"] = []
        chunk["usage"] = chat_usage(u)
        out += "data: %s\n\n" % json.dumps(chunk)
    return "text/event-stream", out + "data: [DONE]\n\n"


def responses(req, stream):
    u, m = req["x_usage"], req["model"]
    usage = {"input_tokens": u["in"],
             "input_tokens_details": {"cached_tokens": u.get("cached", 0)},
             "output_tokens": u["out"],
             "output_tokens_details": {"reasoning_tokens":
                                       u.get("reason", 0)},
             "total_tokens": u["in"] + u["out"]}
    if not stream:
        return "application/json", json.dumps({
            "id": "r1", "object": "response", "model": m,
            "output": [{"type": "message", "content": [
                {"type": "output_text", "text": "hi"}]}],
            "usage": usage})
    return "text/event-stream", (
        "event: response.created\n"
        'data: {"type":"response.created","response":{"id":"r1",'
        '"model":"%s","usage":null}}\n\n'
        "event: response.output_text.delta\n"
        'data: {"type":"response.output_text.delta","delta":"hi"}\n\n'
        "event: response.completed\ndata: %s\n\n" %
        (m, json.dumps({"type": "response.completed", "response": {
            "id": "r1", "model": m, "usage": usage}})))


def answer(path, req):
    fn = {"/v1/messages": anthropic, "/v1/chat/completions": chat,
          "/v1/responses": responses}[path]
    status = req["x_usage"].get("status", 200)
    if status != 200:
        return status, "application/json", '{"error":"overloaded"}'
    ctype, body = fn(req, bool(req.get("stream")))
    return 200, ctype, body


def ask(E, session, host, path, body):
    """One request in session (each has its own CA)."""
    E.session = session
    tls = E.connect(host=host)
    st, hdrs, out = post(tls, host, path, body)
    tls.close()
    return st, out


def as_uid(uid, argv):
    return otheruid.as_uid(uid, GID, argv)


def api(svc, uid, method, path, body=None):
    return otheruid.api(svc, uid, GID, method, path, body)


def usage(E, *args):
    r = E.svc.aileron("usage", "--json", *args)
    try:
        return json.loads(r.stdout) if r.returncode == 0 else \
            {"rc": r.returncode, "err": r.stderr.decode()}
    except ValueError:
        return {"rc": r.returncode, "out": r.stdout.decode()}


A, O = "api.anthropic.com", "api.openai.com"
# session, host, path, model, stream, include_usage, what the double says,
# and what the record must hold: input without the cached tokens for
# OpenAI (input_includes_cache_read), as sent for Anthropic; None:
# unknown.
EXCHANGES = [
    ("s1", A, "/v1/messages", "claude-test", False, None,
     {"in": 25, "out": 150, "cw": 7, "cached": 3},
     {"input": 25, "output": 150, "cache_write": 7, "cache_read": 3}),
    ("s1", O, "/v1/chat/completions", "gpt-test", False, None,
     {"in": 120, "out": 30, "cached": 20, "reason": 5},
     {"input": 100, "output": 30, "cache_read": 20, "reasoning": 5}),
    ("s1", O, "/v1/chat/completions", "gpt-test", True, True,
     {"in": 50, "out": 12},
     {"input": 50, "output": 12}),
    ("s2", A, "/v1/messages", "claude-test", True, None,
     {"in": 472, "out": 89},
     {"input": 472, "output": 89}),
    ("s2", O, "/v1/responses", "o-test", False, None,
     {"in": 300, "out": 40, "cached": 100, "reason": 16},
     {"input": 200, "output": 40, "cache_read": 100, "reasoning": 16}),
    ("s2", O, "/v1/chat/completions", "gpt-test", True, False,
     {"in": 77, "out": 7}, None),
    ("s2", O, "/v1/chat/completions", "gpt-test", False, None,
     {"in": 1, "out": 1, "status": 500}, None),
    ("s3", O, "/v1/responses", "gpt-test", True, None,
     {"in": 70, "out": 9, "cached": 10},
     {"input": 60, "output": 9, "cache_read": 10}),
    ("s3", A, "/v1/messages", "claude-test", False, None,
     {"in": 11, "out": 22},
     {"input": 11, "output": 22}),
]
SESSIONS = {"s1": {"user": "root", "agent": "coder", "team": "infra",
                   "project": "p1"},
            "s2": {"user": "root", "agent": "reviewer", "team": "ml",
                   "project": "p2"},
            "s3": {"user": "alice", "agent": "coder", "team": "infra",
                   "project": "p2"}}


def expected(by):
    """What control must sum, from EXCHANGES: {key: row}."""
    rows = {}
    for sid, host, path, model, stream, inc, said, want in EXCHANGES:
        s = dict(SESSIONS[sid], model=model if want else "",
                 connector="anthropic" if host == A else "openai")
        r = rows.setdefault(s[by], {"requests": 0, "unknown": 0,
                                    "errors": 0, "models": {},
                                    "tokens": dict.fromkeys(KINDS, 0),
                                    "hosts": set()})
        r["requests"] += 1
        r["hosts"].add(host)
        r["errors"] += said.get("status", 200) != 200
        if want is None:
            r["unknown"] += 1
            continue
        m = r["models"].setdefault(model, dict.fromkeys(KINDS, 0))
        for k in KINDS:
            r["tokens"][k] += want.get(k, 0)
            m[k] += want.get(k, 0)
    for r in rows.values():
        cost = 0.0
        for model, tok in r["models"].items():
            if model not in PRICES:
                cost = None
                break
            cost += sum(tok[k] * PRICES[model].get(k, 0)
                        for k in KINDS if k != "reasoning") / 1e6
        r["cost"] = cost
    return rows


def check(u, by):
    """The answer's rows against expected(by): a list of differences."""
    want = expected(by)
    got = {r["key"]: r for r in u.get("rows", [])}
    bad = []
    if sorted(got) != sorted(want):
        return ["keys %s, want %s" % (sorted(got), sorted(want))]
    for k, w in want.items():
        g = got[k]
        if (g["requests"], g["unknown"], g["errors"], g["tokens"],
                sorted(g["hosts"])) != (w["requests"], w["unknown"],
                                        w["errors"], w["tokens"],
                                        sorted(w["hosts"])):
            bad.append("%s: %s, want %s" % (k, g, w))
        if (w["cost"] is None) != (g["cost_usd"] is None) or (
                w["cost"] is not None and
                abs(g["cost_usd"] - w["cost"]) > 1e-12):
            bad.append("%s: cost %s, want %s" % (k, g["cost_usd"],
                                                 w["cost"]))
    return bad


PDIR = tempfile.mkdtemp(prefix="aileron-usage.")
atexit.register(shutil.rmtree, PDIR, ignore_errors=True)
with open(os.path.join(PDIR, "prices"), "w") as f:
    f.write("taken 2025-11-01\n"
            'model "claude-test" input 3 output 15 cache_write 3.75 '
            "cache_read 0.30\n"
            'model "gpt-test" input 2.5 output 10 cache_read 1.25\n')
os.chmod(PDIR, 0o755)

E = ProxyEnv(hosts=(A, O), connector="anthropic",
             spec="../../specs/anthropic.json", upstream=double(answer),
             extra_conf='connector openai spec "%s/specs/openai.json"\n'
             'prices "%s/prices"\nuser "bob" uid %d\n' %
             (os.path.abspath(SRC), PDIR, BOB))
try:
    os.chmod(E.svc.state, 0o711)    # bob reaches api.sock
    E.vault()
    rc, out, err = cli(E.svc, ["secret", "add", "openai", "--connector",
                               "openai", "--key-fd", "KEYFD"], [MASTER],
                       stdin=b"sk-openai-test\n")
    for args, keys, stdin in (
            (["vault", "init", "--user", "alice", "--key-fd", "KEYFD",
              "--kdf-n", "16384"], [ALICE_KEY], b""),
            (["secret", "add", "anthropic", "--connector", "anthropic",
              "--user", "alice", "--key-fd", "KEYFD"], [ALICE_KEY],
             b"sk-ant-alice\n"),
            (["secret", "add", "openai", "--connector", "openai", "--user",
              "alice", "--key-fd", "KEYFD"], [ALICE_KEY],
             b"sk-openai-alice\n")):
        rc2, out2, err2 = cli(E.svc, args, keys, stdin=stdin)
        rc = rc or rc2
        err += err2
    tokens = {}
    for sid, s in SESSIONS.items():
        rc2, out2, err2 = cli(E.svc, ["session", "start", "--json",
                                      "--user", s["user"], "--agent",
                                      s["agent"], "--team", s["team"],
                                      "--project", s["project"],
                                      "--key-fd", "KEYFD"],
                              [ALICE_KEY if s["user"] == "alice"
                               else MASTER])
        rc = rc or rc2
        err += err2
        tokens[sid] = json.loads(out2) if rc2 == 0 else {}
    t.is_(rc, 0, "two users' vaults and credentials, three sessions" +
          (": " + err if rc else ""))

    statuses = []
    for sid, host, path, model, stream, inc, said, want in EXCHANGES:
        body = {"model": model, "x_usage": said}
        if path == "/v1/messages":
            body.update(max_tokens=64, messages=[{"role": "user",
                                                  "content": "hi"}])
        elif path == "/v1/chat/completions":
            body["messages"] = [{"role": "user", "content": "hi"}]
        else:
            body["input"] = "hi"
        if stream:
            body["stream"] = True
        if inc is not None:
            body["stream_options"] = {"include_usage": inc}
        st, out = ask(E, tokens[sid], host, path, body)
        statuses.append(st)
    t.is_(statuses, [said.get("status", 200) for _, _, _, _, _, _, said, _
                     in EXCHANGES],
          "every exchange reaches its double and comes back")

    # The records first: what the worker read, one per exchange.
    def mine(r):
        return r.get("event") == "request" and r.get("host") in (A, O)
    E.svc.audit_until(lambda rs: len([r for r in rs if mine(r)]) >=
                      len(EXCHANGES), 30)
    recs = [r for r in E.svc.audit() if mine(r)]
    got = sorted(json.dumps(r.get("tokens"), sort_keys=True) for r in recs)
    want = []
    for _, host, path, model, stream, inc, said, w in EXCHANGES:
        if w is None:
            want.append(json.dumps("unknown"))
            continue
        w = dict(w, model=model)
        # Zeros the vendor sent are read as sent.
        if host == O:
            w.setdefault("cache_read", 0)
            w.setdefault("reasoning", 0)
        else:
            w.setdefault("cache_write", 0)
            w.setdefault("cache_read", 0)
        want.append(json.dumps(w, sort_keys=True))
    t.is_(got, sorted(want), "each record holds the counts its double "
          "sent, OpenAI's input without its cached tokens")
    t.ok(any(r.get("tokens") == "unknown" and r.get("status") == 200
             for r in recs),
         "a chat stream without include_usage: unknown, not guessed")

    for by in ("user", "team", "agent", "project", "model", "connector"):
        u = usage(E, "--by", by)
        bad = check(u, by)
        t.ok(not bad, "aileron usage --by %s --json: the exact sums" % by,
             "\n".join(bad) + "\n" + json.dumps(u))
    u = usage(E)
    t.ok(u.get("by") == "user" and not check(u, "user"),
         "without --by: by user", u)
    rows = {r["key"]: r for r in usage(E, "--by", "team").get("rows", [])}
    # infra: claude-test 36 in, 172 out, 7 cache_write, 3 cache_read;
    # gpt-test 210 in, 51 out, 30 cache_read (reasoning is within output).
    # 108 + 2580 + 26.25 + 0.9 + 525 + 510 + 37.5 = 3787.65 micro-dollars.
    infra = rows.get("infra", {})
    t.ok(infra.get("cost_usd") is not None and
         abs(infra["cost_usd"] - 0.00378765) < 1e-12,
         "team infra costs the hand-computed $0.00378765", infra)
    ml = rows.get("ml", {})
    t.ok("cost_usd" in ml and ml["cost_usd"] is None and
         ml.get("unpriced") == ["o-test"],
         "team ml used a model without a price: null, naming it, not 0",
         ml)
    t.ok(ml.get("errors") == 1 and ml.get("errors_5xx") == 1 and
         ml.get("error_rate") == 0.25 and ml.get("actions") == 4,
         "team ml: one 5xx in four requests, four actions run", ml)
    u = usage(E, "--by", "team")
    t.is_(u.get("prices_taken"), "2025-11-01", "the prices' date is given")
    u = usage(E, "--by", "team", "--since", "2000-01-01T00:00:00Z",
              "--until", "2000-01-02T00:00:00Z")
    t.ok(u.get("rows") == [] and u.get("since") == "2000-01-01T00:00:00Z"
         and u.get("until") == "2000-01-02T00:00:00Z",
         "a period without records: no rows", u)
    u = usage(E, "--by", "team", "--since", "1h", "--bucket", "hour")
    series = u.get("series", [])
    sums = {}
    for p in series:
        s = sums.setdefault(p["key"], dict.fromkeys(KINDS, 0))
        for k in KINDS:
            s[k] += p["tokens"][k]
    t.ok(series and all(p["t"].endswith(":00:00Z") for p in series) and
         sums == {k: v["tokens"] for k, v in expected("team").items()},
         "--bucket hour: a series by hour that adds up to the rows", u)
    r = E.svc.aileron("usage", "--by", "team")
    t.like(r.stdout.decode(), r"(?m)^infra\s+5\s+246\s+223\s+7\s+33\s+5"
           r"\s+0\s+0\.003788\s+5\s+0/0/0\s+-\s+-\s+0\.0\s+"
           r"api\.(anthropic|openai)\.com,api\.(anthropic|openai)\.com$",
           "the table: a line per team, its cost and hosts")
    r = E.svc.aileron("usage", "--by", "nobody")
    t.is_(r.returncode, 2, "an unknown --by is a usage error")

    # A user who is no administrator: their own usage only.
    st, own = api(E.svc, BOB, "POST", "/v1/sessions", {"agent": "bobby"})
    st2, res = api(E.svc, None, "POST", "/v1/test/proxy", {
        "tokens": [own.get("token", "") if st == 201 else ""],
        "audit": [json.dumps({"event": "request", "host": O,
                              "connector": "openai", "status": 200,
                              "action": "create_chat_completion",
                              "tokens": {"input": 5, "output": 6,
                                         "model": "gpt-test"}}),
                  json.dumps({"event": "request", "host": O,
                              "connector": "openai", "status": 200,
                              "approval": "a1", "decision": "granted",
                              "approval_ms": 1000}),
                  json.dumps({"event": "request", "host": O,
                              "connector": "openai", "status": 403,
                              "type": "aileron:approval-denied",
                              "approval": "a2", "decision": "denied",
                              "approval_ms": 4000})]})
    E.svc.audit_until(lambda rs: len([r for r in rs
                                      if r.get("user") == "bob" and
                                      r.get("event") == "request"]) >= 3,
                      30)
    st, bob = api(E.svc, BOB, "GET", "/v1/usage?by=user")
    t.ok(st == 200 and [r["key"] for r in bob.get("rows", [])] == ["bob"]
         and bob["rows"][0]["tokens"]["input"] == 5 and
         bob["rows"][0]["tokens"]["output"] == 6,
         "bob reads his own usage, and nobody else's", bob)
    st, bob = api(E.svc, BOB, "GET", "/v1/usage?by=model")
    t.ok(st == 200 and [r["key"] for r in bob.get("rows", [])] ==
         ["", "gpt-test"] and bob["rows"][1]["requests"] == 1,
         "... by model too: his one request with tokens", bob)
    st, bob = api(E.svc, BOB, "GET", "/v1/usage?by=agent")
    ap = bob["rows"][0]["approvals"] if st == 200 and bob["rows"] else {}
    # Approvals the worker names but control never gave do not count
    # (t/usage-approvals.t counts real ones).
    t.ok(ap.get("asked") == 0 and ap.get("granted") == 0 and
         bob["rows"][0]["errors_4xx"] == 1 and
         bob["rows"][0]["actions"] == 1,
         "approvals a worker claims are not counted; the 403 a 4xx, "
         "not an action run", bob)
    u = usage(E, "--by", "user")
    t.ok(sorted(r["key"] for r in u.get("rows", [])) ==
         ["alice", "bob", "root"], "root reads everyone's", u)
    st, bad = api(E.svc, None, "GET", "/v1/usage?by=planet")
    t.is_(st, 400, "by= outside the list: 400")
    st, bad = api(E.svc, None, "GET", "/v1/usage?sort=up")
    t.is_(st, 400, "an unknown parameter: 400")

    # Restart, then again with the rollups dropped: rebuilt from the log.
    before = {by: usage(E, "--by", by) for by in ("user", "team", "model")}
    t.is_(E.svc.stop(), 0, "the service stops")
    E.svc.start(["-X"])
    after = {by: usage(E, "--by", by) for by in ("user", "team", "model")}
    t.ok(after == before and before["user"].get("rows"),
         "after a restart, the same sums", after)
    E.svc.stop()
    os.environ["AILERON_TEST_USAGE_REBUILD"] = "1"
    try:
        E.svc.start(["-X"])
    finally:
        del os.environ["AILERON_TEST_USAGE_REBUILD"]
    # Added in the background: the answers say "partial" until done.
    done = E.svc.wait_log(r"usage: the rollups now include record \d+", 30)
    after = {by: usage(E, "--by", by) for by in ("user", "team", "model")}
    t.ok(done and after == before,
         "rollups missing (as in a store from before them): rebuilt from "
         "the audit log, the same sums", after)
    st, bob = api(E.svc, BOB, "GET", "/v1/usage?by=user")
    t.ok(st == 200 and [r["key"] for r in bob.get("rows", [])] == ["bob"],
         "... and bob still sees only his own", bob)
finally:
    E.svc.stop()
    E.svc.remove()
    E.upstream.close()
t.done()
