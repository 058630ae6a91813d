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
 * tunnel.c: a blind tunnel to a host that is not intercepted.  The bytes
 * are not read, only counted; the audit has the host, the duration and
 * the bytes each way.  Also the relay of a plain-HTTP request to such a
 * host, once its head has been rewritten.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <jansson.h>

#include "log.h"
#include "connector/match.h"
#include "master/parse.h"
#include "worker/worker.h"
#include "worker/http.h"
#include "worker/proxy.h"

static int	tunnel_move(int, int, char *, unsigned long long *);

/* Move what is readable from one socket to the other: 1, 0 at EOF, -1. */
static int
tunnel_move(int from, int to, char *buf, unsigned long long *count)
{
	ssize_t	 n;

	n = read(from, buf, PROXY_BUF);
	if (n == 0)
		return 0;
	if (n == -1)
		return errno == EAGAIN || errno == EINTR ? 1 : -1;
	*count += n;
	/* The far end's window is the relay's buffer: wait for it. */
	{
		struct io	 out;

		io_init(&out, to, NULL);
		if (io_write(&out, buf, n, PROXY_IO_MS) != 0)
			return -1;
	}
	return 1;
}

/*
 * Dial host:port, answer 200 to a CONNECT (or the reason it failed),
 * relay until both sides are done or the connection is idle too long.
 * early (bytes the agent sent after its head; for plain HTTP, the head we
 * rewrote and what followed it) goes upstream first.
 */
