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
 * proxy.c: the requests of an intercepted tunnel, each on its own: the
 * matcher maps it to an action, control decides, vaultd gives the line
 * to inject, the worker forwards a head it wrote itself (never the
 * agent's bytes: every hop-by-hop field, every field Connection names and
 * every credential the agent sent are gone before the injection, never
 * after) and streams the response back, masking the credential should
 * the upstream echo it.  Redirects are returned, never followed.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>

#include "log.h"
#include "connector/match.h"
#include "master/parse.h"
#include "worker/worker.h"
#include "worker/approval.h"
#include "worker/http.h"
#include "worker/inflate.h"
#include "worker/mask.h"
#include "worker/proxy.h"
#include "worker/usage.h"
#include "worker/ws.h"

#define PROXY_HEAD_OUT	(80 * 1024)	/* the head we write upstream */
#define PROXY_MASK_OUT	(PROXY_BUF + 64 * 1024)
#define PROXY_REPLAY	(-2)	/* send the request again, on a new leg */

/* The injected line, for the connection's life; zeroed at its end. */
static char	proxy_line[16384 + 1];

/* One request, from its head to the end of its response. */
struct preq {
	struct pconn		*pc;
	const struct http_request *req;
	struct http_intake	*in;
	struct io		*up;
	int			 up_chunked;	/* our framing upstream */
	int			 down_chunked;	/* our framing to the agent */
	int			 failed;	/* a leg broke mid-body */
	int			 agent_failed;
	int			 keep;		/* refused, the connection goes on */
	int			 audited;	/* the upgrade's record is sent */
	const char		*early;		/* agent bytes after the head */
	size_t			 earlylen;
	struct mask		*mask;		/* the connection's */
	size_t			 masked;	/* its count before this request */
	struct inflater		*inf;
	char			*body;		/* read before the match */
	size_t			 bodylen;
	unsigned long long	 up_bytes;	/* body bytes sent upstream */
	unsigned long long	 down_bytes;	/* body bytes to the agent */
	int			 status;
	const char		*type;		/* problem type when refused */
	json_t			*ext;		/* its extension members */
	char			 reason[512];
	const char		*action;
	long long		 policy_ms;
	uint64_t		 decision_seq;	/* its audit record */
	long long		 upstream_ms;
	struct timespec		 start;
	/* Approvals (issue 11, section 3): the body read whole first. */
	size_t			 bodycap;
	int			 continued;	/* we sent 100 Continue */
	struct approval_outcome	 approval;	/* id "" when none asked */
	json_t			*shown;		/* the summary its approver
						   saw, for the outcome */
	/* LLM token counts (issue 14): read as the body passes. */
	const struct spec_action *act;
	struct usage_scan	*usage;
	struct usage		 tokens;
	int			 counted;	/* the scan ran to the end */
};

static int	proxy_request(struct pconn *, struct http_intake *, char *,
		    size_t *, size_t *, struct io *, SSL **);
static int	proxy_body_read(struct preq *, struct http_intake *, char *,
		    size_t *, size_t *, void (*)(void *, const char *, size_t));
static void	proxy_body_keep(void *, const char *, size_t);
static void	proxy_body_cap(void *, const char *, size_t);
static int	proxy_match(struct preq *, struct match_result *);
static int	proxy_rematch(struct preq *, struct match_result *);
static int	proxy_up_reusable(const struct preq *,
		    const struct http_response *);
static int	proxy_approval(struct preq *, struct match_result *,
		    struct http_intake *, char *, size_t *, size_t *);
static int	proxy_replayable(const struct preq *);
static void	proxy_body_up(void *, const char *, size_t);
static int	proxy_put(char *, size_t, size_t *, const char *, ...)
		    __attribute__((__format__ (printf, 4, 5)));
static int	proxy_head_up(struct preq *, const char *, size_t, char *,
		    size_t *);
static int	proxy_head_write(struct preq *, const char *, size_t, char *,
		    size_t, char *, size_t *);
static int	proxy_query(struct preq *, const char *, const char *,
		    char *, size_t);
static int	proxy_strip(const struct preq *, const char *);
static int	proxy_secrets(struct pconn *, const char *, size_t, int);
static int	proxy_credential(struct preq *);
static int	proxy_response(struct preq *, SSL *, int *, int);
static int	proxy_coding(const struct http_response *, char *, size_t);
static int	proxy_part(const struct http_response *);
static void	proxy_down(void *, const char *, size_t);
static void	proxy_down_masked(struct preq *, const char *, size_t);
static int	proxy_usage_spec(const struct spec_action *,
		    struct usage_spec *);
static json_t	*proxy_tokens(const struct usage *);
static void	proxy_audit(struct preq *);
static int	proxy_refuse(struct preq *, int, const char *, const char *,
		    ...) __attribute__((__format__ (printf, 4, 5)));
static int	proxy_upstream(struct preq *, struct io *, SSL **);

/* Refuse this request with a problem; r->keep when the connection goes on. */
static int
proxy_refuse(struct preq *r, int status, const char *type, const char *fmt,
    ...)
{
	va_list	 ap;
	int	 keep;

	va_start(ap, fmt);
	vsnprintf(r->reason, sizeof(r->reason), fmt, ap);
	va_end(ap);
	r->status = status;
	r->type = type;
	log_info("%s: %s %s: %d %s", r->pc->peer, r->req->method, r->pc->host,
	    status, r->reason);
	/*
	 * The connection goes on only when the request was read whole (an
	 * unread body would be taken for the next request) and nothing of it
	 * went upstream.
	 */
	keep = r->req->keepalive && r->up_bytes == 0 && status < 500 &&
	    status != 408 && (http_intake_state(r->in) == HTTP_DONE ||
	    (http_intake_state(r->in) == HTTP_HEAD_DONE &&
	    r->req->content_length <= 0 && !r->req->chunked));
	if (problem_send_ext(&r->pc->agent, status, type, r->reason, r->ext,
	    keep) == 0)
		r->keep = keep;
	return -1;
}

void
proxy_intercept(struct pconn *pc)
{
	struct http_intake	*in;
	struct io		 up;
	static char		 buf[PROXY_BUF];
	char			 why[256], authority[300];
	const char		*reason;
	size_t			 off = 0, len = 0;
	SSL			*ssl, *upssl = NULL;
	json_t			*rec;
	int			 r, status, n = 0;

	if ((ssl = tls_agent(pc, why, sizeof(why))) == NULL) {
		log_info("%s: %s: %s", pc->peer, pc->host, why);
		rec = json_pack("{s:s, s:s, s:i, s:s}", "event", "tls",
		    "host", pc->host, "port", pc->port, "reason", why);
		if (rec != NULL)
			call_audit(pc, rec);
		return;
	}
	pc->agent.ssl = ssl;
	snprintf(authority, sizeof(authority), "%s:%u", pc->host, pc->port);
	if ((in = http_intake_new(HTTP_TUNNEL, authority)) == NULL)
		fatalx("%s: out of memory", __func__);
	io_init(&up, -1, NULL);
	for (;; n++) {
		r = conn_head(pc, in, buf, &off, &len, n == 0 ? pc->header_ms :
		    pc->idle_ms, &status, &reason);
		if (r == -3)
			break;		/* idle between requests: just close */
		if (r == -2) {
			problem_send(&pc->agent, 408, "aileron:bad-request",
			    "no whole request head in time", 0);
			break;
		}
		if (r == -1) {
			if (status == 0)
				break;
			log_info("%s: %s: refused: %s", pc->peer, pc->host,
			    reason);
			problem_send(&pc->agent, status, "aileron:bad-request",
			    reason, 0);
			rec = json_pack("{s:s, s:s, s:i, s:s, s:s}", "event",
			    "request", "host", pc->host, "status", status,
			    "type", "aileron:bad-request", "reason", reason);
			if (rec != NULL)
				call_audit(pc, rec);
			break;
		}
		if (proxy_request(pc, in, buf, &off, &len, &up, &upssl) == -1)
			break;
		if (!http_intake_request(in)->keepalive)
			break;
		http_intake_next(in);
	}
	http_intake_free(in);
	if (up.fd != -1) {
		io_shutdown(&up);
		io_close(&up);
	}
	explicit_bzero(proxy_line, pc->linelen);
	pc->linelen = 0;
	if (pc->mask != NULL) {
		mask_free(pc->mask);
		pc->mask = NULL;
	}
}

