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
 * users.c: who is who on api.sock, aileron's users and their tokens.
 *
 * A caller is the uid the kernel reports for its api.sock connection
 * (SO_PEERCRED, read by the worker).  That uid is the aileron user an
 * aileron.conf line "user NAME uid N" names, or else the aileron user of
 * the uid's login name.  control is chrooted to its own directory and
 * cannot read the password database once sandboxed, so it reads the
 * accounts once at start (control_users_passwd): an account made later
 * is known after a restart, or at once through a user line.  The
 * administrator is the uid that runs the service, or root.  Anyone else
 * is a user only when an administrator added them (aileron user add) or
 * a user line names them; every other uid gets 403.
 *
 * Users live in control's store (users.db, one JSON record per user):
 * name, team, projects, and the user token's SHA-256, never the token.
 * A user token is a human's credential for the web page; it is shown
 * once, when made, compared in constant time, and never logged.
 */

#include <sys/types.h>
#include <sys/uio.h>

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <db.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "log.h"
#include "msg.h"
#include "msgtypes.h"
#include "proc.h"
#include "control/store.h"
#include "control/users.h"
#include "vault/vault.h"

#define CUSER_FORMAT	1	/* of a record */
#define CUSER_LABEL_CHARS \
	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-@+:"

static int	users_valid_label(const char *);
static void	users_hex(const uint8_t *, size_t, char *);
static int	users_unhex(const char *, uint8_t *, size_t);
static const char *users_name_of(struct control_users *, uint32_t, int *);
static json_t	*users_json(const struct control_user *, int);
static int	users_parse(const void *, size_t, struct control_user *);
static int	users_save(struct control_users *, const struct control_user *);
static int	users_add(struct control_users *, int,
		    const struct msg_control_user *, int32_t *, char *,
		    size_t, char **);
static int	users_list(struct control_users *, char **);
static int	users_token(struct control_users *, const char *, int,
		    int32_t *, char *, size_t, char **);

void
control_users_init(struct control_users *us)
{
	memset(us, 0, sizeof(*us));
	TAILQ_INIT(&us->list);
}

/* Forget every user (their token hashes zeroed), line and account. */
void
control_users_clear(struct control_users *us)
{
	struct control_user	*u;

	while ((u = TAILQ_FIRST(&us->list)) != NULL) {
		TAILQ_REMOVE(&us->list, u, entry);
		freezero(u, sizeof(*u));
	}
	free(us->lines);
	free(us->passwd);
	control_users_init(us);
}

/* 1..CUSER_LABEL_MAX letters, digits and ._-@+: */
static int
users_valid_label(const char *s)
{
	size_t	 n = strlen(s);

	return n > 0 && n <= CUSER_LABEL_MAX &&
	    strspn(s, CUSER_LABEL_CHARS) == n;
}

static void
users_hex(const uint8_t *b, size_t n, char *out)
{
	static const char	 hex[] = "0123456789abcdef";
	size_t			 i;

	for (i = 0; i < n; i++) {
		out[i * 2] = hex[b[i] >> 4];
		out[i * 2 + 1] = hex[b[i] & 0xf];
	}
	out[n * 2] = '\0';
}

static int
users_unhex(const char *s, uint8_t *b, size_t n)
{
	size_t		 i;
	unsigned int	 v;

	if (strlen(s) != n * 2 || strspn(s, "0123456789abcdef") != n * 2)
		return -1;
	for (i = 0; i < n; i++) {
		if (sscanf(s + i * 2, "%2x", &v) != 1)
			return -1;
		b[i] = (uint8_t)v;
	}
	return 0;
}

/*
 * A user line, from the master during configuration (trusted: a bad one
 * is fatal).  Returns 1 when msg was one.
 */
int
control_users_conf(struct control_users *us, struct msg *msg)
{
	struct msg_conf_user	 u;
	struct msg_reader	 r;
	struct control_uidname	*n;

	if (msg->hdr.type != MSG_CONF_USER)
		return 0;
	memset(&u, 0, sizeof(u));
	msg_reader_init(&r, msg);
	msg_get_u32(&r, &u.uid);
	msg_get_str(&r, u.user, sizeof(u.user));
	if (msg_get_end(&r) == -1 || !vault_valid_user(u.user))
		fatalx("malformed user line from the master");
	if ((n = reallocarray(us->lines, us->nlines + 1, sizeof(*n))) ==
	    NULL)
		fatal("%s", __func__);
	us->lines = n;
	n[us->nlines].uid = u.uid;
	strlcpy(n[us->nlines].name, u.user, sizeof(n[0].name));
	us->nlines++;
	return 1;
}

