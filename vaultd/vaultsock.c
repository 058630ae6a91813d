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
 * vaultsock.c: vaultd's side of vault.sock: the local CLI's requests (aileron
 * vault, aileron secret, aileron launch).  The peer's uid was checked when
 * it connected; everything it sends is still untrusted: a request out of
 * bounds closes the connection, and vaultd keeps serving everyone else.
 *
 * The CLI sends the 32-byte user key, never the master key: scrypt runs
 * in the CLI.  The key and any credential value are copied into the
 * secure heap at once and the frame they came in is zeroed in place;
 * replies carry metadata or a sentence, never a secret.  Wrong master
 * keys are counted per user and, after a few, refused for a growing
 * delay, so vault.sock is no faster an oracle than the KDF.  Every
 * operation is logged: who (uid), what, for which user and credential.
 *
 * Shared vaults: create, grant and revoke.  A wrap is symmetric, so a
 * grant carries the new member's user key as well as the granter's (both
 * count against their user's wrong-key limit), and a revoke needs the key
 * of every remaining member: the revoker's comes with the request, the
 * others' from the live sessions vaultd holds.  After either, every cached
 * vault key of every session goes, so a revoked member's live session
 * loses the vault at once.
 */

#include <sys/types.h>
#include <sys/uio.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "log.h"
#include "msg.h"
#include "msgtypes.h"
#include "proc.h"
#include "vault/crypto.h"
#include "vault/store.h"
#include "vault/vault.h"
#include "vaultd/vaultd.h"

/* One request, its secrets already in the secure heap. */
struct cli_req {
	uint32_t			 reqid;	/* the call to answer */
	struct msg_vault_request	 r;	/* key fields zeroed */
	struct crypto_secret		*key;
	struct crypto_secret		*new_key;
	struct crypto_secret		*member_key;
	struct crypto_secret		*value;
};

/* The vault a credential operation names; NULL: the personal vault. */
#define CLI_VAULT(q)	((q)->r.vault[0] != '\0' ? (q)->r.vault : NULL)

static int	cli_reply(struct proc_peer *, uint32_t, int, const char *, ...)
		    __attribute__((__format__ (printf, 4, 5)));
static int	cli_reply_json(struct proc_peer *, uint32_t, json_t *);
static struct vaultd_limit *cli_limit(struct vaultd *, const char *, int);
static int	cli_limited(struct vaultd *, struct proc_peer *, struct cli_req *);
static int	cli_limited_user(struct vaultd *, struct proc_peer *, uint32_t,
		    const char *);
static void	cli_key_result(struct vaultd *, struct proc_peer *, const char *,
		    int);
static int	cli_error(struct proc_peer *, struct cli_req *, const char *, int);
static int	cli_request_who(struct vaultd *, struct proc_peer *,
		    struct cli_req *);
static int	cli_kdf(struct vaultd *, struct proc_peer *, struct cli_req *);
static int	cli_init(struct vaultd *, struct proc_peer *, struct cli_req *);
static int	cli_session_key(struct vaultd *, struct proc_peer *,
		    struct cli_req *);
static int	cli_add(struct vaultd *, struct proc_peer *, struct cli_req *);
static int	cli_rotate_remove(struct vaultd *, struct proc_peer *,
		    struct cli_req *);
static int	cli_list(struct vaultd *, struct proc_peer *, struct cli_req *);
static int	cli_passwd(struct vaultd *, struct proc_peer *, struct cli_req *);
static int	cli_backup(struct vaultd *, struct proc_peer *, struct cli_req *);
static int	cli_connectors(struct vaultd *, struct proc_peer *,
		    struct cli_req *);
static int	cli_in_the_way(struct vaultd *, struct cli_req *, char *,
		    size_t);
static int	cli_shared_create(struct vaultd *, struct proc_peer *,
		    struct cli_req *);
static int	cli_grant(struct vaultd *, struct proc_peer *, struct cli_req *);
static int	cli_revoke(struct vaultd *, struct proc_peer *, struct cli_req *);
static void	cli_revoke_roles(const struct vault_member_info *, size_t,
		    const char *, const char *, int *, int *);
static const char *cli_revoke_keys(struct vaultd *, const struct cli_req *,
		    const struct vault_member_info *, size_t,
		    struct vault_member_key **, size_t *);
static int	cli_vaults(struct vaultd *, struct proc_peer *,
		    struct cli_req *);
static int	cli_members(struct vaultd *, struct proc_peer *,
		    struct cli_req *);
static void	cli_revoke_report_sessions(struct vaultd *, struct proc_peer *,
		    const char *);

static int
cli_reply(struct proc_peer *p, uint32_t reqid, int error, const char *fmt, ...)
{
	va_list			 ap;
	char			 text[1024];

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	return vaultd_reply(p, reqid, MSG_VAULT_REPLY, error, 0, text,
	    strlen(text));
}

/*
 * A JSON result goes out as it is: cli_reply() is for sentences, and its
 * buffer would cut a long list short into JSON that does not parse.
 */
static int
cli_reply_json(struct proc_peer *p, uint32_t reqid, json_t *j)
{
	char			*s;
	int			 rv;

	if (j == NULL || (s = json_dumps(j, JSON_COMPACT)) == NULL) {
		json_decref(j);
		return cli_reply(p, reqid, VAULT_ERR_SYSTEM, "%s",
		    vault_strerror(VAULT_ERR_SYSTEM));
	}
	json_decref(j);
	if (strlen(s) > MSG_VAULT_TEXT_MAX) {
		free(s);
		return cli_reply(p, reqid, VAULT_ERR_SYSTEM, "the answer is "
		    "too large for one message");
	}
	rv = vaultd_reply(p, reqid, MSG_VAULT_REPLY, 0, 0, s, strlen(s));
	free(s);
	return rv;
}

/*
 * The wrong-key record of a user, or NULL.  With create, a user without
 * one gets a free slot, or one whose user has had no wrong key for
 * VAULTD_LIMIT_FORGET seconds; never a record still counting, or wrong
 * keys for a crowd of other users (which anyone who may init users can
 * make) would wipe this user's count.  When every slot is counting, the
 * users without a record share one overflow record.
 */
static struct vaultd_limit *
cli_limit(struct vaultd *vd, const char *user, int create)
{
	struct vaultd_limit	*l, *reuse = NULL;
	time_t			 now = time(NULL);
	size_t			 i;

	for (i = 0; i < VAULTD_LIMIT_USERS; i++) {
		l = &vd->limits[i];
		if (strcmp(l->user, user) == 0)
			return l;
		if (reuse == NULL && (l->user[0] == '\0' || (l->until <= now &&
		    now - l->last >= VAULTD_LIMIT_FORGET)))
			reuse = l;
	}
	if (!create)
		return NULL;
	if (reuse == NULL) {
		log_warnx("wrong master keys for more than %d users; "
		    "counting the rest together", VAULTD_LIMIT_USERS);
		return &vd->limit_overflow;
	}
	memset(reuse, 0, sizeof(*reuse));
	strlcpy(reuse->user, user, sizeof(reuse->user));
	return reuse;
}

static int
cli_limited(struct vaultd *vd, struct proc_peer *p, struct cli_req *q)
{
	return cli_limited_user(vd, p, q->reqid, q->r.user);
}

/* Whether user's keys wait; if so, the refusal has been sent. */
static int
cli_limited_user(struct vaultd *vd, struct proc_peer *p, uint32_t reqid,
    const char *user)
{
	struct vaultd_limit	*l;
	time_t			 now = time(NULL);

	if ((l = cli_limit(vd, user, 0)) == NULL)
		l = &vd->limit_overflow;
	if (l->until <= now)
		return 0;
	log_warnx("%s: uid %u: user %s: refused, %u wrong master key%s in a "
	    "row; %lld second%s to wait", p->chan.name, p->uid, user,
	    l->fails, PLURAL(l->fails), (long long)(l->until - now),
	    PLURAL(l->until - now));
	cli_reply(p, reqid, MSG_VAULT_ERR_LIMITED, "too many wrong "
	    "master keys for user %s; try again in %lld second%s", user,
	    (long long)(l->until - now), PLURAL(l->until - now));
	return 1;
}

/* Count a wrong key, or forget the count after a right one. */
static void
cli_key_result(struct vaultd *vd, struct proc_peer *p, const char *user, int rv)
{
	struct vaultd_limit	*l;
	unsigned int		 over;
	time_t			 delay;

	if (rv != VAULT_ERR_WRONG_KEY) {
		if (rv == VAULT_OK && (l = cli_limit(vd, user, 0)) != NULL)
			memset(l, 0, sizeof(*l));
		return;
	}
	l = cli_limit(vd, user, 1);
	l->fails++;
	l->last = time(NULL);
	if (l->fails >= VAULTD_LIMIT_FREE) {
		over = l->fails - VAULTD_LIMIT_FREE;
		delay = over >= 9 ? VAULTD_LIMIT_MAXDELAY : (time_t)1 << over;
		if (delay > VAULTD_LIMIT_MAXDELAY)
			delay = VAULTD_LIMIT_MAXDELAY;
		l->until = l->last + delay;
	}
	log_warnx("%s: uid %u: wrong master key for user %s (%u in a row)",
	    p->chan.name, p->uid, user, l->fails);
}

/*
 * A vault error as a sentence, naming the credential, vault or member
 * where it helps.  The vault id and member name were checked before any
 * operation ran.
 */
static int
cli_error(struct proc_peer *p, struct cli_req *q, const char *what, int rv)
{
	log_warnx("%s: uid %u: %s for user %s%s%s%s%s%s%s failed: %s",
	    p->chan.name, p->uid, what, q->r.user,
	    q->r.name[0] != '\0' ? ", credential " : "",
	    q->r.name[0] != '\0' ? vaultd_printable(q->r.name) : "",
	    q->r.vault[0] != '\0' ? ", vault " : "", q->r.vault,
	    q->r.member[0] != '\0' ? ", member " : "", q->r.member,
	    vault_strerror(rv));
	switch (rv) {
	case VAULT_ERR_NO_VAULT:
		return cli_reply(p, q->reqid, rv, "no vault %s",
		    q->r.vault[0] != '\0' ? q->r.vault : "(personal)");
	case VAULT_ERR_NOT_MEMBER:
		return cli_reply(p, q->reqid, rv, "user %s is not a member "
		    "of vault %s", q->r.user, q->r.vault);
	case VAULT_ERR_MEMBER_EXISTS:
		return cli_reply(p, q->reqid, rv, "user %s is already a "
		    "member of vault %s", q->r.member, q->r.vault);
	case VAULT_ERR_DENIED:
		if (q->r.op == MSG_VAULT_OP_GRANT ||
		    q->r.op == MSG_VAULT_OP_REVOKE)
			return cli_reply(p, q->reqid, rv, "only an owner of "
			    "a shared vault may grant or revoke, and user %s "
			    "is none of vault %s", q->r.user, q->r.vault);
		return cli_reply(p, q->reqid, rv, "the role of user %s in "
		    "vault %s does not allow that", q->r.user,
		    q->r.vault[0] != '\0' ? q->r.vault : "(personal)");
	case VAULT_ERR_NO_CREDENTIAL:
		return cli_reply(p, q->reqid, rv, "no credential named %s",
		    vaultd_printable(q->r.name));
	case VAULT_ERR_EXISTS:
		return cli_reply(p, q->reqid, rv, "a credential for "
		    "connector %s or named %s exists; use --replace",
		    vaultd_printable(q->r.connector),
		    vaultd_printable(q->r.name));
	case VAULT_ERR_NO_USER:
		return cli_reply(p, q->reqid, rv, "no vault for user %s; "
		    "create it with \"aileron vault init\"", q->r.user);
	case VAULT_ERR_USER_EXISTS:
		return cli_reply(p, q->reqid, rv, "user %s already has a "
		    "vault; change its master key with \"aileron vault "
		    "passwd\"", q->r.user);
	case VAULT_ERR_NAME_TAKEN:
		return cli_reply(p, q->reqid, rv, "a shared vault named %s "
		    "exists; choose another name",
		    vaultd_printable(q->r.name));
	default:
		return cli_reply(p, q->reqid, rv, "%s", vault_strerror(rv));
	}
}

static int
cli_kdf(struct vaultd *vd, struct proc_peer *p, struct cli_req *q)
{
	struct vault_kdf	 kdf;
	char			 salt[CRYPTO_SALT_LEN * 2 + 1];
	size_t			 i;
	int			 rv;

	/* vault init asks first, to refuse an existing user: no failure. */
	if ((rv = vault_user_kdf(vd->vault, q->r.user, &kdf)) ==
	    VAULT_ERR_NO_USER) {
		log_debug("%s: uid %u: key parameters: user %s has no vault",
		    p->chan.name, p->uid, q->r.user);
		return cli_reply(p, q->reqid, rv, "no vault for user %s; "
		    "create it with \"aileron vault init\"", q->r.user);
	}
	if (rv != VAULT_OK)
		return cli_error(p, q, "key parameters", rv);
	for (i = 0; i < CRYPTO_SALT_LEN; i++)
		snprintf(salt + i * 2, 3, "%02x", kdf.salt[i]);
	return cli_reply_json(p, q->reqid, json_pack("{s:s, s:I, s:I, s:I}",
	    "salt", salt, "N", (json_int_t)kdf.N, "r", (json_int_t)kdf.r,
	    "p", (json_int_t)kdf.p));
}

static int
cli_init(struct vaultd *vd, struct proc_peer *p, struct cli_req *q)
{
	struct vault_kdf	 kdf;
	int			 rv;

	memcpy(kdf.salt, q->r.kdf_salt, sizeof(kdf.salt));
	kdf.N = q->r.kdf_n;
	kdf.r = q->r.kdf_r;
	kdf.p = q->r.kdf_p;
	if ((rv = vault_user_init(vd->vault, q->r.user, &kdf,
	    q->key->data)) != VAULT_OK)
		return cli_error(p, q, "vault init", rv);
	log_info("%s: uid %u: vault init for user %s", p->chan.name, p->uid,
	    q->r.user);
	return cli_reply(p, q->reqid, 0, "{}");
}

/*
 * aileron launch delivers the user key for a session control began: only
 * for that session's user, and only a key that opens the user's vault.
 */
static int
cli_session_key(struct vaultd *vd, struct proc_peer *p, struct cli_req *q)
{
	struct session	*s;
	int		 rv;

	if (!session_valid_id(q->r.session) ||
	    (s = session_find(&vd->sessions, q->r.session)) == NULL) {
		log_warnx("%s: uid %u: key for unknown session %s",
		    p->chan.name, p->uid, session_valid_id(q->r.session) ?
		    q->r.session : "(invalid id)");
		return cli_reply(p, q->reqid, MSG_VAULT_ERR_REFUSED,
		    "no such session; start one with \"aileron launch\"");
	}
	if (strcmp(s->user, q->r.user) != 0) {
		log_warnx("%s: uid %u: key of user %s refused for session %s "
		    "of user %s", p->chan.name, p->uid, q->r.user, s->id,
		    s->user);
		return cli_reply(p, q->reqid, MSG_VAULT_ERR_REFUSED,
		    "session %s belongs to another user", s->id);
	}
	if (cli_limited(vd, p, q))
		return 0;
	rv = vault_user_check(vd->vault, q->r.user, q->key->data);
	cli_key_result(vd, p, q->r.user, rv);
	if (rv != VAULT_OK)
		return cli_error(p, q, "session key", rv);
	if (session_set_key(s, q->key->data) == -1)
		return cli_reply(p, q->reqid, VAULT_ERR_SYSTEM, "the secure "
		    "heap is full; end a session and try again");
	log_info("%s: uid %u: user key delivered for session %s of user %s "
	    "(secure heap: %zu bytes in use)", p->chan.name, p->uid, s->id,
	    s->user, CRYPTO_secure_used());
	return cli_reply(p, q->reqid, 0, "{}");
}

/*
 * The personal vault's credentials an add would replace, or that are in
 * its way: the one for the same connector, the one of the same name.
 * Their names, comma separated, into buf ("" when none).
 */
static int
cli_in_the_way(struct vaultd *vd, struct cli_req *q, char *buf, size_t len)
{
	struct vault_credential_info	*list;
	char				 id[VAULT_ID_LEN + 1];
	size_t				 i, n;
	int				 rv;

	buf[0] = '\0';
	if ((rv = vault_user_personal(vd->vault, q->r.user, id)) != VAULT_OK ||
	    (rv = vault_credential_list(vd->vault, q->r.user,
	    CLI_VAULT(q) != NULL ? CLI_VAULT(q) : id, &list, &n)) != VAULT_OK)
		return rv;
	for (i = 0; i < n; i++)
		if (strcmp(list[i].name, q->r.name) == 0 ||
		    strcmp(list[i].connector, q->r.connector) == 0) {
			if (buf[0] != '\0')
				strlcat(buf, ", ", len);
			strlcat(buf, list[i].name, len);
		}
	free(list);
	return VAULT_OK;
}

static int
cli_add(struct vaultd *vd, struct proc_peer *p, struct cli_req *q)
{
	char	 way[2 * (VAULT_NAME_MAX + 2)];
	int	 rv, replace = (q->r.flags & MSG_VAULT_F_REPLACE) != 0;

	if (q->r.kind > INJECT_QUERY)
		return cli_reply(p, q->reqid, VAULT_ERR_INVALID,
		    "unknown injection kind");
	if (cli_limited(vd, p, q))
		return 0;
	/* Metadata only: what is replaced, or in the way, is named. */
	if ((rv = cli_in_the_way(vd, q, way, sizeof(way))) != VAULT_OK)
		return cli_error(p, q, "secret add", rv);
	rv = vault_credential_add(vd->vault, q->r.user, q->key->data,
	    CLI_VAULT(q), q->r.name, q->r.connector, q->r.kind, q->r.param,
	    q->value->data, q->value->len, replace);
	cli_key_result(vd, p, q->r.user, rv);
	if (rv == VAULT_ERR_EXISTS && way[0] != '\0') {
		log_warnx("%s: uid %u: secret add for user %s, credential %s "
		    "refused: %s in the way", p->chan.name, p->uid, q->r.user,
		    vaultd_printable(q->r.name), way);
		return cli_reply(p, q->reqid, rv, "credential %s is in the "
		    "way (one credential per connector, one per name): "
		    "use --replace to replace it", way);
	}
	if (rv != VAULT_OK)
		return cli_error(p, q, replace ? "secret add --replace" :
		    "secret add", rv);
	/*
	 * Even a plain add: a credential in the personal vault takes
	 * precedence over a shared vault's the sessions may have cached.
	 */
	session_vkey_drop_all(&vd->sessions, NULL, replace ? "replace" :
	    "add");
	log_info("%s: uid %u: user %s added credential %s (connector %s%s%s) "
	    "in vault %s", p->chan.name, p->uid, q->r.user, q->r.name,
	    q->r.connector, way[0] != '\0' ? ", replacing " : "", way,
	    q->r.vault[0] != '\0' ? q->r.vault : "(personal)");
	if (way[0] == '\0')
		return cli_reply(p, q->reqid, 0, "{}");
	return cli_reply_json(p, q->reqid, json_pack("{s:s}", "replaced",
	    way));
}

/* Either changes what a session may open: drop every cached vault key. */
static int
cli_rotate_remove(struct vaultd *vd, struct proc_peer *p, struct cli_req *q)
{
	const char	*what;
	size_t		 n;
	int		 rv;

	if (cli_limited(vd, p, q))
		return 0;
	if (q->r.op == MSG_VAULT_OP_ROTATE) {
		what = "secret rotate";
		rv = vault_credential_rotate(vd->vault, q->r.user,
		    q->key->data, CLI_VAULT(q), q->r.name, q->value->data,
		    q->value->len);
	} else {
		what = "secret rm";
		rv = vault_credential_remove(vd->vault, q->r.user,
		    q->key->data, CLI_VAULT(q), q->r.name);
	}
	cli_key_result(vd, p, q->r.user, rv);
	if (rv != VAULT_OK)
		return cli_error(p, q, what, rv);
	n = session_vkey_drop_all(&vd->sessions, NULL,
	    q->r.op == MSG_VAULT_OP_ROTATE ? "rotate" : "remove");
	log_info("%s: uid %u: %s %s for user %s; %zu cached vault keys "
	    "dropped", p->chan.name, p->uid, what, q->r.name, q->r.user, n);
	return cli_reply(p, q->reqid, 0, "{}");
}

static int
cli_list(struct vaultd *vd, struct proc_peer *p, struct cli_req *q)
{
	struct vault_credential_info	*list;
	json_t				*a, *o;
	size_t				 i, n;
	int				 rv;

	if ((rv = vault_credential_list(vd->vault, q->r.user, CLI_VAULT(q),
	    &list, &n)) != VAULT_OK)
		return cli_error(p, q, "secret list", rv);
	if ((a = json_array()) == NULL)
		fatalx("%s: out of memory", __func__);
	for (i = 0; i < n; i++) {
		o = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I}",
		    "name", list[i].name, "connector", list[i].connector,
		    "kind", vault_kind_name(list[i].kind),
		    "vault", list[i].vault_id,
		    "created", (json_int_t)list[i].created,
		    "rotated", (json_int_t)list[i].rotated);
		if (o != NULL && list[i].param[0] != '\0')
			json_object_set_new(o, "param",
			    json_string(list[i].param));
		json_array_append_new(a, o);
	}
	free(list);
	log_info("%s: uid %u: secret list for user %s (%zu credential%s)",
	    p->chan.name, p->uid, q->r.user, n, PLURAL(n));
	return cli_reply_json(p, q->reqid, a);
}