/* Collect the body before the match (bounded by the caller). */
static void
proxy_body_keep(void *arg, const char *p, size_t n)
{
	struct preq	*r = arg;

	memcpy(r->body + r->bodylen, p, n);
	r->bodylen += n;
}

/* Collect a body of unknown length, up to r->bodycap. */
static void
proxy_body_cap(void *arg, const char *p, size_t n)
{
	struct preq	*r = arg;

	if (n > r->bodycap - r->bodylen) {
		r->failed = 1;
		return;
	}
	memcpy(r->body + r->bodylen, p, n);
	r->bodylen += n;
}

/*
 * Fields by which some servers take the method or the path from the
 * request's fields instead of its line (Google's APIs, Rails, Symfony,
 * IIS): the action is matched by the line, so on a connector's host a
 * request carrying one would run what the policy never saw.
 */
static const char *proxy_override_fields[] = {
	"X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override",
	"X-Original-URL", "X-Rewrite-URL"
};

/* The first such field of req, or NULL. */
static const char *
proxy_override(const struct http_request *req)
{
	size_t	 i, j;

	for (i = 0; i < req->nfield; i++)
		for (j = 0; j < sizeof(proxy_override_fields) /
		    sizeof(proxy_override_fields[0]); j++)
			if (strcasecmp(req->field[i].name,
			    proxy_override_fields[j]) == 0)
				return proxy_override_fields[j];
	return NULL;
}

/*
 * Map the request, with the body read so far, to an action of the
 * connector's.  1 on a match (res filled), -1 when it maps to none and
 * was refused.  The caller clears res either way.
 */
static int
proxy_match(struct preq *r, struct match_result *res)
{
	const struct http_request	*req = r->req;
	struct match_req		 mreq;
	size_t				 i;
	int				 matched;

	memset(&mreq, 0, sizeof(mreq));
	mreq.host = r->pc->host;
	mreq.method = req->method;
	mreq.target = req->target;
	for (i = 0; i < req->nfield; i++)
		if (strcasecmp(req->field[i].name, "Content-Type") == 0)
			mreq.content_type = req->field[i].value;
	mreq.body = r->body;
	mreq.bodylen = r->bodylen;
	if ((matched = match_request(r->pc->ctx->matcher, &mreq, res)) == -1)
		fatalx("%s: out of memory", __func__);
	if (matched == 0)
		return proxy_refuse(r, 403, "aileron:denied",
		    "no action of %s matches %s %.*s: %s",
		    r->pc->spec->connector, req->method,
		    (int)strcspn(req->target, "?"), req->target,
		    res->reason != NULL ? res->reason : "no route");
	return 1;
}

/*
 * A request matched by its head alone (chunked, or held back behind
 * Expect) whose body is now read: match it again, so that the human sees
 * the arguments of the bytes that will go upstream.  The same refusals
 * as a body read before the match (a name in both query and body, a
 * body that is not the action's), and a body that makes it another
 * action is refused too.  0 with res the new match, or -1 refused.
 */
static int
proxy_rematch(struct preq *r, struct match_result *res)
{
	struct match_result	 again;
	int			 rv = -1;

	memset(&again, 0, sizeof(again));
	if (proxy_match(r, &again) == -1)
		goto done;
	if (again.action != res->action) {
		proxy_refuse(r, 403, "aileron:denied", "%s %.*s: its body "
		    "makes it %s.%s, not the %s.%s its head was decided as",
		    r->req->method, (int)strcspn(r->req->target, "?"),
		    r->req->target, r->pc->spec->connector,
		    again.action->name, r->pc->spec->connector,
		    res->action->name);
		goto done;
	}
	match_result_clear(res);
	*res = again;
	memset(&again, 0, sizeof(again));
	rv = 0;
done:
	match_result_clear(&again);
	return rv;
}

/*
 * The action needs a human: read the whole body (the digest covers it,
 * and the grant binds to the digest; the summary shows its arguments),
 * ask control, wait.  0 on a grant, with the request ready to forward;
 * -1 refused (or the agent gone).
 */
static int
proxy_approval(struct preq *r, struct match_result *res,
    struct http_intake *in, char *buf, size_t *off, size_t *len)
{
	const struct http_request	*req = r->req;
	struct approval_request		 rq;
	char				 summary[MSG_APPROVAL_SUMMARY_MAX];
	const char			*name = res->action->name;
	const char			*conn = r->pc->spec->connector;

	if (r->body == NULL && (req->content_length > 0 || req->chunked)) {
		if (req->content_length > MATCH_BODY_MAX)
			return proxy_refuse(r, 413, "aileron:bad-request",
			    "%s.%s needs an approval, and its body is over "
			    "%d bytes", conn, name, MATCH_BODY_MAX);
		if (req->expect_continue) {
			if (io_write(&r->pc->agent, "HTTP/1.1 100 Continue"
			    "\r\n\r\n", 25, PROXY_IO_MS) != 0)
				return -1;
			r->continued = 1;
		}
		r->bodycap = req->content_length > 0 ?
		    (size_t)req->content_length : MATCH_BODY_MAX;
		if ((r->body = malloc(r->bodycap)) == NULL)
			fatal("%s", __func__);
		if (proxy_body_read(r, in, buf, off, len,
		    proxy_body_cap) == -1) {
			if (r->status != 0)
				return proxy_refuse(r, r->status,
				    "aileron:bad-request", "%s", r->reason);
			if (r->failed) {
				r->failed = 0;
				return proxy_refuse(r, 413,
				    "aileron:bad-request", "%s.%s needs an "
				    "approval, and its body is over %d bytes",
				    conn, name, MATCH_BODY_MAX);
			}
			return -1;
		}
		if (proxy_rematch(r, res) == -1)
			return -1;
	}
	/*
	 * What the human sees, unnamed arguments too; the outcome's record
	 * keeps it, as the decision's saw only the head's, named, arguments.
	 */
	if (approval_summary(r->pc->spec, res->action, res->args, 1,
	    res->args_incomplete, summary, sizeof(summary)) == -1)
		strlcpy(summary, "{}", sizeof(summary));
	r->shown = json_loads(summary, 0, NULL);
	rq.method = req->method;
	rq.target = req->target;
	rq.body = r->body;
	rq.bodylen = r->bodylen;
	approval_wait(r->pc, res->action, summary, &rq, &r->approval);
	switch (r->approval.state) {
	case MSG_APPROVAL_GRANTED:
		log_info("%s: %s.%s: approval %s granted by %s", r->pc->peer,
		    conn, name, r->approval.id, r->approval.approver);
		return 0;
	case MSG_APPROVAL_DENIED:
	case MSG_APPROVAL_EXPIRED:
		return proxy_refuse(r, 403, r->approval.state ==
		    MSG_APPROVAL_DENIED ? "aileron:approval-denied" :
		    "aileron:approval-expired", "%s.%s: %s", conn, name,
		    r->approval.reason);
	case MSG_APPROVAL_TOO_MANY:
		return proxy_refuse(r, 429, "aileron:too-many-pending",
		    "%s.%s: this session has too many approvals pending; "
		    "wait for one to be decided", conn, name);
	case MSG_APPROVAL_WITHDRAWN:
		if (r->approval.agent_gone) {
			r->agent_failed = 1;
			snprintf(r->reason, sizeof(r->reason), "%s.%s: %s",
			    conn, name, r->approval.reason);
			return -1;
		}
		/* Control withdrew it (the session ended): say so. */
		return proxy_refuse(r, 403, "aileron:approval-withdrawn",
		    "%s.%s: %s", conn, name, r->approval.reason);
	default:
		return proxy_refuse(r, 503, "aileron:unavailable",
		    "%s.%s: no approval could be asked%s%s", conn, name,
		    r->approval.reason[0] != '\0' ? ": " : "",
		    r->approval.reason);
	}
}

