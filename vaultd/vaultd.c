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
 * vaultd.c: the key custody process, started by the master by fork and
 * exec so that it inherits nothing.  It holds the session keys in locked,
 * non-dumpable memory and the vault store, and answers three kinds of
 * peers: the master (configuration), each worker on its own socketpair,
 * and the local CLI on vault.sock.
 *
 * Identity is the channel: a worker is the pid the master named when it
 * handed us the socketpair; a CLI peer is the uid the kernel reports for
 * its connection.  No message field can claim to be someone else.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "log.h"
#include "msg.h"
#include "msgtypes.h"
#include "peer.h"
#include "proc.h"
#include "vaultd/connmap.h"
#include "vaultd/crypto.h"
#include "vaultd/session.h"
#include "vaultd/vault.h"
#include "vaultd/vaultd.h"

#define VAULTD_MAX_CLI	32	/* concurrent vault.sock connections */

/* The Berkeley DB environment, and the workers' channels from the master. */
const char	 vaultd_promises[] =
    "stdio rpath wpath cpath fattr flock recvfd";

static int	vaultd_connectors(struct vaultd *, struct msg *);
static void	vaultd_dispatch_master(struct vaultd *);
static void	vaultd_dispatch_control(struct vaultd *);
static void	vaultd_session(struct vaultd *, struct msg *);
static void	vaultd_lost_control(struct vaultd *);
static int	vaultd_dispatch_worker(struct vaultd *, struct peer *);
static int	vaultd_dispatch_cli(struct vaultd *, struct peer *);
static void	vaultd_accept(struct vaultd *);
static void	vaultd_conf_cb(struct msg *, void *);
static void	vaultd_shutdown(struct vaultd *) __attribute__((__noreturn__));

/*
 * For logs and refusals: a peer's string only when it is plain printable
 * ASCII, so a worker or the CLI cannot forge log lines.
 */
const char *
vaultd_printable(const char *s)
{
	const char	*p;

	for (p = s; *p != '\0'; p++)
		if (!isprint((unsigned char)*p))
			return "(unprintable)";
	return *s == '\0' ? "(empty)" : s;
}

/*
 * The connector map: BEGIN, one CONNECTOR each, END; at start and on every
 * reload.  The master is trusted, so a malformed map is fatal.
 */
static int
vaultd_connectors(struct vaultd *vd, struct msg *msg)
{
	switch (msg->hdr.type) {
	case MSG_CONF_CONNECTORS_BEGIN:
		if (vd->receiving)
			fatalx("connector map begun twice");
		vd->receiving = 1;
		return 1;
	case MSG_CONF_CONNECTOR:
		if (!vd->receiving || connmap_add(&vd->next, msg->data,
		    msg->len) == -1)
			fatalx("malformed connector map");
		return 1;
	case MSG_CONF_CONNECTORS_END:
		if (!vd->receiving)
			fatalx("connector map ended before it began");
		connmap_free(&vd->connectors);
		vd->connectors = vd->next;
		memset(&vd->next, 0, sizeof(vd->next));
		vd->receiving = 0;
		log_debug("%zu connectors", vd->connectors.n);
		return 1;
	}
	return 0;
}

static void
vaultd_conf_cb(struct msg *msg, void *arg)
{
	struct vaultd	*vd = arg;

	if (vaultd_connectors(vd, msg))
		return;
	if (msg->hdr.type == MSG_CONF_PEER && msg->hdr.peerid == PROC_CONTROL &&
	    msg->fd != -1 && vd->control.fd == -1) {
		chan_init(&vd->control, msg->fd, 0, "control");
		return;
	}
	fatalx("unexpected %s during configuration",
	    msgtype_name(msg->hdr.type));
}

static void
vaultd_lost_control(struct vaultd *vd)
{
	/* At shutdown this is expected; otherwise the master says why. */
	log_debug("lost control; waiting for the master to stop the service");
	chan_clear(&vd->control);
}

/*
 * control tells us which sessions exist and which worker serves which.
 * It is trusted: a malformed message is fatal.  A request that does not
 * fit the state (a session begun twice, a worker bound to a session that
 * does not exist) is answered with an error in SESSION_ACK.
 */
