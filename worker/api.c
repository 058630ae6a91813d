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
 * api.c: the management API, served by a worker that accepted on api.sock:
 *
 *	POST /v1/sessions	{"user","agent","team","project"}
 *				-> 201 {"session","token","ca"}
 *	DELETE /v1/sessions/ID	-> 204
 *	POST /v1/sessions/ID/hold -> 200, open until the client closes,
 *				then the session ends
 *	GET /v1/sessions[/ID]	(api_session.c)
 *	/v1/approvals...	api_approval.c
 *	GET /v1/budgets	api_budget.c
 *	GET /metrics		api_metrics.c
 *
 * One HTTP/1.1 request per connection, bounded in size and time, parsed
 * here with http-parser since a worker is where untrusted bytes are
 * parsed.  Who asks is the uid the kernel gives for the socket
 * (SO_PEERCRED), never anything in the request; control decides with it.
 * Errors are application/problem+json (RFC 9457).
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <http_parser.h>
#include <jansson.h>

#include "log.h"
#include "title.h"
#include "msg.h"
#include "msgtypes.h"
#include "worker/api.h"
#include "worker/api_approval.h"
#include "worker/api_audit.h"
#include "worker/api_budget.h"
#include "worker/api_usage.h"
#include "worker/proxy.h"
#include "worker/worker.h"

#define API_PREFIX	"/v1/sessions"
#define API_HOLD	"/hold"

/* What this worker takes from control: the answers to its calls. */
static const struct msg_accept api_accept[] = {
	{ MSG_CONTROL_SESSION_REPLY,	PROC_CONTROL,	0 },
	{ MSG_CONTROL_AUTH_REPLY,	PROC_CONTROL,	0 },
	{ MSG_CONTROL_POLICY_REPLY,	PROC_CONTROL,	0 },
	{ MSG_CONTROL_SESSION_LIST_REPLY, PROC_CONTROL,	0 },
	{ MSG_CONTROL_USER_REPLY,	PROC_CONTROL,	0 },	/* teams */
	{ MSG_CONTROL_APPROVAL_API_REPLY, PROC_CONTROL,	0 },
	{ MSG_CONTROL_AUDIT_REPLY,	PROC_CONTROL,	0 },
	{ MSG_CONTROL_BUDGET_REPLY,	PROC_CONTROL,	0 },	/* budgets */
	/* metrics (api_metrics.c) */
	{ MSG_CONTROL_METRICS_REPLY,	PROC_CONTROL,	0 },
	{ MSG_CONTROL_WEB_REPLY,	PROC_CONTROL,	0 },	/* web.c */
	{ MSG_CONTROL_USAGE_REPLY,	PROC_CONTROL,	0 },	/* usage */
};

const char	*api_headers;

static int	api_on_url(http_parser *, const char *, size_t);
static int	api_on_field(http_parser *, const char *, size_t);
static int	api_on_value(http_parser *, const char *, size_t);
static int	api_on_headers(http_parser *);
static int	api_on_body(http_parser *, const char *, size_t);
static int	api_on_done(http_parser *);
static int	api_read(int, http_parser *, struct api_req *);
static int	api_session_call(struct worker_ctx *, uint16_t, const void *,
		    size_t, struct msg_control_session_reply *, char *, size_t);
static int	api_test(struct worker_ctx *, int, struct api_req *);
static int	api_peer(struct worker_ctx *, int);
static int	api_start(struct worker_ctx *, int, uid_t, struct api_req *);
static int	api_end(struct worker_ctx *, int, uid_t, const char *);
static int	api_hold(struct worker_ctx *, int, uid_t, const char *);

static const http_parser_settings api_settings = {
	.on_url = api_on_url,
	.on_header_field = api_on_field,
	.on_header_value = api_on_value,
	.on_headers_complete = api_on_headers,
	.on_body = api_on_body,
	.on_message_complete = api_on_done,
};

static int
api_on_url(http_parser *hp, const char *at, size_t len)
{
	struct api_req	*rq = hp->data;

	if (len >= sizeof(rq->url) - rq->urllen) {
		rq->status = 414;
		return 1;
	}
	memcpy(rq->url + rq->urllen, at, len);
	rq->urllen += len;
	rq->url[rq->urllen] = '\0';
	return 0;
}

