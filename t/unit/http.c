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
 * http.c: the worker's strict HTTP intake and response reader.  Every
 * t/proxy/NAME.case is fed whole and one byte at a time and must get its
 * status both ways; then the reader's framing and http_field_hop().
 */

#include <sys/types.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "worker/http.h"
#include "tap.h"

#define CASE_HOST	"api.example.test"
#define CASE_AUTHORITY	"api.example.test:443"
#define CASE_MAX	(256 * 1024)

struct tcase {
	char		 name[256];
	enum http_mode	 mode;
	char		*data;
	size_t		 len;
	int		 status;
	char		 reason[256];
};

struct result {
	int		 status;	/* 200 taken, 0 incomplete, -2 stuck */
	const char	*reason;
	int		 nreq;
	size_t		 body;
};

static void	 count_body(void *, const char *, size_t);
static void	 run(enum http_mode, const char *, const char *, size_t,
		    size_t, struct result *);
static int	 unescape(const char *, char *, size_t, size_t *);
static int	 case_load(const char *, const char *, struct tcase *);
static int	 name_cmp(const void *, const void *);
static void	 feed_all(struct http_intake *, const char *, size_t *, int *,
		    const char **, ssize_t *);
static void	 rbody_add(void *, const char *, size_t);
static void	 test_cases(void);
static void	 test_requests(void);
static void	 test_reader(void);
static void	 test_hop(void);
static void	 test_limits(void);
static void	 test_chunked_body(void);

static void
count_body(void *arg, const char *b, size_t n)
{
	(void)b;
	*(size_t *)arg += n;
}

/*
 * Feed data step bytes at a time (0: whole), as a worker would: each
 * head, then its body, then the next, until the bytes run out.
 */
static void
run(enum http_mode mode, const char *authority, const char *data,
    size_t len, size_t step, struct result *res)
{
	struct http_intake	*in;
	size_t			 off = 0, n;
	ssize_t			 r;
	int			 started = 0, status;
	const char		*reason;

	memset(res, 0, sizeof(*res));
	if ((in = http_intake_new(mode, authority)) == NULL) {
		res->status = -1;
		return;
	}
	for (;;) {
		switch (http_intake_state(in)) {
		case HTTP_HEAD_DONE:
			res->nreq++;
			if (http_intake_request(in)->connect) {
				res->status = 200;
				goto out;
			}
			http_intake_body(in, count_body, &res->body);
			continue;
		case HTTP_DONE:
			http_intake_next(in);
			started = 0;
			continue;
		default:
			break;
		}
		if (off == len) {
			res->status = started ? 0 : 200;
			goto out;
		}
		n = step == 0 || step > len - off ? len - off : step;
		r = http_intake_feed(in, data + off, n, &status, &reason);
		if (r == -1) {
			res->status = status;
			res->reason = reason;
			goto out;
		}
		if (r == 0) {
			res->status = -2;
			goto out;
		}
		started = 1;
		off += r;
	}
out:
	http_intake_free(in);
}

/* A C string literal's body, without its quotes, into out. */
static int
unescape(const char *s, char *out, size_t outsz, size_t *outlen)
{
	size_t		 n = *outlen;
	unsigned int	 x;
	char		 c;

	for (; *s != '\0'; s++) {
		c = *s;
		if (c == '\\') {
			switch (*++s) {
			case 'r': c = '\r'; break;
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case '0': c = '\0'; break;
			case '\\': c = '\\'; break;
			case '"': c = '"'; break;
			case 'x':
				if (sscanf(s + 1, "%2x", &x) != 1)
					return -1;
				c = x;
				s += 2;
				break;
			default:
				return -1;
			}
		}
		if (n >= outsz)
			return -1;
		out[n++] = c;
	}
	*outlen = n;
	return 0;
}

