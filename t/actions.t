#!/usr/bin/env python3
# actions.t: "aileron actions list" prints the manifest of the connectors
# the configuration names, as JSON or as a table, and names a bad spec.

import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from aileron import TAP, BIN, SRC

t = TAP()
t.plan(8)
build = os.environ.get("AILERON_BUILD", os.path.join(SRC, "build"))
with open(os.path.join(build, "actions.json")) as f:
    full = json.load(f)

state = tempfile.mkdtemp(prefix="aileron-t.")
conf = os.path.join(state, "aileron.conf")
with open(conf, "w") as f:
    for c in ("github", "stripe"):
        f.write('connector "%s" spec "%s/specs/%s.json"\n' %
                (c, os.path.abspath(SRC), c))

r = subprocess.run([BIN, "actions", "list", "--json", "-s", state],
                   capture_output=True, text=True)
t.is_(r.returncode, 0, "actions list --json exits 0")
got = json.loads(r.stdout) if r.returncode == 0 else {}
want = [a for a in full["actions"] if a["connector"] in ("github", "stripe")]
t.is_(got.get("actions"), want,
      "it is the build's manifest, cut to the configured connectors")
t.ok(any(a["connector"] == "stripe" and a["action"] == "create_refund" and
         a["approval"] == "always" for a in got.get("actions", [])),
     "stripe.create_refund is listed as needing approval")

r = subprocess.run([BIN, "actions", "list", "-s", state],
                   capture_output=True, text=True)
lines = r.stdout.splitlines()
t.ok(r.returncode == 0 and lines and lines[0].split()[:2] ==
     ["ACTION", "APPROVAL"], "the table has a header", r.stdout[:200])
t.is_(len(lines) - 1, len(want), "and one line per action")

with open(conf, "w") as f:
    f.write('connector "github" spec "%s/nonexistent.json"\n' % state)
r = subprocess.run([BIN, "actions", "list", "-s", state],
                   capture_output=True, text=True)
t.ok(r.returncode == 1 and "nonexistent.json" in r.stderr,
     "a missing spec is an error that names it", r.stderr)

with open(conf, "w") as f:
    f.write('connector "gh" spec "%s/specs/github.json"\n' %
            os.path.abspath(SRC))
r = subprocess.run([BIN, "actions", "list", "-s", state],
                   capture_output=True, text=True)
t.ok(r.returncode == 1 and 'describes connector "github"' in r.stderr,
     "a spec for another connector is refused", r.stderr)

r = subprocess.run([BIN, "actions", "frobnicate", "-s", state],
                   capture_output=True, text=True)
t.is_(r.returncode, 2, "an unknown actions subcommand is a usage error")
import shutil
shutil.rmtree(state, ignore_errors=True)
t.done()
