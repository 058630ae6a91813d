#!/usr/bin/env python3
# vault-firsthour.t: the vault commands in a user's first hour (issue 9):
# a typo'd connector is refused with the nearest name; what --replace
# replaces, or what is in the way, is named; an invalid name is refused
# before the master key is read; a failed backup leaves no copy behind,
# and a stale one goes at the next start; key derivation says what it
# does on a terminal, refuses what the machine cannot do and keeps echo
# off until the value is read; short master keys are refused, weak ones
# warned about; a state directory another user owns is said to be one;
# vault init logs no failure.

import os
import pty
import re
import resource
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from aileron import TAP, Service, BIN, SAN

t = TAP()
if os.geteuid() != 0:
    t.skip_all("needs root: the service drops to _aileron")
t.plan(28)

M1 = "first hour master key, long"
VAL = "sk_test_FIRSTHOUR_0001"
TYPED = "sk_test_TYPEDAHEAD_0002"
SRC = os.path.abspath(os.environ.get("AILERON_SRC", "."))


def run(svc, args, keys=(), value=None, preexec=None):
    """aileron ARGS -s STATE, "--key-fd 3" naming a pipe holding KEYS one
    per line.  Returns rc, out, err and what is left unread in the
    pipe (a key refused early is never read)."""
    r, w = os.pipe()
    os.write(w, "".join(k + "\n" for k in keys).encode())
    os.close(w)
    args = [str(r) if a == "3" and i > 0 and args[i - 1] == "--key-fd"
            else a for i, a in enumerate(args)]
    try:
        p = subprocess.run([BIN] + args + ["-s", svc.state],
                           input=value.encode() if value is not None
                           else b"", capture_output=True, pass_fds=(r,),
                           timeout=60, preexec_fn=preexec)
        os.set_blocking(r, False)
        try:
            left = os.read(r, 4096)
        except BlockingIOError:
            left = b""
    finally:
        os.close(r)
    return p.returncode, p.stdout.decode(), p.stderr.decode(), left


svc = Service(prefork=1, conf="".join(
    'connector "%s" spec "%s/specs/%s.json"\n' % (c, SRC, c)
    for c in ("github", "linear", "stripe")))
svc.start()
A = ["--user", "alice"]

# 6: a short master key is refused, a weak one warned about.
rc, out, err, left = run(svc, ["vault", "init", "--key-fd", "3"] + A,
                         ["short key"])
t.ok(rc == 1 and "at least 12 characters" in err,
     "vault init: a master key under 12 characters is refused", err)
rc, out, err, left = run(svc, ["vault", "init", "--key-fd", "3", "--kdf-n",
                               "16384", "--user", "bob"], ["password1234"])
t.ok(rc == 0 and "weak" in err and "common" in err,
     "vault init: a common password is accepted with a warning", err)
rc, out, err, left = run(svc, ["vault", "init", "--key-fd", "3", "--kdf-n",
                               "16384"] + A, [M1])
t.ok(rc == 0 and "weak" not in err, "vault init: a long key, no warning",
     err)
rc, out, err, left = run(svc, ["vault", "passwd", "--key-fd", "3"] + A,
                         [M1, "tiny"])
t.ok(rc == 1 and "at least 12 characters" in err,
     "vault passwd: a new master key under 12 characters is refused", err)

# 8: the check vault init makes first is no failure.
log = svc.log_text()
t.ok("vault init for user alice" in log and not re.search(
     r"key parameters for user \w+ failed", log),
     "vault init logs no \"key parameters ... failed\"",
     [l for l in log.splitlines() if "key parameters" in l])

# 1: a connector no loaded spec defines.
rc, out, err, left = run(svc, ["secret", "add", "t1", "--connector",
                               "gihtub", "--key-fd", "3"] + A, [M1], VAL)
t.ok(rc == 1 and "no connector gihtub" in err and "did you mean github" in
     err, "a typo'd connector: refused, the nearest name suggested", err)
t.ok("github, linear, stripe" in err, "the refusal names the connectors "
     "the service has", err)
