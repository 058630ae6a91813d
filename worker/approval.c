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

static json_t	*approval_value(json_t *);

/* One argument's value as a person reads it: short, never a blob. */
static json_t *
approval_value(json_t *v)
{
	const char	*s;
	char		*d;
	size_t		 n;
	json_t		*out;

	if (json_is_string(v)) {
		s = json_string_value(v);
		if ((n = json_string_length(v)) <= APPROVAL_VALUE_MAX)
			return json_stringn(s, n);
		n = APPROVAL_VALUE_MAX;
		/* Cut at a character's start: the result stays UTF-8. */
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
		if ((d = malloc(n + 4)) == NULL)
			return NULL;
		memcpy(d, s, n);
		memcpy(d + n, "...", 4);
		out = json_string(d);
		free(d);
		return out;
	}
	if (!json_is_array(v) && !json_is_object(v))
		return json_incref(v);
	if ((d = json_dumps(v, JSON_COMPACT)) == NULL)
		return NULL;
	n = strlen(d);
	out = n <= APPROVAL_VALUE_MAX ? json_incref(v) :
	    json_sprintf("(%zu bytes of JSON)", n);
	free(d);
	return out;
}

/*
 * The summary a human sees: the action's arguments as its spec names
 * them (path, query, body fields, GraphQL variables), each shortened;
 * an argument the spec marks redacted, or named like the credential's
 * query parameter, shows as "redacted".  Arguments the spec does not
 * name are left out.  -1 when it cannot be made; otherwise out holds a
 * JSON object of less than outlen bytes.
 */
int
approval_summary(const struct spec *sp, const struct spec_action *act,
    json_t *args, char *out, size_t outlen)
{
	const struct spec_arg	*a;
	json_t			*sum, *v, *shown;
	char			*s;
	size_t			 i, j;
	int			 secret;

	if ((sum = json_object()) == NULL)
		return -1;
	for (i = 0; act != NULL && i < act->nargs; i++) {
		a = &act->args[i];
		if (args == NULL || (v = json_object_get(args, a->name)) ==
		    NULL)
			continue;
		secret = a->redact;
		if (sp->inject_name != NULL &&
		    strcasecmp(a->name, sp->inject_name) == 0)
			secret = 1;
		for (j = 0; j < sp->nstrip_query; j++)
			if (strcmp(a->name, sp->strip_query[j]) == 0)
				secret = 1;
		shown = secret ? json_string("redacted") : approval_value(v);
		if (shown == NULL)
			shown = json_string("(not shown)");
		json_object_set_new(sum, a->name, shown);
		if ((s = json_dumps(sum, JSON_COMPACT)) == NULL)
			break;
		if (strlen(s) + APPROVAL_NOTE_ROOM >= outlen) {
			/* Bounded: what does not fit is said, not shown. */
			json_object_del(sum, a->name);
			json_object_set_new(sum, "...", json_string("more "
			    "arguments not shown"));
			free(s);
			break;
		}
		free(s);
	}
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
 * Ask control and wait for the decision; out says how it ended.  The
 * wait is bounded by control's deadline (which it tells us) and a slack,
 * so a control that forgot us still lets the agent go.
 */
void
approval_wait(struct pconn *pc, const struct spec_action *act, json_t *args,
    const struct approval_request *rq, struct approval_outcome *out)
{
	struct msg_control_approval_ask		 m;
	char					 summary[
						    MSG_APPROVAL_SUMMARY_MAX];
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
	if (approval_summary(pc->spec, act, args, summary,
	    sizeof(summary)) == -1)
		strlcpy(summary, "{}", sizeof(summary));
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
