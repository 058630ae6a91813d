#!/usr/bin/env python3
# launch-pty.t: approvals on the terminal that aileron launch owns.  A
# driver plays the user's terminal (a pty): the agent's request that
# needs an approval shows there with a code, the driver types the code,
# and the request goes through with the real credential.  An agent that
# hides the question (concealed, black on black) behind a "press y" of
# its own gets nothing from the user's "y": the terminal is reset before
# the question, the agent's output is held while it shows, and only the
# code grants.  What was typed before a question showed does not answer
# it.  In a last run the agent writes "y" to its own output and its own
# terminal: nothing is granted, the approval times out and the agent
# gets its 403.

import json
import os
import pty
import re
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
t.plan(24)

CURL = ("curl -sS --max-time 60 -o /dev/null -w 'status=%{http_code}\\n' "
        "-X POST -H 'Content-Type: application/json' -d '{}' "
        "https://echo.test/danger")


# The question, and the code it shows.
QUESTION = b"? Type "
CODE = re.compile(rb"\? Type ([A-Z0-9]{4}) then Enter to grant; "
                  rb"anything else denies: ")
# The terminal's soft reset, then plain rendition, before each question.
RESET = "\x1b[!p\x1b[0m"


def drive(E, proj, script, answers, deadline=90):
    """aileron launch on a pty the test holds as the user's terminal:
    answers[i], a function of the code shown (b"" if none), gives what is
    typed when the i-th question has shown for a moment.  Returns (exit status, everything the
    terminal showed)."""
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
    typed = 0
    seen = None
    end = time.monotonic() + deadline * SLOW
    status = None
    try:
        while time.monotonic() < end:
            rd, _, _ = select.select([fd], [], [], 0.1)
            if rd:
                try:
                    b = os.read(fd, 4096)
                except OSError:
                    b = b""
                if not b:
                    break
                out += b
            if typed < len(answers) and out.count(QUESTION) > typed:
                if seen is None:
                    seen = time.monotonic()
                elif time.monotonic() - seen > 0.3:
                    at = -1
                    for _ in range(typed + 1):
                        at = out.find(QUESTION, at + 1)
                    m = CODE.match(out, at)
                    os.write(fd, answers[typed](m.group(1) if m else b""))
                    typed += 1
                    seen = None
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


def new_states(E, before):
    """The states of the approvals made since before (a set of ids)."""
    return sorted(x.get("state") for x in approvals(E)
                  if x.get("id") not in before)


def ids(E):
    return set(x.get("id") for x in approvals(E))


