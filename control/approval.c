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
 * approval.c: control's pending approvals.  A worker whose request needs
 * a human asks (ASK) and waits; control keeps the approval (a random id,
 * the action, a redacted summary, the requester from the session it
 * authenticated on that channel, the request's digest, created time and
 * deadline) until a human decides through the API, the deadline passes,
 * or the agent goes away (WITHDRAW, or the worker's channel closes).
 * The decision goes to the waiting worker as the second reply to its
 * ASK, once: a grant is consumed by the one request it was asked for.
 *
 * Only a human decides: the API's worker passes the caller's uid from
 * SO_PEERCRED, which control_approval_who() maps to a user; a proxy
 * worker (a session token, through aileron.internal) sees its own
 * session's approvals and can decide nothing.  A user sees and decides
 * the approvals of their own user's sessions, an administrator every
 * one, as the audit log and usage are scoped.
 */

#include <sys/types.h>

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "log.h"
#include "msg.h"
#include "msgtypes.h"
#include "proc.h"
#include "control/approval.h"
#include "control/session.h"

static void	approval_arm(struct control_approvals *);
static void	approval_expire(struct proc *, void *);
static void	approval_prune(struct control_approvals *);
static void	approval_free(struct approval *);
static void	approval_state(const struct control_approvals *,
		    const struct approval *, int,
		    struct msg_control_approval_state *);
static void	approval_answer(struct control_approvals *, uint32_t,
		    uint32_t, uint16_t, const struct approval *, int);
static void	approval_api_reply(struct proc_peer *, uint32_t, int32_t,
		    json_t *);
static int	approval_valid_id(const char *);
static int	approval_visible(const struct approval *, const char *,
		    const char *, int);
static int	approval_printable(const char *);
static int	approval_askable(const struct approval_askable *,
		    const struct msg_control_approval_ask *);
static void	approval_text(char *);
static void	approval_time(time_t, char *, size_t);
static json_t	*approval_problem(const char *, const char *);

void
control_approvals_init(struct control_approvals *ca, struct proc *ps,
    void (*audit)(void *, json_t *), void *arg)
{
	memset(ca, 0, sizeof(*ca));
	TAILQ_INIT(&ca->list);
	ca->timeout = APPROVAL_TIMEOUT;
	ca->pending = APPROVAL_PENDING;
	ca->ps = ps;
	ca->audit = audit;
	ca->arg = arg;
}

/* The master's CONF_APPROVAL; -1 when it is out of bounds. */
int
control_approval_conf(struct control_approvals *ca, struct msg *msg)
{
	struct msg_reader	 r;
	uint32_t		 timeout, pending;

	msg_reader_init(&r, msg);
	msg_get_u32(&r, &timeout);
	msg_get_u32(&r, &pending);
	if (msg_get_end(&r) == -1 || timeout == 0 || timeout > 7 * 86400 ||
	    pending == 0 || pending > 1024)
		return -1;
	ca->timeout = timeout;
	ca->pending = pending;
	return 0;
}

/*
 * The passwd names of uids, for an approval list without control's user
 * table (ca->identify), as the unit tests run it; control itself maps
 * every caller through users.c and does not call this.
 */
void
control_approval_users_load(struct control_approvals *ca, uint32_t owner)
{
	struct passwd	*pw;

	ca->owner_uid = owner;
	if ((ca->users = calloc(APPROVAL_USERS_MAX,
	    sizeof(*ca->users))) == NULL)
		fatal("%s", __func__);
	setpwent();
	while ((pw = getpwent()) != NULL && ca->nusers < APPROVAL_USERS_MAX) {
		if (strlen(pw->pw_name) >= sizeof(ca->users[0].name))
			continue;
		ca->users[ca->nusers].uid = pw->pw_uid;
		strlcpy(ca->users[ca->nusers].name, pw->pw_name,
		    sizeof(ca->users[0].name));
		ca->nusers++;
	}
	endpwent();
}

/*
 * Who the caller on api.sock is, as a user name, or NULL when the uid is
 * mapped to none, with *admin set for an administrator: as control maps
 * every API caller (users.c, through ca->identify).  Without that mapping
 * (the unit tests): root and the service's owner administer; a uid whose
 * passwd name is the user of a live session is that user.
 */
const char *
control_approval_who(struct control_approvals *ca,
    struct control_sessions *ss, uint32_t uid, int *admin)
{
	struct control_session	*s;
	const char		*name = NULL;
	size_t			 i;

	*admin = 0;
	if (ca->identify != NULL)
		return ca->identify(ca->arg, uid, ca->who, sizeof(ca->who),
		    admin) == 0 ? ca->who : NULL;
	*admin = uid == 0 || uid == ca->owner_uid;
	for (i = 0; i < ca->nusers; i++)
		if (ca->users[i].uid == uid) {
			name = ca->users[i].name;
			break;
		}
	if (uid == 0)
		return name != NULL ? name : "root";
	if (uid == ca->owner_uid)
		return name != NULL ? name : "owner";
	if (name == NULL)
		return NULL;
	TAILQ_FOREACH(s, &ss->list, entry)
		if (strcmp(s->user, name) == 0)
			return name;
	return NULL;
}

static int
approval_valid_id(const char *id)
{
	return strlen(id) == MSG_APPROVAL_ID_LEN &&
	    strspn(id, "0123456789abcdef") == MSG_APPROVAL_ID_LEN;
}

/*
 * Whether the caller may see a: a session its own approvals, an
 * administrator every one, any other user those of its user's sessions,
 * since their summaries carry that user's arguments.
 */
static int
approval_visible(const struct approval *a, const char *session,
    const char *who, int admin)
{
	if (session != NULL)
		return strcmp(a->session, session) == 0;
	return admin || strcmp(a->user, who) == 0;
}

/* A field a worker sends for people to read: visible ASCII, or refused. */
static int
approval_printable(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
			return 0;
	return 1;
}

/*
 * Text that goes into JSON must be UTF-8, and a reason cut to its field
 * may end mid-character: what is not valid becomes '?', so that no
 * worker's bytes can make control fail to answer.
 */
static void
approval_text(char *s)
{
	json_t	*j;

	if ((j = json_string(s)) != NULL) {
		json_decref(j);
		return;
	}
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			*s = '?';
}

static void
approval_time(time_t t, char *buf, size_t len)
{
	struct tm	 tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		strlcpy(buf, "", len);
}

static void
approval_free(struct approval *a)
{
	json_decref(a->summary);
	explicit_bzero(a, sizeof(*a));
	free(a);
}

struct approval *
control_approval_find(struct control_approvals *ca, const char *id)
{
	struct approval	*a;

	TAILQ_FOREACH(a, &ca->list, entry)
		if (strcmp(a->id, id) == 0)
			return a;
	return NULL;
}

/* Whether rec's member name is the string value. */
static int
approval_field_is(json_t *rec, const char *name, const char *value)
{
	const char	*s = json_string_value(json_object_get(rec, name));

	return s != NULL && strcmp(s, value) == 0;
}

/*
 * A worker's record of a request it held for an approval names that
 * approval; what the approval came to, who decided and how fast are
 * control's to say (usage.c counts them), never the worker's.  Set from
 * control's own approval when it is decided, was asked by this worker in
 * this session for the record's connector and action, and no record
 * named it before (one request, one approval); otherwise removed, and
 * -1.  A record that names no approval loses any such fields it carries.
 * An approval pruned before its request's record came (APPROVAL_KEEP
 * decided since) leaves the record without them; the approval's own
 * record says what it came to.
 */
int
control_approval_outcome(struct control_approvals *ca, json_t *rec,
    uint32_t worker, const char *session)
{
	static const char *const fields[] = { "approval", "decision",
	    "approver", "approval_ms" };
	struct approval		*a = NULL;
	const char		*id;
	size_t			 i;

	if (json_object_get(rec, "approval") == NULL) {
		for (i = 1; i < sizeof(fields) / sizeof(fields[0]); i++)
			json_object_del(rec, fields[i]);
		return 0;
	}
	if ((id = json_string_value(json_object_get(rec, "approval"))) !=
	    NULL && approval_valid_id(id))
		a = control_approval_find(ca, id);
	if (a == NULL || a->state == MSG_APPROVAL_PENDING || a->recorded ||
	    a->worker != worker || session == NULL ||
	    strcmp(a->session, session) != 0 ||
	    !approval_field_is(rec, "event", "request") ||
	    !approval_field_is(rec, "connector", a->connector) ||
	    !approval_field_is(rec, "action", a->action)) {
		for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
			json_object_del(rec, fields[i]);
		return -1;
	}
	a->recorded = 1;
	json_object_set_new(rec, "decision",
	    json_string(msg_approval_state_name(a->state)));
	if (a->approver[0] != '\0')
		json_object_set_new(rec, "approver",
		    json_string(a->approver));
	else
		json_object_del(rec, "approver");
	json_object_set_new(rec, "approval_ms",
	    json_integer(a->latency_ms));
	return 0;
}

/*
 * Decided approvals beyond APPROVAL_KEEP go, the oldest first.  Between
 * two asks at most every pending one is decided, so the list stays
 * bounded by APPROVAL_KEEP and APPROVAL_PENDING_ALL.
 */
static void
approval_prune(struct control_approvals *ca)
{
	struct approval	*a, *next;

	for (a = TAILQ_FIRST(&ca->list); a != NULL &&
	    ca->ndecided > APPROVAL_KEEP; a = next) {
		next = TAILQ_NEXT(a, entry);
		if (a->state == MSG_APPROVAL_PENDING)
			continue;
		TAILQ_REMOVE(&ca->list, a, entry);
		ca->ndecided--;
		approval_free(a);
	}
}

/* The timer, at the nearest deadline of a pending approval. */
static void
approval_arm(struct control_approvals *ca)
{
	struct approval	*a;
	struct timespec	*first = NULL;
	int		 ms;

	TAILQ_FOREACH(a, &ca->list, entry) {
		if (a->state != MSG_APPROVAL_PENDING)
			continue;
		if (first == NULL || a->deadline.tv_sec < first->tv_sec ||
		    (a->deadline.tv_sec == first->tv_sec &&
		    a->deadline.tv_nsec < first->tv_nsec))
			first = &a->deadline;
	}
	if (first == NULL) {
		proc_timer_del(ca->ps, &ca->timer);
		return;
	}
	if ((ms = msg_deadline_ms(first)) < 0)
		ms = 0;
	proc_timer_set(ca->ps, &ca->timer, ms + 1, approval_expire, ca);
}

static void
approval_expire(struct proc *ps, void *arg)
{
	struct control_approvals	*ca = arg;
	struct approval			*a, *next;

	(void)ps;
	for (a = TAILQ_FIRST(&ca->list); a != NULL; a = next) {
		next = TAILQ_NEXT(a, entry);
		if (a->state == MSG_APPROVAL_PENDING && msg_past(&a->deadline))
			control_approval_decide(ca, a, MSG_APPROVAL_EXPIRED,
			    NULL, "approval timed out");
	}
	approval_arm(ca);
}

/* What a PENDING or DONE says of a (NULL: refused before it was kept). */
static void
approval_state(const struct control_approvals *ca, const struct approval *a,
    int state, struct msg_control_approval_state *st)
{
	memset(st, 0, sizeof(*st));
	st->state = state;
	if (a != NULL) {
		st->timeout = ca->timeout;
		st->latency_ms = a->latency_ms;
		memcpy(st->digest, a->digest, sizeof(st->digest));
		strlcpy(st->id, a->id, sizeof(st->id));
		strlcpy(st->approver, a->approver, sizeof(st->approver));
		strlcpy(st->reason, a->reason, sizeof(st->reason));
	}
}

/* PENDING or DONE to the worker that asked, when it is still there. */
static void
approval_answer(struct control_approvals *ca, uint32_t worker,
    uint32_t reqid, uint16_t type, const struct approval *a, int state)
{
	struct msg_control_approval_state	 st;
	struct proc_peer			*p;

	if ((p = proc_peer_find(ca->ps, PROC_WORKER, worker)) == NULL)
		return;
	approval_state(ca, a, state, &st);
	if (chan_reply(&p->chan, reqid, type, &st, sizeof(st)) == -1)
		log_warnx("%s: cannot answer", p->chan.name);
}

/*
 * Decide a pending approval: record who and why, tell the waiting worker
 * (a second reply to its ASK) and write control's own record.  -1 when
 * it is not pending any more.
 */
int
control_approval_decide(struct control_approvals *ca, struct approval *a,
    int state, const char *approver, const char *reason)
{
	struct msg_control_approval_state	 st;
	struct timespec				 now;
	json_t					*rec;

	if (a->state != MSG_APPROVAL_PENDING)
		return -1;
	a->state = state;
	a->decided = time(NULL);
	clock_gettime(CLOCK_MONOTONIC, &now);
	a->latency_ms = (now.tv_sec - a->asked.tv_sec) * 1000 +
	    (now.tv_nsec - a->asked.tv_nsec) / 1000000;
	if (approver != NULL)
		strlcpy(a->approver, approver, sizeof(a->approver));
	if (reason != NULL)
		strlcpy(a->reason, reason, sizeof(a->reason));
	approval_text(a->approver);
	approval_text(a->reason);
	ca->npending--;
	ca->ndecided++;
	log_info("approval %s (%s.%s, session %s): %s%s%s", a->id,
	    a->connector, a->action, a->session, msg_approval_state_name(state),
	    a->approver[0] != '\0' ? " by " : "", a->approver);
	/* A grant lets the worker inject: vaultd hears of it first. */
	if (state == MSG_APPROVAL_GRANTED && ca->granted != NULL) {
		approval_state(ca, a, state, &st);
		ca->granted(ca->arg, a->worker, a->reqid, a->connector,
		    a->host, &st);
	} else
		approval_answer(ca, a->worker, a->reqid,
		    MSG_CONTROL_APPROVAL_DONE, a, state);
	rec = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i}",
	    "event", "approval", "approval", a->id, "decision",
	    msg_approval_state_name(state), "session", a->session, "user",
	    a->user, "connector", a->connector, "action", a->action,
	    "reason", a->reason, "latency_ms", (json_int_t)a->latency_ms);
	if (rec != NULL && a->approver[0] != '\0')
		json_object_set_new(rec, "approver",
		    json_string(a->approver));
	if (rec != NULL)
		ca->audit(ca->arg, rec);
	approval_arm(ca);
	return 0;
}

