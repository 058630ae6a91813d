#!/usr/bin/env python3
# bench-proxy.py: "make bench", the proxy's part (issue 10, section 7).
# A local TLS upstream (etc/bench-tls-upstream.c) and the load client
# (etc/bench-tls-client.c) measure, in one run and side by side, the
# upstream direct and through the proxy with injection on: keep-alive
# small requests at 8 and 32 connections, a new connection per request,
# and 1 MiB bodies down and up.  Each run prints requests/s, p50/p99,
# MiB/s, the CPU of the whole service tree (as etc/bench.py counts it,
# from /proc, before and after) per request, connection or MiB, control's
# and vaultd's part of it, the service's peak PSS (sampled), and how many
# upstream handshakes resumed; each target beside the measured and the
# direct figure, with PASS or MISS.  A miss is reported, never a failure:
# the bench reports, it does not gate.  The upstream answers 401 to a
# request without the vault's credential, so a run through a proxy that
# did not inject shows as errors.  Direct and proxy take turns, round
# after round (BENCH_PROXY_ROUNDS, 2), and each run reports its best round.
# BENCH_SECONDS sets the length of a run (1.5); BENCH_JSON=FILE writes
# every figure there too.
# The audit (issue 11, section 7): keep-alive at 8 connections through the
# proxy as it is (every action's decision committed before the answer, and
# its outcome) and through a second service that records nothing (test
# mode's AILERON_TEST_AUDIT_OFF), taking turns: audited requests/s beside
# the unaudited, control's CPU per audited request, and the records each
# commit (group commit) held; and, as their reference, what one write and
# fdatasync(2) of the state directory's disk costs in the same run.
# The proxy's reference (etc/bench-tls-relay.c): a bare TLS relay, with
# the workers' TLS settings for what costs per byte and per request, that
# copies decrypted bytes between the two legs and does nothing else,
# measured in the same rounds on the keep-alive and body runs.  What it
# reaches of direct is a reference for what a proxy that terminates TLS on
# both legs can reach here: the client, the upstream and the proxy share
# the machine's cores, and the proxy does both ends' TLS work once more.

import json
import os
import shutil
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.dont_write_bytecode = True  # no etc/__pycache__ from importing bench
import bench  # noqa: E402  etc/bench.py: the /proc counters, the floor
import aileron  # noqa: E402  t/lib, on the path bench put it
from aileron import Service  # noqa: E402
from certs import make_certs  # noqa: E402

BUILD = bench.BUILD
UPSTREAM = os.path.join(BUILD, "bench-tls-upstream")
CLIENT = os.path.join(BUILD, "bench-tls-client")
DECODE = os.path.join(BUILD, "bench-tls-decode")
RELAY = os.path.join(BUILD, "bench-tls-relay")
TOKENS = os.path.join(BUILD, "bench-tokens")
HOST = "bench.test"
SECONDS = float(os.environ.get("BENCH_SECONDS", "1.5"))
ROUNDS = int(os.environ.get("BENCH_PROXY_ROUNDS", "2"))
WARM = 0.5
MIB = 1048576
MASTER = "bench master key"
CRED = "bench_api_BENCHCREDENTIAL0123456789"
PLACEHOLDER = "aileron-placeholder"

# The connector the proxy injects for: the upstream's three routes.
SPEC = {
    "openapi": "3.0.3",
    "info": {"title": "bench upstream", "version": "1"},
    "servers": [{"url": "https://" + HOST}],
    "x-aileron-connector": "bench",
    "x-aileron-inject": {"kind": "bearer"},
    "x-aileron-strip": {"headers": ["authorization"]},
    "paths": {
        "/small": {"get": {
            "x-aileron-action": "small", "summary": "A small body",
            "x-aileron-idempotent": True, "x-aileron-approval": "never"}},
        "/big": {"get": {
            "x-aileron-action": "big", "summary": "N bytes",
            "x-aileron-idempotent": True, "x-aileron-approval": "never",
            "parameters": [{"name": "n", "in": "query", "required": True,
                            "schema": {"type": "integer"}}]}},
        "/sink": {"post": {
            "x-aileron-action": "sink", "summary": "Swallow a body",
            "x-aileron-idempotent": False, "x-aileron-approval": "never",
            # An upload: declared, so its connection goes on (a body its
            # action does not declare costs a new upstream connection).
            "requestBody": {"content": {"application/octet-stream": {
                "schema": {"type": "string", "format": "binary"}}}}}},
    },
}