/* A header's name, for the reader that keeps some (rq->hdrs). */
static int
api_on_field(http_parser *hp, const char *at, size_t len)
{
	struct api_req	*rq = hp->data;

	if (rq->hdrs == NULL)
		return 0;
	if (rq->hdrvalue) {
		rq->hdrvalue = 0;
		rq->hdrnamelen = 0;
	}
	/* Longer than any name kept: it matches none. */
	if (len >= sizeof(rq->hdrname) - rq->hdrnamelen)
		rq->hdrnamelen = sizeof(rq->hdrname);
	else {
		memcpy(rq->hdrname + rq->hdrnamelen, at, len);
		rq->hdrnamelen += len;
	}
	return 0;
}

static int
api_on_value(http_parser *hp, const char *at, size_t len)
{
	struct api_req	*rq = hp->data;
	size_t		 i;

	if (rq->hdrs == NULL)
		return 0;
	if (!rq->hdrvalue) {
		rq->hdrvalue = 1;
		rq->hdrcur = NULL;
		for (i = 0; i < rq->nhdrs &&
		    rq->hdrnamelen < sizeof(rq->hdrname); i++)
			if (strlen(rq->hdrs[i].name) == rq->hdrnamelen &&
			    strncasecmp(rq->hdrs[i].name, rq->hdrname,
			    rq->hdrnamelen) == 0) {
				rq->hdrcur = &rq->hdrs[i];
				rq->hdrcur->seen++;
				rq->hdrcur->len = 0;
				break;
			}
	}
	if (rq->hdrcur == NULL)
		return 0;
	if (len >= sizeof(rq->hdrcur->value) - rq->hdrcur->len) {
		rq->status = 431;
		return 1;
	}
	memcpy(rq->hdrcur->value + rq->hdrcur->len, at, len);
	rq->hdrcur->len += len;
	rq->hdrcur->value[rq->hdrcur->len] = '\0';
	return 0;
}

static int
api_on_headers(http_parser *hp)
{
	struct api_req	*rq = hp->data;

	rq->headdone = 1;
	/* ULLONG_MAX: no Content-Length; on_body bounds a chunked one. */
	if (hp->content_length != ULLONG_MAX &&
	    hp->content_length > API_BODY_MAX) {
		rq->status = 413;
		return -1;
	}
	return 0;
}

static int
api_on_body(http_parser *hp, const char *at, size_t len)
{
	struct api_req	*rq = hp->data;

	if (len > sizeof(rq->body) - rq->bodylen) {
		rq->status = 413;
		return 1;
	}
	memcpy(rq->body + rq->bodylen, at, len);
	rq->bodylen += len;
	return 0;
}

static int
api_on_done(http_parser *hp)
{
	struct api_req	*rq = hp->data;

	rq->done = 1;
	http_parser_pause(hp, 1);	/* one request per connection */
	return 0;
}

/*
 * What fd has to read by the deadline: > 0 bytes, 0 at the end of the
 * stream, API_READ_TIMEOUT once the deadline passed, -1 on an error.
 */
ssize_t
api_read_by(int fd, const struct timespec *deadline, char *buf, size_t len)
{
	struct pollfd	 pfd;
	ssize_t		 n;
	int		 ms;

	for (;;) {
		if ((ms = msg_deadline_ms(deadline)) <= 0)
			return API_READ_TIMEOUT;
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, ms) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (pfd.revents == 0)
			continue;
		if ((n = read(fd, buf, len)) == -1) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return -1;
		}
		return n;
	}
}

/*
 * Read and parse one request within API_TIMEOUT_MS.  0 when it is whole,
 * or the HTTP status to refuse it with (-1: the peer went away).
 */
