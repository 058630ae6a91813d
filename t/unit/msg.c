/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* msg.c: unit tests of the framed message channel (lib/msg.c). */

#include <sys/types.h>
#include <sys/socket.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "msg.h"
#include "msgtypes.h"
#include "tap.h"

static int
count_fds(void)
{
	DIR		*d;
	struct dirent	*de;
	int		 n = 0;

	if ((d = opendir("/proc/self/fd")) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;	/* the directory's own fd */
}

static void
pair(int sp[2])
{
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp) == -1)
		abort();
}

/* Pump a until flushed while b reads; return b's next message. */
static int
pump(struct chan *a, struct chan *b, struct msg *m)
{
	int	 r, i;

	for (i = 0; i < 100000; i++) {
		if ((r = chan_get(b, m)) != 0)
			return r;
		if (chan_pending(a) && chan_flush(a) == -1)
			return -2;
		if ((r = chan_read(b)) <= 0)
			return r == 0 ? -3 : -4;
	}
	return -5;
}

static void
test_roundtrips(void)
{
	struct chan	 a, b;
	struct msg	 m;
	uint8_t		*buf;
	size_t		 sizes[] = { 0, 1, 2, 15, 16, 17, 255, 4079, 4080, 4081,
	    4096, 8191, 65535, MSG_MAXPAYLOAD };
	size_t		 i, j;
	int		 sp[2], bad = 0;

	pair(sp);
	chan_init(&a, sp[0], 0, "a");
	chan_init(&b, sp[1], 0, "b");
	if ((buf = malloc(MSG_MAXPAYLOAD)) == NULL)
		abort();
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		for (j = 0; j < sizes[i]; j++)
			buf[j] = (uint8_t)(j * 7 + i);
		if (chan_compose(&a, MSG_TEST_ECHO, (uint32_t)i, -1, buf,
		    sizes[i]) == -1 || pump(&a, &b, &m) != 1 ||
		    m.hdr.type != MSG_TEST_ECHO || m.len != sizes[i] ||
		    m.hdr.peerid != i || m.hdr.pid != (uint32_t)getpid() ||
		    m.fd != -1 || (sizes[i] > 0 &&
		    memcmp(m.data, buf, sizes[i]) != 0)) {
			diag("size %zu failed", sizes[i]);
			bad++;
		}
	}
	is(bad, 0, "round trips of %zu sizes up to the maximum",
	    sizeof(sizes) / sizeof(sizes[0]));

	/* Many small frames queued at once arrive in order. */
	for (i = 0; i < 500; i++) {
		uint32_t	 v = i;

		chan_compose(&a, MSG_TEST_ECHO, 0, -1, &v, sizeof(v));
	}
	for (i = 0, bad = 0; i < 500; i++) {
		uint32_t	 v;

		if (pump(&a, &b, &m) != 1 || m.len != sizeof(v)) {
			bad++;
			break;
		}
		memcpy(&v, m.data, sizeof(v));
		if (v != i)
			bad++;
	}
	is(bad, 0, "500 queued frames arrive whole and in order");
	ok(chan_compose(&a, MSG_TEST_ECHO, 0, -1, buf, MSG_MAXPAYLOAD + 1) ==
	    -1, "compose refuses a payload over the maximum");
	ok(chan_compose(&a, MSG_PING, 0, -1, buf, 3) == -1,
	    "compose refuses a fixed-size type with the wrong length");
	free(buf);
	chan_clear(&a);
	chan_clear(&b);
}

/*
 * Frames queued together go out in one write (chan_flush gathers them),
 * except that a frame with a descriptor starts a write of its own: each
 * descriptor still arrives with its own frame, also when big frames fill
 * the socket and writes end part way through a frame.
 */
