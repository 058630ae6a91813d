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
 * msg.c: imsg-style framed messages over a socketpair or a local stream
 * socket, with file descriptor passing, for poll() loops.
 *
 * Every process that receives frames from a less trusted peer (a worker, the
 * CLI) relies on this file never to read past a buffer and never to hand out
 * a frame whose length or type it has not checked.  A malformed frame makes
 * chan_get() fail; the caller closes the channel, and whether that is fatal
 * is its decision.
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "msg.h"
#include "msgtypes.h"

struct chan_out {
	TAILQ_ENTRY(chan_out)	 entry;
	size_t			 len;
	size_t			 off;
	int			 fd;	/* sent with the first byte, then closed */
	uint8_t			 buf[];
};

/* Several frames per read: a busy worker's INJECTs come in a row. */
#define CHAN_RBUF_MIN	4096
#define CHAN_FLUSH_IOV	16	/* frames in one sendmsg */

int		msg_testmode;

static void	chan_fdq_push(struct chan *, int);
static int	chan_fdq_pop(struct chan *);
static const struct msg_accept *chan_accepts(const struct chan *,
		    unsigned int);
static int	msg_builder_grow(struct msg_builder *, size_t);
static int	chan_frame(struct chan *, uint16_t, uint16_t, uint32_t,
		    uint32_t, int, const struct iovec *, int);
static void	chan_fail_calls(struct chan *, struct chan_calls *);

/*
 * A channel that accepts nothing until chan_accept() names the peer and
 * the receiver's table; accept_fds is for channels with no table (the
 * tests, the CLI's replies).
 */
void
chan_init(struct chan *c, int fd, int accept_fds, const char *name)
{
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->accept_fds = accept_fds;
	c->from = PROC_NONE;
	/* Once, not per frame: a channel never outlives a fork in use. */
	c->pid = getpid();
	strlcpy(c->name, name, sizeof(c->name));
	TAILQ_INIT(&c->outq);
	TAILQ_INIT(&c->calls);
}

/*
 * From now on only what the table lists from this sender is a frame;
 * descriptors are accepted only when one of its rows carries one.
 */
void
chan_accept(struct chan *c, unsigned int from, const struct msg_accept *acc,
    size_t nacc)
{
	size_t	 i;

	c->from = from;
	c->accept = acc;
	c->naccept = nacc;
	c->accept_fds = 0;
	for (i = 0; i < nacc; i++)
		if (acc[i].from == from && acc[i].nfds > 0)
			c->accept_fds = 1;
}

static const struct msg_accept *
chan_accepts(const struct chan *c, unsigned int type)
{
	size_t	 i;

	for (i = 0; i < c->naccept; i++)
		if (c->accept[i].type == type && c->accept[i].from == c->from)
			return &c->accept[i];
	return NULL;
}

/* Close the channel, drop what it held, close every fd it still owns. */
void
chan_clear(struct chan *c)
{
	struct chan_out	*o;

	/* Whoever waits on a call hears it failed, before anything goes. */
	chan_fail_calls(c, &c->calls);
	while ((o = TAILQ_FIRST(&c->outq)) != NULL) {
		TAILQ_REMOVE(&c->outq, o, entry);
		if (o->fd != -1)
			close(o->fd);
		freezero(o, sizeof(*o) + o->len);
	}
	while (c->nfdq > 0)
		close(chan_fdq_pop(c));
	/* Only the first rlen bytes ever held what the peer sent. */
	if (c->rbuf != NULL)
		freezero(c->rbuf, c->rlen);
	if (c->fd != -1)
		close(c->fd);
	c->rbuf = NULL;
	c->rsize = c->rlen = c->roff = 0;
	c->outbytes = 0;
	c->fd = -1;
}

static void
chan_fdq_push(struct chan *c, int fd)
{
	if (c->nfdq == MSG_MAXFDQ) {
		/* A peer flooding us with fds: drop it. */
		close(fd);
		return;
	}
	c->fdq[c->nfdq++] = fd;
}

static int
chan_fdq_pop(struct chan *c)
{
	int	 fd;

	if (c->nfdq == 0)
		return -1;
	fd = c->fdq[0];
	memmove(&c->fdq[0], &c->fdq[1], (c->nfdq - 1) * sizeof(int));
	c->nfdq--;
	return fd;
}