static int
cli_passwd(struct vaultd *vd, struct proc_peer *p, struct cli_req *q)
{
	struct vault_kdf	 kdf;
	struct session		*s;
	size_t			 n;
	int			 rv;

	if (cli_limited(vd, p, q))
		return 0;
	memcpy(kdf.salt, q->r.kdf_salt, sizeof(kdf.salt));
	kdf.N = q->r.kdf_n;
	kdf.r = q->r.kdf_r;
	kdf.p = q->r.kdf_p;
	rv = vault_user_passwd(vd->vault, q->r.user, q->key->data, &kdf,
	    q->new_key->data);
	cli_key_result(vd, p, q->r.user, rv);
	if (rv != VAULT_OK)
		return cli_error(p, q, "vault passwd", rv);
	/*
	 * The user's live sessions keep working under the new key; the
	 * vault keys they unwrapped with the old one go with it.
	 */
	n = session_vkey_drop_all(&vd->sessions, q->r.user, "passwd");
	TAILQ_FOREACH(s, &vd->sessions.list, entry)
		if (s->ukey != NULL && strcmp(s->user, q->r.user) == 0 &&
		    session_set_key(s, q->new_key->data) == -1)
			log_warnx("session %s: cannot keep the new key",
			    s->id);
	log_info("%s: uid %u: vault passwd for user %s; %zu cached vault keys "
	    "dropped", p->chan.name, p->uid, q->r.user, n);
	return cli_reply(p, q->reqid, 0, "{}");
}

