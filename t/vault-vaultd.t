#!/usr/bin/env python3
# vault-vaultd.t: vaultd as a process, driven by a harness that plays the
# master, control and workers over socketpairs: sessions, control's
# release of a connector to a worker (INJECT gives nothing else; a binding
# only for a worker whose channel vaultd holds, and a new binding takes
# the releases back), INJECT of every
# kind, refusals, malformed frames from the CLI and from a worker, rate
# limiting of wrong keys (which a crowd of other users cannot wipe), a
# long list sent whole, a worker that never reads its replies cut off,
# no secret on disk or in the log, and locked, non-dumpable memory.  Then,
# on a second vaultd, shared vaults over vault.sock: create, add into one,
# grant and revoke with live sessions of every member, and malformed
# shared-vault requests.  Throughout, the vault key cache's hits, misses
# and drops, from vaultd's debug log, show each invalidation: rotate,
# remove, passwd, session end, grant, revoke and add.  Last, on a third
# vaultd, session CAs: the CA in SESSION_BEGIN's ack, LEAF (refused to an
# unbound worker, verified with openssl, cached per host, per session),
# upstream tickets that never cross sessions, SESSION_END forgetting
# them, and no private key in the log.

import base64
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "helpers"))
from aileron import TAP, wait_for
import vaultd_harness as H


def leaks(state, needles):
    """The files under state that hold any of needles."""
    found = []
    for root, _, files in os.walk(state):
        for fn in files:
            p = os.path.join(root, fn)
            if os.path.islink(p) or not os.path.isfile(p):
                continue
            with open(p, "rb") as f:
                data = f.read()
            found += [p for n in needles if n in data]
    return found


t = TAP()
if os.geteuid() != 0:
    t.skip_all("needs root: vaultd is tested as it runs, chrooted")
try:
    import pwd
    pwd.getpwnam("_aileron")
except KeyError:
    t.skip_all("no _aileron user; make check creates it (etc/adduser.sh)")