t.ok(left == (M1 + "\n").encode(), "the master key was not read", left)
rc, out, err, left = run(svc, ["secret", "add", "t1", "--connector",
                               "zendesk", "--key-fd", "3"] + A, [M1], VAL)
t.ok(rc == 1 and "no connector zendesk" in err and "did you mean" not in
     err, "an unknown connector far from any: refused, no suggestion", err)

# 2: what is in the way, and what is replaced, by name.
rc, out, err, left = run(svc, ["secret", "add", "github-token",
                               "--connector", "github", "--key-fd", "3"] +
                         A, [M1], VAL)
t.ok(rc == 0 and "added" in out and "replaced" not in out,
     "secret add github-token", err)
rc, out, err, left = run(svc, ["secret", "add", "gh2", "--connector",
                               "github", "--key-fd", "3"] + A, [M1], VAL)
t.ok(rc == 1 and "credential github-token is in the way" in err,
     "without --replace: the credential in the way is named", err)
rc, out, err, left = run(svc, ["secret", "add", "gh2", "--connector",
                               "github", "--replace", "--key-fd", "3"] + A,
                         [M1], VAL)
t.ok(rc == 0 and "replaced github-token" in out,
     "with --replace: the credential replaced is named", out + err)
rc, out, err, left = run(svc, ["secret", "list"] + A)
t.ok(rc == 0 and "gh2" in out and "github-token" not in out,
     "the list shows the new credential only", out)

# 3: invalid names are refused before the master key is read, as
# argument errors (exit 2, as an invalid --kind).
for args, what in (
        (["secret", "add", "bad/name", "--connector", "github"],
         "invalid credential name"),
        (["secret", "add", "ok", "--connector", "git hub"],
         "invalid connector name"),
        (["secret", "add", "ok", "--connector", "linear", "--kind",
          "header", "bad header"], "invalid header name"),
        (["secret", "rm", "bad/name"], "invalid credential name")):
    rc, out, err, left = run(svc, args + ["--key-fd", "3"] + A, [M1], VAL)
    t.ok(rc == 2 and what in err and left == (M1 + "\n").encode(),
         "%s: \"%s\" (exit 2), the master key not read" %
         (" ".join(args[:3]), what),
         err)

# 5: parameters the machine cannot do are refused before the key.
def limit_as():
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))


if SAN:
    # AddressSanitizer's shadow memory alone exceeds any such limit.
    t.skip(1, "an address-space limit under AddressSanitizer")
else:
    rc, out, err, left = run(svc, ["vault", "init", "--key-fd", "3",
                                   "--kdf-n", "4194304", "--user", "carol"],
                             [M1], preexec=limit_as)
    t.ok(rc == 1 and "needs about 4 GiB" in err and "smaller --kdf-n" in
         err and left == (M1 + "\n").encode(), "--kdf-n beyond the memory "
         "allowed: refused before the key is read", err)


def on_pty(args, keys, answer=None, timeout=20):
    """aileron ARGS on a pseudo-terminal (stdin, stdout, stderr and the
    controlling terminal), keys on a pipe; when "deriving the key" shows,
    type ANSWER and a newline.  Returns (status, all the terminal
    shows, whether ANSWER was typed)."""
    r, w = os.pipe()
    os.write(w, "".join(k + "\n" for k in keys).encode())
    os.close(w)
    os.set_inheritable(r, True)
    args = [str(r) if a == "3" and i > 0 and args[i - 1] == "--key-fd"
            else a for i, a in enumerate(args)]
    pid, fd = pty.fork()
    if pid == 0:
        try:
            os.execv(BIN, [BIN] + args + ["-s", svc.state])
        finally:
            os._exit(127)
    os.close(r)
    shown, typed, status = b"", False, None
    deadline = time.time() + timeout
    while time.time() < deadline:
        rl, _, _ = select.select([fd], [], [], 0.1)
        if rl:
            try:
                data = os.read(fd, 4096)
            except OSError:
                data = b""
            shown += data
            if not data:
                break
        if answer is not None and not typed and b"deriving the key" in \
                shown:
            os.write(fd, answer.encode() + b"\n")
            typed = True
        p, st = os.waitpid(pid, os.WNOHANG)
        if p == pid:
            status = st
            try:
                while True:
                    rl, _, _ = select.select([fd], [], [], 0.2)
                    if not rl:
                        break
                    data = os.read(fd, 4096)
                    if not data:
                        break
                    shown += data
            except OSError:
                pass
            break
    while status is None and time.time() < deadline:
        p, st = os.waitpid(pid, os.WNOHANG)
        if p == pid:
            status = st
        else:
            time.sleep(0.05)
    if status is None:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    os.close(fd)
    return status, shown.decode(errors="replace"), typed


