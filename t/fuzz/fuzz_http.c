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
 * fuzz_http.c: libFuzzer target for the worker's HTTP intake and response
 * reader.  The first byte picks the intake's mode and a split size; the
 * rest is what an agent (or an upstream) sends.  Fed whole and fed in
 * pieces, every input must get the same answer: the same requests, the
 * same body bytes, the same refusal.  Any difference, or a head that
 * breaks the API's promises, aborts.
 */

#include <sys/types.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "worker/http.h"

#define AUTHORITY	"api.example.test:443"

struct outcome {
	int		 status;	/* -1 taken so far, else the refusal */
	int		 nmsg;
	unsigned long	 body;		/* sum of body bytes */
	unsigned long	 hash;		/* of the heads and bodies */
};

int		LLVMFuzzerTestOneInput(const uint8_t *, size_t);
static void	body_cb(void *, const char *, size_t);
static void	mix(struct outcome *, const char *, size_t);
static void	check_request(const struct http_request *);
static void	run_intake(enum http_mode, const char *, size_t, size_t,
		    struct outcome *);
static void	run_reader(const char *, size_t, size_t, int,
		    struct outcome *);

static void
mix(struct outcome *o, const char *s, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		o->hash = o->hash * 31 + (unsigned char)s[i];
}

static void
body_cb(void *arg, const char *b, size_t n)
{
	struct outcome	*o = arg;

	if (n == 0)
		abort();
	o->body += n;
	mix(o, b, n);
}

/* What the intake promises of every head it hands over. */
static void
check_request(const struct http_request *r)
{
	size_t	 i;

	if (r->method == NULL || r->method[0] == '\0' || r->target == NULL ||
	    (r->minor != 0 && r->minor != 1) || r->nfield > HTTP_FIELDS_MAX ||
	    (r->chunked && r->content_length != -1))
		abort();
	for (i = 0; i < r->nfield; i++) {
		if (r->field[i].name[0] == '\0' ||
		    strpbrk(r->field[i].name, " \t\r\n:") != NULL ||
		    strpbrk(r->field[i].value, "\r\n") != NULL)
			abort();
		(void)http_field_hop(r, r->field[i].name);
	}
}

static void
run_intake(enum http_mode mode, const char *data, size_t len, size_t step,
    struct outcome *o)
{
	struct http_intake		*in;
	const struct http_request	*r;
	const char			*reason;
	size_t				 off = 0, n, i;
	ssize_t				 got;
	int				 status;

	memset(o, 0, sizeof(*o));
	o->status = -1;
	in = http_intake_new(mode, mode == HTTP_TUNNEL ? AUTHORITY : NULL);
	if (in == NULL)
		abort();
	for (i = 0; i < 4 * len + 16; i++) {
		switch (http_intake_state(in)) {
		case HTTP_HEAD_DONE:
			r = http_intake_request(in);
			check_request(r);
			o->nmsg++;
			mix(o, r->method, strlen(r->method));
			mix(o, r->target, strlen(r->target));
			if (r->connect)
				goto out;
			http_intake_body(in, body_cb, o);
			continue;
		case HTTP_DONE:
			http_intake_next(in);
			continue;
		default:
			break;
		}
		if (off == len)
			goto out;
		n = step == 0 || step > len - off ? len - off : step;
		got = http_intake_feed(in, data + off, n, &status, &reason);
		if (got == -1) {
			if (status < 400 || status > 599 || reason == NULL)
				abort();
			o->status = status;
			goto out;
		}
		if (got == 0 || (size_t)got > n)
			abort();	/* a fed state must take bytes */
		off += got;
	}
	abort();	/* no progress */
out:
	http_intake_free(in);
}

static void
run_reader(const char *data, size_t len, size_t step, int head,
    struct outcome *o)
{
	struct http_reader		*rd;
	const struct http_response	*r;
	const char			*reason;
	size_t				 off = 0, n, i;
	ssize_t				 got;
	int				 error;

	memset(o, 0, sizeof(*o));
	o->status = -1;
	if ((rd = http_reader_new()) == NULL)
		abort();
	http_reader_start(rd, head);
	for (i = 0; i < 4 * len + 16; i++) {
		switch (http_reader_state(rd)) {
		case HTTP_HEAD_DONE:
			r = http_reader_response(rd);
			if (r->status < 100 || r->status > 599 ||
			    r->nfield > HTTP_FIELDS_MAX)
				abort();
			o->nmsg++;
			o->hash = o->hash * 31 + r->status;
			http_reader_body(rd, body_cb, o);
			continue;
		case HTTP_DONE:
			http_reader_start(rd, head);
			continue;
		default:
			break;
		}
		if (off == len) {
			if (http_reader_eof(rd) == -1)
				o->status = 502;
			goto out;
		}
		n = step == 0 || step > len - off ? len - off : step;
		got = http_reader_feed(rd, data + off, n, &error, &reason);
		if (got == -1) {
			if (error != 502 || reason == NULL)
				abort();
			o->status = error;
			goto out;
		}
		if (got == 0 || (size_t)got > n)
			abort();
		off += got;
	}
	abort();
out:
	http_reader_free(rd);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum http_mode	 modes[] = {
		HTTP_TUNNEL, HTTP_PROXY, HTTP_API
	};
	struct outcome			 whole, split, bytes;
	enum http_mode			 mode;
	size_t				 step;
	char				*buf;

	if (size < 1)
		return 0;
	mode = modes[data[0] % 3];
	step = 1 + (data[0] >> 2) % 13;
	size--;
	/* A heap copy of exactly size bytes, so ASan sees any overread. */
	if ((buf = malloc(size > 0 ? size : 1)) == NULL)
		abort();
	memcpy(buf, data + 1, size);

	run_intake(mode, buf, size, 0, &whole);
	run_intake(mode, buf, size, step, &split);
	if (size <= 4096)
		run_intake(mode, buf, size, 1, &bytes);
	else
		bytes = whole;
	if (memcmp(&whole, &split, sizeof(whole)) != 0 ||
	    memcmp(&whole, &bytes, sizeof(whole)) != 0)
		abort();

	run_reader(buf, size, 0, data[0] & 2, &whole);
	run_reader(buf, size, step, data[0] & 2, &split);
	if (memcmp(&whole, &split, sizeof(whole)) != 0)
		abort();

	free(buf);
	return 0;
}
