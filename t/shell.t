#!/usr/bin/env python3
# shell.t: launch's shell mediation.  "aileron shell check" asks the
# service through the proxy (aileron.internal, the session token): a
# "shell deny" line refuses, a "shell approve" line waits for a person,
# anything else runs; every decision is audited.  In the native sandbox
# bash asks before each command (etc/aileron/bashrc) and skips a refused
# one.

import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from aileron import TAP, BIN, SRC, SLOW, wait_for  # noqa: E402
from proxyenv import ProxyEnv, MASTER, cli  # noqa: E402

t = TAP()
if os.geteuid() != 0:
    t.skip_all("needs root: the service drops to _aileron")
t.plan(19)

CONF = ('shell deny "rm -rf *"\n'
        'shell approve "git push*"\n'
        'approval timeout 30\n')


def check(env, *words):
    p = subprocess.run([BIN, "shell", "check", "--"] + list(words),
                       env=env, capture_output=True, text=True,
                       timeout=60 * SLOW)
    return p.returncode, p.stderr


E = ProxyEnv(extra_conf=CONF)
with open(E.svc.path("aileron.conf")) as f:
    E.conf_lines = f.read().splitlines()
proj = tempfile.mkdtemp(prefix="aileron-shell-t.")
os.chmod(proj, 0o755)
try:
    E.vault()
    E.start_session()
    env = E.client_env()
    rc, err = check(env, "ls", "-l")
    t.ok(rc == 0, "a command no line names runs", err)
    rc, err = check(env, "rm", "-rf", "/")
    t.ok(rc == 1 and "denied by policy" in err,
         "a shell deny line refuses, and says so", err)
    p = subprocess.run([BIN.encode(), b"shell", b"check", b"--",
                        b"ls \xff"], env=env, capture_output=True,
                       timeout=60 * SLOW)
    t.ok(p.returncode == 1 and b"UTF-8" in p.stderr,
         "a command that is not UTF-8 is refused, not audited blank",
         p.stderr)
    noproxy = {k: v for k, v in env.items()
               if k not in ("HTTPS_PROXY", "https_proxy")}
    rc, err = check(noproxy, "ls")
    t.ok(rc == 1 and "no HTTPS_PROXY" in err,
         "without a proxy to ask, nothing runs", err)

    p = subprocess.Popen([BIN, "shell", "check", "--", "git", "push",
                          "origin", "main"], env=env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        pend = wait_for(lambda: [
            a for a in json.loads(cli(E.svc, ["approval", "list",
                                              "--json"])[1] or "[]")
            if a.get("connector") == "shell"], 20)
        a = pend[0] if pend else {}
        t.ok(a.get("action") == "command" and
             "git push origin main" in json.dumps(a),
             "a shell approve line waits for a person, who sees the "
             "command", a)
        rc, out, err = cli(E.svc, ["approval", "grant", a.get("id", "x")])
        t.is_(rc, 0, "a person grants it")
        t.is_(p.wait(timeout=30), 0, "and the command may run")
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    recs = [r for r in E.svc.audit() if r.get("event") == "shell"]
    t.is_(sorted((r.get("command"), r.get("decision")) for r in recs),
          [("git push origin main", "approve"), ("ls -l", "allow"),
           ("rm -rf /", "deny")],
          "every decision is audited, with its command")
    t.ok(all(r.get("user") and r.get("session") == E.session["session"]
             for r in recs), "attributed to the session and its user")
    t.ok(any(r.get("rule", "").endswith("aileron.conf:%d" %
                                         (E.conf_lines.index(
                                             'shell deny "rm -rf *"') + 1))
             for r in recs if r.get("decision") == "deny"),
         "the refusal names its line", recs)

    # A container's image need not run the host's aileron: the static
    # aileron-relay asks instead, in plain HTTP to aileron.internal.
    relay = os.path.join(os.path.dirname(BIN), "aileron-relay")
    for words, want, what in ((["ls", "-a"], 0, "a command no line names "
                               "runs"),
                              (["rm", "-rf", "/"], 1, "a shell deny line "
                               "refuses")):
        p = subprocess.run([relay, "shell", "check", "--"] + words, env=env,
                           capture_output=True, text=True,
                           timeout=60 * SLOW)
        t.ok(p.returncode == want and (want == 0 or "denied by policy" in
                                       p.stderr),
             "aileron-relay shell check: " + what, p.stderr)
    recs = [r for r in E.svc.audit_until(lambda rs: len(
        [r for r in rs if r.get("event") == "shell"]) >= 5)
        if r.get("event") == "shell"]
    t.ok(("ls -a", "allow") in [(r.get("command"), r.get("decision"))
                                for r in recs] and
         len([r for r in recs if r.get("decision") == "deny"]) == 2,
         "and its checks are audited like the CLI's", recs)
    # What the docker backend sets up: BASH_ENV and AILERON_SHELL_CHECK.
    os.mkdir(os.path.join(proj, "victim2"))
    benv = dict(env, BASH_ENV=os.path.join(SRC, "etc/aileron/bashrc"),
                AILERON_SHELL_CHECK=relay, PATH="/usr/bin:/bin")
    p = subprocess.run(["bash", "-c", "rm -rf victim2; echo ran > "
                        "after2.txt"], env=benv, cwd=proj,
                       capture_output=True, text=True, timeout=60 * SLOW)
    t.ok(os.path.isdir(os.path.join(proj, "victim2")) and
         os.path.exists(os.path.join(proj, "after2.txt")),
         "bash with the relay as its checker skips the refused command "
         "and runs the next", p.stderr)
    t.like(p.stderr, r"aileron: shell: the command is denied by policy",
           "and the agent is told why")

    # In the native sandbox, bash asks before each command.
    if shutil.which("bwrap") is None:
        t.skip(4, "bubblewrap is not installed")
    else:
        os.mkdir(os.path.join(proj, "victim"))
        r, w = os.pipe()
        os.write(w, (MASTER + "\n").encode())
        os.close(w)
        try:
            p = subprocess.run(
                [BIN, "launch", "--key-fd", str(r), "--dir", proj, "-s",
                 E.svc.state, "--sandbox", "native", "bash", "-c",
                 "rm -rf victim; echo ran > after.txt; echo $BASH_ENV > "
                 "env.txt"], pass_fds=(r,), capture_output=True, text=True,
                timeout=120 * SLOW)
        finally:
            os.close(r)
        t.ok(os.path.isdir(os.path.join(proj, "victim")),
             "in the sandbox, the refused rm -rf was skipped", p.stderr)
        t.ok(os.path.exists(os.path.join(proj, "after.txt")),
             "and the next command ran", p.stderr)
        t.like(p.stderr, r"aileron: shell: the command is denied by policy",
               "the agent is told why")
        t.ok(open(os.path.join(proj, "env.txt")).read().strip() ==
             "/etc/aileron/bashrc" if os.path.exists(
                 os.path.join(proj, "env.txt")) else False,
             "BASH_ENV names the sandbox's rc")
finally:
    shutil.rmtree(proj, ignore_errors=True)
    E.svc.stop()
    E.svc.remove()
t.done()
