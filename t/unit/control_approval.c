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
 * control_approval.c: control's approvals without the service: a worker
 * (one end of a socketpair) asks, control answers it; the API lists,
 * grants and denies by uid; a proxy worker's session may only look; the
 * cap, the withdrawal, the worker gone, the deadline; and many decided
 * approvals pruned while the list is walked.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "msg.h"
#include "msgtypes.h"
#include "proc.h"
#include "control/approval.h"
#include "control/session.h"
#include "tap.h"

/* A worker: control's peer on one end, our channel on the other. */
struct worker {
	struct proc_peer	*p;
	struct chan		 c;
};

static struct proc			 ps;
static struct control_approvals		 ca;
static struct control_sessions		 ss;
static int				 nrecords;
static json_t				*lastrec;
static struct worker			 w1, w2, w3, api_w;

static void
lost(struct proc *p, struct proc_peer *peer)
{
	(void)p;
	control_approval_worker_gone(&ca, peer->id);
}

static const struct proc_peer_type types[] = {
	{ PROC_WORKER, 0, NULL, lost },
};

static const struct msg_accept accept_worker[] = {
	{ MSG_CONTROL_APPROVAL_PENDING,	PROC_CONTROL,	0 },
	{ MSG_CONTROL_APPROVAL_DONE,	PROC_CONTROL,	0 },
	{ MSG_CONTROL_APPROVAL_API_REPLY, PROC_CONTROL,	0 },
};

static void
audit(void *arg, json_t *rec)
{
	(void)arg;
	nrecords++;
	json_decref(lastrec);
	lastrec = rec;
}


static void
worker_new(struct worker *w, uint32_t pid)
{
	int	 sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		abort();
	w->p = proc_peer_add(&ps, PROC_WORKER, sv[0], pid, "worker");
	chan_init(&w->c, sv[1], 0, "control");
	chan_accept(&w->c, PROC_CONTROL, accept_worker, 3);
}

/* What control sent this worker: the type, and the payload into out. */
static int
worker_get(struct worker *w, void *out, size_t outlen, size_t *len,
    uint32_t *reqid)
{
	struct msg	 m;

	if (chan_flush(&w->p->chan) == -1 || chan_wait(&w->c, &m, 1000) != 1)
		return -1;
	if (m.len > outlen)
		return -1;
	memcpy(out, m.data, m.len);
	if (len != NULL)
		*len = m.len;
	if (reqid != NULL)
		*reqid = m.hdr.reqid;
	return m.hdr.type;
}

/*
 * What the worker's last decision let it ask about: echo.danger on
 * echo.test, as control's APPROVE would have set it, unless a test says
 * otherwise.
 */
static struct approval_askable	 askok;

static void
askok_set(const char *connector, const char *action, const char *host)
{
	memset(&askok, 0, sizeof(askok));
	askok.armed = 1;
	strlcpy(askok.connector, connector, sizeof(askok.connector));
	strlcpy(askok.action, action, sizeof(askok.action));
	strlcpy(askok.host, host, sizeof(askok.host));
	strlcpy(askok.method, "POST", sizeof(askok.method));
	strlcpy(askok.path, "/danger", sizeof(askok.path));
}

/*
 * Decisions other than the one ask() asks about (echo.danger, POST
 * echo.test/danger): each leaves that ask refused.
 */
static const struct {
	const char	*action, *method, *host, *path;
} unasked[] = {
	{ "safe", "POST", "echo.test", "/danger" },	/* another action */
	{ "danger", "POST", "other.test", "/danger" },	/* another host */
	{ "danger", "GET", "echo.test", "/danger" },	/* another method */
	{ "danger", "POST", "echo.test", "/harmless" },	/* another path */
	{ "danger", "POST", "echo.test", "/dang" },	/* a longer one */
};

static int	ask_for(struct worker *, const struct control_session *,
		    uint32_t, const char *, const char *, const char *,
		    const char *, struct msg_control_approval_state *);

static int
ask(struct worker *w, const struct control_session *s, uint32_t reqid,
    const char *summary, struct msg_control_approval_state *st)
{
	return ask_for(w, s, reqid, "echo", "danger", "echo.test", summary,
	    st);
}

