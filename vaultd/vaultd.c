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
 *
 * Each session has a CA (vaultd/ca.c) whose key never leaves this
 * process: control gets its certificate in SESSION_ACK, a worker of the
 * session gets a leaf for the host it intercepts (LEAF), and keeps its
 * upstream TLS tickets here (TICKET_PUT, TICKET_GET), all for the
 * session control bound that worker to.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "log.h"
#include "msg.h"
#include "msgtypes.h"
#include "proc.h"
#include "vaultd/ca.h"
#include "vaultd/connmap.h"
#include "vault/crypto.h"
#include "vaultd/session.h"
#include "vault/vault.h"
#include "vaultd/vaultd.h"

/* A test echo vaultd answers late, or never (tests only). */
#define VAULTD_TEST_LATE_MS	1000

/* The Berkeley DB environment, and the workers' channels from the master. */
const char	 vaultd_promises[] =
    "stdio rpath wpath cpath fattr flock recvfd";

static int	vaultd_connectors(struct vaultd *, struct msg *);
static void	vaultd_dispatch_master(struct proc *, struct proc_peer *,
		    struct msg *);
static void	vaultd_dispatch_control(struct proc *, struct proc_peer *,
		    struct msg *);
static void	vaultd_dispatch_worker(struct proc *, struct proc_peer *,
		    struct msg *);
static void	vaultd_dispatch_cli(struct proc *, struct proc_peer *,
		    struct msg *);
static void	vaultd_lost_master(struct proc *, struct proc_peer *);
static void	vaultd_lost_control(struct proc *, struct proc_peer *);
static void	vaultd_lost_worker(struct proc *, struct proc_peer *);
static void	vaultd_session(struct vaultd *, struct msg *);
static void	vaultd_release(struct vaultd *, struct msg *);
static int	vaultd_users(struct vaultd *, struct msg *);
static int	vaultd_tls_refuse(struct proc_peer *, uint32_t, uint16_t,
		    const char *, ...)
		    __attribute__((__format__ (printf, 4, 5)));
static int	vaultd_tls_host(struct vaultd *, struct proc_peer *,
		    struct msg *, struct msg_reader *, uint16_t, char *,
		    struct session **);
static int	vaultd_leaf(struct vaultd *, struct proc_peer *, struct msg *);
static int	vaultd_ticket_get(struct vaultd *, struct proc_peer *,
		    struct msg *);
static int	vaultd_ticket_put(struct vaultd *, struct proc_peer *,
		    struct msg *);
static void	vaultd_hello(struct vaultd *, struct proc_peer *,
		    struct msg *);
static void	vaultd_cli_frame(struct vaultd *, struct proc_peer *,
		    struct msg *);
static void	vaultd_test_echo(struct vaultd *, struct proc_peer *,
		    struct msg *);
static void	vaultd_test_late(struct proc *, void *);
static void	vaultd_accept(struct proc *, int, void *);
static void	vaultd_conf_cb(struct msg *, void *);
static int	vaultd_session_max(struct msg *);
static void	vaultd_shutdown(struct vaultd *) __attribute__((__noreturn__));

static const struct proc_peer_type vaultd_peers[] = {
	/* peer		trusted	handler			lost */
	{ PROC_MASTER,	1,	vaultd_dispatch_master,	vaultd_lost_master },
	{ PROC_CONTROL,	1,	vaultd_dispatch_control, vaultd_lost_control },
	{ PROC_WORKER,	0,	vaultd_dispatch_worker,	vaultd_lost_worker },
	{ PROC_CLI,	0,	vaultd_dispatch_cli,	NULL },
};

