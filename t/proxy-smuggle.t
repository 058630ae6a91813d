#!/usr/bin/env python3
# Copyright (c) 2026 The aileron authors
#
# Permission to use, copy, modify, and distribute this software for any
# purpose with or without fee is hereby granted, provided that the above
# copyright notice and this permission notice appear in all copies.
#
# THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.

# proxy-smuggle.t: an upstream that answers without reading a body it did
# not expect ("CL.0") takes the body for its next request, and the next
# head on that connection, the credential in it, for that request's body.
# The agent chose the body: here a POST /store, whose body the upstream
# keeps where the agent's owner could read it.  A GET or HEAD with a body
# is refused; after any other request that sent a body, the upstream
# connection is used again only when the action declares a body and the
# answer is a success (t/proxy/smuggle.json), so the credential lands in
# no body the agent chose.

import os
import socket
import ssl
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from aileron import TAP, SLOW                               # noqa: E402
from proxyenv import ProxyEnv, SECRET, exchange             # noqa: E402

t = TAP()
if os.geteuid() != 0:
    t.skip_all("needs root: the service drops to _aileron")
t.plan(10)


class CL0Upstream:
    """Keep-alive TLS upstream reading a body only on /store, /json, /raw
    and /fail (by Content-Length); /store keeps its body, /fail answers
    400, the rest 200.  Each request is noted as (connection, method,
    path)."""

    def __init__(self, certfile, keyfile):
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(certfile, keyfile)
        self.lsock = socket.socket()
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(16)
        self.port = self.lsock.getsockname()[1]
        self.lock = threading.Lock()
        self.conns = 0
        self.seen = []
        self.stored = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                s, _ = self.lsock.accept()
            except OSError:
                return
            with self.lock:
                self.conns += 1
                n = self.conns
            threading.Thread(target=self._serve, args=(s, n),
                             daemon=True).start()

    def _serve(self, raw, conn):
        try:
            s = self.ctx.wrap_socket(raw, server_side=True)
            s.settimeout(10 * SLOW)
            buf = b""
            while True:
                while b"\r\n\r\n" not in buf:
                    b = s.recv(65536)
                    if not b:
                        return
                    buf += b
                head, buf = buf.split(b"\r\n\r\n", 1)
                lines = head.decode("latin-1").split("\r\n")
                method, target = lines[0].split(" ")[:2]
                cl = 0
                for ln in lines[1:]:
                    k, v = ln.split(":", 1)
                    if k.strip().lower() == "content-length":
                        cl = int(v)
                with self.lock:
                    self.seen.append((conn, method, target))
                if method == "POST" and target in ("/store", "/json",
                                                   "/raw", "/fail"):
                    while len(buf) < cl:
                        b = s.recv(65536)
                        if not b:
                            return
                        buf += b
                    body, buf = buf[:cl], buf[cl:]
                    if target == "/store":
                        with self.lock:
                            self.stored.append(body)
                status = b"400 Bad Request" if target == "/fail" else \
                    b"200 OK"
                s.sendall(b"HTTP/1.1 " + status + b"\r\nContent-Length: 3"
                          b"\r\nContent-Type: text/plain\r\n\r\nok\n")
        except (OSError, ValueError):
            return

    def requests(self):
        with self.lock:
            return list(self.seen)

    def close(self):
        self.lsock.close()


def post(path, body, ctype="application/json"):
    return (b"POST %s HTTP/1.1\r\nHost: echo.test\r\nContent-Type: %s\r\n"
            b"Content-Length: %d\r\n\r\n" % (path, ctype.encode(),
                                             len(body))) + body


