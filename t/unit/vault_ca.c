/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* vault_ca.c: tests of the session CA, its leaves, and their caches. */

/*
 * The CA and each leaf are checked as a TLS client would check them:
 * X509_verify_cert() against the CA alone, in strict mode, for the
 * host's name or address, and refused for any other.  Then what a worker
 * could send wrong: hosts that are not DNS names or IP literals.  Then
 * the session's caches: one leaf per host, tickets per session, bounds,
 * and nothing left in the secure heap when the session ends.  Last, the
 * cost of minting, printed as TAP comments.
 */

#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "tap.h"
#include "log.h"
#include "vault/crypto.h"
#include "vaultd/ca.h"
#include "vaultd/session.h"

#define SID	"0123456789abcdef0123456789abcdef"
#define SID2	"fedcba9876543210fedcba9876543210"

static X509	*leaf_x509(const struct ca_leaf *);
static int	 verify(const struct ca *, X509 *, const char *, const char *);
static time_t	 asn1_time(const ASN1_TIME *);
static const GENERAL_NAME *san_only(X509 *, int *);
static double	 now_us(void);

static X509 *
leaf_x509(const struct ca_leaf *l)
{
	const unsigned char	*p = l->cert;

	return d2i_X509(NULL, &p, (long)l->certlen);
}

/* X509_verify_cert against the CA alone, strict, for a name or an IP. */
static int
verify(const struct ca *ca, X509 *x, const char *host, const char *ip)
{
	X509_STORE		*st;
	X509_STORE_CTX		*ctx;
	X509_VERIFY_PARAM	*vp;
	int			 rv;

	st = X509_STORE_new();
	ctx = X509_STORE_CTX_new();
	X509_STORE_add_cert(st, ca->cert);
	X509_STORE_CTX_init(ctx, st, x, NULL);
	vp = X509_STORE_CTX_get0_param(ctx);
	X509_VERIFY_PARAM_set_flags(vp, X509_V_FLAG_X509_STRICT);
	if (host != NULL || ip != NULL)
		X509_VERIFY_PARAM_set_purpose(vp, X509_PURPOSE_SSL_SERVER);
	if (host != NULL)
		X509_VERIFY_PARAM_set1_host(vp, host, 0);
	if (ip != NULL)
		X509_VERIFY_PARAM_set1_ip_asc(vp, ip);
	rv = X509_verify_cert(ctx);
	if (rv != 1)
		diag("verify %s: %s", host ? host : ip,
		    X509_verify_cert_error_string(
		    X509_STORE_CTX_get_error(ctx)));
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(st);
	return rv;
}

static time_t
asn1_time(const ASN1_TIME *t)
{
	struct tm	 tm;

	memset(&tm, 0, sizeof(tm));
	if (ASN1_TIME_to_tm(t, &tm) != 1)
		return 0;
	return timegm(&tm);
}

/* The one subjectAltName entry, and whether the extension is critical. */
static const GENERAL_NAME *
san_only(X509 *x, int *crit)
{
	GENERAL_NAMES	*gens;
	static GENERAL_NAME *gn;

	GENERAL_NAME_free(gn);
	gn = NULL;
	if ((gens = X509_get_ext_d2i(x, NID_subject_alt_name, crit,
	    NULL)) == NULL)
		return NULL;
	if (sk_GENERAL_NAME_num(gens) == 1)
		gn = GENERAL_NAME_dup(sk_GENERAL_NAME_value(gens, 0));
	GENERAL_NAMES_free(gens);
	return gn;
}

/* CPU time, not wall time: the machine is shared while tests run. */
static double
now_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