static const struct msg_accept vaultd_accept_table[] = {
	/* type				from		fds */
	{ MSG_CONF_PROC,		PROC_MASTER,	1 },
	{ MSG_CONF_PEER,		PROC_MASTER,	1 },
	{ MSG_CONF_DONE,		PROC_MASTER,	0 },
	{ MSG_CONF_VERBOSE,		PROC_MASTER,	0 },
	{ MSG_PING,			PROC_MASTER,	0 },
	{ MSG_WORKER_NEW,		PROC_MASTER,	1 },
	{ MSG_WORKER_GONE,		PROC_MASTER,	0 },
	{ MSG_SHUTDOWN,			PROC_MASTER,	0 },
	{ MSG_CONF_CONNECTORS_BEGIN,	PROC_MASTER,	0 },
	{ MSG_CONF_CONNECTOR,		PROC_MASTER,	0 },
	{ MSG_CONF_CONNECTORS_END,	PROC_MASTER,	0 },
	{ MSG_CONF_CONNECTOR_VAULT,	PROC_MASTER,	0 },	/* teams */
	{ MSG_CONF_SESSION_MAX,		PROC_MASTER,	0 },
	{ MSG_VAULT_SESSION_BEGIN,	PROC_CONTROL,	0 },
	{ MSG_VAULT_SESSION_END,	PROC_CONTROL,	0 },
	{ MSG_VAULT_SESSION_WORKER,	PROC_CONTROL,	0 },
	{ MSG_TEST_ECHO,		PROC_CONTROL,	0 },
	{ MSG_VAULT_USERS,		PROC_CONTROL,	0 },
	{ MSG_VAULT_RELEASE,		PROC_CONTROL,	0 },
	{ MSG_VAULT_INJECT,		PROC_WORKER,	0 },
	{ MSG_VAULT_LEAF,		PROC_WORKER,	0 },
	{ MSG_VAULT_TICKET_GET,		PROC_WORKER,	0 },
	{ MSG_VAULT_TICKET_PUT,		PROC_WORKER,	0 },
	{ MSG_TEST_ECHO,		PROC_WORKER,	0 },
	{ MSG_VAULT_HELLO,		PROC_CLI,	0 },
	{ MSG_VAULT_REQUEST,		PROC_CLI,	0 },
};

/* A late test echo: the call it answers, on control's channel. */
struct vaultd_late {
	struct proc_timer	 timer;
	struct vaultd		*vd;
	uint32_t		 reqid;
};

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
		if (!vd->receiving || connmap_add(&vd->next, msg) == -1)
			fatalx("malformed connector map");
		return 1;
	case MSG_CONF_CONNECTORS_END:
		if (!vd->receiving)
			fatalx("connector map ended before it began");
		connmap_free(&vd->connectors);
		vd->connectors = vd->next;
		memset(&vd->next, 0, sizeof(vd->next));
		vd->receiving = 0;
		log_debug("%zu connector%s", vd->connectors.n,
		    PLURAL(vd->connectors.n));
		return 1;
	}
	return 0;
}

/*
 * "session max" from the master: a session's CA outlives the longest
 * session by the hour it starts back (ca.c).  Sessions begun before a
 * reload keep the CA they have.
 */
static int
vaultd_session_max(struct msg *msg)
{
	struct msg_conf_session_max	 sm;

	if (msg->hdr.type != MSG_CONF_SESSION_MAX)
		return 0;
	memcpy(&sm, msg->data, sizeof(sm));	/* length: checked */
	if (ca_set_lifetime((long long)sm.seconds + 3600) == -1)
		log_warnx("session max %u s: no CA lifetime that long; "
		    "keeping the last", sm.seconds);
	return 1;
}

static void
vaultd_conf_cb(struct msg *msg, void *arg)
{
	struct vaultd	*vd = arg;

	if (vaultd_connectors(vd, msg) || vaultd_teams_conf(vd, msg) ||
	    vaultd_session_max(msg))
		return;
	if (msg->hdr.type == MSG_CONF_PEER && msg->hdr.peerid == PROC_CONTROL &&
	    vd->control == NULL) {
		if ((vd->control = proc_peer_add(&vd->ps, PROC_CONTROL,
		    msg->fd, 0, "control")) == NULL)
			fatalx("no channel to control");
		return;
	}
	fatalx("unexpected %s during configuration",
	    msgtype_name(msg->hdr.type));
}

static void
vaultd_lost_control(struct proc *ps, struct proc_peer *p)
{
	struct vaultd	*vd = ps->arg;

	/* At shutdown this is expected; otherwise the master says why. */
	log_debug("lost control; waiting for the master to stop the service");
	vd->control = NULL;
	(void)p;
}

