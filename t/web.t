#!/usr/bin/env python3
# Copyright (c) 2026 The aileron authors
#
# Permission to use, copy, modify, and distribute this software for any
# purpose with or without fee is hereby granted, provided that the above
# copyright notice and this permission notice appear in all copies.
#
# THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.

# web.t: the web page (issue 14, section 4), in a real browser: headless
# Chromium (Debian's, driven by Selenium) logs in with a user token, sees
# an agent's request wait for approval, grants it, sees the agent get the
# upstream's answer, reads the audit trail, and sees the spend chart carry
# the tokens of a scripted exchange with a local double of the Anthropic
# API.  Without the browser: a session token never logs in, a request
# without its CSRF token or from another origin is refused, a wrong Host
# is refused, every response carries the Content-Security-Policy, the
# cookie is HttpOnly and SameSite=Strict, and nothing names another
# origin.  The cookie alone, as a page on another loopback port gets it
# from the browser, neither reads the CSRF token nor grants: only the
# login's answer carries it, and the page keeps it in sessionStorage;
# a request that changes state without Origin is refused.  The approvals
# do not move under the pointer: a card withdrawn while the pointer is
# over the list stays in place without its buttons, Grant and Deny are
# off for a second after the cards moved, and Grant asks to confirm,
# naming the action.

import http.client
import http.server
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from aileron import TAP, SLOW, SRC, alive, wait_for  # noqa: E402
from aileron import proc_children  # noqa: E402
from proxyenv import ProxyEnv, MASTER, exchange, cli  # noqa: E402
from tlsserver import TLSServer  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; "
       "img-src 'self'; connect-src 'self'; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")
CARD = "4242-CARD-SECRET"

t = TAP()
if os.geteuid() != 0:
    t.skip_all("needs root: the service drops to _aileron")
try:
    import selenium  # noqa: F401
except ImportError:
    # Debian's python3-selenium, for a python3 that is not Debian's.
    sys.path.append("/usr/lib/python3/dist-packages")
t.plan(37)
try:
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service as DriverService
    from selenium.webdriver.common.by import By
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.support.ui import Select
    from selenium.webdriver.common.action_chains import ActionChains
except ImportError as e:
    # Required: make check installs it (etc/deps.sh); fail, never skip.
    t.ok(False, "python3-selenium is installed: %s" % e)
    t.done()
    sys.exit(1)
if not (os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK)):
    t.ok(False, "chromium and chromium-driver are installed")
    t.done()
    sys.exit(1)

ANTHROPIC = {"id": "msg_1", "type": "message", "model": "claude-test",
             "content": [{"type": "text", "text": "hello"}],
             "usage": {"input_tokens": 25, "output_tokens": 150,
                       "cache_read_input_tokens": 3}}
TOKENS = 25 + 150 + 3
# The double's model's price, in US dollars per million tokens, and so
# what the exchange cost.
PRICE = 'taken 2026-12-01\nmodel "claude-test*" input 3 output 15 ' \
    'cache_write 3.75 cache_read 0.30\n'
COST = (25 * 3 + 150 * 15 + 3 * 0.30) / 1e6


