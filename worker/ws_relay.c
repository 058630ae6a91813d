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
 * ws_relay.c: a WebSocket connection after its 101.  The handshake is
 * checked end to end (the upstream's Sec-WebSocket-Accept against the
 * agent's key), then frames go both ways as they come, in bounded
 * memory; upstream data payload, text or binary, is masked like a
 * response body, with the masker's carry-over kept across frames and
 * fragments, and an upstream control payload (a ping's, a close's
 * reason) is masked whole, on its own.  Neither
 * direction waits for the other: a peer that does not read while it
 * writes (an echo server, most servers under load) would otherwise hold
 * the relay in a write to it while it waits for us to read its own.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>

#include "log.h"
#include "connector/match.h"
#include "master/parse.h"
#include "worker/worker.h"
#include "worker/http.h"
#include "worker/mask.h"
#include "worker/proxy.h"
#include "worker/ws.h"

#define WS_GUID		"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define WS_QMAX		256		/* queued segments, one direction */
#define WS_OUT		(PROXY_BUF + 64 * 1024)
/*
 * What one read of PROXY_BUF can owe the other side: itself, what the
 * masker held back (at most WS_OUT) and the raw segments queued behind
 * owed text.  A side reads again only once it owes nothing.
 */
#define WS_OBUF		(PROXY_BUF + WS_OUT + WS_QMAX * 128)

/* A field of a request or response head, or NULL. */
static const char *
ws_field(const struct http_field *f, size_t n, const char *name)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strcasecmp(f[i].name, name) == 0)
			return f[i].value;
	return NULL;
}

/*
 * The upstream's 101 answers the agent's key (RFC 6455 4.2.2), and
 * negotiated no extension (we strip the offer, so none can be checked).
 * The proxy never answers for the upstream: it only compares.
 */
int
ws_accept_check(const struct http_request *req,
    const struct http_response *resp, const char **reason)
{
	unsigned char	 md[SHA_DIGEST_LENGTH];
	char		 want[64], buf[128];
	const char	*key, *acc, *up;

	key = ws_field(req->field, req->nfield, "Sec-WebSocket-Key");
	acc = ws_field(resp->field, resp->nfield, "Sec-WebSocket-Accept");
	up = ws_field(resp->field, resp->nfield, "Upgrade");
	if (key == NULL || strlen(key) != 24) {
		*reason = "the upgrade request has no valid Sec-WebSocket-Key";
		return -1;
	}
	if (up == NULL || strcasecmp(up, "websocket") != 0) {
		*reason = "101 without Upgrade: websocket";
		return -1;
	}
	if (ws_field(resp->field, resp->nfield,
	    "Sec-WebSocket-Extensions") != NULL) {
		*reason = "the upstream negotiated an extension the proxy "
		    "did not offer";
		return -1;
	}
	snprintf(buf, sizeof(buf), "%s%s", key, WS_GUID);
	if (EVP_Digest(buf, strlen(buf), md, NULL, EVP_sha1(), NULL) != 1) {
		*reason = "no SHA-1";
		return -1;
	}
	EVP_EncodeBlock((unsigned char *)want, md, sizeof(md));
	if (acc == NULL || strcmp(acc, want) != 0) {
		*reason = "wrong Sec-WebSocket-Accept";
		return -1;
	}
	return 0;
}

/* Bytes to write after bytes owed by the masker: kept in order. */
struct ws_seg {
	size_t		 len;
	int		 text;		/* owed by the masker, else raw */
	unsigned char	 raw[125];
};

/* One direction of the relay. */
struct ws_side {
	struct io	*from, *to;
	unsigned char	*out;		/* owed to the other side */
	size_t		 olen, ooff;
	short		 want;		/* what a stopped write waits for */
	int		 starved;	/* a read found only part of a record */
	struct timespec	 since;		/* the owed bytes' last progress */
	int		 fromclient;
	struct ws_dir	 dir;
	unsigned char	 hdr[WS_HDR_MAX];
	size_t		 hlen;
	uint64_t	 left;		/* payload bytes of this frame to go */
	int		 ctl, fin;
	unsigned char	 ctlbuf[125];	/* a control payload, read whole */
	size_t		 ctllen;
	struct mask	*mask;		/* upstream to agent only */
	struct ws_seg	 q[WS_QMAX];
	size_t		 qhead, qn;
	unsigned long long frames, bytes;
	int		 closed;	/* sent a close frame */
	int		 failed;
};

/* Owe n bytes to the other side: ws_send writes them. */
static int
ws_write(struct ws_side *s, const void *p, size_t n)
{
	if (n == 0 || s->failed)
		return s->failed ? -1 : 0;
	if (n > WS_OBUF - s->olen) {
		log_warnx("websocket relay: output over its bound");
		s->failed = 1;
		return -1;
	}
	if (s->olen == 0)
		clock_gettime(CLOCK_MONOTONIC, &s->since);
	memcpy(s->out + s->olen, p, n);
	s->olen += n;
	return 0;
}

