#!/usr/bin/env python3
# vault-cli.t: aileron vault and aileron secret against the real service:
# init, add, list, list --json, rotate, rm, passwd, backup, with keys from
# --key-fd; failing cases say what is wrong, exit non-zero and leave the
# store as it was (db5.3_dump -p with the service stopped); no secret on
# disk or in the log.

import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from aileron import TAP, Service, BIN

t = TAP()
if os.geteuid() != 0:
    t.skip_all("needs root: the service drops to _aileron")
if shutil.which("db5.3_dump") is None:
    t.skip_all("no db5.3_dump (db5.3-util)")
t.plan(31)

M1 = "cli test master key one"
M2 = "cli test master key two"
V1 = "lin_api_CLISECRET_0001"
V2 = "lin_api_CLISECRET_0002_rotated"
V3 = "robot:CLISECRET_0003"


def run(svc, args, keys=(), value=None):
    """aileron ARGS, with the keys one per line on the descriptor that
    "--key-fd 3" in ARGS is rewritten to name."""
    r, w = os.pipe()
    os.write(w, "".join(k + "\n" for k in keys).encode())
    os.close(w)
    args = [str(r) if a == "3" and i > 0 and args[i - 1] == "--key-fd"
            else a for i, a in enumerate(args)]
    try:
        p = subprocess.run([BIN] + args + ["-s", svc.state],
                           input=value.encode() if value is not None
                           else b"", capture_output=True, pass_fds=(r,),
                           timeout=60)
    finally:
        os.close(r)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def dump(svc):
    p = subprocess.run(["db5.3_dump", "-p", os.path.join(svc.state, "vault",
                                                        "store.db")],
                       capture_output=True)
    return p.stdout


SRC = os.environ.get("AILERON_SRC", ".")
SRC = os.path.abspath(SRC)
# A credential is refused for a connector the service does not load.
svc = Service(prefork=1, conf='connector "linear" spec "%s/specs/linear.json"'
              '\nconnector "forge" spec "%s/t/proxy/git.json"\n'
              'connector "stripe" spec "%s/specs/stripe.json"\n'
              'connector "slack" spec "%s/specs/slack.json"\n'
              % (SRC, SRC, SRC, SRC))
svc.start()
A = ["--user", "alice"]
rc, out, err = run(svc, ["vault", "init", "--key-fd", "3", "--kdf-n",
                         "16384"] + A, [M1])
t.ok(rc == 0 and "vault created for user alice" in out, "vault init", err)
rc, out, err = run(svc, ["secret", "add", "lin", "--connector", "linear",
                         "--key-fd", "3"] + A, [M1], V1 + "\r\n")
t.ok(rc == 0 and "credential lin for connector linear added" in out,
     "secret add, the value from stdin", err)
rc, out, err = run(svc, ["secret", "add", "gh", "--connector", "forge",
                         "--kind", "basic", "--key-fd", "3"] + A, [M1],
                   V3 + "\n")
t.ok(rc == 0, "secret add --kind basic", err)
rc, out, err = run(svc, ["secret", "list"] + A)
t.ok(rc == 0 and "lin" in out and "linear" in out and "basic" in out and
     "CLISECRET" not in out, "secret list: a table without values", out)
rc, out, err = run(svc, ["secret", "list", "--json"] + A)
try:
    j = json.loads(out)
except ValueError:
    j = []
t.ok(rc == 0 and sorted(e["name"] for e in j) == ["gh", "lin"] and
     all(set(e) >= {"name", "connector", "kind", "created", "rotated"}
         for e in j), "secret list --json", out)
t.ok([(e["kind"], e.get("param")) for e in j if e["name"] == "lin"] ==
     [("header", "authorization")], "the configured spec decided the kind "
     "of the linear credential", out)

# Failing cases, each a sentence and a non-zero exit; the store unchanged.
svc.stop()
before = dump(svc)
svc.start()
fails = [
    (["vault", "init", "--key-fd", "3"] + A, [M1], None,
     r"user alice already has a vault"),
    (["secret", "add", "lin2", "--connector", "linear", "--key-fd", "3"] + A,
     ["wrong key"], "x", r"wrong master key"),
    (["secret", "add", "lin2", "--connector", "linear", "--key-fd", "3"] + A,
     [M1], "x", r"credential lin is in the way .*use --replace"),
    (["secret", "rm", "nope", "--key-fd", "3"] + A, [M1], None,
     r"no credential named nope"),
    (["secret", "rotate", "nope", "--key-fd", "3"] + A, [M1], "y",
     r"no credential named nope"),
    (["secret", "list", "--user", "nobody"], [], None,
     r"no vault for user nobody"),
    (["secret", "add", "x", "--connector", "linear", "--key-fd", "3"] + A,
     [M1], "a\rb", r"holds a CR, LF or NUL"),
    (["secret", "add", "x", "--connector", "linear", "--key-fd", "3"] + A,
     [M1], "a\nb\n", r"holds a CR, LF or NUL"),
    (["secret", "add", "l3", "--connector", "linear", "--kind", "bearer",
      "--key-fd", "3"] + A, [M1], "x", r"connector linear injects header "
     r"authorization \(its spec says so\); drop --kind"),
    (["vault", "passwd", "--key-fd", "3"] + A, ["wrong key", M2], None,
     r"wrong master key"),
]
for args, keys, value, pattern in fails:
    rc, out, err = run(svc, args, keys, value)
    t.ok(rc == 1 and __import__("re").search(pattern, err),
         "%s: fails, \"%s\"" % (" ".join(args[:3]), pattern), err)
