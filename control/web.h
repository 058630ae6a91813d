/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* web.h: control's side of the web page: logins and web sessions. */

#ifndef AILERON_CONTROL_WEB_H
#define AILERON_CONTROL_WEB_H

#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>

#include "msgtypes.h"

struct control_sessions;
struct control_users;
struct msg;
struct proc_peer;

#define CWEB_IDLE_S		(30 * 60)	/* a web session's idle limit */
#define CWEB_MAX_S		(12 * 3600)	/* and its absolute one */
#define CWEB_SESSIONS_MAX	256

struct control_web_session {
	TAILQ_ENTRY(control_web_session) entry;
	uint8_t		 sid_hash[32];	/* SHA-256 of the cookie's id */
	char		 csrf[MSG_WEB_SECRET_LEN + 1];
	char		 user[72];
	uint32_t	 uid;
	int		 admin;
	int64_t		 created;	/* ms, monotonic */
	int64_t		 used;
};

struct control_web {
	TAILQ_HEAD(, control_web_session) list;
	size_t		 n;
};

void	control_web_init(struct control_web *);
int	control_web_msg(struct control_web *, struct control_users *,
	    struct control_sessions *, uint32_t, struct proc_peer *,
	    struct msg *, uint32_t *);
int	control_web_request(struct control_web *, struct control_users *,
	    struct control_sessions *, uint32_t, const struct msg_control_web *,
	    struct msg_control_web_reply *);

#endif