static int
case_load(const char *dir, const char *name, struct tcase *tc)
{
	static char	 line[CASE_MAX];
	char	 path[2048], *p, *q, *raw;
	size_t	 rawlen = 0, i;
	FILE	*f;
	int	 rc = -1;

	memset(tc, 0, sizeof(*tc));
	snprintf(tc->name, sizeof(tc->name), "%s", name);
	tc->mode = HTTP_TUNNEL;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	if ((raw = malloc(CASE_MAX)) == NULL ||
	    (tc->data = malloc(CASE_MAX)) == NULL)
		goto done;
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if (strncmp(line, "mode: ", 6) == 0) {
			if (strcmp(line + 6, "proxy") == 0)
				tc->mode = HTTP_PROXY;
			else if (strcmp(line + 6, "tunnel") != 0)
				goto done;
		} else if (strncmp(line, "send: ", 6) == 0) {
			if ((p = strchr(line, '"')) == NULL ||
			    (q = strrchr(line, '"')) == p)
				goto done;
			*q = '\0';
			if (unescape(p + 1, raw, CASE_MAX, &rawlen) == -1)
				goto done;
		} else if (strncmp(line, "status: ", 8) == 0)
			tc->status = atoi(line + 8);
		else if (strncmp(line, "reason: ", 8) == 0)
			strlcpy(tc->reason, line + 8, sizeof(tc->reason));
		else if (strncmp(line, "upstream: ", 10) != 0)
			goto done;
	}
	/* {host} is the CONNECT host. */
	for (i = 0; i < rawlen; ) {
		if (rawlen - i >= 6 && memcmp(raw + i, "{host}", 6) == 0) {
			if (tc->len + strlen(CASE_HOST) > CASE_MAX)
				goto done;
			memcpy(tc->data + tc->len, CASE_HOST,
			    strlen(CASE_HOST));
			tc->len += strlen(CASE_HOST);
			i += 6;
		} else
			tc->data[tc->len++] = raw[i++];
	}
	rc = tc->status != 0 && tc->len > 0 ? 0 : -1;
done:
	free(raw);
	fclose(f);
	return rc;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
test_cases(void)
{
	char		 dir[1024], *names[512];
	const char	*src;
	DIR		*d;
	struct dirent	*de;
	struct tcase	 tc;
	struct result	 whole, bytes, split;
	size_t		 n = 0, i, len;

	if ((src = getenv("AILERON_SRC")) != NULL)
		snprintf(dir, sizeof(dir), "%s/t/proxy", src);
	else
		snprintf(dir, sizeof(dir), "t/proxy");
	if ((d = opendir(dir)) == NULL) {
		ok(0, "open %s", dir);
		return;
	}
	while ((de = readdir(d)) != NULL && n < 512) {
		len = strlen(de->d_name);
		if (len > 5 && strcmp(de->d_name + len - 5, ".case") == 0)
			names[n++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), name_cmp);
	ok(n >= 40, "%zu cases in %s", n, dir);
	for (i = 0; i < n; i++) {
		if (case_load(dir, names[i], &tc) == -1) {
			ok(0, "%s: readable", names[i]);
			free(tc.data);
			free(names[i]);
			continue;
		}
		run(tc.mode, tc.mode == HTTP_TUNNEL ? CASE_AUTHORITY : NULL,
		    tc.data, tc.len, 0, &whole);
		run(tc.mode, tc.mode == HTTP_TUNNEL ? CASE_AUTHORITY : NULL,
		    tc.data, tc.len, 1, &bytes);
		run(tc.mode, tc.mode == HTTP_TUNNEL ? CASE_AUTHORITY : NULL,
		    tc.data, tc.len, 7, &split);
		is(whole.status, tc.status, "%s: whole: %s", tc.name,
		    whole.reason ? whole.reason : "taken");
		is(bytes.status, tc.status, "%s: byte by byte", tc.name);
		ok(split.status == tc.status && whole.nreq == bytes.nreq &&
		    whole.nreq == split.nreq && whole.body == bytes.body &&
		    whole.body == split.body,
		    "%s: same requests and bodies whole, by 1 and by 7",
		    tc.name);
		if (tc.reason[0] != '\0')
			ok(whole.reason != NULL && bytes.reason != NULL &&
			    strstr(whole.reason, tc.reason) != NULL &&
			    strcmp(whole.reason, bytes.reason) == 0,
			    "%s: reason has \"%s\"", tc.name, tc.reason);
		free(tc.data);
		free(names[i]);
	}
}

