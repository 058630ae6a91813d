# Copyright (c) 2026 The aileron authors
#
# Permission to use, copy, modify, and distribute this software for any
# purpose with or without fee is hereby granted, provided that the above
# copyright notice and this permission notice appear in all copies.
#
# THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.

"""proxyenv.py: what the proxy's tests share: a test CA and an upstream
certificate, the echo upstream (t/lib/echo_upstream.py) for the connector
"echo" (t/proxy/echo.json) at echo.test, a service pinned to it, a vault
with the echo credential, a session, and a raw client that speaks CONNECT
and TLS through the proxy."""

import atexit
import base64
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import tempfile

from aileron import BIN, SRC, SLOW, Service
from certs import make_certs
from echo_upstream import EchoUpstream

MASTER = "proxy test master key"
SECRET = "sk-echo-REALSECRET-0123456789abcdef"
PLACEHOLDER = "sk-placeholder-not-the-real-one"


def cli(svc, args, keys=(), stdin=b"", timeout=60, env=None):
    """aileron ARGS -s STATE, with keys one per line on the descriptor that
    the word KEYFD in args is replaced by: (rc, stdout, stderr)."""
    r, w = os.pipe()
    os.write(w, "".join(k + "\n" for k in keys).encode())
    os.close(w)
    args = [str(r) if a == "KEYFD" else a for a in args]
    try:
        p = subprocess.run([BIN] + args + ["-s", svc.state], input=stdin,
                           capture_output=True, pass_fds=(r,),
                           timeout=timeout * SLOW, env=env)
    finally:
        os.close(r)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


class ProxyEnv:
    def __init__(self, extra_conf="", prefork=2, args=("-X",),
                 hosts=("echo.test",), connector="echo", spec="echo.json",
                 upstream=EchoUpstream, uncertified=()):
        """upstream(cert, key) makes the TLS upstream every host in hosts
        is pinned to, with a certificate for them; the hosts in
        uncertified are pinned to it too, without one."""
        self.tmp = tempfile.mkdtemp(prefix="aileron-proxy.")
        os.chmod(self.tmp, 0o755)
        atexit.register(shutil.rmtree, self.tmp, ignore_errors=True)
        self.ca, cert, key = make_certs(self.tmp, hosts)
        self.upstream = upstream(cert, key)
        self.connector = connector
        conf = ('connector %s spec "%s/t/proxy/%s"\n'
                'allow network 127.0.0.0/8\n'
                'upstream ca "%s"\n' % (connector, os.path.abspath(SRC),
                                         spec, self.ca))
        for h in tuple(hosts) + tuple(uncertified):
            conf += 'resolve "%s" 127.0.0.1:%d\n' % (h, self.upstream.port)
        conf += extra_conf
        self.svc = Service(prefork=prefork, conf=conf)
        self.svc.start(list(args))
        self.session = None

    def vault(self, secret=SECRET, kind=None):
        rc, out, err = cli(self.svc, ["vault", "init", "--key-fd", "KEYFD",
                                      "--kdf-n", "16384"], [MASTER])
        if rc != 0:
            raise RuntimeError("vault init: " + err)
        rc, out, err = cli(self.svc, ["secret", "add", self.connector,
                                      "--connector", self.connector,
                                      "--key-fd", "KEYFD"] +
                           (["--kind", kind] if kind else []), [MASTER],
                           stdin=secret.encode() + b"\n")
        if rc != 0:
            raise RuntimeError("secret add: " + err)

    def start_session(self):
        rc, out, err = cli(self.svc, ["session", "start", "--agent", "tests",
                                      "--json", "--key-fd", "KEYFD"],
                           [MASTER])
        if rc != 0:
            raise RuntimeError("session start: " + out + err)
        self.session = json.loads(out)
        return self.session

    def proxy_url(self, token=None):
        return "http://s:%s@127.0.0.1:%d" % (
            token or self.session["token"], self.svc.port)

    def client_env(self):
        """The environment of a client in the session's sandbox."""
        env = dict(os.environ)
        env.update({"HTTPS_PROXY": self.proxy_url(),
                    "https_proxy": self.proxy_url(),
                    "SSL_CERT_FILE": self.session["bundle"],
                    "CURL_CA_BUNDLE": self.session["bundle"],
                    "REQUESTS_CA_BUNDLE": self.session["bundle"],
                    "GIT_SSL_CAINFO": self.session["bundle"]})
        for k in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
            env.pop(k, None)
        return env

    def shim_env(self):
        """The bare environment a generated shim runs in, in the session."""
        return {"HTTPS_PROXY": self.proxy_url(),
                "CURL_CA_BUNDLE": self.session["bundle"],
                "SSL_CERT_FILE": self.session["bundle"],
                "PATH": "/usr/bin:/bin", "LC_ALL": "C"}

    def connect(self, host="echo.test", port=443, token=None, sni=None,
                alpn=None, timeout=10):
        """CONNECT through the proxy, then TLS to host (trusting the
        session CA): the TLS socket, or (status, head) when the proxy
        refused the CONNECT."""
        s = socket.create_connection(("127.0.0.1", self.svc.port),
                                     timeout=timeout * SLOW)
        auth = base64.b64encode(("s:" + (token or self.session["token"]))
                                .encode()).decode()
        s.sendall(("CONNECT %s:%d HTTP/1.1\r\nHost: %s:%d\r\n"
                   "Proxy-Authorization: Basic %s\r\n\r\n" %
                   (host, port, host, port, auth)).encode())
        head = b""
        while b"\r\n\r\n" not in head:
            b = s.recv(4096)
            if not b:
                break
            head += b
        status = int(head.split(b" ", 2)[1]) if head.startswith(b"HTTP/")\
            else 0
        if status != 200:
            # The refusal's body says why: read it (Content-Length).
            n = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    n = int(line.split(b":")[1])
            body = head.split(b"\r\n\r\n", 1)[1]
            while len(body) < n:
                b = s.recv(4096)
                if not b:
                    break
                body += b
            s.close()
            return status, head.split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n" + body
        ctx = ssl.create_default_context(cafile=self.session["ca"])
        if alpn:
            ctx.set_alpn_protocols(alpn)
        if sni is False:
            ctx.check_hostname = False
            return ctx.wrap_socket(s, server_hostname=None)
        return ctx.wrap_socket(s, server_hostname=sni or host)

    def close(self):
        try:
            self.svc.stop()
        finally:
            self.upstream.close()