static int
ask_for(struct worker *w, const struct control_session *s, uint32_t reqid,
    const char *connector, const char *action, const char *host,
    const char *summary, struct msg_control_approval_state *st)
{
	struct msg_control_approval_ask	 a;
	static uint8_t			 buf[sizeof(a) + 64];
	struct msg			 m;

	memset(&a, 0, sizeof(a));
	memset(a.digest, reqid, sizeof(a.digest));
	strlcpy(a.connector, connector, sizeof(a.connector));
	strlcpy(a.action, action, sizeof(a.action));
	strlcpy(a.method, "POST", sizeof(a.method));
	strlcpy(a.host, host, sizeof(a.host));
	strlcpy(a.path, "/danger", sizeof(a.path));
	memcpy(buf, &a, sizeof(a));
	memcpy(buf + sizeof(a), summary, strlen(summary));
	memset(&m, 0, sizeof(m));
	m.hdr.type = MSG_CONTROL_APPROVAL_ASK;
	m.hdr.reqid = reqid;
	m.data = buf;
	m.len = sizeof(a) + strlen(summary);
	control_approval_ask(&ca, w->p, &m, s, &askok);
	if (w->p->bad)
		return -1;
	return worker_get(w, st, sizeof(*st), NULL, NULL);
}

/* One API call: the status, and the JSON into *j. */
static int
api(struct worker *w, const char *session, uint32_t uid, int op,
    const char *id, const char *reason, json_t **j)
{
	struct msg_control_approval_api	 a;
	struct msg			 m;
	static uint8_t			 out[sizeof(int32_t) +
					    MSG_APPROVAL_LIST_MAX];
	size_t				 len;
	int32_t				 status;

	memset(&a, 0, sizeof(a));
	a.uid = uid;
	a.op = op;
	strlcpy(a.id, id, sizeof(a.id));
	strlcpy(a.reason, reason, sizeof(a.reason));
	memset(&m, 0, sizeof(m));
	m.hdr.type = MSG_CONTROL_APPROVAL_API;
	m.hdr.reqid = 99;
	m.data = (const uint8_t *)&a;
	m.len = sizeof(a);
	control_approval_api(&ca, &ss, w->p, &m, session);
	if (worker_get(w, out, sizeof(out), &len, NULL) !=
	    MSG_CONTROL_APPROVAL_API_REPLY)
		return -1;
	memcpy(&status, out, sizeof(status));
	if (j != NULL)
		*j = json_loadb((const char *)out + sizeof(status),
		    len - sizeof(status), 0, NULL);
	return status;
}

