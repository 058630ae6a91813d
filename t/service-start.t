#!/usr/bin/env python3
# service-start.t: the first start and stop.  A relative state directory
# works once the service has detached; the starting command returns only
# when the service is ready, or with its error and a non-zero status, and a
# failed start leaves nothing behind; -n checks what start-up checks; as
# root, a state directory or aileron.conf another user can write is
# refused (StrictModes); "aileron service stop" stops it and cleans up.

import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from aileron import TAP, Service, BIN, SLOW, alive, is_root, proc_children, \
    wait_for

t = TAP()
if not is_root():
    t.skip_all("the service's users and StrictModes need root")
t.plan(54)

CONF = "listen on 127.0.0.1 port 0\nprefork 1\nmax workers 2\n"
LEFT = ("service.lock", "service.json", "api.sock", "vault.sock",
        "control", "vault")


def run(args, cwd=None, timeout=30):
    return subprocess.run([BIN] + args, capture_output=True, text=True,
                          cwd=cwd, timeout=timeout * SLOW)


def left(d):
    """What a start left in d (all of LEFT that exists)."""
    return [n for n in LEFT if os.path.lexists(os.path.join(d, n))]


def scratch():
    d = tempfile.mkdtemp(prefix="aileron-t.")
    os.chmod(d, 0o700)
    return d


# A relative -s: the detached service resolved it before chdir("/"), so
# it runs, answers, and service.json names absolute paths.
svc = Service(prefork=1, max_workers=2)
top, rel = os.path.split(svc.state)
# A descriptor the caller leaves open (launch's master-key pipe, say).
leak_r, leak_w = os.pipe()
r = subprocess.run([BIN, "service", "-s", rel], capture_output=True,
                   text=True, cwd=top, timeout=30 * SLOW,
                   pass_fds=(leak_r,))
os.close(leak_w)
t.is_(r.returncode, 0, "a detached start on a relative -s exits 0")
info = {}
try:
    with open(svc.path("service.json")) as f:
        info = json.load(f)
except (OSError, ValueError):
    pass
pid = info.get("pid", 0)
if pid:
    svc.pid = pid
    svc.children()
t.ok(pid > 0 and alive(pid),
     "and when it returns, the service runs (service.json is there)",
     r.stderr)
try:
    fds = {os.readlink("/proc/%d/fd/%s" % (pid, f))
           for f in os.listdir("/proc/%d/fd" % pid)}
except OSError:
    fds = {"unreadable"}
t.ok("pipe:[%d]" % os.fstat(leak_r).st_ino not in fds,
     "a descriptor the caller left open does not reach the service", fds)
os.close(leak_r)
t.is_(info.get("state"), svc.state, "service.json names the absolute state")
t.is_(info.get("api_socket"), svc.path("api.sock"),
      "and the absolute api socket")
t.like(r.stderr, r"proxy listening on 127\.0\.0\.1:\d+",
       "the start's messages reach the starting terminal")
t.ok(os.path.exists(svc.path("vault.sock")),
     "vault.sock is bound in the state directory, not under /")
ok = False
if pid:
    try:
        svc.info = info
        _, reply = svc.request()
        ok = reply.startswith(b"HTTP/1.1 ")
    except OSError as e:
        reply = str(e)
t.ok(ok, "the proxy port answers", reply if pid else r.stderr)
st = run(["status", "-s", svc.state])
t.is_(st.returncode, 0, "aileron status sees it")

# aileron service stop, with the relative -s as well.
kids = proc_children(pid) if pid else []
r = run(["service", "stop", "-s", rel], cwd=top, timeout=40)
t.is_(r.returncode, 0, "aileron service stop exits 0")
t.is_(r.stdout.strip(), "stopped service pid %d" % pid, "and says so")
t.ok(not any(alive(p) for p in kids + [pid]),
     "the master and its children are gone when it returns",
     [p for p in kids + [pid] if alive(p)])