int
main(void)
{
	static const char *const bad[] = {
		"", "-a.example", "a-.example", "a..example", ".a.example",
		"a.example.", "a_b.example", "a b.example", "exa\tmple.com",
		"*.example.com", "10.0.0", "127.1", "[::1]", "a.example:443",
		"a.example/x", "\xc3\xa9.example", "1.2.3.4.5", "::1::2",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		"aaaa.example",	/* a label of 64 */
	};
	struct sessions		 ss;
	struct session		*s, *s2;
	struct ca		*ca;
	struct ca_leaf		*l, *l2;
	const struct ca_leaf	*cl, *cl2;
	const GENERAL_NAME	*gn;
	const ASN1_OCTET_STRING	*aki, *ski;
	struct crypto_secret	*kd;
	const struct crypto_secret *tk;
	const unsigned char	*p;
	EVP_PKEY		*k;
	X509			*x, *y;
	BIO			*bio;
	BIGNUM			*bn;
	char			 canon[CA_HOST_MAX + 1];
	char			 longhost[CA_HOST_MAX + 2];
	char			 name[256], host[64];
	size_t			 used0, used1, i, nbad;
	time_t			 now;
	double			 t0, t1;
	int			 crit, n, okall;

	log_init(1, 0, "vault_ca");
	vault_crypto_init();
	plan(56);
	now = time(NULL);

	/* The CA; OpenSSL's first key takes some secure heap for good. */
	ca_free(ca_new(SID));
	ca_leaf_free(ca_mint_leaf((ca = ca_new(SID)), "a.example"));
	ca_free(ca);
	used0 = CRYPTO_secure_used();
	ca = ca_new(SID);
	ok(ca != NULL, "ca_new makes a session CA");
	if (ca == NULL)
		return done_testing();
	used1 = CRYPTO_secure_used();
	ok(used1 > used0, "its key is in the secure heap (%zu bytes)",
	    used1 - used0);
	X509_NAME_get_text_by_NID(X509_get_subject_name(ca->cert),
	    NID_commonName, name, sizeof(name));
	is_str(name, "aileron session 01234567", "its CN names the session");
	ok(X509_check_ca(ca->cert) == 1 && X509_get_pathlen(ca->cert) == 0,
	    "CA:TRUE, pathlen 0");
	BASIC_CONSTRAINTS_free(X509_get_ext_d2i(ca->cert,
	    NID_basic_constraints, &crit, NULL));
	ok(crit == 1, "basicConstraints is critical");
	ok(X509_get_key_usage(ca->cert) == (KU_KEY_CERT_SIGN | KU_CRL_SIGN),
	    "keyUsage: keyCertSign and cRLSign only");
	ASN1_BIT_STRING_free(X509_get_ext_d2i(ca->cert, NID_key_usage, &crit,
	    NULL));
	ok(crit == 1, "keyUsage is critical");
	ski = X509_get0_subject_key_id(ca->cert);
	ok(ski != NULL && ski->length == 20, "a subjectKeyIdentifier");
	ok(X509_verify(ca->cert, X509_get0_pubkey(ca->cert)) == 1 &&
	    X509_check_issued(ca->cert, ca->cert) == X509_V_OK,
	    "self-signed");
	ok(llabs((long long)(asn1_time(X509_get0_notBefore(ca->cert)) -
	    (now - 3600))) <= 5 &&
	    llabs((long long)(asn1_time(X509_get0_notAfter(ca->cert)) -
	    (now + 7 * 86400))) <= 5,
	    "valid from an hour ago for 7 days, a session's longest life");
	bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(ca->cert), NULL);
	ok(bn != NULL && !BN_is_negative(bn) && !BN_is_zero(bn) &&
	    BN_num_bits(bn) <= 128 && BN_num_bits(bn) > 64,
	    "a random positive serial of up to 128 bits (%d)", BN_num_bits(bn));
	BN_free(bn);
	bio = BIO_new_mem_buf(ca->pem, (int)ca->pemlen);
	x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	BIO_free(bio);
	ok(x != NULL && X509_cmp(x, ca->cert) == 0 &&
	    strlen(ca->pem) == ca->pemlen &&
	    strstr(ca->pem, "PRIVATE") == NULL,
	    "the PEM is the certificate, and nothing else");
	X509_free(x);
	ok(verify(ca, ca->cert, NULL, NULL) == 1, "the CA verifies against "
	    "itself, strict");

	/* A leaf for a DNS name. */
	l = ca_mint_leaf(ca, "API.Example.com");
	ok(l != NULL, "a leaf for API.Example.com");
	if (l == NULL)
		return done_testing();
	is_str(l->host, "api.example.com", "its host is in lower case");
	x = leaf_x509(l);
	ok(x != NULL, "its DER parses");
	ok(verify(ca, x, "api.example.com", NULL) == 1,
	    "X509_verify_cert accepts it for api.example.com (strict, "
	    "sslserver)");
	ok(verify(ca, x, "other.example.com", NULL) != 1,
	    "and refuses it for another host");
	gn = san_only(x, &crit);
	ok(gn != NULL && gn->type == GEN_DNS && crit == 0 &&
	    strcmp((const char *)ASN1_STRING_get0_data(gn->d.dNSName),
	    "api.example.com") == 0, "SAN: exactly dNSName api.example.com");
	X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName,
	    name, sizeof(name));
	is_str(name, "api.example.com", "CN: the host");
	ok(X509_check_ca(x) == 0 && (X509_get_extended_key_usage(x) ==
	    XKU_SSL_SERVER) && X509_get_key_usage(x) == KU_DIGITAL_SIGNATURE,
	    "not a CA; serverAuth; digitalSignature");
	aki = X509_get0_authority_key_id(x);
	ok(aki != NULL && ASN1_OCTET_STRING_cmp(aki, ski) == 0,
	    "authorityKeyIdentifier: the CA's key identifier");
	ok(llabs((long long)(asn1_time(X509_get0_notBefore(x)) -
	    (now - 3600))) <= 5 &&
	    llabs((long long)(asn1_time(X509_get0_notAfter(x)) -
	    (now + 7 * 86400))) <= 5,
	    "valid from an hour ago to the CA's end");
	ok(EVP_PKEY_get_base_id(X509_get0_pubkey(x)) == EVP_PKEY_EC &&
	    EVP_PKEY_get_bits(X509_get0_pubkey(x)) == 256, "an EC P-256 key");
	kd = ca_leaf_key_der(l);
	p = kd != NULL ? kd->data : NULL;
	k = kd != NULL ? d2i_PrivateKey(EVP_PKEY_EC, NULL, &p,
	    (long)kd->len) : NULL;
	ok(k != NULL && X509_check_private_key(x, k) == 1,
	    "its key DER (%zu bytes) matches its certificate",
	    kd != NULL ? kd->len : 0);
	ok(X509_check_private_key(ca->cert, k) != 1,
	    "and is not the CA's key");
	ERR_clear_error();
	EVP_PKEY_free(k);
	crypto_secret_free(kd);
	l2 = ca_mint_leaf(ca, "api.example.com");
	y = l2 != NULL ? leaf_x509(l2) : NULL;
	ok(y != NULL && ASN1_INTEGER_cmp(X509_get0_serialNumber(x),
	    X509_get0_serialNumber(y)) != 0 &&
	    EVP_PKEY_eq(X509_get0_pubkey(x), X509_get0_pubkey(y)) != 1,
	    "a second mint: another serial, another key");
	X509_free(y);
	ca_leaf_free(l2);
	X509_free(x);
	ca_leaf_free(l);

	/* IP literals. */
	l = ca_mint_leaf(ca, "127.0.0.1");
	x = l != NULL ? leaf_x509(l) : NULL;
	gn = x != NULL ? san_only(x, &crit) : NULL;
	ok(gn != NULL && gn->type == GEN_IPADD &&
	    gn->d.iPAddress->length == 4 &&
	    memcmp(gn->d.iPAddress->data, "\x7f\0\0\x01", 4) == 0,
	    "127.0.0.1: SAN iPAddress 127.0.0.1");
	ok(x != NULL && verify(ca, x, NULL, "127.0.0.1") == 1 &&
	    verify(ca, x, NULL, "127.0.0.2") != 1,
	    "verifies for 127.0.0.1 and not for 127.0.0.2");
	X509_free(x);
	ca_leaf_free(l);
	l = ca_mint_leaf(ca, "0:0::1");
	x = l != NULL ? leaf_x509(l) : NULL;
	ok(l != NULL && strcmp(l->host, "::1") == 0 && x != NULL &&
	    verify(ca, x, NULL, "::1") == 1,
	    "an IPv6 literal, canonical (0:0::1 is ::1), verifies");
	X509_free(x);
	ca_leaf_free(l);

	/* A name longer than a CN may be: no CN, a critical SAN. */
	snprintf(longhost, sizeof(longhost), "%.63s.%.63s.%.63s.example",
	    "a123456789a123456789a123456789a123456789a123456789a123456789abc",
	    "b123456789a123456789a123456789a123456789a123456789a123456789abc",
	    "c123456789a123456789a123456789a123456789a123456789a123456789abc");
	l = ca_mint_leaf(ca, longhost);
	x = l != NULL ? leaf_x509(l) : NULL;
	ok(x != NULL && X509_NAME_entry_count(X509_get_subject_name(x)) == 0 &&
	    san_only(x, &crit) != NULL && crit == 1 &&
	    verify(ca, x, longhost, NULL) == 1,
	    "a %zu-character host: empty subject, critical SAN, verifies",
	    strlen(longhost));
	X509_free(x);
	ca_leaf_free(l);
	memset(longhost, 'a', sizeof(longhost) - 1);
	longhost[sizeof(longhost) - 1] = '\0';
	for (i = 63; i < sizeof(longhost) - 1; i += 64)
		longhost[i] = '.';
	ok(ca_host_canon(longhost, canon, sizeof(canon)) == -1,
	    "a %zu-character name is refused", strlen(longhost));
	longhost[CA_HOST_MAX] = '\0';
	ok(ca_host_canon(longhost, canon, sizeof(canon)) == 0,
	    "one of %d is accepted", CA_HOST_MAX);

	/* What a worker could send instead of a host. */
	nbad = sizeof(bad) / sizeof(bad[0]);
	okall = 1;
	for (i = 0; i < nbad; i++)
		if (ca_host_canon(bad[i], canon, sizeof(canon)) != -1 ||
		    (l = ca_mint_leaf(ca, bad[i])) != NULL) {
			diag("accepted: \"%s\"", bad[i]);
			okall = 0;
		}
	ok(okall, "%zu bad hosts refused by ca_host_canon and ca_mint_leaf",
	    nbad);
	ok(ca_host_canon("localhost", canon, sizeof(canon)) == 0 &&
	    ca_host_canon("xn--bcher-kva.example", canon, sizeof(canon)) == 0 &&
	    ca_host_canon("1.example", canon, sizeof(canon)) == 0 &&
	    ca_host_canon("a.1b", canon, sizeof(canon)) == 0,
	    "localhost, an A-label, digits in labels: accepted");

	/* The CA's end bounds its leaves. */
	now = time(NULL);
	ca->notafter = now + 7200;
	l = ca_mint_leaf(ca, "api.example.com");
	x = l != NULL ? leaf_x509(l) : NULL;
	ok(x != NULL && l->notafter == now + 7200 &&
	    llabs((long long)(asn1_time(X509_get0_notAfter(x)) -
	    (now + 7200))) <= 1,
	    "a leaf ends no later than its CA");
	X509_free(x);
	ca_leaf_free(l);
	ca->notafter = now - 1;
	ok(ca_mint_leaf(ca, "api.example.com") == NULL,
	    "an expired CA mints nothing");
	ca_free(ca);

	/* The lifetime is vaultd's to set: a session's longest life. */
	ok(ca_set_lifetime(59) == -1 && ca_set_lifetime(400LL * 86400) == -1,
	    "a lifetime under an hour or over 397 days is refused");
	ok(ca_set_lifetime(30 * 86400) == 0 && (ca = ca_new(SID)) != NULL,
	    "a 30-day lifetime is taken");
	now = time(NULL);
	l = ca != NULL ? ca_mint_leaf(ca, "api.example.com") : NULL;
	x = l != NULL ? leaf_x509(l) : NULL;
	ok(ca != NULL && x != NULL && llabs((long long)(asn1_time(
	    X509_get0_notAfter(ca->cert)) - (now + 30 * 86400))) <= 5 &&
	    llabs((long long)(asn1_time(X509_get0_notAfter(x)) -
	    (now + 30 * 86400))) <= 5,
	    "the CA and a leaf are valid for the whole 30 days");
	X509_free(x);
	ca_leaf_free(l);
	ca_free(ca);
	(void)ca_set_lifetime(CA_LIFETIME_DEFAULT);
	ok(CRYPTO_secure_used() == used0, "ca_free gives back its secure heap");

	/* The session's caches. */
	session_init(&ss);
	s = session_begin(&ss, SID, "alice");
	s2 = session_begin(&ss, SID2, "bob");
	ok(s != NULL && s2 != NULL && session_set_ca(s) == 0 &&
	    session_set_ca(s2) == 0 && s->ca != NULL && s2->ca != NULL &&
	    X509_cmp(s->ca->cert, s2->ca->cert) != 0,
	    "two sessions, each with a CA of its own");
	if (s == NULL || s2 == NULL || s->ca == NULL || s2->ca == NULL)
		return done_testing();
	cl = session_leaf(&ss, s, "api.example.com");
	cl2 = session_leaf(&ss, s, "api.example.com");
	ok(cl != NULL && cl == cl2 && s->nleaves == 1,
	    "the second LEAF for a host comes from the cache");
	cl2 = session_leaf(&ss, s2, "api.example.com");
	x = cl2 != NULL ? leaf_x509(cl2) : NULL;
	ok(cl2 != NULL && cl2 != cl && x != NULL &&
	    verify(s2->ca, x, "api.example.com", NULL) == 1 &&
	    verify(s->ca, x, "api.example.com", NULL) != 1,
	    "another session's leaf is its own CA's, not the first's");
	X509_free(x);
	for (i = 0; i < SESSION_LEAVES + 4; i++) {
		snprintf(host, sizeof(host), "h%zu.example", i);
		session_leaf(&ss, s, host);
	}
	ok(s->nleaves == SESSION_LEAVES && ss.nleaves == SESSION_LEAVES + 1,
	    "the leaf cache holds at most %d per session (%zu, %zu in all)",
	    SESSION_LEAVES, s->nleaves, ss.nleaves);
	ok(session_leaf(&ss, s, "h0.example") != NULL &&
	    s->nleaves == SESSION_LEAVES, "the oldest went, and comes back "
	    "minted anew");

	/* Tickets: opaque bytes per session and host. */
	ok(session_ticket_get(s, "up.example") == NULL, "no ticket yet");
	ok(session_ticket_put(&ss, s, "up.example", "ticket-one", 10) == 0 &&
	    session_ticket_put(&ss, s, "up.example", "ticket-two!", 11) == 0,
	    "two tickets put for one host");
	tk = session_ticket_get(s, "up.example");
	ok(tk != NULL && tk->len == 11 && memcmp(tk->data, "ticket-two!", 11) ==
	    0 && s->ntickets == 1, "the newest is kept, the older replaced");
	ok(session_ticket_get(s2, "up.example") == NULL,
	    "another session does not see it");
	ok(session_ticket_put(&ss, s, "up.example", "x", 0) == -1 &&
	    session_ticket_put(&ss, s, "up.example", name,
	    SESSION_TICKET_MAX + 1) == -1, "empty or oversized: refused");
	for (i = 0; i < SESSION_TICKETS + 3; i++) {
		snprintf(host, sizeof(host), "t%zu.example", i);
		session_ticket_put(&ss, s, host, host, strlen(host));
	}
	ok(s->ntickets == SESSION_TICKETS &&
	    session_ticket_get(s, "up.example") == NULL &&
	    session_ticket_get(s, "t3.example") != NULL,
	    "at most %d hosts per session: the oldest go", SESSION_TICKETS);
	session_ticket_put(&ss, s2, "keep.example", "small", 5);
	kd = crypto_secret_new(SESSION_TICKET_MAX);
	memset(kd->data, 'T', kd->len);
	for (i = 0; i < 2 * SESSION_TICKETS; i++) {
		snprintf(host, sizeof(host), "big%zu.example", i);
		session_ticket_put(&ss, s, host, kd->data, kd->len);
	}
	ok(s->ticket_heap <= SESSION_TICKET_HEAP_ONE && s->ticket_heap >
	    SESSION_TICKET_HEAP_ONE / 2 && session_ticket_get(s2,
	    "keep.example") != NULL, "one session's tickets stay within its "
	    "share, %d bytes (%zu): another's survive its flood",
	    SESSION_TICKET_HEAP_ONE, s->ticket_heap);
	for (i = 0; i < 2 * SESSION_TICKETS; i++) {
		snprintf(host, sizeof(host), "big%zu.example", i);
		session_ticket_put(&ss, i % 2 ? s : s2, host, kd->data,
		    kd->len);
	}
	crypto_secret_free(kd);
	ok(ss.ticket_heap <= SESSION_TICKET_HEAP && ss.ticket_heap ==
	    s->ticket_heap + s2->ticket_heap, "every session's tickets "
	    "together stay within %d bytes of secure heap (%zu)",
	    SESSION_TICKET_HEAP, ss.ticket_heap);
	session_end(&ss, s2);
	session_end(&ss, s);
	ok(ss.nleaves == 0 && ss.ticket_heap == 0 &&
	    TAILQ_EMPTY(&ss.tickets) && TAILQ_EMPTY(&ss.leaves),
	    "session_end drops its leaves and tickets");
	ok(CRYPTO_secure_used() == used0, "and every byte of secure heap "
	    "they held (%zu in use)", CRYPTO_secure_used());

	/* Costs. */
	ca = ca_new(SID);
	n = 200;
	t0 = now_us();
	for (i = 0; i < (size_t)n; i++)
		ca_leaf_free(ca_mint_leaf(ca, "api.example.com"));
	t1 = now_us();
	diag("minting a leaf (ECDSA P-256): %.0f us of CPU", (t1 - t0) / n);
	t0 = now_us();
	for (i = 0; i < 50; i++)
		ca_free(ca_new(SID));
	t1 = now_us();
	diag("making a session CA (ECDSA P-256): %.0f us of CPU",
	    (t1 - t0) / 50);
	l = ca_mint_leaf(ca, "api.example.com");
	t0 = now_us();
	for (i = 0; i < (size_t)n; i++)
		crypto_secret_free(ca_leaf_key_der(l));
	t1 = now_us();
	diag("serializing a cached leaf's key: %.1f us of CPU",
	    (t1 - t0) / n);
	ca_leaf_free(l);
	ca_free(ca);
	return done_testing();
}
