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
 * api_audit.c: the audit log's part of the management API:
 *
 *	GET /v1/audit?since=&until=&user=&action=&session=&after=&limit=
 *				-> 200 {"records":[...], "next":N}
 *	GET /v1/audit/verify	-> 200 {"ok":..., "records":..., ...}
 *	GET /v1/audit/export	-> 200 JSON lines: the records as sealed
 *				(same parameters; no limit: all of them)
 *	POST /v1/backup		-> 200 {"dir":"backup-..."} (see aileron(1))
 *
 * Control reads the log and decides what the caller (the uid from
 * SO_PEERCRED) may see; this worker parses the request, pages through
 * control's answers and writes the reply.  Times are RFC 3339 or an age
 * (30s, 15m, 1h, 2d: that long ago).
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <http_parser.h>
#include <jansson.h>

#include "log.h"
#include "msg.h"
#include "msgtypes.h"
#include "control/audit.h"
#include "worker/api.h"
#include "worker/api_audit.h"
#include "worker/proxy.h"
#include "worker/worker.h"

#define API_AUDIT_LIMIT		1000	/* records a query returns */
#define API_AUDIT_LIMIT_MAX	10000

static int	api_audit_params(char *, struct msg_control_audit_query *,
		    const char **);
static int	api_audit_call(struct worker_ctx *, struct chan *,
		    struct msg_control_audit_query *,
		    struct msg_control_audit_reply *, const char **,
		    size_t *);
static int	api_audit_failed(int, const struct msg_control_audit_reply *);
static int	api_audit_query(struct worker_ctx *, int,
		    struct msg_control_audit_query *);
static int	api_audit_export(struct worker_ctx *, int,
		    struct msg_control_audit_query *);
static int	api_audit_simple(struct worker_ctx *, int,
		    struct msg_control_audit_query *);
static int	api_audit_write(int, const char *, size_t);

/* Percent-decoding, in place; -1 on a bad escape or a NUL. */
int
api_audit_decode(char *s)
{
	char	*o = s;
	int	 hi, lo;

	for (; *s != '\0'; s++) {
		if (*s == '+')
			*o++ = ' ';
		else if (*s != '%')
			*o++ = *s;
		else {
			if ((hi = s[1]) == '\0' || (lo = s[2]) == '\0')
				return -1;
			hi = hi >= '0' && hi <= '9' ? hi - '0' : (hi | 0x20) >=
			    'a' && (hi | 0x20) <= 'f' ? (hi | 0x20) - 'a' + 10 :
			    -1;
			lo = lo >= '0' && lo <= '9' ? lo - '0' : (lo | 0x20) >=
			    'a' && (lo | 0x20) <= 'f' ? (lo | 0x20) - 'a' + 10 :
			    -1;
			if (hi == -1 || lo == -1 || (hi == 0 && lo == 0))
				return -1;
			*o++ = hi << 4 | lo;
			s += 2;
		}
	}
	*o = '\0';
	return 0;
}

/*
 * The next parameter of a query string (advanced in *qs), decoded in
 * place: the index of its name in names (NULL-ended) with *value, -1 at
 * the end, -2 with *why when it has no value, a bad escape, a name not
 * in names (*why is then use) or a name given before (seen, a bit each).
 */
int
api_query_next(char **qs, const char *const names[], unsigned int *seen,
    char **value, const char *use, const char **why)
{
	char	*p, *v;
	int	 i;

	while ((p = strsep(qs, "&")) != NULL && *p == '\0')
		;
	if (p == NULL)
		return -1;
	if ((v = strchr(p, '=')) == NULL) {
		*why = "a query parameter without a value";
		return -2;
	}
	*v++ = '\0';
	if (api_audit_decode(v) == -1) {
		*why = "a query parameter badly encoded";
		return -2;
	}
	for (i = 0; names[i] != NULL && strcmp(p, names[i]) != 0; i++)
		;
	if (names[i] == NULL) {
		*why = use;
		return -2;
	}
	if (*seen & (1U << i)) {
		*why = "a query parameter given twice";
		return -2;
	}
	*seen |= 1U << i;
	*value = v;
	return i;
}

