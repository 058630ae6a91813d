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
 * worker.c: one connection, in a process forked from the master.  The
 * worker drops its privileges before it accepts, serves exactly one
 * connection, and exits; the master forks a replacement.
 *
 * The connection itself is conn.c's (the proxy) or api.c's (the
 * management API); here are the pool's side of it and, in test mode, the
 * tests' hooks.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "log.h"
#include "msg.h"
#include "msgtypes.h"
#include "sandbox.h"
#include "title.h"
#include "worker/api.h"
#include "worker/worker.h"
#include "worker/proxy.h"
#include "worker/web.h"

/* The upstream dial needs inet, its name lookups dns. */
const char	 worker_promises[] = "stdio inet dns";

static volatile sig_atomic_t	 worker_quit;

static void	worker_sigterm(int);
static int	worker_accept(struct worker_ctx *, char *, size_t, int *);
static void	worker_peername(int, const struct sockaddr_storage *,
		    char *, size_t);
static void	worker_serve(struct worker_ctx *, int, const char *);
static int	worker_testpeek(int);
static int	worker_read_head(int, char *, size_t, size_t *);
static void	worker_reply(int, const char *, const char *);

static void
worker_sigterm(int sig)
{
	(void)sig;
	worker_quit = 1;
}

static void
worker_peername(int api, const struct sockaddr_storage *ss, char *buf,
    size_t len)
{
	char	 host[INET6_ADDRSTRLEN];

	if (api == WORKER_LISTEN_API) {
		strlcpy(buf, "api socket", len);
		return;
	}
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)ss;

		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
		snprintf(buf, len, "%s:%u", host, ntohs(sin->sin_port));
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const void *)ss;

		inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
		snprintf(buf, len, "[%s]:%u", host, ntohs(sin6->sin6_port));
	} else
		strlcpy(buf, "unknown", len);
}

/*
 * Wait in poll() on every listener, and on the master's channel so that an
 * idle worker goes away with its master.  Returns the accepted socket.
 */
static int
worker_accept(struct worker_ctx *ctx, char *peer, size_t peerlen, int *api)
{
	struct pollfd		 pfd[WORKER_MAX_LISTENERS + 1];
	struct sockaddr_storage	 ss;
	sigset_t		 term, waitmask;
	socklen_t		 sslen;
	size_t			 i;
	int			 fd;

	/*
	 * SIGTERM stays blocked except inside ppoll(), so it cannot slip in
	 * between the check of worker_quit and the wait.
	 */
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &term, &waitmask) == -1)
		fatal("sigprocmask");
	sigdelset(&waitmask, SIGTERM);
	for (;;) {
		if (worker_quit)
			_exit(0);
		for (i = 0; i < ctx->nlisten; i++) {
			pfd[i].fd = ctx->listen[i];
			pfd[i].events = POLLIN;
		}
		pfd[i].fd = ctx->master_fd;
		pfd[i].events = POLLIN;
		if (ppoll(pfd, ctx->nlisten + 1, NULL, &waitmask) == -1) {
			if (errno == EINTR)
				continue;
			fatal("poll");
		}
		if (pfd[ctx->nlisten].revents != 0)
			_exit(0);	/* the master is gone or wrote to us */
		for (i = 0; i < ctx->nlisten; i++) {
			if ((pfd[i].revents & POLLIN) == 0)
				continue;
			sslen = sizeof(ss);
			fd = accept4(ctx->listen[i], (struct sockaddr *)&ss,
			    &sslen, SOCK_CLOEXEC | SOCK_NONBLOCK);
			if (fd == -1) {
				/* Another worker was faster. */
				if (errno == EAGAIN || errno == EINTR ||
				    errno == ECONNABORTED)
					continue;
				fatal("accept");
			}
			*api = ctx->listen_api[i];
			worker_peername(*api, &ss, peer, peerlen);
			/* Busy now: SIGTERM only sets the flag, which we ignore. */
			sigprocmask(SIG_UNBLOCK, &term, NULL);
			return fd;
		}
	}
}