/* Is m what ok, the worker's last decision, lets it ask about? */
static int
approval_askable(const struct approval_askable *ok,
    const struct msg_control_approval_ask *m)
{
	size_t	 n;

	if (ok == NULL || !ok->armed)
		return 0;
	if (strcmp(ok->connector, m->connector) != 0 ||
	    strcmp(ok->action, m->action) != 0 ||
	    strcmp(ok->method, m->method) != 0 ||
	    strcmp(ok->host, m->host) != 0)
		return 0;
	/* POLICY's path is cut shorter than ASK's: equal as far as it goes. */
	n = strlen(ok->path);
	if (strncmp(ok->path, m->path, n) != 0 ||
	    (m->path[n] != '\0' && n < sizeof(ok->path) - 1))
		return 0;
	if (ok->digested && memcmp(ok->digest, m->digest,
	    sizeof(ok->digest)) != 0)
		return 0;
	return 1;
}

/*
 * A worker's request needs a human.  The requester is the session control
 * authenticated on this channel (s); a worker without one gets REFUSED,
 * and so does an ASK for anything but what the worker's last decision
 * said needs a human (ok): else a worker compromised by what it parsed
 * could put an action policy denies before a person, and have its
 * credential released on the grant.  The summary must be a bounded JSON
 * object; anything else costs the worker its channel.
 */
