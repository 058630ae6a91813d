#!/usr/bin/env python3
# resolve.t: the worker's resolver against a real DNS server on loopback
# (t/helpers/dnsd.py), from inside a worker's sandbox: chrooted to an empty
# directory as the worker user when root, under the seccomp filter of
# "stdio dns".  A name gives its address; NXDOMAIN is "no such host"; a
# private answer is refused unless an allow network line permits it; the
# metadata address never; a pin and an /etc/hosts entry win over DNS and
# ask nothing; a truncated answer is asked again over TCP; a server that
# never answers times out within the deadline.
# The time of each lookup is reported.

import os
import pwd
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from aileron import TAP, BIN, SRC, SLOW, is_root

BUILD = os.environ.get("AILERON_BUILD") or os.path.join(SRC, "build")
HELPER = os.path.join(BUILD, "t", "helpers", "resolve_helper")
DNSD = os.path.join(SRC, "t", "helpers", "dnsd.py")

RECORDS = [
    "a.test=192.0.2.1",
    "dual.test=192.0.2.2,2001:db8::2",
    "v6.test=2001:db8::6",
    "priv.test=10.0.0.1",
    "mixed.test=10.0.0.3,198.51.100.3",
    "md.test=169.254.169.254",
    "md6.test=fd00:ec2::254",
    "pinned.test=192.0.2.50",
    "hosts.test=192.0.2.60",
    "nodata.test=",
    "big.test=192.0.2.70,2001:db8::70",
]

t = TAP()
if not os.access(HELPER, os.X_OK):
    t.skip_all("no %s; run make unit" % HELPER)
user = "_aileron"
if is_root():
    try:
        pwd.getpwnam(user)
    except KeyError:
        t.skip_all("no _aileron user; make check creates it (etc/adduser.sh)")
t.plan(32)

d = tempfile.mkdtemp(prefix="aileron-t.")
procs = []


