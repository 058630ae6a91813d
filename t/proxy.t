#!/usr/bin/env python3
# Copyright (c) 2026 The aileron authors
#
# Permission to use, copy, modify, and distribute this software for any
# purpose with or without fee is hereby granted, provided that the above
# copyright notice and this permission notice appear in all copies.
#
# THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.

# The proxy end to end, with real clients (curl, Python's requests) and a
# local TLS upstream that echoes what it received: the session token
# (407 without it, a retry on the same connection), interception with the
# session CA, injection (the real credential arrives, the placeholder does
# not, and an upstream that echoes it never shows it to the agent),
# keep-alive, SSE as it comes, large bodies intact, redirects returned,
# blind tunnels, blocked addresses, SNI and ALPN, what policy refuses,
# encodings, cookies, the credential outside a whole body (a range, the
# reason phrase, two codings, a field's name), and the audit.

import base64
import hashlib
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from aileron import TAP, SAN, SLOW, wait_for, proc_cmdline  # noqa: E402
from proxyenv import (ProxyEnv, SECRET, PLACEHOLDER, exchange,  # noqa: E402
                      cli)
from echo_upstream import pattern                         # noqa: E402

t = TAP()
if os.geteuid() != 0:
    t.skip_all("needs root: the service drops to _aileron")
t.plan(73)

# plain.test is the same upstream, not a connector: a blind tunnel.
E = ProxyEnv(hosts=("echo.test", "plain.test"),
             extra_conf="approval timeout 1\n")
