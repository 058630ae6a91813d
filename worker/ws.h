/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* ws.h: WebSocket (RFC 6455) frame headers, read from untrusted bytes. */

#ifndef AILERON_WORKER_WS_H
#define AILERON_WORKER_WS_H

#include <stddef.h>
#include <stdint.h>

#define WS_OP_CONT	0x0
#define WS_OP_TEXT	0x1
#define WS_OP_BINARY	0x2
#define WS_OP_CLOSE	0x8
#define WS_OP_PING	0x9
#define WS_OP_PONG	0xa

/* The longest frame header: 2 + 8 bytes of length + 4 of mask key. */
#define WS_HDR_MAX	14

struct ws_frame {
	int		 fin;
	int		 opcode;
	int		 masked;
	size_t		 hdrlen;	/* bytes of the header */
	uint64_t	 len;		/* bytes of payload */
};

/* Message state of one direction: what a continuation continues. */
struct ws_dir {
	int		 inmsg;		/* a fragmented message is open */
	int		 text;		/* and it is a text message */
};

int	ws_frame_parse(const unsigned char *, size_t, struct ws_frame *,
	    const char **);
int	ws_frame_check(struct ws_dir *, const struct ws_frame *, int,
	    const char **);



struct pconn;
struct io;
struct mask;
struct http_request;
struct http_response;

int	ws_accept_check(const struct http_request *,
	    const struct http_response *, const char **);
void	ws_relay(struct pconn *, struct io *, const char *, size_t,
	    const char *, size_t, struct mask *, const char *);
#endif
