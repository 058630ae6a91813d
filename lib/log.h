/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* log.h: logging for every process: stderr in the foreground, else syslog. */

#ifndef AILERON_LOG_H
#define AILERON_LOG_H

#include <stdarg.h>

void	log_init(int foreground, int verbose, const char *procname);
void	log_init_cli(void);
void	log_procname(const char *procname);
void	log_setverbose(int verbose);
int	log_getverbose(void);
void	log_warn(const char *, ...)
	    __attribute__((__format__ (printf, 1, 2)));
void	log_warnx(const char *, ...)
	    __attribute__((__format__ (printf, 1, 2)));
void	log_info(const char *, ...)
	    __attribute__((__format__ (printf, 1, 2)));
void	log_debug(const char *, ...)
	    __attribute__((__format__ (printf, 1, 2)));
void	vlog(int, const char *, va_list)
	    __attribute__((__format__ (printf, 2, 0)));
void	fatal(const char *, ...)
	    __attribute__((__format__ (printf, 1, 2), __noreturn__));
void	fatalx(const char *, ...)
	    __attribute__((__format__ (printf, 1, 2), __noreturn__));

/* The "s" of a plural noun after a count: "%d worker%s", n, PLURAL(n). */
#define PLURAL(n)	((n) == 1 ? "" : "s")

#endif
