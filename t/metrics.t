#!/usr/bin/env python3
# metrics.t: /metrics (issue 14, section 3).  LLM requests through the
# proxy to a local double of the Anthropic API (one model name per
# request, more than the cap), approvals granted and denied; then
# /metrics on api.sock and on the metrics listener parses with
# prometheus_client's parser, and its counters equal what the audit
# trail holds.  The listener answers only the token or an allowed
# address, and only to its own Host; an unmapped uid gets 403 on
# api.sock; the configuration refuses what it must.

import grp
import hashlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from aileron import TAP, SLOW, BIN, wait_for  # noqa: E402
from proxyenv import ProxyEnv, exchange, cli, MASTER  # noqa: E402
from llmdouble import double, post  # noqa: E402
from otheruid import free_uid  # noqa: E402

t = TAP()
if os.geteuid() != 0:
    t.skip_all("needs root: the service drops to _aileron")
# Required: make check's deps step installs Debian's python3-prometheus-
# client (etc/deps.sh), for /usr/bin/python3; a python3 of one's own
# earlier in PATH finds the same pure-Python package there.
try:
    from prometheus_client.parser import text_string_to_metric_families
except ImportError:
    sys.path.append("/usr/lib/python3/dist-packages")
    from prometheus_client.parser import text_string_to_metric_families
t.plan(40)

MODELS = 40             # distinct model names sent: more than the cap (32)
CAP = 32


def answer(path, req):
    """The Anthropic double: its answer names the model the request did,
    with counts that depend on it; max_tokens 1 gets an answer whose
    counts cannot be read."""
    model = req.get("model", "x")
    if req.get("max_tokens") == 1:
        return 200, "text/html", "<html>overloaded</html>"
    k = len(model)
    return 200, "application/json", json.dumps({
        "id": "msg", "type": "message", "model": model,
        "content": [{"type": "text", "text": "hi"}],
        "usage": {"input_tokens": 10 + k, "output_tokens": 3 * k,
                  "cache_creation_input_tokens": 2,
                  "cache_read_input_tokens": 1}})


def ask(tls, model, max_tokens=64):
    st, hdrs, out = post(tls, "api.anthropic.com", "/v1/messages",
                         {"model": model, "max_tokens": max_tokens,
                          "messages": [{"role": "user", "content": "hi"}]})
    return st


def session(E, team):
    rc, out, err = cli(E.svc, ["session", "start", "--agent", "tests",
                               "--team", team, "--json", "--key-fd",
                               "KEYFD"], [MASTER])
    if rc != 0:
        raise RuntimeError("session start: " + out + err)
    return json.loads(out)


def api_get(E, path, uid=None, gid=None):
    """GET on api.sock with curl, as uid: (status, content type, body)."""
    argv = ["curl", "-sS", "--max-time", "20", "--unix-socket",
            E.svc.path("api.sock"), "-o", "-", "-w",
            "\n%{http_code} %{content_type}", "http://localhost" + path]
    if uid is not None:
        argv = ["setpriv", "--reuid=%d" % uid, "--regid=%d" % gid,
                "--clear-groups"] + argv
    p = subprocess.run(argv, capture_output=True, timeout=60 * SLOW)
    out, _, tail = p.stdout.decode().rpartition("\n")
    code, _, ctype = tail.partition(" ")
    return int(code or 0), ctype, out


def tcp_get(addr, host=None, token=None, source="127.0.0.1",
            path="/metrics", method="GET", extra=""):
    """One request on the metrics listener, by hand so that Host is
    ours to say: (status, headers, body)."""
    h, p = addr.rsplit(":", 1)
    s = socket.create_connection((h, int(p)), timeout=20 * SLOW,
                                 source_address=(source, 0))
    req = "%s %s HTTP/1.1\r\nHost: %s\r\n%s" % (method, path,
                                                 host or addr, extra)
    if token is not None:
        req += "Authorization: Bearer %s\r\n" % token
    req += "Connection: close\r\n\r\n"
    try:
        return exchange(s, req.encode(), until_close=True)
    finally:
        s.close()


