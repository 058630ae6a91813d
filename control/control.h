/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* control.h: the management plane's process, started by the master. */

#ifndef AILERON_CONTROL_H
#define AILERON_CONTROL_H

#include <sys/types.h>

#include <stddef.h>

extern const char control_promises[];

void	control(int foreground, int verbose) __attribute__((__noreturn__));

/* Teams (issue 11): who a uid on api.sock is; see control.c. */
struct control;
int	control_identity_user(struct control *, uid_t, char *, size_t,
	    int *);

#endif
