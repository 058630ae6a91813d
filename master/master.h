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
 * master.h: the master process of aileron service: configuration, the
 * listening sockets, the children it starts, and the worker pool.
 */

#ifndef AILERON_MASTER_H
#define AILERON_MASTER_H

#include <sys/types.h>
#include <sys/queue.h>

#include <limits.h>
#include <time.h>

#include "msg.h"
#include "proc.h"

/*
 * Proxy listeners (CONF_LISTEN_MAX), the management API socket and the
 * metrics listener and the web page's.
 */
#define MASTER_MAX_LISTENERS	67

struct aileron_conf;
struct sock_fprog;
struct matcher;
struct spec;
struct ssl_ctx_st;

struct worker {
	TAILQ_ENTRY(worker)	 entry;
	pid_t			 pid;
	int			 busy;
	int			 killed;	/* we sent it a signal */
	int			 pool_asked;	/* metrics: POOL queries */
	struct proc_peer	*peer;		/* its channel, until it ends */
};
TAILQ_HEAD(workers, worker);

struct master_listener {
	int			 fd;
	int			 api;		/* WORKER_LISTEN_* */
	char			 addr[128];	/* bound: "127.0.0.1:40123" */
};

enum master_phase {
	PHASE_STARTING,		/* waiting for control and vaultd */
	PHASE_RUNNING,
	PHASE_DRAINING,		/* workers finish their connections */
	PHASE_STOPPING		/* control and vaultd shut down */
};

struct master {
	struct proc		 ps;
	struct aileron_conf	*conf;
	struct spec		**specs;	/* loaded once; workers inherit */
	size_t			 nspecs;
	struct matcher		*matcher;	/* compiled once, likewise */
	char			 statedir[PATH_MAX];
	char			 conffile[PATH_MAX];
	int			 conf_given;	/* -f: the file must exist */
	char			 self[PATH_MAX];
	int			 foreground;
	int			 verbose;
	int			 lockfd;
	int			 devnull;
	uid_t			 owner_uid;
	int			 drop;		/* started as root */
	uid_t			 uid;
	gid_t			 gid;

	struct master_listener	 listeners[MASTER_MAX_LISTENERS];
	size_t			 nlisteners;

	struct proc_child	 control;
	struct proc_child	 vaultd;
	struct proc_peer	*control_peer;	/* NULL once lost */
	struct proc_peer	*vaultd_peer;
	int			 acks;		/* 1: control, 2: vaultd answered */

	struct sock_fprog	*worker_filter;	/* built once, loaded by each */
	struct ssl_ctx_st	*tls_server;	/* the agents' leg, no secret */
	struct ssl_ctx_st	*tls_client;	/* upstream, CA store loaded */
	struct workers		 workers;
	int			 nworkers;
	int			 nidle;
	int			 early_deaths;	/* in a row, before serving */
	struct timespec		 spawn_after;	/* back-off after failures */

	enum master_phase	 phase;
	struct timespec		 deadline;
	struct proc_timer	 tick;
	int			 exit_status;
};

/* master.c */
void	master(const char *statedir, const char *conffile, int foreground,
	    int verbose) __attribute__((__noreturn__));
int	master_check_statedir(const char *statedir);
int	master_check_private(const char *path, const char *what);
int	master_preflight(const struct aileron_conf *, const char *statedir,
	    const char *conffile);
void	master_send(struct master *, struct proc_peer *, uint16_t, uint32_t,
	    int, const void *, size_t);
extern const char master_promises[];

/* tls.c */
void	tls_prepare(struct master *);

/* pool.c */
void	pool_fill(struct master *);
void	master_dispatch_worker(struct proc *, struct proc_peer *,
	    struct msg *);
void	master_lost_worker(struct proc *, struct proc_peer *);
int	pool_reap(struct master *, pid_t, int);
void	pool_signal(struct master *, int, int);
void	pool_drop(struct master *, struct worker *);


#endif
