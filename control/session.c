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
 * session.c: control's table of sessions: who started each (the uid the
 * management API read from its socket), for which vault user, agent,
 * team and project, and the token an agent presents to the proxy.
 *
 * A session id is 32 random hex digits and names the session in logs,
 * the audit and the API; the token is 64 random hex digits and is a
 * bearer secret.  Control keeps only the token's SHA-256 and looks a
 * presented token up by comparing hashes in constant time against every
 * session, so neither a dump of control nor the time an answer takes
 * tells a worker anything about a live token.  Pure logic, no I/O: the
 * unit test drives it directly.
 */

#include <sys/types.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "control/session.h"

static void	session_hex(char *, size_t);
static int	session_valid_hex(const char *, size_t);
static void	session_hash(const char *, uint8_t *);

/* n random lower-case hex digits and a NUL into buf (n + 1 bytes). */
static void
session_hex(char *buf, size_t n)
{
	static const char	 hex[] = "0123456789abcdef";
	uint8_t			 rnd[CSESSION_TOKEN_LEN / 2];
	size_t			 i;

	arc4random_buf(rnd, n / 2);
	for (i = 0; i < n / 2; i++) {
		buf[i * 2] = hex[rnd[i] >> 4];
		buf[i * 2 + 1] = hex[rnd[i] & 0x0f];
	}
	buf[n] = '\0';
	explicit_bzero(rnd, sizeof(rnd));
}

static int
session_valid_hex(const char *s, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[n] == '\0';
}

static void
session_hash(const char *token, uint8_t *out)
{
	SHA256((const unsigned char *)token, CSESSION_TOKEN_LEN, out);
}

int
control_session_valid_id(const char *id)
{
	return session_valid_hex(id, CSESSION_ID_LEN);
}

/*
 * An agent, team or project name: printable ASCII without quotes or
 * backslashes, since it goes into logs and audit records as it is.
 */
int
control_session_valid_label(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s < 0x20 || *s > 0x7e || *s == '"' || *s == '\\')
			return 0;
	return 1;
}

void
control_sessions_init(struct control_sessions *ss, size_t max)
{
	TAILQ_INIT(&ss->list);
	ss->n = 0;
	ss->max = max == 0 ? CSESSION_MAX : max;
}

/*
 * A new session; its token goes into token (CSESSION_TOKEN_LEN + 1 bytes)
 * and nowhere else.  NULL when the table is full.
 */
struct control_session *
control_session_start(struct control_sessions *ss, uint32_t uid,
    const char *user, const char *agent, const char *team,
    const char *project, char *token, size_t tokenlen)
{
	struct control_session	*s;

	if (ss->n >= ss->max || tokenlen < CSESSION_TOKEN_LEN + 1)
		return NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	/* 128 random bits: a repeat is a broken generator, never chance. */
	do
		session_hex(s->id, CSESSION_ID_LEN);
	while (control_session_find(ss, s->id) != NULL);
	session_hex(token, CSESSION_TOKEN_LEN);
	session_hash(token, s->token_hash);
	s->uid = uid;
	strlcpy(s->user, user, sizeof(s->user));
	strlcpy(s->agent, agent, sizeof(s->agent));
	strlcpy(s->team, team, sizeof(s->team));
	strlcpy(s->project, project, sizeof(s->project));
	s->started_ms = s->used_ms = control_session_now_ms();
	s->started = time(NULL);
	TAILQ_INSERT_TAIL(&ss->list, s, entry);
	ss->n++;
	return s;
}

struct control_session *
control_session_find(struct control_sessions *ss, const char *id)
{
	struct control_session	*s;

	TAILQ_FOREACH(s, &ss->list, entry)
		if (strcmp(s->id, id) == 0)
			return s;
	return NULL;
}

/*
 * The session whose token this is, or NULL.  Every session's hash is
 * compared, without stopping at a match, so the time taken depends on
 * the number of sessions only.
 */
struct control_session *
control_session_lookup_token(struct control_sessions *ss, const char *token)
{
	struct control_session	*s, *found = NULL;
	uint8_t			 h[CSESSION_HASH_LEN];

	if (!session_valid_hex(token, CSESSION_TOKEN_LEN))
		return NULL;
	session_hash(token, h);
	TAILQ_FOREACH(s, &ss->list, entry)
		if (CRYPTO_memcmp(h, s->token_hash, sizeof(h)) == 0)
			found = s;
	explicit_bzero(h, sizeof(h));
	return found;
}

/*
 * End a session on behalf of uid: only the uid that started it, root or
 * the service's owner may.  0, or CSESSION_ERR_NOTFOUND or _FORBIDDEN.
 */
int
control_session_end(struct control_sessions *ss, const char *id, uint32_t uid,
    uint32_t owner)
{
	struct control_session	*s;

	if (!control_session_valid_id(id) ||
	    (s = control_session_find(ss, id)) == NULL)
		return CSESSION_ERR_NOTFOUND;
	if (uid != s->uid && uid != 0 && uid != owner)
		return CSESSION_ERR_FORBIDDEN;
	control_session_remove(ss, s);
	return 0;
}

void
control_session_remove(struct control_sessions *ss, struct control_session *s)
{
	TAILQ_REMOVE(&ss->list, s, entry);
	ss->n--;
	explicit_bzero(s, sizeof(*s));
	free(s);
}

void
control_sessions_clear(struct control_sessions *ss)
{
	struct control_session	*s;

	while ((s = TAILQ_FIRST(&ss->list)) != NULL)
		control_session_remove(ss, s);
}
