#!/usr/bin/env python3
# launch-docker.t: aileron launch --sandbox docker, against a fake docker
# first in PATH that records its arguments and the env-file it was given
# (no engine runs here): the container has no network, the relay and the
# session's files are mounted in, the token is in a 0600 env-file that is
# gone afterwards and never in argv; the project's devcontainer.json
# (comments and all) picks the image or the Dockerfile to build; aileron
# sandbox init scaffolds one and never overwrites.

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from aileron import TAP, BIN, SLOW  # noqa: E402
from proxyenv import ProxyEnv, MASTER, SECRET, cli  # noqa: E402

t = TAP()
if os.geteuid() != 0:
    t.skip_all("needs root: the service drops to _aileron")
t.plan(35)

FAKE = r'''#!/usr/bin/env python3
import json, os, stat, sys
log = os.environ["FAKE_DOCKER_LOG"]
args = sys.argv[1:]
rec = {"argv": sys.argv}
if args[:1] == ["info"]:
    sys.exit(0 if not os.environ.get("FAKE_DOCKER_NOENGINE") else 1)
if args[:1] == ["run"] and "--env-file" in args:
    p = args[args.index("--env-file") + 1]
    rec["envfile"] = p
    rec["mode"] = stat.S_IMODE(os.stat(p).st_mode)
    rec["env"] = open(p).read()
    for a in args:
        if a.endswith(":/etc/aileron/mcp.json:ro"):
            rec["mcp"] = json.load(open(a.split(":")[0]))
with open(log, "a") as f:
    f.write(json.dumps(rec) + "\n")
sys.exit(int(os.environ.get("FAKE_DOCKER_RC", "5")) if args[:1] == ["run"]
         else 0)
'''


def records(log):
    try:
        with open(log) as f:
            return [json.loads(x) for x in f]
    except OSError:
        return []


def launch(E, args, proj, env):
    r, w = os.pipe()
    os.write(w, (MASTER + "\n").encode())
    os.close(w)
    try:
        p = subprocess.run([BIN, "launch", "--key-fd", str(r), "--dir",
                            proj, "-s", E.svc.state] + args,
                           capture_output=True, pass_fds=(r,), env=env,
                           stdin=subprocess.DEVNULL, timeout=120 * SLOW)
    finally:
        os.close(r)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def sessions(E):
    rc, out, err = cli(E.svc, ["session", "list", "--json"])
    return json.loads(out) if rc == 0 else None