/*
 * The OS accounts, read once before the sandbox (which leaves no
 * password database to read): uid and login name of each, so that a
 * caller's uid maps to the aileron user of the same name.
 */
void
control_users_passwd(struct control_users *us)
{
	struct passwd		*pw;
	struct control_uidname	*n;

	setpwent();
	while ((pw = getpwent()) != NULL &&
	    us->npasswd < CUSER_PASSWD_MAX) {
		if (!vault_valid_user(pw->pw_name))
			continue;
		if ((n = reallocarray(us->passwd, us->npasswd + 1,
		    sizeof(*n))) == NULL)
			fatal("%s", __func__);
		us->passwd = n;
		n[us->npasswd].uid = pw->pw_uid;
		strlcpy(n[us->npasswd].name, pw->pw_name, sizeof(n[0].name));
		us->npasswd++;
	}
	endpwent();
	log_debug("%zu OS accounts known, %zu user lines", us->npasswd,
	    us->nlines);
}

/* users.db, once the store is open: every record into memory. */
int
control_users_open(struct control_users *us)
{
	struct control_user	*u;
	DBC			*c;
	DBT			 k, v;
	int			 rv;

	if ((us->db = control_store_db(CUSER_DB)) == NULL)
		return -1;
	if ((rv = us->db->cursor(us->db, NULL, &c, 0)) != 0) {
		log_warnx("%s: %s", CUSER_DB, db_strerror(rv));
		return -1;
	}
	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	while ((rv = c->get(c, &k, &v, DB_NEXT)) == 0) {
		if ((u = calloc(1, sizeof(*u))) == NULL)
			fatal("%s", __func__);
		if (users_parse(v.data, v.size, u) == -1 ||
		    k.size != strlen(u->name) ||
		    memcmp(k.data, u->name, k.size) != 0) {
			log_warnx("%s: a damaged record; skipped", CUSER_DB);
			free(u);
			continue;
		}
		TAILQ_INSERT_TAIL(&us->list, u, entry);
		us->n++;
	}
	c->close(c);
	if (rv != DB_NOTFOUND) {
		log_warnx("%s: %s", CUSER_DB, db_strerror(rv));
		return -1;
	}
	log_debug("%zu aileron user%s", us->n, us->n == 1 ? "" : "s");
	return 0;
}

struct control_user *
control_user_find(struct control_users *us, const char *name)
{
	struct control_user	*u;

	TAILQ_FOREACH(u, &us->list, entry)
		if (strcmp(u->name, name) == 0)
			return u;
	return NULL;
}

/* Is u (which may be NULL: no record) of project? */
int
control_user_in_project(const struct control_user *u, const char *project)
{
	size_t	 i;

	if (u == NULL)
		return 0;
	for (i = 0; i < u->nprojects; i++)
		if (strcmp(u->projects[i], project) == 0)
			return 1;
	return 0;
}

/*
 * The name a user line gives uid (*byline set), else its login name,
 * else NULL.
 */
static const char *
users_name_of(struct control_users *us, uint32_t uid, int *byline)
{
	size_t	 i, j;

	*byline = 0;
	for (i = 0; i < us->nlines; i++)
		if (us->lines[i].uid == uid) {
			*byline = 1;
			return us->lines[i].name;
		}
	for (i = 0; i < us->npasswd; i++)
		if (us->passwd[i].uid == uid)
			break;
	if (i == us->npasswd)
		return NULL;
	/* A user line that names this login for another uid wins. */
	for (j = 0; j < us->nlines; j++)
		if (strcmp(us->lines[j].name, us->passwd[i].name) == 0)
			return NULL;
	return us->passwd[i].name;
}

/*
 * vaultd's table of who is who (MSG_VAULT_USERS): each user line, and
 * each OS account whose login name is an added user.  What does not fit
 * one message is left out, and said.
 */
