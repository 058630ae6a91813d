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
 * web.c: control's side of the web page: its sessions.
 *
 * The login form carries a user token (aileron user token); the web
 * worker sends it here, where its SHA-256 is compared in constant time
 * with every user's.  A match makes a web session: a random id (the
 * cookie's value; only its SHA-256 is kept) and a random CSRF token,
 * bound to that user and to the uid that is that user on api.sock, so
 * that the approvals and the audit log decide for the page exactly as
 * they do for that user's CLI.  A session token (an agent's) never logs
 * in: it is no user's token, and one offered is logged.  Web sessions
 * live in control's memory only, with an idle and an absolute expiry; a
 * restart logs everybody out.
 */

#include <sys/types.h>
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "log.h"
#include "msg.h"
#include "msgtypes.h"
#include "proc.h"
#include "control/session.h"
#include "control/users.h"
#include "control/web.h"

static int	web_hex_ok(const char *, size_t);
static void	web_expire(struct control_web *, int64_t);
static struct control_web_session *web_find(struct control_web *,
		    const char *);
static int	web_uid_of(struct control_users *, uint32_t, const char *,
		    uint32_t *, int *);
static void	web_login(struct control_web *, struct control_users *,
		    struct control_sessions *, uint32_t,
		    const struct msg_control_web *,
		    struct msg_control_web_reply *);

void
control_web_init(struct control_web *cw)
{
	memset(cw, 0, sizeof(*cw));
	TAILQ_INIT(&cw->list);
}

static int
web_hex_ok(const char *s, size_t n)
{
	return strlen(s) == n && strspn(s, "0123456789abcdef") == n;
}

static void
web_free(struct control_web *cw, struct control_web_session *s)
{
	TAILQ_REMOVE(&cw->list, s, entry);
	cw->n--;
	freezero(s, sizeof(*s));
}

/* Sessions idle too long or older than the absolute limit go. */
static void
web_expire(struct control_web *cw, int64_t now)
{
	struct control_web_session	*s, *next;

	for (s = TAILQ_FIRST(&cw->list); s != NULL; s = next) {
		next = TAILQ_NEXT(s, entry);
		if (now - s->used > CWEB_IDLE_S * 1000LL ||
		    now - s->created > CWEB_MAX_S * 1000LL) {
			log_info("web: session of %s expired", s->user);
			web_free(cw, s);
		}
	}
}

/* The session whose id hashes to the stored hash; compared in full. */
static struct control_web_session *
web_find(struct control_web *cw, const char *sid)
{
	struct control_web_session	*s, *found = NULL;
	uint8_t				 h[SHA256_DIGEST_LENGTH];

	if (!web_hex_ok(sid, MSG_WEB_SECRET_LEN))
		return NULL;
	SHA256((const unsigned char *)sid, MSG_WEB_SECRET_LEN, h);
	TAILQ_FOREACH(s, &cw->list, entry)
		if (CRYPTO_memcmp(h, s->sid_hash, sizeof(h)) == 0)
			found = s;
	explicit_bzero(h, sizeof(h));
	return found;
}

/*
 * The uid that is user name on api.sock (users.c maps uids to users; this
 * is the way back): a user line's, else the account's of that name; the
 * mapping must hold both ways.  -1 when no uid is that user.
 */
static int
web_uid_of(struct control_users *us, uint32_t owner, const char *name,
    uint32_t *uid, int *admin)
{
	char	 back[CUSER_NAME_MAX + 1];
	size_t	 i;

	for (i = 0; i < us->nlines; i++)
		if (strcmp(us->lines[i].name, name) == 0 &&
		    control_users_identify(us, owner, us->lines[i].uid, back,
		    sizeof(back), admin) == 0 && strcmp(back, name) == 0) {
			*uid = us->lines[i].uid;
			return 0;
		}
	for (i = 0; i < us->npasswd; i++)
		if (strcmp(us->passwd[i].name, name) == 0 &&
		    control_users_identify(us, owner, us->passwd[i].uid, back,
		    sizeof(back), admin) == 0 && strcmp(back, name) == 0) {
			*uid = us->passwd[i].uid;
			return 0;
		}
	return -1;
}

