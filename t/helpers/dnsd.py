#!/usr/bin/env python3
# dnsd.py: a tiny DNS server for the tests, so that the workers' real
# resolver is exercised against a server on loopback.  It answers A and
# AAAA queries over UDP and TCP (one port for both) for the names it is
# given, NXDOMAIN for any other name, and NODATA for a known name without
# an address of the asked family.  It prints its port on the first line of
# stdout, then serves until killed or for --lifetime seconds.
#
#   dnsd.py [--silent] [--truncate NAME]... [--json FILE] [--lifetime S]
#       [NAME=ADDR[,ADDR...]]...
#
# --silent reads queries and never answers (a dead server, for timeouts).
# --truncate NAME answers NAME over UDP with the TC bit and no records,
# so the client must ask again over TCP.  Each query is logged to stderr
# as "query NAME TYPE udp|tcp", so a test can tell whether a lookup
# reached DNS at all, and how.

import argparse
import ipaddress
import json
import select
import socket
import struct
import sys
import time

QTYPE_A = 1
QTYPE_AAAA = 28


def parse_name(pkt, off):
    """The question's name at off (no compression in a question)."""
    labels = []
    while True:
        if off >= len(pkt):
            raise ValueError("truncated name")
        n = pkt[off]
        off += 1
        if n == 0:
            break
        if n & 0xC0:
            raise ValueError("compressed name in question")
        labels.append(pkt[off:off + n].decode("ascii", "replace"))
        off += n
    return ".".join(labels).lower(), off


def answer(pkt, names, truncate=()):
    if len(pkt) < 12:
        return None, None
    qid, flags, qd = struct.unpack("!HHH", pkt[:6])
    if flags & 0x8000 or qd != 1:
        return None, None
    name, off = parse_name(pkt, 12)
    qtype, qclass = struct.unpack("!HH", pkt[off:off + 4])
    question = pkt[12:off + 4]
    rd = flags & 0x0100
    rrs = []
    rcode = 0
    tc = 0
    if name in truncate:
        tc = 0x0200
    elif name not in names:
        rcode = 3       # NXDOMAIN
    else:
        for a in names[name]:
            if qtype == QTYPE_A and a.version == 4:
                rrs.append(struct.pack("!HHHIH", 0xC00C, QTYPE_A, 1, 60, 4)
                           + a.packed)
            elif qtype == QTYPE_AAAA and a.version == 6:
                rrs.append(struct.pack("!HHHIH", 0xC00C, QTYPE_AAAA, 1, 60,
                                       16) + a.packed)
    hdr = struct.pack("!HHHHHH", qid,
                      0x8000 | 0x0400 | tc | rd | 0x0080 | rcode,
                      1, len(rrs), 0, 0)
    return hdr + question + b"".join(rrs), (name, qtype)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--silent", action="store_true")
    ap.add_argument("--truncate", action="append", default=[])
    ap.add_argument("--json")
    ap.add_argument("--lifetime", type=float, default=300)
    ap.add_argument("--bind", default="127.0.0.1")
    ap.add_argument("records", nargs="*")
    args = ap.parse_args()

    table = {}
    if args.json:
        with open(args.json) as f:
            table.update(json.load(f))
    for r in args.records:
        name, _, addrs = r.partition("=")
        table[name] = addrs.split(",") if addrs else []
    names = {}
    for name, addrs in table.items():
        if isinstance(addrs, str):
            addrs = [addrs]
        names[name.lower().rstrip(".")] = [ipaddress.ip_address(a)
                                           for a in addrs]

    fam = socket.AF_INET6 if ":" in args.bind else socket.AF_INET
    # One port for UDP and TCP: bind UDP anywhere, then TCP beside it.
    for _ in range(50):
        s = socket.socket(fam, socket.SOCK_DGRAM)
        s.bind((args.bind, 0))
        port = s.getsockname()[1]
        ts = socket.socket(fam, socket.SOCK_STREAM)
        ts.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            ts.bind((args.bind, port))
            break
        except OSError:
            s.close()
            ts.close()
    else:
        sys.exit("dnsd: no port free for both UDP and TCP")
    ts.listen(8)
    print(port, flush=True)
    end = time.monotonic() + args.lifetime
    while time.monotonic() < end:
        r, _, _ = select.select([s, ts], [], [],
                                max(0.1, end - time.monotonic()))
        if s in r:
            pkt, peer = s.recvfrom(4096)
            reply = serve(pkt, names, args, "udp")
            if reply is not None:
                s.sendto(reply, peer)
        if ts in r:
            c, _ = ts.accept()
            c.settimeout(5)
            try:
                n = struct.unpack("!H", recv_all(c, 2))[0]
                reply = serve(recv_all(c, n), names, args, "tcp")
                if reply is not None:
                    c.sendall(struct.pack("!H", len(reply)) + reply)
            except (OSError, struct.error):
                pass
            c.close()


def recv_all(c, n):
    buf = b""
    while len(buf) < n:
        chunk = c.recv(n - len(buf))
        if not chunk:
            raise OSError("short read")
        buf += chunk
    return buf


def serve(pkt, names, args, how):
    try:
        reply, q = answer(pkt, names,
                          args.truncate if how == "udp" else ())
    except (ValueError, struct.error):
        return None
    if q is None:
        return None
    print("query %s %d %s" % (q + (how,)), file=sys.stderr, flush=True)
    return None if args.silent else reply


if __name__ == "__main__":
    main()
