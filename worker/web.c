/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/*
 * web.c: the web page (aileron-web(7)), served by a worker that accepted
 * on the "web listen" address:
 *
 *	GET /, /login, /app.js, /app.css	the page, embedded (web_assets)
 *	POST /web/login		token=USER_TOKEN -> the session cookie and
 *				{"user","admin","csrf"}
 *	GET /web/api/session	-> {"user","admin"}
 *	POST /web/api/logout
 *	GET /web/api/approvals[?state=all], GET /web/api/approvals/ID
 *	POST /web/api/approvals/ID/grant|deny {"reason"}
 *	GET /web/api/audit?...	as GET /v1/audit
 *	GET /web/api/spend?by=&since=&bucket=	tokens per key over time
 *
 * The bytes are parsed here, as the API's are (api.c reads the request);
 * control decides.  Who asks is the web session the cookie names: control
 * checks it and from then on takes this worker's calls as that user's
 * (control/web.c).  Every request must name this listener in Host (no DNS
 * rebinding).  Browsers send a cookie to every port of its host, so a
 * page of the agent's on another loopback port gets ours: the cookie
 * alone does nothing.  Every /web/api request must also carry the
 * session's second secret (its "CSRF token") in X-Aileron-CSRF, which
 * only the login's answer holds and the page keeps in sessionStorage,
 * which is its origin's, port and all.  Every request that changes state
 * must name this page in Origin (a client that sends none is refused)
 * and not be another site's (Sec-Fetch-Site).  Every response carries a
 * strict Content-Security-Policy; the page loads nothing from anywhere
 * else.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <http_parser.h>
#include <jansson.h>

#include "log.h"
#include "msg.h"
#include "msgtypes.h"
#include "control/audit.h"
#include "master/parse.h"
#include "worker/api.h"
#include "worker/api_usage.h"
#include "worker/api_approval.h"
#include "worker/api_audit.h"
#include "worker/proxy.h"
#include "worker/web.h"
#include "worker/worker.h"

#define WEB_CSRF_HEADER		"X-Aileron-CSRF"
#define WEB_API			"/web/api"
#define WEB_REQID		0x7eb
/* The spend page reads at most this many records, newest window first. */
#define WEB_SPEND_SINCE		"24h"

/* Every response: nothing but this origin, never framed. */
static const char web_headers[] =
    "Content-Security-Policy: default-src 'none'; script-src 'self'; "
    "style-src 'self'; img-src 'self'; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'\r\n"
    "X-Content-Type-Options: nosniff\r\n"
    "X-Frame-Options: DENY\r\n"
    "Referrer-Policy: same-origin\r\n"
    "Cross-Origin-Opener-Policy: same-origin\r\n"
    "Cross-Origin-Resource-Policy: same-origin\r\n";

/* The headers kept from a request. */
enum {
	WEB_H_HOST,
	WEB_H_COOKIE,
	WEB_H_ORIGIN,
	WEB_H_FETCH_SITE,
	WEB_H_CSRF,
	WEB_H_CTYPE,
	WEB_H_MAX
};

/* One request's caller, once control checked the cookie. */
struct web_who {
	char		 sid[MSG_WEB_SECRET_LEN + 1];
	uint32_t	 uid;
	int		 admin;
	char		 user[72];
	char		 csrf[MSG_WEB_SECRET_LEN + 1];
};

static int	web_localhost(const struct worker_ctx *);
static int	web_control(struct worker_ctx *, uint32_t, uint32_t,
		    const char *, const char *, struct msg_control_web_reply *);
static int	web_asset(int, const char *);
static int	web_login(struct worker_ctx *, int, struct api_req *,
		    const struct api_hdr *);
static int	web_api(struct worker_ctx *, int, int, struct api_req *,
		    const struct api_hdr *);
static int	web_session(int, const char *, const struct web_who *, int);
static int	web_approval(struct worker_ctx *, int, int, struct api_req *,
		    const struct web_who *);
static int	web_spend(struct worker_ctx *, int, char *);

/* Did the configuration name the listener "localhost"? */
static int
web_localhost(const struct worker_ctx *ctx)
{
	return ctx->conf != NULL && ctx->conf->web != NULL &&
	    strncmp(ctx->conf->web->name, "localhost ", 10) == 0;
}