/* Stream the body upstream, in our own framing. */
static void
proxy_body_up(void *arg, const char *p, size_t n)
{
	struct preq	*r = arg;
	char		 chunk[24];
	int		 k;

	if (r->failed || n == 0)
		return;
	/* Held: written when the agent is next waited for, or at the end. */
	if (r->up_chunked) {
		k = snprintf(chunk, sizeof(chunk), "%zx\r\n", n);
		if (io_hold(r->up, chunk, k, r->pc->upstream_ms) != 0 ||
		    io_hold(r->up, p, n, r->pc->upstream_ms) != 0 ||
		    io_hold(r->up, "\r\n", 2, r->pc->upstream_ms) != 0)
			r->failed = 1;
	} else if (io_hold(r->up, p, n, r->pc->upstream_ms) != 0)
		r->failed = 1;
	r->up_bytes += n;
}

/*
 * Feed the intake the rest of the request's body, reading the agent as
 * needed; cb gets the body's bytes.  0 at its end, -1 on a refusal or a
 * broken leg (the caller closes).
 */
static int
proxy_body_read(struct preq *r, struct http_intake *in, char *buf,
    size_t *off, size_t *len, void (*cb)(void *, const char *, size_t))
{
	const char	*reason;
	ssize_t		 n;
	int		 status;

	http_intake_body(in, cb, r);
	while (http_intake_state(in) != HTTP_DONE) {
		if (*len == 0) {
			*off = 0;
			n = io_read_after(&r->pc->agent, buf, PROXY_BUF,
			    r->pc->idle_ms, r->up, r->pc->upstream_ms);
			if (n == IO_OWED) {
				r->failed = 1;
				return -1;
			}
			if (n <= 0) {
				r->agent_failed = 1;
				return -1;
			}
			*len = n;
		}
		if ((n = http_intake_feed(in, buf + *off, *len, &status,
		    &reason)) < 0) {
			snprintf(r->reason, sizeof(r->reason), "%s", reason);
			r->status = status;
			return -1;
		}
		*off += n;
		*len -= n;
		if (r->failed)
			return -1;
	}
	return 0;
}

/* A field the agent sent that must not reach the upstream. */
static int
proxy_strip(const struct preq *r, const char *name)
{
	static const char *const always[] = {
		"host", "authorization", "proxy-authorization",
		"accept-encoding", "expect", "content-length",
		"transfer-encoding", "cookie2", "te", "trailer",
	};
	const struct spec	*sp = r->pc->spec;
	size_t			 i;

	for (i = 0; i < sizeof(always) / sizeof(always[0]); i++)
		if (strcasecmp(name, always[i]) == 0)
			return 1;
	if (http_field_hop(r->req, name))
		return 1;
	/* No extension: permessage-deflate would hide text from the mask. */
	if (r->req->upgrade &&
	    strcasecmp(name, "Sec-WebSocket-Extensions") == 0)
		return 1;
	if (sp == NULL)
		return 0;
	/*
	 * An echo sent back in parts (206, multipart/byteranges) holds the
	 * credential in pieces, and the masker finds it only whole: a
	 * connector's host is never asked for a range, so it answers 200,
	 * whole, and a part it sends anyway is refused (proxy_response).
	 */
	if (strcasecmp(name, "Range") == 0 ||
	    strcasecmp(name, "If-Range") == 0)
		return 1;
	if (sp->inject == INJECT_HEADER && sp->inject_name != NULL &&
	    strcasecmp(name, sp->inject_name) == 0)
		return 1;
	for (i = 0; i < sp->nstrip_headers; i++)
		if (strcasecmp(name, sp->strip_headers[i]) == 0)
			return 1;
	for (i = 0; i < sp->nfixed_headers; i++)
		if (strcasecmp(name, sp->fixed_header_names[i]) == 0)
			return 1;
	return 0;
}

/*
 * The request-target upstream: the agent's, without the query parameters
 * the connector declares for its credential, plus the injected one.
 */
static int
proxy_query(struct preq *r, const char *target, const char *inject,
    char *out, size_t outlen)
{
	const struct spec	*sp = r->pc->spec;
	const char		*q, *p, *e, *eq;
	size_t			 used, nlen, i;
	int			 drop, first = 1;

	if ((q = strchr(target, '?')) == NULL)
		q = target + strlen(target);
	if ((size_t)(q - target) >= outlen)
		return -1;
	memcpy(out, target, q - target);
	used = q - target;
	out[used] = '\0';
	for (p = *q == '?' ? q + 1 : q; *p != '\0'; p = *e == '&' ? e + 1 : e) {
		if ((e = strchr(p, '&')) == NULL)
			e = p + strlen(p);
		eq = memchr(p, '=', e - p);
		nlen = (eq != NULL ? eq : e) - p;
		drop = 0;
		if (sp != NULL && sp->inject == INJECT_QUERY &&
		    sp->inject_name != NULL &&
		    strlen(sp->inject_name) == nlen &&
		    strncmp(p, sp->inject_name, nlen) == 0)
			drop = 1;
		for (i = 0; sp != NULL && i < sp->nstrip_query; i++)
			if (strlen(sp->strip_query[i]) == nlen &&
			    strncmp(p, sp->strip_query[i], nlen) == 0)
				drop = 1;
		if (drop || e == p)
			continue;
		if (used + 1 + (e - p) + 1 > outlen)
			return -1;
		out[used++] = first ? '?' : '&';
		memcpy(out + used, p, e - p);
		used += e - p;
		out[used] = '\0';
		first = 0;
	}
	if (inject != NULL) {
		if (used + 1 + strlen(inject) + 1 > outlen)
			return -1;
		out[used++] = first ? '?' : '&';
		memcpy(out + used, inject, strlen(inject));
		used += strlen(inject);
		out[used] = '\0';
	}
	return 0;
}

/*
 * What the agent must never see: the injected value, as sent and after
 * its scheme (Bearer, Basic), and for Basic the user:password it encodes;
 * mask.c derives the encoded forms.  A query value comes percent-encoded
 * (vaultd/inject.c): the value itself is what an upstream echoes in a
 * JSON answer, or encoded its own way, so it is masked too.
 */
static int
proxy_secrets(struct pconn *pc, const char *line, size_t len, int kind)
{
	const char	*v, *end = line + len;
	char		*dec;
	size_t		 n;
	int		 rv;

	if (pc->mask == NULL && (pc->mask = mask_new()) == NULL)
		return -1;
	if ((v = memchr(line, kind == INJECT_QUERY ? '=' : ':', len)) == NULL)
		return -1;
	v++;
	while (v < end && *v == ' ')
		v++;
	if (v == end)
		return -1;
	if (kind != INJECT_QUERY)
		return mask_add_credential(pc->mask, v, end - v);
	if (mask_add(pc->mask, v, end - v) == -1 ||
	    (dec = malloc(end - v + 1)) == NULL)
		return -1;
	/* vaultd writes unreserved bytes and %XX; a NUL in it fails closed. */
	rv = match_decode(v, end - v, dec, &n) == -1 ? -1 :
	    n == (size_t)(end - v) ? 0 : mask_add(pc->mask, dec, n);
	explicit_bzero(dec, end - v + 1);
	free(dec);
	return rv;
}

/*
 * The line vaultd gives for this connection's connector and host, and the
 * masker made from it: asked once a connection (the connector and host
 * are the connection's), kept in proxy_line until the connection ends.
 */