/*
 * A hot backup of the environment into a new directory inside vaultd's
 * root (the environment directory), which the CLI then moves where the
 * user asked: vaultd is chrooted and cannot reach it.  The copy holds only
 * what the store holds: ciphertext and metadata.
 */
static int
cli_backup(struct vaultd *vd, struct proc_peer *p, struct cli_req *q)
{
	unsigned char	 b[8];
	char		 dir[64];
	size_t		 i;
	int		 n;

	if (crypto_random(b, sizeof(b)) == -1)
		return cli_reply(p, q->reqid, VAULT_ERR_SYSTEM, "%s",
		    vault_strerror(VAULT_ERR_SYSTEM));
	n = snprintf(dir, sizeof(dir), "backup-%lld-", (long long)time(NULL));
	for (i = 0; i < sizeof(b); i++)
		n += snprintf(dir + n, sizeof(dir) - n, "%02x", b[i]);
	if (store_checkpoint(vault_store(vd->vault)) == -1 ||
	    store_backup(vault_store(vd->vault), dir) == -1) {
		log_warnx("%s: uid %u: vault backup failed", p->chan.name,
		    p->uid);
		return cli_reply(p, q->reqid, VAULT_ERR_SYSTEM, "the backup "
		    "failed; see the service log");
	}
	log_info("%s: uid %u: vault backup to %s", p->chan.name, p->uid, dir);
	return cli_reply_json(p, q->reqid, json_pack("{s:s}", "dir", dir));
}

