#!/usr/bin/env python3
# config.t: "aileron service -n" reports each bad configuration as
# file:line: message with exit 1; SIGHUP rereads the file, and a bad file
# keeps the running configuration.

import atexit
import os
import shutil
import signal
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from aileron import TAP, Service, BIN, wait_for

CASES = [
    ("listne on 127.0.0.1 port 1\n", r'^c\.conf:1: unknown keyword "listne"'),
    ("# comment\nlisten on 127.0.0.1 port 99999\n",
     r'^c\.conf:2: port "99999" is out of range \(0-65535\)'),
    ("prefork many\n", r'^c\.conf:1: .*"many" is not a number'),
    ("prefork 0\n", r"^c\.conf:1: .*out of range"),
    ("listen on 127.0.0.1 port 8443\nlisten on 127.0.0.1 port 8443\n",
     r"^c\.conf:2: listener .* already defined on line 1"),
    ('user "unterminated\n', r"^c\.conf:1: unterminated quoted string"),
    ("prefork 8\nmax workers 4\n",
     r"^c\.conf:2: max workers \(4\) is less than prefork \(8\)"),
    ("log loud\n", r"^c\.conf:1: "),
    ('connector "x" spec "/a"\nconnector "x" spec "/b"\n',
     r'^c\.conf:2: connector "x" is already defined on line 1'),
    ("audit retention 400\n",
     r'^c\.conf:1: audit retention "400": give a number and a unit'),
    ("audit retention 0d\n", r'^c\.conf:1: audit retention "0d" is out of '
     r"range"),
    ("audit retention 36501d\n", r"^c\.conf:1: .* out of range"),
    ("audit forever\n", r'^c\.conf:1: unknown audit setting "forever"'),
    ("audit syslog loud\n", r"^c\.conf:1: unexpected"),
    ('prices "nope"\n', r"^c\.conf:1: prices: .*/nope: No such file"),
    ('prices "p.bad"\n', r'^c\.conf:1: prices: .*/p\.bad:2: output "x": '
     r"expected US dollars per million tokens"),
    ('prices "p.good"\nprices "p.good"\n',
     r"^c\.conf:2: a second prices line \(the first is line 1\)"),
    # Budgets (issue 14).
    ('budget crew "x" 1 tokens per day\n',
     r'^c\.conf:1: budget "crew": expected user, team, agent, project'),
    ('budget team "s" 200 EUR per month\n',
     r'^c\.conf:1: budget: "EUR" is no unit'),
    ('budget team "s" 200 tokens per year\n',
     r'^c\.conf:1: budget: "year" is no period'),
    ('budget team "s" 2.5 tokens per day\n',
     r'^c\.conf:1: budget: "2\.5" is not an amount of tokens'),
    ('prices "p.good"\nbudget team "s" 0.0000001 USD per day\n',
     r'^c\.conf:2: budget: "0\.0000001" is not an amount of USD'),
    ('budget team "s" 9 tokens each day\n',
     r'^c\.conf:1: expected "per"'),
    ('budget team "s" 1 tokens per day\nbudget team "s" 2 tokens per day\n',
     r'^c\.conf:2: a second budget of team s in tokens per day'),
    ("budget reservation 0\n",
     r"^c\.conf:1: budget reservation \"0\" is out of range"),
    # The web page (issue 14): loopback only, once.
    ("web listen 0.0.0.0 port 8080\n",
     r'^c\.conf:1: web listen "0\.0\.0\.0": only a loopback address'),
    ("web listen 192.0.2.1 port 8080\n",
     r'^c\.conf:1: web listen "192\.0\.2\.1": only a loopback address'),
    ("web listen 127.0.0.1 port 8080\nweb listen ::1 port 8081\n",
     r"^c\.conf:2: web listen is already defined"),
    ("web listen example.com port 8080\n",
     r'^c\.conf:1: address "example\.com" is not an IPv4'),
    ("web on 127.0.0.1 port 8080\n", r"^c\.conf:1: .*listen"),
]

