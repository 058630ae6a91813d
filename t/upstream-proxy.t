#!/usr/bin/env python3
# Copyright (c) 2026 The aileron authors
#
# Permission to use, copy, modify, and distribute this software for any
# purpose with or without fee is hereby granted, provided that the above
# copyright notice and this permission notice appear in all copies.
#
# THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.

# A corporate proxy upstream (upstream proxy, except host): aileron asks
# a real CONNECT proxy (t/lib/connect_proxy.py) for its upstreams, does its
# TLS to the upstream through it, keeps its address rules before asking
# it anything, goes direct for except hosts, and turns a refusal into a
# 502 aileron:upstream-proxy with an audit record.

import base64
import http.server
import json
import os
import subprocess
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from aileron import TAP, BIN, SLOW, Service, wait_for       # noqa: E402
from proxyenv import (ProxyEnv, SECRET, PLACEHOLDER, MASTER,  # noqa: E402
                      cli)

CORP = "ann:corp-PASSWORD-0123"
CORP64 = base64.b64encode(CORP.encode()).decode()
from connect_proxy import ConnectProxy                      # noqa: E402

t = TAP()
if os.geteuid() != 0:
    t.skip_all("needs root: the service drops to _aileron")
t.plan(21)

# aileron service -n checks the lines.
for conf, good, name in (
        ('upstream proxy "http://proxy.corp:3128" credential\n'
         'except host "*.internal.corp"\nexcept host "git.corp"\n', True,
         "upstream proxy and except host lines are taken"),
        ('upstream proxy "https://proxy.corp"\n', False,
         "an https:// proxy URL is refused"),
        ('upstream proxy "http://u:pw@proxy.corp:3128"\n', False,
         "a password in the proxy URL is refused"),
        ('upstream proxy "http://proxy.corp:99999"\n', False,
         "a bad port is refused"),
        ('except host "not a host"\n', False,
         "a bad except host is refused"),
        ('connector upstream-proxy spec "/dev/null"\n', False,
         "the connector name upstream-proxy is reserved")):
    sv = Service(conf=conf)
    p = subprocess.run([BIN, "service",
                        "-n", "-f", sv.path("aileron.conf"), "-s", sv.state],
                       capture_output=True, timeout=30 * SLOW)
    t.ok((p.returncode == 0) == good, name, p.stderr.decode())
    sv.remove()

CP = ConnectProxy(0)
# direct.test: an except host; plain.test: a blind tunnel through it;
# bad.test resolves to an address the rules refuse.
E = ProxyEnv(hosts=("echo.test", "plain.test", "direct.test"),
             extra_conf='upstream proxy "http://127.0.0.1:%d" credential\n'
                        'except host "direct.test"\n'
                        'resolve "bad.test" 10.0.0.1\n' % CP.port)