/*
 * The query string into q: each parameter at most once, none unknown.
 * -1 with *why for the caller.
 */
static int
api_audit_params(char *qs, struct msg_control_audit_query *q,
    const char **why)
{
	static const char *const names[] = { "since", "until", "user",
			    "action", "session", "after", "limit", NULL };
	struct timespec	 now;
	const char	*errstr;
	char		*v, *dst;
	size_t		 dlen;
	int64_t		 nowms, ms;
	unsigned int	 seen = 0, bit;
	int		 i;

	clock_gettime(CLOCK_REALTIME, &now);
	nowms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
	while ((i = api_query_next(&qs, names, &seen, &v, "unknown query "
	    "parameter; use since, until, user, action, session, after and "
	    "limit", why)) != -1) {
		if (i == -2)
			return -1;
		bit = 1U << i;
		switch (bit) {
		case 1:
		case 2:
			if (control_audit_parse_time(v, nowms, &ms) == -1) {
				*why = "since and until are RFC 3339 times or "
				    "ages (30s, 15m, 1h, 2d)";
				return -1;
			}
			if (bit == 1)
				q->since_ms = ms;
			else
				q->until_ms = ms;
			break;
		case 4:
		case 8:
		case 16:
			dst = bit == 4 ? q->user : bit == 8 ? q->action :
			    q->session;
			dlen = bit == 4 ? sizeof(q->user) : bit == 8 ?
			    sizeof(q->action) : sizeof(q->session);
			if (*v == '\0' || strlcpy(dst, v, dlen) >= dlen) {
				*why = "user, action or session too long or "
				    "empty";
				return -1;
			}
			break;
		case 32:
			q->after = strtonum(v, 0, INT64_MAX, &errstr);
			if (errstr != NULL) {
				*why = "after is a record's number";
				return -1;
			}
			break;
		case 64:
			q->limit = strtonum(v, 1, API_AUDIT_LIMIT_MAX,
			    &errstr);
			if (errstr != NULL) {
				*why = "limit is a number from 1 to 10000";
				return -1;
			}
			break;
		}
	}
	return 0;
}

/* One call; *text and *len are the reply's text, valid until the next. */
static int
api_audit_call(struct worker_ctx *ctx, struct chan *c,
    struct msg_control_audit_query *q, struct msg_control_audit_reply *r,
    const char **text, size_t *len)
{
	static uint8_t	 buf[MSG_MAXPAYLOAD];
	static uint32_t	 reqid;
	size_t		 got;

	(void)ctx;
	if (api_call(c, ++reqid, MSG_CONTROL_AUDIT_QUERY, q, sizeof(*q),
	    MSG_CONTROL_AUDIT_REPLY, sizeof(*r), buf, sizeof(buf), &got) ==
	    -1)
		return -1;
	memcpy(r, buf, sizeof(*r));
	r->reason[sizeof(r->reason) - 1] = '\0';
	*text = (const char *)buf + sizeof(*r);
	*len = got - sizeof(*r);
	return 0;
}

/* Control refused (or did not answer: r NULL); the problem is sent. */
static int
api_audit_failed(int fd, const struct msg_control_audit_reply *r)
{
	if (r == NULL) {
		api_problem(fd, 503, "aileron:unavailable", "control did not "
		    "answer; see the service log");
		return 503;
	}
	if (r->error == 403) {
		api_problem(fd, 403, "aileron:denied", r->reason);
		return 403;
	}
	api_problem(fd, 503, "aileron:unavailable", r->reason);
	return 503;
}

/*
 * GET /v1/audit: up to q->limit records, as an array of objects, from
 * as many of control's pages as that takes; "next", when present, is
 * the after= of the following request.
 */
