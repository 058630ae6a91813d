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
 *
 * With an upstream proxy line (a corporate proxy), the target is still
 * resolved and checked here first, so the address rules hold before the
 * corporate proxy is asked anything; then the corporate proxy (allowed
 * by being configured) gets a CONNECT naming the host, and whatever TLS
 * follows is to the upstream itself, as before.
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
#include "msg.h"
#include "msgtypes.h"
#include "master/parse.h"
#include "worker/worker.h"
#include "worker/resolve.h"
#include "worker/proxy.h"
#include "worker/io.h"
#include "vaultd/connmap.h"

#define UPSTREAM_ADDRS		8
#define UPSTREAM_CONNECT_MS	10000
#define UPSTREAM_RESOLVE_MS	5000

#define UPSTREAM_CORP_HEAD	8192
#define UPSTREAM_CORP_AUTH	4096	/* the Proxy-Authorization line */

static void	upstream_name(const struct sockaddr_storage *, char *, size_t);
static int	upstream_connect(struct sockaddr_storage *, size_t, char *,
		    size_t, char *, size_t);
static int	upstream_corp_auth(struct pconn *, char *, size_t, char *,
		    size_t);
static size_t	upstream_self(const struct worker_ctx *,
		    struct resolve_self *);
static int	upstream_corp(struct pconn *, const struct resolve_conf *,
		    const char *, uint16_t, char *,
		    size_t, char *, size_t);

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