static int
api_read(int fd, http_parser *hp, struct api_req *rq)
{
	struct timespec	 deadline;
	char		 buf[4096];
	size_t		 used, take;
	ssize_t		 n;

	msg_deadline(&deadline, API_TIMEOUT_MS);
	while (!rq->done) {
		if ((n = api_read_by(fd, &deadline, buf, sizeof(buf))) ==
		    API_READ_TIMEOUT)
			return 408;
		if (n == -1)
			return -1;
		/* A head that ends here is whole: the parser says so. */
		take = n;
		if (!rq->headdone && rq->headbytes + take > API_HEAD_MAX)
			take = API_HEAD_MAX - rq->headbytes;
		used = http_parser_execute(hp, &api_settings, buf, take);
		if (!rq->headdone)
			rq->headbytes += used;
		if (rq->status != 0)
			return rq->status;
		if (HTTP_PARSER_ERRNO(hp) == HPE_PAUSED)
			break;
		if (HTTP_PARSER_ERRNO(hp) != HPE_OK)
			return 400;
		if (!rq->headdone && rq->headbytes >= API_HEAD_MAX)
			return 431;
		if (n == 0)
			return rq->done ? 0 : -1;
	}
	return 0;
}

/*
 * One request read as api_serve reads its own (the web page's worker
 * uses it): 0, or the status to refuse it with (-1: the peer went
 * away); *method is http-parser's.
 */
int
api_read_request(int fd, struct api_req *rq, int *method)
{
	http_parser	 hp;
	int		 status;

	http_parser_init(&hp, HTTP_REQUEST);
	hp.data = rq;
	status = api_read(fd, &hp, rq);
	*method = hp.method;
	return status;
}

/* One response, then the connection closes; best effort, bounded. */
void
api_send(int fd, int status, const char *ctype, const char *extra,
    const char *body)
{
	struct timespec	 deadline;
	struct pollfd	 pfd;
	char		 head[2048];
	size_t		 blen = body != NULL ? strlen(body) : 0;
	ssize_t		 n;
	int		 hlen, ms;
	const char	*p;
	size_t		 left;
	int		 part;

	hlen = snprintf(head, sizeof(head), "HTTP/1.1 %d %s\r\n"
	    "%s%s%s"
	    "Content-Length: %zu\r\n"
	    "Cache-Control: no-store\r\n"
	    "%s%s"
	    "Connection: close\r\n\r\n", status, problem_title(status),
	    ctype != NULL ? "Content-Type: " : "", ctype != NULL ? ctype : "",
	    ctype != NULL ? "\r\n" : "", blen, extra != NULL ? extra : "",
	    api_headers != NULL ? api_headers : "");
	if (hlen < 0 || (size_t)hlen >= sizeof(head))
		return;
	msg_deadline(&deadline, API_TIMEOUT_MS);
	for (part = 0; part < 2; part++) {
		p = part == 0 ? head : body;
		left = part == 0 ? (size_t)hlen : blen;
		while (left > 0) {
			if ((ms = msg_deadline_ms(&deadline)) <= 0)
				return;
			n = send(fd, p, left, MSG_NOSIGNAL);
			if (n == -1 && (errno == EAGAIN || errno == EINTR)) {
				pfd.fd = fd;
				pfd.events = POLLOUT;
				poll(&pfd, 1, ms);
				continue;
			}
			if (n == -1) {
				log_debug("api: reply: %s", strerror(errno));
				return;
			}
			p += n;
			left -= n;
		}
	}
}

/* An error as application/problem+json; type tells it apart. */
void
api_problem(int fd, int status, const char *type, const char *title)
{
	json_t	*j;
	char	*s = NULL;

	if ((j = json_pack("{s:s, s:s, s:i}", "type", type, "title", title,
	    "status", status)) != NULL)
		s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	api_send(fd, status, "application/problem+json",
	    status == 405 ? "Allow: GET, POST, DELETE\r\n" : NULL,
	    s != NULL ? s : "{}");
	free(s);
}

void
api_chan_open(struct worker_ctx *ctx, struct chan *c)
{
	chan_init(c, ctx->control_fd, 0, "control");
	chan_accept(c, PROC_CONTROL, api_accept,
	    sizeof(api_accept) / sizeof(api_accept[0]));
}

void
api_chan_close(struct chan *c)
{
	c->fd = -1;		/* the worker keeps its descriptor */
	chan_clear(c);
}