static void
vaultd_lost_master(struct proc *ps, struct proc_peer *p)
{
	(void)p;
	log_warnx("the master is gone");
	vaultd_shutdown(ps->arg);
}

/* A worker gone serves no session any more. */
static void
vaultd_lost_worker(struct proc *ps, struct proc_peer *p)
{
	struct vaultd	*vd = ps->arg;

	session_unbind_worker(&vd->sessions, p->id);
}

/*
 * control tells us which sessions exist and which worker serves which.
 * It is trusted: a malformed message is fatal.  A request that does not
 * fit the state (a session begun twice, a worker bound to a session that
 * does not exist, or a worker whose channel we do not hold) is answered
 * with an error in SESSION_ACK.
 */
static void
vaultd_session(struct vaultd *vd, struct msg *msg)
{
	struct msg_vault_session	 ms;
	struct msg_reader		 r;
	struct session			*s = NULL;
	const char			*err = NULL, *text;
	size_t				 used, textlen;

	msg_reader_init(&r, msg);
	msg_get_u32(&r, &ms.worker);
	msg_get_str(&r, ms.session, sizeof(ms.session));
	msg_get_str(&r, ms.user, sizeof(ms.user));
	if (msg_get_end(&r) == -1 || !session_valid_id(ms.session))
		proc_fail(&vd->ps, "malformed %s from control",
		    msgtype_name(msg->hdr.type));
	if (msg->hdr.type != MSG_VAULT_SESSION_BEGIN)
		s = session_find(&vd->sessions, ms.session);
	switch (msg->hdr.type) {
	case MSG_VAULT_SESSION_BEGIN:
		if (!vault_valid_user(ms.user))
			proc_fail(&vd->ps, "malformed SESSION_BEGIN from "
			    "control");
		if ((s = session_begin(&vd->sessions, ms.session,
		    ms.user)) == NULL) {
			err = "session exists, or too many sessions";
			break;
		}
		/* Its CA: the key stays here, control gets the PEM. */
		if (session_set_ca(s) == -1) {
			session_end(&vd->sessions, s);
			s = NULL;
			err = "cannot make the session CA";
			break;
		}
		log_info("session %s of user %s begins", ms.session, ms.user);
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
		/*
		 * Only a worker whose channel we hold: a binding for a pid
		 * whose channel is gone (it closed while control checked
		 * its token) would be inherited by the next worker the
		 * master forks with that pid.  The master sends us a new
		 * worker's channel before control's (master/pool.c), but
		 * it may still wait in the master's socket behind others.
		 */
		if (proc_peer_find(&vd->ps, PROC_WORKER, ms.worker) == NULL &&
		    vd->parent != NULL)
			proc_peer_drain(&vd->ps, vd->parent);
		if (proc_peer_find(&vd->ps, PROC_WORKER, ms.worker) == NULL) {
			err = "no such worker";
			break;
		}
		session_bind_worker(&vd->sessions, ms.worker, s);
		log_info("worker %u serves session %s", ms.worker, s->id);
		break;
	}
	text = err;
	textlen = err != NULL ? strlen(err) : 0;
	if (err != NULL)
		log_warnx("control: %s %s: %s", msgtype_name(msg->hdr.type),
		    ms.session, err);
	else if (msg->hdr.type == MSG_VAULT_SESSION_BEGIN) {
		text = s->ca->pem;
		textlen = s->ca->pemlen;
	}
	if (vaultd_reply(vd->control, msg->hdr.reqid, MSG_VAULT_SESSION_ACK,
	    err != NULL ? MSG_VAULT_ERR_REFUSED : 0, 0, text, textlen) == -1)
		proc_fail(&vd->ps, "cannot answer control");
}

/*
 * control allowed a worker an action of a connector on a host (a policy
 * ALLOW, a human's GRANTED) and tells us before it tells the worker: from
 * now on INJECT gives that worker the connector's credential for that
 * host (inject.c).  Refused for a worker whose channel is gone or that
 * serves no session, and past MSG_VAULT_RELEASE_MAX; control then
 * refuses the action.  Whether the connector declares the host is
 * INJECT's to check, against the map in force then.
 */