/* The first of n addresses that answers; -1 with a reason in why. */
static int
upstream_connect(struct sockaddr_storage *ss, size_t n, char *addr,
    size_t addrlen, char *why, size_t whylen)
{
	socklen_t		 sslen, errlen;
	size_t			 i;
	int			 fd, r, err;

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

/*
 * The session's Proxy-Authorization line for the corporate proxy, from
 * vaultd (the user's credential for connector CONNMAP_CORP), into auth;
 * its length, or -1 with a reason in why.  The caller zeroes auth.
 */
static int
upstream_corp_auth(struct pconn *pc, char *auth, size_t authlen, char *why,
    size_t whylen)
{
	struct msg_vault_inject	 inj;
	struct msg_vault_reply	 vr;
	struct msg		 reply;
	size_t			 len;

	memset(&inj, 0, sizeof(inj));
	strlcpy(inj.session, pc->sess.session, sizeof(inj.session));
	strlcpy(inj.connector, CONNMAP_CORP, sizeof(inj.connector));
	strlcpy(inj.host, pc->ctx->conf->proxy.corp_host, sizeof(inj.host));
	if (call(pc, &pc->vaultd, MSG_VAULT_INJECT, &inj, sizeof(inj),
	    MSG_VAULT_INJECT_REPLY, &reply) == -1 || reply.len < sizeof(vr)) {
		snprintf(why, whylen, "upstream proxy: no answer from vaultd");
		return -1;
	}
	memcpy(&vr, reply.data, sizeof(vr));
	len = reply.len - sizeof(vr);
	if (vr.error != 0) {
		snprintf(why, whylen, "upstream proxy credential: %.*s",
		    len > 200 ? 200 : (int)len,
		    (const char *)reply.data + sizeof(vr));
		return -1;
	}
	if (len == 0 || len >= authlen ||
	    memchr(reply.data + sizeof(vr), '\r', len) != NULL ||
	    memchr(reply.data + sizeof(vr), '\n', len) != NULL) {
		explicit_bzero((void *)(uintptr_t)(reply.data + sizeof(vr)),
		    len);
		snprintf(why, whylen, "upstream proxy: vaultd's line is "
		    "unusable");
		return -1;
	}
	memcpy(auth, reply.data + sizeof(vr), len);
	auth[len] = '\0';
	explicit_bzero((void *)(uintptr_t)(reply.data + sizeof(vr)), len);
	return (int)len;
}

/*
 * Through the corporate proxy: check the target, dial the proxy, CONNECT.
 * The reply head is read a byte at a time so that nothing of the
 * upstream's own bytes (its TLS) is taken with it.
 */
static int
upstream_corp(struct pconn *pc, const struct resolve_conf *rc,
    const char *host, uint16_t port, char *addr, size_t addrlen, char *why,
    size_t whylen)
{
	const struct proxy_conf	*cp = &pc->ctx->conf->proxy;
	struct resolve_conf	 any;
	struct resolve_net	 all[2];
	struct sockaddr_storage	 ss[UPSTREAM_ADDRS];
	struct io		 io;
	char			 head[UPSTREAM_CORP_HEAD];
	char			 line[600 + UPSTREAM_CORP_AUTH];
	char			 auth[UPSTREAM_CORP_AUTH];
	size_t			 n, len = 0;
	ssize_t			 k;
	int			 fd, status, linelen;

	/* The address rules first: a refused target never reaches it. */
	if (resolve_host(rc, host, port, ss, UPSTREAM_ADDRS, &n,
	    UPSTREAM_RESOLVE_MS, why, whylen) == -1)
		return strncmp(why, "blocked", 7) == 0 ? -2 : -1;

	/* The proxy's own address is allowed by being configured. */
	any = *rc;
	memset(all, 0, sizeof(all));
	all[0].net.family = AF_INET;
	all[1].net.family = AF_INET6;
	any.nets = all;
	any.nnets = 2;
	if (resolve_host(&any, cp->corp_host, cp->corp_port, ss,
	    UPSTREAM_ADDRS, &n, UPSTREAM_RESOLVE_MS, why, whylen) == -1) {
		snprintf(line, sizeof(line), "%s", why);
		snprintf(why, whylen, "upstream proxy %s: %s", cp->corp_host,
		    line);
		return -3;
	}
	if ((fd = upstream_connect(ss, n, addr, addrlen, why, whylen)) ==
	    -1) {
		snprintf(line, sizeof(line), "%s", why);
		snprintf(why, whylen, "upstream proxy: %s", line);
		return -3;
	}
	io_init(&io, fd, NULL);
	auth[0] = '\0';
	if (cp->corp_cred && upstream_corp_auth(pc, auth, sizeof(auth), why,
	    whylen) == -1) {
		close(fd);
		return -3;
	}
	linelen = snprintf(line, sizeof(line), strchr(host, ':') != NULL ?
	    "CONNECT [%s]:%u HTTP/1.1\r\nHost: [%s]:%u\r\n%s%s\r\n" :
	    "CONNECT %s:%u HTTP/1.1\r\nHost: %s:%u\r\n%s%s\r\n", host, port,
	    host, port, auth, auth[0] != '\0' ? "\r\n" : "");
	k = linelen < 0 || (size_t)linelen >= sizeof(line) ||
	    io_write(&io, line, linelen, UPSTREAM_CONNECT_MS) != 0;
	/* The credential was for this CONNECT only. */
	explicit_bzero(auth, sizeof(auth));
	explicit_bzero(line, sizeof(line));
	if (k) {
		snprintf(why, whylen, "upstream proxy %s: write failed", addr);
		close(fd);
		return -3;
	}
	while (len < sizeof(head) - 1) {
		if ((k = io_read(&io, head + len, 1, UPSTREAM_CONNECT_MS)) <=
		    0) {
			snprintf(why, whylen, "upstream proxy %s: no answer "
			    "to CONNECT", addr);
			close(fd);
			return -3;
		}
		len++;
		if (len >= 4 && memcmp(head + len - 4, "\r\n\r\n", 4) == 0)
			break;
	}
	head[len] = '\0';
	if (sscanf(head, "HTTP/1.%*1[01] %3d", &status) != 1 ||
	    strstr(head, "\r\n\r\n") == NULL) {
		snprintf(why, whylen, "upstream proxy %s: malformed answer "
		    "to CONNECT", addr);
		close(fd);
		return -3;
	}
	if (status < 200 || status > 299) {
		snprintf(why, whylen, "upstream proxy %s answered %d to "
		    "CONNECT %s", addr, status, host);
		close(fd);
		return -3;
	}
	return fd;
}

/*
 * The service's own listeners as the address rules take them (self, with
 * room for WORKER_MAX_LISTENERS); their number.  api.sock's path parses
 * as no address and is left out.
 */
static size_t
upstream_self(const struct worker_ctx *ctx, struct resolve_self *self)
{
	size_t	 i, n = 0;
	int	 kind;

	for (i = 0; i < WORKER_MAX_LISTENERS && ctx->listen_addr[i] != NULL;
	    i++) {
		if (resolve_parse_addrport(ctx->listen_addr[i], &self[n].addr,
		    &self[n].port) == -1 || self[n].port == 0)
			continue;
		kind = ctx->listen_api[i];
		snprintf(self[n].what, sizeof(self[n].what), "the service's "
		    "own %s listener, port %u", kind == WORKER_LISTEN_WEB ?
		    "web page" : kind == WORKER_LISTEN_METRICS ? "metrics" :
		    "proxy", self[n].port);
		n++;
	}
	return n;
}

/*
 * A connected, non-blocking socket to host:port, its address in addr;
 * -1 with a reason in why when it cannot be reached, -2 when every
 * address is refused by the address rules (our own listeners among
 * them), -3 when the corporate proxy cannot be reached or refuses.
 */
int
upstream_dial(struct pconn *pc, const char *host, uint16_t port, char *addr,
    size_t addrlen, char *why, size_t whylen)
{
	const struct proxy_conf	*cp = &pc->ctx->conf->proxy;
	static struct resolve_self self[WORKER_MAX_LISTENERS];
	struct resolve_conf	 rc;
	struct sockaddr_storage	 ss[UPSTREAM_ADDRS];
	size_t			 n;

	addr[0] = '\0';
	/* Whatever the allow network lines say, never back to ourselves. */
	rc = *pc->ctx->resolve;
	rc.self = self;
	rc.nself = upstream_self(pc->ctx, self);
	if (cp->corp_host[0] != '\0' && !conf_host_excepted(cp, host))
		return upstream_corp(pc, &rc, host, port, addr, addrlen, why,
		    whylen);
	if (resolve_host(&rc, host, port, ss, UPSTREAM_ADDRS, &n,
	    UPSTREAM_RESOLVE_MS, why, whylen) == -1)
		return strncmp(why, "blocked", 7) == 0 ? -2 : -1;
	snprintf(why, whylen, "%s: no address", host);
	return upstream_connect(ss, n, addr, addrlen, why, whylen);
}
