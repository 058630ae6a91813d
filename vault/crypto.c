/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* crypto.c: vault crypto: secure-heap secrets, AES-256-GCM blobs, scrypt. */

/*
 * Everything secret that the vault handles (user keys, vault keys, opened
 * credentials) lives in OpenSSL's secure heap: pages that are mlock()ed so
 * they never reach swap, marked MADV_DONTDUMP so they never reach a core,
 * and fenced by guard pages.  We refuse to hand out a secret buffer when
 * the secure heap is not set up, rather than fall back to malloc() quietly.
 *
 * Ciphertexts are not secret and live in ordinary memory.
 *
 * A blob is: version (1 byte) | nonce (12) | ciphertext | tag (16).
 * The nonce is random for every seal.  A vault key seals at most a few
 * thousand credentials per generation, far below the 2^32 messages after
 * which random 96-bit nonces start to risk a collision.
 */

#include <sys/types.h>

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <libscrypt.h>

#include "log.h"
#include "crypto.h"

/* First byte after the version: what the associated data is for. */
#define CRYPTO_AD_PURPOSE_CREDENTIAL	'C'	/* version 0: aileron 0.1 */
#define CRYPTO_AD_PURPOSE_CREDENTIAL_V	'V'	/* and a seal version */
#define CRYPTO_AD_PURPOSE_WRAP		'W'

/*
 * Bytes of stack crypto_user_key() zeroes after scrypt: Debian's libscrypt
 * leaves the derived key some 18 KiB below its caller (21 KiB with ASan).
 */
#define CRYPTO_SCRUB_STACK	(64 * 1024)

static int	crypto_ad_field(struct crypto_ad *, const char *);
static void	crypto_scrub_stack(void) __attribute__((__noinline__));
static int	crypto_ad_u64(struct crypto_ad *, uint64_t);

/*
 * Called once by vaultd (and the tests) before any secret is allocated;
 * the CLI sets up a smaller heap of its own for the master key and the
 * user key it derives (vclient_connect in cli/vaultclient.c).  Failure is
 * fatal: running with key material in swappable, dumpable memory is the
 * thing this function exists to prevent.  A return of 2 means the heap
 * exists but could not be locked or guarded, which we treat the same.
 */
void
vault_crypto_init(void)
{
	int	 rv;

	if (CRYPTO_secure_malloc_initialized())
		return;
	rv = CRYPTO_secure_malloc_init(CRYPTO_SECURE_HEAP,
	    CRYPTO_SECURE_MINSIZE);
	if (rv == 0)
		fatalx("%s: cannot set up the secure heap (%d bytes); "
		    "check RLIMIT_MEMLOCK (ulimit -l)", __func__,
		    CRYPTO_SECURE_HEAP);
	if (rv == 2)
		fatalx("%s: the secure heap could not be locked or guarded; "
		    "check RLIMIT_MEMLOCK (ulimit -l)", __func__);
}

int
crypto_random(void *buf, size_t len)
{
	if (len > INT_MAX || RAND_bytes(buf, (int)len) != 1) {
		log_warnx("%s: the random number generator failed", __func__);
		return -1;
	}
	return 0;
}

struct crypto_secret *
crypto_secret_new(size_t len)
{
	struct crypto_secret	*s;

	if (!CRYPTO_secure_malloc_initialized())
		fatalx("%s: secure heap not initialized", __func__);
	if (len > CRYPTO_BLOB_MAX) {
		log_warnx("%s: secret of %zu bytes is too large", __func__,
		    len);
		return NULL;
	}
	/* One allocation: the header, the bytes and a terminating NUL. */
	if ((s = CRYPTO_secure_zalloc(sizeof(*s) + len + 1,
	    __FILE__, __LINE__)) == NULL) {
		log_warnx("%s: secure heap exhausted", __func__);
		return NULL;
	}
	s->len = len;
	s->data = (unsigned char *)(s + 1);
	return s;
}

