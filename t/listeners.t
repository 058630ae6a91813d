#!/usr/bin/env python3
# listeners.t: a service with 20 listen lines answers on each of them
# (every worker keeps every listener); past the documented limit of 64 the
# configuration is refused with a clear error, not a dying service.

import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from aileron import TAP, Service, BIN, SLOW

t = TAP()
if os.geteuid() != 0:
    t.skip_all("needs root: the service is started as root")
t.plan(5)

N = 20
conf = "".join("listen on 127.0.0.1 port 0\n" for _ in range(N))
svc = Service(conf=conf, listen=False, prefork=2)
svc.start()
addrs = svc.info.get("listen", [])
t.is_(len(addrs), N, "service.json lists %d proxy listeners" % N)


answered = [a for a in addrs
            if svc.request(addr=a)[1].startswith(b"HTTP/1.1 400 ")]
t.is_(len(answered), N, "each of the %d listeners answers" % N)
t.like(svc.log_text(), r"worker\[\d+\]: worker: sandboxed",
       "through sandboxed workers")
t.is_(svc.stop(), 0, "and the service stops cleanly")
svc.remove()

# One more than the limit: a configuration error naming the line.
over = Service(conf="".join("listen on 127.0.0.1 port 0\n"
                            for _ in range(65)), listen=False)
r = subprocess.run([BIN, "service", "-n", "-s", over.state],
                   capture_output=True, text=True, timeout=20 * SLOW)
# The harness writes 3 lines before them: the 65th listen is line 68.
t.ok(r.returncode == 1 and
     "aileron.conf:68: too many listen lines; at most 64" in r.stderr,
     "65 listen lines: refused at the 65th, the limit named", r.stderr)
over.remove()
t.done()
