# Copyright (c) 2026 The aileron authors
#
# Permission to use, copy, modify, and distribute this software for any
# purpose with or without fee is hereby granted, provided that the above
# copyright notice and this permission notice appear in all copies.
#
# THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.

"""ws_upstream.py: a WebSocket (RFC 6455) echo server behind TLS for the
proxy's tests, and the frame reader and writer of their raw clients.  It
is written by hand, not with websockets, so that it can misbehave on
request (a wrong Accept, an extension nobody offered) and cut frames
exactly where a test wants.  It keeps every upgrade request's head, the
wire bytes of every small frame and the control frames it receives; a
text message "leak" is answered with the Authorization it saw,
"leaksplit" with the same cut in the middle of the credential into two
fragments with a ping between them, "leakbin" and "leakbinsplit" the
same in a binary message (split: in two fragments), "leakfrag" in a
text message of a byte a fragment, "leakping" with a
ping whose payload is the credential, "leakclose" with a close frame
whose reason is, "flood N" with N binary messages of
1 MiB (flood_block) written before it reads again; pings get their pong,
pongs nothing; anything else comes back as it came, frame for frame, one
frame in memory at a time."""

import base64
import hashlib
import os
import socket
import struct
import threading
import http.server

from tlsserver import TLSServer

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def accept_for(key):
    return base64.b64encode(hashlib.sha1((key + GUID).encode())
                            .digest()).decode()


def recv_exact(sock, n):
    buf = bytearray()
    while len(buf) < n:
        b = sock.recv(min(n - len(buf), 1 << 20))
        if not b:
            raise EOFError("closed")
        buf += b
    return bytes(buf)


def read_frame(sock, wire=None):
    """(fin, opcode, payload), unmasked if it was masked; a frame of under
    126 bytes is also appended to the list wire as it came."""
    head = recv_exact(sock, 2)
    b0, b1 = head
    n = b1 & 0x7f
    if n == 126:
        n = struct.unpack("!H", recv_exact(sock, 2))[0]
    elif n == 127:
        n = struct.unpack("!Q", recv_exact(sock, 8))[0]
    key = recv_exact(sock, 4) if b1 & 0x80 else None
    data = recv_exact(sock, n)
    if wire is not None and n < 126:
        wire.append(head + (key or b"") + data)
    if key:
        data = xor(data, key)
    return bool(b0 & 0x80), b0 & 0x0f, data


def xor(data, key):
    k = (key * (len(data) // 4 + 1))[:len(data)]
    return (int.from_bytes(data, "big") ^ int.from_bytes(k, "big"))\
        .to_bytes(len(data), "big") if data else b""


def flood_block(i):
    """The i-th MiB a "flood" sends: "F", its number, then its pattern."""
    return (b"F%07d" % i + hashlib.sha256(b"flood %d" % i).digest() *
            32768)[:1 << 20]


def frame(opcode, data, fin=True, mask=False):
    head = bytes([(0x80 if fin else 0) | opcode])
    m = 0x80 if mask else 0
    n = len(data)
    if n < 126:
        head += bytes([m | n])
    elif n < 65536:
        head += bytes([m | 126]) + struct.pack("!H", n)
    else:
        head += bytes([m | 127]) + struct.pack("!Q", n)
    if mask:
        key = os.urandom(4)
        return head + key + xor(data, key)
    return head + data


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def do_GET(self):
        up = self.server.upstream
        with up.lock:
            up.heads.append(dict((k.lower(), v)
                                 for k, v in self.headers.items()))
        key = self.headers.get("Sec-WebSocket-Key", "")
        if self.headers.get("Upgrade", "").lower() != "websocket":
            self.send_response(400)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(101)
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept",
                         "wrong" if up.bad_accept else accept_for(key))
        if up.extension:
            self.send_header("Sec-WebSocket-Extensions",
                             "permessage-deflate")
        self.end_headers()
        self.wfile.flush()
        self.close_connection = True
        sock = self.connection
        sock.settimeout(60)
        auth = self.headers.get("Authorization", "")
        cred = auth.split(" ", 1)[-1].encode()
        try:
            while True:
                fin, op, data = read_frame(sock, up.wire)
                if op >= 0x8:
                    with up.lock:
                        up.controls.append((op, data))
                if op == 0x8:
                    sock.sendall(frame(0x8, data))
                    return
                if op == 0x9:
                    sock.sendall(frame(0xa, data))
                    continue
                if op == 0xa:
                    continue
                if op == 0x1 and data == b"leak":
                    sock.sendall(frame(0x1, b"token=" + cred + b";"))
                    continue
                if op == 0x1 and data == b"leakbin":
                    sock.sendall(frame(0x2, b"token=" + cred + b";"))
                    continue
                if op == 0x1 and data == b"leakbinsplit":
                    h = len(cred) // 2
                    sock.sendall(frame(0x2, b"token=" + cred[:h],
                                       fin=False))
                    sock.sendall(frame(0x0, cred[h:] + b";"))
                    continue
                if op == 0x1 and data == b"leakfrag":
                    # One message a byte a fragment, the credential far
                    # into it: more frames than the relay queues behind
                    # what the masker holds.
                    msg = b"x" * 160 + b"token=" + cred + b";"
                    for i in range(len(msg)):
                        sock.sendall(frame(0x1 if i == 0 else 0x0,
                                           msg[i:i + 1],
                                           fin=i == len(msg) - 1))
                    continue
                if op == 0x1 and data == b"leakping":
                    sock.sendall(frame(0x9, cred))
                    continue
                if op == 0x1 and data == b"leakclose":
                    sock.sendall(frame(0x8, b"\x03\xe8" + cred))
                    return
                if op == 0x1 and data.startswith(b"flood "):
                    # N MiB down without reading meanwhile, through small
                    # socket buffers: while the agent keeps sending, a
                    # relay that blocks on one direction stalls both.
                    for o in (socket.SO_SNDBUF, socket.SO_RCVBUF):
                        sock.setsockopt(socket.SOL_SOCKET, o, 65536)
                    for i in range(int(data.split()[1])):
                        sock.sendall(frame(0x2, flood_block(i)))
                    continue
                if op == 0x1 and data == b"leaksplit":
                    h = len(cred) // 2
                    sock.sendall(frame(0x1, b"token=" + cred[:h],
                                       fin=False))
                    sock.sendall(frame(0x9, b"between"))
                    sock.sendall(frame(0x0, cred[h:] + b";"))
                    continue
                sock.sendall(frame(op, data, fin=fin))
        except (EOFError, OSError):
            return


class WSUpstream:
    def __init__(self, cert, key):
        self.lock = threading.Lock()
        self.heads = []
        self.wire = []
        self.controls = []
        self.bad_accept = False
        self.extension = False
        self.server = TLSServer(Handler, cert, key, self, timeout=60)
        self.port = self.server.port

    def close(self):
        self.server.close()