int
control_users_vaultmap(struct control_users *us, struct chan *vaultd)
{
	static struct msg_vault_uid	 v[MSG_VAULT_USERS_MAX];
	const struct control_uidname	*e;
	size_t				 i, j, n = 0, dropped = 0;

	memset(v, 0, sizeof(v));
	for (i = 0; i < us->nlines + us->npasswd; i++) {
		if (i < us->nlines)
			e = &us->lines[i];
		else {
			/* A login name counts once added; a line wins. */
			e = &us->passwd[i - us->nlines];
			if (control_user_find(us, e->name) == NULL)
				continue;
			for (j = 0; j < us->nlines; j++)
				if (us->lines[j].uid == e->uid)
					break;
			if (j < us->nlines)
				continue;
		}
		if (n == MSG_VAULT_USERS_MAX) {
			dropped++;
			continue;
		}
		v[n].uid = e->uid;
		strlcpy(v[n].user, e->name, sizeof(v[n].user));
		n++;
	}
	if (dropped > 0)
		log_warnx("vault.sock: %zu user%s left out of vaultd's table "
		    "(at most %d)", dropped, dropped == 1 ? "" : "s",
		    MSG_VAULT_USERS_MAX);
	return chan_compose(vaultd, MSG_VAULT_USERS, 0, -1, v,
	    n * sizeof(v[0]));
}

/*
 * Who uid is: 0 and its aileron user's name in user, with *admin set for
 * the service's owner and root; -1 for a uid that is nobody here.  A
 * login name alone is not enough: an administrator must have added that
 * user, or written a user line for the uid.
 */
int
control_users_identify(struct control_users *us, uint32_t owner,
    uint32_t uid, char *user, size_t len, int *admin)
{
	const char	*name;
	int		 byline;

	*admin = uid == 0 || uid == owner;
	user[0] = '\0';
	name = users_name_of(us, uid, &byline);
	if (name == NULL) {
		if (!*admin)
			return -1;
		/* An owner without an account still administers. */
		snprintf(user, len, uid == 0 ? "root" : "uid-%u", uid);
		return 0;
	}
	if (!*admin && !byline && control_user_find(us, name) == NULL)
		return -1;
	if (strlcpy(user, name, len) >= len)
		return -1;
	return 0;
}

/*
 * Does token belong to user?  The token's SHA-256 against the stored
 * one, in constant time (for the web page's login).
 */
int
control_user_token_check(struct control_users *us, const char *user,
    const char *token)
{
	struct control_user	*u;
	uint8_t			 h[CUSER_HASH_LEN];
	int			 ok;

	if ((u = control_user_find(us, user)) == NULL || !u->has_token ||
	    strlen(token) != CUSER_TOKEN_LEN)
		return 0;
	SHA256((const unsigned char *)token, CUSER_TOKEN_LEN, h);
	ok = CRYPTO_memcmp(h, u->token_hash, sizeof(h)) == 0;
	explicit_bzero(h, sizeof(h));
	return ok;
}

/* A user as the API shows it; with secret, as stored (the hash too). */
static json_t *
users_json(const struct control_user *u, int stored)
{
	json_t	*o, *p;
	char	 hash[CUSER_HASH_LEN * 2 + 1];
	size_t	 i;

	if ((p = json_array()) == NULL)
		return NULL;
	for (i = 0; i < u->nprojects; i++)
		json_array_append_new(p, json_string(u->projects[i]));
	if ((o = json_pack("{s:s, s:s, s:o, s:I}", "name", u->name, "team",
	    u->team, "projects", p, "created", (json_int_t)u->created)) ==
	    NULL)
		return NULL;
	if (stored) {
		json_object_set_new(o, "format", json_integer(CUSER_FORMAT));
		if (u->has_token) {
			users_hex(u->token_hash, sizeof(u->token_hash), hash);
			json_object_set_new(o, "token", json_pack("{s:s, s:s, "
			    "s:I}", "sha256", hash, "id", u->token_id,
			    "created", (json_int_t)u->token_created));
		}
	} else
		json_object_set_new(o, "token", json_boolean(u->has_token));
	return o;
}