static int
proxy_credential(struct preq *r)
{
	struct pconn			*pc = r->pc;
	struct msg_vault_inject		 inj;
	struct msg_vault_reply		 vr;
	struct msg			 reply;
	size_t				 len;

	memset(&inj, 0, sizeof(inj));
	strlcpy(inj.session, pc->sess.session, sizeof(inj.session));
	strlcpy(inj.connector, pc->spec->connector, sizeof(inj.connector));
	strlcpy(inj.host, pc->host, sizeof(inj.host));
	if (call(pc, &pc->vaultd, MSG_VAULT_INJECT, &inj, sizeof(inj),
	    MSG_VAULT_INJECT_REPLY, &reply) == -1 ||
	    reply.len < sizeof(vr)) {
		proxy_refuse(r, 503, "aileron:no-credential",
		    "no answer from vaultd");
		return -1;
	}
	memcpy(&vr, reply.data, sizeof(vr));
	if (vr.error != 0) {
		proxy_refuse(r, 403, "aileron:no-credential",
		    "%s: %.*s", pc->spec->connector,
		    (int)(reply.len - sizeof(vr)) > 200 ? 200 :
		    (int)(reply.len - sizeof(vr)),
		    (const char *)reply.data + sizeof(vr));
		return -1;
	}
	len = reply.len - sizeof(vr);
	if (len == 0 || len >= sizeof(proxy_line) ||
	    memchr(reply.data + sizeof(vr), '\r', len) != NULL ||
	    memchr(reply.data + sizeof(vr), '\n', len) != NULL) {
		proxy_refuse(r, 502, "aileron:no-credential",
		    "vaultd's line is unusable");
		return -1;
	}
	pc->linelen = len;
	memcpy(proxy_line, reply.data + sizeof(vr), pc->linelen);
	proxy_line[pc->linelen] = '\0';
	explicit_bzero((void *)(uintptr_t)(reply.data + sizeof(vr)),
	    pc->linelen);
	if (proxy_secrets(pc, proxy_line, pc->linelen, vr.kind) == -1) {
		explicit_bzero(proxy_line, pc->linelen);
		pc->linelen = 0;
		proxy_refuse(r, 502, "aileron:no-credential",
		    "cannot prepare the credential's mask");
		return -1;
	}
	pc->kind = vr.kind;
	return 0;
}

/* Append to a head being written; -1 when it does not fit. */
static int
proxy_put(char *out, size_t outlen, size_t *used, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(out + *used, outlen - *used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= outlen - *used)
		return -1;
	*used += n;
	return 0;
}

/*
 * Write the head we send upstream into out: the method, the target with
 * the query rewritten, the agent's fields less what proxy_strip() drops,
 * the connector's fixed fields, our framing and the injected line.
 */
static int
proxy_head_up(struct preq *r, const char *line, size_t linelen, char *out,
    size_t *outlen)
{
	static char	 target[16384];
	int		 rv;

	rv = proxy_head_write(r, line, linelen, target, sizeof(target), out,
	    outlen);
	/* It held the credential, in the query. */
	if (line != NULL && r->pc->spec != NULL &&
	    r->pc->spec->inject == INJECT_QUERY)
		explicit_bzero(target, sizeof(target));
	return rv;
}

static int
proxy_head_write(struct preq *r, const char *line, size_t linelen,
    char *target, size_t targetlen, char *out, size_t *outlen)
{
	const struct http_request *req = r->req;
	const struct spec	*sp = r->pc->spec;
	size_t			 used = 0, max = *outlen, i;
	int			 kind = sp != NULL ? (int)sp->inject : -1;

	if (proxy_query(r, req->target, line != NULL &&
	    kind == INJECT_QUERY ? line : NULL, target, targetlen) == -1)
		return -1;
	if (proxy_put(out, max, &used, "%s %s HTTP/1.1\r\n", req->method,
	    target) == -1)
		return -1;
	if (r->pc->port == 443) {
		if (proxy_put(out, max, &used, "Host: %s\r\n",
		    r->pc->host) == -1)
			return -1;
	} else if (proxy_put(out, max, &used, "Host: %s:%u\r\n", r->pc->host,
	    r->pc->port) == -1)
		return -1;
	for (i = 0; i < req->nfield; i++) {
		if (proxy_strip(r, req->field[i].name))
			continue;
		if (proxy_put(out, max, &used, "%s: %s\r\n",
		    req->field[i].name, req->field[i].value) == -1)
			return -1;
	}
	for (i = 0; sp != NULL && i < sp->nfixed_headers; i++)
		if (proxy_put(out, max, &used, "%s: %s\r\n",
		    sp->fixed_header_names[i], sp->fixed_header_values[i]) ==
		    -1)
			return -1;
	/* Every byte of a connector's response is checked: none encoded. */
	if (proxy_put(out, max, &used, "Accept-Encoding: identity\r\n") == -1)
		return -1;
	if (req->upgrade && proxy_put(out, max, &used,
	    "Connection: Upgrade\r\nUpgrade: websocket\r\n") == -1)
		return -1;
	if (r->up_chunked) {
		if (proxy_put(out, max, &used,
		    "Transfer-Encoding: chunked\r\n") == -1)
			return -1;
	} else if (req->content_length > 0 || (req->content_length == 0 &&
	    strcmp(req->method, "GET") != 0 &&
	    strcmp(req->method, "HEAD") != 0)) {
		if (proxy_put(out, max, &used, "Content-Length: %lld\r\n",
		    req->content_length) == -1)
			return -1;
	}
	if (line != NULL && kind != INJECT_QUERY &&
	    proxy_put(out, max, &used, "%.*s\r\n", (int)linelen, line) == -1)
		return -1;
	if (proxy_put(out, max, &used, "\r\n") == -1)
		return -1;
	*outlen = used;
	return 0;
}

/* A connection upstream, reusing the tunnel's when it is still open. */
static int
proxy_upstream(struct preq *r, struct io *up, SSL **upssl)
{
	struct pconn	*pc = r->pc;
	char		 addr[128], why[256];
	int		 fd, one = 1;
	SSL		*ssl;

	if (up->fd != -1)
		return 0;
	if ((fd = upstream_dial(pc, pc->host, pc->port, addr, sizeof(addr),
	    why, sizeof(why))) < 0)
		return proxy_refuse(r, fd == -2 ? 403 : 502, fd == -2 ?
		    "aileron:blocked-address" : fd == -3 ?
		    "aileron:upstream-proxy" : "aileron:upstream", "%s", why);
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if ((ssl = tls_upstream(pc, fd, pc->host, why, sizeof(why))) == NULL) {
		close(fd);
		return proxy_refuse(r, 502, "aileron:upstream-tls", "%s", why);
	}
	io_init(up, fd, ssl);
	*upssl = ssl;
	pc->ticket_saved = 0;
	return 0;
}

/*
 * May the request be sent again, should a kept-alive upstream connection
 * close before a byte of the answer?  The upstream may have run it.  Only
 * when its body is whole in hand, and running it twice is running it
 * once: its action says idempotent (with no action, a safe method); never
 * a request a human granted, once.
 */
static int
proxy_replayable(const struct preq *r)
{
	const char	*m = r->req->method;

	if (r->approval.id[0] != '\0')
		return 0;
	if (r->body == NULL && (r->req->content_length > 0 ||
	    r->req->chunked))
		return 0;
	if (r->act != NULL)
		return r->act->idempotent;
	return strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0 ||
	    strcmp(m, "OPTIONS") == 0;
}

/*
 * One request of the tunnel, head read.  0 when the connection may carry
 * another, -1 when it must close.
 */