static void
vaultd_session(struct vaultd *vd, struct msg *msg)
{
	struct msg_vault_session	 ms;
	struct msg_vault_reply		 r;
	struct session			*s = NULL;
	const char			*err = NULL;
	size_t				 used;

	memcpy(&ms, msg->data, sizeof(ms));
	if (memchr(ms.session, '\0', sizeof(ms.session)) == NULL ||
	    memchr(ms.user, '\0', sizeof(ms.user)) == NULL ||
	    !session_valid_id(ms.session))
		fatalx("malformed %s from control",
		    msgtype_name(msg->hdr.type));
	if (msg->hdr.type != MSG_VAULT_SESSION_BEGIN)
		s = session_find(&vd->sessions, ms.session);
	switch (msg->hdr.type) {
	case MSG_VAULT_SESSION_BEGIN:
		if (!vault_valid_user(ms.user))
			fatalx("malformed SESSION_BEGIN from control");
		if (session_begin(&vd->sessions, ms.session, ms.user) == NULL)
			err = "session exists, or too many sessions";
		else
			log_info("session %s of user %s begins", ms.session,
			    ms.user);
		break;
	case MSG_VAULT_SESSION_END:
		if (s == NULL) {
			err = "no such session";
			break;
		}
		used = CRYPTO_secure_used();
		session_end(&vd->sessions, s);
		log_info("session %s ends; its keys are zeroed (%zu bytes of "
		    "secure heap freed)", ms.session,
		    used - CRYPTO_secure_used());
		break;
	case MSG_VAULT_SESSION_WORKER:
		if (s == NULL) {
			err = "no such session";
			break;
		}
		session_bind_worker(&vd->sessions, ms.worker, s);
		log_info("worker %u serves session %s", ms.worker, s->id);
		break;
	}
	if (err != NULL)
		log_warnx("control: %s %s: %s", msgtype_name(msg->hdr.type),
		    ms.session, err);
	memset(&r, 0, sizeof(r));
	r.reqid = ms.reqid;
	r.error = err != NULL ? MSG_VAULT_ERR_REFUSED : 0;
	if (chan_composev(&vd->control, MSG_VAULT_SESSION_ACK, 0, -1,
	    (struct iovec[]){ { &r, sizeof(r) },
	    { (void *)(err != NULL ? err : ""), err != NULL ? strlen(err) :
	    0 } }, 2) == -1)
		fatalx("cannot answer control");
}

static void
vaultd_dispatch_control(struct vaultd *vd)
{
	struct msg	 msg;
	int		 r;

	while ((r = chan_get(&vd->control, &msg)) == 1) {
		switch (msg.hdr.type) {
		case MSG_VAULT_SESSION_BEGIN:
		case MSG_VAULT_SESSION_END:
		case MSG_VAULT_SESSION_WORKER:
			vaultd_session(vd, &msg);
			break;
		default:
			fatalx("unexpected %s from control",
			    msgtype_name(msg.hdr.type));
		}
	}
	if (r == -1)
		fatalx("malformed message from control");
}

/* Every session key is zeroed before we go. */
static void
vaultd_shutdown(struct vaultd *vd)
{
	struct peer	*p;

	while ((p = TAILQ_FIRST(&vd->peers)) != NULL)
		peer_del(&vd->peers, p);
	session_end_all(&vd->sessions);
	vault_close(vd->vault);
	log_debug("shutting down");
	exit(0);
}

static void
vaultd_dispatch_master(struct vaultd *vd)
{
	struct msg	 msg;
	int		 r;

	while ((r = chan_get(&vd->parent, &msg)) == 1) {
		if (proc_child_dispatch(&vd->parent, &vd->peers, &msg)) {
			/* A worker gone serves no session any more. */
			if (msg.hdr.type == MSG_WORKER_GONE)
				session_unbind_worker(&vd->sessions,
				    msg.hdr.peerid);
			continue;
		}
		switch (msg.hdr.type) {
		case MSG_SHUTDOWN:
			vaultd_shutdown(vd);
		case MSG_CONF_CONNECTORS_BEGIN:
		case MSG_CONF_CONNECTOR:
		case MSG_CONF_CONNECTORS_END:
			vaultd_connectors(vd, &msg);
			break;
		default:
			fatalx("unexpected %s from the master",
			    msgtype_name(msg.hdr.type));
		}
	}
	if (r == -1)
		fatalx("malformed message from the master");
}

