/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* usage.h: hourly usage rollups kept with the audit log, and their query. */

#ifndef AILERON_CONTROL_USAGE_H
#define AILERON_CONTROL_USAGE_H

#include <stdint.h>

#include <db.h>
#include <jansson.h>

#define USAGE_DB_NAME	"usage.db"

/*
 * Approval latency: a fixed log-scale histogram, four buckets per
 * doubling from 1 ms; bucket 0 is under 1 ms, the last everything from
 * 2^27 ms (37 hours) up.
 */
#define USAGE_HIST	109

struct msg;
struct prices;
struct proc;
struct proc_peer;

int	 control_usage_open(struct proc *, DB *, uint64_t, uint64_t);
void	 control_usage_add(json_t *, int64_t);
int	 control_usage_flush(DB_TXN *);
void	 control_usage_discard(void);
int	 control_usage_expire(DB_TXN *, int64_t);
void	 control_usage_query_msg(struct proc_peer *, struct msg *, uint32_t,
	    const struct prices *);
int	 control_usage_bucket(int64_t);
double	 control_usage_quantile(const uint32_t *, double);

#endif
