#!/usr/bin/env python3
# seccomp.t: every process of the service runs under its seccomp filter
# with no new privileges; each process's sandbox, entered as the process
# enters it, kills it for a call outside its promises; a worker dying of
# SIGSYS is replaced, and control or vaultd dying of it stops the service;
# run by an ordinary user, the service still sandboxes every process.

import ctypes
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from aileron import (TAP, Service, BIN, SAN, alive, proc_status, wait_for,
                     proc_children)

BUILD = os.environ.get("AILERON_BUILD") or os.path.join(
    os.path.dirname(__file__), "..", "build")
HELPER = os.path.join(BUILD, "t", "helpers", "sandbox_helper")
SIGSYS = int(signal.SIGSYS)

t = TAP()
if os.geteuid() != 0:
    t.skip_all("needs root: the service is started as root")
try:
    pwd.getpwnam("_aileron")
except KeyError:
    t.skip_all("no _aileron user; make check creates it (etc/adduser.sh)")
if not os.access(HELPER, os.X_OK):
    t.plan(1)
    t.ok(False, "%s is missing (make unit)" % HELPER)
    t.done()


def landlock_abi():
    """landlock_create_ruleset(NULL, 0, VERSION): 0 when absent."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    r = libc.syscall(ctypes.c_long(444), None, ctypes.c_size_t(0),
                     ctypes.c_uint32(1))
    return r if r > 0 else 0


def fds_status(pid):
    st = proc_status(pid) or {}
    return st.get("Seccomp"), st.get("NoNewPrivs")


def helper(role, action, *opts):
    """Enter role's sandbox, try action: (fate, stderr)."""
    d = tempfile.mkdtemp(prefix="aileron-sb.")
    os.chmod(d, 0o755)
    with open(os.path.join(d, "file"), "w") as f:
        f.write("x")
    os.chmod(os.path.join(d, "file"), 0o644)
    try:
        r = subprocess.run([HELPER] + list(opts) + [role, action, d],
                           capture_output=True, text=True, timeout=30)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    fates = [l for l in r.stdout.splitlines() if l.startswith("fate: ")]
    return (fates[0][6:] if fates else r.stdout), r.stderr


t.plan(48)
sig = "signal %d" % SIGSYS

# 1. The live service: every process filtered, with no new privileges.
svc = Service(prefork=2)
svc.start()
control, vaultd, workers = wait_for(
    lambda: (lambda c, v, w: (c, v, w) if c and v and len(w) == 2 else None)
    (*svc.by_role()), 10) or svc.by_role()
for pid in [control, vaultd] + workers[:1]:
    svc.wait_log(r"\[%d\]: \w+: sandboxed" % pid)
for name, pid in (("master", svc.pid), ("control", control),
                  ("vaultd", vaultd), ("an idle worker", workers[0])):
    t.is_(fds_status(pid), ("2", "1"),
          "%s: Seccomp 2 and NoNewPrivs 1" % name)
wst = proc_status(workers[0])
t.is_(wst.get("Seccomp_filters"), "2",
      "a worker runs under two filters: the master's and its own")
with open("/proc/%d/limits" % workers[0]) as lf:
    nproc = [l for l in lf if l.startswith("Max processes")]
t.like(nproc[0] if nproc else "", r"\s0\s+0\s",
       "a worker's process limit (RLIMIT_NPROC) is 0")

# 3. A worker killed by SIGSYS from outside is replaced; the service goes on.
os.kill(workers[0], signal.SIGSYS)
t.ok(svc.wait_log(r"worker %d: killed by signal %d" % (workers[0], SIGSYS)),
     "a worker killed by SIGSYS is logged")
t.ok(wait_for(lambda: len(svc.by_role()[2]) == 2 and
              workers[0] not in svc.by_role()[2], 10),
     "and the pool is back to prefork 2 without it")
_, reply = svc.request()
t.ok(reply.startswith(b"HTTP/1.1 400 "),
     "and the service answers the next connection")
t.is_(svc.stop(), 0, "the service stops cleanly after that")
svc.remove()

# control or vaultd killed by SIGSYS: the service stops, saying why.
for role in ("control", "vaultd"):
    svc = Service(prefork=2)
    svc.start()
    c, v, _ = wait_for(lambda: (lambda c, v, w: (c, v, w) if c and v and
                                len(w) == 2 else None)(*svc.by_role()),
                       10) or svc.by_role()
    pids = svc.known | {svc.pid}
    os.kill(c if role == "control" else v, signal.SIGSYS)
    try:
        rc = svc.proc.wait(20)
    except subprocess.TimeoutExpired:
        rc = None
    t.is_(rc, 1, "SIGSYS to %s: the master exits 1" % role)
    t.ok(svc.wait_log(r"master\[\d+\]: %s killed by signal %d; shutting "
                      r"down" % (role, SIGSYS)),
         "and logs the process and the signal", svc.log_text()[-400:])
    t.ok(wait_for(lambda: not any(alive(p) for p in pids), 10),
         "no process of the service is left",
         [p for p in pids if alive(p)])
    svc.remove()

