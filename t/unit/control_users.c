/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/* control_users.c: tests of who is who, users and user tokens (teams). */

/*
 * control_users_identify() over user lines and the password database,
 * the users' requests as control answers them, and the user token's
 * check: constant time over the stored hash, and a rotated token no
 * longer valid.  On a real control store in a temporary directory,
 * reopened to show the users and the token's hash persist.
 */

#include <sys/types.h>

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "tap.h"
#include "log.h"
#include "msg.h"
#include "msgtypes.h"
#include "control/store.h"
#include "control/users.h"

#define OWNER	4000		/* the service's owner, for these tests */
#define LINED	4001		/* a uid a user line names */

static struct control_users	 us;

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

/* A request as uid; the status (0: ok) and JSON into *out, or NULL. */
static int
request(uint32_t uid, uint32_t op, const char *name, const char *team,
    json_t **out)
{
	struct msg_control_user	 m;
	char			 reason[160], *json;
	int32_t			 status;

	memset(&m, 0, sizeof(m));
	m.uid = uid;
	m.op = op;
	if (name != NULL)
		strlcpy(m.name, name, sizeof(m.name));
	if (team != NULL)
		strlcpy(m.team, team, sizeof(m.team));
	if (control_users_request(&us, OWNER, &m, &status, reason,
	    sizeof(reason), &json) == -1)
		fatalx("out of memory");
	*out = json != NULL ? json_loads(json, 0, NULL) : NULL;
	free(json);
	return status;
}

static const char *
str(json_t *o, const char *k)
{
	const char	*s = json_string_value(json_object_get(o, k));

	return s != NULL ? s : "";
}

int
main(void)
{
	char		 tmpl[] = "/tmp/aileron-control-users.XXXXXX";
	char		 user[80], first[80], second[80], cmd[96];
	struct passwd	*pw;
	json_t		*o;
	int		 admin;

	if (mkdtemp(tmpl) == NULL)
		return 1;
	log_init(1, 0, "control_users");
	if ((pw = getpwnam("nobody")) == NULL)
		fatalx("no account nobody");
	ok(control_store_open(tmpl) == 0, "open a control store");
	control_users_init(&us);
	line(LINED, "bob");
	control_users_passwd(&us);
	ok(control_users_open(&us) == 0, "open the users");

	/* Who is who. */
	ok(control_users_identify(&us, OWNER, 0, user, sizeof(user),
	    &admin) == 0 && admin && strcmp(user, "root") == 0,
	    "root: an administrator named root");
	ok(control_users_identify(&us, OWNER, OWNER, user, sizeof(user),
	    &admin) == 0 && admin, "the owner: an administrator");
	ok(control_users_identify(&us, OWNER, LINED, user, sizeof(user),
	    &admin) == 0 && !admin && strcmp(user, "bob") == 0,
	    "a user line maps its uid, no administrator");
	is(control_users_identify(&us, OWNER, pw->pw_uid, user, sizeof(user),
	    &admin), -1, "a login alone maps nobody");
	is(control_users_identify(&us, OWNER, 4999, user, sizeof(user),
	    &admin), -1, "a uid without an account or a line: nobody");

	/* Users. */
	is(request(LINED, MSG_CONTROL_USER_ADD, "x", "t", &o), 403,
	    "only an administrator adds");
	json_decref(o);
	is(request(0, MSG_CONTROL_USER_ADD, pw->pw_name, "ops", &o), 0,
	    "root adds %s", pw->pw_name);
	json_decref(o);
	is(request(0, MSG_CONTROL_USER_ADD, pw->pw_name, "ops", &o), 409,
	    "twice: 409");
	json_decref(o);
	is(request(0, MSG_CONTROL_USER_ADD, "a/b", "ops", &o), 400,
	    "an invalid name: 400");
	json_decref(o);
	ok(control_users_identify(&us, OWNER, pw->pw_uid, user, sizeof(user),
	    &admin) == 0 && strcmp(user, pw->pw_name) == 0,
	    "added, the login maps");

	/* Tokens. */
	is(request(pw->pw_uid, MSG_CONTROL_USER_TOKEN_GET, NULL, NULL, &o),
	    404, "no token yet: 404");
	json_decref(o);
	is(request(pw->pw_uid, MSG_CONTROL_USER_TOKEN_NEW, NULL, NULL, &o), 0,
	    "a token is made");
	strlcpy(first, str(o, "token"), sizeof(first));
	json_decref(o);
	ok(strlen(first) == CUSER_TOKEN_LEN &&
	    control_user_token_check(&us, pw->pw_name, first),
	    "it is %s's", pw->pw_name);
	ok(!control_user_token_check(&us, "bob", first),
	    "and nobody else's");
	is(request(pw->pw_uid, MSG_CONTROL_USER_TOKEN_NEW, NULL, NULL, &o), 0,
	    "rotated");
	strlcpy(second, str(o, "token"), sizeof(second));
	json_decref(o);
	ok(strcmp(first, second) != 0 &&
	    control_user_token_check(&us, pw->pw_name, second) &&
	    !control_user_token_check(&us, pw->pw_name, first),
	    "the new token is valid, the old one no longer");
	is(request(pw->pw_uid, MSG_CONTROL_USER_TOKEN_GET, NULL, NULL, &o), 0,
	    "GET answers");
	ok(json_object_get(o, "token") == NULL && strlen(str(o,
	    "token_id")) == CUSER_TOKEN_ID_LEN, "with the id, not the token");
	json_decref(o);

	/* Persistence: a fresh table from the same store. */
	control_store_close();
	control_users_clear(&us);
	line(LINED, "bob");
	control_users_passwd(&us);
	ok(control_store_open(tmpl) == 0 && control_users_open(&us) == 0,
	    "reopen");
	ok(control_user_find(&us, pw->pw_name) != NULL &&
	    control_user_token_check(&us, pw->pw_name, second) &&
	    !control_user_token_check(&us, pw->pw_name, first),
	    "the user and the token's hash persist");
	control_store_close();
	control_users_clear(&us);
	explicit_bzero(first, sizeof(first));
	explicit_bzero(second, sizeof(second));
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpl);
	if (system(cmd) != 0)
		diag("cannot remove %s", tmpl);
	return done_testing();
}
