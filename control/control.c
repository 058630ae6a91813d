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
 * control.c: the management plane, started by the master by fork and exec.
 * It holds the sessions (session.c), decides on actions (policy.c) and
 * keeps the audit log (auditlog.c, audit.c) in its own Berkeley DB
 * environment (store.c), where approvals and usage will join it.  It
 * keeps a channel to every worker, and knows which session each worker
 * authenticated.
 *
 * control never sees a plaintext credential and never parses untrusted
 * bytes: workers send it small typed messages, and a worker that sends a
 * bad one loses its channel, never control.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <libgen.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/sha.h>

#include "log.h"
#include "msg.h"
#include "msgtypes.h"
#include "proc.h"
#include "control/approval.h"
#include "control/audit.h"
#include "control/auditlog.h"
#include "control/budget.h"
#include "control/usage.h"
#include "control/control.h"
#include "control/metrics.h"
#include "control/policy.h"
#include "control/session.h"
#include "master/parse.h"
#include "control/shell.h"
#include "control/store.h"
#include "control/users.h"
#include "control/web.h"
#include "vault/vault.h"

/* How long a test echo waits for vaultd (tests only). */
#define CONTROL_TEST_CALL_MS	500
/* How often control looks for sessions to expire. */
#define CONTROL_EXPIRY_MS	1000
/* How long a session's begin, end or binding waits for vaultd. */
#define CONTROL_VAULTD_CALL_MS	2000
/*
 * Wrong tokens a worker may present before control stops looking: the
 * proxy retries a 407 a bounded number of times, so more is a worker
 * guessing tokens.
 */
#define CONTROL_BAD_TOKENS_MAX	8

struct control {
	struct proc		 ps;
	struct proc_peer	*parent;
	struct proc_peer	*vaultd;	/* trusted, like the master */
	struct msg_conf_proc	 conf;
	struct control_sessions	 sessions;
	struct control_policy	 policy;	/* aileron.conf and specs */
	struct proc_timer	 expiry;
	struct control_users	 users;		/* teams: users.c */
	struct control_approvals approvals;	/* approval.c */
	int			 headfd;	/* <state>/audit.head */
	struct msg_conf_audit	 auditconf;
	char			 api_socket[108];	/* to check API_PEER */
	struct control_budgets	 budgets;	/* budget.c (issue 14) */
	struct control_web	 web;		/* the web page's sessions */
};

/*
 * What control knows of one worker (its peer's state).  A worker serves
 * either the management API or one agent's connection: one that asked
 * for both is refused, so a worker that authenticated an agent cannot
 * then start or end sessions, nor the reverse.
 */
struct control_worker {
	char		 session[CSESSION_ID_LEN + 1];	/* or "" */
	char		 user[72];
	char		 agent[64];
	uint32_t	 uid;		/* who started the session */
	uint64_t	 decision;	/* the last decision's record */
	struct approval_askable ask;	/* what it may ask a person */
	int		 badtokens;
	int		 authing;	/* an AUTH waits on vaultd */
	int		 api;		/* sent SESSION_START or _END */
	int		 peer_known;	/* API_PEER told us peer_uid */
	uint32_t	 peer_uid;	/* SO_PEERCRED of its api.sock caller */
	int		 web;		/* speaks for a web session */
	uint32_t	 web_uid;	/* its user's uid */
	/* What vaultd acknowledged releasing to it (control_release). */
	struct control_released	*released;
	size_t			 nreleased;
};

/* A connector's credential vaultd released to a worker, for one host. */
struct control_released {
	char		 connector[64];
	char		 host[256];
};

/*
 * A worker's ALLOW (POLICY_REPLY) or grant (APPROVAL_DONE) waiting on
 * vaultd's release of the action's credential to that worker.
 */
struct control_release {
	struct control			*ctl;
	uint32_t			 worker;
	uint32_t			 reqid;		/* the worker's call */
	uint16_t			 type;		/* its reply's type */
	struct msg_control_decision	 d;		/* POLICY_REPLY */
	struct msg_control_approval_state st;		/* APPROVAL_DONE */
	char				 connector[64];
	char				 host[256];
};

/* A worker's request waiting on our call to vaultd. */
struct control_wait {
	struct control		*ctl;
	uint32_t		 worker;
	uint32_t		 reqid;		/* the worker's call */
	uint16_t		 type;		/* the worker's message */
	char			 session[CSESSION_ID_LEN + 1];
	char			 token[CSESSION_TOKEN_LEN + 1];
};

/*
 * Workers' channels come from the master; the Berkeley DB environment
 * (store.c) opens its region, log and database files by name in
 * control's directory, creates and removes log files there, and sets
 * their mode (fchmod).  No flock: without DB_REGISTER it takes none.
 */
const char	 control_promises[] = "stdio rpath wpath cpath fattr recvfd";

static void	control_conf_cb(struct msg *, void *);
static void	control_dispatch_master(struct proc *, struct proc_peer *,
		    struct msg *);
static void	control_dispatch_vaultd(struct proc *, struct proc_peer *,
		    struct msg *);
static void	control_dispatch_worker(struct proc *, struct proc_peer *,
		    struct msg *);
static void	control_lost_master(struct proc *, struct proc_peer *);
static void	control_lost_vaultd(struct proc *, struct proc_peer *);
static void	control_lost_worker(struct proc *, struct proc_peer *);
static void	control_test_answer(struct chan *, struct msg *, void *);
static struct control_worker *control_worker_state(struct proc_peer *);
static struct control_wait *control_wait_new(struct control *,
		    struct proc_peer *, struct msg *);
static void	control_wait_free(struct control_wait *);
static int	control_vaultd_call(struct control *, uint16_t, uint32_t,
		    const char *, const char *, struct control_wait *);
static int	control_vaultd_ok(struct msg *, const char **, size_t *);
static void	control_session_start_msg(struct control *,
		    struct proc_peer *, struct msg *);
static void	control_session_started(struct chan *, struct msg *, void *);
static void	control_session_end_msg(struct control *,
		    struct proc_peer *, struct msg *);
static void	control_session_ended(struct chan *, struct msg *, void *);
static void	control_session_reply(struct control *, uint32_t, uint32_t,
		    int32_t, const char *, const char *, const char *,
		    const char *, size_t);
static void	control_auth_msg(struct control *, struct proc_peer *,
		    struct msg *);
static void	control_auth_bound(struct chan *, struct msg *, void *);
static void	control_auth_reply(struct control *, uint32_t, uint32_t,
		    const struct control_session *);
static void	control_policy_msg(struct control *, struct proc_peer *,
		    struct msg *);
static void	control_audit_msg(struct control *, struct proc_peer *,
		    struct msg *);
static int	control_worker_event(const char *);
static void	control_audit_session(struct control *, const char *,
		    const struct control_session *, uint32_t);
static json_t	*control_audit_str(const char *);
static int	control_api_worker(struct proc *, struct proc_peer *,
		    struct msg *, const char *);
static int	control_unauthed_worker(struct proc *, struct proc_peer *,
		    const char *);
static void	control_api_uid(const struct control_worker *, struct msg *);
static void	control_api_peer(struct control *, struct proc *,
		    struct proc_peer *, struct msg *);
static void	control_preload(void);
/* Policy and sessions (issue 11). */
static void	control_conf_file(struct control *, struct msg *);
static int	control_sessions_of(struct control *, uint32_t);
static int	control_session_alive(struct control *,
		    struct control_session *);
static void	control_session_expire(struct control *,
		    struct control_session *, const char *);
static void	control_expiry_tick(struct proc *, void *);
static void	control_session_list_msg(struct control *,
		    struct proc_peer *, struct msg *);
static int	control_session_start_who(struct control *,
		    struct proc_peer *, struct msg *,
		    struct msg_control_session_start *);
static void	control_approval_audit(void *, json_t *);
static void	control_shell_msg(struct control *, struct proc_peer *,
		    struct msg *);
static void	control_askable(struct control_worker *,
		    const struct msg_control_decision *, const char *,
		    const char *, const char *, const char *, const char *);
static struct control_session *control_worker_session(struct control *,
		    struct control_worker *);
static int	control_approval_identify(void *, uint32_t, char *, size_t,
		    int *);
static void	control_policy_allowed(struct proc *, uint32_t, uint32_t,
		    const struct msg_control_decision *, const char *,
		    const char *);
static void	control_approval_granted(void *, uint32_t, uint32_t,
		    const char *, const char *,
		    const struct msg_control_approval_state *);
static struct control_release *control_release_new(struct control *,
		    uint32_t, uint32_t, uint16_t, const char *, const char *);
static void	control_release(struct control_release *);
static void	control_release_done(struct chan *, struct msg *, void *);
static void	control_release_answer(struct control_release *, int);
static int	control_released(const struct control_worker *,
		    const char *, const char *);
static void	control_release_keep(struct control_worker *, const char *,
		    const char *);
static void	control_release_forget(struct control_worker *);
static const char *control_printable(const char *);

static const struct proc_peer_type control_peers[] = {
	/* peer		trusted	handler			lost */
	{ PROC_MASTER,	1,	control_dispatch_master, control_lost_master },
	{ PROC_VAULTD,	1,	control_dispatch_vaultd, control_lost_vaultd },
	{ PROC_WORKER,	0,	control_dispatch_worker, control_lost_worker },
};

