#!/usr/bin/env python3
# plurals.t: a count of one takes the singular.  The service started with
# one worker says "1 worker", a list of one credential logs "1
# credential", and a user refused for a second is told "try again in 1
# second"; and no message of the CLI, master, control, vaultd or the vault
# puts a count before a plural noun unless the count is a fixed maximum.

import glob
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from aileron import TAP, Service, BIN, SRC

t = TAP()

# The sources: "%d workers" and the like, where the count can be one.
NOUNS = ("credentials|workers|seconds|connectors|vaults|users|keys|"
         "sessions|entries|children|minutes|hours|days|files|processes|"
         "actions|requests|specs|listeners|nameservers|pins|networks|"
         "names|records|tries|times|lines")
COUNT = re.compile(r"%(?:ll|l|z|j)?[dui] (?:" + NOUNS + r")\b")
FIXED = re.compile(r"(?:more than|at most|longer than|larger than|over) $")
bad = []
for d in ("cli", "master", "control", "vaultd", "vault", "lib"):
    for path in sorted(glob.glob(os.path.join(SRC, d, "*.c"))):
        with open(path, encoding="utf-8", errors="replace") as f:
            for n, line in enumerate(f, 1):
                for m in COUNT.finditer(line):
                    if not FIXED.search(line[:m.start()]):
                        bad.append("%s:%d: %s" % (os.path.relpath(path, SRC),
                                                  n, line.strip()))
t.ok(not bad, "no message puts a count before a plural noun", bad)

if os.geteuid() != 0:
    t.skip(3, "needs root: the service drops to _aileron")
    t.done()

KEY = "plurals test master key"


def run(svc, args, key=None, value=None):
    """aileron ARGS -s STATE, with the master key on descriptor 3."""
    r, w = os.pipe()
    os.write(w, ((key + "\n") if key is not None else "").encode())
    os.close(w)
    args = [str(r) if a == "FD" else a for a in args]
    try:
        p = subprocess.run([BIN] + args + ["-s", svc.state],
                           input=(value or "").encode(), capture_output=True,
                           pass_fds=(r,), timeout=60)
    finally:
        os.close(r)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


svc = Service(prefork=1, conf='connector "linear" spec "%s/specs/linear.json"'
              '\n' % os.path.abspath(SRC))
svc.start()
try:
    t.ok(svc.wait_log(r"service running \(pid \d+\), 1 worker\b"),
         "one worker: \"1 worker\"", svc.log_text()[-2000:])

    U = ["--user", "plural"]
    rc, out, err = run(svc, ["vault", "init", "--key-fd", "FD", "--kdf-n",
                             "16384"] + U, KEY)
    rc2, out, err2 = run(svc, ["secret", "add", "one", "--connector",
                               "linear", "--key-fd", "FD"] + U, KEY,
                         "lin_api_PLURALS\n")
    rc3, out, err3 = run(svc, ["secret", "list"] + U)
    t.ok(rc == 0 and rc2 == 0 and rc3 == 0 and
         svc.wait_log(r"secret list for user plural \(1 credential\)"),
         "one credential: \"1 credential\"",
         [err, err2, err3, svc.log_text()[-2000:]])

    # Three wrong keys are free; the next within the second waits one
    # second.  A try that lands in the next second fails again and the
    # wait doubles, so go on until a wait of one second is seen.
    for _ in range(3):
        run(svc, ["secret", "rm", "one", "--key-fd", "FD"] + U, "wrong key")
    # A refusal counts down whole seconds, so pause between tries: quick
    # ones all land in the second of the wrong key and read "2 seconds".
    seen = []
    for _ in range(40):
        time.sleep(0.2)
        rc, out, err = run(svc, ["secret", "rm", "one", "--key-fd", "FD"] +
                           U, "wrong key")
        m = re.search(r"try again in (\d+) seconds?\b", err)
        if m:
            seen.append(m.group(0))
            if m.group(1) == "1":
                break
    t.ok(seen and all(re.fullmatch(r"try again in (1 second|"
                                   r"([2-9]|\d\d+) seconds)", s)
                      for s in seen) and seen[-1] == "try again in 1 second",
         "a wait of one second: \"try again in 1 second\"", seen)
finally:
    svc.stop()
    svc.remove()
t.done()
