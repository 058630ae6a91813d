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
 * bench-tls-upstream.c: the TLS upstream "make bench" measures the proxy
 * against (etc/bench-proxy.py).  A bench fixture, not product code: it
 * parses just enough HTTP/1.1 to answer, with keep-alive,
 *	GET /small		a small fixed body,
 *	GET /big?n=N		N bytes,
 *	POST /sink		reads a Content-Length body, answers its length,
 * and anything else with 404.  TLS 1.2 and 1.3 with session tickets, so a
 * client can resume.  Each of PROCS processes (2) runs one epoll loop over
 * the one listening socket; the SSL_CTX, and with it the ticket key, is
 * made before the fork, so a ticket from one process resumes in another.
 *
 * usage: bench-tls-upstream [-a auth] [-s stats-file] cert.pem key.pem
 *	port-file [procs]
 * It listens on 127.0.0.1, an ephemeral port written to port-file, until
 * killed.  With -a, a request whose Authorization is not exactly auth is
 * answered 401: the bench sees whether the proxy injected.  With -s, two
 * native 64-bit counters in stats-file, shared by the processes, count
 * the handshakes done and how many of them resumed a session.
 */

#include <sys/types.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#define UP_PROCS_MAX	16
#define UP_HEAD_MAX	16384		/* request line and headers */
#define UP_BIG_MAX	(1UL << 40)	/* GET /big?n= at most */
#define UP_EVENTS	64

enum up_route {
	UP_SMALL,
	UP_BIG,
	UP_SINK,
	UP_NOTFOUND,
	UP_UNAUTH
};

enum up_state {
	UP_HEAD,			/* reading a request's head */
	UP_BODY,			/* reading and dropping its body */
	UP_WRITE			/* writing the response */
};

struct up_conn {
	int		 fd;
	SSL		*ssl;
	enum up_state	 state;
	uint32_t	 events;	/* what epoll waits for now */
	int		 close_after;	/* Connection: close */
	int		 counted;	/* its handshake is in the stats */
	char		 in[UP_HEAD_MAX];
	size_t		 inlen;
	enum up_route	 route;		/* the answer, once the body is in */
	unsigned long	 arg;		/* N of /big, the length of /sink */
	unsigned long	 bodyleft;	/* request body to read, or response
					   body still to write */
	char		 out[256];	/* response head, and a small body */
	size_t		 outlen, outoff;
};

static const char	*up_auth;
static uint64_t		*up_stats;	/* handshakes, resumed */
static char		 up_fill[65536];
static char		 up_scratch[65536];

static void	up_loop(SSL_CTX *, int) __attribute__((__noreturn__));
static void	up_accept(SSL_CTX *, int, int);
static void	up_close(int, struct up_conn *);
static int	up_run(int, struct up_conn *);
static int	up_io(int, struct up_conn *, int);
static int	up_parse(struct up_conn *);
static void	up_respond(struct up_conn *, const char *, const char *,
		    unsigned long);
static const char *up_header(const char *, const char *, const char *,
		    size_t *);

static void
up_close(int ep, struct up_conn *c)
{
	epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
	SSL_free(c->ssl);
	close(c->fd);
	free(c);
}

/*
 * Find header name (lower case) in the head [p, end): its value and
 * length, or NULL.  Header lines end in CRLF; the head is NUL-free.
 */
static const char *
up_header(const char *p, const char *end, const char *name, size_t *len)
{
	size_t	 nlen = strlen(name);
	const char *eol, *v;

	while (p < end && (eol = memmem(p, end - p, "\r\n", 2)) != NULL) {
		if ((size_t)(eol - p) > nlen && p[nlen] == ':' &&
		    strncasecmp(p, name, nlen) == 0) {
			v = p + nlen + 1;
			while (v < eol && (*v == ' ' || *v == '\t'))
				v++;
			*len = eol - v;
			while (*len > 0 && (v[*len - 1] == ' ' ||
			    v[*len - 1] == '\t'))
				(*len)--;
			return v;
		}
		p = eol + 2;
	}
	return NULL;
}

static void
up_respond(struct up_conn *c, const char *status, const char *body,
    unsigned long bodylen)
{
	int	 n;

	n = snprintf(c->out, sizeof(c->out), "HTTP/1.1 %s\r\n"
	    "Content-Type: text/plain\r\nContent-Length: %lu\r\n%s\r\n%s",
	    status, bodylen, c->close_after ? "Connection: close\r\n" : "",
	    body != NULL ? body : "");
	c->outlen = n > 0 && (size_t)n < sizeof(c->out) ? (size_t)n : 0;
	c->outoff = 0;
	c->bodyleft = body != NULL ? 0 : bodylen;
	c->state = UP_WRITE;
}

/*
 * A whole head in c->in: decide the response.  Returns 1 when the state
 * moved on, 0 when more bytes are needed, -1 to drop the connection.
 */
