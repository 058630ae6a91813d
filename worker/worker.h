/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* worker.h: one connection, in a process forked from the master. */

#ifndef AILERON_WORKER_H
#define AILERON_WORKER_H

#include <sys/types.h>

struct matcher;
struct sock_fprog;
struct aileron_conf;
struct resolve_conf;
struct spec;
struct ssl_ctx_st;
struct ssl_st;

#define WORKER_MAX_LISTENERS	67	/* as MASTER_MAX_LISTENERS */

/* What a listener serves (listen_api). */
#define WORKER_LISTEN_PROXY	0
#define WORKER_LISTEN_API	1	/* api.sock */
#define WORKER_LISTEN_METRICS	2	/* metrics listen (issue 14) */
#define WORKER_LISTEN_WEB	3	/* the web page (issue 14) */
#define WORKER_HEAD_MAX		(16 * 1024)	/* request head bytes */
#define WORKER_HEAD_TIMEOUT	10		/* s to send the head */

/* What the master hands a worker it forks; nothing else survives. */
struct worker_ctx {
	int		 listen[WORKER_MAX_LISTENERS];
	int		 listen_api[WORKER_MAX_LISTENERS];
	size_t		 nlisten;
	int		 master_fd;
	int		 control_fd;
	int		 vaultd_fd;
	int		 devnull;
	const struct matcher *matcher;	/* prepared by the master */
	int		 foreground;
	int		 drop;
	uid_t		 uid;
	gid_t		 gid;
	const struct sock_fprog *filter; /* worker_promises, compiled once */
	const struct aileron_conf *conf;	/* the master's, inherited */
	struct ssl_ctx_st *tls_server;	/* the agent's leg; no certificate */
	struct ssl_ctx_st *tls_client;	/* upstream: CA store loaded */
	const struct resolve_conf *resolve;	/* nameservers, hosts, pins */
	struct spec	**specs;	/* the matcher's, for the manifest */
	size_t		 nspecs;
	const char	*web_addr;	/* the web page's, bound: "HOST:PORT" */
	/*
	 * Every listener's address as bound, by listen's index ("HOST:PORT",
	 * api.sock's path), kept when a busy worker closes the listeners:
	 * the upstream dial refuses them (upstream_self).
	 */
	const char	*listen_addr[WORKER_MAX_LISTENERS];
};

void	worker(struct worker_ctx *) __attribute__((__noreturn__));
extern const char worker_promises[];

/* testhook.c: test mode only */
int	worker_testhook(const struct worker_ctx *, const char *, char *,
	    size_t, int *);
void	worker_testhook_bad(const struct worker_ctx *, const char *);

#endif