/*
 * Read what the socket has.  Returns 1 when data arrived or nothing was
 * ready, 0 on end of file, -1 on error.  Received descriptors are queued;
 * of each batch only the first is kept, since a sender attaches exactly
 * one descriptor to a frame.  A descriptor from a peer that may send none
 * is a bad frame (-1): it cannot belong to anything we accept.
 */
int
chan_read(struct chan *c)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int) * 4)];
	} cmsgbuf;
	struct msghdr	 mh;
	struct cmsghdr	*cm;
	struct iovec	 iov;
	ssize_t		 n;
	size_t		 want, i, nfds;
	uint8_t		*p;
	int		*fds, kept, stray = 0;

	/*
	 * Move the unconsumed tail to the front before reading more.  What
	 * was consumed may have been a secret: zero the bytes it leaves
	 * behind, and only those (nothing past the old end was ever written;
	 * zeroing the whole buffer would touch pages for nothing, which in
	 * the master costs a copy-on-write fault after every fork).
	 */
	if (c->roff > 0) {
		size_t	 old = c->rlen;

		memmove(c->rbuf, c->rbuf + c->roff, c->rlen - c->roff);
		c->rlen -= c->roff;
		c->roff = 0;
		explicit_bzero(c->rbuf + c->rlen, old - c->rlen);
	}
	want = CHAN_RBUF_MIN;
	if (c->rlen >= MSG_HDRSZ) {
		struct msg_hdr	 h;

		memcpy(&h, c->rbuf, sizeof(h));
		if (h.len <= MSG_MAXPAYLOAD && MSG_HDRSZ + h.len > want)
			want = MSG_HDRSZ + h.len;
	}
	if (c->rsize < want) {
		/*
		 * Not realloc(): frames may carry secrets (vaultd's), and
		 * the old buffer must be zeroed, not left in the heap.
		 */
		if ((p = malloc(want)) == NULL) {
			log_warn("%s: read buffer", c->name);
			return -1;
		}
		if (c->rlen > 0)
			memcpy(p, c->rbuf, c->rlen);
		if (c->rbuf != NULL)
			freezero(c->rbuf, c->rlen);
		c->rbuf = p;
		c->rsize = want;
	}
	if (c->rlen == c->rsize)
		return 1;	/* a full frame is waiting for chan_get */

	memset(&mh, 0, sizeof(mh));
	iov.iov_base = c->rbuf + c->rlen;
	iov.iov_len = c->rsize - c->rlen;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = &cmsgbuf.buf;
	mh.msg_controllen = sizeof(cmsgbuf.buf);
	do {
		n = recvmsg(c->fd, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	} while (n == -1 && errno == EINTR);
	if (n == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 1;
		if (errno != ECONNRESET)
			log_warn("%s: recvmsg", c->name);
		return -1;
	}
	for (cm = CMSG_FIRSTHDR(&mh); cm != NULL; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET ||
		    cm->cmsg_type != SCM_RIGHTS)
			continue;
		nfds = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		fds = (int *)CMSG_DATA(cm);
		for (i = 0, kept = 0; i < nfds; i++) {
			int	 fd;

			memcpy(&fd, &fds[i], sizeof(fd));
			if (!c->accept_fds) {
				close(fd);
				stray = 1;
			} else if (!kept) {
				chan_fdq_push(c, fd);
				kept = 1;
			} else
				close(fd);
		}
	}
	if (stray) {
		/* Not counted in rlen: zero it here, it may carry a key. */
		if (n > 0)
			explicit_bzero(c->rbuf + c->rlen, n);
		c->bad = 1;
		log_warnx("%s: sent a descriptor it may not send", c->name);
		return -1;
	}
	if (n == 0)
		return 0;
	c->rlen += n;
	return 1;
}

/* True when a whole frame is already buffered: no need to wait for more. */
int
chan_ready(const struct chan *c)
{
	struct msg_hdr	 h;
	size_t		 avail = c->rlen - c->roff;

	if (avail < MSG_HDRSZ)
		return 0;
	memcpy(&h, c->rbuf + c->roff, sizeof(h));
	return h.len > MSG_MAXPAYLOAD || avail >= MSG_HDRSZ + h.len;
}

