#!/usr/bin/env python3
# pool.t: every connection gets its own worker; the pool stays within
# max workers under a burst; a killed worker harms nobody else; a slow
# client is cut at the deadline.

import os
import re
import signal
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from aileron import TAP, Service, alive, wait_for, SLOW

t = TAP()
t.plan(14)


def served_pids(svc):
    """local port -> worker pid, from the 'served' log lines."""
    out = {}
    for m in re.finditer(r"worker\[(\d+)\]: served 127\.0\.0\.1:(\d+)",
                         svc.log_text()):
        out[int(m.group(2))] = int(m.group(1))
    return out


svc = Service(prefork=4, max_workers=64)
svc.start()

# A slow client, one byte a second, runs alongside everything else.
slow = {}


def slow_client():
    s = socket.create_connection(("127.0.0.1", svc.port), timeout=30)
    slow["port"] = s.getsockname()[1]
    start = time.monotonic()
    data = b"GET / HTTP/1.1\r\nHost: slow\r\n"
    try:
        for i in range(30):
            s.sendall(data[i % len(data):i % len(data) + 1])
            time.sleep(1)
    except OSError:
        pass
    try:
        s.settimeout(5)
        slow["reply"] = s.recv(4096)
    except OSError:
        slow["reply"] = b""
    slow["elapsed"] = time.monotonic() - start
    s.close()


st = threading.Thread(target=slow_client)
st.start()

# 200 sequential connections.
ports = []
answered = 0
for i in range(200):
    lport, reply = svc.request()
    ports.append(lport)
    answered += reply.startswith(b"HTTP/1.1 400 ")
t.is_(answered, 200, "200 sequential requests are answered")
wait_for(lambda: all(p in served_pids(svc) for p in ports), 10)
# The kernel may give a later request a local port an earlier one had:
# match each request to the next "served" line for its port, in order.
queue = {}
for m in re.finditer(r"worker\[(\d+)\]: served 127\.0\.0\.1:(\d+)",
                     svc.log_text()):
    queue.setdefault(int(m.group(2)), []).append(int(m.group(1)))
pids = [queue[p].pop(0) if queue.get(p) else None for p in ports]
t.ok(None not in pids and len(set(pids)) == 200,
     "each of the 200 was served by a distinct worker pid",
     "distinct: %d" % len(set(pids)))

# 50 concurrent connections, all open before any sends its request.
socks = [socket.create_connection(("127.0.0.1", svc.port), timeout=20)
         for _ in range(50)]
cports = [s.getsockname()[1] for s in socks]
for s in socks:
    s.sendall(b"GET / HTTP/1.1\r\nHost: c\r\n\r\n")
replies = []
for s in socks:
    data = b""
    while True:
        c = s.recv(4096)
        if not c:
            break
        data += c
    replies.append(data)
    s.close()
t.is_(sum(r.startswith(b"HTTP/1.1 400 ") for r in replies), 50,
      "50 concurrent requests are answered")
wait_for(lambda: all(p in served_pids(svc) for p in cports), 10)
m = served_pids(svc)
cp = [m.get(p) for p in cports]
t.ok(None not in cp and len(set(cp)) == 50 and not set(cp) & set(pids),
     "each of the 50 was served by a distinct worker pid")

# kill -9 of a busy worker.
busy = socket.create_connection(("127.0.0.1", svc.port), timeout=20)
bport = busy.getsockname()[1]
busy.sendall(b"GET / HTTP/1.1\r\n")
mm = svc.wait_log(r"worker\[(\d+)\]: accepted 127\.0\.0\.1:%d\b" % bport)
bpid = int(mm.group(1)) if mm else None
t.ok(bpid is not None and alive(bpid), "a busy worker is found by its log")
if bpid:
    os.kill(bpid, signal.SIGKILL)
# EOF, or a reset when the worker died with our bytes unread: both end it.
try:
    end = busy.recv(4096)
except ConnectionResetError:
    end = b""
t.is_(end, b"", "its client sees the connection end")
busy.close()
t.ok(svc.wait_log(r"worker %s: killed by signal 9" % bpid),
     "the master logs how the worker ended")
lport, reply = svc.request()
t.ok(reply.startswith(b"HTTP/1.1 400 "), "the service keeps serving")

st.join(40 * SLOW)
t.ok("elapsed" in slow and 9 <= slow["elapsed"] <= 15 * SLOW,
     "a client sending a byte a second is cut at the 10 s deadline",
     "elapsed %r" % slow.get("elapsed"))
t.ok(svc.wait_log(r"127\.0\.0\.1:%d: no request head within 10 s"
                  % slow.get("port", 0)),
     "and the worker says why")
t.is_(svc.stop(), 0, "the service stops cleanly")

# A burst of 200 concurrent connections against max workers 8.
svc2 = Service(prefork=2, max_workers=8, log_debug=False)
svc2.start()
peak = [0]
done = threading.Event()


def sampler():
    while not done.is_set():
        n = len([p for p in svc2.children() if alive(p)]) - 2
        peak[0] = max(peak[0], n)
        time.sleep(0.002)


results = []
lock = threading.Lock()


def client():
    try:
        # Hold the worker a moment so the pool has to grow to its bound.
        s = socket.create_connection(("127.0.0.1", svc2.port),
                                     timeout=60 * SLOW)
        time.sleep(0.2)
        s.sendall(b"GET / HTTP/1.1\r\nHost: b\r\n\r\n")
        r = b""
        while True:
            c = s.recv(4096)
            if not c:
                break
            r += c
        s.close()
    except OSError as e:
        r = repr(e).encode()
    with lock:
        results.append(r)


sp = threading.Thread(target=sampler)
sp.start()
threads = [threading.Thread(target=client) for _ in range(200)]
for th in threads:
    th.start()
for th in threads:
    th.join(120 * SLOW)
done.set()
sp.join()
t.is_(sum(r.startswith(b"HTTP/1.1 400 ") for r in results), 200,
      "a burst of 200 concurrent connections is answered in full")
t.ok(2 < peak[0] <= 8, "the pool grew and never exceeded max workers 8 "
     "(peak %d)" % peak[0])
t.is_(svc2.stop(), 0, "and stops cleanly")
t.done()