void
control_approval_ask(struct control_approvals *ca, struct proc_peer *p,
    struct msg *msg, const struct control_session *s,
    const struct approval_askable *ok)
{
	struct msg_control_approval_ask	 m;
	struct msg_reader		 r;
	struct approval			*a, *o;
	const uint8_t			*tail;
	size_t				 taillen, n = 0;
	json_t				*summary;
	uint8_t				 rnd[MSG_APPROVAL_ID_LEN / 2];
	size_t				 i;

	memset(&m, 0, sizeof(m));
	msg_reader_init(&r, msg);
	msg_get_data(&r, m.digest, sizeof(m.digest));
	msg_get_str(&r, m.connector, sizeof(m.connector));
	msg_get_str(&r, m.action, sizeof(m.action));
	msg_get_str(&r, m.method, sizeof(m.method));
	msg_get_str(&r, m.host, sizeof(m.host));
	msg_get_str(&r, m.path, sizeof(m.path));
	tail = msg_get_rest(&r, &taillen);
	if (msg_get_end(&r) == -1 || taillen > MSG_APPROVAL_SUMMARY_MAX ||
	    !control_session_valid_label(m.connector) ||
	    !control_session_valid_label(m.action) ||
	    !approval_printable(m.method) || !approval_printable(m.host) ||
	    !approval_printable(m.path) ||
	    (summary = json_loadb((const char *)tail, taillen,
	    JSON_REJECT_DUPLICATES, NULL)) == NULL) {
		log_warnx("%s: malformed approval request", p->chan.name);
		proc_bad_frame(ca->ps, p);
		return;
	}
	if (!json_is_object(summary)) {
		json_decref(summary);
		log_warnx("%s: approval summary is not an object",
		    p->chan.name);
		proc_bad_frame(ca->ps, p);
		return;
	}
	if (s != NULL && !approval_askable(ok, &m)) {
		json_decref(summary);
		log_warnx("%s: asked a person about %s.%s on %s, which no "
		    "decision of control sent to one; refused", p->chan.name,
		    m.connector, m.action, m.host);
		approval_answer(ca, p->id, msg->hdr.reqid,
		    MSG_CONTROL_APPROVAL_PENDING, NULL, MSG_APPROVAL_REFUSED);
		return;
	}
	if (s == NULL || ca->npending >= APPROVAL_PENDING_ALL) {
		json_decref(summary);
		approval_answer(ca, p->id, msg->hdr.reqid,
		    MSG_CONTROL_APPROVAL_PENDING, NULL, MSG_APPROVAL_REFUSED);
		return;
	}
	TAILQ_FOREACH(o, &ca->list, entry)
		if (o->state == MSG_APPROVAL_PENDING &&
		    strcmp(o->session, s->id) == 0)
			n++;
	if (n >= ca->pending) {
		json_decref(summary);
		log_info("session %s: %zu approvals pending already; %s.%s "
		    "refused", s->id, n, m.connector, m.action);
		approval_answer(ca, p->id, msg->hdr.reqid,
		    MSG_CONTROL_APPROVAL_PENDING, NULL, MSG_APPROVAL_TOO_MANY);
		return;
	}
	/*
	 * Old decisions go only here, never while deciding: the callers of
	 * control_approval_decide() still hold approvals of the list.
	 */
	approval_prune(ca);
	if ((a = calloc(1, sizeof(*a))) == NULL)
		fatal("%s", __func__);
	arc4random_buf(rnd, sizeof(rnd));
	for (i = 0; i < sizeof(rnd); i++)
		snprintf(a->id + i * 2, 3, "%02x", rnd[i]);
	a->state = MSG_APPROVAL_PENDING;
	strlcpy(a->connector, m.connector, sizeof(a->connector));
	strlcpy(a->action, m.action, sizeof(a->action));
	strlcpy(a->method, m.method, sizeof(a->method));
	strlcpy(a->host, m.host, sizeof(a->host));
	strlcpy(a->path, m.path, sizeof(a->path));
	a->summary = summary;
	strlcpy(a->session, s->id, sizeof(a->session));
	strlcpy(a->user, s->user, sizeof(a->user));
	strlcpy(a->agent, s->agent, sizeof(a->agent));
	memcpy(a->digest, m.digest, sizeof(a->digest));
	a->created = time(NULL);
	a->deadline_wall = a->created + ca->timeout;
	clock_gettime(CLOCK_MONOTONIC, &a->asked);
	msg_deadline(&a->deadline, ca->timeout * 1000);
	a->worker = p->id;
	a->reqid = msg->hdr.reqid;
	TAILQ_INSERT_TAIL(&ca->list, a, entry);
	ca->npending++;
	log_info("approval %s pending: %s.%s for user %s (session %s)",
	    a->id, a->connector, a->action, a->user, a->session);
	approval_answer(ca, p->id, msg->hdr.reqid,
	    MSG_CONTROL_APPROVAL_PENDING, a, MSG_APPROVAL_PENDING);
	approval_arm(ca);
}