def dnsd(*args):
    p = subprocess.Popen([sys.executable, DNSD, "--lifetime", "120"] +
                         list(args), stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    procs.append(p)
    return p, int(p.stdout.readline())


def conf(name, text):
    path = os.path.join(d, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def resolve(cfile, names, hosts=None, promises=None, timeout=2000):
    """Run the helper; {name: (status, detail, ms)}, and the process."""
    argv = [HELPER, "-f", cfile, "-t", str(timeout), "-u", user]
    if hosts:
        argv += ["-H", hosts]
    if promises:
        argv += ["-p", promises]
    r = subprocess.run(argv + names, capture_output=True, text=True,
                       timeout=60)
    out = {}
    for line in r.stdout.splitlines():
        f = line.split("\t")
        if len(f) == 4:
            out[f[0]] = (f[1], f[2], float(f[3]))
            t.diag("%-12s %-6s %-40s %8.3f ms" % tuple(f[:3] + [float(f[3])]))
    return out, r


try:
    server, port = dnsd("--truncate", "big.test", *RECORDS)
    silent, sport = dnsd("--silent", "a.test=192.0.2.1")
    hosts = conf("hosts", "192.0.2.77 hosts.test\n")
    base = ("nameserver 127.0.0.1:%d\n"
            'resolve "pinned.test" 127.0.0.2:8443\n'
            "allow network 127.0.0.0/8\n" % port)
    c1 = conf("c1.conf", base)
    names = ["a.test", "dual.test", "v6.test", "nx.test", "nodata.test",
             "priv.test", "mixed.test", "md.test", "md6.test",
             "pinned.test", "hosts.test", "big.test"]
    res, r = resolve(c1, names, hosts=hosts)
    t.is_(r.returncode, 0, "the helper resolved in the worker's sandbox "
          "(%s)" % ("chroot and user change" if is_root() else
                    "not root: no chroot"))
    t.ok("forbidden" not in r.stderr, "no call outside stdio dns",
         r.stderr)
    t.is_(res.get("a.test", ("",))[:2], ("ok", "192.0.2.1:443"),
          "a name gives its address, with the port asked")
    t.is_(res.get("dual.test", ("",))[:2],
          ("ok", "192.0.2.2:443,[2001:db8::2]:443"),
          "A and AAAA, IPv4 first")
    t.is_(res.get("v6.test", ("",))[:2], ("ok", "[2001:db8::6]:443"),
          "an IPv6-only name")
    t.is_(res.get("nx.test", ("",))[:2], ("error", "no such host nx.test"),
          "NXDOMAIN: no such host")
    t.is_(res.get("nodata.test", ("",))[:2],
          ("error", "no address for host nodata.test"),
          "a name without addresses")
    t.is_(res.get("priv.test", ("",))[:2],
          ("error", "blocked address 10.0.0.1 (private)"),
          "a name resolving to 10.0.0.1 is refused as private")
    t.is_(res.get("mixed.test", ("",))[:2], ("ok", "198.51.100.3:443"),
          "of a private and a public address, only the public is returned")
    t.is_(res.get("md.test", ("",))[:2],
          ("error", "blocked address 169.254.169.254 (metadata)"),
          "169.254.169.254 is refused as metadata")
    t.is_(res.get("md6.test", ("",))[:2],
          ("error", "blocked address fd00:ec2::254 (metadata)"),
          "fd00:ec2::254 is refused as metadata")
    t.is_(res.get("pinned.test", ("",))[:2], ("ok", "127.0.0.2:8443"),
          "a resolve line wins over DNS, with its port")
    t.is_(res.get("hosts.test", ("",))[:2], ("ok", "192.0.2.77:443"),
          "an /etc/hosts entry wins over DNS")
    t.is_(res.get("big.test", ("",))[:2],
          ("ok", "192.0.2.70:443,[2001:db8::70]:443"),
          "a truncated answer is asked again over TCP")
    slow = [n for n, v in res.items() if v[2] > 500]
    t.ok(not slow, "every answered lookup took under 500 ms", slow)

    # Allow network lets the private address through, never metadata.
    c2 = conf("c2.conf", base + "allow network 10.0.0.0/8\n"
              "allow network 169.254.0.0/16\nallow network ::/0\n")
    res, r = resolve(c2, ["priv.test", "md.test", "md6.test"])
    t.is_(res.get("priv.test", ("",))[:2], ("ok", "10.0.0.1:443"),
          "allow network 10.0.0.0/8 lets 10.0.0.1 through")
    t.is_(res.get("md.test", ("",))[:2],
          ("error", "blocked address 169.254.169.254 (metadata)"),
          "169.254.169.254 stays refused under allow network 169.254.0.0/16")
    t.is_(res.get("md6.test", ("",))[:2],
          ("error", "blocked address fd00:ec2::254 (metadata)"),
          "fd00:ec2::254 stays refused under allow network ::/0")

    # Neither a pin nor an /etc/hosts name was asked of the server.
    server.terminate()
    _, qlog = server.communicate(timeout=10)
    asked = set(re.findall(r"query (\S+) ", qlog))
    t.ok("a.test" in asked, "the server saw the DNS lookups", qlog)
    t.ok("pinned.test" not in asked and "hosts.test" not in asked,
         "a pinned or /etc/hosts name is never asked of DNS",
         sorted(asked))
    t.ok(re.search(r"query big\.test 1 tcp", qlog) and
         re.search(r"query big\.test 28 tcp", qlog) and
         not re.search(r"query a\.test \d+ tcp", qlog),
         "TCP only for the truncated name", qlog)

    # A server that never answers: a timeout, within the deadline.
    c3 = conf("c3.conf", "nameserver 127.0.0.1:%d\n" % sport)
    start = time.monotonic()
    res, r = resolve(c3, ["a.test"], timeout=1000)
    wall = (time.monotonic() - start) * 1000
    st, detail, ms = res.get("a.test", ("", "", 0.0))
    t.is_(st, "error", "a silent server: the lookup fails")
    t.like(detail, r"^DNS timeout for a\.test after \d+ ms$",
           "and says DNS timeout")
    t.ok(950 <= ms <= 1300 * SLOW, "within the 1000 ms deadline "
         "(%.0f ms; the helper ran %.0f ms)" % (ms, wall))
    silent.terminate()
    _, qlog = silent.communicate(timeout=10)
    t.ok(len(re.findall(r"query a\.test 1", qlog)) >= 2,
         "the silent server was asked again before the deadline", qlog)

    # A nameserver nobody listens on: refused at once, not a hang.
    c4 = conf("c4.conf", "nameserver 127.0.0.1:%d\n" % sport)
    res, r = resolve(c4, ["a.test"], timeout=1000)
    st, detail, ms = res.get("a.test", ("", "", 0.0))
    t.ok(st == "error" and "no nameserver reachable" in detail and
         ms < 500 * SLOW, "a closed port: unreachable, said at once "
         "(%s, %.0f ms)" % (detail, ms))

    # The dns promise is what lets the worker ask: without it, killed.
    server2, port2 = dnsd(*RECORDS)
    c5 = conf("c5.conf", "nameserver 127.0.0.1:%d\n" % port2)
    res, r = resolve(c5, ["a.test"], promises="stdio")
    t.ok(r.returncode != 0 and "a.test" not in res,
         "promises without dns: the first socket ends the process",
         r.stderr)
    res, r = resolve(c5, ["a.test"], promises="stdio inet dns")
    t.is_(res.get("a.test", ("",))[:2], ("ok", "192.0.2.1:443"),
          "the worker's promises, stdio inet dns, resolve")
    res, r = resolve(c5, ["a.test"], promises="stdio inet")
    t.is_(res.get("a.test", ("",))[:2], ("ok", "192.0.2.1:443"),
          "inet covers dns, so the master's filter covers the workers'")

    # aileron service -n checks the same lines, file:line.
    c6 = conf("c6.conf", "allow network 10.0.0.0/8\nresolve \"x.test\" "
              "127.0.0.1:1\nupstream ca \"missing.pem\"\n")
    r = subprocess.run([BIN, "service", "-n", "-f", c6, "-s", d],
                       capture_output=True, text=True, timeout=30)
    t.is_(r.returncode, 1, "service -n: a missing upstream ca is an error")
    t.like(r.stderr, r"c6\.conf:3: upstream ca \"missing\.pem\": No such "
           r"file or directory", "named with file and line")
    c7 = conf("c7.conf", "egress deny\nallow host \"*.example.com\"\n"
              "timeout header 5\nnameserver [::1]:53\nintercept all\n")
    r = subprocess.run([BIN, "service", "-n", "-f", c7, "-s", d],
                       capture_output=True, text=True, timeout=30)
    t.ok(r.returncode == 0, "service -n: the proxy's lines pass", r.stderr)
finally:
    for p in procs:
        if p.poll() is None:
            p.kill()
        p.wait()
    shutil.rmtree(d, ignore_errors=True)
t.done()