static int
api_audit_query(struct worker_ctx *ctx, int fd,
    struct msg_control_audit_query *q)
{
	struct msg_control_audit_reply	 r;
	struct chan			 c;
	const char			*text, *nl;
	size_t				 len;
	uint32_t			 want = q->limit;
	json_t				*out, *recs, *rec;
	char				*s;
	int				 status = 200;

	if ((out = json_object()) == NULL || (recs = json_array()) == NULL ||
	    json_object_set_new(out, "records", recs) == -1)
		fatal("%s", __func__);
	api_chan_open(ctx, &c);
	for (;;) {
		q->limit = want - json_array_size(recs);
		if (api_audit_call(ctx, &c, q, &r, &text, &len) == -1) {
			status = api_audit_failed(fd, NULL);
			break;
		}
		if (r.error != 0) {
			status = api_audit_failed(fd, &r);
			break;
		}
		for (; len > 0; len -= nl + 1 - text, text = nl + 1) {
			if ((nl = memchr(text, '\n', len)) == NULL)
				break;
			/* A record that is not JSON any more: as a string. */
			if ((rec = json_loadb(text, nl - text, 0, NULL)) ==
			    NULL)
				rec = json_pack("{s:s%}", "unreadable", text,
				    (size_t)(nl - text));
			if (rec == NULL || json_array_append_new(recs, rec) ==
			    -1)
				fatal("%s", __func__);
		}
		if (r.next == 0)
			break;
		q->after = r.next;
		if (json_array_size(recs) >= want) {
			json_object_set_new(out, "next", json_integer(r.next));
			break;
		}
	}
	api_chan_close(&c);
	if (status == 200) {
		if ((s = json_dumps(out, JSON_COMPACT |
		    JSON_PRESERVE_ORDER)) == NULL)
			fatal("%s", __func__);
		api_send(fd, 200, "application/json", NULL, s);
		free(s);
	}
	json_decref(out);
	return status;
}

/* Everything in one stream, a bounded write at a time. */
static int
api_audit_write(int fd, const char *p, size_t left)
{
	struct timespec	 deadline;
	struct pollfd	 pfd;
	ssize_t		 n;
	int		 ms;

	msg_deadline(&deadline, API_TIMEOUT_MS);
	while (left > 0) {
		if ((ms = msg_deadline_ms(&deadline)) <= 0)
			return -1;
		n = send(fd, p, left, MSG_NOSIGNAL);
		if (n == -1 && (errno == EAGAIN || errno == EINTR)) {
			pfd.fd = fd;
			pfd.events = POLLOUT;
			poll(&pfd, 1, ms);
			continue;
		}
		if (n == -1)
			return -1;
		p += n;
		left -= n;
	}
	return 0;
}

/*
 * GET /v1/audit/export: every record the caller may read, as JSON
 * lines, each of control's pages one chunk: the log may be larger than
 * this worker should hold.  A failure half-way cuts the stream before
 * its last chunk, which a client sees.
 */
static int
api_audit_export(struct worker_ctx *ctx, int fd,
    struct msg_control_audit_query *q)
{
	static const char		 head[] = "HTTP/1.1 200 OK\r\n"
	    "Content-Type: application/jsonl\r\n"
	    "Transfer-Encoding: chunked\r\n"
	    "Cache-Control: no-store\r\n"
	    "Connection: close\r\n\r\n";
	struct msg_control_audit_reply	 r;
	struct chan			 c;
	const char			*text;
	char				 size[24];
	size_t				 len;
	uint32_t			 left = q->limit;
	int				 started = 0, status = 200;