static void
vaultd_release(struct vaultd *vd, struct msg *msg)
{
	struct msg_vault_release	 mr;
	struct msg_reader		 r;
	const char			*err = NULL;

	msg_reader_init(&r, msg);
	msg_get_u32(&r, &mr.worker);
	msg_get_str(&r, mr.connector, sizeof(mr.connector));
	msg_get_str(&r, mr.host, sizeof(mr.host));
	if (msg_get_end(&r) == -1)
		proc_fail(&vd->ps, "malformed %s from control",
		    msgtype_name(msg->hdr.type));
	if (proc_peer_find(&vd->ps, PROC_WORKER, mr.worker) == NULL)
		err = "no such worker";
	else switch (session_release(&vd->sessions, mr.worker, mr.connector,
	    mr.host)) {
	case -1:
		err = "the worker serves no session";
		break;
	case -2:
		err = "the worker holds too many releases";
		break;
	}
	if (err != NULL)
		log_warnx("control: release of connector %s for %s to worker "
		    "%u refused: %s", vaultd_printable(mr.connector),
		    vaultd_printable(mr.host), mr.worker, err);
	else
		log_info("worker %u may inject connector %s for %s",
		    mr.worker, vaultd_printable(mr.connector),
		    vaultd_printable(mr.host));
	if (vaultd_reply(vd->control, msg->hdr.reqid, MSG_VAULT_SESSION_ACK,
	    err != NULL ? MSG_VAULT_ERR_REFUSED : 0, 0, err,
	    err != NULL ? strlen(err) : 0) == -1)
		proc_fail(&vd->ps, "cannot answer control");
}

static void
vaultd_dispatch_control(struct proc *ps, struct proc_peer *p, struct msg *msg)
{
	struct vaultd	*vd = ps->arg;

	switch (msg->hdr.type) {
	case MSG_VAULT_SESSION_BEGIN:
	case MSG_VAULT_SESSION_END:
	case MSG_VAULT_SESSION_WORKER:
		vaultd_session(vd, msg);
		break;
	case MSG_VAULT_RELEASE:
		vaultd_release(vd, msg);
		break;
	case MSG_TEST_ECHO:
		vaultd_test_echo(vd, p, msg);
		break;
	case MSG_VAULT_USERS:
		if (vaultd_users(vd, msg) == -1)
			proc_fail(ps, "malformed %s from control",
			    msgtype_name(msg->hdr.type));
		break;
	default:
		proc_fail(ps, "unexpected %s from control",
		    msgtype_name(msg->hdr.type));
	}
}

/* control's table of who is who, replacing the last one. */
static int
vaultd_users(struct vaultd *vd, struct msg *msg)
{
	struct msg_vault_uid	*v = NULL;
	size_t			 i, n = msg->len / sizeof(*v);

	if (msg->len % sizeof(*v) != 0)
		return -1;
	if (n > 0 && (v = calloc(n, sizeof(*v))) == NULL)
		fatal("%s", __func__);
	if (n > 0)
		memcpy(v, msg->data, msg->len);
	for (i = 0; i < n; i++)
		if (memchr(v[i].user, '\0', sizeof(v[i].user)) == NULL ||
		    !vault_valid_user(v[i].user)) {
			free(v);
			return -1;
		}
	free(vd->uids);
	vd->uids = v;
	vd->nuids = n;
	log_debug("vault.sock: %zu user%s besides the administrator", n,
	    n == 1 ? "" : "s");
	return 0;
}

/* Every session key is zeroed before we go. */
static void
vaultd_shutdown(struct vaultd *vd)
{
	struct proc_peer	*p;

	TAILQ_FOREACH(p, &vd->ps.peers, entry)
		proc_peer_close(&vd->ps, p);
	session_end_all(&vd->sessions);
	vault_close(vd->vault);
	log_debug("shutting down");
	exit(0);
}

