#!/usr/bin/env python3
# cli.t: the aileron command line without a service: --version, help for
# every command and subcommand, usage errors that name the wrong argument
# and exit 2 (before any key is asked for or any service is reached),
# "aileron shims path", and the bash and zsh completion, which must name
# exactly the commands "aileron help" lists and be valid shell.

import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from aileron import TAP, BIN, SRC

t = TAP()
BUILD = os.environ.get("AILERON_BUILD", os.path.join(SRC, "build"))
STATE = tempfile.mkdtemp(prefix="aileron-cli.")
ENV = dict(os.environ, AILERON_STATE=STATE, LC_ALL="C")


def run(*args, stdin=subprocess.DEVNULL):
    p = subprocess.run([BIN] + list(args), env=ENV, stdin=stdin,
                       capture_output=True, text=True, timeout=30)
    return p.returncode, p.stdout, p.stderr


with open(os.path.join(SRC, "Makefile")) as f:
    VERSION = re.search(r"^VERSION=\s*(\S+)", f.read(), re.M).group(1)

# --version and -V.
for flag in ("--version", "-V"):
    rc, out, err = run(flag)
    t.ok(rc == 0 and out == "aileron %s\n" % VERSION and not err,
         "aileron %s prints \"aileron %s\", exit 0" % (flag, VERSION),
         [rc, out, err])
rc, out, err = run("--version", "extra")
t.ok(rc == 2 and '"extra"' in err, "--version with an argument: exit 2",
     [rc, err])

# aileron help lists every command; the names are what completion must
# offer.
rc, out, err = run("help")
t.ok(rc == 0 and out.startswith("usage: aileron ") and not err,
     "aileron help: the usage on stdout, exit 0", [rc, out, err])
lines = [m.group(1, 2) for m in
         re.finditer(r"^(?:usage:)?\s+aileron (\S+)(.*)$", out, re.M)]
COMMANDS = sorted(set(c for c, _ in lines if not c.startswith("-")))
SUBS = {}
for c, rest in lines:
    w = rest.split()
    if w and re.match(r"^[a-z]+$", w[0]):
        SUBS.setdefault(c, []).append(w[0])
t.ok({"actions", "completion", "help", "secret", "service", "session",
      "shims", "status", "vault"} <= set(COMMANDS),
     "it lists the commands", COMMANDS)
t.ok(all(s in SUBS.get(c, []) for c, s in
         (("vault", "init"), ("vault", "passwd"), ("vault", "backup"),
          ("secret", "add"), ("secret", "list"), ("secret", "rm"),
          ("secret", "rotate"), ("session", "start"), ("session", "end"),
          ("actions", "list"), ("shims", "path"))),
     "and their subcommands", SUBS)

# help CMD, CMD --help, CMD -h: that command's usage, exit 0.
for c in COMMANDS:
    want = "usage: aileron %s" % c
    for argv in (["help", c], [c, "--help"], [c, "-h"]):
        rc, out, err = run(*argv)
        t.ok(rc == 0 and out.startswith(want) and
             all(l.strip().startswith("aileron %s" % c) or
                 l.startswith("           ")
                 for l in out.replace("usage:", "", 1).splitlines()),
             "aileron %s: %s's usage alone, exit 0" % (" ".join(argv), c),
             [rc, out, err])
for c in ("vault", "secret", "session", "actions"):
    for s in SUBS[c]:
        want = "usage: aileron %s %s" % (c, s)
        for argv in ([c, s, "--help"], ["help", c, s]):
            rc, out, err = run(*argv)
            t.ok(rc == 0 and out.startswith(want) and
                 "aileron %s " % c not in out[len(want):],
                 "aileron %s: that subcommand's usage, exit 0" %
                 " ".join(argv), [rc, out, err])

