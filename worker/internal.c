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
 * internal.c: the reserved host aileron.internal, the agent's read-only
 * view of its own session through the proxy (the sandbox never reaches
 * api.sock).  An agent that CONNECTs to aileron.internal:443 with its
 * session token gets a leaf from its session CA, as for any intercepted
 * host, and then:
 *
 *	GET /v1/session				its session
 *	GET /v1/approvals[?state=pending|all]	its own approvals
 *	GET /v1/approvals/ID			one of them
 *	GET /v1/actions				the actions manifest
 *
 *	POST /v1/shell/check?command=CMD	launch's shell mediation: control
 *						decides CMD, a person may have
 *						to approve it first
 *
 * The same, in plain HTTP through the proxy (http://aileron.internal/),
 * for a client without TLS: internal_plain().
 *
 * Nothing else: another POST (grant, deny) is 403 "a session token
 * cannot grant" and is audited; control refuses a decision from a proxy
 * worker too, should this worker ever ask.
 */

#include <sys/types.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>

#include "log.h"
#include "connector/manifest.h"
#include "msg.h"
#include "msgtypes.h"
#include "worker/api_approval.h"
#include "worker/approval.h"
#include "worker/http.h"
#include "worker/internal.h"
#include "worker/proxy.h"
#include "worker/worker.h"

#define INTERNAL_SHELL	"/v1/shell/check?command="

struct internal_out {
	struct pconn	*pc;
	int		 keep;
	int		 status;
};

static int	internal_request(struct pconn *, const struct http_request *);
static int	internal_unescape(const char *, char *, size_t);
static int	internal_utf8(const char *);
static void	internal_shell(struct pconn *, const char *,
		    struct internal_out *);
static void	internal_send(void *, int, const char *, const char *);
static void	internal_audit(struct pconn *, const struct http_request *,
		    int, const char *);

/* A JSON body (type NULL) or a problem, on the agent's TLS leg. */
static void
internal_send(void *arg, int status, const char *type, const char *s)
{
	struct internal_out	*o = arg;
	char			 head[256];
	int			 n;

	o->status = status;
	if (type != NULL) {
		if (problem_send(&o->pc->agent, status, type, s, o->keep) == -1)
			o->keep = 0;
		return;
	}
	n = snprintf(head, sizeof(head), "HTTP/1.1 %d %s\r\n"
	    "Content-Type: application/json\r\n"
	    "Content-Length: %zu\r\n"
	    "Cache-Control: no-store\r\n"
	    "Connection: %s\r\n\r\n", status, problem_title(status),
	    strlen(s), o->keep ? "keep-alive" : "close");
	if (n < 0 || (size_t)n >= sizeof(head) ||
	    io_write(&o->pc->agent, head, n, PROXY_IO_MS) != 0 ||
	    io_write(&o->pc->agent, s, strlen(s), PROXY_IO_MS) != 0)
		o->keep = 0;
}

static void
internal_audit(struct pconn *pc, const struct http_request *req, int status,
    const char *reason)
{
	json_t	*rec;
	char	 path[256];
	size_t	 n;

	n = strcspn(req->target, "?");
	if (n >= sizeof(path))
		n = sizeof(path) - 1;
	memcpy(path, req->target, n);
	path[n] = '\0';
	if ((rec = json_pack("{s:s, s:s, s:s, s:s, s:i}", "event", "request",
	    "host", INTERNAL_HOST, "method", req->method, "path", path,
	    "status", status)) == NULL)
		return;
	if (reason != NULL) {
		json_object_set_new(rec, "type", json_string("aileron:denied"));
		json_object_set_new(rec, "reason", json_string(reason));
	}
	call_audit(pc, rec);
}

/* A query value's %XX and '+' decoded into out; -1 if bad or too long. */
static int
internal_unescape(const char *in, char *out, size_t len)
{
	size_t		 n = 0;
	unsigned int	 c;

	for (; *in != '\0' && *in != '&'; in++) {
		if (n + 1 >= len)
			return -1;
		if (*in == '%') {
			if (!isxdigit((unsigned char)in[1]) ||
			    !isxdigit((unsigned char)in[2]) ||
			    sscanf(in + 1, "%2x", &c) != 1 || c == 0)
				return -1;
			out[n++] = (char)c;
			in += 2;
		} else
			out[n++] = *in == '+' ? ' ' : *in;
	}
	out[n] = '\0';
	/* Audited as a JSON string: UTF-8 only, or it could not be. */
	if (n == 0 || internal_utf8(out) == -1)
		return -1;
	return 0;
}

/* 0 when s is well-formed UTF-8 (no overlong forms, no surrogates). */
static int
internal_utf8(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	unsigned int		 c;
	int			 n, i;

	while (*p != '\0') {
		if (*p < 0x80) {
			p++;
			continue;
		}
		if (*p >= 0xc2 && *p <= 0xdf)
			n = 1, c = *p & 0x1f;
		else if (*p >= 0xe0 && *p <= 0xef)
			n = 2, c = *p & 0x0f;
		else if (*p >= 0xf0 && *p <= 0xf4)
			n = 3, c = *p & 0x07;
		else
			return -1;
		for (i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return -1;
			c = (c << 6) | (p[i] & 0x3f);
		}
		if ((n == 2 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) ||
		    (n == 3 && (c < 0x10000 || c > 0x10ffff)))
			return -1;
		p += n + 1;
	}
	return 0;
}

/*
 * A command of the session's shell: control decides it (and records
 * it); a command it says a person approves waits for one, as a request
 * does, bound to the command's SHA-256.
 */
static void
internal_shell(struct pconn *pc, const char *query, struct internal_out *o)
{
	struct msg_control_shell	 m;
	struct msg_control_decision	 d;
	struct msg_control_approval_ask	 ask;
	struct approval_outcome		 out;
	struct msg			 reply;
	json_t				*j;
	char				*summary, *s, why[400];

	memset(&m, 0, sizeof(m));
	if (internal_unescape(query, m.command, sizeof(m.command)) == -1) {
		internal_send(o, 400, "aileron:bad-request", "command= names "
		    "the command, URL-encoded UTF-8, at most 1023 bytes");
		return;
	}
	if (call(pc, &pc->control, MSG_CONTROL_SHELL_CHECK, &m, sizeof(m),
	    MSG_CONTROL_POLICY_REPLY, &reply) == -1 ||
	    reply.len != sizeof(d)) {
		internal_send(o, 503, "aileron:unavailable", "control did not "
		    "answer");
		return;
	}
	memcpy(&d, reply.data, sizeof(d));
	d.reason[sizeof(d.reason) - 1] = '\0';
	if (d.verdict == MSG_CONTROL_APPROVE) {
		memset(&ask, 0, sizeof(ask));
		SHA256((const unsigned char *)m.command, strlen(m.command),
		    ask.digest);
		strlcpy(ask.connector, MSG_SHELL_CONNECTOR,
		    sizeof(ask.connector));
		strlcpy(ask.action, MSG_SHELL_ACTION, sizeof(ask.action));
		strlcpy(ask.method, MSG_SHELL_METHOD, sizeof(ask.method));
		strlcpy(ask.host, MSG_SHELL_HOST, sizeof(ask.host));
		/* The command is in the summary: a path is one word. */
		strlcpy(ask.path, MSG_SHELL_PATH, sizeof(ask.path));
		if ((j = json_pack("{s:s}", "command", m.command)) == NULL ||
		    (summary = json_dumps(j, JSON_COMPACT)) == NULL)
			fatalx("%s: out of memory", __func__);
		json_decref(j);
		approval_ask_wait(pc, &ask, summary, &out);
		free(summary);
		switch (out.state) {
		case MSG_APPROVAL_GRANTED:
			d.verdict = MSG_CONTROL_ALLOW;
			break;
		case MSG_APPROVAL_DENIED:
			snprintf(why, sizeof(why), "shell: denied by %s%s%s",
			    out.approver, out.reason[0] != '\0' ? ": " : "",
			    out.reason);
			internal_send(o, 403, "aileron:approval-denied", why);
			return;
		case MSG_APPROVAL_EXPIRED:
			internal_send(o, 403, "aileron:approval-expired",
			    "shell: approval timed out");
			return;
		case MSG_APPROVAL_TOO_MANY:
			internal_send(o, 429, "aileron:too-many-pending",
			    "shell: too many approvals waiting");
			return;
		default:
			internal_send(o, 503, "aileron:unavailable", out.reason);
			return;
		}
	}
	if (d.verdict != MSG_CONTROL_ALLOW) {
		internal_send(o, strcmp(d.reason, "aileron:audit") == 0 ? 503 :
		    403, d.reason[0] != '\0' ? d.reason : "aileron:denied",
		    "shell: the command is denied by policy");
		return;
	}
	if ((s = strdup("{\"decision\":\"allow\"}")) == NULL)
		fatalx("%s: out of memory", __func__);
	internal_send(o, 200, NULL, s);
	free(s);
}

/* One request; 0 when the connection may carry another. */
static int
internal_request(struct pconn *pc, const struct http_request *req)
{
	struct msg_control_approval_api	 m;
	struct internal_out		 o;
	struct msg			 reply;
	const char			*why;
	json_t				*j;
	char				*s;
	int				 status, post;

	memset(&o, 0, sizeof(o));
	o.pc = pc;
	o.keep = req->keepalive && req->content_length <= 0 && !req->chunked;
	post = strcmp(req->method, "POST") == 0;
	if (post && strncmp(req->target, INTERNAL_SHELL,
	    strlen(INTERNAL_SHELL)) == 0 && req->content_length <= 0 &&
	    !req->chunked) {
		internal_shell(pc, req->target + strlen(INTERNAL_SHELL), &o);
		internal_audit(pc, req, o.status, NULL);
		return o.keep ? 0 : -1;
	}
	if (post || strcmp(req->method, "GET") != 0) {
		/* Never a decision: only a human on api.sock decides. */
		why = "a session token cannot grant";
		log_warnx("%s: session %s: %s %s on %s refused: %s", pc->peer,
		    pc->sess.session, req->method, req->target, INTERNAL_HOST,
		    why);
		o.keep = 0;
		internal_send(&o, 403, "aileron:denied", why);
		internal_audit(pc, req, 403, why);
		return -1;
	}
	if (req->content_length > 0 || req->chunked) {
		o.keep = 0;
		internal_send(&o, 400, "aileron:bad-request", "a GET has no "
		    "body");
		internal_audit(pc, req, 400, NULL);
		return -1;
	}
	if (strcmp(req->target, "/v1/session") == 0) {
		j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "session",
		    pc->sess.session, "user", pc->sess.user, "agent",
		    pc->sess.agent, "team", pc->sess.team, "project",
		    pc->sess.project, "state", "live");
		if (j == NULL || (s = json_dumps(j, JSON_COMPACT)) == NULL)
			fatalx("%s: out of memory", __func__);
		json_decref(j);
		internal_send(&o, 200, NULL, s);
		free(s);
	} else if (strcmp(req->target, "/v1/actions") == 0) {
		if ((j = manifest_build(pc->ctx->specs, pc->ctx->nspecs)) ==
		    NULL || (s = json_dumps(j, JSON_COMPACT)) == NULL)
			fatalx("%s: out of memory", __func__);
		json_decref(j);
		internal_send(&o, 200, NULL, s);
		free(s);
	} else if (api_approval_match(req->target)) {
		if ((status = api_approval_parse(req->target, 0, NULL, 0, &m,
		    &why)) != 0)
			internal_send(&o, status, status == 404 ?
			    "aileron:not-found" : "aileron:bad-request", why);
		else if (call(pc, &pc->control, MSG_CONTROL_APPROVAL_API, &m,
		    sizeof(m), MSG_CONTROL_APPROVAL_API_REPLY, &reply) == -1)
			internal_send(&o, 503, "aileron:unavailable",
			    "control did not answer");
		else
			api_approval_answer(reply.data, reply.len,
			    internal_send, &o);
	} else
		internal_send(&o, 404, "aileron:not-found", "no such "
		    "resource; see aileron-api(7)");
	internal_audit(pc, req, o.status, NULL);
	return o.keep ? 0 : -1;
}

