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
 * msg.h: imsg-style framed messages over a socketpair or a local stream
 * socket, with file descriptor passing, for poll() loops.
 */

#ifndef AILERON_MSG_H
#define AILERON_MSG_H

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/uio.h>

#include <stdint.h>

/*
 * Every frame is a fixed header followed by len bytes of payload.  The
 * header is in host byte order: both ends are on this machine.
 */
struct msg_hdr {
	uint16_t	type;
	uint16_t	flags;
	uint32_t	len;		/* payload bytes after the header */
	uint32_t	peerid;		/* free for the sender: a worker id */
	uint32_t	pid;		/* sender's pid, for logs */
};

#define MSG_HDRSZ		sizeof(struct msg_hdr)
#define MSG_MAXPAYLOAD		(64 * 1024)
#define MSGF_HASFD		0x0001	/* a descriptor travels with this frame */
#define MSG_MAXFDQ		8	/* received fds waiting for their frame */

struct msg {
	struct msg_hdr	 hdr;
	const uint8_t	*data;		/* valid until the next chan_read/get */
	size_t		 len;
	int		 fd;		/* -1, or a descriptor the caller owns */
};

struct chan_out;

struct chan {
	int		 fd;
	int		 accept_fds;
	char		 name[48];	/* "worker 4123", for logs */
	uint8_t		*rbuf;
	size_t		 rsize;		/* allocated */
	size_t		 rlen;		/* bytes held */
	size_t		 roff;		/* first byte not yet consumed */
	int		 fdq[MSG_MAXFDQ];
	size_t		 nfdq;
	TAILQ_HEAD(, chan_out) outq;
	size_t		 outbytes;
};

void	 chan_init(struct chan *, int fd, int accept_fds, const char *name);
void	 chan_clear(struct chan *);
int	 chan_read(struct chan *);
int	 chan_get(struct chan *, struct msg *);
int	 chan_partial(const struct chan *);
int	 chan_compose(struct chan *, uint16_t type, uint32_t peerid, int fd,
	    const void *data, size_t len);
int	 chan_composev(struct chan *, uint16_t type, uint32_t peerid, int fd,
	    const struct iovec *iov, int iovcnt);
int	 chan_flush(struct chan *);
int	 chan_pending(const struct chan *);
int	 chan_flush_wait(struct chan *, int timeout_ms);
int	 chan_wait(struct chan *, struct msg *, int timeout_ms);

#endif