static void
feed_all(struct http_intake *in, const char *s, size_t *off, int *status,
    const char **reason, ssize_t *r)
{
	*r = http_intake_feed(in, s + *off, strlen(s) - *off, status, reason);
	if (*r > 0)
		*off += *r;
}

static void
test_requests(void)
{
	struct http_intake		*in;
	const struct http_request	*rq;
	struct result			 res;
	const char			*s, *reason;
	size_t				 off = 0, body = 0;
	ssize_t				 r;
	int				 status;

	/* Pipelined: the intake stops after each head and each body. */
	s = "GET /a HTTP/1.1\r\nHost: api.example.test\r\n\r\n"
	    "POST /b HTTP/1.1\r\nHost: api.example.test\r\n"
	    "Content-Length: 3\r\nExpect: 100-continue\r\n\r\nabc"
	    "GET /c HTTP/1.0\r\n\r\n";
	in = http_intake_new(HTTP_TUNNEL, CASE_AUTHORITY);
	feed_all(in, s, &off, &status, &reason, &r);
	is(r, strlen("GET /a HTTP/1.1\r\nHost: api.example.test\r\n\r\n"),
	    "first head consumed, nothing more");
	rq = http_intake_request(in);
	is_str(rq->target, "/a", "first target");
	is_str(rq->host, "api.example.test", "Host");
	is_str(rq->authority_host, "api.example.test", "tunnel authority");
	is(rq->authority_port, 443, "tunnel port");
	ok(rq->keepalive && !rq->expect_continue && rq->content_length == -1,
	    "keep-alive, no Expect, no length");
	feed_all(in, s, &off, &status, &reason, &r);
	is(r, 0, "nothing consumed before the caller reads the body");
	http_intake_body(in, count_body, &body);
	is(http_intake_state(in), HTTP_DONE, "a GET has no body");
	feed_all(in, s, &off, &status, &reason, &r);
	is(r, 0, "done: pipelined bytes stay with the caller");
	http_intake_next(in);
	feed_all(in, s, &off, &status, &reason, &r);
	rq = http_intake_request(in);
	ok(http_intake_state(in) == HTTP_HEAD_DONE &&
	    strcmp(rq->method, "POST") == 0 && rq->expect_continue &&
	    rq->content_length == 3, "second: POST, 100-continue, 3 bytes");
	is_str(http_request_get(rq, "expect"), "100-continue",
	    "http_request_get is case-insensitive");
	http_intake_body(in, count_body, &body);
	feed_all(in, s, &off, &status, &reason, &r);
	ok(r == 3 && body == 3 && http_intake_state(in) == HTTP_DONE,
	    "its body, and no more");
	http_intake_next(in);
	feed_all(in, s, &off, &status, &reason, &r);
	rq = http_intake_request(in);
	ok(rq->minor == 0 && !rq->keepalive && off == strlen(s),
	    "third: HTTP/1.0, not keep-alive");
	http_intake_free(in);

	s = "POST / HTTP/1.0\r\nExpect: 100-continue\r\n"
	    "Content-Length: 1\r\n\r\n";
	in = http_intake_new(HTTP_TUNNEL, CASE_AUTHORITY);
	off = 0;
	feed_all(in, s, &off, &status, &reason, &r);
	ok(http_intake_state(in) == HTTP_HEAD_DONE &&
	    !http_intake_request(in)->expect_continue,
	    "Expect: 100-continue from HTTP/1.0 is ignored");
	http_intake_free(in);

	/* An error is sticky. */
	in = http_intake_new(HTTP_TUNNEL, CASE_AUTHORITY);
	r = http_intake_feed(in, "GET / HTTP/1.1\n", 15, &status, &reason);
	status = 0;
	r = http_intake_feed(in, "\r\n", 2, &status, &reason);
	ok(r == -1 && status == 400, "an error stays an error");
	http_intake_free(in);

	/* Each pipelined request is judged on its own. */
	s = "GET / HTTP/1.1\r\nHost: api.example.test\r\n\r\n"
	    "POST / HTTP/1.1\r\nHost: api.example.test\r\n"
	    "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
	run(HTTP_TUNNEL, CASE_AUTHORITY, s, strlen(s), 0, &res);
	ok(res.nreq == 1 && res.status == 400,
	    "good request, then a smuggled one: one taken, then 400");

	/* The proxy leg: CONNECT and absolute-form. */
	in = http_intake_new(HTTP_PROXY, NULL);
	s = "CONNECT [::1]:8443 HTTP/1.1\r\n\r\n";
	off = 0;
	feed_all(in, s, &off, &status, &reason, &r);
	rq = http_intake_request(in);
	ok(http_intake_state(in) == HTTP_HEAD_DONE && rq->connect &&
	    strcmp(rq->authority_host, "::1") == 0 &&
	    rq->authority_port == 8443 && strcmp(rq->host, "[::1]:8443") == 0,
	    "CONNECT [::1]:8443 without Host");
	http_intake_body(in, NULL, NULL);
	is(http_intake_state(in), HTTP_DONE, "CONNECT has no body");
	http_intake_free(in);

	in = http_intake_new(HTTP_PROXY, NULL);
	s = "GET http://Example.TEST/p?q=1 HTTP/1.1\r\n"
	    "Host: example.test:80\r\n\r\n";
	off = 0;
	feed_all(in, s, &off, &status, &reason, &r);
	rq = http_intake_request(in);
	ok(http_intake_state(in) == HTTP_HEAD_DONE &&
	    strcmp(rq->authority_host, "example.test") == 0 &&
	    rq->authority_port == 80 && strcmp(rq->path, "/p?q=1") == 0,
	    "absolute-form: authority and path");
	http_intake_free(in);

	/* The API leg: Host optional, origin-form. */
	s = "GET /v1/status HTTP/1.1\r\n\r\n";
	run(HTTP_API, NULL, s, strlen(s), 0, &res);
	is(res.status, 200, "API: no Host needed");
	s = "CONNECT a:443 HTTP/1.1\r\n\r\n";
	run(HTTP_API, NULL, s, strlen(s), 0, &res);
	is(res.status, 400, "API: no CONNECT");

	ok(http_intake_new(HTTP_TUNNEL, NULL) == NULL &&
	    http_intake_new(HTTP_TUNNEL, "a b:443") == NULL,
	    "tunnel intake needs a valid authority");
}

