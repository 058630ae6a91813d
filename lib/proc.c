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
 * of our own binary, with its channel to the parent on a fixed descriptor;
 * the one event loop of master, control and vaultd (their peers, their
 * listeners, timers and calls with deadlines); what a bad frame costs;
 * and how a child ended.
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
#include <stdarg.h>
#include <stdlib.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "msg.h"
#include "msgtypes.h"
#include "proc.h"
#include "sandbox.h"

static const struct proc_peer_type *proc_type(struct proc *, enum proc_id);
static void	proc_peer_read(struct proc *, struct proc_peer *, int);
static void	proc_peer_lost(struct proc *, struct proc_peer *);
static void	proc_sweep(struct proc *);
static int	proc_timeout(struct proc *);
static void	proc_expire(struct proc *);
static int	proc_earlier(const struct timespec *, const struct timespec *);
static void	proc_default_fail(struct proc *, const char *)
		    __attribute__((__noreturn__));

void
proc_init(struct proc *ps, enum proc_id self,
    const struct proc_peer_type *types, size_t ntypes,
    const struct msg_accept *accept, size_t naccept, void *arg)
{
	memset(ps, 0, sizeof(*ps));
	ps->self = self;
	ps->types = types;
	ps->ntypes = ntypes;
	ps->accept = accept;
	ps->naccept = naccept;
	ps->arg = arg;
	ps->fail = proc_default_fail;
	TAILQ_INIT(&ps->peers);
	TAILQ_INIT(&ps->timers);
}

static const struct proc_peer_type *
proc_type(struct proc *ps, enum proc_id id)
{
	size_t	 i;

	for (i = 0; i < ps->ntypes; i++)
		if (ps->types[i].id == id)
			return &ps->types[i];
	return NULL;
}

/*
 * A new channel to a peer of a kind in our table; it takes only what our
 * accept table lists from that kind.  Takes fd, even on failure.
 */
struct proc_peer *
proc_peer_add(struct proc *ps, enum proc_id id, int fd, uint32_t pid,
    const char *name)
{
	const struct proc_peer_type	*t;
	struct proc_peer		*p;

	if ((t = proc_type(ps, id)) == NULL)
		fatalx("%s: %s is not in the peer table", __func__,
		    proc_name(id));
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		log_warn("%s", __func__);
		close(fd);
		return NULL;
	}
	p->type = t;
	p->id = pid;
	chan_init(&p->chan, fd, 0, name);
	chan_accept(&p->chan, id, ps->accept, ps->naccept);
	TAILQ_INSERT_TAIL(&ps->peers, p, entry);
	return p;
}

struct proc_peer *
proc_peer_find(struct proc *ps, enum proc_id id, uint32_t pid)
{
	struct proc_peer	*p;

	TAILQ_FOREACH(p, &ps->peers, entry)
		if (!p->dead && p->type->id == id && p->id == pid)
			return p;
	return NULL;
}

/*
 * Close the channel now; the peer's memory goes at the end of the loop's
 * turn, since the turn may still hold a pointer to it.
 */
void
proc_peer_close(struct proc *ps, struct proc_peer *p)
{
	(void)ps;
	if (p->dead)
		return;
	p->dead = 1;
	chan_clear(&p->chan);
}

/* The channel ended (end of file, an error, a bad frame): tell its owner. */
static void
proc_peer_lost(struct proc *ps, struct proc_peer *p)
{
	if (p->dead)
		return;
	if (p->type->lost != NULL)
		p->type->lost(ps, p);
	else if (p->type->trusted)
		proc_fail(ps, "lost %s", p->chan.name);
	proc_peer_close(ps, p);
}

/*
 * The one place that decides what a bad frame costs.  From master,
 * control or vaultd: this process fails closed (the master then stops the
 * service).  From a worker: its channel closes and the worker is killed,
 * by the master or at the master's hand (WORKER_BAD); we go on.  From the
 * CLI: that connection closes.  One compromised worker must never take
 * control or vaultd down.
 */
