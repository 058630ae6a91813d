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
 * bench-tls-client.c: the load client of etc/bench-proxy.py.  CONNS
 * connections, driven by one poll loop over non-blocking sockets, each
 * sending one request after another for SECONDS (or until REQUESTS are
 * done), either straight to the TLS upstream or through the proxy: a
 * CONNECT with the session token, then TLS to the host inside the tunnel.
 * The server's certificate is verified against CAFILE for HOST, as a
 * client of the proxy does it.  Modes:
 *	small	keep-alive GET /small
 *	new	GET /small on a new connection each time: a full handshake,
 *		never resumed (and, through the proxy, a CONNECT each time)
 *	down	keep-alive GET /big?n=BYTES
 *	up	keep-alive POST /sink with BYTES of body
 * It prints one JSON object: requests/s, p50 and p99 latency in ms (of the
 * whole request; with "new", from the TCP connect), body MiB/s each way
 * and the errors (a failed connection or a response that is not the
 * expected 200).  A connection that fails waits 10 ms, then starts again.
 *
 * usage: bench-tls-client -p port -H host -A cafile [-x token] [-m mode]
 *	[-c conns] [-d seconds] [-n requests] [-b bytes] [-k authorization]
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>

#define CL_CONNS_MAX	1024
#define CL_HEAD_MAX	16384
#define CL_RETRY_NS	10000000LL	/* after an error, wait 10 ms */

enum cl_mode {
	CL_SMALL,
	CL_NEW,
	CL_DOWN,
	CL_UP
};

enum cl_state {
	CL_IDLE,			/* waiting to (re)connect */
	CL_TCP,				/* connect() in progress */
	CL_CONNECT_SEND,		/* CONNECT to the proxy */
	CL_CONNECT_RECV,		/* its answer */
	CL_TLS,				/* the handshake */
	CL_SEND,			/* the request head, then its body */
	CL_RECV				/* the response */
};

struct cl_conn {
	int		 fd;
	SSL		*ssl;
	enum cl_state	 state;
	short		 events;	/* what poll waits for */
	long long	 wake;		/* CL_IDLE: when to connect, in ns */
	long long	 start;		/* the request's start, in ns */
	size_t		 outoff;	/* of the head, then of the body */
	size_t		 bodyoff;
	char		 in[CL_HEAD_MAX];
	size_t		 inlen;
	size_t		 hlen;		/* of the response head */
	long long	 bodyleft;	/* of the response; -1: head unread */
	int		 status;
};

static enum cl_mode	 mode = CL_SMALL;
static const char	*host;
static const char	*token;
static struct sockaddr_in server;
static SSL_CTX		*ctx;
static char		 reqhead[1024];
static size_t		 reqlen;
static char		 connreq[1024];
static size_t		 connlen;
static size_t		 bodylen = 1048576;
static char		 fill[65536];
static char		 scratch[65536];

static unsigned int	*lat;		/* latencies, us */
static size_t		 nlat, maxlat;
static unsigned long long nbytes, nerrors, nconns;
static char		 firsterr[160];	/* what went wrong first */

static long long	now_ns(void);
static void		cl_usage(void) __attribute__((__noreturn__));
static void		cl_reset(struct cl_conn *, long long);
static void		cl_fail(struct cl_conn *, long long, const char *,
			    const char *);
static const char	*cl_sslerr(void);
static int		cl_connect(struct cl_conn *, long long);
static int		cl_want(struct cl_conn *, int);
static void		cl_run(struct cl_conn *, long long);
static int		cl_response(struct cl_conn *);
static int		cl_body_ok(struct cl_conn *);
static int		cl_cmp(const void *, const void *);

