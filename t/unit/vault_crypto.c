/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* vault_crypto.c: tests for the vault's AES-GCM blobs, AD and scrypt. */

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "tap.h"
#include "log.h"
#include "vault/crypto.h"

static const unsigned char msg[] = "lin_api_0123456789abcdef";

static int
opens(const unsigned char *key, const struct crypto_ad *ad,
    const unsigned char *blob, size_t len)
{
	struct crypto_secret	*pt;
	int			 rv;

	rv = crypto_open(key, ad, blob, len, &pt);
	crypto_secret_free(pt);
	return rv == 0;
}

int
main(void)
{
	struct crypto_secret	*k1, *k2, *pt;
	struct crypto_ad	 ad, ad2;
	unsigned char		*blob, *blob2, *copy, salt[CRYPTO_SALT_LEN];
	unsigned char		 out[CRYPTO_KEY_LEN], out2[CRYPTO_KEY_LEN];
	size_t			 len, len2, i;
	int			 all;

	log_init(1, 0, "vault_crypto");
	vault_crypto_init();
	ok(CRYPTO_secure_malloc_initialized(), "secure heap initialized");
	vault_crypto_init();
	ok(1, "second init is harmless");

	k1 = crypto_key_new();
	k2 = crypto_key_new();
	ok(k1 != NULL && k2 != NULL && k1->len == CRYPTO_KEY_LEN,
	    "two random keys");
	ok(CRYPTO_secure_allocated(k1), "key lives in the secure heap");
	ok(memcmp(k1->data, k2->data, CRYPTO_KEY_LEN) != 0, "keys differ");

	is(crypto_ad_credential(&ad, "v1", "c1", "linear", "bearer", 1, 1), 0,
	    "credential AD");
	is(crypto_seal(k1->data, &ad, msg, sizeof(msg) - 1, &blob, &len), 0,
	    "seal");
	is(len, sizeof(msg) - 1 + CRYPTO_BLOB_OVERHEAD, "blob length");
	is(blob[0], CRYPTO_BLOB_VERSION, "blob starts with the version");
	ok(memmem(blob, len, msg, sizeof(msg) - 1) == NULL,
	    "plaintext not in blob");

	is(crypto_open(k1->data, &ad, blob, len, &pt), 0, "open");
	ok(pt != NULL && pt->len == sizeof(msg) - 1 &&
	    memcmp(pt->data, msg, pt->len) == 0, "round trip");
	ok(pt != NULL && pt->data[pt->len] == '\0', "NUL terminated");
	ok(pt != NULL && CRYPTO_secure_allocated(pt),
	    "plaintext in the secure heap");
	crypto_secret_free(pt);

	/* Every single bit flip anywhere in the blob must fail. */
	copy = malloc(len);
	all = 1;
	for (i = 0; i < len * 8; i++) {
		memcpy(copy, blob, len);
		copy[i / 8] ^= 1 << (i % 8);
		if (opens(k1->data, &ad, copy, len))
			all = 0;
	}
	ok(all, "each of %zu one-bit flips is detected", len * 8);
	ok(!opens(k1->data, &ad, blob, len - 1), "truncated blob fails");
	ok(!opens(k1->data, &ad, blob, CRYPTO_BLOB_OVERHEAD - 1),
	    "blob shorter than overhead fails");
	free(copy);

	ok(!opens(k2->data, &ad, blob, len), "wrong key fails");
	crypto_ad_credential(&ad2, "v1", "c2", "linear", "bearer", 1, 1);
	ok(!opens(k1->data, &ad2, blob, len), "other credential id fails");
	crypto_ad_credential(&ad2, "v1", "c1", "github", "bearer", 1, 1);
	ok(!opens(k1->data, &ad2, blob, len), "other connector fails");
	crypto_ad_credential(&ad2, "v1", "c1", "linear", "header:X-Key", 1, 1);
	ok(!opens(k1->data, &ad2, blob, len), "other kind fails");
	crypto_ad_credential(&ad2, "v1", "c1", "linear", "bearer", 2, 1);
	ok(!opens(k1->data, &ad2, blob, len), "other generation fails");
	crypto_ad_credential(&ad2, "v2", "c1", "linear", "bearer", 1, 1);
	ok(!opens(k1->data, &ad2, blob, len), "other vault fails");
	crypto_ad_credential(&ad2, "v1", "c1", "linear", "bearer", 1, 2);
	ok(!opens(k1->data, &ad2, blob, len), "other seal version fails");
	crypto_ad_credential(&ad2, "v1", "c1", "linear", "bearer", 1, 0);
	ok(!opens(k1->data, &ad2, blob, len),
	    "the 0.1 layout (version 0) never opens a versioned seal");
	crypto_ad_wrap(&ad2, "v1", "c1", 1);
	ok(!opens(k1->data, &ad2, blob, len),
	    "wrap AD never opens a credential");

	/* Length prefixes: ("a/", "b") and ("a", "/b") differ. */
	crypto_ad_credential(&ad, "a/", "b", "c", "bearer", 1, 1);
	crypto_ad_credential(&ad2, "a", "/b", "c", "bearer", 1, 1);
	ok(ad.len != ad2.len || memcmp(ad.buf, ad2.buf, ad.len) != 0,
	    "AD fields are unambiguous");

	/* Two seals of the same plaintext use different nonces. */
	crypto_ad_credential(&ad, "v1", "c1", "linear", "bearer", 1, 1);
	crypto_seal(k1->data, &ad, msg, sizeof(msg) - 1, &blob2, &len2);
	ok(memcmp(blob + 1, blob2 + 1, CRYPTO_NONCE_LEN) != 0,
	    "fresh nonce per seal");
	free(blob);
	free(blob2);

	crypto_ad_wrap(&ad, "v1", "alice", 3);
	is(crypto_seal(k1->data, &ad, k2->data, k2->len, &blob, &len), 0,
	    "wrap a key");
	is(crypto_open(k1->data, &ad, blob, len, &pt), 0, "unwrap it");
	ok(pt != NULL && memcmp(pt->data, k2->data, CRYPTO_KEY_LEN) == 0,
	    "unwrapped key matches");
	crypto_secret_free(pt);
	crypto_ad_wrap(&ad2, "v1", "bob", 3);
	ok(!opens(k1->data, &ad2, blob, len), "wrap for another user fails");
	free(blob);

	ok(crypto_ad_credential(&ad, "v1", "c1",
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
	    "bearer", 1, 1) == -1, "overlong AD field refused");

	/* KDF bounds. */
	ok(crypto_kdf_check(32768, 8, 1) == NULL, "default KDF accepted");
	ok(crypto_kdf_check(1 << 14, 1, 1) == NULL, "N=2^14 accepted");
	ok(crypto_kdf_check(1 << 22, 8, 1) == NULL, "N=2^22 accepted");
	ok(crypto_kdf_check(1 << 13, 8, 1) != NULL, "N=2^13 refused");
	ok(crypto_kdf_check(1 << 23, 8, 1) != NULL, "N=2^23 refused");
	ok(crypto_kdf_check(30000, 8, 1) != NULL, "N not a power of 2 refused");
	ok(crypto_kdf_check(0, 8, 1) != NULL, "N=0 refused");
	ok(crypto_kdf_check(32768, 0, 1) != NULL, "r=0 refused");
	ok(crypto_kdf_check(32768, 33, 1) != NULL, "r=33 refused");
	ok(crypto_kdf_check(32768, 8, 0) != NULL, "p=0 refused");
	ok(crypto_kdf_check(32768, 8, 17) != NULL, "p=17 refused");
	ok(crypto_kdf_check(32768, 32, 16) == NULL, "r=32 p=16 accepted");
	is(crypto_user_key("pw", 2, salt, 1 << 13, 8, 1, out), -1,
	    "derivation refuses N=2^13");

	memset(salt, 7, sizeof(salt));
	is(crypto_user_key("correct horse", 13, salt, 16384, 8, 1, out), 0,
	    "derive a user key");
	crypto_user_key("correct horse", 13, salt, 16384, 8, 1, out2);
	ok(memcmp(out, out2, sizeof(out)) == 0, "derivation is deterministic");
	crypto_user_key("correct horsf", 13, salt, 16384, 8, 1, out2);
	ok(memcmp(out, out2, sizeof(out)) != 0, "another key, another output");
	salt[0] ^= 1;
	crypto_user_key("correct horse", 13, salt, 16384, 8, 1, out2);
	ok(memcmp(out, out2, sizeof(out)) != 0, "another salt, another output");
	OPENSSL_cleanse(out, sizeof(out));
	OPENSSL_cleanse(out2, sizeof(out2));

	crypto_secret_free(k1);
	crypto_secret_free(k2);
	return done_testing();
}