# The absolute figures issue 10 gives, measured on this machine kind when
# it was written, with another direct client and upstream: printed beside
# this run's, for orientation (each target is the ratio to this run's
# direct).  The C peer and mitmproxy are the issue's references.
ISSUE_DIRECT_RPS = 16735        # direct, keep-alive, 8 connections
ISSUE_MIN_RPS = 8000            # through the proxy, the same
ISSUE_MIN_MIB_S = 250           # 1 MiB bodies through the proxy
SQUID_US, SQUID_CONN_MS = 225, 1.67         # squid ssl-bump
MITM_US, MITM_CONN_MS = 2800, 16.7          # mitmproxy

# (name, mode, connections, body bytes)
RUNS = [("keep-alive, 8 conns", "small", 8, 0),
        ("keep-alive, 32 conns", "small", 32, 0),
        ("new connection each", "new", 8, 0),
        ("1 MiB down", "down", 8, MIB),
        ("1 MiB up", "up", 8, MIB)]


def upstream(d):
    """bench-tls-upstream, 2 processes, in its own process group, counting
    its handshakes in d/stats."""
    up = bench.Prefork(lambda portfile: [
        UPSTREAM, "-a", "Bearer " + CRED, "-s", os.path.join(d, "stats"),
        os.path.join(d, "leaf.pem"), os.path.join(d, "leaf.key"),
        portfile, "2"])
    up.stats = os.path.join(d, "stats")
    return up


class Relay(bench.Prefork):
    """etc/bench-tls-relay in front of the upstream, measured as the
    service is: the tree under pid, with no control or vaultd."""

    def __init__(self, d, up):
        super().__init__(lambda portfile: [
            RELAY, os.path.join(d, "leaf.pem"), os.path.join(d, "leaf.key"),
            os.path.join(d, "ca.pem"), HOST, str(up.port), portfile],
            "relay")

    def by_role(self):
        return None, None, []


def handshakes(up):
    """(handshakes, resumed ones) the upstream has done so far."""
    with open(up.stats, "rb") as f:
        return struct.unpack("=QQ", f.read(16))


class PssSampler(threading.Thread):
    """The peak of the service tree's summed PSS, sampled until stopped."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = 0
        self.halt = threading.Event()

    def run(self):
        while not self.halt.is_set():
            self.peak = max(self.peak, tree_pss(self.pid))
            self.halt.wait(0.25)

    def stop(self):
        self.halt.set()
        self.join()
        return self.peak


def tree_pids(root):
    """root and its descendants, from one pass over /proc (bench.tree
    reads all of /proc once per process: too slow to sample with)."""
    kids = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            f = bench.stat_fields(int(d))
            if f is not None:
                kids.setdefault(int(f[1]), []).append(int(d))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo += kids.get(pid, [])
    return out


def tree_pss(pid):
    return sum(max(bench.pss_kb(p), 0) for p in tree_pids(pid))


def client(port, mode, conns, body, secs, ca, token=None, auth=None):
    args = [CLIENT, "-p", str(port), "-H", HOST, "-A", ca, "-m", mode,
            "-c", str(conns), "-d", str(secs)]
    if body:
        args += ["-b", str(body)]
    if token is not None:
        args += ["-x", token]
    if auth is not None:
        args += ["-k", auth]
    p = subprocess.run(args, capture_output=True, timeout=secs + 60)
    if p.returncode != 0:
        raise RuntimeError("bench-tls-client: %s" % p.stderr.decode())
    return json.loads(p.stdout)


def best(results, name, r):
    """Keep r if it is the first or the best round of its run: the one
    with the most requests/s, since other load only ever takes away."""
    if name not in results or r["rps"] > results[name]["rps"]:
        results[name] = r


def measure(port, run, ca, up, warm, svc=None, token=None, auth=None):
    """One run, after a short warm-up if warm: the client's figures, plus
    the CPU of the service tree and the upstream's, and the service's peak
    PSS."""
    name, mode, conns, body = run
    if warm:
        client(port, mode, conns, body, WARM, ca, token, auth)
    sampler = PssSampler(svc.pid) if svc else None
    if sampler:
        sampler.start()
    s0 = bench.tree_usage(svc.pid)[0] if svc else 0
    roles = svc.by_role()[:2] if svc else ()
    r0 = [own_cpu(pid) for pid in roles]
    u0, h0 = bench.tree_usage(up.pid)[0], handshakes(up)
    r = client(port, mode, conns, body, SECONDS, ca, token, auth)
    # Workers that served are reaped a moment after their client is done.
    time.sleep(0.2)
    r["upstream_cpu"] = bench.tree_usage(up.pid)[0] - u0
    h1 = handshakes(up)
    r["handshakes"], r["resumed"] = h1[0] - h0[0], h1[1] - h0[1]
    if svc:
        r["cpu"] = bench.tree_usage(svc.pid)[0] - s0
        r["control_cpu"], r["vaultd_cpu"] = [
            own_cpu(pid) - c for pid, c in zip(roles, r0)]
        r["pss_kb"] = sampler.stop()
    return r


def own_cpu(pid):
    """A process's own CPU seconds, without the children it reaped."""
    f = bench.stat_fields(pid) if pid else None
    return (int(f[11]) + int(f[12])) / bench.TICK if f else 0.0


