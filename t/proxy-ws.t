#!/usr/bin/env python3
# Copyright (c) 2026 The aileron authors
#
# Permission to use, copy, modify, and distribute this software for any
# purpose with or without fee is hereby granted, provided that the above
# copyright notice and this permission notice appear in all copies.
#
# THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.

# proxy-ws.t: WebSocket through the proxy, to a local echo server behind
# TLS (t/lib/ws_upstream.py) for the connector "ws" (t/proxy/ws.json):
# the handshake checked end to end with the credential injected, frames
# both ways, 100 MiB each way in bounded worker memory, the credential
# masked in upstream text frames (also split across fragments), the
# refusals, and the audit.

import base64
import hashlib
import json
import os
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from aileron import TAP, SAN, SLOW, wait_for, proc_cmdline  # noqa: E402
from proxyenv import (ProxyEnv, SECRET, PLACEHOLDER, exchange,  # noqa: E402
                      cli)
from ws_upstream import (WSUpstream, accept_for, frame,        # noqa: E402
                         read_frame)

t = TAP()
t.plan(26)

KEY = base64.b64encode(os.urandom(16)).decode()
BIG = os.environ.get("AILERON_TEST_WS_BIG") == "1"
HWM_KIB = 16384         # the worker's VmHWM bound while relaying 100 MiB


def upgrade(E, path, extra=b"", key=KEY, after=b""):
    s = E.connect(host="ws.test")
    s.sendall(("GET %s HTTP/1.1\r\nHost: ws.test\r\n"
               "Connection: Upgrade\r\nUpgrade: websocket\r\n"
               "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: %s\r\n"
               "Authorization: Bearer %s\r\n" % (path, key, PLACEHOLDER))
              .encode() + extra + b"\r\n" + after)
    head = b""
    s.settimeout(20 * SLOW)
    while b"\r\n\r\n" not in head:
        b = s.recv(1)
        if not b:
            break
        head += b
    return s, head.decode("latin-1")


def message(s):
    """One whole message (control frames in between are answered by
    nothing and collected): (opcode, payload, controls)."""
    parts, op, ctl = [], None, []
    while True:
        fin, o, data = read_frame(s)
        if o >= 0x8:
            ctl.append((o, data))
            continue
        if op is None:
            op = o
        parts.append(data)
        if fin:
            return op, b"".join(parts), ctl


E = ProxyEnv(hosts=("ws.test",), connector="ws", spec="ws.json",
             upstream=WSUpstream)