/* One MSG_CONTROL_WEB call: 0 and control's reply in r, or -1. */
static int
web_control(struct worker_ctx *ctx, uint32_t op, uint32_t flags,
    const char *secret, const char *csrf, struct msg_control_web_reply *r)
{
	struct msg_control_web	 m;
	struct chan		 c;
	size_t			 got;
	int			 rv;

	memset(&m, 0, sizeof(m));
	m.op = op;
	m.flags = flags;
	strlcpy(m.secret, secret, sizeof(m.secret));
	if (csrf != NULL)
		strlcpy(m.csrf, csrf, sizeof(m.csrf));
	api_chan_open(ctx, &c);
	rv = api_call(&c, WEB_REQID, MSG_CONTROL_WEB, &m, sizeof(m),
	    MSG_CONTROL_WEB_REPLY, sizeof(*r), r, sizeof(*r), &got);
	api_chan_close(&c);
	explicit_bzero(&m, sizeof(m));
	if (rv == -1)
		return -1;
	r->user[sizeof(r->user) - 1] = '\0';
	r->sid[sizeof(r->sid) - 1] = '\0';
	r->csrf[sizeof(r->csrf) - 1] = '\0';
	r->reason[sizeof(r->reason) - 1] = '\0';
	return 0;
}

/* A file of the page; 404 when there is none of that name. */
static int
web_asset(int fd, const char *path)
{
	size_t	 i;

	if (strcmp(path, "/") == 0)
		path = "/index.html";
	else if (strcmp(path, "/login") == 0)
		path = "/login.html";
	for (i = 0; i < web_nassets; i++)
		if (strcmp(web_assets[i].path, path) == 0) {
			api_send(fd, 200, web_assets[i].ctype, NULL,
			    web_assets[i].data);
			return 200;
		}
	api_problem(fd, 404, "aileron:not-found", "no such page");
	return 404;
}

/*
 * POST /web/login, the login form as the page's script posts it:
 * token=USER_TOKEN.  Control compares it with the users' tokens; on a
 * match the browser gets the session's cookie (HttpOnly,
 * SameSite=Strict; this listener speaks plain HTTP on loopback, so it
 * is not Secure) and the script, in this answer's body alone, the
 * session's second secret; otherwise 403, without a cookie.
 */
static int
web_login(struct worker_ctx *ctx, int fd, struct api_req *rq,
    const struct api_hdr *h)
{
	struct msg_control_web_reply	 r;
	struct web_who			 w;
	char				 body[API_BODY_MAX + 1], *token;
	char				 extra[256];

	if (strncasecmp(h[WEB_H_CTYPE].value,
	    "application/x-www-form-urlencoded", 33) != 0) {
		api_problem(fd, 400, "aileron:bad-request", "post the login "
		    "form");
		return 400;
	}
	memcpy(body, rq->body, rq->bodylen);
	body[rq->bodylen] = '\0';
	if (web_form_token(body, &token) == -1) {
		explicit_bzero(body, sizeof(body));
		api_problem(fd, 400, "aileron:bad-request", "the form has no "
		    "token");
		return 400;
	}
	if (web_control(ctx, MSG_WEB_OP_LOGIN, 0, token, NULL, &r) == -1) {
		explicit_bzero(body, sizeof(body));
		api_problem(fd, 503, "aileron:unavailable", "control did not "
		    "answer; see the service log");
		return 503;
	}
	explicit_bzero(body, sizeof(body));
	explicit_bzero(rq->body, sizeof(rq->body));
	if (r.error != 0) {
		log_info("web: a login refused: %s", r.reason);
		api_problem(fd, 403, "aileron:login", "that token logs nobody "
		    "in; use the one aileron user token printed");
		explicit_bzero(&r, sizeof(r));
		return 403;
	}
	snprintf(extra, sizeof(extra), "Set-Cookie: " WEB_COOKIE "=%s; "
	    "Path=/; HttpOnly; SameSite=Strict\r\n", r.sid);
	memset(&w, 0, sizeof(w));
	w.admin = r.admin;
	strlcpy(w.user, r.user, sizeof(w.user));
	strlcpy(w.csrf, r.csrf, sizeof(w.csrf));
	web_session(fd, extra, &w, 1);
	log_info("web: %s logged in", r.user);
	explicit_bzero(extra, sizeof(extra));
	explicit_bzero(&r, sizeof(r));
	explicit_bzero(&w, sizeof(w));
	return 200;
}

