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
 * http.c: the worker's strict HTTP/1.x intake and response reader.
 *
 * A credential proxy must not disagree with the upstream about where a
 * request ends: a smuggled second request would carry the injected
 * credential.  http-parser alone accepts obs-fold, bare LF, repeated or
 * listed Transfer-Encoding, LF in chunk extensions and more, so every
 * head is checked here on its raw bytes, byte by byte while it arrives
 * (so that a head fed whole and one fed a byte at a time get the same
 * answer), then as a whole once its blank line is in; http-parser then
 * parses the same head as a second opinion and both must agree.  Bodies
 * are framed by a small decoder of our own that refuses what is
 * ambiguous (chunk extensions over HTTP_CHUNK_EXT_MAX, CR or LF inside
 * them, trailers not shaped as fields).
 *
 * Memory is bounded: one head buffer of HTTP_HEAD_MAX bytes per intake
 * or reader, and a few counters for the body; body bytes are never kept,
 * they go to the caller's callback as they arrive.
 */

#include <sys/types.h>

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http.h"
#include "http_hp.h"

/* How a body is framed. */
enum body_kind {
	BODY_NONE,
	BODY_LENGTH,
	BODY_CHUNKED,
	BODY_CLOSE		/* responses only: until the upstream closes */
};

/* Where the chunked decoder is. */
enum chunk_state {
	CH_SIZE,		/* hex digits of a chunk size */
	CH_EXT,			/* chunk extensions, up to CR */
	CH_SIZE_LF,		/* LF after a chunk-size line */
	CH_DATA,		/* chunk data */
	CH_DATA_CR,		/* CR after chunk data */
	CH_DATA_LF,		/* LF after chunk data */
	CH_TRAILER,		/* start of a trailer line, or the final CRLF */
	CH_TRAILER_NAME,	/* a trailer field's name */
	CH_TRAILER_VALUE,	/* its value, up to CR */
	CH_TRAILER_LF,		/* LF ending a trailer line */
	CH_END_LF		/* LF of the final empty line */
};

struct head {
	char		*buf;		/* HTTP_HEAD_MAX + 1 bytes */
	size_t		 len;
	size_t		 linestart;	/* offset of the current line */
	size_t		 nlines;	/* complete non-empty lines */
	int		 response;	/* a status line comes first */
};

struct body {
	enum body_kind	 kind;
	enum chunk_state cstate;
	unsigned long long left;	/* of the length or of this chunk */
	size_t		 ndigits;	/* of this chunk size */
	size_t		 extlen;	/* of this chunk's extensions */
	size_t		 trailerlen;	/* of the trailer section */
	void		(*cb)(void *, const char *, size_t);
	void		*arg;
};

/* One message on one leg: its head, its body, and a sticky error. */
struct msg {
	enum http_state	 state;
	struct head	 head;
	struct body	 body;
	int		 status;	/* 0 until an error */
	const char	*reason;
};

/* What the framing fields said. */
struct framing {
	size_t		 ncl, nte;
	long long	 content_length;	/* -1 when none */
	int		 chunked, te_unknown, conn_close, conn_keep;
};

struct http_intake {
	enum http_mode	 mode;
	char		 tunnel_host[256];	/* HTTP_TUNNEL's authority */
	uint16_t	 tunnel_port;
	struct msg	 m;
	struct http_request req;
	size_t		 fields_off;	/* of the first field line */
};

struct http_reader {
	int		 method_head;
	struct msg	 m;
	struct http_response resp;
};

static const char *hop_fields[] = {
	"Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authorization",
	"Proxy-Authenticate", "TE", "Trailer", "Transfer-Encoding", "Upgrade"
};

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

static int	 is_tchar(unsigned char);
static int	 is_ows(unsigned char);
static int	 head_init(struct head *, int);
static void	 head_reset(struct head *);
static ssize_t	 head_scan(struct head *, const char *, size_t, int *,
		    int *, const char **);
static int	 head_fields(char *, size_t, struct http_field *, size_t *,
		    int *, const char **);
static int	 token_list_has(const char *, const char *);
static int	 parse_authority(const char *, size_t, char *, size_t,
		    uint16_t *, int *);
static int	 parse_length(const char *, long long *);
static void	 framing_init(struct framing *);
static int	 framing_field(struct framing *, const char *, const char *,
		    const char **);
static int	 framing_end(struct framing *, const char **);
static int	 request_line(struct http_intake *, char *, int *,
		    const char **);
static int	 request_fields(struct http_intake *, int *, const char **);
static int	 request_target(struct http_intake *, int *, const char **);
static int	 request_second_opinion(struct http_intake *,
		    const struct http_hp_view *, int *, const char **);
static ssize_t	 body_feed(struct body *, const char *, size_t, int *,
		    const char **, int *);
static int	 msg_init(struct msg *, int);
static void	 msg_reset(struct msg *);
static ssize_t	 msg_feed(struct msg *, const char *, size_t, int,
		    int (*)(void *, int *, const char **), void *, int *,
		    const char **);
