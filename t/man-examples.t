#!/usr/bin/env python3
# man-examples.t: every command the man pages show in a .Bd -literal block
# (a line "$ ..." or "# ..." in a block that names aileron or a shim) is run
# here, in a scratch state directory (each aileron gets "-s STATE"), so a
# page cannot drift from the program.  Each must exit as the page implies,
# and output the page shows must appear (loosely: each shown line, with the
# page's example paths replaced by the scratch ones).  A command that cannot
# run here is listed in SKIP with the reason; one in neither table is run
# all the same, on a terminal, expecting exit 0, so a new example is run
# from the day it is written, and one that needs more fails until RUN says
# what.  It runs as root, the pages' "#" and "$" alike.

import glob
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
from aileron import TAP, BIN, SRC, SLOW, is_root, wait_for, log_path

t = TAP()
if not is_root():
    t.skip_all("the examples start the service as root")

SHIMS = sorted(os.path.basename(p)[:-5]
               for p in glob.glob(os.path.join(SRC, "specs", "*.json")))
NAMES = ["aileron", "aileron-service"] + SHIMS
CMDWORD = re.compile(r"(?:^|[\s(\"'])(%s)(?=\s|$|\))" %
                     "|".join(re.escape(n) for n in NAMES))
KEY = "Glide-slope-4-runway-27"      # long and mixed, as a user's would be
TOKEN = "ghp_exampleExampleExample0123456789"


def unescape(s):
    return (s.replace("\\(dq", '"').replace("\\-", "-").replace("\\&", "")
            .replace("\\e", "\\"))


def examples():
    """(page, block number, [(command, [shown output lines])])."""
    out = []
    for path in sorted(glob.glob(os.path.join(SRC, "man", "*.[1-9]"))):
        page = os.path.basename(path)
        block, n = None, 0
        with open(path) as f:
            for line in f:
                line = line.rstrip("\n")
                if line.startswith(".Bd -literal"):
                    block, n = [], n + 1
                elif line.startswith(".Ed") and block is not None:
                    cmds = []
                    for b in block:
                        if b.startswith("$ ") or b.startswith("# "):
                            cmds.append((b[2:], []))
                        elif cmds:
                            cmds[-1][1].append(b)
                    if any(CMDWORD.search(c) for c, _ in cmds):
                        out.append((page, n, cmds))
                    block = None
                elif block is not None:
                    block.append(unescape(line))
    return out


# Commands that cannot run here, and why.
SKIP = {
    ("aileron-web.7", "aileron user token"):
        "needs a user added first (t/users-api.t and t/web.t make tokens)",
    ("aileron-web.7", "xdg-open http://127.0.0.1:8080/"):
        "opens a desktop browser; t/web.t drives headless Chromium",
    ("aileron.1", "claude"):
        "the agent itself: needs an agent and a real upstream",
    ("aileron-launch.1", "aileron launch --agent shell bash"):
        "an interactive agent; t/launch.t runs launch with a scripted one",
    ("aileron.1", 'PATH="$(aileron shims path):$PATH"'):
        "takes no state directory; t/cli.t runs aileron shims path",
    ("aileron-audit.1", "aileron audit query --since 1d --user alice"):
        "needs a service with records; t/audit.t runs the audit commands",
    ("aileron-audit.1", "aileron audit verify"):
        "needs a service with records; t/audit.t runs the audit commands",
    ("aileron-audit.1", "aileron audit export > audit-2026-12-06.jsonl"):
        "needs a service with records; t/audit.t runs the audit commands",
    ("aileron-service.8", "aileron service -s st"):
        "a detached start with its own -s; t/service-start.t runs it",
    ("aileron-service.8", "aileron service stop -s st"):
        "stops that start; t/service-start.t runs it",
    ("aileron-service.8", "systemctl enable --now aileron"):
        "no systemd here; t/install.t has systemd-analyze verify the unit",
    ("aileron-approval.1", "aileron approval list"):
        "needs requests that wait; t/approval.t runs it",
    ("aileron-approval.1",
     "aileron approval grant 6f1c0d2e9a8b7c6d5e4f3a2b1c0d9e8f"):
        "needs that approval pending; t/approval.t grants one",
    ("aileron-approval.1", "aileron approval deny "
     "0a1b2c3d4e5f60718293a4b5c6d7e8f9 --reason \"not today\""):
        "needs that approval pending; t/approval.t denies one",
    ("aileron-approval.1", "aileron approval watch"):
        "stays open; t/approval.t runs it with and without a terminal",
}

# How to run the others.  Default: exit 0.  rc: the exit status the page
# implies; daemon: runs in the foreground until SIGTERM, then exits 0;
# answers: what a user types at the terminal's prompts; state: a scratch
# state directory of its own, with this configuration; check: what the
# page's sentence before the block promises, beyond the exit status.
CONF = ('listen on 127.0.0.1 port 0\nprefork 2\nmax workers 8\n'
        'connector "github" spec "%s/specs/github.json"\n' %
        os.path.abspath(SRC))
