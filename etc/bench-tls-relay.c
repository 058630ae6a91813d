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
 * bench-tls-relay.c: the least a TLS-intercepting proxy does, which
 * "make bench" measures beside aileron (etc/bench-proxy.py) as the
 * proxy's floor, as etc/bench-prefork.c is the pool's.  It answers a
 * CONNECT with 200 without parsing it, terminates the client's TLS with a
 * fixed certificate, opens TLS to one fixed upstream (verified), and
 * copies the decrypted bytes both ways until either side ends.  No HTTP,
 * no policy, no credential, no audit, no masking: what it spends per
 * request or per MiB is what relaying TLS itself costs on this machine.
 * A bench fixture, not product code.
 *
 * What costs per byte and per request is set up as in aileron's workers:
 * TLS 1.2 and later, reads ahead into a buffer of four whole records,
 * writes through a 64 KiB buffer, TCP_NODELAY on both legs.  What costs
 * per connection is not: one process per connection, forked on accept
 * from a parent that did no handshake first, and reaped by it so that the
 * bench counts its CPU; the upstream's sessions are not resumed.  So the
 * bench measures it with keep-alive connections and bodies, not with a
 * connection per request.
 *
 * usage: bench-tls-relay cert.pem key.pem ca.pem host upstream-port
 *	port-file
 * It listens on 127.0.0.1, an ephemeral port written to port-file, until
 * killed, and dials host's upstream at 127.0.0.1:upstream-port.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#define RELAY_HEAD_MAX	8192		/* the CONNECT request */
#define RELAY_RECORD	16384		/* a TLS record's plaintext */
#define RELAY_CHUNK	(4 * RELAY_RECORD)
#define RELAY_READ_BUF	(4 * 16406 + 3 + 2)	/* as master/tls.c */

static char	relay_buf[RELAY_CHUNK];

static void	relay_conn(SSL_CTX *, SSL_CTX *, const char *, int, int)
		    __attribute__((__noreturn__));
static SSL	*relay_ssl(SSL_CTX *, int);
static void	relay_copy(SSL *, int, SSL *, int);
static int	relay_move(SSL *, SSL *);
static SSL_CTX	*relay_ctx(const SSL_METHOD *);

static SSL_CTX *
relay_ctx(const SSL_METHOD *method)
{
	SSL_CTX	*ctx;

	if ((ctx = SSL_CTX_new(method)) == NULL ||
	    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1)
		return NULL;
	SSL_CTX_set_read_ahead(ctx, 1);
	SSL_CTX_set_default_read_buffer_len(ctx, RELAY_READ_BUF);
	/*
	 * A read that finds only a TLS 1.3 ticket returns, rather than wait
	 * on the blocking socket for data the peer will not send before the
	 * other side's request.
	 */
	SSL_CTX_clear_mode(ctx, SSL_MODE_AUTO_RETRY);
	return ctx;
}

/* An SSL on fd that reads the socket and writes through a buffer. */
static SSL *
relay_ssl(SSL_CTX *ctx, int fd)
{
	SSL	*ssl;
	BIO	*sock, *buf;

	if ((ssl = SSL_new(ctx)) == NULL ||
	    (sock = BIO_new_socket(fd, BIO_NOCLOSE)) == NULL ||
	    (buf = BIO_new(BIO_f_buffer())) == NULL ||
	    BIO_set_write_buffer_size(buf, RELAY_CHUNK + 256) != 1)
		return NULL;
	/* The buffer's chain and the SSL's read side each hold sock. */
	BIO_up_ref(sock);
	BIO_push(buf, sock);
	SSL_set_bio(ssl, sock, buf);
	return ssl;
}

/*
 * Move what one side has at hand, up to four records, to the other, and
 * flush.  -1 when either side has ended or failed, after what was read
 * before the end went on.
 */
static int
relay_move(SSL *from, SSL *to)
{
	size_t	 len = 0;
	int	 n, end = 0;

	do {
		if ((n = SSL_read(from, relay_buf + len,
		    sizeof(relay_buf) - len)) <= 0) {
			end = SSL_get_error(from, n) != SSL_ERROR_WANT_READ;
			break;
		}
		len += n;
	} while (len + RELAY_RECORD <= sizeof(relay_buf) &&
	    SSL_has_pending(from));
	if (len > 0 && (SSL_write(to, relay_buf, len) != (int)len ||
	    BIO_flush(SSL_get_wbio(to)) != 1))
		return -1;
	return end ? -1 : 0;
}

