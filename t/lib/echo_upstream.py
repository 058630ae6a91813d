# Copyright (c) 2026 The aileron authors
#
# Permission to use, copy, modify, and distribute this software for any
# purpose with or without fee is hereby granted, provided that the above
# copyright notice and this permission notice appear in all copies.
#
# THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.

"""echo_upstream.py: the proxy tests' TLS upstream (HTTP/1.1, keep-alive).
It records every request head and answers by path: /echo (what it got, as
JSON), /leak (the Authorization it got, in headers, JSON, base64,
URL-encoded, and with its first character as the text \\uXXXX), /leakq
(the query, decoded in JSON, as sent, and its api_key encoded four more
ways), /leakwrap (the credential's base64 in lines, as JSON strings or
MIME with ?style=mime), /redirect, /sse (an event, a
pause, an event), /big?n=N (N bytes, chunked), /upload (the sha256 of the
body, chunked or not), /gzip, /br, /cookie, /drop (answers, then closes a
kept-alive connection), ?droponce=X on any path (a close and no answer,
the first time that URL comes), /slow (one byte a second), /hang (no
answer for a while), /reflect?how= (the Authorization outside a whole body: "partial",
a 206 with part of it; "byteranges", a multipart/byteranges answer;
"reason", in the reason phrase; "twoce", gzip'd under two
Content-Encoding fields, gzip then identity; "cevalue", as the
Content-Encoding; "name", in a field name);
any other path is echoed like /echo.  Every answer is kept alive unless the client closes."""

import base64
import gzip
import hashlib
import http.server
import json
import re
import threading
import time
import urllib.parse

from tlsserver import TLSServer


