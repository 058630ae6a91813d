#!/usr/bin/env python3
# Copyright (c) 2026 The aileron authors
#
# Permission to use, copy, modify, and distribute this software for any
# purpose with or without fee is hereby granted, provided that the above
# copyright notice and this permission notice appear in all copies.
#
# THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.

# audit.t: the audit log against the real service, through the proxy and
# the API: decisions recorded before the action, outcomes naming them,
# the hash chain and its head, verification finding an edited, an
# inserted and a removed record and a truncated tail (where a test
# touches control's files: tampering is the point), kill -9 of control
# during 1,000 audited requests, the size of its log files, retention
# and backup.

import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from aileron import TAP, SLOW, SRC, alive, wait_for  # noqa: E402
from proxyenv import ProxyEnv, exchange  # noqa: E402

t = TAP()
if os.geteuid() != 0:
    t.skip_all("needs root: the service drops to _aileron")
BUILD = os.environ.get("AILERON_BUILD", os.path.join(SRC, "build"))
TAMPER = os.path.join(BUILD, "t", "helpers", "audit_tamper")
if not os.path.exists(TAMPER):
    t.skip_all("%s is missing (make unit)" % TAMPER)
t.plan(36)


def verify(svc):
    r = svc.aileron("audit", "verify", "--json")
    try:
        return r.returncode, json.loads(r.stdout)
    except ValueError:
        return r.returncode, {"stderr": r.stderr.decode()}


def requests(E, n, path=b"/echo"):
    """n GETs on one keep-alive connection: how many got 200."""
    c = E.connect()
    ok = 0
    for i in range(n):
        st, _, _ = exchange(c, b"GET %s?i=%d HTTP/1.1\r\nHost: echo.test"
                            b"\r\n\r\n" % (path, i))
        ok += st == 200
    c.close()
    return ok