static const struct msg_accept control_accept[] = {
	/* type			from		fds */
	{ MSG_CONF_PROC,	PROC_MASTER,	0 },
	{ MSG_CONF_PEER,	PROC_MASTER,	1 },
	{ MSG_CONF_DONE,	PROC_MASTER,	0 },
	{ MSG_CONF_VERBOSE,	PROC_MASTER,	0 },
	{ MSG_PING,		PROC_MASTER,	0 },
	{ MSG_WORKER_NEW,	PROC_MASTER,	1 },
	{ MSG_WORKER_GONE,	PROC_MASTER,	0 },
	{ MSG_SHUTDOWN,		PROC_MASTER,	0 },
	{ MSG_VAULT_SESSION_ACK, PROC_VAULTD,	0 },
	{ MSG_TEST_ECHO,	PROC_VAULTD,	0 },
	{ MSG_TEST_ECHO,	PROC_WORKER,	0 },
	{ MSG_CONTROL_AUTH,	PROC_WORKER,	0 },
	{ MSG_CONTROL_POLICY,	PROC_WORKER,	0 },
	{ MSG_CONTROL_AUDIT,	PROC_WORKER,	0 },
	{ MSG_CONTROL_SESSION_START, PROC_WORKER, 0 },
	{ MSG_CONTROL_SESSION_END, PROC_WORKER,	0 },
	/* Policy and sessions (issue 11). */
	{ MSG_CONF_FILE,	PROC_MASTER,	0 },
	{ MSG_CONTROL_SESSION_LIST, PROC_WORKER, 0 },
	/* Teams (issue 11): user lines; users and their tokens. */
	{ MSG_CONF_USER,	PROC_MASTER,	0 },
	{ MSG_CONTROL_USER,	PROC_WORKER,	0 },
	/* Approvals (approval.c). */
	{ MSG_CONF_APPROVAL,	PROC_MASTER,	0 },
	{ MSG_CONTROL_APPROVAL_ASK, PROC_WORKER, 0 },
	{ MSG_CONTROL_APPROVAL_WITHDRAW, PROC_WORKER, 0 },
	{ MSG_CONTROL_APPROVAL_API, PROC_WORKER, 0 },
	/* the audit log */
	{ MSG_CONF_AUDIT,	PROC_MASTER,	0 },
	{ MSG_CONTROL_AUDIT_QUERY, PROC_WORKER,	0 },
	/* launch's shell mediation (shell.c) */
	{ MSG_CONTROL_SHELL_CHECK, PROC_WORKER,	0 },
	/* who calls on api.sock, from the kernel (api_peer) */
	{ MSG_CONTROL_API_PEER,	PROC_WORKER,	1 },
	/* budgets (budget.c) */
	{ MSG_CONTROL_BUDGET,	PROC_WORKER,	0 },
	/* metrics (metrics.c) */
	{ MSG_CONTROL_METRICS,	PROC_WORKER,	0 },
	{ MSG_CONTROL_CALLS,	PROC_WORKER,	0 },
	/* the web page (web.c) */
	{ MSG_CONTROL_WEB,	PROC_WORKER,	0 },
	/* usage rollups (usage.c, issue 14) */
	{ MSG_CONTROL_USAGE_QUERY, PROC_WORKER,	0 },
};

static void
control_conf_cb(struct msg *msg, void *arg)
{
	struct control	*ctl = arg;

	if (msg->hdr.type == MSG_CONF_FILE && ctl->policy.conf == NULL) {
		control_conf_file(ctl, msg);
		return;
	}
	if (control_users_conf(&ctl->users, msg))
		return;
	if (msg->hdr.type == MSG_CONF_APPROVAL) {
		if (control_approval_conf(&ctl->approvals, msg) == -1)
			fatalx("malformed %s", msgtype_name(msg->hdr.type));
		return;
	}
	if (msg->hdr.type == MSG_CONF_AUDIT && msg->len ==
	    sizeof(ctl->auditconf)) {
		memcpy(&ctl->auditconf, msg->data, sizeof(ctl->auditconf));
		return;
	}
	if (msg->hdr.type != MSG_CONF_PEER || msg->hdr.peerid != PROC_VAULTD ||
	    ctl->vaultd != NULL)
		fatalx("unexpected %s during configuration",
		    msgtype_name(msg->hdr.type));
	if ((ctl->vaultd = proc_peer_add(&ctl->ps, PROC_VAULTD, msg->fd, 0,
	    "vaultd")) == NULL)
		fatalx("no channel to vaultd");
}

/* vaultd is trusted: it only answers our calls, so anything else is fatal. */
static void
control_dispatch_vaultd(struct proc *ps, struct proc_peer *p, struct msg *msg)
{
	proc_fail(ps, "%s: unexpected %s", p->chan.name,
	    msgtype_name(msg->hdr.type));
}

static void
control_lost_vaultd(struct proc *ps, struct proc_peer *p)
{
	struct control	*ctl = ps->arg;

	/* At shutdown this is expected; otherwise the master says why. */
	log_debug("lost vaultd; waiting for the master to stop the service");
	ctl->vaultd = NULL;
	(void)p;
}

static void
control_lost_master(struct proc *ps, struct proc_peer *p)
{
	(void)ps;
	(void)p;
	fatalx("the master is gone");
}

/* The master is trusted: a bad frame from it is fatal. */
static void
control_dispatch_master(struct proc *ps, struct proc_peer *p, struct msg *msg)
{
	if (proc_child_dispatch(ps, p, msg))
		return;
	switch (msg->hdr.type) {
	case MSG_SHUTDOWN:
		log_debug("shutting down");
		/* This turn's records, before the store closes. */
		control_audit_commit(ps);
		control_store_close();
		exit(0);
	default:
		proc_fail(ps, "unexpected %s from the master",
		    msgtype_name(msg->hdr.type));
	}
}

/* A worker gone serves no session any more. */
static void
control_lost_worker(struct proc *ps, struct proc_peer *p)
{
	struct control	*ctl = ps->arg;

	control_approval_worker_gone(&ctl->approvals, p->id);
	control_budget_worker_gone(&ctl->budgets, p->id);
	if (p->state != NULL) {
		control_release_forget(p->state);
		explicit_bzero(p->state, sizeof(struct control_worker));
		free(p->state);
		p->state = NULL;
	}
}

static struct control_worker *
control_worker_state(struct proc_peer *p)
{
	if (p->state == NULL && (p->state = calloc(1,
	    sizeof(struct control_worker))) == NULL)
		fatal("%s", __func__);
	return p->state;
}

/*
 * Workers are untrusted: each message was checked for its type's length
 * by the channel, and each handler checks every field.  A worker that
 * sends what it may not loses its channel and is killed; control goes on.
 */
static void
control_dispatch_worker(struct proc *ps, struct proc_peer *p, struct msg *msg)
{
	struct control		*ctl = ps->arg;
	struct control_wait	*w;
	struct control_worker	*cw;
	static const char	 novaultd[] = "error: no vaultd";

	switch (msg->hdr.type) {
	case MSG_TEST_ECHO:
		if (ctl->vaultd == NULL) {
			chan_reply(&p->chan, msg->hdr.reqid, MSG_TEST_ECHO,
			    novaultd, sizeof(novaultd) - 1);
			return;
		}
		w = control_wait_new(ctl, p, msg);
		if (chan_call(&ctl->vaultd->chan, MSG_TEST_ECHO, p->id,
		    msg->data, msg->len, CONTROL_TEST_CALL_MS,
		    control_test_answer, w) == -1)
			fatalx("cannot call vaultd");
		break;
	case MSG_CONTROL_SESSION_START:
	case MSG_CONTROL_SESSION_END:
	case MSG_CONTROL_SESSION_LIST:
	case MSG_CONTROL_USER:
		if (control_api_worker(ps, p, msg, "start or end sessions") == -1)
			return;
		if (msg->hdr.type == MSG_CONTROL_SESSION_LIST)
			control_session_list_msg(ctl, p, msg);
		else if (msg->hdr.type == MSG_CONTROL_USER) {
			control_users_msg(&ctl->users, ctl->conf.owner_uid,
			    ps, p, msg);
			/* An added user may use vault.sock now. */
			if (ctl->vaultd != NULL && control_users_vaultmap(
			    &ctl->users, &ctl->vaultd->chan) == -1)
				log_warnx("cannot tell vaultd who is who");
		}
		else if (msg->hdr.type == MSG_CONTROL_SESSION_START)
			control_session_start_msg(ctl, p, msg);
		else
			control_session_end_msg(ctl, p, msg);
		break;
	case MSG_CONTROL_AUTH:
		if (control_worker_state(p)->api) {
			log_warnx("%s: an API worker may not authenticate "
			    "agents", p->chan.name);
			proc_bad_frame(ps, p);
			return;
		}
		control_auth_msg(ctl, p, msg);
		break;
	case MSG_CONTROL_POLICY:
		control_policy_msg(ctl, p, msg);
		break;
	case MSG_CONTROL_SHELL_CHECK:
		control_shell_msg(ctl, p, msg);
		break;
	case MSG_CONTROL_AUDIT:
		control_audit_msg(ctl, p, msg);
		break;
	/* Approvals (approval.c): the requester is this channel's session. */
	case MSG_CONTROL_APPROVAL_ASK:
		cw = control_worker_state(p);
		control_approval_ask(&ctl->approvals, p, msg,
		    cw->session[0] != '\0' ?
		    control_session_find(&ctl->sessions, cw->session) : NULL,
		    &cw->ask);
		/* One person's decision per decision of control's. */
		memset(&cw->ask, 0, sizeof(cw->ask));
		break;
	case MSG_CONTROL_APPROVAL_WITHDRAW:
		control_approval_withdraw(&ctl->approvals, p, msg);
		break;
	case MSG_CONTROL_APPROVAL_API:
		cw = control_worker_state(p);
		/* A decision comes from a person, never a session. */
		if (cw->session[0] == '\0' && control_api_worker(ps, p, msg,
		    "decide approvals") == -1)
			return;
		control_approval_api(&ctl->approvals, &ctl->sessions, p, msg,
		    cw->session[0] != '\0' ? cw->session : NULL);
		break;
	case MSG_CONTROL_API_PEER:
		control_api_peer(ctl, ps, p, msg);
		break;
	case MSG_CONTROL_AUDIT_QUERY:
		if (control_api_worker(ps, p, msg, "read the audit log") == -1)
			return;
		control_audit_query_msg(ps, p, msg, ctl->conf.owner_uid);
		break;
	/* Budgets (budget.c): only the API's worker lists them. */
	case MSG_CONTROL_BUDGET:
		if (control_budget_op(msg) == MSG_BUDGET_LIST &&
		    control_api_worker(ps, p, msg, "list budgets") == -1)
			return;
		control_budget_msg(&ctl->budgets, ctl, &ctl->users, ps, p,
		    msg);
		break;
	/*
	 * Metrics (issue 14): metrics.c.  On api.sock by the caller's
	 * rules; else from the metrics listener, whose worker checked the
	 * token (counts only: no worker that authenticated an agent).
	 */
	case MSG_CONTROL_METRICS:
		cw = control_worker_state(p);
		if (cw->peer_known) {
			if (control_api_worker(ps, p, msg, "read the metrics") ==
			    -1)
				return;
			control_metrics_query(ctl, p, msg, 0);
		} else {
			if (control_unauthed_worker(ps, p, "read the metrics") ==
			    -1)
				return;
			control_metrics_query(ctl, p, msg, 1);
		}
		break;
	case MSG_CONTROL_CALLS:
		control_metrics_calls(ps, p, msg);
		break;
	/* The web page (web.c): the caller is the web session's user. */
	case MSG_CONTROL_WEB:
		if (control_unauthed_worker(ps, p, "serve the web page") == -1)
			return;
		cw = control_worker_state(p);
		switch (control_web_msg(&ctl->web, &ctl->users, &ctl->sessions,
		    ctl->conf.owner_uid, p, msg, &cw->web_uid)) {
		case -1:
			proc_bad_frame(ps, p);
			return;
		case 1:
			cw->web = 1;
			break;
		}
		break;
	/* Usage (usage.c): the rollups, by the audit's rules. */
	case MSG_CONTROL_USAGE_QUERY:
		if (control_api_worker(ps, p, msg, "read usage") == -1)
			return;
		control_audit_commit(ps);
		control_usage_query_msg(p, msg, ctl->conf.owner_uid,
		    ctl->policy.conf != NULL ? &ctl->policy.conf->prices :
		    NULL);
		break;
	default:
		proc_bad_frame(ps, p);
		break;
	}
}