st, shown, _ = on_pty(["secret", "rm", "nope", "--key-fd", "3"] + A, [M1])
t.ok("deriving the key (scrypt, N=16384, about 16 MiB)" in shown,
     "on a terminal, the key derivation says what it does", shown)
st, shown, typed = on_pty(["secret", "add", "typed", "--connector",
                           "stripe", "--key-fd", "3"] + A, [M1], TYPED)
t.ok(typed and st is not None and os.WIFEXITED(st) and
     os.WEXITSTATUS(st) == 0 and "credential typed for connector stripe "
     "added" in shown, "a value typed during the derivation is kept", shown)
t.ok(typed and TYPED not in shown, "and it is not echoed", shown)

# 7: a state directory another user owns: say so, and whose it is.
setpriv = shutil.which("setpriv")
if setpriv is None:
    t.skip(1, "no setpriv")
else:
    p = subprocess.run([setpriv, "--reuid", "65534", "--regid", "65534",
                        "--clear-groups", BIN, "secret", "list", "--user",
                        "nobody", "-s", svc.state], capture_output=True,
                       timeout=30)
    err = p.stderr.decode()
    t.ok(p.returncode == 1 and "permission denied" in err and
         "owned by root" in err and "no service is running" not in err,
         "as another user: the state directory is not ours, and whose it "
         "is", err)

# 4: a failed backup leaves nothing in the vault directory.
def leftovers():
    return [f for f in os.listdir(svc.path("vault"))
            if f.startswith("backup-")]


rc, out, err, left = run(svc, ["vault", "backup", "/nonexistent/dir/bk"])
t.ok(rc == 1 and "/nonexistent/dir" in err and leftovers() == [],
     "backup into a missing directory: refused, nothing left behind",
     (err, leftovers()))
tmp = tempfile.mkdtemp(prefix="aileron-bk.")
rc, out, err, left = run(svc, ["vault", "backup",
                               os.path.join(tmp, "x" * 300)])
t.ok(rc == 1 and "cannot move" in err, "backup to a name too long: fails "
     "once vaultd has written it", err)
t.is_(leftovers(), [], "and vaultd's copy is removed")
shutil.rmtree(tmp, ignore_errors=True)

svc.stop()
stale = svc.path("vault/backup-1796557281-00112233aabbccdd")
os.mkdir(stale, 0o700)
with open(os.path.join(stale, "store.db"), "wb") as f:
    f.write(b"\0" * 65536)
# As vaultd leaves one: its user's, the vault directory's owner.
vst = os.stat(svc.path("vault"))
for n in (stale, os.path.join(stale, "store.db")):
    os.chown(n, vst.st_uid, vst.st_gid)
keep = svc.path("vault/backup-notes")
with open(keep, "w") as f:
    f.write("not a backup directory\n")
svc.start()
t.ok(not os.path.exists(stale) and "backup never taken away" in
     svc.log_text(), "a stale backup is removed at the next start",
     leftovers())
t.ok(os.path.exists(keep), "a file that only looks like one is left alone")
rc, out, err, left = run(svc, ["secret", "list"] + A)
t.ok(rc == 0 and "gh2" in out, "the vault still opens", err)
svc.stop()
svc.remove()
t.done()