CONF_TYPO = ('prefork 2\n'
             '# two errors below\n'
             'listne on 127.0.0.1\n'
             '\n'
             'listen on 127.0.0.1 port 99999\n')
RUN = {
    ("aileron.1", "aileron service -n"):
        {"check": lambda o, st: "configuration OK" in o},
    ("aileron.1", "aileron service -d"): {"daemon": True},
    ("aileron.1", "aileron actions list"):
        {"check": lambda o, st: re.search(r"github\.\w+", o)},
    ("aileron.1", "aileron vault init"): {"answers": [KEY, KEY]},
    ("aileron.1", "aileron secret add github-token --connector github"):
        {"answers": [KEY, TOKEN],
         "check": lambda o, st: TOKEN not in o},
    ("aileron.1", "aileron secret list"):
        {"check": lambda o, st: "github-token" in o and TOKEN not in o},
    ("aileron.1", 'eval "$(aileron session start --agent claude --env)"'):
        {"answers": [KEY],
         "check": lambda o, st: re.search(r"^AILERON_SESSION=[0-9a-f]+$",
                                          st["env"], re.M) and
         re.search(r"^HTTPS_PROXY=http://s:[^@]+@127\.0\.0\.1:\d+$",
                   st["env"], re.M)},
    ("aileron.1", 'aileron session end "$AILERON_SESSION"'):
        {"check": lambda o, st: not glob.glob(
            os.path.join(st["dir"], "sessions", "*"))},
    ("aileron-service.8", "aileron service -n"):
        {"check": lambda o, st: "configuration OK" in o},
    ("aileron-service.8", "aileron service -d -v"): {"daemon": True},
    ("aileron-service.8", "aileron status"):
        {"check": lambda o, st: st["info"]["proxy"] in o},
    ("aileron-service.8", "ps -o pid,user,args -C aileron-service"):
        {"check": lambda o, st: re.search(r"^\s*%d\s+root\s+aileron: master"
                                          % st["info"]["pid"], o, re.M) and
         "aileron: worker" in o},
    ("aileron.conf.5", "aileron service -n"):
        {"rc": 1, "state": CONF_TYPO},
}

tmp = tempfile.mkdtemp(prefix="aileron-t.")
states = {}
daemons = []          # (Popen, state) of the services the pages started


def state_for(conf):
    if conf not in states:
        d = os.path.join(tmp, "s%d" % len(states))
        os.mkdir(d, 0o700)
        with open(os.path.join(d, "aileron.conf"), "w") as f:
            f.write(conf)
        states[conf] = {"dir": d, "env": "", "info": None,
                        "log": log_path(d)}
    return states[conf]


def script(st, cmd):
    """The page's line, verbatim, with -s added to every aileron and the
    variables an earlier line of the block exported."""
    return ('aileron() { "$AILERON_T_BIN" "$@" -s "$AILERON_T_STATE"; }\n'
            'set -a\n[ -f "$AILERON_T_ENV" ] && . "$AILERON_T_ENV"\n'
            'set +a\n%s\nrc=$?\n'
            'env | grep -E "^(AILERON_SESSION|HTTPS?_PROXY|https_proxy|'
            'SSL_CERT_FILE)=" > "$AILERON_T_ENV"\nexit $rc\n' % cmd)


def environ(st):
    env = dict(os.environ)
    env.update(AILERON_T_BIN=BIN, AILERON_T_STATE=st["dir"],
               AILERON_T_ENV=os.path.join(st["dir"], "example.env"),
               PATH=os.path.dirname(BIN) + ":" + env.get("PATH", ""))
    env.pop("AILERON_STATE", None)
    return env


def run_pty(st, cmd, answers, timeout=60):
    """Run on a terminal of its own, typing each answer at a prompt:
    (exit status, everything the terminal showed)."""
    envfile = os.path.join(st["dir"], "example.env")
    pid, fd = pty.fork()
    if pid == 0:
        try:
            os.execve("/bin/sh", ["sh", "-c", script(st, cmd)], environ(st))
        finally:
            os._exit(127)
    out, pending, answers = "", "", list(answers)
    end = time.monotonic() + timeout * SLOW
    while time.monotonic() < end:
        if not select.select([fd], [], [], 0.1)[0]:
            continue
        try:
            data = os.read(fd, 4096).decode(errors="replace")
        except OSError:         # EIO: every writer closed the terminal
            data = ""
        if not data:
            break
        out += data
        pending += data
        if answers and re.search(r"[:?] ?$", pending):
            os.write(fd, (answers.pop(0) + "\n").encode())
            pending = ""
    else:
        os.kill(pid, signal.SIGKILL)
        out += "\n(killed after %ds)" % timeout
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    try:
        with open(envfile) as f:
            st["env"] = f.read()
    except OSError:
        st["env"] = ""
    return os.waitstatus_to_exitcode(status), out.replace("\r\n", "\n")


