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

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "msg.h"
#include "msgtypes.h"
#include "peer.h"
#include "proc.h"
#include "master/master.h"

struct control {
	struct chan		 parent;
	struct chan		 vaultd;		/* trusted, like the master */
	struct msg_conf_proc	 conf;
	struct peers		 workers;
};

/* Workers' channels come from the master; the environment comes later. */
const char	 control_promises[] = "stdio recvfd";

static void	control_conf_cb(struct msg *, void *);
static void	control_dispatch_master(struct control *);
static void	control_dispatch_vaultd(struct control *);
static void	control_lost_vaultd(struct control *);
static int	control_dispatch_worker(struct control *, struct peer *);

static void
control_conf_cb(struct msg *msg, void *arg)
{
	struct control	*ctl = arg;

	if (msg->hdr.type != MSG_CONF_PEER || msg->hdr.peerid != PROC_VAULTD ||
	    msg->fd == -1 || ctl->vaultd.fd != -1)
		fatalx("unexpected %s during configuration",
		    msgtype_name(msg->hdr.type));
	chan_init(&ctl->vaultd, msg->fd, 0, "vaultd");
}

/* vaultd is trusted: nothing is defined from it yet, so anything is fatal. */
static void
control_dispatch_vaultd(struct control *ctl)
{
	struct msg	 msg;
	int		 r;

	while ((r = chan_get(&ctl->vaultd, &msg)) == 1)
		fatalx("unexpected %s from vaultd",
		    msgtype_name(msg.hdr.type));
	if (r == -1)
		fatalx("malformed message from vaultd");
}

static void
control_lost_vaultd(struct control *ctl)
{
	/* At shutdown this is expected; otherwise the master says why. */
	log_debug("lost vaultd; waiting for the master to stop the service");
	chan_clear(&ctl->vaultd);
}

/* The master is trusted: a bad frame from it is fatal. */
static void
control_dispatch_master(struct control *ctl)
{
	struct msg	 msg;
	int		 r;

	while ((r = chan_get(&ctl->parent, &msg)) == 1) {
		if (proc_child_dispatch(&ctl->parent, &ctl->workers, &msg))
			continue;
		switch (msg.hdr.type) {
		case MSG_SHUTDOWN:
			log_debug("shutting down");
			exit(0);
		default:
			fatalx("unexpected %s from the master",
			    msgtype_name(msg.hdr.type));
		}
	}
	if (r == -1)
		fatalx("malformed message from the master");
}

/*
 * Workers are untrusted.  No worker message is defined for control yet, so
 * any frame closes the channel; returns -1 when the peer must go.
 */
static int
control_dispatch_worker(struct control *ctl, struct peer *p)
{
	struct msg	 msg;
	int		 r;

	if ((r = chan_get(&p->chan, &msg)) == 0)
		return 0;
	if (r == 1)
		log_warnx("%s: unexpected %s; closing its channel",
		    p->chan.name, msgtype_name(msg.hdr.type));
	else
		log_warnx("%s: bad message; closing its channel",
		    p->chan.name);
	/* A worker that misbehaves is compromised or broken: it goes. */
	chan_compose(&ctl->parent, MSG_WORKER_BAD, p->id, -1, NULL, 0);
	return -1;
}

void
control(int foreground, int verbose)
{
	struct control	 ctl;
	struct pollfd	*pfd = NULL;
	struct peer	**pp = NULL;
	size_t		 n, i, max = 0;
	int		 keep[2], fd, r;

	log_init(foreground, verbose, "control");
	proc_child_check_parent();
	memset(&ctl, 0, sizeof(ctl));
	TAILQ_INIT(&ctl.workers);
	/* Only the master passes us descriptors: the workers' channels. */
	chan_init(&ctl.parent, PROC_PARENT_FD, 1, "master");
	ctl.vaultd.fd = -1;
	proc_child_configure(&ctl.parent, &ctl.conf, &fd, control_conf_cb,
	    &ctl);
	if (fd != -1)
		fatalx("unexpected descriptor in configuration");
	if (ctl.vaultd.fd == -1)
		fatalx("no channel to vaultd");
	log_init(ctl.conf.foreground, ctl.conf.verbose, "control");

	keep[0] = PROC_PARENT_FD;
	keep[1] = ctl.vaultd.fd;
	proc_child_sandbox(PROC_CONTROL, &ctl.conf, control_promises, keep, 2);
	ctl.vaultd.fd = keep[1];
	if (chan_compose(&ctl.parent, MSG_CONF_ACK, 0, -1, NULL, 0) == -1)
		fatalx("cannot acknowledge");

	for (;;) {
		n = 2 + peer_count(&ctl.workers);
		if (n > max) {
			if ((pfd = reallocarray(pfd, n, sizeof(*pfd))) ==
			    NULL || (pp = reallocarray(pp, n, sizeof(*pp))) ==
			    NULL)
				fatal("poll set");
			max = n;
		}
		pfd[0].fd = ctl.parent.fd;
		pfd[0].events = POLLIN |
		    (chan_pending(&ctl.parent) ? POLLOUT : 0);
		pfd[1].fd = ctl.vaultd.fd;
		pfd[1].events = POLLIN |
		    (chan_pending(&ctl.vaultd) ? POLLOUT : 0);
		n = 2 + peer_pollfds(&ctl.workers, pfd + 2, pp + 2, max - 2);
		if (poll(pfd, n, -1) == -1) {
			if (errno == EINTR)
				continue;
			fatal("poll");
		}
		if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			if ((r = chan_read(&ctl.parent)) == 0)
				fatalx("the master is gone");
			if (r == -1)
				fatalx("lost the master");
			control_dispatch_master(&ctl);
		}
		if (chan_pending(&ctl.parent) && chan_flush(&ctl.parent) == -1)
			fatalx("lost the master");
		/*
		 * Losing vaultd is the master's to act on (it shuts the
		 * service down and logs why); we only stop listening.
		 */
		if (pfd[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			if (chan_read(&ctl.vaultd) <= 0)
				control_lost_vaultd(&ctl);
			else
				control_dispatch_vaultd(&ctl);
		}
		if (chan_pending(&ctl.vaultd) && chan_flush(&ctl.vaultd) == -1)
			control_lost_vaultd(&ctl);
		for (i = 2; i < n; i++) {
			struct peer	*p = pp[i];

			/* The master's messages may have dropped it. */
			if (!peer_has(&ctl.workers, p))
				continue;
			if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR)) {
				if ((r = chan_read(&p->chan)) <= 0 ||
				    control_dispatch_worker(&ctl, p) == -1) {
					peer_del(&ctl.workers, p);
					continue;
				}
			}
			if (chan_pending(&p->chan) &&
			    chan_flush(&p->chan) == -1)
				peer_del(&ctl.workers, p);
		}
	}
}
