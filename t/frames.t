#!/usr/bin/env python3
# frames.t: what a bad frame costs, and calls with deadlines, in the live
# service.  A worker (made to misbehave through the test hook of the
# undocumented -X) that sends control or vaultd a type it may not send, an
# oversized frame, a truncated payload, a stray descriptor or a frame
# marked as the answer to a call (no process calls a worker, so it is no
# "late answer" to log and drop) is killed; control and vaultd go on, and
# the next connection is served.  A call
# from control to vaultd that outlives its deadline fails the waiting
# request while another worker is served, and the late answer is dropped.
# Then, against a vaultd alone: a test-only message is refused without
# -X, vault.sock refuses another protocol version and a request before
# HELLO, and caps idle connections per user.

import os
import re
import socket
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "helpers"))
from aileron import TAP, Service, alive, wait_for
import vaultd_harness as H

t = TAP()
if os.geteuid() != 0:
    t.skip_all("needs root: the service is tested as it runs")
t.plan(9 * 4 + 6 + 10)


def get(svc, path, timeout=10):
    _, reply = svc.request(("GET %s HTTP/1.1\r\nHost: x\r\n\r\n" %
                            path).encode(), timeout=timeout)
    return reply.split(b"\r\n\r\n", 1)[-1].strip().decode(errors="replace")


svc = Service(prefork=2)
svc.start(args=("-X",))
try:
    found = wait_for(lambda: (lambda c, v, w: (c, v) if c and v and
                              len(w) == 2 else None)(*svc.by_role()), 10)
    control, vaultd = found
    cases = [("type", "control"), ("oversize", "control"),
             ("strayfd", "control"), ("reply", "control"),
             ("type", "vaultd"), ("oversize", "vaultd"),
             ("truncated", "vaultd"), ("strayfd", "vaultd"),
             ("reply", "vaultd")]
    for kind, to in cases:
        body = get(svc, "/.aileron-test/bad/%s/%s" % (kind, to))
        m = wait_for(lambda: re.findall(
            r"worker\[(\d+)\]: test: sending a bad frame \(%s\) to %s" %
            (kind, to), svc.log_text()), 10)
        pid = int(m[-1]) if m else -1
        killed = svc.wait_log(r"worker %d: %s refused its messages; "
                              r"killing it" % (pid, to))
        t.ok(body == "sent" and killed and
             wait_for(lambda: not alive(pid), 10),
             "%s frame to %s: the worker is killed" % (kind, to),
             svc.log_text()[-800:])
        t.ok(svc.wait_log(r"%s\[%d\]: worker %d: bad frame" %
                          (to, control if to == "control" else vaultd, pid)),
             "%s logs the bad frame" % to)
        t.ok(alive(control) and alive(vaultd) and
             svc.by_role()[:2] == (control, vaultd),
             "control and vaultd are untouched")
        _, reply = svc.request()
        t.ok(reply.startswith(b"HTTP/1.1 400 "),
             "the next connection is served")

    # control calls vaultd with a 500 ms deadline; "stall" is never
    # answered.  Another worker's call is served meanwhile.
    out = {}

    def stalled():
        out["stall"] = get(svc, "/.aileron-test/echo/control/stall")
        out["stall_at"] = time.monotonic()

    th = threading.Thread(target=stalled)
    th.start()
    time.sleep(0.1)
    out["hello"] = get(svc, "/.aileron-test/echo/control/hello")
    out["hello_at"] = time.monotonic()
    th.join(20)
    t.is_(out.get("hello"), "hello",
          "a call through control to vaultd is answered")
    t.ok("stall_at" in out and out["hello_at"] < out["stall_at"],
         "while another worker's request waits on vaultd")
    t.is_(out.get("stall"), "error: vaultd did not answer in time",
          "the waiting request fails with a clear error at its deadline")
    t.ok(svc.wait_log(r"control\[\d+\]: vaultd: no answer to TEST_ECHO "
                      r"\(request \d+\) in time"), "and control logs it")
    t.is_(get(svc, "/.aileron-test/echo/control/late"),
          "error: vaultd did not answer in time",
          "an answer after the deadline comes too late")
    t.ok(svc.wait_log(r"control\[\d+\]: vaultd: late answer TEST_ECHO to "
                      r"request \d+, which no longer waits; dropped") and
         alive(control) and alive(vaultd),
         "and is dropped, not taken for a forgery")
finally:
    svc.stop()

# A vaultd on its own, without -X, with the harness as everyone else.
vd = H.Vaultd([("linear", "bearer", "", ["api.linear.app"])])
try:
    vd.start()
    w = vd.worker(7001)
    w.send("TEST_ECHO", b"x", reqid=1)
    t.ok(w.closed(), "without -X a test-only message closes the worker's "
         "channel")
    t.is_(vd.master.recv(5), ("WORKER_BAD", 7001, b""),
          "and vaultd asks the master to kill it")

    c = vd.connect(version=1)
    err = H.REPLY.unpack_from(c.hello[2])[0] if c.hello else None
    t.is_(err, H.C["MSG_VAULT_ERR_VERSION"],
          "vault.sock: another protocol version is refused")
    t.ok(c.hello and b"protocol 1" in c.hello[2] and
         b"speaks %d" % H.C["MSG_VAULT_PROTOCOL"] in c.hello[2],
         "with a sentence naming both versions")
    salt = os.urandom(16)
    c.send("VAULT_REQUEST", vd.pack_request(
        "init", user="mallory", key=os.urandom(32), salt=salt, n=16384,
        r=8, p=1), reqid=2)
    t.ok(c.closed(), "a request after the refusal closes the connection")
    r = vd.request("kdf", user="mallory")
    t.ok(r is not None and r[0] != 0,
         "and nothing was done: no vault for that user", r)

    c = vd.connect(hello=False)
    c.send("VAULT_REQUEST", vd.pack_request("kdf", user="alice"), reqid=1)
    t.ok(c.closed(), "a request before HELLO closes the connection")

    # Idle connections: a cap per user, and a deadline for the first frame.
    patient = vd.connect()
    idle = [vd.connect(hello=False) for _ in range(7)]
    extra = vd.connect(hello=False)
    t.ok(extra.closed(2), "a ninth connection from one uid is refused")
    t.ok(all(i.closed(15) for i in idle),
         "connections that never say HELLO are closed after 10 s")
    r = vd.request("kdf", chan=patient, user="mallory")
    t.ok(r is not None and r[0] != 0 and "mallory" in r[1],
         "one that said HELLO may wait longer (a human typing a key)", r)
finally:
    vd.kill()
