/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* vault_bench_store.c: fill a vault store for etc/bench-inject.py. */

/*
 *	vault_bench_store DIR FROM TO
 *
 * Creates users fill{FROM}..fill{TO-1} in the store in DIR, each with a
 * personal vault and one credential, through the vault library, while
 * vaultd is not running: a store of 10,000 vaults in seconds, where the
 * CLI would derive 10,000 scrypt keys.  Their user keys are random and
 * forgotten: nobody opens these vaults, they only fill the store.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "log.h"
#include "vault/crypto.h"
#include "vault/vault.h"

int
main(int argc, char *argv[])
{
	struct vault		*v;
	struct vault_kdf	 kdf;
	unsigned char		 ukey[CRYPTO_KEY_LEN];
	char			 user[32];
	const char		*errstr;
	long long		 from, to, i;
	int			 rv;

	if (argc != 4)
		fatalx("usage: vault_bench_store DIR FROM TO");
	log_init(1, 0, "vault_bench_store");
	vault_crypto_init();
	if ((from = strtonum(argv[2], 0, 1000000, &errstr)) == 0 &&
	    errstr != NULL)
		fatalx("FROM is %s", errstr);
	if ((to = strtonum(argv[3], 0, 1000000, &errstr)) == 0 &&
	    errstr != NULL)
		fatalx("TO is %s", errstr);
	if ((v = vault_open(argv[1])) == NULL)
		fatalx("cannot open the vault in %s", argv[1]);
	for (i = from; i < to; i++) {
		snprintf(user, sizeof(user), "fill%06lld", i);
		if (vault_kdf_new(&kdf) != VAULT_OK ||
		    crypto_random(ukey, sizeof(ukey)) == -1)
			fatalx("random");
		kdf.N = CRYPTO_KDF_N_MIN;
		if ((rv = vault_user_init(v, user, &kdf, ukey)) != VAULT_OK ||
		    (rv = vault_credential_add(v, user, ukey, NULL, "lin",
		    "linear", INJECT_BEARER, NULL,
		    (const unsigned char *)"fill_value", 10, 0)) != VAULT_OK)
			fatalx("%s: %s", user, vault_strerror(rv));
	}
	OPENSSL_cleanse(ukey, sizeof(ukey));
	vault_close(v);
	return 0;
}
