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

#define PREFORK_CHILDREN	8

static const char	 reply[] = "HTTP/1.1 503 Service Unavailable\r\n"
			    "Content-Type: text/plain\r\n"
			    "Content-Length: 24\r\n"
			    "Connection: close\r\n\r\n"
			    "503 Service Unavailable\n";

static void	prefork_child(int) __attribute__((__noreturn__));
static pid_t	prefork_spawn(int);

static void
prefork_child(int lfd)
{
	char	 buf[4096];
	int	 fd;

	if ((fd = accept(lfd, NULL, NULL)) == -1)
		_exit(1);
	if (read(fd, buf, sizeof(buf)) > 0)
		send(fd, reply, sizeof(reply) - 1, MSG_NOSIGNAL);
	shutdown(fd, SHUT_WR);
	close(fd);
	_exit(0);
}

static pid_t
prefork_spawn(int lfd)
{
	pid_t	 pid;

	if ((pid = fork()) == 0)
		prefork_child(lfd);
	return pid;
}

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
	for (i = 0; i < PREFORK_CHILDREN; i++)
		if (prefork_spawn(lfd) == -1)
			return 1;
	/* The bench reads the port once every child is forked. */
	if ((f = fopen(argv[1], "w")) == NULL)
		return 1;
	fprintf(f, "%d\n", ntohs(sin.sin_port));
	fclose(f);
	/* SIGTERM ends us; the children go with the listening socket. */
	for (;;) {
		if (wait(NULL) == -1) {
			if (errno == EINTR)
				continue;
			return 1;
		}
		while (prefork_spawn(lfd) == -1)
			sleep(1);
	}
}
