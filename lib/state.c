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
 * state.c: the state directory: where it is, the lock that says a service
 * runs on it, and service.json, which says where that service listens.
 *
 * The lock, not service.json, is the truth: a master killed with SIGKILL
 * leaves service.json behind, but the kernel drops its lock.
 */

#include <sys/types.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "state.h"

/* -s, else $AILERON_STATE, else ~/.aileron. */
int
state_resolve(const char *opt, char *buf, size_t len)
{
	const char	*home, *env;
	struct passwd	*pw;

	if (opt != NULL && *opt != '\0')
		return strlcpy(buf, opt, len) < len ? 0 : -1;
	if ((env = getenv("AILERON_STATE")) != NULL && *env != '\0')
		return strlcpy(buf, env, len) < len ? 0 : -1;
	if ((home = getenv("HOME")) == NULL || *home == '\0') {
		if ((pw = getpwuid(getuid())) == NULL)
			return -1;
		home = pw->pw_dir;
	}
	if ((size_t)snprintf(buf, len, "%s/.aileron", home) >= len)
		return -1;
	return 0;
}

int
state_path(char *buf, size_t len, const char *statedir, const char *name)
{
	if ((size_t)snprintf(buf, len, "%s/%s", statedir, name) >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

int
state_mkdir(const char *statedir)
{
	struct stat	 st;

	if (mkdir(statedir, 0700) == -1 && errno != EEXIST)
		return -1;
	if (stat(statedir, &st) == -1)
		return -1;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	return 0;
}

/*
 * A process's own directory in the state directory (control's or vaultd's
 * Berkeley DB environment): created 0700, and when own is set, owned by
 * uid and gid.  A directory that changes hands (another user named in the
 * configuration, or one from before control and vaultd had users of their
 * own) takes its files along.  The process's user can write here, so
 * nothing is followed: the directory is used through a descriptor opened
 * with O_NOFOLLOW, its entries with AT_SYMLINK_NOFOLLOW.
 */
int
state_proc_dir(const char *path, int own, uid_t uid, gid_t gid)
{
	struct dirent	*de;
	struct stat	 st;
	DIR		*d;
	int		 fd, rv = -1;

	if (mkdir(path, 0700) == -1 && errno != EEXIST)
		return -1;
	if ((fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		return -1;
	if (fstat(fd, &st) == -1 || fchmod(fd, 0700) == -1)
		goto done;
	if (!own || (st.st_uid == uid && st.st_gid == gid)) {
		rv = 0;
		goto done;
	}
	if (fchown(fd, uid, gid) == -1 || (d = fdopendir(fd)) == NULL)
		goto done;
	rv = 0;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0 &&
		    fchownat(fd, de->d_name, uid, gid,
		    AT_SYMLINK_NOFOLLOW) == -1)
			rv = -1;
	closedir(d);
	return rv;
 done:
	close(fd);
	return rv;
}

/*
 * Take the service lock for good (the fd stays open for the life of the
 * master).  On contention return -1 with errno EWOULDBLOCK and the
 * holder's pid, as it wrote it into the lock file.
 */
int
state_lock(const char *statedir, pid_t *holder)
{
	char		 path[PATH_MAX], buf[32];
	const char	*errstr;
	ssize_t		 n;
	int		 fd;

	*holder = 0;
	if (state_path(path, sizeof(path), statedir, STATE_LOCK) == -1)
		return -1;
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	    0600)) == -1)
		return -1;
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		if (errno == EWOULDBLOCK &&
		    (n = pread(fd, buf, sizeof(buf) - 1, 0)) > 0) {
			buf[n] = '\0';
			buf[strcspn(buf, "\n")] = '\0';
			*holder = strtonum(buf, 1, INT_MAX, &errstr);
		}
		close(fd);
		errno = EWOULDBLOCK;
		return -1;
	}
	n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	if (ftruncate(fd, 0) == -1 || pwrite(fd, buf, n, 0) != n) {
		close(fd);
		return -1;
	}
	return fd;
}

/* After daemon(3) the pid changed: say so in the lock file. */
int
state_lock_setpid(int fd)
{
	char	 buf[32];
	int	 n;

	n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	if (ftruncate(fd, 0) == -1 || pwrite(fd, buf, n, 0) != n)
		return -1;
	return 0;
}

/* The pid of the service running on statedir, or 0 when none runs. */
pid_t
state_running(const char *statedir)
{
	char		 path[PATH_MAX], buf[32];
	const char	*errstr;
	ssize_t		 n;
	pid_t		 pid = 0;
	int		 fd;

	if (state_path(path, sizeof(path), statedir, STATE_LOCK) == -1)
		return 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1)
		return 0;
	if (flock(fd, LOCK_SH | LOCK_NB) == 0) {
		/* We got it, so nobody holds it: no service. */
		close(fd);
		return 0;
	}
	if ((n = pread(fd, buf, sizeof(buf) - 1, 0)) > 0) {
		buf[n] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		pid = strtonum(buf, 1, INT_MAX, &errstr);
	}
	close(fd);
	return pid == 0 ? -1 : pid;
}

/* Write name atomically: a temporary file, fsync, rename, fsync the dir. */
int
state_write_json(const char *statedir, const char *name, json_t *j)
{
	char	 path[PATH_MAX], tmp[PATH_MAX];
	char	*s;
	size_t	 len;
	int	 fd, dfd, saved;

	if (state_path(path, sizeof(path), statedir, name) == -1)
		return -1;
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return -1;
	if ((s = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS)) == NULL)
		return -1;
	len = strlen(s);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
	    O_NOFOLLOW, 0644)) == -1) {
		free(s);
		return -1;
	}
	if (write(fd, s, len) != (ssize_t)len || write(fd, "\n", 1) != 1 ||
	    fsync(fd) == -1) {
		saved = errno;
		close(fd);
		unlink(tmp);
		free(s);
		errno = saved;
		return -1;
	}
	free(s);
	close(fd);
	if (rename(tmp, path) == -1) {
		saved = errno;
		unlink(tmp);
		errno = saved;
		return -1;
	}
	if ((dfd = open(statedir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		(void)fsync(dfd);
		close(dfd);
	}
	return 0;
}

/*
 * service.json for a caller who may not open the owner's lock (a member
 * of group aileron): only when the lock exists and its permission is
 * what stops us.  The socket it names shows whether a service answers.
 */
json_t *
state_service_member(const char *statedir)
{
	char	 path[PATH_MAX];

	if (state_path(path, sizeof(path), statedir, STATE_LOCK) == -1 ||
	    access(path, R_OK) == 0 || errno != EACCES ||
	    state_path(path, sizeof(path), statedir, STATE_SERVICE_JSON) == -1)
		return NULL;
	return json_load_file(path, JSON_REJECT_DUPLICATES, NULL);
}

/*
 * Read service.json.  Returns it when a service holds the lock; NULL when
 * none runs, with *stale set when a service.json was left behind.
 */
json_t *
state_service(const char *statedir, pid_t *pid, int *stale)
{
	char		 path[PATH_MAX];
	json_error_t	 jerr;
	json_t		*j;

	*stale = 0;
	*pid = state_running(statedir);
	if (state_path(path, sizeof(path), statedir, STATE_SERVICE_JSON) == -1)
		return NULL;
	j = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (*pid == 0) {
		if (j != NULL || access(path, F_OK) == 0)
			*stale = 1;
		json_decref(j);
		return NULL;
	}
	return j;
}
