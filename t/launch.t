#!/usr/bin/env python3
# launch.t: aileron launch runs an agent in a session: under the native
# sandbox (bubblewrap) its only way out is the proxy, curl and a shim
# work through it, its environment and files hold no secret, the state
# directory and api.sock are not there; when it exits the session ends
# (its token gets 407) and launch exits with its status.  --sandbox none
# warns and gives the same variables.

import ctypes
import json
import os
import platform
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from aileron import TAP, BIN, SLOW, wait_for  # noqa: E402
from proxyenv import ProxyEnv, MASTER, SECRET, cli  # noqa: E402

t = TAP()
if os.geteuid() != 0:
    t.skip_all("needs root: the service drops to _aileron")
if shutil.which("bwrap") is None:
    t.skip_all("bubblewrap is not installed (make deps installs it)")
r = subprocess.run(["bwrap", "--unshare-user", "--unshare-net",
                    "--ro-bind", "/", "/", "true"], capture_output=True)
if r.returncode != 0:
    t.skip_all("namespaces are not available here: " +
               r.stderr.decode(errors="replace").strip())
t.plan(42)

# What the agent runs: it writes what it sees into the project directory.
AGENT = r'''
exec 2>"$PWD/agent.err"
echo "$HTTPS_PROXY" > proxy.txt
env > env.txt
curl -sS --max-time 30 https://echo.test/echo > curl.txt 2>curl.err
echo $? > curl.rc
python3 - "$@" > net.txt <<'EOF'
import socket, sys
for host, port in (("127.0.0.1", int(sys.argv[1])), (sys.argv[2], int(sys.argv[1]))):
    try:
        socket.create_connection((host, port), timeout=3).close()
        print("connected", host)
    except OSError as e:
        print("refused", host, e.errno)
EOF
for p in "$3" "$(dirname "$4")" /root/.aileron; do
    if [ -e "$p" ] && [ -n "$(ls -A "$p" 2>/dev/null)" ]; then echo "visible $p"; fi
done > seen.txt
test -e "$4" && echo "visible api.sock" >> seen.txt
cat /etc/aileron/actions.json > manifest.txt
cat "$HOME/.config/gh/hosts.yml" > gh.txt
cat /etc/aileron/prompt-hint.txt > hint.txt
test -r /etc/shadow && echo "visible /etc/shadow" >> seen.txt
id -u > uid.txt
ls /proc/$$/fd > fds.txt
grep CapEff /proc/self/status > caps.txt
mount -o remount,bind,rw /usr 2>/dev/null && echo "remounted /usr" >> unmounted.txt
: > sysctl.txt
v=$(cat /proc/sys/kernel/printk_ratelimit) &&
    (echo "$v" > /proc/sys/kernel/printk_ratelimit) 2>/dev/null &&
    echo "wrote /proc/sys/kernel/printk_ratelimit" > sysctl.txt
for m in $(grep ' - tmpfs ' /proc/self/mountinfo | awk '{print $5}'); do
    case $m in /|/dev*|/tmp|/run|/home/*) ;; *) umount "$m" 2>/dev/null && echo "unmounted $m" >> unmounted.txt;; esac
done
python3 - > keyring.txt <<'EOF'
import ctypes
try:
    k = ctypes.CDLL("libkeyutils.so.1")
except OSError:
    print("no libkeyutils")
else:
    print(k.keyctl_search(-3, b"user", b"aileron-launch-test", 0))
EOF
python3 - > syscalls.txt <<'EOF'
import ctypes, errno
libc = ctypes.CDLL(None, use_errno=True)
# io_uring_setup, then perf_event_open, as x86-64 numbers them.
params = ctypes.create_string_buffer(120)
for name, nr, args in (("io_uring_setup", 425, (4, params)),
                       ("perf_event_open", 298, (None, 0, -1, -1, 0))):
    r = libc.syscall(nr, *args)
    print(name, "ok" if r >= 0 else errno.errorcode[ctypes.get_errno()])
EOF
exit 7
'''


def host_address():
    """An address of this host that is not loopback, if it has one."""
    try:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.connect(("192.0.2.1", 9))
        a = s.getsockname()[0]
        s.close()
        return a
    except OSError:
        return "10.255.255.1"


def read(d, name):
    try:
        with open(os.path.join(d, name), "rb") as f:
            return f.read().decode(errors="replace")
    except OSError:
        return ""


# Launch's own TMPDIR, so that another test's launch is not counted.
TMP = tempfile.mkdtemp(prefix="aileron-launch-tmp.")
NAP = "60.%d" % os.getpid()     # a sleep no other process runs