E = ProxyEnv()
try:
    svc = E.svc
    E.vault()
    sess = E.start_session()

    # ---- records: decisions before outcomes, chained --------------------
    t.is_(requests(E, 5), 5, "5 requests through the proxy")
    recs = svc.audit_until(lambda recs: len(
        [r for r in recs if r.get("event") == "request" and
         r.get("status") == 200]) >= 5)
    dec = [r for r in recs if r.get("event") == "decision"]
    out = [r for r in recs if r.get("event") == "request" and
           r.get("action") == "echo_get"]
    t.ok(len(dec) == 5 and all(
        r.get("action") == "echo_get" and r.get("connector") == "echo" and
        r.get("method") == "GET" and r.get("host") == "echo.test" and
        r.get("path") == "/echo" and r.get("session") == sess["session"] and
        r.get("user") and r.get("agent") == "tests" and
        r.get("decision") == "allow" for r in dec),
        "each action's decision is recorded: action, connector, method, "
        "host, path, session, user, agent, decision", dec[:1])
    t.ok(not any("i=" in json.dumps(r) for r in recs),
         "never the query")
    bys = {r["seq"]: r for r in recs}
    t.ok(len(out) == 5 and all(
        bys.get(r.get("decision_seq", 0), {}).get("event") == "decision"
        and r["decision_seq"] < r["seq"] and r.get("status") == 200 and
        "bytes_down" in r and "duration_ms" in r for r in out),
        "each outcome is its own record, after its decision, naming it",
        out[:1])
    seqs = [r["seq"] for r in recs]
    t.is_(seqs, list(range(1, len(recs) + 1)),
          "records are numbered from 1 without a gap")
    lines = svc.audit_export().splitlines()
    prev = "0" * 64
    linked = True
    for line in lines:
        if json.loads(line)["prev"] != prev:
            linked = False
        prev = hashlib.sha256(line).hexdigest()
    t.ok(len(lines) == len(recs) and linked,
         "the export as sealed: each record holds the SHA-256 of the one "
         "before it")
    rc, v = verify(svc)
    t.ok(rc == 0 and v.get("ok") is True and v.get("records") ==
         len(lines) and v["head"]["sha256"] == prev,
         "aileron audit verify: intact, and the head is the last hash", v)
    t.ok(svc.wait_log(r"audit head %d %s" % (len(lines), prev)),
         "the head goes to the log after each commit")
    r = svc.aileron("audit", "query", "--action", "echo_get", "--json")
    t.ok(r.returncode == 0 and
         len(json.loads(r.stdout)) == 10,
         "query --action: the decisions and outcomes of that action")
    r = svc.aileron("audit", "query", "--since", "2000-01-01T00:00:00Z",
                    "--until", "1h", "--json")
    t.ok(r.returncode == 0 and json.loads(r.stdout) == [],
         "query --until 1h (an hour ago): none yet")
    r = svc.aileron("audit", "query", "--since", "tomorrow")
    t.ok(r.returncode == 2 and b"RFC 3339" in r.stderr,
         "a time that is neither RFC 3339 nor an age: exit 2, saying so")
    r = svc.aileron("audit", "query")
    t.like(r.stdout.decode(), r"\S+Z \d+ decision user=\S+ connector=echo "
           r"action=echo_get method=GET host=echo.test path=/echo "
           r"decision=allow", "query without --json: a line a record")

    # ---- a denied action is recorded before the refusal ------------------
    c = E.connect()
    st, _, _ = exchange(c, b"GET /danger HTTP/1.1\r\nHost: echo.test\r\n\r\n")
    c.close()
    recs = svc.audit_wait(lambda r: r.get("path") == "/danger" and
                          r.get("event") == "request")
    d = [r for r in recs if r.get("path") == "/danger"]
    t.ok(st == 403 and any(r.get("event") == "request" and
                           r.get("status") == 403 for r in d),
         "an action no route matches: refused and audited", d)

    # ---- the API: who reads what ---------------------------------------
    def api(path, method=b"GET"):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(15 * SLOW)
        s.connect(svc.info["api_socket"])
        s.sendall(b"%s %s HTTP/1.1\r\nHost: x\r\n\r\n" % (method, path))
        reply = b""
        while True:
            b = s.recv(65536)
            if not b:
                break
            reply += b
        s.close()
        head, _, body = reply.partition(b"\r\n\r\n")
        return int(head.split(b" ")[1]), head, body
    st, _, body = api(b"/v1/audit?bogus=1")
    t.ok(st == 400 and b"unknown query parameter" in body,
         "GET /v1/audit with an unknown parameter: 400", body)
    st, head, _ = api(b"/v1/audit", b"DELETE")
    t.ok(st == 405 and b"Allow: GET" in head, "DELETE /v1/audit: 405")
    st, head, body = api(b"/v1/audit/export")
    t.ok(st == 200 and b"chunked" in head and
         body.count(b'"seq":') == len(svc.audit()),
         "GET /v1/audit/export: JSON lines, chunked")
    st, _, body = api(b"/v1/audit?limit=3")
    j = json.loads(body) if st == 200 else {}
    t.ok(len(j.get("records", [])) == 3 and j.get("next") == 3,
         "GET /v1/audit?limit=3: a page, and where the next starts", j)

    # ---- backup ------------------------------------------------------------
    bk = os.path.join(E.tmp, "bk")
    r = svc.aileron("backup", bk)
    t.ok(r.returncode == 0 and os.path.exists(os.path.join(bk, "audit.db"))
         and not [n for n in os.listdir(svc.path("control"))
                  if n.startswith("backup-")],
         "aileron backup DIR: control's store copied there, nothing left "
         "behind", r.stderr)

    # ---- tampering, with the service stopped ----------------------------
    rc, v = verify(svc)
    last = v.get("last", 0)
    svc.stop()
    clean = os.path.join(E.tmp, "clean")
    shutil.copytree(svc.path("control"), clean, symlinks=True)
    shutil.copy2(svc.path("audit.head"), clean + ".head")
    owner = os.stat(svc.path("control"))
    dseq = dec[2]["seq"]

    def chown_control():
        os.chown(svc.path("control"), owner.st_uid, owner.st_gid)
        for n in os.listdir(svc.path("control")):
            os.chown(os.path.join(svc.path("control"), n), owner.st_uid,
                     owner.st_gid)

    def tamper(*args):
        r = subprocess.run([TAMPER, svc.path("control")] + list(args),
                           capture_output=True, timeout=60)
        chown_control()
        return r.returncode

    def restore():
        shutil.rmtree(svc.path("control"))
        shutil.copytree(clean, svc.path("control"), symlinks=True)
        shutil.copy2(clean + ".head", svc.path("audit.head"))
        chown_control()

    for what, args, kind, at in (
            ("an edited record", ("edit", str(dseq)), "altered", dseq),
            ("an inserted record", ("insert", str(dseq)), "inserted",
             dseq + 1),
            ("a removed record", ("delete", str(dseq)), "removed", dseq),
            ("a truncated tail", ("truncate", "2"), "removed",
             last - 1)):
        restore()
        trc = tamper(*args)
        svc.start(["-X"])
        rc, v = verify(svc)
        t.ok(trc == 0 and rc == 1 and v.get("ok") is False and
             v.get("kind") == kind and v.get("seq") == at,
             "verify finds %s: %s" % (what, v.get("problem")), v)
        svc.stop()
    t.like(v.get("problem", ""), r"head mismatch",
           "a truncated tail is a head mismatch")
    restore()
    svc.start(["-X"])
    rc, v = verify(svc)
    t.ok(rc == 0 and v.get("ok") is True, "the untouched copy verifies",
         v)

    # ---- kill -9 of control during 1,000 audited requests -------------
    sess = E.start_session()
    control = svc.by_role()[0]
    answered = [0]
    stop = threading.Event()
    lock = threading.Lock()

    def agent(n):
        for _ in range(n):
            if stop.is_set():
                return
            try:
                c = E.connect(timeout=5)
                if isinstance(c, tuple):
                    return
                for i in range(25):
                    st, _, _ = exchange(c, b"GET /echo?k=%d HTTP/1.1\r\n"
                                        b"Host: echo.test\r\n\r\n" % i,
                                        timeout=5)
                    if st != 200:
                        break
                    with lock:
                        answered[0] += 1
                c.close()
            except (OSError, ValueError, IndexError):
                return
    threads = [threading.Thread(target=agent, args=(10,))
               for _ in range(4)]     # 4 x 10 x 25 = 1,000 requests
    for th in threads:
        th.start()
    wait_for(lambda: answered[0] >= 300, 60)
    os.kill(control, signal.SIGKILL)
    before = answered[0]
    stop.set()
    for th in threads:
        th.join(60 * SLOW)
    t.ok(before >= 300 and not any(th.is_alive() for th in threads),
         "control killed with SIGKILL after %d of 1,000 answers" % before)
    try:
        svc.proc.wait(30 * SLOW)
    except subprocess.TimeoutExpired:
        pass
    t.ok(svc.proc.poll() is not None and not alive(control),
         "the service stopped without control")
    svc.start(["-X"])
    recs = svc.audit("--session", sess["session"])
    allowed = [r for r in recs if r.get("event") == "decision" and
               r.get("decision") == "allow"]
    t.ok(len(allowed) >= answered[0] > 0,
         "after a restart every answered request has its decision "
         "record (%d answers, %d decisions)" % (answered[0], len(allowed)))
    rc, v = verify(svc)
    t.ok(rc == 0 and v.get("ok") is True,
         "and the chain verifies (%s records)" % v.get("records"), v)
    # A new log file is written full of zeros before its first commit:
    # with Berkeley DB's 10 MiB default that stalled control for 20-30 ms.
    cdir = os.path.join(svc.state, "control")
    sizes = [os.path.getsize(os.path.join(cdir, f))
             for f in os.listdir(cdir) if f.startswith("log.")]
    t.ok(sizes and max(sizes) < 2 << 20,
         "control's log files are about 1 MiB", sizes)
