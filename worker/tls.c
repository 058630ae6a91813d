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
 * tls.c: both TLS legs of an intercepted connection.  The contexts were
 * prepared once by the master (master/tls.c); a worker only makes an SSL
 * from them.  The agent's leg gets a leaf certificate for the CONNECT
 * host from vaultd, minted by the session's CA, whose key never leaves
 * vaultd.  The upstream leg verifies the certificate and host name and
 * resumes with a ticket vaultd keeps for this session and host: workers
 * die with their connection, so a ticket must live outside them, and
 * never in another session's hands (a resumed session skips the
 * certificate check).
 */

#include <sys/types.h>

#include <arpa/inet.h>

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "log.h"
#include "worker/worker.h"
#include "worker/proxy.h"

/* vaultd's leaf key: a SEC1 ECPrivateKey for P-256, as i2d writes it. */
static const unsigned char tls_sec1_head[] = {
	0x30, 0x77, 0x02, 0x01, 0x01, 0x04, 0x20
};
static const unsigned char tls_sec1_mid[] = {
	0xa0, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01,
	0x07, 0xa1, 0x44, 0x03, 0x42, 0x00
};
#define TLS_SEC1_SCALAR	32
#define TLS_SEC1_POINT	65
#define TLS_SEC1_LEN	(sizeof(tls_sec1_head) + TLS_SEC1_SCALAR + \
			 sizeof(tls_sec1_mid) + TLS_SEC1_POINT)

/*
 * The leaf's key from its DER.  OpenSSL 3's generic decoder builds a
 * decoder chain per call (about a third of a new connection's CPU): the
 * fixed P-256 layout vaultd sends is imported directly instead, anything
 * else goes the generic way.
 */
EVP_PKEY *
tls_leaf_key(const unsigned char *der, size_t len)
{
	OSSL_PARAM_BLD	*bld = NULL;
	OSSL_PARAM	*params = NULL;
	EVP_PKEY_CTX	*kctx = NULL;
	EVP_PKEY	*key = NULL;
	BIGNUM		*priv = NULL;
	const unsigned char *p = der;

	if (len != TLS_SEC1_LEN ||
	    memcmp(der, tls_sec1_head, sizeof(tls_sec1_head)) != 0 ||
	    memcmp(der + sizeof(tls_sec1_head) + TLS_SEC1_SCALAR, tls_sec1_mid,
	    sizeof(tls_sec1_mid)) != 0)
		return d2i_AutoPrivateKey(NULL, &p, len);
	if ((priv = BN_secure_new()) == NULL ||
	    BN_bin2bn(der + sizeof(tls_sec1_head), TLS_SEC1_SCALAR, priv) ==
	    NULL ||
	    (bld = OSSL_PARAM_BLD_new()) == NULL ||
	    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
	    "prime256v1", 0) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, priv) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
	    der + TLS_SEC1_LEN - TLS_SEC1_POINT, TLS_SEC1_POINT) ||
	    (params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (kctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(kctx) != 1 ||
	    EVP_PKEY_fromdata(kctx, &key, EVP_PKEY_KEYPAIR, params) != 1)
		key = NULL;
	EVP_PKEY_CTX_free(kctx);
	OSSL_PARAM_free(params);	/* clears the scalar's secure copy */
	OSSL_PARAM_BLD_free(bld);
	BN_clear_free(priv);
	return key;
}

/*
 * The agent's leg speaks HTTP/1.1 only: a client that offers ALPN without
 * http/1.1 (h2 only) fails the handshake, so none can end up in HTTP/2
 * and lose an upgrade.  No ALPN at all is HTTP/1.1.
 */
int
tls_alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen,
    const unsigned char *in, unsigned int inlen, void *arg)
{
	struct pconn	*pc = SSL_get_app_data(ssl);
	unsigned int	 i;

	(void)arg;
	for (i = 0; i < inlen; i += 1 + in[i]) {
		if (in[i] == 8 && i + 9 <= inlen &&
		    memcmp(in + i + 1, "http/1.1", 8) == 0) {
			*out = in + i + 1;
			*outlen = 8;
			return SSL_TLSEXT_ERR_OK;
		}
	}
	if (pc != NULL)
		pc->tls_refusal = "the client offers ALPN without http/1.1";
	return SSL_TLSEXT_ERR_ALERT_FATAL;
}

/*
 * An SNI names host: the same name, but for case and the DNS root's
 * trailing dot, which RFC 6066 leaves out and some clients send.
 */
static int
tls_sni_is(const char *sni, const char *host)
{
	size_t	 n = strlen(sni);

	if (n > 1 && sni[n - 1] == '.')
		n--;
	return n == strlen(host) && strncasecmp(sni, host, n) == 0;
}