	api_chan_open(ctx, &c);
	for (;;) {
		memset(&r, 0, sizeof(r));
		q->limit = left;
		if (api_audit_call(ctx, &c, q, &r, &text, &len) == -1 ||
		    r.error != 0) {
			if (!started)
				status = api_audit_failed(fd, r.error != 0 ?
				    &r : NULL);
			else
				log_warnx("api: audit export cut short");
			break;
		}
		if (!started && api_audit_write(fd, head,
		    sizeof(head) - 1) == -1)
			break;
		started = 1;
		snprintf(size, sizeof(size), "%zx\r\n", len);
		if (len > 0 && (api_audit_write(fd, size, strlen(size)) ==
		    -1 || api_audit_write(fd, text, len) == -1 ||
		    api_audit_write(fd, "\r\n", 2) == -1))
			break;
		if (left != 0)
			left = r.count < left ? left - r.count : 0;
		if (r.next == 0 || (q->limit != 0 && left == 0)) {
			api_audit_write(fd, "0\r\n\r\n", 5);
			break;
		}
		q->after = r.next;
	}
	api_chan_close(&c);
	return status;
}

/* VERIFY and BACKUP: control's JSON, passed on. */
static int
api_audit_simple(struct worker_ctx *ctx, int fd,
    struct msg_control_audit_query *q)
{
	struct msg_control_audit_reply	 r;
	struct chan			 c;
	const char			*text;
	char				*s;
	size_t				 len;
	int				 rv;

	api_chan_open(ctx, &c);
	rv = api_audit_call(ctx, &c, q, &r, &text, &len);
	api_chan_close(&c);
	if (rv == -1)
		return api_audit_failed(fd, NULL);
	if (r.error != 0)
		return api_audit_failed(fd, &r);
	if ((s = strndup(text, len)) == NULL)
		fatal("%s", __func__);
	api_send(fd, 200, "application/json", NULL, s);
	free(s);
	return 200;
}

/* The requests under /v1/audit and /v1/backup; url has the query. */
int
api_audit(struct worker_ctx *ctx, int fd, uid_t uid, int method, char *url)
{
	struct msg_control_audit_query	 q;
	const char			*why = NULL, *want;
	char				*qs;

	memset(&q, 0, sizeof(q));
	q.uid = uid;
	if ((qs = strchr(url, '?')) != NULL)
		*qs++ = '\0';
	if (strcmp(url, "/v1/audit") == 0)
		q.op = MSG_AUDIT_QUERY;
	else if (strcmp(url, "/v1/audit/export") == 0)
		q.op = MSG_AUDIT_QUERY;
	else if (strcmp(url, "/v1/audit/verify") == 0)
		q.op = MSG_AUDIT_VERIFY;
	else if (strcmp(url, "/v1/backup") == 0)
		q.op = MSG_AUDIT_BACKUP;
	else {
		api_problem(fd, 404, "aileron:not-found", "no such resource; "
		    "see aileron-api(7)");
		return 404;
	}
	want = q.op == MSG_AUDIT_BACKUP ? "POST" : "GET";
	if (strcmp(http_method_str(method), want) != 0) {
		api_send(fd, 405, "application/problem+json", q.op ==
		    MSG_AUDIT_BACKUP ? "Allow: POST\r\n" : "Allow: GET\r\n",
		    q.op == MSG_AUDIT_BACKUP ?
		    "{\"type\":\"aileron:bad-request\",\"title\":\"use POST\","
		    "\"status\":405}" :
		    "{\"type\":\"aileron:bad-request\",\"title\":\"use GET\","
		    "\"status\":405}");
		return 405;
	}
	/* A query's page by default; an export is everything. */
	q.limit = strcmp(url, "/v1/audit") == 0 ? API_AUDIT_LIMIT : 0;
	if (qs != NULL && (q.op != MSG_AUDIT_QUERY ||
	    api_audit_params(qs, &q, &why) == -1)) {
		api_problem(fd, 400, "aileron:bad-request", why != NULL ? why :
		    "this resource takes no query parameters");
		return 400;
	}
	if (q.op != MSG_AUDIT_QUERY)
		return api_audit_simple(ctx, fd, &q);
	if (strcmp(url, "/v1/audit/export") == 0)
		return api_audit_export(ctx, fd, &q);
	return api_audit_query(ctx, fd, &q);
}
