/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* api_audit.h: the audit log's part of the management API. */

#ifndef AILERON_WORKER_API_AUDIT_H
#define AILERON_WORKER_API_AUDIT_H

#include <sys/types.h>

struct worker_ctx;

int	api_audit(struct worker_ctx *, int, uid_t, int, char *);
int	api_audit_decode(char *);
int	api_query_next(char **, const char *const [], unsigned int *, char **,
	    const char *, const char **);

#endif
