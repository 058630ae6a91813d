#!/usr/bin/env python3
# Copyright (c) 2026 The aileron authors
#
# Permission to use, copy, modify, and distribute this software for any
# purpose with or without fee is hereby granted, provided that the above
# copyright notice and this permission notice appear in all copies.
#
# THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.

# git through the proxy: clone and push over smart HTTP (protocol v2, a
# chunked push) to git http-backend behind a local TLS forge that wants
# Basic credentials.  git holds only a placeholder; the proxy injects the
# real credential, which git, its output and the logs never see.

import atexit
import base64
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from aileron import TAP, SLOW                                 # noqa: E402
from proxyenv import ProxyEnv                                 # noqa: E402
from git_upstream import GitUpstream, BACKEND                 # noqa: E402

t = TAP()
if os.geteuid() != 0:
    t.skip_all("needs root: the service drops to _aileron")
if not os.path.exists(BACKEND):
    t.skip_all("no git http-backend")
t.plan(9)

PASSWORD = "forge-REALPASS-7d1f0c"
root = None


def forge(cert, key):
    return GitUpstream(cert, key, root, "robot", PASSWORD)


def git(*args, cwd=None, env=None, check=True):
    p = subprocess.run(["git"] + list(args), cwd=cwd, env=env,
                       capture_output=True, timeout=120 * SLOW)
    if check and p.returncode != 0:
        raise RuntimeError("git %s: %s" % (" ".join(args),
                                          p.stderr.decode()))
    return p


import tempfile                                               # noqa: E402
root = tempfile.mkdtemp(prefix="aileron-git.")
os.chmod(root, 0o755)
atexit.register(shutil.rmtree, root, ignore_errors=True)
base = {"PATH": os.environ["PATH"], "HOME": root, "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_TERMINAL_PROMPT": "0", "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@test", "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@test"}
git("init", "-q", "--bare", "-b", "main", os.path.join(root, "r.git"),
    env=base)
git("--git-dir", os.path.join(root, "r.git"), "config", "http.receivepack",
    "true", env=base)
seed = os.path.join(root, "seed")
git("init", "-q", "-b", "main", seed, env=base)
with open(os.path.join(seed, "README"), "w") as f:
    f.write("seed\n")
git("add", "README", cwd=seed, env=base)
git("commit", "-q", "-m", "seed", cwd=seed, env=base)
git("push", "-q", os.path.join(root, "r.git"), "main", cwd=seed, env=base)

E = ProxyEnv(hosts=("git.test",), connector="forge", spec="git.json",
             upstream=forge)
try:
    E.vault(secret="robot:" + PASSWORD, kind="basic")
    E.start_session()
    env = dict(base)
    env.update({"HTTPS_PROXY": E.proxy_url(), "GIT_SSL_CAINFO":
                E.session["bundle"]})
    work = os.path.join(root, "work")
    p = git("-c", "protocol.version=2", "clone",
            "https://robot:placeholder@git.test/r.git", work, env=env,
            check=False)
    out = p.stdout + p.stderr
    t.ok(p.returncode == 0 and os.path.exists(os.path.join(work, "README")),
         "git clone through the proxy", out.decode()[-500:])
    t.ok(any("version=2" in x for x in E.upstream.protocols),
         "over protocol v2")
    real = "Basic " + base64.b64encode(("robot:" + PASSWORD).encode()
                                       ).decode()
    t.ok(E.upstream.auths and all(a == real for a in E.upstream.auths),
         "every request reached the forge with the real credential, "
         "never git's placeholder", E.upstream.auths[:3])

    with open(os.path.join(work, "blob"), "wb") as f:
        f.write(os.urandom(300 * 1024))
    git("add", "blob", cwd=work, env=env)
    git("commit", "-q", "-m", "blob", cwd=work, env=env)
    p = git("-c", "http.postBuffer=4096", "push", "origin", "main",
            cwd=work, env=env, check=False)
    out += p.stdout + p.stderr
    t.ok(p.returncode == 0, "git push through the proxy",
         p.stderr.decode()[-500:])
    t.ok(E.upstream.chunked > 0, "with a chunked request body")
    head = git("rev-parse", "HEAD", cwd=work, env=env).stdout.strip()
    there = git("--git-dir", os.path.join(root, "r.git"), "rev-parse",
                "main", env=base).stdout.strip()
    t.is_(there, head, "the forge has the pushed commit")
    p = git("fetch", "origin", cwd=work, env=env, check=False)
    t.ok(p.returncode == 0, "git fetch after the push", p.stderr)
    seen = out + E.svc.log_text().encode()
    t.ok(PASSWORD.encode() not in seen and
         base64.b64encode(("robot:" + PASSWORD).encode()) not in seen,
         "the password is in nothing git printed, nor in the logs")
    E.svc.audit_wait(lambda r: r.get("action") == "push" and
                     r.get("event") == "request")
    audit = E.svc.audit_export()
    t.ok(b'"action":"push"' in audit and PASSWORD.encode() not in audit,
         "the push is audited, without the credential")
finally:
    E.close()
t.done()
