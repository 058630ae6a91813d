/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* log.c: logging for every process: stderr in the foreground, else syslog. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static int	 log_foreground = 1;
static int	 log_verbose;
static char	 log_proc[32] = "aileron";
static int	 log_cli;	/* a command, not a daemon: no pid */

void
log_init(int foreground, int verbose, const char *procname)
{
	log_foreground = foreground;
	log_verbose = verbose;
	log_procname(procname);
	if (!foreground)
		openlog("aileron", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	tzset();
}

/* For the CLI: "aileron: message" on stderr. */
void
log_init_cli(void)
{
	log_foreground = 1;
	log_cli = 1;
	strlcpy(log_proc, "aileron", sizeof(log_proc));
}

void
log_procname(const char *procname)
{
	if (procname != NULL)
		strlcpy(log_proc, procname, sizeof(log_proc));
}

void
log_setverbose(int verbose)
{
	log_verbose = verbose;
}

int
log_getverbose(void)
{
	return log_verbose;
}

/*
 * One line per call, written with a single write(2) so lines from the
 * processes sharing stderr do not interleave.  Every line names the process
 * and its pid.
 */
void
vlog(int pri, const char *fmt, va_list ap)
{
	char	 msg[1024], line[1200];
	int	 saved_errno = errno, n;
	size_t	 i;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	/* Never let a logged value break the one-line-per-entry promise. */
	for (i = 0; msg[i] != '\0'; i++)
		if ((unsigned char)msg[i] < 0x20 || msg[i] == 0x7f)
			msg[i] = '?';
	if (log_foreground) {
		if (log_cli)
			n = snprintf(line, sizeof(line), "%s: %s\n", log_proc,
			    msg);
		else
			n = snprintf(line, sizeof(line), "%s[%d]: %s\n",
			    log_proc, (int)getpid(), msg);
		if (n < 0)
			goto out;
		if ((size_t)n >= sizeof(line)) {
			n = sizeof(line) - 1;
			line[n - 1] = '\n';
		}
		if (write(STDERR_FILENO, line, n) == -1)
			goto out;
	} else
		syslog(pri, "%s[%d]: %s", log_proc, (int)getpid(), msg);
 out:
	errno = saved_errno;
}

void
log_warn(const char *emsg, ...)
{
	char	 buf[1024];
	int	 saved_errno = errno;
	va_list	 ap;

	va_start(ap, emsg);
	vsnprintf(buf, sizeof(buf), emsg, ap);
	va_end(ap);
	log_warnx("%s: %s", buf, strerror(saved_errno));
	errno = saved_errno;
}

void
log_warnx(const char *emsg, ...)
{
	va_list	 ap;

	va_start(ap, emsg);
	vlog(LOG_ERR, emsg, ap);
	va_end(ap);
}

void
log_info(const char *emsg, ...)
{
	va_list	 ap;

	va_start(ap, emsg);
	vlog(LOG_INFO, emsg, ap);
	va_end(ap);
}

void
log_debug(const char *emsg, ...)
{
	va_list	 ap;

	if (!log_verbose)
		return;
	va_start(ap, emsg);
	vlog(LOG_DEBUG, emsg, ap);
	va_end(ap);
}

void
fatal(const char *emsg, ...)
{
	char	 buf[1024];
	int	 saved_errno = errno;
	va_list	 ap;

	va_start(ap, emsg);
	vsnprintf(buf, sizeof(buf), emsg, ap);
	va_end(ap);
	log_warnx("fatal: %s: %s", buf, strerror(saved_errno));
	exit(1);
}

void
fatalx(const char *emsg, ...)
{
	char	 buf[1024];
	va_list	 ap;

	va_start(ap, emsg);
	vsnprintf(buf, sizeof(buf), emsg, ap);
	va_end(ap);
	log_warnx("fatal: %s", buf);
	exit(1);
}