/*
 * The connectors the running service injects for (the master's map): the
 * CLI refuses a credential no connector would ever use, and takes the
 * kind of injection from here.
 */
static int
cli_connectors(struct vaultd *vd, struct proc_peer *p, struct cli_req *q)
{
	const struct connmap_entry	*e;
	json_t				*a, *o;
	size_t				 i;

	(void)p;
	if ((a = json_array()) == NULL)
		fatalx("%s: out of memory", __func__);
	for (i = 0; i < vd->connectors.n; i++) {
		e = &vd->connectors.entries[i];
		o = json_pack("{s:s, s:s}", "name", e->name, "kind",
		    vault_kind_name(e->inject));
		if (o != NULL && e->inject_name[0] != '\0')
			json_object_set_new(o, "param",
			    json_string(e->inject_name));
		json_array_append_new(a, o);
	}
	return cli_reply_json(p, q->reqid, a);
}

/* A shared vault, its creator its only member and owner. */
static int
cli_shared_create(struct vaultd *vd, struct proc_peer *p, struct cli_req *q)
{
	char	 id[VAULT_ID_LEN + 1];
	int	 rv;

	if (cli_limited(vd, p, q))
		return 0;
	rv = vault_shared_create_team(vd->vault, q->r.user, q->key->data,
	    q->r.name, q->r.param, id);
	cli_key_result(vd, p, q->r.user, rv);
	if (rv == VAULT_ERR_INVALID) {
		log_warnx("%s: uid %u: vault create for user %s: invalid "
		    "vault name", p->chan.name, p->uid, q->r.user);
		return cli_reply(p, q->reqid, rv, "invalid vault or team name "
		    "\"%s\": use 1 to %d letters, digits and ._-@+:",
		    vaultd_printable(q->r.name), VAULT_NAME_MAX);
	}
	if (rv != VAULT_OK)
		return cli_error(p, q, "vault create", rv);
	log_info("%s: uid %u: user %s created shared vault %s (%s%s%s)",
	    p->chan.name, p->uid, q->r.user, id, q->r.name,
	    q->r.param[0] != '\0' ? ", team " : "",
	    vaultd_printable(q->r.param));
	return cli_reply_json(p, q->reqid, json_pack("{s:s}", "vault_id",
	    id));
}