static void
vaultd_dispatch_master(struct proc *ps, struct proc_peer *p, struct msg *msg)
{
	struct vaultd	*vd = ps->arg;

	if (proc_child_dispatch(ps, p, msg))
		return;
	switch (msg->hdr.type) {
	case MSG_SHUTDOWN:
		vaultd_shutdown(vd);
	case MSG_CONF_CONNECTORS_BEGIN:
	case MSG_CONF_CONNECTOR:
	case MSG_CONF_CONNECTORS_END:
		vaultd_connectors(vd, msg);
		break;
	case MSG_CONF_CONNECTOR_VAULT:
		vaultd_teams_conf(vd, msg);
		break;
	case MSG_CONF_SESSION_MAX:
		vaultd_session_max(msg);
		break;
	default:
		proc_fail(ps, "unexpected %s from the master",
		    msgtype_name(msg->hdr.type));
	}
}

/*
 * Test mode only (the accept table refuses it otherwise): echo the
 * payload; "stall" is never answered and "late" is answered after
 * VAULTD_TEST_LATE_MS, so a test can see a caller's deadline pass.
 */
static void
vaultd_test_echo(struct vaultd *vd, struct proc_peer *p, struct msg *msg)
{
	struct vaultd_late	*l;

	if (msg->len == 5 && memcmp(msg->data, "stall", 5) == 0)
		return;
	if (msg->len == 4 && memcmp(msg->data, "late", 4) == 0 &&
	    p == vd->control) {
		if ((l = calloc(1, sizeof(*l))) == NULL)
			fatal("%s", __func__);
		l->vd = vd;
		l->reqid = msg->hdr.reqid;
		proc_timer_set(&vd->ps, &l->timer, VAULTD_TEST_LATE_MS,
		    vaultd_test_late, l);
		return;
	}
	chan_reply(&p->chan, msg->hdr.reqid, MSG_TEST_ECHO, msg->data,
	    msg->len);
}

static void
vaultd_test_late(struct proc *ps, void *arg)
{
	struct vaultd_late	*l = arg;

	(void)ps;
	if (l->vd->control != NULL)
		chan_reply(&l->vd->control->chan, l->reqid, MSG_TEST_ECHO,
		    "late", 4);
	free(l);
}

/* A refused LEAF or TICKET_GET: logged, and a sentence in the reply. */
static int
vaultd_tls_refuse(struct proc_peer *p, uint32_t reqid, uint16_t type,
    const char *fmt, ...)
{
	va_list		 ap;
	char		 why[512];

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	vaultd_refused(p, "%s refused: %s", msgtype_name(type), why);
	return vaultd_reply(p, reqid, type, MSG_VAULT_ERR_REFUSED, 0, why,
	    strlen(why));
}

/*
 * The host of a LEAF, TICKET_GET or TICKET_PUT, canonical (ca_host_canon)
 * in canon, and the session of the worker's channel.  -1: a malformed
 * frame; 1: refused, no session or not a host, and answered with a
 * refusal of type rtype (0: not answered, for a PUT); 0: both good.  With
 * a reader, the bytes after the host are left in it for the caller;
 * without, there must be none.
 */
static int
vaultd_tls_host(struct vaultd *vd, struct proc_peer *p, struct msg *msg,
    struct msg_reader *tail, uint16_t rtype, char *canon, struct session **s)
{
	struct msg_reader	 r0, *r = tail != NULL ? tail : &r0;
	struct msg_vault_host	 mh;
	const char		*why = NULL;

	msg_reader_init(r, msg);
	if (msg_get_str(r, mh.host, sizeof(mh.host)) == -1 ||
	    (tail == NULL && msg_get_end(r) == -1)) {
		log_warnx("%s: malformed %s (unterminated host); closing its "
		    "channel", p->chan.name, msgtype_name(msg->hdr.type));
		return -1;
	}
	if ((*s = session_of_worker(&vd->sessions, p->id)) == NULL)
		why = "this worker serves no session";
	else if (ca_host_canon(mh.host, canon, CA_HOST_MAX + 1) == -1) {
		vaultd_refused(p, "%s for an invalid host %s",
		    msgtype_name(msg->hdr.type), vaultd_printable(mh.host));
		why = "not a DNS name or an IP address";
	}
	if (why == NULL)
		return 0;
	if (rtype == 0)
		vaultd_refused(p, "%s dropped: %s",
		    msgtype_name(msg->hdr.type), why);
	else if (vaultd_tls_refuse(p, msg->hdr.reqid, rtype, "%s", why) == -1)
		return -1;
	return 1;
}

