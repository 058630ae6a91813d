/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* api.h: the management API a worker serves on api.sock. */

#ifndef AILERON_WORKER_API_H
#define AILERON_WORKER_API_H

#define API_HEAD_MAX	(16 * 1024)	/* request line and headers */
#define API_BODY_MAX	(16 * 1024)
#define API_TIMEOUT_MS	(10 * 1000)	/* to read the whole request */
#define API_CALL_MS	(5 * 1000)	/* control waits 2 s on vaultd */

struct worker_ctx;

void	api_serve(struct worker_ctx *, int);

#endif
