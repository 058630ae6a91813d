#!/usr/bin/env python3
# vault-damaged.t: a damaged page in the vault's store.db (512 bytes
# overwritten in a store of 50 credentials) makes the service exit
# non-zero with a log line that names the file and the way out, never
# die of a signal; the same store undamaged starts.  The pages carry
# checksums (DB_CHKSUM), and vaultd reads every page once at open.

import os
import pwd
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from aileron import TAP, Service, wait_for

t = TAP()
if os.geteuid() != 0:
    t.skip_all("needs root: the service drops to _aileron")
try:
    PW = pwd.getpwnam("_aileron")
except KeyError:
    t.skip_all("no _aileron user; make check creates it (etc/adduser.sh)")
BUILD = os.environ.get("AILERON_BUILD", "build")
HELPER = os.path.join(BUILD, "t", "helpers", "vault_revoke_helper")
if not os.access(HELPER, os.X_OK):
    t.skip_all("no %s (make unit)" % HELPER)
PAGE = 4096
t.plan(2 + 4 * 3)


def chown_tree(path):
    for root, dirs, files in os.walk(path):
        for n in [root] + [os.path.join(root, f) for f in files]:
            os.chown(n, PW.pw_uid, PW.pw_gid)


def service_with(store):
    """A service whose vault directory is a copy of store."""
    svc = Service(prefork=1)
    shutil.copytree(store, svc.path("vault"))
    chown_tree(svc.path("vault"))
    return svc


# A store of 50 credentials, made through the vault library.
tmp = Service(prefork=1)
good = tmp.path("good")
r = subprocess.run([HELPER, "setup", good, "50"], capture_output=True)
size = os.path.getsize(os.path.join(good, "store.db"))
t.ok(r.returncode == 0 and size >= 3 * PAGE,
     "a store of 50 credentials (%d bytes of store.db)" % size,
     r.stderr.decode(errors="replace"))

svc = service_with(good)
try:
    svc.start()
    t.is_(svc.stop(), 0, "the undamaged store opens and the service stops "
          "cleanly")
finally:
    svc.kill_all()
    svc.remove()



def busiest(page_off):
    """The 512 bytes of the page at page_off with the most non-zero bytes:
    zeros written where a page's free space already was zero would damage
    nothing (and did not, now and then, with credentials of random size)."""
    with open(os.path.join(good, "store.db"), "rb") as f:
        f.seek(page_off)
        page = f.read(PAGE)
    best = max(range(64, PAGE - 512 + 1, 64),
               key=lambda o: sum(1 for b in page[o:o + 512] if b))
    return page_off + best


# 512 bytes overwritten: in the metadata page, a page in the middle, the
# last page, and the middle page with bytes of zeros rather than noise.
MIDDLE = (size // PAGE // 2) * PAGE
cases = [("the metadata page", 100, b"\xa5"),
         ("a page in the middle", MIDDLE + 1024, b"\xa5"),
         ("the last page", size - PAGE + 2048, b"\x5a"),
         ("a page in the middle, zeroed", busiest(MIDDLE), b"\0")]
for what, off, fill in cases:
    svc = service_with(good)
    try:
        with open(svc.path("vault/store.db"), "r+b") as f:
            f.seek(off)
            f.write(fill * 512)
        svc.start(wait=False)
        try:
            rc = svc.proc.wait(30)
        except subprocess.TimeoutExpired:
            rc = None
        log = svc.log_text()
        t.ok(rc is not None and rc > 0,
             "%s damaged: the service exits non-zero (%s), not by a "
             "signal" % (what, rc), log[-2000:])
        t.ok("store.db is damaged" in log and
             "aileron vault backup" in log and
             svc.path("vault") in log,
             "the log names the file and the way out", log[-2000:])
        t.ok("signal" not in log,
             "no process of the service died of a signal", log[-2000:])
    finally:
        svc.kill_all()
        svc.remove()
tmp.remove()
t.done()
