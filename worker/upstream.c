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
 * upstream.c: the dial.  The name is resolved once, every address is
 * checked (loopback, private, metadata... refused unless allowed), and
 * the checked address is the one dialled: no second lookup, so no DNS
 * rebinding between the check and the connect.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "worker/worker.h"
#include "worker/resolve.h"
#include "worker/proxy.h"

#define UPSTREAM_ADDRS		8
#define UPSTREAM_CONNECT_MS	10000
#define UPSTREAM_RESOLVE_MS	5000

static void	upstream_name(const struct sockaddr_storage *, char *, size_t);

static void
upstream_name(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	char	 host[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)ss;

		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
		snprintf(buf, len, "%s:%u", host, ntohs(sin->sin_port));
	} else {
		const struct sockaddr_in6 *sin6 = (const void *)ss;

		inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
		snprintf(buf, len, "[%s]:%u", host, ntohs(sin6->sin6_port));
	}
}

/*
 * A connected, non-blocking socket to host:port, its address in addr;
 * -1 with a reason in why when it cannot be reached, -2 when every
 * address is refused by the address rules.
 */
int
upstream_dial(struct pconn *pc, const char *host, uint16_t port, char *addr,
    size_t addrlen, char *why, size_t whylen)
{
	struct sockaddr_storage	 ss[UPSTREAM_ADDRS];
	socklen_t		 sslen;
	size_t			 n, i;
	int			 fd, r, err;
	socklen_t		 errlen;

	addr[0] = '\0';
	if (resolve_host(pc->ctx->resolve, host, port, ss, UPSTREAM_ADDRS, &n,
	    UPSTREAM_RESOLVE_MS, why, whylen) == -1)
		return strncmp(why, "blocked", 7) == 0 ? -2 : -1;
	snprintf(why, whylen, "%s: no address", host);
	for (i = 0; i < n; i++) {
		upstream_name(&ss[i], addr, addrlen);
		sslen = ss[i].ss_family == AF_INET ?
		    sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
		if ((fd = socket(ss[i].ss_family, SOCK_STREAM | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, 0)) == -1) {
			snprintf(why, whylen, "socket: %s", strerror(errno));
			continue;
		}
		if (connect(fd, (struct sockaddr *)&ss[i], sslen) == -1 &&
		    errno != EINPROGRESS) {
			snprintf(why, whylen, "connect %s: %s", addr,
			    strerror(errno));
			close(fd);
			continue;
		}
		r = io_poll(fd, POLLOUT, UPSTREAM_CONNECT_MS);
		err = 0;
		errlen = sizeof(err);
		if (r == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err,
		    &errlen) == 0 && err == 0)
			return fd;
		snprintf(why, whylen, "connect %s: %s", addr,
		    r == 0 ? "timed out" : strerror(err));
		close(fd);
	}
	return -1;
}
