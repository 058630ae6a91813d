# vaultd_harness.py: plays master, control and workers for a real vaultd
# ("aileron service -P vaultd") in the vault tests: sessions (BEGIN's
# acknowledgement carries the session CA), control's release of a
# connector to a worker, INJECT, LEAF and the upstream tickets.  Message
# numbers, layouts and the
# op, kind and role numbers come from $(BUILD)/msgtypes.json, which
# t/helpers/msgdump.c prints from lib/msgtypes.h at build time.

import atexit
import hashlib
import json
import os
import pwd
import re
import select
import shutil
import socket
import struct
import subprocess
import tempfile
import time

SRC = os.environ.get("AILERON_SRC") or os.path.join(
    os.path.dirname(__file__), "..", "..")
BIN = os.environ.get("AILERON_BIN") or os.path.join(SRC, "build", "aileron")

BUILD = os.environ.get("AILERON_BUILD") or os.path.join(SRC, "build")
with open(os.path.join(BUILD, "msgtypes.json")) as _f:
    M = json.load(_f)

L = {k: struct.Struct(v) for k, v in M["layouts"].items()}
HDR = L["HDR"]      # type, flags, len, reqid, peerid, pid
CONF_PROC = L["CONF_PROC"]
CONF_CONNECTOR = L["CONF_CONNECTOR"]
SESSION = L["SESSION"]
REQUEST = L["REQUEST"]
REPLY = L["REPLY"]
INJECT = L["INJECT"]
RELEASE = L["RELEASE"]
HOST = struct.Struct("=256s")   # struct msg_vault_host

PROC_CONTROL = M["procs"]["control"]
KIND = M["kinds"]
OP = M["ops"]
ROLE = M["roles"]
C = M["consts"]
T = M["types"]
F_HASFD = C["MSGF_HASFD"]
F_REPLY = C["MSGF_REPLY"]


def cstr(s, n):
    b = s.encode() if isinstance(s, str) else s
    return b[:n]


def user_key(master, salt, n=16384, r=8, p=1):
    return hashlib.scrypt(master.encode(), salt=salt, n=n, r=r, p=p,
                          maxmem=256 * 1024 * 1024, dklen=32)


