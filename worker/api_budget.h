/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* api_budget.h: the budgets' part of the management API (issue 14). */

#ifndef AILERON_WORKER_API_BUDGET_H
#define AILERON_WORKER_API_BUDGET_H

#include <sys/types.h>

struct worker_ctx;

int	api_budget_match(const char *);
int	api_budget(struct worker_ctx *, int, uid_t, int);

#endif
