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
 * tls.c: the TLS contexts every worker uses, prepared once before any
 * fork: making a context costs about 0.22 ms and loading the system CA
 * store about 60 ms, against a 1-2 ms budget for a whole intercepted
 * connection.  Neither holds a secret: the agent's leg gets its leaf
 * certificate from vaultd per connection, and server-side session
 * tickets are off (their keys would be a secret in the master, and a
 * worker serves one connection anyway).
 */

#include <sys/types.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "log.h"
#include "master/master.h"
#include "master/parse.h"
#include "worker/worker.h"
#include "worker/proxy.h"

/*
 * With read-ahead, one read takes as many records as this holds, so a
 * 1 MiB body is 16 reads, not 64.  A read that ends inside a record costs
 * a second read for the record's rest: the buffer holds four full TLS 1.3
 * records (16,406 bytes each) after OpenSSL's alignment offset of 3 bytes
 * (a 16-byte-aligned malloc), and less than the next record's header.
 * Only the pages a read fills become resident: a connection of small
 * requests stays small.
 */
#define TLS_READ_BUFFER		(4 * 16406 + 3 + 2)

static const unsigned char tls_alpn_http11[] = "\x08http/1.1";

static SSL_CTX	*tls_server_ctx(void);
static SSL_CTX	*tls_client_ctx(const char *);

static SSL_CTX *
tls_server_ctx(void)
{
	SSL_CTX	*ctx;

	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL ||
	    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1)
		fatalx("cannot make the agents' TLS context");
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET |
	    SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_alpn_select_cb(ctx, tls_alpn_select, NULL);
	SSL_CTX_set_read_ahead(ctx, 1);
	SSL_CTX_set_default_read_buffer_len(ctx, TLS_READ_BUFFER);
	SSL_CTX_set_tlsext_servername_callback(ctx, tls_servername);
	return ctx;
}

/* cafile: the upstream ca line, or NULL for the system store. */
static SSL_CTX *
tls_client_ctx(const char *cafile)
{
	SSL_CTX	*ctx;

	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL ||
	    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
	    SSL_CTX_set_alpn_protos(ctx, tls_alpn_http11,
	    sizeof(tls_alpn_http11) - 1) != 0)
		fatalx("cannot make the upstream TLS context");
	/*
	 * Named, not SSL_CTX_set_default_verify_paths(): that one follows
	 * SSL_CERT_FILE and SSL_CERT_DIR from the environment.  The file is
	 * read whole now; a directory would be read at each verification,
	 * which a chrooted worker cannot.
	 */
	if (cafile == NULL)
		cafile = X509_get_default_cert_file();
	if (SSL_CTX_load_verify_locations(ctx, cafile, NULL) != 1)
		fatalx("cannot load the upstream CA store %s", cafile);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION);
	/* Fewer reads: a record's header and body in one, and more records. */
	SSL_CTX_set_read_ahead(ctx, 1);
	SSL_CTX_set_default_read_buffer_len(ctx, TLS_READ_BUFFER);
	/* Tickets are kept by vaultd, per session and host, not here. */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	return ctx;
}

/*
 * OpenSSL 3 fetches each algorithm from its provider on first use and
 * caches it in the library context: done in every worker, that is most
 * of a handshake's cost.  One handshake here, between the two contexts
 * over memory, fills the cache that every worker then inherits.  Its key
 * and certificate are made for it and thrown away: nothing trusts them.
 */
static void
tls_warm(struct master *m)
{
	EVP_PKEY	*key = NULL;
	X509		*cert = NULL;
	SSL		*srv = NULL, *cli = NULL;
	BIO		*sb = NULL, *cb = NULL;
	unsigned char	*der = NULL;
	char		 buf[16];
	int		 i, len, done = 0;

	if ((key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")) == NULL ||
	    (cert = X509_new()) == NULL ||
	    !X509_set_version(cert, X509_VERSION_3) ||
	    !ASN1_INTEGER_set(X509_get_serialNumber(cert), 1) ||
	    X509_gmtime_adj(X509_getm_notBefore(cert), -60) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(cert), 60) == NULL ||
	    !X509_NAME_add_entry_by_txt(X509_get_subject_name(cert), "CN",
	    MBSTRING_ASC, (const unsigned char *)"aileron warm-up", -1, -1,
	    0) ||
	    !X509_set_issuer_name(cert, X509_get_subject_name(cert)) ||
	    !X509_set_pubkey(cert, key) || !X509_sign(cert, key, EVP_sha256()))
		goto out;
	/* The leaf's import path, as tls_agent() takes it. */
	if ((len = i2d_PrivateKey(key, &der)) > 0)
		EVP_PKEY_free(tls_leaf_key(der, len));
	if ((srv = SSL_new(m->tls_server)) == NULL ||
	    (cli = SSL_new(m->tls_client)) == NULL ||
	    SSL_use_certificate(srv, cert) != 1 ||
	    SSL_use_PrivateKey(srv, key) != 1 ||
	    BIO_new_bio_pair(&sb, 0, &cb, 0) != 1)
		goto out;
	/*
	 * This one SSL only: the warm-up talks to itself over memory with a
	 * throwaway self-signed certificate and carries no data; the context,
	 * which every worker's upstream SSL is made from, keeps
	 * SSL_VERIFY_PEER.
	 */
	SSL_set_verify(cli, SSL_VERIFY_NONE, NULL);
	SSL_set_tlsext_host_name(cli, "warm-up.invalid");
	SSL_set_bio(srv, sb, sb);
	SSL_set_bio(cli, cb, cb);
	sb = cb = NULL;
	SSL_set_accept_state(srv);
	SSL_set_connect_state(cli);
	/* The servername check wants a connection: accept any name here. */
	SSL_CTX_set_tlsext_servername_callback(m->tls_server, NULL);
	for (i = 0; i < 20 && done != 3; i++) {
		if (!(done & 1) && SSL_do_handshake(cli) == 1)
			done |= 1;
		if (!(done & 2) && SSL_do_handshake(srv) == 1)
			done |= 2;
	}
	SSL_CTX_set_tlsext_servername_callback(m->tls_server, tls_servername);
	if (done == 3 && SSL_write(cli, "warm", 4) == 4)
		(void)SSL_read(srv, buf, sizeof(buf));
	if (done != 3)
		log_debug("TLS warm-up did not complete");
out:
	ERR_clear_error();
	if (der != NULL)
		OPENSSL_clear_free(der, len);
	SSL_free(srv);
	SSL_free(cli);
	BIO_free(sb);
	BIO_free(cb);
	X509_free(cert);
	EVP_PKEY_free(key);
}

void
tls_prepare(struct master *m)
{
	if (m->tls_server == NULL)
		m->tls_server = tls_server_ctx();
	if (m->tls_client != NULL)
		SSL_CTX_free(m->tls_client);
	m->tls_client = tls_client_ctx(m->conf->proxy.upstream_ca[0] != '\0' ?
	    m->conf->proxy.upstream_ca : NULL);
	tls_warm(m);
}