svc.stop()
t.ok(dump(svc) == before and before, "the store is unchanged by all of "
     "them (db5.3_dump -p)")
svc.start()

rc, out, err = run(svc, ["secret", "rotate", "lin", "--key-fd", "3"] + A,
                   [M1], V2)
t.ok(rc == 0 and "rotated" in out, "secret rotate", err)
rc, out, err = run(svc, ["secret", "add", "lin", "--connector", "linear",
                         "--replace", "--key-fd", "3"] + A, [M1], V2)
t.ok(rc == 0, "secret add --replace", err)
rc, out, err = run(svc, ["secret", "add", "long", "--connector", "stripe",
                         "--key-fd", "3"] + A, [M1], "L" * 8192 + "\r\n")
t.ok(rc == 0, "a value of 8192 bytes and a CRLF is accepted", err)
rc, out, err = run(svc, ["secret", "add", "long2", "--connector",
                         "slack", "--key-fd", "3"] + A, [M1],
                   "L" * 8193 + "\n")
t.ok(rc == 1 and "longer than 8192 bytes" in err,
     "a value of 8193 bytes is refused", err)
rc, out, err = run(svc, ["vault", "passwd", "--key-fd", "3", "--kdf-n",
                         "16384"] + A, [M1, M2])
t.ok(rc == 0 and "master key changed" in out, "vault passwd", err)
rc, out, err = run(svc, ["secret", "rm", "gh", "--key-fd", "3"] + A, [M1])
t.ok(rc == 1 and "wrong master key" in err, "the old key no longer works",
     err)
rc, out, err = run(svc, ["secret", "rm", "gh", "--key-fd", "3"] + A, [M2])
t.ok(rc == 0 and "removed" in out, "secret rm with the new key", err)

bdir = tempfile.mkdtemp(prefix="aileron-bk.")
os.rmdir(bdir)
rc, out, err = run(svc, ["vault", "backup", bdir])
t.ok(rc == 0 and os.path.isfile(os.path.join(bdir, "store.db")),
     "vault backup writes a copy of the environment", err)
rc2, _, err2 = run(svc, ["vault", "backup", bdir])
t.ok(rc2 == 1 and "exists" in err2, "backup to an existing directory: "
     "refused", err2)
leftover = [f for f in os.listdir(svc.path("vault")) if
            f.startswith("backup-")]
t.is_(leftover, [], "nothing is left in the environment directory")
svc.stop()
live = dump(svc)
subprocess.run(["db5.3_recover", "-c", "-h", bdir], capture_output=True)
p = subprocess.run(["db5.3_dump", "-p", os.path.join(bdir, "store.db")],
                   capture_output=True)
t.ok(p.returncode == 0 and p.stdout == live,
     "the backup, recovered, holds the same records as the live store")

# Restore as aileron-vault(5) says, and the restored vault opens.
shutil.rmtree(svc.path("vault"))
shutil.copytree(bdir, svc.path("vault"))
pw = __import__("pwd").getpwnam("_aileron")
for root, dirs, files in os.walk(svc.path("vault")):
    for n in [root] + [os.path.join(root, f) for f in files]:
        os.chown(n, pw.pw_uid, pw.pw_gid)
os.chmod(svc.path("vault"), 0o700)
svc.start()
rc, out, err = run(svc, ["secret", "rotate", "lin", "--key-fd", "3"] + A,
                   [M2], V2)
t.ok(rc == 0, "after a restore, the vault opens with the current key", err)
svc.stop()

rc, out, err = run(svc, ["secret", "list"] + A)
t.ok(rc == 1 and "no service is running" in err and "aileron service" in
     err, "with no service: says so and how to start one", err)

needles = []
for v in (M1, M2, V1, V2, V3):
    b = v.encode()
    needles += [b, base64.b64encode(b), b.hex().encode()]
found = []
for top in (svc.state, bdir):
    for root, _, files in os.walk(top):
        for fn in files:
            path = os.path.join(root, fn)
            if os.path.isfile(path) and not os.path.islink(path):
                with open(path, "rb") as f:
                    data = f.read()
                found += [path for n in needles if n in data]
t.ok(not found, "no value or master key, raw, base64 or hex, in the state "
     "directory, the backup or the log", sorted(set(found)))
shutil.rmtree(bdir, ignore_errors=True)
svc.remove()
t.done()