static void
test_gather(void)
{
	struct chan	 a, b;
	struct msg	 m;
	uint8_t		*buf;
	uint32_t	 v;
	size_t		 i, len;
	int		 sp[2], p[2], before, bad = 0, fd;

	pair(sp);
	chan_init(&a, sp[0], 0, "a");
	chan_init(&b, sp[1], 1, "b");
	if ((buf = malloc(MSG_MAXPAYLOAD)) == NULL)
		abort();
	before = count_fds();
	for (i = 0; i < 40; i++) {
		len = i % 3 == 0 ? 60000 : sizeof(v);
		memset(buf, (int)i, len);
		v = i;
		memcpy(buf, &v, sizeof(v));
		fd = -1;
		if (i % 7 == 3) {
			if (pipe(p) == -1)
				abort();
			close(p[0]);
			fd = p[1];
		}
		if (chan_compose(&a, MSG_TEST_ECHO, 0, fd, buf, len) == -1)
			abort();
	}
	for (i = 0; i < 40; i++) {
		len = i % 3 == 0 ? 60000 : sizeof(v);
		if (pump(&a, &b, &m) != 1 || m.len != len) {
			bad++;
			break;
		}
		memcpy(&v, m.data, sizeof(v));
		if (v != i || (len > sizeof(v) && m.data[len - 1] != (uint8_t)i))
			bad++;
		if ((m.fd != -1) != (i % 7 == 3))
			bad++;
		if (m.fd != -1)
			close(m.fd);
	}
	is(bad, 0, "40 queued frames, big ones and ones with descriptors, "
	    "arrive whole, in order, each descriptor with its frame");
	ok(!chan_pending(&a), "and nothing is left queued");
	is(count_fds(), before, "every descriptor passed and closed once");
	free(buf);
	chan_clear(&a);
	chan_clear(&b);
}

static void
test_split(void)
{
	struct chan	 b;
	struct msg	 m;
	struct msg_hdr	 h;
	uint8_t		 frame[sizeof(h) + 40];
	size_t		 i;
	int		 sp[2], early = 0, r = 0;

	pair(sp);
	chan_init(&b, sp[1], 0, "b");
	memset(&h, 0, sizeof(h));
	h.type = MSG_TEST_ECHO;
	h.len = 40;
	memcpy(frame, &h, sizeof(h));
	memset(frame + sizeof(h), 'x', 40);
	for (i = 0; i < sizeof(frame); i++) {
		if (write(sp[0], frame + i, 1) != 1)
			abort();
		chan_read(&b);
		r = chan_get(&b, &m);
		if (i + 1 < sizeof(frame) && r != 0)
			early++;
	}
	is(early, 0, "a frame split into 56 reads is not returned early");
	ok(r == 1 && m.len == 40 && m.data[39] == 'x',
	    "and is whole once the last byte arrives");
	close(sp[0]);
	chan_clear(&b);
}

static void
test_bad_frames(void)
{
	struct chan	 b;
	struct msg	 m;
	struct msg_hdr	 h;
	int		 sp[2];

	/* A header claiming more than the maximum. */
	pair(sp);
	chan_init(&b, sp[1], 0, "b");
	memset(&h, 0, sizeof(h));
	h.type = MSG_TEST_ECHO;
	h.len = MSG_MAXPAYLOAD + 1;
	if (write(sp[0], &h, sizeof(h)) != sizeof(h))
		abort();
	chan_read(&b);
	is(chan_get(&b, &m), -1, "oversized frame is refused from its header");
	chan_clear(&b);
	close(sp[0]);

	/* Unknown type; wrong size for a fixed type; unknown flags. */
	pair(sp);
	chan_init(&b, sp[1], 0, "b");
	h.type = MSG_TYPE_MAX + 3;
	h.len = 0;
	if (write(sp[0], &h, sizeof(h)) != sizeof(h))
		abort();
	chan_read(&b);
	is(chan_get(&b, &m), -1, "unknown type is refused");
	chan_clear(&b);
	close(sp[0]);

	pair(sp);
	chan_init(&b, sp[1], 0, "b");
	h.type = MSG_PING;
	h.len = 3;
	if (write(sp[0], &h, sizeof(h)) != sizeof(h) ||
	    write(sp[0], "abc", 3) != 3)
		abort();
	chan_read(&b);
	is(chan_get(&b, &m), -1, "fixed-size type with a wrong length is "
	    "refused");
	chan_clear(&b);
	close(sp[0]);

	pair(sp);
	chan_init(&b, sp[1], 0, "b");
	h.type = MSG_TEST_ECHO;
	h.len = 0;
	h.flags = 0x8000;
	if (write(sp[0], &h, sizeof(h)) != sizeof(h))
		abort();
	chan_read(&b);
	is(chan_get(&b, &m), -1, "unknown flags are refused");
	chan_clear(&b);
	close(sp[0]);

	/* A descriptor announced but never sent. */
	pair(sp);
	chan_init(&b, sp[1], 1, "b");
	h.flags = MSGF_HASFD;
	if (write(sp[0], &h, sizeof(h)) != sizeof(h))
		abort();
	chan_read(&b);
	is(chan_get(&b, &m), -1, "an announced descriptor that did not come "
	    "is refused");
	chan_clear(&b);
	close(sp[0]);

	/* Truncated: the peer closes mid-frame. */
	pair(sp);
	chan_init(&b, sp[1], 0, "b");
	h.flags = 0;
	h.len = 100;
	if (write(sp[0], &h, sizeof(h)) != sizeof(h) ||
	    write(sp[0], "0123456789", 10) != 10)
		abort();
	close(sp[0]);
	chan_read(&b);
	is(chan_get(&b, &m), 0, "a truncated frame is not returned");
	is(chan_read(&b), 0, "the close is seen as end of file");
	ok(chan_partial(&b), "and as a close mid-frame");
	chan_clear(&b);
}

