#!/usr/bin/env python3
# man.t: every man page is mandoc -Tlint -Wwarning clean, and aileron(1)
# documents exactly the subcommands the binary has.

import glob
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from aileron import TAP, BIN, SRC

t = TAP()
pages = sorted(glob.glob(os.path.join(SRC, "man", "*.[1-9]")))
t.plan(len(pages) + 2)
for p in pages:
    r = subprocess.run(["mandoc", "-Tlint", "-Wwarning", p],
                       capture_output=True, text=True)
    t.ok(r.returncode == 0 and r.stdout + r.stderr == "",
         "mandoc -Tlint -Wwarning %s" % os.path.basename(p),
         r.stdout + r.stderr)

r = subprocess.run([BIN, "help"], capture_output=True, text=True)
have = set(re.findall(r"aileron (\w+)", r.stdout))
with open(os.path.join(SRC, "man", "aileron.1")) as f:
    text = f.read()
synopsis = text.split(".Sh SYNOPSIS")[1].split(".Sh DESCRIPTION")[0]
documented = set(re.findall(r"^\.Cm (\w+)", synopsis, re.M))
t.ok(len(have) >= 3, "aileron help lists its subcommands", r.stdout)
t.is_(sorted(documented), sorted(have),
      "aileron(1) documents exactly the subcommands that exist")
t.done()
