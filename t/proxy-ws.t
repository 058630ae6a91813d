#!/usr/bin/python3
# Copyright (c) 2026 The aileron authors
#
# Permission to use, copy, modify, and distribute this software for any
# purpose with or without fee is hereby granted, provided that the above
# copyright notice and this permission notice appear in all copies.
#
# THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.

# proxy-ws.t: WebSocket through the proxy, to a local echo server behind TLS
# (t/lib/ws_upstream.py) for the connector "ws" (t/proxy/ws.json).  The
# client is Debian's python3-websockets (10.4: asyncio only, and it does not
# read HTTPS_PROXY, so the test opens the CONNECT tunnel and hands it the
# socket), hence /usr/bin/python3 above, not the first python3 in PATH.
# With it: messages echoed, the credential injected into the upgrade request
# and never the placeholder, an upstream text frame reflecting the
# credential masked (also split across two frames), ping/pong and the close
# handshake, 100 MiB each way (one task sending while another receives, on
# one connection) intact, in bounded worker memory, and 16 MiB each way at
# once while the upstream writes without reading (a relay that blocks in one
# direction stalls both: this failed before worker/ws_relay.c wrote without
# blocking).  A raw client over a plain socket shows what a library hides:
# the agent's frames reach the upstream byte for byte (never unmasked), a
# binary frame, a ping and a close reason reflecting the credential masked
# (their lengths and the close code kept), a frame sent before the 101, h2c
# refused, an undeclared path refused, approval before the upgrade; curl
# --include shows the handshake; the audit has the upgrade and the
# connection's end.

import asyncio
import base64
import hashlib
import json
import os
import socket
import ssl
import struct
import subprocess
import sys
import threading
import time

import websockets

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from aileron import TAP, SAN, SLOW, wait_for, proc_cmdline  # noqa: E402
from proxyenv import (ProxyEnv, SECRET, PLACEHOLDER, exchange,  # noqa: E402
                      cli)
from ws_upstream import (WSUpstream, accept_for, flood_block,  # noqa: E402
                         frame, read_frame)

t = TAP()
t.plan(34)

KEY = base64.b64encode(os.urandom(16)).decode()
HWM_KIB = 16384         # the worker's VmHWM bound while relaying 100 MiB
BIG_N, BIG_CHUNK = 100, 1 << 20         # 100 messages of 1 MiB each way


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


def tunnel(E):
    """A CONNECT tunnel to ws.test through the proxy, the session token in
    Proxy-Authorization as proxyenv.py sends it: the plain socket, its
    TLS left to the client."""
    s = socket.create_connection(("127.0.0.1", E.svc.port),
                                 timeout=10 * SLOW)
    auth = base64.b64encode(("s:" + E.session["token"]).encode()).decode()
    s.sendall(("CONNECT ws.test:443 HTTP/1.1\r\nHost: ws.test:443\r\n"
               "Proxy-Authorization: Basic %s\r\n\r\n" % auth).encode())
    head = b""
    while b"\r\n\r\n" not in head:
        b = s.recv(1)           # not a byte of the TLS that follows
        if not b:
            break
        head += b
    if not head.startswith(b"HTTP/1.1 200 "):
        s.close()
        raise RuntimeError("CONNECT refused: %r" % head)
    return s


async def ws_open(E, path="/socket"):
    """websockets' client on a tunnel, trusting the session CA; its
    default offer of permessage-deflate stays in (the proxy strips it),
    no keepalive pings (the frame counts are exact), no message limit."""
    ctx = ssl.create_default_context(cafile=E.session["ca"])
    return await websockets.connect(
        "wss://ws.test" + path, sock=tunnel(E), ssl=ctx,
        server_hostname="ws.test",
        extra_headers={"Authorization": "Bearer " + PLACEHOLDER},
        open_timeout=20 * SLOW, close_timeout=20 * SLOW,
        ping_interval=None, max_size=None)


async def until(pred, timeout):
    """Poll pred on the event loop until it holds, at most timeout."""
    end = time.monotonic() + timeout * SLOW
    while not pred():
        if time.monotonic() > end:
            return False
        await asyncio.sleep(0.02)
    return True