static void
test_garbage(void)
{
	struct chan	 b;
	struct msg	 m;
	uint8_t		 junk[512];
	int		 sp[2], iter, i, r, bad = 0, refused = 0;

	srandom(42);
	for (iter = 0; iter < 2000; iter++) {
		size_t	 n = 1 + random() % sizeof(junk);
		size_t	 k;

		pair(sp);
		chan_init(&b, sp[1], 0, "b");
		for (k = 0; k < n; k++)
			junk[k] = random();
		if (iter % 2 == 0 && n >= 2) {
			/* Plausible types and lengths reach deeper. */
			junk[0] = 1 + random() % (MSG_TYPE_MAX - 1);
			junk[1] = 0;
		}
		if (write(sp[0], junk, n) != (ssize_t)n)
			abort();
		close(sp[0]);
		for (i = 0; i < 1000; i++) {
			if ((r = chan_read(&b)) <= 0)
				break;
			while ((r = chan_get(&b, &m)) == 1)
				if (m.len > MSG_MAXPAYLOAD)
					bad++;
			if (r == -1) {
				refused++;
				break;
			}
		}
		chan_clear(&b);
	}
	is(bad, 0, "2000 garbage streams: no frame over the limit returned");
	ok(refused > 1000, "and most are refused as malformed (%d)", refused);
}

/* Send a frame by hand with nfds descriptors attached. */
static void
send_raw_fds(int s, int *fds, int nfds, int flags)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int) * 4)];
	} cmsgbuf;
	struct msg_hdr	 h;
	struct msghdr	 mh;
	struct cmsghdr	*cm;
	struct iovec	 iov;

	memset(&h, 0, sizeof(h));
	h.type = MSG_TEST_ECHO;
	h.flags = flags;
	memset(&mh, 0, sizeof(mh));
	memset(&cmsgbuf, 0, sizeof(cmsgbuf));
	iov.iov_base = &h;
	iov.iov_len = sizeof(h);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = &cmsgbuf.buf;
	mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	memcpy(CMSG_DATA(cm), fds, sizeof(int) * nfds);
	if (sendmsg(s, &mh, 0) == -1)
		abort();
}

