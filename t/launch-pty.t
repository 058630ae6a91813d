#!/usr/bin/env python3
# launch-pty.t: approvals on the terminal that aileron launch owns.  A
# driver plays the user's terminal (a pty): the agent's request that
# needs an approval shows there, the driver types "y", and the request
# goes through with the real credential.  In a second run the agent
# writes "y" to its own output and its own terminal: nothing is granted,
# the approval times out and the agent gets its 403.

import json
import os
import pty
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from aileron import TAP, BIN, SLOW  # noqa: E402
from proxyenv import ProxyEnv, MASTER, SECRET  # noqa: E402

t = TAP()
if os.geteuid() != 0:
    t.skip_all("needs root: the service drops to _aileron")
if shutil.which("bwrap") is None:
    t.skip_all("bubblewrap is not installed (make deps installs it)")
t.plan(9)

CURL = ("curl -sS --max-time 60 -o /dev/null -w 'status=%{http_code}\\n' "
        "-X POST -H 'Content-Type: application/json' -d '{}' "
        "https://echo.test/danger")


def drive(E, proj, script, answer, deadline=90):
    """aileron launch on a pty the test holds as the user's terminal:
    answer (bytes or None) is typed when the question shows.  Returns
    (exit status, everything the terminal showed)."""
    r, w = os.pipe()
    os.write(w, (MASTER + "\n").encode())
    os.close(w)
    os.set_inheritable(r, True)
    pid, fd = pty.fork()
    if pid == 0:
        try:
            os.execv(BIN, [BIN, "launch", "--key-fd", str(r), "--dir", proj,
                           "-s", E.svc.state, "--sandbox", "native",
                           "sh", "-c", script])
        finally:
            os._exit(127)
    os.close(r)
    out = b""
    typed = False
    end = time.monotonic() + deadline * SLOW
    status = None
    try:
        while time.monotonic() < end:
            rd, _, _ = select.select([fd], [], [], 0.5)
            if rd:
                try:
                    b = os.read(fd, 4096)
                except OSError:
                    b = b""
                if not b:
                    break
                out += b
            if answer is not None and not typed and b"grant it?" in out:
                os.write(fd, answer)
                typed = True
            done, st = os.waitpid(pid, os.WNOHANG)
            if done == pid:
                status = st
                break
    finally:
        if status is None:
            try:
                done, status = os.waitpid(pid, os.WNOHANG)
                if done != pid:
                    os.kill(pid, signal.SIGKILL)
                    _, status = os.waitpid(pid, 0)
            except ChildProcessError:
                pass
        os.close(fd)
    return (os.waitstatus_to_exitcode(status) if status is not None
            else None), out.decode(errors="replace")


def approvals(E):
    r = subprocess.run([BIN, "approval", "list", "--all", "--json", "-s",
                        E.svc.state], capture_output=True, text=True)
    try:
        return json.loads(r.stdout) if r.returncode == 0 else []
    except ValueError:
        return []


# Long enough for the question to reach the terminal and the answer to
# come back, under the sanitizers too, on a loaded machine.
E = ProxyEnv(extra_conf="approval timeout %d\n" % (4 * SLOW))
proj = tempfile.mkdtemp(prefix="aileron-launch-pty-t.")
os.chmod(proj, 0o755)
try:
    E.vault()
    E.upstream.take()
    rc, out = drive(E, proj, CURL + "; echo agent-done", b"y\r")
    t.like(out, r"the agent asks to run echo\.danger: POST echo\.test/danger",
           "the approval shows on launch's terminal, with the action")
    t.like(out, r"\[aileron\] granted", "the user typed y: granted")
    t.like(out, r"status=200", "the agent's request went through")
    reqs = E.upstream.take()
    t.ok(len(reqs) == 1 and reqs[0]["headers"].get("authorization") ==
         ["Bearer " + SECRET], "the upstream got it with the credential",
         reqs)
    t.ok(rc == 0 and "agent-done" in out, "the agent ran to its end", rc)
    a = [x for x in approvals(E) if x.get("state") == "granted"]
    t.ok(len(a) == 1 and a[0].get("approver"),
         "the approval is granted, by a person", a)

    # The agent answers its own question: nothing comes of it.
    rc, out = drive(E, proj, "(sleep 2; echo y; echo y > /dev/tty; "
                    "printf 'y\\r' > /dev/tty) & " + CURL, None)
    t.like(out, r"status=403", "the agent that typed y itself gets its 403",)
    t.is_(E.upstream.take(), [], "nothing reached the upstream")
    states = sorted(x.get("state") for x in approvals(E))
    t.is_(states, ["expired", "granted"],
          "its approval expired: the agent's y granted nothing")
finally:
    shutil.rmtree(proj, ignore_errors=True)
    E.svc.stop()
    E.svc.remove()
t.done()