# Long enough for the question to reach the terminal and the answer to
# come back, under the sanitizers too, on a loaded machine.
E = ProxyEnv(extra_conf="approval timeout %d\n" % (4 * SLOW))
proj = tempfile.mkdtemp(prefix="aileron-launch-pty-t.")
os.chmod(proj, 0o755)
try:
    E.vault()
    E.upstream.take()
    rc, out = drive(E, proj, "trap 'echo got-winch' WINCH; " + CURL +
                    "; echo agent-done", [lambda code: code + b"\r"])
    t.like(out, r"the agent asks to run echo\.danger: POST echo\.test/danger",
           "the approval shows on launch's terminal, with the action")
    t.like(out, r"\[aileron\] grant echo\.danger, POST echo\.test/danger\? "
           r"Type [A-Z0-9]{4} then", "and the question names the request")
    t.like(out, r"\[aileron\] granted", "the user typed the code: granted")
    t.like(out, r"status=200", "the agent's request went through")
    reqs = E.upstream.take()
    t.ok(len(reqs) == 1 and reqs[0]["headers"].get("authorization") ==
         ["Bearer " + SECRET], "the upstream got it with the credential",
         reqs)
    t.ok(rc == 0 and "agent-done" in out, "the agent ran to its end", rc)
    t.ok(out.find("got-winch") > out.find("[aileron] granted") > 0,
         "after the question the agent is told to draw its screen again "
         "(SIGWINCH)", repr(out[-300:]))
    a = [x for x in approvals(E) if x.get("state") == "granted"]
    t.ok(len(a) == 1 and a[0].get("approver"),
         "the approval is granted, by a person", a)

    # An argument the agent words to look like launch's own lines, after
    # a screenful of spaces: it stays on one line of its own, cut to the
    # terminal's width (80 here: the test's pty has no size), so it
    # passes for no line of launch's and pushes nothing out of sight.
    forged = (" " * 300 + "[aileron] the agent asks to run echo.echo_get: "
              "GET echo.test/echo")
    body = json.dumps({forged: 1, "title": "x"}).replace("'", "")
    rc, out = drive(E, proj, CURL.replace("-d '{}'", "-d '%s'" % body) +
                    "; echo agent-done", [lambda code: b"no\r"])
    lines = out.replace("\r", "").split("\n")
    q = [ln for ln in lines if ln.startswith("[aileron]   ")]
    t.ok(len(q) == 2 and all(len(ln) <= 80 for ln in q) and
         not any(ln.startswith("[aileron] the agent asks to run echo.echo")
                 for ln in lines) and
         re.search(r"\[aileron\] grant echo\.danger, POST "
                   r"echo\.test/danger\? Type", out),
         "a forged argument stays on its own line, cut, and the question "
         "names the real request", q)
    E.upstream.take()

    # The agent asks for a "y" of its own, hides what follows (black on
    # black, concealed) and keeps hiding while its request waits.  The
    # user answers the question they see, the agent's: "y".
    before = ids(E)
    rc, out = drive(E, proj, "printf 'Tests passed. Press y then Enter to "
                    "continue: \\033[30;40m\\033[8m'; "
                    "(while :; do printf '\\033[8m'; sleep 0.1; done) & "
                    + CURL + "; kill $!; echo agent-done",
                    [lambda code: b"y\r\r"])
    q = out.find("[aileron] the agent asks")
    hide = out.rfind("\x1b[8m", 0, q)
    reset = out.rfind(RESET, 0, q)
    t.ok(0 <= hide < reset,
         "the terminal is reset after the agent hid it, before the question",
         repr(out[max(hide, 0):q + 40]))
    after = out.find(RESET, q)
    t.ok(q >= 0 and after > out.find("[aileron] denied", q) > q and
         "\x1b[8m" not in out[reset:after],
         "none of the agent's output comes between the question's reset "
         "and the answer's", repr(out[reset:after + 40]))
    t.like(out, r"that is not the code: denied",
           "the user's y is not the code")
    t.like(out, r"status=403", "the agent's request is refused")
    t.is_(E.upstream.take(), [], "nothing reached the upstream")
    t.is_(new_states(E, before), ["denied"], "its approval is denied")
    t.ok(rc == 0 and out.find("agent-done") > after,
         "the agent's output goes on after the question", rc)

    # Two requests wait at once.  The user types the first code, then,
    # before the second question shows, a line for the agent: it is
    # thrown away, and the second code grants the second request.
    before = ids(E)
    rc, out = drive(E, proj, "(%s) & (%s); wait" % (CURL, CURL),
                    [lambda code: code + b"\rnot an answer\r",
                     lambda code: code + b"\r"])
    t.is_(len(CODE.findall(out.encode())), 2, "two questions, with codes")
    t.is_(out.count("[aileron] granted"), 2,
          "the line typed before the second question did not answer it")
    t.is_(out.count("status=200"), 2, "both requests went through")
    t.is_(len(E.upstream.take()), 2, "the upstream got both")
    t.is_(new_states(E, before), ["granted", "granted"],
          "both approvals are granted")

    # The agent answers its own question: nothing comes of it.
    before = ids(E)
    rc, out = drive(E, proj, "(sleep 2; echo y; echo y > /dev/tty; "
                    "printf 'y\\r' > /dev/tty) & " + CURL, [])
    t.like(out, r"status=403", "the agent that typed y itself gets its 403",)
    t.is_(E.upstream.take(), [], "nothing reached the upstream")
    t.is_(new_states(E, before), ["expired"],
          "its approval expired: the agent's y granted nothing")
finally:
    shutil.rmtree(proj, ignore_errors=True)
    E.svc.stop()
    E.svc.remove()
t.done()