/* True when the peer left part of a frame behind: it closed mid-frame. */
int
chan_partial(const struct chan *c)
{
	return c->rlen > c->roff;
}

/*
 * Take one complete frame.  Returns 1 with m filled in, 0 when more bytes
 * are needed, -1 (logged) for a bad frame: unknown flags, a type this
 * receiver does not take from this sender, a length out of bounds for its
 * type, a test-only type outside test mode, or a descriptor that was
 * announced and did not come or did not belong to the type.
 */
int
chan_get(struct chan *c, struct msg *m)
{
	const struct msg_accept	*acc = NULL;
	struct msg_hdr	 h;
	size_t		 avail = c->rlen - c->roff;

	memset(m, 0, sizeof(*m));
	m->fd = -1;
	if (avail < MSG_HDRSZ)
		return 0;
	memcpy(&h, c->rbuf + c->roff, sizeof(h));
	if (h.len > MSG_MAXPAYLOAD) {
		log_warnx("%s: frame of %u bytes is over the limit",
		    c->name, h.len);
		return -1;
	}
	if ((h.flags & ~(MSGF_HASFD | MSGF_REPLY)) != 0) {
		log_warnx("%s: frame with unknown flags 0x%x", c->name,
		    h.flags);
		return -1;
	}
	if (c->accept != NULL && (acc = chan_accepts(c, h.type)) == NULL) {
		log_warnx("%s: bad frame: %s (type %u) is not taken from %s",
		    c->name, msgtype_name(h.type), h.type,
		    proc_name(c->from));
		return -1;
	}
	if (msgtype_check(h.type, h.len) == -1) {
		log_warnx("%s: bad frame: type %u, %u bytes (%s)", c->name,
		    h.type, h.len, msgtype_name(h.type));
		return -1;
	}
	if (msgtype_test(h.type) && !msg_testmode) {
		log_warnx("%s: bad frame: %s is for tests only", c->name,
		    msgtype_name(h.type));
		return -1;
	}
	if (acc != NULL && acc->nfds != ((h.flags & MSGF_HASFD) ? 1 : 0)) {
		log_warnx("%s: bad frame: %s with %d descriptors, not %d",
		    c->name, msgtype_name(h.type),
		    (h.flags & MSGF_HASFD) ? 1 : 0, acc->nfds);
		return -1;
	}
	if (avail < MSG_HDRSZ + h.len)
		return 0;
	if (h.flags & MSGF_HASFD) {
		/* The fd travels with the frame's first byte: it is here. */
		if (!c->accept_fds || (m->fd = chan_fdq_pop(c)) == -1) {
			log_warnx("%s: %s: announced descriptor missing",
			    c->name, msgtype_name(h.type));
			return -1;
		}
	}
	m->hdr = h;
	m->data = c->rbuf + c->roff + MSG_HDRSZ;
	m->len = h.len;
	c->roff += MSG_HDRSZ + h.len;
	return 1;
}

int
chan_compose(struct chan *c, uint16_t type, uint32_t peerid, int fd,
    const void *data, size_t len)
{
	struct iovec	 iov;

	iov.iov_base = (void *)data;
	iov.iov_len = len;
	return chan_composev(c, type, peerid, fd, &iov, len > 0 ? 1 : 0);
}

/*
 * Queue one frame.  The channel takes ownership of fd (when not -1): it is
 * closed once sent, or when the channel is cleared.  Returns -1 when the
 * frame would be malformed; fd is closed then too.
 */
int
chan_composev(struct chan *c, uint16_t type, uint32_t peerid, int fd,
    const struct iovec *iov, int iovcnt)
{
	return chan_frame(c, type, 0, 0, peerid, fd, iov, iovcnt);
}

