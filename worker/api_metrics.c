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
 * api_metrics.c: GET /metrics (issue 14), the Prometheus text format
 * 0.0.4 (aileron-metrics(7)), on api.sock and on the metrics listener.
 *
 * Control keeps the counters and writes the text; this worker fetches
 * it page by page, adds the pool's gauges, which only the master knows
 * and tells when asked, and answers.  On the metrics listener (TCP on
 * loopback, "metrics listen" in aileron.conf(5)) the worker parses the
 * request itself (metrics_req.c), as every untrusted byte: the Host
 * must be the listener's own address (no DNS rebinding), and the caller
 * must come from an address on a "metrics allow" line or carry the
 * bearer token whose SHA-256 the configuration holds (compared in
 * constant time; the token is never kept past the comparison).
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <http_parser.h>

#include "log.h"
#include "msg.h"
#include "msgtypes.h"
#include "master/parse.h"
#include "worker/api.h"
#include "worker/metrics_req.h"
#include "worker/proxy.h"
#include "worker/worker.h"

#define METRICS_CTYPE	"text/plain; version=0.0.4; charset=utf-8"

static const struct msg_accept metrics_accept_master[] = {
	{ MSG_WORKER_POOL_REPLY,	PROC_MASTER,	0 },
};

static char	*metrics_text(struct worker_ctx *, uid_t, int, int *);
static int	 metrics_pool(struct worker_ctx *, char *, size_t);
static int	 metrics_read(int, struct metrics_req *);
static int	 metrics_host_ok(int, const char *);
static int	 metrics_allowed(const struct aileron_conf *, int);
static unsigned int metrics_addr(const struct sockaddr_storage *, char *,
		    size_t);

/*
 * The pool's gauges from the master, as exposition text into buf.  -1
 * when the master did not answer: then they are left out, not guessed.
 */