def key_run(svc, args, stdin=b""):
    """aileron ARGS -s STATE with the master key on a descriptor."""
    r, w = os.pipe()
    os.write(w, (MASTER + "\n").encode())
    os.close(w)
    args = [a if a != "KEYFD" else str(r) for a in args]
    try:
        p = subprocess.run([aileron.BIN] + args + ["-s", svc.state],
                           input=stdin, capture_output=True, pass_fds=(r,),
                           timeout=60)
    finally:
        os.close(r)
    if p.returncode != 0:
        raise RuntimeError("aileron %s: %s" % (" ".join(args[:2]),
                                               p.stderr.decode().strip()))
    return p.stdout.decode()


def start_proxy(d, up, args=()):
    """The service with the bench connector, a vault holding CRED, and a
    session: (service, session info)."""
    spec = os.path.join(d, "bench.json")
    with open(spec, "w") as f:
        json.dump(SPEC, f)
    conf = ('connector "bench" spec "%s"\n'
            'resolve "%s" 127.0.0.1:%d\n'
            'allow network 127.0.0.0/8\n'
            'upstream ca "%s"\n' % (spec, HOST, up.port,
                                    os.path.join(d, "ca.pem")))
    svc = Service(prefork=4, max_workers=64, log_debug=False, conf=conf)
    try:
        svc.start(args)
        key_run(svc, ["vault", "init", "--key-fd", "KEYFD", "--kdf-n",
                      "16384"])
        key_run(svc, ["secret", "add", "bench", "--connector", "bench",
                      "--key-fd", "KEYFD"], (CRED + "\n").encode())
        info = json.loads(key_run(svc, ["session", "start", "--json",
                                        "--key-fd", "KEYFD"]))
        info["port"] = int(info["proxy"].rstrip("/").rsplit(":", 1)[1])
    except (OSError, RuntimeError, ValueError, KeyError) as e:
        svc.stop()
        svc.remove()
        raise RuntimeError((str(e).strip().splitlines() or [repr(e)])[-1])
    return svc, info


def verdict(ok):
    return "PASS" if ok else "MISS"


def derive(r):
    """Per request, connection and MiB, from one run's totals."""
    n = r["requests"]
    r["up_us"] = r["upstream_cpu"] * 1e6 / n if n else None
    r["resumed_pct"] = 100.0 * r["resumed"] / r["handshakes"] \
        if r["handshakes"] else None
    if "cpu" in r:
        r["cpu_us"] = r["cpu"] * 1e6 / n if n else None
        r["control_us"] = r["control_cpu"] * 1e6 / n if n else None
        r["vaultd_us"] = r["vaultd_cpu"] * 1e6 / n if n else None
        r["cpu_conn_ms"] = r["cpu"] * 1e3 / max(r["connections"], 1)
        mib = r["mib_s"] * r["seconds"]
        r["cpu_mib_ms"] = r["cpu"] * 1e3 / mib if mib else None
        r["pss_mib"] = r["pss_kb"] / 1024.0


