/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* metrics.h: control's counters for /metrics, kept from the audit records. */

#ifndef AILERON_CONTROL_METRICS_H
#define AILERON_CONTROL_METRICS_H

#include <stddef.h>

#include <jansson.h>

struct control;
struct control_policy;
struct msg;
struct proc;
struct proc_peer;

/* Bounds on what the labels may take; the rest is "other". */
#define METRICS_SERIES_MAX	4096	/* series of all families */
#define METRICS_MODELS_MAX	32	/* distinct model names */
#define METRICS_TEAMS_MAX	64	/* distinct teams */
#define METRICS_LABEL_MAX	64	/* bytes of one label's value */

void	 control_metrics_init(const struct control_policy *);
void	 control_metrics_record(json_t *);
void	 control_metrics_calls(struct proc *, struct proc_peer *,
	    struct msg *);
void	 control_metrics_query(struct control *, struct proc_peer *,
	    struct msg *, int);
char	*control_metrics_text(size_t *);

#endif
