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
 * call.c: the worker's calls to control and vaultd.  A worker serves one
 * connection, so it waits for each answer (with a deadline); an answer
 * that is not the one awaited (a late reply to an earlier, expired call)
 * is dropped.  What the worker accepts from each is a table, as for every
 * other receiver.
 */

#include <sys/types.h>
#include <sys/uio.h>

#include <string.h>
#include <time.h>

#include <jansson.h>

#include "log.h"
#include "msg.h"
#include "msgtypes.h"
#include "worker/worker.h"
#include "worker/proxy.h"

static const struct msg_accept call_accept_control[] = {
	{ MSG_CONTROL_AUTH_REPLY,	PROC_CONTROL,	0 },
	{ MSG_CONTROL_POLICY_REPLY,	PROC_CONTROL,	0 },
	{ MSG_CONTROL_SESSION_REPLY,	PROC_CONTROL,	0 },
	{ MSG_TEST_ECHO,		PROC_CONTROL,	0 },
	/* Approvals (approval.c, internal.c). */
	{ MSG_CONTROL_APPROVAL_PENDING,	PROC_CONTROL,	0 },
	{ MSG_CONTROL_APPROVAL_DONE,	PROC_CONTROL,	0 },
	{ MSG_CONTROL_APPROVAL_API_REPLY, PROC_CONTROL,	0 },
	/* Budgets (budget.c). */
	{ MSG_CONTROL_BUDGET_REPLY,	PROC_CONTROL,	0 },
};

static const struct msg_accept call_accept_vaultd[] = {
	{ MSG_VAULT_INJECT_REPLY,	PROC_VAULTD,	0 },
	{ MSG_VAULT_LEAF_REPLY,		PROC_VAULTD,	0 },
	{ MSG_VAULT_TICKET_REPLY,	PROC_VAULTD,	0 },
	{ MSG_TEST_ECHO,		PROC_VAULTD,	0 },
};

static void	call_observe(struct pconn *, struct chan *,
		    const struct timespec *);

void
call_init(struct pconn *pc)
{
	chan_init(&pc->control, pc->ctx->control_fd, 0, "control");
	chan_accept(&pc->control, PROC_CONTROL, call_accept_control,
	    sizeof(call_accept_control) / sizeof(call_accept_control[0]));
	chan_init(&pc->vaultd, pc->ctx->vaultd_fd, 0, "vaultd");
	chan_accept(&pc->vaultd, PROC_VAULTD, call_accept_vaultd,
	    sizeof(call_accept_vaultd) / sizeof(call_accept_vaultd[0]));
}

/*
 * Send type with data and wait for rtype answering it.  0 with the answer
 * in reply (valid until the next call on that channel), -1 on a deadline,
 * a closed channel or an answer of the wrong type.
 */
int
call(struct pconn *pc, struct chan *c, uint16_t type, const void *data,
    size_t len, uint16_t rtype, struct msg *reply)
{
	struct iovec	 iov;
	struct timespec	 deadline, t0;
	uint32_t	 id = ++pc->reqid;
	int		 r;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	iov.iov_base = (void *)data;
	iov.iov_len = len;
	if (chan_request(c, type, id, &iov, 1) == -1 ||
	    chan_flush_wait(c, PROXY_CALL_MS) != 1)
		return -1;
	if (c == &pc->control)
		pc->audit_queued = 0;	/* written with the call */
	msg_deadline(&deadline, PROXY_CALL_MS);
	for (;;) {
		if ((r = chan_wait(c, reply, msg_deadline_ms(&deadline))) != 1)
			return -1;
		if ((reply->hdr.flags & MSGF_REPLY) == 0)
			return -1;
		if (reply->hdr.reqid == id)
			break;
		if (reply->hdr.reqid > id)
			return -1;
		/* a late answer to an earlier call: drop it */
	}
	call_observe(pc, c, &t0);
	if (reply->hdr.type != rtype) {
		log_warnx("%s answered %s, not %s", c->name,
		    msgtype_name(reply->hdr.type), msgtype_name(rtype));
		return -1;
	}
	return 0;
}

/*
 * Metrics (issue 14): count a call's round trip into its bucket.  The
 * counts go to control with the next audit flush (call_audit_flush),
 * since a worker's own memory dies with it.
 */
