/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/*
 * ca.h: a session's certificate authority, and the leaf certificates it
 * mints for the hosts the session's workers intercept.
 */

#ifndef AILERON_VAULTD_CA_H
#define AILERON_VAULTD_CA_H

#include <stddef.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#define CA_HOST_MAX		253	/* a DNS name's longest text form */
/* The CA's, and so its leaves': a session's longest life, by default. */
#define CA_LIFETIME_DEFAULT	(7 * 24 * 3600)
#define CA_LIFETIME_MIN		3600
#define CA_LIFETIME_MAX		(397 * 24 * 3600)	/* what clients take */
#define CA_BACKDATE		3600	/* for clocks a little behind */

struct crypto_secret;

/*
 * The CA's key is an ECDSA P-256 key whose scalar OpenSSL keeps in the
 * secure heap; it never leaves this struct.  The certificate is public.
 */
struct ca {
	EVP_PKEY	*key;		/* secure heap; never sent or logged */
	X509		*cert;
	char		*pem;		/* the certificate, for SESSION_ACK */
	size_t		 pemlen;
	time_t		 notafter;
};

#define CA_LEAF_SCALAR		32	/* a P-256 private key */
#define CA_LEAF_POINT		65	/* its public key, uncompressed */

/*
 * One host's leaf: the worker may hold its key, for that host only.  The
 * key is kept as its bare scalar, and no EVP_PKEY: vaultd never signs with
 * it, and its DER is a fixed template (ca_leaf_key_der) that costs
 * microseconds to fill where OpenSSL's encoders cost a fifth of a
 * millisecond on every cache hit.
 */
struct ca_leaf {
	char			 host[CA_HOST_MAX + 1];	/* canonical */
	unsigned char		*cert;		/* DER */
	size_t			 certlen;
	struct crypto_secret	*key;		/* the scalar; secure heap */
	unsigned char		 pub[CA_LEAF_POINT];
	time_t			 notafter;
};

int		 ca_set_lifetime(long long seconds);
struct ca	*ca_new(const char *session_id);
void		 ca_free(struct ca *);
int		 ca_host_canon(const char *host, char *out, size_t outlen);
struct ca_leaf	*ca_mint_leaf(struct ca *, const char *host);
void		 ca_leaf_free(struct ca_leaf *);
struct crypto_secret *ca_leaf_key_der(const struct ca_leaf *);

#endif
