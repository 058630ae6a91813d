# Copyright (c) 2026 The aileron authors
#
# Permission to use, copy, modify, and distribute this software for any
# purpose with or without fee is hereby granted, provided that the above
# copyright notice and this permission notice appear in all copies.
#
# THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.

"""connect_proxy.py: a small CONNECT proxy for tests that records each
target and tunnels every CONNECT, whatever its host, to one local port.
It stands for a corporate proxy too (t/upstream-proxy.t): it keeps each
request head in heads, and with refuse set (407, 403...) it answers every
request with that status instead.  target_port may be set after start."""

import select
import socket
import socketserver
import threading


class _Handler(socketserver.BaseRequestHandler):
    def handle(self):
        px = self.server.proxy
        c = self.request
        c.settimeout(10)
        head = b""
        while b"\r\n\r\n" not in head and len(head) < 16384:
            b = c.recv(4096)
            if not b:
                return
            head += b
        line = head.split(b"\r\n", 1)[0].decode("latin-1")
        parts = line.split()
        with px.lock:
            px.targets.append(line)
            px.heads.append(head.split(b"\r\n\r\n", 1)[0])
            refuse = px.refuse
        if refuse:
            extra = (b"Proxy-Authenticate: Basic realm=\"corp\"\r\n"
                     if refuse == 407 else b"")
            c.sendall(b"HTTP/1.1 %d Refused\r\n%sContent-Length: 0\r\n"
                      b"Connection: close\r\n\r\n" % (refuse, extra))
            return
        if len(parts) != 3 or parts[0] != "CONNECT":
            c.sendall(b"HTTP/1.1 405 Method Not Allowed\r\n"
                      b"Content-Length: 0\r\nConnection: close\r\n\r\n")
            return
        try:
            port = (px.plain_port if parts[1].endswith(":80") and
                    px.plain_port else px.target_port)
            u = socket.create_connection(("127.0.0.1", port), 5)
        except OSError:
            c.sendall(b"HTTP/1.1 502 Bad Gateway\r\n\r\n")
            return
        c.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        rest = head.split(b"\r\n\r\n", 1)[1]
        if rest:
            u.sendall(rest)
        socks = [c, u]
        try:
            while True:
                r, _, _ = select.select(socks, [], [], 10)
                if not r:
                    break
                for s in r:
                    data = s.recv(65536)
                    if not data:
                        return
                    (u if s is c else c).sendall(data)
        except OSError:
            pass
        finally:
            u.close()


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        pass


class ConnectProxy:
    def __init__(self, target_port):
        self.target_port = target_port
        self.lock = threading.Lock()
        self.targets = []
        self.heads = []
        self.refuse = 0
        self.plain_port = 0     # where CONNECT ...:80 goes, when set
        self.server = _Server(("127.0.0.1", 0), _Handler)
        self.server.proxy = self
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={"poll_interval": 0.1},
                                       daemon=True)
        self.thread.start()

    def take(self):
        with self.lock:
            t, self.targets = self.targets, []
        return t

    def take_heads(self):
        """The request heads, as bytes, seen since the last call."""
        with self.lock:
            h, self.heads = self.heads, []
        return h

    def close(self):
        self.server.shutdown()
        self.server.server_close()
