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
 * approval.c: a proxy worker holds a request that needs a human.  It has
 * read the whole request; it sends control the action, a summary of the
 * arguments redacted per spec and the SHA-256 of the exact request
 * (method, URL, body), then waits for control's decision while it
 * watches the agent's socket: an agent that goes away withdraws the
 * approval, so nobody grants a request that nobody waits for.  A grant
 * counts only for the digest of the request this worker holds, and
 * this worker forwards that request once.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "log.h"
#include "msg.h"
#include "msgtypes.h"
#include "connector/spec.h"
#include "worker/approval.h"
#include "worker/proxy.h"

#define APPROVAL_VALUE_MAX	120	/* bytes of one argument shown */
#define APPROVAL_SLACK_MS	10000	/* past control's deadline */
#define APPROVAL_NOTE_ROOM	40	/* for the "..." member and the brace */
#define APPROVAL_NEST_MAX	2	/* levels of a value shown whole */
#define APPROVAL_UNNAMED	"(not in the spec)"

static size_t	 approval_cut_len(const char *, size_t);
static json_t	*approval_cut(const char *, size_t);
static json_t	*approval_keys(json_t *, size_t);
static int	 approval_nest(json_t *, int);
static json_t	*approval_value(json_t *, int);
static int	 approval_secret(const struct spec *, const char *, int);
static int	 approval_named(const struct spec_action *, const char *);
static int	 approval_fits(json_t *, size_t);
static int	 approval_add(const struct spec *, json_t *, json_t *,
		    const char *, json_t *, int, size_t);

/* At most APPROVAL_VALUE_MAX of n bytes, cut at a character's start. */
static size_t
approval_cut_len(const char *s, size_t n)
{
	if (n <= APPROVAL_VALUE_MAX)
		return n;
	n = APPROVAL_VALUE_MAX;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return n;
}

/* A long string's start, and a note that says it was cut. */
static json_t *
approval_cut(const char *s, size_t n)
{
	size_t	 k;
	char	*d;
	json_t	*out;

	if ((k = approval_cut_len(s, n)) == n)
		return json_stringn(s, n);
	/* The human may refuse what it cannot read whole. */
	if (asprintf(&d, "%.*s... (cut: %zu bytes in all)", (int)k, s,
	    n) == -1)
		return NULL;
	out = json_string(d);
	free(d);
	return out;
}

/* An object too long to show, by its keys: what it sets, if not to what. */
static json_t *
approval_keys(json_t *v, size_t n)
{
	const char	*key;
	json_t		*m, *out;
	char		*d = NULL, *t;
	size_t		 k;

	json_object_foreach(v, key, m) {
		if (asprintf(&t, "%s%s%s", d != NULL ? d : "",
		    d != NULL ? ", " : "", key) == -1) {
			free(d);
			return NULL;
		}
		free(d);
		d = t;
		if (strlen(d) > APPROVAL_VALUE_MAX)
			break;
	}
	k = d != NULL ? approval_cut_len(d, strlen(d)) : 0;
	out = json_sprintf("(cut: %zu bytes of JSON, keys %.*s%s)", n, (int)k,
	    d != NULL ? d : "", d != NULL && k < strlen(d) ? "..." : "");
	free(d);
	return out;
}

/* How deep v nests, counted up to max + 1. */
static int
approval_nest(json_t *v, int max)
{
	const char	*key;
	json_t		*m;
	size_t		 i;
	int		 d, deepest = 0;

	if (!json_is_object(v) && !json_is_array(v))
		return 0;
	if (max <= 0)
		return 1;
	if (json_is_object(v)) {
		json_object_foreach(v, key, m)
			if ((d = approval_nest(m, max - 1)) > deepest)
				deepest = d;
	} else
		json_array_foreach(v, i, m)
			if ((d = approval_nest(m, max - 1)) > deepest)
				deepest = d;
	return deepest + 1;
}

/*
 * One argument's value as a person reads it: short, never a blob, and
 * never cut without saying so.  An object too long, or nested deeper
 * than the audit takes, is shown member by member at the top (depth 0),
 * by its keys below.
 */
