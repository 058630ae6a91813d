/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* sandbox_helper.c: enters a process's sandbox for t/seccomp.t, then acts. */

/*
 * sandbox_helper [-X] [-u user] ROLE ACTION DIR
 *
 * ROLE is master, control, vaultd or worker, each entered as that process
 * enters it: the master with sandbox_pledge() and master_promises; control
 * and vaultd with proc_child_sandbox() and their promises, DIR being their
 * environment directory; a worker forked from a process under the
 * master's filter, loading worker_promises compiled before the fork.  -u
 * drops to that user (the root path); without it the sandbox is the one an
 * ordinary user gets (Landlock).  -X is the service's test mode.
 *
 * ACTION is none, execve, ptrace, fork, kill, socket-inet, socket-unix,
 * socket-netlink, open-outside (/etc/passwd), open-inside (DIR/file) or
 * overflow (a heap overflow, for the sanitizer build).
 * It exits 0 when the call worked and 1 when it failed; the helper prints
 * how the sandboxed process ended: "fate: exit N" or "fate: signal N".
 */

#include <sys/types.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <linux/filter.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "pledge.h"
#include "proc.h"
#include "sandbox.h"
#include "control/control.h"
#include "master/master.h"
#include "vaultd/vaultd.h"
#include "worker/worker.h"

static void	helper_act(const char *) __attribute__((__noreturn__));
static void	helper_report(pid_t);
static void	helper_worker(const char *, const char *,
		    const struct sock_fprog *) __attribute__((__noreturn__));

static void
helper_act(const char *action)
{
	char	*argv[] = { "true", NULL };

	if (strcmp(action, "none") == 0)
		_exit(0);
	if (strcmp(action, "execve") == 0) {
		execve("/bin/true", argv, NULL);
		_exit(1);
	}
	if (strcmp(action, "ptrace") == 0)
		_exit(ptrace(PTRACE_TRACEME, 0, NULL, NULL) == -1);
	if (strcmp(action, "fork") == 0) {
		switch (fork()) {
		case -1:
			_exit(1);
		case 0:
			_exit(0);
		}
		_exit(0);
	}
	if (strcmp(action, "kill") == 0)
		_exit(kill(getppid(), 0) == -1);
	if (strcmp(action, "socket-inet") == 0)
		_exit(socket(AF_INET, SOCK_STREAM, 0) == -1);
	if (strcmp(action, "socket-unix") == 0)
		_exit(socket(AF_UNIX, SOCK_DGRAM, 0) == -1);
	if (strcmp(action, "socket-netlink") == 0)
		_exit(socket(AF_NETLINK, SOCK_RAW, 0) == -1);
	if (strcmp(action, "open-outside") == 0)
		_exit(open("/etc/passwd", O_RDONLY) == -1);
	if (strcmp(action, "overflow") == 0) {
		/* In the ASan build: the report must get out, not SIGSYS. */
		volatile size_t	 n = 9;
		char		*p = malloc(8);

		memset(p, 0, n);
		_exit(p[0]);
	}
	/* Our working directory is DIR, chrooted or not. */
	if (strcmp(action, "open-inside") == 0)
		_exit(open("file", O_RDONLY) == -1);
	_exit(3);
}

static void
helper_report(pid_t pid)
{
	int	 status;

	if (waitpid(pid, &status, 0) == -1)
		fatal("waitpid");
	if (WIFSIGNALED(status))
		printf("fate: signal %d\n", WTERMSIG(status));
	else
		printf("fate: exit %d\n", WEXITSTATUS(status));
	fflush(stdout);
}

/* As pool_spawn() and worker() do, minus the serving. */
static void
helper_worker(const char *user, const char *action,
    const struct sock_fprog *filter)
{
	struct sandbox	 sb;
	pid_t		 pid;
	int		 devnull;

	if ((devnull = open("/dev/null", O_RDWR | O_CLOEXEC)) == -1)
		fatal("/dev/null");
	sandbox_pledge(PROC_MASTER, master_promises);
	if ((pid = fork()) == -1)
		fatal("fork");
	if (pid != 0) {
		helper_report(pid);
		_exit(0);
	}
	memset(&sb, 0, sizeof(sb));
	sb.proc = PROC_WORKER;
	sb.drop = user != NULL;
	sb.root = SANDBOX_EMPTY_DIR;
	if (user != NULL && sandbox_lookup_user(user, &sb.uid, &sb.gid) == -1)
		fatalx("no user %s", user);
	sb.devnull = devnull;
	sb.keep_stderr = 1;
	sb.promises = worker_promises;
	sb.filter = filter;
	sandbox_enter(&sb);
	helper_act(action);
}

int
main(int argc, char *argv[])
{
	struct msg_conf_proc	 mc;
	struct sock_fprog	*filter;
	const char		*user = NULL, *role, *action;
	pid_t			 pid;
	int			 ch;

	log_init(1, 0, "helper");
	while ((ch = getopt(argc, argv, "u:X")) != -1) {
		switch (ch) {
		case 'u':
			user = optarg;
			break;
		case 'X':
			msg_testmode = 1;
			break;
		default:
			fprintf(stderr, "usage: sandbox_helper [-X] [-u user] "
			    "role action dir\n");
			return 2;
		}
	}
	if (argc - optind != 3)
		return 2;
	role = argv[optind];
	action = argv[optind + 1];

	if ((pid = fork()) == -1)
		fatal("fork");
	if (pid != 0) {
		helper_report(pid);
		return 0;
	}
	log_procname(role);
	if (strcmp(role, "master") == 0) {
		sandbox_pledge(PROC_MASTER, master_promises);
		helper_act(action);
	}
	if (strcmp(role, "worker") == 0) {
		/* Compiled once in the master, before its own filter. */
		filter = pledge_export(worker_promises);
		helper_worker(user, action, filter);
	}
	memset(&mc, 0, sizeof(mc));
	mc.foreground = 1;
	if (user != NULL)
		strlcpy(mc.user, user, sizeof(mc.user));
	strlcpy(mc.dir, argv[optind + 2], sizeof(mc.dir));
	if (strcmp(role, "control") == 0)
		proc_child_sandbox(PROC_CONTROL, &mc, control_promises, NULL,
		    0);
	else if (strcmp(role, "vaultd") == 0)
		proc_child_sandbox(PROC_VAULTD, &mc, vaultd_promises, NULL, 0);
	else
		_exit(3);
	helper_act(action);
}
