/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* api_approval.h: the approvals' routes, for api.sock and aileron.internal. */

#ifndef AILERON_WORKER_API_APPROVAL_H
#define AILERON_WORKER_API_APPROVAL_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include "msgtypes.h"

struct api_req;
struct worker_ctx;

int	api_approval_match(const char *);
int	api_approval_parse(const char *, int, const char *, size_t,
	    struct msg_control_approval_api *, const char **);
void	api_approval_answer(const uint8_t *, size_t,
	    void (*)(void *, int, const char *, const char *), void *);
void	api_approval_send(void *, int, const char *, const char *);
int	api_approval(struct worker_ctx *, int, uid_t, int, struct api_req *);
int	api_approval_call(struct worker_ctx *, int,
	    const struct msg_control_approval_api *);

#endif