static int
chan_frame(struct chan *c, uint16_t type, uint16_t flags, uint32_t reqid,
    uint32_t peerid, int fd, const struct iovec *iov, int iovcnt)
{
	struct chan_out	*o;
	struct msg_hdr	 h;
	size_t		 len = 0, off;
	int		 i;

	for (i = 0; i < iovcnt; i++)
		len += iov[i].iov_len;
	if (len > MSG_MAXPAYLOAD || msgtype_check(type, len) == -1) {
		log_warnx("%s: refusing to send %s of %zu bytes", c->name,
		    msgtype_name(type), len);
		if (fd != -1)
			close(fd);
		return -1;
	}
	if ((o = malloc(sizeof(*o) + MSG_HDRSZ + len)) == NULL) {
		log_warn("%s: compose", c->name);
		if (fd != -1)
			close(fd);
		return -1;
	}
	memset(&h, 0, sizeof(h));
	h.type = type;
	h.flags = flags | (fd != -1 ? MSGF_HASFD : 0);
	h.len = len;
	h.reqid = reqid;
	h.peerid = peerid;
	h.pid = c->pid;
	memcpy(o->buf, &h, sizeof(h));
	for (i = 0, off = MSG_HDRSZ; i < iovcnt; i++) {
		if (iov[i].iov_len > 0)
			memcpy(o->buf + off, iov[i].iov_base, iov[i].iov_len);
		off += iov[i].iov_len;
	}
	o->len = MSG_HDRSZ + len;
	o->off = 0;
	o->fd = fd;
	TAILQ_INSERT_TAIL(&c->outq, o, entry);
	c->outbytes += o->len;
	return 0;
}

int
chan_pending(const struct chan *c)
{
	return c->outbytes > 0;
}

/*
 * Write queued frames.  Returns 1 when everything is written, 0 when the
 * socket is full (poll for POLLOUT), -1 on error.  Frames queued together
 * go in one sendmsg(2), so that a worker's audit record and the call after
 * it wake control once.  A frame's descriptor is sent with its first byte,
 * so it always arrives before the frame is whole: a frame carrying one
 * starts a write, and never joins one.
 */
int
chan_flush(struct chan *c)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	} cmsgbuf;
	struct chan_out	*o;
	struct msghdr	 mh;
	struct cmsghdr	*cm;
	struct iovec	 iov[CHAN_FLUSH_IOV];
	ssize_t		 n;
	size_t		 k;
	int		 fd;

	while ((o = TAILQ_FIRST(&c->outq)) != NULL) {
		memset(&mh, 0, sizeof(mh));
		fd = o->off == 0 ? o->fd : -1;
		for (k = 0; o != NULL && k < CHAN_FLUSH_IOV; k++) {
			if (k > 0 && o->fd != -1)
				break;
			iov[k].iov_base = o->buf + o->off;
			iov[k].iov_len = o->len - o->off;
			o = TAILQ_NEXT(o, entry);
		}
		mh.msg_iov = iov;
		mh.msg_iovlen = k;
		if (fd != -1) {
			memset(&cmsgbuf, 0, sizeof(cmsgbuf));
			mh.msg_control = &cmsgbuf.buf;
			mh.msg_controllen = sizeof(cmsgbuf.buf);
			cm = CMSG_FIRSTHDR(&mh);
			cm->cmsg_len = CMSG_LEN(sizeof(int));
			cm->cmsg_level = SOL_SOCKET;
			cm->cmsg_type = SCM_RIGHTS;
			memcpy(CMSG_DATA(cm), &fd, sizeof(int));
		}
		do {
			n = sendmsg(c->fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
		} while (n == -1 && errno == EINTR);
		if (n == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			if (errno != EPIPE && errno != ECONNRESET)
				log_warn("%s: sendmsg", c->name);
			return -1;
		}
		if (fd != -1) {
			/* Sent with the first byte. */
			TAILQ_FIRST(&c->outq)->fd = -1;
			close(fd);
		}
		c->outbytes -= n;
		while ((o = TAILQ_FIRST(&c->outq)) != NULL && n > 0) {
			if ((size_t)n < o->len - o->off) {
				o->off += n;
				break;
			}
			n -= o->len - o->off;
			TAILQ_REMOVE(&c->outq, o, entry);
			freezero(o, sizeof(*o) + o->len);
		}
	}
	return 1;
}

void
msg_deadline(struct timespec *deadline, int timeout_ms)
{
	clock_gettime(CLOCK_MONOTONIC, deadline);
	deadline->tv_sec += timeout_ms / 1000;
	deadline->tv_nsec += (timeout_ms % 1000) * 1000000L;
	if (deadline->tv_nsec >= 1000000000L) {
		deadline->tv_sec++;
		deadline->tv_nsec -= 1000000000L;
	}
}