/*
 * LEAF {host}: the leaf certificate and key for a host, from the session
 * CA of the session this worker serves, as
 *	msg_vault_reply, uint32_t certlen, certificate DER, key DER.
 * The key is serialized into the secure heap and zeroed once it is in
 * the frame, which the channel zeroes when sent.
 */
static int
vaultd_leaf(struct vaultd *vd, struct proc_peer *p, struct msg *msg)
{
	struct msg_vault_reply	 mr;
	const struct ca_leaf	*l;
	struct crypto_secret	*key;
	struct session		*s;
	struct session_worker	*w;
	struct iovec		 iov[4];
	char			 host[CA_HOST_MAX + 1];
	uint32_t		 certlen, reqid = msg->hdr.reqid;
	int			 rv;

	if ((rv = vaultd_tls_host(vd, p, msg, NULL, MSG_VAULT_LEAF_REPLY,
	    host, &s)) != 0)
		return rv == -1 ? -1 : 0;
	if (!session_leaf_cached(s, host) && (w = session_worker_find(
	    &vd->sessions, p->id)) != NULL &&
	    w->minted++ >= SESSION_WORKER_MINTS)
		return vaultd_tls_refuse(p, reqid, MSG_VAULT_LEAF_REPLY,
		    "this worker had %d leaves minted already; %s is not one",
		    SESSION_WORKER_MINTS, host);
	if ((l = session_leaf(&vd->sessions, s, host)) == NULL)
		return vaultd_tls_refuse(p, reqid, MSG_VAULT_LEAF_REPLY,
		    "cannot mint a leaf certificate for %s", host);
	if ((key = ca_leaf_key_der(l)) == NULL)
		return vaultd_tls_refuse(p, reqid, MSG_VAULT_LEAF_REPLY,
		    "cannot serialize the leaf key for %s", host);
	memset(&mr, 0, sizeof(mr));
	certlen = l->certlen;
	iov[0].iov_base = &mr;
	iov[0].iov_len = sizeof(mr);
	iov[1].iov_base = &certlen;
	iov[1].iov_len = sizeof(certlen);
	iov[2].iov_base = l->cert;
	iov[2].iov_len = l->certlen;
	iov[3].iov_base = key->data;
	iov[3].iov_len = key->len;
	rv = chan_replyv(&p->chan, reqid, MSG_VAULT_LEAF_REPLY, iov, 4);
	crypto_secret_free(key);
	return rv == -1 ? -1 : 0;
}

/* TICKET_GET {host}: the session's newest ticket for it, or nothing. */
static int
vaultd_ticket_get(struct vaultd *vd, struct proc_peer *p, struct msg *msg)
{
	const struct crypto_secret	*t;
	struct session			*s;
	char				 host[CA_HOST_MAX + 1];
	int				 rv;

	if ((rv = vaultd_tls_host(vd, p, msg, NULL, MSG_VAULT_TICKET_REPLY,
	    host, &s)) != 0)
		return rv == -1 ? -1 : 0;
	t = session_ticket_get(s, host);
	return vaultd_reply(p, msg->hdr.reqid, MSG_VAULT_TICKET_REPLY, 0, 0,
	    t != NULL ? t->data : NULL, t != NULL ? t->len : 0);
}

/*
 * TICKET_PUT {host} + a serialized SSL_SESSION: kept for the session this
 * worker serves, never parsed.  No answer: a put that cannot be kept only
 * costs a full handshake next time, so it is logged and dropped.
 */