static int
proxy_request(struct pconn *pc, struct http_intake *in, char *buf,
    size_t *off, size_t *len, struct io *up, SSL **upssl)
{
	struct preq			 r;
	struct match_result		 res;
	struct msg_control_policy	 pol;
	struct msg_control_decision	 dec;
	struct msg			 reply;
	static char			 head[PROXY_HEAD_OUT];
	static char			 polbuf[sizeof(pol) +
					    MSG_APPROVAL_SUMMARY_MAX];
	const struct http_request	*req = http_intake_request(in);
	const char			*name;
	size_t				 headlen = 0, polen;
	int				 rv = -1, keep = 0, n;
	int				 replay, reused, attempt, audited;
	struct timespec			 t;
	char				 why[512];

	memset(&r, 0, sizeof(r));
	memset(&res, 0, sizeof(res));
	r.pc = pc;
	r.req = req;
	r.in = in;
	r.up = up;
	clock_gettime(CLOCK_MONOTONIC, &r.start);

	/*
	 * Actions are told apart by their body (GraphQL's operation), so a
	 * small body is read before the match.  One sent with Expect:
	 * 100-continue waits for the decision: it is matched by its head.
	 */
	if (!req->expect_continue && req->content_length > 0 &&
	    req->content_length <= MATCH_BODY_MAX && !req->chunked) {
		if ((r.body = malloc(req->content_length)) == NULL)
			fatal("%s", __func__);
		if (proxy_body_read(&r, in, buf, off, len,
		    proxy_body_keep) == -1) {
			if (r.status != 0)
				proxy_refuse(&r, r.status,
				    "aileron:bad-request", "%s", r.reason);
			goto done;
		}
	}

	/* The action, when the host is a connector's. */
	if (pc->spec != NULL) {
		/*
		 * A GET's or HEAD's body means nothing (a spec cannot give
		 * one) and an upstream may not read it: it would be the
		 * start of a request no decision saw (proxy_up_reusable).
		 */
		if ((req->content_length > 0 || req->chunked) &&
		    (strcmp(req->method, "GET") == 0 ||
		    strcmp(req->method, "HEAD") == 0)) {
			proxy_refuse(&r, 400, "aileron:bad-request", "a %s "
			    "request to a connector carries no body",
			    req->method);
			goto done;
		}
		if ((name = proxy_override(req)) != NULL) {
			proxy_refuse(&r, 400, "aileron:bad-request", "%s: the "
			    "action is chosen by the request line, and a field "
			    "that changes the method or path upstream is "
			    "refused", name);
			goto done;
		}
		if (proxy_match(&r, &res) == -1)
			goto done;
		r.action = res.action->name;
		r.act = res.action;
		if (req->upgrade && !res.action->websocket) {
			proxy_refuse(&r, 403, "aileron:denied",
			    "%s.%s is not a WebSocket path",
			    pc->spec->connector, res.action->name);
			goto done;
		}

		/* Control decides. */
		clock_gettime(CLOCK_MONOTONIC, &t);
		memset(&pol, 0, sizeof(pol));
		pol.approval = res.action->approval != APPROVAL_NEVER;
		strlcpy(pol.connector, pc->spec->connector,
		    sizeof(pol.connector));
		strlcpy(pol.action, res.action->name, sizeof(pol.action));
		strlcpy(pol.host, pc->host, sizeof(pol.host));
		strlcpy(pol.method, req->method, sizeof(pol.method));
		/* For the decision's record: the path, never the query. */
		n = strcspn(req->target, "?");
		snprintf(pol.path, sizeof(pol.path), "%.*s", n, req->target);
		/* With the arguments, redacted, for the decision's record. */
		memcpy(polbuf, &pol, sizeof(pol));
		polen = sizeof(pol);
		if (approval_summary(pc->spec, res.action, res.args, 0,
		    res.args_incomplete, polbuf + polen,
		    sizeof(polbuf) - polen) == 0)
			polen += strlen(polbuf + polen);
		if (call(pc, &pc->control, MSG_CONTROL_POLICY, polbuf, polen,
		    MSG_CONTROL_POLICY_REPLY, &reply) == -1 ||
		    reply.len != sizeof(dec)) {
			proxy_refuse(&r, 503, "aileron:denied",
			    "no decision from control");
			goto done;
		}
		memcpy(&dec, reply.data, sizeof(dec));
		dec.reason[sizeof(dec.reason) - 1] = '\0';
		r.decision_seq = dec.seq;
		r.policy_ms = conn_ms(&t);
		if (dec.verdict == MSG_CONTROL_APPROVE &&
		    proxy_approval(&r, &res, in, buf, off, len) == -1)
			goto done;
		/* Budgets (issue 14): 429, and which budget (budget.c). */
		if (dec.verdict == MSG_CONTROL_DENY &&
		    strcmp(dec.reason, "aileron:budget") == 0) {
			r.ext = budget_why(pc, why, sizeof(why));
			proxy_refuse(&r, 429, "aileron:budget", "%s.%s: %s",
			    pc->spec->connector, res.action->name, why);
			goto done;
		}
		/* aileron:audit: the decision could not be put on disk. */
		if (dec.verdict != MSG_CONTROL_ALLOW &&
		    dec.verdict != MSG_CONTROL_APPROVE) {
			audited = strcmp(dec.reason, "aileron:audit") != 0;
			proxy_refuse(&r, audited ? 403 : 503,
			    dec.reason[0] != '\0' ? dec.reason :
			    "aileron:denied", "%s.%s: %s",
			    pc->spec->connector, res.action->name,
			    !audited ? "its decision could not be recorded" :
			    dec.verdict == MSG_CONTROL_APPROVE ?
			    "needs a human's approval" : "denied by policy");
			goto done;
		}

		/* vaultd gives the line to inject, once a connection. */
		if (pc->linelen == 0 && proxy_credential(&r) == -1)
			goto done;
	}
	if (pc->mask == NULL && (pc->mask = mask_new()) == NULL)
		fatalx("%s: out of memory", __func__);
	r.mask = pc->mask;
	r.masked = mask_count(pc->mask);

	/* Decided: only now may the agent send a body it held back. */
	if (req->expect_continue && !r.continued && io_write(&pc->agent,
	    "HTTP/1.1 100 Continue\r\n\r\n", 25, PROXY_IO_MS) != 0)
		goto done;

	r.up_chunked = req->chunked;
	headlen = sizeof(head);
	if (proxy_head_up(&r, pc->linelen > 0 ? proxy_line : NULL,
	    pc->linelen, head, &headlen) == -1) {
		proxy_refuse(&r, 400, "aileron:bad-request",
		    "the request does not fit the upstream head");
		goto done;
	}
	clock_gettime(CLOCK_MONOTONIC, &t);
	/*
	 * A kept-alive upstream may have closed meanwhile: a request that may
	 * run twice is sent once more on a new connection when the old one
	 * ends before a byte of the answer.  One that may not goes on a
	 * connection that looks alive, a granted one on a new connection: a
	 * grant is for one execution, after a wait the old one may not have
	 * outlived.
	 */
	replay = proxy_replayable(&r);
	if (!replay && up->fd != -1 && (r.approval.id[0] != '\0' ||
	    io_pending(up) || io_poll(up->fd, POLLIN | POLLRDHUP, 0) != 0)) {
		io_shutdown(up);
		io_close(up);
		*upssl = NULL;
	}
	for (attempt = 0;; attempt++) {
		reused = up->fd != -1;
		if (proxy_upstream(&r, up, upssl) == -1)
			goto done;
		if (io_write(up, head, headlen, pc->upstream_ms) != 0) {
			io_close(up);
			*upssl = NULL;
			if (reused && attempt == 0)
				continue;
			proxy_refuse(&r, 502, "aileron:upstream",
			    "%s: cannot write the request", pc->host);
			goto done;
		}
		if (r.body != NULL)
			proxy_body_up(&r, r.body, r.bodylen);
		else if (req->content_length > 0 || req->chunked) {
			if (proxy_body_read(&r, in, buf, off, len,
			    proxy_body_up) == -1) {
				/*
				 * Bad framing mid-body: the upstream has a
				 * truncated request and its connection closes
				 * with ours; the agent, which has no answer
				 * yet, gets the reason.
				 */
				if (r.status != 0)
					proxy_refuse(&r, r.status,
					    "aileron:bad-request", "%s",
					    r.reason);
				goto done;
			}
		}
		if (r.up_chunked && !r.failed &&
		    io_hold(up, "0\r\n\r\n", 5, pc->upstream_ms) != 0)
			r.failed = 1;
		if (!r.failed && io_release(up, pc->upstream_ms) != 0)
			r.failed = 1;
		if (r.failed) {
			proxy_refuse(&r, 502, "aileron:upstream",
			    "%s: the request body could not be sent", pc->host);
			goto done;
		}
		r.early = buf + *off;
		r.earlylen = *len;
		n = proxy_response(&r, *upssl, &keep,
		    reused && attempt == 0 && replay);
		if (n == PROXY_REPLAY) {
			log_debug("%s: the kept-alive upstream connection "
			    "closed; sending the request again", pc->host);
			io_close(up);
			*upssl = NULL;
			r.up_bytes = 0;
			continue;
		}
		if (n == 0)
			rv = 0;
		break;
	}
	r.upstream_ms = conn_ms(&t);
	if (!keep) {
		io_shutdown(up);
		io_close(up);
		*upssl = NULL;
	}
done:
	if (r.keep)
		rv = 0;
	/* It held the credential. */
	explicit_bzero(head, headlen);
	if (!r.audited)
		proxy_audit(&r);
	match_result_clear(&res);
	free(r.body);
	json_decref(r.ext);
	json_decref(r.shown);
	return rv;
}