E = ProxyEnv(upstream=CL0Upstream, connector="smuggle", spec="smuggle.json")
try:
    E.vault()
    E.start_session()
    up = E.upstream
    # The start of a request of the agent's choosing, long enough to take
    # the proxy's next head as its body.
    smuggled = (b"POST /store HTTP/1.1\r\nHost: echo.test\r\n"
                b"Content-Type: application/x-www-form-urlencoded\r\n"
                b"Content-Length: 300\r\n\r\ntext=")

    s = E.connect()
    st, h, body = exchange(s, b"GET / HTTP/1.1\r\nHost: echo.test\r\n"
                           b"Content-Length: %d\r\n\r\n" % len(smuggled) +
                           smuggled)
    s.close()
    t.ok(st == 400 and b"carries no body" in body,
         "a GET with a body: 400, saying why", body)
    t.is_(up.requests(), [], "... and nothing of it reaches the upstream")

    # POST / declares no body, as an upload (git's) may not: forwarded,
    # and the upstream connection is not used again.
    s = E.connect()
    st, h, body = exchange(s, post(b"/", smuggled,
                                   "application/octet-stream"))
    t.is_(st, 200, "a POST with a body its action does not declare is "
          "forwarded")
    st2, h, body = exchange(s, post(b"/json", b'{"n": 1}' + b" " * 300))
    s.close()
    seen = up.requests()
    t.diag("upstream: %r" % seen)
    t.ok(st2 == 200 and (1, "POST", "/") in seen and
         (2, "POST", "/json") in seen,
         "the next request goes on a new upstream connection", seen)
    with up.lock:
        stored = list(up.stored)
    t.ok(not any(SECRET.encode() in x or b"Authorization" in x
                 for x in stored),
         "the credential is in no body the agent chose", stored)

    # A declared body answered 200: the connection goes on (an LLM API's
    # POSTs keep theirs).
    n0 = up.conns
    s = E.connect()
    st, h, body = exchange(s, post(b"/json", b'{"n": 2}'))
    st2, h, body = exchange(s, b"GET / HTTP/1.1\r\nHost: echo.test\r\n\r\n")
    seen = up.requests()[-2:]
    t.ok(st == 200 and st2 == 200 and seen[0][0] == seen[1][0] == n0 + 1,
         "after a declared body answered 200, the upstream connection is "
         "used again", seen)
    # An upload declared of another media type: the same.
    st, h, body = exchange(s, post(b"/raw", b"\x00\x01" * 100,
                                   "application/octet-stream"))
    st2, h, body = exchange(s, b"GET / HTTP/1.1\r\nHost: echo.test\r\n\r\n")
    seen = up.requests()[-2:]
    t.ok(st == 200 and st2 == 200 and seen[0][0] == seen[1][0] == n0 + 1,
         "and after a declared upload (application/octet-stream)", seen)
    # A declared body answered 400: the upstream may have left it unread.
    st, h, body = exchange(s, post(b"/fail", b'{"n": 3}'))
    st2, h, body = exchange(s, b"GET / HTTP/1.1\r\nHost: echo.test\r\n\r\n")
    s.close()
    seen = up.requests()[-2:]
    t.ok(st == 400 and st2 == 200 and seen[0][0] == n0 + 1 and
         seen[1][0] == n0 + 2,
         "after one answered 400, the next request dials afresh", seen)

    # A chunked body on a POST that declares none: the same.
    s = E.connect()
    st, h, body = exchange(s, b"POST / HTTP/1.1\r\nHost: echo.test\r\n"
                           b"Transfer-Encoding: chunked\r\n\r\n"
                           b"%x\r\n" % len(smuggled) + smuggled +
                           b"\r\n0\r\n\r\n")
    st2, h, body = exchange(s, post(b"/json", b'{"n": 4}' + b" " * 300))
    s.close()
    seen = up.requests()[-2:]
    t.ok(st == 200 and st2 == 200 and seen[0][0] != seen[1][0],
         "chunked: the next request goes on a new upstream connection",
         seen)
    with up.lock:
        stored = list(up.stored)
    t.ok(not any(SECRET.encode() in x for x in stored) and
         SECRET not in E.svc.log_text(),
         "the credential is stored nowhere, nor in the log", stored)
finally:
    E.close()
t.done()
