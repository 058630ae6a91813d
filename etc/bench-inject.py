#!/usr/bin/env python3
# bench-inject.py: "make bench", the vault's part.  INJECTs over the real
# worker channel to a real vaultd (the harness plays master, control and a
# worker, as t/vault-vaultd.t does: control binds the worker and releases
# the connector to it once, then the worker INJECTs) with 10, 1,000 and
# 10,000 vaults in the store: INJECTs/s and vaultd's CPU per INJECT with a warm vault key
# cache, from /proc/PID/stat before and after; vaultd's PSS; then a
# revoke over 10,000 credentials in one transaction.  The CPU per INJECT
# must be flat from 10 to 10,000 vaults (within 20%); the target is
# 15 us or less.  Each size has a vaultd of its own (its PSS is taken
# while it runs alone), all running; they take turns, ROUNDS rounds, and
# each reports its best round: the machine is shared, other load only
# ever adds, and a busy spell then falls on every size alike instead of
# on the one measured during it.

import os
import pwd
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "t", "helpers"))
import vaultd_harness as H  # noqa: E402

BUILD = os.environ.get("AILERON_BUILD") or os.path.join(HERE, "..", "build")
FILL = os.path.join(BUILD, "t", "helpers", "vault_bench_store")
REVOKE = os.path.join(BUILD, "t", "helpers", "vault_revoke_helper")
SIZES = (10, 1000, 10000)
INJECTS = 20000
ROUNDS = 5
BATCH = 16              # in flight on the worker channel at once
TARGET_US = 15.0
FLAT = 1.20
MASTER = "bench master key of alice"
SESSION = "5e55105e55105e55105e55105e55105e"
WORKER = 7001
VALUE = "lin_api_BENCHVALUE"
LINE = "Authorization: Bearer " + VALUE