# 2. Each profile, entered as its process enters it, then a forbidden call.
for role in ("master", "control", "vaultd", "worker"):
    fate, err = helper(role, "none", "-u", "_aileron")
    t.is_(fate, "exit 0", "%s's sandbox lets it run" % role)
    for action in ("execve", "ptrace", "socket-netlink"):
        fate, err = helper(role, action, "-u", "_aileron")
        t.is_(fate, sig, "%s: %s dies by SIGSYS" % (role, action))
for role in ("control", "vaultd"):
    fate, _ = helper(role, "socket-inet", "-u", "_aileron")
    t.is_(fate, sig, "%s: an inet socket (not promised) dies by SIGSYS"
          % role)
fate, _ = helper("vaultd", "socket-unix", "-u", "_aileron")
t.is_(fate, "exit 1", "vaultd: a local socket fails without killing it "
      "(syslog reconnecting)")
for action in ("kill", "fork"):
    fate, _ = helper("worker", action, "-u", "_aileron")
    t.is_(fate, sig, "worker: %s dies by SIGSYS" % action)
fate, _ = helper("worker", "socket-inet", "-u", "_aileron")
t.is_(fate, "exit 0", "worker: an inet socket is promised (upstream dial)")
# control and vaultd both open files by name (their Berkeley DB
# environments, rpath wpath cpath): only their own directory's.
for role in ("vaultd", "control"):
    fate, _ = helper(role, "open-outside")
    t.is_(fate, "exit 1" if landlock_abi() else "exit 0",
          "%s without a chroot: Landlock keeps it from /etc/passwd" % role
          if landlock_abi() else "%s without a chroot: no Landlock here"
          % role)
    fate, _ = helper(role, "open-inside")
    t.is_(fate, "exit 0", "%s still opens what is in its own directory"
          % role)

# The test mode says which call it was before dying.
fate, err = helper("worker", "execve", "-X", "-u", "_aileron")
t.is_(fate, "exit 159", "test mode: a forbidden call still ends the worker")
t.like(err, r"worker: forbidden system call 59 \(seccomp\)",
       "and it logged the system call number (59, execve)")

if SAN:
    fate, err = helper("worker", "overflow", "-u", "_aileron")
    t.ok(fate == "exit 1" and "ERROR: AddressSanitizer" in err,
         "sanitizer build: a report gets out of the worker's filter", err)
else:
    t.skip(1, "not the sanitizer build")

# 4. Run by an ordinary user: no chroot, no user change, still sandboxed.
user = pwd.getpwnam("nobody") if "nobody" in [
    p.pw_name for p in pwd.getpwall()] else None
if user is None:
    t.skip(3, "no user nobody")
else:
    state = tempfile.mkdtemp(prefix="aileron-t.")
    os.chown(state, user.pw_uid, user.pw_gid)
    os.chmod(state, 0o700)
    with open(os.path.join(state, "aileron.conf"), "w") as f:
        f.write("listen on 127.0.0.1 port 0\nprefork 2\nlog debug\n")
    logf = open(os.path.join(state, "service.log"), "ab")

    def demote():
        os.setgroups([])
        os.setresgid(user.pw_gid, user.pw_gid, user.pw_gid)
        os.setresuid(user.pw_uid, user.pw_uid, user.pw_uid)

    p = subprocess.Popen([BIN, "service", "-d", "-s", state],
                         stdin=subprocess.DEVNULL, stdout=logf, stderr=logf,
                         preexec_fn=demote)
    kids = []
    try:
        def ready():
            ks = [k for k in proc_children(p.pid) if alive(k)]
            return ks if (os.path.exists(os.path.join(state,
                                                      "service.json"))
                          and len(ks) >= 4) else None
        kids = wait_for(ready, 15) or []
        time.sleep(0.2)
        got = {pid: fds_status(pid) for pid in [p.pid] + kids}
        t.ok(len(kids) >= 4 and
             all(v == ("2", "1") for v in got.values()),
             "run by an ordinary user: master, control, vaultd and "
             "workers all have Seccomp 2 and NoNewPrivs 1", got)
        with open(os.path.join(state, "service.log"), "rb") as f:
            log = f.read().decode(errors="replace")
        t.ok(not landlock_abi() or
             ("vaultd: Landlock ABI" in log and
              "control: Landlock ABI" in log and
              "worker: Landlock ABI %d: no files" % landlock_abi() in log),
             "and Landlock confines control, vaultd and workers", log[-600:])
        p.send_signal(signal.SIGTERM)
        t.is_(p.wait(20), 0, "and it stops cleanly")
    finally:
        for k in kids + [p.pid]:
            try:
                os.kill(k, signal.SIGKILL)
            except OSError:
                pass
        try:
            p.wait(5)
        except subprocess.TimeoutExpired:
            pass
        shutil.rmtree(state, ignore_errors=True)
t.done()