def line(label, d, p, key, f, target=None, test=None):
    """One figure, direct and through the proxy, and the target: test
    says whether the proxy's figure p[key] meets it."""
    dv, pv = d.get(key), p.get(key) if p else None
    ratio = "%.2f" % (pv / dv) if dv and pv is not None else ""
    mark = ""
    if target is not None:
        # A run without one good request measured nothing.
        mark = "%s: %s" % (target, "-" if pv is None or not p["requests"]
                           else "PASS" if test(pv, dv) else "MISS")
    print("%-34s%12s%12s%8s   %s" % (label, fmt(dv, f), fmt(pv, f), ratio,
                                      mark))


def orient(what, p, key, f, least):
    """Issue 10's absolute figure beside this run's: for orientation, not a
    verdict (this run's direct may be faster or slower than the issue's)."""
    pv = p.get(key) if p and p["requests"] else None
    print("    the issue's figure on this machine kind: %s; this run's "
          "proxy %s (%s it)" % (what, fmt(pv, f), "-" if pv is None else
                                "at or over" if pv >= least else "under"))


def fmt(v, f):
    return "-" if v is None else f % v


def usage_line():
    """Issue 14: the token counter's CPU per LLM response, measured apart
    (etc/bench-tokens.c), beside the whole request's above; and a copy of
    the same bytes, the least the worker does with them."""
    try:
        u = json.loads(subprocess.run([TOKENS], capture_output=True,
                                      timeout=120, check=True).stdout)
    except (OSError, ValueError, subprocess.SubprocessError) as e:
        print("    of which LLM token counting: not measured: %s" % e)
        return
    worst = max(u["json_us"], u["sse_us"])
    print("    of which LLM token counting, us: JSON %.1f KiB %.2f, SSE "
          "%.1f KiB (%d events) %.2f; copying the same bytes %.2f, %.2f"
          "   target <= 5 us: %s" %
          (u["json_bytes"] / 1024.0, u["json_us"], u["sse_bytes"] / 1024.0,
           u["sse_events"], u["sse_us"], u["json_copy_us"],
           u["sse_copy_us"], verdict(worst <= 5.0)))


def relay_line(d, rl):
    """The bare relay's figures for one run, against direct's."""
    derive(rl)
    if not rl["requests"]:
        print("  reference: a bare TLS relay: no request passed (%s)" %
              rl.get("first_error"))
    elif rl["mib_s"] and d.get("mib_s"):
        print("  reference: a bare TLS relay (bench-tls-relay): %.1f MiB/s, "
              "%.2f of direct; %.2f ms of CPU per MiB" %
              (rl["mib_s"], rl["mib_s"] / d["mib_s"], rl["cpu_mib_ms"]))
    else:
        print("  reference: a bare TLS relay (bench-tls-relay): %.0f "
              "requests/s, %s of direct; p99 %.2f ms; %.1f us of CPU per "
              "request" % (rl["rps"], fmt(rl["rps"] / d["rps"] if d["rps"]
                                          else None, "%.2f"), rl["p99_ms"],
                           rl["cpu_us"]))


