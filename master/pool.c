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
 * pool.c: the master's pool of pre-forked workers.  prefork idle workers
 * wait in accept() at all times; a worker that accepts says so, and the
 * master forks a spare, never beyond max workers (further connections wait
 * in the listen backlog).  Each worker serves one connection and exits.
 *
 * Workers are forked without exec: they inherit what the master prepared
 * once (TLS contexts, the CA store, compiled specs) copy-on-write, which
 * is what makes a connection cheap.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "msg.h"
#include "msgtypes.h"
#include "proc.h"
#include "sandbox.h"
#include "master/master.h"
#include "master/parse.h"
#include "worker/worker.h"

_Static_assert(WORKER_MAX_LISTENERS >= MASTER_MAX_LISTENERS &&
    MASTER_MAX_LISTENERS == CONF_LISTEN_MAX + 3 &&
    WORKER_MAX_LISTENERS + 3 <= SANDBOX_MAX_KEEP,
    "every listener reaches every worker");

/* Pool queries a worker may make (metrics: one per scrape). */
#define POOL_ASKED_MAX		4

/* Workers dying before they serve, in a row, before we give up. */
#define POOL_EARLY_DEATHS_MAX	16

static int	pool_spawn(struct master *);
static void	pool_gauges(struct master *, struct proc_peer *,
		    struct msg *);
static void	pool_child(struct master *, int, int, int)
		    __attribute__((__noreturn__));

/* In the new child: hand over only what a worker needs, then serve. */
static void
pool_child(struct master *m, int master_fd, int control_fd, int vaultd_fd)
{
	struct worker_ctx	 ctx;
	size_t			 i;

	memset(&ctx, 0, sizeof(ctx));
	log_procname("worker");
	for (i = 0; i < m->nlisteners && i < WORKER_MAX_LISTENERS; i++) {
		ctx.listen[i] = m->listeners[i].fd;
		ctx.listen_api[i] = m->listeners[i].api;
		ctx.listen_addr[i] = m->listeners[i].addr;
		if (m->listeners[i].api == WORKER_LISTEN_WEB)
			ctx.web_addr = m->listeners[i].addr;
	}
	ctx.nlisten = i;
	ctx.master_fd = master_fd;
	ctx.control_fd = control_fd;
	ctx.vaultd_fd = vaultd_fd;
	ctx.devnull = m->devnull;
	ctx.matcher = m->matcher;
	ctx.specs = m->specs;		/* aileron.internal's /v1/actions */
	ctx.nspecs = m->nspecs;
	ctx.foreground = m->foreground;
	ctx.drop = m->drop;
	ctx.uid = m->uid;
	ctx.gid = m->gid;
	ctx.filter = m->worker_filter;
	ctx.conf = m->conf;
	ctx.tls_server = m->tls_server;
	ctx.tls_client = m->tls_client;
	ctx.resolve = m->conf->resolve;
	worker(&ctx);
}

static int
pool_spawn(struct master *m)
{
	struct worker	*w;
	sigset_t	 all, old;
	char		 name[48];
	int		 mw[2], wc[2] = { -1, -1 }, wv[2] = { -1, -1 };
	pid_t		 pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, mw) == -1)
		goto fail;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, wc) == -1 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, wv) == -1)
		goto failpairs;
	if ((w = calloc(1, sizeof(*w))) == NULL)
		goto failpairs;

	/*
	 * Until the worker has its own handlers, a signal must not run the
	 * master's (which would write into the master's signal pipe): block
	 * everything across fork; sandbox_enter() resets and unblocks.
	 */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	switch (pid = fork()) {
	case -1:
		sigprocmask(SIG_SETMASK, &old, NULL);
		free(w);
		goto failpairs;
	case 0:
		pool_child(m, mw[1], wc[0], wv[0]);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(mw[1]);
	close(wc[0]);
	close(wv[0]);

	/*
	 * control and vaultd learn the worker by its channel, not a claim.
	 * vaultd's goes out first: vaultd binds a worker to a session only
	 * when it holds the worker's channel, and control asks it to as soon
	 * as the worker, which needs control's channel for that, sends a
	 * token.
	 */
	master_send(m, m->vaultd_peer, MSG_WORKER_NEW, pid, wv[1], NULL, 0);
	/* A full or broken channel is the loop's to see, at its flush. */
	if (m->vaultd_peer != NULL)
		(void)chan_flush(&m->vaultd_peer->chan);
	master_send(m, m->control_peer, MSG_WORKER_NEW, pid, wc[1], NULL, 0);

	w->pid = pid;
	snprintf(name, sizeof(name), "worker %d", (int)pid);
	if ((w->peer = proc_peer_add(&m->ps, PROC_WORKER, mw[0], pid,
	    name)) != NULL)
		w->peer->state = w;
	TAILQ_INSERT_TAIL(&m->workers, w, entry);
	m->nworkers++;
	m->nidle++;
	log_debug("%s started", name);
	return 0;

 failpairs:
	close(mw[0]);
	close(mw[1]);
	if (wc[0] != -1) {
		close(wc[0]);
		close(wc[1]);
	}
	if (wv[0] != -1) {
		close(wv[0]);
		close(wv[1]);
	}
 fail:
	log_warn("cannot start a worker");
	return -1;
}