/*
 * A worker serves either the management API or one agent's connection:
 * one that authenticated an agent may not use the API's messages.
 */
static int
control_unauthed_worker(struct proc *ps, struct proc_peer *p,
    const char *what)
{
	struct control_worker	*cw = control_worker_state(p);

	if (cw->session[0] != '\0' || cw->badtokens > 0) {
		log_warnx("%s: a proxy worker may not %s", p->chan.name,
		    what);
		proc_bad_frame(ps, p);
		return -1;
	}
	cw->api = 1;
	return 0;
}

/* The API's worker, whose caller control asked the kernel about. */
static int
control_api_worker(struct proc *ps, struct proc_peer *p, struct msg *msg,
    const char *what)
{
	struct control_worker	*cw = control_worker_state(p);

	if (control_unauthed_worker(ps, p, what) == -1)
		return -1;
	if (!cw->peer_known && !cw->web) {
		log_warnx("%s: may not %s: it did not hand over its caller's "
		    "connection, nor log in on the web page", p->chan.name,
		    what);
		proc_bad_frame(ps, p);
		return -1;
	}
	cw->api = 1;
	control_api_uid(cw, msg);
	return 0;
}

/*
 * Every API message starts with the caller's uid: it is the one the
 * kernel told us (control_api_peer), or the web session's user's
 * (web.c), whatever the worker wrote there.
 */
static void
control_api_uid(const struct control_worker *cw, struct msg *msg)
{
	static uint8_t	 copy[MSG_MAXPAYLOAD];
	uint32_t	 uid = cw->peer_known ? cw->peer_uid : cw->web_uid;

	if (msg->len < sizeof(uid) || msg->len > sizeof(copy))
		return;
	memcpy(copy, msg->data, msg->len);
	memcpy(copy, &uid, sizeof(uid));
	msg->data = copy;
}

/*
 * The API's worker hands over its accepted api.sock connection: control
 * asks the kernel who is at the other end.  It must be a connection
 * accepted on api.sock itself: not a listener (whose SO_PEERCRED is the
 * master's), not the client end of a connection the worker made (its
 * local name is empty), not another socket.
 */
static void
control_api_peer(struct control *ctl, struct proc *ps, struct proc_peer *p,
    struct msg *msg)
{
	struct control_worker	*cw = control_worker_state(p);
	struct sockaddr_un	 sun;
	struct ucred		 cred;
	struct stat		 st;
	socklen_t		 len;
	const char		*why = NULL;
	int			 acc = 1, fd = msg->fd;

	msg->fd = -1;
	len = sizeof(acc);
	if (cw->session[0] != '\0' || cw->badtokens > 0 || cw->peer_known)
		why = "a second caller, or a proxy worker's";
	else if (fd < 0 || fstat(fd, &st) == -1 || !S_ISSOCK(st.st_mode))
		why = "not a socket";
	else if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &len) ==
	    -1 || acc != 0)
		why = "a listener";
	else {
		memset(&sun, 0, sizeof(sun));
		len = sizeof(sun);
		if (getsockname(fd, (struct sockaddr *)&sun, &len) == -1 ||
		    sun.sun_family != AF_UNIX ||
		    len <= offsetof(struct sockaddr_un, sun_path) ||
		    ctl->api_socket[0] == '\0' ||
		    strncmp(sun.sun_path, ctl->api_socket,
		    sizeof(sun.sun_path)) != 0)
			why = "not a connection accepted on api.sock";
		else {
			len = sizeof(cred);
			if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred,
			    &len) == -1 || len != sizeof(cred))
				why = "no SO_PEERCRED";
			else {
				cw->peer_uid = cred.uid;
				cw->peer_known = 1;
				cw->api = 1;
			}
		}
	}
	if (fd >= 0)
		close(fd);
	if (why != NULL) {
		log_warnx("%s: API_PEER refused: %s", p->chan.name, why);
		proc_bad_frame(ps, p);
	}
}

/* vaultd answered, or did not in time (msg NULL): tell the worker. */
static void
control_test_answer(struct chan *c, struct msg *msg, void *arg)
{
	struct control_wait	*w = arg;
	struct proc_peer	*p;
	static const char	 late[] = "error: vaultd did not answer in time";

	(void)c;
	if ((p = proc_peer_find(&w->ctl->ps, PROC_WORKER, w->worker)) !=
	    NULL) {
		if (msg != NULL)
			chan_reply(&p->chan, w->reqid, MSG_TEST_ECHO,
			    msg->data, msg->len);
		else
			chan_reply(&p->chan, w->reqid, MSG_TEST_ECHO, late,
			    sizeof(late) - 1);
	}
	control_wait_free(w);
}

static struct control_wait *
control_wait_new(struct control *ctl, struct proc_peer *p, struct msg *msg)
{
	struct control_wait	*w;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		fatal("%s", __func__);
	w->ctl = ctl;
	w->worker = p->id;
	w->reqid = msg->hdr.reqid;
	w->type = msg->hdr.type;
	return w;
}

static void
control_wait_free(struct control_wait *w)
{
	explicit_bzero(w, sizeof(*w));
	free(w);
}

/* A session message to vaultd, answered in cb (w) or at the deadline. */
static int
control_vaultd_call(struct control *ctl, uint16_t type, uint32_t worker,
    const char *session, const char *user, struct control_wait *w)
{
	struct msg_vault_session	 ms;

	if (ctl->vaultd == NULL)
		return -1;
	memset(&ms, 0, sizeof(ms));
	ms.worker = worker;
	strlcpy(ms.session, session, sizeof(ms.session));
	if (user != NULL)
		strlcpy(ms.user, user, sizeof(ms.user));
	if (chan_call(&ctl->vaultd->chan, type, 0, &ms, sizeof(ms),
	    CONTROL_VAULTD_CALL_MS, type == MSG_VAULT_SESSION_BEGIN ?
	    control_session_started : type == MSG_VAULT_SESSION_END ?
	    control_session_ended : control_auth_bound, w) == -1)
		fatalx("cannot call vaultd");
	return 0;
}

/*
 * vaultd's SESSION_ACK: 1 when it agreed, with its text (the session CA
 * for a BEGIN, or empty); 0 when it refused or did not answer in time.
 * vaultd is trusted: a malformed answer is fatal.
 */
static int
control_vaultd_ok(struct msg *msg, const char **text, size_t *len)
{
	struct msg_vault_reply	 r;

	*text = "";
	*len = 0;
	if (msg == NULL)
		return 0;
	if (msg->hdr.type != MSG_VAULT_SESSION_ACK || msg->len < sizeof(r))
		fatalx("malformed %s from vaultd",
		    msgtype_name(msg->hdr.type));
	memcpy(&r, msg->data, sizeof(r));
	*text = (const char *)msg->data + sizeof(r);
	*len = msg->len - sizeof(r);
	return r.error == 0;
}

