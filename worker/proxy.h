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
 * proxy.h: the worker's data path, shared by its parts: the connection
 * and CONNECT (conn.c), TLS (tls.c), the upstream leg (upstream.c), the
 * intercepted requests (proxy.c), blind tunnels (tunnel.c), calls to
 * control and vaultd (call.c), answers of our own (problem.c), audit.
 */

#ifndef AILERON_PROXY_H
#define AILERON_PROXY_H

#include <sys/types.h>

#include <stdint.h>
#include <time.h>

#include "msg.h"
#include "msgtypes.h"
#include "worker/io.h"

struct worker_ctx;
struct spec;
struct json_t;
struct http_request;
struct http_intake;
struct mask;

#define PROXY_AUTH_TRIES	3	/* 407s on one connection */
#define PROXY_CALL_MS		5000	/* control and vaultd answer within */
#define PROXY_AUDIT_PAUSE_MS	20	/* an agent this quiet has paused */
#define PROXY_IO_MS		30000	/* one read or write of a leg */
#define PROXY_BUF		16384

/* One agent connection, from accept to close. */
struct pconn {
	struct worker_ctx	*ctx;
	struct chan		 control;
	struct chan		 vaultd;
	uint32_t		 reqid;		/* of our last call */
	struct io		 agent;
	char			 peer[128];
	int			 authed;
	int			 audit_queued;	/* frames for control not sent */
	struct msg_control_session sess;
	char			 host[256];	/* CONNECT target */
	uint16_t		 port;
	const struct spec	*spec;		/* its connector, or NULL */
	int			 intercept;
	int			 header_ms;	/* timeout header */
	int			 idle_ms;	/* timeout idle */
	int			 upstream_ms;	/* timeout upstream */
	struct timespec		 start;
	const char		*tls_refusal;	/* why a handshake failed */
	size_t			 linelen;	/* the injected line, if asked */
	int			 kind;		/* its enum inject_kind */
	struct mask		*mask;		/* made from it */
	int			 ticket_saved;	/* upstream session given vaultd */
	/* Metrics: the calls' latencies, not yet told control. */
	struct msg_control_calls calls;
	int			 ncalls;
};

/* call.c */
void	call_init(struct pconn *);
int	call(struct pconn *, struct chan *, uint16_t, const void *, size_t,
	    uint16_t, struct msg *);
int	call_auth(struct pconn *, const char *);
void	call_audit(struct pconn *, struct json_t *);
void	call_audit_flush(struct pconn *);

/* problem.c */
int	problem_send(struct io *, int, const char *, const char *, int);
int	problem_send_ext(struct io *, int, const char *, const char *,
	    struct json_t *, int);
int	problem_407(struct io *, int);
const char *problem_title(int);

/* conn.c */
void	conn_serve(struct worker_ctx *, int, const char *);
int	conn_head(struct pconn *, struct http_intake *, char *, size_t *,
	    size_t *, int, int *, const char **);
long long conn_ms(const struct timespec *);

/* tunnel.c */
void	tunnel_relay(struct pconn *, const char *, size_t, int);
void	tunnel_plain(struct pconn *, const struct http_request *,
	    const char *, size_t);

/* tls.c */
SSL	*tls_agent(struct pconn *, char *, size_t);
SSL	*tls_upstream(struct pconn *, int, const char *, char *, size_t);
void	tls_upstream_save(struct pconn *, SSL *, const char *);
int	tls_alpn_select(SSL *, const unsigned char **, unsigned char *,
	    const unsigned char *, unsigned int, void *);
int	tls_servername(SSL *, int *, void *);
EVP_PKEY *tls_leaf_key(const unsigned char *, size_t);

/* upstream.c */
int	upstream_dial(struct pconn *, const char *, uint16_t, char *, size_t,
	    char *, size_t);

/* proxy.c */
void	proxy_intercept(struct pconn *);

/* budget.c (issue 14): which budget refused this connection's request. */
struct json_t *budget_why(struct pconn *, char *, size_t);

#endif