def report(direct, proxy, floor_ms, idle_kb, decode=None, relay=None):
    print("%-34s%12s%12s%8s   %s" % ("", "direct", "proxy", "ratio",
                                      "target"))
    for name, mode, conns, body in RUNS:
        d, p = direct[name], proxy[name] if proxy else None
        for r in (d, p):
            if r:
                derive(r)
        print("%s (best of %d x %g s)" % (name, ROUNDS, SECONDS))
        if mode == "small" and conns == 8:
            line("  requests/s", d, p, "rps", "%.0f", ">= 50% of direct",
                 lambda pv, dv: pv >= 0.5 * dv)
            orient("direct did %d requests/s, the proxy >= %d" %
                   (ISSUE_DIRECT_RPS, ISSUE_MIN_RPS), p, "rps", "%.0f",
                   ISSUE_MIN_RPS)
        else:
            line("  requests/s", d, p, "rps", "%.0f")
        if body:
            line("  MiB/s", d, p, "mib_s", "%.1f", ">= 55% of direct",
                 lambda pv, dv: pv >= 0.55 * dv)
            orient("the proxy >= %d MiB/s" % ISSUE_MIN_MIB_S, p, "mib_s",
                   "%.1f", ISSUE_MIN_MIB_S)
        line("  p50 ms", d, p, "p50_ms", "%.2f")
        if mode == "small":
            line("  p99 ms", d, p, "p99_ms", "%.2f", "<= 3 ms",
                 lambda pv, dv: pv <= 3.0)
        else:
            line("  p99 ms", d, p, "p99_ms", "%.2f")
        line("  errors", d, p, "errors", "%d")
        for how, r in (("direct", d), ("proxy", p)):
            if r and r["errors"]:
                print("    first error, %s: %s" % (how, r["first_error"]))
        line("  upstream CPU per request, us", d, p, "up_us", "%.1f")
        if mode == "small":
            line("  service CPU per request, us", d, p, "cpu_us", "%.1f",
                 "<= 100 us", lambda pv, dv: pv <= 100)
            if conns == 8:
                print("    the issue's references: squid ssl-bump %d us, "
                      "mitmproxy %d us" % (SQUID_US, MITM_US))
                usage_line()
        else:
            line("  service CPU per request, us", d, p, "cpu_us", "%.1f")
        line("    of which control, us", d, p, "control_us", "%.1f")
        line("    of which vaultd, us", d, p, "vaultd_us", "%.1f")
        if mode == "new":
            line("  upstream handshakes resumed, %", d, p, "resumed_pct",
                 "%.0f")
            tgt = 1.5 * floor_ms + 1.2
            line("  service CPU per connection, ms", d, p, "cpu_conn_ms",
                 "%.2f", "<= %.2f ms (1.5 x floor %.3f + 1.2)" %
                 (tgt, floor_ms), lambda pv, dv: pv <= tgt)
            print("    the issue's references: squid ssl-bump %.2f ms, "
                  "mitmproxy %.1f ms (neither forks per connection)" %
                  (SQUID_CONN_MS, MITM_CONN_MS))
            if decode and d and d.get("up_us"):
                decode_lines(decode, floor_ms, d["up_us"] / 1e3, tgt)
        elif body:
            line("  service CPU per MiB, ms", d, p, "cpu_mib_ms", "%.2f",
                 "<= 2 ms", lambda pv, dv: pv <= 2.0)
        if conns == 32:
            line("  service peak PSS, MiB", d, p, "pss_mib", "%.1f",
                 "<= 34 MiB", lambda pv, dv: pv <= 34)
        else:
            line("  service peak PSS, MiB", d, p, "pss_mib", "%.1f")
        if relay and name in relay:
            relay_line(d, relay[name])
    if idle_kb is not None:
        print("idle service PSS (prefork 4, a session open): %.1f MiB "
              "(target <= 15 MiB: %s)" % (idle_kb / 1024.0,
                                          verdict(idle_kb <= 15 * 1024)))