static int
metrics_pool(struct worker_ctx *ctx, char *buf, size_t len)
{
	struct msg_worker_pool	 g;
	struct chan		 c;
	size_t			 got;
	int			 rv, n;

	chan_init(&c, ctx->master_fd, 0, "master");
	chan_accept(&c, PROC_MASTER, metrics_accept_master,
	    sizeof(metrics_accept_master) / sizeof(metrics_accept_master[0]));
	rv = api_call(&c, 1, MSG_WORKER_POOL, NULL, 0, MSG_WORKER_POOL_REPLY,
	    sizeof(g), &g, sizeof(g), &got);
	c.fd = -1;
	chan_clear(&c);
	if (rv == -1 || g.idle > g.workers)
		return -1;
	n = snprintf(buf, len,
	    "# HELP aileron_workers Workers in the pool, by state.\n"
	    "# TYPE aileron_workers gauge\n"
	    "aileron_workers{state=\"idle\"} %u\n"
	    "aileron_workers{state=\"busy\"} %u\n"
	    "# HELP aileron_workers_max The pool's bound (max workers).\n"
	    "# TYPE aileron_workers_max gauge\n"
	    "aileron_workers_max %u\n"
	    "# HELP aileron_workers_prefork Idle workers the pool keeps "
	    "ready (prefork).\n"
	    "# TYPE aileron_workers_prefork gauge\n"
	    "aileron_workers_prefork %u\n",
	    g.idle, g.workers - g.idle, g.max_workers, g.prefork);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/*
 * The whole text: control's snapshot, page by page, then the pool's
 * gauges.  NULL with *status the HTTP status to answer instead.
 */
static char *
metrics_text(struct worker_ctx *ctx, uid_t uid, int listener, int *status)
{
	static uint8_t				 buf[sizeof(struct
						    msg_control_metrics_reply) +
						    MSG_METRICS_PAGE];
	struct msg_control_metrics		 m;
	struct msg_control_metrics_reply	 r;
	struct chan				 c;
	char					 pool[1024];
	char					*text = NULL;
	size_t					 got, page, total = 0, off;
	uint32_t				 reqid = 0;
	int					 tries;

	*status = 503;
	api_chan_open(ctx, &c);
	for (tries = 0; tries < 2; tries++) {
		free(text);
		text = NULL;
		off = 0;
		do {
			memset(&m, 0, sizeof(m));
			m.uid = uid;
			m.listener = listener;
			m.offset = off;
			if (api_call(&c, ++reqid, MSG_CONTROL_METRICS, &m,
			    sizeof(m), MSG_CONTROL_METRICS_REPLY, sizeof(r),
			    buf, sizeof(buf), &got) == -1)
				goto fail;
			memcpy(&r, buf, sizeof(r));
			page = got - sizeof(r);
			if (r.error != 0)
				break;
			if (off == 0) {
				total = r.total;
				if (total > MSG_METRICS_TEXT_MAX || (text =
				    malloc(total + sizeof(pool) + 1)) == NULL)
					goto fail;
			}
			/* Control is trusted, but its pages must add up. */
			if (r.total != total || r.offset != off ||
			    page > total - off || (page == 0 && off < total))
				goto fail;
			memcpy(text + off, buf + sizeof(r), page);
			off += page;
		} while (off < total);
		/* 409: control let our snapshot go; take a new one. */
		if (r.error != 409)
			break;
	}
	if (r.error != 0) {
		*status = r.error == 403 ? 403 : 503;
		goto fail;
	}
	api_chan_close(&c);
	text[total] = '\0';
	if (metrics_pool(ctx, pool, sizeof(pool)) == 0)
		memcpy(text + total, pool, strlen(pool) + 1);
	else
		log_warnx("metrics: the master did not tell the pool's "
		    "gauges");
	*status = 200;
	return text;
 fail:
	api_chan_close(&c);
	free(text);
	return NULL;
}

/* GET /metrics on api.sock: the gate in api_serve let uid in. */
int
api_metrics(struct worker_ctx *ctx, int fd, uid_t uid, int method)
{
	char	*text;
	int	 status;

	if (method != HTTP_GET) {
		api_problem(fd, 405, "aileron:bad-request", "use GET");
		return 405;
	}
	if ((text = metrics_text(ctx, uid, 0, &status)) == NULL) {
		api_problem(fd, status, status == 403 ? "aileron:denied" :
		    "aileron:unavailable", status == 403 ? "your uid is no "
		    "aileron user" : "control did not answer; see the "
		    "service log");
		return status;
	}
	api_send(fd, 200, METRICS_CTYPE, NULL, text);
	free(text);
	return 200;
}

/* The head within API_TIMEOUT_MS: 0, an HTTP status, or -1 (gone). */
static int
metrics_read(int fd, struct metrics_req *rq)
{
	struct timespec	 deadline;
	char		 buf[2048];
	ssize_t		 n;
	int		 r;

	msg_deadline(&deadline, API_TIMEOUT_MS);
	for (;;) {
		if ((n = api_read_by(fd, &deadline, buf, sizeof(buf))) ==
		    API_READ_TIMEOUT)
			return 408;
		if (n <= 0)
			return -1;
		r = metrics_req_feed(rq, buf, n);
		explicit_bzero(buf, sizeof(buf));
		if (r != 0)
			return r == 1 ? 0 : r;
	}
}

/*
 * Is host this listener's own address and port, as a client that
 * dialled it by number writes it (or "localhost", on loopback)?  A name
 * that resolved here by a rebinding trick is anything else.
 */
static int
metrics_host_ok(int fd, const char *host)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sslen = sizeof(ss);
	char			 want[80];
	unsigned int		 port;

	if (getsockname(fd, (struct sockaddr *)&ss, &sslen) == -1 ||
	    (port = metrics_addr(&ss, want, sizeof(want))) == 0)
		return 0;
	if (strcasecmp(host, want) == 0)
		return 1;
	snprintf(want, sizeof(want), "localhost:%u", port);
	return strcasecmp(host, want) == 0;
}

