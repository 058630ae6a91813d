/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* vault_legacy_store.c: a store as aileron 0.1 wrote it, for tests. */

/*
 *	vault_legacy_store write DIR	a 0.1 store: no page checksums, no
 *					store.json, no indexes, credentials
 *					sealed without a seal version
 *	vault_legacy_store keys DIR	every key, one a line (no migration)
 *	vault_legacy_store verify DIR	open (migrating), open every
 *					credential, say what opened
 *	vault_legacy_store rollback DIR	rotate, write the old .enc back, try
 *
 * The 0.1 layout is written here record by record, exactly as 0.1's
 * vault.c wrote it, through Berkeley DB directly and with the environment
 * 0.1 opened: the test must not depend on the code it tests to make its
 * starting point.  The keys are derived from fixed test master keys; no
 * key is written anywhere.
 */

#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <db.h>
#include <jansson.h>
#include <openssl/crypto.h>

#include "log.h"
#include "vault/crypto.h"
#include "vault/store.h"
#include "vault/vault.h"

#define ALICE_MASTER	"legacy test alice master key"
#define BOB_MASTER	"legacy test bob master key"
#define SALT_ALICE	"0123456789abcdef0123456789abcdef"
#define SALT_BOB	"fedcba9876543210fedcba9876543210"
#define PV_ALICE	"a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0"
#define PV_BOB		"b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0"
#define TEAM		"c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0"
#define CRED_LINEAR	"11111111111111111111111111111111"
#define CRED_GITHUB	"22222222222222222222222222222222"
#define CRED_TEAM	"33333333333333333333333333333333"
#define V_LINEAR	"lin_api_LEGACYSECRET_0001"
#define V_GITHUB	"ghp_LEGACYSECRET_0002"
#define V_TEAM		"team_LEGACYSECRET_0003"
#define V_ROTATED	"lin_api_LEGACYSECRET_0004_rotated"

static DB	*db;

static void
user_key(const char *master, const char *salthex, unsigned char *out)
{
	unsigned char	 salt[CRYPTO_SALT_LEN];
	unsigned int	 b;
	size_t		 i;

	for (i = 0; i < sizeof(salt); i++) {
		sscanf(salthex + i * 2, "%2x", &b);
		salt[i] = (unsigned char)b;
	}
	if (crypto_user_key(master, strlen(master), salt, CRYPTO_KDF_N_MIN, 8,
	    1, out) != 0)
		fatalx("kdf");
}

static void
put(const char *key, const void *val, size_t len)
{
	DBT	 k, v;
	int	 rv;

	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	k.data = (void *)(uintptr_t)key;
	k.size = strlen(key);
	v.data = (void *)(uintptr_t)val;
	v.size = len;
	if ((rv = db->put(db, NULL, &k, &v, DB_AUTO_COMMIT)) != 0)
		fatalx("put %s: %s", key, db_strerror(rv));
}