def audit_cost(d, up, svc, info):
    """Keep-alive, 8 connections: the audited service against one that
    records nothing, round after round; each keeps its best round.  The
    audited one's log says how many commits its records took."""
    run = RUNS[0]
    os.environ["AILERON_TEST_AUDIT_OFF"] = "1"
    try:
        off, offinfo = start_proxy(d, up, ["-X"])
    finally:
        del os.environ["AILERON_TEST_AUDIT_OFF"]
    on_r = off_r = None
    try:
        for rnd in range(ROUNDS):
            heads = svc.log_text().count("audit head ")
            r = measure(info["port"], run, info["ca"], up, rnd == 0, svc,
                        info["token"], "Bearer " + PLACEHOLDER)
            r["commits"] = svc.log_text().count("audit head ") - heads
            if on_r is None or r["rps"] > on_r["rps"]:
                on_r = r
            r = measure(offinfo["port"], run, offinfo["ca"], up, rnd == 0,
                        off, offinfo["token"], "Bearer " + PLACEHOLDER)
            if off_r is None or r["rps"] > off_r["rps"]:
                off_r = r
    finally:
        off.stop()
        off.remove()
    for r in (on_r, off_r):
        derive(r)
    print("audit: %s (best of %d x %g s), audited and not" %
          (run[0], ROUNDS, SECONDS))
    print("%-34s%12s%12s%8s   %s" % ("", "unaudited", "audited", "ratio",
                                      "target"))
    line("  requests/s", off_r, on_r, "rps", "%.0f",
         ">= 90% of unaudited", lambda pv, dv: pv >= 0.9 * dv)
    line("  p50 ms", off_r, on_r, "p50_ms", "%.2f")
    line("  p99 ms", off_r, on_r, "p99_ms", "%.2f")
    line("  errors", off_r, on_r, "errors", "%d")
    line("  service CPU per request, us", off_r, on_r, "cpu_us", "%.1f")
    line("  control CPU per request, us", off_r, on_r, "control_us", "%.1f",
         "<= 20 us", lambda pv, dv: pv <= 20)
    recs = 2 * on_r["requests"]     # a decision and an outcome each
    print("  audit records/s %.0f; %d commits, %.1f records each "
          "(group commit)" % (recs / on_r["seconds"], on_r["commits"],
                              recs / max(on_r["commits"], 1)))
    # The reference for both targets: what one sync of the state
    # directory's disk costs, measured here and now.  A request waits
    # for at least one, so at the same concurrency the audited rate is at
    # most p50 / (p50 + sync) of the unaudited one.
    wall, cpu, p99, worst = sync_cost(svc.state)
    bound = off_r["p50_ms"] / (off_r["p50_ms"] + wall / 1e3)
    print("  reference: write + fdatasync(2) on the state directory's disk "
          "%.0f us wall, %.0f us CPU; a request waits for one: audited "
          "requests/s at most %.2f of unaudited" % (wall, cpu, bound))
    # A slow sync holds up every request of its group and those queued
    # behind it: the audited p99 cannot be below the disk's.
    print("  reference: over %g s of syncs, 99th percentile %.2f ms, "
          "slowest %.2f ms" % (SECONDS, p99, worst))
    return {"audited": on_r, "unaudited": off_r,
            "sync_us": wall, "sync_cpu_us": cpu}


def sync_cost(directory, secs=SECONDS, n=300):
    """Wall clock and CPU per 512-byte write and fdatasync(2) of a file in
    directory, as the audit log's commit does (the file filled first, so
    the sync writes no size change), for secs: mean wall and CPU in
    microseconds, and the 99th percentile and slowest wall in ms."""
    path = os.path.join(directory, "bench-sync.tmp")
    fd = os.open(path, os.O_CREAT | os.O_RDWR | os.O_TRUNC, 0o600)
    walls = []
    try:
        os.write(fd, bytes(512 * n))
        os.fsync(fd)
        c0, t0 = time.process_time(), time.monotonic()
        end = t0 + secs
        while time.monotonic() < end:
            t = time.monotonic()
            os.pwrite(fd, b"x" * 512, 512 * (len(walls) % n))
            os.fdatasync(fd)
            walls.append(time.monotonic() - t)
        c1, t1 = time.process_time(), time.monotonic()
    finally:
        os.close(fd)
        os.unlink(path)
    walls.sort()
    k = len(walls)
    return ((t1 - t0) * 1e6 / k, (c1 - c0) * 1e6 / k,
            walls[min(k - 1, int(0.99 * k))] * 1e3, walls[-1] * 1e3)


def decode_cost(d):
    """etc/bench-tls-decode with the CA store this bench's master loads
    (one certificate) and with the system store (the default): its JSON
    for each, or None when it did not run."""
    out = {}
    system = ssl.get_default_verify_paths().openssl_cafile
    for name, cafile in (("bench", os.path.join(d, "ca.pem")),
                         ("system", system)):
        try:
            r = subprocess.run([DECODE, "-A", cafile,
                                os.path.join(d, "leaf.pem")],
                               capture_output=True, timeout=60, check=True)
            out[name] = json.loads(r.stdout)
        except (OSError, subprocess.SubprocessError, ValueError) as e:
            print("bench-proxy: certificate decode: not measured: %s" % e)
            return None
    return out