/* For an intercepted host, SNI must be present and be the CONNECT host. */
int
tls_servername(SSL *ssl, int *alert, void *arg)
{
	struct pconn	*pc = SSL_get_app_data(ssl);
	const char	*sni;

	(void)arg;
	if (pc == NULL)
		return SSL_TLSEXT_ERR_ALERT_FATAL;
	sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
	if (sni == NULL) {
		pc->tls_refusal = "no SNI";
		*alert = SSL_AD_UNRECOGNIZED_NAME;
		return SSL_TLSEXT_ERR_ALERT_FATAL;
	}
	if (!tls_sni_is(sni, pc->host)) {
		pc->tls_refusal = "SNI differs from the CONNECT host";
		*alert = SSL_AD_UNRECOGNIZED_NAME;
		return SSL_TLSEXT_ERR_ALERT_FATAL;
	}
	return SSL_TLSEXT_ERR_OK;
}

/*
 * Terminate the agent's TLS for pc->host.  The SSL, or NULL with a reason
 * in why.
 */
SSL *
tls_agent(struct pconn *pc, char *why, size_t whylen)
{
	struct msg_vault_host	 h;
	struct msg_vault_reply	 vr;
	struct msg		 reply;
	const unsigned char	*p;
	X509			*cert = NULL;
	EVP_PKEY		*key = NULL;
	SSL			*ssl = NULL;
	uint32_t		 certlen;
	const char		*sni;
	int			 r;

	memset(&h, 0, sizeof(h));
	strlcpy(h.host, pc->host, sizeof(h.host));
	if (call(pc, &pc->vaultd, MSG_VAULT_LEAF, &h, sizeof(h),
	    MSG_VAULT_LEAF_REPLY, &reply) == -1) {
		snprintf(why, whylen, "no certificate from vaultd");
		return NULL;
	}
	if (reply.len < sizeof(vr)) {
		snprintf(why, whylen, "short answer from vaultd");
		return NULL;
	}
	memcpy(&vr, reply.data, sizeof(vr));
	if (vr.error != 0) {
		snprintf(why, whylen, "vaultd: %.*s",
		    (int)(reply.len - sizeof(vr)),
		    (const char *)reply.data + sizeof(vr));
		return NULL;
	}
	if (reply.len < sizeof(vr) + sizeof(certlen)) {
		snprintf(why, whylen, "short answer from vaultd");
		return NULL;
	}
	memcpy(&certlen, reply.data + sizeof(vr), sizeof(certlen));
	if (certlen > reply.len - sizeof(vr) - sizeof(certlen)) {
		snprintf(why, whylen, "bad answer from vaultd");
		return NULL;
	}
	p = reply.data + sizeof(vr) + sizeof(certlen);
	cert = d2i_X509(NULL, &p, certlen);
	key = tls_leaf_key(reply.data + sizeof(vr) + sizeof(certlen) + certlen,
	    reply.len - sizeof(vr) - sizeof(certlen) - certlen);
	/* The leaf's key stays only in the SSL. */
	explicit_bzero((void *)(uintptr_t)(reply.data + sizeof(vr) +
	    sizeof(certlen) + certlen), reply.len - sizeof(vr) -
	    sizeof(certlen) - certlen);
	if (cert == NULL || key == NULL) {
		snprintf(why, whylen, "vaultd's certificate does not parse");
		goto fail;
	}
	if ((ssl = SSL_new(pc->ctx->tls_server)) == NULL ||
	    SSL_use_certificate(ssl, cert) != 1 ||
	    SSL_use_PrivateKey(ssl, key) != 1 ||
	    SSL_set_fd(ssl, pc->agent.fd) != 1) {
		snprintf(why, whylen, "cannot set up TLS");
		goto fail;
	}
	SSL_set_app_data(ssl, pc);
	SSL_set_accept_state(ssl);
	pc->agent.ssl = ssl;
	r = io_handshake(&pc->agent, pc->header_ms);
	if (r == 0) {
		/* No SNI at all never reaches the callback in every version. */
		sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
		if (sni == NULL || !tls_sni_is(sni, pc->host)) {
			snprintf(why, whylen, "%s", sni == NULL ? "no SNI" :
			    "SNI differs from the CONNECT host");
			pc->agent.ssl = NULL;
			goto fail;
		}
		X509_free(cert);
		EVP_PKEY_free(key);
		return ssl;
	}
	pc->agent.ssl = NULL;
	if (pc->tls_refusal != NULL)
		snprintf(why, whylen, "TLS handshake refused: %s",
		    pc->tls_refusal);
	else if (r == IO_TIMEOUT)
		snprintf(why, whylen, "TLS handshake: timed out");
	else
		snprintf(why, whylen, "TLS handshake failed: %s",
		    ERR_reason_error_string(ERR_peek_last_error()) != NULL ?
		    ERR_reason_error_string(ERR_peek_last_error()) :
		    "the client closed");
fail:
	SSL_free(ssl);
	X509_free(cert);
	EVP_PKEY_free(key);
	return NULL;
}

