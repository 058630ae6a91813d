/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* internal.h: the reserved host aileron.internal, served by the worker. */

#ifndef AILERON_WORKER_INTERNAL_H
#define AILERON_WORKER_INTERNAL_H

#include <stddef.h>

#define INTERNAL_HOST	"aileron.internal"

struct pconn;

void	internal_serve(struct pconn *, const char *, size_t);
void	internal_plain(struct pconn *, const struct http_request *);

#endif