static int
users_parse(const void *data, size_t len, struct control_user *u)
{
	json_t		*o, *p, *t, *e;
	const char	*name, *team, *s, *hash = NULL, *id = NULL;
	json_int_t	 created, tcreated = 0;
	size_t		 i;
	int		 rv = -1;

	memset(u, 0, sizeof(*u));
	if ((o = json_loadb(data, len, JSON_REJECT_DUPLICATES, NULL)) == NULL)
		return -1;
	t = NULL;
	if (json_unpack(o, "{s:s, s:s, s:o, s:I, s?o}", "name", &name, "team",
	    &team, "projects", &p, "created", &created, "token", &t) == -1 ||
	    !vault_valid_user(name) || !users_valid_label(team) ||
	    !json_is_array(p) || json_array_size(p) > MSG_CONTROL_PROJECTS_MAX)
		goto done;
	strlcpy(u->name, name, sizeof(u->name));
	strlcpy(u->team, team, sizeof(u->team));
	u->created = created;
	json_array_foreach(p, i, e) {
		if ((s = json_string_value(e)) == NULL ||
		    !users_valid_label(s))
			goto done;
		strlcpy(u->projects[u->nprojects++], s, sizeof(u->projects[0]));
	}
	if (t != NULL) {
		if (json_unpack(t, "{s:s, s:s, s:I}", "sha256", &hash, "id",
		    &id, "created", &tcreated) == -1 ||
		    users_unhex(hash, u->token_hash, sizeof(u->token_hash)) ==
		    -1 || strlen(id) != CUSER_TOKEN_ID_LEN ||
		    strspn(id, "0123456789abcdef") != CUSER_TOKEN_ID_LEN)
			goto done;
		strlcpy(u->token_id, id, sizeof(u->token_id));
		u->token_created = tcreated;
		u->has_token = 1;
	}
	rv = 0;
 done:
	json_decref(o);
	return rv;
}

/* One record, written and committed (synchronously) before we answer. */
static int
users_save(struct control_users *us, const struct control_user *u)
{
	DB_ENV		*env = control_store_env();
	DB_TXN		*txn = NULL;
	DBT		 k, v;
	json_t		*o;
	char		*s;
	int		 rv;

	if (us->db == NULL || env == NULL ||
	    (o = users_json(u, 1)) == NULL)
		return -1;
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (s == NULL)
		return -1;
	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	k.data = (void *)u->name;
	k.size = strlen(u->name);
	v.data = s;
	v.size = strlen(s);
	if ((rv = env->txn_begin(env, NULL, &txn, 0)) == 0 &&
	    (rv = us->db->put(us->db, txn, &k, &v, 0)) == 0) {
		rv = txn->commit(txn, 0);
		txn = NULL;
	}
	if (txn != NULL)
		txn->abort(txn);
	free(s);
	if (rv != 0) {
		log_warnx("%s: user %s: %s", CUSER_DB, u->name,
		    db_strerror(rv));
		return -1;
	}
	return 0;
}

/* aileron user add: an administrator's act. */
static int
users_add(struct control_users *us, int admin,
    const struct msg_control_user *m, int32_t *status, char *reason,
    size_t rlen, char **json)
{
	struct control_user	*u;
	json_t			*o;
	size_t			 i, j;

	if (!admin) {
		*status = 403;
		strlcpy(reason, "only an administrator (the service's owner or "
		    "root) may add users", rlen);
		return 0;
	}
	if (!vault_valid_user(m->name) || !users_valid_label(m->team)) {
		*status = 400;
		strlcpy(reason, "a user name of letters, digits, ._- and a "
		    "team of letters, digits, ._-@+: are required", rlen);
		return 0;
	}
	for (i = 0; i < MSG_CONTROL_PROJECTS_MAX && m->projects[i][0] != '\0';
	    i++)
		if (!users_valid_label(m->projects[i])) {
			*status = 400;
			strlcpy(reason, "a project is 1 to 63 letters, digits "
			    "and ._-@+:", rlen);
			return 0;
		}
	if (control_user_find(us, m->name) != NULL) {
		*status = 409;
		snprintf(reason, rlen, "user %s exists", m->name);
		return 0;
	}
	if (us->n >= CUSER_MAX) {
		*status = 503;
		strlcpy(reason, "too many users", rlen);
		return 0;
	}
	if ((u = calloc(1, sizeof(*u))) == NULL)
		fatal("%s", __func__);
	strlcpy(u->name, m->name, sizeof(u->name));
	strlcpy(u->team, m->team, sizeof(u->team));
	for (i = 0; i < MSG_CONTROL_PROJECTS_MAX && m->projects[i][0] != '\0';
	    i++) {
		for (j = 0; j < u->nprojects; j++)
			if (strcmp(u->projects[j], m->projects[i]) == 0)
				break;
		if (j == u->nprojects)
			strlcpy(u->projects[u->nprojects++], m->projects[i],
			    sizeof(u->projects[0]));
	}
	u->created = time(NULL);
	if (users_save(us, u) == -1) {
		free(u);
		*status = 503;
		strlcpy(reason, "cannot write control's store; see the service "
		    "log", rlen);
		return 0;
	}
	TAILQ_INSERT_TAIL(&us->list, u, entry);
	us->n++;
	log_info("user %s added (team %s, %zu project%s)", u->name, u->team,
	    u->nprojects, u->nprojects == 1 ? "" : "s");
	o = users_json(u, 0);
	*json = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	return *json == NULL ? -1 : 0;
}