static void
put_json(const char *key, json_t *o)
{
	char	*s;

	if (o == NULL ||
	    (s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
		fatalx("json for %s", key);
	put(key, s, strlen(s));
	free(s);
	json_decref(o);
}

/* users/{user}/kdf.json, a vault's meta.json and members.json. */
static void
put_user(const char *user, const char *salt)
{
	char	 key[STORE_KEY_MAX];

	snprintf(key, sizeof(key), "users/%s/kdf.json", user);
	put_json(key, json_pack("{s:i, s:s, s:I, s:I, s:I}", "format", 1,
	    "salt", salt, "N", (json_int_t)CRYPTO_KDF_N_MIN, "r",
	    (json_int_t)8, "p", (json_int_t)1));
}

static void
put_vault(const char *id, const char *type, const char *name,
    const char *owner, const char *reader)
{
	char	 key[STORE_KEY_MAX];
	json_t	*a;

	snprintf(key, sizeof(key), "vaults/%s/meta.json", id);
	put_json(key, json_pack("{s:i, s:s, s:s, s:s, s:I, s:I}", "format", 1,
	    "id", id, "type", type, "name", name, "generation",
	    (json_int_t)1, "created", (json_int_t)1700000000));
	a = json_pack("[{s:s, s:s}]", "user", owner, "role", "owner");
	if (reader != NULL)
		json_array_append_new(a, json_pack("{s:s, s:s}", "user",
		    reader, "role", "reader"));
	snprintf(key, sizeof(key), "vaults/%s/members.json", id);
	put_json(key, json_pack("{s:i, s:o}", "format", 1, "members", a));
}

static void
put_wrap(const char *id, const char *user, const unsigned char *ukey,
    const struct crypto_secret *vkey)
{
	struct crypto_ad	 ad;
	unsigned char		*blob;
	size_t			 len;
	char			 key[STORE_KEY_MAX];

	if (crypto_ad_wrap(&ad, id, user, 1) == -1 ||
	    crypto_seal(ukey, &ad, vkey->data, vkey->len, &blob, &len) == -1)
		fatalx("wrap");
	snprintf(key, sizeof(key), "vaults/%s/key_wrappings/%s.wrap", id,
	    user);
	put(key, blob, len);
	free(blob);
}

/* A bearer credential, sealed as 0.1 sealed: seal version 0. */
static void
put_cred(const char *vid, const char *cid, const char *name,
    const char *connector, const struct crypto_secret *vkey,
    const char *value)
{
	struct crypto_ad	 ad;
	unsigned char		*blob;
	size_t			 len;
	char			 key[STORE_KEY_MAX];

	if (crypto_ad_credential(&ad, vid, cid, connector, "bearer", 1,
	    0) == -1 || crypto_seal(vkey->data, &ad,
	    (const unsigned char *)value, strlen(value), &blob, &len) == -1)
		fatalx("seal");
	snprintf(key, sizeof(key), "vaults/%s/credentials/%s.enc", vid, cid);
	put(key, blob, len);
	free(blob);
	snprintf(key, sizeof(key), "vaults/%s/credentials/%s.meta.json", vid,
	    cid);
	put_json(key, json_pack("{s:i, s:s, s:s, s:s, s:s, s:I, s:I}",
	    "format", 1, "id", cid, "name", name, "connector", connector,
	    "kind", "bearer", "created", (json_int_t)1700000000,
	    "rotated", (json_int_t)1700000000));
}

/* The environment as 0.1 opened it, and store.db without checksums. */
static void
legacy_write(const char *dir)
{
	struct crypto_secret	*pk_a, *pk_b, *tk;
	DB_ENV			*env;
	unsigned char		 ak[CRYPTO_KEY_LEN], bk[CRYPTO_KEY_LEN];
	int			 rv;

	if (mkdir(dir, 0700) == -1)
		fatal("mkdir %s", dir);
	umask(077);
	if ((rv = db_env_create(&env, 0)) != 0 ||
	    (rv = env->set_lk_max_locks(env, 200000)) != 0 ||
	    (rv = env->set_lk_max_objects(env, 200000)) != 0 ||
	    (rv = env->set_cachesize(env, 0, 16 * 1024 * 1024, 1)) != 0 ||
	    (rv = env->open(env, dir, DB_CREATE | DB_INIT_TXN | DB_INIT_LOG |
	    DB_INIT_LOCK | DB_INIT_MPOOL | DB_RECOVER, 0600)) != 0 ||
	    (rv = db_create(&db, env, 0)) != 0 ||
	    (rv = db->open(db, NULL, STORE_DB_NAME, NULL, DB_BTREE,
	    DB_CREATE | DB_AUTO_COMMIT, 0600)) != 0)
		fatalx("open %s: %s", dir, db_strerror(rv));
	user_key(ALICE_MASTER, SALT_ALICE, ak);
	user_key(BOB_MASTER, SALT_BOB, bk);
	if ((pk_a = crypto_key_new()) == NULL ||
	    (pk_b = crypto_key_new()) == NULL ||
	    (tk = crypto_key_new()) == NULL)
		fatalx("keys");
	put_user("alice", SALT_ALICE);
	put_user("bob", SALT_BOB);
	put_vault(PV_ALICE, "personal", "personal", "alice", NULL);
	put_wrap(PV_ALICE, "alice", ak, pk_a);
	put_vault(PV_BOB, "personal", "personal", "bob", NULL);
	put_wrap(PV_BOB, "bob", bk, pk_b);
	put_vault(TEAM, "shared", "team", "alice", "bob");
	put_wrap(TEAM, "alice", ak, tk);
	put_wrap(TEAM, "bob", bk, tk);
	put_cred(PV_ALICE, CRED_LINEAR, "lin", "linear", pk_a, V_LINEAR);
	put_cred(PV_ALICE, CRED_GITHUB, "gh", "github", pk_a, V_GITHUB);
	put_cred(TEAM, CRED_TEAM, "teamstripe", "stripe", tk, V_TEAM);
	crypto_secret_free(pk_a);
	crypto_secret_free(pk_b);
	crypto_secret_free(tk);
	OPENSSL_cleanse(ak, sizeof(ak));
	OPENSSL_cleanse(bk, sizeof(bk));
	db->close(db, 0);
	env->txn_checkpoint(env, 0, 0, 0);
	env->close(env, 0);
}

static void
keys(const char *dir)
{
	struct store		*st;
	struct store_txn	*txn;
	struct store_cursor	*c;
	const unsigned char	*val;
	const char		*key;
	size_t			 len;

	if ((st = store_open(dir)) == NULL || (txn = store_begin(st)) == NULL ||
	    (c = store_cursor_open(txn, "")) == NULL)
		fatalx("open %s", dir);
	while (store_cursor_next(c, &key, &val, &len) == 0)
		printf("%s\n", key);
	store_cursor_close(c);
	store_abort(txn);
	store_close(st);
}

/* "user connector: value" if it opens, "user connector: error" if not. */
static void
opens(struct vault *v, const char *user, const unsigned char *ukey,
    const char *connector)
{
	struct vault_credential_info	 ci;
	struct crypto_secret		*s;
	int				 rv;

	if ((rv = vault_credential_open(v, user, ukey, connector, &ci,
	    &s)) != VAULT_OK) {
		printf("%s %s: %s\n", user, connector, vault_strerror(rv));
		return;
	}
	printf("%s %s: %s (version %llu)\n", user, connector,
	    (const char *)s->data, (unsigned long long)ci.version);
	crypto_secret_free(s);
}

static unsigned char *
get(struct vault *v, const char *key, size_t *len)
{
	struct store_txn	*txn;
	unsigned char		*val;

	if ((txn = store_begin(vault_store(v))) == NULL ||
	    store_get(txn, key, &val, len) != 0)
		fatalx("get %s", key);
	store_abort(txn);
	return val;
}

static void
set(struct vault *v, const char *key, const unsigned char *val, size_t len)
{
	struct store_txn	*txn;

	if ((txn = store_begin(vault_store(v))) == NULL ||
	    store_put(txn, key, val, len) != 0 || store_commit(txn) != 0)
		fatalx("put %s", key);
}

int
main(int argc, char *argv[])
{
	struct vault	*v;
	unsigned char	 ak[CRYPTO_KEY_LEN], bk[CRYPTO_KEY_LEN];
	unsigned char	*enc, *meta;
	size_t		 elen, mlen;
	int		 rv;

	if (argc != 3)
		fatalx("usage: vault_legacy_store write|keys|verify|rollback "
		    "DIR");
	log_init(1, 0, "vault_legacy_store");
	vault_crypto_init();
	if (strcmp(argv[1], "write") == 0) {
		legacy_write(argv[2]);
		return 0;
	}
	if (strcmp(argv[1], "keys") == 0) {
		keys(argv[2]);
		return 0;
	}
	user_key(ALICE_MASTER, SALT_ALICE, ak);
	user_key(BOB_MASTER, SALT_BOB, bk);
	if ((v = vault_open(argv[2])) == NULL)
		fatalx("cannot open the vault in %s", argv[2]);
	if (strcmp(argv[1], "verify") == 0) {
		opens(v, "alice", ak, "linear");
		opens(v, "alice", ak, "github");
		opens(v, "alice", ak, "stripe");
		opens(v, "bob", bk, "stripe");
		opens(v, "bob", bk, "linear");
	} else if (strcmp(argv[1], "rollback") == 0) {
		/* What an attacker kept from before the rotate. */
		enc = get(v, "vaults/" PV_ALICE "/credentials/" CRED_LINEAR
		    ".enc", &elen);
		meta = get(v, "vaults/" PV_ALICE "/credentials/" CRED_LINEAR
		    ".meta.json", &mlen);
		if ((rv = vault_credential_rotate(v, "alice", ak, NULL, "lin",
		    (const unsigned char *)V_ROTATED,
		    strlen(V_ROTATED))) != VAULT_OK)
			fatalx("rotate: %s", vault_strerror(rv));
		opens(v, "alice", ak, "linear");
		set(v, "vaults/" PV_ALICE "/credentials/" CRED_LINEAR ".enc",
		    enc, elen);
		opens(v, "alice", ak, "linear");
		/* Both records back: the limit aileron-vault(5) states. */
		set(v, "vaults/" PV_ALICE "/credentials/" CRED_LINEAR
		    ".meta.json", meta, mlen);
		opens(v, "alice", ak, "linear");
		free(enc);
		free(meta);
	} else
		fatalx("unknown command %s", argv[1]);
	OPENSSL_cleanse(ak, sizeof(ak));
	OPENSSL_cleanse(bk, sizeof(bk));
	vault_close(v);
	return 0;
}