/*
 * http://aileron.internal/... through the proxy, authenticated: the same
 * resources, one request per connection, for a client with no TLS (the
 * static aileron-relay asks "shell check" this way in a container).  It
 * is no weaker than the CONNECT that carries the token the same way: the
 * agent reaches the proxy over loopback only, inside the sandbox.
 */
void
internal_plain(struct pconn *pc, const struct http_request *req)
{
	static struct http_request	 r;

	r = *req;
	r.target = req->path;
	r.keepalive = 0;
	(void)internal_request(pc, &r);
}

/*
 * CONNECT aileron.internal:443, authenticated: answered here, never
 * forwarded anywhere.  The caller (conn.c) has checked nothing else.
 */
void
internal_serve(struct pconn *pc, const char *early, size_t earlylen)
{
	static const char	 ok[] =
	    "HTTP/1.1 200 Connection established\r\n\r\n";
	struct http_intake	*in;
	static char		 buf[PROXY_BUF];
	char			 why[256];
	const char		*reason;
	size_t			 off = 0, len = 0;
	SSL			*ssl;
	int			 r, status, n = 0;

	if (pc->port != 443 || earlylen > 0) {
		problem_send(&pc->agent, 400, "aileron:bad-request",
		    pc->port != 443 ? INTERNAL_HOST " is served on port 443 "
		    "only" : "bytes sent before the tunnel was established",
		    0);
		return;
	}
	(void)early;
	if (io_write(&pc->agent, ok, sizeof(ok) - 1, PROXY_IO_MS) != 0)
		return;
	if ((ssl = tls_agent(pc, why, sizeof(why))) == NULL) {
		log_info("%s: %s: %s", pc->peer, pc->host, why);
		return;
	}
	pc->agent.ssl = ssl;
	if ((in = http_intake_new(HTTP_TUNNEL, INTERNAL_HOST ":443")) == NULL)
		fatalx("%s: out of memory", __func__);
	for (;; n++) {
		r = conn_head(pc, in, buf, &off, &len, n == 0 ? pc->header_ms :
		    pc->idle_ms, &status, &reason);
		if (r == -1 && status != 0)
			problem_send(&pc->agent, status, "aileron:bad-request",
			    reason, 0);
		if (r != 0)
			break;
		if (internal_request(pc, http_intake_request(in)) == -1)
			break;
		http_intake_next(in);
	}
	http_intake_free(in);
}
