/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* apiclient.h: requests to the management API on api.sock. */

#ifndef AILERON_CLI_APICLIENT_H
#define AILERON_CLI_APICLIENT_H

#include <stddef.h>

int		 apiclient_call(const char *, const char *, const char *,
		    const char *, const char *, long *, char **);
const char	*apiclient_problem(const char *);
int		 apiclient_service(const char *, const char *, char *, size_t,
		    char *, size_t);

#endif