static int
up_parse(struct up_conn *c)
{
	char		*head, *end, *sp, *num;
	const char	*v;
	size_t		 hlen, vlen;
	unsigned long	 n;

	if ((end = memmem(c->in, c->inlen, "\r\n\r\n", 4)) == NULL)
		return c->inlen == sizeof(c->in) ? -1 : 0;
	head = c->in;
	hlen = end + 4 - head;
	if (memchr(head, '\0', hlen) != NULL)
		return -1;
	end += 2;		/* the last header's CRLF stays in */
	*end = '\0';		/* overwrites the blank line's CR */

	c->close_after = 0;
	if ((v = up_header(head, end, "connection", &vlen)) != NULL &&
	    vlen == 5 && strncasecmp(v, "close", 5) == 0)
		c->close_after = 1;
	if (up_header(head, end, "transfer-encoding", &vlen) != NULL) {
		c->close_after = 1;
		up_respond(c, "501 Not Implemented", "no chunked bodies\n", 18);
		goto consumed;
	}
	n = 0;
	if ((v = up_header(head, end, "content-length", &vlen)) != NULL) {
		if (vlen == 0 || vlen > 15 || strspn(v, "0123456789") < vlen)
			return -1;
		n = strtoul(v, NULL, 10);
	}
	c->bodyleft = c->arg = n;
	c->state = UP_BODY;
	if (up_auth != NULL && ((v = up_header(head, end, "authorization",
	    &vlen)) == NULL || vlen != strlen(up_auth) ||
	    memcmp(v, up_auth, vlen) != 0))
		c->route = UP_UNAUTH;
	else if (strncmp(head, "GET /small ", 11) == 0)
		c->route = UP_SMALL;
	else if (strncmp(head, "GET /big?n=", 11) == 0) {
		num = head + 11;
		if ((sp = strchr(num, ' ')) == NULL || sp == num ||
		    sp - num > 13 || strspn(num, "0123456789") !=
		    (size_t)(sp - num) || (n = strtoul(num, NULL, 10)) >
		    UP_BIG_MAX)
			return -1;
		c->route = UP_BIG;
		c->arg = n;
	} else if (strncmp(head, "POST /sink ", 11) == 0)
		c->route = UP_SINK;
	else
		c->route = UP_NOTFOUND;
 consumed:
	c->inlen -= hlen;
	memmove(c->in, c->in + hlen, c->inlen);
	return 1;
}

/*
 * An SSL call returned r: 1 to go on, 0 to wait for the descriptor,
 * -1 to drop the connection.
 */
static int
up_io(int ep, struct up_conn *c, int r)
{
	struct epoll_event	 ev;
	uint32_t		 want;

	if (r > 0)
		return 1;
	switch (SSL_get_error(c->ssl, r)) {
	case SSL_ERROR_WANT_READ:
		want = EPOLLIN;
		break;
	case SSL_ERROR_WANT_WRITE:
		want = EPOLLOUT;
		break;
	default:
		ERR_clear_error();
		return -1;
	}
	if (want != c->events) {
		memset(&ev, 0, sizeof(ev));
		ev.events = want;
		ev.data.ptr = c;
		if (epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev) == -1)
			return -1;
		c->events = want;
	}
	return 0;
}

/* Do all that can be done without waiting: 0, or -1 to drop c. */
static int
up_run(int ep, struct up_conn *c)
{
	char		 len[32];
	size_t		 k;
	int		 n, r;

	for (;;) {
		switch (c->state) {
		case UP_HEAD:
			if ((r = up_parse(c)) == -1)
				return -1;
			if (r == 1)
				continue;
			n = SSL_read(c->ssl, c->in + c->inlen,
			    sizeof(c->in) - c->inlen);
			if ((r = up_io(ep, c, n)) <= 0)
				return r;
			c->inlen += n;
			/* The first bytes: the handshake is done. */
			if (!c->counted && up_stats != NULL) {
				c->counted = 1;
				__atomic_fetch_add(&up_stats[0], 1,
				    __ATOMIC_RELAXED);
				if (SSL_session_reused(c->ssl))
					__atomic_fetch_add(&up_stats[1], 1,
					    __ATOMIC_RELAXED);
			}
			break;
		case UP_BODY:
			if (c->bodyleft > 0 && c->inlen > 0) {
				k = c->inlen < c->bodyleft ? c->inlen :
				    c->bodyleft;
				c->inlen -= k;
				memmove(c->in, c->in + k, c->inlen);
				c->bodyleft -= k;
			}
			if (c->bodyleft > 0) {
				k = c->bodyleft < sizeof(up_scratch) ?
				    c->bodyleft : sizeof(up_scratch);
				n = SSL_read(c->ssl, up_scratch, k);
				if ((r = up_io(ep, c, n)) <= 0)
					return r;
				c->bodyleft -= n;
				continue;
			}
			/* The body is in: answer what up_parse chose. */
			switch (c->route) {
			case UP_SMALL:
				up_respond(c, "200 OK", "hello, bench\n", 13);
				break;
			case UP_BIG:
				up_respond(c, "200 OK", NULL, c->arg);
				break;
			case UP_SINK:
				snprintf(len, sizeof(len), "%lu\n", c->arg);
				up_respond(c, "200 OK", len, strlen(len));
				break;
			case UP_NOTFOUND:
				up_respond(c, "404 Not Found", "not found\n",
				    10);
				break;
			case UP_UNAUTH:
				up_respond(c, "401 Unauthorized",
				    "no credential\n", 14);
				break;
			}
			break;
		case UP_WRITE:
			if (c->outoff < c->outlen) {
				n = SSL_write(c->ssl, c->out + c->outoff,
				    c->outlen - c->outoff);
				if ((r = up_io(ep, c, n)) <= 0)
					return r;
				c->outoff += n;
			} else if (c->bodyleft > 0) {
				k = c->bodyleft < sizeof(up_fill) ?
				    c->bodyleft : sizeof(up_fill);
				n = SSL_write(c->ssl, up_fill, k);
				if ((r = up_io(ep, c, n)) <= 0)
					return r;
				c->bodyleft -= n;
			} else if (c->close_after)
				return -1;
			else
				c->state = UP_HEAD;
			break;
		}
	}
}

