/*
 * app.js: the web page's one script (aileron-web(7)): the approvals, the
 * audit trail and the spend chart, from the JSON API under /web/api/.
 * Everything it shows is text set with textContent, never markup.
 *
 * The cookie alone is not enough: a browser sends it to every port of
 * this host, so an agent's page on another port gets it too.  Every API
 * call also carries the session's second secret, which only the login's
 * answer holds; it is kept in sessionStorage, which is this origin's
 * (scheme, host and port) and this tab's alone.
 */
"use strict";

var TOKEN_KEY = "aileron.csrf";
/* How long Grant and Deny stay off after the cards moved. */
var LOCK_MS = 1000;
var aileron = { csrf: null, timer: null, unlock: null, latest: {} };

/*
 * Only the newest answer of each kind is drawn: a poll that was slow
 * must not paint over what a later request showed.
 */
function newest(kind) {
	var n = (aileron.latest[kind] || 0) + 1;
	aileron.latest[kind] = n;
	return function () { return aileron.latest[kind] === n; };
}

function $(id) { return document.getElementById(id); }

function el(tag, text, cls) {
	var e = document.createElement(tag);
	if (text !== undefined && text !== null)
		e.textContent = String(text);
	if (cls)
		e.className = cls;
	return e;
}

function showError(msg) {
	var p = $("error");
	if (!p)
		return;
	p.textContent = msg || "";
	p.hidden = !msg;
}

/* One call to the JSON API; a 401 means the session is gone. */
function api(method, path, body) {
	var opt = { method: method, credentials: "same-origin",
	    headers: { "X-Aileron-CSRF": aileron.csrf || "" } };
	if (method !== "GET") {
		opt.headers["Content-Type"] = "application/json";
		opt.body = JSON.stringify(body || {});
	}
	return fetch("/web/api" + path, opt).then(function (r) {
		if (r.status === 401) {
			window.location.replace("/login");
			throw new Error("not logged in");
		}
		return r.json().then(function (j) {
			var e;
			if (!r.ok) {
				e = new Error(j.title || ("error " +
				    r.status));
				e.status = r.status;
				throw e;
			}
			return j;
		});
	});
}

/* ---- approvals ---------------------------------------------------- */

/*
 * What the confirmation of a grant asks, in a dialog the page cannot
 * move: the action, the request and its arguments, so that a click that
 * landed on another card than the one meant is seen for what it is.
 */
function grantQuestion(a) {
	var lines = ["Grant " + a.connector + "." + a.action + "?", "",
	    a.method + " https://" + a.host + a.path], k, v, n = 0;

	for (k in a.summary) {
		if (++n > 6) {
			lines.push("...");
			break;
		}
		v = typeof a.summary[k] === "string" ? a.summary[k] :
		    JSON.stringify(a.summary[k]);
		lines.push(k + ": " + (v.length > 80 ? v.slice(0, 80) + "..." :
		    v));
	}
	lines.push("", "requested by " + a.user + " (agent " + a.agent + ")");
	return lines.join("\n");
}

function approvalCard(a) {
	var div = el("div", null, "approval " + a.state);
	var dl = el("dl");
	var k, reason, grant, deny;

	div.dataset.id = a.id;
	div.dataset.state = a.state;
	div.appendChild(el("h3", a.connector + "." + a.action + " (" +
	    a.state + ")"));
	function row(name, value) {
		dl.appendChild(el("dt", name));
		dl.appendChild(el("dd", value));
	}
	row("request", a.method + " https://" + a.host + a.path);
	for (k in a.summary)
		row("argument " + k, typeof a.summary[k] === "string" ?
		    a.summary[k] : JSON.stringify(a.summary[k]));
	row("digest", a.digest);
	row("requested by", a.user + " (agent " + a.agent + ", session " +
	    a.session + ")");
	row("asked", a.created);
	row("deadline", a.deadline);
	if (a.approver)
		row("decided by", a.approver);
	if (a.reason)
		row("reason", a.reason);
	div.appendChild(dl);
	if (a.state !== "pending")
		return div;
	reason = el("input", null, "reason");
	reason.placeholder = "reason (optional)";
	reason.maxLength = 255;
	grant = el("button", "Grant", "grant");
	deny = el("button", "Deny", "deny");
	grant.type = deny.type = "button";
	function decide(what) {
		if (what === "grant" && !window.confirm(grantQuestion(a)))
			return;
		grant.disabled = deny.disabled = true;
		div.dataset.busy = "true";
		api("POST", "/approvals/" + a.id + "/" + what,
		    reason.value ? { reason: reason.value } : {})
		    .then(function () { showError(""); loadApprovals(); })
		    .catch(function (e) {
			showError(e.message);
			delete div.dataset.busy;
			grant.disabled = deny.disabled = !decidable(div);
		    });
	}
	grant.addEventListener("click", function () { decide("grant"); });
	deny.addEventListener("click", function () { decide("deny"); });
	div.appendChild(reason);
	div.appendChild(grant);
	div.appendChild(deny);
	return div;
}