/*
 * TLS to the upstream on fd, for host: certificate and name verified
 * against the store the master loaded.  The SSL, or NULL with a reason.
 */
SSL *
tls_upstream(struct pconn *pc, int fd, const char *host, char *why,
    size_t whylen)
{
	struct msg_vault_host	 h;
	struct msg_vault_reply	 vr;
	struct msg		 reply;
	struct io		 io;
	const unsigned char	*p;
	SSL_SESSION		*sess = NULL;
	SSL			*ssl;
	struct in6_addr		 a6;
	long			 v;
	int			 r, ip;

	if ((ssl = SSL_new(pc->ctx->tls_client)) == NULL)
		fatalx("%s: out of memory", __func__);
	ip = inet_pton(AF_INET, host, &a6) == 1 ||
	    inet_pton(AF_INET6, host, &a6) == 1;
	if ((!ip && SSL_set_tlsext_host_name(ssl, host) != 1) ||
	    (!ip && SSL_set1_host(ssl, host) != 1) ||
	    (ip && X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl),
	    host) != 1) || SSL_set_fd(ssl, fd) != 1) {
		snprintf(why, whylen, "cannot set up TLS for %s", host);
		SSL_free(ssl);
		return NULL;
	}
	SSL_set_connect_state(ssl);

	memset(&h, 0, sizeof(h));
	strlcpy(h.host, host, sizeof(h.host));
	if (call(pc, &pc->vaultd, MSG_VAULT_TICKET_GET, &h, sizeof(h),
	    MSG_VAULT_TICKET_REPLY, &reply) == 0 && reply.len > sizeof(vr)) {
		memcpy(&vr, reply.data, sizeof(vr));
		p = reply.data + sizeof(vr);
		if (vr.error == 0 && (sess = d2i_SSL_SESSION(NULL, &p,
		    reply.len - sizeof(vr))) != NULL) {
			if (SSL_SESSION_is_resumable(sess))
				SSL_set_session(ssl, sess);
			SSL_SESSION_free(sess);
		}
	}

	io_init(&io, fd, ssl);
	if ((r = io_handshake(&io, pc->upstream_ms)) == 0) {
		log_debug("%s: upstream TLS %s", host,
		    SSL_session_reused(ssl) ? "resumed" : "full handshake");
		return ssl;
	}
	v = SSL_get_verify_result(ssl);
	if (v != X509_V_OK)
		snprintf(why, whylen, "%s: certificate not trusted: %s", host,
		    X509_verify_cert_error_string(v));
	else if (r == IO_TIMEOUT)
		snprintf(why, whylen, "%s: TLS handshake timed out", host);
	else
		snprintf(why, whylen, "%s: TLS handshake failed: %s", host,
		    ERR_reason_error_string(ERR_peek_last_error()) != NULL ?
		    ERR_reason_error_string(ERR_peek_last_error()) :
		    "closed");
	SSL_free(ssl);
	return NULL;
}

/* Give vaultd the session to resume next time, when there is a new one. */
void
tls_upstream_save(struct pconn *pc, SSL *ssl, const char *host)
{
	struct msg_vault_host	 h;
	SSL_SESSION		*sess;
	unsigned char		*der = NULL, *p;
	struct iovec		 iov[2];
	int			 len;

	if (SSL_session_reused(ssl) ||
	    (sess = SSL_get1_session(ssl)) == NULL)
		return;
	if (!SSL_SESSION_is_resumable(sess) ||
	    (len = i2d_SSL_SESSION(sess, NULL)) <= 0 || len > 8192 ||
	    (der = p = malloc(len)) == NULL ||
	    i2d_SSL_SESSION(sess, &p) != len)
		goto done;
	memset(&h, 0, sizeof(h));
	strlcpy(h.host, host, sizeof(h.host));
	iov[0].iov_base = &h;
	iov[0].iov_len = sizeof(h);
	iov[1].iov_base = der;
	iov[1].iov_len = len;
	if (chan_request(&pc->vaultd, MSG_VAULT_TICKET_PUT, 0, iov, 2) == -1 ||
	    chan_flush_wait(&pc->vaultd, PROXY_CALL_MS) != 1)
		log_warnx("cannot give vaultd the upstream session");
done:
	/* The session's master secret was in der. */
	if (der != NULL) {
		explicit_bzero(der, len);
		free(der);
	}
	SSL_SESSION_free(sess);
}