static long long
now_ns(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void
cl_usage(void)
{
	fprintf(stderr, "usage: bench-tls-client -p port -H host -A cafile "
	    "[-x token] [-m small|new|down|up]\n"
	    "\t[-c conns] [-d seconds] [-n requests] [-b bytes] "
	    "[-k authorization]\n");
	exit(2);
}

/* Drop the connection; it connects again at wake. */
static void
cl_reset(struct cl_conn *c, long long wake)
{
	if (c->ssl != NULL) {
		/* A close_notify, if it goes out at once; no waiting. */
		if (c->state == CL_SEND || c->state == CL_RECV)
			SSL_shutdown(c->ssl);
		SSL_free(c->ssl);
		c->ssl = NULL;
	}
	if (c->fd != -1)
		close(c->fd);
	c->fd = -1;
	c->state = CL_IDLE;
	c->events = 0;
	c->wake = wake;
	ERR_clear_error();
}

/*
 * Count an error and drop the connection, to connect again in a moment.
 * The first error's reason is kept for the report: why, and detail (the
 * first line of an answer, an OpenSSL or errno string) if not NULL.
 */
static void
cl_fail(struct cl_conn *c, long long now, const char *why, const char *detail)
{
	size_t	 i;

	if (firsterr[0] == '\0') {
		snprintf(firsterr, sizeof(firsterr), "%s%s%.*s", why,
		    detail != NULL ? ": " : "", (int)(detail != NULL ?
		    strcspn(detail, "\r\n") : 0), detail != NULL ? detail : "");
		/* It goes into a JSON string as it is. */
		for (i = 0; firsterr[i] != '\0'; i++)
			if (firsterr[i] < 0x20 || firsterr[i] > 0x7e ||
			    firsterr[i] == '"' || firsterr[i] == '\\')
				firsterr[i] = '?';
	}
	nerrors++;
	cl_reset(c, now + CL_RETRY_NS);
}

/* What OpenSSL, or the system, says went wrong. */
static const char *
cl_sslerr(void)
{
	unsigned long	 e;

	if ((e = ERR_peek_error()) != 0)
		return ERR_reason_error_string(e);
	return errno != 0 ? strerror(errno) : "connection closed";
}

/* Start a connection: 0 when it is up, 1 when in progress, -1. */
static int
cl_connect(struct cl_conn *c, long long now)
{
	int	 on = 1;

	if ((c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1)
		return -1;
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	c->start = now;
	nconns++;
	c->state = CL_TCP;
	c->events = POLLOUT;
	if (connect(c->fd, (struct sockaddr *)&server, sizeof(server)) == 0)
		return 0;
	return errno == EINPROGRESS ? 1 : -1;
}

/* After an SSL call that returned r <= 0: 0 to wait, -1 on error. */
static int
cl_want(struct cl_conn *c, int r)
{
	switch (SSL_get_error(c->ssl, r)) {
	case SSL_ERROR_WANT_READ:
		c->events = POLLIN;
		return 0;
	case SSL_ERROR_WANT_WRITE:
		c->events = POLLOUT;
		return 0;
	case SSL_ERROR_ZERO_RETURN:
		errno = 0;
		return -1;
	case SSL_ERROR_SYSCALL:
		/* Without an error queued, the peer closed. */
		if (errno == EAGAIN)
			errno = 0;
		return -1;
	default:
		return -1;
	}
}

/*
 * Parse the response head in c->in: 1 when it is whole (bodyleft set),
 * 0 when more is needed, -1 when it is bad.  A small body stays in c->in
 * after the head, to be checked; a large one (down) is counted and
 * dropped.
 */
static int
cl_response(struct cl_conn *c)
{
	char		*end, *p, *eol;
	long long	 len = -1;

	if ((end = memmem(c->in, c->inlen, "\r\n\r\n", 4)) == NULL)
		return c->inlen == sizeof(c->in) - 1 ? -1 : 0;
	c->hlen = end + 4 - c->in;
	*end = '\0';
	if (strncmp(c->in, "HTTP/1.1 ", 9) != 0)
		return -1;
	c->status = atoi(c->in + 9);
	for (p = c->in; (eol = strstr(p, "\r\n")) != NULL; p = eol + 2) {
		if (strncasecmp(eol + 2, "content-length:", 15) == 0)
			len = strtoll(eol + 17, NULL, 10);
	}
	if (len < 0)
		return -1;
	c->bodyleft = len - (long long)(c->inlen - c->hlen);
	/* No pipelining: bytes beyond this response are an error. */
	if (c->bodyleft < 0)
		return -1;
	if (mode == CL_DOWN && c->status == 200) {
		nbytes += c->inlen - c->hlen;
		c->inlen = c->hlen;
	} else if (c->bodyleft >= (long long)(sizeof(c->in) - c->inlen))
		return -1;
	return 1;
}

/* Is the whole response's body the one the upstream sends? */
static int
cl_body_ok(struct cl_conn *c)
{
	char	*body = c->in + c->hlen;

	c->in[c->inlen] = '\0';
	switch (mode) {
	case CL_SMALL:
	case CL_NEW:
		return strcmp(body, "hello, bench\n") == 0;
	case CL_UP:
		return strtoull(body, NULL, 10) == bodylen;
	case CL_DOWN:
		break;
	}
	return 1;
}

/* Move c on as far as it goes without waiting. */
static void
cl_run(struct cl_conn *c, long long now)
{
	socklen_t	 sl;
	char		*p;
	size_t		 k;
	int		 n, err;

	for (;;) {
		switch (c->state) {
		case CL_IDLE:
			if (now < c->wake)
				return;
			if ((n = cl_connect(c, now)) == -1) {
				cl_fail(c, now, "socket", strerror(errno));
				return;
			}
			if (n == 1)
				return;		/* wait for POLLOUT */
			break;
		case CL_TCP:
			sl = sizeof(err);
			if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err,
			    &sl) == -1 || err == EINPROGRESS) {
				return;
			}
			if (err != 0) {
				cl_fail(c, now, "connect", strerror(err));
				return;
			}
			c->outoff = c->inlen = 0;
			if (token != NULL) {
				c->state = CL_CONNECT_SEND;
				break;
			}
			goto tls;
		case CL_CONNECT_SEND:
			n = send(c->fd, connreq + c->outoff, connlen -
			    c->outoff, MSG_NOSIGNAL);
			if (n == -1 && errno == EAGAIN) {
				c->events = POLLOUT;
				return;
			}
			if (n <= 0) {
				cl_fail(c, now, "CONNECT send",
				    strerror(errno));
				return;
			}
			if ((c->outoff += n) == connlen)
				c->state = CL_CONNECT_RECV;
			break;
		case CL_CONNECT_RECV:
			/*
			 * Nothing follows the answer before our ClientHello,
			 * so all that arrives is the answer.
			 */
			n = recv(c->fd, c->in + c->inlen, sizeof(c->in) - 1 -
			    c->inlen, 0);
			if (n == -1 && errno == EAGAIN) {
				c->events = POLLIN;
				return;
			}
			if (n <= 0) {
				cl_fail(c, now, "CONNECT answer", n == 0 ?
				    "closed" : strerror(errno));
				return;
			}
			c->inlen += n;
			c->in[c->inlen] = '\0';
			if ((p = strstr(c->in, "\r\n\r\n")) == NULL) {
				if (c->inlen < sizeof(c->in) - 1)
					break;
				cl_fail(c, now, "CONNECT answer too long",
				    NULL);
				return;
			}
			if (p + 4 != c->in + c->inlen || c->inlen < 12 ||
			    memcmp(c->in, "HTTP/1.", 7) != 0 ||
			    memcmp(c->in + 8, " 200", 4) != 0) {
				cl_fail(c, now, "CONNECT refused", c->in);
				return;
			}
 tls:
			if ((c->ssl = SSL_new(ctx)) == NULL ||
			    SSL_set_fd(c->ssl, c->fd) != 1 ||
			    SSL_set_tlsext_host_name(c->ssl, host) != 1 ||
			    SSL_set1_host(c->ssl, host) != 1) {
				cl_fail(c, now, "SSL_new", cl_sslerr());
				return;
			}
			SSL_set_connect_state(c->ssl);
			c->state = CL_TLS;
			break;
		case CL_TLS:
			if ((n = SSL_do_handshake(c->ssl)) != 1) {
				if (cl_want(c, n) == -1)
					cl_fail(c, now, "handshake",
					    cl_sslerr());
				return;
			}
			c->state = CL_SEND;
			c->outoff = c->bodyoff = 0;
			if (mode != CL_NEW)
				c->start = now;
			break;
		case CL_SEND:
			if (c->outoff < reqlen) {
				p = reqhead + c->outoff;
				k = reqlen - c->outoff;
			} else if (mode == CL_UP && c->bodyoff < bodylen) {
				p = fill;
				k = bodylen - c->bodyoff;
				if (k > sizeof(fill))
					k = sizeof(fill);
			} else {
				c->state = CL_RECV;
				c->inlen = 0;
				c->bodyleft = -1;
				break;
			}
			if ((n = SSL_write(c->ssl, p, k)) <= 0) {
				if (cl_want(c, n) == -1)
					cl_fail(c, now, "request",
					    cl_sslerr());
				return;
			}
			if (c->outoff < reqlen)
				c->outoff += n;
			else {
				c->bodyoff += n;
				nbytes += n;
			}
			break;
		case CL_RECV:
			if (c->bodyleft < 0) {
				n = SSL_read(c->ssl, c->in + c->inlen,
				    sizeof(c->in) - 1 - c->inlen);
				if (n <= 0) {
					if (cl_want(c, n) == -1)
						cl_fail(c, now, "response",
						    cl_sslerr());
					return;
				}
				c->inlen += n;
				c->in[c->inlen] = '\0';
				if ((n = cl_response(c)) == -1) {
					cl_fail(c, now, "bad response head",
					    c->in);
					return;
				}
				if (n == 0)
					break;
			} else if (c->bodyleft > 0) {
				if (mode == CL_DOWN && c->status == 200) {
					p = scratch;
					k = sizeof(scratch);
				} else {
					p = c->in + c->inlen;
					k = sizeof(c->in) - 1 - c->inlen;
				}
				if ((long long)k > c->bodyleft)
					k = c->bodyleft;
				n = SSL_read(c->ssl, p, k);
				if (n <= 0) {
					if (cl_want(c, n) == -1)
						cl_fail(c, now, "response body",
						    cl_sslerr());
					return;
				}
				c->bodyleft -= n;
				if (p == scratch)
					nbytes += n;
				else
					c->inlen += n;
				break;
			}
			if (c->bodyleft > 0)
				break;
			/* A whole response. */
			if (c->status != 200 || !cl_body_ok(c)) {
				cl_fail(c, now, "unexpected response",
				    c->status == 200 ? c->in + c->hlen : c->in);
				return;
			}
			now = now_ns();
			if (nlat < maxlat)
				lat[nlat++] = (now - c->start) / 1000;
			if (mode == CL_NEW) {
				cl_reset(c, 0);
				break;
			}
			c->state = CL_SEND;
			c->outoff = c->bodyoff = 0;
			c->start = now;
			break;
		}
	}
}

