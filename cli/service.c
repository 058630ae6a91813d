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
 * service.c: "aileron service".  The service runs from a binary of its own,
 * aileron-service (master/main.c), linked only with what the service needs;
 * this execs it with the same arguments.  It is found beside this binary
 * (a build tree) or in the libexec directory it was installed to.
 * "aileron service stop" is this file's own: it stops the service that
 * holds a state directory's lock.
 */

#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "proc.h"
#include "state.h"
#include "cli/cli.h"

#define SERVICE_BINARY	"aileron-service"
/* The master drains for 10 s and gives its children 5 more. */
#define SERVICE_STOP_TIMEOUT	30	/* s */

static int	service_binary(char *, size_t);
static int	service_stop(int, char *[]);
static void	service_unlink_sock(const char *);
static int	service_gone(pid_t);

static int
service_binary(char *buf, size_t len)
{
	char	 self[PATH_MAX], *slash;

	if (proc_self_path(self, sizeof(self)) == 0 &&
	    (slash = strrchr(self, '/')) != NULL) {
		*slash = '\0';
		if ((size_t)snprintf(buf, len, "%s/%s", self,
		    SERVICE_BINARY) < len && access(buf, X_OK) == 0)
			return 0;
	}
	if ((size_t)snprintf(buf, len, "%s/%s", AILERON_LIBEXECDIR,
	    SERVICE_BINARY) >= len)
		return -1;
	return access(buf, X_OK);
}

/* A socket a stopped service left behind (killed, say); nothing else. */
static void
service_unlink_sock(const char *path)
{
	struct stat	 st;

	if (path != NULL && lstat(path, &st) == 0 && S_ISSOCK(st.st_mode) &&
	    unlink(path) == -1)
		fprintf(stderr, "aileron service stop: cannot remove %s: %s\n",
		    path, strerror(errno));
}

/*
 * The master removes its lock just before it exits: it is gone once no
 * such process is left, or only its zombie (a parent that started it
 * with -d reaps it when it likes).
 */
static int
service_gone(pid_t pid)
{
	char	 path[64], buf[512], *p;
	FILE	*fp;
	int	 gone = 1;

	if (kill(pid, 0) == -1 && errno == ESRCH)
		return 1;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fp = fopen(path, "r")) == NULL)
		return errno == ENOENT;
	if (fgets(buf, sizeof(buf), fp) != NULL &&
	    (p = strrchr(buf, ')')) != NULL && p[1] == ' ')
		gone = p[2] == 'Z' || p[2] == 'X';
	fclose(fp);
	return gone;
}

/*
 * aileron service stop [-s statedir]: SIGTERM the master that holds the
 * lock, and wait until the lock is free, which is when the master and
 * every child that inherited it are gone.  The master removes its
 * sockets, service.json and the lock; what a killed one left is removed
 * here.
 */
static int
service_stop(int argc, char *argv[])
{
	struct timespec	 ts = { 0, 50 * 1000 * 1000 };
	struct passwd	*pw;
	struct stat	 st;
	const char	*sopt = NULL;
	char		 statedir[PATH_MAX], path[PATH_MAX];
	char		 api[PATH_MAX] = "";
	json_t		*j;
	pid_t		 pid;
	int		 ch, i, stale;

	optind = 1;
	while ((ch = getopt(argc, argv, "s:")) != -1) {
		switch (ch) {
		case 's':
			sopt = optarg;
			break;
		default:
			fprintf(stderr, "usage: aileron service stop "
			    "[-s statedir]\n");
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "aileron service stop: unexpected argument "
		    "\"%s\"\n", argv[optind]);
		return 2;
	}
	if (state_resolve(sopt, statedir, sizeof(statedir)) == -1) {
		fprintf(stderr, "aileron service stop: cannot find the state "
		    "directory; set AILERON_STATE or use -s\n");
		return 1;
	}
	j = state_service(statedir, &pid, &stale);
	if (j != NULL && json_is_string(json_object_get(j, "api_socket")))
		strlcpy(api, json_string_value(json_object_get(j,
		    "api_socket")), sizeof(api));
	json_decref(j);
	if (pid == 0) {
		fprintf(stderr, "aileron service stop: no service is running "
		    "on %s\n", statedir);
		return 1;
	}
	if (pid == -1) {
		fprintf(stderr, "aileron service stop: a process holds %s/%s "
		    "but did not write its pid there\n", statedir, STATE_LOCK);
		return 1;
	}
	if (kill(pid, SIGTERM) == -1) {
		if (errno == EPERM && state_path(path, sizeof(path), statedir,
		    STATE_LOCK) == 0 && stat(path, &st) == 0 &&
		    (pw = getpwuid(st.st_uid)) != NULL)
			fprintf(stderr, "aileron service stop: service pid %d "
			    "runs as %s; run this as %s\n", (int)pid,
			    pw->pw_name, pw->pw_name);
		else
			fprintf(stderr, "aileron service stop: cannot signal "
			    "service pid %d: %s\n", (int)pid, strerror(errno));
		return 1;
	}
	for (i = 0; i < SERVICE_STOP_TIMEOUT * 20; i++) {
		if (state_running(statedir) == 0 && service_gone(pid))
			break;
		nanosleep(&ts, NULL);
	}
	if (state_running(statedir) != 0 || !service_gone(pid)) {
		fprintf(stderr, "aileron service stop: service pid %d did not "
		    "stop in %d s; it or one of its children still holds "
		    "%s/%s\n", (int)pid, SERVICE_STOP_TIMEOUT, statedir,
		    STATE_LOCK);
		return 1;
	}
	if (api[0] != '\0')
		service_unlink_sock(api);
	if (state_path(path, sizeof(path), statedir, STATE_VAULT_SOCK) == 0)
		service_unlink_sock(path);
	if (state_path(path, sizeof(path), statedir, STATE_SERVICE_JSON) == 0)
		(void)unlink(path);
	printf("stopped service pid %d\n", (int)pid);
	return 0;
}

int
cmd_service(int argc, char *argv[])
{
	char	 path[PATH_MAX];

	if (argc > 1 && strcmp(argv[1], "stop") == 0)
		return service_stop(argc - 1, argv + 1);
	if (service_binary(path, sizeof(path)) == -1) {
		fprintf(stderr, "aileron service: cannot find %s beside aileron "
		    "or in %s; reinstall aileron\n", SERVICE_BINARY,
		    AILERON_LIBEXECDIR);
		return 1;
	}
	execv(path, argv);
	fprintf(stderr, "aileron service: cannot run %s: %s\n", path,
	    strerror(errno));
	return 1;
}