/*
 * One call to control on c, waited for: the answer, of type rtype and at
 * least min bytes, into out (outlen bytes; *got says how many).  -1 when
 * control did not answer in time or answered something else.
 */
int
api_call(struct chan *c, uint32_t reqid, uint16_t type, const void *data,
    size_t len, uint16_t rtype, size_t min, void *out, size_t outlen,
    size_t *got)
{
	struct msg	 msg;
	struct iovec	 iov;

	iov.iov_base = (void *)data;
	iov.iov_len = len;
	if (chan_request(c, type, reqid, &iov, 1) == -1 ||
	    chan_flush_wait(c, API_CALL_MS) != 1 ||
	    chan_wait(c, &msg, API_CALL_MS) != 1 || msg.hdr.reqid != reqid ||
	    msg.hdr.type != rtype || msg.len < min || msg.len > outlen)
		return -1;
	memcpy(out, msg.data, msg.len);
	*got = msg.len;
	return 0;
}

/*
 * SESSION_START or _END, and control's SESSION_REPLY into r, with its
 * tail (the session CA) as a string into ca.
 */
static int
api_session_call(struct worker_ctx *ctx, uint16_t type, const void *data,
    size_t len, struct msg_control_session_reply *r, char *ca, size_t calen)
{
	static uint8_t	 buf[sizeof(*r) + 4096];
	struct chan	 c;
	size_t		 got, tail;
	int		 rv;

	api_chan_open(ctx, &c);
	rv = api_call(&c, 1, type, data, len, MSG_CONTROL_SESSION_REPLY,
	    sizeof(*r), buf, sizeof(buf), &got);
	api_chan_close(&c);
	if (rv == -1)
		return -1;
	memcpy(r, buf, sizeof(*r));
	tail = got - sizeof(*r);
	if (tail >= calen)
		tail = 0;	/* control bounds it below ours */
	memcpy(ca, buf + sizeof(*r), tail);
	ca[tail] = '\0';
	explicit_bzero(buf, sizeof(buf));
	r->session[sizeof(r->session) - 1] = '\0';
	r->token[sizeof(r->token) - 1] = '\0';
	r->reason[sizeof(r->reason) - 1] = '\0';
	return 0;
}

