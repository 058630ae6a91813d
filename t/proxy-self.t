#!/usr/bin/env python3
# Copyright (c) 2026 The aileron authors
#
# Permission to use, copy, modify, and distribute this software for any
# purpose with or without fee is hereby granted, provided that the above
# copyright notice and this permission notice appear in all copies.
#
# THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.

# proxy-self.t: the proxy never carries an agent to the service's own
# listeners (the proxy, the web page, the metrics), even where an allow
# network line lets it reach loopback: a CONNECT or a plain-HTTP request
# to one gets 403 aileron:blocked-address naming it, and the audit says
# so; another loopback port stays reachable.

import base64
import os
import socket
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from aileron import TAP, SLOW  # noqa: E402
from proxyenv import ProxyEnv, exchange  # noqa: E402

t = TAP()
if os.geteuid() != 0:
    t.skip_all("needs root: the service drops to _aileron")
t.plan(6)


E = ProxyEnv(hosts=("echo.test",),
             extra_conf="allow network 127.0.0.0/8\n"
             "web listen 127.0.0.1 port 0\n"
             "metrics listen 127.0.0.1 port 0\n"
             "metrics allow 127.0.0.2\n")
try:
    E.vault()
    E.start_session()
    WEB = int(E.svc.info.get("web", ":0").rpartition(":")[2])
    METRICS = int(E.svc.info.get("metrics", ":0").rpartition(":")[2])
    AUTH = base64.b64encode(("s:" + E.session["token"]).encode()).decode()

    def request(head):
        """One request head to the proxy: (status, body)."""
        s = socket.create_connection(("127.0.0.1", E.svc.port),
                                     timeout=10 * SLOW)
        try:
            st, _, body = exchange(s, head.encode())
        finally:
            s.close()
        return st, body

    def connect(port):
        return request("CONNECT 127.0.0.1:%d HTTP/1.1\r\nHost: 127.0.0.1:%d"
                       "\r\nProxy-Authorization: Basic %s\r\n\r\n" %
                       (port, port, AUTH))

    for port, what in ((WEB, b"web page"), (METRICS, b"metrics"),
                       (E.svc.port, b"proxy")):
        st, body = connect(port)
        t.ok(st == 403 and b"aileron:blocked-address" in body and
             b"own " + what + b" listener" in body,
             "CONNECT to the service's own %s listener, loopback allowed: "
             "403, naming it" % what.decode(), (st, body))
    st, body = request("GET http://127.0.0.1:%d/web/api/session HTTP/1.1\r\n"
                       "Host: 127.0.0.1:%d\r\nProxy-Authorization: Basic "
                       "%s\r\n\r\n" % (WEB, WEB, AUTH))
    t.ok(st == 403 and b"own web page listener" in body,
         "plain HTTP to the web listener: 403 too", (st, body))
    recs = [r for r in E.svc.audit_wait(
        lambda r: r.get("event") == "tunnel" and r.get("port") == WEB, 20)
        if r.get("event") == "tunnel" and r.get("port") == WEB]
    t.ok(recs and all(r.get("status") == 403 and "own web page listener" in
                      r.get("reason", "") for r in recs),
         "the audit records the refusals and why", recs)

    # Another loopback port: the allow network line still lets it through
    # (a blind tunnel; -k: the upstream's certificate is echo.test's).
    p = subprocess.run(["curl", "-sSk", "--max-time", str(20 * SLOW), "-o",
                        "/dev/null", "-w", "%{http_code}", "-x",
                        E.proxy_url(), "https://127.0.0.1:%d/echo" %
                        E.upstream.port], capture_output=True,
                       timeout=40 * SLOW)
    t.ok(p.stdout == b"200",
         "another loopback port (the upstream), through the proxy: 200",
         (p.stdout, p.stderr))
finally:
    E.close()
t.done()
