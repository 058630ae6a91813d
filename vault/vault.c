/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* vault.c: the vault operations: users, vaults, members, credentials. */

/*
 * The operations.  What they read and write are the records of record.c,
 * which describes their layout and why they can be trusted.
 *
 * Every public function runs in one transaction and either commits all of
 * its changes or aborts them all: a failed operation leaves the store
 * byte for byte as it was.
 *
 * Plaintext values and keys exist only in crypto_secret buffers (secure
 * heap) and are freed, which zeroes them, on every path.  Logs name the
 * user, the operation, the credential's name and connector, never a value.
 */

#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "log.h"
#include "crypto.h"
#include "store.h"
#include "vault.h"
#include "record.h"

#define NITEMS(a)		(sizeof(a) / sizeof((a)[0]))
#define VAULT_NAME_CHARS	"._-@+:"	/* besides letters, digits */
#define VAULT_CONNECTOR_CHARS	"._-"
#define VAULT_PARAM_CHARS	"!#$%&'*+-.^_`|~"	/* an HTTP token */

struct vault {
	struct store		*st;
	struct vault_choices	 choices;	/* connector-vault lines */
	struct record_conflict	 conflict;	/* the last AMBIGUOUS */
};

static const char *vault_errors[VAULT_ERR_MAX] = {
	[VAULT_OK] = "success",
	[VAULT_ERR_SYSTEM] = "vault store failure; see the service log",
	[VAULT_ERR_INVALID] = "invalid name, kind or value",
	[VAULT_ERR_WRONG_KEY] = "wrong master key",
	[VAULT_ERR_NO_USER] = "no such vault user; run aileron vault init",
	[VAULT_ERR_USER_EXISTS] = "the vault user already exists",
	[VAULT_ERR_NO_VAULT] = "no such vault",
	[VAULT_ERR_NO_CREDENTIAL] = "no such credential",
	[VAULT_ERR_EXISTS] = "a credential for this connector or with this "
	    "name already exists; use --replace",
	[VAULT_ERR_CORRUPT] = "a vault record is damaged or was tampered "
	    "with; restore from a backup",
	[VAULT_ERR_KDF] = "key derivation parameters out of bounds",
	[VAULT_ERR_DENIED] = "your role in this vault does not allow that",
	[VAULT_ERR_MEMBER_EXISTS] = "already a member of this vault",
	[VAULT_ERR_NOT_MEMBER] = "not a member of this vault",
	[VAULT_ERR_NEED_KEY] = "the key of a remaining member is needed",
	[VAULT_ERR_STALE_KEY] = "the vault key changed; open it again",
	[VAULT_ERR_AMBIGUOUS] = "several shared vaults hold a credential "
	    "for this connector; aileron.conf must say which",
	[VAULT_ERR_NAME_TAKEN] = "a shared vault with this name exists",
};

static const char *const vault_kinds[] = {
	"bearer", "basic", "header", "query"
};
static const char *const vault_roles[] = { "reader", "contributor", "owner" };

static const char *vault_table_name(const char *const *, size_t,
		    unsigned int);
static int	vault_table_index(const char *const *, size_t, const char *);
static int	vault_valid_value(enum inject_kind, const unsigned char *,
		    size_t);
static int	vault_new_id(char *);
static int	vault_migrate(struct vault *);
static int	vault_migrate_vault(struct store_txn *, const char *,
		    size_t *);
static int	vault_migrate_ids(struct store_txn *, char **, size_t *);
static int	vault_cred_replace_existing(struct store_txn *, const char *,
		    const char *, const char *, const char *, int, int *);
static int	vault_cred_change_begin(struct store_txn *, const char *,
		    const unsigned char *, const char *, const char *,
		    struct vault_meta *, struct crypto_secret **,
		    struct vault_credential_info *);
static const unsigned char *vault_member_key_find(
		    const struct vault_member_key *, size_t, const char *);
static int	vault_revoke_check_keys(struct store_txn *,
		    const struct vault_meta *, const struct vault_members *,
		    const char *, const struct vault_member_key *, size_t,
		    struct vault_members *);
static int	vault_revoke_reseal(struct store_txn *,
		    const struct vault_meta *, const struct crypto_secret *,
		    const struct crypto_secret *, size_t *);
static int	vault_revoke_rewrap(struct store_txn *,
		    const struct vault_meta *, const struct vault_members *,
		    const char *, const struct vault_member_key *, size_t,
		    const struct crypto_secret *);

struct vault *
vault_open(const char *dir)
{
	struct vault	*v;

	if ((v = calloc(1, sizeof(*v))) == NULL) {
		log_warn("%s", __func__);
		return NULL;
	}
	if ((v->st = store_open(dir)) == NULL) {
		free(v);
		return NULL;
	}
	if (vault_migrate(v) != VAULT_OK) {
		store_close(v->st);
		free(v);
		return NULL;
	}
	return v;
}

/*
 * One vault of a store being migrated: index its members (those with a
 * wrap, as membership always was) and its credentials' connectors, and
 * write each credential's seal version into its metadata: 0, what 0.1
 * sealed, whose associated data has no version.  From now on a
 * credential's metadata without a version is damaged, so it cannot be
 * taken back to the old layout by deleting the field.
 */
static int
vault_migrate_vault(struct store_txn *txn, const char *id, size_t *ncred)
{
	struct vault_credential_info	*list = NULL;
	struct vault_members		 ms;
	struct vault_meta		 m;
	unsigned char			*val;
	char				 key[STORE_KEY_MAX];
	size_t				 i, j, n = 0, len;
	int				 rv, r;

	if ((rv = record_meta_read(txn, id, &m)) != VAULT_OK ||
	    (rv = record_members_read(txn, id, &ms)) != VAULT_OK)
		return rv;
	for (i = 0; i < ms.n; i++) {
		snprintf(key, sizeof(key), KEY_WRAP, id, ms.m[i].user);
		if ((r = store_get(txn, key, &val, &len)) == STORE_NOTFOUND)
			continue;
		if (r == -1)
			return VAULT_ERR_SYSTEM;
		free(val);
		if ((rv = record_index_member(txn, ms.m[i].user, id,
		    m.personal)) != VAULT_OK)
			return rv;
	}
	if ((rv = record_cred_list(txn, id, 1, &list, &n)) != VAULT_OK)
		return rv;
	for (i = 0; i < n && rv == VAULT_OK; i++) {
		if ((rv = record_cred_meta_write(txn, &list[i])) != VAULT_OK)
			break;
		/* Two for one connector or name: the first, as 0.1 found. */
		for (j = 0; j < 2; j++) {
			if (j == 0)
				snprintf(key, sizeof(key), KEY_CONN, id,
				    list[i].connector);
			else
				snprintf(key, sizeof(key), KEY_NAME, id,
				    list[i].name);
			if ((r = store_get(txn, key, &val, &len)) == 0)
				free(val);
			else if (r == -1 || store_put(txn, key, list[i].id,
			    strlen(list[i].id)) == -1) {
				rv = VAULT_ERR_SYSTEM;
				break;
			}
		}
	}
	free(list);
	*ncred += n;
	return rv;
}

/*
 * Every vault id in the store, VAULT_ID_LEN + 1 bytes each: the first
 * key of each vault, then a seek past its prefix.
 */
