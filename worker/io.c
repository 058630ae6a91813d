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
 * io.c: reads and writes with a deadline on one leg of a connection, plain
 * or TLS.  Sockets are non-blocking; a worker serves one connection, so it
 * waits in poll() on the leg it needs and nothing else.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "log.h"
#include "worker/io.h"

void
io_init(struct io *io, int fd, SSL *ssl)
{
	memset(io, 0, sizeof(*io));
	io->fd = fd;
	io->ssl = ssl;
}

/* 1 ready, 0 timed out, -1 error. */
int
io_poll(int fd, short events, int timeout_ms)
{
	struct pollfd	 pfd;
	int		 n;

	pfd.fd = fd;
	pfd.events = events;
	for (;;) {
		n = poll(&pfd, 1, timeout_ms);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		return n;
	}
}

/*
 * After a TLS call failed with e: wait for what it wants.  1 ready, 0 timed
 * out, -1 anything else (an error, or a close for the caller to judge).
 */
static int
io_want(const struct io *io, int e, int timeout_ms)
{
	if (e == SSL_ERROR_WANT_READ)
		return io_poll(io->fd, POLLIN, timeout_ms);
	if (e == SSL_ERROR_WANT_WRITE)
		return io_poll(io->fd, POLLOUT, timeout_ms);
	return -1;
}

/*
 * Bytes the TLS layer holds, decrypted or in records it read ahead: poll
 * would not see them, a read returns them at once.
 */
int
io_pending(const struct io *io)
{
	return io->ssl != NULL && SSL_has_pending(io->ssl);
}

/* > 0 bytes, 0 end of stream, IO_ERR, IO_TIMEOUT. */
ssize_t
io_read(struct io *io, void *buf, size_t len, int timeout_ms)
{
	ssize_t	 n;
	size_t	 got;
	int	 r, e;

	for (;;) {
		if (io->ssl == NULL) {
			n = read(io->fd, buf, len);
			if (n > 0) {
				io->nread += n;
				return n;
			}
			if (n == 0)
				return 0;
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				return IO_ERR;
			r = io_poll(io->fd, POLLIN, timeout_ms);
		} else {
			ERR_clear_error();
			if (SSL_read_ex(io->ssl, buf, len, &got) == 1) {
				io->nread += got;
				return got;
			}
			e = SSL_get_error(io->ssl, 0);
			if (e == SSL_ERROR_ZERO_RETURN ||
			    (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0))
				return 0;	/* with or without close_notify */
			r = io_want(io, e, timeout_ms);
		}
		if (r == 0)
			return IO_TIMEOUT;
		if (r == -1)
			return IO_ERR;
	}
}

/*
 * Keep buf to go out with what is written next, in one write and one TLS
 * record: a response's head with its body, a chunk with its framing.  The
 * caller releases what is held before it waits for anything else.  0, or
 * IO_ERR / IO_TIMEOUT when making room wrote and failed.
 */
int
io_hold(struct io *io, const void *buf, size_t len, int timeout_ms)
{
	int	 r;

	if (io->hold == NULL && (io->hold = malloc(IO_HOLD_MAX)) == NULL)
		return io_write(io, buf, len, timeout_ms);
	if (io->held + len > IO_HOLD_MAX &&
	    (r = io_release(io, timeout_ms)) != 0)
		return r;
	if (len > IO_HOLD_MAX)
		return io_write(io, buf, len, timeout_ms);
	memcpy(io->hold + io->held, buf, len);
	io->held += len;
	return 0;
}

/* Write what io_hold() kept: 0, or IO_ERR / IO_TIMEOUT. */
int
io_release(struct io *io, int timeout_ms)
{
	size_t	 n = io->held;

	if (n == 0)
		return 0;
	io->held = 0;
	return io_write(io, io->hold, n, timeout_ms);
}

/* Write all of buf, after what is held: 0, or IO_ERR / IO_TIMEOUT. */
int
io_write(struct io *io, const void *buf, size_t len, int timeout_ms)
{
	const char	*p = buf;
	ssize_t		 n;
	size_t		 put;
	int		 r;

	if (io->held > 0 && buf != io->hold) {
		if (io->held + len <= IO_HOLD_MAX) {
			memcpy(io->hold + io->held, buf, len);
			p = io->hold;
			len += io->held;
			io->held = 0;
		} else if ((r = io_release(io, timeout_ms)) != 0)
			return r;
	}
	while (len > 0) {
		if (io->ssl == NULL) {
			n = send(io->fd, p, len, MSG_NOSIGNAL);
			if (n >= 0) {
				p += n;
				len -= n;
				io->nwritten += n;
				continue;
			}
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				return IO_ERR;
			r = io_poll(io->fd, POLLOUT, timeout_ms);
		} else {
			ERR_clear_error();
			if (SSL_write_ex(io->ssl, p, len, &put) == 1) {
				p += put;
				len -= put;
				io->nwritten += put;
				continue;
			}
			r = io_want(io, SSL_get_error(io->ssl, 0), timeout_ms);
		}
		if (r == 0)
			return IO_TIMEOUT;
		if (r == -1)
			return IO_ERR;
	}
	return 0;
}

/*
 * Run a TLS handshake (accept or connect) to its end within timeout_ms.
 * 0 done, IO_ERR, IO_TIMEOUT.
 */
int
io_handshake(struct io *io, int timeout_ms)
{
	int	 r;

	for (;;) {
		ERR_clear_error();
		if (SSL_do_handshake(io->ssl) == 1)
			return 0;
		r = io_want(io, SSL_get_error(io->ssl, 0), timeout_ms);
		if (r == 0)
			return IO_TIMEOUT;
		if (r == -1)
			return IO_ERR;
	}
}

/* Best effort: tell the peer we are done, then stop writing. */
void
io_shutdown(struct io *io)
{
	if (io->ssl != NULL) {
		ERR_clear_error();
		(void)SSL_shutdown(io->ssl);
	}
	shutdown(io->fd, SHUT_WR);
}

void
io_close(struct io *io)
{
	free(io->hold);
	io->hold = NULL;
	io->held = 0;
	if (io->ssl != NULL) {
		SSL_free(io->ssl);
		io->ssl = NULL;
	}
	if (io->fd != -1) {
		close(io->fd);
		io->fd = -1;
	}
}