t.is_([n for n in left(svc.state) if n not in ("control", "vault")], [],
      "no lock, service.json or socket is left")
r = run(["service", "stop", "-s", svc.state])
t.is_(r.returncode, 1, "stop with none running exits 1")
t.like(r.stderr, r"no service is running on " + svc.state, "and says so")
t.is_(r.stdout, "", "and reports no stop")
svc.remove()

# A stale lock file and sockets from a killed service: stop says none runs.
svc = Service(prefork=1, max_workers=2)
svc.start()
svc.children()
kids = list(svc.known)
svc.kill_all()
r = run(["service", "stop", "-s", svc.state])
t.is_(r.returncode, 1, "stop after a SIGKILLed service: none runs")
svc.remove()

# Failed detached starts: non-zero, the reason on stderr, nothing left.
d = scratch()
fresh = os.path.join(d, "st")
with open(os.path.join(d, "c.conf"), "w") as f:
    f.write(CONF + 'connector foo spec "nope.json"\n')
r = run(["service", "-s", fresh, "-f", os.path.join(d, "c.conf")])
t.is_(r.returncode, 1, "a spec that does not load: exit 1")
t.like(r.stderr, r'c\.conf:4: connector "foo": .*nope\.json',
       "the reason, at its line, on stderr")
t.ok(not os.path.exists(fresh), "the state directory it made is gone")

long = os.path.join(d, "x" * (108 - len(d)))
with open(os.path.join(d, "c2.conf"), "w") as f:
    f.write(CONF)
r = run(["service", "-s", long, "-f", os.path.join(d, "c2.conf")])
t.is_(r.returncode, 1, "a vault.sock path too long for sun_path: exit 1")
t.like(r.stderr, r"vault socket .*/vault\.sock is \d+ bytes long; a socket "
       r"path may have at most 107", "the reason on stderr")
t.ok(not os.path.exists(long), "nothing is made")

# A port in use fails after control/, vault/ and the lock were made.
busy = socket.socket()
busy.bind(("127.0.0.1", 0))
busy.listen(1)
bsvc = Service(conf="", listen=False)
bsvc.write_conf("listen on 127.0.0.1 port %d\nprefork 1\n" %
                busy.getsockname()[1])
r = run(["service", "-s", bsvc.state])
busy.close()
t.is_(r.returncode, 1, "a port in use: exit 1")
t.like(r.stderr, r"cannot listen on 127\.0\.0\.1 port \d+: Address already "
       r"in use", "the reason on stderr")
t.is_(left(bsvc.state), [], "no control/, vault/, lock or socket is left")
t.ok(os.path.exists(bsvc.path("aileron.conf")),
     "and what was there is still there")
bsvc.remove()

# -n checks what start-up checks.
def check(conf, state=None):
    p = os.path.join(d, "n.conf")
    with open(p, "w") as f:
        f.write(conf)
    return run(["service", "-n", "-s", state or d, "-f", p])


r = check(CONF + "user nosuch-aileron-user\n")
t.is_(r.returncode, 1, "-n: a user that does not exist")
t.like(r.stderr, r'user "nosuch-aileron-user" does not exist', "named")
r = check(CONF + "user root\n")
t.is_(r.returncode, 1, "-n: user root is refused")
t.like(r.stderr, r'user "root" is root', "named")
r = check(CONF, os.path.join(d, "no", "such"))
t.is_(r.returncode, 1, "-n: a -s directory that cannot be made")
t.like(r.stderr, r"state directory %s/no/such does not exist" % d, "named")
r = check(CONF, long)
t.is_(r.returncode, 1, "-n: a socket path too long for sun_path")
r = check(CONF + 'api socket "%s/no/such/api.sock"\n' % d)
t.is_(r.returncode, 1, "-n: an api socket whose directory cannot be made")
t.like(r.stderr, r"api socket %s/no/such/api\.sock: neither its directory"
       % d, "named")