class Chan:
    def __init__(self, sock):
        self.s = sock
        self.buf = b""

    def send(self, mtype, payload=b"", peerid=0, fd=None, reqid=0,
             flags=0):
        if isinstance(mtype, str):
            mtype = T[mtype]
        frame = HDR.pack(mtype, flags | (F_HASFD if fd is not None else 0),
                         len(payload), reqid, peerid, os.getpid()) + payload
        if fd is None:
            self.s.sendall(frame)
        else:
            socket.send_fds(self.s, [frame], [fd])

    def send_raw(self, data):
        self.s.sendall(data)

    def recv(self, timeout=10):
        """(type name, peerid, payload), or None on end of file/timeout;
        the last frame's header fields stay in self.last."""
        end = time.monotonic() + timeout
        while True:
            if len(self.buf) >= HDR.size:
                mtype, flags, ln, reqid, peerid, _ = HDR.unpack_from(self.buf)
                if len(self.buf) >= HDR.size + ln:
                    payload = self.buf[HDR.size:HDR.size + ln]
                    self.buf = self.buf[HDR.size + ln:]
                    name = [k for k, v in T.items() if v == mtype]
                    self.last = {"flags": flags, "reqid": reqid}
                    return (name[0] if name else mtype, peerid, payload)
            left = end - time.monotonic()
            if left <= 0:
                return None
            r, _, _ = select.select([self.s], [], [], left)
            if not r:
                return None
            try:
                data = self.s.recv(65536)
            except OSError:
                return None
            if not data:
                return None
            self.buf += data

    def closed(self, timeout=5):
        """True when the far end closed the channel."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            r, _, _ = select.select([self.s], [], [], 0.2)
            if r:
                try:
                    data = self.s.recv(65536)
                except OSError:
                    return True
                if not data:
                    return True
        return False


class Vaultd:
    """A vaultd with us as its master, its control and its workers."""

    def __init__(self, connectors, user="_aileron", verbose=True):
        self.state = tempfile.mkdtemp(prefix="aileron-vt.")
        os.chmod(self.state, 0o700)
        atexit.register(self.remove)
        self.dir = os.path.join(self.state, "vault")
        os.mkdir(self.dir, 0o700)
        self.user = ""
        if os.geteuid() == 0 and user:
            pw = pwd.getpwnam(user)
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
            self.user = user
        self.logpath = os.path.join(self.state, "vaultd.log")
        self.sockpath = os.path.join(self.state, "vault.sock")
        self.connectors = connectors
        self.workers = {}
        self.reqid = 0
        self.verbose = verbose

    def start(self):
        parent, child = socket.socketpair()
        # The child finds its channel on descriptor 3: keep ours off it.
        if parent.fileno() == 3:
            p2 = parent.dup()
            parent.close()
            parent = p2
        # Another vaultd's channel may hold 3 now: it is put back after.
        saved = None
        if child.fileno() != 3:
            try:
                saved = os.dup(3)
            except OSError:
                pass
            os.dup2(child.fileno(), 3)
        self.log = open(self.logpath, "ab")
        # -v: the vault key cache logs its hits, misses and drops.
        self.proc = subprocess.Popen([BIN, "service", "-P", "vaultd", "-d"] +
                                     (["-v"] if self.verbose else []),
                                     pass_fds=(3,), stdin=subprocess.DEVNULL,
                                     stdout=self.log, stderr=self.log)
        if saved is not None:
            os.dup2(saved, 3, inheritable=False)
            os.close(saved)
        elif child.fileno() != 3:
            os.close(3)
        child.close()
        self.pid = self.proc.pid
        self.master = Chan(parent)
        lsock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        if os.path.exists(self.sockpath):     # a restart
            os.unlink(self.sockpath)
        lsock.bind(self.sockpath)
        os.chmod(self.sockpath, 0o600)
        lsock.listen(16)
        lsock.setblocking(False)
        self.master.send("CONF_PROC", CONF_PROC.pack(
            1 if self.verbose else 0, 1, os.getuid(), cstr(self.user, 63), cstr(self.dir, 4095)),
            fd=lsock.fileno())
        lsock.close()
        ctl, far = socket.socketpair()
        self.master.send("CONF_PEER", peerid=PROC_CONTROL, fd=far.fileno())
        far.close()
        self.control = Chan(ctl)
        self.master.send("CONF_CONNECTORS_BEGIN")
        for name, kind, iname, hosts in self.connectors:
            self.master.send("CONF_CONNECTOR", CONF_CONNECTOR.pack(
                cstr(name, 63), KIND[kind], cstr(iname, 63), len(hosts)) +
                b"".join(cstr(h, 255).ljust(C["MSG_CONF_HOST_LEN"], b"\0")
                         for h in hosts))
        self.master.send("CONF_CONNECTORS_END")
        self.master.send("CONF_DONE")
        return self.master.recv(15)

    def worker(self, pid):
        a, b = socket.socketpair()
        self.master.send("WORKER_NEW", peerid=pid, fd=b.fileno())
        b.close()
        self.workers[pid] = Chan(a)
        return self.workers[pid]

    def worker_gone(self, pid):
        self.master.send("WORKER_GONE", peerid=pid)

    def control_call(self, mtype, payload):
        """A call from control, answered with SESSION_ACK: (error, text),
        or None."""
        self.reqid += 1
        self.control.send(mtype, payload, reqid=self.reqid)
        r = self.control.recv()
        if r is None or r[0] != "VAULT_SESSION_ACK" or \
                self.control.last["reqid"] != self.reqid:
            return None
        err, _ = REPLY.unpack_from(r[2])
        return err, r[2][REPLY.size:].decode()

    def session(self, what, session, user="", worker=0):
        return self.control_call("VAULT_SESSION_" + what, SESSION.pack(
            worker, cstr(session, 39), cstr(user, 71)))

    def release(self, pid, connector, host):
        """control's RELEASE: worker pid may have connector's credential
        injected for host."""
        return self.control_call("VAULT_RELEASE", RELEASE.pack(
            pid, cstr(connector, 71), cstr(host, 255)))

    def inject(self, pid, connector, host, claim=""):
        w = self.workers[pid]
        self.reqid += 1
        w.send("VAULT_INJECT", INJECT.pack(cstr(claim, 39),
                                           cstr(connector, 71),
                                           cstr(host, 255)),
               reqid=self.reqid)
        r = w.recv()
        if r is None:
            return None
        err, kind = REPLY.unpack_from(r[2])
        return err, r[2][REPLY.size:].decode(errors="replace")

    def leaf(self, pid, host):
        """LEAF: (0, certificate DER, key DER), or (error, sentence), or
        None when the channel closed."""
        w = self.workers[pid]
        self.reqid += 1
        w.send("VAULT_LEAF", HOST.pack(cstr(host, 256)), reqid=self.reqid)
        r = w.recv()
        if r is None or r[0] != "VAULT_LEAF_REPLY":
            return None
        err, _ = REPLY.unpack_from(r[2])
        body = r[2][REPLY.size:]
        if err != 0:
            return err, body.decode(errors="replace")
        certlen, = struct.unpack_from("=I", body)
        return 0, body[4:4 + certlen], body[4 + certlen:]

    def ticket_put(self, pid, host, data):
        """TICKET_PUT: no answer."""
        self.workers[pid].send("VAULT_TICKET_PUT",
                               HOST.pack(cstr(host, 256)) + data)

    def ticket_get(self, pid, host):
        """TICKET_GET: (0, bytes) or (error, sentence), or None."""
        w = self.workers[pid]
        self.reqid += 1
        w.send("VAULT_TICKET_GET", HOST.pack(cstr(host, 256)),
               reqid=self.reqid)
        r = w.recv()
        if r is None or r[0] != "VAULT_TICKET_REPLY":
            return None
        err, _ = REPLY.unpack_from(r[2])
        body = r[2][REPLY.size:]
        return (err, body) if err == 0 else \
            (err, body.decode(errors="replace"))

    def connect(self, hello=True, version=None):
        """A vault.sock connection, past its HELLO unless told not to."""
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(self.sockpath)
        c = Chan(s)
        if hello:
            c.send("VAULT_HELLO", struct.pack(
                "=I", version or C["MSG_VAULT_PROTOCOL"]), reqid=1)
            c.hello = c.recv(10)
        return c

    def pack_request(self, op, user="", key=b"", new_key=b"", session="",
                     name="", connector="", kind="bearer", param="",
                     flags=0, salt=b"", n=0, r=0, p=0, member_key=b"",
                     role="reader", vault="", member=""):
        """A request as the C struct lays it out; field overruns are the
        caller's (to test malformed requests, pass bytes)."""
        return REQUEST.pack(
            n, OP.get(op, op), flags, KIND[kind], r, p, 0, salt,
            key, new_key, cstr(user, 71), cstr(session, 39), cstr(name, 71),
            cstr(connector, 71), cstr(param, 71), member_key,
            ROLE.get(role, role), cstr(vault, 35), cstr(member, 71))

    def request(self, op, value=b"", chan=None, **fields):
        c = chan or self.connect()
        self.reqid += 1
        c.send("VAULT_REQUEST", self.pack_request(op, **fields) + value,
               reqid=self.reqid)
        rep = c.recv(30)
        if chan is None:
            c.s.close()
        if rep is None:
            return None
        err, _ = REPLY.unpack_from(rep[2])
        return err, rep[2][REPLY.size:].decode(errors="replace")

    def cache(self, session):
        """The last (hits, misses, drops) of a session's vault key cache,
        from vaultd's debug log; (0, 0, 0) before any."""
        last = (0, 0, 0)
        for m in re.finditer(r"session %s: vault key cache.*\(hits (\d+), "
                             r"misses (\d+), drops (\d+)\)" % session,
                             self.log_text()):
            last = tuple(int(x) for x in m.groups())
        return last

    def log_text(self):
        with open(self.logpath, "rb") as f:
            return f.read().decode(errors="replace")

    def shutdown(self):
        self.master.send("SHUTDOWN")
        try:
            rc = self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = None
        # Our ends go too, so a restart's descriptor 3 is free.
        for c in [self.master, self.control] + list(self.workers.values()):
            c.s.close()
        self.workers = {}
        self.log.close()
        return rc

    def remove(self):
        """At exit: nothing of this vaultd is left behind."""
        self.kill()
        shutil.rmtree(self.state, ignore_errors=True)

    def kill(self):
        if getattr(self, "proc", None) is not None and \
                self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