static void
up_accept(SSL_CTX *ctx, int ep, int lfd)
{
	struct epoll_event	 ev;
	struct up_conn		*c;
	int			 fd, on = 1;

	while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK |
	    SOCK_CLOEXEC)) != -1) {
		if ((c = calloc(1, sizeof(*c))) == NULL ||
		    (c->ssl = SSL_new(ctx)) == NULL) {
			free(c);
			close(fd);
			continue;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
		c->fd = fd;
		c->state = UP_HEAD;
		c->events = EPOLLIN;
		SSL_set_fd(c->ssl, fd);
		SSL_set_accept_state(c->ssl);
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN;
		ev.data.ptr = c;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == -1) {
			SSL_free(c->ssl);
			free(c);
			close(fd);
		}
	}
}

static void
up_loop(SSL_CTX *ctx, int lfd)
{
	struct epoll_event	 ev, evs[UP_EVENTS];
	int			 ep, i, n;

	if ((ep = epoll_create1(EPOLL_CLOEXEC)) == -1)
		_exit(1);
	memset(&ev, 0, sizeof(ev));
	/* Only one process wakes per new connection. */
	ev.events = EPOLLIN | EPOLLEXCLUSIVE;
	ev.data.ptr = NULL;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev) == -1)
		_exit(1);
	for (;;) {
		if ((n = epoll_wait(ep, evs, UP_EVENTS, -1)) == -1) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		for (i = 0; i < n; i++) {
			if (evs[i].data.ptr == NULL)
				up_accept(ctx, ep, lfd);
			else if (up_run(ep, evs[i].data.ptr) == -1)
				up_close(ep, evs[i].data.ptr);
		}
	}
}

int
main(int argc, char *argv[])
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);
	SSL_CTX			*ctx;
	FILE			*f;
	int			 lfd, sfd, ch, i, procs = 2, on = 1;

	while ((ch = getopt(argc, argv, "a:s:")) != -1) {
		switch (ch) {
		case 'a':
			up_auth = optarg;
			break;
		case 's':
			/* Shared with the children forked below. */
			if ((sfd = open(optarg, O_RDWR | O_CREAT | O_TRUNC |
			    O_CLOEXEC, 0644)) == -1 ||
			    ftruncate(sfd, 2 * sizeof(*up_stats)) == -1 ||
			    (up_stats = mmap(NULL, 2 * sizeof(*up_stats),
			    PROT_READ | PROT_WRITE, MAP_SHARED, sfd, 0)) ==
			    MAP_FAILED) {
				perror(optarg);
				return 1;
			}
			close(sfd);
			break;
		default:
			goto usage;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 4)
		procs = atoi(argv[3]);
	if ((argc != 3 && argc != 4) || procs < 1 || procs > UP_PROCS_MAX)
		goto usage;
	signal(SIGPIPE, SIG_IGN);
	memset(up_fill, 'x', sizeof(up_fill));

	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL ||
	    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
	    SSL_CTX_use_certificate_chain_file(ctx, argv[0]) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, argv[1], SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		ERR_print_errors_fp(stderr);
		return 1;
	}
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
	/* One ticket per handshake is all a client resumes with. */
	SSL_CTX_set_num_tickets(ctx, 1);

	if ((lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0)) == -1 ||
	    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1)
		return 1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(lfd, 1024) == -1 ||
	    getsockname(lfd, (struct sockaddr *)&sin, &len) == -1)
		return 1;
	for (i = 0; i < procs; i++) {
		switch (fork()) {
		case -1:
			return 1;
		case 0:
			up_loop(ctx, lfd);
		}
	}
	/* The bench reads the port once every process is forked. */
	if ((f = fopen(argv[2], "w")) == NULL)
		return 1;
	fprintf(f, "%d\n", ntohs(sin.sin_port));
	fclose(f);
	/* The bench kills the process group; a child that dies ends us. */
	wait(NULL);
	return 1;
 usage:
	fprintf(stderr, "usage: bench-tls-upstream [-a auth] [-s stats-file] "
	    "cert.pem key.pem\n\tport-file [procs]\n");
	return 2;
}
