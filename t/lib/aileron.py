# aileron.py: helpers for the integration tests: TAP output, and the real
# "aileron service" started in the foreground on a temporary state
# directory, found through service.json and stopped by pid.

import atexit
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

BIN = os.environ.get("AILERON_BIN") or os.path.join(
    os.path.dirname(__file__), "..", "..", "build", "aileron")
SRC = os.environ.get("AILERON_SRC") or os.path.join(
    os.path.dirname(__file__), "..", "..")
SAN = os.environ.get("AILERON_SAN") == "1"
# Sanitized binaries start and fork more slowly.
SLOW = 3 if SAN else 1


class TAP:
    def __init__(self):
        self.n = 0
        self.failed = 0
        self.planned = None

    def plan(self, n):
        self.planned = n
        print("1..%d" % n, flush=True)

    def diag(self, msg):
        for line in str(msg).splitlines() or [""]:
            print("# " + line, flush=True)

    def ok(self, cond, name, diag=None):
        self.n += 1
        if not cond:
            self.failed += 1
        print("%sok %d - %s" % ("" if cond else "not ", self.n, name),
              flush=True)
        if not cond and diag is not None:
            self.diag(diag)
        return bool(cond)

    def is_(self, got, want, name):
        r = self.ok(got == want, name)
        if not r:
            self.diag("     got: %r\n  expected: %r" % (got, want))
        return r

    def like(self, got, pattern, name):
        r = self.ok(re.search(pattern, got or "") is not None, name)
        if not r:
            self.diag("     got: %r\n  expected to match: %r" %
                      (got, pattern))
        return r

    def skip(self, n, why):
        for _ in range(n):
            self.n += 1
            print("ok %d # skip %s" % (self.n, why), flush=True)

    def skip_all(self, why):
        print("1..0 # SKIP %s" % why, flush=True)
        sys.exit(0)

    def done(self):
        if self.planned is None:
            print("1..%d" % self.n, flush=True)
        elif self.planned != self.n:
            self.diag("planned %d tests but ran %d" % (self.planned, self.n))
            sys.exit(1)
        sys.exit(1 if self.failed else 0)


def is_root():
    return os.geteuid() == 0


def proc_children(pid):
    """Pids whose parent is pid, from /proc."""
    kids = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                st = f.read()
        except OSError:
            continue
        # The command may hold spaces and parentheses: split after it.
        fields = st[st.rindex(")") + 2:].split()
        if int(fields[1]) == pid:
            kids.append(int(d))
    return kids


def proc_status(pid):
    out = {}
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                k, _, v = line.partition(":")
                out[k] = v.strip()
    except OSError:
        return None
    return out


