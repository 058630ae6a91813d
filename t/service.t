#!/usr/bin/env python3
# service.t: aileron service starts, answers, reports itself, refuses a
# second instance, detects a stale service.json, and stops cleanly; each
# process names itself for ps.

import json
import os
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from aileron import TAP, Service, BIN, alive, wait_for

t = TAP()
t.plan(30)

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


def binary_base(pid):
    """Where the aileron binary is mapped: exec picks a fresh place."""
    try:
        exe = os.readlink("/proc/%d/exe" % pid)
        with open("/proc/%d/maps" % pid) as f:
            for line in f:
                if line.rstrip().endswith(" " + exe):
                    return line.split("-", 1)[0]
    except OSError:
        pass
    return None


def title(pid):
    """What ps shows for pid: its command line up to the first NUL (a
    space may end it: libbsd adds one when the title is exactly as long
    as the original argv[0])."""
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            cmd = f.read().split(b"\0", 1)[0]
            return cmd.decode(errors="replace").rstrip(" ")
    except OSError:
        return None


with open("/proc/sys/kernel/randomize_va_space") as f:
    aslr = f.read().strip() != "0"
if aslr:
    bases = [binary_base(p) for p in (svc.pid, control, vaultd, workers[0])]
    t.ok(None not in bases and bases[0] not in (bases[1], bases[2]) and
         bases[0] == bases[3],
         "control and vaultd were exec'd (a fresh address space), a worker "
         "forked", bases)
else:
    t.skip(1, "address space randomization is off: cannot tell an exec")

# Each process names itself for ps and top, as OpenBSD's daemons do.
t.is_([title(p) for p in (svc.pid, control, vaultd)],
      ["aileron: master", "aileron: control", "aileron: vaultd"],
      "master, control and vaultd show their names (control and vaultd "
      "were started for their role by -P)")
# A worker names itself just after the fork: under the sanitizers that
# can come after by_role saw it.
t.ok(wait_for(lambda: [title(p) for p in workers] ==
              ["aileron: worker (idle)"] * 3, 10),
     "each idle worker shows that it is idle",
     [title(p) for p in workers])
r = subprocess.run(["ps", "-o", "args=", "-p",
                    ",".join(str(p) for p in [svc.pid, control, vaultd] +
                             workers)], capture_output=True, text=True)
t.is_(sorted(l.rstrip() for l in r.stdout.splitlines()),
      sorted(["aileron: master", "aileron: control", "aileron: vaultd"] +
             ["aileron: worker (idle)"] * 3),
      "ps shows exactly those titles, nothing after them")
busy = socket.create_connection(("127.0.0.1", svc.port), timeout=10)
bport = busy.getsockname()[1]
busy.sendall(b"GET / HTTP/1.1\r\n")
want = "aileron: worker (busy: 127.0.0.1:%d)" % bport
t.ok(wait_for(lambda: [p for p in svc.by_role()[2] if title(p) == want],
              10),
     "a busy worker shows the peer it serves", [title(p) for p in
                                                 svc.by_role()[2]])
busy.close()

lport, reply = svc.request()
t.like(reply.decode(errors="replace"), r"^HTTP/1\.1 400 ",
       "a request is answered (400: the proxy takes CONNECT)")
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