static int
cl_cmp(const void *a, const void *b)
{
	unsigned int	 x = *(const unsigned int *)a;
	unsigned int	 y = *(const unsigned int *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char *argv[])
{
	struct cl_conn	*conns;
	struct pollfd	*pfd;
	const char	*cafile = NULL, *auth = NULL, *errstr = NULL;
	char		 target[64], p50[32], p99[32];
	unsigned char	 b64[1024];
	char		 cred[512];
	long long	 t0, end, now, next;
	double		 secs = 3, elapsed;
	unsigned long	 nreq = 0;
	int		 ch, i, n, nconn = 8, port = 0, timeout;

	while ((ch = getopt(argc, argv, "A:b:c:d:H:k:m:n:p:x:")) != -1) {
		switch (ch) {
		case 'A':
			cafile = optarg;
			break;
		case 'b':
			bodylen = strtoul(optarg, NULL, 10);
			break;
		case 'c':
			nconn = atoi(optarg);
			break;
		case 'd':
			secs = atof(optarg);
			break;
		case 'H':
			host = optarg;
			break;
		case 'k':
			auth = optarg;
			break;
		case 'm':
			if (strcmp(optarg, "small") == 0)
				mode = CL_SMALL;
			else if (strcmp(optarg, "new") == 0)
				mode = CL_NEW;
			else if (strcmp(optarg, "down") == 0)
				mode = CL_DOWN;
			else if (strcmp(optarg, "up") == 0)
				mode = CL_UP;
			else
				cl_usage();
			break;
		case 'n':
			nreq = strtoul(optarg, NULL, 10);
			break;
		case 'p':
			port = atoi(optarg);
			break;
		case 'x':
			token = optarg;
			break;
		default:
			cl_usage();
		}
	}
	if (argc != optind || host == NULL || cafile == NULL || port <= 0 ||
	    port > 65535 || nconn < 1 || nconn > CL_CONNS_MAX || secs <= 0 ||
	    strlen(host) > 255 || bodylen > (1UL << 30) ||
	    (auth != NULL && strlen(auth) > 255) ||
	    (token != NULL && strlen(token) > 300))
		cl_usage();
	signal(SIGPIPE, SIG_IGN);
	memset(fill, 'y', sizeof(fill));

	memset(&server, 0, sizeof(server));
	server.sin_family = AF_INET;
	server.sin_port = htons(port);
	server.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

	if (token != NULL) {
		/* Proxy-Authorization: Basic base64("s:" token) */
		/* token is at most 300 bytes: both buffers hold it. */
		snprintf(cred, sizeof(cred), "s:%s", token);
		EVP_EncodeBlock(b64, (unsigned char *)cred, strlen(cred));
		n = snprintf(connreq, sizeof(connreq), "CONNECT %s:443 "
		    "HTTP/1.1\r\nHost: %s:443\r\nProxy-Authorization: Basic "
		    "%s\r\n\r\n", host, host, b64);
		if (n < 0 || (size_t)n >= sizeof(connreq))
			cl_usage();
		connlen = n;
		explicit_bzero(cred, sizeof(cred));
	}
	if (mode == CL_DOWN)
		snprintf(target, sizeof(target), "GET /big?n=%zu", bodylen);
	else
		snprintf(target, sizeof(target), "%s", mode == CL_UP ?
		    "POST /sink" : "GET /small");
	n = snprintf(reqhead, sizeof(reqhead), "%s HTTP/1.1\r\nHost: %s\r\n"
	    "%s%s%s", target, host, auth != NULL ? "Authorization: " : "",
	    auth != NULL ? auth : "", auth != NULL ? "\r\n" : "");
	if (n > 0 && (size_t)n < sizeof(reqhead) && mode == CL_UP)
		n += snprintf(reqhead + n, sizeof(reqhead) - n,
		    "Content-Type: application/octet-stream\r\n"
		    "Content-Length: %zu\r\n", bodylen);
	if (n > 0 && (size_t)n < sizeof(reqhead))
		n += snprintf(reqhead + n, sizeof(reqhead) - n, "\r\n");
	if (n < 0 || (size_t)n >= sizeof(reqhead))
		cl_usage();
	reqlen = n;

	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL ||
	    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
	    SSL_CTX_load_verify_locations(ctx, cafile, NULL) != 1 ||
	    SSL_CTX_set_alpn_protos(ctx, (const unsigned char *)
	    "\x08http/1.1", 9) != 0) {
		ERR_print_errors_fp(stderr);
		return 1;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	/* Every handshake is a full one: no session is ever kept. */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);

	maxlat = nreq > 0 ? nreq : 20000000;
	if ((conns = calloc(nconn, sizeof(*conns))) == NULL ||
	    (pfd = calloc(nconn, sizeof(*pfd))) == NULL ||
	    (lat = reallocarray(NULL, maxlat, sizeof(*lat))) == NULL) {
		fprintf(stderr, "bench-tls-client: out of memory\n");
		return 1;
	}
	t0 = now_ns();
	end = t0 + (long long)(secs * 1e9);
	for (i = 0; i < nconn; i++) {
		conns[i].fd = -1;
		cl_reset(&conns[i], 0);
		cl_run(&conns[i], t0);
	}
	while ((now = now_ns()) < end && (nreq == 0 || nlat < nreq)) {
		next = end;
		for (i = 0; i < nconn; i++) {
			pfd[i].fd = conns[i].state == CL_IDLE ? -1 :
			    conns[i].fd;
			pfd[i].events = conns[i].events;
			pfd[i].revents = 0;
			if (conns[i].state == CL_IDLE && conns[i].wake < next)
				next = conns[i].wake;
		}
		timeout = next <= now ? 0 : (int)((next - now) / 1000000) + 1;
		if (poll(pfd, nconn, timeout) == -1 && errno != EINTR) {
			errstr = "poll";
			break;
		}
		now = now_ns();
		for (i = 0; i < nconn; i++)
			if (pfd[i].revents != 0 || (conns[i].state == CL_IDLE &&
			    conns[i].wake <= now))
				cl_run(&conns[i], now);
	}
	elapsed = (now_ns() - t0) / 1e9;
	if (errstr != NULL) {
		fprintf(stderr, "bench-tls-client: %s: %s\n", errstr,
		    strerror(errno));
		return 1;
	}
	qsort(lat, nlat, sizeof(*lat), cl_cmp);
	/* No request done, no latency: null, not 0. */
	snprintf(p50, sizeof(p50), nlat ? "%.3f" : "null",
	    nlat ? lat[nlat / 2] / 1000.0 : 0.0);
	snprintf(p99, sizeof(p99), nlat ? "%.3f" : "null",
	    nlat ? lat[(size_t)(nlat * 0.99)] / 1000.0 : 0.0);
	printf("{\"mode\": \"%s\", \"conns\": %d, \"proxy\": %s, "
	    "\"seconds\": %.3f, \"requests\": %zu, \"errors\": %llu, "
	    "\"connections\": %llu, \"rps\": %.1f, \"p50_ms\": %s, "
	    "\"p99_ms\": %s, \"mib_s\": %.2f, \"first_error\": \"%s\"}\n",
	    mode == CL_SMALL ? "small" : mode == CL_NEW ? "new" :
	    mode == CL_DOWN ? "down" : "up", nconn,
	    token != NULL ? "true" : "false", elapsed, nlat, nerrors, nconns,
	    nlat / elapsed, p50, p99,
	    nbytes / 1048576.0 / elapsed, firsterr);
	return 0;
}