/* SESSION_REPLY to the API's worker, when it is still there. */
static void
control_session_reply(struct control *ctl, uint32_t worker, uint32_t reqid,
    int32_t error, const char *session, const char *token,
    const char *reason, const char *ca, size_t calen)
{
	struct msg_control_session_reply	 r;
	struct proc_peer			*p;
	struct iovec				 iov[2];

	if ((p = proc_peer_find(&ctl->ps, PROC_WORKER, worker)) == NULL)
		return;
	memset(&r, 0, sizeof(r));
	r.error = error;
	if (session != NULL)
		strlcpy(r.session, session, sizeof(r.session));
	if (token != NULL)
		strlcpy(r.token, token, sizeof(r.token));
	if (reason != NULL)
		strlcpy(r.reason, reason, sizeof(r.reason));
	iov[0].iov_base = &r;
	iov[0].iov_len = sizeof(r);
	iov[1].iov_base = (void *)ca;
	iov[1].iov_len = calen;
	if (chan_replyv(&p->chan, reqid, MSG_CONTROL_SESSION_REPLY, iov,
	    calen > 0 ? 2 : 1) == -1)
		log_warnx("%s: cannot answer", p->chan.name);
	explicit_bzero(&r, sizeof(r));
}

/*
 * The management API asks for a session.  Control creates it (id and
 * token), then vaultd begins its side (the keys' home and the session
 * CA); only when vaultd agreed does the API get the token.
 */
static void
control_session_start_msg(struct control *ctl, struct proc_peer *p,
    struct msg *msg)
{
	struct msg_control_session_start	 m;
	struct msg_reader			 r;
	struct control_session			*s;
	struct control_wait			*w;

	memset(&m, 0, sizeof(m));
	msg_reader_init(&r, msg);
	msg_get_u32(&r, &m.uid);
	msg_get_str(&r, m.user, sizeof(m.user));
	msg_get_str(&r, m.agent, sizeof(m.agent));
	msg_get_str(&r, m.team, sizeof(m.team));
	msg_get_str(&r, m.project, sizeof(m.project));
	if (msg_get_end(&r) == -1) {
		proc_bad_frame(&ctl->ps, p);
		return;
	}
	if (control_session_start_who(ctl, p, msg, &m) == -1)
		return;
	/* vaultd fails closed on a bad user name: check it here first. */
	if (!vault_valid_user(m.user) ||
	    !control_session_valid_label(m.agent) ||
	    !control_session_valid_label(m.team) ||
	    !control_session_valid_label(m.project)) {
		control_session_reply(ctl, p->id, msg->hdr.reqid, 400, NULL,
		    NULL, "invalid user, agent, team or project name", NULL,
		    0);
		return;
	}
	w = control_wait_new(ctl, p, msg);
	if ((s = control_session_start(&ctl->sessions, m.uid, m.user,
	    m.agent, m.team, m.project, w->token, sizeof(w->token))) ==
	    NULL) {
		log_warnx("%s: uid %u: no room for another session",
		    p->chan.name, m.uid);
		control_session_reply(ctl, p->id, msg->hdr.reqid, 503, NULL,
		    NULL, "too many sessions; end one first", NULL, 0);
		control_wait_free(w);
		return;
	}
	strlcpy(w->session, s->id, sizeof(w->session));
	if (control_vaultd_call(ctl, MSG_VAULT_SESSION_BEGIN, 0, s->id,
	    s->user, w) == -1) {
		control_session_remove(&ctl->sessions, s);
		control_session_reply(ctl, p->id, msg->hdr.reqid, 503, NULL,
		    NULL, "vaultd is not running", NULL, 0);
		control_wait_free(w);
	}
}

static void
control_session_started(struct chan *c, struct msg *msg, void *arg)
{
	struct control_wait	*w = arg;
	struct control		*ctl = w->ctl;
	struct control_session	*s;
	const char		*ca;
	size_t			 calen;
	int			 ok;

	(void)c;
	ok = control_vaultd_ok(msg, &ca, &calen);
	s = control_session_find(&ctl->sessions, w->session);
	if (!ok || s == NULL || proc_peer_find(&ctl->ps, PROC_WORKER,
	    w->worker) == NULL) {
		log_warnx("session %s not started: %s", w->session,
		    msg == NULL ? "vaultd did not answer in time" :
		    !ok ? "vaultd refused it" : s == NULL ? "it was ended" :
		    "the API's worker is gone");
		/* vaultd may have begun it after all: end its side. */
		if (ok || msg == NULL)
			control_vaultd_call(ctl, MSG_VAULT_SESSION_END, 0,
			    w->session, NULL, NULL);
		if (s != NULL)
			control_session_remove(&ctl->sessions, s);
		control_session_reply(ctl, w->worker, w->reqid, 503, NULL,
		    NULL, "vaultd could not begin the session; see the "
		    "service log", NULL, 0);
		control_wait_free(w);
		return;
	}
	log_info("session %s of user %s started by uid %u (agent \"%s\", "
	    "team \"%s\", project \"%s\")", s->id, s->user, s->uid, s->agent,
	    s->team, s->project);
	control_audit_session(ctl, "session-start", s, s->uid);
	control_session_reply(ctl, w->worker, w->reqid, 0, s->id, w->token,
	    NULL, ca, calen);
	control_wait_free(w);
}

/*
 * The API ends a session: control forgets it at once, so its token
 * authenticates nothing more, then vaultd zeroes its keys.
 */
static void
control_session_end_msg(struct control *ctl, struct proc_peer *p,
    struct msg *msg)
{
	struct msg_control_session_end	 m;
	struct msg_reader		 r;
	struct control_session		*s, copy;
	struct control_wait		*w;
	char				 me[CUSER_NAME_MAX + 1];
	int				 err, admin;

	memset(&m, 0, sizeof(m));
	msg_reader_init(&r, msg);
	msg_get_u32(&r, &m.uid);
	msg_get_str(&r, m.session, sizeof(m.session));
	if (msg_get_end(&r) == -1) {
		proc_bad_frame(&ctl->ps, p);
		return;
	}
	if (control_identity_user(ctl, m.uid, me, sizeof(me), &admin) == -1) {
		control_session_reply(ctl, p->id, msg->hdr.reqid, 403, NULL,
		    NULL, "your uid is no aileron user", NULL, 0);
		return;
	}
	memset(&copy, 0, sizeof(copy));
	if (control_session_valid_id(m.session) &&
	    (s = control_session_find(&ctl->sessions, m.session)) != NULL)
		copy = *s;
	if ((err = control_session_end(&ctl->sessions, m.session, m.uid,
	    ctl->conf.owner_uid)) != 0) {
		log_warnx("%s: uid %u: end of session %s refused: %s",
		    p->chan.name, m.uid, control_session_valid_id(m.session) ?
		    m.session : "(invalid id)", err == CSESSION_ERR_FORBIDDEN ?
		    "started by another user" : "no such session");
		control_session_reply(ctl, p->id, msg->hdr.reqid, err,
		    NULL, NULL, err == CSESSION_ERR_FORBIDDEN ?
		    "the session was started by another user" :
		    "no such session", NULL, 0);
		explicit_bzero(&copy, sizeof(copy));
		return;
	}
	log_info("session %s ended by uid %u", m.session, m.uid);
	control_audit_session(ctl, "session-end", &copy, m.uid);
	control_approval_session_gone(&ctl->approvals, m.session);
	explicit_bzero(&copy, sizeof(copy));
	w = control_wait_new(ctl, p, msg);
	strlcpy(w->session, m.session, sizeof(w->session));
	if (control_vaultd_call(ctl, MSG_VAULT_SESSION_END, 0, m.session,
	    NULL, w) == -1) {
		control_session_reply(ctl, p->id, msg->hdr.reqid, 503,
		    m.session, NULL, "vaultd is not running", NULL, 0);
		control_wait_free(w);
	}
}

/* vaultd's answer to an END; w is NULL for an END nobody waits for. */
static void
control_session_ended(struct chan *c, struct msg *msg, void *arg)
{
	struct control_wait	*w = arg;
	const char		*text;
	size_t			 len;
	int			 ok;

	(void)c;
	ok = control_vaultd_ok(msg, &text, &len);
	if (w == NULL)
		return;
	if (!ok)
		log_warnx("session %s: vaultd %s its end", w->session,
		    msg == NULL ? "did not confirm" : "refused");
	control_session_reply(w->ctl, w->worker, w->reqid, ok ? 0 : 503,
	    w->session, NULL, ok ? NULL : "vaultd did not confirm the end; "
	    "see the service log", NULL, 0);
	control_wait_free(w);
}

/*
 * A worker presents the token from an agent's Proxy-Authorization.
 * When it is a live session's, vaultd learns first that this worker
 * serves that session, then the worker learns who it serves.  A worker
 * serves one session: a second, different one is refused.
 */
static void
control_auth_msg(struct control *ctl, struct proc_peer *p, struct msg *msg)
{
	struct msg_control_auth	 m;
	struct msg_reader	 r;
	struct control_worker	*cw = control_worker_state(p);
	struct control_session	*s;
	struct control_wait	*w;

	msg_reader_init(&r, msg);
	msg_get_str(&r, m.token, sizeof(m.token));
	if (msg_get_end(&r) == -1) {
		explicit_bzero(&m, sizeof(m));
		proc_bad_frame(&ctl->ps, p);
		return;
	}
	if (cw->badtokens >= CONTROL_BAD_TOKENS_MAX) {
		explicit_bzero(&m, sizeof(m));
		log_warnx("%s: another token after %d wrong ones; refused "
		    "unseen", p->chan.name, cw->badtokens);
		control_auth_reply(ctl, p->id, msg->hdr.reqid, NULL);
		return;
	}
	/*
	 * One at a time: two in flight would both pass the check below, and
	 * vaultd would bind the second while what control releases for the
	 * first is on its way.
	 */
	if (cw->authing) {
		explicit_bzero(&m, sizeof(m));
		log_warnx("%s: another token while one is checked; refused",
		    p->chan.name);
		control_auth_reply(ctl, p->id, msg->hdr.reqid, NULL);
		return;
	}
	s = control_session_lookup_token(&ctl->sessions, m.token);
	explicit_bzero(&m, sizeof(m));
	if (s != NULL && !control_session_alive(ctl, s))
		s = NULL;
	if (s == NULL || (cw->session[0] != '\0' &&
	    strcmp(cw->session, s->id) != 0)) {
		cw->badtokens++;
		log_info("%s: %s (%d so far)", p->chan.name, s == NULL ?
		    "unknown session token" : "a token of another session",
		    cw->badtokens);
		control_auth_reply(ctl, p->id, msg->hdr.reqid, NULL);
		return;
	}
	w = control_wait_new(ctl, p, msg);
	strlcpy(w->session, s->id, sizeof(w->session));
	if (control_vaultd_call(ctl, MSG_VAULT_SESSION_WORKER, p->id, s->id,
	    s->user, w) == -1) {
		control_auth_reply(ctl, p->id, msg->hdr.reqid, NULL);
		control_wait_free(w);
	} else
		cw->authing = 1;
}