/* May this card's buttons take a click now? */
function decidable(card) {
	return !card.dataset.busy && !card.dataset.gone &&
	    !$("approvals-list").dataset.locked;
}

/* The cards as drawn, in order: what tells that the list changed shape. */
function cardOrder(box) {
	var keys = [], i;
	for (i = 0; i < box.children.length; i++)
		keys.push(box.children[i].dataset.id + "." +
		    box.children[i].dataset.state);
	return keys.join(" ");
}

/*
 * The list changed shape, so a card may now be where another was: every
 * Grant and Deny is off for LOCK_MS, so that a click aimed at one card
 * cannot land on the one that moved under it.
 */
function lockDecisions(box) {
	var b = box.querySelectorAll("button.grant, button.deny"), i;

	for (i = 0; i < b.length; i++)
		b[i].disabled = true;
	box.dataset.locked = "true";
	clearTimeout(aileron.unlock);
	aileron.unlock = setTimeout(function () {
		var c = box.querySelectorAll(".approval.pending"), k, j, cb;
		delete box.dataset.locked;
		for (k = 0; k < c.length; k++) {
			cb = c[k].querySelectorAll("button");
			for (j = 0; j < cb.length; j++)
				cb[j].disabled = !decidable(c[k]);
		}
	}, LOCK_MS);
}

/*
 * The pointer is over the list: nothing moves under it.  A card whose
 * approval is no longer as shown stays where it is, without its buttons,
 * saying so; new ones wait.  The list is redrawn when the pointer leaves.
 */
function markChanged(box, list) {
	var now = {}, i, j, c, x;

	list.forEach(function (a) { now[a.id] = a.state; });
	for (i = 0; i < box.children.length; i++) {
		c = box.children[i];
		if (c.dataset.gone || now[c.dataset.id] === c.dataset.state)
			continue;
		c.dataset.gone = "true";
		c.dataset.state = now[c.dataset.id] || "changed";
		c.className += " gone";
		x = c.querySelectorAll("button, input");
		for (j = 0; j < x.length; j++)
			x[j].disabled = true;
		c.querySelector("h3").textContent += now[c.dataset.id] ?
		    ": now " + now[c.dataset.id] : ": no longer pending";
	}
}

function loadApprovals() {
	var all = $("approvals-all").checked, mine = newest("approvals");

	return api("GET", "/approvals" + (all ? "?state=all" : ""))
	    .then(function (list) {
		if (!mine())
			return;
		var box = $("approvals-list"), keep = {}, i, c, old, before;
		if (box.children.length > 0 && box.matches(":hover")) {
			markChanged(box, list);
			return;
		}
		before = cardOrder(box);
		/* A card being typed into stays as it is; a changed one goes. */
		for (i = 0; i < box.children.length; i++)
			if (!box.children[i].dataset.gone)
				keep[box.children[i].dataset.id +
				    box.children[i].dataset.state] =
				    box.children[i];
		old = document.activeElement;
		while (box.firstChild)
			box.removeChild(box.firstChild);
		list.forEach(function (a) {
			c = keep[a.id + a.state] || approvalCard(a);
			box.appendChild(c);
		});
		$("approvals-none").hidden = list.length > 0;
		if (old && box.contains(old))
			old.focus();
		if (cardOrder(box) !== before)
			lockDecisions(box);
	    });
}

/* ---- audit -------------------------------------------------------- */

function outcome(r) {
	if (r.status !== undefined)
		return String(r.status) + (r.decision ? " " + r.decision : "");
	return r.decision || r.reason || "";
}

function tokenCount(t) {
	var n = 0, k;
	if (t === "unknown")
		return "unknown";
	if (!t || typeof t !== "object")
		return "";
	for (k in t)
		if (typeof t[k] === "number")
			n += t[k];
	return String(n);
}

