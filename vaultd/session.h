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
 * vault keys unwrapped for it, its CA with the leaves minted by it and
 * the upstream TLS tickets of its workers, and which worker serves which
 * session.
 */

#ifndef AILERON_VAULTD_SESSION_H
#define AILERON_VAULTD_SESSION_H

#include <sys/queue.h>

#include <stdint.h>

#include "vault/vault.h"
#include "vaultd/ca.h"

#define SESSION_ID_LEN		32	/* hex digits */
#define SESSION_MAX		1024	/* the secure heap bounds them anyway */

/*
 * The leaf cache and the tickets are bounded per session and in all: each
 * leaf key holds 64 bytes of the secure heap and a ticket up to 16 KiB,
 * and that heap (1 MiB) must keep room for every session's keys.  Past a
 * bound the least recently used entry goes, first the session's own.
 */
#define SESSION_LEAVES		256	/* per session */
#define SESSION_LEAVES_ALL	2048	/* in all: 128 KiB of secure heap */
#define SESSION_LEAF_FRESH	3600	/* a cached leaf this close to its */
					/* end is minted again */
/*
 * A worker serves one CONNECT host: a leaf, minted once.  More new leaves
 * than this for one worker are refused, so that a worker cannot keep
 * vaultd minting (a P-256 key and a signature each) for everyone else.
 */
#define SESSION_WORKER_MINTS	4
#define SESSION_TICKETS		64	/* hosts per session */
#define SESSION_TICKET_MAX	8192	/* one serialized SSL_SESSION */
#define SESSION_TICKET_HEAP	(256 * 1024)	/* secure heap, in all */
/* One session's share: its puts cannot push out everyone else's. */
#define SESSION_TICKET_HEAP_ONE	(SESSION_TICKET_HEAP / 4)

struct session_vkey {
	TAILQ_ENTRY(session_vkey)	 entry;
	struct vault_key		*vk;	/* secure heap */
};

/* Which credential served a connector: metadata, no secret. */
struct session_cred {
	TAILQ_ENTRY(session_cred)	 entry;
	struct vault_credential_info	 ci;
};

/* A leaf minted for a host, on the session's list and on everyone's. */
struct session_leaf {
	TAILQ_ENTRY(session_leaf)	 entry;
	TAILQ_ENTRY(session_leaf)	 all;
	struct session			*s;
	struct ca_leaf			*leaf;
};

/* The newest upstream TLS session a worker put for a host: opaque. */
struct session_ticket {
	TAILQ_ENTRY(session_ticket)	 entry;
	TAILQ_ENTRY(session_ticket)	 all;
	struct session			*s;
	char				 host[CA_HOST_MAX + 1];
	struct crypto_secret		*der;	/* secure heap */
	size_t				 heap;	/* of the heap it holds */
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
	struct ca			*ca;	/* from SESSION_BEGIN */
	TAILQ_HEAD(, session_leaf)	 leaves;	/* least recent first */
	size_t				 nleaves;
	TAILQ_HEAD(, session_ticket)	 tickets;	/* oldest first */
	size_t				 ntickets;
	size_t				 ticket_heap;	/* theirs */
};

/*
 * A connector's credential control released to a worker for one host,
 * once it allowed that worker an action of it: INJECT gives nothing else.
 */
struct session_release {
	TAILQ_ENTRY(session_release)	 entry;
	char				 connector[72];	/* as in */
	char				 host[256];	/* RELEASE */
};

struct session_worker {
	TAILQ_ENTRY(session_worker)	 entry;
	uint32_t			 pid;
	struct session			*s;
	int				 minted;	/* leaves, for it */
	TAILQ_HEAD(, session_release)	 released;
	size_t				 nreleased;
};

struct sessions {
	TAILQ_HEAD(, session)		 list;
	TAILQ_HEAD(, session_worker)	 workers;
	size_t				 n;
	TAILQ_HEAD(, session_leaf)	 leaves;	/* every session's */
	size_t				 nleaves;
	TAILQ_HEAD(, session_ticket)	 tickets;	/* every session's */
	size_t				 ticket_heap;
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
struct session_worker *session_worker_find(struct sessions *, uint32_t);
int		 session_release(struct sessions *, uint32_t, const char *,
		    const char *);
int		 session_released(const struct session_worker *,
		    const char *, const char *);
struct vault_key *session_vkey_find(struct session *, const char *);
int		 session_vkey_add(struct session *, struct vault_key *);
void		 session_vkey_drop(struct session *, const char *);
size_t		 session_vkey_drop_all(struct sessions *, const char *user,
		    const char *why);
void		 session_keycache(struct session *, struct vault_keycache *);
int		 session_set_ca(struct session *);
int	 session_leaf_cached(const struct session *, const char *);
const struct ca_leaf *session_leaf(struct sessions *, struct session *,
		    const char *host);
int		 session_ticket_put(struct sessions *, struct session *,
		    const char *host, const void *, size_t);
const struct crypto_secret *session_ticket_get(struct session *,
		    const char *host);

#endif