/* Milliseconds left until deadline, for poll(); 0 once it passed. */
int
msg_deadline_ms(const struct timespec *deadline)
{
	struct timespec	 now;
	long long	 ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	/* Rounded up: a deadline 0.9 ms away is not poll(0) in a spin. */
	ms = (deadline->tv_sec - now.tv_sec) * 1000LL +
	    (deadline->tv_nsec - now.tv_nsec + 999999LL) / 1000000LL;
	if (ms < 0)
		return 0;
	return ms > 0x7fffffff ? 0x7fffffff : (int)ms;
}

/* Blocking flush for small processes that make synchronous calls. */
int
chan_flush_wait(struct chan *c, int timeout_ms)
{
	struct timespec	 deadline;
	struct pollfd	 pfd;
	int		 r;

	msg_deadline(&deadline, timeout_ms);
	while ((r = chan_flush(c)) == 0) {
		pfd.fd = c->fd;
		pfd.events = POLLOUT;
		if ((r = poll(&pfd, 1, msg_deadline_ms(&deadline))) == 0) {
			log_warnx("%s: write timed out", c->name);
			return -1;
		}
		if (r == -1 && errno != EINTR) {
			log_warn("%s: poll", c->name);
			return -1;
		}
	}
	return r;
}

/*
 * Wait for one frame.  Returns 1 with m filled in, 0 on timeout or end of
 * file (logged), -1 on a malformed frame or error.
 */
int
chan_wait(struct chan *c, struct msg *m, int timeout_ms)
{
	struct timespec	 deadline;
	struct pollfd	 pfd;
	int		 r;

	msg_deadline(&deadline, timeout_ms);
	for (;;) {
		if ((r = chan_get(c, m)) != 0)
			return r;
		pfd.fd = c->fd;
		pfd.events = POLLIN;
		r = poll(&pfd, 1, msg_deadline_ms(&deadline));
		if (r == 0) {
			log_warnx("%s: no answer in time", c->name);
			return 0;
		}
		if (r == -1) {
			if (errno == EINTR)
				continue;
			log_warn("%s: poll", c->name);
			return -1;
		}
		if ((r = chan_read(c)) == 0) {
			log_warnx("%s: closed%s", c->name,
			    chan_partial(c) ? " mid-frame" : "");
			return 0;
		}
		if (r == -1)
			return -1;
	}
}

int
msg_past(const struct timespec *ts)
{
	struct timespec	 now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > ts->tv_sec ||
	    (now.tv_sec == ts->tv_sec && now.tv_nsec >= ts->tv_nsec);
}

/*
 * Send a request and have cb called with its answer later, from the
 * receiver's loop (chan_answer), or with NULL once timeout_ms has passed
 * (chan_expire).  The caller never blocks on the peer.
 */
int
chan_call(struct chan *c, uint16_t type, uint32_t peerid, const void *data,
    size_t len, int timeout_ms, chan_call_cb *cb, void *arg)
{
	struct chan_call	*cc;
	struct iovec		 iov;

	if ((cc = calloc(1, sizeof(*cc))) == NULL) {
		log_warn("%s: call", c->name);
		return -1;
	}
	/* 0 is never an id: a frame with reqid 0 is not an answer. */
	if (++c->lastid == 0)
		c->lastid = 1;
	iov.iov_base = (void *)data;
	iov.iov_len = len;
	if (chan_frame(c, type, 0, c->lastid, peerid, -1, &iov,
	    len > 0 ? 1 : 0) == -1) {
		free(cc);
		return -1;
	}
	cc->reqid = c->lastid;
	cc->type = type;
	msg_deadline(&cc->deadline, timeout_ms);
	cc->cb = cb;
	cc->arg = arg;
	TAILQ_INSERT_TAIL(&c->calls, cc, entry);
	return 0;
}

/*
 * A request whose answer the caller waits for itself (chan_wait), for a
 * small client with no loop: the answer carries reqid.
 */
int
chan_request(struct chan *c, uint16_t type, uint32_t reqid,
    const struct iovec *iov, int iovcnt)
{
	return chan_frame(c, type, 0, reqid, 0, -1, iov, iovcnt);
}