/* The agent went away while its worker waited: never grantable now. */
void
control_approval_withdraw(struct control_approvals *ca, struct proc_peer *p,
    struct msg *msg)
{
	struct msg_control_approval_id	 m;
	struct msg_reader		 r;
	struct approval			*a;

	msg_reader_init(&r, msg);
	msg_get_str(&r, m.id, sizeof(m.id));
	if (msg_get_end(&r) == -1) {
		proc_bad_frame(ca->ps, p);
		return;
	}
	/* Only the worker that asked may withdraw; a stale id is no harm. */
	if (!approval_valid_id(m.id) ||
	    (a = control_approval_find(ca, m.id)) == NULL ||
	    a->worker != p->id)
		return;
	control_approval_decide(ca, a, MSG_APPROVAL_WITHDRAWN, NULL,
	    "the agent's connection closed");
}

/* A worker gone: whatever it waited for is withdrawn. */
void
control_approval_worker_gone(struct control_approvals *ca, uint32_t worker)
{
	struct approval	*a, *next;

	for (a = TAILQ_FIRST(&ca->list); a != NULL; a = next) {
		next = TAILQ_NEXT(a, entry);
		if (a->state == MSG_APPROVAL_PENDING && a->worker == worker)
			control_approval_decide(ca, a, MSG_APPROVAL_WITHDRAWN,
			    NULL, "the agent's connection closed");
	}
}