struct crypto_secret *
crypto_secret_dup(const void *buf, size_t len)
{
	struct crypto_secret	*s;

	if ((s = crypto_secret_new(len)) == NULL)
		return NULL;
	memcpy(s->data, buf, len);
	return s;
}

/* A fresh random key: a new vault key, or a test's user key. */
struct crypto_secret *
crypto_key_new(void)
{
	struct crypto_secret	*s;

	if ((s = crypto_secret_new(CRYPTO_KEY_LEN)) == NULL)
		return NULL;
	if (crypto_random(s->data, s->len) == -1) {
		crypto_secret_free(s);
		return NULL;
	}
	return s;
}

void
crypto_secret_free(struct crypto_secret *s)
{
	if (s == NULL)
		return;
	/* CRYPTO_secure_clear_free() cleanses the whole allocation. */
	CRYPTO_secure_clear_free(s, sizeof(*s) + s->len + 1,
	    __FILE__, __LINE__);
}

/*
 * Associated data is binary and length-prefixed, so no choice of ids or
 * connector names can make two different tuples encode the same bytes
 * (a plain "a/b" join would let "a/" + "b" collide with "a" + "/b").
 */
static int
crypto_ad_field(struct crypto_ad *ad, const char *s)
{
	size_t	 n;

	if (s == NULL)
		return -1;
	n = strlen(s);
	if (n > CRYPTO_AD_FIELD_MAX || ad->len + 1 + n > sizeof(ad->buf))
		return -1;
	ad->buf[ad->len++] = (unsigned char)n;
	memcpy(ad->buf + ad->len, s, n);
	ad->len += n;
	return 0;
}

static int
crypto_ad_u64(struct crypto_ad *ad, uint64_t v)
{
	int	 i;

	if (ad->len + 8 > sizeof(ad->buf))
		return -1;
	for (i = 7; i >= 0; i--)
		ad->buf[ad->len++] = (unsigned char)(v >> (i * 8));
	return 0;
}

/*
 * A credential's ciphertext is bound to where it lives and what it is
 * for: moving it to another record, pointing its metadata at another
 * connector or injection kind, or restoring it from an older vault key
 * generation all change the associated data, and the open fails.
 *
 * The seal version counts the credential's seals (add, rotate, revoke)
 * and is kept in its metadata record, so an older ciphertext of the same
 * credential written back over a rotated one no longer opens.  Version 0
 * is what aileron 0.1 sealed, without the field (and so under its own
 * purpose byte: the two layouts never encode the same bytes).
 */
int
crypto_ad_credential(struct crypto_ad *ad, const char *vault_id,
    const char *credential_id, const char *connector, const char *kind,
    uint64_t generation, uint64_t version)
{
	memset(ad, 0, sizeof(*ad));
	ad->buf[ad->len++] = CRYPTO_BLOB_VERSION;
	ad->buf[ad->len++] = version == 0 ? CRYPTO_AD_PURPOSE_CREDENTIAL :
	    CRYPTO_AD_PURPOSE_CREDENTIAL_V;
	if (crypto_ad_field(ad, vault_id) == -1 ||
	    crypto_ad_field(ad, credential_id) == -1 ||
	    crypto_ad_field(ad, connector) == -1 ||
	    crypto_ad_field(ad, kind) == -1 ||
	    crypto_ad_u64(ad, generation) == -1 ||
	    (version != 0 && crypto_ad_u64(ad, version) == -1)) {
		log_warnx("%s: field too long", __func__);
		return -1;
	}
	return 0;
}

