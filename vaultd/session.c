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
 * session.c: vaultd's sessions.  A session is what control began for one
 * user; its user key arrives separately from the CLI (aileron launch) and
 * lives in the secure heap, as does every vault key unwrapped with it.
 * Ending a session, or any change to a vault's key, zeroes those keys.
 *
 * The vault keys are the injection path's cache: a hit saves the unwrap
 * (a members.json read and a GCM open) on every proxied request, and
 * with it which credential served each connector (its metadata) saves
 * the lookup.  What would make a cached entry wrong drops the session's
 * entries: an add, grant, revoke, rotate or remove (every session's), a
 * passwd (that user's sessions'), the session's end.  Each hit, miss and drop is counted per session and
 * logged at debug level, so the tests see each invalidation happen.
 *
 * Each session has its CA (vaultd/ca.c), the leaves it minted, cached per
 * host so a new connection to a host costs no key generation, and the
 * upstream TLS tickets its workers put, newest per host, so a worker,
 * which dies with its connection, can resume the upstream session.  A
 * ticket is bytes vaultd never parses; it is kept in the secure heap (it
 * holds the upstream session's secret) and served only to workers of the
 * session it came from: a resumed session skips the certificate checks,
 * so a ticket a compromised worker planted must not reach another user.
 * Both caches are bounded per session and in all (session.h).
 *
 * Which worker serves which session is only ever set by control, after it
 * has validated that worker's token: a worker cannot name its session.
 * Which connector's credential a worker may have, and for which host, is
 * set by control too (session_release), once it allowed that worker an
 * action of the connector: a worker that parsed hostile bytes gets the
 * credentials of what control allowed it, not every credential of its
 * session's user.  A new binding starts with none.
 */

#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/crypto.h>

#include "log.h"
#include "msgtypes.h"
#include "vault/crypto.h"
#include "vaultd/ca.h"
#include "vaultd/session.h"

static size_t	session_vkey_drop_session(struct session *);
static void	session_cred_drop(struct session *, const char *);
static const struct vault_credential_info *session_cache_cred_find(void *,
		    const char *);
static void	session_cache_cred_keep(void *,
		    const struct vault_credential_info *);
static struct vault_key *session_cache_find(void *, const char *);
static void	session_cache_keep(void *, struct vault_key *);
static void	session_cache_drop(void *, const char *);
static void	session_leaf_drop(struct sessions *, struct session_leaf *);
static void	session_ticket_drop(struct sessions *, struct session_ticket *);
static void	session_worker_free(struct sessions *,
		    struct session_worker *);
static void	session_release_clear(struct session_worker *);

void
session_init(struct sessions *ss)
{
	TAILQ_INIT(&ss->list);
	TAILQ_INIT(&ss->workers);
	ss->n = 0;
	TAILQ_INIT(&ss->leaves);
	ss->nleaves = 0;
	TAILQ_INIT(&ss->tickets);
	ss->ticket_heap = 0;
}

/* Exactly SESSION_ID_LEN lower-case hex digits. */
int
session_valid_id(const char *id)
{
	size_t	 i;

	for (i = 0; i < SESSION_ID_LEN; i++)
		if (!((id[i] >= '0' && id[i] <= '9') ||
		    (id[i] >= 'a' && id[i] <= 'f')))
			return 0;
	return id[SESSION_ID_LEN] == '\0';
}

/* NULL when the id is taken or the table is full. */
struct session *
session_begin(struct sessions *ss, const char *id, const char *user)
{
	struct session	*s;

	if (session_find(ss, id) != NULL || ss->n >= SESSION_MAX)
		return NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		fatal("%s", __func__);
	strlcpy(s->id, id, sizeof(s->id));
	strlcpy(s->user, user, sizeof(s->user));
	TAILQ_INIT(&s->vkeys);
	TAILQ_INIT(&s->creds);
	TAILQ_INIT(&s->leaves);
	TAILQ_INIT(&s->tickets);
	TAILQ_INSERT_TAIL(&ss->list, s, entry);
	ss->n++;
	return s;
}

struct session *
session_find(struct sessions *ss, const char *id)
{
	struct session	*s;

	TAILQ_FOREACH(s, &ss->list, entry)
		if (strcmp(s->id, id) == 0)
			return s;
	return NULL;
}

/*
 * A live session of this user whose user key has arrived, or NULL: a
 * revoke takes the remaining members' keys from there.  Every session of
 * one user holds the same key (it was checked on delivery, and passwd
 * replaces it in all of them).
 */
struct session *
session_find_keyed_user(struct sessions *ss, const char *user)
{
	struct session	*s;

	TAILQ_FOREACH(s, &ss->list, entry)
		if (s->ukey != NULL && strcmp(s->user, user) == 0)
			return s;
	return NULL;
}

/*
 * Zero the session's keys (its CA's, its leaves', its tickets') and forget
 * every worker that served it.
 */
void
session_end(struct sessions *ss, struct session *s)
{
	struct session_worker	*w, *tw;
	struct session_leaf	*l;
	struct session_ticket	*t;
	size_t			 n, nl = 0, nt = 0;

	TAILQ_FOREACH_SAFE(w, &ss->workers, entry, tw)
		if (w->s == s)
			session_worker_free(ss, w);
	n = session_vkey_drop_session(s);
	log_debug("session %s: vault key cache: %zu dropped on session end "
	    "(hits %zu, misses %zu, drops %zu)", s->id, n, s->vk_hits,
	    s->vk_misses, s->vk_drops);
	while ((l = TAILQ_FIRST(&s->leaves)) != NULL) {
		session_leaf_drop(ss, l);
		nl++;
	}
	while ((t = TAILQ_FIRST(&s->tickets)) != NULL) {
		session_ticket_drop(ss, t);
		nt++;
	}
	log_debug("session %s: %zu leaves and %zu tickets dropped on session "
	    "end", s->id, nl, nt);
	ca_free(s->ca);
	crypto_secret_free(s->ukey);
	TAILQ_REMOVE(&ss->list, s, entry);
	ss->n--;
	free(s);
}

void
session_end_all(struct sessions *ss)
{
	struct session	*s;

	while ((s = TAILQ_FIRST(&ss->list)) != NULL)
		session_end(ss, s);
}

/* The user key, copied into the secure heap; -1 when that is full. */
int
session_set_key(struct session *s, const unsigned char *ukey)
{
	struct crypto_secret	*k;

	if ((k = crypto_secret_dup(ukey, CRYPTO_KEY_LEN)) == NULL)
		return -1;
	crypto_secret_free(s->ukey);
	s->ukey = k;
	return 0;
}

static void
session_release_clear(struct session_worker *w)
{
	struct session_release	*r;

	while ((r = TAILQ_FIRST(&w->released)) != NULL) {
		TAILQ_REMOVE(&w->released, r, entry);
		free(r);
	}
	w->nreleased = 0;
}

static void
session_worker_free(struct sessions *ss, struct session_worker *w)
{
	TAILQ_REMOVE(&ss->workers, w, entry);
	session_release_clear(w);
	free(w);
}

/*
 * A worker serves one session; a second binding replaces the first and
 * takes back what was released to the first: a release is control's word
 * about one binding, never about the pid.
 */
int
session_bind_worker(struct sessions *ss, uint32_t pid, struct session *s)
{
	struct session_worker	*w;

	if ((w = session_worker_find(ss, pid)) != NULL) {
		w->s = s;
		session_release_clear(w);
		return 0;
	}
	if ((w = calloc(1, sizeof(*w))) == NULL)
		fatal("%s", __func__);
	w->pid = pid;
	w->s = s;
	TAILQ_INIT(&w->released);
	TAILQ_INSERT_TAIL(&ss->workers, w, entry);
	return 0;
}

void
session_unbind_worker(struct sessions *ss, uint32_t pid)
{
	struct session_worker	*w;

	if ((w = session_worker_find(ss, pid)) != NULL)
		session_worker_free(ss, w);
}

struct session_worker *
session_worker_find(struct sessions *ss, uint32_t pid)
{
	struct session_worker	*w;

	TAILQ_FOREACH(w, &ss->workers, entry)
		if (w->pid == pid)
			return w;
	return NULL;
}

struct session *
session_of_worker(struct sessions *ss, uint32_t pid)
{
	struct session_worker	*w;

	return (w = session_worker_find(ss, pid)) != NULL ? w->s : NULL;
}

/*
 * control released connector's credential for host to the worker pid.
 * -1: the worker is bound to no session (nothing to release into); -2:
 * it holds MSG_VAULT_RELEASE_MAX already (one connection uses one, so
 * that many is a worker asking for everything).  Again is no error.
 */
int
session_release(struct sessions *ss, uint32_t pid, const char *connector,
    const char *host)
{
	struct session_worker	*w;
	struct session_release	*r;

	if ((w = session_worker_find(ss, pid)) == NULL)
		return -1;
	if (session_released(w, connector, host))
		return 0;
	if (w->nreleased >= MSG_VAULT_RELEASE_MAX)
		return -2;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		fatal("%s", __func__);
	strlcpy(r->connector, connector, sizeof(r->connector));
	strlcpy(r->host, host, sizeof(r->host));
	TAILQ_INSERT_TAIL(&w->released, r, entry);
	w->nreleased++;
	return 0;
}

/* Hosts compare as connmap_host_ok() compares them: case aside. */
int
session_released(const struct session_worker *w, const char *connector,
    const char *host)
{
	const struct session_release	*r;

	TAILQ_FOREACH(r, &w->released, entry)
		if (strcmp(r->connector, connector) == 0 &&
		    strcasecmp(r->host, host) == 0)
			return 1;
	return 0;
}

/* A lookup in the cache, counted as a hit or a miss. */
struct vault_key *
session_vkey_find(struct session *s, const char *vault_id)
{
	struct session_vkey	*k;

	TAILQ_FOREACH(k, &s->vkeys, entry)
		if (strcmp(k->vk->vault_id, vault_id) == 0) {
			s->vk_hits++;
			log_debug("session %s: vault key cache hit for vault "
			    "%s (hits %zu, misses %zu, drops %zu)", s->id,
			    vault_id, s->vk_hits, s->vk_misses, s->vk_drops);
			return k->vk;
		}
	s->vk_misses++;
	log_debug("session %s: vault key cache miss for vault %s (hits %zu, "
	    "misses %zu, drops %zu)", s->id, vault_id, s->vk_hits,
	    s->vk_misses, s->vk_drops);
	return NULL;
}

/* The session takes vk over, and frees it (zeroed) when done. */
int
session_vkey_add(struct session *s, struct vault_key *vk)
{
	struct session_vkey	*k;

	session_vkey_drop(s, vk->vault_id);
	if ((k = calloc(1, sizeof(*k))) == NULL)
		fatal("%s", __func__);
	k->vk = vk;
	TAILQ_INSERT_TAIL(&s->vkeys, k, entry);
	return 0;
}

/* What the session knows of a vault's credentials (NULL: any vault's). */
static void
session_cred_drop(struct session *s, const char *vault_id)
{
	struct session_cred	*c, *tc;

	TAILQ_FOREACH_SAFE(c, &s->creds, entry, tc)
		if (vault_id == NULL || strcmp(c->ci.vault_id, vault_id) == 0) {
			TAILQ_REMOVE(&s->creds, c, entry);
			free(c);
		}
}

void
session_vkey_drop(struct session *s, const char *vault_id)
{
	struct session_vkey	*k;

	session_cred_drop(s, vault_id);
	TAILQ_FOREACH(k, &s->vkeys, entry)
		if (strcmp(k->vk->vault_id, vault_id) == 0) {
			TAILQ_REMOVE(&s->vkeys, k, entry);
			vault_key_free(k->vk);
			free(k);
			s->vk_drops++;
			return;
		}
}

/* Every cached key of one session, zeroed; how many went. */
static size_t
session_vkey_drop_session(struct session *s)
{
	struct session_vkey	*k;
	size_t			 n = 0;

	session_cred_drop(s, NULL);
	while ((k = TAILQ_FIRST(&s->vkeys)) != NULL) {
		TAILQ_REMOVE(&s->vkeys, k, entry);
		vault_key_free(k->vk);
		free(k);
		n++;
	}
	s->vk_drops += n;
	return n;
}

/*
 * After an add, grant, revoke, rotate or remove (user NULL: every
 * session), or a passwd (that user's sessions): the cached vault keys go,
 * so the next injection unwraps again from the store and a member who
 * lost access loses it at once.  Returns how many went.
 */
size_t
session_vkey_drop_all(struct sessions *ss, const char *user, const char *why)
{
	struct session	*s;
	size_t		 n, total = 0;

	TAILQ_FOREACH(s, &ss->list, entry) {
		if (user != NULL && strcmp(s->user, user) != 0)
			continue;
		n = session_vkey_drop_session(s);
		total += n;
		log_debug("session %s: vault key cache: %zu dropped on %s "
		    "(hits %zu, misses %zu, drops %zu)", s->id, n, why,
		    s->vk_hits, s->vk_misses, s->vk_drops);
	}
	return total;
}

/* The callbacks vault_credential_inject() uses: this session's cache. */
static struct vault_key *
session_cache_find(void *arg, const char *vault_id)
{
	return session_vkey_find(arg, vault_id);
}

static void
session_cache_keep(void *arg, struct vault_key *vk)
{
	session_vkey_add(arg, vk);
}

/* A key of an older generation: a revoke this cache was not told of. */
static void
session_cache_drop(void *arg, const char *vault_id)
{
	struct session	*s = arg;

	session_vkey_drop(s, vault_id);
	log_debug("session %s: vault key cache: stale key of vault %s "
	    "dropped (hits %zu, misses %zu, drops %zu)", s->id, vault_id,
	    s->vk_hits, s->vk_misses, s->vk_drops);
}

static const struct vault_credential_info *
session_cache_cred_find(void *arg, const char *connector)
{
	struct session		*s = arg;
	struct session_cred	*c;

	TAILQ_FOREACH(c, &s->creds, entry)
		if (strcmp(c->ci.connector, connector) == 0)
			return &c->ci;
	return NULL;
}

/* Only alongside its vault's key: dropping the key drops it too. */
static void
session_cache_cred_keep(void *arg, const struct vault_credential_info *ci)
{
	struct session		*s = arg;
	struct session_cred	*c;

	if (session_cache_cred_find(s, ci->connector) != NULL)
		return;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		fatal("%s", __func__);
	c->ci = *ci;
	TAILQ_INSERT_TAIL(&s->creds, c, entry);
}

void
session_keycache(struct session *s, struct vault_keycache *kc)
{
	kc->find = session_cache_find;
	kc->keep = session_cache_keep;
	kc->drop = session_cache_drop;
	kc->cred_find = session_cache_cred_find;
	kc->cred_keep = session_cache_cred_keep;
	kc->arg = s;
}

/* The session's CA, made once, when control begins the session. */
int
session_set_ca(struct session *s)
{
	if (s->ca != NULL)
		return 0;
	if ((s->ca = ca_new(s->id)) == NULL)
		return -1;
	return 0;
}

static void
session_leaf_drop(struct sessions *ss, struct session_leaf *l)
{
	TAILQ_REMOVE(&l->s->leaves, l, entry);
	TAILQ_REMOVE(&ss->leaves, l, all);
	l->s->nleaves--;
	ss->nleaves--;
	ca_leaf_free(l->leaf);
	free(l);
}

/* Has the session a leaf for host that session_leaf() would not mint? */
int
session_leaf_cached(const struct session *s, const char *host)
{
	const struct session_leaf	*l;
	time_t				 now = time(NULL);

	TAILQ_FOREACH(l, &s->leaves, entry)
		if (strcmp(l->leaf->host, host) == 0)
			return l->leaf->notafter - now > SESSION_LEAF_FRESH;
	return 0;
}

/*
 * The leaf for a host (canonical, see ca_host_canon()) from the session's
 * cache, or minted now and cached; NULL when minting fails.  A leaf close
 * to its end is minted again; past the bounds the least recently used go.
 */
const struct ca_leaf *
session_leaf(struct sessions *ss, struct session *s, const char *host)
{
	struct session_leaf	*l;
	struct ca_leaf		*leaf;
	time_t			 now = time(NULL);

	if (s->ca == NULL)
		return NULL;
	TAILQ_FOREACH(l, &s->leaves, entry)
		if (strcmp(l->leaf->host, host) == 0)
			break;
	if (l != NULL && l->leaf->notafter - now > SESSION_LEAF_FRESH) {
		/* Most recently used last, on both lists. */
		TAILQ_REMOVE(&s->leaves, l, entry);
		TAILQ_INSERT_TAIL(&s->leaves, l, entry);
		TAILQ_REMOVE(&ss->leaves, l, all);
		TAILQ_INSERT_TAIL(&ss->leaves, l, all);
		log_debug("session %s: leaf cache hit for %s", s->id, host);
		return l->leaf;
	}
	if (l != NULL)
		session_leaf_drop(ss, l);
	if ((leaf = ca_mint_leaf(s->ca, host)) == NULL)
		return NULL;
	while (s->nleaves >= SESSION_LEAVES)
		session_leaf_drop(ss, TAILQ_FIRST(&s->leaves));
	while (ss->nleaves >= SESSION_LEAVES_ALL)
		session_leaf_drop(ss, TAILQ_FIRST(&ss->leaves));
	if ((l = calloc(1, sizeof(*l))) == NULL)
		fatal("%s", __func__);
	l->s = s;
	l->leaf = leaf;
	TAILQ_INSERT_TAIL(&s->leaves, l, entry);
	TAILQ_INSERT_TAIL(&ss->leaves, l, all);
	s->nleaves++;
	ss->nleaves++;
	log_debug("session %s: leaf minted for %s (%zu cached, %zu in all)",
	    s->id, host, s->nleaves, ss->nleaves);
	return leaf;
}

static void
session_ticket_drop(struct sessions *ss, struct session_ticket *t)
{
	TAILQ_REMOVE(&t->s->tickets, t, entry);
	TAILQ_REMOVE(&ss->tickets, t, all);
	t->s->ntickets--;
	t->s->ticket_heap -= t->heap;
	ss->ticket_heap -= t->heap;
	crypto_secret_free(t->der);
	free(t);
}

/*
 * Keep the newest ticket a worker of this session put for a host
 * (canonical), replacing the one before.  vaultd never parses it.  Past
 * SESSION_TICKETS, or the session's share of the heap, the session's
 * oldest goes; past SESSION_TICKET_HEAP everyone's oldest.  -1 when it
 * is too large or the secure heap is full (then the worker simply does
 * not resume).
 */
int
session_ticket_put(struct sessions *ss, struct session *s, const char *host,
    const void *der, size_t len)
{
	struct session_ticket	*t;
	struct crypto_secret	*c;
	size_t			 heap;

	if (len == 0 || len > SESSION_TICKET_MAX ||
	    strlen(host) > CA_HOST_MAX)
		return -1;
	TAILQ_FOREACH(t, &s->tickets, entry)
		if (strcmp(t->host, host) == 0) {
			session_ticket_drop(ss, t);
			break;
		}
	if ((c = crypto_secret_dup(der, len)) == NULL)
		return -1;
	heap = CRYPTO_secure_actual_size(c);
	while (!TAILQ_EMPTY(&s->tickets) && (s->ntickets >= SESSION_TICKETS ||
	    s->ticket_heap + heap > SESSION_TICKET_HEAP_ONE))
		session_ticket_drop(ss, TAILQ_FIRST(&s->tickets));
	while (ss->ticket_heap + heap > SESSION_TICKET_HEAP &&
	    !TAILQ_EMPTY(&ss->tickets))
		session_ticket_drop(ss, TAILQ_FIRST(&ss->tickets));
	if ((t = calloc(1, sizeof(*t))) == NULL)
		fatal("%s", __func__);
	t->s = s;
	strlcpy(t->host, host, sizeof(t->host));
	t->der = c;
	t->heap = heap;
	TAILQ_INSERT_TAIL(&s->tickets, t, entry);
	TAILQ_INSERT_TAIL(&ss->tickets, t, all);
	s->ntickets++;
	s->ticket_heap += heap;
	ss->ticket_heap += heap;
	return 0;
}

/* The session's newest ticket for a host (canonical), or NULL. */
const struct crypto_secret *
session_ticket_get(struct session *s, const char *host)
{
	struct session_ticket	*t;

	TAILQ_FOREACH(t, &s->tickets, entry)
		if (strcmp(t->host, host) == 0)
			return t->der;
	return NULL;
}