static void
control_auth_bound(struct chan *c, struct msg *msg, void *arg)
{
	struct control_wait	*w = arg;
	struct control		*ctl = w->ctl;
	struct control_session	*s;
	struct control_worker	*cw;
	struct proc_peer	*p;
	const char		*text;
	size_t			 len;
	int			 ok;

	(void)c;
	ok = control_vaultd_ok(msg, &text, &len);
	s = control_session_find(&ctl->sessions, w->session);
	p = proc_peer_find(&ctl->ps, PROC_WORKER, w->worker);
	/*
	 * vaultd may have bound the worker anew, which takes back what it
	 * released to it: so does control, and the next allow releases
	 * again.
	 */
	if (p != NULL) {
		control_worker_state(p)->authing = 0;
		control_release_forget(control_worker_state(p));
	}
	if (!ok || s == NULL || p == NULL) {
		if (!ok)
			log_warnx("worker %u: vaultd %s session %s", w->worker,
			    msg == NULL ? "did not confirm it serves" :
			    "refused it", w->session);
		control_auth_reply(ctl, w->worker, w->reqid, NULL);
		control_wait_free(w);
		return;
	}
	cw = control_worker_state(p);
	strlcpy(cw->session, s->id, sizeof(cw->session));
	strlcpy(cw->user, s->user, sizeof(cw->user));
	strlcpy(cw->agent, s->agent, sizeof(cw->agent));
	cw->uid = s->uid;
	log_debug("worker %u serves session %s of user %s", w->worker, s->id,
	    s->user);
	control_auth_reply(ctl, w->worker, w->reqid, s);
	control_wait_free(w);
}

/* AUTH_REPLY: the session, or error 1 when s is NULL. */
static void
control_auth_reply(struct control *ctl, uint32_t worker, uint32_t reqid,
    const struct control_session *s)
{
	struct msg_control_session	 r;
	struct proc_peer		*p;

	if ((p = proc_peer_find(&ctl->ps, PROC_WORKER, worker)) == NULL)
		return;
	memset(&r, 0, sizeof(r));
	if (s == NULL)
		r.error = 1;
	else {
		strlcpy(r.session, s->id, sizeof(r.session));
		strlcpy(r.user, s->user, sizeof(r.user));
		strlcpy(r.agent, s->agent, sizeof(r.agent));
		strlcpy(r.team, s->team, sizeof(r.team));
		strlcpy(r.project, s->project, sizeof(r.project));
	}
	if (chan_reply(&p->chan, reqid, MSG_CONTROL_AUTH_REPLY, &r,
	    sizeof(r)) == -1)
		log_warnx("%s: cannot answer", p->chan.name);
}

/*
 * The decision (policy.c) for the session this worker authenticated:
 * its user and team are control's, never the worker's.  A worker
 * without a live session gets none.
 * The decision's record is appended first and the answer waits for its
 * commit at the end of the turn (auditlog.c): no action is forwarded
 * before its decision is on disk.
 */
/* The live session this worker authenticated, or NULL. */
static struct control_session *
control_worker_session(struct control *ctl, struct control_worker *cw)
{
	struct control_session	*s;

	if (cw->session[0] == '\0' || (s = control_session_find(
	    &ctl->sessions, cw->session)) == NULL ||
	    !control_session_alive(ctl, s))
		return NULL;
	return s;
}

/*
 * A decision replaces what the worker may ask a person about: the action
 * it decided, if it said APPROVE (control_approval_ask), else nothing.
 */
static void
control_askable(struct control_worker *cw,
    const struct msg_control_decision *d, const char *connector,
    const char *action, const char *method, const char *host,
    const char *path)
{
	memset(&cw->ask, 0, sizeof(cw->ask));
	if (d->verdict != MSG_CONTROL_APPROVE || cw->session[0] == '\0')
		return;
	cw->ask.armed = 1;
	strlcpy(cw->ask.connector, connector, sizeof(cw->ask.connector));
	strlcpy(cw->ask.action, action, sizeof(cw->ask.action));
	strlcpy(cw->ask.method, method, sizeof(cw->ask.method));
	strlcpy(cw->ask.host, host, sizeof(cw->ask.host));
	strlcpy(cw->ask.path, path, sizeof(cw->ask.path));
}

/*
 * A command of the shell of this worker's session (shell.c decides): its
 * record is on disk before the answer, as a request's decision is.
 */
static void
control_shell_msg(struct control *ctl, struct proc_peer *p, struct msg *msg)
{
	struct control_worker		*cw = control_worker_state(p);
	struct control_session		*s;
	struct msg_control_shell	 m;
	struct msg_control_decision	 d;
	const char			*where = NULL;
	json_t				*rec;

	memcpy(&m, msg->data, sizeof(m));	/* the type's length: checked */
	m.command[sizeof(m.command) - 1] = '\0';
	if ((s = control_worker_session(ctl, cw)) == NULL) {
		memset(&d, 0, sizeof(d));
		d.verdict = MSG_CONTROL_DENY;
		strlcpy(d.reason, POLICY_REASON_DENIED, sizeof(d.reason));
	} else
		control_shell_decide(ctl->policy.conf, m.command, &d, &where);
	if ((rec = json_pack("{s:s, s:o, s:s, s:i}", "event", "shell",
	    "command", control_audit_str(m.command), "decision",
	    d.verdict == MSG_CONTROL_ALLOW ? "allow" :
	    d.verdict == MSG_CONTROL_APPROVE ? "approve" : "deny", "worker",
	    (json_int_t)p->id)) == NULL)
		fatal("%s", __func__);
	if (s != NULL) {
		json_object_set_new(rec, "session", json_string(s->id));
		json_object_set_new(rec, "user", json_string(s->user));
		json_object_set_new(rec, "uid", json_integer(s->uid));
		json_object_set_new(rec, "agent", json_string(s->agent));
	}
	if (where != NULL)
		json_object_set_new(rec, "rule", json_string(where));
	d.seq = control_audit_append(ctl, rec);
	control_askable(cw, &d, MSG_SHELL_CONNECTOR, MSG_SHELL_ACTION,
	    MSG_SHELL_METHOD, MSG_SHELL_HOST, MSG_SHELL_PATH);
	if (cw->ask.armed) {
		SHA256((const unsigned char *)m.command, strlen(m.command),
		    cw->ask.digest);
		cw->ask.digested = 1;
	}
	/* A shell command: no credential to release. */
	control_audit_decided(p->id, msg->hdr.reqid, &d, NULL, NULL);
}

static void
control_policy_msg(struct control *ctl, struct proc_peer *p, struct msg *msg)
{
	struct msg_control_policy	 m;
	struct msg_control_decision	 d;
	struct msg_reader		 r;
	struct control_worker		*cw = control_worker_state(p);
	struct control_session		*s;
	const struct rule		*rule = NULL;
	const uint8_t			*tail;
	size_t				 taillen;
	json_t				*rec, *args = NULL, *budget = NULL;

	msg_reader_init(&r, msg);
	msg_get_u32(&r, &m.approval);
	msg_get_str(&r, m.connector, sizeof(m.connector));
	msg_get_str(&r, m.action, sizeof(m.action));
	msg_get_str(&r, m.host, sizeof(m.host));
	msg_get_str(&r, m.method, sizeof(m.method));
	msg_get_str(&r, m.path, sizeof(m.path));
	tail = msg_get_rest(&r, &taillen);
	if (msg_get_end(&r) == -1 || (taillen > 0 &&
	    (control_audit_depth((const char *)tail, taillen, 8) == -1 ||
	    (args = json_loadb((const char *)tail, taillen,
	    JSON_REJECT_DUPLICATES, NULL)) == NULL ||
	    !json_is_object(args)))) {
		json_decref(args);
		proc_bad_frame(&ctl->ps, p);
		return;
	}
	if ((s = control_worker_session(ctl, cw)) == NULL) {
		memset(&d, 0, sizeof(d));
		d.verdict = MSG_CONTROL_DENY;
		strlcpy(d.reason, POLICY_REASON_DENIED, sizeof(d.reason));
	} else
		control_policy_decide(&ctl->policy, &m, s->user, s->team, &d,
		    &rule);
	/* Budgets (budget.c): an LLM call reserves its estimate first. */
	if (s != NULL)
		budget = control_budget_decide(&ctl->budgets, &ctl->policy,
		    p->id, s, &m, args, &d);
	log_debug("%s: session %s: %s.%s: %s%s%s%s%s", p->chan.name,
	    s != NULL ? s->id : "(none)",
	    control_session_valid_label(m.connector) ? m.connector : "?",
	    control_session_valid_label(m.action) ? m.action : "?",
	    d.verdict == MSG_CONTROL_ALLOW ? "allow" :
	    d.verdict == MSG_CONTROL_APPROVE ? "approve" : "deny",
	    d.reason[0] != '\0' ? ", " : "", d.reason,
	    rule != NULL ? " by " : "", rule != NULL ? rule->where : "");
	if ((rec = json_object()) == NULL)
		fatal("%s", __func__);
	json_object_set_new(rec, "event", json_string("decision"));
	json_object_set_new(rec, "connector", control_audit_str(m.connector));
	json_object_set_new(rec, "action", control_audit_str(m.action));
	json_object_set_new(rec, "method", control_audit_str(m.method));
	json_object_set_new(rec, "host", control_audit_str(m.host));
	json_object_set_new(rec, "path", control_audit_str(m.path));
	if (cw->session[0] != '\0') {
		json_object_set_new(rec, "session", json_string(cw->session));
		json_object_set_new(rec, "user", json_string(cw->user));
		json_object_set_new(rec, "uid", json_integer(cw->uid));
		json_object_set_new(rec, "agent", json_string(cw->agent));
	}
	json_object_set_new(rec, "worker", json_integer(p->id));
	json_object_set_new(rec, "decision", json_string(
	    d.verdict == MSG_CONTROL_ALLOW ? "allow" :
	    d.verdict == MSG_CONTROL_APPROVE ? "approve" : "deny"));
	if (d.reason[0] != '\0')
		json_object_set_new(rec, "reason", json_string(d.reason));
	if (rule != NULL)
		json_object_set_new(rec, "rule", json_string(rule->where));
	/* What the agent asked with, as its spec names it, redacted. */
	if (args != NULL)
		json_object_set_new(rec, "arguments", args);
	if (budget != NULL)
		json_object_set_new(rec, "budget", budget);
	cw->decision = d.seq = control_audit_append(ctl, rec);
	control_askable(cw, &d, m.connector, m.action, m.method, m.host,
	    m.path);
	/* An ALLOW releases the connector's credential for the host. */
	control_audit_decided(p->id, msg->hdr.reqid, &d, m.connector, m.host);
}