def stop_daemons():
    """SIGTERM each service a page started: it exits 0, as the page says."""
    codes = []
    for proc, st in daemons:
        pid = st["info"]["pid"] if st["info"] else proc.pid
        try:
            os.kill(pid, signal.SIGTERM)
        except OSError:
            pass
        try:
            codes.append(proc.wait(30 * SLOW))
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            codes.append(proc.wait())
        if os.path.exists(os.path.join(st["dir"], "service.json")):
            codes.append("service.json left behind")
        st["info"] = None
    del daemons[:]
    return codes


def run_daemon(cmd, st):
    stop_daemons()      # one service per state directory
    log = open(st["log"], "ab")
    proc = subprocess.Popen(["/bin/sh", "-c", script(st, cmd)],
                            env=environ(st), stdin=subprocess.DEVNULL,
                            stdout=log, stderr=log, start_new_session=True)
    log.close()
    daemons.append((proc, st))

    def ready():
        try:
            with open(os.path.join(st["dir"], "service.json")) as f:
                info = json.load(f)
        except (OSError, ValueError):
            return proc.poll() is not None
        st["info"] = info
        return True
    wait_for(ready, 20)
    return st["info"] is not None and proc.poll() is None


def shown_lines(shown, st):
    """The page's output, with its example home directory the scratch
    state directory."""
    return [re.sub(r"/home/\w+/\.aileron", st["dir"], s).strip()
            for s in shown if s.strip()]


def logtail(st):
    try:
        with open(st["log"], "rb") as f:
            return f.read()[-1500:].decode(errors="replace")
    except OSError:
        return ""


try:
    found = examples()
    seen = set()
    for page, n, cmds in found:
        for cmd, shown in cmds:
            key = (page, cmd)
            seen.add(key)
            name = "%s: %s" % (page, cmd)
            if key in SKIP:
                t.skip(1, "%s: %s" % (name, SKIP[key]))
                continue
            how = RUN.get(key, {"new": True})
            st = state_for(how.get("state", CONF))
            if how.get("daemon"):
                t.ok(run_daemon(cmd, st), name + " starts",
                     logtail(st))
                continue
            rc, out = run_pty(st, cmd, how.get("answers", ()),
                              30 if how.get("new") else 60)
            want = how.get("rc", 0)
            if shown:
                missing = [s for s in shown_lines(shown, st)
                           if s not in out]
            else:
                missing = []
            check = how.get("check")
            t.ok(rc == want and not missing and
                 (check is None or check(out, st)), name,
                 "exit %d (the page implies %d)\n%s%s%s" %
                 (rc, want, out[-1500:],
                  "\nnot shown: %r" % missing if missing else "",
                  "\na new example: if it needs a prompt answered, a "
                  "service or another status, say so in RUN or SKIP"
                  if how.get("new") else ""))
    codes = stop_daemons()

    # Commands the pages' prose names are commands that exist.
    r = subprocess.run([BIN, "help"], capture_output=True, text=True)
    have = set(re.findall(r"aileron (\w+)", r.stdout + r.stderr))
    named = set()
    for path in glob.glob(os.path.join(SRC, "man", "*.[1-9]")):
        with open(path) as f:
            named |= {(os.path.basename(path), w) for w in re.findall(
                r"^\.(?:Ic|Nm) aileron (?:Cm )?([a-z]\w*)", f.read(),
                re.M)}
    t.ok(have and not [w for _, w in named if w not in have],
         "every command the pages name is one aileron has",
         "not commands: %r" % sorted(x for x in named if x[1] not in have))

    # aileron-service(8) on -n: an error in the text is file:line:
    # message; a spec that is missing, "aileron: connector ...".
    st = state_for('prefork 2\nconnector "github" spec "%s/none.json"\n'
                   'prefork\n' % tmp)
    r = subprocess.run([BIN, "service", "-n", "-s", st["dir"]],
                       capture_output=True, text=True)
    conf = os.path.join(st["dir"], "aileron.conf")
    t.ok(r.returncode == 1 and
         re.search(r"^%s:3: " % re.escape(conf), r.stderr, re.M),
         "-n: an error in the configuration's text is file:line: message",
         r.stderr)
    st = state_for('connector "github" spec "%s/none.json"\n' % tmp)
    r = subprocess.run([BIN, "service", "-n", "-s", st["dir"]],
                       capture_output=True, text=True)
    conf = os.path.join(st["dir"], "aileron.conf")
    t.ok(r.returncode == 1 and
         re.search(r'^aileron: %s:1: connector "github": %s/none\.json: ' %
                   (re.escape(conf), re.escape(tmp)), r.stderr, re.M),
         "-n: a missing spec is aileron: file:line: connector \"name\": "
         "spec: message",
         r.stderr)
    t.ok(codes and all(c == 0 for c in codes),
         "each service a page started exits 0 on SIGTERM, removing "
         "service.json", repr(codes))
    t.ok(len(found) >= 4, "the pages have command examples (%d blocks)" %
         len(found))
    stale = sorted(k for k in set(RUN) | set(SKIP) if k not in seen)
    t.ok(not stale, "every example in the tables is still on its page",
         "gone from the pages: %r" % stale)
finally:
    for proc, st in daemons:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            pass
    stop_daemons()
    shutil.rmtree(tmp, ignore_errors=True)
t.done()