/*
 * Where the action's spec says an LLM API reports its token counts, as
 * the counter reads them; 0 when it says nothing.  A stream event the
 * spec leaves unnamed is an SSE event without a name.
 */
static int
proxy_usage_spec(const struct spec_action *a, struct usage_spec *us)
{
	const struct spec_usage_event	*e;
	size_t				 i, k;

	memset(us, 0, sizeof(*us));
	if (a == NULL || (a->usage_input == NULL && a->usage_output == NULL &&
	    a->nusage_events == 0))
		return 0;
	us->input_has_cache = a->usage_input_has_cache;
	if (a->usage_input != NULL)
		strlcpy(us->body.ptr[USAGE_INPUT], a->usage_input,
		    USAGE_PTR_MAX);
	if (a->usage_output != NULL)
		strlcpy(us->body.ptr[USAGE_OUTPUT], a->usage_output,
		    USAGE_PTR_MAX);
	/* spec_usage_more's order is the slots' after USAGE_OUTPUT. */
	for (k = 0; k < SPEC_USAGE_MORE; k++)
		if (a->usage_more[k] != NULL)
			strlcpy(us->body.ptr[USAGE_CACHE_WRITE + k],
			    a->usage_more[k], USAGE_PTR_MAX);
	for (i = 0; i < a->nusage_events && i < USAGE_SETS_MAX; i++) {
		e = &a->usage_events[i];
		if (e->event != NULL)
			strlcpy(us->stream[i].event, e->event,
			    sizeof(us->stream[i].event));
		us->stream[i].cumulative = e->cumulative;
		if (e->input != NULL)
			strlcpy(us->stream[i].ptr[USAGE_INPUT], e->input,
			    USAGE_PTR_MAX);
		if (e->output != NULL)
			strlcpy(us->stream[i].ptr[USAGE_OUTPUT], e->output,
			    USAGE_PTR_MAX);
		for (k = 0; k < SPEC_USAGE_MORE; k++)
			if (e->more[k] != NULL)
				strlcpy(us->stream[i].ptr[USAGE_CACHE_WRITE +
				    k], e->more[k], USAGE_PTR_MAX);
		us->nstream++;
	}
	return 1;
}

/*
 * May the upstream connection carry the next request, after this one's
 * answer?  An upstream that answers without reading a body takes the body
 * for its next request, and our next head, the credential in it, for that
 * request's body (a "CL.0" desync: the agent chose the body, so the
 * credential would land wherever the agent's smuggled request stores
 * it).  After a request that sent a body, then, only when its action
 * declares one, which the upstream parses, and the answer is a success;
 * else the next request dials afresh (its session resumed).
 */
static int
proxy_up_reusable(const struct preq *r, const struct http_response *resp)
{
	/* No connector, no credential in any head (intercept all). */
	if (r->pc->spec == NULL || (r->up_bytes == 0 && !r->up_chunked))
		return 1;
	return r->act != NULL && r->act->body != BODY_NONE &&
	    resp->status >= 200 && resp->status < 300;
}

/* Body bytes for the agent, decoded: counted, masked, framed, written. */
static void
proxy_down_masked(struct preq *r, const char *p, size_t n)
{
	static char	 out[PROXY_MASK_OUT];
	char		 chunk[24];
	size_t		 m, take;
	int		 k;

	while (n > 0 && !r->agent_failed) {
		take = n > PROXY_BUF ? PROXY_BUF : n;
		m = mask_feed(r->mask, p, take, out, sizeof(out));
		p += take;
		n -= take;
		if (m == 0)
			continue;
		/*
		 * Counted from what the agent gets, not what the upstream
		 * sent: the model the scanner keeps goes to the audit, the
		 * usage store and /metrics, and an upstream that echoes the
		 * credential into it must find it masked there too.
		 */
		if (r->usage != NULL)
			usage_scan_feed(r->usage, out, m);
		/* Held: written when the upstream is next waited for. */
		if (r->down_chunked) {
			k = snprintf(chunk, sizeof(chunk), "%zx\r\n", m);
			if (io_hold(&r->pc->agent, chunk, k, PROXY_IO_MS) != 0)
				r->agent_failed = 1;
		}
		if (!r->agent_failed &&
		    io_hold(&r->pc->agent, out, m, PROXY_IO_MS) != 0)
			r->agent_failed = 1;
		if (r->down_chunked && !r->agent_failed &&
		    io_hold(&r->pc->agent, "\r\n", 2, PROXY_IO_MS) != 0)
			r->agent_failed = 1;
		r->down_bytes += m;
	}
}

static void
proxy_down_inflated(void *arg, const char *p, size_t n)
{
	proxy_down_masked(arg, p, n);
}

/* The reader's body callback: decode if needed, then mask. */
static void
proxy_down(void *arg, const char *p, size_t n)
{
	struct preq	*r = arg;

	if (r->inf != NULL) {
		if (inflate_feed(r->inf, p, n, proxy_down_inflated, r) == -1)
			r->failed = 1;
	} else
		proxy_down_masked(r, p, n);
}

/*
 * The response's content coding: its Content-Encoding fields are one
 * list (RFC 9110 8.4), which must be empty, identity, or one coding the
 * worker inflates; else INFLATE_UNSCANNABLE.  Two codings are refused
 * even when one is identity, which is simpler than asking which order
 * undoes them (gzip then identity, read as identity, once let a gzip'd
 * echo through).  list gets the fields' values, joined, for the
 * refusal: room for them all (HTTP_HEAD_MAX), so that the masker run
 * over it sees each whole.
 */
static int
proxy_coding(const struct http_response *resp, char *list, size_t listlen)
{
	const char	*p, *e, *v;
	char		 one[16];
	size_t		 i, len, n = 0;
	int		 coding = INFLATE_IDENTITY;

	list[0] = '\0';
	for (i = 0; i < resp->nfield; i++) {
		if (strcasecmp(resp->field[i].name, "Content-Encoding") != 0)
			continue;
		v = resp->field[i].value;
		if (list[0] != '\0')
			strlcat(list, ", ", listlen);
		strlcat(list, v, listlen);
		for (p = v; *p != '\0'; p = *e == ',' ? e + 1 : e) {
			e = p + strcspn(p, ",");
			while (p < e && (*p == ' ' || *p == '\t'))
				p++;
			for (len = e - p; len > 0 && (p[len - 1] == ' ' ||
			    p[len - 1] == '\t'); len--)
				;
			/* RFC 9110 5.6.1: empty elements do not count. */
			if (len == 0)
				continue;
			n++;
			if (len < sizeof(one)) {
				memcpy(one, p, len);
				one[len] = '\0';
				coding = inflate_coding(one);
			} else
				coding = INFLATE_UNSCANNABLE;
		}
	}
	/* One inflater undoes one coding. */
	return n > 1 ? INFLATE_UNSCANNABLE : coding;
}

