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
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "log.h"
#include "master/master.h"
#include "master/parse.h"
#include "worker/worker.h"
#include "worker/proxy.h"

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
	/* Tickets are kept by vaultd, per session and host, not here. */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	return ctx;
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
}