/*
 * Grant: both keys are proven against their users' personal vaults first
 * and count against their users' wrong-key limits, so a grant is no
 * faster an oracle for the member's master key than SESSION_KEY is; a
 * wrong member key is then named as the member's, not the granter's.
 */
static int
cli_grant(struct vaultd *vd, struct proc_peer *p, struct cli_req *q)
{
	struct vault_member_info	*ms;
	struct session			*s;
	size_t				 n;
	int				 rv, owner, found;

	if (q->r.role > VAULT_ROLE_OWNER) {
		log_warnx("%s: uid %u: vault grant by user %s in vault %s: "
		    "unknown role %u", p->chan.name, p->uid, q->r.user,
		    q->r.vault, q->r.role);
		return cli_reply(p, q->reqid, VAULT_ERR_INVALID, "unknown "
		    "role; use owner, contributor or reader");
	}
	if (cli_limited(vd, p, q) ||
	    cli_limited_user(vd, p, q->reqid, q->r.member))
		return 0;
	rv = vault_user_check(vd->vault, q->r.user, q->key->data);
	cli_key_result(vd, p, q->r.user, rv);
	if (rv != VAULT_OK)
		return cli_error(p, q, "vault grant", rv);
	/*
	 * Teams: the member's key from their live session, as a revoke
	 * takes the remaining members' keys: the granter never learns
	 * the member's master key.
	 */
	/* The role first: a contributor hears that, not about keys. */
	if ((rv = vault_member_list(vd->vault, q->r.user, q->r.vault, &ms,
	    &n)) != VAULT_OK)
		return cli_error(p, q, "vault grant", rv);
	cli_revoke_roles(ms, n, q->r.user, q->r.member, &owner, &found);
	free(ms);
	if (!owner || found)
		return cli_error(p, q, "vault grant", !owner ?
		    VAULT_ERR_DENIED : VAULT_ERR_MEMBER_EXISTS);
	if (q->r.flags & MSG_VAULT_F_MEMBER_SESSION) {
		if ((s = session_find_keyed_user(&vd->sessions,
		    q->r.member)) == NULL) {
			log_warnx("%s: uid %u: vault grant by user %s in vault "
			    "%s: member %s has no live session", p->chan.name,
			    p->uid, q->r.user, q->r.vault, q->r.member);
			return cli_reply(p, q->reqid, VAULT_ERR_NEED_KEY,
			    "%s has no live session: their key is needed to "
			    "wrap the vault key for them; grant while they "
			    "have one (aileron session start), or with "
			    "--member-key-fd", q->r.member);
		}
		crypto_secret_free(q->member_key);
		if ((q->member_key = crypto_secret_dup(s->ukey->data,
		    s->ukey->len)) == NULL)
			return cli_reply(p, q->reqid, VAULT_ERR_SYSTEM, "the "
			    "secure heap is full; end a session and try "
			    "again");
	}
	rv = vault_user_check(vd->vault, q->r.member, q->member_key->data);
	/*
	 * A wrong member key is the granter's, and counts against the
	 * granter: against the member, any owner of a vault could lock
	 * another user out of their own, grant after grant.  Only who may act
	 * as the member can make a candidate for it (KDF answers no one
	 * else), so this limit guards no search.
	 */
	cli_key_result(vd, p, rv == VAULT_ERR_WRONG_KEY ? q->r.user :
	    q->r.member, rv);
	if (rv == VAULT_ERR_WRONG_KEY || rv == VAULT_ERR_NO_USER) {
		log_warnx("%s: uid %u: vault grant by user %s in vault %s: "
		    "the key of member %s %s", p->chan.name, p->uid,
		    q->r.user, q->r.vault, q->r.member,
		    rv == VAULT_ERR_NO_USER ? "is of no vault user" :
		    "is wrong");
		if (rv == VAULT_ERR_NO_USER)
			return cli_reply(p, q->reqid, rv, "user %s has no "
			    "vault; they must run \"aileron vault init\" "
			    "first", q->r.member);
		return cli_reply(p, q->reqid, rv, "wrong master key for "
		    "user %s: the grant needs the new member's key",
		    q->r.member);
	}
	if (rv != VAULT_OK)
		return cli_error(p, q, "vault grant", rv);
	if ((rv = vault_grant(vd->vault, q->r.vault, q->r.user, q->key->data,
	    q->r.member, q->member_key->data, q->r.role)) != VAULT_OK)
		return cli_error(p, q, "vault grant", rv);
	n = session_vkey_drop_all(&vd->sessions, NULL, "grant");
	log_info("%s: uid %u: user %s granted %s the %s role in vault %s; "
	    "%zu cached vault keys dropped", p->chan.name, p->uid, q->r.user,
	    q->r.member, vault_role_name(q->r.role), q->r.vault, n);
	return cli_reply(p, q->reqid, 0, "{}");
}