# Usage errors: exit 2, the wrong argument named, nothing asked for.  A
# key descriptor that would block is given so that a command that read
# a key first would hang, not pass.
USAGE = [
    (["vault", "init", "--kdf-n", "abc"], "abc"),
    (["vault", "passwd", "--kdf-n", "3"], "--kdf-n 3"),
    (["vault", "init", "--key-fd", "999"], "999"),
    (["vault", "init", "--bogus"], '"--bogus"'),
    (["vault", "init", "--user"], '"--user" needs a value'),
    (["vault", "backup"], "directory"),
    (["vault", "backup", "a", "b"], '"b"'),
    (["vault", "frob"], '"frob"'),
    (["vault"], "subcommand"),
    (["secret", "add", "foo"], "--connector"),
    (["secret", "add", "foo", "--connector"], '"--connector" needs a value'),
    (["secret", "add", "foo", "--connector", "x", "--json"], '"--json"'),
    (["secret", "add", "foo", "--connector", "x", "--kind", "header"],
     "--kind header needs a name"),
    (["secret", "list", "--connector", "x"], '"--connector"'),
    (["secret", "list", "extra"], '"extra"'),
    (["secret", "rm"], "name the credential"),
    (["secret", "rotate", "a", "--replace"], '"--replace"'),
    (["secret", "nope"], '"nope"'),
    (["session", "start", "--bogus"], '"--bogus"'),
    (["session", "start", "--json", "--env"], '"--env"'),
    (["session", "end"], "name the session"),
    (["status", "--bogus"], '"--bogus"'),
    (["status", "-s"], '"-s" needs a value'),
    (["actions"], "subcommand"),
    (["actions", "lst"], '"lst"'),
    (["actions", "list", "-f"], '"-f" needs a value'),
    (["shims"], "shims"),
    (["shims", "where"], '"where"'),
    (["shims", "path", "x"], '"x"'),
    (["completion"], "bash or zsh"),
    (["completion", "fish"], '"fish"'),
    (["help", "nope"], '"nope"'),
    (["help", "vault", "nope"], '"nope"'),
    (["nope"], '"nope"'),
    ([], "usage:"),
]
r, w = os.pipe()
try:
    for argv, want in USAGE:
        rc, out, err = run(*argv, stdin=r)
        first = err.splitlines()[0] if err else ""
        t.ok(rc == 2 and want in first and not out,
             "usage error: aileron %s: exit 2, first line names %s" %
             (" ".join(argv), want), [rc, out, err])
finally:
    os.close(r)
    os.close(w)

# The shims' directory: in a build tree, build/shims.
rc, out, err = run("shims", "path")
t.ok(rc == 0 and os.path.realpath(out.strip()) ==
     os.path.realpath(os.path.join(os.path.dirname(BIN), "shims")),
     "aileron shims path: the build tree's shims", [rc, out, err])

# Completion: built by make, the same as the command prints, naming
# exactly the commands aileron help lists, and valid shell.
for shell, built in (("bash", "aileron"), ("zsh", "_aileron")):
    rc, out, err = run("completion", shell)
    t.ok(rc == 0 and out and not err, "aileron completion %s: exit 0" % shell,
         [rc, err])
    try:
        with open(os.path.join(BUILD, "completion", built)) as f:
            made = f.read()
    except OSError as e:
        made = str(e)
    t.ok(made == out, "make built %s/completion/%s from it" % (BUILD, built))
    m = re.search(r"^_aileron_commands=[\"(]([^\")]*)[\")]$", out, re.M)
    named = sorted(m.group(1).split()) if m else []
    t.is_(named, COMMANDS,
          "the %s completion names exactly the commands of aileron help"
          % shell)
    t.ok(all(re.search(r"^\t+%s\)" % re.escape(c), out, re.M)
             for c in COMMANDS),
         "and has a branch for each", out)
    t.ok(all(re.search(r"^\t+%s\)" % re.escape(s), out, re.M)
             for c in SUBS for s in SUBS[c] if c not in ("help",)),
         "and for each subcommand")
    exe = shutil.which(shell)
    if exe is None:
        t.skip(1, "no %s" % shell)
        continue
    path = os.path.join(STATE, built)
    with open(path, "w") as f:
        f.write(out)
    p = subprocess.run([exe, "-n", path], capture_output=True, text=True,
                       timeout=30)
    t.ok(p.returncode == 0 and not p.stderr, "%s -n accepts it" % shell,
         p.stderr)

# And it completes: the bash one, driven as bash would.
if shutil.which("bash"):
    script = ('source %s\n'
              'COMP_WORDS=(aileron va); COMP_CWORD=1; _aileron\n'
              'echo "1:${COMPREPLY[*]}"\n'
              'COMP_WORDS=(aileron vault ""); COMP_CWORD=2; _aileron\n'
              'echo "2:${COMPREPLY[*]}"\n'
              'COMP_WORDS=(aileron secret add x --con); COMP_CWORD=4; '
              '_aileron\necho "3:${COMPREPLY[*]}"\n'
              % os.path.join(STATE, "aileron"))
    p = subprocess.run(["bash", "-c", script], capture_output=True,
                       text=True, timeout=30)
    t.is_(p.stdout, "1:vault\n2:init passwd backup create grant revoke "
          "members list --help\n3:--connector\n",
          "bash completes commands, subcommands and options")
else:
    t.skip(1, "no bash")

shutil.rmtree(STATE, ignore_errors=True)
t.done()