static void
test_fds(void)
{
	struct chan	 a, b;
	struct msg	 m;
	char		 c = 0;
	int		 sp[2], p[2], fds[3], before, after, r;

	pair(sp);
	chan_init(&a, sp[0], 0, "a");
	chan_init(&b, sp[1], 1, "b");
	if (pipe(p) == -1)
		abort();
	before = count_fds();
	r = chan_compose(&a, MSG_TEST_ECHO, 0, p[1], "x", 1);
	ok(r == 0 && pump(&a, &b, &m) == 1 && m.fd != -1,
	    "a descriptor passes with its frame");
	ok(write(m.fd, "!", 1) == 1 && read(p[0], &c, 1) == 1 && c == '!',
	    "and is the same pipe");
	close(m.fd);
	after = count_fds();
	is(after, before - 1, "the sender's copy was closed after sending");
	close(p[0]);

	/* Three descriptors on one frame: one kept, two closed. */
	before = count_fds();
	for (r = 0; r < 3; r++)
		if ((fds[r] = open("/dev/null", O_RDONLY)) == -1)
			abort();
	send_raw_fds(sp[0], fds, 3, MSGF_HASFD);
	for (r = 0; r < 3; r++)
		close(fds[r]);
	chan_read(&b);
	r = chan_get(&b, &m);
	ok(r == 1 && m.fd != -1, "a frame with three descriptors keeps one");
	if (m.fd != -1)
		close(m.fd);
	is(count_fds(), before, "and the extra two are closed");
	chan_clear(&a);
	chan_clear(&b);

	/* A receiver that did not opt in closes what arrives, and refuses. */
	pair(sp);
	chan_init(&b, sp[1], 0, "b");
	before = count_fds();
	if ((fds[0] = open("/dev/null", O_RDONLY)) == -1)
		abort();
	send_raw_fds(sp[0], fds, 1, MSGF_HASFD);
	close(fds[0]);
	ok(chan_read(&b) == -1 && b.bad, "a descriptor to a receiver that "
	    "did not opt in is a bad frame");
	is(count_fds(), before, "and closed");
	chan_clear(&b);
	close(sp[0]);
}

static void
test_close_midframe_wait(void)
{
	struct chan	 b;
	struct msg	 m;
	struct msg_hdr	 h;
	int		 sp[2];

	pair(sp);
	chan_init(&b, sp[1], 0, "b");
	memset(&h, 0, sizeof(h));
	h.type = MSG_TEST_ECHO;
	h.len = 10;
	if (write(sp[0], &h, sizeof(h)) != sizeof(h))
		abort();
	close(sp[0]);
	is(chan_wait(&b, &m, 1000), 0, "chan_wait reports a peer gone "
	    "mid-frame");
	chan_clear(&b);

	pair(sp);
	chan_init(&b, sp[1], 0, "b");
	is(chan_wait(&b, &m, 50), 0, "chan_wait times out on silence");
	chan_clear(&b);
	close(sp[0]);
}

/* What a receiver takes: the accept table decides, type by sender. */
static const struct msg_accept test_accept[] = {
	{ MSG_WORKER_BUSY,	PROC_WORKER,	0 },
	{ MSG_TEST_ECHO,	PROC_WORKER,	0 },
	{ MSG_WORKER_NEW,	PROC_MASTER,	1 },
};

/* Send one frame from a to b, which takes it from peer `from`. */
static int
accept_one(unsigned int from, uint16_t type, int fd, const void *data,
    size_t len, struct msg *m)
{
	struct chan	 a, b;
	int		 sp[2], r;

	pair(sp);
	chan_init(&a, sp[0], 0, "a");
	chan_init(&b, sp[1], 0, "b");
	chan_accept(&b, from, test_accept,
	    sizeof(test_accept) / sizeof(test_accept[0]));
	if (chan_compose(&a, type, 0, fd, data, len) == -1) {
		/* One we would never send: write it raw. */
		struct msg_hdr	 h;

		memset(&h, 0, sizeof(h));
		h.type = type;
		h.len = len;
		if (write(sp[0], &h, sizeof(h)) != sizeof(h) ||
		    write(sp[0], data, len) != (ssize_t)len)
			abort();
	}
	r = pump(&a, &b, m);
	if (r == 1 && m->fd != -1)
		close(m->fd);
	r = r == -4 && b.bad ? -1 : r;
	chan_clear(&a);
	chan_clear(&b);
	return r;
}