/* Is the revoker an owner of the vault, and the member one of its members? */
static void
cli_revoke_roles(const struct vault_member_info *ms, size_t n,
    const char *user, const char *member, int *owner, int *found)
{
	size_t	 i;

	*owner = *found = 0;
	for (i = 0; i < n; i++) {
		if (strcmp(ms[i].user, member) == 0)
			*found = 1;
		if (strcmp(ms[i].user, user) == 0 &&
		    ms[i].role == VAULT_ROLE_OWNER)
			*owner = 1;
	}
}

/*
 * The user keys a revoke needs, of every member but the one revoked: the
 * revoker's from the request, each other's from a live session vaultd
 * holds for them.  Returns NULL, or the first member without a live
 * session.  *keysp is the caller's to free either way; its keys point
 * into ms and the sessions.
 */
static const char *
cli_revoke_keys(struct vaultd *vd, const struct cli_req *q,
    const struct vault_member_info *ms, size_t n,
    struct vault_member_key **keysp, size_t *nkp)
{
	struct vault_member_key	*keys;
	struct session		*s;
	size_t			 i, nk = 0;

	if ((keys = calloc(n, sizeof(*keys))) == NULL)
		fatal("%s", __func__);
	*keysp = keys;
	*nkp = 0;
	for (i = 0; i < n; i++) {
		if (strcmp(ms[i].user, q->r.member) == 0)
			continue;
		keys[nk].user = ms[i].user;
		if (strcmp(ms[i].user, q->r.user) == 0)
			keys[nk].ukey = q->key->data;
		else if ((s = session_find_keyed_user(&vd->sessions,
		    ms[i].user)) != NULL)
			keys[nk].ukey = s->ukey->data;
		else
			return ms[i].user;
		nk++;
	}
	*nkp = nk;
	return NULL;
}

/* The revoked member's live sessions lose the vault now: say so. */
static void
cli_revoke_report_sessions(struct vaultd *vd, struct proc_peer *p,
    const char *member)
{
	struct session		*s;
	struct session_vkey	*k;
	size_t			 nv;

	TAILQ_FOREACH(s, &vd->sessions.list, entry) {
		if (strcmp(s->user, member) != 0)
			continue;
		nv = 0;
		TAILQ_FOREACH(k, &s->vkeys, entry)
			nv++;
		log_info("%s: session %s of revoked member %s: %zu cached "
		    "vault keys dropped", p->chan.name, s->id, s->user, nv);
	}
}

/*
 * Revoke: the revoker's key comes with the request, every other remaining
 * member's from a live session vaultd holds for them.  Without one there
 * is no way to wrap the new vault key for that member, so the revoke is
 * refused, naming them, before anything changes.  Afterwards every
 * cached vault key goes: the revoked member's live sessions lose the
 * vault at once, the others unwrap the new generation on their next use.
 */
static int
cli_revoke(struct vaultd *vd, struct proc_peer *p, struct cli_req *q)
{
	struct vault_member_info	*ms = NULL;
	struct vault_member_key		*keys = NULL;
	const char			*absent;
	size_t				 n, nk = 0, dropped;
	int				 rv, found, owner;

	if (cli_limited(vd, p, q))
		return 0;
	rv = vault_user_check(vd->vault, q->r.user, q->key->data);
	cli_key_result(vd, p, q->r.user, rv);
	if (rv != VAULT_OK)
		return cli_error(p, q, "vault revoke", rv);
	if (strcmp(q->r.user, q->r.member) == 0) {
		log_warnx("%s: uid %u: user %s may not revoke themselves from "
		    "vault %s", p->chan.name, p->uid, q->r.user, q->r.vault);
		return cli_reply(p, q->reqid, VAULT_ERR_INVALID, "user %s "
		    "cannot revoke themselves; another owner must",
		    q->r.user);
	}
	if ((rv = vault_member_list(vd->vault, q->r.user, q->r.vault, &ms,
	    &n)) != VAULT_OK)
		return cli_error(p, q, "vault revoke", rv);
	cli_revoke_roles(ms, n, q->r.user, q->r.member, &owner, &found);
	if (!owner) {
		rv = cli_error(p, q, "vault revoke", VAULT_ERR_DENIED);
		goto done;
	}
	if (!found) {
		log_warnx("%s: uid %u: vault revoke by user %s: %s is not a "
		    "member of vault %s", p->chan.name, p->uid, q->r.user,
		    q->r.member, q->r.vault);
		rv = cli_reply(p, q->reqid, VAULT_ERR_NOT_MEMBER, "user %s "
		    "is not a member of vault %s", q->r.member, q->r.vault);
		goto done;
	}
	if ((absent = cli_revoke_keys(vd, q, ms, n, &keys, &nk)) != NULL) {
		log_warnx("%s: uid %u: vault revoke of %s from vault %s by "
		    "user %s refused: member %s has no live session",
		    p->chan.name, p->uid, q->r.member, q->r.vault, q->r.user,
		    absent);
		rv = cli_reply(p, q->reqid, VAULT_ERR_NEED_KEY, "%s has no "
		    "live session: their key is needed to re-wrap the vault "
		    "key; revoke when every remaining member is signed in",
		    absent);
		goto done;
	}
	/* The revoker's key opened; a wrong key now is a session's. */
	if ((rv = vault_revoke(vd->vault, q->r.vault, q->r.user, q->r.member,
	    keys, nk)) == VAULT_ERR_WRONG_KEY) {
		log_warnx("%s: uid %u: vault revoke of %s from vault %s: a "
		    "session's key does not open its member's wrap",
		    p->chan.name, p->uid, q->r.member, q->r.vault);
		rv = cli_reply(p, q->reqid, rv, "the key of a remaining "
		    "member's live session does not open the vault; end that "
		    "session, sign in again and revoke once more");
		goto done;
	}
	if (rv != VAULT_OK) {
		rv = cli_error(p, q, "vault revoke", rv);
		goto done;
	}
	cli_revoke_report_sessions(vd, p, q->r.member);
	dropped = session_vkey_drop_all(&vd->sessions, NULL, "revoke");
	log_info("%s: uid %u: user %s revoked %s from vault %s; %zu cached "
	    "vault keys dropped", p->chan.name, p->uid, q->r.user,
	    q->r.member, q->r.vault, dropped);
	rv = cli_reply(p, q->reqid, 0, "{}");
 done:
	/* keys points into ms and the sessions: nothing of its own. */
	free(keys);
	free(ms);
	return rv;
}

