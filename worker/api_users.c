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
 * api_users.c: the management API's users (teams, issue 11):
 *
 *	GET /v1/users/me		-> 200 {user, uid, admin, record,
 *					   team, projects}
 *	GET /v1/users			-> 200 {users: [...], truncated}
 *	POST /v1/users			{name, team, projects} -> 201 the user
 *	GET /v1/users/me/token		-> 200 {user, token_id, created}
 *	POST /v1/users/me/token		-> 201 {user, token, token_id, created}
 *
 * and the gate every request of api.sock passes first: a uid that is no
 * aileron user gets 403, whatever it asks.  Control decides all of it
 * by the caller's uid; the worker parses and relays.  A user token is
 * in one answer only, zeroed once sent, and never logged.
 */

#include <sys/types.h>

#include <stdlib.h>
#include <string.h>

#include <http_parser.h>
#include <jansson.h>

#include "log.h"
#include "msg.h"
#include "msgtypes.h"
#include "worker/api.h"
#include "worker/worker.h"

#define API_USERS	"/v1/users"

static int	api_users_call(struct worker_ctx *, struct msg_control_user *,
		    struct msg_control_user_reply *, char **);
static int	api_users_problem(int, const struct msg_control_user_reply *);
static int	api_users_add(struct worker_ctx *, int, uid_t,
		    struct api_req *);
static int	api_users_answer(struct worker_ctx *, int,
		    struct msg_control_user *, int);

/*
 * One USER call to control: its reply into r and, on success, its JSON
 * into *json (the caller zeroes and frees it).  -1: control did not
 * answer in time.
 */
static int
api_users_call(struct worker_ctx *ctx, struct msg_control_user *m,
    struct msg_control_user_reply *r, char **json)
{
	static uint8_t	 buf[sizeof(*r) + MSG_CONTROL_USER_JSON_MAX];
	struct chan	 c;
	size_t		 got, tail;
	int		 rv;

	*json = NULL;
	api_chan_open(ctx, &c);
	rv = api_call(&c, 1, MSG_CONTROL_USER, m, sizeof(*m),
	    MSG_CONTROL_USER_REPLY, sizeof(*r), buf, sizeof(buf), &got);
	api_chan_close(&c);
	if (rv == -1)
		return -1;
	memcpy(r, buf, sizeof(*r));
	r->reason[sizeof(r->reason) - 1] = '\0';
	tail = got - sizeof(*r);
	if (r->error == 0) {
		if ((*json = malloc(tail + 1)) == NULL)
			fatal("%s", __func__);
		memcpy(*json, buf + sizeof(*r), tail);
		(*json)[tail] = '\0';
	}
	explicit_bzero(buf, got);
	return 0;
}

static int
api_users_problem(int fd, const struct msg_control_user_reply *r)
{
	int	 status;

	status = r->error == 400 || r->error == 403 || r->error == 404 ||
	    r->error == 409 || r->error == 503 ? r->error : 500;
	api_problem(fd, status, status == 400 ? "aileron:bad-request" :
	    status == 403 ? "aileron:denied" : status == 404 ?
	    "aileron:not-found" : status == 409 ? "aileron:conflict" :
	    "aileron:unavailable", r->reason);
	return status;
}

/*
 * Before any endpoint: is the caller anybody here?  0 when control
 * knows the uid; otherwise the refusal (403, or 503 without control)
 * was sent and its status is returned.
 */
int
api_users_gate(struct worker_ctx *ctx, int fd, uid_t uid)
{
	struct msg_control_user		 m;
	struct msg_control_user_reply	 r;
	char				*json;

	memset(&m, 0, sizeof(m));
	m.uid = uid;
	m.op = MSG_CONTROL_USER_ME;
	if (api_users_call(ctx, &m, &r, &json) == -1) {
		api_problem(fd, 503, "aileron:unavailable", "control did not "
		    "answer; see the service log");
		return 503;
	}
	free(json);
	if (r.error != 0)
		return api_users_problem(fd, &r);
	return 0;
}