class _Handler(http.server.BaseHTTPRequestHandler):
    """echo.test's /danger, and api.anthropic.com's /v1/messages."""
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(n)
        if self.path.startswith("/v1/messages"):
            body = json.dumps(ANTHROPIC).encode()
        else:
            self.server.upstream.seen.append(self.path)
            body = json.dumps({"path": self.path, "done": True}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class Upstream:
    def __init__(self, cert, key):
        self.seen = []
        self.server = TLSServer(_Handler, cert, key, self, 30)
        self.port = self.server.port

    def close(self):
        self.server.close()


def descendants(pid):
    """Every process under pid, found from /proc now."""
    out, todo = [], [pid]
    while todo:
        kids = proc_children(todo.pop())
        out += kids
        todo += kids
    return out


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


WEB = free_port()
ORIGIN = "http://127.0.0.1:%d" % WEB


def web(method, path, body=None, headers=None, host=None):
    """One request to the web listener: (status, headers, body)."""
    c = http.client.HTTPConnection("127.0.0.1", WEB, timeout=10 * SLOW)
    try:
        c.putrequest(method, path, skip_host=True,
                     skip_accept_encoding=True)
        c.putheader("Host", host or "127.0.0.1:%d" % WEB)
        for k, v in (headers or {}).items():
            c.putheader(k, v)
        data = body.encode() if isinstance(body, str) else body
        if data is not None:
            c.putheader("Content-Length", str(len(data)))
        c.endheaders(data)
        r = c.getresponse()
        return r.status, r.headers, r.read()
    finally:
        c.close()


def login(token, origin=ORIGIN):
    h = {"Content-Type": "application/x-www-form-urlencoded"}
    if origin:
        h["Origin"] = origin
    return web("POST", "/web/login", "token=" + token, h)


def approvals(E, all_=False):
    rc, out, err = cli(E.svc, ["approval", "list", "--json"] +
                       (["--all"] if all_ else []))
    return json.loads(out) if rc == 0 else []


driver = None
browser_pids = set()
profile = tempfile.mkdtemp(prefix="aileron-web.")
PRICES = os.path.join(profile, "prices")
with open(PRICES, "w") as f:
    f.write(PRICE)
os.chmod(profile, 0o755)
clients = []
E = ProxyEnv(hosts=("echo.test", "api.anthropic.com"), upstream=Upstream,
             extra_conf='approval timeout 60\n'
             'connector anthropic spec "%s/specs/anthropic.json"\n'
             'web listen 127.0.0.1 port %d\n'
             'prices "%s"\n' % (os.path.abspath(SRC), WEB, PRICES))
try:
    E.vault()
    rc, out, err = cli(E.svc, ["secret", "add", "anthropic", "--connector",
                               "anthropic", "--key-fd", "KEYFD"], [MASTER],
                       stdin=b"sk-ant-test-secret\n")
    assert rc == 0, err
    rc, out, err = cli(E.svc, ["user", "add", "root", "--team", "infra"])
    assert rc == 0, err
    rc, out, err = cli(E.svc, ["user", "token", "--json"])
    TOKEN = json.loads(out)["token"] if rc == 0 else ""
    E.start_session()
    SESSION_TOKEN = E.session["token"]

    # ---- without the browser ----------------------------------------------
    t.is_(E.svc.info.get("web"), "127.0.0.1:%d" % WEB,
          "service.json names the web listener")
    st, h, body = web("GET", "/login")
    t.ok(st == 200 and h.get("Content-Security-Policy") == CSP and
         h.get("X-Frame-Options") == "DENY" and
         h.get("X-Content-Type-Options") == "nosniff" and
         b'action="/web/login"' in body,
         "the login page, with the strict Content-Security-Policy", h)
    st, h, body = web("GET", "/login", host="evil.example:%d" % WEB)
    st2, h2, _ = web("GET", "/", host="localhost:%d" % WEB)
    t.ok(st == 421 and st2 == 421 and b"aileron:bad-host" in body,
         "a Host that is not the configured address:port is refused (no "
         "DNS rebinding)", (st, st2))
    st, h, body = login(SESSION_TOKEN)
    t.ok(st == 403 and b"aileron:login" in body and
         h.get("Set-Cookie") is None,
         "an agent's session token does not log in", (st, dict(h)))
    t.ok(E.svc.wait_log(r"web: a session token was offered at the login; "
                        r"refused", 10),
         "control says a session token was offered")
    st, h, body = login("0" * 64)
    t.ok(st == 403 and h.get("Set-Cookie") is None,
         "nor does a token that is nobody's", st)
    st, h, body = login(TOKEN, origin="http://evil.example")
    st2, h2, _ = login(TOKEN, origin=None)
    t.ok(st == 403 and h.get("Set-Cookie") is None and st2 == 403 and
         h2.get("Set-Cookie") is None,
         "a login posted from another origin, or without Origin, is "
         "refused", (st, st2))
    st, h, body = login(TOKEN)
    cookie = h.get("Set-Cookie") or ""
    m = re.match(r"aileron_web=([0-9a-f]{64}); Path=/; HttpOnly; "
                 r"SameSite=Strict$", cookie)
    me = json.loads(body) if st == 200 else {}
    t.ok(st == 200 and m and m.group(1) != TOKEN and
         me.get("user") == "root" and me.get("admin") is True and
         re.fullmatch(r"[0-9a-f]{64}", me.get("csrf", "")),
         "the user token logs in: a session cookie, HttpOnly, "
         "SameSite=Strict, Path=/ (not Secure: plain HTTP on loopback), "
         "and in the answer's body who, and the CSRF token",
         (cookie, me))
    SID = m.group(1) if m else ""
    CSRF = me.get("csrf", "")
    C = {"Cookie": "aileron_web=" + SID}
    CT = dict(C, **{"X-Aileron-CSRF": CSRF})
    st, h, body = web("GET", "/web/api/session", headers=C)
    st2, _, body2 = web("GET", "/web/api/approvals", headers=C)
    t.ok(st == 403 and st2 == 403 and CSRF.encode() not in body,
         "the cookie alone (as another port's page gets it) reads neither "
         "the session nor the approvals: 403, no CSRF token", (st, body,
                                                              st2))
    st, h, body = web("GET", "/web/api/session", headers=CT)
    me = json.loads(body) if st == 200 else {}
    t.ok(me == {"user": "root", "admin": True},
         "GET /web/api/session with the CSRF token too: who, and no token",
         me)
    st, h, body = web("GET", "/web/api/session")
    t.is_(st, 401, "without the cookie: 401")
    logtext = E.svc.log_text()
    t.ok(TOKEN not in logtext and SID not in logtext and CSRF not in logtext,
         "neither the user token, the cookie nor the CSRF token is logged")
    pages = {}
    for p in ("/", "/login", "/app.js", "/app.css", "/favicon.svg"):
        st, h, body = web("GET", p)
        pages[p] = (st, h.get("Content-Security-Policy"), body)
    urls = set()
    for st, csp, body in pages.values():
        urls.update(re.findall(rb"(?:https?:)?//[A-Za-z0-9.-]+", body))
    t.ok(all(st == 200 and csp == CSP for st, csp, _ in pages.values()) and
         urls <= {b"http://www.w3.org"} and
         pages["/favicon.svg"][2].count(b"http://www.w3.org/2000/svg") ==
         1 and
         b"<script>" not in pages["/"][2] and b" style=" not in
         pages["/"][2] and b"<style" not in pages["/"][2],
         "the page, its script and its style: no other origin (the SVG "
         "namespace aside), no inline script or style", urls)

    # ---- in the browser ---------------------------------------------------
    opts = Options()
    opts.binary_location = CHROMIUM
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu",
              "--disable-dev-shm-usage", "--no-first-run",
              "--disable-background-networking", "--disable-extensions",
              "--user-data-dir=" + profile,
              "--disk-cache-dir=" + os.path.join(profile, "cache")):
        opts.add_argument(a)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    dsvc = DriverService(CHROMEDRIVER, port=free_port())
    driver = webdriver.Chrome(service=dsvc, options=opts)
    driver.set_page_load_timeout(30 * SLOW)
    browser_pids.add(dsvc.process.pid)
    browser_pids.update(descendants(dsvc.process.pid))

    def find(css):
        return driver.find_elements(By.CSS_SELECTOR, css)

    def alert_text():
        try:
            return driver.switch_to.alert.text
        except NoAlertPresentException:
            return None

    def wait_css(css, pred=lambda e: True, timeout=20):
        """The elements css selects once one satisfies pred (bounded); the
        page redraws as it polls, so an element may go stale meanwhile."""
        def look():
            try:
                return [e for e in find(css) if pred(e)]
            except StaleElementReferenceException:
                return None
        return wait_for(look, timeout, step=0.1)   # it scales by SLOW

    driver.get(ORIGIN + "/")
    t.ok(wait_for(lambda: driver.current_url == ORIGIN + "/login", 10,
                  step=0.1),
         "the page sends a browser without a session to the login form",
         driver.current_url)
    driver.find_element(By.ID, "token").send_keys(SESSION_TOKEN)
    driver.find_element(By.ID, "login-submit").click()
    t.ok(wait_css("#login-failed", lambda e: e.is_displayed()) and
         driver.get_cookie("aileron_web") is None,
         "the form refuses a session token, and says so")
    driver.find_element(By.ID, "token").clear()
    driver.find_element(By.ID, "token").send_keys(TOKEN)
    driver.find_element(By.ID, "login-submit").click()
    who = wait_css("#who", lambda e: e.text.startswith("root"))
    bc = driver.get_cookie("aileron_web") or {}
    t.ok(who and bc.get("httpOnly") is True and
         bc.get("sameSite") == "Strict" and driver.current_url.startswith(
             ORIGIN + "/"),
         "the form logs in with the user token; the browser holds an "
         "HttpOnly, SameSite=Strict cookie", bc)
    kept = driver.execute_script(
        "return window.sessionStorage.getItem('aileron.csrf');") or ""
    BC = {"Cookie": "aileron_web=" + (bc.get("value") or "x")}
    st, h, body = web("GET", "/web/api/session", headers=BC)
    st2, _, _ = web("GET", "/web/api/session",
                    headers=dict(BC, **{"X-Aileron-CSRF": kept}))
    t.ok(re.fullmatch(r"[0-9a-f]{64}", kept) and st == 403 and
         kept.encode() not in body and st2 == 200,
         "the page keeps its CSRF token in sessionStorage (this origin's "
         "alone); the browser's cookie without it reads nothing",
         (st, body, st2))

    # An agent's request that needs a human, waiting in the background.
    BODY = json.dumps({"title": "refund 42", "amount": 42, "card": CARD})
    agent = subprocess.Popen(
        ["curl", "-sS", "-i", "--suppress-connect-headers", "--max-time",
         str(60 * SLOW), "-X", "POST", "-H",
         "Content-Type: application/json", "-d", BODY,
         "https://echo.test/danger?mode=fast"], env=E.client_env(),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    clients.append(agent)
    card = wait_css(".approval.pending")
    text = card[0].text if card else ""
    pend = approvals(E)
    a = pend[0] if pend else {}
    t.ok(card and "echo.danger" in text and a.get("digest", "x") in text and
         "redacted" in text and CARD not in text and
         "https://echo.test/danger" in text and "refund 42" in text,
         "the pending approval appears: the action, its redacted arguments "
         "and the request's digest", text)
    GRANT = "/web/api/approvals/%s/grant" % a.get("id")
    JS = {"Content-Type": "application/json"}
    st, h, body = web("POST", GRANT, "{}", dict(C, Origin=ORIGIN, **JS))
    st2, h2, body2 = web("POST", GRANT, "{}",
                         dict(C, Origin=ORIGIN,
                              **dict(JS, **{"X-Aileron-CSRF": "0" * 64})))
    st3, h3, body3 = web("POST", GRANT, "{}",
                         dict(CT, Origin="http://evil.example", **JS))
    st4, h4, body4 = web("POST", GRANT, "{}", dict(CT, **JS))
    t.ok(st == 403 and st2 == 403 and st3 == 403 and st4 == 403 and
         [x.get("state") for x in approvals(E)] == ["pending"],
         "a grant without the CSRF token, with a wrong one, from another "
         "origin, or without Origin is refused (403); the approval still "
         "waits", (st, st2, st3, st4, body, body2, body4))
    t.is_(E.upstream.seen, [], "nothing reached the upstream yet")
    card[0].find_element(By.CSS_SELECTOR, "input.reason").send_keys(
        "refund checked")
    # Grant is off for a second after the card appeared (see below).
    wait_css(".approval.pending button.grant", lambda e: e.is_enabled())
    card[0].find_element(By.CSS_SELECTOR, "button.grant").click()
    # The page asks first, in a dialog naming the action and request.
    ask = wait_for(lambda: alert_text(), 10, step=0.1) or ""
    t.ok(ask.startswith("Grant echo.danger?") and
         "POST https://echo.test/danger" in ask and "refund 42" in ask and
         CARD not in ask and [x.get("state") for x in approvals(E)] ==
         ["pending"],
         "Grant asks to confirm, naming the action, the request and its "
         "arguments; nothing is granted before", ask)
    driver.switch_to.alert.accept()
    try:
        out, err = agent.communicate(timeout=30 * SLOW)
    except subprocess.TimeoutExpired:
        agent.kill()
        out, err = agent.communicate()
    t.ok(out.startswith(b"HTTP/1.1 200") and b'"done": true' in out and
         E.upstream.seen == ["/danger?mode=fast"],
         "granted in the page: the agent's request completes with the "
         "upstream's answer", out[:300] + err)
    done = [x for x in approvals(E, True) if x.get("id") == a.get("id")]
    t.ok(done and done[0].get("state") == "granted" and
         done[0].get("approver") == "root" and
         done[0].get("reason") == "refund checked",
         "the approval is granted by root, with the reason typed", done)
    sel = '.approval[data-id="%s"]' % a.get("id")

    def decided():
        try:
            cards = find(sel)
            return not cards or all(e.get_attribute("data-state") !=
                                    "pending" for e in cards)
        except StaleElementReferenceException:
            return False
    t.ok(wait_for(decided, 5, step=0.1),
         "the page follows: it no longer offers the decided approval")

    # The layout: an agent withdraws a benign approval while the human
    # aims at its Grant, so that its risky one moves under the click.
    def agent_asks(title):
        p = subprocess.Popen(
            ["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}",
             "--max-time", str(60 * SLOW), "-X", "POST", "-H",
             "Content-Type: application/json", "-d",
             json.dumps({"title": title, "amount": 1}),
             "https://echo.test/danger"], env=E.client_env(),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        clients.append(p)
        return p

    def card_of(aid):
        return '#approvals-list .approval[data-id="%s"]' % aid

    def pending_ids():
        return [x["id"] for x in approvals(E)]
    ActionChains(driver).move_to_element(
        driver.find_element(By.ID, "who")).perform()
    risky = agent_asks("delete production database")
    wait_for(lambda: len(pending_ids()) == 1, 20, step=0.1)
    benign = agent_asks("read the README")
    wait_for(lambda: len(pending_ids()) == 2, 20, step=0.1)
    ids = pending_ids()          # the newest first, as the page shows them
    BEN, RISK = (ids + ["", ""])[:2]
    wait_css(card_of(RISK) + " button.grant", lambda e: e.is_enabled())
    aim = wait_css(card_of(BEN) + " button.grant", lambda e: e.is_enabled())
    top = [e.get_attribute("data-id")
           for e in find("#approvals-list .approval")]
    risky_y = find(card_of(RISK))[0].location["y"]
    ActionChains(driver).move_to_element(aim[0]).perform()
    benign.kill()
    benign.wait()
    gone = wait_css(card_of(BEN), lambda e: e.get_attribute("data-gone"),
                    timeout=5)
    ActionChains(driver).click().perform()
    time_ok = wait_for(lambda: RISK in pending_ids() and
                       BEN not in pending_ids(), 5, step=0.1)
    asked = alert_text()
    if asked is not None:
        driver.switch_to.alert.dismiss()
    def held():
        try:
            return not gone[0].find_element(
                By.CSS_SELECTOR, "button.grant").is_enabled() and \
                find(card_of(RISK))[0].location["y"] == risky_y
        except (StaleElementReferenceException, IndexError):
            return False
    t.ok(top[:1] == [BEN] and gone and held() and time_ok and
         asked is None and
         [x["state"] for x in approvals(E, True) if x["id"] == RISK] ==
         ["pending"],
         "an approval withdrawn under the pointer: its card stays where it "
         "was, its Grant off; the risky card below does not move, and the "
         "click grants nothing", (BEN, RISK, asked, approvals(E, True)))
    ActionChains(driver).move_to_element(
        driver.find_element(By.ID, "who")).perform()

    def moved_up():
        try:
            c = find("#approvals-list .approval")
            return len(c) == 1 and c[0].get_attribute("data-id") == RISK \
                and c[0].find_element(By.CSS_SELECTOR, "button.grant")
        except StaleElementReferenceException:
            return None
    btn = wait_for(moved_up, 10, step=0.05)
    off = btn and not btn.is_enabled()
    t.ok(off and wait_css(card_of(RISK) + " button.grant",
                          lambda e: e.is_enabled(), 10),
         "when the pointer leaves, the list is redrawn; Grant and Deny are "
         "off for a second after the cards moved, then on", off)
    risky.kill()
    risky.wait()

    # A scripted exchange with the Anthropic double, through the proxy.
    tls = E.connect(host="api.anthropic.com")
    req = json.dumps({"model": "claude-test", "max_tokens": 64,
                      "messages": [{"role": "user", "content": "hi"}]})
    st, hdrs, out = exchange(tls, b"POST /v1/messages HTTP/1.1\r\n"
                             b"Host: api.anthropic.com\r\n"
                             b"Content-Type: application/json\r\n"
                             b"anthropic-version: 2023-06-01\r\n"
                             b"Content-Length: %d\r\n\r\n%s" %
                             (len(req), req.encode()))
    tls.close()
    rec = E.svc.audit_wait(lambda r: r.get("host") == "api.anthropic.com"
                           and isinstance(r.get("tokens"), dict), 30)
    t.ok(st == 200 and rec, "an LLM exchange through the proxy, counted",
         st)

    # The spend chart, per model and per team.
    driver.find_element(By.ID, "tab-spend").click()
    Select(driver.find_element(By.NAME, "by")).select_by_value("model")
    g = wait_css('#spend-chart g.series[data-key="claude-test"]',
                 lambda e: e.get_attribute("data-tokens") == str(TOKENS))
    t.ok(g and ("claude-test: %d" % TOKENS) in g[0].text,
         "the spend chart (inline SVG) carries the exchange's %d tokens "
         "for model claude-test" % TOKENS, g[0].text if g else
         [e.get_attribute("outerHTML")[:300] for e in find("#spend-chart")])
    row = wait_css('#spend-table tr[data-key="claude-test"]')
    t.ok(row and row[0].text.split() ==
         ["claude-test", str(TOKENS), "25", "150", "0", "3", "0", "1", "0",
          "%.6f" % COST],
         "and its table: input, output, cache write, cache read, reasoning, "
         "requests, unknown, cost from the price table",
         row[0].text if row else None)
    Select(driver.find_element(By.NAME, "by")).select_by_value("team")
    g = wait_css('#spend-chart g.series[data-key="infra"]',
                 lambda e: e.get_attribute("data-tokens") == str(TOKENS))
    t.ok(g, "per team: infra carries them too")
    st, h, body = web("GET", "/web/api/spend?by=model&bucket=hour", None,
                      CT)
    sp = json.loads(body) if st == 200 else {}
    rows = {r["key"]: r for r in sp.get("rows", [])}
    ser = [s for s in sp.get("series", []) if s["key"] == "claude-test"]
    t.ok(sp.get("by") == "model" and
         rows.get("claude-test", {}).get("tokens") ==
         {"input": 25, "output": 150, "cache_write": 0, "cache_read": 3,
          "reasoning": 0} and
         abs(rows["claude-test"].get("cost_usd", 0) - COST) < 1e-9 and
         len(ser) == 1 and
         re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:00:00Z", ser[0]["t"]),
         "GET /web/api/spend: rows and hourly series in /v1/usage's shape",
         sp)

    # The audit trail: filter and page.
    driver.find_element(By.ID, "tab-audit").click()
    f = driver.find_element(By.ID, "audit-filter")
    f.find_element(By.NAME, "action").send_keys("danger")
    f.find_element(By.NAME, "limit").clear()
    f.find_element(By.NAME, "limit").send_keys("1")
    f.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    pages_seen, last = [], None
    def page(last):
        """The next page's one row, or [] at the end (an empty page with
        no "next"): the last full page still offers "next"."""
        def look():
            try:
                rows = find("#audit-table tbody tr")
                if len(rows) == 1 and rows[0].get_attribute(
                        "data-seq") != last:
                    return rows
                if not rows and not driver.find_element(
                        By.ID, "audit-next").is_displayed():
                    return "end"
            except StaleElementReferenceException:
                pass
            return None
        r = wait_for(look, 20, step=0.1)
        return r if isinstance(r, list) else []

    for i in range(8):
        rows = page(last)
        if not rows:
            break
        texts = [r.text for r in rows]
        last = rows[0].get_attribute("data-seq")
        pages_seen.append((int(last), texts))
        nxt = driver.find_element(By.ID, "audit-next")
        if not nxt.is_displayed():
            break
        nxt.click()
    seqs = [p[0] for p in pages_seen]
    t.ok(len(pages_seen) >= 3 and all(len(p[1]) == 1 and "danger" in p[1][0]
                                      for p in pages_seen) and
         seqs == sorted(set(seqs)),
         "the audit trail, filtered by action, one record a page, paged "
         "forward", pages_seen)
    t.ok(any("granted" in p[1][0] and "200" in p[1][0]
             for p in pages_seen),
         "among them the request's outcome: 200, granted",
         [pages_seen, web("GET", "/web/api/audit?action=danger", None,
                          CT)[2][:3000]])

    # Only this origin, no CSP violation, then log out.
    res = driver.execute_script(
        "return performance.getEntriesByType('resource')"
        ".map(function (e) { return e.name; });")
    t.ok(res and all(u.startswith(ORIGIN + "/") for u in res),
         "every request the page made went to its own origin", res)
    logs = driver.get_log("browser")
    # The one error expected: the session token's refused login.
    t.ok(not [x for x in logs if "Content Security Policy" in
              x.get("message", "") or x.get("level") == "SEVERE" and
              "/web/login - Failed to load resource: the server "
              "responded with a status of 403" not in x.get("message", "")],
         "the browser reports no CSP violation and no error", logs)
    driver.find_element(By.ID, "logout").click()
    t.ok(wait_for(lambda: driver.current_url == ORIGIN + "/login",
                  10 * SLOW, step=0.1) and
         web("GET", "/web/api/session",
             headers={"Cookie": "aileron_web=" +
                      (bc.get("value") or "x")})[0] == 401,
         "log out: the web session ends in control")
    st, h, body = web("POST", "/web/api/logout", "{}",
                      dict(CT, Origin=ORIGIN))
    st2, _, _ = web("GET", "/web/api/session", headers=C)
    t.ok(st == 200 and st2 == 401 and "Max-Age=0" in
         (h.get("Set-Cookie") or ""),
         "POST /web/api/logout with the CSRF token ends the other one", st)
finally:
    for p in clients:
        if p.poll() is None:
            p.kill()
            p.wait()
    if driver is not None:
        browser_pids.update(descendants(dsvc.process.pid))
        try:
            driver.quit()
        except Exception:
            pass
    for pid in browser_pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    if not wait_for(lambda: not [p for p in browser_pids if alive(p)], 10):
        print("# browser processes left: %s" % sorted(
            p for p in browser_pids if alive(p)))
    shutil.rmtree(profile, ignore_errors=True)
    E.close()
    E.svc.remove()
t.done()