/* Read until the blank line ending the head, bounded in bytes and time. */
static int
worker_read_head(int fd, char *buf, size_t bufsz, size_t *len)
{
	struct timespec	 start, now;
	struct pollfd	 pfd;
	long long	 left;
	ssize_t		 n;

	clock_gettime(CLOCK_MONOTONIC, &start);
	*len = 0;
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		left = WORKER_HEAD_TIMEOUT * 1000LL -
		    ((now.tv_sec - start.tv_sec) * 1000LL +
		    (now.tv_nsec - start.tv_nsec) / 1000000LL);
		if (left <= 0)
			return -2;
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, (int)left) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (pfd.revents == 0)
			continue;
		n = read(fd, buf + *len, bufsz - 1 - *len);
		if (n == -1) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			return -1;
		*len += n;
		buf[*len] = '\0';
		if (strstr(buf, "\r\n\r\n") != NULL ||
		    strstr(buf, "\n\n") != NULL)
			return 0;
		if (*len >= bufsz - 1)
			return -3;
	}
}

static void
worker_reply(int fd, const char *status, const char *body)
{
	char	 buf[512];
	int	 n;

	if (body == NULL)
		body = status;
	n = snprintf(buf, sizeof(buf), "HTTP/1.1 %s\r\n"
	    "Content-Type: text/plain\r\n"
	    "Content-Length: %zu\r\n"
	    "Connection: close\r\n\r\n%s\n", status, strlen(body) + 1,
	    body);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return;
	/* Best effort: the client may already be gone. */
	if (send(fd, buf, n, MSG_NOSIGNAL) == -1)
		log_debug("reply: %s", strerror(errno));
}

static void
worker_serve(struct worker_ctx *ctx, int fd, const char *peer)
{
	/*
	 * Neither from malloc nor on the stack: malloc writes heap and arena
	 * pages the worker shares with the master (a copy-on-write fault
	 * each, 10 to 25 us on a VM), and 16 KiB on the stack would push the
	 * log's buffers onto fresh pages.  Untouched .bss costs one page.
	 */
	static char	 head[WORKER_HEAD_MAX + 1];
	char		 body[256];
	size_t		 len;
	int		 r, linger = 0;

	r = worker_read_head(fd, head, sizeof(head), &len);
	switch (r) {
	case 0:
		if ((r = worker_testhook(ctx, head, body, sizeof(body),
		    &linger)) != 0) {
			worker_reply(fd, "200 OK", r == 2 ? "sent" : body);
			shutdown(fd, SHUT_WR);
			if (r == 2)
				worker_testhook_bad(ctx, head);
			break;
		}
		worker_reply(fd, "404 Not Found", NULL);
		break;
	case -2:
		log_warnx("%s: no request head within %d s; closing", peer,
		    WORKER_HEAD_TIMEOUT);
		worker_reply(fd, "408 Request Timeout", NULL);
		break;
	case -3:
		log_warnx("%s: request head over %d bytes; closing", peer,
		    WORKER_HEAD_MAX);
		worker_reply(fd, "431 Request Header Fields Too Large", NULL);
		break;
	default:
		log_debug("%s: closed before a request head", peer);
		break;
	}
	shutdown(fd, SHUT_WR);
	close(fd);
	/* Test mode: wait to be killed for the bad frame just sent. */
	if (linger)
		sleep(5);
}

/*
 * Test mode: is this connection one of the tests' hooks (GET
 * /.aileron-test/...)?  Peeks, so the proxy reads the same bytes.
 */