struct rbody {
	char	 buf[256];
	size_t	 len;
};

static void
rbody_add(void *arg, const char *b, size_t n)
{
	struct rbody	*rb = arg;

	if (rb->len + n < sizeof(rb->buf)) {
		memcpy(rb->buf + rb->len, b, n);
		rb->len += n;
		rb->buf[rb->len] = '\0';
	}
}

/*
 * Feed a response step bytes at a time through its 1xx heads to the
 * end of its body; *left is what stays unconsumed.
 */
static int
read_response(struct http_reader *rd, const char *s, size_t len,
    size_t step, struct rbody *rb, int *nheads, size_t *left,
    const char **reason)
{
	size_t		 off = 0, n;
	ssize_t		 r;
	int		 error, i;

	memset(rb, 0, sizeof(*rb));
	*nheads = 0;
	for (i = 0; i < 100000; i++) {
		switch (http_reader_state(rd)) {
		case HTTP_HEAD_DONE:
			(*nheads)++;
			http_reader_body(rd, rbody_add, rb);
			continue;
		case HTTP_DONE:
			*left = len - off;
			return 0;
		default:
			break;
		}
		if (off == len) {
			*left = 0;
			return 1;	/* wants more */
		}
		n = step == 0 || step > len - off ? len - off : step;
		r = http_reader_feed(rd, s + off, n, &error, reason);
		if (r == -1)
			return error;
		off += r;
	}
	return -2;
}

