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
 * http.h: the worker's strict HTTP/1.x intake (requests from the agent)
 * and reader (responses from the upstream).  Pure code: bytes in, heads
 * and de-chunked bodies out, no I/O.
 */

#ifndef AILERON_HTTP_H
#define AILERON_HTTP_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

enum http_mode {
	HTTP_PROXY,	/* agent's proxy connection: CONNECT or http:// */
	HTTP_TUNNEL,	/* inside an intercepted tunnel: origin-form */
	HTTP_API	/* local management API: origin-form, Host optional */
};

#define HTTP_HEAD_MAX		(64 * 1024)	/* whole head, with the line */
#define HTTP_FIELDS_MAX		100
#define HTTP_LINE_MAX		(8 * 1024)	/* request or status line */
#define HTTP_CHUNK_EXT_MAX	128	/* chunk extensions of one chunk */
#define HTTP_TRAILER_MAX	(8 * 1024)	/* trailer section, dropped */

enum http_state {
	HTTP_HEAD,		/* reading a head */
	HTTP_HEAD_DONE,		/* head complete; call ..._body() */
	HTTP_BODY,		/* reading the body */
	HTTP_DONE		/* message complete; call ..._next() */
};

/* Names and values point into the intake's head buffer, NUL-ended. */
struct http_field {
	const char	*name;
	const char	*value;
};

struct http_request {
	const char		*method;
	const char		*target;	/* as sent */
	const char		*path;		/* origin-form part of target */
	int			 minor;		/* HTTP/1.minor */
	struct http_field	 field[HTTP_FIELDS_MAX];
	size_t			 nfield;
	const char		*host;		/* Host, or CONNECT's target */
	/*
	 * CONNECT's target, the absolute-form's authority, or in
	 * HTTP_TUNNEL the tunnel's authority: lower case, IPv6 without
	 * brackets, port defaulted (443 CONNECT/tunnel, 80 http://).
	 */
	char			 authority_host[256];
	uint16_t		 authority_port;
	long long		 content_length;	/* -1 when none */
	int			 chunked;
	int			 expect_continue;
	int			 keepalive;
	int			 upgrade;	/* Upgrade: websocket */
	int			 connect;	/* method is CONNECT */
};

struct http_response {
	int			 status;
	int			 minor;
	const char		*reason;	/* reason phrase, maybe "" */
	struct http_field	 field[HTTP_FIELDS_MAX];
	size_t			 nfield;
	long long		 content_length;	/* -1 when none */
	int			 chunked;
	int			 close_delimited;
	int			 nobody;	/* HEAD, 1xx, 204, 304 */
	int			 keepalive;	/* upstream may be reused */
};

/*
 * One intake per agent-side leg, one reader per upstream leg.  Feeding
 * returns the bytes taken, or -1 with the status to answer (400, 414,
 * 417, 431, 501, 505; the reader: always 502) and a short reason, which
 * is a static string, never agent bytes; an error stays.  Feeding stops
 * after a complete, checked head (HTTP_HEAD_DONE) so the caller decides
 * before any body byte is read; ..._body() then lets the body through,
 * de-chunked, to the callback (trailers dropped); at the message's end
 * (HTTP_DONE) feeding stops again, so pipelined bytes stay with the
 * caller.  http_intake_next() and http_reader_start() ready the next
 * message; what a request or response pointed at is then gone.
 *
 * A reader given a 1xx head (not 101) goes back to HTTP_HEAD at
 * http_reader_body() for the final one; 101 ends the message (what
 * follows is not HTTP).  http_reader_eof(): the upstream closed; 0 when
 * that ends a close-delimited body or falls between messages, else -1.
 *
 * Chunk extensions are taken up to HTTP_CHUNK_EXT_MAX bytes per chunk
 * (from the ';'), visible ASCII, SP and HTAB only; never CR or LF.
 */
struct http_intake;
struct http_reader;

struct http_intake	*http_intake_new(enum http_mode, const char *);
void			 http_intake_free(struct http_intake *);
ssize_t			 http_intake_feed(struct http_intake *, const char *,
			    size_t, int *, const char **);
enum http_state		 http_intake_state(const struct http_intake *);
const struct http_request *http_intake_request(const struct http_intake *);
void			 http_intake_body(struct http_intake *,
			    void (*)(void *, const char *, size_t), void *);
void			 http_intake_next(struct http_intake *);

struct http_reader	*http_reader_new(void);
void			 http_reader_free(struct http_reader *);
void			 http_reader_start(struct http_reader *, int);
ssize_t			 http_reader_feed(struct http_reader *, const char *,
			    size_t, int *, const char **);
enum http_state		 http_reader_state(const struct http_reader *);
const struct http_response *http_reader_response(const struct http_reader *);
void			 http_reader_body(struct http_reader *,
			    void (*)(void *, const char *, size_t), void *);
int			 http_reader_eof(struct http_reader *);

int			 http_field_hop(const struct http_request *,
			    const char *);
const char		*http_request_get(const struct http_request *,
			    const char *);
const char		*http_response_get(const struct http_response *,
			    const char *);

#endif