/* A string member, optional unless required; 0, or -1 when it is bad. */
int
api_field(json_t *j, const char *name, char *buf, size_t len, int required)
{
	json_t	*v;

	if ((v = json_object_get(j, name)) == NULL)
		return required ? -1 : 0;
	if (!json_is_string(v) || json_string_length(v) >= len ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return -1;
	strlcpy(buf, json_string_value(v), len);
	return 0;
}

static int
api_start(struct worker_ctx *ctx, int fd, uid_t uid, struct api_req *rq)
{
	struct msg_control_session_start	 m;
	struct msg_control_session_reply	 r;
	json_error_t				 jerr;
	json_t					*j, *out;
	const char				*key;
	json_t					*v;
	static char				 ca[4096 + 1];
	char					*s;
	int					 status;

	memset(&m, 0, sizeof(m));
	m.uid = uid;
	if ((j = json_loadb(rq->body, rq->bodylen, JSON_REJECT_DUPLICATES,
	    &jerr)) == NULL || !json_is_object(j)) {
		json_decref(j);
		api_problem(fd, 400, "aileron:bad-request", "the body must be "
		    "a JSON object");
		return 400;
	}
	json_object_foreach(j, key, v) {
		if (strcmp(key, "user") != 0 && strcmp(key, "agent") != 0 &&
		    strcmp(key, "team") != 0 && strcmp(key, "project") != 0) {
			json_decref(j);
			api_problem(fd, 400, "aileron:bad-request", "unknown "
			    "member; use user, agent, team and project");
			return 400;
		}
	}
	if (api_field(j, "user", m.user, sizeof(m.user), 0) == -1 ||
	    api_field(j, "agent", m.agent, sizeof(m.agent), 0) == -1 ||
	    api_field(j, "team", m.team, sizeof(m.team), 0) == -1 ||
	    api_field(j, "project", m.project, sizeof(m.project), 0) == -1) {
		json_decref(j);
		api_problem(fd, 400, "aileron:bad-request", "user, agent, team "
		    "and project must be short strings");
		return 400;
	}
	json_decref(j);
	if (api_session_call(ctx, MSG_CONTROL_SESSION_START, &m, sizeof(m),
	    &r, ca, sizeof(ca)) == -1) {
		api_problem(fd, 503, "aileron:unavailable", "control did not "
		    "answer; see the service log");
		return 503;
	}
	if (r.error != 0) {
		status = r.error == 400 || r.error == 403 || r.error == 503 ?
		    r.error : 500;
		api_problem(fd, status, status == 400 ? "aileron:bad-request" :
		    status == 403 ? "aileron:denied" : "aileron:unavailable",
		    r.reason);
		return status;
	}
	/* The CA is PEM from vaultd; text that is not UTF-8 is left out. */
	if ((v = json_string(ca)) == NULL)
		v = json_string("");
	out = json_pack("{s:s, s:s, s:o}", "session", r.session, "token",
	    r.token, "ca", v);
	s = out != NULL ? json_dumps(out, JSON_COMPACT) : NULL;
	json_decref(out);
	explicit_bzero(&r, sizeof(r));
	if (s == NULL) {
		api_problem(fd, 500, "aileron:unavailable", "out of memory");
		return 500;
	}
	api_send(fd, 201, "application/json", NULL, s);
	explicit_bzero(s, strlen(s));
	free(s);
	return 201;
}

static int
api_end(struct worker_ctx *ctx, int fd, uid_t uid, const char *id)
{
	struct msg_control_session_end		 m;
	struct msg_control_session_reply	 r;
	static char				 ca[64];

	memset(&m, 0, sizeof(m));
	m.uid = uid;
	if (strlen(id) != MSG_VAULT_SESSION_LEN ||
	    strspn(id, "0123456789abcdef") != MSG_VAULT_SESSION_LEN) {
		api_problem(fd, 404, "aileron:not-found", "no such session");
		return 404;
	}
	strlcpy(m.session, id, sizeof(m.session));
	if (api_session_call(ctx, MSG_CONTROL_SESSION_END, &m, sizeof(m), &r,
	    ca, sizeof(ca)) == -1) {
		api_problem(fd, 503, "aileron:unavailable", "control did not "
		    "answer; see the service log");
		return 503;
	}
	switch (r.error) {
	case 0:
		api_send(fd, 204, NULL, NULL, NULL);
		return 204;
	case 403:
		api_problem(fd, 403, "aileron:denied", r.reason);
		return 403;
	case 404:
		api_problem(fd, 404, "aileron:not-found", r.reason);
		return 404;
	default:
		api_problem(fd, 503, "aileron:unavailable", r.reason);
		return 503;
	}
}

/*
 * POST /v1/sessions/ID/hold: the session lives as long as this request.
 * aileron launch holds it open for the agent's life; when the connection
 * closes, however launch ended (even by SIGKILL), the session is ended
 * on the caller's behalf, as DELETE would (control checks that the
 * caller may).  What the client sends meanwhile is read and dropped.
 */
static int
api_hold(struct worker_ctx *ctx, int fd, uid_t uid, const char *path)
{
	static const char	 head[] = "HTTP/1.1 200 OK\r\n"
				    "Content-Type: text/plain\r\n"
				    "Connection: close\r\n\r\n";
	struct msg_control_session_end		 m;
	struct msg_control_session_reply	 r;
	static char				 ca[64];
	struct pollfd				 pfd;
	struct chan				 c;
	struct msg_control_session_page		 pg;
	static struct msg_control_session_info	 in[MSG_CONTROL_SESSION_PAGE];
	char					 buf[512];
	ssize_t					 n;
	int					 rv, status;

	memset(&m, 0, sizeof(m));
	m.uid = uid;
	memcpy(m.session, path, MSG_VAULT_SESSION_LEN);
	m.session[MSG_VAULT_SESSION_LEN] = '\0';
	if (strspn(m.session, "0123456789abcdef") != MSG_VAULT_SESSION_LEN) {
		api_problem(fd, 404, "aileron:not-found", "no such session");
		return 404;
	}
	/* Only a session there is, that the caller may end: no idle hold. */
	api_chan_open(ctx, &c);
	rv = api_session_page(&c, 1, uid, m.session, 0, &pg, in);
	api_chan_close(&c);
	if (rv == -1 || pg.error != 0) {
		status = rv == -1 ? 503 : pg.error == 403 ? 403 : 404;
		api_problem(fd, status, status == 503 ? "aileron:unavailable" :
		    status == 403 ? "aileron:denied" : "aileron:not-found",
		    status == 503 ? "control did not answer" : status == 403 ?
		    "another user's session" : "no such session");
		return status;
	}
	if (write(fd, head, sizeof(head) - 1) != (ssize_t)sizeof(head) - 1)
		return 200;
	log_info("api: uid %u: holding session %s", uid, m.session);
	title_set("worker (holding session %.8s)", m.session);
	for (;;) {
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, -1) == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		if ((n = read(fd, buf, sizeof(buf))) > 0 ||
		    (n == -1 && (errno == EINTR || errno == EAGAIN)))
			continue;
		break;
	}
	if (api_session_call(ctx, MSG_CONTROL_SESSION_END, &m, sizeof(m), &r,
	    ca, sizeof(ca)) == -1)
		log_warnx("api: uid %u: the hold on session %s ended, and "
		    "control did not answer its end", uid, m.session);
	else if (r.error == 0)
		log_info("api: uid %u: the hold on session %s ended; so did "
		    "the session", uid, m.session);
	return 200;
}