function loadAudit(after) {
	var f = $("audit-filter"), q = [], i, name, v;
	var names = ["user", "action", "session", "since", "until", "limit"];
	var mine = newest("audit");

	for (i = 0; i < names.length; i++) {
		name = names[i];
		v = f.elements[name].value.trim();
		if (v)
			q.push(name + "=" + encodeURIComponent(v));
	}
	if (after)
		q.push("after=" + after);
	return api("GET", "/audit" + (q.length ? "?" + q.join("&") : ""))
	    .then(function (j) {
		if (!mine())
			return;
		var tb = $("audit-table").tBodies[0], next = $("audit-next");
		while (tb.firstChild)
			tb.removeChild(tb.firstChild);
		j.records.forEach(function (r) {
			var tr = el("tr");
			tr.dataset.seq = r.seq;
			[r.seq, r.time, r.event, r.user, r.agent,
			    r.action ? (r.connector ? r.connector + "." : "") +
			    r.action : (r.host || ""), outcome(r),
			    tokenCount(r.tokens)].forEach(function (x) {
				tr.appendChild(el("td", x === undefined ?
				    "" : x));
			});
			tb.appendChild(tr);
		});
		next.hidden = !j.next;
		next.dataset.after = j.next || "";
	    });
}

/* ---- spend -------------------------------------------------------- */

var KINDS = ["input", "output", "cache_write", "cache_read", "reasoning"];

function total(t) {
	return KINDS.reduce(function (n, k) { return n + (t[k] || 0); }, 0);
}

function svg(tag, attrs, text) {
	var e = document.createElementNS("http://www.w3.org/2000/svg", tag);
	var k;
	for (k in attrs)
		e.setAttribute(k, attrs[k]);
	if (text !== undefined)
		e.textContent = String(text);
	return e;
}

/*
 * The chart: tokens per bucket, one line per key, drawn as inline SVG
 * from the reply's series; each key's group carries its total.
 */
function drawSpend(j) {
	var W = 720, H = 260, L = 60, B = 40, T = 10, R = 150;
	var box = $("spend-chart"), times = [], keys = [], max = 0, byKey = {};
	var s, x, y, colors = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728",
	    "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"];

	j.series.forEach(function (p) {
		if (times.indexOf(p.t) < 0)
			times.push(p.t);
		if (!byKey[p.key]) {
			byKey[p.key] = {};
			keys.push(p.key);
		}
		byKey[p.key][p.t] = total(p.tokens);
		max = Math.max(max, byKey[p.key][p.t]);
	});
	times.sort();
	keys.sort();
	while (box.firstChild)
		box.removeChild(box.firstChild);
	s = svg("svg", { width: W, height: H, viewBox: "0 0 " + W + " " + H,
	    role: "img", "aria-label": "tokens per " + j.by + " per " +
	    j.bucket, "data-by": j.by });
	x = function (i) {
		return L + (times.length < 2 ? (W - L - R) / 2 :
		    i * (W - L - R) / (times.length - 1));
	};
	y = function (v) {
		return T + (H - T - B) * (1 - (max ? v / max : 0));
	};
	s.appendChild(svg("line", { x1: L, y1: T, x2: L, y2: H - B,
	    stroke: "#888" }));
	s.appendChild(svg("line", { x1: L, y1: H - B, x2: W - R, y2: H - B,
	    stroke: "#888" }));
	s.appendChild(svg("text", { x: L - 4, y: T + 10, "text-anchor": "end"
	    }, max));
	s.appendChild(svg("text", { x: L - 4, y: H - B, "text-anchor": "end"
	    }, 0));
	if (times.length) {
		s.appendChild(svg("text", { x: L, y: H - B + 16 },
		    times[0].replace("T", " ").replace(":00:00Z", "h")));
		if (times.length > 1)
			s.appendChild(svg("text", { x: W - R, y: H - B + 16,
			    "text-anchor": "end" }, times[times.length - 1]
			    .replace("T", " ").replace(":00:00Z", "h")));
	}
	keys.forEach(function (k, n) {
		var g = svg("g", { "class": "series", "data-key": k });
		var pts = [];
		var sum = 0, color = colors[n % colors.length];
		times.forEach(function (t, i) {
			var v = byKey[k][t] || 0;
			sum += v;
			pts.push(x(i) + "," + y(v));
			g.appendChild(svg("circle", { cx: x(i), cy: y(v), r: 3,
			    fill: color, "data-t": t, "data-tokens": v }));
		});
		g.setAttribute("data-tokens", sum);
		g.insertBefore(svg("polyline", { points: pts.join(" "),
		    fill: "none", stroke: color, "stroke-width": 2 }),
		    g.firstChild);
		g.appendChild(svg("text", { x: W - R + 10, y: T + 14 + n * 16,
		    fill: color }, k + ": " + sum));
		s.appendChild(g);
	});
	if (!keys.length)
		s.appendChild(svg("text", { x: L + 10, y: T + 30 },
		    "no tokens counted in this window"));
	box.appendChild(s);
}

