/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* api.h: the management API a worker serves on api.sock. */

#ifndef AILERON_WORKER_API_H
#define AILERON_WORKER_API_H

#define API_HEAD_MAX	(16 * 1024)	/* request line and headers */
#define API_BODY_MAX	(16 * 1024)
#define API_TIMEOUT_MS	(10 * 1000)	/* to read the whole request */
#define API_CALL_MS	(5 * 1000)	/* control waits 2 s on vaultd */
#define API_READ_TIMEOUT	(-2)	/* api_read_by(): the deadline passed */

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct chan;
struct timespec;
struct worker_ctx;

/*
 * A header a reader wants kept (the web page's: Host, Cookie, Origin...);
 * one that comes twice is marked, so that it can be refused.
 */
#define API_HDR_VALUE_MAX	1024
struct api_hdr {
	const char	*name;
	char		 value[API_HDR_VALUE_MAX];
	size_t		 len;
	int		 seen;		/* how many times */
};

/* One request as api.c read it: the handlers in api_*.c take it. */
struct api_req {
	char		 url[256];
	size_t		 urllen;
	char		 body[API_BODY_MAX];
	size_t		 bodylen;
	size_t		 headbytes;	/* fed before the head's end */
	int		 headdone;
	int		 done;
	int		 status;	/* an error found by a callback */
	struct api_hdr	*hdrs;		/* to keep, or NULL */
	size_t		 nhdrs;
	char		 hdrname[32];	/* the field being read */
	size_t		 hdrnamelen;
	struct api_hdr	*hdrcur;	/* the value being read, or NULL */
	int		 hdrvalue;	/* reading a value */
};

/* Sent with every response when set: the web page's headers. */
extern const char *api_headers;

void	api_serve(struct worker_ctx *, int);
int	api_read_request(int, struct api_req *, int *);
void	api_drain(int);
ssize_t	api_read_by(int, const struct timespec *, char *, size_t);
void	api_send(int, int, const char *, const char *, const char *);
void	api_problem(int, int, const char *, const char *);
void	api_chan_open(struct worker_ctx *, struct chan *);
void	api_chan_close(struct chan *);
int	api_call(struct chan *, uint32_t, uint16_t, const void *, size_t,
	    uint16_t, size_t, void *, size_t, size_t *);
int	api_field(json_t *, const char *, char *, size_t, int);

/* api_session.c: GET /v1/sessions and /v1/sessions/ID. */
int	api_session_get(struct worker_ctx *, int, uid_t, const char *);
struct msg_control_session_page;
struct msg_control_session_info;
int	api_session_page(struct chan *, uint32_t, uid_t, const char *,
	    uint32_t, struct msg_control_session_page *,
	    struct msg_control_session_info *);
/* api_metrics.c: GET /metrics on api.sock, and the metrics listener. */
int	api_metrics(struct worker_ctx *, int, uid_t, int);
void	api_metrics_listener(struct worker_ctx *, int);
/* api_users.c: the users' endpoints and the gate before every request. */
int	api_users_gate(struct worker_ctx *, int, uid_t);
int	api_users(struct worker_ctx *, int, uid_t, int, struct api_req *);

#endif
