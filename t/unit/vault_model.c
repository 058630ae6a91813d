/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* vault_model.c: tests for the vault model on a real environment. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "tap.h"
#include "log.h"
#include "vault/crypto.h"
#include "vault/store.h"
#include "vault/vault.h"
#include "vault_test.h"

#define ALICE_MASTER	"alice master passphrase 1"
#define ALICE_MASTER2	"alice master passphrase 2"
#define BOB_MASTER	"bob master passphrase"

static const char *secrets[] = {
	"lin_api_SECRETbearer0001",		/* linear, bearer */
	"octocat:ghp_SECRETbasic0002",		/* github, basic */
	"sk-ant-SECRETheader0003",		/* anthropic, header */
	"AIzaSECRETquery0004",			/* maps, query */
	"lin_api_SECRETreplaced0005",		/* linear, replaced */
	"lin_api_SECRETrotated0006",		/* linear, rotated */
	"sk_live_SECRETshared0007",		/* stripe, shared vault */
	ALICE_MASTER, ALICE_MASTER2, BOB_MASTER,
};

static struct vault	*v;
static struct store	*st;
static char		*before;

static void
derive(const char *user, const char *master, unsigned char *out)
{
	struct vault_kdf	 kdf;

	if (vault_user_kdf(v, user, &kdf) != VAULT_OK ||
	    crypto_user_key(master, strlen(master), kdf.salt, kdf.N, kdf.r,
	    kdf.p, out) != 0)
		memset(out, 0, CRYPTO_KEY_LEN);
}

/* Fast, in-bounds parameters: the tests derive many keys. */
static void
test_kdf(struct vault_kdf *kdf)
{
	vault_kdf_new(kdf);
	kdf->N = CRYPTO_KDF_N_MIN;
}

static int
opens_to(const char *user, const unsigned char *ukey, const char *connector,
    const char *want)
{
	struct vault_credential_info	 ci;
	struct crypto_secret		*s;
	int				 rv, good;

	rv = vault_credential_open(v, user, ukey, connector, &ci, &s);
	if (rv != VAULT_OK) {
		diag("open %s for %s: %s", connector, user, vault_strerror(rv));
		return 0;
	}
	good = s->len == strlen(want) && memcmp(s->data, want, s->len) == 0 &&
	    strcmp(ci.connector, connector) == 0;
	crypto_secret_free(s);
	return good;
}

static int
open_err(const char *user, const unsigned char *ukey, const char *connector)
{
	struct vault_credential_info	 ci;
	struct crypto_secret		*s;
	int				 rv;

	rv = vault_credential_open(v, user, ukey, connector, &ci, &s);
	if (s != NULL)
		diag("open returned bytes on error %d", rv);
	crypto_secret_free(s);
	return rv;
}

static void
snap(void)
{
	free(before);
	before = vt_dump(st);
}

static int
unchanged(void)
{
	char	*now;
	int	 same;

	now = vt_dump(st);
	same = vt_same(before, now);
	free(now);
	return same;
}

static void
cred_key(const char *vault_id, const char *connector, const char *suffix,
    char *out, size_t len)
{
	struct vault_credential_info	 ci;

	memset(&ci, 0, sizeof(ci));
	if (vault_credential_find(v, "alice", connector, &ci) != VAULT_OK)
		diag("no credential for %s", connector);
	snprintf(out, len, "vaults/%s/credentials/%s%s", vault_id, ci.id,
	    suffix);
}