/*
 * Test mode only (the undocumented -X of aileron service): POST
 * /v1/test/proxy with {"tokens":[...], "policy":[approval | {"connector",
 * "action", "approval"}, ...],
 * "end":[id, ...], "audit":["record", ...]} sends control, from this one
 * worker and in that order, what the proxy will (an AUTH per token, a
 * POLICY per approval flag, an AUDIT per record as it is) and what it
 * must not (a SESSION_END per id, as root); the answers come back as
 * {"auth":[...], "policy":[...]}, so that a test can drive control's side
 * of the proxy before the proxy exists.
 */
static int
api_test(struct worker_ctx *ctx, int fd, struct api_req *rq)
{
	struct msg_control_auth		 a;
	struct msg_control_session	 sr;
	struct msg_control_policy	 p;
	struct msg_control_decision	 d;
	struct chan			 c;
	json_t				*j, *out, *auth, *pol, *v;
	const char			*rec;
	char				*s;
	size_t				 i, got;
	uint32_t			 reqid = 0;

	if ((j = json_loadb(rq->body, rq->bodylen, 0, NULL)) == NULL ||
	    (out = json_pack("{s:[], s:[]}", "auth", "policy")) == NULL) {
		json_decref(j);
		api_problem(fd, 400, "aileron:bad-request", "not JSON");
		return 400;
	}
	auth = json_object_get(out, "auth");
	pol = json_object_get(out, "policy");
	api_chan_open(ctx, &c);
	json_array_foreach(json_object_get(j, "tokens"), i, v) {
		memset(&a, 0, sizeof(a));
		if (json_is_string(v))
			strlcpy(a.token, json_string_value(v), sizeof(a.token));
		if (api_call(&c, ++reqid, MSG_CONTROL_AUTH, &a, sizeof(a),
		    MSG_CONTROL_AUTH_REPLY, sizeof(sr), &sr, sizeof(sr),
		    &got) == -1)
			json_array_append_new(auth, json_null());
		else
			json_array_append_new(auth, json_pack("{s:i, s:s#, "
			    "s:s#, s:s#, s:s#, s:s#}", "error", sr.error,
			    "session", sr.session, strnlen(sr.session,
			    sizeof(sr.session)), "user", sr.user,
			    strnlen(sr.user, sizeof(sr.user)), "agent",
			    sr.agent, strnlen(sr.agent, sizeof(sr.agent)),
			    "team", sr.team, strnlen(sr.team,
			    sizeof(sr.team)), "project", sr.project,
			    strnlen(sr.project, sizeof(sr.project))));
	}
	json_array_foreach(json_object_get(j, "policy"), i, v) {
		memset(&p, 0, sizeof(p));
		strlcpy(p.connector, "test", sizeof(p.connector));
		strlcpy(p.action, "action", sizeof(p.action));
		/* An action of a spec, claiming whatever approval it says. */
		if (json_is_object(v)) {
			api_field(v, "connector", p.connector,
			    sizeof(p.connector), 0);
			api_field(v, "action", p.action, sizeof(p.action), 0);
			v = json_object_get(v, "approval");
		}
		p.approval = json_integer_value(v);
		if (api_call(&c, ++reqid, MSG_CONTROL_POLICY, &p, sizeof(p),
		    MSG_CONTROL_POLICY_REPLY, sizeof(d), &d, sizeof(d),
		    &got) == -1)
			json_array_append_new(pol, json_null());
		else
			json_array_append_new(pol, json_pack("{s:i, s:s#}",
			    "verdict", d.verdict, "reason", d.reason,
			    strnlen(d.reason, sizeof(d.reason))));
	}
	/* A proxy worker that tries to end a session is cut off. */
	json_array_foreach(json_object_get(j, "end"), i, v) {
		struct msg_control_session_end	 e;

		memset(&e, 0, sizeof(e));
		if (json_is_string(v))
			strlcpy(e.session, json_string_value(v),
			    sizeof(e.session));
		chan_compose(&c, MSG_CONTROL_SESSION_END, 0, -1, &e,
		    sizeof(e));
	}
	json_array_foreach(json_object_get(j, "audit"), i, v) {
		if ((rec = json_string_value(v)) != NULL)
			chan_compose(&c, MSG_CONTROL_AUDIT, 0, -1, rec,
			    strlen(rec));
	}
	chan_flush_wait(&c, API_CALL_MS);
	api_chan_close(&c);
	json_decref(j);
	s = json_dumps(out, JSON_COMPACT);
	json_decref(out);
	api_send(fd, 200, "application/json", NULL, s != NULL ? s : "{}");
	free(s);
	return 200;
}

