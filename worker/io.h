/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* io.h: one leg of a proxied connection, plain or TLS, with deadlines. */

#ifndef AILERON_IO_H
#define AILERON_IO_H

#include <sys/types.h>

#include <openssl/ssl.h>

#define IO_ERR		(-1)
#define IO_TIMEOUT	(-2)
#define IO_OWED		(-3)		/* io_read_after(): the other leg */
#define IO_HOLD_MAX	16384		/* one TLS record's plaintext */
#define IO_WBUF		(64 * 1024)	/* TLS records to one write */

struct io {
	int			 fd;
	SSL			*ssl;		/* NULL: plain */
	unsigned long long	 nread;
	unsigned long long	 nwritten;
	char			*hold;		/* io_hold(), IO_HOLD_MAX */
	size_t			 held;
	int			 buffered;	/* TLS writes through IO_WBUF */
};

void	io_init(struct io *, int, SSL *);
int	io_poll(int, short, int);
int	io_pending(const struct io *);
ssize_t	io_read(struct io *, void *, size_t, int);
ssize_t	io_read_after(struct io *, void *, size_t, int, struct io *, int);
int	io_write(struct io *, const void *, size_t, int);
int	io_hold(struct io *, const void *, size_t, int);
int	io_release(struct io *, int);
int	io_flush_try(struct io *);
int	io_flush(struct io *, int);
int	io_handshake(struct io *, int);
void	io_shutdown(struct io *);
void	io_close(struct io *);

#endif
