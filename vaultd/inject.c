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
 * inject.c: a worker asks for the credential to inject into one request:
 * INJECT {connector, host}.  The answer is the header line or the query
 * parameter for the session that worker serves, or a refusal that says
 * why; never an empty header.
 *
 * The worker is untrusted: it may be compromised by what it parsed.  So
 * the session is the one control bound to this worker's channel (any
 * session id in the message is ignored), the connector must be in the
 * master's map, the host must be one that connector declares, control
 * must have released that connector for that host to this worker (it
 * does once it allowed the worker an action of it: a policy ALLOW or a
 * human's grant), and the credential's kind must be how that connector
 * injects.  The plaintext lives in the secure heap, is copied once into
 * the outgoing frame (which the channel zeroes when it is sent) and is
 * zeroed here at once.
 */

#include <sys/types.h>
#include <sys/uio.h>

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "log.h"
#include "msg.h"
#include "msgtypes.h"
#include "proc.h"
#include "connector/spec.h"
#include "vault/crypto.h"
#include "vault/vault.h"
#include "vaultd/connmap.h"
#include "vaultd/vaultd.h"

static int	inject_format(const struct connmap_entry *,
		    const struct crypto_secret *, struct crypto_secret **);
static int	inject_refuse(struct proc_peer *, uint32_t, int, const char *, ...)
		    __attribute__((__format__ (printf, 4, 5)));
static int	inject_read(struct proc_peer *, struct msg *,
		    struct msg_vault_inject *);
static int	inject_refuse_vault(struct vaultd *, struct proc_peer *,
		    uint32_t, int, const struct session *,
		    const struct connmap_entry *,
		    const struct vault_credential_info *);
static int	inject_kind_agrees(const struct vault_credential_info *,
		    const struct connmap_entry *);

/* A refusal: logged, and sent as a sentence with a non-zero error. */
static int
inject_refuse(struct proc_peer *p, uint32_t reqid, int error, const char *fmt,
    ...)
{
	va_list			 ap;
	char			 why[512];

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	vaultd_refused(p, "inject refused: %s", why);
	return vaultd_reply(p, reqid, MSG_VAULT_INJECT_REPLY, error, 0, why,
	    strlen(why));
}

/*
 * The line for the connector's injection kind, in the secure heap:
 *	bearer	Authorization: Bearer VALUE
 *	basic	Authorization: Basic base64(user:password)
 *	header	NAME: VALUE
 *	query	PARAM=percent-encoded VALUE
 */
static int
inject_format(const struct connmap_entry *e, const struct crypto_secret *v,
    struct crypto_secret **out)
{
	static const char	 hex[] = "0123456789ABCDEF";
	struct crypto_secret	*l;
	unsigned char		*q;
	size_t			 i, need;
	int			 n;

	*out = NULL;
	need = strlen(e->inject_name) + 32 + v->len * 3 + 4;
	if ((l = crypto_secret_new(need)) == NULL)
		return -1;
	q = l->data;
	switch (e->inject) {
	case INJECT_BEARER:
		n = snprintf((char *)q, need, "Authorization: Bearer ");
		memcpy(q + n, v->data, v->len);
		l->len = n + v->len;
		break;
	case INJECT_BASIC:
		/* The corporate proxy's is for the CONNECT to it alone. */
		n = snprintf((char *)q, need, "%sAuthorization: Basic ",
		    strcmp(e->name, CONNMAP_CORP) == 0 ? "Proxy-" : "");
		l->len = n + EVP_EncodeBlock(q + n, v->data, (int)v->len);
		break;
	case INJECT_HEADER:
		n = snprintf((char *)q, need, "%s: ", e->inject_name);
		memcpy(q + n, v->data, v->len);
		l->len = n + v->len;
		break;
	case INJECT_QUERY:
		/* RFC 3986 unreserved characters stay; the rest is %XX. */
		n = snprintf((char *)q, need, "%s=", e->inject_name);
		for (i = 0; i < v->len; i++) {
			unsigned char	 c = v->data[i];

			if (isalnum(c) || c == '-' || c == '.' || c == '_' ||
			    c == '~')
				q[n++] = c;
			else {
				q[n++] = '%';
				q[n++] = hex[c >> 4];
				q[n++] = hex[c & 0xf];
			}
		}
		l->len = n;
		break;
	default:
		crypto_secret_free(l);
		return -1;
	}
	*out = l;
	return 0;
}

/* The INJECT request: session, connector and host, nothing else. */
static int
inject_read(struct proc_peer *p, struct msg *msg, struct msg_vault_inject *req)
{
	struct msg_reader	 rd;

	if (msg->hdr.type != MSG_VAULT_INJECT) {
		log_warnx("%s: unexpected %s; closing its channel",
		    p->chan.name, msgtype_name(msg->hdr.type));
		return -1;
	}
	msg_reader_init(&rd, msg);
	msg_get_str(&rd, req->session, sizeof(req->session));
	msg_get_str(&rd, req->connector, sizeof(req->connector));
	msg_get_str(&rd, req->host, sizeof(req->host));
	if (msg_get_end(&rd) == -1) {
		log_warnx("%s: malformed INJECT (unterminated field); closing "
		    "its channel", p->chan.name);
		return -1;
	}
	return 0;
}

/* Why the vault found or opened no credential, in the worker's reply. */
static int
inject_refuse_vault(struct vaultd *vd, struct proc_peer *p, uint32_t reqid,
    int rv, const struct session *s, const struct connmap_entry *e,
    const struct vault_credential_info *ci)
{
	const char	*a, *b, *line;

	/*
	 * Two shared vaults hold one and no line decides: name both and
	 * the line that would, rather than pick one by the store's order.
	 */
	if (rv == VAULT_ERR_AMBIGUOUS) {
		vault_conflict(vd->vault, &a, &b, &line);
		if (line[0] != '\0')
			return inject_refuse(p, reqid, rv, "vaults %s and %s "
			    "both hold a credential for connector %s, and its "
			    "line in aileron.conf names vault %s, of neither",
			    a, b, e->name, line);
		return inject_refuse(p, reqid, rv, "vaults %s and %s both "
		    "hold a credential for connector %s; add 'connector "
		    "\"%s\" vault \"%s\"' to aileron.conf", a, b, e->name,
		    e->name, a);
	}
	if (rv == VAULT_ERR_NO_CREDENTIAL)
		return inject_refuse(p, reqid, rv, "user %s has no "
		    "credential for connector %s", s->user, e->name);
	if (ci->name[0] != '\0')
		return inject_refuse(p, reqid, rv, "credential %s of user %s "
		    "does not open: %s", ci->name, s->user,
		    vault_strerror(rv));
	return inject_refuse(p, reqid, rv, "user %s, connector %s: %s",
	    s->user, e->name, vault_strerror(rv));
}

/* The spec decides how to inject; the credential must agree. */
static int
inject_kind_agrees(const struct vault_credential_info *ci,
    const struct connmap_entry *e)
{
	if ((int)ci->kind != e->inject)
		return 0;
	if (ci->kind == INJECT_HEADER)
		return strcasecmp(ci->param, e->inject_name) == 0;
	if (ci->kind == INJECT_QUERY)
		return strcmp(ci->param, e->inject_name) == 0;
	return 1;
}

int
vaultd_inject(struct vaultd *vd, struct proc_peer *p, struct msg *msg)
{
	struct msg_vault_inject		 req;
	struct vault_credential_info	 ci;
	const struct connmap_entry	*e;
	struct vault_keycache		 kc;
	struct session_worker		*w;
	struct session			*s;
	struct crypto_secret		*pt = NULL, *line = NULL;
	uint32_t			 reqid = msg->hdr.reqid;
	int				 rv;

	if (inject_read(p, msg, &req) == -1)
		return -1;

	/* Identity is the channel: what the worker claims is only logged. */
	w = session_worker_find(&vd->sessions, p->id);
	s = w != NULL ? w->s : NULL;
	if (req.session[0] != '\0' && (s == NULL ||
	    strcmp(req.session, s->id) != 0))
		vaultd_refused(p, "claims session %s; ignored, it serves %s",
		    session_valid_id(req.session) ? req.session :
		    "(invalid id)", s != NULL ? s->id : "none");

	if ((e = connmap_find(&vd->connectors, req.connector)) == NULL)
		return inject_refuse(p, reqid, MSG_VAULT_ERR_REFUSED,
		    "unknown connector %s", vaultd_printable(req.connector));
	if (!connmap_host_ok(e, req.host))
		return inject_refuse(p, reqid, MSG_VAULT_ERR_REFUSED,
		    "connector %s does not declare host %s", e->name,
		    vaultd_printable(req.host));
	if (s == NULL)
		return inject_refuse(p, reqid, MSG_VAULT_ERR_REFUSED,
		    "this worker serves no session");
	/*
	 * Only what control allowed this worker.  The corporate proxy's
	 * credential is the exception: the worker asks for it on every
	 * upstream dial (worker/upstream.c), before and apart from any
	 * decision, and it opens only the way out, not a connector's API.
	 */
	if (strcmp(e->name, CONNMAP_CORP) != 0 &&
	    !session_released(w, e->name, req.host))
		return inject_refuse(p, reqid, MSG_VAULT_ERR_REFUSED,
		    "control allowed this worker no action of connector %s "
		    "on %s", e->name, vaultd_printable(req.host));
	if (s->ukey == NULL)
		return inject_refuse(p, reqid, MSG_VAULT_ERR_REFUSED,
		    "session %s has no user key yet", s->id);
	/*
	 * Find, unwrap (or take the session's cached vault key) and
	 * decrypt, in one read transaction that costs the same however
	 * many vaults the store holds.
	 */
	session_keycache(s, &kc);
	if ((rv = vault_credential_inject(vd->vault, s->user, s->ukey->data,
	    e->name, &kc, &ci, &pt)) != VAULT_OK)
		return inject_refuse_vault(vd, p, reqid, rv, s, e, &ci);
	if (!inject_kind_agrees(&ci, e)) {
		crypto_secret_free(pt);
		return inject_refuse(p, reqid, MSG_VAULT_ERR_REFUSED,
		    "credential %s of user %s is a %s credential but connector "
		    "%s injects %s %s; replace it", ci.name, s->user,
		    vault_kind_name(ci.kind), e->name,
		    vault_kind_name(e->inject), e->inject_name);
	}
	rv = inject_format(e, pt, &line);
	crypto_secret_free(pt);
	if (rv == -1 || line->len > 16384) {
		crypto_secret_free(line);
		return inject_refuse(p, reqid, VAULT_ERR_SYSTEM,
		    "cannot format credential %s", ci.name);
	}
	rv = vaultd_reply(p, reqid, MSG_VAULT_INJECT_REPLY, 0, e->inject,
	    line->data, line->len);
	crypto_secret_free(line);
	log_info("%s: session %s, user %s: injected credential %s "
	    "(connector %s) for %s", p->chan.name, s->id, s->user, ci.name,
	    e->name, req.host);
	return rv == -1 ? -1 : 0;
}
