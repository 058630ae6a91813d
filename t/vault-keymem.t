#!/usr/bin/env python3
# vault-keymem.t: the CLI holds the master key and the user key in its
# secure heap, locked memory, never on its stack or in its ordinary heap.
# "aileron vault passwd" is stopped halfway: it has derived the current
# user key and is reading the new master key from a pipe, of which the
# test has written all but the newline.  The test then reads the CLI's
# memory (/proc/PID/mem, as root) and finds where both keys are: each
# copy must lie in a mapping that smaps calls locked.  The user key is
# computed here with scrypt from the salt and parameters in kdf.json,
# read from a backup of the store (db5.3_dump).

import hashlib
import json
import os
import pwd
import re
import resource
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from aileron import TAP, Service, BIN, proc_status, wait_for

t = TAP()
if os.geteuid() != 0:
    t.skip_all("needs root: the service drops privileges, and the CLI's "
               "memory is read through /proc")
if shutil.which("db5.3_dump") is None:
    t.skip_all("no db5.3_dump (db5.3-util)")
t.plan(9)

M1 = "keymem test master key one"
# The new master key; the test writes it without its newline, so the CLI
# holds it while it waits for the rest.
M2 = "keymem-NEWMASTER-7f3a9c-not-a-real-key"


def run(svc, args, keys=()):
    r, w = os.pipe()
    os.write(w, "".join(k + "\n" for k in keys).encode())
    os.close(w)
    args = [str(r) if a == "3" else a for a in args]
    try:
        p = subprocess.run([BIN] + args + ["-s", svc.state],
                           stdin=subprocess.DEVNULL, capture_output=True,
                           pass_fds=(r,), timeout=60)
    finally:
        os.close(r)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def kdf_of(backup, user):
    """salt, N, r, p from users/USER/kdf.json in a backup's store.db."""
    out = subprocess.run(["db5.3_dump", "-p",
                          os.path.join(backup, "store.db")],
                         capture_output=True, check=True).stdout.decode()
    lines = out.splitlines()
    key = " users/%s/kdf.json" % user
    for i, line in enumerate(lines):
        if line == key and i + 1 < len(lines):
            return json.loads(lines[i + 1].strip().replace("\\5c", "\\"))
    return None


def regions(pid):
    """(start, end, locked) of every readable mapping, from smaps."""
    out, cur = [], None
    with open("/proc/%d/smaps" % pid) as f:
        for line in f:
            m = re.match(r"^([0-9a-f]+)-([0-9a-f]+) (\S+)", line)
            if m:
                cur = [int(m.group(1), 16), int(m.group(2), 16),
                       m.group(3)[0] == "r", 0]
                out.append(cur)
            elif line.startswith("Locked:") and cur is not None:
                cur[3] = int(line.split()[1])
    return [(s, e, lk > 0) for s, e, rd, lk in out if rd]


def find(pid, needles):
    """For each needle, the list of (address, locked) where it is."""
    found = {n: [] for n in needles}
    with open("/proc/%d/mem" % pid, "rb", buffering=0) as mem:
        for s, e, locked in regions(pid):
            if e - s > 256 * 1024 * 1024:
                continue
            try:
                mem.seek(s)
                data = mem.read(e - s)
            except (OSError, ValueError, OverflowError):
                continue
            for n in needles:
                i = data.find(n)
                while i != -1:
                    found[n].append((s + i, locked))
                    i = data.find(n, i + 1)
    return found


svc = Service(prefork=1)
svc.start()
A = ["--user", "alice"]
rc, out, err = run(svc, ["vault", "init", "--key-fd", "3", "--kdf-n",
                         "16384"] + A, [M1])
t.ok(rc == 0, "vault init", err)

tmp = tempfile.mkdtemp(prefix="aileron-keymem.")
bdir = os.path.join(tmp, "b")
rc, out, err = run(svc, ["vault", "backup", bdir])
kdf = kdf_of(bdir, "alice") if rc == 0 else None
t.ok(kdf is not None and len(kdf.get("salt", "")) == 32,
     "alice's salt and scrypt parameters, from a backup", err)
ukey = hashlib.scrypt(M1.encode(), salt=bytes.fromhex(kdf["salt"]),
                      n=kdf["N"], r=kdf["r"], p=kdf["p"], dklen=32,
                      maxmem=256 * 1024 * 1024) if kdf else b"-"

r1, w1 = os.pipe()
r2, w2 = os.pipe()
os.write(w1, (M1 + "\n").encode())
os.close(w1)
os.write(w2, M2.encode())
cli = subprocess.Popen([BIN, "vault", "passwd", "--key-fd", str(r1),
                        "--new-key-fd", str(r2), "-s", svc.state] + A,
                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, pass_fds=(r1, r2))
os.close(r1)
os.close(r2)
try:
    # Bounded: the CLI derives the user key (scrypt), then reads M2 a
    # byte at a time and waits for its newline.
    found = wait_for(lambda: (lambda f: f if f[M2.encode()] and f[ukey]
                              else None)(find(cli.pid, [M2.encode(), ukey])),
                     20, step=0.2) or find(cli.pid, [M2.encode(), ukey])
    st = proc_status(cli.pid) or {}
    vmlck = int(st.get("VmLck", "0 kB").split()[0])
    t.ok(vmlck >= 32, "the waiting CLI has locked memory (VmLck %d kB)" %
         vmlck, st.get("VmLck"))
    t.ok(len(found[M2.encode()]) > 0, "the master key being read is in "
         "its memory", found)
    t.ok(found[M2.encode()] and all(lk for _, lk in found[M2.encode()]),
         "and every copy of it is in locked memory",
         ["%x locked=%s" % a for a in found[M2.encode()]])
    t.ok(len(found[ukey]) > 0, "the derived user key is in its memory",
         found[ukey])
    t.ok(found[ukey] and all(lk for _, lk in found[ukey]),
         "and every copy of it is in locked memory",
         ["%x locked=%s" % a for a in found[ukey]])
finally:
    os.close(w2)
    try:
        cli.wait(timeout=30)
    except subprocess.TimeoutExpired:
        cli.kill()
        cli.wait()
    svc.stop()
    shutil.rmtree(tmp, ignore_errors=True)


def as_user_with_memlock(kib):
    """aileron vault init as nobody, with RLIMIT_MEMLOCK at kib KiB (root
    is not bound by the limit)."""
    nobody = pwd.getpwnam("nobody")

    def drop():
        resource.setrlimit(resource.RLIMIT_MEMLOCK, (kib * 1024, kib * 1024))
        os.setgroups([])
        os.setgid(nobody.pw_gid)
        os.setuid(nobody.pw_uid)
    d = tempfile.mkdtemp(prefix="aileron-keymem.")
    os.chmod(d, 0o755)
    try:
        return subprocess.run([BIN, "vault", "init", "--user", "x", "-s", d],
                              stdin=subprocess.DEVNULL, capture_output=True,
                              text=True, timeout=30, preexec_fn=drop)
    finally:
        shutil.rmtree(d, ignore_errors=True)


# The CLI's heap fits the 64 KiB an ordinary user often gets; below what
# it needs, the CLI refuses before it reads a key.
r = as_user_with_memlock(64)
t.ok("locked memory" not in r.stderr and "no service" in r.stderr,
     "with ulimit -l 64 the CLI locks its keys' memory and goes on",
     r.stderr)
r = as_user_with_memlock(16)
t.ok(r.returncode == 1 and "cannot lock 32 KiB of memory for keys; raise "
     "the locked memory limit (ulimit -l)" in r.stderr,
     "with ulimit -l 16 it refuses, and says why", r.stderr)
t.done()
