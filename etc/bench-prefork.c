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
 * bench-prefork.c: the floor "make bench" measures aileron's pool against:
 * the least a pre-forking server can do per connection.  8 children wait
 * in accept(); each reads the request, answers a fixed 503 and leaves with
 * _exit; the parent reaps each and forks one more.  It links only libc.
 *
 * usage: bench-prefork port-file
 * It listens on 127.0.0.1, an ephemeral port written to port-file, until
 * SIGTERM.
 *
 * Built a second time, with PREFORK_SANDBOX, as bench-prefork-sandbox: the
 * floor plus what aileron's design asks of every worker before any work
 * of its own, done by aileron's own code.  The parent runs under the
 * master's seccomp promises and compiles the worker's filter once; each
 * child gets three channels (one to the parent, two to stand-ins for
 * control and vaultd, which receive theirs by SCM_RIGHTS), enters the
 * worker's sandbox (sandbox_enter: chroot and user change as root,
 * Landlock otherwise, default signals, only its descriptors, no new
 * privileges, the filter), and tells the parent it is busy before it
 * answers; the parent forks a spare then, and reaps at the channel's end.
 * What aileron spends beyond this variant is its own.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef PREFORK_SANDBOX
#include <fcntl.h>
#include <poll.h>

#include "log.h"
#include "pledge.h"
#include "sandbox.h"
#endif

#define PREFORK_CHILDREN	8

static const char	 reply[] = "HTTP/1.1 503 Service Unavailable\r\n"
			    "Content-Type: text/plain\r\n"
			    "Content-Length: 24\r\n"
			    "Connection: close\r\n\r\n"
			    "503 Service Unavailable\n";

static void	prefork_answer(int) __attribute__((__noreturn__));

/* Read the request, answer 503 and leave. */
static void
prefork_answer(int fd)
{
	char	 buf[4096];

	if (read(fd, buf, sizeof(buf)) > 0)
		send(fd, reply, sizeof(reply) - 1, MSG_NOSIGNAL);
	shutdown(fd, SHUT_WR);
	close(fd);
	_exit(0);
}

#ifndef PREFORK_SANDBOX
static void	prefork_child(int) __attribute__((__noreturn__));
static pid_t	prefork_spawn(int);

static void
prefork_child(int lfd)
{
	int	 fd;

	if ((fd = accept(lfd, NULL, NULL)) == -1)
		_exit(1);
	prefork_answer(fd);
}

static pid_t
prefork_spawn(int lfd)
{
	pid_t	 pid;

	if ((pid = fork()) == 0)
		prefork_child(lfd);
	return pid;
}

/* SIGTERM ends us; the children go with the listening socket. */
static void
prefork_loop(int lfd)
{
	for (;;) {
		if (wait(NULL) == -1) {
			if (errno == EINTR)
				continue;
			exit(1);
		}
		while (prefork_spawn(lfd) == -1)
			sleep(1);
	}
}
#else
/* The worker's and the master's promises (worker/worker.c, master.c). */
#define PREFORK_WORKER_PROMISES	"stdio inet dns"
#define PREFORK_MASTER_PROMISES	"stdio rpath wpath cpath inet unix sendfd " \
				    "proc id"
#define PREFORK_MAX		64	/* children, idle and busy */

static struct {
	struct sock_fprog	*filter;
	int			 drop, devnull;
	uid_t			 uid;
	gid_t			 gid;
	int			 stand_in[2];	/* control's, vaultd's */
	int			 chan[PREFORK_MAX];	/* to each child */
	pid_t			 pid[PREFORK_MAX];
} pre;

union prefork_cmsg {
	struct cmsghdr	 hdr;
	char		 buf[CMSG_SPACE(sizeof(int))];
};

static void	prefork_child(int, int, int, int)
		    __attribute__((__noreturn__));
static void	prefork_msg(struct msghdr *, struct iovec *, char *,
		    union prefork_cmsg *);
static int	prefork_spawn(int);
static void	prefork_stand_in(int) __attribute__((__noreturn__));
static int	prefork_sendfd(int, int);

static void
prefork_child(int lfd, int mfd, int cfd, int vfd)
{
	struct sandbox	 sb;
	int		 keep[4] = { lfd, mfd, cfd, vfd }, fd;

	memset(&sb, 0, sizeof(sb));
	sb.proc = PROC_WORKER;
	sb.drop = pre.drop;
	sb.root = SANDBOX_EMPTY_DIR;
	sb.uid = pre.uid;
	sb.gid = pre.gid;
	sb.keep = keep;
	sb.nkeep = 4;
	sb.devnull = pre.devnull;
	sb.promises = PREFORK_WORKER_PROMISES;
	sb.filter = pre.filter;
	sandbox_enter(&sb);
	if ((fd = accept(keep[0], NULL, NULL)) == -1 ||
	    write(keep[1], "b", 1) != 1)
		_exit(1);
	prefork_answer(fd);
}

/* A message of one byte, with room for one descriptor. */
static void
prefork_msg(struct msghdr *msg, struct iovec *iov, char *c,
    union prefork_cmsg *cbuf)
{
	memset(msg, 0, sizeof(*msg));
	memset(cbuf, 0, sizeof(*cbuf));
	iov->iov_base = c;
	iov->iov_len = 1;
	msg->msg_iov = iov;
	msg->msg_iovlen = 1;
	msg->msg_control = cbuf->buf;
	msg->msg_controllen = sizeof(cbuf->buf);
}

static int
prefork_sendfd(int sock, int fd)
{
	struct msghdr		 msg;
	struct cmsghdr		*cm;
	struct iovec		 iov;
	union prefork_cmsg	 cbuf;
	char			 c = 'w';

	prefork_msg(&msg, &iov, &c, &cbuf);
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -1;
}