void
proc_bad_frame(struct proc *ps, struct proc_peer *p)
{
	struct proc_peer	*m;

	if (p->type->trusted)
		proc_fail(ps, "%s: bad frame from a trusted peer; failing "
		    "closed", p->chan.name);
	log_warnx("%s: bad frame; closing its channel%s", p->chan.name,
	    p->type->id == PROC_WORKER ? " and killing it" : "");
	p->bad = 1;
	if (p->type->id == PROC_WORKER && (m = ps->parent) != NULL)
		chan_compose(&m->chan, MSG_WORKER_BAD, p->id, -1, NULL, 0);
	proc_peer_lost(ps, p);
}

void
proc_add_fd(struct proc *ps, int fd, void (*cb)(struct proc *, int, void *),
    void *arg)
{
	if (ps->nfds == PROC_MAX_FDS)
		fatalx("%s: too many", __func__);
	ps->fds[ps->nfds].fd = fd;
	ps->fds[ps->nfds].cb = cb;
	ps->fds[ps->nfds].arg = arg;
	ps->nfds++;
}

/* Run cb once, ms from now; setting an armed timer moves it. */
void
proc_timer_set(struct proc *ps, struct proc_timer *t, int ms,
    void (*cb)(struct proc *, void *), void *arg)
{
	proc_timer_del(ps, t);
	msg_deadline(&t->at, ms);
	t->cb = cb;
	t->arg = arg;
	t->armed = 1;
	TAILQ_INSERT_TAIL(&ps->timers, t, entry);
}

void
proc_timer_del(struct proc *ps, struct proc_timer *t)
{
	if (!t->armed)
		return;
	TAILQ_REMOVE(&ps->timers, t, entry);
	t->armed = 0;
}

static void
proc_default_fail(struct proc *ps, const char *why)
{
	fatalx("%s: %s", proc_name(ps->self), why);
}

/* Fail closed: the process's own fail handler logs, cleans up, exits. */
void
proc_fail(struct proc *ps, const char *fmt, ...)
{
	char	 buf[512];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	ps->fail(ps, buf);
	fatalx("%s", buf);	/* a fail handler must not return */
}