static void
test_accept_tables(void)
{
	struct msg	 m;
	uint8_t		 big[64];
	int		 fd;

	memset(big, 0, sizeof(big));
	is(accept_one(PROC_WORKER, MSG_WORKER_BUSY, -1, NULL, 0, &m), 1,
	    "a listed type from its sender is taken");
	is(accept_one(PROC_WORKER, MSG_WORKER_BAD, -1, NULL, 0, &m), -1,
	    "a type not in the table is a bad frame");
	is(accept_one(PROC_CONTROL, MSG_WORKER_BUSY, -1, NULL, 0, &m), -1,
	    "a listed type from another sender is a bad frame");
	is(accept_one(PROC_WORKER, MSG_WORKER_BUSY, -1, big, 1, &m), -1,
	    "a fixed type one byte long is a bad frame");
	if ((fd = open("/dev/null", O_RDONLY)) == -1)
		abort();
	is(accept_one(PROC_WORKER, MSG_TEST_ECHO, fd, "x", 1, &m), -1,
	    "a descriptor from a sender whose rows carry none is refused");
	if ((fd = open("/dev/null", O_RDONLY)) == -1)
		abort();
	is(accept_one(PROC_MASTER, MSG_WORKER_NEW, fd, NULL, 0, &m), 1,
	    "a descriptor where the row says one is taken");
	is(accept_one(PROC_MASTER, MSG_WORKER_NEW, -1, NULL, 0, &m), -1,
	    "and its absence is a bad frame");
	msg_testmode = 0;
	is(accept_one(PROC_WORKER, MSG_TEST_ECHO, -1, "x", 1, &m), -1,
	    "a test-only type is refused outside test mode");
	msg_testmode = 1;
	is(accept_one(PROC_WORKER, MSG_TEST_ECHO, -1, "x", 1, &m), 1,
	    "and taken in test mode");
}

static int	answers, expired;

static void
test_call_cb(struct chan *c, struct msg *m, void *arg)
{
	(void)c;
	(void)arg;
	if (m == NULL)
		expired++;
	else
		answers++;
}

static void
test_calls(void)
{
	struct chan	 a, b;
	struct msg	 m, req, reqs[40];
	struct timespec	 later;
	int		 sp[2], i;

	pair(sp);
	chan_init(&a, sp[0], 0, "a");
	chan_init(&b, sp[1], 0, "b");
	answers = expired = 0;
	ok(chan_call(&a, MSG_TEST_ECHO, 0, "1", 1, 60000, test_call_cb,
	    NULL) == 0 && pump(&a, &b, &req) == 1 && req.hdr.reqid != 0,
	    "a call carries a request id");
	chan_reply(&b, req.hdr.reqid, MSG_TEST_ECHO, "r", 1);
	ok(pump(&b, &a, &m) == 1 && (m.hdr.flags & MSGF_REPLY) &&
	    chan_answer(&a, &m) == 0 && answers == 1,
	    "its answer reaches the caller's callback");
	chan_reply(&b, req.hdr.reqid, MSG_TEST_ECHO, "r", 1);
	ok(pump(&b, &a, &m) == 1 && chan_answer(&a, &m) == 0 && answers == 1,
	    "a second answer to the same id is dropped, not delivered");
	chan_reply(&b, 4242, MSG_TEST_ECHO, "r", 1);
	ok(pump(&b, &a, &m) == 1 && chan_answer(&a, &m) == -1,
	    "an answer to an id never issued is a bad frame");
	chan_reply(&b, 0, MSG_TEST_ECHO, "r", 1);
	ok(pump(&b, &a, &m) == 1 && chan_answer(&a, &m) == -1,
	    "and so is an answer to id 0");

	/* A call past its deadline fails; its late answer is dropped. */
	chan_call(&a, MSG_TEST_ECHO, 0, "2", 1, 10, test_call_cb, NULL);
	pump(&a, &b, &req);
	ok(chan_next_deadline(&a, &later), "a call waiting has a deadline");
	later.tv_sec += 1;
	is(chan_expire(&a, &later), 1, "past it, the call expires");
	is(expired, 1, "and the caller hears it failed");
	chan_reply(&b, req.hdr.reqid, MSG_TEST_ECHO, "late", 4);
	ok(pump(&b, &a, &m) == 1 && chan_answer(&a, &m) == 0 &&
	    answers == 1, "a late answer is dropped, not taken or fatal");

	/* Many calls expire at once: every late answer is still only late. */
	for (i = 0; i < 40; i++) {
		chan_call(&a, MSG_TEST_ECHO, 0, "3", 1, 10, test_call_cb, NULL);
		pump(&a, &b, &reqs[i]);
	}
	chan_next_deadline(&a, &later);
	later.tv_sec += 1;
	is(chan_expire(&a, &later), 40, "forty calls expire together");
	chan_reply(&b, reqs[0].hdr.reqid, MSG_TEST_ECHO, "late", 4);
	ok(pump(&b, &a, &m) == 1 && chan_answer(&a, &m) == 0,
	    "and the answer to the first of them is dropped, not fatal");

	/* Closing a channel fails what still waits on it. */
	expired = 0;
	chan_call(&a, MSG_TEST_ECHO, 0, "4", 1, 60000, test_call_cb, NULL);
	chan_clear(&a);
	is(expired, 1, "a call pending on a closed channel hears it failed");
	chan_clear(&b);

	/*
	 * An answer where we never called is forged, whatever its id: on a
	 * channel with no call yet (an id past 2^31 once passed for late),
	 * and from a worker or a vault.sock client, which nobody calls.
	 */
	pair(sp);
	chan_init(&a, sp[0], 0, "a");
	chan_init(&b, sp[1], 0, "b");
	chan_reply(&b, 0x90000000U, MSG_TEST_ECHO, "r", 1);
	ok(pump(&b, &a, &m) == 1 && chan_answer(&a, &m) == -1,
	    "an answer on a channel that made no call is a bad frame");
	answers = 0;
	chan_call(&a, MSG_TEST_ECHO, 0, "5", 1, 60000, test_call_cb, NULL);
	pump(&a, &b, &req);
	a.from = PROC_WORKER;
	chan_reply(&b, req.hdr.reqid, MSG_TEST_ECHO, "r", 1);
	ok(pump(&b, &a, &m) == 1 && chan_answer(&a, &m) == -1 &&
	    answers == 0, "an answer from a worker is a bad frame, even to "
	    "an id we issued");
	a.from = PROC_CLI;
	chan_reply(&b, req.hdr.reqid, MSG_TEST_ECHO, "r", 1);
	ok(pump(&b, &a, &m) == 1 && chan_answer(&a, &m) == -1 &&
	    answers == 0, "and so is one from a vault.sock client");
	chan_clear(&a);
	chan_clear(&b);
}