/*
 * Write what s owes without blocking.  0 when all is written or the
 * socket is full (s->want says for what to poll), -1 on an error.  The
 * bytes stay where they are until written: TLS retries a write with
 * the same buffer.
 */
static int
ws_send(struct ws_side *s)
{
	struct io	*io = s->to;
	ssize_t		 n;
	size_t		 put;
	int		 e;

	while (s->ooff < s->olen) {
		if (io->ssl == NULL) {
			n = send(io->fd, s->out + s->ooff, s->olen - s->ooff,
			    MSG_NOSIGNAL);
			if (n == -1 && errno == EINTR)
				continue;
			if (n == -1 && errno == EAGAIN) {
				s->want = POLLOUT;
				return 0;
			}
			if (n == -1)
				return -1;
			put = n;
		} else {
			ERR_clear_error();
			if (SSL_write_ex(io->ssl, s->out + s->ooff,
			    s->olen - s->ooff, &put) != 1) {
				e = SSL_get_error(io->ssl, 0);
				if (e == SSL_ERROR_WANT_WRITE ||
				    e == SSL_ERROR_WANT_READ) {
					s->want = e == SSL_ERROR_WANT_WRITE ?
					    POLLOUT : POLLIN;
					return 0;
				}
				return -1;
			}
		}
		s->ooff += put;
		io->nwritten += put;
		clock_gettime(CLOCK_MONOTONIC, &s->since);
	}
	/* TLS may write through a buffer (io.c): owed until it is out. */
	if ((e = io_flush_try(io)) != 1) {
		if (e == -1)
			return -1;
		s->want = POLLOUT;
		return 0;
	}
	s->olen = s->ooff = 0;
	s->want = 0;
	return 0;
}

/* Write all that s owes, waiting at most PROXY_IO_MS for progress. */
static int
ws_drain(struct ws_side *s)
{
	while (s->olen > 0 && !s->failed) {
		if (ws_send(s) == -1 || (s->olen > 0 &&
		    io_poll(s->to->fd, s->want, PROXY_IO_MS) != 1))
			s->failed = 1;
	}
	return s->failed ? -1 : 0;
}

/* How long s's owed bytes may still wait for progress, in ms. */
static int
ws_stall_left(const struct ws_side *s)
{
	long long	 ms;

	if (s->olen == 0)
		return -1;
	ms = PROXY_IO_MS - conn_ms(&s->since);
	return ms > 0 ? (int)ms : 0;
}

/* Write what is at the queue's head and raw, until owed text. */
static void
ws_q_drain(struct ws_side *s)
{
	struct ws_seg	*g;

	while (s->qn > 0) {
		g = &s->q[s->qhead];
		if (g->text && g->len > 0)
			return;
		if (!g->text)
			ws_write(s, g->raw, g->len);
		s->qhead = (s->qhead + 1) % WS_QMAX;
		s->qn--;
	}
}

/* The masker released n bytes: they fill what text segments owe. */
static void
ws_q_text(struct ws_side *s, const char *p, size_t n)
{
	struct ws_seg	*g;
	size_t		 take;

	while (n > 0) {
		ws_q_drain(s);
		if (s->qn == 0) {
			/* The masker gives back as many bytes as it took. */
			log_warnx("websocket relay: masker out of step");
			s->failed = 1;
			return;
		}
		g = &s->q[s->qhead];
		take = n < g->len ? n : g->len;
		ws_write(s, p, take);
		g->len -= take;
		p += take;
		n -= take;
	}
	ws_q_drain(s);
}

static void
ws_flush(struct ws_side *s)
{
	static char	 out[WS_OUT];
	size_t		 m;

	m = mask_flush(s->mask, out, sizeof(out));
	ws_q_text(s, out, m);
}

/*
 * Whether the queue behind what the masker holds is full: the message
 * comes in more frames than it has room for before the masker may
 * release.  Releasing then would pass the start of a credential the next
 * frames complete, so the relay fails instead.
 */
static int
ws_q_full(struct ws_side *s)
{
	if (s->qn + 1 < WS_QMAX)
		return 0;
	log_warnx("websocket relay: over %d frames of a message held back "
	    "at once; closing", WS_QMAX / 2 - 1);
	s->failed = 1;
	return 1;
}