try:
    E.vault()
    E.start_session()
    env = E.client_env()

    # ---- the handshake ---------------------------------------------------
    s, head = upgrade(E, "/socket",
                      b"Sec-WebSocket-Extensions: permessage-deflate\r\n")
    t.like(head, r"^HTTP/1\.1 101 ", "an upgrade on a declared path: 101")
    t.ok("sec-websocket-accept: %s" % accept_for(KEY).lower()
         in head.lower(), "the upstream's Accept for the agent's key")
    uh = E.upstream.heads[-1]
    t.is_(uh.get("authorization"), "Bearer " + SECRET,
          "the upstream saw the injected credential")
    t.ok(PLACEHOLDER not in json.dumps(E.upstream.heads),
         "and never the placeholder")
    t.ok("sec-websocket-extensions" not in uh,
         "permessage-deflate stripped from the offer")
    t.ok("sec-websocket-extensions" not in head.lower(),
         "no extension in the agent's 101")

    # ---- frames ------------------------------------------------------
    s.sendall(frame(0x1, b"hello", mask=True))
    t.is_(message(s)[:2], (0x1, b"hello"), "a text message comes back")
    s.sendall(frame(0x2, b"\x00\x01\xff", mask=True))
    t.is_(message(s)[:2], (0x2, b"\x00\x01\xff"), "a binary one too")
    s.sendall(frame(0x9, b"p", mask=True))
    t.is_(read_frame(s)[1:], (0xa, b"p"), "a ping gets its pong")
    s.sendall(frame(0x1, b"leak", mask=True))
    op, data, _ = message(s)
    t.ok(SECRET.encode() not in data and
         len(data) == len("token=%s;" % SECRET),
         "a reflected credential is masked, the frame keeps its length",
         repr(data))
    s.sendall(frame(0x1, b"leaksplit", mask=True))
    op, data, ctl = message(s)
    t.ok(SECRET.encode() not in data and
         len(data) == len("token=%s;" % SECRET) and
         ctl == [(0x9, b"between")],
         "split across two fragments (a ping between): masked too",
         repr(data))
    s.sendall(frame(0x8, b"\x03\xe8", mask=True))
    t.is_(read_frame(s)[1:], (0x8, b"\x03\xe8"), "the close is answered")
    s.close()

    # ---- frames right behind the upgrade request, before the 101 ----
    s, head = upgrade(E, "/socket", after=frame(0x1, b"early", mask=True))
    t.ok(head.startswith("HTTP/1.1 101 ") and
         message(s)[:2] == (0x1, b"early"),
         "a frame sent behind the upgrade request is relayed after the 101")
    s.close()

    # ---- 100 MiB each way, in bounded memory -----------------------------
    # Python's ssl object read in one thread while written in another has
    # hung this transfer once and broken it off once (issue 12's note):
    # run only when asked, until the harness uses two sockets or asyncio.
    if not BIG:
        t.skip(2, "the 100 MiB transfer runs with AILERON_TEST_WS_BIG=1")
    else:
        s, head = upgrade(E, "/socket")
        N, CHUNK = 100, 1 << 20
        blocks = [hashlib.sha256(b"%d" % i).digest() * (CHUNK // 32)
                  for i in range(4)]
        sent, got = hashlib.sha256(), hashlib.sha256()
        peak, stop, total = [0], [False], [0]

        def sample():
            while not stop[0]:
                for w in E.svc.by_role()[2]:
                    if "ws.test" not in proc_cmdline(w):
                        continue
                    try:
                        for line in open("/proc/%d/status" % w):
                            if line.startswith("VmHWM:"):
                                peak[0] = max(peak[0], int(line.split()[1]))
                    except OSError:
                        pass
                time.sleep(0.05)

        def reader():
            try:
                while total[0] < N * CHUNK:
                    fin, op, data = read_frame(s)
                    got.update(data)
                    total[0] += len(data)
            except (EOFError, OSError):
                pass

        th = threading.Thread(target=sample)
        rd = threading.Thread(target=reader)
        s.settimeout(120 * SLOW)     # a loaded machine: bounded, not short
        th.start()
        rd.start()
        for i in range(N):
            b = blocks[i % 4]
            sent.update(b)
            s.sendall(frame(0x2, b, mask=True))
        rd.join(300 * SLOW)
        stop[0] = True
        th.join()
        t.ok(total[0] == N * CHUNK and sent.digest() == got.digest(),
             "100 MiB each way, intact (digests equal)")
        if SAN:
            t.skip(1, "memory is not measured under the sanitizers")
        else:
            t.ok(0 < peak[0] < HWM_KIB, "the worker's VmHWM stays under %d "
                 "KiB (peak %d KiB)" % (HWM_KIB, peak[0]))
        s.close()

    # ---- curl shows the 101 ------------------------------------------
    p = subprocess.run(["curl", "-sS", "--include", "--suppress-connect-headers",
                        "--max-time", "3",
                        "-H", "Connection: Upgrade",
                        "-H", "Upgrade: websocket",
                        "-H", "Sec-WebSocket-Version: 13",
                        "-H", "Sec-WebSocket-Key: " + KEY,
                        "https://ws.test/socket"], env=env,
                       capture_output=True, timeout=30 * SLOW)
    t.ok(p.stdout.startswith(b"HTTP/1.1 101") and
         accept_for(KEY).encode() in p.stdout,
         "curl --include shows the 101 handshake", p.stdout[:300])

    # ---- refusals ----------------------------------------------------
    s, head = upgrade(E, "/plain")
    t.like(head, r"^HTTP/1\.1 403 ", "an upgrade on an undeclared path: 403")
    s.close()
    # An upgrade that needs approval waits for a person, before any 101.
    def guarded(decide):
        res = {}

        def go():
            res["s"], res["head"] = upgrade(E, "/guarded")
        th = threading.Thread(target=go, daemon=True)
        th.start()
        pend = wait_for(lambda: [
            a for a in json.loads(cli(E.svc, ["approval", "list",
                                              "--json"])[1] or "[]")
            if a.get("action") == "guarded"], 20)
        if pend:
            cli(E.svc, ["approval", decide, pend[0]["id"]])
        th.join(30 * SLOW)
        if "s" in res:
            res["s"].close()
        return bool(pend), res.get("head", "")
    n = len(E.upstream.heads)
    seen, head = guarded("deny")
    t.ok(seen and head.startswith("HTTP/1.1 403 "),
         "an upgrade a person denies: 403, before any 101", head[:200])
    t.is_(len(E.upstream.heads), n, "the upstream never saw it")
    seen, head = guarded("grant")
    t.ok(seen and head.startswith("HTTP/1.1 101 "),
         "an upgrade that needs approval waits, and proceeds on grant",
         head[:200])
    s = E.connect(host="ws.test")
    st, h, body = exchange(s, b"GET /socket HTTP/1.1\r\nHost: ws.test\r\n"
                           b"Connection: Upgrade\r\nUpgrade: h2c\r\n"
                           b"HTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n")
    t.ok(st in (400, 403), "Upgrade: h2c refused (%d)" % st)
    s.close()
    E.upstream.bad_accept = True
    s, head = upgrade(E, "/socket")
    t.like(head, r"^HTTP/1\.1 502 ", "a wrong Sec-WebSocket-Accept: 502")
    s.close()
    E.upstream.bad_accept = False
    E.upstream.extension = True
    s, head = upgrade(E, "/socket")
    t.like(head, r"^HTTP/1\.1 502 ",
           "an extension the proxy did not offer: 502")
    s.close()
    E.upstream.extension = False

    # ---- the audit ---------------------------------------------------
    def recs():
        """Through the API, as tests read control's state."""
        return E.svc.audit()
    wait_for(lambda: sum(r.get("event") == "websocket"
                         for r in recs()) >= (4 if BIG else 3), 30)
    R = recs()
    up = [r for r in R if r.get("event") == "request" and
          r.get("action") == "socket" and r.get("status") == 101]
    t.ok(len(up) >= 2, "the upgrade is audited with its action and 101")
    ws = [r for r in R if r.get("event") == "websocket"]
    first = ws[0] if ws else {}
    t.ok(first.get("action") == "socket" and
         first.get("frames_up") == 6 and first.get("frames_down") == 8 and
         first.get("closed_by") == "agent" and "duration_ms" in first and
         first.get("bytes_up", 0) > 0 and first.get("bytes_down", 0) > 0,
         "its end is audited: frames and bytes each way, who closed",
         json.dumps(first))
    if BIG:
        t.ok(any(r.get("bytes_up", 0) >= 100 << 20 and
                 r.get("bytes_down", 0) >= 100 << 20 for r in ws),
             "the 100 MiB connection's bytes are counted")
    else:
        t.skip(1, "the 100 MiB transfer runs with AILERON_TEST_WS_BIG=1")
finally:
    E.close()
sys.exit(t.done())
