# Copyright (c) 2026 The aileron authors
#
# Permission to use, copy, modify, and distribute this software for any
# purpose with or without fee is hereby granted, provided that the above
# copyright notice and this permission notice appear in all copies.
#
# THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.

"""linear_mock.py: a local double of Linear's GraphQL API for make demo:
POST /graphql answers the issues query with two issues and issueCreate
with a new one, and only to the Authorization it was started with (the
vault's credential, which the proxy injects); anything else gets 401.

    python3 linear_mock.py DIR KEY    prints "PORT CA-PATH", then serves
"""

import http.server
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from certs import make_certs  # noqa: E402
from tlsserver import TLSServer  # noqa: E402

ISSUES = [{"id": "a1", "identifier": "DEMO-1", "title": "Flaky test in CI",
           "url": "https://linear.app/demo/issue/DEMO-1"},
          {"id": "a2", "identifier": "DEMO-2", "title": "Docs for launch",
           "url": "https://linear.app/demo/issue/DEMO-2"}]


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def _send(self, status, obj):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        req = json.loads(self.rfile.read(n) or b"{}")
        if self.headers.get("Authorization") != self.server.upstream.key:
            self._send(401, {"errors": [{"message": "bad API key"}]})
            return
        q = req.get("query", "")
        v = req.get("variables") or {}
        if "issueCreate" in q:
            issue = {"id": "a3", "identifier": "DEMO-3",
                     "url": "https://linear.app/demo/issue/DEMO-3",
                     "title": v.get("title", "")}
            self._send(200, {"data": {"issueCreate": {"success": True,
                                                      "issue": issue}}})
        elif "issues" in q:
            self._send(200, {"data": {"issues": {"nodes": ISSUES}}})
        else:
            self._send(400, {"errors": [{"message": "unknown operation"}]})


class LinearMock:
    def __init__(self, certfile, keyfile, key):
        self.key = key
        self.server = TLSServer(_Handler, certfile, keyfile, self, 30)
        self.port = self.server.port


if __name__ == "__main__":
    ca, cert, key = make_certs(sys.argv[1], ["api.linear.app"],
                               "aileron demo")
    m = LinearMock(cert, key, sys.argv[2])
    print(m.port, ca, flush=True)
    m.server.thread.join()
