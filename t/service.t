#!/usr/bin/env python3
# service.t: aileron service starts, answers, reports itself, refuses a
# second instance, detects a stale service.json, and stops cleanly.

import json
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from aileron import TAP, Service, BIN, alive, wait_for, proc_cmdline

t = TAP()
t.plan(26)

svc = Service(prefork=3, max_workers=8)
r = subprocess.run([BIN, "service", "-n", "-s", svc.state],
                   capture_output=True, text=True)
t.is_(r.returncode, 0, "service -n accepts the test configuration")

svc.start()
t.is_(svc.info["pid"], svc.pid, "service.json names the master's pid")
t.like(svc.info["proxy"], r"^127\.0\.0\.1:[1-9][0-9]*$",
       "service.json has the proxy address with the bound port")
t.is_(svc.info["version"], "0.1.0", "service.json has the version")
t.is_(svc.info["api_socket"], svc.path("api.sock"),
      "service.json has the API socket")

control, vaultd, workers = wait_for(
    lambda: (lambda c, v, w: (c, v, w) if c and v and len(w) == 3 else None)
    (*svc.by_role()), 10) or svc.by_role()
t.ok(control is not None and vaultd is not None,
     "control and vaultd run as children of the master")
t.is_(len(workers), 3, "prefork 3: three idle workers")
t.ok("-P control" in proc_cmdline(control or 0) and
     "-P vaultd" in proc_cmdline(vaultd or 0),
     "control and vaultd were exec'd, each selected by -P")

lport, reply = svc.request()
t.like(reply.decode(errors="replace"), r"^HTTP/1\.1 503 ",
       "a request is answered (503 until the proxy lands)")
t.ok(svc.wait_log(r"worker\[\d+\]: served 127\.0\.0\.1:%d\b" % lport),
     "the worker logs that it served the client")

r = subprocess.run([BIN, "status", "-s", svc.state], capture_output=True,
                   text=True)
t.ok(r.returncode == 0 and "pid %d" % svc.pid in r.stdout,
     "aileron status names the running service", r.stdout + r.stderr)
r = subprocess.run([BIN, "status", "--json", "-s", svc.state],
                   capture_output=True, text=True)
st = json.loads(r.stdout) if r.returncode == 0 else {}
t.ok(st.get("running") is True and st.get("pid") == svc.pid,
     "aileron status --json says running, with the pid")

# A second service on the same state directory refuses, naming the pid.
r = subprocess.run([BIN, "service", "-d", "-s", svc.state],
                   capture_output=True, text=True, timeout=20)
t.is_(r.returncode, 1, "a second service on the same state refuses")
t.like(r.stderr, r"already running on .* \(pid %d\)" % svc.pid,
       "and names the running pid")

# SIGTERM: clean exit, nothing left behind.
pids = svc.known | {svc.pid}
rc = svc.stop()
t.is_(rc, 0, "SIGTERM: the master exits 0")
t.ok(wait_for(lambda: not any(alive(p) for p in pids), 10),
     "no process of the service is left",
     [p for p in pids if alive(p)])
t.ok(not os.path.exists(svc.path("service.json")),
     "service.json is removed")
t.ok(svc.wait_log(r"master\[\d+\]: exiting"), "the master logs its exit")

# kill -9 of the master leaves a stale service.json behind.
svc2 = Service(prefork=1)
svc2.start()
pids = set(svc2.known) | {svc2.pid}
os.kill(svc2.pid, signal.SIGKILL)
svc2.proc.wait(10)
wait_for(lambda: not any(alive(p) for p in pids), 10)
t.ok(not any(alive(p) for p in pids),
     "after kill -9 of the master its children go too")
r = subprocess.run([BIN, "status", "-s", svc2.state], capture_output=True,
                   text=True)
t.ok(r.returncode == 1 and "stale" in r.stdout,
     "aileron status detects the stale service.json", r.stdout)
svc2.start()
t.ok(svc2.info["pid"] == svc2.pid, "a new service starts on that state")
svc2.stop()

# Without -d the service detaches; service.json and the lock name the
# daemon, not the command that started it.
svc3 = Service(prefork=1)
r = subprocess.run([BIN, "service", "-s", svc3.state], capture_output=True,
                   text=True, timeout=30)
t.is_(r.returncode, 0, "without -d the starting command returns 0")
info = wait_for(lambda: os.path.exists(svc3.path("service.json")) and
                json.load(open(svc3.path("service.json"))), 10) or {}
dpid = info.get("pid", 0)
svc3.pid = dpid
svc3.children()
t.ok(dpid > 0 and alive(dpid), "the detached master runs", info)
with open(svc3.path("service.lock")) as f:
    t.is_(f.read().strip(), str(dpid), "the lock holds the daemon's pid")
pids = svc3.known | {dpid}
os.kill(dpid, signal.SIGTERM)
t.ok(wait_for(lambda: not any(alive(p) for p in pids), 20),
     "SIGTERM stops the detached service and all its children")
t.ok(not os.path.exists(svc3.path("service.json")),
     "and removes service.json")
t.done()
