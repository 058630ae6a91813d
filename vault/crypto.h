/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* crypto.h: vault crypto: secure-heap secrets, AES-256-GCM blobs, scrypt. */

#ifndef AILERON_VAULT_CRYPTO_H
#define AILERON_VAULT_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#define CRYPTO_KEY_LEN		32	/* AES-256 key, vault key, user key */
#define CRYPTO_NONCE_LEN	12	/* GCM nonce: random 96 bits */
#define CRYPTO_TAG_LEN		16	/* GCM tag: the full 128 bits */
#define CRYPTO_SALT_LEN		16	/* scrypt salt per user */
#define CRYPTO_BLOB_VERSION	1	/* first byte of every blob */
#define CRYPTO_BLOB_OVERHEAD	(1 + CRYPTO_NONCE_LEN + CRYPTO_TAG_LEN)
#define CRYPTO_BLOB_MAX		(64 * 1024)	/* largest blob we open */

/* Secure heap: 1 MiB locked, no allocation smaller than 32 bytes. */
#define CRYPTO_SECURE_HEAP	(1024 * 1024)
#define CRYPTO_SECURE_MINSIZE	32

/* scrypt defaults and the bounds we accept from kdf.json or a user. */
#define CRYPTO_KDF_N_DEFAULT	32768
#define CRYPTO_KDF_R_DEFAULT	8
#define CRYPTO_KDF_P_DEFAULT	1
#define CRYPTO_KDF_N_MIN	16384		/* 2^14 */
#define CRYPTO_KDF_N_MAX	4194304		/* 2^22 */
#define CRYPTO_KDF_R_MAX	32
#define CRYPTO_KDF_P_MAX	16

/* Associated data: purpose, version, length-prefixed fields. */
#define CRYPTO_AD_MAX		512
#define CRYPTO_AD_FIELD_MAX	255

/*
 * A secret lives in the secure heap: the struct and its bytes in one
 * allocation, with one NUL after the data so a text secret can be used
 * as a C string.  Free it only with crypto_secret_free(), which zeroes.
 */
struct crypto_secret {
	size_t		 len;
	unsigned char	*data;
};

/* Associated data for one seal or open, built by crypto_ad_*(). */
struct crypto_ad {
	size_t		 len;
	unsigned char	 buf[CRYPTO_AD_MAX];
};

void	 vault_crypto_init(void);
int	 crypto_random(void *, size_t);

struct crypto_secret	*crypto_secret_new(size_t);
struct crypto_secret	*crypto_secret_dup(const void *, size_t);
struct crypto_secret	*crypto_key_new(void);
void	 crypto_secret_free(struct crypto_secret *);

int	 crypto_ad_credential(struct crypto_ad *, const char *vault_id,
	    const char *credential_id, const char *connector, const char *kind,
	    uint64_t generation, uint64_t version);
int	 crypto_ad_wrap(struct crypto_ad *, const char *vault_id,
	    const char *user_id, uint64_t generation);

int	 crypto_seal(const unsigned char *key, const struct crypto_ad *,
	    const unsigned char *, size_t, unsigned char **, size_t *);
int	 crypto_open(const unsigned char *key, const struct crypto_ad *,
	    const unsigned char *, size_t, struct crypto_secret **);

const char *crypto_kdf_check(uint64_t N, uint32_t r, uint32_t p);
int	 crypto_user_key(const char *master, size_t len,
	    const unsigned char *salt, uint64_t N, uint32_t r, uint32_t p,
	    unsigned char *out);

#endif