async def library(E):
    T = 20 * SLOW
    ws = await ws_open(E)
    t.ok(ws.open and ws.extensions == [],
         "websockets connects through the proxy, with no extension "
         "(its permessage-deflate offer stripped)")
    uh = E.upstream.heads[-1]
    t.is_(uh.get("authorization"), "Bearer " + SECRET,
          "the upstream saw the injected credential")
    t.ok(PLACEHOLDER not in json.dumps(E.upstream.heads),
         "and never the placeholder")
    t.ok("sec-websocket-extensions" not in uh,
         "permessage-deflate stripped from the offer")
    await ws.send("hello")
    t.is_(await asyncio.wait_for(ws.recv(), T), "hello",
          "a text message comes back")
    await ws.send(b"\x00\x01\xff")
    t.is_(await asyncio.wait_for(ws.recv(), T), b"\x00\x01\xff",
          "a binary one too")
    try:
        await asyncio.wait_for(await ws.ping(b"p"), T)
        pong = True
    except (asyncio.TimeoutError, websockets.ConnectionClosed):
        pong = False
    t.ok(pong and (0x9, b"p") in E.upstream.controls,
         "a ping reaches the upstream and its pong comes back")
    await ws.send("leak")
    data = await asyncio.wait_for(ws.recv(), T)
    t.ok(isinstance(data, str) and SECRET not in data and
         len(data) == len("token=%s;" % SECRET),
         "a reflected credential is masked, the frame keeps its length",
         repr(data))
    await ws.send("leaksplit")
    data = await asyncio.wait_for(ws.recv(), T)
    answered = await until(lambda: (0xa, b"between")
                           in E.upstream.controls, 20)
    t.ok(isinstance(data, str) and SECRET not in data and
         len(data) == len("token=%s;" % SECRET) and answered,
         "split across two fragments, a ping between: masked too (and "
         "the client's pong to that ping reached the upstream)", repr(data))
    await ws.close(1000, "bye")
    t.ok(ws.close_code == 1000 and ws.close_reason == "bye" and
         (0x8, b"\x03\xe8bye") in E.upstream.controls,
         "the close handshake: the upstream got the close and answered it",
         "%r %r" % (ws.close_code, ws.close_reason))


def worker_hwm(E):
    """VmHWM (KiB) of the worker serving ws.test: the peak of its
    resident memory so far; 0 when it is not found."""
    peak = 0
    for w in E.svc.by_role()[2]:
        if "ws.test" not in proc_cmdline(w):
            continue
        try:
            for line in open("/proc/%d/status" % w):
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]))
        except OSError:
            pass
    return peak


