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
 * api_session.c: the API's view of sessions:
 *
 *	GET /v1/sessions	-> 200 {"sessions": [SESSION, ...]}
 *	GET /v1/sessions/ID	-> 200 SESSION
 *
 * SESSION is {"session", "uid", "user", "agent", "team", "project",
 * "started", "used", "expires"}, the times in RFC 3339 UTC; never the
 * token.  Control decides who sees what from the caller's uid: the
 * sessions that uid started, or all of them for root and the service's
 * owner.  A list longer than one of control's pages is read page by page.
 */

#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "msg.h"
#include "msgtypes.h"
#include "worker/api.h"

#define API_SESSION_PAGES	64	/* bounds the loop: 4096 sessions */

static json_t	*api_session_json(const struct msg_control_session_info *);

static json_t *
api_session_json(const struct msg_control_session_info *in)
{
	char		 t[3][32];
	const int64_t	*v[3] = { &in->started, &in->used, &in->expires };
	struct tm	 tm;
	time_t		 tt;
	size_t		 i;

	for (i = 0; i < 3; i++) {
		tt = (time_t)*v[i];
		if (gmtime_r(&tt, &tm) == NULL ||
		    strftime(t[i], sizeof(t[i]), "%Y-%m-%dT%H:%M:%SZ", &tm) ==
		    0)
			strlcpy(t[i], "", sizeof(t[i]));
	}
	return json_pack("{s:s#, s:I, s:s#, s:s#, s:s#, s:s#, s:s, s:s, s:s}",
	    "session", in->session, strnlen(in->session, sizeof(in->session)),
	    "uid", (json_int_t)in->uid,
	    "user", in->user, strnlen(in->user, sizeof(in->user)),
	    "agent", in->agent, strnlen(in->agent, sizeof(in->agent)),
	    "team", in->team, strnlen(in->team, sizeof(in->team)),
	    "project", in->project, strnlen(in->project, sizeof(in->project)),
	    "started", t[0], "used", t[1], "expires", t[2]);
}

/* One SESSION_LIST call; -1 when control did not answer in time. */
int
api_session_page(struct chan *c, uint32_t reqid, uid_t uid, const char *id,
    uint32_t offset, struct msg_control_session_page *pg,
    struct msg_control_session_info *in)
{
	static uint8_t			 buf[sizeof(*pg) +
					    MSG_CONTROL_SESSION_PAGE *
					    sizeof(*in)];
	struct msg_control_session_list	 m;
	size_t				 got;

	memset(&m, 0, sizeof(m));
	m.uid = uid;
	m.offset = offset;
	strlcpy(m.session, id, sizeof(m.session));
	if (api_call(c, reqid, MSG_CONTROL_SESSION_LIST, &m, sizeof(m),
	    MSG_CONTROL_SESSION_LIST_REPLY, sizeof(*pg), buf, sizeof(buf),
	    &got) == -1)
		return -1;
	memcpy(pg, buf, sizeof(*pg));
	/* Control is trusted, but its count must fit what came. */
	if (pg->n > MSG_CONTROL_SESSION_PAGE ||
	    got != sizeof(*pg) + pg->n * sizeof(*in))
		return -1;
	memcpy(in, buf + sizeof(*pg), pg->n * sizeof(*in));
	return 0;
}

/* path is what follows /v1/sessions: "" or "/ID". */
int
api_session_get(struct worker_ctx *ctx, int fd, uid_t uid, const char *path)
{
	static struct msg_control_session_info	 in[MSG_CONTROL_SESSION_PAGE];
	struct msg_control_session_page		 pg;
	struct chan				 c;
	json_t					*out = NULL, *list;
	const char				*id = "";
	char					*s;
	uint32_t				 offset = 0, i, page;
	int					 status = 200;

	if (*path == '/') {
		id = path + 1;
		if (strlen(id) != MSG_VAULT_SESSION_LEN ||
		    strspn(id, "0123456789abcdef") != MSG_VAULT_SESSION_LEN) {
			api_problem(fd, 404, "aileron:not-found",
			    "no such session");
			return 404;
		}
	}
	if ((list = json_array()) == NULL) {
		api_problem(fd, 500, "aileron:unavailable", "out of memory");
		return 500;
	}
	api_chan_open(ctx, &c);
	for (page = 0; page < API_SESSION_PAGES; page++) {
		if (api_session_page(&c, page + 1, uid, id, offset, &pg,
		    in) == -1) {
			status = 503;
			break;
		}
		if (pg.error != 0) {
			status = pg.error == 403 ? 403 : 404;
			break;
		}
		for (i = 0; i < pg.n; i++)
			json_array_append_new(list, api_session_json(&in[i]));
		offset += pg.n;
		if (*id != '\0' || pg.n == 0 || offset >= pg.total)
			break;
	}
	api_chan_close(&c);
	switch (status) {
	case 503:
		json_decref(list);
		api_problem(fd, 503, "aileron:unavailable", "control did not "
		    "answer; see the service log");
		return 503;
	case 403:
		json_decref(list);
		api_problem(fd, 403, "aileron:denied", "the session was "
		    "started by another user");
		return 403;
	case 404:
		json_decref(list);
		api_problem(fd, 404, "aileron:not-found", "no such session");
		return 404;
	}
	if (*id != '\0') {
		out = json_incref(json_array_get(list, 0));
		json_decref(list);
	} else
		out = json_pack("{s:o}", "sessions", list);
	s = out != NULL ? json_dumps(out, JSON_COMPACT) : NULL;
	json_decref(out);
	if (s == NULL) {
		api_problem(fd, 500, "aileron:unavailable", "out of memory");
		return 500;
	}
	api_send(fd, 200, "application/json", NULL, s);
	free(s);
	return 200;
}
