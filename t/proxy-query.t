#!/usr/bin/env python3
# Copyright (c) 2026 The aileron authors
#
# Permission to use, copy, modify, and distribute this software for any
# purpose with or without fee is hereby granted, provided that the above
# copyright notice and this permission notice appear in all copies.
#
# THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.

# A credential injected as a query parameter (t/proxy/echoq.json): it
# reaches the upstream percent-encoded, and an upstream that echoes the
# query back, decoded in JSON as httpbin does or encoded its own way,
# never shows it to the agent.

import base64
import json
import os
import re
import subprocess
import sys
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from aileron import TAP, SLOW                               # noqa: E402
from proxyenv import ProxyEnv                               # noqa: E402

t = TAP()
if os.geteuid() != 0:
    t.skip_all("needs root: the service drops to _aileron")
t.plan(5)

# Characters a query must carry encoded: '/', '+', '=' and a space.
QSECRET = "wE/vulq/dnxOapJd+xhnA y7x8OI64BZ51rAuNYzw="

E = ProxyEnv(connector="echoq", spec="echoq.json")
try:
    E.vault(secret=QSECRET)
    E.start_session()
    env = E.client_env()
    p = subprocess.run(["curl", "-sS", "-i", "--suppress-connect-headers",
                        "--max-time", "60",
                        "https://echo.test/leakq?api_key=placeholder&x=1"],
                       env=env, capture_output=True, timeout=60 * SLOW + 10)
    rc, out, err = p.returncode, p.stdout, p.stderr.decode(errors="replace")
    t.ok(rc == 0 and b" 200 " in out.split(b"\r\n")[0], "/leakq answers",
         err)
    got = E.upstream.take()
    paths = [r["path"] for r in got if r["path"].startswith("/leakq")]
    t.ok(len(paths) == 1 and "api_key=" + urllib.parse.quote(
        QSECRET, safe="-._~") in paths[0] and "placeholder" not in paths[0],
         "the upstream gets the credential percent-encoded, and not the "
         "agent's placeholder", paths)

    sent = urllib.parse.quote(QSECRET, safe="-._~")
    forms = {"plain": QSECRET,
             "as sent": sent,
             "quote, '/' left": urllib.parse.quote(QSECRET),
             "quote_plus": urllib.parse.quote_plus(QSECRET),
             "lower-case escapes": re.sub(r"%[0-9A-F]{2}",
                                          lambda m: m.group().lower(), sent),
             "base64": base64.b64encode(QSECRET.encode()).decode()}
    text = out.decode("latin-1")
    t.is_([k for k, f in forms.items() if f in text], [],
          "the echoed query reaches the agent with no form of it")
    body = out.split(b"\r\n\r\n", 1)[-1]
    try:
        j = json.loads(body)
    except ValueError:
        j = {}
    args = j.get("args", {})
    t.ok(set(args.get("api_key", "")) == {"*"} and args.get("x") == "1" and
         all(set(j.get(k, "")) == {"*"} for k in ("quote", "quote_plus",
                                                  "lower", "b64")),
         "the decoded value and its other encodings are masked whole, the "
         "other parameter is not", body[:300])
    every = E.svc.audit_export() + E.svc.log_text().encode()
    t.ok(QSECRET.encode() not in every and sent.encode() not in every,
         "no form of it in the audit or the logs")
finally:
    E.close()
t.done()
