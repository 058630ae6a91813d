#!/usr/bin/env python3
# vault-vaultd.t: vaultd as a process, driven by a harness that plays the
# master, control and workers over socketpairs: sessions, INJECT of every
# kind, refusals, malformed frames from the CLI and from a worker, rate
# limiting of wrong keys (which a crowd of other users cannot wipe), a
# long list sent whole, a worker that never reads its replies cut off,
# cached keys dropped after rotate and rm, no secret on disk or in the
# log, and locked, non-dumpable memory.

import base64
import json
import os
import shutil
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "helpers"))
from aileron import TAP, wait_for
import vaultd_harness as H

t = TAP()
if os.geteuid() != 0:
    t.skip_all("needs root: vaultd is tested as it runs, chrooted")
try:
    import pwd
    pwd.getpwnam("_aileron")
except KeyError:
    t.skip_all("no _aileron user; make check creates it (etc/adduser.sh)")
t.plan(53)

MASTER = "vaultd test master key 7f3a"
SECRETS = {
    "linear": ("lin", "bearer", "", "lin_api_SECRETVALUE_0001"),
    "basicsvc": ("bas", "basic", "", "robot:pa55_SECRETVALUE_0002"),
    "hdrsvc": ("hdr", "header", "X-Api-Key", "hdr_SECRETVALUE_0003"),
    "qsvc": ("qry", "query", "api_key", "q v&l=SECRETVALUE/0004+"),
}
ROTATED = "lin_api_SECRETVALUE_0005_rotated"
BIG = "big_SECRETVALUE_0006_" + "B" * 8000
SESSION = "0123456789abcdef0123456789abcdef"
VAULTD_LIMIT_USERS = 64         # vaultd/vaultd.h
OTHER = "fedcba9876543210fedcba9876543210"