/*
 * An action's ALLOW, its record on disk (auditlog.c): the worker hears
 * it once vaultd has released the action's credential to it.
 */
static void
control_policy_allowed(struct proc *ps, uint32_t worker, uint32_t reqid,
    const struct msg_control_decision *d, const char *connector,
    const char *host)
{
	struct control_release	*rl;

	rl = control_release_new(ps->arg, worker, reqid,
	    MSG_CONTROL_POLICY_REPLY, connector, host);
	rl->d = *d;
	control_release(rl);
}

/* A human's grant (approval.c): the same, before the worker's DONE. */
static void
control_approval_granted(void *arg, uint32_t worker, uint32_t reqid,
    const char *connector, const char *host,
    const struct msg_control_approval_state *st)
{
	struct control_release	*rl;

	rl = control_release_new(arg, worker, reqid,
	    MSG_CONTROL_APPROVAL_DONE, connector, host);
	rl->st = *st;
	control_release(rl);
}

static struct control_release *
control_release_new(struct control *ctl, uint32_t worker, uint32_t reqid,
    uint16_t type, const char *connector, const char *host)
{
	struct control_release	*rl;

	if ((rl = calloc(1, sizeof(*rl))) == NULL)
		fatal("%s", __func__);
	rl->ctl = ctl;
	rl->worker = worker;
	rl->reqid = reqid;
	rl->type = type;
	strlcpy(rl->connector, connector, sizeof(rl->connector));
	strlcpy(rl->host, host, sizeof(rl->host));
	return rl;
}

/*
 * vaultd injects for a worker only what control released to it, so a
 * worker compromised by what it parsed gets no credential of an action
 * control did not allow it.  Before a worker hears ALLOW or GRANTED,
 * vaultd must have acknowledged releasing the action's connector for its
 * host to that worker: the answer waits for the ack, so the worker's
 * INJECT can never overtake the release.  Once per worker, connector and
 * host: the later requests of a kept-alive connection cost no call.
 */
static void
control_release(struct control_release *rl)
{
	struct control			*ctl = rl->ctl;
	struct msg_vault_release	 mr;
	struct proc_peer		*p;

	if ((p = proc_peer_find(&ctl->ps, PROC_WORKER, rl->worker)) ==
	    NULL) {
		free(rl);
		return;
	}
	if (control_released(control_worker_state(p), rl->connector,
	    rl->host)) {
		control_release_answer(rl, 1);
		return;
	}
	if (ctl->vaultd == NULL) {
		log_warnx("worker %u: no vaultd to release connector %s to "
		    "it; the %s is refused", rl->worker,
		    control_printable(rl->connector),
		    rl->type == MSG_CONTROL_POLICY_REPLY ? "action" : "grant");
		control_release_answer(rl, 0);
		return;
	}
	memset(&mr, 0, sizeof(mr));
	mr.worker = rl->worker;
	strlcpy(mr.connector, rl->connector, sizeof(mr.connector));
	strlcpy(mr.host, rl->host, sizeof(mr.host));
	if (chan_call(&ctl->vaultd->chan, MSG_VAULT_RELEASE, 0, &mr,
	    sizeof(mr), CONTROL_VAULTD_CALL_MS, control_release_done, rl) ==
	    -1)
		fatalx("cannot call vaultd");
}

/* vaultd's ack of a RELEASE, or none in time (msg NULL). */
static void
control_release_done(struct chan *c, struct msg *msg, void *arg)
{
	struct control_release	*rl = arg;
	struct proc_peer	*p;
	const char		*text;
	size_t			 len;
	int			 ok;

	(void)c;
	ok = control_vaultd_ok(msg, &text, &len);
	p = proc_peer_find(&rl->ctl->ps, PROC_WORKER, rl->worker);
	if (!ok)
		log_warnx("worker %u: vaultd %s connector %s for %s%s%.*s; "
		    "the %s is refused", rl->worker, msg == NULL ?
		    "did not confirm releasing" : "refused to release",
		    control_printable(rl->connector),
		    control_printable(rl->host), len > 0 ? ": " : "",
		    len > 200 ? 200 : (int)len, text,
		    rl->type == MSG_CONTROL_POLICY_REPLY ? "action" :
		    "grant");
	else if (p != NULL)
		control_release_keep(control_worker_state(p), rl->connector,
		    rl->host);
	control_release_answer(rl, ok);
}

/*
 * The answer the release waited for: as decided when vaultd released
 * (released 1), else a refusal, DENY or REFUSED.  Frees rl.
 */
static void
control_release_answer(struct control_release *rl, int released)
{
	struct proc_peer	*p;
	const void		*data;
	size_t			 len;

	if (!released && rl->type == MSG_CONTROL_POLICY_REPLY) {
		rl->d.verdict = MSG_CONTROL_DENY;
		strlcpy(rl->d.reason, POLICY_REASON_DENIED,
		    sizeof(rl->d.reason));
	} else if (!released) {
		rl->st.state = MSG_APPROVAL_REFUSED;
		strlcpy(rl->st.reason, "vaultd did not release the "
		    "credential; see the service log", sizeof(rl->st.reason));
	}
	data = rl->type == MSG_CONTROL_POLICY_REPLY ? (void *)&rl->d :
	    (void *)&rl->st;
	len = rl->type == MSG_CONTROL_POLICY_REPLY ? sizeof(rl->d) :
	    sizeof(rl->st);
	if ((p = proc_peer_find(&rl->ctl->ps, PROC_WORKER, rl->worker)) !=
	    NULL && chan_reply(&p->chan, rl->reqid, rl->type, data, len) ==
	    -1)
		log_warnx("%s: cannot answer", p->chan.name);
	explicit_bzero(rl, sizeof(*rl));
	free(rl);
}

static int
control_released(const struct control_worker *cw, const char *connector,
    const char *host)
{
	size_t	 i;

	for (i = 0; i < cw->nreleased; i++)
		if (strcmp(cw->released[i].connector, connector) == 0 &&
		    strcasecmp(cw->released[i].host, host) == 0)
			return 1;
	return 0;
}

/* vaultd holds at most MSG_VAULT_RELEASE_MAX per worker; so do we. */
static void
control_release_keep(struct control_worker *cw, const char *connector,
    const char *host)
{
	struct control_released	*r;

	if (control_released(cw, connector, host) ||
	    cw->nreleased >= MSG_VAULT_RELEASE_MAX)
		return;
	if ((r = reallocarray(cw->released, cw->nreleased + 1,
	    sizeof(*r))) == NULL)
		fatal("%s", __func__);
	cw->released = r;
	r = &cw->released[cw->nreleased++];
	strlcpy(r->connector, connector, sizeof(r->connector));
	strlcpy(r->host, host, sizeof(r->host));
}

static void
control_release_forget(struct control_worker *cw)
{
	free(cw->released);
	cw->released = NULL;
	cw->nreleased = 0;
}

/* A worker's string in control's log: printable ASCII, or not shown. */
static const char *
control_printable(const char *s)
{
	const char	*p;

	for (p = s; *p != '\0'; p++)
		if (*p < 0x20 || *p > 0x7e)
			return "(unprintable)";
	return *s == '\0' ? "(empty)" : s;
}

/*
 * A string a worker sent, as a record holds it: Jansson takes UTF-8
 * only, and a worker may send anything.
 */
static json_t *
control_audit_str(const char *s)
{
	json_t	*j;

	if ((j = json_string(s)) == NULL && (j = json_string("(invalid)")) ==
	    NULL)
		fatal("%s", __func__);
	return j;
}

/*
 * A worker's audit record: checked (audit.c), stamped with what only
 * control knows, and appended.  A record that is not a bounded JSON
 * object is a bad frame: a worker that sends one is broken or worse.
 * The outcome of an action names its decision's record (decision_seq):
 * only the last decision control gave this worker.
 */
