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
 * audit.c: control's audit log, audit.log in control's directory: one
 * JSON object a line, each written with one write(2) to a file opened
 * for appending, so that a record is never interleaved or torn.
 *
 * A worker's record is untrusted JSON: it is bounded in size and nesting
 * before Jansson sees it, must parse without duplicate keys, and must be
 * an object.  Control then sets what only it knows and a worker must not
 * claim: the time, the worker's pid and the session and user that worker
 * authenticated (identity is the channel, never a field).
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "msgtypes.h"
#include "control/audit.h"

static int	audit_time(const struct timespec *, char *, size_t);

/*
 * Opened before the sandbox, by root when the service drops privileges:
 * the directory is writable by the service's user, so a name planted
 * there (a symbolic link, or a hard link to another file) is refused
 * rather than appended to.
 */
int
control_audit_open(const char *dir)
{
	struct stat	 st;
	char		 path[PATH_MAX];
	int		 fd;

	if (snprintf(path, sizeof(path), "%s/%s", dir, AUDIT_FILE) >=
	    (int)sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
	    O_NOFOLLOW | O_NOCTTY, 0600)) == -1)
		return -1;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_nlink != 1) {
		close(fd);
		errno = EPERM;
		return -1;
	}
	return fd;
}

/*
 * Is the nesting of raw JSON at most max?  Counted on the bytes, before
 * any parser recurses into them; brackets inside strings do not count.
 */
int
control_audit_depth(const char *s, size_t len, int max)
{
	size_t	 i;
	int	 depth = 0, instr = 0, esc = 0;

	for (i = 0; i < len; i++) {
		if (instr) {
			if (esc)
				esc = 0;
			else if (s[i] == '\\')
				esc = 1;
			else if (s[i] == '"')
				instr = 0;
			continue;
		}
		switch (s[i]) {
		case '"':
			instr = 1;
			break;
		case '{':
		case '[':
			if (++depth > max)
				return -1;
			break;
		case '}':
		case ']':
			depth--;
			break;
		}
	}
	return 0;
}

/* RFC 3339, UTC, milliseconds: 2026-12-06T10:43:48.123Z */
static int
audit_time(const struct timespec *ts, char *buf, size_t len)
{
	struct tm	 tm;
	char		 s[32];

	if (gmtime_r(&ts->tv_sec, &tm) == NULL ||
	    strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		return -1;
	if (snprintf(buf, len, "%s.%03ldZ", s, ts->tv_nsec / 1000000) >=
	    (int)len)
		return -1;
	return 0;
}

/*
 * One line for the log: the object with "time" set first, compact,
 * ASCII only (a record never holds a raw line end or terminal escape),
 * and a LF.  Takes the reference to j.  NULL when out of memory.
 */
char *
control_audit_event(json_t *j, const struct timespec *now)
{
	char	 tbuf[40], *s, *line;
	size_t	 n;

	if (j == NULL)
		return NULL;
	if (audit_time(now, tbuf, sizeof(tbuf)) == -1 ||
	    json_object_set_new(j, "time", json_string(tbuf)) == -1) {
		json_decref(j);
		return NULL;
	}
	s = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII |
	    JSON_PRESERVE_ORDER);
	json_decref(j);
	if (s == NULL)
		return NULL;
	n = strlen(s);
	if ((line = realloc(s, n + 2)) == NULL) {
		free(s);
		return NULL;
	}
	line[n] = '\n';
	line[n + 1] = '\0';
	return line;
}

/*
 * A worker's record, checked and completed; NULL with *why saying what
 * was wrong with it (NULL: out of memory).  session and user are those
 * the worker authenticated, or NULL.
 */
char *
control_audit_record(const void *data, size_t len, const struct timespec *now,
    uint32_t worker, const char *session, const char *user, const char **why)
{
	json_error_t	 jerr;
	json_t		*j;

	*why = NULL;
	if (len < 2 || len > MSG_CONTROL_AUDIT_MAX) {
		*why = "length out of bounds";
		return NULL;
	}
	if (control_audit_depth(data, len, AUDIT_DEPTH_MAX) == -1) {
		*why = "nested too deep";
		return NULL;
	}
	if ((j = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr)) ==
	    NULL) {
		*why = "not JSON, or a duplicate key";
		return NULL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		*why = "not a JSON object";
		return NULL;
	}
	/* What only control knows replaces whatever the worker put there. */
	json_object_del(j, "session");
	json_object_del(j, "user");
	if (json_object_set_new(j, "worker", json_integer(worker)) == -1 ||
	    (session != NULL && json_object_set_new(j, "session",
	    json_string(session)) == -1) ||
	    (user != NULL && json_object_set_new(j, "user",
	    json_string(user)) == -1)) {
		json_decref(j);
		return NULL;
	}
	return control_audit_event(j, now);
}

/* One write(2) per record: O_APPEND keeps concurrent records whole. */
int
control_audit_write(int fd, const char *line)
{
	size_t	 n = strlen(line);
	ssize_t	 w;

	do
		w = write(fd, line, n);
	while (w == -1 && errno == EINTR);
	if (w == -1)
		return -1;
	if ((size_t)w != n) {
		errno = EIO;
		return -1;
	}
	return 0;
}