/* Raw bytes, straight out when nothing is owed, else after it. */
static void
ws_raw(struct ws_side *s, const unsigned char *p, size_t n)
{
	struct ws_seg	*g;

	ws_q_drain(s);
	if (s->qn == 0) {
		ws_write(s, p, n);
		return;
	}
	/* Only headers and control payloads come here while text is owed. */
	if (n > sizeof(g->raw)) {
		log_warnx("websocket relay: %zu raw bytes behind held text",
		    n);
		s->failed = 1;
		return;
	}
	if (ws_q_full(s))
		return;
	g = &s->q[(s->qhead + s->qn) % WS_QMAX];
	g->text = 0;
	g->len = n;
	memcpy(g->raw, p, n);
	s->qn++;
}

/* Data payload bytes: owed, then given to the masker. */
static void
ws_data(struct ws_side *s, const char *p, size_t n)
{
	static char	 out[WS_OUT];
	struct ws_seg	*g;
	size_t		 m;

	if (ws_q_full(s))
		return;
	g = &s->q[(s->qhead + s->qn) % WS_QMAX];
	g->text = 1;
	g->len = n;
	s->qn++;
	m = mask_feed(s->mask, p, n, out, sizeof(out));
	ws_q_text(s, out, m);
}

/*
 * The end of an upstream frame's payload.  A control payload (at most
 * 125 bytes, never fragmented) is masked whole and apart from the
 * stream, whose carry-over belongs to the message it may interrupt; the
 * end of a message releases what the masker held.
 */
static void
ws_frame_end(struct ws_side *s)
{
	if (s->ctl && s->ctllen > 0) {
		(void)mask_line(s->mask, (char *)s->ctlbuf, s->ctllen);
		ws_raw(s, s->ctlbuf, s->ctllen);
		s->ctllen = 0;
	} else if (!s->ctl && s->fin)
		ws_flush(s);
}

/*
 * Bytes read from one side: frame headers parsed (to count, to follow the
 * close and the messages), everything written on unchanged but for
 * upstream payload, which goes through the masker: same length, so
 * frame lengths stand.  Binary payload too: the credential is as
 * readable in it.  -1 on a malformed frame.
 */
static int
ws_feed(struct ws_side *s, const char *p, size_t n)
{
	struct ws_frame	 f;
	const char	*reason;
	size_t		 take;
	int		 rc;

	while (n > 0 && !s->failed) {
		if (s->left > 0) {
			take = s->left < n ? s->left : n;
			if (s->mask == NULL)
				ws_raw(s, (const unsigned char *)p, take);
			else if (s->ctl) {
				/* ws_frame_parse refuses one over 125. */
				memcpy(s->ctlbuf + s->ctllen, p, take);
				s->ctllen += take;
			} else
				ws_data(s, p, take);
			s->bytes += take;
			s->left -= take;
			p += take;
			n -= take;
			if (s->left == 0 && s->mask != NULL)
				ws_frame_end(s);
			continue;
		}
		s->hdr[s->hlen++] = *p++;
		n--;
		s->bytes++;
		if ((rc = ws_frame_parse(s->hdr, s->hlen, &f, &reason)) == 0)
			continue;
		if (rc == -1 ||
		    ws_frame_check(&s->dir, &f, s->fromclient, &reason) == -1) {
			log_info("websocket frame from the %s refused: %s",
			    s->fromclient ? "agent" : "upstream", reason);
			return -1;
		}
		s->frames++;
		s->ctl = f.opcode >= WS_OP_CLOSE;
		if (!s->ctl)
			s->fin = f.fin;
		if (f.opcode == WS_OP_CLOSE)
			s->closed = 1;
		ws_raw(s, s->hdr, s->hlen);
		s->hlen = 0;
		s->left = f.len;
		if (s->left == 0 && s->mask != NULL)
			ws_frame_end(s);
	}
	return s->failed ? -1 : 0;
}

/*
 * After a 101: frames both ways until a side closes, breaks, or both are
 * idle for pc->idle_ms; then one audit record with the counts.  early
 * is what the agent sent after its upgrade request, pre what the upstream
 * sent after its 101 head.  Memory is bounded: one read buffer, and per
 * direction what one read owes the other side and the masker's hold.
 */