/* LOGIN: the user token against every user's hash, then a new session. */
static void
web_login(struct control_web *cw, struct control_users *us,
    struct control_sessions *ss, uint32_t owner,
    const struct msg_control_web *m, struct msg_control_web_reply *r)
{
	struct control_user		*u, *found = NULL;
	struct control_web_session	*s, *oldest;
	uint8_t				 h[SHA256_DIGEST_LENGTH];
	uint8_t				 rnd[MSG_WEB_SECRET_LEN / 2];
	uint32_t			 uid;
	size_t				 i;
	int				 admin;

	r->error = 403;
	strlcpy(r->reason, "that is not a user token; \"aileron user token\" "
	    "makes one", sizeof(r->reason));
	if (!web_hex_ok(m->secret, MSG_WEB_SECRET_LEN))
		return;
	/* An agent's token is no human's credential: never a login. */
	if (control_session_lookup_token(ss, m->secret) != NULL) {
		log_warnx("web: a session token was offered at the login; "
		    "refused");
		strlcpy(r->reason, "a session token cannot log in; use your "
		    "user token", sizeof(r->reason));
		return;
	}
	SHA256((const unsigned char *)m->secret, MSG_WEB_SECRET_LEN, h);
	TAILQ_FOREACH(u, &us->list, entry)
		if (u->has_token && CRYPTO_memcmp(h, u->token_hash,
		    sizeof(h)) == 0)
			found = u;
	explicit_bzero(h, sizeof(h));
	if (found == NULL) {
		log_info("web: a login with an unknown token refused");
		return;
	}
	if (web_uid_of(us, owner, found->name, &uid, &admin) == -1) {
		log_info("web: user %s has no uid here; login refused",
		    found->name);
		snprintf(r->reason, sizeof(r->reason), "no uid is user %s "
		    "here; a user line in aileron.conf names one",
		    found->name);
		return;
	}
	web_expire(cw, control_session_now_ms());
	if (cw->n >= CWEB_SESSIONS_MAX) {
		/* The oldest goes: a flood of logins costs only sessions. */
		oldest = TAILQ_FIRST(&cw->list);
		web_free(cw, oldest);
	}
	if ((s = calloc(1, sizeof(*s))) == NULL)
		fatal("%s", __func__);
	/* The cookie's id and the CSRF token: 32 random bytes each, hex. */
	arc4random_buf(rnd, sizeof(rnd));
	for (i = 0; i < sizeof(rnd); i++)
		snprintf(r->sid + i * 2, 3, "%02x", rnd[i]);
	SHA256((const unsigned char *)r->sid, MSG_WEB_SECRET_LEN, s->sid_hash);
	arc4random_buf(rnd, sizeof(rnd));
	for (i = 0; i < sizeof(rnd); i++)
		snprintf(s->csrf + i * 2, 3, "%02x", rnd[i]);
	explicit_bzero(rnd, sizeof(rnd));
	strlcpy(s->user, found->name, sizeof(s->user));
	s->uid = uid;
	s->admin = admin;
	s->created = s->used = control_session_now_ms();
	TAILQ_INSERT_TAIL(&cw->list, s, entry);
	cw->n++;
	log_info("web: %s logged in (uid %u)", s->user, uid);
	r->error = 0;
	r->reason[0] = '\0';
	r->uid = uid;
	r->admin = admin;
	strlcpy(r->user, s->user, sizeof(r->user));
	strlcpy(r->csrf, s->csrf, sizeof(r->csrf));
}

/*
 * One request of the web worker, m, answered in r.  Returns 1 when the
 * worker now speaks for r->user (a LOGIN or a CHECK that held), else 0.
 */
int
control_web_request(struct control_web *cw, struct control_users *us,
    struct control_sessions *ss, uint32_t owner,
    const struct msg_control_web *m, struct msg_control_web_reply *r)
{
	struct control_web_session	*s;
	int64_t				 now = control_session_now_ms();

	memset(r, 0, sizeof(*r));
	web_expire(cw, now);
	if (m->op == MSG_WEB_OP_LOGIN) {
		web_login(cw, us, ss, owner, m, r);
		return r->error == 0;
	}
	if ((s = web_find(cw, m->secret)) == NULL) {
		r->error = 401;
		strlcpy(r->reason, "not logged in, or the session expired",
		    sizeof(r->reason));
		return 0;
	}
	if ((m->flags & MSG_WEB_F_CSRF || m->op == MSG_WEB_OP_LOGOUT) &&
	    (!web_hex_ok(m->csrf, MSG_WEB_SECRET_LEN) ||
	    CRYPTO_memcmp(m->csrf, s->csrf, MSG_WEB_SECRET_LEN) != 0)) {
		log_warnx("web: %s: a request without its CSRF token refused",
		    s->user);
		r->error = 403;
		strlcpy(r->reason, "the request lacks this session's CSRF "
		    "token; reload the page", sizeof(r->reason));
		return 0;
	}
	if (m->op == MSG_WEB_OP_LOGOUT) {
		log_info("web: %s logged out", s->user);
		web_free(cw, s);
		return 0;
	}
	s->used = now;
	r->uid = s->uid;
	r->admin = s->admin;
	strlcpy(r->user, s->user, sizeof(r->user));
	strlcpy(r->csrf, s->csrf, sizeof(r->csrf));
	return 1;
}

/*
 * MSG_CONTROL_WEB from a worker (untrusted; every field read with its
 * bound).  Returns 1 and the session's uid in *uid when the worker's
 * channel now speaks for that user, else 0; -1 when the frame was bad
 * (the caller drops the worker).
 */
int
control_web_msg(struct control_web *cw, struct control_users *us,
    struct control_sessions *ss, uint32_t owner, struct proc_peer *p,
    struct msg *msg, uint32_t *uid)
{
	struct msg_control_web		 m;
	struct msg_control_web_reply	 r;
	struct msg_reader		 rd;
	int				 bound;

	memset(&m, 0, sizeof(m));
	msg_reader_init(&rd, msg);
	msg_get_u32(&rd, &m.op);
	msg_get_u32(&rd, &m.flags);
	msg_get_str(&rd, m.secret, sizeof(m.secret));
	msg_get_str(&rd, m.csrf, sizeof(m.csrf));
	if (msg_get_end(&rd) == -1 || m.op > MSG_WEB_OP_LOGOUT)
		return -1;
	if ((bound = control_web_request(cw, us, ss, owner, &m, &r)) == 1)
		*uid = r.uid;
	if (chan_reply(&p->chan, msg->hdr.reqid, MSG_CONTROL_WEB_REPLY, &r,
	    sizeof(r)) == -1)
		log_warnx("%s: cannot answer", p->chan.name);
	explicit_bzero(&r, sizeof(r));
	explicit_bzero(&m, sizeof(m));
	return bound;
}