int
main(void)
{
	struct msg_control_approval_state	 st, done;
	struct msg_control_approval_id		 wd;
	struct msg_conf_approval		 conf = { 1, 2 };
	struct control_session			*alice, *bob;
	struct msg				 m;
	char					 tok[80], id1[40], id2[40];
	json_t					*j;
	uint32_t				 reqid;
	int					 i, n, ok_all;

	proc_init(&ps, PROC_CONTROL, types, 1, NULL, 0, NULL);
	control_approvals_init(&ca, &ps, audit, NULL);
	control_approval_users_load(&ca, 4242);
	control_sessions_init(&ss, 8);
	alice = control_session_start(&ss, 1000, "root", "claude", "", "",
	    tok, sizeof(tok));
	bob = control_session_start(&ss, 1001, "bob", "codex", "", "", tok,
	    sizeof(tok));
	memset(&m, 0, sizeof(m));
	m.data = (const uint8_t *)&conf;
	m.len = sizeof(conf);
	ok(control_approval_conf(&ca, &m) == 0 && ca.timeout == 1 &&
	    ca.pending == 2, "CONF_APPROVAL: timeout 1, pending 2");
	conf.timeout = 0;
	ok(control_approval_conf(&ca, &m) == -1, "CONF_APPROVAL: timeout 0 "
	    "refused");
	ca.timeout = 60;
	worker_new(&w1, 101);
	worker_new(&w2, 102);
	worker_new(&w3, 103);
	worker_new(&api_w, 200);

	/*
	 * Only what the worker's last decision sent to a person: a worker
	 * compromised by what it parsed must not put a denied action (or
	 * another host, or another shell command) before one.
	 */
	memset(&askok, 0, sizeof(askok));
	ok(ask(&w1, alice, 1, "{}", &st) == MSG_CONTROL_APPROVAL_PENDING &&
	    st.state == MSG_APPROVAL_REFUSED && !w1.p->bad,
	    "ask with no decision that said APPROVE: refused");
	for (i = 0; i < (int)(sizeof(unasked) / sizeof(unasked[0])); i++) {
		askok_set("echo", unasked[i].action, unasked[i].host);
		strlcpy(askok.method, unasked[i].method, sizeof(askok.method));
		strlcpy(askok.path, unasked[i].path, sizeof(askok.path));
		ok(ask(&w1, alice, 2, "{}", &st) ==
		    MSG_CONTROL_APPROVAL_PENDING &&
		    st.state == MSG_APPROVAL_REFUSED,
		    "ask after a decision for %s %s%s (%s): refused",
		    unasked[i].method, unasked[i].host, unasked[i].path,
		    unasked[i].action);
	}
	askok_set("echo", "danger", "echo.test");
	askok.digested = 1;
	memset(askok.digest, 0xee, sizeof(askok.digest));
	ok(ask(&w1, alice, 4, "{}", &st) == MSG_CONTROL_APPROVAL_PENDING &&
	    st.state == MSG_APPROVAL_REFUSED && ca.npending == 0,
	    "a shell ask whose digest is not the decided command's: refused, "
	    "nothing pending");
	askok_set("echo", "danger", "echo.test");

	/* Asked: pending, with an id; the requester is the session. */
	ok(ask(&w1, alice, 7, "{\"title\":\"x\"}", &st) ==
	    MSG_CONTROL_APPROVAL_PENDING && st.state == MSG_APPROVAL_PENDING &&
	    strlen(st.id) == 32 && st.timeout == 60,
	    "ask: PENDING with a 32-digit id and the timeout");
	strlcpy(id1, st.id, sizeof(id1));
	ok(ask(&w2, NULL, 8, "{}", &st) == MSG_CONTROL_APPROVAL_PENDING &&
	    st.state == MSG_APPROVAL_REFUSED,
	    "ask from a worker with no session: refused");
	ok(ask(&w2, alice, 9, "[]", &st) == -1 && w2.p->bad,
	    "ask with a summary that is no object: the worker's channel goes");
	chan_clear(&w2.c);
	worker_new(&w2, 104);
	ok(ask(&w2, alice, 10, "{}", &st) == MSG_CONTROL_APPROVAL_PENDING &&
	    st.state == MSG_APPROVAL_PENDING, "a second of the session");
	strlcpy(id2, st.id, sizeof(id2));
	ok(ask(&w3, alice, 11, "{}", &st) == MSG_CONTROL_APPROVAL_PENDING &&
	    st.state == MSG_APPROVAL_TOO_MANY,
	    "the third of a session with pending 2: too many");
	ok(ask(&w3, bob, 12, "{}", &st) == MSG_CONTROL_APPROVAL_PENDING &&
	    st.state == MSG_APPROVAL_PENDING, "another session's: pending");

	/* The API: who may, and what. */
	ok(api(&api_w, NULL, 0, MSG_APPROVAL_OP_LIST, "", "", &j) == 200 &&
	    json_array_size(j) == 3 && strcmp(json_string_value(
	    json_object_get(json_array_get(j, 2), "user")), "root") == 0,
	    "list as root: three, the oldest last, with the requester");
	json_decref(j);
	is(api(&api_w, NULL, 31337, MSG_APPROVAL_OP_LIST, "", "", NULL), 403,
	    "a uid mapped to no user: 403");
	ok(api(&api_w, alice->id, 31337, MSG_APPROVAL_OP_LIST, "", "", &j) ==
	    200 && json_array_size(j) == 2,
	    "a session sees its own approvals only");
	json_decref(j);
	is(api(&api_w, bob->id, 0, MSG_APPROVAL_OP_GET, id1, "", NULL), 404,
	    "another session's approval: 404");
	is(api(&api_w, alice->id, 0, MSG_APPROVAL_OP_GRANT, id1, "", &j), 403,
	    "a session cannot grant, whatever uid it claims");
	ok(j != NULL && strcmp(json_string_value(json_object_get(j, "title")),
	    "a session token cannot grant") == 0, "... and is told so");
	json_decref(j);
	is(api(&api_w, NULL, 0, MSG_APPROVAL_OP_GRANT, "0123", "", NULL), 404,
	    "a malformed id: 404");

	/* Grant: the waiting worker hears, once, with the digest. */
	nrecords = 0;
	is(api(&api_w, NULL, 4242, MSG_APPROVAL_OP_GRANT, id1, "", &j), 200,
	    "grant by the service's owner");
	json_decref(j);
	ok(worker_get(&w1, &done, sizeof(done), NULL, &reqid) ==
	    MSG_CONTROL_APPROVAL_DONE && reqid == 7 &&
	    done.state == MSG_APPROVAL_GRANTED && done.digest[0] == 7 &&
	    strcmp(done.approver, "owner") == 0,
	    "the waiting worker gets DONE, granted, for its ASK and digest");
	ok(nrecords == 1 && strcmp(json_string_value(json_object_get(lastrec,
	    "decision")), "granted") == 0,
	    "control writes one record of the decision");

	/* The request's record: what the approval came to is control's. */
	j = json_pack("{s:s, s:s, s:s, s:s, s:s}", "event", "request",
	    "connector", "echo", "action", "other", "approval", id1,
	    "decision", "granted");
	ok(control_approval_outcome(&ca, j, 101, alice->id) == -1 &&
	    json_object_get(j, "decision") == NULL,
	    "a record of another action than the approval's: dropped");
	json_decref(j);
	j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:i}", "event",
	    "request", "connector", "echo", "action", "danger", "approval",
	    id1, "decision", "granted", "approver", "mallory", "approval_ms",
	    1);
	ok(control_approval_outcome(&ca, j, 101, alice->id) == 0 &&
	    strcmp(json_string_value(json_object_get(j, "approver")),
	    "owner") == 0 && strcmp(json_string_value(json_object_get(j,
	    "decision")), "granted") == 0 &&
	    json_integer_value(json_object_get(j, "approval_ms")) ==
	    done.latency_ms, "a request's record: approver, decision and "
	    "latency are control's, not the worker's");
	json_decref(j);
	j = json_pack("{s:s, s:s, s:s, s:s, s:s}", "event", "request",
	    "connector", "echo", "action", "danger", "approval", id1,
	    "decision", "granted");
	ok(control_approval_outcome(&ca, j, 101, alice->id) == -1 &&
	    json_object_get(j, "decision") == NULL,
	    "a second record naming the same approval: dropped (one request, "
	    "one approval)");
	json_decref(j);
	j = json_pack("{s:s, s:s, s:s, s:s}", "event", "request", "approval",
	    id1, "decision", "granted", "approver", "owner");
	ok(control_approval_outcome(&ca, j, 103, alice->id) == -1 &&
	    json_object_get(j, "approval") == NULL &&
	    json_object_get(j, "approver") == NULL &&
	    json_object_get(j, "decision") == NULL,
	    "another worker's approval: the fields are dropped");
	json_decref(j);
	j = json_pack("{s:s, s:s}", "approval", id1, "decision", "granted");
	ok(control_approval_outcome(&ca, j, 101, bob->id) == -1 &&
	    json_object_get(j, "decision") == NULL,
	    "another session's approval: dropped");
	json_decref(j);
	j = json_pack("{s:s, s:s}", "approval", id2, "decision", "granted");
	ok(control_approval_outcome(&ca, j, 104, alice->id) == -1 &&
	    json_object_get(j, "decision") == NULL,
	    "an approval still pending: dropped");
	json_decref(j);
	j = json_pack("{s:s, s:s}", "approval",
	    "0123456789abcdef0123456789abcdef", "decision", "granted");
	ok(control_approval_outcome(&ca, j, 101, alice->id) == -1 &&
	    json_object_get(j, "approval") == NULL, "an unknown id: dropped");
	json_decref(j);
	j = json_pack("{s:i, s:s}", "approval", 7, "decision", "granted");
	ok(control_approval_outcome(&ca, j, 101, alice->id) == -1 &&
	    json_object_get(j, "approval") == NULL, "an id not a string: "
	    "dropped");
	json_decref(j);
	j = json_pack("{s:s, s:s, s:s, s:i}", "event", "request", "decision",
	    "granted", "approver", "alice", "approval_ms", 5);
	ok(control_approval_outcome(&ca, j, 101, alice->id) == 0 &&
	    json_object_get(j, "decision") == NULL &&
	    json_object_get(j, "approver") == NULL &&
	    json_object_get(j, "approval_ms") == NULL &&
	    json_object_get(j, "event") != NULL,
	    "no approval named: a decision, approver or latency is dropped");
	json_decref(j);
	is(api(&api_w, NULL, 0, MSG_APPROVAL_OP_GRANT, id1, "", NULL), 409,
	    "granted again: 409");
	is(api(&api_w, NULL, 0, MSG_APPROVAL_OP_DENY, id1, "", NULL), 409,
	    "denied after the grant: 409");

	/* Deny with a reason cut mid-character: still valid JSON. */
	{
		char	 reason[MSG_APPROVAL_REASON_MAX];

		memset(reason, 'x', sizeof(reason) - 1);
		reason[sizeof(reason) - 1] = '\0';
		memcpy(reason + 240, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 8);
		is(api(&api_w, NULL, 0, MSG_APPROVAL_OP_DENY, id2, reason, &j),
		    200, "deny with a long reason");
		ok(j != NULL && strncmp(json_string_value(json_object_get(j,
		    "reason")), "denied by root: xxx", 19) == 0,
		    "... the reason names who denied, and is still text");
		json_decref(j);
	}
	ok(worker_get(&w2, &done, sizeof(done), NULL, NULL) ==
	    MSG_CONTROL_APPROVAL_DONE && done.state == MSG_APPROVAL_DENIED,
	    "the denied worker hears");

	/* Withdrawn: only by the worker that asked. */
	ok(ask(&w1, alice, 20, "{}", &st) == MSG_CONTROL_APPROVAL_PENDING &&
	    st.state == MSG_APPROVAL_PENDING, "asked again");
	memset(&wd, 0, sizeof(wd));
	strlcpy(wd.id, st.id, sizeof(wd.id));
	memset(&m, 0, sizeof(m));
	m.hdr.type = MSG_CONTROL_APPROVAL_WITHDRAW;
	m.data = (const uint8_t *)&wd;
	m.len = sizeof(wd);
	control_approval_withdraw(&ca, w3.p, &m);
	is(api(&api_w, NULL, 0, MSG_APPROVAL_OP_GET, st.id, "", &j), 200,
	    "another worker's WITHDRAW");
	is_str(json_string_value(json_object_get(j, "state")), "pending",
	    "... changes nothing");
	json_decref(j);
	control_approval_withdraw(&ca, w1.p, &m);
	api(&api_w, NULL, 0, MSG_APPROVAL_OP_GET, st.id, "", &j);
	is_str(json_string_value(json_object_get(j, "state")), "withdrawn",
	    "the asking worker's WITHDRAW: withdrawn");
	json_decref(j);
	is(api(&api_w, NULL, 0, MSG_APPROVAL_OP_GRANT, st.id, "", NULL), 409,
	    "a withdrawn approval cannot be granted");

	/* A worker gone withdraws what it waited for. */
	ask(&w1, alice, 21, "{}", &st);
	proc_peer_close(&ps, w1.p);
	api(&api_w, NULL, 0, MSG_APPROVAL_OP_GET, st.id, "", &j);
	is_str(json_string_value(json_object_get(j, "state")), "withdrawn",
	    "the worker's channel closed: withdrawn");
	json_decref(j);

	/* A session ended: its pending approvals are withdrawn. */
	ask(&w3, bob, 30, "{}", &st);
	control_approval_session_gone(&ca, alice->id);
	api(&api_w, NULL, 0, MSG_APPROVAL_OP_GET, st.id, "", &j);
	is_str(json_string_value(json_object_get(j, "state")), "pending",
	    "another session's end changes nothing");
	json_decref(j);
	control_approval_session_gone(&ca, bob->id);
	api(&api_w, NULL, 0, MSG_APPROVAL_OP_GET, st.id, "", &j);
	is_str(json_string_value(json_object_get(j, "reason")),
	    "the session ended", "its own end: withdrawn, and why");
	json_decref(j);
	/* w3 waited for two of bob's: both are withdrawn. */
	ok(worker_get(&w3, &done, sizeof(done), NULL, NULL) ==
	    MSG_CONTROL_APPROVAL_DONE && done.state == MSG_APPROVAL_WITHDRAWN &&
	    worker_get(&w3, &done, sizeof(done), NULL, &reqid) ==
	    MSG_CONTROL_APPROVAL_DONE && done.state == MSG_APPROVAL_WITHDRAWN &&
	    reqid == 30, "... and its waiting worker hears, for each");

	/*
	 * Many decided while the list is walked and pruned (a use after
	 * free here is what the sanitizers find): the list stays bounded.
	 */
	ca.pending = 1024;
	ask(&w2, alice, 900, "{}", &st);	/* the oldest, left pending */
	strlcpy(id1, st.id, sizeof(id1));
	ok_all = 1;
	for (i = 0; i < APPROVAL_KEEP + 40; i++) {
		ask(&w3, bob, 1000 + i, "{}", &st);
		if (st.state != MSG_APPROVAL_PENDING)
			ok_all = 0;
		if (i % 2 == 0) {
			ca.timeout = 0;
			control_approval_worker_gone(&ca, 103);
			ca.timeout = 60;
		} else if (api(&api_w, NULL, 0, MSG_APPROVAL_OP_DENY, st.id,
		    "", NULL) != 200)
			ok_all = 0;
		while (worker_get(&w3, &done, sizeof(done), NULL, NULL) ==
		    MSG_CONTROL_APPROVAL_DONE &&
		    chan_ready(&w3.c))
			;
	}
	n = 0;
	{
		struct approval	*a;

		TAILQ_FOREACH(a, &ca.list, entry)
			n++;
	}
	/* Kept: APPROVAL_KEEP decided, one decided since, two pending. */
	ok(ok_all && n <= APPROVAL_KEEP + 3 && n >= APPROVAL_KEEP,
	    "%d decided: the list keeps about %d (%d)", APPROVAL_KEEP + 40,
	    APPROVAL_KEEP, n);
	/* Decided last while the oldest: it must outlive its own answer. */
	is(api(&api_w, NULL, 0, MSG_APPROVAL_OP_DENY, id1, "late", &j), 200,
	    "the oldest approval, denied after many others");
	is_str(json_string_value(json_object_get(j, "id")), id1,
	    "... and shown as it was decided");
	json_decref(j);
	is(api(&api_w, NULL, 0, MSG_APPROVAL_OP_LIST_ALL, "", "", &j), 200,
	    "a list larger than a message: 200");
	ok(j != NULL && json_array_size(j) > 100 && (size_t)n >
	    json_array_size(j), "... as many of the newest as fit, still JSON "
	    "(%zu)", json_array_size(j));
	json_decref(j);

	/* The deadline. */
	ca.timeout = 0;
	ask(&w3, bob, 5000, "{}", &st);
	usleep(10000);
	{
		struct approval	*a = control_approval_find(&ca, st.id);

		ok(a != NULL && a->state == MSG_APPROVAL_PENDING,
		    "pending before its timer ran");
		/* What the timer does, by hand: every deadline passed. */
		if (a != NULL)
			control_approval_decide(&ca, a, MSG_APPROVAL_EXPIRED,
			    NULL, "approval timed out");
	}
	api(&api_w, NULL, 0, MSG_APPROVAL_OP_GET, st.id, "", &j);
	is_str(json_string_value(json_object_get(j, "reason")),
	    "approval timed out", "expired: the reason");
	json_decref(j);

	/* The shell's: the decided command's digest, which ask_for sends. */
	ca.timeout = 60;
	chan_clear(&w3.c);
	worker_new(&w3, 105);	/* the expiry's DONE went to the old one */
	askok_set("echo", "danger", "echo.test");
	askok.digested = 1;
	memset(askok.digest, 6000 & 0xff, sizeof(askok.digest));
	ok(ask(&w3, bob, 6000, "{}", &st) == MSG_CONTROL_APPROVAL_PENDING &&
	    st.state == MSG_APPROVAL_PENDING,
	    "a shell ask with the decided command's digest: pending");
	json_decref(lastrec);
	return done_testing();
}
