/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* record.c: the vault's records: read, write, index, seal, find. */

/*
 * Records (see aileron-vault(5)):
 *
 *	users/{user}/kdf.json				salt and scrypt N, r, p
 *	vaults/{vault}/meta.json			type, name, generation
 *	vaults/{vault}/members.json			user and role per member
 *	vaults/{vault}/key_wrappings/{user}.wrap	vault key under user key
 *	vaults/{vault}/credentials/{cred}.enc		value under vault key
 *	vaults/{vault}/credentials/{cred}.meta.json	name, connector, kind,
 *							seal version
 *
 * and, since store format 2, two indexes and the format record:
 *
 *	users/{user}/vaults/{vault}			"personal" or "shared"
 *	vaults/{vault}/connectors/{connector}		a credential id
 *	vaults/{vault}/names/{name}			a credential id
 *	store.json					{"format": 2}
 *
 * The indexes make the injection path's lookup cost what the user's own
 * vaults cost, not what the whole store holds: a team store has
 * thousands of vaults, and every proxied request asks.  Add, rotate and
 * remove find a credential by connector or name without a walk of its
 * vault either.  They are written
 * in the same transaction as what they index, and they are only ever a
 * way to find records: membership is still decided by members.json and
 * the wrap, a credential by its own metadata and associated data.
 *
 * Trust: the JSON records are not authenticated by themselves; what makes
 * them safe is that every ciphertext's associated data is rebuilt from
 * them.  A credential opens only under the vault id, credential id,
 * connector, injection kind, generation and seal version it was sealed
 * with, and a wrap only under its vault id, user id and generation.  So
 * editing metadata, swapping blobs, restoring an older generation's blob
 * or an older seal of a rotated credential makes the open fail rather
 * than hand a secret to the wrong connector.  (Rolling back a
 * credential's blob and its metadata together is not detected; see
 * aileron-vault(5).)
 *
 * Every function here works inside a transaction its caller, an
 * operation of vault.c, holds; record_finish() ends it.
 */

#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "log.h"
#include "crypto.h"
#include "store.h"
#include "vault.h"
#include "record.h"

#define VAULT_TYPE_PERSONAL	"personal"
#define VAULT_TYPE_SHARED	"shared"

static int	record_kind_ad(const struct vault_credential_info *, char *,
		    size_t);
static int	record_json_get(struct store_txn *, const char *, json_t **);
static int	record_json_put(struct store_txn *, const char *, json_t *);
static int	record_json_str(json_t *, const char *, char *, size_t);

/* The kind as bound into the associated data: "header:X-Api-Key". */
static int
record_kind_ad(const struct vault_credential_info *ci, char *buf, size_t len)
{
	int	 n;

	if (ci->kind == INJECT_HEADER || ci->kind == INJECT_QUERY)
		n = snprintf(buf, len, "%s:%s", vault_kind_name(ci->kind),
		    ci->param);
	else
		n = snprintf(buf, len, "%s", vault_kind_name(ci->kind));
	return (n < 0 || (size_t)n >= len) ? -1 : 0;
}

/* Returns VAULT_OK, VAULT_ERR_NO_VAULT (absent), CORRUPT or SYSTEM. */
static int
record_json_get(struct store_txn *txn, const char *key, json_t **out)
{
	json_error_t	 jerr;
	unsigned char	*val;
	size_t		 len;
	int		 rv;

	*out = NULL;
	if ((rv = store_get(txn, key, &val, &len)) == STORE_NOTFOUND)
		return VAULT_ERR_NO_VAULT;
	if (rv == -1)
		return VAULT_ERR_SYSTEM;
	*out = json_loadb((char *)val, len, JSON_REJECT_DUPLICATES, &jerr);
	free(val);
	if (*out == NULL || !json_is_object(*out)) {
		log_warnx("vault: record %s is damaged: %s", key,
		    *out == NULL ? jerr.text : "not an object");
		json_decref(*out);
		*out = NULL;
		return VAULT_ERR_CORRUPT;
	}
	return VAULT_OK;
}