/*
 * Who is logged in (GET /web/api/session), and with secret the session's
 * second secret too: only in the login's answer, never to a caller that
 * came with the cookie alone.
 */
static int
web_session(int fd, const char *extra, const struct web_who *w, int secret)
{
	json_t	*j;
	char	*s;

	if ((j = json_pack("{s:s, s:b}", "user", w->user, "admin",
	    w->admin)) == NULL || (secret && json_object_set_new(j, "csrf",
	    json_string(w->csrf)) == -1) ||
	    (s = json_dumps(j, JSON_COMPACT)) == NULL)
		fatal("%s", __func__);
	json_decref(j);
	api_send(fd, 200, "application/json", extra, s);
	explicit_bzero(s, strlen(s));
	free(s);
	return 200;
}

/*
 * The approvals, as api.sock has them (api_approval.c parses the path),
 * but a grant may carry a reason too: {"reason": "..."}.
 */
static int
web_approval(struct worker_ctx *ctx, int fd, int method, struct api_req *rq,
    const struct web_who *w)
{
	struct msg_control_approval_api	 m;
	char				 url[sizeof(rq->url)];
	const char			*why, *key;
	json_t				*j, *v;
	int				 status;

	if (method != HTTP_GET && method != HTTP_POST) {
		api_problem(fd, 405, "aileron:bad-request", "use GET or POST");
		return 405;
	}
	snprintf(url, sizeof(url), "/v1%s", rq->url + strlen(WEB_API));
	if ((status = api_approval_parse(url, method == HTTP_POST, NULL, 0,
	    &m, &why)) != 0) {
		api_problem(fd, status, status == 404 ? "aileron:not-found" :
		    "aileron:bad-request", why);
		return status;
	}
	if (method == HTTP_POST && rq->bodylen > 0) {
		if ((j = json_loadb(rq->body, rq->bodylen,
		    JSON_REJECT_DUPLICATES, NULL)) == NULL ||
		    !json_is_object(j)) {
			json_decref(j);
			api_problem(fd, 400, "aileron:bad-request", "the body "
			    "must be a JSON object");
			return 400;
		}
		json_object_foreach(j, key, v)
			if (strcmp(key, "reason") != 0) {
				json_decref(j);
				api_problem(fd, 400, "aileron:bad-request",
				    "unknown member; use reason");
				return 400;
			}
		if (api_field(j, "reason", m.reason, sizeof(m.reason), 0) ==
		    -1) {
			json_decref(j);
			api_problem(fd, 400, "aileron:bad-request", "reason "
			    "must be a string of less than 256 bytes");
			return 400;
		}
		json_decref(j);
	}
	/* Control takes the web session's uid, whatever is here. */
	m.uid = w->uid;
	status = api_approval_call(ctx, fd, &m);
	if (method == HTTP_POST)
		log_info("web: %s: approval %s: %s: %d", w->user, m.id,
		    m.op == MSG_APPROVAL_OP_GRANT ? "grant" : "deny", status);
	return status;
}