static json_t *
approval_value(json_t *v, int depth)
{
	const char	*key;
	char		*d;
	size_t		 n;
	json_t		*out, *m;

	if (json_is_string(v))
		return approval_cut(json_string_value(v),
		    json_string_length(v));
	if (!json_is_array(v) && !json_is_object(v))
		return json_incref(v);
	if ((d = json_dumps(v, JSON_COMPACT)) == NULL)
		return NULL;
	n = strlen(d);
	free(d);
	if (n <= APPROVAL_VALUE_MAX &&
	    approval_nest(v, APPROVAL_NEST_MAX) <= APPROVAL_NEST_MAX)
		return json_incref(v);
	if (json_is_array(v))
		return json_sprintf("(cut: %zu bytes of JSON, an array of %zu)",
		    n, json_array_size(v));
	if (depth > 0)
		return approval_keys(v, n);
	if ((out = json_object()) == NULL)
		return NULL;
	json_object_foreach(v, key, m)
		if (json_object_set_new(out, key,
		    approval_value(m, depth + 1)) == -1) {
			json_decref(out);
			return NULL;
		}
	return out;
}

/* Redacted by the spec, or named like the credential. */
static int
approval_secret(const struct spec *sp, const char *name, int redact)
{
	size_t	 j;

	if (redact)
		return 1;
	if (sp->inject_name != NULL && strcasecmp(name, sp->inject_name) == 0)
		return 1;
	for (j = 0; j < sp->nstrip_query; j++)
		if (strcmp(name, sp->strip_query[j]) == 0)
			return 1;
	return 0;
}

/* Does the action's spec name this argument? */
static int
approval_named(const struct spec_action *act, const char *name)
{
	size_t	 i;

	for (i = 0; act != NULL && i < act->nargs; i++)
		if (strcmp(act->args[i].name, name) == 0)
			return 1;
	return 0;
}

/* Does the summary fit outlen, with room for the "..." note? */
static int
approval_fits(json_t *sum, size_t outlen)
{
	char	*s;
	int	 fits;

	if ((s = json_dumps(sum, JSON_COMPACT)) == NULL)
		return 0;
	fits = strlen(s) + APPROVAL_NOTE_ROOM < outlen;
	free(s);
	return fits;
}

/*
 * Show the argument name (value v) in into, a member of sum or sum
 * itself; an object that does not fit shows its keys only.  -1 when
 * even that does not fit: the summary is full.
 */
static int
approval_add(const struct spec *sp, json_t *sum, json_t *into,
    const char *name, json_t *v, int redact, size_t outlen)
{
	json_t	*shown;
	int	 secret, depth;

	secret = approval_secret(sp, name, redact);
	for (depth = 0; depth < 2; depth++) {
		shown = secret ? json_string("redacted") :
		    approval_value(v, depth);
		if (shown == NULL)
			shown = json_string("(not shown)");
		json_object_set_new(into, name, shown);
		if (approval_fits(sum, outlen))
			return 0;
		json_object_del(into, name);
		if (secret || !json_is_object(v))
			break;
	}
	return -1;
}

/*
 * The summary of the arguments: those the action's spec names (path,
 * query, body fields, GraphQL variables), each shortened, and with
 * unnamed (the summary a human sees) under APPROVAL_UNNAMED those the
 * request carries that the spec does not name: they go upstream too.
 * An argument the spec marks redacted, or named like the credential's
 * query parameter, shows as "redacted".  With incomplete (the matcher's
 * args_incomplete) the request carries values args does not show, and
 * the summary says so first, where no argument can push it out.  -1 when
 * it cannot be made; otherwise out holds a JSON object of less than
 * outlen bytes.
 */