/* Teams: the vaults a user is a member of, personal first. */
static int
cli_vaults(struct vaultd *vd, struct proc_peer *p, struct cli_req *q)
{
	struct vault_info	*list;
	json_t			*a, *o;
	size_t			 i, n;
	int			 rv;

	if ((rv = vault_list(vd->vault, q->r.user, &list, &n)) != VAULT_OK)
		return cli_error(p, q, "vault list", rv);
	if ((a = json_array()) == NULL)
		fatalx("%s: out of memory", __func__);
	for (i = 0; i < n; i++) {
		o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I}",
		    "id", list[i].id, "name", list[i].name, "type",
		    list[i].personal ? "personal" : "shared", "team",
		    list[i].team, "role", vault_role_name(list[i].role),
		    "members", (json_int_t)list[i].members, "generation",
		    (json_int_t)list[i].generation, "created",
		    (json_int_t)list[i].created);
		json_array_append_new(a, o);
	}
	free(list);
	log_info("%s: uid %u: vault list for user %s (%zu vault%s)",
	    p->chan.name, p->uid, q->r.user, n, PLURAL(n));
	return cli_reply_json(p, q->reqid, a);
}

/* Teams: a vault's members and their roles, for one of its members. */
static int
cli_members(struct vaultd *vd, struct proc_peer *p, struct cli_req *q)
{
	struct vault_member_info	*ms;
	json_t				*a;
	size_t				 i, n;
	int				 rv;

	if (q->r.vault[0] == '\0')
		return cli_reply(p, q->reqid, VAULT_ERR_INVALID, "name a "
		    "vault");
	if ((rv = vault_member_list(vd->vault, q->r.user, q->r.vault, &ms,
	    &n)) != VAULT_OK)
		return cli_error(p, q, "vault members", rv);
	if ((a = json_array()) == NULL)
		fatalx("%s: out of memory", __func__);
	for (i = 0; i < n; i++)
		json_array_append_new(a, json_pack("{s:s, s:s}", "user",
		    ms[i].user, "role", vault_role_name(ms[i].role)));
	free(ms);
	log_info("%s: uid %u: vault members of %s for user %s",
	    p->chan.name, p->uid, q->r.vault, q->r.user);
	return cli_reply_json(p, q->reqid, a);
}

/* The operations on vault.sock: what each request carries, its handler. */
static const struct cli_op {
	uint32_t	 op;
	int		 key;		/* the user key */
	int		 value;		/* a credential value follows */
	int		 vault;		/* may name a shared vault */
	int		 member;	/* names a vault and a member */
	int		(*fn)(struct vaultd *, struct proc_peer *,
			    struct cli_req *);
} cli_ops[] = {
	/* op				key value vault member handler */
	{ MSG_VAULT_OP_KDF,		0, 0, 0, 0, cli_kdf },
	{ MSG_VAULT_OP_INIT,		1, 0, 0, 0, cli_init },
	{ MSG_VAULT_OP_SESSION_KEY,	1, 0, 0, 0, cli_session_key },
	{ MSG_VAULT_OP_ADD,		1, 1, 1, 0, cli_add },
	{ MSG_VAULT_OP_ROTATE,		1, 1, 1, 0, cli_rotate_remove },
	{ MSG_VAULT_OP_REMOVE,		1, 0, 1, 0, cli_rotate_remove },
	{ MSG_VAULT_OP_LIST,		0, 0, 1, 0, cli_list },
	{ MSG_VAULT_OP_PASSWD,		1, 0, 0, 0, cli_passwd },
	{ MSG_VAULT_OP_BACKUP,		0, 0, 0, 0, cli_backup },
	{ MSG_VAULT_OP_SHARED_CREATE,	1, 0, 0, 0, cli_shared_create },
	{ MSG_VAULT_OP_GRANT,		1, 0, 1, 1, cli_grant },
	{ MSG_VAULT_OP_REVOKE,		1, 0, 1, 1, cli_revoke },
	{ MSG_VAULT_OP_CONNECTORS,	0, 0, 0, 0, cli_connectors },
	{ MSG_VAULT_OP_VAULTS,		0, 0, 0, 0, cli_vaults },
	{ MSG_VAULT_OP_MEMBERS,		0, 0, 1, 0, cli_members },
};

/*
 * Read a request field by field into q->r; the value, if any, is what
 * follows.  Returns the operation, or NULL when the request is out of
 * bounds or carries what its operation may not.
 */
static const struct cli_op *
cli_request_read(struct msg *msg, struct cli_req *q, const uint8_t **value,
    size_t *vlen)
{
	struct msg_vault_request	*r = &q->r;
	struct msg_reader		 rd;
	const struct cli_op		*op = NULL;
	size_t				 i;

	msg_reader_init(&rd, msg);
	msg_get_u64(&rd, &r->kdf_n);
	msg_get_u32(&rd, &r->op);
	msg_get_u32(&rd, &r->flags);
	msg_get_u32(&rd, &r->kind);
	msg_get_u32(&rd, &r->kdf_r);
	msg_get_u32(&rd, &r->kdf_p);
	msg_get_u32(&rd, &r->zero);
	msg_get_data(&rd, r->kdf_salt, sizeof(r->kdf_salt));
	msg_get_data(&rd, r->key, sizeof(r->key));
	msg_get_data(&rd, r->new_key, sizeof(r->new_key));
	msg_get_str(&rd, r->user, sizeof(r->user));
	msg_get_str(&rd, r->session, sizeof(r->session));
	msg_get_str(&rd, r->name, sizeof(r->name));
	msg_get_str(&rd, r->connector, sizeof(r->connector));
	msg_get_str(&rd, r->param, sizeof(r->param));
	msg_get_data(&rd, r->member_key, sizeof(r->member_key));
	msg_get_u32(&rd, &r->role);
	msg_get_str(&rd, r->vault, sizeof(r->vault));
	msg_get_str(&rd, r->member, sizeof(r->member));
	*value = msg_get_rest(&rd, vlen);
	if (msg_get_end(&rd) == -1 || r->zero != 0)
		return NULL;
	for (i = 0; i < sizeof(cli_ops) / sizeof(cli_ops[0]); i++)
		if (cli_ops[i].op == r->op)
			op = &cli_ops[i];
	if (op == NULL ||
	    (!op->vault && r->vault[0] != '\0') ||
	    (op->member ? r->vault[0] == '\0' || r->member[0] == '\0' :
	    r->member[0] != '\0') ||
	    (r->op != MSG_VAULT_OP_GRANT && r->role != 0) ||
	    (op->value ? *vlen == 0 : *vlen != 0))
		return NULL;
	return op;
}

