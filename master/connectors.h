/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* connectors.h: the specs the configuration names, loaded and checked. */

#ifndef AILERON_CONNECTORS_H
#define AILERON_CONNECTORS_H

#include <stddef.h>

struct aileron_conf;
struct chan;
struct matcher;
struct spec;

int	connectors_load(const struct aileron_conf *, struct spec ***,
	    size_t *, struct matcher **);
int	connectors_load_file(const char *statedir, const char *file,
	    struct spec ***, size_t *);
void	connectors_free(struct spec **, size_t, struct matcher *);

#endif