static void	 msg_body(struct msg *, enum body_kind, unsigned long long,
		    void (*)(void *, const char *, size_t), void *);
static int	 request_head(void *, int *, const char **);
static int	 response_head(void *, int *, const char **);

static int
is_tchar(unsigned char c)
{
	return (isascii(c) && isalnum(c)) ||
	    (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static int
is_ows(unsigned char c)
{
	return c == ' ' || c == '\t';
}

static int
head_init(struct head *h, int response)
{
	h->response = response;
	if ((h->buf = malloc(HTTP_HEAD_MAX + 1)) == NULL)
		return -1;
	head_reset(h);
	return 0;
}

static void
head_reset(struct head *h)
{
	h->len = 0;
	h->linestart = 0;
	h->nlines = 0;
}

/*
 * Take head bytes until the blank line, checking each as it comes: no
 * NUL, every CR followed by LF and every LF preceded by CR, no blank line
 * first, the first line within HTTP_LINE_MAX, at most HTTP_FIELDS_MAX
 * fields and HTTP_HEAD_MAX bytes.  Consumes nothing past the blank line.
 */
static ssize_t
head_scan(struct head *h, const char *b, size_t n, int *done, int *status,
    const char **reason)
{
	size_t		 i;
	unsigned char	 c, prev;

	*done = 0;
	for (i = 0; i < n; i++) {
		c = b[i];
		prev = h->len > 0 ? (unsigned char)h->buf[h->len - 1] : '\0';
		if (prev == '\r' && c != '\n') {
			*status = 400;
			*reason = "bare CR in the head";
			return -1;
		}
		if (c == '\0') {
			*status = 400;
			*reason = "NUL in the head";
			return -1;
		}
		if (c == '\n' && prev != '\r') {
			*status = 400;
			*reason = "bare LF line end";
			return -1;
		}
		if (h->len >= HTTP_HEAD_MAX) {
			*status = 431;
			*reason = "header section over 64 KiB";
			return -1;
		}
		h->buf[h->len++] = c;
		if (c == '\r')
			continue;
		if (c != '\n') {
			if (h->nlines == 0 && h->len > HTTP_LINE_MAX) {
				*status = 414;
				*reason = h->response ?
				    "status line over 8 KiB" :
				    "request line over 8 KiB";
				return -1;
			}
			continue;
		}
		if (h->len - 2 == h->linestart) {
			if (h->nlines == 0) {
				*status = 400;
				*reason = h->response ?
				    "empty line before the status line" :
				    "empty line before the request line";
				return -1;
			}
			h->buf[h->len] = '\0';
			*done = 1;
			return i + 1;
		}
		if (++h->nlines > 1 + HTTP_FIELDS_MAX) {
			*status = 431;
			*reason = "over 100 header fields";
			return -1;
		}
		h->linestart = h->len;
	}
	return n;
}

/*
 * Split the field lines of a complete head, starting at off, in place:
 * names and values NUL-ended, values without surrounding whitespace.
 * The head is known to hold only CRLF line ends and no NUL.
 */
static int
head_fields(char *buf, size_t off, struct http_field *f, size_t *nf,
    int *status, const char **reason)
{
	char		*line, *end, *colon, *v, *e, *p;

	*nf = 0;
	*status = 400;
	for (line = buf + off; line[0] != '\r'; line = end + 2) {
		end = strchr(line, '\r');
		if (is_ows(line[0])) {
			*reason = "obs-fold (a line starting with whitespace)";
			return -1;
		}
		if ((colon = memchr(line, ':', end - line)) == NULL) {
			*reason = "header line without a colon";
			return -1;
		}
		if (colon == line) {
			*reason = "empty field name";
			return -1;
		}
		if (is_ows(colon[-1])) {
			*reason = "whitespace before the colon";
			return -1;
		}
		for (p = line; p < colon; p++)
			if (!is_tchar(*p)) {
				*reason = "invalid character in a field name";
				return -1;
			}
		for (v = colon + 1; v < end && is_ows(*v); v++)
			;
		for (e = end; e > v && is_ows(e[-1]); e--)
			;
		for (p = v; p < e; p++) {
			unsigned char c = *p;

			if (c != '\t' && (c < 0x20 || c == 0x7f)) {
				*reason = "control character in a field value";
				return -1;
			}
		}
		if (*nf >= HTTP_FIELDS_MAX) {
			*status = 431;
			*reason = "over 100 header fields";
			return -1;
		}
		*colon = '\0';
		*e = '\0';
		f[*nf].name = line;
		f[*nf].value = v;
		(*nf)++;
	}
	return 0;
}

/* Whether a comma-separated list holds tok, case-insensitively. */
static int
token_list_has(const char *list, const char *tok)
{
	size_t		 tl = strlen(tok), n;
	const char	*p = list, *e;

	while (*p != '\0') {
		while (*p == ',' || is_ows(*p))
			p++;
		for (e = p; *e != '\0' && *e != ','; e++)
			;
		n = e - p;
		while (n > 0 && is_ows(p[n - 1]))
			n--;
		if (n == tl && strncasecmp(p, tok, tl) == 0)
			return 1;
		p = e;
	}
	return 0;
}

/*
 * host[:port] into a lower-case host (IPv6 without brackets) and a port;
 * *hasport says whether one was given.  No userinfo, no empty host.  A
 * name's trailing dot (the DNS root) is dropped: "api.example.com." is
 * the connector's host as much as "api.example.com", and must be matched,
 * intercepted and audited as it, not tunnelled past the policy.
 */
static int
parse_authority(const char *s, size_t len, char *host, size_t hostsz,
    uint16_t *port, int *hasport)
{
	const char	*p = s, *end = s + len, *h, *he;
	unsigned long	 v;
	size_t		 i, n;

	*hasport = 0;
	*port = 0;
	if (len == 0)
		return -1;
	if (*p == '[') {
		h = ++p;
		while (p < end && (isxdigit((unsigned char)*p) || *p == ':' ||
		    *p == '.'))
			p++;
		if (p == end || *p != ']' || p == h)
			return -1;
		he = p++;
	} else {
		h = p;
		while (p < end && (isalnum((unsigned char)*p) || *p == '-' ||
		    *p == '.' || *p == '_'))
			p++;
		he = p;
		if (he == h)
			return -1;
	}
	n = he - h;
	if (*s != '[' && n > 1 && h[n - 1] == '.')
		n--;
	if (n >= hostsz)
		return -1;
	for (i = 0; i < n; i++)
		host[i] = tolower((unsigned char)h[i]);
	host[n] = '\0';
	/* No empty label: one form for each name. */
	if (*s != '[' && (host[0] == '.' || host[n - 1] == '.' ||
	    strstr(host, "..") != NULL))
		return -1;
	if (p == end)
		return 0;
	if (*p++ != ':' || p == end || end - p > 5)
		return -1;
	for (v = 0; p < end; p++) {
		if (!isdigit((unsigned char)*p))
			return -1;
		v = v * 10 + (*p - '0');
	}
	if (v == 0 || v > 65535)
		return -1;
	*port = v;
	*hasport = 1;
	return 0;
}

/* A Content-Length value: digits only, no list, no sign, no overflow. */
static int
parse_length(const char *s, long long *out)
{
	long long	 v = 0;
	size_t		 n;

	for (n = 0; s[n] != '\0'; n++) {
		if (!isdigit((unsigned char)s[n]) || n >= 18)
			return -1;
		v = v * 10 + (s[n] - '0');
	}
	if (n == 0)
		return -1;
	*out = v;
	return 0;
}

/*
 * The fields that frame a message, the same for requests and responses:
 * one Content-Length, a plain number; one Transfer-Encoding, exactly
 * chunked; never both.  Returns 1 for a framing field, 0 for another.
 */
static void
framing_init(struct framing *fr)
{
	memset(fr, 0, sizeof(*fr));
	fr->content_length = -1;
}

static int
framing_field(struct framing *fr, const char *name, const char *v,
    const char **reason)
{
	if (strcasecmp(name, "Content-Length") == 0) {
		if (fr->ncl++ > 0) {
			*reason = "more than one Content-Length";
			return -1;
		}
		if (parse_length(v, &fr->content_length) == -1) {
			*reason = "Content-Length not a number";
			return -1;
		}
		return 1;
	}
	if (strcasecmp(name, "Transfer-Encoding") == 0) {
		if (fr->nte++ > 0) {
			*reason = "more than one Transfer-Encoding";
			return -1;
		}
		if (strcasecmp(v, "chunked") != 0) {
			fr->te_unknown = 1;
			*reason = "Transfer-Encoding other than chunked";
			return -1;
		}
		fr->chunked = 1;
		return 1;
	}
	if (strcasecmp(name, "Connection") == 0) {
		if (token_list_has(v, "close"))
			fr->conn_close = 1;
		if (token_list_has(v, "keep-alive"))
			fr->conn_keep = 1;
		return 1;
	}
	return 0;
}

static int
framing_end(struct framing *fr, const char **reason)
{
	if (fr->chunked && fr->ncl > 0) {
		*reason = "Content-Length with Transfer-Encoding";
		return -1;
	}
	return 0;
}

static int
msg_init(struct msg *m, int response)
{
	if (head_init(&m->head, response) == -1)
		return -1;
	msg_reset(m);
	return 0;
}

/* Ready for the next message; an error stays: the leg is done. */
static void
msg_reset(struct msg *m)
{
	head_reset(&m->head);
	memset(&m->body, 0, sizeof(m->body));
	m->state = HTTP_HEAD;
}

/*
 * Feed one leg: the head up to its blank line, judged by check once
 * complete, or body bytes; nothing while the caller holds a head or a
 * finished message.  fixed, when not 0, is the status of every error.
 */
static ssize_t
msg_feed(struct msg *m, const char *buf, size_t len, int fixed,
    int (*check)(void *, int *, const char **), void *arg, int *status,
    const char **reason)
{
	ssize_t		 n = 0;
	int		 done;

	if (m->status != 0)
		goto fail;
	switch (m->state) {
	case HTTP_HEAD:
		n = head_scan(&m->head, buf, len, &done, status, reason);
		if (n == -1)
			goto err;
		if (done) {
			if (check(arg, status, reason) == -1)
				goto err;
			m->state = HTTP_HEAD_DONE;
		}
		break;
	case HTTP_BODY:
		n = body_feed(&m->body, buf, len, status, reason, &done);
		if (n == -1)
			goto err;
		if (done)
			m->state = HTTP_DONE;
		break;
	case HTTP_HEAD_DONE:
	case HTTP_DONE:
		break;
	}
	return n;
err:
	m->status = fixed != 0 ? fixed : *status;
	m->reason = *reason;
fail:
	*status = m->status;
	*reason = m->reason;
	return -1;
}

/* The caller has decided on the head: the body, framed so, goes to cb. */
static void
msg_body(struct msg *m, enum body_kind kind, unsigned long long left,
    void (*cb)(void *, const char *, size_t), void *arg)
{
	m->body.kind = kind;
	m->body.cstate = CH_SIZE;
	m->body.left = kind == BODY_CHUNKED ? 0 : left;
	m->body.cb = cb;
	m->body.arg = arg;
	m->state = kind == BODY_NONE ? HTTP_DONE : HTTP_BODY;
}

struct http_intake *
http_intake_new(enum http_mode mode, const char *authority)
{
	struct http_intake	*in;
	int			 hasport;

	if ((in = calloc(1, sizeof(*in))) == NULL)
		return NULL;
	in->mode = mode;
	if (mode == HTTP_TUNNEL) {
		if (authority == NULL ||
		    parse_authority(authority, strlen(authority),
		    in->tunnel_host, sizeof(in->tunnel_host),
		    &in->tunnel_port, &hasport) == -1) {
			free(in);
			return NULL;
		}
		if (!hasport)
			in->tunnel_port = 443;
	}
	if (msg_init(&in->m, 0) == -1) {
		free(in);
		return NULL;
	}
	http_intake_next(in);
	return in;
}

void
http_intake_free(struct http_intake *in)
{
	if (in == NULL)
		return;
	free(in->m.head.buf);
	free(in);
}

enum http_state
http_intake_state(const struct http_intake *in)
{
	return in->m.state;
}

const struct http_request *
http_intake_request(const struct http_intake *in)
{
	return &in->req;
}

/* Ready for the next request; what the last one pointed at is gone. */
void
http_intake_next(struct http_intake *in)
{
	msg_reset(&in->m);
	memset(&in->req, 0, sizeof(in->req));
	in->req.content_length = -1;
}

ssize_t
http_intake_feed(struct http_intake *in, const char *buf, size_t len,
    int *status, const char **reason)
{
	return msg_feed(&in->m, buf, len, 0, request_head, in, status,
	    reason);
}

/*
 * A complete head: http-parser's reading first, on the raw bytes, then
 * ours, which splits the head in place; then the two compared.
 */
static int
request_head(void *arg, int *status, const char **reason)
{
	struct http_intake	*in = arg;
	struct http_hp_view	 hv;

	http_hp_request(in->m.head.buf, in->m.head.len, &hv);
	if (request_line(in, in->m.head.buf, status, reason) == -1 ||
	    request_fields(in, status, reason) == -1 ||
	    request_target(in, status, reason) == -1 ||
	    request_second_opinion(in, &hv, status, reason) == -1)
		return -1;
	return 0;
}

/*
 * The caller has decided on the head: read the body, if any, into cb.
 * CONNECT has none: what follows it is the tunnel, not ours.
 */
void
http_intake_body(struct http_intake *in,
    void (*cb)(void *, const char *, size_t), void *arg)
{
	if (in->m.state != HTTP_HEAD_DONE)
		return;
	if (in->req.chunked)
		msg_body(&in->m, BODY_CHUNKED, 0, cb, arg);
	else if (in->req.content_length > 0)
		msg_body(&in->m, BODY_LENGTH, in->req.content_length, cb, arg);
	else
		msg_body(&in->m, BODY_NONE, 0, cb, arg);
}

/*
 * method SP request-target SP HTTP/1.x, nothing else: one space each,
 * a token for the method, visible ASCII without '#' for the target.
 */
static int
request_line(struct http_intake *in, char *buf, int *status,
    const char **reason)
{
	char	*end, *sp1, *sp2, *p, *ver;

	*status = 400;
	end = strchr(buf, '\r');
	in->fields_off = end - buf + 2;
	*end = '\0';
	if ((sp1 = strchr(buf, ' ')) == NULL) {
		*reason = "request line without a target";
		return -1;
	}
	*sp1 = '\0';
	if (sp1 == buf) {
		*reason = "empty method";
		return -1;
	}
	for (p = buf; p < sp1; p++)
		if (!is_tchar(*p)) {
			*reason = "invalid character in the method";
			return -1;
		}
	if ((sp2 = strchr(sp1 + 1, ' ')) == NULL) {
		*reason = "request line without a version (HTTP/0.9)";
		return -1;
	}
	*sp2 = '\0';
	if (sp2 == sp1 + 1) {
		*reason = "empty request-target";
		return -1;
	}
	for (p = sp1 + 1; p < sp2; p++) {
		unsigned char c = *p;

		if (c <= 0x20 || c >= 0x7f || c == '#') {
			*reason = "invalid character in the request-target";
			return -1;
		}
	}
	ver = sp2 + 1;
	if (strlen(ver) != 8 || strncmp(ver, "HTTP/", 5) != 0 ||
	    !isdigit((unsigned char)ver[5]) || ver[6] != '.' ||
	    !isdigit((unsigned char)ver[7])) {
		*reason = "malformed HTTP version";
		return -1;
	}
	if (ver[5] != '1' || (ver[7] != '0' && ver[7] != '1')) {
		*status = 505;
		*reason = "HTTP version other than 1.0 or 1.1";
		return -1;
	}
	in->req.method = buf;
	in->req.target = sp1 + 1;
	in->req.minor = ver[7] - '0';
	in->req.connect = strcmp(buf, "CONNECT") == 0;
	return 0;
}

/* The fields, and what the framing and the proxy need of them. */
static int
request_fields(struct http_intake *in, int *status, const char **reason)
{
	struct http_request	*r = &in->req;
	struct framing		 fr;
	const char		*name, *v;
	size_t			 i, nhost = 0, nup = 0, nexpect = 0;
	int			 rc;

	if (head_fields(in->m.head.buf, in->fields_off, r->field, &r->nfield,
	    status, reason) == -1)
		return -1;
	*status = 400;
	framing_init(&fr);
	for (i = 0; i < r->nfield; i++) {
		name = r->field[i].name;
		v = r->field[i].value;
		if (strcasecmp(name, "Host") == 0) {
			if (nhost++ > 0) {
				*reason = "more than one Host";
				return -1;
			}
			r->host = v;
		} else if ((rc = framing_field(&fr, name, v, reason)) != 0) {
			if (rc == 1)
				continue;
			/* RFC 9112 6.1: a coding we do not know is 501 */
			if (fr.te_unknown)
				*status = 501;
			return -1;
		} else if (strcasecmp(name, "Upgrade") == 0) {
			if (nup++ > 0) {
				*reason = "more than one Upgrade";
				return -1;
			}
			if (strncasecmp(v, "h2c", 3) == 0 ||
			    token_list_has(v, "h2c")) {
				*reason = "Upgrade: h2c refused";
				return -1;
			}
			if (strcasecmp(v, "websocket") != 0) {
				*reason = "Upgrade other than websocket";
				return -1;
			}
			r->upgrade = 1;
		} else if (strcasecmp(name, "Expect") == 0) {
			if (strcasecmp(v, "100-continue") != 0 || nexpect++) {
				*status = 417;
				*reason = "Expect other than 100-continue";
				return -1;
			}
			/* RFC 9110 10.1.1: ignored from HTTP/1.0 */
			r->expect_continue = r->minor == 1;
		}
	}
	if (framing_end(&fr, reason) == -1)
		return -1;
	r->content_length = fr.content_length;
	r->chunked = fr.chunked;
	if (r->chunked && r->minor == 0) {
		*reason = "Transfer-Encoding in HTTP/1.0";
		return -1;
	}
	if (r->connect && (r->chunked || r->content_length > 0)) {
		*reason = "CONNECT with a body";
		return -1;
	}
	if (r->minor == 1)
		r->keepalive = !fr.conn_close;
	else
		r->keepalive = fr.conn_keep && !fr.conn_close;
	return 0;
}

/*
 * The method and the request-target for the mode, and Host against the
 * authority the request is for.
 */
static int
request_target(struct http_intake *in, int *status, const char **reason)
{
	struct http_request	*r = &in->req;
	const char		*t = r->target, *a, *ae;
	char			 hhost[256];
	uint16_t		 hport, dport;
	int			 hasport, hhasport;

	*status = 400;
	if (strcmp(r->method, "TRACE") == 0 ||
	    strcmp(r->method, "TRACK") == 0) {
		*reason = "TRACE refused";
		return -1;
	}
	if (r->connect && in->mode != HTTP_PROXY) {
		*reason = "CONNECT inside the tunnel";
		return -1;
	}
	if (in->mode == HTTP_PROXY && r->connect) {
		/* authority-form, port required */
		if (parse_authority(t, strlen(t), r->authority_host,
		    sizeof(r->authority_host), &r->authority_port,
		    &hasport) == -1 || !hasport) {
			*reason = "CONNECT target not host:port";
			return -1;
		}
		dport = 443;
		r->path = NULL;
	} else if (in->mode == HTTP_PROXY) {
		if (strncasecmp(t, "https://", 8) == 0) {
			*reason = "https:// absolute-form refused: use CONNECT";
			return -1;
		}
		if (strncasecmp(t, "http://", 7) != 0) {
			*reason = "proxy request-target not http:// "
			    "absolute-form";
			return -1;
		}
		a = t + 7;
		ae = a + strcspn(a, "/?");
		if (memchr(a, '@', ae - a) != NULL ||
		    parse_authority(a, ae - a, r->authority_host,
		    sizeof(r->authority_host), &r->authority_port,
		    &hasport) == -1) {
			*reason = "bad authority in the request-target";
			return -1;
		}
		if (!hasport)
			r->authority_port = 80;
		if (*ae == '?') {
			/* "http://h?q": no path to forward the query on */
			*reason = "absolute-form without a path before the "
			    "query";
			return -1;
		}
		dport = 80;
		r->path = *ae == '/' ? ae : "/";
	} else {
		/* "//host/p" is read as a network-path by some servers */
		if (t[0] != '/' || t[1] == '/') {
			*reason = "request-target not origin-form";
			return -1;
		}
		r->path = t;
		if (in->mode == HTTP_TUNNEL) {
			strlcpy(r->authority_host, in->tunnel_host,
			    sizeof(r->authority_host));
			r->authority_port = in->tunnel_port;
		}
		dport = 443;
	}

	if (r->host == NULL) {
		/*
		 * RFC 9112 3.2 asks for Host in every HTTP/1.1 request.
		 * CONNECT names its authority in its request line, the
		 * only one the tunnel uses; a client that sends no Host
		 * with it is let be.
		 */
		if (r->minor == 1 && in->mode != HTTP_API && !r->connect) {
			*reason = "HTTP/1.1 request without Host";
			return -1;
		}
		if (r->connect)
			r->host = r->target;
		return 0;
	}
	if (parse_authority(r->host, strlen(r->host), hhost, sizeof(hhost),
	    &hport, &hhasport) == -1) {
		*reason = "malformed Host";
		return -1;
	}
	if (in->mode == HTTP_API)
		return 0;
	if (!hhasport)
		hport = dport;
	if (strcmp(hhost, r->authority_host) != 0 ||
	    hport != r->authority_port) {
		*reason = in->mode == HTTP_TUNNEL ?
		    "Host differs from the CONNECT authority" :
		    "Host differs from the request-target";
		return -1;
	}
	if (r->connect)
		r->host = r->target;
	return 0;
}

/*
 * It must have accepted the head, ended it where we did, and agree on
 * the version, the method and the framing.
 */
static int
request_second_opinion(struct http_intake *in, const struct http_hp_view *v,
    int *status, const char **reason)
{
	struct http_request	*r = &in->req;

	*status = 400;
	if (v->bad_method) {
		*status = 501;
		*reason = "method not implemented";
		return -1;
	}
	if (!v->complete || v->error || v->consumed != in->m.head.len) {
		*reason = "request refused by http-parser";
		return -1;
	}
	*reason = "http-parser disagrees on the request";
	if (v->major != 1 || v->minor != r->minor ||
	    strcmp(v->method, r->method) != 0 || v->chunked != r->chunked)
		return -1;
	if (!r->chunked && r->content_length >= 0 &&
	    v->content_length != (unsigned long long)r->content_length)
		return -1;
	return 0;
}

/*
 * Body bytes: a length counted down, or chunked decoded strictly.  *done
 * is set, and nothing more consumed, at the message's last byte.
 */
static ssize_t
body_feed(struct body *b, const char *buf, size_t len, int *status,
    const char **reason, int *done)
{
	size_t		 i = 0, n;
	unsigned char	 c;
	int		 d;

	*done = 0;
	*status = 400;
	if (b->kind == BODY_NONE) {
		*done = 1;
		return 0;
	}
	if (b->kind == BODY_CLOSE || b->kind == BODY_LENGTH) {
		n = len;
		if (b->kind == BODY_LENGTH && n > b->left)
			n = b->left;
		if (n > 0 && b->cb != NULL)
			b->cb(b->arg, buf, n);
		if (b->kind == BODY_LENGTH) {
			b->left -= n;
			if (b->left == 0)
				*done = 1;
		}
		return n;
	}
	while (i < len) {
		c = buf[i];
		switch (b->cstate) {
		case CH_SIZE:
			if (isxdigit(c)) {
				if (++b->ndigits > 15) {
					*reason = "chunk size too large";
					return -1;
				}
				d = isdigit(c) ? c - '0' :
				    tolower(c) - 'a' + 10;
				b->left = b->left * 16 + d;
			} else if (b->ndigits == 0) {
				*reason = "chunk size not hexadecimal";
				return -1;
			} else if (c == ';') {
				b->extlen = 1;	/* the ';' counts */
				b->cstate = CH_EXT;
			} else if (c == '\r')
				b->cstate = CH_SIZE_LF;
			else {
				*reason = "bad chunk-size line";
				return -1;
			}
			i++;
			break;
		case CH_EXT:
			if (c == '\r') {
				b->cstate = CH_SIZE_LF;
			} else if (c == '\n') {
				*reason = "LF inside a chunk extension";
				return -1;
			} else if (c != '\t' && (c < 0x20 || c >= 0x7f)) {
				*reason = "control byte in a chunk extension";
				return -1;
			} else if (++b->extlen > HTTP_CHUNK_EXT_MAX) {
				*reason = "chunk extensions over 128 bytes";
				return -1;
			}
			i++;
			break;
		case CH_SIZE_LF:
			if (c != '\n') {
				*reason = "bare CR in a chunk-size line";
				return -1;
			}
			i++;
			b->cstate = b->left == 0 ? CH_TRAILER : CH_DATA;
			break;
		case CH_DATA:
			n = len - i;
			if (n > b->left)
				n = b->left;
			if (b->cb != NULL)
				b->cb(b->arg, buf + i, n);
			b->left -= n;
			i += n;
			if (b->left == 0)
				b->cstate = CH_DATA_CR;
			break;
		case CH_DATA_CR:
			if (c != '\r') {
				*reason = "chunk data longer than its size";
				return -1;
			}
			i++;
			b->cstate = CH_DATA_LF;
			break;
		case CH_DATA_LF:
			if (c != '\n') {
				*reason = "bare CR after chunk data";
				return -1;
			}
			i++;
			b->ndigits = 0;
			b->extlen = 0;
			b->left = 0;
			b->cstate = CH_SIZE;
			break;
		case CH_TRAILER:
			if (c == '\r') {
				i++;
				b->cstate = CH_END_LF;
				break;
			}
			if (!is_tchar(c)) {
				*reason = "bad trailer field";
				return -1;
			}
			b->cstate = CH_TRAILER_NAME;
			break;
		case CH_TRAILER_NAME:
			if (++b->trailerlen > HTTP_TRAILER_MAX) {
				*reason = "trailer section too large";
				return -1;
			}
			i++;
			if (c == ':')
				b->cstate = CH_TRAILER_VALUE;
			else if (!is_tchar(c)) {
				*reason = "bad trailer field name";
				return -1;
			}
			break;
		case CH_TRAILER_VALUE:
			if (++b->trailerlen > HTTP_TRAILER_MAX) {
				*reason = "trailer section too large";
				return -1;
			}
			i++;
			if (c == '\r')
				b->cstate = CH_TRAILER_LF;
			else if (c != '\t' && (c < 0x20 || c == 0x7f)) {
				*reason = "control byte in a trailer field";
				return -1;
			}
			break;
		case CH_TRAILER_LF:
			if (c != '\n') {
				*reason = "bare CR in a trailer field";
				return -1;
			}
			i++;
			b->cstate = CH_TRAILER;
			break;
		case CH_END_LF:
			if (c != '\n') {
				*reason = "bare CR at the end of the trailers";
				return -1;
			}
			*done = 1;
			return i + 1;
		}
	}
	return i;
}

/* Whether name is hop-by-hop, or named by the request's Connection. */
int
http_field_hop(const struct http_request *r, const char *name)
{
	size_t	 i;

	for (i = 0; i < nitems(hop_fields); i++)
		if (strcasecmp(name, hop_fields[i]) == 0)
			return 1;
	if (r == NULL)
		return 0;
	for (i = 0; i < r->nfield; i++)
		if (strcasecmp(r->field[i].name, "Connection") == 0 &&
		    token_list_has(r->field[i].value, name))
			return 1;
	return 0;
}

/* The first value of a field, or NULL. */
const char *
http_request_get(const struct http_request *r, const char *name)
{
	size_t	 i;

	for (i = 0; i < r->nfield; i++)
		if (strcasecmp(r->field[i].name, name) == 0)
			return r->field[i].value;
	return NULL;
}

const char *
http_response_get(const struct http_response *r, const char *name)
{
	size_t	 i;

	for (i = 0; i < r->nfield; i++)
		if (strcasecmp(r->field[i].name, name) == 0)
			return r->field[i].value;
	return NULL;
}

/* The upstream's side.  Every error is the upstream's: 502. */

struct http_reader *
http_reader_new(void)
{
	struct http_reader	*rd;

	if ((rd = calloc(1, sizeof(*rd))) == NULL)
		return NULL;
	if (msg_init(&rd->m, 1) == -1) {
		free(rd);
		return NULL;
	}
	http_reader_start(rd, 0);
	return rd;
}

void
http_reader_free(struct http_reader *rd)
{
	if (rd == NULL)
		return;
	free(rd->m.head.buf);
	free(rd);
}

/* Ready for the response to a new request; method_head: it was HEAD. */
void
http_reader_start(struct http_reader *rd, int method_head)
{
	rd->method_head = method_head;
	msg_reset(&rd->m);
	memset(&rd->resp, 0, sizeof(rd->resp));
	rd->resp.content_length = -1;
}

enum http_state
http_reader_state(const struct http_reader *rd)
{
	return rd->m.state;
}

const struct http_response *
http_reader_response(const struct http_reader *rd)
{
	return &rd->resp;
}

/*
 * HTTP/1.x SP 3DIGIT [SP reason], the fields, and the framing of RFC 9112
 * 6.3: HEAD, 1xx, 204 and 304 have no body; chunked; Content-Length;
 * otherwise until the upstream closes.
 */
static int
response_head(void *arg, int *status, const char **reason)
{
	struct http_reader	*rd = arg;
	struct http_response	*r = &rd->resp;
	char			*buf = rd->m.head.buf, *end, *p;
	struct framing		 fr;
	size_t			 i;
	struct http_hp_view	 hv;

	/* The second opinion reads the raw head; it is judged last. */
	http_hp_response(buf, rd->m.head.len, rd->method_head, &hv);
	end = strchr(buf, '\r');
	if (end - buf < 12 || strncmp(buf, "HTTP/1.", 7) != 0 ||
	    (buf[7] != '0' && buf[7] != '1') || buf[8] != ' ' ||
	    !isdigit((unsigned char)buf[9]) ||
	    !isdigit((unsigned char)buf[10]) ||
	    !isdigit((unsigned char)buf[11]) ||
	    (end - buf > 12 && buf[12] != ' ')) {
		*reason = "malformed status line";
		return -1;
	}
	for (p = buf + 12; p < end; p++)
		if (*p != '\t' && ((unsigned char)*p < 0x20 || *p == 0x7f)) {
			*reason = "control byte in the reason phrase";
			return -1;
		}
	r->minor = buf[7] - '0';
	r->status = (buf[9] - '0') * 100 + (buf[10] - '0') * 10 +
	    (buf[11] - '0');
	if (r->status < 100 || r->status > 599) {
		*reason = "status code out of range";
		return -1;
	}
	*end = '\0';
	r->reason = end - buf > 12 ? buf + 13 : "";
	if (head_fields(buf, end - buf + 2, r->field, &r->nfield, status,
	    reason) == -1)
		return -1;
	framing_init(&fr);
	for (i = 0; i < r->nfield; i++)
		if (framing_field(&fr, r->field[i].name, r->field[i].value,
		    reason) == -1)
			return -1;
	if (framing_end(&fr, reason) == -1)
		return -1;
	r->content_length = fr.content_length;
	r->chunked = fr.chunked;
	if (rd->method_head || r->status / 100 == 1 || r->status == 204 ||
	    r->status == 304)
		r->nobody = 1;
	else if (!r->chunked && r->content_length < 0)
		r->close_delimited = 1;
	if (!hv.complete || hv.error || hv.consumed != rd->m.head.len ||
	    hv.status != r->status || hv.minor != r->minor) {
		*reason = "response refused by http-parser";
		return -1;
	}
	if (!r->nobody && (hv.chunked != r->chunked || (!r->chunked &&
	    r->content_length >= 0 &&
	    hv.content_length != (unsigned long long)r->content_length))) {
		*reason = "http-parser disagrees on the response";
		return -1;
	}
	r->keepalive = !fr.conn_close && !r->close_delimited &&
	    (r->minor == 1 || fr.conn_keep) && r->status != 101;
	return 0;
}

ssize_t
http_reader_feed(struct http_reader *rd, const char *buf, size_t len,
    int *error, const char **reason)
{
	return msg_feed(&rd->m, buf, len, 502, response_head, rd, error,
	    reason);
}

/*
 * The caller has the head: read the body into cb.  After an interim 1xx
 * head (not 101) the reader goes back to HTTP_HEAD for the final one;
 * 101 ends the message: what follows is not HTTP.
 */
void
http_reader_body(struct http_reader *rd,
    void (*cb)(void *, const char *, size_t), void *arg)
{
	struct http_response	*r = &rd->resp;

	if (rd->m.state != HTTP_HEAD_DONE)
		return;
	if (r->status / 100 == 1 && r->status != 101) {
		http_reader_start(rd, rd->method_head);
		return;
	}
	if (r->nobody || r->content_length == 0)
		msg_body(&rd->m, BODY_NONE, 0, cb, arg);
	else if (r->chunked)
		msg_body(&rd->m, BODY_CHUNKED, 0, cb, arg);
	else if (r->content_length > 0)
		msg_body(&rd->m, BODY_LENGTH, r->content_length, cb, arg);
	else
		msg_body(&rd->m, BODY_CLOSE, 0, cb, arg);
}

/*
 * The upstream closed.  That ends a close-delimited body; anywhere else
 * but between messages it cuts a response short: -1.
 */
int
http_reader_eof(struct http_reader *rd)
{
	struct msg	*m = &rd->m;

	if (m->status != 0)
		return -1;
	if (m->state == HTTP_BODY && m->body.kind == BODY_CLOSE) {
		m->state = HTTP_DONE;
		return 0;
	}
	if (m->state == HTTP_DONE)
		return 0;
	m->status = 502;
	m->reason = m->state == HTTP_HEAD && m->head.len == 0 ?
	    "upstream closed without a response" :
	    "upstream closed in the middle of a response";
	return -1;
}