def exchange(sock, data, until_close=False, timeout=10, byte=False):
    """Send data (byte: one byte at a time), read one response, past any
    1xx (head and a body framed by Content-Length or chunked): (status,
    headers dict of lists, body)."""
    sock.settimeout(timeout * SLOW)
    if data:
        if byte:
            for i in range(len(data)):
                sock.sendall(data[i:i + 1])
        else:
            sock.sendall(data)
    buf = b""
    while True:
        while b"\r\n\r\n" not in buf:
            b = sock.recv(65536)
            if not b:
                return 0, {}, buf
            buf += b
        head, rest = buf.split(b"\r\n\r\n", 1)
        if not re.match(rb"HTTP/1\.1 1\d\d ", head):
            break
        buf = rest          # an interim answer: the final one follows
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        k, v = line.split(":", 1)
        headers.setdefault(k.strip().lower(), []).append(v.strip())
    body = b""
    if "content-length" in headers:
        n = int(headers["content-length"][0])
        while len(rest) < n:
            b = sock.recv(65536)
            if not b:
                break
            rest += b
        body = rest[:n]
    elif "chunked" in ",".join(headers.get("transfer-encoding", [])):
        while True:
            while b"\r\n" not in rest:
                rest += sock.recv(65536)
            line, rest = rest.split(b"\r\n", 1)
            n = int(line.split(b";")[0], 16)
            while len(rest) < n + 2:
                b = sock.recv(65536)
                if not b:
                    break
                rest += b
            if n == 0:
                break
            body += rest[:n]
            rest = rest[n + 2:]
    elif until_close:
        body = rest
        while True:
            b = sock.recv(65536)
            if not b:
                break
            body += b
    return status, headers, body