static void
test_reader(void)
{
	struct http_reader		*rd;
	const struct http_response	*rs;
	struct rbody			 rb;
	const char			*s, *reason;
	size_t				 left, step;
	int				 nheads, rc;

	rd = http_reader_new();
	for (step = 0; step <= 1; step++) {
		s = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloEXTRA";
		http_reader_start(rd, 0);
		rc = read_response(rd, s, strlen(s), step, &rb, &nheads,
		    &left, &reason);
		rs = http_reader_response(rd);
		ok(rc == 0 && strcmp(rb.buf, "hello") == 0 && left == 5 &&
		    rs->status == 200 && rs->content_length == 5 &&
		    rs->keepalive && strcmp(rs->reason, "OK") == 0,
		    "Content-Length: body, and the rest left (step %zu)",
		    step);

		s = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		    "5\r\nhello\r\n6;x=y\r\n world\r\n0\r\nX-T: 1\r\n"
		    "X-U: 2\r\n\r\nNEXT";
		http_reader_start(rd, 0);
		rc = read_response(rd, s, strlen(s), step, &rb, &nheads,
		    &left, &reason);
		ok(rc == 0 && strcmp(rb.buf, "hello world") == 0 && left == 4,
		    "chunked with trailers: de-chunked, trailers dropped "
		    "(step %zu)", step);

		s = "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nabc";
		http_reader_start(rd, 0);
		rc = read_response(rd, s, strlen(s), step, &rb, &nheads,
		    &left, &reason);
		rs = http_reader_response(rd);
		ok(rc == 1 && http_reader_state(rd) == HTTP_BODY &&
		    rs->close_delimited && !rs->keepalive,
		    "no length: close-delimited (step %zu)", step);
		ok(http_reader_eof(rd) == 0 &&
		    http_reader_state(rd) == HTTP_DONE &&
		    strcmp(rb.buf, "abc") == 0, "EOF ends it");

		s = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n";
		http_reader_start(rd, 1);
		rc = read_response(rd, s, strlen(s), step, &rb, &nheads,
		    &left, &reason);
		ok(rc == 0 && rb.len == 0 && http_reader_response(rd)->nobody,
		    "HEAD: no body whatever Content-Length says");

		s = "HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 304 Not "
		    "Modified\r\nContent-Length: 10\r\n\r\n";
		http_reader_start(rd, 0);
		rc = read_response(rd, s, strlen(s), step, &rb, &nheads,
		    &left, &reason);
		ok(rc == 0 && rb.len == 0 && left == strlen(s) - 27,
		    "204: no body");
		http_reader_start(rd, 0);
		rc = read_response(rd, s + 27, strlen(s) - 27, step, &rb,
		    &nheads, &left, &reason);
		ok(rc == 0 && rb.len == 0 && left == 0 &&
		    http_reader_response(rd)->status == 304, "304: no body");

		s = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n"
		    "Content-Length: 2\r\n\r\nok";
		http_reader_start(rd, 0);
		rc = read_response(rd, s, strlen(s), step, &rb, &nheads,
		    &left, &reason);
		ok(rc == 0 && nheads == 2 && strcmp(rb.buf, "ok") == 0 &&
		    http_reader_response(rd)->status == 200,
		    "100 then 200: two heads, one body");
	}

	s = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel";
	http_reader_start(rd, 0);
	rc = read_response(rd, s, strlen(s), 0, &rb, &nheads, &left, &reason);
	ok(rc == 1 && http_reader_eof(rd) == -1, "EOF inside a length: error");
	http_reader_start(rd, 0);
	ok(http_reader_eof(rd) == -1, "EOF before any response: error");

	{
		static const char *bad[] = {
			"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n"
			    "Transfer-Encoding: chunked\r\n\r\n",
			"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n"
			    "Content-Length: 1\r\n\r\n",
			"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
			"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
			"HTTP/1.1 200 OK\nContent-Length: 0\n\n",
			"HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n",
			"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
			    "5;a\nb\r\nhello\r\n0\r\n\r\n",
			"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
			    "zz\r\n",
			"HTTP/2 200\r\n\r\n",
			"HTTP/1.1 2000 OK\r\n\r\n",
			"HTTP/1.1 099 Low\r\n\r\n",
		};
		size_t	 i;

		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			http_reader_start(rd, 0);
			rc = read_response(rd, bad[i], strlen(bad[i]), 0, &rb,
			    &nheads, &left, &reason);
			is(rc, 502, "bad framing %zu: 502 (%s)", i,
			    rc == 502 ? reason : "taken");
			http_reader_start(rd, 0);
			rc = read_response(rd, bad[i], strlen(bad[i]), 1, &rb,
			    &nheads, &left, &reason);
			is(rc, 502, "bad framing %zu: 502 byte by byte", i);
		}
	}
	http_reader_free(rd);
}

