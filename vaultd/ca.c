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
 * ca.c: the session CA.  vaultd makes one per session when control begins
 * it: an ECDSA P-256 key and a self-signed certificate that the agent's
 * sandbox trusts.  With it vaultd mints a leaf certificate for each host
 * a worker of that session intercepts.
 *
 * The CA key is the one thing here that must never leave vaultd: whoever
 * holds it can impersonate any host to that session's agent.  OpenSSL
 * keeps an EC private scalar in the secure heap (BN_secure_new) once
 * vault_crypto_init() has set it up, and EVP_PKEY_free() zeroes it; we
 * never serialize it, so no buffer of ours ever holds it.  A leaf's key is
 * different: the worker terminates TLS with it, so it is serialized for
 * that worker, into the secure heap, and is good for one host only.  It
 * is made here from a random scalar (BN_priv_rand_range in the secure
 * heap) and the curve's generator, and put into the certificate as bare
 * public key bytes, which keeps OpenSSL's provider encoders off the path
 * of every new intercepted connection.
 *
 * Hosts come from workers, which are untrusted: ca_host_canon() accepts
 * only a DNS name of letter-digit-hyphen labels or an IP literal, and the
 * certificate is built from structures, never from a configuration
 * string a host could smuggle a comma into.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "log.h"
#include "vault/crypto.h"
#include "vaultd/ca.h"

#define CA_CN_MAX	64	/* ub-common-name, RFC 5280 */

/* SEC1 ECPrivateKey for P-256, named curve, with the public key: 121. */
static const unsigned char ca_sec1_head[] = {
	0x30, 0x77, 0x02, 0x01, 0x01, 0x04, 0x20
};
static const unsigned char ca_sec1_mid[] = {
	0xa0, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01,
	0x07, 0xa1, 0x44, 0x03, 0x42, 0x00
};
#define CA_SEC1_LEN	(sizeof(ca_sec1_head) + CA_LEAF_SCALAR + \
			 sizeof(ca_sec1_mid) + CA_LEAF_POINT)

static EC_GROUP	*ca_group;	/* P-256, made once */

static int	ca_host_ip(const char *, unsigned char *, size_t *);
static int	ca_host_dns(const char *);
static EVP_PKEY	*ca_keygen(void);
static int	ca_leaf_keygen(struct ca_leaf *);
static int	ca_leaf_pubkey(X509 *, const struct ca_leaf *);
static int	ca_serial(X509 *);
static X509	*ca_cert_new(time_t, time_t);
static int	ca_ext(X509 *, int, int, void *);
static int	ca_ext_basic(X509 *, int);
static int	ca_ext_usage(X509 *, const int *, size_t);
static int	ca_ext_skid(X509 *);
static int	ca_ext_akid(X509 *, const X509 *);
static int	ca_ext_eku(X509 *);
static int	ca_ext_san(X509 *, const char *, int);
static void	ca_ssl_error(const char *);

/* OpenSSL's reason, for the log: never key material, only what failed. */
static void
ca_ssl_error(const char *what)
{
	unsigned long	 e = ERR_get_error();
	char		 buf[160];

	ERR_error_string_n(e, buf, sizeof(buf));
	log_warnx("%s: %s", what, e != 0 ? buf : "failed");
	ERR_clear_error();
}

/* An IP literal (bare, no brackets) in network order; -1 if not one. */
static int
ca_host_ip(const char *host, unsigned char *addr, size_t *len)
{
	if (inet_pton(AF_INET, host, addr) == 1) {
		*len = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, host, addr) == 1) {
		*len = 16;
		return 0;
	}
	return -1;
}

/*
 * A DNS name: labels of letters, digits and hyphens, 1 to 63 long, not
 * beginning or ending with a hyphen, at most CA_HOST_MAX in all, no
 * trailing dot, and a last label that is not all digits (so that "127.1"
 * or "10.0.0" cannot pass as a name for something that is an address).
 */
static int
ca_host_dns(const char *host)
{
	const char	*p, *label = host;
	size_t		 len;
	int		 digits = 1;

	len = strnlen(host, CA_HOST_MAX + 1);
	if (len == 0 || len > CA_HOST_MAX)
		return -1;
	for (p = host;; p++) {
		if (*p == '.' || *p == '\0') {
			if (p == label || p - label > 63 || *label == '-' ||
			    p[-1] == '-')
				return -1;
			if (*p == '\0')
				break;
			label = p + 1;
			digits = 1;
			continue;
		}
		if (!isascii((unsigned char)*p) ||
		    !(isalnum((unsigned char)*p) || *p == '-'))
			return -1;
		if (!isdigit((unsigned char)*p))
			digits = 0;
	}
	return digits ? -1 : 0;
}