/*
 * Closing with unread bytes makes the kernel reset the connection, and
 * the reset can destroy the answer before the client reads it (a 413
 * while the body still comes): read and drop what is left, bounded.
 */
void
api_drain(int fd)
{
	struct timespec	 deadline;
	char		 buf[4096];
	size_t		 total = 0;
	ssize_t		 n;

	msg_deadline(&deadline, 1000);
	while (total < 256 * 1024 &&
	    (n = api_read_by(fd, &deadline, buf, sizeof(buf))) > 0)
		total += n;
}

/*
 * Control asks the kernel who calls, on this very connection, rather than
 * believe what this worker says: a worker that parsed something hostile
 * cannot make itself the administrator.
 */
static int
api_peer(struct worker_ctx *ctx, int fd)
{
	struct chan	 c;
	int		 rv = 0, dfd;

	api_chan_open(ctx, &c);
	/* A copy: the channel closes what it passes. */
	if ((dfd = fcntl(fd, F_DUPFD_CLOEXEC, 0)) == -1 ||
	    chan_compose(&c, MSG_CONTROL_API_PEER, 0, dfd, NULL, 0) == -1 ||
	    chan_flush_wait(&c, API_CALL_MS) != 1) {
		log_warnx("api: cannot hand the connection to control");
		api_problem(fd, 503, "aileron:unavailable", "the service's "
		    "control process did not answer");
		rv = 503;
	}
	api_chan_close(&c);
	return rv;
}