static int
record_json_put(struct store_txn *txn, const char *key, json_t *o)
{
	char	*s;
	int	 rv;

	if (o == NULL)
		return VAULT_ERR_SYSTEM;
	if ((s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
		return VAULT_ERR_SYSTEM;
	rv = store_put(txn, key, s, strlen(s)) == 0 ? VAULT_OK :
	    VAULT_ERR_SYSTEM;
	free(s);
	return rv;
}

static int
record_json_str(json_t *o, const char *field, char *buf, size_t len)
{
	const char	*s;

	if ((s = json_string_value(json_object_get(o, field))) == NULL ||
	    strlcpy(buf, s, len) >= len)
		return -1;
	return 0;
}

int
record_kdf_read(struct store_txn *txn, const char *user, struct vault_kdf *kdf)
{
	char		 key[STORE_KEY_MAX], salt[CRYPTO_SALT_LEN * 2 + 1];
	const char	*why;
	json_t		*o, *jn, *jr, *jp;
	unsigned int	 b;
	size_t		 i;
	int		 rv;

	snprintf(key, sizeof(key), KEY_KDF, user);
	if ((rv = record_json_get(txn, key, &o)) != VAULT_OK)
		return rv == VAULT_ERR_NO_VAULT ? VAULT_ERR_NO_USER : rv;
	jn = json_object_get(o, "N");
	jr = json_object_get(o, "r");
	jp = json_object_get(o, "p");
	if (record_json_str(o, "salt", salt, sizeof(salt)) == -1 ||
	    strlen(salt) != CRYPTO_SALT_LEN * 2 || !json_is_integer(jn) ||
	    !json_is_integer(jr) || !json_is_integer(jp) ||
	    json_integer_value(jn) < 0 || json_integer_value(jr) < 0 ||
	    json_integer_value(jp) < 0 ||
	    json_integer_value(jr) > UINT32_MAX ||
	    json_integer_value(jp) > UINT32_MAX) {
		log_warnx("vault: record %s is damaged", key);
		json_decref(o);
		return VAULT_ERR_CORRUPT;
	}
	kdf->N = (uint64_t)json_integer_value(jn);
	kdf->r = (uint32_t)json_integer_value(jr);
	kdf->p = (uint32_t)json_integer_value(jp);
	json_decref(o);
	for (i = 0; i < CRYPTO_SALT_LEN; i++) {
		if (sscanf(salt + i * 2, "%2x", &b) != 1) {
			log_warnx("vault: record %s has a bad salt", key);
			return VAULT_ERR_CORRUPT;
		}
		kdf->salt[i] = (unsigned char)b;
	}
	/* A tampered kdf.json must not make the CLI burn memory or CPU. */
	if ((why = crypto_kdf_check(kdf->N, kdf->r, kdf->p)) != NULL) {
		log_warnx("vault: %s: %s (N=%llu r=%u p=%u)", key, why,
		    (unsigned long long)kdf->N, kdf->r, kdf->p);
		return VAULT_ERR_KDF;
	}
	return VAULT_OK;
}

int
record_kdf_write(struct store_txn *txn, const char *user,
    const struct vault_kdf *kdf)
{
	char	 key[STORE_KEY_MAX], salt[CRYPTO_SALT_LEN * 2 + 1];
	json_t	*o;
	size_t	 i;
	int	 rv;

	for (i = 0; i < CRYPTO_SALT_LEN; i++)
		snprintf(salt + i * 2, 3, "%02x", kdf->salt[i]);
	snprintf(key, sizeof(key), KEY_KDF, user);
	o = json_pack("{s:i, s:s, s:I, s:I, s:I}", "format", VAULT_FORMAT,
	    "salt", salt, "N", (json_int_t)kdf->N, "r", (json_int_t)kdf->r,
	    "p", (json_int_t)kdf->p);
	rv = record_json_put(txn, key, o);
	json_decref(o);
	return rv;
}

int
record_meta_read(struct store_txn *txn, const char *id, struct vault_meta *m)
{
	char		 key[STORE_KEY_MAX], type[16];
	json_t		*o, *jg, *jc;
	int		 rv;

	memset(m, 0, sizeof(*m));
	snprintf(key, sizeof(key), KEY_META, id);
	if ((rv = record_json_get(txn, key, &o)) != VAULT_OK)
		return rv;
	jg = json_object_get(o, "generation");
	jc = json_object_get(o, "created");
	if (record_json_str(o, "type", type, sizeof(type)) == -1 ||
	    record_json_str(o, "name", m->name, sizeof(m->name)) == -1 ||
	    !json_is_integer(jg) || json_integer_value(jg) < 1 ||
	    !json_is_integer(jc) ||
	    (strcmp(type, VAULT_TYPE_PERSONAL) != 0 &&
	    strcmp(type, VAULT_TYPE_SHARED) != 0)) {
		log_warnx("vault: record %s is damaged", key);
		json_decref(o);
		return VAULT_ERR_CORRUPT;
	}
	if (json_object_get(o, "team") != NULL &&
	    (record_json_str(o, "team", m->team, sizeof(m->team)) == -1 ||
	    !vault_valid_chars(m->team, VAULT_NAME_MAX, "._-@+:"))) {
		log_warnx("vault: record %s is damaged", key);
		json_decref(o);
		return VAULT_ERR_CORRUPT;
	}
	strlcpy(m->id, id, sizeof(m->id));
	m->personal = strcmp(type, VAULT_TYPE_PERSONAL) == 0;
	m->generation = (uint64_t)json_integer_value(jg);
	m->created = (time_t)json_integer_value(jc);
	json_decref(o);
	return VAULT_OK;
}

int
record_meta_write(struct store_txn *txn, const struct vault_meta *m)
{
	char	 key[STORE_KEY_MAX];
	json_t	*o;
	int	 rv;

	snprintf(key, sizeof(key), KEY_META, m->id);
	o = json_pack("{s:i, s:s, s:s, s:s, s:I, s:I}", "format", VAULT_FORMAT,
	    "id", m->id, "type", m->personal ? VAULT_TYPE_PERSONAL :
	    VAULT_TYPE_SHARED, "name", m->name,
	    "generation", (json_int_t)m->generation,
	    "created", (json_int_t)m->created);
	if (o != NULL && m->team[0] != '\0')
		json_object_set_new(o, "team", json_string(m->team));
	rv = record_json_put(txn, key, o);
	json_decref(o);
	return rv;
}

int
record_members_read(struct store_txn *txn, const char *id,
    struct vault_members *ms)
{
	char		 key[STORE_KEY_MAX], role[16];
	json_t		*o, *a, *e;
	size_t		 i;
	int		 rv;

	memset(ms, 0, sizeof(*ms));
	snprintf(key, sizeof(key), KEY_MEMBERS, id);
	if ((rv = record_json_get(txn, key, &o)) != VAULT_OK)
		return rv == VAULT_ERR_NO_VAULT ? VAULT_ERR_CORRUPT : rv;
	a = json_object_get(o, "members");
	if (!json_is_array(a) || json_array_size(a) > VAULT_MEMBERS_MAX)
		goto bad;
	json_array_foreach(a, i, e) {
		if (record_json_str(e, "user", ms->m[i].user,
		    sizeof(ms->m[i].user)) == -1 ||
		    !vault_valid_user(ms->m[i].user) ||
		    record_json_str(e, "role", role, sizeof(role)) == -1 ||
		    vault_role_parse(role, &ms->m[i].role) == -1)
			goto bad;
		ms->n++;
	}
	json_decref(o);
	return VAULT_OK;
 bad:
	log_warnx("vault: record %s is damaged", key);
	json_decref(o);
	return VAULT_ERR_CORRUPT;
}

int
record_members_write(struct store_txn *txn, const char *id,
    const struct vault_members *ms)
{
	char	 key[STORE_KEY_MAX];
	json_t	*o, *a;
	size_t	 i;
	int	 rv;

	if ((a = json_array()) == NULL)
		return VAULT_ERR_SYSTEM;
	for (i = 0; i < ms->n; i++)
		if (json_array_append_new(a, json_pack("{s:s, s:s}",
		    "user", ms->m[i].user,
		    "role", vault_role_name(ms->m[i].role))) == -1) {
			json_decref(a);
			return VAULT_ERR_SYSTEM;
		}
	snprintf(key, sizeof(key), KEY_MEMBERS, id);
	o = json_pack("{s:i, s:o}", "format", VAULT_FORMAT, "members", a);
	rv = record_json_put(txn, key, o);
	json_decref(o);
	return rv;
}

struct vault_member *
record_members_find(struct vault_members *ms, const char *user)
{
	size_t	 i;

	for (i = 0; i < ms->n; i++)
		if (strcmp(ms->m[i].user, user) == 0)
			return &ms->m[i];
	return NULL;
}

/*
 * The vaults the index lists for a user, personal first, then in id
 * order: a cursor over users/{user}/vaults/, so this costs what the
 * user's own vaults cost, however many vaults the store holds.  Roles
 * are not filled in; the index only finds vaults.
 */
int
record_index_vaults(struct store_txn *txn, const char *user,
    struct vault_ref **refsp, size_t *np)
{
	struct store_cursor	*c;
	struct vault_ref	*refs = NULL, *nr, tmp;
	const unsigned char	*val;
	const char		*key, *id;
	char			 prefix[STORE_KEY_MAX];
	size_t			 n = 0, len, plen;
	int			 rv = VAULT_ERR_SYSTEM, r, personal;

	*refsp = NULL;
	*np = 0;
	plen = (size_t)snprintf(prefix, sizeof(prefix), KEY_UVAULTS, user);
	if ((c = store_cursor_open(txn, prefix)) == NULL)
		return VAULT_ERR_SYSTEM;
	while ((r = store_cursor_next(c, &key, &val, &len)) == 0) {
		id = key + plen;
		personal = len == strlen(VAULT_TYPE_PERSONAL) &&
		    memcmp(val, VAULT_TYPE_PERSONAL, len) == 0;
		if (!vault_valid_id(id) || (!personal &&
		    (len != strlen(VAULT_TYPE_SHARED) ||
		    memcmp(val, VAULT_TYPE_SHARED, len) != 0))) {
			log_warnx("vault: record %s is damaged", key);
			rv = VAULT_ERR_CORRUPT;
			goto done;
		}
		if ((nr = reallocarray(refs, n + 1, sizeof(*refs))) == NULL) {
			log_warn("%s", __func__);
			goto done;
		}
		refs = nr;
		memset(&refs[n], 0, sizeof(refs[n]));
		strlcpy(refs[n].id, id, sizeof(refs[n].id));
		refs[n].personal = personal;
		if (personal && n > 0) {
			tmp = refs[0];
			refs[0] = refs[n];
			refs[n] = tmp;
		}
		n++;
	}
	if (r == -1)
		goto done;
	*refsp = refs;
	*np = n;
	refs = NULL;
	rv = VAULT_OK;
 done:
	store_cursor_close(c);
	free(refs);
	return rv;
}

/* Index a membership (personal: 1 or 0), or with personal -1 drop it. */
int
record_index_member(struct store_txn *txn, const char *user,
    const char *vault_id, int personal)
{
	const char	*type;
	char		 key[STORE_KEY_MAX];

	snprintf(key, sizeof(key), KEY_UVAULT, user, vault_id);
	if (personal == -1)
		return store_del(txn, key) == -1 ? VAULT_ERR_SYSTEM :
		    VAULT_OK;
	type = personal ? VAULT_TYPE_PERSONAL : VAULT_TYPE_SHARED;
	return store_put(txn, key, type, strlen(type)) == 0 ? VAULT_OK :
	    VAULT_ERR_SYSTEM;
}

/*
 * The vaults a user belongs to, personal first, with the user's role.
 * The index finds them; membership is what it always was: a wrap for the
 * user and a place in members.json.
 */
int
record_user_vaults(struct store_txn *txn, const char *user,
    struct vault_ref **refsp, size_t *np)
{
	struct vault_ref	*refs, tmp;
	struct vault_members	 ms;
	struct vault_member	*mb;
	struct vault_meta	 m;
	char			 wkey[STORE_KEY_MAX];
	unsigned char		*w;
	size_t			 i, n, kept = 0, wlen;
	int			 rv, r;

	*refsp = NULL;
	*np = 0;
	if ((rv = record_index_vaults(txn, user, &refs, &n)) != VAULT_OK)
		return rv;
	for (i = 0; i < n; i++) {
		snprintf(wkey, sizeof(wkey), KEY_WRAP, refs[i].id, user);
		if ((r = store_get(txn, wkey, &w, &wlen)) == STORE_NOTFOUND)
			continue;
		if (r == -1) {
			free(refs);
			return VAULT_ERR_SYSTEM;
		}
		free(w);
		if ((rv = record_meta_read(txn, refs[i].id, &m)) != VAULT_OK ||
		    (rv = record_members_read(txn, refs[i].id, &ms)) !=
		    VAULT_OK) {
			free(refs);
			return rv;
		}
		if ((mb = record_members_find(&ms, user)) == NULL)
			continue;
		refs[kept] = refs[i];
		refs[kept].personal = m.personal;
		refs[kept].role = mb->role;
		kept++;
	}
	if (kept > 0 && !refs[0].personal) {
		/* The index said otherwise: find the personal one by meta. */
		for (i = 1; i < kept; i++)
			if (refs[i].personal) {
				tmp = refs[0];
				refs[0] = refs[i];
				refs[i] = tmp;
				break;
			}
	}
	*refsp = refs;
	*np = kept;
	return VAULT_OK;
}

/*
 * Which vault an operation means (NULL: the user's personal vault), that
 * it exists, and the user's role in it.
 */
int
record_resolve(struct store_txn *txn, const char *user, const char *vault_id,
    struct vault_meta *m, enum vault_role *role)
{
	struct vault_members	 ms;
	struct vault_member	*mb;
	struct vault_ref	*refs;
	struct vault_kdf	 kdf;
	size_t			 n;
	int			 rv;

	if ((rv = record_kdf_read(txn, user, &kdf)) != VAULT_OK &&
	    rv != VAULT_ERR_KDF)
		return rv;
	if (vault_id == NULL) {
		if ((rv = record_user_vaults(txn, user, &refs, &n)) != VAULT_OK)
			return rv;
		if (n == 0 || !refs[0].personal) {
			free(refs);
			log_warnx("vault: user %s has no personal vault", user);
			return VAULT_ERR_CORRUPT;
		}
		rv = record_meta_read(txn, refs[0].id, m);
		*role = refs[0].role;
		free(refs);
		return rv;
	}
	if (!vault_valid_id(vault_id))
		return VAULT_ERR_NO_VAULT;
	if ((rv = record_meta_read(txn, vault_id, m)) != VAULT_OK)
		return rv;
	if ((rv = record_members_read(txn, vault_id, &ms)) != VAULT_OK)
		return rv;
	if ((mb = record_members_find(&ms, user)) == NULL)
		return VAULT_ERR_NOT_MEMBER;
	*role = mb->role;
	return VAULT_OK;
}

/*
 * Unwrap a vault key.  A missing wrap means no membership; a wrap that
 * does not open means the wrong user key (or a tampered wrap, which GCM
 * cannot tell apart): either way the caller gets "wrong master key" and
 * no bytes at all.
 */
int
record_wrap_open(struct store_txn *txn, const char *vault_id, const char *user,
    const unsigned char *ukey, uint64_t gen, struct crypto_secret **vkey)
{
	struct crypto_ad	 ad;
	char			 key[STORE_KEY_MAX];
	unsigned char		*w;
	size_t			 wlen;
	int			 rv;

	*vkey = NULL;
	snprintf(key, sizeof(key), KEY_WRAP, vault_id, user);
	if ((rv = store_get(txn, key, &w, &wlen)) == STORE_NOTFOUND)
		return VAULT_ERR_NOT_MEMBER;
	if (rv == -1)
		return VAULT_ERR_SYSTEM;
	if (crypto_ad_wrap(&ad, vault_id, user, gen) == -1) {
		free(w);
		return VAULT_ERR_SYSTEM;
	}
	rv = crypto_open(ukey, &ad, w, wlen, vkey);
	free(w);
	if (rv == -1 || (*vkey)->len != CRYPTO_KEY_LEN) {
		crypto_secret_free(*vkey);
		*vkey = NULL;
		log_warnx("vault: user %s: wrong master key for vault %s",
		    user, vault_id);
		return VAULT_ERR_WRONG_KEY;
	}
	return VAULT_OK;
}

int
record_wrap_write(struct store_txn *txn, const char *vault_id,
    const char *user, const unsigned char *ukey, uint64_t gen,
    const struct crypto_secret *vkey)
{
	struct crypto_ad	 ad;
	char			 key[STORE_KEY_MAX];
	unsigned char		*w;
	size_t			 wlen;
	int			 rv;

	snprintf(key, sizeof(key), KEY_WRAP, vault_id, user);
	if (crypto_ad_wrap(&ad, vault_id, user, gen) == -1 ||
	    crypto_seal(ukey, &ad, vkey->data, vkey->len, &w, &wlen) == -1)
		return VAULT_ERR_SYSTEM;
	rv = store_put(txn, key, w, wlen) == 0 ? VAULT_OK : VAULT_ERR_SYSTEM;
	free(w);
	return rv;
}

/*
 * Before anything is wrapped under a user key, prove it is the right one
 * by opening the user's personal vault; otherwise a typo would wrap a
 * vault key under a key nobody can reproduce.
 */
int
record_check_personal(struct store_txn *txn, const char *user,
    const unsigned char *ukey)
{
	struct crypto_secret	*vkey;
	struct vault_meta	 m;
	enum vault_role		 role;
	int			 rv;

	if ((rv = record_resolve(txn, user, NULL, &m, &role)) != VAULT_OK)
		return rv;
	rv = record_wrap_open(txn, m.id, user, ukey, m.generation, &vkey);
	crypto_secret_free(vkey);
	return rv;
}

/*
 * A credential's metadata.  legacy: the record may be as aileron 0.1
 * wrote it, without a seal version (only while migrating); otherwise a
 * record without one is damaged.
 */
int
record_cred_meta_parse(const char *vault_id, const unsigned char *val,
    size_t len, int legacy, struct vault_credential_info *ci)
{
	json_error_t	 jerr;
	json_t		*o, *jc, *jr, *jv;
	char		 kind[16];
	int		 rv = VAULT_ERR_CORRUPT;

	memset(ci, 0, sizeof(*ci));
	if ((o = json_loadb((const char *)val, len, JSON_REJECT_DUPLICATES,
	    &jerr)) == NULL)
		return VAULT_ERR_CORRUPT;
	jc = json_object_get(o, "created");
	jr = json_object_get(o, "rotated");
	jv = json_object_get(o, "version");
	if ((jv == NULL && !legacy) || (jv != NULL &&
	    (!json_is_integer(jv) || json_integer_value(jv) < 0)))
		goto done;
	if (record_json_str(o, "id", ci->id, sizeof(ci->id)) == -1 ||
	    !vault_valid_id(ci->id) ||
	    record_json_str(o, "name", ci->name, sizeof(ci->name)) == -1 ||
	    record_json_str(o, "connector", ci->connector,
	    sizeof(ci->connector)) == -1 ||
	    record_json_str(o, "kind", kind, sizeof(kind)) == -1 ||
	    vault_kind_parse(kind, &ci->kind) == -1 ||
	    !json_is_integer(jc) || !json_is_integer(jr))
		goto done;
	if ((ci->kind == INJECT_HEADER || ci->kind == INJECT_QUERY) &&
	    record_json_str(o, "param", ci->param, sizeof(ci->param)) == -1)
		goto done;
	strlcpy(ci->vault_id, vault_id, sizeof(ci->vault_id));
	ci->created = (time_t)json_integer_value(jc);
	ci->rotated = (time_t)json_integer_value(jr);
	ci->version = jv != NULL ? (uint64_t)json_integer_value(jv) : 0;
	rv = VAULT_OK;
 done:
	json_decref(o);
	return rv;
}

int
record_cred_meta_write(struct store_txn *txn,
    const struct vault_credential_info *ci)
{
	char	 key[STORE_KEY_MAX];
	json_t	*o;
	int	 rv;

	snprintf(key, sizeof(key), KEY_CMETA, ci->vault_id, ci->id);
	o = json_pack("{s:i, s:s, s:s, s:s, s:s, s:I, s:I, s:I}",
	    "format", VAULT_FORMAT, "id", ci->id, "name", ci->name,
	    "connector", ci->connector, "kind", vault_kind_name(ci->kind),
	    "created", (json_int_t)ci->created,
	    "rotated", (json_int_t)ci->rotated,
	    "version", (json_int_t)ci->version);
	if (o != NULL && (ci->kind == INJECT_HEADER ||
	    ci->kind == INJECT_QUERY) &&
	    json_object_set_new(o, "param", json_string(ci->param)) == -1) {
		json_decref(o);
		return VAULT_ERR_SYSTEM;
	}
	rv = record_json_put(txn, key, o);
	json_decref(o);
	return rv;
}

/* Every credential's metadata in one vault, in key order. */
int
record_cred_list(struct store_txn *txn, const char *vault_id, int legacy,
    struct vault_credential_info **cip, size_t *np)
{
	struct store_cursor		*c;
	struct vault_credential_info	*ci = NULL, *nci;
	const unsigned char		*val;
	const char			*key;
	char				 prefix[STORE_KEY_MAX];
	char				 want[STORE_KEY_MAX];
	size_t				 n = 0, cap = 0, len, kl;
	int				 r, rv = VAULT_ERR_SYSTEM;

	*cip = NULL;
	*np = 0;
	snprintf(prefix, sizeof(prefix), KEY_CREDS, vault_id);
	if ((c = store_cursor_open(txn, prefix)) == NULL)
		return VAULT_ERR_SYSTEM;
	while ((r = store_cursor_next(c, &key, &val, &len)) == 0) {
		kl = strlen(key);
		if (kl < strlen(CMETA_SUFFIX) ||
		    strcmp(key + kl - strlen(CMETA_SUFFIX), CMETA_SUFFIX) != 0)
			continue;
		if (n == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			if ((nci = reallocarray(ci, cap,
			    sizeof(*ci))) == NULL) {
				log_warn("%s", __func__);
				goto done;
			}
			ci = nci;
		}
		/*
		 * The id inside must be the one in the record's name, or
		 * a meta record copied over another would hide that
		 * credential behind a second copy of the first.
		 */
		if (record_cred_meta_parse(vault_id, val, len, legacy,
		    &ci[n]) == VAULT_OK)
			snprintf(want, sizeof(want), KEY_CMETA, vault_id,
			    ci[n].id);
		else
			want[0] = '\0';
		if (strcmp(key, want) != 0) {
			log_warnx("vault: record %s is damaged", key);
			rv = VAULT_ERR_CORRUPT;
			goto done;
		}
		n++;
	}
	if (r == -1)
		goto done;
	*cip = ci;
	*np = n;
	ci = NULL;
	rv = VAULT_OK;
 done:
	store_cursor_close(c);
	free(ci);
	return rv;
}

int
record_cred_seal(struct store_txn *txn, const unsigned char *vkey,
    uint64_t gen, const struct vault_credential_info *ci,
    const unsigned char *value, size_t len)
{
	struct crypto_ad	 ad;
	char			 key[STORE_KEY_MAX], kind[VAULT_PARAM_MAX + 16];
	unsigned char		*blob;
	size_t			 bloblen;
	int			 rv;

	if (record_kind_ad(ci, kind, sizeof(kind)) == -1 ||
	    crypto_ad_credential(&ad, ci->vault_id, ci->id, ci->connector,
	    kind, gen, ci->version) == -1 ||
	    crypto_seal(vkey, &ad, value, len, &blob, &bloblen) == -1)
		return VAULT_ERR_SYSTEM;
	snprintf(key, sizeof(key), KEY_ENC, ci->vault_id, ci->id);
	rv = store_put(txn, key, blob, bloblen) == 0 ? VAULT_OK :
	    VAULT_ERR_SYSTEM;
	free(blob);
	return rv;
}

int
record_cred_open(struct store_txn *txn, const unsigned char *vkey,
    uint64_t gen, const struct vault_credential_info *ci,
    struct crypto_secret **out)
{
	struct crypto_ad	 ad;
	char			 key[STORE_KEY_MAX], kind[VAULT_PARAM_MAX + 16];
	unsigned char		*blob;
	size_t			 bloblen;
	int			 rv;

	*out = NULL;
	snprintf(key, sizeof(key), KEY_ENC, ci->vault_id, ci->id);
	if ((rv = store_get(txn, key, &blob, &bloblen)) == STORE_NOTFOUND) {
		log_warnx("vault: credential %s in vault %s has no value",
		    ci->name, ci->vault_id);
		return VAULT_ERR_CORRUPT;
	}
	if (rv == -1)
		return VAULT_ERR_SYSTEM;
	if (record_kind_ad(ci, kind, sizeof(kind)) == -1 ||
	    crypto_ad_credential(&ad, ci->vault_id, ci->id, ci->connector,
	    kind, gen, ci->version) == -1) {
		free(blob);
		return VAULT_ERR_SYSTEM;
	}
	rv = crypto_open(vkey, &ad, blob, bloblen, out);
	free(blob);
	if (rv == -1) {
		log_warnx("vault: credential %s (%s) in vault %s does not "
		    "authenticate: damaged, moved, re-pointed or rolled back",
		    ci->name, ci->connector, ci->vault_id);
		return VAULT_ERR_CORRUPT;
	}
	return VAULT_OK;
}

/* The index entries: this credential is the connector's and the name's. */
int
record_cred_index(struct store_txn *txn, const struct vault_credential_info *ci)
{
	char	 key[STORE_KEY_MAX];

	snprintf(key, sizeof(key), KEY_CONN, ci->vault_id, ci->connector);
	if (store_put(txn, key, ci->id, strlen(ci->id)) == -1)
		return VAULT_ERR_SYSTEM;
	snprintf(key, sizeof(key), KEY_NAME, ci->vault_id, ci->name);
	return store_put(txn, key, ci->id, strlen(ci->id)) == 0 ? VAULT_OK :
	    VAULT_ERR_SYSTEM;
}

/* A credential's two records, and its index entries where they are its. */
int
record_cred_delete(struct store_txn *txn,
    const struct vault_credential_info *ci)
{
	char		 key[STORE_KEY_MAX];
	unsigned char	*id;
	size_t		 len;
	int		 i, r;

	for (i = 0; i < 2; i++) {
		if (i == 0)
			snprintf(key, sizeof(key), KEY_CONN, ci->vault_id,
			    ci->connector);
		else
			snprintf(key, sizeof(key), KEY_NAME, ci->vault_id,
			    ci->name);
		if ((r = store_get(txn, key, &id, &len)) == -1)
			return VAULT_ERR_SYSTEM;
		if (r != 0)
			continue;
		r = len == strlen(ci->id) && memcmp(id, ci->id, len) == 0;
		free(id);
		if (r && store_del(txn, key) == -1)
			return VAULT_ERR_SYSTEM;
	}
	snprintf(key, sizeof(key), KEY_ENC, ci->vault_id, ci->id);
	if (store_del(txn, key) == -1)
		return VAULT_ERR_SYSTEM;
	snprintf(key, sizeof(key), KEY_CMETA, ci->vault_id, ci->id);
	if (store_del(txn, key) == -1)
		return VAULT_ERR_SYSTEM;
	return VAULT_OK;
}

/* Commit on success, abort on anything else: all or nothing. */
int
record_finish(struct store_txn *txn, int rv)
{
	if (rv != VAULT_OK) {
		store_abort(txn);
		return rv;
	}
	return store_commit(txn) == 0 ? VAULT_OK : VAULT_ERR_SYSTEM;
}

/* Find one credential by name in an opened transaction. */
int
record_cred_byname(struct store_txn *txn, const char *vault_id,
    const char *name, struct vault_credential_info *out)
{
	return record_cred_lookup(txn, vault_id, "names", name, out);
}

/*
 * A credential of one vault by an index ("connectors" or "names"): the
 * id the index names, then that credential's own metadata, which must
 * agree with the index (the same id, the same connector or name).
 */
int
record_cred_lookup(struct store_txn *txn, const char *vault_id,
    const char *index, const char *value, struct vault_credential_info *out)
{
	unsigned char	*val;
	char		 key[STORE_KEY_MAX], id[VAULT_ID_LEN + 1];
	size_t		 len;
	int		 rv, r;

	snprintf(key, sizeof(key), "vaults/%s/%s/%s", vault_id, index, value);
	if ((r = store_get(txn, key, &val, &len)) == STORE_NOTFOUND)
		return VAULT_ERR_NO_CREDENTIAL;
	if (r == -1)
		return VAULT_ERR_SYSTEM;
	memset(id, 0, sizeof(id));
	if (len == VAULT_ID_LEN)
		memcpy(id, val, VAULT_ID_LEN);
	free(val);
	if (!vault_valid_id(id)) {
		log_warnx("vault: record %s is damaged", key);
		return VAULT_ERR_CORRUPT;
	}
	snprintf(key, sizeof(key), KEY_CMETA, vault_id, id);
	if ((r = store_get(txn, key, &val, &len)) != 0) {
		if (r == STORE_NOTFOUND)
			log_warnx("vault: index vaults/%s/%s/%s names a "
			    "credential that is not there", vault_id, index,
			    value);
		return r == STORE_NOTFOUND ? VAULT_ERR_CORRUPT :
		    VAULT_ERR_SYSTEM;
	}
	rv = record_cred_meta_parse(vault_id, val, len, 0, out);
	free(val);
	if (rv != VAULT_OK || strcmp(out->id, id) != 0 ||
	    strcmp(strcmp(index, "names") == 0 ? out->name : out->connector,
	    value) != 0) {
		log_warnx("vault: record %s is damaged or does not match its "
		    "index", key);
		return VAULT_ERR_CORRUPT;
	}
	return VAULT_OK;
}

/*
 * The credential for this user and connector: the personal vault's
 * first, then shared vaults' in id order.  An index lookup per vault of
 * the user's: what the store holds besides does not count.
 */
int
record_cred_find(struct store_txn *txn, const char *user,
    const char *connector, struct vault_credential_info *out)
{
	return record_cred_choose(txn, user, connector, NULL, out, NULL);
}

/*
 * Which of the user's credentials serves a connector, never a guess:
 * the one in the vault that aileron.conf's connector-vault line names
 * (prefer), when that vault is one of the user's and holds one; else the
 * personal vault's; else the only shared vault's that holds one.  When
 * two or more shared vaults hold one and no line decides, the answer is
 * VAULT_ERR_AMBIGUOUS with two of them named in *cf.
 */
int
record_cred_choose(struct store_txn *txn, const char *user,
    const char *connector, const char *prefer,
    struct vault_credential_info *out, struct record_conflict *cf)
{
	struct vault_credential_info	 ci, shared, personal;
	struct vault_meta		 m;
	struct vault_ref		*refs;
	char				 first[VAULT_NAME_MAX + 1];
	size_t				 i, n, nshared = 0;
	int				 rv, havepersonal = 0;

	if (cf != NULL)
		memset(cf, 0, sizeof(*cf));
	if (!vault_valid_chars(connector, VAULT_CONNECTOR_MAX, "._-"))
		return VAULT_ERR_NO_CREDENTIAL;
	if ((rv = record_index_vaults(txn, user, &refs, &n)) != VAULT_OK)
		return rv;
	first[0] = '\0';
	for (i = 0; i < n; i++) {
		rv = record_cred_lookup(txn, refs[i].id, "connectors",
		    connector, &ci);
		if (rv == VAULT_ERR_NO_CREDENTIAL)
			continue;
		if (rv != VAULT_OK)
			goto done;
		if (refs[i].personal) {
			personal = ci;
			havepersonal = 1;
			continue;
		}
		if ((rv = record_meta_read(txn, refs[i].id, &m)) != VAULT_OK)
			goto done;
		if (prefer != NULL && strcmp(m.name, prefer) == 0) {
			*out = ci;
			goto done;
		}
		if (nshared == 0) {
			shared = ci;
			strlcpy(first, m.name, sizeof(first));
		} else if (nshared == 1 && cf != NULL) {
			strlcpy(cf->a, first, sizeof(cf->a));
			strlcpy(cf->b, m.name, sizeof(cf->b));
		}
		nshared++;
	}
	if (havepersonal)
		*out = personal;
	else if (nshared == 1)
		*out = shared;
	else if (nshared == 0)
		rv = VAULT_ERR_NO_CREDENTIAL;
	else {
		if (cf != NULL && prefer != NULL)
			strlcpy(cf->line, prefer, sizeof(cf->line));
		rv = VAULT_ERR_AMBIGUOUS;
		goto done;
	}
	if (havepersonal || nshared == 1)
		rv = VAULT_OK;
 done:
	free(refs);
	return rv;
}

/* vault_key_open() inside a transaction the caller holds. */
int
record_key_unwrap(struct store_txn *txn, const char *user,
    const unsigned char *ukey, const char *vault_id, struct vault_key **out)
{
	struct vault_key	*vk;
	struct vault_meta	 m;
	enum vault_role		 role;
	int			 rv;

	*out = NULL;
	if ((rv = record_resolve(txn, user, vault_id, &m, &role)) != VAULT_OK)
		return rv;
	if ((vk = calloc(1, sizeof(*vk))) == NULL)
		return VAULT_ERR_SYSTEM;
	strlcpy(vk->vault_id, m.id, sizeof(vk->vault_id));
	vk->generation = m.generation;
	if ((rv = record_wrap_open(txn, m.id, user, ukey, m.generation,
	    &vk->key)) != VAULT_OK) {
		vault_key_free(vk);
		return rv;
	}
	*out = vk;
	return VAULT_OK;
}
