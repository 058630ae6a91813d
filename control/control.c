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
 * It will hold sessions, policy, approvals, audit and usage in its own
 * Berkeley DB environment; for now it completes the start handshake,
 * answers the master's ping and keeps a channel to every worker.
 *
 * control never sees a plaintext credential and never parses untrusted
 * bytes: workers send it small typed messages, and a worker that sends a
 * bad one loses its channel, never control.
 */

#include <sys/types.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "msg.h"
#include "msgtypes.h"
#include "proc.h"
#include "control/control.h"

/* How long a test echo waits for vaultd (tests only). */
#define CONTROL_TEST_CALL_MS	500

struct control {
	struct proc		 ps;
	struct proc_peer	*parent;
	struct proc_peer	*vaultd;	/* trusted, like the master */
	struct msg_conf_proc	 conf;
};

/* A worker's request waiting on our call to vaultd. */
struct control_wait {
	struct control		*ctl;
	uint32_t		 worker;
	uint32_t		 reqid;		/* the worker's call */
};

/* Workers' channels come from the master; the environment comes later. */
const char	 control_promises[] = "stdio recvfd";

static void	control_conf_cb(struct msg *, void *);
static void	control_dispatch_master(struct proc *, struct proc_peer *,
		    struct msg *);
static void	control_dispatch_vaultd(struct proc *, struct proc_peer *,
		    struct msg *);
static void	control_dispatch_worker(struct proc *, struct proc_peer *,
		    struct msg *);
static void	control_lost_master(struct proc *, struct proc_peer *);
static void	control_lost_vaultd(struct proc *, struct proc_peer *);
static void	control_test_answer(struct chan *, struct msg *, void *);

static const struct proc_peer_type control_peers[] = {
	/* peer		trusted	handler			lost */
	{ PROC_MASTER,	1,	control_dispatch_master, control_lost_master },
	{ PROC_VAULTD,	1,	control_dispatch_vaultd, control_lost_vaultd },
	{ PROC_WORKER,	0,	control_dispatch_worker, NULL },
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
};

static void
control_conf_cb(struct msg *msg, void *arg)
{
	struct control	*ctl = arg;

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
		exit(0);
	default:
		proc_fail(ps, "unexpected %s from the master",
		    msgtype_name(msg->hdr.type));
	}
}

/*
 * Workers are untrusted.  Only the test echo is defined from them yet
 * (test mode): control passes it on to vaultd as a call with a deadline
 * and answers the worker when vaultd does, or with an error when it does
 * not in time, serving every other worker meanwhile.
 */
static void
control_dispatch_worker(struct proc *ps, struct proc_peer *p, struct msg *msg)
{
	struct control		*ctl = ps->arg;
	struct control_wait	*w;
	static const char	 novaultd[] = "error: no vaultd";

	switch (msg->hdr.type) {
	case MSG_TEST_ECHO:
		if (ctl->vaultd == NULL) {
			chan_reply(&p->chan, msg->hdr.reqid, MSG_TEST_ECHO,
			    novaultd, sizeof(novaultd) - 1);
			return;
		}
		if ((w = calloc(1, sizeof(*w))) == NULL)
			fatal("%s", __func__);
		w->ctl = ctl;
		w->worker = p->id;
		w->reqid = msg->hdr.reqid;
		if (chan_call(&ctl->vaultd->chan, MSG_TEST_ECHO, p->id,
		    msg->data, msg->len, CONTROL_TEST_CALL_MS,
		    control_test_answer, w) == -1)
			fatalx("cannot call vaultd");
		break;
	default:
		proc_bad_frame(ps, p);
		break;
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
	free(w);
}

void
control(int foreground, int verbose)
{
	struct control	 ctl;
	int		 keep[2], fd;

	log_init(foreground, verbose, "control");
	proc_child_check_parent();
	memset(&ctl, 0, sizeof(ctl));
	proc_init(&ctl.ps, PROC_CONTROL, control_peers,
	    sizeof(control_peers) / sizeof(control_peers[0]), control_accept,
	    sizeof(control_accept) / sizeof(control_accept[0]), &ctl);
	proc_child_configure(&ctl.ps, &ctl.parent, &ctl.conf, &fd,
	    control_conf_cb, &ctl);
	if (fd != -1)
		fatalx("unexpected descriptor in configuration");
	if (ctl.vaultd == NULL)
		fatalx("no channel to vaultd");
	log_init(ctl.conf.foreground, ctl.conf.verbose, "control");

	keep[0] = PROC_PARENT_FD;
	keep[1] = ctl.vaultd->chan.fd;
	proc_child_sandbox(PROC_CONTROL, &ctl.conf, control_promises, keep, 2);
	ctl.vaultd->chan.fd = keep[1];
	if (chan_compose(&ctl.parent->chan, MSG_CONF_ACK, 0, -1, NULL, 0) ==
	    -1)
		fatalx("cannot acknowledge");
	proc_loop(&ctl.ps);
}
