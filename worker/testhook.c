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
 * testhook.c: test mode only (the undocumented -X of aileron service).  A
 * request for /.aileron-test/... makes this worker do what a compromised
 * worker might (send control or vaultd a frame it may not, ask vaultd for
 * a credential control never allowed it) or make a call, so that the
 * tests can show what a bad frame costs a worker, that vaultd injects
 * only what control released, and that control serves other workers
 * while it waits on vaultd.  Outside test mode this code is never
 * reached, and control and vaultd refuse the test messages anyway.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "msg.h"
#include "msgtypes.h"
#include "worker/worker.h"

#define TESTHOOK_PREFIX		"GET /.aileron-test/"
#define TESTHOOK_INJECT		TESTHOOK_PREFIX "inject/"
#define TESTHOOK_AUTH2		TESTHOOK_PREFIX "auth2/"
#define TESTHOOK_ASK		TESTHOOK_PREFIX "ask/"
#define TESTHOOK_CALL_MS	3000
/* A reply's id no call of ours ever had: a forged "late answer". */
#define TESTHOOK_FORGED_ID	0x90000000U

static int	testhook_echo(int, const char *, char *, size_t);
static int	testhook_bad(int, const char *, const char *);
static int	testhook_call(int, unsigned int, uint16_t, const void *,
		    size_t, void *, size_t);
static void	testhook_inject(const struct worker_ctx *, const char *,
		    char *, size_t);
static void	testhook_auth2(const struct worker_ctx *, const char *,
		    char *, size_t);
static void	testhook_ask(const struct worker_ctx *, const char *,
		    char *, size_t);
static int	testhook_auth(const struct worker_ctx *,
		    const struct msg_control_auth *, char *, size_t);
static int	testhook_policy(const struct worker_ctx *,
		    const struct msg_control_policy *,
		    struct msg_control_decision *, char *, size_t);

/* What a worker takes from control and vaultd in test mode: answers. */
static const struct msg_accept testhook_accept[] = {
	{ MSG_TEST_ECHO,		PROC_CONTROL,	0 },
	{ MSG_TEST_ECHO,		PROC_VAULTD,	0 },
	{ MSG_CONTROL_AUTH_REPLY,	PROC_CONTROL,	0 },
	{ MSG_CONTROL_POLICY_REPLY,	PROC_CONTROL,	0 },
	{ MSG_VAULT_INJECT_REPLY,	PROC_VAULTD,	0 },
	{ MSG_CONTROL_APPROVAL_PENDING,	PROC_CONTROL,	0 },
};

/* A TEST_ECHO call to control, waited for; the answer is the body. */
static int
testhook_echo(int fd, const char *word, char *body, size_t bodylen)
{
	struct chan	 c;
	struct msg	 msg;
	struct iovec	 iov;
	int		 rv = -1;

	chan_init(&c, fd, 0, "control");
	chan_accept(&c, PROC_CONTROL, testhook_accept,
	    sizeof(testhook_accept) / sizeof(testhook_accept[0]));
	iov.iov_base = (void *)word;
	iov.iov_len = strlen(word);
	if (chan_request(&c, MSG_TEST_ECHO, 1, &iov, 1) == 0 &&
	    chan_flush_wait(&c, TESTHOOK_CALL_MS) == 1 &&
	    chan_wait(&c, &msg, TESTHOOK_CALL_MS) == 1 &&
	    msg.hdr.reqid == 1) {
		snprintf(body, bodylen, "%.*s", (int)msg.len,
		    (const char *)msg.data);
		rv = 0;
	}
	c.fd = -1;		/* the worker keeps its descriptor */
	chan_clear(&c);
	return rv;
}

/*
 * One call on the channel fd to from, waited for: the answer's payload
 * into out (cut to outlen).  Its length, or -1.
 */
static int
testhook_call(int fd, unsigned int from, uint16_t type, const void *data,
    size_t len, void *out, size_t outlen)
{
	struct chan	 c;
	struct msg	 msg;
	struct iovec	 iov;
	int		 rv = -1;

	chan_init(&c, fd, 0, proc_name(from));
	chan_accept(&c, from, testhook_accept,
	    sizeof(testhook_accept) / sizeof(testhook_accept[0]));
	iov.iov_base = (void *)data;
	iov.iov_len = len;
	if (chan_request(&c, type, 1, &iov, 1) == 0 &&
	    chan_flush_wait(&c, TESTHOOK_CALL_MS) == 1 &&
	    chan_wait(&c, &msg, TESTHOOK_CALL_MS) == 1 &&
	    msg.hdr.reqid == 1) {
		rv = msg.len < outlen ? (int)msg.len : (int)outlen;
		memcpy(out, msg.data, rv);
	}
	c.fd = -1;		/* the worker keeps its descriptor */
	chan_clear(&c);
	return rv;
}

