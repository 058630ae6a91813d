#!/usr/bin/env python3
# install.t: "make install" honours PREFIX and DESTDIR and installs the
# binary, the shims (in a directory of their own, never the system's
# PATH, where they would shadow the vendors' commands), the shell
# completion, every man page, the specs, the manifest, the sample
# configuration, the systemd unit (which systemd-analyze accepts) and the
# rc.d script.

import glob
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from aileron import TAP, SRC

t = TAP()
t.plan(18)
build = os.environ.get("AILERON_BUILD", os.path.join(SRC, "build"))
dest = tempfile.mkdtemp(prefix="aileron-inst.")
# What an older install left: a shim in PREFIX/bin, beside a vendor's
# command of a shim's name, which must stay.
os.makedirs(dest + "/opt/ail/bin")
with open(dest + "/opt/ail/bin/github", "wb") as f:
    f.write(b"\x7fELF old shim, User-Agent aileron-shim/1\n")
with open(dest + "/opt/ail/bin/stripe", "w") as f:
    f.write("#!/bin/sh\necho the vendor's stripe\n")
r = subprocess.run(["make", "-s", "-C", SRC, "install", "BUILD=" + build,
                    "DESTDIR=" + dest, "PREFIX=/opt/ail"],
                   capture_output=True, text=True, timeout=300)
t.is_(r.returncode, 0, "make install DESTDIR=... PREFIX=/opt/ail")
if r.returncode:
    t.diag(r.stdout[-2000:] + r.stderr[-2000:])
root = dest + "/opt/ail"
t.ok(os.access(root + "/bin/aileron", os.X_OK), "the binary is in PREFIX/bin")
svcbin = root + "/libexec/aileron/aileron-service"
t.ok(os.access(svcbin, os.X_OK),
     "the service's own binary is in PREFIX/libexec/aileron")
r = subprocess.run(["ldd", svcbin], capture_output=True, text=True)
t.ok(r.returncode == 0 and "libcrypto" in r.stdout and
     "libcurl" not in r.stdout,
     "and it does not map libcurl", r.stdout)
specs = sorted(os.path.basename(p)[:-5]
               for p in glob.glob(os.path.join(SRC, "specs", "*.json")))
t.ok(specs and all(os.access(root + "/libexec/aileron/shims/" + s, os.X_OK)
                   for s in specs),
     "a shim per spec is in PREFIX/libexec/aileron/shims")
t.is_(sorted(os.listdir(root + "/bin")), ["aileron", "stripe"],
      "PREFIX/bin holds no shim: an old one is removed")
with open(root + "/bin/stripe") as f:
    t.ok("vendor" in f.read(), "a vendor's command of a shim's name stays")
t.ok(os.path.exists(root + "/share/bash-completion/completions/aileron"),
     "the bash completion is in PREFIX/share/bash-completion/completions")
t.ok(os.path.exists(root + "/share/zsh/site-functions/_aileron"),
     "the zsh completion is in PREFIX/share/zsh/site-functions")
mans = [os.path.basename(p)
        for p in glob.glob(os.path.join(SRC, "man", "*.[1-9]"))]
t.ok(mans and all(os.path.exists("%s/share/man/man%s/%s" %
                                 (root, m[-1], m)) for m in mans),
     "every man page is installed in its section")
t.ok(all(os.path.exists("%s/share/man/man1/%s.1" % (root, s))
         for s in specs), "and each shim's page")
t.ok(all(os.path.exists("%s/share/aileron/specs/%s.json" % (root, s))
         for s in specs), "the specs are in PREFIX/share/aileron/specs")
t.ok(os.path.exists(root + "/share/aileron/actions.json"),
     "the manifest is in PREFIX/share/aileron")
t.ok(os.path.exists(dest + "/etc/aileron/aileron.conf.sample"),
     "the sample configuration is in /etc/aileron")
unit = root + "/lib/systemd/system/aileron.service"
text = open(unit).read() if os.path.exists(unit) else ""
t.ok("ExecStart=/opt/ail/bin/aileron service -s /var/lib/aileron" in text
     and "ExecStop=/opt/ail/bin/aileron service stop -s /var/lib/aileron"
     in text, "the systemd unit is in PREFIX/lib/systemd/system, with "
     "PREFIX's binary", text[:400])
rcd = root + "/share/aileron/rc.d/aileron"
t.ok(os.access(rcd, os.X_OK) and "@BINDIR@" not in open(rcd).read() and
     "/opt/ail/bin/aileron service stop" in open(rcd).read(),
     "the rc.d script is in PREFIX/share/aileron/rc.d")
r = subprocess.run(["sh", "-n", rcd], capture_output=True, text=True)
t.is_(r.returncode, 0, "and it parses")
if shutil.which("systemd-analyze") is None:
    t.skip(1, "no systemd-analyze")
else:
    # systemd cannot run here: verify the unit, with the paths under
    # DESTDIR so that the binaries it names exist.
    d = tempfile.mkdtemp(prefix="aileron-unit.")
    with open(os.path.join(d, "aileron.service"), "w") as f:
        f.write(text.replace("/opt/ail/", root + "/"))
    r = subprocess.run(["systemd-analyze", "verify", "--man=no",
                        os.path.join(d, "aileron.service")],
                       capture_output=True, text=True, timeout=60)
    t.ok(r.returncode == 0 and r.stderr.strip() == "",
         "systemd-analyze verify accepts the unit", r.stderr)
    shutil.rmtree(d, ignore_errors=True)
shutil.rmtree(dest, ignore_errors=True)
t.done()
