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
 * title.c: how a process names itself for ps(1) and top(1), as OpenBSD's
 * daemons do: "aileron: master", "aileron: worker (busy: 127.0.0.1:5071)".
 * libbsd's setproctitle writes the title over the original arguments and
 * environment (it copies both aside first).
 */

#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "title.h"

static char	*title_argend;	/* the NUL after the original last argument */

void
title_init(int argc, char *argv[])
{
	if (argc < 1)
		return;		/* exec'd without even argv[0]: no title */
	title_argend = argv[argc - 1] + strlen(argv[argc - 1]);
	setproctitle_init(argc, argv, environ);
	/* Titles start "aileron:", whichever binary runs (aileron-service). */
	setprogname("aileron");
}

void
title_set(const char *fmt, ...)
{
	char	 buf[128];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	setproctitle("%s", buf);
	/*
	 * Linux shows the argument area as it is, each NUL as a space, unless
	 * its last byte is not a NUL: then it shows the title up to its NUL.
	 * Without this, a title shorter than the original arguments shows
	 * libbsd's marker after it: "aileron: master           .".
	 */
	if (title_argend != NULL && *title_argend == '\0')
		*title_argend = ' ';
}