/* Fork a child with its three channels; its slot, or -1. */
static int
prefork_spawn(int lfd)
{
	int	 mw[2], wc[2], wv[2], i;

	for (i = 0; i < PREFORK_MAX && pre.pid[i] != 0; i++)
		;
	if (i == PREFORK_MAX)
		return -1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, mw) == -1)
		return -1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, wc) == -1 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, wv) == -1)
		exit(1);
	if ((pre.pid[i] = fork()) == -1)
		exit(1);
	if (pre.pid[i] == 0)
		prefork_child(lfd, mw[1], wc[0], wv[0]);
	close(mw[1]);
	close(wc[0]);
	close(wv[0]);
	if (prefork_sendfd(pre.stand_in[0], wc[1]) == -1 ||
	    prefork_sendfd(pre.stand_in[1], wv[1]) == -1)
		exit(1);
	close(wc[1]);
	close(wv[1]);
	pre.chan[i] = mw[0];
	return i;
}

/*
 * Control or vaultd, standing in: takes each worker's channel from the
 * parent and holds it until the worker is gone.
 */
static void
prefork_stand_in(int sock)
{
	struct pollfd		 pfd[PREFORK_MAX + 1];
	struct msghdr		 msg;
	struct cmsghdr		*cm;
	struct iovec		 iov;
	union prefork_cmsg	 cbuf;
	char			 c;
	nfds_t			 n = 1, i;

	pfd[0].fd = sock;
	pfd[0].events = POLLIN;
	for (;;) {
		if (poll(pfd, n, -1) == -1) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		for (i = n - 1; i > 0; i--) {
			if (pfd[i].revents == 0 ||
			    read(pfd[i].fd, &c, 1) > 0)
				continue;
			close(pfd[i].fd);
			pfd[i] = pfd[--n];
		}
		if (pfd[0].revents == 0)
			continue;
		prefork_msg(&msg, &iov, &c, &cbuf);
		if (recvmsg(sock, &msg, 0) <= 0)
			_exit(0);	/* the parent is gone */
		if ((cm = CMSG_FIRSTHDR(&msg)) == NULL ||
		    cm->cmsg_type != SCM_RIGHTS || n > PREFORK_MAX)
			_exit(1);
		memcpy(&pfd[n].fd, CMSG_DATA(cm), sizeof(int));
		pfd[n++].events = POLLIN;
	}
}

/* A busy child gets a spare; a channel's end is a child to reap. */
static void
prefork_loop(int lfd)
{
	struct pollfd	 pfd[PREFORK_MAX];
	int		 slot[PREFORK_MAX], n, i;
	char		 c;

	for (;;) {
		for (i = n = 0; i < PREFORK_MAX; i++)
			if (pre.pid[i] != 0) {
				pfd[n].fd = pre.chan[i];
				pfd[n].events = POLLIN;
				slot[n++] = i;
			}
		if (poll(pfd, n, -1) == -1) {
			if (errno == EINTR)
				continue;
			exit(1);
		}
		for (i = 0; i < n; i++) {
			if (pfd[i].revents == 0)
				continue;
			if (read(pfd[i].fd, &c, 1) == 1) {
				while (prefork_spawn(lfd) == -1)
					sleep(1);
				continue;
			}
			close(pfd[i].fd);
			waitpid(pre.pid[slot[i]], NULL, 0);
			pre.pid[slot[i]] = 0;
		}
	}
}

static void
prefork_prepare(void)
{
	int	 sp[2], i, j;

	log_init(1, 0, "bench-prefork-sandbox");
	if ((pre.drop = geteuid() == 0)) {
		if (sandbox_lookup_user("_aileron", &pre.uid, &pre.gid) == -1)
			fatalx("no user _aileron; run make user");
		sandbox_prepare_empty(SANDBOX_EMPTY_DIR);
	}
	if ((pre.devnull = open("/dev/null", O_RDWR | O_CLOEXEC)) == -1)
		fatal("/dev/null");
	for (i = 0; i < 2; i++) {
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
		    sp) == -1)
			fatal("socketpair");
		switch (fork()) {
		case -1:
			fatal("fork");
		case 0:
			/* Only the parent may hold a stand-in's other end. */
			for (j = 0; j < i; j++)
				close(pre.stand_in[j]);
			close(sp[0]);
			prefork_stand_in(sp[1]);
		}
		close(sp[1]);
		pre.stand_in[i] = sp[0];
	}
	pre.filter = pledge_export(PREFORK_WORKER_PROMISES);
	sandbox_pledge(PROC_MASTER, PREFORK_MASTER_PROMISES);
}
#endif

int
main(int argc, char *argv[])
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);
	FILE			*f;
	int			 lfd, i, on = 1;

	if (argc != 2) {
		fprintf(stderr, "usage: bench-prefork port-file\n");
		return 2;
	}
	if ((lfd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1)
		return 1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(lfd, 511) == -1 ||
	    getsockname(lfd, (struct sockaddr *)&sin, &len) == -1)
		return 1;
#ifdef PREFORK_SANDBOX
	prefork_prepare();
#endif
	for (i = 0; i < PREFORK_CHILDREN; i++)
		if (prefork_spawn(lfd) == -1)
			return 1;
	/* The bench reads the port once every child is forked. */
	if ((f = fopen(argv[1], "w")) == NULL)
		return 1;
	fprintf(f, "%d\n", ntohs(sin.sin_port));
	fclose(f);
	prefork_loop(lfd);
	return 1;
}