/* GET /web/api/spend?by=team|agent|project|model|user&since=&bucket= */
static int
web_spend(struct worker_ctx *ctx, int fd, char *qs)
{
	struct msg_control_usage_query	 q;
	struct timespec			 now;
	const char			*by = "team", *since = WEB_SPEND_SINCE;
	const char			*why;
	char				*p, *v, *s;
	int64_t				 nowms, since_ms;
	int				 day = 0, status;

	while (qs != NULL && (p = strsep(&qs, "&")) != NULL) {
		if (*p == '\0')
			continue;
		if ((v = strchr(p, '=')) == NULL || web_urldecode(v + 1) ==
		    -1) {
			api_problem(fd, 400, "aileron:bad-request", "a query "
			    "parameter without a value");
			return 400;
		}
		*v++ = '\0';
		if (strcmp(p, "by") == 0 && (strcmp(v, "team") == 0 ||
		    strcmp(v, "agent") == 0 || strcmp(v, "project") == 0 ||
		    strcmp(v, "model") == 0 || strcmp(v, "user") == 0))
			by = v;
		else if (strcmp(p, "since") == 0)
			since = v;
		else if (strcmp(p, "bucket") == 0 && (strcmp(v, "hour") ==
		    0 || strcmp(v, "day") == 0))
			day = strcmp(v, "day") == 0;
		else {
			api_problem(fd, 400, "aileron:bad-request", "use by="
			    "team|agent|project|model|user, since= and "
			    "bucket=hour|day");
			return 400;
		}
	}
	clock_gettime(CLOCK_REALTIME, &now);
	nowms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
	if (control_audit_parse_time(since, nowms, &since_ms) == -1) {
		api_problem(fd, 400, "aileron:bad-request", "since is an RFC "
		    "3339 time or an age (30m, 24h, 7d)");
		return 400;
	}
	/* The hourly rollups, as GET /v1/usage: control stamps our user. */
	memset(&q, 0, sizeof(q));
	q.by = strcmp(by, "agent") == 0 ? MSG_USAGE_BY_AGENT :
	    strcmp(by, "project") == 0 ? MSG_USAGE_BY_PROJECT :
	    strcmp(by, "model") == 0 ? MSG_USAGE_BY_MODEL :
	    strcmp(by, "user") == 0 ? MSG_USAGE_BY_USER : MSG_USAGE_BY_TEAM;
	q.bucket = day ? MSG_USAGE_BUCKET_DAY : MSG_USAGE_BUCKET_HOUR;
	q.since_ms = since_ms;
	if ((s = api_usage_text(ctx, &q, &status, &why)) == NULL) {
		api_problem(fd, status, status == 403 ? "aileron:denied" :
		    "aileron:unavailable", why);
		return status;
	}
	api_send(fd, 200, "application/json", NULL, s);
	free(s);
	return 200;
}

/*
 * Everything under /web/api/: the cookie names a web session, which
 * control checks, with its second secret on every request, GET too (the
 * cookie reaches other ports' pages), and then speaks for on this
 * worker's channel.
 */
static int
web_api(struct worker_ctx *ctx, int fd, int method, struct api_req *rq,
    const struct api_hdr *h)
{
	struct msg_control_web_reply	 r;
	struct web_who			 w;
	const char			*path = rq->url + strlen(WEB_API);
	char				 url[sizeof(rq->url) + 8], *qs;
	int				 post = method != HTTP_GET, status;
	int				 op = MSG_WEB_OP_CHECK;

	memset(&w, 0, sizeof(w));
	if (!h[WEB_H_COOKIE].seen ||
	    web_cookie_value(h[WEB_H_COOKIE].value, w.sid, sizeof(w.sid)) ==
	    -1) {
		api_problem(fd, 401, "aileron:login", "not logged in");
		return 401;
	}
	if (post && strcmp(path, "/logout") == 0)
		op = MSG_WEB_OP_LOGOUT;
	if (web_control(ctx, op, MSG_WEB_F_CSRF, w.sid, h[WEB_H_CSRF].seen ?
	    h[WEB_H_CSRF].value : "", &r) == -1) {
		api_problem(fd, 503, "aileron:unavailable", "control did not "
		    "answer; see the service log");
		return 503;
	}
	if (r.error == 401) {
		api_problem(fd, 401, "aileron:login", r.reason);
		return 401;
	}
	if (r.error != 0) {
		api_problem(fd, 403, "aileron:denied", "the request lacks this "
		    "page's token: log in again in this tab");
		return 403;
	}
	w.uid = r.uid;
	w.admin = r.admin;
	strlcpy(w.user, r.user, sizeof(w.user));
	strlcpy(w.csrf, r.csrf, sizeof(w.csrf));
	explicit_bzero(&r, sizeof(r));
	if (strcmp(path, "/logout") == 0 && post) {
		api_send(fd, 200, "application/json", "Set-Cookie: "
		    WEB_COOKIE "=; Path=/; HttpOnly; SameSite=Strict; "
		    "Max-Age=0\r\n", "{}");
		status = 200;
	} else if (strcmp(path, "/session") == 0 && !post)
		status = web_session(fd, NULL, &w, 0);
	else if (strncmp(path, "/approvals", 10) == 0 &&
	    (path[10] == '\0' || path[10] == '/' || path[10] == '?'))
		status = web_approval(ctx, fd, method, rq, &w);
	else if (strncmp(path, "/audit", 6) == 0 &&
	    (path[6] == '\0' || path[6] == '?') && !post) {
		/* As GET /v1/audit: control decides what this user reads. */
		snprintf(url, sizeof(url), "/v1%s", path);
		status = api_audit(ctx, fd, w.uid, HTTP_GET, url);
	} else if (strncmp(path, "/spend", 6) == 0 &&
	    (path[6] == '\0' || path[6] == '?') && !post) {
		qs = path[6] == '?' ? rq->url + strlen(WEB_API) + 7 : NULL;
		status = web_spend(ctx, fd, qs);
	} else {
		api_problem(fd, post ? 405 : 404, post ?
		    "aileron:bad-request" : "aileron:not-found",
		    "no such resource; see aileron-web(7)");
		status = post ? 405 : 404;
	}
	explicit_bzero(&w, sizeof(w));
	return status;
}