/* POST /v1/users {"name", "team", "projects": [...]} */
static int
api_users_add(struct worker_ctx *ctx, int fd, uid_t uid, struct api_req *rq)
{
	struct msg_control_user		 m;
	json_t				*j, *v, *p;
	const char			*key;
	size_t				 i;

	memset(&m, 0, sizeof(m));
	m.uid = uid;
	m.op = MSG_CONTROL_USER_ADD;
	if ((j = json_loadb(rq->body, rq->bodylen, JSON_REJECT_DUPLICATES,
	    NULL)) == NULL || !json_is_object(j)) {
		json_decref(j);
		api_problem(fd, 400, "aileron:bad-request", "the body must be "
		    "a JSON object");
		return 400;
	}
	json_object_foreach(j, key, v) {
		if (strcmp(key, "name") != 0 && strcmp(key, "team") != 0 &&
		    strcmp(key, "projects") != 0) {
			json_decref(j);
			api_problem(fd, 400, "aileron:bad-request", "unknown "
			    "member; use name, team and projects");
			return 400;
		}
	}
	p = json_object_get(j, "projects");
	if (api_field(j, "name", m.name, sizeof(m.name), 1) == -1 ||
	    api_field(j, "team", m.team, sizeof(m.team), 1) == -1 ||
	    (p != NULL && (!json_is_array(p) ||
	    json_array_size(p) > MSG_CONTROL_PROJECTS_MAX))) {
		json_decref(j);
		api_problem(fd, 400, "aileron:bad-request", "name and team "
		    "are required short strings; projects, at most 8 of them");
		return 400;
	}
	json_array_foreach(p, i, v) {
		if (!json_is_string(v) || json_string_length(v) == 0 ||
		    json_string_length(v) >= sizeof(m.projects[i]) ||
		    strlen(json_string_value(v)) != json_string_length(v)) {
			json_decref(j);
			api_problem(fd, 400, "aileron:bad-request", "a project "
			    "is a short string");
			return 400;
		}
		strlcpy(m.projects[i], json_string_value(v),
		    sizeof(m.projects[i]));
	}
	json_decref(j);
	return api_users_answer(ctx, fd, &m, 201);
}

/*
 * Ask control and relay its answer: the JSON with status, or its
 * refusal.  A new token may be in the JSON: it is zeroed once sent.
 */
static int
api_users_answer(struct worker_ctx *ctx, int fd, struct msg_control_user *m,
    int status)
{
	struct msg_control_user_reply	 r;
	char				*json;

	if (api_users_call(ctx, m, &r, &json) == -1) {
		api_problem(fd, 503, "aileron:unavailable", "control did not "
		    "answer; see the service log");
		return 503;
	}
	if (r.error != 0)
		return api_users_problem(fd, &r);
	api_send(fd, status, "application/json", NULL, json);
	explicit_bzero(json, strlen(json));
	free(json);
	return status;
}

/* The /v1/users endpoints; url is the request's, under API_USERS. */
int
api_users(struct worker_ctx *ctx, int fd, uid_t uid, int method,
    struct api_req *rq)
{
	struct msg_control_user		 m;
	const char			*path = rq->url + strlen(API_USERS);
	int				 created = 0;

	memset(&m, 0, sizeof(m));
	m.uid = uid;
	if (strcmp(path, "") == 0 && method == HTTP_POST)
		return api_users_add(ctx, fd, uid, rq);
	else if (strcmp(path, "") == 0 && method == HTTP_GET)
		m.op = MSG_CONTROL_USER_LIST;
	else if (strcmp(path, "/me") == 0 && method == HTTP_GET)
		m.op = MSG_CONTROL_USER_ME;
	else if (strcmp(path, "/me/token") == 0 && method == HTTP_GET)
		m.op = MSG_CONTROL_USER_TOKEN_GET;
	else if (strcmp(path, "/me/token") == 0 && method == HTTP_POST) {
		m.op = MSG_CONTROL_USER_TOKEN_NEW;
		created = 1;
	} else if (strcmp(path, "") == 0 || strcmp(path, "/me") == 0 ||
	    strcmp(path, "/me/token") == 0) {
		api_problem(fd, 405, "aileron:bad-request", "use GET, or POST "
		    "to add a user or make a token");
		return 405;
	} else {
		api_problem(fd, 404, "aileron:not-found", "no such resource; "
		    "see aileron-api(7)");
		return 404;
	}
	if (rq->bodylen > 0 && m.op != MSG_CONTROL_USER_TOKEN_NEW) {
		api_problem(fd, 400, "aileron:bad-request", "this request "
		    "takes no body");
		return 400;
	}
	return api_users_answer(ctx, fd, &m, created ? 201 : 200);
}