/*
 * A session ended: what it waited for is withdrawn, since its credential
 * is gone from vaultd and nobody should grant for a session that is over.
 */
void
control_approval_session_gone(struct control_approvals *ca,
    const char *session)
{
	struct approval	*a, *next;

	for (a = TAILQ_FIRST(&ca->list); a != NULL; a = next) {
		next = TAILQ_NEXT(a, entry);
		if (a->state == MSG_APPROVAL_PENDING &&
		    strcmp(a->session, session) == 0)
			control_approval_decide(ca, a, MSG_APPROVAL_WITHDRAWN,
			    NULL, "the session ended");
	}
}

/* One approval as the API shows it; never the request's bytes. */
json_t *
control_approval_json(const struct approval *a)
{
	char	 created[32], deadline[32], decided[32], digest[65];
	json_t	*j;
	size_t	 i;

	approval_time(a->created, created, sizeof(created));
	approval_time(a->deadline_wall, deadline, sizeof(deadline));
	for (i = 0; i < sizeof(a->digest); i++)
		snprintf(digest + i * 2, 3, "%02x", a->digest[i]);
	j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:O, s:s, s:s, "
	    "s:s, s:s, s:s, s:s}", "id", a->id, "state",
	    msg_approval_state_name(a->state), "connector", a->connector,
	    "action", a->action, "method", a->method, "host", a->host,
	    "path", a->path, "summary", a->summary, "session", a->session,
	    "user", a->user, "agent", a->agent, "digest", digest, "created",
	    created, "deadline", deadline);
	if (j == NULL || a->state == MSG_APPROVAL_PENDING)
		return j;
	approval_time(a->decided, decided, sizeof(decided));
	json_object_set_new(j, "decided", json_string(decided));
	json_object_set_new(j, "latency_ms", json_integer(a->latency_ms));
	if (a->approver[0] != '\0')
		json_object_set_new(j, "approver", json_string(a->approver));
	if (a->reason[0] != '\0')
		json_object_set_new(j, "reason", json_string(a->reason));
	return j;
}