t.plan(80 + 56 + 29 + 3)

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
    ("linear", "bearer", "", ["api.linear.app", "uploads.linear.app"]),
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
    r = vd.session("BEGIN", SESSION, "alice")
    t.ok(r and r[0] == 0 and r[1].startswith("-----BEGIN CERTIFICATE"),
         "control begins a session for alice; the ack carries its CA", r)
    vd.worker(5001)
    vd.worker(5002)
    vd.worker(5003)
    r = vd.inject(5001, "linear", "api.linear.app")
    t.ok(r and r[0] != 0 and "serves no session" in r[1],
         "INJECT from a worker with no session: refused", r)
    r = vd.session("WORKER", SESSION, worker=5999)
    t.ok(r and r[0] != 0 and "no such worker" in r[1],
         "SESSION_WORKER for a pid with no worker channel: refused", r)
    r = vd.release(5999, "linear", "api.linear.app")
    t.ok(r and r[0] != 0 and "no such worker" in r[1],
         "a release to a pid with no worker channel: refused", r)
    r = vd.release(5001, "linear", "api.linear.app")
    t.ok(r and r[0] != 0 and "serves no session" in r[1],
         "a release to a worker bound to no session: refused", r)
    t.is_(vd.session("WORKER", SESSION, worker=5001), (0, ""),
          "control binds worker 5001 to the session")
    r = vd.inject(5001, "linear", "api.linear.app")
    t.ok(r and r[0] != 0 and "control allowed this worker no action of "
         "connector linear on api.linear.app" in r[1],
         "INJECT of a connector control released to no one: refused", r)
    t.ok(wait_for(lambda: "worker 5001: inject refused: control allowed "
                  "this worker no action of connector linear" in
                  vd.log_text(), 5), "and logged, naming the worker")
    t.is_(vd.release(5001, "linear", "api.linear.app"), (0, ""),
          "control releases connector linear for api.linear.app to it")
    r = vd.inject(5001, "linear", "api.linear.app")
    t.ok(r and r[0] != 0 and "no user key" in r[1],
         "INJECT before the user key arrived: refused", r)

    # A binding that arrives after the worker's channel closed is
    # refused: a worker the master forks later with that pid must not
    # inherit it.
    vd.worker(5005).s.close()
    time.sleep(0.3)
    r = vd.session("WORKER", SESSION, worker=5005)
    t.ok(r and r[0] != 0 and "no such worker" in r[1],
         "SESSION_WORKER after the worker's channel closed: refused", r)
    vd.worker_gone(5005)
    vd.worker(5005)
    r = vd.inject(5005, "linear", "api.linear.app")
    t.ok(r and r[0] != 0 and "serves no session" in r[1],
         "a new worker with that pid serves no session", r)
    # A worker's channel the master sent behind others (each frame with a
    # descriptor is read on its own) is heard before the binding is
    # refused.
    for pid in range(5101, 5109):
        vd.worker(pid)
    t.is_(vd.session("WORKER", SESSION, worker=5108), (0, ""),
          "SESSION_WORKER right after the master's WORKER_NEW, queued "
          "behind seven others: bound")

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
    # Released as control would, for the host the worker named; INJECT
    # names it in capitals for hdrsvc: hosts compare case aside.
    t.ok(all(vd.release(5001, conn, hosts[conn].lower()) == (0, "")
             for conn in want), "control releases the four connectors")
    for conn in want:
        r = vd.inject(5001, conn, hosts[conn])
        t.ok(r == (0, want[conn]), "INJECT %s: the %s line" %
             (conn, SECRETS[conn][1]))
    # One vault, four credentials: the first INJECT unwraps, the rest hit.
    t.is_(vd.cache(SESSION), (3, 1, 0), "the vault key cache: one miss "
          "(the first unwrap), then three hits (hits, misses, drops)")

    # Refusals: host, connector, credential, a claimed session.
    r = vd.inject(5001, "linear", "evil.example")
    t.ok(r and r[0] != 0 and "does not declare host evil.example" in r[1],
         "a host the connector does not declare: refused", r)
    r = vd.inject(5001, "linear", "uploads.linear.app")
    t.ok(r and r[0] != 0 and "no action of connector linear on "
         "uploads.linear.app" in r[1], "a host the connector declares "
         "but control did not release it for: refused", r)
    r = vd.inject(5001, "nocred", "nocred.example")
    t.ok(r and r[0] != 0 and "no action of connector nocred" in r[1],
         "a connector control did not release: refused", r)
    vd.release(5001, "nocred", "nocred.example")
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
    # A worker that asks again and again for what it may not have: each
    # answered, its first refusals logged, then one line says no more are.
    rs = [vd.inject(5001, "gitlab", "gitlab.com") for _ in range(40)]
    t.ok(all(r and r[0] != 0 for r in rs) and
         wait_for(lambda: "worker 5001: no more of its refusals are "
                  "logged" in vd.log_text(), 5) and
         vd.log_text().count("worker 5001: inject refused: unknown "
                             "connector gitlab") < 32,
         "40 refusals more: each answered, the log bounded")

    # Malformed frames: that channel goes, vaultd stays.
    w3 = vd.workers[5003]
    w3.send_raw(H.HDR.pack(H.T["VAULT_INJECT"], 0, 3, 0, 0, 0) + b"abc")
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

    # A new binding takes back what was released to the old one.
    t.is_(vd.session("WORKER", SESSION, worker=5001), (0, ""),
          "control binds worker 5001 again")
    r = vd.inject(5001, "linear", "api.linear.app")
    t.ok(r and r[0] != 0 and "no action of connector linear" in r[1],
         "INJECT after a new binding: refused until control releases "
         "again", r)
    vd.release(5001, "linear", "api.linear.app")
    vd.release(5001, "hdrsvc", "hdr.example")
    r = vd.inject(5001, "linear", "api.linear.app")
    t.ok(r == (0, want["linear"]), "and given once it has")

    # A worker holds a bounded number of releases.
    vd.worker(5006)
    vd.session("WORKER", SESSION, worker=5006)
    n = H.C["MSG_VAULT_RELEASE_MAX"]
    rs = [vd.release(5006, "conn%02d" % i, "h.example") for i in range(n)]
    r = vd.release(5006, "one-more", "h.example")
    t.ok(all(x == (0, "") for x in rs) and r and r[0] != 0 and
         "too many releases" in r[1],
         "%d releases to one worker, and the next is refused" % n, r)

    # Rotate: cached vault keys go; the next INJECT has the new value.
    hits, misses, drops = vd.cache(SESSION)
    r = vd.request("rotate", user="alice", key=ukey, name="lin",
                   value=ROTATED.encode())
    t.is_(r, (0, "{}"), "rotate the bearer credential")
    t.ok(wait_for(lambda: "secret rotate lin for user alice; 1 cached "
                  "vault keys dropped" in vd.log_text(), 5),
         "rotate drops the session's cached vault key")
    t.ok("session %s: vault key cache: 1 dropped on rotate" % SESSION in
         vd.log_text() and vd.cache(SESSION) == (hits, misses, drops + 1),
         "the cache counts the drop on rotate", vd.cache(SESSION))
    r = vd.inject(5001, "linear", "api.linear.app")
    t.ok(r == (0, "Authorization: Bearer " + ROTATED),
         "INJECT after rotate uses the new value")
    t.is_(vd.cache(SESSION), (hits, misses + 1, drops + 1),
          "and unwrapped the vault key again: a miss, not a hit")

    # passwd: the user's sessions keep working under the new key, their
    # cached vault keys (unwrapped with the old one) go; and back again.
    salt2 = os.urandom(16)
    ukey2 = H.user_key("the second master key of alice", salt2)
    for old, new, s2, what in ((ukey, ukey2, salt2, "to a new key"),
                               (ukey2, ukey, salt, "back")):
        vd.inject(5001, "hdrsvc", "hdr.example")
        hits, misses, drops = vd.cache(SESSION)
        r = vd.request("passwd", user="alice", key=old, new_key=new,
                       salt=s2, n=16384, r=8, p=1)
        t.is_(r, (0, "{}"), "passwd %s" % what)
        t.ok("session %s: vault key cache: 1 dropped on passwd" % SESSION
             in vd.log_text() and
             vd.cache(SESSION) == (hits, misses, drops + 1),
             "passwd %s drops the session's cached vault key" % what,
             vd.cache(SESSION))
        r = vd.inject(5001, "hdrsvc", "hdr.example")
        t.ok(r == (0, want["hdrsvc"]) and
             vd.cache(SESSION) == (hits, misses + 1, drops + 1),
             "INJECT after passwd %s unwraps under the session's new key"
             % what, (r, vd.cache(SESSION)))

    r = vd.request("remove", user="alice", key=ukey, name="lin")
    t.is_(r, (0, "{}"), "remove it")
    t.ok("session %s: vault key cache: 1 dropped on remove" % SESSION in
         vd.log_text(), "remove drops the cached vault key too")
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
    vd.release(5004, "bigsvc", "big.example")
    w4.send_raw(b"".join(
        H.HDR.pack(H.T["VAULT_INJECT"], 0, H.INJECT.size, i, 0, 0) +
        H.INJECT.pack(b"", b"bigsvc", b"big.example")
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
    hits, misses, drops = vd.cache(SESSION)
    t.is_(vd.session("END", SESSION), (0, ""), "control ends the session")
    t.ok(re.search(r"session %s: vault key cache: 1 dropped on session "
                   r"end \(hits %d, misses %d, drops %d\)" %
                   (SESSION, hits, misses, drops + 1), vd.log_text()),
         "its cached vault key is dropped (zeroed) with it, and counted")
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
    found = leaks(vd.state, needles)
    t.ok(not found, "no secret, master key or user key, raw, base64 or "
         "hex, in the state directory or the log", sorted(set(found)))
finally:
    vd.kill()
    shutil.rmtree(vd.state, ignore_errors=True)

# Shared vaults.  alice, bob and carol; alice and bob signed in (a session,
# its user key delivered, a worker bound), carol not until later.
TEAM_VALUE = "team_SECRETVALUE_0007"
SIDS = {"alice": "a1" * 16, "bob": "b2" * 16, "carol": "c3" * 16}
PIDS = {"alice": 6001, "bob": 6002, "carol": 6003}
TEAM_LINE = "Authorization: Bearer " + TEAM_VALUE
NEED_CAROL = ("carol has no live session: their key is needed to re-wrap "
              "the vault key; revoke when every remaining member is signed "
              "in")


def signed_in(vd, user, key):
    """control begins a session, binds a worker and releases linear to
    it; the CLI sends the key."""
    r = vd.session("BEGIN", SIDS[user], user)
    return (r is not None and r[0] == 0 and
            (vd.worker(PIDS[user]) is not None) and
            vd.session("WORKER", SIDS[user], worker=PIDS[user]) == (0, "")
            and vd.release(PIDS[user], "linear", "api.linear.app") ==
            (0, "")
            and vd.request("session_key", user=user, key=key,
                           session=SIDS[user]) == (0, "{}"))


def refused(r, text):
    return r is not None and r[0] != 0 and text in r[1]


def closes(vd, payload):
    """Whether vaultd closes the vault.sock connection this came on."""
    c = vd.connect()
    c.send("VAULT_REQUEST", payload)
    return c.closed()


def overwrite(buf, off, data):
    return buf[:off] + data + buf[off + len(data):]


OFF_MEMBER = H.REQUEST.size - 72        # struct msg_vault_request
OFF_VAULT = OFF_MEMBER - 36
OFF_ROLE = OFF_VAULT - 4

vd = H.Vaultd([("linear", "bearer", "", ["api.linear.app"])])
try:
    ack = vd.start()
    t.ok(ack is not None and ack[0] == "CONF_ACK",
         "a second vaultd, for shared vaults, acknowledges", vd.log_text())
    keys, masters = {}, {}
    ok = True
    for u in ("alice", "bob", "carol"):
        salt = os.urandom(16)
        masters[u] = "master key of %s 91c2" % u
        keys[u] = H.user_key(masters[u], salt)
        ok = ok and vd.request("init", user=u, key=keys[u], salt=salt,
                               n=16384, r=8, p=1) == (0, "{}")
    t.ok(ok, "vault init for alice, bob and carol")
    t.ok(signed_in(vd, "alice", keys["alice"]) and
         signed_in(vd, "bob", keys["bob"]),
         "alice and bob each have a live session and a worker bound to it")

    # Create; add into the shared vault; list it.
    r = vd.request("shared_create", user="alice", key=keys["alice"],
                   name="team")
    try:
        vid = json.loads(r[1])["vault_id"]
    except (TypeError, ValueError, KeyError):
        vid = ""
    t.ok(r and r[0] == 0 and re.fullmatch("[0-9a-f]{32}", vid),
         "alice creates shared vault team: JSON {vault_id}", r)
    t.ok(wait_for(lambda: "user alice created shared vault %s (team)" % vid
                  in vd.log_text(), 5), "the creation is logged")
    r = vd.request("add", user="alice", key=keys["alice"], vault=vid,
                   name="teamlin", connector="linear",
                   value=TEAM_VALUE.encode())
    t.is_(r, (0, "{}"), "alice adds a credential for linear into it")
    t.ok(wait_for(lambda: "user alice added credential teamlin (connector "
                  "linear) in vault %s" % vid in vd.log_text(), 5),
         "the add is logged with the vault")
    r = vd.request("list", user="alice", vault=vid)
    try:
        lst = json.loads(r[1])
    except (TypeError, ValueError):
        lst = []
    t.ok(r and r[0] == 0 and [(e["name"], e["vault"]) for e in lst] ==
         [("teamlin", vid)] and "SECRETVALUE" not in r[1],
         "a list of the shared vault shows that credential only", r)
    r = vd.inject(PIDS["bob"], "linear", "api.linear.app")
    t.ok(refused(r, "user bob has no credential for connector linear"),
         "before a grant bob's worker gets nothing", r)

    # Grant: refused with a wrong member key, a bad role, a non-owner.
    r = vd.request("grant", user="alice", key=keys["alice"], vault=vid,
                   member="bob", member_key=keys["carol"], role="reader")
    t.ok(refused(r, "wrong master key for user bob"),
         "a grant with a wrong member key is refused, naming the member", r)
    t.ok(refused(vd.inject(PIDS["bob"], "linear", "api.linear.app"),
                 "no credential"), "and bob still gets nothing")
    # Wrong member keys are the granter's: however many, the member is
    # not locked out of their own vault.
    for _ in range(4):
        vd.request("grant", user="alice", key=keys["alice"], vault=vid,
                   member="bob", member_key=keys["carol"], role="reader")
    r = vd.request("remove", user="bob", key=keys["bob"],
                   name="no-such-credential")
    t.ok(r and r[0] != 0 and "too many wrong" not in r[1],
         "after five grants with a wrong key for bob, bob is not locked "
         "out of his own vault", r)
    r = vd.request("grant", user="alice", key=keys["alice"], vault=vid,
                   member="bob", member_key=keys["bob"], role=7)
    t.ok(refused(r, "unknown role"), "a grant of an unknown role: refused",
         r)
    r = vd.request("grant", user="bob", key=keys["bob"], vault=vid,
                   member="carol", member_key=keys["carol"])
    t.ok(refused(r, "user bob is not a member of vault " + vid),
         "a grant by a non-member: refused, by name", r)
    r = vd.request("grant", user="alice", key=keys["alice"], vault=vid,
                   member="bob", member_key=keys["bob"], role="reader")
    t.is_(r, (0, "{}"), "alice grants bob the reader role")
    t.ok(wait_for(lambda: re.search(
        r"user alice granted bob the reader role in vault %s; \d+ cached "
        "vault keys dropped" % vid, vd.log_text()), 5), "the grant is logged")
    t.ok("session %s: vault key cache: 0 dropped on grant" % SIDS["bob"] in
         vd.log_text() and "session %s: vault key cache: 0 dropped on grant"
         % SIDS["alice"] in vd.log_text(),
         "a grant empties every session's cache")
    r = vd.request("grant", user="alice", key=keys["alice"], vault=vid,
                   member="bob", member_key=keys["bob"], role="owner")
    t.ok(refused(r, "user bob is already a member of vault " + vid),
         "a second grant to bob: refused", r)

    # bob's worker injects from the shared vault, and caches its key.
    r = vd.inject(PIDS["bob"], "linear", "api.linear.app")
    t.ok(r == (0, TEAM_LINE), "bob's worker INJECTs the shared credential "
         "(bob has none of his own)")
    r = vd.inject(PIDS["alice"], "linear", "api.linear.app")
    t.ok(r == (0, TEAM_LINE), "so does alice's")
    r = vd.request("add", user="bob", key=keys["bob"], vault=vid,
                   name="bobs", connector="other", value=b"bobvalue")
    t.ok(refused(r, "does not allow that"),
         "bob, a reader, may not add to the shared vault", r)
    r = vd.request("revoke", user="bob", key=keys["bob"], vault=vid,
                   member="alice")
    t.ok(refused(r, "only an owner of a shared vault may grant or revoke, "
                 "and user bob is none of vault " + vid),
         "nor revoke alice", r)

    # carol joins, but has no live session: a revoke of bob must wait.
    bob_before = vd.cache(SIDS["bob"])
    r = vd.request("grant", user="alice", key=keys["alice"], vault=vid,
                   member="carol", member_key=keys["carol"],
                   role="contributor")
    t.is_(r, (0, "{}"), "alice grants carol the contributor role")
    t.ok("session %s: vault key cache: 1 dropped on grant" % SIDS["bob"] in
         vd.log_text() and vd.cache(SIDS["bob"])[2] == bob_before[2] + 1,
         "the grant drops bob's cached shared vault key, and counts it",
         (bob_before, vd.cache(SIDS["bob"])))
    r = vd.request("revoke", user="alice", key=keys["alice"], vault=vid,
                   member="bob")
    t.ok(r is not None and r[0] != 0 and r[1] == NEED_CAROL,
         "a revoke while carol has no live session is refused, naming her",
         r)
    t.ok(vd.inject(PIDS["bob"], "linear", "api.linear.app") ==
         (0, TEAM_LINE), "and changes nothing: bob still gets the value")
    t.ok(vd.inject(PIDS["alice"], "linear", "api.linear.app") ==
         (0, TEAM_LINE), "alice's worker too: both sessions cache the "
         "shared vault key")
    t.ok("revoked bob" not in vd.log_text() and
         "member carol has no live session" in vd.log_text(),
         "the refusal is logged, and no revoke happened")
    r = vd.request("revoke", user="alice", key=keys["alice"], vault=vid,
                   member="alice")
    t.ok(refused(r, "cannot revoke themselves"),
         "alice may not revoke herself", r)

    # With carol signed in, the revoke goes through, and at once.
    t.ok(signed_in(vd, "carol", keys["carol"]),
         "carol signs in: a session, her key, a worker")
    r = vd.request("revoke", user="alice", key=keys["alice"], vault=vid,
                   member="bob")
    t.is_(r, (0, "{}"), "with every remaining member signed in, alice "
          "revokes bob")
    m = []
    wait_for(lambda: m.extend(re.findall(
        r"user alice revoked bob from vault %s; (\d+) cached vault keys "
        "dropped" % vid, vd.log_text())) or m, 5)
    t.ok(m and int(m[0]) >= 2, "the revoke is logged: every session's "
         "cached vault keys were dropped (%s)" % (m[0] if m else "none"))
    t.ok("session %s of revoked member bob: 1 cached vault keys dropped" %
         SIDS["bob"] in vd.log_text(), "bob's live session among them")
    t.ok("session %s: vault key cache: 1 dropped on revoke" % SIDS["bob"]
         in vd.log_text() and "session %s: vault key cache: 1 dropped on "
         "revoke" % SIDS["alice"] in vd.log_text(),
         "the cache logs the drop in bob's session and alice's")
    r = vd.inject(PIDS["bob"], "linear", "api.linear.app")
    t.ok(refused(r, "user bob has no credential for connector linear"),
         "bob's worker INJECT for that connector is refused at once", r)
    a_before = vd.cache(SIDS["alice"])
    r = vd.inject(PIDS["alice"], "linear", "api.linear.app")
    t.ok(r == (0, TEAM_LINE), "alice's worker still gets the value")
    t.is_(vd.cache(SIDS["alice"]), (a_before[0], a_before[1] + 1,
                                    a_before[2]),
          "by unwrapping the new generation: a miss after the revoke")
    r = vd.inject(PIDS["carol"], "linear", "api.linear.app")
    t.ok(r == (0, TEAM_LINE), "carol's worker too: remaining members "
         "open everything")
    r = vd.request("list", user="bob", vault=vid)
    t.ok(refused(r, "user bob is not a member of vault " + vid),
         "bob's key opens nothing in the vault now", r)
    r = vd.request("revoke", user="alice", key=keys["alice"], vault=vid,
                   member="bob")
    t.ok(refused(r, "user bob is not a member of vault " + vid),
         "a second revoke of bob names him as no member", r)
    r = vd.request("revoke", user="alice", key=keys["alice"], vault="f" * 32,
                   member="bob")
    t.ok(refused(r, "no vault " + "f" * 32), "a revoke in an unknown "
         "vault: refused, by id", r)

    # Malformed shared-vault requests close that connection only.
    grant = vd.pack_request("grant", user="alice", key=keys["alice"],
                            vault=vid, member="bob",
                            member_key=keys["bob"])
    revoke = vd.pack_request("revoke", user="alice", key=keys["alice"],
                             vault=vid, member="carol")
    t.ok(closes(vd, overwrite(grant, OFF_VAULT, b"a" * 36)),
         "GRANT with an unterminated vault id: connection closed")
    t.ok(closes(vd, overwrite(revoke, OFF_MEMBER, b"c" * 72)),
         "REVOKE with an unterminated member: closed")
    t.ok(closes(vd, overwrite(revoke, OFF_ROLE, b"\x01\0\0\0")),
         "REVOKE with a role: closed")
    t.ok(closes(vd, vd.pack_request("grant", user="alice",
                                    key=keys["alice"], vault=vid)),
         "GRANT without a member: closed")
    t.ok(closes(vd, vd.pack_request("kdf", user="alice", vault=vid)),
         "a vault id on an op that takes none: closed")
    t.ok(closes(vd, grant[:440]) and closes(vd, grant + b"x"),
         "a request one layout too short, or with a stray byte: closed")
    t.ok(closes(vd, vd.pack_request(16, user="alice")),
         "an op past MEMBERS (teams): closed")
    r = vd.request("revoke", user="alice", key=keys["alice"], vault="ZZ",
                   member="carol")
    t.ok(refused(r, 'invalid vault id "ZZ"'),
         "an invalid vault id is refused, by value", r)
    r = vd.request("grant", user="alice", key=keys["alice"], vault=vid,
                   member="../x", member_key=keys["bob"])
    t.ok(refused(r, 'invalid user name "../x"'),
         "an invalid member name is refused", r)
    t.ok(vd.inject(PIDS["alice"], "linear", "api.linear.app") ==
         (0, TEAM_LINE) and vd.request("list", user="carol",
                                       vault=vid)[0] == 0,
         "vaultd still serves workers and the CLI")

    # alice's worker has the shared credential cached for linear; her own
    # credential for it, added now, takes precedence at once.
    OWN_VALUE = "own_SECRETVALUE_0008"
    r = vd.request("add", user="alice", key=keys["alice"], name="ownlin",
                   connector="linear", value=OWN_VALUE.encode())
    t.is_(r, (0, "{}"), "alice adds a linear credential of her own")
    t.ok("session %s: vault key cache: 1 dropped on add" % SIDS["alice"] in
         vd.log_text(), "the add drops her session's cached entries")
    r = vd.inject(PIDS["alice"], "linear", "api.linear.app")
    t.is_(r, (0, "Authorization: Bearer " + OWN_VALUE),
          "her next INJECT for linear uses her personal vault's")
    t.is_(vd.shutdown(), 0, "the second vaultd shuts down cleanly")

    values = [TEAM_VALUE, OWN_VALUE] + list(masters.values())
    needles = []
    for v in values:
        b = v.encode()
        needles += [b, base64.b64encode(b), b.hex().encode()]
    for k in keys.values():
        needles += [k, k.hex().encode(), base64.b64encode(k)]
    found = leaks(vd.state, needles)
    t.ok(not found, "no shared secret, master key or user key in the "
         "state directory or the log", sorted(set(found)))
finally:
    vd.kill()
    shutil.rmtree(vd.state, ignore_errors=True)

# Session CAs, leaves and upstream tickets, on a third vaultd.  Two
# sessions (one, two), a worker bound to each (7001, 7002), one bound to
# none (7003); certificates are checked with openssl(1), as a client
# would check them.
S1, S2 = "5e551011" + "0" * 24, "5e551022" + "0" * 24
tmp = None


def openssl(*args, data=None):
    p = subprocess.run(["openssl"] + list(args), input=data,
                       capture_output=True, timeout=30)
    return p.returncode, (p.stdout + p.stderr).decode(errors="replace")


def write(name, data):
    path = os.path.join(tmp, name)
    with open(path, "wb") as f:
        f.write(data.encode() if isinstance(data, str) else data)
    return path


def leaf_pem(name, der):
    rc, out = openssl("x509", "-inform", "DER", "-outform", "PEM",
                      data=der)
    return write(name, out if rc == 0 else "")


def verify(ca, leaf, host=None, ip=None):
    args = ["verify", "-x509_strict", "-purpose", "sslserver", "-CAfile",
            ca]
    args += ["-verify_hostname", host] if host else []
    args += ["-verify_ip", ip] if ip else []
    rc, out = openssl(*(args + [leaf]))
    return rc == 0 and ": OK" in out


if shutil.which("openssl") is None:
    t.skip(29, "no openssl(1) to check the certificates")
    t.done()
vd = H.Vaultd([("linear", "bearer", "", ["api.linear.app"])])
try:
    tmp = tempfile.mkdtemp(prefix="aileron-ca.")
    ack = vd.start()
    t.ok(ack is not None and ack[0] == "CONF_ACK",
         "a third vaultd, for session CAs, acknowledges", vd.log_text())
    r1 = vd.session("BEGIN", S1, "alice")
    r2 = vd.session("BEGIN", S2, "bob")
    t.ok(r1 and r1[0] == 0 and r2 and r2[0] == 0 and
         r1[1].startswith("-----BEGIN CERTIFICATE-----\n") and
         r1[1] != r2[1] and "PRIVATE" not in r1[1] + r2[1],
         "SESSION_BEGIN's ack carries the session's CA certificate, PEM, "
         "one per session", (r1, r2))
    ca1, ca2 = write("ca1.pem", r1[1]), write("ca2.pem", r2[1])
    rc, out = openssl("x509", "-in", ca1, "-noout", "-subject", "-text")
    t.ok(rc == 0 and "CN = aileron session 5e551011" in out and
         re.search(r"Basic Constraints: critical\s+CA:TRUE, pathlen:0",
                   out) and
         re.search(r"Key Usage: critical\s+Certificate Sign, CRL Sign",
                   out) and "Subject Key Identifier" in out,
         "openssl x509: CN names the session; CA:TRUE, pathlen 0, "
         "critical; keyCertSign and cRLSign", out)
    w1, w2, w3 = vd.worker(7001), vd.worker(7002), vd.worker(7003)
    r = vd.leaf(7001, "api.example.com")
    t.ok(r and r[0] != 0 and "serves no session" in r[1],
         "LEAF before SESSION_WORKER: refused", r)
    vd.session("WORKER", S1, worker=7001)
    vd.session("WORKER", S2, worker=7002)
    l1 = vd.leaf(7001, "api.example.com")
    t.ok(l1 and l1[0] == 0 and len(l1) == 3 and len(l1[1]) > 300 and
         len(l1[2]) == 121, "LEAF after it: a certificate and a key, DER",
         l1 if l1 and l1[0] else None)
    p1 = leaf_pem("leaf1.pem", l1[1] if l1 and l1[0] == 0 else b"")
    t.ok(verify(ca1, p1, host="api.example.com"),
         "openssl verify -CAfile ca.pem accepts it for api.example.com "
         "(strict, sslserver)")
    t.ok(not verify(ca1, p1, host="evil.example") and
         not verify(ca2, p1, host="api.example.com"),
         "but not for another host, nor against the other session's CA")
    rc, out = openssl("x509", "-in", p1, "-noout", "-ext",
                      "subjectAltName,extendedKeyUsage,basicConstraints")
    t.ok(rc == 0 and re.search(r"DNS:api\.example\.com\s*$", out, re.M) and
         "TLS Web Server Authentication" in out and "CA:FALSE" in out,
         "SAN DNS:api.example.com only, serverAuth, CA:FALSE", out)
    rc1, pub1 = openssl("x509", "-in", p1, "-noout", "-pubkey")
    rc2, pub2 = openssl("pkey", "-inform", "DER", "-pubout",
                        data=l1[2] if l1 and l1[0] == 0 else b"")
    t.ok(rc1 == 0 and rc2 == 0 and pub1 == pub2 and "PUBLIC KEY" in pub1,
         "the key DER is the certificate's key")
    r = vd.leaf(7001, "api.example.com")
    t.ok(r and l1 and r[0] == 0 and r[1] == l1[1] and r[2] == l1[2],
         "a second LEAF for the host: the same certificate (cache)")
    r = vd.leaf(7001, "API.Example.COM")
    t.ok(r and l1 and r[0] == 0 and r[1] == l1[1],
         "and for the host spelled in capitals too")
    t.ok(wait_for(lambda: "leaf cache hit for api.example.com" in
                  vd.log_text(), 5), "the hits are logged (debug)")
    l2 = vd.leaf(7002, "api.example.com")
    p2 = leaf_pem("leaf2.pem", l2[1] if l2 and l2[0] == 0 else b"")
    t.ok(l2 and l2[0] == 0 and l1 and l2[1] != l1[1] and
         verify(ca2, p2, host="api.example.com") and
         not verify(ca1, p2, host="api.example.com"),
         "another session's worker gets a leaf of its own CA")
    r = vd.leaf(7001, "127.0.0.1")
    p3 = leaf_pem("leaf3.pem", r[1] if r and r[0] == 0 else b"")
    rc, out = openssl("x509", "-in", p3, "-noout", "-ext", "subjectAltName")
    t.ok(r and r[0] == 0 and "IP Address:127.0.0.1" in out and
         verify(ca1, p3, ip="127.0.0.1"),
         "an IP literal: SAN iPAddress, verifies for that address", out)
    bad = ["evil host", "-x.example", "x.example.", "*.example.com",
           "a_b.example", "127.1", "[::1]", "x.example:443", ""]
    rs = [vd.leaf(7001, h) for h in bad]
    t.ok(all(r and r[0] != 0 and "not a DNS name or an IP address" in r[1]
             for r in rs), "%d bad hosts: each refused" % len(bad), rs)
    r = vd.leaf(7001, "api.example.com")
    t.ok(r and r[0] == 0, "and the worker's channel stays open")
    vd.worker(7005)
    vd.session("WORKER", S2, worker=7005)
    rs = [vd.leaf(7005, "m%d.example" % i) for i in range(5)]
    t.ok(all(r and r[0] == 0 for r in rs[:4]) and rs[4] and
         rs[4][0] != 0 and "had 4 leaves minted already" in rs[4][1],
         "a worker has 4 new leaves minted; a fifth is refused", rs[4])
    r = vd.leaf(7005, "m0.example")
    l5 = vd.leaf(7002, "m4.example")
    t.ok(r and r[0] == 0 and l5 and l5[0] == 0,
         "a cached one it still gets, and another worker the fifth")

    # Tickets: newest per (session, host), never across sessions.
    vd.ticket_put(7001, "up.example", b"ticket-of-session-one-1")
    vd.ticket_put(7001, "up.example", b"ticket-of-session-one-2")
    t.is_(vd.ticket_get(7001, "up.example"),
          (0, b"ticket-of-session-one-2"),
          "TICKET_PUT twice, TICKET_GET: the newest bytes")
    t.is_(vd.ticket_get(7002, "up.example"), (0, b""),
          "a worker of another session gets nothing for that host")
    vd.ticket_put(7002, "up.example", b"ticket-of-session-two")
    t.ok(vd.ticket_get(7002, "up.example") == (0, b"ticket-of-session-two")
         and vd.ticket_get(7001, "up.example") ==
         (0, b"ticket-of-session-one-2"),
         "each session keeps its own ticket for the same host")
    vd.ticket_put(7003, "up.example", b"ticket-of-no-session")
    r = vd.ticket_get(7003, "up.example")
    t.ok(r and r[0] != 0 and "serves no session" in r[1] and
         vd.ticket_get(7001, "up.example") ==
         (0, b"ticket-of-session-one-2"),
         "an unbound worker's PUT is dropped and its GET refused", r)

    # Malformed frames close that worker's channel only.
    w3.send("VAULT_LEAF", b"a" * H.HOST.size, reqid=99)
    t.ok(w3.closed() and vd.master.recv(5) == ("WORKER_BAD", 7003, b""),
         "a LEAF with an unterminated host: channel closed, worker "
         "killed")
    w4 = vd.worker(7004)
    vd.session("WORKER", S2, worker=7004)
    w4.send("VAULT_TICKET_PUT", H.HOST.pack(b"up.example") +
            b"t" * (8192 + 1))
    t.ok(w4.closed() and vd.master.recv(5) == ("WORKER_BAD", 7004, b""),
         "a ticket over 8 KiB: the same")
    t.is_(vd.ticket_get(7002, "up.example"), (0, b"ticket-of-session-two"),
          "and it stored nothing")

    # SESSION_END forgets the CA, its leaves and its tickets.
    t.is_(vd.session("END", S1), (0, ""), "control ends session one")
    r = vd.ticket_get(7001, "up.example")
    t.ok(r and r[0] != 0 and "serves no session" in r[1],
         "its worker's GET is refused", r)
    r = vd.session("BEGIN", S1, "alice")
    vd.session("WORKER", S1, worker=7001)
    l3 = vd.leaf(7001, "api.example.com")
    t.ok(r and r[0] == 0 and r[1] != open(ca1).read() and
         vd.ticket_get(7001, "up.example") == (0, b"") and l3 and
         l1 and l3[0] == 0 and l3[1] != l1[1],
         "the same id begun again: a new CA, no ticket, a new leaf")
    t.ok(re.search(r"session %s: \d+ leaves and 1 tickets dropped on "
                   r"session end" % S1, vd.log_text()),
         "the end dropped the leaves and the ticket (logged)")
    t.is_(vd.shutdown(), 0, "the third vaultd shuts down cleanly")

    # No private key in the log or the state directory: the leaf keys we
    # were sent, and any P-256 key at all (the CA's included), by the
    # DER prefix of an ECPrivateKey, raw, hex or base64 (PEM).
    needles = [b"PRIVATE KEY", b"\x30\x77\x02\x01\x01\x04\x20",
               b"307702010104", b"MHcCAQEEI"]
    for leaf in (l1, l2, l3):
        if leaf and leaf[0] == 0:
            k = leaf[2]
            needles += [k, k.hex().encode(), base64.b64encode(k),
                        k[7:39], k[7:39].hex().encode()]
    found = leaks(vd.state, needles)
    t.ok(not found, "no private key, the CA's or a leaf's, in vaultd's "
         "log or state directory", sorted(set(found)))
finally:
    vd.kill()
    shutil.rmtree(vd.state, ignore_errors=True)
    if tmp:
        shutil.rmtree(tmp, ignore_errors=True)
t.done()
