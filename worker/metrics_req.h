/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* metrics_req.h: a request head on the metrics listener, and its checks. */

#ifndef AILERON_WORKER_METRICS_REQ_H
#define AILERON_WORKER_METRICS_REQ_H

#include <stddef.h>
#include <stdint.h>

#include <http_parser.h>

#define METRICS_HDR_MAX		512	/* Host, Authorization */
#define METRICS_HEAD_MAX	(16 * 1024)

/* Only what the checks need: the target, Host and Authorization. */
struct metrics_req {
	http_parser	 hp;
	char		 url[256];
	size_t		 urllen;
	char		 field[32];
	size_t		 fieldlen;
	int		 invalue;	/* the last callback was a value */
	char		*cur;		/* the value being read, or NULL */
	size_t		*curlen;
	char		 host[METRICS_HDR_MAX];
	size_t		 hostlen;
	int		 nhost;
	char		 auth[METRICS_HDR_MAX];
	size_t		 authlen;
	int		 nauth;
	size_t		 headbytes;
	int		 done;
	int		 status;
};

void	metrics_req_init(struct metrics_req *);
int	metrics_req_feed(struct metrics_req *, const char *, size_t);
int	metrics_req_token_ok(const char *, const uint8_t *, int);

#endif