def launch_dirs():
    return {n for n in os.listdir(TMP) if n.startswith("aileron-launch.")}


def empty(d):
    """The project emptied; the sandbox's mount point of .devcontainer
    is a directory."""
    for n in os.listdir(d):
        p = os.path.join(d, n)
        if os.path.isdir(p) and not os.path.islink(p):
            shutil.rmtree(p)
        else:
            os.unlink(p)


def sessions(E):
    rc, out, err = cli(E.svc, ["session", "list", "--json"])
    return json.loads(out) if rc == 0 else None


KEYFD = [None]      # the last --key-fd given, as the agent would see it


def launch(E, args, proj, env_extra=None, nofile=None):
    r, w = os.pipe()
    KEYFD[0] = str(r)
    os.write(w, (MASTER + "\n").encode())
    os.close(w)
    env = dict(os.environ, TMPDIR=TMP)
    env.update(env_extra or {})

    def limit():
        if nofile is not None:
            resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))
    try:
        p = subprocess.run([BIN, "launch", "--key-fd", str(r), "--dir",
                            proj, "-s", E.svc.state] + args,
                           capture_output=True, pass_fds=(r,), env=env,
                           timeout=120 * SLOW, preexec_fn=limit)
    finally:
        os.close(r)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


# A key in the session keyring launch starts from, as a login session's
# Kerberos tickets are: the agent must not find it.
try:
    KEYS = ctypes.CDLL("libkeyutils.so.1", use_errno=True)
    if KEYS.keyctl_join_session_keyring(b"aileron-launch-t") < 0 or \
            KEYS.add_key(b"user", b"aileron-launch-test", b"launcher's",
                         10, -3) < 0:
        KEYS = None
except OSError:
    KEYS = None