static int
vault_migrate_ids(struct store_txn *txn, char **idsp, size_t *np)
{
	struct store_cursor	*c;
	const unsigned char	*cval;
	const char		*key;
	char			*ids = NULL, *nids, skey[STORE_KEY_MAX];
	size_t			 n = 0, len;
	int			 rv = VAULT_ERR_SYSTEM, r;

	*idsp = NULL;
	*np = 0;
	if ((c = store_cursor_open(txn, "vaults/")) == NULL)
		return VAULT_ERR_SYSTEM;
	while ((r = store_cursor_next(c, &key, &cval, &len)) == 0) {
		key += strlen("vaults/");
		if (strlen(key) <= VAULT_ID_LEN || key[VAULT_ID_LEN] != '/') {
			log_warnx("vault: stray key vaults/%s", key);
			r = -1;
			rv = VAULT_ERR_CORRUPT;
			break;
		}
		if ((nids = reallocarray(ids, n + 1, VAULT_ID_LEN + 1)) ==
		    NULL) {
			r = -1;
			break;
		}
		ids = nids;
		memcpy(ids + n * (VAULT_ID_LEN + 1), key, VAULT_ID_LEN);
		ids[n * (VAULT_ID_LEN + 1) + VAULT_ID_LEN] = '\0';
		snprintf(skey, sizeof(skey), "vaults/%s0",
		    ids + n * (VAULT_ID_LEN + 1));
		n++;
		if (store_cursor_seek(c, skey) == -1) {
			r = -1;
			break;
		}
	}
	store_cursor_close(c);
	if (r == -1) {
		free(ids);
		return rv;
	}
	*idsp = ids;
	*np = n;
	return VAULT_OK;
}

/*
 * Bring a store written by aileron 0.1 to VAULT_STORE_FORMAT at open, in
 * one transaction: the indexes and every credential's seal version, then
 * store.json.  No key is needed (nothing is re-sealed), so vaultd does
 * it before any user has signed in; a crash leaves the old store, and
 * the next open starts again.  A store of a newer format is refused.
 */
static int
vault_migrate(struct vault *v)
{
	struct store_txn	*txn;
	json_error_t		 jerr;
	json_t			*o;
	char			*ids = NULL, skey[STORE_KEY_MAX];
	unsigned char		*val;
	size_t			 i, n = 0, ncred = 0, len;
	json_int_t		 fmt;
	int			 rv = VAULT_ERR_SYSTEM, r;

	if ((txn = store_begin(v->st)) == NULL)
		return VAULT_ERR_SYSTEM;
	if ((r = store_get(txn, KEY_FORMAT, &val, &len)) == 0) {
		o = json_loadb((char *)val, len, 0, &jerr);
		free(val);
		fmt = json_integer_value(json_object_get(o, "format"));
		json_decref(o);
		store_abort(txn);
		if (fmt == VAULT_STORE_FORMAT)
			return VAULT_OK;
		log_warnx("the vault store is of format %lld, which this "
		    "aileron (format %d) cannot read; use the aileron that "
		    "wrote it", (long long)fmt, VAULT_STORE_FORMAT);
		return VAULT_ERR_CORRUPT;
	}
	if (r == -1)
		goto done;

	if ((rv = vault_migrate_ids(txn, &ids, &n)) != VAULT_OK)
		goto done;
	for (i = 0; i < n && rv == VAULT_OK; i++)
		if (vault_valid_id(ids + i * (VAULT_ID_LEN + 1)))
			rv = vault_migrate_vault(txn,
			    ids + i * (VAULT_ID_LEN + 1), &ncred);
	if (rv != VAULT_OK)
		goto done;
	snprintf(skey, sizeof(skey), "{\"format\":%d}", VAULT_STORE_FORMAT);
	if (store_put(txn, KEY_FORMAT, skey, strlen(skey)) == -1)
		rv = VAULT_ERR_SYSTEM;
 done:
	free(ids);
	if ((rv = record_finish(txn, rv)) != VAULT_OK) {
		log_warnx("the vault store could not be brought to format %d: "
		    "%s", VAULT_STORE_FORMAT, vault_strerror(rv));
		return rv;
	}
	if (n > 0)
		log_info("vault store migrated to format %d in one "
		    "transaction: %zu vault%s, %zu credential%s indexed and "
		    "versioned", VAULT_STORE_FORMAT, n, PLURAL(n), ncred,
		    PLURAL(ncred));
	return VAULT_OK;
}

void
vault_close(struct vault *v)
{
	if (v == NULL)
		return;
	store_close(v->st);
	free(v);
}

/* For backups, checkpoints and tests that read the raw records. */
struct store *
vault_store(struct vault *v)
{
	return v->st;
}

const char *
vault_strerror(int e)
{
	if (e < 0 || e >= VAULT_ERR_MAX || vault_errors[e] == NULL)
		return "unknown vault error";
	return vault_errors[e];
}

/* Kinds and roles are small tables of names, indexed by their enum. */
static const char *
vault_table_name(const char *const *names, size_t n, unsigned int i)
{
	return i < n ? names[i] : "unknown";
}

static int
vault_table_index(const char *const *names, size_t n, const char *s)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (strcmp(s, names[i]) == 0)
			return (int)i;
	return -1;
}

const char *
vault_kind_name(enum inject_kind k)
{
	return vault_table_name(vault_kinds, NITEMS(vault_kinds), k);
}

int
vault_kind_parse(const char *s, enum inject_kind *k)
{
	int	 i;

	if ((i = vault_table_index(vault_kinds, NITEMS(vault_kinds),
	    s)) == -1)
		return -1;
	*k = (enum inject_kind)i;
	return 0;
}

const char *
vault_role_name(enum vault_role r)
{
	return vault_table_name(vault_roles, NITEMS(vault_roles), r);
}

int
vault_role_parse(const char *s, enum vault_role *r)
{
	int	 i;

	if ((i = vault_table_index(vault_roles, NITEMS(vault_roles),
	    s)) == -1)
		return -1;
	*r = (enum vault_role)i;
	return 0;
}

/* 1..max characters, each alphanumeric or in extra. */
int
vault_valid_chars(const char *s, size_t max, const char *extra)
{
	size_t	 n;

	if (s == NULL || (n = strlen(s)) == 0 || n > max)
		return 0;
	for (; *s != '\0'; s++) {
		if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9'))
			continue;
		if (strchr(extra, *s) == NULL)
			return 0;
	}
	return 1;
}

/*
 * Login names; never "." or "..", never a '/'.  vaultd checks a CLI
 * peer's user name with this too, since it keys the wrong-key limit.
 */
int
vault_valid_user(const char *s)
{
	if (!vault_valid_chars(s, VAULT_USER_MAX, "._-"))
		return 0;
	return strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}

/*
 * A credential's name, a connector's, a header or query parameter's: the
 * rules vault_credential_add applies, for the CLI to refuse early.
 */
int
vault_valid_name(const char *s)
{
	return vault_valid_chars(s, VAULT_NAME_MAX, VAULT_NAME_CHARS);
}

int
vault_valid_connector(const char *s)
{
	return vault_valid_chars(s, VAULT_CONNECTOR_MAX, VAULT_CONNECTOR_CHARS);
}

int
vault_valid_param(const char *s)
{
	return vault_valid_chars(s, VAULT_PARAM_MAX, VAULT_PARAM_CHARS);
}

