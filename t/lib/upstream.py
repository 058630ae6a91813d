# Copyright (c) 2026 The aileron authors
#
# Permission to use, copy, modify, and distribute this software for any
# purpose with or without fee is hereby granted, provided that the above
# copyright notice and this permission notice appear in all copies.
#
# THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.

"""upstream.py: a local HTTPS test upstream that records every request and
answers with whatever response the test queued (else 200 {"ok": true})."""

import http.server
import json
import threading

from tlsserver import TLSServer


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 10

    def log_message(self, fmt, *args):
        pass

    def _any(self):
        up = self.server.upstream
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n > 0 else b""
        headers = {}
        for k, v in self.headers.items():
            headers.setdefault(k.lower(), []).append(v)
        with up.lock:
            up.requests.append({"method": self.command, "path": self.path,
                                "headers": headers, "body": body})
            status, rheaders, rbody = (up.queue.pop(0) if up.queue else
                                       (200, {}, b'{"ok": true}'))
        self.send_response(status)
        rheaders = dict(rheaders)
        rheaders.setdefault("Content-Type", "application/json")
        for k, v in rheaders.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(rbody)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(rbody)
        self.close_connection = True

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _any


class Upstream:
    def __init__(self, certfile, keyfile):
        self.lock = threading.Lock()
        self.requests = []
        self.queue = []
        self.server = TLSServer(_Handler, certfile, keyfile, self)
        self.port = self.server.port

    def respond(self, status, body, headers=None):
        if not isinstance(body, bytes):
            body = json.dumps(body).encode()
        with self.lock:
            self.queue.append((status, headers or {}, body))

    def take(self):
        """Return and forget the requests recorded so far."""
        with self.lock:
            r, self.requests, self.queue = self.requests, [], []
        return r

    def close(self):
        self.server.close()