E = ProxyEnv()
proj = tempfile.mkdtemp(prefix="aileron-launch-t.")
os.chmod(proj, 0o755)
try:
    E.vault()
    api = json.load(open(E.svc.path("service.json")))["api_socket"]
    E.upstream.take()
    before = launch_dirs()
    # The state directory and api.sock, as arguments: no variable of the
    # test's reaches the agent.
    rc, out, err = launch(E, ["--sandbox", "native", "--agent", "tester",
                              "--", "sh", "-c", AGENT, "agent",
                              str(E.upstream.port), host_address(),
                              E.svc.state, api], proj)
    t.ok(rc == 7, "launch exits with the agent's status", (rc, err))
    t.like(err, r"session [0-9a-f]{32}: running sh in the native sandbox",
           "it says where the agent runs")
    t.ok(read(proj, "curl.rc").strip() == "0",
         "curl works through the proxy from inside",
         read(proj, "curl.err") + read(proj, "agent.err"))
    reqs = E.upstream.take()
    t.ok(len(reqs) == 1 and reqs[0]["headers"].get("authorization") ==
         ["Bearer " + SECRET],
         "the upstream got the real credential", reqs)
    t.ok(SECRET not in read(proj, "curl.txt"),
         "the agent got the answer with the credential masked")
    net = read(proj, "net.txt")
    t.ok(net.count("refused") == 2 and "connected" not in net,
         "a direct connection to the upstream or a host address fails",
         net)
    envtxt = read(proj, "env.txt")
    want = {"HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy",
            "NO_PROXY", "SSL_CERT_FILE", "CURL_CA_BUNDLE",
            "REQUESTS_CA_BUNDLE", "GIT_SSL_CAINFO", "NODE_EXTRA_CA_CERTS",
            "NODE_USE_ENV_PROXY", "AILERON_PROMPT_HINT", "AILERON_ACTIONS",
            "AILERON_SESSION"}
    have = {l.split("=", 1)[0] for l in envtxt.splitlines() if "=" in l}
    t.is_(sorted(want - have), [], "the sandbox's variables are all set")
    t.like(envtxt, r"(?m)^HTTPS_PROXY=http://s:[0-9a-f]{64}@127\.0\.0\.1:",
           "the proxy is at 127.0.0.1 inside, with the session token")
    t.like(envtxt, r"(?m)^SSL_CERT_FILE=/etc/aileron/bundle\.pem$",
           "the trust bundle is at /etc/aileron/bundle.pem")
    everything = "".join(read(proj, n) for n in os.listdir(proj))
    t.ok(SECRET not in everything and MASTER not in everything,
         "neither the credential nor the master key is in anything the "
         "agent saw")
    t.is_(read(proj, "seen.txt"), "",
          "the state directory, api.sock and /etc/shadow are not there")
    fds = read(proj, "fds.txt").split()
    t.ok(fds and KEYFD[0] not in fds,
         "the agent does not hold the master key's descriptor", (KEYFD, fds))
    t.ok(json.loads(read(proj, "manifest.txt") or "null") is not None and
         "echo" in read(proj, "manifest.txt"),
         "/etc/aileron/actions.json lists the connector's actions")
    t.like(read(proj, "gh.txt"), r"oauth_token: aileron-placeholder",
           "gh finds a placeholder token")
    t.like(read(proj, "hint.txt"), r"aileron sandbox",
           "the prompt hint is in /etc/aileron/prompt-hint.txt")
    # Run by root (as here), the agent is root in its namespace: without
    # a capability it cannot lift the tmpfs over the state directory.
    t.like(read(proj, "caps.txt"), r"^CapEff:\s+0+\s*$",
           "the agent has no capability, though launch ran as uid %d" %
           os.getuid())
    t.is_(read(proj, "unmounted.txt"), "",
          "it can neither make a read-only bind writable nor unmount a "
          "tmpfs over what it must not see")
    # Writing the value it read: harmless, had it worked.
    t.is_(read(proj, "sysctl.txt"), "",
          "it cannot write /proc/sys, though it is root when launch is")
    # The sandbox's own seccomp filter: io_uring and perf events refused.
    if platform.machine() != "x86_64":
        t.ok(True, "# SKIP the system call numbers are x86-64's")
    else:
        t.is_(read(proj, "syscalls.txt"),
              "io_uring_setup EPERM\nperf_event_open EPERM\n",
              "io_uring and perf_event_open fail with EPERM inside")
    if KEYS is None:
        t.ok(True, "# SKIP no libkeyutils: the keyring is not checked")
    else:
        t.is_(read(proj, "keyring.txt").strip(), "-1",
              "the agent's session keyring is not the launcher's")

    # The session ended with the agent.
    tok = read(proj, "proxy.txt").strip().split("s:", 1)[-1].split("@")[0]
    t.ok(len(tok) == 64, "the agent saw its token", tok)
    st, head = E.connect(token=tok)
    t.is_(st, 407, "after the agent exits, its token gets 407")
    t.ok(not os.listdir(os.path.join(E.svc.state, "sessions")),
         "the session's files are removed")
    t.ok(launch_dirs() == before, "launch leaves nothing in TMPDIR")

    # A directory other programs share would show the agent their
    # sockets: refused, before any session starts.
    bad = []
    for d in ("/tmp", TMP):
        rc, out, err = launch(E, ["--sandbox", "native", "true"], d)
        if rc == 0 or "other programs share" not in err:
            bad.append((d, rc, err[-200:]))
    t.ok(not bad, "--dir /tmp, or the TMPDIR, is refused", bad)

    # The master key in a file on the agent's standard input (--key-fd 0):
    # read by launch, then not the agent's to read again.
    empty(proj)
    keydir = tempfile.mkdtemp(prefix="aileron-launch-key.")
    kf = os.path.join(keydir, "master.key")
    with open(kf, "w") as f:
        f.write(MASTER + "\n")
    with open(kf) as f:
        p = subprocess.run([BIN, "launch", "--key-fd", "0", "--dir", proj,
                            "-s", E.svc.state, "--sandbox", "native", "sh",
                            "-c", "cat /proc/self/fd/0 > fd0.txt; cat > "
                            "stdin.txt"], stdin=f, capture_output=True,
                           env=dict(os.environ, TMPDIR=TMP),
                           timeout=120 * SLOW)
    shutil.rmtree(keydir)
    t.ok(p.returncode == 0 and MASTER not in read(proj, "fd0.txt") +
         read(proj, "stdin.txt"),
         "--key-fd 0 from a file: the agent's standard input no longer "
         "holds the key", (p.returncode, p.stderr.decode()[-300:]))

    # --sandbox none: a warning, the same variables, real paths.
    empty(proj)
    rc, out, err = launch(E, ["--sandbox", "none", "sh", "-c",
                              'env > env.txt; exit 3'], proj)
    t.ok(rc == 3, "--sandbox none: launch exits with the agent's status",
         (rc, err))
    t.like(err, r"warning: --sandbox none: nothing bounds the agent",
           "it warns that nothing bounds the agent")
    envtxt = read(proj, "env.txt")
    t.like(envtxt, r"(?m)^HTTPS_PROXY=http://s:[0-9a-f]{64}@127\.0\.0\.1:%d$"
           % E.svc.port, "the agent gets the proxy's own address")

    # Launch killed with SIGKILL: the service ends the session it held.
    empty(proj)
    r, w = os.pipe()
    os.write(w, (MASTER + "\n").encode())
    os.close(w)
    p = subprocess.Popen([BIN, "launch", "--key-fd", str(r), "--dir", proj,
                          "-s", E.svc.state, "sh", "-c",
                          'echo "$HTTPS_PROXY" > proxy.txt; exec sleep %s' %
                          NAP],
                         pass_fds=(r,), stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL,
                         env=dict(os.environ, TMPDIR=TMP))
    os.close(r)
    try:
        got = wait_for(lambda: "@" in read(proj, "proxy.txt"), 30)
        tok = read(proj, "proxy.txt").strip().split("s:", 1)[-1]\
            .split("@")[0]
        live = sessions(E)
        p.kill()
        p.wait(timeout=10)
        ended = wait_for(lambda: sessions(E) == [], 20) and \
            E.connect(token=tok)[0] == 407
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    t.ok(got and len(live) == 1 and ended,
         "launch killed with SIGKILL: its session ends, the token gets 407",
         (got, live, tok))
    # A killed launch cannot remove its private directory.
    for n in launch_dirs() - before:
        shutil.rmtree(os.path.join(TMP, n), ignore_errors=True)
    t.ok(wait_for(lambda: not subprocess.run(
        ["pgrep", "-f", "sleep %s" % NAP], capture_output=True).stdout,
        10),
         "and the agent is gone with it")

    # A generated shim, as an agent runs it, from the shims in its PATH.
    empty(proj)
    S = ProxyEnv(hosts=("api.stripe.com",), connector="stripe",
                 spec="../../specs/stripe.json")
    try:
        S.vault()
        S.upstream.take()
        rc, out, err = launch(S, ["--sandbox", "native", "sh", "-c",
                                  "stripe list-charges --limit 1 > "
                                  "shim.txt"], proj)
        reqs = S.upstream.take()
        t.ok(rc == 0 and len(reqs) == 1 and
             reqs[0]["headers"].get("authorization") ==
             ["Bearer " + SECRET] and reqs[0]["path"].startswith(
                 "/v1/charges"),
             "the stripe shim in the sandbox's PATH works through the proxy",
             (rc, err[-500:], reqs))
    finally:
        S.svc.stop()
        S.svc.remove()

    # A hold is only for a session there is.
    hs = socket.socket(socket.AF_UNIX)
    hs.settimeout(10)
    hs.connect(json.load(open(E.svc.path("service.json")))["api_socket"])
    hs.sendall(b"POST /v1/sessions/%s/hold HTTP/1.1\r\nHost: x\r\n"
               b"Content-Length: 0\r\n\r\n" % (b"0" * 32))
    head = hs.recv(4096)
    hs.close()
    t.ok(head.startswith(b"HTTP/1.1 404"), "no hold on a session that is "
         "not there", head[:100])

    # SIGTERM to launch reaches the agent, which decides how it ends.
    r, w = os.pipe()
    os.write(w, (MASTER + "\n").encode())
    os.close(w)
    ready = os.path.join(proj, "ready")
    p = subprocess.Popen([BIN, "launch", "--key-fd", str(r), "--dir", proj,
                          "-s", E.svc.state, "--sandbox", "none", "sh", "-c",
                          'trap "echo term > got; exit 7" TERM; touch ready; '
                          "while :; do sleep 0.05; done"],
                         pass_fds=(r,), env=dict(os.environ, TMPDIR=TMP),
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE)
    os.close(r)
    try:
        wait_for(lambda: os.path.exists(ready), 30)
        p.send_signal(signal.SIGTERM)
        rc = p.wait(30 * SLOW)
    except subprocess.TimeoutExpired:
        p.kill()
        rc = p.wait()
    t.is_(rc, 7, "SIGTERM to launch is passed to the agent, and launch "
          "exits with the agent's status")
    t.ok(read(proj, "got").strip() == "term" and sessions(E) == [],
         "the agent's trap ran, and the session ended")

    # The agent cannot make a .devcontainer for a docker launch to build.
    empty(proj)
    rc, out, err = launch(E, ["--sandbox", "native", "sh", "-c",
                              "mkdir -p .devcontainer && echo '{}' > "
                              ".devcontainer/devcontainer.json"], proj)
    planted = os.path.join(proj, ".devcontainer")
    t.ok(rc != 0 and "Read-only file system" in err,
         "an agent that makes .devcontainer in a project without one fails",
         (rc, err))
    t.ok(not os.path.lexists(planted),
         "and the project has no devcontainer of the agent's, nor the "
         "sandbox's empty mount point")

    # bwrap binds the project by a descriptor launch opened, not by its
    # path, which a project around it could swap for a symbolic link
    # between launch's checks and the mount: a bwrap of the test's shows
    # what it is given.
    fake = tempfile.mkdtemp(prefix="aileron-launch-bin.")
    seen = os.path.join(fake, "seen.txt")
    with open(os.path.join(fake, "bwrap"), "w") as f:
        f.write('#!/bin/sh\necho "$*" > %s\n'
                'readlink /proc/$$/fd/4 >> %s\n' % (seen, seen))
    os.chmod(os.path.join(fake, "bwrap"), 0o755)
    os.chmod(fake, 0o755)
    try:
        rc, out, err = launch(E, ["--sandbox", "native", "true"], proj,
                              {"PATH": fake + ":" + os.environ["PATH"]})
        got = read(fake, "seen.txt").splitlines()
        real = os.path.realpath(proj)
        t.ok(len(got) == 2 and (" --bind-fd 4 %s " % real) in got[0] and
             (" --bind %s " % real) not in got[0] and got[1] == real,
             "bwrap binds the project by descriptor 4, which is the project",
             (rc, err[-200:], got))
        # A .devcontainer there: read-only, by descriptor 5.
        devc = os.path.join(proj, ".devcontainer")
        os.mkdir(devc)
        with open(os.path.join(fake, "bwrap"), "w") as f:
            f.write('#!/bin/sh\necho "$*" > %s\n'
                    'readlink /proc/$$/fd/5 >> %s\n' % (seen, seen))
        rc, out, err = launch(E, ["--sandbox", "native", "true"], proj,
                              {"PATH": fake + ":" + os.environ["PATH"]})
        got = read(fake, "seen.txt").splitlines()
        rdevc = os.path.join(real, ".devcontainer")
        t.ok(len(got) == 2 and (" --ro-bind-fd 5 %s " % rdevc) in got[0]
             and got[1] == rdevc,
             "and its .devcontainer read-only by descriptor 5",
             (rc, err[-200:], got))
        os.rmdir(devc)
    finally:
        shutil.rmtree(fake, ignore_errors=True)

    # Descriptors 3 to 5 for bwrap, under a low open-files limit too.
    empty(proj)
    rc, out, err = launch(E, ["--sandbox", "native", "sh", "-c",
                              "echo ran > ran.txt"], proj, nofile=24)
    t.ok(rc == 0 and read(proj, "ran.txt") == "ran\n",
         "a native launch runs with 24 descriptors allowed", (rc, err))

    # A state directory under a tree the sandbox binds whole (/opt):
    # hidden all the same, api.sock with it.
    if os.path.isdir("/opt"):
        optdir = tempfile.mkdtemp(prefix="aileron-launch-t.", dir="/opt")
        os.chmod(optdir, 0o755)
        saved, tempfile.tempdir = tempfile.tempdir, optdir
        try:
            O = ProxyEnv()
        finally:
            tempfile.tempdir = saved
        try:
            O.vault()
            oapi = json.load(open(O.svc.path("service.json")))["api_socket"]
            empty(proj)
            rc, out, err = launch(O, [
                "--sandbox", "native", "sh", "-c",
                'for p in "$1" "$(dirname "$2")"; do '
                'ls -A "$p" 2>/dev/null; done > seen.txt', "agent",
                O.svc.state, oapi], proj)
            t.ok(O.svc.state.startswith("/opt/") and rc == 0 and
                 read(proj, "seen.txt") == "",
                 "a state directory under /opt, which the sandbox binds, "
                 "is hidden, and api.sock with it",
                 (rc, err[-300:], read(proj, "seen.txt")))
        finally:
            O.svc.stop()
            O.svc.remove()
            shutil.rmtree(optdir, ignore_errors=True)
    else:
        t.ok(True, "# SKIP no /opt")

    rc, out, err = launch(E, ["--sandbox", "vm", "true"], proj)
    t.ok(rc == 2 and "--sandbox" in err, "an unknown sandbox is a usage "
         "error", err)
finally:
    shutil.rmtree(proj, ignore_errors=True)
    shutil.rmtree(TMP, ignore_errors=True)
    E.svc.stop()
    E.svc.remove()
t.done()