/* The answer to the call reqid: the same id, marked as a reply. */
int
chan_reply(struct chan *c, uint32_t reqid, uint16_t type, const void *data,
    size_t len)
{
	struct iovec	 iov;

	iov.iov_base = (void *)data;
	iov.iov_len = len;
	return chan_replyv(c, reqid, type, &iov, len > 0 ? 1 : 0);
}

int
chan_replyv(struct chan *c, uint32_t reqid, uint16_t type,
    const struct iovec *iov, int iovcnt)
{
	return chan_frame(c, type, MSGF_REPLY, reqid, 0, -1, iov, iovcnt);
}

/*
 * m is marked as a reply: hand it to the call that waits for it.  Ids only
 * grow, so an id at or below the last one issued that nothing waits for
 * any more is a late (or repeated) answer: dropped and logged.  Returns
 * -1 for an answer to an id never issued, and for any answer on a
 * channel we never called: a bad frame.  No process calls a worker or a
 * vault.sock client, so an answer from one is never late, only forged,
 * and taking it for late would let one worker fill the log.
 */
int
chan_answer(struct chan *c, struct msg *m)
{
	struct chan_call	*cc;

	if (c->from == PROC_WORKER || c->from == PROC_CLI || c->lastid == 0) {
		log_warnx("%s: bad frame: %s answers request %u, but %s",
		    c->name, msgtype_name(m->hdr.type), m->hdr.reqid,
		    c->from == PROC_WORKER ? "no process calls a worker" :
		    c->from == PROC_CLI ? "vaultd calls no vault.sock client" :
		    "nothing was asked on this channel");
		return -1;
	}
	TAILQ_FOREACH(cc, &c->calls, entry) {
		if (cc->reqid != m->hdr.reqid)
			continue;
		TAILQ_REMOVE(&c->calls, cc, entry);
		cc->cb(c, m, cc->arg);
		free(cc);
		return 0;
	}
	if (m->hdr.reqid != 0 &&
	    (uint32_t)(c->lastid - m->hdr.reqid) < 0x80000000U) {
		log_warnx("%s: late answer %s to request %u, which no longer "
		    "waits; dropped", c->name, msgtype_name(m->hdr.type),
		    m->hdr.reqid);
		return 0;
	}
	log_warnx("%s: bad frame: %s answers request %u, which was never "
	    "made", c->name, msgtype_name(m->hdr.type), m->hdr.reqid);
	return -1;
}

/*
 * The calls are taken off the channel before any callback runs: a
 * callback may close this very channel, or make another call.
 */
static void
chan_fail_calls(struct chan *c, struct chan_calls *calls)
{
	struct chan_calls	 failed;
	struct chan_call	*cc;

	TAILQ_INIT(&failed);
	TAILQ_CONCAT(&failed, calls, entry);
	while ((cc = TAILQ_FIRST(&failed)) != NULL) {
		TAILQ_REMOVE(&failed, cc, entry);
		cc->cb(c, NULL, cc->arg);
		free(cc);
	}
}

/*
 * Fail every call whose deadline is before now: its callback gets NULL.
 * Returns how many expired.
 */
int
chan_expire(struct chan *c, const struct timespec *now)
{
	struct chan_calls	 expired;
	struct chan_call	*cc, *next;
	int			 n = 0;

	TAILQ_INIT(&expired);
	for (cc = TAILQ_FIRST(&c->calls); cc != NULL; cc = next) {
		next = TAILQ_NEXT(cc, entry);
		if (cc->deadline.tv_sec > now->tv_sec ||
		    (cc->deadline.tv_sec == now->tv_sec &&
		    cc->deadline.tv_nsec > now->tv_nsec))
			continue;
		TAILQ_REMOVE(&c->calls, cc, entry);
		TAILQ_INSERT_TAIL(&expired, cc, entry);
		log_warnx("%s: no answer to %s (request %u) in time",
		    c->name, msgtype_name(cc->type), cc->reqid);
		n++;
	}
	chan_fail_calls(c, &expired);
	return n;
}

/* The earliest deadline of the channel's calls; 0 when it has none. */
int
chan_next_deadline(const struct chan *c, struct timespec *ts)
{
	const struct chan_call	*cc;
	int			 have = 0;

	TAILQ_FOREACH(cc, &c->calls, entry) {
		if (!have || cc->deadline.tv_sec < ts->tv_sec ||
		    (cc->deadline.tv_sec == ts->tv_sec &&
		    cc->deadline.tv_nsec < ts->tv_nsec)) {
			*ts = cc->deadline;
			have = 1;
		}
	}
	return have;
}

