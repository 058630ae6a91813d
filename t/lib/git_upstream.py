# Copyright (c) 2026 The aileron authors
#
# Permission to use, copy, modify, and distribute this software for any
# purpose with or without fee is hereby granted, provided that the above
# copyright notice and this permission notice appear in all copies.
#
# THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.

"""git_upstream.py: git's smart HTTP over TLS for the proxy's tests: each
request runs git http-backend (CGI) on the repositories under a root.  A
request without the expected Basic credential gets 401 with a challenge,
as a real forge answers.  Chunked request bodies are de-chunked here."""

import base64
import http.server
import os
import subprocess
import threading
import urllib.parse

from tlsserver import TLSServer

BACKEND = "/usr/lib/git-core/git-http-backend"


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 30

    def log_message(self, fmt, *args):
        pass

    def _body(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or ""):
            self.server.upstream.chunked += 1
            out = b""
            while True:
                size = int(self.rfile.readline(1024).split(b";")[0], 16)
                if size == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b""):
                        pass
                    return out
                out += self.rfile.read(size)
                self.rfile.readline(16)
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def _any(self):
        up = self.server.upstream
        body = self._body()
        auth = self.headers.get("Authorization") or ""
        with up.lock:
            up.auths.append(auth)
        if auth != "Basic " + up.expect:
            msg = b"authentication required\n"
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="git"')
            self.send_header("Content-Length", str(len(msg)))
            self.end_headers()
            self.wfile.write(msg)
            return
        url = urllib.parse.urlsplit(self.path)
        env = {"GIT_PROJECT_ROOT": up.root, "GIT_HTTP_EXPORT_ALL": "1",
               "REQUEST_METHOD": self.command, "PATH_INFO": url.path,
               "QUERY_STRING": url.query, "REMOTE_USER": "robot",
               "REMOTE_ADDR": "127.0.0.1", "PATH": os.environ["PATH"],
               "CONTENT_TYPE": self.headers.get("Content-Type") or "",
               "CONTENT_LENGTH": str(len(body))}
        if self.headers.get("Git-Protocol"):
            env["GIT_PROTOCOL"] = self.headers["Git-Protocol"]
            with up.lock:
                up.protocols.append(self.headers["Git-Protocol"])
        p = subprocess.run([BACKEND], input=body, env=env,
                           capture_output=True, timeout=60)
        head, _, out = p.stdout.partition(b"\r\n\r\n")
        status = 200
        fields = []
        for line in head.decode("latin-1").split("\r\n"):
            if ":" not in line:
                continue
            k, v = line.split(":", 1)
            if k.lower() == "status":
                status = int(v.split()[0])
            else:
                fields.append((k, v.strip()))
        self.send_response(status)
        for k, v in fields:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    do_GET = do_POST = _any


class GitUpstream:
    def __init__(self, certfile, keyfile, root, user, password):
        self.root = root
        self.expect = base64.b64encode(("%s:%s" % (user, password))
                                       .encode()).decode()
        self.lock = threading.Lock()
        self.auths = []
        self.protocols = []
        self.chunked = 0
        self.server = TLSServer(_Handler, certfile, keyfile, self, 30)
        self.port = self.server.port

    def close(self):
        self.server.close()
