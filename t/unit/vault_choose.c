/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* vault_choose.c: tests of which vault serves a connector (teams). */

/*
 * A session sees every vault its user is a member of.  Which credential
 * a connector gets is never a guess: a connector-vault line's vault when
 * it holds one, else the personal vault's, else the only shared vault's;
 * two shared vaults and no line are refused, naming both.  Also: shared
 * vault names are unique, and vault_list shows a member's vaults.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "log.h"
#include "vault/crypto.h"
#include "vault/store.h"
#include "vault/vault.h"
#include "vaultd/session.h"
#include "vault_test.h"

#define SID	"0123456789abcdef0123456789abcdef"

static struct vault		*v;
static struct sessions		 ss;
static struct session		*s;
static const char		*line;	/* the connector-vault line's vault */

static const char *
choose(void *arg, const char *connector)
{
	(void)arg;
	return strcmp(connector, "x") == 0 ? line : NULL;
}

/* INJECT for connector with a cold cache: 0 if want came, or the error. */
static int
inject(const char *connector, const char *want)
{
	struct vault_credential_info	 ci;
	struct vault_keycache		 kc;
	struct crypto_secret		*pt;
	int				 rv;

	session_vkey_drop_all(&ss, NULL, "test");
	session_keycache(s, &kc);
	if ((rv = vault_credential_inject(v, s->user, s->ukey->data,
	    connector, &kc, &ci, &pt)) != VAULT_OK)
		return rv;
	if (want == NULL || pt->len != strlen(want) ||
	    memcmp(pt->data, want, pt->len) != 0)
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
    const char *connector, const char *value)
{
	return vault_credential_add(v, name, ukey, vault_id, value, connector,
	    INJECT_BEARER, NULL, (const unsigned char *)value,
	    strlen(value), 0);
}

int
main(void)
{
	char			 tmpl[] = "/tmp/aileron-vault-choose.XXXXXX";
	char			 dir[64], a[VAULT_ID_LEN + 1];
	char			 b[VAULT_ID_LEN + 1], c[VAULT_ID_LEN + 1];
	unsigned char		 ak[CRYPTO_KEY_LEN], bk[CRYPTO_KEY_LEN];
	struct vault_choices	 ch;
	struct vault_info	*list;
	const char		*ca, *cb, *cl;
	size_t			 n;

	if (mkdtemp(tmpl) == NULL)
		return 1;
	snprintf(dir, sizeof(dir), "%s/vault", tmpl);
	log_init(1, 0, "vault_choose");
	vault_crypto_init();
	ok((v = vault_open(dir)) != NULL, "open the vault");
	ch.vault_for = choose;
	ch.arg = NULL;
	vault_set_choices(v, &ch);
	user("alice", ak);
	user("bob", bk);
	ok(vault_shared_create_team(v, "bob", bk, "eng", "eng", a) ==
	    VAULT_OK && vault_shared_create(v, "bob", bk, "ops", b) ==
	    VAULT_OK, "bob creates eng (team eng) and ops");
	is(vault_shared_create(v, "alice", ak, "eng", c), VAULT_ERR_NAME_TAKEN,
	    "a second eng is refused");
	ok(vault_grant(v, a, "bob", bk, "alice", ak, VAULT_ROLE_READER) ==
	    VAULT_OK && vault_grant(v, b, "bob", bk, "alice", ak,
	    VAULT_ROLE_READER) == VAULT_OK, "alice reads both");
	session_init(&ss);
	s = session_begin(&ss, SID, "alice");
	ok(s != NULL && session_set_key(s, ak) == 0, "a session of alice");

	is(add("bob", bk, a, "y", "eng-y"), VAULT_OK, "eng holds y");
	is(inject("y", "eng-y"), VAULT_OK, "the only shared vault serves y");

	is(add("bob", bk, a, "x", "eng-x"), VAULT_OK, "eng holds x");
	is(add("bob", bk, b, "x", "ops-x"), VAULT_OK, "ops holds x");
	line = NULL;
	is(inject("x", NULL), VAULT_ERR_AMBIGUOUS,
	    "two shared vaults, no line: refused");
	vault_conflict(v, &ca, &cb, &cl);
	ok(((strcmp(ca, "eng") == 0 && strcmp(cb, "ops") == 0) ||
	    (strcmp(ca, "ops") == 0 && strcmp(cb, "eng") == 0)) &&
	    cl[0] == '\0', "the refusal names both vaults");
	line = "ops";
	is(inject("x", "ops-x"), VAULT_OK, "a line for ops: ops serves");
	line = "eng";
	is(inject("x", "eng-x"), VAULT_OK, "a line for eng: eng serves");
	line = "nowhere";
	is(inject("x", NULL), VAULT_ERR_AMBIGUOUS,
	    "a line for a vault of neither: still refused");
	vault_conflict(v, &ca, &cb, &cl);
	is_str(cl, "nowhere", "and the line's vault is named");

	line = NULL;
	is(add("alice", ak, NULL, "x", "mine-x"), VAULT_OK,
	    "alice's personal vault holds x");
	is(inject("x", "mine-x"), VAULT_OK,
	    "no line: the personal vault first");
	line = "ops";
	is(inject("x", "ops-x"), VAULT_OK, "a line: its vault, over the "
	    "personal one");

	ok(vault_list(v, "alice", &list, &n) == VAULT_OK && n == 3 &&
	    list[0].personal && !list[1].personal &&
	    list[1].role == VAULT_ROLE_READER, "vault_list: personal first, "
	    "then the shared vaults with alice's role");
	ok(n == 3 && ((strcmp(list[1].name, "eng") == 0 &&
	    strcmp(list[1].team, "eng") == 0) || (strcmp(list[2].name,
	    "eng") == 0 && strcmp(list[2].team, "eng") == 0)),
	    "eng carries its team");
	free(list);

	session_end_all(&ss);
	vault_close(v);
	vt_rmdir(dir);
	rmdir(tmpl);
	return done_testing();
}
