/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* control_web.c: tests of the web page's logins and sessions in control. */

/*
 * control_web_request() as the web worker drives it: a user token logs
 * in and a session token never does; the session speaks for the user's
 * uid; a request that changes state needs the session's CSRF token;
 * logout, idle expiry and the bound on sessions end them.  On a real
 * control store in a temporary directory, with a user line for bob.
 */

#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "tap.h"
#include "log.h"
#include "msg.h"
#include "msgtypes.h"
#include "control/session.h"
#include "control/store.h"
#include "control/users.h"
#include "control/web.h"

#define OWNER	4000		/* the service's owner, for these tests */
#define BOB	4001		/* the uid bob's user line names */

static struct control_users	 us;
static struct control_sessions	 ss;
static struct control_web	 cw;

static void
line(uint32_t uid, const char *name)
{
	struct msg_conf_user	 u;
	struct msg		 m;

	memset(&u, 0, sizeof(u));
	u.uid = uid;
	strlcpy(u.user, name, sizeof(u.user));
	memset(&m, 0, sizeof(m));
	m.hdr.type = MSG_CONF_USER;
	m.data = (const uint8_t *)&u;
	m.len = sizeof(u);
	m.fd = -1;
	if (control_users_conf(&us, &m) != 1)
		fatalx("user line refused");
}

/* A users' request as uid; its JSON's "token" into token, if any. */
static int
users(uint32_t uid, uint32_t op, const char *name, char *token,
    size_t len)
{
	struct msg_control_user	 m;
	char			 reason[160], *json;
	int32_t			 status;
	json_t			*o;

	memset(&m, 0, sizeof(m));
	m.uid = uid;
	m.op = op;
	if (name != NULL) {
		strlcpy(m.name, name, sizeof(m.name));
		strlcpy(m.team, "qa", sizeof(m.team));
	}
	if (control_users_request(&us, OWNER, &m, &status, reason,
	    sizeof(reason), &json) == -1)
		fatalx("out of memory");
	o = json != NULL ? json_loads(json, 0, NULL) : NULL;
	if (token != NULL)
		strlcpy(token, json_string_value(json_object_get(o,
		    "token")) != NULL ? json_string_value(json_object_get(o,
		    "token")) : "", len);
	json_decref(o);
	free(json);
	return status;
}

static int
web(uint32_t op, uint32_t flags, const char *secret, const char *csrf,
    struct msg_control_web_reply *r)
{
	struct msg_control_web	 m;

	memset(&m, 0, sizeof(m));
	m.op = op;
	m.flags = flags;
	strlcpy(m.secret, secret, sizeof(m.secret));
	strlcpy(m.csrf, csrf, sizeof(m.csrf));
	return control_web_request(&cw, &us, &ss, OWNER, &m, r);
}