/* AUTH with a's token: 0, or -1 with the body saying so. */
static int
testhook_auth(const struct worker_ctx *ctx, const struct msg_control_auth *a,
    char *body, size_t bodylen)
{
	struct msg_control_session	 sess;

	if (testhook_call(ctx->control_fd, PROC_CONTROL, MSG_CONTROL_AUTH,
	    a, sizeof(*a), &sess, sizeof(sess)) != (int)sizeof(sess) ||
	    sess.error != 0) {
		snprintf(body, bodylen, "auth refused");
		return -1;
	}
	return 0;
}

/* POLICY for pol, its decision into dec: 0, or -1 with the body why. */
static int
testhook_policy(const struct worker_ctx *ctx,
    const struct msg_control_policy *pol, struct msg_control_decision *dec,
    char *body, size_t bodylen)
{
	if (testhook_call(ctx->control_fd, PROC_CONTROL, MSG_CONTROL_POLICY,
	    pol, sizeof(*pol), dec, sizeof(*dec)) != (int)sizeof(*dec)) {
		snprintf(body, bodylen, "no decision");
		return -1;
	}
	return 0;
}

/*
 * ask/TOKEN/DECIDED/ASKED: authenticate, have control decide echo.DECIDED
 * on echo.test ("-": decide nothing), then ask a person about
 * echo.ASKED there twice, as a compromised worker could.  The body:
 * "policy V ask S again S", the decision's verdict (-1 when none) and
 * each ASK's first answer's state; the worker's exit withdraws a pending
 * approval.
 */
static void
testhook_ask(const struct worker_ctx *ctx, const char *head, char *body,
    size_t bodylen)
{
	struct msg_control_auth			 a;
	struct msg_control_policy		 pol;
	struct msg_control_decision		 dec;
	struct msg_control_approval_ask		 ask;
	struct msg_control_approval_state	 st, st2;
	static uint8_t				 buf[sizeof(ask) + 2];
	char					 decided[64];
	int					 verdict = -1;

	memset(&a, 0, sizeof(a));
	memset(&pol, 0, sizeof(pol));
	memset(&ask, 0, sizeof(ask));
	if (sscanf(head + strlen(TESTHOOK_ASK), "%71[0-9a-f]/%63[a-z_-]/"
	    "%127[a-z_]", a.token, decided, ask.action) != 3) {
		snprintf(body, bodylen, "unknown test request");
		return;
	}
	if (testhook_auth(ctx, &a, body, bodylen) == -1)
		return;
	if (strcmp(decided, "-") != 0) {
		strlcpy(pol.connector, "echo", sizeof(pol.connector));
		strlcpy(pol.action, decided, sizeof(pol.action));
		strlcpy(pol.host, "echo.test", sizeof(pol.host));
		strlcpy(pol.method, "POST", sizeof(pol.method));
		strlcpy(pol.path, "/", sizeof(pol.path));
		if (testhook_policy(ctx, &pol, &dec, body, bodylen) == -1)
			return;
		verdict = dec.verdict;
	}
	strlcpy(ask.connector, "echo", sizeof(ask.connector));
	strlcpy(ask.method, "POST", sizeof(ask.method));
	strlcpy(ask.host, "echo.test", sizeof(ask.host));
	strlcpy(ask.path, "/", sizeof(ask.path));
	memcpy(buf, &ask, sizeof(ask));
	memcpy(buf + sizeof(ask), "{}", 2);
	if (testhook_call(ctx->control_fd, PROC_CONTROL,
	    MSG_CONTROL_APPROVAL_ASK, buf, sizeof(buf), &st, sizeof(st)) !=
	    (int)sizeof(st) || testhook_call(ctx->control_fd, PROC_CONTROL,
	    MSG_CONTROL_APPROVAL_ASK, buf, sizeof(buf), &st2, sizeof(st2)) !=
	    (int)sizeof(st2)) {
		snprintf(body, bodylen, "policy %d ask: no answer", verdict);
		return;
	}
	snprintf(body, bodylen, "policy %d ask %d again %d", verdict,
	    (int)st.state, (int)st2.state);
}

/*
 * auth2/TOKEN/TOKEN: two AUTHs sent at once, without waiting for the
 * first answer, as no worker but a compromised one does.  The body says
 * each answer's error, in the order of the requests.
 */
