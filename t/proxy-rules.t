#!/usr/bin/env python3
# Copyright (c) 2026 The aileron authors
#
# Permission to use, copy, modify, and distribute this software for any
# purpose with or without fee is hereby granted, provided that the above
# copyright notice and this permission notice appear in all copies.
#
# THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.

# The proxy's rules around the request: egress deny and allow host, real
# name resolution (a local DNS server) for a tunnel, plain http:// to a
# host that is no connector's, the deadlines (a slow head, an idle
# keep-alive connection, an upstream that dribbles or never answers), a
# generated shim through the proxy.

import http.server
import json
import os
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from aileron import TAP, SLOW, SRC, wait_for                # noqa: E402
from proxyenv import ProxyEnv, SECRET, exchange                  # noqa: E402

t = TAP()
if os.geteuid() != 0:
    t.skip_all("needs root: the service drops to _aileron")
t.plan(24)

BUILD = os.environ.get("AILERON_BUILD") or os.path.join(SRC, "build")
DNSD = os.path.join(SRC, "t", "helpers", "dnsd.py")


class _Plain(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        body = json.dumps({"path": self.path,
                           "headers": dict(self.headers)}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        lens = self.headers.get_all("Content-Length") or []
        got = self.rfile.read(int(lens[0])) if len(lens) == 1 else b""
        body = json.dumps({"path": self.path, "content_length": lens,
                           "body": got.decode(errors="replace")}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


plain = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Plain)
threading.Thread(target=plain.serve_forever, daemon=True).start()
dns = subprocess.Popen([sys.executable, DNSD, "--lifetime", "600",
                        "dns.test=127.0.0.1"], stdout=subprocess.PIPE)
dport = int(dns.stdout.readline())

E = None
try:
    E = ProxyEnv(hosts=("echo.test", "tunnel.test"), extra_conf=(
        'egress deny\n'
        'allow host "tunnel.test"\n'
        'allow host "dns.test"\n'
        'allow host "plainhttp.test"\n'
        'resolve "plainhttp.test" 127.0.0.1:%d\n'
        'nameserver 127.0.0.1:%d\n'
        'timeout header 2\n'
        'timeout idle 2\n'
        'timeout upstream 3\n' % (plain.server_address[1], dport)))
    E.vault()
    E.start_session()
    env = E.client_env()

    def curl(*args):
        p = subprocess.run(["curl", "-sS", "--suppress-connect-headers",
                            "--max-time", "30"] + list(args), env=env,
                           capture_output=True, timeout=60 * SLOW)
        return p.returncode, p.stdout, p.stderr.decode(errors="replace")

    # ---- egress ---------------------------------------------------------
    rc, out, err = curl("--cacert", E.ca, "https://tunnel.test/echo")
    t.ok(rc == 0 and b'"path": "/echo"' in out,
         "egress deny: an allow host is tunnelled", err)
    st, head = E.connect(host="other.test")
    t.ok(st == 403 and b"allow host" in head,
         "egress deny: any other host gets 403, naming why", head)

    # ---- real resolution: dns.test through the local DNS server --------
    rc, out, err = curl("--cacert", E.ca, "-k",
                        "https://dns.test:%d/echo" % E.upstream.port)
    t.ok(rc == 0 and b'"path": "/echo"' in out,
         "a tunnel's host is resolved by the configured nameserver", err)
    st, head = E.connect(host="nxdomain.test", port=443)
    t.ok(st == 403, "a host on no allow line is refused before any lookup",
         head)

    # ---- plain http:// --------------------------------------------------
    rc, out, err = curl("-x", E.proxy_url(), "http://plainhttp.test/p?q=1")
    j = json.loads(out) if rc == 0 and out.startswith(b"{") else {}
    t.ok(j.get("path") == "/p?q=1" and
         "Proxy-Authorization" not in j.get("headers", {}),
         "plain http:// to an allowed host is forwarded in origin-form, "
         "without the proxy's credentials", out[:300])
    rc, out, err = curl("-x", E.proxy_url(), "-d", "{}",
                        "http://plainhttp.test/post")
    j = json.loads(out) if rc == 0 and out.startswith(b"{") else {}
    t.ok(j.get("content_length") == ["2"] and j.get("body") == "{}",
         "a plain http:// POST reaches the upstream with one "
         "Content-Length", out[:300])
    sk = socket.create_connection(("127.0.0.1", E.svc.port), timeout=10)
    st, hd, body = exchange(sk, b"GET https://echo.test/echo HTTP/1.1\r\n"
                            b"Host: echo.test\r\n\r\n")
    sk.close()
    t.is_(st, 400, "https:// in absolute form is refused, not downgraded")

    # ---- deadlines --------------------------------------------------------
    c = E.connect()
    t0 = time.monotonic()
    st, hd, body = exchange(c, b"GET /echo HTTP/1.1\r\nHost: echo.test\r\n",
                            timeout=10)
    took = time.monotonic() - t0
    c.close()
    t.ok(st == 408 and took < 6 * SLOW,
         "a head that never ends: 408 at the header deadline (%.1f s)" %
         took, (st, body))
    c = E.connect()
    st, hd, body = exchange(c, b"GET /echo HTTP/1.1\r\nHost: echo.test\r\n"
                            b"\r\n")
    t0 = time.monotonic()
    c.settimeout(10)
    try:
        rest = c.recv(100)
    except OSError:
        rest = None
    took = time.monotonic() - t0
    c.close()
    t.ok(st == 200 and rest == b"" and 1.5 < took < 6 * SLOW,
         "an idle keep-alive connection is closed at its deadline "
         "(%.1f s)" % took, (st, rest))
    c = E.connect()
    t0 = time.monotonic()
    st, hd, body = exchange(c, b"GET /hang?secs=8 HTTP/1.1\r\n"
                            b"Host: echo.test\r\n\r\n", timeout=15)
    took = time.monotonic() - t0
    c.close()
    t.ok(st == 504 and took < 6 * SLOW and b"x-should-retry" in
         b"".join(x.encode() for x in hd.keys()),
         "an upstream that never answers: 504 at the upstream deadline "
         "(%.1f s), x-should-retry: false" % took, (st, body, hd))
    c = E.connect()
    t0 = time.monotonic()
    c.settimeout(15)
    c.sendall(b"GET /slow HTTP/1.1\r\nHost: echo.test\r\n\r\n")
    got = b""
    while True:
        try:
            b = c.recv(4096)
        except OSError:
            break
        if not b:
            break
        got += b
    took = time.monotonic() - t0
    c.close()
    t.ok(got.startswith(b"HTTP/1.1 200") and len(got.split(b"\r\n\r\n", 1)
                                                  [1]) < 100 and
         took < 8 * SLOW,
         "an upstream that dribbles is cut at the deadline (%.1f s, %d "
         "body bytes of 100)" % (took, len(got.split(b"\r\n\r\n", 1)[-1])))

    recs = E.svc.audit_wait(lambda r: r.get("event") == "connect" and
                            r.get("host") == "other.test")
    audit = E.svc.audit_export().decode()
    t.ok(any(r.get("event") == "plain-http" and
             r.get("host") == "plainhttp.test" for r in recs),
         "plain http:// is audited by host")
    t.ok(any(r.get("event") == "connect" and r.get("status") == 403 and
             r.get("host") == "other.test" for r in recs),
         "an egress refusal is audited")
    t.ok(SECRET not in audit + E.svc.log_text(),
         "no credential in the audit or the logs")
finally:
    if E is not None:
        E.close()

# ---- a generated shim through the proxy ---------------------------------
E = ProxyEnv(hosts=("api.stripe.com",), connector="stripe",
             spec="../../specs/stripe.json",
             extra_conf="intercept all\napproval timeout 1\n",
             uncertified=("badcert.test",))
try:
    E.vault(secret="sk_test_STRIPEREAL0001")
    E.start_session()
    env = E.shim_env()
    p = subprocess.run([os.path.join(BUILD, "shims", "stripe"),
                        "get-customer", "--customer", "cus_T1"], env=env,
                       capture_output=True, timeout=60 * SLOW)
    reqs = E.upstream.take()
    t.ok(p.returncode == 0 and len(reqs) == 1 and
         reqs[0]["path"] == "/v1/customers/cus_T1",
         "the stripe shim's request reaches the upstream through the proxy",
         p.stderr.decode()[-400:])
    t.is_(reqs[0]["headers"].get("authorization") if reqs else None,
          ["Bearer sk_test_STRIPEREAL0001"],
          "with the real credential injected")
    t.ok(b"sk_test_STRIPEREAL0001" not in p.stdout + p.stderr,
         "which the shim never sees")
    p = subprocess.run([os.path.join(BUILD, "shims", "stripe"),
                        "update-customer", "--customer", "cus_T1", "--name",
                        "x"], env=env, capture_output=True,
                       timeout=60 * SLOW)
    t.ok(p.returncode != 0 and not E.upstream.take() and
         b"approval" in p.stdout + p.stderr,
         "an action that needs approval and gets none in time is "
         "refused, and the shim says why",
         (p.stdout + p.stderr)[-400:])
    # intercept all: a host that is no connector's is intercepted too, and
    # its upstream's certificate (made for api.stripe.com) is checked.
    st, hd, body = exchange(E.connect(host="badcert.test"),
                            b"GET / HTTP/1.1\r\nHost: badcert.test\r\n\r\n")
    t.ok(st == 502 and b"aileron:upstream-tls" in body and
         b"certificate" in body,
         "intercept all: an upstream whose certificate does not verify "
         "gets 502 aileron:upstream-tls, naming why", (st, body))
    # The worker sends the record after the answer: wait for it.
    E.svc.audit_wait(lambda r: r.get("type") == "aileron:upstream-tls")
    audit = E.svc.audit_export()
    t.ok(b'"type":"aileron:upstream-tls"' in audit,
         "and it is audited")
    t.ok(b'"action":"get_customer"' in audit,
         "the shim's action is audited by name")
    t.ok(b"sk_test_STRIPEREAL0001" not in audit,
         "without the credential")
finally:
    E.close()
    plain.shutdown()
    dns.kill()
    dns.wait()

# ---- egress deny with intercept all: the allow lines hold all the same --
E = ProxyEnv(hosts=("echo.test",), uncertified=("other.test",),
             extra_conf="intercept all\negress deny\n")
try:
    E.vault()
    E.start_session()
    E.upstream.take()
    r = E.connect(host="other.test")
    if not isinstance(r, tuple):      # tunnelled: the code before
        r.close()
        r = (200, b"")
    st, head = r
    t.ok(st == 403 and b"allow host" in head and not E.upstream.take(),
         "intercept all and egress deny: a host on no allow line gets 403, "
         "and nothing reaches it", head)
    st, hd, body = exchange(E.connect(),
                            b"GET /echo HTTP/1.1\r\nHost: echo.test\r\n"
                            b"\r\n")
    t.is_(st, 200, "a connector's host is still intercepted and forwarded")
finally:
    E.close()
t.done()