void
tunnel_relay(struct pconn *pc, const char *early, size_t earlylen,
    int connect)
{
	static const char	 ok[] = "HTTP/1.1 200 Connection established\r\n\r\n";
	static char		 buf[PROXY_BUF];
	struct pollfd		 pfd[2];
	struct io		 up;
	struct timespec		 start;
	unsigned long long	 nup = 0, ndown = 0;
	char			 addr[128], why[256];
	const char		*closer = "agent";
	json_t			*rec;
	int			 fd, r, aeof = 0, ueof = 0, one = 1;

	clock_gettime(CLOCK_MONOTONIC, &start);
	if ((fd = upstream_dial(pc, pc->host, pc->port, addr, sizeof(addr),
	    why, sizeof(why))) < 0) {
		problem_send(&pc->agent, fd == -2 ? 403 : 502, fd == -2 ?
		    "aileron:blocked-address" : fd == -3 ?
		    "aileron:upstream-proxy" : "aileron:upstream", why, 0);
		rec = json_pack("{s:s, s:s, s:i, s:i, s:s}", "event",
		    "tunnel", "host", pc->host, "port", pc->port, "status",
		    fd == -2 ? 403 : 502, "reason", why);
		if (rec != NULL)
			call_audit(pc, rec);
		return;
	}
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	io_init(&up, fd, NULL);
	if ((connect &&
	    io_write(&pc->agent, ok, sizeof(ok) - 1, PROXY_IO_MS) != 0) ||
	    (earlylen > 0 && io_write(&up, early, earlylen, PROXY_IO_MS) != 0))
		goto done;
	nup = earlylen;
	while (!(aeof && ueof)) {
		pfd[0].fd = aeof ? -1 : pc->agent.fd;
		pfd[0].events = POLLIN;
		pfd[1].fd = ueof ? -1 : fd;
		pfd[1].events = POLLIN;
		if ((r = poll(pfd, 2, pc->idle_ms)) == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (r == 0) {
			closer = "idle";
			break;
		}
		if (pfd[0].revents != 0) {
			if ((r = tunnel_move(pc->agent.fd, fd, buf, &nup)) ==
			    -1)
				break;
			if (r == 0) {
				aeof = 1;
				shutdown(fd, SHUT_WR);
			}
		}
		if (pfd[1].revents != 0) {
			if ((r = tunnel_move(fd, pc->agent.fd, buf, &ndown)) ==
			    -1)
				break;
			if (r == 0) {
				ueof = 1;
				if (!aeof)
					closer = "upstream";
				shutdown(pc->agent.fd, SHUT_WR);
			}
		}
	}
done:
	rec = json_pack("{s:s, s:s, s:i, s:s, s:I, s:I, s:I, s:s}", "event",
	    connect ? "tunnel" : "plain-http", "host", pc->host, "port", pc->port, "address", addr,
	    "bytes_up", (json_int_t)nup, "bytes_down", (json_int_t)ndown,
	    "duration_ms", (json_int_t)conn_ms(&start), "closed_by", closer);
	if (rec != NULL)
		call_audit(pc, rec);
	close(fd);
}

/*
 * An absolute-form http:// request: never to a connector's host
 * (credentials travel only over TLS); to another host, by the egress
 * rules, with a head we rewrote (origin-form, no proxy fields, no
 * hop-by-hop fields, Connection: close), then relayed as it comes.
 */
void
tunnel_plain(struct pconn *pc, const struct http_request *req,
    const char *early, size_t earlylen)
{
	static char	 head[HTTP_HEAD_MAX + PROXY_BUF + 1024];
	const char	*target = req->target, *p;
	size_t		 used, i;
	int		 n;
	json_t		*rec;
	char		 why[512];

	if (match_host(pc->ctx->matcher, pc->host) != NULL) {
		snprintf(why, sizeof(why), "%s is a connector's host: "
		    "credentials travel only over TLS; use https", pc->host);
		problem_send(&pc->agent, 400, "aileron:bad-request", why, 0);
		goto refused;
	}
	if (pc->ctx->conf->proxy.egress_deny &&
	    !conf_host_allowed(&pc->ctx->conf->proxy, pc->host)) {
		snprintf(why, sizeof(why), "egress deny: %s is on no allow "
		    "host line", pc->host);
		problem_send(&pc->agent, 403, "aileron:denied", why, 0);
		goto refused;
	}
	/* http://host[:port]/path -> /path */
	if ((p = strstr(target, "://")) != NULL &&
	    (p = strchr(p + 3, '/')) != NULL)
		target = p;
	else
		target = "/";
	n = snprintf(head, sizeof(head), "%s %s HTTP/1.1\r\nHost: %s",
	    req->method, target, pc->host);
	used = n;
	if (pc->port != 80)
		used += snprintf(head + used, sizeof(head) - used, ":%u",
		    pc->port);
	used += snprintf(head + used, sizeof(head) - used, "\r\n");
	/* The body's framing is written once, below, as the intake read it. */
	for (i = 0; i < req->nfield; i++) {
		if (strcasecmp(req->field[i].name, "Host") == 0 ||
		    strcasecmp(req->field[i].name, "Content-Length") == 0 ||
		    http_field_hop(req, req->field[i].name))
			continue;
		n = snprintf(head + used, sizeof(head) - used, "%s: %s\r\n",
		    req->field[i].name, req->field[i].value);
		if (n < 0 || (size_t)n >= sizeof(head) - used)
			return;
		used += n;
	}
	if (req->chunked)
		used += snprintf(head + used, sizeof(head) - used,
		    "Transfer-Encoding: chunked\r\n");
	else if (req->content_length >= 0)
		used += snprintf(head + used, sizeof(head) - used,
		    "Content-Length: %lld\r\n", req->content_length);
	used += snprintf(head + used, sizeof(head) - used,
	    "Connection: close\r\n\r\n");
	if (used + earlylen >= sizeof(head))
		return;
	memcpy(head + used, early, earlylen);
	tunnel_relay(pc, head, used + earlylen, 0);
	return;
refused:
	rec = json_pack("{s:s, s:s, s:i, s:s}", "event", "plain-http", "host",
	    pc->host, "port", pc->port, "reason", why);
	if (rec != NULL)
		call_audit(pc, rec);
}