r = check(CONF + 'connector foo spec "nope.json"\n')
t.is_(r.returncode, 1, "-n: a spec that does not load")
t.like(r.stderr, r'n\.conf:4: connector "foo"', "as file:line")
with open(os.path.join(d, "notpem.pem"), "w") as f:
    f.write("not a certificate\n")
r = check(CONF + 'upstream ca "notpem.pem"\n')
t.is_(r.returncode, 1, "-n: an upstream ca that does not load")
t.like(r.stderr, r"cannot load the upstream CA store .*notpem\.pem", "named")
r = check(CONF, os.path.join(d, "fresh"))
t.is_(r.returncode, 0, "-n: a state directory it can make is fine",)

# An api socket's directory that does not exist but can be is made.
asvc = Service(prefork=1, max_workers=2)
apidir = os.path.join(asvc.state, "run")
asvc.write_conf(CONF + 'api socket "%s/api.sock"\n' % apidir)
try:
    asvc.start()
    mode = oct(os.stat(apidir).st_mode & 0o7777)
except (OSError, RuntimeError) as e:
    mode = str(e)
t.is_(mode, "0o755", "the api socket's directory is made 0755")
t.ok(os.path.exists(os.path.join(apidir, "api.sock")), "and used")
# Started with -d by this test, the master stays our zombie until we reap
# it: stop must not wait for that.
t0 = time.monotonic()
r = run(["service", "stop", "-s", asvc.state])
t.ok(r.returncode == 0 and time.monotonic() - t0 < 15 * SLOW,
     "service stop stops a -d service whose parent has not reaped it",
     r.stderr)
t.ok(not os.path.exists(os.path.join(apidir, "api.sock")),
     "and its api socket is gone")
asvc.stop()
asvc.remove()

# StrictModes, as root: refused with the path and the fix, by -n too.
ssvc = Service(prefork=1, max_workers=2)
os.chmod(ssvc.state, 0o777)
for args, how in ((["-n"], "-n"), ([], "start")):
    r = run(["service"] + args + ["-s", ssvc.state])
    if r.returncode == 0 and not args:
        # Started after all: stop it (by pid) when the test ends.
        wait_for(lambda: os.path.exists(ssvc.path("service.json")), 10)
        with open(ssvc.path("service.json")) as f:
            ssvc.pid = json.load(f)["pid"]
        ssvc.children()
    t.is_(r.returncode, 1, "%s: a 0777 state directory is refused" % how)
    t.like(r.stderr, r"state directory %s is writable by every user.*"
           r'fix with "chmod go-w %s"' % (ssvc.state, ssvc.state),
           "with the path and the fix")
t.is_(left(ssvc.state), [], "and nothing is made")
os.chmod(ssvc.state, 0o700)
os.chmod(ssvc.path("aileron.conf"), 0o664)
r = run(["service", "-s", ssvc.state])
t.is_(r.returncode, 1, "a group-writable aileron.conf is refused")
t.like(r.stderr, r'configuration file %s is writable by its group.*fix '
       r'with "chmod go-w %s"' % (ssvc.path("aileron.conf"),
                                  ssvc.path("aileron.conf")),
       "with the path and the fix")
os.chmod(ssvc.path("aileron.conf"), 0o644)
nobody = pwd.getpwnam("nobody").pw_uid
os.chown(ssvc.path("aileron.conf"), nobody, -1)
r = run(["service", "-n", "-s", ssvc.state])
t.like(r.stderr, r'configuration file .* belongs to user nobody.*fix with '
       r'"chown root ', "-n: an aileron.conf owned by another user")
os.chown(ssvc.path("aileron.conf"), 0, -1)
r = run(["service", "-n", "-s", ssvc.state])
t.is_(r.returncode, 0, "fixed, -n accepts it")
ssvc.kill_all()
ssvc.remove()
shutil.rmtree(d, ignore_errors=True)
t.done()