/*
 * The canonical form of a host a worker sent, into out: a DNS name in
 * lower case, or an IP address as inet_ntop() writes it, so that one host
 * has one cache entry however it was spelled.  -1 when it is neither.
 */
int
ca_host_canon(const char *host, char *out, size_t outlen)
{
	unsigned char	 addr[16];
	size_t		 alen, i, len;

	len = strnlen(host, CA_HOST_MAX + 1);
	if (len == 0 || len > CA_HOST_MAX || outlen < len + 1)
		return -1;
	if (ca_host_ip(host, addr, &alen) == 0) {
		if (outlen < INET6_ADDRSTRLEN || inet_ntop(alen == 4 ?
		    AF_INET : AF_INET6, addr, out, outlen) == NULL)
			return -1;
		return 0;
	}
	if (ca_host_dns(host) == -1)
		return -1;
	for (i = 0; i < len; i++)
		out[i] = tolower((unsigned char)host[i]);
	out[len] = '\0';
	return 0;
}

/* A fresh P-256 key; its scalar is in the secure heap. */
static EVP_PKEY *
ca_keygen(void)
{
	EVP_PKEY	*k;

	if ((k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")) == NULL)
		ca_ssl_error("cannot generate a P-256 key (secure heap full?)");
	return k;
}

/*
 * A leaf's key pair: a scalar in [1, n-1] drawn into the secure heap
 * (BN_secure_new, BN_priv_rand_range), kept as 32 bytes there, and its
 * public point d*G, which is public.
 */
static int
ca_leaf_keygen(struct ca_leaf *l)
{
	BN_CTX		*ctx = NULL;
	BIGNUM		*d = NULL;
	EC_POINT	*pt = NULL;
	int		 rv = -1;

	if (ca_group == NULL &&
	    (ca_group = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1)) ==
	    NULL)
		return -1;
	if ((l->key = crypto_secret_new(CA_LEAF_SCALAR)) == NULL)
		return -1;
	if ((ctx = BN_CTX_secure_new()) == NULL ||
	    (d = BN_secure_new()) == NULL ||
	    (pt = EC_POINT_new(ca_group)) == NULL)
		goto done;
	do {
		if (BN_priv_rand_range(d, EC_GROUP_get0_order(ca_group)) != 1)
			goto done;
	} while (BN_is_zero(d));
	if (EC_POINT_mul(ca_group, pt, d, NULL, NULL, ctx) != 1 ||
	    EC_POINT_point2oct(ca_group, pt, POINT_CONVERSION_UNCOMPRESSED,
	    l->pub, sizeof(l->pub), ctx) != sizeof(l->pub) ||
	    BN_bn2binpad(d, l->key->data, CA_LEAF_SCALAR) != CA_LEAF_SCALAR)
		goto done;
	rv = 0;
 done:
	EC_POINT_free(pt);
	BN_clear_free(d);
	BN_CTX_free(ctx);
	return rv;
}

/* The certificate's subjectPublicKeyInfo: id-ecPublicKey, P-256, point. */
static int
ca_leaf_pubkey(X509 *x, const struct ca_leaf *l)
{
	unsigned char	*penc;

	if ((penc = OPENSSL_malloc(sizeof(l->pub))) == NULL)
		return -1;
	memcpy(penc, l->pub, sizeof(l->pub));
	if (X509_PUBKEY_set0_param(X509_get_X509_PUBKEY(x),
	    OBJ_nid2obj(NID_X9_62_id_ecPublicKey), V_ASN1_OBJECT,
	    OBJ_nid2obj(NID_X9_62_prime256v1), penc, sizeof(l->pub)) != 1) {
		OPENSSL_free(penc);
		return -1;
	}
	return 0;
}

/* 128 random bits, positive and non-zero (RFC 5280 4.1.2.2). */
static int
ca_serial(X509 *x)
{
	BIGNUM		*bn;
	ASN1_INTEGER	*ai;
	int		 rv = -1;

	if ((bn = BN_new()) == NULL)
		return -1;
	do {
		if (BN_rand(bn, 128, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1)
			goto done;
	} while (BN_is_zero(bn));
	if ((ai = X509_get_serialNumber(x)) != NULL &&
	    BN_to_ASN1_INTEGER(bn, ai) != NULL)
		rv = 0;
 done:
	BN_free(bn);
	return rv;
}

/* A v3 certificate with a random serial, valid from now - CA_BACKDATE. */
static X509 *
ca_cert_new(time_t now, time_t notafter)
{
	X509	*x;

	if ((x = X509_new()) == NULL)
		return NULL;
	if (X509_set_version(x, X509_VERSION_3) != 1 || ca_serial(x) == -1 ||
	    ASN1_TIME_set(X509_getm_notBefore(x), now - CA_BACKDATE) ==
	    NULL ||
	    ASN1_TIME_set(X509_getm_notAfter(x), notafter) == NULL) {
		X509_free(x);
		return NULL;
	}
	return x;
}

/* Adds an extension from its structure, which is freed here. */
static int
ca_ext(X509 *x, int nid, int crit, void *value)
{
	int	 rv;

	rv = X509_add1_ext_i2d(x, nid, value, crit, X509V3_ADD_DEFAULT);
	switch (nid) {
	case NID_basic_constraints:
		BASIC_CONSTRAINTS_free(value);
		break;
	case NID_key_usage:
		ASN1_BIT_STRING_free(value);
		break;
	case NID_subject_key_identifier:
		ASN1_OCTET_STRING_free(value);
		break;
	case NID_authority_key_identifier:
		AUTHORITY_KEYID_free(value);
		break;
	case NID_ext_key_usage:
		EXTENDED_KEY_USAGE_free(value);
		break;
	case NID_subject_alt_name:
		GENERAL_NAMES_free(value);
		break;
	}
	return rv == 1 ? 0 : -1;
}

/* basicConstraints, critical: CA:TRUE, pathlen:0, or CA:FALSE. */
static int
ca_ext_basic(X509 *x, int ca)
{
	BASIC_CONSTRAINTS	*bc;

	if ((bc = BASIC_CONSTRAINTS_new()) == NULL)
		return -1;
	if (ca) {
		bc->ca = 0xff;
		if ((bc->pathlen = ASN1_INTEGER_new()) == NULL ||
		    ASN1_INTEGER_set(bc->pathlen, 0) != 1) {
			BASIC_CONSTRAINTS_free(bc);
			return -1;
		}
	}
	return ca_ext(x, NID_basic_constraints, 1, bc);
}

/* keyUsage, critical, with these bits (RFC 5280 4.2.1.3). */
static int
ca_ext_usage(X509 *x, const int *bits, size_t n)
{
	ASN1_BIT_STRING	*ku;
	size_t		 i;

	if ((ku = ASN1_BIT_STRING_new()) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		if (ASN1_BIT_STRING_set_bit(ku, bits[i], 1) != 1) {
			ASN1_BIT_STRING_free(ku);
			return -1;
		}
	return ca_ext(x, NID_key_usage, 1, ku);
}

/* subjectKeyIdentifier: the SHA-1 of the public key, method 1. */
static int
ca_ext_skid(X509 *x)
{
	ASN1_OCTET_STRING	*os;
	unsigned char		 md[EVP_MAX_MD_SIZE];
	unsigned int		 len;

	if (X509_pubkey_digest(x, EVP_sha1(), md, &len) != 1 ||
	    (os = ASN1_OCTET_STRING_new()) == NULL)
		return -1;
	if (ASN1_OCTET_STRING_set(os, md, len) != 1) {
		ASN1_OCTET_STRING_free(os);
		return -1;
	}
	return ca_ext(x, NID_subject_key_identifier, 0, os);
}

/* authorityKeyIdentifier: the CA's subjectKeyIdentifier. */
static int
ca_ext_akid(X509 *x, const X509 *issuer)
{
	AUTHORITY_KEYID			*akid;
	const ASN1_OCTET_STRING		*skid;

	if ((skid = X509_get0_subject_key_id((X509 *)issuer)) == NULL ||
	    (akid = AUTHORITY_KEYID_new()) == NULL)
		return -1;
	if ((akid->keyid = ASN1_OCTET_STRING_dup(skid)) == NULL) {
		AUTHORITY_KEYID_free(akid);
		return -1;
	}
	return ca_ext(x, NID_authority_key_identifier, 0, akid);
}

/* extendedKeyUsage: serverAuth only. */
static int
ca_ext_eku(X509 *x)
{
	EXTENDED_KEY_USAGE	*eku;
	ASN1_OBJECT		*o;

	if ((eku = sk_ASN1_OBJECT_new_null()) == NULL)
		return -1;
	if ((o = OBJ_nid2obj(NID_server_auth)) == NULL ||
	    sk_ASN1_OBJECT_push(eku, o) <= 0) {
		EXTENDED_KEY_USAGE_free(eku);
		return -1;
	}
	return ca_ext(x, NID_ext_key_usage, 0, eku);
}

/*
 * subjectAltName: the host as a dNSName, or as an iPAddress when it is an
 * IP literal.  Critical when the subject is empty (RFC 5280 4.2.1.6).
 */
static int
ca_ext_san(X509 *x, const char *host, int crit)
{
	GENERAL_NAMES		*gens;
	GENERAL_NAME		*gn;
	ASN1_STRING		*s = NULL;
	unsigned char		 addr[16];
	size_t			 alen;
	int			 type;

	if (ca_host_ip(host, addr, &alen) == 0) {
		type = GEN_IPADD;
		if ((s = ASN1_OCTET_STRING_new()) == NULL ||
		    ASN1_OCTET_STRING_set(s, addr, (int)alen) != 1)
			goto fail;
	} else {
		type = GEN_DNS;
		if ((s = ASN1_IA5STRING_new()) == NULL ||
		    ASN1_STRING_set(s, host, -1) != 1)
			goto fail;
	}
	if ((gens = sk_GENERAL_NAME_new_null()) == NULL)
		goto fail;
	if ((gn = GENERAL_NAME_new()) == NULL) {
		GENERAL_NAMES_free(gens);
		goto fail;
	}
	GENERAL_NAME_set0_value(gn, type, s);
	if (sk_GENERAL_NAME_push(gens, gn) <= 0) {
		GENERAL_NAME_free(gn);
		GENERAL_NAMES_free(gens);
		return -1;
	}
	return ca_ext(x, NID_subject_alt_name, crit, gens);
 fail:
	ASN1_STRING_free(s);
	return -1;
}

/*
 * How long a CA made from now on is valid: the longest a session may
 * live (its "session max"), so that neither the CA nor a leaf expires
 * under a live session.  -1 when out of bounds.
 */
static time_t	ca_lifetime = CA_LIFETIME_DEFAULT;

int
ca_set_lifetime(long long seconds)
{
	if (seconds < CA_LIFETIME_MIN || seconds > CA_LIFETIME_MAX)
		return -1;
	ca_lifetime = (time_t)seconds;
	return 0;
}

/*
 * The session's CA: CN "aileron session <first 8 hex digits of the id>",
 * valid from an hour ago for ca_lifetime, for signing leaves only
 * (pathlen 0: it can make no other CA).  NULL on failure, logged.
 */
struct ca *
ca_new(const char *session_id)
{
	/* keyCertSign, cRLSign */
	static const int	 bits[] = { 5, 6 };
	struct ca		*ca;
	X509_NAME		*name;
	BIO			*bio = NULL;
	BUF_MEM			*bm;
	char			 cn[64];
	time_t			 now = time(NULL);

	if ((ca = calloc(1, sizeof(*ca))) == NULL)
		fatal("%s", __func__);
	snprintf(cn, sizeof(cn), "aileron session %.8s", session_id);
	if ((ca->key = ca_keygen()) == NULL)
		goto fail;
	ca->notafter = now + ca_lifetime;
	if ((ca->cert = ca_cert_new(now, ca->notafter)) == NULL ||
	    (name = X509_get_subject_name(ca->cert)) == NULL ||
	    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
	    (const unsigned char *)"aileron", -1, -1, 0) != 1 ||
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
	    (const unsigned char *)cn, -1, -1, 0) != 1 ||
	    X509_set_issuer_name(ca->cert, name) != 1 ||
	    X509_set_pubkey(ca->cert, ca->key) != 1 ||
	    ca_ext_basic(ca->cert, 1) == -1 ||
	    ca_ext_usage(ca->cert, bits, 2) == -1 ||
	    ca_ext_skid(ca->cert) == -1 ||
	    X509_sign(ca->cert, ca->key, EVP_sha256()) == 0)
		goto fail;
	if ((bio = BIO_new(BIO_s_mem())) == NULL ||
	    PEM_write_bio_X509(bio, ca->cert) != 1)
		goto fail;
	BIO_get_mem_ptr(bio, &bm);
	if ((ca->pem = malloc(bm->length + 1)) == NULL)
		fatal("%s", __func__);
	memcpy(ca->pem, bm->data, bm->length);
	ca->pem[bm->length] = '\0';
	ca->pemlen = bm->length;
	BIO_free(bio);
	return ca;
 fail:
	ca_ssl_error("cannot make the session CA");
	BIO_free(bio);
	ca_free(ca);
	return NULL;
}

/* EVP_PKEY_free() clears the scalar in the secure heap. */
void
ca_free(struct ca *ca)
{
	if (ca == NULL)
		return;
	EVP_PKEY_free(ca->key);
	X509_free(ca->cert);
	free(ca->pem);
	free(ca);
}

/*
 * A leaf for one host, signed by the CA: a fresh P-256 key, CN and SAN the
 * host (the CN only when it fits in 64 characters; the SAN is what TLS
 * clients check), serverAuth only, valid from an hour ago until the CA's
 * end: the session's whole possible life, however late it is minted.  NULL
 * when the host is not one ca_host_canon() accepts or minting fails.
 */
struct ca_leaf *
ca_mint_leaf(struct ca *ca, const char *host)
{
	static const int	 bits[] = { 0 };	/* digitalSignature */
	struct ca_leaf		*l;
	X509			*x = NULL;
	X509_NAME		*name;
	unsigned char		*p;
	time_t			 now = time(NULL);
	int			 len, empty;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		fatal("%s", __func__);
	if (ca_host_canon(host, l->host, sizeof(l->host)) == -1) {
		free(l);
		return NULL;
	}
	l->notafter = ca->notafter;
	if (l->notafter <= now) {
		log_warnx("the session CA has expired; no leaf for %s",
		    l->host);
		free(l);
		return NULL;
	}
	empty = strlen(l->host) > CA_CN_MAX;
	if (ca_leaf_keygen(l) == -1)
		goto fail;
	if ((x = ca_cert_new(now, l->notafter)) == NULL ||
	    (name = X509_get_subject_name(x)) == NULL ||
	    (!empty && X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
	    (const unsigned char *)l->host, -1, -1, 0) != 1) ||
	    X509_set_issuer_name(x, X509_get_subject_name(ca->cert)) != 1 ||
	    ca_leaf_pubkey(x, l) == -1 ||
	    ca_ext_basic(x, 0) == -1 ||
	    ca_ext_usage(x, bits, 1) == -1 ||
	    ca_ext_eku(x) == -1 ||
	    ca_ext_san(x, l->host, empty) == -1 ||
	    ca_ext_akid(x, ca->cert) == -1 ||
	    X509_sign(x, ca->key, EVP_sha256()) == 0)
		goto fail;
	if ((len = i2d_X509(x, NULL)) <= 0)
		goto fail;
	if ((l->cert = malloc(len)) == NULL)
		fatal("%s", __func__);
	p = l->cert;
	if (i2d_X509(x, &p) != len)
		goto fail;
	l->certlen = len;
	X509_free(x);
	return l;
 fail:
	ca_ssl_error("cannot mint a leaf certificate");
	X509_free(x);
	ca_leaf_free(l);
	return NULL;
}

void
ca_leaf_free(struct ca_leaf *l)
{
	if (l == NULL)
		return;
	crypto_secret_free(l->key);
	free(l->cert);
	free(l);
}

/*
 * The leaf's private key as DER, as i2d_PrivateKey() writes it (a SEC1
 * ECPrivateKey with the curve and the public key), in the secure heap,
 * for the LEAF_REPLY to the worker of that host.  The caller frees it with
 * crypto_secret_free(), which zeroes it.
 */
struct crypto_secret *
ca_leaf_key_der(const struct ca_leaf *l)
{
	struct crypto_secret	*s;
	unsigned char		*p;

	if ((s = crypto_secret_new(CA_SEC1_LEN)) == NULL)
		return NULL;
	p = s->data;
	memcpy(p, ca_sec1_head, sizeof(ca_sec1_head));
	p += sizeof(ca_sec1_head);
	memcpy(p, l->key->data, CA_LEAF_SCALAR);
	p += CA_LEAF_SCALAR;
	memcpy(p, ca_sec1_mid, sizeof(ca_sec1_mid));
	p += sizeof(ca_sec1_mid);
	memcpy(p, l->pub, sizeof(l->pub));
	return s;
}