static void
relay_copy(SSL *a, int afd, SSL *u, int ufd)
{
	struct pollfd	 pfd[2];
	SSL		*from[2] = { a, u }, *to[2] = { u, a };
	int		 i, ready[2];

	for (;;) {
		ready[0] = SSL_has_pending(a);
		ready[1] = SSL_has_pending(u);
		if (!ready[0] && !ready[1]) {
			pfd[0].fd = afd;
			pfd[1].fd = ufd;
			pfd[0].events = pfd[1].events = POLLIN;
			if (poll(pfd, 2, -1) == -1) {
				if (errno == EINTR)
					continue;
				return;
			}
			for (i = 0; i < 2; i++)
				ready[i] = pfd[i].revents != 0;
		}
		for (i = 0; i < 2; i++)
			if (ready[i] && relay_move(from[i], to[i]) == -1)
				return;
	}
}

static void
relay_conn(SSL_CTX *sctx, SSL_CTX *cctx, const char *host, int port,
    int afd)
{
	static const char	 ok[] = "HTTP/1.1 200 Connection established"
				    "\r\n\r\n";
	struct sockaddr_in	 sin;
	char			 head[RELAY_HEAD_MAX];
	size_t			 len = 0;
	ssize_t			 n;
	SSL			*a, *u;
	int			 ufd, on = 1;

	/* The client sends nothing more before the answer. */
	while (len < 4 || memcmp(head + len - 4, "\r\n\r\n", 4) != 0) {
		if (len == sizeof(head) ||
		    (n = read(afd, head + len, sizeof(head) - len)) <= 0)
			_exit(1);
		len += n;
	}
	if (setsockopt(afd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)) ==
	    -1 || write(afd, ok, sizeof(ok) - 1) != sizeof(ok) - 1)
		_exit(1);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(port);
	if ((ufd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    setsockopt(ufd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)) ==
	    -1 || connect(ufd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		_exit(1);
	if ((u = relay_ssl(cctx, ufd)) == NULL ||
	    SSL_set_tlsext_host_name(u, host) != 1 ||
	    SSL_set1_host(u, host) != 1 || SSL_connect(u) != 1 ||
	    (a = relay_ssl(sctx, afd)) == NULL || SSL_accept(a) != 1) {
		ERR_print_errors_fp(stderr);
		_exit(1);
	}
	relay_copy(a, afd, u, ufd);
	_exit(0);
}

int
main(int argc, char *argv[])
{
	struct sockaddr_in	 sin;
	socklen_t		 slen = sizeof(sin);
	struct pollfd		 pfd;
	SSL_CTX			*sctx, *cctx;
	FILE			*f;
	int			 lfd, fd, port, on = 1;

	if (argc != 7 || (port = atoi(argv[5])) < 1 || port > 65535) {
		fprintf(stderr, "usage: bench-tls-relay cert.pem key.pem "
		    "ca.pem host upstream-port\n\tport-file\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	if ((sctx = relay_ctx(TLS_server_method())) == NULL ||
	    SSL_CTX_use_certificate_chain_file(sctx, argv[1]) != 1 ||
	    SSL_CTX_use_PrivateKey_file(sctx, argv[2], SSL_FILETYPE_PEM) !=
	    1 || SSL_CTX_check_private_key(sctx) != 1 ||
	    (cctx = relay_ctx(TLS_client_method())) == NULL ||
	    SSL_CTX_load_verify_locations(cctx, argv[3], NULL) != 1) {
		ERR_print_errors_fp(stderr);
		return 1;
	}
	/* As the worker: no tickets from a process that ends with its
	   connection. */
	SSL_CTX_set_options(sctx, SSL_OP_NO_TICKET);
	SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, NULL);

	if ((lfd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1)
		return 1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(lfd, 1024) == -1 ||
	    getsockname(lfd, (struct sockaddr *)&sin, &slen) == -1 ||
	    (f = fopen(argv[6], "w")) == NULL)
		return 1;
	fprintf(f, "%d\n", ntohs(sin.sin_port));
	fclose(f);
	for (;;) {
		/* Reaped, not ignored: a child's CPU counts only when
		   waited for. */
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		pfd.fd = lfd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 50) <= 0)
			continue;
		if ((fd = accept(lfd, NULL, NULL)) == -1)
			continue;
		switch (fork()) {
		case -1:
			break;
		case 0:
			close(lfd);
			relay_conn(sctx, cctx, argv[4], port, fd);
		}
		close(fd);
	}
}
