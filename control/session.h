/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* session.h: control's table of sessions and their tokens. */

#ifndef AILERON_CONTROL_SESSION_H
#define AILERON_CONTROL_SESSION_H

#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>

#include "msgtypes.h"

#define CSESSION_MAX		1024	/* live sessions */
#define CSESSION_PER_UID	64	/* of them, one non-administrator's */
#define CSESSION_ID_LEN		MSG_VAULT_SESSION_LEN	/* hex */
#define CSESSION_TOKEN_LEN	MSG_CONTROL_TOKEN_LEN	/* hex digits */
#define CSESSION_HASH_LEN	32	/* SHA-256 */

/* Why control_session_end() refused, as the API's HTTP status. */
#define CSESSION_ERR_NOTFOUND	404
#define CSESSION_ERR_FORBIDDEN	403

struct control_session {
	TAILQ_ENTRY(control_session)	 entry;
	char		 id[CSESSION_ID_LEN + 1];
	/* Only the token's hash is kept: a dump of control holds no token. */
	uint8_t		 token_hash[CSESSION_HASH_LEN];
	uint32_t	 uid;		/* who started it: SO_PEERCRED */
	char		 user[72];
	char		 agent[64];
	char		 team[64];
	char		 project[64];
	/* Expiry and listing (sessinfo.c): monotonic ms, and the epoch. */
	int64_t		 started_ms;
	int64_t		 used_ms;	/* last AUTH or POLICY */
	int64_t		 started;	/* seconds since the epoch */
};

struct control_sessions {
	TAILQ_HEAD(, control_session)	 list;
	size_t				 n;
	size_t				 max;
};

void	 control_sessions_init(struct control_sessions *, size_t);
struct control_session *control_session_start(struct control_sessions *,
	    uint32_t, const char *, const char *, const char *, const char *,
	    char *, size_t);
struct control_session *control_session_find(struct control_sessions *,
	    const char *);
struct control_session *control_session_lookup_token(
	    struct control_sessions *, const char *);
int	 control_session_end(struct control_sessions *, const char *,
	    uint32_t, uint32_t);
void	 control_session_remove(struct control_sessions *,
	    struct control_session *);
void	 control_sessions_clear(struct control_sessions *);
int	 control_session_valid_id(const char *);
int	 control_session_valid_label(const char *);

/* sessinfo.c: expiry and listing (issue 11). */
struct msg_control_session_info;
struct msg_control_session_page;
int64_t	 control_session_now_ms(void);
void	 control_session_touch(struct control_session *, int64_t);
const char *control_session_expired(const struct control_session *, int64_t,
	    int, int);
int	 control_session_visible(const struct control_session *, uint32_t,
	    uint32_t);
void	 control_session_info(const struct control_session *, int64_t,
	    int64_t, int, int, struct msg_control_session_info *);
size_t	 control_sessions_page(struct control_sessions *, uint32_t,
	    uint32_t, const char *, uint32_t, int, int,
	    struct msg_control_session_page *,
	    struct msg_control_session_info *, size_t);

#endif
