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
 * http_hp.c: run http-parser over a head http.c has already accepted.
 * Both must accept it and agree on its framing; a head two parsers read
 * differently is one an upstream might read differently too.
 */

#include <sys/types.h>

#include <string.h>

#include <http_parser.h>

#include "http_hp.h"

static int	hp_headers_complete(http_parser *);

static const http_parser_settings hp_settings = {
	.on_headers_complete = hp_headers_complete
};

/* Stop at the end of the head; a response to HEAD has no body. */
static int
hp_headers_complete(http_parser *p)
{
	int	*skipbody = p->data;

	http_parser_pause(p, 1);
	return *skipbody;
}

static void
hp_run(enum http_parser_type type, const char *buf, size_t len,
    int skipbody, struct http_hp_view *v)
{
	http_parser	 hp;
	enum http_errno	 e;

	memset(v, 0, sizeof(*v));
	http_parser_init(&hp, type);
	hp.data = &skipbody;
	v->consumed = http_parser_execute(&hp, &hp_settings, buf, len);
	e = HTTP_PARSER_ERRNO(&hp);
	v->complete = e == HPE_PAUSED;
	/* Paused on the blank line's LF, which it has not counted yet. */
	if (v->complete)
		v->consumed++;
	v->error = e != HPE_OK && e != HPE_PAUSED;
	v->bad_method = e == HPE_INVALID_METHOD;
	v->major = hp.http_major;
	v->minor = hp.http_minor;
	if (type == HTTP_REQUEST)
		v->method = http_method_str(hp.method);
	v->status = hp.status_code;
	v->chunked = (hp.flags & F_CHUNKED) != 0;
	v->content_length = hp.content_length;
}

void
http_hp_request(const char *buf, size_t len, struct http_hp_view *v)
{
	hp_run(HTTP_REQUEST, buf, len, 0, v);
}

void
http_hp_response(const char *buf, size_t len, int method_head,
    struct http_hp_view *v)
{
	hp_run(HTTP_RESPONSE, buf, len, method_head, v);
}