void
api_serve(struct worker_ctx *ctx, int fd)
{
	static struct api_req	 rq;	/* .bss: see worker_serve */
	struct ucred		 cred;
	socklen_t		 credlen = sizeof(cred);
	http_parser		 hp;
	const char		*id, *what = API_PREFIX;
	int			 status;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &credlen) == -1 ||
	    credlen != sizeof(cred)) {
		log_warn("api: cannot tell who is calling");
		close(fd);
		return;
	}
	memset(&rq, 0, sizeof(rq));
	http_parser_init(&hp, HTTP_REQUEST);
	hp.data = &rq;
	if ((status = api_read(fd, &hp, &rq)) != 0) {
		if (status > 0)
			api_problem(fd, status, "aileron:bad-request",
			    problem_title(status));
		log_info("api: uid %u: request refused (%d)", cred.uid,
		    status);
		goto done;
	}
	/*
	 * Teams: a uid that is nobody here gets 403, whatever it asks.
	 * Not the test hook, which plays a proxy worker (control refuses
	 * an agent's token from a worker that served the API).
	 */
	if (!(msg_testmode && strcmp(rq.url, "/v1/test/proxy") == 0) &&
	    ((status = api_peer(ctx, fd)) != 0 ||
	    (status = api_users_gate(ctx, fd, cred.uid)) != 0)) {
		log_info("api: uid %u: refused (%d)", cred.uid, status);
		goto done;
	}
	if (hp.method == HTTP_GET && (strcmp(rq.url, API_PREFIX) == 0 ||
	    strncmp(rq.url, API_PREFIX "/", strlen(API_PREFIX) + 1) == 0))
		status = api_session_get(ctx, fd, cred.uid,
		    rq.url + strlen(API_PREFIX));
	else if (strcmp(rq.url, API_PREFIX) == 0) {
		if (hp.method == HTTP_POST)
			status = api_start(ctx, fd, cred.uid, &rq);
		else {
			api_problem(fd, status = 405, "aileron:bad-request",
			    "use POST to start a session");
		}
	} else if (strncmp(rq.url, API_PREFIX "/", strlen(API_PREFIX) + 1) ==
	    0) {
		id = rq.url + strlen(API_PREFIX) + 1;
		if (hp.method == HTTP_POST && strlen(id) ==
		    MSG_VAULT_SESSION_LEN + strlen(API_HOLD) &&
		    strcmp(id + MSG_VAULT_SESSION_LEN, API_HOLD) == 0)
			status = api_hold(ctx, fd, cred.uid, id);
		else if (hp.method == HTTP_DELETE)
			status = api_end(ctx, fd, cred.uid, id);
		else {
			api_problem(fd, status = 405, "aileron:bad-request",
			    "use DELETE to end a session");
		}
	} else if (strncmp(rq.url, "/v1/users", 9) == 0 &&
	    (rq.url[9] == '\0' || rq.url[9] == '/')) {
		status = api_users(ctx, fd, cred.uid, hp.method, &rq);
		what = "/v1/users";
	} else if (api_approval_match(rq.url)) {
		status = api_approval(ctx, fd, cred.uid, hp.method, &rq);
		what = "/v1/approvals";
	} else if ((strncmp(rq.url, "/v1/audit", 9) == 0 &&
	    (rq.url[9] == '\0' || rq.url[9] == '/' || rq.url[9] == '?')) ||
	    strcmp(rq.url, "/v1/backup") == 0) {
		what = rq.url[4] == 'a' ? "/v1/audit" : "/v1/backup";
		status = api_audit(ctx, fd, cred.uid, hp.method, rq.url);
	} else if (api_budget_match(rq.url)) {
		what = "/v1/budgets";
		status = api_budget(ctx, fd, cred.uid, hp.method);
	} else if (strcmp(rq.url, "/metrics") == 0) {
		status = api_metrics(ctx, fd, cred.uid, hp.method);
		what = "/metrics";
	} else if (strncmp(rq.url, "/v1/usage", 9) == 0 &&
	    (rq.url[9] == '\0' || rq.url[9] == '?')) {
		what = "/v1/usage";
		status = api_usage(ctx, fd, cred.uid, hp.method, rq.url);
	} else if (msg_testmode && strcmp(rq.url, "/v1/test/proxy") == 0 &&
	    hp.method == HTTP_POST)
		status = api_test(ctx, fd, &rq);
	else
		api_problem(fd, status = 404, "aileron:not-found",
		    "no such resource; see aileron(1)");
	log_info("api: uid %u: %s %s: %d", cred.uid,
	    http_method_str(hp.method), status == 404 ? "(unknown)" : what,
	    status);
 done:
	explicit_bzero(&rq, sizeof(rq));
	shutdown(fd, SHUT_WR);
	api_drain(fd);
	close(fd);
}
