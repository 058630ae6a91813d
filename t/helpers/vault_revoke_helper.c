/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* vault_revoke_helper.c: drives a vault for t/vault-revoke-crash.t. */

/*
 * vault_revoke_helper setup DIR N	alice, bob, a shared vault "team" with
 *					N credentials, bob granted reader
 * vault_revoke_helper revoke DIR	alice revokes bob
 * vault_revoke_helper verify DIR N	every credential opens for alice; prints
 *					"generation G opened K"
 *
 * Not a TAP test: the shell test kills it with signal 9 mid-revoke.
 */

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "log.h"
#include "vault/crypto.h"
#include "vault/vault.h"

#define ALICE_MASTER	"crash test alice master key"
#define BOB_MASTER	"crash test bob master key"
#define VALUE_FMT	"sk_crash_%04zu_SECRETVALUE"

static struct vault	*v;

static void	revoke_pause(void);

static void
derive(const char *user, const char *master, unsigned char *out)
{
	struct vault_kdf	 kdf;

	if (vault_user_kdf(v, user, &kdf) != VAULT_OK ||
	    crypto_user_key(master, strlen(master), kdf.salt, kdf.N, kdf.r,
	    kdf.p, out) != 0)
		fatalx("cannot derive the key of %s", user);
}

static void
init(const char *user, const char *master, unsigned char *out)
{
	struct vault_kdf	 kdf;
	int			 rv;

	vault_kdf_new(&kdf);
	kdf.N = CRYPTO_KDF_N_MIN;
	if (crypto_user_key(master, strlen(master), kdf.salt, kdf.N, kdf.r,
	    kdf.p, out) != 0)
		fatalx("kdf");
	if ((rv = vault_user_init(v, user, &kdf, out)) != VAULT_OK)
		fatalx("init %s: %s", user, vault_strerror(rv));
}

static void
team_id(char *id)
{
	struct vault_credential_info	*list;
	char				 pv[VAULT_ID_LEN + 1];
	size_t				 n, i;

	if (vault_user_personal(v, "alice", pv) != VAULT_OK ||
	    vault_credential_list(v, "alice", NULL, &list, &n) != VAULT_OK)
		fatalx("list");
	for (i = 0; i < n; i++)
		if (strcmp(list[i].vault_id, pv) != 0) {
			strlcpy(id, list[i].vault_id, VAULT_ID_LEN + 1);
			free(list);
			return;
		}
	fatalx("no team vault");
}

/*
 * Mid-revoke (at least one credential re-encrypted, nothing committed):
 * create $AILERON_TEST_REVOKE_PAUSE and sleep, so the test can kill us.
 */
static void
revoke_pause(void)
{
	const char	*path;
	int		 fd;

	if ((path = getenv("AILERON_TEST_REVOKE_PAUSE")) == NULL ||
	    *path == '\0')
		return;
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1)
		fatal("%s", path);
	close(fd);
	sleep(60);
}

int
main(int argc, char *argv[])
{
	struct vault_credential_info	*list;
	struct vault_member_key		 keys[1];
	struct vault_key		*vk;
	struct crypto_secret		*s;
	unsigned char			 ak[CRYPTO_KEY_LEN], bk[CRYPTO_KEY_LEN];
	char				 team[VAULT_ID_LEN + 1], name[32];
	char				 want[64];
	const char			*errstr;
	size_t				 i, n = 0, got = 0, idx;
	int				 rv;

	if (argc < 3)
		fatalx("usage: vault_revoke_helper "
		    "setup|revoke|verify DIR [N]");
	log_init(1, 0, "vault_revoke_helper");
	vault_crypto_init();
	if (argc > 3 && (n = strtonum(argv[3], 1, 100000, &errstr)) == 0)
		fatalx("N is %s", errstr);
	if ((v = vault_open(argv[2])) == NULL)
		fatalx("cannot open the vault in %s", argv[2]);

	if (strcmp(argv[1], "setup") == 0) {
		init("alice", ALICE_MASTER, ak);
		init("bob", BOB_MASTER, bk);
		if (vault_shared_create(v, "alice", ak, "team", team) !=
		    VAULT_OK)
			fatalx("create");
		for (i = 0; i < n; i++) {
			snprintf(name, sizeof(name), "c%04zu", i);
			snprintf(want, sizeof(want), VALUE_FMT, i);
			if ((rv = vault_credential_add(v, "alice", ak, team,
			    name, name, INJECT_BEARER, NULL,
			    (unsigned char *)want, strlen(want), 0)) !=
			    VAULT_OK)
				fatalx("add: %s", vault_strerror(rv));
		}
		if (vault_grant(v, team, "alice", ak, "bob", bk,
		    VAULT_ROLE_READER) != VAULT_OK)
			fatalx("grant");
		printf("%s\n", team);
	} else if (strcmp(argv[1], "revoke") == 0) {
		vault_revoke_test_hook = revoke_pause;
		derive("alice", ALICE_MASTER, ak);
		team_id(team);
		keys[0].user = "alice";
		keys[0].ukey = ak;
		if ((rv = vault_revoke(v, team, "alice", "bob", keys, 1)) !=
		    VAULT_OK)
			fatalx("revoke: %s", vault_strerror(rv));
		printf("revoked\n");
	} else if (strcmp(argv[1], "verify") == 0) {
		derive("alice", ALICE_MASTER, ak);
		derive("bob", BOB_MASTER, bk);
		team_id(team);
		if ((rv = vault_key_open(v, "alice", ak, team, &vk)) !=
		    VAULT_OK)
			fatalx("alice cannot open the team key: %s",
			    vault_strerror(rv));
		if (vault_credential_list(v, "alice", team, &list, &i) !=
		    VAULT_OK || i != n)
			fatalx("expected %zu credentials, found %zu", n, i);
		for (i = 0; i < n; i++) {
			if (sscanf(list[i].name, "c%04zu", &idx) != 1)
				fatalx("bad name %s", list[i].name);
			snprintf(want, sizeof(want), VALUE_FMT, idx);
			if (vault_credential_decrypt(v, vk, &list[i], &s) ==
			    VAULT_OK && s->len == strlen(want) &&
			    memcmp(s->data, want, s->len) == 0)
				got++;
			crypto_secret_free(s);
		}
		free(list);
		printf("generation %llu opened %zu\n",
		    (unsigned long long)vk->generation, got);
		vault_key_free(vk);
		/* After a revoke bob must open nothing in the team vault. */
		rv = vault_key_open(v, "bob", bk, team, &vk);
		printf("bob %s\n", rv == VAULT_OK ? "member" : "revoked");
		vault_key_free(vk);
	} else
		fatalx("unknown command %s", argv[1]);
	OPENSSL_cleanse(ak, sizeof(ak));
	OPENSSL_cleanse(bk, sizeof(bk));
	vault_close(v);
	return 0;
}