static int
worker_testpeek(int fd)
{
	static const char	 prefix[] = "GET /.aileron-test/";
	char			 buf[sizeof(prefix)];
	ssize_t			 n;
	int			 i;

	for (i = 0; i < 100; i++) {
		n = recv(fd, buf, sizeof(prefix) - 1, MSG_PEEK);
		if (n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR))
			return 0;
		if (n > 0 && memcmp(buf, prefix, n) != 0)
			return 0;
		if (n == sizeof(prefix) - 1)
			return 1;
		poll(&(struct pollfd){ fd, POLLIN, 0 }, 1, 100);
	}
	return 0;
}

void
worker(struct worker_ctx *ctx)
{
	struct sandbox		 sb;
	struct sigaction	 sa;
	struct chan		 mchan;
	int			 keep[WORKER_MAX_LISTENERS + 3];
	char			 peer[128];
	size_t			 i, nkeep = 0;
	int			 fd, api;

	/* Only the listeners and our three channels survive. */
	for (i = 0; i < ctx->nlisten; i++)
		keep[nkeep++] = ctx->listen[i];
	keep[nkeep++] = ctx->master_fd;
	keep[nkeep++] = ctx->control_fd;
	keep[nkeep++] = ctx->vaultd_fd;
	memset(&sb, 0, sizeof(sb));
	sb.proc = PROC_WORKER;
	sb.drop = ctx->drop;
	sb.root = SANDBOX_EMPTY_DIR;
	sb.uid = ctx->uid;
	sb.gid = ctx->gid;
	sb.keep = keep;
	sb.nkeep = nkeep;
	sb.devnull = ctx->devnull;
	sb.keep_stderr = ctx->foreground;
	sb.promises = worker_promises;
	sb.filter = ctx->filter;
	sandbox_enter(&sb);
	for (i = 0; i < ctx->nlisten; i++)
		ctx->listen[i] = keep[i];
	ctx->master_fd = keep[i++];
	ctx->control_fd = keep[i++];
	ctx->vaultd_fd = keep[i++];
	ctx->devnull = -1;
	/*
	 * Jansson's hash seed is the master's, drawn before it forked us
	 * (Jansson seeds once per process).  Seeding here only cost a fresh
	 * random state per worker.
	 */
	title_set("worker (idle)");

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = worker_sigterm;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) == -1)
		fatal("sigaction");
	sa.sa_handler = SIG_IGN;
	if (sigaction(SIGPIPE, &sa, NULL) == -1 ||
	    sigaction(SIGHUP, &sa, NULL) == -1 ||
	    sigaction(SIGINT, &sa, NULL) == -1)
		fatal("sigaction");

	fd = worker_accept(ctx, peer, sizeof(peer), &api);
	title_set("worker (busy: %s)", peer);
	log_debug("accepted %s", peer);

	/* Tell the master first, so a spare is forked while we work. */
	chan_init(&mchan, ctx->master_fd, 0, "master");
	if (chan_compose(&mchan, MSG_WORKER_BUSY, 0, -1, NULL, 0) == -1 ||
	    chan_flush_wait(&mchan, 1000) == -1)
		fatalx("cannot tell the master");
	/* A busy worker needs no listener: it never accepts again. */
	for (i = 0; i < ctx->nlisten; i++)
		close(ctx->listen[i]);
	ctx->nlisten = 0;

	if (api == WORKER_LISTEN_METRICS)
		api_metrics_listener(ctx, fd);
	else if (api == WORKER_LISTEN_WEB)
		web_serve(ctx, fd, peer);
	else if (api)
		api_serve(ctx, fd);
	else if (msg_testmode && worker_testpeek(fd))
		worker_serve(ctx, fd, peer);
	else
		conn_serve(ctx, fd, peer);
	log_info("served %s", peer);
	/*
	 * _exit, not exit: the atexit handlers, destructors and _dl_fini of
	 * every library the master mapped would run again in each worker
	 * (about 1 ms, most of it faulting in pages only to free them).
	 * Nothing is left to flush: the log writes each line with one
	 * write(2) or syslog(3), and the worker uses no stdio stream.
	 */
	_exit(0);
}
