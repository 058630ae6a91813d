/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* audit.h: control's audit log, one JSON object a line. */

#ifndef AILERON_CONTROL_AUDIT_H
#define AILERON_CONTROL_AUDIT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#define AUDIT_FILE		"audit.log"
#define AUDIT_DEPTH_MAX		8	/* a worker record's nesting */

int	 control_audit_open(const char *);
char	*control_audit_record(const void *, size_t, const struct timespec *,
	    uint32_t, const char *, const char *, const char **);
char	*control_audit_event(json_t *, const struct timespec *);
int	 control_audit_write(int, const char *);
int	 control_audit_depth(const char *, size_t, int);

#endif
