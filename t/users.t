#!/usr/bin/env python3
# users.t: started as root, the service runs its workers, control and
# vaultd as three different users, so that a compromised worker cannot
# signal (or trace) the processes that hold sessions and keys: from a
# worker's uid, kill(vaultd, 0) and kill(control, 0) fail with EPERM.
# The configuration names the users (user, control user, vault user);
# the service and "aileron service -n" refuse a user that does not
# exist, root, and two processes sharing a uid.

import errno
import os
import pwd
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from aileron import TAP, Service, BIN, proc_status, wait_for

USERS = ("_aileron", "_aileron-control", "_aileron-vault")

t = TAP()
if os.geteuid() != 0:
    t.skip_all("needs root: the user change is tested as root")
try:
    pws = [pwd.getpwnam(u) for u in USERS]
except KeyError:
    t.skip_all("no %s users; make check creates them (etc/adduser.sh)" %
               ", ".join(USERS))
t.plan(20)


def uid_of(pid):
    st = proc_status(pid)
    return int(st["Uid"].split()[0]) if st else None


def kill0_as(pw, pid):
    """errno of kill(pid, 0) from a child running as pw (0: it worked)."""
    child = os.fork()
    if child == 0:
        code = 99
        try:
            os.setgroups([])
            os.setgid(pw.pw_gid)
            os.setuid(pw.pw_uid)
            try:
                os.kill(pid, 0)
                code = 0
            except OSError as e:
                code = e.errno
        finally:
            os._exit(code)
    _, status = os.waitpid(child, 0)
    return os.waitstatus_to_exitcode(status)


svc = Service(prefork=2)
svc.start()
control, vaultd, workers = wait_for(
    lambda: (lambda c, v, w: (c, v, w) if c and v and len(w) == 2 else None)
    (*svc.by_role()), 10) or svc.by_role()
for pid in [control, vaultd] + workers:
    svc.wait_log(r"\[%d\]: \w+: sandboxed" % pid)

worker, other = workers[0], workers[1]
t.is_(uid_of(worker), pws[0].pw_uid, "a worker runs as _aileron")
t.is_(uid_of(control), pws[1].pw_uid, "control runs as _aileron-control")
t.is_(uid_of(vaultd), pws[2].pw_uid, "vaultd runs as _aileron-vault")
t.is_(len({uid_of(worker), uid_of(control), uid_of(vaultd)}), 3,
      "three processes, three uids")
t.is_(os.stat(svc.path("control")).st_uid, pws[1].pw_uid,
      "control's directory belongs to _aileron-control")
t.is_(os.stat(svc.path("vault")).st_uid, pws[2].pw_uid,
      "vaultd's directory belongs to _aileron-vault")

# The probe works: from a worker's uid another worker can be signalled.
t.is_(kill0_as(pws[0], other), 0,
      "from a worker's uid, kill -0 reaches another worker (the probe works)")
t.is_(kill0_as(pws[0], vaultd), errno.EPERM,
      "from a worker's uid, kill -0 vaultd fails with EPERM")
t.is_(kill0_as(pws[0], control), errno.EPERM,
      "from a worker's uid, kill -0 control fails with EPERM")
t.is_(kill0_as(pws[1], vaultd), errno.EPERM,
      "from control's uid, kill -0 vaultd fails with EPERM")
svc.stop()

# A vault directory changes hands when the configuration names another
# user (or it comes from when vaultd ran as the workers' user): vaultd
# first runs as _aileron here, then as _aileron-vault, and its store's
# files go along; a symlink planted there (vaultd's user could) is not
# followed.
svc = Service(prefork=1, conf='user "_aileron-vault"\nvault user "_aileron"\n')
svc.start()
svc.stop()
old = svc.path("vault/store.db")
was = os.stat(old).st_uid
victim = svc.path("victim")
with open(victim, "w") as f:
    f.write("x")
os.symlink(victim, svc.path("vault/planted"))
svc.write_conf("listen on 127.0.0.1 port 0\nprefork 1\nlog debug\n")
try:
    svc.start()
    started = True
except RuntimeError as e:
    started = False
    t.diag(str(e))
t.ok(was == pws[0].pw_uid and started and
     os.stat(svc.path("vault")).st_uid == pws[2].pw_uid,
     "a vault directory of _aileron's changes hands to _aileron-vault, "
     "and vaultd opens its store")
t.is_(os.stat(old).st_uid, pws[2].pw_uid, "its files go along")
t.is_(os.stat(victim).st_uid, 0,
      "a symlink planted there is not followed: its target stays root's")
svc.stop()

# What the configuration may not say, refused by the service and by -n.
BAD = [
    ('control user "nosuchuser_c"\n',
     r'control user "nosuchuser_c" does not exist; create it with '
     r'"adduser --system'),
    ('vault user "root"\n',
     r'vault user "root" is root; name an unprivileged user'),
    ('user "_aileron-vault"\n',
     r'user "_aileron-vault" and vault user "_aileron-vault" share uid '
     r'\d+; each process needs a user of its own'),
]


def service(svc, flag):
    """aileron service -d (start) or -n (check) on svc's state directory."""
    return subprocess.run([BIN, "service", flag, "-s", svc.state],
                          capture_output=True, text=True, timeout=20)


for conf, pattern in BAD:
    bad = Service(conf=conf)
    for flag, what in (("-d", "the service refuses %r, and says why" %
                        conf.strip()), ("-n", "and -n says the same")):
        r = service(bad, flag)
        t.ok(r.returncode == 1 and re.search(pattern, r.stderr), what,
             r.stderr)
    bad.remove()
good = Service()
r = service(good, "-n")
t.ok(r.returncode == 0 and "configuration OK" in r.stdout,
     "-n accepts the default users", r.stderr)
good.remove()
t.done()