/* status and JSON (taken) to the API's worker. */
static void
approval_api_reply(struct proc_peer *p, uint32_t reqid, int32_t status,
    json_t *j)
{
	struct iovec	 iov[2];
	char		*s;

	if (j == NULL) {
		status = 500;
		j = json_pack("{s:s, s:s}", "type", "aileron:unavailable",
		    "title", "control cannot show the approval");
	}
	if (j == NULL ||
	    (s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER)) == NULL)
		fatalx("%s: out of memory", __func__);
	json_decref(j);
	iov[0].iov_base = &status;
	iov[0].iov_len = sizeof(status);
	iov[1].iov_base = s;
	iov[1].iov_len = strlen(s);
	if (iov[1].iov_len > MSG_APPROVAL_LIST_MAX)
		iov[1].iov_len = 2, iov[1].iov_base = "[]";
	if (chan_replyv(&p->chan, reqid, MSG_CONTROL_APPROVAL_API_REPLY, iov,
	    2) == -1)
		log_warnx("%s: cannot answer", p->chan.name);
	free(s);
}

static json_t *
approval_problem(const char *type, const char *title)
{
	return json_pack("{s:s, s:s}", "type", type, "title", title);
}

/*
 * The API: list, look, grant, deny.  session is the session a proxy
 * worker authenticated (aileron.internal: its own approvals, read only),
 * or NULL for the API's worker, whose caller is m.uid.
 */