finally:
    E.close()

# ---- a decision that cannot be recorded is not carried out ----------
os.environ["AILERON_TEST_AUDIT_FAIL"] = "1"
try:
    F = ProxyEnv()
finally:
    del os.environ["AILERON_TEST_AUDIT_FAIL"]
try:
    F.vault()
    F.start_session()
    F.upstream.take()
    c = F.connect()
    st, hd, body = exchange(c, b"GET /echo HTTP/1.1\r\nHost: echo.test"
                            b"\r\n\r\n")
    c.close()
    t.ok(st == 503 and b"aileron:audit" in body and not F.upstream.take(),
         "a commit that fails: 503 aileron:audit, and the upstream never "
         "saw the request", (st, body))
finally:
    F.close()

# ---- retention ---------------------------------------------------------
R = ProxyEnv(extra_conf="audit retention 2s\naudit syslog\n")
try:
    R.vault()
    R.start_session()
    t.ok(requests(R, 3) == 3 and R.svc.audit_wait(
        lambda r: r.get("event") == "request", 10),
        "retention 2s: requests recorded")
    t.ok(R.svc.wait_log(r"audit record \{\"seq\":1,"),
         "audit syslog: each record goes to the log too")
    t.ok(wait_for(lambda: R.svc.audit() == [], 20),
         "records older than the retention leave the log")
    rc, v = verify(R.svc)
    t.ok(rc == 0 and v.get("ok") is True and v.get("first", 0) > 1 and
         v.get("records") == 0,
         "the log still verifies, from its anchor (first %s)" %
         v.get("first"), v)
    head = v.get("head", {}).get("seq", 0)
    requests(R, 1)
    rc, v = verify(R.svc)
    t.ok(rc == 0 and v.get("ok") is True and
         v.get("head", {}).get("seq", 0) >= head + 2,
         "and new records chain on from it (they may be gone already)", v)
    t.ok(R.svc.wait_log(r"retention removed \d+ records?; the log starts "
                        r"at record \d+"), "retention says what it did")
finally:
    R.close()
t.done()