/* Every user, as many as fit one reply. */
static int
users_list(struct control_users *us, char **json)
{
	struct control_user	*u;
	json_t			*o, *a;
	size_t			 est = 64;

	if ((a = json_array()) == NULL)
		return -1;
	TAILQ_FOREACH(u, &us->list, entry) {
		/* A bound on a record's size: names, labels, punctuation. */
		est += 160 + strlen(u->name) + strlen(u->team) +
		    u->nprojects * (CUSER_LABEL_MAX + 4);
		if (est > MSG_CONTROL_USER_JSON_MAX - 64)
			break;
		json_array_append_new(a, users_json(u, 0));
	}
	o = json_pack("{s:o, s:b}", "users", a, "truncated", u != NULL);
	*json = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	return *json == NULL ? -1 : 0;
}

/*
 * aileron user token: the caller's own.  GET says whether one exists
 * (its public id and time); NEW makes one, replacing any, and is the only
 * answer that carries the token itself.
 */
static int
users_token(struct control_users *us, const char *name, int make,
    int32_t *status, char *reason, size_t rlen, char **json)
{
	struct control_user	*u, nu;
	uint8_t			 rnd[CUSER_TOKEN_LEN / 2], idb[8];
	char			 token[CUSER_TOKEN_LEN + 1];
	json_t			*o;

	if ((u = control_user_find(us, name)) == NULL) {
		*status = 404;
		snprintf(reason, rlen, "%s is not an aileron user with a "
		    "record; an administrator adds it with \"aileron user add "
		    "%s --team TEAM\"", name, name);
		return 0;
	}
	if (!make) {
		if (!u->has_token) {
			*status = 404;
			strlcpy(reason, "no user token yet; \"aileron user "
			    "token\" makes one", rlen);
			return 0;
		}
		o = json_pack("{s:s, s:s, s:I}", "user", u->name, "token_id",
		    u->token_id, "created", (json_int_t)u->token_created);
		*json = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
		json_decref(o);
		return *json == NULL ? -1 : 0;
	}
	/* Written first, in a copy: the old token holds until it is. */
	nu = *u;
	arc4random_buf(rnd, sizeof(rnd));
	arc4random_buf(idb, sizeof(idb));
	users_hex(rnd, sizeof(rnd), token);
	users_hex(idb, sizeof(idb), nu.token_id);
	SHA256((const unsigned char *)token, CUSER_TOKEN_LEN, nu.token_hash);
	explicit_bzero(rnd, sizeof(rnd));
	nu.has_token = 1;
	nu.token_created = time(NULL);
	if (users_save(us, &nu) == -1) {
		explicit_bzero(token, sizeof(token));
		explicit_bzero(&nu, sizeof(nu));
		*status = 503;
		strlcpy(reason, "cannot write control's store; see the service "
		    "log", rlen);
		return 0;
	}
	log_info("user %s: %s user token %s", u->name, u->has_token ?
	    "replaced the" : "made a", nu.token_id);
	nu.entry = u->entry;
	*u = nu;
	explicit_bzero(&nu, sizeof(nu));
	o = json_pack("{s:s, s:s, s:s, s:I}", "user", u->name, "token",
	    token, "token_id", u->token_id, "created",
	    (json_int_t)u->token_created);
	explicit_bzero(token, sizeof(token));
	*json = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	return *json == NULL ? -1 : 0;
}

/*
 * One request of the management API, for the caller uid: *status 0 and
 * JSON in *json (the caller frees and zeroes it), or an HTTP status and
 * a reason.  -1 when out of memory.
 */
