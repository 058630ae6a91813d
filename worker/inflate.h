/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* inflate.h: decodes a gzip or deflate response body for the masker. */

#ifndef AILERON_WORKER_INFLATE_H
#define AILERON_WORKER_INFLATE_H

#include <stddef.h>

/* The most one call of the output function is given. */
#define INFLATE_CHUNK		16384

/* What inflate_coding says of a Content-Encoding. */
#define INFLATE_IDENTITY	0
#define INFLATE_GZIP		1
#define INFLATE_DEFLATE		2
#define INFLATE_UNSCANNABLE	(-1)

struct inflater;

int		 inflate_coding(const char *);
struct inflater	*inflate_new(int);
int		 inflate_feed(struct inflater *, const char *, size_t,
		    void (*)(void *, const char *, size_t), void *);
void		 inflate_abort(struct inflater *);
int		 inflate_end(struct inflater *);
void		 inflate_free(struct inflater *);

#endif