static int
vaultd_ticket_put(struct vaultd *vd, struct proc_peer *p, struct msg *msg)
{
	struct msg_reader	 r;
	struct session		*s;
	const uint8_t		*der;
	char			 host[CA_HOST_MAX + 1];
	size_t			 len;
	int			 rv;

	if ((rv = vaultd_tls_host(vd, p, msg, &r, 0, host, &s)) == -1)
		return -1;
	der = msg_get_rest(&r, &len);
	if (msg_get_end(&r) == -1 || len == 0 || len > SESSION_TICKET_MAX) {
		log_warnx("%s: malformed TICKET_PUT; closing its channel",
		    p->chan.name);
		return -1;
	}
	if (rv == 1)
		return 0;
	if (session_ticket_put(&vd->sessions, s, host, der, len) == -1)
		vaultd_refused(p, "TICKET_PUT for %s dropped: no room in "
		    "the secure heap", host);
	else
		log_debug("%s: session %s: ticket kept for %s (%zu bytes, %zu "
		    "hosts)", p->chan.name, s->id, host, len, s->ntickets);
	return 0;
}

/*
 * Workers are untrusted: anything but a well-formed INJECT, LEAF or
 * TICKET is a bad frame, which closes that worker's channel and gets it
 * killed; vaultd goes on serving the others.
 */
static void
vaultd_dispatch_worker(struct proc *ps, struct proc_peer *p, struct msg *msg)
{
	struct vaultd	*vd = ps->arg;
	int		 rv;

	switch (msg->hdr.type) {
	case MSG_TEST_ECHO:
		vaultd_test_echo(vd, p, msg);
		return;
	case MSG_VAULT_LEAF:
		rv = vaultd_leaf(vd, p, msg);
		break;
	case MSG_VAULT_TICKET_GET:
		rv = vaultd_ticket_get(vd, p, msg);
		break;
	case MSG_VAULT_TICKET_PUT:
		rv = vaultd_ticket_put(vd, p, msg);
		break;
	default:
		rv = vaultd_inject(vd, p, msg);
		break;
	}
	/* A worker that never reads its answers: see proc_peer_read. */
	if (rv == -1)
		proc_bad_frame(ps, p);
}

/*
 * vault.sock speaks one protocol version: a client of another gets a
 * sentence saying so and the connection closes before anything is done.
 */
static void
vaultd_hello(struct vaultd *vd, struct proc_peer *p, struct msg *msg)
{
	struct msg_reader	 r;
	char			 why[160];
	uint32_t		 version;

	msg_reader_init(&r, msg);
	msg_get_u32(&r, &version);
	if (msg_get_end(&r) == -1 || p->hello) {
		proc_bad_frame(&vd->ps, p);
		return;
	}
	if (version != MSG_VAULT_PROTOCOL) {
		snprintf(why, sizeof(why), "this client speaks vault.sock "
		    "protocol %u and the service speaks %u: use the aileron "
		    "of the running service", version, MSG_VAULT_PROTOCOL);
		log_warnx("%s: uid %u: %s", p->chan.name, p->uid, why);
		vaultd_reply(p, msg->hdr.reqid, MSG_VAULT_REPLY,
		    MSG_VAULT_ERR_VERSION, 0, why, strlen(why));
		/* Nothing more from it: a request now closes it. */
		p->hello = -1;
		return;
	}
	p->hello = 1;
	vaultd_reply(p, msg->hdr.reqid, MSG_VAULT_REPLY, 0, 0, NULL, 0);
}

/* The CLI is untrusted too: see vaultd/vaultsock.c. */
static void
vaultd_dispatch_cli(struct proc *ps, struct proc_peer *p, struct msg *msg)
{
	struct vaultd	*vd = ps->arg;

	vaultd_cli_frame(vd, p, msg);
	/* From the end of this request: a slow one must not cut it off. */
	if (!p->dead)
		msg_deadline(&p->idle, VAULTD_CLI_IDLE_MS);
}