def proc_cmdline(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def alive(pid):
    st = proc_status(pid)
    return st is not None and not st.get("State", "").startswith("Z")


def wait_for(pred, timeout, step=0.02):
    """Poll pred until it is true or timeout seconds pass: bounded."""
    end = time.monotonic() + timeout * SLOW
    while time.monotonic() < end:
        v = pred()
        if v:
            return v
        time.sleep(step)
    return pred()


_started = []
# Under "make check" (t/lib/run.sh) each service logs to a file of its own
# in AILERON_TLOGS, kept after its state directory is removed and shown
# only when the test fails; run alone, a test keeps it in the state
# directory.
TLOGS = os.environ.get("AILERON_TLOGS")
_nlogs = 0


def log_path(state):
    global _nlogs
    if not TLOGS:
        return os.path.join(state, "service.log")
    _nlogs += 1
    return os.path.join(TLOGS, "service-%d.log" % _nlogs)


def _cleanup():
    for svc in list(_started):
        svc.kill_all()
        svc.remove()


atexit.register(_cleanup)


class Service:
    """One aileron service on a fresh state directory."""

    def __init__(self, conf="", prefork=2, max_workers=16, listen=True,
                 log_debug=True):
        self.state = tempfile.mkdtemp(prefix="aileron-t.")
        os.chmod(self.state, 0o700)
        self.logpath = log_path(self.state)
        text = ""
        if listen:
            text += "listen on 127.0.0.1 port 0\n"
        text += "prefork %d\nmax workers %d\n" % (prefork, max_workers)
        if log_debug:
            text += "log debug\n"
        text += conf
        self.write_conf(text)
        self.proc = None
        self.pid = None
        self.info = None
        self.known = set()
        _started.append(self)

    def write_conf(self, text):
        with open(os.path.join(self.state, "aileron.conf"), "w") as f:
            f.write(text)

    def path(self, name):
        return os.path.join(self.state, name)

    def start(self, args=(), wait=True):
        self.log = open(self.logpath, "ab")
        self.proc = subprocess.Popen(
            [BIN, "service", "-d", "-s", self.state] + list(args),
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log)
        self.pid = self.proc.pid
        if wait:
            if not wait_for(lambda: self._ready(), 15):
                raise RuntimeError("service did not start:\n" +
                                   self.log_text())
        return self

    def _ready(self):
        if self.proc.poll() is not None:
            raise RuntimeError("service exited with %s:\n%s" %
                               (self.proc.returncode, self.log_text()))
        try:
            with open(self.path("service.json")) as f:
                info = json.load(f)
        except (OSError, ValueError):
            return False
        if info.get("pid") != self.pid:
            return False    # a stale one, left by a killed master
        self.info = info
        self.remember()
        return True

    @property
    def port(self):
        return int(self.info["proxy"].rsplit(":", 1)[1])

    def children(self):
        kids = proc_children(self.pid) if self.pid else []
        self.known.update(kids)
        return kids

    def remember(self):
        self.children()

    def by_role(self):
        """Split the master's children into control, vaultd, workers."""
        control = vaultd = None
        workers = []
        for k in self.children():
            # The title, or the arguments until the process has set it.
            cmd = proc_cmdline(k)
            if cmd.startswith("aileron: control") or "-P control" in cmd:
                control = k
            elif cmd.startswith("aileron: vaultd") or "-P vaultd" in cmd:
                vaultd = k
            elif alive(k):
                workers.append(k)
        return control, vaultd, workers

    def log_text(self):
        try:
            with open(self.logpath, "rb") as f:
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    def wait_log(self, pattern, timeout=10):
        return wait_for(lambda: re.search(pattern, self.log_text()), timeout)

    def request(self, data=b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
                timeout=10, addr=None):
        """One connection to the proxy port, or to addr ("HOST:PORT"):
        (local port, reply bytes)."""
        host, port = ("127.0.0.1", self.port) if addr is None else \
            (addr.rsplit(":", 1)[0], int(addr.rsplit(":", 1)[1]))
        s = socket.create_connection((host, port), timeout=timeout * SLOW)
        try:
            lport = s.getsockname()[1]
            s.sendall(data)
            reply = b""
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    break
                reply += chunk
            return lport, reply
        finally:
            s.close()

    def aileron(self, *args, stdin=None, timeout=30):
        return subprocess.run([BIN] + list(args) + ["-s", self.state]
                              if args and args[0] not in ("service",)
                              else [BIN] + list(args),
                              input=stdin, capture_output=True,
                              timeout=timeout * SLOW)

    def audit(self, *filters):
        """The audit log's records, as "aileron audit query --json" gives
        them: tests read control's state through the API, never its
        files.  [] when the query fails."""
        r = self.aileron("audit", "query", "--json", *filters)
        try:
            return json.loads(r.stdout) if r.returncode == 0 else []
        except ValueError:
            return []

    def audit_export(self):
        """The records as control sealed them, one a line (bytes)."""
        return self.aileron("audit", "export").stdout

    def audit_wait(self, pred, timeout=30):
        """The records once one satisfies pred (the worker sends its
        record after its answer), or the last ones read."""
        recs = []

        def seen():
            nonlocal recs
            recs = self.audit()
            return any(pred(r) for r in recs)
        wait_for(seen, timeout, step=0.1)      # it scales by SLOW
        return recs

    def audit_until(self, done, timeout=30):
        """The records once done(records) holds, or the last ones read."""
        recs = []

        def seen():
            nonlocal recs
            recs = self.audit()
            return done(recs)
        wait_for(seen, timeout, step=0.1)      # it scales by SLOW
        return recs

    def audit_wait_all(self, preds, timeout=30):
        """The records once each of preds is satisfied by one of them: the
        workers send their records independently, in no set order."""
        return self.audit_until(
            lambda recs: all(any(p(r) for r in recs) for p in preds), timeout)

    def stop(self, timeout=20):
        """SIGTERM the master and wait for it: returns its exit status."""
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.children()
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout * SLOW)
        except subprocess.TimeoutExpired:
            self.kill_all()
            return None

    def leftovers(self):
        return [p for p in self.known | {self.pid} if p and alive(p)]

    def kill_all(self):
        for p in list(self.known) + ([self.pid] if self.pid else []):
            try:
                os.kill(p, signal.SIGKILL)
            except OSError:
                pass
        if self.proc is not None:
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                pass

    def remove(self):
        if self in _started:
            _started.remove(self)
        shutil.rmtree(self.state, ignore_errors=True)