async def big(E):
    """BIG_N messages of BIG_CHUNK each way on one connection, one task
    sending while another receives (asyncio makes that safe on one TLS
    connection, where two threads are not): (bytes back, digests equal,
    the worker's VmHWM, seconds)."""
    ws = await ws_open(E)
    blocks = [hashlib.sha256(b"%d" % i).digest() * (BIG_CHUNK // 32)
              for i in range(4)]
    sent, got = hashlib.sha256(), hashlib.sha256()
    total = [0]

    async def send():
        for i in range(BIG_N):
            # Each message its own: a lost, doubled or reordered one
            # changes the digest.
            b = struct.pack("!Q", i) + blocks[i % 4][8:]
            sent.update(b)
            await ws.send(b)

    async def recv():
        while total[0] < BIG_N * BIG_CHUNK:
            data = await ws.recv()
            got.update(data)
            total[0] += len(data)

    t0 = time.monotonic()
    try:
        await asyncio.wait_for(asyncio.gather(send(), recv()), 120 * SLOW)
    except (asyncio.TimeoutError, websockets.ConnectionClosed) as e:
        t.diag("the transfer stopped at %d bytes back: %r" % (total[0], e))
    secs = time.monotonic() - t0
    hwm = worker_hwm(E)
    await ws.close()
    return total[0], sent.digest() == got.digest(), hwm, secs


async def both_ways(E, n):
    """The upstream writes n MiB without reading ("flood") while the
    client sends n MiB: each direction must move while the other is
    blocked.  (flood intact, echo intact, seconds, what stopped it)."""
    ws = await ws_open(E)
    want, fgot = hashlib.sha256(), hashlib.sha256()
    sent, got = hashlib.sha256(), hashlib.sha256()
    err = [None]

    async def send():
        await ws.send("flood %d" % n)
        for i in range(n):
            b = b"C%07d" % i + flood_block(i)[8:]
            sent.update(b)
            await ws.send(b)

    async def recv():
        for i in range(2 * n):
            data = await ws.recv()
            (fgot if data[:1] == b"F" else got).update(data)

    for i in range(n):
        want.update(flood_block(i))
    t0 = time.monotonic()
    try:
        await asyncio.wait_for(asyncio.gather(send(), recv()), 60 * SLOW)
    except (asyncio.TimeoutError, websockets.ConnectionClosed) as e:
        err[0] = repr(e)
    secs = time.monotonic() - t0
    await ws.close()
    return (want.digest() == fgot.digest(), sent.digest() == got.digest(),
            secs, err[0])


def audit_ws(E, n):
    """The websocket end records once there are n of them."""
    return [r for r in E.svc.audit_until(
        lambda R: sum(r.get("event") == "websocket" for r in R) >= n)
        if r.get("event") == "websocket"]


E = ProxyEnv(hosts=("ws.test",), connector="ws", spec="ws.json",
             upstream=WSUpstream)
try:
    E.vault()
    E.start_session()
    env = E.client_env()

    # ---- websockets: messages, the credential, masking, control ------
    asyncio.run(library(E))
    R = audit_ws(E, 1)
    first = R[0] if R else {}
    t.ok(first.get("action") == "socket" and
         first.get("frames_up") == 7 and first.get("frames_down") == 8 and
         first.get("closed_by") == "agent" and "duration_ms" in first and
         first.get("bytes_up", 0) > 0 and first.get("bytes_down", 0) > 0,
         "its end is audited: frames and bytes each way, who closed",
         json.dumps(E.svc.audit()))

    # ---- a raw client: the handshake and the agent's frames as sent ----
    s, head = upgrade(E, "/socket",
                      b"Sec-WebSocket-Extensions: permessage-deflate\r\n")
    t.like(head, r"^HTTP/1\.1 101 ", "an upgrade on a declared path: 101")
    t.ok("sec-websocket-accept: %s" % accept_for(KEY).lower()
         in head.lower(), "the upstream's Accept for the agent's key")
    t.ok("sec-websocket-extensions" not in head.lower(),
         "no extension in the agent's 101")
    sent = [frame(0x1, b"as sent", mask=True), frame(0x9, b"q", mask=True)]
    s.sendall(b"".join(sent))
    back = message(s)
    t.ok(back[:2] == (0x1, b"as sent") and read_frame(s)[1:] == (0xa, b"q")
         and all(f in E.upstream.wire for f in sent),
         "the agent's frames reach the upstream byte for byte, never "
         "unmasked or rewritten")
    s.sendall(frame(0x8, b"\x03\xe8", mask=True))
    read_frame(s)
    s.close()

    # ---- frames right behind the upgrade request, before the 101 ----
    s, head = upgrade(E, "/socket", after=frame(0x1, b"early", mask=True))
    t.ok(head.startswith("HTTP/1.1 101 ") and
         message(s)[:2] == (0x1, b"early"),
         "a frame sent behind the upgrade request is relayed after the 101")
    s.close()

    # ---- the credential in binary and control frames ------------------
    s, head = upgrade(E, "/socket")
    want = b"token=" + b"*" * len(SECRET) + b";"
    s.sendall(frame(0x1, b"leakbin", mask=True))
    back = message(s)
    t.ok(back[:2] == (0x2, want),
         "a binary frame reflecting the credential is masked, its length "
         "kept", back)
    s.sendall(frame(0x1, b"leakbinsplit", mask=True))
    back = message(s)
    t.ok(back[:2] == (0x2, want),
         "also when the credential is split across two fragments", back)
    s.sendall(frame(0x1, b"leakping", mask=True))
    back = read_frame(s)
    t.ok(back[1:] == (0x9, b"*" * len(SECRET)),
         "a ping's payload is masked", back)
    s.sendall(frame(0x1, b"leakclose", mask=True))
    back = read_frame(s)
    t.ok(back[1:] == (0x8, b"\x03\xe8" + b"*" * len(SECRET)),
         "a close frame's reason is masked, its code kept", back)
    s.close()
    # A message of a byte a fragment: what the masker holds waits behind
    # more frames than the relay queues.  Releasing it then passed the
    # credential in two pieces; now the relay closes.
    s, head = upgrade(E, "/socket")
    s.sendall(frame(0x1, b"leakfrag", mask=True))
    got = b""
    try:
        while True:
            d = s.recv(65536)
            if not d:
                break
            got += d
    except OSError:
        pass
    s.close()
    sec = SECRET.encode()
    t.ok(not any(sec[i:i + 8] in got for i in range(len(sec) - 7)) and
         E.svc.wait_log(r"frames of a message held back at once; "
                        r"closing"),
         "a message of over 127 fragments held back: closed, no piece of "
         "the credential out", got[-200:])

    # ---- 100 MiB each way, in bounded memory -----------------------------
    n, same, hwm, secs = asyncio.run(big(E))
    t.diag("%d MiB each way in %.1f s, worker VmHWM %d KiB" %
           (BIG_N * BIG_CHUNK >> 20, secs, hwm))
    t.ok(n == BIG_N * BIG_CHUNK and same,
         "100 MiB each way, intact (digests equal)")
    if SAN:
        t.skip(1, "memory is not measured under the sanitizers")
    else:
        t.ok(0 < hwm < HWM_KIB, "the worker's VmHWM stays under %d KiB "
             "(peak %d KiB)" % (HWM_KIB, hwm))

    # ---- both ways at once, the upstream not reading meanwhile -------
    fl, ec, secs, err = asyncio.run(both_ways(E, 16))
    t.diag("16 MiB each way at once in %.1f s" % secs)
    t.ok(fl and ec and secs < 20 * SLOW,
         "the upstream writes 16 MiB without reading while the agent sends "
         "16 MiB: both arrive, neither waits for the other", err)
    R = audit_ws(E, 5)
    t.ok(any(r.get("bytes_up", 0) >= BIG_N * BIG_CHUNK and
             r.get("bytes_down", 0) >= BIG_N * BIG_CHUNK for r in R),
         "the 100 MiB connection's bytes are counted", json.dumps(R))

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
    # Eight upgrades got their 101: websockets three times, the raw client
    # four times and curl.
    def upgrades(R):
        return [r for r in R if r.get("event") == "request" and
                r.get("action") == "socket" and r.get("status") == 101]
    up = upgrades(E.svc.audit_until(lambda R: len(upgrades(R)) >= 8))
    t.ok(len(up) == 8, "each upgrade is audited with its action and 101",
         "%d" % len(up))
finally:
    E.close()
sys.exit(t.done())