/*
 * A part of a representation: a 206, or a multipart/byteranges body
 * whatever its status.  Its pieces may each hold a piece of the
 * credential.
 */
static int
proxy_part(const struct http_response *resp)
{
	size_t	 i;

	if (resp->status == 206)
		return 1;
	for (i = 0; i < resp->nfield; i++)
		if (strcasecmp(resp->field[i].name, "Content-Type") == 0 &&
		    strncasecmp(resp->field[i].value, "multipart/byteranges",
		    20) == 0)
			return 1;
	return 0;
}

/*
 * Read the upstream's response and stream it to the agent.  0 when the
 * agent's connection may carry another request; *keep when the upstream
 * connection may.  With replay, an upstream that closes before a byte of
 * the answer gets PROXY_REPLAY and nothing is sent to the agent.
 */
static int
proxy_response(struct preq *r, SSL *upssl, int *keep, int replay)
{
	struct pconn			*pc = r->pc;
	struct http_reader		*rd;
	const struct http_response	*resp;
	static char			 ubuf[PROXY_BUF];
	static char			 head[PROXY_HEAD_OUT];
	static char			 codings[HTTP_HEAD_MAX];
	static char			 out[PROXY_MASK_OUT];
	static struct usage_spec	 usagespec;
	const char			*reason, *ct;
	size_t				 uoff = 0, ulen = 0, used = 0, i, m;
	ssize_t				 n;
	struct timespec			 start;
	int				 err, coding = 0, upclose = 0, k;
	int				 left, rv = -1, got = 0;

	*keep = 0;
	clock_gettime(CLOCK_MONOTONIC, &start);
	if ((rd = http_reader_new()) == NULL)
		fatalx("%s: out of memory", __func__);
	http_reader_start(rd, strcmp(r->req->method, "HEAD") == 0);

	/* The head; a 1xx is ours to swallow (we sent 100 ourselves). */
	for (;;) {
		if (ulen == 0) {
			if ((left = pc->upstream_ms - (int)conn_ms(&start)) <=
			    0)
				left = 0;
			n = left == 0 ? IO_TIMEOUT :
			    io_read(r->up, ubuf, sizeof(ubuf), left);
			if (n == IO_TIMEOUT) {
				proxy_refuse(r, 504, "aileron:upstream",
				    "%s: no response within %d s", pc->host,
				    pc->upstream_ms / 1000);
				goto done;
			}
			if (n <= 0 && replay && !got) {
				rv = PROXY_REPLAY;
				goto done;
			}
			if (n <= 0 && !got) {
				proxy_refuse(r, 502, "aileron:upstream-closed",
				    "%s closed the connection before it "
				    "answered: the request may or may not have "
				    "run, and was not sent again", pc->host);
				goto done;
			}
			if (n <= 0) {
				proxy_refuse(r, 502, "aileron:upstream",
				    "%s: closed without a response",
				    pc->host);
				goto done;
			}
			got = 1;
			uoff = 0;
			ulen = n;
		}
		if ((n = http_reader_feed(rd, ubuf + uoff, ulen, &err,
		    &reason)) < 0) {
			proxy_refuse(r, 502, "aileron:upstream", "%s: %s",
			    pc->host, reason);
			goto done;
		}
		uoff += n;
		ulen -= n;
		if (http_reader_state(rd) == HTTP_HEAD)
			continue;
		resp = http_reader_response(rd);
		if (resp->status >= 100 && resp->status < 200 &&
		    resp->status != 101) {
			/* back to the head, for the final one */
			http_reader_body(rd, proxy_down, r);
			continue;
		}
		break;
	}

	/* A 101 only to an upgrade the worker checked, and checked again. */
	if (resp->status == 101 && (!r->req->upgrade ||
	    ws_accept_check(r->req, resp, &reason) == -1)) {
		proxy_refuse(r, 502, "aileron:upstream", "%s: %s", pc->host,
		    r->req->upgrade ? reason : "101 to a plain request");
		goto done;
	}

	/* The head for the agent. */
	for (i = 0; i < resp->nfield; i++)
		if (strcasecmp(resp->field[i].name, "Connection") == 0 &&
		    strcasestr(resp->field[i].value, "close") != NULL)
			upclose = 1;
	if (pc->spec != NULL && proxy_part(resp)) {
		proxy_refuse(r, 502, "aileron:unscannable",
		    "%s answered %s, a part of a response, which the proxy "
		    "cannot check for the credential", pc->host,
		    resp->status == 206 ? "206 Partial Content" :
		    "multipart/byteranges");
		goto done;
	}
	if (pc->spec != NULL && !resp->nobody &&
	    (coding = proxy_coding(resp, codings, sizeof(codings))) == -1) {
		/* The upstream's bytes, for the agent and the audit. */
		(void)mask_line(r->mask, codings, strlen(codings));
		proxy_refuse(r, 502, "aileron:unscannable",
		    "%s answered with Content-Encoding %.200s, which the proxy "
		    "cannot check for the credential", pc->host, codings);
		goto done;
	}
	if (coding > 0 && (r->inf = inflate_new(coding == 1)) == NULL)
		fatalx("%s: out of memory", __func__);
	if (!resp->nobody && proxy_usage_spec(r->act, &usagespec)) {
		ct = http_response_get(resp, "Content-Type");
		if ((r->usage = usage_scan_new(&usagespec, ct != NULL &&
		    strncasecmp(ct, "text/event-stream", 17) == 0)) == NULL)
			fatalx("%s: out of memory", __func__);
	}
	r->status = resp->status;
	r->down_chunked = !resp->nobody &&
	    (r->inf != NULL || resp->content_length < 0);
	/*
	 * Our reason phrase, never the upstream's: it is free text, and may
	 * quote the request ("401 Invalid credentials: Bearer ...").
	 */
	k = snprintf(head, sizeof(head), "HTTP/1.1 %d %s\r\n", resp->status,
	    problem_title(resp->status));
	used = k;
	for (i = 0; i < resp->nfield; i++) {
		const char *name = resp->field[i].name;

		/*
		 * What is dropped is decided on the upstream's name, before it
		 * is masked: a framing field goes even when the credential
		 * shows in its name, and a masked name holds '*', which no
		 * name dropped here or written below does.
		 */
		if (http_field_hop(NULL, name) ||
		    strcasecmp(name, "Content-Length") == 0 ||
		    (r->inf != NULL &&
		    strcasecmp(name, "Content-Encoding") == 0) ||
		    (pc->spec != NULL && (strcasecmp(name, "Set-Cookie") == 0 ||
		    strcasecmp(name, "Set-Cookie2") == 0)))
			continue;
		k = snprintf(head + used, sizeof(head) - used, "%s: %s\r\n",
		    name, resp->field[i].value);
		if (k < 0 || (size_t)k >= sizeof(head) - used) {
			proxy_refuse(r, 502, "aileron:upstream",
			    "%s: response head too large", pc->host);
			goto done;
		}
		/*
		 * The line as the agent reads it, its name too ("X-Seen-<the
		 * credential>: 1"): '*' is a tchar, so a masked name is still
		 * a name, and the lengths stay.
		 */
		(void)mask_line(r->mask, head + used, k - 2);
		used += k;
	}
	if (resp->status == 101)
		k = snprintf(head + used, sizeof(head) - used,
		    "Connection: Upgrade\r\nUpgrade: websocket\r\n\r\n");
	else if (r->down_chunked)
		k = snprintf(head + used, sizeof(head) - used,
		    "Transfer-Encoding: chunked\r\n\r\n");
	else if (resp->content_length >= 0 &&
	    (resp->status != 204 && resp->status != 304))
		k = snprintf(head + used, sizeof(head) - used,
		    "Content-Length: %lld\r\n\r\n", resp->content_length);
	else
		k = snprintf(head + used, sizeof(head) - used, "\r\n");
	if (k < 0 || (size_t)k >= sizeof(head) - used) {
		proxy_refuse(r, 502, "aileron:upstream",
		    "%s: response head too large", pc->host);
		goto done;
	}
	used += k;
	/* The head goes with the first of the body, as one record. */
	if (io_hold(&pc->agent, head, used, PROXY_IO_MS) != 0)
		goto done;
	if (resp->status == 101) {
		if (io_release(&pc->agent, PROXY_IO_MS) != 0)
			goto done;
		/*
		 * Both legs to the relay; the connection ends with it.  The
		 * upgrade's record goes now, not when the socket closes,
		 * hours later: control checks its approval against its own.
		 */
		proxy_audit(r);
		r->audited = 1;
		call_audit_flush(pc);
		ws_relay(pc, r->up, r->early, r->earlylen, ubuf + uoff, ulen,
		    r->mask, r->action);
		goto done;
	}

	/* The body, as it arrives: an SSE event is not held for the next. */
	http_reader_body(rd, proxy_down, r);
	while (http_reader_state(rd) != HTTP_DONE) {
		if (ulen == 0) {
			if ((left = pc->upstream_ms - (int)conn_ms(&start)) <=
			    0)
				left = 0;
			/* What came so far reaches the agent before we wait. */
			n = left == 0 ? IO_TIMEOUT :
			    io_read_after(r->up, ubuf, sizeof(ubuf), left,
			    &pc->agent, PROXY_IO_MS);
			if (n == IO_OWED)
				r->agent_failed = 1;
			if (n == 0) {
				if (http_reader_eof(rd) == -1)
					goto cut;
				break;
			}
			if (n < 0)
				goto cut;
			uoff = 0;
			ulen = n;
		}
		if ((n = http_reader_feed(rd, ubuf + uoff, ulen, &err,
		    &reason)) < 0)
			goto cut;
		uoff += n;
		ulen -= n;
		if (r->failed || r->agent_failed)
			goto cut;
	}
	if (r->inf != NULL && inflate_end(r->inf) == -1)
		goto cut;
	m = mask_flush(r->mask, out, sizeof(out));
	if (r->usage != NULL) {
		usage_scan_feed(r->usage, out, m);
		usage_scan_end(r->usage, &r->tokens);
		usage_normalise(&usagespec, &r->tokens);
		r->counted = 1;
	}
	if (m > 0) {
		/* Released by the flush: through the same framing. */
		if (r->down_chunked) {
			k = snprintf(head, sizeof(head), "%zx\r\n", m);
			if (io_hold(&pc->agent, head, k, PROXY_IO_MS) != 0 ||
			    io_hold(&pc->agent, out, m, PROXY_IO_MS) != 0 ||
			    io_hold(&pc->agent, "\r\n", 2, PROXY_IO_MS) != 0)
				goto done;
		} else if (io_hold(&pc->agent, out, m, PROXY_IO_MS) != 0)
			goto done;
		r->down_bytes += m;
	}
	if (r->down_chunked &&
	    io_hold(&pc->agent, "0\r\n\r\n", 5, PROXY_IO_MS) != 0)
		goto done;
	if (io_release(&pc->agent, PROXY_IO_MS) != 0)
		goto done;
	/* Once a connection: its tickets came with the first answer. */
	if (upssl != NULL && !pc->ticket_saved) {
		tls_upstream_save(pc, upssl, pc->host);
		pc->ticket_saved = 1;
	}
	*keep = !upclose && !resp->close_delimited && ulen == 0 &&
	    resp->keepalive && proxy_up_reusable(r, resp);
	rv = 0;
	goto done;
cut:
	/* The head is gone: all we can do is end the connection. */
	snprintf(r->reason, sizeof(r->reason), "%.200s: response cut: %s",
	    pc->host, r->agent_failed ? "the agent went away" :
	    "the upstream broke off, dribbled or sent bad framing");
	log_info("%s: %s", pc->peer, r->reason);
done:
	/* On the way out, what is still held: a cut answer's head. */
	(void)io_release(&pc->agent, PROXY_IO_MS);
	if (r->inf != NULL) {
		inflate_free(r->inf);
		r->inf = NULL;
	}
	if (r->usage != NULL) {
		usage_scan_free(r->usage);
		r->usage = NULL;
	}
	http_reader_free(rd);
	return rv;
}