t = TAP()
t.plan(2 * len(CASES) + 12)
d = tempfile.mkdtemp(prefix="aileron-t.")
# Removed however the test ends; out of it first, so it can go.
atexit.register(lambda: (os.chdir("/"),
                         shutil.rmtree(d, ignore_errors=True)))
os.chdir(d)
with open("p.bad", "w") as f:
    f.write('taken 2026-11-01\nmodel "m" input 1 output x\n')
with open("p.good", "w") as f:
    f.write('taken 2026-11-01\nmodel "m" input 1 output 2\n')
for text, pattern in CASES:
    with open("c.conf", "w") as f:
        f.write(text)
    r = subprocess.run([BIN, "service", "-n", "-f", "c.conf", "-s", d],
                       capture_output=True, text=True)
    t.is_(r.returncode, 1, "exit 1 for %r" % text.strip())
    t.like(r.stderr, pattern, "file:line: message for %r" % text.strip())

with open("c.conf", "w") as f:
    f.write("listen on 0.0.0.0 port 0\n")
r = subprocess.run([BIN, "service", "-n", "-f", "c.conf", "-s", d],
                   capture_output=True, text=True)
t.is_(r.returncode, 0, "a non-loopback listener is accepted")
t.like(r.stderr, r"c\.conf:1: warning: .*0\.0\.0\.0", "with a warning")

r = subprocess.run([BIN, "service", "-n", "-f", "missing.conf", "-s", d],
                   capture_output=True, text=True)
t.ok(r.returncode == 1 and "missing.conf" in r.stderr,
     "-f naming a missing file is an error that names it", r.stderr)
try:
    r = subprocess.run([BIN, "service", "-n", "-f", "/dev/zero", "-s", d],
                       capture_output=True, text=True, timeout=30)
    rc = r.returncode
except subprocess.TimeoutExpired:
    rc = None
t.is_(rc, 1, "-f /dev/zero: refused, not read forever")
r = subprocess.run([BIN, "service", "-n", "-s", d + "/fresh"],
                   capture_output=True, text=True)
t.is_(r.returncode, 0, "no aileron.conf in the state directory: defaults")

# SIGHUP: prefork 2 -> 3 takes effect; a bad file keeps the old config.
svc = Service(prefork=2, max_workers=8)
svc.start()
wait_for(lambda: len(svc.by_role()[2]) == 2, 10)
svc.write_conf("listen on 127.0.0.1 port 0\nprefork 3\nmax workers 8\n"
               "log debug\n")
os.kill(svc.pid, signal.SIGHUP)
t.ok(svc.wait_log(r"reloaded: prefork 3, max workers 8"),
     "SIGHUP rereads the configuration")
t.ok(wait_for(lambda: len(svc.by_role()[2]) == 3, 10),
     "and the pool grows to the new prefork 3", svc.by_role())
t.ok(svc.wait_log(r"reload: listen addresses changed; this takes a "
                  r"restart") is None,
     "an unchanged port 0 listener is not reported as changed")
svc.write_conf("prefork 3\nbogus line\n")
os.kill(svc.pid, signal.SIGHUP)
t.ok(svc.wait_log(r"reload: .* has errors; keeping the running "
                  r"configuration"),
     "a bad file on SIGHUP keeps the running configuration")
lport, reply = svc.request()
t.ok(reply.startswith(b"HTTP/1.1 400 "), "and the service keeps serving")
# Two more good reloads: the kept listeners move from one configuration
# to the next each time (this is where a copied list head would show).
for n in (2, 4):
    svc.write_conf("listen on 127.0.0.1 port 0\nprefork %d\n"
                   "max workers 8\nlog debug\n" % n)
    os.kill(svc.pid, signal.SIGHUP)
    svc.wait_log(r"reloaded: prefork %d," % n)
t.ok(wait_for(lambda: len(svc.by_role()[2]) == 4, 10),
     "after two more reloads the pool follows prefork 4")
lport, reply = svc.request()
t.is_(svc.stop(), 0, "and the service still serves and stops cleanly")
t.done()