def pattern(n):
    """n bytes of a fixed pattern, the same for the test and the server."""
    block = hashlib.sha256(b"aileron").digest() * 2048    # 64 KiB
    out = bytearray()
    while len(out) < n:
        out += block[:n - len(out)]
    return bytes(out)


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 30

    def log_message(self, fmt, *args):
        pass

    def _body(self):
        """The request body, de-chunked; fed to the hash as it arrives.
        Notes in self.first_byte_s how long after the head the body's
        first byte came."""
        h = hashlib.sha256()
        n = 0
        t0 = time.monotonic()
        self.first_byte_s = None
        if "chunked" in (self.headers.get("Transfer-Encoding") or ""):
            while True:
                line = self.rfile.readline(1024)
                if self.first_byte_s is None:
                    self.first_byte_s = time.monotonic() - t0
                size = int(line.split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b""):
                        pass
                    break
                left = size
                while left:
                    b = self.rfile.read(min(left, 1 << 16))
                    h.update(b)
                    n += len(b)
                    left -= len(b)
                self.rfile.readline(16)
        else:
            left = int(self.headers.get("Content-Length") or 0)
            while left:
                b = self.rfile.read(min(left, 1 << 16))
                if not b:
                    break
                h.update(b)
                n += len(b)
                left -= len(b)
        return n, h.hexdigest()

    def _send(self, status, body, headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _chunk(self, data):
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def _any(self):
        up = self.server.upstream
        n, digest = self._body()
        headers = {}
        for k, v in self.headers.items():
            headers.setdefault(k.lower(), []).append(v)
        with up.lock:
            up.requests.append({"method": self.command, "path": self.path,
                                "headers": headers, "body_len": n,
                                "body_sha256": digest,
                                "first_byte_s": self.first_byte_s})
        url = urllib.parse.urlsplit(self.path)
        q = urllib.parse.parse_qs(url.query)
        auth = self.headers.get("Authorization") or ""
        if "droponce" in q and self.path not in up.dropped:
            # Take the request, then close without a byte of an answer:
            # an upstream that ran it and died, once for each URL.
            up.dropped.add(self.path)
            self.close_connection = True
            return
        if url.path == "/echo":
            self._send(200, json.dumps({
                "method": self.command, "path": self.path,
                "headers": headers, "body_len": n,
                "body_sha256": digest}).encode(),
                [("Content-Type", "application/json")])
        elif url.path == "/leak":
            value = auth.split(" ", 1)[-1]
            self._send(200, json.dumps({
                "auth": auth, "value": value,
                "b64": base64.b64encode(value.encode()).decode(),
                "b64_offset1": base64.b64encode(
                    b"x" + value.encode()).decode(),
                "url": urllib.parse.quote(auth),
                # Text "\u0073k-...": JSON writes a backslash before it.
                "lone": "\\u%04x%s" % (ord(value[:1] or "x"), value[1:])
                }).encode(),
                [("Content-Type", "application/json"),
                 ("X-Echo-Authorization", auth),
                 ("X-Echo-Value", value)])
        elif url.path == "/leakwrap":
            # The credential's base64 broken into lines, after every
            # prefix that moves a line end across it: as GitHub's file
            # contents (JSON, "\n" every 60) or MIME (CRLF every 76).
            value = auth.split(" ", 1)[-1].encode()
            mime = q.get("style", ["json"])[0] == "mime"
            width, brk = (76, "\r\n") if mime else (60, "\n")
            blocks = []
            for k in range(width):
                e = base64.b64encode(b"p" * k + value).decode()
                blocks.append(brk.join(e[i:i + width]
                                       for i in range(0, len(e), width)))
            if mime:
                self._send(200, ("\r\n\r\n".join(blocks) +
                                 "\r\n").encode(),
                           [("Content-Type", "text/plain")])
            else:
                self._send(200, json.dumps({"content": blocks}).encode(),
                           [("Content-Type", "application/json")])
        elif url.path == "/leakq":
            # As httpbin's /get: the query decoded, in JSON, and as sent;
            # and the key encoded as other encoders write it.
            key = q.get("api_key", [""])[0]
            sent = [p[8:] for p in url.query.split("&")
                    if p.startswith("api_key=")] + [""]
            self._send(200, json.dumps({
                "args": {k: v[0] for k, v in q.items()},
                "query": url.query,
                "quote": urllib.parse.quote(key),
                "quote_plus": urllib.parse.quote_plus(key),
                "b64": base64.b64encode(key.encode()).decode(),
                "lower": re.sub(r"%[0-9A-F]{2}",
                                lambda m: m.group().lower(), sent[0])
                }).encode(),
                [("Content-Type", "application/json"),
                 ("X-Echo-Query", url.query)])
        elif url.path == "/redirect":
            self._send(302, b"moved\n",
                       [("Location", "https://elsewhere.test/landing")])
        elif url.path == "/sse":
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self._chunk(b"event: one\ndata: first\n\n")
            time.sleep(float(q.get("pause", ["2"])[0]))
            self._chunk(b"event: two\ndata: second " + auth.encode() +
                        b"\n\n")
            self._chunk(b"")
        elif url.path == "/big":
            size = int(q.get("n", ["1048576"])[0])
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            data = pattern(min(size, 1 << 20))
            left = size
            while left:
                k = min(left, len(data))
                self.wfile.write(b"%x\r\n" % k + data[:k] + b"\r\n")
                left -= k
            self._chunk(b"")
        elif url.path == "/upload":
            self._send(200, json.dumps({"body_len": n,
                                        "body_sha256": digest}).encode(),
                       [("Content-Type", "application/json")])
        elif url.path == "/gzip":
            self._send(200, gzip.compress(json.dumps({
                "auth": auth}).encode()),
                [("Content-Type", "application/json"),
                 ("Content-Encoding", "gzip")])
        elif url.path == "/br":
            self._send(200, b"\x0b\x02\x80not really brotli",
                       [("Content-Encoding", "br")])
        elif url.path == "/reflect":
            self._reflect(q.get("how", [""])[0], auth)
        elif url.path == "/drop":
            # Answer as if the connection stayed open, then drop it: what
            # an upstream's idle timeout does to a kept-alive connection.
            self._send(200, b"dropped\n")
            self.close_connection = True
        elif url.path == "/slow":
            # A head, then one byte a second: a dribbling upstream.
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.end_headers()
            for _ in range(100):
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(1)
        elif url.path == "/hang":
            time.sleep(float(q.get("secs", ["10"])[0]))
            self._send(200, b"late\n")
        elif url.path == "/cookie":
            self._send(200, b"{}", [("Set-Cookie", "sid=upstream; Secure"),
                                    ("Content-Type", "application/json")])
        else:
            self._send(200, json.dumps({
                "method": self.command, "path": self.path,
                "headers": headers, "body_len": n}).encode(),
                [("Content-Type", "application/json")])

    def _reflect(self, how, auth):
        """What an upstream that honours Range, quotes the request in its
        status line or names a field after it sends back."""
        body = json.dumps({"auth": auth}).encode()
        if how == "partial":
            # What a server that honours Range sends for the first half
            # of the echo; this one sends it unasked.
            half = len(body) // 2
            self._send(206, body[:half],
                       [("Content-Range", "bytes 0-%d/%d" %
                         (half - 1, len(body)))])
        elif how == "byteranges":
            # Each part holds a piece; the parts together, the whole.
            half = len(body) // 2
            out = b""
            for a, b in ((0, half - 1), (half, len(body) - 1)):
                out += (b"--B\r\nContent-Range: bytes %d-%d/%d\r\n\r\n" %
                        (a, b, len(body)) + body[a:b + 1] + b"\r\n")
            self._send(200, out + b"--B--\r\n",
                       [("Content-Type", "multipart/byteranges; boundary=B")])
        elif how == "reason":
            msg = b'{"error":"unauthorized"}'
            self.wfile.write(("HTTP/1.1 401 Invalid credentials: %s\r\n"
                              % auth).encode("latin-1") +
                             b"Content-Length: %d\r\n\r\n" % len(msg) + msg)
        elif how == "twoce":
            # RFC 9110: two fields are one list, "gzip, identity".
            self._send(200, gzip.compress(body),
                       [("Content-Type", "application/json"),
                        ("Content-Encoding", "gzip"),
                        ("Content-Encoding", "identity")])
        elif how == "cevalue":
            self._send(200, body, [("Content-Encoding",
                                    auth.split(" ", 1)[-1])])
        elif how == "name":
            self._send(200, b"{}", [("X-Seen-" + auth.split(" ", 1)[-1],
                                     "1")])
        else:
            self._send(400, b"no such how\n")

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _any


class EchoUpstream:
    def __init__(self, certfile, keyfile):
        self.lock = threading.Lock()
        self.requests = []
        self.dropped = set()
        self.server = TLSServer(_Handler, certfile, keyfile, self, 30)
        self.port = self.server.port

    def take(self):
        with self.lock:
            r, self.requests = self.requests, []
        return r

    def close(self):
        self.server.close()


if __name__ == "__main__":
    # make demo: an upstream for the hosts on the command line, certified
    # by a throwaway CA in DIR; prints "PORT CA-PATH" and serves until
    # killed.
    import os
    import sys
    from certs import make_certs
    ca, cert, key = make_certs(sys.argv[1], sys.argv[2:], "aileron demo")
    up = EchoUpstream(cert, key)
    print(up.port, ca, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