static int
proc_earlier(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec ||
	    (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* poll()'s timeout: the nearest timer, call deadline or idle deadline. */
static int
proc_timeout(struct proc *ps)
{
	struct proc_timer	*t;
	struct proc_peer	*p;
	struct timespec		 next, ts;
	int			 have = 0;

	TAILQ_FOREACH(t, &ps->timers, entry) {
		if (!have || proc_earlier(&t->at, &next)) {
			next = t->at;
			have = 1;
		}
	}
	TAILQ_FOREACH(p, &ps->peers, entry) {
		if (p->dead)
			continue;
		if (chan_next_deadline(&p->chan, &ts) &&
		    (!have || proc_earlier(&ts, &next))) {
			next = ts;
			have = 1;
		}
		if ((p->idle.tv_sec != 0 || p->idle.tv_nsec != 0) &&
		    (!have || proc_earlier(&p->idle, &next))) {
			next = p->idle;
			have = 1;
		}
	}
	return have ? msg_deadline_ms(&next) : -1;
}

/* Timers due, calls past their deadline, peers idle too long. */
static void
proc_expire(struct proc *ps)
{
	struct proc_timer	*t;
	struct proc_peer	*p;
	struct timespec		 now;
	int			 again;

	clock_gettime(CLOCK_MONOTONIC, &now);
	do {
		again = 0;
		TAILQ_FOREACH(t, &ps->timers, entry) {
			if (proc_earlier(&now, &t->at))
				continue;
			/* The callback may set any timer: start over. */
			proc_timer_del(ps, t);
			t->cb(ps, t->arg);
			again = 1;
			break;
		}
	} while (again);
	TAILQ_FOREACH(p, &ps->peers, entry) {
		if (p->dead)
			continue;
		chan_expire(&p->chan, &now);
		if ((p->idle.tv_sec != 0 || p->idle.tv_nsec != 0) &&
		    !p->dead && !proc_earlier(&now, &p->idle)) {
			log_warnx("%s: idle too long; closing its channel",
			    p->chan.name);
			proc_peer_lost(ps, p);
		}
	}
}

/*
 * Read what a peer sent and hand each frame to its handler: answers to our
 * calls go to the call's callback, anything malformed or not in our accept
 * table is a bad frame.  Frames already whole are handled before an end of
 * file, so a peer's last words are heard.
 */
static void
proc_peer_read(struct proc *ps, struct proc_peer *p, int readable)
{
	struct msg	 msg;
	int		 r = 1, got = 0;

	/* Not readable: frames already buffered (after the start handshake). */
	if (readable && (r = chan_read(&p->chan)) == -1 && p->chan.bad) {
		proc_bad_frame(ps, p);
		return;
	}
	while (!p->dead && (got = chan_get(&p->chan, &msg)) == 1) {
		if (msg.hdr.flags & MSGF_REPLY) {
			if (chan_answer(&p->chan, &msg) == -1) {
				got = -1;
				break;
			}
			continue;
		}
		p->type->dispatch(ps, p, &msg);
		/*
		 * A peer that keeps asking and never reads its answers would
		 * pile them up in our heap (injected credentials, in vaultd)
		 * until we ran out of memory.
		 */
		if (!p->dead && !p->type->trusted &&
		    p->chan.outbytes > PROC_PEER_OUTMAX) {
			log_warnx("%s: does not read its replies",
			    p->chan.name);
			proc_bad_frame(ps, p);
			return;
		}
	}
	if (p->dead)
		return;
	if (got == -1) {
		proc_bad_frame(ps, p);
		return;
	}
	if (r <= 0) {
		if (r == 0 && chan_partial(&p->chan))
			log_warnx("%s: closed mid-frame", p->chan.name);
		proc_peer_lost(ps, p);
	}
}

/*
 * Hear everything a peer has already sent, now, out of the loop's turn.
 * A worker the master saw exit: what it wrote just before (its last audit
 * records) may still be in the socket, and the master's word can be read
 * first; the worker is gone, so this reads to the end of file.  The
 * master, for vaultd: a frame with a descriptor takes a read of its own,
 * one a turn, so the WORKER_NEW of a worker control already speaks of
 * may still wait behind others.
 */
void
proc_peer_drain(struct proc *ps, struct proc_peer *p)
{
	struct pollfd	 pfd;

	while (!p->dead) {
		pfd.fd = p->chan.fd;
		pfd.events = POLLIN;
		if (!chan_ready(&p->chan) && poll(&pfd, 1, 0) != 1)
			break;
		proc_peer_read(ps, p, 1);
	}
}

static void
proc_sweep(struct proc *ps)
{
	struct proc_peer	*p, *next;

	for (p = TAILQ_FIRST(&ps->peers); p != NULL; p = next) {
		next = TAILQ_NEXT(p, entry);
		if (!p->dead)
			continue;
		TAILQ_REMOVE(&ps->peers, p, entry);
		free(p);
	}
}

/*
 * The event loop of master, control and vaultd: every peer's channel, the
 * listeners and signal pipes, the timers.  Handlers run from here and
 * nowhere else; they queue frames, which go out at the end of the turn.
 */
void
proc_loop(struct proc *ps)
{
	struct proc_peer	*p;
	size_t			 n, i;
	int			 timeout, ready;

	for (;;) {
		n = ps->nfds;
		TAILQ_FOREACH(p, &ps->peers, entry)
			n++;
		if (n > ps->npfd) {
			if ((ps->pfd = reallocarray(ps->pfd, n,
			    sizeof(*ps->pfd))) == NULL ||
			    (ps->pp = reallocarray(ps->pp, n,
			    sizeof(*ps->pp))) == NULL)
				fatal("poll set");
			ps->npfd = n;
		}
		for (i = 0; i < ps->nfds; i++) {
			ps->pfd[i].fd = ps->fds[i].fd;
			ps->pfd[i].events = POLLIN;
			ps->pp[i] = NULL;
		}
		ready = 0;
		TAILQ_FOREACH(p, &ps->peers, entry) {
			ps->pfd[i].fd = p->chan.fd;
			ps->pfd[i].events = POLLIN |
			    (chan_pending(&p->chan) ? POLLOUT : 0);
			ps->pp[i] = p;
			ready |= chan_ready(&p->chan);
			i++;
		}
		timeout = ready ? 0 : proc_timeout(ps);
		if (poll(ps->pfd, n, timeout) == -1) {
			if (errno != EINTR)
				fatal("poll");
			continue;
		}
		for (i = ps->nfds; i < n; i++) {
			p = ps->pp[i];
			if (p->dead)
				continue;
			if (ps->pfd[i].revents & (POLLIN | POLLHUP | POLLERR))
				proc_peer_read(ps, p, 1);
			else if (chan_ready(&p->chan))
				proc_peer_read(ps, p, 0);
		}
		/* Last: a signal handler may reap what the loop above used. */
		for (i = 0; i < ps->nfds; i++)
			if (ps->pfd[i].revents & (POLLIN | POLLHUP | POLLERR))
				ps->fds[i].cb(ps, ps->fds[i].fd,
				    ps->fds[i].arg);
		proc_expire(ps);
		if (ps->turn != NULL)
			ps->turn(ps);
		TAILQ_FOREACH(p, &ps->peers, entry)
			if (!p->dead && chan_pending(&p->chan) &&
			    chan_flush(&p->chan) == -1)
				proc_peer_lost(ps, p);
		if (ps->after != NULL)
			ps->after(ps);
		proc_sweep(ps);
	}
}

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
		argv[argc++] = "aileron-service";
		argv[argc++] = "-P";
		argv[argc++] = (char *)proc_name(id);
		if (foreground)
			argv[argc++] = "-d";
		if (verbose)
			argv[argc++] = "-v";
		if (msg_testmode)
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
 * trusted, so anything unexpected is fatal.  The master's channel becomes
 * our first peer.
 */
void
proc_child_configure(struct proc *ps, struct proc_peer **parentp,
    struct msg_conf_proc *mc, int *fd, void (*cb)(struct msg *, void *),
    void *arg)
{
	struct proc_peer	*parent;
	struct msg_reader	 r;
	struct msg		 msg;
	int			 have = 0;

	if ((parent = proc_peer_add(ps, PROC_MASTER, PROC_PARENT_FD, 0,
	    "master")) == NULL)
		fatalx("no channel to the master");
	*parentp = ps->parent = parent;
	*fd = -1;
	for (;;) {
		if (chan_wait(&parent->chan, &msg, 30 * 1000) != 1)
			fatalx("no configuration from the master");
		switch (msg.hdr.type) {
		case MSG_CONF_PROC:
			if (have)
				fatalx("configuration sent twice");
			msg_reader_init(&r, &msg);
			msg_get_i32(&r, &mc->verbose);
			msg_get_i32(&r, &mc->foreground);
			msg_get_u32(&r, &mc->owner_uid);
			msg_get_str(&r, mc->user, sizeof(mc->user));
			msg_get_str(&r, mc->dir, sizeof(mc->dir));
			if (msg_get_end(&r) == -1)
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
proc_child_dispatch(struct proc *ps, struct proc_peer *parent,
    struct msg *msg)
{
	struct proc_peer	*p;
	char			 name[48];
	int32_t			 v;

	switch (msg->hdr.type) {
	case MSG_PING:
		chan_reply(&parent->chan, msg->hdr.reqid, MSG_PONG, msg->data, msg->len);
		return 1;
	case MSG_CONF_VERBOSE:
		memcpy(&v, msg->data, sizeof(v));
		log_setverbose(v);
		return 1;
	case MSG_WORKER_NEW:
		if (proc_peer_find(ps, PROC_WORKER, msg->hdr.peerid) != NULL)
			fatalx("worker %u announced twice", msg->hdr.peerid);
		snprintf(name, sizeof(name), "worker %u", msg->hdr.peerid);
		proc_peer_add(ps, PROC_WORKER, msg->fd, msg->hdr.peerid, name);
		return 1;
	case MSG_WORKER_GONE:
		if ((p = proc_peer_find(ps, PROC_WORKER,
		    msg->hdr.peerid)) != NULL) {
			proc_peer_drain(ps, p);
			proc_peer_lost(ps, p);
		}
		return 1;
	}
	return 0;
}