int
approval_summary(const struct spec *sp, const struct spec_action *act,
    json_t *args, int unnamed, int incomplete, char *out, size_t outlen)
{
	const struct spec_arg	*a;
	const char		*key;
	json_t			*sum, *other, *v;
	char			*s;
	size_t			 i;
	int			 full = 0;

	if ((sum = json_object()) == NULL)
		return -1;
	if (incomplete)
		json_object_set_new(sum, "...",
		    json_string("some arguments are not shown"));
	for (i = 0; args != NULL && act != NULL && i < act->nargs && !full;
	    i++) {
		a = &act->args[i];
		if ((v = json_object_get(args, a->name)) != NULL)
			full = approval_add(sp, sum, sum, a->name, v,
			    a->redact, outlen) == -1;
	}
	if (unnamed && args != NULL && !full &&
	    json_object_set_new(sum, APPROVAL_UNNAMED, json_object()) == 0) {
		other = json_object_get(sum, APPROVAL_UNNAMED);
		json_object_foreach(args, key, v) {
			if (approval_named(act, key))
				continue;
			if ((full = approval_add(sp, sum, other, key, v, 0,
			    outlen) == -1))
				break;
		}
		if (json_object_size(other) == 0)
			json_object_del(sum, APPROVAL_UNNAMED);
	}
	/* Bounded: what does not fit is said, not shown. */
	if (full)
		json_object_set_new(sum, "...", json_string("more arguments "
		    "not shown"));
	s = json_dumps(sum, JSON_COMPACT);
	json_decref(sum);
	if (s == NULL || strlcpy(out, s, outlen) >= outlen) {
		free(s);
		return -1;
	}
	free(s);
	return 0;
}

/*
 * SHA-256 of the exact request: the method, the URL (https, the host,
 * the port when not 443, the target as sent), the body; each part ends
 * in a NUL so that no two requests share a digest by moving bytes
 * between parts.
 */