def samples(text):
    """{(sample name, labels as a sorted tuple): value}, and the
    families by name, as prometheus_client's parser reads the text."""
    fams = {}
    out = {}
    for f in text_string_to_metric_families(text):
        fams[f.name] = f
        for s in f.samples:
            key = (s.name, tuple(sorted(s.labels.items())))
            if key in out:
                raise ValueError("a series twice: %r" % (key,))
            out[key] = s.value
    return out, fams


def pick(smp, name, **labels):
    """The samples of name whose labels include these: {labels: value}."""
    return {k[1]: v for k, v in smp.items() if k[0] == name and
            all(dict(k[1]).get(a) == b for a, b in labels.items())}


def total(smp, name, **labels):
    return sum(pick(smp, name, **labels).values())


def status_class(r):
    s = r.get("status")
    return "%dxx" % (s // 100) if isinstance(s, int) and 100 <= s <= 599 \
        else "none"


def expected(recs):
    """What /metrics must count, computed from the audit records."""
    e = {"records": {}, "requests": {}, "decisions": {}, "approvals": {},
         "tokens": {}, "kinds": {}, "unknown": 0, "known": 0,
         "models": set(), "bymodel": {}}
    seen = []           # model names in the order control counted them
    for r in sorted(recs, key=lambda r: r.get("seq", 0)):
        ev = r.get("event")
        e["records"][ev] = e["records"].get(ev, 0) + 1
        conn = r.get("connector", "none")
        act = r.get("action", "none")
        if ev == "request":
            k = (conn, act, status_class(r))
            e["requests"][k] = e["requests"].get(k, 0) + 1
            tok = r.get("tokens")
            if tok == "unknown":
                e["unknown"] += 1
            elif isinstance(tok, dict):
                e["known"] += 1
                m = tok.get("model")
                e["models"].add(m)
                if m is not None and m not in seen and len(seen) < CAP:
                    seen.append(m)
                label = "unknown" if m is None else \
                    m if m in seen else "other"
                for kind in ("input", "output", "cache_write",
                             "cache_read", "reasoning"):
                    if kind in tok:
                        e["bymodel"][(label, kind)] = \
                            e["bymodel"].get((label, kind), 0) + tok[kind]
                        e["kinds"][kind] = e["kinds"].get(kind, 0) + \
                            tok[kind]
                        if tok.get("model") == "claude-test":
                            kk = (r.get("team", "none"), kind)
                            e["tokens"][kk] = e["tokens"].get(kk, 0) + \
                                tok[kind]
        elif ev == "decision":
            k = (conn, act, r.get("decision"))
            e["decisions"][k] = e["decisions"].get(k, 0) + 1
        elif ev == "approval":
            k = r.get("decision")
            e["approvals"][k] = e["approvals"].get(k, 0) + 1
    return e


def compare(smp, e):
    """The differences between /metrics and the audit trail ([]: none)."""
    bad = []
    for ev, n in e["records"].items():
        got = total(smp, "aileron_audit_records_total", event=ev)
        if got != n:
            bad.append(("records", ev, got, n))
    if total(smp, "aileron_audit_records_total") != \
            sum(e["records"].values()):
        bad.append(("records", "all"))
    for (c, a, s), n in e["requests"].items():
        got = total(smp, "aileron_requests_total", connector=c, action=a,
                    status=s)
        if got != n:
            bad.append(("requests", c, a, s, got, n))
    if total(smp, "aileron_requests_total") != sum(e["requests"].values()):
        bad.append(("requests", "all"))
    for (c, a, d), n in e["decisions"].items():
        got = total(smp, "aileron_decisions_total", connector=c, action=a,
                    decision=d)
        if got != n:
            bad.append(("decisions", c, a, d, got, n))
    for d, n in e["approvals"].items():
        got = total(smp, "aileron_approvals_total", outcome=d)
        if got != n:
            bad.append(("approvals", d, got, n))
    for kind, n in e["kinds"].items():
        got = total(smp, "aileron_tokens_total", kind=kind)
        if got != n:
            bad.append(("tokens", kind, got, n))
    for (model, kind), n in e["bymodel"].items():
        got = total(smp, "aileron_tokens_total", model=model, kind=kind)
        if got != n:
            bad.append(("tokens", model, kind, got, n))
    for (team, kind), n in e["tokens"].items():
        got = total(smp, "aileron_tokens_total", model="claude-test",
                    team=team, kind=kind)
        if got != n:
            bad.append(("tokens", "claude-test", team, kind, got, n))
    if total(smp, "aileron_llm_responses_total", usage="unknown") != \
            e["unknown"] or total(smp, "aileron_llm_responses_total",
                                  usage="known") != e["known"]:
        bad.append(("llm responses", e["unknown"], e["known"]))
    return bad


TOKEN = secrets.token_hex(32)
HASH = hashlib.sha256(TOKEN.encode()).hexdigest()
try:
    GID = grp.getgrnam("aileron").gr_gid
except KeyError:
    GID = None
BOB = free_uid(42520)
NOBODY = free_uid(BOB + 1)
conf = ("metrics listen 127.0.0.1 port 0\n"
        "metrics token sha256:%s\n"
        "metrics allow 127.0.0.2\n"
        'policy "anthropic.create_message" approve for team "review"\n'
        'user "bob" uid %d\n' % (HASH, BOB))
E = ProxyEnv(hosts=("api.anthropic.com",), connector="anthropic",
             spec="../../specs/anthropic.json", upstream=double(answer),
             extra_conf=conf)
try:
    os.chmod(E.svc.state, 0o711)        # other uids reach api.sock
    E.vault()
    alpha = session(E, "alpha")
    review = session(E, "review")

    # ---- a scripted exchange ---------------------------------------------
    E.session = alpha
    tls = E.connect(host="api.anthropic.com")
    sts = [ask(tls, "claude-test")]
    sts += [ask(tls, "m-%02d" % i) for i in range(MODELS)]
    sts += [ask(tls, "claude-test"), ask(tls, "claude-test", max_tokens=1)]
    tls.close()
    t.ok(all(s == 200 for s in sts), "%d LLM requests through the proxy, "
         "%d model names" % (len(sts), MODELS + 1), sts)

    E.session = review
    done = {}

    def waiting(name):
        c = E.connect(host="api.anthropic.com")
        done[name] = ask(c, "claude-test")
        c.close()

    def pending():
        rc, out, err = cli(E.svc, ["approval", "list", "--json"])
        a = json.loads(out) if rc == 0 else []
        return a[0]["id"] if len(a) == 1 else None

    outcomes = []
    for name, verb in (("granted", "grant"), ("denied", "deny")):
        th = threading.Thread(target=waiting, args=(name,), daemon=True)
        th.start()
        aid = wait_for(pending, 20, step=0.1)
        if aid:
            cli(E.svc, ["approval", verb, aid])
        th.join(30 * SLOW)
        outcomes.append(done.get(name))
    t.ok(outcomes == [200, 403], "a request approved, one denied",
         outcomes)

    # ---- api.sock: parses, and equals the audit trail --------------------
    state = {}

    def settled():
        """The audit, a scrape, the audit again: the same records
        before and after, and the scrape equal to them."""
        before = E.svc.audit()
        st, ctype, text = api_get(E, "/metrics")
        after = E.svc.audit()
        state.update(status=st, ctype=ctype, text=text, recs=after)
        if st != 200 or len(before) != len(after):
            return False
        try:
            smp, fams = samples(text)
        except ValueError as e:
            state["error"] = str(e)
            return False
        state.update(smp=smp, fams=fams)
        exp = expected(after)
        state["bad"] = compare(smp, exp)
        return exp["records"].get("approval") == 2 and \
            exp["unknown"] >= 1 and not state["bad"]
    wait_for(settled, 30, step=0.3)
    t.is_(state.get("status"), 200, "GET /metrics on api.sock: 200")
    t.ok(state.get("ctype", "").startswith("text/plain; version=0.0.4"),
         "text/plain; version=0.0.4", state.get("ctype"))
    t.ok("fams" in state, "prometheus_client's parser reads it",
         state.get("error", state.get("text", "")[:2000]))
    smp = state.get("smp", {})
    fams = state.get("fams", {})
    recs = state.get("recs", [])
    exp = expected(recs)
    t.is_(state.get("bad"), [], "its counters equal the audit trail's "
          "(records by event, requests, decisions, approvals, tokens, "
          "unknown responses)")
    t.ok(total(smp, "aileron_requests_total", connector="anthropic",
               action="create_message", status="2xx") >= MODELS + 3,
         "requests by connector, action and status class",
         pick(smp, "aileron_requests_total"))
    t.ok(exp["tokens"].get(("alpha", "input")) and
         total(smp, "aileron_tokens_total", model="claude-test",
               team="alpha", kind="input") ==
         exp["tokens"][("alpha", "input")],
         "tokens of one model and team, exactly", exp["tokens"])
    models = set(dict(k).get("model") for k in
                 pick(smp, "aileron_tokens_total"))
    t.ok(len(exp["models"]) > CAP + 1 and len(models) <= CAP + 1 and
         "other" in models and "m-39" not in models and
         total(smp, "aileron_tokens_total", model="other", kind="input") ==
         exp["bymodel"].get(("other", "input")),
         "%d model names make at most %d values and \"other\"" %
         (len(exp["models"]), CAP), sorted(models))
    t.ok(len(smp) < 400, "the whole text is a bounded number of series",
         len(smp))
    t.ok(not any(v in json.dumps(k) for k in smp for v in
                 (alpha["session"], review["session"], "/v1/messages",
                  "api.anthropic.com")),
         "no session id, path or host in a label")
    t.ok(total(smp, "aileron_llm_responses_total", usage="unknown",
               model="unknown", team="alpha") == 1,
         "the response whose counts could not be read: usage unknown")
    t.ok(total(smp, "aileron_approvals_total", outcome="granted",
               connector="anthropic", action="create_message") == 1 and
         total(smp, "aileron_approvals_total", outcome="denied") == 1,
         "approval outcomes", pick(smp, "aileron_approvals_total"))
    h = fams.get("aileron_approval_latency_seconds")
    t.ok(h is not None and h.type == "histogram" and
         total(smp, "aileron_approval_latency_seconds_count") == 2 and
         total(smp, "aileron_approval_latency_seconds_bucket",
               le="+Inf") == 2 and
         total(smp, "aileron_approval_latency_seconds_sum") > 0,
         "approval latency: a histogram, one observation per approval",
         pick(smp, "aileron_approval_latency_seconds_count"))
    lat = [r.get("latency_ms", -1) for r in recs
           if r.get("event") == "approval"]
    t.ok(abs(total(smp, "aileron_approval_latency_seconds_sum") -
             sum(lat) / 1000.0) < 0.01,
         "whose sum is the audit's latencies", lat)
    t.ok(total(smp, "aileron_channel_call_seconds_count", peer="control") > 0
         and total(smp, "aileron_channel_call_seconds_count",
                   peer="vaultd") > 0 and
         total(smp, "aileron_channel_call_seconds_bucket", peer="control",
               le="+Inf") ==
         total(smp, "aileron_channel_call_seconds_count", peer="control"),
         "the workers' calls to control and vaultd: histograms",
         pick(smp, "aileron_channel_call_seconds_count"))
    t.ok(total(smp, "aileron_workers_max") == 16 and
         total(smp, "aileron_workers_prefork") == 2 and
         total(smp, "aileron_workers", state="busy") >= 1 and
         total(smp, "aileron_workers", state="idle") >= 0,
         "the pool's gauges, from the master",
         pick(smp, "aileron_workers"))
    t.ok(0 < total(smp, "aileron_start_time_seconds"),
         "the time the counters count from")

    # ---- the metrics listener ---------------------------------------------
    addr = E.svc.info.get("metrics", "")
    t.ok(addr.startswith("127.0.0.1:") and addr != "127.0.0.1:0",
         "service.json says where the metrics listener is", E.svc.info)
    port = addr.rsplit(":", 1)[1]
    st, hd, body = tcp_get(addr)
    t.ok(st == 401 and hd.get("www-authenticate"),
         "no token: 401 with WWW-Authenticate", (st, hd, body))
    st, hd, body = tcp_get(addr, token=secrets.token_hex(32))
    t.is_(st, 401, "a wrong token: 401")
    st, hd, body = tcp_get(addr, token=TOKEN[:-1])
    t.is_(st, 401, "the token less a digit: 401")
    st, hd, body = tcp_get(addr, token=TOKEN, host="rebind.example:" + port)
    t.is_(st, 421, "the token with a Host that is a name: 421")
    st, hd, body = tcp_get(addr, token=TOKEN, host="127.0.0.1:1")
    t.is_(st, 421, "a Host with another port: 421")
    st, hd, body = tcp_get(addr, token=TOKEN)
    ok = False
    try:
        tsmp, _ = samples(body.decode())
        ok = compare(tsmp, exp) == [] and \
            total(tsmp, "aileron_audit_records_total") == \
            total(smp, "aileron_audit_records_total")
    except ValueError:
        tsmp = {}
    t.ok(st == 200 and ok, "with the token: 200, and the same counters",
         (st, body[:500]))
    st, hd, body = tcp_get(addr, token=TOKEN, host="localhost:" + port)
    t.is_(st, 200, "Host localhost and the port: 200")
    st, hd, body = tcp_get(addr, source="127.0.0.2")
    t.ok(st == 200 and b"aileron_requests_total" in body,
         "from an address on metrics allow, no token needed", st)
    st, hd, body = tcp_get(addr, source="127.0.0.3")
    t.is_(st, 401, "from another address, still the token")
    st, hd, body = tcp_get(addr, token=TOKEN, path="/v1/audit")
    t.is_(st, 404, "nothing but /metrics on the listener")
    st, hd, body = tcp_get(addr, token=TOKEN, extra="Host: evil:1\r\n")
    t.is_(st, 421, "a second Host: 421")
    st, hd, body = tcp_get(addr, token=TOKEN, method="POST")
    t.is_(st, 405, "POST: 405")

    # ---- a new token on reload ----------------------------------------------
    TOKEN2 = secrets.token_hex(32)
    E.svc.write_conf(open(E.svc.path("aileron.conf")).read().replace(
        HASH, hashlib.sha256(TOKEN2.encode()).hexdigest()))
    os.kill(E.svc.pid, signal.SIGHUP)
    t.ok(wait_for(lambda: tcp_get(addr, token=TOKEN2)[0] == 200,
                  20 * SLOW, step=0.2),
         "SIGHUP: the new token's hash is in force, on the same listener")
    t.is_(tcp_get(addr, token=TOKEN)[0], 401, "and the old token is not")
    log = E.svc.log_text()
    t.ok(TOKEN not in log and TOKEN[:16] not in log,
         "the token is nowhere in the log")

    # ---- api.sock: who may read -------------------------------------------
    if GID is None:
        t.skip(2, "no group aileron; make user creates it")
    else:
        st, ctype, text = api_get(E, "/metrics", BOB, GID)
        t.ok(st == 200 and "aileron_requests_total" in text,
             "a mapped uid (a user line) reads /metrics", (st, text[:200]))
        st, ctype, text = api_get(E, "/metrics", NOBODY, GID)
        t.is_(st, 403, "an unmapped uid: 403")
finally:
    E.close()

# ---- the configuration ------------------------------------------------------
d = tempfile.mkdtemp(prefix="aileron-t.")


def check(text):
    with open(os.path.join(d, "c.conf"), "w") as f:
        f.write(text)
    return subprocess.run([BIN, "service", "-n", "-f",
                           os.path.join(d, "c.conf"), "-s", d],
                          capture_output=True, text=True)


r = check("metrics listen 0.0.0.0 port 9100\nmetrics token sha256:%s\n" %
          HASH)
t.ok(r.returncode == 1 and "only a loopback address" in r.stderr,
     "metrics listen on a non-loopback address is refused", r.stderr)
r = check("metrics listen 127.0.0.1 port 9100\nmetrics token %s\n" % TOKEN)
t.ok(r.returncode == 1 and "never the token itself" in r.stderr,
     "a token in clear is refused: only its SHA-256", r.stderr)
r = check("metrics listen 127.0.0.1 port 9100\n")
t.ok(r.returncode == 1 and "needs a metrics token or a metrics allow" in
     r.stderr, "a listener nobody may use is refused", r.stderr)
r = check("metrics listen ::1 port 9100\nmetrics allow ::1\n"
          "metrics token sha256:%s\n" % HASH.upper())
t.is_(r.returncode, 0, "IPv6 loopback, an allow line, an upper-case hash")
subprocess.run(["rm", "-rf", d])
t.done()