function drawSpendTable(j) {
	var tb = $("spend-table").tBodies[0];
	while (tb.firstChild)
		tb.removeChild(tb.firstChild);
	j.rows.sort(function (a, b) { return total(b.tokens) -
	    total(a.tokens); });
	j.rows.forEach(function (r) {
		var tr = el("tr");
		tr.dataset.key = r.key;
		tr.appendChild(el("td", r.key));
		[total(r.tokens)].concat(KINDS.map(function (k) {
			return r.tokens[k] || 0; }), [r.requests, r.unknown])
		    .forEach(function (v) { tr.appendChild(el("td", v,
			"num")); });
		/* null: a model without a price, or counts unknown. */
		tr.appendChild(el("td", typeof r.cost_usd === "number" ?
		    r.cost_usd.toFixed(6) : "unknown", "num"));
		tb.appendChild(tr);
	});
}

function loadSpend() {
	var f = $("spend-filter"), mine = newest("spend");
	return api("GET", "/spend?by=" + f.elements.by.value + "&since=" +
	    f.elements.since.value + "&bucket=" + f.elements.bucket.value)
	    .then(function (j) {
		if (mine()) {
			drawSpend(j);
			drawSpendTable(j);
		}
	    });
}

/* ---- the page ----------------------------------------------------- */

var TABS = { approvals: loadApprovals, audit: function () {
	return loadAudit(); }, spend: loadSpend };

function show() {
	var name = (window.location.hash || "#approvals").slice(1), k;
	if (!TABS[name])
		name = "approvals";
	for (k in TABS) {
		$(k).hidden = k !== name;
		$("tab-" + k).className = k === name ? "on" : "";
	}
	clearInterval(aileron.timer);
	function tick() {
		TABS[name]().catch(function (e) { showError(e.message); });
	}
	tick();
	/* The approvals and spend follow what happens; the audit pages. */
	if (name !== "audit")
		aileron.timer = setInterval(tick, name === "approvals" ?
		    1000 : 5000);
}

function startApp() {
	/* A tab that never logged in has no token: the login form. */
	aileron.csrf = window.sessionStorage.getItem(TOKEN_KEY);
	if (!aileron.csrf) {
		window.location.replace("/login");
		return;
	}
	api("GET", "/session").then(function (s) {
		$("who").textContent = s.user + (s.admin ? " (admin)" : "");
		$("approvals-all").addEventListener("change", loadApprovals);
		/* What changed while the pointer was over the list shows now. */
		$("approvals-list").addEventListener("mouseleave", function () {
			loadApprovals().catch(function (x) {
				showError(x.message); });
		});
		$("audit-filter").addEventListener("submit", function (e) {
			e.preventDefault();
			loadAudit().catch(function (x) {
				showError(x.message); });
		});
		$("audit-next").addEventListener("click", function () {
			loadAudit(this.dataset.after).catch(function (x) {
				showError(x.message); });
		});
		$("spend-filter").addEventListener("change", function () {
			loadSpend().catch(function (x) {
				showError(x.message); });
		});
		$("logout").addEventListener("click", function () {
			api("POST", "/logout").then(function () {
				window.sessionStorage.removeItem(TOKEN_KEY);
				window.location.replace("/login");
			});
		});
		window.addEventListener("hashchange", show);
		show();
	}).catch(function (e) {
		/* A token this session does not know: log in again. */
		if (e.status === 403) {
			window.sessionStorage.removeItem(TOKEN_KEY);
			window.location.replace("/login");
		} else
			showError(e.message);
	});
}

/*
 * The login form, posted by the script so that it reads the answer: the
 * session's token goes to sessionStorage, the cookie to the browser.
 */
function login(e) {
	var body = "token=" + encodeURIComponent($("token").value);

	e.preventDefault();
	$("login-failed").hidden = true;
	fetch("/web/login", { method: "POST", credentials: "same-origin",
	    headers: { "Content-Type": "application/x-www-form-urlencoded" },
	    body: body }).then(function (r) {
		return r.json().then(function (j) {
			if (!r.ok || !j.csrf)
				throw new Error(j.title || "login failed");
			window.sessionStorage.setItem(TOKEN_KEY, j.csrf);
			window.location.replace("/");
		});
	}).catch(function () {
		$("login-failed").hidden = false;
	});
}

function startLogin() {
	window.sessionStorage.removeItem(TOKEN_KEY);
	$("login").addEventListener("submit", login);
	$("token").focus();
}

document.addEventListener("DOMContentLoaded", function () {
	if ($("login"))
		startLogin();
	else
		startApp();
});
