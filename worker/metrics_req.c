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
 * metrics_req.c: the request head a client sends the metrics listener
 * (api_metrics.c), read with http-parser into bounded fields, and the
 * bearer token's check; apart, so that a fuzz target (t/fuzz/
 * fuzz_metrics.c) takes them alone.  A head is untrusted bytes from
 * the network: every field is bounded, a value too long for its field
 * is refused, and a header seen twice is counted so that the caller can
 * refuse it.
 */

#include <sys/types.h>

#include <string.h>
#include <strings.h>

#include <http_parser.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "worker/metrics_req.h"

static int	metrics_on_url(http_parser *, const char *, size_t);
static int	metrics_on_field(http_parser *, const char *, size_t);
static int	metrics_on_value(http_parser *, const char *, size_t);
static int	metrics_on_headers(http_parser *);

static const http_parser_settings metrics_settings = {
	.on_url = metrics_on_url,
	.on_header_field = metrics_on_field,
	.on_header_value = metrics_on_value,
	.on_headers_complete = metrics_on_headers,
};

static int
metrics_on_url(http_parser *hp, const char *at, size_t len)
{
	struct metrics_req	*rq = hp->data;

	if (len >= sizeof(rq->url) - rq->urllen) {
		rq->status = 414;
		return 1;
	}
	memcpy(rq->url + rq->urllen, at, len);
	rq->urllen += len;
	rq->url[rq->urllen] = '\0';
	return 0;
}

static int
metrics_on_field(http_parser *hp, const char *at, size_t len)
{
	struct metrics_req	*rq = hp->data;

	if (rq->invalue) {
		rq->invalue = 0;
		rq->fieldlen = 0;
	}
	/* A name longer than ours is none of ours: keep its start. */
	if (len > sizeof(rq->field) - 1 - rq->fieldlen)
		len = sizeof(rq->field) - 1 - rq->fieldlen;
	memcpy(rq->field + rq->fieldlen, at, len);
	rq->fieldlen += len;
	rq->field[rq->fieldlen] = '\0';
	return 0;
}

static int
metrics_on_value(http_parser *hp, const char *at, size_t len)
{
	struct metrics_req	*rq = hp->data;

	if (!rq->invalue) {
		rq->invalue = 1;
		rq->cur = NULL;
		if (strcasecmp(rq->field, "host") == 0) {
			rq->nhost++;
			rq->cur = rq->host;
			rq->curlen = &rq->hostlen;
		} else if (strcasecmp(rq->field, "authorization") == 0) {
			rq->nauth++;
			rq->cur = rq->auth;
			rq->curlen = &rq->authlen;
		}
		/* A header seen again starts over (and is refused). */
		if (rq->cur != NULL) {
			*rq->curlen = 0;
			rq->cur[0] = '\0';
		}
	}
	if (rq->cur == NULL)
		return 0;
	if (len >= METRICS_HDR_MAX - *rq->curlen) {
		rq->status = 431;
		return 1;
	}
	memcpy(rq->cur + *rq->curlen, at, len);
	*rq->curlen += len;
	rq->cur[*rq->curlen] = '\0';
	return 0;
}

/* The head is all we read: a GET has no body. */
static int
metrics_on_headers(http_parser *hp)
{
	struct metrics_req	*rq = hp->data;

	rq->done = 1;
	http_parser_pause(hp, 1);
	return 0;
}

void
metrics_req_init(struct metrics_req *rq)
{
	memset(rq, 0, sizeof(*rq));
	http_parser_init(&rq->hp, HTTP_REQUEST);
	rq->hp.data = rq;
}

/*
 * Feed bytes of the head: 0 for more, 1 when it is whole, or the HTTP
 * status to refuse it with.  Bytes past the head are not looked at.
 */
int
metrics_req_feed(struct metrics_req *rq, const char *buf, size_t len)
{
	if (rq->done)
		return 1;
	if (rq->status != 0)
		return rq->status;
	if (rq->headbytes + len > METRICS_HEAD_MAX)
		len = METRICS_HEAD_MAX - rq->headbytes;
	rq->headbytes += http_parser_execute(&rq->hp, &metrics_settings, buf,
	    len);
	if (rq->status != 0)
		return rq->status;
	if (rq->done || HTTP_PARSER_ERRNO(&rq->hp) == HPE_PAUSED)
		return 1;
	if (HTTP_PARSER_ERRNO(&rq->hp) != HPE_OK)
		return 400;
	if (rq->headbytes >= METRICS_HEAD_MAX)
		return 431;
	return 0;
}

/*
 * "Bearer TOKEN" whose SHA-256 is hash (when set).  Every bearer is
 * hashed and compared in full, so the time says nothing of how close a
 * guess came.
 */
int
metrics_req_token_ok(const char *auth, const uint8_t *hash, int set)
{
	uint8_t		 h[SHA256_DIGEST_LENGTH];
	const char	*tok;
	int		 ok;

	if (strncasecmp(auth, "Bearer ", 7) != 0)
		return 0;
	for (tok = auth + 7; *tok == ' '; tok++)
		;
	SHA256((const unsigned char *)tok, strlen(tok), h);
	ok = CRYPTO_memcmp(h, hash, sizeof(h)) == 0;
	explicit_bzero(h, sizeof(h));
	return ok && set;
}
