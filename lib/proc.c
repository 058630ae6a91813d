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
 * proc.c: the shared privsep core: start a child process by fork and exec
 * of our own binary, with its channel to the parent on a fixed descriptor,
 * and describe how a child ended.
 *
 * control and vaultd are exec'd rather than forked so that neither inherits
 * a byte of the master's memory; the workers, which must start fast, are
 * forked by the pool instead (master/pool.c).
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "msg.h"
#include "msgtypes.h"
#include "peer.h"
#include "proc.h"
#include "sandbox.h"

int	 proc_testmode;

int
proc_self_path(char *buf, size_t len)
{
	ssize_t	 n;

	if ((n = readlink("/proc/self/exe", buf, len - 1)) == -1)
		return -1;
	if ((size_t)n >= len - 1) {
		errno = ENAMETOOLONG;
		return -1;
	}
	buf[n] = '\0';
	return 0;
}

int
proc_exec(const char *self, enum proc_id id, int foreground, int verbose,
    struct proc_child *pc)
{
	char		*argv[8];
	int		 sp[2], argc = 0, sig;
	pid_t		 pid;
	sigset_t	 all, old;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == -1)
		return -1;
	/* No signal may run the parent's handlers in the child: block. */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	switch (pid = fork()) {
	case -1:
		sigprocmask(SIG_SETMASK, &old, NULL);
		close(sp[0]);
		close(sp[1]);
		return -1;
	case 0:
		/* The child starts with default signals and nothing else. */
		for (sig = 1; sig < NSIG; sig++)
			if (sig != SIGKILL && sig != SIGSTOP)
				signal(sig, SIG_DFL);
		sigemptyset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		if (sp[1] == PROC_PARENT_FD) {
			if (fcntl(sp[1], F_SETFD, 0) == -1)
				_exit(127);
		} else if (dup2(sp[1], PROC_PARENT_FD) == -1)
			_exit(127);
		closefrom(PROC_PARENT_FD + 1);
		argv[argc++] = "aileron";
		argv[argc++] = "service";
		argv[argc++] = "-P";
		argv[argc++] = (char *)proc_name(id);
		if (foreground)
			argv[argc++] = "-d";
		if (verbose)
			argv[argc++] = "-v";
		if (proc_testmode)
			argv[argc++] = "-X";
		argv[argc] = NULL;
		execv(self, argv);
		_exit(127);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(sp[1]);
	pc->id = id;
	pc->pid = pid;
	pc->fd = sp[0];
	return 0;
}

/* "exited with status 1", "killed by signal 9" */
const char *
proc_status_str(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exited with status %d",
		    WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d%s", WTERMSIG(status),
		    WCOREDUMP(status) ? " (core dumped)" : "");
	else
		snprintf(buf, len, "ended with status 0x%x", status);
	return buf;
}

/* Kill a child for good and reap it; bounded, for shutdown paths. */
int
proc_sigkill_wait(pid_t pid, int timeout_ms)
{
	struct timespec	 ts = { 0, 10 * 1000 * 1000 };
	int		 status, waited;

	kill(pid, SIGKILL);
	for (waited = 0; waited < timeout_ms; waited += 10) {
		if (waitpid(pid, &status, WNOHANG) != 0)
			return 0;
		nanosleep(&ts, NULL);
	}
	return -1;
}

/* The -P flag is internal: refuse it unless our parent channel is there. */
void
proc_child_check_parent(void)
{
	struct stat	 st;

	if (fstat(PROC_PARENT_FD, &st) == -1 || !S_ISSOCK(st.st_mode))
		fatalx("-P is internal to aileron service; run \"aileron "
		    "service\" instead");
}

/*
 * The start handshake, child side: take our configuration from the master
 * and nothing else until CONF_DONE.  CONF_PROC may carry a descriptor
 * (vaultd's vault.sock); other configuration goes to cb.  The master is
 * trusted, so anything unexpected is fatal.
 */
void
proc_child_configure(struct chan *parent, struct msg_conf_proc *mc,
    int *fd, void (*cb)(struct msg *, void *), void *arg)
{
	struct msg	 msg;
	int		 have = 0, r;

	*fd = -1;
	for (;;) {
		if ((r = chan_wait(parent, &msg, 30 * 1000)) != 1)
			fatalx("no configuration from the master");
		switch (msg.hdr.type) {
		case MSG_CONF_PROC:
			if (have)
				fatalx("configuration sent twice");
			memcpy(mc, msg.data, sizeof(*mc));
			if (memchr(mc->user, '\0', sizeof(mc->user)) == NULL ||
			    memchr(mc->dir, '\0', sizeof(mc->dir)) == NULL)
				fatalx("malformed configuration");
			*fd = msg.fd;
			have = 1;
			break;
		case MSG_CONF_DONE:
			if (!have)
				fatalx("configuration incomplete");
			return;
		default:
			if (cb == NULL)
				fatalx("unexpected %s during configuration",
				    msgtype_name(msg.hdr.type));
			cb(&msg, arg);
			break;
		}
	}
}

/*
 * control and vaultd: confined to their environment directory, as the
 * unprivileged user when the master runs as root (it then names the user),
 * under the seccomp promises the caller names.
 */
void
proc_child_sandbox(enum proc_id id, const struct msg_conf_proc *mc,
    const char *promises, int *keep, size_t nkeep)
{
	struct sandbox	 sb;
	int		 devnull;

	memset(&sb, 0, sizeof(sb));
	if ((devnull = open("/dev/null", O_RDWR | O_CLOEXEC)) == -1)
		fatal("/dev/null");
	sb.proc = id;
	sb.drop = mc->user[0] != '\0';
	if (sb.drop) {
		if (geteuid() != 0)
			fatalx("told to change user but not root");
		if (sandbox_lookup_user(mc->user, &sb.uid, &sb.gid) == -1)
			fatalx("user \"%s\" does not exist", mc->user);
	}
	sb.root = mc->dir;
	sb.keep = keep;
	sb.nkeep = nkeep;
	sb.devnull = devnull;
	sb.keep_stderr = mc->foreground;
	sb.promises = promises;
	/* Without a chroot, the directory is only the working one. */
	if (!sb.drop && chdir(mc->dir) == -1)
		fatal("chdir %s", mc->dir);
	sandbox_enter(&sb);
}

/*
 * What control and vaultd both take from the master once running: PING,
 * the log level, and the workers' channels coming and going.  Returns 1
 * when msg was one of those.  The master is trusted: a bad one is fatal.
 */
int
proc_child_dispatch(struct chan *parent, struct peers *workers,
    struct msg *msg)
{
	struct peer	*p;
	int32_t		 v;

	switch (msg->hdr.type) {
	case MSG_PING:
		chan_compose(parent, MSG_PONG, 0, -1, msg->data, msg->len);
		return 1;
	case MSG_CONF_VERBOSE:
		memcpy(&v, msg->data, sizeof(v));
		log_setverbose(v);
		return 1;
	case MSG_WORKER_NEW:
		if (msg->fd == -1)
			fatalx("WORKER_NEW without a channel");
		if (peer_find(workers, PEER_WORKER, msg->hdr.peerid) != NULL)
			fatalx("worker %u announced twice", msg->hdr.peerid);
		peer_add(workers, PEER_WORKER, msg->fd, msg->hdr.peerid);
		return 1;
	case MSG_WORKER_GONE:
		if ((p = peer_find(workers, PEER_WORKER,
		    msg->hdr.peerid)) != NULL)
			peer_del(workers, p);
		return 1;
	}
	return 0;
}