/* The counts read, as the audit record holds them. */
static json_t *
proxy_tokens(const struct usage *u)
{
	json_t	*t;
	int	 s;

	if ((t = json_object()) == NULL)
		return NULL;
	for (s = 0; s < USAGE_MODEL; s++)
		if (u->seen[s])
			json_object_set_new(t, usage_slot_name(s),
			    json_integer(u->count[s]));
	if (u->seen[USAGE_MODEL])
		json_object_set_new(t, "model", json_string(u->model));
	return t;
}

static void
proxy_audit(struct preq *r)
{
	static struct usage_spec	 us;
	json_t	*rec;
	char	 path[1024];
	size_t	 n;

	n = strcspn(r->req->target, "?");
	if (n >= sizeof(path))
		n = sizeof(path) - 1;
	memcpy(path, r->req->target, n);
	path[n] = '\0';
	rec = json_pack("{s:s, s:s, s:s, s:s, s:i, s:I, s:I, s:I, s:I, s:I}",
	    "event", "request", "host", r->pc->host, "method",
	    r->req->method, "path", path, "status", r->status,
	    "bytes_up", (json_int_t)r->up_bytes,
	    "bytes_down", (json_int_t)r->down_bytes,
	    "policy_ms", (json_int_t)r->policy_ms,
	    "upstream_ms", (json_int_t)r->upstream_ms,
	    "duration_ms", (json_int_t)conn_ms(&r->start));
	if (rec == NULL)
		return;
	if (r->pc->spec != NULL)
		json_object_set_new(rec, "connector",
		    json_string(r->pc->spec->connector));
	if (r->action != NULL)
		json_object_set_new(rec, "action", json_string(r->action));
	if (strchr(r->req->target, '?') != NULL)
		json_object_set_new(rec, "query", json_string("redacted"));
	if (r->type != NULL)
		json_object_set_new(rec, "type", json_string(r->type));
	if (r->reason[0] != '\0')
		json_object_set_new(rec, "reason", json_string(r->reason));
	/* The arguments the human saw (the decision's saw fewer). */
	if (r->shown != NULL)
		json_object_set(rec, "arguments", r->shown);
	/* Approvals (issue 11, section 3): who decided, and how fast. */
	if (r->approval.id[0] != '\0') {
		json_object_set_new(rec, "approval",
		    json_string(r->approval.id));
		json_object_set_new(rec, "decision",
		    json_string(msg_approval_state_name(r->approval.state)));
		if (r->approval.approver[0] != '\0')
			json_object_set_new(rec, "approver",
			    json_string(r->approval.approver));
		json_object_set_new(rec, "approval_ms",
		    json_integer(r->approval.latency_ms));
	}
	if (r->mask != NULL && mask_count(r->mask) > r->masked)
		json_object_set_new(rec, "masked",
		    json_integer(mask_count(r->mask) - r->masked));
	/* An LLM's token counts, or "unknown": never a guess. */
	if (r->counted && r->tokens.known)
		json_object_set_new(rec, "tokens", proxy_tokens(&r->tokens));
	else if (proxy_usage_spec(r->act, &us) && r->status != 0)
		json_object_set_new(rec, "tokens", json_string("unknown"));
	/* The outcome completes the decision control recorded. */
	if (r->decision_seq != 0)
		json_object_set_new(rec, "decision_seq",
		    json_integer(r->decision_seq));
	call_audit(r->pc, rec);
}
