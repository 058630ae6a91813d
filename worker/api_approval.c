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
 * api_approval.c: the approvals of the management API:
 *
 *	GET /v1/approvals[?state=pending|all]	-> 200 [approval, ...]
 *	GET /v1/approvals/ID			-> 200 approval
 *	POST /v1/approvals/ID/grant		-> 200 approval
 *	POST /v1/approvals/ID/deny {"reason"}	-> 200 approval
 *
 * The request is parsed here (untrusted bytes stay in workers); control
 * decides with the caller's uid and answers with a status and JSON.  The
 * same routes serve aileron.internal (internal.c), where control knows
 * the caller is a session and lets it only look.
 */

#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <http_parser.h>
#include <jansson.h>

#include "log.h"
#include "msg.h"
#include "msgtypes.h"
#include "worker/api.h"
#include "worker/api_approval.h"

#define APPROVAL_PREFIX	"/v1/approvals"

/* Does url name the approvals (the list, or one)? */
int
api_approval_match(const char *url)
{
	size_t	 n = strlen(APPROVAL_PREFIX);

	return strncmp(url, APPROVAL_PREFIX, n) == 0 &&
	    (url[n] == '\0' || url[n] == '/' || url[n] == '?');
}

/*
 * The message for control from a request: 0 and m, or the HTTP status to
 * refuse it with and *why.  post: the method is POST (else GET).
 */
int
api_approval_parse(const char *url, int post, const char *body,
    size_t bodylen, struct msg_control_approval_api *m, const char **why)
{
	const char	*p = url + strlen(APPROVAL_PREFIX), *e, *key;
	json_t		*j, *v;
	size_t		 n;

	memset(m, 0, sizeof(*m));
	*why = NULL;
	if (*p == '\0' || *p == '?') {
		if (post) {
			*why = "use GET to list approvals";
			return 405;
		}
		if (*p == '\0' || strcmp(p, "?state=pending") == 0)
			m->op = MSG_APPROVAL_OP_LIST;
		else if (strcmp(p, "?state=all") == 0)
			m->op = MSG_APPROVAL_OP_LIST_ALL;
		else {
			*why = "state is pending or all";
			return 400;
		}
		return 0;
	}
	p++;
	n = (e = strchr(p, '/')) != NULL ? (size_t)(e - p) : strlen(p);
	if (n != MSG_APPROVAL_ID_LEN || strspn(p, "0123456789abcdef") < n) {
		*why = "no such approval";
		return 404;
	}
	memcpy(m->id, p, n);
	if (e == NULL) {
		if (post) {
			*why = "use POST on .../grant or .../deny";
			return 405;
		}
		m->op = MSG_APPROVAL_OP_GET;
		return 0;
	}
	if (strcmp(e, "/grant") == 0)
		m->op = MSG_APPROVAL_OP_GRANT;
	else if (strcmp(e, "/deny") == 0)
		m->op = MSG_APPROVAL_OP_DENY;
	else {
		*why = "no such resource; see aileron-api(7)";
		return 404;
	}
	if (!post) {
		*why = "use POST to decide";
		return 405;
	}
	if (bodylen == 0)
		return 0;
	if ((j = json_loadb(body, bodylen, JSON_REJECT_DUPLICATES,
	    NULL)) == NULL || !json_is_object(j)) {
		json_decref(j);
		*why = "the body must be a JSON object";
		return 400;
	}
	json_object_foreach(j, key, v) {
		if (m->op != MSG_APPROVAL_OP_DENY ||
		    strcmp(key, "reason") != 0) {
			json_decref(j);
			*why = m->op == MSG_APPROVAL_OP_DENY ?
			    "unknown member; deny takes only reason" :
			    "grant takes no members";
			return 400;
		}
	}
	if (api_field(j, "reason", m->reason, sizeof(m->reason), 0) == -1) {
		json_decref(j);
		*why = "reason must be a string of less than 256 bytes";
		return 400;
	}
	json_decref(j);
	return 0;
}

/*
 * control's answer (a status and JSON) as an HTTP response: the JSON as
 * it is on success, a problem otherwise.
 */
void
api_approval_answer(const uint8_t *data, size_t len,
    void (*send)(void *, int, const char *, const char *), void *arg)
{
	int32_t		 status;
	json_t		*j;
	const char	*type, *title;
	char		*s;

	if (len < sizeof(status)) {
		send(arg, 503, "aileron:unavailable", "control did not answer");
		return;
	}
	memcpy(&status, data, sizeof(status));
	if (status < 200 || status > 599)
		status = 500;
	if ((s = strndup((const char *)data + sizeof(status),
	    len - sizeof(status))) == NULL)
		fatal("%s", __func__);
	if (status < 300) {
		send(arg, status, NULL, s);
		free(s);
		return;
	}
	j = json_loads(s, 0, NULL);
	free(s);
	type = json_string_value(json_object_get(j, "type"));
	title = json_string_value(json_object_get(j, "title"));
	send(arg, status, type != NULL ? type : "aileron:unavailable",
	    title != NULL ? title : "control refused");
	json_decref(j);
}

/*
 * api.sock's side (and the web page's): type NULL is a JSON body,
 * otherwise a problem.
 */
void
api_approval_send(void *arg, int status, const char *type, const char *s)
{
	int	 fd = *(int *)arg;

	if (type == NULL)
		api_send(fd, status, "application/json", NULL, s);
	else
		api_problem(fd, status, type, s);
}

/* One request on api.sock for the approvals; its status. */
int
api_approval(struct worker_ctx *ctx, int fd, uid_t uid, int method,
    struct api_req *rq)
{
	struct msg_control_approval_api	 m;
	const char			*why;
	int				 status;

	if (method != HTTP_GET && method != HTTP_POST) {
		api_problem(fd, 405, "aileron:bad-request", "use GET or POST");
		return 405;
	}
	if ((status = api_approval_parse(rq->url, method == HTTP_POST,
	    rq->body, rq->bodylen, &m, &why)) != 0) {
		api_problem(fd, status, status == 404 ? "aileron:not-found" :
		    "aileron:bad-request", why);
		return status;
	}
	m.uid = uid;
	return api_approval_call(ctx, fd, &m);
}

/* m to control, and its answer to the client on fd; the status. */
int
api_approval_call(struct worker_ctx *ctx, int fd,
    const struct msg_control_approval_api *m)
{
	static uint8_t			 out[sizeof(int32_t) +
					    MSG_APPROVAL_LIST_MAX];
	struct chan			 c;
	size_t				 got;
	int				 status, rv;

	api_chan_open(ctx, &c);
	rv = api_call(&c, 1, MSG_CONTROL_APPROVAL_API, m, sizeof(*m),
	    MSG_CONTROL_APPROVAL_API_REPLY, sizeof(int32_t), out, sizeof(out),
	    &got);
	api_chan_close(&c);
	if (rv == -1) {
		api_problem(fd, 503, "aileron:unavailable", "control did not "
		    "answer; see the service log");
		return 503;
	}
	api_approval_answer(out, got, api_approval_send, &fd);
	memcpy(&status, out, sizeof(int32_t));
	return status;
}