int
control_users_request(struct control_users *us, uint32_t owner,
    const struct msg_control_user *m, int32_t *status, char *reason,
    size_t rlen, char **json)
{
	struct control_user	*u;
	json_t			*o, *p;
	char			 me[CUSER_NAME_MAX + 1];
	size_t			 i;
	int			 admin;

	*status = 0;
	*json = NULL;
	reason[0] = '\0';
	if (control_users_identify(us, owner, m->uid, me, sizeof(me),
	    &admin) == -1) {
		*status = 403;
		snprintf(reason, rlen, "uid %u is no aileron user; an "
		    "administrator adds one with \"aileron user add\" or a "
		    "user line in aileron.conf", m->uid);
		return 0;
	}
	switch (m->op) {
	case MSG_CONTROL_USER_ME:
		u = control_user_find(us, me);
		if ((p = json_array()) == NULL)
			return -1;
		for (i = 0; u != NULL && i < u->nprojects; i++)
			json_array_append_new(p, json_string(u->projects[i]));
		o = json_pack("{s:s, s:I, s:b, s:b, s:s, s:o}", "user", me,
		    "uid", (json_int_t)m->uid, "admin", admin, "record",
		    u != NULL, "team", u != NULL ? u->team : "", "projects", p);
		*json = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
		json_decref(o);
		return *json == NULL ? -1 : 0;
	case MSG_CONTROL_USER_ADD:
		return users_add(us, admin, m, status, reason, rlen, json);
	case MSG_CONTROL_USER_LIST:
		return users_list(us, json);
	case MSG_CONTROL_USER_TOKEN_GET:
	case MSG_CONTROL_USER_TOKEN_NEW:
		return users_token(us, me, m->op == MSG_CONTROL_USER_TOKEN_NEW,
		    status, reason, rlen, json);
	default:
		*status = 400;
		strlcpy(reason, "unknown request", rlen);
		return 0;
	}
}

/*
 * MSG_CONTROL_USER from the API's worker (untrusted): every field is
 * read with its bound, a bad frame costs the worker its channel, and the
 * answer is USER_REPLY with the JSON, which is zeroed once sent (a new
 * token is in it).
 */
void
control_users_msg(struct control_users *us, uint32_t owner,
    struct proc *ps, struct proc_peer *p, struct msg *msg)
{
	struct msg_control_user		 m;
	struct msg_control_user_reply	 r;
	struct msg_reader		 rd;
	struct iovec			 iov[2];
	char				*json = NULL;
	size_t				 i;

	memset(&m, 0, sizeof(m));
	msg_reader_init(&rd, msg);
	msg_get_u32(&rd, &m.uid);
	msg_get_u32(&rd, &m.op);
	msg_get_str(&rd, m.name, sizeof(m.name));
	msg_get_str(&rd, m.team, sizeof(m.team));
	for (i = 0; i < MSG_CONTROL_PROJECTS_MAX; i++)
		msg_get_str(&rd, m.projects[i], sizeof(m.projects[i]));
	if (msg_get_end(&rd) == -1) {
		proc_bad_frame(ps, p);
		return;
	}
	memset(&r, 0, sizeof(r));
	if (control_users_request(us, owner, &m, &r.error, r.reason,
	    sizeof(r.reason), &json) == -1)
		fatalx("%s: out of memory", __func__);
	if (r.error == 0 && (json == NULL ||
	    strlen(json) > MSG_CONTROL_USER_JSON_MAX)) {
		r.error = 500;
		strlcpy(r.reason, "the answer does not fit", sizeof(r.reason));
	}
	if (r.error != 0)
		log_info("%s: uid %u: user request %u refused: %d %s",
		    p->chan.name, m.uid, m.op, r.error, r.reason);
	iov[0].iov_base = &r;
	iov[0].iov_len = sizeof(r);
	iov[1].iov_base = json;
	iov[1].iov_len = r.error == 0 ? strlen(json) : 0;
	if (chan_replyv(&p->chan, msg->hdr.reqid, MSG_CONTROL_USER_REPLY, iov,
	    r.error == 0 ? 2 : 1) == -1)
		log_warnx("%s: cannot answer", p->chan.name);
	if (json != NULL) {
		explicit_bzero(json, strlen(json));
		free(json);
	}
}
