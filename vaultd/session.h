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
 * session.h: vaultd's sessions: each session's user and user key, the
 * vault keys unwrapped for it, and which worker serves which session.
 */

#ifndef AILERON_VAULTD_SESSION_H
#define AILERON_VAULTD_SESSION_H

#include <sys/queue.h>

#include <stdint.h>

#include "vault/vault.h"

#define SESSION_ID_LEN		32	/* hex digits */
#define SESSION_MAX		1024	/* the secure heap bounds them anyway */

struct session_vkey {
	TAILQ_ENTRY(session_vkey)	 entry;
	struct vault_key		*vk;	/* secure heap */
};

/* Which credential served a connector: metadata, no secret. */
struct session_cred {
	TAILQ_ENTRY(session_cred)	 entry;
	struct vault_credential_info	 ci;
};

struct session {
	TAILQ_ENTRY(session)		 entry;
	char				 id[SESSION_ID_LEN + 1];
	char				 user[VAULT_USER_MAX + 1];
	struct crypto_secret		*ukey;	/* NULL until delivered */
	TAILQ_HEAD(, session_vkey)	 vkeys;
	TAILQ_HEAD(, session_cred)	 creds;	/* of the cached vaults */
	size_t				 vk_hits;	/* cache counters, */
	size_t				 vk_misses;	/* logged at debug */
	size_t				 vk_drops;
};

struct session_worker {
	TAILQ_ENTRY(session_worker)	 entry;
	uint32_t			 pid;
	struct session			*s;
};

struct sessions {
	TAILQ_HEAD(, session)		 list;
	TAILQ_HEAD(, session_worker)	 workers;
	size_t				 n;
};

void		 session_init(struct sessions *);
int		 session_valid_id(const char *);
struct session	*session_begin(struct sessions *, const char *id,
		    const char *user);
struct session	*session_find(struct sessions *, const char *id);
struct session	*session_find_keyed_user(struct sessions *, const char *);
void		 session_end(struct sessions *, struct session *);
void		 session_end_all(struct sessions *);
int		 session_set_key(struct session *, const unsigned char *);
int		 session_bind_worker(struct sessions *, uint32_t,
		    struct session *);
void		 session_unbind_worker(struct sessions *, uint32_t);
struct session	*session_of_worker(struct sessions *, uint32_t);
struct vault_key *session_vkey_find(struct session *, const char *);
int		 session_vkey_add(struct session *, struct vault_key *);
void		 session_vkey_drop(struct session *, const char *);
size_t		 session_vkey_drop_all(struct sessions *, const char *user,
		    const char *why);
void		 session_keycache(struct session *, struct vault_keycache *);

#endif