static void
testhook_auth2(const struct worker_ctx *ctx, const char *head, char *body,
    size_t bodylen)
{
	struct msg_control_auth		 a[2];
	struct msg_control_session	 sess;
	struct chan			 c;
	struct msg			 msg;
	struct iovec			 iov;
	int				 err[2] = { -1, -1 };
	uint32_t			 i;

	memset(a, 0, sizeof(a));
	if (sscanf(head + strlen(TESTHOOK_AUTH2), "%71[0-9a-f]/%71[0-9a-f]",
	    a[0].token, a[1].token) != 2) {
		snprintf(body, bodylen, "unknown test request");
		return;
	}
	chan_init(&c, ctx->control_fd, 0, proc_name(PROC_CONTROL));
	chan_accept(&c, PROC_CONTROL, testhook_accept,
	    sizeof(testhook_accept) / sizeof(testhook_accept[0]));
	for (i = 0; i < 2; i++) {
		iov.iov_base = &a[i];
		iov.iov_len = sizeof(a[i]);
		(void)chan_request(&c, MSG_CONTROL_AUTH, i + 1, &iov, 1);
	}
	explicit_bzero(a, sizeof(a));
	if (chan_flush_wait(&c, TESTHOOK_CALL_MS) == 1)
		for (i = 0; i < 2 && chan_wait(&c, &msg, TESTHOOK_CALL_MS) ==
		    1; i++)
			if ((msg.hdr.reqid == 1 || msg.hdr.reqid == 2) &&
			    msg.len == sizeof(sess)) {
				memcpy(&sess, msg.data, sizeof(sess));
				err[msg.hdr.reqid - 1] = sess.error;
			}
	c.fd = -1;		/* the worker keeps its descriptor */
	chan_clear(&c);
	snprintf(body, bodylen, "auth errors %d %d", err[0], err[1]);
}

/*
 * inject/CONNECTOR/HOST/ACTION/TOKEN: what a worker compromised by what
 * it parsed would try.  It authenticates with the agent's token, asks
 * control about CONNECTOR.ACTION on HOST ("-": asks nothing), and then,
 * whatever control said, asks vaultd for CONNECTOR's credential for
 * HOST.  The body says what each answered, vaultd's refusal or the line
 * it injected.
 */
static void
testhook_inject(const struct worker_ctx *ctx, const char *head, char *body,
    size_t bodylen)
{
	struct msg_control_auth		 a;
	struct msg_control_policy	 pol;
	struct msg_control_decision	 dec;
	struct msg_vault_inject		 inj;
	struct msg_vault_reply		 vr;
	char				 reply[sizeof(vr) + 200];
	int				 n;

	memset(&a, 0, sizeof(a));
	memset(&pol, 0, sizeof(pol));
	memset(&inj, 0, sizeof(inj));
	if (sscanf(head + strlen(TESTHOOK_INJECT), "%63[a-z0-9_-]/"
	    "%255[a-z0-9.-]/%127[a-z0-9_-]/%71[0-9a-f]", pol.connector,
	    pol.host, pol.action, a.token) != 4) {
		snprintf(body, bodylen, "unknown test request");
		return;
	}
	if (testhook_auth(ctx, &a, body, bodylen) == -1)
		return;
	dec.verdict = -1;
	if (strcmp(pol.action, "-") != 0) {
		strlcpy(pol.method, "GET", sizeof(pol.method));
		strlcpy(pol.path, "/", sizeof(pol.path));
		if (testhook_policy(ctx, &pol, &dec, body, bodylen) == -1)
			return;
	}
	strlcpy(inj.connector, pol.connector, sizeof(inj.connector));
	strlcpy(inj.host, pol.host, sizeof(inj.host));
	if ((n = testhook_call(ctx->vaultd_fd, PROC_VAULTD, MSG_VAULT_INJECT,
	    &inj, sizeof(inj), reply, sizeof(reply))) < (int)sizeof(vr)) {
		snprintf(body, bodylen, "verdict %d; no answer from vaultd",
		    dec.verdict);
		return;
	}
	memcpy(&vr, reply, sizeof(vr));
	snprintf(body, bodylen, "verdict %d; inject error %d: %.*s",
	    dec.verdict, vr.error, n - (int)sizeof(vr), reply + sizeof(vr));
	explicit_bzero(reply, sizeof(reply));
}