void
web_serve(struct worker_ctx *ctx, int fd, const char *peer)
{
	static struct api_req	 rq;	/* .bss: see worker_serve */
	static struct api_hdr	 h[WEB_H_MAX];
	size_t			 i;
	int			 method = HTTP_GET, status, post;

	api_headers = web_headers;
	memset(&rq, 0, sizeof(rq));
	memset(h, 0, sizeof(h));
	h[WEB_H_HOST].name = "Host";
	h[WEB_H_COOKIE].name = "Cookie";
	h[WEB_H_ORIGIN].name = "Origin";
	h[WEB_H_FETCH_SITE].name = "Sec-Fetch-Site";
	h[WEB_H_CSRF].name = WEB_CSRF_HEADER;
	h[WEB_H_CTYPE].name = "Content-Type";
	rq.hdrs = h;
	rq.nhdrs = WEB_H_MAX;
	if ((status = api_read_request(fd, &rq, &method)) != 0) {
		if (status > 0)
			api_problem(fd, status, "aileron:bad-request",
			    problem_title(status));
		log_info("web: %s: request refused (%d)", peer, status);
		goto done;
	}
	for (i = 0; i < WEB_H_MAX; i++)
		if (h[i].seen > 1) {
			api_problem(fd, status = 400, "aileron:bad-request",
			    "a header sent twice");
			goto done;
		}
	/* Only our own name: a page another name reaches is refused. */
	if (!h[WEB_H_HOST].seen || !web_host_match(h[WEB_H_HOST].value,
	    ctx->web_addr, web_localhost(ctx))) {
		log_warnx("web: %s: Host is not this listener; refused", peer);
		api_problem(fd, status = 421, "aileron:bad-host", "this page "
		    "answers only to the address it listens on");
		goto done;
	}
	post = method != HTTP_GET;
	if (post && !web_origin_ok(h[WEB_H_ORIGIN].seen ?
	    h[WEB_H_ORIGIN].value : NULL, h[WEB_H_FETCH_SITE].seen ?
	    h[WEB_H_FETCH_SITE].value : NULL, ctx->web_addr,
	    web_localhost(ctx))) {
		log_warnx("web: %s: a request from another origin refused",
		    peer);
		api_problem(fd, status = 403, "aileron:denied", "a request "
		    "from another origin");
		goto done;
	}
	if (strcmp(rq.url, "/web/login") == 0) {
		if (method == HTTP_POST)
			status = web_login(ctx, fd, &rq, h);
		else
			api_problem(fd, status = 405, "aileron:bad-request",
			    "post the login form");
	} else if (strncmp(rq.url, WEB_API "/", strlen(WEB_API) + 1) == 0)
		status = web_api(ctx, fd, method, &rq, h);
	else if (method == HTTP_GET)
		status = web_asset(fd, rq.url);
	else
		api_problem(fd, status = 405, "aileron:bad-request", "use GET");
	log_info("web: %s: %s %s: %d", peer, http_method_str(method),
	    strncmp(rq.url, WEB_API, strlen(WEB_API)) == 0 ? WEB_API "/..." :
	    status == 404 ? "(unknown)" : rq.url, status);
 done:
	explicit_bzero(&rq, sizeof(rq));
	explicit_bzero(h, sizeof(h));
	shutdown(fd, SHUT_WR);
	api_drain(fd);
	close(fd);
}
