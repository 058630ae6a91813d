#!/usr/bin/env python3
# session.t: aileron session start and end against the real service: the
# management API on api.sock (control holds the session, vaultd its key and
# CA), the files a session leaves for the agent's sandbox, --json and --env,
# a key that is not accepted ends the session, the API's refusals, and no
# token or master key in the audit log or the service log.

import calendar
import json
import os
import re
import shutil
import socket
import stat
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from aileron import TAP, Service, BIN, SLOW

t = TAP()
if os.geteuid() != 0:
    t.skip_all("needs root: the service drops to _aileron")
t.plan(45)

M1 = "session test master key"
ROOTS = "/etc/ssl/certs/ca-certificates.crt"
HEX = re.compile(r"^[0-9a-f]+$")


def run(svc, args, keys=()):
    """aileron ARGS -s STATE, the keys one per line on the descriptor that
    "--key-fd 3" in ARGS is rewritten to name."""
    r, w = os.pipe()
    os.write(w, "".join(k + "\n" for k in keys).encode())
    os.close(w)
    args = [str(r) if a == "3" and i > 0 and args[i - 1] == "--key-fd"
            else a for i, a in enumerate(args)]
    try:
        p = subprocess.run([BIN] + args + ["-s", svc.state],
                           stdin=subprocess.DEVNULL, capture_output=True,
                           pass_fds=(r,), timeout=60 * SLOW)
    finally:
        os.close(r)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def api(svc, data):
    """One raw request to api.sock: (status, headers, body)."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(15 * SLOW)
    try:
        s.connect(svc.info["api_socket"])
        s.sendall(data)
        reply = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            reply += chunk
    finally:
        s.close()
    head, _, body = reply.partition(b"\r\n\r\n")
    m = re.match(rb"HTTP/1\.1 (\d+) ", head)
    return (int(m.group(1)) if m else 0), head.decode(errors="replace"), body


def post(path, body):
    return (b"POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json"
            b"\r\nContent-Length: %d\r\n\r\n%s" % (path, len(body), body))


svc = Service(prefork=2)
svc.start(args=("-X",))    # test mode: /v1/test/proxy
A = ["--user", "alice"]
rc, out, err = run(svc, ["vault", "init", "--key-fd", "3", "--kdf-n",
                         "16384"] + A, [M1])
t.ok(rc == 0, "vault init", err)

# Start, --json.
rc, out, err = run(svc, ["session", "start", "--json", "--key-fd", "3",
                         "--agent", "claude", "--team", "infra",
                         "--project", "p1"] + A, [M1])
try:
    j = json.loads(out)
except ValueError:
    j = {}
t.ok(rc == 0 and set(j) == {"session", "token", "proxy", "ca", "bundle",
                            "ca_expires"},
     "session start --json: every field", out + err)
try:
    left = calendar.timegm(time.strptime(j.get("ca_expires", ""),
                                         "%Y-%m-%dT%H:%M:%SZ")) - time.time()
except ValueError:
    left = 0
t.ok(7 * 86400 - 600 < left < 7 * 86400 + 3600 + 600,
     "the session CA expires when a session must have ended: session "
     "max (7 days) and an hour", j.get("ca_expires"))
sid, tok = j.get("session", ""), j.get("token", "")
t.ok(len(sid) == 32 and HEX.match(sid) and len(tok) == 64 and
     HEX.match(tok), "a 32-hex-digit id and a 64-hex-digit token", j)
t.is_(j.get("proxy"), "http://s:%s@%s" % (tok, svc.info["proxy"]),
      "the proxy URL carries the token and the first listener")
sdir = svc.path(os.path.join("sessions", sid))
t.ok(j.get("ca") == os.path.join(sdir, "ca.pem") and
     j.get("bundle") == os.path.join(sdir, "bundle.pem") and
     stat.S_IMODE(os.stat(sdir).st_mode) == 0o755 and
     stat.S_IMODE(os.stat(j["ca"]).st_mode) == 0o644 and
     stat.S_IMODE(os.stat(j["bundle"]).st_mode) == 0o644,
     "ca.pem and bundle.pem, 0644, in sessions/ID, 0755")
with open(j.get("ca", "/dev/null"), "rb") as f:
    ca = f.read()
p = subprocess.run(["openssl", "x509", "-noout", "-text", "-in",
                    j.get("ca", "")], capture_output=True)
t.ok(p.returncode == 0 and b"CA:TRUE" in p.stdout,
     "ca.pem is the session CA certificate", p.stderr)
with open(ROOTS, "rb") as f:
    roots = f.read()
with open(j.get("bundle", "/dev/null"), "rb") as f:
    bundle = f.read()
t.ok(bundle.startswith(roots) and bundle.endswith(ca) and
     len(bundle) - len(roots) - len(ca) in (0, 1),
     "bundle.pem: the system roots, then the session CA")
t.ok(svc.wait_log(r"session %s of user alice begins" % sid),
     "vaultd began the session")

# --env, and the default text.
rc, out, err = run(svc, ["session", "start", "--env", "--key-fd", "3"] + A,
                   [M1])
env = dict(re.findall(r"^export ([A-Za-z_]+)='([^']*)'$", out, re.M))
want = {"AILERON_SESSION", "HTTPS_PROXY", "https_proxy", "SSL_CERT_FILE",
        "CURL_CA_BUNDLE", "REQUESTS_CA_BUNDLE", "GIT_SSL_CAINFO",
        "NODE_EXTRA_CA_CERTS"}
t.ok(rc == 0 and set(env) == want and
     len(out.strip().splitlines()) == len(want),
     "session start --env: every variable, shell-quoted", out + err)
sid2 = env.get("AILERON_SESSION", "")
bdl = os.path.join(svc.state, "sessions", sid2, "bundle.pem")
t.ok(env.get("HTTPS_PROXY") == env.get("https_proxy") and
     re.match(r"^http://s:[0-9a-f]{64}@127\.0\.0\.1:\d+$",
              env.get("HTTPS_PROXY", "")) and
     all(env.get(v) == bdl for v in ("SSL_CERT_FILE", "CURL_CA_BUNDLE",
                                      "REQUESTS_CA_BUNDLE",
                                      "GIT_SSL_CAINFO")) and
     env.get("NODE_EXTRA_CA_CERTS") == os.path.join(os.path.dirname(bdl),
                                                    "ca.pem"),
     "the bundle for the trust-store variables, the CA for Node", env)
tok2 = env.get("HTTPS_PROXY", "")[9:73]
rc, out, err = run(svc, ["session", "start", "--key-fd", "3"] + A, [M1])
m = re.search(r"^session ([0-9a-f]{32}) started for user alice$", out, re.M)
t.ok(rc == 0 and m and re.search(r"^token: +[0-9a-f]{64}$", out, re.M) and
     re.search(r"^proxy: +http://s:", out, re.M) and
     re.search(r"^ca: +/.*/ca\.pem$", out, re.M),
     "session start: id, token, proxy and CA path as text", out + err)
sid3 = m.group(1) if m else ""
tok3 = (re.search(r"^token: +([0-9a-f]{64})$", out, re.M) or
        re.match("()", "")).group(1)

# A wrong master key: the session is started, the key refused, and the
# session ended again.
rc, out, err = run(svc, ["session", "start", "--key-fd", "3"] + A,
                   ["not the key"])
t.ok(rc == 1 and "wrong master key" in err and "was ended" in err,
     "a refused key: fails, and says the session was ended", err)
m = re.search(r"session ([0-9a-f]{32}) was ended", err)
bad = m.group(1) if m else "x"
t.ok(svc.wait_log(r"session %s ended by uid 0" % bad) and
     not os.path.exists(svc.path(os.path.join("sessions", bad))),
     "... control ended it; no files were left")
rc, out, err = run(svc, ["session", "start", "--key-fd", "3", "--user",
                         "nobody"], [M1])
t.ok(rc == 1 and "nobody" in err and not out, "a user without a vault", err)

# Control's side of the proxy, driven from one worker through the
# test-mode route: AUTH, POLICY and AUDIT as the proxy will send them.
def proxy_msgs(**kw):
    st, head, body = api(svc, post(b"/v1/test/proxy", json.dumps(kw).encode()))
    try:
        return json.loads(body)
    except ValueError:
        return {"status": st, "head": head}


WRONG = "0" * 64
r = proxy_msgs(tokens=[WRONG, tok], policy=[0, 1],
               audit=['{"event":"request","host":"api.example",'
                      '"user":"mallory","session":"forged"}'])
t.ok(r.get("auth", [None])[0] == {"error": 1, "session": "", "user": "",
                                  "agent": "", "team": "", "project": ""}
     and r["auth"][1] == {"error": 0, "session": sid, "user": "alice",
                          "agent": "claude", "team": "infra",
                          "project": "p1"},
     "AUTH: a wrong token is refused, the right one names its session", r)
t.ok(svc.wait_log(r"worker \d+ serves session %s" % sid),
     "... and vaultd learnt which session the worker serves first")
t.ok(r.get("policy") == [{"verdict": 1, "reason": "aileron:denied"},
                         {"verdict": 1, "reason": "aileron:denied"}],
     "POLICY: an action of no spec is denied, whatever the worker claims",
     r)
r = proxy_msgs(policy=[0])
t.ok(r.get("policy") == [{"verdict": 1, "reason": "aileron:denied"}],
     "POLICY from a worker that authenticated nobody: denied", r)
r = proxy_msgs(tokens=[WRONG] * 8 + [tok])
t.ok(len(r.get("auth", [])) == 9 and
     all(a and a["error"] == 1 for a in r["auth"]) and
     svc.wait_log(r"another token after 8 wrong ones"),
     "after 8 wrong tokens a worker is refused even the right one", r)
r = proxy_msgs(tokens=[tok, tok3])
t.ok([a and a["error"] for a in r.get("auth", [])] == [0, 1],
     "a worker serves one session: another session's token is refused", r)
proxy_msgs(tokens=[tok], end=[sid])
r = proxy_msgs(tokens=[tok])
t.ok(svc.wait_log(r"a proxy worker may not start or end sessions") and
     r.get("auth", [{}])[0].get("error") == 0,
     "a worker that authenticated an agent cannot end a session", r)
# A worker that claims to speak for root, without handing control its
# caller's connection (whose SO_PEERCRED control reads itself), is cut
# off: before, control ended the session "as root".
proxy_msgs(end=[sid])
r = proxy_msgs(tokens=[tok])
t.ok(svc.wait_log(r"may not start or end sessions: it did not hand over "
                  r"its caller's connection") and
     r.get("auth", [{}])[0].get("error") == 0,
     "a worker cannot end a session in a uid it claims", r)
proxy_msgs(audit=["[1]"])
t.ok(svc.wait_log(r"audit record refused: not a JSON object") and
     svc.wait_log(r"bad frame; closing its channel and killing it"),
     "AUDIT that is not an object: the worker is cut off and killed")
proxy_msgs(audit=['{"a":' * 9 + "1" + "}" * 9])
t.ok(svc.wait_log(r"audit record refused: nested too deep"),
     "AUDIT nested too deep: refused")
# Decisions, approvals and sessions are control's to record: a worker
# that sends one forges it.  A worker's claim of whose agent it serves,
# and a record of no session, count in nobody's usage.
proxy_msgs(audit=['{"event":"approval","decision":"granted",'
                  '"approver":"security-officer"}'])
t.ok(svc.wait_log(r"audit record refused: not an event of a worker's"),
     "AUDIT of control's own event: refused, the worker cut off")
proxy_msgs(audit=['{"event":"request","host":"api.example",'
                  '"agent":"victim-agent","status":200,"tokens":'
                  '{"input":900000000,"output":900000000,"model":"m"}}'])
# That worker authenticated no session: its request record is refused
# whole (a worker of a session keeps the record, without its claim).
t.ok(svc.wait_log(r"audit record refused: a request before any session"),
     "... and a worker of no session cannot record a request")
recs = svc.audit()
t.ok(not any(r.get("approver") == "security-officer" or
             r.get("host") == "api.example" and r.get("status") == 200
             for r in recs),
     "... nothing of the forged approval or request was written", recs)
u = svc.aileron("usage", "--by", "agent", "--json")
t.ok(u.returncode == 0 and "victim-agent" not in u.stdout.decode() and
     "900000000" not in u.stdout.decode(),
     "a record of no session counts in nobody's usage", u.stdout)

# End.
rc, out, err = run(svc, ["session", "end", sid])
t.ok(rc == 0 and not os.path.exists(sdir),
     "session end: ended, its directory removed", out + err)
t.ok(svc.wait_log(r"session %s ends; its keys are zeroed" % sid),
     "vaultd zeroed the session's keys")
rc, out, err = run(svc, ["session", "end", sid])
t.ok(rc == 1 and "no session %s" % sid in err,
     "a second end: no such session", err)
r = proxy_msgs(tokens=[tok])
t.ok(r.get("auth", [{}])[0].get("error") == 1,
     "an ended session's token authenticates nothing", r)

# Usage errors exit 2 and name the argument.
rc, out, err = run(svc, ["session", "start", "--bogus"])
t.ok(rc == 2 and '"--bogus"' in err, "unknown option: exit 2, named", err)
rc, out, err = run(svc, ["session", "start", "--json", "--env"])
t.ok(rc == 2 and '"--env"' in err, "--json with --env: exit 2", err)
rc, out, err = run(svc, ["session", "end", "not-an-id"])
t.ok(rc == 2 and "not-an-id" in err, "a malformed id: exit 2, named", err)

# The API itself.
st, head, body = api(svc, b"PUT /v1/sessions HTTP/1.1\r\nHost: x\r\n"
                     b"Content-Length: 0\r\n\r\n")
t.ok(st == 405 and "Allow: GET, POST, DELETE" in head, "PUT: 405", head)
st, head, body = api(svc, b"GET /v2/x HTTP/1.1\r\nHost: x\r\n\r\n")
t.ok(st == 404 and "application/problem+json" in head and
     json.loads(body or b"{}").get("type") == "aileron:not-found",
     "an unknown path: 404, problem+json", head)
st, head, body = api(svc, post(b"/v1/sessions",
                               b'{"user":"alice","user":"bob"}'))
t.ok(st == 400 and json.loads(body or b"{}").get("type") ==
     "aileron:bad-request", "duplicate keys: 400 aileron:bad-request", body)
st, head, body = api(svc, post(b"/v1/sessions", b'["alice"]'))
t.ok(st == 400, "not an object: 400", body)
st, head, body = api(svc, post(b"/v1/sessions", b"x" * 20000))
t.ok(st == 413, "a body over 16 KiB: 413", head)
st, head, body = api(svc, b"GET /" + b"a" * 17000 + b" HTTP/1.1\r\n\r\n")
t.ok(st in (414, 431), "a head over 16 KiB: refused", head)

# The audit log records starts and ends, and never a token.
recs = svc.audit_wait(lambda r: r.get("event") == "request" and
                      r.get("host") == "api.example")
audit = svc.audit_export()
svc.stop()
t.ok(any(r.get("event") == "session-start" and r.get("session") == sid and
         r.get("agent") == "claude" and r.get("uid") == 0 for r in recs) and
     any(r.get("event") == "session-end" and r.get("session") == sid
         for r in recs) and all("time" in r for r in recs),
     "the audit log: starts and ends", audit[:600])
t.ok(any(r.get("event") == "request" and r.get("host") == "api.example"
         and r.get("user") == "alice" and r.get("session") == sid and
         isinstance(r.get("worker"), int) for r in recs) and
     not any(r.get("user") == "mallory" or r.get("session") == "forged"
             for r in recs),
     "a worker's record: stamped with its session and user, not its claim",
     audit[-800:])
with open(svc.logpath, "rb") as f:
    log = f.read()
leaks = [n for n in (tok, tok2, tok3, M1) if n and
         (n.encode() in audit or n.encode() in log)]
t.ok(tok and tok2 and tok3 and not leaks,
     "no token or master key in the audit log or the service log", leaks)
shutil.rmtree(svc.state, ignore_errors=True)
svc.remove()
t.done()