static void
test_hop(void)
{
	struct http_intake		*in;
	const struct http_request	*rq;
	const char			*s, *reason;
	int				 status;

	in = http_intake_new(HTTP_TUNNEL, CASE_AUTHORITY);
	s = "GET / HTTP/1.1\r\nHost: api.example.test\r\n"
	    "Connection: keep-alive, X-Secret\r\nConnection: x-other\r\n"
	    "X-Secret: 1\r\nAuthorization: Bearer x\r\n\r\n";
	http_intake_feed(in, s, strlen(s), &status, &reason);
	rq = http_intake_request(in);
	ok(http_field_hop(rq, "x-secret") && http_field_hop(rq, "X-OTHER"),
	    "fields named by Connection are hop-by-hop");
	ok(http_field_hop(rq, "Connection") && http_field_hop(rq, "te") &&
	    http_field_hop(rq, "Proxy-Authorization") &&
	    http_field_hop(rq, "Keep-Alive") &&
	    http_field_hop(rq, "Proxy-Connection") &&
	    http_field_hop(rq, "Trailer") &&
	    http_field_hop(rq, "Transfer-Encoding") &&
	    http_field_hop(rq, "Upgrade") &&
	    http_field_hop(rq, "Proxy-Authenticate"),
	    "the fixed hop-by-hop fields");
	ok(!http_field_hop(rq, "Authorization") &&
	    !http_field_hop(rq, "Host") && !http_field_hop(rq, "X-Secre") &&
	    !http_field_hop(rq, "Secret"),
	    "end-to-end fields are not");
	ok(http_field_hop(NULL, "Upgrade") &&
	    !http_field_hop(NULL, "X-Secret"), "without a request");
	http_intake_free(in);
}

