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
 * conn.c: the agent's connection, up to the tunnel.  The first request is
 * CONNECT host:port (or an absolute-form http:// request) with the
 * session token in Proxy-Authorization; control validates the token.
 * Without a valid one the agent gets 407 and may retry on the same
 * connection (git and libcurl's anyauth send credentials only then), a
 * bounded number of times.  The upstream is the CONNECT authority and
 * nothing else.  A connector's host (or every host, with intercept all)
 * is intercepted; any other host is tunnelled blind, or refused when
 * egress is deny and no allow host line names it.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "log.h"
#include "title.h"
#include "connector/match.h"
#include "master/parse.h"
#include "worker/worker.h"
#include "worker/http.h"
#include "worker/internal.h"
#include "worker/proxy.h"

#define CONN_DRAIN_MS	1000		/* a closing agent's last bytes */
#define CONN_DRAIN_MAX	(256 * 1024)

static void	conn_drain(int);
static int	conn_token(const struct http_request *, char *, size_t);
static void	conn_audit_refusal(struct pconn *, const char *, int,
		    const char *, const char *);
static void	conn_connect(struct pconn *, const struct http_request *,
		    const char *, size_t);

long long
conn_ms(const struct timespec *since)
{
	struct timespec	 now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - since->tv_sec) * 1000LL +
	    (now.tv_nsec - since->tv_nsec) / 1000000;
}

/*
 * Read until the intake holds a whole head.  buf holds len bytes from
 * off not yet fed.  0: a head; -1: refused (status, reason; status 0 when
 * the agent closed or failed); -2: no whole head in time; -3: not a byte
 * of one in time.
 */
int
conn_head(struct pconn *pc, struct http_intake *in, char *buf, size_t *off,
    size_t *len, int timeout_ms, int *status, const char **reason)
{
	struct timespec	 start;
	ssize_t		 n;
	int		 left, got = *len > 0;

	clock_gettime(CLOCK_MONOTONIC, &start);
	*status = 0;
	*reason = NULL;
	for (;;) {
		if (*len > 0) {
			n = http_intake_feed(in, buf + *off, *len, status,
			    reason);
			if (n < 0)
				return -1;
			*off += n;
			*len -= n;
			if (http_intake_state(in) != HTTP_HEAD)
				return 0;
		}
		*off = 0;
		if ((left = timeout_ms - (int)conn_ms(&start)) <= 0)
			return got ? -2 : -3;
		/*
		 * The agent pauses: the queued audit records go now.  Records
		 * TLS has read ahead are no pause, and poll does not see them:
		 * they are read first.
		 */
		n = IO_TIMEOUT;
		if (pc->audit_queued) {
			if (io_pending(&pc->agent))
				n = io_read(&pc->agent, buf, PROXY_BUF, 0);
			if (n == IO_TIMEOUT && io_poll(pc->agent.fd, POLLIN,
			    left < PROXY_AUDIT_PAUSE_MS ? left :
			    PROXY_AUDIT_PAUSE_MS) == 0) {
				call_audit_flush(pc);
				continue;
			}
		}
		if (n == IO_TIMEOUT)
			n = io_read(&pc->agent, buf, PROXY_BUF, left);
		if (n == IO_TIMEOUT)
			return got ? -2 : -3;
		if (n <= 0)
			return -1;
		*len = n;
		got = 1;
	}
}

/* The password of Proxy-Authorization: Basic, which is the token. */
static int
conn_token(const struct http_request *req, char *tok, size_t toklen)
{
	unsigned char	 dec[256];
	const char	*v = NULL, *c;
	size_t		 i, vlen;
	int		 n;

	for (i = 0; i < req->nfield; i++)
		if (strcasecmp(req->field[i].name, "Proxy-Authorization") ==
		    0) {
			if (v != NULL)
				return -1;	/* two: refuse both */
			v = req->field[i].value;
		}
	if (v == NULL || strncasecmp(v, "Basic ", 6) != 0)
		return -1;
	v += 6;
	while (*v == ' ')
		v++;
	vlen = strlen(v);
	if (vlen == 0 || vlen > 4 * (sizeof(dec) / 3) || vlen % 4 != 0)
		return -1;
	if ((n = EVP_DecodeBlock(dec, (const unsigned char *)v, vlen)) < 0)
		return -1;
	/* EVP_DecodeBlock counts the padding's zero bytes: drop them. */
	if (vlen >= 1 && v[vlen - 1] == '=')
		n--;
	if (vlen >= 2 && v[vlen - 2] == '=')
		n--;
	dec[n] = '\0';
	if ((c = memchr(dec, ':', n)) == NULL ||
	    strlen(c + 1) != (size_t)(n - (c + 1 - (char *)dec)) ||
	    strlcpy(tok, c + 1, toklen) >= toklen) {
		explicit_bzero(dec, sizeof(dec));
		return -1;
	}
	explicit_bzero(dec, sizeof(dec));
	return 0;
}

static void
conn_audit_refusal(struct pconn *pc, const char *what, int status,
    const char *type, const char *reason)
{
	json_t	*rec;

	rec = json_pack("{s:s, s:i, s:s, s:s}", "event", what, "status",
	    status, "type", type, "reason", reason != NULL ? reason : "");
	if (rec == NULL)
		fatalx("%s: out of memory", __func__);
	if (pc->host[0] != '\0')
		json_object_set_new(rec, "host", json_string(pc->host));
	call_audit(pc, rec);
}

void
conn_serve(struct worker_ctx *ctx, int fd, const char *peer)
{
	struct pconn		 pc;
	struct http_intake	*in;
	const struct http_request *req;
	static char		 buf[PROXY_BUF];
	char			 tok[MSG_CONTROL_TOKEN_LEN + 8];
	const char		*reason;
	size_t			 off = 0, len = 0;
	int			 r, status, tries = 0, one = 1;

	memset(&pc, 0, sizeof(pc));
	pc.ctx = ctx;
	strlcpy(pc.peer, peer, sizeof(pc.peer));
	pc.header_ms = ctx->conf->proxy.timeout_header * 1000;
	pc.idle_ms = ctx->conf->proxy.timeout_idle * 1000;
	pc.upstream_ms = ctx->conf->proxy.timeout_upstream * 1000;
	clock_gettime(CLOCK_MONOTONIC, &pc.start);
	call_init(&pc);
	io_init(&pc.agent, fd, NULL);
	/* A relay without it stalls on delayed ACKs. */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if ((in = http_intake_new(HTTP_PROXY, NULL)) == NULL)
		fatalx("%s: out of memory", __func__);

	for (;;) {
		r = conn_head(&pc, in, buf, &off, &len, pc.header_ms, &status,
		    &reason);
		if (r == -2 || r == -3) {
			log_warnx("%s: no request head within %d s; closing",
			    peer, pc.header_ms / 1000);
			problem_send(&pc.agent, 408, "aileron:bad-request",
			    "no request head in time", 0);
			break;
		}
		if (r == -1) {
			if (status != 0) {
				log_info("%s: refused: %s", peer, reason);
				problem_send(&pc.agent, status,
				    "aileron:bad-request", reason, 0);
				conn_audit_refusal(&pc, "refused", status,
				    "aileron:bad-request", reason);
			}
			break;
		}
		req = http_intake_request(in);
		if (conn_token(req, tok, sizeof(tok)) == -1 ||
		    call_auth(&pc, tok) == -1) {
			explicit_bzero(tok, sizeof(tok));
			conn_audit_refusal(&pc, "proxy-auth", 407,
			    "aileron:proxy-auth", "missing or bad token");
			if (++tries >= PROXY_AUTH_TRIES || req->content_length >
			    0 || req->chunked) {
				problem_407(&pc.agent, 0);
				break;
			}
			if (problem_407(&pc.agent, 1) == -1)
				break;
			http_intake_next(in);
			continue;
		}
		explicit_bzero(tok, sizeof(tok));
		pc.authed = 1;
		strlcpy(pc.host, req->authority_host, sizeof(pc.host));
		pc.port = req->authority_port;
		title_set("worker (%s: %s:%u)", pc.sess.user, pc.host, pc.port);
		if (strcmp(req->method, "CONNECT") == 0)
			conn_connect(&pc, req, buf + off, len);
		else if (strcmp(pc.host, INTERNAL_HOST) == 0)
			internal_plain(&pc, req);
		else
			tunnel_plain(&pc, req, buf + off, len);
		break;
	}
	http_intake_free(in);
	call_audit_flush(&pc);
	io_shutdown(&pc.agent);
	conn_drain(pc.agent.fd);
	io_close(&pc.agent);
}

/*
 * Before the close, read what the agent still sends, for a while: a close
 * with unread bytes resets the connection, and the reset can overtake the
 * answer we just wrote (a refusal sent before the whole head arrived).
 */
static void
conn_drain(int fd)
{
	struct timespec	 start;
	static char	 sink[4096];
	size_t		 total = 0;
	ssize_t		 n;
	int		 left;

	clock_gettime(CLOCK_MONOTONIC, &start);
	while (total < CONN_DRAIN_MAX &&
	    (left = CONN_DRAIN_MS - (int)conn_ms(&start)) > 0) {
		if (io_poll(fd, POLLIN, left) != 1)
			break;
		if ((n = read(fd, sink, sizeof(sink))) <= 0)
			break;
		total += n;
	}
}

/* CONNECT host:port, authenticated: intercept, tunnel or refuse. */
static void
conn_connect(struct pconn *pc, const struct http_request *req,
    const char *early, size_t earlylen)
{
	static const char	 ok[] = "HTTP/1.1 200 Connection established\r\n\r\n";
	char			 why[512];

	(void)req;
	/* The reserved host: the agent's view of its session (internal.c). */
	if (strcmp(pc->host, INTERNAL_HOST) == 0) {
		internal_serve(pc, early, earlylen);
		return;
	}
	pc->spec = match_host(pc->ctx->matcher, pc->host);
	pc->intercept = pc->spec != NULL || pc->ctx->conf->proxy.intercept_all;
	if (pc->spec != NULL && pc->port != 443) {
		snprintf(why, sizeof(why), "%s is the %s connector's host: "
		    "credentials travel only over TLS on port 443", pc->host,
		    pc->spec->connector);
		problem_send(&pc->agent, 400, "aileron:bad-request", why, 0);
		conn_audit_refusal(pc, "connect", 400, "aileron:bad-request",
		    why);
		return;
	}
	/* Tunnelled or intercepted alike ("intercept all"): a connector's. */
	if (pc->spec == NULL && pc->ctx->conf->proxy.egress_deny &&
	    !conf_host_allowed(&pc->ctx->conf->proxy, pc->host)) {
		snprintf(why, sizeof(why), "egress deny: %s is on no allow "
		    "host line", pc->host);
		problem_send(&pc->agent, 403, "aileron:denied", why, 0);
		conn_audit_refusal(pc, "connect", 403, "aileron:denied", why);
		return;
	}
	if (!pc->intercept) {
		tunnel_relay(pc, early, earlylen, 1);
		return;
	}
	if (earlylen > 0) {
		problem_send(&pc->agent, 400, "aileron:bad-request",
		    "bytes sent before the tunnel was established", 0);
		return;
	}
	if (io_write(&pc->agent, ok, sizeof(ok) - 1, PROXY_IO_MS) != 0)
		return;
	proxy_intercept(pc);
}
