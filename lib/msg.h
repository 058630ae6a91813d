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
#include <time.h>

/*
 * Every frame is a fixed header followed by len bytes of payload.  The
 * header is in host byte order: both ends are on this machine.
 */
struct msg_hdr {
	uint16_t	type;
	uint16_t	flags;
	uint32_t	len;		/* payload bytes after the header */
	uint32_t	reqid;		/* a call's id, echoed by its reply */
	uint32_t	peerid;		/* free for the sender: a worker id */
	uint32_t	pid;		/* sender's pid, for logs */
};

#define MSG_HDRSZ		sizeof(struct msg_hdr)
#define MSG_MAXPAYLOAD		(64 * 1024)
#define MSGF_HASFD		0x0001	/* a descriptor travels with this frame */
#define MSGF_REPLY		0x0002	/* the answer to the call hdr.reqid */
#define MSG_MAXFDQ		8	/* received fds waiting for their frame */

struct msg {
	struct msg_hdr	 hdr;
	const uint8_t	*data;		/* valid until the next chan_read/get */
	size_t		 len;
	int		 fd;		/* -1, or a descriptor the caller owns */
};

/*
 * What a receiver accepts: one row per message type and sender, with the
 * number of descriptors that must travel with it.  Sizes are the type's
 * (msgtypes.c).  A frame not in the receiver's table is a bad frame.
 */
struct msg_accept {
	uint16_t	 type;
	uint16_t	 from;		/* enum proc_id */
	int		 nfds;		/* 0 or 1 */
};

/*
 * A payload read field by field.  Every reader checks the bound; the first
 * failure sticks, so a handler reads every field and asks msg_get_end()
 * once, which also fails on bytes left over.
 */
struct msg_reader {
	const uint8_t	*p;
	size_t		 left;
	int		 bad;
};

/* A payload built field by field; zeroed when freed (it may hold keys). */
struct msg_builder {
	uint8_t		*buf;
	size_t		 len;
	size_t		 size;
	int		 bad;
};

struct chan;
struct msg;
typedef void	 chan_call_cb(struct chan *, struct msg *, void *);

/* A call waiting for its answer: msg is NULL when the deadline passed. */
struct chan_call {
	TAILQ_ENTRY(chan_call)	 entry;
	uint32_t		 reqid;
	uint16_t		 type;
	struct timespec		 deadline;
	chan_call_cb		*cb;
	void			*arg;
};
TAILQ_HEAD(chan_calls, chan_call);

struct chan_out;

struct chan {
	int		 fd;
	int		 accept_fds;	/* the sender may pass descriptors */
	const struct msg_accept *accept;	/* NULL: any valid type */
	size_t		 naccept;
	unsigned int	 from;		/* enum proc_id at the far end */
	char		 name[48];	/* "worker 4123", for logs */
	int		 bad;		/* the peer sent what it may not */
	uint32_t	 pid;		/* ours, for the frames' headers */
	uint8_t		*rbuf;
	size_t		 rsize;		/* allocated */
	size_t		 rlen;		/* bytes held */
	size_t		 roff;		/* first byte not yet consumed */
	int		 fdq[MSG_MAXFDQ];
	size_t		 nfdq;
	TAILQ_HEAD(, chan_out) outq;
	size_t		 outbytes;
	struct chan_calls calls;	/* waiting for an answer */
	uint32_t	 lastid;	/* ids only grow: <= it was issued */
};

extern int	 msg_testmode;	/* accept test-only messages (-X) */

void	 chan_init(struct chan *, int fd, int accept_fds, const char *name);
void	 chan_accept(struct chan *, unsigned int from,
	    const struct msg_accept *, size_t);
void	 chan_clear(struct chan *);
int	 chan_read(struct chan *);
int	 chan_get(struct chan *, struct msg *);
int	 chan_partial(const struct chan *);
int	 chan_ready(const struct chan *);
int	 chan_compose(struct chan *, uint16_t type, uint32_t peerid, int fd,
	    const void *data, size_t len);
int	 chan_composev(struct chan *, uint16_t type, uint32_t peerid, int fd,
	    const struct iovec *iov, int iovcnt);
int	 chan_flush(struct chan *);
int	 chan_pending(const struct chan *);
int	 chan_flush_wait(struct chan *, int timeout_ms);
int	 chan_wait(struct chan *, struct msg *, int timeout_ms);
int	 chan_call(struct chan *, uint16_t type, uint32_t peerid,
	    const void *data, size_t len, int timeout_ms, chan_call_cb *,
	    void *);
int	 chan_request(struct chan *, uint16_t type, uint32_t reqid,
	    const struct iovec *, int);
int	 chan_reply(struct chan *, uint32_t reqid, uint16_t type,
	    const void *data, size_t len);
int	 chan_replyv(struct chan *, uint32_t reqid, uint16_t type,
	    const struct iovec *, int);
int	 chan_answer(struct chan *, struct msg *);
int	 chan_expire(struct chan *, const struct timespec *);
int	 chan_next_deadline(const struct chan *, struct timespec *);

void	 msg_reader_init(struct msg_reader *, const struct msg *);
int	 msg_get_u32(struct msg_reader *, uint32_t *);
int	 msg_get_i32(struct msg_reader *, int32_t *);
int	 msg_get_u64(struct msg_reader *, uint64_t *);
int	 msg_get_str(struct msg_reader *, char *, size_t);
int	 msg_get_data(struct msg_reader *, void *, size_t);
const uint8_t *msg_get_rest(struct msg_reader *, size_t *);
int	 msg_get_end(struct msg_reader *);

void	 msg_builder_init(struct msg_builder *);
int	 msg_put_u32(struct msg_builder *, uint32_t);
int	 msg_put_i32(struct msg_builder *, int32_t);
int	 msg_put_u64(struct msg_builder *, uint64_t);
int	 msg_put_str(struct msg_builder *, const char *, size_t);
int	 msg_put_data(struct msg_builder *, const void *, size_t);
void	 msg_builder_free(struct msg_builder *);

void	 msg_deadline(struct timespec *, int timeout_ms);
int	 msg_deadline_ms(const struct timespec *);
int	 msg_past(const struct timespec *);

#endif