/*
 * Workers are untrusted: anything but a well-formed INJECT closes that
 * worker's channel (logged); vaultd goes on serving the others.
 */
static int
vaultd_dispatch_worker(struct vaultd *vd, struct peer *p)
{
	struct msg	 msg;
	int		 r;

	while ((r = chan_get(&p->chan, &msg)) == 1) {
		if (vaultd_inject(vd, p, &msg) == -1) {
			r = -1;
			break;
		}
		/*
		 * A worker asks once and waits.  One that keeps asking
		 * and never reads would pile up injected credentials in
		 * our heap until we ran out of memory.
		 */
		if (p->chan.outbytes > VAULTD_PEER_OUTMAX) {
			log_warnx("%s: does not read its replies",
			    p->chan.name);
			r = -1;
			break;
		}
	}
	if (r != -1)
		return 0;
	log_warnx("%s: closing its channel", p->chan.name);
	/* A worker that misbehaves is compromised or broken: it goes. */
	chan_compose(&vd->parent, MSG_WORKER_BAD, p->id, -1, NULL, 0);
	return -1;
}

/* The CLI is untrusted too: see vaultd/cli.c. */
static int
vaultd_dispatch_cli(struct vaultd *vd, struct peer *p)
{
	struct msg	 msg;
	int		 r;

	while ((r = chan_get(&p->chan, &msg)) == 1) {
		if (vaultd_cli_request(vd, p, &msg) == -1)
			return -1;
		if (p->chan.outbytes > VAULTD_PEER_OUTMAX) {
			log_warnx("%s: uid %u: does not read its replies; "
			    "closing the connection", p->chan.name, p->uid);
			return -1;
		}
	}
	if (r == -1)
		log_warnx("%s: uid %u: malformed message; closing the "
		    "connection", p->chan.name, p->uid);
	return r == -1 ? -1 : 0;
}

/*
 * vault.sock is mode 0600, and the kernel's word on the peer's uid is
 * checked as well: only the user who started the service, or root.
 */
static void
vaultd_accept(struct vaultd *vd)
{
	struct peer	*p;
	uid_t		 uid;
	gid_t		 gid;
	size_t		 ncli = 0;
	int		 fd;

	if ((fd = accept4(vd->listen_fd, NULL, NULL,
	    SOCK_NONBLOCK | SOCK_CLOEXEC)) == -1) {
		if (errno != EAGAIN && errno != EINTR &&
		    errno != ECONNABORTED)
			log_warn("vault.sock: accept");
		return;
	}
	if (getpeereid(fd, &uid, &gid) == -1) {
		log_warn("vault.sock: getpeereid");
		close(fd);
		return;
	}
	if (uid != 0 && uid != vd->conf.owner_uid) {
		log_warnx("vault.sock: refused uid %u: not the service's "
		    "owner", (unsigned)uid);
		close(fd);
		return;
	}
	TAILQ_FOREACH(p, &vd->peers, entry)
		if (p->kind == PEER_CLI)
			ncli++;
	if (ncli >= VAULTD_MAX_CLI) {
		log_warnx("vault.sock: too many connections");
		close(fd);
		return;
	}
	if ((p = peer_add(&vd->peers, PEER_CLI, fd, ++vd->cli_seq)) != NULL)
		p->uid = uid;
}