static void
control_audit_msg(struct control *ctl, struct proc_peer *p, struct msg *msg)
{
	struct control_worker	*cw = control_worker_state(p);
	struct control_session	*s;
	const char		*why;
	json_t			*rec, *ref;

	if ((rec = control_audit_check(msg->data, msg->len, p->id,
	    cw->session[0] != '\0' ? cw->session : NULL,
	    cw->session[0] != '\0' ? cw->user : NULL, &why)) == NULL) {
		if (why == NULL)
			fatal("%s", __func__);
		log_warnx("%s: audit record refused: %s", p->chan.name, why);
		proc_bad_frame(&ctl->ps, p);
		return;
	}
	if (!control_worker_event(json_string_value(json_object_get(rec,
	    "event")))) {
		log_warnx("%s: audit record refused: not an event of a "
		    "worker's", p->chan.name);
		json_decref(rec);
		proc_bad_frame(&ctl->ps, p);
		return;
	}
	if (cw->session[0] == '\0' && control_audit_preauth(rec) == -1) {
		log_warnx("%s: audit record refused: a %s before any session",
		    p->chan.name, json_string_value(json_object_get(rec,
		    "event")));
		json_decref(rec);
		proc_bad_frame(&ctl->ps, p);
		return;
	}
	/* An approval's outcome is control's to tell (approval.c). */
	if (control_approval_outcome(&ctl->approvals, rec, p->id,
	    cw->session) == -1)
		log_warnx("%s: a record names an approval it was not given; "
		    "its approval fields are dropped", p->chan.name);
	/* Control's, never the worker's: who, and on whose account. */
	json_object_del(rec, "agent");
	json_object_del(rec, "team");
	json_object_del(rec, "project");
	json_object_del(rec, "budget");		/* budget.c says */
	if (cw->session[0] != '\0') {
		json_object_set_new(rec, "uid", json_integer(cw->uid));
		json_object_set_new(rec, "agent", json_string(cw->agent));
		if ((s = control_session_find(&ctl->sessions, cw->session)) !=
		    NULL) {
			if (s->team[0] != '\0')
				json_object_set_new(rec, "team",
				    json_string(s->team));
			if (s->project[0] != '\0')
				json_object_set_new(rec, "project",
				    json_string(s->project));
		}
	}
	if ((ref = json_object_get(rec, "decision_seq")) != NULL) {
		if (!json_is_integer(ref) || cw->decision == 0 ||
		    (uint64_t)json_integer_value(ref) != cw->decision) {
			log_warnx("%s: an outcome names a decision not its "
			    "own", p->chan.name);
			json_object_del(rec, "decision_seq");
		} else
			control_budget_outcome(&ctl->budgets, p->id, rec);
		cw->decision = 0;
	}
	if (control_audit_append(ctl, rec) == 0)
		log_warnx("%s: an audit record was not written",
		    p->chan.name);
}

/*
 * Whether a worker records events of this name.  Decisions, approvals,
 * sessions and shell commands are control's to record: a worker that
 * sends one forges it.
 */
static int
control_worker_event(const char *event)
{
	static const char *const events[] = {
		"request", "tls", "tunnel", "plain-http", "websocket",
		"refused", "proxy-auth", "connect",
	};
	size_t	 i;

	for (i = 0; event != NULL && i < sizeof(events) / sizeof(events[0]);
	    i++)
		if (strcmp(event, events[i]) == 0)
			return 1;
	return 0;
}

/* Control's own record of a session's start or end; never the token. */
static void
control_audit_session(struct control *ctl, const char *event,
    const struct control_session *s, uint32_t uid)
{
	if (control_audit_append(ctl, json_pack("{s:s, s:s, s:s, s:i, "
	    "s:s, s:s, s:s}", "event", event, "session", s->id, "user",
	    s->user, "uid", (json_int_t)uid, "agent", s->agent, "team",
	    s->team, "project", s->project)) == 0)
		log_warnx("session %s: its %s was not recorded", s->id, event);
}

/* approval.c's records, through the same log. */
static void
control_approval_audit(void *arg, json_t *rec)
{
	struct control	*ctl = arg;

	if (control_audit_append(ctl, rec) == 0)
		log_warnx("an approval's audit record was not written");
}

/*
 * Policy and sessions (issue 11).  The master names aileron.conf;
 * control reads it and the specs it names itself, before its sandbox,
 * so that its decisions rest on the administrator's files and never on
 * what a worker says about an action.
 */
static void
control_conf_file(struct control *ctl, struct msg *msg)
{
	struct msg_conf_file	 cf;
	struct msg_reader	 r;
	struct rule_decision	 d;
	const struct rules	*rs;
	size_t			 i;

	msg_reader_init(&r, msg);
	msg_get_u32(&r, &cf.must_exist);
	msg_get_str(&r, cf.path, sizeof(cf.path));
	msg_get_str(&r, ctl->api_socket, sizeof(ctl->api_socket));
	if (msg_get_end(&r) == -1)
		fatalx("malformed %s", msgtype_name(msg->hdr.type));
	if (control_policy_load(&ctl->policy, cf.path, cf.must_exist,
	    ctl->conf.dir) == -1)
		fatalx("cannot read %s or its specs", cf.path);
	/* A line naming no action is most likely a typo: say so. */
	rs = &ctl->policy.conf->rules;
	for (i = 0; i < rs->n; i++)
		if (strchr(rs->v[i].pattern, '*') == NULL &&
		    control_policy_explain(rs, ctl->policy.specs,
		    ctl->policy.nspecs, rs->v[i].pattern, NULL, NULL, &d,
		    NULL) == -1)
			log_warnx("%s: policy \"%s\" names no action of the "
			    "configured connectors", rs->v[i].where,
			    rs->v[i].pattern);
	log_debug("policy lines: %zu; connectors: %zu; session idle %ds, "
	    "max %ds", ctl->policy.conf->rules.n, ctl->policy.nspecs,
	    ctl->policy.conf->session_idle, ctl->policy.conf->session_max);
}

/* 1 and touched when s lives; 0 when it just expired (and is gone). */
static int
control_session_alive(struct control *ctl, struct control_session *s)
{
	const char	*why;
	int64_t		 now = control_session_now_ms();

	if ((why = control_session_expired(s, now,
	    ctl->policy.conf->session_idle,
	    ctl->policy.conf->session_max)) != NULL) {
		control_session_expire(ctl, s, why);
		return 0;
	}
	control_session_touch(s, now);
	return 1;
}

/* As a session's end: forgotten, audited, then vaultd drops its keys. */
static void
control_session_expire(struct control *ctl, struct control_session *s,
    const char *why)
{
	char		 id[CSESSION_ID_LEN + 1];

	strlcpy(id, s->id, sizeof(id));
	log_info("session %s of user %s expired (%s)", s->id, s->user,
	    strcmp(why, "max") == 0 ? "older than session max" :
	    "idle longer than session idle");
	if (control_audit_append(ctl, json_pack("{s:s, s:s, s:s, s:i, "
	    "s:s, s:s, s:s, s:s}", "event", "session-expire", "session",
	    s->id, "user", s->user, "uid", (json_int_t)s->uid, "agent",
	    s->agent, "team", s->team, "project", s->project, "reason",
	    why)) == 0)
		log_warnx("session %s: its expiry was not recorded", id);
	control_session_remove(&ctl->sessions, s);
	if (control_vaultd_call(ctl, MSG_VAULT_SESSION_END, 0, id, NULL,
	    NULL) == -1)
		log_warnx("session %s: vaultd is not running", id);
}

static void
control_expiry_tick(struct proc *ps, void *arg)
{
	struct control		*ctl = arg;
	struct control_session	*s, *next;
	const char		*why;
	int64_t			 now = control_session_now_ms();

	for (s = TAILQ_FIRST(&ctl->sessions.list); s != NULL; s = next) {
		next = TAILQ_NEXT(s, entry);
		if ((why = control_session_expired(s, now,
		    ctl->policy.conf->session_idle,
		    ctl->policy.conf->session_max)) != NULL)
			control_session_expire(ctl, s, why);
	}
	proc_timer_set(ps, &ctl->expiry, CONTROL_EXPIRY_MS,
	    control_expiry_tick, ctl);
}

/* The API lists sessions (sessinfo.c says who sees what). */
static void
control_session_list_msg(struct control *ctl, struct proc_peer *p,
    struct msg *msg)
{
	static struct msg_control_session_info	 in[MSG_CONTROL_SESSION_PAGE];
	struct msg_control_session_list		 m;
	struct msg_control_session_page		 pg;
	struct msg_reader			 r;
	struct iovec				 iov[2];
	size_t					 n;

	memset(&m, 0, sizeof(m));
	msg_reader_init(&r, msg);
	msg_get_u32(&r, &m.uid);
	msg_get_u32(&r, &m.offset);
	msg_get_str(&r, m.session, sizeof(m.session));
	if (msg_get_end(&r) == -1) {
		proc_bad_frame(&ctl->ps, p);
		return;
	}
	/* What expired but was not swept yet is not listed. */
	control_expiry_tick(&ctl->ps, ctl);
	n = control_sessions_page(&ctl->sessions, m.uid, ctl->conf.owner_uid,
	    m.session, m.offset, ctl->policy.conf->session_idle,
	    ctl->policy.conf->session_max, &pg, in, MSG_CONTROL_SESSION_PAGE);
	iov[0].iov_base = &pg;
	iov[0].iov_len = sizeof(pg);
	iov[1].iov_base = in;
	iov[1].iov_len = n * sizeof(in[0]);
	if (chan_replyv(&p->chan, msg->hdr.reqid,
	    MSG_CONTROL_SESSION_LIST_REPLY, iov, n > 0 ? 2 : 1) == -1)
		log_warnx("%s: cannot answer", p->chan.name);
}
/* End of policy and sessions. */

