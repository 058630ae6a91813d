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
 * relay.c: aileron-relay, the native sandbox's only way out.  The agent's
 * network namespace has nothing but loopback: inside, "aileron-relay in"
 * listens on 127.0.0.1:PORT, runs the agent, and carries each connection
 * over a unix socket bind-mounted from the host, where "aileron-relay
 * out", started by aileron launch, carries it on to the proxy.  Bytes are
 * copied, never parsed: the proxy at the far end is what decides.
 *
 *	aileron-relay in PORT SOCKET COMMAND [ARG ...]
 *	aileron-relay out SOCKET HOST PORT
 *	aileron-relay shell check [--] COMMAND	(check.c)
 *
 * It uses libc alone and is linked statically, so that the same binary
 * runs inside any container image.
 */

#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "relay/relay.h"

#define RELAY_BUF	16384
#define RELAY_TICK_MS	200	/* how often "in" looks for the agent's exit */

static int	relay_port(const char *);
static int	relay_listen_tcp(int);
static int	relay_listen_unix(const char *);
static int	relay_connect_unix(const char *, const char *);
static void	relay_copy(int, int);
static void	relay_serve(int, int (*)(const char *, const char *),
		    const char *, const char *);
static int	relay_in(int, char *[]);
static int	relay_out(int, char *[]);

void
relay_usage(void)
{
	fprintf(stderr, "usage: aileron-relay in port socket command "
	    "[arg ...]\n"
	    "       aileron-relay out socket host port\n"
	    "       aileron-relay shell check [--] command\n");
	exit(2);
}

static int
relay_port(const char *s)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 1 || v > 65535)
		return -1;
	return (int)v;
}

static int
relay_listen_tcp(int port)
{
	struct sockaddr_in	 sin;
	int			 fd, one = 1;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(fd, 64) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

static int
relay_listen_unix(const char *path)
{
	struct sockaddr_un	 sun;
	mode_t			 old;
	int			 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	(void)unlink(path);
	/* Only the launching user, whom the sandbox maps, may connect. */
	old = umask(0177);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    listen(fd, 64) == -1) {
		umask(old);
		close(fd);
		return -1;
	}
	umask(old);
	return fd;
}

static int
relay_connect_unix(const char *path, const char *unused)
{
	struct sockaddr_un	 sun;
	int			 fd;

	(void)unused;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		return -1;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

int
relay_connect_tcp(const char *host, const char *port)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t		 len;
	int			 fd, one = 1;

	/* The proxy's address from service.json: never a name to look up. */
	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(relay_port(port));
		len = sizeof(*sin);
	} else if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(relay_port(port));
		len = sizeof(*sin6);
	} else
		return -1;
	if ((fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&ss, len) == -1) {
		close(fd);
		return -1;
	}
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

/* Copy both ways until both sides have closed; each close is passed on. */
static void
relay_copy(int a, int b)
{
	struct pollfd	 pfd[2];
	char		 buf[RELAY_BUF];
	int		 open[2] = { 1, 1 }, fds[2] = { a, b };
	ssize_t		 n, w, off;
	int		 i;

	while (open[0] || open[1]) {
		for (i = 0; i < 2; i++) {
			pfd[i].fd = open[i] ? fds[i] : -1;
			pfd[i].events = POLLIN;
		}
		if (poll(pfd, 2, -1) == -1) {
			if (errno == EINTR)
				continue;
			return;
		}
		for (i = 0; i < 2; i++) {
			if (!open[i] || pfd[i].revents == 0)
				continue;
			n = read(fds[i], buf, sizeof(buf));
			if (n == -1 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (n <= 0) {
				open[i] = 0;
				shutdown(fds[!i], SHUT_WR);
				continue;
			}
			for (off = 0; off < n; off += w) {
				w = write(fds[!i], buf + off, n - off);
				if (w == -1 && errno == EINTR) {
					w = 0;
					continue;
				}
				if (w <= 0)
					return;
			}
		}
	}
}

/*
 * Accept on lfd, a child per connection that connects on with dial and
 * copies.  Returns when lfd fails; the caller's poll says when to call.
 */
static void
relay_serve(int lfd, int (*dial)(const char *, const char *), const char *a,
    const char *b)
{
	int	 cfd, ufd;

	if ((cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) == -1) {
		/* Out of descriptors or processes: not a busy loop. */
		if (errno != EINTR && errno != ECONNABORTED)
			(void)poll(NULL, 0, 100);
		return;
	}
	switch (fork()) {
	case -1:
		close(cfd);
		return;
	case 0:
		close(lfd);
		if ((ufd = dial(a, b)) == -1)
			_exit(1);
		relay_copy(cfd, ufd);
		_exit(0);
	}
	close(cfd);
}

/* Inside the sandbox: listen, run the agent, exit with its status. */
static int
relay_in(int argc, char *argv[])
{
	struct pollfd	 pfd;
	pid_t		 agent, pid;
	int		 lfd, port, status;

	if (argc < 4 || (port = relay_port(argv[1])) == -1)
		relay_usage();
	if ((lfd = relay_listen_tcp(port)) == -1) {
		fprintf(stderr, "aileron-relay: cannot listen on "
		    "127.0.0.1:%d: %s\n", port, strerror(errno));
		return 1;
	}
	switch (agent = fork()) {
	case -1:
		fprintf(stderr, "aileron-relay: fork: %s\n", strerror(errno));
		return 1;
	case 0:
		execvp(argv[3], argv + 3);
		fprintf(stderr, "aileron-relay: cannot run %s: %s\n", argv[3],
		    strerror(errno));
		_exit(127);
	}
	/* The terminal's signals are the agent's, as under a shell. */
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	for (;;) {
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
			if (pid != agent)
				continue;
			if (WIFSIGNALED(status))
				return 128 + WTERMSIG(status);
			return WEXITSTATUS(status);
		}
		pfd.fd = lfd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, RELAY_TICK_MS) > 0)
			relay_serve(lfd, relay_connect_unix, argv[2], NULL);
	}
}

/* On the host, for aileron launch: from the socket on to the proxy. */
static int
relay_out(int argc, char *argv[])
{
	struct sigaction	 sa;
	int			 lfd;

	if (argc != 4 || relay_port(argv[3]) == -1)
		relay_usage();
	/* Gone with the launch that started it, however it ended. */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1 || getppid() == 1)
		return 1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sa.sa_flags = SA_NOCLDWAIT;
	sigaction(SIGCHLD, &sa, NULL);
	if ((lfd = relay_listen_unix(argv[1])) == -1) {
		fprintf(stderr, "aileron-relay: cannot listen on %s: %s\n",
		    argv[1], strerror(errno));
		return 1;
	}
	/* Ready: launch waits for this byte before it starts the agent. */
	if (write(STDOUT_FILENO, "R", 1) != 1)
		return 1;
	close(STDOUT_FILENO);
	for (;;)
		relay_serve(lfd, relay_connect_tcp, argv[2], argv[3]);
}

int
main(int argc, char *argv[])
{
	if (argc < 2)
		relay_usage();
	if (strcmp(argv[1], "in") == 0)
		return relay_in(argc - 1, argv + 1);
	if (strcmp(argv[1], "out") == 0)
		return relay_out(argc - 1, argv + 1);
	if (strcmp(argv[1], "shell") == 0)
		return relay_check(argc - 1, argv + 1);
	relay_usage();
}
