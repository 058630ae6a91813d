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
 *
 * A TLS leg that writes a run of records writes them through a buffer of
 * a few (io_buffer()): OpenSSL hands the socket one record per write, and
 * a body relayed a record at a time would cost a system call, and a
 * wake-up of the reader, per 16 KiB.  A leg of small messages never gets
 * one, and stays small.  io_write() and io_release() empty the buffer
 * before they return; io_hold() does not, and its caller releases before
 * it waits.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
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

/*
 * From now on, the leg's TLS writes go through a buffer that fills to
 * IO_WBUF before it writes; reads stay straight from the socket.  Done
 * once a leg, when it first writes a whole record.  Without the buffer
 * (out of memory) the writes are only smaller.
 */
static void
io_buffer(struct io *io)
{
	BIO	*sock, *buf;

	if (io->buffered)
		return;
	io->buffered = 1;
	if ((sock = SSL_get_wbio(io->ssl)) == NULL)
		return;
	if ((buf = BIO_new(BIO_f_buffer())) == NULL ||
	    BIO_set_write_buffer_size(buf, IO_WBUF) != 1) {
		BIO_free(buf);
		return;
	}
	/* The chain takes a reference of its own; the old one is dropped. */
	BIO_up_ref(sock);
	BIO_push(buf, sock);
	SSL_set0_wbio(io->ssl, buf);
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
io_want(struct io *io, int e, int timeout_ms)
{
	int	 r;

	/* Whatever a handshake or a read left to send goes before we wait. */
	if (e == SSL_ERROR_WANT_READ && (r = io_flush(io, timeout_ms)) != 0)
		return r == IO_TIMEOUT ? 0 : -1;
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
	return io_read_after(io, buf, len, timeout_ms, NULL, 0);
}

/*
 * io_read(), and if it has to wait, what owed holds goes out first,
 * within owed_ms: the relay of one leg to the other holds what it wrote
 * while the other leg has more at hand.  IO_OWED when that write failed.
 */
ssize_t
io_read_after(struct io *io, void *buf, size_t len, int timeout_ms,
    struct io *owed, int owed_ms)
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
			if (owed != NULL && io_release(owed, owed_ms) != 0)
				return IO_OWED;
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
			if (owed != NULL && io_release(owed, owed_ms) != 0)
				return IO_OWED;
			r = io_want(io, e, timeout_ms);
		}
		if (r == 0)
			return IO_TIMEOUT;
		if (r == -1)
			return IO_ERR;
	}
}

/*
 * Write all of buf to the TLS layer or the socket, and leave in the TLS
 * layer's buffer what has not filled it: 0, or IO_ERR / IO_TIMEOUT.
 */
static int
io_put(struct io *io, const char *p, size_t len, int timeout_ms)
{
	ssize_t		 n;
	size_t		 put;
	int		 r;

	if (io->ssl != NULL && len >= IO_HOLD_MAX)
		io_buffer(io);
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
 * Write out what the TLS layer's buffer holds, without waiting: 1 all
 * out (a plain leg holds nothing there), 0 the socket is full, -1 an
 * error.
 */
int
io_flush_try(struct io *io)
{
	BIO	*b;

	if (io->ssl == NULL || (b = SSL_get_wbio(io->ssl)) == NULL ||
	    BIO_wpending(b) <= 0 || BIO_flush(b) == 1)
		return 1;
	return BIO_should_retry(b) ? 0 : -1;
}

/* io_flush_try() until all is out: 0, or IO_ERR / IO_TIMEOUT. */
int
io_flush(struct io *io, int timeout_ms)
{
	int	 r;

	while ((r = io_flush_try(io)) != 1) {
		if (r == -1)
			return IO_ERR;
		if ((r = io_poll(io->fd, POLLOUT, timeout_ms)) == 0)
			return IO_TIMEOUT;
		if (r == -1)
			return IO_ERR;
	}
	return 0;
}

/*
 * Keep buf to go out with what is written next: a response's head with
 * its body, a chunk with its framing, and each record filled before it
 * goes to the TLS layer.  The caller releases what is held before it
 * waits for anything else.  0, or IO_ERR / IO_TIMEOUT when a full record
 * was written and failed.
 */
int
io_hold(struct io *io, const void *buf, size_t len, int timeout_ms)
{
	const char	*p = buf;
	size_t		 take;
	int		 r;

	if (io->hold == NULL && (io->hold = malloc(IO_HOLD_MAX)) == NULL)
		return io_write(io, buf, len, timeout_ms);
	while (len > 0) {
		if (io->held == 0 && len >= IO_HOLD_MAX) {
			/* Whole records straight from the caller's bytes. */
			take = len - len % IO_HOLD_MAX;
			if ((r = io_put(io, p, take, timeout_ms)) != 0)
				return r;
			p += take;
			len -= take;
			continue;
		}
		take = IO_HOLD_MAX - io->held;
		if (take > len)
			take = len;
		memcpy(io->hold + io->held, p, take);
		io->held += take;
		p += take;
		len -= take;
		if (io->held == IO_HOLD_MAX) {
			io->held = 0;
			if ((r = io_put(io, io->hold, IO_HOLD_MAX,
			    timeout_ms)) != 0)
				return r;
		}
	}
	return 0;
}

/* Write what io_hold() kept, and all of it: 0, or IO_ERR / IO_TIMEOUT. */
int
io_release(struct io *io, int timeout_ms)
{
	size_t	 n = io->held;
	int	 r;

	io->held = 0;
	if (n > 0 && (r = io_put(io, io->hold, n, timeout_ms)) != 0)
		return r;
	return io_flush(io, timeout_ms);
}

/* Write all of buf, after what is held: 0, or IO_ERR / IO_TIMEOUT. */
int
io_write(struct io *io, const void *buf, size_t len, int timeout_ms)
{
	size_t	 n = io->held;
	int	 r;

	if (n > 0 && n + len <= IO_HOLD_MAX) {
		memcpy(io->hold + n, buf, len);
		io->held += len;
		return io_release(io, timeout_ms);
	}
	io->held = 0;
	if (n > 0 && (r = io_put(io, io->hold, n, timeout_ms)) != 0)
		return r;
	if ((r = io_put(io, buf, len, timeout_ms)) != 0)
		return r;
	return io_flush(io, timeout_ms);
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
		/* A close_notify may wait in the buffer. */
		(void)BIO_flush(SSL_get_wbio(io->ssl));
	}
	shutdown(io->fd, SHUT_WR);
}

void
io_close(struct io *io)
{
	free(io->hold);
	io->hold = NULL;
	io->held = 0;
	io->buffered = 0;
	if (io->ssl != NULL) {
		SSL_free(io->ssl);
		io->ssl = NULL;
	}
	if (io->fd != -1) {
		close(io->fd);
		io->fd = -1;
	}
}
