/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* vault_inject.c: tests of the injection path and its per-session cache. */

/*
 * vault_credential_inject() with a session's cache: a warm cache serves
 * from what it holds, and a cache that missed an invalidation (here: the
 * store changed behind its back) still injects only what the store says
 * now, or nothing: a stale entry is dropped and the store read afresh.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "tap.h"
#include "log.h"
#include "vault/crypto.h"
#include "vault/store.h"
#include "vault/vault.h"
#include "vaultd/session.h"
#include "vault_test.h"

#define SID	"0123456789abcdef0123456789abcdef"

static struct vault		*v;
static struct session		*s;
static struct vault_keycache	 kc;

/* INJECT as vaultd does it: 0 and the value, or the error. */
static int
inject(const char *connector, const char *want)
{
	struct vault_credential_info	 ci;
	struct crypto_secret		*pt;
	int				 rv;

	rv = vault_credential_inject(v, s->user, s->ukey->data, connector,
	    &kc, &ci, &pt);
	if (rv != VAULT_OK) {
		if (pt != NULL)
			diag("bytes returned with error %d", rv);
		crypto_secret_free(pt);
		return rv;
	}
	if (want == NULL || pt->len != strlen(want) ||
	    memcmp(pt->data, want, pt->len) != 0 ||
	    strcmp(ci.connector, connector) != 0)
		rv = -1;
	crypto_secret_free(pt);
	return rv;
}

static void
user(const char *name, unsigned char *ukey)
{
	struct vault_kdf	 kdf;

	vault_kdf_new(&kdf);
	kdf.N = CRYPTO_KDF_N_MIN;
	crypto_random(ukey, CRYPTO_KEY_LEN);
	if (vault_user_init(v, name, &kdf, ukey) != VAULT_OK)
		fatalx("init %s", name);
}

static int
add(const char *name, const unsigned char *ukey, const char *vault_id,
    const char *cname, const char *connector, const char *value)
{
	return vault_credential_add(v, name, ukey, vault_id, cname, connector,
	    INJECT_BEARER, NULL, (const unsigned char *)value,
	    strlen(value), 0);
}

int
main(void)
{
	char			 tmpl[] = "/tmp/aileron-vault-inject.XXXXXX";
	char			 dir[64], team[VAULT_ID_LEN + 1];
	unsigned char		 ak[CRYPTO_KEY_LEN], bk[CRYPTO_KEY_LEN];
	struct vault_member_key	 keys[1];
	struct sessions		 ss;
	size_t			 hits, misses, drops;

	if (mkdtemp(tmpl) == NULL)
		return 1;
	snprintf(dir, sizeof(dir), "%s/vault", tmpl);
	log_init(1, 0, "vault_inject");
	vault_crypto_init();
	ok((v = vault_open(dir)) != NULL, "open the vault");
	user("alice", ak);
	user("bob", bk);
	is(add("alice", ak, NULL, "lin", "linear", "linear_one"), VAULT_OK,
	    "alice adds a linear credential");
	session_init(&ss);
	s = session_begin(&ss, SID, "alice");
	ok(s != NULL && session_set_key(s, ak) == 0, "a session with her key");
	session_keycache(s, &kc);

	/* Cold, then warm. */
	is(inject("linear", "linear_one"), VAULT_OK, "first INJECT opens");
	is(s->vk_misses, 1, "a miss: the vault key was unwrapped");
	is(inject("linear", "linear_one"), VAULT_OK, "second INJECT opens");
	is(s->vk_hits, 1, "a hit: from the cache");
	is(inject("github", NULL), VAULT_ERR_NO_CREDENTIAL,
	    "a connector without a credential: none, nothing cached");

	/* The store changes behind the cache's back: never the old value. */
	hits = s->vk_hits;
	misses = s->vk_misses;
	drops = s->vk_drops;
	is(vault_credential_rotate(v, "alice", ak, NULL, "lin",
	    (const unsigned char *)"linear_two", 10), VAULT_OK,
	    "rotate, without telling the cache");
	is(inject("linear", "linear_two"), VAULT_OK,
	    "INJECT gives the rotated value, not the cached old one");
	ok(s->vk_drops == drops + 1 && s->vk_misses == misses + 1 &&
	    s->vk_hits == hits + 1, "the stale entry was tried, dropped and "
	    "the key unwrapped again");
	is(vault_credential_remove(v, "alice", ak, NULL, "lin"), VAULT_OK,
	    "remove, without telling the cache");
	is(inject("linear", NULL), VAULT_ERR_NO_CREDENTIAL,
	    "INJECT finds nothing: the cache does not outlive the record");

	/* A shared vault, revoked behind the cache's back. */
	ok(vault_shared_create(v, "bob", bk, "team", team) == VAULT_OK &&
	    add("bob", bk, team, "t", "stripe", "stripe_team") == VAULT_OK &&
	    vault_grant(v, team, "bob", bk, "alice", ak,
	    VAULT_ROLE_READER) == VAULT_OK, "bob shares a vault with alice");
	is(inject("stripe", "stripe_team"), VAULT_OK,
	    "alice injects from it, and caches its key");
	keys[0].user = "bob";
	keys[0].ukey = bk;
	is(vault_revoke(v, team, "bob", "alice", keys, 1), VAULT_OK,
	    "bob revokes alice, without telling the cache");
	is(inject("stripe", NULL), VAULT_ERR_NO_CREDENTIAL,
	    "alice gets nothing: her cached key opens nothing re-sealed, and "
	    "her index entry is gone");

	/* Invalidation drops everything the session holds. */
	is(add("alice", ak, NULL, "lin", "linear", "linear_three"), VAULT_OK,
	    "a new linear credential");
	is(inject("linear", "linear_three"), VAULT_OK, "it opens");
	ok(session_vkey_drop_all(&ss, NULL, "test") == 1 &&
	    TAILQ_EMPTY(&s->vkeys) && TAILQ_EMPTY(&s->creds),
	    "a drop empties the session's keys and credentials");
	ok(session_vkey_drop_all(&ss, "bob", "test") == 0,
	    "a drop for another user leaves the session alone");

	session_end_all(&ss);
	vault_close(v);
	OPENSSL_cleanse(ak, sizeof(ak));
	OPENSSL_cleanse(bk, sizeof(bk));
	vt_rmdir(dir);
	rmdir(tmpl);
	return done_testing();
}