/* A vault or credential id: VAULT_ID_LEN lower-case hex digits. */
int
vault_valid_id(const char *s)
{
	size_t	 i;

	if (s == NULL || strlen(s) != VAULT_ID_LEN)
		return 0;
	for (i = 0; i < VAULT_ID_LEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

/*
 * A value goes into a header line or a query string: no CR, LF or NUL
 * (header injection), nothing else unprintable.  Basic needs user:password
 * with a non-empty user.
 */
static int
vault_valid_value(enum inject_kind kind, const unsigned char *v, size_t len)
{
	size_t	 i;

	if (len == 0 || len > VAULT_VALUE_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (v[i] < 0x20 || v[i] == 0x7f)
			return 0;
	if (kind == INJECT_BASIC &&
	    (v[0] == ':' || memchr(v, ':', len) == NULL))
		return 0;
	return 1;
}

/* 128 random bits in lower-case hex: vault and credential ids. */
static int
vault_new_id(char *id)
{
	unsigned char	 b[VAULT_ID_LEN / 2];
	size_t		 i;

	if (crypto_random(b, sizeof(b)) == -1)
		return -1;
	for (i = 0; i < sizeof(b); i++)
		snprintf(id + i * 2, 3, "%02x", b[i]);
	return 0;
}

/* Fresh KDF parameters for a new user or a passwd: defaults, new salt. */
int
vault_kdf_new(struct vault_kdf *kdf)
{
	kdf->N = CRYPTO_KDF_N_DEFAULT;
	kdf->r = CRYPTO_KDF_R_DEFAULT;
	kdf->p = CRYPTO_KDF_P_DEFAULT;
	return crypto_random(kdf->salt, sizeof(kdf->salt)) == 0 ? VAULT_OK :
	    VAULT_ERR_SYSTEM;
}

/* The public KDF parameters the CLI needs to derive a user's key. */
int
vault_user_kdf(struct vault *v, const char *user, struct vault_kdf *kdf)
{
	struct store_txn	*txn;
	int			 rv;

	if (!vault_valid_user(user))
		return VAULT_ERR_INVALID;
	if ((txn = store_begin(v->st)) == NULL)
		return VAULT_ERR_SYSTEM;
	rv = record_kdf_read(txn, user, kdf);
	store_abort(txn);
	return rv;
}

/*
 * Create a user: kdf.json and a personal vault with a fresh vault key at
 * generation 1, wrapped under the user key.  A second init is refused,
 * since it would orphan everything sealed under the first key.
 */
int
vault_user_init(struct vault *v, const char *user,
    const struct vault_kdf *kdf, const unsigned char *ukey)
{
	struct store_txn	*txn;
	struct crypto_secret	*vkey = NULL;
	struct vault_meta	 m;
	struct vault_members	 ms;
	struct vault_kdf	 old;
	const char		*why;
	int			 rv;

	if (!vault_valid_user(user))
		return VAULT_ERR_INVALID;
	if ((why = crypto_kdf_check(kdf->N, kdf->r, kdf->p)) != NULL) {
		log_warnx("vault: init %s refused: %s", user, why);
		return VAULT_ERR_KDF;
	}
	if ((txn = store_begin(v->st)) == NULL)
		return VAULT_ERR_SYSTEM;
	rv = record_kdf_read(txn, user, &old);
	if (rv != VAULT_ERR_NO_USER) {
		if (rv == VAULT_OK || rv == VAULT_ERR_KDF ||
		    rv == VAULT_ERR_CORRUPT) {
			log_warnx("vault: init %s refused: the user exists",
			    user);
			rv = VAULT_ERR_USER_EXISTS;
		}
		goto done;
	}

	memset(&m, 0, sizeof(m));
	if (vault_new_id(m.id) == -1 ||
	    (vkey = crypto_key_new()) == NULL) {
		rv = VAULT_ERR_SYSTEM;
		goto done;
	}
	m.personal = 1;
	strlcpy(m.name, "personal", sizeof(m.name));
	m.generation = 1;
	m.created = time(NULL);
	memset(&ms, 0, sizeof(ms));
	strlcpy(ms.m[0].user, user, sizeof(ms.m[0].user));
	ms.m[0].role = VAULT_ROLE_OWNER;
	ms.n = 1;
	if ((rv = record_kdf_write(txn, user, kdf)) != VAULT_OK ||
	    (rv = record_meta_write(txn, &m)) != VAULT_OK ||
	    (rv = record_members_write(txn, m.id, &ms)) != VAULT_OK ||
	    (rv = record_wrap_write(txn, m.id, user, ukey, m.generation,
	    vkey)) != VAULT_OK ||
	    (rv = record_index_member(txn, user, m.id, 1)) != VAULT_OK)
		goto done;
 done:
	crypto_secret_free(vkey);
	if ((rv = record_finish(txn, rv)) == VAULT_OK)
		log_info("vault: user %s initialized, personal vault %s",
		    user, m.id);
	return rv;
}

/* Does this user key open the user's personal vault? */
int
vault_user_check(struct vault *v, const char *user, const unsigned char *ukey)
{
	struct store_txn	*txn;
	int			 rv;

	if (!vault_valid_user(user))
		return VAULT_ERR_INVALID;
	if ((txn = store_begin(v->st)) == NULL)
		return VAULT_ERR_SYSTEM;
	rv = record_check_personal(txn, user, ukey);
	store_abort(txn);
	return rv;
}

int
vault_user_personal(struct vault *v, const char *user,
    char vault_id[VAULT_ID_LEN + 1])
{
	struct store_txn	*txn;
	struct vault_meta	 m;
	enum vault_role		 role;
	int			 rv;

	if (!vault_valid_user(user))
		return VAULT_ERR_INVALID;
	if ((txn = store_begin(v->st)) == NULL)
		return VAULT_ERR_SYSTEM;
	if ((rv = record_resolve(txn, user, NULL, &m, &role)) == VAULT_OK)
		strlcpy(vault_id, m.id, VAULT_ID_LEN + 1);
	store_abort(txn);
	return rv;
}

/*
 * Change the master key: every wrap the user holds is opened with the old
 * user key and sealed again under the new one, and kdf.json gets the new
 * salt and parameters, in one transaction.  Credentials are untouched:
 * they are sealed under vault keys, which do not change.
 */
int
vault_user_passwd(struct vault *v, const char *user,
    const unsigned char *old_ukey, const struct vault_kdf *new_kdf,
    const unsigned char *new_ukey)
{
	struct store_txn	*txn;
	struct crypto_secret	*vkey;
	struct vault_ref	*refs = NULL;
	struct vault_meta	 m;
	struct vault_kdf	 kdf;
	const char		*why;
	size_t			 i, n = 0;
	int			 rv;

	if (!vault_valid_user(user))
		return VAULT_ERR_INVALID;
	if ((why = crypto_kdf_check(new_kdf->N, new_kdf->r,
	    new_kdf->p)) != NULL) {
		log_warnx("vault: passwd %s refused: %s", user, why);
		return VAULT_ERR_KDF;
	}
	if ((txn = store_begin(v->st)) == NULL)
		return VAULT_ERR_SYSTEM;
	if ((rv = record_kdf_read(txn, user, &kdf)) != VAULT_OK &&
	    rv != VAULT_ERR_KDF)
		goto done;
	if ((rv = record_check_personal(txn, user, old_ukey)) != VAULT_OK ||
	    (rv = record_user_vaults(txn, user, &refs, &n)) != VAULT_OK)
		goto done;
	for (i = 0; i < n; i++) {
		if ((rv = record_meta_read(txn, refs[i].id, &m)) != VAULT_OK ||
		    (rv = record_wrap_open(txn, m.id, user, old_ukey,
		    m.generation, &vkey)) != VAULT_OK)
			goto done;
		rv = record_wrap_write(txn, m.id, user, new_ukey, m.generation,
		    vkey);
		crypto_secret_free(vkey);
		if (rv != VAULT_OK)
			goto done;
	}
	rv = record_kdf_write(txn, user, new_kdf);
 done:
	free(refs);
	if ((rv = record_finish(txn, rv)) == VAULT_OK)
		log_info("vault: user %s changed the master key (%zu vault%s "
		    "re-wrapped)", user, n, PLURAL(n));
	else
		log_warnx("vault: user %s: passwd failed: %s", user,
		    vault_strerror(rv));
	return rv;
}

/*
 * Before an add: the vault's credential for this connector, then the
 * one of this name, deleted with replace and refused without.
 * *replaced counts the ones deleted.
 */
static int
vault_cred_replace_existing(struct store_txn *txn, const char *user,
    const char *vault_id, const char *name, const char *connector,
    int replace, int *replaced)
{
	struct vault_credential_info	 old;
	int				 i, rv;

	for (i = 0; i < 2; i++) {
		rv = record_cred_lookup(txn, vault_id, i == 0 ? "connectors" :
		    "names", i == 0 ? connector : name, &old);
		if (rv == VAULT_ERR_NO_CREDENTIAL)
			continue;
		if (rv != VAULT_OK)
			return rv;
		if (!replace) {
			log_warnx("vault: user %s: add %s refused: vault %s "
			    "already has %s for connector %s", user, name,
			    vault_id, old.name, old.connector);
			return VAULT_ERR_EXISTS;
		}
		if ((rv = record_cred_delete(txn, &old)) != VAULT_OK)
			return rv;
		(*replaced)++;
	}
	return VAULT_OK;
}

/*
 * Add a credential, or with replace, replace the one for the same
 * connector (or with the same name).  One credential per connector per
 * vault: the injection path must never have to choose between two.
 */
int
vault_credential_add(struct vault *v, const char *user,
    const unsigned char *ukey, const char *vault_id, const char *name,
    const char *connector, enum inject_kind kind, const char *param,
    const unsigned char *value, size_t len, int replace)
{
	struct store_txn		*txn;
	struct crypto_secret		*vkey = NULL;
	struct vault_credential_info	 ci;
	struct vault_meta		 m;
	enum vault_role			 role;
	int				 rv, replaced = 0;

	if (!vault_valid_user(user) ||
	    !vault_valid_name(name) || !vault_valid_connector(connector) ||
	    (unsigned)kind > INJECT_QUERY ||
	    ((kind == INJECT_HEADER || kind == INJECT_QUERY) &&
	    !vault_valid_param(param)) ||
	    !vault_valid_value(kind, value, len)) {
		log_warnx("vault: user %s: add refused: invalid name, "
		    "connector, kind or value", vault_valid_user(user) ?
		    user : "(invalid)");
		return VAULT_ERR_INVALID;
	}
	memset(&ci, 0, sizeof(ci));
	strlcpy(ci.name, name, sizeof(ci.name));
	strlcpy(ci.connector, connector, sizeof(ci.connector));
	ci.kind = kind;
	if (kind == INJECT_HEADER || kind == INJECT_QUERY)
		strlcpy(ci.param, param, sizeof(ci.param));
	ci.created = ci.rotated = time(NULL);
	ci.version = 1;

	if ((txn = store_begin(v->st)) == NULL)
		return VAULT_ERR_SYSTEM;
	if ((rv = record_resolve(txn, user, vault_id, &m, &role)) != VAULT_OK)
		goto done;
	if (role < VAULT_ROLE_CONTRIBUTOR) {
		rv = VAULT_ERR_DENIED;
		goto done;
	}
	if ((rv = record_wrap_open(txn, m.id, user, ukey, m.generation,
	    &vkey)) != VAULT_OK)
		goto done;
	if ((rv = vault_cred_replace_existing(txn, user, m.id, name,
	    connector, replace, &replaced)) != VAULT_OK)
		goto done;
	strlcpy(ci.vault_id, m.id, sizeof(ci.vault_id));
	if (vault_new_id(ci.id) == -1) {
		rv = VAULT_ERR_SYSTEM;
		goto done;
	}
	if ((rv = record_cred_seal(txn, vkey->data, m.generation, &ci, value,
	    len)) != VAULT_OK ||
	    (rv = record_cred_meta_write(txn, &ci)) != VAULT_OK ||
	    (rv = record_cred_index(txn, &ci)) != VAULT_OK)
		goto done;
 done:
	crypto_secret_free(vkey);
	if ((rv = record_finish(txn, rv)) == VAULT_OK)
		log_info("vault: user %s %s credential %s (connector %s, %s) "
		    "in vault %s", user, replaced ? "replaced" : "added",
		    name, connector, vault_kind_name(kind), m.id);
	return rv;
}

/*
 * What rotate and remove share: a valid name, the vault, a role that may
 * change credentials, the key (which proves the caller is the user, as
 * for add) and the credential by name.  *vkey is the opened vault key on
 * success, NULL otherwise; the caller frees it either way.
 */
static int
vault_cred_change_begin(struct store_txn *txn, const char *user,
    const unsigned char *ukey, const char *vault_id, const char *name,
    struct vault_meta *m, struct crypto_secret **vkey,
    struct vault_credential_info *ci)
{
	enum vault_role	 role;
	int		 rv;

	*vkey = NULL;
	memset(m, 0, sizeof(*m));
	memset(ci, 0, sizeof(*ci));
	if ((rv = record_resolve(txn, user, vault_id, m, &role)) != VAULT_OK)
		return rv;
	if (role < VAULT_ROLE_CONTRIBUTOR)
		return VAULT_ERR_DENIED;
	if ((rv = record_wrap_open(txn, m->id, user, ukey, m->generation,
	    vkey)) != VAULT_OK)
		return rv;
	return record_cred_byname(txn, m->id, name, ci);
}

/* A new value for an existing credential; same id, kind and connector. */
int
vault_credential_rotate(struct vault *v, const char *user,
    const unsigned char *ukey, const char *vault_id, const char *name,
    const unsigned char *value, size_t len)
{
	struct store_txn		*txn;
	struct crypto_secret		*vkey;
	struct vault_credential_info	 ci;
	struct vault_meta		 m;
	int				 rv;

	/* The name is logged: only a name add would have accepted. */
	if (!vault_valid_user(user) ||
	    !vault_valid_chars(name, VAULT_NAME_MAX, VAULT_NAME_CHARS))
		return VAULT_ERR_INVALID;
	if ((txn = store_begin(v->st)) == NULL)
		return VAULT_ERR_SYSTEM;
	if ((rv = vault_cred_change_begin(txn, user, ukey, vault_id, name, &m,
	    &vkey, &ci)) != VAULT_OK)
		goto done;
	if (!vault_valid_value(ci.kind, value, len)) {
		rv = VAULT_ERR_INVALID;
		goto done;
	}
	/* A new seal version: the old ciphertext no longer opens. */
	ci.rotated = time(NULL);
	ci.version++;
	if ((rv = record_cred_seal(txn, vkey->data, m.generation, &ci, value,
	    len)) != VAULT_OK)
		goto done;
	rv = record_cred_meta_write(txn, &ci);
 done:
	crypto_secret_free(vkey);
	if ((rv = record_finish(txn, rv)) == VAULT_OK)
		log_info("vault: user %s rotated credential %s (connector %s) "
		    "in vault %s", user, name, ci.connector, m.id);
	else
		log_warnx("vault: user %s: rotate %s failed: %s", user, name,
		    vault_strerror(rv));
	return rv;
}

int
vault_credential_remove(struct vault *v, const char *user,
    const unsigned char *ukey, const char *vault_id, const char *name)
{
	struct store_txn		*txn;
	struct crypto_secret		*vkey;
	struct vault_credential_info	 ci;
	struct vault_meta		 m;
	int				 rv;

	if (!vault_valid_user(user) ||
	    !vault_valid_chars(name, VAULT_NAME_MAX, VAULT_NAME_CHARS))
		return VAULT_ERR_INVALID;
	if ((txn = store_begin(v->st)) == NULL)
		return VAULT_ERR_SYSTEM;
	if ((rv = vault_cred_change_begin(txn, user, ukey, vault_id, name, &m,
	    &vkey, &ci)) == VAULT_OK)
		rv = record_cred_delete(txn, &ci);
	crypto_secret_free(vkey);
	if ((rv = record_finish(txn, rv)) == VAULT_OK)
		log_info("vault: user %s removed credential %s (connector %s) "
		    "from vault %s", user, name, ci.connector, m.id);
	else
		log_warnx("vault: user %s: remove %s failed: %s", user, name,
		    vault_strerror(rv));
	return rv;
}

/*
 * Metadata of the credentials in one vault, or with vault_id NULL in
 * every vault the user belongs to.  No key needed: nothing secret.
 */
int
vault_credential_list(struct vault *v, const char *user,
    const char *vault_id, struct vault_credential_info **out, size_t *np)
{
	struct store_txn		*txn;
	struct vault_credential_info	*all = NULL, *list, *na;
	struct vault_ref		*refs = NULL, one;
	struct vault_meta		 m;
	struct vault_kdf		 kdf;
	size_t				 i, n, nr = 0, total = 0;
	int				 rv;

	*out = NULL;
	*np = 0;
	if (!vault_valid_user(user))
		return VAULT_ERR_INVALID;
	if ((txn = store_begin(v->st)) == NULL)
		return VAULT_ERR_SYSTEM;
	if (vault_id != NULL) {
		memset(&one, 0, sizeof(one));
		if ((rv = record_resolve(txn, user, vault_id, &m,
		    &one.role)) != VAULT_OK)
			goto done;
		strlcpy(one.id, m.id, sizeof(one.id));
		if ((refs = malloc(sizeof(*refs))) == NULL) {
			rv = VAULT_ERR_SYSTEM;
			goto done;
		}
		refs[0] = one;
		nr = 1;
	} else {
		if ((rv = record_kdf_read(txn, user, &kdf)) != VAULT_OK &&
		    rv != VAULT_ERR_KDF)
			goto done;
		if ((rv = record_user_vaults(txn, user, &refs, &nr)) !=
		    VAULT_OK)
			goto done;
	}
	for (i = 0; i < nr; i++) {
		if ((rv = record_cred_list(txn, refs[i].id, 0, &list, &n)) !=
		    VAULT_OK)
			goto done;
		if (n > 0) {
			if ((na = reallocarray(all, total + n,
			    sizeof(*all))) == NULL) {
				free(list);
				rv = VAULT_ERR_SYSTEM;
				goto done;
			}
			all = na;
			memcpy(all + total, list, n * sizeof(*all));
			total += n;
		}
		free(list);
	}
	*out = all;
	*np = total;
	all = NULL;
	rv = VAULT_OK;
 done:
	store_abort(txn);
	free(refs);
	free(all);
	return rv;
}

int
vault_credential_find(struct vault *v, const char *user,
    const char *connector, struct vault_credential_info *out)
{
	struct store_txn	*txn;
	struct vault_kdf	 kdf;
	int			 rv;

	if (!vault_valid_user(user) || connector == NULL)
		return VAULT_ERR_INVALID;
	if ((txn = store_begin(v->st)) == NULL)
		return VAULT_ERR_SYSTEM;
	if ((rv = record_kdf_read(txn, user, &kdf)) == VAULT_OK ||
	    rv == VAULT_ERR_KDF)
		rv = record_cred_find(txn, user, connector, out);
	store_abort(txn);
	return rv;
}

/*
 * Unwrap a vault key for a member.  vaultd may cache the result per
 * session; vault_credential_decrypt() refuses a key whose generation is
 * no longer current, so a cache that missed a revoke fails closed.
 */
int
vault_key_open(struct vault *v, const char *user, const unsigned char *ukey,
    const char *vault_id, struct vault_key **out)
{
	struct store_txn	*txn;
	int			 rv;

	*out = NULL;
	if (!vault_valid_user(user) || !vault_valid_id(vault_id))
		return VAULT_ERR_INVALID;
	if ((txn = store_begin(v->st)) == NULL)
		return VAULT_ERR_SYSTEM;
	rv = record_key_unwrap(txn, user, ukey, vault_id, out);
	store_abort(txn);
	return rv;
}

/*
 * The injection path: find the user's credential for the connector,
 * take the vault key from the cache or unwrap it (and hand both to the
 * cache), decrypt: one read transaction, whose cost does not grow with
 * the number of vaults in the store.  With a warm cache it is one read,
 * the credential's .enc, by its place in the key layout.
 *
 * What is cached is used as it was: the key with the generation it was
 * unwrapped at, the credential with the connector, kind and seal version
 * its metadata had.  The associated data binds all of them, so nothing a
 * later rotate or revoke re-sealed opens under a stale entry; and vaultd,
 * the only process with the store open, drops the cache on every change
 * that could make an entry stale (add, rotate, remove, grant, revoke,
 * passwd).  Should a cached entry still fail, the vault's entries are
 * dropped and the store read afresh once, which fails closed for a
 * member who lost the vault (their wrap is gone).  *ci is filled in as
 * soon as the credential is found, so the caller can name it in an
 * error.
 */
int
vault_credential_inject(struct vault *v, const char *user,
    const unsigned char *ukey, const char *connector,
    const struct vault_keycache *kc, struct vault_credential_info *ci,
    struct crypto_secret **out)
{
	const struct vault_credential_info	*cc;
	struct store_txn			*txn;
	struct vault_key			*vk;
	struct vault_meta			 m;
	int					 rv;

	*out = NULL;
	memset(ci, 0, sizeof(*ci));
	if (!vault_valid_user(user) || connector == NULL)
		return VAULT_ERR_INVALID;
	if ((txn = store_begin(v->st)) == NULL)
		return VAULT_ERR_SYSTEM;
	if ((cc = kc->cred_find(kc->arg, connector)) != NULL &&
	    (vk = kc->find(kc->arg, cc->vault_id)) != NULL) {
		*ci = *cc;
		if ((rv = record_cred_open(txn, vk->key->data, vk->generation,
		    ci, out)) == VAULT_OK || rv == VAULT_ERR_SYSTEM)
			goto done;
		kc->drop(kc->arg, ci->vault_id);
		memset(ci, 0, sizeof(*ci));
	}
	if ((rv = record_cred_choose(txn, user, connector,
	    v->choices.vault_for != NULL ? v->choices.vault_for(
	    v->choices.arg, connector) : NULL, ci, &v->conflict)) != VAULT_OK)
		goto done;
	if ((vk = kc->find(kc->arg, ci->vault_id)) != NULL) {
		if ((rv = record_cred_open(txn, vk->key->data, vk->generation,
		    ci, out)) != VAULT_ERR_CORRUPT)
			goto keep;
		kc->drop(kc->arg, ci->vault_id);
	}
	if ((rv = record_meta_read(txn, ci->vault_id, &m)) != VAULT_OK ||
	    (rv = record_key_unwrap(txn, user, ukey, m.id, &vk)) != VAULT_OK)
		goto done;
	kc->keep(kc->arg, vk);
	rv = record_cred_open(txn, vk->key->data, vk->generation, ci, out);
 keep:
	if (rv == VAULT_OK)
		kc->cred_keep(kc->arg, ci);
 done:
	store_abort(txn);
	return rv;
}

void
vault_key_free(struct vault_key *vk)
{
	if (vk == NULL)
		return;
	crypto_secret_free(vk->key);
	free(vk);
}

/*
 * Decrypt one credential.  The metadata is read again from the store,
 * and the caller's copy must still agree, so what is injected is exactly
 * what the record (and its associated data) says.
 */
int
vault_credential_decrypt(struct vault *v, const struct vault_key *vk,
    const struct vault_credential_info *want, struct crypto_secret **out)
{
	struct store_txn		*txn;
	struct vault_credential_info	 ci;
	struct vault_meta		 m;
	unsigned char			*val;
	char				 key[STORE_KEY_MAX];
	size_t				 len;
	int				 rv, r;

	*out = NULL;
	if (strcmp(vk->vault_id, want->vault_id) != 0 ||
	    !vault_valid_id(want->id))
		return VAULT_ERR_INVALID;
	if ((txn = store_begin(v->st)) == NULL)
		return VAULT_ERR_SYSTEM;
	if ((rv = record_meta_read(txn, vk->vault_id, &m)) != VAULT_OK)
		goto done;
	if (m.generation != vk->generation) {
		rv = VAULT_ERR_STALE_KEY;
		goto done;
	}
	snprintf(key, sizeof(key), KEY_CMETA, want->vault_id, want->id);
	if ((r = store_get(txn, key, &val, &len)) != 0) {
		rv = r == STORE_NOTFOUND ? VAULT_ERR_NO_CREDENTIAL :
		    VAULT_ERR_SYSTEM;
		goto done;
	}
	rv = record_cred_meta_parse(want->vault_id, val, len, 0, &ci);
	free(val);
	if (rv != VAULT_OK) {
		log_warnx("vault: record %s is damaged", key);
		goto done;
	}
	if (strcmp(ci.id, want->id) != 0 ||
	    strcmp(ci.connector, want->connector) != 0 ||
	    ci.kind != want->kind || strcmp(ci.param, want->param) != 0) {
		rv = VAULT_ERR_STALE_KEY;
		goto done;
	}
	rv = record_cred_open(txn, vk->key->data, m.generation, &ci, out);
 done:
	store_abort(txn);
	return rv;
}

/* Find, unwrap and decrypt in one call; logs the use, never the value. */
int
vault_credential_open(struct vault *v, const char *user,
    const unsigned char *ukey, const char *connector,
    struct vault_credential_info *ci, struct crypto_secret **out)
{
	struct vault_key	*vk = NULL;
	int			 rv;

	*out = NULL;
	if ((rv = vault_credential_find(v, user, connector, ci)) != VAULT_OK ||
	    (rv = vault_key_open(v, user, ukey, ci->vault_id, &vk)) !=
	    VAULT_OK ||
	    (rv = vault_credential_decrypt(v, vk, ci, out)) != VAULT_OK) {
		log_warnx("vault: user %s: open credential for connector %s "
		    "failed: %s", user, connector, vault_strerror(rv));
		vault_key_free(vk);
		return rv;
	}
	vault_key_free(vk);
	log_info("vault: user %s opened credential %s (connector %s) in "
	    "vault %s", user, ci->name, connector, ci->vault_id);
	return VAULT_OK;
}

/* A shared vault with the creator as its only member and owner. */
int
vault_shared_create(struct vault *v, const char *user,
    const unsigned char *ukey, const char *name,
    char vault_id[VAULT_ID_LEN + 1])
{
	return vault_shared_create_team(v, user, ukey, name, NULL, vault_id);
}

/*
 * The same, for a team (a label "aileron vault list" shows, or NULL).
 * A shared vault's name is unique in the store, since people and
 * aileron.conf's connector-vault lines name vaults by it.
 */
int
vault_shared_create_team(struct vault *v, const char *user,
    const unsigned char *ukey, const char *name, const char *team,
    char vault_id[VAULT_ID_LEN + 1])
{
	struct store_txn	*txn;
	struct crypto_secret	*vkey = NULL;
	struct vault_meta	 m;
	struct vault_members	 ms;
	char			 nkey[STORE_KEY_MAX];
	unsigned char		*val;
	size_t			 len;
	int			 rv, r;

	if (!vault_valid_user(user) ||
	    !vault_valid_chars(name, VAULT_NAME_MAX, VAULT_NAME_CHARS) ||
	    (team != NULL && team[0] != '\0' &&
	    !vault_valid_chars(team, VAULT_NAME_MAX, VAULT_NAME_CHARS)))
		return VAULT_ERR_INVALID;
	if ((txn = store_begin(v->st)) == NULL)
		return VAULT_ERR_SYSTEM;
	memset(&m, 0, sizeof(m));
	if ((rv = record_check_personal(txn, user, ukey)) != VAULT_OK)
		goto done;
	snprintf(nkey, sizeof(nkey), KEY_VNAME, name);
	if ((r = store_get(txn, nkey, &val, &len)) == 0) {
		free(val);
		rv = VAULT_ERR_NAME_TAKEN;
		goto done;
	}
	if (r != STORE_NOTFOUND) {
		rv = VAULT_ERR_SYSTEM;
		goto done;
	}
	if (vault_new_id(m.id) == -1 || (vkey = crypto_key_new()) == NULL) {
		rv = VAULT_ERR_SYSTEM;
		goto done;
	}
	strlcpy(m.name, name, sizeof(m.name));
	if (team != NULL)
		strlcpy(m.team, team, sizeof(m.team));
	m.generation = 1;
	m.created = time(NULL);
	memset(&ms, 0, sizeof(ms));
	strlcpy(ms.m[0].user, user, sizeof(ms.m[0].user));
	ms.m[0].role = VAULT_ROLE_OWNER;
	ms.n = 1;
	if ((rv = record_meta_write(txn, &m)) != VAULT_OK ||
	    (rv = record_members_write(txn, m.id, &ms)) != VAULT_OK ||
	    (rv = record_wrap_write(txn, m.id, user, ukey, 1, vkey)) !=
	    VAULT_OK ||
	    (rv = record_index_member(txn, user, m.id, 0)) != VAULT_OK)
		goto done;
	if (store_put(txn, nkey, m.id, strlen(m.id)) == -1)
		rv = VAULT_ERR_SYSTEM;
 done:
	crypto_secret_free(vkey);
	if ((rv = record_finish(txn, rv)) == VAULT_OK) {
		strlcpy(vault_id, m.id, VAULT_ID_LEN + 1);
		log_info("vault: user %s created shared vault %s (%s%s%s)",
		    user, m.id, name, m.team[0] != '\0' ? ", team " : "",
		    m.team);
	}
	return rv;
}

/* The vaults a user is a member of, personal first, with their role. */
int
vault_list(struct vault *v, const char *user, struct vault_info **out,
    size_t *np)
{
	struct store_txn	*txn;
	struct vault_ref	*refs = NULL;
	struct vault_info	*list = NULL;
	struct vault_members	 ms;
	struct vault_meta	 m;
	struct vault_kdf	 kdf;
	size_t			 i, n = 0;
	int			 rv;

	*out = NULL;
	*np = 0;
	if (!vault_valid_user(user))
		return VAULT_ERR_INVALID;
	if ((txn = store_begin(v->st)) == NULL)
		return VAULT_ERR_SYSTEM;
	if ((rv = record_kdf_read(txn, user, &kdf)) != VAULT_OK &&
	    rv != VAULT_ERR_KDF)
		goto done;
	if ((rv = record_user_vaults(txn, user, &refs, &n)) != VAULT_OK)
		goto done;
	if ((list = calloc(n > 0 ? n : 1, sizeof(*list))) == NULL) {
		rv = VAULT_ERR_SYSTEM;
		goto done;
	}
	for (i = 0; i < n; i++) {
		if ((rv = record_meta_read(txn, refs[i].id, &m)) != VAULT_OK ||
		    (rv = record_members_read(txn, refs[i].id, &ms)) !=
		    VAULT_OK)
			goto done;
		strlcpy(list[i].id, m.id, sizeof(list[i].id));
		strlcpy(list[i].name, m.name, sizeof(list[i].name));
		strlcpy(list[i].team, m.team, sizeof(list[i].team));
		list[i].personal = m.personal;
		list[i].role = refs[i].role;
		list[i].members = ms.n;
		list[i].generation = m.generation;
		list[i].created = m.created;
	}
	*out = list;
	*np = n;
	list = NULL;
	rv = VAULT_OK;
 done:
	store_abort(txn);
	free(refs);
	free(list);
	return rv;
}

/* aileron.conf's connector-vault lines, as vaultd keeps them. */
void
vault_set_choices(struct vault *v, const struct vault_choices *c)
{
	if (c != NULL)
		v->choices = *c;
	else
		memset(&v->choices, 0, sizeof(v->choices));
}

/*
 * After VAULT_ERR_AMBIGUOUS: two of the shared vaults that hold the
 * connector, and the vault a connector-vault line named, or "".
 */
void
vault_conflict(struct vault *v, const char **a, const char **b,
    const char **line)
{
	*a = v->conflict.a;
	*b = v->conflict.b;
	*line = v->conflict.line;
}

/*
 * Grant: the granter's key opens the vault key, which is sealed again
 * under the new member's key.  Wraps are symmetric, so the new member's
 * user key must be at hand (vaultd holds it while that member has a
 * session); it is proven against the member's personal vault first.
 * No credential ciphertext changes.
 */
int
vault_grant(struct vault *v, const char *vault_id, const char *granter,
    const unsigned char *granter_ukey, const char *member,
    const unsigned char *member_ukey, enum vault_role role)
{
	struct store_txn	*txn;
	struct crypto_secret	*vkey = NULL;
	struct vault_members	 ms;
	struct vault_meta	 m;
	enum vault_role		 grole;
	int			 rv;

	if (!vault_valid_user(granter) || !vault_valid_user(member) ||
	    (unsigned)role > VAULT_ROLE_OWNER)
		return VAULT_ERR_INVALID;
	if ((txn = store_begin(v->st)) == NULL)
		return VAULT_ERR_SYSTEM;
	if ((rv = record_resolve(txn, granter, vault_id, &m, &grole)) !=
	    VAULT_OK)
		goto done;
	if (m.personal || grole != VAULT_ROLE_OWNER) {
		rv = VAULT_ERR_DENIED;
		goto done;
	}
	if ((rv = record_members_read(txn, m.id, &ms)) != VAULT_OK)
		goto done;
	if (record_members_find(&ms, member) != NULL) {
		rv = VAULT_ERR_MEMBER_EXISTS;
		goto done;
	}
	if (ms.n >= VAULT_MEMBERS_MAX) {
		rv = VAULT_ERR_DENIED;
		goto done;
	}
	if ((rv = record_wrap_open(txn, m.id, granter, granter_ukey,
	    m.generation, &vkey)) != VAULT_OK ||
	    (rv = record_check_personal(txn, member, member_ukey)) != VAULT_OK)
		goto done;
	strlcpy(ms.m[ms.n].user, member, sizeof(ms.m[ms.n].user));
	ms.m[ms.n].role = role;
	ms.n++;
	if ((rv = record_wrap_write(txn, m.id, member, member_ukey,
	    m.generation, vkey)) != VAULT_OK ||
	    (rv = record_members_write(txn, m.id, &ms)) != VAULT_OK ||
	    (rv = record_index_member(txn, member, m.id, 0)) != VAULT_OK)
		goto done;
 done:
	crypto_secret_free(vkey);
	if ((rv = record_finish(txn, rv)) == VAULT_OK)
		log_info("vault: user %s granted %s the %s role in vault %s",
		    granter, member, vault_role_name(role), vault_id);
	else
		log_warnx("vault: user %s: grant to %s failed: %s", granter,
		    member, vault_strerror(rv));
	return rv;
}

/*
 * Test hook: NULL in aileron itself.  The crash test's helper program sets
 * it to pause a revoke that has re-encrypted at least one credential and
 * not yet committed, so the test can kill -9 it mid-transaction.
 */
void	(*vault_revoke_test_hook)(void);

static const unsigned char *
vault_member_key_find(const struct vault_member_key *keys, size_t nkeys,
    const char *user)
{
	size_t	 i;

	for (i = 0; i < nkeys; i++)
		if (keys[i].user != NULL && strcmp(keys[i].user, user) == 0)
			return keys[i].ukey;
	return NULL;
}

/*
 * Every remaining member's key must open that member's old wrap: rest is
 * the members without the one revoked, each with a key that does.
 */
static int
vault_revoke_check_keys(struct store_txn *txn, const struct vault_meta *m,
    const struct vault_members *ms, const char *member,
    const struct vault_member_key *keys, size_t nkeys,
    struct vault_members *rest)
{
	struct crypto_secret	*chk;
	const unsigned char	*uk;
	size_t			 i;
	int			 rv;

	memset(rest, 0, sizeof(*rest));
	for (i = 0; i < ms->n; i++) {
		if (strcmp(ms->m[i].user, member) == 0)
			continue;
		if ((uk = vault_member_key_find(keys, nkeys,
		    ms->m[i].user)) == NULL) {
			log_warnx("vault: revoke in %s needs the key of %s",
			    m->id, ms->m[i].user);
			return VAULT_ERR_NEED_KEY;
		}
		if ((rv = record_wrap_open(txn, m->id, ms->m[i].user, uk,
		    m->generation, &chk)) != VAULT_OK)
			return rv;
		crypto_secret_free(chk);
		rest->m[rest->n++] = ms->m[i];
	}
	return VAULT_OK;
}

/*
 * Every credential of the vault opened under the old key and sealed
 * under the new one at the next generation, with its next seal version.
 * *np is how many the vault holds.
 */
static int
vault_revoke_reseal(struct store_txn *txn, const struct vault_meta *m,
    const struct crypto_secret *okey, const struct crypto_secret *nkey,
    size_t *np)
{
	struct vault_credential_info	*list = NULL;
	struct crypto_secret		*pt;
	size_t				 i, n = 0;
	int				 rv;

	*np = 0;
	if ((rv = record_cred_list(txn, m->id, 0, &list, &n)) != VAULT_OK)
		return rv;
	*np = n;
	for (i = 0; i < n; i++) {
		if ((rv = record_cred_open(txn, okey->data, m->generation,
		    &list[i], &pt)) != VAULT_OK)
			break;
		list[i].version++;
		rv = record_cred_seal(txn, nkey->data, m->generation + 1,
		    &list[i], pt->data, pt->len);
		crypto_secret_free(pt);
		if (rv != VAULT_OK ||
		    (rv = record_cred_meta_write(txn, &list[i])) != VAULT_OK)
			break;
		/* Halfway, so much of the transaction is already logged. */
		if (i == n / 2)
			if (vault_revoke_test_hook != NULL)
				vault_revoke_test_hook();
	}
	free(list);
	return rv;
}

/*
 * The new vault key wrapped for every remaining member, and the revoked
 * member's wrap and index entry gone.
 */
static int
vault_revoke_rewrap(struct store_txn *txn, const struct vault_meta *m,
    const struct vault_members *rest, const char *member,
    const struct vault_member_key *keys, size_t nkeys,
    const struct crypto_secret *nkey)
{
	const unsigned char	*uk;
	char			 key[STORE_KEY_MAX];
	size_t			 i;
	int			 rv;

	for (i = 0; i < rest->n; i++) {
		uk = vault_member_key_find(keys, nkeys, rest->m[i].user);
		if ((rv = record_wrap_write(txn, m->id, rest->m[i].user, uk,
		    m->generation + 1, nkey)) != VAULT_OK)
			return rv;
	}
	snprintf(key, sizeof(key), KEY_WRAP, m->id, member);
	if (store_del(txn, key) == -1 ||
	    record_index_member(txn, member, m->id, -1) != VAULT_OK)
		return VAULT_ERR_SYSTEM;
	return VAULT_OK;
}

/*
 * Revoke: a new vault key at the next generation, every credential
 * opened under the old key and sealed under the new one, a new wrap for
 * every remaining member, the revoked member's wrap deleted and
 * members.json rewritten, all in one transaction.  The revoked member
 * may have copied the old vault key; after this it opens nothing, since
 * every ciphertext and wrap is at the new generation.
 *
 * keys must hold the user key of every remaining member (the revoker
 * included): wraps are symmetric, so without a member's key there is no
 * way to wrap the new vault key for them.
 */
int
vault_revoke(struct vault *v, const char *vault_id, const char *revoker,
    const char *member, const struct vault_member_key *keys, size_t nkeys)
{
	struct store_txn		*txn;
	struct crypto_secret		*okey = NULL, *nkey = NULL;
	struct vault_members		 ms, rest;
	struct vault_meta		 m;
	enum vault_role			 rrole;
	const unsigned char		*uk;
	size_t				 n = 0;
	int				 rv;

	if (!vault_valid_user(revoker) || !vault_valid_user(member) ||
	    strcmp(revoker, member) == 0)
		return VAULT_ERR_INVALID;
	if ((txn = store_begin(v->st)) == NULL)
		return VAULT_ERR_SYSTEM;
	if ((rv = record_resolve(txn, revoker, vault_id, &m, &rrole)) !=
	    VAULT_OK)
		goto done;
	if (m.personal || rrole != VAULT_ROLE_OWNER) {
		rv = VAULT_ERR_DENIED;
		goto done;
	}
	if ((rv = record_members_read(txn, m.id, &ms)) != VAULT_OK)
		goto done;
	if (record_members_find(&ms, member) == NULL) {
		rv = VAULT_ERR_NOT_MEMBER;
		goto done;
	}
	if ((uk = vault_member_key_find(keys, nkeys, revoker)) == NULL) {
		rv = VAULT_ERR_NEED_KEY;
		goto done;
	}
	if ((rv = record_wrap_open(txn, m.id, revoker, uk, m.generation,
	    &okey)) != VAULT_OK)
		goto done;
	if ((rv = vault_revoke_check_keys(txn, &m, &ms, member, keys, nkeys,
	    &rest)) != VAULT_OK)
		goto done;
	if ((nkey = crypto_key_new()) == NULL) {
		rv = VAULT_ERR_SYSTEM;
		goto done;
	}
	if ((rv = vault_revoke_reseal(txn, &m, okey, nkey, &n)) != VAULT_OK ||
	    (rv = vault_revoke_rewrap(txn, &m, &rest, member, keys, nkeys,
	    nkey)) != VAULT_OK)
		goto done;
	m.generation++;
	if ((rv = record_members_write(txn, m.id, &rest)) != VAULT_OK ||
	    (rv = record_meta_write(txn, &m)) != VAULT_OK)
		goto done;
 done:
	crypto_secret_free(okey);
	crypto_secret_free(nkey);
	if ((rv = record_finish(txn, rv)) == VAULT_OK)
		log_info("vault: user %s revoked %s from vault %s: generation "
		    "%llu, %zu credential%s re-encrypted", revoker, member,
		    m.id, (unsigned long long)m.generation, n, PLURAL(n));
	else
		log_warnx("vault: user %s: revoke of %s failed: %s", revoker,
		    member, vault_strerror(rv));
	return rv;
}

/*
 * The members of a vault and their roles, for one of its members: vaultd
 * gathers a revoke's keys by them, and names a member whose key it lacks.
 */
int
vault_member_list(struct vault *v, const char *user, const char *vault_id,
    struct vault_member_info **out, size_t *np)
{
	struct store_txn	*txn;
	struct vault_members	 ms;
	struct vault_meta	 m;
	struct vault_member_info *list = NULL;
	enum vault_role		 role;
	size_t			 i;
	int			 rv;

	*out = NULL;
	*np = 0;
	if (!vault_valid_user(user) || vault_id == NULL)
		return VAULT_ERR_INVALID;
	if ((txn = store_begin(v->st)) == NULL)
		return VAULT_ERR_SYSTEM;
	if ((rv = record_resolve(txn, user, vault_id, &m, &role)) != VAULT_OK ||
	    (rv = record_members_read(txn, m.id, &ms)) != VAULT_OK)
		goto done;
	if ((list = calloc(ms.n > 0 ? ms.n : 1, sizeof(*list))) == NULL) {
		rv = VAULT_ERR_SYSTEM;
		goto done;
	}
	for (i = 0; i < ms.n; i++) {
		strlcpy(list[i].user, ms.m[i].user, sizeof(list[i].user));
		list[i].role = ms.m[i].role;
	}
	*out = list;
	*np = ms.n;
 done:
	store_abort(txn);
	return rv;
}