/* Is the peer on a metrics allow line?  IPv4 also as mapped into IPv6. */
static int
metrics_allowed(const struct aileron_conf *conf, int fd)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in6	*p6 = (struct sockaddr_in6 *)&ss;
	struct in_addr		 v4;
	socklen_t		 sslen = sizeof(ss);
	const struct sockaddr_storage *a;
	size_t			 i;

	if (getpeername(fd, (struct sockaddr *)&ss, &sslen) == -1)
		return 0;
	if (ss.ss_family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&p6->sin6_addr)) {
		memcpy(&v4, &p6->sin6_addr.s6_addr[12], sizeof(v4));
		((struct sockaddr_in *)&ss)->sin_addr = v4;
		ss.ss_family = AF_INET;
	}
	for (i = 0; i < conf->nmetrics_allow; i++) {
		a = &conf->metrics_allow[i];
		if (a->ss_family != ss.ss_family)
			continue;
		if (a->ss_family == AF_INET &&
		    ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		    ((struct sockaddr_in *)&ss)->sin_addr.s_addr)
			return 1;
		if (a->ss_family == AF_INET6 &&
		    memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
		    &p6->sin6_addr, sizeof(p6->sin6_addr)) == 0)
			return 1;
	}
	return 0;
}

/*
 * An address as a client writes it in Host, 127.0.0.1:9100 or
 * [::1]:9100, into buf; the port, or 0 when it is neither family.
 */
static unsigned int
metrics_addr(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	const struct sockaddr_in	*sin = (const struct sockaddr_in *)ss;
	const struct sockaddr_in6	*sin6 = (const struct sockaddr_in6 *)ss;
	char				 host[INET6_ADDRSTRLEN];

	strlcpy(buf, "unknown", len);
	if (ss->ss_family == AF_INET) {
		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
		snprintf(buf, len, "%s:%u", host, ntohs(sin->sin_port));
		return ntohs(sin->sin_port);
	}
	if (ss->ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
		snprintf(buf, len, "[%s]:%u", host, ntohs(sin6->sin6_port));
		return ntohs(sin6->sin6_port);
	}
	return 0;
}

/*
 * A connection on the metrics listener: one request, checked in this
 * order (a wrong Host is told before anything about the token), then
 * the text or a problem, and the connection closes.
 */
void
api_metrics_listener(struct worker_ctx *ctx, int fd)
{
	static struct metrics_req	 rq;	/* .bss: see worker_serve */
	const struct aileron_conf	*conf = ctx->conf;
	struct sockaddr_storage		 ss;
	socklen_t			 sslen = sizeof(ss);
	char				 peer[80], *text = NULL;
	int				 status;

	strlcpy(peer, "unknown", sizeof(peer));
	if (getpeername(fd, (struct sockaddr *)&ss, &sslen) == 0)
		metrics_addr(&ss, peer, sizeof(peer));
	metrics_req_init(&rq);
	if ((status = metrics_read(fd, &rq)) != 0) {
		if (status > 0)
			api_problem(fd, status, "aileron:bad-request",
			    problem_title(status));
	} else if (rq.hp.method != HTTP_GET) {
		api_problem(fd, status = 405, "aileron:bad-request",
		    "use GET");
	} else if (strcmp(rq.url, "/metrics") != 0) {
		api_problem(fd, status = 404, "aileron:not-found",
		    "only /metrics is here");
	} else if (rq.nhost != 1 || !metrics_host_ok(fd, rq.host)) {
		api_problem(fd, status = 421, "aileron:misdirected",
		    "Host must be this listener's address and port");
	} else if (!metrics_allowed(conf, fd) && (rq.nauth != 1 ||
	    !metrics_req_token_ok(rq.auth, conf->metrics_token,
	    conf->metrics_token_set))) {
		status = 401;
		api_send(fd, status, "application/problem+json",
		    "WWW-Authenticate: Bearer realm=\"aileron metrics\"\r\n",
		    "{\"type\":\"aileron:denied\",\"title\":\"Unauthorized\","
		    "\"status\":401,\"detail\":\"a metrics token is needed; "
		    "see aileron.conf(5)\"}");
	} else if ((text = metrics_text(ctx, 0, 1, &status)) == NULL) {
		api_problem(fd, status, "aileron:unavailable", "control did "
		    "not answer; see the service log");
	} else
		api_send(fd, 200, METRICS_CTYPE, NULL, text);
	/* The token is the one secret here: gone before anything else. */
	explicit_bzero(&rq, sizeof(rq));
	free(text);
	log_info("metrics: %s: %d", peer, status);
	shutdown(fd, SHUT_WR);
	/* Read what the client still sends, so a reset eats no answer. */
	api_drain(fd);
	close(fd);
}