try:
    E.vault()
    s = E.start_session()
    t.like(s["session"], r"^[0-9a-f]{32}$", "a session starts")
    TOKEN = s["token"]
    env = E.client_env()
    FORMS = [SECRET, base64.b64encode(SECRET.encode()).decode(),
             urllib.parse.quote("Bearer " + SECRET), SECRET[1:],
             "\\u%04x" % ord(SECRET[0])]

    def curl(*args, timeout=60):
        p = subprocess.run(["curl", "-sS", "--suppress-connect-headers",
                            "--max-time", str(timeout)] +
                           list(args), env=env, capture_output=True,
                           timeout=timeout * SLOW + 10)
        return p.returncode, p.stdout, p.stderr.decode(errors="replace")

    def leaked(data):
        if isinstance(data, bytes):
            data = data.decode("latin-1")
        return [f for f in FORMS if f in data]

    # ---- the session token ------------------------------------------
    st, head = E.connect(token="0" * 64)
    t.is_(st, 407, "a wrong token gets 407")
    t.like(head.decode(), r"(?i)proxy-authenticate: basic",
           "with Proxy-Authenticate: Basic")
    sk = socket.create_connection(("127.0.0.1", E.svc.port), timeout=10)
    sk.sendall(b"CONNECT echo.test:443 HTTP/1.1\r\nHost: echo.test:443\r\n"
               b"\r\n")
    st1, h1, _ = exchange(sk, b"")
    auth = base64.b64encode(("s:" + TOKEN).encode()).decode()
    sk.sendall(("CONNECT echo.test:443 HTTP/1.1\r\nHost: echo.test:443\r\n"
                "Proxy-Authorization: Basic %s\r\n\r\n" % auth).encode())
    buf = b""
    while b"\r\n\r\n" not in buf:
        b = sk.recv(4096)
        if not b:
            break
        buf += b
    sk.close()
    t.ok(st1 == 407 and buf.startswith(b"HTTP/1.1 200"),
         "no token: 407, then the retried CONNECT on the same connection "
         "is let through", (st1, buf))

    # ---- injection through curl -------------------------------------
    E.upstream.take()
    rc, out, err = curl("-H", "Authorization: Bearer " + PLACEHOLDER,
                        "https://echo.test/echo?x=1")
    reqs = E.upstream.take()
    t.ok(rc == 0 and len(reqs) == 1, "curl through the proxy reaches the "
         "upstream", err)
    got = reqs[0]["headers"] if reqs else {}
    t.is_(got.get("authorization"), ["Bearer " + SECRET],
          "the upstream gets the real credential, once")
    t.ok(PLACEHOLDER not in json.dumps(got),
         "the placeholder never reaches the upstream")
    t.ok("proxy-authorization" not in got,
         "nor does Proxy-Authorization")
    t.is_(got.get("accept-encoding"), ["identity"],
          "Accept-Encoding is rewritten to identity")
    t.ok(rc == 0 and not leaked(out) and b"*" * 8 in out,
         "the echoed Authorization reaches the agent masked", out[:300])

    rc, out, err = curl("-i", "https://echo.test/leak")
    t.ok(rc == 0 and b"200" in out.split(b"\r\n")[0],
         "/leak answers", err)
    t.is_(leaked(out), [], "an upstream that echoes the credential in "
          "headers, JSON, base64 and URL-encoding never shows it")

    # Its base64 broken into lines: no six characters of it, at any of
    # the three alignments, are left once the lines are joined again.
    def b64_pieces(value, n=6):
        out = set()
        for k in range(3):
            e = base64.b64encode(b"\0" * k + value).decode()
            core = e[(8 * k + 5) // 6:8 * (k + len(value)) // 6]
            out.update(core[i:i + n] for i in range(len(core) - n + 1))
        return out
    pieces = b64_pieces(SECRET.encode())
    for style in ("json", "mime"):
        rc, out, err = curl("https://echo.test/leakwrap?style=" + style)
        joined = re.sub(r"\\n|\r|\n", "", out.decode("latin-1"))
        t.ok(rc == 0 and joined.count("*" * 40) >= 60 and
             not [p for p in pieces if p in joined],
             "base64 of the credential broken into lines (%s) never "
             "shows it" % style, err + out.decode("latin-1")[:300])

    # ---- Python requests --------------------------------------------
    if subprocess.run([sys.executable, "-c", "import requests"],
                      capture_output=True).returncode != 0:
        t.skip(1, "no Python requests module")
    else:
        py = subprocess.run([sys.executable, "-c", r"""
import requests, sys
r = requests.get("https://echo.test/echo",
                 headers={"Authorization": "Bearer PH"}, timeout=20)
sys.stdout.write("%d %s" % (r.status_code, r.text))
"""], env=env, capture_output=True, timeout=60)
        t.ok(py.returncode == 0 and py.stdout.startswith(b"200 ") and
             not leaked(py.stdout), "Python requests through the proxy",
             py.stderr.decode()[-600:])

    # ---- keep-alive: 100 requests on one connection -----------------
    E.upstream.take()
    c = E.connect()
    ok = 0
    for i in range(100):
        st, hd, body = exchange(c, b"GET /echo?i=%d HTTP/1.1\r\n"
                                b"Host: echo.test\r\n\r\n" % i)
        ok += st == 200 and b'"path": "/echo?i=%d"' % i in body
    c.close()
    t.is_(ok, 100, "100 requests on one keep-alive connection")
    t.is_(len(E.upstream.take()), 100, "the upstream got all 100")

    # ---- hop-by-hop fields, and what Connection names ------------------
    E.upstream.take()
    c = E.connect()
    st, hd, body = exchange(c, b"GET /echo HTTP/1.1\r\nHost: echo.test\r\n"
                            b"Connection: keep-alive, X-Secret-Hop\r\n"
                            b"X-Secret-Hop: from the agent\r\n"
                            b"Keep-Alive: timeout=5\r\nTE: trailers\r\n"
                            b"X-Kept: yes\r\n\r\n")
    c.close()
    got = E.upstream.take()
    h = got[0]["headers"] if got else {}
    t.ok(st == 200 and h.get("x-kept") == ["yes"] and
         not any(k in h for k in ("x-secret-hop", "keep-alive", "te",
                                  "connection")),
         "hop-by-hop fields and every field Connection names are removed",
         sorted(h))

    # ---- the upstream's TLS session is resumed by the next worker -------
    for i in range(2):
        c = E.connect()
        exchange(c, b"GET /echo?resume=%d HTTP/1.1\r\nHost: echo.test\r\n"
                 b"\r\n" % i)
        c.close()
    t.ok(E.svc.wait_log(r"echo\.test: upstream TLS resumed"),
         "the next connection's worker resumes the upstream's TLS session "
         "with the ticket vaultd kept")

    # ---- an upstream that drops a kept-alive connection ------------------
    c = E.connect()
    a = exchange(c, b"GET /drop HTTP/1.1\r\nHost: echo.test\r\n\r\n")
    b2 = exchange(c, b"GET /echo?after-drop HTTP/1.1\r\nHost: echo.test\r\n"
                  b"\r\n")
    c.close()
    t.ok(a[0] == 200 and b2[0] == 200 and b"after-drop" in b2[2] and
         E.svc.wait_log(r"echo\.test: the kept-alive upstream connection "
                        r"closed; sending the request again"),
         "a request on an upstream connection that closed meanwhile is sent "
         "again on a new one", (a[0], b2[0]))

    # ---- ... but a request that may not run twice is not sent again ------
    c = E.connect()
    a = exchange(c, b"GET /echo?before-droponce HTTP/1.1\r\n"
                 b"Host: echo.test\r\n\r\n")
    b2 = exchange(c, b"POST /echo?droponce=post HTTP/1.1\r\nHost: echo.test"
                  b"\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n"
                  b"\r\nonce!")
    c.close()
    ran = [r for r in E.upstream.take() if r["path"] == "/echo?droponce=post"]
    t.ok(a[0] == 200 and b2[0] == 502 and
         b"aileron:upstream-closed" in b2[2] and
         b"may or may not have run" in b2[2] and
         b2[1].get("x-should-retry") == ["false"] and len(ran) == 1,
         "a POST (x-aileron-idempotent: false) whose upstream closes before "
         "answering runs once: 502 aileron:upstream-closed, not sent again",
         (a[0], b2, len(ran)))

    # ---- pipelined: answered in order ---------------------------------
    c = E.connect()
    c.sendall(b"GET /echo?p=1 HTTP/1.1\r\nHost: echo.test\r\n\r\n"
              b"GET /echo?p=2 HTTP/1.1\r\nHost: echo.test\r\n\r\n")
    a = exchange(c, b"")
    b2 = exchange(c, b"")
    c.close()
    t.ok(a[0] == 200 and b"p=1" in a[2] and b2[0] == 200 and
         b"p=2" in b2[2], "two pipelined requests are answered in order")

    # ---- SSE as it comes ----------------------------------------------
    c = E.connect()
    c.settimeout(10)
    t0 = time.monotonic()
    c.sendall(b"GET /sse?pause=2 HTTP/1.1\r\nHost: echo.test\r\n\r\n")
    buf = b""
    while b"data: first" not in buf:
        b = c.recv(4096)
        if not b:
            break
        buf += b
    first = time.monotonic() - t0
    while b"0\r\n\r\n" not in buf:
        b = c.recv(4096)
        if not b:
            break
        buf += b
    c.close()
    t.ok(first < 1.5 * SLOW, "the first SSE event arrives before the "
         "upstream finishes (%.2f s, the upstream pauses 2 s)" % first)
    t.ok(b"data: second" in buf and not leaked(buf),
         "the second event follows, its credential masked")

    # ---- large bodies ---------------------------------------------------
    N = 100 * 1024 * 1024
    rc, out, err = curl("-o", "-", "https://echo.test/big?n=%d" % N,
                        timeout=300)
    t.ok(rc == 0 and len(out) == N and
         hashlib.sha256(out).digest() ==
         hashlib.sha256(pattern(N)).digest(),
         "100 MiB down, intact (sha256)", err)
    up = os.path.join(E.tmp, "up.bin")
    with open(up, "wb") as f:
        f.write(pattern(N))
    rc, out, err = curl("-X", "POST", "--data-binary", "@" + up,
                        "-H", "Content-Type: application/octet-stream",
                        "https://echo.test/upload", timeout=300)
    res = json.loads(out) if rc == 0 else {}
    t.ok(res.get("body_len") == N and res.get("body_sha256") ==
         hashlib.sha256(pattern(N)).hexdigest(),
         "100 MiB up, intact (sha256)", err)
    rc, out, err = curl("-X", "POST", "-H", "Transfer-Encoding: chunked",
                        "--data-binary", "@" + up,
                        "https://echo.test/upload", timeout=300)
    res = json.loads(out) if rc == 0 else {}
    t.ok(res.get("body_len") == N, "100 MiB up, chunked", err)
    # Under the match's limit the body is read whole before it goes on.
    M = 300 * 1024 + 7
    with open(up, "wb") as f:
        f.write(pattern(M))
    rc, out, err = curl("-X", "POST", "--data-binary", "@" + up,
                        "https://echo.test/upload")
    res = json.loads(out) if rc == 0 else {}
    t.ok(res.get("body_len") == M and res.get("body_sha256") ==
         hashlib.sha256(pattern(M)).hexdigest(),
         "300 KiB up, read before the match, intact (sha256)", err)
    os.unlink(up)
    rc, out, err = curl("-X", "POST", "-H", "Expect: 100-continue",
                        "--data-binary", "x" * 5000,
                        "https://echo.test/upload")
    t.ok(rc == 0 and b'"body_len": 5000' in out,
         "Expect: 100-continue: answered once allowed", err)

    # A body goes up as it comes: what the agent sent is not held while
    # the worker waits for the rest.
    E.upstream.take()
    c = E.connect()
    c.sendall(b"POST /upload HTTP/1.1\r\nHost: echo.test\r\n"
              b"Transfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n")
    time.sleep(2 * SLOW)
    a = exchange(c, b"6\r\nsecond\r\n0\r\n\r\n")
    c.close()
    reqs = E.upstream.take()
    fb = reqs[-1]["first_byte_s"] if reqs else None
    t.ok(a[0] == 200 and b'"body_len": 11' in a[2] and fb is not None and
         fb < SLOW, "a body's first chunk reaches the upstream before the "
         "agent sends the rest (after %s s; the agent pauses %d s)" %
         (fb if fb is None else "%.2f" % fb, 2 * SLOW))

    # ---- a worker's memory while it relays 1 GiB ------------------------
    if SAN:
        t.skip(1, "memory is not measured under the sanitizers")
    else:
        peak = [0]
        stop = [False]

        def sample():
            while not stop[0]:
                for w in E.svc.by_role()[2]:
                    if "echo.test" not in proc_cmdline(w):
                        continue
                    try:
                        for line in open("/proc/%d/status" % w):
                            if line.startswith("VmRSS:"):
                                peak[0] = max(peak[0], int(line.split()[1]))
                    except OSError:
                        pass
                time.sleep(0.05)
        th = threading.Thread(target=sample)
        th.start()
        rc, out, err = curl("-o", "/dev/null", "-w", "%{size_download}",
                            "https://echo.test/big?n=%d" % (1 << 30),
                            timeout=300)
        stop[0] = True
        th.join()
        t.ok(rc == 0 and out == b"%d" % (1 << 30) and 0 < peak[0] < 8192,
             "1 GiB relayed, the worker's RSS stays under 8 MiB (peak %d "
             "KiB)" % peak[0], err)

    # ---- redirects, cookies, encodings ----------------------------------
    rc, out, err = curl("-i", "https://echo.test/redirect")
    t.ok(rc == 0 and out.startswith(b"HTTP/1.1 302") and
         b"location: https://elsewhere.test/landing" in out.lower(),
         "a redirect is returned, not followed", out[:300])
    t.ok(not leaked(out), "and carries no credential")
    rc, out, err = curl("-i", "https://echo.test/cookie")
    t.ok(rc == 0 and b"200" in out[:20] and
         b"set-cookie" not in out.lower(),
         "Set-Cookie is stripped from a connector's response", out[:300])
    rc, out, err = curl("-i", "https://echo.test/gzip")
    t.ok(rc == 0 and b'"auth"' in out and
         b"content-encoding" not in out.lower() and not leaked(out),
         "a gzip answer is inflated, checked and masked", out[:400])
    E.upstream.take()
    rc, out, err = curl("-i", "https://echo.test/br")
    t.ok(rc == 0 and out.startswith(b"HTTP/1.1 502") and
         b"aileron:unscannable" in out,
         "an encoding the proxy cannot check: 502 aileron:unscannable",
         out[:400])

    # ---- the credential outside a whole body --------------------------
    # In parts (Range), none of which would hold it whole to be masked.
    E.upstream.take()
    c = E.connect()
    st, hd, body = exchange(c, b"GET /echo HTTP/1.1\r\nHost: echo.test\r\n"
                            b"Range: bytes=0-9\r\nIf-Range: \"v1\"\r\n"
                            b"\r\n")
    c.close()
    got = E.upstream.take()
    h = got[0]["headers"] if got else {}
    t.ok(st == 200 and got and "range" not in h and "if-range" not in h,
         "Range and If-Range never reach a connector's host", sorted(h))
    rc, out, err = curl("-i", "https://echo.test/reflect?how=partial")
    t.ok(out.startswith(b"HTTP/1.1 502") and
         b"aileron:unscannable" in out and b"206" in out,
         "a 206 from a connector's host: 502 aileron:unscannable",
         out[:400])
    rc, out, err = curl("-i", "https://echo.test/reflect?how=byteranges")
    t.ok(out.startswith(b"HTTP/1.1 502") and
         b"aileron:unscannable" in out and b"byteranges" in out,
         "so is multipart/byteranges", out[:400])
    rc, out, err = curl("-i", "https://echo.test/reflect?how=reason")
    t.ok(out.startswith(b"HTTP/1.1 401 Unauthorized\r\n") and
         not leaked(out), "the reason phrase is the proxy's own, never the "
         "upstream's", out[:200])
    rc, out, err = curl("-i", "https://echo.test/reflect?how=twoce")
    t.ok(out.startswith(b"HTTP/1.1 502") and
         b"aileron:unscannable" in out and not leaked(out),
         "two Content-Encoding fields (gzip, identity): one list of two "
         "codings, 502 aileron:unscannable", out[:400])
    rc, out, err = curl("-i", "https://echo.test/reflect?how=cevalue")
    t.ok(out.startswith(b"HTTP/1.1 502") and b"*" * 20 in out and
         not leaked(out), "a coding the refusal names is masked there",
         out[:400])
    rc, out, err = curl("-i", "https://echo.test/reflect?how=name")
    t.ok(rc == 0 and out.startswith(b"HTTP/1.1 200") and
         re.search(rb"(?im)^x-seen-\*{8,}: 1\r$", out) and not leaked(out),
         "a field's name is masked like its value", out[:400])

    # ---- policy ----------------------------------------------------------
    E.upstream.take()
    rc, out, err = curl("-i", "-X", "POST", "-H",
                        "Content-Type: application/json", "-d", "{}",
                        "https://echo.test/danger")
    t.ok(out.startswith(b"HTTP/1.1 403") and
         b"aileron:approval-expired" in out,
         "an action that needs approval is refused when nobody grants it "
         "in time (t/approval.t has the rest)", out[:400])
    rc, out, err = curl("-i", "https://echo.test/nowhere")
    t.ok(out.startswith(b"HTTP/1.1 403") and b"aileron:denied" in out,
         "a request that maps to no action is refused", out[:400])
    t.is_(E.upstream.take(), [], "neither reached the upstream")
    t.like(out.decode(errors="replace"), r"(?i)content-type: "
           r"application/problem\+json", "refusals are problem+json")

    # ---- the Host is the CONNECT's ---------------------------------------
    c = E.connect()
    st, hd, body = exchange(c, b"GET /echo HTTP/1.1\r\nHost: "
                            b"evil.test\r\n\r\n")
    c.close()
    t.ok(st == 400 and not E.upstream.take(),
         "a Host that differs from the CONNECT: 400, no credential, "
         "nothing forwarded", (st, body))

    # The action is matched by the request line: a field by which some
    # servers take another method or path is refused on a connector.
    bad = []
    for f in ("X-HTTP-Method-Override: DELETE", "x-original-url: /danger"):
        c = E.connect()
        st, hd, body = exchange(c, b"GET /echo HTTP/1.1\r\nHost: echo.test"
                                b"\r\n%s\r\n\r\n" % f.encode())
        c.close()
        if st != 400 or E.upstream.take():
            bad.append((f, st, body[:200]))
    t.ok(not bad, "a method or path override field on a connector's host: "
         "400, nothing forwarded", bad)

    # A name with the DNS root's dot is the same name: intercepted, with
    # the credential, not tunnelled blind past the policy and its audit.
    E.upstream.take()
    rc, out, err = curl("-H", "Authorization: Bearer " + PLACEHOLDER,
                        "https://echo.test./echo")
    reqs = E.upstream.take()
    got = reqs[0]["headers"] if reqs else {}
    t.ok(rc == 0 and got.get("authorization") == ["Bearer " + SECRET],
         "CONNECT echo.test.:443, the root's dot: the connector's host, "
         "intercepted and injected", (rc, err, got))

    # ---- plain HTTP and ports ---------------------------------------------
    sk = socket.create_connection(("127.0.0.1", E.svc.port), timeout=10)
    st, hd, body = exchange(sk, ("GET http://echo.test/echo HTTP/1.1\r\n"
                                 "Host: echo.test\r\nProxy-Authorization: "
                                 "Basic %s\r\n\r\n" % auth).encode())
    sk.close()
    t.ok(st == 400 and b"TLS" in body,
         "plain http:// to a connector's host: 400, naming why", body)
    st, head = E.connect(port=80)
    t.ok(st == 400 and b"443" in head,
         "CONNECT to a connector's host on port 80: 400, naming why", head)

    # ---- blind tunnels and addresses --------------------------------------
    E.upstream.take()
    rc, out, err = curl("--cacert", E.ca, "https://plain.test/echo")
    reqs = E.upstream.take()
    t.ok(rc == 0 and b'"path": "/echo"' in out,
         "a host that is no connector's is tunnelled", err)
    t.ok(reqs and "authorization" not in reqs[0]["headers"],
         "with nothing injected")
    st, head = E.connect(host="10.0.0.1")
    t.ok(st == 403 and b"aileron:blocked-address" in head,
         "a private address is refused", head)
    st, head = E.connect(host="169.254.169.254", port=80)
    t.ok(st == 403 and b"aileron:blocked-address" in head,
         "the cloud metadata address is refused", head)

    # ---- TLS: SNI and ALPN -------------------------------------------------
    import ssl
    try:
        c = E.connect(sni="other.test")
        c.sendall(b"GET /echo HTTP/1.1\r\nHost: echo.test\r\n\r\n")
        r = c.recv(100)
        t.ok(False, "an SNI that differs from the CONNECT is refused", r)
    except (ssl.SSLError, OSError) as e:
        t.ok(True, "an SNI that differs from the CONNECT is refused (%s)"
             % e.__class__.__name__)
    try:
        c = E.connect(sni=False)
        c.sendall(b"GET /echo HTTP/1.1\r\nHost: echo.test\r\n\r\n")
        r = c.recv(100)
        t.ok(False, "a handshake without SNI is refused", r)
    except (ssl.SSLError, OSError) as e:
        t.ok(True, "a handshake without SNI is refused (%s)" %
             e.__class__.__name__)
    try:
        c = E.connect(alpn=["h2"])
        t.ok(False, "a client that insists on h2 is refused")
    except (ssl.SSLError, OSError):
        t.ok(True, "a client that insists on h2 is refused")
    c = E.connect(alpn=["h2", "http/1.1"])
    t.is_(c.selected_alpn_protocol(), "http/1.1",
          "ALPN: http/1.1 is chosen over h2")
    c.close()

    # ---- framing cases (t/proxy/*.case) ------------------------------------
    cases = sorted(os.listdir(os.path.join(os.path.dirname(__file__),
                                           "proxy")))
    cases = [c for c in cases if c.endswith(".case")]

    def parse_case(path):
        case = {"mode": "tunnel", "send": b"", "status": None,
                "upstream": "none"}
        for line in open(path, encoding="utf-8"):
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            k, v = line.split(":", 1)
            v = v.strip()
            if k == "send":
                case["send"] += v[1:-1].encode("latin-1").decode(
                    "unicode_escape").encode("latin-1")
            else:
                case[k] = v
        return case

    def run_case(name, byte):
        case = parse_case(os.path.join(os.path.dirname(__file__), "proxy",
                                       name))
        # The unit test's host is api.example.test; ours is echo.test.
        data = re.sub(rb"(?i)api\.example\.test", b"Echo.TEST",
                      case["send"].replace(b"{host}", b"echo.test"))
        want = int(case["status"])
        if case["mode"] == "proxy" and want == 200:
            return []       # a token of its own: the tests above cover it
        E.upstream.take()
        try:
            if case["mode"] == "proxy":
                c = socket.create_connection(("127.0.0.1", E.svc.port),
                                             timeout=10)
            else:
                c = E.connect()
            st, hd, body = exchange(c, data, byte=byte)
            c.close()
        except OSError as e:
            st, body = -1, str(e).encode()
        ups = E.upstream.take()
        how = "%s%s" % (name, " (byte by byte)" if byte else "")
        bad = []
        if st != want:
            bad.append("%s: got %s want %s: %r" % (how, st, want,
                                                   body[:120]))
        if case["upstream"] == "none" and ups:
            bad.append("%s: the upstream got %d requests" % (how, len(ups)))
        if case["upstream"] == "forwarded" and not ups:
            bad.append("%s: the upstream got nothing" % how)
        return bad

    bad = []
    for name in cases:
        bad += run_case(name, False)
    t.ok(len(cases) >= 20 and not bad, "every framing case (%d) answers "
         "as its file says, through the proxy" % len(cases),
         "\n".join(bad))
    bad = []
    for name in cases:
        bad += run_case(name, True)
    t.ok(not bad, "and the same fed one byte at a time", "\n".join(bad))

    # ---- the audit -----------------------------------------------------------
    REFLECT_REFUSED = ("206", "multipart/byteranges", "gzip, identity")

    def refused_reflect(recs, why):
        return any(r.get("action") == "reflect" and
                   r.get("status") == 502 and
                   r.get("type") == "aileron:unscannable" and
                   why in r.get("reason", "") for r in recs)
    recs = E.svc.audit_wait_all([
        lambda r: r.get("path") == "/danger" and r.get("event") == "request",
        lambda r: r.get("event") == "tunnel" and r.get("host") == "plain.test"
        and r.get("bytes_down", 0) > 0,
        lambda r: r.get("event") == "tls" and "SNI" in r.get("reason", ""),
        lambda r: r.get("event") == "tls" and "ALPN" in r.get("reason", "")] +
        [lambda r, w=w: refused_reflect([r], w) for w in REFLECT_REFUSED])
    t.ok(any(r.get("event") == "request" and r.get("action") == "echo_get"
             and r.get("status") == 200 and r.get("user") for r in recs),
         "a forwarded request is audited with its action and user")
    t.ok(any(r.get("event") == "tunnel" and r.get("host") == "plain.test"
             and r.get("bytes_down", 0) > 0 for r in recs),
         "a blind tunnel is audited by host and bytes")
    t.ok(any(r.get("event") == "proxy-auth" and r.get("status") == 407
             for r in recs), "a refused token is audited")
    t.ok(any(r.get("action") == "danger" and r.get("status") == 403
             for r in recs), "a refused action is audited",
         [r for r in recs if "danger" in json.dumps(r)])
    t.ok(all(refused_reflect(recs, w) for w in REFLECT_REFUSED),
         "the answers refused for the credential's sake (206, byteranges, "
         "two codings) are audited with their reason",
         [r for r in recs if r.get("action") == "reflect"])
    t.ok(any(r.get("event") == "tls" and "SNI" in r.get("reason", "")
             for r in recs) and
         any(r.get("event") == "tls" and "ALPN" in r.get("reason", "")
             for r in recs),
         "refused handshakes are audited with the reason (SNI, ALPN)")
    t.ok(any(r.get("query") == "redacted" for r in recs) and
         not any("x=1" in json.dumps(r) for r in recs),
         "queries are redacted in the audit")
    every = E.svc.audit_export() + E.svc.log_text().encode()
    t.is_(leaked(every), [], "no form of the credential in the audit "
          "or the logs")
    t.ok(TOKEN.encode() not in every,
         "nor the session token")

    rc, out, err = cli(E.svc, ["session", "end", s["session"]])
    t.ok(rc == 0, "the session ends", err)
    st, head = E.connect(token=TOKEN)
    t.is_(st, 407, "and its token stops working")
finally:
    E.close()
t.done()
