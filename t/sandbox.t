#!/usr/bin/env python3
# sandbox.t: what /proc says about every child after its privilege drop:
# descriptors, user, no new privileges, root directory, dumpability,
# signal dispositions.
# The root path (chroot, user change) is the tested path; it needs root.

import grp
import os
import pwd
import signal
import stat
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from aileron import TAP, Service, BIN, SAN, proc_status, wait_for

t = TAP()
if not os.geteuid() == 0:
    t.skip_all("needs root: chroot and the user change are tested as root")
try:
    pw = pwd.getpwnam("_aileron")
except KeyError:
    t.skip_all("no _aileron user; make check creates it (etc/adduser.sh)")
t.plan(26)


def fds(pid):
    out = {}
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            out[int(fd)] = os.readlink("/proc/%d/fd/%s" % (pid, fd))
        except OSError:
            pass
    return out


# Started ignoring QUIT and USR1, as a shell or nohup might start it: no
# child may inherit that, nor any handler of the master's.
signal.signal(signal.SIGQUIT, signal.SIG_IGN)
signal.signal(signal.SIGUSR1, signal.SIG_IGN)
svc = Service(prefork=2)
svc.start()
signal.signal(signal.SIGQUIT, signal.SIG_DFL)
signal.signal(signal.SIGUSR1, signal.SIG_DFL)
control, vaultd, workers = wait_for(
    lambda: (lambda c, v, w: (c, v, w) if c and v and len(w) == 2 else None)
    (*svc.by_role()), 10) or svc.by_role()
w = workers[0]
# A worker is inspected only once it says it is sandboxed; so are the rest.
for pid in (w, control, vaultd):
    svc.wait_log(r"\[%d\]: \w+: sandboxed" % pid)

# A worker keeps stdio (stderr is the log in the foreground), the two
# listeners (proxy, API), and its channels to master, control, vaultd.
f = fds(w)
t.is_(sorted(f), list(range(8)), "a worker has exactly descriptors 0-7")
t.ok(f.get(0) == "/dev/null" and f.get(1) == "/dev/null",
     "its stdin and stdout are /dev/null", f)
t.is_(f.get(2), svc.logpath, "its stderr is the log (foreground)")
t.ok(all(f.get(i, "").startswith("socket:") for i in range(3, 8)),
     "the other five are sockets: 2 listeners, 3 channels", f)

st = proc_status(w)
want_uid = "\t".join([str(pw.pw_uid)] * 4)
want_gid = "\t".join([str(pw.pw_gid)] * 4)
t.is_(st["Uid"].replace(" ", "\t"), want_uid,
      "a worker's Uid is _aileron in all four fields")
t.is_(st["Gid"].replace(" ", "\t"), want_gid,
      "and its Gid is _aileron's group in all four")
t.is_(st.get("Groups", "").split(), [str(pw.pw_gid)],
      "its supplementary groups are only that group")
t.is_(st["NoNewPrivs"], "1", "a worker has NoNewPrivs 1")
t.is_(st["CapEff"], "0000000000000000", "and no effective capability")
t.is_(os.readlink("/proc/%d/root" % w), "/var/empty",
      "a worker's root is /var/empty")
t.is_(os.stat("/proc/%d/mem" % w).st_uid, 0,
      "a worker is not dumpable (/proc/PID/mem belongs to root)")
with open("/proc/%d/limits" % w) as lf:
    core = [l for l in lf if l.startswith("Max core file size")]
t.like(core[0] if core else "", r"\s0\s+0\s", "its core size limit is 0")



# AddressSanitizer catches these in every process, and the service keeps
# its handlers.
SAN_CAUGHT = {signal.SIGBUS, signal.SIGFPE, signal.SIGSEGV} if SAN else set()


def sigset(st, key):
    """The signal numbers set in a SigCgt or SigIgn mask, less the two
    glibc keeps for itself below SIGRTMIN, which no process can change
    (make, for one, starts its commands with them ignored), and the
    sanitizer's."""
    mask = int(st[key], 16)
    return sorted(n for n in range(1, 65) if mask & (1 << (n - 1)) and
                  not 32 <= n < signal.SIGRTMIN and
                  not (key == "SigCgt" and n in SAN_CAUGHT))


st = proc_status(w)
t.is_(sigset(st, "SigCgt"), [signal.SIGTERM],
      "a worker catches only SIGTERM, none of the master's signals")
t.is_(sigset(st, "SigIgn"), sorted([signal.SIGHUP, signal.SIGINT,
                                    signal.SIGPIPE]),
      "and ignores HUP, INT and PIPE, not what the service was started "
      "ignoring")
t.ok(all(proc_status(p) and sigset(proc_status(p), "SigCgt") == [] and
         sigset(proc_status(p), "SigIgn") == [] for p in (control, vaultd)),
     "control and vaultd catch and ignore nothing",
     [(proc_status(p) or {}).get("SigIgn") for p in (control, vaultd)])

for name, pid, root, user in (
        ("control", control, svc.path("control"), "_aileron-control"),
        ("vaultd", vaultd, svc.path("vault"), "_aileron-vault")):
    st = proc_status(pid)
    t.ok(st["Uid"].split() == [str(pwd.getpwnam(user).pw_uid)] * 4 and
         st["NoNewPrivs"] == "1",
         "%s runs as %s with NoNewPrivs" % (name, user), st.get("Uid"))
    t.is_(os.readlink("/proc/%d/root" % pid), root,
          "%s's root is its environment directory" % name)
    t.is_(os.stat("/proc/%d/mem" % pid).st_uid, 0,
          "%s is not dumpable" % name)

vs = os.stat(svc.path("vault.sock"))
try:
    want = (0o660, grp.getgrnam("aileron").gr_gid)     # the group's
except KeyError:
    want = (0o600, vs.st_gid)                           # the owner's alone
t.ok(stat.S_ISSOCK(vs.st_mode) and vs.st_uid == os.getuid() and
     (stat.S_IMODE(vs.st_mode), vs.st_gid) == want,
     "vault.sock is a socket owned by who started the service, mode %o "
     "(group aileron when it exists)" % want[0])
ds = os.stat(svc.path("vault"))
t.ok(stat.S_IMODE(ds.st_mode) == 0o700 and
     ds.st_uid == pwd.getpwnam("_aileron-vault").pw_uid,
     "the vault directory is 0700 and belongs to _aileron-vault")
svc.stop()

# A configured user that does not exist: refuse, and say how to fix it.
bad = Service(conf='user "nosuchuser_x"\n')
r = subprocess.run([BIN, "service", "-d", "-s", bad.state],
                   capture_output=True, text=True, timeout=20)
t.is_(r.returncode, 1, "a user that does not exist: the service refuses")
t.like(r.stderr, r'user "nosuchuser_x" does not exist; create it with '
       r'"adduser --system', "and says how to create it")
bad.remove()

# root as the user to drop to is refused.
bad = Service(conf='user "root"\n')
r = subprocess.run([BIN, "service", "-d", "-s", bad.state],
                   capture_output=True, text=True, timeout=20)
t.ok(r.returncode == 1 and "unprivileged" in r.stderr,
     "user root is refused", r.stderr)
bad.remove()
t.done()
