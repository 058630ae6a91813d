# Copyright (c) 2026 The aileron authors
#
# Permission to use, copy, modify, and distribute this software for any
# purpose with or without fee is hereby granted, provided that the above
# copyright notice and this permission notice appear in all copies.
#
# THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.

"""llmdouble.py: a local double of an LLM API for the proxy's tests (issue
14), and the client that posts to it through a session.  Each test says
what the double answers: answer(path, request) gives (status, content
type, body); the double serves it over TLS as ProxyEnv's upstream."""

import http.server
import json

from proxyenv import exchange
from tlsserver import TLSServer


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        req = json.loads(self.rfile.read(n) or b"{}")
        status, ctype, body = self.server.upstream.answer(self.path, req)
        if isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def double(answer):
    """ProxyEnv's upstream= for a double that answers with answer."""
    class Double:
        def __init__(self, cert, key):
            self.answer = answer
            self.server = TLSServer(_Handler, cert, key, self, 30)
            self.port = self.server.port

        def take(self):
            return []

        def close(self):
            self.server.close()
    return Double


def post(tls, host, path, body, **kw):
    """POST body as JSON on tls, a tunnel to host: (status, headers, body).
    The tunnel is left open for the caller to close or reuse; kw goes to
    exchange()."""
    data = json.dumps(body).encode()
    return exchange(tls, b"POST %s HTTP/1.1\r\nHost: %s\r\n"
                    b"Content-Type: application/json\r\n"
                    b"anthropic-version: 2023-06-01\r\n"
                    b"Content-Length: %d\r\n\r\n%s" %
                    (path.encode(), host.encode(), len(data), data), **kw)
