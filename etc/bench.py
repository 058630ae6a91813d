#!/usr/bin/env python3
# bench.py: "make bench": connections per second through the worker pool,
# the master's CPU per worker fork, and the master's resident size, which
# must stay under 8 MiB since every worker is forked from it.

import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "t", "lib"))
from aileron import Service, SRC  # noqa: E402

RSS_LIMIT_KB = 8 * 1024
SEQ = 2000
CONC_THREADS = 8
CONC_EACH = 250


def master_cpu(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # utime and stime, fields 14 and 15 of stat(5), in clock ticks.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def master_rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def one(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    s.sendall(b"GET / HTTP/1.1\r\nHost: bench\r\n\r\n")
    while s.recv(4096):
        pass
    s.close()


conf = "".join('connector "%s" spec "%s/specs/%s.json"\n' %
               (c, os.path.abspath(SRC), c)
               for c in ("linear", "slack", "github", "stripe", "anthropic",
                         "openai"))
svc = Service(prefork=8, max_workers=64, log_debug=False, conf=conf)
svc.start()
port = svc.port
for _ in range(50):
    one(port)           # warm up

cpu0 = master_cpu(svc.pid)
t0 = time.monotonic()
for _ in range(SEQ):
    one(port)
seq_s = time.monotonic() - t0
cpu1 = master_cpu(svc.pid)


def runner():
    for _ in range(CONC_EACH):
        one(port)


threads = [threading.Thread(target=runner) for _ in range(CONC_THREADS)]
t0 = time.monotonic()
for th in threads:
    th.start()
for th in threads:
    th.join()
conc_s = time.monotonic() - t0
cpu2 = master_cpu(svc.pid)
rss = master_rss_kb(svc.pid)
svc.stop()
svc.remove()

nconc = CONC_THREADS * CONC_EACH
print("pool, sequential:   %7.0f connections/s (%d connections)" %
      (SEQ / seq_s, SEQ))
print("pool, %d clients:    %7.0f connections/s (%d connections)" %
      (CONC_THREADS, nconc / conc_s, nconc))
print("master CPU per worker fork: %.3f ms" %
      ((cpu2 - cpu0) * 1000.0 / (SEQ + nconc)))
print("master RSS: %d KiB (limit %d KiB)" % (rss, RSS_LIMIT_KB))
if rss > RSS_LIMIT_KB or rss < 0:
    print("FAIL: the master's RSS is over 8 MiB; every worker is forked "
          "from it", file=sys.stderr)
    sys.exit(1)
