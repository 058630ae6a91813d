#!/usr/bin/env python3
# failclosed.t: when control or vaultd dies the whole service shuts down,
# says why, and leaves no process behind; an idle worker's death is
# logged and the pool is topped up again.

import os
import signal
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from aileron import TAP, Service, alive, wait_for

t = TAP()
t.plan(11)

for role in ("control", "vaultd"):
    svc = Service(prefork=2)
    svc.start()
    found = wait_for(lambda: (lambda c, v, w: (c, v, w) if c and v and
                              len(w) == 2 else None)(*svc.by_role()), 10)
    control, vaultd, workers = found or svc.by_role()
    victim = control if role == "control" else vaultd
    pids = svc.known | {svc.pid}
    os.kill(victim, signal.SIGKILL)
    try:
        rc = svc.proc.wait(20)
    except Exception:
        rc = None
    t.is_(rc, 1, "kill -9 of %s: the master exits 1" % role)
    t.ok(svc.wait_log(r"master\[\d+\]: %s killed by signal 9; shutting "
                      r"down" % role),
         "and logs why", svc.log_text()[-500:])
    t.ok(wait_for(lambda: not any(alive(p) for p in pids), 10),
         "no process of the service is left",
         [p for p in pids if alive(p)])
    t.ok(not os.path.exists(svc.path("service.json")),
         "service.json is gone")
    svc.remove()

svc = Service(prefork=2)
svc.start()
_, _, workers = wait_for(lambda: (lambda c, v, w: (c, v, w) if len(w) == 2
                                  else None)(*svc.by_role()), 10)
os.kill(workers[0], signal.SIGKILL)
t.ok(svc.wait_log(r"worker %d: killed by signal 9" % workers[0]),
     "kill -9 of an idle worker is logged")
t.ok(wait_for(lambda: len(svc.by_role()[2]) == 2 and
              workers[0] not in svc.by_role()[2], 10),
     "and the pool is back to prefork 2 without it")
lport, reply = svc.request()
t.ok(reply.startswith(b"HTTP/1.1 400 "), "the service keeps serving")
svc.stop()
t.done()