static void
call_observe(struct pconn *pc, struct chan *c, const struct timespec *t0)
{
	static const uint32_t	 bounds[] = MSG_METRICS_CALL_BOUNDS_US;
	struct timespec		 now;
	uint64_t		 us;
	size_t			 i;

	clock_gettime(CLOCK_MONOTONIC, &now);
	us = (now.tv_sec - t0->tv_sec) * 1000000ULL +
	    (now.tv_nsec - t0->tv_nsec) / 1000;
	for (i = 0; i < sizeof(bounds) / sizeof(bounds[0]) && us > bounds[i];
	    i++)
		;
	if (c == &pc->control) {
		pc->calls.control[i]++;
		pc->calls.control_us += us;
	} else {
		pc->calls.vaultd[i]++;
		pc->calls.vaultd_us += us;
	}
	pc->ncalls++;
}

/*
 * Ask control whether token is a live session's.  0 and pc->sess filled,
 * or -1.  On success control has told vaultd which session we serve.
 */
int
call_auth(struct pconn *pc, const char *token)
{
	struct msg_control_auth	 a;
	struct msg		 reply;
	int			 rv = -1;

	memset(&a, 0, sizeof(a));
	if (strlcpy(a.token, token, sizeof(a.token)) >= sizeof(a.token))
		return -1;
	if (call(pc, &pc->control, MSG_CONTROL_AUTH, &a, sizeof(a),
	    MSG_CONTROL_AUTH_REPLY, &reply) == 0 &&
	    reply.len == sizeof(pc->sess)) {
		memcpy(&pc->sess, reply.data, sizeof(pc->sess));
		pc->sess.session[sizeof(pc->sess.session) - 1] = '\0';
		pc->sess.user[sizeof(pc->sess.user) - 1] = '\0';
		pc->sess.agent[sizeof(pc->sess.agent) - 1] = '\0';
		pc->sess.team[sizeof(pc->sess.team) - 1] = '\0';
		pc->sess.project[sizeof(pc->sess.project) - 1] = '\0';
		if (pc->sess.error == 0)
			rv = 0;
	}
	explicit_bzero(&a, sizeof(a));
	return rv;
}

/*
 * Queue control one audit record, adding what every record carries.  No
 * answer.  The frame goes with the connection's next call to control, or
 * with call_audit_flush when the agent pauses or the connection ends: a
 * keep-alive request then wakes control once, not twice.  Takes the
 * reference.
 */
void
call_audit(struct pconn *pc, json_t *rec)
{
	struct iovec	 iov;
	char		*s;

	if (pc->authed) {
		json_object_set_new(rec, "session",
		    json_string(pc->sess.session));
		json_object_set_new(rec, "user", json_string(pc->sess.user));
		if (pc->sess.agent[0] != '\0')
			json_object_set_new(rec, "agent",
			    json_string(pc->sess.agent));
	}
	json_object_set_new(rec, "peer", json_string(pc->peer));
	s = json_dumps(rec, JSON_COMPACT);
	json_decref(rec);
	if (s == NULL)
		return;
	iov.iov_base = s;
	iov.iov_len = strlen(s);
	if (iov.iov_len > MSG_CONTROL_AUDIT_MAX)
		log_warnx("audit record of %zu bytes dropped", iov.iov_len);
	else if (chan_request(&pc->control, MSG_CONTROL_AUDIT, 0, &iov, 1) ==
	    -1)
		log_warnx("cannot send control an audit record");
	else
		pc->audit_queued = 1;
	free(s);
}

/* Write the queued audit records, if any. */
void
call_audit_flush(struct pconn *pc)
{
	struct iovec	 iov;

	/* The calls' latencies ride with the records (metrics). */
	if (pc->ncalls > 0) {
		iov.iov_base = &pc->calls;
		iov.iov_len = sizeof(pc->calls);
		if (chan_request(&pc->control, MSG_CONTROL_CALLS, 0, &iov,
		    1) == 0)
			pc->audit_queued = 1;
		memset(&pc->calls, 0, sizeof(pc->calls));
		pc->ncalls = 0;
	}
	if (!pc->audit_queued)
		return;
	pc->audit_queued = 0;
	if (chan_flush_wait(&pc->control, PROXY_CALL_MS) != 1)
		log_warnx("cannot send control an audit record");
}
