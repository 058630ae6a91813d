/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* api_usage.h: GET /v1/usage, the usage rollups' part of the API. */

#ifndef AILERON_WORKER_API_USAGE_H
#define AILERON_WORKER_API_USAGE_H

#include <sys/types.h>

struct worker_ctx;
struct msg_control_usage_query;

int	 api_usage(struct worker_ctx *, int, uid_t, int, char *);
char	*api_usage_text(struct worker_ctx *,
	    struct msg_control_usage_query *, int *, const char **);

#endif