/* Keep prefork idle workers, within max workers. */
void
pool_fill(struct master *m)
{
	struct timespec	 now;

	if (m->phase != PHASE_RUNNING)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec < m->spawn_after.tv_sec)
		return;
	while (m->nidle < m->conf->prefork &&
	    m->nworkers < m->conf->max_workers) {
		if (pool_spawn(m) == -1) {
			/* Out of processes or memory: try again shortly. */
			m->spawn_after = now;
			m->spawn_after.tv_sec += 1;
			break;
		}
	}
}

/*
 * Metrics (issue 14): the worker serving /metrics asks for the pool's
 * gauges when it is scraped, which costs the pool nothing between
 * scrapes; only the master knows them.  A fixed answer of counters the
 * master keeps anyway, nothing a worker could use against another.
 */
static void
pool_gauges(struct master *m, struct proc_peer *p, struct msg *msg)
{
	struct msg_worker_pool	 g;
	struct worker		*w = p->state;

	/* One scrape asks once: a worker that keeps asking is broken. */
	if (++w->pool_asked > POOL_ASKED_MAX) {
		proc_bad_frame(&m->ps, p);
		return;
	}
	memset(&g, 0, sizeof(g));
	g.workers = m->nworkers;
	g.idle = m->nidle;
	g.max_workers = m->conf->max_workers;
	g.prefork = m->conf->prefork;
	if (chan_reply(&p->chan, msg->hdr.reqid, MSG_WORKER_POOL_REPLY, &g,
	    sizeof(g)) == -1)
		log_warnx("%s: cannot answer its pool query", p->chan.name);
}

/*
 * Workers are untrusted: a frame not in our accept table never gets here
 * (proc_bad_frame gets the worker killed); BUSY, and a metrics
 * worker's POOL, is all a worker says.
 */
void
master_dispatch_worker(struct proc *ps, struct proc_peer *p, struct msg *msg)
{
	struct master	*m = ps->arg;
	struct worker	*w = p->state;

	switch (msg->hdr.type) {
	case MSG_WORKER_BUSY:
		if (!w->busy) {
			w->busy = 1;
			m->nidle--;
			m->early_deaths = 0;
		}
		pool_fill(m);
		break;
	case MSG_WORKER_POOL:
		pool_gauges(m, p, msg);
		break;
	default:
		proc_bad_frame(ps, p);
		break;
	}
}

/*
 * The worker's channel ended: it is exiting (reaped on SIGCHLD), or it
 * sent a bad frame, which costs it its life.
 */
void
master_lost_worker(struct proc *ps, struct proc_peer *p)
{
	struct worker	*w = p->state;

	(void)ps;
	if (p->bad && kill(w->pid, SIGKILL) == 0)
		w->killed = 1;
	w->peer = NULL;
}

void
pool_drop(struct master *m, struct worker *w)
{
	TAILQ_REMOVE(&m->workers, w, entry);
	m->nworkers--;
	if (!w->busy)
		m->nidle--;
	if (w->peer != NULL)
		proc_peer_close(&m->ps, w->peer);
	free(w);
}

/* Returns 0 when pid was a worker, -1 otherwise. */
int
pool_reap(struct master *m, pid_t pid, int status)
{
	struct worker	*w;
	char		 why[64];
	int		 clean;

	TAILQ_FOREACH(w, &m->workers, entry)
		if (w->pid == pid)
			break;
	if (w == NULL)
		return -1;
	clean = (WIFEXITED(status) && WEXITSTATUS(status) == 0) ||
	    (w->killed && WIFSIGNALED(status) &&
	    (WTERMSIG(status) == SIGTERM || WTERMSIG(status) == SIGKILL));
	if (!clean) {
		log_warnx("worker %d: %s", (int)pid,
		    proc_status_str(status, why, sizeof(why)));
		if (!w->busy && ++m->early_deaths >= POOL_EARLY_DEATHS_MAX) {
			/* Something is wrong with every worker: stop. */
			log_warnx("%d worker%s in a row died before "
			    "serving; see the log above", m->early_deaths,
			    PLURAL(m->early_deaths));
			kill(getpid(), SIGTERM);
			m->exit_status = 1;
		}
	} else
		log_debug("worker %d: %s", (int)pid,
		    proc_status_str(status, why, sizeof(why)));

	master_send(m, m->control_peer, MSG_WORKER_GONE, pid, -1, NULL, 0);
	master_send(m, m->vaultd_peer, MSG_WORKER_GONE, pid, -1, NULL, 0);
	pool_drop(m, w);
	pool_fill(m);
	return 0;
}

/* Signal every worker, or only the idle ones (a reload recycles those). */
void
pool_signal(struct master *m, int sig, int idle_only)
{
	struct worker	*w;

	TAILQ_FOREACH(w, &m->workers, entry) {
		if (idle_only && w->busy)
			continue;
		if (kill(w->pid, sig) == 0)
			w->killed = 1;
	}
}