void
control_approval_api(struct control_approvals *ca,
    struct control_sessions *ss, struct proc_peer *p, struct msg *msg,
    const char *session)
{
	struct msg_control_approval_api	 m;
	struct msg_reader		 r;
	struct approval			*a = NULL;
	const char			*who = NULL;
	int				 admin = 0;
	char				 reason[MSG_APPROVAL_REASON_MAX + 80];
	json_t				*list, *j;
	size_t				 used = 2, len;
	char				*s;

	memset(&m, 0, sizeof(m));
	msg_reader_init(&r, msg);
	msg_get_u32(&r, &m.uid);
	msg_get_u32(&r, &m.op);
	msg_get_str(&r, m.id, sizeof(m.id));
	msg_get_str(&r, m.reason, sizeof(m.reason));
	if (msg_get_end(&r) == -1 || m.op > MSG_APPROVAL_OP_DENY) {
		proc_bad_frame(ca->ps, p);
		return;
	}
	if (session == NULL &&
	    (who = control_approval_who(ca, ss, m.uid, &admin)) == NULL) {
		log_info("%s: uid %u is no aileron user: approvals refused",
		    p->chan.name, m.uid);
		approval_api_reply(p, msg->hdr.reqid, 403,
		    approval_problem("aileron:denied", "this uid is mapped "
		    "to no aileron user"));
		return;
	}
	if (session != NULL && (m.op == MSG_APPROVAL_OP_GRANT ||
	    m.op == MSG_APPROVAL_OP_DENY)) {
		log_warnx("%s: session %s tried to decide approval %s",
		    p->chan.name, session, approval_valid_id(m.id) ? m.id :
		    "(invalid id)");
		approval_api_reply(p, msg->hdr.reqid, 403,
		    approval_problem("aileron:denied",
		    "a session token cannot grant"));
		return;
	}
	if (m.op == MSG_APPROVAL_OP_LIST || m.op == MSG_APPROVAL_OP_LIST_ALL) {
		/* The newest first, as many as fit. */
		if ((list = json_array()) == NULL)
			fatalx("%s: out of memory", __func__);
		TAILQ_FOREACH_REVERSE(a, &ca->list, approval_list, entry) {
			if (m.op == MSG_APPROVAL_OP_LIST &&
			    a->state != MSG_APPROVAL_PENDING)
				continue;
			if (!approval_visible(a, session, who, admin))
				continue;
			if ((j = control_approval_json(a)) == NULL)
				continue;
			if ((s = json_dumps(j, JSON_COMPACT)) == NULL)
				fatalx("%s: out of memory", __func__);
			len = strlen(s) + 1;
			free(s);
			if (used + len > MSG_APPROVAL_LIST_MAX) {
				json_decref(j);
				break;
			}
			used += len;
			json_array_append_new(list, j);
		}
		approval_api_reply(p, msg->hdr.reqid, 200, list);
		return;
	}
	/*
	 * Another user's approval is answered as one that does not exist:
	 * its id says nothing to a caller who may not see it.
	 */
	if (!approval_valid_id(m.id) ||
	    (a = control_approval_find(ca, m.id)) == NULL ||
	    !approval_visible(a, session, who, admin)) {
		if (a != NULL && session == NULL)
			log_warnx("%s: %s may not see approval %s of user %s",
			    p->chan.name, who, a->id, a->user);
		approval_api_reply(p, msg->hdr.reqid, 404,
		    approval_problem("aileron:not-found",
		    "no such approval"));
		return;
	}
	if (m.op == MSG_APPROVAL_OP_GET) {
		approval_api_reply(p, msg->hdr.reqid, 200,
		    control_approval_json(a));
		return;
	}
	if (a->state != MSG_APPROVAL_PENDING) {
		snprintf(reason, sizeof(reason), "approval %s is %s already",
		    a->id, msg_approval_state_name(a->state));
		approval_api_reply(p, msg->hdr.reqid, 409,
		    approval_problem("aileron:conflict", reason));
		return;
	}
	if (m.op == MSG_APPROVAL_OP_GRANT)
		/* Only the web page sends a grant's reason. */
		control_approval_decide(ca, a, MSG_APPROVAL_GRANTED, who,
		    m.reason[0] != '\0' ? m.reason : NULL);
	else {
		if (m.reason[0] != '\0')
			snprintf(reason, sizeof(reason), "denied by %s: %s",
			    who, m.reason);
		else
			snprintf(reason, sizeof(reason), "denied by %s", who);
		control_approval_decide(ca, a, MSG_APPROVAL_DENIED, who,
		    reason);
	}
	approval_api_reply(p, msg->hdr.reqid, 200, control_approval_json(a));
}