def decode_lines(decode, floor_ms, hs_ms, tgt):
    """What a worker cannot avoid: it is a fresh fork (the floor), it
    decodes the leaf vaultd gives it, which costs OpenSSL 3.0 far more in
    a fresh fork than in a process that has decoded one before, and it
    terminates the agent's TLS (at least what the direct upstream spends
    per new connection, hs_ms)."""
    b, s = decode["bench"], decode["system"]
    print("  reference: first certificate decode (d2i_X509, P-256) in a "
          "fresh fork of a process with OpenSSL's contexts ready:")
    print("    %.2f ms CPU, %.0f page faults, with this bench's 1-certificate "
          "CA store; %.2f ms, %.0f faults, with the system store "
          "(%.0f us when not the first)" % (
              b["child_us"] / 1e3, b["child_faults"], s["child_us"] / 1e3,
              s["child_faults"], b["parent_us"]))
    low = floor_ms + b["child_us"] / 1e3 + hs_ms
    print("    floor %.2f + that decode + the direct upstream's CPU per new "
          "connection %.2f = %.2f ms: %s the target's %.2f" % (
              floor_ms, hs_ms, low, "under" if low <= tgt else "over",
              tgt))


def floor_per_conn():
    """The minimal pre-forking server's CPU per connection, in ms, this
    run (etc/bench.py measures the pool against it)."""
    pre = bench.Prefork()
    try:
        for _ in range(50):
            bench.one(pre.port)
        res = bench.Result()
        bench.measure(pre, res)
    finally:
        pre.stop()
    return res.cpu * 1e3 / res.conns


def main():
    if os.geteuid() != 0:
        print("bench-proxy: skipped: needs root (the service drops to "
              "_aileron)")
        return 0
    for p in (UPSTREAM, CLIENT, DECODE, RELAY,
              os.path.join(BUILD, "bench-prefork")):
        if not os.access(p, os.X_OK):
            sys.exit("bench-proxy: %s is missing; run \"make bench\"" % p)
    d = tempfile.mkdtemp(prefix="aileron-bench-proxy.")
    os.chmod(d, 0o755)
    up = svc = rel = None
    direct, proxy, idle, relay = {}, None, None, {}
    try:
        make_certs(d, [HOST], "aileron bench")
        os.chmod(os.path.join(d, "ca.pem"), 0o644)
        up = upstream(d)
        floor_ms = floor_per_conn()
        try:
            rel = Relay(d, up)
        except RuntimeError as e:
            print("bench-proxy: the bare relay: not measured: %s" % e)
        decode = decode_cost(d)
        try:
            svc, info = start_proxy(d, up)
        except RuntimeError as e:
            print("bench-proxy: through the proxy: not measured: %s" % e)
        if svc:
            time.sleep(0.5)
            idle = tree_pss(svc.pid)
            proxy = {}
        ca = os.path.join(d, "ca.pem")
        print("proxy: a local TLS upstream (P-256, TLS 1.3, 2 processes), "
              "direct and through the proxy with injection on", flush=True)
        # Round after round, direct and proxy take turns, so that a
        # neighbour's load falls on both alike; each keeps its best round.
        for rnd in range(ROUNDS):
            for run in RUNS:
                best(direct, run[0], measure(up.port, run, ca, up, rnd == 0,
                                             auth="Bearer " + CRED))
                if svc:
                    best(proxy, run[0], measure(
                        info["port"], run, info["ca"], up, rnd == 0, svc,
                        info["token"], "Bearer " + PLACEHOLDER))
                # It pays per connection what workers do not (no warm-up,
                # no resumption upstream): no reference for a connection
                # per request.
                if rel and run[1] != "new":
                    try:
                        best(relay, run[0], measure(
                            rel.port, run, ca, up, rnd == 0, rel, "relay",
                            "Bearer " + CRED))
                    except RuntimeError as e:
                        print("bench-proxy: the bare relay: %s: not "
                              "measured: %s" % (run[0], e))
        report(direct, proxy, floor_ms, idle, decode, relay)
        audit = None
        if svc:
            try:
                audit = audit_cost(d, up, svc, info)
            except RuntimeError as e:
                print("bench-proxy: audit: not measured: %s" % e)
        if os.environ.get("BENCH_JSON"):
            with open(os.environ["BENCH_JSON"], "w") as f:
                json.dump({"direct": direct, "proxy": proxy, "relay": relay,
                           "floor_ms": floor_ms, "idle_kb": idle,
                           "audit": audit}, f, indent=1)
    finally:
        if svc:
            svc.stop()
            svc.remove()
        if rel:
            rel.stop()
        if up:
            up.stop()
        shutil.rmtree(d, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