/* A wrap of the vault key is bound to its vault, member and generation. */
int
crypto_ad_wrap(struct crypto_ad *ad, const char *vault_id,
    const char *user_id, uint64_t generation)
{
	memset(ad, 0, sizeof(*ad));
	ad->buf[ad->len++] = CRYPTO_BLOB_VERSION;
	ad->buf[ad->len++] = CRYPTO_AD_PURPOSE_WRAP;
	if (crypto_ad_field(ad, vault_id) == -1 ||
	    crypto_ad_field(ad, user_id) == -1 ||
	    crypto_ad_u64(ad, generation) == -1) {
		log_warnx("%s: field too long", __func__);
		return -1;
	}
	return 0;
}

/*
 * Seal plaintext under a 32-byte key.  The blob is returned in ordinary
 * memory: it holds only ciphertext.  The version byte is also the first
 * byte of the associated data, so a blob relabelled with another version
 * does not open.
 */
int
crypto_seal(const unsigned char *key, const struct crypto_ad *ad,
    const unsigned char *pt, size_t ptlen, unsigned char **blobp,
    size_t *bloblenp)
{
	EVP_CIPHER_CTX	*ctx = NULL;
	unsigned char	*blob = NULL, *nonce, *ct, *tag;
	size_t		 bloblen;
	int		 n, rv = -1;

	*blobp = NULL;
	*bloblenp = 0;
	if (ptlen > CRYPTO_BLOB_MAX - CRYPTO_BLOB_OVERHEAD ||
	    ad->len > INT_MAX) {
		log_warnx("%s: plaintext too large", __func__);
		return -1;
	}
	bloblen = CRYPTO_BLOB_OVERHEAD + ptlen;
	if ((blob = malloc(bloblen)) == NULL) {
		log_warn("%s", __func__);
		return -1;
	}
	blob[0] = CRYPTO_BLOB_VERSION;
	nonce = blob + 1;
	ct = nonce + CRYPTO_NONCE_LEN;
	tag = ct + ptlen;
	if (crypto_random(nonce, CRYPTO_NONCE_LEN) == -1)
		goto done;

	if ((ctx = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, CRYPTO_NONCE_LEN,
	    NULL) != 1 ||
	    EVP_EncryptInit_ex(ctx, NULL, NULL, key, nonce) != 1 ||
	    EVP_EncryptUpdate(ctx, NULL, &n, ad->buf, (int)ad->len) != 1 ||
	    EVP_EncryptUpdate(ctx, ct, &n, pt, (int)ptlen) != 1 ||
	    (size_t)n != ptlen ||
	    EVP_EncryptFinal_ex(ctx, ct + n, &n) != 1 || n != 0 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, CRYPTO_TAG_LEN,
	    tag) != 1) {
		log_warnx("%s: AES-256-GCM encryption failed", __func__);
		goto done;
	}
	*blobp = blob;
	*bloblenp = bloblen;
	blob = NULL;
	rv = 0;
 done:
	/* The context held the expanded key schedule; free cleanses it. */
	EVP_CIPHER_CTX_free(ctx);
	free(blob);
	return rv;
}

/*
 * Open a blob.  The plaintext goes straight into the secure heap and is
 * released (zeroed) if the tag does not verify: a failed open returns
 * nothing, never a partial or unauthenticated plaintext.  Failure is
 * quiet here; the caller knows what the blob was and says so.
 */