/* Send what no worker may: the receiver must close us and have us killed. */
static int
testhook_bad(int fd, const char *kind, const char *to)
{
	struct msg_hdr	 h;
	struct chan	 c;
	uint8_t		 junk[sizeof(struct msg_vault_host)];
	int		 dfd;

	memset(&h, 0, sizeof(h));
	memset(junk, 0, sizeof(junk));
	h.pid = getpid();
	if (strcmp(kind, "type") == 0) {
		/* Only control may begin a session; only vaultd answers. */
		h.type = strcmp(to, "vaultd") == 0 ?
		    MSG_VAULT_SESSION_BEGIN : MSG_VAULT_SESSION_ACK;
		h.len = strcmp(to, "vaultd") == 0 ?
		    sizeof(struct msg_vault_session) :
		    sizeof(struct msg_vault_reply);
	} else if (strcmp(kind, "oversize") == 0) {
		h.type = MSG_TEST_ECHO;
		h.len = MSG_MAXPAYLOAD + 1;
	} else if (strcmp(kind, "truncated") == 0) {
		/* An INJECT that stops short of its fields. */
		h.type = MSG_VAULT_INJECT;
		h.len = sizeof(junk);
	} else if (strcmp(kind, "reply") == 0) {
		/*
		 * A message the peer takes, marked as the answer to a call
		 * nobody made: no process calls a worker.
		 */
		h.type = strcmp(to, "vaultd") == 0 ? MSG_VAULT_TICKET_GET :
		    MSG_CONTROL_AUDIT;
		h.len = strcmp(to, "vaultd") == 0 ?
		    sizeof(struct msg_vault_host) : 2;
		h.flags = MSGF_REPLY;
		h.reqid = TESTHOOK_FORGED_ID;
	} else if (strcmp(kind, "strayfd") == 0) {
		chan_init(&c, fd, 0, to);
		/* Our stdin is /dev/null: any descriptor will do. */
		if ((dfd = dup(STDIN_FILENO)) == -1)
			return -1;
		/* A message the peer takes, but never with a descriptor. */
		chan_compose(&c, MSG_TEST_ECHO, 0, dfd, "x", 1);
		chan_flush_wait(&c, 1000);
		c.fd = -1;
		chan_clear(&c);
		return 0;
	} else
		return -1;
	if (write(fd, &h, sizeof(h)) != (ssize_t)sizeof(h))
		return -1;
	if (h.len <= sizeof(junk) && write(fd, junk, h.len) != (ssize_t)h.len)
		return -1;
	if (h.len > sizeof(junk) && write(fd, junk, sizeof(junk)) !=
	    (ssize_t)sizeof(junk))
		return -1;
	return 0;
}

/*
 * Returns 1 when head was a test request (body says what was done), 2
 * when it asks for a bad frame (worker_testhook_bad, once the answer is
 * out), 0 for any other request.  After a bad frame the worker lingers,
 * so the test sees it killed rather than gone of its own accord.
 */
int
worker_testhook(const struct worker_ctx *ctx, const char *head, char *body,
    size_t bodylen, int *linger)
{
	char	 what[16], arg1[16], arg2[16];

	*linger = 0;
	if (!msg_testmode || strncmp(head, TESTHOOK_PREFIX,
	    strlen(TESTHOOK_PREFIX)) != 0)
		return 0;
	if (strncmp(head, TESTHOOK_INJECT, strlen(TESTHOOK_INJECT)) == 0) {
		testhook_inject(ctx, head, body, bodylen);
		return 1;
	}
	if (strncmp(head, TESTHOOK_AUTH2, strlen(TESTHOOK_AUTH2)) == 0) {
		testhook_auth2(ctx, head, body, bodylen);
		return 1;
	}
	if (strncmp(head, TESTHOOK_ASK, strlen(TESTHOOK_ASK)) == 0) {
		testhook_ask(ctx, head, body, bodylen);
		return 1;
	}
	if (sscanf(head + strlen(TESTHOOK_PREFIX), "%15[a-z]/%15[a-z]/"
	    "%15[a-z]", what, arg1, arg2) != 3) {
		snprintf(body, bodylen, "unknown test request");
		return 1;
	}
	if (strcmp(what, "echo") == 0) {
		if (testhook_echo(ctx->control_fd, arg2, body, bodylen) == -1)
			snprintf(body, bodylen, "no answer");
	} else if (strcmp(what, "bad") == 0) {
		/* The answer goes first: the worker dies soon after. */
		*linger = 1;
		return 2;
	} else
		snprintf(body, bodylen, "unknown test request");
	return 1;
}

/* The bad frame a request asked for, once its answer was sent. */
void
worker_testhook_bad(const struct worker_ctx *ctx, const char *head)
{
	char	 kind[16], to[16];

	if (sscanf(head + strlen(TESTHOOK_PREFIX), "bad/%15[a-z]/%15[a-z]",
	    kind, to) != 2)
		return;
	/* Said first: the kill may come before another line could be. */
	log_info("test: sending a bad frame (%s) to %s", kind, to);
	if (testhook_bad(strcmp(to, "vaultd") == 0 ? ctx->vaultd_fd :
	    ctx->control_fd, kind, to) == -1)
		log_warnx("test: could not send a bad frame (%s) to %s",
		    kind, to);
}