static void
test_readers(void)
{
	struct msg_builder	 b;
	struct msg_reader	 r;
	struct msg		 m;
	uint32_t		 u;
	uint64_t		 q;
	char			 s[8], d[3];

	msg_builder_init(&b);
	msg_put_u32(&b, 7);
	msg_put_u64(&b, 1ULL << 40);
	msg_put_str(&b, "abc", sizeof(s));
	msg_put_data(&b, "xyz", 3);
	ok(!b.bad && b.len == 4 + 8 + 8 + 3, "a payload is built field by "
	    "field");
	memset(&m, 0, sizeof(m));
	m.data = b.buf;
	m.len = b.len;
	msg_reader_init(&r, &m);
	ok(msg_get_u32(&r, &u) == 0 && u == 7 && msg_get_u64(&r, &q) == 0 &&
	    q == 1ULL << 40 && msg_get_str(&r, s, sizeof(s)) == 0 &&
	    strcmp(s, "abc") == 0 && msg_get_data(&r, d, 3) == 0 &&
	    msg_get_end(&r) == 0, "and read back the same way");
	msg_reader_init(&r, &m);
	msg_get_u32(&r, &u);
	ok(msg_get_end(&r) == -1, "bytes left over fail the frame");
	m.len = 10;
	msg_reader_init(&r, &m);
	msg_get_u32(&r, &u);
	msg_get_u64(&r, &q);
	ok(msg_get_end(&r) == -1, "a short payload fails the frame");
	memset(b.buf + 12, 'A', 8);
	m.len = b.len;
	msg_reader_init(&r, &m);
	msg_get_u32(&r, &u);
	msg_get_u64(&r, &q);
	ok(msg_get_str(&r, s, sizeof(s)) == -1 && s[sizeof(s) - 1] == '\0' &&
	    msg_get_end(&r) == -1, "a string field without its NUL fails");
	ok(msg_put_str(&b, "12345678", 8) == -1 && b.bad,
	    "a string too long for its field is refused when built");
	msg_builder_free(&b);
}

int
main(void)
{
	log_init(1, 0, "test");
	/* The harness's frames are test messages: as with -X. */
	msg_testmode = 1;
	test_accept_tables();
	test_calls();
	test_readers();
	test_roundtrips();
	test_gather();
	test_split();
	test_bad_frames();
	test_garbage();
	test_fds();
	test_close_midframe_wait();
	return done_testing();
}