void
vaultd(int foreground, int verbose)
{
	struct vaultd	 vd;
	struct pollfd	*pfd = NULL;
	struct peer	**pp = NULL;
	size_t		 n, i, max = 0;
	int		 keep[3], r;

	log_init(foreground, verbose, "vaultd");
	proc_child_check_parent();
	/* Locked, never-dumped memory for every key, before anything else. */
	vault_crypto_init();
	memset(&vd, 0, sizeof(vd));
	TAILQ_INIT(&vd.peers);
	session_init(&vd.sessions);
	chan_init(&vd.parent, PROC_PARENT_FD, 1, "master");
	vd.control.fd = -1;
	proc_child_configure(&vd.parent, &vd.conf, &vd.listen_fd,
	    vaultd_conf_cb, &vd);
	if (vd.listen_fd == -1)
		fatalx("no vault.sock from the master");
	if (vd.control.fd == -1)
		fatalx("no channel to control");
	log_init(vd.conf.foreground, vd.conf.verbose, "vaultd");

	keep[0] = PROC_PARENT_FD;
	keep[1] = vd.listen_fd;
	keep[2] = vd.control.fd;
	proc_child_sandbox(PROC_VAULTD, &vd.conf, vaultd_promises, keep, 3);
	vd.listen_fd = keep[1];
	vd.control.fd = keep[2];

	/*
	 * The store opens inside the sandbox, in our root: the environment
	 * directory.  Not before it: the sandbox closes every descriptor
	 * it was not told to keep, Berkeley DB's included.  Berkeley DB
	 * opens new log files by path relative to ".", which is that same
	 * directory for as long as we live.  Opening runs recovery, and
	 * every file it creates belongs to the unprivileged user.
	 */
	if ((vd.vault = vault_open(".")) == NULL)
		fatalx("cannot open the vault store in %s", vd.conf.dir);
	if (chan_compose(&vd.parent, MSG_CONF_ACK, 0, -1, NULL, 0) == -1)
		fatalx("cannot acknowledge");

	for (;;) {
		n = 3 + peer_count(&vd.peers);
		if (n > max) {
			if ((pfd = reallocarray(pfd, n, sizeof(*pfd))) ==
			    NULL || (pp = reallocarray(pp, n, sizeof(*pp))) ==
			    NULL)
				fatal("poll set");
			max = n;
		}
		pfd[0].fd = vd.parent.fd;
		pfd[0].events = POLLIN |
		    (chan_pending(&vd.parent) ? POLLOUT : 0);
		pfd[1].fd = vd.listen_fd;
		pfd[1].events = POLLIN;
		pfd[2].fd = vd.control.fd;
		pfd[2].events = POLLIN |
		    (chan_pending(&vd.control) ? POLLOUT : 0);
		n = 3 + peer_pollfds(&vd.peers, pfd + 3, pp + 3, max - 3);
		if (poll(pfd, n, -1) == -1) {
			if (errno == EINTR)
				continue;
			fatal("poll");
		}
		if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			if ((r = chan_read(&vd.parent)) == 0 || r == -1) {
				log_warnx("the master is gone");
				vaultd_shutdown(&vd);
			}
			vaultd_dispatch_master(&vd);
		}
		if (chan_pending(&vd.parent) && chan_flush(&vd.parent) == -1) {
			log_warnx("lost the master");
			vaultd_shutdown(&vd);
		}
		if (pfd[1].revents & POLLIN)
			vaultd_accept(&vd);
		/* Losing control is the master's to act on, as in control. */
		if (pfd[2].revents & (POLLIN | POLLHUP | POLLERR)) {
			if (chan_read(&vd.control) <= 0)
				vaultd_lost_control(&vd);
			else
				vaultd_dispatch_control(&vd);
		}
		if (chan_pending(&vd.control) && chan_flush(&vd.control) == -1)
			vaultd_lost_control(&vd);
		for (i = 3; i < n; i++) {
			struct peer	*p = pp[i];

			if (!peer_has(&vd.peers, p))
				continue;
			if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR)) {
				if (chan_read(&p->chan) <= 0 ||
				    (p->kind == PEER_WORKER ?
				    vaultd_dispatch_worker(&vd, p) :
				    vaultd_dispatch_cli(&vd, p)) == -1) {
					peer_del(&vd.peers, p);
					continue;
				}
			}
			if (chan_pending(&p->chan) &&
			    chan_flush(&p->chan) == -1)
				peer_del(&vd.peers, p);
		}
	}
}