int
crypto_open(const unsigned char *key, const struct crypto_ad *ad,
    const unsigned char *blob, size_t bloblen, struct crypto_secret **ptp)
{
	EVP_CIPHER_CTX		*ctx = NULL;
	struct crypto_secret	*pt = NULL;
	const unsigned char	*nonce, *ct, *tag;
	unsigned char		 tagbuf[CRYPTO_TAG_LEN];
	size_t			 ctlen;
	int			 n, rv = -1;

	*ptp = NULL;
	if (bloblen < CRYPTO_BLOB_OVERHEAD || bloblen > CRYPTO_BLOB_MAX ||
	    blob[0] != CRYPTO_BLOB_VERSION || ad->len > INT_MAX)
		return -1;
	nonce = blob + 1;
	ct = nonce + CRYPTO_NONCE_LEN;
	ctlen = bloblen - CRYPTO_BLOB_OVERHEAD;
	tag = ct + ctlen;
	/* EVP wants a writable tag buffer. */
	memcpy(tagbuf, tag, sizeof(tagbuf));

	if ((pt = crypto_secret_new(ctlen)) == NULL)
		return -1;
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, CRYPTO_NONCE_LEN,
	    NULL) != 1 ||
	    EVP_DecryptInit_ex(ctx, NULL, NULL, key, nonce) != 1 ||
	    EVP_DecryptUpdate(ctx, NULL, &n, ad->buf, (int)ad->len) != 1 ||
	    EVP_DecryptUpdate(ctx, pt->data, &n, ct, (int)ctlen) != 1 ||
	    (size_t)n != ctlen ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, CRYPTO_TAG_LEN,
	    tagbuf) != 1 ||
	    EVP_DecryptFinal_ex(ctx, pt->data + n, &n) != 1)
		goto done;
	*ptp = pt;
	pt = NULL;
	rv = 0;
 done:
	EVP_CIPHER_CTX_free(ctx);
	crypto_secret_free(pt);
	return rv;
}

/*
 * Bounds on the scrypt parameters, checked before every derivation and
 * whenever kdf.json is read.  N below 2^14 is too cheap to slow a guesser;
 * above 2^22 (4 GiB of memory at r = 8) a tampered kdf.json could make
 * the CLI exhaust memory.  Returns NULL when acceptable, else the reason.
 */
const char *
crypto_kdf_check(uint64_t N, uint32_t r, uint32_t p)
{
	if (N < CRYPTO_KDF_N_MIN || N > CRYPTO_KDF_N_MAX || (N & (N - 1)) != 0)
		return "scrypt N must be a power of two from 2^14 to 2^22";
	if (r < 1 || r > CRYPTO_KDF_R_MAX)
		return "scrypt r must be from 1 to 32";
	if (p < 1 || p > CRYPTO_KDF_P_MAX)
		return "scrypt p must be from 1 to 16";
	/* scrypt needs 128 * r * N bytes of scratch; cap that at 4 GiB. */
	if ((uint64_t)128 * r * N > (uint64_t)1 << 32)
		return "scrypt memory (128 * r * N bytes) must not "
		    "exceed 4 GiB";
	return NULL;
}

/*
 * User key = scrypt(master key, salt).  Used by the CLI, never by vaultd:
 * the passphrase and the KDF's scratch memory stay in the short-lived CLI
 * process.  out must hold CRYPTO_KEY_LEN bytes, ideally in the secure heap.
 */
int
crypto_user_key(const char *master, size_t len, const unsigned char *salt,
    uint64_t N, uint32_t r, uint32_t p, unsigned char *out)
{
	const char	*why;

	if ((why = crypto_kdf_check(N, r, p)) != NULL) {
		log_warnx("refusing key derivation: %s "
		    "(N=%llu r=%u p=%u)", why, (unsigned long long)N, r, p);
		return -1;
	}
	if (libscrypt_scrypt((const uint8_t *)master, len, salt,
	    CRYPTO_SALT_LEN, N, r, p, out, CRYPTO_KEY_LEN) != 0) {
		crypto_scrub_stack();
		OPENSSL_cleanse(out, CRYPTO_KEY_LEN);
		log_warn("%s: scrypt failed", __func__);
		return -1;
	}
	crypto_scrub_stack();
	return 0;
}

/*
 * libscrypt leaves copies of the derived key (PBKDF2's last block) and of
 * what HMAC made of the master key in stack frames it does not zero.
 * They are dead once it returns, and the stack below the caller is where
 * they were: overwrite it.  t/vault-keymem.t looks for such copies.
 */
static void
crypto_scrub_stack(void)
{
	unsigned char	 buf[CRYPTO_SCRUB_STACK];

	explicit_bzero(buf, sizeof(buf));
}