CP.target_port = E.upstream.port
try:
    E.vault()
    # The corporate proxy's credential is a vault credential like any
    # other, for the reserved connector upstream-proxy.
    rc, out, err = cli(E.svc, ["secret", "add", "corp-proxy", "--connector",
                               "upstream-proxy", "--kind", "basic",
                               "--key-fd", "KEYFD"], [MASTER],
                       stdin=CORP.encode() + b"\n")
    t.ok(rc == 0, "secret add --connector upstream-proxy --kind basic",
         out + err)
    s = E.start_session()
    TOKEN = s["token"]
    env = E.client_env()
    FORMS = [SECRET, base64.b64encode(SECRET.encode()).decode(),
             "corp-PASSWORD-0123", CORP64, TOKEN]

    def curl(*args, timeout=30):
        p = subprocess.run(["curl", "-sS", "--suppress-connect-headers",
                            "--max-time", str(timeout)] + list(args),
                           env=env, capture_output=True,
                           timeout=timeout * SLOW + 10)
        return p.returncode, p.stdout, p.stderr.decode(errors="replace")

    # ---- a credentialed request through the corporate proxy ---------------
    CP.take_heads()
    E.upstream.take()
    rc, out, err = curl("-H", "Authorization: Bearer " + PLACEHOLDER,
                        "https://echo.test/echo")
    reqs = E.upstream.take()
    heads = CP.take_heads()
    t.ok(rc == 0 and len(reqs) == 1, "a request reaches the upstream "
         "through the corporate proxy", err)
    t.is_(reqs[0]["headers"].get("authorization") if reqs else None,
          ["Bearer " + SECRET], "the upstream saw the injected credential")
    t.ok(len(heads) == 1 and
         heads[0].startswith(b"CONNECT echo.test:443 HTTP/1.1\r\n"),
         "the corporate proxy saw CONNECT to the upstream's host", heads)
    t.ok(heads and ("\r\nProxy-Authorization: Basic %s" % CORP64).encode()
         in heads[0], "with the Proxy-Authorization from the vault", heads)
    t.ok(heads and not any(f.encode() in b"".join(heads)
                           for f in (SECRET, PLACEHOLDER, TOKEN)),
         "and neither the agent's token nor the upstream's credential",
         heads)
    t.ok(not any(f.encode() in out for f in FORMS[2:4]),
         "the agent never sees the corporate proxy's credential", out[:300])

    # ---- a blind tunnel goes through it too --------------------------------
    rc, out, err = curl("--cacert", E.ca, "https://plain.test/echo")
    heads = CP.take_heads()
    t.ok(rc == 0 and b'"path": "/echo"' in out and len(heads) == 1 and
         heads[0].startswith(b"CONNECT plain.test:443 "),
         "a blind tunnel goes through the corporate proxy", (err, heads))

    # ---- plain http:// to a host that is no connector's, through it too ---
    class Plain(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = b"plain-ok " + self.headers.get("Host", "").encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a):
            pass
    PS = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Plain)
    threading.Thread(target=PS.serve_forever, daemon=True).start()
    CP.plain_port = PS.server_address[1]
    try:
        rc, out, err = curl("-x", E.proxy_url(), "http://plain.test/hello")
        heads = CP.take_heads()
    finally:
        PS.shutdown()
        PS.server_close()
        CP.plain_port = 0
    t.ok(rc == 0 and out == b"plain-ok plain.test" and len(heads) == 1 and
         heads[0].startswith(b"CONNECT plain.test:80 "),
         "plain http:// goes through the corporate proxy too", (out, err,
                                                               heads))

    # ---- except host: direct ----------------------------------------------
    rc, out, err = curl("--cacert", E.ca, "https://direct.test/echo")
    heads = CP.take_heads()
    t.ok(rc == 0 and b'"path": "/echo"' in out and heads == [],
         "an except host is dialled directly: the corporate proxy saw "
         "nothing", (err, heads))

    # ---- the address rules come first --------------------------------------
    st, head = E.connect(host="bad.test")
    t.ok(st == 403 and b"aileron:blocked-address" in head and
         CP.take_heads() == [],
         "a target that resolves to a forbidden address is refused before "
         "the corporate proxy is asked", head)

    # ---- the corporate proxy refuses ---------------------------------------
    for code in (407, 403):
        CP.refuse = code
        rc, out, err = curl("-i", "-H", "Authorization: Bearer " +
                            PLACEHOLDER, "https://echo.test/echo?r=%d" % code)
        t.ok(b" 502 " in out.split(b"\r\n")[0] and
             b"aileron:upstream-proxy" in out and CP.take_heads(),
             "the corporate proxy's %d is a 502 aileron:upstream-proxy" %
             code, (out[:400], err))
    CP.refuse = 0

    # Through the API, as tests read control's state.
    recs = E.svc.audit_wait(lambda r: r.get("status") == 502 and
                            "upstream-proxy" in json.dumps(r), 20)
    t.ok(any(r.get("status") == 502 and "upstream-proxy" in
             json.dumps(r) for r in recs),
         "the refusal is audited", recs[-3:])
    every = (E.svc.audit_export() + E.svc.log_text().encode()).decode(
        "latin-1")
    t.is_([f for f in FORMS[:4] if f in every], [],
          "neither credential nor the proxy's password appears in any log")
finally:
    E.close()
    CP.close()
t.done()
