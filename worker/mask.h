/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* mask.h: masks injected credentials in a response the agent will read. */

#ifndef AILERON_WORKER_MASK_H
#define AILERON_WORKER_MASK_H

#include <stddef.h>

/* Secrets one masker holds, and the longest one. */
#define MASK_MAX_SECRETS	16
#define MASK_SECRET_MAX		8192

struct mask;

struct mask	*mask_new(void);
int		 mask_add(struct mask *, const char *, size_t);
int		 mask_add_credential(struct mask *, const char *, size_t);
size_t		 mask_held(const struct mask *);
size_t		 mask_bound(const struct mask *, size_t);
size_t		 mask_feed(struct mask *, const char *, size_t, char *,
		    size_t);
size_t		 mask_flush(struct mask *, char *, size_t);
int		 mask_line(struct mask *, char *, size_t);
size_t		 mask_count(const struct mask *);
void		 mask_free(struct mask *);

#endif
