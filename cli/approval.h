/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/*
 * approval.h: how an approval is shown on a terminal, by "aileron
 * approval" and by launch's question (cli/launch_pty.c).
 */

#ifndef AILERON_CLI_APPROVAL_H
#define AILERON_CLI_APPROVAL_H

#include <stddef.h>

#include <jansson.h>

#define APPROVAL_ARG_LINES	8	/* arguments shown, at most */
#define APPROVAL_PATH_SHOWN	60	/* of the path, on a question's line */

char	*approval_arg_lines(json_t *, const char *, int);
void	 approval_request(json_t *, char *, size_t);
int	 approval_width(int);

#endif