E = ProxyEnv()
d = tempfile.mkdtemp(prefix="aileron-docker-t.")
try:
    E.vault()
    bindir = os.path.join(d, "bin")
    os.mkdir(bindir)
    with open(os.path.join(bindir, "docker"), "w") as f:
        f.write(FAKE)
    os.chmod(os.path.join(bindir, "docker"), 0o755)
    log = os.path.join(d, "docker.log")
    env = dict(os.environ, PATH=bindir + ":" + os.environ["PATH"],
               FAKE_DOCKER_LOG=log)
    proj = os.path.join(d, "proj")
    os.mkdir(proj)

    # aileron sandbox init
    r = subprocess.run([BIN, "sandbox", "init", "--dir", proj],
                       capture_output=True, text=True)
    dc = os.path.join(proj, ".devcontainer")
    t.ok(r.returncode == 0 and
         os.path.exists(os.path.join(dc, "devcontainer.json")) and
         os.path.exists(os.path.join(dc, "Dockerfile")),
         "sandbox init writes devcontainer.json and a Dockerfile",
         r.stderr)
    r = subprocess.run([BIN, "sandbox", "init", "--dir", proj],
                       capture_output=True, text=True)
    t.ok(r.returncode == 1 and "left as it is" in r.stderr,
         "a second init overwrites nothing and says so", r.stderr)

    # The scaffold builds: docker build, then run of what it built.
    rc, out, err = launch(E, ["--sandbox", "docker", "--agent", "bot",
                              "sh", "-c", "exit 0"], proj, env)
    recs = records(log)
    builds = [x["argv"] for x in recs if x["argv"][1:2] == ["build"]]
    runs = [x for x in recs if x["argv"][1:2] == ["run"]]
    t.ok(len(builds) == 1 and
         builds[0][builds[0].index("-f") + 1] ==
         os.path.join(dc, "Dockerfile") and "aileron-bot" in builds[0],
         "a devcontainer with a Dockerfile is built first", builds)
    t.ok(len(runs) == 1 and "aileron-bot" in runs[0]["argv"],
         "and the image it built is run", runs)
    t.is_(rc, 5, "launch exits with the container's status")

    # An image named in customizations.aileron, in JSON with comments.
    os.unlink(log)
    with open(os.path.join(dc, "devcontainer.json"), "w") as f:
        f.write('// the agent\n{\n  "image": "debian:bookworm", /* base */\n'
                '  "customizations": {"aileron": {"image": "agent/img:1",'
                ' "approval_surface": ["terminal",],},},\n}\n')
    rc, out, err = launch(E, ["--sandbox", "docker", "--agent", "bot",
                              "--", "claude", "-p", "fix it"], proj, env)
    recs = records(log)
    runs = [x for x in recs if x["argv"][1:2] == ["run"]]
    t.ok(len(runs) == 1 and not [x for x in recs
                                 if x["argv"][1:2] == ["build"]],
         "an image in the devcontainer is run, nothing built", recs)
    run = runs[0] if runs else {"argv": [], "env": "", "mode": 0,
                                "envfile": "/nonexistent"}
    argv = run["argv"]
    t.ok("agent/img:1" in argv,
         "customizations.aileron.image wins over image (comments and "
         "trailing commas read)", argv)
    t.ok(argv[argv.index("--network") + 1] == "none" if "--network" in argv
         else False, "the container has no network", argv)
    t.ok(any(a.endswith(":/run/aileron/proxy.sock") for a in argv) and
         any(a.endswith(":/usr/libexec/aileron/aileron-relay:ro")
             for a in argv),
         "the relay and its socket are mounted in")
    t.ok(argv[-7:] == ["agent/img:1", "in", str(E.svc.port),
                       "/run/aileron/proxy.sock", "claude", "-p", "fix it"]
         and argv[argv.index("--entrypoint") + 1] ==
         "/usr/libexec/aileron/aileron-relay",
         "the relay runs the agent's command", argv[-8:])
    t.ok(any(a == proj + ":/workspace" for a in argv) and
         argv[argv.index("-w") + 1] == "/workspace",
         "the project is the working directory")
    t.ok(any(a.endswith(":/etc/aileron/bundle.pem:ro") for a in argv) and
         any(a.endswith(":/etc/aileron/actions.json:ro") for a in argv),
         "the trust bundle and the manifest are mounted read-only")
    envfile = run["env"]
    tok = ""
    for line in envfile.splitlines():
        if line.startswith("HTTPS_PROXY="):
            tok = line.split("s:", 1)[-1].split("@")[0]
    t.like(envfile, r"(?m)^HTTPS_PROXY=http://s:[0-9a-f]{64}@127\.0\.0\.1:%d$"
           % E.svc.port, "the env-file has the proxy at 127.0.0.1 with the "
           "token")
    t.ok(len(tok) == 64 and not any(tok in a for a in argv),
         "the token is never in docker's arguments")
    t.is_(run["mode"], 0o600, "the env-file is mode 0600")
    t.ok(not os.path.exists(run["envfile"]),
         "and it is gone when the agent exits")
    t.ok("PATH=" not in envfile and "HOME=" not in envfile and
         "SSL_CERT_FILE=/etc/aileron/bundle.pem" in envfile,
         "the image keeps its PATH and HOME; the CA paths are the "
         "container's")
    t.ok(any(a.endswith(":/etc/aileron/bashrc:ro") for a in argv) and
         "BASH_ENV=/etc/aileron/bashrc" in envfile and
         "AILERON_SHELL_CHECK=/usr/libexec/aileron/aileron-relay" in envfile,
         "shell mediation: the rc mounted in, bash asks through the relay",
         envfile)
    t.ok(SECRET not in envfile and MASTER not in envfile and
         SECRET not in json.dumps(argv),
         "no credential or master key reaches docker")
    t.is_(sessions(E), [], "the session ended with the agent")

    # No explicit --sandbox: docker with an engine and a devcontainer,
    # said out loud; native without the engine.
    os.unlink(log)
    rc, out, err = launch(E, ["--dir", proj, "sh", "-c", "exit 0"], proj,
                          env)
    t.ok([x for x in records(log) if x["argv"][1:2] == ["run"]] and
         "a Docker engine answers" in err,
         "with an engine and a devcontainer, the default is docker", err)
    if os.path.exists(log):
        os.unlink(log)
    rc, out, err = launch(E, ["--dir", proj, "sh", "-c", "exit 0"], proj,
                          dict(env, FAKE_DOCKER_NOENGINE="1"))
    t.ok(not [x for x in records(log) if x["argv"][1:2] in (["run"],
                                                            ["build"])]
         and "native sandbox" in err,
         "without an engine, the default is native", err)

    # The user's MCP servers, and mediation turned off by the file.
    if os.path.exists(log):
        os.unlink(log)
    with open(os.path.join(dc, "devcontainer.json"), "w") as f:
        f.write('{"image": "agent/img:1", "customizations": {"aileron": {'
                '"mediation": "none", "mcps": [{"name": "files", '
                '"command": "mcp-files", "args": ["/workspace"]}, '
                '{"name": "docs", "url": "https://docs.example/mcp"}]}}}\n')
    rc, out, err = launch(E, ["--sandbox", "docker", "true"], proj, env)
    runs = [x for x in records(log) if x["argv"][1:2] == ["run"]]
    run = runs[0] if runs else {"env": "", "argv": []}
    t.is_(run.get("mcp"), {"mcpServers": {
        "files": {"command": "mcp-files", "args": ["/workspace"]},
        "docs": {"url": "https://docs.example/mcp"}}},
        "customizations.aileron.mcps: the servers mounted in as "
        "/etc/aileron/mcp.json, by name")
    t.ok("AILERON_MCP_CONFIG=/etc/aileron/mcp.json" in run["env"],
         "and named in AILERON_MCP_CONFIG", run["env"])
    t.ok("shell mediation off" in err, "\"mediation\": \"none\" is said "
         "out loud", err)
    t.ok("BASH_ENV=" not in run["env"] and
         not any("bashrc" in a for a in run["argv"]),
         "and no rc is mounted in", run["argv"])
    for body, what in (('"mediation": "off"', "mediation: expected"),
                       ('"mcps": [{"name": "x"}]',
                        'mcps: a server without a "command" or a "url"')):
        with open(os.path.join(dc, "devcontainer.json"), "w") as f:
            f.write('{"image": "x", "customizations": {"aileron": {%s}}}'
                    % body)
        rc, out, err = launch(E, ["--sandbox", "docker", "true"], proj,
                              env)
        t.ok(rc == 1 and what in err and sessions(E) == [],
             "refused before any session: %s" % body, err)

    # A devcontainer that does not parse: refused before any session.
    with open(os.path.join(dc, "devcontainer.json"), "w") as f:
        f.write('{"image": "x",\n "build": }\n')
    rc, out, err = launch(E, ["--sandbox", "docker", "true"], proj, env)
    t.ok(rc == 1 and "devcontainer.json:2" in err,
         "a broken devcontainer.json is named with its line", err)
    t.is_(sessions(E), [], "and no session was started")

    # docker run would read an image named "-v/:/host" as an option.
    os.unlink(log)
    with open(os.path.join(dc, "devcontainer.json"), "w") as f:
        f.write('{"image": "-v/:/host"}\n')
    rc, out, err = launch(E, ["--sandbox", "docker", "true"], proj, env)
    t.ok(rc == 1 and "may not begin with '-'" in err and
         not [x for x in records(log) if x["argv"][1:2] == ["run"]],
         "an image name beginning with '-' is refused", err)

    # A .devcontainer that is a symbolic link: the agent could replace
    # the link whatever is mounted where it points.
    with open(os.path.join(dc, "devcontainer.json"), "w") as f:
        f.write('{"image": "agent/img:1"}\n')
    linked = os.path.join(d, "linked")
    os.mkdir(linked)
    os.symlink(dc, os.path.join(linked, ".devcontainer"))
    rc, out, err = launch(E, ["--sandbox", "docker", "true"], linked, env)
    t.ok(rc == 1 and "is a symbolic link" in err and
         not [x for x in records(log) if x["argv"][1:2] == ["run"]],
         "a .devcontainer that is a symbolic link is refused", err)

    # The agent in the native sandbox of a project without a
    # .devcontainer cannot plant one for the next launch to build.
    bare = os.path.join(d, "bare")
    os.mkdir(bare)
    plant = ('mkdir -p .devcontainer; printf \'{"build": {"dockerfile": '
             '"Dockerfile"}, "customizations": {"aileron": {"mediation": '
             '"none"}}}\' > .devcontainer/devcontainer.json; '
             'echo "FROM x" > .devcontainer/Dockerfile; exit 0')
    if shutil.which("bwrap") is None:
        t.skip(2, "bubblewrap is not installed")
    else:
        rc, out, err = launch(E, ["--sandbox", "native", "sh", "-c", plant],
                              bare, env)
        planted = os.path.join(bare, ".devcontainer")
        t.ok(rc == 0 and not (os.path.isdir(planted) and
                              os.listdir(planted)),
             "the native agent cannot make .devcontainer in the project",
             (rc, err, os.path.isdir(planted) and os.listdir(planted)))
        if os.path.exists(log):
            os.unlink(log)
        rc, out, err = launch(E, ["sh", "-c", "exit 0"], bare, env)
        t.ok("native sandbox" in err and
             not [x for x in records(log) if x["argv"][1:2] in
                  (["run"], ["build"])],
             "and the next launch builds nothing of the agent's", err)

    # A state directory inside the project: an empty file system covers
    # it in the container, which runs as the owner of its api.sock.
    inner = tempfile.mkdtemp(prefix="aileron-docker-state.")
    os.chmod(inner, 0o755)
    tempfile.tempdir, saved = inner, tempfile.tempdir
    try:
        F = ProxyEnv()
    finally:
        tempfile.tempdir = saved
    try:
        F.vault()
        os.mkdir(os.path.join(inner, ".devcontainer"))
        with open(os.path.join(inner, ".devcontainer",
                               "devcontainer.json"), "w") as f:
            f.write('{"image": "agent/img:1"}\n')
        if os.path.exists(log):
            os.unlink(log)
        rc, out, err = launch(F, ["--sandbox", "docker", "true"], inner,
                              env)
        runs = [x["argv"] for x in records(log) if x["argv"][1:2] == ["run"]]
        argv = runs[0] if runs else []
        rel = os.path.relpath(os.path.realpath(F.svc.state),
                              os.path.realpath(inner))
        covered = [argv[i + 1] for i, a in enumerate(argv[:-1])
                   if a == "--tmpfs"]
        t.ok("/workspace/" + rel in covered,
             "a state directory in the project is covered in the container",
             (rel, covered, err))
    finally:
        F.svc.stop()
        F.svc.remove()
        shutil.rmtree(inner, ignore_errors=True)
finally:
    shutil.rmtree(d, ignore_errors=True)
    E.svc.stop()
    E.svc.remove()
t.done()