def cpu(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # utime and stime, fields 14 and 15 of stat(5), in clock ticks.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pss_kb(pid):
    with open("/proc/%d/smaps_rollup" % pid) as f:
        for line in f:
            if line.startswith("Pss:"):
                return int(line.split()[1])
    return -1


def chown_tree(path, user):
    pw = pwd.getpwnam(user)
    for root, _, files in os.walk(path):
        for n in [root] + [os.path.join(root, f) for f in files]:
            os.chown(n, pw.pw_uid, pw.pw_gid)


def inject_many(vd, n):
    """n INJECTs, BATCH in flight: the worker channel as a busy worker
    uses it.  Returns how many came back with the right line."""
    w = vd.workers[WORKER]
    good = 0
    body = H.INJECT.pack(b"", b"linear", b"api.linear.app")
    for i in range(0, n, BATCH):
        k = min(BATCH, n - i)
        w.send_raw(b"".join(H.HDR.pack(H.T["VAULT_INJECT"], 0,
                                       H.INJECT.size, i + j + 1, 0, 0) +
                            body for j in range(k)))
        for _ in range(k):
            r = w.recv(10)
            if r is not None and r[2][H.REPLY.size:] == LINE.encode():
                good += 1
    return good


def prepare(nvaults):
    """A store with alice's vault, her credential and nvaults vaults in
    all, and a vaultd for it, stopped."""
    vd = H.Vaultd([("linear", "bearer", "", ["api.linear.app"])],
                  verbose=False)
    salt = b"bench salt 16 b!"
    vd.ukey = H.user_key(MASTER, salt)
    if vd.start() is None or vd.request(
            "init", user="alice", key=vd.ukey, salt=salt, n=16384, r=8,
            p=1) != (0, "{}") or vd.request(
            "add", user="alice", key=vd.ukey, name="lin",
            connector="linear", value=VALUE.encode()) != (0, "{}"):
        sys.exit("cannot set up alice:\n" + vd.log_text()[-2000:])
    vd.shutdown()
    # The store belongs to vaultd's user; the helper runs as us.
    chown_tree(vd.dir, "root")
    r = subprocess.run([FILL, vd.dir, "0", str(nvaults - 1)],
                       capture_output=True)
    if r.returncode != 0:
        sys.exit("filling the store: " + r.stderr.decode())
    if vd.user:
        chown_tree(vd.dir, vd.user)
    return vd


def run(vd):
    """Start vd with a worker of a session that INJECTs, warm."""
    if vd.start() is None:
        sys.exit("vaultd did not start:\n" + vd.log_text()[-2000:])
    vd.session("BEGIN", SESSION, "alice")
    vd.worker(WORKER)
    vd.session("WORKER", SESSION, worker=WORKER)
    # As control does once it allowed the worker an action of linear.
    r = vd.release(WORKER, "linear", "api.linear.app")
    if r != (0, ""):
        sys.exit("release refused: %r" % (r,))
    r = vd.request("session_key", user="alice", key=vd.ukey, session=SESSION)
    if r != (0, "{}"):
        sys.exit("session key refused: %r" % (r,))
    if inject_many(vd, 200) != 200:             # warm: the cache, the pages
        sys.exit("INJECT failed:\n" + vd.log_text()[-2000:])


def one_round(vd):
    """(vaultd CPU us per INJECT, INJECTs/s) over one round."""
    c0, t0 = cpu(vd.pid), time.monotonic()
    good = inject_many(vd, INJECTS)
    c1, t1 = cpu(vd.pid), time.monotonic()
    if good != INJECTS:
        sys.exit("%d of %d INJECTs failed" % (INJECTS - good, INJECTS))
    return (c1 - c0) / INJECTS * 1e6, INJECTS / (t1 - t0)


def revoke_10k(tmp):
    d = os.path.join(tmp, "revoke")
    t0 = time.monotonic()
    r = subprocess.run([REVOKE, "setup", d, "10000"], capture_output=True)
    t1 = time.monotonic()
    if r.returncode == 0:
        r = subprocess.run([REVOKE, "revoke", d], capture_output=True)
    t2 = time.monotonic()
    ok = r.returncode == 0 and b"10000 credentials re-encrypted" in r.stderr
    print("  revoke over 10,000 credentials in one transaction: %s "
          "(%.1f s; setup %.1f s); main region file %.1f MiB" %
          ("ok" if ok else "FAILED", t2 - t1, t1 - t0,
           os.path.getsize(os.path.join(d, "__db.001")) / 1048576))
    return ok


def main():
    if os.geteuid() != 0:
        print("bench-inject: skipped: needs root (vaultd runs as _aileron)")
        return 0
    for p in (FILL, REVOKE):
        if not os.access(p, os.X_OK):
            sys.exit("bench-inject: %s is missing (make unit)" % p)
    vds = []
    ok = False
    try:
        # Each one's PSS alone: running together, they would share pages.
        pss = []
        for n in SIZES:
            vds.append(prepare(n))
            run(vds[-1])
            pss.append(pss_kb(vds[-1].pid))
            vds[-1].shutdown()
        for vd in vds:
            run(vd)
        print("vault: INJECT over the worker channel, warm vault key cache, "
              "best of %d rounds of %d INJECTs, the sizes in turn" %
              (ROUNDS, INJECTS), flush=True)
        best = [None] * len(SIZES)
        for _ in range(ROUNDS):
            for i, vd in enumerate(vds):
                r = one_round(vd)
                if best[i] is None or r[0] < best[i][0]:
                    best[i] = r
        for n, b, kb in zip(SIZES, best, pss):
            print("  %6d vaults: %8.0f INJECTs/s, vaultd CPU %6.1f us per "
                  "INJECT, vaultd PSS %5.1f MiB" % (n, b[1], b[0], kb / 1024))
        us = [b[0] for b in best]
        spread = max(us) / min(us)
        print("  flat from %d to %d vaults: %s (max/min %.2f, limit %.2f); "
              "%.1f us at %d vaults: %s (target %.0f us)" %
              (SIZES[0], SIZES[-1], "yes" if spread <= FLAT else "NO",
               spread, FLAT, us[-1], SIZES[-1],
               "met" if us[-1] <= TARGET_US else "NOT met", TARGET_US))
        for vd in vds:
            vd.shutdown()
        ok = revoke_10k(vds[0].state)
    finally:
        for vd in vds:
            vd.kill()
            shutil.rmtree(vd.state, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