/*
 * Teams (issue 11): who uid is on api.sock (users.c).  0 with the
 * aileron user's name in user and *admin set for the service's owner
 * and root; -1 for a uid that is nobody here, which every endpoint
 * refuses with 403.
 */
int
control_identity_user(struct control *ctl, uid_t uid, char *user,
    size_t len, int *admin)
{
	return control_users_identify(&ctl->users, ctl->conf.owner_uid, uid,
	    user, len, admin);
}

/* Approvals ask who an API caller is as every endpoint does. */
static int
control_approval_identify(void *arg, uint32_t uid, char *user, size_t len,
    int *admin)
{
	return control_identity_user(arg, uid, user, len, admin);
}

/* The sessions uid started that have not expired (none touched). */
static int
control_sessions_of(struct control *ctl, uint32_t uid)
{
	struct control_session	*s;
	int64_t			 now = control_session_now_ms();
	int			 n = 0;

	TAILQ_FOREACH(s, &ctl->sessions.list, entry)
		if (s->uid == uid && control_session_expired(s, now,
		    ctl->policy.conf->session_idle,
		    ctl->policy.conf->session_max) == NULL)
			n++;
	return n;
}

/*
 * Who may start a session for whom: a caller may start one for their
 * own user (the default when the request names none), an administrator
 * for anyone.  A session without a team takes its user's; only an
 * administrator names a team or project the user is not in.  -1 when
 * refused (answered here).
 */
static int
control_session_start_who(struct control *ctl, struct proc_peer *p,
    struct msg *msg, struct msg_control_session_start *m)
{
	struct control_user	*u;
	char			 me[CUSER_NAME_MAX + 1], why[320];
	int			 admin;

	if (control_identity_user(ctl, m->uid, me, sizeof(me), &admin) ==
	    -1) {
		snprintf(why, sizeof(why), "uid %u is no aileron user; an "
		    "administrator adds one with \"aileron user add\"", m->uid);
		control_session_reply(ctl, p->id, msg->hdr.reqid, 403, NULL,
		    NULL, why, NULL, 0);
		return -1;
	}
	if (m->user[0] == '\0')
		strlcpy(m->user, me, sizeof(m->user));
	else if (!admin && strcmp(m->user, me) != 0) {
		log_warnx("%s: uid %u (%s) may not start a session for "
		    "another user", p->chan.name, m->uid, me);
		snprintf(why, sizeof(why), "you are %s: only an administrator "
		    "may start a session for another user", me);
		control_session_reply(ctl, p->id, msg->hdr.reqid, 403, NULL,
		    NULL, why, NULL, 0);
		return -1;
	}
	u = control_user_find(&ctl->users, m->user);
	if (m->team[0] == '\0' && u != NULL)
		strlcpy(m->team, u->team, sizeof(m->team));
	/*
	 * Policy and budgets go by the session's team and project: a user
	 * labels a session only with their own, or a "for team" deny and
	 * a team's budget would be one flag away.
	 */
	if (!admin && m->team[0] != '\0' && (u == NULL ||
	    strcmp(m->team, u->team) != 0)) {
		log_warnx("%s: uid %u (%s) may not start a session for team "
		    "%s", p->chan.name, m->uid, me, m->team);
		snprintf(why, sizeof(why), "you are %s, of %s%s: only an "
		    "administrator may name another team", me,
		    u != NULL ? "team " : "no team", u != NULL ? u->team : "");
		control_session_reply(ctl, p->id, msg->hdr.reqid, 403, NULL,
		    NULL, why, NULL, 0);
		return -1;
	}
	/* One user cannot take every session's room from the others. */
	if (!admin && control_sessions_of(ctl, m->uid) >= CSESSION_PER_UID) {
		log_warnx("%s: uid %u (%s) has %d live sessions already",
		    p->chan.name, m->uid, me, CSESSION_PER_UID);
		snprintf(why, sizeof(why), "you are %s, with as many live "
		    "sessions as a user may have (%d); end one first", me,
		    CSESSION_PER_UID);
		control_session_reply(ctl, p->id, msg->hdr.reqid, 403, NULL,
		    NULL, why, NULL, 0);
		return -1;
	}
	if (!admin && m->project[0] != '\0' &&
	    !control_user_in_project(u, m->project)) {
		log_warnx("%s: uid %u (%s) may not start a session for "
		    "project %s", p->chan.name, m->uid, me, m->project);
		snprintf(why, sizeof(why), "you are %s, not of project %s: "
		    "only an administrator may name it", me, m->project);
		control_session_reply(ctl, p->id, msg->hdr.reqid, 403, NULL,
		    NULL, why, NULL, 0);
		return -1;
	}
	return 0;
}

/*
 * What opens files on its first use, done while control still may:
 * Jansson seeds its hashes from /dev/urandom, glibc reads the time zone
 * (even for gmtime), OpenSSL loads its configuration and providers.
 * And what makes a system call the sandbox refuses: glibc's qsort, on
 * its first array over 1 KiB, asks sysinfo(2) how much memory there is
 * (and keeps the answer); Berkeley DB's recovery after a crash sorts.
 */
static int
control_preload_cmp(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

static void
control_preload(void)
{
	struct control_sessions	 ss;
	struct timespec		 now;
	char			 token[CSESSION_TOKEN_LEN + 1], *line;
	uint8_t			 zero[AUDIT_HASH_LEN];
	int			 sort[512];
	size_t			 i;

	json_object_seed(0);
	tzset();
	for (i = 0; i < sizeof(sort) / sizeof(sort[0]); i++)
		sort[i] = (int)(sizeof(sort) / sizeof(sort[0]) - i);
	qsort(sort, sizeof(sort) / sizeof(sort[0]), sizeof(sort[0]),
	    control_preload_cmp);
	control_sessions_init(&ss, 1);
	if (control_session_start(&ss, 0, "x", "", "", "", token,
	    sizeof(token)) == NULL ||
	    control_session_lookup_token(&ss, token) == NULL)
		fatalx("%s: cannot start a session", __func__);
	control_sessions_clear(&ss);
	explicit_bzero(token, sizeof(token));
	clock_gettime(CLOCK_REALTIME, &now);
	memset(zero, 0, sizeof(zero));
	if ((line = control_audit_seal(json_object(), 1, zero, &now)) ==
	    NULL)
		fatalx("%s: cannot make an audit record", __func__);
	free(line);
}

void
control(int foreground, int verbose)
{
	struct control	 ctl;
	char		 path[PATH_MAX], dir[PATH_MAX];
	int		 keep[3], fd;

	log_init(foreground, verbose, "control");
	proc_child_check_parent();
	memset(&ctl, 0, sizeof(ctl));
	control_users_init(&ctl.users);
	control_budgets_init(&ctl.budgets);
	control_metrics_init(&ctl.policy);
	control_web_init(&ctl.web);
	proc_init(&ctl.ps, PROC_CONTROL, control_peers,
	    sizeof(control_peers) / sizeof(control_peers[0]), control_accept,
	    sizeof(control_accept) / sizeof(control_accept[0]), &ctl);
	control_approvals_init(&ctl.approvals, &ctl.ps,
	    control_approval_audit, &ctl);
	ctl.approvals.identify = control_approval_identify;
	ctl.approvals.granted = control_approval_granted;
	proc_child_configure(&ctl.ps, &ctl.parent, &ctl.conf, &fd,
	    control_conf_cb, &ctl);
	if (fd != -1)
		fatalx("unexpected descriptor in configuration");
	if (ctl.vaultd == NULL)
		fatalx("no channel to vaultd");
	if (ctl.policy.conf == NULL)
		fatalx("the master did not name aileron.conf");
	log_init(ctl.conf.foreground, ctl.conf.verbose, "control");
	control_sessions_init(&ctl.sessions, CSESSION_MAX);
	/* The audit head is outside our root: held from before the sandbox. */
	strlcpy(dir, ctl.conf.dir, sizeof(dir));
	if (snprintf(path, sizeof(path), "%s/%s", dirname(dir),
	    AUDIT_HEAD_FILE) >= (int)sizeof(path) ||
	    (ctl.headfd = control_audit_head_open(path)) == -1)
		fatal("cannot open %s", path);
	control_preload();
	/* Approvals ask users.c who a uid is (identify): one passwd walk. */
	control_users_passwd(&ctl.users);

	keep[0] = PROC_PARENT_FD;
	keep[1] = ctl.vaultd->chan.fd;
	keep[2] = ctl.headfd;
	proc_child_sandbox(PROC_CONTROL, &ctl.conf, control_promises, keep, 3);
	ctl.vaultd->chan.fd = keep[1];
	ctl.headfd = keep[2];
	/*
	 * The store opens inside the sandbox, in our root (or, not root,
	 * our working directory): <state>/control.  Not before it: the
	 * sandbox closes the descriptors it was not told to keep, and
	 * files created now belong to control's unprivileged user.
	 */
	if (control_store_open(".") == -1)
		fatalx("cannot open control's store in %s", ctl.conf.dir);
	if (control_users_open(&ctl.users) == -1)
		fatalx("cannot open the users in control's store");
	if (control_users_vaultmap(&ctl.users, &ctl.vaultd->chan) == -1)
		fatalx("cannot tell vaultd who is who");
	if (control_auditlog_open(&ctl.ps, ctl.headfd, &ctl.auditconf,
	    control_policy_allowed) == -1)
		fatalx("cannot open the audit log in %s", ctl.conf.dir);
	if (control_budgets_open(&ctl.budgets, ctl.policy.conf) == -1)
		fatalx("cannot open the budgets' ledger in %s", ctl.conf.dir);
	if (chan_compose(&ctl.parent->chan, MSG_CONF_ACK, 0, -1, NULL, 0) ==
	    -1)
		fatalx("cannot acknowledge");
	control_expiry_tick(&ctl.ps, &ctl);
	proc_loop(&ctl.ps);
}