/* Names that are logged and echoed in replies are checked before use. */
static int
cli_request_names(struct proc_peer *p, struct cli_req *q)
{
	if (q->r.op != MSG_VAULT_OP_BACKUP &&
	    q->r.op != MSG_VAULT_OP_CONNECTORS &&
	    !vault_valid_user(q->r.user)) {
		log_warnx("%s: uid %u: request for an invalid user name",
		    p->chan.name, p->uid);
		return cli_reply(p, q->reqid, VAULT_ERR_INVALID, "invalid user "
		    "name \"%s\"", vaultd_printable(q->r.user)) == -1 ? -1 : 1;
	}
	if (q->r.vault[0] != '\0' && !vault_valid_id(q->r.vault)) {
		log_warnx("%s: uid %u: request for an invalid vault id",
		    p->chan.name, p->uid);
		return cli_reply(p, q->reqid, VAULT_ERR_INVALID, "invalid vault "
		    "id \"%s\": 32 lower-case hex digits",
		    vaultd_printable(q->r.vault)) == -1 ? -1 : 1;
	}
	if (q->r.member[0] != '\0' && !vault_valid_user(q->r.member)) {
		log_warnx("%s: uid %u: request for an invalid member name",
		    p->chan.name, p->uid);
		return cli_reply(p, q->reqid, VAULT_ERR_INVALID, "invalid user "
		    "name \"%s\"", vaultd_printable(q->r.member)) == -1 ? -1 : 1;
	}
	return 0;
}

/* The administrator: the service's owner, or root. */
int
vaultd_admin(const struct vaultd *vd, uint32_t uid)
{
	return uid == 0 || uid == vd->conf.owner_uid;
}

/* The aileron user control says uid is, or NULL. */
const char *
vaultd_user_of(const struct vaultd *vd, uint32_t uid)
{
	size_t	 i;

	for (i = 0; i < vd->nuids; i++)
		if (vd->uids[i].uid == uid)
			return vd->uids[i].user;
	return NULL;
}

/*
 * Anyone but the administrator acts as their own user only, and does
 * not back up the whole vault.  The key each operation needs is checked
 * as well: this only keeps one user from trying another's.
 */
static int
cli_request_who(struct vaultd *vd, struct proc_peer *p, struct cli_req *q)
{
	const char	*me;

	if (vaultd_admin(vd, p->uid))
		return 0;
	me = vaultd_user_of(vd, p->uid);
	if (q->r.op == MSG_VAULT_OP_BACKUP) {
		log_warnx("%s: uid %u: backup refused: not the administrator",
		    p->chan.name, p->uid);
		return cli_reply(p, q->reqid, VAULT_ERR_DENIED, "only the "
		    "service's administrator backs up the vault") == -1 ?
		    -1 : 1;
	}
	if (q->r.op == MSG_VAULT_OP_CONNECTORS)
		return 0;
	if (me == NULL || strcmp(me, q->r.user) != 0) {
		log_warnx("%s: uid %u: refused as user %s: it is %s",
		    p->chan.name, p->uid, vaultd_printable(q->r.user),
		    me != NULL ? me : "nobody");
		return cli_reply(p, q->reqid, VAULT_ERR_DENIED, "uid %u is "
		    "aileron user %s, and may act only as %s", p->uid,
		    me != NULL ? me : "nobody", me != NULL ? me : "nobody") ==
		    -1 ? -1 : 1;
	}
	return 0;
}

/*
 * One request.  Bounds first (malformed: -1, the caller closes the
 * connection), then the secrets move to the secure heap and the frame is
 * zeroed, then the operation.
 */
int
vaultd_cli_request(struct vaultd *vd, struct proc_peer *p, struct msg *msg)
{
	const struct cli_op	*op;
	struct cli_req		 q;
	const uint8_t		*value;
	size_t			 vlen;
	int			 rv = -1;

	memset(&q, 0, sizeof(q));
	q.reqid = msg->hdr.reqid;
	if ((op = cli_request_read(msg, &q, &value, &vlen)) == NULL) {
		log_warnx("%s: uid %u: malformed request; closing the "
		    "connection", p->chan.name, p->uid);
		goto done;
	}
	if (op->key && (q.key = crypto_secret_dup(q.r.key,
	    sizeof(q.r.key))) == NULL)
		goto full;
	if (q.r.op == MSG_VAULT_OP_PASSWD && (q.new_key = crypto_secret_dup(
	    q.r.new_key, sizeof(q.r.new_key))) == NULL)
		goto full;
	if (q.r.op == MSG_VAULT_OP_GRANT && (q.member_key = crypto_secret_dup(
	    q.r.member_key, sizeof(q.r.member_key))) == NULL)
		goto full;
	if (op->value && (q.value = crypto_secret_dup(value, vlen)) == NULL)
		goto full;
	explicit_bzero(q.r.key, sizeof(q.r.key));
	explicit_bzero(q.r.new_key, sizeof(q.r.new_key));
	explicit_bzero(q.r.member_key, sizeof(q.r.member_key));
	explicit_bzero((void *)msg->data, msg->len);

	if ((rv = cli_request_names(p, &q)) == 0 &&
	    (rv = cli_request_who(vd, p, &q)) == 0)
		rv = op->fn(vd, p, &q);
	rv = rv == -1 ? -1 : 0;
	goto done;
 full:
	log_warnx("%s: the secure heap is full", p->chan.name);
	rv = cli_reply(p, q.reqid, VAULT_ERR_SYSTEM, "the secure heap is "
	    "full; end a session and try again") == -1 ? -1 : 0;
 done:
	explicit_bzero((void *)msg->data, msg->len);
	crypto_secret_free(q.key);
	crypto_secret_free(q.new_key);
	crypto_secret_free(q.member_key);
	crypto_secret_free(q.value);
	explicit_bzero(&q, sizeof(q));
	return rv;
}
