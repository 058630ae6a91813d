#!/usr/bin/env python3
# tokens.t: LLM token counts read at the proxy as responses pass (issue
# 14, section 1, in part).  A local double of the Anthropic Messages API
# answers in JSON and in an SSE stream; the proxy's outcome record of
# each request carries the exact counts the double sent, and a response
# whose counts cannot be read says "unknown".

import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from aileron import TAP, SLOW  # noqa: E402
from proxyenv import ProxyEnv, SECRET  # noqa: E402
from llmdouble import double, post  # noqa: E402

t = TAP()
if os.geteuid() != 0:
    t.skip_all("needs root: the service drops to _aileron")
t.plan(8)

JSON = {"id": "msg_1", "type": "message", "model": "claude-test",
        "content": [{"type": "text",
                     "text": '{"usage": {"input_tokens": 999}}'}],
        "usage": {"input_tokens": 25, "output_tokens": 150,
                  "cache_read_input_tokens": 3}}
SSE = ("event: message_start\n"
       'data: {"type":"message_start","message":{"model":"claude-test",'
       '"usage":{"input_tokens":472,"output_tokens":2}}}\n\n'
       "event: content_block_delta\n"
       'data: {"type":"content_block_delta","delta":{"text":"hi"}}\n\n'
       "event: message_delta\n"
       'data: {"type":"message_delta","usage":{"output_tokens":15}}\n\n'
       "event: message_delta\n"
       'data: {"type":"message_delta","usage":{"output_tokens":89}}\n\n'
       "event: message_stop\n"
       'data: {"type":"message_stop"}\n\n')


def answer(path, req):
    if req.get("stream"):
        return 200, "text/event-stream", SSE
    if req.get("max_tokens") == 2:
        # An upstream that echoes the credential where the model goes.
        return 200, "application/json", json.dumps(dict(JSON, model=SECRET))
    if req.get("max_tokens") == 1:
        return 200, "text/html", "<html>overloaded</html>"
    return 200, "application/json", json.dumps(JSON)


def ask(E, body):
    tls = E.connect(host="api.anthropic.com")
    st, hdrs, out = post(tls, "api.anthropic.com", "/v1/messages", body)
    tls.close()
    return st, out


E = ProxyEnv(hosts=("api.anthropic.com",), connector="anthropic",
             spec="../../specs/anthropic.json", upstream=double(answer))
try:
    E.vault()
    E.start_session()
    base = {"model": "claude-test", "max_tokens": 64,
            "messages": [{"role": "user", "content": "hi"}]}
    st, out = ask(E, base)
    t.ok(st == 200 and b'"output_tokens": 150' in out,
         "a JSON answer reaches the agent whole", out[:200])
    st, out = ask(E, dict(base, stream=True))
    t.ok(st == 200 and b"message_stop" in out,
         "an SSE stream reaches the agent", out[:200])
    st, out = ask(E, dict(base, max_tokens=1))

    def recs():
        return [r for r in E.svc.audit() if r.get("event") == "request" and
                r.get("host") == "api.anthropic.com"]
    # The three outcomes, from workers that send them in no set order.
    E.svc.audit_until(lambda rs: len([r for r in rs if
                                      r.get("event") == "request" and
                                      r.get("host") == "api.anthropic.com"])
                      >= 3, 30)
    rs = recs()
    t.ok(any(r.get("tokens") == {"input": 25, "output": 150,
                                 "cache_read": 3, "model": "claude-test"}
             for r in rs),
         "the JSON answer's counts and model, not the decoy in its text",
         rs)
    t.ok(any(r.get("tokens") == {"input": 472, "output": 89,
                                 "model": "claude-test"} for r in rs),
         "the stream's running totals: the last wins", rs)
    t.ok(any(r.get("tokens") == "unknown" for r in rs),
         "an answer whose counts cannot be read: unknown, never a guess",
         rs)
    r = E.svc.aileron("usage", "--by", "model", "--json")
    u = json.loads(r.stdout) if r.returncode == 0 else {}
    rows = {x["key"]: x for x in u.get("rows", [])}
    ct = rows.get("claude-test", {})
    t.ok(ct.get("tokens") == {"input": 25 + 472, "output": 150 + 89,
                              "cache_write": 0, "cache_read": 3,
                              "reasoning": 0} and
         ct.get("requests") == 2 and rows.get("", {}).get("unknown") == 1,
         "aileron usage --by model: the exact sums, the unknown one apart",
         u)
    r = E.svc.aileron("usage", "--by", "agent")
    t.like(r.stdout.decode(),
           r"(?m)^tests\s+3\s+497\s+239\s+0\s+3\s+0\s+1\s",
           "aileron usage --by agent: a row per agent")

    # The model the proxy keeps is read from what the agent gets: masked.
    st, out = ask(E, dict(base, max_tokens=2))
    E.svc.audit_until(lambda rs: len([r for r in rs if
                                      r.get("event") == "request" and
                                      r.get("host") == "api.anthropic.com"])
                      >= 4, 30)
    r = E.svc.aileron("usage", "--by", "model", "--json")
    seen = json.dumps(recs()) + r.stdout.decode(errors="replace")
    t.ok(st == 200 and SECRET.encode() not in out and SECRET not in seen
         and any(isinstance(x.get("tokens"), dict) and
                 x["tokens"].get("model", "").startswith("*")
                 for x in recs()),
         "a credential echoed as the model is masked in the audit and "
         "aileron usage too", seen[-600:])
finally:
    E.svc.stop()
    E.svc.remove()
    E.upstream.close()
t.done()