void
msg_reader_init(struct msg_reader *r, const struct msg *m)
{
	r->p = m->data;
	r->left = m->len;
	r->bad = 0;
}

int
msg_get_data(struct msg_reader *r, void *buf, size_t len)
{
	if (r->bad || r->left < len) {
		r->bad = 1;
		return -1;
	}
	if (len > 0)
		memcpy(buf, r->p, len);
	r->p += len;
	r->left -= len;
	return 0;
}

int
msg_get_u32(struct msg_reader *r, uint32_t *v)
{
	return msg_get_data(r, v, sizeof(*v));
}

int
msg_get_i32(struct msg_reader *r, int32_t *v)
{
	return msg_get_data(r, v, sizeof(*v));
}

int
msg_get_u64(struct msg_reader *r, uint64_t *v)
{
	return msg_get_data(r, v, sizeof(*v));
}

/*
 * A string in a field of exactly size bytes, NUL-padded: a field with no
 * NUL fails the frame, so buf always ends up a C string.
 */
int
msg_get_str(struct msg_reader *r, char *buf, size_t size)
{
	if (size == 0 || msg_get_data(r, buf, size) == -1)
		return -1;
	if (memchr(buf, '\0', size) == NULL) {
		buf[size - 1] = '\0';
		r->bad = 1;
		return -1;
	}
	return 0;
}

/* Whatever is left, for a variable tail; the reader is then at its end. */
const uint8_t *
msg_get_rest(struct msg_reader *r, size_t *len)
{
	const uint8_t	*p = r->p;

	*len = r->bad ? 0 : r->left;
	r->p += *len;
	r->left -= *len;
	return p;
}

/* 0 when every read succeeded and nothing is left over. */
int
msg_get_end(struct msg_reader *r)
{
	if (r->bad || r->left != 0) {
		r->bad = 1;
		return -1;
	}
	return 0;
}

void
msg_builder_init(struct msg_builder *b)
{
	memset(b, 0, sizeof(*b));
}

/* Not realloc(): the old buffer may hold a key and is zeroed instead. */
static int
msg_builder_grow(struct msg_builder *b, size_t more)
{
	uint8_t	*p;
	size_t	 want;

	if (b->bad || more > MSG_MAXPAYLOAD - b->len) {
		b->bad = 1;
		return -1;
	}
	if (b->len + more <= b->size)
		return 0;
	want = b->size == 0 ? 256 : b->size;
	while (want < b->len + more)
		want *= 2;
	if ((p = malloc(want)) == NULL) {
		b->bad = 1;
		return -1;
	}
	if (b->len > 0)
		memcpy(p, b->buf, b->len);
	if (b->buf != NULL)
		freezero(b->buf, b->size);
	b->buf = p;
	b->size = want;
	return 0;
}

int
msg_put_data(struct msg_builder *b, const void *data, size_t len)
{
	if (msg_builder_grow(b, len) == -1)
		return -1;
	if (len > 0)
		memcpy(b->buf + b->len, data, len);
	b->len += len;
	return 0;
}

int
msg_put_u32(struct msg_builder *b, uint32_t v)
{
	return msg_put_data(b, &v, sizeof(v));
}

int
msg_put_i32(struct msg_builder *b, int32_t v)
{
	return msg_put_data(b, &v, sizeof(v));
}

int
msg_put_u64(struct msg_builder *b, uint64_t v)
{
	return msg_put_data(b, &v, sizeof(v));
}

/* s in a field of exactly size bytes, NUL-padded; too long fails. */
int
msg_put_str(struct msg_builder *b, const char *s, size_t size)
{
	size_t	 len = strlen(s);

	if (len >= size || msg_builder_grow(b, size) == -1) {
		b->bad = 1;
		return -1;
	}
	memcpy(b->buf + b->len, s, len);
	memset(b->buf + b->len + len, 0, size - len);
	b->len += size;
	return 0;
}

void
msg_builder_free(struct msg_builder *b)
{
	if (b->buf != NULL)
		freezero(b->buf, b->size);
	memset(b, 0, sizeof(*b));
}