void
ws_relay(struct pconn *pc, struct io *up, const char *early,
    size_t earlylen, const char *pre, size_t prelen, struct mask *mask,
    const char *action)
{
	static char		 buf[PROXY_BUF];
	static unsigned char	 aout[WS_OBUF], uout[WS_OBUF];
	struct ws_side		 a, u;		/* agent to upstream, and back */
	struct ws_side		*s;
	struct pollfd		 pfd[2];
	struct timespec		 start;
	const char		*who = "idle", *closer = NULL;
	json_t			*rec;
	ssize_t			 n;
	size_t			 take;
	int			 i, rc, ms, left, rd[2];

	clock_gettime(CLOCK_MONOTONIC, &start);
	memset(&a, 0, sizeof(a));
	memset(&u, 0, sizeof(u));
	a.from = &pc->agent;
	a.to = up;
	a.fromclient = 1;
	a.out = aout;
	u.from = up;
	u.to = &pc->agent;
	u.mask = mask;
	u.out = uout;
	/* What came with the heads, one read's worth at a time. */
	for (s = &a; s != NULL; s = s == &a ? &u : NULL) {
		const char	*p = s == &a ? early : pre;
		size_t		 len = s == &a ? earlylen : prelen;

		for (; len > 0; p += take, len -= take) {
			take = len < PROXY_BUF ? len : PROXY_BUF;
			if (ws_feed(s, p, take) == -1 || ws_drain(s) == -1) {
				who = "error";
				goto done;
			}
		}
	}
	for (;;) {
		/* Write what is owed; a side reads only once it owes nothing. */
		for (i = 0; i < 2; i++) {
			s = i == 0 ? &a : &u;
			if (s->olen > 0 && ws_send(s) == -1) {
				s->failed = 1;
				who = i == 0 ? "upstream" : "agent";
				goto done;
			}
			rd[i] = s->olen == 0 && !s->starved &&
			    io_pending(s->from);
		}
		if (!rd[0] && !rd[1]) {
			pfd[0].fd = pc->agent.fd;
			pfd[1].fd = up->fd;
			pfd[0].events = (a.olen == 0 ? POLLIN : 0) |
			    (u.olen > 0 ? u.want : 0);
			pfd[1].events = (u.olen == 0 ? POLLIN : 0) |
			    (a.olen > 0 ? a.want : 0);
			pfd[0].revents = pfd[1].revents = 0;
			/* Idle, or a write that made no progress for too long. */
			ms = pc->idle_ms;
			for (i = 0; i < 2; i++) {
				left = ws_stall_left(i == 0 ? &a : &u);
				if (left >= 0 && (ms < 0 || left < ms))
					ms = left;
			}
			rc = poll(pfd, 2, ms);
			if (rc == -1 && errno == EINTR)
				continue;
			if (rc <= 0) {
				who = rc == -1 ? "error" :
				    ws_stall_left(&a) == 0 ? "upstream" :
				    ws_stall_left(&u) == 0 ? "agent" : "idle";
				break;
			}
			/* Gone while we do not read it: it would wake us in a loop. */
			for (i = 0; i < 2; i++)
				if ((pfd[i].revents & (POLLHUP | POLLERR |
				    POLLNVAL)) && !(pfd[i].events & POLLIN)) {
					who = i == 0 ? "agent" : "upstream";
					goto done;
				}
			rd[0] = a.olen == 0 &&
			    (pfd[0].revents & (POLLIN | POLLHUP | POLLERR));
			rd[1] = u.olen == 0 &&
			    (pfd[1].revents & (POLLIN | POLLHUP | POLLERR));
			a.starved = u.starved = 0;
		}
		for (i = 0; i < 2; i++) {
			if (!rd[i])
				continue;
			s = i == 0 ? &a : &u;
			/* No wait: IO_TIMEOUT when a TLS record came in part. */
			n = io_read(s->from, buf, sizeof(buf), 0);
			if (n == IO_TIMEOUT) {
				s->starved = 1;	/* poll for the rest */
				continue;
			}
			if (n <= 0) {
				who = i == 0 ? "agent" : "upstream";
				goto done;
			}
			if (ws_feed(s, buf, n) == -1) {
				who = s->failed ? (i == 0 ? "upstream" :
				    "agent") : "error";
				goto done;
			}
			if (s->closed && closer == NULL)
				closer = i == 0 ? "agent" : "upstream";
		}
	}
done:
	/* What is owed still goes (a close frame, the masker's hold). */
	(void)ws_drain(&a);
	if (ws_drain(&u) == 0 && u.mask != NULL) {
		ws_flush(&u);
		(void)ws_drain(&u);
	}
	/* Who sent the first close frame closed; else who went away. */
	if (closer != NULL)
		who = closer;
	rec = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:s}",
	    "event", "websocket", "host", pc->host,
	    "frames_up", (json_int_t)a.frames,
	    "bytes_up", (json_int_t)a.bytes,
	    "frames_down", (json_int_t)u.frames,
	    "bytes_down", (json_int_t)u.bytes,
	    "duration_ms", (json_int_t)conn_ms(&start),
	    "closed_by", who);
	if (rec != NULL) {
		if (pc->spec != NULL)
			json_object_set_new(rec, "connector",
			    json_string(pc->spec->connector));
		if (action != NULL)
			json_object_set_new(rec, "action",
			    json_string(action));
		call_audit(pc, rec);
	}
}