int
main(void)
{
	char		 tmpl[] = "/tmp/aileron-vault-model.XXXXXX";
	char		 dir[256], logpath[256], pv[VAULT_ID_LEN + 1];
	char		 team[VAULT_ID_LEN + 1], k1[STORE_KEY_MAX];
	char		 k2[STORE_KEY_MAX], k3[STORE_KEY_MAX];
	char		 hex[256], b64[256], *p;
	unsigned char	 ak[CRYPTO_KEY_LEN], ak2[CRYPTO_KEY_LEN];
	unsigned char	 bk[CRYPTO_KEY_LEN], bad[CRYPTO_KEY_LEN];
	unsigned char			*b1, *b2, *old, *oldwrap, *save, *m2;
	struct vault_credential_info	*list, ci;
	struct vault_member_key		 keys[2];
	struct vault_key		*bobkey, *forged;
	struct crypto_secret		*s;
	struct vault_kdf		 kdf, kdf2;
	size_t				 n, i, j, l1, l2, lold, lwrap, lsave;
	size_t				 lm2;
	int				 leaks, rv;

	if (mkdtemp(tmpl) == NULL)
		return 1;
	snprintf(dir, sizeof(dir), "%s/vault", tmpl);
	snprintf(logpath, sizeof(logpath), "%s/log", tmpl);
	/* Everything the library logs goes to a file we grep at the end. */
	if (freopen(logpath, "w", stderr) == NULL)
		return 1;
	log_init(1, 1, "vault_model");
	vault_crypto_init();

	ok((v = vault_open(dir)) != NULL, "open the vault");
	st = vault_store(v);

	/* Users. */
	test_kdf(&kdf);
	memset(ak, 0, sizeof(ak));
	crypto_user_key(ALICE_MASTER, strlen(ALICE_MASTER), kdf.salt, kdf.N,
	    kdf.r, kdf.p, ak);
	is(vault_user_init(v, "alice", &kdf, ak), VAULT_OK, "init alice");
	snap();
	is(vault_user_init(v, "alice", &kdf, ak), VAULT_ERR_USER_EXISTS,
	    "second init refused");
	ok(unchanged(), "store unchanged by a second init");
	is(vault_user_init(v, "../x", &kdf, ak), VAULT_ERR_INVALID,
	    "bad user name refused");
	kdf2 = kdf;
	kdf2.N = 1 << 10;
	is(vault_user_init(v, "carol", &kdf2, ak), VAULT_ERR_KDF,
	    "init with weak KDF refused");
	ok(unchanged(), "store unchanged");
	derive("alice", ALICE_MASTER, ak2);
	ok(memcmp(ak, ak2, sizeof(ak)) == 0, "kdf.json reproduces the key");
	is(vault_user_check(v, "alice", ak), VAULT_OK, "right key checks");
	derive("alice", "wrong", bad);
	is(vault_user_check(v, "alice", bad), VAULT_ERR_WRONG_KEY,
	    "wrong key: wrong master key");
	is_str(vault_strerror(VAULT_ERR_WRONG_KEY), "wrong master key",
	    "the message says so");
	is(vault_user_check(v, "nobody", ak), VAULT_ERR_NO_USER,
	    "unknown user");
	is(vault_user_personal(v, "alice", pv), VAULT_OK, "personal vault id");

	/* One credential of every injection kind. */
	is(vault_credential_add(v, "alice", ak, NULL, "linear", "linear",
	    INJECT_BEARER, NULL, (const unsigned char *)secrets[0],
	    strlen(secrets[0]), 0), VAULT_OK, "add bearer");
	is(vault_credential_add(v, "alice", ak, NULL, "github", "github",
	    INJECT_BASIC, NULL, (const unsigned char *)secrets[1],
	    strlen(secrets[1]), 0), VAULT_OK, "add basic");
	is(vault_credential_add(v, "alice", ak, NULL, "anthropic", "anthropic",
	    INJECT_HEADER, "x-api-key", (const unsigned char *)secrets[2],
	    strlen(secrets[2]), 0), VAULT_OK, "add header");
	is(vault_credential_add(v, "alice", ak, pv, "maps", "maps",
	    INJECT_QUERY, "key", (const unsigned char *)secrets[3],
	    strlen(secrets[3]), 0), VAULT_OK, "add query");
	ok(opens_to("alice", ak, "linear", secrets[0]), "bearer round trip");
	ok(opens_to("alice", ak, "github", secrets[1]), "basic round trip");
	ok(opens_to("alice", ak, "anthropic", secrets[2]), "header round trip");
	ok(opens_to("alice", ak, "maps", secrets[3]), "query round trip");
	vault_credential_find(v, "alice", "anthropic", &ci);
	ok(ci.kind == INJECT_HEADER && strcmp(ci.param, "x-api-key") == 0,
	    "header name kept");
	vault_credential_find(v, "alice", "maps", &ci);
	ok(ci.kind == INJECT_QUERY && strcmp(ci.param, "key") == 0,
	    "query parameter kept");

	/* Bad input, each leaving the store as it was. */
	snap();
	is(vault_credential_add(v, "alice", ak, NULL, "gh2", "gh2",
	    INJECT_BASIC, NULL, (const unsigned char *)"nocolon", 7, 0),
	    VAULT_ERR_INVALID, "basic without user:password refused");
	is(vault_credential_add(v, "alice", ak, NULL, "x", "x",
	    INJECT_BEARER, NULL, (const unsigned char *)"a\r\nb", 4, 0),
	    VAULT_ERR_INVALID, "CR LF in a value refused");
	is(vault_credential_add(v, "alice", ak, NULL, "x", "x",
	    INJECT_HEADER, "bad header", (const unsigned char *)"v", 1, 0),
	    VAULT_ERR_INVALID, "bad header name refused");
	is(vault_credential_add(v, "alice", ak, NULL, "linear2", "linear",
	    INJECT_BEARER, NULL, (const unsigned char *)"zzz", 3, 0),
	    VAULT_ERR_EXISTS, "second credential for a connector refused");
	is(vault_credential_add(v, "alice", bad, NULL, "x", "x",
	    INJECT_BEARER, NULL, (const unsigned char *)"zzz", 3, 0),
	    VAULT_ERR_WRONG_KEY, "add with the wrong key refused");
	is(open_err("alice", bad, "linear"), VAULT_ERR_WRONG_KEY,
	    "open with the wrong key: wrong master key, no bytes");
	is(open_err("alice", ak, "slack"), VAULT_ERR_NO_CREDENTIAL,
	    "unknown connector");
	is(vault_credential_rotate(v, "alice", ak, NULL, "nosuch",
	    (const unsigned char *)"v", 1), VAULT_ERR_NO_CREDENTIAL,
	    "rotate unknown credential");
	is(vault_credential_remove(v, "alice", ak, NULL, "nosuch"),
	    VAULT_ERR_NO_CREDENTIAL, "remove unknown credential");
	is(vault_credential_list(v, "alice", "0123456789abcdef0123456789abcdef",
	    &list, &n), VAULT_ERR_NO_VAULT, "unknown vault");
	is(vault_credential_add(v, "alice", ak,
	    "0123456789abcdef0123456789abcdef", "x", "x", INJECT_BEARER,
	    NULL, (const unsigned char *)"v", 1, 0), VAULT_ERR_NO_VAULT,
	    "add to unknown vault");
	is(vault_credential_list(v, "nobody", NULL, &list, &n),
	    VAULT_ERR_NO_USER, "list for unknown user");
	is(vault_credential_rotate(v, "alice", ak, NULL, "bad\nname",
	    (const unsigned char *)"v", 1), VAULT_ERR_INVALID,
	    "rotate of a name no add accepts: invalid, not logged");
	is(vault_credential_remove(v, "alice", ak, NULL, "bad\nname"),
	    VAULT_ERR_INVALID, "remove of such a name: invalid");
	ok(unchanged(), "store unchanged by all of the above");

	/* Replace and rotate. */
	is(vault_credential_add(v, "alice", ak, NULL, "linear", "linear",
	    INJECT_BEARER, NULL, (const unsigned char *)secrets[4],
	    strlen(secrets[4]), 1), VAULT_OK, "replace");
	ok(opens_to("alice", ak, "linear", secrets[4]), "replaced value opens");
	is(vault_credential_rotate(v, "alice", ak, NULL, "linear",
	    (const unsigned char *)secrets[5], strlen(secrets[5])), VAULT_OK,
	    "rotate");
	ok(opens_to("alice", ak, "linear", secrets[5]), "rotated value opens");

	is(vault_credential_list(v, "alice", NULL, &list, &n), VAULT_OK,
	    "list");
	is(n, 4, "four credentials");
	for (i = 0, leaks = 0; i < n; i++)
		for (j = 0; j < sizeof(secrets) / sizeof(secrets[0]); j++)
			if (memmem(&list[i], sizeof(list[i]), secrets[j],
			    strlen(secrets[j])) != NULL)
				leaks++;
	is(leaks, 0, "metadata holds no secret");
	free(list);

	/* Tamper, swap, re-point, truncate: each detected, nothing leaks. */
	cred_key(pv, "linear", ".enc", k1, sizeof(k1));
	cred_key(pv, "anthropic", ".enc", k2, sizeof(k2));
	b1 = vt_get(st, k1, &l1);
	b2 = vt_get(st, k2, &l2);
	ok(b1 != NULL && b2 != NULL, "read two blobs");
	b1[l1 / 2] ^= 0x01;
	vt_put(st, k1, b1, l1);
	is(open_err("alice", ak, "linear"), VAULT_ERR_CORRUPT,
	    "one bit flipped: detected");
	b1[l1 / 2] ^= 0x01;
	vt_put(st, k1, b1, l1);
	ok(opens_to("alice", ak, "linear", secrets[5]), "restored blob opens");
	vt_put(st, k1, b2, l2);
	vt_put(st, k2, b1, l1);
	is(open_err("alice", ak, "linear"), VAULT_ERR_CORRUPT,
	    "swapped blob: detected (1)");
	is(open_err("alice", ak, "anthropic"), VAULT_ERR_CORRUPT,
	    "swapped blob: detected (2)");
	vt_put(st, k1, b1, l1 - 5);
	is(open_err("alice", ak, "linear"), VAULT_ERR_CORRUPT,
	    "truncated blob: detected");
	vt_put(st, k1, b1, l1);
	vt_put(st, k2, b2, l2);
	ok(opens_to("alice", ak, "anthropic", secrets[2]), "swap undone");

	cred_key(pv, "linear", ".meta.json", k3, sizeof(k3));
	save = vt_get(st, k3, &lsave);
	p = strdup((char *)save);
	memcpy(strstr(p, "\"linear\""), "\"slackk\"", 8);
	vt_put(st, k3, p, strlen(p));
	is(open_err("alice", ak, "linear"), VAULT_ERR_CORRUPT,
	    "meta re-pointed at another connector: detected");
	is(open_err("alice", ak, "slackk"), VAULT_ERR_NO_CREDENTIAL,
	    "and the other connector finds nothing (the index names none)");
	strcpy(p, (char *)save);
	memcpy(strstr(p, "\"bearer\""), "\"basic\" ", 8);
	vt_put(st, k3, p, strlen(p));
	is(open_err("alice", ak, "linear"), VAULT_ERR_CORRUPT,
	    "meta re-pointed at another kind: detected");
	vt_put(st, k3, save, lsave / 2);
	is(open_err("alice", ak, "linear"), VAULT_ERR_CORRUPT,
	    "truncated meta record: detected");
	vt_put(st, k3, save, lsave);
	ok(opens_to("alice", ak, "linear", secrets[5]), "meta restored");
	cred_key(pv, "anthropic", ".meta.json", k2, sizeof(k2));
	m2 = vt_get(st, k2, &lm2);
	vt_put(st, k2, save, lsave);
	is(open_err("alice", ak, "anthropic"), VAULT_ERR_CORRUPT,
	    "a meta record copied over another credential's: detected");
	is(vault_credential_list(v, "alice", NULL, &list, &n),
	    VAULT_ERR_CORRUPT, "and list detects it too");
	vt_put(st, k2, m2, lm2);
	free(m2);
	ok(opens_to("alice", ak, "anthropic", secrets[2]), "copy undone");
	free(p);
	free(save);
	free(b1);
	free(b2);

	/* Out-of-bounds KDF parameters in kdf.json. */
	save = vt_get(st, "users/alice/kdf.json", &lsave);
	p = strdup((char *)save);
	memcpy(strstr(p, "\"N\":16384"), "\"N\":16383", 9);
	vt_put(st, "users/alice/kdf.json", p, strlen(p));
	is(vault_user_kdf(v, "alice", &kdf2), VAULT_ERR_KDF,
	    "N not a power of two in kdf.json refused");
	strcpy(p, (char *)save);
	memcpy(strstr(p, "\"r\":8"), "\"r\":0", 5);
	vt_put(st, "users/alice/kdf.json", p, strlen(p));
	is(vault_user_kdf(v, "alice", &kdf2), VAULT_ERR_KDF,
	    "r=0 in kdf.json refused");
	vt_put(st, "users/alice/kdf.json", save, lsave);
	free(p);
	free(save);
	is(vault_user_kdf(v, "alice", &kdf2), VAULT_OK, "kdf.json restored");

	/* A shared vault, a second user, grant. */
	is(vault_shared_create(v, "alice", bad, "team", team),
	    VAULT_ERR_WRONG_KEY, "shared vault needs the right key");
	is(vault_shared_create(v, "alice", ak, "team", team), VAULT_OK,
	    "create shared vault");
	is(vault_credential_add(v, "alice", ak, team, "stripe", "stripe",
	    INJECT_BEARER, NULL, (const unsigned char *)secrets[6],
	    strlen(secrets[6]), 0), VAULT_OK, "add to the shared vault");
	is(vault_credential_add(v, "alice", ak, team, "maps", "maps",
	    INJECT_QUERY, "key", (const unsigned char *)secrets[3],
	    strlen(secrets[3]), 0), VAULT_OK, "add a second one");
	test_kdf(&kdf);
	crypto_user_key(BOB_MASTER, strlen(BOB_MASTER), kdf.salt, kdf.N,
	    kdf.r, kdf.p, bk);
	is(vault_user_init(v, "bob", &kdf, bk), VAULT_OK, "init bob");
	is(open_err("bob", bk, "stripe"), VAULT_ERR_NO_CREDENTIAL,
	    "bob sees nothing before the grant");
	snap();
	is(vault_grant(v, team, "alice", ak, "bob", bad, VAULT_ROLE_READER),
	    VAULT_ERR_WRONG_KEY, "grant with bob's wrong key refused");
	is(vault_grant(v, team, "bob", bk, "alice", ak, VAULT_ROLE_READER),
	    VAULT_ERR_NOT_MEMBER, "a non-member cannot grant");
	is(vault_grant(v, pv, "alice", ak, "bob", bk, VAULT_ROLE_READER),
	    VAULT_ERR_DENIED, "a personal vault is never shared");
	ok(unchanged(), "store unchanged");
	is(vault_grant(v, team, "alice", ak, "bob", bk, VAULT_ROLE_READER),
	    VAULT_OK, "grant bob reader");
	{
		/* Only members.json and bob's new wrap may differ. */
		char	*now = vt_dump(st), *line;
		int	 touched = 0;

		for (line = strtok(before, "\n"); line != NULL;
		    line = strtok(NULL, "\n"))
			if (strstr(line, "/credentials/") != NULL &&
			    strstr(now, line) == NULL)
				touched++;
		is(touched, 0, "grant touched no credential ciphertext");
		free(now);
		free(before);
		before = NULL;
	}
	is(vault_grant(v, team, "alice", ak, "bob", bk, VAULT_ROLE_READER),
	    VAULT_ERR_MEMBER_EXISTS, "second grant refused");
	ok(opens_to("bob", bk, "stripe", secrets[6]), "bob opens stripe");
	ok(opens_to("alice", ak, "maps", secrets[3]),
	    "alice's personal maps comes first");
	is(vault_credential_add(v, "bob", bk, team, "x", "x",
	    INJECT_BEARER, NULL, (const unsigned char *)"v", 1, 0),
	    VAULT_ERR_DENIED, "a reader cannot add");
	is(vault_key_open(v, "bob", bk, team, &bobkey), VAULT_OK,
	    "bob's session caches the team key");

	/* Revoke bob. */
	snprintf(k1, sizeof(k1), "vaults/%s/key_wrappings/bob.wrap", team);
	oldwrap = vt_get(st, k1, &lwrap);
	vault_credential_find(v, "bob", "stripe", &ci);
	snprintf(k2, sizeof(k2), "vaults/%s/credentials/%s.enc", team, ci.id);
	old = vt_get(st, k2, &lold);
	keys[0].user = "alice";
	keys[0].ukey = bad;
	snap();
	is(vault_revoke(v, team, "alice", "bob", keys, 1),
	    VAULT_ERR_WRONG_KEY, "revoke with the wrong key refused");
	is(vault_revoke(v, team, "alice", "bob", NULL, 0), VAULT_ERR_NEED_KEY,
	    "revoke without keys refused");
	is(vault_revoke(v, team, "bob", "alice", NULL, 0), VAULT_ERR_DENIED,
	    "a reader cannot revoke");
	ok(unchanged(), "store unchanged");
	keys[0].ukey = ak;
	is(vault_revoke(v, team, "alice", "bob", keys, 1), VAULT_OK,
	    "revoke bob");
	is(open_err("bob", bk, "stripe"), VAULT_ERR_NO_CREDENTIAL,
	    "bob no longer finds stripe");
	is(vault_key_open(v, "bob", bk, team, &forged), VAULT_ERR_NOT_MEMBER,
	    "bob cannot open the team key");
	s = NULL;
	is(vault_credential_decrypt(v, bobkey, &ci, &s), VAULT_ERR_STALE_KEY,
	    "bob's cached key is refused as stale");
	ok(s == NULL, "and yields nothing");
	bobkey->generation++;
	is(vault_credential_decrypt(v, bobkey, &ci, &s), VAULT_ERR_CORRUPT,
	    "the old key at the new generation opens nothing");
	crypto_secret_free(s);
	vault_key_free(bobkey);
	vt_put(st, k1, oldwrap, lwrap);
	is(vault_key_open(v, "bob", bk, team, &forged), VAULT_ERR_NOT_MEMBER,
	    "a restored old wrap does not make bob a member");
	ok(opens_to("alice", ak, "stripe", secrets[6]),
	    "alice opens stripe after revoke");
	is(vault_key_open(v, "alice", ak, team, &forged), VAULT_OK,
	    "alice opens the new team key");
	ok(forged != NULL && forged->generation == 2, "at generation 2");
	vault_credential_find(v, "alice", "stripe", &ci);
	is(vault_credential_decrypt(v, forged, &ci, &s), VAULT_OK,
	    "decrypt with the new key");
	crypto_secret_free(s);
	vault_key_free(forged);
	{
		/* Remove bob's restored old wrap again. */
		struct store_txn *txn = store_begin(st);

		store_del(txn, k1);
		store_commit(txn);
	}
	vt_put(st, k2, old, lold);
	is(open_err("alice", ak, "stripe"), VAULT_ERR_CORRUPT,
	    "rollback to the old generation's blob: detected");
	free(old);
	free(oldwrap);
	is(vault_credential_rotate(v, "alice", ak, team, "stripe",
	    (const unsigned char *)secrets[6], strlen(secrets[6])), VAULT_OK,
	    "rotate repairs it");

	/* passwd. */
	test_kdf(&kdf2);
	crypto_user_key(ALICE_MASTER2, strlen(ALICE_MASTER2), kdf2.salt,
	    kdf2.N, kdf2.r, kdf2.p, ak2);
	snap();
	is(vault_user_passwd(v, "alice", bad, &kdf2, ak2), VAULT_ERR_WRONG_KEY,
	    "passwd with the wrong old key refused");
	ok(unchanged(), "store unchanged");
	is(vault_user_passwd(v, "alice", ak, &kdf2, ak2), VAULT_OK, "passwd");
	is(vault_user_check(v, "alice", ak), VAULT_ERR_WRONG_KEY,
	    "old key no longer works");
	derive("alice", ALICE_MASTER2, bad);
	ok(memcmp(bad, ak2, sizeof(ak2)) == 0, "new kdf.json in place");
	ok(opens_to("alice", ak2, "linear", secrets[5]), "personal opens");
	ok(opens_to("alice", ak2, "stripe", secrets[6]), "shared opens");

	is(vault_credential_remove(v, "alice", ak2, NULL, "github"), VAULT_OK,
	    "remove");
	is(open_err("alice", ak2, "github"), VAULT_ERR_NO_CREDENTIAL,
	    "removed credential is gone");

	vault_close(v);
	ok((v = vault_open(dir)) != NULL, "reopen");
	st = vault_store(v);
	ok(opens_to("alice", ak2, "anthropic", secrets[2]),
	    "still opens after reopen");
	store_checkpoint(st);
	vault_close(v);
	fflush(stderr);

	/* Grep the environment and the log for every secret. */
	for (i = 0, leaks = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++) {
		const char *sv = secrets[i];

		for (j = 0; j < strlen(sv); j++)
			snprintf(hex + j * 2, 3, "%02x", (unsigned char)sv[j]);
		EVP_EncodeBlock((unsigned char *)b64,
		    (const unsigned char *)sv, (int)strlen(sv));
		if (vt_dir_contains(dir, sv, strlen(sv)) ||
		    vt_dir_contains(dir, hex, strlen(hex)) ||
		    vt_dir_contains(dir, b64, strlen(b64)) ||
		    vt_dir_contains(tmpl, sv, strlen(sv)) ||
		    vt_dir_contains(tmpl, hex, strlen(hex)) ||
		    vt_dir_contains(tmpl, b64, strlen(b64))) {
			diag("secret %zu found on disk or in the log", i);
			leaks++;
		}
	}
	is(leaks, 0, "no secret or master key, raw, hex or base64, in the "
	    "environment or the log");
	rv = vt_dir_contains(tmpl, "opened credential stripe", 24);
	ok(rv, "the log names credentials it opened");

	OPENSSL_cleanse(ak, sizeof(ak));
	OPENSSL_cleanse(ak2, sizeof(ak2));
	OPENSSL_cleanse(bk, sizeof(bk));
	free(before);
	vt_rmdir(dir);
	unlink(logpath);
	rmdir(tmpl);
	return done_testing();
}