vd = H.Vaultd([
    ("linear", "bearer", "", ["api.linear.app"]),
    ("basicsvc", "basic", "", ["basic.example"]),
    ("hdrsvc", "header", "X-Api-Key", ["hdr.example"]),
    ("qsvc", "query", "api_key", ["q.example"]),
    ("nocred", "bearer", "", ["nocred.example"]),
    ("bigsvc", "header", "X-Big", ["big.example"]),
])
try:
    ack = vd.start()
    t.ok(ack is not None and ack[0] == "CONF_ACK",
         "vaultd takes its configuration and acknowledges", vd.log_text())

    # A user and four credentials, over vault.sock as the CLI would.
    salt = os.urandom(16)
    ukey = H.user_key(MASTER, salt)
    r = vd.request("init", user="alice", key=ukey, salt=salt, n=16384, r=8,
                   p=1)
    t.is_(r, (0, "{}"), "vault init for alice")
    r = vd.request("init", user="alice", key=ukey, salt=salt, n=16384, r=8,
                   p=1)
    t.ok(r is not None and r[0] != 0 and "already has a vault" in r[1],
         "a second init is refused, by name", r)
    for conn, (name, kind, param, value) in SECRETS.items():
        r = vd.request("add", user="alice", key=ukey, name=name,
                       connector=conn, kind=kind, param=param,
                       value=value.encode())
        t.is_(r, (0, "{}"), "add a %s credential" % kind)

    # Sessions come from control; workers are bound by control.
    t.is_(vd.session("BEGIN", SESSION, "alice"), (0, ""),
          "control begins a session for alice")
    vd.worker(5001)
    vd.worker(5002)
    vd.worker(5003)
    r = vd.inject(5001, "linear", "api.linear.app")
    t.ok(r and r[0] != 0 and "serves no session" in r[1],
         "INJECT from a worker with no session: refused", r)
    t.is_(vd.session("WORKER", SESSION, worker=5001), (0, ""),
          "control binds worker 5001 to the session")
    r = vd.inject(5001, "linear", "api.linear.app")
    t.ok(r and r[0] != 0 and "no user key" in r[1],
         "INJECT before the user key arrived: refused", r)

    # The user key for the session, from the CLI.
    bad = H.user_key("not the master key", salt)
    r = vd.request("session_key", user="alice", key=bad, session=SESSION)
    t.ok(r and r[0] != 0 and r[1] == "wrong master key",
         "a wrong master key: \"wrong master key\"", r)
    r = vd.request("session_key", user="bob", key=ukey, session=SESSION)
    t.ok(r and r[0] != 0 and "another user" in r[1],
         "a key for another user's session: refused", r)
    r = vd.request("session_key", user="alice", key=ukey, session=OTHER)
    t.ok(r and r[0] != 0 and "no such session" in r[1],
         "a key for a session control did not begin: refused", r)
    r = vd.request("session_key", user="alice", key=ukey, session=SESSION)
    t.is_(r, (0, "{}"), "the right key is delivered for the session")

    # Every injection kind, end to end.
    want = {
        "linear": "Authorization: Bearer " + SECRETS["linear"][3],
        "basicsvc": "Authorization: Basic " +
        base64.b64encode(SECRETS["basicsvc"][3].encode()).decode(),
        "hdrsvc": "X-Api-Key: " + SECRETS["hdrsvc"][3],
        "qsvc": "api_key=" + urllib.parse.quote(SECRETS["qsvc"][3],
                                                safe="-._~"),
    }
    hosts = {"linear": "api.linear.app", "basicsvc": "basic.example",
             "hdrsvc": "HDR.example", "qsvc": "q.example"}
    for conn in want:
        r = vd.inject(5001, conn, hosts[conn])
        t.ok(r == (0, want[conn]), "INJECT %s: the %s line" %
             (conn, SECRETS[conn][1]))

    # Refusals: host, connector, credential, a claimed session.
    r = vd.inject(5001, "linear", "evil.example")
    t.ok(r and r[0] != 0 and "does not declare host evil.example" in r[1],
         "a host the connector does not declare: refused", r)
    r = vd.inject(5001, "nocred", "nocred.example")
    t.ok(r and r[0] != 0 and "no credential for connector nocred" in r[1],
         "a connector without a credential: refused", r)
    r = vd.inject(5001, "gitlab", "gitlab.com")
    t.ok(r and r[0] != 0 and "unknown connector gitlab" in r[1],
         "an unknown connector: refused", r)
    r = vd.inject(5002, "linear", "api.linear.app", claim=SESSION)
    t.ok(r and r[0] != 0 and "serves no session" in r[1],
         "a worker claiming another's session id is ignored: refused", r)
    t.ok(wait_for(lambda: "claims session %s; ignored" % SESSION in
                  vd.log_text(), 5), "and the claim is logged")

    # Malformed frames: that channel goes, vaultd stays.
    w3 = vd.workers[5003]
    w3.send_raw(H.HDR.pack(H.T["VAULT_INJECT"], 0, 3, 0, 0) + b"abc")
    t.ok(w3.closed(), "a malformed INJECT closes that worker's channel")
    t.is_(vd.master.recv(5), ("WORKER_BAD", 5003, b""),
          "and vaultd asks the master to kill that worker")
    c = vd.connect()
    c.send("VAULT_REQUEST", b"\x01" * 10)
    t.ok(c.closed(), "a malformed request closes that vault.sock "
         "connection")
    c = vd.connect()
    c.send("VAULT_REQUEST", b"\xff" * H.REQUEST.size)
    t.ok(c.closed(), "a request with unterminated fields: closed too")
    r = vd.inject(5001, "linear", "api.linear.app")
    t.ok(r == (0, want["linear"]), "vaultd still serves the other worker")
    r = vd.request("list", user="alice")
    t.ok(r and r[0] == 0 and '"name":"lin"' in r[1] and
         "SECRETVALUE" not in r[1], "and the CLI: list shows metadata only")
    log = vd.log_text()
    t.ok("worker 5003: malformed" in log or "bad frame" in log,
         "the malformed worker frame is logged")
    t.ok("malformed request; closing the connection" in log,
         "the malformed CLI request is logged")

    # Rotate: cached vault keys go; the next INJECT has the new value.
    r = vd.request("rotate", user="alice", key=ukey, name="lin",
                   value=ROTATED.encode())
    t.is_(r, (0, "{}"), "rotate the bearer credential")
    t.ok(wait_for(lambda: "secret rotate lin for user alice; 1 cached "
                  "vault keys dropped" in vd.log_text(), 5),
         "rotate drops the session's cached vault key")
    r = vd.inject(5001, "linear", "api.linear.app")
    t.ok(r == (0, "Authorization: Bearer " + ROTATED),
         "INJECT after rotate uses the new value")
    r = vd.request("remove", user="alice", key=ukey, name="lin")
    t.is_(r, (0, "{}"), "remove it")
    r = vd.inject(5001, "linear", "api.linear.app")
    t.ok(r and r[0] != 0 and "no credential for connector linear" in r[1],
         "INJECT after rm: refused")
    r = vd.request("remove", user="alice", key=ukey, name="lin")
    t.ok(r and r[0] != 0 and r[1] == "no credential named lin",
         "rm of an unknown credential names it", r)
    r = vd.request("list", user="nobody")
    t.ok(r and r[0] != 0 and "no vault for user nobody" in r[1],
         "an unknown vault user is named", r)

    # Wrong keys are rate-limited, then forgiven after the delay.
    for i in range(3):
        vd.request("session_key", user="alice", key=bad, session=SESSION)
    r = vd.request("session_key", user="alice", key=ukey, session=SESSION)
    t.ok(r and r[0] != 0 and "too many wrong master keys" in r[1],
         "after 3 wrong keys even the right one waits", r)
    t.ok("3 in a row" in vd.log_text(), "the wrong keys are logged")
    time.sleep(1.5)
    r = vd.request("session_key", user="alice", key=ukey, session=SESSION)
    t.is_(r, (0, "{}"), "after the delay the right key works")

    # A list longer than a sentence buffer arrives whole, as JSON.
    for i in range(12):
        vd.request("add", user="alice", key=ukey, name="many%02d" % i,
                   connector="many%02d" % i, value=b"manyvalue")
    r = vd.request("list", user="alice")
    try:
        names = [e["name"] for e in json.loads(r[1])]
    except (TypeError, ValueError, KeyError):
        names = []
    t.ok(r and r[0] == 0 and len(r[1]) > 1024 and
         len([n for n in names if n.startswith("many")]) == 12,
         "a list of %d bytes arrives whole and parses" %
         (len(r[1]) if r else 0))

    # A worker that asks and never reads is cut off, not fed until
    # vaultd runs out of memory.
    r = vd.request("add", user="alice", key=ukey, name="big",
                   connector="bigsvc", kind="header", param="X-Big",
                   value=BIG.encode())
    w4 = vd.worker(5004)
    vd.session("WORKER", SESSION, worker=5004)
    w4.send_raw(b"".join(
        H.HDR.pack(H.T["VAULT_INJECT"], 0, H.INJECT.size, 0, 0) +
        H.INJECT.pack(i, b"", b"bigsvc", b"big.example")
        for i in range(200)))
    # Not a byte read until vaultd has given up: closed() reads.
    t.ok(wait_for(lambda: "worker 5004: does not read its replies" in
                  vd.log_text(), 10) and w4.closed(),
         "a worker that never reads its replies loses its channel")
    t.is_(vd.master.recv(5), ("WORKER_BAD", 5004, b""),
          "and vaultd asks the master to kill it")

    # Wrong keys for a crowd of other users do not wipe alice's count.
    for i in range(3):
        vd.request("session_key", user="alice", key=bad, session=SESSION)
    for i in range(VAULTD_LIMIT_USERS + 6):
        u = "crowd%02d" % i
        vd.request("init", user=u, key=os.urandom(32), salt=os.urandom(16),
                   n=16384, r=8, p=1)
        vd.request("remove", user=u, key=os.urandom(32), name="x")
    time.sleep(1.5)
    vd.request("session_key", user="alice", key=bad, session=SESSION)
    r = vd.request("session_key", user="alice", key=ukey, session=SESSION)
    t.ok(r and r[0] != 0 and "too many wrong master keys" in r[1],
         "after wrong keys for %d other users, alice's fourth wrong key "
         "still counts" % (VAULTD_LIMIT_USERS + 6), r)

    # /proc: locked memory, the secure heap not in dumps, not dumpable.
    st = {}
    with open("/proc/%d/status" % vd.pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            st[k] = v.strip()
    t.ok(int(st.get("VmLck", "0 kB").split()[0]) > 0,
         "vaultd's VmLck is not zero (%s)" % st.get("VmLck"))
    dd = False
    with open("/proc/%d/smaps" % vd.pid) as f:
        for line in f:
            if line.startswith("VmFlags:") and " dd" in line and \
                    " lo" in line:
                dd = True
    t.ok(dd, "its locked secure heap is marked dd (no dump) in smaps")
    t.is_(os.stat("/proc/%d/mem" % vd.pid).st_uid, 0,
          "vaultd is not dumpable (/proc/PID/mem belongs to root)")
    m = [l for l in vd.log_text().splitlines() if "secure heap:" in l]
    if m:
        t.diag("per session: " + m[0].split("(")[-1])

    # Ending the session zeroes it; its worker serves nothing now.
    t.is_(vd.session("END", SESSION), (0, ""), "control ends the session")
    r = vd.inject(5001, "hdrsvc", "hdr.example")
    t.ok(r and r[0] != 0 and "serves no session" in r[1],
         "INJECT after the session ended: refused")

    m = [l for l in vd.log_text().splitlines() if "secure heap freed" in l]
    if m:
        t.diag("session end: " + m[0].split("(")[-1])
    t.is_(vd.shutdown(), 0, "vaultd shuts down cleanly")

    # No secret, master key or user key on disk or in the log.
    values = [v[3] for v in SECRETS.values()] + [ROTATED, BIG, MASTER]
    needles = []
    for v in values:
        b = v.encode()
        needles += [b, base64.b64encode(b), b.hex().encode()]
    needles += [ukey, ukey.hex().encode(), base64.b64encode(ukey)]
    found = []
    for root, _, files in os.walk(vd.state):
        for fn in files:
            p = os.path.join(root, fn)
            if os.path.islink(p) or not os.path.isfile(p):
                continue
            with open(p, "rb") as f:
                data = f.read()
            found += [p for n in needles if n in data]
    t.ok(not found, "no secret, master key or user key, raw, base64 or "
         "hex, in the state directory or the log", sorted(set(found)))
finally:
    vd.kill()
    shutil.rmtree(vd.state, ignore_errors=True)
t.done()