void
approval_digest(const char *host, uint16_t port,
    const struct approval_request *rq, uint8_t digest[32])
{
	EVP_MD_CTX	*md;
	char		 url[64];
	unsigned int	 n;

	if ((md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1)
		fatalx("%s: no SHA-256", __func__);
	EVP_DigestUpdate(md, rq->method, strlen(rq->method) + 1);
	EVP_DigestUpdate(md, "https://", 8);
	EVP_DigestUpdate(md, host, strlen(host));
	if (port != 443) {
		snprintf(url, sizeof(url), ":%u", port);
		EVP_DigestUpdate(md, url, strlen(url));
	}
	EVP_DigestUpdate(md, rq->target, strlen(rq->target) + 1);
	if (rq->bodylen > 0)
		EVP_DigestUpdate(md, rq->body, rq->bodylen);
	if (EVP_DigestFinal_ex(md, digest, &n) != 1 || n != 32)
		fatalx("%s: SHA-256 failed", __func__);
	EVP_MD_CTX_free(md);
}

/*
 * Ask control, with the summary approval_summary made, and wait for the
 * decision; out says how it ended.  The wait is bounded by control's
 * deadline (which it tells us) and a slack, so a control that forgot us
 * still lets the agent go.
 */
void
approval_wait(struct pconn *pc, const struct spec_action *act,
    const char *summary, const struct approval_request *rq,
    struct approval_outcome *out)
{
	struct msg_control_approval_ask		 m;
	size_t					 n;

	memset(&m, 0, sizeof(m));
	approval_digest(pc->host, pc->port, rq, m.digest);
	strlcpy(m.connector, pc->spec->connector, sizeof(m.connector));
	strlcpy(m.action, act->name, sizeof(m.action));
	strlcpy(m.method, rq->method, sizeof(m.method));
	strlcpy(m.host, pc->host, sizeof(m.host));
	n = strcspn(rq->target, "?");
	if (n >= sizeof(m.path))
		n = sizeof(m.path) - 1;
	memcpy(m.path, rq->target, n);
	approval_ask_wait(pc, &m, summary, out);
}

/*
 * Ask control for the approval m describes (summary: its JSON object)
 * and wait for the decision, as approval_wait does; launch's shell
 * mediation asks this way too.
 */
void
approval_ask_wait(struct pconn *pc, const struct msg_control_approval_ask *mp,
    const char *summary, struct approval_outcome *out)
{
	struct msg_control_approval_ask		 m = *mp;
	struct msg_control_approval_state	 st;
	struct msg_control_approval_id		 w;
	struct msg				 reply;
	struct pollfd				 pfd[2];
	struct timespec				 deadline;
	static uint8_t				 buf[sizeof(m) +
						    MSG_APPROVAL_SUMMARY_MAX];
	uint32_t				 id;
	int					 r, ms;

	memset(out, 0, sizeof(*out));
	out->state = MSG_APPROVAL_REFUSED;
	if (strlen(summary) > MSG_APPROVAL_SUMMARY_MAX)
		summary = "{}";
	memcpy(buf, &m, sizeof(m));
	memcpy(buf + sizeof(m), summary, strlen(summary));
	if (call(pc, &pc->control, MSG_CONTROL_APPROVAL_ASK, buf,
	    sizeof(m) + strlen(summary), MSG_CONTROL_APPROVAL_PENDING,
	    &reply) == -1 || reply.len != sizeof(st)) {
		strlcpy(out->reason, "control did not take the approval",
		    sizeof(out->reason));
		return;
	}
	memcpy(&st, reply.data, sizeof(st));
	st.id[sizeof(st.id) - 1] = '\0';
	if (st.state != MSG_APPROVAL_PENDING) {
		out->state = st.state == MSG_APPROVAL_TOO_MANY ?
		    MSG_APPROVAL_TOO_MANY : MSG_APPROVAL_REFUSED;
		return;
	}
	id = pc->reqid;
	strlcpy(out->id, st.id, sizeof(out->id));
	log_info("%s: %s.%s waits for approval %s", pc->peer, m.connector,
	    m.action, out->id);
	msg_deadline(&deadline, st.timeout * 1000 + APPROVAL_SLACK_MS);
	for (;;) {
		while ((r = chan_get(&pc->control, &reply)) == 1) {
			if ((reply.hdr.flags & MSGF_REPLY) == 0 ||
			    reply.hdr.reqid != id ||
			    reply.hdr.type != MSG_CONTROL_APPROVAL_DONE)
				continue;	/* late, for another call */
			memcpy(&st, reply.data, sizeof(st));
			st.approver[sizeof(st.approver) - 1] = '\0';
			st.reason[sizeof(st.reason) - 1] = '\0';
			out->state = st.state;
			out->latency_ms = st.latency_ms;
			strlcpy(out->approver, st.approver,
			    sizeof(out->approver));
			strlcpy(out->reason, st.reason, sizeof(out->reason));
			/* A grant for other bytes is no grant for these. */
			if (st.state == MSG_APPROVAL_GRANTED &&
			    memcmp(st.digest, m.digest, 32) != 0) {
				out->state = MSG_APPROVAL_REFUSED;
				strlcpy(out->reason, "the grant was for "
				    "another request", sizeof(out->reason));
			}
			return;
		}
		if (r == -1)
			break;
		if ((ms = msg_deadline_ms(&deadline)) <= 0) {
			out->state = MSG_APPROVAL_EXPIRED;
			strlcpy(out->reason, "approval timed out",
			    sizeof(out->reason));
			return;
		}
		pfd[0].fd = pc->control.fd;
		pfd[0].events = POLLIN;
		pfd[1].fd = pc->agent.fd;
		pfd[1].events = POLLRDHUP;
		pfd[0].revents = pfd[1].revents = 0;
		if (poll(pfd, 2, ms) == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[1].revents & (POLLRDHUP | POLLHUP | POLLERR)) {
			/* Nobody waits: withdrawn, never grantable. */
			memset(&w, 0, sizeof(w));
			strlcpy(w.id, out->id, sizeof(w.id));
			if (chan_compose(&pc->control,
			    MSG_CONTROL_APPROVAL_WITHDRAW, 0, -1, &w,
			    sizeof(w)) == 0)
				(void)chan_flush_wait(&pc->control,
				    PROXY_CALL_MS);
			out->state = MSG_APPROVAL_WITHDRAWN;
			out->agent_gone = 1;
			strlcpy(out->reason, "the agent's connection closed",
			    sizeof(out->reason));
			return;
		}
		if ((pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    chan_read(&pc->control) != 1)
			break;
	}
	out->state = MSG_APPROVAL_REFUSED;
	strlcpy(out->reason, "control went away", sizeof(out->reason));
}