/* Each limit taken at its value and refused one past it. */
static void
test_limits(void)
{
	struct result	 res;
	char		*buf;
	size_t		 n, i, j, step;
	const char	*hdr = "GET /", *tail = " HTTP/1.1\r\n"
			    "Host: api.example.test\r\n\r\n";

	if ((buf = malloc(2 * HTTP_HEAD_MAX)) == NULL)
		abort();
	for (step = 0; step <= 1; step++) {
		/* request line: 8 KiB without its CRLF */
		for (i = 0; i <= 1; i++) {
			n = strlen(hdr);
			memcpy(buf, hdr, n);
			memset(buf + n, 'a', HTTP_LINE_MAX + i - n -
			    strlen(" HTTP/1.1"));
			n = HTTP_LINE_MAX + i - strlen(" HTTP/1.1");
			memcpy(buf + n, tail, strlen(tail));
			n += strlen(tail);
			run(HTTP_TUNNEL, CASE_AUTHORITY, buf, n, step, &res);
			is(res.status, i == 0 ? 200 : 414,
			    "request line of %d bytes (step %zu)",
			    HTTP_LINE_MAX + (int)i, step);
		}
		/* fields: 100, then 101 */
		for (i = 0; i <= 1; i++) {
			n = snprintf(buf, HTTP_HEAD_MAX, "GET / HTTP/1.1\r\n"
			    "Host: api.example.test\r\n");
			for (j = 0; j < HTTP_FIELDS_MAX - 1 + i; j++)
				n += snprintf(buf + n, HTTP_HEAD_MAX - n,
				    "X%03zu: 1\r\n", j);
			n += snprintf(buf + n, HTTP_HEAD_MAX - n, "\r\n");
			run(HTTP_TUNNEL, CASE_AUTHORITY, buf, n, step, &res);
			is(res.status, i == 0 ? 200 : 431,
			    "%zu fields (step %zu)", 100 + i, step);
		}
		/* head: 64 KiB with its blank line, then one more byte */
		for (i = 0; i <= 1; i++) {
			n = snprintf(buf, HTTP_HEAD_MAX, "GET / HTTP/1.1\r\n"
			    "Host: api.example.test\r\nX-Pad: ");
			memset(buf + n, 'p', HTTP_HEAD_MAX + i - n - 4);
			n = HTTP_HEAD_MAX + i - 4;
			memcpy(buf + n, "\r\n\r\n", 4);
			n += 4;
			run(HTTP_TUNNEL, CASE_AUTHORITY, buf, n, step, &res);
			is(res.status, i == 0 ? 200 : 431,
			    "head of %d bytes (step %zu)",
			    HTTP_HEAD_MAX + (int)i, step);
		}
		/* chunk extensions: 128 bytes, then 129 */
		for (i = 0; i <= 1; i++) {
			n = snprintf(buf, HTTP_HEAD_MAX, "POST / HTTP/1.1\r\n"
			    "Host: api.example.test\r\n"
			    "Transfer-Encoding: chunked\r\n\r\n1;");
			memset(buf + n, 'e', HTTP_CHUNK_EXT_MAX - 1 + i);
			n += HTTP_CHUNK_EXT_MAX - 1 + i;
			n += snprintf(buf + n, HTTP_HEAD_MAX, "\r\nx\r\n"
			    "0\r\n\r\n");
			run(HTTP_TUNNEL, CASE_AUTHORITY, buf, n, step, &res);
			is(res.status, i == 0 ? 200 : 400,
			    "chunk extension of %d bytes (step %zu)",
			    HTTP_CHUNK_EXT_MAX + (int)i, step);
		}
	}
	free(buf);
}

/* A chunked body reaches the callback de-chunked, whatever the reads. */
static void
test_chunked_body(void)
{
	struct http_intake	*in;
	struct rbody		 rb;
	const char		*s, *reason;
	size_t			 off, n, step;
	ssize_t			 r;
	int			 status, i;

	s = "POST / HTTP/1.1\r\nHost: api.example.test\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n"
	    "5\r\nhello\r\n1;a=\"b c\"\r\n \r\nA\r\n0123456789\r\n"
	    "0\r\nX-Checksum: 1\r\n\r\nGET";
	for (step = 0; step <= 3; step++) {
		in = http_intake_new(HTTP_TUNNEL, CASE_AUTHORITY);
		memset(&rb, 0, sizeof(rb));
		off = 0;
		for (i = 0; i < 1000 && http_intake_state(in) != HTTP_DONE;
		    i++) {
			if (http_intake_state(in) == HTTP_HEAD_DONE)
				http_intake_body(in, rbody_add, &rb);
			n = strlen(s) - off;
			if (step != 0 && n > step)
				n = step;
			if ((r = http_intake_feed(in, s + off, n, &status,
			    &reason)) <= 0)
				break;
			off += r;
		}
		ok(http_intake_state(in) == HTTP_DONE &&
		    strcmp(rb.buf, "hello 0123456789") == 0 &&
		    strcmp(s + off, "GET") == 0,
		    "chunked body de-chunked, trailer dropped, next request "
		    "left (step %zu)", step);
		http_intake_free(in);
	}
}

int
main(void)
{
	test_cases();
	test_requests();
	test_reader();
	test_hop();
	test_limits();
	test_chunked_body();
	return done_testing();
}