static void
vaultd_cli_frame(struct vaultd *vd, struct proc_peer *p, struct msg *msg)
{
	struct proc	*ps = &vd->ps;

	if (msg->hdr.type == MSG_VAULT_HELLO) {
		vaultd_hello(vd, p, msg);
		return;
	}
	if (p->hello != 1) {
		log_warnx("%s: uid %u: a request before HELLO; closing the "
		    "connection", p->chan.name, p->uid);
		explicit_bzero((void *)msg->data, msg->len);
		proc_bad_frame(ps, p);
		return;
	}
	if (vaultd_cli_request(vd, p, msg) == -1)
		proc_bad_frame(ps, p);
}

/*
 * vault.sock is mode 0660, group aileron (as api.sock), and the kernel's
 * word on the peer's uid is checked as well: the user who started the
 * service, root, or a uid that control says is an aileron user, who may
 * then act only as that user (vaultsock.c).  A
 * connection must say HELLO within VAULTD_CLI_HELLO_MS and then something
 * within VAULTD_CLI_IDLE_MS each time (the CLI asks, prompts a human for a
 * key, asks again), and one uid may not hold every slot, so idle clients
 * cannot lock others out.
 */
static void
vaultd_accept(struct proc *ps, int lfd, void *arg)
{
	struct vaultd		*vd = arg;
	struct proc_peer	*p;
	char			 name[48];
	uid_t			 uid;
	gid_t			 gid;
	size_t			 ncli = 0, nuid = 0;
	int			 fd;

	if ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) ==
	    -1) {
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
	if (!vaultd_admin(vd, uid) && vaultd_user_of(vd, uid) == NULL) {
		log_warnx("vault.sock: refused uid %u: no aileron user",
		    (unsigned)uid);
		close(fd);
		return;
	}
	TAILQ_FOREACH(p, &ps->peers, entry) {
		if (p->dead || p->type->id != PROC_CLI)
			continue;
		ncli++;
		if (p->uid == uid)
			nuid++;
	}
	if (ncli >= VAULTD_MAX_CLI || nuid >= VAULTD_MAX_CLI_UID) {
		log_warnx("vault.sock: too many connections%s; refused uid "
		    "%u", nuid >= VAULTD_MAX_CLI_UID ? " from one user" : "",
		    (unsigned)uid);
		close(fd);
		return;
	}
	snprintf(name, sizeof(name), "cli %u", ++vd->cli_seq);
	if ((p = proc_peer_add(ps, PROC_CLI, fd, vd->cli_seq, name)) == NULL)
		return;
	p->uid = uid;
	msg_deadline(&p->idle, VAULTD_CLI_HELLO_MS);
}

void
vaultd(int foreground, int verbose)
{
	struct vaultd	 vd;
	int		 keep[3];

	log_init(foreground, verbose, "vaultd");
	proc_child_check_parent();
	/* Locked, never-dumped memory for every key, before anything else. */
	vault_crypto_init();
	memset(&vd, 0, sizeof(vd));
	proc_init(&vd.ps, PROC_VAULTD, vaultd_peers,
	    sizeof(vaultd_peers) / sizeof(vaultd_peers[0]),
	    vaultd_accept_table,
	    sizeof(vaultd_accept_table) / sizeof(vaultd_accept_table[0]),
	    &vd);
	session_init(&vd.sessions);
	proc_child_configure(&vd.ps, &vd.parent, &vd.conf, &vd.listen_fd,
	    vaultd_conf_cb, &vd);
	if (vd.listen_fd == -1)
		fatalx("no vault.sock from the master");
	if (vd.control == NULL)
		fatalx("no channel to control");
	log_init(vd.conf.foreground, vd.conf.verbose, "vaultd");

	keep[0] = PROC_PARENT_FD;
	keep[1] = vd.listen_fd;
	keep[2] = vd.control->chan.fd;
	proc_child_sandbox(PROC_VAULTD, &vd.conf, vaultd_promises, keep, 3);
	vd.listen_fd = keep[1];
	vd.control->chan.fd = keep[2];

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
	vaultd_teams_attach(&vd);
	if (chan_compose(&vd.parent->chan, MSG_CONF_ACK, 0, -1, NULL, 0) ==
	    -1)
		fatalx("cannot acknowledge");
	proc_add_fd(&vd.ps, vd.listen_fd, vaultd_accept, &vd);
	proc_loop(&vd.ps);
}