int
main(void)
{
	struct msg_control_web_reply	 r, r2;
	struct control_web_session	*s;
	char		 tmpl[] = "/tmp/aileron-control-web.XXXXXX";
	char		 token[80], stoken[80], sid[80], csrf[80], first[80];
	char		 cmd[96];
	size_t		 i;

	if (mkdtemp(tmpl) == NULL)
		return 1;
	log_init(1, 0, "control_web");
	ok(control_store_open(tmpl) == 0, "open a control store");
	control_users_init(&us);
	line(BOB, "bob");
	control_users_passwd(&us);
	ok(control_users_open(&us) == 0, "open the users");
	control_sessions_init(&ss, 8);
	control_web_init(&cw);
	is(users(0, MSG_CONTROL_USER_ADD, "bob", NULL, 0), 0, "root adds bob");
	is(users(BOB, MSG_CONTROL_USER_TOKEN_NEW, NULL, token, sizeof(token)),
	    0, "bob makes his user token");
	ok(control_session_start(&ss, BOB, "bob", "agent", "qa", "", stoken,
	    sizeof(stoken)) != NULL, "and starts an agent's session");

	/* Logins. */
	ok(!web(MSG_WEB_OP_LOGIN, 0, stoken, "", &r) && r.error == 403 &&
	    strstr(r.reason, "session token") != NULL && r.sid[0] == '\0',
	    "a session token does not log in: %s", r.reason);
	ok(!web(MSG_WEB_OP_LOGIN, 0, "0123456789abcdef0123456789abcdef"
	    "0123456789abcdef0123456789abcdef", "", &r) && r.error == 403,
	    "nor does a token that is nobody's");
	ok(!web(MSG_WEB_OP_LOGIN, 0, "bob", "", &r) && r.error == 403,
	    "nor a user's name");
	ok(web(MSG_WEB_OP_LOGIN, 0, token, "", &r) && r.error == 0 &&
	    r.uid == BOB && !r.admin && strcmp(r.user, "bob") == 0 &&
	    strlen(r.sid) == MSG_WEB_SECRET_LEN &&
	    strlen(r.csrf) == MSG_WEB_SECRET_LEN && strcmp(r.sid, token) != 0,
	    "bob's user token logs in: a session for uid %u", BOB);
	strlcpy(sid, r.sid, sizeof(sid));
	strlcpy(csrf, r.csrf, sizeof(csrf));
	s = TAILQ_FIRST(&cw.list);
	ok(cw.n == 1 && s != NULL && memmem(s, sizeof(*s), sid,
	    MSG_WEB_SECRET_LEN) == NULL,
	    "control keeps the session, not its id");

	/* Checks. */
	ok(web(MSG_WEB_OP_CHECK, 0, sid, "", &r) && r.uid == BOB &&
	    strcmp(r.csrf, csrf) == 0 && r.sid[0] == '\0',
	    "a GET: the cookie alone; the reply names uid and CSRF token");
	ok(!web(MSG_WEB_OP_CHECK, 0, token, "", &r) && r.error == 401,
	    "the user token is no session id");
	ok(!web(MSG_WEB_OP_CHECK, MSG_WEB_F_CSRF, sid, "", &r) &&
	    r.error == 403, "a POST without the CSRF token: 403");
	strlcpy(first, csrf, sizeof(first));
	first[0] = first[0] == 'a' ? 'b' : 'a';
	ok(!web(MSG_WEB_OP_CHECK, MSG_WEB_F_CSRF, sid, first, &r) &&
	    r.error == 403, "with a wrong one: 403");
	ok(web(MSG_WEB_OP_CHECK, MSG_WEB_F_CSRF, sid, csrf, &r) &&
	    r.uid == BOB, "with the session's own: it holds");

	/* Endings. */
	ok(!web(MSG_WEB_OP_LOGOUT, 0, sid, "", &r) && r.error == 403 &&
	    cw.n == 1, "logout wants the CSRF token too");
	ok(!web(MSG_WEB_OP_LOGOUT, 0, sid, csrf, &r) && r.error == 0 &&
	    cw.n == 0, "logout ends the session");
	ok(!web(MSG_WEB_OP_CHECK, 0, sid, "", &r) && r.error == 401,
	    "and its cookie no longer works");
	ok(web(MSG_WEB_OP_LOGIN, 0, token, "", &r), "log in again");
	TAILQ_FIRST(&cw.list)->used -= (CWEB_IDLE_S + 1) * 1000LL;
	ok(!web(MSG_WEB_OP_CHECK, 0, r.sid, "", &r2) && r2.error == 401 &&
	    cw.n == 0, "a session idle too long expires");
	ok(web(MSG_WEB_OP_LOGIN, 0, token, "", &r), "log in again");
	strlcpy(first, r.sid, sizeof(first));
	for (i = 0; i < CWEB_SESSIONS_MAX; i++)
		web(MSG_WEB_OP_LOGIN, 0, token, "", &r2);
	ok(cw.n == CWEB_SESSIONS_MAX && !web(MSG_WEB_OP_CHECK, 0, first, "",
	    &r) && web(MSG_WEB_OP_CHECK, 0, r2.sid, "", &r),
	    "at most %d sessions: the oldest goes", CWEB_SESSIONS_MAX);

	control_sessions_clear(&ss);
	control_store_close();
	control_users_clear(&us);
	explicit_bzero(token, sizeof(token));
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpl);
	if (system(cmd) != 0)
		diag("cannot remove %s", tmpl);
	return done_testing();
}
